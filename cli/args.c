/*
** args.c -- command-line pieces that several subcommands share (args.h).
** Called by the cmd_*.c files and main.c.
*/
#include "args.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../base/buf.h"
#include "../run/exits.h"

int cli_format_opt(const char *cmd, int argc, char **argv, int *i, const char *const *names, int *fmt) {
  const char *a = argv[*i], *v;
  Buf list = BUF_INIT;
  int k;
  if (strcmp(a, "--format") == 0) {
    v = *i + 1 < argc ? argv[++*i] : NULL;
  } else if (strncmp(a, "--format=", 9) == 0) {
    v = a + 9;
  } else {
    return 0;
  }
  for (k = 0; v && names[k]; k++)
    if (strcmp(v, names[k]) == 0) {
      *fmt = k;
      return 1;
    }
  for (k = 0; names[k]; k++)
    buf_printf(&list, "%s%s", k == 0 ? "" : names[k + 1] ? ", " : " or ", names[k]);
  if (v) cli_usage_error(cmd, "unknown format '%s' (%s)", v, buf_cstr(&list));
  else cli_usage_error(cmd, "--format needs a value (%s)", buf_cstr(&list));
  buf_free(&list);
  return -1;
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
