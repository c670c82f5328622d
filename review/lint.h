/*
** lint.h -- CAB-readiness rules over a checked runbook (`rbk lint`, and
** the checklist of `rbk plan`). Each rule has a stable id, a severity, a
** one-line rationale and a fix; docs/lint.md documents every one.
**
** A Lint collects findings across files. For each file the caller parses
** and checks it, then hands lint_file the tree (NULL if the parse failed)
** and the parse and check diagnostics: those become findings too, under
** their check code (`after-order`, `unreachable`, ...), so one report holds
** everything a reviewer must see. Then the rules run, and `# rbk:ignore
** RULE-ID reason` comments suppress what they name.
**
** OWNERSHIP: a Lint owns its findings' messages; the Sources they point to
** must outlive it (as for Diags). Rule entries are static.
*/
#ifndef RBK_LINT_H
#define RBK_LINT_H

#include <stddef.h>
#include <stdint.h>

#include "../base/diag.h"
#include "../grammar/ast.h"

typedef struct LintRule {
  const char *id;         /* stable: "step-no-owner" */
  Severity sev;           /* its severity without --strict */
  int from_check;         /* 1: found by the checker, reported by lint */
  const char *title;      /* what it finds, in a few words */
  const char *rationale;  /* why a reviewer cares, one sentence */
  const char *fix;        /* how to fix it, one sentence */
} LintRule;

typedef struct LintFinding {
  const char *rule;       /* a LintRule id, or a check diagnostic code (static) */
  Severity sev;           /* after --strict */
  Source *src;            /* NULL for a finding about a whole file */
  const char *file;
  uint32_t pos, end;      /* byte span in src */
  char *msg;              /* owned */
  char *hint;             /* owned, or NULL */
  char *suppressed;       /* owned: the reason of the # rbk:ignore that hides it, or NULL */
} LintFinding;

typedef struct Lint {
  LintFinding *v;
  size_t n, cap;
  int strict;             /* warnings count as errors */
  int errors, warnings;   /* findings not suppressed, after strict */
} Lint;

/* lint_rules returns the rule table, terminated by an entry with a NULL id. */
const LintRule *lint_rules(void);
/* lint_rule returns the rule with this id, or NULL. */
const LintRule *lint_rule(const char *id);

/* lint_init prepares an empty Lint; strict turns warnings into errors. */
void lint_init(Lint *l, int strict);
/* lint_free releases every finding. */
void lint_free(Lint *l);
/* lint_file lints one file: the diagnostics d->v[from..] (its parse and
** check diagnostics) become findings, then, if ast->root is set (the parse
** succeeded), the rules run over it and its # rbk:ignore comments apply.
** Check errors cannot be suppressed. The file's findings end up sorted by
** position. */
void lint_file(Lint *l, Source *src, Ast *ast, const Diags *d, size_t from);
/* lint_count returns how many findings of rule (an id) are not suppressed. */
size_t lint_count(const Lint *l, const char *rule);

#endif
