/*
** cmd_check.c -- `rbk check FILE...`: parse and check, print diagnostics.
*/
#include <stdio.h>
#include <string.h>

#include "../compiler/ast.h"
#include "../compiler/check.h"
#include "../compiler/parse.h"
#include "../vm/diag.h"
#include "cli.h"

const char usage_check[] =
  "Usage: rbk check [OPTIONS] FILE...\n"
  "\n"
  "Parse and check runbooks without running anything: syntax, names of\n"
  "steps, roles, variables and functions, argument counts, where each\n"
  "clause may appear, durations against numbers, and unreachable code.\n"
  "Every problem is reported as FILE:LINE:COL: error: MESSAGE with the\n"
  "source line, a caret under the spot, and a hint where one helps.\n"
  "\n"
  "Options:\n"
  "  --format text|json  text (default) or a JSON array of diagnostics with\n"
  "                      file, line, column, end_line, end_column,\n"
  "                      severity, code, message and hint\n"
  "  -q, --quiet         print nothing; only the exit status tells\n"
  "  --dump-ast          print the syntax tree of each file (for debugging)\n"
  "  -h, --help          show this text\n"
  "\n"
  "FILE may be - to read standard input.\n"
  "\n"
  "Exit status:\n"
  "  0  no errors (warnings may have been printed)\n"
  "  1  at least one error\n"
  "  2  usage error\n";

int cmd_check(int argc, char **argv) {
  int i, json = 0, quiet = 0, dump = 0, nfiles = 0, failed = 0;
  Diags d;
  Source *srcs;
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
      i++;
      if (strcmp(argv[i], "json") == 0) json = 1;
      else if (strcmp(argv[i], "text") == 0) json = 0;
      else return cli_usage_error("check", "unknown format '%s' (text or json)", argv[i]);
    } else if (strncmp(argv[i], "--format=", 9) == 0) {
      if (strcmp(argv[i] + 9, "json") == 0) json = 1;
      else if (strcmp(argv[i] + 9, "text") == 0) json = 0;
      else return cli_usage_error("check", "unknown format '%s' (text or json)", argv[i] + 9);
    } else if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0) {
      quiet = 1;
    } else if (strcmp(argv[i], "--dump-ast") == 0) {
      dump = 1;
    } else if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
      return cli_usage_error("check", "unknown option '%s'", argv[i]);
    } else {
      break;
    }
  }
  if (i >= argc) return cli_usage_error("check", "no FILE given");
  srcs = mem_calloc((size_t)(argc - i) * sizeof *srcs);
  diag_init(&d);
  for (; i < argc; i++) {
    Source *src = &srcs[nfiles++];
    char why[256];
    Ast ast;
    if (src_load(src, argv[i], why, sizeof why) != 0) {
      diag_file(&d, SEV_ERROR, "file", argv[i], "%s", why);
      failed = 1;
      continue;
    }
    ast_init(&ast, src);
    if (parse_source(&ast, &d, PARSE_FILE, NULL) == 0) {
      if (dump) ast_dump(&ast, ast.root, 0, stdout);
      if (check_program(&ast, &d) > 0) failed = 1;
    } else {
      failed = 1;
    }
    ast_free(&ast);
  }
  if (!quiet) {
    if (json) diag_print_json(&d, stdout);
    else diag_print_text(&d, stderr, diag_use_color(stderr));
  }
  diag_free(&d);
  for (i = 0; i < nfiles; i++) src_free(&srcs[i]);
  mem_free(srcs);
  return failed ? EXIT_FAILED : EXIT_OK;
}
