/*
** mem.c -- the allocator behind every rbk allocation, and the arena.
** Everything allocates through it; the parser and the JSON reader use arenas.
*/
#include "mem.h"

#include <stdint.h>
#include <sys/mman.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Failure injection: RBK_FAIL_ALLOC=N fails the Nth allocation. The
** counter is process-wide by nature (it tests the process), and read-only
** unless the variable is set. */
static long fail_at = -1;
static long alloc_count;

static void oom(size_t n) {
  fprintf(stderr, "rbk: out of memory (allocating %zu bytes)\n", n);
  fflush(stderr);
  _Exit(RBK_EXIT_OOM);
}

static int should_fail(void) {
  if (fail_at == -1) {
    const char *e = getenv("RBK_FAIL_ALLOC");
    fail_at = e ? atol(e) : 0;
  }
  return fail_at > 0 && ++alloc_count == fail_at;
}

void *mem_alloc(size_t n) {
  void *p;
  if (should_fail()) oom(n);
  p = malloc(n ? n : 1);
  if (!p) oom(n);
  return p;
}

void *mem_calloc(size_t n) {
  void *p;
  if (should_fail()) oom(n);
  p = calloc(1, n ? n : 1);
  if (!p) oom(n);
  return p;
}

void *mem_realloc(void *p, size_t n) {
  void *q;
  if (should_fail()) oom(n);
  q = realloc(p, n ? n : 1);
  if (!q) oom(n);
  return q;
}

void mem_free(void *p) { free(p); }

char *mem_strndup(const char *s, size_t n) {
  char *d = mem_alloc(n + 1);
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

char *mem_strdup(const char *s) { return mem_strndup(s, strlen(s)); }

void *mem_grow(void *p, size_t *cap, size_t need, size_t sz) {
  size_t c = *cap ? *cap : 8;
  while (c < need) {
    if (c > SIZE_MAX / 2 / sz) oom(SIZE_MAX);
    c *= 2;
  }
  *cap = c;
  return mem_realloc(p, c * sz);
}

struct ArenaChunk {
  ArenaChunk *next;
  size_t size;
  max_align_t data[];
};

void arena_init(Arena *a) { memset(a, 0, sizeof *a); }

/* arena_alloc_slow starts a new chunk for n bytes (a multiple of 8) and
** takes them from it; arena_alloc (mem.h) calls it when the chunk is full. */
void *arena_alloc_slow(Arena *a, size_t n) {
  char *p;
  n = (n + 7) & ~(size_t)7;
  {
    size_t sz = a->head ? a->head->size * 2 : ARENA_CHUNK;
    if (sz > ARENA_MAX_CHUNK) sz = ARENA_MAX_CHUNK;
    if (sz < n) sz = n;
    ArenaChunk *c = mem_alloc(sizeof *c + sz);
    c->next = a->head;
    c->size = sz;
    a->head = c;
    a->cur = (char *)c->data;
    a->lim = a->cur + sz;
    a->total += sizeof *c + sz;
  }
  p = a->cur;
  a->cur += n;
  return p;
}

char *arena_strndup(Arena *a, const char *s, size_t n) {
  char *d = arena_alloc(a, n + 1);
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

void arena_free(Arena *a) {
  ArenaChunk *c = a->head;
  while (c) {
    ArenaChunk *next = c->next;
    mem_free(c);
    c = next;
  }
  arena_init(a);
}

void mem_advise_huge(void *p, size_t n) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  const uintptr_t huge = (uintptr_t)2 << 20;
  uintptr_t lo = ((uintptr_t)p + huge - 1) & ~(huge - 1), hi = ((uintptr_t)p + n) & ~(huge - 1);
  if (hi > lo) (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
  (void)p;
  (void)n;
#endif
}
