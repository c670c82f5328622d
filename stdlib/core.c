/*
** core.c -- builtins on strings, lists, numbers, the environment and time.
** Arguments arrive checked against builtins.def's kinds by the dispatcher;
** only the builtins that take "anything" look at types here.
*/
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../base/mem.h"
#include "natives.h"

static int want_str(VM *vm, const char *fn, const Value *v, int argno) {
  if (v->t == V_STR) return 0;
  return vm_fail(vm, "%s(): argument %d must be a string, not %s", fn, argno, val_type_name(v));
}

int nat_raw(VM *vm, Value *args, int argc, Value *out) {
  Buf b = BUF_INIT;
  (void)vm; (void)argc;
  val_to_buf(&args[0], &b);
  *out = val_str_take(&b);
  return 0;
}

int nat_str(VM *vm, Value *args, int argc, Value *out) {
  return nat_raw(vm, args, argc, out);
}

int nat_num(VM *vm, Value *args, int argc, Value *out) {
  (void)argc;
  if (args[0].t == V_NUM || args[0].t == V_DUR) {
    *out = val_num(args[0].u.n);
    return 0;
  }
  if (args[0].t == V_STR || args[0].t == V_REC) {
    Buf b = BUF_INIT;
    char *end;
    double d;
    val_to_buf(&args[0], &b);
    d = strtod(buf_cstr(&b), &end);
    while (*end == ' ' || *end == '\n' || *end == '\t' || *end == '\r') end++;
    if (b.n == 0 || *end || !isfinite(d)) {   /* strtod also takes nan, inf and 1e999 */
      Buf m = BUF_INIT;
      vm_redact(vm, buf_cstr(&b), b.n, &m);   /* masked before it is cut */
      vm_fail(vm, "num(): \"%.60s\" is not a %snumber", buf_cstr(&m), b.n && !*end ? "finite " : "");
      buf_free(&m);
      buf_free(&b);
      return -1;
    }
    buf_free(&b);
    *out = val_num(d);
    return 0;
  }
  if (args[0].t == V_BOOL) {
    *out = val_num(args[0].u.b);
    return 0;
  }
  return vm_fail(vm, "num(): cannot convert %s to a number", val_type_name(&args[0]));
}

int nat_len(VM *vm, Value *args, int argc, Value *out) {
  (void)argc;
  if (args[0].t == V_STR) *out = val_num(AS_STR(args[0])->len);
  else if (args[0].t == V_LIST) *out = val_num(AS_LIST(args[0])->n);
  else if (args[0].t == V_MAP) *out = val_num(AS_MAP(args[0])->n);
  else return vm_fail(vm, "len(): needs a string, a list or a map, not %s", val_type_name(&args[0]));
  return 0;
}

int nat_trim(VM *vm, Value *args, int argc, Value *out) {
  const char *s;
  size_t i = 0, n;
  (void)argc;
  if (args[0].t == V_REC) {
    Buf b = BUF_INIT;
    val_to_buf(&args[0], &b);
    *out = val_str_take(&b);
    return 0;
  }
  if (want_str(vm, "trim", &args[0], 1)) return -1;
  s = AS_STR(args[0])->s;
  n = AS_STR(args[0])->len;
  while (i < n && strchr(" \t\r\n\f\v", s[i])) i++;
  while (n > i && strchr(" \t\r\n\f\v", s[n - 1])) n--;
  *out = val_str_new(s + i, n - i);
  return 0;
}

int nat_split(VM *vm, Value *args, int argc, Value *out) {
  Str *s, *sep;
  Value *items = NULL;
  size_t cap = 0;
  uint32_t n = 0;
  size_t i = 0;
  (void)argc;
  s = AS_STR(args[0]);
  sep = AS_STR(args[1]);
  if (sep->len == 0) return vm_fail(vm, "split(): the separator is empty");
  for (;;) {
    const char *hit = NULL;
    size_t j;
    for (j = i; j + sep->len <= s->len; j++)
      if (memcmp(s->s + j, sep->s, sep->len) == 0) { hit = s->s + j; break; }
    if (n == cap) items = mem_grow(items, &cap, n + 1, sizeof *items);
    if (!hit) {
      items[n++] = val_str_new(s->s + i, s->len - i);
      break;
    }
    items[n++] = val_str_new(s->s + i, (size_t)(hit - (s->s + i)));
    i = (size_t)(hit - s->s) + sep->len;
  }
  *out = val_list_new(items, n);
  mem_free(items);
  return 0;
}

int nat_contains(VM *vm, Value *args, int argc, Value *out) {
  (void)argc;
  if (args[0].t == V_LIST) {
    List *l = AS_LIST(args[0]);
    uint32_t i;
    for (i = 0; i < l->n; i++)
      if (val_equal(&l->v[i], &args[1])) { *out = val_bool(1); return 0; }
    *out = val_bool(0);
    return 0;
  }
  if (args[0].t == V_MAP && args[1].t == V_STR) {   /* a key: contains(host.vars, "tier") */
    *out = val_bool(val_map_get(&args[0], AS_STR(args[1])->s) != NULL);
    return 0;
  }
  if (args[0].t == V_STR && args[1].t == V_STR) {
    Str *h = AS_STR(args[0]), *nd = AS_STR(args[1]);
    *out = val_bool(nd->len == 0 || (nd->len <= h->len && memmem(h->s, h->len, nd->s, nd->len) != NULL));
    return 0;
  }
  return vm_fail(vm, "contains(): needs a list, a map and a key, or two strings; got %s and %s", val_type_name(&args[0]),
                 val_type_name(&args[1]));
}

int nat_matches(VM *vm, Value *args, int argc, Value *out) {
  regex_t re;
  int rc;
  (void)argc;
  rc = regcomp(&re, AS_STR(args[1])->s, REG_EXTENDED | REG_NOSUB);
  if (rc != 0) {
    char why[128];
    regerror(rc, &re, why, sizeof why);
    return vm_fail(vm, "matches(): invalid regular expression: %s", why);
  }
  rc = regexec(&re, AS_STR(args[0])->s, 0, NULL, 0);
  regfree(&re);
  *out = val_bool(rc == 0);
  return 0;
}

/* A list of a million numbers is 16 MB; more is a mistake, not a plan. */
#define RANGE_MAX 1000000

int nat_range(VM *vm, Value *args, int argc, Value *out) {
  double a = 0, b;
  Value *items;
  uint32_t n, i;
  if (argc == 2) { a = args[0].u.n; b = args[1].u.n; }
  else b = args[0].u.n;
  a = ceil(a);
  if (!(fabs(a) < 9007199254740992.0 && fabs(b) < 9007199254740992.0))
    return vm_fail(vm, "range(): bounds must be below 2^53, where every whole number is exact");
  if (b <= a) { *out = val_list_new(NULL, 0); return 0; }
  if (b - a > RANGE_MAX)
    return vm_fail(vm, "range(): %.0f items is more than %d; use it directly in 'for x in range(n)'", b - a, RANGE_MAX);
  n = (uint32_t)ceil(b - a);
  items = mem_alloc((n + 1) * sizeof *items);
  for (i = 0; i < n; i++) items[i] = val_num(a + i);
  *out = val_list_new(items, n);
  mem_free(items);
  return 0;
}

int nat_join(VM *vm, Value *args, int argc, Value *out) {
  Buf b = BUF_INIT;
  List *l;
  uint32_t i;
  (void)vm;
  l = AS_LIST(args[0]);
  for (i = 0; i < l->n; i++) {
    if (i && argc == 2) buf_add(&b, AS_STR(args[1])->s, AS_STR(args[1])->len);
    val_to_buf(&l->v[i], &b);
  }
  *out = val_str_take(&b);
  return 0;
}

int nat_env(VM *vm, Value *args, int argc, Value *out) {
  const char *v;
  (void)vm; (void)argc;
  v = getenv(AS_STR(args[0])->s);
  *out = v ? val_cstr_new(v) : val_nil();
  return 0;
}

int nat_now(VM *vm, Value *args, int argc, Value *out) {
  struct timespec ts;
  (void)vm; (void)args; (void)argc;
  clock_gettime(CLOCK_REALTIME, &ts);
  *out = val_num((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
  return 0;
}

int nat_hostname(VM *vm, Value *args, int argc, Value *out) {
  char h[256];
  (void)args; (void)argc;
  if (gethostname(h, sizeof h) != 0) return vm_fail(vm, "hostname(): cannot read the host name");
  h[sizeof h - 1] = '\0';
  *out = val_cstr_new(h);
  return 0;
}

int nat_ask(VM *vm, Value *args, int argc, Value *out) {
  VmResult r;
  (void)argc;
  *out = val_nil();
  r = vm_gate(vm, GATE_ASK, &args[0], NULL, 0, out);
  return r == VM_OK ? 0 : -1;
}

int nat_probe(VM *vm, Value *args, int argc, Value *out) {
  uint32_t i;
  (void)argc;
  for (i = 0; i < vm->prog->nprobes; i++) {
    if (strcmp(vm->prog->probes[i].name, AS_STR(args[0])->s) == 0) {
      VmResult r;
      /* rbk watch reads each probe once per round: the table shows what the triggers saw. */
      if (vm->probe_cache && vm->probe_cache[i].t != V_UNDEF) {
        *out = vm->probe_cache[i];
        val_retain(*out);
        return 0;
      }
      r = vm_call(vm, vm->prog->probes[i].body, NULL, 0, out);
      if (r == VM_OK && vm->probe_cache) {
        vm->probe_cache[i] = *out;
        val_retain(*out);
      }
      return r == VM_OK ? 0 : -1;
    }
  }
  return vm_fail(vm, "probe(): no probe called '%s'", AS_STR(args[0])->s);
}
