/*
** runtime.c -- run_runtime, the table through which the VM reaches the
** run layer (VmRuntime in vm/vm.h). Filled in here, handed to vm_init by
** the sessions of run, resume, repl, undo and watch.
*/
#include "runtime.h"

#include "effects.h"

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

const VmRuntime run_runtime = {
  fx_begin, fx_end, fx_record, replayed_error, next, state, fx_run, fx_notify,
};
