/*
** cmd_check.c -- `rbk check FILE...`: parse and check, print diagnostics.
** Called through the command table (cli/commands.c).
*/
#include <stdio.h>
#include <string.h>

#include "../grammar/ast.h"
#include "../compiler/check.h"
#include "../compiler/codegen.h"
#include "../grammar/imports.h"
#include "../grammar/parse.h"
#include "../base/diag.h"
#include "args.h"
#include "cli.h"

/* base/ names the exit of a mapped runbook cut short under rbk by number. */
_Static_assert(SRC_SHRUNK_EXIT == EXIT_USAGE, "SRC_SHRUNK_EXIT must be EXIT_USAGE");

const char usage_check[] =
  "Usage: rbk check [OPTIONS] FILE...\n"
  "\n"
  "Parse and check runbooks without running anything: syntax, names of\n"
  "steps, roles, variables and functions, argument counts, where each\n"
  "clause may appear, durations against numbers, and unreachable code.\n"
  "It also compiles them, so what the bytecode cannot hold (too many\n"
  "registers or constants in one function) is refused here as by run.\n"
  "Every problem is reported as FILE:LINE:COL: error: MESSAGE with the\n"
  "source line, a caret under the spot, and a hint where one helps.\n"
  "\n"
  "Options:\n"
  "  --format text|json  text (default) or one JSON object (docs/json.md):\n"
  "                      format_version, files, errors, warnings,\n"
  "                      truncated and findings, each with file, line,\n"
  "                      column, end_line, end_column, severity, rule,\n"
  "                      message and hint\n"
  "  -q, --quiet         print nothing; only the exit status tells\n"
  "  --dump-ast          print the syntax tree of each file (for debugging)\n"
  "  -h, --help          show this text\n"
  "\n"
  "FILE may be - to read standard input. Options may come before or after\n"
  "the files; -- ends the options.\n"
  "\n"
  "Exit status:\n"
  "  0  no errors (warnings may have been printed)\n"
  "  1  at least one error\n"
  "  2  usage error, or a FILE that is missing or cannot be read (the\n"
  "     other files are still checked)\n";

/* The options of check (its usage above says them in full). */
enum { O_FORMAT = 1, O_QUIET, O_DUMP };
static const CliOpt check_opts[] = {
  {"format", 0, O_FORMAT, "text|json", "text (default) or a JSON object of findings"},
  {"quiet", 'q', O_QUIET, NULL, "print nothing; only the exit status tells"},
  {"dump-ast", 0, O_DUMP, NULL, "print the syntax tree of each file"},
  {NULL, 0, 0, NULL, NULL},
};

/* compile_limits_ok compiles a checked runbook and throws the code away:
** what only code generation can see (too many registers, constants or
** globals for an instruction's fields) is refused by check exactly as by
** run. Returns 0, or -1 with the located error in d. */
static int compile_limits_ok(Ast *ast, Diags *d) { return codegen_check(ast, d); }

int cmd_check(int argc, char **argv) {
  static const char *const formats[] = {"text", "json", NULL};   /* json: index 1 */
  int i, c, json = 0, quiet = 0, dump = 0, nfiles = 0, failed = 0, unreadable = 0, nargs = 0;
  Diags d;
  Source *srcs;
  char **files;
  CliParser P;
  files = mem_calloc((size_t)argc * sizeof *files);
  cli_parse_init(&P, "check", usage_check, check_opts, argc, argv);
  while ((c = cli_next(&P)) != CLI_END) {
    if (c == CLI_ARG) files[nargs++] = (char *)P.value;
    else if (c == O_FORMAT && cli_format_value("check", P.value, formats, &json) == 0) continue;
    else if (c == O_QUIET) quiet = 1;
    else if (c == O_DUMP) dump = 1;
    else {
      cli_parse_free(&P);
      mem_free(files);
      return c == CLI_HELP ? EXIT_OK : EXIT_USAGE;
    }
  }
  cli_parse_free(&P);
  if (nargs == 0) {
    mem_free(files);
    return cli_usage_error("check", "no FILE given");
  }
  srcs = mem_calloc((size_t)nargs * sizeof *srcs);
  diag_init(&d);
  for (i = 0; i < nargs; i++) {
    Source *src = &srcs[nfiles++];
    char why[256];
    Ast ast;
    if (src_load_mapped(src, files[i], why, sizeof why) != 0) {
      diag_file(&d, SEV_ERROR, "file", files[i], "%s", why);
      if (cli_input_unreadable(files[i])) unreadable = 1;   /* exit 2, as for every command */
      else failed = 1;   /* a binary file, bad text: this file fails the check */
      continue;
    }
    ast_init(&ast, src);
    if (imports_parse(&ast, &d) == 0) {
      arena_trim(&ast.arena);   /* the tree is whole: what its last chunk has spare goes back */
      if (dump) ast_dump(&ast, ast.root, 0, stdout);
      if (check_file(&ast, &d) > 0) failed = 1;
      else if (compile_limits_ok(&ast, &d) != 0) failed = 1;
    } else {
      failed = 1;
    }
    ast_free(&ast);
  }
  if (!quiet) {
    if (json) diag_print_json(&d, nfiles, stdout);
    else diag_print_text(&d, stderr, diag_use_color(stderr));
  }
  diag_free(&d);
  for (i = 0; i < nfiles; i++) src_free(&srcs[i]);
  mem_free(srcs);
  mem_free(files);
  return unreadable ? EXIT_USAGE : failed ? EXIT_FAILED : EXIT_OK;
}
