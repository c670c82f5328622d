/*
** udiff.h -- a unified diff of two texts, line by line (as `diff -u`), for
** `rbk fmt --check`.
*/
#ifndef RBK_UDIFF_H
#define RBK_UDIFF_H

#include <stddef.h>
#include <stdio.h>

/* udiff_write writes to out the unified diff, with three lines of context,
** that turns a (alen bytes) into b (blen bytes), headed "--- LABEL_A" and
** "+++ LABEL_B"; nothing if the texts are equal. A last line without a
** newline is marked "\ No newline at end of file". Returns 1 if the texts
** differ, else 0. */
int udiff_write(FILE *out, const char *label_a, const char *label_b, const char *a, size_t alen,
                const char *b, size_t blen);

#endif
