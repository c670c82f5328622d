/*
** cli.h -- what the subcommands of the rbk binary share: exit codes,
** usage errors, and each command's entry point and usage text.
*/
#ifndef RBK_CLI_H
#define RBK_CLI_H

#include <stdio.h>

#include "../base/version.h"
#include "../run/exits.h"
#include "args.h"


typedef struct Command {
  const char *name;
  int (*main)(int argc, char **argv);   /* argv[0] is the subcommand name */
  const char *summary;
  const char *usage;                    /* full help text */
} Command;


int cmd_check(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_disasm(int argc, char **argv);
int cmd_resume(int argc, char **argv);
int cmd_approve(int argc, char **argv);
int cmd_confirm(int argc, char **argv);
int cmd_answer(int argc, char **argv);
int cmd_undo(int argc, char **argv);
int cmd_repl(int argc, char **argv);
int cmd_fmt(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_watch(int argc, char **argv);
/* cli_complete is `rbk complete` (cli/complete.c) over the command table
** it is given (main.c gives it cli/commands.c's). */
int cli_complete(int argc, char **argv, const Command *commands);
extern const char usage_check[], usage_run[], usage_compile[], usage_disasm[], usage_resume[], usage_approve[],
  usage_confirm[], usage_answer[], usage_undo[], usage_repl[], usage_watch[];
extern const char usage_fmt[], usage_complete[], usage_lint[], usage_plan[], usage_report[];

#endif
