/*
** args.h -- the command line of every subcommand: one option parser
** (getopt_long underneath) driven by a table per command, and the usage
** errors they share.
**
** Conventions, the same for every command: "--opt VALUE" and
** "--opt=VALUE"; short flags bundle ("-qv"); options and arguments mix in
** any order; "--" ends the options; -h and --help print the command's
** usage. A usage error is "rbk CMD: message" and a pointer to --help, and
** the command exits EXIT_USAGE; an unknown long option names the nearest
** one ("did you mean '--dry-run'?").
*/
#ifndef RBK_ARGS_H
#define RBK_ARGS_H

/* One option of a command. Tables end with an entry whose name is NULL
** (and shrt 0); keep each command's table near the top of its file. */
typedef struct CliOpt {
  const char *name;   /* the long name without "--", or NULL */
  char shrt;          /* the short letter, or 0 */
  int id;             /* what cli_next returns for it: > 0, the command's own */
  const char *arg;    /* what its value is called in messages ("DIR"); NULL: it takes none */
  const char *help;   /* its line in --help (the usage text holds the full wording) */
} CliOpt;

/* What cli_next returns besides an option's id. */
enum {
  CLI_END = 0,     /* no more arguments */
  CLI_ARG = -1,    /* a positional argument, in p->value */
  CLI_HELP = -2,   /* -h or --help: the usage was printed; exit EXIT_OK */
  CLI_ERROR = -3,  /* a usage error was printed; exit EXIT_USAGE */
};

typedef struct CliParser {
  const char *cmd, *usage;
  const CliOpt *opts;
  int argc;
  char **argv;
  const char *value;    /* the value of the option just returned, or the argument */
  const char *spelled;  /* how the option just returned was written ("--as", "-o") */
  int rest, done;       /* after "--": the next argument left to hand out */
  int started;          /* cli_next has looked for -h and --help */
  void *longopts;       /* struct option[], built from opts */
  char *shortopts;
  char spell[72];
} CliParser;

/* cli_parse_init starts reading argv[1..argc) of command cmd (argv[0] is
** the command's name; cmd NULL: rbk itself) by the table opts; usage is
** printed for --help (NULL: the caller prints it on CLI_HELP). */
void cli_parse_init(CliParser *p, const char *cmd, const char *usage, const CliOpt *opts, int argc, char **argv);
/* cli_next returns the next option's id (its value in p->value), CLI_ARG
** with a positional argument in p->value, CLI_END, CLI_HELP or CLI_ERROR. */
int cli_next(CliParser *p);
/* cli_parse_free releases what cli_parse_init took. */
void cli_parse_free(CliParser *p);

/* cli_format_value sets *fmt to the index of value in names (a
** NULL-terminated list); returns 0, or prints a usage error naming the
** choices and returns -1. */
int cli_format_value(const char *cmd, const char *value, const char *const *names, int *fmt);

/* cli_usage_error prints "rbk CMD: message" and a pointer to --help
** (cmd NULL: rbk's own, "rbk: message"); returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 2, 3)))
#endif
  ;
/* cli_input_unreadable says whether an input FILE named on the command
** line is missing or cannot be read (not a regular file, no permission):
** exit 2 for every command, where a file that reads but is no runbook is
** the command's own failure. "-" (standard input) is readable. */
int cli_input_unreadable(const char *path);
/* cli_is_help says whether arg asks for help (-h, --help). */
int cli_is_help(const char *arg);

#endif
