/*
** ffi.c -- binding `extern` declarations with dlopen/dlsym and calling
** them through libffi.
*/
#include "ffi.h"

#include <dlfcn.h>
#include <ffi.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../base/mem.h"

/* A bound extern: what dlsym found and the call interface libffi prepared. */
typedef struct Binding {
  void *handle;                           /* from dlopen; closed by ffi_unbind */
  void (*fn)(void);
  ffi_cif cif;
  ffi_type *atypes[EXTERN_MAX_PARAMS];
} Binding;

static ffi_type *c_type(int t) {
  switch (t) {
    case FT_INT: return &ffi_type_sint;
    case FT_INT64: return &ffi_type_sint64;
    case FT_DOUBLE: return &ffi_type_double;
    case FT_VOID: return &ffi_type_void;
    default: return &ffi_type_pointer;   /* string, pointer, and every out-parameter (an address) */
  }
}

/* report adds msg at the extern's library string (or its name): a
** stdlib module's externs have no place in the runbook, so they name the
** module instead. */
static void report(Diags *d, Program *p, const ExternInfo *e, int at_name, const char *msg) {
  if (e->module) {
    char file[300];
    snprintf(file, sizeof file, "stdlib/%s.rbk", e->module);
    diag_file(d, SEV_ERROR, "extern", file, "%s", msg);
    return;
  }
  diag_add(d, SEV_ERROR, "extern", p->src, at_name ? e->name_pos : e->pos, at_name ? e->name_end : e->end, "%s",
           msg);
}

int ffi_bind(Program *p, Diags *d) {
  uint32_t i;
  int failures = 0;
  for (i = 0; i < p->nexterns; i++) {
    ExternInfo *e = &p->externs[i];
    Binding *b;
    void *h, *sym;
    char msg[1024];
    int k;
    if (e->binding) continue;
    dlerror();
    h = dlopen(e->lib, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      const char *why = dlerror();
      snprintf(msg, sizeof msg, "cannot load library '%s' for extern '%s': %s", e->lib, e->name,
               why ? why : "unknown error");
      report(d, p, e, 0, msg);
      failures++;
      continue;
    }
    dlerror();
    sym = dlsym(h, e->name);
    if (!sym) {
      snprintf(msg, sizeof msg, "library '%s' has no symbol '%s'", e->lib, e->name);
      report(d, p, e, 1, msg);
      dlclose(h);
      failures++;
      continue;
    }
    b = mem_calloc(sizeof *b);
    b->handle = h;
    /* A data pointer to a function pointer: how dlsym must be used (POSIX). */
    memcpy(&b->fn, &sym, sizeof b->fn);
    for (k = 0; k < e->nparams; k++) b->atypes[k] = c_type(e->params[k]);
    if (ffi_prep_cif(&b->cif, FFI_DEFAULT_ABI, e->nparams, c_type(e->result), b->atypes) != FFI_OK) {
      snprintf(msg, sizeof msg, "libffi cannot prepare a call to '%s' in '%s'", e->name, e->lib);
      report(d, p, e, 1, msg);
      dlclose(h);
      mem_free(b);
      failures++;
      continue;
    }
    e->binding = b;
    e->unbind = ffi_unbind;
  }
  return failures;
}

void ffi_unbind(ExternInfo *e) {
  Binding *b = e->binding;
  if (!b) return;
  dlclose(b->handle);
  mem_free(b);
  e->binding = NULL;
}

/* call_failed appends the reason a call cannot be made to err; returns -1. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int call_failed(Buf *err, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(err, fmt, ap);
  va_end(ap);
  return -1;
}

/* One argument or out-slot, as C sees it. */
typedef union Slot {
  int i;
  int64_t l;
  double d;
  const char *s;
  void *p;
} Slot;

static int bad_arg(Buf *err, const ExternInfo *e, int k, int argno, const char *want, const Value *v) {
  Buf got = BUF_INIT;
  if (v->t == V_NUM && (e->params[k] == FT_INT || e->params[k] == FT_INT64)) val_to_buf(v, &got);   /* "not 2.5" */
  else buf_puts(&got, val_type_name(v));
  buf_printf(err, "%s(): argument %d must be %s (a C %s), not %s", e->name, argno, want,
             ffi_type_name(e->params[k]), buf_cstr(&got));
  buf_free(&got);
  return -1;
}

/* whole checks that v is a whole number within [lo, hi]. */
static int whole(const Value *v, double lo, double hi) {
  return v->t == V_NUM && v->u.n == floor(v->u.n) && v->u.n >= lo && v->u.n <= hi;
}

static int convert(Buf *err, const ExternInfo *e, int k, int argno, const Value *v, Slot *slot) {
  switch (e->params[k]) {
    case FT_INT:
      if (!whole(v, INT_MIN, INT_MAX)) return bad_arg(err, e, k, argno, "a whole number that fits", v);
      slot->i = (int)v->u.n;
      return 0;
    case FT_INT64:
      /* 2^63 itself is not an int64_t; the next double below it is. */
      if (!whole(v, -9223372036854775808.0, 9223372036854774784.0))
        return bad_arg(err, e, k, argno, "a whole number that fits", v);
      slot->l = (int64_t)v->u.n;
      return 0;
    case FT_DOUBLE:
      if (v->t != V_NUM) return bad_arg(err, e, k, argno, "a number", v);
      slot->d = v->u.n;
      return 0;
    case FT_STRING:
      if (v->t == V_NIL) {
        slot->s = NULL;
        return 0;
      }
      if (v->t != V_STR) return bad_arg(err, e, k, argno, "a string or nil", v);
      if (memchr(AS_STR(*v)->s, '\0', AS_STR(*v)->len))
        return call_failed(err, "%s(): argument %d contains a NUL byte, which a C string cannot hold", e->name, argno);
      slot->s = AS_STR(*v)->s;
      return 0;
    default:   /* FT_POINTER */
      if (v->t == V_NIL) {
        slot->p = NULL;
        return 0;
      }
      if (v->t != V_PTR) return bad_arg(err, e, k, argno, "a pointer or nil", v);
      if (!v->u.p)
        return call_failed(err, "%s(): argument %d is a pointer from an earlier process (read back from the journal), "
                               "which no longer points anywhere; run the call that made it again in this process",
                          e->name, argno);
      slot->p = v->u.p;
      return 0;
  }
}

static Value from_c(int t, const Slot *s) {
  switch (t) {
    case FT_INT: case FT_OUT_INT: return val_num(s->i);
    case FT_INT64: case FT_OUT_INT64: return val_num((double)s->l);
    case FT_DOUBLE: case FT_OUT_DOUBLE: return val_num(s->d);
    case FT_STRING: case FT_OUT_STRING: return s->s ? val_cstr_new(s->s) : val_nil();
    case FT_POINTER: case FT_OUT_POINTER: return s->p ? val_ptr(s->p) : val_nil();
    default: return val_nil();   /* void */
  }
}

int ffi_call_extern(const ExternInfo *e, Value *args, int argc, Value *out, Buf *err) {
  Binding *b = e->binding;
  Slot in[EXTERN_MAX_PARAMS], outs[EXTERN_MAX_PARAMS], res;
  void *avalues[EXTERN_MAX_PARAMS];
  /* libffi widens a result narrower than a register to ffi_arg. */
  union {
    ffi_arg a;
    ffi_sarg sa;
    int64_t l;
    double d;
    void *p;
  } rv;
  int k, ai = 0, nouts = 0;
  if (!b)
    return call_failed(err, "%s(): the extern was not bound to '%s' (its library was not loaded)", e->name, e->lib);
  if (argc != ffi_arity(e))
    return call_failed(err, "%s() takes %d argument%s, got %d", e->name, ffi_arity(e), ffi_arity(e) == 1 ? "" : "s",
                      argc);
  for (k = 0; k < e->nparams; k++) {
    if (ffi_type_is_out(e->params[k])) {
      memset(&outs[k], 0, sizeof outs[k]);
      in[k].p = &outs[k];
      nouts++;
    } else if (convert(err, e, k, ai + 1, &args[ai], &in[k]) != 0) {
      return -1;
    } else {
      ai++;
    }
    avalues[k] = &in[k];
  }
  memset(&rv, 0, sizeof rv);
  ffi_call(&b->cif, b->fn, &rv, avalues);
  memset(&res, 0, sizeof res);
  switch (e->result) {
    case FT_INT: res.i = (int)rv.sa; break;
    case FT_INT64: res.l = rv.l; break;
    case FT_DOUBLE: res.d = rv.d; break;
    case FT_STRING: case FT_POINTER: res.p = rv.p; break;
    default: break;
  }
  if (!nouts) {
    *out = from_c(e->result, &res);
    return 0;
  }
  {
    Value items[EXTERN_MAX_PARAMS + 1];
    int n = 0;
    items[n++] = from_c(e->result, &res);
    for (k = 0; k < e->nparams; k++)
      if (ffi_type_is_out(e->params[k])) items[n++] = from_c(e->params[k], &outs[k]);
    *out = val_list_new(items, (uint32_t)n);
  }
  return 0;
}
