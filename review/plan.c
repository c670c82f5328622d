/*
** plan.c -- building the plan of a runbook from its checked tree
** (plan.h). One model for every format; the renderers live in cli/.
*/
#include "plan.h"

#include <stdio.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/json.h"
#include "../base/ptrmap.h"
#include "../base/sha256.h"
#include "../base/shquote.h"
#include "../compiler/astq.h"
#include "../compiler/kind.h"
#include "../vm/value.h"
#include "plan_words.h"

/* The checklist: seed 001's questions that the lint rules answer. Each
** item is ✓ when none of its rules has an unsuppressed finding. "check"
** stands for every diagnostic of rbk check that has no rule of its own. */
static const struct {
  const char *phase, *question;
  const char *rules[PLAN_MAX_RULES + 1];   /* NULL-terminated */
} checklist[] = {
  {"Planning", "Triggers defined?",
   {"no-triggers", NULL}},
  {"Planning", "Decision authority clear?",
   {"destructive-no-approval", "self-approval", NULL}},
  {"Planning", "Contact list current?",
   {"role-no-contact", NULL}},
  {"Planning", "Backup procedures defined?",
   {"no-backup-check", "require-no-owner", NULL}},
  {"Planning", "Restore procedures documented?",
   {"no-undo", "irreversible-no-reason", NULL}},
  {"Planning", "Plan owned and versioned?",
   {"no-plan-owner", "no-version", NULL}},
  {"Procedure", "Every step owned?",
   {"step-no-owner", NULL}},
  {"Procedure", "Every change verified?",
   {"no-verify", NULL}},
  {"Procedure", "Every change bounded by a timeout?",
   {"no-timeout", "timeout-below-expect", NULL}},
  {"Procedure", "Durations planned and within the window?",
   {"no-expect", "no-window", "over-window", NULL}},
  {"Procedure", "Communication ready?",
   {"no-notify", NULL}},
  {"Procedure", "No secrets written in the plan?",
   {"secret-literal", NULL}},
  {"Review", "Runbook consistent (rbk check, unused code, suppressions)?",
   {"after-order", "unreachable", "unused-param", "bad-ignore", "unused-ignore", "check", NULL}},
};

/* A vector grown with mem_grow; the caller keeps the count and capacity. */
#define PUSH(arr, n, cap) ((n) == (cap) ? (void)((arr) = mem_grow((arr), &(cap), (n) + 1, sizeof *(arr))) : (void)0, &(arr)[(n)++])

typedef struct B {
  Plan *p;
  Ast *ast;
  const Source *src;
  const Lint *lint;
  PtrMap fns;     /* interned name -> N_FN */
  const Node *rb; /* the N_RUNBOOK */
  const PlanGiven *given;   /* rbk plan --param, or NULL */
  size_t capvalues;
} B;

static const char *keep(B *b, Buf *t) {
  const char *s = arena_strndup(&b->p->arena, t->p ? t->p : "", t->n);
  buf_reset(t);
  return s;
}

static const char *keep_str(B *b, const char *s) { return s ? arena_strndup(&b->p->arena, s, strlen(s)) : NULL; }

/* text_of keeps the text of a string literal (interpolations as ${...}). */
static const char *text_of(B *b, const Node *s) {
  Buf t = BUF_INIT;
  const char *r;
  if (s && (s->kind == N_STR || s->kind == N_TMPL)) astq_text(b->src, s, NULL, &t);
  else if (s) astq_source(b->src, s, &t);
  r = keep(b, &t);
  buf_free(&t);
  return r;
}

/* param_default is the default of param name (not a secret's: it is
** never shown), or NULL. */
static const Node *param_default(B *b, const char *name) {
  const Node *d;
  for (d = b->rb ? b->rb->b : NULL; d; d = d->next)
    if (d->kind == N_PARAM && strcmp(d->a->str, name) == 0) return d->b;
  return NULL;
}

/* given_of is the value given for param name ("***" for a secret), or NULL. */
static const char *given_of(B *b, const char *name) {
  const char *v = NULL;
  const Node *d;
  int k;
  for (k = 0; b->given && k < b->given->n; k++)
    if (strcmp(b->given->keys[k], name) == 0) v = b->given->vals[k];
  if (!v) return NULL;
  for (d = b->rb ? b->rb->b : NULL; d; d = d->next)
    if (d->kind == N_SECRET && strcmp(d->a->str, name) == 0) return "***";
  return v;
}

/* resolved_text appends a step title or requirement name as a run starts
** with the params' defaults: each ${param} whose default is known without
** running anything (a literal, or a string built of such) becomes its
** value; anything else stays ${...}. */
static void resolved_text(B *b, const Node *s, Buf *t, int depth) {
  const Node *part;
  if (!s) return;
  if (s->kind != N_TMPL || depth > 8) {
    astq_text(b->src, s, NULL, t);
    return;
  }
  for (part = s->a; part; part = part->next) {
    const Node *d = part->kind == N_NAME ? param_default(b, part->str) : NULL;
    const char *g = part->kind == N_NAME ? given_of(b, part->str) : NULL;
    if (part->kind == N_STR) {
      buf_add(t, part->str, part->len);
    } else if (g) {
      buf_puts(t, g);
    } else if (d && (d->kind == N_STR || d->kind == N_TMPL)) {
      resolved_text(b, d, t, depth + 1);
    } else if (d && d->kind == N_NUM) {
      Value v = val_num(d->num);
      val_to_buf(&v, t);
    } else if (d && d->kind == N_DUR) {
      val_fmt_duration(d->num, t);
    } else if (d && d->kind == N_BOOL) {
      buf_puts(t, d->op ? "true" : "false");
    } else {
      buf_puts(t, "${");
      astq_source(b->src, part, t);
      buf_putc(t, '}');
    }
  }
}

/* param_secs is astq_const_secs that also reads a param whose default is
** a constant (expect e, with param e = 5m): the plan shows the default. */
static int param_secs(B *b, const Node *n, double *out) {
  const Node *def;
  if (astq_const_secs(n, out)) return 1;
  def = n && n->kind == N_NAME ? param_default(b, n->str) : NULL;
  return def ? astq_const_secs(def, out) : 0;
}

/* value_text appends the value of param name as the plan knows it (given,
** else a literal default; a secret's as ***); returns 0 when unknown. */
static int value_text(B *b, const char *name, Buf *t) {
  const char *g = given_of(b, name);
  const Node *d, *def;
  int is_param = 0;
  for (d = b->rb ? b->rb->b : NULL; d; d = d->next)
    if ((d->kind == N_PARAM || d->kind == N_SECRET) && strcmp(d->a->str, name) == 0) {
      is_param = 1;
      if (d->kind == N_SECRET) {
        buf_puts(t, "***");
        return 1;
      }
    }
  if (!is_param) return 0;
  if (g) {
    buf_puts(t, g);
    return 1;
  }
  def = param_default(b, name);
  if (!def) return 0;
  switch (def->kind) {
    case N_STR: case N_TMPL: {
      size_t before = t->n;
      resolved_text(b, def, t, 1);
      if (def->kind == N_TMPL && memchr(t->p + before, '$', t->n - before)) {
        t->n = before;
        return 0;
      }
      return 1;
    }
    case N_NUM: { Value v = val_num(def->num); val_to_buf(&v, t); return 1; }
    case N_DUR: val_fmt_duration(def->num, t); return 1;
    case N_BOOL: buf_puts(t, def->op ? "true" : "false"); return 1;
    default: return 0;
  }
}

/* note_value adds expr to the plan's values (once), with its value. */
static void note_value(B *b, const char *expr, size_t n, const char *value) {
  Plan *p = b->p;
  PlanValue *v;
  size_t i;
  for (i = 0; i < p->nvalues; i++)
    if (strlen(p->values[i].expr) == n && memcmp(p->values[i].expr, expr, n) == 0) return;
  v = PUSH(p->values, p->nvalues, b->capvalues);
  v->expr = arena_strndup(&p->arena, expr, n);
  v->value = value ? keep_str(b, value) : NULL;
}

/* with_values returns text with each ${NAME} of a param replaced by its
** value, when params are given and one was replaced; else NULL. Every
** ${...} is noted in the plan's values. */
static const char *with_values(B *b, const char *text, int is_cmd) {
  Buf t = BUF_INIT, v = BUF_INIT;
  const char *s = text, *r = NULL;
  int changed = 0, in_code = 0;
  ShScan st;
  if (!b->given || !text) return NULL;
  sh_scan_init(&st);
  while (*s) {
    const char *e;
    if (s[0] != '$' || s[1] != '{' || (e = strchr(s + 2, '}')) == NULL) {
      /* a command's code: followed as the shell reads it, so that a value
      ** is shown quoted as the run quotes it (base/shquote.h) */
      if (*s == PLAN_CODE_ON[0]) {
        in_code = 1;
        sh_scan_init(&st);
      } else if (*s == PLAN_CODE_OFF[0]) {
        in_code = 0;
      } else if (in_code) {
        sh_scan(&st, s, 1);
      }
      buf_putc(&t, *s++);
      continue;
    }
    {
      size_t n = (size_t)(e - (s + 2)), i;
      int simple = n > 0;
      char name[128];
      for (i = 0; i < n; i++)
        if (!((s[2 + i] >= 'a' && s[2 + i] <= 'z') || (s[2 + i] >= 'A' && s[2 + i] <= 'Z') ||
              (s[2 + i] >= '0' && s[2 + i] <= '9') || s[2 + i] == '_'))
          simple = 0;
      buf_reset(&v);
      if (simple && n < sizeof name) {
        memcpy(name, s + 2, n);
        name[n] = '\0';
        if (value_text(b, name, &v)) {
          note_value(b, s, (size_t)(e + 1 - s), buf_cstr(&v));
          if (is_cmd && in_code && st.ctx != SHQ_UNSAFE && strcmp(buf_cstr(&v), "***") != 0) shquote(v.p, v.n, st.ctx, &t);
          else buf_add(&t, v.p, v.n);
          changed = 1;
          s = e + 1;
          continue;
        }
      }
      note_value(b, s, (size_t)(e + 1 - s), NULL);
      buf_add(&t, s, (size_t)(e + 1 - s));
      s = e + 1;
    }
  }
  if (changed) r = keep(b, &t);
  buf_free(&t);
  buf_free(&v);
  return r;
}

static const char *resolved_of(B *b, const Node *s) {
  Buf t = BUF_INIT;
  const char *r;
  resolved_text(b, s, &t, 0);
  r = keep(b, &t);
  buf_free(&t);
  return r;
}

const char *plan_kind_name(PlanKind k) {
  static const char *const names[] = {"run", "manual", "ask", "approve", "notify", "verify", "wait",
                                      "log", "fail", "call", "set", "if", "else", "for"};
  return (unsigned)k < sizeof names / sizeof *names ? names[k] : "?";
}

/* ---- verifies, through the functions a body calls ------------------- */

typedef struct Strs {
  const char **v;
  size_t n, cap;
} Strs;

static void verifies_in(B *b, const Node *n, Strs *out, PtrMap *seen);

static void verifies_list(B *b, const Node *n, Strs *out, PtrMap *seen) {
  for (; n; n = n->next) verifies_in(b, n, out, seen);
}

/* verifies_in collects what n verifies, in order: its verify statements
** and those of the functions it calls (each function once). Undo and
** failure handlers are not the step's own checks. */
static void verifies_in(B *b, const Node *n, Strs *out, PtrMap *seen) {
  const char *callee;
  if (!n || n->kind == N_UNDO || n->kind == N_ONFAIL || n->kind == N_FN) return;
  if (n->kind == N_VERIFY) {
    Buf t = BUF_INIT;
    if (n->b && (n->b->kind == N_STR || n->b->kind == N_TMPL)) astq_text(b->src, n->b, NULL, &t);
    else planw_cond(b->src, n->a, &t);
    *PUSH(out->v, out->n, out->cap) = keep(b, &t);
    buf_free(&t);
  }
  if (n->kind == N_CALL && (callee = astq_callee(n)) != NULL) {
    Node *fn = ptrmap_get(&b->fns, callee);
    if (fn && !ptrmap_get(seen, fn)) {
      ptrmap_put(seen, fn, fn);
      verifies_list(b, astq_body(fn), out, seen);
    }
  }
  if (ast_is_leaf(n->kind)) return;
  verifies_list(b, n->a, out, seen);
  verifies_list(b, ast_b(n), out, seen);
  verifies_list(b, ast_c(n), out, seen);
  verifies_list(b, ast_d(n), out, seen);
}

static void collect_verifies(B *b, const Node *stmts, const char ***v, size_t *n) {
  Strs out = {NULL, 0, 0};
  PtrMap seen = {NULL, 0, 0};
  verifies_list(b, stmts, &out, &seen);
  ptrmap_free(&seen);
  *v = out.v;
  *n = out.n;
}

/* ---- a step's detail, gates and branches ---------------------------- */

typedef struct StepB {
  B *b;
  PlanStep *s;
  size_t capa, capg, capb;
} StepB;

static void add_action(StepB *sb, PlanKind k, int depth, Buf *t, const char *role) {
  PlanAction *a = PUSH(sb->s->actions, sb->s->nactions, sb->capa);
  a->kind = k;
  a->depth = depth;
  a->text = keep(sb->b, t);
  a->role = keep_str(sb->b, role);
  a->resolved = with_values(sb->b, a->text, k == PK_RUN);
}

static void add_gate(StepB *sb, PlanKind k, const char *role, const Node *text, const char *cond) {
  PlanGate *g = PUSH(sb->s->gates, sb->s->ngates, sb->capg);
  g->kind = k;
  g->role = keep_str(sb->b, role);
  g->text = text ? text_of(sb->b, text) : "";
  g->condition = cond;
}

static void gates_in(StepB *sb, const Node *n, const char *cond);

/* gates_if finds the gates of an if: each branch under its condition. */
static void gates_if(StepB *sb, const Node *n, const char *cond) {
  Buf t = BUF_INIT;
  const char *c;
  gates_in(sb, n->a, cond);   /* a question asked in the condition itself: reached as the if is */
  if (cond) {
    gates_in(sb, n->b, cond);   /* already conditional: keep the outer condition */
    gates_in(sb, n->c, cond);
    return;
  }
  planw_cond(sb->b->src, n->a, &t);
  c = keep(sb->b, &t);
  gates_in(sb, n->b, c);
  if (n->c) {
    buf_puts(&t, "not ");
    buf_puts(&t, c);
    gates_in(sb, n->c, keep(sb->b, &t));
  }
  buf_free(&t);
}

/* gates_in finds the human gates under n: manual, ask (statement or
** function) and approve, in source order; those in an 'on failure'
** handler or a branch of an if are marked with when they are reached. */
static void gates_in(StepB *sb, const Node *n, const char *cond) {
  for (; n; n = n->next) {
    if (n->kind == N_UNDO || n->kind == N_FN) continue;
    if (n->kind == N_ONFAIL) {
      gates_in(sb, n->a, "the step fails");
      gates_in(sb, n->b, "the step fails");
      continue;
    }
    if (n->kind == N_IF) {
      gates_if(sb, n, cond);
      continue;
    }
    if (n->kind == N_MANUAL) add_gate(sb, PK_MANUAL, NULL, n->a, cond);
    else if (n->kind == N_ASK) add_gate(sb, PK_ASK, NULL, n->a, cond);
    else if (n->kind == N_APPROVE) add_gate(sb, PK_APPROVE, n->a ? n->a->str : NULL, n->b, cond);
    else if (n->kind == N_CALL && astq_callee(n) && strcmp(astq_callee(n), "ask") == 0) add_gate(sb, PK_ASK, NULL, n->b, cond);
    if (ast_is_leaf(n->kind)) continue;
    gates_in(sb, n->a, cond);
    gates_in(sb, ast_b(n), cond);
    gates_in(sb, ast_c(n), cond);
    gates_in(sb, ast_d(n), cond);
  }
}

/* notified_in adds the role of each notify statement under n to *v,
** each role once (handlers included; functions are not walked). */
static void notified_in(B *b, const Node *n, const char ***v, size_t *nv, size_t *cap) {
  for (; n; n = n->next) {
    if (n->kind == N_FN) continue;
    if (n->kind == N_NOTIFY && n->a && n->a->str) {
      size_t i;
      for (i = 0; i < *nv; i++)
        if (strcmp((*v)[i], n->a->str) == 0) break;
      if (i == *nv) *PUSH(*v, *nv, *cap) = keep_str(b, n->a->str);
    }
    if (ast_is_leaf(n->kind)) continue;
    notified_in(b, n->a, v, nv, cap);
    notified_in(b, ast_b(n), v, nv, cap);
    notified_in(b, ast_c(n), v, nv, cap);
    notified_in(b, ast_d(n), v, nv, cap);
  }
}

static void branches_stmts(StepB *sb, const Node *n);

/* branches_node says each if in statement n in one sentence; an else-if
** chain is one sentence, and the branches are searched for more. */
static void branches_node(StepB *sb, const Node *n) {
  const Node *e;
  if (!n) return;
  switch (n->kind) {
    case N_IF: {
      Buf t = BUF_INIT;
      PlanBranch *br = PUSH(sb->s->branches, sb->s->nbranches, sb->capb);
      planw_stmt(sb->b->src, n, &t);
      if (t.n && t.p[0] >= 'a' && t.p[0] <= 'z') t.p[0] = (char)(t.p[0] - 'a' + 'A');
      buf_putc(&t, '.');
      br->sentence = keep(sb->b, &t);
      planw_cond(sb->b->src, n->a, &t);
      br->cond = keep(sb->b, &t);
      planw_stmt(sb->b->src, n->b, &t);
      br->then_text = keep(sb->b, &t);
      if (n->c) {
        planw_stmt(sb->b->src, n->c, &t);
        br->else_text = keep(sb->b, &t);
      } else {
        br->else_text = NULL;
      }
      buf_free(&t);
      branches_node(sb, n->b);
      for (e = n->c; e && e->kind == N_IF; e = e->c) branches_node(sb, e->b);
      branches_node(sb, e);
      break;
    }
    case N_BLOCK: branches_stmts(sb, n->a); break;
    case N_FOR: branches_node(sb, n->c); break;
    default: break;   /* undo and on failure are said on their own */
  }
}

static void branches_stmts(StepB *sb, const Node *n) {
  for (; n; n = n->next) branches_node(sb, n);
}

static int is_clause(const Node *n) {
  switch (n->kind) {
    case N_OWNER: case N_TIMEOUT: case N_EXPECT: case N_RETRY: case N_AFTER: case N_IDEMPOTENT:
    case N_IRREVERSIBLE: case N_UNDO: case N_ONFAIL: return 1;
    default: return 0;
  }
}

static void actions_in(StepB *sb, const Node *n, int depth);

static void action_of(StepB *sb, const Node *n, int depth) {
  const Source *src = sb->b->src;
  Buf t = BUF_INIT;
  switch (n->kind) {
    case N_IF: {
      const Node *e;
      buf_puts(&t, "If ");
      planw_cond(src, n->a, &t);
      buf_putc(&t, ':');
      add_action(sb, PK_IF, depth, &t, NULL);
      actions_in(sb, n->b && n->b->kind == N_BLOCK ? n->b->a : n->b, depth + 1);
      for (e = n->c; e && e->kind == N_IF; e = e->c) {
        buf_puts(&t, "Otherwise, if ");
        planw_cond(src, e->a, &t);
        buf_putc(&t, ':');
        add_action(sb, PK_ELSE, depth, &t, NULL);
        actions_in(sb, e->b ? e->b->a : NULL, depth + 1);
      }
      if (e) {
        buf_puts(&t, "Otherwise:");
        add_action(sb, PK_ELSE, depth, &t, NULL);
        actions_in(sb, e->kind == N_BLOCK ? e->a : e, depth + 1);
      }
      break;
    }
    case N_FOR:
      buf_puts(&t, "For each ");
      planw_code(&t, n->a ? n->a->str : "?", n->a ? strlen(n->a->str) : 1);
      buf_puts(&t, " in ");
      planw_value(src, n->b, &t);
      buf_putc(&t, ':');
      add_action(sb, PK_FOR, depth, &t, NULL);
      actions_in(sb, n->c ? n->c->a : NULL, depth + 1);
      break;
    case N_RUN: planw_stmt(src, n, &t); add_action(sb, PK_RUN, depth, &t, NULL); break;
    case N_MANUAL: planw_stmt(src, n, &t); add_action(sb, PK_MANUAL, depth, &t, NULL); break;
    case N_ASK: planw_stmt(src, n, &t); add_action(sb, PK_ASK, depth, &t, NULL); break;
    case N_APPROVE: planw_stmt(src, n, &t); add_action(sb, PK_APPROVE, depth, &t, n->a ? n->a->str : NULL); break;
    case N_NOTIFY: planw_stmt(src, n, &t); add_action(sb, PK_NOTIFY, depth, &t, n->a ? n->a->str : NULL); break;
    case N_VERIFY: planw_stmt(src, n, &t); add_action(sb, PK_VERIFY, depth, &t, NULL); break;
    case N_WAIT: planw_stmt(src, n, &t); add_action(sb, PK_WAIT, depth, &t, NULL); break;
    case N_HOLD: planw_stmt(src, n, &t); add_action(sb, PK_VERIFY, depth, &t, NULL); break;
    case N_LOG: planw_stmt(src, n, &t); add_action(sb, PK_LOG, depth, &t, NULL); break;
    case N_FAIL: planw_stmt(src, n, &t); add_action(sb, PK_FAIL, depth, &t, NULL); break;
    case N_EXPR: planw_stmt(src, n, &t); add_action(sb, PK_CALL, depth, &t, NULL); break;
    case N_LET:
    case N_ASSIGN: planw_stmt(src, n, &t); add_action(sb, PK_SET, depth, &t, NULL); break;
    case N_BLOCK: actions_in(sb, n->a, depth); break;
    default: planw_stmt(src, n, &t); add_action(sb, PK_CALL, depth, &t, NULL); break;
  }
  buf_free(&t);
}

static void actions_in(StepB *sb, const Node *n, int depth) {
  for (; n; n = n->next)
    if (!is_clause(n)) action_of(sb, n, depth);
}

/* targeting_of puts a step's `on GROUP ...` in words, with the group's
** host count when it is a literal list. */
static void targeting_of(B *b, const Node *t, Buf *out) {
  const Node *rb = astq_runbook(b->ast), *d, *o;
  long count = -1;
  double serial = 0, budget = 0, parallel = 1, canary = 0;
  int serial_pct = 0, budget_pct = 0;
  for (d = rb ? rb->b : NULL; d; d = d->next)
    if (d->kind == N_HOSTS && d->a->str == t->a->str && d->b->kind == N_LIST) count = ast_list_len(d->b->a);
  for (o = t->b; o; o = o->next) {
    if (strcmp(o->a->str, "serial") == 0) { serial = o->b->num; serial_pct = o->op; }
    else if (strcmp(o->a->str, "max_fail") == 0) { budget = o->b->num; budget_pct = o->op; }
    else if (strcmp(o->a->str, "parallel") == 0) parallel = o->b->num;
    else if (strcmp(o->a->str, "canary") == 0) canary = o->b->num;
  }
  buf_printf(out, "On hosts group %s", t->a->str);
  if (count >= 0) buf_printf(out, " (%ld host%s)", count, count == 1 ? "" : "s");
  else buf_puts(out, " (resolved when the run starts)");
  if (canary > 0) buf_printf(out, ", canary %g host%s first", canary, canary == 1 ? "" : "s");
  if (serial > 0) buf_printf(out, ", in batches of %g%s", serial, serial_pct ? "%" : serial == 1 ? " host" : " hosts");
  else buf_puts(out, ", all hosts in one batch");
  buf_printf(out, ", %g at a time, failure budget %g%s", parallel, budget, budget_pct ? "%" : budget == 1 ? " host" : " hosts");
}

static void build_step(B *b, Node *decl, PlanStep *s) {
  Node *body = astq_body(decl), *c;
  StepB sb;
  Buf t = BUF_INIT;
  size_t capafter = 0, i;
  int col;
  memset(&sb, 0, sizeof sb);
  sb.b = b;
  sb.s = s;
  s->name = keep_str(b, decl->a->str);
  s->title = decl->b ? resolved_of(b, decl->b) : s->name;
  src_linecol((Source *)b->src, decl->span.pos, &s->line, &col);
  s->retries = -1;
  if (decl->d) {
    targeting_of(b, decl->d, &t);
    s->targeting = keep(b, &t);
  }
  for (c = body; c; c = c->next) {
    switch (c->kind) {
      case N_OWNER: if (c->a) s->owner = keep_str(b, c->a->str); break;
      case N_EXPECT: s->has_expect = param_secs(b, c->a, &s->expect); break;
      case N_TIMEOUT: s->has_timeout = param_secs(b, c->a, &s->timeout); break;
      case N_RETRY: {
        double r = 0;
        s->retries = param_secs(b, c->a, &r) ? (long)r : 0;
        if (c->b) param_secs(b, c->b, &s->retry_every);
        break;
      }
      case N_AFTER: {
        const Node *a;
        for (a = c->a; a; a = a->next) *PUSH(s->after, s->nafter, capafter) = keep_str(b, a->str);
        break;
      }
      case N_IDEMPOTENT: s->idempotent = 1; break;
      case N_IRREVERSIBLE: s->irreversible = 1; s->irreversible_reason = text_of(b, c->a); break;
      case N_UNDO:
        s->has_undo = 1;
        planw_block(b->src, astq_body(c), &t);
        s->undo = keep(b, &t);
        break;
      case N_ONFAIL:
        planw_block(b->src, astq_body(c), &t);
        s->on_failure = keep(b, &t);
        break;
      default: break;
    }
  }
  collect_verifies(b, body, &s->verifies, &s->nverifies);
  actions_in(&sb, body, 0);
  gates_in(&sb, body, NULL);
  {
    size_t capn = 0;
    notified_in(b, body, &s->notified, &s->nnotified, &capn);
  }
  branches_stmts(&sb, body);
  for (i = 0; b->lint && i < b->lint->n; i++) {
    const LintFinding *f = &b->lint->v[i];
    if (f->src != b->src || f->suppressed || f->pos < decl->span.pos || f->pos >= decl->span.end) continue;
    s->findings++;
    if (strcmp(f->rule, "no-undo") == 0) s->lint_no_undo = 1;
  }
  buf_free(&t);
}

/* ---- the whole plan ------------------------------------------------- */

static const char *severity_action(const char *sev) {
  if (strcmp(sev, "critical") == 0) return "Immediate backout";
  if (strcmp(sev, "major") == 0) return "Backout if not fixable within the window";
  if (strcmp(sev, "minor") == 0) return "Log and fix later";
  return "";
}

static int rule_in(const char *rule, const char *const *list) {
  for (; *list; list++)
    if (strcmp(*list, rule) == 0) return 1;
  return 0;
}

static void build_checklist(B *b) {
  Plan *p = b->p;
  size_t i, k, n = sizeof checklist / sizeof *checklist;
  p->checklist = mem_calloc(n * sizeof *p->checklist);
  p->nchecklist = n;
  for (i = 0; i < n; i++) {
    PlanCheckItem *it = &p->checklist[i];
    it->phase = checklist[i].phase;
    it->question = checklist[i].question;
    it->rules = checklist[i].rules;
  }
  for (k = 0; k < b->lint->n; k++) {
    const LintFinding *f = &b->lint->v[k];
    const LintRule *r = lint_rule(f->rule);
    const char *id = r ? f->rule : "check";
    if (f->src != b->src) continue;
    if (!f->suppressed) {
      if (f->sev == SEV_ERROR) p->lint_errors++;
      else if (f->sev == SEV_WARNING) p->lint_warnings++;
    }
    for (i = 0; i < n; i++) {
      if (!rule_in(id, checklist[i].rules)) continue;
      if (f->suppressed) p->checklist[i].suppressed++;
      else p->checklist[i].findings++;
    }
  }
}

/* read_signoffs fills the sign-off block from FILE.approvals (one JSON
** line per signature, written by rbk approve); with none, one line per
** role whose approval the runbook requires. */
static void read_signoffs(B *b) {
  Plan *p = b->p;
  size_t cap = 0;
  char path[4200];
  FILE *af;
  snprintf(path, sizeof path, "%s.approvals", p->file);
  if ((af = fopen(path, "r")) != NULL) {
    Buf line = BUF_INIT;
    int ch;
    do {
      ch = fgetc(af);
      if (ch != EOF && ch != '\n') {
        buf_putc(&line, (char)ch);
        continue;
      }
      if (line.n) {
        char err[100];
        Json *j = json_parse(line.p, line.n, err, sizeof err);
        const char *sha = json_str(json_get(j, "sha256"), NULL);
        if (j && sha) {
          PlanSignoff *so = PUSH(p->signoffs, p->nsignoffs, cap);
          so->role = keep_str(b, json_str(json_get(j, "role"), NULL) ? json_str(json_get(j, "role"), NULL) : "?");
          so->by = keep_str(b, json_str(json_get(j, "by"), NULL));
          so->fingerprint = keep_str(b, json_str(json_get(j, "fingerprint"), NULL) ? json_str(json_get(j, "fingerprint"), NULL) : "?");
          so->signed_at = keep_str(b, json_str(json_get(j, "signed_at"), NULL) ? json_str(json_get(j, "signed_at"), NULL) : "?");
          so->sha256 = keep_str(b, sha);
          so->this_version = strcmp(sha, p->sha256) == 0;
        }
        json_free(j);
      }
      buf_reset(&line);
    } while (ch != EOF);
    buf_free(&line);
    fclose(af);
  }
  if (!p->nsignoffs) {
    PlanSignoff *so = PUSH(p->signoffs, p->nsignoffs, cap);
    memset(so, 0, sizeof *so);
    so->role = p->plan_approver ? p->plan_approver : p->owner;
  }
}

int plan_build(Plan *p, Ast *ast, const Lint *lint) { return plan_build_given(p, ast, lint, NULL); }

int plan_build_given(Plan *p, Ast *ast, const Lint *lint, const PlanGiven *given) {
  Node *rb = astq_runbook(ast), *d;
  size_t caproles = 0, capparams = 0, captrig = 0, capreq = 0, capsteps = 0;
  uint8_t digest[SHA256_BYTES];
  Buf t = BUF_INIT;
  B b;
  memset(p, 0, sizeof *p);
  arena_init(&p->arena);
  if (!rb) return -1;
  memset(&b, 0, sizeof b);
  b.p = p;
  b.ast = ast;
  b.src = ast->src;
  b.lint = lint;
  b.rb = rb;
  b.given = given && given->n ? given : NULL;
  p->has_given = b.given != NULL;
  for (d = ast->root->a; d; d = d->next)
    if (d->kind == N_FN && d->a) ptrmap_put(&b.fns, d->a->str, d);
  for (d = rb->b; d; d = d->next)
    if (d->kind == N_FN && d->a) ptrmap_put(&b.fns, d->a->str, d);
  p->file = keep_str(&b, ast->src->name);
  p->title = text_of(&b, rb->a);
  p->kind = kind_of_runbook(rb, p->title);
  sha256(ast->src->text, ast->src->len, digest);
  sha256_hex(digest, p->sha256);
  p->all_expect = 1;
  for (d = rb->b; d; d = d->next) {
    switch (d->kind) {
      case N_VERSION: p->version = text_of(&b, d->a); break;
      case N_OWNER: if (d->a) p->owner = keep_str(&b, d->a->str); break;
      case N_WINDOW: p->has_window = astq_const_secs(d->a, &p->window); break;
      case N_ROLE: {
        PlanRole *r = PUSH(p->roles, p->nroles, caproles);
        const Node *c;
        size_t cap = 0;
        memset(r, 0, sizeof *r);
        r->name = keep_str(&b, d->a->str);
        r->person = text_of(&b, d->b);
        for (c = d->c; c; c = c->next) {
          PlanContact *pc = PUSH(r->contacts, r->ncontacts, cap);
          if (c->op == 1) {   /* notify NAME ["where"]: the role's notifier */
            Buf nt = BUF_INIT;
            buf_puts(&nt, c->a->str);
            if (c->b && c->b->kind == N_STR) buf_printf(&nt, " %s", c->b->str);
            pc->field = keep_str(&b, "notify");
            pc->value = keep_str(&b, buf_cstr(&nt));
            buf_free(&nt);
            continue;
          }
          pc->field = keep_str(&b, c->a ? c->a->str : "?");
          pc->value = text_of(&b, c->b);
        }
        break;
      }
      case N_PARAM:
      case N_SECRET: {
        PlanParam *pp = PUSH(p->params, p->nparams, capparams);
        pp->name = keep_str(&b, d->a->str);
        pp->secret = d->kind == N_SECRET;
        /* a secret's literal value is never shown; where it is read from is */
        pp->value = !d->b ? NULL : (pp->secret && (d->b->kind == N_STR || d->b->kind == N_TMPL)) ? "***" : NULL;
        if (d->b && !pp->value) {
          astq_source(b.src, d->b, &t);
          pp->value = keep(&b, &t);
        }
        pp->given = given_of(&b, pp->name);
        break;
      }
      case N_TRIGGER: {
        PlanTrigger *tr = PUSH(p->triggers, p->ntriggers, captrig);
        memset(tr, 0, sizeof *tr);
        tr->name = text_of(&b, d->a);
        tr->severity = keep_str(&b, d->b ? d->b->str : "");
        planw_cond(b.src, d->c, &t);
        tr->condition = keep(&b, &t);
        tr->action = severity_action(tr->severity);
        if (d->d) param_secs(&b, d->d, &tr->for_secs);   /* for 2m, or for sustain with param sustain = 2m */
        break;
      }
      case N_PLANAPPROVAL:
        if (d->b) p->plan_approver = d->b->str;
        break;
      case N_REQUIRE: {
        PlanRequire *rq = PUSH(p->requires, p->nrequires, capreq);
        Node *own = astq_clause(astq_body(d), N_OWNER);
        memset(rq, 0, sizeof *rq);
        rq->name = resolved_of(&b, d->a);
        rq->owner = own && own->a ? keep_str(&b, own->a->str) : NULL;
        collect_verifies(&b, astq_body(d), &rq->checks, &rq->nchecks);
        break;
      }
      case N_STEP: {
        PlanStep *s = PUSH(p->steps, p->nsteps, capsteps);
        memset(s, 0, sizeof *s);
        s->number = (int)p->nsteps;
        build_step(&b, d, s);
        if (s->has_expect) p->total += s->expect;
        else p->all_expect = 0;
        break;
      }
      default: break;
    }
  }
  if (lint) build_checklist(&b);
  {
    size_t capn = 0;
    notified_in(&b, rb->b, &p->notified, &p->nnotified, &capn);
  }
  read_signoffs(&b);
  ptrmap_free(&b.fns);
  buf_free(&t);
  return 0;
}

void plan_free(Plan *p) {
  size_t i;
  for (i = 0; i < p->nroles; i++) mem_free(p->roles[i].contacts);
  for (i = 0; i < p->nrequires; i++) mem_free(p->requires[i].checks);
  for (i = 0; i < p->nsteps; i++) {
    PlanStep *s = &p->steps[i];
    mem_free(s->after);
    mem_free(s->verifies);
    mem_free(s->actions);
    mem_free(s->branches);
    mem_free(s->gates);
    mem_free(s->notified);
  }
  mem_free(p->values);
  mem_free(p->notified);
  mem_free(p->signoffs);
  mem_free(p->roles);
  mem_free(p->params);
  mem_free(p->triggers);
  mem_free(p->requires);
  mem_free(p->steps);
  mem_free(p->checklist);
  arena_free(&p->arena);
  memset(p, 0, sizeof *p);
}

const PlanRole *plan_role(const Plan *p, const char *name) {
  size_t i;
  for (i = 0; name && i < p->nroles; i++)
    if (strcmp(p->roles[i].name, name) == 0) return &p->roles[i];
  return NULL;
}

const char *plan_contact(const PlanRole *r, const char *field) {
  size_t i;
  for (i = 0; r && i < r->ncontacts; i++)
    if (strcmp(r->contacts[i].field, field) == 0) return r->contacts[i].value;
  return NULL;
}

const PlanStep *plan_step(const Plan *p, const char *name) {
  size_t i;
  for (i = 0; name && i < p->nsteps; i++)
    if (strcmp(p->steps[i].name, name) == 0) return &p->steps[i];
  return NULL;
}
