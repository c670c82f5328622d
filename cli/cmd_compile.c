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
  "Usage: rbk compile FILE [-o OUT]\n"
  "\n"
  "Compile a runbook to a bytecode file (default: FILE with .rbc for .rbk).\n"
  "The file holds a magic number, the format version, the SHA-256 of the\n"
  "source, the source itself (for error messages), the bytecode and a\n"
  "SHA-256 checksum; 'rbk run' refuses a file that is truncated, corrupt,\n"
  "not bytecode, or made by a different rbk, and one whose bytecode is not\n"
  "exactly what its embedded source compiles to (it recompiles the source\n"
  "and compares). It is written atomically.\n"
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

int cmd_compile(int argc, char **argv) {
  const char *file = NULL, *outp = NULL;
  char *def = NULL, why[512];
  Program *p;
  int i, rc;
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-o") == 0) {
      if (i + 1 >= argc) return cli_usage_error("compile", "-o needs a file name");
      outp = argv[++i];
    } else if (argv[i][0] == '-' && argv[i][1]) {
      return cli_usage_error("compile", "unknown option '%s'", argv[i]);
    } else if (file) {
      return cli_usage_error("compile", "one FILE at a time");
    } else {
      file = argv[i];
    }
  }
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
  int i, source = 1;
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--no-positions") == 0) source = 0;
    else if ((argv[i][0] == '-' && argv[i][1]) || file) return cli_usage_error("disasm", "expected one FILE");
    else file = argv[i];
  }
  if (!file) return cli_usage_error("disasm", "expected one FILE");
  p = load_program(file);
  if (!p) return EXIT_USAGE;
  disasm_program_opts(p, stdout, source);
  prog_free(p);
  return EXIT_OK;
}
