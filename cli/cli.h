/*
** cli.h -- what the subcommands of the rbk binary share: exit codes,
** usage errors and the command table.
*/
#ifndef RBK_CLI_H
#define RBK_CLI_H

#include <stdio.h>

#define RBK_VERSION "0.1.0"

/* Exit codes, documented in README.md and rbk --help. */
#define EXIT_OK 0          /* success; for check: no errors */
#define EXIT_FAILED 1      /* check found errors; run: a step failed */
#define EXIT_USAGE 2       /* bad command line, or a runbook that does not compile */
#define EXIT_WAITING 3     /* run: paused for a person (approve, confirm, answer) */
#define EXIT_BUSY 4        /* another process is executing the run */
#define EXIT_STATE 5       /* the run's state could not be written (journal write failure, disk full) */
#define EXIT_INTERRUPTED 130

typedef struct Command {
  const char *name;
  int (*main)(int argc, char **argv);   /* argv[0] is the subcommand name */
  const char *summary;
  const char *usage;                    /* full help text */
} Command;

/* cli_usage_error prints "rbk CMD: message" and a pointer to --help; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 2, 3)))
#endif
  ;
/* cli_is_help says whether arg asks for help (-h, --help). */
int cli_is_help(const char *arg);

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
/* cli_complete is `rbk complete` (cli/complete.c) over the command table. */
int cli_complete(int argc, char **argv, const Command *commands);
extern const char usage_check[], usage_run[], usage_compile[], usage_disasm[], usage_resume[], usage_approve[],
  usage_confirm[], usage_answer[], usage_undo[], usage_repl[], usage_watch[];
extern const char usage_fmt[], usage_complete[], usage_lint[], usage_plan[], usage_report[];

#endif
