/*
** runtime.h -- the run layer behind the VM's VmRuntime interface
** (vm/vm.h): effects journaled (effects.c), commands executed
** (command.c), notifications sent (notify.c). Whoever makes a VM that
** runs for real passes &run_runtime to vm_init.
*/
#ifndef RBK_RUNTIME_H
#define RBK_RUNTIME_H

#include "exec.h"
#include "../vm/vm.h"

extern const VmRuntime run_runtime;

/* fx_command runs cmd as an effect: under the current step's deadline,
** streaming its output to the host; r must be freed with
** exec_result_free. Returns VM_OK when it ran (whatever its status),
** VM_INTERRUPTED on Ctrl-C, VM_FAILED if it could not be started, or
** VM_PAUSED (the journal's answer is needed from a person). */
VmResult fx_command(VM *vm, const char *cmd, ExecResult *r);
/* fx_run is the `run` statement: fx_command, then a failure (vm_fail,
** with the command's stderr as detail) unless it exited 0. */
int fx_run(VM *vm, const char *cmd);
/* fx_notify is vm_notify's implementation (vm/vm.h). */
int fx_notify(VM *vm, const char *role, const Value *text, Buf *err);

#endif
