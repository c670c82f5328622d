/*
** ptrmap.h -- a hash map from pointers (interned names) to pointers.
** Keys are compared by address, so callers intern their strings first.
** The map owns only its table; keys and values belong to the caller.
*/
#ifndef RBK_PTRMAP_H
#define RBK_PTRMAP_H

#include <stdint.h>

typedef struct PtrMap {
  const void **keys;
  void **vals;
  uint32_t cap, n;
} PtrMap;

/* ptrmap_get returns the value stored under key, or NULL. */
void *ptrmap_get(const PtrMap *m, const void *key);
/* ptrmap_put stores val under key, replacing any earlier value. */
void ptrmap_put(PtrMap *m, const void *key, void *val);
/* ptrmap_free releases the table. */
void ptrmap_free(PtrMap *m);

#endif
