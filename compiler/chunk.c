/*
** chunk.c -- compiling REPL input. Like Lua's REPL, an input is first
** tried as an expression (whose value is then printed), and otherwise
** parsed as statements.
*/
#include "chunk.h"

#include <string.h>

#include "../base/mem.h"
#include "check.h"
#include "codegen.h"
#include "../grammar/imports.h"
#include "../grammar/parse.h"

/* compile_as parses src in mode and, if that works, checks and compiles
** it. Returns the Proto index, or -1. */
static int compile_as(Program *p, Source *src, ParseMode mode, Diags *d, int *incomplete) {
  Ast ast;
  ParseResult pr;
  int idx = -1;
  memset(&pr, 0, sizeof pr);
  ast_init(&ast, src);
  if ((mode == PARSE_STMTS ? imports_parse_stmts(&ast, d, &pr) : parse_source(&ast, d, mode, &pr)) == 0) {
    Node *e = mode == PARSE_EXPR ? pr.expr : NULL;
    if (check_chunk(&ast, e, p, d) == 0) idx = codegen_chunk(&ast, e, p, d);
  } else if (incomplete) {
    *incomplete = pr.incomplete;
  }
  ast_free(&ast);
  return idx;
}

static Source *new_source(const char *name, const char *text, size_t len) {
  Source *s = mem_calloc(sizeof *s);
  src_from_string(s, name, text, len);
  return s;
}

static void drop_source(Source *s) {
  src_free(s);
  mem_free(s);
}

int chunk_compile(Program *p, const char *name, const char *text, size_t len, FILE *err, int color,
                  ChunkResult *res) {
  Source *src;
  Diags d;
  int incomplete = 0, expr_incomplete = 0, parsed;
  memset(res, 0, sizeof *res);
  res->proto = -1;
  /* As an expression first; its syntax errors are not shown, since most
  ** statements are not expressions. */
  src = new_source(name, text, len);
  diag_init(&d);
  {
    Ast ast;
    ParseResult pr;
    memset(&pr, 0, sizeof pr);
    ast_init(&ast, src);
    parsed = parse_source(&ast, &d, PARSE_EXPR, &pr) == 0;
    expr_incomplete = !parsed && pr.incomplete;
    ast_free(&ast);
    diag_free(&d);
    diag_init(&d);
  }
  if (parsed) {
    res->proto = compile_as(p, src, PARSE_EXPR, &d, NULL);
    res->is_expr = 1;
  } else {
    res->proto = compile_as(p, src, PARSE_STMTS, &d, &incomplete);
    /* Only the end of the input is wrong: not a mistake yet, more is coming.
    ** An expression that ends in an operator (`1 +`, `x and`) is read on,
    ** like a statement that does. */
    res->incomplete = res->proto < 0 && (incomplete || expr_incomplete);
  }
  if (!res->incomplete) diag_print_text(&d, err, color);
  diag_free(&d);
  if (res->proto < 0) drop_source(src);   /* on success p owns it */
  return res->proto < 0 ? -1 : 0;
}
