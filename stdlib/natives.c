/*
** natives.c -- the table of native builtins, built from builtins.def.
*/
#include "natives.h"

#include <string.h>

/* Builtins whose result depends on the world (the clock, the
** environment, files, the network): each call is journaled, and a resumed
** run gets the recorded result instead of calling again. run, sh and
** status are journaled as commands by the VM itself; ask as a gate. */
#define EFFECTS(X) X(env) X(now) X(hostname) X(exists) X(file_size) X(read_file) X(sha256) \
  X(diff_dirs) X(sql) X(count_rows) X(http_status) X(http_get) X(baseline)

#define IS(name) || strcmp(#name, n) == 0
static int is_effect(const char *n) { return 0 EFFECTS(IS); }
#undef IS

static NativeInfo table[] = {
#define X(name, lo, hi, ty, doc) {#name, nat_##name, 0},
#include "builtins.def"
#undef X
};

const NativeInfo *stdlib_natives(uint32_t *n) {
  size_t i;
  for (i = 0; i < sizeof table / sizeof table[0]; i++) table[i].effect = (uint8_t)is_effect(table[i].name);
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
