/*
** params.c -- `--param-file FILE` for every command that takes --param
** (params.h). Reading YAML is base/paramfile.c's; typing a value is
** run_params's, as for --param.
*/
#include "params.h"

#include <stdio.h>
#include <string.h>

#include "../base/diag.h"
#include "../base/mem.h"
#include "../base/suggest.h"
#include "../run/exits.h"

int cli_param_file(const char *cmd, ParamFile *pf, const char *path) {
  ParamFile more;
  char err[1024];
  size_t i, j;
  if (paramfile_load(&more, path, err, sizeof err) != 0) {
    fprintf(stderr, "%s\nrbk %s: the --param-file could not be read\n", err, cmd);
    paramfile_free(&more);
    return EXIT_USAGE;
  }
  if (!pf->path) {
    *pf = more;
    return 0;
  }
  /* a later file's key wins: replace, else append */
  for (i = 0; i < more.n; i++) {
    for (j = 0; j < pf->n; j++)
      if (strcmp(pf->v[j].key, more.v[i].key) == 0) break;
    if (j == pf->n) {
      pf->v = mem_realloc(pf->v, (pf->n + 1) * sizeof *pf->v);
      pf->n++;
    } else {
      mem_free(pf->v[j].key);
      mem_free(pf->v[j].val);
    }
    pf->v[j] = more.v[i];
  }
  mem_free(more.v);
  mem_free(more.path);
  return 0;
}

void cli_params_join(const ParamFile *pf, const char *const *keys, const char *const *vals, int *nkv, int room,
                     const char ***okeys, const char ***ovals) {
  size_t cap = pf->n + (size_t)*nkv + (size_t)room + 1, i;
  const char **k = mem_calloc(cap * sizeof *k), **v = mem_calloc(cap * sizeof *v);
  int n = 0, j;
  for (i = 0; i < pf->n; i++) {
    int given = 0;
    for (j = 0; j < *nkv; j++) given |= strcmp(keys[j], pf->v[i].key) == 0;
    if (given) continue;
    k[n] = pf->v[i].key;
    v[n++] = pf->v[i].val;
  }
  for (j = 0; j < *nkv; j++) {
    k[n] = keys[j];
    v[n++] = vals[j];
  }
  *nkv = n;
  *okeys = k;
  *ovals = v;
}

int cli_params_check(const ParamFile *pf, const char *const *names, size_t n) {
  Source src;
  Diags d;
  char why[256];
  size_t i, j;
  int have_src, bad = 0;
  if (!pf->n) return 0;
  memset(&src, 0, sizeof src);
  have_src = src_load(&src, pf->path, why, sizeof why) == 0;
  diag_init(&d);
  for (i = 0; i < pf->n; i++) {
    const ParamEntry *e = &pf->v[i];
    Suggest s;
    Diag *dg;
    for (j = 0; j < n; j++)
      if (strcmp(names[j], e->key) == 0) break;
    if (j < n) continue;
    bad = 1;
    suggest_init(&s, e->key);
    for (j = 0; j < n; j++) suggest_add(&s, names[j]);
    if (have_src) {
      uint32_t start = 0, len = 0, pos;
      src_line(&src, e->line, &start, &len);
      pos = start + ((uint32_t)e->col - 1 < len ? (uint32_t)e->col - 1 : len);
      dg = diag_add(&d, SEV_ERROR, "unknown-param", &src, pos, pos + (uint32_t)strlen(e->key),
                    "the runbook has no param '%s' (from the param file)", e->key);
    } else {
      dg = NULL;
      fprintf(stderr, "%s:%d:%d: error: the runbook has no param '%s' (from the param file)\n", pf->path, e->line,
              e->col, e->key);
    }
    if (suggest_best(&s)) diag_hint(dg, "did you mean '%s'?", suggest_best(&s));
    else if (n) diag_hint(dg, "the runbook's params are listed by 'rbk plan'");
    else diag_hint(dg, "the runbook declares no params");
  }
  diag_print_text(&d, stderr, diag_use_color(stderr));
  diag_free(&d);
  src_free(&src);
  return bad ? EXIT_USAGE : 0;
}

int cli_params_check_program(const ParamFile *pf, const Program *p) {
  const char **names;
  uint32_t q;
  int rc;
  if (!pf->n) return 0;
  names = mem_calloc((p->nparams + 1) * sizeof *names);
  for (q = 0; q < p->nparams; q++) names[q] = p->params[q].name;
  rc = cli_params_check(pf, names, p->nparams);
  mem_free(names);
  return rc;
}
