/*
** args.h -- command-line pieces that several subcommands share.
*/
#ifndef RBK_ARGS_H
#define RBK_ARGS_H

/* cli_format_opt reads a --format option at argv[*i]: "--format VALUE" or
** "--format=VALUE", VALUE one of names (a NULL-terminated list), whose
** index goes to *fmt. It returns 1 when it took the option (with *i moved
** past a separate value), 0 when argv[*i] is not --format, or -1 after
** printing a usage error for a missing or unknown value (the command then
** exits with EXIT_USAGE). */
int cli_format_opt(const char *cmd, int argc, char **argv, int *i, const char *const *names, int *fmt);

/* cli_usage_error prints "rbk CMD: message" and a pointer to --help; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 2, 3)))
#endif
  ;
/* cli_is_help says whether arg asks for help (-h, --help). */
int cli_is_help(const char *arg);

#endif
