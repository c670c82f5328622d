/*
** natives.h -- the C implementations of the builtin functions, one per
** entry of builtins.def, in that order. The command line hands the table
** to the VM; the VM never includes this header.
*/
#ifndef RBK_NATIVES_H
#define RBK_NATIVES_H

#include "../run/runtime.h"
#include "../vm/vm.h"

#define X(name, lo, hi, ty, kinds, fx, doc) int nat_##name(VM *vm, Value *args, int argc, Value *out);
#include "../vm/builtins.def"
#undef X

/* The stdlib's pieces that are not builtins: baselines (base/durable.h) for
** the run commands and rbk watch. */

/* stdlib_natives returns the table of builtins (name, function, effect,
** arity and argument kinds: see NativeInfo) and stores its length in *n. */
const NativeInfo *stdlib_natives(uint32_t *n);

#endif
