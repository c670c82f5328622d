/*
** parse.h -- turning source text into a syntax tree.
*/
#ifndef RBK_PARSE_H
#define RBK_PARSE_H

#include "../base/diag.h"
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

/* A token as the lexer hands it to the parser: kind is a token code of
** the generated parser.h (IDENT, STR_BEGIN, ...) or a character ('{');
** [pos, end) are its bytes. A string comes as STR_BEGIN, its parts
** (STR_TEXT, INTERP_BEGIN ... INTERP_END) and STR_END. Comments and white
** space are not tokens: they are what lies between. */
typedef struct Token {
  int kind;
  uint32_t pos, end;
} Token;

/* parse_tokens lexes ast->src as a file into *out, a mem_alloc'd array of
** *n tokens that the caller frees. Lexical errors are added to d; it
** returns 0, or -1 if any was reported. (Syntax errors need parse_source.) */
int parse_tokens(Ast *ast, Diags *d, Token **out, size_t *n);

#endif
