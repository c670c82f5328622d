/*
** main.c -- the rbk binary: subcommand dispatch, --help and --version.
** The subcommands are in cli/commands.c.
*/
#include <stdio.h>
#include <string.h>

#include "../base/sha256.h"
#include <readline/readline.h>

#include "commands.h"
#include "../base/suggest.h"

#ifndef RBK_FFI_VERSION
#define RBK_FFI_VERSION "unknown"
#endif

/* version prints what rbk is and what it was built with and runs on. */
static void version(void) {
  printf("rbk %s\n", RBK_VERSION);
#if defined(__VERSION__)
  printf("built with %s %s, C11\n",
#if defined(__clang__)
         "clang",
#else
         "gcc",
#endif
         __VERSION__);
#endif
  printf("readline %s, libffi %s (built against), %s\n", rl_library_version, RBK_FFI_VERSION,
         sha256_library());
  printf("License GPL-3.0-or-later <https://www.gnu.org/licenses/gpl-3.0.html>: rbk links GNU readline.\n"
         "This is free software: you are free to change and redistribute it.\n"
         "There is NO WARRANTY, to the extent permitted by law.\n");
}

/* unknown_command says so, with the nearest command's name when one is close. */
static int unknown_command(const char *name) {
  const Command *c;
  Suggest s;
  suggest_init(&s, name);
  for (c = cli_commands; c->name; c++) suggest_add(&s, c->name);
  if (suggest_best(&s))
    fprintf(stderr, "rbk: unknown command '%s'; did you mean '%s'?\nTry 'rbk --help'.\n", name, suggest_best(&s));
  else
    fprintf(stderr, "rbk: unknown command '%s'\nTry 'rbk --help'.\n", name);
  return EXIT_USAGE;
}

/* rbk's own options, before any command (cli/commands.c prints the usage). */
enum { O_VERSION = 1 };
static const CliOpt rbk_opts[] = {
  {"version", 'V', O_VERSION, NULL, "print the version, the build and the libraries"},
  {NULL, 0, 0, NULL, NULL},
};

/* own_option reads "rbk -OPTION" (argv[1]; nothing may follow it). */
static int own_option(int argc, char **argv) {
  CliParser P;
  int c;
  cli_parse_init(&P, NULL, NULL, rbk_opts, 2, argv);
  c = cli_next(&P);
  cli_parse_free(&P);
  if (c == CLI_ERROR) return EXIT_USAGE;
  if (c == CLI_END) return cli_usage_error(NULL, "no COMMAND given");   /* rbk -- */
  if (argc > 2) return cli_usage_error(NULL, "unexpected argument '%s' after %s", argv[2], argv[1]);
  if (c == CLI_HELP) cli_usage(stdout);
  else version();
  return EXIT_OK;
}

int main(int argc, char **argv) {
  const Command *c;
  if (argc < 2) {
    cli_usage(stderr);
    return EXIT_USAGE;
  }
  if (argv[1][0] == '-' && argv[1][1]) return own_option(argc, argv);
  if (strcmp(argv[1], "version") == 0) {
    version();
    return EXIT_OK;
  }
  if (strcmp(argv[1], "help") == 0) {
    if (argc < 3) {
      cli_usage(stdout);
      return EXIT_OK;
    }
    c = cli_find_command(argv[2]);
    if (!c) return unknown_command(argv[2]);
    fputs(c->usage, stdout);
    return EXIT_OK;
  }
  c = cli_find_command(argv[1]);
  if (!c) return unknown_command(argv[1]);
  if (argc > 2 && cli_is_help(argv[2])) {
    fputs(c->usage, stdout);
    return EXIT_OK;
  }
  if (!c->main) return cli_complete(argc - 1, argv + 1, cli_commands);   /* rbk complete */
  return c->main(argc - 1, argv + 1);
}
