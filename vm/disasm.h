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
/* disasm_program_opts is disasm_program, but with source = 0 it leaves out
** what comes from the source text rather than the program: the source's
** name, size and hash, each instruction's line:col and the text of each
** verify. Two sources that differ only in layout then list the same
** (rbk fmt's tests compare them so). */
void disasm_program_opts(const Program *p, FILE *f, int source);

#endif
