/*
** ptrmap.c -- open addressing with linear probing, load kept under 1/2.
** Used by the checker, codegen, lint and the plan to look up interned names.
*/
#include "ptrmap.h"

#include <string.h>

#include "mem.h"

static void rehash(PtrMap *m) {
  uint32_t cap = m->cap ? m->cap * 2 : 64, i;
  PtrMapSlot *slots = mem_calloc(cap * sizeof *slots);
  for (i = 0; i < m->cap; i++) {
    if (m->slots[i].key) {
      uint32_t j = ptrmap_hash(m->slots[i].key) & (cap - 1);
      while (slots[j].key) j = (j + 1) & (cap - 1);
      slots[j] = m->slots[i];
    }
  }
  mem_free(m->slots);
  m->slots = slots;
  m->cap = cap;
}

void ptrmap_put(PtrMap *m, const void *key, void *val) {
  uint32_t i, mask;
  if ((m->n + 1) * 2 > m->cap) rehash(m);
  mask = m->cap - 1;
  for (i = ptrmap_hash(key) & mask; m->slots[i].key; i = (i + 1) & mask) {
    if (m->slots[i].key == key) {
      m->slots[i].val = val;
      return;
    }
  }
  m->slots[i].key = key;
  m->slots[i].val = val;
  m->n++;
}

void ptrmap_free(PtrMap *m) {
  mem_free(m->slots);
  memset(m, 0, sizeof *m);
}
