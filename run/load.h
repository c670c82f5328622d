/*
** load.h -- turning a FILE argument into a runnable Program: a runbook
** source is parsed, checked and compiled; a .rbc file is read and verified.
*/
#ifndef RBK_LOAD_H
#define RBK_LOAD_H

#include "../base/diag.h"
#include "../vm/program.h"

/* load_program returns the Program for path, or NULL after printing the
** diagnostics (to stderr) that explain why not. */
Program *load_program(const char *path);
/* load_program_text compiles a runbook held in memory (named name). */
Program *load_program_text(const char *name, const char *text);

/* load_bind binds the program's externs to their C functions (vm/ffi.h),
** as a run starts: a library that cannot be opened or a missing symbol
** is reported (file:line:col of the extern, naming both) on stderr.
** Returns 0, or -1 if any extern could not be bound. */
int load_bind(Program *p);

#endif
