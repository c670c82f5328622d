/*
** astq.c -- read-only queries over a syntax tree (see astq.h).
** Used by lint, the plan model and the report (review/).
*/
#include "astq.h"

#include <math.h>
#include <string.h>

Node *astq_runbook(const Ast *ast) {
  Node *d;
  if (!ast->root) return NULL;
  for (d = ast->root->a; d; d = d->next)
    if (d->kind == N_RUNBOOK) return d;
  return NULL;
}

int astq_const_secs(const Node *n, double *out) {
  double x, y;
  if (!n) return 0;
  switch (n->kind) {
    case N_DUR:
    case N_NUM: *out = n->num; return isfinite(n->num);
    case N_UNARY:
      if (n->op != AOP_NEG || !astq_const_secs(n->a, &x)) return 0;
      *out = -x;
      return 1;
    case N_BINARY:
      if (!astq_const_secs(n->a, &x) || !astq_const_secs(n->b, &y)) return 0;
      switch (n->op) {
        case AOP_ADD: *out = x + y; break;
        case AOP_SUB: *out = x - y; break;
        case AOP_MUL: *out = x * y; break;
        case AOP_DIV:
          if (y == 0) return 0;
          *out = x / y;
          break;
        default: return 0;
      }
      return isfinite(*out);
    default: return 0;
  }
}

const char *astq_callee(const Node *call) {
  if (!call || call->kind != N_CALL || !call->a || call->a->kind != N_NAME) return NULL;
  return call->a->str;
}

Node *astq_clause(Node *stmts, NodeKind k) {
  for (; stmts; stmts = stmts->next)
    if (stmts->kind == k) return stmts;
  return NULL;
}

Node *astq_body(const Node *decl) {
  const Node *blk = NULL;
  if (!decl) return NULL;
  switch (decl->kind) {
    case N_STEP: blk = decl->c; break;
    case N_REQUIRE: blk = decl->b; break;
    case N_FN: blk = decl->c; break;
    case N_UNDO: blk = decl->a; break;
    case N_ONFAIL: blk = decl->b; break;
    case N_BLOCK: blk = decl; break;
    default: return NULL;
  }
  return blk && blk->kind == N_BLOCK ? blk->a : NULL;
}

void astq_source(const Source *src, const Node *n, Buf *b) {
  if (n && n->span.end >= n->span.pos && n->span.end <= src->len)
    buf_add(b, src->text + n->span.pos, n->span.end - n->span.pos);
}

void astq_text(const Source *src, const Node *s, const char *hole, Buf *b) {
  const Node *p;
  if (!s) return;
  if (s->kind == N_STR) {
    if (s->str) buf_add(b, s->str, s->len);
    return;
  }
  if (s->kind != N_TMPL) {
    astq_source(src, s, b);
    return;
  }
  for (p = s->a; p; p = p->next) {
    if (p->kind == N_STR) {
      if (p->str) buf_add(b, p->str, p->len);
    } else if (hole) {
      buf_puts(b, hole);
    } else {
      buf_puts(b, "${");
      astq_source(src, p, b);
      buf_putc(b, '}');
    }
  }
}

int astq_is_blank(const Node *s) {
  uint32_t i;
  if (!s || s->kind != N_STR) return 0;
  for (i = 0; i < s->len; i++)
    if (!strchr(" \t\r\n", s->str[i])) return 0;
  return 1;
}
