/*
** intern_test.c -- base/intern.c, the identifier interner, and the
** arena's growth (base/mem.c) that holds the interned copies.
*/
#include <stdio.h>
#include <stdlib.h>

#include "../../base/intern.h"
#include "../../base/mem.h"
#include "unit.h"

int main(void) {
  Arena a;
  Interner in;
  const char *x, *y, *z, *e, *nul1, *nul2;
  char word[32];
  const char **seen;
  int i, same = 1, distinct = 1, terminated = 1;
  size_t chunks = 0;

  arena_init(&a);
  intern_init(&in, &a);
  x = intern(&in, "deploy", 6);
  y = intern(&in, "deploy_api", 6);   /* a prefix of a longer text */
  CHECK(x == y, "equal strings give the same pointer");
  CHECK_STREQ(x, "deploy", "the copy is NUL-terminated");
  z = intern(&in, "deplox", 6);
  CHECK(z != x, "strings of one length that differ in the last byte are distinct");
  CHECK(intern(&in, "deploy", 5) != x && strcmp(intern(&in, "deploy", 5), "deplo") == 0,
        "a prefix is a string of its own");
  e = intern(&in, "", 0);
  CHECK(e && e[0] == '\0' && intern(&in, "x", 0) == e, "the empty string interns like any other");
  nul1 = intern(&in, "a\0b", 3);
  nul2 = intern(&in, "a\0c", 3);
  CHECK(nul1 != nul2 && memcmp(nul1, "a\0b", 4) == 0, "a NUL inside does not end the comparison");
  CHECK(intern_find(&in, "deploy", 6) == x && intern_find(&in, "missing", 7) == NULL,
        "intern_find finds what is held and only that");
  CHECK(intern(&in, "abcdefghijklmnopq", 17) == intern(&in, "abcdefghijklmnopqrs", 17) &&
        intern(&in, "abcdefghijklmnopq", 17) != intern(&in, "abcdefghijklmnopr", 17),
        "strings longer than a word (17 bytes) compare in full");
  {
    /* Every length from 1 to 20: strings that differ only in the first,
    ** a middle or the last byte stay apart (the word loads overlap). */
    char s1[24], s2[24];
    int len, k, apart = 1, again = 1;
    for (len = 1; len <= 20; len++) {
      for (k = 0; k < len; k += (len > 2 ? len / 2 : 1)) {
        memset(s1, 'q', sizeof s1);
        memcpy(s2, s1, sizeof s2);
        s2[k] = 'r';
        if (intern(&in, s1, (size_t)len) == intern(&in, s2, (size_t)len)) apart = 0;
        if (intern(&in, s2, (size_t)len) != intern(&in, s2, (size_t)len)) again = 0;
      }
      k = len - 1;
      memset(s1, 'q', sizeof s1);
      memcpy(s2, s1, sizeof s2);
      s2[k] = 'r';
      if (intern(&in, s1, (size_t)len) == intern(&in, s2, (size_t)len)) apart = 0;
    }
    CHECK(apart, "strings of 1 to 20 bytes that differ in one byte are distinct");
    CHECK(again, "and each interns to one copy");
  }
  CHECK(intern_hash("abcdefgh", 8) != intern_hash("abcdefgh", 7) &&
        intern_hash("ab", 2) != intern_hash("ab\0", 3),
        "the hash depends on the length, trailing NULs included");

  /* Many names: the table grows (past 256, 512, ...) and keeps every one. */
  seen = mem_alloc(20000 * sizeof *seen);
  for (i = 0; i < 20000; i++) {
    snprintf(word, sizeof word, "name_%d", i);
    seen[i] = intern(&in, word, strlen(word));
  }
  for (i = 0; i < 20000; i++) {
    snprintf(word, sizeof word, "name_%d", i);
    if (intern(&in, word, strlen(word)) != seen[i]) same = 0;
    if (strcmp(seen[i], word) != 0) terminated = 0;
    if (i && seen[i] == seen[i - 1]) distinct = 0;
  }
  CHECK(same, "after 20,000 names and several rehashes each still interns to its first copy");
  CHECK(terminated, "every copy holds its text");
  CHECK(distinct, "different names stay different");
  CHECK(4 * (uint64_t)in.n < 3 * (uint64_t)in.cap && in.cap <= 2 * in.n && in.n > 20000,
        "the table is under three quarters full and over a third (%u of %u)", in.n, in.cap);
  mem_free(seen);
  intern_free(&in);
  CHECK(in.slots == NULL && in.cap == 0, "intern_free drops the table");

  /* The arena's chunks double from ARENA_CHUNK up to ARENA_MAX_CHUNK. */
  arena_free(&a);
  arena_init(&a);
  for (i = 0; i < 100000; i++) {
    char *p = arena_alloc(&a, 100);
    memset(p, 'x', 100);
  }
  {
    size_t expect = 0, sz = ARENA_CHUNK, n = 0;
    while (expect < (size_t)100000 * 104) {   /* 100 rounded up to 8: 104 */
      expect += sz;
      n++;
      sz = sz * 2 > ARENA_MAX_CHUNK ? ARENA_MAX_CHUNK : sz * 2;
    }
    chunks = n;
    CHECK(a.total < expect + n * 64 + 1 && a.total >= (size_t)100000 * 104,
          "10 MB of small allocations take %zu bytes in about %zu chunks, not 160 of 64 KiB", a.total, chunks);
  }
  {
    char *big = arena_alloc(&a, 8u * 1024 * 1024);   /* larger than any chunk */
    memset(big, 1, 8u * 1024 * 1024);
    CHECK(((uintptr_t)big & 7) == 0, "an allocation larger than ARENA_MAX_CHUNK gets a chunk of its own");
  }
  CHECK(((uintptr_t)arena_alloc(&a, 3) & 7) == 0 && ((uintptr_t)arena_alloc(&a, 1) & 7) == 0,
        "allocations stay aligned to 8");
  arena_free(&a);
  CHECK(a.head == NULL && a.total == 0, "arena_free leaves an empty arena");
  UNIT_DONE();
}
