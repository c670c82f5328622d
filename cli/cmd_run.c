/*
** cmd_run.c -- `rbk run FILE`: execute a runbook (source or .rbc).
*/
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "../stdlib/natives.h"
#include "../vm/mem.h"
#include "../vm/runbook.h"
#include "cli.h"
#include "dryrun.h"
#include "load.h"
#include "term.h"

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
  "Options:\n"
  "  --param NAME=VALUE  set a param (repeatable); the value takes the type\n"
  "                      of the param's default (number, duration, true/false)\n"
  "  --only STEP         run only this step (repeatable)\n"
  "  --from STEP         start at this step, skipping those before it\n"
  "  --dry-run           print every command with its interpolations resolved,\n"
  "                      and mark each branch that depends on a run-time\n"
  "                      result (both sides shown); nothing is executed\n"
  "  -h, --help          show this text\n"
  "\n"
  "On a terminal, manual, ask and approve prompt for an answer; without\n"
  "one they fail the step (pausing for 'rbk approve' comes with the journal).\n"
  "\n"
  "Exit status:\n"
  "  0    every step succeeded (or recovered)\n"
  "  1    a step or a requirement failed\n"
  "  2    usage error, or the runbook does not compile\n"
  "  130  interrupted (Ctrl-C or SIGTERM)\n";

/* The one global: a signal handler can reach nothing else. */
static volatile int interrupted;

static void on_signal(int sig) {
  (void)sig;
  interrupted = 1;
}

static int step_exists(const Program *p, const char *name) {
  if (prog_find_step(p, name) >= 0) return 1;
  fprintf(stderr, "rbk run: no step called '%s'; the steps are:", name);
  {
    uint32_t i;
    for (i = 0; i < p->nsteps; i++) fprintf(stderr, " %s", p->steps[i].name);
  }
  fputc('\n', stderr);
  return 0;
}

int cmd_run(int argc, char **argv) {
  const char **keys = mem_calloc((size_t)argc * sizeof *keys);
  const char **vals = mem_calloc((size_t)argc * sizeof *vals);
  const char **only = mem_calloc((size_t)argc * sizeof *only);
  const char *file = NULL, *from = NULL;
  int nkv = 0, nonly = 0, i, rc = EXIT_USAGE, dry = 0;
  int *selected = NULL;
  Program *p = NULL;
  StepOutcome *out = NULL;
  RunOptions o;
  Term t;
  VmHost host;
  RunHooks hooks;
  VM vm;
  VmResult r;
  const NativeFn *natives;
  uint32_t nnatives;
  struct sigaction sa;
  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--param") == 0 || strcmp(a, "--only") == 0 || strcmp(a, "--from") == 0) {
      if (i + 1 >= argc) { rc = cli_usage_error("run", "%s needs a value", a); goto done; }
      if (a[2] == 'p') {
        char *eq = strchr(argv[++i], '=');
        if (!eq || eq == argv[i]) { rc = cli_usage_error("run", "--param needs NAME=VALUE, got '%s'", argv[i]); goto done; }
        *eq = '\0';
        keys[nkv] = argv[i];
        vals[nkv++] = eq + 1;
      } else if (a[2] == 'o') {
        only[nonly++] = argv[++i];
      } else {
        from = argv[++i];
      }
    } else if (strcmp(a, "--dry-run") == 0) {
      dry = 1;
    } else if (cli_is_help(a)) {
      fputs(usage_run, stdout);
      rc = EXIT_OK;
      goto done;
    } else if (a[0] == '-' && a[1]) {
      rc = cli_usage_error("run", "unknown option '%s'", a);
      goto done;
    } else if (file) {
      rc = cli_usage_error("run", "one FILE at a time (got '%s' and '%s')", file, a);
      goto done;
    } else {
      file = a;
    }
  }
  if (!file) { rc = cli_usage_error("run", "no FILE given"); goto done; }
  p = load_program("run", file);
  if (!p) goto done;
  for (i = 0; i < nonly; i++)
    if (!step_exists(p, only[i])) goto done;
  if (from && !step_exists(p, from)) goto done;

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);

  term_init(&t);
  term_host(&t, &host);
  term_hooks(&t, &hooks);
  natives = stdlib_natives(&nnatives);
  vm_init(&vm, p, natives, nnatives, &host);
  vm.interrupt = &interrupted;
  t.vm = &vm;
  memset(&o, 0, sizeof o);
  o.keys = keys;
  o.vals = vals;
  o.nkv = nkv;
  o.only = only;
  o.nonly = nonly;
  o.from = from;
  out = mem_calloc((p->nsteps + 1) * sizeof *out);
  selected = mem_calloc((p->nsteps + 1) * sizeof *selected);
  {
    uint32_t k;
    int seen = from == NULL;
    for (k = 0; k < p->nsteps; k++) {
      int j, in = nonly == 0;
      if (!seen && strcmp(p->steps[k].name, from) == 0) seen = 1;
      for (j = 0; j < nonly; j++)
        if (strcmp(only[j], p->steps[k].name) == 0) in = 1;
      selected[k] = seen && in;
      t.total += selected[k];
    }
  }
  fprintf(stdout, "%s%s%s%s%s\n", t.color ? "\033[1m" : "", p->title[0] ? p->title : file,
          p->version[0] ? " v" : "", p->version, t.color ? "\033[0m" : "");
  r = run_params(&vm, &o);
  if (r == VM_FAILED) {
    term_failure(&t, &vm, "");
    rc = EXIT_USAGE;
  } else if (r == VM_OK && dry) {
    rc = dryrun(&vm, stdout, selected) == 0 ? EXIT_OK : EXIT_USAGE;
  } else if (r == VM_OK) {
    r = run_runbook(&vm, &o, &hooks, out);
    term_summary(&t, p, out);
    rc = r == VM_OK ? EXIT_OK : r == VM_INTERRUPTED ? EXIT_INTERRUPTED : EXIT_FAILED;
  }
  if (r == VM_INTERRUPTED || interrupted) {
    fprintf(stderr, "rbk run: interrupted\n");
    rc = EXIT_INTERRUPTED;
  }
  vm_free(&vm);
done:
  if (p) prog_free(p);
  mem_free(out);
  mem_free(selected);
  mem_free(keys);
  mem_free(vals);
  mem_free(only);
  return rc;
}
