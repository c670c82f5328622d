/*
** args.c -- command-line pieces that several subcommands share (args.h).
*/
#include "args.h"

#include <string.h>

#include "../base/buf.h"
#include "cli.h"

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
