/*
** term.h -- how a run looks on the terminal: step headers, streamed
** output prefixed with the step name, a live progress line, human gates
** at the prompt, failures with their source line, and the summary table.
** Colour and the progress line only on a terminal, and never with NO_COLOR.
** A command's output is held back and written in large blocks of whole
** lines (at most TERM_HOLD_S late, and always before anything else is
** printed), and nothing in it can act on the terminal: control
** characters are shown escaped (buf_visible).
*/
#ifndef RBK_TERM_H
#define RBK_TERM_H

#include <stdio.h>

#include "../base/json.h"
#include "../run/runbook.h"

typedef struct Term {
  FILE *out;              /* stdout */
  int tty;                /* stdout is a terminal: progress line, colour allowed */
  int color;
  int interactive;        /* stdin and stdout are terminals: gates can prompt */
  int progress_shown;     /* a progress line is on screen and must be erased */
  const VM *vm;
  int step;               /* current step, or -1 */
  int last_step;          /* the step that ended last, or -1: where a paused run waits */
  int total;              /* steps that will run */
  const int *selected;    /* per step, 1 if --only/--from selects it; NULL: all */
  int nth;                /* this is the nth step run */
  Buf held;               /* command output lines not written yet: whole lines only */
  double held_since;      /* when the oldest of them arrived (monotonic seconds) */
  unsigned held_lines;    /* how many */
  const StepOutcome *before;  /* per step, how it ended before this process (a resume); NULL: none */
  int replayed;           /* the current step is replayed from the journal: shown once, as done before */
  int verbose;            /* -q: -1 (warnings, errors, gates, the summary), -v: 1 (also verify values, exit statuses) */
  double beat_every;      /* seconds between heartbeat lines when stdout is not a terminal (RBK_HEARTBEAT) */
  double beat_next;       /* the step's elapsed time at which the next one is due */
} Term;

/* term_init decides colour and interactivity from the environment. */
void term_init(Term *t);
/* term_timestamps starts --timestamps (cli/stamp.h: every line of
** standard output and standard error begins with the UTC time). Standard
** output is then a pipe: no progress line, no colour, but gates still
** prompt when stdin and stdout were terminals. Returns 0, or -1 (nothing
** changed). */
int term_timestamps(Term *t);
/* term_event shows an event of the run's event stream (run/events.h):
** with -v, each verify's values and each command's exit status. */
void term_event(void *ud, const Json *ev);
/* term_host fills h with callbacks that print through t. */
void term_host(Term *t, VmHost *h);
/* term_hooks fills h with the step-event callback. */
void term_hooks(Term *t, RunHooks *h);
/* term_failure prints vm's last failure with its source line and caret. */
void term_failure(Term *t, const VM *vm, const char *what);
/* term_flush writes the command output held back, if any. */
void term_flush(Term *t);
/* term_waiting says what a paused run waits for (vm's last failure is
** the pause), where, and the one command that unblocks it: a meta-command
** of the REPL when repl is set, else rbk approve/confirm/answer RUN. */
void term_waiting(Term *t, const VM *vm, const char *run, int repl);
/* term_waiting_then is term_waiting, naming then (e.g. "rbk undo RUN")
** as what continues the run, instead of rbk resume (NULL: as term_waiting). */
void term_waiting_then(Term *t, const VM *vm, const char *run, int repl, const char *then);
/* term_summary prints the table of steps: status, actual against expected. */
void term_summary(Term *t, const Program *p, const StepOutcome *o);

#endif
