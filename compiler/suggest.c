/*
** suggest.c -- nearest spelling by Levenshtein distance.
*/
#include "suggest.h"

#include <string.h>

/* Edit distance of a and b, giving up (returning limit+1) past limit. */
static int distance(const char *a, const char *b, int limit) {
  int la = (int)strlen(a), lb = (int)strlen(b), i, j;
  int row[64];
  if (la >= 63 || lb >= 63) return limit + 1;
  if (la - lb > limit || lb - la > limit) return limit + 1;
  for (j = 0; j <= lb; j++) row[j] = j;
  for (i = 1; i <= la; i++) {
    int prev = row[0], best;
    row[0] = i;
    best = row[0];
    for (j = 1; j <= lb; j++) {
      int cur = row[j];
      int v = prev + (a[i - 1] != b[j - 1]);
      if (row[j] + 1 < v) v = row[j] + 1;
      if (row[j - 1] + 1 < v) v = row[j - 1] + 1;
      row[j] = v;
      prev = cur;
      if (v < best) best = v;
    }
    if (best > limit) return limit + 1;
  }
  return row[lb];
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
  if (d <= lim && d < s->best_dist) {
    s->best = cand;
    s->best_dist = d;
  }
}

const char *suggest_best(const Suggest *s) { return s->best; }
