/*
** dryrun.h -- print what `rbk run` would do, without doing it.
*/
#ifndef RBK_DRYRUN_H
#define RBK_DRYRUN_H

#include <stdio.h>

#include "../vm/vm.h"

/* dryrun prints the plan of vm's program to out; the VM must already
** hold the params (run_params). selected[i] says whether step i would
** run. Returns 0, or -1 if the embedded source no longer parses. */
int dryrun(VM *vm, FILE *out, const int *selected);

#endif
