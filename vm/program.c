/*
** program.c -- releasing a compiled Program and looking up its tables.
**
** Every string a Program points to (proto, step, role, param, require,
** trigger, probe and global names, titles, contact keys and values, the
** irreversible reason, extern libraries, symbols and modules, the backout
** file) is its own mem_alloc'd block, made with mem_strdup
** or mem_strndup, and every array is its own block too; nothing is shared
** and nothing lives in an arena. Codegen and the .rbc reader both build
** Programs this way, so one prog_free serves both.
**
** prog_free also accepts a Program that was only partly built (the reader
** gives up half way through a bad file): NULL pointers are skipped, and
** arrays are zero-filled when allocated so that unread entries are NULL
** strings and nil constants.
*/
#include "program.h"

#include <string.h>

#include "../base/mem.h"
#include "../base/sha256.h"

void proto_free(Proto *f) {
  uint32_t i;
  if (!f) return;
  mem_free(f->name);
  mem_free(f->code);
  mem_free(f->pos);
  if (f->k)
    for (i = 0; i < f->nk; i++) val_release(f->k[i]);
  mem_free(f->k);
  mem_free(f);
}

void prog_free(Program *p) {
  uint32_t i, j;
  if (!p) return;
  if (p->src) {
    src_free(p->src);
    mem_free(p->src);
  }
  for (i = 0; i < p->nchunks; i++) {
    src_free(p->chunks[i]);
    mem_free(p->chunks[i]);
  }
  mem_free(p->chunks);
  mem_free(p->title);
  mem_free(p->version);
  if (p->protos)
    for (i = 0; i < p->nprotos; i++) proto_free(p->protos[i]);
  mem_free(p->protos);
  if (p->steps)
    for (i = 0; i < p->nsteps; i++) {
      StepInfo *s = &p->steps[i];
      mem_free(s->name);
      mem_free(s->title);
      mem_free(s->irreversible);
      mem_free(s->after);
    }
  mem_free(p->steps);
  if (p->roles)
    for (i = 0; i < p->nroles; i++) {
      RoleInfo *r = &p->roles[i];
      mem_free(r->name);
      mem_free(r->person);
      for (j = 0; j < r->ncontacts; j++) {
        if (r->keys) mem_free(r->keys[j]);
        if (r->vals) mem_free(r->vals[j]);
      }
      mem_free(r->keys);
      mem_free(r->vals);
    }
  mem_free(p->roles);
  if (p->params)
    for (i = 0; i < p->nparams; i++) mem_free(p->params[i].name);
  mem_free(p->params);
  if (p->groups)
    for (i = 0; i < p->ngroups; i++) mem_free(p->groups[i].name);
  mem_free(p->groups);
  if (p->reqs)
    for (i = 0; i < p->nreqs; i++) mem_free(p->reqs[i].name);
  mem_free(p->reqs);
  if (p->triggers)
    for (i = 0; i < p->ntriggers; i++) mem_free(p->triggers[i].name);
  mem_free(p->triggers);
  if (p->probes)
    for (i = 0; i < p->nprobes; i++) mem_free(p->probes[i].name);
  mem_free(p->probes);
  mem_free(p->verifies);
  if (p->globals)
    for (i = 0; i < p->nglobals; i++) mem_free(p->globals[i]);
  mem_free(p->globals);
  if (p->externs)
    for (i = 0; i < p->nexterns; i++) {
      if (p->externs[i].unbind) p->externs[i].unbind(&p->externs[i]);
      mem_free(p->externs[i].lib);
      mem_free(p->externs[i].name);
      mem_free(p->externs[i].module);
    }
  mem_free(p->externs);
  mem_free(p->impls);
  mem_free(p->backout_file);
  mem_free(p);
}

int prog_find_step(const Program *p, const char *name) {
  uint32_t i;
  for (i = 0; i < p->nsteps; i++)
    if (p->steps[i].name && strcmp(p->steps[i].name, name) == 0) return (int)i;
  return -1;
}

int prog_find_role(const Program *p, const char *name) {
  uint32_t i;
  for (i = 0; i < p->nroles; i++)
    if (p->roles[i].name && strcmp(p->roles[i].name, name) == 0) return (int)i;
  return -1;
}

void prog_step_hash(const Program *p, uint32_t i, char hex[65]) {
  uint32_t b = p->steps[i].pos, e = i + 1 < p->nsteps ? p->steps[i + 1].pos : p->src->len;
  uint8_t d[32];
  /* The last step ends with the runbook's text, not with what it imports. */
  if (src_parts(p->src) && e > p->src->parts[0].len && b <= p->src->parts[0].len) e = p->src->parts[0].len;
  if (e < b) e = b;
  sha256(p->src->text + b, e - b, d);
  sha256_hex(d, hex);
}
