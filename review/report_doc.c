/*
** report_doc.c -- the post-run review as a document, Markdown or HTML
** (one description, two formats through docw.h). The sections are what
** seed 001 asks people to document during and after a backout.
*/
#include <stdio.h>
#include <string.h>

#include "../vm/value.h"
#include "../base/version.h"
#include "report_render.h"
#include "../compiler/kind.h"

/* utc appends a journal time as "YYYY-MM-DD HH:MM:SS UTC". */
static void utc(Buf *b, const char *time) {
  if (!time || strlen(time) < 19) {
    buf_puts(b, "-");
    return;
  }
  buf_printf(b, "%.10s %.8s UTC", time, time + 11);
}

/* clock appends the time of day, "HH:MM:SS". */
static void clock_of(Buf *b, const char *time) {
  if (!time || strlen(time) < 19) buf_puts(b, "-");
  else buf_printf(b, "%.8s", time + 11);
}

/* offset appends seconds since the start as "+M:SS" or "+H:MM:SS". */
static void offset(Buf *b, double at) {
  long s = at < 0 ? 0 : (long)at;
  if (s >= 3600) buf_printf(b, "+%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else buf_printf(b, "+%ld:%02ld", s / 60, s % 60);
}

static void improv_tag(Buf *b, long long id) {
  if (id) buf_printf(b, " (REPL #%lld)", id);
}

/* link_row puts one row of the trail: LABEL | `RUN` (STATE). */
static void link_row(DocW *w, DwRow *row, const char *label, const char *run, const char *state) {
  if (!run) return;
  buf_puts(&row->c[0], label);
  dw_code(&row->c[1], run);
  if (state && *state) {
    buf_puts(&row->c[1], " (");
    dw_plain(&row->c[1], state);
    buf_putc(&row->c[1], ')');
  }
  dw_row_put(w, row, NULL, 2);
}

/* trail puts the rows of the runs linked to this one (docs/journal.md). */
static void trail(DocW *w, const Report *r, DwRow *row) {
  const RrTrail *T = &r->trail;
  if (T->started_by) {
    Buf t = BUF_INIT;
    rr_put_started_by(&t, T->started_by);
    buf_puts(&row->c[0], "Started by");
    dw_plain(&row->c[1], buf_cstr(&t));
    dw_row_put(w, row, NULL, 2);
    buf_free(&t);
  }
  link_row(w, row, "Undo of", T->undo_of, NULL);
  link_row(w, row, "Undone by", T->undone_by, T->undone_state);
  link_row(w, row, "Backout of", T->backout_of, NULL);
  link_row(w, row, "Backed out by", T->backed_out_by, T->backed_out_state);
}

static void summary(DocW *w, const Report *r, DwRow *row) {
  static const char *const h[] = {"Field", "Content"};
  size_t i;
  dw_heading(w, 2, "summary", "Summary");
  dw_table(w, "summary-table", 2, h);
  buf_puts(&row->c[0], "Runbook");
  dw_plain(&row->c[1], r->title ? r->title : "-");
  if (r->runbook) {
    buf_puts(&row->c[1], " (");
    dw_code(&row->c[1], r->runbook);
    buf_puts(&row->c[1], ")");
  }
  dw_row_put(w, row, NULL, 2);
  buf_puts(&row->c[0], "Run");
  dw_code(&row->c[1], r->id);
  dw_row_put(w, row, NULL, 2);
  trail(w, r, row);
  buf_puts(&row->c[0], "Operators");
  for (i = 0; i < r->noperators; i++) {
    if (i) buf_puts(&row->c[1], ", ");
    dw_plain(&row->c[1], r->operators[i]);
  }
  if (!r->noperators) buf_puts(&row->c[1], "-");
  if (r->host) {
    buf_puts(&row->c[1], ", on ");
    dw_plain(&row->c[1], r->host);
  }
  dw_row_put(w, row, NULL, 2);
  buf_puts(&row->c[0], "Started");
  utc(&row->c[1], r->started);
  dw_row_put(w, row, NULL, 2);
  buf_puts(&row->c[0], "Ended");
  if (r->ended) utc(&row->c[1], r->ended);
  else buf_puts(&row->c[1], "not finished");
  dw_row_put(w, row, NULL, 2);
  buf_puts(&row->c[0], "Outcome");
  dw_plain(&row->c[1], r->summary);
  dw_row_put(w, row, r->info.state == RR_S_SUCCEEDED ? NULL : "fail", 2);
  buf_puts(&row->c[0], "Duration");
  if (r->has_secs) val_fmt_duration(r->secs, &row->c[1]);
  else buf_puts(&row->c[1], "-");
  if (r->has_plan) {
    buf_puts(&row->c[1], " (planned ");
    dw_minutes(&row->c[1], r->planned_total);
    if (r->plan.has_window) {
      buf_puts(&row->c[1], ", window ");
      dw_minutes(&row->c[1], r->plan.window);
    }
    buf_puts(&row->c[1], ")");
  }
  dw_row_put(w, row, NULL, 2);
  buf_puts(&row->c[0], "Journal");
  buf_printf(&row->c[1], "%zu records, ", r->nrecords);
  if (r->journal_problem) dw_plain(&row->c[1], r->journal_problem);
  else buf_puts(&row->c[1], "hash chain intact");
  dw_row_put(w, row, NULL, 2);
  dw_table_end(w);
  if (r->plan_note) dw_para(w, r->plan_note);
}

static void review(DocW *w, const Report *r, DwRow *row) {
  static const char *const h[] = {"Question", "Response"};
  size_t i;
  {
    char h2[64];
    snprintf(h2, sizeof h2, "Post-%s review", kind_noun(r->kind, 0));
    dw_heading(w, 2, "review", h2);
  }
  dw_para(w, "Answered from the journal where it can; the rest is for the review meeting.");
  dw_table(w, "review-table", 2, h);
  for (i = 0; i < REPORT_NQA; i++) {
    buf_puts(&row->c[0], r->review[i].question);
    buf_puts(&row->c[1], r->review[i].answer ? r->review[i].answer : "");
    dw_row_put(w, row, NULL, 2);
  }
  dw_table_end(w);
}

static void planned_actual(DocW *w, const Report *r, DwRow *row, DwFormat fmt) {
  static const char *const h[] = {"Step", "Action", "Owner", "Planned", "Actual", "State", "Attempts"};
  size_t i;
  Buf g = BUF_INIT;
  dw_heading(w, 2, "planned-actual", "Planned against actual");
  dw_table(w, "procedure", 7, h);
  for (i = 0; i < r->nsteps; i++) {
    const RepStep *s = &r->steps[i];
    buf_printf(&row->c[0], "%d", s->number);
    dw_plain(&row->c[1], s->title);
    buf_puts(&row->c[1], " (");
    dw_code(&row->c[1], s->name);
    buf_puts(&row->c[1], ")");
    dw_plain(&row->c[2], s->owner ? s->owner : "-");
    if (s->has_plan) dw_minutes(&row->c[3], s->planned);
    else buf_puts(&row->c[3], "-");
    if (s->started) val_fmt_duration(s->end_at - s->start_at, &row->c[4]);
    else buf_puts(&row->c[4], "-");
    dw_plain(&row->c[5], s->state);
    if (s->skip_reason && *s->skip_reason) {
      buf_puts(&row->c[5], ": ");
      dw_plain(&row->c[5], s->skip_reason);
    } else if (s->error && strcmp(s->state, "ok") != 0) {
      buf_puts(&row->c[5], ": ");
      dw_plain(&row->c[5], s->error);
    }
    if (s->attempts) buf_printf(&row->c[6], "%lld", s->attempts);
    else buf_puts(&row->c[6], "-");
    dw_row_put(w, row, "step", 7);
  }
  buf_puts(&row->c[0], "Total");
  if (r->has_plan) dw_minutes(&row->c[3], r->planned_total);
  if (r->has_secs) val_fmt_duration(r->secs, &row->c[4]);
  dw_plain(&row->c[5], r->outcome);
  dw_row_put(w, row, "total", 7);
  dw_table_end(w);
  dw_para(w, "Actual is wall-clock time from a step's first start to its last end, waits for people included. "
             "The chart's left panel puts each step's actual time against its planned time, each step on its own scale; "
             "the right panel shows when each step ran, on the run's own timeline.");
  if (fmt == DW_HTML) report_gantt_svg(r, &g);
  else report_gantt_mermaid(r, &g);
  if (fmt == DW_HTML) dw_raw(w, DW_HTML, "<figure>\n");
  else dw_raw(w, DW_MD, "\n");
  dw_raw(w, fmt, buf_cstr(&g));
  if (fmt == DW_HTML) dw_raw(w, DW_HTML, "</figure>\n");
  buf_free(&g);
}

/* hosts: a line per host of each step on hosts (run/fleet.c). */
static void hosts(DocW *w, const Report *r, DwRow *row) {
  static const char *const h[] = {"Step", "Host", "Batch", "Outcome", "Duration", "Attempts", "Reason"};
  size_t i;
  if (!r->nhosts) return;
  dw_heading(w, 2, "hosts", "Hosts");
  dw_table(w, "hosts-table", 7, h);
  for (i = 0; i < r->nhosts; i++) {
    const RepHost *x = &r->hosts[i];
    if (x->undo) buf_puts(&row->c[0], "undo ");
    dw_code(&row->c[0], x->step);
    dw_plain(&row->c[1], x->host);
    if (x->batch) buf_printf(&row->c[2], "%lld", x->batch);
    else buf_puts(&row->c[2], "-");
    dw_plain(&row->c[3], x->state);
    val_fmt_duration(x->secs, &row->c[4]);
    buf_printf(&row->c[5], "%lld", x->attempts);
    dw_plain(&row->c[6], x->error ? x->error : "-");
    dw_row_put(w, row, NULL, 7);
  }
  dw_table_end(w);
}

static void timeline(DocW *w, const Report *r, DwRow *row) {
  static const char *const h[] = {"Time (UTC)", "Since start", "Event"};
  size_t i;
  dw_heading(w, 2, "timeline", "Timeline of events");
  dw_table(w, "timeline-table", 3, h);
  for (i = 0; i < r->nevents; i++) {
    const RepEvent *e = &r->events[i];
    clock_of(&row->c[0], e->time);
    offset(&row->c[1], e->at);
    buf_puts(&row->c[2], e->text);
    if (strcmp(e->kind, "improvised") != 0) improv_tag(&row->c[2], e->improv);
    dw_row_put(w, row, e->improv ? "improvised" : NULL, 3);
  }
  dw_table_end(w);
}

static void commands(DocW *w, const Report *r, DwRow *row) {
  static const char *const h[] = {"Time (UTC)", "Step", "Command", "Exit", "Duration"};
  size_t i;
  dw_heading(w, 2, "commands", "Commands executed");
  if (!r->ncmds) {
    dw_para(w, "None.");
    return;
  }
  dw_para(w, "As journaled: secrets are masked as ***.");
  dw_table(w, "commands-table", 5, h);
  for (i = 0; i < r->ncmds; i++) {
    const RepCmd *c = &r->cmds[i];
    int bad = c->note || (c->has_status && c->status != 0) || c->timed_out;
    clock_of(&row->c[0], c->time);
    dw_plain(&row->c[1], c->step ? c->step : "-");
    improv_tag(&row->c[1], c->improv);
    dw_code(&row->c[2], c->what);
    if (c->err) {
      buf_puts(&row->c[2], " stderr: ");
      dw_code(&row->c[2], c->err);
    }
    if (c->truncated)
      buf_printf(&row->c[2], " (output truncated in the journal: %lld bytes of stdout, %lld of stderr dropped)",
                 c->out_dropped, c->err_dropped);
    if (c->left_running) {
      buf_puts(&row->c[2], " (");
      dw_plain(&row->c[2], c->left_running);
      buf_puts(&row->c[2], ")");
    }
    if (c->note) dw_plain(&row->c[3], c->note);
    else if (c->has_status) buf_printf(&row->c[3], "%lld", c->status);
    else buf_puts(&row->c[3], "-");
    if (c->timed_out) buf_puts(&row->c[3], " (timed out)");
    if (c->has_secs) val_fmt_duration(c->secs, &row->c[4]);
    else buf_puts(&row->c[4], "-");
    dw_row_put(w, row, bad ? "failed" : NULL, 5);
  }
  dw_table_end(w);
}

static void decisions(DocW *w, const Report *r, DwRow *row) {
  static const char *const h[] = {"Time (UTC)", "Step", "Kind", "Question or gate", "Answer", "Who", "Note"};
  size_t i;
  dw_heading(w, 2, "decisions", "Decisions, approvals and answers");
  if (!r->ndecisions) {
    dw_para(w, "None.");
    return;
  }
  dw_table(w, "decisions-table", 7, h);
  for (i = 0; i < r->ndecisions; i++) {
    const RepDecision *d = &r->decisions[i];
    clock_of(&row->c[0], d->time);
    dw_plain(&row->c[1], d->step ? d->step : "-");
    improv_tag(&row->c[1], d->improv);
    dw_plain(&row->c[2], d->kind);
    dw_plain(&row->c[3], d->text);
    dw_plain(&row->c[4], d->answer);
    dw_plain(&row->c[5], d->by ? d->by : "-");
    if (d->role) {
      buf_puts(&row->c[5], " as ");
      dw_plain(&row->c[5], d->role);
    }
    if (d->verified == 1 && d->fingerprint) {
      buf_puts(&row->c[5], ", signed by key ");
      dw_plain(&row->c[5], d->fingerprint);
      if (d->principal) {
        buf_puts(&row->c[5], " (principal ");
        dw_plain(&row->c[5], d->principal);
        buf_puts(&row->c[5], ")");
      }
    } else if (d->verified == 1 && d->signers > 0) {
      buf_printf(&row->c[5], ", opened by %lld signatures (above)", d->signers);
    } else if (d->verified == 0) {
      buf_puts(&row->c[5], " (unverified: no key)");
    }
    dw_plain(&row->c[6], d->note ? d->note : "");
    dw_row_put(w, row, NULL, 7);
  }
  dw_table_end(w);
}

static void improvised(DocW *w, const Report *r, DwRow *row) {
  static const char *const h[] = {"#", "Started (UTC)", "Operator", "Typed", "Outcome", "Result", "Effects"};
  size_t i, k;
  dw_heading(w, 2, "improvised", "Improvised at the REPL");
  if (!r->nimprovs) {
    dw_para(w, "Nothing was improvised: every action came from the runbook.");
    return;
  }
  dw_table(w, "improvised-table", 7, h);
  for (i = 0; i < r->nimprovs; i++) {
    const RepImprov *m = &r->improvs[i];
    buf_printf(&row->c[0], "%lld", m->id);
    clock_of(&row->c[1], m->start);
    dw_plain(&row->c[2], m->operator_name ? m->operator_name : "-");
    dw_code(&row->c[3], m->input);
    buf_puts(&row->c[3], " (");
    dw_plain(&row->c[3], m->kind);
    buf_puts(&row->c[3], ")");
    dw_plain(&row->c[4], m->outcome ? m->outcome : "never ended");
    if (m->has_secs) {
      buf_puts(&row->c[4], " after ");
      val_fmt_duration(m->secs, &row->c[4]);
    }
    if (m->error) dw_plain(&row->c[5], m->error);
    else if (m->value) dw_code(&row->c[5], m->value);
    for (k = 0; k < m->neffects; k++) {
      if (k) buf_puts(&row->c[6], "; ");
      dw_code(&row->c[6], m->effects[k]);
    }
    if (!m->neffects) buf_puts(&row->c[6], "-");
    dw_row_put(w, row, m->outcome && strcmp(m->outcome, "ok") == 0 ? NULL : "failed", 7);
  }
  dw_table_end(w);
}

static void failed_verifies(DocW *w, const Report *r, DwRow *row) {
  static const char *const h[] = {"Time (UTC)", "Step", "Check", "Left", "Right"};
  size_t i;
  Buf t = BUF_INIT;
  dw_heading(w, 2, "failed-verifies", "Failed verifies");
  buf_printf(&t, "%zu verif%s passed, %zu failed.", r->verifies_passed, r->verifies_passed == 1 ? "y" : "ies",
             r->nfailed);
  dw_para(w, buf_cstr(&t));
  buf_free(&t);
  if (!r->nfailed) return;
  dw_table(w, "failed-verifies-table", 5, h);
  for (i = 0; i < r->nfailed; i++) {
    const RepVerify *v = &r->failed[i];
    clock_of(&row->c[0], v->time);
    dw_plain(&row->c[1], v->step ? v->step : "-");
    improv_tag(&row->c[1], v->improv);
    if (v->message) {
      dw_plain(&row->c[2], v->message);
      buf_puts(&row->c[2], ": ");
    }
    dw_code(&row->c[2], v->what);
    if (v->left) dw_code(&row->c[3], v->left);
    else buf_puts(&row->c[3], "-");
    if (v->right) dw_code(&row->c[4], v->right);
    else buf_puts(&row->c[4], "-");
    dw_row_put(w, row, "failed", 5);
  }
  dw_table_end(w);
}

void report_render_doc(const Report *r, DwFormat fmt, Buf *out) {
  DocW w;
  DwRow row;
  Buf t = BUF_INIT;
  memset(&row, 0, sizeof row);
  buf_printf(&t, "Post-%s review: ", kind_noun(r->kind, 0));
  dw_plain(&t, r->title ? r->title : r->id);
  dw_begin(&w, fmt, out, buf_cstr(&t));
  summary(&w, r, &row);
  review(&w, r, &row);
  planned_actual(&w, r, &row, fmt);
  hosts(&w, r, &row);
  timeline(&w, r, &row);
  commands(&w, r, &row);
  decisions(&w, r, &row);
  improvised(&w, r, &row);
  failed_verifies(&w, r, &row);
  buf_reset(&t);
  buf_puts(&t, "Made by rbk " RBK_VERSION " (rbk report) from the journal of run ");
  dw_code(&t, r->id);
  buf_puts(&t, ".");
  dw_footer(&w, buf_cstr(&t));
  dw_end(&w);
  dw_row_free(&row);
  buf_free(&t);
}
