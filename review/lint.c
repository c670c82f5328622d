/*
** lint.c -- the rules of `rbk lint` (docs/lint.md) over a checked tree,
** and the `# rbk:ignore RULE-ID reason` comments that suppress them.
** Rules read the tree only; every recursion is bounded by AST_MAX_DEPTH
** (the parser refuses deeper trees) and lists are walked iteratively.
*/
#include "lint.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../base/buf.h"
#include "../base/mem.h"
#include "../base/ptrmap.h"
#include "../base/sha256.h"
#include "../vm/value.h"
#include "../compiler/astq.h"
#include "../base/suggest.h"

/* The rule table: id, severity, found by the checker, title, rationale, fix.
** docs/lint.md documents the same rules in the same order; a test keeps
** them in step. Ids are stable: they are written in # rbk:ignore comments
** and read by CI tools from the SARIF output. */
static const LintRule rules[] = {
  {"step-no-owner", SEV_ERROR, 0, "a step has no owner",
   "Every action in a change needs one accountable person; a change board approves people, not scripts.",
   "Add `owner ROLE` to the step, naming a declared role."},
  {"no-verify", SEV_ERROR, 0, "a step that changes something verifies nothing",
   "A change that is not checked is assumed to have worked, and the next step builds on a guess.",
   "Add `verify CONDITION \"what it proves\"` to the step, or call a function that verifies."},
  {"no-timeout", SEV_ERROR, 0, "a step that changes something has no timeout",
   "A hung command would hold the whole window; a timeout bounds the damage and hands control back to people.",
   "Add `timeout D` to the step, somewhat above its `expect`."},
  {"no-undo", SEV_ERROR, 0, "a step that changes something has no undo and is not marked irreversible",
   "The way back must be written before it is needed; a step that has none must say so, and why.",
   "Add `undo { ... }`, or `irreversible \"why\"` if the step cannot be reversed."},
  {"irreversible-no-reason", SEV_ERROR, 0, "a step is marked irreversible without a reason",
   "Reviewers accept a step with no way back only when they know why there is none.",
   "Write the reason: `irreversible \"messages that were sent cannot be recalled\"`."},
  {"destructive-no-approval", SEV_ERROR, 0, "a destructive command runs with no `approve by` before it",
   "Commands such as `rm -rf ${dir}`, `DROP TABLE`, `TRUNCATE` or `mkfs` destroy data for good; a named person should decide at that moment.",
   "Add `approve by ROLE \"what is about to happen\"` earlier in the step, or explain with `# rbk:ignore destructive-no-approval REASON` why it is safe."},
  {"secret-literal", SEV_ERROR, 0, "a secret is written as a literal",
   "A password or token in a runbook is in every copy, review and repository of it, and cannot be masked in the journal.",
   "Declare `secret NAME = env(\"VAR\")` and interpolate `${NAME}`; rotate the exposed secret."},
  {"over-window", SEV_ERROR, 0, "the planned durations add up to more than the window",
   "A plan that cannot finish inside its change window will overrun it even when nothing goes wrong.",
   "Shorten the steps' `expect`, widen the `window`, or split the change."},
  {"after-order", SEV_ERROR, 1, "`after` names a later step or the step itself",
   "Steps run in the order written, so a dependency on a later step can never be met.",
   "Move the step after the one it depends on, or correct the name."},
  {"role-no-contact", SEV_WARNING, 0, "a role has no contact detail",
   "In an incident people are reached by phone, pager, e-mail or chat; a name alone reaches nobody.",
   "Add `phone`, `email`, `pager`, `slack` or `chat` to the role."},
  {"no-triggers", SEV_WARNING, 0, "the runbook has no triggers",
   "Without objective criteria the decision to back out is argued about in the middle of an incident.",
   "Add `trigger \"NAME\" SEVERITY when CONDITION` for each threshold that calls for the runbook."},
  {"no-backup-check", SEV_WARNING, 0, "no `require` checks that a backup exists",
   "A backout restores from backups; if they are missing or corrupt, the backout itself fails.",
   "Add `require \"Database backup complete\" { verify exists(backup) \"...\" }` for each backup the runbook restores."},
  {"no-window", SEV_WARNING, 0, "the runbook has no window",
   "A change board approves a change for a time slot; without one nobody can tell whether the plan fits.",
   "Add `window D` to the runbook: the time the whole run must fit in."},
  {"no-expect", SEV_WARNING, 0, "a step has no planned duration",
   "The plan's total, the window check and the report's planned-against-actual chart need every step's planned duration.",
   "Add `expect D` to the step."},
  {"timeout-below-expect", SEV_WARNING, 0, "a step's timeout is shorter than its planned duration",
   "The step would be stopped before the time it is planned to need.",
   "Raise the `timeout` above the `expect`, or correct the `expect`."},
  {"self-approval", SEV_WARNING, 0, "a step is approved by its own owner",
   "A gate is a second pair of eyes; the person doing the work approving it adds none.",
   "Name another role in `approve by`, such as the deployment lead."},
  {"unsigned-approvals", SEV_WARNING, 0, "the runbook has approval gates and no role names a key",
   "Without keys anyone who can run rbk can approve as any role; the journal records the claim, not the person.",
   "Add `key \"ssh-ed25519 AAAA...\"` to the approving roles, so that `rbk approve` signs and verifies."},
  {"plan-approval", SEV_WARNING, 0, "the change board's approval of this exact runbook is missing or stale",
   "A runbook that says `require approval by ROLE` will not start until ROLE has signed its exact text.",
   "Have it signed: `rbk approve FILE.rbk --as ROLE` (after the review), and commit FILE.rbk.approvals."},
  {"no-notify", SEV_WARNING, 0, "the runbook notifies nobody",
   "Users, stakeholders and management must hear that a backout happened and how it ended.",
   "Add `notify ROLE \"message\"` where people need to be told."},
  {"require-no-owner", SEV_WARNING, 0, "a pre-flight requirement has no owner",
   "Someone must answer for each requirement (a backup, a rehearsal) before the change starts.",
   "Add `owner ROLE` inside the `require` block."},
  {"no-plan-owner", SEV_WARNING, 0, "the runbook has no owner",
   "A plan without an owner has nobody to keep it current or to answer for it at review.",
   "Add `owner ROLE` at the top of the runbook."},
  {"no-version", SEV_WARNING, 0, "the runbook has no version",
   "Approvals, runs and reports must name which version of the plan they refer to.",
   "Add `version \"1.0\"` at the top of the runbook."},
  {"unused-param", SEV_WARNING, 0, "a param or secret is never used",
   "An unused setting suggests a step that was forgotten or a name that is misspelt elsewhere.",
   "Use it, or remove it."},
  {"unreachable", SEV_WARNING, 1, "a statement can never run",
   "A statement after `fail` or `return` never runs, so what the plan shows is not what happens.",
   "Remove the statement, or move it before the `fail` or `return`."},
  {"bad-ignore", SEV_ERROR, 0, "an `# rbk:ignore` comment is incomplete or names no rule",
   "A suppression must say which rule it silences and why, or a review cannot judge it.",
   "Write `# rbk:ignore RULE-ID reason` on the line above the finding."},
  {"unused-ignore", SEV_WARNING, 0, "an `# rbk:ignore` comment suppresses nothing",
   "A stale suppression hides the next real finding on that line.",
   "Remove the comment, or move it to the line above the finding."},
  {NULL, SEV_ERROR, 0, NULL, NULL, NULL},
};

const LintRule *lint_rules(void) { return rules; }

const LintRule *lint_rule(const char *id) {
  const LintRule *r;
  for (r = rules; r->id; r++)
    if (strcmp(r->id, id) == 0) return r;
  return NULL;
}

void lint_init(Lint *l, int strict) {
  memset(l, 0, sizeof *l);
  l->strict = strict;
}

void lint_free(Lint *l) {
  size_t i;
  for (i = 0; i < l->n; i++) {
    mem_free(l->v[i].msg);
    mem_free(l->v[i].hint);
    mem_free(l->v[i].suppressed);
  }
  mem_free(l->v);
  lint_init(l, 0);
}

size_t lint_count(const Lint *l, const char *rule) {
  size_t i, n = 0;
  for (i = 0; i < l->n; i++)
    if (!l->v[i].suppressed && strcmp(l->v[i].rule, rule) == 0) n++;
  return n;
}

/* ---- the pass ------------------------------------------------------- */

/* What a body (or a function, through every call) does, as bits. */
enum { P_MUTATES = 1, P_VERIFIES = 2, P_DESTRUCTIVE = 4, P_DONE = 8, P_BUSY = 16 };

typedef struct Ctx {
  Lint *l;
  Ast *ast;
  Source *src;
  Node *runbook;
  PtrMap fns;      /* interned name -> N_FN */
  PtrMap props;    /* N_FN -> P_* bits, (void *)(uintptr_t) */
  PtrMap used;     /* interned names read by some expression */
} Ctx;

static LintFinding *vfinding(Lint *l, const char *rule, Severity sev, Source *src, uint32_t pos,
                             uint32_t end, const char *fmt, va_list ap)
#if defined(__GNUC__)
  __attribute__((format(printf, 7, 0)))
#endif
  ;
static LintFinding *vfinding(Lint *l, const char *rule, Severity sev, Source *src, uint32_t pos,
                             uint32_t end, const char *fmt, va_list ap) {
  Buf b = BUF_INIT;
  LintFinding *f;
  if (l->n == l->cap) l->v = mem_grow(l->v, &l->cap, l->n + 1, sizeof *l->v);
  f = &l->v[l->n++];
  memset(f, 0, sizeof *f);
  buf_vprintf(&b, fmt, ap);
  f->rule = rule;
  f->sev = sev;
  f->src = src;
  f->file = src ? src_name_at(src, pos) : NULL;
  f->pos = pos;
  f->end = end < pos ? pos : end;
  f->msg = buf_take(&b);
  return f;
}

static LintFinding *report(Ctx *c, const char *rule, const Node *n, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 4, 5)))
#endif
  ;
/* report adds a finding of a rule in the table at n's span. */
static LintFinding *report(Ctx *c, const char *rule, const Node *n, const char *fmt, ...) {
  const LintRule *r = lint_rule(rule);
  LintFinding *f;
  va_list ap;
  va_start(ap, fmt);
  f = vfinding(c->l, r->id, r->sev, c->src, n->span.pos, n->span.end, fmt, ap);
  va_end(ap);
  return f;
}

static void hint(LintFinding *f, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 2, 3)))
#endif
  ;
static void hint(LintFinding *f, const char *fmt, ...) {
  va_list ap;
  Buf b = BUF_INIT;
  va_start(ap, fmt);
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  mem_free(f->hint);
  f->hint = buf_take(&b);
}

/* ---- destructive commands ------------------------------------------- */

/* A hole marks an interpolation in the text of a command. */
#define HOLE "\001"

static int word_char(char ch) { return isalnum((unsigned char)ch) || ch == '_'; }

/* find_word finds w in s (both lower case) as a whole word: not preceded by
** a word character, '-' or '.', and not followed by a word character. */
static const char *find_word(const char *s, const char *w) {
  size_t n = strlen(w);
  const char *p = s;
  while ((p = strstr(p, w)) != NULL) {
    int before = p > s && (word_char(p[-1]) || p[-1] == '-' || p[-1] == '.');
    int after = word_char(p[n]);
    if (!before && !after) return p;
    p++;
  }
  return NULL;
}

/* simple_cmd_end returns where the shell command starting at p ends. */
static const char *simple_cmd_end(const char *p) {
  while (*p && !strchr(";&|\n)", *p)) p++;
  return p;
}

/* rm_recursive says whether s runs rm with -r on an interpolated path,
** a glob or the root. */
static int rm_recursive(const char *s) {
  const char *p = s;
  while ((p = find_word(p, "rm")) != NULL) {
    const char *end = simple_cmd_end(p), *q = p + 2;
    int recursive = 0, risky = 0;
    while (q < end) {
      const char *w;
      size_t n;
      while (q < end && isspace((unsigned char)*q)) q++;
      w = q;
      while (q < end && !isspace((unsigned char)*q)) q++;
      n = (size_t)(q - w);
      if (n == 0) break;
      if (w[0] == '-' && n > 1 && w[1] != '-') {
        if (memchr(w, 'r', n) || memchr(w, 'R', n)) recursive = 1;
      } else if (n == 11 && memcmp(w, "--recursive", 11) == 0) {
        recursive = 1;
      } else if (memchr(w, HOLE[0], n) || memchr(w, '*', n) || (n == 1 && w[0] == '/')) {
        risky = 1;
      }
    }
    if (recursive && risky) return 1;
    p += 2;
  }
  return 0;
}

/* followed_by says whether the word at p (length n) is followed, after
** white space, by the word w. */
static int followed_by(const char *p, size_t n, const char *w) {
  p += n;
  if (!isspace((unsigned char)*p)) return 0;
  while (isspace((unsigned char)*p)) p++;
  return strncmp(p, w, strlen(w)) == 0 && !word_char(p[strlen(w)]);
}

/* destructive returns a label for the destructive pattern in the command
** or SQL text s (lower case, interpolations as HOLE), or NULL. */
static const char *destructive(const char *s) {
  const char *p;
  if (rm_recursive(s)) return "rm -r on an interpolated path";
  for (p = s; (p = find_word(p, "drop")) != NULL; p++) {
    if (followed_by(p, 4, "table")) return "DROP TABLE";
    if (followed_by(p, 4, "database")) return "DROP DATABASE";
    if (followed_by(p, 4, "schema")) return "DROP SCHEMA";
  }
  if (find_word(s, "truncate")) return "TRUNCATE";
  for (p = s; (p = find_word(p, "delete")) != NULL; p++)
    if (followed_by(p, 6, "from") && !find_word(p, "where")) return "DELETE without WHERE";
  for (p = s; (p = strstr(p, "mkfs")) != NULL; p++)
    if ((p == s || !word_char(p[-1])) && (!word_char(p[4]))) return "mkfs";
  for (p = s; (p = find_word(p, "dd")) != NULL; p++)
    if (strstr(p, "of=") && strstr(p, "of=") < simple_cmd_end(p)) return "dd of=";
  if (find_word(s, "wipefs")) return "wipefs";
  if (find_word(s, "shred")) return "shred";
  for (p = s; (p = find_word(p, "git")) != NULL; p++) {
    const char *end = simple_cmd_end(p);
    if (followed_by(p, 3, "push")) {
      const char *f = strstr(p, "--force");
      const char *g = strstr(p, " -f");
      if ((f && f < end) || (g && g < end)) return "git push --force";
    }
    if (followed_by(p, 3, "reset")) {
      const char *h = strstr(p, "--hard");
      if (h && h < end) return "git reset --hard";
    }
  }
  for (p = s; (p = find_word(p, "kubectl")) != NULL; p++)
    if (followed_by(p, 7, "delete")) return "kubectl delete";
  for (p = s; (p = find_word(p, "terraform")) != NULL; p++)
    if (followed_by(p, 9, "destroy")) return "terraform destroy";
  if (strstr(s, "of=/dev/") || strstr(s, "> /dev/sd") || strstr(s, ">/dev/sd")) return "a write to a block device";
  return NULL;
}

/* cmd_destructive reads the text of a command or query node. */
static const char *cmd_destructive(Ctx *c, const Node *cmd) {
  Buf b = BUF_INIT;
  const char *what = NULL;
  size_t i;
  if (!cmd || (cmd->kind != N_STR && cmd->kind != N_TMPL)) return NULL;
  astq_text(c->src, cmd, HOLE, &b);
  for (i = 0; i < b.n; i++) b.p[i] = (char)tolower((unsigned char)b.p[i]);
  if (b.n) what = destructive(b.p);
  buf_free(&b);
  return what;
}

/* sql_writes says whether a literal query is something other than a read. */
static int sql_writes(Ctx *c, const Node *q) {
  static const char *const reads[] = {"select", "pragma", "with", "explain", "values", NULL};
  Buf b = BUF_INIT;
  const char *p;
  int i, writes = 1;
  if (!q || (q->kind != N_STR && q->kind != N_TMPL)) return 0;   /* not known: not counted */
  astq_text(c->src, q, HOLE, &b);
  for (p = buf_cstr(&b); isspace((unsigned char)*p); p++) {}
  for (i = 0; reads[i]; i++)
    if (strncasecmp(p, reads[i], strlen(reads[i])) == 0 && !word_char(p[strlen(reads[i])])) writes = 0;
  buf_free(&b);
  return writes;
}

/* cmd_reads_only says whether a command is known to change nothing: a
** pipeline of simple commands, each starting with a literal word from a
** short list of programs that only read or wait (sleep, cat, grep ...),
** with no redirection, no other operator and no command substitution. An
** interpolation is fine as an argument (`sleep ${x}`), never as the
** program. Anything else may change something. */
static int cmd_reads_only(Ctx *c, const Node *cmd) {
  static const char *const readers[] = {"sleep", "true", "false", "echo", "printf", "cat", "ls", "test", "[",
                                        "grep", "egrep", "fgrep", "head", "tail", "wc", "stat", "id",
                                        "uname", "df", "du", "pwd", "whoami", "uptime", "free",
                                        "nproc", "getent", "ping", "dig", "host", "nslookup", NULL};
  Buf b = BUF_INIT;
  const char *p;
  int ok = 1;
  if (!cmd || (cmd->kind != N_STR && cmd->kind != N_TMPL)) return 0;
  astq_text(c->src, cmd, HOLE, &b);
  p = buf_cstr(&b);
  if (strpbrk(p, ";&><`\n(){}") || strstr(p, "$(")) ok = 0;
  while (ok) {
    const char *w, *e;
    size_t n;
    int i, known = 0;
    while (*p == ' ' || *p == '\t') p++;
    for (w = p; *p && *p != ' ' && *p != '\t' && *p != '|'; p++) {}
    n = (size_t)(p - w);
    for (i = 0; readers[i] && n; i++)
      if (strlen(readers[i]) == n && memcmp(readers[i], w, n) == 0) known = 1;
    if (!known) ok = 0;
    e = strchr(p, '|');
    if (!e) break;
    p = e + 1;
  }
  buf_free(&b);
  return ok;
}

/* ---- what bodies do ------------------------------------------------- */

static int fn_props(Ctx *c, Node *fn);

/* The destructive command found first by body_props, for messages. */
typedef struct Found {
  const Node *at;
  const char *what;
  const char *via;    /* the function called, when found through a call */
} Found;

/* call_props returns the P_* bits of one call; builtins that run commands
** are examined here, user functions through fn_props. */
static int call_props(Ctx *c, const Node *call, Found *found) {
  const char *name = astq_callee(call);
  const Node *arg = call->b;
  const char *what = NULL;
  int p = 0;
  Node *fn;
  if (!name) return 0;
  if (strcmp(name, "run") == 0 || strcmp(name, "sh") == 0 || strcmp(name, "status") == 0) {
    if (strcmp(name, "run") == 0 && !cmd_reads_only(c, arg)) p |= P_MUTATES;
    what = cmd_destructive(c, arg);
  } else if ((strcmp(name, "sql") == 0 || strcmp(name, "sql_value") == 0) && arg && arg->next) {
    if (sql_writes(c, arg->next)) p |= P_MUTATES;
    what = cmd_destructive(c, arg->next);
  } else if ((fn = ptrmap_get(&c->fns, name)) != NULL) {
    int q = fn_props(c, fn);
    p |= q & (P_MUTATES | P_VERIFIES | P_DESTRUCTIVE);
    if ((q & P_DESTRUCTIVE) && found && !found->at) {
      found->at = call;
      found->what = "a destructive command";
      found->via = name;
    }
    return p;
  }
  if (what) {
    p |= P_DESTRUCTIVE;
    if (found && !found->at) {
      found->at = call;
      found->what = what;
    }
  }
  return p;
}

/* node_props adds the P_* bits of n and everything below it. Undo blocks
** are skipped (they run only under `rbk undo`), and so are nested
** function declarations. */
static int node_props(Ctx *c, const Node *n, Found *found);

static int list_props(Ctx *c, const Node *n, Found *found) {
  int p = 0;
  for (; n; n = n->next) p |= node_props(c, n, found);
  return p;
}

static int node_props(Ctx *c, const Node *n, Found *found) {
  int p = 0;
  if (!n) return 0;
  switch (n->kind) {
    case N_UNDO:
    case N_FN:
    case N_EXTERN: return 0;
    case N_RUN: {
      const char *what = cmd_destructive(c, n->a);
      if (!cmd_reads_only(c, n->a)) p |= P_MUTATES;
      if (what) {
        p |= P_DESTRUCTIVE;
        if (found && !found->at) {
          found->at = n;
          found->what = what;
        }
      }
      break;
    }
    case N_VERIFY: p |= P_VERIFIES; break;
    case N_WAIT: p |= P_VERIFIES; break;   /* `wait until C` fails the step unless C comes true: a check */
    case N_HOLD: p |= P_VERIFIES; break;   /* `hold C for D` fails the step when C breaks: a check */
    case N_CALL: p |= call_props(c, n, found); break;
    default: break;
  }
  if (ast_is_leaf(n->kind)) return p;
  p |= list_props(c, n->a, found);
  p |= list_props(c, ast_b(n), found);
  p |= list_props(c, ast_c(n), found);
  p |= list_props(c, ast_d(n), found);
  return p;
}

/* fn_props returns what calling fn does, memoised; a recursive call in
** progress counts as doing nothing more. */
static int fn_props(Ctx *c, Node *fn) {
  int p = (int)(uintptr_t)ptrmap_get(&c->props, fn);
  if (p & (P_DONE | P_BUSY)) return p;
  ptrmap_put(&c->props, fn, (void *)(uintptr_t)P_BUSY);
  p = list_props(c, astq_body(fn), NULL) | P_DONE;
  ptrmap_put(&c->props, fn, (void *)(uintptr_t)p);
  return p;
}

/* ---- names that are read -------------------------------------------- */

static void uses(Ctx *c, const Node *n);

static void uses_list(Ctx *c, const Node *n) {
  for (; n; n = n->next) uses(c, n);
}

/* uses records every name that an expression reads, skipping the names
** that declare something or name a role, step or field. */
static void uses(Ctx *c, const Node *n) {
  if (!n) return;
  switch (n->kind) {
    case N_NAME: ptrmap_put(&c->used, n->str, (void *)1); return;
    case N_PARAM: case N_SECRET: case N_PROBE: case N_LET: case N_ASSIGN: uses(c, n->b); return;
    case N_FOR: uses(c, n->b); uses(c, n->c); return;
    case N_FN: uses(c, n->c); return;
    case N_STEP: uses(c, n->b); uses(c, n->c); return;
    case N_TRIGGER: uses(c, n->a); uses(c, n->c); uses(c, n->d); return;
    case N_APPROVE: case N_NOTIFY: case N_ONFAIL: uses(c, n->b); return;
    case N_FIELD: uses(c, n->a); return;
    case N_EXTERN: case N_ROLE: case N_OWNER: case N_AFTER: case N_IMPORT: return;
    default: break;
  }
  if (ast_is_leaf(n->kind)) return;
  uses_list(c, n->a);
  uses_list(c, ast_b(n));
  uses_list(c, ast_c(n));
  uses_list(c, ast_d(n));
}

/* ---- secrets written as literals ------------------------------------ */

static const char *const secret_keys[] = {
  "password", "passwd", "pwd", "secret", "token", "api_key", "apikey", "api-key",
  "access_key", "private_key", NULL,
};

/* secret_value says whether p starts a literal secret value: after an
** optional quote, at least three characters that are not an
** interpolation, a shell or environment reference, or a mask. */
static int secret_value(const char *p) {
  size_t n = 0;
  if (*p == '\'' || *p == '"') p++;
  if (*p == '$' || *p == HOLE[0] || *p == '*' || *p == '<' || *p == '{' || *p == '%') return 0;
  while (p[n] && !isspace((unsigned char)p[n]) && !strchr("'\";&|)" HOLE, p[n])) n++;
  return n >= 3;
}

/* secret_in returns a description of a literal secret in text s (as
** written, interpolations as HOLE), or NULL. The secret itself is never
** part of the description. */
static const char *secret_in(const char *s, char *key, size_t keyn) {
  Buf low = BUF_INIT;
  const char *found = NULL, *p;
  size_t i;
  for (i = 0; s[i]; i++) buf_putc(&low, (char)tolower((unsigned char)s[i]));
  for (i = 0; secret_keys[i] && !found; i++) {
    size_t n = strlen(secret_keys[i]);
    for (p = low.p; (p = strstr(p, secret_keys[i])) != NULL; p++) {
      const char *q = p + n;
      if (p > low.p && isalnum((unsigned char)p[-1])) continue;   /* "mypassword" is fine, "db_password" not */
      while (*q == ' ') q++;
      if (*q != '=' && *q != ':') continue;
      if (*q == ':' && q[1] == '/') continue;   /* a URL scheme, not a key */
      q++;
      while (*q == ' ') q++;
      if (secret_value(s + (q - low.p))) {
        snprintf(key, keyn, "%s", secret_keys[i]);
        found = "a key";
        break;
      }
    }
  }
  if (!found && (p = strstr(low.p, "bearer ")) != NULL) {
    size_t n = 0;
    p += 7;
    while (isalnum((unsigned char)p[n]) || strchr("._~+/-", p[n])) n++;
    if (n >= 16 && p[0] != '$') {
      snprintf(key, keyn, "Bearer");
      found = "a token";
    }
  }
  if (!found) {
    for (p = s; (p = strstr(p, "AKIA")) != NULL; p++) {
      size_t n = 0;
      while (n < 16 && ((p[4 + n] >= 'A' && p[4 + n] <= 'Z') || (p[4 + n] >= '0' && p[4 + n] <= '9'))) n++;
      if (n == 16) {
        snprintf(key, keyn, "AWS access key");
        found = "a token";
        break;
      }
    }
  }
  if (!found) {
    static const char *const prefixes[] = {"ghp_", "gho_", "ghs_", "ghu_", "github_pat_", "xoxb-", "xoxp-", "glpat-", NULL};
    for (i = 0; prefixes[i] && !found; i++) {
      for (p = s; (p = strstr(p, prefixes[i])) != NULL; p++) {
        size_t n = 0, k = strlen(prefixes[i]);
        while (isalnum((unsigned char)p[k + n]) || p[k + n] == '_' || p[k + n] == '-') n++;
        if (n >= 16) {
          snprintf(key, keyn, "%.*s", (int)(k - 1), prefixes[i]);
          found = "a token";
          break;
        }
      }
    }
  }
  if (!found && strstr(low.p, "private key-----")) {
    snprintf(key, keyn, "PRIVATE KEY");
    found = "a key";
  }
  if (!found) {   /* scheme://user:password@host */
    for (p = s; (p = strstr(p, "://")) != NULL; p++) {
      const char *q = p + 3, *colon = NULL;
      while (*q && !strchr("/@ " HOLE, *q)) {
        if (*q == ':' && !colon) colon = q;
        q++;
      }
      if (*q == '@' && colon && colon + 1 < q && colon[1] != '$' && colon[1] != '*') {
        snprintf(key, keyn, "password in a URL");
        found = "a URL";
        break;
      }
    }
  }
  buf_free(&low);
  return found;
}

/* name_is_secret says whether a param's name says it holds a secret. */
static int name_is_secret(const char *name) {
  static const char *const ends[] = {"password", "passwd", "token", "api_key", "apikey", "secret", NULL};
  size_t n = strlen(name), i, k;
  char low[128];
  if (n >= sizeof low) return 0;
  for (i = 0; i <= n; i++) low[i] = (char)tolower((unsigned char)name[i]);
  for (i = 0; ends[i]; i++) {
    k = strlen(ends[i]);
    if (n >= k && strcmp(low + n - k, ends[i]) == 0) return 1;
  }
  return 0;
}

static void secrets_in_strings(Ctx *c, const Node *n);

static void secrets_in_list(Ctx *c, const Node *n) {
  for (; n; n = n->next) secrets_in_strings(c, n);
}

/* secrets_in_strings looks at every string literal under n. */
static void secrets_in_strings(Ctx *c, const Node *n) {
  if (!n) return;
  if (n->kind == N_STR || n->kind == N_TMPL) {
    Buf b = BUF_INIT;
    char key[64];
    astq_text(c->src, n, HOLE, &b);
    if (b.n && memchr(b.p, '\0', b.n) == NULL && secret_in(b.p, key, sizeof key)) {
      LintFinding *f = report(c, "secret-literal", n, "a secret is written in this string (%s)", key);
      hint(f, "read it at run time: secret NAME = env(\"VAR\"), then interpolate ${NAME}");
    }
    buf_free(&b);
    if (n->kind == N_STR) return;
  }
  if (ast_is_leaf(n->kind)) return;
  secrets_in_list(c, n->a);
  secrets_in_list(c, ast_b(n));
  secrets_in_list(c, ast_c(n));
  secrets_in_list(c, ast_d(n));
}

/* ---- the rules ------------------------------------------------------ */

static const char *dur_text(double secs, Buf *b) {
  buf_reset(b);
  val_fmt_duration(secs, b);
  return buf_cstr(b);
}

/* earliest_approve returns the position of the first `approve by` under
** the statements, or UINT32_MAX. */
static uint32_t earliest_approve(const Node *n) {
  uint32_t best = UINT32_MAX, x;
  for (; n; n = n->next) {
    if (n->kind == N_UNDO || n->kind == N_FN) continue;
    if (n->kind == N_APPROVE && n->span.pos < best) best = n->span.pos;
    if (ast_is_leaf(n->kind)) continue;
    if ((x = earliest_approve(n->a)) < best) best = x;
    if ((x = earliest_approve(ast_b(n))) < best) best = x;
    if ((x = earliest_approve(ast_c(n))) < best) best = x;
    if ((x = earliest_approve(ast_d(n))) < best) best = x;
  }
  return best;
}

/* destructive_unapproved reports each destructive command (or call of a
** function that runs one) under the statements that no approval precedes. */
static void destructive_unapproved(Ctx *c, const Node *n, uint32_t approved_at) {
  for (; n; n = n->next) {
    Found f = {NULL, NULL, NULL};
    if (n->kind == N_UNDO || n->kind == N_FN) continue;
    if (n->kind == N_RUN || n->kind == N_CALL) {
      if (n->kind == N_RUN) node_props(c, n, &f);
      else call_props(c, n, &f);
      if (f.at && f.at->span.pos < approved_at) {
        LintFinding *lf;
        if (f.via)
          lf = report(c, "destructive-no-approval", f.at,
                      "'%s' runs a destructive command, and no 'approve by' comes before this call", f.via);
        else
          lf = report(c, "destructive-no-approval", f.at, "destructive command (%s) with no 'approve by' before it",
                      f.what);
        hint(lf, "add 'approve by ROLE \"...\"' before it in the step, or '# rbk:ignore destructive-no-approval REASON' above it");
      }
      if (n->kind == N_RUN) continue;
    }
    if (ast_is_leaf(n->kind)) continue;
    destructive_unapproved(c, n->a, approved_at);
    destructive_unapproved(c, ast_b(n), approved_at);
    destructive_unapproved(c, ast_c(n), approved_at);
    destructive_unapproved(c, ast_d(n), approved_at);
  }
}

/* first_approve returns the first `approve by` in n and what follows it, or NULL. */
static const Node *first_approve(const Node *n) {
  for (; n; n = n->next) {
    const Node *a;
    if (n->kind == N_APPROVE) return n;
    if (ast_is_leaf(n->kind)) continue;
    if ((a = first_approve(n->a)) || (a = first_approve(ast_b(n))) || (a = first_approve(ast_c(n))) ||
        (a = first_approve(ast_d(n))))
      return a;
  }
  return NULL;
}

/* self_approvals reports each `approve by` of the step's own owner, in
** its branches too. */
static void self_approvals(Ctx *c, const Node *n, const char *owner, const char *step) {
  for (; n; n = n->next) {
    if (n->kind == N_UNDO || n->kind == N_FN) continue;
    if (n->kind == N_APPROVE && n->a && n->a->str == owner) {
      LintFinding *f = report(c, "self-approval", n, "step '%s' is approved by its own owner, '%s'", step, owner);
      hint(f, "name another role: a gate is a second pair of eyes");
    }
    if (ast_is_leaf(n->kind)) continue;
    self_approvals(c, n->a, owner, step);
    self_approvals(c, ast_b(n), owner, step);
    self_approvals(c, ast_c(n), owner, step);
    self_approvals(c, ast_d(n), owner, step);
  }
}

static void lint_step(Ctx *c, Node *step, double *total, int *all_expect) {
  Node *body = astq_body(step);
  Node *owner = astq_clause(body, N_OWNER), *timeout = astq_clause(body, N_TIMEOUT);
  Node *expect = astq_clause(body, N_EXPECT), *irrev = astq_clause(body, N_IRREVERSIBLE);
  Node *undo = astq_clause(body, N_UNDO);
  const char *name = step->a->str;
  double e = 0, t = 0;
  int p = list_props(c, body, NULL);
  LintFinding *f;
  Buf b1 = BUF_INIT, b2 = BUF_INIT;
  if (!owner) {
    f = report(c, "step-no-owner", step->a, "step '%s' has no owner", name);
    hint(f, "add 'owner ROLE': the role that carries the step out");
  }
  if (p & P_MUTATES) {
    if (!(p & P_VERIFIES)) {
      f = report(c, "no-verify", step->a, "step '%s' changes something but verifies nothing", name);
      hint(f, "add 'verify CONDITION \"what it proves\"' after the change");
    }
    if (!timeout) {
      f = report(c, "no-timeout", step->a, "step '%s' changes something but has no timeout", name);
      hint(f, "add 'timeout D', somewhat above its expected duration");
    }
    if (!undo && !irrev) {
      f = report(c, "no-undo", step->a, "step '%s' changes something but has no undo block and is not marked irreversible",
                 name);
      hint(f, "add 'undo { ... }', or 'irreversible \"why\"' if it cannot be reversed");
    }
  }
  if (irrev && astq_is_blank(irrev->a)) {
    f = report(c, "irreversible-no-reason", irrev, "step '%s' is irreversible, but the reason is empty", name);
    hint(f, "say why it cannot be reversed: irreversible \"...\"");
  }
  if (!expect) {
    *all_expect = 0;
    f = report(c, "no-expect", step->a, "step '%s' has no planned duration", name);
    hint(f, "add 'expect D': how long the step should take");
  } else if (astq_const_secs(expect->a, &e)) {
    *total += e;
    if (timeout && astq_const_secs(timeout->a, &t) && t < e) {
      f = report(c, "timeout-below-expect", timeout, "step '%s' times out after %s but is expected to take %s", name,
                 dur_text(t, &b1), dur_text(e, &b2));
      hint(f, "raise the timeout above the expected duration");
    }
  }
  if (owner && owner->a) self_approvals(c, body, owner->a->str, name);
  destructive_unapproved(c, body, earliest_approve(body));
  buf_free(&b1);
  buf_free(&b2);
}

static int contains_notify(const Node *n) {
  for (; n; n = n->next) {
    if (n->kind == N_NOTIFY) return 1;
    if (ast_is_leaf(n->kind)) continue;
    if (contains_notify(n->a) || contains_notify(ast_b(n)) || contains_notify(ast_c(n)) || contains_notify(ast_d(n))) return 1;
  }
  return 0;
}

/* mentions_backup says whether a require's name or body mentions a backup. */
static int mentions_backup(Ctx *c, const Node *req) {
  Buf b = BUF_INIT;
  size_t i;
  int yes;
  astq_source(c->src, req, &b);
  for (i = 0; i < b.n; i++) b.p[i] = (char)tolower((unsigned char)b.p[i]);
  yes = b.n && strstr(b.p, "backup") != NULL;
  buf_free(&b);
  return yes;
}

static void lint_runbook(Ctx *c) {
  Node *rb = c->runbook, *d;
  Node *window = NULL, *owner = NULL, *version = NULL;
  int triggers = 0, backup = 0, all_expect = 1, nsteps = 0;
  double total = 0, w = 0;
  LintFinding *f;
  for (d = rb->b; d; d = d->next) {
    switch (d->kind) {
      case N_WINDOW: window = d; break;
      case N_OWNER: owner = d; break;
      case N_VERSION: version = d; break;
      case N_TRIGGER: triggers++; break;
      case N_ROLE: {
        const Node *k;
        int reach = 0;
        for (k = d->c; k; k = k->next) {
          const char *field = k->a ? k->a->str : "";
          if ((strcmp(field, "phone") == 0 || strcmp(field, "email") == 0 || strcmp(field, "pager") == 0 ||
               strcmp(field, "slack") == 0 || strcmp(field, "chat") == 0) &&
              !astq_is_blank(k->b))
            reach = 1;
        }
        if (!reach) {
          f = report(c, "role-no-contact", d->a, "role '%s' has no contact detail", d->a->str);
          hint(f, "add phone \"...\", email \"...\", pager \"...\", slack \"...\" or chat \"...\"");
        }
        break;
      }
      case N_REQUIRE: {
        Node *body = astq_body(d);
        if (!astq_clause(body, N_OWNER)) {
          f = report(c, "require-no-owner", d->a, "this requirement has no owner");
          hint(f, "add 'owner ROLE' inside the require block");
        }
        if (mentions_backup(c, d) && (list_props(c, body, NULL) & P_VERIFIES)) backup = 1;
        destructive_unapproved(c, body, earliest_approve(body));
        break;
      }
      case N_STEP:
        nsteps++;
        lint_step(c, d, &total, &all_expect);
        break;
      default: break;
    }
  }
  if (!triggers) {
    f = report(c, "no-triggers", rb->a, "the runbook has no triggers");
    hint(f, "add 'trigger \"NAME\" critical|major|minor when CONDITION' for each threshold");
  }
  if (!backup) {
    f = report(c, "no-backup-check", rb->a, "no 'require' block verifies that a backup exists");
    hint(f, "add 'require \"Backup complete\" { verify exists(backup) \"...\" }'");
  }
  if (!owner) {
    f = report(c, "no-plan-owner", rb->a, "the runbook has no owner");
    hint(f, "add 'owner ROLE' at the top of the runbook");
  }
  if (!version) {
    f = report(c, "no-version", rb->a, "the runbook has no version");
    hint(f, "add 'version \"1.0\"' at the top of the runbook");
  }
  if (!window) {
    f = report(c, "no-window", rb->a, "the runbook has no window");
    hint(f, "add 'window D': the time the whole run must fit in");
  } else if (nsteps && astq_const_secs(window->a, &w) && total > w) {
    Buf b1 = BUF_INIT, b2 = BUF_INIT;
    f = report(c, "over-window", window, "the steps' planned durations add up to %s%s, more than the %s window",
               dur_text(total, &b1), all_expect ? "" : " (without the steps that have none)", dur_text(w, &b2));
    hint(f, "shorten the steps, widen the window, or split the change");
    buf_free(&b1);
    buf_free(&b2);
  }
  {
    const Node *gate = first_approve(rb->b);
    int keyed = 0;
    for (d = rb->b; d; d = d->next)
      if (d->kind == N_ROLE) {
        const Node *k;
        for (k = d->c; k; k = k->next)
          if (k->a && (strcmp(k->a->str, "key") == 0 || strcmp(k->a->str, "keys") == 0)) keyed = 1;
      }
    if (gate && !keyed) {
      f = report(c, "unsigned-approvals", gate, "approvals in this runbook are not signed: no role names a key");
      hint(f, "add key \"ssh-ed25519 AAAA...\" to the approving role, so that rbk approve signs and verifies");
    }
  }
  for (d = rb->b; d; d = d->next)
    if (d->kind == N_PLANAPPROVAL && d->b && c->src && c->src->name) {
      /* The file beside the runbook, by hash only: rbk run verifies the signature. */
      char path[4200], hex[65], want[80];
      uint8_t dig[32];
      FILE *af;
      int have = 0, any = 0;
      sha256(c->src->text, c->src->len, dig);
      sha256_hex(dig, hex);
      snprintf(path, sizeof path, "%s.approvals", c->src->name);
      snprintf(want, sizeof want, "{\"sha256\":\"%s\"", hex);
      if ((af = fopen(path, "r")) != NULL) {
        char line[256];
        while (fgets(line, sizeof line, af)) {
          if (strncmp(line, "{\"sha256\":\"", 11) == 0) any = 1;
          if (strncmp(line, want, strlen(want)) == 0) have = 1;
        }
        fclose(af);
      }
      if (!have) {
        f = report(c, "plan-approval", d, any ? "%s's approval in %s is for another version of this runbook"
                                              : "no approval by %s in %s",
                   d->b->str, path);
        hint(f, "after the review: rbk approve %s --as %s", c->src->name, d->b->str);
      }
    }
  if (!contains_notify(rb->b)) {
    f = report(c, "no-notify", rb->a, "the runbook notifies nobody");
    hint(f, "add 'notify ROLE \"message\"' where people must be told");
  }
  /* params and secrets nobody reads */
  uses(c, rb);
  for (d = c->ast->root->a; d; d = d->next)
    if (d->kind == N_FN) uses(c, d);
  for (d = rb->b; d; d = d->next) {
    if ((d->kind == N_PARAM || d->kind == N_SECRET) && !ptrmap_get(&c->used, d->a->str)) {
      f = report(c, "unused-param", d->a, "%s '%s' is never used", d->kind == N_PARAM ? "param" : "secret",
                 d->a->str);
      hint(f, "use it as ${%s}, or remove it", d->a->str);
    }
    if (d->kind == N_SECRET && d->b && (d->b->kind == N_STR || d->b->kind == N_TMPL) && !astq_is_blank(d->b)) {
      f = report(c, "secret-literal", d->b, "secret '%s' has a literal value", d->a->str);
      hint(f, "read it at run time: secret %s = env(\"VAR\")", d->a->str);
    } else if (d->kind == N_PARAM && d->b && d->b->kind == N_STR && !astq_is_blank(d->b) &&
               name_is_secret(d->a->str)) {
      f = report(c, "secret-literal", d->b, "param '%s' holds what looks like a secret, as a literal", d->a->str);
      hint(f, "declare it 'secret %s = env(\"VAR\")': secrets are masked and never journaled", d->a->str);
    }
  }
}

/* ---- # rbk:ignore --------------------------------------------------- */

typedef struct Ignore {
  int line, target;     /* the comment's line; the line it applies to */
  uint32_t pos, end;    /* the comment */
  char rule[64];
  char *reason;         /* owned, NULL if missing */
  int valid, used, blocked;   /* blocked: it names a check error, which cannot be hidden */
} Ignore;

/* in_string says whether offset p lies inside a string literal of the tree. */
static int in_string(const Node *n, uint32_t p) {
  for (; n; n = n->next) {
    if (p < n->span.pos || p >= n->span.end) continue;
    if (n->kind == N_STR || n->kind == N_TMPL) return 1;
    if (ast_is_leaf(n->kind)) continue;
    if (in_string(n->a, p) || in_string(ast_b(n), p) || in_string(ast_c(n), p) || in_string(ast_d(n), p)) return 1;
  }
  return 0;
}

/* ignore_line parses a line that holds only "# rbk:ignore ..." into ig;
** returns 0 if the line is something else. */
static int ignore_line(Ctx *c, int line, Ignore *ig) {
  uint32_t ls, ll, p, e;
  const char *t = c->src->text;
  src_line(c->src, line, &ls, &ll);
  e = ls + ll;
  for (p = ls; p < e && (t[p] == ' ' || t[p] == '\t'); p++) {}
  if (p >= e || t[p] != '#') return 0;
  {
    uint32_t q = p + 1;
    while (q < e && (t[q] == ' ' || t[q] == '\t')) q++;
    if (e - q < 10 || memcmp(t + q, "rbk:ignore", 10) != 0) return 0;
    if (q + 10 < e && t[q + 10] != ' ' && t[q + 10] != '\t') return 0;
    if (in_string(c->ast->root, p)) return 0;
    memset(ig, 0, sizeof *ig);
    ig->line = line;
    ig->pos = p;
    ig->end = e;
    q += 10;
    while (q < e && (t[q] == ' ' || t[q] == '\t')) q++;
    {
      uint32_t r = q;
      while (q < e && t[q] != ' ' && t[q] != '\t') q++;
      snprintf(ig->rule, sizeof ig->rule, "%.*s", (int)(q - r), t + r);
    }
    while (q < e && (t[q] == ' ' || t[q] == '\t' || t[q] == '\r')) q++;
    while (e > q && (t[e - 1] == ' ' || t[e - 1] == '\t' || t[e - 1] == '\r')) e--;
    if (e > q) ig->reason = mem_strndup(t + q, e - q);
  }
  return 1;
}

static int finding_line(const LintFinding *f) {
  if (!f->src) return 0;
  return src_line_number(f->src, f->pos);   /* in the whole text, as the ignore lines are counted */
}

static void apply_ignores(Ctx *c, size_t first) {
  Ignore *igs = NULL;
  size_t n = 0, cap = 0, i, k, nfind = c->l->n;
  int line;
  char *is_ignore_line;
  if (!c->src->nlines) {
    int l0, c0;
    src_linecol(c->src, 0, &l0, &c0);   /* builds the line table */
  }
  is_ignore_line = mem_calloc((size_t)c->src->nlines + 2);
  for (line = 1; line <= (int)c->src->nlines; line++) {
    Ignore ig;
    if (!ignore_line(c, line, &ig)) continue;
    if (n == cap) igs = mem_grow(igs, &cap, n + 1, sizeof *igs);
    igs[n++] = ig;
    is_ignore_line[line] = 1;
  }
  for (i = 0; i < n; i++) {
    Ignore *ig = &igs[i];
    const LintRule *r = ig->rule[0] ? lint_rule(ig->rule) : NULL;
    Node at;
    LintFinding *f;
    memset(&at, 0, sizeof at);
    at.span.pos = ig->pos;
    at.span.end = ig->end;
    for (ig->target = ig->line + 1; ig->target <= (int)c->src->nlines && is_ignore_line[ig->target]; ig->target++) {}
    if (!ig->rule[0]) {
      f = report(c, "bad-ignore", &at, "'# rbk:ignore' needs a rule id and a reason");
      hint(f, "write '# rbk:ignore RULE-ID reason'; 'rbk lint --rules' lists the ids");
    } else if (!r || strcmp(r->id, "bad-ignore") == 0) {
      Suggest sg;
      const LintRule *q;
      suggest_init(&sg, ig->rule);
      for (q = rules; q->id; q++) suggest_add(&sg, q->id);
      f = report(c, "bad-ignore", &at, "'# rbk:ignore' names an unknown rule '%s'", ig->rule);
      if (suggest_best(&sg)) hint(f, "did you mean '%s'?", suggest_best(&sg));
      else hint(f, "'rbk lint --rules' lists the rule ids");
    } else if (!ig->reason) {
      f = report(c, "bad-ignore", &at, "'# rbk:ignore %s' needs a reason", ig->rule);
      hint(f, "say why the finding does not apply: '# rbk:ignore %s REASON'", ig->rule);
    } else {
      ig->valid = 1;
    }
  }
  for (k = first; k < nfind; k++) {
    LintFinding *f = &c->l->v[k];
    const LintRule *r = lint_rule(f->rule);
    /* a check error never hides: the runbook would not run */
    int fixed = f->sev == SEV_ERROR && (!r || r->from_check);
    if (!f->src) continue;
    line = finding_line(f);
    for (i = 0; i < n; i++) {
      if (!igs[i].valid || igs[i].target != line || strcmp(igs[i].rule, f->rule) != 0) continue;
      if (fixed) {
        igs[i].blocked = 1;
        continue;
      }
      igs[i].used = 1;
      if (!f->suppressed) f->suppressed = mem_strdup(igs[i].reason);
    }
  }
  for (i = 0; i < n; i++) {
    if (igs[i].valid && igs[i].blocked && !igs[i].used) {
      Node at;
      LintFinding *f;
      memset(&at, 0, sizeof at);
      at.span.pos = igs[i].pos;
      at.span.end = igs[i].end;
      f = report(c, "bad-ignore", &at, "'%s' on line %d is an error of rbk check, which cannot be suppressed",
                 igs[i].rule, igs[i].target);
      hint(f, "fix the error: the runbook cannot run with it");
    } else if (igs[i].valid && !igs[i].used) {
      Node at;
      LintFinding *f;
      memset(&at, 0, sizeof at);
      at.span.pos = igs[i].pos;
      at.span.end = igs[i].end;
      f = report(c, "unused-ignore", &at, "this '# rbk:ignore %s' suppresses nothing on line %d", igs[i].rule,
                 igs[i].target);
      hint(f, "remove it, or put it on the line just above the finding");
    }
    mem_free(igs[i].reason);
  }
  mem_free(igs);
  mem_free(is_ignore_line);
}

/* ---- per file ------------------------------------------------------- */

void lint_file(Lint *l, Source *src, Ast *ast, const Diags *d, size_t from) {
  size_t first = l->n, i, j;
  Ctx c;
  for (i = from; d && i < d->n; i++) {
    const Diag *dg = &d->v[i];
    const LintRule *r = lint_rule(dg->code);
    LintFinding *f;
    if (l->n == l->cap) l->v = mem_grow(l->v, &l->cap, l->n + 1, sizeof *l->v);
    f = &l->v[l->n++];
    memset(f, 0, sizeof *f);
    f->rule = r ? r->id : dg->code;
    f->sev = dg->sev;
    f->src = dg->src;
    f->file = dg->file;
    f->pos = dg->pos;
    f->end = dg->end;
    f->msg = mem_strdup(dg->msg);
    f->hint = dg->hint ? mem_strdup(dg->hint) : NULL;
  }
  if (ast && ast->root) {
    Node *n;
    memset(&c, 0, sizeof c);
    c.l = l;
    c.ast = ast;
    c.src = src;
    c.runbook = astq_runbook(ast);
    for (n = ast->root->a; n; n = n->next)
      if (n->kind == N_FN && n->a) ptrmap_put(&c.fns, n->a->str, n);
    if (c.runbook)
      for (n = c.runbook->b; n; n = n->next)
        if (n->kind == N_FN && n->a) ptrmap_put(&c.fns, n->a->str, n);
    if (c.runbook) lint_runbook(&c);
    secrets_in_strings(&c, ast->root);
    apply_ignores(&c, first);
    ptrmap_free(&c.fns);
    ptrmap_free(&c.props);
    ptrmap_free(&c.used);
  }
  /* source order within the file (a stable insertion sort) */
  for (i = first + 1; i < l->n; i++) {
    LintFinding t = l->v[i];
    for (j = i; j > first && l->v[j - 1].pos > t.pos; j--) l->v[j] = l->v[j - 1];
    l->v[j] = t;
  }
  for (i = first; i < l->n; i++) {
    LintFinding *f = &l->v[i];
    if (l->strict && f->sev == SEV_WARNING) f->sev = SEV_ERROR;
    if (f->suppressed) continue;
    if (f->sev == SEV_ERROR) l->errors++;
    else if (f->sev == SEV_WARNING) l->warnings++;
  }
}
