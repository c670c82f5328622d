/*
** chunk.h -- compiling one REPL input into a running program: parse it
** (as an expression if it is one, else as statements), check it against
** the names the program declares, and add its code to the program.
*/
#ifndef RBK_CHUNK_H
#define RBK_CHUNK_H

#include <stddef.h>
#include <stdio.h>

#include "../vm/program.h"

typedef struct ChunkResult {
  int proto;         /* the Proto to call (no arguments), or -1 */
  int is_expr;       /* it is an expression: the Proto returns its value */
  int incomplete;    /* parsing stopped at the end of the input: read more */
} ChunkResult;

/* chunk_compile compiles text (len bytes, named name in messages) into p.
** On success it returns 0 and res->proto is the new Proto; the caller
** runs it after binding new externs and vm_sync_program. Diagnostics (warnings too) are printed
** to err. On failure it returns -1 and p is unchanged; when
** res->incomplete, nothing was printed: the input needs another line. */
int chunk_compile(Program *p, const char *name, const char *text, size_t len, FILE *err, int color,
                  ChunkResult *res);

#endif
