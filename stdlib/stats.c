/*
** stats.c -- statistics of a list of numbers: min, max, avg and p (a
** percentile, by nearest rank), for the values sample() collects.
** Every item must be a number, or every item a duration (the result is
** then a duration); an empty list or another value is an error that
** names the item.
*/
#include <math.h>
#include <stdlib.h>

#include "../base/mem.h"
#include "natives.h"

/* numbers checks that every item of l is a number, or every one a
** duration, and copies them into a new array (*xs, mem_free'd by the
** caller); *dur says which. Returns the count, or -1 after failing. */
static long numbers(VM *vm, const char *fn, const Value *l, double **xs, int *dur) {
  const List *L = AS_LIST(*l);
  uint32_t i;
  *xs = NULL;
  *dur = 0;
  if (L->n == 0) return vm_fail(vm, "%s(): the list is empty", fn);
  *dur = L->v[0].t == V_DUR;
  *xs = mem_alloc(L->n * sizeof **xs);
  for (i = 0; i < L->n; i++) {
    const Value *v = &L->v[i];
    if ((v->t != V_NUM && v->t != V_DUR) || (v->t == V_DUR) != *dur) {
      if (v->t == V_NUM || v->t == V_DUR)
        vm_fail(vm, "%s(): item %u is %s, item 1 %s: numbers and durations do not mix", fn,
                (unsigned)i + 1, val_type_name(v), val_type_name(&L->v[0]));
      else
        vm_fail(vm, "%s(): item %u is %s, not a number%s", fn, (unsigned)i + 1, val_type_name(v),
                v->t == V_STR || v->t == V_REC ? " (num() makes one of a string)" : "");
      mem_free(*xs);
      *xs = NULL;
      return -1;
    }
    (*xs)[i] = v->u.n;
  }
  return (long)L->n;
}

static Value result(double x, int dur) { return dur ? val_dur(x) : val_num(x); }

static int extreme(VM *vm, const char *fn, Value *args, Value *out, int want_max) {
  double *xs, m;
  int dur;
  long n = numbers(vm, fn, &args[0], &xs, &dur), i;
  if (n < 0) return -1;
  m = xs[0];
  for (i = 1; i < n; i++)
    if (want_max ? xs[i] > m : xs[i] < m) m = xs[i];
  mem_free(xs);
  *out = result(m, dur);
  return 0;
}

int nat_min(VM *vm, Value *args, int argc, Value *out) {
  (void)argc;
  return extreme(vm, "min", args, out, 0);
}

int nat_max(VM *vm, Value *args, int argc, Value *out) {
  (void)argc;
  return extreme(vm, "max", args, out, 1);
}

int nat_avg(VM *vm, Value *args, int argc, Value *out) {
  double *xs, sum = 0;
  int dur;
  long n = numbers(vm, "avg", &args[0], &xs, &dur), i;
  (void)argc;
  if (n < 0) return -1;
  for (i = 0; i < n; i++) sum += xs[i] / (double)n;   /* divided first: no overflow to inf */
  mem_free(xs);
  *out = result(sum, dur);
  return 0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* p(list, q): the q-th percentile by nearest rank: the smallest item with
** at least q% of the items at or below it (q from 0 to 100; p(l, 0) is the
** smallest, p(l, 50) the lower median, p(l, 100) the largest). */
int nat_p(VM *vm, Value *args, int argc, Value *out) {
  double *xs, q = args[1].u.n;
  int dur;
  long n, rank;
  (void)argc;
  if (!(q >= 0 && q <= 100)) return vm_fail(vm, "p(): the percentile must be from 0 to 100, not %g", q);
  n = numbers(vm, "p", &args[0], &xs, &dur);
  if (n < 0) return -1;
  qsort(xs, (size_t)n, sizeof *xs, cmp_double);
  rank = (long)ceil(q * (double)n / 100.0 - 1e-9);   /* 95 * 20 / 100 is 19, not 19.000...4 */
  if (rank < 1) rank = 1;
  if (rank > n) rank = n;
  *out = result(xs[rank - 1], dur);
  mem_free(xs);
  return 0;
}
