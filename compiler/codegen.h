/*
** codegen.h -- compiling a checked syntax tree to a Program of bytecode.
*/
#ifndef RBK_CODEGEN_H
#define RBK_CODEGEN_H

#include "../vm/diag.h"
#include "../vm/program.h"
#include "ast.h"

/* codegen_program compiles ast, which must have passed check_program
** with no errors. On success the Program takes ownership of ast->src
** (a Source allocated with mem_alloc), which must then outlive neither
** the caller's handle nor be freed by it; the Ast may be freed. On
** failure (a limit such as registers per function was exceeded) it adds
** an error to d, returns NULL, and the caller still owns the Source. */
Program *codegen_program(Ast *ast, Diags *d);

#endif
