/*
** runui.c -- the terminal side of a session (runui.h), for rbk run,
** resume and repl: run/ knows nothing of the terminal or of the stdlib.
*/
#include "runui.h"

#include <string.h>

#include "../stdlib/natives.h"

int runui_load(Session *S, Term *t, const char *cmd, RunArgs *a) {
  SessionUi ui;
  int rc;
  memset(&ui, 0, sizeof ui);
  term_init(t);
  term_host(t, &ui.host);
  term_hooks(t, &ui.hooks);
  ui.natives = stdlib_natives(&ui.nnatives);
  rc = session_load(S, cmd, a, &ui);
  if (S->vm_ready) {
    t->vm = &S->vm;
    t->total = (int)S->p->nsteps;
  }
  return rc;
}
