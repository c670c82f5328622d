/*
** runread.c -- reading runs without changing them (runread.h).
** Called by rbk runs, status, log (cli/cmd_inspect.c) and the report.
*/
#include "runread.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "../base/duration.h"
#include "../base/mem.h"
#include "../base/shquote.h"
#include "../vm/value.h"
#include "state.h"

/* ---- finding a run ---------------------------------------------------- */

int rr_is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* find_run resolves RUN to its directory, and to the way later commands
** should name it (ref): the ID when it was found in the default state
** directory, else the directory's path. Returns 0, or -1 with a message. */
int rr_find_run(const char *run, const char *state_arg, char *dir, size_t n, char *ref, size_t refn, char *err,
                size_t errlen) {
  char state[JRN_PATH_MAX];
  size_t k;
  if (strchr(run, '/')) {
    if (!rr_is_dir(run)) {
      snprintf(err, errlen, "no run directory '%s'", run);
      return -1;
    }
    snprintf(dir, n, "%s", run);
    for (k = strlen(dir); k > 1 && dir[k - 1] == '/'; k--) dir[k - 1] = '\0';
    snprintf(ref, refn, "%s", run);
    return 0;
  }
  if (state_id_check(run, STATE_ID_FOUND_MAX, err, errlen) != 0) return -1;   /* never a path out of STATE */
  if (state_arg) {
    snprintf(state, sizeof state, "%s", state_arg);
    state_warn_unsafe(state);
  } else {
    state_dir_default(state, sizeof state);
  }
  state_run_dir(state, run, dir, n);
  if (!rr_is_dir(dir)) {
    snprintf(err, errlen, "no run '%s' in %s (set RBK_STATE_DIR, or run 'rbk runs' to list them)",
             run, state);
    return -1;
  }
  snprintf(ref, refn, "%s", state_arg ? dir : run);
  return 0;
}

/* ---- reading a journal, read-only ------------------------------------ */

void rr_unload(RrJournal *L) {
  jrn_close(&L->j);
  mem_free(L->rec);
  mem_free(L->type);
  mem_free(L->line);
  mem_free(L->len);
  L->rec = NULL;
  L->type = NULL;
  L->line = NULL;
  L->len = NULL;
  L->n = 0;
}

/* load verifies DIR/journal.jsonl and keeps its valid records, parsed
** once (jrn_read_file). Returns 0, or -1 (RR_J_UNREADABLE) when nothing
** could be read. */
int rr_load(RrJournal *L, const char *dir) {
  JrnVerifyReport vr;
  size_t want, i;
  int rc;
  memset(L, 0, sizeof *L);
  L->j.fd = -1;
  if ((size_t)snprintf(L->path, sizeof L->path, "%s/journal.jsonl", dir) >= sizeof L->path) {
    L->problem = RR_J_UNREADABLE;
    snprintf(L->why, sizeof L->why, "the path is too long");
    return -1;
  }
  rc = jrn_read_file(L->path, &vr, &L->j);
  if (rc < 0) {
    L->problem = RR_J_UNREADABLE;
    snprintf(L->why, sizeof L->why, "%s", vr.reason);
    return -1;
  }
  L->problem = rc == 0 ? RR_J_INTACT : vr.torn ? RR_J_TORN : RR_J_DAMAGED;
  L->bad = vr.bad;
  snprintf(L->why, sizeof L->why, "%s", vr.reason);
  want = L->j.nrecs;
  L->rec = mem_calloc((want ? want : 1) * sizeof *L->rec);
  L->type = mem_calloc((want ? want : 1) * sizeof *L->type);
  L->line = mem_calloc((want ? want : 1) * sizeof *L->line);
  L->len = mem_calloc((want ? want : 1) * sizeof *L->len);
  for (i = 0; i < want; i++) {
    const JrnRecord *r = &L->j.recs[i];
    if (!r->type) {   /* chained and well formed, but its type is not a string */
      L->problem = RR_J_DAMAGED;
      L->bad = i;
      snprintf(L->why, sizeof L->why, "record %zu has no type", i);
      break;
    }
    L->rec[i] = jrn_rec_json(r);
    L->type[i] = rr_str(L->rec[i], "type");   /* once: every reader's loop asks */
    if (!L->type[i]) L->type[i] = "";
    L->line[i] = r->line;
    L->len[i] = r->len;
    L->n++;
  }
  return 0;
}

/* problem_text describes a journal's problem (RR_J_TORN, RR_J_DAMAGED) as
** `rbk log --verify` does. */
void rr_problem_text(const RrJournal *L, Buf *b) {
  if (L->problem == RR_J_TORN)
    buf_printf(b, "torn last record at line %" PRIu64 ": %s", L->bad + 1, L->why);
  else if (L->problem == RR_J_DAMAGED)
    buf_printf(b, "journal damaged at record %" PRIu64 " (line %" PRIu64 "): %s", L->bad, L->bad + 1,
               L->why);
  else if (L->problem == RR_J_UNREADABLE)
    buf_printf(b, "cannot read %s: %s", L->path, L->why);
}

const char *rr_str(const Json *o, const char *key) { return json_str(json_get(o, key), NULL); }

/* jint reads an integral number field. */
int rr_int(const Json *o, const char *key, long long *out) {
  int ok;
  double d = json_num(json_get(o, key), &ok);
  if (!ok || d != floor(d) || d < -9e15 || d > 9e15) return 0;
  *out = (long long)d;
  return 1;
}

/* jsecs reads a duration: a number of seconds or {"dur": seconds}. */
int rr_secs(const Json *v, double *out) {
  int ok;
  double d = json_num(v, &ok);
  if (!ok && json_kind(v) == JSON_OBJ && json_len(v) == 1) d = json_num(json_get(v, "dur"), &ok);
  if (ok && isfinite(d)) *out = d;
  return ok && isfinite(d);
}

/* parse_time reads "YYYY-MM-DDTHH:MM:SS.mmmZ" into milliseconds since the
** epoch (whole numbers, so differences are exact). */
long long rr_effect_slot(const Json *rec, size_t nrecs) {
  long long n;
  if (!rr_int(rec, "n", &n) || n < 0 || (size_t)n >= nrecs) return -1;
  return 2 * n + (json_get(rec, "lane") != NULL);
}

int rr_parse_time(const char *s, long long *out) {
  struct tm tm;
  int y, mo, d, h, mi, se, ms;
  char z;
  time_t t;
  if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &y, &mo, &d, &h, &mi, &se, &ms, &z) != 8 ||
      z != 'Z')
    return 0;
  memset(&tm, 0, sizeof tm);
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = se;
  t = timegm(&tm);
  if (t == (time_t)-1) return 0;
  *out = (long long)t * 1000 + ms;
  return 1;
}

/* put_clean appends s (n bytes, valid UTF-8 as the JSON reader
** guarantees) for a terminal: control characters escaped, at most max
** characters, then "...". */
void rr_put_clean(Buf *b, const char *s, size_t n, size_t max) {
  size_t i, chars = 0;
  if (!s) return;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if ((c & 0xC0) != 0x80) {   /* a character starts here */
      if (chars++ >= max) {
        buf_puts(b, "...");
        return;
      }
    }
    if (c == '\n') buf_puts(b, "\\n");
    else if (c == '\t') buf_puts(b, "\\t");
    else if (c == '\r') buf_puts(b, "\\r");
    else if (c < 0x20 || c == 0x7f) buf_printf(b, "\\x%02x", c);
    else if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
             (unsigned char)s[i + 1] <= 0x9F) {   /* C1 controls, U+0080..U+009F */
      buf_printf(b, "\\u%04x", (unsigned char)s[i + 1]);
      i++;
    } else buf_putc(b, (char)c);
  }
}

void rr_put_cstr(Buf *b, const char *s, size_t max) {
  if (s) rr_put_clean(b, s, strlen(s), max);
}

/* put_field appends a string field of o as clean text (strings may hold
** NUL bytes, so their length comes from the reader). */
void rr_put_field(Buf *b, const Json *o, const char *key, size_t max) {
  size_t n;
  const char *s = json_str(json_get(o, key), &n);
  if (s) rr_put_clean(b, s, n, max);
}

/* put_value appends any journaled value as a person reads it. */
void rr_put_value(Buf *b, const Json *v, size_t max) {
  Buf t = BUF_INIT;
  Value val;
  char err[160];
  if (json_to_value(v, &val, err, sizeof err) == 0) {
    val_repr_buf(&val, &t);
    val_release(val);
  } else {
    json_print(&t, v);
  }
  rr_put_clean(b, buf_cstr(&t), t.n, max);
  buf_free(&t);
}

/* ---- names to indexes ------------------------------------------------ */

static size_t name_hash(const char *s) {
  size_t h = 2166136261u;   /* FNV-1a */
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

int rr_names_get(const RrNames *m, const char *key, size_t *val) {
  size_t i;
  if (!m->cap) return 0;
  for (i = name_hash(key) & (m->cap - 1); m->key[i]; i = (i + 1) & (m->cap - 1))
    if (strcmp(m->key[i], key) == 0) {
      *val = m->val[i];
      return 1;
    }
  return 0;
}

void rr_names_put(RrNames *m, const char *key, size_t val) {
  size_t i;
  if (2 * (m->n + 1) > m->cap) {   /* at most half full */
    RrNames g;
    g.cap = m->cap ? 2 * m->cap : 16;
    g.n = 0;
    g.key = mem_calloc(g.cap * sizeof *g.key);
    g.val = mem_alloc(g.cap * sizeof *g.val);
    for (i = 0; i < m->cap; i++)
      if (m->key[i]) rr_names_put(&g, m->key[i], m->val[i]);
    rr_names_free(m);
    *m = g;
  }
  for (i = name_hash(key) & (m->cap - 1); m->key[i]; i = (i + 1) & (m->cap - 1))
    if (strcmp(m->key[i], key) == 0) {
      m->val[i] = val;
      return;
    }
  m->key[i] = key;
  m->val[i] = val;
  m->n++;
}

void rr_names_free(RrNames *m) {
  mem_free(m->key);
  mem_free(m->val);
  memset(m, 0, sizeof *m);
}

/* ---- what a journal says about its run ------------------------------- */

void rr_info_free(RrInfo *I) {
  mem_free(I->steps);
  rr_names_free(&I->step_ix);
  memset(I, 0, sizeof *I);
}

static RrStep *step_find(RrInfo *I, const char *name) {
  size_t i;
  RrStep *s;
  if (rr_names_get(&I->step_ix, name, &i)) return &I->steps[i];
  rr_names_put(&I->step_ix, name, I->nsteps);
  if (I->nsteps == I->capsteps)
    I->steps = mem_grow(I->steps, &I->capsteps, I->nsteps + 1, sizeof *I->steps);
  s = &I->steps[I->nsteps++];
  memset(s, 0, sizeof *s);
  s->name = name;
  s->state = "pending";
  return s;
}

int rr_pid_alive(long long pid) { return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM); }

long long rr_lock_pid(const char *dir) {
  char path[JRN_PATH_MAX], buf[32];
  long long pid = 0;
  ssize_t k, i;
  int fd;
  if ((size_t)snprintf(path, sizeof path, "%s/lock", dir) >= sizeof path) return 0;
  fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
  if (fd < 0) return 0;
  k = read(fd, buf, sizeof buf - 1);
  close(fd);
  for (i = 0; i < k && buf[i] >= '0' && buf[i] <= '9' && pid < 100000000; i++)
    pid = pid * 10 + (buf[i] - '0');
  return pid;
}

/* in_doubt says whether effect n started (record index in *at) and has no end. */
static int in_doubt(const long *start_at, const char *ended, size_t neff, long long n) {
  return n >= 0 && (size_t)n < neff && start_at[n] >= 0 && !ended[n];
}

/* derive works out the run's header, state and steps from its records. */
void rr_derive(const RrJournal *L, const char *dir, RrInfo *I) {
  long last_resume = -1, last_end = -1, last_gate = -1, last_paused = -1, lim;
  long *start_at;
  char *ended;
  size_t i, neff = L->n;
  const char *base = strrchr(dir, '/');
  memset(I, 0, sizeof *I);
  base = base ? base + 1 : dir;
  I->id = base;
  I->damaged = L->problem == RR_J_DAMAGED;
  I->bad = L->bad;
  if (L->n == 0 || strcmp(L->type[0], "run_start") != 0) {
    I->state = RR_S_UNREADABLE;
    if (L->problem == RR_J_UNREADABLE) snprintf(I->why, sizeof I->why, "%s", L->why);
    else if (L->n == 0 && L->problem == RR_J_INTACT) snprintf(I->why, sizeof I->why, "the journal is empty");
    else if (L->n == 0) {
      Buf t = BUF_INIT;
      rr_problem_text(L, &t);
      snprintf(I->why, sizeof I->why, "%s", buf_cstr(&t));
      buf_free(&t);
    }
    else snprintf(I->why, sizeof I->why, "the journal does not begin with a run_start record");
    return;
  }
  I->start = L->rec[0];
  I->journal_id = rr_str(I->start, "run");
  I->runbook = rr_str(I->start, "runbook");
  I->title = rr_str(I->start, "title");
  I->operator_name = rr_str(I->start, "operator");
  I->host = rr_str(I->start, "host");
  I->started = rr_str(I->start, "time");
  I->last_time = rr_str(L->rec[L->n - 1], "time");
  if (!rr_int(I->start, "pid", &I->pid)) I->pid = 0;
  {
    const Json *steps = json_get(I->start, "steps");
    for (i = 0; i < json_len(steps); i++) {
      const Json *s = json_at(steps, i);
      const char *name = json_kind(s) == JSON_STR ? json_str(s, NULL) : rr_str(s, "name");
      if (name) step_find(I, name);
    }
  }
  start_at = mem_alloc(neff * sizeof *start_at);
  ended = mem_calloc(neff);
  for (i = 0; i < neff; i++) start_at[i] = -1;
  for (i = 1; i < L->n; i++) {
    const Json *r = L->rec[i];
    const char *t = L->type[i];
    long long n;
    if (strcmp(t, "resume") == 0) {
      last_resume = (long)i;
      if (rr_int(r, "pid", &n)) I->pid = n;
    } else if (strcmp(t, "run_end") == 0) {
      last_end = (long)i;
    } else if (strcmp(t, "gate_wait") == 0) {
      last_gate = (long)i;
    } else if (strcmp(t, "paused") == 0) {
      last_paused = (long)i;
    } else if (strcmp(t, "interrupted") == 0) {
      I->intr = r;
    } else if (json_get(r, "lane")) {
      continue;   /* the REPL's own effects: never what a run waits on */
    } else if (strcmp(t, "effect_start") == 0) {
      if (rr_int(r, "n", &n) && n >= 0 && (size_t)n < neff) start_at[n] = (long)i, ended[n] = 0;
    } else if (strcmp(t, "effect_end") == 0) {
      if (rr_int(r, "n", &n) && n >= 0 && (size_t)n < neff) ended[n] = 1;
    } else if (strcmp(t, "skip") == 0 && rr_str(r, "step")) {
      step_find(I, rr_str(r, "step"))->state = "skipped";
    } else if ((strcmp(t, "step_start") == 0 || strcmp(t, "step_end") == 0) && json_get(r, "undo") &&
               rr_str(r, "step")) {
      if (t[5] == 'e') step_find(I, rr_str(r, "step"))->state = "undone";
    } else if (strcmp(t, "step_start") == 0 && rr_str(r, "step")) {
      RrStep *s = step_find(I, rr_str(r, "step"));
      s->state = "running";
      s->attempts = rr_int(r, "attempt", &n) ? n : s->attempts + 1;
      s->has_secs = 0;
      s->error = NULL;
    } else if (strcmp(t, "step_end") == 0 && rr_str(r, "step")) {
      RrStep *s = step_find(I, rr_str(r, "step"));
      s->state = rr_str(r, "state") ? rr_str(r, "state") : "ended";
      if (rr_int(r, "attempts", &n)) s->attempts = n;
      s->has_secs = rr_secs(json_get(r, "duration"), &s->secs);
      s->error = rr_str(r, "error");
    }
  }
  lim = last_resume > last_end ? last_resume : last_end;
  if (last_end >= 0 && last_end > last_resume) {
    const Json *e = L->rec[last_end];
    I->end_state = rr_str(e, "state") ? rr_str(e, "state") : "finished";
    I->state = strcmp(I->end_state, "succeeded") == 0 ? RR_S_SUCCEEDED
               : strcmp(I->end_state, "failed") == 0  ? RR_S_FAILED
                                                      : RR_S_FINISHED;
    I->ended = rr_str(e, "time");
  } else if (last_gate > lim || last_paused > lim) {
    const Json *g = last_gate > lim ? L->rec[last_gate] : NULL;
    const Json *p = last_paused > lim ? L->rec[last_paused] : NULL;
    long long pn, gn, wn = -1, m;
    long at = -1;
    I->state = RR_S_WAITING;
    I->paused = p;
    if (p && rr_int(p, "n", &pn) && !(g && rr_int(g, "n", &gn) && gn == pn)) {
      /* paused on effect n: one that started and never ended */
      if (pn >= 0 && (size_t)pn < neff && start_at[pn] >= 0) I->doubt = L->rec[start_at[pn]];
      else if (rr_str(p, "what")) I->doubt = p;
      I->wait = I->doubt ? RR_W_DOUBT : RR_W_OTHER;
      wn = pn;
      at = last_paused;
    } else if (g) {
      I->wait = RR_W_GATE;
      I->gate = g;
      if (rr_int(g, "n", &gn)) wn = gn;
      at = last_gate;
      if (wn >= 0 && (size_t)wn < neff && start_at[wn] >= 0) I->gate_effect = L->rec[start_at[wn]];
    } else {
      I->wait = RR_W_OTHER;
    }
    /* rbk approve, confirm or answer journals the answer (an effect_end or
    ** a decision for effect n); the run then waits only for rbk resume */
    for (i = at >= 0 ? (size_t)at + 1 : L->n; wn >= 0 && i < L->n; i++) {
      const char *t = L->type[i];
      if ((strcmp(t, "effect_end") == 0 || strcmp(t, "decision") == 0) && rr_int(L->rec[i], "n", &m) && m == wn)
        I->answer = L->rec[i];
    }
  } else {
    long long pid = rr_lock_pid(dir);
    I->state = RR_S_INTERRUPTED;
    I->repl_left = L->n > 0 && strcmp(L->type[L->n - 1], "repl_end") == 0;
    if (pid == I->pid && rr_pid_alive(pid)) I->state = RR_S_RUNNING;
    /* a command or call that started but whose end is not journaled */
    for (i = neff; i-- > 0;) {
      if (in_doubt(start_at, ended, neff, (long long)i)) {
        const Json *e = L->rec[start_at[i]];
        const char *kind = rr_str(e, "kind");
        if (kind && strcmp(kind, "gate") == 0) continue;
        I->doubt = e;
        break;
      }
    }
  }
  /* A step that started and did not end was cut short, unless the run is
  ** still going or waits inside it; after damage, nobody knows. */
  if (I->state != RR_S_WAITING && I->state != RR_S_RUNNING)
    for (i = 0; i < I->nsteps; i++)
      if (strcmp(I->steps[i].state, "running") == 0)
        I->steps[i].state = I->damaged ? "unknown" : "interrupted";
  mem_free(start_at);
  mem_free(ended);
}

const char *rr_state_word(const RrInfo *I) {
  if (I->damaged && I->state != RR_S_UNREADABLE) return "damaged";
  switch (I->state) {
    case RR_S_SUCCEEDED: return "succeeded";
    case RR_S_FAILED: return "failed";
    case RR_S_FINISHED: return I->end_state;
    case RR_S_WAITING: return "waiting";
    case RR_S_RUNNING: return "running";
    case RR_S_UNREADABLE: return "unreadable";
    default: return I->repl_left ? "left open at the REPL" : "interrupted";
  }
}

/* put_who appends PREFIX "ROLE (PERSON)", PREFIX "PERSON" or nothing. */
void rr_put_who(Buf *b, const char *prefix, const Json *g) {
  const char *role = rr_str(g, "role"), *person = rr_str(g, "person");
  if (role && *role) {
    buf_puts(b, prefix);
    rr_put_cstr(b, role, 60);
    if (person && *person) {
      buf_puts(b, " (");
      rr_put_cstr(b, person, 60);
      buf_putc(b, ')');
    }
  } else if (person && *person) {
    buf_puts(b, prefix);
    rr_put_cstr(b, person, 60);
  }
}

/* put_answer appends how a gate or an in-doubt effect was answered:
** "approved by jane as lead", "rerun chosen by bob". */
void rr_put_answer(Buf *b, const RrInfo *I) {
  const Json *a = I->answer;
  const char *kind = rr_str(I->gate, "gate");
  int yes, ok;
  if (strcmp(rr_str(a, "type"), "decision") == 0) {
    rr_put_cstr(b, rr_str(a, "choice") ? rr_str(a, "choice") : "?", 20);
    buf_puts(b, " chosen");
  } else {
    yes = json_bool(json_get(a, "result"), &ok);
    if (!kind || !ok) buf_puts(b, "answered");
    else if (strcmp(kind, "approve") == 0) buf_puts(b, yes ? "approved" : "refused");
    else if (strcmp(kind, "manual") == 0) buf_puts(b, yes ? "confirmed" : "not confirmed");
    else if (strcmp(kind, "ask") == 0) buf_puts(b, yes ? "answered yes" : "answered no");
    else buf_puts(b, "answered");
  }
  if (rr_str(a, "by")) {
    buf_puts(b, " by ");
    rr_put_field(b, a, "by", 60);
  }
  if (rr_str(a, "role")) {
    buf_puts(b, " as ");
    rr_put_field(b, a, "role", 60);
  }
}

/* put_waiting_for appends what a waiting run waits for, in short. */
void rr_put_waiting_for(Buf *b, const RrInfo *I) {
  if (I->answer) {
    buf_puts(b, "resume (");
    rr_put_answer(b, I);
    buf_putc(b, ')');
  } else if (I->wait == RR_W_GATE) {
    const char *kind = rr_str(I->gate, "gate");
    if (!kind) kind = "";
    if (strcmp(kind, "approve") == 0) buf_puts(b, "approval");
    else if (strcmp(kind, "manual") == 0) buf_puts(b, "confirmation");
    else if (strcmp(kind, "ask") == 0) buf_puts(b, "an answer");
    else {
      buf_puts(b, "gate ");
      rr_put_cstr(b, kind, 30);
    }
    rr_put_who(b, " by ", I->gate);
  } else if (I->wait == RR_W_DOUBT) {
    const char *kind = rr_str(I->doubt, "kind");
    buf_puts(b, "a decision on an in-doubt ");
    rr_put_cstr(b, kind && strcmp(kind, "cmd") != 0 ? kind : "command", 20);
    if (rr_str(I->doubt, "step")) {
      buf_puts(b, " in step ");
      rr_put_cstr(b, rr_str(I->doubt, "step"), 60);
    }
  } else {
    const char *reason = rr_str(I->paused, "reason");
    if (reason && *reason) rr_put_cstr(b, reason, 80);
    else buf_puts(b, "a person");
  }
}

/* put_summary appends the one-line state: "succeeded", "waiting: ...". */
void rr_put_summary(Buf *b, const RrInfo *I) {
  if (I->state == RR_S_UNREADABLE) {
    buf_puts(b, "unreadable: ");
    rr_put_cstr(b, I->why, 200);
    return;
  }
  if (I->damaged) {
    buf_printf(b, "damaged: record %" PRIu64 " (line %" PRIu64 ")", I->bad, I->bad + 1);
    return;
  }
  rr_put_cstr(b, rr_state_word(I), 40);
  if (I->state == RR_S_WAITING) {
    buf_puts(b, ": ");
    rr_put_waiting_for(b, I);
  }
}

int rr_run_secs(const RrInfo *I, double *out) {
  long long a, z;
  const char *end = I->ended ? I->ended : I->last_time;
  if (!rr_parse_time(I->started, &a) || !rr_parse_time(end, &z) || z < a) return 0;
  *out = (double)(z - a) / 1000.0;
  return 1;
}

/* linked_state reads the state word of run id, beside dir (a run
** directory), into out ("" when it cannot be read). */
static void linked_state(const char *dir, const char *id, char *out, size_t n) {
  char odir[JRN_PATH_MAX];
  const char *slash = strrchr(dir, '/');
  RrJournal OL;
  RrInfo OI;
  *out = '\0';
  if (!id || strchr(id, '/')) return;
  snprintf(odir, sizeof odir, "%.*s/%s", slash ? (int)(slash - dir) : 1, slash ? dir : ".", id);
  if (!rr_is_dir(odir)) return;
  if (rr_load(&OL, odir) == 0) {
    rr_derive(&OL, odir, &OI);
    snprintf(out, n, "%s", rr_state_word(&OI));
    rr_info_free(&OI);
  }
  rr_unload(&OL);
}

void rr_trail(const RrJournal *L, const RrInfo *I, const char *dir, RrTrail *T) {
  size_t i;
  memset(T, 0, sizeof *T);
  if (I->start) {
    const Json *sb = json_get(I->start, "started_by");
    T->started_by = json_kind(sb) == JSON_OBJ ? sb : NULL;
    T->undo_of = rr_str(I->start, "undo_of");
    T->backout_of = rr_str(I->start, "after");
  }
  for (i = 0; i < L->n; i++) {
    const Json *r = L->rec[i];
    const char *t = L->type[i], *rel;
    if (strcmp(t, "link") != 0) continue;   /* the type first: most records are effects */
    if (!(rel = rr_str(r, "relation")) || !rr_str(r, "run")) continue;
    if (strcmp(rel, "undo") == 0) T->undone_by = rr_str(r, "run");
    else if (strcmp(rel, "backout") == 0) T->backed_out_by = rr_str(r, "run");
  }
  if (T->undone_by) linked_state(dir, T->undone_by, T->undone_state, sizeof T->undone_state);
  if (T->backed_out_by) linked_state(dir, T->backed_out_by, T->backed_out_state, sizeof T->backed_out_state);
}

void rr_put_started_by(Buf *b, const Json *sb) {
  const Json *probes = json_get(sb, "probes");
  size_t i;
  if (rr_str(sb, "watch")) {
    buf_puts(b, "watch ");
    rr_put_field(b, sb, "watch", 200);
  } else {
    buf_puts(b, "-");
  }
  if (rr_str(sb, "trigger")) {
    buf_puts(b, ": trigger \"");
    rr_put_field(b, sb, "trigger", 200);
    buf_putc(b, '"');
    if (rr_str(sb, "severity")) {
      buf_puts(b, " (");
      rr_put_field(b, sb, "severity", 20);
      buf_putc(b, ')');
    }
    buf_puts(b, " fired");
    if (rr_str(sb, "fired_at")) {
      buf_puts(b, " at ");
      rr_put_field(b, sb, "fired_at", 40);
    }
  }
  if (rr_str(sb, "decided_by")) {
    buf_puts(b, "; ");
    rr_put_field(b, sb, "decided_by", 100);
    buf_puts(b, " answered that it could not be fixed within the window");
  }
  if (json_kind(probes) == JSON_OBJ && json_len(probes)) {
    buf_puts(b, "; probes ");
    for (i = 0; i < json_len(probes); i++) {
      size_t kl;
      const char *k = json_key(probes, i, &kl);
      if (i) buf_puts(b, ", ");
      rr_put_clean(b, k, kl, 60);
      buf_putc(b, '=');
      rr_put_value(b, json_at(probes, i), 60);
    }
  }
}

static void put_jstr(Buf *b, const char *key, const char *s) {
  buf_printf(b, ",\"%s\":", key);
  if (s) json_put_str(b, s, strlen(s));
  else buf_puts(b, "null");
}

void rr_put_trail_json(Buf *b, const RrTrail *T) {
  buf_puts(b, "{\"started_by\":");
  if (T->started_by) json_print(b, T->started_by);
  else buf_puts(b, "null");
  put_jstr(b, "undo_of", T->undo_of);
  put_jstr(b, "undone_by", T->undone_by);
  put_jstr(b, "undone_by_state", T->undone_by && *T->undone_state ? T->undone_state : NULL);
  put_jstr(b, "backout_of", T->backout_of);
  put_jstr(b, "backed_out_by", T->backed_out_by);
  put_jstr(b, "backed_out_by_state", T->backed_out_by && *T->backed_out_state ? T->backed_out_state : NULL);
  buf_putc(b, '}');
}

/* put_link appends ", DONE RUN" once the linked run succeeded, else
** ", NOUN RUN STATE" (", undo X-undo failed"); nothing when its journal
** cannot be read. */
static void put_link(Buf *b, const char *done, const char *noun, const char *run, const char *state) {
  if (!run || !*state) return;
  buf_printf(b, ", %s ", strcmp(state, "succeeded") == 0 ? done : noun);
  rr_put_cstr(b, run, 200);
  if (strcmp(state, "succeeded") != 0) {
    buf_putc(b, ' ');
    rr_put_cstr(b, state, 30);
  }
}

/* rr_put_undo_links appends how run (its journal L, in dir) is linked to
** others: its undo run and the run that backs it out (with their states,
** from their own journals), and what it undoes, backs out or was started
** by. Nothing for a run with no link. */
void rr_put_undo_links(Buf *b, const RrJournal *L, const RrInfo *I, const char *dir) {
  RrTrail T;
  rr_trail(L, I, dir, &T);
  put_link(b, "undone by", "undo", T.undone_by, T.undone_state);
  put_link(b, "backed out by", "backout", T.backed_out_by, T.backed_out_state);
  if (T.undo_of) {
    buf_puts(b, ", undo of ");
    rr_put_cstr(b, T.undo_of, 200);
  }
  if (T.backout_of) {
    buf_puts(b, ", backout of ");
    rr_put_cstr(b, T.backout_of, 200);
  }
  if (T.started_by && rr_str(T.started_by, "watch")) {
    buf_puts(b, ", started by watch ");
    rr_put_field(b, T.started_by, "watch", 200);
  }
}

size_t rr_hosts(const RrJournal *L, RrHost **out) {
  RrHost *h = NULL;
  size_t nh = 0, cap = 0, i, k;
  for (i = 0; i < L->n; i++) {
    const Json *r = L->rec[i];
    const char *t = L->type[i], *step, *host, *st;
    const Json *u;
    int isb = 0, undo;
    long long a = 0;
    if (strcmp(t, "host_end") != 0) continue;   /* the type first: most records are effects */
    step = rr_str(r, "step"), host = rr_str(r, "host"), st = rr_str(r, "state");
    if (!step || !host || !st) continue;
    u = json_get(r, "undo");
    undo = u && json_bool(u, &isb) && isb;
    for (k = 0; k < nh; k++)
      if (strcmp(h[k].step, step) == 0 && strcmp(h[k].host, host) == 0 && h[k].undo == undo) break;
    if (k == nh) h = mem_grow(h, &cap, ++nh, sizeof *h);
    memset(&h[k], 0, sizeof h[k]);
    h[k].step = step;
    h[k].host = host;
    h[k].state = st;
    h[k].undo = undo;
    h[k].error = rr_str(r, "error");
    rr_secs(json_get(r, "duration"), &h[k].secs);
    if (rr_int(r, "attempts", &a)) h[k].attempts = a;
    if (rr_int(r, "batch", &a)) h[k].batch = a;
  }
  *out = h;
  return nh;
}

void rr_put_hosts(Buf *b, const RrJournal *L, int json) {
  RrHost *h;
  size_t nh = rr_hosts(L, &h), k;
  int ws = 4, wh = 4;
  if (json) {
    buf_putc(b, '[');
    for (k = 0; k < nh; k++) {
      if (k) buf_putc(b, ',');
      buf_puts(b, "{\"step\":");
      json_put_str(b, h[k].step, strlen(h[k].step));
      buf_puts(b, ",\"host\":");
      json_put_str(b, h[k].host, strlen(h[k].host));
      buf_puts(b, ",\"outcome\":");
      json_put_str(b, h[k].state, strlen(h[k].state));
      buf_puts(b, ",\"duration\":");
      dur_json(b, h[k].secs);
      buf_printf(b, ",\"attempts\":%lld,\"undo\":%s,\"reason\":", h[k].attempts, h[k].undo ? "true" : "false");
      if (h[k].error) json_put_str(b, h[k].error, strlen(h[k].error));
      else buf_puts(b, "null");
      buf_putc(b, '}');
    }
    buf_putc(b, ']');
    mem_free(h);
    return;
  }
  if (!nh) return;
  for (k = 0; k < nh; k++) {
    int n = (int)strlen(h[k].step) + (h[k].undo ? 5 : 0);
    if (n > ws) ws = n > 40 ? 40 : n;
    n = (int)strlen(h[k].host);
    if (n > wh) wh = n > 60 ? 60 : n;
  }
  buf_printf(b, "\nHosts\n  %-*s  %-*s  %-8s  %-9s  %-8s  %s\n", ws, "STEP", wh, "HOST", "OUTCOME", "DURATION",
             "ATTEMPTS", "REASON");
  for (k = 0; k < nh; k++) {
    Buf s = BUF_INIT, e = BUF_INIT;
    size_t n;
    buf_printf(&s, "%s%s", h[k].undo ? "undo " : "", h[k].step);
    buf_printf(b, "  %-*.*s  ", ws, ws, buf_cstr(&s));
    buf_free(&s);
    rr_put_cstr(&e, h[k].host, 60);
    buf_printf(b, "%-*s  %-8s  %8.3fs  %-8lld  ", wh, buf_cstr(&e), h[k].state, h[k].secs, h[k].attempts);
    buf_reset(&e);
    if (h[k].error) {
      n = strcspn(h[k].error, "\n");   /* its first line */
      rr_put_clean(&e, h[k].error, n, 200);
    }
    buf_puts(b, e.n ? buf_cstr(&e) : "-");
    while (b->n && b->p[b->n - 1] == ' ') b->p[--b->n] = '\0';
    buf_putc(b, '\n');
    buf_free(&e);
  }
  mem_free(h);
}

void rr_put_word(Buf *b, const char *s) {
  const char *p;
  for (p = s; *p; p++)
    if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:@%+=,-", *p)) {
      shquote(s, strlen(s), SHQ_BARE, b);
      return;
    }
  buf_puts(b, s);
}

int rr_put_continue(Buf *b, const RrInfo *I, int state, const char *ref) {
  int answers = 0;
  if (I->damaged) return 0;   /* resume refuses a damaged journal */
  if (state == RR_S_WAITING && !I->answer && I->wait == RR_W_GATE) {
    const char *kind = rr_str(I->gate, "gate"), *role = rr_str(I->gate, "role");
    if (!kind) kind = "";
    if (strcmp(kind, "approve") == 0) {
      buf_puts(b, "rbk approve ");
      rr_put_word(b, ref);
      if (role && *role && !strchr(role, ',')) {   /* a list of roles: whoever answers says which */
        buf_puts(b, " --as ");
        rr_put_word(b, role);
      }
      answers = 1;
    } else if (strcmp(kind, "manual") == 0) {
      buf_puts(b, "rbk confirm ");
      rr_put_word(b, ref);
      answers = 1;
    } else if (strcmp(kind, "ask") == 0) {
      buf_puts(b, "rbk answer ");
      rr_put_word(b, ref);
      buf_puts(b, " yes|no");
      answers = 1;
    }
    if (answers) buf_putc(b, '\n');
  } else if (state == RR_S_WAITING && !I->answer && I->wait == RR_W_DOUBT) {
    buf_puts(b, "rbk answer ");
    rr_put_word(b, ref);
    buf_puts(b, " rerun|skip|done\n");
    answers = 1;
  }
  if (state == RR_S_WAITING || state == RR_S_INTERRUPTED) {
    /* an undo run is continued by undoing its original again */
    const char *of = I->start ? rr_str(I->start, "undo_of") : NULL;
    buf_puts(b, of ? "rbk undo " : "rbk resume ");
    rr_put_word(b, of ? of : ref);
    buf_putc(b, '\n');
  }
  return answers;
}
