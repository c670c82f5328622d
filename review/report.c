/*
** report.c -- building the post-run review of a run from its journal
** (report.h). One pass over the records, in order; the runbook the run
** began with (source.rbk in the run directory) gives the plan.
*/
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../grammar/ast.h"
#include "../compiler/astq.h"
#include "../compiler/check.h"
#include "../grammar/imports.h"
#include "../compiler/kind.h"
#include "../grammar/parse.h"
#include "../base/mem.h"
#include "../vm/value.h"
#include "docw.h"

#define CODE_ON PLAN_CODE_ON
#define CODE_OFF PLAN_CODE_OFF

/* A vector grown with mem_grow. */
#define PUSH(arr, n, cap) ((n) == (cap) ? (void)((arr) = mem_grow((arr), &(cap), (n) + 1, sizeof *(arr))) : (void)0, &(arr)[(n)++])

typedef struct Rb {
  Report *r;
  const RrJournal *L;
  long long t0;               /* the run's start, ms since the epoch */
  long *start_at;             /* effect slot (rr_effect_slot) -> index of its (latest) effect_start record */
  long *cmd_of;               /* effect slot -> index in r->cmds, or -1 */
  long long cur_improv;       /* the improvisation in progress, or 0 */
  size_t capev, capcmd, capdec, capimp, capfail, capops, capsteps;
  struct VMsg {
    const char *cond, *msg;
  } *vmsgs;                   /* the runbook's verifies: condition text -> message */
  size_t nv, capv;
  RrNames step_ix;            /* step name -> index in r->steps (until they are sorted) */
  RrNames vmsg_ix;            /* condition text -> index in vmsgs, the first one */
  RrNames ops;                /* operators named so far */
} Rb;

static const char *keep(Rb *b, Buf *t) {
  const char *s = arena_strndup(&b->r->arena, t->p ? t->p : "", t->n);
  buf_reset(t);
  return s;
}

static const char *str_or(const Json *o, const char *key, const char *dflt) {
  const char *s = rr_str(o, key);
  return s ? s : dflt;
}

/* at converts a journal time to seconds since the run started. */
static double at(Rb *b, const char *time) {
  long long ms;
  if (!rr_parse_time(time, &ms) || b->t0 < 0) return 0;
  return (double)(ms - b->t0) / 1000.0;
}

static void add_operator(Rb *b, const char *who) {
  Report *r = b->r;
  size_t i;
  if (!who || !*who || rr_names_get(&b->ops, who, &i)) return;
  rr_names_put(&b->ops, who, r->noperators);
  *PUSH(r->operators, r->noperators, b->capops) = who;
}

static void event(Rb *b, const Json *rec, const char *kind, Buf *text) {
  RepEvent *e = PUSH(b->r->events, b->r->nevents, b->capev);
  e->time = rr_str(rec, "time");
  e->at = at(b, e->time);
  e->kind = kind;
  e->text = keep(b, text);
  e->improv = b->cur_improv;
}

static void value(Buf *t, const Json *v, size_t max) {
  Buf x = BUF_INIT;
  rr_put_value(&x, v, max);
  dw_plain(t, buf_cstr(&x));
  buf_free(&x);
}

static RepStep *step_of(Rb *b, const char *name) {
  Report *r = b->r;
  size_t i;
  RepStep *s;
  if (!name) return NULL;
  if (rr_names_get(&b->step_ix, name, &i)) return &r->steps[i];
  rr_names_put(&b->step_ix, name, r->nsteps);
  s = PUSH(r->steps, r->nsteps, b->capsteps);
  memset(s, 0, sizeof *s);
  s->number = (int)r->nsteps;
  s->name = name;
  s->title = name;
  s->state = "pending";
  return s;
}

static RepImprov *improv_of(Rb *b, long long id) {
  size_t i;
  for (i = b->r->nimprovs; i-- > 0;)   /* the latest first: it is nearly always the one */
    if (b->r->improvs[i].id == id) return &b->r->improvs[i];
  return NULL;
}

/* gate_parts splits a gate effect's "what" ("approve lead: TEXT",
** "ask -: TEXT") into its kind, role and text. */
static void gate_parts(Rb *b, const char *what, const char **kind, const char **role, const char **txt) {
  Buf t = BUF_INIT;
  const char *sp = what ? strchr(what, ' ') : NULL, *colon = sp ? strstr(sp, ": ") : NULL;
  *kind = *role = NULL;
  *txt = what ? what : "";
  if (!sp || !colon) return;
  buf_add(&t, what, (size_t)(sp - what));
  *kind = keep(b, &t);
  buf_add(&t, sp + 1, (size_t)(colon - sp - 1));
  *role = strcmp(buf_cstr(&t), "-") == 0 ? (buf_reset(&t), NULL) : keep(b, &t);
  *txt = colon + 2;
  buf_free(&t);
}

static const char *verify_message(Rb *b, const char *cond) {
  size_t i;
  return cond && rr_names_get(&b->vmsg_ix, cond, &i) ? b->vmsgs[i].msg : NULL;
}

static void failed_verify(Rb *b, const Json *rec, const char *step, const char *what, const Json *left,
                          const Json *right, const char *message) {
  RepVerify *v = PUSH(b->r->failed, b->r->nfailed, b->capfail);
  Buf t = BUF_INIT;
  v->time = rr_str(rec, "time");
  v->at = at(b, v->time);
  v->step = step;
  v->what = what ? what : "?";
  v->message = message ? message : verify_message(b, what);
  v->left = v->right = NULL;
  if (left) {
    value(&t, left, 200);
    v->left = keep(b, &t);
  }
  if (right) {
    value(&t, right, 200);
    v->right = keep(b, &t);
  }
  v->improv = b->cur_improv;
  buf_puts(&t, "verify failed");
  if (step) buf_printf(&t, " in %s", step);
  buf_puts(&t, ": ");
  dw_code(&t, v->what);
  if (v->message) {
    buf_puts(&t, " (");
    dw_plain(&t, v->message);
    buf_puts(&t, ")");
  }
  if (v->left || v->right) {
    buf_puts(&t, "; left ");
    dw_code(&t, v->left ? v->left : "-");
    buf_puts(&t, ", right ");
    dw_code(&t, v->right ? v->right : "-");
  }
  event(b, rec, "verify", &t);
  buf_free(&t);
}

/* ---- one record at a time ------------------------------------------- */

static void on_effect_start(Rb *b, size_t i, const Json *rec) {
  Report *r = b->r;
  const char *kind = str_or(rec, "kind", "effect"), *what = rr_str(rec, "what"), *step = rr_str(rec, "step");
  long long n;
  Buf t = BUF_INIT;
  if ((n = rr_effect_slot(rec, b->L->n)) >= 0) b->start_at[n] = (long)i;
  if (b->cur_improv) {
    RepImprov *im = improv_of(b, b->cur_improv);
    if (im) {
      size_t cap = im->neffects;   /* grown one at a time: improvisations are short */
      buf_printf(&t, "%s: ", kind);
      dw_plain(&t, what);
      im->effects = mem_grow(im->effects, &cap, im->neffects + 1, sizeof *im->effects);
      im->effects[im->neffects++] = keep(b, &t);
    }
  }
  if (strcmp(kind, "cmd") == 0) {
    RepCmd *c = PUSH(r->cmds, r->ncmds, b->capcmd);
    memset(c, 0, sizeof *c);
    c->time = rr_str(rec, "time");
    c->at = at(b, c->time);
    c->step = step;
    c->what = what ? what : "?";
    c->improv = b->cur_improv;
    if (n >= 0) b->cmd_of[n] = (long)(r->ncmds - 1);
    if (json_bool(json_get(rec, "rerun"), NULL)) {
      buf_puts(&t, "re-ran a command that was in doubt: ");
      dw_code(&t, c->what);
      event(b, rec, "command", &t);
    }
  } else if (strcmp(kind, "log") == 0) {
    buf_puts(&t, "log");
    if (step) buf_printf(&t, " in %s", step);
    buf_puts(&t, ": ");
    dw_plain(&t, what);
    event(b, rec, "log", &t);
  } else if (strcmp(kind, "notify") == 0) {
    buf_puts(&t, "notified ");
    dw_plain(&t, what);
    event(b, rec, "notify", &t);
  }
  buf_free(&t);
}

/* put_by_as appends " by WHO as ROLE" (each part only when known). */
static void put_by_as(Buf *t, const char *by, const char *role) {
  if (by) {
    buf_puts(t, " by ");
    dw_plain(t, by);
  }
  if (role) {
    buf_puts(t, " as ");
    dw_plain(t, role);
  }
}

static void on_effect_end(Rb *b, const Json *rec) {
  Report *r = b->r;
  long long n;
  const Json *st, *res = json_get(rec, "result");
  const char *kind;
  Buf t = BUF_INIT;
  int flag;
  if ((n = rr_effect_slot(rec, b->L->n)) < 0 || b->start_at[n] < 0) return;
  st = b->L->rec[b->start_at[n]];
  kind = str_or(st, "kind", "effect");
  if (strcmp(kind, "cmd") == 0 && b->cmd_of[n] >= 0) {
    RepCmd *c = &r->cmds[b->cmd_of[n]];
    const Json *rc = json_get(res, "rec");
    long long status;
    double d;
    c->ended = 1;
    if (rr_int(rc, "status", &status) || rr_int(rec, "status", &status)) {
      c->has_status = 1;
      c->status = status;
    }
    if (rr_secs(json_get(rc, "duration"), &d) || rr_secs(json_get(rec, "duration"), &d)) {
      c->has_secs = 1;
      c->secs = d;
    }
    c->timed_out = json_bool(json_get(rc, "timed_out"), NULL);
    if (json_get(rec, "truncated")) {
      c->truncated = 1;
      rr_int(json_get(rec, "truncated"), "out", &c->out_dropped);
      rr_int(json_get(rec, "truncated"), "err", &c->err_dropped);
    }
    c->left_running = rr_str(rec, "left_running");
    if (json_bool(json_get(rec, "skipped"), NULL)) c->note = "skipped by decision";
    else if (json_bool(json_get(rec, "marked_done"), NULL)) c->note = "marked done by decision";
    if (c->has_status && c->status != 0) {
      const char *err = json_str(json_get(rc, "err"), NULL);
      if (err && *err) {
        value(&t, json_get(rc, "err"), 160);
        c->err = keep(b, &t);
      }
    }
    buf_puts(&t, "ran ");
    dw_code(&t, c->what);
    if (c->step) buf_printf(&t, " in %s", c->step);
    if (c->note) buf_printf(&t, " (%s)", c->note);
    else if (c->has_status) buf_printf(&t, ": exit %lld", c->status);
    if (c->timed_out) buf_puts(&t, ", timed out");
    if (c->has_secs) {
      buf_puts(&t, " after ");
      val_fmt_duration(c->secs, &t);
    }
    if (c->truncated)
      buf_printf(&t, "; output truncated in the journal (%lld bytes of stdout, %lld of stderr dropped)", c->out_dropped,
                 c->err_dropped);
    if (c->left_running) {
      buf_puts(&t, "; ");
      dw_plain(&t, c->left_running);
    }
    {   /* the event is dated when the command started */
      RepEvent *e = PUSH(r->events, r->nevents, b->capev);
      e->time = c->time;
      e->at = c->at;
      e->kind = "command";
      e->text = keep(b, &t);
      e->improv = c->improv;
    }
  } else if (strcmp(kind, "gate") == 0) {
    RepDecision *d = PUSH(r->decisions, r->ndecisions, b->capdec);
    const char *gk, *role, *txt;
    int ok = 0, yes = json_bool(res, &ok);
    memset(d, 0, sizeof *d);
    d->verified = -1;
    gate_parts(b, rr_str(st, "what"), &gk, &role, &txt);
    d->time = rr_str(rec, "time");
    d->at = at(b, d->time);
    d->step = rr_str(st, "step");
    d->text = txt;
    d->by = rr_str(rec, "by");
    d->role = rr_str(rec, "role") ? rr_str(rec, "role") : role;
    d->note = rr_str(rec, "note");
    d->improv = b->cur_improv;
    {
      int vok = 0, v = json_bool(json_get(rec, "verified"), &vok);
      d->verified = vok ? v : -1;
      d->fingerprint = rr_str(rec, "fingerprint");
      d->principal = rr_str(rec, "principal");
      if (!rr_int(rec, "approvals", &d->signers)) d->signers = 0;
    }
    add_operator(b, d->by);
    if (gk && strcmp(gk, "approve") == 0) {
      d->kind = "approval";
      d->answer = !ok ? "answered" : yes ? "approved" : "refused";
    } else if (gk && strcmp(gk, "manual") == 0) {
      d->kind = "confirmation";
      d->answer = !ok ? "answered" : yes ? "confirmed" : "not confirmed";
    } else {
      d->kind = "answer";
      d->answer = !ok ? "answered" : yes ? "yes" : "no";
    }
    dw_plain(&t, d->kind);
    buf_puts(&t, ": ");
    dw_plain(&t, d->answer);
    put_by_as(&t, d->by, d->role);
    buf_puts(&t, ": \u201c");
    dw_plain(&t, d->text);
    buf_puts(&t, "\u201d");
    if (d->note) {
      buf_puts(&t, ", note \u201c");
      dw_plain(&t, d->note);
      buf_puts(&t, "\u201d");
    }
    event(b, rec, "answer", &t);
  } else if (strcmp(kind, "verify") == 0) {
    flag = json_bool(res, NULL);
    if (flag) r->verifies_passed++;
    else failed_verify(b, rec, rr_str(st, "step"), rr_str(st, "what"), json_get(rec, "left"), json_get(rec, "right"),
                       NULL);
  }
  buf_free(&t);
}

static void on_gate_wait(Rb *b, const Json *rec) {
  Buf t = BUF_INIT, w = BUF_INIT;
  const char *g = str_or(rec, "gate", "gate");
  buf_puts(&t, "paused for ");
  buf_puts(&t, strcmp(g, "approve") == 0 ? "approval" : strcmp(g, "manual") == 0 ? "confirmation" : "an answer");
  rr_put_who(&w, " by ", rec);
  dw_plain(&t, buf_cstr(&w));
  buf_puts(&t, ": \u201c");
  dw_plain(&t, rr_str(rec, "text"));
  buf_puts(&t, "\u201d");
  event(b, rec, "gate", &t);
  buf_free(&t);
  buf_free(&w);
}

/* on_approval: one signature at an 'approve by N of' gate (the gate opens
** at the Nth; its effect_end is the approval decision). */
static void on_approval(Rb *b, const Json *rec) {
  Report *r = b->r;
  RepDecision *d = PUSH(r->decisions, r->ndecisions, b->capdec);
  long long n;
  const Json *st = NULL;
  const char *gk, *role, *txt = "";
  Buf t = BUF_INIT;
  int vok = 0, v = json_bool(json_get(rec, "verified"), &vok);
  memset(d, 0, sizeof *d);
  if ((n = rr_effect_slot(rec, b->L->n)) >= 0 && b->start_at[n] >= 0) st = b->L->rec[b->start_at[n]];
  if (st) gate_parts(b, rr_str(st, "what"), &gk, &role, &txt);
  d->time = rr_str(rec, "time");
  d->at = at(b, d->time);
  d->kind = "signature";
  d->step = rr_str(st, "step");
  d->text = txt;
  d->answer = "signed";
  d->by = rr_str(rec, "by");
  d->role = rr_str(rec, "role");
  d->note = rr_str(rec, "note");
  d->verified = vok ? v : -1;
  d->fingerprint = rr_str(rec, "fingerprint");
  d->principal = rr_str(rec, "principal");
  d->improv = b->cur_improv;
  add_operator(b, d->by);
  buf_puts(&t, "signed approval");
  put_by_as(&t, d->by, d->role);
  if (d->fingerprint) {
    buf_puts(&t, " with key ");
    dw_plain(&t, d->fingerprint);
  }
  buf_puts(&t, ": \u201c");
  dw_plain(&t, d->text);
  buf_puts(&t, "\u201d");
  event(b, rec, "answer", &t);
  buf_free(&t);
}

static void on_decision(Rb *b, const Json *rec) {
  Report *r = b->r;
  RepDecision *d = PUSH(r->decisions, r->ndecisions, b->capdec);
  long long n;
  const Json *st = NULL;
  Buf t = BUF_INIT;
  memset(d, 0, sizeof *d);
  d->verified = -1;
  if ((n = rr_effect_slot(rec, b->L->n)) >= 0 && b->start_at[n] >= 0) st = b->L->rec[b->start_at[n]];
  d->time = rr_str(rec, "time");
  d->at = at(b, d->time);
  d->kind = "decision";
  d->step = rr_str(st, "step");
  d->text = str_or(st, "what", "an effect in doubt");
  d->answer = str_or(rec, "choice", "?");
  d->by = rr_str(rec, "by");
  d->note = rr_str(rec, "reason");
  d->improv = b->cur_improv;
  add_operator(b, d->by);
  buf_puts(&t, "decision on an effect in doubt (");
  dw_code(&t, d->text);
  buf_puts(&t, "): ");
  dw_plain(&t, d->answer);
  if (d->by) {
    buf_puts(&t, " by ");
    dw_plain(&t, d->by);
  }
  if (d->note) {
    buf_puts(&t, ": \u201c");
    dw_plain(&t, d->note);
    buf_puts(&t, "\u201d");
  }
  event(b, rec, "decision", &t);
  buf_free(&t);
}

static void on_improvised_start(Rb *b, const Json *rec) {
  Report *r = b->r;
  RepImprov *im;
  long long id;
  Buf t = BUF_INIT;
  if (!rr_int(rec, "id", &id)) id = (long long)r->nimprovs + 1;
  im = PUSH(r->improvs, r->nimprovs, b->capimp);
  memset(im, 0, sizeof *im);
  im->id = id;
  im->operator_name = rr_str(rec, "operator");
  im->input = str_or(rec, "input", "");
  im->kind = str_or(rec, "kind", "statement");
  im->start = rr_str(rec, "time");
  add_operator(b, im->operator_name);
  b->cur_improv = id;
  buf_printf(&t, "improvised at the REPL (#%lld, %s", id, im->kind);
  if (im->operator_name) {
    buf_puts(&t, ", by ");
    dw_plain(&t, im->operator_name);
  }
  buf_puts(&t, "): ");
  dw_code(&t, im->input);
  event(b, rec, "improvised", &t);
  buf_free(&t);
}

static void on_improvised_end(Rb *b, const Json *rec) {
  long long id;
  RepImprov *im;
  Buf t = BUF_INIT;
  if (!rr_int(rec, "id", &id)) id = b->cur_improv;
  im = improv_of(b, id);
  if (im) {
    im->end = rr_str(rec, "time");
    im->outcome = str_or(rec, "outcome", "ended");
    im->has_secs = rr_secs(json_get(rec, "duration"), &im->secs);
    im->value = rr_str(rec, "value");
    if (!im->value && json_get(rec, "value")) {
      value(&t, json_get(rec, "value"), 300);
      im->value = keep(b, &t);
    }
    im->error = rr_str(rec, "error");
  }
  buf_printf(&t, "improvisation #%lld ended: %s", id, im && im->outcome ? im->outcome : str_or(rec, "outcome", "?"));
  if (im && im->has_secs) {
    buf_puts(&t, " after ");
    val_fmt_duration(im->secs, &t);
  }
  if (im && im->error) {
    buf_puts(&t, ": ");
    dw_plain(&t, im->error);
  } else if (im && im->value) {
    buf_puts(&t, ": ");
    dw_code(&t, im->value);
  }
  event(b, rec, "improvised", &t);
  if (b->cur_improv == id) b->cur_improv = 0;
  buf_free(&t);
}

static void on_skip(Rb *b, const Json *rec) {
  Report *r = b->r;
  RepDecision *d = PUSH(r->decisions, r->ndecisions, b->capdec);
  RepStep *s = step_of(b, rr_str(rec, "step"));
  Buf t = BUF_INIT;
  memset(d, 0, sizeof *d);
  d->verified = -1;
  d->time = rr_str(rec, "time");
  d->at = at(b, d->time);
  d->kind = "skip";
  d->step = rr_str(rec, "step");
  d->text = str_or(rec, "reason", "");
  d->answer = "skipped";
  d->by = rr_str(rec, "operator");
  d->improv = b->cur_improv;
  add_operator(b, d->by);
  if (s) {
    s->state = "skipped";
    s->skip_reason = d->text;
    s->skip_by = d->by;
  }
  buf_puts(&t, "step ");
  dw_plain(&t, d->step ? d->step : "?");
  buf_puts(&t, " skipped");
  if (d->by) {
    buf_puts(&t, " by ");
    dw_plain(&t, d->by);
  }
  if (*d->text) {
    buf_puts(&t, ": \u201c");
    dw_plain(&t, d->text);
    buf_puts(&t, "\u201d");
  }
  event(b, rec, "skip", &t);
  buf_free(&t);
}

static void on_step(Rb *b, const Json *rec, int end) {
  RepStep *s = step_of(b, rr_str(rec, "step"));
  Buf t = BUF_INIT;
  long long k;
  double d;
  if (!s) return;
  if (json_get(rec, "undo")) {
    /* an undo block run at the REPL: the step is undone, not run again */
    const char *st = str_or(rec, "state", "ended");
    buf_puts(&t, end ? "" : "<== undo ");
    buf_printf(&t, "step %d ", s->number);
    dw_code(&t, s->name);
    if (!end) {
      if (rr_str(rec, "operator")) {
        buf_puts(&t, " by ");
        dw_plain(&t, rr_str(rec, "operator"));
      }
    } else {
      if (strcmp(st, "ok") == 0) s->state = "undone";
      buf_puts(&t, strcmp(st, "ok") == 0 ? " undone" : " undo ");
      if (strcmp(st, "ok") != 0) dw_plain(&t, st);
    }
    event(b, rec, "step", &t);
    buf_free(&t);
    return;
  }
  if (!end) {
    if (!s->started) s->start_at = at(b, rr_str(rec, "time"));
    s->started = 1;
    s->state = "running";
    if (rr_int(rec, "attempt", &k)) s->attempts = k;
    buf_printf(&t, "step %d ", s->number);
    dw_code(&t, s->name);
    buf_puts(&t, " started");
    if (rr_int(rec, "attempt", &k) && k > 1) buf_printf(&t, " (attempt %lld)", k);
    event(b, rec, "step", &t);
  } else {
    s->ended = 1;
    s->end_at = at(b, rr_str(rec, "time"));
    s->state = str_or(rec, "state", "ended");
    if (rr_int(rec, "attempts", &k)) s->attempts = k;
    s->has_secs = rr_secs(json_get(rec, "duration"), &s->secs);
    s->error = rr_str(rec, "error");
    buf_printf(&t, "step %d ", s->number);
    dw_code(&t, s->name);
    buf_puts(&t, " ");
    dw_plain(&t, s->state);
    /* one rule for a step's duration, as in the steps table: from its
    ** first start to its end; the time spent waiting for people said apart */
    buf_puts(&t, " in ");
    val_fmt_duration(s->end_at - s->start_at, &t);
    if (rr_secs(json_get(rec, "waited"), &d) && d >= 0.001) {
      buf_puts(&t, " (");
      val_fmt_duration(d, &t);
      buf_puts(&t, " of it waiting for people)");
    }
    if (s->error) {
      buf_puts(&t, ": ");
      dw_plain(&t, s->error);
    }
    event(b, rec, "step", &t);
  }
  buf_free(&t);
}

static void on_record(Rb *b, size_t i) {
  const Json *rec = b->L->rec[i];
  const char *type = b->L->type[i];
  Buf t = BUF_INIT, w = BUF_INIT;
  /* An improvisation ends with its improvised_end; one whose process died
  ** ends at the next record of another process or of a step. */
  if (strcmp(type, "resume") == 0 || strcmp(type, "repl_start") == 0 || strcmp(type, "repl_end") == 0 ||
      strcmp(type, "run_end") == 0 || strcmp(type, "step_start") == 0 || strcmp(type, "interrupted") == 0)
    b->cur_improv = 0;
  if (strcmp(type, "run_start") == 0) {
    buf_puts(&t, "run started");
    if (rr_str(rec, "operator")) {
      buf_puts(&t, " by ");
      dw_plain(&t, rr_str(rec, "operator"));
    }
    if (rr_str(rec, "host")) {
      buf_puts(&t, " on ");
      dw_plain(&t, rr_str(rec, "host"));
    }
    if (rr_str(rec, "undo_of")) {
      buf_puts(&t, ", to undo run ");
      dw_code(&t, rr_str(rec, "undo_of"));
    }
    add_operator(b, rr_str(rec, "operator"));
    event(b, rec, "start", &t);
  } else if (strcmp(type, "resume") == 0) {
    buf_puts(&t, "resumed");
    if (rr_str(rec, "operator")) {
      buf_puts(&t, " by ");
      dw_plain(&t, rr_str(rec, "operator"));
    }
    add_operator(b, rr_str(rec, "operator"));
    event(b, rec, "resume", &t);
  } else if (strcmp(type, "accept_changes") == 0) {
    RepDecision *dc = PUSH(b->r->decisions, b->r->ndecisions, b->capdec);
    memset(dc, 0, sizeof *dc);
    dc->verified = -1;
    dc->time = rr_str(rec, "time");
    dc->at = at(b, dc->time);
    dc->kind = "changes accepted";
    value(&w, json_get(rec, "changed"), 300);
    dc->text = keep(b, &w);
    dc->answer = "accepted";
    dc->by = rr_str(rec, "by");
    add_operator(b, dc->by);
    buf_puts(&t, "changes to the runbook accepted");
    if (dc->by) {
      buf_puts(&t, " by ");
      dw_plain(&t, dc->by);
    }
    buf_puts(&t, "; steps changed: ");
    dw_plain(&t, dc->text);
    event(b, rec, "changes", &t);
  } else if (strcmp(type, "step_start") == 0) {
    on_step(b, rec, 0);
  } else if (strcmp(type, "step_end") == 0) {
    on_step(b, rec, 1);
  } else if (strcmp(type, "effect_start") == 0) {
    on_effect_start(b, i, rec);
  } else if (strcmp(type, "effect_end") == 0) {
    on_effect_end(b, rec);
  } else if (strcmp(type, "gate_wait") == 0) {
    on_gate_wait(b, rec);
  } else if (strcmp(type, "decision") == 0) {
    on_decision(b, rec);
  } else if (strcmp(type, "approval") == 0) {
    on_approval(b, rec);
  } else if (strcmp(type, "verify") == 0) {   /* a verify journaled as its own record */
    int ok = 0, yes = json_bool(json_get(rec, "ok"), &ok);
    if (ok && yes) b->r->verifies_passed++;
    else failed_verify(b, rec, rr_str(rec, "step"), rr_str(rec, "text"), json_get(rec, "left"),
                       json_get(rec, "right"), rr_str(rec, "message"));
  } else if (strcmp(type, "notify") == 0 || strcmp(type, "log") == 0) {
    buf_puts(&t, type[0] == 'n' ? "notified " : "log: ");
    if (rr_str(rec, "role")) {
      dw_plain(&t, rr_str(rec, "role"));
      buf_puts(&t, ": ");
    }
    dw_plain(&t, rr_str(rec, "message"));
    event(b, rec, type[0] == 'n' ? "notify" : "log", &t);
  } else if (strcmp(type, "interrupted") == 0) {
    buf_puts(&t, "interrupted");
    if (rr_str(rec, "signal")) {
      buf_puts(&t, " by ");
      dw_plain(&t, rr_str(rec, "signal"));
    } else if (json_get(rec, "signal")) {
      buf_puts(&t, " by signal ");
      value(&t, json_get(rec, "signal"), 40);
    }
    event(b, rec, "interrupted", &t);
  } else if (strcmp(type, "paused") == 0) {
    buf_puts(&t, "paused: ");
    dw_plain(&t, str_or(rec, "reason", "for a person"));
    if (rr_str(rec, "what")) {
      buf_puts(&t, " (");
      dw_code(&t, rr_str(rec, "what"));
      buf_puts(&t, ")");
    }
    event(b, rec, "paused", &t);
  } else if (strcmp(type, "run_end") == 0) {
    buf_puts(&t, "run ");
    dw_plain(&t, str_or(rec, "state", "ended"));
    /* since the run's start, as the header's Duration (not this process's part) */
    buf_puts(&t, " after ");
    val_fmt_duration(at(b, rr_str(rec, "time")), &t);
    event(b, rec, "end", &t);
  } else if (strcmp(type, "link") == 0) {
    dw_plain(&t, str_or(rec, "relation", "linked"));
    buf_puts(&t, " run ");
    dw_code(&t, str_or(rec, "run", "?"));
    buf_puts(&t, " started for this run");
    event(b, rec, "link", &t);
  } else if (strcmp(type, "improvised_start") == 0) {
    on_improvised_start(b, rec);
  } else if (strcmp(type, "improvised_end") == 0) {
    on_improvised_end(b, rec);
  } else if (strcmp(type, "skip") == 0) {
    on_skip(b, rec);
  } else {
    buf_puts(&t, "record ");
    dw_code(&t, type);
    event(b, rec, "other", &t);
  }
  buf_free(&t);
  buf_free(&w);
}

/* ---- the runbook the run began with --------------------------------- */

static void collect_verifies(Rb *b, const Source *src, const Node *n) {
  Buf t = BUF_INIT;
  size_t k;
  for (; n; n = n->next) {
    if (n->kind == N_VERIFY && n->a && n->b) {
      struct VMsg *m = PUSH(b->vmsgs, b->nv, b->capv);
      astq_source(src, n->a, &t);
      m->cond = keep(b, &t);
      astq_text(src, n->b, NULL, &t);
      m->msg = keep(b, &t);
      if (!rr_names_get(&b->vmsg_ix, m->cond, &k)) rr_names_put(&b->vmsg_ix, m->cond, b->nv - 1);
    }
    if (ast_is_leaf(n->kind)) continue;
    collect_verifies(b, src, n->a);
    collect_verifies(b, src, ast_b(n));
    collect_verifies(b, src, ast_c(n));
    collect_verifies(b, src, ast_d(n));
  }
  buf_free(&t);
}

static void load_plan(Rb *b, const char *dir) {
  Report *r = b->r;
  char path[JRN_PATH_MAX + 16], why[256];
  Source src;
  Diags d;
  Ast ast;
  memset(&src, 0, sizeof src);
  snprintf(path, sizeof path, "%s/source.rbk", dir);
  if (src_load(&src, path, why, sizeof why) != 0) {
    Buf t = BUF_INIT;
    buf_printf(&t, "The runbook of the run (source.rbk) cannot be read (%s), so the planned durations are unknown.", why);
    r->plan_note = keep(b, &t);
    buf_free(&t);
    return;
  }
  diag_init(&d);
  ast_init(&ast, &src);
  if (imports_parse(&ast, &d) == 0 && check_program(&ast, &d) == 0) {
    if (plan_build(&r->plan, &ast, NULL) == 0) r->has_plan = 1;
    else plan_free(&r->plan);
    collect_verifies(b, &src, ast.root);
  }
  if (!r->has_plan)
    r->plan_note = "The runbook of the run (source.rbk) does not check, so the planned durations are unknown.";
  ast_free(&ast);
  diag_free(&d);
  src_free(&src);
}

/* ---- after the last record ------------------------------------------ */

static int event_cmp(const void *x, const void *y) {
  const RepEvent *a = x, *b = y;
  if (a->at < b->at) return -1;
  if (a->at > b->at) return 1;
  return a < b ? -1 : a > b;   /* same time: journal order (the array's order) */
}

/* steps_from_plan gives the steps their titles, owners and planned
** durations, in the order the runbook runs them; a step the run never
** reached keeps the state pending. */
static void steps_from_plan(Rb *b) {
  Report *r = b->r;
  size_t i, at;
  double planned = 0;
  RrNames plan_ix = {0};
  for (i = 0; r->has_plan && i < r->plan.nsteps; i++) {
    const PlanStep *ps = &r->plan.steps[i];
    RepStep *s = step_of(b, ps->name);
    s->title = ps->title;
    s->owner = ps->owner;
    s->has_plan = ps->has_expect;
    s->planned = ps->expect;
    if (ps->has_expect) planned += ps->expect;
    rr_names_put(&plan_ix, ps->name, i);
  }
  r->planned_total = planned;
  /* renumber in plan order: steps of the plan first, then any others */
  for (i = 0; i < r->nsteps; i++) {
    const PlanStep *ps = rr_names_get(&plan_ix, r->steps[i].name, &at) ? &r->plan.steps[at] : NULL;
    r->steps[i].number = ps ? ps->number : 0;
  }
  rr_names_free(&plan_ix);
  {
    size_t k, next = r->has_plan ? r->plan.nsteps : 0;
    for (k = 0; k < r->nsteps; k++)
      if (!r->steps[k].number) r->steps[k].number = (int)++next;
  }
}

static int step_cmp(const void *x, const void *y) {
  const RepStep *a = x, *b = y;
  return (a->number > b->number) - (a->number < b->number);
}

static void finish_steps(Rb *b) {
  Report *r = b->r;
  size_t i;
  int first = 1;
  double last = at(b, r->info.last_time);
  if (r->nsteps) qsort(r->steps, r->nsteps, sizeof *r->steps, step_cmp);
  for (i = 0; i < r->nsteps; i++) {
    RepStep *s = &r->steps[i];
    size_t k;
    const RrStep *d = rr_names_get(&r->info.step_ix, s->name, &k) ? &r->info.steps[k] : NULL;
    /* rbk status's reading of the step, for the states a journal implies
    ** (a step cut short is "interrupted") */
    if (d && strcmp(s->state, "skipped") != 0) s->state = d->state;
    if (s->started && !s->ended) s->end_at = last;
    if (s->started && (first || s->start_at < r->first_step_at)) {
      r->first_step_at = s->start_at;
      first = 0;
    }
  }
}

static void review(Rb *b) {
  Report *r = b->r;
  Buf t = BUF_INIT;
  size_t i, failed = 0, recovered = 0, skipped = 0, notrun = 0, over = 0, indoubt = 0;
  const char *trig = NULL;
  static const char *const q[REPORT_NQA] = {
    "What triggered the %s?", "Was the trigger appropriate?", "Did %s execute as planned?",
    "What was the actual duration?", "What could be improved?", "Root cause of original issue?",
    "Plan for next attempt?",
  };
  for (i = 0; i < REPORT_NQA; i++) {
    /* worded from the runbook's kind: "What triggered the roll-out?" */
    const char *pct = strstr(q[i], "%s");
    if (pct) {
      buf_add(&t, q[i], (size_t)(pct - q[i]));
      buf_puts(&t, kind_noun(r->kind, 0));
      buf_puts(&t, pct + 2);
      r->review[i].question = keep(b, &t);
    } else {
      r->review[i].question = q[i];
    }
    r->review[i].answer = NULL;
  }
  /* 1. what triggered it: the watch that started the run (the trail), or
  ** what whoever started it wrote, if anyone did */
  if (r->trail.started_by && rr_str(r->trail.started_by, "trigger")) {
    const Json *sb = r->trail.started_by, *probes = json_get(sb, "probes");
    buf_puts(&t, "Trigger \"");
    dw_plain(&t, rr_str(sb, "trigger"));
    buf_puts(&t, "\"");
    if (rr_str(sb, "severity")) {
      buf_puts(&t, " (");
      dw_plain(&t, rr_str(sb, "severity"));
      buf_putc(&t, ')');
    }
    buf_puts(&t, " fired in watch ");
    dw_code(&t, str_or(sb, "watch", "?"));
    if (rr_str(sb, "fired_at")) {
      buf_puts(&t, " at ");
      dw_plain(&t, rr_str(sb, "fired_at"));
    }
    if (rr_str(sb, "condition")) {
      buf_puts(&t, ", when ");
      dw_code(&t, rr_str(sb, "condition"));
    }
    if (json_kind(probes) == JSON_OBJ && json_len(probes)) {
      buf_puts(&t, "; the probes read ");
      for (i = 0; i < json_len(probes); i++) {
        size_t kl;
        const char *k = json_key(probes, i, &kl);
        Buf kb = BUF_INIT;
        if (i) buf_puts(&t, ", ");
        buf_add(&kb, k, kl);
        dw_plain(&t, buf_cstr(&kb));
        buf_free(&kb);
        buf_puts(&t, " = ");
        value(&t, json_at(probes, i), 100);
      }
    }
    if (rr_str(sb, "decided_by")) {
      buf_puts(&t, "; ");
      dw_plain(&t, rr_str(sb, "decided_by"));
      buf_puts(&t, " answered that it could not be fixed within the window");
    }
    buf_puts(&t, ". The watch started this run.");
  }
  {
    const Json *tr = json_get(r->info.start, "trigger"), *params = json_get(r->info.start, "params");
    if (t.n) tr = NULL;   /* answered from the trail */
    else if (json_str(tr, NULL)) trig = json_str(tr, NULL);
    else if (json_kind(tr) == JSON_OBJ) trig = rr_str(tr, "name");
    if (trig) {
      buf_puts(&t, "Trigger recorded when the run started: ");
      dw_plain(&t, trig);
      if (json_kind(tr) == JSON_OBJ && rr_str(tr, "severity")) {
        buf_puts(&t, " (");
        dw_plain(&t, rr_str(tr, "severity"));
        buf_putc(&t, ')');
      }
      buf_putc(&t, '.');
    } else {
      static const char *const names[] = {"trigger", "reason", "incident", "ticket", NULL};
      for (i = 0; names[i] && !t.n; i++) {
        const Json *v = json_get(params, names[i]);
        if (!v) continue;
        buf_printf(&t, "Recorded as param %s: ", names[i]);
        value(&t, v, 200);
        buf_putc(&t, '.');
      }
    }
    if (!t.n && (r->trail.backout_of || r->trail.undo_of)) {
      /* started by a person as the backout (or undo) of another run */
      buf_puts(&t, "No watch started it: a person did, as the ");
      buf_puts(&t, r->trail.backout_of ? "backout of run " : "undo of run ");
      dw_code(&t, r->trail.backout_of ? r->trail.backout_of : r->trail.undo_of);
      buf_puts(&t, "; no trigger is recorded.");
    }
    if (!t.n) {
      buf_puts(&t, "Not recorded in the journal.");
      if (r->has_plan && r->plan.ntriggers) {
        buf_puts(&t, " The plan's triggers:");
        for (i = 0; i < r->plan.ntriggers; i++) {
          buf_puts(&t, i ? "; " : " ");
          dw_plain(&t, r->plan.triggers[i].name);
          buf_printf(&t, " (%s)", r->plan.triggers[i].severity);
        }
        buf_putc(&t, '.');
      }
    }
    if (r->trail.backed_out_by || r->trail.undone_by) {
      buf_puts(&t, r->trail.backed_out_by ? " It was backed out by run " : " It was undone by run ");
      dw_code(&t, r->trail.backed_out_by ? r->trail.backed_out_by : r->trail.undone_by);
      buf_putc(&t, '.');
    }
    r->review[0].answer = keep(b, &t);
  }
  /* 3. as planned? */
  for (i = 0; i < r->nsteps; i++) {
    const RepStep *s = &r->steps[i];
    if (strcmp(s->state, "failed") == 0 || strcmp(s->state, "interrupted") == 0) failed++;
    else if (strcmp(s->state, "recovered") == 0) recovered++;
    else if (strcmp(s->state, "skipped") == 0) skipped++;
    else if (strcmp(s->state, "pending") == 0) notrun++;
    if (s->has_plan && s->started && s->end_at - s->start_at > s->planned) over++;
  }
  for (i = 0; i < r->ncmds; i++)
    if (!r->cmds[i].ended || r->cmds[i].note) indoubt++;
  if (r->info.state == RR_S_SUCCEEDED && !failed && !recovered && !skipped && !notrun && !r->nimprovs &&
      !r->nfailed && !indoubt && !over) {
    buf_printf(&t, "Yes: every step (%zu) succeeded%s; no verify failed, nothing was improvised or skipped.",
               r->nsteps, r->has_plan ? ", each within its planned duration" : " (the planned durations are unknown)");
  } else {
    int k = 0;
    buf_puts(&t, r->info.state == RR_S_SUCCEEDED ? "Not entirely: the run succeeded, but " : "No: the run ");
    if (r->info.state != RR_S_SUCCEEDED) {
      dw_plain(&t, r->outcome);
      k++;
    }
#define ITEM(cond, ...)                       \
  if (cond) {                                 \
    buf_puts(&t, k++ ? "; " : "");            \
    buf_printf(&t, __VA_ARGS__);              \
  }
    ITEM(failed, "%zu step%s failed or stopped part way", failed, failed == 1 ? "" : "s")
    ITEM(recovered, "%zu step%s failed and recovered through its failure handler", recovered, recovered == 1 ? "" : "s")
    ITEM(skipped, "%zu step%s skipped", skipped, skipped == 1 ? " was" : "s were")
    ITEM(notrun, "%zu step%s never ran", notrun, notrun == 1 ? "" : "s")
    ITEM(r->nfailed, "%zu verif%s failed", r->nfailed, r->nfailed == 1 ? "y" : "ies")
    ITEM(r->nimprovs, "%zu action%s improvised at the REPL", r->nimprovs, r->nimprovs == 1 ? " was" : "s were")
    ITEM(indoubt, "%zu command%s in doubt or decided by a person", indoubt, indoubt == 1 ? " was" : "s were")
    ITEM(over, "%zu step%s took longer than planned", over, over == 1 ? "" : "s")
#undef ITEM
    buf_putc(&t, '.');
  }
  r->review[2].answer = keep(b, &t);
  /* 4. how long */
  if (r->has_secs) {
    val_fmt_duration(r->secs, &t);
    if (r->has_plan) {
      buf_puts(&t, " (planned ");
      val_fmt_duration(r->planned_total, &t);
      if (r->plan.has_window) {
        buf_puts(&t, ", window ");
        val_fmt_duration(r->plan.window, &t);
      }
      buf_putc(&t, ')');
    }
    buf_puts(&t, ", from the run's start to ");
    buf_puts(&t, r->ended ? "its end." : "its last record (it has not finished).");
    r->review[3].answer = keep(b, &t);
  }
  /* 5. candidates for improvement, from the journal */
  if (over || r->nfailed || r->nimprovs || recovered) {
    int k = 0;
    buf_puts(&t, "For the review to decide. The journal points at: ");
    for (i = 0; i < r->nsteps; i++) {
      const RepStep *s = &r->steps[i];
      if (!(s->has_plan && s->started && s->end_at - s->start_at > s->planned)) continue;
      buf_puts(&t, k++ ? "; " : "");
      buf_puts(&t, "step ");
      dw_code(&t, s->name);
      buf_puts(&t, " took ");
      val_fmt_duration(s->end_at - s->start_at, &t);
      buf_puts(&t, " against ");
      val_fmt_duration(s->planned, &t);
      buf_puts(&t, " planned");
    }
    for (i = 0; i < r->nfailed; i++) {
      buf_puts(&t, k++ ? "; " : "");
      buf_puts(&t, "verify ");
      dw_code(&t, r->failed[i].what);
      buf_puts(&t, " failed");
      if (r->failed[i].step) buf_printf(&t, " in %s", r->failed[i].step);
    }
    if (r->nimprovs) {
      buf_puts(&t, k++ ? "; " : "");
      buf_printf(&t, "%zu improvised action%s that the runbook could include", r->nimprovs,
                 r->nimprovs == 1 ? "" : "s");
    }
    if (recovered) {
      buf_puts(&t, k++ ? "; " : "");
      buf_printf(&t, "%zu step%s needed its failure handler", recovered, recovered == 1 ? "" : "s");
    }
    buf_putc(&t, '.');
    r->review[4].answer = keep(b, &t);
  }
  buf_free(&t);
}


int report_build(Report *r, const RrJournal *L, const char *dir, char *err, size_t errlen) {
  Rb b;
  size_t i;
  Buf t = BUF_INIT;
  memset(r, 0, sizeof *r);
  arena_init(&r->arena);
  rr_derive(L, dir, &r->info);
  if (r->info.state == RR_S_UNREADABLE) {
    snprintf(err, errlen, "%s", r->info.why);
    return -1;
  }
  memset(&b, 0, sizeof b);
  b.r = r;
  b.L = L;
  if (!rr_parse_time(r->info.started, &b.t0)) b.t0 = -1;
  b.start_at = mem_alloc((2 * L->n + 1) * sizeof *b.start_at);
  b.cmd_of = mem_alloc((2 * L->n + 1) * sizeof *b.cmd_of);
  for (i = 0; i < 2 * L->n; i++) b.start_at[i] = b.cmd_of[i] = -1;
  r->id = r->info.id;
  r->title = r->info.title;
  r->runbook = r->info.runbook;
  r->host = r->info.host;
  r->started = r->info.started;
  r->ended = r->info.ended;
  r->outcome = rr_state_word(&r->info);
  rr_put_summary(&t, &r->info);
  if (r->info.state != RR_S_UNREADABLE) rr_put_undo_links(&t, L, &r->info, dir);
  r->summary = keep(&b, &t);
  if (r->info.state != RR_S_UNREADABLE) rr_trail(L, &r->info, dir, &r->trail);
  r->has_secs = rr_run_secs(&r->info, &r->secs);
  r->nrecords = L->n;
  if (L->problem != RR_J_INTACT) {
    rr_problem_text(L, &t);
    r->journal_problem = keep(&b, &t);
  }
  load_plan(&b, dir);
  r->kind = r->has_plan ? r->plan.kind : kind_from_title(r->title);
  if (r->info.start && rr_str(r->info.start, "undo_of")) r->kind = "backout";   /* an undo run backs its run out */
  for (i = 0; i < r->info.nsteps; i++) step_of(&b, r->info.steps[i].name);
  for (i = 0; i < L->n; i++) on_record(&b, i);
  /* commands whose end was never journaled */
  for (i = 0; i < r->ncmds; i++) {
    RepCmd *c = &r->cmds[i];
    RepEvent *e;
    if (c->ended) continue;
    c->note = "in doubt";
    buf_puts(&t, "started ");
    dw_code(&t, c->what);
    if (c->step && *c->step) buf_printf(&t, " in %s", c->step);
    buf_puts(&t, "; its end was never journaled (in doubt)");
    e = PUSH(r->events, r->nevents, b.capev);
    e->time = c->time;
    e->at = c->at;
    e->kind = "command";
    e->text = keep(&b, &t);
    e->improv = c->improv;
  }
  r->nhosts = rr_hosts(b.L, &r->hosts);
  if (r->nevents) qsort(r->events, r->nevents, sizeof *r->events, event_cmp);
  steps_from_plan(&b);
  finish_steps(&b);
  review(&b);
  mem_free(b.start_at);
  mem_free(b.cmd_of);
  mem_free(b.vmsgs);
  rr_names_free(&b.step_ix);
  rr_names_free(&b.vmsg_ix);
  rr_names_free(&b.ops);
  buf_free(&t);
  return 0;
}

void report_free(Report *r) {
  size_t i;
  for (i = 0; i < r->nimprovs; i++) mem_free(r->improvs[i].effects);
  mem_free(r->operators);
  mem_free(r->events);
  mem_free(r->cmds);
  mem_free(r->decisions);
  mem_free(r->improvs);
  mem_free(r->steps);
  mem_free(r->hosts);
  mem_free(r->failed);
  if (r->has_plan) plan_free(&r->plan);
  rr_info_free(&r->info);
  arena_free(&r->arena);
  memset(r, 0, sizeof *r);
}
