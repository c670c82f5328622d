/*
** check.c -- semantic checks over a parsed runbook.
** One pass collects the declarations of the runbook (roles, params,
** steps, functions, probes); a second walks every body in order, with
** block scopes for `let`, and reports what is wrong in the order a reader
** meets it. Every recursion is bounded by AST_MAX_DEPTH.
*/
#include "check.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../vm/ffi.h"
#include "../base/ptrmap.h"
#include "../base/shquote.h"
#include "../base/sshkey.h"
#include "../base/suggest.h"
#include "kind.h"

static const char *const ty_names[] = {
#define X(t, s) s,
  TY_LIST_X(X)
#undef X
};

const char *ty_name(Ty t) { return ty_names[t]; }

static const BuiltinSig builtins[] = {
#define X(name, lo, hi, ty, args, fx, doc) {#name, lo, hi, TY_##ty, doc},
#include "../vm/builtins.def"
#undef X
  {NULL, 0, 0, TY_ANY, NULL},
};

const BuiltinSig *check_builtins(void) { return builtins; }

static const char *const module_of[][2] = {
#define M(name, module) {#name, #module},
#include "modules.def"
#undef M
  {NULL, NULL},
};

const char *check_builtin_module(const char *name) {
  int i;
  for (i = 0; module_of[i][0]; i++)
    if (module_of[i][0][0] == name[0] && strcmp(module_of[i][0], name) == 0) return module_of[i][1];
  return NULL;
}

typedef enum SymKind {
  S_PARAM, S_SECRET, S_GLOBAL, S_LOCAL, S_FNPARAM, S_FN, S_EXTERN, S_BUILTIN,
  S_ROLE, S_STEP, S_PROBE
} SymKind;

/* Sym.nkeys of a role whose keys file is not there yet: any count may hold. */
#define KEYS_UNKNOWN 1000000

typedef struct Sym {
  SymKind kind;
  Ty ty;
  Node *decl;        /* the declaring node (for "declared here" and arity) */
  int order;         /* steps: position in the runbook */
  int min_args, max_args;
  int nkeys;         /* roles: how many `key` fields (KEYS_UNKNOWN: a keys file not there yet) */
} Sym;

typedef struct Local {
  const char *name;
  Sym *sym;
  int scope;
  size_t shadowed;   /* 1 + index of the local of the same name it hides, or 0 */
} Local;

/* Where a statement list sits: this decides which clauses are allowed. */
typedef enum Where { W_STEP, W_REQUIRE, W_NESTED, W_FN, W_UNDO, W_HANDLER, W_REPL } Where;

typedef struct Checker {
  Ast *ast;
  Source *src;
  Diags *d;
  Arena arena;            /* Syms */
  PtrMap vars, fns, roles, steps, probes;
  PtrMap stepvars;        /* every step's top-level `let` NAME, collected up front */
  PtrMap groups;          /* hosts groups (`hosts web = ...`) */
  int in_target;          /* checking a step on hosts: `host`, `local run`, `on batch` allowed */
  Local *locals;          /* a stack, innermost scope last */
  size_t nlocals, locals_cap;
  PtrMap local_index;     /* name -> 1 + index of its innermost local (0: none) */
  int scope;
  int in_fn;              /* step variables are not visible in functions */
  const char *module;     /* checking this stdlib module (its own builtins are its functions), or NULL */
  int in_notifier;        /* checking the notifier's command (it runs outside any step) */
  const Node *decls;      /* the runbook's declarations (named notifiers are found there) */
  const Program *ctx;     /* REPL input: the program it runs in (its notifiers), else NULL */
  int nsteps;
  Node *cur_step;
  int cur_step_order;
} Checker;

#define KW(n) ast_kind_name((n)->kind)

static Diag *err(Checker *C, const char *code, const Node *n, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 4, 5)))
#endif
  ;
static Diag *warn(Checker *C, const char *code, const Node *n, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 4, 5)))
#endif
  ;

static Diag *vreport(Checker *C, Severity sev, const char *code, const Node *n, const char *fmt,
                     va_list ap)
#if defined(__GNUC__)
  __attribute__((format(printf, 5, 0)))
#endif
  ;
static Diag *vreport(Checker *C, Severity sev, const char *code, const Node *n, const char *fmt,
                     va_list ap) {
  char msg[512];
  vsnprintf(msg, sizeof msg, fmt, ap);
  return diag_add(C->d, sev, code, C->src, n->span.pos, n->span.end, "%s", msg);
}

static Diag *err(Checker *C, const char *code, const Node *n, const char *fmt, ...) {
  va_list ap;
  Diag *dg;
  va_start(ap, fmt);
  dg = vreport(C, SEV_ERROR, code, n, fmt, ap);
  va_end(ap);
  return dg;
}

static Diag *warn(Checker *C, const char *code, const Node *n, const char *fmt, ...) {
  va_list ap;
  Diag *dg;
  va_start(ap, fmt);
  dg = vreport(C, SEV_WARNING, code, n, fmt, ap);
  va_end(ap);
  return dg;
}

static int line_of(Checker *C, const Node *n) {
  int line, col;
  src_linecol(C->src, n->span.pos, &line, &col);
  return line;
}

static Sym *new_sym(Checker *C, SymKind k, Node *decl, Ty ty) {
  Sym *s = arena_alloc(&C->arena, sizeof *s);
  memset(s, 0, sizeof *s);
  s->kind = k;
  s->decl = decl;
  s->ty = ty;
  return s;
}

/* first_here tells where the first of two declarations of a name is:
** a hint with its line in the same file, else (an import's) a note there. */
static void first_here(Checker *C, Diag *dg, const Node *name, const Node *first) {
  if (!dg) return;
  if (src_part_at(C->src, first->span.pos) == src_part_at(C->src, name->span.pos)) {
    diag_hint(dg, "'%s' is already declared at line %d", name->str, line_of(C, first));
    return;
  }
  diag_hint(dg, "the names of functions, roles, probes and notifiers are shared by a runbook and what it imports; "
                "rename one of them");
  diag_add(C->d, SEV_NOTE, dg->code, C->src, first->span.pos, first->span.end, "'%s' is first declared here",
           name->str);
}

/* declare puts name into map, reporting a duplicate against the first. */
static Sym *declare(Checker *C, PtrMap *m, Node *name, SymKind k, Ty ty, const char *code,
                    const char *what) {
  Sym *old = ptrmap_get(m, name->str), *s;
  if (old && old->kind != S_BUILTIN) {
    Diag *dg = err(C, code, name, "duplicate %s '%s'", what, name->str);
    if (old->decl) first_here(C, dg, name, old->decl);
    return NULL;
  }
  s = new_sym(C, k, name, ty);
  ptrmap_put(m, name->str, s);
  return s;
}

/* ---- scopes ---------------------------------------------------------- */

static void open_scope(Checker *C) { C->scope++; }

static void close_scope(Checker *C) {
  while (C->nlocals && C->locals[C->nlocals - 1].scope == C->scope) {
    Local *l = &C->locals[--C->nlocals];
    ptrmap_put(&C->local_index, l->name, (void *)(uintptr_t)l->shadowed);
  }
  C->scope--;
}

static Sym *find_local(Checker *C, const char *name, int *same_scope) {
  size_t i = (size_t)(uintptr_t)ptrmap_get(&C->local_index, name);
  if (i == 0) return NULL;
  if (same_scope) *same_scope = C->locals[i - 1].scope == C->scope;
  return C->locals[i - 1].sym;
}

static Sym *lookup_var(Checker *C, const char *name) {
  Sym *s = find_local(C, name, NULL);
  if (s) return s;
  s = ptrmap_get(&C->vars, name);
  if (s && C->in_fn && s->kind == S_GLOBAL) return NULL;
  return s;
}

static void push_local(Checker *C, Node *name, SymKind k, Ty ty);

static void add_local(Checker *C, Node *name, SymKind k, Ty ty) {
  int same = 0;
  Sym *old = find_local(C, name->str, &same);
  if (old && same) {
    Diag *dg = err(C, "duplicate-variable", name, "'%s' is already declared in this block", name->str);
    if (old->decl) diag_hint(dg, "the first declaration is at line %d; assign with '%s = ...'",
                             line_of(C, old->decl), name->str);
    return;
  }
  if (!old) {
    Sym *g = ptrmap_get(&C->vars, name->str);
    if (g && (g->kind == S_PARAM || g->kind == S_SECRET)) {
      Diag *dg = err(C, "duplicate-variable", name, "'%s' is already declared as a %s", name->str,
                     g->kind == S_PARAM ? "param" : "secret");
      if (g->decl) diag_hint(dg, "see line %d; choose another name", line_of(C, g->decl));
      else diag_hint(dg, "the runbook declares it; choose another name");
      return;
    }
  }
  push_local(C, name, k, ty);
}

/* push_local declares name in the innermost scope, shadowing what it may. */
static void push_local(Checker *C, Node *name, SymKind k, Ty ty) {
  Sym *s = new_sym(C, k, name, ty);
  if (C->nlocals == C->locals_cap)
    C->locals = mem_grow(C->locals, &C->locals_cap, C->nlocals + 1, sizeof *C->locals);
  C->locals[C->nlocals].name = name->str;
  C->locals[C->nlocals].sym = s;
  C->locals[C->nlocals].scope = C->scope;
  C->locals[C->nlocals].shadowed = (size_t)(uintptr_t)ptrmap_get(&C->local_index, name->str);
  C->nlocals++;
  ptrmap_put(&C->local_index, name->str, (void *)(uintptr_t)C->nlocals);
}

/* A step's top-level `let` is visible to the steps after it. */
static void add_step_global(Checker *C, Node *name, Ty ty) {
  Sym *g = ptrmap_get(&C->vars, name->str);
  if (g && (g->kind == S_PARAM || g->kind == S_SECRET)) {
    Diag *dg = err(C, "duplicate-variable", name, "'%s' is already declared as a %s", name->str,
                   g->kind == S_PARAM ? "param" : "secret");
    if (g->decl) diag_hint(dg, "see line %d; choose another name", line_of(C, g->decl));
    else diag_hint(dg, "the runbook declares it; choose another name");
    return;
  }
  if (g) {
    Diag *dg = err(C, "duplicate-variable", name, "'%s' is already declared", name->str);
    diag_hint(dg, "see line %d; a step's variables are visible to the steps after it, so names must differ",
              line_of(C, g->decl));
    return;
  }
  if (find_local(C, name->str, NULL)) {
    add_local(C, name, S_LOCAL, ty);
    return;
  }
  ptrmap_put(&C->vars, name->str, new_sym(C, S_GLOBAL, name, ty));
}

/* A REPL top-level `let` makes or replaces a session variable (a global). */
static void repl_let(Checker *C, Node *name, Ty ty) {
  Sym *g = ptrmap_get(&C->vars, name->str);
  if (g && (g->kind == S_PARAM || g->kind == S_SECRET)) {
    Diag *dg = err(C, "duplicate-variable", name, "'%s' is already declared as a %s", name->str,
                   g->kind == S_PARAM ? "param" : "secret");
    diag_hint(dg, "params and secrets are fixed for the run; choose another name");
    return;
  }
  ptrmap_put(&C->vars, name->str, new_sym(C, S_GLOBAL, name, ty));
}

static void suggest_vars(Checker *C, Suggest *sg) {
  size_t i;
  uint32_t j;
  for (i = 0; i < C->nlocals; i++) suggest_add(sg, C->locals[i].name);
  for (j = 0; j < C->vars.cap; j++)
    if (C->vars.slots[j].key) suggest_add(sg, C->vars.slots[j].key);
}

static void suggest_map(const PtrMap *m, Suggest *sg) {
  uint32_t j;
  for (j = 0; j < m->cap; j++)
    if (m->slots[j].key) suggest_add(sg, m->slots[j].key);
}

/* unknown reports an unknown name with the nearest known spelling as a
** hint. It returns the diagnostic (NULL if the error limit dropped it), so
** that a caller's further hint lands on this error and no other. */
static Diag *unknown(Checker *C, const char *code, Node *name, const char *what, const PtrMap *m) {
  Suggest sg;
  Diag *dg = err(C, code, name, "unknown %s '%s'", what, name->str);
  if (!dg) return NULL;   /* dropped by the error limit: no hint to look for */
  suggest_init(&sg, name->str);
  if (m) suggest_map(m, &sg);
  else suggest_vars(C, &sg);
  if (suggest_best(&sg)) diag_hint(dg, "did you mean '%s'?", suggest_best(&sg));
  return dg;
}

/* unknown_var reports a variable that is not visible here: a step's
** variable used in a function, one used before the step that declares
** it, or a name unknown everywhere. */
static Diag *unknown_var(Checker *C, Node *name) {
  Node *later = ptrmap_get(&C->stepvars, name->str);
  Diag *dg;
  if (strcmp(name->str, "host") == 0) {
    dg = err(C, "host-outside-target", name, "'host' is bound only inside a step on hosts");
    diag_hint(dg, C->in_fn ? "pass it as an argument: f(host)"
                           : "target a hosts group: step NAME on GROUP { ... } (and hosts GROUP = [...])");
    return dg;
  }
  if (later && C->in_fn) {
    if (C->in_notifier) {
      dg = err(C, "unknown-variable", name, "step variable '%s' is not visible in the notifier", name->str);
      diag_hint(dg, "the notifier runs outside any step: it sees params, secrets, to, person, email, phone, "
                    "message and title");
      return dg;
    }
    dg = err(C, "unknown-variable", name, "step variable '%s' is not visible in a function", name->str);
    diag_hint(dg, "pass it as an argument");
    return dg;
  }
  dg = unknown(C, "unknown-variable", name, "variable", NULL);
  if (later && later->span.pos > name->span.pos)
    diag_hint(dg, "'%s' is declared later, at line %d; a step sees only the variables declared before it",
              name->str, line_of(C, later));
  return dg;
}

static void need_role(Checker *C, Node *name) {
  if (!ptrmap_get(&C->roles, name->str)) {
    Diag *dg = unknown(C, "unknown-role", name, "role", &C->roles);
    if (C->roles.n == 0)
      diag_hint(dg, "declare it in the runbook: role %s \"Full Name\" phone \"...\"", name->str);
  }
}

/* need_notifier checks that name is a notifier the runbook declares
** (`notifier NAME KIND ...`). */
static void need_notifier(Checker *C, Node *name) {
  const Node *n;
  Suggest sg;
  Diag *dg;
  int any = 0;
  uint32_t i;
  for (n = C->decls; n; n = n->next)
    if (n->kind == N_NOTIFIER && n->b && strcmp(n->b->str, name->str) == 0) return;
  for (i = 0; C->ctx && i < C->ctx->nprotos; i++)   /* the REPL: the function "notifier NAME" */
    if (C->ctx->protos[i]->name && strncmp(C->ctx->protos[i]->name, "notifier ", 9) == 0 &&
        strcmp(C->ctx->protos[i]->name + 9, name->str) == 0)
      return;
  dg = err(C, "unknown-notifier", name, "unknown notifier '%s'", name->str);
  suggest_init(&sg, name->str);
  for (n = C->decls; n; n = n->next)
    if (n->kind == N_NOTIFIER && n->b) {
      suggest_add(&sg, n->b->str);
      any = 1;
    }
  if (suggest_best(&sg)) diag_hint(dg, "did you mean '%s'?", suggest_best(&sg));
  else if (!any) diag_hint(dg, "declare it: notifier %s webhook \"https://...\" (or shell \"cmd\", or email \"smtp://host:port\" from \"rbk@example.org\")", name->str);
}

/* ---- expressions ----------------------------------------------------- */

static Ty expr(Checker *C, Node *n);
static void need(Checker *C, Node *n, Ty want, const char *what);

static int is_constant_string(const Node *n) { return n && n->kind == N_STR; }

static int is_raw_call(const Node *n) {
  return n && n->kind == N_CALL && n->a->kind == N_NAME && strcmp(n->a->str, "raw") == 0;
}

/* A command (the argument of run, sh, status) must be written in place,
** so that every interpolated value can be quoted for the shell; raw(x)
** is the one explicit way to hand the shell unquoted text. */
static void command(Checker *C, Node *n) {
  Node *p;
  if (n->kind == N_STR) return;
  if (n->kind == N_TMPL) {
    ShScan st;
    sh_scan_init(&st);
    for (p = n->a; p; p = p->next) {
      if (p->kind == N_STR) {
        sh_scan(&st, p->str, p->len);   /* where the next value lands, as the shell reads it */
        continue;
      }
      if (!is_raw_call(p) && st.ctx == SHQ_UNSAFE) {
        Diag *dg = err(C, "command-unsafe", p, "a value interpolated into %s cannot be quoted safely", st.why);
        diag_hint(dg, "move it out, as a separate argument: the shell would read parts of the value as code there");
      }
      if (is_raw_call(p)) {
        if (ast_list_len(p->b) != 1) err(C, "arity", p, "raw() takes 1 argument, got %d", ast_list_len(p->b));
        else expr(C, p->b);
      } else {
        expr(C, p);
      }
    }
    return;
  }
  if (is_raw_call(n)) {
    if (ast_list_len(n->b) != 1) err(C, "arity", n, "raw() takes 1 argument, got %d", ast_list_len(n->b));
    else expr(C, n->b);
    return;
  }
  {
    Diag *dg = err(C, "command-not-literal", n, "a command must be a string written in place");
    diag_hint(dg, "interpolated values are quoted for the shell only in a literal like \"cmd ${x}\"; "
                  "to run text held in a value, write raw(x): it reaches the shell unquoted");
    expr(C, n);
  }
}

static Ty field_type(Checker *C, Node *n, Ty obj) {
  const char *f = n->b->str;
  static const char *const rec_fields[] = {"status", "out", "err", "ok", "duration", NULL};
  static const Ty rec_types[] = {TY_NUM, TY_STR, TY_STR, TY_BOOL, TY_DUR};
  int i;
  if (obj == TY_REC) {
    Suggest sg;
    Diag *dg;
    for (i = 0; rec_fields[i]; i++)
      if (strcmp(f, rec_fields[i]) == 0) return rec_types[i];
    dg = err(C, "unknown-field", n->b, "a command result has no field '%s'", f);
    suggest_init(&sg, f);
    for (i = 0; rec_fields[i]; i++) suggest_add(&sg, rec_fields[i]);
    if (suggest_best(&sg)) diag_hint(dg, "did you mean '%s'? (fields: status, out, err, ok, duration)", suggest_best(&sg));
    else diag_hint(dg, "the fields are status, out, err, ok and duration");
    return TY_ANY;
  }
  if (obj != TY_ANY) err(C, "type-mismatch", n, "%s has no fields", ty_name(obj));
  return TY_ANY;
}

static Ty call(Checker *C, Node *n) {
  Node *callee = n->a, *arg;
  int argc = ast_list_len(n->b);
  Sym *s;
  const char *name;
  if (callee->kind != N_NAME) {
    expr(C, callee);
    for (arg = n->b; arg; arg = arg->next) expr(C, arg);
    return TY_ANY;
  }
  name = callee->str;
  if (strcmp(name, "raw") == 0) {
    Diag *dg = err(C, "raw-outside-command", n, "raw() only has meaning inside a command");
    diag_hint(dg, "use it as run raw(x) or inside a command string: run \"ls ${raw(flags)}\"");
    for (arg = n->b; arg; arg = arg->next) expr(C, arg);
    return TY_STR;
  }
  s = ptrmap_get(&C->fns, name);
  if (!s) {
    Sym *v = lookup_var(C, name);
    if (v) {   /* a function held in a variable: checked when it runs */
      for (arg = n->b; arg; arg = arg->next) expr(C, arg);
      return TY_ANY;
    }
    unknown(C, "unknown-function", callee, "function", &C->fns);
    for (arg = n->b; arg; arg = arg->next) expr(C, arg);
    return TY_ANY;
  }
  if (argc < s->min_args || argc > s->max_args) {
    Diag *dg;
    if (s->min_args == s->max_args)
      dg = err(C, "arity", n, "%s() takes %d argument%s, got %d", name, s->min_args,
               s->min_args == 1 ? "" : "s", argc);
    else
      dg = err(C, "arity", n, "%s() takes %d to %d arguments, got %d", name, s->min_args, s->max_args, argc);
    if (s->decl) diag_hint(dg, "'%s' is declared at line %d", name, line_of(C, s->decl));
  }
  if (s->kind == S_BUILTIN && n->b &&
      (strcmp(name, "run") == 0 || strcmp(name, "sh") == 0 || strcmp(name, "status") == 0)) {
    command(C, n->b);
    for (arg = n->b->next; arg; arg = arg->next) expr(C, arg);
    return s->ty;
  }
  if (s->kind == S_BUILTIN && strcmp(name, "probe") == 0 && n->b && is_constant_string(n->b)) {
    const char *pn = ast_intern(C->ast, n->b->str, n->b->len);
    if (!ptrmap_get(&C->probes, pn)) {
      Suggest sg;
      Diag *dg = err(C, "unknown-probe", n->b, "unknown probe '%s'", pn);
      suggest_init(&sg, pn);
      suggest_map(&C->probes, &sg);
      if (suggest_best(&sg)) diag_hint(dg, "did you mean '%s'?", suggest_best(&sg));
      else diag_hint(dg, "declare it in the runbook: probe %s = ...", pn);
    }
  }
  for (arg = n->b; arg; arg = arg->next) expr(C, arg);
  return s->ty;
}

/* mismatch reports "cannot VERB A JOIN B", e.g. "cannot compare a duration with a number". */
static void mismatch(Checker *C, Node *n, const char *verb, Ty a, const char *join, Ty b, const char *hint) {
  Diag *dg = err(C, "type-mismatch", n, "cannot %s %s %s %s", verb, ty_name(a), join, ty_name(b));
  if (hint) diag_hint(dg, "%s", hint);
}

/* Compiling a regular expression copies what a counted repetition repeats,
** so nested counts multiply: "((a{255}){255}){255}" makes regcomp build 16
** million nodes and take gigabytes. Patterns bigger than this, or nested
** deeper, are refused before regcomp sees them. */
#define REGEX_MAX_SIZE 100000.0
#define REGEX_MAX_DEPTH 100

/* regex_size estimates the number of nodes regcomp builds for the ERE p,
** stopping early once past REGEX_MAX_SIZE. */
static double regex_size(const char *p) {
  double tot[REGEX_MAX_DEPTH + 1];
  int d = 0;
  tot[0] = 0;
  while (*p) {
    double a = 1;
    if (*p == '(') {
      if (d == REGEX_MAX_DEPTH) return REGEX_MAX_SIZE + 1;
      tot[++d] = 0;
      p++;
      continue;
    }
    if (*p == '|') {   /* alternatives add up */
      p++;
      continue;
    }
    if (*p == ')' && d > 0) {
      a = tot[d--] + 1;
      p++;
    } else if (*p == '[') {   /* a bracket expression is one node */
      p++;
      if (*p == '^') p++;
      if (*p == ']') p++;
      while (*p && *p != ']') {
        if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
          char close = p[1];
          p += 2;
          while (*p && !(p[0] == close && p[1] == ']')) p++;
          if (*p) p += 2;
        } else {
          p++;
        }
      }
      if (*p) p++;
    } else if (*p == '\\') {
      p += p[1] ? 2 : 1;
    } else {
      p++;
    }
    for (;;) {   /* quantifiers: a bound {m}, {m,} or {m,n} copies the atom */
      double m = 0, n;
      const char *q = p + 1;
      if (*p == '*' || *p == '+' || *p == '?') {
        p++;
        continue;
      }
      if (*p != '{' || !isdigit((unsigned char)*q)) break;
      for (; isdigit((unsigned char)*q); q++) m = m < 1e9 ? m * 10 + (*q - '0') : m;
      n = m;
      if (*q == ',') {
        q++;
        if (isdigit((unsigned char)*q))
          for (n = 0; isdigit((unsigned char)*q); q++) n = n < 1e9 ? n * 10 + (*q - '0') : n;
        else
          n = m + 1;
      }
      if (*q != '}') break;   /* not a bound; regcomp will say what is wrong */
      p = q + 1;
      if (n < m) n = m;
      if (n > 1) a *= n;
    }
    tot[d] += a;
    if (tot[d] > REGEX_MAX_SIZE) return tot[d];
  }
  while (d > 0) {   /* unclosed groups: regcomp reports them */
    tot[d - 1] += tot[d];
    d--;
  }
  return tot[0];
}

static Ty binary(Checker *C, Node *n) {
  Ty l = expr(C, n->a), r = expr(C, n->b);
  int known = l != TY_ANY && r != TY_ANY;
  switch (n->op) {
    case AOP_AND: case AOP_OR: return TY_BOOL;
    case AOP_DEFAULT: return l == r ? l : TY_ANY;
    case AOP_EQ: case AOP_NE:
      if (known && l != r && l != TY_NIL && r != TY_NIL &&
          ((l == TY_DUR && r == TY_NUM) || (l == TY_NUM && r == TY_DUR)))
        mismatch(C, n, "compare", l, "with", r, "write the number as a duration, such as 30s or 5m");
      return TY_BOOL;
    case AOP_LT: case AOP_LE: case AOP_GT: case AOP_GE:
      if (known && l != r) {
        if ((l == TY_DUR && r == TY_NUM) || (l == TY_NUM && r == TY_DUR))
          mismatch(C, n, "compare", l, "with", r, "write the number as a duration, such as 30s or 5m");
        else
          mismatch(C, n, "order", l, "and", r, NULL);
      } else if (known && l != TY_NUM && l != TY_DUR && l != TY_STR) {
        mismatch(C, n, "order", l, "and", r, NULL);
      }
      return TY_BOOL;
    case AOP_MATCH:
      if (l != TY_ANY && l != TY_STR) err(C, "type-mismatch", n->a, "'=~' needs a string on the left, not %s", ty_name(l));
      if (r != TY_ANY && r != TY_STR) err(C, "type-mismatch", n->b, "'=~' needs a pattern string, not %s", ty_name(r));
      if (n->b->kind == N_STR && regex_size(n->b->str) > REGEX_MAX_SIZE) {
        Diag *dg = err(C, "bad-regex", n->b, "regular expression too large (its counted repetitions expand to "
                       "more than %d parts)", (int)REGEX_MAX_SIZE);
        diag_hint(dg, "counts of nested repetitions multiply, as in (a{100}){1000}; use smaller counts, * or +");
      } else if (n->b->kind == N_STR) {
        regex_t re;
        int rc = regcomp(&re, n->b->str, REG_EXTENDED | REG_NOSUB);
        if (rc != 0) {
          char why[128];
          regerror(rc, &re, why, sizeof why);
          err(C, "bad-regex", n->b, "invalid regular expression: %s", why);
        } else {
          regfree(&re);
        }
      }
      return TY_BOOL;
    case AOP_ADD: case AOP_SUB:
      if (!known) return l == TY_DUR || r == TY_DUR ? TY_DUR : TY_ANY;
      if (l == r && (l == TY_NUM || l == TY_DUR)) return l;
      if (n->op == AOP_ADD && l == r && (l == TY_STR || l == TY_LIST)) return l;
      if ((l == TY_DUR && r == TY_NUM) || (l == TY_NUM && r == TY_DUR)) {
        Diag *dg = err(C, "type-mismatch", n, "cannot %s %s and %s", n->op == AOP_ADD ? "add" : "subtract",
                       ty_name(l), ty_name(r));
        diag_hint(dg, "a bare number has no unit: write 30s, 5m or 2h");
      } else if (l == TY_STR || r == TY_STR) {
        Diag *dg = err(C, "type-mismatch", n, "cannot %s %s and %s", n->op == AOP_ADD ? "add" : "subtract",
                       ty_name(l), ty_name(r));
        if (n->op == AOP_ADD) diag_hint(dg, "build text with interpolation: \"...${x}...\"");
      } else {
        err(C, "type-mismatch", n, "cannot %s %s and %s", n->op == AOP_ADD ? "add" : "subtract", ty_name(l),
            ty_name(r));
      }
      return TY_ANY;
    case AOP_MUL:
      if (!known) return l == TY_DUR || r == TY_DUR ? TY_DUR : TY_ANY;
      if (l == TY_NUM && r == TY_NUM) return TY_NUM;
      if ((l == TY_DUR && r == TY_NUM) || (l == TY_NUM && r == TY_DUR)) return TY_DUR;
      mismatch(C, n, "multiply", l, "by", r, NULL);
      return TY_ANY;
    case AOP_DIV: case AOP_MOD:
      if (!known) return TY_ANY;
      if (l == TY_NUM && r == TY_NUM) return TY_NUM;
      if (l == TY_DUR && r == TY_NUM) return TY_DUR;
      if (l == TY_DUR && r == TY_DUR) return n->op == AOP_DIV ? TY_NUM : TY_DUR;
      mismatch(C, n, n->op == AOP_DIV ? "divide" : "take", l, n->op == AOP_DIV ? "by" : "modulo", r, NULL);
      return TY_ANY;
    default: return TY_ANY;
  }
}

static Ty expr(Checker *C, Node *n) {
  Node *p;
  Sym *s;
  Ty t;
  switch (n->kind) {
    case N_NUM: return TY_NUM;
    case N_DUR: return TY_DUR;
    case N_STR: return TY_STR;
    case N_BOOL: return TY_BOOL;
    case N_NIL: return TY_NIL;
    case N_TMPL:
      for (p = n->a; p; p = p->next) expr(C, p);
      return TY_STR;
    case N_LIST:
      for (p = n->a; p; p = p->next) expr(C, p);
      return TY_LIST;
    case N_MAP:   /* {key: value, ...}: keys constant, each once */
      for (p = n->a; p && p->next; p = p->next->next) {
        Node *q;
        if (p->kind != N_STR) {
          err(C, "not-constant", p, "a map's key must be a name or a constant string");
          continue;
        }
        for (q = n->a; q != p; q = q->next->next)
          if (q->kind == N_STR && q->len == p->len && memcmp(q->str, p->str, p->len) == 0) {
            err(C, "duplicate-key", p, "the key '%s' is given twice in this map", p->str);
            break;
          }
        expr(C, p->next);
      }
      return TY_ANY;
    case N_NAME:
      s = lookup_var(C, n->str);
      if (s) return s->ty;
      s = ptrmap_get(&C->fns, n->str);
      if (s) return TY_FN;
      unknown_var(C, n);
      return TY_ANY;
    case N_FIELD:
      t = expr(C, n->a);
      return field_type(C, n, t);
    case N_INDEX: {
      Ty obj = expr(C, n->a);
      if (obj != TY_ANY && obj != TY_LIST && obj != TY_STR) err(C, "type-mismatch", n, "cannot index %s", ty_name(obj));
      t = expr(C, n->b);
      /* a string indexes a map, which is "a value" here */
      if (t != TY_ANY && t != TY_NUM && !(t == TY_STR && obj == TY_ANY)) err(C, "type-mismatch", n->b, "an index must be a number, not %s", ty_name(t));
      return TY_ANY;
    }
    case N_CALL: return call(C, n);
    case N_UNARY:
      t = expr(C, n->a);
      if (n->op == AOP_NOT) return TY_BOOL;
      if (t != TY_ANY && t != TY_NUM && t != TY_DUR) err(C, "type-mismatch", n, "cannot negate %s", ty_name(t));
      return t == TY_DUR ? TY_DUR : t == TY_NUM ? TY_NUM : TY_ANY;
    case N_BINARY: return binary(C, n);
    case N_SAMPLE:   /* sample(EXPR, for D, every D) */
      expr(C, n->a);
      need(C, n->c, TY_DUR, "sample()'s 'for'");
      need(C, n->b, TY_DUR, "sample()'s 'every'");
      return TY_LIST;
    case N_COND: {
      Ty a, b;
      expr(C, n->a);
      a = expr(C, n->b);
      b = expr(C, n->c);
      return a == b ? a : TY_ANY;
    }
    default:
      err(C, "internal", n, "unexpected %s in an expression", KW(n));
      return TY_ANY;
  }
}

/* need checks that n's static type is want (or unknown), saying what for. */
static void need(Checker *C, Node *n, Ty want, const char *what) {
  Ty t = expr(C, n);
  Diag *dg;
  if (t == TY_ANY || t == want) return;
  dg = err(C, "type-mismatch", n, "%s needs %s, not %s", what, ty_name(want), ty_name(t));
  if (want == TY_DUR && t == TY_NUM) diag_hint(dg, "give a unit: 30s, 5m, 2h or 1d");
  else if (want == TY_NUM && t == TY_DUR) diag_hint(dg, "a count has no unit: write a plain number");
}

static void need_string(Checker *C, Node *n, const char *what) {
  Ty t = expr(C, n);
  if (t != TY_ANY && t != TY_STR) err(C, "type-mismatch", n, "%s needs a string, not %s", what, ty_name(t));
}

/* The builtins that depend only on their arguments (PURE in builtins.def). */
static const char *const pure_builtins[] = {
#define X(name, lo, hi, ty, args, fx, doc) #fx[0] == 'P' ? #name : NULL,
#include "../vm/builtins.def"
#undef X
};

static int is_pure_builtin(const char *name) {
  size_t i;
  for (i = 0; i < sizeof pure_builtins / sizeof *pure_builtins; i++)
    if (pure_builtins[i] && strcmp(pure_builtins[i], name) == 0) return 1;
  return 0;
}

/* known_at_start checks that n (a step title, a requirement name, a
** trigger's `for`) can be computed when a run starts, from params alone:
** it may read params and call builtins that depend only on their
** arguments, and nothing else (not a step's variable, which exists only
** once its step has run; not a secret, since it is shown; not a function,
** which may act). It reports the first offending name. */
static int known_at_start(Checker *C, Node *n, const char *what) {
  Node *p;
  Sym *s;
  Diag *dg;
  if (!n) return 1;
  switch (n->kind) {
    case N_NAME:
      s = lookup_var(C, n->str);
      if (!s || s->kind == S_PARAM) return 1;   /* unknown: reported by expr() */
      if (s->kind == S_SECRET) {
        dg = err(C, "not-constant", n, "%s is shown to people: it cannot use secret '%s'", what, n->str);
        diag_hint(dg, "use a param, or leave the secret out");
        return 0;
      }
      dg = err(C, "not-constant", n, "%s is computed when the run starts, from params: '%s' is not a param", what,
               n->str);
      if (ptrmap_get(&C->stepvars, n->str))
        diag_hint(dg, "'%s' is a step variable, known only once its step has run; use a param", n->str);
      else
        diag_hint(dg, "use a param (param %s = ...), which --param can set", n->str);
      return 0;
    case N_CALL: {
      const char *name = n->a && n->a->kind == N_NAME ? n->a->str : NULL;
      if (!name || !is_pure_builtin(name) || ptrmap_get(&C->vars, name)) {
        dg = err(C, "not-constant", n, "%s is computed when the run starts, from params: it cannot call %s%s%s",
                 what, name ? "'" : "a function", name ? name : "", name ? "'" : "");
        diag_hint(dg, "only builtins that depend on their arguments alone (len, trim, join, str ...) may be called here");
        return 0;
      }
      for (p = n->b; p; p = p->next)
        if (!known_at_start(C, p, what)) return 0;
      return 1;
    }
    case N_TMPL: case N_LIST:
      for (p = n->a; p; p = p->next)
        if (!known_at_start(C, p, what)) return 0;
      return 1;
    case N_FIELD: return known_at_start(C, n->a, what);
    case N_INDEX: case N_BINARY: case N_UNARY:
      return known_at_start(C, n->a, what) && known_at_start(C, n->b, what);
    case N_COND:
      return known_at_start(C, n->a, what) && known_at_start(C, n->b, what) && known_at_start(C, n->c, what);
    case N_SAMPLE:
      dg = err(C, "not-constant", n, "%s is computed when the run starts, from params: it cannot sample", what);
      diag_hint(dg, "sample() watches the world for a while; use it in a step");
      return 0;
    default: return 1;
  }
}

/* ---- statements ------------------------------------------------------ */

static void stmts(Checker *C, Node *list, Where w);
static int declare_fn(Checker *C, Node *n);
static void check_fn(Checker *C, Node *fn);

/* nested is where the statements of a block inside a w-list sit. */
static Where nested(Where w) { return w == W_STEP || w == W_REPL ? W_NESTED : w; }

static void block(Checker *C, Node *b, Where w) {
  open_scope(C);
  stmts(C, b->a, w);
  close_scope(C);
}

static const char *where_name(Where w) {
  switch (w) {
    case W_FN: return "a function";
    case W_REQUIRE: return "a require block";
    case W_UNDO: return "an undo block";
    case W_HANDLER: return "an 'on failure' block";
    case W_REPL: return "the REPL";
    default: return "a nested block";
  }
}

static int is_clause(const Node *n) {
  switch (n->kind) {
    case N_OWNER: case N_TIMEOUT: case N_EXPECT: case N_RETRY: case N_AFTER:
    case N_IDEMPOTENT: case N_IRREVERSIBLE: case N_UNDO: case N_ONFAIL: case N_BETWEEN:
      return 1;
    default: return 0;
  }
}

static void clause(Checker *C, Node *n, Where w) {
  Node *p;
  if (w != W_STEP && !(w == W_REQUIRE && n->kind == N_OWNER)) {
    Diag *dg = err(C, "misplaced", n, "'%s' is a step clause; it cannot appear in %s", KW(n), where_name(w));
    diag_hint(dg, "put it at the top level of the step body");
    return;
  }
  switch (n->kind) {
    case N_OWNER: need_role(C, n->a); break;
    case N_TIMEOUT:
      need(C, n->a, TY_DUR, "'timeout'");
      if (n->a->kind != N_DUR) known_at_start(C, n->a, "a step's 'timeout'");
      break;
    case N_EXPECT:
      need(C, n->a, TY_DUR, "'expect'");
      if (n->a->kind != N_DUR) known_at_start(C, n->a, "a step's 'expect'");
      break;
    case N_RETRY:
      need(C, n->a, TY_NUM, "'retry'");
      if (n->a->kind == N_NUM && (n->a->num < 0 || n->a->num != floor(n->a->num)))
        err(C, "type-mismatch", n->a, "'retry' needs a whole number of attempts");
      if (n->a->kind != N_NUM) known_at_start(C, n->a, "a step's 'retry'");
      if (n->b) need(C, n->b, TY_DUR, "'every'");
      if (n->b && n->b->kind != N_DUR) known_at_start(C, n->b, "a step's 'retry ... every'");
      break;
    case N_AFTER:
      for (p = n->a; p; p = p->next) {
        Sym *s = ptrmap_get(&C->steps, p->str);
        if (!s) {
          unknown(C, "unknown-step", p, "step", &C->steps);
        } else if (s->decl->str == C->cur_step->a->str && s->order == C->cur_step_order) {
          err(C, "after-order", p, "step '%s' cannot come after itself", p->str);
        } else if (s->order > C->cur_step_order) {
          Diag *dg = err(C, "after-order", p, "step '%s' comes later (line %d)", p->str, line_of(C, s->decl));
          diag_hint(dg, "steps run in the order written; 'after' must name an earlier step");
        }
      }
      break;
    case N_IRREVERSIBLE: need_string(C, n->a, "'irreversible'"); break;
    case N_UNDO: block(C, n->a, W_UNDO); break;
    case N_BETWEEN:
      if (!C->in_target) {
        Diag *dg = err(C, "misplaced", n, "'on batch' belongs to a step on hosts");
        diag_hint(dg, "target a hosts group: step %s on GROUP serial N { ... }", C->cur_step->a->str);
      }
      block(C, n->a, W_HANDLER);
      break;
    case N_ONFAIL:
      if (strcmp(n->a->str, "failure") != 0) {
        Diag *dg = err(C, "syntax", n->a, "expected 'failure' after 'on', found '%s'", n->a->str);
        diag_hint(dg, "a handler is written: on failure { ... }");
      }
      block(C, n->b, W_HANDLER);
      break;
    default: break;
  }
}

static void stmt(Checker *C, Node *n, Where w, int top) {
  Ty t;
  switch (n->kind) {
    case N_RUN:
      if (n->op && !C->in_target) {
        Diag *dg = err(C, "local-outside-target", n, "'local run' is for a step on hosts");
        diag_hint(dg, "outside a step on hosts every command runs on this machine: write run \"...\"");
      }
      command(C, n->a);
      break;
    case N_LET:
      t = expr(C, n->b);
      if (w == W_STEP && top) add_step_global(C, n->a, t);
      else if (w == W_REPL && top) repl_let(C, n->a, t);
      else add_local(C, n->a, S_LOCAL, t);
      break;
    case N_ASSIGN: {
      Sym *s = lookup_var(C, n->a->str);
      t = expr(C, n->b);
      if (!s) {
        Diag *dg = unknown_var(C, n->a);
        if (dg && !dg->hint) diag_hint(dg, "declare it first: let %s = ...", n->a->str);
      } else if (s->kind == S_PARAM || s->kind == S_SECRET) {
        err(C, "assign-readonly", n->a, "cannot assign to %s '%s'", s->kind == S_PARAM ? "param" : "secret",
            n->a->str);
      } else if (s->ty != t) {
        s->ty = TY_ANY;   /* its type now depends on the path taken */
      }
      break;
    }
    case N_EXPR:
      if (n->a->kind != N_CALL) {
        Diag *dg = err(C, "no-effect", n->a, "this expression does nothing as a statement");
        diag_hint(dg, "only calls can stand alone; use 'let x = ...' or 'log ...'");
      }
      expr(C, n->a);
      break;
    case N_VERIFY:
      expr(C, n->a);
      if (n->b) need_string(C, n->b, "a verify message");
      break;
    case N_IF:
      expr(C, n->a);
      if (n->op) {   /* then-form: one statement */
        open_scope(C);
        if (is_clause(n->b)) clause(C, n->b, W_NESTED);
        else stmt(C, n->b, nested(w), 0);
        close_scope(C);
      } else {
        block(C, n->b, nested(w));
        if (n->c) {
          if (n->c->kind == N_IF) stmt(C, n->c, w, 0);
          else block(C, n->c, nested(w));
        }
      }
      break;
    case N_FOR:
      t = expr(C, n->b);
      if (t != TY_ANY && t != TY_LIST) err(C, "type-mismatch", n->b, "'for' needs a list, not %s", ty_name(t));
      open_scope(C);
      add_local(C, n->a, S_LOCAL, TY_ANY);
      stmts(C, n->c->a, nested(w));
      close_scope(C);
      break;
    case N_WAIT:
      expr(C, n->a);
      if (n->b) need(C, n->b, TY_DUR, "'every'");
      need(C, n->c, TY_DUR, "'timeout'");
      /* in a step the plan shows them, and the run knows them when it
      ** starts; a function's wait may use its arguments */
      if (!C->in_fn && n->b && n->b->kind != N_DUR) known_at_start(C, n->b, "a wait's 'every'");
      if (!C->in_fn && n->c && n->c->kind != N_DUR) known_at_start(C, n->c, "a wait's 'timeout'");
      break;
    case N_HOLD:
      expr(C, n->a);
      need(C, n->c, TY_DUR, "a hold's 'for'");
      if (n->b) need(C, n->b, TY_DUR, "'every'");
      if (!C->in_fn && n->c && n->c->kind != N_DUR) known_at_start(C, n->c, "a hold's 'for'");
      if (!C->in_fn && n->b && n->b->kind != N_DUR) known_at_start(C, n->b, "a hold's 'every'");
      if (n->d) need_string(C, n->d, "a hold message");
      break;
    case N_MANUAL: need_string(C, n->a, "'manual'"); break;
    case N_ASK: need_string(C, n->a, "'ask'"); break;
    case N_APPROVE:
      if (n->d) {
        /* approve by N of ROLE, ROLE...: N distinct signers, so keys */
        Node *q;
        int nkeys = 0;
        if (strcmp(n->c->str, "of") != 0)
          err(C, "bad-approve", n->c, "'approve by %g %s': write 'approve by %g of ROLE, ROLE'", n->d->num, n->c->str,
              n->d->num);
        for (q = n->a; q; q = q->next) {
          const Sym *rs = ptrmap_get(&C->roles, q->str);
          need_role(C, q);
          if (rs) nkeys += rs->nkeys;
          if (rs && !rs->nkeys)
            diag_hint(err(C, "bad-approve", q, "role %s names no key: 'approve by N of' counts signatures", q->str),
                      "add key \"ssh-ed25519 ...\" to role %s", q->str);
        }
        if (n->d->num < 1 || n->d->num > 127 || n->d->num != (int)n->d->num)
          err(C, "bad-approve", n->d, "'approve by N of': N must be a whole number from 1 to 127");
        else if (nkeys && n->d->num > nkeys)
          err(C, "bad-approve", n->d, "'approve by %g of' needs %g distinct signers, but the roles name %d key%s",
              n->d->num, n->d->num, nkeys, nkeys == 1 ? "" : "s");
        if (n->b) need_string(C, n->b, "an approval note");
        break;
      }
      need_role(C, n->a);
      if (n->c && strcmp(n->c->str, "operator") != 0)
        diag_hint(err(C, "bad-approve", n->c, "'approve by %s or %s': only 'operator' may follow 'or'", n->a->str,
                      n->c->str),
                  "write 'approve by %s or operator' to let the run's own operator approve", n->a->str);
      if (n->b) need_string(C, n->b, "an approval note");
      break;
    case N_NOTIFY:
      need_role(C, n->a);
      need_string(C, n->b, "'notify'");
      if (n->c) need_notifier(C, n->c);
      break;
    case N_LOG: expr(C, n->a); break;
    case N_FAIL: need_string(C, n->a, "'fail'"); break;
    case N_RETURN:
      if (w != W_FN && w != W_REPL) {
        Diag *dg = err(C, "return-outside-fn", n, "'return' outside a function");
        diag_hint(dg, "to end a step early, use 'if ... { ... } else { ... }'; to stop the run, use 'fail'");
      }
      expr(C, n->a);
      break;
    case N_FN:
      if (w != W_REPL || !top) err(C, "misplaced", n, "'%s' must be declared at the top of a file or runbook", KW(n));
      else if (declare_fn(C, n)) check_fn(C, n);
      break;
    case N_IMPORT:
      if (w == W_REPL && top) break;   /* read by grammar/imports.c */
      /* fall through */
    case N_EXTERN: {
      Diag *dg = err(C, w == W_REPL ? "unsupported" : "misplaced", n, "'%s' %s", KW(n),
                     w == W_REPL ? "is not available at the REPL" : "must be declared at the top of a file or runbook");
      if (w == W_REPL) diag_hint(dg, "declare it in the runbook file and load that");
      break;
    }
    default:
      if (is_clause(n)) clause(C, n, w);
      else err(C, "internal", n, "unexpected %s in a statement list", KW(n));
  }
}

/* stmts checks a list, warning once about statements after fail/return. */
static void stmts(Checker *C, Node *list, Where w) {
  Node *n, *dead = NULL;
  for (n = list; n; n = n->next) {
    if (dead && !is_clause(n)) {
      Diag *dg = warn(C, "unreachable", n, "unreachable statement");
      diag_hint(dg, "the '%s' at line %d always ends this block", KW(dead), line_of(C, dead));
      dead = NULL;
      for (; n; n = n->next) stmt(C, n, w, 1);   /* still check them, quietly about reachability */
      return;
    }
    stmt(C, n, w, 1);
    if (n->kind == N_FAIL || n->kind == N_RETURN) dead = n;
  }
}

/* ---- declarations ---------------------------------------------------- */

/* check_target checks `on GROUP serial N parallel N max_fail N canary N`. */
static void check_target(Checker *C, Node *t) {
  static const char *const opts[] = {"serial", "parallel", "max_fail", "canary", NULL};
  Node *seen[4] = {NULL, NULL, NULL, NULL}, *o;
  if (!ptrmap_get(&C->groups, t->a->str)) {
    Diag *dg = unknown(C, "unknown-group", t->a, "hosts group", &C->groups);
    if (dg && !C->groups.n) diag_hint(dg, "declare it in the runbook: hosts %s = [\"web1\", \"web2\"]", t->a->str);
  }
  for (o = t->b; o; o = o->next) {
    int k;
    double v = o->b->num;
    for (k = 0; opts[k]; k++)
      if (strcmp(o->a->str, opts[k]) == 0) break;
    if (!opts[k]) {
      Suggest sg;
      Diag *dg = err(C, "bad-target", o->a, "unknown targeting option '%s'", o->a->str);
      suggest_init(&sg, o->a->str);
      for (k = 0; opts[k]; k++) suggest_add(&sg, opts[k]);
      if (suggest_best(&sg)) diag_hint(dg, "did you mean '%s'? (serial, parallel, max_fail or canary)", suggest_best(&sg));
      else diag_hint(dg, "after 'on GROUP' come serial N, parallel N, max_fail N (or N%%) and canary N");
      continue;
    }
    if (seen[k]) {
      diag_hint(err(C, "bad-target", o->a, "duplicate '%s'", opts[k]), "the first is at line %d", line_of(C, seen[k]));
      continue;
    }
    seen[k] = o;
    if (o->op && (k == 1 || k == 3)) {
      diag_hint(err(C, "bad-target", o, "'%s' takes a number of hosts, not a percentage", opts[k]),
                "write %s %g", opts[k], v);
      continue;
    }
    if (v != floor(v) || v < (k == 2 ? 0 : 1) || v > (o->op ? 100 : 1e6)) {
      Diag *dg = err(C, "bad-target", o->b, "'%s %g%s' is not a valid %s", opts[k], v, o->op ? "%" : "",
                     k == 2 ? "failure budget" : k == 0 ? "batch size" : k == 1 ? "concurrency" : "canary size");
      if (o->op) diag_hint(dg, "a percentage is a whole number from %d to 100", k == 2 ? 0 : 1);
      else diag_hint(dg, "a whole number of hosts, %s", k == 2 ? "0 or more" : "1 or more");
    }
  }
}

static void check_step(Checker *C, Node *step, int order) {
  Node *n;
  Node *seen[N__COUNT];
  memset(seen, 0, sizeof seen);
  C->cur_step = step;
  C->cur_step_order = order;
  if (step->b) {
    need_string(C, step->b, "a step title");
    if (step->b->kind != N_STR) known_at_start(C, step->b, "a step title");
  }
  /* Clauses may appear once each, anywhere in the step's top level. */
  for (n = step->c->a; n; n = n->next) {
    if (is_clause(n) && n->kind != N_AFTER) {
      if (seen[n->kind]) {
        Diag *dg = err(C, "duplicate-clause", n, "duplicate '%s' in step '%s'", KW(n), step->a->str);
        diag_hint(dg, "the first is at line %d", line_of(C, seen[n->kind]));
      } else {
        seen[n->kind] = n;
      }
    }
  }
  if (seen[N_IDEMPOTENT] && seen[N_IRREVERSIBLE])
    warn(C, "contradiction", seen[N_IRREVERSIBLE], "step '%s' is marked both idempotent and irreversible",
         step->a->str);
  if (step->d) check_target(C, step->d);
  /* The step body's top level shares the runbook scope (its lets are
  ** visible to later steps); nested blocks open their own. A step on
  ** hosts sees `host`, the host it is running on. */
  C->in_target = step->d != NULL;
  if (step->d) {
    open_scope(C);
    Node *hn = ast_node(C->ast, N_NAME, step->d->span, NULL, NULL, NULL, NULL);
    hn->str = ast_intern(C->ast, "host", 4);
    hn->len = 4;
    push_local(C, hn, S_PARAM, TY_ANY);
  }
  stmts(C, step->c->a, W_STEP);
  if (step->d) close_scope(C);
  C->in_target = 0;
  C->cur_step = NULL;
}

static void check_fn(Checker *C, Node *fn) {
  Node *p;
  C->in_fn = 1;
  open_scope(C);
  for (p = fn->b; p; p = p->next) {
    int same = 0;
    if (!find_local(C, p->str, &same) || !same)   /* a repeat is reported by declare_fn */
      add_local(C, p, S_FNPARAM, TY_ANY);
  }
  open_scope(C);
  stmts(C, fn->c->a, W_FN);
  close_scope(C);
  close_scope(C);
  C->in_fn = 0;
}

/* near_type is the extern type spelt most like name, or NULL. */
static const char *near_type(const char *name, int param) {
  Suggest sg;
  int t;
  suggest_init(&sg, name);
  for (t = 0; t < FT__N; t++)
    if (param ? t != FT_VOID : !ffi_type_is_out(t)) suggest_add(&sg, ffi_type_name(t));
  return suggest_best(&sg);
}

static void check_extern(Checker *C, Node *ex) {
  Node *p;
  int t, n = 0;
  if (!is_constant_string(ex->a)) err(C, "not-constant", ex->a, "the library of an extern must be a constant string");
  for (p = ex->c; p; p = p->next) {
    t = ffi_type_parse(p->str);
    if (t < 0 || t == FT_VOID) {
      Diag *dg = err(C, "unknown-type", p, "'%s' is not a parameter type", p->str);
      const char *near = t < 0 ? near_type(p->str, 1) : NULL;
      if (near) diag_hint(dg, "did you mean '%s'?", near);
      else diag_hint(dg, "parameter types are int, int64, double, string and pointer, and the out-parameters "
                         "out_int, out_int64, out_double, out_string and out_pointer");
    }
    if (++n == EXTERN_MAX_PARAMS + 1)
      err(C, "limit", p, "an extern takes at most %d parameters", EXTERN_MAX_PARAMS);
  }
  if (ex->d) {
    t = ffi_type_parse(ex->d->str);
    if (t < 0 || ffi_type_is_out(t)) {
      Diag *dg = err(C, "unknown-type", ex->d, "'%s' is not a result type", ex->d->str);
      const char *near = t < 0 ? near_type(ex->d->str, 0) : NULL;
      if (near) diag_hint(dg, "did you mean '%s'?", near);
      else diag_hint(dg, "result types are int, int64, double, string, pointer and void");
    }
  }
}

/* extern_arity counts the arguments a call passes: out-parameters are not passed. */
static int extern_arity(const Node *ex) {
  const Node *p;
  int n = 0;
  for (p = ex->c; p; p = p->next) n += !ffi_type_is_out(ffi_type_parse(p->str));
  return n;
}

static int declare_fn(Checker *C, Node *n) {
  Sym *s;
  Node *p;
  if (n->kind == N_FN) {
    PtrMap seen;
    memset(&seen, 0, sizeof seen);
    for (p = n->b; p; p = p->next) {
      if (ptrmap_get(&seen, p->str)) err(C, "duplicate-variable", p, "duplicate parameter '%s'", p->str);
      else ptrmap_put(&seen, p->str, p);
    }
    ptrmap_free(&seen);
  }
  {
    Sym *old = ptrmap_get(&C->fns, (n->kind == N_FN ? n->a : n->b)->str);
    if (old && old->kind == S_BUILTIN) {
      Node *nm = n->kind == N_FN ? n->a : n->b;
      Diag *dg = err(C, "duplicate-fn", nm, "'%s' is a builtin function", nm->str);
      diag_hint(dg, "choose another name");
      return 0;
    }
  }
  s = declare(C, &C->fns, n->kind == N_FN ? n->a : n->b, n->kind == N_FN ? S_FN : S_EXTERN, TY_ANY,
              "duplicate-fn", "function");
  if (!s) return 0;
  s->min_args = s->max_args = n->kind == N_FN ? ast_list_len(n->b) : extern_arity(n);
  return 1;
}

static void contacts(Checker *C, Node *role) {
  static const char *const known[] = {"phone", "email", "pager", "slack", "chat", "availability", "team", "note",
                                      "key", "keys", "revoked", NULL};
  Node *p, *q;
  int i;
  for (p = role->c; p; p = p->next) {
    if (p->op == 1) {   /* notify NAME ["where"] */
      need_notifier(C, p->a);
      for (q = role->c; q != p; q = q->next)
        if (q->op == 1) err(C, "duplicate-contact", p, "role %s names its notifier twice", role->a->str);
      continue;
    }
    if (strcmp(p->a->str, "key") == 0) {
      /* a role may name several keys (one per person or device) */
      char why[256];
      if (p->b && p->b->kind == N_STR && sshkey_parse(p->b->str, NULL, why, sizeof why) != 0)
        diag_hint(err(C, "bad-key", p->b, "role %s: this is not an SSH public key: %s", role->a->str, why),
                  "give the line of the person's .pub file, e.g. \"ssh-ed25519 AAAA... jane@laptop\"");
      if (p->b && p->b->kind != N_STR) err(C, "bad-key", p->b, "role %s: a key must be a constant string", role->a->str);
      continue;
    }
    if (strcmp(p->a->str, "keys") == 0 && p->b && p->b->kind == N_STR) {
      /* an allowed_signers file, beside the runbook; its principals are role names */
      char path[4200], why[600];
      SshSigner *v;
      size_t n, e;
      sshkey_signers_path(C->src ? C->src->name : NULL, p->b->str, path, sizeof path);
      if (access(path, F_OK) != 0) {
        /* not there (yet): a warning; the role stays keyed, and nothing can be signed for it until it is */
        diag_hint(warn(C, "missing-keys", p->b, "role %s: cannot read %s: %s; its gates cannot be answered until it can",
                       role->a->str, path, strerror(errno)),
                  "make the allowed_signers file (for a sandbox, its setup script does)");
        continue;
      }
      if (sshkey_signers_load(path, &v, &n, why, sizeof why) != 0) {
        diag_hint(err(C, "bad-key", p->b, "role %s: %s", role->a->str, why),
                  "an allowed_signers file: one 'ROLE[,ROLE] ssh-ed25519 AAAA... comment' a line");
        continue;
      }
      for (e = 0; e < n; e++)
        if (!ptrmap_get(&C->roles, ast_intern(C->ast, v[e].principal, strlen(v[e].principal))))
          err(C, "bad-key", p->b, "%s:%d: principal '%s' names no role", path, v[e].line, v[e].principal);
      sshkey_signers_free(v, n);
    }
    if (strcmp(p->a->str, "revoked") == 0 && p->b && p->b->kind == N_STR) {
      /* revoked keys: a file of public keys, one a line, read again whenever a signature is checked */
      char path[4200], why[600];
      sshkey_signers_path(C->src ? C->src->name : NULL, p->b->str, path, sizeof path);
      if (sshkey_list_find(path, NULL, NULL, why, sizeof why) < 0)
        diag_hint(err(C, "bad-key", p->b, "role %s: %s", role->a->str, why),
                  "a revocation file: the revoked public keys, one 'ssh-ed25519 AAAA... comment' a line");
    }
    for (q = role->c; q != p; q = q->next)
      if (q->a->str == p->a->str) err(C, "duplicate-contact", p->a, "duplicate contact field '%s'", p->a->str);
    for (i = 0; known[i]; i++)
      if (strcmp(known[i], p->a->str) == 0) break;
    if (!known[i]) {
      Suggest sg;
      Diag *dg = warn(C, "unknown-contact", p->a, "unknown contact field '%s'", p->a->str);
      suggest_init(&sg, p->a->str);
      for (i = 0; known[i]; i++) suggest_add(&sg, known[i]);
      if (suggest_best(&sg)) diag_hint(dg, "did you mean '%s'?", suggest_best(&sg));
      else diag_hint(dg, "contact fields are phone, email, pager, slack, chat, availability, team, note and key");
    }
    need_string(C, p->b, "a contact field");
  }
}

/* The names a notifier command sees, besides params and secrets (in this
** order, the notifier's parameters: run/notify.c passes them). */
const char *const check_notifier_names[] = {"to", "person", "email", "phone", "message", "title", NULL};

/* check_notifier checks `notifier "command"`: a command like run's,
** run outside any step (so it sees no step variable), whose
** interpolations may use notifier_names, which shadow params. A named
** one, `notifier NAME KIND "target" [from "address"]`, is a shell
** command, or a webhook's or a mail server's URL (a string). */
static void check_notifier(Checker *C, Node *n) {
  int i;
  const char *kind = n->c ? n->c->str : "shell";
  if (n->b) {
    const Node *o;
    Node *q;
    if (strcmp(kind, "shell") != 0 && strcmp(kind, "webhook") != 0 && strcmp(kind, "email") != 0)
      diag_hint(err(C, "unknown-notifier", n->c, "unknown kind of notifier '%s'", kind),
                "a notifier is shell \"command\", webhook \"https://...\" or email \"smtp://host:port\" from \"address\"");
    for (o = C->decls; o && o != n; o = o->next)
      if (o->kind == N_NOTIFIER && o->b && strcmp(o->b->str, n->b->str) == 0) {
        if (src_part_at(C->src, o->span.pos) == src_part_at(C->src, n->span.pos))
          diag_hint(err(C, "duplicate-decl", n->b, "duplicate notifier '%s'", n->b->str), "the first is at line %d",
                    line_of(C, o));
        else
          first_here(C, err(C, "duplicate-decl", n->b, "duplicate notifier '%s'", n->b->str), n->b, o->b);
        break;
      }
    for (q = n->d; q; q = q->next) {
      if (q->op == 0 && strcmp(kind, "email") == 0 && strcmp(q->a->str, "from") == 0) {
        if (!is_constant_string(q->b)) err(C, "not-constant", q->b, "a notifier's sender must be a constant string");
        continue;
      }
      diag_hint(err(C, "bad-notifier", q, "a %s notifier takes no '%s'", kind, q->a->str),
                strcmp(kind, "email") == 0 ? "an email notifier takes: from \"address\"" : "it takes only its target");
    }
    if (strcmp(kind, "email") == 0) {
      for (q = n->d; q && strcmp(q->a->str, "from") != 0; q = q->next) {}
      if (!q)
        diag_hint(err(C, "bad-notifier", n, "the email notifier '%s' needs a sender", n->b->str),
                  "add: from \"rbk@example.org\"");
    }
  }
  C->in_fn = 1;
  C->in_notifier = 1;
  open_scope(C);
  for (i = 0; check_notifier_names[i]; i++) {
    Node *nm = ast_node(C->ast, N_NAME, n->span, NULL, NULL, NULL, NULL);
    nm->str = ast_intern(C->ast, check_notifier_names[i], strlen(check_notifier_names[i]));
    nm->len = (uint32_t)strlen(check_notifier_names[i]);
    push_local(C, nm, S_FNPARAM, TY_STR);
  }
  if (strcmp(kind, "shell") == 0) command(C, n->a);
  else need_string(C, n->a, strcmp(kind, "email") == 0 ? "a mail server's URL" : "a webhook's URL");
  close_scope(C);
  C->in_fn = 0;
  C->in_notifier = 0;
}

static void string_probes(Checker *C, const Node *n);

static void check_runbook(Checker *C, Node *rb) {
  Node *n, *once[N__COUNT];
  int order = 0;
  static const char *const severities[] = {"critical", "major", "minor", NULL};
  memset(once, 0, sizeof once);
  C->decls = rb->b;
  if (!is_constant_string(rb->a)) err(C, "not-constant", rb->a, "a runbook title must be a constant string");
  /* Pass 1: everything that can be referred to before its declaration. */
  for (n = rb->b; n; n = n->next) {
    switch (n->kind) {
      case N_ROLE: {
        Sym *rs = declare(C, &C->roles, n->a, S_ROLE, TY_ANY, "duplicate-role", "role");
        Node *k;
        for (k = n->c; rs && k; k = k->next) {
          if (rs->nkeys == KEYS_UNKNOWN) break;
          if (strcmp(k->a->str, "key") == 0) rs->nkeys++;
          if (strcmp(k->a->str, "keys") == 0 && k->b && k->b->kind == N_STR) {
            char path[4200], why[600];
            SshSigner *v;
            size_t nv, q;
            sshkey_signers_path(C->src ? C->src->name : NULL, k->b->str, path, sizeof path);
            if (access(path, F_OK) != 0) {
              rs->nkeys = KEYS_UNKNOWN;   /* warned in pass 2; how many keys it will hold is not known */
              continue;
            }
            if (sshkey_signers_load(path, &v, &nv, why, sizeof why) != 0) continue;   /* reported in pass 2 */
            for (q = 0; q < nv; q++)
              if (strcmp(v[q].principal, n->a->str) == 0) rs->nkeys++;
            sshkey_signers_free(v, nv);
          }
        }
        break;
      }
      case N_STEP: {
        Sym *s = declare(C, &C->steps, n->a, S_STEP, TY_ANY, "duplicate-step", "step");
        if (s) s->order = order;
        order++;
        break;
      }
      case N_PROBE: declare(C, &C->probes, n->a, S_PROBE, TY_ANY, "duplicate-probe", "probe"); break;
      case N_FN: case N_EXTERN: declare_fn(C, n); break;
      case N_PLANAPPROVAL:
        if (strcmp(n->a->str, "approval") != 0)
          diag_hint(err(C, "bad-approve", n->a, "'require %s by': write 'require approval by ROLE'", n->a->str),
                    "a change board's signature over the runbook: require approval by cab");
        break;
      case N_VERSION: case N_OWNER: case N_WINDOW: case N_NOTIFIER: case N_BACKOUT: case N_KIND:
        if (n->kind == N_NOTIFIER && n->b) break;   /* named: checked in check_notifier */
        if (once[n->kind]) {
          Diag *dg = err(C, "duplicate-decl", n, "duplicate '%s'", n->kind == N_BACKOUT ? "on critical" : KW(n));
          diag_hint(dg, "the first is at line %d", line_of(C, once[n->kind]));
        }
        once[n->kind] = n;
        break;
      default: break;
    }
  }
  C->nsteps = order;
  /* Pass 2: params, secrets and hosts groups in order, so each sees the ones before it. */
  for (n = rb->b; n; n = n->next) {
    if (n->kind == N_HOSTS) {
      Ty t = expr(C, n->b);
      if (t != TY_ANY && t != TY_LIST)
        diag_hint(err(C, "type-mismatch", n->b, "a hosts group needs a list, not %s", ty_name(t)),
                  "hosts web = [\"web1\", \"web2\"], inventory(\"inventory.ini\", \"web\") or hosts_file(\"hosts.txt\")");
      if (declare(C, &C->vars, n->a, S_PARAM, TY_LIST, "duplicate-param", "name"))
        ptrmap_put(&C->groups, n->a->str, n);
    }
    if (n->kind == N_PARAM || n->kind == N_SECRET) {
      Ty t = n->b ? expr(C, n->b) : TY_STR;
      declare(C, &C->vars, n->a, n->kind == N_PARAM ? S_PARAM : S_SECRET, n->kind == N_SECRET ? TY_ANY : t,
              "duplicate-param", n->kind == N_PARAM ? "param" : "secret");
    }
  }
  /* Pass 3: every body, in order. */
  order = 0;
  for (n = rb->b; n; n = n->next) {
    int i;
    switch (n->kind) {
      case N_VERSION:
        if (!is_constant_string(n->a) && n->a->kind != N_NUM)
          err(C, "not-constant", n->a, "'version' needs a constant such as \"1.2\"");
        break;
      case N_OWNER: need_role(C, n->a); break;
      case N_WINDOW: need(C, n->a, TY_DUR, "'window'"); break;
      case N_KIND:
        if (!kind_known(n->a->str)) {
          Suggest sg;
          const char *const names[] = {"rollout", "backout", "upgrade", "migration", "maintenance", "change", NULL};
          Diag *dg = err(C, "unknown-kind", n->a, "unknown kind '%s'", n->a->str);
          suggest_init(&sg, n->a->str);
          for (i = 0; names[i]; i++) suggest_add(&sg, names[i]);
          if (suggest_best(&sg)) diag_hint(dg, "did you mean '%s'? a runbook is one of: %s", suggest_best(&sg), kind_list());
          else diag_hint(dg, "a runbook is one of: %s", kind_list());
        }
        break;
      case N_ROLE:
        if (!is_constant_string(n->b)) err(C, "not-constant", n->b, "a role's person must be a constant string");
        contacts(C, n);
        break;
      case N_PROBE: {
        Ty t = expr(C, n->b);
        Sym *ps = ptrmap_get(&C->probes, n->a->str);
        if (ps && ps->decl == n->a) ps->ty = t;   /* for string_probes */
        break;
      }
      case N_TRIGGER:
        need_string(C, n->a, "a trigger name");
        for (i = 0; severities[i]; i++)
          if (strcmp(n->b->str, severities[i]) == 0) break;
        if (!severities[i]) {
          Suggest sg;
          Diag *dg = err(C, "unknown-severity", n->b, "unknown severity '%s'", n->b->str);
          suggest_init(&sg, n->b->str);
          for (i = 0; severities[i]; i++) suggest_add(&sg, severities[i]);
          if (suggest_best(&sg)) diag_hint(dg, "did you mean '%s'? (critical, major or minor)", suggest_best(&sg));
          else diag_hint(dg, "severities are critical, major and minor");
        }
        expr(C, n->c);
        if (n->d) {
          need(C, n->d, TY_DUR, "'for'");
          if (n->d->kind != N_DUR) known_at_start(C, n->d, "a trigger's 'for'");
        }
        break;
      case N_REQUIRE:
        need_string(C, n->a, "a requirement name");
        if (n->a->kind != N_STR) known_at_start(C, n->a, "a requirement name");
        block(C, n->b, W_REQUIRE);
        break;
      case N_PLANAPPROVAL: {
        const Sym *rs = ptrmap_get(&C->roles, n->b->str);
        need_role(C, n->b);
        if (rs && !rs->nkeys)
          diag_hint(err(C, "bad-approve", n->b, "role %s names no key: 'require approval by' needs its signature",
                        n->b->str),
                    "add key \"ssh-ed25519 ...\" to role %s", n->b->str);
        break;
      }
      case N_STEP:
        check_step(C, n, order++);
        break;
      case N_FN: check_fn(C, n); break;
      case N_EXTERN: check_extern(C, n); break;
      case N_IMPORT: break;   /* read by grammar/imports.c */
      case N_NOTIFIER: check_notifier(C, n); break;
      case N_BACKOUT:
        for (i = 0; severities[i]; i++)
          if (strcmp(n->a->str, severities[i]) == 0) break;
        if (!severities[i]) {
          Diag *dg = err(C, "unknown-severity", n->a, "unknown severity '%s'", n->a->str);
          diag_hint(dg, "the backout is declared: on critical undo, or on critical run \"backout.rbk\"");
        } else if (i != 0) {
          Diag *dg = err(C, "backout", n->a, "only a critical trigger starts the backout, not a %s one", n->a->str);
          diag_hint(dg, "rbk watch asks the runbook owner whether a major issue can be fixed in the window, "
                        "and logs a minor one; write: on critical undo");
        }
        if (n->b && !is_constant_string(n->b))
          err(C, "not-constant", n->b, "the backout runbook must be a constant string");
        break;
      case N_RUNBOOK: err(C, "misplaced", n, "a runbook cannot contain another runbook"); break;
      case N_PARAM: case N_SECRET: case N_HOSTS: break;
      default: err(C, "internal", n, "unexpected %s in a runbook", KW(n));
    }
  }
  for (n = rb->b; n; n = n->next)
    if (n->kind == N_TRIGGER) string_probes(C, n->c);
}

/* probe_string returns the probe n reads when n is probe("NAME") of a
** probe whose value is a string, else NULL. */
static const Sym *probe_string(Checker *C, const Node *n) {
  const Sym *ps;
  if (n->kind != N_CALL || !n->a || n->a->kind != N_NAME || strcmp(n->a->str, "probe") != 0 || !n->b ||
      n->b->kind != N_STR || n->b->next)
    return NULL;
  ps = ptrmap_get(&C->probes, ast_intern(C->ast, n->b->str, n->b->len));
  return ps && ps->ty == TY_STR ? ps : NULL;
}

static int is_number_literal(const Node *n) {
  return n->kind == N_NUM || n->kind == N_DUR || (n->kind == N_UNARY && n->op == AOP_NEG && is_number_literal(n->a));
}

/* string_probes warns where a trigger compares a probe whose value is a
** string (run(...).out, read_file(...)) with a number: rbk watch could
** never evaluate it, and would stay in error. */
static void string_probes(Checker *C, const Node *n) {
  const Sym *ps;
  const Node *other;
  if (!n) return;
  if (n->kind == N_BINARY && n->op >= AOP_EQ && n->op <= AOP_GE) {
    ps = probe_string(C, n->a);
    other = n->b;
    if (!ps) {
      ps = probe_string(C, n->b);
      other = n->a;
    }
    if (ps && is_number_literal(other)) {
      Diag *dg = warn(C, "probe-string", n, "probe '%s' is a string, compared with a number: rbk watch cannot "
                      "evaluate this trigger", ps->decl->str);
      diag_hint(dg, "make the probe a number where it is declared: probe %s = num(...)", ps->decl->str);
      return;
    }
  }
  if (n->kind == N_CALL || n->kind == N_LIST || n->kind == N_TMPL) {
    const Node *p;
    for (p = n->kind == N_CALL ? n->b : n->a; p; p = p->next) string_probes(C, p);
  } else if (n->kind == N_BINARY || n->kind == N_UNARY || n->kind == N_FIELD || n->kind == N_INDEX ||
             n->kind == N_COND) {
    string_probes(C, n->a);
    if (n->kind != N_FIELD) string_probes(C, ast_b(n));
    if (n->kind == N_COND) string_probes(C, n->c);
  }
}

/* collect_step_vars records the top-level `let`s of every step (the first
** declaration of each name), before any body is checked. */
static void collect_step_vars(Checker *C, Node *rb) {
  Node *n, *s;
  for (n = rb->b; n; n = n->next) {
    if (n->kind != N_STEP) continue;
    for (s = n->c->a; s; s = s->next)
      if (s->kind == N_LET && !ptrmap_get(&C->stepvars, s->a->str)) ptrmap_put(&C->stepvars, s->a->str, s->a);
  }
}

static void checker_init(Checker *C, Ast *ast, Diags *d, const char *module) {
  int i;
  memset(C, 0, sizeof *C);
  C->ast = ast;
  C->src = ast->src;
  C->d = d;
  C->module = module;
  arena_init(&C->arena);
  for (i = 0; builtins[i].name; i++) {
    Sym *s;
    const char *m = module ? check_builtin_module(builtins[i].name) : NULL;
    if (m && strcmp(m, module) == 0) continue;   /* the module's own function */
    s = new_sym(C, S_BUILTIN, NULL, builtins[i].result);
    s->min_args = builtins[i].min_args;
    s->max_args = builtins[i].max_args;
    ptrmap_put(&C->fns, ast_intern(ast, builtins[i].name, strlen(builtins[i].name)), s);
  }
}

static void checker_free(Checker *C) {
  ptrmap_free(&C->vars);
  ptrmap_free(&C->fns);
  ptrmap_free(&C->roles);
  ptrmap_free(&C->steps);
  ptrmap_free(&C->probes);
  ptrmap_free(&C->stepvars);
  ptrmap_free(&C->groups);
  mem_free(C->locals);
  ptrmap_free(&C->local_index);
  arena_free(&C->arena);
}

int check_program(Ast *ast, Diags *d) { return check_module(ast, d, NULL); }

/* file_module is the stdlib module a file is (its name is MODULE.rbk for
** a module of modules.def, and it holds no runbook), or NULL. */
static const char *file_module(const Ast *ast) {
  const char *name = ast->src && ast->src->name ? ast->src->name : "", *base = strrchr(name, '/');
  size_t n, i;
  const Node *t;
  base = base ? base + 1 : name;
  n = strlen(base);
  if (n <= 4 || strcmp(base + n - 4, ".rbk") != 0 || !ast->root) return NULL;
  for (t = ast->root->a; t; t = t->next)
    if (t->kind == N_RUNBOOK) return NULL;
  for (i = 0; module_of[i][0]; i++)
    if (strlen(module_of[i][1]) == n - 4 && memcmp(module_of[i][1], base, n - 4) == 0) return module_of[i][1];
  return NULL;
}

int check_file(Ast *ast, Diags *d) { return check_module(ast, d, file_module(ast)); }

/* check_library checks the roles, probes and named notifiers at the top
** of a file with no runbook (a library) as a runbook's, through a
** runbook block made for the purpose (the tree is not changed). */
static void check_library(Checker *C, Ast *ast, int n) {
  Node *rb, *title, *head = NULL, **tail = &head, *k;
  (void)n;
  for (k = ast->root->a; k; k = k->next)
    if (k->kind == N_ROLE || k->kind == N_PROBE || (k->kind == N_NOTIFIER && k->b)) {
      Node *c = ast_node(ast, (NodeKind)k->kind, k->span, k->a, ast_b(k), ast_c(k), ast_d(k));
      c->op = k->op;
      *tail = c;
      tail = &c->next;
    }
  title = ast_node(ast, N_STR, ast->root->span, NULL, NULL, NULL, NULL);
  title->str = "library";
  title->len = 7;
  rb = ast_node(ast, N_RUNBOOK, ast->root->span, title, head, NULL, NULL);
  check_runbook(C, rb);
}

int check_module(Ast *ast, Diags *d, const char *module) {
  Checker C;
  Node *n, *runbook = NULL;
  int lib = 0;
  int errors_before = d->errors;
  size_t first = d->n;
  checker_init(&C, ast, d, module);
  if (!ast->root->a) {
    Diag *dg = diag_add(d, SEV_ERROR, "empty-file", C.src, 0, 0, "%s: no runbook here",
                        C.src->len ? "nothing but comments" : "empty file");
    diag_hint(dg, "a runbook starts: runbook \"Title\" { ... }");
  }
  /* Top level: at most one runbook, plus functions, externs and imports. */
  for (n = ast->root->a; n; n = n->next) {
    if (n->kind == N_RUNBOOK) {
      if (runbook) {
        Diag *dg = err(&C, "duplicate-runbook", n, "a file holds one runbook");
        diag_hint(dg, "the first starts at line %d", line_of(&C, runbook));
      } else {
        runbook = n;
      }
    } else if (n->kind == N_FN || n->kind == N_EXTERN) {
      declare_fn(&C, n);
    } else if (n->kind == N_ROLE || n->kind == N_PROBE || (n->kind == N_NOTIFIER && n->b)) {
      lib++;   /* a library's: checked below, and refused beside a runbook */
    } else if (n->kind != N_IMPORT) {
      Diag *dg = err(&C, "misplaced", n, "'%s' must be inside a runbook block",
                     n->kind == N_BACKOUT ? "on critical" : KW(n));
      diag_hint(dg, "wrap the declarations in: runbook \"Title\" { ... }");
    }
  }
  if (runbook && lib)
    for (n = ast->root->a; n; n = n->next)
      if (n->kind == N_ROLE || n->kind == N_PROBE || (n->kind == N_NOTIFIER && n->b)) {
        Diag *dg = err(&C, "misplaced", n, "'%s' must be inside the runbook block", KW(n));
        diag_hint(dg, "only a file with no runbook (a library, for import) declares it at its top");
      }
  /* Functions are checked before the steps, so learn the names of the
  ** steps' variables first: using one in a function gets its own message. */
  if (runbook) collect_step_vars(&C, runbook);
  for (n = ast->root->a; n; n = n->next) {
    if (n->kind == N_FN) check_fn(&C, n);
    else if (n->kind == N_EXTERN) check_extern(&C, n);
  }
  if (runbook) check_runbook(&C, runbook);
  else if (lib) check_library(&C, ast, lib);
  checker_free(&C);
  diag_sort(d, first);
  return d->errors - errors_before;
}

/* put_name enters a name from the compiled program into map m. */
static Sym *put_name(Checker *C, PtrMap *m, const char *name, SymKind k) {
  Sym *s = new_sym(C, k, NULL, TY_ANY);
  ptrmap_put(m, ast_intern(C->ast, name, strlen(name)), s);
  return s;
}

int check_chunk(Ast *chunk, Node *expr_or_null, const Program *ctx, Diags *d) {
  Checker C;
  uint32_t i, j;
  int errors_before = d->errors;
  size_t first = d->n;
  checker_init(&C, chunk, d, NULL);
  /* What the runbook declared, as compiled: its globals (params, secrets,
  ** step variables, earlier REPL variables), functions, roles, steps
  ** and probes. Types are not kept in a Program: they are "a value". */
  for (i = 0; i < ctx->nglobals; i++) {
    SymKind k = S_GLOBAL;
    for (j = 0; j < ctx->nparams; j++)
      if (strcmp(ctx->params[j].name, ctx->globals[i]) == 0) k = ctx->params[j].secret ? S_SECRET : S_PARAM;
    put_name(&C, &C.vars, ctx->globals[i], k);
  }
  for (i = 0; i < ctx->nprotos; i++) {
    const char *nm = ctx->protos[i]->name;
    if (strncmp(nm, "fn ", 3) == 0) {
      Sym *s = put_name(&C, &C.fns, nm + 3, S_FN);
      s->min_args = s->max_args = ctx->protos[i]->nparams;
    }
  }
  C.ctx = ctx;
  for (i = 0; i < ctx->nroles; i++) put_name(&C, &C.roles, ctx->roles[i].name, S_ROLE);
  for (i = 0; i < ctx->nsteps; i++) put_name(&C, &C.steps, ctx->steps[i].name, S_STEP)->order = (int)i;
  for (i = 0; i < ctx->nprobes; i++) put_name(&C, &C.probes, ctx->probes[i].name, S_PROBE);
  if (expr_or_null) expr(&C, expr_or_null);
  else stmts(&C, chunk->root->a, W_REPL);
  checker_free(&C);
  diag_sort(d, first);
  return d->errors - errors_before;
}
