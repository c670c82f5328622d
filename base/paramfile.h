/*
** paramfile.h -- reading `--param-file FILE`: a YAML mapping (JSON is
** YAML too) of param names to values, through libyaml. Each value becomes
** the text a `--param NAME=VALUE` would carry, so that run_params types
** it the same way (from the param's default): a scalar as written
** (true/false as booleans), a sequence of scalars as a JSON array.
** Every entry keeps where its key is (line and column, from 1), so that
** an unknown key can be reported at its place in the file.
*/
#ifndef RBK_PARAMFILE_H
#define RBK_PARAMFILE_H

#include <stddef.h>

typedef struct ParamEntry {
  char *key, *val;
  int line, col;     /* of the key */
} ParamEntry;

typedef struct ParamFile {
  char *path;
  ParamEntry *v;
  size_t n;
} ParamFile;

/* paramfile_load reads path into pf. Returns 0, or -1 with the reason in
** err ("FILE:LINE:COL: error: message", or
** "FILE: error: message"). */
int paramfile_load(ParamFile *pf, const char *path, char *err, size_t errlen);
/* paramfile_free releases pf (a zeroed ParamFile too). */
void paramfile_free(ParamFile *pf);

#endif
