/*
** report_json.c -- the whole post-run review as one JSON object (`rbk
** report RUN --format json`). Times are as journaled (UTC, RFC 3339);
** "at" fields are seconds since the run started; durations are seconds
** (both rounded to the millisecond); docs/json.md ("report") has the keys;
** texts are plain UTF-8 (no code marks); absent values are null.
*/
#include <string.h>

#include "../base/duration.h"
#include "../base/json.h"
#include "../base/version.h"
#include "report_render.h"

static void key(Buf *b, const char *k) {
  buf_putc(b, ',');
  buf_json_str(b, k, strlen(k));
  buf_putc(b, ':');
}

/* num puts seconds (a duration or a time since the start), rounded to the
** millisecond */
static void num(Buf *b, int have, double d) {
  if (have) dur_json(b, d);
  else buf_puts(b, "null");
}

static void improv(Buf *b, long long id) {
  if (id) buf_printf(b, ",\"improvised\":%lld", id);
  else buf_puts(b, ",\"improvised\":null");
}

void report_render_json(const Report *r, Buf *out) {
  size_t i, k;
  buf_printf(out, "{\"format_version\":%d,\"run\":", JSON_FORMAT_VERSION);
  dw_json_str(out, r->id);
  key(out, "title");
  dw_json_str(out, r->title);
  key(out, "kind");
  dw_json_str(out, r->kind);
  key(out, "trail");
  rr_put_trail_json(out, &r->trail);
  key(out, "runbook");
  dw_json_str(out, r->runbook);
  key(out, "host");
  dw_json_str(out, r->host);
  key(out, "operators");
  buf_putc(out, '[');
  for (i = 0; i < r->noperators; i++) {
    if (i) buf_putc(out, ',');
    dw_json_str(out, r->operators[i]);
  }
  buf_putc(out, ']');
  key(out, "started");
  dw_json_str(out, r->started);
  key(out, "ended");
  dw_json_str(out, r->ended);
  key(out, "outcome");
  dw_json_str(out, r->outcome);
  key(out, "summary");
  dw_json_str(out, r->summary);
  key(out, "duration");
  num(out, r->has_secs, r->secs);
  key(out, "planned");
  num(out, r->has_plan, r->planned_total);
  key(out, "window");
  num(out, r->has_plan && r->plan.has_window, r->plan.window);
  key(out, "plan_note");
  dw_json_str(out, r->plan_note);
  key(out, "journal");
  buf_printf(out, "{\"records\":%zu,\"problem\":", r->nrecords);
  dw_json_str(out, r->journal_problem);
  buf_putc(out, '}');
  key(out, "review");
  buf_putc(out, '[');
  for (i = 0; i < REPORT_NQA; i++) {
    buf_puts(out, i ? ",\n{\"question\":" : "\n{\"question\":");
    dw_json_str(out, r->review[i].question);
    buf_puts(out, ",\"answer\":");
    dw_json_str(out, r->review[i].answer);
    buf_putc(out, '}');
  }
  buf_putc(out, ']');
  if (r->nhosts) {   /* steps on hosts: each host's last outcome (absent without them) */
  key(out, "hosts");
  buf_putc(out, '[');
  for (i = 0; i < r->nhosts; i++) {
    const RepHost *x = &r->hosts[i];
    buf_printf(out, "%s{\"step\":", i ? ",\n" : "\n");
    dw_json_str(out, x->step);
    buf_puts(out, ",\"host\":");
    dw_json_str(out, x->host);
    buf_printf(out, ",\"undo\":%s,\"batch\":%lld,\"outcome\":", x->undo ? "true" : "false", x->batch);
    dw_json_str(out, x->state);
    buf_puts(out, ",\"duration\":");
    dur_json(out, x->secs);
    buf_printf(out, ",\"attempts\":%lld,\"reason\":", x->attempts);
    dw_json_str(out, x->error);
    buf_putc(out, '}');
  }
  buf_putc(out, ']');
  }
  key(out, "steps");
  buf_putc(out, '[');
  for (i = 0; i < r->nsteps; i++) {
    const RepStep *s = &r->steps[i];
    buf_printf(out, "%s{\"number\":%d,\"name\":", i ? ",\n" : "\n", s->number);
    dw_json_str(out, s->name);
    key(out, "title");
    dw_json_str(out, s->title);
    key(out, "owner");
    dw_json_str(out, s->owner);
    key(out, "planned");
    num(out, s->has_plan, s->planned);
    key(out, "started_at");
    num(out, s->started, s->start_at);
    key(out, "ended_at");
    num(out, s->started, s->end_at);
    key(out, "duration");
    num(out, s->started, s->end_at - s->start_at);
    key(out, "last_attempt");
    num(out, s->has_secs, s->secs);
    key(out, "outcome");
    dw_json_str(out, s->state);
    buf_printf(out, ",\"attempts\":%lld", s->attempts);
    key(out, "error");
    dw_json_str(out, s->error);
    key(out, "skipped");
    if (s->skip_reason || s->skip_by) {
      buf_puts(out, "{\"reason\":");
      dw_json_str(out, s->skip_reason);
      buf_puts(out, ",\"by\":");
      dw_json_str(out, s->skip_by);
      buf_putc(out, '}');
    } else {
      buf_puts(out, "null");
    }
    buf_putc(out, '}');
  }
  buf_putc(out, ']');
  key(out, "timeline");
  buf_putc(out, '[');
  for (i = 0; i < r->nevents; i++) {
    const RepEvent *e = &r->events[i];
    buf_puts(out, i ? ",\n{\"time\":" : "\n{\"time\":");
    dw_json_str(out, e->time);
    key(out, "at");
    dur_json(out, e->at);
    key(out, "kind");
    dw_json_str(out, e->kind);
    key(out, "text");
    dw_json_str(out, e->text);
    improv(out, e->improv);
    buf_putc(out, '}');
  }
  buf_putc(out, ']');
  key(out, "commands");
  buf_putc(out, '[');
  for (i = 0; i < r->ncmds; i++) {
    const RepCmd *c = &r->cmds[i];
    buf_puts(out, i ? ",\n{\"time\":" : "\n{\"time\":");
    dw_json_str(out, c->time);
    key(out, "step");
    dw_json_str(out, c->step);
    key(out, "command");
    dw_json_str(out, c->what);
    key(out, "status");
    if (c->has_status) buf_printf(out, "%lld", c->status);
    else buf_puts(out, "null");
    key(out, "duration");
    num(out, c->has_secs, c->secs);
    buf_printf(out, ",\"timed_out\":%s", c->timed_out ? "true" : "false");
    key(out, "note");
    dw_json_str(out, c->note);
    key(out, "output_truncated");
    if (c->truncated) buf_printf(out, "{\"out\":%lld,\"err\":%lld}", c->out_dropped, c->err_dropped);
    else buf_puts(out, "null");
    key(out, "left_running");
    dw_json_str(out, c->left_running);
    key(out, "stderr");
    dw_json_str(out, c->err);
    improv(out, c->improv);
    buf_putc(out, '}');
  }
  buf_putc(out, ']');
  key(out, "decisions");
  buf_putc(out, '[');
  for (i = 0; i < r->ndecisions; i++) {
    const RepDecision *d = &r->decisions[i];
    buf_puts(out, i ? ",\n{\"time\":" : "\n{\"time\":");
    dw_json_str(out, d->time);
    key(out, "kind");
    dw_json_str(out, d->kind);
    key(out, "step");
    dw_json_str(out, d->step);
    key(out, "text");
    dw_json_str(out, d->text);
    key(out, "answer");
    dw_json_str(out, d->answer);
    key(out, "by");
    dw_json_str(out, d->by);
    key(out, "role");
    dw_json_str(out, d->role);
    key(out, "note");
    dw_json_str(out, d->note);
    if (d->verified >= 0) {
      key(out, "verified");
      buf_puts(out, d->verified ? "true" : "false");
      key(out, "fingerprint");
      dw_json_str(out, d->fingerprint);
      key(out, "principal");
      dw_json_str(out, d->principal);
      if (d->signers > 0) {
        key(out, "signers");
        buf_printf(out, "%lld", d->signers);
      }
    }
    improv(out, d->improv);
    buf_putc(out, '}');
  }
  buf_putc(out, ']');
  key(out, "improvised");
  buf_putc(out, '[');
  for (i = 0; i < r->nimprovs; i++) {
    const RepImprov *m = &r->improvs[i];
    buf_printf(out, "%s{\"id\":%lld,\"operator\":", i ? ",\n" : "\n", m->id);
    dw_json_str(out, m->operator_name);
    key(out, "input");
    dw_json_str(out, m->input);
    key(out, "kind");
    dw_json_str(out, m->kind);
    key(out, "started");
    dw_json_str(out, m->start);
    key(out, "ended");
    dw_json_str(out, m->end);
    key(out, "outcome");
    dw_json_str(out, m->outcome);
    key(out, "duration");
    num(out, m->has_secs, m->secs);
    key(out, "value");
    dw_json_str(out, m->value);
    key(out, "error");
    dw_json_str(out, m->error);
    key(out, "effects");
    buf_putc(out, '[');
    for (k = 0; k < m->neffects; k++) {
      if (k) buf_putc(out, ',');
      dw_json_str(out, m->effects[k]);
    }
    buf_puts(out, "]}");
  }
  buf_putc(out, ']');
  key(out, "verifies");
  buf_printf(out, "{\"passed\":%zu,\"failed\":[", r->verifies_passed);
  for (i = 0; i < r->nfailed; i++) {
    const RepVerify *v = &r->failed[i];
    buf_puts(out, i ? ",\n{\"time\":" : "\n{\"time\":");
    dw_json_str(out, v->time);
    key(out, "step");
    dw_json_str(out, v->step);
    key(out, "condition");
    dw_json_str(out, v->what);
    key(out, "message");
    dw_json_str(out, v->message);
    key(out, "left");
    dw_json_str(out, v->left);
    key(out, "right");
    dw_json_str(out, v->right);
    improv(out, v->improv);
    buf_putc(out, '}');
  }
  buf_puts(out, "]}");
  key(out, "rbk");
  buf_puts(out, "\"" RBK_VERSION "\"}\n");
}
