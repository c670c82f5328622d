/*
** files.c -- builtins on files: exists(), file_size(), read_file(),
** sha256(), diff_dirs(). Arguments arrive checked by the dispatcher
** (builtins.def: each takes string paths).
*/
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base/mem.h"
#include "../base/sha256.h"
#include "../base/source.h"
#include "natives.h"

int nat_exists(VM *vm, Value *args, int argc, Value *out) {
  struct stat st;
  (void)vm; (void)argc;
  *out = val_bool(stat(AS_STR(args[0])->s, &st) == 0);
  return 0;
}

/* Trees are walked at most this deep: a deeper one is a loop or a mistake. */
#define TREE_MAX_DEPTH 64

/* tree_size adds the sizes of the regular files under path (symbolic
** links are not followed) to *total. Returns 0, or -1 after vm_fail. */
static int tree_size(VM *vm, const char *path, int depth, double *total) {
  DIR *d;
  struct dirent *e;
  if (depth > TREE_MAX_DEPTH) return vm_fail(vm, "file_size(): %s: more than %d directories deep", path, TREE_MAX_DEPTH);
  d = opendir(path);
  if (!d) return vm_fail(vm, "file_size(): %s: %s", path, strerror(errno));
  while ((e = readdir(d)) != NULL) {
    struct stat st;
    Buf p = BUF_INIT;
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    buf_printf(&p, "%s/%s", path, e->d_name);
    if (lstat(buf_cstr(&p), &st) != 0) {
      vm_fail(vm, "file_size(): %s: %s", buf_cstr(&p), strerror(errno));
      buf_free(&p);
      closedir(d);
      return -1;
    }
    if (S_ISREG(st.st_mode)) *total += (double)st.st_size;
    else if (S_ISDIR(st.st_mode) && tree_size(vm, buf_cstr(&p), depth + 1, total) != 0) {
      buf_free(&p);
      closedir(d);
      return -1;
    }
    buf_free(&p);
  }
  closedir(d);
  return 0;
}

int nat_file_size(VM *vm, Value *args, int argc, Value *out) {
  struct stat st;
  double total = 0;
  (void)argc;
  if (stat(AS_STR(args[0])->s, &st) != 0)
    return vm_fail(vm, "file_size(): %s: %s", AS_STR(args[0])->s, strerror(errno));
  if (!S_ISDIR(st.st_mode)) {
    *out = val_num((double)st.st_size);
    return 0;
  }
  /* A directory: the net size of the files in it (seed 002). */
  if (tree_size(vm, AS_STR(args[0])->s, 0, &total) != 0) return -1;
  *out = val_num(total);
  return 0;
}

int nat_read_file(VM *vm, Value *args, int argc, Value *out) {
  Source s;
  char why[256];
  (void)argc;
  if (src_load(&s, AS_STR(args[0])->s, why, sizeof why) != 0)
    return vm_fail(vm, "read_file(): %s: %s", AS_STR(args[0])->s, why);
  *out = val_str_new(s.text, s.len);
  src_free(&s);
  return 0;
}

int nat_sha256(VM *vm, Value *args, int argc, Value *out) {
  uint8_t d[32];
  char hex[65], why[256];
  (void)argc;
  if (sha256_file(AS_STR(args[0])->s, d, why, sizeof why) != 0)
    return vm_fail(vm, "sha256(): %s: %s", AS_STR(args[0])->s, why);
  sha256_hex(d, hex);
  *out = val_cstr_new(hex);
  return 0;
}

/* ---- diff_dirs ----------------------------------------------------------- */

/* More differences than this are not a check any more: the trees are
** simply not the same. */
#define DIFF_MAX 10000

typedef struct Diff {
  VM *vm;
  const char *a, *b;   /* the roots */
  Value *items;
  size_t n, cap;
} Diff;

static int by_name(const void *x, const void *y) { return strcmp(*(char *const *)x, *(char *const *)y); }

/* names lists the entries of dir (without . and ..), sorted; NULL after
** vm_fail. */
static char **names(VM *vm, const char *dir, size_t *n) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char **v = NULL;
  size_t cap = 0;
  *n = 0;
  if (!d) {
    vm_fail(vm, "diff_dirs(): %s: %s", dir, strerror(errno));
    return NULL;
  }
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    if (*n == cap) v = mem_grow(v, &cap, *n + 1, sizeof *v);
    v[(*n)++] = mem_strdup(e->d_name);
  }
  closedir(d);
  if (!v) v = mem_alloc(sizeof *v);
  qsort(v, *n, sizeof *v, by_name);
  return v;
}

static void free_names(char **v, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) mem_free(v[i]);
  mem_free(v);
}

static int add(Diff *df, const char *rel) {
  if (df->n == DIFF_MAX)
    return vm_fail(df->vm, "diff_dirs(): more than %d paths differ between %s and %s", DIFF_MAX, df->a, df->b);
  if (df->n == df->cap) df->items = mem_grow(df->items, &df->cap, df->n + 1, sizeof *df->items);
  df->items[df->n++] = val_cstr_new(rel);
  return 0;
}

/* same_file says whether two regular files hold the same bytes: 1, 0, or
** -1 after vm_fail. */
static int same_file(VM *vm, const char *x, const char *y) {
  FILE *f = fopen(x, "rb"), *g = fopen(y, "rb");
  char bx[65536], by[65536];
  int same = 1;
  if (!f || !g) {
    vm_fail(vm, "diff_dirs(): %s: %s", !f ? x : y, strerror(errno));
    if (f) fclose(f);
    if (g) fclose(g);
    return -1;
  }
  for (;;) {
    size_t nx = fread(bx, 1, sizeof bx, f), ny = fread(by, 1, sizeof by, g);
    if (nx != ny || memcmp(bx, by, nx) != 0) {
      same = 0;
      break;
    }
    if (nx == 0) break;
  }
  fclose(f);
  fclose(g);
  return same;
}

/* kind is the type of an lstat'ed entry, for comparing. */
static int kind(const struct stat *st) {
  return S_ISREG(st->st_mode) ? 1 : S_ISDIR(st->st_mode) ? 2 : S_ISLNK(st->st_mode) ? 3 : 4;
}

/* walk compares A/rel with B/rel, both directories. */
static int walk(Diff *df, const char *rel, int depth) {
  Buf pa = BUF_INIT, pb = BUF_INIT, r = BUF_INIT;
  char **x = NULL, **y = NULL;
  size_t nx = 0, ny = 0, i = 0, j = 0;
  int rc = 0;
  if (depth > TREE_MAX_DEPTH)
    return vm_fail(df->vm, "diff_dirs(): %s: more than %d directories deep", rel, TREE_MAX_DEPTH);
  buf_printf(&pa, "%s%s%s", df->a, *rel ? "/" : "", rel);
  buf_printf(&pb, "%s%s%s", df->b, *rel ? "/" : "", rel);
  if (!(x = names(df->vm, buf_cstr(&pa), &nx)) || !(y = names(df->vm, buf_cstr(&pb), &ny))) rc = -1;
  while (rc == 0 && (i < nx || j < ny)) {
    int c = i == nx ? 1 : j == ny ? -1 : strcmp(x[i], y[j]);
    const char *name = c <= 0 ? x[i] : y[j];
    buf_reset(&r);
    buf_printf(&r, "%s%s%s", rel, *rel ? "/" : "", name);
    if (c != 0) {   /* on one side only */
      rc = add(df, buf_cstr(&r));
    } else {
      struct stat sa, sb;
      Buf fa = BUF_INIT, fb = BUF_INIT;
      buf_printf(&fa, "%s/%s", df->a, buf_cstr(&r));
      buf_printf(&fb, "%s/%s", df->b, buf_cstr(&r));
      if (lstat(buf_cstr(&fa), &sa) != 0 || lstat(buf_cstr(&fb), &sb) != 0) {
        rc = vm_fail(df->vm, "diff_dirs(): %s: %s", buf_cstr(&r), strerror(errno));
      } else if (kind(&sa) != kind(&sb)) {
        rc = add(df, buf_cstr(&r));
      } else if (kind(&sa) == 2) {
        rc = walk(df, buf_cstr(&r), depth + 1);
      } else if (kind(&sa) == 1) {
        int same = sa.st_size != sb.st_size ? 0 : same_file(df->vm, buf_cstr(&fa), buf_cstr(&fb));
        rc = same < 0 ? -1 : same ? 0 : add(df, buf_cstr(&r));
      } else if (kind(&sa) == 3) {
        char la[4096], lb[4096];
        ssize_t ka = readlink(buf_cstr(&fa), la, sizeof la), kb = readlink(buf_cstr(&fb), lb, sizeof lb);
        if (ka < 0 || kb < 0) rc = vm_fail(df->vm, "diff_dirs(): %s: %s", buf_cstr(&r), strerror(errno));
        else if (ka != kb || memcmp(la, lb, (size_t)ka) != 0) rc = add(df, buf_cstr(&r));
      }
      buf_free(&fa);
      buf_free(&fb);
    }
    if (c <= 0) i++;
    if (c >= 0) j++;
  }
  if (x) free_names(x, nx);
  if (y) free_names(y, ny);
  buf_free(&pa);
  buf_free(&pb);
  buf_free(&r);
  return rc;
}

int nat_diff_dirs(VM *vm, Value *args, int argc, Value *out) {
  Diff df;
  struct stat st;
  int k;
  (void)argc;
  for (k = 0; k < 2; k++) {
    if (stat(AS_STR(args[k])->s, &st) != 0)
      return vm_fail(vm, "diff_dirs(): %s: %s", AS_STR(args[k])->s, strerror(errno));
    if (!S_ISDIR(st.st_mode)) return vm_fail(vm, "diff_dirs(): %s is not a directory", AS_STR(args[k])->s);
  }
  memset(&df, 0, sizeof df);
  df.vm = vm;
  df.a = AS_STR(args[0])->s;
  df.b = AS_STR(args[1])->s;
  if (walk(&df, "", 0) != 0) {
    size_t i;
    for (i = 0; i < df.n; i++) val_release(df.items[i]);
    mem_free(df.items);
    return -1;
  }
  *out = val_list_new(df.items, (uint32_t)df.n);
  mem_free(df.items);
  return 0;
}
