/*
** events.c -- the JSON Lines event stream of a run (events.h).
*/
#include "events.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../base/duration.h"
#include "../base/mem.h"
#include "../base/utctime.h"
#include "effects.h"
#include "exits.h"

int events_open_path(const char *path, char *why, size_t whylen) {
  int fd;
  if (strcmp(path, "-") == 0) {
    fflush(stdout);
    fd = fcntl(1, F_DUPFD_CLOEXEC, 3);
    if (fd < 0 || dup2(2, 1) < 0) {
      snprintf(why, whylen, "standard output: %s", strerror(errno));
      if (fd >= 0) close(fd);
      return -1;
    }
    return fd;
  }
  fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) snprintf(why, whylen, "%s: %s", path, strerror(errno));
  return fd;
}

void events_init(Events *E, int fd, const Program *p) {
  memset(E, 0, sizeof *E);
  E->fd = fd;
  E->p = p;
}

int events_on(const Events *E) { return E->fd >= 0 || E->tap != NULL || E->changed != NULL; }

/* emitting says whether anyone reads the event lines (a stream or a tap):
** when only the status page listens, no line is made. */
static int emitting(const Events *E) { return E->fd >= 0 || E->tap != NULL; }

void events_close(Events *E) {
  size_t i;
  if (E->changed && E->dir[0]) E->changed(E->changed_ud, E->dir, NULL, 1);
  E->dir[0] = '\0';
  for (i = 0; i < E->nfx; i++) mem_free(E->fx[i].what);
  mem_free(E->fx);
  mem_free(E->pos);
  E->pos = NULL;
  if (E->fd >= 0) close(E->fd);
  E->fd = -1;
  E->fx = NULL;
  E->nfx = E->capfx = 0;
}

/* ---- writing ---------------------------------------------------------- */


/* begin starts an event's line: {"event":..,"time":..,"run":.. */
static void begin(const Events *E, Buf *b, const char *event, const char *time) {
  char now[UTC_STAMP_MAX];
  if (!time) {
    utc_now(now);
    time = now;
  }
  buf_printf(b, "{\"event\":\"%s\",\"time\":", event);
  json_put_str(b, time, strlen(time));
  buf_puts(b, ",\"run\":");
  json_put_str(b, E->run, strlen(E->run));
}

static void put_key_str(Buf *b, const char *key, const char *s) {
  if (!s) return;
  buf_printf(b, ",\"%s\":", key);
  json_put_str(b, s, strlen(s));
}

static void put_key_json(Buf *b, const char *key, const Json *j) {
  if (!j) return;
  buf_printf(b, ",\"%s\":", key);
  json_print(b, j);
}

/* finish ends the line and sends it: one write, at once. */
static void finish(Events *E, Buf *b) {
  size_t off = 0;
  buf_puts(b, "}\n");
  while (E->fd >= 0 && off < b->n) {
    ssize_t k = write(E->fd, b->p + off, b->n - off);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {   /* the reader went away: the run goes on without it */
      close(E->fd);
      E->fd = -1;
      break;
    }
    off += (size_t)k;
  }
  if (E->tap) {
    char why[128];
    Json *j = json_parse(b->p, b->n - 1, why, sizeof why);
    if (j) E->tap(E->tap_ud, j);
    json_free(j);
  }
  buf_free(b);
}

/* ---- steps (the hooks) ------------------------------------------------ */

/* position is the step's place among the steps the run does, and *of their
** number. The places are counted once, at the first event: which steps the
** run does and in which order is fixed before it starts. */
static int position(Events *E, int index, int *of) {
  int k, n = (int)E->p->nsteps, pos = 0;
  if (!E->pos) {
    E->pos = mem_alloc((size_t)(n + 1) * sizeof *E->pos);
    E->npos = 0;
    for (k = 0; k < n; k++) E->npos += !E->selected || E->selected[k];
    for (k = 0; k < n; k++) {
      int j = E->reverse ? n - 1 - k : k;   /* in the order the run does them */
      if (!E->selected || E->selected[j]) pos++;
      E->pos[j] = pos;
    }
  }
  *of = E->npos;
  return index >= 0 && index < n ? E->pos[index] : 0;
}

static void put_step(Events *E, Buf *b, int index) {
  int of, pos = position(E, index, &of);
  put_key_str(b, "step", E->p->steps[index].name);
  buf_printf(b, ",\"position\":%d,\"of\":%d", pos, of);
}

static void put_masked(Buf *b, const char *key, const VM *vm, const char *s, size_t n) {
  Buf m = BUF_INIT;
  vm_redact(vm, s, n, &m);
  buf_printf(b, ",\"%s\":", key);
  json_put_str(b, buf_cstr(&m), m.n);
  buf_free(&m);
}

static void on_step(void *ud, RunEvent ev, int index, const StepOutcome *o, VM *vm) {
  Events *E = ud;
  Buf b = BUF_INIT;
  if (!E->started || !emitting(E)) goto pass;
  switch (ev) {
    case EV_STEP_BEGIN:
      E->replaying = !vm->undoing && E->before && E->before[index].state != STEP_PENDING && fx_replaying(vm->fx);
      begin(E, &b, "step_start", NULL);
      put_step(E, &b, index);
      if (vm->undoing) buf_puts(&b, ",\"undo\":true");
      if (E->replaying) buf_puts(&b, ",\"replayed\":true");
      finish(E, &b);
      break;
    case EV_STEP_RETRY:
      begin(E, &b, "step_retry", NULL);
      put_step(E, &b, index);
      buf_printf(&b, ",\"attempt\":%d,\"of_attempts\":%d", o->attempts, vm->retries + 1);
      put_masked(&b, "error", vm, buf_cstr(&vm->fail), vm->fail.n);
      finish(E, &b);
      break;
    case EV_STEP_END: {
      const StepOutcome *was = E->replaying ? &E->before[index] : o;
      const char *state = vm->undoing && o->state == STEP_OK ? "undone" : step_state_name(was->state);
      begin(E, &b, "step_end", NULL);
      put_step(E, &b, index);
      put_key_str(&b, "outcome", state);
      buf_puts(&b, ",\"duration\":");
      dur_json(&b, was->duration);
      buf_puts(&b, ",\"waited\":");
      dur_json(&b, was->waited);
      buf_printf(&b, ",\"attempts\":%d", was->attempts > 0 ? was->attempts : 1);
      if (vm->undoing) buf_puts(&b, ",\"undo\":true");
      if (E->replaying) buf_puts(&b, ",\"replayed\":true");
      if (!E->replaying && (o->state == STEP_FAILED || o->state == STEP_PAUSED))
        put_masked(&b, o->state == STEP_PAUSED ? "waiting_for" : "error", vm, buf_cstr(&vm->fail), vm->fail.n);
      finish(E, &b);
      E->replaying = 0;
      break;
    }
    default:
      break;
  }
pass:
  if (E->inner.event) E->inner.event(E->inner.ud, ev, index, o, vm);
}

void events_hooks(Events *E, const RunHooks *inner, RunHooks *out) {
  E->inner = *inner;
  if (!events_on(E)) {
    *out = *inner;
    return;
  }
  out->ud = E;
  out->event = on_step;
}

/* ---- effects (the journal) -------------------------------------------- */

static EvEffect *find_fx(Events *E, int repl, long n) {
  size_t i = E->nfx;
  while (i-- > 0)
    if (E->fx[i].repl == repl && E->fx[i].n == n) return &E->fx[i];
  return NULL;
}

static void drop_fx(Events *E, EvEffect *x) {
  size_t i = (size_t)(x - E->fx);
  mem_free(x->what);
  memmove(&E->fx[i], &E->fx[i + 1], (E->nfx - i - 1) * sizeof *E->fx);
  E->nfx--;
}

static void put_run_fields(const Events *E, Buf *b, const Json *start, const char *operator_name) {
  const Json *params = json_get(start, "params");
  size_t k;
  put_key_str(b, "runbook", json_str(json_get(start, "runbook"), NULL));
  put_key_str(b, "title", json_str(json_get(start, "title"), NULL));
  put_key_str(b, "operator", operator_name);
  put_key_str(b, "undo_of", json_str(json_get(start, "undo_of"), NULL));
  /* the trail (docs/journal.md): the run it backs out, the watch that started it */
  put_key_str(b, "after", json_str(json_get(start, "after"), NULL));
  if (json_kind(json_get(start, "started_by")) == JSON_OBJ) {
    buf_puts(b, ",\"started_by\":");
    json_print(b, json_get(start, "started_by"));
  }
  /* the params given, without the secrets (not even their names' values) */
  buf_puts(b, ",\"params\":{");
  for (k = 0; k < json_len(params); k++) {
    size_t kl;
    const char *key = json_key(params, k, &kl);
    uint32_t q;
    int secret = 0;
    for (q = 0; q < E->p->nparams; q++)
      if (strcmp(E->p->params[q].name, key) == 0) secret = E->p->params[q].secret;
    if (secret) continue;
    if (b->p[b->n - 1] != '{') buf_putc(b, ',');
    json_put_str(b, key, kl);
    buf_putc(b, ':');
    json_print(b, json_at(params, k));
  }
  buf_putc(b, '}');
  put_key_json(b, "only", json_get(start, "only"));
  put_key_str(b, "from", json_str(json_get(start, "from"), NULL));
}

/* gate_answer writes gate_answered from a gate's effect_end r. */
static void gate_answer(Events *E, const Json *r, int step, const char *gate, const char *time) {
  Buf b = BUF_INIT;
  const Json *res = json_get(r, "result");
  int ok = 0, yes = json_bool(res, &ok);
  begin(E, &b, "gate_answered", time);
  if (step >= 0) put_step(E, &b, step);
  buf_printf(&b, ",\"effect\":%.0f", json_num(json_get(r, "n"), NULL));
  put_key_str(&b, "gate", gate);
  if (ok) {
    const char *a = !gate ? (yes ? "yes" : "no")
                    : strcmp(gate, "approve") == 0 ? (yes ? "approved" : "refused")
                    : strcmp(gate, "manual") == 0 ? (yes ? "done" : "not done") : (yes ? "yes" : "no");
    put_key_str(&b, "answer", a);
  } else {
    put_key_json(&b, "answer", res);
  }
  put_key_str(&b, "by", json_str(json_get(r, "by"), NULL));
  put_key_str(&b, "role", json_str(json_get(r, "role"), NULL));
  put_key_str(&b, "note", json_str(json_get(r, "note"), NULL));
  if (json_bool(json_get(r, "verified"), &ok) && ok) {
    buf_puts(&b, ",\"signed\":true");
    put_key_str(&b, "signer", json_str(json_get(r, "principal"), NULL));
    put_key_str(&b, "fingerprint", json_str(json_get(r, "fingerprint"), NULL));
  }
  finish(E, &b);
}

/* gate_kind is the gate's kind from its effect text ("approve lead: ...",
** "ask: ...", "manual: ..."), or NULL. */
static const char *gate_kind(const char *what) {
  if (!what) return NULL;
  if (strncmp(what, "approve", 7) == 0) return "approve";
  if (strncmp(what, "manual", 6) == 0) return "manual";
  if (strncmp(what, "ask", 3) == 0) return "ask";
  return NULL;
}

/* answered_since reports the gates answered (by rbk approve, confirm,
** answer) since the last process left the run: what a resume goes on with. */
static void answered_since(Events *E, const Journal *j) {
  size_t k, last = 0;
  for (k = 0; k < j->nrecs; k++)
    if (strcmp(j->recs[k].type, "resume") == 0) last = k;
  for (k = last; k < j->nrecs; k++) {
    const Json *r = jrn_rec_json(&j->recs[k]);
    double n;
    size_t w;
    int ok;
    if (strcmp(j->recs[k].type, "effect_end") != 0 || json_get(r, "lane")) continue;
    n = json_num(json_get(r, "n"), &ok);
    for (w = k; w-- > 0;) {
      const Json *g = jrn_rec_json(&j->recs[w]);
      int ok2;
      if (strcmp(j->recs[w].type, "gate_wait") == 0 && json_num(json_get(g, "n"), &ok2) == n && ok2) {
        const char *sn = json_str(json_get(g, "step"), NULL);
        gate_answer(E, r, sn ? prog_find_step(E->p, sn) : -1, json_str(json_get(g, "gate"), NULL),
                    json_str(json_get(r, "time"), NULL));
        break;
      }
    }
  }
}

static void on_record(void *ud, const Journal *j, const char *rtype, const char *line, size_t len) {
  Events *E = ud;
  char why[128];
  Json *r;
  const char *type, *time;
  Buf b = BUF_INIT;
  int repl, ok;
  long n;
  if (!emitting(E)) {   /* only the status page listens: it needs the type */
    if (E->changed) E->changed(E->changed_ud, E->dir, rtype, 0);
    return;
  }
  r = json_parse(line, len, why, sizeof why);
  type = json_str(json_get(r, "type"), NULL);
  time = json_str(json_get(r, "time"), NULL);
  if (!r || !type) goto out;
  repl = json_get(r, "lane") != NULL;
  n = (long)json_num(json_get(r, "n"), &ok);
  if (strcmp(type, "run_start") == 0 || strcmp(type, "resume") == 0) {
    int resumed = type[0] == 'r' && type[1] == 'e';
    const Json *start = resumed ? (j->nrecs ? jrn_rec_json(&j->recs[0]) : NULL) : r;
    const char *rid = json_str(json_get(start, "run"), NULL);
    if (rid) snprintf(E->run, sizeof E->run, "%s", rid);
    begin(E, &b, "run_start", time);
    buf_printf(&b, ",\"format_version\":%d", JSON_FORMAT_VERSION);
    if (resumed) buf_puts(&b, ",\"resumed\":true");
    put_key_str(&b, "source_sha256", json_str(json_get(r, "source_sha256"), NULL));
    put_run_fields(E, &b, start, json_str(json_get(r, "operator"), NULL));
    finish(E, &b);
    E->started = 1;
    if (resumed) answered_since(E, j);
  } else if (!E->started) {
    /* nothing before the run's start */
  } else if (strcmp(type, "effect_start") == 0 && ok) {
    const char *kind = json_str(json_get(r, "kind"), NULL), *what = json_str(json_get(r, "what"), NULL);
    const char *sn = json_str(json_get(r, "step"), NULL);
    EvEffect *x;
    if (!kind) goto out;
    if ((x = find_fx(E, repl, n)) != NULL) drop_fx(E, x);   /* begun again: a re-run */
    if (E->nfx == E->capfx) E->fx = mem_grow(E->fx, &E->capfx, E->nfx + 1, sizeof *E->fx);
    x = &E->fx[E->nfx++];
    memset(x, 0, sizeof *x);
    x->repl = repl;
    x->n = n;
    x->step = sn ? prog_find_step(E->p, sn) : -1;
    snprintf(x->kind, sizeof x->kind, "%s", kind);
    x->what = mem_strdup(what ? what : "");
    if (strcmp(kind, "cmd") == 0) {
      begin(E, &b, "command_start", time);
      if (x->step >= 0) put_step(E, &b, x->step);
      buf_printf(&b, ",\"effect\":%ld", n);
      if (repl) buf_puts(&b, ",\"lane\":\"repl\"");
      put_key_str(&b, "command", x->what);   /* masked as the journal masks it */
      if (json_get(r, "rerun")) buf_puts(&b, ",\"rerun\":true");
      finish(E, &b);
    }
  } else if (strcmp(type, "gate_wait") == 0) {
    const char *sn = json_str(json_get(r, "step"), NULL);
    int step = sn ? prog_find_step(E->p, sn) : -1;
    begin(E, &b, "gate_waiting", time);
    if (step >= 0) put_step(E, &b, step);
    buf_printf(&b, ",\"effect\":%ld", n);
    put_key_str(&b, "gate", json_str(json_get(r, "gate"), NULL));
    put_key_str(&b, "role", json_str(json_get(r, "role"), NULL));
    put_key_str(&b, "person", json_str(json_get(r, "person"), NULL));
    put_key_str(&b, "question", json_str(json_get(r, "text"), NULL));
    put_key_json(&b, "need", json_get(r, "need"));
    finish(E, &b);
  } else if (strcmp(type, "effect_end") == 0 && ok) {
    EvEffect *x = find_fx(E, repl, n);
    const Json *res = json_get(r, "result");
    if (!x) goto out;
    if (strcmp(x->kind, "cmd") == 0) {
      const Json *rec = json_get(res, "rec");
      int ok2;
      begin(E, &b, "command_end", time);
      if (x->step >= 0) put_step(E, &b, x->step);
      buf_printf(&b, ",\"effect\":%ld", n);
      if (repl) buf_puts(&b, ",\"lane\":\"repl\"");
      put_key_json(&b, "exit_status", json_get(r, "status"));
      if (json_kind(json_get(r, "duration")) == JSON_NUM) {
        buf_puts(&b, ",\"duration\":");
        dur_json(&b, json_num(json_get(r, "duration"), NULL));
      }
      if (json_bool(json_get(rec, "timed_out"), &ok2) && ok2) buf_puts(&b, ",\"timed_out\":true");
      put_key_str(&b, "error", json_str(json_get(r, "error"), NULL));
      finish(E, &b);
    } else if (strcmp(x->kind, "gate") == 0) {
      gate_answer(E, r, x->step, gate_kind(x->what), time);
    } else if (strcmp(x->kind, "verify") == 0) {
      int ok2, passed = json_bool(res, &ok2);
      begin(E, &b, "verify", time);
      if (x->step >= 0) put_step(E, &b, x->step);
      buf_printf(&b, ",\"effect\":%ld", n);
      put_key_str(&b, "condition", x->what);
      put_key_str(&b, "outcome", ok2 && passed ? "passed" : "failed");
      put_key_json(&b, "left", json_get(r, "left"));
      put_key_json(&b, "right", json_get(r, "right"));
      finish(E, &b);
    }
    drop_fx(E, x);
  } else if (strcmp(type, "decision") == 0) {
    begin(E, &b, "decision", time);
    buf_printf(&b, ",\"effect\":%ld", n);
    put_key_str(&b, "choice", json_str(json_get(r, "choice"), NULL));
    put_key_str(&b, "by", json_str(json_get(r, "by"), NULL));
    finish(E, &b);
  }
out:
  buf_free(&b);
  if (E->changed && type) E->changed(E->changed_ud, E->dir, type, 0);
  json_free(r);
}

void events_watch(Events *E, Journal *j) {
  if (!events_on(E)) return;
  snprintf(E->dir, sizeof E->dir, "%s", j->dir ? j->dir : "");
  j->observe = on_record;
  j->observe_ud = E;
}

void events_run_end(Events *E, int exit_status) {
  Buf b = BUF_INIT;
  const char *outcome = exit_status == EXIT_OK ? "succeeded"
                        : exit_status == EXIT_FAILED ? "failed"
                        : exit_status == EXIT_WAITING ? "waiting"
                        : exit_status == EXIT_INTERRUPTED ? "interrupted"
                        : exit_status == EXIT_STATE ? "journal_lost" : "stopped";
  if (!E->started) return;
  begin(E, &b, "run_end", NULL);
  put_key_str(&b, "outcome", outcome);
  buf_printf(&b, ",\"exit_status\":%d", exit_status);
  finish(E, &b);
  E->started = 0;
}
