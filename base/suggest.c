/*
** suggest.c -- nearest spelling by optimal string alignment distance:
** Levenshtein plus the swap of two adjacent letters as one edit, the
** commonest typo ("emial" for "email", "osp" for "ops").
*/
#include "suggest.h"

#include <string.h>

/* Edit distance of a and b, giving up (returning limit+1) past limit.
** Three rows of the dynamic-programming table: the one before the
** previous is what a transposition looks back to. */
static int distance(const char *a, const char *b, int limit) {
  int la = (int)strlen(a), lb = (int)strlen(b), i, j, prev_best = 0;
  int r0[64], r1[64], r2[64];
  int *pp = r0, *prev = r1, *cur = r2, *t;
  if (la >= 63 || lb >= 63) return limit + 1;
  if (la - lb > limit || lb - la > limit) return limit + 1;
  for (j = 0; j <= lb; j++) prev[j] = j;
  for (i = 1; i <= la; i++) {
    int best;
    cur[0] = i;
    best = cur[0];
    for (j = 1; j <= lb; j++) {
      int v = prev[j - 1] + (a[i - 1] != b[j - 1]);
      if (prev[j] + 1 < v) v = prev[j] + 1;
      if (cur[j - 1] + 1 < v) v = cur[j - 1] + 1;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && pp[j - 2] + 1 < v)
        v = pp[j - 2] + 1;
      cur[j] = v;
      if (v < best) best = v;
    }
    /* A row can undercut the one before only through a transposition,
    ** which looks back two rows: stop once two rows in a row exceed. */
    if (best > limit && i > 1 && prev_best > limit) return limit + 1;
    prev_best = best;
    t = pp; pp = prev; prev = cur; cur = t;
  }
  return prev[lb];
}

void suggest_init(Suggest *s, const char *word) {
  s->word = word;
  s->best = NULL;
  s->best_dist = 1000;
}

static int limit_for(const char *w) {
  int n = (int)strlen(w) / 3;
  return n < 1 ? 1 : n > 3 ? 3 : n;
}

void suggest_add(Suggest *s, const char *cand) {
  int lim = limit_for(s->word), d;
  if (!cand || strcmp(cand, s->word) == 0) return;
  d = distance(s->word, cand, lim);
  /* A tie goes to the name first in byte order: candidates often come
  ** from a hash table, whose order changes from run to run. */
  if (d <= lim && (d < s->best_dist || (d == s->best_dist && strcmp(cand, s->best) < 0))) {
    s->best = cand;
    s->best_dist = d;
  }
}

const char *suggest_best(const Suggest *s) { return s->best; }
