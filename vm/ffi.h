/*
** ffi.h -- C functions of shared libraries, called from rbk: every
** `extern "LIB" fn NAME(TYPES) -> TYPE` is bound with dlopen/dlsym when a
** run starts (ffi_bind) and called through libffi (ffi_cif/ffi_call).
**
** Calls reach ffi_call_extern through the VM's one native dispatcher, like every
** builtin: the dispatcher journals the call (an extern acts on the world)
** and hands over the ExternInfo to call (vm/interp.c's extern_native).
**
** Types and conversions, argument by argument:
**   int      a whole number that fits a C int        result: a number
**   int64    a whole number that fits int64_t         result: a number
**            (exact up to 2^53, as every rbk number)
**   double   a number                                 result: a number
**   string   a string without NUL bytes, or nil       result: a copy, or
**            (NULL); the C side must not keep it      nil for NULL
**   pointer  a pointer an extern returned, or nil     result: a pointer,
**            (NULL); a stale one is refused           or nil for NULL
**   void     (result only)                            result: nil
**   out_int, out_int64, out_double, out_string, out_pointer: an
**            out-parameter. It is not passed by the caller: the C function
**            gets the address of a zeroed slot, and the call returns a list
**            [result, out...] of the slots' values after the call, in
**            order, converted as the results above (out_string copies the
**            C string the slot points to, which the C side still owns).
** Variadic C functions (printf) cannot be bound: libffi needs a fixed
** signature. What a C function does with its arguments is beyond rbk's
** control: a wrong declaration can crash the process, as in C.
*/
#ifndef RBK_FFI_H
#define RBK_FFI_H

#include <string.h>

#include "../base/diag.h"
#include "program.h"
#include "value.h"
#include "../base/buf.h"

#define FFI_TYPES(X) \
  X(INT, "int") X(INT64, "int64") X(DOUBLE, "double") X(STRING, "string") X(POINTER, "pointer") \
  X(VOID, "void") X(OUT_INT, "out_int") X(OUT_INT64, "out_int64") X(OUT_DOUBLE, "out_double") \
  X(OUT_STRING, "out_string") X(OUT_POINTER, "out_pointer")

typedef enum FfiType {
#define X(t, s) FT_##t,
  FFI_TYPES(X)
#undef X
  FT__N
} FfiType;

/* The helpers on types are inline, so that the checker uses them without
** linking libffi (the fuzzing build links the front end alone). */

/* ffi_type_name returns the spelling of t ("int64"), or "?" if unknown. */
static inline const char *ffi_type_name(int t) {
  static const char *const names[] = {
#define X(t, s) s,
    FFI_TYPES(X)
#undef X
  };
  return t >= 0 && t < FT__N ? names[t] : "?";
}
/* ffi_type_parse returns the FfiType spelt name, or -1. */
static inline int ffi_type_parse(const char *name) {
  int t;
  for (t = 0; t < FT__N; t++)
    if (strcmp(ffi_type_name(t), name) == 0) return t;
  return -1;
}
/* ffi_type_is_out says whether t is an out-parameter type. */
static inline int ffi_type_is_out(int t) { return t >= FT_OUT_INT && t <= FT_OUT_POINTER; }
/* ffi_arity is the number of arguments a caller passes to e (its
** parameters that are not out-parameters). */
static inline int ffi_arity(const ExternInfo *e) {
  int n = 0, k;
  for (k = 0; k < e->nparams; k++) n += !ffi_type_is_out(e->params[k]);
  return n;
}

/* ffi_bind opens the library and finds the symbol of every extern of p
** not yet bound, preparing its libffi call interface. Each failure (a
** library that cannot be opened, a missing symbol) is added to d at the
** extern's declaration, naming the library and the symbol. Returns the
** number of failures; the externs that did bind stay bound. */
int ffi_bind(Program *p, Diags *d);
/* ffi_unbind releases e's binding (prog_free calls it through e->unbind). */
void ffi_unbind(ExternInfo *e);
/* ffi_call_extern calls extern e with argc arguments: it converts and checks
** them, calls the function and stores the converted result in *out (a new
** value). Returns 0, or -1 with the reason in err (an extern that was never
** bound fails cleanly). */
int ffi_call_extern(const ExternInfo *e, Value *args, int argc, Value *out, Buf *err);

#endif
