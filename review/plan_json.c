/*
** plan_json.c -- the whole plan as one JSON object (`rbk plan --format
** json`). Durations are seconds (numbers, rounded to the millisecond);
** texts are plain UTF-8 without code marks; absent values are null. The
** keys are documented in docs/json.md ("plan", docs/schema/plan.json).
*/
#include <string.h>

#include "../base/duration.h"
#include "../base/json.h"
#include "../base/version.h"
#include "plan_render.h"

static void key(Buf *b, int *first, const char *k) {
  buf_puts(b, *first ? "" : ",");
  *first = 0;
  buf_json_str(b, k, strlen(k));
  buf_putc(b, ':');
}

static void num_or_null(Buf *b, int have, double d) {
  if (have) dur_json(b, d);
  else buf_puts(b, "null");
}

static void str_list(Buf *b, const char *const *v, size_t n) {
  size_t i;
  buf_putc(b, '[');
  for (i = 0; i < n; i++) {
    if (i) buf_putc(b, ',');
    dw_json_str(b, v[i]);
  }
  buf_putc(b, ']');
}

static void step_json(Buf *b, const PlanStep *s) {
  int f = 1;
  size_t i;
  buf_putc(b, '{');
  key(b, &f, "number");
  buf_printf(b, "%d", s->number);
  key(b, &f, "name");
  dw_json_str(b, s->name);
  key(b, &f, "title");
  dw_json_str(b, s->title);
  key(b, &f, "line");
  buf_printf(b, "%d", s->line);
  key(b, &f, "owner");
  dw_json_str(b, s->owner);
  key(b, &f, "planned");
  num_or_null(b, s->has_expect, s->expect);
  key(b, &f, "timeout");
  num_or_null(b, s->has_timeout, s->timeout);
  key(b, &f, "retries");
  if (s->retries >= 0) buf_printf(b, "%ld", s->retries);
  else buf_puts(b, "null");
  key(b, &f, "retry_every");
  num_or_null(b, s->retries >= 0 && s->retry_every > 0, s->retry_every);
  key(b, &f, "after");
  str_list(b, s->after, s->nafter);
  key(b, &f, "idempotent");
  buf_puts(b, s->idempotent ? "true" : "false");
  if (s->targeting) {   /* a step on hosts only */
    key(b, &f, "targeting");
    dw_json_str(b, s->targeting);
  }
  key(b, &f, "undo");
  dw_json_str(b, s->has_undo ? s->undo : NULL);
  key(b, &f, "irreversible");
  dw_json_str(b, s->irreversible ? s->irreversible_reason : NULL);
  key(b, &f, "on_failure");
  dw_json_str(b, s->on_failure);
  key(b, &f, "verifies");
  str_list(b, s->verifies, s->nverifies);
  key(b, &f, "actions");
  buf_putc(b, '[');
  for (i = 0; i < s->nactions; i++) {
    const PlanAction *a = &s->actions[i];
    buf_printf(b, "%s{\"kind\":\"%s\",\"depth\":%d,\"text\":", i ? "," : "", plan_kind_name(a->kind), a->depth);
    dw_json_str(b, a->text);
    buf_puts(b, ",\"role\":");
    dw_json_str(b, a->role);
    if (a->resolved) {   /* rbk plan --param: the text with the params' values */
      buf_puts(b, ",\"resolved\":");
      dw_json_str(b, a->resolved);
    }
    buf_putc(b, '}');
  }
  buf_putc(b, ']');
  key(b, &f, "gates");
  buf_putc(b, '[');
  for (i = 0; i < s->ngates; i++) {
    const PlanGate *g = &s->gates[i];
    buf_printf(b, "%s{\"kind\":\"%s\",\"role\":", i ? "," : "", plan_kind_name(g->kind));
    dw_json_str(b, g->role);
    buf_puts(b, ",\"text\":");
    dw_json_str(b, g->text);
    buf_puts(b, ",\"conditional\":");
    dw_json_str(b, g->condition);
    buf_putc(b, '}');
  }
  buf_putc(b, ']');
  key(b, &f, "branches");
  buf_putc(b, '[');
  for (i = 0; i < s->nbranches; i++) {
    const PlanBranch *br = &s->branches[i];
    buf_puts(b, i ? ",{\"sentence\":" : "{\"sentence\":");
    dw_json_str(b, br->sentence);
    buf_puts(b, ",\"if\":");
    dw_json_str(b, br->cond);
    buf_puts(b, ",\"then\":");
    dw_json_str(b, br->then_text);
    buf_puts(b, ",\"else\":");
    dw_json_str(b, br->else_text);
    buf_putc(b, '}');
  }
  buf_putc(b, ']');
  key(b, &f, "notified");
  str_list(b, s->notified, s->nnotified);
  key(b, &f, "lint_findings");
  buf_printf(b, "%zu", s->findings);
  buf_putc(b, '}');
}

void plan_render_json(const Plan *p, Buf *out) {
  int f = 1;
  size_t i, k;
  buf_putc(out, '{');
  key(out, &f, "format_version");
  buf_printf(out, "%d", JSON_FORMAT_VERSION);
  key(out, &f, "runbook");
  dw_json_str(out, p->file);
  key(out, &f, "source_sha256");
  dw_json_str(out, p->sha256);
  key(out, &f, "title");
  dw_json_str(out, p->title);
  key(out, &f, "kind");
  dw_json_str(out, p->kind);
  key(out, &f, "version");
  dw_json_str(out, p->version);
  key(out, &f, "owner");
  dw_json_str(out, p->owner);
  key(out, &f, "window");
  num_or_null(out, p->has_window, p->window);
  key(out, &f, "planned");
  dur_json(out, p->total);
  key(out, &f, "all_steps_planned");
  buf_puts(out, p->all_expect ? "true" : "false");
  key(out, &f, "fits_window");
  if (p->has_window) buf_puts(out, p->total <= p->window ? "true" : "false");
  else buf_puts(out, "null");
  key(out, &f, "roles");
  buf_putc(out, '[');
  for (i = 0; i < p->nroles; i++) {
    const PlanRole *r = &p->roles[i];
    buf_puts(out, i ? ",{\"name\":" : "{\"name\":");
    dw_json_str(out, r->name);
    buf_puts(out, ",\"person\":");
    dw_json_str(out, r->person);
    buf_puts(out, ",\"contacts\":{");
    for (k = 0; k < r->ncontacts; k++) {
      if (k) buf_putc(out, ',');
      dw_json_str(out, r->contacts[k].field);
      buf_putc(out, ':');
      dw_json_str(out, r->contacts[k].value);
    }
    buf_puts(out, "}}");
  }
  buf_putc(out, ']');
  key(out, &f, "params");
  buf_putc(out, '[');
  for (i = 0; i < p->nparams; i++) {
    buf_puts(out, i ? ",{\"name\":" : "{\"name\":");
    dw_json_str(out, p->params[i].name);
    buf_printf(out, ",\"secret\":%s,\"default\":", p->params[i].secret ? "true" : "false");
    dw_json_str(out, p->params[i].value);
    if (p->has_given) {
      buf_puts(out, ",\"given\":");
      dw_json_str(out, p->params[i].given);
    }
    buf_putc(out, '}');
  }
  buf_putc(out, ']');
  key(out, &f, "triggers");
  buf_putc(out, '[');
  for (i = 0; i < p->ntriggers; i++) {
    const PlanTrigger *t = &p->triggers[i];
    buf_puts(out, i ? ",{\"name\":" : "{\"name\":");
    dw_json_str(out, t->name);
    buf_puts(out, ",\"severity\":");
    dw_json_str(out, t->severity);
    buf_puts(out, ",\"condition\":");
    dw_json_str(out, t->condition);
    buf_puts(out, ",\"for\":");
    num_or_null(out, t->for_secs > 0, t->for_secs);
    buf_puts(out, ",\"action\":");
    dw_json_str(out, t->action);
    buf_putc(out, '}');
  }
  buf_putc(out, ']');
  key(out, &f, "requires");
  buf_putc(out, '[');
  for (i = 0; i < p->nrequires; i++) {
    const PlanRequire *q = &p->requires[i];
    buf_puts(out, i ? ",{\"name\":" : "{\"name\":");
    dw_json_str(out, q->name);
    buf_puts(out, ",\"owner\":");
    dw_json_str(out, q->owner);
    buf_puts(out, ",\"checks\":");
    str_list(out, q->checks, q->nchecks);
    buf_putc(out, '}');
  }
  buf_putc(out, ']');
  key(out, &f, "steps");
  buf_putc(out, '[');
  for (i = 0; i < p->nsteps; i++) {
    buf_puts(out, i ? ",\n" : "\n");
    step_json(out, &p->steps[i]);
  }
  buf_puts(out, "]");
  key(out, &f, "checklist");
  buf_putc(out, '[');
  for (i = 0; i < p->nchecklist; i++) {
    const PlanCheckItem *c = &p->checklist[i];
    buf_puts(out, i ? ",\n{\"phase\":" : "\n{\"phase\":");
    dw_json_str(out, c->phase);
    buf_puts(out, ",\"question\":");
    dw_json_str(out, c->question);
    buf_printf(out, ",\"ok\":%s,\"findings\":%zu,\"suppressed\":%zu,\"rules\":[", c->findings ? "false" : "true",
               c->findings, c->suppressed);
    for (k = 0; c->rules[k]; k++) {
      if (k) buf_putc(out, ',');
      buf_json_str(out, c->rules[k], strlen(c->rules[k]));
    }
    buf_puts(out, "]}");
  }
  buf_puts(out, "]");
  if (p->has_given) {   /* rbk plan --param: each ${...} shown, and its value (null: only the run knows) */
    key(out, &f, "values");
    buf_putc(out, '[');
    for (i = 0; i < p->nvalues; i++) {
      buf_puts(out, i ? ",{\"expression\":" : "{\"expression\":");
      dw_json_str(out, p->values[i].expr);
      buf_puts(out, ",\"value\":");
      dw_json_str(out, p->values[i].value);
      buf_putc(out, '}');
    }
    buf_putc(out, ']');
  }
  key(out, &f, "notified");
  str_list(out, p->notified, p->nnotified);
  key(out, &f, "signoff");
  buf_putc(out, '[');
  for (i = 0; i < p->nsignoffs; i++) {
    const PlanSignoff *so = &p->signoffs[i];
    buf_puts(out, i ? ",{\"role\":" : "{\"role\":");
    dw_json_str(out, so->role);
    buf_puts(out, ",\"by\":");
    dw_json_str(out, so->by);
    buf_puts(out, ",\"approved\":");
    buf_puts(out, so->signed_at ? "true" : "false");
    buf_puts(out, ",\"fingerprint\":");
    dw_json_str(out, so->fingerprint);
    buf_puts(out, ",\"signed_at\":");
    dw_json_str(out, so->signed_at);
    buf_puts(out, ",\"source_sha256\":");
    dw_json_str(out, so->sha256 ? so->sha256 : p->sha256);
    buf_puts(out, ",\"this_version\":");
    buf_puts(out, so->signed_at ? (so->this_version ? "true" : "false") : "null");
    buf_putc(out, '}');
  }
  buf_putc(out, ']');
  key(out, &f, "lint");
  buf_printf(out, "{\"errors\":%d,\"warnings\":%d}", p->lint_errors, p->lint_warnings);
  key(out, &f, "rbk");
  buf_puts(out, "\"" RBK_VERSION "\"");
  buf_puts(out, "}\n");
}
