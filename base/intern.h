/*
** intern.h -- a string interner: one copy of each distinct string, so
** that equal names compare equal as pointers. The parser interns every
** identifier through it (ast_intern); the copies live in the caller's
** arena and go with it, the table itself is freed by intern_free.
*/
#ifndef RBK_INTERN_H
#define RBK_INTERN_H

#include <stddef.h>
#include <stdint.h>

#include <string.h>

#include "mem.h"

/* One slot of the open-addressing table: the string, its hash and length
** (compared before the bytes, so a probe rarely touches the text). */
typedef struct InternSlot {
  const char *str;     /* NULL: the slot is free */
  uint32_t hash, len;
} InternSlot;

typedef struct Interner {
  Arena *arena;        /* where the copies go (not owned) */
  InternSlot *slots;   /* mem_alloc'd; a power of two of them, or NULL */
  uint32_t cap, n;     /* slots, strings held (under 3/4 of the slots) */
} Interner;

/* intern_init prepares an empty interner whose strings go into arena. */
void intern_init(Interner *in, Arena *arena);
/* intern returns the unique NUL-terminated copy of s[0..n), making it on
** first sight. s need not be NUL-terminated and may hold NULs. */
const char *intern(Interner *in, const char *s, size_t n);
/* intern_find returns the copy of s[0..n) if it was interned, else NULL. */
const char *intern_find(const Interner *in, const char *s, size_t n);
/* intern_hash is the hash the table uses (exposed for tests). */
uint32_t intern_hash(const char *s, size_t n);
/* intern_free releases the table (the arena keeps the strings). */
void intern_free(Interner *in);

/* Unaligned loads of 2, 4 and 8 bytes (memcpy of a constant size is one
** load for the compiler). */
static inline uint64_t intern_ld8(const char *s) { uint64_t w; memcpy(&w, s, 8); return w; }
static inline uint32_t intern_ld4(const char *s) { uint32_t w; memcpy(&w, s, 4); return w; }
static inline uint16_t intern_ld2(const char *s) { uint16_t w; memcpy(&w, s, 2); return w; }

/* intern_same says whether a[0..n) and b[0..n) are equal, by words, with
** loads that may overlap but never read outside them: for the short
** strings of names, cheaper than a call to memcmp (the interner's probe
** and the lexer's keyword table use it). */
static inline int intern_same(const char *a, const char *b, size_t n) {
  while (n >= 8) {
    if (intern_ld8(a) != intern_ld8(b)) return 0;
    a += 8;
    b += 8;
    n -= 8;
  }
  if (n >= 4) return intern_ld4(a) == intern_ld4(b) && intern_ld4(a + n - 4) == intern_ld4(b + n - 4);
  if (n >= 2) return intern_ld2(a) == intern_ld2(b) && intern_ld2(a + n - 2) == intern_ld2(b + n - 2);
  return n == 0 || a[0] == b[0];
}

#endif
