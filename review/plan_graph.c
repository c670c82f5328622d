/*
** plan_graph.c -- the plan as a graph: the steps in the order they run,
** the `after` dependencies, failure handlers and branches, and the human
** gates marked. The graph is laid out once (nodes and edges) and written
** as DOT, for Graphviz (`dot -Tsvg`), or as a Mermaid flowchart.
*/
#include <stdio.h>
#include <string.h>

#include "../base/mem.h"
#include "../vm/value.h"
#include "plan_render.h"

/* Labels are cut to this many characters and wrapped at about LINE_WIDTH. */
#define LABEL_MAX 90
#define LINE_WIDTH 34

typedef enum GKind { G_START, G_STEP, G_GATE_STEP, G_BRANCH, G_OUTCOME, G_FAIL, G_END } GKind;
typedef enum GEdge { E_FLOW, E_FLOW_AFTER, E_AFTER, E_FAIL, E_BRANCH, E_YES, E_NO } GEdge;

typedef struct GNode {
  char id[40];
  GKind kind;
  char *label;       /* lines separated by '\n', plain text */
} GNode;

typedef struct GEdgeRec {
  char from[40], to[40];
  GEdge kind;
} GEdgeRec;

typedef struct Graph {
  GNode *nodes;
  size_t nn, capn;
  GEdgeRec *edges;
  size_t ne, cape;
} Graph;

/* wrap appends text (plain, code marks dropped) cut to LABEL_MAX
** characters and broken into lines of about LINE_WIDTH at spaces. */
static void wrap(Buf *b, const char *text) {
  Buf t = BUF_INIT;
  size_t i, chars = 0, col = 0;
  dw_plain(&t, text);
  for (i = 0; i < t.n; i++) {
    unsigned char c = (unsigned char)t.p[i];
    if ((c & 0xC0) != 0x80) {
      if (chars++ == LABEL_MAX) {
        buf_puts(b, "\u2026");
        break;
      }
      col++;
    }
    if (c == ' ' && col >= LINE_WIDTH) {
      buf_putc(b, '\n');
      col = 0;
      continue;
    }
    buf_putc(b, (char)c);
  }
  buf_free(&t);
}

static GNode *add_node(Graph *g, GKind kind, const char *id, Buf *label) {
  GNode *n;
  if (g->nn == g->capn) g->nodes = mem_grow(g->nodes, &g->capn, g->nn + 1, sizeof *g->nodes);
  n = &g->nodes[g->nn++];
  snprintf(n->id, sizeof n->id, "%s", id);
  n->kind = kind;
  n->label = buf_take(label);
  return n;
}

static void add_edge(Graph *g, const char *from, const char *to, GEdge kind) {
  GEdgeRec *e;
  if (g->ne == g->cape) g->edges = mem_grow(g->edges, &g->cape, g->ne + 1, sizeof *g->edges);
  e = &g->edges[g->ne++];
  snprintf(e->from, sizeof e->from, "%s", from);
  snprintf(e->to, sizeof e->to, "%s", to);
  e->kind = kind;
}

static void gate_line(Buf *b, const PlanStep *s) {
  size_t k, manual = 0, ask = 0;
  int first = 1;
  for (k = 0; k < s->ngates; k++) {
    if (s->gates[k].kind == PK_MANUAL) manual++;
    else if (s->gates[k].kind == PK_ASK) ask++;
  }
  buf_puts(b, "\nwaits for: ");
  for (k = 0; k < s->ngates; k++) {
    if (s->gates[k].kind != PK_APPROVE) continue;
    buf_printf(b, "%sapproval by %s", first ? "" : ", ", s->gates[k].role ? s->gates[k].role : "?");
    first = 0;
  }
  if (manual) buf_printf(b, "%s%zu manual", first ? "" : ", ", manual), first = 0;
  if (ask) buf_printf(b, "%s%zu question%s", first ? "" : ", ", ask, ask == 1 ? "" : "s");
}

static void build(const Plan *p, Graph *g) {
  Buf l = BUF_INIT;
  char prev[40], id[40], bid[40];
  size_t i, k;
  if (p->nrequires) buf_printf(&l, "Pre-flight: %zu requirement%s", p->nrequires, p->nrequires == 1 ? "" : "s");
  else buf_puts(&l, "Start");
  add_node(g, G_START, "start", &l);
  snprintf(prev, sizeof prev, "start");
  for (i = 0; i < p->nsteps; i++) {
    const PlanStep *s = &p->steps[i];
    snprintf(id, sizeof id, "s%d", s->number);
    buf_printf(&l, "%d. ", s->number);
    wrap(&l, s->title);
    buf_printf(&l, "\n%s", s->owner ? s->owner : "no owner");
    if (s->has_expect) {
      buf_puts(&l, ", ");
      dw_minutes(&l, s->expect);
    }
    if (s->ngates) gate_line(&l, s);
    if (s->irreversible) buf_puts(&l, "\nirreversible");
    add_node(g, s->ngates ? G_GATE_STEP : G_STEP, id, &l);
    add_edge(g, prev, id, E_FLOW);
    snprintf(prev, sizeof prev, "%s", id);
    for (k = 0; k < s->nafter; k++) {
      const PlanStep *a = plan_step(p, s->after[k]);
      char from[40];
      if (!a) continue;
      snprintf(from, sizeof from, "s%d", a->number);
      if (a->number == s->number - 1) g->edges[g->ne - 1].kind = E_FLOW_AFTER;   /* the flow edge says it */
      else add_edge(g, from, id, E_AFTER);
    }
    for (k = 0; k < s->nbranches; k++) {
      const PlanBranch *br = &s->branches[k];
      snprintf(bid, sizeof bid, "s%db%d", s->number, (int)k + 1);
      buf_puts(&l, "if ");
      wrap(&l, br->cond);
      add_node(g, G_BRANCH, bid, &l);
      add_edge(g, id, bid, E_BRANCH);
      {
        char yes[40], no[40];
        snprintf(yes, sizeof yes, "s%db%dy", s->number, (int)k + 1);
        wrap(&l, br->then_text);
        add_node(g, G_OUTCOME, yes, &l);
        add_edge(g, bid, yes, E_YES);
        snprintf(no, sizeof no, "s%db%dn", s->number, (int)k + 1);
        if (br->else_text) wrap(&l, br->else_text);
        else buf_puts(&l, "go on");
        add_node(g, G_OUTCOME, no, &l);
        add_edge(g, bid, no, E_NO);
      }
    }
    if (s->on_failure) {
      snprintf(bid, sizeof bid, "s%df", s->number);
      buf_puts(&l, "on failure: ");
      wrap(&l, s->on_failure);
      add_node(g, G_FAIL, bid, &l);
      add_edge(g, id, bid, E_FAIL);
    }
  }
  buf_puts(&l, "Done: ");
  dw_minutes(&l, p->total);
  buf_puts(&l, " planned");
  if (p->has_window) {
    buf_puts(&l, ", window ");
    dw_minutes(&l, p->window);
  }
  add_node(g, G_END, "done", &l);
  add_edge(g, prev, "done", E_FLOW);
  buf_free(&l);
}

static void graph_free(Graph *g) {
  size_t i;
  for (i = 0; i < g->nn; i++) mem_free(g->nodes[i].label);
  mem_free(g->nodes);
  mem_free(g->edges);
}

/* ---- DOT ------------------------------------------------------------ */

static void dot_str(Buf *b, const char *s) {
  buf_putc(b, '"');
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') {
      buf_putc(b, '\\');
      buf_putc(b, *s);
    } else if (*s == '\n') {
      buf_puts(b, "\\n");
    } else {
      buf_putc(b, *s);
    }
  }
  buf_putc(b, '"');
}

void plan_render_dot(const Plan *p, Buf *out) {
  static const char *const node_attr[] = {
    [G_START] = "shape=box, style=\"rounded,filled\", fillcolor=\"#e8eef7\"",
    [G_STEP] = "shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\"",
    [G_GATE_STEP] = "shape=box, style=\"rounded,filled,bold\", fillcolor=\"#fff4d6\", color=\"#b8860b\", penwidth=2.5",
    [G_BRANCH] = "shape=diamond, style=filled, fillcolor=\"#eef7ee\", fontsize=10",
    [G_OUTCOME] = "shape=note, style=filled, fillcolor=\"#f7f7f7\", fontsize=10",
    [G_FAIL] = "shape=note, style=filled, fillcolor=\"#fde0dc\", color=\"#c0392b\", fontsize=10",
    [G_END] = "shape=box, style=\"rounded,filled\", fillcolor=\"#e8eef7\"",
  };
  static const char *const edge_attr[] = {
    [E_FLOW] = "",
    [E_FLOW_AFTER] = " [label=\"after\", fontcolor=\"#1f6feb\"]",
    [E_AFTER] = " [style=dashed, color=\"#1f6feb\", fontcolor=\"#1f6feb\", label=\"after\", constraint=false]",
    [E_FAIL] = " [color=\"#c0392b\", fontcolor=\"#c0392b\", label=\"fails\"]",
    [E_BRANCH] = " [style=dotted, arrowhead=none]",
    [E_YES] = " [label=\"yes\"]",
    [E_NO] = " [label=\"no\"]",
  };
  Graph g;
  Buf t = BUF_INIT;
  size_t i;
  memset(&g, 0, sizeof g);
  build(p, &g);
  buf_puts(out, "digraph plan {\n  graph [rankdir=TB, fontname=\"Helvetica\", labelloc=t, label=");
  wrap(&t, p->title);
  if (p->version) buf_printf(&t, "\nversion %s", p->version);
  dot_str(out, buf_cstr(&t));
  buf_puts(out, "];\n  node [fontname=\"Helvetica\", fontsize=11];\n  edge [fontname=\"Helvetica\", fontsize=9];\n");
  for (i = 0; i < g.nn; i++) {
    buf_printf(out, "  %s [%s, label=", g.nodes[i].id, node_attr[g.nodes[i].kind]);
    dot_str(out, g.nodes[i].label);
    buf_puts(out, "];\n");
  }
  for (i = 0; i < g.ne; i++)
    buf_printf(out, "  %s -> %s%s;\n", g.edges[i].from, g.edges[i].to, edge_attr[g.edges[i].kind]);
  buf_puts(out, "}\n");
  buf_free(&t);
  graph_free(&g);
}

/* ---- Mermaid -------------------------------------------------------- */

/* mermaid_str writes a label for ["..."]: quotes, '#', '<', '>' and the
** backquote as entity codes, lines joined with <br/>. */
static void mermaid_str(Buf *b, const char *s) {
  buf_putc(b, '"');
  for (; *s; s++) {
    switch (*s) {
      case '"': buf_puts(b, "#quot;"); break;
      case '#': buf_puts(b, "#35;"); break;
      case '<': buf_puts(b, "#lt;"); break;
      case '>': buf_puts(b, "#gt;"); break;
      case '`': buf_puts(b, "#96;"); break;
      case '\n': buf_puts(b, "<br/>"); break;
      default: buf_putc(b, *s);
    }
  }
  buf_putc(b, '"');
}

void plan_render_mermaid(const Plan *p, Buf *out) {
  static const char *const open[] = {[G_START] = "([", [G_STEP] = "[", [G_GATE_STEP] = "[", [G_BRANCH] = "{",
                                     [G_OUTCOME] = "[/", [G_FAIL] = "[/", [G_END] = "(["};
  static const char *const close[] = {[G_START] = "])", [G_STEP] = "]", [G_GATE_STEP] = "]", [G_BRANCH] = "}",
                                      [G_OUTCOME] = "/]", [G_FAIL] = "/]", [G_END] = "])"};
  static const char *const arrow[] = {[E_FLOW] = " --> ", [E_FLOW_AFTER] = " -->|after| ", [E_AFTER] = " -.->|after| ", [E_FAIL] = " -->|fails| ",
                                      [E_BRANCH] = " -.- ", [E_YES] = " -->|yes| ", [E_NO] = " -->|no| "};
  Graph g;
  Buf gates = BUF_INIT, fails = BUF_INIT;
  size_t i;
  memset(&g, 0, sizeof g);
  build(p, &g);
  buf_puts(out, "---\ntitle: ");
  {
    Buf t = BUF_INIT;
    dw_plain(&t, p->title);
    buf_json_str(out, buf_cstr(&t), t.n);   /* a YAML double-quoted scalar */
    buf_free(&t);
  }
  buf_puts(out, "\n---\nflowchart TD\n");
  for (i = 0; i < g.nn; i++) {
    buf_printf(out, "  %s%s", g.nodes[i].id, open[g.nodes[i].kind]);
    mermaid_str(out, g.nodes[i].label);
    buf_printf(out, "%s\n", close[g.nodes[i].kind]);
    if (g.nodes[i].kind == G_GATE_STEP) buf_printf(&gates, "%s%s", gates.n ? "," : "", g.nodes[i].id);
    if (g.nodes[i].kind == G_FAIL) buf_printf(&fails, "%s%s", fails.n ? "," : "", g.nodes[i].id);
  }
  for (i = 0; i < g.ne; i++) buf_printf(out, "  %s%s%s\n", g.edges[i].from, arrow[g.edges[i].kind], g.edges[i].to);
  buf_puts(out, "  classDef gate fill:#fff4d6,stroke:#b8860b,stroke-width:3px\n"
                "  classDef failure fill:#fde0dc,stroke:#c0392b\n");
  if (gates.n) buf_printf(out, "  class %s gate\n", gates.p);
  if (fails.n) buf_printf(out, "  class %s failure\n", fails.p);
  buf_free(&gates);
  buf_free(&fails);
  graph_free(&g);
}
