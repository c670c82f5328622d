/*
** plan.h -- the plan of a runbook as a change board reads it, built once
** from the checked tree and rendered in several formats (`rbk plan`:
** Markdown, HTML, DOT, Mermaid, JSON; `rbk report` reads its planned
** durations). It follows the backout plan template of seed 001: a header,
** triggers, decision authority, contacts, pre-flight requirements, the
** procedure table with the total against the window, what can and cannot
** be undone, the branches in words, and a checklist drawn from lint.
**
** TEXT. Texts are UTF-8 as written in the runbook, neutral to any output
** format: code (a command, a condition, a name) is wrapped in PLAN_CODE_ON
** ... PLAN_CODE_OFF, which each renderer turns into its own markup (a
** Markdown code span, an HTML <code>, nothing in a graph label).
** Interpolations are shown as ${expr}, exactly as written.
**
** OWNERSHIP. A Plan owns everything in it (strings in its arena, arrays
** from mem_alloc); plan_free releases it. Role, step and rule names that
** come from the tree are copied, so the tree may be freed after plan_build.
*/
#ifndef RBK_PLAN_H
#define RBK_PLAN_H

#include <stddef.h>

#include "../base/mem.h"
#include "../grammar/ast.h"
#include "lint.h"
#include "plan_words.h"   /* PLAN_CODE_ON, PLAN_CODE_OFF */

typedef struct PlanContact {
  const char *field;     /* phone, email, pager, slack, chat, availability, team, note, ... */
  const char *value;
} PlanContact;

typedef struct PlanRole {
  const char *name, *person;
  PlanContact *contacts;
  size_t ncontacts;
} PlanRole;

typedef struct PlanParam {
  const char *name;
  int secret;
  const char *value;     /* the default as written, NULL if none */
  const char *given;     /* the value given (rbk plan --param/--param-file; "***" for a secret), or NULL */
} PlanParam;

/* The params a plan is made with (rbk plan --param, --param-file), as
** --param texts; a later key wins. */
typedef struct PlanGiven {
  const char *const *keys, *const *vals;
  int n;
} PlanGiven;

/* An expression the plan shows as ${...}, and its value with the params
** given, or NULL when only the run can tell. */
typedef struct PlanValue {
  const char *expr;
  const char *value;
} PlanValue;

/* Who signed the plan (FILE.approvals, written by rbk approve), or, with
** no signature yet, the role whose approval is required (signed_at NULL). */
typedef struct PlanSignoff {
  const char *role, *by, *fingerprint, *signed_at, *sha256;   /* by: who signed, as rbk approve recorded it */
  int this_version;      /* sha256 is this source's */
} PlanSignoff;

typedef struct PlanTrigger {
  const char *name;
  const char *severity;  /* critical, major, minor */
  const char *condition; /* in words */
  const char *action;    /* what the severity calls for (seed 001's framework) */
  double for_secs;       /* for D, or 0 */
} PlanTrigger;

typedef struct PlanRequire {
  const char *name;
  const char *owner;     /* role name, or NULL */
  const char **checks;   /* what it verifies, in words */
  size_t nchecks;
} PlanRequire;

/* A line of a step's detail: what is done, in order; depth is the nesting
** of branches and loops (0 at the top of the step). */
typedef enum PlanKind {
  PK_RUN, PK_MANUAL, PK_ASK, PK_APPROVE, PK_NOTIFY, PK_VERIFY, PK_WAIT, PK_LOG, PK_FAIL, PK_CALL,
  PK_SET, PK_IF, PK_ELSE, PK_FOR
} PlanKind;

typedef struct PlanAction {
  PlanKind kind;
  int depth;
  const char *text;      /* in words */
  const char *role;      /* approve, notify: the role */
  const char *resolved;  /* text with each ${param} replaced by its value, when params are
                         ** given and it has one; else NULL */
} PlanAction;

/* An `if`: the whole sentence, and its parts for the graph. */
typedef struct PlanBranch {
  const char *sentence;  /* "If X, run Y; otherwise Z." */
  const char *cond;      /* X */
  const char *then_text; /* Y */
  const char *else_text; /* Z, or NULL when there is no else */
} PlanBranch;

typedef struct PlanGate {
  PlanKind kind;         /* PK_MANUAL, PK_ASK or PK_APPROVE */
  const char *role;      /* approve: the role; else NULL */
  const char *text;
  const char *condition; /* when it is reached only sometimes: "the step fails" (in an
                         ** 'on failure' handler) or the if's condition in words; else NULL */
} PlanGate;

typedef struct PlanStep {
  int number;            /* 1, 2, ... in the order they run */
  const char *name, *title;   /* title: the step's title, or its name */
  const char *owner;     /* role name, or NULL */
  int line;              /* where it is declared */
  int has_expect, has_timeout;
  double expect, timeout;
  long retries;          /* -1: no retry clause */
  double retry_every;
  int idempotent, irreversible, has_undo;
  const char *targeting; /* a step on hosts: its group, batches, budget in words; NULL: this machine */
  int lint_no_undo;      /* lint found it changes something with no way back (no-undo) */
  size_t findings;       /* unsuppressed lint findings inside the step */
  const char *irreversible_reason;
  const char **after;
  size_t nafter;
  const char **verifies; /* the verify messages (or conditions), in words, with those of
                         ** the functions it calls */
  size_t nverifies;
  PlanAction *actions;
  size_t nactions;
  PlanBranch *branches;  /* each if, in source order */
  size_t nbranches;
  PlanGate *gates;
  size_t ngates;
  const char **notified; /* the roles its notify statements tell (handlers included), each once */
  size_t nnotified;
  const char *on_failure;   /* the handler in words, or NULL */
  const char *undo;         /* the undo block in words, or NULL */
} PlanStep;

/* A checklist item is drawn from at most this many lint rules. */
#define PLAN_MAX_RULES 8

typedef struct PlanCheckItem {
  const char *phase;     /* "Planning", "Procedure", "Review" */
  const char *question;  /* as seed 001's checklist asks it */
  const char *const *rules;   /* the lint rules it is drawn from, NULL-terminated;
                         ** "check" stands for every rbk check diagnostic without a rule */
  size_t findings;       /* unsuppressed findings of those rules */
  size_t suppressed;
} PlanCheckItem;

typedef struct Plan {
  Arena arena;           /* every string */
  const char *file, *title, *version, *owner;   /* owner: role name */
  const char *kind;      /* what it is: rollout, backout ... (compiler/kind.h); words the headings */
  const char *plan_approver;  /* the role of 'require approval by ROLE', or NULL */
  char sha256[65];       /* of the source */
  int has_window;
  double window;
  PlanRole *roles;
  size_t nroles;
  PlanParam *params;
  size_t nparams;
  PlanTrigger *triggers;
  size_t ntriggers;
  PlanRequire *requires;
  size_t nrequires;
  PlanStep *steps;
  size_t nsteps;
  double total;          /* the sum of the steps' expect */
  int all_expect;        /* every step has one */
  PlanCheckItem *checklist;
  size_t nchecklist;
  int lint_errors, lint_warnings;
  int has_given;         /* made with params given */
  PlanValue *values;     /* with params given: each distinct ${...} the plan shows, in order */
  size_t nvalues;
  const char **notified; /* the roles any notify statement of the runbook tells, each once */
  size_t nnotified;
  PlanSignoff *signoffs; /* the sign-off block: signatures, or the roles still to sign */
  size_t nsignoffs;
} Plan;

/* plan_build fills p from a parsed and checked tree (ast->root set, no
** check errors). lint holds the findings of lint_file for the same file
** (NULL: no checklist). Returns 0, or -1 if the file has no runbook. */
int plan_build(Plan *p, Ast *ast, const Lint *lint);
/* plan_build_given is plan_build with params given (NULL: none): titles
** and texts show their values, and p->values lists each expression. */
int plan_build_given(Plan *p, Ast *ast, const Lint *lint, const PlanGiven *given);
/* plan_free releases the plan. */
void plan_free(Plan *p);
/* plan_role returns the role of that name, or NULL. */
const PlanRole *plan_role(const Plan *p, const char *name);
/* plan_contact returns a role's contact field (phone, ...), or NULL. */
const char *plan_contact(const PlanRole *r, const char *field);
/* plan_step returns the step of that name, or NULL. */
const PlanStep *plan_step(const Plan *p, const char *name);
/* plan_kind_name names an action kind ("run", "approve", ...). */
const char *plan_kind_name(PlanKind k);

#endif
