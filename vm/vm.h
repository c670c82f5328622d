/*
** vm.h -- the rbk virtual machine: executes the Protos of a Program.
**
** All state is in a VM struct passed explicitly, so a REPL and a run can
** share one process. The VM reaches the screen and the people running
** it only through VmHost callbacks, which the command line supplies; it
** reaches the native stdlib only through the NativeFn table it is given.
**
** Failures (a command that exits non-zero, a failed verify, `fail`, a
** type error) travel as return codes: every function here that can fail
** returns VM_FAILED after recording the message and source position with
** vm_fail. Nothing longjmps and nothing aborts.
*/
#ifndef RBK_VM_H
#define RBK_VM_H

#include <stdint.h>

#include "buf.h"
#include "effects.h"
#include "exec.h"
#include "program.h"
#include "value.h"

typedef struct VM VM;

/* A native function: args[0..argc) are borrowed; on success it stores an
** owned result in *out and returns 0; on failure it calls vm_fail and
** returns -1. */
typedef int (*NativeFn)(VM *vm, Value *args, int argc, Value *out);

/* A builtin as the VM sees it. An effectful one (its result depends on
** the world: the clock, the environment, files) is journaled and, on
** replay, answered from the journal instead of being called. */
typedef struct NativeInfo {
  const char *name;
  NativeFn fn;
  uint8_t effect;
} NativeInfo;

typedef enum GateKind { GATE_MANUAL, GATE_ASK, GATE_APPROVE } GateKind;

typedef enum VmResult { VM_OK = 0, VM_FAILED = 1, VM_INTERRUPTED = 2, VM_PAUSED = 3 } VmResult;

/* How the VM talks to the outside. Every text handed over has had the
** values of secrets replaced by "***". Any callback may be NULL. */
typedef struct VmHost {
  void *ud;
  /* A line of a running command's output; stream 1 stdout, 2 stderr. */
  void (*on_output)(void *ud, int stream, const char *line, size_t n);
  /* A command about to run (the text that reaches /bin/sh). */
  void (*on_command)(void *ud, const char *cmd);
  /* log, notify and other messages; kind is "log", "notify" or "info". */
  void (*on_message)(void *ud, const char *kind, const char *text);
  /* About every quarter second while a command or wait runs. */
  void (*on_tick)(void *ud, double elapsed);
  /* A human gate. Return 1 for done/yes/approved, 0 for no/refused, -1
  ** when no person can answer (no terminal). For approvals, *note may be
  ** set to a mem_alloc'd note. */
  int (*on_gate)(void *ud, GateKind kind, const char *text, const char *role, const char *person,
                 char **note);
  /* A choice among n options (e.g. rerun/skip/done for an in-doubt
  ** effect): the index chosen, or -1 when no person can answer. */
  int (*on_choice)(void *ud, const char *text, const char *const *options, int n);
} VmHost;

typedef struct Frame {
  Proto *p;
  const Instr *pc;
  Value *base;
  int ret;          /* register in the caller that receives the result */
} Frame;

/* Calls nest at most this deep: runaway recursion is a failure, not a crash. */
#define VM_MAX_FRAMES 200
#define VM_STACK_SLOTS (VM_MAX_FRAMES * 64 + MAX_REGS * 2)

struct VM {
  Program *prog;
  Value *G;                   /* globals: params, secrets, step lets, REPL lets */
  uint32_t nG;                /* slots in G (prog->nglobals, or fewer until vm_sync_globals) */
  Value *stack;               /* VM_STACK_SLOTS registers */
  Frame frames[VM_MAX_FRAMES];
  int nframes;
  const NativeInfo *natives;
  uint32_t nnatives;
  Effects *fx;                /* the journal's effects; NULL runs without one */
  const char *operator_name;  /* who is running it (journaled with answers) */
  int paused;                 /* the last failure is a pause: a person must act */
  int diverged;               /* the runbook no longer matches the journal being replayed */
  VmHost host;
  const volatile int *interrupt;   /* set by the SIGINT handler; may be NULL */
  /* the step being run */
  int step;                   /* index, or -1 outside steps */
  double step_start;          /* monotonic seconds */
  double step_deadline;       /* monotonic seconds; 0 = none */
  int retries;                /* set by the RETRY instruction */
  double retry_every;
  uint32_t budget;            /* instructions until the next interrupt/deadline check */
  /* the last failure */
  Buf fail;                   /* what went wrong, already redacted */
  Buf detail;                 /* more lines: verify values, command stderr */
  uint32_t fail_pos, fail_end;
  Source *fail_src;           /* the source fail_pos is in: the runbook's, or a REPL input's */
  int failed_has_pos;
  /* values never to show */
  Value *secrets;
  uint32_t nsecrets;
};

/* vm_init prepares a VM for prog (borrowed) with the given natives and host. */
void vm_init(VM *vm, Program *prog, const NativeInfo *natives, uint32_t nnatives, const VmHost *host);
/* vm_sync_globals gives the VM a slot (undefined) for every global the
** program gained since (the REPL compiles new ones into it). */
void vm_sync_globals(VM *vm);
/* vm_free releases the VM's memory (not the program). */
void vm_free(VM *vm);
/* vm_call runs proto with argc borrowed args; on VM_OK *result holds an owned value. */
VmResult vm_call(VM *vm, int proto, const Value *args, int argc, Value *result);
/* vm_fail records a failure at the current instruction; returns -1. */
int vm_fail(VM *vm, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 2, 3)))
#endif
  ;
/* vm_add_secret remembers a value whose text must never be shown. */
void vm_add_secret(VM *vm, const Value *v);
/* vm_redact appends s to out with every secret replaced by "***". */
void vm_redact(const VM *vm, const char *s, size_t n, Buf *out);
/* vm_command runs cmd under the current step's deadline, streaming its
** output to the host; r must be freed with exec_result_free. Returns
** VM_OK when it ran (whatever its status), VM_INTERRUPTED on Ctrl-C,
** VM_FAILED if it could not be started. */
VmResult vm_command(VM *vm, const char *cmd, ExecResult *r);
/* vm_gate asks a person (manual, ask, approve by role) through the
** journal: a recorded answer is replayed; without a terminal the run
** pauses (VM_PAUSED). For ask, *answer is the yes/no; fail_on_no makes a
** "no" fail the step. Returns VM_OK, VM_FAILED or VM_PAUSED. */
VmResult vm_gate(VM *vm, GateKind kind, const Value *text, const char *role, int fail_on_no, Value *answer);
/* vm_message logs or notifies through the journal (not repeated on replay). */
int vm_message(VM *vm, const char *kind, const Value *v);
/* vm_now returns monotonic seconds. */
double vm_now(void);
/* vm_sleep waits s seconds unless interrupted; returns 0, or -1 when interrupted. */
int vm_sleep(VM *vm, double s);
/* vm_interrupted says whether Ctrl-C was pressed. */
int vm_interrupted(const VM *vm);
/* vm_tostring appends v as text (as string interpolation shows it). */
void vm_tostring(const Value *v, Buf *b);

#endif
