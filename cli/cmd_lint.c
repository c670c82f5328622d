/*
** cmd_lint.c -- `rbk lint FILE...`: the CAB-readiness rules of
** review/lint.c, printed as diagnostics (text), JSON or SARIF 2.1.0.
*/
#include <stdio.h>
#include <string.h>

#include "../grammar/ast.h"
#include "../compiler/check.h"
#include "../review/lint.h"
#include "../review/lint_sarif.h"
#include "../grammar/imports.h"
#include "../grammar/parse.h"
#include "../base/buf.h"
#include "../base/diag.h"
#include "../base/json.h"
#include "../base/mem.h"
#include "args.h"
#include "cli.h"

const char usage_lint[] =
  "Usage: rbk lint [OPTIONS] FILE...\n"
  "       rbk lint --rules [--format text|json]\n"
  "\n"
  "Check that runbooks are ready for a change advisory board: every step has\n"
  "an owner; every step that changes something has a verify, a timeout and\n"
  "an undo (or says why it is irreversible); destructive commands wait for\n"
  "an 'approve by'; roles can be reached; triggers and backup checks exist;\n"
  "the planned durations fit the window; no secret is written as a literal;\n"
  "and more. Each rule has a stable id and a severity; docs/lint.md explains\n"
  "every rule and how to fix what it finds. The diagnostics of 'rbk check'\n"
  "are reported too, under their own codes.\n"
  "\n"
  "A finding is suppressed by a comment on the line above it:\n"
  "  # rbk:ignore RULE-ID reason why it does not apply\n"
  "The reason is required; an ignore without one, or naming no known rule,\n"
  "is itself a finding (bad-ignore), and one that suppresses nothing is\n"
  "reported as unused-ignore. Errors found by 'rbk check' cannot be\n"
  "suppressed.\n"
  "\n"
  "Options:\n"
  "  --format text|json|sarif\n"
  "                 text (default): FILE:LINE:COL: SEVERITY: MESSAGE [RULE-ID],\n"
  "                 the source line, a caret, a hint, then a summary line;\n"
  "                 json: an object (docs/json.md) with format_version,\n"
  "                 files, errors, warnings, suppressed and findings (file,\n"
  "                 line, column, end_line, end_column, severity, rule,\n"
  "                 message, hint, suppressed);\n"
  "                 sarif: SARIF 2.1.0 for code-scanning tools, suppressed\n"
  "                 findings included with their reason\n"
  "  --strict       treat warnings as errors\n"
  "  --rules        list the rules (id, severity, what it finds) and exit\n"
  "  -q, --quiet    print nothing; only the exit status tells\n"
  "  -h, --help     show this text\n"
  "\n"
  "FILE may be - to read standard input. Options may come before or after\n"
  "the files; -- ends the options. Output goes to standard output.\n"
  "\n"
  "Exit status:\n"
  "  0  no finding at error level (warnings may have been printed)\n"
  "  1  at least one error (with --strict: any finding), or a file that\n"
  "     cannot be parsed\n"
  "  2  usage error, or a FILE that is missing or cannot be read (the\n"
  "     other files are still linted)\n";

enum { F_TEXT, F_JSON, F_SARIF };
static const char *const formats[] = {"text", "json", "sarif", NULL};

static const char *sev_word(Severity s) {
  return s == SEV_ERROR ? "error" : s == SEV_WARNING ? "warning" : "note";
}

static void put_str(Buf *b, const char *s) {
  if (s) buf_json_str(b, s, strlen(s));
  else buf_puts(b, "null");
}

static void linecol(const LintFinding *f, int *line, int *col, int *eline, int *ecol) {
  *line = *col = *eline = *ecol = 0;
  if (!f->src) return;
  src_linecol(f->src, f->pos, line, col);
  src_linecol(f->src, f->end, eline, ecol);
}

static size_t suppressed_count(const Lint *l) {
  size_t i, n = 0;
  for (i = 0; i < l->n; i++)
    if (l->v[i].suppressed) n++;
  return n;
}

static void print_text(const Lint *l, int nfiles) {
  int color = diag_use_color(stdout);
  size_t i, sup = suppressed_count(l);
  Buf m = BUF_INIT;
  for (i = 0; i < l->n; i++) {
    const LintFinding *f = &l->v[i];
    Diag dg;
    if (f->suppressed) continue;
    buf_reset(&m);
    buf_printf(&m, "%s [%s]", f->msg, f->rule);
    memset(&dg, 0, sizeof dg);
    dg.sev = f->sev;
    dg.code = f->rule;
    dg.src = f->src;
    dg.file = f->file;
    dg.pos = f->pos;
    dg.end = f->end;
    dg.msg = m.p;
    dg.hint = f->hint;
    diag_render_one(&dg, stdout, color);
  }
  buf_free(&m);
  printf("rbk lint: %d error%s, %d warning%s", l->errors, l->errors == 1 ? "" : "s", l->warnings,
         l->warnings == 1 ? "" : "s");
  if (sup) printf(", %zu suppressed", sup);
  printf(" in %d file%s\n", nfiles, nfiles == 1 ? "" : "s");
}

static void print_json(const Lint *l, int nfiles) {
  Buf b = BUF_INIT;
  size_t i;
  buf_printf(&b, "{\"format_version\": %d, \"files\": %d, \"errors\": %d, \"warnings\": %d, \"suppressed\": %zu, \"findings\": [", JSON_FORMAT_VERSION, nfiles,
             l->errors, l->warnings, suppressed_count(l));
  for (i = 0; i < l->n; i++) {
    const LintFinding *f = &l->v[i];
    int line, col, eline, ecol;
    linecol(f, &line, &col, &eline, &ecol);
    buf_puts(&b, i ? ",\n  {" : "\n  {");
    buf_puts(&b, "\"file\": ");
    put_str(&b, f->file ? f->file : "");
    buf_printf(&b, ", \"line\": %d, \"column\": %d, \"end_line\": %d, \"end_column\": %d, \"severity\": \"%s\"",
               line, col, eline, ecol, sev_word(f->sev));
    buf_puts(&b, ", \"rule\": ");
    put_str(&b, f->rule);
    buf_puts(&b, ", \"message\": ");
    put_str(&b, f->msg);
    buf_puts(&b, ", \"hint\": ");
    put_str(&b, f->hint);
    buf_puts(&b, ", \"suppressed\": ");
    put_str(&b, f->suppressed);
    buf_putc(&b, '}');
  }
  buf_puts(&b, l->n ? "\n]}\n" : "]}\n");
  fputs(buf_cstr(&b), stdout);
  buf_free(&b);
}

static void print_sarif(const Lint *l) {
  Buf b = BUF_INIT;
  lint_sarif(l, &b);
  fputs(buf_cstr(&b), stdout);
  buf_free(&b);
}

static int list_rules(int fmt) {
  const LintRule *r;
  Buf b = BUF_INIT;
  if (fmt == F_JSON) {
    buf_printf(&b, "{\"format_version\": %d, \"rules\": [", JSON_FORMAT_VERSION);
    for (r = lint_rules(); r->id; r++) {
      buf_puts(&b, r == lint_rules() ? "\n  {\"rule\": " : ",\n  {\"rule\": ");
      put_str(&b, r->id);
      buf_printf(&b, ", \"severity\": \"%s\", \"from_check\": %s, \"title\": ", sev_word(r->sev),
                 r->from_check ? "true" : "false");
      put_str(&b, r->title);
      buf_puts(&b, ", \"rationale\": ");
      put_str(&b, r->rationale);
      buf_puts(&b, ", \"fix\": ");
      put_str(&b, r->fix);
      buf_putc(&b, '}');
    }
    buf_puts(&b, "\n]}\n");
  } else if (fmt == F_TEXT) {
    for (r = lint_rules(); r->id; r++)
      buf_printf(&b, "%-24s %-8s %s%s\n", r->id, sev_word(r->sev), r->title, r->from_check ? " (rbk check)" : "");
  } else {
    return cli_usage_error("lint", "--rules prints text or json");
  }
  fputs(buf_cstr(&b), stdout);
  buf_free(&b);
  return EXIT_OK;
}

/* The options of lint (its usage above says them in full). */
enum { O_FORMAT = 1, O_STRICT, O_RULES, O_QUIET };
static const CliOpt lint_opts[] = {
  {"format", 0, O_FORMAT, "text|json|sarif", "what to write"},
  {"strict", 0, O_STRICT, NULL, "warnings fail too"},
  {"rules", 0, O_RULES, NULL, "list the rules"},
  {"quiet", 'q', O_QUIET, NULL, "print nothing; only the exit status tells"},
  {NULL, 0, 0, NULL, NULL},
};

int cmd_lint(int argc, char **argv) {
  int i, c, fmt = F_TEXT, strict = 0, quiet = 0, rules = 0, nargs = 0, failed = 0, unreadable = 0;
  CliParser P;
  char **files = mem_calloc((size_t)argc * sizeof *files);
  Source *srcs;
  Lint l;
  cli_parse_init(&P, "lint", usage_lint, lint_opts, argc, argv);
  while ((c = cli_next(&P)) > 0 || c == CLI_ARG) {
    if (c == CLI_ARG) files[nargs++] = (char *)P.value;
    else if (c == O_FORMAT && cli_format_value("lint", P.value, formats, &fmt) != 0) break;
    else if (c == O_STRICT) strict = 1;
    else if (c == O_RULES) rules = 1;
    else if (c == O_QUIET) quiet = 1;
  }
  cli_parse_free(&P);
  if (c != CLI_END) {
    mem_free(files);
    return c == CLI_HELP ? EXIT_OK : EXIT_USAGE;
  }
  if (rules) {
    mem_free(files);
    if (nargs) return cli_usage_error("lint", "--rules takes no FILE");
    return list_rules(fmt);
  }
  if (nargs == 0) {
    mem_free(files);
    return cli_usage_error("lint", "no FILE given");
  }
  srcs = mem_calloc((size_t)nargs * sizeof *srcs);
  lint_init(&l, strict);
  for (i = 0; i < nargs; i++) {
    Source *src = &srcs[i];
    char why[256];
    Diags d;
    Ast ast;
    diag_init(&d);
    if (src_load_mapped(src, files[i], why, sizeof why) != 0) {
      diag_file(&d, SEV_ERROR, "file", files[i], "%s", why);
      lint_file(&l, NULL, NULL, &d, 0);
      diag_free(&d);
      if (cli_input_unreadable(files[i])) unreadable = 1;   /* exit 2, as for every command */
      else failed = 1;   /* a binary file, bad text: this file fails the lint */
      continue;
    }
    ast_init(&ast, src);
    if (imports_parse(&ast, &d) == 0) {
      check_file(&ast, &d);
      lint_file(&l, src, &ast, &d, 0);
    } else {
      failed = 1;
      lint_file(&l, src, NULL, &d, 0);
    }
    ast_free(&ast);
    diag_free(&d);
  }
  if (!quiet) {
    if (fmt == F_JSON) print_json(&l, nargs);
    else if (fmt == F_SARIF) print_sarif(&l);
    else print_text(&l, nargs);
  }
  if (l.errors) failed = 1;
  lint_free(&l);
  for (i = 0; i < nargs; i++) src_free(&srcs[i]);
  mem_free(srcs);
  mem_free(files);
  return unreadable ? EXIT_USAGE : failed ? EXIT_FAILED : EXIT_OK;
}
