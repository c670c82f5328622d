/*
** fleet.h -- steps on hosts: `hosts GROUP = ...` and `step NAME on GROUP
** serial N parallel N max_fail N canary N { ... }` (docs/language.md 4.15).
**
** The step's body runs once per host, batch after batch, on the VM that
** runs the runbook. Each (step, host, attempt) is an effect lane of its
** own in the journal ("lane":"STEP@HOST/ATTEMPT", run/effects.h), so a
** host's effects replay on their own and a command in doubt is in doubt
** on its host alone. Around each host the runbook's lane gets a
** host_start and a host_end record (docs/journal.md). Commands run on the
** host through run/ssh.c; `local run` and `between batches` on this
** machine.
*/
#ifndef RBK_FLEET_H
#define RBK_FLEET_H

#include "../vm/vm.h"
#include "ssh.h"

/* The host a step on hosts is running on now (Effects.host). */
typedef struct FleetHost {
  SshTarget t;          /* name, address, user, port (strings borrowed from the host value) */
  const char *label;    /* "STEP@HOST": output lines are prefixed with it */
} FleetHost;

/* fleet_groups resolves every hosts group of the program once, when the
** run starts (after the params): each is an effect ("kind":"hosts") whose
** result, the list of host maps, is journaled, so a resume gets the same
** hosts (and says so when the inventory changed since). Returns VM_OK, or
** VM_FAILED with vm->fail set (a bad item, a refused host name). */
VmResult fleet_groups(VM *vm);
/* fleet_hosts runs the body of step index (which targets a group) on its
** hosts, batch by batch, as attempt `attempt` of the step: what run_step
** (runbook.h) does with a step's body. VM_OK when the failures stayed
** within the budget; VM_FAILED with vm->fail (and a line per failed host
** in vm->detail) when they did not or a gate between batches failed;
** VM_PAUSED / VM_INTERRUPTED as for a body. */
VmResult fleet_hosts(VM *vm, int index, int attempt);
/* fleet_batches splits n hosts into the step's batches: batch b is hosts
** starts[b] .. starts[b + 1] - 1 (starts has room for n + 2); returns the
** number of batches. *budget gets the failure budget in hosts. */
uint32_t fleet_batches(const StepInfo *st, uint32_t n, uint32_t *starts, uint32_t *budget);
/* fleet_prior is the number of earlier attempts of step index to count
** from: prior, or under --retry-failed, when the journal's last step_end
** of the step says failed, the attempts the journal holds. */
int fleet_prior(VM *vm, int index, int prior);
/* fleet_undo runs the undo block of step index on each host where the
** step completed in this process's run or replay of it (fleet_hosts
** notes them), last batch first and last host first, each host in a lane
** of its own ("undo:STEP@HOST/NTH"), between host_start and host_end
** records marked "undo":true; a host whose undo fails does not stop the
** others. VM_OK when every host's undo succeeded. */
VmResult fleet_undo(VM *vm, int index, int nth);
/* fleet_retry_failed makes the next fleet_step of each step run again
** only the hosts whose last outcome in the journal is failed. */
void fleet_retry_failed(int on);

#endif
