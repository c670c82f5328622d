/*
** imports.c -- `import "lib.rbk"`: finding the imported files, reading
** them into the runbook's tree, and the bundle text they all live in.
*/
#include "imports.h"

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/buf.h"
#include "../base/mem.h"
#include "parse.h"

typedef struct Part {
  char *name;         /* as found: the importer's directory or RBK_PATH's, and the path */
  char *key;          /* its real path (disk only), to know a file met twice */
  Source *tmp;        /* disk: the file read on its own until it joins the bundle */
  Node *root, *decls; /* its tree and top-level declarations */
  const Node *via;    /* the import that first brought it in */
  size_t diag_from, diag_to;  /* the diagnostics its parse added */
  int open;           /* on the path of imports being followed */
} Part;

/* A located error found before the bundle exists: reported once every
** node has its place in the bundle. */
typedef struct Later {
  const char *code;
  const Node *at, *note_at;
  char *msg, *hint, *note;
} Later;

typedef struct Imp {
  Ast *ast;
  Diags *d;
  Part *parts;
  uint32_t nparts;
  size_t cap;
  Later *later;
  size_t nlater, lcap;
  int repl;           /* REPL input: a library's functions only */
} Imp;

static void later(Imp *I, const char *code, const Node *at, char *msg, char *hint, const Node *note_at,
                  char *note) {
  Later *l;
  if (I->nlater == I->lcap) I->later = mem_grow(I->later, &I->lcap, I->nlater + 1, sizeof *I->later);
  l = &I->later[I->nlater++];
  l->code = code;
  l->at = at;
  l->msg = msg;
  l->hint = hint;
  l->note_at = note_at;
  l->note = note;
}

static char *fmt(const char *f, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 1, 2)))
#endif
  ;
static char *fmt(const char *f, ...) {
  Buf x = BUF_INIT;
  va_list ap;
  va_start(ap, f);
  buf_vprintf(&x, f, ap);
  va_end(ap);
  return buf_take(&x);
}

/* dir_of returns the directory part of name with its slash ("" for none). */
static char *dir_of(const char *name) {
  const char *s = strrchr(name, '/');
  if (name[0] == '<' || !s) return mem_strdup("");
  return mem_strndup(name, (size_t)(s - name) + 1);
}

/* resolve finds path as imported by the file named from; returns the
** name as found (owned) or NULL, with the places tried in tried. */
static char *resolve(const char *from, const char *path, Buf *tried) {
  char *dir, *cand;
  const char *rp = getenv("RBK_PATH");
  if (path[0] == '/') {
    buf_puts(tried, path);
    return access(path, F_OK) == 0 ? mem_strdup(path) : NULL;
  }
  dir = dir_of(from);
  cand = fmt("%s%s", dir, path);
  mem_free(dir);
  buf_puts(tried, cand);
  if (access(cand, F_OK) == 0) return cand;
  mem_free(cand);
  while (rp && *rp) {
    const char *e = strchr(rp, ':');
    size_t n = e ? (size_t)(e - rp) : strlen(rp);
    if (n) {
      Buf c = BUF_INIT;
      buf_add(&c, rp, n);
      if (rp[n - 1] != '/') buf_putc(&c, '/');
      buf_puts(&c, path);
      buf_puts(tried, ", ");
      buf_puts(tried, buf_cstr(&c));
      if (access(buf_cstr(&c), F_OK) == 0) return buf_take(&c);
      buf_free(&c);
    }
    rp = e ? e + 1 : NULL;
  }
  return NULL;
}

static uint32_t new_part(Imp *I) {
  if (I->nparts == I->cap) I->parts = mem_grow(I->parts, &I->cap, I->nparts + 1, sizeof *I->parts);
  memset(&I->parts[I->nparts], 0, sizeof I->parts[I->nparts]);
  return I->nparts++;
}

/* parse_part parses src into a part's declarations, leaving the tree's
** own source and root as they were. */
static int parse_part(Imp *I, Part *pt, Source *src) {
  Source *keep = I->ast->src;
  Node *root = I->ast->root;
  int rc;
  pt->diag_from = I->d->n;
  I->ast->src = src;
  rc = parse_source(I->ast, I->d, PARSE_FILE, NULL);
  pt->root = rc == 0 ? I->ast->root : NULL;
  pt->decls = pt->root ? pt->root->a : NULL;
  I->ast->src = keep;
  I->ast->root = root;
  pt->diag_to = I->d->n;
  return rc;
}

/* each_import calls back for every import of a part: at its top and at
** the top of a runbook block. */
static void follow(Imp *I, uint32_t k);

static void follow_one(Imp *I, uint32_t k, const Node *n) {
  Buf tried = BUF_INIT;
  char *found, *key;
  char why[512];
  uint32_t i, t;
  const char *path;
  if (!n->a || n->a->kind != N_STR) {
    later(I, "bad-import", n->a ? n->a : n, mem_strdup("the path of an import is a constant string"),
          mem_strdup("write: import \"lib/checks.rbk\""), NULL, NULL);
    return;
  }
  path = n->a->str;
  if (!*path || memchr(path, '\n', n->a->len) || strlen(path) != n->a->len) {
    later(I, "bad-import", n->a, mem_strdup("an import names a file: no empty path, newline or NUL"), NULL, NULL,
          NULL);
    return;
  }
  found = resolve(I->parts[k].name, path, &tried);
  if (!found) {
    later(I, "missing-import", n->a, fmt("cannot find the imported file '%s'", path),
          fmt("looked for: %s%s", buf_cstr(&tried),
              getenv("RBK_PATH") && *getenv("RBK_PATH") ? "" : " (RBK_PATH is not set)"),
          NULL, NULL);
    buf_free(&tried);
    return;
  }
  buf_free(&tried);
  key = realpath(found, NULL);
  if (!key) key = mem_strdup(found);
  else {
    char *k2 = mem_strdup(key);
    free(key);
    key = k2;
  }
  for (i = 0; i < I->nparts; i++) {
    if (!I->parts[i].key || strcmp(I->parts[i].key, key) != 0) continue;
    if (I->parts[i].open) {
      /* The note shows where the loop began: the import that left the file now met again. */
      const Node *first = NULL;
      Buf chain = BUF_INIT;
      uint32_t j;
      buf_puts(&chain, I->parts[i].name);
      for (j = i + 1; j < I->nparts; j++)
        if (I->parts[j].open) {
          if (!first) first = I->parts[j].via->a ? I->parts[j].via->a : I->parts[j].via;
          buf_printf(&chain, " -> %s", I->parts[j].name);
        }
      buf_printf(&chain, " -> %s", I->parts[i].name);
      later(I, "import-cycle", n->a, fmt("import cycle: %s", buf_cstr(&chain)),
            mem_strdup("a file cannot import, directly or not, a file that imports it; move what both "
                       "need into a third file"),
            first, first ? mem_strdup("the cycle begins with this import") : NULL);
      buf_free(&chain);
    }
    mem_free(found);
    mem_free(key);
    return;
  }
  if (I->nparts >= IMPORTS_MAX) {
    later(I, "bad-import", n->a, fmt("too many imported files (more than %d)", IMPORTS_MAX), NULL, NULL, NULL);
    mem_free(found);
    mem_free(key);
    return;
  }
  t = new_part(I);
  I->parts[t].name = found;
  I->parts[t].key = key;
  I->parts[t].via = n;
  I->parts[t].tmp = mem_calloc(sizeof(Source));
  if (src_load(I->parts[t].tmp, found, why, sizeof why) != 0) {
    later(I, "missing-import", n->a, fmt("cannot read the imported file '%s': %s", found, why), NULL, NULL,
          NULL);
    mem_free(I->parts[t].tmp);
    I->parts[t].tmp = NULL;
    mem_free(found);
    mem_free(key);
    I->nparts--;
    return;
  }
  parse_part(I, &I->parts[t], I->parts[t].tmp);
  follow(I, t);
}

static void follow(Imp *I, uint32_t k) {
  const Node *n, *m;
  I->parts[k].open = 1;
  for (n = I->parts[k].decls; n; n = n->next) {
    if (n->kind == N_IMPORT) follow_one(I, k, n);
    else if (n->kind == N_RUNBOOK)
      for (m = n->b; m; m = m->next)
        if (m->kind == N_IMPORT) follow_one(I, k, m);
  }
  I->parts[k].open = 0;
}

/* shift moves every span of a tree (a list, through next) by off. */
static void shift(Node *n, uint32_t off) {
  for (; n; n = n->next) {
    n->span.pos += off;
    n->span.end += off;
    if (ast_is_leaf(n->kind)) continue;
    shift(n->a, off);
    shift(ast_b(n), off);
    shift(ast_c(n), off);
    shift(ast_d(n), off);
  }
}

/* adopt points the diagnostics [from, to) about from_src at the bundle. */
static void adopt(Imp *I, size_t from, size_t to, const Source *from_src, uint32_t off) {
  size_t i;
  for (i = from; i < to && i < I->d->n; i++) {
    Diag *dg = &I->d->v[i];
    if (dg->src != from_src) continue;
    dg->src = I->ast->src;
    dg->pos += off;
    dg->end += off;
    dg->file = src_name_at(I->ast->src, dg->pos);
  }
}

/* bundle_add appends one imported file to a bundle's text (base/source.h). */
static void bundle_add(Buf *b, const char *name, const char *text, uint32_t len) {
  buf_printf(b, "\n" SRC_PART_MARK " %lu %s\n", (unsigned long)len, name);
  buf_add(b, text, len);
}

/* bundle makes the runbook's source the bundle of every part read from
** disk, and moves the imported parts' trees and messages into it. */
static void bundle(Imp *I) {
  Source *s = I->ast->src;
  Buf b = BUF_INIT;
  uint32_t k, len;
  buf_add(&b, s->text, s->len);
  for (k = 1; k < I->nparts; k++) bundle_add(&b, I->parts[k].name, I->parts[k].tmp->text, I->parts[k].tmp->len);
  len = (uint32_t)b.n;
  buf_putc(&b, '\0');
  buf_putc(&b, '\0');
  src_set_text(s, buf_take(&b), len);
  if (src_parts(s) != I->nparts) {
    /* Only a runbook whose own text holds a part mark gets here. */
    size_t i;
    for (i = 0; i < I->d->n; i++)
      for (k = 1; k < I->nparts; k++)
        if (I->d->v[i].src == I->parts[k].tmp) {
          I->d->v[i].src = NULL;
          I->d->v[i].file = s->name;
        }
    diag_file(I->d, SEV_ERROR, "bad-import", s->name, "the runbook's text holds the mark of a bundle (a line "
              "starting with the byte 0x1e): it cannot import");
    return;
  }
  for (k = 1; k < I->nparts; k++) {
    uint32_t off = s->parts[k].start;
    shift(I->parts[k].decls, off);
    adopt(I, I->parts[k].diag_from, I->parts[k].diag_to, I->parts[k].tmp, off);
  }
}

/* from_bundle parses each part of a bundle in place. */
static int from_bundle(Imp *I) {
  Source *s = I->ast->src;
  uint32_t k, n = src_parts(s);
  int rc = 0;
  for (k = 0; k < n; k++) {
    Source v;
    char save[2];
    uint32_t e = s->parts[k].start + s->parts[k].len;
    uint32_t t = new_part(I);
    memset(&v, 0, sizeof v);
    v.name = s->parts[k].name;
    v.text = s->text + s->parts[k].start;
    v.len = s->parts[k].len;
    v.parts_known = 1;
    I->parts[t].name = mem_strdup(s->parts[k].name);
    /* flex reads its buffer up to two NULs: lend it the next two bytes. */
    memcpy(save, s->text + e, 2);
    s->text[e] = s->text[e + 1] = '\0';
    if (parse_part(I, &I->parts[t], &v) != 0) rc = -1;
    memcpy(s->text + e, save, 2);
    mem_free(v.lines);
    shift(I->parts[t].decls, s->parts[k].start);
    adopt(I, I->parts[t].diag_from, I->parts[t].diag_to, &v, s->parts[k].start);
    if (k == 0) I->ast->root = I->parts[t].root;   /* the runbook's own tree is the tree */
  }
  return rc;
}

static const char *what(const Node *n) {
  return n->kind == N_BACKOUT ? "on critical" : ast_kind_name(n->kind);
}

/* splice checks what each imported file holds and puts it where the
** runbook's own declarations of that kind are. */
static void splice(Imp *I) {
  Node *root = I->ast->root, *rb = NULL, *n, *next;
  Node *tops = NULL, **tt = &tops, *inner = NULL, **it = &inner;
  uint32_t k;
  if (!root) return;
  for (n = root->a; n; n = n->next)
    if (n->kind == N_RUNBOOK) {
      rb = n;
      break;
    }
  for (k = 1; k < I->nparts; k++) {
    for (n = I->parts[k].decls; n; n = next) {
      Diag *dg;
      next = n->next;
      n->next = NULL;
      switch (n->kind) {
        case N_FN: case N_EXTERN: *tt = n; tt = &n->next; break;
        case N_ROLE: case N_PROBE: case N_NOTIFIER:
          if (I->repl && (n->kind != N_NOTIFIER || n->b)) {
            dg = diag_add(I->d, SEV_ERROR, "unsupported", I->ast->src, n->span.pos, n->span.end,
                          "a library's %s cannot be added at the REPL", what(n));
            diag_hint(dg, "import the library in the runbook, and load that");
            break;
          }
          if (n->kind != N_NOTIFIER || n->b) {
            *it = n;
            it = &n->next;
            break;
          }
          dg = diag_add(I->d, SEV_ERROR, "library", I->ast->src, n->span.pos, n->span.end,
                        "an imported file may hold named notifiers only");
          diag_hint(dg, "name it (notifier NAME webhook \"...\"), or declare the default notifier in the runbook");
          break;
        case N_IMPORT: break;
        case N_RUNBOOK:
          dg = diag_add(I->d, SEV_ERROR, "library", I->ast->src, n->span.pos, n->span.pos + 7,
                        "an imported file cannot hold a runbook");
          diag_hint(dg, "a library holds fn, extern, role, probe and named notifier declarations at its top; "
                        "run this file on its own, or move them out of its runbook block");
          break;
        default:
          dg = diag_add(I->d, SEV_ERROR, "library", I->ast->src, n->span.pos, n->span.end,
                        "'%s' cannot be in an imported file", what(n));
          diag_hint(dg, "a library holds fn, extern, role, probe and named notifier declarations; "
                        "steps, params, secrets, hosts and triggers belong to the runbook");
      }
    }
  }
  /* Imported declarations come first, so a clash is reported at the
  ** runbook's own (or the later library's) declaration. */
  if (inner) {
    if (rb) {
      *it = rb->b;
      rb->b = inner;
    } else {
      *it = root->a;
      root->a = inner;
    }
  }
  if (tops) {
    *tt = root->a;
    root->a = tops;
  }
}

static int parse_as(Ast *ast, Diags *d, ParseMode mode, ParseResult *res) {
  Imp I;
  int errors = d->errors, rc = 0;
  uint32_t k;
  size_t i;
  memset(&I, 0, sizeof I);
  I.ast = ast;
  I.d = d;
  I.repl = mode == PARSE_STMTS;
  if (mode == PARSE_FILE && src_parts(ast->src)) {
    rc = from_bundle(&I);
  } else {
    Part *m;
    if (parse_source(ast, d, mode, res) != 0) return -1;
    k = new_part(&I);
    m = &I.parts[k];
    m->name = mem_strdup(ast->src->name);
    if (ast->src->name[0] != '<') {
      char *rp = realpath(ast->src->name, NULL);
      m->key = mem_strdup(rp ? rp : ast->src->name);
      free(rp);
    }
    m->decls = ast->root->a;
    follow(&I, 0);
    if (I.nparts > 1) bundle(&I);
  }
  for (i = 0; i < I.nlater; i++) {
    Later *l = &I.later[i];
    Diag *dg = diag_add(d, SEV_ERROR, l->code, ast->src, l->at->span.pos, l->at->span.end, "%s", l->msg);
    if (l->hint) diag_hint(dg, "%s", l->hint);
    if (dg && l->note_at)
      diag_add(d, SEV_NOTE, l->code, ast->src, l->note_at->span.pos, l->note_at->span.end, "%s", l->note);
    mem_free(l->msg);
    mem_free(l->hint);
    mem_free(l->note);
  }
  mem_free(I.later);
  if (ast->root) splice(&I);
  for (k = 0; k < I.nparts; k++) {
    mem_free(I.parts[k].name);
    mem_free(I.parts[k].key);
    if (I.parts[k].tmp) {
      src_free(I.parts[k].tmp);
      mem_free(I.parts[k].tmp);
    }
  }
  mem_free(I.parts);
  if (rc != 0 || d->errors > errors) return -1;
  return 0;
}

int imports_parse(Ast *ast, Diags *d) { return parse_as(ast, d, PARSE_FILE, NULL); }

int imports_parse_stmts(Ast *ast, Diags *d, ParseResult *res) { return parse_as(ast, d, PARSE_STMTS, res); }
