/*
** session.c -- opening a run and replaying its action log (session.h).
** Called by rbk run, resume and repl through cli/runui.c.
*/
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../compiler/chunk.h"
#include "../base/durable.h"
#include "../base/json.h"
#include "../base/mem.h"
#include "../base/sha256.h"
#include "answer.h"
#include "signing.h"
#include "runtime.h"
#include "exits.h"
#include "../base/version.h"
#include "load.h"
#include "runctl.h"
#include "state.h"
#include "runread.h"
#include "trail.h"

/* ---- loading and opening ------------------------------------------- */

int session_locate(const char *cmd, const char *run, RunArgs *a, char **owned) {
  char dir[4800], why[512], jpath[5000], line[65536], state[4800];
  const char *runbook = NULL, *slash, *runs;
  Json *j = NULL;
  FILE *f;
  struct stat st;
  size_t n1, n2;
  *owned = NULL;
  if (state_find_run(run, dir, sizeof dir, why, sizeof why) != 0) {
    fprintf(stderr, "rbk %s: %s\n", cmd, why);
    return EXIT_USAGE;
  }
  /* The runbook is the one the run began with: its path if it is still
  ** there (changes are then detected), else the copy kept with the run. */
  snprintf(jpath, sizeof jpath, "%s/journal.jsonl", dir);
  f = fopen(jpath, "r");
  if (f && fgets(line, sizeof line, f)) {
    j = json_parse(line, strcspn(line, "\n"), why, sizeof why);
    runbook = json_str(json_get(j, "runbook"), NULL);
    if (runbook && stat(runbook, &st) != 0) runbook = NULL;
  }
  if (f) fclose(f);
  snprintf(jpath, sizeof jpath, "%s/source.rbk", dir);
  if (!runbook) runbook = jpath;
  slash = strrchr(dir, '/');
  slash = slash ? slash + 1 : dir;
  n1 = strlen(runbook);
  n2 = strlen(slash);
  *owned = mem_alloc(n1 + n2 + 2);
  memcpy(*owned, runbook, n1 + 1);
  memcpy(*owned + n1 + 1, slash, n2 + 1);
  a->file = *owned;
  a->run_id = *owned + n1 + 1;
  json_free(j);
  /* The state directory is the one holding this run. */
  runs = strstr(dir, "/runs/");
  if (runs) {
    snprintf(state, sizeof state, "%.*s", (int)(runs - dir), dir);
    setenv("RBK_STATE_DIR", state, 1);
  }
  return 0;
}

int session_load(Session *S, const char *cmd, RunArgs *a, const SessionUi *ui) {
  memset(S, 0, sizeof *S);
  events_init(&S->ev, ui->events_fd, NULL);   /* its descriptor is the session's from here on */
  S->cmd = cmd;
  S->lockfd = -1;
  S->jr.fd = -1;
  S->unfinished = S->last_failed = -1;
  S->t0 = vm_now();
  S->p = a->file ? load_program(a->file) : load_program_text("<repl>", "runbook \"REPL session\" {}\n");
  if (!S->p || load_bind(S->p) != 0) return EXIT_USAGE;
  /* require approval by ROLE: a signature over this exact source */
  if (a->file && sign_plan_check(a->file, S->p, cmd) != 0) return EXIT_FAILED;
  state_dir_for_runbook(a->file ? a->file : "repl.rbk", S->state, sizeof S->state);
  S->host = ui->host;
  S->ev.p = S->p;
  S->ev.tap = ui->on_event;
  S->ev.tap_ud = ui->event_ud;
  S->ev.changed = ui->on_change;
  S->ev.changed_ud = ui->change_ud;
  events_hooks(&S->ev, &ui->hooks, &S->hooks);
  vm_init(&S->vm, S->p, ui->natives, ui->nnatives, &S->host, &run_runtime);
  S->vm_ready = 1;
  S->vm.state_dir = S->state;
  S->vm.operator_name = a->as ? a->as : login_name();
  S->o.keys = a->keys;
  S->o.vals = a->vals;
  S->o.nkv = a->nkv;
  S->o.only = a->only;
  S->o.nonly = a->nonly;
  S->o.from = a->from;
  S->steps = mem_calloc((S->p->nsteps + 1) * sizeof *S->steps);
  S->out = mem_calloc((S->p->nsteps + 1) * sizeof *S->out);
  S->before = mem_calloc((S->p->nsteps + 1) * sizeof *S->before);
  S->ev.before = S->before;
  S->attempts = mem_calloc((S->p->nsteps + 1) * sizeof *S->attempts);
  S->undos = mem_calloc((S->p->nsteps + 1) * sizeof *S->undos);
  return 0;
}

void session_close(Session *S) {
  if (S->fx_ready) fx_free(&S->fx);
  if (S->vm_ready) vm_free(&S->vm);
  jrn_close(&S->jr);
  jrn_unlock(S->lockfd);
  if (S->p) prog_free(S->p);
  mem_free(S->steps);
  mem_free(S->out);
  mem_free(S->before);
  events_close(&S->ev);
  mem_free(S->attempts);
  mem_free(S->undos);
  buf_free(&S->selection);
  memset(S, 0, sizeof *S);
  S->lockfd = -1;
  S->ev.fd = -1;
}

/* changed_steps compares the steps recorded at run start with prog's. */
static int changed_steps(const Json *steps, const Program *p, Buf *names) {
  uint32_t i;
  size_t k, n = json_len(steps);
  int changed = 0;
  for (i = 0; i < p->nsteps; i++) {
    char hex[65];
    const char *was = NULL;
    prog_step_hash(p, i, hex);
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

/* put_imports writes the files the runbook imports, each with the SHA-256
** of its text, as a JSON array (run_start's "imports"). */
static void put_imports(Buf *f, Source *src) {
  uint32_t k, n = src_parts(src);
  buf_putc(f, '[');
  for (k = 1; k < n; k++) {
    uint8_t d[32];
    char hex[65];
    sha256(src->text + src->parts[k].start, src->parts[k].len, d);
    sha256_hex(d, hex);
    buf_puts(f, k > 1 ? ",{\"path\":" : "{\"path\":");
    json_put_str(f, src->parts[k].name, strlen(src->parts[k].name));
    buf_printf(f, ",\"sha256\":\"%s\"}", hex);
  }
  buf_putc(f, ']');
}

/* changed_imports names the imported files that differ from those the
** run began with (its run_start's "imports"). */
static const char *jstr(const Json *j, const char *key) {
  const char *v = json_str(json_get(j, key), NULL);
  return v ? v : "";
}

static void changed_imports(const Json *was, Source *src) {
  Buf now = BUF_INIT;
  Json *cur;
  char why[256];
  size_t i, j;
  put_imports(&now, src);
  cur = json_parse(now.p, now.n, why, sizeof why);
  for (i = 0; cur && i < json_len(cur); i++) {
    const char *path = jstr(json_at(cur, i), "path");
    const char *sha = jstr(json_at(cur, i), "sha256"), *old = NULL;
    for (j = 0; j < json_len(was); j++)
      if (strcmp(jstr(json_at(was, j), "path"), path) == 0)
        old = jstr(json_at(was, j), "sha256");
    if (!old || strcmp(old, sha) != 0) fprintf(stderr, "  %s import %s\n", old ? "changed" : "added  ", path);
  }
  for (j = 0; j < json_len(was); j++) {
    const char *path = jstr(json_at(was, j), "path");
    for (i = 0; cur && i < json_len(cur); i++)
      if (strcmp(jstr(json_at(cur, i), "path"), path) == 0) break;
    if (!cur || i == json_len(cur)) fprintf(stderr, "  removed import %s\n", path);
  }
  json_free(cur);
  buf_free(&now);
}

/* done_before fills S->before with how each step last ended in the
** journal as opened: those steps a resume replays, not runs. */
static void done_before(Session *S) {
  const char *step_end = jrn_type_of(&S->jr, "step_end");
  size_t k;
  memset(S->before, 0, S->p->nsteps * sizeof *S->before);
  for (k = 0; step_end && k < S->jr.nrecs; k++) {
    const Json *r;
    const char *sn, *st;
    int i, ok;
    double d;
    StepOutcome *o;
    if (S->jr.recs[k].type != step_end) continue;
    r = jrn_rec_json(&S->jr.recs[k]);
    sn = json_str(json_get(r, "step"), NULL);
    st = json_str(json_get(r, "state"), NULL);
    if (json_get(r, "undo") || !sn || !st) continue;
    if ((i = prog_find_step(S->p, sn)) < 0) continue;
    o = &S->before[i];
    o->state = strcmp(st, "ok") == 0 ? STEP_OK : strcmp(st, "recovered") == 0 ? STEP_RECOVERED : STEP_FAILED;
    d = json_num(json_get(r, "duration"), &ok);
    o->duration = ok ? d : 0;
    d = json_num(json_get(r, "waited"), &ok);
    o->waited = ok ? d : 0;
    d = json_num(json_get(r, "attempts"), &ok);
    o->attempts = ok ? (int)d : 1;
  }
}

/* start_record writes run_start for a new run. */
static int start_record(Session *S, RunArgs *a, char *why, size_t whylen) {
  Program *p = S->p;
  Buf f = BUF_INIT;
  char hex[65], host_name[256], srcpath[5000];
  const char *file = a->file ? a->file : "<repl>";
  uint32_t k;
  int i, rc;
  snprintf(srcpath, sizeof srcpath, "%s/source.rbk", S->dir);
  if (durable_replace(srcpath, p->src->text, p->src->len, 0600, why, whylen) != 0) return -1;
  sha256_hex(p->src_sha256, hex);
  if (gethostname(host_name, sizeof host_name) != 0) strcpy(host_name, "unknown");
  host_name[sizeof host_name - 1] = '\0';
  buf_puts(&f, "\"run\":");
  json_put_str(&f, S->id, strlen(S->id));
  buf_puts(&f, ",\"runbook\":");
  json_put_str(&f, file, strlen(file));
  buf_puts(&f, ",\"title\":");
  json_put_str(&f, p->title, strlen(p->title));
  buf_printf(&f, ",\"source_sha256\":\"%s\",", hex);
  if (src_parts(p->src)) {
    buf_puts(&f, "\"imports\":");
    put_imports(&f, p->src);
    buf_putc(&f, ',');
  }
  buf_puts(&f, "\"steps\":[");
  for (k = 0; k < p->nsteps; k++) {
    char sh[65];
    prog_step_hash(p, k, sh);
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
  buf_putc(&f, '}');
  /* the steps this run is to do, when not all: a resume keeps them */
  if (a->nonly) {
    buf_puts(&f, ",\"only\":[");
    for (i = 0; i < a->nonly; i++) {
      if (i) buf_putc(&f, ',');
      json_put_str(&f, a->only[i], strlen(a->only[i]));
    }
    buf_putc(&f, ']');
  }
  if (a->from) {
    buf_puts(&f, ",\"from\":");
    json_put_str(&f, a->from, strlen(a->from));
  }
  if (a->cause) buf_printf(&f, ",\"started_by\":%s", a->cause);
  if (a->after) {
    buf_puts(&f, ",\"after\":");
    json_put_str(&f, a->after, strlen(a->after));
  }
  buf_puts(&f, ",\"operator\":");
  json_put_str(&f, S->vm.operator_name, strlen(S->vm.operator_name));
  {
    /* the operator known by key: they may not approve their own gates */
    const char *key = getenv("RBK_SIGNING_KEY");
    char fp[SSHKEY_FP_MAX];
    if (key && *key) {
      if (sign_key_file_fingerprint(key, fp, why, whylen) != 0) {
        buf_free(&f);
        return -1;
      }
      buf_printf(&f, ",\"operator_key\":\"%s\"", fp);
    }
  }
  buf_puts(&f, ",\"host\":");
  json_put_str(&f, host_name, strlen(host_name));
  buf_printf(&f, ",\"pid\":%ld,\"rbk\":\"%s\"", (long)getpid(), RBK_VERSION);
  rc = jrn_append(&S->jr, "run_start", buf_cstr(&f), why, whylen) != 0 ||
       state_set_latest(S->state, S->name, S->id, why, whylen) != 0 ? -1 : 0;
  buf_free(&f);
  return rc;
}

/* trail_check reads what --started-by and --after name before the run is
** made, so that a link to nothing is refused with nothing written. */
static int trail_check(Session *S, RunArgs *a) {
  char why[1024], dir[JRN_PATH_MAX];
  if (a->started_by && !a->cause) {
    Buf c = BUF_INIT;
    if (trail_watch_cause(S->state, a->started_by, &c, why, sizeof why) != 0) {
      fprintf(stderr, "rbk %s: --started-by %s: %s\n", S->cmd, a->started_by, why);
      buf_free(&c);
      return -1;
    }
    a->cause = buf_take(&c);
  }
  if (a->after) {
    state_run_dir(S->state, a->after, dir, sizeof dir);
    if (state_id_check(a->after, STATE_ID_FOUND_MAX, why, sizeof why) != 0 || !rr_is_dir(dir)) {
      fprintf(stderr, "rbk %s: --after %s: no such run in %s/runs\n", S->cmd, a->after, S->state);
      return -1;
    }
  }
  return 0;
}

/* resume_record checks a continued run against the runbook and its
** params, then writes resume. Returns 0 or an exit code. */
static int resume_record(Session *S, RunArgs *a) {
  const Json *start = jrn_rec_json(&S->jr.recs[0]);
  const char *was_sha = json_str(json_get(start, "source_sha256"), NULL);
  char hex[65], why[1024];
  Buf f = BUF_INIT;
  const char *op = S->vm.operator_name;
  size_t k;
  /* a runbook once accepted with --accept-changes is the one the run
  ** goes on with: compare with the last accepted version */
  for (k = S->jr.nrecs; k-- > 1;)
    if (S->jr.recs[k].type && strcmp(S->jr.recs[k].type, "accept_changes") == 0) {
      const char *acc = json_str(json_get(jrn_rec_json(&S->jr.recs[k]), "new_sha256"), NULL);
      if (acc) was_sha = acc;
      break;
    }
  sha256_hex(S->p->src_sha256, hex);
  if (!was_sha || strcmp(was_sha, hex) != 0) {
    Buf names = BUF_INIT;
    fprintf(stderr, "rbk %s: the runbook changed since run %s began:\n", S->cmd, S->id);
    changed_steps(json_get(start, "steps"), S->p, &names);
    changed_imports(json_get(start, "imports"), S->p->src);
    if (!a->accept) {
      fprintf(stderr, "Refusing to resume it silently. Check the steps above, then rerun with "
                      "--accept-changes (or start a fresh run with --new).\n");
      buf_free(&names);
      return EXIT_USAGE;
    }
    buf_puts(&f, "\"by\":");
    json_put_str(&f, op, strlen(op));
    buf_printf(&f, ",\"old_sha256\":\"%s\",\"new_sha256\":\"%s\",\"changed\":[%s]", was_sha ? was_sha : "", hex,
               buf_cstr(&names));
    buf_free(&names);
    if (jrn_append(&S->jr, "accept_changes", buf_cstr(&f), why, sizeof why) != 0) {
      buf_free(&f);
      return session_lost(S);
    }
    buf_reset(&f);
  }
  /* Every signed approval is verified again before the run goes on. */
  if (sign_check_journal(&S->jr, S->p, why, sizeof why) < 0) {
    fprintf(stderr, "rbk %s: refusing to resume run %s: %s\n", S->cmd, S->id, why);
    buf_free(&f);
    return EXIT_FAILED;
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
          fprintf(stderr, "rbk %s: --param %s differs from the value run %s began with (%s); params are "
                          "fixed for a run (--new starts a fresh one)\n", S->cmd, key, S->id, val);
          buf_free(&f);
          return EXIT_USAGE;
        }
      }
      if (!found && val && strcmp(val, "***") == 0) {
        fprintf(stderr, "rbk %s: run %s was given the secret %s on the command line; pass --param %s=... again\n",
                S->cmd, S->id, key, key);
        buf_free(&f);
        return EXIT_USAGE;
      }
      if (!found && val) {
        a->keys[a->nkv] = key;
        a->vals[a->nkv++] = val;
      }
    }
    S->o.keys = a->keys;
    S->o.vals = a->vals;
    S->o.nkv = a->nkv;
  }
  /* The run's own step selection (--only, --from) holds for the whole run,
  ** unless the resume names one. */
  if (!a->nonly && !a->from) {
    /* copied: the journal's records may be read again (and freed) later */
    const Json *only = json_get(start, "only");
    const char *from = json_str(json_get(start, "from"), NULL);
    size_t g, n = json_len(only), at;
    buf_reset(&S->selection);
    for (g = 0; g < n; g++)
      if (json_str(json_at(only, g), NULL)) buf_add(&S->selection, json_str(json_at(only, g), NULL), strlen(json_str(json_at(only, g), NULL)) + 1);
    if (from) buf_add(&S->selection, from, strlen(from) + 1);
    if (n) a->only = mem_realloc((void *)a->only, (n + 1) * sizeof *a->only);
    for (g = 0, at = 0; g < n; g++)
      if (json_str(json_at(only, g), NULL)) {
        a->only[a->nonly++] = S->selection.p + at;
        at += strlen(S->selection.p + at) + 1;
      }
    if (from) a->from = S->selection.p + at;
    S->o.only = a->only;
    S->o.nonly = a->nonly;
    S->o.from = a->from;
  }
  buf_printf(&f, "\"pid\":%ld,\"operator\":", (long)getpid());
  json_put_str(&f, op, strlen(op));
  buf_printf(&f, ",\"source_sha256\":\"%s\"", hex);
  if (jrn_append(&S->jr, "resume", buf_cstr(&f), why, sizeof why) != 0) {
    buf_free(&f);
    return session_lost(S);
  }
  buf_free(&f);
  return 0;
}

int session_lost(Session *S) {
  char next[2000];
  snprintf(next, sizeof next,
           "'rbk resume %s' continues the run. A command whose end could not be recorded is in doubt: an "
           "idempotent step runs it again, otherwise you choose ('rbk answer %s rerun|skip|done')", S->id, S->id);
  return journal_lost(S->cmd, &S->jr, next);
}

/* is_interactive_record says whether record type t (with json r) can only
** come from the REPL: then the journal is an action log to replay in order. */
static int is_interactive_record(const JrnRecord *r) {
  const char *t = r->type;
  if (strcmp(t, "repl_start") == 0 || strcmp(t, "improvised_start") == 0 || strcmp(t, "skip") == 0) return 1;
  return strcmp(t, "step_start") == 0 && jrn_rec_has(r, "undo");
}

int session_open(Session *S, RunArgs *a) {
  char why[1024];
  const char *file = a->file ? a->file : "repl.rbk";
  JrnOpenReport rep;
  pid_t holder = 0;
  size_t k;
  int rc;
  state_runbook_name(file, S->name, sizeof S->name);
  if (trail_check(S, a) != 0) return EXIT_USAGE;
  if (a->run_id) {
    if (state_id_check(a->run_id, STATE_ID_FOUND_MAX, why, sizeof why) != 0) {   /* never a path out of STATE */
      fprintf(stderr, "rbk %s: %s\n", S->cmd, why);
      return EXIT_USAGE;
    }
    snprintf(S->id, sizeof S->id, "%s", a->run_id);
  } else if ((a->new_run || state_latest(S->state, S->name, S->id, sizeof S->id) != 0) &&
             state_new_id(S->state, S->name, S->id, sizeof S->id, why, sizeof why) != 0) {
    fprintf(stderr, "rbk %s: %s\n", S->cmd, why);
    return EXIT_USAGE;
  }
again:
  state_run_dir(S->state, S->id, S->dir, sizeof S->dir);
  if (jrn_mkdirs(S->dir, why, sizeof why) != 0) {
    fprintf(stderr, "rbk %s: %s\n", S->cmd, why);
    return EXIT_USAGE;
  }
  if (jrn_lock(S->dir, &S->lockfd, &holder, why, sizeof why) != 0) {
    fprintf(stderr, "rbk %s: run %s is being executed by process %ld; not starting a second one\n", S->cmd, S->id,
            (long)holder);
    return EXIT_BUSY;
  }
  if (jrn_open(&S->jr, S->dir, 1, &rep, why, sizeof why) != 0) {
    fprintf(stderr, "rbk %s: %s/%s\n", S->cmd, S->dir, why);
    return EXIT_USAGE;
  }
  if (rep.torn_bytes)
    fprintf(stderr, "rbk %s: the last journal record was torn (%zu bytes, %s); set aside in %s\n", S->cmd,
            rep.torn_bytes, rep.torn_reason, rep.torn_path);
  events_watch(&S->ev, &S->jr);
  done_before(S);
  if (S->jr.nrecs == 0) {
    S->is_new = 1;
    if (start_record(S, a, why, sizeof why) != 0) {
      /* Nothing has run: the same command starts the run afresh. */
      fprintf(stderr, "rbk %s: the run's state could not be written: %s\n", S->cmd, why);
      fprintf(stderr, "rbk %s: nothing was run; free space, then run it again\n", S->cmd);
      return EXIT_STATE;
    }
    /* the run it backs out names it back; a run being executed cannot be
    ** written to, and the link from this side is enough to follow */
    if (a->after && trail_link(S->state, a->after, S->id, "backout", why, sizeof why) != 0)
      fprintf(stderr, "rbk %s: warning: run %s was not given a link to this run: %s\n", S->cmd, a->after, why);
  } else {
    const char *run_end = jrn_type_of(&S->jr, "run_end");
    for (k = 0; k < S->jr.nrecs; k++) {
      if (run_end && S->jr.recs[k].type == run_end) {
        S->finished = 1;
        S->end_state = json_str(json_get(jrn_rec_json(&S->jr.recs[k]), "state"), NULL);
      }
      if (is_interactive_record(&S->jr.recs[k])) S->interactive_log = 1;
    }
    if (S->finished && strcmp(S->cmd, "repl") == 0 && !a->run_id) {
      /* The REPL on a runbook whose latest run ended: a fresh run. */
      printf("run %s has finished (%s); starting a new run\n", S->id, S->end_state ? S->end_state : "?");
      jrn_close(&S->jr);
      jrn_unlock(S->lockfd);
      S->lockfd = -1;
      S->finished = 0;
      S->interactive_log = 0;
      if (state_new_id(S->state, S->name, S->id, sizeof S->id, why, sizeof why) != 0) {
        fprintf(stderr, "rbk %s: %s\n", S->cmd, why);
        return EXIT_USAGE;
      }
      goto again;
    }
    if (a->after) {
      /* --after links a run as it starts: a run that goes on keeps its own */
      const char *was = json_str(json_get(jrn_rec_json(&S->jr.recs[0]), "after"), NULL);
      if (!was || strcmp(was, a->after) != 0) {
        char was_txt[700];
        if (was) snprintf(was_txt, sizeof was_txt, "as the backout of run %s", was);
        else snprintf(was_txt, sizeof was_txt, "without --after");
        fprintf(stderr, "rbk %s: --after %s: run %s was started %s, and --after only links a run as it starts\n",
                S->cmd, a->after, S->id, was_txt);
        fprintf(stderr, "hint: 'rbk %s --new --after %s %s' starts a new run; without --after this one goes on\n",
                S->cmd, a->after, file);
        return EXIT_USAGE;
      }
    }
    /* --retry-failed reopens a run that ended failed (run/fleet.c retries its failed hosts) */
    if (S->finished && a->retry_failed && S->end_state && strcmp(S->end_state, "failed") == 0) S->finished = 0;
    if (S->finished) return 0;
    if ((rc = resume_record(S, a)) != 0) return rc;
  }
  if (fx_attach(&S->fx, &S->jr, S->jr.recs, S->jr.nrecs, why, sizeof why) != 0) {
    fprintf(stderr, "rbk %s: %s/journal.jsonl: %s; refusing to resume\n", S->cmd, S->dir, why);
    return EXIT_USAGE;
  }
  S->fx_ready = 1;
  S->vm.fx = &S->fx;
  S->fx.operator_name = S->vm.operator_name;
  return 0;
}

/* reload reads the journal again, with what this process appended, and
** attaches it, keeping each lane's position except the runbook lane's,
** which goes to main_n (where a step being continued began). */
static int reload(Session *S, uint64_t main_n) {
  char why[1024];
  JrnOpenReport rep;
  uint64_t repl_n = S->fx.lanes[FX_LANE_REPL].n, replayed = S->fx.replayed;
  if (S->jr.broken) return -1;   /* stopped: reopening would write again (session_lost) */
  fx_free(&S->fx);
  S->fx_ready = 0;
  S->vm.fx = NULL;
  jrn_close(&S->jr);
  if (jrn_open(&S->jr, S->dir, 0, &rep, why, sizeof why) != 0 ||
      fx_attach(&S->fx, &S->jr, S->jr.recs, S->jr.nrecs, why, sizeof why) != 0) {
    fprintf(stderr, "rbk %s: %s/journal.jsonl: %s\n", S->cmd, S->dir, why);
    return -1;
  }
  events_watch(&S->ev, &S->jr);
  S->fx_ready = 1;
  S->vm.fx = &S->fx;
  S->fx.operator_name = S->vm.operator_name;
  S->fx.lanes[FX_LANE_RUNBOOK].n = main_n;
  S->fx.lanes[FX_LANE_REPL].n = repl_n;
  S->fx.replayed = replayed;
  return 0;
}

/* ---- actions --------------------------------------------------------- */

static int max_attempt(const Session *S, int k, size_t rec);

VmResult session_step(Session *S, int i) {
  VmResult r;
  StepOutcome *o = &S->out[i];
  if (S->unfinished == i) {
    /* Continue it: replay it from its first effect, then on live. */
    if (reload(S, S->unfinished_first) != 0) return VM_FAILED;
  } else {
    S->unfinished_first = S->fx_ready ? S->fx.lanes[FX_LANE_RUNBOOK].n : 0;
  }
  r = run_step(&S->vm, i, S->attempts[i], S->quiet ? NULL : &S->hooks, o);
  S->steps[i] = o->state;
  if (o->state == STEP_PAUSED || o->state == STEP_INTERRUPTED) {
    S->unfinished = i;
  } else {
    S->unfinished = -1;
    S->attempts[i] += o->attempts;
    if (o->state == STEP_FAILED) S->last_failed = i;
    else if (S->last_failed == i) S->last_failed = -1;
  }
  return r;
}

int session_next_pending(const Session *S) {
  uint32_t i;
  if (S->unfinished >= 0) return S->unfinished;
  for (i = 0; i < S->p->nsteps; i++)
    if (S->steps[i] != STEP_OK && S->steps[i] != STEP_RECOVERED && S->steps[i] != STEP_SKIPPED &&
        S->steps[i] != STEP_UNDONE)
      return (int)i;
  return -1;
}

int session_all_done(const Session *S) { return S->unfinished < 0 && session_next_pending(S) < 0; }

/* record appends a REPL record (masked, synced). */
static int record(Session *S, const char *type, const Buf *fields) {
  if (fx_record(&S->vm, type, NULL, buf_cstr(fields)) != 0) {
    fprintf(stderr, "rbk %s: %s\n", S->cmd, buf_cstr(&S->vm.fail));
    return -1;
  }
  return 0;
}

int session_improvise(Session *S, const char *text, int replay, Value *value) {
  ChunkResult cr;
  char name[64];
  Value v = val_nil();
  VmResult r;
  Buf f = BUF_INIT;
  double t0 = vm_now();
  int id = S->improvised + 1;
  if (value) *value = val_nil();
  snprintf(name, sizeof name, "<repl %d>", id);
  {
    uint32_t nexterns = S->p->nexterns;
    if (chunk_compile(S->p, name, text, strlen(text), stderr, diag_use_color(stderr), &cr) != 0) {
      if (cr.incomplete) return -1;
      S->improvised = id;   /* the next input is <repl N+1>, as its error named this one */
      return VM_FAILED;
    }
    if (S->p->nexterns != nexterns && load_bind(S->p) != 0) return VM_FAILED;
  }
  vm_sync_program(&S->vm);
  S->improvised = id;
  if (!replay) {
    buf_printf(&f, "\"id\":%d,\"operator\":", id);
    json_put_str(&f, S->vm.operator_name, strlen(S->vm.operator_name));
    {
      size_t n = strlen(text);   /* as typed, without the final newline */
      Buf m = BUF_INIT;
      while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' ' || text[n - 1] == '\t')) n--;
      vm_redact(&S->vm, text, n, &m);   /* masked before it is escaped */
      buf_puts(&f, ",\"input\":");
      json_put_str(&f, buf_cstr(&m), m.n);
      buf_free(&m);
    }
    buf_printf(&f, ",\"kind\":\"%s\"", cr.is_expr ? "expression" : "statement");
    if (record(S, "improvised_start", &f) != 0) {
      buf_free(&f);
      return VM_FAILED;
    }
    buf_reset(&f);
  }
  S->fx.lane = FX_LANE_REPL;
  S->vm.step = -1;
  S->vm.step_deadline = 0;
  S->vm.paused = 0;
  r = vm_call(&S->vm, cr.proto, NULL, 0, &v);
  if (r != VM_OK) fx_abandon(&S->fx);
  S->fx.lane = FX_LANE_RUNBOOK;
  if (r == VM_FAILED && vm_interrupted(&S->vm)) r = VM_INTERRUPTED;
  if (!replay) {
    buf_printf(&f, "\"id\":%d,\"outcome\":\"%s\",\"duration\":%.3f", id,
               r == VM_OK ? "ok" : r == VM_INTERRUPTED ? "interrupted" : "failed", vm_now() - t0);
    if (r == VM_OK && cr.is_expr) {
      Buf rv = BUF_INIT;
      vm_show_repr(&S->vm, &v, &rv);
      buf_puts(&f, ",\"value\":");
      json_put_str(&f, buf_cstr(&rv), rv.n);
      buf_free(&rv);
    } else if (r != VM_OK) {
      buf_puts(&f, ",\"error\":");
      json_put_str(&f, buf_cstr(&S->vm.fail), S->vm.fail.n);
    }
    if (record(S, "improvised_end", &f) != 0 && r == VM_OK) r = VM_FAILED;
  }
  buf_free(&f);
  if (r == VM_OK && value && cr.is_expr) *value = v;
  else val_release(v);
  return r;
}

int session_answer(Session *S, const char *what, const char *role, const char *note, const char *keyfile) {
  /* The journal as it is now, with what this session wrote. */
  if (reload(S, S->fx.lanes[FX_LANE_RUNBOOK].n) != 0) return EXIT_USAGE;
  if (strcmp(what, "approve") == 0 && !role) {
    /* the role the gate waits for, from its gate_wait record */
    size_t i;
    for (i = S->jr.nrecs; i-- > 0 && !role;)
      if (strcmp(S->jr.recs[i].type, "gate_wait") == 0) role = json_str(json_get(jrn_rec_json(&S->jr.recs[i]), "role"), NULL);
  }
  return answer_pending(&S->jr, S->cmd, S->id, what, role, S->vm.operator_name, note, S->p, keyfile);
}

int session_skip(Session *S, int i, const char *reason) {
  Buf f = BUF_INIT;
  int rc;
  buf_puts(&f, "\"step\":");
  json_put_str(&f, S->p->steps[i].name, strlen(S->p->steps[i].name));
  buf_puts(&f, ",\"reason\":");
  json_put_str(&f, reason, strlen(reason));
  buf_puts(&f, ",\"operator\":");
  json_put_str(&f, S->vm.operator_name, strlen(S->vm.operator_name));
  rc = record(S, "skip", &f);
  buf_free(&f);
  if (rc != 0) return -1;
  if (S->unfinished == i) {
    /* Its run is given up where it stopped; the runbook's next effect
    ** comes after every effect it started. */
    S->unfinished = -1;
    if (reload(S, 0) != 0) return -1;
    S->fx.lanes[FX_LANE_RUNBOOK].n = S->fx.lanes[FX_LANE_RUNBOOK].neff;
    S->attempts[i] = max_attempt(S, i, S->jr.nrecs);
  }
  S->steps[i] = S->out[i].state = STEP_SKIPPED;
  if (S->last_failed == i) S->last_failed = -1;
  return 0;
}

VmResult session_undo(Session *S, int i) {
  StepOutcome o;
  VmResult r = run_undo(&S->vm, i, ++S->undos[i], S->quiet ? NULL : &S->hooks, &o);
  /* Undone: not to do again by :next or a resume (':run STEP' does it) */
  if (o.state == STEP_OK) S->steps[i] = S->out[i].state = STEP_UNDONE;
  return r;
}

int session_events_end(Session *S, int exit_status) {
  events_run_end(&S->ev, exit_status);
  return exit_status;
}

int session_end(Session *S, int succeeded) {
  char f[128], why[512];
  snprintf(f, sizeof f, "\"state\":\"%s\",\"duration\":%.3f", succeeded ? "succeeded" : "failed", vm_now() - S->t0);
  return jrn_append(&S->jr, "run_end", f, why, sizeof why) != 0 ? -1 : 0;   /* the journal is broken: session_lost */
}

/* ---- replaying the action log ---------------------------------------- */

/* One action of the log. */
typedef struct Action {
  enum { A_STEP, A_UNDO, A_SKIP, A_IMPROVISE } kind;
  int step;
  size_t rec;          /* the record it begins at */
  int unfinished;      /* A_STEP: its run never ended */
  int abandoned;       /* A_STEP: unfinished, then skipped: not run again */
  const char *input;   /* A_IMPROVISE */
  int id;              /* A_IMPROVISE: its number */
} Action;

/* actions reads the log out of the journal's records. */
static Action *actions(const Session *S, size_t *nout) {
  const Program *p = S->p;
  Action *v = NULL;
  size_t n = 0, cap = 0, i;
  int *open = mem_calloc((p->nsteps + 1) * sizeof *open);   /* 1 + action index of a step's run in progress */
  int *uopen = mem_calloc((p->nsteps + 1) * sizeof *uopen);
  for (i = 0; i < S->jr.nrecs; i++) {
    const char *t = S->jr.recs[i].type;
    const Json *r;
    const char *sn;
    int k;
    Action a;
    if (strcmp(t, "step_start") != 0 && strcmp(t, "step_end") != 0 && strcmp(t, "skip") != 0 &&
        strcmp(t, "improvised_start") != 0)
      continue;   /* the rest are not actions: no need to parse them */
    r = jrn_rec_json(&S->jr.recs[i]);
    sn = json_str(json_get(r, "step"), NULL);
    k = sn ? prog_find_step(p, sn) : -1;
    memset(&a, 0, sizeof a);
    a.rec = i;
    a.step = k;
    if (strcmp(t, "step_start") == 0 && k >= 0) {
      int undo = json_get(r, "undo") != NULL;
      int *o = undo ? uopen : open;
      if (o[k]) continue;   /* a later attempt of a run in progress */
      a.kind = undo ? A_UNDO : A_STEP;
      a.unfinished = 1;
    } else if (strcmp(t, "step_end") == 0 && k >= 0) {
      int *o = json_get(r, "undo") ? uopen : open;
      if (o[k]) v[o[k] - 1].unfinished = 0;
      o[k] = 0;
      continue;
    } else if (strcmp(t, "skip") == 0 && k >= 0) {
      a.kind = A_SKIP;
      if (open[k]) v[open[k] - 1].abandoned = 1;   /* a run it cut short is not continued */
      open[k] = 0;
    } else if (strcmp(t, "improvised_start") == 0) {
      a.kind = A_IMPROVISE;
      a.input = json_str(json_get(r, "input"), NULL);
      a.id = (int)json_num(json_get(r, "id"), NULL);
      if (!a.input) continue;
    } else {
      continue;
    }
    if (n == cap) v = mem_grow(v, &cap, n + 1, sizeof *v);
    v[n++] = a;
    if (a.kind == A_STEP) open[k] = (int)n;
    if (a.kind == A_UNDO) uopen[k] = (int)n;
  }
  mem_free(open);
  mem_free(uopen);
  *nout = n;
  return v;
}

/* max_attempt is the highest attempt of step k's runs before record rec. */
static int max_attempt(const Session *S, int k, size_t rec) {
  const char *step_start = jrn_type_of(&S->jr, "step_start");
  int top = 0;
  size_t i;
  for (i = 0; step_start && i < rec && i < S->jr.nrecs; i++) {
    const Json *r;
    const char *sn;
    int ok;
    double at;
    if (S->jr.recs[i].type != step_start) continue;
    r = jrn_rec_json(&S->jr.recs[i]);
    if (json_get(r, "undo")) continue;
    sn = json_str(json_get(r, "step"), NULL);
    if (!sn || strcmp(sn, S->p->steps[k].name) != 0) continue;
    at = json_num(json_get(r, "attempt"), &ok);
    if (ok && at > top) top = (int)at;
  }
  return top;
}

/* effects_before is 1 + the highest runbook-lane effect started before record rec. */
static uint64_t effects_before(const Session *S, size_t rec) {
  const char *effect_start = jrn_type_of(&S->jr, "effect_start");
  uint64_t top = 0;
  size_t i;
  for (i = 0; effect_start && i < rec; i++) {
    int ok;
    double n;
    if (S->jr.recs[i].type != effect_start || jrn_rec_has(&S->jr.recs[i], "lane")) continue;
    n = jrn_rec_num(&S->jr.recs[i], "n", &ok);
    if (ok && n + 1 > (double)top) top = (uint64_t)n + 1;
  }
  return top;
}

/* abandoned_before says whether the last run of step k before action i was abandoned. */
static int abandoned_before(const Action *a, size_t i, int k) {
  while (i-- > 0)
    if (a[i].kind == A_STEP && a[i].step == k) return a[i].abandoned;
  return 0;
}

VmResult session_replay(Session *S, ReplayMode mode, int quiet) {
  size_t n, i;
  Action *a = actions(S, &n);
  VmHost saved = S->vm.host;
  VmResult r = VM_OK;
  if (quiet) {
    memset(&S->vm.host, 0, sizeof S->vm.host);
    S->quiet = 1;
  }
  /* The requirements ran first; what they found is history. Only what
  ** the journal holds is replayed: a check that did not finish (a
  ** question no one could answer) is not asked again, and the runbook's
  ** effects go on after every effect it started. */
  S->fx.read_only = 1;
  if (run_requirements(&S->vm, NULL) != VM_OK)
    S->fx.lanes[FX_LANE_RUNBOOK].n = effects_before(S, n ? a[0].rec : S->jr.nrecs);
  S->fx.read_only = 0;
  S->vm.paused = 0;
  for (i = 0; i < n && r != VM_PAUSED; i++) {
    Action *x = &a[i];
    switch (x->kind) {
      case A_STEP:
        if (x->abandoned) break;   /* see A_SKIP */
        if (x->unfinished && mode == REPLAY_STOP_BEFORE_UNFINISHED) {
          /* Left for a person to continue (or skip). */
          S->unfinished = x->step;
          S->unfinished_first = S->fx.lanes[FX_LANE_RUNBOOK].n;
          S->steps[x->step] = STEP_PAUSED;
          break;
        }
        if (x->unfinished) {
          /* Continued live: that is not part of the replay. */
          if (quiet) {
            S->vm.host = saved;
            S->quiet = 0;
          }
          r = session_step(S, x->step);
          if (quiet) {
            memset(&S->vm.host, 0, sizeof S->vm.host);
            S->quiet = 1;
          }
          break;
        }
        session_step(S, x->step);
        if (S->vm.diverged || fx_broken(&S->fx)) r = VM_PAUSED;
        break;
      case A_UNDO:
        session_undo(S, x->step);
        break;
      case A_SKIP:
        if (S->unfinished == x->step || abandoned_before(a, i, x->step)) {
          /* The run it cut short: what it started stays in the journal as
          ** it is; the runbook goes on after it. */
          S->unfinished = -1;
          S->fx.lanes[FX_LANE_RUNBOOK].n = effects_before(S, x->rec);
          S->attempts[x->step] = max_attempt(S, x->step, x->rec);
        }
        S->steps[x->step] = S->out[x->step].state = STEP_SKIPPED;
        if (S->last_failed == x->step) S->last_failed = -1;
        break;
      case A_IMPROVISE:
        if (x->id > 0) S->improvised = x->id - 1;   /* numbers skipped by inputs that did not parse */
        session_improvise(S, x->input, 1, NULL);
        break;
    }
    if (S->vm.diverged || fx_broken(&S->fx)) r = VM_PAUSED;   /* stop: see session_lost */
  }
  S->vm.host = saved;
  S->quiet = 0;
  mem_free(a);
  return r;
}
