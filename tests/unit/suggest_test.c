/*
** suggest_test.c -- unit tests for base/suggest.c: the nearest spelling,
** the distance limit, and ties, which go to the first name in byte order
** whatever order the candidates come in (they often come from a hash
** table, whose order changes from run to run).
*/
#include "../../base/suggest.h"
#include "unit.h"

static const char *best_of(const char *word, const char *const *cands, int n, int reverse) {
  Suggest s;
  int i;
  suggest_init(&s, word);
  for (i = 0; i < n; i++) suggest_add(&s, cands[reverse ? n - 1 - i : i]);
  return suggest_best(&s);
}

int main(void) {
  static const char *const ties[] = {"mat", "cat", "rat", "bat"};
  static const char *const near[] = {"status", "stats", "start"};
  static const char *const typo[] = {"owner", "email", "emails"};
  const char *b;

  CHECK_STREQ(best_of("hat", ties, 4, 0), "bat", "a tie of four at distance 1 goes to the first in byte order");
  CHECK_STREQ(best_of("hat", ties, 4, 1), "bat", "and so it does with the candidates in the other order");
  CHECK_STREQ(best_of("strat", near, 3, 0), "start", "the nearest wins, not the first in byte order (stats)");
  CHECK_STREQ(best_of("statu", near, 3, 1), "stats", "a tie of status and stats (1 each) goes to stats, first in byte order");
  CHECK_STREQ(best_of("emial", typo, 3, 1), "email", "a swap of two adjacent letters is one edit");
  b = best_of("zzzzzz", typo, 3, 0);
  CHECK(b == NULL, "nothing within a third of the word's length: no suggestion");
  b = best_of("owner", typo, 3, 0);
  CHECK(b == NULL, "the word itself is never suggested");
  UNIT_DONE();
}
