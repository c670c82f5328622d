/*
** parse.c -- the driver that connects the flex lexer and the bison parser,
** and lexes a source on its own for the formatter.
*/
#include "parse.h"

#include <string.h>

#include "parser_state.h"
#include "parser.h"
#include "lexer.h"

/* scanner_open prepares p and a scanner over ast->src; 0 or -1. */
static int scanner_open(Parser *p, yyscan_t *scanner, Ast *ast, Diags *d, ParseMode mode) {
  memset(p, 0, sizeof *p);
  p->ast = ast;
  p->src = ast->src;
  p->diags = d;
  p->mode = mode;
  p->whole_pos = UINT32_MAX;
  lexer_init_keywords();
  if (yylex_init_extra(p, scanner) != 0) return -1;
  /* The source keeps two NULs after its text, so flex scans it in place
  ** and yytext points into Source.text. */
  yy_scan_buffer(ast->src->text, ast->src->len + 2, *scanner);
  /* The line map is built when a message first needs it, mostly after the
  ** parse. While the scanner runs, flex keeps a NUL in the text after the
  ** current token, which could hide a newline from the map: the one place
  ** that maps a position during the parse (an unclosed bracket at the end,
  ** parser.y) puts that byte back first (lexer_restore_source). */
  return 0;
}

/* scanner_close puts back the byte flex replaced (the scan may stop before
** the end of the input), so the source text is again exactly the file's. */
static void scanner_close(Parser *p, yyscan_t scanner) {
  lexer_restore_source(scanner);
  yylex_destroy(scanner);
  /* A mapped text (check, lint) is needed again only for messages. */
  src_release_before(p->src, UINT32_MAX);
  buf_free(&p->sbuf);
}

int parse_source(Ast *ast, Diags *d, ParseMode mode, ParseResult *res) {
  Parser p;
  yyscan_t scanner;
  int errors_before = d->errors, rc;
  if (scanner_open(&p, &scanner, ast, d, mode) != 0) return -1;
  p.whole_strings = 1;
  rc = yyparse(&p, scanner);
  scanner_close(&p, scanner);
  if (res) {
    res->expr = p.result;
    res->incomplete = p.at_eof;
  }
  if (rc != 0 || d->errors > errors_before) {
    ast->root = NULL;
    return -1;
  }
  return 0;
}

int parse_tokens(Ast *ast, Diags *d, Token **out, size_t *n) {
  Parser p;
  yyscan_t scanner;
  YYSTYPE lval;
  YYLTYPE loc;
  size_t cap = 0;
  int errors_before = d->errors, kind;
  *out = NULL;
  *n = 0;
  if (scanner_open(&p, &scanner, ast, d, PARSE_FILE) != 0) return -1;
  while ((kind = yylex(&lval, &loc, scanner)) != YYEOF) {
    if (kind == START_FILE) continue;
    if (*n == cap) *out = mem_grow(*out, &cap, *n + 1, sizeof **out);
    (*out)[*n].kind = kind;
    (*out)[*n].pos = loc.pos;
    (*out)[*n].end = loc.end;
    (*n)++;
  }
  scanner_close(&p, scanner);
  return d->errors > errors_before ? -1 : 0;
}
