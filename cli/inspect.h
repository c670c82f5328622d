/*
** inspect.h -- the read-only commands over run journals (docs/journal.md):
**   rbk runs            list the runs in a state directory
**   rbk status RUN      a run's header, its steps, and what it waits for
**   rbk log RUN         its journal, one line per record; --verify checks it
** None of them writes anything: they read journal.jsonl with open(O_RDONLY)
** and never call jrn_open (which sets torn tails aside).
*/
#ifndef RBK_INSPECT_H
#define RBK_INSPECT_H

#include <stdio.h>

#include "../run/runread.h"

int cmd_runs(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_log(int argc, char **argv);
/* inspect_log_text prints records from..L->n of a loaded journal as
** `rbk log` does, one line each (colour when f is a terminal). */
void inspect_log_text(const RrJournal *L, size_t from, FILE *f);
extern const char usage_runs[], usage_status[], usage_log[];

#endif
