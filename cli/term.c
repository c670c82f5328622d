/*
** term.c -- the terminal face of a run.
** Its VmHost and RunHooks are handed to sessions by cli/runui.c and rbk undo.
*/
#include "term.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../base/diag.h"
#include "../base/duration.h"
#include "../base/mem.h"
#include "../run/effects.h"
#include "stamp.h"

#define BOLD(t) ((t)->color ? "\033[1m" : "")
#define DIM(t) ((t)->color ? "\033[2m" : "")
#define GREEN(t) ((t)->color ? "\033[32m" : "")
#define RED(t) ((t)->color ? "\033[31m" : "")
#define YELLOW(t) ((t)->color ? "\033[33m" : "")
#define OFF(t) ((t)->color ? "\033[0m" : "")

/* heartbeat_every is RBK_HEARTBEAT ("2s", "500ms", "1m", or seconds),
** else 30 seconds: a testing knob. */
static double heartbeat_every(void) {
  const char *e = getenv("RBK_HEARTBEAT");
  char *end;
  double v;
  if (!e || !*e) return 30;
  v = strtod(e, &end);
  if (end == e || v <= 0) return 30;
  if (strcmp(end, "ms") == 0) v /= 1000;
  else if (strcmp(end, "m") == 0) v *= 60;
  else if (strcmp(end, "h") == 0) v *= 3600;
  else if (*end && strcmp(end, "s") != 0) return 30;
  return v < 0.1 ? 0.1 : v;
}

void term_init(Term *t) {
  memset(t, 0, sizeof *t);
  t->out = stdout;
  t->tty = isatty(fileno(stdout));
  t->color = diag_use_color(stdout);
  t->interactive = isatty(0) && t->tty;
  t->step = t->last_step = -1;
  t->beat_every = heartbeat_every();
}

/* dur: a progress line's elapsed time, to a tenth of a second below 10s,
** in the one form (base/duration.h) */
static void dur(double s, Buf *b) {
  if (s < 0) { buf_puts(b, "-"); return; }
  dur_format(b, s < 10 ? round(s * 10) / 10 : (double)(long)(s + 0.5));
}

static void clear_progress(Term *t) {
  if (t->progress_shown) {
    fputs("\r\033[K", t->out);
    t->progress_shown = 0;
  }
}

/* Command output is held back at most this long, and this much of it. */
#define TERM_HOLD_S 0.1
#define TERM_HOLD_BYTES 65536

static double mono_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One write() per block of whole lines: a line is never split between
** two writes, so another writer on the same terminal or pipe cannot cut
** into it, and a chatty command costs one system call per 64 KiB, not
** one per line. */
void term_flush(Term *t) {
  size_t off = 0;
  if (!t->held.n) return;
  clear_progress(t);
  fflush(t->out);
  while (off < t->held.n) {
    ssize_t k = write(fileno(t->out), t->held.p + off, t->held.n - off);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) break;   /* as fprintf would: a closed or full output loses the text */
    off += (size_t)k;
  }
  buf_free(&t->held);   /* nothing held between commands, so nothing to free at exit */
}

/* settle makes the screen ready for other text: held output first. */
static void settle(Term *t) {
  term_flush(t);
  clear_progress(t);
}

static const char *step_name(const Term *t) {
  if (t->vm && t->vm->step_label) return t->vm->step_label;   /* a step on hosts: "STEP@HOST" */
  return t->vm && t->step >= 0 ? t->vm->prog->steps[t->step].name : "rbk";
}

static void on_output(void *ud, int stream, const char *line, size_t n) {
  Term *t = ud;
  if (t->verbose < 0) return;   /* -q */
  if (!t->held.n) t->held_since = mono_now(), t->held_lines = 0;
  buf_puts(&t->held, DIM(t));   /* "%s%s %s|%s ", without printf's cost per line */
  buf_puts(&t->held, step_name(t));
  buf_puts(&t->held, stream == 2 ? " !|" : " |");
  buf_puts(&t->held, OFF(t));
  buf_putc(&t->held, ' ');
  if (n && line[n - 1] == '\r') n--;   /* a CRLF line end */
  buf_visible(&t->held, line, n, 0);
  buf_putc(&t->held, '\n');
  /* the clock is read every 32 lines (on_tick also flushes, 4 times a second) */
  if (t->held.n >= TERM_HOLD_BYTES || (++t->held_lines % 32 == 0 && mono_now() - t->held_since >= TERM_HOLD_S))
    term_flush(t);
}

static void on_output_end(void *ud) { term_flush(ud); }

static void on_command(void *ud, const char *cmd) {
  Term *t = ud;
  Buf b = BUF_INIT;
  if (t->verbose < 0) return;
  settle(t);
  buf_visible(&b, cmd, strlen(cmd), BUF_VIS_NL);
  fprintf(t->out, "%s  $ %s%s\n", BOLD(t), buf_cstr(&b), OFF(t));
  fflush(t->out);
  buf_free(&b);
}

static void on_message(void *ud, const char *kind, const char *text) {
  Term *t = ud;
  Buf b = BUF_INIT;
  if (t->verbose < 0 && strcmp(kind, "warning") != 0) return;   /* -q: warnings only */
  settle(t);
  buf_visible(&b, text, strlen(text), BUF_VIS_NL);
  if (strcmp(kind, "notify") == 0) fprintf(t->out, "  %snotify%s %s\n", YELLOW(t), OFF(t), buf_cstr(&b));
  else fprintf(t->out, "  %s%s:%s %s\n", DIM(t), kind, OFF(t), buf_cstr(&b));
  fflush(t->out);
  buf_free(&b);
}

/* heartbeat: when stdout is not a terminal (a CI log), a step running
** long says so every t->beat_every seconds:
** "... step restore_db still running, 1m30s of 30m". */
static void heartbeat(Term *t) {
  const StepInfo *st;
  double el;
  Buf b = BUF_INIT;
  if (t->verbose < 0 || !t->vm || t->step < 0 || t->vm->step != t->step || t->replayed) return;
  el = vm_now() - t->vm->step_start;
  if (el < t->beat_next) return;
  while (t->beat_next <= el) t->beat_next += t->beat_every;
  st = &t->vm->prog->steps[t->step];
  term_flush(t);
  buf_printf(&b, "... step %s still running, ", st->name);
  val_fmt_duration((double)(long)el, &b);
  if (t->vm->step_deadline > 0) {
    buf_puts(&b, " of ");
    val_fmt_duration((double)(long)(t->vm->step_deadline - t->vm->step_start + 0.5), &b);
  } else if (st->expect > 0) {
    buf_puts(&b, ", expected ");
    val_fmt_duration(st->expect, &b);
  }
  fprintf(t->out, "%s\n", buf_cstr(&b));
  fflush(t->out);
  buf_free(&b);
}

/* The progress line: elapsed against the plan and the limit. */
static void on_tick(void *ud, double elapsed) {
  Term *t = ud;
  Buf b = BUF_INIT;
  const StepInfo *st;
  if (t->held.n && mono_now() - t->held_since >= TERM_HOLD_S) term_flush(t);
  if (!t->tty) {
    heartbeat(t);
    return;
  }
  if (t->verbose < 0 || !t->vm || t->step < 0) return;
  st = &t->vm->prog->steps[t->step];
  buf_puts(&b, "  ... ");
  dur(elapsed, &b);
  buf_puts(&b, " elapsed");
  if (st->expect > 0) { buf_puts(&b, ", expected "); dur(st->expect, &b); }
  if (t->vm->step_deadline > 0) {
    buf_puts(&b, ", timeout ");
    dur(t->vm->step_deadline - t->vm->step_start, &b);
  }
  fprintf(t->out, "\r\033[K%s%s%s", DIM(t), buf_cstr(&b), OFF(t));
  fflush(t->out);
  t->progress_shown = 1;
  buf_free(&b);
}

/* read_answer reads a line of stdin, or NULL at its end. End-of-file typed
** at a terminal (Ctrl-D) ends this answer only: the flag it leaves on stdin
** is cleared, so that later gates still ask. */
static char *read_answer(Term *t) {
  char line[1024];
  size_t n;
  if (!fgets(line, sizeof line, stdin)) {
    if (isatty(0)) clearerr(stdin);
    fputc('\n', t->out);   /* the prompt's line ends here, not in the next message */
    fflush(t->out);
    return NULL;
  }
  n = strlen(line);
  while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
  return mem_strdup(line);
}

static int yes(const char *a) {
  return a && (strcmp(a, "y") == 0 || strcmp(a, "yes") == 0 || strcmp(a, "Y") == 0 || strcmp(a, "YES") == 0 ||
               strcmp(a, "done") == 0);
}

static int on_gate(void *ud, GateKind k, const char *text, const char *role, const char *person, char **note) {
  Term *t = ud;
  char *a;
  int r;
  if (!t->interactive) return -1;
  settle(t);
  switch (k) {
    case GATE_MANUAL:
      fprintf(t->out, "  %sMANUAL%s %s\n  Type 'done' when it is done, or 'no' if it cannot be: ", YELLOW(t), OFF(t), text);
      break;
    case GATE_ASK:
      fprintf(t->out, "  %sQUESTION%s %s [yes/no]: ", YELLOW(t), OFF(t), text);
      break;
    default:
      fprintf(t->out, "  %sAPPROVAL%s needed from %s%s%s%s%s%s\n  Approve as %s? [yes/no]: ", YELLOW(t), OFF(t), role,
              person ? " (" : "", person ? person : "", person ? ")" : "", text && *text ? ": " : "", text ? text : "",
              role);
  }
  fflush(t->out);
  for (;;) {
    a = read_answer(t);
    if (!a) return -2;   /* Ctrl-D: no answer this time */
    if (yes(a) || strcmp(a, "no") == 0 || strcmp(a, "n") == 0) break;
    fprintf(t->out, "  Please answer %s: ", k == GATE_MANUAL ? "'done' or 'no'" : "'yes' or 'no'");
    fflush(t->out);
    mem_free(a);
  }
  r = yes(a);
  mem_free(a);
  if (k == GATE_APPROVE && r) {
    fprintf(t->out, "  Note (optional): ");
    fflush(t->out);
    *note = read_answer(t);
  }
  return r;
}

static int on_choice(void *ud, const char *text, const char *const *options, int n) {
  Term *t = ud;
  char line[256];
  int k;
  settle(t);
  if (!t->interactive) return -1;
  fprintf(t->out, "  IN DOUBT %s\n", text);
  for (;;) {
    fprintf(t->out, "  Choose ");
    for (k = 0; k < n; k++) fprintf(t->out, "%s%s", k ? "/" : "", options[k]);
    fprintf(t->out, ": ");
    fflush(t->out);
    if (!fgets(line, sizeof line, stdin)) {
      if (isatty(0)) clearerr(stdin);
      fputc('\n', t->out);
      return -1;
    }
    line[strcspn(line, "\r\n")] = '\0';
    for (k = 0; k < n; k++)
      if (strcmp(line, options[k]) == 0) return k;
  }
}

void term_host(Term *t, VmHost *h) {
  memset(h, 0, sizeof *h);
  h->ud = t;
  h->on_output = on_output;
  h->on_output_end = on_output_end;
  h->on_command = on_command;
  h->on_message = on_message;
  h->on_tick = on_tick;
  h->on_gate = on_gate;
  h->on_choice = on_choice;
}

void term_failure(Term *t, const VM *vm, const char *what) {
  Diags d;
  Diag *dg;
  Buf msg = BUF_INIT, line = BUF_INIT;
  settle(t);
  fflush(t->out);
  diag_init(&d);
  buf_visible(&msg, buf_cstr(&vm->fail), vm->fail.n, BUF_VIS_NL);   /* it may quote a command's output */
  if (vm->failed_has_pos)
    dg = diag_add(&d, SEV_ERROR, "runtime", vm->fail_src ? vm->fail_src : vm->prog->src, vm->fail_pos, vm->fail_end, "%s%s", what,
                  buf_cstr(&msg));
  else
    dg = diag_add(&d, SEV_ERROR, "runtime", NULL, 0, 0, "%s%s", what, buf_cstr(&msg));
  if (dg && !vm->failed_has_pos) dg->file = vm->prog->src->name;
  diag_print_text(&d, stderr, diag_use_color(stderr));
  if (vm->detail.n) {
    const char *p = buf_cstr(&vm->detail), *end = p + vm->detail.n;
    while (p < end) {
      const char *e = memchr(p, '\n', (size_t)(end - p));
      size_t n = e ? (size_t)(e - p) : (size_t)(end - p);
      buf_reset(&line);
      buf_visible(&line, p, n, 0);
      fprintf(stderr, "  %s\n", buf_cstr(&line));
      p += n + (e ? 1 : 0);
    }
  }
  buf_free(&msg);
  buf_free(&line);
  diag_free(&d);
}

void term_waiting(Term *t, const VM *vm, const char *run, int repl) { term_waiting_then(t, vm, run, repl, NULL); }

void term_waiting_then(Term *t, const VM *vm, const char *run, int repl, const char *then) {
  const char *m = buf_cstr(&vm->fail), *role = NULL;
  const char *by = "waiting for approval by ";
  Buf cmd = BUF_INIT;
  Source *src = vm->fail_src ? vm->fail_src : vm->prog->src;
  clear_progress(t);
  fflush(t->out);
  if (strncmp(m, by, strlen(by)) == 0) role = m + strlen(by);
  if (!role && strncmp(m, "waiting for ", 12) == 0 && strstr(m, " signed approvals by ")) {
    /* approve by N of ROLE, ROLE: each signer answers with a key of one of them */
    const char *roles = strstr(m, " signed approvals by ") + 21;
    int n = (int)strcspn(roles, " ");
    if (repl) buf_printf(&cmd, ":approve ROLE \"note\" (ROLE one of %.*s; each signer with their own key)", n, roles);
    else buf_printf(&cmd, "rbk approve %s --as ROLE --key FILE (ROLE one of %.*s; each signer with their own key)", run, n,
                    roles);
  } else if (role) {
    int n = (int)strcspn(role, " ");
    if (repl) buf_printf(&cmd, ":approve %.*s \"note\"", n, role);
    else buf_printf(&cmd, "rbk approve %s --as %.*s%s", run, n, role, strstr(m, ", signed with") ? " --key FILE" : "");
  } else if (strstr(m, "rerun|skip|done")) {
    if (repl) buf_puts(&cmd, ":answer rerun (or skip, or done)");
    else buf_printf(&cmd, "rbk answer %s rerun (or skip, or done)", run);
  } else if (strstr(m, "confirm a manual step")) {
    if (repl) buf_puts(&cmd, ":confirm \"note\"");
    else buf_printf(&cmd, "rbk confirm %s%s", run, strstr(m, ", signed with") ? " --key FILE" : "");
  } else if (strstr(m, "answer a question")) {
    if (repl) buf_puts(&cmd, ":answer yes (or no)");
    else buf_printf(&cmd, "rbk answer %s yes (or no)%s", run, strstr(m, ", signed with") ? " --key FILE" : "");
  } else {
    if (repl) buf_puts(&cmd, ":approve, :confirm or :answer");
    else buf_printf(&cmd, "rbk approve/confirm/answer %s ('rbk status %s' says which)", run, run);
  }
  if (vm->failed_has_pos && src) {
    int line, col;
    src_linecol(src, vm->fail_pos, &line, &col);
    fprintf(stderr, "%s:%d:%d: ", src_name_at(src, vm->fail_pos), line, col);
  }
  fprintf(stderr, "%s%s%s", YELLOW(t), m, OFF(t));
  if (vm->step >= 0) fprintf(stderr, " (step %s)", vm->prog->steps[vm->step].name);
  else if (t->last_step >= 0 && (uint32_t)t->last_step < vm->prog->nsteps)
    fprintf(stderr, " (step %s)", vm->prog->steps[t->last_step].name);
  fprintf(stderr, "\n  to go on: %s%s\n", buf_cstr(&cmd), repl ? ", then :next" : "");
  if (then) fprintf(stderr, "  then: %s\n", then);
  else if (!repl) fprintf(stderr, "  then: rbk resume %s\n", run);
  buf_free(&cmd);
}

static void on_event(void *ud, RunEvent ev, int index, const StepOutcome *o, VM *vm) {
  Term *t = ud;
  const Program *p = vm->prog;
  t->vm = vm;
  term_flush(t);
  switch (ev) {
    case EV_REQUIRE:
      if (t->verbose < 0) break;
      fprintf(t->out, "%s==> require: %s%s\n", BOLD(t), p->reqs[index].name, OFF(t));
      break;
    case EV_REQUIRE_FAILED:
      term_failure(t, vm, "requirement not met: ");
      break;
    case EV_STEP_BEGIN: {
      const StepInfo *st = &p->steps[index];
      Buf b = BUF_INIT;
      t->step = index;
      t->nth++;
      t->beat_next = t->beat_every;
      /* done before this process: shown once, when it ends, as replayed */
      /* (and its effects are still to be answered from the journal: at
      ** the REPL, ':run STEP' of a step done before runs it again, live) */
      t->replayed = !vm->undoing && t->before && t->before[index].state != STEP_PENDING && fx_replaying(vm->fx);
      if (t->replayed || t->verbose < 0) {
        buf_free(&b);
        break;
      }
      if (st->owner >= 0) {
        buf_printf(&b, "owner %s", p->roles[st->owner].name);
        if (p->roles[st->owner].person[0]) buf_printf(&b, " (%s)", p->roles[st->owner].person);
      }
      if (st->expect > 0) { buf_puts(&b, b.n ? ", expect " : "expect "); dur(st->expect, &b); }
      if (st->timeout > 0) { buf_puts(&b, b.n ? ", timeout " : "timeout "); dur(st->timeout, &b); }
      int pos = index + 1, k;
      /* the step's place in the plan (among the selected steps), however
      ** often or late it runs */
      if (t->selected)
        for (pos = 0, k = 0; k <= index; k++) pos += t->selected[k] != 0;
      if (vm->undoing) {
        /* an undo block runs: not the step again */
        fprintf(t->out, "%s<== undo %s%s%s%s\n", BOLD(t), st->name, st->title[0] ? ": " : "", st->title, OFF(t));
        fflush(t->out);
        buf_free(&b);
        break;
      }
      fprintf(t->out, "%s==> [%d/%d] %s%s%s%s", BOLD(t), pos, t->total, st->name, st->title[0] ? ": " : "",
              st->title, OFF(t));
      if (b.n) fprintf(t->out, "  %s(%s)%s", DIM(t), buf_cstr(&b), OFF(t));
      fputc('\n', t->out);
      fflush(t->out);
      buf_free(&b);
      break;
    }
    case EV_STEP_RETRY: {
      Buf b = BUF_INIT;
      term_failure(t, vm, "");
      dur(vm->retry_every, &b);
      fprintf(t->out, "  %sretrying%s (attempt %d of %d) in %s\n", YELLOW(t), OFF(t), o->attempts + 1,
              vm->retries + 1, buf_cstr(&b));
      buf_free(&b);
      break;
    }
    case EV_STEP_HANDLER:
      term_failure(t, vm, "");
      fprintf(t->out, "  %son failure:%s running the handler\n", YELLOW(t), OFF(t));
      break;
    case EV_STEP_END: {
      Buf b = BUF_INIT;
      settle(t);
      t->last_step = index;
      if (t->replayed && (o->state == STEP_OK || o->state == STEP_RECOVERED)) {
        /* its original outcome and time, from the journal */
        const StepOutcome *w = &t->before[index];
        t->replayed = 0;
        t->step = -1;
        if (t->verbose < 0) break;
        dur(w->duration, &b);
        fprintf(t->out, "%s--- %s: %s%s (%s, done before)\n", GREEN(t), p->steps[index].name,
                step_state_name(w->state), OFF(t), buf_cstr(&b));
        buf_free(&b);
        break;
      }
      t->replayed = 0;
      if (o->state == STEP_FAILED) term_failure(t, vm, "");
      if (t->verbose < 0 && o->state != STEP_FAILED && o->state != STEP_INTERRUPTED) {
        t->step = -1;
        break;
      }
      dur(o->duration, &b);
      fprintf(t->out, "%s--- %s: %s%s (%s)\n", o->state == STEP_OK || o->state == STEP_RECOVERED ? GREEN(t) : RED(t),
              p->steps[index].name, vm->undoing && o->state == STEP_OK ? "undone" : step_state_name(o->state), OFF(t),
              buf_cstr(&b));
      fflush(t->out);
      buf_free(&b);
      t->step = -1;
      break;
    }
  }
  fflush(t->out);
}

void term_event(void *ud, const Json *ev) {
  Term *t = ud;
  const char *e = json_str(json_get(ev, "event"), NULL);
  Buf b = BUF_INIT;
  if (!e || t->verbose <= 0) return;
  if (strcmp(e, "verify") == 0) {
    const char *cond = json_str(json_get(ev, "condition"), NULL), *outcome = json_str(json_get(ev, "outcome"), NULL);
    Buf l = BUF_INIT, r = BUF_INIT;
    if (json_get(ev, "left")) json_print(&l, json_get(ev, "left"));
    if (json_get(ev, "right")) json_print(&r, json_get(ev, "right"));
    buf_visible(&b, cond ? cond : "", cond ? strlen(cond) : 0, BUF_VIS_NL);
    settle(t);
    fprintf(t->out, "  %sverify%s %s: %s", DIM(t), OFF(t), buf_cstr(&b), outcome ? outcome : "?");
    if (l.n || r.n) fprintf(t->out, " (left %s, right %s)", l.n ? buf_cstr(&l) : "-", r.n ? buf_cstr(&r) : "-");
    fputc('\n', t->out);
    buf_free(&l);
    buf_free(&r);
  } else if (strcmp(e, "command_end") == 0 && json_get(ev, "exit_status")) {
    int ok;
    double st = json_num(json_get(ev, "exit_status"), &ok), d = json_num(json_get(ev, "duration"), NULL);
    dur(d, &b);
    settle(t);
    fprintf(t->out, "  %sexit %d (%s)%s\n", DIM(t), ok ? (int)st : -1, buf_cstr(&b), OFF(t));
  }
  fflush(t->out);
  buf_free(&b);
}

int term_timestamps(Term *t) {
  if (stamp_start() != 0) return -1;
  t->tty = 0;   /* a pipe now: no progress line, no colour; gates still ask */
  t->color = 0;
  return 0;
}

void term_hooks(Term *t, RunHooks *h) {
  h->ud = t;
  h->event = on_event;
}

void term_summary(Term *t, const Program *p, const StepOutcome *o) {
  uint32_t i;
  double actual = 0, planned = 0, waited = 0;
  size_t w = 5;   /* at least as wide as "total" */
  int any_wait = 0;
  Buf a = BUF_INIT, e = BUF_INIT, g = BUF_INIT;
  term_flush(t);
  for (i = 0; i < p->nsteps; i++) {
    if (strlen(p->steps[i].name) > w) w = strlen(p->steps[i].name);
    if (o[i].state != STEP_PENDING && o[i].state != STEP_SKIPPED && o[i].waited >= 0.05) any_wait = 1;
  }
  /* Time at a gate is a person's, not the step's: when there was any, it
  ** has a column of its own (the actual time includes it). */
  fprintf(t->out, "\n%s%-*s  %-11s  %9s  %9s", BOLD(t), (int)w, "step", "status", "actual", "expected");
  if (any_wait) fprintf(t->out, "  %9s", "waiting");
  fprintf(t->out, "%s\n", OFF(t));
  for (i = 0; i < p->nsteps; i++) {
    int ran = o[i].state != STEP_PENDING && o[i].state != STEP_SKIPPED;
    buf_reset(&a);
    buf_reset(&e);
    buf_reset(&g);
    if (ran) { dur(o[i].duration, &a); actual += o[i].duration; }
    else buf_puts(&a, "-");
    if (p->steps[i].expect > 0) { dur(p->steps[i].expect, &e); planned += p->steps[i].expect; }
    else buf_puts(&e, "-");
    if (ran && o[i].waited >= 0.05) { dur(o[i].waited, &g); waited += o[i].waited; }
    else buf_puts(&g, "-");
    fprintf(t->out, "%-*s  %-11s  %9s  %9s", (int)w, p->steps[i].name, step_state_name(o[i].state), buf_cstr(&a),
            buf_cstr(&e));
    if (any_wait) fprintf(t->out, "  %9s", buf_cstr(&g));
    fputc('\n', t->out);
  }
  buf_reset(&a);
  buf_reset(&e);
  buf_reset(&g);
  dur(actual, &a);
  if (planned > 0) dur(planned, &e);
  else buf_puts(&e, "-");
  fprintf(t->out, "%-*s  %-11s  %9s  %9s", (int)w, "total", "", buf_cstr(&a), buf_cstr(&e));
  if (any_wait) {
    dur(waited, &g);
    fprintf(t->out, "  %9s\n(actual includes the time spent waiting at gates for a person: ", buf_cstr(&g));
    buf_reset(&a);
    dur(actual - waited, &a);
    fprintf(t->out, "%s without it)", buf_cstr(&a));
  }
  fputc('\n', t->out);
  buf_free(&a);
  buf_free(&e);
  buf_free(&g);
  fflush(t->out);
}
