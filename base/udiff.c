/*
** udiff.c -- unified diffs by Myers' O(ND) algorithm (E. Myers, "An O(ND)
** Difference Algorithm and Its Variations", 1986): the shortest edit
** script, found by keeping, for each number of edits d, the furthest
** point reached on every diagonal, then walking those back.
*/
#include "udiff.h"

#include <string.h>

#include "mem.h"

/* Keeping every round of the search costs memory quadratic in the number
** of edits; past this many, the changed middle is shown as one replace. */
#define MAX_EDITS 2000
#define CONTEXT 3

typedef struct Text {
  const char **line;   /* start of each line */
  size_t *len;         /* its length, newline included */
  size_t n;
} Text;

typedef enum { OP_SAME, OP_DEL, OP_ADD } OpKind;

typedef struct Op {
  OpKind kind;
  size_t a, b;   /* line in a (SAME, DEL) and in b (SAME, ADD) */
} Op;

typedef struct Script {
  Op *v;
  size_t n, cap;
} Script;

static void split(const char *s, size_t n, Text *t) {
  size_t i = 0, cap = 0;
  memset(t, 0, sizeof *t);
  while (i < n) {
    const char *nl = memchr(s + i, '\n', n - i);
    size_t e = nl ? (size_t)(nl - s) + 1 : n;
    if (t->n == cap) {
      size_t c2 = cap;
      t->line = mem_grow(t->line, &cap, t->n + 1, sizeof *t->line);
      t->len = mem_grow(t->len, &c2, t->n + 1, sizeof *t->len);
    }
    t->line[t->n] = s + i;
    t->len[t->n++] = e - i;
    i = e;
  }
}

static int same(const Text *a, size_t i, const Text *b, size_t j) {
  return a->len[i] == b->len[j] && memcmp(a->line[i], b->line[j], a->len[i]) == 0;
}

static void add_op(Script *s, OpKind k, size_t a, size_t b) {
  if (s->n == s->cap) s->v = mem_grow(s->v, &s->cap, s->n + 1, sizeof *s->v);
  s->v[s->n].kind = k;
  s->v[s->n].a = a;
  s->v[s->n++].b = b;
}

/* middle finds the edits between a[a0, a1) and b[b0, b1), appending them
** to s in order; returns 0, or -1 past MAX_EDITS (s is then unchanged).
** V[k] is the furthest x reached on diagonal k = x - y; trace[d] keeps
** V[-d..d] as it was before round d, for the walk back. */
static int middle(const Text *a, size_t a0, size_t a1, const Text *b, size_t b0, size_t b1, Script *s) {
  long n = (long)(a1 - a0), m = (long)(b1 - b0), max = n + m, dmax, d, k, off, x, y, nrev = 0;
  long *v, **trace;
  Op *rev;
  if (max == 0) return 0;
  dmax = max < MAX_EDITS ? max : MAX_EDITS;
  off = dmax + 1;
  v = mem_calloc((size_t)(2 * off + 1) * sizeof *v);
  trace = mem_calloc((size_t)(dmax + 1) * sizeof *trace);
  for (d = 0; d <= dmax; d++) {
    trace[d] = mem_alloc((size_t)(2 * d + 1) * sizeof **trace);
    memcpy(trace[d], v + off - d, (size_t)(2 * d + 1) * sizeof *v);
    for (k = -d; k <= d; k += 2) {
      if (k == -d || (k != d && v[off + k - 1] < v[off + k + 1])) x = v[off + k + 1];
      else x = v[off + k - 1] + 1;
      y = x - k;
      while (x < n && y < m && same(a, a0 + (size_t)x, b, b0 + (size_t)y)) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= n && y >= m) goto found;
    }
  }
  for (d = 0; d <= dmax; d++) mem_free(trace[d]);
  mem_free(trace);
  mem_free(v);
  return -1;

found:
  rev = mem_alloc((size_t)(n + m + 1) * sizeof *rev);
  x = n;
  y = m;
  for (k = d; k >= 0; k--) {   /* k counts the rounds back, d the edits */
    long *vd = trace[k], dk = x - y, prevk, px, py;
    if (k == 0) {
      px = py = 0;
      prevk = 0;
    } else {
      if (dk == -k || (dk != k && vd[dk - 1 + k] < vd[dk + 1 + k])) prevk = dk + 1;
      else prevk = dk - 1;
      px = vd[prevk + k];
      py = px - prevk;
    }
    while (x > px && y > py) {   /* the snake after the edit */
      x--;
      y--;
      rev[nrev].kind = OP_SAME;
      rev[nrev].a = a0 + (size_t)x;
      rev[nrev++].b = b0 + (size_t)y;
    }
    if (k == 0) break;
    if (x == px) {   /* moved down: a line of b was added */
      rev[nrev].kind = OP_ADD;
      rev[nrev].a = a0 + (size_t)px;
      rev[nrev++].b = b0 + (size_t)py;
    } else {         /* moved right: a line of a was deleted */
      rev[nrev].kind = OP_DEL;
      rev[nrev].a = a0 + (size_t)px;
      rev[nrev++].b = b0 + (size_t)py;
    }
    x = px;
    y = py;
  }
  while (nrev > 0) {
    nrev--;
    add_op(s, rev[nrev].kind, rev[nrev].a, rev[nrev].b);
  }
  mem_free(rev);
  for (k = 0; k <= d; k++) mem_free(trace[k]);
  mem_free(trace);
  mem_free(v);
  return 0;
}

static void put_line(FILE *out, char mark, const char *p, size_t n) {
  fputc(mark, out);
  fwrite(p, 1, n, out);
  if (n == 0 || p[n - 1] != '\n') fputs("\n\\ No newline at end of file\n", out);
}

/* range prints a hunk header's "start,count" (diff -u's form). */
static void range(FILE *out, size_t start, size_t count) {
  if (count == 1) fprintf(out, "%zu", start + 1);
  else fprintf(out, "%zu,%zu", count ? start + 1 : start, count);
}

static void hunks(FILE *out, const Script *s, const Text *a, const Text *b) {
  size_t i = 0;
  while (i < s->n) {
    size_t first, last, j, na = 0, nb = 0, sa, sb;
    while (i < s->n && s->v[i].kind == OP_SAME) i++;
    if (i == s->n) break;
    first = i >= CONTEXT ? i - CONTEXT : 0;
    /* extend while the next change is within 2 * CONTEXT unchanged lines */
    last = i;
    for (j = i; j < s->n; j++) {
      if (s->v[j].kind != OP_SAME) last = j;
      else if (j - last > 2 * CONTEXT) break;
    }
    last = last + CONTEXT < s->n - 1 ? last + CONTEXT : s->n - 1;
    sa = s->v[first].a;
    sb = s->v[first].b;
    for (j = first; j <= last; j++) {
      if (s->v[j].kind != OP_ADD) na++;
      if (s->v[j].kind != OP_DEL) nb++;
    }
    fputs("@@ -", out);
    range(out, sa, na);
    fputs(" +", out);
    range(out, sb, nb);
    fputs(" @@\n", out);
    for (j = first; j <= last; j++) {
      const Op *o = &s->v[j];
      if (o->kind == OP_SAME) put_line(out, ' ', a->line[o->a], a->len[o->a]);
      else if (o->kind == OP_DEL) put_line(out, '-', a->line[o->a], a->len[o->a]);
      else put_line(out, '+', b->line[o->b], b->len[o->b]);
    }
    i = last + 1;
  }
}

int udiff_write(FILE *out, const char *label_a, const char *label_b, const char *a, size_t alen,
                const char *b, size_t blen) {
  Text ta, tb;
  Script s = {NULL, 0, 0};
  size_t pre = 0, suf = 0, i;
  if (alen == blen && memcmp(a, b, alen) == 0) return 0;
  split(a, alen, &ta);
  split(b, blen, &tb);
  while (pre < ta.n && pre < tb.n && same(&ta, pre, &tb, pre)) pre++;
  while (suf < ta.n - pre && suf < tb.n - pre && same(&ta, ta.n - 1 - suf, &tb, tb.n - 1 - suf)) suf++;
  for (i = 0; i < pre; i++) add_op(&s, OP_SAME, i, i);
  if (middle(&ta, pre, ta.n - suf, &tb, pre, tb.n - suf, &s) != 0) {
    for (i = pre; i < ta.n - suf; i++) add_op(&s, OP_DEL, i, pre);
    for (i = pre; i < tb.n - suf; i++) add_op(&s, OP_ADD, ta.n - suf, i);
  }
  for (i = 0; i < suf; i++) add_op(&s, OP_SAME, ta.n - suf + i, tb.n - suf + i);
  fprintf(out, "--- %s\n+++ %s\n", label_a, label_b);
  hunks(out, &s, &ta, &tb);
  mem_free(s.v);
  mem_free(ta.line);
  mem_free(ta.len);
  mem_free(tb.line);
  mem_free(tb.len);
  return 1;
}
