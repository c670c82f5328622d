/*
** bcfile.c -- writing, reading and verifying .rbc bytecode files.
**
** The reader trusts nothing: every count is checked against the bytes
** left before anything is allocated for it, and after decoding, the
** verifier proves every operand of every instruction is in range, so the
** VM may index registers, constants and tables without checks of its own.
*/
#include "bcfile.h"
#include "../base/durable.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base/buf.h"
#include "ffi.h"
#include "../base/mem.h"
#include "../base/sha256.h"

/* A string length of NIL_LEN stands for a NULL char pointer. */
#define NIL_LEN 0xFFFFFFFFu

/* Constant tags in the file. They are the format's own numbers, not
** ValType's, so reordering ValType does not change the format. */
enum { K_NIL = 0, K_FALSE = 1, K_TRUE = 2, K_NUM = 3, K_DUR = 4, K_STR = 5, K_FN = 6 };

/* pl gives the plural ending of a count in a message. */
static const char *pl(uint64_t n) { return n == 1 ? "" : "s"; }

/* Offsets of the header fields. */
#define OFF_VERSION 6
#define OFF_FLAGS 8
#define OFF_SRCSHA 10
#define OFF_NBUILTINS 42
#define OFF_PAYLEN 46

/* ---------------------------------------------------------------- writer */

typedef struct W {
  Buf b;
  char *err;
  size_t errlen;
  int failed;
} W;

static void put_u8(W *w, unsigned v) { buf_putc(&w->b, (char)(v & 0xFF)); }

static void put_u16(W *w, unsigned v) {
  put_u8(w, v);
  put_u8(w, v >> 8);
}

static void put_u32(W *w, uint32_t v) {
  char c[4];
  int i;
  for (i = 0; i < 4; i++) c[i] = (char)(v >> (8 * i) & 0xFF);
  buf_add(&w->b, c, 4);
}

static void put_u64(W *w, uint64_t v) {
  char c[8];
  int i;
  for (i = 0; i < 8; i++) c[i] = (char)(v >> (8 * i) & 0xFF);
  buf_add(&w->b, c, 8);
}

static void put_i32(W *w, int32_t v) { put_u32(w, (uint32_t)v); }

static void put_f64(W *w, double d) {
  uint64_t u;
  memcpy(&u, &d, sizeof u);
  put_u64(w, u);
}

static void put_bytes(W *w, const char *s, size_t n) {
  if (n >= NIL_LEN) {
    if (!w->failed) snprintf(w->err, w->errlen, "a string of %zu bytes is too long for bytecode", n);
    w->failed = 1;
    return;
  }
  put_u32(w, (uint32_t)n);
  buf_add(&w->b, s, n);
}

/* put_str writes a C string; NULL is written as NIL_LEN. */
static void put_str(W *w, const char *s) {
  if (!s) put_u32(w, NIL_LEN);
  else put_bytes(w, s, strlen(s));
}

static void put_value(W *w, const Value *v, const char *proto) {
  switch (v->t) {
    case V_NIL: put_u8(w, K_NIL); break;
    case V_BOOL: put_u8(w, v->u.b ? K_TRUE : K_FALSE); break;
    case V_NUM: put_u8(w, K_NUM); put_f64(w, v->u.n); break;
    case V_DUR: put_u8(w, K_DUR); put_f64(w, v->u.n); break;
    case V_FN: put_u8(w, K_FN); put_u32(w, v->u.fn); break;
    case V_STR: put_u8(w, K_STR); put_bytes(w, AS_STR(*v)->s, AS_STR(*v)->len); break;
    default:
      if (!w->failed)
        snprintf(w->err, w->errlen, "%s has a constant of type %s, which bytecode cannot hold",
                 proto ? proto : "a function", val_type_name(v));
      w->failed = 1;
  }
}

static void put_proto(W *w, const Proto *f) {
  uint32_t i;
  put_str(w, f->name);
  put_u8(w, f->nparams);
  put_u8(w, f->nregs);
  put_u32(w, f->ncode);
  for (i = 0; i < f->ncode; i++) put_u32(w, f->code[i]);
  for (i = 0; i < f->ncode; i++) put_u32(w, f->pos ? f->pos[i] : 0);
  put_u32(w, f->nk);
  for (i = 0; i < f->nk; i++) put_value(w, &f->k[i], f->name);
}

static void put_payload(W *w, const Program *p) {
  uint32_t i, j;
  put_str(w, p->src->name);
  put_bytes(w, p->src->text, p->src->len);
  put_str(w, p->title);
  put_str(w, p->version);
  put_i32(w, p->owner);
  put_i32(w, p->plan_approver);
  put_f64(w, p->window);

  put_u32(w, p->nprotos);
  for (i = 0; i < p->nprotos; i++) {
    if (!p->protos[i]) {
      if (!w->failed) snprintf(w->err, w->errlen, "function %" PRIu32 " is missing", i);
      w->failed = 1;
      return;
    }
    put_proto(w, p->protos[i]);
  }

  put_u32(w, p->nsteps);
  for (i = 0; i < p->nsteps; i++) {
    const StepInfo *s = &p->steps[i];
    put_str(w, s->name);
    put_str(w, s->title);
    put_i32(w, s->title_fn);
    put_u32(w, s->pos);
    put_i32(w, s->owner);
    put_i32(w, s->body);
    put_i32(w, s->undo);
    put_i32(w, s->onfail);
    put_f64(w, s->expect);
    put_f64(w, s->timeout);
    put_i32(w, s->expect_fn);
    put_i32(w, s->timeout_fn);
    put_u8(w, s->idempotent);
    put_str(w, s->irreversible);
    put_u32(w, s->nafter);
    for (j = 0; j < s->nafter; j++) put_u32(w, s->after[j]);
  }

  put_u32(w, p->nroles);
  for (i = 0; i < p->nroles; i++) {
    const RoleInfo *r = &p->roles[i];
    put_str(w, r->name);
    put_str(w, r->person);
    put_u32(w, r->ncontacts);
    for (j = 0; j < r->ncontacts; j++) {
      put_str(w, r->keys[j]);
      put_str(w, r->vals[j]);
    }
  }

  put_u32(w, p->nparams);
  for (i = 0; i < p->nparams; i++) {
    put_str(w, p->params[i].name);
    put_u32(w, p->params[i].global);
    put_u8(w, p->params[i].secret);
    put_i32(w, p->params[i].init);
  }

  put_u32(w, p->nreqs);
  for (i = 0; i < p->nreqs; i++) {
    put_str(w, p->reqs[i].name);
    put_i32(w, p->reqs[i].name_fn);
    put_i32(w, p->reqs[i].owner);
    put_i32(w, p->reqs[i].body);
  }

  put_u32(w, p->ntriggers);
  for (i = 0; i < p->ntriggers; i++) {
    put_str(w, p->triggers[i].name);
    put_u8(w, p->triggers[i].severity);
    put_i32(w, p->triggers[i].cond);
    put_f64(w, p->triggers[i].hold);
    put_i32(w, p->triggers[i].hold_fn);
    put_u32(w, p->triggers[i].pos);
    put_u32(w, p->triggers[i].end);
  }

  put_u32(w, p->nprobes);
  for (i = 0; i < p->nprobes; i++) {
    put_str(w, p->probes[i].name);
    put_i32(w, p->probes[i].body);
  }

  put_u32(w, p->nverifies);
  for (i = 0; i < p->nverifies; i++) {
    const VerifyInfo *v = &p->verifies[i];
    put_u32(w, v->pos);
    put_u32(w, v->end);
    put_u16(w, (uint16_t)v->lhs);
    put_u16(w, (uint16_t)v->rhs);
    put_u16(w, (uint16_t)v->msg);
  }

  put_u32(w, p->nglobals);
  for (i = 0; i < p->nglobals; i++) put_str(w, p->globals[i]);

  put_u32(w, p->nexterns);
  for (i = 0; i < p->nexterns; i++) {
    const ExternInfo *e = &p->externs[i];
    put_str(w, e->lib);
    put_str(w, e->name);
    put_str(w, e->module);
    put_u32(w, e->pos);
    put_u32(w, e->end);
    put_u32(w, e->name_pos);
    put_u32(w, e->name_end);
    put_u8(w, e->result);
    put_u8(w, e->nparams);
    for (j = 0; j < e->nparams && j < EXTERN_MAX_PARAMS; j++) put_u8(w, e->params[j]);
  }

  put_u32(w, p->nimpls);
  for (i = 0; i < p->nimpls; i++) {
    put_u32(w, p->impls[i].builtin);
    put_i32(w, p->impls[i].proto);
  }
  put_i32(w, p->notifier);
  put_u8(w, p->backout);
  put_str(w, p->backout_file);

  /* fleets: the hosts groups, then each step's targeting */
  put_u32(w, p->ngroups);
  for (i = 0; i < p->ngroups; i++) {
    put_str(w, p->groups[i].name);
    put_u32(w, p->groups[i].global);
    put_i32(w, p->groups[i].init);
  }
  for (i = 0; i < p->nsteps; i++) {
    const StepInfo *s = &p->steps[i];
    put_u32(w, s->on_group);
    put_f64(w, s->serial);
    put_u8(w, s->serial_pct);
    put_f64(w, s->max_fail);
    put_u8(w, s->max_fail_pct);
    put_u32(w, s->parallel);
    put_u32(w, s->canary);
    put_i32(w, s->between);
  }
}

/* encode builds the whole file in w->b. */
static int encode(const Program *p, W *w) {
  uint8_t sum[32];
  size_t paylen, k;
  if (!p->src) {
    snprintf(w->err, w->errlen, "the program has no source to embed");
    return -1;
  }
  buf_add(&w->b, BC_MAGIC, BC_MAGIC_LEN);
  put_u16(w, BC_FORMAT_VERSION);
  put_u16(w, 0);
  buf_add(&w->b, (const char *)p->src_sha256, 32);
  put_u32(w, p->nbuiltins);
  put_u64(w, 0);                         /* payload length, patched below */
  put_payload(w, p);
  if (w->failed) return -1;
  paylen = w->b.n - BC_HEADER_LEN;
  for (k = 0; k < 8; k++) w->b.p[OFF_PAYLEN + k] = (char)((uint64_t)paylen >> (8 * k) & 0xFF);
  sha256(w->b.p, w->b.n, sum);
  buf_add(&w->b, (const char *)sum, 32);
  return 0;
}

int bc_encode(const Program *p, Buf *out, char *err, size_t errlen) {
  W w;
  memset(&w, 0, sizeof w);
  w.err = err;
  w.errlen = errlen;
  if (encode(p, &w) != 0) {
    buf_free(&w.b);
    return -1;
  }
  *out = w.b;
  return 0;
}

int bc_write(const Program *p, const char *path, char *err, size_t errlen) {
  W w;
  char why[1024];
  int rc;
  memset(&w, 0, sizeof w);
  w.err = err;
  w.errlen = errlen;
  if (encode(p, &w) != 0) {
    buf_free(&w.b);
    return -1;
  }
  /* atomically: a reader sees the old file or the new one, never a part */
  rc = durable_replace(path, w.b.p, w.b.n, 0644, why, sizeof why);
  if (rc != 0) {
    const char *msg = strstr(why, ": ");
    snprintf(err, errlen, "%s", msg ? msg + 2 : why);
  }
  buf_free(&w.b);
  return rc;
}

/* ---------------------------------------------------------------- reader */

typedef struct R {
  const uint8_t *d;     /* the whole file */
  size_t at, end;       /* next byte; end of the payload */
  char *err;
  size_t errlen;
  int failed;           /* sticky: once set, every get returns 0 */
} R;

static void rfail(R *r, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 2, 3)))
#endif
  ;

static void rfail(R *r, const char *fmt, ...) {
  va_list ap;
  size_t k;
  if (r->failed) return;
  r->failed = 1;
  k = (size_t)snprintf(r->err, r->errlen, "invalid bytecode: ");
  if (k >= r->errlen) return;
  va_start(ap, fmt);
  vsnprintf(r->err + k, r->errlen - k, fmt, ap);
  va_end(ap);
}

/* need makes sure n more bytes of the payload remain. */
static int need(R *r, size_t n, const char *what) {
  if (r->failed) return 0;
  if (n > r->end - r->at) {
    rfail(r, "the payload ends at byte %zu, in the middle of %s", r->end, what);
    return 0;
  }
  return 1;
}

/* count_ok makes sure count items of at least size bytes each can fit in
** what is left; nothing is allocated for a count before this says yes. */
static int count_ok(R *r, uint32_t count, size_t size, const char *what) {
  if (r->failed) return 0;
  if ((uint64_t)count * size > r->end - r->at) {
    rfail(r, "%" PRIu32 " %s at byte %zu cannot fit in the %zu bytes left", count, what,
          r->at - 4, r->end - r->at);
    return 0;
  }
  return 1;
}

static uint64_t le(const uint8_t *p, int n) {
  uint64_t v = 0;
  int i;
  for (i = n - 1; i >= 0; i--) v = v << 8 | p[i];
  return v;
}

static uint64_t get_n(R *r, int n, const char *what) {
  uint64_t v;
  if (!need(r, (size_t)n, what)) return 0;
  v = le(r->d + r->at, n);
  r->at += (size_t)n;
  return v;
}

static uint8_t get_u8(R *r, const char *what) { return (uint8_t)get_n(r, 1, what); }
static uint16_t get_u16(R *r, const char *what) { return (uint16_t)get_n(r, 2, what); }
static uint32_t get_u32(R *r, const char *what) { return (uint32_t)get_n(r, 4, what); }
static int32_t get_i32(R *r, const char *what) { return (int32_t)get_u32(r, what); }
static int16_t get_i16(R *r, const char *what) { return (int16_t)get_u16(r, what); }

static double get_f64(R *r, const char *what) {
  uint64_t u = get_n(r, 8, what);
  double d;
  memcpy(&d, &u, sizeof d);
  return d;
}

/* get_str reads a C string; NULL is allowed only when nullable. A C
** string may not hold a NUL byte, since it would silently cut it short. */
static char *get_str(R *r, const char *what, int nullable) {
  uint32_t n = get_u32(r, what);
  const uint8_t *s;
  if (r->failed) return NULL;
  if (n == NIL_LEN) {
    if (!nullable) rfail(r, "%s at byte %zu is missing", what, r->at - 4);
    return NULL;
  }
  if (!need(r, n, what)) return NULL;
  s = r->d + r->at;
  if (memchr(s, '\0', n)) {
    rfail(r, "%s at byte %zu contains a NUL byte", what, r->at - 4);
    return NULL;
  }
  r->at += n;
  return mem_strndup((const char *)s, n);
}

static Value get_value(R *r, const char *proto, uint32_t idx) {
  size_t at = r->at;
  uint8_t tag = get_u8(r, "a constant");
  if (r->failed) return val_nil();
  switch (tag) {
    case K_NIL: return val_nil();
    case K_FALSE: return val_bool(0);
    case K_TRUE: return val_bool(1);
    case K_NUM: return val_num(get_f64(r, "a number constant"));
    case K_DUR: return val_dur(get_f64(r, "a duration constant"));
    case K_FN: return val_fn(get_u32(r, "a function constant"));
    case K_STR: {
      uint32_t n = get_u32(r, "a string constant");
      Value v;
      if (!need(r, n, "a string constant")) return val_nil();
      v = val_str_new((const char *)r->d + r->at, n);
      r->at += n;
      return v;
    }
    default:
      rfail(r, "%s: constant %" PRIu32 " at byte %zu has unknown type tag %u", proto, idx, at,
            tag);
      return val_nil();
  }
}

static Proto *get_proto(R *r) {
  Proto *f = mem_calloc(sizeof *f);
  uint32_t i, n;
  f->name = get_str(r, "a function name", 0);
  f->nparams = get_u8(r, "a function header");
  f->nregs = get_u8(r, "a function header");
  n = get_u32(r, "a function header");
  if (!count_ok(r, n, 8, "instructions")) return f;
  f->code = mem_alloc((size_t)n * sizeof *f->code);
  f->pos = mem_alloc((size_t)n * sizeof *f->pos);
  f->ncode = n;
  for (i = 0; i < n; i++) f->code[i] = get_u32(r, "the code");
  for (i = 0; i < n; i++) f->pos[i] = get_u32(r, "the positions");
  n = get_u32(r, "a constant count");
  if (!count_ok(r, n, 1, "constants")) return f;
  f->k = mem_calloc((size_t)n * sizeof *f->k);
  f->nk = n;
  for (i = 0; i < n && !r->failed; i++) f->k[i] = get_value(r, f->name ? f->name : "?", i);
  return f;
}

static void get_payload(R *r, Program *p) {
  uint32_t i, j, n;
  char *name;
  size_t at;

  name = get_str(r, "the source name", 0);
  n = get_u32(r, "the source text");
  at = r->at;
  if (!r->failed && n > SOURCE_MAX_BYTES) rfail(r, "the source text at byte %zu is too long", at);
  if (!need(r, n, "the source text")) {
    mem_free(name);
    return;
  }
  p->src = mem_calloc(sizeof *p->src);
  src_from_string(p->src, name, (const char *)r->d + r->at, n);
  mem_free(name);
  r->at += n;
  p->title = get_str(r, "the title", 0);
  p->version = get_str(r, "the version", 0);
  p->owner = get_i32(r, "the runbook owner");
  p->plan_approver = get_i32(r, "the plan approver");
  p->window = get_f64(r, "the window");

  n = get_u32(r, "the function count");
  if (!count_ok(r, n, 14, "functions")) return;
  p->protos = mem_calloc((size_t)n * sizeof *p->protos);
  p->nprotos = n;
  for (i = 0; i < n && !r->failed; i++) p->protos[i] = get_proto(r);

  n = get_u32(r, "the step count");
  if (!count_ok(r, n, 65, "steps")) return;
  p->steps = mem_calloc((size_t)n * sizeof *p->steps);
  p->nsteps = n;
  for (i = 0; i < n && !r->failed; i++) {
    StepInfo *s = &p->steps[i];
    s->name = get_str(r, "a step name", 0);
    s->title = get_str(r, "a step title", 0);
    s->title_fn = get_i32(r, "a step");
    s->pos = get_u32(r, "a step");
    s->owner = get_i32(r, "a step");
    s->body = get_i32(r, "a step");
    s->undo = get_i32(r, "a step");
    s->onfail = get_i32(r, "a step");
    s->expect = get_f64(r, "a step");
    s->timeout = get_f64(r, "a step");
    s->expect_fn = get_i32(r, "a step");
    s->timeout_fn = get_i32(r, "a step");
    s->idempotent = get_u8(r, "a step");
    s->irreversible = get_str(r, "a step's irreversible reason", 1);
    s->nafter = 0;
    j = get_u32(r, "a step's after list");
    if (!count_ok(r, j, 4, "after entries")) return;
    s->after = mem_alloc((size_t)j * sizeof *s->after);
    s->nafter = j;
    for (j = 0; j < s->nafter; j++) s->after[j] = get_u32(r, "a step's after list");
  }

  n = get_u32(r, "the role count");
  if (!count_ok(r, n, 12, "roles")) return;
  p->roles = mem_calloc((size_t)n * sizeof *p->roles);
  p->nroles = n;
  for (i = 0; i < n && !r->failed; i++) {
    RoleInfo *ro = &p->roles[i];
    ro->name = get_str(r, "a role name", 0);
    ro->person = get_str(r, "a role's person", 0);
    j = get_u32(r, "a role's contacts");
    if (!count_ok(r, j, 8, "contacts")) return;
    ro->keys = mem_calloc((size_t)j * sizeof *ro->keys);
    ro->vals = mem_calloc((size_t)j * sizeof *ro->vals);
    ro->ncontacts = j;
    for (j = 0; j < ro->ncontacts && !r->failed; j++) {
      ro->keys[j] = get_str(r, "a contact field", 0);
      ro->vals[j] = get_str(r, "a contact value", 0);
    }
  }

  n = get_u32(r, "the param count");
  if (!count_ok(r, n, 13, "params")) return;
  p->params = mem_calloc((size_t)n * sizeof *p->params);
  p->nparams = n;
  for (i = 0; i < n && !r->failed; i++) {
    p->params[i].name = get_str(r, "a param name", 0);
    p->params[i].global = get_u32(r, "a param");
    p->params[i].secret = get_u8(r, "a param");
    p->params[i].init = get_i32(r, "a param");
  }

  n = get_u32(r, "the require count");
  if (!count_ok(r, n, 16, "requires")) return;
  p->reqs = mem_calloc((size_t)n * sizeof *p->reqs);
  p->nreqs = n;
  for (i = 0; i < n && !r->failed; i++) {
    p->reqs[i].name = get_str(r, "a require name", 0);
    p->reqs[i].name_fn = get_i32(r, "a require");
    p->reqs[i].owner = get_i32(r, "a require");
    p->reqs[i].body = get_i32(r, "a require");
  }

  n = get_u32(r, "the trigger count");
  if (!count_ok(r, n, 29, "triggers")) return;
  p->triggers = mem_calloc((size_t)n * sizeof *p->triggers);
  p->ntriggers = n;
  for (i = 0; i < n && !r->failed; i++) {
    p->triggers[i].name = get_str(r, "a trigger name", 0);
    p->triggers[i].severity = get_u8(r, "a trigger");
    p->triggers[i].cond = get_i32(r, "a trigger");
    p->triggers[i].hold = get_f64(r, "a trigger");
    p->triggers[i].hold_fn = get_i32(r, "a trigger");
    p->triggers[i].pos = get_u32(r, "a trigger");
    p->triggers[i].end = get_u32(r, "a trigger");
  }

  n = get_u32(r, "the probe count");
  if (!count_ok(r, n, 8, "probes")) return;
  p->probes = mem_calloc((size_t)n * sizeof *p->probes);
  p->nprobes = n;
  for (i = 0; i < n && !r->failed; i++) {
    p->probes[i].name = get_str(r, "a probe name", 0);
    p->probes[i].body = get_i32(r, "a probe");
  }

  n = get_u32(r, "the verify count");
  if (!count_ok(r, n, 14, "verify records")) return;
  p->verifies = mem_calloc((size_t)n * sizeof *p->verifies);
  p->nverifies = n;
  for (i = 0; i < n && !r->failed; i++) {
    VerifyInfo *v = &p->verifies[i];
    v->pos = get_u32(r, "a verify record");
    v->end = get_u32(r, "a verify record");
    v->lhs = get_i16(r, "a verify record");
    v->rhs = get_i16(r, "a verify record");
    v->msg = get_i16(r, "a verify record");
  }

  n = get_u32(r, "the global count");
  if (!count_ok(r, n, 4, "globals")) return;
  p->globals = mem_calloc((size_t)n * sizeof *p->globals);
  p->nglobals = n;
  for (i = 0; i < n && !r->failed; i++) p->globals[i] = get_str(r, "a global name", 0);

  n = get_u32(r, "the extern count");
  if (!count_ok(r, n, 30, "externs")) return;
  p->externs = mem_calloc((size_t)n * sizeof *p->externs);
  p->nexterns = n;
  for (i = 0; i < n && !r->failed; i++) {
    ExternInfo *e = &p->externs[i];
    e->lib = get_str(r, "an extern's library", 0);
    e->name = get_str(r, "an extern's name", 0);
    e->module = get_str(r, "an extern's module", 1);
    e->pos = get_u32(r, "an extern");
    e->end = get_u32(r, "an extern");
    e->name_pos = get_u32(r, "an extern");
    e->name_end = get_u32(r, "an extern");
    e->result = get_u8(r, "an extern");
    e->nparams = get_u8(r, "an extern");
    if (!r->failed && e->nparams > EXTERN_MAX_PARAMS) {
      rfail(r, "extern %" PRIu32 " has %u parameters, more than %d", i, e->nparams, EXTERN_MAX_PARAMS);
      return;
    }
    for (j = 0; j < e->nparams; j++) e->params[j] = get_u8(r, "an extern's parameter types");
  }

  n = get_u32(r, "the count of builtins written in rbk");
  if (!count_ok(r, n, 8, "builtins written in rbk")) return;
  p->impls = mem_calloc((size_t)n * sizeof *p->impls);
  p->nimpls = n;
  for (i = 0; i < n && !r->failed; i++) {
    p->impls[i].builtin = get_u32(r, "a builtin written in rbk");
    p->impls[i].proto = get_i32(r, "a builtin written in rbk");
  }
  p->notifier = get_i32(r, "the notifier");
  p->backout = get_u8(r, "the backout");
  p->backout_file = get_str(r, "the backout runbook", 1);

  n = get_u32(r, "the hosts group count");
  if (!count_ok(r, n, 12, "hosts groups")) return;
  p->groups = mem_calloc((size_t)n * sizeof *p->groups);
  p->ngroups = n;
  for (i = 0; i < n && !r->failed; i++) {
    p->groups[i].name = get_str(r, "a hosts group name", 0);
    p->groups[i].global = get_u32(r, "a hosts group");
    p->groups[i].init = get_i32(r, "a hosts group");
  }
  for (i = 0; i < p->nsteps && !r->failed; i++) {
    StepInfo *s = &p->steps[i];
    s->on_group = get_u32(r, "a step's targeting");
    s->serial = get_f64(r, "a step's targeting");
    s->serial_pct = get_u8(r, "a step's targeting");
    s->max_fail = get_f64(r, "a step's targeting");
    s->max_fail_pct = get_u8(r, "a step's targeting");
    s->parallel = get_u32(r, "a step's targeting");
    s->canary = get_u32(r, "a step's targeting");
    s->between = get_i32(r, "a step's targeting");
  }

  if (!r->failed && r->at != r->end)
    rfail(r, "%zu byte%s left over at the end of the payload (byte %zu)", r->end - r->at,
          pl(r->end - r->at), r->at);
}

Program *bc_read_mem(const void *data, size_t n, const char *name, uint32_t expect_builtins,
                     char *err, size_t errlen) {
  const uint8_t *d = data;
  uint8_t sum[32];
  uint64_t paylen, total;
  unsigned version, flags;
  uint32_t nb;
  Program *p;
  R r;

  (void)name;   /* the caller puts it in front of err */
  if (n > 0 && memcmp(d, BC_MAGIC, n < BC_MAGIC_LEN ? n : BC_MAGIC_LEN) != 0) {
    snprintf(err, errlen, "not an rbk bytecode file (bad magic number)");
    return NULL;
  }
  if (n < OFF_FLAGS) {
    snprintf(err, errlen, "truncated: the data ends at byte %zu, inside the %d-byte header", n,
             BC_HEADER_LEN);
    return NULL;
  }
  /* The version comes before everything else it governs, the checksum
  ** included: another format may put its fields elsewhere. */
  version = (unsigned)le(d + OFF_VERSION, 2);
  if (version != BC_FORMAT_VERSION) {
    snprintf(err, errlen,
             "made by a different rbk: format %u, this rbk reads %u; recompile with rbk compile",
             version, BC_FORMAT_VERSION);
    return NULL;
  }
  if (n < BC_HEADER_LEN) {
    snprintf(err, errlen, "truncated: the data ends at byte %zu, inside the %d-byte header", n,
             BC_HEADER_LEN);
    return NULL;
  }
  paylen = le(d + OFF_PAYLEN, 8);
  total = paylen > UINT64_MAX - BC_HEADER_LEN - BC_TRAILER_LEN
              ? UINT64_MAX
              : BC_HEADER_LEN + paylen + BC_TRAILER_LEN;
  if ((uint64_t)n < total) {
    snprintf(err, errlen, "truncated: the data ends at byte %zu, but its header promises %" PRIu64
             " bytes", n, total);
    return NULL;
  }
  if ((uint64_t)n > total) {
    snprintf(err, errlen, "trailing garbage: %" PRIu64 " byte%s after the end of the bytecode",
             (uint64_t)n - total, pl((uint64_t)n - total));
    return NULL;
  }
  sha256(d, (size_t)(BC_HEADER_LEN + paylen), sum);
  if (memcmp(sum, d + BC_HEADER_LEN + paylen, 32) != 0) {
    snprintf(err, errlen, "corrupt: checksum does not match");
    return NULL;
  }
  flags = (unsigned)le(d + OFF_FLAGS, 2);
  if (flags != 0) {
    snprintf(err, errlen,
             "uses features this rbk does not know (flags 0x%04x); recompile with rbk compile",
             flags);
    return NULL;
  }
  nb = (uint32_t)le(d + OFF_NBUILTINS, 4);
  if (nb != expect_builtins) {
    snprintf(err, errlen,
             "compiled against a different builtin table (%" PRIu32 " builtins, this rbk has %"
             PRIu32 "); recompile with rbk compile",
             nb, expect_builtins);
    return NULL;
  }

  p = mem_calloc(sizeof *p);
  memcpy(p->src_sha256, d + OFF_SRCSHA, 32);
  p->nbuiltins = nb;
  memset(&r, 0, sizeof r);
  r.d = d;
  r.at = BC_HEADER_LEN;
  r.end = (size_t)(BC_HEADER_LEN + paylen);
  r.err = err;
  r.errlen = errlen;
  get_payload(&r, p);
  if (r.failed || bc_verify(p, err, errlen) != 0) {
    prog_free(p);
    return NULL;
  }
  return p;
}

Program *bc_read(const char *path, uint32_t expect_builtins, char *err, size_t errlen) {
  struct stat st;
  size_t cap = 64 * 1024, n = 0;
  uint8_t *buf;
  Program *p;
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    snprintf(err, errlen, "cannot open: %s", strerror(errno));
    return NULL;
  }
  if (fstat(fd, &st) != 0) {
    snprintf(err, errlen, "cannot read: %s", strerror(errno));
    close(fd);
    return NULL;
  }
  if (S_ISDIR(st.st_mode)) {
    snprintf(err, errlen, "is a directory, not a bytecode file");
    close(fd);
    return NULL;
  }
  if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode)) {
    snprintf(err, errlen, "is not a regular file");
    close(fd);
    return NULL;
  }
  if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > BC_MAX_FILE_BYTES) {
    snprintf(err, errlen, "file is larger than %u MiB", BC_MAX_FILE_BYTES >> 20);
    close(fd);
    return NULL;
  }
  /* O_NONBLOCK only guarded the open against a FIFO with no writer. */
  (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  if (S_ISREG(st.st_mode) && st.st_size > 0 && (uint64_t)st.st_size <= BC_MAX_FILE_BYTES)
    cap = (size_t)st.st_size + 1;   /* one more, to see the end at once */
  buf = mem_alloc(cap);
  for (;;) {
    ssize_t k;
    if (n == cap) {
      if (cap > BC_MAX_FILE_BYTES) {
        snprintf(err, errlen, "file is larger than %u MiB", BC_MAX_FILE_BYTES >> 20);
        mem_free(buf);
        close(fd);
        return NULL;
      }
      cap *= 2;
      buf = mem_realloc(buf, cap);
    }
    k = read(fd, buf + n, cap - n);
    if (k < 0) {
      if (errno == EINTR) continue;
      snprintf(err, errlen, "cannot read: %s", strerror(errno));
      mem_free(buf);
      close(fd);
      return NULL;
    }
    if (k == 0) break;
    n += (size_t)k;
  }
  close(fd);
  p = bc_read_mem(buf, n, path, expect_builtins, err, errlen);
  mem_free(buf);
  return p;
}

/* -------------------------------------------------------------- verifier
**
** What bc_verify proves, so that the VM need not check it again:
**   every function: nregs <= MAX_REGS, nparams <= nregs, at least one
**     instruction, the last one RET, every position within the source,
**     constants only nil/bool/number/duration/string/function, and a
**     function constant names an existing function;
**   every instruction: a known opcode; each operand the opcode uses as a
**     register < nregs (counted spans too: CONCAT/NEWLIST R[B..B+C),
**     CALL R[A..A+B], CALLB R[A..A+B), the loops R[A..A+2]); constant
**     operands < nk, and a string where the VM reads one (GETFIELD's
**     field, NOTIFY's and APPROVE's role); LOADFN < nprotos; GETG/SETG
**     < nglobals; VERIFY < nverifies, with the record's registers < nregs;
**     CALLB's builtin < nbuiltins; SHQUOTE's context 0..2; every jump
**     target within [0, ncode) (ncode itself would run past the final
**     RET); and each comparison followed by the JMP the VM fuses with it;
**   the tables: proto and role indices exist (or are -1 where optional),
**     a step comes only after earlier steps, a param's global exists,
**     severities are 0..2, verify spans lie within the source and their
**     registers are -1 or 0..255, and no required string is NULL;
**     externs have known parameter and result types, at most
**     EXTERN_MAX_PARAMS parameters, and builtins plus externs are at most
**     256 (CALLB's C is one byte); a builtin written in rbk names an
**     existing builtin and function; the notifier takes 6 parameters; a
**     backout is none, undo, or run with a file.
** Operands an opcode ignores (LOADNIL's B and C, a flag's value) are not
** checked. Types of register contents are the VM's to check at run time.
*/

static int vfail(char *err, size_t errlen, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 3, 4)))
#endif
  ;

static int vfail(char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  size_t k = (size_t)snprintf(err, errlen, "invalid bytecode: ");
  if (k < errlen) {
    va_start(ap, fmt);
    vsnprintf(err + k, errlen - k, fmt, ap);
    va_end(ap);
  }
  return -1;
}

/* What one instruction may refer to. */
typedef struct VCtx {
  const Program *p;
  const Proto *f;
  uint32_t pc;
  char *err;
  size_t errlen;
} VCtx;

static int pcfail(VCtx *v, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 2, 3)))
#endif
  ;

static int pcfail(VCtx *v, const char *fmt, ...) {
  va_list ap;
  size_t k = (size_t)snprintf(v->err, v->errlen, "invalid bytecode: %s pc %" PRIu32 ": ",
                              v->f->name ? v->f->name : "?", v->pc);
  if (k < v->errlen) {
    va_start(ap, fmt);
    vsnprintf(v->err + k, v->errlen - k, fmt, ap);
    va_end(ap);
  }
  return -1;
}

static int reg(VCtx *v, unsigned r, const char *which) {
  if (r >= v->f->nregs)
    return pcfail(v, "%s %s register %u is out of range (%u register%s)",
                  op_name(GET_OP(v->f->code[v->pc])), which, r, v->f->nregs, pl(v->f->nregs));
  return 0;
}

/* span checks that registers [base, base+count) all exist. */
static int span(VCtx *v, unsigned base, unsigned count, const char *what) {
  if (base + count > v->f->nregs)
    return pcfail(v, "%s %s R[%u..%u] runs past the %u register%s",
                  op_name(GET_OP(v->f->code[v->pc])), what, base, base + count - 1, v->f->nregs,
                  pl(v->f->nregs));
  return 0;
}

static int kidx(VCtx *v, unsigned k, int want_str) {
  if (k >= v->f->nk)
    return pcfail(v, "%s constant %u is out of range (%" PRIu32 " constant%s)",
                  op_name(GET_OP(v->f->code[v->pc])), k, v->f->nk, pl(v->f->nk));
  if (want_str && v->f->k[k].t != V_STR)
    return pcfail(v, "%s constant %u must be a string, not %s", op_name(GET_OP(v->f->code[v->pc])),
                  k, val_type_name(&v->f->k[k]));
  return 0;
}

static int jump(VCtx *v, int off) {
  int64_t t = (int64_t)v->pc + 1 + off;
  /* A target of ncode would run past the final RET, so it is refused too. */
  if (t < 0 || t >= (int64_t)v->f->ncode)
    return pcfail(v, "%s jumps to pc %" PRId64 ", outside the function (%" PRIu32
                  " instructions)", op_name(GET_OP(v->f->code[v->pc])), t, v->f->ncode);
  return 0;
}

/* fused: a comparison's skip lands on a JMP the VM executes with it. */
static int fused(VCtx *v) {
  if (v->pc + 1 >= v->f->ncode || GET_OP(v->f->code[v->pc + 1]) != OP_JMP)
    return pcfail(v, "%s is not followed by a JMP", op_name(GET_OP(v->f->code[v->pc])));
  return 0;
}

static int verify_register(VCtx *v, int16_t r, const char *which) {
  if (r >= (int16_t)v->f->nregs)
    return pcfail(v, "verify record %u names %s register %d, beyond the %u register%s",
                  GET_Bx(v->f->code[v->pc]), which, r, v->f->nregs, pl(v->f->nregs));
  return 0;
}

static int check_instr(VCtx *v) {
  const Program *p = v->p;
  Instr i = v->f->code[v->pc];
  unsigned a = GET_A(i), b = GET_B(i), c = GET_C(i), bx = GET_Bx(i);
  OpCode op = GET_OP(i);
  switch (op) {
    case OP_MOVE: case OP_NEG: case OP_NOT: case OP_RETRY:
    case OP_ADDI: case OP_SUBI:
      return reg(v, a, "A") || reg(v, b, "B");
    case OP_WAITINIT: case OP_WAITNEXT:   /* C > 0: a hold's window, C = 2 (C = 1 for WAITINIT) in 3 registers */
      if (reg(v, a, "A") || reg(v, b, "B")) return -1;
      if (c > (op == OP_WAITINIT ? 1u : 2u)) return pcfail(v, "%s mode %u is out of range", op_name(op), c);
      if (op == OP_WAITNEXT && c > 0 && fused(v)) return -1;   /* it skips the JMP back at the deadline */
      return (op == OP_WAITINIT ? c == 1 : c == 2) ? span(v, a, 3, "window registers") : 0;
    case OP_MODI:
      if (reg(v, a, "A") || reg(v, b, "B")) return -1;
      if (c == 0) return pcfail(v, "MODI divisor is 0");
      return 0;
    case OP_LOADK:
      return reg(v, a, "A") || kidx(v, bx, 0);
    case OP_LOADNIL: case OP_LOADBOOL: case OP_RET: case OP_RUN: case OP_FAIL: case OP_LOG:
    case OP_MANUAL: case OP_ASK: case OP_TIMEOUT:
      return reg(v, a, "A");
    case OP_LOADFN:
      if (reg(v, a, "A")) return -1;
      if (bx >= p->nprotos)
        return pcfail(v, "LOADFN function %u does not exist (%" PRIu32 " function%s)", bx,
                      p->nprotos, pl(p->nprotos));
      return 0;
    case OP_GETG: case OP_SETG:
      if (reg(v, a, "A")) return -1;
      if (bx >= p->nglobals)
        return pcfail(v, "%s global %u does not exist (%" PRIu32 " global%s)", op_name(op), bx,
                      p->nglobals, pl(p->nglobals));
      return 0;
    case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_MOD: case OP_MATCH:
    case OP_INDEX:
      return reg(v, a, "A") || reg(v, b, "B") || reg(v, c, "C");
    case OP_ADDK: case OP_SUBK: case OP_MULK: case OP_DIVK: case OP_MODK:
      return reg(v, a, "A") || reg(v, b, "B") || kidx(v, c, 0);
    case OP_GETFIELD:
      return reg(v, a, "A") || reg(v, b, "B") || kidx(v, c, 1);
    case OP_EQ: case OP_LT: case OP_LE:
      return reg(v, a, "A") || reg(v, b, "B") || fused(v);
    case OP_EQK: case OP_LTK: case OP_LEK: case OP_GTK: case OP_GEK:
      return reg(v, a, "A") || kidx(v, b, 0) || fused(v);
    case OP_TEST: case OP_EQI: case OP_LTI: case OP_LEI: case OP_GTI: case OP_GEI:
      return reg(v, a, "A") || fused(v);
    case OP_JMP:
      return jump(v, GET_sJ(i));
    case OP_JNIL: case OP_JNNIL:
      return reg(v, a, "A") || jump(v, GET_sBx(i));
    case OP_NEWMAP:
      return reg(v, a, "A") || span(v, b, 2 * c, "keys and values");
    case OP_CONCAT: case OP_NEWLIST:
      return reg(v, a, "A") || span(v, b, c, "operands");
    case OP_SHQUOTE:
      if (reg(v, a, "A") || reg(v, b, "B")) return -1;
      if (c > 2) return pcfail(v, "SHQUOTE quoting context %u is not 0, 1 or 2", c);
      return 0;
    case OP_CALL:
      return reg(v, a, "A") || span(v, a, b + 1, "function and arguments");
    case OP_CALLB:
      if (reg(v, a, "A") || span(v, a, b, "arguments")) return -1;
      if (c >= p->nbuiltins + p->nexterns)
        return pcfail(v, "CALLB native %u does not exist (%" PRIu32 " builtin%s and %" PRIu32
                      " extern%s)", c, p->nbuiltins, pl(p->nbuiltins), p->nexterns, pl(p->nexterns));
      return 0;
    case OP_FORPREP: case OP_FORLOOP: case OP_LISTPREP: case OP_LISTLOOP:
      return span(v, a, 3, "loop registers") || jump(v, GET_sBx(i));
    case OP_VERIFY: case OP_HOLD: case OP_WAITFAIL: {
      const VerifyInfo *vi;
      if (reg(v, a, "A")) return -1;
      if (bx >= p->nverifies)
        return pcfail(v, "%s record %u does not exist (%" PRIu32 " record%s)", op_name(op), bx,
                      p->nverifies, pl(p->nverifies));
      vi = &p->verifies[bx];
      return verify_register(v, vi->lhs, "lhs") || verify_register(v, vi->rhs, "rhs") ||
             verify_register(v, vi->msg, "message");
    }
    case OP_NOTIFY: case OP_APPROVE:
      return reg(v, a, "A") || kidx(v, b, 1);
    case OP_NOP:
      return 0;
    case OP__N:
      break;
    /* No default: -Wswitch then names any opcode added to opcodes.h
    ** without a rule here, and the build (-Werror) stops. */
  }
  return pcfail(v, "unknown opcode %u", (unsigned)op);
}

static int check_proto(const Program *p, uint32_t idx, uint32_t srclen, char *err,
                       size_t errlen) {
  const Proto *f = p->protos[idx];
  VCtx v;
  uint32_t i;
  if (!f) return vfail(err, errlen, "function %" PRIu32 " is missing", idx);
  if (!f->name) return vfail(err, errlen, "function %" PRIu32 " has no name", idx);
  if (f->nregs > MAX_REGS)
    return vfail(err, errlen, "%s: %u registers, more than the %d a frame may have", f->name,
                 f->nregs, MAX_REGS);
  if (f->nparams > f->nregs)
    return vfail(err, errlen, "%s: %u parameters but only %u registers", f->name, f->nparams,
                 f->nregs);
  if (f->ncode == 0 || !f->code || !f->pos)
    return vfail(err, errlen, "%s: has no code", f->name);
  if (f->nk && !f->k) return vfail(err, errlen, "%s: constants are missing", f->name);
  for (i = 0; i < f->nk; i++) {
    const Value *k = &f->k[i];
    switch (k->t) {
      case V_NIL: case V_BOOL: case V_STR: break;
      case V_NUM: case V_DUR:
        /* No literal is NaN or infinite (the lexer refuses 1e999), and
        ** formatting a NaN duration is undefined behaviour. */
        if (!isfinite(k->u.n))
          return vfail(err, errlen, "%s: constant %" PRIu32 " is %s that is not finite", f->name, i,
                       val_type_name(k));
        break;
      case V_FN:
        if (k->u.fn >= p->nprotos)
          return vfail(err, errlen, "%s: constant %" PRIu32 " names function %" PRIu32
                       ", which does not exist (%" PRIu32 " function%s)",
                       f->name, i, k->u.fn, p->nprotos, pl(p->nprotos));
        break;
      default:
        return vfail(err, errlen, "%s: constant %" PRIu32 " is %s, which cannot be a constant",
                     f->name, i, val_type_name(k));
    }
  }
  v.p = p;
  v.f = f;
  v.err = err;
  v.errlen = errlen;
  for (v.pc = 0; v.pc < f->ncode; v.pc++) {
    if (f->pos[v.pc] > srclen)
      return pcfail(&v, "source position %" PRIu32 " is past the end of the source (%" PRIu32
                    " bytes)", f->pos[v.pc], srclen);
    if (check_instr(&v)) return -1;
  }
  v.pc = f->ncode - 1;
  if (GET_OP(f->code[v.pc]) != OP_RET)
    return pcfail(&v, "the code ends with %s instead of RET", op_name(GET_OP(f->code[v.pc])));
  return 0;
}

/* proto_ref checks a table's function index: -1 when optional, else < nprotos. */
static int proto_ref(const Program *p, int32_t idx, int optional) {
  if (idx == -1) return optional;
  return idx >= 0 && (uint32_t)idx < p->nprotos;
}

static int role_ref(const Program *p, int32_t idx) {
  return idx == -1 || (idx >= 0 && (uint32_t)idx < p->nroles);
}

#define NAME(s) ((s) ? (s) : "?")

/* duration_ok: a table's duration is -1 (none) or finite and not negative. */
static int duration_ok(double d) { return d == -1 || (isfinite(d) && d >= 0); }

int bc_verify(const Program *p, char *err, size_t errlen) {
  uint32_t i, j, srclen = p->src ? p->src->len : UINT32_MAX;
  if (!p->src || !p->src->name || !p->src->text) return vfail(err, errlen, "no source");
  if (!p->title || !p->version) return vfail(err, errlen, "no title or version");
  if (!role_ref(p, p->owner))
    return vfail(err, errlen, "the runbook owner is role %" PRId32 ", which does not exist",
                 p->owner);
  if (!role_ref(p, p->plan_approver))
    return vfail(err, errlen, "the plan approver is role %" PRId32 ", which does not exist", p->plan_approver);
  if (!duration_ok(p->window))
    return vfail(err, errlen, "the window is not a duration: %g", p->window);
  if (p->nprotos && !p->protos) return vfail(err, errlen, "the functions are missing");
  for (i = 0; i < p->nprotos; i++)
    if (check_proto(p, i, srclen, err, errlen)) return -1;

  for (i = 0; i < p->nsteps; i++) {
    const StepInfo *s = &p->steps[i];
    const char *n = NAME(s->name);
    if (!s->name || !s->title) return vfail(err, errlen, "step %" PRIu32 " has no name or title", i);
    if (s->pos > srclen) return vfail(err, errlen, "step %s: position past the end of the source", n);
    if (!role_ref(p, s->owner))
      return vfail(err, errlen, "step %s: owner role %" PRId32 " does not exist", n, s->owner);
    if (!proto_ref(p, s->body, 0))
      return vfail(err, errlen, "step %s: body function %" PRId32 " does not exist", n, s->body);
    if (!proto_ref(p, s->undo, 1))
      return vfail(err, errlen, "step %s: undo function %" PRId32 " does not exist", n, s->undo);
    if (!proto_ref(p, s->onfail, 1))
      return vfail(err, errlen, "step %s: on-failure function %" PRId32 " does not exist", n,
                   s->onfail);
    if (!proto_ref(p, s->title_fn, 1))
      return vfail(err, errlen, "step %s: title function %" PRId32 " does not exist", n, s->title_fn);
    if (!proto_ref(p, s->expect_fn, 1) || !proto_ref(p, s->timeout_fn, 1))
      return vfail(err, errlen, "step %s: expect function %" PRId32 " or timeout function %" PRId32 " does not exist",
                   n, s->expect_fn, s->timeout_fn);
    if (!duration_ok(s->expect) || !duration_ok(s->timeout))
      return vfail(err, errlen, "step %s: expect %g or timeout %g is not a duration", n, s->expect, s->timeout);
    if (s->nafter && !s->after) return vfail(err, errlen, "step %s: after list is missing", n);
    for (j = 0; j < s->nafter; j++)
      if (s->after[j] >= i)
        return vfail(err, errlen, "step %s: comes after step %" PRIu32
                     ", which is not an earlier step", n, s->after[j]);
  }

  for (i = 0; i < p->nroles; i++) {
    const RoleInfo *r = &p->roles[i];
    if (!r->name || !r->person)
      return vfail(err, errlen, "role %" PRIu32 " has no name or person", i);
    if (r->ncontacts && (!r->keys || !r->vals))
      return vfail(err, errlen, "role %s: contacts are missing", r->name);
    for (j = 0; j < r->ncontacts; j++)
      if (!r->keys[j] || !r->vals[j])
        return vfail(err, errlen, "role %s: contact %" PRIu32 " is missing", r->name, j);
  }

  for (i = 0; i < p->ngroups; i++) {
    const GroupInfo *gr = &p->groups[i];
    if (!gr->name) return vfail(err, errlen, "hosts group %" PRIu32 " has no name", i);
    if (gr->global >= p->nglobals) return vfail(err, errlen, "hosts group %s: global %" PRIu32 " does not exist", gr->name, gr->global);
    if (!proto_ref(p, gr->init, 0)) return vfail(err, errlen, "hosts group %s: function %" PRId32 " does not exist", gr->name, gr->init);
  }
  for (i = 0; i < p->nsteps; i++) {
    const StepInfo *s = &p->steps[i];
    if (s->on_group > p->ngroups)
      return vfail(err, errlen, "step %s: hosts group %" PRIu32 " does not exist", NAME(s->name), s->on_group - 1);
    if (s->on_group && !proto_ref(p, s->between, 1))
      return vfail(err, errlen, "step %s: between-batches function %" PRId32 " does not exist", NAME(s->name), s->between);
    if (!(s->serial >= 0 && s->serial <= 1e9) || !(s->max_fail >= 0 && s->max_fail <= 1e9))
      return vfail(err, errlen, "step %s: a bad batch size or failure budget", NAME(s->name));
  }

  for (i = 0; i < p->nparams; i++) {
    const ParamInfo *pa = &p->params[i];
    if (!pa->name) return vfail(err, errlen, "param %" PRIu32 " has no name", i);
    if (pa->global >= p->nglobals)
      return vfail(err, errlen, "param %s: global %" PRIu32 " does not exist (%" PRIu32
                   " global%s)", pa->name, pa->global, p->nglobals, pl(p->nglobals));
    if (!proto_ref(p, pa->init, 1))
      return vfail(err, errlen, "param %s: default function %" PRId32 " does not exist",
                   pa->name, pa->init);
  }

  for (i = 0; i < p->nreqs; i++) {
    const RequireInfo *q = &p->reqs[i];
    if (!q->name) return vfail(err, errlen, "require %" PRIu32 " has no name", i);
    if (!role_ref(p, q->owner))
      return vfail(err, errlen, "require %s: owner role %" PRId32 " does not exist", q->name,
                   q->owner);
    if (!proto_ref(p, q->body, 0))
      return vfail(err, errlen, "require %s: function %" PRId32 " does not exist", q->name,
                   q->body);
    if (!proto_ref(p, q->name_fn, 1))
      return vfail(err, errlen, "require %s: name function %" PRId32 " does not exist", q->name,
                   q->name_fn);
  }

  for (i = 0; i < p->ntriggers; i++) {
    const TriggerInfo *t = &p->triggers[i];
    if (!t->name) return vfail(err, errlen, "trigger %" PRIu32 " has no name", i);
    if (t->severity > 2)
      return vfail(err, errlen, "trigger %s: severity %u is not 0, 1 or 2", t->name, t->severity);
    if (!proto_ref(p, t->cond, 0))
      return vfail(err, errlen, "trigger %s: function %" PRId32 " does not exist", t->name,
                   t->cond);
    if (!duration_ok(t->hold))
      return vfail(err, errlen, "trigger %s: hold %g is not a duration", t->name, t->hold);
    if (!proto_ref(p, t->hold_fn, 1))
      return vfail(err, errlen, "trigger %s: 'for' function %" PRId32 " does not exist", t->name,
                   t->hold_fn);
  }

  for (i = 0; i < p->nprobes; i++) {
    const ProbeInfo *pr = &p->probes[i];
    if (!pr->name) return vfail(err, errlen, "probe %" PRIu32 " has no name", i);
    if (!proto_ref(p, pr->body, 0))
      return vfail(err, errlen, "probe %s: function %" PRId32 " does not exist", pr->name,
                   pr->body);
  }

  for (i = 0; i < p->nverifies; i++) {
    const VerifyInfo *vi = &p->verifies[i];
    if (vi->pos > vi->end || vi->end > srclen)
      return vfail(err, errlen, "verify record %" PRIu32 ": span %" PRIu32 "..%" PRIu32
                   " is not within the source (%" PRIu32 " bytes)", i, vi->pos, vi->end, srclen);
    if (vi->lhs < -1 || vi->lhs > 255 || vi->rhs < -1 || vi->rhs > 255 || vi->msg < -1 ||
        vi->msg > 255)
      return vfail(err, errlen, "verify record %" PRIu32 ": registers lhs %d, rhs %d, msg %d "
                   "must each be -1 or 0..255", i, vi->lhs, vi->rhs, vi->msg);
  }

  for (i = 0; i < p->nglobals; i++)
    if (!p->globals[i]) return vfail(err, errlen, "global %" PRIu32 " has no name", i);

  if (p->nexterns && !p->externs) return vfail(err, errlen, "the externs are missing");
  if ((uint64_t)p->nbuiltins + p->nexterns > 256)
    return vfail(err, errlen, "%" PRIu32 " builtins and %" PRIu32 " externs: CALLB reaches 256 natives at most",
                 p->nbuiltins, p->nexterns);
  for (i = 0; i < p->nexterns; i++) {
    const ExternInfo *e = &p->externs[i];
    if (!e->lib || !e->name) return vfail(err, errlen, "extern %" PRIu32 " has no library or name", i);
    if (e->pos > e->end || e->end > srclen || e->name_pos > e->name_end || e->name_end > srclen)
      return vfail(err, errlen, "extern %s: its position is not within the source", e->name);
    if (e->nparams > EXTERN_MAX_PARAMS)
      return vfail(err, errlen, "extern %s: %u parameters, more than %d", e->name, e->nparams, EXTERN_MAX_PARAMS);
    for (j = 0; j < e->nparams; j++)
      if (e->params[j] >= FT__N || e->params[j] == FT_VOID)
        return vfail(err, errlen, "extern %s: parameter %" PRIu32 " has type %u, which no parameter can have",
                     e->name, j + 1, e->params[j]);
    if (e->result >= FT__N || ffi_type_is_out(e->result))
      return vfail(err, errlen, "extern %s: result type %u is not a result type", e->name, e->result);
  }
  if (p->nimpls && !p->impls) return vfail(err, errlen, "the builtins written in rbk are missing");
  for (i = 0; i < p->nimpls; i++) {
    if (p->impls[i].builtin >= p->nbuiltins)
      return vfail(err, errlen, "builtin %" PRIu32 " written in rbk does not exist (%" PRIu32 " builtin%s)",
                   p->impls[i].builtin, p->nbuiltins, pl(p->nbuiltins));
    if (!proto_ref(p, p->impls[i].proto, 0))
      return vfail(err, errlen, "builtin %" PRIu32 ": function %" PRId32 " does not exist", p->impls[i].builtin,
                   p->impls[i].proto);
  }
  if (!proto_ref(p, p->notifier, 1))
    return vfail(err, errlen, "the notifier, function %" PRId32 ", does not exist", p->notifier);
  if (p->notifier >= 0 && p->protos[p->notifier]->nparams != 6)
    return vfail(err, errlen, "the notifier takes %u parameters instead of 6", p->protos[p->notifier]->nparams);
  if (p->backout > BACKOUT_RUN || (p->backout == BACKOUT_RUN) != (p->backout_file != NULL))
    return vfail(err, errlen, "backout %u does not match its runbook file", p->backout);
  return 0;
}
