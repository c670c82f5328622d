/*
** main.c -- the rbk binary: subcommand dispatch, --help and --version.
** The subcommands are in cli/commands.c.
*/
#include <stdio.h>
#include <string.h>

#include "commands.h"

int main(int argc, char **argv) {
  const Command *c;
  if (argc < 2) {
    cli_usage(stderr);
    return EXIT_USAGE;
  }
  if (cli_is_help(argv[1])) {
    cli_usage(stdout);
    return EXIT_OK;
  }
  if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
    printf("rbk %s\n", RBK_VERSION);
    return EXIT_OK;
  }
  if (strcmp(argv[1], "help") == 0) {
    if (argc < 3) {
      cli_usage(stdout);
      return EXIT_OK;
    }
    c = cli_find_command(argv[2]);
    if (!c) return cli_usage_error("help", "unknown command '%s'", argv[2]);
    fputs(c->usage, stdout);
    return EXIT_OK;
  }
  c = cli_find_command(argv[1]);
  if (!c) {
    fprintf(stderr, "rbk: unknown command '%s'\nTry 'rbk --help'.\n", argv[1]);
    return EXIT_USAGE;
  }
  if (argc > 2 && cli_is_help(argv[2])) {
    fputs(c->usage, stdout);
    return EXIT_OK;
  }
  if (!c->main) return cli_complete(argc - 1, argv + 1, cli_commands);   /* rbk complete */
  return c->main(argc - 1, argv + 1);
}
