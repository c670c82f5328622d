/*
** cmd_undo.c -- `rbk undo RUN`: run the undo blocks of a run's completed
** steps, in reverse order, as a new run linked to the original.
**
** The undo needs the values the original run computed (the row count it
** recorded, the backup path it chose), so it first replays the original
** run from its journal, read-only: nothing is executed, every effect is
** answered from the record. Then it runs the undo blocks live, journaled
** in its own run directory (ORIGINAL-undo), so an interrupted undo is
** resumed by running `rbk undo RUN` again, with the same in-doubt rules.
*/
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../stdlib/natives.h"
#include "../base/json.h"
#include "../base/durable.h"
#include "../base/mem.h"
#include "../run/effects.h"
#include "../run/events.h"
#include "livepage.h"
#include "../run/runbook.h"
#include "../run/runtime.h"
#include "../base/sha256.h"
#include "cli.h"
#include "params.h"
#include "../run/load.h"
#include "../run/runctl.h"
#include "../run/state.h"
#include "../run/trail.h"
#include "term.h"

const char usage_undo[] =
  "Usage: rbk undo [OPTIONS] RUN\n"
  "\n"
  "Reverse a run: run the 'undo' blocks of its completed steps, last step\n"
  "first. The original run is replayed from its journal first (nothing is\n"
  "executed) so that the undo blocks see the values it computed. The undo\n"
  "is a new run, ORIGINAL-undo, linked to the original, journaled and\n"
  "resumable: run 'rbk undo RUN' again to continue it.\n"
  "\n"
  "Completed steps without an undo block are listed as not reversible; the\n"
  "undo starts only when a person accepts that (at the prompt, or --yes).\n"
  "Secret params given on the command line must be given again.\n"
  "\n"
  "Options:\n"
  "  --yes               accept the steps that cannot be reversed; do not ask\n"
  "  --as NAME           who is undoing it (default: the login name)\n"
  "  --started-by WATCH  the watch WATCH started this undo (rbk watch passes\n"
  "                      it): the undo run records the watch, the trigger and\n"
  "                      the probe values that started it\n"
  "  --param NAME=VALUE  give a param again (repeatable)\n"
  "  --param-file FILE   give params from a YAML or JSON file, as for rbk run;\n"
  "                      a --param of the same name wins\n"
  "  --events FILE|-     write the undo run as JSON Lines events, as 'rbk run\n"
  "                      --events' does (docs/events.md)\n"
  "  --status-page FILE  also keep the undo run's live status page at FILE, as\n"
  "                      'rbk run --status-page' does (status.html in the\n"
  "                      undo run's directory is always kept)\n"
  "  --timestamps        begin every line of output with the UTC time\n"
  "  -q, --quiet         show only warnings, errors and gates\n"
  "  -v, --verbose       also show verify values and commands' exit statuses\n"
  "  -h, --help          show this text\n"
  "\n"
  "Exit status: 0 undone (or already undone); 1 an undo block failed, or\n"
  "not reversible steps were not accepted; 2 usage error or no such run;\n"
  "3 waiting for a person; 4 the run is being executed; 5 a journal could\n"
  "not be written (disk full: free space, then 'rbk undo RUN' again);\n"
  "130 interrupted.\n";

static volatile int interrupted;

static void on_signal(int sig) {
  (void)sig;
  interrupted = 1;
}

/* completed marks the steps whose last step_end says ok or recovered. */
static void completed_steps(const Journal *j, const Program *p, int *done, int *last) {
  size_t i;
  uint32_t k2;
  uint8_t *hosts_ok = mem_calloc(p->nsteps + 1);
  *last = -1;
  for (i = 0; i < j->nrecs; i++) {
    const char *t = j->recs[i].type, *name, *st;
    int k;
    if (strcmp(t, "host_end") == 0) {
      /* a step on hosts is undone on the hosts where it completed, even
      ** when it did not complete everywhere (run/fleet.c's fleet_undo) */
      const Json *u = json_get(jrn_rec_json(&j->recs[i]), "undo");
      int isb = 0;
      name = json_str(json_get(jrn_rec_json(&j->recs[i]), "step"), NULL);
      st = json_str(json_get(jrn_rec_json(&j->recs[i]), "state"), NULL);
      k = name ? prog_find_step(p, name) : -1;
      if (k >= 0 && p->steps[k].on_group && st && strcmp(st, "ok") == 0 && !(u && json_bool(u, &isb) && isb))
        hosts_ok[k] = 1;
      continue;
    }
    if (strcmp(t, "step_end") != 0 && strcmp(t, "step_start") != 0) continue;
    name = json_str(json_get(jrn_rec_json(&j->recs[i]), "step"), NULL);
    k = name ? prog_find_step(p, name) : -1;
    if (k < 0) continue;
    if (k > *last) *last = k;
    if (t[5] == 'e') {
      st = json_str(json_get(jrn_rec_json(&j->recs[i]), "state"), NULL);
      done[k] = st && (strcmp(st, "ok") == 0 || strcmp(st, "recovered") == 0);
    }
  }
  for (k2 = 0; k2 < p->nsteps; k2++)
    if (hosts_ok[k2]) done[k2] = 1;
  mem_free(hosts_ok);
}

static int confirm_irreversible(const Program *p, const int *done, int yes) {
  uint32_t i;
  int n = 0;
  char line[64];
  for (i = 0; i < p->nsteps; i++) {
    if (!done[i] || p->steps[i].undo >= 0) continue;
    if (!n) fprintf(stderr, "These completed steps cannot be undone:\n");
    fprintf(stderr, "  %s%s%s\n", p->steps[i].name, p->steps[i].irreversible ? " (irreversible: " : " (no undo block)",
            p->steps[i].irreversible ? p->steps[i].irreversible : "");
    n++;
  }
  if (!n || yes) return 0;
  if (!isatty(0)) {
    fprintf(stderr, "Refusing to undo only part of the run without consent: rerun with --yes to accept.\n");
    return -1;
  }
  fprintf(stderr, "Undo the other steps anyway? [yes/no]: ");
  if (!fgets(line, sizeof line, stdin)) return -1;
  line[strcspn(line, "\r\n")] = '\0';
  return strcmp(line, "yes") == 0 || strcmp(line, "y") == 0 ? 0 : -1;
}

/* The options of undo (its usage above says them in full). */
enum { O_YES = 1, O_AS, O_PARAM, O_EVENTS, O_TIMESTAMPS, O_QUIET, O_VERBOSE, O_PARAM_FILE, O_STARTED_BY, O_STATUS_PAGE };
static const CliOpt undo_opts[] = {
  {"yes", 0, O_YES, NULL, "do not ask for confirmation"},
  {"as", 0, O_AS, "NAME", "who is undoing it"},
  {"started-by", 0, O_STARTED_BY, "WATCH", "the watch that started this undo"},
  {"param", 0, O_PARAM, "NAME=VALUE", "set a param (repeatable)"},
  {"param-file", 0, O_PARAM_FILE, "FILE", "set params from a YAML or JSON file"},
  {"events", 0, O_EVENTS, "FILE|-", "write the undo run as JSON Lines events"},
  {"status-page", 0, O_STATUS_PAGE, "FILE", "also keep the undo run's live status page at FILE"},
  {"timestamps", 0, O_TIMESTAMPS, NULL, "begin every line of output with the UTC time"},
  {"quiet", 'q', O_QUIET, NULL, "show only warnings, errors and gates"},
  {"verbose", 'v', O_VERBOSE, NULL, "also show verify values and commands' exit statuses"},
  {NULL, 0, 0, NULL, NULL},
};

/* --param-file: its entries, which keys and vals point into */
static ParamFile param_file;

int cmd_undo(int argc, char **argv) {
  const char *run = NULL, *as = NULL, *keys[64], *vals[64], *started_by = NULL;
  Buf cause = BUF_INIT;   /* --started-by: the run_start's started_by (run/trail.h) */
  char odir[4800], udir[10000], why[1024], src[5100], uid[4900], state[4800], undo_again[4900];
  int yes = 0, nkv = 0, i, c, rc = EXIT_USAGE, olock = -1, ulock = -1, *done = NULL, last = -1;
  const char *events = NULL, *status_page = NULL;
  LivePage page;
  int events_fd = -1, stamps = 0, verbose = 0, *undone = NULL;
  Events ev;
  RunHooks thooks;
  pid_t holder = 0;
  Journal oj, uj;
  JrnOpenReport rep;
  Program *p = NULL;
  Effects fx1, fx2;
  int fx1_ready = 0, fx2_ready = 0, vm_ready = 0;
  VM vm;
  VmHost quiet, host;
  RunHooks hooks;
  Term t;
  RunOptions o;
  StepOutcome *out = NULL;
  const NativeInfo *natives;
  uint32_t nnatives;
  VmResult r = VM_OK;
  CliParser P;
  double t0 = vm_now();
  struct sigaction sa;
  memset(&oj, 0, sizeof oj);
  memset(&uj, 0, sizeof uj);
  oj.fd = uj.fd = -1;
  cli_parse_init(&P, "undo", usage_undo, undo_opts, argc, argv);
  while ((c = cli_next(&P)) != CLI_END) {
    char *v = (char *)(uintptr_t)P.value, *eq;
    if (c == CLI_HELP || c == CLI_ERROR) break;
    if (c == O_YES) {
      yes = 1;
    } else if (c == O_EVENTS) {
      events = v;
    } else if (c == O_STATUS_PAGE) {
      status_page = v;
    } else if (c == O_TIMESTAMPS) {
      stamps = 1;
    } else if (c == O_QUIET) {
      verbose = -1;
    } else if (c == O_VERBOSE) {
      verbose = 1;
    } else if (c == O_AS) {
      as = v;
    } else if (c == O_STARTED_BY) {
      started_by = v;
    } else if (c == O_PARAM) {
      eq = strchr(v, '=');
      if (!eq || eq == v || nkv == 64) {
        cli_usage_error("undo", "--param needs NAME=VALUE, got '%s'", v);
        c = CLI_ERROR;
        break;
      }
      *eq = '\0';
      keys[nkv] = v;
      vals[nkv++] = eq + 1;
    } else if (c == O_PARAM_FILE) {
      if (cli_param_file("undo", &param_file, v) != 0) {
        c = CLI_ERROR;
        break;
      }
    } else if (c == CLI_ARG && run) {
      cli_usage_error("undo", "one RUN at a time ('%s' and '%s')", run, v);
      c = CLI_ERROR;
      break;
    } else if (c == CLI_ARG) {
      run = v;
    }
  }
  cli_parse_free(&P);
  if (c != CLI_END) return c == CLI_HELP ? EXIT_OK : EXIT_USAGE;
  if (!run) return cli_usage_error("undo", "no RUN given");
  for (i = 0; i < (int)param_file.n && nkv < 64; i++) {   /* the file's, unless a --param gives the same */
    int j, have = 0;
    for (j = 0; j < nkv; j++) have |= strcmp(keys[j], param_file.v[i].key) == 0;
    if (!have) {
      keys[nkv] = param_file.v[i].key;
      vals[nkv++] = param_file.v[i].val;
    }
  }
  if (events && (events_fd = events_open_path(events, why, sizeof why)) < 0) {
    fprintf(stderr, "rbk undo: --events: %s\n", why);
    return EXIT_USAGE;
  }
  if (stamps && term_timestamps(&t) != 0) fprintf(stderr, "rbk undo: --timestamps: cannot start\n");
  events_init(&ev, events_fd, NULL);
  livepage_init(&page, "undo", status_page);
  ev.changed = livepage_changed;   /* the undo run's live status page */
  ev.changed_ud = &page;
  snprintf(undo_again, sizeof undo_again, "'rbk undo %s' continues the undo", run);
  if (state_find_run(run, odir, sizeof odir, why, sizeof why) != 0) {
    fprintf(stderr, "rbk undo: %s\n", why);
    return EXIT_USAGE;
  }
  if (started_by) {
    /* the watch is in the state directory of the run it undoes */
    char st[JRN_PATH_MAX];
    const char *runs = strstr(odir, "/runs/");
    snprintf(st, sizeof st, "%.*s", runs ? (int)(runs - odir) : 1, runs ? odir : ".");
    if (trail_watch_cause(st, started_by, &cause, why, sizeof why) != 0) {
      fprintf(stderr, "rbk undo: --started-by %s: %s\n", started_by, why);
      buf_free(&cause);
      return EXIT_USAGE;
    }
  }
  if (jrn_lock(odir, &olock, &holder, why, sizeof why) != 0) {
    fprintf(stderr, "rbk undo: run %s is being executed by process %ld\n", run, (long)holder);
    buf_free(&cause);
    return 4;
  }
  if (jrn_open(&oj, odir, 0, &rep, why, sizeof why) != 0 || oj.nrecs == 0) {
    fprintf(stderr, "rbk undo: %s\n", oj.nrecs == 0 && !why[0] ? "the run's journal is empty" : why);
    goto done;
  }
  {
    /* A run worked on at the REPL is an action log (docs/journal.md): its
    ** steps may have run out of order, again, or been undone already, so
    ** the read-only replay below, step after step, would not match it. */
    size_t k;
    for (k = 0; k < oj.nrecs; k++)
      if (strcmp(oj.recs[k].type, "repl_start") == 0) {
        fprintf(stderr, "rbk undo: run %s was worked on at the REPL, where steps may run out of order or "
                        "again; rbk undo cannot reverse such a run yet. While a run is open, undo its steps "
                        "at the REPL: rbk repl --run RUN, then :undo STEP\n", run);
        goto done;
      }
  }
  snprintf(src, sizeof src, "%s/source.rbk", odir);
  p = load_program(src);
  if (!p || load_bind(p) != 0) goto done;
  if (cli_params_check_program(&param_file, p) != 0) goto done;
  done = mem_calloc((p->nsteps + 1) * sizeof *done);
  undone = mem_calloc((p->nsteps + 1) * sizeof *undone);
  ev.p = p;
  out = mem_calloc((p->nsteps + 1) * sizeof *out);
  completed_steps(&oj, p, done, &last);
  for (i = 0; i < (int)p->nsteps; i++) undone[i] = done[i] && p->steps[i].undo >= 0;
  ev.selected = undone;
  ev.reverse = 1;

  /* The undo run: ORIGINAL-undo beside the original. */
  {
    const char *slash = strrchr(odir, '/');
    const char *runs = strstr(odir, "/runs/");
    snprintf(uid, sizeof uid, "%s-undo", slash ? slash + 1 : odir);
    snprintf(state, sizeof state, "%.*s", runs ? (int)(runs - odir) : 1, runs ? odir : ".");
  }
  state_run_dir(state, uid, udir, sizeof udir);
  if (jrn_mkdirs(udir, why, sizeof why) != 0 || jrn_lock(udir, &ulock, &holder, why, sizeof why) != 0 ||
      jrn_open(&uj, udir, 1, &rep, why, sizeof why) != 0) {
    fprintf(stderr, "rbk undo: %s\n", why);
    if (ulock < 0 && holder) rc = 4;
    goto done;
  }
  events_watch(&ev, &uj);
  if (uj.nrecs == 0) {
    Buf f = BUF_INIT;
    /* Consent is asked once, when the undo starts; a finished or resumed
    ** undo already has it (its run_start lists what was not reversible). */
    if (confirm_irreversible(p, done, yes) != 0) {
      rc = EXIT_FAILED;
      goto done;
    }
    char hex[65], path[10100];
    uint32_t k;
    int first = 1;
    snprintf(path, sizeof path, "%s/source.rbk", udir);
    if (durable_replace(path, p->src->text, p->src->len, 0600, why, sizeof why) != 0) {
      fprintf(stderr, "rbk undo: %s\n", why);
      buf_free(&f);
      goto done;
    }
    sha256_hex(p->src_sha256, hex);
    buf_puts(&f, "\"run\":");
    json_put_str(&f, uid, strlen(uid));
    buf_puts(&f, ",\"undo_of\":");   /* the run's ID, however RUN named it */
    {
      const char *oid = strrchr(odir, '/') ? strrchr(odir, '/') + 1 : odir;
      json_put_str(&f, oid, strlen(oid));
    }
    buf_puts(&f, ",\"runbook\":");
    json_put_str(&f, src, strlen(src));
    buf_puts(&f, ",\"title\":");
    json_put_str(&f, p->title, strlen(p->title));
    buf_printf(&f, ",\"source_sha256\":\"%s\",\"steps\":[", hex);
    for (k = p->nsteps; k-- > 0;) {
      if (!done[k] || p->steps[k].undo < 0) continue;
      buf_puts(&f, first ? "{\"name\":" : ",{\"name\":");
      json_put_str(&f, p->steps[k].name, strlen(p->steps[k].name));
      buf_putc(&f, '}');
      first = 0;
    }
    buf_puts(&f, "],\"not_reversible\":[");
    first = 1;
    for (k = 0; k < p->nsteps; k++) {
      if (!done[k] || p->steps[k].undo >= 0) continue;
      if (!first) buf_putc(&f, ',');
      json_put_str(&f, p->steps[k].name, strlen(p->steps[k].name));
      first = 0;
    }
    buf_putc(&f, ']');
    if (cause.n) buf_printf(&f, ",\"started_by\":%s", buf_cstr(&cause));
    buf_puts(&f, ",\"operator\":");
    json_put_str(&f, as ? as : login_name(), strlen(as ? as : login_name()));
    buf_printf(&f, ",\"pid\":%ld,\"rbk\":\"%s\"", (long)getpid(), RBK_VERSION);
    if (jrn_append(&uj, "run_start", buf_cstr(&f), why, sizeof why) != 0) {
      buf_free(&f);
      rc = journal_lost("undo", &uj, undo_again);
      goto done;
    }
    buf_reset(&f);
    buf_puts(&f, "\"run\":");
    json_put_str(&f, uid, strlen(uid));
    buf_puts(&f, ",\"relation\":\"undo\"");
    if (jrn_append(&oj, "link", buf_cstr(&f), why, sizeof why) != 0) {
      buf_free(&f);
      rc = journal_lost("undo", &oj, undo_again);
      goto done;
    }
    buf_free(&f);
    printf("undo run %s of run %s\n", uid, run);
  } else {
    size_t k;
    for (k = 0; k < uj.nrecs; k++) {
      if (strcmp(uj.recs[k].type, "run_end") == 0) {
        const char *st = json_str(json_get(jrn_rec_json(&uj.recs[k]), "state"), NULL);
        printf("run %s has already been undone (%s, run %s)\n", run, st ? st : "?", uid);
        rc = st && strcmp(st, "succeeded") == 0 ? EXIT_OK : EXIT_FAILED;
        goto done;
      }
    }
    printf("resuming undo run %s of run %s\n", uid, run);
    if (jrn_append(&uj, "resume", "\"pid\":0", why, sizeof why) != 0) {
      rc = journal_lost("undo", &uj, undo_again);
      goto done;
    }
  }

  /* Phase 1: replay the original run, read-only and silent. */
  memset(&quiet, 0, sizeof quiet);
  natives = stdlib_natives(&nnatives);
  vm_init(&vm, p, natives, nnatives, &quiet, &run_runtime);
  vm_ready = 1;
  vm.state_dir = state;
  vm.interrupt = &interrupted;
  vm.operator_name = as ? as : login_name();
  if (fx_attach(&fx1, NULL, oj.recs, oj.nrecs, why, sizeof why) != 0) {
    fprintf(stderr, "rbk undo: the original journal: %s\n", why);
    goto done;
  }
  fx1_ready = 1;
  fx1.read_only = 1;
  vm.fx = &fx1;
  memset(&o, 0, sizeof o);
  {
    /* the params the original run was given, plus those given now */
    const Json *given = json_get(jrn_rec_json(&oj.recs[0]), "params");
    size_t g;
    for (g = 0; g < json_len(given) && nkv < 64; g++) {
      size_t kl;
      const char *key = json_key(given, g, &kl), *val = json_str(json_at(given, g), NULL);
      int j, have = 0;
      for (j = 0; j < nkv; j++) have |= strcmp(keys[j], key) == 0;
      if (!have && val && strcmp(val, "***") != 0) {
        keys[nkv] = key;
        vals[nkv++] = val;
      }
    }
  }
  o.keys = keys;
  o.vals = vals;
  o.nkv = nkv;
  r = run_params(&vm, &o);
  if (r != VM_OK) {
    fprintf(stderr, "rbk undo: cannot replay the original run's params: %s\n", buf_cstr(&vm.fail));
    goto done;
  }
  /* The requirements ran first and their effects come first in the
  ** journal: replay them too, or every step's effects would be looked up
  ** under the wrong numbers and its variables never set. */
  run_requirements(&vm, NULL);
  for (i = 0; i <= last && i < (int)p->nsteps; i++) {
    StepOutcome so;
    run_step(&vm, i, 0, NULL, &so);   /* effects come from the journal; a step that stopped stops here too */
  }

  /* Phase 2: the undo blocks, live and journaled, last step first. */
  if (fx_attach(&fx2, &uj, uj.recs, uj.nrecs, why, sizeof why) != 0) {
    fprintf(stderr, "rbk undo: %s\n", why);
    goto done;
  }
  fx2_ready = 1;
  vm.fx = &fx2;
  term_init(&t);
  t.verbose = verbose;
  if (stamps) t.tty = t.color = 0;   /* through the filter: not the terminal itself */
  term_host(&t, &host);
  term_hooks(&t, &thooks);
  if (verbose > 0) {
    ev.tap = term_event;
    ev.tap_ud = &t;
  }
  events_hooks(&ev, &thooks, &hooks);
  vm.host = host;
  t.vm = &vm;
  for (i = (int)p->nsteps; i-- > 0;)
    if (done[i] && p->steps[i].undo >= 0) t.total++;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  r = VM_OK;
  for (i = (int)p->nsteps; i-- > 0 && r == VM_OK;) {
    if (!done[i] || p->steps[i].undo < 0) continue;
    r = run_undo(&vm, i, 1, &hooks, &out[i]);
  }
  if (uj.broken) {
    rc = journal_lost("undo", &uj, undo_again);
  } else if (r == VM_INTERRUPTED || interrupted) {
    jrn_append(&uj, "interrupted", "\"signal\":\"INT\"", why, sizeof why);
    fprintf(stderr, "rbk undo: interrupted; 'rbk undo %s' continues it\n", run);
    rc = EXIT_INTERRUPTED;
  } else if (r == VM_PAUSED) {
    /* what it waits for, and the one command that unblocks it */
    char then[700];
    snprintf(then, sizeof then, "rbk undo %s", run);
    term_waiting_then(&t, &vm, uid, 0, then);
    rc = 3;
  } else {
    char f[128];
    snprintf(f, sizeof f, "\"state\":\"%s\",\"duration\":%.3f", r == VM_OK ? "succeeded" : "failed", vm_now() - t0);
    if (jrn_append(&uj, "run_end", f, why, sizeof why) != 0) {
      rc = journal_lost("undo", &uj, undo_again);
    } else {
      rc = r == VM_OK ? EXIT_OK : EXIT_FAILED;
      if (verbose >= 0 || r != VM_OK) printf("undo %s\n", r == VM_OK ? "complete" : "failed");
    }
  }
done:
  buf_free(&cause);
  events_run_end(&ev, rc);
  events_close(&ev);
  mem_free(undone);
  if (fx1_ready) fx_free(&fx1);
  if (fx2_ready) fx_free(&fx2);
  if (vm_ready) vm_free(&vm);
  jrn_close(&oj);
  jrn_close(&uj);
  if (olock >= 0) livepage_refresh("undo", odir);   /* the original's page links its undo run */
  jrn_unlock(olock);
  jrn_unlock(ulock);
  if (p) prog_free(p);
  mem_free(done);
  mem_free(out);
  paramfile_free(&param_file);
  return rc;
}
