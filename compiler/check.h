/*
** check.h -- the semantic checks: names, roles, steps, arity, placement,
** static types of durations and numbers, reachability. The checker reads
** the tree and adds diagnostics; it never changes the tree.
*/
#ifndef RBK_CHECK_H
#define RBK_CHECK_H

#include "../base/diag.h"
#include "../vm/program.h"
#include "../grammar/ast.h"

/* Static types, as far as they can be known before a run. ANY means
** "not known until run time"; the checker never complains about ANY. */
#define TY_LIST_X(X) X(ANY, "a value") X(NIL, "nil") X(BOOL, "a boolean") \
  X(NUM, "a number") X(DUR, "a duration") X(STR, "a string") X(LIST, "a list") \
  X(REC, "a command result") X(FN, "a function")

typedef enum Ty {
#define X(t, s) TY_##t,
  TY_LIST_X(X)
#undef X
} Ty;

/* ty_name describes a type for messages ("a duration"). */
const char *ty_name(Ty t);

/* check_program checks ast->root (a parsed file) and returns the number
** of errors it added to d. Warnings are added too but not counted. */
int check_program(Ast *ast, Diags *d);

/* check_chunk checks REPL input against a compiled runbook: the
** statements of chunk->root (parsed with PARSE_STMTS), or, when
** expr_or_null is given, that one expression. The names it may use are
** ctx's: params, secrets, step and earlier REPL variables, functions,
** roles, steps, probes and the builtins. A top-level `let` makes a session
** variable (codegen_chunk turns it into a global); `fn` may be declared.
** Returns the number of errors added to d. */
int check_chunk(Ast *chunk, Node *expr_or_null, const Program *ctx, Diags *d);

/* BuiltinSig is one entry of vm/builtins.def. */
typedef struct BuiltinSig {
  const char *name;
  int min_args, max_args;
  Ty result;
  const char *summary;
} BuiltinSig;

/* check_builtins returns the builtin table, terminated by a NULL name. */
const BuiltinSig *check_builtins(void);

/* check_builtin_module names the stdlib module (compiler/modules.def) that
** implements builtin name in rbk, or returns NULL for a C builtin. */
const char *check_builtin_module(const char *name);

/* check_module checks a stdlib module (stdlib/NAME.rbk): as
** check_program, except that the builtins the module implements are its
** own functions there, not builtins. */
int check_module(Ast *ast, Diags *d, const char *module);

/* check_file checks a file named on the command line (rbk check, lint,
** plan): a stdlib module (stdlib/MODULE.rbk, a file named after a module
** of compiler/modules.def that holds no runbook) as check_module does, so
** that the module's own definitions of its builtins are not refused;
** anything else as check_program. */
int check_file(Ast *ast, Diags *d);

/* The names a `notifier` command sees besides params and secrets, NULL
** ended: the notifier's parameters, in order (run/notify.c passes them). */
extern const char *const check_notifier_names[];

#endif
