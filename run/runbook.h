/*
** runbook.h -- running a whole runbook: params, requirements, then the
** steps in order, each with its timeout, retries and failure handler.
** What happens is reported through RunHooks; the VM's host carries the
** rest (command output, gates, messages).
*/
#ifndef RBK_RUNBOOK_H
#define RBK_RUNBOOK_H

#include "../vm/vm.h"

typedef enum StepState {
  STEP_PENDING, STEP_OK, STEP_RECOVERED, STEP_FAILED, STEP_SKIPPED, STEP_INTERRUPTED, STEP_PAUSED,
  STEP_UNDONE          /* it ran, then its undo block ran (the REPL's :undo) */
} StepState;

typedef struct StepOutcome {
  StepState state;
  double duration;     /* seconds, all attempts and the handler */
  double waited;       /* of duration, seconds spent waiting at gates for a person */
  int attempts;
} StepOutcome;

typedef enum RunEvent {
  EV_REQUIRE,          /* a requirement is being checked (index) */
  EV_REQUIRE_FAILED,   /* it failed: vm->fail says why */
  EV_STEP_BEGIN,       /* a step starts (index, attempt 1) */
  EV_STEP_RETRY,       /* an attempt failed and another follows after vm->retry_every */
  EV_STEP_HANDLER,     /* the step failed; its 'on failure' handler runs */
  EV_STEP_END          /* the step ended: see outcome */
} RunEvent;

typedef struct RunHooks {
  void *ud;
  void (*event)(void *ud, RunEvent ev, int index, const StepOutcome *outcome, VM *vm);
} RunHooks;

typedef struct RunOptions {
  const char *const *only;   /* run just these steps (NULL: all) */
  int nonly;
  const char *from;          /* start at this step (NULL: the first) */
  const char *const *keys;   /* --param key=value */
  const char *const *vals;
  int nkv;
} RunOptions;

/* run_params sets every param and secret: a --param value (converted to
** the type of the default) or the default. Returns VM_FAILED with the
** reason in vm->fail for an unknown or missing param. */
VmResult run_params(VM *vm, const RunOptions *o);
/* run_resolve computes what a runbook declares from its params, once
** they are set (run_params calls it last): each step title and
** requirement name written with ${...}, and each trigger's non-literal
** `for` duration. */
VmResult run_resolve(VM *vm);
/* run_runbook checks the requirements and runs the steps. out has one
** entry per step. Returns VM_OK when every step that ran succeeded (or
** recovered), VM_FAILED when one failed, VM_INTERRUPTED on Ctrl-C,
** VM_PAUSED when a step waits for a person (no terminal). */
VmResult run_runbook(VM *vm, const RunOptions *o, const RunHooks *h, StepOutcome *out);
/* run_requirements checks every require block in order; VM_OK when all pass. */
VmResult run_requirements(VM *vm, const RunHooks *h);
/* run_step runs one step (its attempts and handler) and fills *out. prior
** is how many attempts earlier runs of this step in the same run made
** (0 the first time): attempts are numbered on from it, so that each
** attempt's journal records are its own. */
VmResult run_step(VM *vm, int index, int prior, const RunHooks *h, StepOutcome *out);
/* run_undo runs step index's undo block once, journaled like a step (its
** records marked "undo":true; nth counts the undos of this step in the
** run, from 1) with no retries and no handler, and fills *out. */
VmResult run_undo(VM *vm, int index, int nth, const RunHooks *h, StepOutcome *out);
/* step_state_name is "ok", "failed", ... */
const char *step_state_name(StepState s);

#endif
