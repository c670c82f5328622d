/*
** main.c -- the rbk binary: subcommand dispatch, --help and --version.
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "inspect.h"

static int not_yet(int argc, char **argv);
static int complete(int argc, char **argv);


/* Subcommands in the order `rbk --help` lists them. Those whose main is
** not_yet are part of the design but not built yet; they say so. */
static const Command commands[] = {
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
  {"complete", complete, "what may come next on a command line (for shell completion)", usage_complete},
  {NULL, NULL, NULL, NULL},
};

static const Command *find(const char *name) {
  const Command *c;
  for (c = commands; c->name; c++)
    if (strcmp(c->name, name) == 0) return c;
  return NULL;
}

/* complete answers the completion scripts; it reads the table above. */
static int complete(int argc, char **argv) { return cli_complete(argc, argv, commands); }

static int not_yet(int argc, char **argv) {
  (void)argc;
  fprintf(stderr, "rbk %s: not available in rbk %s yet; 'rbk --help' lists what is\n", argv[0], RBK_VERSION);
  return EXIT_USAGE;
}

int cli_is_help(const char *arg) { return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0; }

int cli_usage_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "rbk %s: ", cmd);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nTry 'rbk %s --help'.\n", cmd);
  return EXIT_USAGE;
}

static void usage(FILE *f) {
  const Command *c;
  fputs("Usage: rbk COMMAND [ARGS...]\n"
        "       rbk help COMMAND | rbk COMMAND --help\n"
        "       rbk --version\n\n"
        "rbk runs backout and deployment runbooks written as code: it checks\n"
        "them, plans them for review, and executes them with a durable journal.\n\n"
        "Commands:\n", f);
  for (c = commands; c->name; c++)
    fprintf(f, "  %-9s %s%s\n", c->name, c->summary, c->main == not_yet ? " (not yet available)" : "");
  fputs("\nExit status:\n"
        "  0    success\n"
        "  1    check found errors; a step failed\n"
        "  2    usage error, or a runbook that does not compile\n"
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

int main(int argc, char **argv) {
  const Command *c;
  if (argc < 2) {
    usage(stderr);
    return EXIT_USAGE;
  }
  if (cli_is_help(argv[1])) {
    usage(stdout);
    return EXIT_OK;
  }
  if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
    printf("rbk %s\n", RBK_VERSION);
    return EXIT_OK;
  }
  if (strcmp(argv[1], "help") == 0) {
    if (argc < 3) {
      usage(stdout);
      return EXIT_OK;
    }
    c = find(argv[2]);
    if (!c) return cli_usage_error("help", "unknown command '%s'", argv[2]);
    if (c->main == not_yet) return not_yet(argc - 2, argv + 2);
    fputs(c->usage, stdout);
    return EXIT_OK;
  }
  c = find(argv[1]);
  if (!c) {
    fprintf(stderr, "rbk: unknown command '%s'\nTry 'rbk --help'.\n", argv[1]);
    return EXIT_USAGE;
  }
  if (argc > 2 && cli_is_help(argv[2]) && c->main != not_yet) {
    fputs(c->usage, stdout);
    return EXIT_OK;
  }
  return c->main(argc - 1, argv + 1);
}
