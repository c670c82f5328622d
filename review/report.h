/*
** report.h -- the post-run review of one run (`rbk report RUN`), built
** from its journal (docs/journal.md) and from the runbook as it was when
** the run began (STATE/runs/ID/source.rbk, for the planned durations and
** the verify messages). It holds what seed 001 asks people to document
** during and after a backout: the timeline of events, the commands
** executed, the decisions made and by whom, the actions improvised at the
** REPL, planned against actual per step, the failed verifies, and the
** post-backout review questions answered where the journal can.
**
** Texts come from the journal, where secrets are already masked; nothing
** here reads a secret. Times are UTC as journaled.
**
** OWNERSHIP. A Report borrows the records of the RrJournal it was built
** from (which must outlive it), and owns its arrays and the strings in
** its arena; report_free releases them.
*/
#ifndef RBK_REPORT_H
#define RBK_REPORT_H

#include <stddef.h>

#include "plan.h"
#include "../run/runread.h"

typedef struct RepEvent {
  const char *time;     /* as journaled */
  double at;            /* seconds since the run started */
  const char *kind;     /* one word: start, resume, step, command, gate, answer, decision, verify,
                        ** notify, log, interrupted, paused, end, improvised, skip, changes, link, other */
  const char *text;     /* what happened, with code marks */
  long long improv;     /* the improvisation it belongs to, 0 if none */
} RepEvent;

typedef struct RepCmd {
  const char *time;
  double at;
  const char *step;     /* NULL outside a step */
  const char *what;     /* the command as run (masked) */
  int ended;            /* an effect_end was journaled */
  int has_status;
  long long status;
  int has_secs;
  double secs;
  int timed_out;
  int truncated;        /* its output was over the journal's cap: */
  long long out_dropped, err_dropped;   /* bytes of stdout and stderr not journaled */
  const char *left_running;   /* "a process left running holds the output open", or NULL */
  const char *note;     /* "skipped by decision", "marked done by decision", "in doubt", or NULL */
  const char *err;      /* the start of its standard error when it failed, or NULL */
  long long improv;
} RepCmd;

typedef struct RepDecision {
  const char *time;
  double at;
  const char *kind;     /* approval, confirmation, answer, decision, changes accepted, skip */
  const char *step;
  const char *text;     /* the gate's text, the in-doubt command, the skipped step's reason */
  const char *answer;   /* approved, refused, yes, no, confirmed, rerun, skip, done, ... */
  const char *by, *role, *note;
  int verified;         /* approvals: 1 signed (journaled verified), 0 unverified, -1 not said */
  const char *fingerprint; /* the signing key's, when signed */
  const char *principal;   /* the principal (role) the signature was verified for, when signed */
  long long signers;    /* an 'approve by N of' gate: the distinct signatures that opened it (each its own
                        ** decision of kind "signature"), else 0 */
  long long improv;
} RepDecision;

typedef struct RepImprov {
  long long id;
  const char *operator_name, *input, *kind;   /* kind: statement, expression, meta */
  const char *start, *end;
  const char *outcome;  /* ok, failed, interrupted; NULL if it never ended */
  int has_secs;
  double secs;
  const char *value, *error;
  const char **effects; /* "kind: what" of each effect inside it */
  size_t neffects;
} RepImprov;

typedef struct RepStep {
  int number;
  const char *name, *title, *owner;
  int has_plan;         /* the runbook gives its expect */
  double planned;
  int started, ended;
  double start_at, end_at;   /* seconds since the run started: first start, last end */
  const char *state;    /* pending, running, ok, recovered, failed, interrupted, skipped */
  long long attempts;
  int has_secs;
  double secs;          /* the last attempt's duration, as journaled */
  const char *error;
  const char *skip_reason, *skip_by;
} RepStep;

typedef struct RepVerify {
  const char *time;
  double at;
  const char *step;
  const char *what;     /* the condition */
  const char *left, *right;   /* as values read, or NULL */
  const char *message;  /* from the runbook, or NULL */
  long long improv;
} RepVerify;

typedef struct RepQA {
  const char *question;
  const char *answer;   /* NULL: for people to answer */
} RepQA;

#define REPORT_NQA 7

/* A host of a step on hosts: its last host_end (run/fleet.c). */
typedef RrHost RepHost;   /* run/runread.h */

typedef struct Report {
  Arena arena;
  RrInfo info;
  const char *id, *title, *runbook, *host, *started, *ended;
  const char *kind;     /* what the runbook is (compiler/kind.h): its plan's, else read from the title */
  const char *outcome;  /* the state in one word */
  const char *summary;  /* the state line, as rbk status prints it */
  RrTrail trail;        /* what started the run, and the runs linked to it (run/runread.h) */
  int has_secs;
  double secs;          /* start to end (or to the last record) */
  const char **operators;
  size_t noperators;
  RepEvent *events;
  size_t nevents;
  RepCmd *cmds;
  size_t ncmds;
  RepDecision *decisions;
  size_t ndecisions;
  RepImprov *improvs;
  size_t nimprovs;
  RepStep *steps;
  size_t nsteps;
  RepHost *hosts;       /* steps on hosts: one per step, host (and undo), in first-seen order */
  size_t nhosts;
  RepVerify *failed;
  size_t nfailed;
  size_t verifies_passed;
  int has_plan;         /* the runbook could be read: planned durations known */
  Plan plan;
  const char *plan_note;   /* why there is no plan, or a note about it */
  double planned_total;
  double first_step_at; /* when the first step started, seconds since the run started */
  RepQA review[REPORT_NQA];
  size_t nrecords;
  const char *journal_problem;   /* NULL when the journal is intact */
} Report;

/* report_build reads the run in dir from its loaded journal L. Returns 0,
** or -1 with a reason in err when the journal holds no run. */
int report_build(Report *r, const RrJournal *L, const char *dir, char *err, size_t errlen);
/* report_free releases the report (not the journal). */
void report_free(Report *r);

#endif
