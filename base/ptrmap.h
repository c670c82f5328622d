/*
** ptrmap.h -- a hash map from pointers (interned names) to pointers.
** Keys are compared by address, so callers intern their strings first.
** The map owns only its table; keys and values belong to the caller.
*/
#ifndef RBK_PTRMAP_H
#define RBK_PTRMAP_H

#include <stddef.h>
#include <stdint.h>

/* A key and its value side by side: a lookup that finds the key has the
** value in the same cache line. */
typedef struct PtrMapSlot {
  const void *key;     /* NULL: the slot is free */
  void *val;
} PtrMapSlot;

typedef struct PtrMap {
  PtrMapSlot *slots;
  uint32_t cap, n;
} PtrMap;

/* ptrmap_hash mixes a key's address into a table index. */
static inline uint32_t ptrmap_hash(const void *p) {
  uint64_t x = (uint64_t)(uintptr_t)p;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return (uint32_t)x;
}

/* ptrmap_get returns the value stored under key, or NULL. Inline: the
** checker and codegen look a name up for nearly every node. */
static inline void *ptrmap_get(const PtrMap *m, const void *key) {
  uint32_t i, mask;
  if (!m->cap) return NULL;
  mask = m->cap - 1;
  for (i = ptrmap_hash(key) & mask; m->slots[i].key; i = (i + 1) & mask)
    if (m->slots[i].key == key) return m->slots[i].val;
  return NULL;
}
/* ptrmap_put stores val under key, replacing any earlier value. */
void ptrmap_put(PtrMap *m, const void *key, void *val);
/* ptrmap_free releases the table. */
void ptrmap_free(PtrMap *m);

#endif
