/*
** runui.h -- a session (run/session.h) as rbk run, resume and repl show
** it: the terminal's host and hooks (cli/term.c) and the stdlib's natives.
*/
#ifndef RBK_RUNUI_H
#define RBK_RUNUI_H

#include "term.h"
#include "../run/session.h"

/* runui_load loads a session (session_load) that shows itself on t.
** Returns 0, or EXIT_USAGE after printing why; session_close is due
** either way. */
int runui_load(Session *S, Term *t, const char *cmd, RunArgs *a);

#endif
