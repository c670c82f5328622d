/*
** plan_doc.c -- the plan as a document a change board can approve, in
** Markdown or HTML (one description, two formats through docw.h). The
** sections follow seed 001's backout plan template.
*/
#include <stdio.h>
#include <string.h>

#include "../base/json.h"
#include "../vm/value.h"
#include "../base/version.h"
#include "plan_render.h"
#include "../compiler/kind.h"

/* heading sets a level-2 heading worded from the runbook's kind: before,
** the kind's noun, after ("", " triggers": "Roll-out triggers"); the noun
** is capitalised when it starts the heading. */
static void heading(DocW *w, const Plan *p, const char *id, const char *before, const char *after) {
  char t[160];
  snprintf(t, sizeof t, "%s%s%s", before, kind_noun(p->kind, !*before), after);
  dw_heading(w, 2, id, t);
}

/* who appends "role (Person)" for a role name. */
static void who(Buf *b, const Plan *p, const char *role) {
  const PlanRole *r = plan_role(p, role);
  if (!role) {
    buf_puts(b, "-");
    return;
  }
  buf_puts(b, role);
  if (r && r->person && *r->person) buf_printf(b, " (%s)", r->person);
}

static void header(DocW *w, const Plan *p, DwRow *r) {
  static const char *const h[] = {"Field", "Content"};
  dw_heading(w, 2, "header", "Plan header");
  dw_table(w, "plan-header", 2, h);
  buf_puts(&r->c[0], "Runbook");
  buf_puts(&r->c[1], p->title);
  dw_row_put(w, r, NULL, 2);
  buf_puts(&r->c[0], "Version");
  buf_puts(&r->c[1], p->version ? p->version : "-");
  dw_row_put(w, r, NULL, 2);
  buf_puts(&r->c[0], "Plan owner");
  who(&r->c[1], p, p->owner);
  dw_row_put(w, r, NULL, 2);
  buf_puts(&r->c[0], "Window");
  if (p->has_window) dw_minutes(&r->c[1], p->window);
  else buf_puts(&r->c[1], "-");
  dw_row_put(w, r, NULL, 2);
  buf_puts(&r->c[0], "Steps");
  buf_printf(&r->c[1], "%zu, planned to take ", p->nsteps);
  dw_minutes(&r->c[1], p->total);
  if (!p->all_expect) buf_puts(&r->c[1], " (some steps have no expected duration)");
  dw_row_put(w, r, NULL, 2);
  buf_puts(&r->c[0], "Source");
  dw_code(&r->c[1], p->file);
  buf_puts(&r->c[1], ", SHA-256 ");
  dw_code(&r->c[1], p->sha256);
  dw_row_put(w, r, NULL, 2);
  buf_puts(&r->c[0], "Lint");
  buf_printf(&r->c[1], "%d error%s, %d warning%s (", p->lint_errors, p->lint_errors == 1 ? "" : "s",
             p->lint_warnings, p->lint_warnings == 1 ? "" : "s");
  dw_code(&r->c[1], "rbk lint");
  buf_puts(&r->c[1], ")");
  dw_row_put(w, r, NULL, 2);
  if (p->plan_approver) {
    /* who signed which version (FILE.approvals, read once into the
    ** plan's sign-off block; rbk run verifies the signatures) */
    size_t k;
    int n = 0;
    for (k = 0; k < p->nsignoffs; k++) {
      const PlanSignoff *so = &p->signoffs[k];
      if (!so->sha256) continue;   /* a role still to sign */
      buf_puts(&r->c[0], n ? "" : "Approved by");
      buf_puts(&r->c[1], so->role);
      buf_puts(&r->c[1], " with key ");
      dw_code(&r->c[1], so->fingerprint);
      buf_printf(&r->c[1], " at %s, SHA-256 ", so->signed_at);
      dw_code(&r->c[1], so->sha256);
      buf_puts(&r->c[1], so->this_version ? " (this version)" : " (another version)");
      dw_row_put(w, r, NULL, 2);
      n++;
    }
    if (!n) {
      buf_puts(&r->c[0], "Approved by");
      buf_printf(&r->c[1], "nobody yet: it requires approval by %s (", p->plan_approver);
      dw_code(&r->c[1], "rbk approve FILE --as ROLE");
      buf_puts(&r->c[1], ")");
      dw_row_put(w, r, NULL, 2);
    }
  }
  dw_table_end(w);
}

static void triggers(DocW *w, const Plan *p, DwRow *r) {
  static const char *const h[] = {"Severity", "Trigger", "Criteria", "Action"};
  size_t i;
  /* a roll-out's triggers call for backing it out */
  if (strcmp(p->kind, "backout") == 0) dw_heading(w, 2, "triggers", "Backout triggers");
  else heading(w, p, "triggers", "Triggers to back out the ", "");
  if (!p->ntriggers) {
    dw_para(w, "No triggers are defined: the decision to back out has no objective criteria.");
    return;
  }
  dw_table(w, "triggers-table", 4, h);
  for (i = 0; i < p->ntriggers; i++) {
    const PlanTrigger *t = &p->triggers[i];
    buf_puts(&r->c[0], t->severity);
    if (r->c[0].n) r->c[0].p[0] = (char)(r->c[0].p[0] >= 'a' && r->c[0].p[0] <= 'z' ? r->c[0].p[0] - 32 : r->c[0].p[0]);
    buf_puts(&r->c[1], t->name);
    buf_puts(&r->c[2], t->condition);
    if (t->for_secs > 0) {
      buf_puts(&r->c[2], ", for ");
      val_fmt_duration(t->for_secs, &r->c[2]);
    }
    buf_puts(&r->c[3], t->action);
    dw_row_put(w, r, NULL, 4);
  }
  dw_table_end(w);
}

static void authority(DocW *w, const Plan *p, DwRow *r) {
  static const char *const h[] = {"Step", "Decision", "Decided by", "Notified"};
  size_t i, k, n = 0;
  Buf t = BUF_INIT;
  heading(w, p, "authority", "", " decision authority");
  buf_puts(&t, "The plan owner, ");
  who(&t, p, p->owner);
  buf_puts(&t, ", answers for the plan. These decisions are taken during the run, at the step named, by the role "
               "named; the run waits for them.");
  dw_para(w, buf_cstr(&t));
  buf_free(&t);
  for (i = 0; i < p->nsteps; i++)
    for (k = 0; k < p->steps[i].ngates; k++)
      if (p->steps[i].gates[k].kind == PK_APPROVE) n++;
  if (!n) {
    dw_para(w, "No step waits for an approval.");
    return;
  }
  dw_table(w, "authority-table", 4, h);
  for (i = 0; i < p->nsteps; i++) {
    const PlanStep *s = &p->steps[i];
    for (k = 0; k < s->ngates; k++) {
      const PlanGate *g = &s->gates[k];
      size_t a, m = 0;
      if (g->kind != PK_APPROVE) continue;
      const char *const *told = s->nnotified ? s->notified : p->notified;
      size_t ntold = s->nnotified ? s->nnotified : p->nnotified;
      buf_printf(&r->c[0], "%d. %s", s->number, s->title);
      buf_puts(&r->c[1], *g->text ? g->text : "approve the step");
      if (g->condition) buf_printf(&r->c[1], " (conditional: only if %s)", g->condition);
      who(&r->c[2], p, g->role);
      /* the step's notify statements; a step with none: the runbook's */
      for (a = 0; a < ntold; a++) {
        const char *via = plan_contact(plan_role(p, told[a]), "notify");
        if (m++) buf_puts(&r->c[3], ", ");
        who(&r->c[3], p, told[a]);
        if (via) buf_printf(&r->c[3], " via %s", via);
      }
      if (!m) buf_puts(&r->c[3], "nobody (no notify statement)");
      else if (!s->nnotified) buf_puts(&r->c[3], " (the runbook's notifications)");
      dw_row_put(w, r, g->condition ? "conditional" : NULL, 4);
    }
  }
  dw_table_end(w);
}

static void contacts(DocW *w, const Plan *p, DwRow *r) {
  static const char *const h[] = {"Role", "Name", "Phone", "Availability", "Other contact"};
  static const char *const shown[] = {"phone", "availability", NULL};
  size_t i, k;
  dw_heading(w, 2, "contacts", "Contact list");
  if (!p->nroles) {
    dw_para(w, "No roles are declared.");
    return;
  }
  dw_table(w, "contacts-table", 5, h);
  for (i = 0; i < p->nroles; i++) {
    const PlanRole *ro = &p->roles[i];
    const char *v;
    int m = 0;
    dw_code(&r->c[0], ro->name);
    buf_puts(&r->c[1], ro->person);
    buf_puts(&r->c[2], (v = plan_contact(ro, "phone")) ? v : "-");
    buf_puts(&r->c[3], (v = plan_contact(ro, "availability")) ? v : "-");
    for (k = 0; k < ro->ncontacts; k++) {
      const PlanContact *c = &ro->contacts[k];
      if (strcmp(c->field, shown[0]) == 0 || strcmp(c->field, shown[1]) == 0) continue;
      if (m++) buf_puts(&r->c[4], "; ");
      buf_printf(&r->c[4], "%s: %s", c->field, c->value);
    }
    if (!m) buf_puts(&r->c[4], "-");
    dw_row_put(w, r, NULL, 5);
  }
  dw_table_end(w);
}

static void requirements(DocW *w, const Plan *p, DwRow *r) {
  static const char *const h[] = {"#", "Requirement", "Owner", "Checked by", "Status"};
  size_t i, k;
  heading(w, p, "requirements", "Pre-", " requirements");
  if (!p->nrequires) {
    dw_para(w, "None: nothing is checked before the first step.");
    return;
  }
  dw_para(w, "Every requirement is checked before the first step runs; if one fails, no step runs.");
  dw_table(w, "requirements-table", 5, h);
  for (i = 0; i < p->nrequires; i++) {
    const PlanRequire *q = &p->requires[i];
    buf_printf(&r->c[0], "%zu", i + 1);
    buf_puts(&r->c[1], q->name);
    who(&r->c[2], p, q->owner);
    for (k = 0; k < q->nchecks; k++) {
      if (k) buf_puts(&r->c[3], "; ");
      buf_puts(&r->c[3], q->checks[k]);
    }
    if (!q->nchecks) buf_puts(&r->c[3], "-");
    buf_puts(&r->c[4], "\u2610");
    dw_row_put(w, r, NULL, 5);
  }
  dw_table_end(w);
}

static void procedure(DocW *w, const Plan *p, DwRow *r) {
  static const char *const h[] = {"Step", "Action", "Owner", "Duration", "Verify"};
  size_t i, k;
  Buf t = BUF_INIT;
  heading(w, p, "procedure", "", " procedure");
  dw_table(w, "procedure", 5, h);
  for (i = 0; i < p->nsteps; i++) {
    const PlanStep *s = &p->steps[i];
    buf_printf(&r->c[0], "%d", s->number);
    buf_puts(&r->c[1], s->title);
    who(&r->c[2], p, s->owner);
    if (s->has_expect) dw_minutes(&r->c[3], s->expect);
    else buf_puts(&r->c[3], "-");
    for (k = 0; k < s->nverifies; k++) {
      if (k) buf_puts(&r->c[4], "; ");
      buf_puts(&r->c[4], s->verifies[k]);
    }
    if (!s->nverifies) buf_puts(&r->c[4], "-");
    dw_row_put(w, r, "step", 5);
  }
  buf_puts(&r->c[0], "Total");
  dw_minutes(&r->c[3], p->total);
  if (p->has_window) {
    buf_puts(&r->c[4], "window ");
    dw_minutes(&r->c[4], p->window);
  }
  dw_row_put(w, r, "total", 5);
  dw_table_end(w);
  buf_puts(&t, "Planned duration ");
  dw_minutes(&t, p->total);
  if (!p->all_expect) buf_puts(&t, " (not counting the steps with no expected duration)");
  if (p->has_window) {
    buf_puts(&t, " against a window of ");
    dw_minutes(&t, p->window);
    if (p->total <= p->window) {
      buf_puts(&t, ": it fits, with ");
      dw_minutes(&t, p->window - p->total);
      buf_puts(&t, " to spare.");
    } else {
      buf_puts(&t, ": it does NOT fit; it is over by ");
      dw_minutes(&t, p->total - p->window);
      buf_puts(&t, ".");
    }
  } else {
    buf_puts(&t, "; the runbook has no window to set it against.");
  }
  dw_para(w, buf_cstr(&t));
  buf_free(&t);
}

static void details(DocW *w, const Plan *p) {
  size_t i, k;
  Buf t = BUF_INIT;
  dw_heading(w, 2, "details", "Detailed steps");
  for (i = 0; i < p->nsteps; i++) {
    const PlanStep *s = &p->steps[i];
    char id[32];
    snprintf(id, sizeof id, "step-%d", s->number);
    buf_printf(&t, "Step %d: %s", s->number, s->title);
    dw_heading(w, 3, id, buf_cstr(&t));
    buf_reset(&t);
    buf_puts(&t, "Step ");
    dw_code(&t, s->name);
    buf_puts(&t, ". Owner: ");
    who(&t, p, s->owner);
    buf_puts(&t, ". Expected: ");
    if (s->has_expect) dw_minutes(&t, s->expect);
    else buf_puts(&t, "not given");
    buf_puts(&t, ". Timeout: ");
    if (s->has_timeout) dw_minutes(&t, s->timeout);
    else buf_puts(&t, "none");
    buf_putc(&t, '.');
    if (s->retries >= 0) {
      buf_printf(&t, " Retried up to %ld time%s", s->retries, s->retries == 1 ? "" : "s");
      if (s->retry_every > 0) {
        buf_puts(&t, ", ");
        val_fmt_duration(s->retry_every, &t);
        buf_puts(&t, " apart");
      }
      buf_putc(&t, '.');
    }
    if (s->nafter) {
      buf_puts(&t, " After: ");
      for (k = 0; k < s->nafter; k++) {
        if (k) buf_puts(&t, ", ");
        dw_code(&t, s->after[k]);
      }
      buf_putc(&t, '.');
    }
    if (s->idempotent) buf_puts(&t, " Safe to run again (idempotent).");
    if (s->targeting) buf_printf(&t, " %s.", s->targeting);
    dw_para(w, buf_cstr(&t));
    buf_reset(&t);
    for (k = 0; k < s->nactions; k++) {
      if (!s->actions[k].resolved) {
        dw_item(w, s->actions[k].depth, s->actions[k].text);
        continue;
      }
      /* the expression as written, and its value with the params given */
      buf_puts(&t, s->actions[k].text);
      buf_puts(&t, " \u2192 with the params given: ");
      buf_puts(&t, s->actions[k].resolved);
      dw_item(w, s->actions[k].depth, buf_cstr(&t));
      buf_reset(&t);
    }
    dw_list_end(w);
    if (s->on_failure) {
      buf_puts(&t, "If the step fails: ");
      buf_puts(&t, s->on_failure);
      buf_putc(&t, '.');
      dw_para(w, buf_cstr(&t));
      buf_reset(&t);
    }
    if (s->has_undo) {
      buf_puts(&t, "Undo: ");
      buf_puts(&t, s->undo);
      buf_putc(&t, '.');
    } else if (s->irreversible) {
      buf_puts(&t, "Irreversible: ");
      buf_puts(&t, s->irreversible_reason);
      buf_putc(&t, '.');
    }
    if (t.n) dw_para(w, buf_cstr(&t));
    buf_reset(&t);
  }
  buf_free(&t);
}

static void branches(DocW *w, const Plan *p) {
  size_t i, k, n = 0;
  Buf t = BUF_INIT;
  dw_heading(w, 2, "branches", "Branches");
  for (i = 0; i < p->nsteps; i++) {
    const PlanStep *s = &p->steps[i];
    for (k = 0; k < s->nbranches; k++, n++) {
      buf_printf(&t, "Step %d (", s->number);
      dw_code(&t, s->name);
      buf_puts(&t, "): ");
      buf_puts(&t, s->branches[k].sentence);
      dw_item(w, 0, buf_cstr(&t));
      buf_reset(&t);
    }
    if (s->on_failure) {
      buf_printf(&t, "Step %d (", s->number);
      dw_code(&t, s->name);
      buf_puts(&t, "): if the step fails");
      if (s->retries > 0) buf_printf(&t, " after %ld retr%s", s->retries, s->retries == 1 ? "y" : "ies");
      buf_puts(&t, ", ");
      buf_puts(&t, s->on_failure);
      buf_putc(&t, '.');
      dw_item(w, 0, buf_cstr(&t));
      buf_reset(&t);
      n++;
    }
  }
  dw_list_end(w);
  if (!n) dw_para(w, "None: every step does the same thing every time.");
  buf_free(&t);
}

static void reversibility(DocW *w, const Plan *p, DwRow *r) {
  static const char *const h[] = {"Step", "Can be undone?", "How"};
  size_t i;
  dw_heading(w, 2, "undo", "What can be undone");
  dw_para(w, "rbk undo RUN runs the undo blocks of a run's completed steps, last first.");
  dw_table(w, "undo-table", 3, h);
  for (i = 0; i < p->nsteps; i++) {
    const PlanStep *s = &p->steps[i];
    buf_printf(&r->c[0], "%d. %s", s->number, s->title);
    if (s->has_undo) {
      buf_puts(&r->c[1], "Yes");
      buf_puts(&r->c[2], s->undo);
    } else if (s->irreversible) {
      buf_puts(&r->c[1], "No (irreversible)");
      buf_puts(&r->c[2], s->irreversible_reason);
    } else if (s->lint_no_undo) {
      buf_puts(&r->c[1], "No");
      buf_puts(&r->c[2], "it changes something but has no undo block (lint: no-undo)");
    } else {
      buf_puts(&r->c[1], "Nothing to undo");
      buf_puts(&r->c[2], "it runs no command that changes anything");
    }
    dw_row_put(w, r, NULL, 3);
  }
  dw_table_end(w);
}

static void gates(DocW *w, const Plan *p, DwRow *r) {
  static const char *const h[] = {"Step", "Gate", "Who", "What"};
  static const char *const kinds[] = {[PK_MANUAL] = "manual", [PK_ASK] = "question", [PK_APPROVE] = "approval"};
  size_t i, k, n = 0;
  dw_heading(w, 2, "gates", "Human gates");
  for (i = 0; i < p->nsteps; i++) n += p->steps[i].ngates;
  if (!n) {
    dw_para(w, "None: no step waits for a person.");
    return;
  }
  dw_para(w, "The run waits at each of these for a person: at a terminal it asks; without one it pauses until "
             "rbk approve, rbk confirm or rbk answer, then rbk resume.");
  dw_table(w, "gates-table", 4, h);
  for (i = 0; i < p->nsteps; i++) {
    const PlanStep *s = &p->steps[i];
    for (k = 0; k < s->ngates; k++) {
      const PlanGate *g = &s->gates[k];
      buf_printf(&r->c[0], "%d. %s", s->number, s->title);
      buf_puts(&r->c[1], kinds[g->kind] ? kinds[g->kind] : "gate");
      if (g->role) who(&r->c[2], p, g->role);
      else buf_puts(&r->c[2], "the operator");
      buf_puts(&r->c[3], g->text);
      if (g->condition) buf_printf(&r->c[3], " (conditional: only if %s)", g->condition);
      dw_row_put(w, r, g->condition ? "conditional" : NULL, 4);
    }
  }
  dw_table_end(w);
}

static void params(DocW *w, const Plan *p, DwRow *r) {
  static const char *const h[] = {"Name", "Kind", "Default", "Given"};
  static const char *const hv[] = {"Expression", "Value with the params given"};
  size_t i;
  if (!p->nparams) return;
  dw_heading(w, 2, "params", "Parameters");
  dw_para(w, "Each can be set for a run with rbk run --param NAME=VALUE. Secrets are never printed or journaled.");
  dw_table(w, "params-table", p->has_given ? 4 : 3, h);
  for (i = 0; i < p->nparams; i++) {
    const PlanParam *q = &p->params[i];
    dw_code(&r->c[0], q->name);
    buf_puts(&r->c[1], q->secret ? "secret" : "param");
    if (q->value) dw_code(&r->c[2], q->value);
    else buf_puts(&r->c[2], "-");
    if (q->given) dw_code(&r->c[3], q->given);
    else buf_puts(&r->c[3], "-");
    dw_row_put(w, r, NULL, p->has_given ? 4 : 3);
  }
  dw_table_end(w);
  if (!p->has_given || !p->nvalues) return;
  /* rbk plan --param: each expression the plan shows, and its value */
  dw_heading(w, 3, "values", "Values with the params given");
  dw_table(w, "values-table", 2, hv);
  for (i = 0; i < p->nvalues; i++) {
    dw_code(&r->c[0], p->values[i].expr);
    if (p->values[i].value) dw_code(&r->c[1], p->values[i].value);
    else buf_puts(&r->c[1], "known only when the run reaches it");
    dw_row_put(w, r, NULL, 2);
  }
  dw_table_end(w);
}

/* signoff is the block a change board signs: each signature of the plan
** (rbk approve), or a line per role still to sign. */
static void signoff(DocW *w, const Plan *p, DwRow *r) {
  static const char *const h[] = {"Role", "Approved by", "Key fingerprint", "Date", "Source SHA-256"};
  size_t i;
  dw_heading(w, 2, "signoff", "Sign-off");
  dw_para(w, p->plan_approver ? "From the signatures rbk approve recorded beside the runbook (FILE.approvals); rbk run "
                                "verifies each one and refuses a plan that is not signed in this version."
                              : "The runbook requires no signed approval (require approval by ROLE); a board that signs "
                                "on paper signs here.");
  dw_table(w, "signoff-table", 5, h);
  for (i = 0; i < p->nsignoffs; i++) {
    const PlanSignoff *so = &p->signoffs[i];
    if (so->role) who(&r->c[0], p, so->role);
    else buf_puts(&r->c[0], "-");
    if (so->signed_at) {
      if (so->by && *so->by) buf_puts(&r->c[1], so->by);
      else who(&r->c[1], p, so->role);
      dw_code(&r->c[2], so->fingerprint);
      buf_puts(&r->c[3], so->signed_at);
      dw_code(&r->c[4], so->sha256);
      buf_puts(&r->c[4], so->this_version ? " (this version)" : " (another version)");
    } else {
      buf_puts(&r->c[1], "not yet approved");
      buf_puts(&r->c[2], "-");
      buf_puts(&r->c[3], "-");
      dw_code(&r->c[4], p->sha256);
      if (p->plan_approver) {   /* require approval by ROLE: rbk run refuses the plan until it is signed */
        buf_puts(&r->c[4], " (to be signed: ");
        dw_code(&r->c[4], "rbk approve FILE --as ROLE");
        buf_putc(&r->c[4], ')');
      }
    }
    dw_row_put(w, r, so->signed_at ? NULL : "unsigned", 5);
  }
  dw_table_end(w);
}

static void checklist(DocW *w, const Plan *p, DwRow *r) {
  static const char *const h[] = {"Phase", "Check", "Result", "Lint rules"};
  size_t i;
  heading(w, p, "checklist", "", " plan checklist");
  dw_para(w, "Drawn from rbk lint: \u2713 when none of the rules named has a finding.");
  dw_table(w, "checklist-table", 4, h);
  for (i = 0; i < p->nchecklist; i++) {
    const PlanCheckItem *c = &p->checklist[i];
    size_t k;
    buf_puts(&r->c[0], c->phase);
    buf_puts(&r->c[1], c->question);
    if (c->findings) buf_printf(&r->c[2], "\u2717 %zu finding%s", c->findings, c->findings == 1 ? "" : "s");
    else buf_puts(&r->c[2], "\u2713");
    if (c->suppressed) buf_printf(&r->c[2], " (%zu suppressed)", c->suppressed);
    for (k = 0; c->rules[k]; k++) {
      if (k) buf_puts(&r->c[3], ", ");
      dw_code(&r->c[3], c->rules[k]);
    }
    dw_row_put(w, r, c->findings ? "fail" : NULL, 4);
  }
  dw_table_end(w);
}

void plan_render_doc(const Plan *p, DwFormat fmt, Buf *out) {
  DocW w;
  DwRow r;
  Buf t = BUF_INIT;
  memset(&r, 0, sizeof r);
  buf_printf(&t, "%s plan: ", kind_noun(p->kind, 1));
  buf_puts(&t, p->title);
  dw_begin(&w, fmt, out, buf_cstr(&t));
  header(&w, p, &r);
  triggers(&w, p, &r);
  authority(&w, p, &r);
  contacts(&w, p, &r);
  requirements(&w, p, &r);
  procedure(&w, p, &r);
  details(&w, p);
  branches(&w, p);
  reversibility(&w, p, &r);
  gates(&w, p, &r);
  params(&w, p, &r);
  if (p->checklist) checklist(&w, p, &r);
  signoff(&w, p, &r);
  buf_reset(&t);
  buf_puts(&t, "Made by rbk " RBK_VERSION " (rbk plan) from ");
  dw_code(&t, p->file);
  buf_puts(&t, ".");
  dw_footer(&w, buf_cstr(&t));
  dw_end(&w);
  dw_row_free(&r);
  buf_free(&t);
}
