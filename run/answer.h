/*
** answer.h -- recording a person's answer to what a paused run waits for
** (an approval, a manual step, a question, an effect in doubt). Used by
** `rbk approve/confirm/answer` and by the REPL's :approve.
*/
#ifndef RBK_ANSWER_H
#define RBK_ANSWER_H

#include "journal.h"

/* answer_pending finds what the run (journal j, opened and locked by the
** caller; messages name it run) waits for and appends the answer: what is
** "approve", "refuse", "confirm", "yes", "no", "rerun", "skip" or "done";
** as the approving role (approvals), by who answers, note may be NULL.
** Returns EXIT_OK, EXIT_FAILED (nothing waits, or not for that answer:
** said on stderr, prefixed "rbk CMD:") or EXIT_USAGE (cannot write). */
int answer_pending(Journal *j, const char *cmd, const char *run, const char *what, const char *as, const char *by,
                   const char *note);

#endif
