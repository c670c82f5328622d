/*
** udiff_test.c -- unit tests for base/udiff.c: for many pairs of texts, the
** diff applied to the first gives the second, its hunk headers count the
** lines they hold, and it deletes and adds no more lines than a longest
** common subsequence (computed here by dynamic programming) allows.
*/
#include "../../base/udiff.h"
#include "../../base/mem.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#define MAXL 64

typedef struct Lines {
  char *l[4096];
  int n;
} Lines;

/* split cuts s into lines that keep their newline (the last may have
** none); the strings are mem_alloc'd. */
static void split(const char *s, Lines *t) {
  t->n = 0;
  while (*s) {
    const char *nl = strchr(s, '\n');
    size_t k = nl ? (size_t)(nl - s) + 1 : strlen(s);
    t->l[t->n++] = mem_strndup(s, k);
    s += k;
  }
}

static void free_lines(Lines *t) {
  int i;
  for (i = 0; i < t->n; i++) mem_free(t->l[i]);
}

static void out(char *res, size_t *n, const char *s) {
  size_t k = strlen(s);
  memcpy(res + *n, s, k);
  *n += k;
}

/* apply applies the unified diff d to a; returns the result (mem_alloc'd),
** or NULL if the diff does not fit a or its headers miscount. */
static char *apply(const char *a, const char *d) {
  Lines la, ld;
  char *res = mem_alloc(strlen(a) + strlen(d) + 1);
  size_t n = 0;
  int ai = 0, i, ok = 1;
  split(a, &la);
  split(d, &ld);
  if (ld.n > 0 && ld.n < 2) ok = 0;
  if (ld.n > 0 && ok && (strncmp(ld.l[0], "--- ", 4) != 0 || strncmp(ld.l[1], "+++ ", 4) != 0)) ok = 0;
  for (i = 2; ok && i < ld.n;) {
    int as, ac, bs, bc, na = 0, nb = 0;
    ac = bc = 1;
    if (sscanf(ld.l[i], "@@ -%d,%d +%d,%d @@", &as, &ac, &bs, &bc) == 4) {}
    else if (sscanf(ld.l[i], "@@ -%d +%d,%d @@", &as, &bs, &bc) == 3) ac = 1;
    else if (sscanf(ld.l[i], "@@ -%d,%d +%d @@", &as, &ac, &bs) == 3) bc = 1;
    else if (sscanf(ld.l[i], "@@ -%d +%d @@", &as, &bs) == 2) ac = bc = 1;
    else { ok = 0; break; }
    if (ac > 0) as--;   /* to a 0-based index */
    while (ai < as && ai < la.n) out(res, &n, la.l[ai++]);
    for (i++; i < ld.n && ld.l[i][0] != '@'; i++) {
      char k = ld.l[i][0], line[512];
      size_t len = strlen(ld.l[i] + 1);
      memcpy(line, ld.l[i] + 1, len + 1);
      if (i + 1 < ld.n && ld.l[i + 1][0] == '\\') {   /* no newline at the end */
        line[len - 1] = '\0';
        i++;
      }
      if (k == ' ' || k == '-') {
        if (ai >= la.n || strcmp(la.l[ai], line) != 0) { ok = 0; break; }
        ai++;
        na++;
      }
      if (k == ' ' || k == '+') {
        out(res, &n, line);
        nb++;
      }
    }
    if (na != ac || nb != bc) ok = 0;
  }
  while (ai < la.n) out(res, &n, la.l[ai++]);
  res[n] = '\0';
  free_lines(&la);
  free_lines(&ld);
  if (!ok) {
    mem_free(res);
    return NULL;
  }
  return res;
}

static int lcs(Lines *a, Lines *b) {
  static int t[4 * MAXL + 1][4 * MAXL + 1];
  int i, j;
  for (i = a->n; i >= 0; i--)
    for (j = b->n; j >= 0; j--) {
      if (i == a->n || j == b->n) t[i][j] = 0;
      else if (strcmp(a->l[i], b->l[j]) == 0) t[i][j] = 1 + t[i + 1][j + 1];
      else t[i][j] = t[i + 1][j] > t[i][j + 1] ? t[i + 1][j] : t[i][j + 1];
    }
  return t[0][0];
}

static char *random_text(unsigned *seed, int lines, int alphabet, int final_nl) {
  char *s = mem_alloc((size_t)lines * 4 + 2);
  int i, n = 0;
  for (i = 0; i < lines; i++) {
    s[n++] = (char)('a' + rand_r(seed) % alphabet);
    if (i < lines - 1 || final_nl) s[n++] = '\n';
  }
  s[n] = '\0';
  return s;
}

static char *diff_of(const char *a, const char *b, int *differs) {
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  *differs = udiff_write(f, "a/x", "b/x", a, strlen(a), b, strlen(b));
  fclose(f);
  return out;
}

int main(void) {
  unsigned seed = 12345;
  int round, bad_apply = 0, bad_min = 0, differs;
  char *d;

  d = diff_of("same\n", "same\n", &differs);
  CHECK(differs == 0 && d[0] == '\0', "equal texts give no diff");
  free(d);

  d = diff_of("a\nb\nc\n", "a\nB\nc\n", &differs);
  CHECK_STREQ(d, "--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n", "one changed line, with context");
  free(d);

  d = diff_of("a\nb", "a\nb\n", &differs);
  CHECK_STREQ(d, "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n",
              "a missing final newline is marked");
  free(d);

  d = diff_of("", "x\n", &differs);
  CHECK_STREQ(d, "--- a/x\n+++ b/x\n@@ -0,0 +1 @@\n+x\n", "from empty: the range is 0,0");
  free(d);

  for (round = 0; round < 3000; round++) {
    int la = rand_r(&seed) % MAXL, lb = rand_r(&seed) % MAXL, alpha = 2 + rand_r(&seed) % 6;
    char *a = random_text(&seed, la, alpha, 1), *b, *got;
    Lines xa, xb;
    int plus = 0, minus = 0, common, i;
    if (round % 3 == 0) {   /* a small edit of a, as formatting makes */
      b = mem_strdup(a);
      for (i = 0; b[i]; i += 2)
        if (rand_r(&seed) % 8 == 0) b[i] = (char)('a' + rand_r(&seed) % alpha);
    } else {
      b = random_text(&seed, lb, alpha, rand_r(&seed) % 4 != 0);
    }
    d = diff_of(a, b, &differs);
    got = apply(a, d);
    if (!got || strcmp(got, b) != 0) {
      if (bad_apply++ == 0) printf("# round %d\n# a: [%s]\n# b: [%s]\n# diff:\n%s# got: [%s]\n", round, a, b, d, got ? got : "(bad)");
    }
    /* minimality, against the lines as the diff sees them (newline included) */
    split(a, &xa);
    split(b, &xb);
    for (i = 0; d[i]; i++)
      if (i == 0 || d[i - 1] == '\n') {
        if (d[i] == '+' && d[i + 1] != '+') plus++;
        if (d[i] == '-' && d[i + 1] != '-') minus++;
      }
    common = lcs(&xa, &xb);
    if (plus != xb.n - common || minus != xa.n - common) {
      if (bad_min++ == 0) printf("# not minimal in round %d: +%d -%d, lcs %d of %d/%d\n", round, plus, minus, common, xa.n, xb.n);
    }
    free_lines(&xa);
    free_lines(&xb);
    mem_free(got);
    free(d);
    mem_free(a);
    mem_free(b);
  }
  {   /* past MAX_EDITS the middle is one replace, still a correct diff */
    char *a = mem_alloc(3001), *b = mem_alloc(3001), *got;
    int i;
    for (i = 0; i < 1500; i++) {
      a[2 * i] = 'x';
      b[2 * i] = i % 100 == 0 ? 'x' : 'y';
      a[2 * i + 1] = b[2 * i + 1] = '\n';
    }
    a[3000] = b[3000] = '\0';
    d = diff_of(a, b, &differs);
    got = apply(a, d);
    CHECK(got && strcmp(got, b) == 0, "a diff of more than 2000 edits still applies");
    mem_free(got);
    free(d);
    mem_free(a);
    mem_free(b);
  }
  CHECK(bad_apply == 0, "3000 random diffs apply to give the second text (%d did not)", bad_apply);
  CHECK(bad_min == 0, "and each deletes and adds exactly the lines outside a longest common subsequence (%d did not)", bad_min);
  UNIT_DONE();
}
