/*
** value.h -- run-time values of rbk.
**
** A Value is a 16-byte tagged union. Numbers, durations, booleans, nil,
** function references and C pointers are immediate. Strings, lists and command
** results are immutable heap objects with a reference count; since they
** are immutable no cycle can form, so counting reclaims everything.
**
** Ownership, in the manner of jq's jv: a Value held in a register, a
** global, a list or a constant owns one reference. val_retain adds one;
** val_release drops one and frees at zero. Functions named *_new return a
** Value that owns its reference. Functions taking `const Value *` borrow.
*/
#ifndef RBK_VALUE_H
#define RBK_VALUE_H

#include <stddef.h>
#include <stdint.h>

#include "../base/buf.h"

typedef enum ValType {
  V_NIL, V_BOOL, V_NUM, V_DUR, V_FN, V_PTR,   /* immediate */
  V_STR, V_LIST, V_REC, V_MAP,          /* heap, reference counted (>= V_STR) */
  V_UNDEF                               /* a global that was never set */
} ValType;

typedef struct Obj {
  uint32_t rc;
  uint8_t type;
} Obj;

typedef struct Str {
  Obj h;
  uint32_t len;
  char s[];          /* len bytes and a NUL */
} Str;

typedef struct Value {
  uint8_t t;         /* ValType */
  union {
    double n;        /* V_NUM, V_DUR (seconds) */
    int64_t i;       /* a counted for loop's own registers (FORPREP; tagged nil) */
    int b;           /* V_BOOL */
    uint32_t fn;     /* V_FN: function index in the program */
    void *p;         /* V_PTR: see val_ptr */
    Obj *o;          /* V_STR, V_LIST, V_REC, V_MAP */
  } u;
} Value;

typedef struct List {
  Obj h;
  uint32_t n;
  Value v[];
} List;

/* The result of a command: run("cmd") returns one. */
typedef struct Rec {
  Obj h;
  int status;        /* exit status; 128+N when killed by signal N */
  double duration;   /* seconds */
  Str *out, *err;    /* captured output (owned) */
  int timed_out;
} Rec;

/* A map: string keys, each once, in the order they were given, and their
** values (a host of a fleet: {name, address, port, user, vars}). Small, so
** looked up by a walk. kv[2i] is key i (a string), kv[2i+1] its value. */
typedef struct Map {
  Obj h;
  uint32_t n;
  Value kv[];
} Map;

#define IS_OBJ(v) ((v).t >= V_STR && (v).t <= V_MAP)
/* Obj is the first member of each object, so these casts are exact; the
** void* step tells -Wcast-align so. */
#define AS_STR(v) ((Str *)(void *)(v).u.o)
#define AS_LIST(v) ((List *)(void *)(v).u.o)
#define AS_REC(v) ((Rec *)(void *)(v).u.o)
#define AS_MAP(v) ((Map *)(void *)(v).u.o)

static inline Value val_nil(void) { Value v; v.t = V_NIL; v.u.n = 0; return v; }
static inline Value val_undef(void) { Value v; v.t = V_UNDEF; v.u.n = 0; return v; }
static inline Value val_bool(int b) { Value v; v.t = V_BOOL; v.u.n = 0; v.u.b = b != 0; return v; }
static inline Value val_num(double n) { Value v; v.t = V_NUM; v.u.n = n; return v; }
static inline Value val_dur(double s) { Value v; v.t = V_DUR; v.u.n = s; return v; }
static inline Value val_fn(uint32_t i) { Value v; v.t = V_FN; v.u.n = 0; v.u.fn = i; return v; }
/* A pointer returned by a C function bound with `extern`. It is opaque:
** no arithmetic, no conversion from a number, and only an extern call
** gives one or takes one. A NULL result is nil, never a pointer; so a
** pointer whose address is NULL is a STALE one: it was read back from a
** journal, its process is gone, and no extern may be given it. */
static inline Value val_ptr(void *p) { Value v; v.t = V_PTR; v.u.n = 0; v.u.p = p; return v; }

void val_free_obj(Obj *o);
static inline void val_retain(Value v) { if (IS_OBJ(v)) v.u.o->rc++; }
static inline void val_release(Value v) {
  if (IS_OBJ(v) && --v.u.o->rc == 0) val_free_obj(v.u.o);
}

/* val_str_new makes a string of n bytes of s. */
Value val_str_new(const char *s, size_t n);
/* val_cstr_new makes a string from a NUL-terminated s. */
Value val_cstr_new(const char *s);
/* val_str_take makes a string from a Buf's contents, emptying the Buf. */
Value val_str_take(Buf *b);
/* val_list_new makes a list of n values, taking ownership of each of v[0..n). */
Value val_list_new(Value *v, uint32_t n);
/* val_rec_new makes a command result; it copies out and err. */
Value val_rec_new(int status, double duration, const char *out, size_t outn,
                  const char *err, size_t errn, int timed_out);

/* val_truthy: nil, false, and a failed command result are false; all else true. */
/* val_map_new makes a map of n pairs, taking over the references of
** kv[0..2n) (keys are strings; a later duplicate key replaces the earlier
** value in place). */
Value val_map_new(Value *kv, uint32_t n);
/* val_map_get borrows the value of key, or returns NULL. */
const Value *val_map_get(const Value *map, const char *key);
int val_truthy(const Value *v);
/* val_equal compares by value (strings by bytes, lists element-wise). */
int val_equal(const Value *a, const Value *b);
/* val_type_name describes a type for messages ("a duration"). */
const char *val_type_name(const Value *v);
/* val_to_buf appends the value as text: numbers without a needless ".0",
** durations as 1h30m, lists as [a, b], command results as their trimmed stdout. */
void val_to_buf(const Value *v, Buf *b);
/* val_repr_buf appends the value as a REPL or error message shows it:
** strings quoted, everything else as val_to_buf. */
void val_repr_buf(const Value *v, Buf *b);
/* A ValMask rewrites the text of each string a value holds before it is
** rendered (the VM's secret masking, vm_mask in vm/vm.h). Masking the
** text itself, before it is quoted or escaped, is what makes a secret
** masked in every rendering: once escaped (a list shows its strings
** JSON-escaped, the journal escapes again) its bytes no longer appear as
** they are. fn appends s[0..n), masked, to out. */
typedef struct ValMask {
  void (*fn)(const void *ud, const char *s, size_t n, Buf *out);
  const void *ud;
} ValMask;
/* val_show and val_show_repr are val_to_buf and val_repr_buf with every
** string's text, at any depth, passed through m first (m may be NULL). */
void val_show(const Value *v, const ValMask *m, Buf *b);
void val_show_repr(const Value *v, const ValMask *m, Buf *b);

/* val_parse_duration reads a duration as a command line gives it: one or
** more parts, each a number and a unit (ms, s, m, h, d), such as 90s,
** 1.5h or 1h30m. Returns 0 with the seconds in *s, or -1 (also for a
** total no double can hold, such as 1e999s: durations are finite). */
int val_parse_duration(const char *text, double *s);
/* val_fmt_duration appends seconds as "1h30m", "45s", "1.5s" or "250ms":
** dur_format of base/duration.h, the one formatter every command uses. */
void val_fmt_duration(double s, Buf *b);

#endif
