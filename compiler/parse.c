/*
** parse.c -- the driver that connects the flex lexer and the bison parser.
*/
#include "parse.h"

#include <string.h>

#include "../grammar/parser_state.h"
#include "parser.h"
#include "lexer.h"

int parse_source(Ast *ast, Diags *d, ParseMode mode, ParseResult *res) {
  Parser p;
  yyscan_t scanner;
  int errors_before = d->errors, rc;
  memset(&p, 0, sizeof p);
  p.ast = ast;
  p.src = ast->src;
  p.diags = d;
  p.mode = mode;
  if (yylex_init_extra(&p, &scanner) != 0) return -1;
  /* The source keeps two NULs after its text, so flex scans it in place
  ** and yytext points into Source.text. */
  yy_scan_buffer(ast->src->text, ast->src->len + 2, scanner);
  /* Map the lines now: while the parser runs, flex keeps a NUL in the text
  ** after the current token, which could hide a newline from the map. */
  {
    int line, col;
    src_linecol(ast->src, 0, &line, &col);
  }
  rc = yyparse(&p, scanner);
  /* The parse may stop before the end of the input (an error it cannot
  ** recover from, the nesting or error limit): put back the byte flex
  ** replaced, so the source text is again exactly the file's. */
  lexer_restore_source(scanner);
  yylex_destroy(scanner);
  buf_free(&p.sbuf);
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
