/*
** natives.h -- the C implementations of the builtin functions, one per
** entry of builtins.def, in that order. The command line hands the table
** to the VM; the VM never includes this header.
*/
#ifndef RBK_NATIVES_H
#define RBK_NATIVES_H

#include "../vm/vm.h"

#define X(name, lo, hi, ty, doc) int nat_##name(VM *vm, Value *args, int argc, Value *out);
#include "builtins.def"
#undef X

/* stdlib_natives returns the table (name, function, whether it is an
** effect to journal) and stores its length in *n. */
const NativeInfo *stdlib_natives(uint32_t *n);

#endif
