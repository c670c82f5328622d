/*
** intern.c -- the string interner: an open-addressing table, linear
** probing, kept at most half full; copies of the strings in an arena.
** Used by grammar/ast.c for the identifiers of a parse.
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

/* Eight bytes at a time, each word mixed by a multiply; the tail is read
** as a zero-padded word. Identifiers are short: most take one or two
** rounds, against one multiply per byte for FNV-1a. */
uint32_t intern_hash(const char *s, size_t n) {
  uint64_t h = 0x9E3779B97F4A7C15u ^ (uint64_t)n, w;
  while (n >= 8) {
    memcpy(&w, s, 8);
    h = (h ^ w) * 0xFF51AFD7ED558CCDu;
    h ^= h >> 32;
    s += 8;
    n -= 8;
  }
  if (n) {   /* the tail, byte by byte: no call for a variable-length copy */
    size_t i;
    w = 0;
    for (i = 0; i < n; i++) w |= (uint64_t)(unsigned char)s[i] << (8 * i);
    h = (h ^ w) * 0xFF51AFD7ED558CCDu;
  }
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
    if (!e->str || (e->hash == h && e->len == n && memcmp(e->str, s, n) == 0)) return e;
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
  if (in->n * 2 >= in->cap) grow(in);
  e = lookup(in, s, n, h);
  if (!e->str) {
    e->str = arena_strndup(in->arena, s, n);
    e->hash = h;
    e->len = (uint32_t)n;
    in->n++;
  }
  return e->str;
}
