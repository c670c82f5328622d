/*
** load.h -- turning a FILE argument into a runnable Program: a runbook
** source is parsed, checked and compiled; a .rbc file is read and verified.
*/
#ifndef RBK_LOAD_H
#define RBK_LOAD_H

#include "../vm/diag.h"
#include "../vm/program.h"

/* load_program returns the Program for path, or NULL after printing the
** diagnostics (to stderr) that explain why not. */
Program *load_program(const char *path);
/* load_program_text compiles a runbook held in memory (named name). */
Program *load_program_text(const char *name, const char *text);

#endif
