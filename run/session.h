/*
** session.h -- one process's hold on a run: the runbook loaded, the run
** chosen (new, latest or named), locked, its journal open and attached
** for replay, and a VM ready to execute. `rbk run`, `rbk resume` and
** `rbk repl` all open runs this way.
**
** A run's journal is also its ACTION LOG. A plain run does params, the
** requirements, then steps in order. At the REPL a person may also run
** steps out of order, run one again, skip one, run an undo block, or
** improvise statements (records improvised_start/improvised_end, skip;
** docs/journal.md). session_replay re-does those actions in the order the
** journal holds them, every effect answered from the journal, so the VM
** ends in the state the run was left in; improvised statements are
** compiled again from their recorded text.
*/
#ifndef RBK_SESSION_H
#define RBK_SESSION_H

#include "effects.h"
#include "events.h"
#include "journal.h"
#include "runbook.h"

/* The command line of run, resume and repl. */
typedef struct RunArgs {
  const char *file;            /* the runbook */
  const char *run_id;          /* NULL: latest or new */
  int new_run, accept, dry, nkv, nonly;
  int retry_failed;            /* resume --retry-failed: a run that failed on a step on hosts runs its failed hosts again */
  const char *from, *as;
  const char **keys, **vals, **only;
  const char *events;          /* --events FILE|- (NULL: no event stream) */
  const char *status_page;     /* --status-page FILE: a copy of the live status page (NULL: none) */
  int verbose;                 /* -q: -1, -v: 1, else 0 (how much the terminal shows) */
  int timestamps;              /* --timestamps: each line of output begins with the UTC time */
  /* the trail (run/trail.h): a new run records them in its run_start */
  const char *started_by;      /* --started-by WATCH: the watch that started it (rbk watch passes it) */
  const char *after;           /* --after RUN: the run it backs out; that run gets a link record */
  char *cause;                 /* session_open: started_by as JSON, read from the watch's journal (owned) */
} RunArgs;

/* What the command line gives a session: how the run looks (cli/term.c's
** host and hooks) and the natives its VM calls (the stdlib's). */
typedef struct SessionUi {
  VmHost host;
  RunHooks hooks;
  const NativeInfo *natives;
  uint32_t nnatives;
  int events_fd;               /* the event stream's descriptor (events_open_path), -1: none */
  /* each event, parsed, also goes here (NULL: nowhere): the terminal's -v */
  void (*on_event)(void *ud, const Json *ev);
  void *event_ud;
  /* after each record the run's journal appends, and when the session
  ** lets the run go (Events.changed): the live status page; NULL: none */
  void (*on_change)(void *ud, const char *dir, const char *type, int final);
  void *change_ud;
} SessionUi;

typedef struct Session {
  const char *cmd;             /* "run", "repl": the prefix of messages */
  Program *p;
  VM vm;
  Journal jr;
  Effects fx;
  VmHost host;
  RunHooks hooks;
  RunOptions o;
  int lockfd, vm_ready, fx_ready;
  int finished;                /* the run had already ended (run_end) */
  const char *end_state;       /* then: its state ("succeeded", ...) */
  int is_new;                  /* session_open started the run */
  int interactive_log;         /* the journal holds REPL actions */
  char state[4096], name[512], id[600], dir[4800];
  /* per step, as the actions so far left it */
  StepState *steps;
  StepOutcome *out;
  StepOutcome *before;         /* per step, its last end in the journal when the run was opened
                               ** (STEP_PENDING: none): a resume replays those steps */
  Events ev;                   /* the event stream (events.h), fed by the hooks and the journal */
  int *attempts;               /* attempts made by all its runs so far */
  int *undos;                  /* undo blocks run */
  Buf selection;               /* a resumed run's own --only/--from names, NUL-separated */
  int unfinished;              /* the step whose run has not ended (paused or interrupted), or -1 */
  int last_failed;             /* the step whose last run failed most recently, or -1 */
  uint64_t unfinished_first;   /* the runbook-lane effect where the unfinished step's run began */
  int improvised;              /* improvised actions so far (their ids) */
  int quiet;                   /* replaying: print nothing */
  double t0;
} Session;

/* session_locate resolves RUN (an ID or a run directory) for resume and
** repl --run: a->file becomes the runbook it began with (its path if it
** is still there, else the copy kept with the run), a->run_id its ID, and
** RBK_STATE_DIR the state directory holding it. *owned gets memory to
** mem_free afterwards. Returns 0, or EXIT_USAGE after saying why. */
int session_locate(const char *cmd, const char *run, RunArgs *a, char **owned);
/* session_load loads the runbook and prepares the VM (no run yet) with
** ui's host, hooks and natives. Returns 0, or EXIT_USAGE after printing
** why; session_close is due either way. */
int session_load(Session *S, const char *cmd, RunArgs *a, const SessionUi *ui);
/* session_open picks the run (a->run_id, --new, else the runbook's
** latest), locks it, opens its journal, writes run_start (new run) or
** resume (otherwise; refusing a changed runbook unless a->accept), and
** attaches the journal for replay. A run that already ended sets
** S->finished and returns 0 without writing. Returns 0 or an exit code. */
int session_open(Session *S, RunArgs *a);
/* session_close releases everything. */
void session_close(Session *S);

/* What an action-log replay should do with the run's last, unfinished
** step: leave it (the REPL waits to be told) or continue it (resume). */
typedef enum ReplayMode { REPLAY_STOP_BEFORE_UNFINISHED, REPLAY_CONTINUE } ReplayMode;

/* session_replay re-does the actions of an interactive run in journal
** order (quietly when quiet). Returns VM_OK, or how the continued step
** ended (REPLAY_CONTINUE), or VM_PAUSED if the runbook no longer matches
** or the journal failed. */
VmResult session_replay(Session *S, ReplayMode mode, int quiet);

/* session_step runs step i (or continues it if it is the unfinished one),
** keeping the per-step bookkeeping. */
VmResult session_step(Session *S, int i);
/* session_next_pending is the first step not ok, recovered or skipped, or -1. */
int session_next_pending(const Session *S);
/* session_improvise compiles and runs text as an improvised action,
** journaled with its operator. kind is "statement" or "meta". On success
** *value (may be NULL) holds an expression's value (owned; nil if none).
** Returns VM_OK, VM_FAILED (diagnostics printed), VM_INTERRUPTED, or -1
** when the input is incomplete (nothing was run or journaled). */
int session_improvise(Session *S, const char *text, int replay, Value *value);
/* session_answer records the answer to what the unfinished step waits
** for (answer.h: what is "approve", "confirm", "yes", "no", "rerun"...;
** an approval without a role is given as the role the gate waits for;
** keyfile signs it when the role has keys, NULL: $RBK_SIGNING_KEY, else
** ssh-agent). Returns EXIT_OK, or an exit code after saying why. */
int session_answer(Session *S, const char *what, const char *role, const char *note, const char *keyfile);
/* session_skip records that step i is skipped, with the reason. */
int session_skip(Session *S, int i, const char *reason);
/* session_undo runs step i's undo block. */
VmResult session_undo(Session *S, int i);
/* session_all_done says whether every step is ok, recovered or skipped. */
int session_all_done(const Session *S);
/* session_end writes run_end with the run's final state; -1 if the
** journal failed (then report it with session_lost). */
int session_end(Session *S, int succeeded);
/* session_events_end ends the event stream with the process's exit
** status (run_end), and returns it. */
int session_events_end(Session *S, int exit_status);
/* session_lost reports that the run's journal could not be written
** (S->jr.broken) and how to resume; returns EXIT_STATE. */
int session_lost(Session *S);

#endif
