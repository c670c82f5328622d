/*
** suggest.h -- "did you mean ...?": the closest spelling among candidates.
*/
#ifndef RBK_SUGGEST_H
#define RBK_SUGGEST_H

#include <stddef.h>

/* A Suggest accumulates candidates and keeps the nearest to `word`. */
typedef struct Suggest {
  const char *word;
  const char *best;
  int best_dist;
} Suggest;

/* suggest_init starts a search for names close to word. */
void suggest_init(Suggest *s, const char *word);
/* suggest_add offers one candidate. */
void suggest_add(Suggest *s, const char *cand);
/* suggest_best returns the nearest candidate within an edit distance of
** about a third of the word's length (at least 1, at most 3), or NULL;
** of two as near, the first in byte order, whatever order they came in. */
const char *suggest_best(const Suggest *s);

#endif
