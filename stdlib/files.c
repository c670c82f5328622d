/*
** files.c -- builtins on files: exists(), file_size(), read_file(), sha256().
*/
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "../vm/mem.h"
#include "../vm/sha256.h"
#include "../vm/source.h"
#include "natives.h"

static int path_arg(VM *vm, const char *fn, const Value *v) {
  if (v->t != V_STR) return vm_fail(vm, "%s(): the path must be a string, not %s", fn, val_type_name(v));
  return 0;
}

int nat_exists(VM *vm, Value *args, int argc, Value *out) {
  struct stat st;
  (void)argc;
  if (path_arg(vm, "exists", &args[0])) return -1;
  *out = val_bool(stat(AS_STR(args[0])->s, &st) == 0);
  return 0;
}

int nat_file_size(VM *vm, Value *args, int argc, Value *out) {
  struct stat st;
  (void)argc;
  if (path_arg(vm, "file_size", &args[0])) return -1;
  if (stat(AS_STR(args[0])->s, &st) != 0)
    return vm_fail(vm, "file_size(): %s: %s", AS_STR(args[0])->s, strerror(errno));
  *out = val_num((double)st.st_size);
  return 0;
}

int nat_read_file(VM *vm, Value *args, int argc, Value *out) {
  Source s;
  char why[256];
  (void)argc;
  if (path_arg(vm, "read_file", &args[0])) return -1;
  if (src_load(&s, AS_STR(args[0])->s, why, sizeof why) != 0)
    return vm_fail(vm, "read_file(): %s: %s", AS_STR(args[0])->s, why);
  *out = val_str_new(s.text, s.len);
  src_free(&s);
  return 0;
}

int nat_sha256(VM *vm, Value *args, int argc, Value *out) {
  uint8_t d[32];
  char hex[65], why[256];
  (void)argc;
  if (path_arg(vm, "sha256", &args[0])) return -1;
  if (sha256_file(AS_STR(args[0])->s, d, why, sizeof why) != 0)
    return vm_fail(vm, "sha256(): %s: %s", AS_STR(args[0])->s, why);
  sha256_hex(d, hex);
  *out = val_cstr_new(hex);
  return 0;
}
