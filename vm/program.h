/*
** program.h -- a compiled runbook: functions of bytecode (Protos) and the
** tables that describe the runbook around them (steps, roles, params,
** requirements, triggers, probes). The codegen builds it; `rbk compile`
** writes it to a .rbc file and the loader reads it back; the VM runs it.
**
** Ownership: a Program owns everything it points to, including its
** Source (kept so run-time errors can show the line and caret) and every
** constant Value. prog_free releases it all.
*/
#ifndef RBK_PROGRAM_H
#define RBK_PROGRAM_H

#include <stdint.h>

#include "opcodes.h"
#include "../base/source.h"
#include "value.h"

/* A function of bytecode: a fn, a step body, an undo or failure handler,
** a param default, a require block, a trigger condition or a probe. */
typedef struct Proto {
  char *name;          /* "step restore_db", "fn double", "undo stop_traffic", ... */
  Instr *code;
  uint32_t *pos;       /* source byte offset of each instruction */
  uint32_t ncode;
  Value *k;            /* constants */
  uint32_t nk;
  Source *src;         /* NULL: the program's source; else a REPL input's (in Program.chunks) */
  uint8_t nparams;     /* arguments arrive in R[0..nparams) */
  uint8_t nregs;       /* frame size */
} Proto;

/* What a VERIFY instruction needs to explain a failure. */
typedef struct VerifyInfo {
  uint32_t pos, end;   /* span of the condition */
  int16_t lhs, rhs;    /* registers holding the two sides of a comparison, or -1 */
  int16_t msg;         /* register holding the message, or -1 */
} VerifyInfo;

typedef struct RoleInfo {
  char *name, *person;
  char **keys, **vals; /* contact fields */
  uint32_t ncontacts;
} RoleInfo;

typedef struct StepInfo {
  char *name;
  char *title;         /* "" when none; its source text ("Rollback (${s})") when title_fn computes it */
  int32_t title_fn;    /* proto computing the title from params (run_params sets title), or -1 */
  uint32_t pos;        /* where the step is declared */
  int32_t owner;       /* role index, or -1 */
  int32_t body;        /* proto index */
  int32_t undo, onfail;/* proto index, or -1 */
  double expect;       /* planned seconds if constant, else -1 (expect_fn sets it) */
  double timeout;      /* seconds if constant, else -1 (timeout_fn sets it, and the body) */
  int32_t expect_fn, timeout_fn;   /* protos computing them from params (run_resolve), or -1 */
  uint8_t idempotent;
  char *irreversible;  /* reason, or NULL */
  uint32_t *after;     /* indices of earlier steps */
  uint32_t nafter;
  /* `on GROUP serial N parallel N max_fail N canary N` (run/fleet.c) */
  uint32_t on_group;   /* 1 + its index in Program.groups; 0: the step runs on the control machine */
  double serial;       /* batch size: hosts, or percent when serial_pct; 0: all hosts in one batch */
  uint8_t serial_pct, max_fail_pct;
  double max_fail;     /* failure budget: hosts, or percent when max_fail_pct */
  uint32_t parallel;   /* hosts at once inside a batch (1: one after the other) */
  uint32_t canary;     /* a first batch of this many hosts, 0: none */
  int32_t between;     /* proto run before every batch but the first (`on batch`); -1 or unused when on_group is 0 */
} StepInfo;

/* `hosts NAME = EXPR`: a hosts group, resolved once when the run starts. */
typedef struct GroupInfo {
  char *name;
  uint32_t global;     /* its slot in G: the resolved list of host maps */
  int32_t init;        /* proto computing the list */
} GroupInfo;

typedef struct ParamInfo {
  char *name;
  uint32_t global;     /* its slot in G */
  uint8_t secret;
  int32_t init;        /* proto computing the default, or -1 (required) */
} ParamInfo;

typedef struct RequireInfo {
  char *name;          /* its source text when name_fn computes it (see StepInfo.title) */
  int32_t name_fn;     /* proto computing the name from params, or -1 */
  int32_t owner;
  int32_t body;
} RequireInfo;

typedef struct TriggerInfo {
  char *name;
  uint8_t severity;    /* 0 critical, 1 major, 2 minor */
  int32_t cond;        /* proto */
  double hold;         /* the `for` duration in seconds, 0 for none */
  int32_t hold_fn;     /* proto computing the `for` duration from params (run_params sets hold), or -1 */
  uint32_t pos, end;   /* the condition's span in the source (rbk watch shows it) */
} TriggerInfo;

typedef struct ProbeInfo {
  char *name;
  int32_t body;
} ProbeInfo;

/* Parameters an extern may have: a native's signature holds at most this many. */
#define EXTERN_MAX_PARAMS 16

/* An `extern` declaration: a C function, bound when a run starts (vm/ffi.h). */
typedef struct ExternInfo {
  char *lib, *name;    /* the library as written ("libc.so.6") and the symbol */
  char *module;        /* the stdlib module that declares it, or NULL: the runbook */
  uint32_t pos, end;   /* the library string in the source (module externs: 0, 0) */
  uint32_t name_pos, name_end;
  uint8_t nparams;
  uint8_t params[EXTERN_MAX_PARAMS];   /* FfiType of each C parameter */
  uint8_t result;                      /* FfiType */
  void *binding;       /* owned: set by ffi_bind, released by prog_free through unbind */
  void (*unbind)(struct ExternInfo *e);   /* set with binding (vm/ffi.c's ffi_unbind) */
} ExternInfo;

/* A builtin written in rbk (a function of a stdlib module, stdlib/NAME.rbk):
** calling builtin `builtin` runs proto `proto`, through the same native
** dispatcher as every builtin, so it is journaled as one effect. */
typedef struct ImplInfo {
  uint32_t builtin;
  int32_t proto;
} ImplInfo;

/* What `rbk watch` starts when a critical trigger fires. */
typedef enum BackoutKind { BACKOUT_NONE, BACKOUT_UNDO, BACKOUT_RUN } BackoutKind;

typedef struct Program {
  Source *src;                 /* owned */
  uint8_t src_sha256[32];
  char *title, *version;       /* "" when absent */
  int32_t owner;               /* role index or -1 */
  int32_t plan_approver;       /* `require approval by ROLE`: role index, or -1 */
  double window;               /* seconds, or -1 */
  Proto **protos;      uint32_t nprotos;
  StepInfo *steps;     uint32_t nsteps;
  RoleInfo *roles;     uint32_t nroles;
  ParamInfo *params;   uint32_t nparams;
  RequireInfo *reqs;   uint32_t nreqs;
  TriggerInfo *triggers; uint32_t ntriggers;
  ProbeInfo *probes;   uint32_t nprobes;
  VerifyInfo *verifies; uint32_t nverifies;
  char **globals;      uint32_t nglobals;   /* names of G slots */
  uint32_t nbuiltins;          /* builtins this program was compiled against */
  ExternInfo *externs; uint32_t nexterns;  /* CALLB nbuiltins + i calls extern i */
  ImplInfo *impls;     uint32_t nimpls;
  int32_t notifier;            /* proto run for each notification, or -1 (see vm_notify) */
  uint8_t backout;             /* BackoutKind: `on critical undo` or `on critical run "F"` */
  char *backout_file;          /* BACKOUT_RUN: the runbook to run, else NULL */
  GroupInfo *groups;   uint32_t ngroups;   /* hosts groups (fleets) */
  Source **chunks;     uint32_t nchunks;    /* REPL inputs compiled into it (owned; never in a .rbc) */
} Program;

/* proto_free releases one Proto and its constants (not its src). */
void proto_free(Proto *f);
/* prog_free releases p and everything it owns (p itself too). */
void prog_free(Program *p);
/* prog_find_step returns the index of the step called name, or -1. */
int prog_find_step(const Program *p, const char *name);
/* prog_find_role returns the index of the role called name, or -1. */
int prog_find_role(const Program *p, const char *name);

/* prog_step_hash writes the SHA-256 (hex) of step i's source, from its
** declaration to the next step's: what a CAB approval and a resume compare. */
void prog_step_hash(const Program *p, uint32_t i, char hex[65]);

#endif
