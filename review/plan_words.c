/*
** plan_words.c -- runbook code said in words, for the plan (plan_words.h).
** Recursion follows the tree, which the parser bounds at AST_MAX_DEPTH.
*/
#include "plan_words.h"

#include <string.h>

#include "../vm/value.h"
#include "../compiler/astq.h"

void planw_code(Buf *b, const char *s, size_t n) {
  buf_puts(b, PLAN_CODE_ON);
  buf_add(b, s, n);
  buf_puts(b, PLAN_CODE_OFF);
}

static void code_of(const Source *src, const Node *e, Buf *b) {
  Buf t = BUF_INIT;
  size_t i, k;
  int in_str = 0;
  astq_source(src, e, &t);
  /* One line: a multi-line expression reads as one, its indentation and
  ** the layout of a list written one item a line gone ("[ a, b, ]" reads
  ** "[a, b]"). Strings are left as they are. */
  for (i = k = 0; i < t.n; i++) {
    char c = t.p[i];
    if (in_str) {
      t.p[k++] = c;
      if (c == '\\' && i + 1 < t.n) t.p[k++] = t.p[++i];
      else if (c == '"') in_str = 0;
      continue;
    }
    if (c == '"') in_str = 1;
    if (strchr("\n\r\t", c)) c = ' ';
    if (c == ' ' && k > 0 && (t.p[k - 1] == ' ' || t.p[k - 1] == '[' || t.p[k - 1] == '(')) continue;
    if (c == ']' || c == ')') {
      while (k > 0 && t.p[k - 1] == ' ') k--;
      if (k > 0 && t.p[k - 1] == ',') k--;
    }
    t.p[k++] = c;
  }
  planw_code(b, t.p ? t.p : "", k);
  buf_free(&t);
}

void planw_quoted(const Source *src, const Node *s, Buf *b) {
  if (s && (s->kind == N_STR || s->kind == N_TMPL)) {
    buf_puts(b, "\u201c");
    astq_text(src, s, NULL, b);
    buf_puts(b, "\u201d");
  } else {
    code_of(src, s, b);
  }
}

void planw_value(const Source *src, const Node *e, Buf *b) {
  if (!e) return;
  switch (e->kind) {
    case N_STR:
    case N_TMPL: planw_quoted(src, e, b); break;
    case N_NUM: code_of(src, e, b); break;
    case N_DUR: val_fmt_duration(e->num, b); break;
    case N_BOOL: buf_puts(b, e->op ? "true" : "false"); break;
    case N_NIL: buf_puts(b, "nothing"); break;
    default: code_of(src, e, b); break;
  }
}

/* The first argument of a call, when it has one. */
static const Node *arg1(const Node *call) { return call->b; }

static int is_call(const Node *e, const char *name) {
  const char *c = astq_callee(e);
  return c && strcmp(c, name) == 0;
}

static void cond_not(const Source *src, const Node *e, Buf *b) {
  if (is_call(e, "exists") && arg1(e)) {
    planw_value(src, arg1(e), b);
    buf_puts(b, " does not exist");
  } else if (is_call(e, "ask") && arg1(e)) {
    buf_puts(b, "a person answers no to ");
    planw_value(src, arg1(e), b);
  } else if (e->kind == N_BINARY && e->op == AOP_EQ) {
    planw_value(src, e->a, b);
    buf_puts(b, " is not ");
    planw_value(src, e->b, b);
  } else {
    buf_puts(b, "not ");
    planw_cond(src, e, b);
  }
}

void planw_cond(const Source *src, const Node *e, Buf *b) {
  static const char *const rel[AOP__COUNT] = {
    [AOP_EQ] = " is ", [AOP_NE] = " is not ", [AOP_LT] = " is less than ", [AOP_LE] = " is at most ",
    [AOP_GT] = " is more than ", [AOP_GE] = " is at least ", [AOP_MATCH] = " matches ",
  };
  if (!e) return;
  if (e->kind == N_UNARY && e->op == AOP_NOT) {
    cond_not(src, e->a, b);
  } else if (e->kind == N_BINARY && (e->op == AOP_AND || e->op == AOP_OR)) {
    planw_cond(src, e->a, b);
    buf_puts(b, e->op == AOP_AND ? " and " : " or ");
    planw_cond(src, e->b, b);
  } else if (e->kind == N_BINARY && rel[e->op]) {
    planw_value(src, e->a, b);
    buf_puts(b, rel[e->op]);
    planw_value(src, e->b, b);
  } else if (is_call(e, "exists") && arg1(e)) {
    planw_value(src, arg1(e), b);
    buf_puts(b, " exists");
  } else if (is_call(e, "ask") && arg1(e)) {
    buf_puts(b, "a person answers yes to ");
    planw_value(src, arg1(e), b);
  } else {
    planw_value(src, e, b);
  }
}

void planw_stmt(const Source *src, const Node *s, Buf *b) {
  double d;
  if (!s) return;
  switch (s->kind) {
    case N_RUN:
      buf_puts(b, "run ");
      if (s->a && (s->a->kind == N_STR || s->a->kind == N_TMPL)) {
        Buf t = BUF_INIT;
        astq_text(src, s->a, NULL, &t);
        planw_code(b, buf_cstr(&t), t.n);
        buf_free(&t);
      } else {
        code_of(src, s->a, b);
      }
      break;
    case N_VERIFY:
      buf_puts(b, "verify ");
      if (s->b) planw_quoted(src, s->b, b);
      else planw_cond(src, s->a, b);
      break;
    case N_LOG: buf_puts(b, "log "); planw_value(src, s->a, b); break;
    case N_FAIL: buf_puts(b, "stop the step: "); planw_value(src, s->a, b); break;
    case N_NOTIFY:
      buf_puts(b, "notify ");
      if (s->a) buf_puts(b, s->a->str);
      buf_puts(b, " ");
      planw_value(src, s->b, b);
      break;
    case N_MANUAL: buf_puts(b, "a person does "); planw_value(src, s->a, b); break;
    case N_ASK: buf_puts(b, "ask "); planw_value(src, s->a, b); break;
    case N_APPROVE:
      buf_puts(b, "wait for approval by ");
      if (s->a) buf_puts(b, s->a->str);
      if (s->b) {
        buf_puts(b, ": ");
        planw_value(src, s->b, b);
      }
      break;
    case N_LET:
    case N_ASSIGN:
      buf_puts(b, "set ");
      code_of(src, s->a, b);
      buf_puts(b, " to ");
      planw_value(src, s->b, b);
      break;
    case N_EXPR: buf_puts(b, "call "); code_of(src, s->a, b); break;
    case N_RETURN: buf_puts(b, "return "); planw_value(src, s->a, b); break;
    case N_WAIT:
      buf_puts(b, "wait until ");
      planw_cond(src, s->a, b);
      if (astq_const_secs(s->c, &d)) {
        buf_puts(b, " (at most ");
        val_fmt_duration(d, b);
        buf_putc(b, ')');
      }
      break;
    case N_HOLD:
      buf_puts(b, "watch that ");
      if (s->d) planw_quoted(src, s->d, b);
      else planw_cond(src, s->a, b);
      if (astq_const_secs(s->c, &d)) {
        buf_puts(b, " for ");
        val_fmt_duration(d, b);
      }
      buf_puts(b, "; stop the step if it breaks");
      break;
    case N_BLOCK: planw_block(src, s->a, b); break;
    case N_IF:
      buf_puts(b, "if ");
      planw_cond(src, s->a, b);
      buf_puts(b, ", ");
      planw_stmt(src, s->b, b);
      if (s->c) {
        buf_puts(b, "; otherwise ");
        planw_stmt(src, s->c, b);
      }
      break;
    case N_FOR:
      buf_puts(b, "for each ");
      code_of(src, s->a, b);
      buf_puts(b, " in ");
      planw_value(src, s->b, b);
      buf_puts(b, ": ");
      planw_stmt(src, s->c, b);
      break;
    default: code_of(src, s, b); break;
  }
}

void planw_block(const Source *src, const Node *stmts, Buf *b) {
  int n = 0, total = ast_list_len(stmts);
  for (; stmts; stmts = stmts->next) {
    if (n == PLANW_MAX_STMTS && total > PLANW_MAX_STMTS + 1) {
      buf_printf(b, ", and %d more", total - n);
      return;
    }
    if (n++) buf_puts(b, ", then ");
    planw_stmt(src, stmts, b);
  }
  if (n == 0) buf_puts(b, "nothing");
}
