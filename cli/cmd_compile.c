/*
** cmd_compile.c -- `rbk compile` (source to .rbc) and `rbk disasm`.
** Called through the command table (cli/commands.c).
*/
#include <stdio.h>
#include <string.h>

#include "../vm/bcfile.h"
#include "../vm/disasm.h"
#include "../base/mem.h"
#include "cli.h"
#include "../run/load.h"

const char usage_compile[] =
  "Usage: rbk compile [-o OUT] FILE\n"
  "\n"
  "Compile a runbook to a bytecode file (default: FILE with .rbc for .rbk).\n"
  "The file holds a magic number, the format version, the SHA-256 of the\n"
  "source, the source itself (for error messages), the bytecode and a\n"
  "SHA-256 checksum; 'rbk run' refuses a file that is truncated, corrupt,\n"
  "not bytecode, or made by a different rbk, and one whose bytecode is not\n"
  "exactly what its embedded source compiles to (it recompiles the source\n"
  "and compares). It is written atomically.\n"
  "\n"
  "Options:\n"
  "  -o, --output OUT  write the bytecode to OUT\n"
  "  -h, --help        show this text\n"
  "\n"
  "Exit status: 0 written; 2 usage error or the runbook does not compile.\n";

const char usage_disasm[] =
  "Usage: rbk disasm [--no-positions] FILE\n"
  "\n"
  "Print the bytecode of a runbook (source or .rbc): every function with\n"
  "its instructions, source positions and constants, and the step table.\n"
  "\n"
  "Options:\n"
  "  --no-positions  leave out what comes from the source text rather than\n"
  "                  the bytecode: the source's name, size and hash, the\n"
  "                  line:col of each instruction and the text of each\n"
  "                  verify; two runbooks that differ only in layout (see\n"
  "                  rbk fmt) then print the same\n"
  "  -h, --help      show this text\n"
  "\n"
  "Exit status: 0 printed; 2 usage error or the runbook does not compile.\n";

/* The options of compile and disasm (their usage above says them in full). */
enum { O_OUT = 1, O_NO_POSITIONS };
static const CliOpt compile_opts[] = {
  {"output", 'o', O_OUT, "OUT", "the bytecode file to write"},
  {NULL, 0, 0, NULL, NULL},
};
static const CliOpt disasm_opts[] = {
  {"no-positions", 0, O_NO_POSITIONS, NULL, "leave out what comes from the source text"},
  {NULL, 0, 0, NULL, NULL},
};

int cmd_compile(int argc, char **argv) {
  const char *file = NULL, *outp = NULL;
  char *def = NULL, why[512];
  Program *p;
  int c, rc;
  CliParser P;
  cli_parse_init(&P, "compile", usage_compile, compile_opts, argc, argv);
  while ((c = cli_next(&P)) > 0 || c == CLI_ARG) {
    if (c == O_OUT) outp = P.value;
    else if (!file) file = P.value;
    else {
      c = CLI_ERROR;
      cli_usage_error("compile", "one FILE at a time ('%s' and '%s')", file, P.value);
      break;
    }
  }
  cli_parse_free(&P);
  if (c != CLI_END) return c == CLI_HELP ? EXIT_OK : EXIT_USAGE;
  if (!file) return cli_usage_error("compile", "no FILE given");
  if (!outp) {
    size_t n = strlen(file);
    Buf b = BUF_INIT;
    if (n > 4 && strcmp(file + n - 4, ".rbk") == 0) buf_add(&b, file, n - 4);
    else buf_add(&b, file, n);
    buf_puts(&b, ".rbc");
    outp = def = buf_take(&b);
  }
  p = load_program(file);
  if (!p) {
    mem_free(def);
    return EXIT_USAGE;
  }
  rc = bc_write(p, outp, why, sizeof why) == 0 ? EXIT_OK : EXIT_USAGE;
  if (rc != EXIT_OK) fprintf(stderr, "%s: error: %s\n", outp, why);
  prog_free(p);
  mem_free(def);
  return rc;
}

int cmd_disasm(int argc, char **argv) {
  Program *p;
  const char *file = NULL;
  int c, source = 1;
  CliParser P;
  cli_parse_init(&P, "disasm", usage_disasm, disasm_opts, argc, argv);
  while ((c = cli_next(&P)) > 0 || c == CLI_ARG) {
    if (c == O_NO_POSITIONS) source = 0;
    else if (!file) file = P.value;
    else {
      c = CLI_ERROR;
      cli_usage_error("disasm", "expected one FILE ('%s' and '%s')", file, P.value);
      break;
    }
  }
  cli_parse_free(&P);
  if (c != CLI_END) return c == CLI_HELP ? EXIT_OK : EXIT_USAGE;
  if (!file) return cli_usage_error("disasm", "expected one FILE");
  p = load_program(file);
  if (!p) return EXIT_USAGE;
  disasm_program_opts(p, stdout, source);
  prog_free(p);
  return EXIT_OK;
}
