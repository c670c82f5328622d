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

/* Under AddressSanitizer (asan.h) the tree
** poisons the children a node does not have (grammar/ast.c); ASan keeps
** that mark on the address after munmap, so a mapped chunk is unpoisoned
** before it is unmapped, or the next mapping there (any, not only an
** arena's) would be reported when it is written. */
#include "asan.h"
#if RBK_ASAN
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

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

/* A zeroed block this large is a table (the interner's, a pointer map's)
** whose pages are all written soon: prefault it in one call rather than
** take a page fault for each of its pages (mem_prefault). */
#define CALLOC_PREFAULT ((size_t)64 * 1024)

void *mem_calloc(size_t n) {
  void *p;
  if (should_fail()) oom(n);
  p = calloc(1, n ? n : 1);
  if (!p) oom(n);
  if (n >= CALLOC_PREFAULT) mem_prefault(p, n);
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

/* mem_prefault: MADV_POPULATE_WRITE (Linux 5.14) over the whole pages
** that [p, p+n) touches. Where the kernel has no such advice it says
** EINVAL, and the pages fault in as they are used. */
void mem_prefault(void *p, size_t n) {
#if defined(__linux__)
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
  uintptr_t lo = (uintptr_t)p & ~(uintptr_t)4095, hi = ((uintptr_t)p + n + 4095) & ~(uintptr_t)4095;
  if (n) (void)madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);
#else
  (void)p;
  (void)n;
#endif
}

struct ArenaChunk {
  ArenaChunk *next;
  size_t size;         /* bytes of data */
  size_t mapped;       /* bytes mapped for the chunk (munmap), or 0: from mem_alloc */
  max_align_t data[];
};

void arena_init(Arena *a) { memset(a, 0, sizeof *a); }

/* A chunk of ARENA_MAP_MIN bytes or more is mapped directly rather than
** taken from malloc, for two things a 100,000-line runbook's tree (some
** 16 MiB, written front to back, then walked by check and codegen) gains
** from:
** - It is prefaulted ARENA_PREFAULT bytes at a time (advance_lim) instead
**   of taking a page fault for each 4 KiB page: lim stops at the end of
**   what is prefaulted, so the inline arena_alloc comes to
**   arena_alloc_slow once per ARENA_PREFAULT bytes to move it on, and no
**   more than that is resident beyond what is used.
** - A chunk of 2 MiB or more starts on a 2 MiB boundary and asks for
**   transparent huge pages (MADV_HUGEPAGE; honoured where THP is
**   "madvise" or "always"): one fault per 2 MiB and far fewer TLB misses
**   for the passes that walk the tree. A huge page is resident whole, so
**   arena_trim gives back what a finished tree leaves unused. */
#define ARENA_MAP_MIN ((size_t)256 * 1024)
#define ARENA_PREFAULT ((size_t)64 * 1024)
#define HUGE_PAGE ((size_t)2 << 20)
#define PAGE_UP(x) (((x) + 4095) & ~(size_t)4095)

/* chunk_end is the end of c's data. */
static char *chunk_end(ArenaChunk *c) { return (char *)c->data + c->size; }

/* advance_lim moves a->lim on by up to ARENA_PREFAULT within the mapped
** chunk at the head, prefaulting the bytes it adds; 1 if it moved. */
static int advance_lim(Arena *a) {
  ArenaChunk *c = a->head;
  char *end, *lim;
  if (!c || !c->mapped || a->lim >= (end = chunk_end(c))) return 0;
  lim = (size_t)(end - a->lim) > ARENA_PREFAULT ? a->lim + ARENA_PREFAULT : end;
  mem_prefault(a->lim, (size_t)(lim - a->lim));
  a->lim = lim;
  return 1;
}

/* map_chunk maps len bytes (a multiple of the page), on a 2 MiB boundary
** with huge pages advised when len is 2 MiB or more; NULL if it cannot. */
static void *map_chunk(size_t len) {
  char *m, *al;
  if (len < HUGE_PAGE) {
    m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return m == MAP_FAILED ? NULL : m;
  }
  /* Map 2 MiB more than needed and unmap what lies outside the aligned part. */
  m = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return NULL;
  al = (char *)(((uintptr_t)m + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
  if (al > m) munmap(m, (size_t)(al - m));
  if (m + len + HUGE_PAGE > al + len) munmap(al + len, (size_t)(m + len + HUGE_PAGE - (al + len)));
#if defined(MADV_HUGEPAGE)
  (void)madvise(al, len & ~(HUGE_PAGE - 1), MADV_HUGEPAGE);
#endif
  return al;
}

/* new_chunk returns a chunk for n bytes that holds sz (at least n): mapped
** (map_chunk) when it is large, else from mem_alloc. a->total counts the
** bytes either way. */
static ArenaChunk *new_chunk(Arena *a, size_t sz, size_t n) {
  ArenaChunk *c;
  if (sz >= ARENA_MAP_MIN) {
    size_t len = PAGE_UP(sz);
    if (len - sizeof *c < n) len = PAGE_UP(n + sizeof *c);
    if (should_fail()) oom(len);
    c = map_chunk(len);
    if (!c) oom(len);
    UNPOISON(c, len);   /* what an earlier mapping here left marked */
    c->mapped = len;
    c->size = len - sizeof *c;
    a->total += len;
    return c;
  }
  c = mem_alloc(sizeof *c + sz);
  c->mapped = 0;
  c->size = sz;
  a->total += sizeof *c + sz;
  return c;
}

/* arena_alloc_slow takes n bytes (a multiple of 8) when they are not
** between cur and lim: from the prefaulted next part of the chunk
** (advance_lim), or from a new chunk; arena_alloc (mem.h) calls it. */
void *arena_alloc_slow(Arena *a, size_t n) {
  char *p;
  n = (n + 7) & ~(size_t)7;
  while ((size_t)(a->lim - a->cur) < n && advance_lim(a)) continue;
  if ((size_t)(a->lim - a->cur) < n) {
    size_t sz = a->head ? a->head->size * 2 : ARENA_CHUNK;
    ArenaChunk *c;
    if (sz > ARENA_MAX_CHUNK) sz = ARENA_MAX_CHUNK;
    if (sz < n) sz = n;
    c = new_chunk(a, sz, n);
    c->next = a->head;
    a->head = c;
    a->cur = a->lim = (char *)c->data;
    if (c->mapped) {
      while ((size_t)(a->lim - a->cur) < n && advance_lim(a)) continue;
    } else {
      a->lim = chunk_end(c);
    }
  }
  p = a->cur;
  a->cur += n;
  return p;
}

void arena_trim(Arena *a) {
  ArenaChunk *c = a->head;
  char *from;
  if (!c || !c->mapped) return;
  from = (char *)PAGE_UP((uintptr_t)a->cur);
  if (from >= chunk_end(c)) return;
  (void)madvise(from, (size_t)(chunk_end(c) - from), MADV_DONTNEED);
  a->lim = from > a->cur ? from : a->cur;   /* what is past it is prefaulted again when used */
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
    if (c->mapped) {
      UNPOISON(c, c->mapped);
      munmap(c, c->mapped);
    }
    else mem_free(c);
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
