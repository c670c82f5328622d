/*
** answer.h -- recording a person's answer to what a paused run waits for
** (an approval, a manual step, a question, an effect in doubt). Used by
** `rbk approve/confirm/answer` and by the REPL's :approve.
*/
#ifndef RBK_ANSWER_H
#define RBK_ANSWER_H

#include "journal.h"
#include "../vm/program.h"

/* answer_pending finds what the run (journal j, opened and locked by the
** caller; messages name it run) waits for and appends the answer: what is
** "approve", "refuse", "confirm", "yes", "no", "rerun", "skip" or "done";
** as the approving role (approvals), by who answers, note may be NULL.
** When the approving role has keys in p (the run's runbook; NULL: none),
** an approval or refusal is signed (run/signing.h: with keyfile, else
** $RBK_SIGNING_KEY, else ssh-agent) and verified against the role's keys
** before it is journaled; an approval by a role without keys is journaled
** "verified":false.
** Returns EXIT_OK, EXIT_FAILED (nothing waits, or not for that answer, or
** the signature is refused: said on stderr, prefixed "rbk CMD:") or
** EXIT_USAGE (cannot write). */
int answer_pending(Journal *j, const char *cmd, const char *run, const char *what, const char *as, const char *by,
                   const char *note, const Program *p, const char *keyfile);

#endif
