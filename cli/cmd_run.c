/*
** cmd_run.c -- `rbk run FILE` and `rbk resume RUN`: execute a runbook
** under a durable journal, resuming an interrupted run by replay.
*/
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../stdlib/natives.h"
#include "../base/json.h"
#include "../base/durable.h"
#include "../base/mem.h"
#include "../run/runbook.h"
#include "../run/runtime.h"
#include "../base/sha256.h"
#include "cli.h"
#include "../run/dryrun.h"
#include "../run/load.h"
#include "../run/runctl.h"
#include "../run/runread.h"
#include "../run/session.h"
#include "../run/state.h"
#include "runpick.h"
#include "runui.h"
#include "../run/fleet.h"
#include "params.h"

const char usage_run[] =
  "Usage: rbk run [OPTIONS] FILE\n"
  "\n"
  "Run a runbook: its params, its requirements, then its steps in the order\n"
  "written. FILE is a runbook source or a .rbc file from 'rbk compile'.\n"
  "Commands run through /bin/sh in their own process group; their output\n"
  "streams live, each line prefixed with the step name. A step's timeout\n"
  "stops its commands (TERM, then KILL). A failed step is retried as its\n"
  "'retry' clause says, then handed to its 'on failure' handler; if that\n"
  "completes the step counts as recovered, otherwise the run stops.\n"
  "\n"
  "Every effect is journaled (durably, before the run goes on) in\n"
  "STATE/runs/ID/journal.jsonl, where STATE is RBK_STATE_DIR or .rbk/ beside\n"
  "the runbook. Running the same runbook again continues its latest run: a\n"
  "finished run says so and does nothing; an interrupted or waiting one\n"
  "resumes by replaying the journal, so nothing that finished is done twice.\n"
  "\n"
  "A run started with RBK_SIGNING_KEY set records that key's fingerprint as\n"
  "the operator's: when a role names keys, the operator may not approve the\n"
  "run's own gates (unless a gate says 'approve by ROLE or operator'); a run\n"
  "started without it knows its operator by login name.\n"
  "\n"
  "Options:\n"
  "  --param NAME=VALUE  set a param (repeatable); the value takes the type\n"
  "                      of the param's default (number, duration, true/false)\n"
  "  --param-file FILE   set params from a YAML or JSON mapping (name: value;\n"
  "                      a list as a YAML sequence), typed as --param; a\n"
  "                      --param of the same name wins (repeatable)\n"
  "  --only STEP         run only this step (repeatable)\n"
  "  --from STEP         start at this step, skipping those before it\n"
  "  --dry-run           print every command with its interpolations resolved,\n"
  "                      and mark each branch that depends on a run-time\n"
  "                      result (both sides shown); nothing is executed\n"
  "  --new               start a fresh run instead of continuing the latest\n"
  "  --run-id ID         use (or continue) the run called ID: letters,\n"
  "                      digits, - _ and ., not starting with '.', at most\n"
  "                      128 characters\n"
  "  --accept-changes    resume although the runbook changed since the run\n"
  "                      began (the step-level difference is shown first)\n"
  "  --as NAME           who is running it (default: the login name)\n"
  "  --after RUN         this run backs out run RUN (a roll-out): each names\n"
  "                      the other (rbk status, runs and report show\n"
  "                      'backout of' and 'backed out by'); a run is linked\n"
  "                      as it starts, so continuing one started otherwise\n"
  "                      is refused (use --new)\n"
  "  --started-by WATCH  the watch WATCH started this run (rbk watch passes\n"
  "                      it): the run records the watch, the trigger and the\n"
  "                      probe values that started it, from the watch's journal\n"
  "  --ssh-config FILE   the ssh client configuration for steps on hosts\n"
  "                      (ssh -F FILE; default: RBK_SSH_CONFIG, else ssh's own)\n"
  "  --accept-new-host-keys  let ssh add the key of a host it has never seen\n"
  "                      (StrictHostKeyChecking=accept-new); a changed key is\n"
  "                      still refused. Off by default\n"
  "  --events FILE|-     also write the run as JSON Lines events (run, step,\n"
  "                      command, gate, verify; docs/events.md), one object\n"
  "                      per line as it happens; FILE is appended to (mode\n"
  "                      0600); '-' is standard output, and everything else\n"
  "                      then goes to standard error\n"
  "  --status-page FILE  also keep the run's live status page at FILE (it is\n"
  "                      always kept as status.html in the run directory):\n"
  "                      one self-contained HTML page, written atomically\n"
  "                      (mode 0644) after every change, that reloads itself\n"
  "                      until the run ends; serve it with any web server\n"
  "  --timestamps        begin every line of output with the UTC time\n"
  "  -q, --quiet         show only warnings, errors, gates and the summary\n"
  "  -v, --verbose       also show each verify's values and each command's\n"
  "                      exit status and time\n"
  "  -h, --help          show this text\n"
  "\n"
  "A step on hosts ('step NAME on GROUP ...') runs its commands on each host\n"
  "over OpenSSH, batch by batch; its output lines are prefixed STEP@HOST.\n"
  "\n"
  "When standard output is not a terminal (a CI log), a step running long\n"
  "prints a line every 30 seconds: '... step NAME still running, 1m30s of\n"
  "30m' (elapsed, and the step's timeout). RBK_HEARTBEAT=2s changes the\n"
  "interval (a testing knob).\n"
  "\n"
  "On a terminal, manual, ask and approve prompt for an answer. Without one\n"
  "the run pauses (exit 3): answer with 'rbk approve RUN --as ROLE', 'rbk\n"
  "confirm RUN' or 'rbk answer RUN yes|no', then 'rbk resume RUN'.\n"
  "\n"
  "Exit status:\n"
  "  0    every step succeeded (or recovered); or the run had already finished\n"
  "  1    a step or a requirement failed\n"
  "  2    usage error, the runbook does not compile, an extern's library\n"
  "       or symbol is missing (they are bound before anything runs), it\n"
  "       changed since the run began (see --accept-changes), or the journal\n"
  "       is damaged\n"
  "  3    the run is waiting for a person (see above)\n"
  "  4    another process is executing this run\n"
  "  5    the run's state could not be written (journal write failure, disk\n"
  "       full); nothing more was run; free space and 'rbk resume RUN'\n"
  "  130  interrupted (Ctrl-C, SIGTERM, or SIGHUP when the terminal closes);\n"
  "       'rbk resume RUN' continues it\n";

const char usage_resume[] =
  "Usage: rbk resume [OPTIONS] [RUN]\n"
  "\n"
  "Continue an interrupted or waiting run. The runbook is re-executed from\n"
  "the start; every effect the journal holds a result for is answered from\n"
  "it instead of being done again, so variables, branches and answers come\n"
  "back exactly. An effect that started but never finished is in doubt: in\n"
  "an idempotent step it runs again; otherwise you are asked to re-run,\n"
  "skip or mark it done (without a terminal: 'rbk answer RUN rerun|skip|done').\n"
  "A run begun with --only or --from keeps that selection when resumed.\n"
  "--retry-failed reopens a run that failed on a step on hosts (its failure\n"
  "budget exceeded) and runs that step again on the hosts that failed, and\n"
  "on no other; then the run goes on.\n"
  "Steps that ended before are replayed, not run: each is shown once, with\n"
  "its outcome and time from the journal ('--- NAME: ok (12.3s, done before)').\n"
  "RUN is a run ID (in RBK_STATE_DIR, else ./.rbk) or a run directory.\n"
  "Left out, it is the one run there that is waiting or interrupted (said\n"
  "on standard error); when there are several, they are listed and nothing\n"
  "is resumed (exit 2).\n"
  "\n"
  "Options:\n"
  "  --accept-changes    resume although the runbook changed since the run\n"
  "                      began (the step-level difference is shown first)\n"
  "  --param NAME=VALUE  set a param (repeatable), as for rbk run\n"
  "  --param-file FILE   set params from a YAML or JSON file, as for rbk run\n"
  "  --as NAME           who is resuming it (default: the login name)\n"
  "  --retry-failed      run a failed step on hosts again on its failed hosts\n"
  "  --ssh-config FILE   as for rbk run\n"
  "  --accept-new-host-keys  as for rbk run\n"
  "  --events FILE|-     write the run as JSON Lines events (docs/events.md)\n"
  "  --status-page FILE  also keep the live status page at FILE, as for rbk run\n"
  "  --timestamps        begin every line of output with the UTC time\n"
  "  -q, --quiet         show only warnings, errors, gates and the summary\n"
  "  -v, --verbose       also show verify values and commands' exit statuses\n"
  "  -h, --help          show this text\n"
  "\n"
  "Exit status: as 'rbk run'.\n";

/* The options of run and resume (their usage above says them in full). */
enum { O_PARAM = 1, O_ONLY, O_FROM, O_DRY_RUN, O_NEW, O_RUN_ID, O_ACCEPT, O_AS, O_SSH_CONFIG, O_ACCEPT_NEW, O_RETRY_FAILED,
       O_EVENTS, O_TIMESTAMPS, O_QUIET, O_VERBOSE, O_PARAM_FILE, O_STARTED_BY, O_AFTER, O_STATUS_PAGE };
static const CliOpt run_opts[] = {
  {"param", 0, O_PARAM, "NAME=VALUE", "set a param (repeatable)"},
  {"param-file", 0, O_PARAM_FILE, "FILE", "set params from a YAML or JSON file"},
  {"only", 0, O_ONLY, "STEP", "run only this step (repeatable)"},
  {"from", 0, O_FROM, "STEP", "start at this step"},
  {"dry-run", 0, O_DRY_RUN, NULL, "print every command; execute nothing"},
  {"new", 0, O_NEW, NULL, "start a fresh run instead of continuing the latest"},
  {"run-id", 0, O_RUN_ID, "ID", "use (or continue) the run called ID"},
  {"accept-changes", 0, O_ACCEPT, NULL, "resume although the runbook changed"},
  {"as", 0, O_AS, "NAME", "who is running it"},
  {"after", 0, O_AFTER, "RUN", "the run this one backs out (a roll-out)"},
  {"started-by", 0, O_STARTED_BY, "WATCH", "the watch that started this run"},
  {"ssh-config", 0, O_SSH_CONFIG, "FILE", "the ssh client configuration for steps on hosts"},
  {"accept-new-host-keys", 0, O_ACCEPT_NEW, NULL, "let ssh add the key of a host it has never seen"},
  {"events", 0, O_EVENTS, "FILE|-", "also write the run as JSON Lines events"},
  {"status-page", 0, O_STATUS_PAGE, "FILE", "also keep the live status page at FILE"},
  {"timestamps", 0, O_TIMESTAMPS, NULL, "begin every line of output with the UTC time"},
  {"quiet", 'q', O_QUIET, NULL, "show only warnings, errors, gates and the summary"},
  {"verbose", 'v', O_VERBOSE, NULL, "also show verify values and commands' exit statuses"},
  {NULL, 0, 0, NULL, NULL},
};
static const CliOpt resume_opts[] = {
  {"param", 0, O_PARAM, "NAME=VALUE", "set a param (repeatable)"},
  {"param-file", 0, O_PARAM_FILE, "FILE", "set params from a YAML or JSON file"},
  {"accept-changes", 0, O_ACCEPT, NULL, "resume although the runbook changed"},
  {"as", 0, O_AS, "NAME", "who is running it"},
  {"retry-failed", 0, O_RETRY_FAILED, NULL, "run a failed step on hosts again on its failed hosts"},
  {"ssh-config", 0, O_SSH_CONFIG, "FILE", "the ssh client configuration for steps on hosts"},
  {"accept-new-host-keys", 0, O_ACCEPT_NEW, NULL, "let ssh add the key of a host it has never seen"},
  {"events", 0, O_EVENTS, "FILE|-", "also write the run as JSON Lines events"},
  {"status-page", 0, O_STATUS_PAGE, "FILE", "also keep the live status page at FILE"},
  {"timestamps", 0, O_TIMESTAMPS, NULL, "begin every line of output with the UTC time"},
  {"quiet", 'q', O_QUIET, NULL, "show only warnings, errors, gates and the summary"},
  {"verbose", 'v', O_VERBOSE, NULL, "also show verify values and commands' exit statuses"},
  {NULL, 0, 0, NULL, NULL},
};

/* The one global: a signal handler can reach nothing else. */
static volatile int interrupted;
static int caught_signal;

static void on_signal(int sig) {
  interrupted = 1;
  caught_signal = sig;
}

/* step_time takes one step_end record's duration (and time waited at
** gates) for its step, if that step ran or was replayed. */
static void step_time(const Session *S, StepOutcome *o, const Json *r) {
  const char *name = rr_str(r, "step");
  double d;
  int k;
  if (!name || json_get(r, "undo")) return;
  if ((k = prog_find_step(S->p, name)) < 0) return;
  if (o[k].state == STEP_PENDING || o[k].state == STEP_SKIPPED) return;
  if (rr_secs(json_get(r, "duration"), &d)) o[k].duration = d;
  o[k].waited = rr_secs(json_get(r, "waited"), &d) ? d : 0;
}

/* journal_times sets the duration (and time waited at gates) of each
** step that ran from its last step_end in the journal, whoever ran it
** (a replay takes no time): the summary after a resume is the run's.
** The records the session opened with are already parsed (and their
** chain verified) in S->jr; only the lines this process appended since
** are read back, so a resume reads a long journal once, not twice. */
static void journal_times(const Session *S, StepOutcome *o) {
  const Journal *j = &S->jr;
  uint64_t from = j->nrecs ? j->recs[j->nrecs - 1].offset + j->recs[j->nrecs - 1].len + 1 : 0;
  size_t i;
  for (i = 0; i < j->nrecs; i++)
    if (strcmp(j->recs[i].type, "step_end") == 0) step_time(S, o, jrn_rec_json(&j->recs[i]));
  if (j->fd >= 0 && j->size > from && j->size - from < ((uint64_t)1 << 30)) {
    size_t n = (size_t)(j->size - from), got = 0, at = 0;
    char *p = mem_alloc(n + 1);
    while (got < n) {
      ssize_t k = pread(j->fd, p + got, n - got, (off_t)(from + got));
      if (k < 0 && errno == EINTR) continue;
      if (k <= 0) break;
      got += (size_t)k;
    }
    while (at < got) {
      char *nl = memchr(p + at, '\n', got - at);
      size_t len = nl ? (size_t)(nl - (p + at)) : got - at;
      if (memmem(p + at, len, "\"type\":\"step_end\"", 18)) {
        char perr[8];
        Json *r = json_parse(p + at, len, perr, sizeof perr);
        if (r) step_time(S, o, r);
        json_free(r);
      }
      at += len + 1;
    }
    mem_free(p);
  }
}

/* select_steps marks the steps --only and --from select; their number. */
static int select_steps(const Program *p, const RunArgs *a, int *selected) {
  uint32_t k;
  int seen = a->from == NULL, total = 0;
  for (k = 0; k < p->nsteps; k++) {
    int j, in = a->nonly == 0;
    if (!seen && strcmp(p->steps[k].name, a->from) == 0) seen = 1;
    for (j = 0; j < a->nonly; j++)
      if (strcmp(a->only[j], p->steps[k].name) == 0) in = 1;
    selected[k] = seen && in;
    total += selected[k];
  }
  return total;
}

static int step_exists(const Program *p, const char *name) {
  uint32_t i;
  if (prog_find_step(p, name) >= 0) return 1;
  fprintf(stderr, "rbk run: no step called '%s'; the steps are:", name);
  for (i = 0; i < p->nsteps; i++) fprintf(stderr, " %s", p->steps[i].name);
  fputc('\n', stderr);
  return 0;
}

/* --param-file: its entries, which a->keys and a->vals point into */
static ParamFile param_file;

static int execute(RunArgs *a) {
  Session S;
  Term T;
  int *selected = NULL, rc = EXIT_USAGE, i;
  VmResult r;
  const NativeInfo *natives;
  uint32_t nnatives;
  struct sigaction sa;
  Program *p;
  VM *vm;

  if (runui_load(&S, &T, "run", a) != 0) {
    session_close(&S);
    return EXIT_USAGE;
  }
  p = S.p;
  vm = &S.vm;
  vm->interrupt = &interrupted;
  /* a key of the --param-file the runbook does not declare: at its place in the file */
  if (cli_params_check_program(&param_file, p) != 0) goto done;
  for (i = 0; i < a->nonly; i++)
    if (!step_exists(p, a->only[i])) goto done;
  if (a->from && !step_exists(p, a->from)) goto done;
  selected = mem_calloc((p->nsteps + 1) * sizeof *selected);
  T.selected = selected;
  S.ev.selected = selected;
  T.total = select_steps(p, a, selected);
  if (a->dry) {
    r = run_params(vm, &S.o);
    if (r == VM_OK) rc = dryrun(vm, stdout, selected) == 0 ? EXIT_OK : EXIT_USAGE;
    else term_failure(&T, vm, "");
    goto done;
  }

  /* Params are checked before any run is created, so that a mistyped
  ** --param is a usage error, not a failed run that must be started anew. */
  natives = stdlib_natives(&nnatives);
  {
    VM pre;
    VmHost none;
    memset(&none, 0, sizeof none);
    vm_init(&pre, p, natives, nnatives, &none, &run_runtime);
    pre.state_dir = S.state;
    r = run_params(&pre, &S.o);
    if (r != VM_OK) {
      term_failure(&T, &pre, "");
      vm_free(&pre);
      goto done;
    }
    vm_free(&pre);
  }

  if ((rc = session_open(&S, a)) != 0) goto done;
  rc = EXIT_USAGE;
  T.total = select_steps(p, a, selected);   /* a resume may have taken the run's own selection */
  if (S.finished) {
    fprintf(stdout, "run %s has already finished (%s); nothing to do. 'rbk run --new' starts a fresh run.\n", S.id,
            S.end_state ? S.end_state : "?");
    rc = S.end_state && strcmp(S.end_state, "succeeded") == 0 ? EXIT_OK : EXIT_FAILED;
    goto done;
  }
  if (T.verbose >= 0) fprintf(stdout, "%s %s (journal %s/journal.jsonl)\n", S.is_new ? "run" : "resuming run", S.id, S.dir);

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);   /* the terminal closed: journaled as Ctrl-C is */

  if (T.verbose >= 0)
    fprintf(stdout, "%s%s%s%s%s\n", T.color ? "\033[1m" : "", p->title[0] ? p->title : a->file,
            p->version[0] ? " v" : "", p->version, T.color ? "\033[0m" : "");
  r = run_params(vm, &S.o);
  if (r == VM_FAILED && (vm->paused || vm->diverged)) r = VM_PAUSED;
  if (r == VM_OK && S.interactive_log) {
    /* A run someone worked on at the REPL: its actions again, in their
    ** order, then the steps still to do. */
    r = session_replay(&S, REPLAY_CONTINUE, 0);
    while (r == VM_OK) {
      int k = session_next_pending(&S);
      if (k < 0) break;
      r = session_step(&S, k);
    }
    journal_times(&S, S.out);
    term_summary(&T, p, S.out);
  } else if (r == VM_OK) {
    r = run_runbook(vm, &S.o, &S.hooks, S.out);
    if (!S.is_new) journal_times(&S, S.out);
    term_summary(&T, p, S.out);
  } else if (r == VM_FAILED) {
    term_failure(&T, vm, "");
  }
  if (S.fx.replayed && T.verbose >= 0) fprintf(stdout, "(%llu effects replayed from the journal)\n", (unsigned long long)S.fx.replayed);
  if (S.jr.broken) {
    /* Not a failure of the run: it stopped, and a resume continues it. */
    rc = session_lost(&S);
  } else if (r == VM_INTERRUPTED || interrupted) {
    char f[64], why[512];
    snprintf(f, sizeof f, "\"signal\":\"%s\"", caught_signal == SIGTERM ? "TERM" : caught_signal == SIGHUP ? "HUP" : "INT");
    jrn_append(&S.jr, "interrupted", f, why, sizeof why);
    fprintf(stderr, "rbk run: interrupted; 'rbk resume %s' continues the run\n", S.id);
    rc = EXIT_INTERRUPTED;
  } else if (r == VM_PAUSED && vm->diverged) {
    /* Not a failure of the run: it cannot go on until the runbook and its
    ** journal agree again. Nothing is marked finished. */
    term_failure(&T, vm, "");
    fprintf(stderr, "rbk run: run %s stopped: the runbook no longer does what the journal recorded. Undo the "
                    "edit and resume, or start a fresh run with --new.\n", S.id);
    rc = EXIT_USAGE;
  } else if (r == VM_PAUSED) {
    term_waiting(&T, vm, S.id, 0);
    rc = EXIT_WAITING;
  } else {
    rc = session_end(&S, r == VM_OK) != 0 ? session_lost(&S) : r == VM_OK ? EXIT_OK : EXIT_FAILED;
  }
  {   /* the records not synced yet: a failure to sync them is a failure to write them */
    char why[JRN_PATH_MAX + 256];
    if (!S.jr.broken && jrn_sync(&S.jr, why, sizeof why) != 0) rc = session_lost(&S);
  }
done:
  session_events_end(&S, rc);
  session_close(&S);
  mem_free(selected);
  return rc;
}

/* parse_common reads the command line of run or resume (their tables
** at the top); returns 0, a usage error, or -1 after printing help. */
static int parse_common(const char *cmd, int argc, char **argv, RunArgs *a, const char **positional) {
  const int is_run = strcmp(cmd, "run") == 0;
  CliParser P;
  int c, rc = 0;
  char why[300];
  cli_parse_init(&P, cmd, is_run ? usage_run : usage_resume, is_run ? run_opts : resume_opts, argc, argv);
  while (rc == 0 && (c = cli_next(&P)) != CLI_END) {
    char *v = (char *)(uintptr_t)P.value, *eq;
    switch (c) {
    case CLI_HELP: rc = -1; break;
    case CLI_ERROR: rc = EXIT_USAGE; break;
    case O_PARAM:
      eq = strchr(v, '=');
      if (!eq || eq == v) {
        rc = cli_usage_error(cmd, "--param needs NAME=VALUE, got '%s'", v);
        break;
      }
      *eq = '\0';
      a->keys[a->nkv] = v;
      a->vals[a->nkv++] = eq + 1;
      break;
    case O_PARAM_FILE: rc = cli_param_file(cmd, &param_file, v); break;
    case O_ONLY: a->only[a->nonly++] = v; break;
    case O_FROM: a->from = v; break;
    case O_AS: a->as = v; break;
    case O_RUN_ID:
      a->run_id = v;
      if (state_id_check(a->run_id, STATE_ID_MAX, why, sizeof why) != 0) rc = cli_usage_error(cmd, "--run-id %s", why);
      break;
    case O_DRY_RUN: a->dry = 1; break;
    case O_NEW: a->new_run = 1; break;
    case O_ACCEPT: a->accept = 1; break;
    case O_EVENTS: a->events = v; break;
    case O_STATUS_PAGE:
      a->status_page = v;
      if (!v[0]) rc = cli_usage_error(cmd, "--status-page needs a file");
      break;
    case O_TIMESTAMPS: a->timestamps = 1; break;
    case O_QUIET: a->verbose = -1; break;
    case O_VERBOSE: a->verbose = 1; break;
    case O_SSH_CONFIG: setenv("RBK_SSH_CONFIG", v, 1); break;   /* steps on hosts: run/ssh.c reads it */
    case O_ACCEPT_NEW: setenv("RBK_SSH_ACCEPT_NEW_HOST_KEYS", "1", 1); break;
    case O_STARTED_BY: a->started_by = v; break;
    case O_AFTER: a->after = v; break;
    case O_RETRY_FAILED:
      a->retry_failed = 1;
      fleet_retry_failed(1);
      break;
    case CLI_ARG:
      if (*positional)
        rc = cli_usage_error(cmd, "one %s at a time (got '%s' and '%s')", is_run ? "FILE" : "RUN", *positional, v);
      else
        *positional = v;
      break;
    default: break;
    }
  }
  cli_parse_free(&P);
  if (rc == 0 && param_file.path) {
    /* the file's params first, so that a --param of the same name wins */
    const char **k, **vv;
    cli_params_join(&param_file, a->keys, a->vals, &a->nkv, argc + 64, &k, &vv);
    mem_free(a->keys);
    mem_free(a->vals);
    a->keys = k;
    a->vals = vv;
  }
  return rc;
}

static void init_args(RunArgs *a, int argc) {
  memset(a, 0, sizeof *a);
  /* room for every argument, and for params a resumed run carries over */
  a->keys = mem_calloc(((size_t)argc + 64) * sizeof(char *));
  a->vals = mem_calloc(((size_t)argc + 64) * sizeof(char *));
  a->only = mem_calloc(((size_t)argc + 1) * sizeof(char *));
}

static void free_args(RunArgs *a) {
  paramfile_free(&param_file);
  mem_free(a->cause);
  mem_free(a->keys);
  mem_free(a->vals);
  mem_free(a->only);
}

int cmd_run(int argc, char **argv) {
  RunArgs a;
  const char *file = NULL;
  int rc;
  init_args(&a, argc);
  rc = parse_common("run", argc, argv, &a, &file);
  if (rc < 0) {
    free_args(&a);
    return EXIT_OK;
  }
  if (rc == 0 && !file) rc = cli_usage_error("run", "no FILE given");
  if (rc == 0) {
    a.file = file;
    rc = execute(&a);
  }
  free_args(&a);
  return rc;
}

int cmd_resume(int argc, char **argv) {
  RunArgs a;
  const char *run = NULL;
  char picked[4096];
  char *owned = NULL;
  int rc;
  init_args(&a, argc);
  rc = parse_common("resume", argc, argv, &a, &run);
  if (rc < 0) {
    free_args(&a);
    return EXIT_OK;
  }
  if (rc == 0 && !run) {   /* RUN left out: the one run waiting or interrupted */
    rc = cli_pick_run("resume", PICK_RESUMABLE, NULL, picked, sizeof picked);
    run = picked;
  }
  if (rc == 0) rc = session_locate("resume", run, &a, &owned);
  if (rc == 0) rc = execute(&a);
  mem_free(owned);
  free_args(&a);
  return rc;
}
