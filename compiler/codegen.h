/*
** codegen.h -- compiling a checked syntax tree to a Program of bytecode.
*/
#ifndef RBK_CODEGEN_H
#define RBK_CODEGEN_H

#include "../base/diag.h"
#include "../vm/program.h"
#include "../grammar/ast.h"

/* codegen_program compiles ast, which must have passed check_program
** with no errors. On success the Program takes ownership of ast->src
** (a Source allocated with mem_alloc), which must then outlive neither
** the caller's handle nor be freed by it; the Ast may be freed. On
** failure (a limit such as registers per function was exceeded) it adds
** an error to d, returns NULL, and the caller still owns the Source. */
Program *codegen_program(Ast *ast, Diags *d);
/* codegen_check compiles ast as codegen_program does, reporting the same
** errors, but keeps no code: each function's bytecode is dropped as soon
** as it is complete (what `rbk check` needs). The caller keeps ast->src.
** Returns 0, or -1 with the errors in d. */
int codegen_check(Ast *ast, Diags *d);

/* codegen_chunk compiles REPL input that passed check_chunk into pr,
** which gains a Proto taking no arguments: for an expression
** (expr_or_null), one that returns its value; else one that runs the
** statements of chunk->root, whose top-level lets become new globals of
** pr (call vm_sync_program before running it). Functions the input
** declares become Protos too, and so do the stdlib modules it calls
** (sql(): stdlib/sqlite.rbk) if pr does not have them yet: bind their
** externs before running it. On success pr takes ownership of
** chunk->src and the index of the new Proto is returned; on failure (a
** limit) an error is added to d, pr is as it was, and -1 is returned. */
int codegen_chunk(Ast *chunk, Node *expr_or_null, Program *pr, Diags *d);

#endif
