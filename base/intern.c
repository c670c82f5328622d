/*
** intern.c -- the string interner: an open-addressing table, linear
** probing, kept at most three quarters full (a 100,000-line runbook's
** ~19,000 names fit in 32,768 slots, 512 KiB, not 1 MiB; a probe still
** compares the hash first); copies of the strings in an arena.
** Used by grammar/ast.c for the identifiers of a parse and, in a second
** table, the texts of its strings.
*/
#include "intern.h"

#include <string.h>

void intern_init(Interner *in, Arena *arena) {
  memset(in, 0, sizeof *in);
  in->arena = arena;
}

void intern_free(Interner *in) {
  mem_free(in->slots);
  in->slots = NULL;
  in->cap = in->n = 0;
}

#define ld8 intern_ld8
#define ld4 intern_ld4
#define ld2 intern_ld2

/* tail_word packs the n < 8 bytes at s into a word, from two loads that
** may overlap: no byte loop and no read outside s[0..n). Equal bytes give
** equal words, which is all a hash needs. */
static uint64_t tail_word(const char *s, size_t n) {
  if (n >= 4) return ld4(s) | (uint64_t)ld4(s + n - 4) << 32;
  if (n >= 2) return ld2(s) | (uint64_t)ld2(s + n - 2) << 16;
  return n ? (unsigned char)s[0] : 0;
}

/* Eight bytes at a time, each word mixed by a multiply; the length is in
** the seed. Identifiers are short: most take one or two rounds, against
** one multiply per byte for FNV-1a. */
uint32_t intern_hash(const char *s, size_t n) {
  uint64_t h = 0x9E3779B97F4A7C15u ^ (uint64_t)n;
  while (n >= 8) {
    h = (h ^ ld8(s)) * 0xFF51AFD7ED558CCDu;
    h ^= h >> 32;
    s += 8;
    n -= 8;
  }
  if (n) h = (h ^ tail_word(s, n)) * 0xFF51AFD7ED558CCDu;
  h ^= h >> 29;
  h *= 0xC4CEB9FE1A85EC53u;
  return (uint32_t)(h >> 32);
}

static void grow(Interner *in) {
  uint32_t cap = in->cap ? in->cap * 2 : 256, i;
  InternSlot *nv = mem_calloc((size_t)cap * sizeof *nv);
  for (i = 0; i < in->cap; i++) {
    const InternSlot *o = &in->slots[i];
    if (o->str) {
      uint32_t h = o->hash & (cap - 1);
      while (nv[h].str) h = (h + 1) & (cap - 1);
      nv[h] = *o;
    }
  }
  mem_free(in->slots);
  in->slots = nv;
  in->cap = cap;
}

/* lookup returns the slot of s[0..n): the one that holds it, or the free
** one where it belongs. The table must have a free slot. */
static InternSlot *lookup(const Interner *in, const char *s, size_t n, uint32_t h) {
  uint32_t mask = in->cap - 1, i;
  for (i = h & mask;; i = (i + 1) & mask) {
    InternSlot *e = &in->slots[i];
    if (!e->str || (e->hash == h && e->len == n && intern_same(e->str, s, n))) return e;
  }
}

const char *intern_find(const Interner *in, const char *s, size_t n) {
  if (!in->cap || n > UINT32_MAX) return NULL;
  return lookup(in, s, n, intern_hash(s, n))->str;
}

const char *intern(Interner *in, const char *s, size_t n) {
  uint32_t h;
  InternSlot *e;
  if (n > UINT32_MAX) n = UINT32_MAX;   /* sources are far smaller (SOURCE_MAX_BYTES) */
  h = intern_hash(s, n);
  if ((uint64_t)in->n * 4 >= (uint64_t)in->cap * 3) grow(in);
  e = lookup(in, s, n, h);
  if (!e->str) {
    e->str = arena_strndup(in->arena, s, n);
    e->hash = h;
    e->len = (uint32_t)n;
    in->n++;
  }
  return e->str;
}
