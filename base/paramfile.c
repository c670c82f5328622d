/*
** paramfile.c -- `--param-file FILE` (paramfile.h): a YAML mapping read
** with libyaml's document loader.
*/
#include "paramfile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "buf.h"
#include "json.h"
#include "mem.h"

static int fail_at(char *err, size_t n, const char *path, const yaml_node_t *node, const char *msg) {
  snprintf(err, n, "%s:%d:%d: error: %s", path, (int)node->start_mark.line + 1, (int)node->start_mark.column + 1, msg);
  return -1;
}

static int is_plain(const yaml_node_t *n) { return n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE; }

static const char *scalar(const yaml_node_t *n) { return (const char *)n->data.scalar.value; }

/* is_null: a plain ~, null or nothing (YAML's null). */
static int is_null(const yaml_node_t *n) {
  const char *s = scalar(n);
  return is_plain(n) && (!*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
                         strcmp(s, "NULL") == 0);
}

/* boolean: 1 or 0 for a plain YAML boolean (the core schema's), else -1. */
static int boolean(const yaml_node_t *n) {
  const char *s = scalar(n);
  if (!is_plain(n)) return -1;
  if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 || strcmp(s, "TRUE") == 0) return 1;
  if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 || strcmp(s, "FALSE") == 0) return 0;
  return -1;
}

/* item appends a sequence item as JSON: a plain number or boolean as
** itself, anything else as a string. */
static int item(Buf *b, const yaml_node_t *n, const char *path, char *err, size_t errlen) {
  const char *s;
  if (n->type != YAML_SCALAR_NODE) return fail_at(err, errlen, path, n, "a list item must be a string, number or boolean");
  s = scalar(n);
  if (boolean(n) >= 0) {
    buf_puts(b, boolean(n) ? "true" : "false");
  } else if (is_plain(n) && *s) {
    char e[64];
    Json *j = json_parse(s, strlen(s), e, sizeof e);
    if (j && json_kind(j) == JSON_NUM) buf_puts(b, s);
    else json_put_str(b, s, strlen(s));
    json_free(j);
  } else {
    json_put_str(b, s, strlen(s));
  }
  return 0;
}

static int entries(ParamFile *pf, yaml_document_t *doc, char *err, size_t errlen) {
  yaml_node_t *root = yaml_document_get_root_node(doc);
  yaml_node_pair_t *pair;
  size_t cap = 0;
  if (!root) {
    snprintf(err, errlen, "%s: error: empty: give a mapping of param names to values (name: value)", pf->path);
    return -1;
  }
  if (root->type != YAML_MAPPING_NODE)
    return fail_at(err, errlen, pf->path, root, "not a mapping: give param names and values (name: value)");
  for (pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
    yaml_node_t *k = yaml_document_get_node(doc, pair->key), *v = yaml_document_get_node(doc, pair->value);
    Buf t = BUF_INIT;
    ParamEntry *e;
    size_t i;
    if (!k || k->type != YAML_SCALAR_NODE) return fail_at(err, errlen, pf->path, k ? k : root, "a param name must be a plain name");
    for (i = 0; i < pf->n; i++)
      if (strcmp(pf->v[i].key, scalar(k)) == 0) {
        char m[300];
        snprintf(m, sizeof m, "param '%s' is given twice (first on line %d)", scalar(k), pf->v[i].line);
        return fail_at(err, errlen, pf->path, k, m);
      }
    if (!v) return fail_at(err, errlen, pf->path, k, "no value");
    if (v->type == YAML_MAPPING_NODE) {
      char m[300];
      snprintf(m, sizeof m, "param '%s': a mapping is no param value (give a string, number, boolean or list)", scalar(k));
      return fail_at(err, errlen, pf->path, v, m);
    }
    if (v->type == YAML_SEQUENCE_NODE) {
      yaml_node_item_t *it;
      buf_putc(&t, '[');
      for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
        if (it != v->data.sequence.items.start) buf_putc(&t, ',');
        if (item(&t, yaml_document_get_node(doc, *it), pf->path, err, errlen) != 0) {
          buf_free(&t);
          return -1;
        }
      }
      buf_putc(&t, ']');
    } else if (is_null(v)) {
      char m[300];
      snprintf(m, sizeof m, "param '%s' has no value", scalar(k));
      return fail_at(err, errlen, pf->path, v->start_mark.line == k->start_mark.line ? k : v, m);
    } else if (boolean(v) >= 0) {
      buf_puts(&t, boolean(v) ? "true" : "false");
    } else {
      buf_add(&t, scalar(v), v->data.scalar.length);
    }
    if (pf->n == cap) {
      cap = cap ? cap * 2 : 8;
      pf->v = mem_realloc(pf->v, cap * sizeof *pf->v);
    }
    e = &pf->v[pf->n++];
    e->key = mem_strdup(scalar(k));
    e->val = buf_take(&t);
    e->line = (int)k->start_mark.line + 1;
    e->col = (int)k->start_mark.column + 1;
  }
  return 0;
}

int paramfile_load(ParamFile *pf, const char *path, char *err, size_t errlen) {
  FILE *f;
  yaml_parser_t parser;
  yaml_document_t doc;
  int rc;
  memset(pf, 0, sizeof *pf);
  pf->path = mem_strdup(path);
  if ((f = fopen(path, "rb")) == NULL) {
    snprintf(err, errlen, "%s: error: cannot read: %s", path, strerror(errno));
    return -1;
  }
  yaml_parser_initialize(&parser);
  yaml_parser_set_input_file(&parser, f);
  if (!yaml_parser_load(&parser, &doc)) {
    snprintf(err, errlen, "%s:%d:%d: error: not YAML: %s%s%s", path, (int)parser.problem_mark.line + 1,
             (int)parser.problem_mark.column + 1, parser.problem ? parser.problem : "cannot parse",
             parser.context ? " " : "", parser.context ? parser.context : "");
    yaml_parser_delete(&parser);
    fclose(f);
    return -1;
  }
  rc = entries(pf, &doc, err, errlen);
  yaml_document_delete(&doc);
  yaml_parser_delete(&parser);
  fclose(f);
  return rc;
}

void paramfile_free(ParamFile *pf) {
  size_t i;
  for (i = 0; i < pf->n; i++) {
    mem_free(pf->v[i].key);
    mem_free(pf->v[i].val);
  }
  mem_free(pf->v);
  mem_free(pf->path);
  memset(pf, 0, sizeof *pf);
}
