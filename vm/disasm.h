/*
** disasm.h -- a readable listing of a compiled Program, in the manner of
** `luac -l`: every function with its instructions and constants, then the
** runbook's tables. `rbk disasm` prints it and codegen tests golden it, so
** the output is deterministic (no addresses, no times).
*/
#ifndef RBK_DISASM_H
#define RBK_DISASM_H

#include <stdio.h>

#include "program.h"

/* disasm_program writes the listing of p to f. p need not have passed the
** verifier: an operand out of range is shown as such, never followed. */
void disasm_program(const Program *p, FILE *f);

#endif
