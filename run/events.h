/*
** events.h -- a run as a stream of events (`rbk run --events FILE|-`):
** JSON Lines, one object per line, each written with one write() as it
** happens, for CI systems and chat bots. docs/events.md lists the events
** and their fields.
**
** The stream is fed from two places, both set up by whoever runs the
** steps (run/session.c for run and resume, rbk undo for its undo run):
**   - the step driver's hooks (events_hooks wraps the terminal's): a step
**     starts and ends, with its place in the plan;
**   - the journal (events_watch): every record this process appends is
**     read back as it is written, so commands, gates and verifies are
**     reported with their effect number, and with exactly the masking the
**     journal has (a secret never reaches the stream). Effects answered
**     from the journal on a resume are not appended, so they are not
**     reported twice.
** The run's end (with the exit status) is told by events_run_end.
*/
#ifndef RBK_EVENTS_H
#define RBK_EVENTS_H

#include "../base/json.h"
#include "journal.h"
#include "runbook.h"

typedef struct EvEffect {
  int repl;            /* the effect is in the REPL lane */
  long n;              /* its number */
  int step;            /* the step it belongs to, or -1 */
  char kind[16];       /* cmd, gate, verify, ... */
  char *what;          /* the masked text (owned) */
} EvEffect;

typedef struct Events {
  int fd;                      /* where the lines go; -1: no stream */
  const Program *p;
  const StepOutcome *before;   /* per step, how it ended before this process (NULL: none) */
  const int *selected;         /* per step, 1 if the run does it (NULL: all) */
  int reverse;                 /* steps run last first (an undo run) */
  int *pos;                    /* per step, its position (position(); made at first use) */
  int npos;                    /* how many steps the run does (with pos) */
  char run[600];
  int started;                 /* run_start was sent */
  int replaying;               /* the current step was done before: replayed */
  EvEffect *fx;                /* effects begun and not yet ended */
  size_t nfx, capfx;
  RunHooks inner;              /* the hooks the events' wrap */
  /* also handed each event as parsed (the terminal's -v); may be NULL */
  void (*tap)(void *ud, const Json *ev);
  void *tap_ud;
  /* also told after each record appended to the watched journal (type:
  ** the record's type) and once more when the process lets the run go
  ** (events_close: type NULL, final 1), with the run's directory: the live
  ** status page (cli/livepage.c); may be NULL */
  void (*changed)(void *ud, const char *dir, const char *type, int final);
  void *changed_ud;
  char dir[JRN_PATH_MAX];      /* the watched journal's directory, "" before events_watch */
} Events;

/* events_open_path opens where `--events PATH` sends the stream and
** returns its descriptor, or -1 after writing why. PATH "-" is standard
** output: the descriptor is a copy of it, and standard output itself is
** pointed at standard error, so that everything else printed goes there
** and the stream is mixed with nothing. A file is created (mode 0600) or
** appended to. */
int events_open_path(const char *path, char *why, size_t whylen);
/* events_init makes E an emitter writing to fd (-1: none) for program p. */
void events_init(Events *E, int fd, const Program *p);
/* events_on says whether anyone listens (a stream, a tap or changed). */
int events_on(const Events *E);
/* events_watch has E read every record appended to j from now on (set it
** again after each jrn_open of j). Does nothing when events_on is 0. */
void events_watch(Events *E, Journal *j);
/* events_hooks fills out with hooks that report steps to E, then call
** inner (copied; may have no event callback). */
void events_hooks(Events *E, const RunHooks *inner, RunHooks *out);
/* events_run_end sends run_end with the exit status (and the outcome it
** stands for), if run_start was sent. */
void events_run_end(Events *E, int exit_status);
/* events_close tells changed (if any) that the process lets the run go,
** then frees E and closes its descriptor. */
void events_close(Events *E);

#endif
