/*
** commands.c -- the table of rbk's subcommands and the top-level usage
** text, read by main.c (dispatch, help) and handed to cli/complete.c.
*/
#include "commands.h"

#include <string.h>

#include "inspect.h"

/* Subcommands in the order `rbk --help` lists them. `complete` has no
** main: main.c serves it with this table (cli/complete.c reads the table it
** is given and nothing else here, so the table does not call back into it). */
const Command cli_commands[] = {
  {"check", cmd_check, "parse and check runbooks; precise diagnostics", usage_check},
  {"lint", cmd_lint, "CAB-readiness rules; text, json or sarif", usage_lint},
  {"plan", cmd_plan, "the plan as a document or graph: md, html, dot, mermaid, json", usage_plan},
  {"compile", cmd_compile, "compile a runbook to a bytecode file", usage_compile},
  {"disasm", cmd_disasm, "print the bytecode of a runbook", usage_disasm},
  {"run", cmd_run, "execute a runbook", usage_run},
  {"resume", cmd_resume, "continue an interrupted or paused run", usage_resume},
  {"status", cmd_status, "show the state of a run", usage_status},
  {"log", cmd_log, "print a run's journal", usage_log},
  {"runs", cmd_runs, "list runs", usage_runs},
  {"undo", cmd_undo, "run the undo blocks of a run's completed steps, in reverse", usage_undo},
  {"approve", cmd_approve, "approve a paused run's gate as a role", usage_approve},
  {"confirm", cmd_confirm, "confirm a paused run's manual step", usage_confirm},
  {"answer", cmd_answer, "answer a paused run's question or in-doubt effect", usage_answer},
  {"report", cmd_report, "post-run review: timeline, planned vs actual, decisions", usage_report},
  {"watch", cmd_watch, "evaluate triggers over an evaluation window, act on severity", usage_watch},
  {"repl", cmd_repl, "interactive execution on the same VM and journal", usage_repl},
  {"fmt", cmd_fmt, "print or rewrite runbooks in their canonical layout", usage_fmt},
  {"complete", NULL, "what may come next on a command line (for shell completion)", usage_complete},
  {NULL, NULL, NULL, NULL},
};

const Command *cli_find_command(const char *name) {
  const Command *c;
  for (c = cli_commands; c->name; c++)
    if (strcmp(c->name, name) == 0) return c;
  return NULL;
}

void cli_usage(FILE *f) {
  const Command *c;
  fputs("Usage: rbk COMMAND [ARGS...]\n"
        "       rbk help COMMAND | rbk COMMAND --help\n"
        "       rbk --version | -V\n\n"
        "rbk runs backout and deployment runbooks written as code: it checks\n"
        "them, plans them for review, and executes them with a durable journal.\n\n"
        "Commands:\n", f);
  for (c = cli_commands; c->name; c++)
    fprintf(f, "  %-9s %s\n", c->name, c->summary);
  fputs("\nExit status:\n"
        "  0    success\n"
        "  1    check found errors; a step failed\n"
        "  2    usage error; a missing or unreadable file (every command); a\n"
        "       runbook that does not compile\n"
        "  3    run: waiting for a person (approve, confirm, answer)\n"
        "  4    run: another process is executing it\n"
        "  5    run: its state could not be written (journal write failure, disk\n"
        "       full); nothing more was run; free space and 'rbk resume RUN'\n"
        "  130  interrupted\n\n"
        "Environment:\n"
        "  NO_COLOR       if set and not empty, never colour the output\n"
        "  RBK_STATE_DIR  where runs and their journals live (default: .rbk/\n"
        "                 beside the runbook; ./.rbk for commands taking a RUN)\n", f);
}
