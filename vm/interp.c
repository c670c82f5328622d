/*
** interp.c -- the bytecode interpreter loop and the VM's services:
** failures with source positions, secret redaction, commands, sleeping.
** Dispatch is a computed goto under GCC and clang, a switch elsewhere.
*/
#include "vm.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <poll.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__SSE2__) && defined(__x86_64__)
#include <emmintrin.h>
#endif

#include "ffi.h"
#include "valjson.h"
#include "../base/mem.h"
#include "../base/shquote.h"

double vm_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int vm_interrupted(const VM *vm) { return vm->interrupt && *vm->interrupt; }

static int rbk_native(VM *vm, Value *args, int argc, Value *out);

/* extern_native is the NativeFn of every extern: vm->native->data is the
** ExternInfo that vm/ffi.c calls. */
static int extern_native(VM *vm, Value *args, int argc, Value *out) {
  Buf err = BUF_INIT;
  int rc = ffi_call_extern(vm->native->data, args, argc, out, &err);
  if (rc != 0) vm_fail(vm, "%s", buf_cstr(&err));
  buf_free(&err);
  return rc;
}

/* natives_for builds the VM's native table for prog (see vm_init). */
static void natives_for(VM *vm, const NativeInfo *builtins, uint32_t nbuiltins) {
  Program *p = vm->prog;
  uint32_t i, n = nbuiltins + p->nexterns;
  vm->builtins = builtins;
  vm->nbuiltins = nbuiltins;
  mem_free(vm->natives);
  vm->natives = mem_calloc((n ? n : 1) * sizeof *vm->natives);
  memcpy(vm->natives, builtins, nbuiltins * sizeof *builtins);
  for (i = 0; i < p->nimpls; i++) {
    if (p->impls[i].builtin >= nbuiltins) continue;   /* the verifier refuses it; be safe anyway */
    vm->natives[p->impls[i].builtin].fn = rbk_native;
    vm->natives[p->impls[i].builtin].data = (const void *)(intptr_t)p->impls[i].proto;
  }
  for (i = 0; i < p->nexterns; i++) {
    NativeInfo *ni = &vm->natives[nbuiltins + i];
    const ExternInfo *e = &p->externs[i];
    ni->name = e->name;
    ni->fn = extern_native;
    ni->effect = NAT_ACT;
    ni->min_args = ni->max_args = (uint8_t)ffi_arity(e);   /* argument types: ffi_call_extern converts them */
    ni->data = e;
  }
  vm->nnatives = n;
}

void vm_init(VM *vm, Program *prog, const NativeInfo *natives, uint32_t nnatives, const VmHost *host,
             const VmRuntime *rt) {
  uint32_t i;
  memset(vm, 0, sizeof *vm);
  vm->prog = prog;
  vm->rt = rt;
  natives_for(vm, natives, nnatives);
  if (host) vm->host = *host;
  vm->G = mem_alloc((prog->nglobals ? prog->nglobals : 1) * sizeof *vm->G);
  for (i = 0; i < prog->nglobals; i++) vm->G[i] = val_undef();
  vm->nG = prog->nglobals;
  vm->stack = mem_calloc(VM_STACK_SLOTS * sizeof *vm->stack);   /* all nil */
  vm->step = -1;
  vm->budget = 4096;
}

void vm_sync_program(VM *vm) {
  uint32_t i, n = vm->prog->nglobals;
  natives_for(vm, vm->builtins, vm->nbuiltins);
  if (n <= vm->nG) return;
  vm->G = mem_realloc(vm->G, n * sizeof *vm->G);
  for (i = vm->nG; i < n; i++) vm->G[i] = val_undef();
  vm->nG = n;
}

void vm_free(VM *vm) {
  uint32_t i;
  for (i = 0; i < vm->nG; i++) val_release(vm->G[i]);
  for (i = 0; i < VM_STACK_SLOTS; i++) val_release(vm->stack[i]);
  for (i = 0; i < vm->nsecrets; i++) val_release(vm->secrets[i]);
  mem_free(vm->G);
  mem_free(vm->stack);
  mem_free(vm->secrets);
  mem_free(vm->natives);
  buf_free(&vm->fail);
  buf_free(&vm->detail);
  memset(vm, 0, sizeof *vm);
}

/* ---- secrets --------------------------------------------------------- */

/* Secrets shorter than this are not masked: hiding every "ab" in the
** output would hide everything and protect nothing. */
#define SECRET_MIN 3
/* How many escapings deep the forms of a secret are masked: a command
** quotes a value for the shell, a string showing a list JSON-escapes its
** strings, and a program can nest the two (a list in a command, a list
** of commands shown in a log, ...). */
#define SECRET_DEPTH 3

static void add_secret_text(VM *vm, const char *s, size_t n) {
  uint32_t k;
  if (n < SECRET_MIN) return;
  for (k = 0; k < vm->nsecrets; k++) {
    Str *have = AS_STR(vm->secrets[k]);
    if (have->len == n && memcmp(have->s, s, n) == 0) return;
  }
  vm->secrets = mem_realloc(vm->secrets, (vm->nsecrets + 1) * sizeof *vm->secrets);
  vm->secrets[vm->nsecrets++] = val_str_new(s, n);
}

/* add_forms masks s and what each escaping the VM can apply makes of it,
** depth escapings deep: JSON (without the quotes) and the three shell
** contexts (base/shquote.h). */
static void add_forms(VM *vm, const char *s, size_t n, int depth) {
  Buf e = BUF_INIT;
  int ctx;
  add_secret_text(vm, s, n);
  if (depth == 0) return;
  buf_json_str(&e, s, n);
  if (e.n >= 2) add_forms(vm, e.p + 1, e.n - 2, depth - 1);
  for (ctx = SHQ_BARE; ctx <= SHQ_DOUBLE; ctx++) {
    buf_reset(&e);
    shquote(s, n, ctx, &e);
    add_forms(vm, buf_cstr(&e), e.n, depth - 1);
  }
  buf_free(&e);
}

static int by_first_byte_longest(const void *a, const void *b) {
  const Str *x = AS_STR(*(const Value *)a), *y = AS_STR(*(const Value *)b);
  unsigned char cx = (unsigned char)x->s[0], cy = (unsigned char)y->s[0];
  if (cx != cy) return cx < cy ? -1 : 1;
  return x->len > y->len ? -1 : x->len < y->len;
}

/* index_secrets orders the forms for vm_redact: at each byte of a text
** only the forms starting with that byte are tried, the longest first. */
static void index_secrets(VM *vm) {
  uint32_t k = 0;
  int c;
  if (vm->nsecrets) qsort(vm->secrets, vm->nsecrets, sizeof *vm->secrets, by_first_byte_longest);
  for (c = 0; c <= 256; c++) {
    while (k < vm->nsecrets && (unsigned char)AS_STR(vm->secrets[k])->s[0] < c) k++;
    vm->secret_at[c] = k;
  }
}

void vm_add_secret(VM *vm, const Value *v) {
  Buf b = BUF_INIT;
  size_t i, start = 0;
  if (v->t == V_NIL || v->t == V_UNDEF) return;
  val_to_buf(v, &b);
  if (b.n >= SECRET_MIN) {
    add_forms(vm, buf_cstr(&b), b.n, SECRET_DEPTH);
    /* A command's output reaches the terminal line by line, so each line
    ** of a secret of several lines is masked on its own too. */
    for (i = 0; i <= b.n; i++)
      if (i == b.n || b.p[i] == '\n') {
        if (start > 0 || i < b.n) add_secret_text(vm, b.p + start, i - start);
        start = i + 1;
      }
    index_secrets(vm);
  }
  buf_free(&b);
}

void vm_redact(const VM *vm, const char *s, size_t n, Buf *out) {
  size_t i = 0, done = 0;
  if (!vm->nsecrets) {
    buf_add(out, s, n);
    return;
  }
  while (i < n) {
    unsigned char c = (unsigned char)s[i];
    uint32_t k, hit = 0;
    for (k = vm->secret_at[c]; k < vm->secret_at[c + 1]; k++) {
      const Str *sec = AS_STR(vm->secrets[k]);
      if (sec->len <= n - i && memcmp(s + i, sec->s, sec->len) == 0) {
        hit = sec->len;
        break;
      }
    }
    if (hit) {
      buf_add(out, s + done, i - done);
      buf_puts(out, "***");
      done = i += hit;
    } else {
      i++;
    }
  }
  buf_add(out, s + done, n - done);
}

static void mask_text(const void *ud, const char *s, size_t n, Buf *out) { vm_redact(ud, s, n, out); }

ValMask vm_mask(const VM *vm) {
  ValMask m;
  m.fn = mask_text;
  m.ud = vm;
  return m;
}

void vm_show(const VM *vm, const Value *v, Buf *out) {
  ValMask m = vm_mask(vm);
  val_show(v, &m, out);
}

void vm_show_repr(const VM *vm, const Value *v, Buf *out) {
  ValMask m = vm_mask(vm);
  val_show_repr(v, &m, out);
}

void vm_tostring(const Value *v, Buf *b) { val_to_buf(v, b); }

/* ---- failures -------------------------------------------------------- */

int vm_fail(VM *vm, const char *fmt, ...) {
  va_list ap;
  Buf raw = BUF_INIT;
  va_start(ap, fmt);
  buf_vprintf(&raw, fmt, ap);
  va_end(ap);
  buf_reset(&vm->fail);
  vm_redact(vm, raw.p ? raw.p : "", raw.n, &vm->fail);
  buf_free(&raw);
  vm->failed_has_pos = 0;
  vm->fail_src = vm->prog->src;
  if (vm->nframes > 0) {
    Frame *f = &vm->frames[vm->nframes - 1];
    uint32_t pc = (uint32_t)(f->pc - f->p->code);
    if (pc > 0) pc--;
    if (pc < f->p->ncode) {
      vm->fail_pos = vm->fail_end = f->p->pos[pc];
      vm->failed_has_pos = 1;
      if (f->p->src) vm->fail_src = f->p->src;
    }
  }
  return -1;
}

void vm_fail_detail(VM *vm, const char *fmt, ...) {
  va_list ap;
  Buf raw = BUF_INIT;
  va_start(ap, fmt);
  buf_vprintf(&raw, fmt, ap);
  va_end(ap);
  vm_redact(vm, raw.p ? raw.p : "", raw.n, &vm->detail);
  buf_free(&raw);
}

/* ---- commands and time ----------------------------------------------- */

/* dur_arg checks the duration a clause takes: a NaN or infinite one (from
** arithmetic that overflowed) would make the deadlines and sleeps built on
** it undefined (an (int) of NaN), so it is refused like a wrong type. */
static int dur_arg(VM *vm, const Value *v, const char *clause) {
  if (v->t != V_DUR) return vm_fail(vm, "'%s' needs a duration, not %s", clause, val_type_name(v));
  if (!isfinite(v->u.n)) return vm_fail(vm, "'%s' needs a finite duration, not %g s", clause, v->u.n);
  return 0;
}

int vm_sleep(VM *vm, double s) {
  double end = vm_now() + s, start = vm_now();
  for (;;) {
    double left = end - vm_now();
    if (vm_interrupted(vm)) return -1;
    if (left <= 0) return 0;
    poll(NULL, 0, left > 0.05 ? 50 : (int)(left * 1000) + 1);
    if (vm->host.on_tick) vm->host.on_tick(vm->host.ud, vm_now() - start);
  }
}

/* ---- the runtime: effects reach the world through vm->rt --------------- */

static FxMode eff_begin(VM *vm, const char *kind, const char *what, int idempotent, Value *out) {
  if (!vm->rt) {
    *out = val_nil();
    return FX_LIVE;
  }
  return vm->rt->begin(vm, kind, what, idempotent, out);
}

static int eff_end(VM *vm, const Value *result, const char *extra) {
  return vm->rt ? vm->rt->end(vm, result, extra) : 0;
}

static int eff_record(VM *vm, const char *type, const char *key, const char *fields) {
  return vm->rt ? vm->rt->record(vm, type, key, fields) : 0;
}

static int eff_state(const VM *vm) { return vm->rt ? vm->rt->state(vm) : 0; }

int vm_notify(VM *vm, const char *role, const Value *text, Buf *err) {
  if (!vm->rt) return vm_fail(vm, "notify needs a run (no runtime here)");
  return vm->rt->notify(vm, role, text, err);
}

/* ---- arithmetic and comparison off the fast path ---------------------- */

static const char *op_verb(OpCode op) {
  switch (op) {
    case OP_ADD: case OP_ADDK: return "add";
    case OP_SUB: case OP_SUBK: return "subtract";
    case OP_MUL: case OP_MULK: return "multiply";
    case OP_DIV: case OP_DIVK: return "divide";
    default: return "take the modulo of";
  }
}

/* whole_i64 stores x in *out and returns 1 if x is a whole number int64
** holds exactly; else 0 (NaN, infinities, fractions, beyond 2^63). On
** x86-64, cvttsd2si gives INT64_MIN for what it cannot convert, which
** never converts back to x unless x is -2^63 itself: no range test. */
static inline int whole_i64(double x, int64_t *out) {
#if defined(__SSE2__) && defined(__x86_64__)
  int64_t v = _mm_cvttsd_si64(_mm_set_sd(x));
#else
  int64_t v;
  if (!(x >= -9223372036854775808.0 && x < 9223372036854775808.0)) return 0;
  v = (int64_t)x;
#endif
  *out = v;
  return (double)v == x;
}

/* Floored modulo, as in Lua: the result has the sign of the divisor.
** Whole numbers take the integer path (no libm call on the hot path). */
static inline double fmodfloor(double a, double b) {
  double m;
  if (a > -9e15 && a < 9e15 && b > -9e15 && b < 9e15) {
    long long x = (long long)a, y = (long long)b;
    if ((double)x == a && (double)y == b && y != 0) {
      long long r = x % y;
      if (r != 0 && ((r < 0) != (y < 0))) r += y;
      return (double)r;
    }
  }
  m = fmod(a, b);
  if (m != 0 && ((m < 0) != (b < 0))) m += b;
  return m;
}

/* arith computes *out = b OP c for every type combination the language
** allows, or fails with a message naming both types. */
static int arith(VM *vm, OpCode op, Value *out, const Value *b, const Value *c) {
  int base = op >= OP_ADDK ? op - (OP_ADDK - OP_ADD) : op;
  double x = b->u.n, y = c->u.n;
  int bn = b->t == V_NUM, cn = c->t == V_NUM, bd = b->t == V_DUR, cd = c->t == V_DUR;
  Value r = val_nil();
  if ((base == OP_DIV || base == OP_MOD) && (cn || cd) && y == 0)
    return vm_fail(vm, "%s by zero", base == OP_DIV ? "division" : "modulo");
  switch (base) {
    case OP_ADD: case OP_SUB:
      if (bn && cn) r = val_num(base == OP_ADD ? x + y : x - y);
      else if (bd && cd) r = val_dur(base == OP_ADD ? x + y : x - y);
      else if (base == OP_ADD && b->t == V_STR && c->t == V_STR) {
        Buf t = BUF_INIT;
        buf_add(&t, AS_STR(*b)->s, AS_STR(*b)->len);
        buf_add(&t, AS_STR(*c)->s, AS_STR(*c)->len);
        r = val_str_take(&t);
      } else if (base == OP_ADD && b->t == V_LIST && c->t == V_LIST) {
        List *l = AS_LIST(*b), *m = AS_LIST(*c);
        Value *v = mem_alloc((l->n + m->n + 1) * sizeof *v);
        uint32_t i;
        for (i = 0; i < l->n; i++) { v[i] = l->v[i]; val_retain(v[i]); }
        for (i = 0; i < m->n; i++) { v[l->n + i] = m->v[i]; val_retain(v[l->n + i]); }
        r = val_list_new(v, l->n + m->n);
        mem_free(v);
      } else goto bad;
      break;
    case OP_MUL:
      if (bn && cn) r = val_num(x * y);
      else if ((bd && cn) || (bn && cd)) r = val_dur(x * y);
      else goto bad;
      break;
    case OP_DIV:
      if (bn && cn) r = val_num(x / y);
      else if (bd && cn) r = val_dur(x / y);
      else if (bd && cd) r = val_num(x / y);
      else goto bad;
      break;
    default:   /* MOD */
      if (bn && cn) r = val_num(fmodfloor(x, y));
      else if (bd && cd) r = val_dur(fmodfloor(x, y));
      else goto bad;
  }
  val_release(*out);
  *out = r;
  return 0;
bad:
  return vm_fail(vm, "cannot %s %s and %s", op_verb((OpCode)base), val_type_name(b), val_type_name(c));
}

/* less returns 1 or 0 for a < b (or a <= b), or -1 after failing. */
static int less(VM *vm, const Value *a, const Value *b, int or_equal) {
  if (a->t == b->t && (a->t == V_NUM || a->t == V_DUR))
    return or_equal ? a->u.n <= b->u.n : a->u.n < b->u.n;
  if (a->t == V_STR && b->t == V_STR) {
    Str *x = AS_STR(*a), *y = AS_STR(*b);
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->s, y->s, n);
    if (c == 0) c = x->len < y->len ? -1 : x->len > y->len;
    return or_equal ? c <= 0 : c < 0;
  }
  return vm_fail(vm, "cannot compare %s with %s", val_type_name(a), val_type_name(b));
}

static int get_field(VM *vm, const Value *o, const Value *k, Value *out) {
  const char *f = AS_STR(*k)->s;
  Value r;
  if (o->t == V_REC) {
    Rec *rec = AS_REC(*o);
    if (strcmp(f, "status") == 0) r = val_num(rec->status);
    else if (strcmp(f, "ok") == 0) r = val_bool(rec->status == 0);
    else if (strcmp(f, "duration") == 0) r = val_dur(rec->duration);
    else if (strcmp(f, "out") == 0 || strcmp(f, "err") == 0) {
      Str *s = f[0] == 'o' ? rec->out : rec->err;
      size_t n = s->len;
      while (n > 0 && (s->s[n - 1] == '\n' || s->s[n - 1] == '\r')) n--;   /* drop the final newline */
      r = val_str_new(s->s, n);
    } else if (strcmp(f, "timed_out") == 0) r = val_bool(rec->timed_out);
    else return vm_fail(vm, "a command result has no field '%s'", f);
  } else if (o->t == V_MAP) {   /* a host: name, address, port, user, vars */
    const Value *x = val_map_get(o, f);
    if (!x) {   /* say which it has */
      Map *mp = AS_MAP(*o);
      Buf keys = BUF_INIT;
      uint32_t i;
      for (i = 0; i < mp->n && keys.n < 200; i++) buf_printf(&keys, "%s%s", i ? ", " : "", AS_STR(mp->kv[2 * i])->s);
      vm_fail(vm, "the map has no field '%s' (it has: %s)", f, mp->n ? buf_cstr(&keys) : "nothing");
      buf_free(&keys);
      return -1;
    }
    r = *x;
    val_retain(r);
  } else {
    return vm_fail(vm, "%s has no field '%s'", val_type_name(o), f);
  }
  val_release(*out);
  *out = r;
  return 0;
}

static int do_index(VM *vm, const Value *o, const Value *i, Value *out) {
  double d;
  long n, len;
  Value r;
  if (o->t == V_MAP) {   /* m["key"]: the value, or nil when the map has no such key */
    const Value *x;
    if (i->t != V_STR) return vm_fail(vm, "a map's index must be a string, not %s", val_type_name(i));
    x = val_map_get(o, AS_STR(*i)->s);
    r = x ? *x : val_nil();
    val_retain(r);
    val_release(*out);
    *out = r;
    return 0;
  }
  if (i->t != V_NUM) return vm_fail(vm, "an index must be a number, not %s", val_type_name(i));
  d = i->u.n;
  if (d != floor(d)) return vm_fail(vm, "an index must be a whole number");
  if (o->t == V_LIST) len = (long)AS_LIST(*o)->n;
  else if (o->t == V_STR) len = (long)AS_STR(*o)->len;
  else return vm_fail(vm, "cannot index %s", val_type_name(o));
  n = (long)d;
  if (n < 0) n += len;   /* -1 is the last */
  if (n < 0 || n >= len) return vm_fail(vm, "index %.0f is out of range (length %ld)", d, len);
  if (o->t == V_LIST) {
    r = AS_LIST(*o)->v[n];
    val_retain(r);
  } else {
    r = val_str_new(AS_STR(*o)->s + n, 1);
  }
  val_release(*out);
  *out = r;
  return 0;
}

static int do_match(VM *vm, const Value *s, const Value *pat, Value *out) {
  regex_t re;
  int rc;
  if (s->t != V_STR || pat->t != V_STR)
    return vm_fail(vm, "'=~' needs two strings, not %s and %s", val_type_name(s), val_type_name(pat));
  rc = regcomp(&re, AS_STR(*pat)->s, REG_EXTENDED | REG_NOSUB);
  if (rc != 0) {
    char why[128];
    regerror(rc, &re, why, sizeof why);
    return vm_fail(vm, "invalid regular expression: %s", why);
  }
  rc = regexec(&re, AS_STR(*s)->s, 0, NULL, 0);
  regfree(&re);
  val_release(*out);
  *out = val_bool(rc == 0);
  return 0;
}

/* ---- statements that reach the outside -------------------------------- */

static int run_statement(VM *vm, const Value *cmd) {
  if (cmd->t != V_STR) return vm_fail(vm, "'run' needs a command string, not %s", val_type_name(cmd));
  if (memchr(AS_STR(*cmd)->s, '\0', AS_STR(*cmd)->len))
    return vm_fail(vm, "the command contains a NUL byte");
  if (!vm->rt) return vm_fail(vm, "commands cannot run here (no runtime)");
  return vm->rt->run(vm, AS_STR(*cmd)->s);
}

/* frame_src is the source the running function was compiled from. */
static Source *frame_src(const VM *vm) {
  const Proto *p = vm->nframes > 0 ? vm->frames[vm->nframes - 1].p : NULL;
  return p && p->src ? p->src : vm->prog->src;
}

/* verify_failed explains a failed check by verify record vi: `what`
** ("verify failed", "hold failed", "timed out waiting for the condition"),
** the message or the condition, and the values it saw: both sides of a
** comparison, or (res >= 0: a hold's or a wait's) the condition's value.
** at_cond: the error points at the condition, not at the statement. */
static int verify_failed(VM *vm, const Value *R, uint32_t vi, const char *what, int res, int at_cond) {
  VerifyInfo *v = &vm->prog->verifies[vi];
  const char *src = frame_src(vm)->text;
  Buf b = BUF_INIT;
  if (v->msg >= 0 && R[v->msg].t != V_NIL) {
    Buf t = BUF_INIT;
    vm_show(vm, &R[v->msg], &t);
    buf_add_text(&b, buf_cstr(&t), t.n);   /* masked, then a NUL cannot cut it */
    buf_free(&t);
    vm_fail(vm, "%s: %s", what, buf_cstr(&b));
    buf_reset(&b);
    vm_fail_detail(vm, "condition: %.*s\n", (int)(v->end - v->pos), src + v->pos);
  } else {
    vm_fail(vm, "%s: %.*s", what, (int)(v->end - v->pos), src + v->pos);
  }
  if (v->lhs >= 0) {
    vm_show_repr(vm, &R[v->lhs], &b);
    vm_fail_detail(vm, "left:  %s\n", buf_cstr(&b));
    buf_reset(&b);
    vm_show_repr(vm, &R[v->rhs], &b);
    vm_fail_detail(vm, "right: %s\n", buf_cstr(&b));
  } else if (res >= 0) {
    vm_show_repr(vm, &R[res], &b);
    vm_fail_detail(vm, "value: %s\n", buf_cstr(&b));
  }
  if (at_cond) {
    vm->fail_pos = v->pos;
    vm->fail_end = v->end;
  }
  buf_free(&b);
  return -1;
}

int vm_message(VM *vm, const char *kind, const Value *v) {
  Buf raw = BUF_INIT, b = BUF_INIT;
  Value none;
  FxMode m;
  val_to_buf(v, &b);
  buf_add_text(&raw, buf_cstr(&b), b.n);   /* a NUL (from a command's output) must not cut the text */
  buf_reset(&b);
  m = eff_begin(vm, kind, buf_cstr(&raw), 1, &none);
  val_release(none);
  if (m == FX_STOP) {
    buf_free(&raw);
    return -1;
  }
  if (m == FX_LIVE) {
    Buf t = BUF_INIT;
    vm_show(vm, v, &t);
    buf_add_text(&b, buf_cstr(&t), t.n);
    buf_free(&t);
    if (vm->host.on_message) vm->host.on_message(vm->host.ud, kind, buf_cstr(&b));
    none = val_nil();
    if (eff_end(vm, &none, NULL) != 0) {
      buf_free(&raw);
      buf_free(&b);
      return -1;
    }
  }
  buf_free(&raw);
  buf_free(&b);
  return 0;
}

/* role_has_keys: the role names public keys (contact fields "key", or a
** "keys" file, even one that could not be read), so its answers are signed. */
static int role_has_keys(const Program *p, const char *role) {
  int ri = role ? prog_find_role(p, role) : -1;
  uint32_t c;
  if (ri < 0) return 0;
  for (c = 0; c < p->roles[ri].ncontacts; c++)
    if (strcmp(p->roles[ri].keys[c], "key") == 0 || strcmp(p->roles[ri].keys[c], "keys") == 0) return 1;
  return 0;
}

/* gate_signer: the role whose keys sign a gate's answer: an approval's
** role; for manual and ask, the owner of the step they are in. */
static const char *gate_signer(const VM *vm, GateKind k, const char *role) {
  int32_t o;
  if (k == GATE_APPROVE) return role;
  if (vm->step < 0 || (uint32_t)vm->step >= vm->prog->nsteps) return NULL;
  o = vm->prog->steps[vm->step].owner;
  return o >= 0 && (uint32_t)o < vm->prog->nroles ? vm->prog->roles[o].name : NULL;
}

static const char *gate_name(GateKind k) {
  return k == GATE_MANUAL ? "manual" : k == GATE_ASK ? "ask" : "approve";
}

VmResult vm_gate(VM *vm, GateKind k, const Value *text, const char *role, int fail_on_no, Value *answer) {
  Buf b = BUF_INIT, what = BUF_INIT, signed_fields = BUF_INIT;
  char signwhy[1200] = "";
  const char *person = NULL;
  char *note = NULL;
  int r, ri;
  Value rec;
  FxMode m;
  /* the effect's key is of the text as it is; a person sees it masked */
  if (text && text->t != V_NIL) val_to_buf(text, &b);
  if (role && (ri = prog_find_role(vm->prog, role)) >= 0) person = vm->prog->roles[ri].person;
  buf_printf(&what, "%s %s: %s", gate_name(k), role ? role : "-", buf_cstr(&b));
  m = eff_begin(vm, "gate", buf_cstr(&what), 0, &rec);
  buf_free(&what);
  buf_reset(&b);
  if (text && text->t != V_NIL) vm_show(vm, text, &b);
  if (m == FX_STOP) {
    buf_free(&b);
    return vm->paused ? VM_PAUSED : VM_FAILED;
  }
  if (m == FX_REPLAYED) {
    r = val_truthy(&rec);
    val_release(rec);
  } else {
    /* A role with keys answers by signing (rbk approve/confirm/answer), never at the prompt; a
    ** manual step or a question is signed by its step owner's keys. */
    const char *signer = gate_signer(vm, k, role);
    int keyed = (k == GATE_APPROVE && vm->gate_need > 0) || role_has_keys(vm->prog, signer);
    /* ... except that the terminal asks, and signs with the operator's key, a manual step or a
    ** question, and an approval the operator may give ('approve by ROLE or operator') */
    int ask_signed = keyed && vm->host.on_gate && vm->rt && vm->rt->sign_gate &&
                     (k != GATE_APPROVE || (vm->gate_operator_may && vm->gate_need == 0));
    uint64_t gn = vm->rt ? vm->rt->next(vm) : 0;
    double asked = vm_now();
    if (ask_signed && vm->rt->sign_gate(vm, gn, signer, NULL, NULL, NULL, signwhy, sizeof signwhy) != 0)
      ask_signed = 0;   /* no key here: the run waits, and says why */
    r = keyed && !ask_signed ? -1
        : vm->host.on_gate ? vm->host.on_gate(vm->host.ud, k, buf_cstr(&b), role, person, &note) : -1;
    if (r >= 0 && ask_signed) {
      const char *ans = k == GATE_APPROVE ? (r ? "approve" : "refuse")
                        : k == GATE_MANUAL ? (r ? "confirm" : "no") : (r ? "yes" : "no");
      if (vm->rt->sign_gate(vm, gn, signer, ans, note && *note ? note : NULL, &signed_fields, signwhy,
                            sizeof signwhy) != 0) {
        r = -1;   /* not signed: nothing is journaled, and the run waits for rbk approve/confirm/answer */
        mem_free(note);
        note = NULL;
      }
    }
    vm->gate_waited += vm_now() - asked;
    if (r < 0 && (eff_state(vm) & VM_FX_CAN_WAIT)) {
      /* No one at a terminal: the run waits for rbk approve/confirm/answer. */
      Buf f = BUF_INIT;
      buf_printf(&f, "\"n\":%llu,\"gate\":\"%s\",\"text\":", (unsigned long long)vm->rt->next(vm), gate_name(k));
      json_put_str(&f, buf_cstr(&b), b.n);
      buf_puts(&f, ",\"role\":");
      if (role) json_put_str(&f, role, strlen(role)); else buf_puts(&f, "null");
      buf_puts(&f, ",\"person\":");
      if (person) json_put_str(&f, person, strlen(person)); else buf_puts(&f, "null");
      if (k == GATE_APPROVE && vm->gate_operator_may) buf_puts(&f, ",\"operator_may_approve\":true");
      if (k == GATE_APPROVE && vm->gate_need > 0) buf_printf(&f, ",\"need\":%d", vm->gate_need);
      if (k != GATE_APPROVE && keyed) {
        buf_puts(&f, ",\"signer\":");
        json_put_str(&f, signer, strlen(signer));
      }
      buf_printf(&f, ",\"step\":");
      json_put_str(&f, vm->step >= 0 ? vm->prog->steps[vm->step].name : "", vm->step >= 0 ? strlen(vm->prog->steps[vm->step].name) : 0);
      eff_record(vm, "gate_wait", NULL, buf_cstr(&f));
      buf_free(&f);
      buf_free(&b);
      vm->paused = 1;
      if (keyed && k == GATE_APPROVE && vm->gate_need > 0)
        vm_fail(vm, "waiting for %d signed approval%s by %s (rbk approve RUN --as ROLE, each with a different key)",
                vm->gate_need, vm->gate_need == 1 ? "" : "s", role);
      else if (keyed && k == GATE_APPROVE)
        vm_fail(vm, "waiting for approval by %s%s%s%s, signed with one of the role's keys (rbk approve RUN --as %s)%s%s",
                role, person ? " (" : "", person ? person : "", person ? ")" : "", role,
                signwhy[0] ? "; not signed here: " : "", signwhy);
      else if (keyed)
        vm_fail(vm, "waiting for a person to %s, signed with a key of role %s, the step's owner (rbk %s)%s%s",
                k == GATE_MANUAL ? "confirm a manual step" : "answer a question", signer,
                k == GATE_MANUAL ? "confirm RUN --key FILE" : "answer RUN yes|no --key FILE",
                signwhy[0] ? "; not signed here: " : "", signwhy);
      else if (k == GATE_APPROVE)
        vm_fail(vm, "waiting for approval by %s%s%s%s", role, person ? " (" : "", person ? person : "", person ? ")" : "");
      else
        vm_fail(vm, "waiting for a person to %s", k == GATE_MANUAL ? "confirm a manual step" : "answer a question");
      return VM_PAUSED;
    }
    if (r < 0 && keyed) {
      buf_free(&b);
      vm_fail(vm, "this %s must be signed by a key of role %s (rbk %s), and this run cannot wait for it",
              k == GATE_MANUAL ? "manual step" : k == GATE_ASK ? "answer" : "approval", signer,
              k == GATE_MANUAL ? "confirm" : k == GATE_ASK ? "answer" : "approve");
      return VM_FAILED;
    }
    if (r < 0) {
      buf_free(&b);
      vm_fail(vm, r == -2 ? "%s got no answer (end of input)" : "%s needs a person at a terminal, and there is none",
              k == GATE_MANUAL ? "this manual step" : k == GATE_ASK ? "this question" : "this approval");
      return VM_FAILED;
    }
    {
      Value ans = val_bool(r == 1);
      Buf extra = BUF_INIT;
      buf_puts(&extra, ",\"by\":");
      json_put_str(&extra, vm->operator_name ? vm->operator_name : "operator",
                   strlen(vm->operator_name ? vm->operator_name : "operator"));
      if (note && *note) {
        buf_puts(&extra, ",\"note\":");
        json_put_str(&extra, note, strlen(note));
      }
      if (signed_fields.n) buf_add(&extra, signed_fields.p, signed_fields.n);
      else if (k == GATE_APPROVE) buf_puts(&extra, ",\"verified\":false");
      buf_free(&signed_fields);
      if (eff_end(vm, &ans, buf_cstr(&extra)) != 0) {
        buf_free(&extra);
        buf_free(&b);
        mem_free(note);
        return VM_FAILED;
      }
      buf_free(&extra);
    }
  }
  buf_free(&signed_fields);
  buf_free(&b);
  mem_free(note);
  if (answer) {
    val_release(*answer);
    *answer = val_bool(r == 1);
  }
  if (r == 0 && k == GATE_APPROVE) { vm_fail(vm, "approval refused by %s", role); return VM_FAILED; }
  if (r == 0 && k == GATE_MANUAL) { vm_fail(vm, "the manual step was not confirmed"); return VM_FAILED; }
  if (r == 0 && fail_on_no) { vm_fail(vm, "the answer was no"); return VM_FAILED; }
  return VM_OK;
}

/* verify_outcome journals a verify's outcome, with both sides of a
** comparison (masked), as an effect of kind "verify": once, not again on
** replay (a read-only replay, as rbk undo's, still takes its place in the
** journal, so that the effects after it keep their numbers). */
static int verify_outcome(VM *vm, const Value *R, uint32_t vi, int ok) {
  const VerifyInfo *v = &vm->prog->verifies[vi];
  Value none, res;
  Buf what = BUF_INIT, extra = BUF_INIT;
  ValMask mask = vm_mask(vm);
  FxMode m;
  if (!(eff_state(vm) & (VM_FX_WRITES | VM_FX_REPLAYING))) return 0;
  buf_add(&what, frame_src(vm)->text + v->pos, v->end - v->pos);
  m = eff_begin(vm, "verify", buf_cstr(&what), 1, &none);
  buf_free(&what);
  val_release(none);
  if (m == FX_STOP) return -1;
  if (m == FX_REPLAYED) return 0;
  if (v->lhs >= 0) {
    buf_puts(&extra, ",\"left\":");
    json_put_value_masked(&extra, &R[v->lhs], &mask);
    buf_puts(&extra, ",\"right\":");
    json_put_value_masked(&extra, &R[v->rhs], &mask);
  }
  res = val_bool(ok);
  m = eff_end(vm, &res, buf_cstr(&extra)) == 0 ? FX_LIVE : FX_STOP;
  buf_free(&extra);
  return m == FX_STOP ? -1 : 0;
}

/* wait_clock reads the wall clock for 'wait until' through the journal,
** so that a replay takes the same number of turns round the loop. */
static int wait_clock(VM *vm, double *now, int *replayed) {
  Value v;
  FxMode m = eff_begin(vm, "clock", "wait until", 1, &v);
  *replayed = 0;
  if (m == FX_STOP) return -1;
  if (m == FX_REPLAYED) {
    *now = v.t == V_NUM ? v.u.n : 0;
    *replayed = 1;
    val_release(v);
    return 0;
  }
  {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    *now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
  }
  v = val_num(*now);
  return eff_end(vm, &v, NULL);
}

/* ---- natives: one dispatcher for builtins, rbk builtins and externs --- */

/* fail_here moves the last failure's position to the current frame's
** instruction: a builtin written in rbk fails inside the module, but the
** runbook's line is the call. */
static void fail_here(VM *vm) {
  Frame *f;
  uint32_t pc;
  if (vm->nframes <= 0) return;
  f = &vm->frames[vm->nframes - 1];
  pc = (uint32_t)(f->pc - f->p->code);
  if (pc > 0) pc--;
  if (pc < f->p->ncode) {
    vm->fail_pos = vm->fail_end = f->p->pos[pc];
    vm->failed_has_pos = 1;
  }
}

/* rbk_native is the NativeFn of a builtin written in rbk: its proto runs
** as a call of its own. A failure inside is reported at the call, named
** after the builtin. */
static int rbk_native(VM *vm, Value *args, int argc, Value *out) {
  const NativeInfo *ni = vm->native;
  VmResult r = vm_call(vm, (int)(intptr_t)ni->data, args, argc, out);
  if (r == VM_OK) return 0;
  val_release(*out);
  *out = val_nil();
  {
    size_t n = strlen(ni->name);
    if (!(vm->fail.n > n + 2 && memcmp(vm->fail.p, ni->name, n) == 0 && vm->fail.p[n] == '(')) {
      Buf b = BUF_INIT;
      buf_printf(&b, "%s(): %s", ni->name, buf_cstr(&vm->fail));
      buf_reset(&vm->fail);
      buf_add(&vm->fail, b.p, b.n);
      buf_free(&b);
    }
  }
  fail_here(vm);
  return -1;
}

static const char *arg_kind_name(int k) {
  switch (k) {
    case NA_STR: return "a string";
    case NA_NUM: return "a number";
    case NA_DUR: return "a duration";
    default: return "a list";
  }
}

/* The value type each argument kind wants (NA_ANY: not checked). */
static const uint8_t arg_type[] = {[NA_ANY] = V_UNDEF, [NA_STR] = V_STR, [NA_NUM] = V_NUM, [NA_DUR] = V_DUR,
                                   [NA_LIST] = V_LIST};

/* bad_args reports what args_ok found wrong. */
static int bad_args(VM *vm, const NativeInfo *ni, const Value *args, int argc) {
  int k;
  if (argc < ni->min_args || argc > ni->max_args) {
    if (ni->min_args == ni->max_args)
      return vm_fail(vm, "%s() takes %d argument%s, got %d", ni->name, ni->min_args, ni->min_args == 1 ? "" : "s", argc);
    return vm_fail(vm, "%s() takes %d to %d arguments, got %d", ni->name, ni->min_args, ni->max_args, argc);
  }
  for (k = 0; k < argc; k++)
    if (ni->args[k] != NA_ANY && args[k].t != arg_type[ni->args[k]])
      return vm_fail(vm, "%s(): argument %d must be %s, not %s", ni->name, k + 1, arg_kind_name(ni->args[k]),
                     val_type_name(&args[k]));
  return vm_fail(vm, "%s(): bad arguments", ni->name);
}

/* args_ok checks argc and each argument against ni's signature: the
** common case (the right count, and kinds that match) costs a compare
** and one test per argument up to the last that has a kind. */
static inline int args_ok(VM *vm, const NativeInfo *ni, const Value *args, int argc) {
  int k, n = ni->nchecked;
  if ((unsigned)(argc - ni->min_args) > (unsigned)(ni->max_args - ni->min_args)) return bad_args(vm, ni, args, argc);
  if (n > argc) n = argc;
  for (k = 0; k < n; k++)
    if (ni->args[k] != NA_ANY && args[k].t != arg_type[ni->args[k]]) return bad_args(vm, ni, args, argc);
  return 0;
}

/* invoke calls ni's function. vm->native is not restored afterwards: a
** native reads it on entry, before any call it makes can change it. */
static inline int invoke(VM *vm, const NativeInfo *ni, Value *args, int argc, Value *out) {
  vm->native = ni;
  return ni->fn(vm, args, argc, out);
}

/* call_effect calls a native whose result depends on the world through
** the journal: the recorded result on replay (or its recorded failure),
** else the call, recorded. What the native does inside is part of this
** one effect, so the journal is out of its reach meanwhile: a builtin
** written in rbk calls externs that are not journaled one by one. */
#if defined(__GNUC__)
__attribute__((noinline))   /* the journal's path: kept out of the interpreter loop */
#endif
static int call_effect(VM *vm, const NativeInfo *ni, Value *args, int argc, Value *out) {
  Buf what = BUF_INIT;
  struct Effects *fx = vm->fx;
  int k, rc, idem = ni->effect == NAT_WORLD || (vm->step >= 0 && vm->prog->steps[vm->step].idempotent);
  FxMode m;
  char small[96];
  size_t nl = strlen(ni->name);
  const char *w = small;
  if (argc == 0 && nl + 3 <= sizeof small) {
    /* the usual clock read and the like: nothing to render, nothing to allocate */
    memcpy(small, ni->name, nl);
    memcpy(small + nl, "()", 3);
  } else {
    buf_puts(&what, ni->name);   /* no printf: replay comes here once per effect */
    buf_putc(&what, '(');
    for (k = 0; k < argc; k++) {
      if (k) buf_puts(&what, ", ");
      val_repr_buf(&args[k], &what);
    }
    buf_putc(&what, ')');
    w = buf_cstr(&what);
  }
  m = eff_begin(vm, "call", w, idem, out);
  buf_free(&what);
  if (m == FX_STOP) return -1;
  if (m == FX_REPLAYED) {
    const char *err = vm->rt->replayed_error(vm);
    if (err) {
      /* It failed when it ran: the replay fails the same way. */
      val_release(*out);
      *out = val_nil();
      vm_fail(vm, "%s", err);
      return -1;
    }
    return 0;
  }
  vm->fx = NULL;
  rc = invoke(vm, ni, args, argc, out);
  vm->fx = fx;
  if (rc != 0 && vm_interrupted(vm)) {
    /* Cut short: no effect_end, so a resume finds the call in doubt. */
    val_release(*out);
    *out = val_nil();
    return -1;
  }
  if (rc != 0) {
    /* A failed call is recorded too, so the replay fails the same way. */
    Value none = val_nil();
    Buf e = BUF_INIT;
    buf_puts(&e, ",\"error\":");
    json_put_str(&e, buf_cstr(&vm->fail), vm->fail.n);
    val_release(*out);
    *out = val_nil();
    eff_end(vm, &none, buf_cstr(&e));
    buf_free(&e);
    return -1;
  }
  return eff_end(vm, out, NULL);
}

static inline int call_native(VM *vm, const NativeInfo *ni, Value *args, int argc, Value *out) {
  if (args_ok(vm, ni, args, argc) != 0) return -1;
  if ((unsigned)(ni->effect - NAT_WORLD) <= NAT_ACT - NAT_WORLD) return call_effect(vm, ni, args, argc, out);
  return invoke(vm, ni, args, argc, out);
}

/* ---- the loop -------------------------------------------------------- */

#if defined(__GNUC__)
#define RBK_LIKELY(x) __builtin_expect(!!(x), 1)
#define RBK_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define RBK_LIKELY(x) (x)
#define RBK_UNLIKELY(x) (x)
#endif


/* release_slot drops the reference r holds and leaves nil (the slow
** path of SETNUM, kept out of the loop's code). */
#if defined(__GNUC__)
__attribute__((noinline, cold))
#endif
static void release_slot(Value *r) {
  Value old = *r;
  *r = val_nil();
  val_release(old);
}

/* set stores v (an owned reference) in r, releasing what r held: the
** tag is tested in place, and an object released out of line. v owns its
** own reference, so releasing the old value cannot free it. */
static inline void set(Value *r, Value v) {
  if (RBK_UNLIKELY(r->t >= V_STR)) release_slot(r);
  *r = v;
}

static void clear_frame(Value *base, int n) {
  int i;
  for (i = 0; i < n; i++) {
    val_release(base[i]);
    base[i] = val_nil();
  }
}

/* How many backward jumps run between two ticks. The count is a local of
** the loop (a register), not a field of the VM written on every jump. */
#define VM_TICK 4096

/* tick runs every few thousand backward jumps: Ctrl-C and the step's
** deadline must stop even a loop that never runs a command. */
static int tick(VM *vm) {
  if (vm_interrupted(vm)) return vm_fail(vm, "interrupted");
  if (vm->step_deadline > 0 && vm_now() > vm->step_deadline) return vm_fail(vm, "step timed out");
  return 0;
}

#if defined(__GNUC__) && !defined(RBK_NO_COMPUTED_GOTO)
#define DISPATCH() goto *labels[GET_OP(i = *pc++)]
#define CASE(op) L_##op:
#define LOOP DISPATCH();
#define ENDLOOP
#else
#define DISPATCH() continue
#define CASE(op) case OP_##op:
#define LOOP for (;;) { i = *pc++; switch (GET_OP(i)) {
#define ENDLOOP default: goto bad_op; } }
#endif
#define NEXT DISPATCH()
#define A GET_A(i)
#define B GET_B(i)
#define C GET_C(i)
/* A register or constant operand is its field times 16 (a Value's size)
** bytes from the frame or the pool: one shift and one mask of the word
** the field is in, no shift back down and multiply up again. */
_Static_assert(sizeof(Value) == 16, "the operand macros scale a field by 16");
#define SLOT(base, off) ((Value *)(void *)((char *)(base) + (off)))
#define RA SLOT(R, (i >> 4) & 0xFF0)
#define RB SLOT(R, (i >> 12) & 0xFF0)
#define RC SLOT(R, (i >> 20) & 0xFF0)
#define KB SLOT(K, (i >> 12) & 0xFF0)
#define KC SLOT(K, (i >> 20) & 0xFF0)
/* The current frame: not a local of the loop, which needs its registers
** for pc, R, K and the dispatch table; only the slow paths use it. */
#define FR (&vm->frames[vm->nframes - 1])
#define SAVE() (FR->pc = pc)
#define TRY(x) do { SAVE(); if ((x) != 0) goto failed; } while (0)
/* The immediates as doubles, by field value: IMM(f) is f - 127, the sB or
** sC an instruction holds, loaded from the table rather than converted. */
#define IMM1_(n) ((double)(n) - 127)
#define IMM4_(n) IMM1_(n), IMM1_((n) + 1), IMM1_((n) + 2), IMM1_((n) + 3)
#define IMM16_(n) IMM4_(n), IMM4_((n) + 4), IMM4_((n) + 8), IMM4_((n) + 12)
#define IMM64_(n) IMM16_(n), IMM16_((n) + 16), IMM16_((n) + 32), IMM16_((n) + 48)
static const double imm_num[256] = {IMM64_(0), IMM64_(64), IMM64_(128), IMM64_(192)};
#define IMMB imm_num[GET_B(i)]
#define IMMC imm_num[GET_C(i)]
/* MODI's remainder of a 32-bit whole number by its divisor d (1 to 255)
** without a division instruction, which is most of MODI's time (Lemire,
** Kaser and Kurz, "Faster remainder by direct computation", 2019): with
** M = 2^64 / d rounded up, x % d is the high 64 bits of (M * x mod 2^64)
** * d, for every 32-bit x and d. M is read from a table by the field
** value (M of 1 wraps to 0, and x % 1 is 0; field 0 never passes the
** verifier). Without a 128-bit type, the division. */
#if defined(__SIZEOF_INT128__)
#define MM1_(d) (UINT64_MAX / ((d) + !(d)) + 1)   /* field 0: 0 too */
#define MM4_(d) MM1_(d), MM1_((d) + 1), MM1_((d) + 2), MM1_((d) + 3)
#define MM16_(d) MM4_(d), MM4_((d) + 4), MM4_((d) + 8), MM4_((d) + 12)
#define MM64_(d) MM16_(d), MM16_((d) + 16), MM16_((d) + 32), MM16_((d) + 48)
static const uint64_t mod_magic[256] = {MM64_(0), MM64_(64), MM64_(128), MM64_(192)};
static inline uint32_t mod_small(uint32_t x, uint32_t d) {
  __extension__ typedef unsigned __int128 u128;
  return (uint32_t)(((u128)(mod_magic[d] * x) * d) >> 64);
}
#else
static inline uint32_t mod_small(uint32_t x, uint32_t d) { return x % d; }
#endif

/* After a comparison: take the following JMP when the result equals C. */
#define CONDJUMP(res) do { if ((res) != (int)C) pc++; else pc += GET_sJ(*pc) + 1; } while (0)
/* The same for a result that is a test the compiler can branch on, not a
** 0 or 1 to compare with C: one branch on C, one on the test itself. */
#define CONDJUMP_IF(test) do {                                                \
    if (C) { if (test) pc += GET_sJ(*pc); } else if (!(test)) pc += GET_sJ(*pc); \
    pc++;                                                                      \
  } while (0)

/* Each instruction ends in its own indirect jump to the next one, so the
** branch predictor learns, per opcode, which opcode tends to follow (the
** point of threaded code). GCC's cross-jumping would merge those jumps
** into one shared by most opcodes; it is turned off for this function.
** Its labels, the handlers among them, start on 16-byte boundaries: the
** padding adds executed nops (the 3M-iteration loop of bench/vm.bench.sh
** 341M -> 363M instructions in callgrind), yet the loop runs 3-4% faster
** (paired against the same code unaligned, on a Sapphire Rapids VM), the
** front end fetching each handler in fewer blocks. */
#if defined(__GNUC__) && !defined(__clang__) && !defined(RBK_NO_COMPUTED_GOTO)
__attribute__((optimize("no-crossjumping", "align-labels=16")))
#endif
static VmResult execute(VM *vm, int entry, Value *result) {
#if defined(__GNUC__) && !defined(RBK_NO_COMPUTED_GOTO)
  static const void *const labels[] = {
#define X(name, fmt, doc) &&L_##name,
    OPCODES(X)
#undef X
  };
#endif
  const Instr *pc = FR->pc;
  Value *R = FR->base;
  Value *K = FR->p->k;
  uint32_t budget = vm->budget ? vm->budget : VM_TICK;
  Instr i;
  LOOP
  CASE(MOVE) {
    Value v = *RB;
    if (RBK_UNLIKELY(v.t >= V_STR)) val_retain(v);   /* before set: R[A] may be R[B] */
    set(RA, v);
    NEXT;
  }
  CASE(LOADK) { Value v = K[GET_Bx(i)]; val_retain(v); set(RA, v); NEXT; }
  CASE(LOADNIL) { set(RA, val_nil()); NEXT; }
  CASE(LOADBOOL) { set(RA, val_bool(B)); NEXT; }
  CASE(LOADFN) { set(RA, val_fn(GET_Bx(i))); NEXT; }
  CASE(GETG) {
    Value v = vm->G[GET_Bx(i)];
    if (v.t == V_UNDEF) {
      SAVE();
      vm_fail(vm, "'%s' has no value yet: the step that sets it has not run", vm->prog->globals[GET_Bx(i)]);
      goto failed;
    }
    val_retain(v);
    set(RA, v);
    NEXT;
  }
  CASE(SETG) { Value v = *RA; val_retain(v); set(&vm->G[GET_Bx(i)], v); NEXT; }
/* The number fast paths test the tag the register holds in place (one
** compare with memory: almost never an object, or the undefined marker),
** release it out of line if it is one, then compute and store the
** number. The result is computed after the release, so no double lives
** across a call; the operands it reads are numbers, so not the object
** the release may free. */
#define SETNUM(a, r) do { Value *a_ = (a); if (RBK_UNLIKELY(a_->t >= V_STR)) release_slot(a_); \
                          a_->u.n = (r); a_->t = V_NUM; } while (0)
#define ARITH(op, expr, kop)                                                   \
  CASE(op) {                                                                   \
    Value *b = RB, *c = RC;                                                    \
    if (RBK_LIKELY(b->t == V_NUM && c->t == V_NUM)) {                          \
      double x = b->u.n, y = c->u.n;                                           \
      SETNUM(RA, expr); NEXT;                                                  \
    }                                                                          \
    TRY(arith(vm, OP_##op, RA, b, c)); NEXT;                                   \
  }                                                                            \
  CASE(kop) {                                                                  \
    Value *b = RB, *c = KC;                                                    \
    if (RBK_LIKELY(b->t == V_NUM && c->t == V_NUM)) {                          \
      double x = b->u.n, y = c->u.n;                                           \
      SETNUM(RA, expr); NEXT;                                                  \
    }                                                                          \
    TRY(arith(vm, OP_##kop, RA, b, c)); NEXT;                                  \
  }
  ARITH(ADD, x + y, ADDK)
  ARITH(SUB, x - y, SUBK)
  ARITH(MUL, x * y, MULK)
/* Division and modulo: numbers by a number other than 0 inline; a zero
** divisor, and every other type, through arith (which fails for zero). */
#define DIVMOD(op, creg, expr)                                                 \
  CASE(op) {                                                                   \
    Value *b = RB, *c = creg;                                                  \
    if (RBK_LIKELY(b->t == V_NUM && c->t == V_NUM && c->u.n != 0)) {           \
      double x = b->u.n, y = c->u.n;                                           \
      SETNUM(RA, expr); NEXT;                                                  \
    }                                                                          \
    TRY(arith(vm, OP_##op, RA, b, c)); NEXT;                                   \
  }
  DIVMOD(DIV, RC, x / y)
  DIVMOD(DIVK, KC, x / y)
  DIVMOD(MOD, RC, fmodfloor(x, y))
  CASE(MODK) {
    Value *b = RB, *c = KC;
    if (RBK_LIKELY(b->t == V_NUM && c->t == V_NUM && c->u.n != 0)) {
      double x = b->u.n, y = c->u.n;
      SETNUM(RA, fmodfloor(x, y));
      NEXT;
    }
    TRY(arith(vm, OP_MODK, RA, b, c));
    NEXT;
  }
  /* The immediate forms: the operand is in the instruction, a whole
  ** number the compiler chose, so there is no constant to load or check. */
  CASE(ADDI) {
    Value *b = RB;
    if (RBK_LIKELY(b->t == V_NUM)) { SETNUM(RA, b->u.n + IMMC); NEXT; }
    { Value k = val_num(GET_sC(i)); TRY(arith(vm, OP_ADD, RA, b, &k)); }
    NEXT;
  }
  CASE(SUBI) {
    Value *b = RB;
    if (RBK_LIKELY(b->t == V_NUM)) { SETNUM(RA, b->u.n - IMMC); NEXT; }
    { Value k = val_num(GET_sC(i)); TRY(arith(vm, OP_SUB, RA, b, &k)); }
    NEXT;
  }
  CASE(MODI) {
    Value *b = RB;
    if (RBK_LIKELY(b->t == V_NUM)) {
      /* A whole dividend from 0 to 2^32 - 1: mod_small; one from -2^32
      ** to -1: since the divisor is positive the floored result is
      ** C - 1 - (-x - 1) % C, and -x - 1 is ~x, from 0 to 2^32 - 1. */
      double x = b->u.n;
      int64_t xi;
      if (RBK_LIKELY(whole_i64(x, &xi))) {
        if (RBK_LIKELY((uint64_t)xi <= UINT32_MAX)) { SETNUM(RA, (double)mod_small((uint32_t)xi, C)); NEXT; }
        if (xi < 0 && (uint64_t)~xi <= UINT32_MAX) {
          SETNUM(RA, (double)(C - 1 - mod_small((uint32_t)~xi, C)));
          NEXT;
        }
      }
      SETNUM(RA, fmodfloor(x, (double)C));
      NEXT;
    }
    { Value k = val_num(C); TRY(arith(vm, OP_MOD, RA, b, &k)); }
    NEXT;
  }
  CASE(NEG) {
    Value *b = RB;
    if (b->t == V_NUM) set(RA, val_num(-b->u.n));
    else if (b->t == V_DUR) set(RA, val_dur(-b->u.n));
    else { SAVE(); vm_fail(vm, "cannot negate %s", val_type_name(b)); goto failed; }
    NEXT;
  }
  CASE(NOT) { set(RA, val_bool(!val_truthy(RB))); NEXT; }
#define CMPEQ(op, breg)                                                        \
  CASE(op) {                                                                   \
    Value *a = RA, *b = breg;                                                  \
    if (RBK_LIKELY(a->t == V_NUM && b->t == V_NUM)) CONDJUMP_IF(a->u.n == b->u.n); \
    else CONDJUMP(val_equal(a, b));                                            \
    NEXT;                                                                      \
  }
  CMPEQ(EQ, RB)
  CMPEQ(EQK, KB)
/* a < b, a <= b, and (swap) b < a, b <= a for a > b, a >= b */
#define CMP(op, breg, cmpop, swap, eq)                                         \
  CASE(op) {                                                                   \
    Value *a = RA, *b = breg;                                                  \
    int r;                                                                     \
    if (RBK_LIKELY(a->t == V_NUM && b->t == V_NUM)) CONDJUMP_IF(a->u.n cmpop b->u.n); \
    else {                                                                     \
      SAVE();                                                                  \
      if ((r = swap ? less(vm, b, a, eq) : less(vm, a, b, eq)) < 0) goto failed; \
      CONDJUMP(r);                                                             \
    }                                                                          \
    NEXT;                                                                      \
  }
  CMP(LT, RB, <, 0, 0)
  CMP(LE, RB, <=, 0, 1)
  CMP(LTK, KB, <, 0, 0)
  CMP(LEK, KB, <=, 0, 1)
  CMP(GTK, KB, >, 1, 0)
  CMP(GEK, KB, >=, 1, 1)
  CASE(EQI) {
    Value *a = RA;
    if (RBK_LIKELY(a->t == V_NUM)) CONDJUMP_IF(a->u.n == IMMB);
    else CONDJUMP(0);
    NEXT;
  }
#define CMPI(op, cmpop, swap, eq)                                              \
  CASE(op) {                                                                   \
    Value *a = RA;                                                             \
    int r;                                                                     \
    if (RBK_LIKELY(a->t == V_NUM)) CONDJUMP_IF(a->u.n cmpop IMMB);             \
    else {                                                                     \
      Value k = val_num(GET_sB(i));                                            \
      SAVE();                                                                  \
      if ((r = swap ? less(vm, &k, a, eq) : less(vm, a, &k, eq)) < 0) goto failed; \
      CONDJUMP(r);                                                             \
    }                                                                          \
    NEXT;                                                                      \
  }
  CMPI(LTI, <, 0, 0)
  CMPI(LEI, <=, 0, 1)
  CMPI(GTI, >, 1, 0)
  CMPI(GEI, >=, 1, 1)
  CASE(TEST) { CONDJUMP(val_truthy(RA)); NEXT; }
  CASE(MATCH) { TRY(do_match(vm, RB, RC, RA)); NEXT; }
  CASE(JMP) {
    int off = GET_sJ(i);
    pc += off;
    if (off < 0 && RBK_UNLIKELY(--budget == 0)) { budget = VM_TICK; TRY(tick(vm)); }
    NEXT;
  }
  CASE(JNIL) { if (RA->t == V_NIL) pc += GET_sBx(i); NEXT; }
  CASE(JNNIL) { if (RA->t != V_NIL) pc += GET_sBx(i); NEXT; }
  CASE(CONCAT) {
    Buf b = BUF_INIT;
    int k;
    for (k = 0; k < (int)C; k++) val_to_buf(&R[B + k], &b);
    set(RA, val_str_take(&b));
    NEXT;
  }
  CASE(SHQUOTE) {
    Buf raw = BUF_INIT, b = BUF_INIT;
    val_to_buf(RB, &raw);
    if (memchr(buf_cstr(&raw), '\0', raw.n)) {
      buf_free(&raw);
      SAVE();
      vm_fail(vm, "a value interpolated into a command contains a NUL byte");
      goto failed;
    }
    shquote(buf_cstr(&raw), raw.n, (int)C, &b);
    buf_free(&raw);
    set(RA, val_str_take(&b));
    NEXT;
  }
  CASE(NEWLIST) {
    Value *v = mem_alloc(((size_t)C + 1) * sizeof *v);
    int k;
    for (k = 0; k < (int)C; k++) { v[k] = R[B + k]; val_retain(v[k]); }
    set(RA, val_list_new(v, C));
    mem_free(v);
    NEXT;
  }
  CASE(NEWMAP) {
    Value *v;
    int k;
    for (k = 0; k < 2 * (int)C; k += 2)
      if (R[B + k].t != V_STR) { SAVE(); vm_fail(vm, "a map's keys must be strings"); goto failed; }
    v = mem_alloc(((size_t)C * 2 + 1) * sizeof *v);
    for (k = 0; k < 2 * (int)C; k++) { v[k] = R[B + k]; val_retain(v[k]); }
    set(RA, val_map_new(v, C));
    mem_free(v);
    NEXT;
  }
  CASE(GETFIELD) { TRY(get_field(vm, RB, KC, RA)); NEXT; }
  CASE(INDEX) { TRY(do_index(vm, RB, RC, RA)); NEXT; }
  CASE(CALL) {
    Value *fn = RA;
    Proto *p;
    Frame *nf;
    SAVE();
    if (fn->t != V_FN) { vm_fail(vm, "cannot call %s", val_type_name(fn)); goto failed; }
    p = vm->prog->protos[fn->u.fn];
    if (p->nparams != B) {
      vm_fail(vm, "%s takes %d argument%s, got %d", p->name, p->nparams, p->nparams == 1 ? "" : "s", (int)B);
      goto failed;
    }
    if (vm->nframes == VM_MAX_FRAMES || RA + 1 + p->nregs > vm->stack + VM_STACK_SLOTS) {
      vm_fail(vm, "calls nested too deep (more than %d)", VM_MAX_FRAMES);
      goto failed;
    }
    nf = &vm->frames[vm->nframes++];
    nf->p = p;
    nf->pc = p->code;
    nf->base = RA + 1;
    nf->ret = (int)A;
    R = nf->base;
    K = p->k;
    pc = nf->pc;
    NEXT;
  }
  CASE(CALLB) {
    Value out = val_nil();
    SAVE();
    if (C >= vm->nnatives || !vm->natives[C].fn) { vm_fail(vm, "builtin %d is not available", (int)C); goto failed; }
    if (call_native(vm, &vm->natives[C], RA, (int)B, &out) != 0) {
      val_release(out);
      goto failed;
    }
    set(RA, out);
    NEXT;
  }
  CASE(RET) {
    Value v = *RA;
    int nregs = FR->p->nregs, ret = FR->ret;
    *RA = val_nil();
    clear_frame(R, nregs);
    if (vm->nframes - 1 == entry) {
      vm->nframes--;
      *result = v;
      return VM_OK;
    }
    vm->nframes--;
    R = FR->base;
    K = FR->p->k;
    pc = FR->pc;
    set(&R[ret], v);
    NEXT;
  }
  CASE(FORPREP) {
    Value *a = RA;
    SAVE();
    if (a[0].t != V_NUM || a[1].t != V_NUM) {
      vm_fail(vm, "range() needs numbers, not %s and %s", val_type_name(&a[0]), val_type_name(&a[1]));
      goto failed;
    }
    /* As range(a, b) the list: the whole numbers from ceil(a) below b. */
    a[0].u.n = ceil(a[0].u.n);
    if (!(fabs(a[0].u.n) < 9007199254740992.0 && fabs(a[1].u.n) < 9007199254740992.0)) {
      vm_fail(vm, "range() bounds must be below 2^53, where every whole number is exact");
      goto failed;
    }
    /* The bounds are checked once, as Lua's for loop does, and the loop
    ** counts in integers: R[A] the current value, R[A+1] the last, both
    ** int64 (exact: both ends are whole and below 2^53) and tagged nil,
    ** since no program text can name them. */
    {
      int64_t from = (int64_t)a[0].u.n, last = (int64_t)ceil(a[1].u.n) - 1;
      if (last >= from) {
        set(&a[2], a[0]);
        a[0].t = V_NIL;
        a[0].u.i = from;
        a[1].t = V_NIL;
        a[1].u.i = last;
      } else {
        pc += GET_sBx(i);
      }
    }
    NEXT;
  }
  CASE(FORLOOP) {
    Value *a = RA;
    int64_t n = a[0].u.i;
    if (n < a[1].u.i) {
      a[0].u.i = ++n;
      SETNUM(&a[2], (double)n);
      pc += GET_sBx(i);
      if (RBK_UNLIKELY(--budget == 0)) { budget = VM_TICK; TRY(tick(vm)); }
    }
    NEXT;
  }
  CASE(LISTPREP) {
    Value *a = RA;
    SAVE();
    if (a[0].t != V_LIST) { vm_fail(vm, "'for' needs a list, not %s", val_type_name(&a[0])); goto failed; }
    set(&a[1], val_num(0));
    if (AS_LIST(a[0])->n == 0) pc += GET_sBx(i);
    else { Value v = AS_LIST(a[0])->v[0]; val_retain(v); set(&a[2], v); }
    NEXT;
  }
  CASE(LISTLOOP) {
    Value *a = RA;
    uint32_t k;
    if (a[0].t != V_LIST || a[1].t != V_NUM) { SAVE(); vm_fail(vm, "invalid loop state"); goto failed; }
    k = (uint32_t)a[1].u.n + 1;
    a[1].u.n = k;
    if (k < AS_LIST(a[0])->n) {
      Value v = AS_LIST(a[0])->v[k];
      val_retain(v);
      set(&a[2], v);
      pc += GET_sBx(i);
      if (RBK_UNLIKELY(--budget == 0)) { budget = VM_TICK; TRY(tick(vm)); }
    }
    NEXT;
  }
  CASE(RUN) {   /* B = 1: `local run`, on the control machine inside a step on hosts */
    int rc_;
    vm->run_local = (uint8_t)GET_B(i);
    SAVE();
    rc_ = run_statement(vm, RA);
    vm->run_local = 0;
    TRY(rc_);
    NEXT;
  }
  CASE(VERIFY) {
    SAVE();
    if (verify_outcome(vm, R, GET_Bx(i), val_truthy(RA)) != 0) goto failed;
    if (!val_truthy(RA)) { verify_failed(vm, R, GET_Bx(i), "verify failed", -1, 1); goto failed; }
    NEXT;
  }
  CASE(HOLD) {   /* the outcome is journaled once: here when it breaks, by a VERIFY when the window ends */
    if (val_truthy(RA)) NEXT;
    SAVE();
    if (verify_outcome(vm, R, GET_Bx(i), 0) != 0) goto failed;
    verify_failed(vm, R, GET_Bx(i), "hold failed", GET_A(i), 1);
    goto failed;
  }
  CASE(WAITFAIL) {
    SAVE();
    verify_failed(vm, R, GET_Bx(i), "timed out waiting for the condition", GET_A(i), 0);
    goto failed;
  }
  CASE(FAIL) {
    Buf b = BUF_INIT, t = BUF_INIT;
    vm_show(vm, RA, &t);
    buf_add_text(&b, buf_cstr(&t), t.n);
    SAVE();
    vm_fail(vm, "%s", buf_cstr(&b));
    buf_free(&b);
    buf_free(&t);
    goto failed;
  }
  CASE(LOG) { TRY(vm_message(vm, "log", RA)); NEXT; }
  CASE(NOTIFY) {   /* K[B] is "ROLE" or "ROLE/NOTIFIER"; C = 1: required (run/notify.c reads a "!") */
    Buf spec = BUF_INIT;
    int nrc;
    SAVE();
    buf_puts(&spec, AS_STR(*KB)->s);
    if (C & 1) buf_putc(&spec, '!');
    nrc = vm_notify(vm, buf_cstr(&spec), RA, NULL);
    buf_free(&spec);
    if (nrc != 0) goto failed;
    NEXT;
  }
  CASE(MANUAL) { SAVE(); if (vm_gate(vm, GATE_MANUAL, RA, NULL, 1, NULL) != VM_OK) goto failed; NEXT; }
  CASE(ASK) { SAVE(); if (vm_gate(vm, GATE_ASK, RA, NULL, C, RA) != VM_OK) goto failed; NEXT; }
  CASE(APPROVE) {
    SAVE();
    vm->gate_operator_may = GET_C(i) & 1;
    vm->gate_need = GET_C(i) >> 1;
    if (vm_gate(vm, GATE_APPROVE, RA, AS_STR(*KB)->s, 1, NULL) != VM_OK) {
      vm->gate_operator_may = vm->gate_need = 0;
      goto failed;
    }
    vm->gate_operator_may = vm->gate_need = 0;
    NEXT;
  }
  CASE(WAITINIT) {   /* C = 1: a hold's or sample's window (R[A+2]: whether its clock was replayed) */
    Value *d = RB;
    double now;
    int replayed;
    SAVE();
    if (dur_arg(vm, d, C ? "for" : "timeout") != 0) goto failed;
    if (wait_clock(vm, &now, &replayed) != 0) goto failed;
    set(RA, val_num(now + d->u.n));
    if (C) set(RA + 2, val_bool(replayed));
    NEXT;
  }
  CASE(WAITNEXT) {   /* C = 0: wait until's timeout fails; C > 0: the next instruction is skipped */
    Value *e = RB;
    double now;
    int replayed;
    SAVE();
    if (wait_clock(vm, &now, &replayed) != 0) goto failed;
    if (dur_arg(vm, e, "every") != 0) goto failed;
    if (C == 2) {
      if (!(e->u.n > 0)) { vm_fail(vm, "'every' needs a duration above 0s, not %g s", e->u.n); goto failed; }
      /* A window begun in a replayed run (cut by a crash) is watched again
      ** in full from the moment the clock is live: resumed, it starts over. */
      if (!replayed && val_truthy(RA + 2) && RA[1].t == V_DUR) set(RA, val_num(now + RA[1].u.n));
      set(RA + 2, val_bool(replayed));
    }
    if (now >= RA->u.n) {
      if (C) { pc++; NEXT; }
      vm_fail(vm, "timed out waiting for the condition");
      goto failed;
    }
    if (!replayed && vm->step_deadline > 0 && vm_now() >= vm->step_deadline) { vm_fail(vm, "step timed out"); goto failed; }
    if (!replayed) {
      double s = e->u.n, left = RA->u.n - now;
      if (s > left) s = left;
      if (vm->step_deadline > 0 && s > vm->step_deadline - vm_now()) s = vm->step_deadline - vm_now();
      if (vm_sleep(vm, s) != 0) { vm_fail(vm, "interrupted"); goto failed; }
    }
    NEXT;
  }
  CASE(TIMEOUT) {
    SAVE();
    if (dur_arg(vm, RA, "timeout") != 0) goto failed;
    vm->step_deadline = vm->step_start + RA->u.n;
    NEXT;
  }
  CASE(RETRY) {
    SAVE();
    if (RA->t != V_NUM || RA->u.n < 0) { vm_fail(vm, "'retry' needs a count, not %s", val_type_name(RA)); goto failed; }
    /* (int) of a count past INT_MAX, or of NaN, is undefined behaviour */
    if (!(RA->u.n <= INT_MAX)) { vm_fail(vm, "'retry' needs a count up to %d, not %g", INT_MAX, RA->u.n); goto failed; }
    if (dur_arg(vm, RB, "every") != 0) goto failed;
    vm->retries = (int)RA->u.n;
    vm->retry_every = RB->u.n;
    NEXT;
  }
  CASE(NOP) { NEXT; }
  ENDLOOP
#if !(defined(__GNUC__) && !defined(RBK_NO_COMPUTED_GOTO))
bad_op:
  SAVE();
  vm_fail(vm, "invalid instruction");
#endif
failed:
  /* Unwind every frame of this call, releasing their registers. */
  while (vm->nframes - 1 >= entry) {
    Frame *uf = &vm->frames[vm->nframes - 1];
    clear_frame(uf->base, uf->p->nregs);
    vm->nframes--;
  }
  *result = val_nil();
  return vm_interrupted(vm) ? VM_INTERRUPTED : VM_FAILED;
}

VmResult vm_call(VM *vm, int proto, const Value *args, int argc, Value *result) {
  Proto *p;
  Frame *f;
  Value *base;
  int k;
  *result = val_nil();
  if (proto < 0 || (uint32_t)proto >= vm->prog->nprotos) {
    vm_fail(vm, "no such function");
    return VM_FAILED;
  }
  p = vm->prog->protos[proto];
  base = vm->nframes ? vm->frames[vm->nframes - 1].base + vm->frames[vm->nframes - 1].p->nregs : vm->stack;
  if (vm->nframes == VM_MAX_FRAMES || base + p->nregs > vm->stack + VM_STACK_SLOTS) {
    vm_fail(vm, "calls nested too deep (more than %d)", VM_MAX_FRAMES);
    return VM_FAILED;
  }
  if (argc != p->nparams) {
    vm_fail(vm, "%s takes %d arguments, got %d", p->name, p->nparams, argc);
    return VM_FAILED;
  }
  buf_reset(&vm->fail);
  buf_reset(&vm->detail);
  for (k = 0; k < argc; k++) {
    Value v = args[k];
    val_retain(v);
    set(&base[k], v);
  }
  f = &vm->frames[vm->nframes++];
  f->p = p;
  f->pc = p->code;
  f->base = base;
  f->ret = 0;
  return execute(vm, vm->nframes - 1, result);
}
