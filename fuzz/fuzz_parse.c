/*
** fuzz_parse.c -- libFuzzer harness for the front end: lexer, parser,
** checker, tree dump and both diagnostic renderers, on arbitrary bytes.
**
** Each input is parsed three times, as `rbk check` (PARSE_FILE, then
** check_program when the parse succeeds), as the REPL does (PARSE_STMTS)
** and as a REPL expression (PARSE_EXPR). Every list of diagnostics is
** rendered as text (plain and coloured) and as JSON to /dev/null, so the
** renderers see every span the front end can produce. Everything is
** freed, so LeakSanitizer reports what the front end leaks.
**
** Besides the sanitizers, the harness aborts when a documented contract
** breaks: parse_source fails exactly when it reported an error and then
** leaves no tree; every diagnostic span satisfies pos <= end <= len
** (diag.h); no pass writes to the source text, which the renderer
** prints back to the user; and rbk fmt (compiler/fmt.h) formats every
** file that parses, without its internal check failing, to a text it
** leaves unchanged when formatted again.
**
** Built and run by fuzz/run.sh; a file argument replays it (libFuzzer's
** own behaviour), which is how fuzz/regressions/ are checked.
*/
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../grammar/ast.h"
#include "../compiler/check.h"
#include "../compiler/fmt.h"
#include "../grammar/parse.h"
#include "../base/diag.h"
#include "../base/source.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;
static const uint8_t *input;   /* the bytes under test, to compare src->text with */
static size_t input_len;

static const char *tolerate;   /* RBK_FUZZ_TOLERATE: contracts not to abort on */

/* broken reports a contract violation as a crash, so libFuzzer keeps the
** input, unless RBK_FUZZ_TOLERATE names the contract (a comma-separated
** list): then a known, still unfixed bug does not stop a campaign that is
** looking for others. The regression suite never sets it. */
static void broken(const char *name, const char *what, ParseMode mode) {
  static const char *const modes[] = {"PARSE_FILE", "PARSE_STMTS", "PARSE_EXPR"};
  const char *t = tolerate;
  size_t n = strlen(name);
  while (t && (t = strstr(t, name)) != NULL) {
    if ((t == tolerate || t[-1] == ',') && (t[n] == ',' || t[n] == '\0')) return;
    t += n;
  }
  fprintf(stderr, "fuzz_parse: contract %s broken in %s: %s\n", name, modes[mode], what);
  abort();
}

static void check_contracts(Source *src, const Diags *d, ParseMode mode) {
  size_t i;
  if (src->len != input_len || memcmp(src->text, input, input_len) != 0 ||
      src->text[input_len] != '\0' || src->text[input_len + 1] != '\0') {
    broken("source-modified", "the source text was modified", mode);
    memcpy(src->text, input, input_len);   /* tolerated: undo it for the next pass */
    src->text[input_len] = src->text[input_len + 1] = '\0';
  }
  for (i = 0; i < d->n; i++) {
    const Diag *dg = &d->v[i];
    if (dg->src && (dg->pos > dg->end || dg->end > dg->src->len))
      broken("span", "a diagnostic span is outside the source", mode);
    if (!dg->msg) broken("message", "a diagnostic has no message", mode);
  }
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  tolerate = getenv("RBK_FUZZ_TOLERATE");
  devnull = fopen("/dev/null", "w");
  if (!devnull) {
    perror("fuzz_parse: /dev/null");
    exit(1);
  }
  return 0;
}

static void render(const Diags *d) {
  diag_print_text(d, devnull, 0);
  diag_print_text(d, devnull, 1);
  diag_print_json(d, 1, devnull);
}

/* one parses src in mode; a file that parses is also checked and dumped. */
static void one(Source *src, ParseMode mode) {
  Ast ast;
  Diags d;
  ParseResult res = {NULL, 0};
  int rc;
  diag_init(&d);
  ast_init(&ast, src);
  rc = parse_source(&ast, &d, mode, &res);
  check_contracts(src, &d, mode);
  if (rc == 0) {
    if (d.errors) broken("parse-result", "parse succeeded but reported errors", mode);
    if (mode == PARSE_EXPR) {
      if (!res.expr) broken("parse-result", "parse succeeded without an expression", mode);
      ast_dump(&ast, res.expr, 0, devnull);
    } else {
      int before = d.errors;
      if (!ast.root) {
        broken("parse-result", "parse succeeded without a tree", mode);
      } else {
        ast_dump(&ast, ast.root, 0, devnull);
        if (mode == PARSE_FILE) {
          int counted = check_program(&ast, &d);
          if (counted != d.errors - before)
            broken("check-count", "check_program miscounted its errors", mode);
        }
      }
    }
  } else {
    if (rc != -1) broken("parse-result", "parse returned neither 0 nor -1", mode);
    if (d.errors == 0) broken("parse-result", "parse failed without reporting an error", mode);
    if (ast.root) broken("parse-result", "a failed parse left a tree", mode);
  }
  render(&d);
  check_contracts(src, &d, mode);
  ast_free(&ast);
  diag_free(&d);
}

/* formats src (which parses) twice: fmt must succeed and be idempotent. */
static void fmt_twice(Source *src) {
  Diags d;
  Buf once = BUF_INIT, twice = BUF_INIT;
  Source again;
  diag_init(&d);
  if (fmt_source(src, &d, &once) != 0) broken("fmt", "rbk fmt failed on a file that parses", PARSE_FILE);
  check_contracts(src, &d, PARSE_FILE);
  src_from_string(&again, "fmt.rbk", buf_cstr(&once), once.n);
  if (fmt_source(&again, &d, &twice) != 0) broken("fmt", "rbk fmt failed on its own output", PARSE_FILE);
  else if (twice.n != once.n || memcmp(buf_cstr(&twice), buf_cstr(&once), once.n) != 0)
    broken("fmt-idempotent", "fmt(fmt(x)) differs from fmt(x)", PARSE_FILE);
  src_free(&again);
  buf_free(&once);
  buf_free(&twice);
  diag_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Source src;
  Ast ast;
  Diags d;
  if (size > SOURCE_MAX_BYTES) return -1;
  input = data;
  input_len = size;
  src_from_string(&src, "fuzz.rbk", (const char *)data, size);
  one(&src, PARSE_FILE);
  diag_init(&d);
  ast_init(&ast, &src);
  if (parse_source(&ast, &d, PARSE_FILE, NULL) == 0) fmt_twice(&src);
  ast_free(&ast);
  diag_free(&d);
  one(&src, PARSE_STMTS);
  one(&src, PARSE_EXPR);
  src_free(&src);
  return 0;
}
