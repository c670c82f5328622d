/*
** parser_state.h -- the state shared by the flex lexer and the bison
** parser of one parse. Both are reentrant: everything lives here, passed
** through yyextra and %parse-param, so two parses can run side by side.
*/
#ifndef RBK_PARSER_STATE_H
#define RBK_PARSER_STATE_H

#include <stdint.h>

#include "ast.h"
#include "parse.h"
#include "../base/buf.h"
#include "../base/diag.h"

/* Brackets, braces and interpolations may nest this deep. The limit keeps
** the flex and bison stacks, and every later recursive pass, small; 200 is
** Lua's LUAI_MAXCCALLS and far beyond any readable runbook. */
#define LEX_MAX_NESTING 200

typedef struct NodeList {
  Node *head, *tail;
} NodeList;

typedef struct Parser {
  Ast *ast;
  Source *src;
  Diags *diags;
  ParseMode mode;
  int start_sent;        /* the mode token was handed to the parser */
  int fatal;             /* stop: nesting limit (past the error limit, errors are
                         ** only counted, and the parse goes on) */
  int at_eof;            /* a syntax error was at end of input (REPL: read more) */
  int eof_reported;      /* the lexer explained the end of input (unterminated string
                         ** or comment): the parser must not report it again */
  int depth;
  char open_kind[LEX_MAX_NESTING];      /* '(' '[' '{' or 'i'/'I' for ${ in "..." / """...""" */
  uint32_t open_pos[LEX_MAX_NESTING];
  Buf sbuf;              /* text of the string part being read */
  const char *pend;      /* or, while it is one piece, that piece (uncopied) */
  size_t pend_n;         /* its length; 0: none (sbuf, if anything, holds the text) */
  uint32_t str_pos;      /* where the current string (its opening quote) starts */
  uint32_t text_pos;     /* where the pending text part starts */
  int str_triple;        /* inside """...""" */
  Node *result;          /* PARSE_EXPR: the expression */
  /* The last look ahead from a '${' in "...": [scan_from, scan_end) holds no
  ** newline or '}'; scan_brace says whether a '}' is at scan_end;
  ** scan_lastq is one past the last '"' in the range, or 0. */
  uint32_t scan_from, scan_end, scan_lastq;
  int scan_brace;
  /* The blanks before the end of the input that the lexer stepped over
  ** after a token (SKIP_BLANKS), for the location of the end: [blank_pos,
  ** blank_end), blank_end the input's length; else blank_end is 0. */
  uint32_t blank_pos, blank_end;
  /* Where the lexer next calls blanks_slow: the address of the source's
  ** release_at, UINTPTR_MAX if none; 0 until the first call. */
  uintptr_t release_ptr;
  int whole_strings;     /* a plain string may be one STR_WHOLE token (not for parse_tokens) */
  uint32_t whole_pos;    /* where the last STR_WHOLE starts (UINT32_MAX: none yet) */
} Parser;

/* lexer_init_keywords fills the lexer's keyword table, once (scanner_open
** calls it before every scan; parsing is single-threaded). */
void lexer_init_keywords(void);

/* lexer_restore_source puts back the byte that flex replaced by a NUL in
** the source text after the last token; call it once parsing ends. */
void lexer_restore_source(void *scanner);

/* parser_error reports an error at [pos, end) unless the parse is already fatal. */
Diag *parser_error(Parser *p, uint32_t pos, uint32_t end, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 4, 5)))
#endif
  ;

#endif
