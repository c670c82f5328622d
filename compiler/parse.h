/*
** parse.h -- turning source text into a syntax tree.
*/
#ifndef RBK_PARSE_H
#define RBK_PARSE_H

#include "../vm/diag.h"
#include "ast.h"

/* What the parser should accept: a whole file, REPL statements, or one
** expression (the REPL tries this first, to print a value). */
typedef enum ParseMode { PARSE_FILE, PARSE_STMTS, PARSE_EXPR } ParseMode;

typedef struct ParseResult {
  Node *expr;        /* PARSE_EXPR: the expression */
  int incomplete;    /* the first syntax error was at end of input: the
                     ** REPL should read another line and try again */
} ParseResult;

/* parse_source parses ast->src in the given mode, adding syntax errors to
** d. It returns 0 and sets ast->root (or res->expr) on success, or -1 if
** any error was reported; the tree is then not to be used. */
int parse_source(Ast *ast, Diags *d, ParseMode mode, ParseResult *res);

#endif
