/*
** mem.h -- every allocation in rbk goes through here.
** Out of memory is not recoverable for a command-line run: the allocator
** prints "rbk: out of memory" and exits with RBK_EXIT_OOM (the journal is
** durable, so a run can be resumed). RBK_FAIL_ALLOC=N makes the Nth
** allocation fail, so tests can prove that path is clean (Lua memerr.lua).
*/
#ifndef RBK_MEM_H
#define RBK_MEM_H

#include <stddef.h>
#include <stdint.h>

#define RBK_EXIT_OOM 71   /* sysexits EX_OSERR: out of memory */

/* mem_alloc returns n bytes (n may be 0); never returns NULL. */
void *mem_alloc(size_t n);
/* mem_calloc returns n zeroed bytes; never returns NULL. */
void *mem_calloc(size_t n);
/* mem_realloc resizes p (which may be NULL) to n bytes; never returns NULL. */
void *mem_realloc(void *p, size_t n);
/* mem_free releases p; NULL is fine. */
void mem_free(void *p);
/* mem_strndup copies n bytes of s and adds a NUL. */
char *mem_strndup(const char *s, size_t n);
/* mem_strdup copies the NUL-terminated s. */
char *mem_strdup(const char *s);
/* mem_prefault makes the pages of [p, p+n) resident and writable in one
** system call, instead of one page fault each on first use: for a block
** whose every page is about to be written. Only a hint; where the kernel
** has no such call (before Linux 5.14), nothing changes. mem_calloc does
** it for blocks of 64 KiB and more. */
void mem_prefault(void *p, size_t n);
/* mem_grow doubles *cap (at least to need) and reallocates p to *cap elements of size sz. */
void *mem_grow(void *p, size_t *cap, size_t need, size_t sz);

/* An Arena hands out memory that is freed all at once. The AST lives in
** one, so a parse that fails part way leaks nothing: the arena is dropped
** whole. The first chunk is ARENA_CHUNK bytes and each next one twice the
** last, up to ARENA_MAX_CHUNK: a REPL line costs one small chunk, a
** 100,000-line runbook a dozen large ones. Chunks of 256 KiB and more are
** mapped directly, prefaulted 64 KiB at a time as they fill, and those
** of 2 MiB and more use huge pages where the kernel allows (base/mem.c);
** lim is the end of the prefaulted part, not of the chunk. */
#define ARENA_CHUNK (16 * 1024)
#define ARENA_MAX_CHUNK (4 * 1024 * 1024)
typedef struct ArenaChunk ArenaChunk;
typedef struct Arena {
  ArenaChunk *head;
  char *cur, *lim;
  size_t total;        /* bytes obtained from mem_alloc, for statistics */
} Arena;

/* arena_init prepares an empty arena. */
void arena_init(Arena *a);
/* arena_alloc returns n bytes aligned to 8, uninitialised. The common
** case, room in the current chunk, is inline: the parser makes a node
** for every few bytes of source. */
void *arena_alloc_slow(Arena *a, size_t n);
static inline void *arena_alloc(Arena *a, size_t n) {
  char *p;
  n = (n + 7) & ~(size_t)7;
  if ((size_t)(a->lim - a->cur) < n) return arena_alloc_slow(a, n);
  p = a->cur;
  a->cur += n;
  return p;
}
/* arena_strndup copies n bytes of s into the arena with a trailing NUL. */
char *arena_strndup(Arena *a, const char *s, size_t n);
/* arena_trim gives the kernel back the whole pages of the current chunk
** that are not used yet (a huge page is resident whole): for an arena
** that is finished growing, such as a tree after its parse. The arena
** stays usable; what is allocated later is faulted in again. */
void arena_trim(Arena *a);
/* arena_free releases every chunk. The arena may be reused after arena_init. */
void arena_free(Arena *a);

/* mem_advise_huge asks the kernel to back the whole 2 MiB pages inside
** [p, p+n) with huge pages: a long journal's copy and its parse pool are
** tens of MiB, filled front to back, and faulting them in 4 KiB at a time
** costs more than reading them. Only a hint; where it is refused nothing
** changes. */
void mem_advise_huge(void *p, size_t n);

#endif
