/*
** fmt.h -- the canonical layout of a runbook, for `rbk fmt`. The style is
** documented in docs/language.md ("Formatting").
*/
#ifndef RBK_FMT_H
#define RBK_FMT_H

#include "../base/buf.h"
#include "../base/diag.h"

/* fmt_source appends the canonical form of src to out. It returns 0; or
** -1 if src does not parse (the syntax errors are added to d, and out is
** left as it was). Formatting keeps every comment and changes only white
** space: the result is lexed again before it is returned, and if its
** tokens or comments differ from src's (a bug in the formatter), an
** "internal" error is added to d and -1 returned. fmt_source of its own
** output returns that output unchanged. */
int fmt_source(Source *src, Diags *d, Buf *out);

#endif
