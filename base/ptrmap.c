/*
** ptrmap.c -- open addressing with linear probing, load kept under 1/2.
** Used by the checker, codegen, lint and the plan to look up interned names.
*/
#include "ptrmap.h"

#include <string.h>

#include "mem.h"

#define hash_ptr ptrmap_hash   /* in ptrmap.h, shared with the inline ptrmap_get */

static void rehash(PtrMap *m) {
  uint32_t cap = m->cap ? m->cap * 2 : 64, i;
  const void **keys = mem_calloc(cap * sizeof *keys);
  void **vals = mem_calloc(cap * sizeof *vals);
  for (i = 0; i < m->cap; i++) {
    if (m->keys[i]) {
      uint32_t j = hash_ptr(m->keys[i]) & (cap - 1);
      while (keys[j]) j = (j + 1) & (cap - 1);
      keys[j] = m->keys[i];
      vals[j] = m->vals[i];
    }
  }
  mem_free(m->keys);
  mem_free(m->vals);
  m->keys = keys;
  m->vals = vals;
  m->cap = cap;
}

void ptrmap_put(PtrMap *m, const void *key, void *val) {
  uint32_t i, mask;
  if ((m->n + 1) * 2 > m->cap) rehash(m);
  mask = m->cap - 1;
  for (i = hash_ptr(key) & mask; m->keys[i]; i = (i + 1) & mask) {
    if (m->keys[i] == key) {
      m->vals[i] = val;
      return;
    }
  }
  m->keys[i] = key;
  m->vals[i] = val;
  m->n++;
}

void ptrmap_free(PtrMap *m) {
  mem_free(m->keys);
  mem_free(m->vals);
  memset(m, 0, sizeof *m);
}
