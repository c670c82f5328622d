/*
** proc.c -- builtins that run commands: run(), sh(), status().
** Every one runs through fx_command (run/command.c), so the step's timeout, Ctrl-C,
** streaming and secret masking apply to them as to the run statement.
*/
#include <string.h>

#include "natives.h"

static int start(VM *vm, const char *fn, const Value *cmd, ExecResult *r) {
  VmResult st;
  if (memchr(AS_STR(*cmd)->s, '\0', AS_STR(*cmd)->len)) return vm_fail(vm, "%s(): the command contains a NUL byte", fn);
  st = fx_command(vm, AS_STR(*cmd)->s, r);
  if (st == VM_INTERRUPTED) {
    exec_result_free(r);
    return vm_fail(vm, "interrupted");
  }
  return st == VM_OK ? 0 : -1;
}

int nat_run(VM *vm, Value *args, int argc, Value *out) {
  ExecResult r;
  (void)argc;
  if (start(vm, "run", &args[0], &r) != 0) return -1;
  *out = val_rec_new(r.status, r.duration_s, r.out, r.out_len, r.err, r.err_len, r.timed_out);
  exec_result_free(&r);
  return 0;
}

int nat_status(VM *vm, Value *args, int argc, Value *out) {
  ExecResult r;
  (void)argc;
  if (start(vm, "status", &args[0], &r) != 0) return -1;
  *out = val_num(r.status);
  exec_result_free(&r);
  return 0;
}

int nat_sh(VM *vm, Value *args, int argc, Value *out) {
  ExecResult r;
  size_t i = 0, n;
  (void)argc;
  if (start(vm, "sh", &args[0], &r) != 0) return -1;
  if (r.status != 0) {
    size_t en = r.err_len > 300 ? 300 : r.err_len;
    Buf e = BUF_INIT;
    while (en > 0 && (r.err[en - 1] == '\n' || r.err[en - 1] == '\r')) en--;
    buf_add_text(&e, r.err, en);
    vm_fail(vm, "sh(): command failed with exit status %d%s%s", r.status, en ? ": " : "", buf_cstr(&e));
    buf_free(&e);
    exec_result_free(&r);
    return -1;
  }
  n = r.out_len;
  while (i < n && strchr(" \t\r\n", r.out[i])) i++;
  while (n > i && strchr(" \t\r\n", r.out[n - 1])) n--;
  *out = val_str_new(r.out + i, n - i);
  exec_result_free(&r);
  return 0;
}
