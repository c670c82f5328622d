/*
** cmd_run.c -- `rbk run FILE` and `rbk resume RUN`: execute a runbook
** under a durable journal, resuming an interrupted run by replay.
*/
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../stdlib/natives.h"
#include "../vm/json.h"
#include "../vm/durable.h"
#include "../vm/mem.h"
#include "../vm/runbook.h"
#include "../vm/sha256.h"
#include "cli.h"
#include "dryrun.h"
#include "load.h"
#include "runctl.h"
#include "state.h"
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
  "Every effect is journaled (durably, before the run goes on) in\n"
  "STATE/runs/ID/journal.jsonl, where STATE is RBK_STATE_DIR or .rbk/ beside\n"
  "the runbook. Running the same runbook again continues its latest run: a\n"
  "finished run says so and does nothing; an interrupted or waiting one\n"
  "resumes by replaying the journal, so nothing that finished is done twice.\n"
  "\n"
  "Options:\n"
  "  --param NAME=VALUE  set a param (repeatable); the value takes the type\n"
  "                      of the param's default (number, duration, true/false)\n"
  "  --only STEP         run only this step (repeatable)\n"
  "  --from STEP         start at this step, skipping those before it\n"
  "  --dry-run           print every command with its interpolations resolved,\n"
  "                      and mark each branch that depends on a run-time\n"
  "                      result (both sides shown); nothing is executed\n"
  "  --new               start a fresh run instead of continuing the latest\n"
  "  --run-id ID         use (or continue) the run called ID\n"
  "  --accept-changes    resume although the runbook changed since the run\n"
  "                      began (the step-level difference is shown first)\n"
  "  --as NAME           who is running it (default: the login name)\n"
  "  -h, --help          show this text\n"
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
  "  130  interrupted (Ctrl-C or SIGTERM); 'rbk resume RUN' continues it\n";

const char usage_resume[] =
  "Usage: rbk resume RUN [--accept-changes] [--param NAME=VALUE]...\n"
  "\n"
  "Continue an interrupted or waiting run. The runbook is re-executed from\n"
  "the start; every effect the journal holds a result for is answered from\n"
  "it instead of being done again, so variables, branches and answers come\n"
  "back exactly. An effect that started but never finished is in doubt: in\n"
  "an idempotent step it runs again; otherwise you are asked to re-run,\n"
  "skip or mark it done (without a terminal: 'rbk answer RUN rerun|skip|done').\n"
  "RUN is a run ID (in RBK_STATE_DIR, else ./.rbk) or a run directory.\n"
  "\n"
  "Exit status: as 'rbk run'.\n";

/* The one global: a signal handler can reach nothing else. */
static volatile int interrupted;
static int caught_signal;

static void on_signal(int sig) {
  interrupted = 1;
  caught_signal = sig;
}

static int step_exists(const Program *p, const char *name) {
  uint32_t i;
  if (prog_find_step(p, name) >= 0) return 1;
  fprintf(stderr, "rbk run: no step called '%s'; the steps are:", name);
  for (i = 0; i < p->nsteps; i++) fprintf(stderr, " %s", p->steps[i].name);
  fputc('\n', stderr);
  return 0;
}

/* The SHA-256 of each step's source: from its declaration to the next. */
static void step_hash(const Program *p, uint32_t i, char hex[65]) {
  uint32_t b = p->steps[i].pos, e = i + 1 < p->nsteps ? p->steps[i + 1].pos : p->src->len;
  uint8_t d[32];
  if (e < b) e = b;
  sha256(p->src->text + b, e - b, d);
  sha256_hex(d, hex);
}

typedef struct RunArgs {
  const char *file;            /* the runbook */
  const char *run_id;          /* NULL: latest or new */
  int new_run, accept, dry, nkv, nonly;
  const char *from, *as;
  const char **keys, **vals, **only;
} RunArgs;

/* changed_steps compares the steps recorded at run start with prog's. */
static int changed_steps(const Json *steps, const Program *p, Buf *names) {
  uint32_t i;
  size_t k, n = json_len(steps);
  int changed = 0;
  for (i = 0; i < p->nsteps; i++) {
    char hex[65];
    const char *was = NULL;
    step_hash(p, i, hex);
    for (k = 0; k < n; k++) {
      const Json *s = json_at(steps, k);
      const char *nm = json_str(json_get(s, "name"), NULL);
      if (nm && strcmp(nm, p->steps[i].name) == 0) was = json_str(json_get(s, "sha256"), NULL);
    }
    if (!was || strcmp(was, hex) != 0) {
      fprintf(stderr, "  %s step %s\n", was ? "changed" : "added  ", p->steps[i].name);
      if (names->n) buf_putc(names, ',');
      json_put_str(names, p->steps[i].name, strlen(p->steps[i].name));
      changed++;
    }
  }
  for (k = 0; k < n; k++) {
    const char *nm = json_str(json_get(json_at(steps, k), "name"), NULL);
    if (nm && prog_find_step(p, nm) < 0) {
      fprintf(stderr, "  removed step %s\n", nm);
      if (names->n) buf_putc(names, ',');
      json_put_str(names, nm, strlen(nm));
      changed++;
    }
  }
  return changed;
}

static int on_choice(void *ud, const char *text, const char *const *options, int n) {
  Term *t = ud;
  char line[256];
  int k;
  if (!t->interactive) return -1;
  fprintf(t->out, "  IN DOUBT %s\n", text);
  for (;;) {
    fprintf(t->out, "  Choose ");
    for (k = 0; k < n; k++) fprintf(t->out, "%s%s", k ? "/" : "", options[k]);
    fprintf(t->out, ": ");
    fflush(t->out);
    if (!fgets(line, sizeof line, stdin)) return -1;
    line[strcspn(line, "\r\n")] = '\0';
    for (k = 0; k < n; k++)
      if (strcmp(line, options[k]) == 0) return k;
  }
}

static int execute(RunArgs *a) {
  char state[4096], name[512], id[600], dir[4800], why[1024], srcpath[5000];
  Program *p = NULL;
  StepOutcome *out = NULL;
  int *selected = NULL, lockfd = -1, rc = EXIT_USAGE, i;
  Journal jr;
  JrnOpenReport rep;
  Effects fx;
  RunOptions o;
  Term t;
  VmHost host;
  RunHooks hooks;
  VM vm;
  VmResult r;
  const NativeInfo *natives;
  uint32_t nnatives;
  struct sigaction sa;
  pid_t holder = 0;
  double t0 = vm_now();
  int vm_ready = 0, fx_ready = 0;
  memset(&jr, 0, sizeof jr);
  jr.fd = -1;

  p = load_program(a->file);
  if (!p) return EXIT_USAGE;
  if (load_bind(p) != 0) goto done;
  state_dir_for_runbook(a->file, state, sizeof state);
  for (i = 0; i < a->nonly; i++)
    if (!step_exists(p, a->only[i])) goto done;
  if (a->from && !step_exists(p, a->from)) goto done;

  term_init(&t);
  term_host(&t, &host);
  host.on_choice = on_choice;
  term_hooks(&t, &hooks);
  natives = stdlib_natives(&nnatives);
  vm_init(&vm, p, natives, nnatives, &host);
  vm_ready = 1;
  vm.state_dir = state;
  vm.interrupt = &interrupted;
  vm.operator_name = a->as ? a->as : login_name();
  t.vm = &vm;
  memset(&o, 0, sizeof o);
  o.keys = a->keys;
  o.vals = a->vals;
  o.nkv = a->nkv;
  o.only = a->only;
  o.nonly = a->nonly;
  o.from = a->from;
  out = mem_calloc((p->nsteps + 1) * sizeof *out);
  selected = mem_calloc((p->nsteps + 1) * sizeof *selected);
  {
    uint32_t k;
    int seen = a->from == NULL;
    for (k = 0; k < p->nsteps; k++) {
      int j, in = a->nonly == 0;
      if (!seen && strcmp(p->steps[k].name, a->from) == 0) seen = 1;
      for (j = 0; j < a->nonly; j++)
        if (strcmp(a->only[j], p->steps[k].name) == 0) in = 1;
      selected[k] = seen && in;
      t.total += selected[k];
    }
  }
  if (a->dry) {
    r = run_params(&vm, &o);
    if (r == VM_OK) rc = dryrun(&vm, stdout, selected) == 0 ? EXIT_OK : EXIT_USAGE;
    else term_failure(&t, &vm, "");
    goto done;
  }

  /* Params are checked before any run is created, so that a mistyped
  ** --param is a usage error, not a failed run that must be started anew. */
  {
    VM pre;
    VmHost none;
    memset(&none, 0, sizeof none);
    vm_init(&pre, p, natives, nnatives, &none);
    pre.state_dir = state;
    r = run_params(&pre, &o);
    if (r != VM_OK) {
      term_failure(&t, &pre, "");
      vm_free(&pre);
      goto done;
    }
    vm_free(&pre);
  }

  /* The run: which one, locked, journal open. */
  state_runbook_name(a->file, name, sizeof name);
  if (a->run_id) snprintf(id, sizeof id, "%s", a->run_id);
  else if (a->new_run || state_latest(state, name, id, sizeof id) != 0) state_new_id(state, name, id, sizeof id);
  state_run_dir(state, id, dir, sizeof dir);
  if (jrn_mkdirs(dir, why, sizeof why) != 0) {
    fprintf(stderr, "rbk run: %s\n", why);
    goto done;
  }
  if (jrn_lock(dir, &lockfd, &holder, why, sizeof why) != 0) {
    fprintf(stderr, "rbk run: run %s is being executed by process %ld; not starting a second one\n", id, (long)holder);
    rc = 4;
    goto done;
  }
  if (jrn_open(&jr, dir, 1, &rep, why, sizeof why) != 0) {
    fprintf(stderr, "rbk run: %s/%s\n", dir, why);
    goto done;
  }
  if (rep.torn_bytes)
    fprintf(stderr, "rbk run: the last journal record was torn (%zu bytes, %s); set aside in %s\n", rep.torn_bytes,
            rep.torn_reason, rep.torn_path);

  if (jr.nrecs == 0) {
    /* A new run: keep the runbook as it is now, and say what starts. */
    Buf f = BUF_INIT;
    char hex[65], host_name[256];
    uint32_t k;
    snprintf(srcpath, sizeof srcpath, "%s/source.rbk", dir);
    if (durable_replace(srcpath, p->src->text, p->src->len, 0600, why, sizeof why) != 0) {
      fprintf(stderr, "rbk run: %s\n", why);
      goto done;
    }
    sha256_hex(p->src_sha256, hex);
    if (gethostname(host_name, sizeof host_name) != 0) strcpy(host_name, "unknown");
    host_name[sizeof host_name - 1] = '\0';
    buf_puts(&f, "\"run\":");
    json_put_str(&f, id, strlen(id));
    buf_puts(&f, ",\"runbook\":");
    json_put_str(&f, a->file, strlen(a->file));
    buf_puts(&f, ",\"title\":");
    json_put_str(&f, p->title, strlen(p->title));
    buf_printf(&f, ",\"source_sha256\":\"%s\",\"steps\":[", hex);
    for (k = 0; k < p->nsteps; k++) {
      char sh[65];
      step_hash(p, k, sh);
      buf_puts(&f, k ? ",{\"name\":" : "{\"name\":");
      json_put_str(&f, p->steps[k].name, strlen(p->steps[k].name));
      buf_printf(&f, ",\"sha256\":\"%s\"}", sh);
    }
    buf_puts(&f, "],\"params\":{");
    for (i = 0; i < a->nkv; i++) {
      int secret = 0;
      uint32_t q;
      for (q = 0; q < p->nparams; q++)
        if (strcmp(p->params[q].name, a->keys[i]) == 0) secret = p->params[q].secret;
      if (i) buf_putc(&f, ',');
      json_put_str(&f, a->keys[i], strlen(a->keys[i]));
      buf_putc(&f, ':');
      if (secret) buf_puts(&f, "\"***\"");
      else json_put_str(&f, a->vals[i], strlen(a->vals[i]));
    }
    buf_puts(&f, "},\"operator\":");
    json_put_str(&f, vm.operator_name, strlen(vm.operator_name));
    buf_puts(&f, ",\"host\":");
    json_put_str(&f, host_name, strlen(host_name));
    buf_printf(&f, ",\"pid\":%ld,\"rbk\":\"%s\"", (long)getpid(), RBK_VERSION);
    if (jrn_append(&jr, "run_start", buf_cstr(&f), why, sizeof why) != 0 ||
        state_set_latest(state, name, id, why, sizeof why) != 0) {
      fprintf(stderr, "rbk run: %s\n", why);
      buf_free(&f);
      goto done;
    }
    buf_free(&f);
    fprintf(stdout, "run %s (journal %s/journal.jsonl)\n", id, dir);
  } else {
    const Json *start = jr.recs[0].json, *last_end = NULL;
    const char *was_sha = json_str(json_get(start, "source_sha256"), NULL);
    char hex[65];
    size_t k;
    Buf f = BUF_INIT;
    for (k = 0; k < jr.nrecs; k++)
      if (strcmp(jr.recs[k].type, "run_end") == 0) last_end = jr.recs[k].json;
    if (last_end) {
      const char *st = json_str(json_get(last_end, "state"), NULL);
      fprintf(stdout, "run %s has already finished (%s); nothing to do. 'rbk run --new' starts a fresh run.\n", id,
              st ? st : "?");
      rc = st && strcmp(st, "succeeded") == 0 ? EXIT_OK : EXIT_FAILED;
      goto done;
    }
    sha256_hex(p->src_sha256, hex);
    if (!was_sha || strcmp(was_sha, hex) != 0) {
      Buf names = BUF_INIT;
      fprintf(stderr, "rbk run: the runbook changed since run %s began:\n", id);
      changed_steps(json_get(start, "steps"), p, &names);
      if (!a->accept) {
        fprintf(stderr, "Refusing to resume it silently. Check the steps above, then rerun with "
                        "--accept-changes (or start a fresh run with --new).\n");
        buf_free(&names);
        goto done;
      }
      buf_puts(&f, "\"by\":");
      json_put_str(&f, vm.operator_name, strlen(vm.operator_name));
      buf_printf(&f, ",\"old_sha256\":\"%s\",\"new_sha256\":\"%s\",\"changed\":[%s]", was_sha ? was_sha : "", hex,
                 buf_cstr(&names));
      buf_free(&names);
      if (jrn_append(&jr, "accept_changes", buf_cstr(&f), why, sizeof why) != 0) {
        fprintf(stderr, "rbk run: %s\n", why);
        buf_free(&f);
        goto done;
      }
      buf_reset(&f);
    }
    /* Params given when the run began hold for the whole run. */
    {
      const Json *given = json_get(start, "params");
      size_t g;
      for (g = 0; g < json_len(given); g++) {
        size_t kl;
        const char *key = json_key(given, g, &kl), *val = json_str(json_at(given, g), NULL);
        int j, found = 0;
        for (j = 0; j < a->nkv; j++) {
          if (strcmp(a->keys[j], key) != 0) continue;
          found = 1;
          if (val && strcmp(val, "***") != 0 && strcmp(val, a->vals[j]) != 0) {
            fprintf(stderr, "rbk run: --param %s differs from the value run %s began with (%s); params are "
                            "fixed for a run (--new starts a fresh one)\n", key, id, val);
            buf_free(&f);
            goto done;
          }
        }
        if (!found && val && strcmp(val, "***") == 0) {
          fprintf(stderr, "rbk run: run %s was given the secret %s on the command line; pass --param %s=... again\n",
                  id, key, key);
          buf_free(&f);
          goto done;
        }
        if (!found && val) {
          a->keys[a->nkv] = key;
          a->vals[a->nkv++] = val;
          o.keys = a->keys;
          o.vals = a->vals;
          o.nkv = a->nkv;
        }
      }
    }
    buf_printf(&f, "\"pid\":%ld,\"operator\":", (long)getpid());
    json_put_str(&f, vm.operator_name, strlen(vm.operator_name));
    buf_printf(&f, ",\"source_sha256\":\"%s\"", hex);
    if (jrn_append(&jr, "resume", buf_cstr(&f), why, sizeof why) != 0) {
      fprintf(stderr, "rbk run: %s\n", why);
      buf_free(&f);
      goto done;
    }
    buf_free(&f);
    fprintf(stdout, "resuming run %s (journal %s/journal.jsonl)\n", id, dir);
  }
  if (fx_attach(&fx, &jr, jr.recs, jr.nrecs, why, sizeof why) != 0) {
    fprintf(stderr, "rbk run: %s/journal.jsonl: %s; refusing to resume\n", dir, why);
    goto done;
  }
  fx_ready = 1;
  vm.fx = &fx;

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);

  fprintf(stdout, "%s%s%s%s%s\n", t.color ? "\033[1m" : "", p->title[0] ? p->title : a->file,
          p->version[0] ? " v" : "", p->version, t.color ? "\033[0m" : "");
  r = run_params(&vm, &o);
  if (r == VM_FAILED && (vm.paused || vm.diverged)) r = VM_PAUSED;
  if (r == VM_OK) {
    r = run_runbook(&vm, &o, &hooks, out);
    term_summary(&t, p, out);
  } else if (r == VM_FAILED) {
    term_failure(&t, &vm, "");
  }
  if (fx.replayed) fprintf(stdout, "(%llu effects replayed from the journal)\n", (unsigned long long)fx.replayed);
  if (r == VM_INTERRUPTED || interrupted) {
    char f[64];
    snprintf(f, sizeof f, "\"signal\":\"%s\"", caught_signal == SIGTERM ? "TERM" : "INT");
    jrn_append(&jr, "interrupted", f, why, sizeof why);
    fprintf(stderr, "rbk run: interrupted; 'rbk resume %s' continues the run\n", id);
    rc = EXIT_INTERRUPTED;
  } else if (r == VM_PAUSED && vm.diverged) {
    /* Not a failure of the run: it cannot go on until the runbook and its
    ** journal agree again. Nothing is marked finished. */
    term_failure(&t, &vm, "");
    fprintf(stderr, "rbk run: run %s stopped: the runbook no longer does what the journal recorded. Undo the "
                    "edit and resume, or start a fresh run with --new.\n", id);
    rc = EXIT_USAGE;
  } else if (r == VM_PAUSED) {
    term_failure(&t, &vm, "");
    fprintf(stderr, "rbk run: run %s is waiting. Answer with 'rbk approve %s --as ROLE', 'rbk confirm %s' or "
                    "'rbk answer %s ...' ('rbk status %s' says which), then 'rbk resume %s'.\n",
            id, id, id, id, id, id);
    rc = 3;
  } else {
    char f[128];
    snprintf(f, sizeof f, "\"state\":\"%s\",\"duration\":%.3f", r == VM_OK ? "succeeded" : "failed", vm_now() - t0);
    if (jrn_append(&jr, "run_end", f, why, sizeof why) != 0) {
      fprintf(stderr, "rbk run: %s\n", why);
      rc = EXIT_FAILED;
    } else {
      rc = r == VM_OK ? EXIT_OK : EXIT_FAILED;
    }
  }
done:
  if (fx_ready) fx_free(&fx);
  if (vm_ready) vm_free(&vm);
  jrn_close(&jr);
  jrn_unlock(lockfd);
  if (p) prog_free(p);
  mem_free(out);
  mem_free(selected);
  return rc;
}

/* parse_common reads the options shared by run and resume. */
static int parse_common(const char *cmd, int argc, char **argv, RunArgs *a, const char **positional) {
  int i;
  for (i = 1; i < argc; i++) {
    const char *s = argv[i];
    if (strcmp(s, "--param") == 0 || strcmp(s, "--only") == 0 || strcmp(s, "--from") == 0 ||
        strcmp(s, "--run-id") == 0 || strcmp(s, "--as") == 0) {
      if (i + 1 >= argc) return cli_usage_error(cmd, "%s needs a value", s);
      if (strcmp(s, "--param") == 0) {
        char *eq = strchr(argv[++i], '=');
        if (!eq || eq == argv[i]) return cli_usage_error(cmd, "--param needs NAME=VALUE, got '%s'", argv[i]);
        *eq = '\0';
        a->keys[a->nkv] = argv[i];
        a->vals[a->nkv++] = eq + 1;
      } else if (strcmp(s, "--only") == 0) {
        a->only[a->nonly++] = argv[++i];
      } else if (strcmp(s, "--from") == 0) {
        a->from = argv[++i];
      } else if (strcmp(s, "--as") == 0) {
        a->as = argv[++i];
      } else {
        a->run_id = argv[++i];
      }
    } else if (strcmp(s, "--dry-run") == 0) {
      a->dry = 1;
    } else if (strcmp(s, "--new") == 0) {
      a->new_run = 1;
    } else if (strcmp(s, "--accept-changes") == 0) {
      a->accept = 1;
    } else if (s[0] == '-' && s[1]) {
      return cli_usage_error(cmd, "unknown option '%s'", s);
    } else if (*positional) {
      return cli_usage_error(cmd, "one %s at a time (got '%s' and '%s')", strcmp(cmd, "run") == 0 ? "FILE" : "RUN",
                             *positional, s);
    } else {
      *positional = s;
    }
  }
  return 0;
}

static void init_args(RunArgs *a, int argc) {
  memset(a, 0, sizeof *a);
  /* room for every argument, and for params a resumed run carries over */
  a->keys = mem_calloc(((size_t)argc + 64) * sizeof(char *));
  a->vals = mem_calloc(((size_t)argc + 64) * sizeof(char *));
  a->only = mem_calloc(((size_t)argc + 1) * sizeof(char *));
}

static void free_args(RunArgs *a) {
  mem_free(a->keys);
  mem_free(a->vals);
  mem_free(a->only);
}

int cmd_run(int argc, char **argv) {
  RunArgs a;
  const char *file = NULL;
  int rc, i;
  for (i = 1; i < argc; i++)
    if (cli_is_help(argv[i])) {
      fputs(usage_run, stdout);
      return EXIT_OK;
    }
  init_args(&a, argc);
  rc = parse_common("run", argc, argv, &a, &file);
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
  char dir[4800], why[512], jpath[5000], src[5000];
  int rc, i;
  FILE *f;
  for (i = 1; i < argc; i++)
    if (cli_is_help(argv[i])) {
      fputs(usage_resume, stdout);
      return EXIT_OK;
    }
  init_args(&a, argc);
  rc = parse_common("resume", argc, argv, &a, &run);
  if (rc == 0 && !run) rc = cli_usage_error("resume", "no RUN given");
  if (rc == 0 && state_find_run(run, dir, sizeof dir, why, sizeof why) != 0) {
    fprintf(stderr, "rbk resume: %s\n", why);
    rc = EXIT_USAGE;
  }
  if (rc == 0) {
    /* The runbook is the one the run began with: its path if it is still
    ** there (changes are then detected), else the copy kept with the run. */
    char line[65536], *runbook = NULL;
    snprintf(jpath, sizeof jpath, "%s/journal.jsonl", dir);
    f = fopen(jpath, "r");
    if (f && fgets(line, sizeof line, f)) {
      Json *j = json_parse(line, strcspn(line, "\n"), why, sizeof why);
      const char *rb = json_str(json_get(j, "runbook"), NULL);
      struct stat st;
      if (rb && stat(rb, &st) == 0) runbook = mem_strdup(rb);
      json_free(j);
    }
    if (f) fclose(f);
    snprintf(src, sizeof src, "%s/source.rbk", dir);
    if (!runbook) runbook = mem_strdup(src);
    a.file = runbook;
    {
      const char *slash = strrchr(dir, '/');
      a.run_id = slash ? slash + 1 : dir;
    }
    /* The state directory is the one holding this run. */
    {
      char state[4800];
      const char *runs = strstr(dir, "/runs/");
      if (runs) {
        snprintf(state, sizeof state, "%.*s", (int)(runs - dir), dir);
        setenv("RBK_STATE_DIR", state, 1);
      }
    }
    rc = execute(&a);
    mem_free(runbook);
  }
  free_args(&a);
  return rc;
}
