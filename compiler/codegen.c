/*
** codegen.c -- turning a checked syntax tree into register bytecode.
** One pass per function, in the manner of Lua's lcode.c: an expression is
** compiled into a target register; temporaries are allocated above the
** active locals and released when the statement ends. Conditions compile
** to jumps (cond_jump) so `and`, `or`, `not` and comparisons never build
** booleans they do not need.
*/
#include "codegen.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "modules.h"
#include "../vm/ffi.h"
#include "../base/ptrmap.h"
#include "../base/shquote.h"
#include "../base/sshkey.h"
#include "astq.h"
#include "check.h"
#include "../grammar/parse.h"

typedef struct Local {
  const char *name;
  int reg;
} Local;

typedef struct FnState {
  Proto *p;
  uint32_t code_cap, k_cap;
  uint32_t *kslot;       /* constants by hash: 1 + index in p->k, 0 for empty */
  uint32_t nkslot;       /* a power of two, at least twice p->nk */
  int freereg;           /* first free register */
  int maxreg;
  Local locals[MAX_REGS];
  int nlocals;
  int step_top;          /* statements here are at a step's top level: lets become globals */
  uint32_t pos;          /* source offset recorded with each instruction */
} FnState;

typedef struct Gen {
  Ast *ast;
  Program *prog;
  Diags *d;
  FnState *fs;
  PtrMap globals;        /* name -> 1 + global index */
  PtrMap fns;            /* name -> 1 + proto index */
  PtrMap builtins;       /* name -> 1 + native index: a builtin, or nbuiltins + an extern */
  PtrMap roles;          /* name -> 1 + role index */
  PtrMap steps;          /* name -> 1 + step index (the first of that name), for `after` */
  uint32_t protos_cap, globals_cap, verifies_cap;
  int failed;
  /* codegen_check: each function's code is thrown away when it closes.
  ** Its code, positions and constants live in these buffers, reused by
  ** the next function, and its string constants in karena. */
  int discard;
  Instr *scode;
  uint32_t *spos;
  Value *sk;
  uint32_t scode_cap, sk_cap;
  uint32_t *skslot;      /* a cleared constant hash, and its size */
  uint32_t snkslot;
  Arena karena;          /* protos and names, until the end */
  Arena kstrs;           /* string constants, dropped when they pass 64 KB at a function's end */
  int module;            /* compiling a stdlib module: no source positions (errors show the call) */
  const char *modules[8];/* stdlib modules the program needs (compiler/modules.def) */
  int nmodules;
} Gen;

#define GROW(arr, n) ((arr) = mem_realloc((arr), ((n) + 1) * sizeof *(arr)))

/* gen_strdup copies s for the Program: its own block (program.h), or in
** g->karena when the Program is thrown away (codegen_check). */
static char *gen_strdup(Gen *g, const char *s) {
  return g->discard ? arena_strndup(&g->karena, s, strlen(s)) : mem_strdup(s);
}

/* ---- errors ---------------------------------------------------------- */

static void limit(Gen *g, const Node *n, const char *what) {
  if (!g->failed)
    diag_add(g->d, SEV_ERROR, "limit", g->ast->src, n->span.pos, n->span.end,
             "%s: too many %s in one function", g->fs && g->fs->p ? g->fs->p->name : "program", what);
  g->failed = 1;
}

/* limit_here reports a limit at the source position of the instruction
** being emitted (fs->pos), for checks made where no syntax node is at hand. */
static void limit_here(Gen *g, const char *msg) {
  uint32_t pos = g->fs ? g->fs->pos : 0;
  if (!g->failed)
    diag_add(g->d, SEV_ERROR, "limit", g->ast->src, pos, pos, "%s: %s",
             g->fs && g->fs->p ? g->fs->p->name : "program", msg);
  g->failed = 1;
}

/* ---- emitting -------------------------------------------------------- */

static inline uint32_t emit(Gen *g, Instr i) {
  FnState *fs = g->fs;
  Proto *p = fs->p;
  if (p->ncode == fs->code_cap) {
    size_t cap = fs->code_cap;
    p->code = mem_grow(p->code, &cap, p->ncode + 1, sizeof *p->code);
    p->pos = mem_realloc(p->pos, cap * sizeof *p->pos);
    fs->code_cap = (uint32_t)cap;
  }
  p->code[p->ncode] = i;
  p->pos[p->ncode] = g->module ? 0 : fs->pos;
  return p->ncode++;
}

static uint32_t here(Gen *g) { return g->fs->p->ncode; }

/* The checked emitters: an operand that does not fit its field is a
** located error, never a silently truncated index (MK_* drop high bits).
** The refused instruction is still emitted, as a NOP, so that the pcs
** held for patching stay valid until the compilation is abandoned. */
static uint32_t emit_abc(Gen *g, OpCode op, int a, int b, int c) {
  if ((unsigned)(a | b | c) > 255) {   /* one of them is negative or over 255 */
    char msg[128];
    snprintf(msg, sizeof msg, "an operand of %s (%d, %d, %d) does not fit its one-byte field", op_name(op), a, b,
             c);
    limit_here(g, msg);
    return emit(g, MK_ABC(OP_NOP, 0, 0, 0));
  }
  return emit(g, MK_ABC(op, a, b, c));
}

/* what_bx names what a Bx operand counts, for the limit message. */
static const char *what_bx(OpCode op) {
  switch (op) {
    case OP_LOADK: return "constants in one function";
    case OP_LOADFN: return "functions in one program";
    case OP_VERIFY: return "verify statements in one program";
    default: return "variables, params and secrets in one program";   /* GETG, SETG */
  }
}

static uint32_t emit_abx(Gen *g, OpCode op, int a, size_t bx) {
  if (a < 0 || a > 255) return emit_abc(g, op, a, 0, 0);
  if (bx > MAX_Bx) {
    char msg[128];
    snprintf(msg, sizeof msg, "too many %s (at most %u)", what_bx(op), MAX_Bx + 1);
    limit_here(g, msg);
    return emit(g, MK_ABC(OP_NOP, 0, 0, 0));
  }
  return emit(g, MK_ABx(op, a, bx));
}

/* emit_asbx emits a jump with a register operand; patch sets its offset. */
static uint32_t emit_asbx(Gen *g, OpCode op, int a) {
  if (a < 0 || a > 255) return emit_abc(g, op, a, 0, 0);
  return emit(g, MK_AsBx(op, a, 0));
}

static uint32_t emit_jump(Gen *g) { return emit(g, MK_sJ(OP_JMP, 0)); }

/* patch points the jump at pc `at` to `target`. */
static void patch(Gen *g, uint32_t at, uint32_t target) {
  Instr *i = &g->fs->p->code[at];
  int64_t off = (int64_t)target - ((int64_t)at + 1);
  OpCode op = GET_OP(*i);
  int64_t max = op == OP_JMP ? MAX_sJ : MAX_sBx;
  if (op == OP_NOP) return;   /* stands for an instruction already refused */
  if (off < -max || off > max) {
    char msg[128];
    snprintf(msg, sizeof msg, "a %s over %" PRId64 " instructions is longer than %s can reach (%" PRId64 ")",
             op == OP_JMP ? "jump" : "loop or branch", off < 0 ? -off : off, op_name(op), max);
    limit_here(g, msg);
    return;
  }
  if (op == OP_JMP) *i = MK_sJ(OP_JMP, (int)off);
  else *i = MK_AsBx(op, GET_A(*i), (int)off);
}

/* A list of jumps to patch later, chained through a small array. */
typedef struct Jumps {
  uint32_t at[64];   /* conditions are short; more branches is a limit error */
  int n;
} Jumps;

static void jl_add(Gen *g, Jumps *j, uint32_t at, const Node *n) {
  if (j->n == 64) {
    limit(g, n, "branches in one condition");
    return;
  }
  j->at[j->n++] = at;
}

static void jl_patch(Gen *g, Jumps *j, uint32_t target) {
  int i;
  for (i = 0; i < j->n; i++) patch(g, j->at[i], target);
  j->n = 0;
}

static int alloc_reg(Gen *g, const Node *n) {
  FnState *fs = g->fs;
  if (fs->freereg >= MAX_REGS) {
    limit(g, n, "registers (values alive at once)");
    return MAX_REGS - 1;
  }
  fs->freereg++;
  if (fs->freereg > fs->maxreg) fs->maxreg = fs->freereg;
  return fs->freereg - 1;
}

/* k_mix hashes n bytes a word at a time (the hash is only the table's:
** it never reaches the bytecode, where constants keep their first-use
** order). */
static uint32_t k_mix(uint64_t h, const unsigned char *s, size_t n) {
  uint64_t w, len = n;
  for (; n >= 8; s += 8, n -= 8) {
    memcpy(&w, s, 8);
    h = (h ^ w) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
  }
  for (w = 0; n; n--) w = w << 8 | s[n - 1];   /* the last 0-7 bytes (n is 0 after) */
  h = (h ^ w ^ ((uint64_t)len << 56)) * 0x9E3779B97F4A7C15ull;
  return (uint32_t)(h ^ (h >> 32));
}

/* k_hash hashes a constant so that val_equal values hash alike (0 and
** -0 are equal numbers, so they share a hash). */
static uint32_t k_hash(const Value *v) {
  double d;
  if (v->t == V_STR) return k_mix(V_STR, (const unsigned char *)AS_STR(*v)->s, AS_STR(*v)->len);
  if (v->t == V_NUM || v->t == V_DUR) {
    d = v->u.n == 0 ? 0 : v->u.n;
    return k_mix(v->t, (const unsigned char *)&d, sizeof d);
  }
  if (v->t == V_BOOL) return k_mix(v->t, (const unsigned char *)&v->u.b, sizeof v->u.b);
  if (v->t == V_FN) return k_mix(v->t, (const unsigned char *)&v->u.fn, sizeof v->u.fn);
  return k_mix(v->t, NULL, 0);
}

/* k_slot returns the slot of fs->kslot where v is, or where it would go. */
static uint32_t *k_slot(FnState *fs, const Value *v) {
  uint32_t mask = fs->nkslot - 1, i = k_hash(v) & mask;
  for (;; i = (i + 1) & mask) {
    uint32_t k = fs->kslot[i];
    if (k == 0 || (fs->p->k[k - 1].t == v->t && val_equal(&fs->p->k[k - 1], v))) return &fs->kslot[i];
  }
}

/* k_reserve makes room in the hash for one more constant: at most half full. */
static inline void k_reserve(FnState *fs) {
  Proto *p = fs->p;
  uint32_t i;
  if ((p->nk + 1) * 2 > fs->nkslot) {
    uint32_t n = fs->nkslot ? fs->nkslot * 2 : 64;
    mem_free(fs->kslot);
    fs->kslot = mem_calloc(n * sizeof *fs->kslot);
    fs->nkslot = n;
    for (i = 0; i < p->nk; i++) *k_slot(fs, &p->k[i]) = i + 1;
  }
}

/* k_append adds v as the function's next constant, in *slot. */
static inline uint32_t k_append(FnState *fs, uint32_t *slot, Value v) {
  Proto *p = fs->p;
  if (p->nk == fs->k_cap) {
    size_t cap = fs->k_cap;
    p->k = mem_grow(p->k, &cap, p->nk + 1, sizeof *p->k);
    fs->k_cap = (uint32_t)cap;
  }
  p->k[p->nk] = v;
  *slot = p->nk + 1;
  return p->nk++;
}

/* add_kstr returns the index of the string constant s[0..n), adding it
** if it is new. owned is nil, or a string of those bytes (consumed): it
** becomes the constant, else a copy is made only when the string is new
** (in g->kstrs when the code is to be thrown away). */
static uint32_t add_kstr(Gen *g, const char *s, size_t n, Value owned) {
  FnState *fs = g->fs;
  uint32_t mask, i, *slot;
  Value v;
  k_reserve(fs);
  mask = fs->nkslot - 1;
  for (i = k_mix(V_STR, (const unsigned char *)s, n) & mask;; i = (i + 1) & mask) {
    uint32_t k = fs->kslot[i];
    const Value *c;
    if (k == 0) break;
    c = &fs->p->k[k - 1];
    if (c->t == V_STR && AS_STR(*c)->len == n && memcmp(AS_STR(*c)->s, s, n) == 0) {
      val_release(owned);
      return k - 1;
    }
  }
  slot = &fs->kslot[i];
  if (g->discard) {
    Str *a = arena_alloc(&g->kstrs, sizeof *a + n + 1);
    a->h.rc = 1;   /* never released: the arena goes whole (close_fn, codegen_check) */
    a->h.type = V_STR;
    a->len = (uint32_t)n;
    if (n) memcpy(a->s, s, n);
    a->s[n] = '\0';
    val_release(owned);
    v.t = V_STR;
    v.u.o = &a->h;
  } else {
    v = owned.t == V_STR ? owned : val_str_new(s, n);
  }
  return k_append(fs, slot, v);
}

/* add_k returns the index of constant v in the function, adding it if it
** is new (v is consumed). The hash keeps a function of many constants
** linear to compile; add_k does not limit the count: the instruction
** that uses the index checks that it fits. */
static uint32_t add_k(Gen *g, Value v) {
  FnState *fs = g->fs;
  uint32_t *slot;
  if (v.t == V_STR) return add_kstr(g, AS_STR(v)->s, AS_STR(v)->len, v);
  k_reserve(fs);
  slot = k_slot(fs, &v);
  if (*slot) {
    val_release(v);
    return *slot - 1;
  }
  return k_append(fs, slot, v);
}

static uint32_t k_str(Gen *g, const char *s, size_t n) { return add_kstr(g, s, n, val_nil()); }

/* ---- functions ------------------------------------------------------- */

static int new_proto(Gen *g, const char *kind, const char *name) {
  Program *pr = g->prog;
  size_t nk = strlen(kind), nn = name ? strlen(name) : 0, sz = nk + (name ? 1 + nn : 0) + 1;
  Proto *p = g->discard ? arena_alloc(&g->karena, sizeof *p) : mem_alloc(sizeof *p);
  memset(p, 0, sizeof *p);
  p->name = g->discard ? arena_alloc(&g->karena, sz) : mem_alloc(sz);   /* "KIND NAME" or "KIND" */
  memcpy(p->name, kind, nk);
  if (name) {
    p->name[nk] = ' ';
    memcpy(p->name + nk + 1, name, nn);
    nk += 1 + nn;
  }
  p->name[nk] = '\0';
  if (pr->nprotos == g->protos_cap) {
    size_t cap = g->protos_cap;
    pr->protos = mem_grow(pr->protos, &cap, pr->nprotos + 1, sizeof *pr->protos);
    g->protos_cap = (uint32_t)cap;
  }
  pr->protos[pr->nprotos] = p;
  return (int)pr->nprotos++;
}

static void open_fn(Gen *g, FnState *fs, int proto) {
  memset(fs, 0, offsetof(FnState, locals));   /* locals[] is read only below nlocals */
  fs->nlocals = 0;
  fs->step_top = 0;
  fs->pos = 0;
  fs->p = g->prog->protos[proto];
  g->fs = fs;
  if (g->discard) {   /* borrow the buffers the last function gave back */
    fs->kslot = g->skslot;
    fs->nkslot = g->snkslot;
    g->skslot = NULL;
    g->snkslot = 0;
    fs->p->code = g->scode;
    fs->p->pos = g->spos;
    fs->p->k = g->sk;
    fs->code_cap = g->scode_cap;
    fs->k_cap = g->sk_cap;
  }
}

static void close_fn(Gen *g) {
  FnState *fs = g->fs;
  int r = fs->freereg;
  if (r >= MAX_REGS) r = MAX_REGS - 1;
  if (fs->maxreg < r + 1) fs->maxreg = r + 1;
  emit_abc(g, OP_LOADNIL, r, 0, 0);
  emit_abc(g, OP_RET, r, 0, 0);
  fs->p->nregs = (uint8_t)(fs->maxreg > MAX_REGS ? MAX_REGS : fs->maxreg);
  if (g->discard && fs->kslot && fs->nkslot <= 1024) {   /* keep a small hash for the next function, cleared */
    memset(fs->kslot, 0, fs->nkslot * sizeof *fs->kslot);
    g->skslot = fs->kslot;
    g->snkslot = fs->nkslot;
  } else {
    mem_free(fs->kslot);
  }
  fs->kslot = NULL;
  g->fs = NULL;
  if (g->discard && g->kstrs.total > 64 * 1024) {   /* the constants are numbers or in kstrs */
    arena_free(&g->kstrs);
    arena_init(&g->kstrs);
  }
  if (g->discard) {   /* give the buffers back */
    g->scode = fs->p->code;
    g->spos = fs->p->pos;
    g->sk = fs->p->k;
    g->scode_cap = fs->code_cap;
    g->sk_cap = fs->k_cap;
    fs->p->code = NULL;
    fs->p->pos = NULL;
    fs->p->k = NULL;
    fs->p->ncode = fs->p->nk = 0;
  }
}

static int find_local(FnState *fs, const char *name) {
  int i;
  for (i = fs->nlocals - 1; i >= 0; i--)
    if (fs->locals[i].name == name) return fs->locals[i].reg;
  return -1;
}

static void add_local(Gen *g, const Node *name, int reg) {
  FnState *fs = g->fs;
  if (fs->nlocals == MAX_REGS) {
    limit(g, name, "local variables");
    return;
  }
  fs->locals[fs->nlocals].name = name->str;
  fs->locals[fs->nlocals].reg = reg;
  fs->nlocals++;
}

static uint32_t global_index(Gen *g, const char *name) {
  uintptr_t v = (uintptr_t)ptrmap_get(&g->globals, name);
  Program *pr = g->prog;
  if (v) return (uint32_t)(v - 1);
  if (pr->nglobals == g->globals_cap) {
    size_t cap = g->globals_cap;
    pr->globals = mem_grow(pr->globals, &cap, pr->nglobals + 1, sizeof *pr->globals);
    g->globals_cap = (uint32_t)cap;
  }
  pr->globals[pr->nglobals] = gen_strdup(g, name);
  ptrmap_put(&g->globals, name, (void *)(uintptr_t)(pr->nglobals + 1));
  return pr->nglobals++;
}

/* ---- expressions ----------------------------------------------------- */

static void exp2reg(Gen *g, Node *n, int reg);
static void cond_jump(Gen *g, Node *n, int sense, Jumps *out);
static void sample(Gen *g, Node *n, int reg);

/* exp2anyreg returns a register holding n's value: a local's own
** register when n names one, else a new temporary. */
static int exp2anyreg(Gen *g, Node *n) {
  int r;
  if (n->kind == N_NAME && (r = find_local(g->fs, n->str)) >= 0) return r;
  r = alloc_reg(g, n);
  exp2reg(g, n, r);
  return r;
}

static int is_const_num(const Node *n) { return n->kind == N_NUM || n->kind == N_DUR; }

static Value const_value(const Node *n) {
  return n->kind == N_DUR ? val_dur(n->num) : val_num(n->num);
}

static int is_raw(const Node *n) {
  return n->kind == N_CALL && n->a->kind == N_NAME && strcmp(n->a->str, "raw") == 0;
}

/* template compiles "...${x}..." into reg. In a command, every
** interpolated value is quoted as one shell word for the quoting context
** it lands in; raw(x) is spliced as it is. */
static void template(Gen *g, Node *n, int reg, int command) {
  int base = g->fs->freereg, count = 0;
  ShScan st;
  Node *p;
  sh_scan_init(&st);
  for (p = n->a; p; p = p->next) count++;
  for (p = n->a; p; p = p->next) {
    int r = alloc_reg(g, p);
    uint32_t save = g->fs->pos;
    g->fs->pos = p->span.pos;
    if (p->kind == N_STR) {
      emit_abx(g, OP_LOADK, r, k_str(g, p->str, p->len));
      if (command) sh_scan(&st, p->str, p->len);
    } else if (command && is_raw(p)) {
      exp2reg(g, p->b, r);
    } else {
      exp2reg(g, p, r);
      if (command && st.ctx == SHQ_UNSAFE) {
        Diag *dg = diag_add(g->d, SEV_ERROR, "command-unsafe", g->ast->src, p->span.pos, p->span.end,
                            "a value interpolated into %s cannot be quoted safely", st.why);
        diag_hint(dg, "move it out, as a separate argument: the shell would read parts of the "
                      "value as code there");
        g->failed = 1;
      }
      if (command) emit_abc(g, OP_SHQUOTE, r, r, st.ctx);
    }
    g->fs->pos = save;
  }
  if (count > 255) limit(g, n, "parts in one string");
  emit_abc(g, OP_CONCAT, reg, base, count);
  g->fs->freereg = base;
}

/* command compiles the argument of run/sh/status: a string written in
** place, a template (quoted), or raw(x). */
static void command(Gen *g, Node *n, int reg) {
  if (n->kind == N_TMPL) template(g, n, reg, 1);
  else if (is_raw(n)) exp2reg(g, n->b, reg);
  else exp2reg(g, n, reg);
}

/* need_module notes that the program calls a builtin written in rbk. */
static void need_module(Gen *g, const char *m) {
  int i;
  for (i = 0; i < g->nmodules; i++)
    if (strcmp(g->modules[i], m) == 0) return;
  if (g->nmodules < (int)(sizeof g->modules / sizeof g->modules[0])) g->modules[g->nmodules++] = m;
}

static void call(Gen *g, Node *n, int reg) {
  Node *callee = n->a, *arg;
  int base = g->fs->freereg, argc = 0, r;
  uintptr_t bi = callee->kind == N_NAME ? (uintptr_t)ptrmap_get(&g->builtins, callee->str) : 0;
  uintptr_t fi = callee->kind == N_NAME ? (uintptr_t)ptrmap_get(&g->fns, callee->str) : 0;
  if (callee->kind == N_NAME && find_local(g->fs, callee->str) >= 0) bi = fi = 0;
  if (bi) {
    int cmd = strcmp(callee->str, "run") == 0 || strcmp(callee->str, "sh") == 0 ||
              strcmp(callee->str, "status") == 0;
    const char *m = bi - 1 < g->prog->nbuiltins ? check_builtin_module(callee->str) : NULL;
    if (m) need_module(g, m);
    for (arg = n->b; arg; arg = arg->next, argc++) {
      r = alloc_reg(g, arg);
      if (cmd && argc == 0) command(g, arg, r);
      else exp2reg(g, arg, r);
    }
    if (argc == 0) alloc_reg(g, n);   /* the result needs a register */
    g->fs->pos = n->span.pos;
    emit_abc(g, OP_CALLB, base, argc, bi - 1);
  } else {
    r = alloc_reg(g, n);
    if (fi) emit_abx(g, OP_LOADFN, r, fi - 1);
    else exp2reg(g, callee, r);
    for (arg = n->b; arg; arg = arg->next, argc++) exp2reg(g, arg, alloc_reg(g, arg));
    g->fs->pos = n->span.pos;
    emit_abc(g, OP_CALL, base, argc, 0);
  }
  if (reg != base) emit_abc(g, OP_MOVE, reg, base, 0);
  g->fs->freereg = base;
}

/* small_int: n is a number literal that is a whole number from lo to hi
** (an immediate operand: MIN_IMM..MAX_IMM, opcodes.h, or MODI's 1..255);
** *v is it. */
static int small_int(const Node *n, int lo, int hi, int *v) {
  if (n->kind != N_NUM || !(n->num >= lo && n->num <= hi) || n->num != (double)(int)n->num) return 0;
  *v = (int)n->num;
  return 1;
}

/* arith_imm emits ADDI, SUBI or MODI when the right operand is a small
** whole number, as Lua's ADDI: no constant to load or check at run time. */
static int arith_imm(Gen *g, Node *n, int reg) {
  int v, base = g->fs->freereg, l;
  OpCode op;
  if (n->op == AOP_MOD && small_int(n->b, 1, 255, &v)) op = OP_MODI;
  else if (n->op == AOP_ADD && small_int(n->b, MIN_IMM, MAX_IMM, &v)) op = OP_ADDI;
  else if (n->op == AOP_SUB && small_int(n->b, MIN_IMM, MAX_IMM, &v)) op = OP_SUBI;
  else return 0;
  l = exp2anyreg(g, n->a);
  g->fs->pos = n->span.pos;
  emit_abc(g, op, reg, l, op == OP_MODI ? v : MK_sB(v));
  g->fs->freereg = base;
  return 1;
}

static void arith(Gen *g, Node *n, int reg) {
  static const OpCode rr[] = {[AOP_ADD] = OP_ADD, [AOP_SUB] = OP_SUB, [AOP_MUL] = OP_MUL,
                              [AOP_DIV] = OP_DIV, [AOP_MOD] = OP_MOD};
  static const OpCode rk[] = {[AOP_ADD] = OP_ADDK, [AOP_SUB] = OP_SUBK, [AOP_MUL] = OP_MULK,
                              [AOP_DIV] = OP_DIVK, [AOP_MOD] = OP_MODK};
  int base = g->fs->freereg;
  int l;
  if (arith_imm(g, n, reg)) return;
  l = exp2anyreg(g, n->a);
  if (is_const_num(n->b)) {
    uint32_t k = add_k(g, const_value(n->b));
    if (k <= 255) {
      g->fs->pos = n->span.pos;
      emit_abc(g, rk[n->op], reg, l, k);
      g->fs->freereg = base;
      return;
    }
  }
  {
    int r = exp2anyreg(g, n->b);
    g->fs->pos = n->span.pos;
    emit_abc(g, rr[n->op], reg, l, r);
  }
  g->fs->freereg = base;
}

static int is_comparison(const Node *n) {
  return n->kind == N_BINARY && (n->op == AOP_EQ || n->op == AOP_NE || n->op == AOP_LT || n->op == AOP_LE ||
                                 n->op == AOP_GT || n->op == AOP_GE);
}

/* compare emits a comparison of registers or a register and a constant,
** followed by the JMP it controls; the jump is taken when the comparison
** equals `sense`. */
static void compare_regs(Gen *g, Node *n, int l, int r, int sense, Jumps *out) {
  OpCode op;
  int a = l, b = r, c = sense;
  switch (n->op) {
    case AOP_EQ: op = OP_EQ; break;
    case AOP_NE: op = OP_EQ; c = !sense; break;
    case AOP_LT: op = OP_LT; break;
    case AOP_LE: op = OP_LE; break;
    case AOP_GT: op = OP_LT; a = r; b = l; break;
    default: op = OP_LE; a = r; b = l; break;   /* GE */
  }
  g->fs->pos = n->span.pos;
  emit_abc(g, op, a, b, c);
  jl_add(g, out, emit_jump(g), n);
}

/* compare_imm emits EQI, LTI, LEI, GTI or GEI when the right operand is
** a small whole number (Lua's EQI and friends). */
static int compare_imm(Gen *g, Node *n, int sense, Jumps *out) {
  int v, base = g->fs->freereg, l;
  OpCode op;
  if (!small_int(n->b, MIN_IMM, MAX_IMM, &v)) return 0;
  op = n->op == AOP_EQ || n->op == AOP_NE ? OP_EQI
       : n->op == AOP_LT ? OP_LTI : n->op == AOP_LE ? OP_LEI : n->op == AOP_GT ? OP_GTI : OP_GEI;
  l = exp2anyreg(g, n->a);
  g->fs->pos = n->span.pos;
  emit_abc(g, op, l, MK_sB(v), n->op == AOP_NE ? !sense : sense);
  jl_add(g, out, emit_jump(g), n);
  g->fs->freereg = base;
  return 1;
}

static void compare(Gen *g, Node *n, int sense, Jumps *out) {
  int base = g->fs->freereg;
  int l;
  Node *rhs = n->b;
  if (compare_imm(g, n, sense, out)) return;
  l = exp2anyreg(g, n->a);
  if (is_const_num(rhs) || rhs->kind == N_STR || rhs->kind == N_BOOL || rhs->kind == N_NIL) {
    Value v = rhs->kind == N_STR ? val_str_new(rhs->str, rhs->len)
              : rhs->kind == N_BOOL ? val_bool(rhs->op)
              : rhs->kind == N_NIL ? val_nil() : const_value(rhs);
    uint32_t k = add_k(g, v);
    if (k <= 255 && (n->op == AOP_EQ || n->op == AOP_NE || is_const_num(rhs))) {
      OpCode op = n->op == AOP_EQ || n->op == AOP_NE ? OP_EQK
                  : n->op == AOP_LT ? OP_LTK : n->op == AOP_LE ? OP_LEK : n->op == AOP_GT ? OP_GTK : OP_GEK;
      g->fs->pos = n->span.pos;
      emit_abc(g, op, l, k, n->op == AOP_NE ? !sense : sense);
      jl_add(g, out, emit_jump(g), n);
      g->fs->freereg = base;
      return;
    }
  }
  compare_regs(g, n, l, exp2anyreg(g, rhs), sense, out);
  g->fs->freereg = base;
}

/* cond_jump compiles n as a condition: control reaches the jumps in
** `out` when truthy(n) == sense, and falls through otherwise. */
static void cond_jump(Gen *g, Node *n, int sense, Jumps *out) {
  if (n->kind == N_UNARY && n->op == AOP_NOT) {
    cond_jump(g, n->a, !sense, out);
  } else if (n->kind == N_BINARY && (n->op == AOP_AND || n->op == AOP_OR)) {
    int is_and = n->op == AOP_AND;
    if (sense != is_and) {
      /* and/false, or/true: either side decides */
      cond_jump(g, n->a, sense, out);
      cond_jump(g, n->b, sense, out);
    } else {
      Jumps skip = {{0}, 0};
      cond_jump(g, n->a, !sense, &skip);
      cond_jump(g, n->b, sense, out);
      jl_patch(g, &skip, here(g));
    }
  } else if (n->kind == N_BOOL) {
    if (n->op == sense) jl_add(g, out, emit_jump(g), n);
  } else if (is_comparison(n)) {
    compare(g, n, sense, out);
  } else {
    int base = g->fs->freereg;
    int r = exp2anyreg(g, n);
    g->fs->pos = n->span.pos;
    emit_abc(g, OP_TEST, r, 0, sense);
    jl_add(g, out, emit_jump(g), n);
    g->fs->freereg = base;
  }
}

/* bool_value materialises a condition into reg. */
static void bool_value(Gen *g, Node *n, int reg) {
  Jumps t = {{0}, 0};
  uint32_t j;
  cond_jump(g, n, 1, &t);
  emit_abc(g, OP_LOADBOOL, reg, 0, 0);
  j = emit_jump(g);
  jl_patch(g, &t, here(g));
  emit_abc(g, OP_LOADBOOL, reg, 1, 0);
  patch(g, j, here(g));
}

static void exp2reg(Gen *g, Node *n, int reg) {
  FnState *fs = g->fs;
  uint32_t save = fs->pos;
  int r, base = fs->freereg;
  fs->pos = n->span.pos;
  switch (n->kind) {
    case N_NUM: case N_DUR:
      emit_abx(g, OP_LOADK, reg, add_k(g, const_value(n)));
      break;
    case N_STR: emit_abx(g, OP_LOADK, reg, k_str(g, n->str, n->len)); break;
    case N_BOOL: emit_abc(g, OP_LOADBOOL, reg, n->op, 0); break;
    case N_NIL: emit_abc(g, OP_LOADNIL, reg, 0, 0); break;
    case N_TMPL: template(g, n, reg, 0); break;
    case N_LIST: {
      Node *p;
      int count = 0;
      for (p = n->a; p; p = p->next, count++) exp2reg(g, p, alloc_reg(g, p));
      if (count > 255) limit(g, n, "items in one list");
      emit_abc(g, OP_NEWLIST, reg, base, count);
      break;
    }
    case N_MAP: {   /* keys and values, alternating, in consecutive registers */
      Node *p;
      int count = 0;
      for (p = n->a; p; p = p->next, count++) exp2reg(g, p, alloc_reg(g, p));
      if (count / 2 > 255) limit(g, n, "keys in one map");
      emit_abc(g, OP_NEWMAP, reg, base, count / 2);
      break;
    }
    case N_NAME:
      if ((r = find_local(fs, n->str)) >= 0) {
        if (r != reg) emit_abc(g, OP_MOVE, reg, r, 0);
      } else if (ptrmap_get(&g->globals, n->str)) {
        emit_abx(g, OP_GETG, reg, global_index(g, n->str));
      } else if (ptrmap_get(&g->fns, n->str)) {
        emit_abx(g, OP_LOADFN, reg, (uintptr_t)ptrmap_get(&g->fns, n->str) - 1);
      } else {
        diag_add(g->d, SEV_ERROR, "internal", g->ast->src, n->span.pos, n->span.end,
                 "codegen: unresolved name '%s'", n->str);
        g->failed = 1;
      }
      break;
    case N_FIELD: {
      uint32_t k = k_str(g, n->b->str, strlen(n->b->str));
      r = exp2anyreg(g, n->a);
      if (k > 255) limit(g, n, "constants");
      emit_abc(g, OP_GETFIELD, reg, r, k & 0xFF);
      break;
    }
    case N_INDEX: {
      int o = exp2anyreg(g, n->a), i = exp2anyreg(g, n->b);
      fs->pos = n->span.pos;
      emit_abc(g, OP_INDEX, reg, o, i);
      break;
    }
    case N_CALL: call(g, n, reg); break;
    case N_SAMPLE: sample(g, n, reg); break;
    case N_COND: {
      Jumps f = {{0}, 0};
      uint32_t j;
      cond_jump(g, n->a, 0, &f);
      exp2reg(g, n->b, reg);
      j = emit_jump(g);
      jl_patch(g, &f, here(g));
      exp2reg(g, n->c, reg);
      patch(g, j, here(g));
      break;
    }
    case N_UNARY:
      if (n->op == AOP_NOT) {
        bool_value(g, n, reg);
      } else {
        r = exp2anyreg(g, n->a);
        fs->pos = n->span.pos;
        emit_abc(g, OP_NEG, reg, r, 0);
      }
      break;
    case N_BINARY:
      switch (n->op) {
        case AOP_ADD: case AOP_SUB: case AOP_MUL: case AOP_DIV: case AOP_MOD: arith(g, n, reg); break;
        case AOP_MATCH: {
          int l = exp2anyreg(g, n->a), rr = exp2anyreg(g, n->b);
          fs->pos = n->span.pos;
          emit_abc(g, OP_MATCH, reg, l, rr);
          break;
        }
        case AOP_DEFAULT: {
          uint32_t j;
          exp2reg(g, n->a, reg);
          j = emit_asbx(g, OP_JNNIL, reg);
          exp2reg(g, n->b, reg);
          patch(g, j, here(g));
          break;
        }
        default: bool_value(g, n, reg); break;   /* comparisons, and, or */
      }
      break;
    default:
      diag_add(g->d, SEV_ERROR, "internal", g->ast->src, n->span.pos, n->span.end,
               "codegen: unexpected %s in an expression", ast_kind_name(n->kind));
      g->failed = 1;
  }
  fs->freereg = base;
  fs->pos = save;
}

/* ---- statements ------------------------------------------------------ */

static void stmt(Gen *g, Node *n);

static void block(Gen *g, Node *list) {
  FnState *fs = g->fs;
  int nlocals = fs->nlocals, freereg = fs->freereg, top = fs->step_top;
  Node *p;
  fs->step_top = 0;
  for (p = list; p; p = p->next) stmt(g, p);
  fs->nlocals = nlocals;
  fs->freereg = freereg;
  fs->step_top = top;
}

/* check_record compiles a checked condition (verify's, hold's, wait
** until's): both sides of a comparison stay in registers so that a failure
** can show their values, the result lands in *res, the message (if any) is
** computed too. It adds the verify record and returns its index, or -1
** (in a stdlib module, where a record's span cannot point). */
static int check_record(Gen *g, Node *n, Node *cond, Node *msg, const char *what, int *res) {
  FnState *fs = g->fs;
  Program *pr = g->prog;
  VerifyInfo vi;
  if (g->module) {   /* a verify record's span is in the runbook's source */
    diag_add(g->d, SEV_ERROR, "internal", g->ast->src, n->span.pos, n->span.end,
             "a stdlib module cannot use '%s'; use if ... fail", what);
    g->failed = 1;
    return -1;
  }
  vi.pos = cond->span.pos;
  vi.end = cond->span.end;
  vi.lhs = vi.rhs = vi.msg = -1;
  if (is_comparison(cond)) {
    Jumps t = {{0}, 0};
    uint32_t j;
    int l = alloc_reg(g, cond->a), r;
    exp2reg(g, cond->a, l);
    r = alloc_reg(g, cond->b);
    exp2reg(g, cond->b, r);
    *res = alloc_reg(g, n);
    compare_regs(g, cond, l, r, 1, &t);
    emit_abc(g, OP_LOADBOOL, *res, 0, 0);
    j = emit_jump(g);
    jl_patch(g, &t, here(g));
    emit_abc(g, OP_LOADBOOL, *res, 1, 0);
    patch(g, j, here(g));
    vi.lhs = (int16_t)l;
    vi.rhs = (int16_t)r;
  } else {
    *res = alloc_reg(g, n);
    exp2reg(g, cond, *res);
  }
  if (msg) {
    int m = alloc_reg(g, msg);
    exp2reg(g, msg, m);
    vi.msg = (int16_t)m;
  }
  if (pr->nverifies == g->verifies_cap) {
    size_t cap = g->verifies_cap;
    pr->verifies = mem_grow(pr->verifies, &cap, pr->nverifies + 1, sizeof *pr->verifies);
    g->verifies_cap = (uint32_t)cap;
  }
  if (pr->nverifies > MAX_Bx) limit(g, n, "verify statements");
  pr->verifies[pr->nverifies] = vi;
  fs->pos = n->span.pos;
  return (int)pr->nverifies++;
}

static void verify(Gen *g, Node *n) {
  int res, vi = check_record(g, n, n->a, n->b, "verify", &res);
  if (vi >= 0) emit_abx(g, OP_VERIFY, res, (size_t)vi);
}

/* window_regs allocates what a hold's or sample's window needs, in a row:
** the deadline, the duration, and whether the clock was replayed (see
** WAITNEXT with C = 2); it loads the duration and the interval (*ev). */
static int window_regs(Gen *g, Node *n, Node *dur, Node *every, int *ev) {
  FnState *fs = g->fs;
  int dl = alloc_reg(g, n), to = alloc_reg(g, n);
  alloc_reg(g, n);
  *ev = alloc_reg(g, n);
  exp2reg(g, dur, to);
  if (every) exp2reg(g, every, *ev);
  else emit_abx(g, OP_LOADK, *ev, add_k(g, val_dur(5)));
  fs->pos = n->span.pos;
  emit_abc(g, OP_WAITINIT, dl, to, 1);
  return dl;
}

/* hold: the condition is checked at once and every interval until the
** window has passed; the first false fails the step (HOLD); at the end
** its last outcome is journaled as a verify's. */
static void hold(Gen *g, Node *n) {
  FnState *fs = g->fs;
  int ev, dl, res, vi;
  uint32_t loop;
  if (g->module) {
    check_record(g, n, n->a, n->d, "hold", &res);
    return;
  }
  dl = window_regs(g, n, n->c, n->b, &ev);
  loop = here(g);
  vi = check_record(g, n, n->a, n->d, "hold", &res);
  if (vi < 0) return;
  emit_abx(g, OP_HOLD, res, (size_t)vi);
  fs->pos = n->span.pos;
  emit_abc(g, OP_WAITNEXT, dl, ev, 2);
  patch(g, emit_jump(g), loop);
  emit_abx(g, OP_VERIFY, res, (size_t)vi);
}

/* sample: EXPR's values, every interval over the window, as a list. */
static void sample(Gen *g, Node *n, int reg) {
  FnState *fs = g->fs;
  int list = alloc_reg(g, n), ev, dl, v, t;
  uint32_t loop;
  emit_abc(g, OP_NEWLIST, list, 0, 0);
  dl = window_regs(g, n, n->c, n->b, &ev);
  v = alloc_reg(g, n);
  t = alloc_reg(g, n);
  loop = here(g);
  exp2reg(g, n->a, v);
  emit_abc(g, OP_NEWLIST, t, v, 1);
  fs->pos = n->span.pos;
  emit_abc(g, OP_ADD, list, list, t);
  emit_abc(g, OP_WAITNEXT, dl, ev, 2);
  patch(g, emit_jump(g), loop);
  emit_abc(g, OP_MOVE, reg, list, 0);
}

static void for_loop(Gen *g, Node *n) {
  FnState *fs = g->fs;
  int base = fs->freereg, nlocals = fs->nlocals, top = fs->step_top;
  Node *it = n->b;
  uint32_t prep, body;
  int numeric = it->kind == N_CALL && it->a->kind == N_NAME && strcmp(it->a->str, "range") == 0 &&
                ptrmap_get(&g->builtins, it->a->str) && find_local(fs, it->a->str) < 0 &&
                it->b && ast_list_len(it->b) <= 2;
  int a = alloc_reg(g, n);
  alloc_reg(g, n);
  alloc_reg(g, n);
  if (numeric) {
    if (it->b->next) {
      exp2reg(g, it->b, a);
      exp2reg(g, it->b->next, a + 1);
    } else {
      emit_abx(g, OP_LOADK, a, add_k(g, val_num(0)));
      exp2reg(g, it->b, a + 1);
    }
    fs->pos = n->span.pos;
    prep = emit_asbx(g, OP_FORPREP, a);
  } else {
    exp2reg(g, it, a);
    fs->pos = n->span.pos;
    prep = emit_asbx(g, OP_LISTPREP, a);
  }
  body = here(g);
  add_local(g, n->a, a + 2);
  fs->step_top = 0;
  block(g, n->c->a);
  fs->pos = n->span.pos;
  {
    uint32_t loop = emit_asbx(g, numeric ? OP_FORLOOP : OP_LISTLOOP, a);
    patch(g, loop, body);
    patch(g, prep, here(g));
  }
  fs->nlocals = nlocals;
  fs->freereg = base;
  fs->step_top = top;
}

static void stmt(Gen *g, Node *n) {
  FnState *fs = g->fs;
  int base = fs->freereg, r;
  fs->pos = n->span.pos;
  switch (n->kind) {
    case N_RUN:
      r = alloc_reg(g, n);
      command(g, n->a, r);
      fs->pos = n->span.pos;
      emit_abc(g, OP_RUN, r, n->op ? 1 : 0, 0);   /* B = 1: `local run` */
      break;
    case N_LET:
      if (fs->step_top) {
        r = alloc_reg(g, n);
        exp2reg(g, n->b, r);
        emit_abx(g, OP_SETG, r, global_index(g, n->a->str));
      } else {
        r = alloc_reg(g, n);
        exp2reg(g, n->b, r);
        add_local(g, n->a, r);
        return;   /* the register stays taken until the block ends */
      }
      break;
    case N_ASSIGN:
      if ((r = find_local(fs, n->a->str)) >= 0) {
        exp2reg(g, n->b, r);
      } else {
        r = alloc_reg(g, n);
        exp2reg(g, n->b, r);
        fs->pos = n->span.pos;
        emit_abx(g, OP_SETG, r, global_index(g, n->a->str));
      }
      break;
    case N_EXPR: exp2reg(g, n->a, alloc_reg(g, n)); break;
    case N_VERIFY: verify(g, n); break;
    case N_IF: {
      Jumps f = {{0}, 0};
      cond_jump(g, n->a, 0, &f);
      if (n->op) {
        int top = fs->step_top, nl = fs->nlocals;
        fs->step_top = 0;
        stmt(g, n->b);
        fs->step_top = top;
        fs->nlocals = nl;
        jl_patch(g, &f, here(g));
      } else {
        block(g, n->b->a);
        if (n->c) {
          uint32_t j = emit_jump(g);
          jl_patch(g, &f, here(g));
          if (n->c->kind == N_IF) stmt(g, n->c);
          else block(g, n->c->a);
          patch(g, j, here(g));
        } else {
          jl_patch(g, &f, here(g));
        }
      }
      break;
    }
    case N_FOR: for_loop(g, n); break;
    case N_WAIT: {
      int dl = alloc_reg(g, n), ev = alloc_reg(g, n), to = alloc_reg(g, n), res, vi = -1;
      uint32_t loop;
      Jumps done = {{0}, 0};
      exp2reg(g, n->c, to);
      if (n->b) exp2reg(g, n->b, ev);
      else emit_abx(g, OP_LOADK, ev, add_k(g, val_dur(5)));
      fs->pos = n->span.pos;
      emit_abc(g, OP_WAITINIT, dl, to, 0);
      loop = here(g);
      if (g->module) {
        cond_jump(g, n->a, 1, &done);
      } else {   /* keep the condition's values, to show them at the timeout */
        vi = check_record(g, n, n->a, NULL, "wait until", &res);
        emit_abc(g, OP_TEST, res, 0, 1);
        jl_add(g, &done, emit_jump(g), n);
      }
      fs->pos = n->span.pos;
      emit_abc(g, OP_WAITNEXT, dl, ev, vi >= 0);
      patch(g, emit_jump(g), loop);
      if (vi >= 0) emit_abx(g, OP_WAITFAIL, res, (size_t)vi);
      jl_patch(g, &done, here(g));
      break;
    }
    case N_HOLD: hold(g, n); break;
    case N_MANUAL: case N_LOG: case N_FAIL: case N_ASK: {
      OpCode op = n->kind == N_MANUAL ? OP_MANUAL : n->kind == N_LOG ? OP_LOG : n->kind == N_FAIL ? OP_FAIL : OP_ASK;
      r = alloc_reg(g, n);
      exp2reg(g, n->a, r);
      fs->pos = n->span.pos;
      emit_abc(g, op, r, 0, op == OP_ASK);
      break;
    }
    case N_NOTIFY: case N_APPROVE: {
      uint32_t k;
      if (n->kind == N_APPROVE && n->d) {
        /* approve by N of A, B: the roles as "A,B", N in C's upper bits */
        Buf roles = BUF_INIT;
        const Node *q;
        for (q = n->a; q; q = q->next) {
          if (q != n->a) buf_putc(&roles, ',');
          buf_puts(&roles, q->str);
        }
        k = k_str(g, buf_cstr(&roles), roles.n);
        buf_free(&roles);
      } else if (n->kind == N_NOTIFY && n->c) {
        /* notify ROLE ... via NAME: the role as "ROLE/NAME" (a role name has no '/') */
        Buf rv = BUF_INIT;
        buf_printf(&rv, "%s/%s", n->a->str, n->c->str);
        k = k_str(g, buf_cstr(&rv), rv.n);
        buf_free(&rv);
      } else {
        k = k_str(g, n->a->str, strlen(n->a->str));
      }
      r = alloc_reg(g, n);
      if (n->b) exp2reg(g, n->b, r);
      else emit_abc(g, OP_LOADNIL, r, 0, 0);
      if (k > 255) limit(g, n, "constants");
      fs->pos = n->span.pos;
      if (n->kind == N_NOTIFY)   /* C: 1 = required */
        emit_abc(g, OP_NOTIFY, r, k & 0xFF, n->op ? 1 : 0);
      else
        emit_abc(g, OP_APPROVE, r, k & 0xFF, n->d ? ((int)n->d->num << 1) & 0xFE : n->c ? 1 : 0);
      break;
    }
    case N_RETURN:
      r = alloc_reg(g, n);
      exp2reg(g, n->a, r);
      fs->pos = n->span.pos;
      emit_abc(g, OP_RET, r, 0, 0);
      break;
    case N_TIMEOUT:
      r = alloc_reg(g, n);
      exp2reg(g, n->a, r);
      emit_abc(g, OP_TIMEOUT, r, 0, 0);
      break;
    case N_RETRY: {
      int c = alloc_reg(g, n), e = alloc_reg(g, n);
      exp2reg(g, n->a, c);
      if (n->b) exp2reg(g, n->b, e);
      else emit_abx(g, OP_LOADK, e, add_k(g, val_dur(0)));
      fs->pos = n->span.pos;
      emit_abc(g, OP_RETRY, c, e, 0);
      break;
    }
    default: break;   /* other clauses live in the step table */
  }
  fs->freereg = base;
}

/* ---- the program ----------------------------------------------------- */

static int role_index(Gen *g, const Node *name) {
  uintptr_t v = name ? (uintptr_t)ptrmap_get(&g->roles, name->str) : 0;
  return v ? (int)v - 1 : -1;
}

/* body compiles a statement list as a function of its own. */
static int body_proto(Gen *g, const char *kind, const char *name, Node *list, int step_top) {
  FnState fs;
  int idx = new_proto(g, kind, name);
  open_fn(g, &fs, idx);
  fs.step_top = step_top;
  if (list) fs.pos = list->span.pos;
  block(g, list);
  close_fn(g);
  return idx;
}

/* expr_proto compiles `return e` as a function (param defaults, probes, triggers). */
static int expr_proto(Gen *g, const char *kind, const char *name, Node *e) {
  FnState fs;
  int idx = new_proto(g, kind, name), r;
  open_fn(g, &fs, idx);
  fs.pos = e->span.pos;
  r = alloc_reg(g, e);
  exp2reg(g, e, r);
  emit_abc(g, OP_RET, r, 0, 0);
  close_fn(g);
  return idx;
}

static double const_seconds(const Node *n) { return n && n->kind == N_DUR ? n->num : -1; }

/* text_proto gives a step title or requirement name: its text when it is
** a literal (*fn = -1), else its source text ("Rollback (${s})") and, in
** *fn, a proto computing it from params when a run starts (run_params). */
static char *text_proto(Gen *g, const char *kind, const char *name, Node *s, int32_t *fn) {
  Buf b = BUF_INIT;
  *fn = -1;
  char *t;
  if (!s) return gen_strdup(g, "");
  if (s->kind == N_STR) return gen_strdup(g, s->str);
  astq_text(g->ast->src, s, NULL, &b);
  *fn = expr_proto(g, kind, name ? name : buf_cstr(&b), s);
  if (!g->discard) return buf_take(&b);
  t = gen_strdup(g, buf_cstr(&b));
  buf_free(&b);
  return t;
}

static void gen_step(Gen *g, Node *n, StepInfo *st, int index) {
  Node *p;
  FnState fs;
  int idx;
  memset(st, 0, sizeof *st);
  st->name = gen_strdup(g, n->a->str);
  st->title = text_proto(g, "title", n->a->str, n->b, &st->title_fn);
  st->pos = n->span.pos;
  st->owner = -1;
  st->undo = st->onfail = -1;
  st->expect = st->timeout = -1;
  st->between = -1;
  st->parallel = 1;
  if (n->d) {
    uint32_t k;
    for (k = 0; k < g->prog->ngroups; k++)
      if (strcmp(g->prog->groups[k].name, n->d->a->str) == 0) st->on_group = k + 1;
    for (p = n->d->b; p; p = p->next) {
      const char *o = p->a->str;
      double v = p->b->num;
      if (strcmp(o, "serial") == 0) { st->serial = v; st->serial_pct = p->op; }
      else if (strcmp(o, "max_fail") == 0) { st->max_fail = v; st->max_fail_pct = p->op; }
      else if (strcmp(o, "parallel") == 0) st->parallel = v >= 1 ? (uint32_t)v : 1;
      else if (strcmp(o, "canary") == 0) st->canary = v >= 1 ? (uint32_t)v : 0;
    }
  }
  st->expect_fn = st->timeout_fn = -1;
  for (p = n->c->a; p; p = p->next) {
    switch (p->kind) {
      case N_OWNER: st->owner = role_index(g, p->a); break;
      case N_EXPECT:
        st->expect = const_seconds(p->a);
        if (p->a->kind != N_DUR) st->expect_fn = expr_proto(g, "expect", st->name, p->a);
        break;
      case N_TIMEOUT:
        st->timeout = const_seconds(p->a);
        if (p->a->kind != N_DUR) st->timeout_fn = expr_proto(g, "timeout", st->name, p->a);
        break;
      case N_IDEMPOTENT: st->idempotent = 1; break;
      case N_IRREVERSIBLE:
        st->irreversible = gen_strdup(g, p->a->kind == N_STR ? p->a->str : "(see the runbook)");
        break;
      case N_AFTER: {
        Node *q;
        for (q = p->a; q; q = q->next) {
          uintptr_t known = (uintptr_t)ptrmap_get(&g->steps, q->str);
          int si = known ? (int)known - 1 : prog_find_step(g->prog, q->str);
          if (si >= 0 && si < index) {
            st->after = mem_realloc(st->after, (st->nafter + 1) * sizeof *st->after);
            st->after[st->nafter++] = (uint32_t)si;
          }
        }
        break;
      }
      default: break;
    }
  }
  /* The body: clauses that compute something (timeout, retry) first. */
  idx = new_proto(g, "step", st->name);
  open_fn(g, &fs, idx);
  fs.pos = n->span.pos;
  for (p = n->c->a; p; p = p->next)
    if (p->kind == N_TIMEOUT || p->kind == N_RETRY) stmt(g, p);
  fs.step_top = 1;
  for (p = n->c->a; p; p = p->next)
    if (p->kind != N_TIMEOUT && p->kind != N_RETRY) stmt(g, p);
  close_fn(g);
  st->body = idx;
  for (p = n->c->a; p; p = p->next) {
    if (p->kind == N_UNDO) st->undo = body_proto(g, "undo", st->name, p->a->a, 0);
    if (p->kind == N_ONFAIL) st->onfail = body_proto(g, "on failure", st->name, p->b->a, 0);
    if (p->kind == N_BETWEEN) st->between = body_proto(g, "on batch", st->name, p->a->a, 0);
  }
}

static void gen_fn(Gen *g, Node *n) {
  FnState fs;
  Node *p;
  int idx = (int)(uintptr_t)ptrmap_get(&g->fns, n->a->str) - 1;
  open_fn(g, &fs, idx);
  fs.pos = n->span.pos;
  for (p = n->b; p; p = p->next) {
    int r = alloc_reg(g, p);
    add_local(g, p, r);
  }
  fs.p->nparams = (uint8_t)fs.freereg;
  block(g, n->c->a);
  close_fn(g);
}

/* add_extern records an extern and makes its name call native
** nbuiltins + its index. */
static void add_extern(Gen *g, Node *n, const char *module) {
  Program *pr = g->prog;
  ExternInfo *e;
  Node *p;
  int k = 0;
  uint32_t index = pr->nbuiltins + pr->nexterns;
  if (index > 255) {
    if (!g->failed)
      diag_add(g->d, SEV_ERROR, "limit", g->ast->src, n->span.pos, n->span.end,
               "too many externs: builtins and externs together are at most 256");
    g->failed = 1;
    return;
  }
  GROW(pr->externs, pr->nexterns);
  e = &pr->externs[pr->nexterns++];
  memset(e, 0, sizeof *e);
  e->lib = mem_strdup(n->a->kind == N_STR ? n->a->str : "");
  e->name = mem_strdup(n->b->str);
  e->module = module ? mem_strdup(module) : NULL;
  if (!module) {
    e->pos = n->a->span.pos;
    e->end = n->a->span.end;
    e->name_pos = n->b->span.pos;
    e->name_end = n->b->span.end;
  }
  for (p = n->c; p && k < EXTERN_MAX_PARAMS; p = p->next) e->params[k++] = (uint8_t)ffi_type_parse(p->str);
  e->nparams = (uint8_t)k;
  e->result = (uint8_t)(n->d ? ffi_type_parse(n->d->str) : FT_VOID);
  ptrmap_put(&g->builtins, n->b->str, (void *)(uintptr_t)(index + 1));
}

/* gen_notifier compiles `notifier "command"` as a function of the
** notifier's parameters (check_notifier_names) that runs the command.
** A named one is the function "notifier NAME": a shell one runs its
** command the same way; a webhook or email one returns what run/notify.c
** sends with: [KIND, URL, "from", ADDRESS, ...]. */
static void gen_notifier(Gen *g, Node *n) {
  FnState fs;
  int idx = new_proto(g, "notifier", n->b ? n->b->str : NULL), k, r;
  const char *kind = n->c ? n->c->str : "shell";
  open_fn(g, &fs, idx);
  fs.pos = n->span.pos;
  for (k = 0; check_notifier_names[k]; k++) {
    Node nm;
    memset(&nm, 0, sizeof nm);
    nm.kind = N_NAME;
    nm.span = n->span;
    nm.str = ast_intern(g->ast, check_notifier_names[k], strlen(check_notifier_names[k]));
    r = alloc_reg(g, &nm);
    add_local(g, &nm, r);
  }
  fs.p->nparams = (uint8_t)fs.freereg;
  if (strcmp(kind, "shell") != 0) {
    int base = fs.freereg, count = 0;
    const Node *o;
    r = alloc_reg(g, n);
    emit_abx(g, OP_LOADK, r, k_str(g, kind, strlen(kind)));
    exp2reg(g, n->a, alloc_reg(g, n->a));
    count = 2;
    for (o = n->d; o; o = o->next, count += 2) {
      emit_abx(g, OP_LOADK, alloc_reg(g, o), k_str(g, o->a->str, strlen(o->a->str)));
      exp2reg(g, o->b, alloc_reg(g, o->b));
    }
    r = alloc_reg(g, n);
    fs.pos = n->span.pos;
    emit_abc(g, OP_NEWLIST, r, base, count);
    emit_abc(g, OP_RET, r, 0, 0);
    close_fn(g);
    return;
  }
  r = alloc_reg(g, n);
  command(g, n->a, r);
  fs.pos = n->span.pos;
  emit_abc(g, OP_RUN, r, 0, 0);
  close_fn(g);
  if (!n->b) g->prog->notifier = idx;
}

/* gen_module compiles stdlib module `module` (embedded: compiler/modules.h)
** into the program: its externs, its functions, and for each builtin it
** implements an ImplInfo. Its code has no source positions: a failure in
** it is reported at the runbook's call. The module is rbk's own code, so
** any error compiling it is an internal one. */
static void gen_module(Gen *g, const char *module) {
  size_t len;
  const char *text = stdlib_module_text(module, &len);
  const BuiltinSig *b = check_builtins();
  Source *src;
  Ast ast;
  Diags d;
  Gen m;
  Node *n;
  char file[64];
  int i;
  if (!text) {
    diag_add(g->d, SEV_ERROR, "internal", g->ast->src, 0, 0, "stdlib module '%s' is not in this rbk", module);
    g->failed = 1;
    return;
  }
  src = mem_calloc(sizeof *src);
  snprintf(file, sizeof file, "stdlib/%s.rbk", module);
  src_from_string(src, file, text, len);
  ast_init(&ast, src);
  diag_init(&d);
  if (parse_source(&ast, &d, PARSE_FILE, NULL) == 0 && check_module(&ast, &d, module) == 0) {
    m = *g;
    memset(&m.globals, 0, sizeof m.globals);
    memset(&m.fns, 0, sizeof m.fns);
    memset(&m.builtins, 0, sizeof m.builtins);
    memset(&m.roles, 0, sizeof m.roles);
    memset(&m.steps, 0, sizeof m.steps);
    m.ast = &ast;
    m.d = &d;
    m.module = 1;
    m.fs = NULL;
    for (i = 0; b[i].name; i++) {
      const char *bm = check_builtin_module(b[i].name);
      if (!bm || strcmp(bm, module) != 0)
        ptrmap_put(&m.builtins, ast_intern(&ast, b[i].name, strlen(b[i].name)), (void *)(uintptr_t)(i + 1));
    }
    for (n = ast.root->a; n; n = n->next)
      if (n->kind == N_EXTERN) add_extern(&m, n, module);
    for (n = ast.root->a; n; n = n->next)
      if (n->kind == N_FN) {
        Buf qn = BUF_INIT;
        buf_printf(&qn, "%s.%s", module, n->a->str);
        ptrmap_put(&m.fns, n->a->str, (void *)(uintptr_t)(new_proto(&m, "fn", buf_cstr(&qn)) + 1));
        buf_free(&qn);
      }
    for (n = ast.root->a; n; n = n->next)
      if (n->kind == N_FN) gen_fn(&m, n);
    for (i = 0; b[i].name; i++) {
      const char *bm = check_builtin_module(b[i].name);
      uintptr_t fi = bm && strcmp(bm, module) == 0
                         ? (uintptr_t)ptrmap_get(&m.fns, ast_intern(&ast, b[i].name, strlen(b[i].name))) : 0;
      if (!fi) continue;
      GROW(g->prog->impls, g->prog->nimpls);
      g->prog->impls[g->prog->nimpls].builtin = (uint32_t)i;
      g->prog->impls[g->prog->nimpls].proto = (int32_t)(fi - 1);
      g->prog->nimpls++;
    }
    memcpy(g->modules, m.modules, sizeof g->modules);   /* a module may need another */
    g->nmodules = m.nmodules;
    g->protos_cap = m.protos_cap;
    g->globals_cap = m.globals_cap;
    g->verifies_cap = m.verifies_cap;
    g->scode = m.scode;   /* codegen_check's buffers and arena, as the module left them */
    g->spos = m.spos;
    g->sk = m.sk;
    g->scode_cap = m.scode_cap;
    g->sk_cap = m.sk_cap;
    g->skslot = m.skslot;
    g->snkslot = m.snkslot;
    g->karena = m.karena;
    g->kstrs = m.kstrs;
    g->failed |= m.failed;
    ptrmap_free(&m.globals);
    ptrmap_free(&m.fns);
    ptrmap_free(&m.builtins);
    ptrmap_free(&m.roles);
  }
  if (d.errors) {
    const char *why = "";
    size_t k;
    for (k = 0; k < d.n; k++)
      if (d.v[k].sev == SEV_ERROR) {
        why = d.v[k].msg;
        break;
      }
    diag_add(g->d, SEV_ERROR, "internal", g->ast->src, 0, 0, "stdlib module '%s' does not compile: %s", module, why);
    g->failed = 1;
  }
  diag_free(&d);
  ast_free(&ast);
  src_free(src);
  mem_free(src);
}

static void gen_runbook(Gen *g, Node *rb) {
  Program *pr = g->prog;
  Node *n;
  int si = 0;
  mem_free(pr->title);
  pr->title = mem_strdup(rb->a->kind == N_STR ? rb->a->str : "");
  /* Tables first, so that later code can refer to any entry. */
  for (n = rb->b; n; n = n->next) {
    if (n->kind == N_ROLE) {
      RoleInfo *ri;
      Node *c;
      GROW(pr->roles, pr->nroles);
      ri = &pr->roles[pr->nroles];
      memset(ri, 0, sizeof *ri);
      ri->name = mem_strdup(n->a->str);
      ri->person = mem_strdup(n->b->kind == N_STR ? n->b->str : "");
      for (c = n->c; c; c = c->next) {
        GROW(ri->keys, ri->ncontacts);
        GROW(ri->vals, ri->ncontacts);
        if (c->op == 1) {   /* notify NAME ["where"]: contacts "notify" and "notify_to" */
          ri->keys[ri->ncontacts] = mem_strdup("notify");
          ri->vals[ri->ncontacts++] = mem_strdup(c->a->str);
          if (c->b && c->b->kind == N_STR) {
            GROW(ri->keys, ri->ncontacts);
            GROW(ri->vals, ri->ncontacts);
            ri->keys[ri->ncontacts] = mem_strdup("notify_to");
            ri->vals[ri->ncontacts++] = mem_strdup(c->b->str);
          }
          continue;
        }
        ri->keys[ri->ncontacts] = mem_strdup(c->a->str);
        ri->vals[ri->ncontacts] = mem_strdup(c->b->kind == N_STR ? c->b->str : "");
        ri->ncontacts++;
        if (strcmp(c->a->str, "keys") == 0 && c->b->kind == N_STR) {
          /* the role's keys from an allowed_signers file, as "key" fields */
          char path[4200], why[600];
          SshSigner *v;
          size_t nv, q;
          sshkey_signers_path(g->ast->src ? g->ast->src->name : NULL, c->b->str, path, sizeof path);
          if (sshkey_signers_load(path, &v, &nv, why, sizeof why) == 0) {
            for (q = 0; q < nv; q++)
              if (strcmp(v[q].principal, n->a->str) == 0) {
                GROW(ri->keys, ri->ncontacts);
                GROW(ri->vals, ri->ncontacts);
                ri->keys[ri->ncontacts] = mem_strdup("key");
                ri->vals[ri->ncontacts] = mem_strdup(v[q].key);
                ri->ncontacts++;
              }
            sshkey_signers_free(v, nv);
          }
        }
      }
      ptrmap_put(&g->roles, n->a->str, (void *)(uintptr_t)(++pr->nroles));
    } else if (n->kind == N_PARAM || n->kind == N_SECRET) {
      global_index(g, n->a->str);
    } else if (n->kind == N_HOSTS) {
      /* here, so that a step finds its group wherever the group is declared */
      GroupInfo *gi;
      GROW(pr->groups, pr->ngroups);
      gi = &pr->groups[pr->ngroups++];
      gi->name = mem_strdup(n->a->str);
      gi->global = global_index(g, n->a->str);
      gi->init = expr_proto(g, "hosts", n->a->str, n->b);
    } else if (n->kind == N_FN) {
      ptrmap_put(&g->fns, n->a->str, (void *)(uintptr_t)(new_proto(g, "fn", n->a->str) + 1));
    } else if (n->kind == N_EXTERN) {
      add_extern(g, n, NULL);
    } else if (n->kind == N_STEP) {
      if (n->d) global_index(g, ast_intern(g->ast, "host", 4));   /* the host a step on hosts is running on (run/fleet.c sets it) */
      if (!pr->steps) {   /* all the steps at once: count them */
        Node *q;
        uint32_t k = 0;
        for (q = n; q; q = q->next) k += q->kind == N_STEP;
        pr->steps = mem_calloc(k * sizeof *pr->steps);
      }
      if (!ptrmap_get(&g->steps, n->a->str)) ptrmap_put(&g->steps, n->a->str, (void *)(uintptr_t)(pr->nsteps + 1));
      pr->steps[pr->nsteps++].name = gen_strdup(g, n->a->str);
    }
  }
  for (n = rb->b; n; n = n->next) {
    switch (n->kind) {
      case N_VERSION:
        mem_free(pr->version);
        if (n->a->kind == N_STR) pr->version = mem_strdup(n->a->str);
        else {
          Buf b = BUF_INIT;
          Value v = val_num(n->a->num);
          val_to_buf(&v, &b);
          pr->version = buf_take(&b);
        }
        break;
      case N_OWNER: pr->owner = role_index(g, n->a); break;
      case N_PLANAPPROVAL:
        if (n->b) pr->plan_approver = role_index(g, n->b);
        break;
      case N_WINDOW: pr->window = const_seconds(n->a); break;
      case N_PARAM: case N_SECRET: {
        ParamInfo *pi;
        GROW(pr->params, pr->nparams);
        pi = &pr->params[pr->nparams++];
        pi->name = mem_strdup(n->a->str);
        pi->global = global_index(g, n->a->str);
        pi->secret = n->kind == N_SECRET;
        pi->init = n->b ? expr_proto(g, n->kind == N_SECRET ? "secret" : "param", n->a->str, n->b) : -1;
        break;
      }
      case N_PROBE: {
        GROW(pr->probes, pr->nprobes);
        pr->probes[pr->nprobes].name = mem_strdup(n->a->str);
        pr->probes[pr->nprobes].body = expr_proto(g, "probe", n->a->str, n->b);
        pr->nprobes++;
        break;
      }
      case N_TRIGGER: {
        TriggerInfo *t;
        GROW(pr->triggers, pr->ntriggers);
        t = &pr->triggers[pr->ntriggers++];
        t->name = mem_strdup(n->a->kind == N_STR ? n->a->str : "");
        t->severity = strcmp(n->b->str, "critical") == 0 ? 0 : strcmp(n->b->str, "major") == 0 ? 1 : 2;
        t->cond = expr_proto(g, "trigger", t->name, n->c);
        t->hold = n->d && n->d->kind == N_DUR ? n->d->num : 0;
        t->hold_fn = n->d && n->d->kind != N_DUR ? expr_proto(g, "for", t->name, n->d) : -1;
        t->pos = n->c->span.pos;
        t->end = n->c->span.end;
        break;
      }
      case N_NOTIFIER: gen_notifier(g, n); break;
      case N_BACKOUT:
        pr->backout = n->b ? BACKOUT_RUN : BACKOUT_UNDO;
        mem_free(pr->backout_file);
        pr->backout_file = n->b && n->b->kind == N_STR ? mem_strdup(n->b->str) : NULL;
        if (n->b && !pr->backout_file) pr->backout = BACKOUT_NONE;
        break;
      case N_REQUIRE: {
        RequireInfo *ri;
        Node *c;
        GROW(pr->reqs, pr->nreqs);
        ri = &pr->reqs[pr->nreqs++];
        ri->name = text_proto(g, "name of require", NULL, n->a, &ri->name_fn);
        ri->owner = -1;
        for (c = n->b->a; c; c = c->next)
          if (c->kind == N_OWNER) ri->owner = role_index(g, c->a);
        ri->body = body_proto(g, "require", ri->name, n->b->a, 0);
        break;
      }
      case N_STEP: {
        char *name = pr->steps[si].name;
        pr->steps[si].name = NULL;
        if (!g->discard) mem_free(name);
        gen_step(g, n, &pr->steps[si], si);
        si++;
        break;
      }
      case N_FN: gen_fn(g, n); break;
      default: break;
    }
  }
}

/* gen_program compiles ast into a new Program (see codegen_program);
** with discard, each function's code is thrown away as it closes. */
static Program *gen_program(Ast *ast, Diags *d, int discard, int *failed) {
  Gen g;
  Program *pr = mem_calloc(sizeof *pr);
  const BuiltinSig *b = check_builtins();
  Node *n, *rb = NULL;
  int i;
  memset(&g, 0, sizeof g);
  g.discard = discard;
  arena_init(&g.karena);
  arena_init(&g.kstrs);
  g.ast = ast;
  g.prog = pr;
  g.d = d;
  pr->src = ast->src;
  pr->title = mem_strdup("");
  pr->version = mem_strdup("");
  pr->owner = -1;
  pr->plan_approver = -1;
  pr->window = -1;
  pr->notifier = -1;
  for (i = 0; b[i].name; i++)
    ptrmap_put(&g.builtins, ast_intern(ast, b[i].name, strlen(b[i].name)), (void *)(uintptr_t)(i + 1));
  pr->nbuiltins = (uint32_t)i;
  /* Top-level externs and functions, then the runbook, then the stdlib
  ** modules it turned out to need. */
  for (n = ast->root->a; n; n = n->next) {
    if (n->kind == N_FN)
      ptrmap_put(&g.fns, n->a->str, (void *)(uintptr_t)(new_proto(&g, "fn", n->a->str) + 1));
    else if (n->kind == N_EXTERN)
      add_extern(&g, n, NULL);
  }
  for (n = ast->root->a; n; n = n->next) {
    if (n->kind == N_FN) gen_fn(&g, n);
    else if (n->kind == N_RUNBOOK) rb = n;
  }
  if (rb) gen_runbook(&g, rb);
  for (i = 0; i < g.nmodules; i++) gen_module(&g, g.modules[i]);
  ptrmap_free(&g.globals);
  ptrmap_free(&g.fns);
  ptrmap_free(&g.builtins);
  ptrmap_free(&g.roles);
  ptrmap_free(&g.steps);
  mem_free(g.scode);
  mem_free(g.spos);
  mem_free(g.sk);
  mem_free(g.skslot);
  if (discard) {   /* what lives in karena is not the Program's to free */
    pr->nprotos = 0;
    pr->nglobals = 0;
    for (i = 0; i < (int)pr->nsteps; i++) pr->steps[i].name = pr->steps[i].title = pr->steps[i].irreversible = NULL;
    for (i = 0; i < (int)pr->nreqs; i++) pr->reqs[i].name = NULL;
  }
  arena_free(&g.karena);
  arena_free(&g.kstrs);
  *failed = g.failed;
  if (g.failed || discard) {
    pr->src = NULL;   /* the caller still owns it */
    prog_free(pr);
    return NULL;
  }
  return pr;
}

Program *codegen_program(Ast *ast, Diags *d) {
  int failed;
  return gen_program(ast, d, 0, &failed);
}

int codegen_check(Ast *ast, Diags *d) {
  int failed;
  gen_program(ast, d, 1, &failed);
  return failed ? -1 : 0;
}

/* has_module says whether pr already holds stdlib module m's functions. */
static int has_module(const Program *pr, const char *m) {
  const BuiltinSig *b = check_builtins();
  uint32_t i;
  for (i = 0; i < pr->nimpls; i++) {
    const char *bm = check_builtin_module(b[pr->impls[i].builtin].name);
    if (bm && strcmp(bm, m) == 0) return 1;
  }
  return 0;
}

/* gen_init prepares g to add code to pr, knowing pr's names. */
static void gen_init(Gen *g, Ast *ast, Program *pr, Diags *d) {
  const BuiltinSig *b = check_builtins();
  uint32_t i;
  memset(g, 0, sizeof *g);
  g->ast = ast;
  g->prog = pr;
  g->d = d;
  g->protos_cap = pr->nprotos;
  g->globals_cap = pr->nglobals;
  g->verifies_cap = pr->nverifies;
  for (i = 0; b[i].name; i++)
    ptrmap_put(&g->builtins, ast_intern(ast, b[i].name, strlen(b[i].name)), (void *)(uintptr_t)(i + 1));
  for (i = 0; i < pr->nglobals; i++)
    ptrmap_put(&g->globals, ast_intern(ast, pr->globals[i], strlen(pr->globals[i])), (void *)(uintptr_t)(i + 1));
  for (i = 0; i < pr->nprotos; i++)
    if (strncmp(pr->protos[i]->name, "fn ", 3) == 0)
      ptrmap_put(&g->fns, ast_intern(ast, pr->protos[i]->name + 3, strlen(pr->protos[i]->name + 3)),
                 (void *)(uintptr_t)(i + 1));
  for (i = 0; i < pr->nroles; i++)
    ptrmap_put(&g->roles, ast_intern(ast, pr->roles[i].name, strlen(pr->roles[i].name)), (void *)(uintptr_t)(i + 1));
}

static void gen_free(Gen *g) {
  ptrmap_free(&g->globals);
  ptrmap_free(&g->fns);
  ptrmap_free(&g->builtins);
  ptrmap_free(&g->roles);
  ptrmap_free(&g->steps);
}

int codegen_chunk(Ast *chunk, Node *expr_or_null, Program *pr, Diags *d) {
  Gen g;
  FnState fs;
  Node *n;
  uint32_t nprotos = pr->nprotos, nglobals = pr->nglobals, nverifies = pr->nverifies, i;
  int idx;
  gen_init(&g, chunk, pr, d);
  /* Functions declared in the input first, so the statements can call them. */
  if (!expr_or_null)
    for (n = chunk->root->a; n; n = n->next)
      if (n->kind == N_FN)
        ptrmap_put(&g.fns, n->a->str, (void *)(uintptr_t)(new_proto(&g, "fn", n->a->str) + 1));
  if (!expr_or_null)
    for (n = chunk->root->a; n; n = n->next)
      if (n->kind == N_FN) gen_fn(&g, n);
  if (expr_or_null) {
    idx = expr_proto(&g, "repl", NULL, expr_or_null);
  } else {
    idx = new_proto(&g, "repl", NULL);
    open_fn(&g, &fs, idx);
    fs.step_top = 1;   /* a top-level let makes a session variable */
    for (n = chunk->root->a; n; n = n->next) stmt(&g, n);
    close_fn(&g);
  }
  /* The stdlib modules the input calls and the program lacks. */
  for (i = 0; (int)i < g.nmodules; i++)
    if (!has_module(pr, g.modules[i])) gen_module(&g, g.modules[i]);
  gen_free(&g);
  if (g.failed) {
    /* Take back everything this input added. */
    for (i = nprotos; i < pr->nprotos; i++) proto_free(pr->protos[i]);
    for (i = nglobals; i < pr->nglobals; i++) mem_free(pr->globals[i]);
    pr->nprotos = nprotos;
    pr->nglobals = nglobals;
    pr->nverifies = nverifies;
    return -1;
  }
  for (i = nprotos; i < pr->nprotos; i++) pr->protos[i]->src = chunk->src;
  pr->chunks = mem_realloc(pr->chunks, (pr->nchunks + 1) * sizeof *pr->chunks);
  pr->chunks[pr->nchunks++] = chunk->src;
  return idx;
}
