/*
** shquote.h -- quoting values for /bin/sh by the context they land in.
**
** A command is written in place, so the text around each interpolation
** is known when the runbook compiles. sh_scan follows that text the way
** the shell would read it (outside quotes, inside '...', inside "...",
** inside a here-document) and shquote quotes a value for that context, so
** that no value can end its word, start a new command, or expand:
** `x'; touch pwned; '` stays one literal argument. Inside a here-document
** body, a comment, backquotes, ${...} or $((...)) no quoting is safe, so
** an interpolation there is refused when the runbook compiles. Inside
** $( ... ) the scan starts afresh, as the shell does.
*/
#ifndef RBK_SHQUOTE_H
#define RBK_SHQUOTE_H

#include <stddef.h>

#include "buf.h"

#define SHQ_BARE 0     /* outside quotes: the value is wrapped in '...' */
#define SHQ_SINGLE 1   /* inside '...': each ' becomes '\'' */
#define SHQ_DOUBLE 2   /* inside "...": \ " $ ` are escaped with \ */
#define SHQ_UNSAFE 3   /* a here-document body, a comment, `...`, ${...} or
                       ** $((...)): no quoting is safe there, so the
                       ** interpolation is refused when the runbook compiles */
#define SHQ_HEREDOC SHQ_UNSAFE

/* Command substitutions $( ... ) nest this deep before the scan gives up
** (and refuses interpolations, being unsure). */
#define SHQ_MAX_NEST 16

/* The state of the scan between pieces of literal text. */
typedef struct ShScan {
  int ctx;             /* SHQ_BARE, SHQ_SINGLE, SHQ_DOUBLE or SHQ_UNSAFE */
  const char *why;     /* for SHQ_UNSAFE: where the value would land */
  int stack[SHQ_MAX_NEST];   /* contexts to return to when a $( ... ) closes */
  int parens[SHQ_MAX_NEST];  /* plain ( ... ) open inside each $( ... ) */
  int depth;
  int unsafe_until;    /* SHQ_UNSAFE ends at: 1 newline (comment), 2 backtick, 3 '}', 4 "))" */
  int braces;          /* nested { } inside ${ ... } */
  int pending;         /* a << was seen; the body starts at the next newline */
  int reading_delim;   /* reading the delimiter word after << */
  int strip_tabs;      /* <<- */
  char delim[64];
  size_t dlen;
  size_t line_start;   /* in a body: bytes of the current line seen so far */
  char line[64];       /* the current body line, to compare with delim */
  int line_long;       /* the current body line is longer than line[] */
  char prev;           /* the previous character outside quotes */
} ShScan;

/* sh_scan_init starts a scan at the beginning of a command. */
void sh_scan_init(ShScan *st);
/* sh_scan advances over n bytes of literal command text. When the scan
** ends in SHQ_UNSAFE, st->why says where ("a here-document", ...). */
void sh_scan(ShScan *st, const char *s, size_t n);
/* shquote appends s[0..n) quoted for context ctx (not SHQ_HEREDOC) to out. */
void shquote(const char *s, size_t n, int ctx, Buf *out);

#endif
