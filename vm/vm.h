/*
** vm.h -- the rbk virtual machine: executes the Protos of a Program.
**
** All state is in a VM struct passed explicitly, so a REPL and a run can
** share one process. The VM reaches the screen and the people running
** it only through VmHost callbacks, which the command line supplies; it
** reaches the native stdlib only through the NativeFn table it is given;
** and it reaches the world (commands, the journal, notifications) only
** through the VmRuntime table, which the run layer fills in
** (run/runtime.c). So vm/ includes nothing above it, as Lua's VM reaches
** its host only through lua_State hooks.
**
** Failures (a command that exits non-zero, a failed verify, `fail`, a
** type error) travel as return codes: every function here that can fail
** returns VM_FAILED after recording the message and source position with
** vm_fail. Nothing longjmps and nothing aborts.
*/
#ifndef RBK_VM_H
#define RBK_VM_H

#include <stdint.h>

#include "../base/buf.h"
#include "program.h"
#include "value.h"

typedef struct VM VM;

/* A native function: args[0..argc) are borrowed; on success it stores an
** owned result in *out and returns 0; on failure it calls vm_fail and
** returns -1. */
typedef int (*NativeFn)(VM *vm, Value *args, int argc, Value *out);

/* How the dispatcher journals a native's calls (vm/builtins.def). */
typedef enum NativeEffect {
  NAT_PURE,    /* depends only on its arguments: not journaled */
  NAT_WORLD,   /* reads the world: journaled, replayed; done again if in doubt */
  NAT_ACT,     /* may change the world: journaled, replayed; in doubt, as a command */
  NAT_SELF     /* journals what it does itself (commands, gates, probes) */
} NativeEffect;

/* What the dispatcher checks an argument against before a call. */
typedef enum NativeArg { NA_ANY, NA_STR, NA_NUM, NA_DUR, NA_LIST } NativeArg;

#define NATIVE_MAX_ARGS 16

/* A native as the VM sees it, and the one way every native is called:
** the C builtins of the stdlib, the builtins written in rbk (a stdlib
** module's function), and `extern` C functions. CALLB C calls native C
** through one dispatcher, which checks the arity and the argument kinds,
** journals an effect (or answers it from the journal on replay), sets
** vm->native, and calls fn. Builtins written in rbk and externs share a
** generic fn (they differ in data). */
typedef struct NativeInfo {
  const char *name;
  NativeFn fn;
  uint8_t effect;                   /* NativeEffect */
  uint8_t min_args, max_args;
  uint8_t nchecked;                 /* arguments from this one on are NA_ANY: the check stops here */
  uint8_t args[NATIVE_MAX_ARGS];    /* NativeArg of each argument */
  const void *data;                 /* an extern's ExternInfo; a builtin in rbk: its proto, as intptr_t */
} NativeInfo;

typedef enum GateKind { GATE_MANUAL, GATE_ASK, GATE_APPROVE } GateKind;

typedef enum VmResult { VM_OK = 0, VM_FAILED = 1, VM_INTERRUPTED = 2, VM_PAUSED = 3 } VmResult;

/* How the VM talks to the outside. Every text handed over has had the
** values of secrets replaced by "***". Any callback may be NULL. */
typedef struct VmHost {
  void *ud;
  /* A line of a running command's output; stream 1 stdout, 2 stderr. */
  void (*on_output)(void *ud, int stream, const char *line, size_t n);
  /* A command's output has ended (it exited, or could not start): show
  ** any output held back for speed now. NULL: nothing is held back. */
  void (*on_output_end)(void *ud);
  /* A command about to run (the text that reaches /bin/sh). */
  void (*on_command)(void *ud, const char *cmd);
  /* log, notify and other messages; kind is "log", "notify" or "info". */
  void (*on_message)(void *ud, const char *kind, const char *text);
  /* About every quarter second while a command or wait runs. */
  void (*on_tick)(void *ud, double elapsed);
  /* A human gate. Return 1 for done/yes/approved, 0 for no/refused, -1
  ** when no person can answer (no terminal), -2 when the person gave no
  ** answer (end of input at the terminal). For approvals, *note may be
  ** set to a mem_alloc'd note. */
  int (*on_gate)(void *ud, GateKind kind, const char *text, const char *role, const char *person,
                 char **note);
  /* A choice among n options (e.g. rerun/skip/done for an in-doubt
  ** effect): the index chosen, or -1 when no person can answer. */
  int (*on_choice)(void *ud, const char *text, const char *const *options, int n);
} VmHost;

/* What the run layer decided about an effect (VmRuntime begin). */
typedef enum FxMode {
  FX_LIVE,       /* do the effect, then report its result with end */
  FX_REPLAYED,   /* *out holds the recorded result: do nothing */
  FX_STOP        /* the run must stop: vm_fail says why (vm->paused if it waits) */
} FxMode;

/* Bits of VmRuntime state. */
enum {
  VM_FX_WRITES = 1,      /* a journal is open: effects are recorded */
  VM_FX_REPLAYING = 2,   /* effects remain to be answered from the journal */
  VM_FX_CAN_WAIT = 4     /* a gate no one can answer here makes the run wait (rbk approve) */
};

struct Effects;   /* the run layer's journal of effects (run/effects.h); opaque here */

/* How the VM reaches the world: every effect goes through begin and end
** (done live and journaled, or answered from the journal on replay: see
** run/effects.h). The run layer's table is run/runtime.c's run_runtime.
** A VM without one (vm->rt NULL) does effects live, unrecorded, and
** cannot run commands or notify. */
typedef struct VmRuntime {
  /* begin starts effect kind/what (the unmasked text; idempotent: the
  ** step may safely do it again); end records a live effect's result
  ** (extra: "" or more "key":value fields); record appends a record of
  ** type (key, if not NULL, makes it written once across replays). end and
  ** record return 0, or -1 with vm_fail set. */
  FxMode (*begin)(VM *vm, const char *kind, const char *what, int idempotent, Value *out);
  int (*end)(VM *vm, const Value *result, const char *extra);
  int (*record)(VM *vm, const char *type, const char *key, const char *fields);
  /* The error an effect just replayed recorded (a call that failed when it
  ** ran), or NULL. */
  const char *(*replayed_error)(const VM *vm);
  /* The number the current lane's next effect will get. */
  uint64_t (*next)(const VM *vm);
  /* VM_FX_* bits. */
  int (*state)(const VM *vm);
  /* run runs the shell command cmd as the `run` statement does, under the
  ** step's deadline, streaming its output to the host: 0 when it exited
  ** 0, else -1 with vm_fail set (a non-zero status, a timeout, Ctrl-C). */
  int (*run)(VM *vm, const char *cmd);
  /* notify sends text to role (see vm_notify). */
  int (*notify)(VM *vm, const char *role, const Value *text, Buf *err);
  /* sign_gate signs a person's answer given at the terminal to gate n (in
  ** the current step) as role, whose keys sign it: answer is "approve",
  ** "refuse", "confirm", "yes" or "no"; note may be NULL. The key is the
  ** operator's ($RBK_SIGNING_KEY, else ssh-agent); the signature is
  ** verified against the role's keys. Returns 0 with the journal fields
  ** (",\"verified\":true,...") appended to extra, or -1 with why. With
  ** answer NULL it only says whether a key to try is at hand (0) or not
  ** (-1, why). NULL: answers cannot be signed here. */
  int (*sign_gate)(VM *vm, uint64_t n, const char *role, const char *answer, const char *note, Buf *extra, char *why,
                   size_t whylen);
} VmRuntime;

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
  uint32_t nG;                /* slots in G (prog->nglobals, or fewer until vm_sync_program) */
  Value *stack;               /* VM_STACK_SLOTS registers */
  Frame frames[VM_MAX_FRAMES];
  int nframes;
  NativeInfo *natives;        /* owned: the builtins, then the program's externs */
  uint32_t nnatives;
  const NativeInfo *builtins; /* the table vm_init was given (borrowed) */
  uint32_t nbuiltins;
  const NativeInfo *native;   /* the native being called (set by the dispatcher) */
  const char *state_dir;      /* where baselines are kept (baseline()); NULL: none */
  Value *probe_cache;         /* if set, one value per probe (V_UNDEF: not read yet) */
  const Buf *probe_errors;    /* with probe_cache (rbk watch): why probe i failed this round, if .n; a
                              ** probe() of it fails with that reason instead of running it again */
  struct Effects *fx;         /* the journal's effects (run/effects.h); NULL runs without one */
  const VmRuntime *rt;        /* how effects reach the world; NULL: none (see VmRuntime) */
  const char *operator_name;  /* who is running it (journaled with answers) */
  int gate_operator_may;      /* the approve being asked says 'or operator' (C operand of APPROVE) */
  int gate_need;              /* it says 'approve by N of ROLE, ...': N (0: a single role) */
  int paused;                 /* the last failure is a pause: a person must act */
  int diverged;               /* the runbook no longer matches the journal being replayed */
  VmHost host;
  const volatile int *interrupt;   /* set by the SIGINT handler; may be NULL */
  /* the step being run */
  int step;                   /* index, or -1 outside steps */
  double step_start;          /* monotonic seconds */
  double gate_waited;         /* seconds spent waiting at gates' prompts, all told */
  int undoing;                /* run_undo is running a step's undo block */
  uint8_t run_local;          /* the `run` being done is `local run` (B of OP_RUN): not on the step's host */
  const char *step_label;     /* "STEP@HOST" while a step on hosts runs on a host (run/fleet.c), else NULL */
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
  /* values never to show: every form of each (vm_add_secret), ordered
  ** by first byte and longest first; those starting with byte c are
  ** secrets[secret_at[c] .. secret_at[c + 1]) */
  Value *secrets;
  uint32_t nsecrets;
  uint32_t secret_at[257];
};

/* vm_init prepares a VM for prog (borrowed) with the given builtins, host
** and runtime (NULL: none; see VmRuntime). The VM's own native table is the builtins (copied), with those
** the program implements in rbk (prog->impls) pointed at their protos,
** followed by the program's externs (bound or not: see vm/ffi.h). */
void vm_init(VM *vm, Program *prog, const NativeInfo *natives, uint32_t nnatives, const VmHost *host,
             const VmRuntime *rt);
/* vm_sync_program catches the VM up with what its program gained since
** vm_init (the REPL compiles into it): a slot (undefined) for every new
** global, and the natives of new externs and builtins written in rbk. */
void vm_sync_program(VM *vm);
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
/* vm_fail_detail adds a line of detail (redacted) to the last failure:
** verify values, a command's stderr. */
void vm_fail_detail(VM *vm, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 2, 3)))
#endif
  ;
/* vm_add_secret remembers a value whose text must never be shown. */
void vm_add_secret(VM *vm, const Value *v);
/* vm_redact appends s to out with every secret replaced by "***". It
** finds a secret as it is, each of its lines, and the forms the VM itself
** can make of it: JSON-escaped (a list shown in a string), quoted for
** the shell (a command), and those again, up to three deep. Text about to
** be escaped (journaled, quoted, shown in a list) is masked first. */
void vm_redact(const VM *vm, const char *s, size_t n, Buf *out);
/* vm_mask is vm_redact as a ValMask, for val_show and json_put_value_masked. */
ValMask vm_mask(const VM *vm);
/* vm_show and vm_show_repr are val_to_buf and val_repr_buf with secrets
** masked in each string before it is escaped: the one way a value is
** rendered for a person, the journal or a notifier. */
void vm_show(const VM *vm, const Value *v, Buf *out);
void vm_show_repr(const VM *vm, const Value *v, Buf *out);
/* vm_gate asks a person (manual, ask, approve by role) through the
** journal: a recorded answer is replayed; without a terminal the run
** pauses (VM_PAUSED). For ask, *answer is the yes/no; fail_on_no makes a
** "no" fail the step. Returns VM_OK, VM_FAILED or VM_PAUSED. */
VmResult vm_gate(VM *vm, GateKind kind, const Value *text, const char *role, int fail_on_no, Value *answer);
/* vm_message logs or notifies through the journal (not repeated on replay). */
int vm_message(VM *vm, const char *kind, const Value *v);
/* vm_notify sends text to role through the runtime (run/notify.c): shown
** (host on_message "notify"), sent through a notifier if one is chosen,
** and journaled as one effect (not repeated on replay). role may be
** "ROLE/NOTIFIER" (notify ... via NOTIFIER), and end in "!" (required). A
** notifier that fails does not fail the caller unless required: the
** failure is journaled, shown, and written to err (if not NULL; empty
** when it worked). Returns -1 when the journal fails, a required
** notification fails, or there is no runtime. */
int vm_notify(VM *vm, const char *role, const Value *text, Buf *err);

/* vm_now returns monotonic seconds. */
double vm_now(void);
/* vm_sleep waits s seconds unless interrupted; returns 0, or -1 when interrupted. */
int vm_sleep(VM *vm, double s);
/* vm_interrupted says whether Ctrl-C was pressed. */
int vm_interrupted(const VM *vm);
/* vm_tostring appends v as text (as string interpolation shows it). */
void vm_tostring(const Value *v, Buf *b);

#endif
