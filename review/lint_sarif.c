/*
** lint_sarif.c -- lint findings as SARIF 2.1.0, the format code-scanning
** services read (`rbk lint --format sarif`).
**
** What GitHub code scanning needs to put a finding on a line of the
** repository: each result's artifact URI relative to the repository root,
** with "uriBaseId": "%SRCROOT%", and the run's originalUriBaseIds saying
** where %SRCROOT% is; a partialFingerprints value that stays the same when
** lines are added above the finding (so an alert is not closed and opened
** again on every commit); and a helpUri per rule. The repository root is
** the nearest directory at or above the current one that holds .git, else
** the current directory. A file outside it keeps an absolute file: URI.
*/
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base/buf.h"
#include "../base/docpath.h"
#include "../base/mem.h"
#include "../base/sha256.h"
#include "../base/source.h"
#include "../base/version.h"
#include "lint.h"
#include "lint_sarif.h"


static const char *sev_word(Severity s) {
  return s == SEV_ERROR ? "error" : s == SEV_WARNING ? "warning" : "note";
}

static void put_str(Buf *b, const char *s) {
  if (s) buf_json_str(b, s, strlen(s));
  else buf_puts(b, "null");
}

/* uri_path appends path to u with the bytes outside the unreserved set
** and '/' percent-encoded. */
static void uri_path(Buf *u, const char *path) {
  const unsigned char *p;
  for (p = (const unsigned char *)path; *p; p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("-._~/", *p))
      buf_putc(u, (char)*p);
    else
      buf_printf(u, "%%%02X", *p);
  }
}

/* put_uri appends prefix and path (percent-encoded) as a JSON string. */
static void put_uri(Buf *b, const char *prefix, const char *path) {
  Buf u = BUF_INIT;
  buf_puts(&u, prefix);
  uri_path(&u, path);
  buf_json_str(b, buf_cstr(&u), u.n);
  buf_free(&u);
}

/* src_root finds the repository root (see the top of the file) into root,
** with a trailing '/'; returns 0, or -1 if the current directory is unknown. */
static int src_root(Buf *root) {
  char cwd[PATH_MAX], *end;
  struct stat st;
  if (!getcwd(cwd, sizeof cwd)) return -1;
  buf_puts(root, cwd);
  for (;;) {
    Buf g = BUF_INIT;
    int found;
    buf_printf(&g, "%s/.git", buf_cstr(root));
    found = stat(buf_cstr(&g), &st) == 0;
    buf_free(&g);
    if (found) break;
    end = strrchr(buf_cstr(root), '/');
    if (!end || end == root->p) {   /* reached / with no .git: the current directory */
      buf_reset(root);
      buf_puts(root, cwd);
      break;
    }
    root->n = (size_t)(end - root->p);
    root->p[root->n] = '\0';
  }
  if (root->n == 0 || root->p[root->n - 1] != '/') buf_putc(root, '/');
  return 0;
}

/* abs_path makes file absolute (resolving symbolic links when it exists). */
static void abs_path(const char *file, Buf *out) {
  char real[PATH_MAX], cwd[PATH_MAX];
  if (realpath(file, real)) {
    buf_puts(out, real);
  } else if (file[0] == '/' || !getcwd(cwd, sizeof cwd)) {
    buf_puts(out, file);
  } else {
    buf_printf(out, "%s/%s", cwd, file);
  }
}

/* put_location appends an artifactLocation for file: relative to %SRCROOT%
** when it lies under root, an absolute file: URI otherwise. rel gets the
** relative form (or the absolute path) for fingerprints. */
static void put_location(Buf *b, const char *file, const char *root, Buf *rel) {
  Buf a = BUF_INIT;
  size_t rn = strlen(root);
  abs_path(file, &a);
  buf_puts(b, "{\"uri\": ");
  if (rn > 0 && strncmp(buf_cstr(&a), root, rn) == 0) {
    put_uri(b, "", buf_cstr(&a) + rn);
    buf_puts(b, ", \"uriBaseId\": \"%SRCROOT%\"");
    buf_puts(rel, buf_cstr(&a) + rn);
  } else {
    put_uri(b, "file://", buf_cstr(&a));
    buf_puts(rel, buf_cstr(&a));
  }
  buf_putc(b, '}');
  buf_free(&a);
}

/* fingerprint is the SHA-256 of what identifies a finding apart from where
** the lines around it moved: the rule, the file, the text of the line it is
** on (blanks squeezed) and its message. */
static void fingerprint(const LintFinding *f, const char *rel, int line, char hex[65]) {
  Buf t = BUF_INIT;
  uint8_t d[32];
  buf_printf(&t, "%s%c%s%c", f->rule, 0, rel, 0);
  if (f->src && line > 0) {
    uint32_t start, len, i;
    int blank = 1;
    src_line_at(f->src, f->pos, &start, &len);
    for (i = 0; i < len; i++) {
      char c = f->src->text[start + i];
      if (c == ' ' || c == '\t' || c == '\r') {
        blank = 1;
        continue;
      }
      if (blank && t.n && t.p[t.n - 1] != '\0') buf_putc(&t, ' ');
      blank = 0;
      buf_putc(&t, c);
    }
  }
  buf_putc(&t, '\0');
  buf_puts(&t, f->msg ? f->msg : "");
  sha256(t.p, t.n, d);
  sha256_hex(d, hex);
  buf_free(&t);
}

/* put_help_uri appends , "helpUri": "file:///.../DOC#anchor" when the
** documentation file can be found (docpath.h); nothing otherwise. */
static void put_help_uri(Buf *b, const char *key, const char *doc, const char *anchor) {
  Buf p = BUF_INIT, u = BUF_INIT;
  if (doc_path(doc, &p) == 0) {
    buf_puts(&u, "file://");
    uri_path(&u, buf_cstr(&p));
    if (anchor) buf_printf(&u, "#%s", anchor);   /* anchors are [a-z0-9-] */
    buf_printf(b, ", \"%s\": ", key);
    buf_json_str(b, buf_cstr(&u), u.n);
  }
  buf_free(&p);
  buf_free(&u);
}

/* The SARIF rules are the lint rules, then each check code met in results. */
typedef struct SarifRules {
  const char **ids;
  size_t n, cap;
} SarifRules;

static size_t rule_index(SarifRules *r, const char *id) {
  size_t i;
  for (i = 0; i < r->n; i++)
    if (strcmp(r->ids[i], id) == 0) return i;
  if (r->n == r->cap) r->ids = mem_grow(r->ids, &r->cap, r->n + 1, sizeof *r->ids);
  r->ids[r->n] = id;
  return r->n++;
}

static void sarif_rule(Buf *b, const char *id) {
  const LintRule *r = lint_rule(id);
  buf_puts(b, "{\"id\": ");
  put_str(b, id);
  buf_puts(b, ", \"name\": ");
  put_str(b, id);
  if (r) {
    buf_puts(b, ", \"shortDescription\": {\"text\": ");
    put_str(b, r->title);
    buf_puts(b, "}, \"fullDescription\": {\"text\": ");
    put_str(b, r->rationale);
    buf_puts(b, "}, \"help\": {\"text\": ");
    put_str(b, r->fix);
    buf_putc(b, '}');
    put_help_uri(b, "helpUri", "lint.md", id);
    buf_printf(b, ", \"defaultConfiguration\": {\"level\": \"%s\"}", sev_word(r->sev));
    buf_printf(b, ", \"properties\": {\"tags\": [\"%s\"]}}", r->from_check ? "rbk-check" : "rbk-lint");
  } else {
    Buf t = BUF_INIT;
    buf_printf(&t, "rbk check diagnostic '%s'", id);
    buf_puts(b, ", \"shortDescription\": {\"text\": ");
    put_str(b, buf_cstr(&t));
    buf_puts(b, "}, \"help\": {\"text\": \"See section 12 of docs/language.md: every rbk check diagnostic.\"}");
    put_help_uri(b, "helpUri", "language.md", "12-checks-every-diagnostic");
    buf_puts(b, ", \"defaultConfiguration\": {\"level\": \"error\"}, \"properties\": {\"tags\": [\"rbk-check\"]}}");
    buf_free(&t);
  }
}

void lint_sarif(const Lint *l, Buf *b) {
  Buf res = BUF_INIT, root = BUF_INIT;
  SarifRules rs = {NULL, 0, 0};
  const LintRule *r;
  size_t i;
  if (src_root(&root) != 0) buf_puts(&root, "/");
  for (r = lint_rules(); r->id; r++) rule_index(&rs, r->id);
  for (i = 0; i < l->n; i++) {
    const LintFinding *f = &l->v[i];
    int line = 0, col = 0, eline = 0, ecol = 0;
    Buf msg = BUF_INIT, rel = BUF_INIT;
    char fp[65];
    if (f->src) {
      src_linecol(f->src, f->pos, &line, &col);
      src_linecol(f->src, f->end, &eline, &ecol);
    }
    buf_puts(&res, i ? ",\n        {" : "\n        {");
    buf_puts(&res, "\"ruleId\": ");
    put_str(&res, f->rule);
    buf_printf(&res, ", \"ruleIndex\": %zu, \"level\": \"%s\", \"message\": {\"text\": ", rule_index(&rs, f->rule),
               sev_word(f->sev));
    buf_puts(&msg, f->msg);
    if (f->hint) buf_printf(&msg, " (hint: %s)", f->hint);
    put_str(&res, buf_cstr(&msg));
    buf_free(&msg);
    buf_puts(&res, "}, \"locations\": [{\"physicalLocation\": {\"artifactLocation\": ");
    put_location(&res, f->file && *f->file ? f->file : "-", buf_cstr(&root), &rel);
    if (f->src)
      buf_printf(&res, ", \"region\": {\"startLine\": %d, \"startColumn\": %d, \"endLine\": %d, \"endColumn\": %d}",
                 line, col, eline, ecol);
    else
      buf_puts(&res, ", \"region\": {\"startLine\": 1}");
    buf_puts(&res, "}}]");
    fingerprint(f, buf_cstr(&rel), line, fp);
    buf_printf(&res, ", \"partialFingerprints\": {\"rbkFindingHash/v1\": \"%s\"}", fp);
    buf_free(&rel);
    if (f->suppressed) {
      buf_puts(&res, ", \"suppressions\": [{\"kind\": \"inSource\", \"justification\": ");
      put_str(&res, f->suppressed);
      buf_puts(&res, "}]");
    }
    buf_putc(&res, '}');
  }
  buf_puts(b, "{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n  \"version\": \"2.1.0\",\n"
              "  \"runs\": [\n    {\n      \"tool\": {\"driver\": {\"name\": \"rbk\", \"version\": \"" RBK_VERSION "\"");
  put_help_uri(b, "informationUri", "lint.md", NULL);
  buf_puts(b, ", \"rules\": [");
  for (i = 0; i < rs.n; i++) {
    buf_puts(b, i ? ",\n        " : "\n        ");
    sarif_rule(b, rs.ids[i]);
  }
  buf_puts(b, "\n      ]}},\n      \"originalUriBaseIds\": {\"%SRCROOT%\": {\"uri\": ");
  put_uri(b, "file://", buf_cstr(&root));
  buf_puts(b, "}},\n      \"columnKind\": \"unicodeCodePoints\",\n      \"results\": [");
  buf_add(b, res.p ? res.p : "", res.n);
  buf_puts(b, l->n ? "\n      ]\n    }\n  ]\n}\n" : "]\n    }\n  ]\n}\n");
  buf_free(&res);
  buf_free(&root);
  mem_free(rs.ids);
}
