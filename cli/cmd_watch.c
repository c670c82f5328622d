/*
** cmd_watch.c -- `rbk watch FILE`: evaluate a runbook's triggers over an
** evaluation window (seed 003: time-bound evaluation windows after a
** deployment) and act on their severity as seed 001's decision framework
** says: critical starts the declared backout, major asks the decision
** maker whether it can be fixed within the window, minor is logged.
**
** Each round reads every probe once (the triggers see the same values the
** table shows), then evaluates every trigger. A trigger is ok, pending
** (its condition holds, but not yet for its `for D`), firing, or error
** (its condition could not be evaluated). Every change of state, every
** action and its outcome is journaled in STATE/watches/ID/journal.jsonl;
** the evaluations themselves (the probes' commands) are not, since
** nothing replays a watch.
*/
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../stdlib/natives.h"
#include "../run/journal.h"
#include "../vm/valjson.h"
#include "../base/mem.h"
#include "../run/effects.h"
#include "../run/runbook.h"
#include "../run/runtime.h"
#include "../base/sha256.h"
#include "cli.h"
#include "params.h"
#include "../run/load.h"
#include "../run/runctl.h"
#include "../run/state.h"
#include "term.h"

const char usage_watch[] =
  "Usage: rbk watch [OPTIONS] FILE\n"
  "\n"
  "Watch a runbook's triggers over an evaluation window, and act on their\n"
  "severity as the backout decision framework says. Every interval, each\n"
  "probe is read once and each trigger's condition evaluated; a trigger with\n"
  "'for D' fires only once its condition has held that long.\n"
  "\n"
  "  critical  the decision maker (the runbook's owner) is notified and the\n"
  "            backout the runbook declares starts at once:\n"
  "              on critical undo             rbk undo --yes of the latest run\n"
  "                                           of this runbook\n"
  "              on critical run \"F.rbk\"      rbk run --new F.rbk (beside FILE)\n"
  "            then the watch ends.\n"
  "  major     the decision maker is notified and asked whether it can be\n"
  "            fixed within the window. 'yes' fixes forward and the watch goes\n"
  "            on; 'no' starts the backout. Without a terminal the question\n"
  "            is journaled and the watch goes on.\n"
  "  minor     logged; the watch goes on.\n"
  "\n"
  "A trigger whose condition cannot be evaluated (a probe failed, or its\n"
  "value cannot be compared) is in error; the line says which probe failed\n"
  "and why. An error ends a 'for D' hold: the condition was not seen to\n"
  "hold, so the hold starts over once it can be evaluated again. After 3\n"
  "rounds in a row in error, the decision maker is notified that the watch\n"
  "is blind to that trigger, and the table keeps showing it (error, BLIND).\n"
  "\n"
  "On a terminal a live table shows each probe's value and each trigger's\n"
  "condition and state; otherwise one line is printed per change of state\n"
  "and per action. Every change of state and every action is journaled in\n"
  "STATE/watches/ID/journal.jsonl (STATE: RBK_STATE_DIR, else .rbk/ beside\n"
  "FILE); the backout is a run of its own in STATE/runs/.\n"
  "\n"
  "Options:\n"
  "  --for D             the evaluation window (default: the runbook's\n"
  "                      'window', else 30m), e.g. 30m, 2h, 90s\n"
  "  --every D           how often to evaluate (default 30s); each probe,\n"
  "                      and each trigger's condition, has a budget of its\n"
  "                      own, D or 5s if more: one that takes longer is\n"
  "                      stopped, an error\n"
  "  --param NAME=VALUE  set a param (repeatable), as for rbk run\n"
  "  --param-file FILE   set params from a YAML or JSON file, as for rbk run\n"
  "  --as NAME           who is watching (default: the login name)\n"
  "  --timestamps        begin every line of output with the UTC time\n"
  "  -q, --quiet         show only actions (notified, backout, questions),\n"
  "                      errors and warnings, not each change of state\n"
  "  -v, --verbose       without a terminal, also a line per round with\n"
  "                      every probe's value\n"
  "  -h, --help          show this text\n"
  "\n"
  "Exit status:\n"
  "  0    the window passed and nothing called for a backout (minor\n"
  "       triggers were logged, major ones asked about)\n"
  "  1    a backout was called for (critical, or a major one that cannot\n"
  "       be fixed in the window): it ran, and the watch says whether it\n"
  "       succeeded; or it could not start, or the runbook declares none\n"
  "  2    usage error, the runbook does not compile or load, or it has no\n"
  "       trigger\n"
  "  3    the backout started and waits for a person ('rbk status')\n"
  "  5    the watch's journal could not be written (disk full): it stopped\n"
  "       at once, starting nothing more\n"
  "  130  interrupted\n";

/* The one global: a signal handler can reach nothing else. */
static volatile int interrupted;

static void on_signal(int sig) {
  (void)sig;
  interrupted = 1;
}

typedef enum TState { TS_OK, TS_PENDING, TS_FIRING, TS_ERROR } TState;

static const char *const tstate_names[] = {"ok", "pending", "firing", "error"};
static const char *const sev_names[] = {"critical", "major", "minor"};

/* Events shown under the live table. */
#define EVENTS_SHOWN 6

/* After this many rounds in a row in which a trigger cannot be evaluated,
** the decision maker is told that the watch is blind to it. */
#define BLIND_ROUNDS 3

typedef struct Trig {
  TState state;
  double since;      /* wall-clock seconds when the condition began to hold */
  Buf err;           /* why the condition could not be evaluated */
  int nerr;          /* rounds in a row in error */
  int blind;         /* the decision maker was told (nerr reached BLIND_ROUNDS) */
} Trig;

typedef struct Watch {
  Program *p;
  VM vm;
  Term t;
  Journal jr;
  const char *file, *as;
  char state[4096], name[512], id[600], dir[4800];
  double window, every, t0;
  Trig *trigs;
  Value *cache;      /* this round's probe values (V_UNDEF: not read) */
  Buf *perr;         /* a probe's failure this round */
  int rounds;
  int table_lines;   /* lines of the live table on the screen */
  char *events[EVENTS_SHOWN];
  int nevents;
  int stop;          /* an action ended the watch */
  int code;          /* the exit status so far */
  int journal_broken;
  int lockfd;        /* the watch directory's lock, held while it runs */
} Watch;

static double wall(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void clock_text(char out[16]) {
  time_t t = time(NULL);
  struct tm tm;
  localtime_r(&t, &tm);
  strftime(out, 16, "%H:%M:%S", &tm);
}

/* record journals one record; fields are masked first. A journal that
** cannot be written ends the watch: what it does must be on record. */
static void record(Watch *w, const char *type, const char *fields) {
  Buf m = BUF_INIT;
  char why[512];
  if (w->journal_broken) return;
  vm_redact(&w->vm, fields, strlen(fields), &m);
  if (jrn_append(&w->jr, type, buf_cstr(&m), why, sizeof why) != 0) {
    w->code = journal_lost("watch", &w->jr, "start a new watch ('rbk status' shows whether a backout run began)");
    w->journal_broken = 1;
    w->stop = 1;
  }
  buf_free(&m);
}

static void put_str(Buf *b, const char *key, const char *s) {
  buf_printf(b, "%s\"%s\":", b->n ? "," : "", key);
  json_put_str(b, s, strlen(s));
}

/* event shows one line: printed at once without a terminal, kept under
** the table with one. */
static void event(Watch *w, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 2, 3)))
#endif
  ;
static void event(Watch *w, const char *fmt, ...) {
  va_list ap;
  Buf raw = BUF_INIT, line = BUF_INIT;
  char hms[16];
  clock_text(hms);
  va_start(ap, fmt);
  buf_vprintf(&raw, fmt, ap);
  va_end(ap);
  buf_printf(&line, "%s ", hms);
  vm_redact(&w->vm, buf_cstr(&raw), raw.n, &line);
  if (!w->t.tty) {
    fprintf(w->t.out, "%s\n", buf_cstr(&line));
    fflush(w->t.out);
  } else {
    if (w->nevents == EVENTS_SHOWN) {
      mem_free(w->events[0]);
      memmove(w->events, w->events + 1, (EVENTS_SHOWN - 1) * sizeof *w->events);
      w->nevents--;
    }
    w->events[w->nevents++] = buf_take(&line);
  }
  buf_free(&raw);
  buf_free(&line);
}

/* value_text shows a probe's value in at most 40 bytes, masked before it
** is cut (a cut secret could not be found any more). */
static void value_text(const VM *vm, const Value *v, Buf *b) {
  Buf t = BUF_INIT;
  vm_show_repr(vm, v, &t);
  if (t.n > 40) {
    buf_add(b, t.p, 37);
    buf_puts(b, "...");
  } else {
    buf_add(b, t.p ? t.p : "", t.n);
  }
  buf_free(&t);
}

/* probes_text writes "name=value, ..." for this round. */
static void probes_text(Watch *w, Buf *b) {
  uint32_t i;
  for (i = 0; i < w->p->nprobes; i++) {
    buf_printf(b, "%s%s=", i ? ", " : "", w->p->probes[i].name);
    if (w->cache[i].t == V_UNDEF) buf_puts(b, "(error)");
    else value_text(&w->vm, &w->cache[i], b);
  }
}

static void cond_text(const Watch *w, uint32_t k, Buf *b) {
  const TriggerInfo *ti = &w->p->triggers[k];
  if (ti->end > ti->pos && ti->end <= w->p->src->len) buf_add(b, w->p->src->text + ti->pos, ti->end - ti->pos);
}

/* ---- the live table ------------------------------------------------ */

static void fmt_dur(double s, Buf *b) { val_fmt_duration(s < 1 ? s : (double)(long)(s + 0.5), b); }

static void draw(Watch *w) {
  Buf b = BUF_INIT;
  uint32_t i;
  int lines = 0, k;
  double el = wall() - w->t0;
  const char *on = w->t.color ? "\033[1m" : "", *off = w->t.color ? "\033[0m" : "";
  if (!w->t.tty) return;
  if (w->table_lines) buf_printf(&b, "\033[%dA\033[J", w->table_lines);
  buf_printf(&b, "%srbk watch %s%s  every ", on, w->file, off);
  fmt_dur(w->every, &b);
  buf_puts(&b, "  elapsed ");
  fmt_dur(el, &b);
  buf_puts(&b, " of ");
  fmt_dur(w->window, &b);
  buf_putc(&b, '\n');
  lines++;
  buf_printf(&b, "  %-24s %s\n", "PROBE", "VALUE");
  lines++;
  for (i = 0; i < w->p->nprobes; i++) {
    Buf v = BUF_INIT;
    if (w->cache[i].t == V_UNDEF) buf_printf(&v, "error: %.60s", buf_cstr(&w->perr[i]));
    else value_text(&w->vm, &w->cache[i], &v);
    buf_printf(&b, "  %-24s %s\n", w->p->probes[i].name, buf_cstr(&v));
    buf_free(&v);
    lines++;
  }
  buf_printf(&b, "  %-32s %-9s %-34s %s\n", "TRIGGER", "SEVERITY", "CONDITION", "STATE");
  lines++;
  for (i = 0; i < w->p->ntriggers; i++) {
    const TriggerInfo *ti = &w->p->triggers[i];
    Buf c = BUF_INIT;
    TState st = w->trigs[i].state;
    const char *col = !w->t.color ? "" : st == TS_FIRING ? "\033[31m" : st == TS_PENDING || st == TS_ERROR ? "\033[33m"
                                                                                                       : "\033[32m";
    cond_text(w, i, &c);
    if (ti->hold > 0) {
      buf_puts(&c, " for ");
      fmt_dur(ti->hold, &c);
    }
    if (st == TS_ERROR) {
      Buf e = BUF_INIT;
      buf_printf(&e, "error%s (%d round%s): %.60s", w->trigs[i].blind ? ", BLIND" : "", w->trigs[i].nerr,
                 w->trigs[i].nerr == 1 ? "" : "s", buf_cstr(&w->trigs[i].err));
      buf_printf(&b, "  %-32.32s %-9s %-34.34s %s%s%s\n", ti->name, sev_names[ti->severity], buf_cstr(&c), col,
                 buf_cstr(&e), off);
      buf_free(&e);
    } else {
      buf_printf(&b, "  %-32.32s %-9s %-34.34s %s%s%s\n", ti->name, sev_names[ti->severity], buf_cstr(&c), col,
                 tstate_names[st], off);
    }
    buf_free(&c);
    lines++;
  }
  for (k = 0; k < w->nevents; k++) {
    buf_printf(&b, "  %s\n", w->events[k]);
    lines++;
  }
  {
    Buf m = BUF_INIT;
    vm_redact(&w->vm, buf_cstr(&b), b.n, &m);
    fputs(buf_cstr(&m), w->t.out);
    buf_free(&m);
  }
  fflush(w->t.out);
  w->table_lines = lines;
  buf_free(&b);
}

/* ---- actions --------------------------------------------------------- */

/* decision_maker is the runbook's owner (seed 001: the PM decides a major
** issue, the deployment lead a critical one; rbk knows one owner). */
static const char *decision_maker(const Watch *w) {
  return w->p->owner >= 0 ? w->p->roles[w->p->owner].name : "owner";
}

static void notify(Watch *w, const char *text) {
  Buf err = BUF_INIT, f = BUF_INIT;
  Value v = val_cstr_new(text);
  const char *role = decision_maker(w);
  vm_notify(&w->vm, role, &v, &err);
  put_str(&f, "role", role);
  put_str(&f, "text", text);
  if (err.n) put_str(&f, "notifier_error", buf_cstr(&err));
  else if (w->p->notifier >= 0) buf_puts(&f, ",\"notifier\":\"sent\"");
  record(w, "notify", buf_cstr(&f));
  event(w, "notified %s: %s", role, text);
  if (err.n) event(w, "the notifier failed (%s); going on", buf_cstr(&err));
  val_release(v);
  buf_free(&err);
  buf_free(&f);
}

static void child_line(void *ud, int stream, const char *line, size_t n) {
  Watch *w = ud;
  if (w->t.tty && w->table_lines) w->table_lines = 0;   /* the table is redrawn below the backout's output */
  fprintf(w->t.out, "backout %s| %.*s\n", stream == 2 ? "!" : "", (int)n, line);
  fflush(w->t.out);
}

/* backout starts the backout the runbook declares, as a run of its own,
** and waits for it. */
static void backout(Watch *w, uint32_t k) {
  char self[4096], target[10000], why[4700], rid[600] = "", bid[700] = "";
  char *argv[12];
  ExecOpts o;
  ExecResult r;
  Buf f = BUF_INIT;
  ssize_t n;
  int a = 0;
  if (w->journal_broken) return;   /* what is done must be on record first */
  w->stop = 1;
  w->code = EXIT_FAILED;
  put_str(&f, "trigger", w->p->triggers[k].name);
  if (w->p->backout == BACKOUT_NONE) {
    put_str(&f, "how", "none");
    record(w, "backout", buf_cstr(&f));
    event(w, "no backout is declared (on critical undo, or on critical run \"F.rbk\"): a person must start it");
    buf_free(&f);
    return;
  }
  n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) {
    snprintf(why, sizeof why, "cannot find the rbk binary: %s", strerror(errno));
    put_str(&f, "error", why);
    record(w, "backout", buf_cstr(&f));
    event(w, "the backout cannot start: %s", why);
    buf_free(&f);
    return;
  }
  self[n] = '\0';
  argv[a++] = self;
  /* the trail (docs/journal.md): the backout is started under an ID known
  ** here, named in the backout record, and told which watch started it */
  if (w->p->backout == BACKOUT_UNDO) {
    if (state_latest(w->state, w->name, rid, sizeof rid) != 0) {
      put_str(&f, "how", "undo");
      put_str(&f, "error", "no run of this runbook to undo");
      record(w, "backout", buf_cstr(&f));
      event(w, "the backout cannot start: no run of %s in %s to undo", w->name, w->state);
      buf_free(&f);
      return;
    }
    state_run_dir(w->state, rid, target, sizeof target);
    snprintf(bid, sizeof bid, "%s-undo", rid);
    argv[a++] = (char *)(uintptr_t)"undo";
    argv[a++] = target;
    argv[a++] = (char *)(uintptr_t)"--yes";
  } else {
    const char *slash = strrchr(w->file, '/');
    if (w->p->backout_file[0] == '/' || !slash) snprintf(target, sizeof target, "%s", w->p->backout_file);
    else snprintf(target, sizeof target, "%.*s/%s", (int)(slash - w->file), w->file, w->p->backout_file);
    {
      /* a fresh ID, as rbk run would make it (NAME-YYYYMMDD-HHMMSS), made here */
      char bname[512];
      state_runbook_name(target, bname, sizeof bname);
      if (state_new_id(w->state, bname, bid, sizeof bid, why, sizeof why) != 0) {
        put_str(&f, "how", "run");
        put_str(&f, "error", why);
        record(w, "backout", buf_cstr(&f));
        event(w, "the backout cannot start: %s", why);
        buf_free(&f);
        return;
      }
    }
    argv[a++] = (char *)(uintptr_t)"run";
    argv[a++] = (char *)(uintptr_t)"--new";
    argv[a++] = (char *)(uintptr_t)"--run-id";
    argv[a++] = bid;
    /* the roll-out it backs out: the watched runbook's latest run */
    if (state_latest(w->state, w->name, rid, sizeof rid) == 0) {
      argv[a++] = (char *)(uintptr_t)"--after";
      argv[a++] = rid;
    }
    argv[a++] = target;
  }
  argv[a++] = (char *)(uintptr_t)"--started-by";
  argv[a++] = w->id;
  argv[a] = NULL;
  put_str(&f, "how", w->p->backout == BACKOUT_UNDO ? "undo" : "run");
  put_str(&f, "target", target);
  put_str(&f, "run", bid);
  if (*rid) put_str(&f, w->p->backout == BACKOUT_UNDO ? "undo_of" : "after", rid);
  record(w, "backout", buf_cstr(&f));
  if (w->journal_broken) {
    buf_free(&f);
    return;
  }
  event(w, "backout: rbk %s %s (run %s)", argv[1], target, bid);
  draw(w);
  /* The backout's runs and baselines live in the same state directory. */
  setenv("RBK_STATE_DIR", w->state, 1);
  memset(&o, 0, sizeof o);
  o.argv = argv;
  o.on_line = child_line;
  o.interrupt = &interrupted;
  o.ud = w;
  buf_reset(&f);
  if (exec_run(&o, &r) != 0) {
    snprintf(why, sizeof why, "cannot start %s: %s", self, strerror(r.spawn_errno));
    put_str(&f, "error", why);
    record(w, "backout_end", buf_cstr(&f));
    event(w, "the backout cannot start: %s", why);
  } else {
    const char *outcome = r.interrupted ? "interrupted" : r.status == 0 ? "succeeded"
                          : r.status == EXIT_WAITING ? "waiting for a person" : "failed";
    buf_printf(&f, "\"status\":%d", r.status);
    put_str(&f, "outcome", outcome);
    record(w, "backout_end", buf_cstr(&f));
    event(w, "the backout %s (rbk %s exited %d)", outcome, argv[1], r.status);
    if (w->journal_broken) {
      /* w->code is EXIT_STATE (record) */
    } else if (r.interrupted) {
      w->code = EXIT_INTERRUPTED;
    } else if (r.status == EXIT_WAITING) {
      w->code = EXIT_WAITING;
    }
  }
  exec_result_free(&r);
  buf_free(&f);
}

/* ask_major asks the decision maker whether a major issue can be fixed
** within what is left of the window: 1 yes, 0 no, -1 no one to answer. */
static int ask_major(Watch *w, uint32_t k, const char *left) {
  VmHost h;
  Buf q = BUF_INIT;
  char *note = NULL;
  int r;
  term_host(&w->t, &h);
  buf_printf(&q, "Major: \"%s\". Can it be fixed within the window (%s left)? 'no' starts the backout.",
             w->p->triggers[k].name, left);
  if (w->t.tty) {
    draw(w);
    w->table_lines = 0;   /* the prompt follows the table; the next one is drawn below */
  }
  r = h.on_gate(h.ud, GATE_ASK, buf_cstr(&q), decision_maker(w), NULL, &note);
  mem_free(note);
  buf_free(&q);
  return r;
}

static void act(Watch *w, uint32_t k) {
  const TriggerInfo *ti = &w->p->triggers[k];
  Buf text = BUF_INIT, f = BUF_INIT, left = BUF_INIT;
  fmt_dur(w->window - (wall() - w->t0) > 0 ? w->window - (wall() - w->t0) : 0, &left);
  if (ti->severity == 2) {
    put_str(&f, "trigger", ti->name);
    put_str(&f, "severity", "minor");
    put_str(&f, "action", "logged");
    record(w, "action", buf_cstr(&f));
    event(w, "minor \"%s\": logged; watching goes on", ti->name);
  } else if (ti->severity == 1) {
    int r;
    buf_printf(&text, "MAJOR: \"%s\" fired. Can it be fixed within the window (%s left)? If not, the backout starts.",
               ti->name, buf_cstr(&left));
    notify(w, buf_cstr(&text));
    r = ask_major(w, k, buf_cstr(&left));
    put_str(&f, "trigger", ti->name);
    put_str(&f, "severity", "major");
    put_str(&f, "question", "can it be fixed within the window?");
    put_str(&f, "role", decision_maker(w));
    if (r < 0) {
      buf_puts(&f, ",\"answer\":null");
      put_str(&f, "action", "question recorded (no terminal); watching goes on");
      record(w, "action", buf_cstr(&f));
      event(w, "major \"%s\": the question is recorded (no one at a terminal); watching goes on", ti->name);
    } else {
      put_str(&f, "answer", r ? "yes" : "no");
      put_str(&f, "by", w->as);
      put_str(&f, "action", r ? "fix forward" : "backout");
      record(w, "action", buf_cstr(&f));
      event(w, "major \"%s\": %s", ti->name, r ? "fixable within the window: fix forward; watching goes on"
                                             : "not fixable within the window: backout");
      if (!r) backout(w, k);
    }
  } else {
    buf_printf(&text, "CRITICAL: \"%s\" fired. The backout starts now.", ti->name);
    notify(w, buf_cstr(&text));
    put_str(&f, "trigger", ti->name);
    put_str(&f, "severity", "critical");
    put_str(&f, "action", "backout");
    record(w, "action", buf_cstr(&f));
    backout(w, k);
  }
  buf_free(&text);
  buf_free(&f);
  buf_free(&left);
}

/* ---- a round ----------------------------------------------------------- */

static void set_state(Watch *w, uint32_t k, TState to) {
  const TriggerInfo *ti = &w->p->triggers[k];
  Trig *tr = &w->trigs[k];
  TState from = tr->state;
  Buf f = BUF_INIT, pv = BUF_INIT, c = BUF_INIT;
  if (from == to && w->rounds > 1) return;
  tr->state = to;
  probes_text(w, &pv);
  cond_text(w, k, &c);
  put_str(&f, "trigger", ti->name);
  put_str(&f, "severity", sev_names[ti->severity]);
  put_str(&f, "from", tstate_names[from]);
  put_str(&f, "to", tstate_names[to]);
  put_str(&f, "condition", buf_cstr(&c));
  buf_puts(&f, ",\"probes\":{");
  {
    ValMask mask = vm_mask(&w->vm);
    uint32_t i;
    for (i = 0; i < w->p->nprobes; i++) {
      if (i) buf_putc(&f, ',');
      json_put_str(&f, w->p->probes[i].name, strlen(w->p->probes[i].name));
      buf_putc(&f, ':');
      json_put_value_masked(&f, &w->cache[i], &mask);
    }
  }
  buf_putc(&f, '}');
  if (to == TS_ERROR) put_str(&f, "error", buf_cstr(&tr->err));
  if (from != to) record(w, "trigger", buf_cstr(&f));
  if (from == to && w->t.tty) {
    /* the first round: the table shows it */
  } else if (w->t.verbose < 0 && to != TS_ERROR) {
    /* -q: what is done about a trigger is shown (notified, backout...), not its states */
  } else if (from == to)
    event(w, "%s \"%s\" (when %s): %s [%s]", sev_names[ti->severity], ti->name, buf_cstr(&c), tstate_names[to],
          buf_cstr(&pv));
  else
    event(w, "%s \"%s\": %s -> %s [%s]%s%s%s", sev_names[ti->severity], ti->name, tstate_names[from],
          tstate_names[to], buf_cstr(&pv), to == TS_ERROR ? " " : "", to == TS_ERROR ? buf_cstr(&tr->err) : "",
          to == TS_ERROR && from == TS_PENDING ? " (its 'for' hold starts over once it can be evaluated)" : "");
  buf_free(&f);
  buf_free(&pv);
  buf_free(&c);
}

/* budget is how long one probe, or one trigger's condition, may take. */
static double budget(const Watch *w) { return w->every > 5 ? w->every : 5; }

/* blind tells the decision maker that a trigger could not be evaluated
** BLIND_ROUNDS rounds in a row: the watch cannot see what it guards. */
static void blind(Watch *w, uint32_t k) {
  const TriggerInfo *ti = &w->p->triggers[k];
  Trig *tr = &w->trigs[k];
  Buf text = BUF_INIT, f = BUF_INIT;
  tr->blind = 1;
  put_str(&f, "trigger", ti->name);
  buf_printf(&f, ",\"rounds\":%d", tr->nerr);
  put_str(&f, "error", buf_cstr(&tr->err));
  record(w, "blind", buf_cstr(&f));
  buf_printf(&text, "rbk watch cannot evaluate %s trigger \"%s\" (%d rounds in a row): %s. The watch is blind to it "
                    "until it can be evaluated again.",
             sev_names[ti->severity], ti->name, tr->nerr, buf_cstr(&tr->err));
  notify(w, buf_cstr(&text));
  buf_free(&text);
  buf_free(&f);
}

/* recovered notes that a trigger that was blind can be evaluated again. */
static void recovered(Watch *w, uint32_t k) {
  Trig *tr = &w->trigs[k];
  if (tr->blind) {
    Buf f = BUF_INIT;
    put_str(&f, "trigger", w->p->triggers[k].name);
    buf_printf(&f, ",\"rounds\":%d", tr->nerr);
    record(w, "unblind", buf_cstr(&f));
    event(w, "\"%s\" can be evaluated again, after %d rounds in error", w->p->triggers[k].name, tr->nerr);
    buf_free(&f);
  }
  tr->nerr = 0;
  tr->blind = 0;
}

static void evaluate(Watch *w) {
  VM *vm = &w->vm;
  uint32_t i, nfired = 0, *fired = mem_alloc((w->p->ntriggers + 1) * sizeof *fired);
  double now = wall();
  int sev;
  w->rounds++;
  for (i = 0; i < w->p->nprobes; i++) {
    val_release(w->cache[i]);
    w->cache[i] = val_undef();
    buf_reset(&w->perr[i]);
  }
  vm->probe_cache = w->cache;
  vm->probe_errors = NULL;   /* a probe read by an earlier one runs in that one's budget */
  /* A probe stuck on a command must not stop the watch: each probe has a
  ** budget of its own, the interval or 5s, whichever is longer. */
  for (i = 0; i < w->p->nprobes && !interrupted; i++) {
    Value v;
    double deadline;
    if (w->cache[i].t != V_UNDEF) continue;   /* read by an earlier probe */
    deadline = vm->step_deadline = vm_now() + budget(w);
    if (vm_call(vm, w->p->probes[i].body, NULL, 0, &v) == VM_OK) {
      w->cache[i] = v;
    } else {
      if (vm_now() >= deadline) {
        buf_puts(&w->perr[i], "it took longer than its budget of ");
        fmt_dur(budget(w), &w->perr[i]);
        buf_puts(&w->perr[i], " and was stopped");
      } else {
        buf_add(&w->perr[i], vm->fail.p ? vm->fail.p : "", vm->fail.n);
      }
      val_release(v);
    }
  }
  if (w->t.verbose > 0 && !w->t.tty) {
    /* -v: each round's values, not only those at a change of state */
    Buf pv = BUF_INIT;
    probes_text(w, &pv);
    event(w, "round %d: %s", w->rounds, buf_cstr(&pv));
    buf_free(&pv);
  }
  vm->probe_errors = w->perr;
  /* Every trigger is evaluated first; then the ones that began to fire
  ** are acted on, critical first: a critical issue starts the backout
  ** before anyone is asked about a major one. */
  for (i = 0; i < w->p->ntriggers && !interrupted; i++) {
    const TriggerInfo *ti = &w->p->triggers[i];
    Trig *tr = &w->trigs[i];
    TState was = tr->state;
    Value v;
    VmResult r;
    double deadline = vm->step_deadline = vm_now() + budget(w);
    r = vm_call(vm, ti->cond, NULL, 0, &v);
    if (r == VM_INTERRUPTED || interrupted) break;
    if (r != VM_OK) {
      buf_reset(&tr->err);
      if (vm_now() >= deadline) {
        buf_puts(&tr->err, "the condition took longer than its budget of ");
        fmt_dur(budget(w), &tr->err);
        buf_puts(&tr->err, " and was stopped");
      } else {
        buf_add(&tr->err, vm->fail.p ? vm->fail.p : "", vm->fail.n);
      }
      tr->nerr++;
      set_state(w, i, TS_ERROR);
      if (tr->nerr == BLIND_ROUNDS && !tr->blind) blind(w, i);
    } else if (!val_truthy(&v)) {
      recovered(w, i);
      set_state(w, i, TS_OK);
    } else {
      recovered(w, i);
      if (tr->state != TS_PENDING && tr->state != TS_FIRING) tr->since = now;
      if (tr->state == TS_FIRING) set_state(w, i, TS_FIRING);
      else set_state(w, i, ti->hold > 0 && now - tr->since < ti->hold ? TS_PENDING : TS_FIRING);
    }
    val_release(v);
    if (was != TS_FIRING && tr->state == TS_FIRING) fired[nfired++] = i;
  }
  vm->step_deadline = 0;
  vm->probe_cache = NULL;
  vm->probe_errors = NULL;
  for (sev = 0; sev < 3; sev++)
    for (i = 0; i < nfired && !w->stop && !interrupted; i++)
      if (w->p->triggers[fired[i]].severity == sev) act(w, fired[i]);
  mem_free(fired);
}

/* ---- the command ------------------------------------------------------- */

static int start(Watch *w) {
  char why[1024], hex[65], host[256];
  Buf f = BUF_INIT;
  uint32_t i;
  pid_t holder = 0;
  JrnOpenReport rep;
  state_runbook_name(w->file, w->name, sizeof w->name);
  if (state_new_watch_id(w->state, w->name, w->id, sizeof w->id, w->dir, sizeof w->dir, why, sizeof why) != 0) {
    fprintf(stderr, "rbk watch: %s\n", why);
    return -1;
  }
  if (jrn_lock(w->dir, &w->lockfd, &holder, why, sizeof why) != 0 ||
      jrn_open(&w->jr, w->dir, 1, &rep, why, sizeof why) != 0) {
    fprintf(stderr, "rbk watch: %s: %s\n", w->dir, why);
    return -1;
  }
  sha256_hex(w->p->src_sha256, hex);
  if (gethostname(host, sizeof host) != 0) strcpy(host, "unknown");
  host[sizeof host - 1] = '\0';
  put_str(&f, "watch", w->id);
  put_str(&f, "runbook", w->file);
  put_str(&f, "title", w->p->title);
  buf_printf(&f, ",\"source_sha256\":\"%s\",\"window\":%.3f,\"every\":%.3f,\"triggers\":[", hex, w->window, w->every);
  for (i = 0; i < w->p->ntriggers; i++) {
    Buf c = BUF_INIT, t = BUF_INIT;
    cond_text(w, i, &c);
    put_str(&t, "name", w->p->triggers[i].name);
    put_str(&t, "severity", sev_names[w->p->triggers[i].severity]);
    put_str(&t, "condition", buf_cstr(&c));
    buf_printf(&t, ",\"for\":%.3f", w->p->triggers[i].hold);
    buf_printf(&f, "%s{%s}", i ? "," : "", buf_cstr(&t));
    buf_free(&c);
    buf_free(&t);
  }
  buf_puts(&f, "]");
  put_str(&f, "backout", w->p->backout == BACKOUT_UNDO ? "undo" : w->p->backout == BACKOUT_RUN ? w->p->backout_file
                                                                                             : "none");
  put_str(&f, "operator", w->as);
  put_str(&f, "host", host);
  buf_printf(&f, ",\"pid\":%ld,\"rbk\":\"%s\"", (long)getpid(), RBK_VERSION);
  record(w, "watch_start", buf_cstr(&f));
  buf_free(&f);
  if (w->journal_broken) return -1;
  {
    Buf d = BUF_INIT, e = BUF_INIT;
    fmt_dur(w->window, &d);
    fmt_dur(w->every, &e);
    if (w->t.verbose >= 0)
      fprintf(w->t.out, "watch %s: %u trigger%s, window %s, every %s (journal %s/journal.jsonl)\n", w->id,
              w->p->ntriggers, w->p->ntriggers == 1 ? "" : "s", buf_cstr(&d), buf_cstr(&e), w->dir);
    fflush(w->t.out);
    buf_free(&d);
    buf_free(&e);
  }
  return 0;
}

/* The options of watch (its usage above says them in full). */
enum { O_FOR = 1, O_EVERY, O_PARAM, O_AS, O_QUIET, O_VERBOSE, O_TIMESTAMPS, O_PARAM_FILE };
static const CliOpt watch_opts[] = {
  {"for", 0, O_FOR, "DURATION", "how long to watch"},
  {"every", 0, O_EVERY, "DURATION", "how often to evaluate"},
  {"param", 0, O_PARAM, "NAME=VALUE", "set a param (repeatable)"},
  {"param-file", 0, O_PARAM_FILE, "FILE", "set params from a YAML or JSON file"},
  {"as", 0, O_AS, "NAME", "who is watching"},
  {"timestamps", 0, O_TIMESTAMPS, NULL, "begin every line of output with the UTC time"},
  {"quiet", 'q', O_QUIET, NULL, "show only actions"},
  {"verbose", 'v', O_VERBOSE, NULL, "also show every probe's value each round"},
  {NULL, 0, 0, NULL, NULL},
};

static int parse_dur(const char *opt, const char *v, double *out) {
  if (val_parse_duration(v, out) != 0 || !(*out > 0))
    return cli_usage_error("watch", "%s needs a duration such as 30s, 5m or 1h30m, not '%s'", opt, v);
  return 0;
}

int cmd_watch(int argc, char **argv) {
  Watch w;
  RunOptions o;
  VmHost host;
  const NativeInfo *natives;
  uint32_t nnatives, i;
  const char **keys = mem_calloc(((size_t)argc + 1) * sizeof *keys);
  const char **vals = mem_calloc(((size_t)argc + 1) * sizeof *vals);
  ParamFile pf;
  double opt_for = 0, opt_every = 30;
  int k, c, nkv = 0, rc = EXIT_USAGE, vm_ready = 0, verbose = 0, stamps = 0;
  CliParser P;
  struct sigaction sa;
  memset(&w, 0, sizeof w);
  memset(&pf, 0, sizeof pf);
  w.jr.fd = -1;
  w.lockfd = -1;
  cli_parse_init(&P, "watch", usage_watch, watch_opts, argc, argv);
  while ((c = cli_next(&P)) != CLI_END) {
    char *v = (char *)(uintptr_t)P.value, *eq;
    if (c == CLI_HELP || c == CLI_ERROR) {
      rc = c == CLI_HELP ? EXIT_OK : EXIT_USAGE;
      break;
    } else if (c == O_FOR || c == O_EVERY) {
      if (parse_dur(P.spelled, v, c == O_FOR ? &opt_for : &opt_every) != 0) break;
    } else if (c == O_AS) {
      w.as = v;
    } else if (c == O_PARAM) {
      eq = strchr(v, '=');
      if (!eq || eq == v) {
        cli_usage_error("watch", "--param needs NAME=VALUE, got '%s'", v);
        break;
      }
      *eq = '\0';
      keys[nkv] = v;
      vals[nkv++] = eq + 1;
    } else if (c == O_PARAM_FILE) {
      if (cli_param_file("watch", &pf, v) != 0) break;
    } else if (c == O_QUIET) {
      verbose = -1;
    } else if (c == O_VERBOSE) {
      verbose = 1;
    } else if (c == O_TIMESTAMPS) {
      stamps = 1;
    } else if (c == CLI_ARG && w.file) {
      cli_usage_error("watch", "one FILE at a time (got '%s' and '%s')", w.file, v);
      break;
    } else if (c == CLI_ARG) {
      w.file = v;
    }
  }
  cli_parse_free(&P);
  if (c != CLI_END) goto done;
  if (!w.file) {
    rc = cli_usage_error("watch", "no FILE given");
    goto done;
  }
  if (!w.as) w.as = login_name();
  if (stamps && term_timestamps(&w.t) != 0) fprintf(stderr, "rbk watch: --timestamps: cannot start\n");
  w.p = load_program(w.file);
  if (!w.p || load_bind(w.p) != 0) goto done;
  if (cli_params_check_program(&pf, w.p) != 0) goto done;
  if (pf.path) {   /* the file's params first, so that a --param of the same name wins */
    const char **jk, **jv;
    cli_params_join(&pf, keys, vals, &nkv, 0, &jk, &jv);
    mem_free(keys);
    mem_free(vals);
    keys = jk;
    vals = jv;
  }
  if (w.p->ntriggers == 0) {
    fprintf(stderr, "rbk watch: %s declares no trigger: nothing to watch\n", w.file);
    goto done;
  }
  w.window = opt_for > 0 ? opt_for : w.p->window > 0 ? w.p->window : 1800;
  w.every = opt_every;
  state_dir_for_runbook(w.file, w.state, sizeof w.state);

  term_init(&w.t);
  w.t.verbose = verbose;
  if (stamps) w.t.tty = w.t.color = 0;   /* through the filter: not the terminal itself */
  term_host(&w.t, &host);
  host.on_output = NULL;    /* a probe's command output would scroll the table away */
  host.on_command = NULL;
  host.on_message = NULL;   /* notifications are shown as events */
  host.on_tick = NULL;
  natives = stdlib_natives(&nnatives);
  vm_init(&w.vm, w.p, natives, nnatives, &host, &run_runtime);
  vm_ready = 1;
  w.vm.state_dir = w.state;
  w.vm.interrupt = &interrupted;
  w.vm.operator_name = w.as;
  w.trigs = mem_calloc(w.p->ntriggers * sizeof *w.trigs);
  w.cache = mem_calloc((w.p->nprobes + 1) * sizeof *w.cache);
  w.perr = mem_calloc((w.p->nprobes + 1) * sizeof *w.perr);
  for (i = 0; i < w.p->nprobes; i++) w.cache[i] = val_undef();
  memset(&o, 0, sizeof o);
  o.keys = keys;
  o.vals = vals;
  o.nkv = nkv;
  if (run_params(&w.vm, &o) != VM_OK) {
    term_failure(&w.t, &w.vm, "");
    goto done;
  }
  if (start(&w) != 0) {
    rc = w.journal_broken ? w.code : EXIT_FAILED;
    goto done;
  }
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);

  w.code = EXIT_OK;
  w.t0 = wall();
  for (;;) {
    double next = vm_now() + w.every, left;
    evaluate(&w);
    draw(&w);
    if (w.stop || interrupted) break;
    left = w.window - (wall() - w.t0);
    if (left <= 0) break;
    if (vm_sleep(&w.vm, next - vm_now() < left ? next - vm_now() : left) != 0) break;
    if (wall() - w.t0 >= w.window) break;
  }
  if (w.journal_broken) {   /* said by record(); nothing more is written */
    rc = w.code;
    goto done;
  }
  {
    Buf f = BUF_INIT;
    const char *reason = interrupted && !w.stop ? "interrupted" : w.stop ? "backout" : "window";
    if (interrupted) w.code = EXIT_INTERRUPTED;
    put_str(&f, "reason", reason);
    buf_printf(&f, ",\"duration\":%.3f,\"rounds\":%d,\"exit\":%d", wall() - w.t0, w.rounds, w.code);
    record(&w, "watch_end", buf_cstr(&f));
    buf_free(&f);
    if (w.t.tty) draw(&w);
    if (strcmp(reason, "window") == 0) {
      Buf d = BUF_INIT;
      fmt_dur(w.window, &d);
      fprintf(w.t.out, "watch %s: the window (%s) passed; no trigger called for a backout\n", w.id, buf_cstr(&d));
      buf_free(&d);
    } else if (strcmp(reason, "interrupted") == 0) {
      fprintf(stderr, "rbk watch: interrupted\n");
    } else {
      fprintf(w.t.out, "watch %s ended: a backout was called for (see %s/journal.jsonl)\n", w.id, w.dir);
    }
    rc = w.code;
  }
done:
  if (w.trigs) {
    for (i = 0; i < w.p->ntriggers; i++) buf_free(&w.trigs[i].err);
    mem_free(w.trigs);
  }
  if (w.cache) {
    for (i = 0; i < w.p->nprobes; i++) {
      val_release(w.cache[i]);
      buf_free(&w.perr[i]);
    }
    mem_free(w.cache);
    mem_free(w.perr);
  }
  for (k = 0; k < w.nevents; k++) mem_free(w.events[k]);
  if (vm_ready) vm_free(&w.vm);
  jrn_close(&w.jr);
  jrn_unlock(w.lockfd);
  if (w.p) prog_free(w.p);
  paramfile_free(&pf);
  mem_free(keys);
  mem_free(vals);
  return rc;
}
