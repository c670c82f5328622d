/*
** commands.h -- the table of rbk's subcommands (commands.c).
*/
#ifndef RBK_COMMANDS_H
#define RBK_COMMANDS_H

#include <stdio.h>

#include "cli.h"

/* Every subcommand, in the order `rbk --help` lists them; ends with a NULL name. */
extern const Command cli_commands[];
/* cli_find_command returns the subcommand called name, or NULL. */
const Command *cli_find_command(const char *name);
/* cli_usage prints rbk's own usage (rbk --help) to f. */
void cli_usage(FILE *f);

#endif
