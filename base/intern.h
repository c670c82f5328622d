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

#endif
