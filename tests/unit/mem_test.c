/*
** mem_test.c -- base/mem.c: the arena's mapped chunks (prefaulted as they
** fill, huge pages for the large ones, arena_trim) and mem_prefault /
** mem_calloc. Residency is read with mincore(2): a page the arena has not
** reached yet must not be resident, one it prefaulted must be.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../base/mem.h"
#include "unit.h"

#include "../../base/asan.h"

#define PG 4096u

/* resident counts the resident pages of the whole pages in [p, p+n). */
static size_t resident(const void *p, size_t n) {
  uintptr_t lo = ((uintptr_t)p + PG - 1) & ~(uintptr_t)(PG - 1), hi = ((uintptr_t)p + n) & ~(uintptr_t)(PG - 1);
  size_t k, pages, count = 0;
  unsigned char *vec;
  if (hi <= lo) return 0;
  pages = (hi - lo) / PG;
  vec = mem_alloc(pages);
  if (mincore((void *)lo, hi - lo, vec) != 0) {
    mem_free(vec);
    return (size_t)-1;
  }
  for (k = 0; k < pages; k++) count += vec[k] & 1;
  mem_free(vec);
  return count;
}

/* populate_works says whether this kernel has MADV_POPULATE_WRITE. */
static int populate_works(void) {
  char *m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  int ok;
  if (m == MAP_FAILED) return 0;
  mem_prefault(m, PG);
  ok = resident(m, PG) == 1;
  munmap(m, PG);
  return ok;
}

int main(void) {
  Arena a;
  char *first, *p = NULL, *q, *old_lim;
  size_t i, used = 0, res;
  int intact = 1, fresh_zero = 1, prefault = populate_works();

  if (!prefault) printf("# this kernel has no MADV_POPULATE_WRITE: the prefault checks are skipped\n");

  /* Fill well past the chunks taken from malloc (the first 16-128 KiB)
  ** into mapped ones, writing every byte as the parser does. */
  arena_init(&a);
  first = arena_alloc(&a, 48);
  memset(first, 'f', 48);
  while (used < (size_t)12 << 20) {
    p = arena_alloc(&a, 40);
    memset(p, (int)(used / 40 % 251), 40);
    used += 40;
  }
  CHECK(first[0] == 'f' && first[47] == 'f', "12 MiB of 40-byte nodes later the first one is intact");
  CHECK(a.lim >= a.cur && (size_t)(a.lim - a.cur) <= ((size_t)64 << 10),
        "lim is the end of the prefaulted part, at most 64 KiB past cur (%zu bytes)", (size_t)(a.lim - a.cur));
  res = resident(a.cur, (size_t)(a.lim - a.cur));
  old_lim = a.lim;
  if (prefault)
    CHECK(res > 0 && res >= (size_t)(a.lim - a.cur) / PG - 1,
          "the part between cur and lim is resident before it is used (%zu pages)", res);
  else
    CHECK(1, "# SKIP no MADV_POPULATE_WRITE");

  /* arena_trim: the unused rest of the chunk is given back (not resident
  ** any more) and the arena stays usable. */
  arena_trim(&a);
  CHECK(a.lim >= a.cur && (size_t)(a.lim - a.cur) < PG, "after arena_trim lim is within a page of cur");
  res = resident(a.cur, (size_t)(old_lim - a.cur));
  CHECK(res == 0, "the pages past cur that were prefaulted are given back (%zu still resident)", res);
  for (i = 0; i < 200000; i++) {
    q = arena_alloc(&a, 24);
    if (q[0] || q[23]) fresh_zero = 0;
    memset(q, 'z', 24);
  }
  CHECK(fresh_zero, "allocations after the trim are writable (and read as zeroes first)");
  for (i = 0; i < 40; i++)
    if (p[i] != (char)((used - 40) / 40 % 251)) intact = 0;
  CHECK(intact && first[0] == 'f', "and what was allocated before the trim is intact");
  {
    char *big = arena_alloc(&a, (size_t)9 << 20);   /* a chunk of its own, larger than ARENA_MAX_CHUNK */
    memset(big, 7, (size_t)9 << 20);
    CHECK(((uintptr_t)big & 7) == 0 && big[((size_t)9 << 20) - 1] == 7, "a 9 MiB allocation gets a chunk of its own");
  }
  arena_free(&a);
  CHECK(a.head == NULL && a.total == 0 && a.cur == NULL, "arena_free leaves an empty arena");
  {
    /* An arena that never grows past malloc'd chunks is unaffected by trim. */
    Arena s;
    char *x;
    arena_init(&s);
    x = arena_alloc(&s, 100);
    memset(x, 1, 100);
    arena_trim(&s);
    x = arena_alloc(&s, 100);
    memset(x, 2, 100);
    CHECK(s.total < 64 * 1024, "a small arena stays in one small chunk through arena_trim");
    arena_free(&s);
  }

  /* The tree poisons the children a node lacks (ASan build); a chunk
  ** unmapped with those marks would leave them on the addresses, and the
  ** next mapping there -- another arena's, or any -- would be reported
  ** when written. In the ASan build this crashes unless arena_free clears
  ** them; elsewhere it only writes. */
  {
    Arena z;
    size_t len = (size_t)3 << 20, k;
    char *big, *m;
    arena_init(&z);
    big = arena_alloc(&z, len);   /* a mapped chunk of its own */
    memset(big, 1, len);
#if RBK_ASAN
    for (k = 0; k < len; k += 4096) ASAN_POISON_MEMORY_REGION(big + k + 64, 64);
#endif
    arena_free(&z);
    m = mmap(NULL, len + ((size_t)2 << 20), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (k = 0; m != MAP_FAILED && k < len + ((size_t)2 << 20); k += 64) m[k] = 2;
    CHECK(m != MAP_FAILED, "a new mapping where a poisoned chunk was can be written (mapped %s the old chunk)",
          m != MAP_FAILED && m <= big && big < m + len + ((size_t)2 << 20) ? "over" : "away from");
    if (m != MAP_FAILED) munmap(m, len + ((size_t)2 << 20));
    arena_init(&z);
    big = arena_alloc(&z, len);
    memset(big, 3, len);
    CHECK(big[len - 1] == 3, "and so can a new arena chunk there");
    arena_free(&z);
  }

  /* mem_calloc of a table: zeroed, and (where the kernel can) resident at
  ** once rather than one fault per page later. */
  {
    size_t n = (size_t)1 << 20, z = 1;
    unsigned char *t = mem_calloc(n);
    res = resident(t, n);
    for (i = 0; i < n; i += 997)
      if (t[i]) z = 0;
    CHECK(z, "mem_calloc(1 MiB) is zeroed");
    if (prefault)
      CHECK(res + 1 >= n / PG - 1, "mem_calloc(1 MiB) is resident when it returns (%zu of %zu pages)", res, n / PG);
    else
      CHECK(1, "# SKIP no MADV_POPULATE_WRITE");
    mem_free(t);
  }
  UNIT_DONE();
}
