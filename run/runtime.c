/*
** runtime.c -- run_runtime, the table through which the VM reaches the
** run layer (VmRuntime in vm/vm.h). Filled in here, handed to vm_init by
** the sessions of run, resume, repl, undo and watch.
*/
#include "runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "effects.h"
#include "signing.h"
#include "../base/json.h"
#include "../base/sha256.h"

static const char *replayed_error(const VM *vm) { return vm->fx ? fx_replayed_error(vm->fx) : NULL; }

static uint64_t next(const VM *vm) { return vm->fx ? fx_next(vm->fx) : 0; }

static int state(const VM *vm) {
  const Effects *fx = vm->fx;
  int st = 0;
  if (!fx) return 0;
  if (fx->out) st |= VM_FX_WRITES;
  if (fx_replaying(fx)) st |= VM_FX_REPLAYING;
  if (fx->out && fx->lane == FX_LANE_RUNBOOK) st |= VM_FX_CAN_WAIT;
  return st;
}

/* sign_gate: an answer given at the terminal, signed like rbk approve's
** (run/answer.c) with the operator's key. */
static int sign_gate(VM *vm, uint64_t n, const char *role, const char *answer, const char *note, Buf *extra, char *why,
                     size_t whylen) {
  const char *keys[SIGN_MAXKEYS], *run, *step;
  const char *env = getenv("RBK_SIGNING_KEY");
  int nkeys = sign_role_keys(vm->prog, role, keys), rc = -1;
  char hex[65], at[32], fp[SSHKEY_FP_MAX], rv[4200];
  Buf m = BUF_INIT, sig = BUF_INIT;
  time_t now = time(NULL);
  struct tm tmv;
  if (!answer) {
    if ((env && *env) || getenv("SSH_AUTH_SOCK")) return 0;
    snprintf(why, whylen, "no signing key at this terminal (set RBK_SIGNING_KEY, or load the key into ssh-agent)");
    return -1;
  }
  if (!vm->fx || !vm->fx->out || !vm->fx->out->dir) {
    snprintf(why, whylen, "this run has no journal to bind the signature to");
    return -1;
  }
  run = strrchr(vm->fx->out->dir, '/');
  run = run ? run + 1 : vm->fx->out->dir;
  step = vm->step >= 0 ? vm->prog->steps[vm->step].name : "";
  sha256_hex(vm->prog->src_sha256, hex);
  strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tmv));
  sign_message(&m, run, hex, (long long)n, step, role, answer, note, at);
  if (sign_make(buf_cstr(&m), NULL, keys, nkeys, &sig, why, whylen) == 0 &&
      sign_verify(buf_cstr(&m), buf_cstr(&sig), role, keys, nkeys, sign_role_revoked(vm->prog, role, rv, sizeof rv), fp,
                  why, whylen) == 0) {
    buf_puts(extra, ",\"role\":");
    json_put_str(extra, role, strlen(role));
    buf_puts(extra, ",\"verified\":true,\"principal\":");
    json_put_str(extra, role, strlen(role));
    buf_printf(extra, ",\"fingerprint\":\"%s\",\"signed_at\":\"%s\",\"signature\":", fp, at);
    json_put_str(extra, buf_cstr(&sig), sig.n);
    rc = 0;
  }
  buf_free(&m);
  buf_free(&sig);
  return rc;
}

const VmRuntime run_runtime = {
  fx_begin, fx_end, fx_record, replayed_error, next, state, fx_run, fx_notify, sign_gate,
};
