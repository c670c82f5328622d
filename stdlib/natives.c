/*
** natives.c -- the table of native builtins, built from builtins.def:
** each entry's signature (arity, argument kinds) and effect, which the
** VM's one dispatcher uses to check, journal and call it (see vm.h).
** Builtins written in rbk (modules.def) keep their entry here; the
** program that uses them points it at the module's function.
*/
#include "natives.h"

#include <string.h>

#define KIND(c) ((c) == 's' ? NA_STR : (c) == 'n' ? NA_NUM : (c) == 'd' ? NA_DUR : (c) == 'l' ? NA_LIST : NA_ANY)
#define FX_PURE NAT_PURE
#define FX_WORLD NAT_WORLD
#define FX_ACT NAT_ACT
#define FX_SELF NAT_SELF

static NativeInfo table[] = {
#define X(name, lo, hi, ty, args, fx, doc) {#name, nat_##name, FX_##fx, lo, hi, 0, {0}, NULL},
#include "../vm/builtins.def"
#undef X
};

static const char *const kinds[] = {
#define X(name, lo, hi, ty, args, fx, doc) args,
#include "../vm/builtins.def"
#undef X
};

const NativeInfo *stdlib_natives(uint32_t *n) {
  size_t i, k;
  for (i = 0; i < sizeof table / sizeof table[0]; i++)
    for (k = 0; kinds[i][k] && k < NATIVE_MAX_ARGS; k++) {
      table[i].args[k] = (uint8_t)KIND(kinds[i][k]);
      if (table[i].args[k] != NA_ANY) table[i].nchecked = (uint8_t)(k + 1);
    }
  *n = (uint32_t)(sizeof table / sizeof table[0]);
  return table;
}

/* The C side of a builtin written in rbk: reached only if a program
** calls it without the module compiled in, which codegen never does. */
#define IN_RBK(name, module)                                                              \
  int nat_##name(VM *vm, Value *args, int argc, Value *out) {                               \
    (void)args; (void)argc; (void)out;                                                      \
    return vm_fail(vm, #name "() is written in rbk (stdlib/" #module ".rbk) and this program " \
                       "was compiled without it; recompile it");                            \
  }
#define M(name, module) IN_RBK(name, module)
#include "../compiler/modules.def"
#undef M
