/*
** dryrun.c -- `rbk run --dry-run`: what a run would do, without doing it.
** It walks the syntax tree (re-parsed from the source the Program
** carries) with the params the VM has already evaluated. Every command is
** printed with its interpolations resolved and shell-quoted exactly as
** the VM would quote them. A value that only a run can produce (a
** command's output, a query) is shown as <...>, and a branch whose
** condition depends on one is marked and both sides are shown: a dry run
** never guesses.
*/
#include "dryrun.h"

#include <stdlib.h>
#include <string.h>

#include "fleet.h"
#include "../grammar/imports.h"
#include "../grammar/parse.h"
#include "../base/mem.h"
#include "../base/ptrmap.h"
#include "../base/shquote.h"

typedef struct Dry {
  FILE *out;
  VM *vm;
  Ast ast;
  PtrMap known;        /* name -> Value* (owned) for values known before the run */
  int depth;
} Dry;

/* A value, or unknown (t == V_UNDEF) when only a run could tell. */
static Value eval(Dry *d, const Node *n);

static int known(const Value *v) { return v->t != V_UNDEF; }

static void text_of(Dry *d, const Node *n, Buf *b) {
  buf_add(b, d->ast.src->text + n->span.pos, n->span.end - n->span.pos);
}

static void bind(Dry *d, const char *name, Value v) {
  Value *old = ptrmap_get(&d->known, name), *slot;
  if (old) {
    val_release(*old);
    *old = v;
    return;
  }
  slot = mem_alloc(sizeof *slot);
  *slot = v;
  ptrmap_put(&d->known, name, slot);
}

static Value eval_tmpl(Dry *d, const Node *n) {
  Buf b = BUF_INIT;
  const Node *p;
  for (p = n->a; p; p = p->next) {
    Value v = eval(d, p);
    if (!known(&v)) {
      buf_free(&b);
      return val_undef();
    }
    val_to_buf(&v, &b);
    val_release(v);
  }
  return val_str_take(&b);
}

static Value eval(Dry *d, const Node *n) {
  Value a, b, *v;
  switch (n->kind) {
    case N_NUM: return val_num(n->num);
    case N_DUR: return val_dur(n->num);
    case N_STR: return val_str_new(n->str, n->len);
    case N_BOOL: return val_bool(n->op);
    case N_NIL: return val_nil();
    case N_TMPL: return eval_tmpl(d, n);
    case N_NAME:
      v = ptrmap_get(&d->known, n->str);
      if (!v) return val_undef();
      val_retain(*v);
      return *v;
    case N_CALL:
      /* Only env() is known before a run; everything else is an effect. */
      if (n->a->kind == N_NAME && strcmp(n->a->str, "env") == 0 && n->b && n->b->kind == N_STR) {
        const char *e = getenv(n->b->str);
        return e ? val_cstr_new(e) : val_nil();
      }
      return val_undef();
    case N_UNARY:
      a = eval(d, n->a);
      if (!known(&a)) return a;
      if (n->op == AOP_NOT) {
        b = val_bool(!val_truthy(&a));
        val_release(a);
        return b;
      }
      if (a.t == V_NUM || a.t == V_DUR) a.u.n = -a.u.n;
      else { val_release(a); return val_undef(); }
      return a;
    case N_BINARY:
      a = eval(d, n->a);
      if (n->op == AOP_DEFAULT) {
        if (known(&a) && a.t != V_NIL) return a;
        val_release(a);
        return eval(d, n->b);
      }
      b = eval(d, n->b);
      if (!known(&a) || !known(&b)) {
        Value r = val_undef();
        /* and/or can still be decided by one known side */
        if (n->op == AOP_AND && ((known(&a) && !val_truthy(&a)) || (known(&b) && !val_truthy(&b)))) r = val_bool(0);
        if (n->op == AOP_OR && ((known(&a) && val_truthy(&a)) || (known(&b) && val_truthy(&b)))) r = val_bool(1);
        val_release(a);
        val_release(b);
        return r;
      }
      {
        Value r = val_undef();
        int both_num = a.t == b.t && (a.t == V_NUM || a.t == V_DUR);
        switch (n->op) {
          case AOP_EQ: r = val_bool(val_equal(&a, &b)); break;
          case AOP_NE: r = val_bool(!val_equal(&a, &b)); break;
          case AOP_AND: r = val_bool(val_truthy(&a) && val_truthy(&b)); break;
          case AOP_OR: r = val_bool(val_truthy(&a) || val_truthy(&b)); break;
          case AOP_LT: if (both_num) r = val_bool(a.u.n < b.u.n); break;
          case AOP_LE: if (both_num) r = val_bool(a.u.n <= b.u.n); break;
          case AOP_GT: if (both_num) r = val_bool(a.u.n > b.u.n); break;
          case AOP_GE: if (both_num) r = val_bool(a.u.n >= b.u.n); break;
          case AOP_ADD: if (both_num) { r = a; r.u.n += b.u.n; } break;
          case AOP_SUB: if (both_num) { r = a; r.u.n -= b.u.n; } break;
          default: break;
        }
        val_release(a);
        val_release(b);
        return r;
      }
    case N_FIELD:   /* host.name and the like: a map known before the run */
      a = eval(d, n->a);
      if (a.t == V_MAP) {
        const Value *f = val_map_get(&a, n->b->str);
        b = f ? *f : val_undef();
        if (f) val_retain(b);
        val_release(a);
        return b;
      }
      val_release(a);
      return val_undef();
    case N_COND: {
      int t;
      a = eval(d, n->a);
      if (!known(&a)) return a;
      t = val_truthy(&a);
      val_release(a);
      return eval(d, t ? n->b : n->c);
    }
    default: return val_undef();
  }
}

static void indent(Dry *d) { fprintf(d->out, "%*s", 2 + 2 * d->depth, ""); }

/* show prints a value for the reader: known values as the VM would print
** them (secrets masked), unknown ones as <source text>. */
static void show(Dry *d, const Node *n, Buf *b) {
  Value v = eval(d, n);
  if (known(&v)) {
    vm_show(d->vm, &v, b);
  } else {
    buf_putc(b, '<');
    text_of(d, n, b);
    buf_putc(b, '>');
  }
  val_release(v);
}

/* command resolves a command template as the VM would, quoting each
** interpolation for the shell context it lands in. */
static void command(Dry *d, const Node *n, Buf *out) {
  Buf raw = BUF_INIT;
  const Node *p;
  ShScan st;
  sh_scan_init(&st);
  if (n->kind == N_CALL && n->a->kind == N_NAME && strcmp(n->a->str, "raw") == 0) {
    show(d, n->b, out);
    return;
  }
  if (n->kind != N_TMPL) {
    show(d, n, out);
    return;
  }
  for (p = n->a; p; p = p->next) {
    if (p->kind == N_STR) {
      buf_add(&raw, p->str, p->len);
      sh_scan(&st, p->str, p->len);   /* the quoting context, as codegen tracks it */
    } else {
      int is_raw = p->kind == N_CALL && p->a->kind == N_NAME && strcmp(p->a->str, "raw") == 0;
      Value v = eval(d, is_raw ? p->b : p);
      if (known(&v)) {
        Buf t = BUF_INIT;
        val_to_buf(&v, &t);
        if (is_raw) buf_add(&raw, buf_cstr(&t), t.n);
        else shquote(buf_cstr(&t), t.n, st.ctx, &raw);
        buf_free(&t);
      } else {
        buf_puts(&raw, "<");
        text_of(d, is_raw ? p->b : p, &raw);
        buf_puts(&raw, ">");
      }
      val_release(v);
    }
  }
  vm_redact(d->vm, buf_cstr(&raw), raw.n, out);
  buf_free(&raw);
}

static void stmts(Dry *d, const Node *list);

static void stmt(Dry *d, const Node *n) {
  Buf b = BUF_INIT;
  switch (n->kind) {
    case N_RUN:
      command(d, n->a, &b);
      indent(d);
      fprintf(d->out, "%s$ %s\n", n->op ? "(local) " : "", buf_cstr(&b));   /* `local run` in a step on hosts */
      break;
    case N_LET: case N_ASSIGN: {
      Value v = eval(d, n->b);
      show(d, n->b, &b);
      indent(d);
      fprintf(d->out, "%s %s = %s\n", n->kind == N_LET ? "let" : "set", n->a->str, buf_cstr(&b));
      bind(d, n->a->str, v);
      break;
    }
    case N_EXPR:
      indent(d);
      text_of(d, n->a, &b);
      fprintf(d->out, "call %s\n", buf_cstr(&b));
      break;
    case N_VERIFY:
      indent(d);
      text_of(d, n->a, &b);
      fprintf(d->out, "verify %s\n", buf_cstr(&b));
      break;
    case N_IF: {
      Value c = eval(d, n->a);
      text_of(d, n->a, &b);
      indent(d);
      if (known(&c)) {
        int t = val_truthy(&c);
        fprintf(d->out, "if %s  (known before the run: %s)\n", buf_cstr(&b), t ? "true" : "false");
        d->depth++;
        if (t) { if (n->op) stmt(d, n->b); else stmts(d, n->b->a); }
        else if (n->c) { if (n->c->kind == N_IF) stmt(d, n->c); else stmts(d, n->c->a); }
        d->depth--;
      } else {
        fprintf(d->out, "if %s  [depends on a run-time result: both branches shown]\n", buf_cstr(&b));
        indent(d);
        fprintf(d->out, "then:\n");
        d->depth++;
        if (n->op) stmt(d, n->b); else stmts(d, n->b->a);
        d->depth--;
        if (n->c) {
          indent(d);
          fprintf(d->out, "else:\n");
          d->depth++;
          if (n->c->kind == N_IF) stmt(d, n->c); else stmts(d, n->c->a);
          d->depth--;
        }
      }
      val_release(c);
      break;
    }
    case N_FOR:
      text_of(d, n->b, &b);
      indent(d);
      fprintf(d->out, "for %s in %s  (body shown once)\n", n->a->str, buf_cstr(&b));
      d->depth++;
      stmts(d, n->c->a);
      d->depth--;
      break;
    case N_WAIT:
      text_of(d, n->a, &b);
      indent(d);
      fprintf(d->out, "wait until %s\n", buf_cstr(&b));
      break;
    case N_HOLD:
      text_of(d, n->a, &b);
      indent(d);
      fprintf(d->out, "hold %s\n", buf_cstr(&b));
      break;
    case N_MANUAL: case N_ASK: case N_LOG: case N_FAIL:
      show(d, n->a, &b);
      indent(d);
      fprintf(d->out, "%s %s\n", n->kind == N_MANUAL ? "manual:" : n->kind == N_ASK ? "ask:" : n->kind == N_LOG ? "log:" : "fail:",
              buf_cstr(&b));
      break;
    case N_APPROVE:
      indent(d);
      fprintf(d->out, "approval by %s\n", n->a->str);
      break;
    case N_NOTIFY:
      show(d, n->b, &b);
      indent(d);
      fprintf(d->out, "notify %s: %s\n", n->a->str, buf_cstr(&b));
      break;
    case N_UNDO:
      indent(d);
      fprintf(d->out, "undo (run by 'rbk undo'):\n");
      d->depth++;
      stmts(d, n->a->a);
      d->depth--;
      break;
    case N_ONFAIL:
      indent(d);
      fprintf(d->out, "on failure:\n");
      d->depth++;
      stmts(d, n->b->a);
      d->depth--;
      break;
    default: break;   /* owner, timeout, ... are in the step header */
  }
  buf_free(&b);
}

static void stmts(Dry *d, const Node *list) {
  for (; list; list = list->next) stmt(d, list);
}

static void free_known(Dry *d) {
  uint32_t i;
  for (i = 0; i < d->known.cap; i++) {
    if (d->known.slots[i].key) {
      Value *v = d->known.slots[i].val;
      val_release(*v);
      mem_free(v);
    }
  }
  ptrmap_free(&d->known);
}

/* dry_fleet lists a step on hosts batch by batch, and its commands host
** by host, without connecting to any. */
static void dry_fleet(Dry *d, const StepInfo *st, const Node *step) {
  const Program *p = d->vm->prog;
  const GroupInfo *g = &p->groups[st->on_group - 1];
  const Value *hosts = &d->vm->G[g->global];
  uint32_t n = hosts->t == V_LIST ? AS_LIST(*hosts)->n : 0, nb, b, i, budget, *starts;
  const char *hostname = ast_intern(&d->ast, "host", 4);
  starts = mem_alloc((n + 2) * sizeof *starts);
  nb = fleet_batches(st, n, starts, &budget);
  fprintf(d->out, "  on hosts group %s: %u host%s in %u batch%s, %u at a time, failure budget %u host%s\n", g->name, n,
          n == 1 ? "" : "s", nb, nb == 1 ? "" : "es", st->parallel ? st->parallel : 1, budget,
          budget == 1 ? "" : "s");
  for (b = 0; b < nb; b++) {
    const Node *c;
    if (b > 0)
      for (c = step->c->a; c; c = c->next)
        if (c->kind == N_BETWEEN) {   /* the gate before this batch */
          fprintf(d->out, "  on batch (on this machine):\n");
          d->depth++;
          stmts(d, c->a->a);
          d->depth--;
        }
    fprintf(d->out, "  batch %u/%u:", b + 1, nb);
    for (i = starts[b]; i < starts[b + 1]; i++) {
      const Value *nm = val_map_get(&AS_LIST(*hosts)->v[i], "name");
      fprintf(d->out, " %s", nm && nm->t == V_STR ? AS_STR(*nm)->s : "?");
    }
    fputc('\n', d->out);
    for (i = starts[b]; i < starts[b + 1]; i++) {
      const Value *h = &AS_LIST(*hosts)->v[i];
      const Value *nm = val_map_get(h, "name");
      val_retain(*h);
      bind(d, hostname, *h);
      fprintf(d->out, "  %s@%s:\n", st->name, nm && nm->t == V_STR ? AS_STR(*nm)->s : "?");
      d->depth++;
      stmts(d, step->c->a);
      d->depth--;
    }
  }
  mem_free(starts);
}

int dryrun(VM *vm, FILE *out, const int *selected) {
  Dry d;
  Diags diags;
  Program *p = vm->prog;
  const Node *rb = NULL, *n;
  uint32_t i, si = 0;
  memset(&d, 0, sizeof d);
  d.out = out;
  d.vm = vm;
  diag_init(&diags);
  ast_init(&d.ast, p->src);
  if (imports_parse(&d.ast, &diags) != 0) {
    diag_free(&diags);
    ast_free(&d.ast);
    return -1;
  }
  diag_free(&diags);
  for (n = d.ast.root->a; n; n = n->next)
    if (n->kind == N_RUNBOOK) rb = n;
  /* Params and secrets are known: the VM evaluated them. */
  for (i = 0; i < p->nparams; i++) {
    Value v = vm->G[p->params[i].global];
    val_retain(v);
    bind(&d, ast_intern(&d.ast, p->params[i].name, strlen(p->params[i].name)), v);
  }
  /* So are the hosts groups: run_params resolved them. */
  for (i = 0; i < p->ngroups; i++) {
    Value v = vm->G[p->groups[i].global];
    val_retain(v);
    bind(&d, ast_intern(&d.ast, p->groups[i].name, strlen(p->groups[i].name)), v);
  }
  fprintf(out, "dry run: nothing is executed; <...> is known only at run time\n");
  for (n = rb ? rb->b : NULL; n; n = n->next) {
    if (n->kind == N_REQUIRE) {
      fprintf(out, "require %s\n", n->a->kind == N_STR ? n->a->str : "");
      stmts(&d, n->b->a);
    } else if (n->kind == N_STEP) {
      const StepInfo *st = &p->steps[si];
      if (selected[si]) {
        fprintf(out, "step %s%s%s\n", st->name, st->title[0] ? ": " : "", st->title);
        if (st->on_group) dry_fleet(&d, st, n);
        else stmts(&d, n->c->a);
      } else {
        fprintf(out, "step %s: skipped\n", st->name);
      }
      si++;
    }
  }
  free_known(&d);
  ast_free(&d.ast);
  return 0;
}
