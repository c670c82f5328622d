/*
** load.c -- source or bytecode in, a checked Program out.
** Called by the sessions and by rbk compile, disasm, undo and watch.
*/
#include "load.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../grammar/ast.h"
#include "../compiler/check.h"
#include "../compiler/codegen.h"
#include "../grammar/imports.h"
#include "../grammar/parse.h"
#include "../vm/bcfile.h"
#include "../vm/ffi.h"
#include "../base/mem.h"
#include "../base/sha256.h"

/* read_raw reads path whole; bytecode is binary so src_load would refuse it. */
static int read_raw(const char *path, char **data, size_t *n, char *why, size_t whylen) {
  FILE *f = fopen(path, "rb");
  Buf b = BUF_INIT;
  char chunk[65536];
  size_t k;
  if (!f) {
    snprintf(why, whylen, "cannot open: %s", strerror(errno));
    return -1;
  }
  while ((k = fread(chunk, 1, sizeof chunk, f)) > 0) buf_add(&b, chunk, k);
  fclose(f);
  *n = b.n;
  *data = buf_take(&b);
  return 0;
}

static int starts_with_magic(const char *path) {
  char m[BC_MAGIC_LEN];
  FILE *f = strcmp(path, "-") == 0 ? NULL : fopen(path, "rb");
  size_t k;
  if (!f) return 0;
  k = fread(m, 1, sizeof m, f);
  fclose(f);
  return k == sizeof m && memcmp(m, BC_MAGIC, BC_MAGIC_LEN) == 0;
}

/* compile_source parses, checks and compiles src (taking it over); its
** diagnostics go to stderr unless quiet. */
static Program *compile_source(Source *src, int quiet) {
  Diags d;
  Ast ast;
  Program *p = NULL;
  diag_init(&d);
  ast_init(&ast, src);
  if (imports_parse(&ast, &d) == 0 && check_program(&ast, &d) == 0) {
    p = codegen_program(&ast, &d);
    if (p) sha256(src->text, src->len, p->src_sha256);
  }
  if (!quiet) diag_print_text(&d, stderr, diag_use_color(stderr));
  diag_free(&d);
  ast_free(&ast);
  if (!p) {
    src_free(src);
    mem_free(src);
  }
  return p;
}

/* tied_to_source says whether the n bytes at data, a .rbc that loaded as
** p, are exactly what the source embedded in it compiles to. The journal
** names a run's runbook by the SHA-256 of that source, so bytecode edited
** after compiling (a changed command, with the trailer recomputed) must
** not run under its name: the file is recompiled and compared byte for
** byte. Every .rbc embeds its source (bc_write refuses a program without
** one), so there is no bytecode this cannot check. A file from an rbk
** whose compiler or stdlib modules differ is refused the same way, and
** recompiling it is the remedy in both cases. Prints why not. */
static int tied_to_source(const Program *p, const char *data, size_t n, const char *path) {
  Source *src = mem_calloc(sizeof *src);
  Program *q;
  Buf b = BUF_INIT;
  char why[512];
  size_t at = 0;
  int same;
  src_from_string(src, p->src->name, p->src->text, p->src->len);
  q = compile_source(src, 1);
  if (!q) {
    fprintf(stderr, "%s: error: the runbook source embedded in it does not compile with this rbk; "
            "compile the runbook again with rbk compile\n", path);
    return 0;
  }
  if (bc_encode(q, &b, why, sizeof why) != 0) {
    fprintf(stderr, "%s: error: %s\n", path, why);
    prog_free(q);
    return 0;
  }
  while (at < n && at < b.n && data[at] == b.p[at]) at++;
  same = at == n && at == b.n;
  if (!same)
    fprintf(stderr, "%s: error: the bytecode is not what the runbook source embedded in it compiles "
            "to (first difference at byte %zu): it was changed after compiling, or compiled by another "
            "rbk; compile the runbook again with rbk compile\n", path, at);
  buf_free(&b);
  prog_free(q);
  return same;
}

Program *load_program(const char *path) {
  const BuiltinSig *b = check_builtins();
  uint32_t nb = 0;
  char why[512];
  Source *src;
  Program *p;
  while (b[nb].name) nb++;
  if (starts_with_magic(path)) {
    char *data;
    size_t n;
    if (read_raw(path, &data, &n, why, sizeof why) != 0) {
      fprintf(stderr, "%s: error: %s\n", path, why);
      return NULL;
    }
    p = bc_read_mem(data, n, path, nb, why, sizeof why);
    if (!p) fprintf(stderr, "%s: error: %s\n", path, why);
    if (p && !tied_to_source(p, data, n, path)) {
      prog_free(p);
      p = NULL;
    }
    mem_free(data);
    return p;
  }
  src = mem_calloc(sizeof *src);
  if (src_load(src, path, why, sizeof why) != 0) {
    fprintf(stderr, "%s: error: %s\n", path, why);
    mem_free(src);
    return NULL;
  }
  return compile_source(src, 0);
}

Program *load_program_text(const char *name, const char *text) {
  Source *src = mem_calloc(sizeof *src);
  src_from_string(src, name, text, strlen(text));
  return compile_source(src, 0);
}

int load_bind(Program *p) {
  Diags d;
  int failures;
  diag_init(&d);
  failures = ffi_bind(p, &d);
  diag_print_text(&d, stderr, diag_use_color(stderr));
  diag_free(&d);
  return failures ? -1 : 0;
}
