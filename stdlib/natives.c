/*
** natives.c -- the table of native builtins, built from builtins.def.
*/
#include "natives.h"

static const NativeFn table[] = {
#define X(name, lo, hi, ty, doc) nat_##name,
#include "builtins.def"
#undef X
};

const NativeFn *stdlib_natives(uint32_t *n) {
  *n = (uint32_t)(sizeof table / sizeof table[0]);
  return table;
}

/* Builtins whose implementation arrives with the stdlib issue (SQLite
** through extern, HTTP, baselines in the journal, probes for `watch`).
** They fail with a clear message rather than pretending. */
#define LATER(name)                                                           \
  int nat_##name(VM *vm, Value *args, int argc, Value *out) {                 \
    (void)args; (void)argc; (void)out;                                        \
    return vm_fail(vm, #name "() is not available in this version of rbk yet"); \
  }
LATER(diff_dirs)
LATER(sql)
LATER(count_rows)
LATER(http_status)
LATER(http_get)
LATER(baseline)
