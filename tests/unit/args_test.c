/*
** args_test.c -- unit tests for cli/args.c, the one option parser of every
** command: what cli_next hands back for many command lines (as a trace),
** and the usage errors it prints (captured from stderr).
*/
#include "../../cli/args.h"
#include "../../base/buf.h"
#include "../../base/mem.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { O_QUIET = 1, O_VERBOSE, O_OUT, O_FORMAT, O_DRY_RUN, O_ACCEPT, O_AS };
static const CliOpt opts[] = {
  {"quiet", 'q', O_QUIET, NULL, "say nothing"},
  {"verbose", 'v', O_VERBOSE, NULL, "say more"},
  {"output", 'o', O_OUT, "OUT", "write to OUT"},
  {"format", 0, O_FORMAT, "text|json", "what to write"},
  {"dry-run", 0, O_DRY_RUN, NULL, "do nothing"},
  {"accept-changes", 0, O_ACCEPT, NULL, "accept"},
  {"as", 0, O_AS, "NAME", "who"},
  {NULL, 0, 0, NULL, NULL},
};

static const char *const names[] = {"", "q", "v", "o", "format", "dry-run", "accept", "as"};

/* parse runs the parser over the words of line (split at spaces) and
** returns the trace ("q o=x ARG:f END") and, in *err, what it printed on
** stderr. */
static char *parse(const char *line, char **err) {
  char *copy = mem_strdup(line), *argv[32], *w;
  int argc = 0, c, saved, k;
  Buf t = BUF_INIT, e = BUF_INIT;
  FILE *tmp = tmpfile();
  CliParser P;
  char buf[512];
  size_t n;
  argv[argc++] = (char *)(uintptr_t)"cmd";
  for (w = strtok(copy, " "); w && argc < 31; w = strtok(NULL, " ")) argv[argc++] = w;
  argv[argc] = NULL;
  fflush(stderr);
  saved = dup(2);
  dup2(fileno(tmp), 2);
  cli_parse_init(&P, "cmd", NULL, opts, argc, argv);   /* help: nothing printed */
  for (k = 0; k < 40; k++) {
    c = cli_next(&P);
    if (t.n) buf_putc(&t, ' ');
    if (c == CLI_END) { buf_puts(&t, "END"); break; }
    if (c == CLI_ARG) buf_printf(&t, "ARG:%s", P.value);
    else if (c == CLI_HELP) { buf_puts(&t, "HELP"); break; }
    else if (c == CLI_ERROR) { buf_puts(&t, "ERROR"); break; }
    else if (P.value) buf_printf(&t, "%s=%s", names[c], P.value);
    else buf_puts(&t, names[c]);
  }
  cli_parse_free(&P);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  rewind(tmp);
  while ((n = fread(buf, 1, sizeof buf, tmp)) > 0) buf_add(&e, buf, n);
  fclose(tmp);
  *err = buf_take(&e);
  mem_free(copy);
  return buf_take(&t);
}

static void expect(const char *line, const char *trace, const char *err_line) {
  char *err, *got = parse(line, &err);
  char first[300];
  size_t k = strcspn(err, "\n");
  snprintf(first, sizeof first, "%.*s", (int)k, err);
  CHECK_STREQ(got, trace, "cmd %s: %s", line, trace);
  if (err_line) CHECK_STREQ(first, err_line, "cmd %s: says %s", line, err_line);
  else CHECK_STREQ(first, "", "cmd %s: prints nothing on stderr", line);
  mem_free(got);
  mem_free(err);
}

int main(void) {
  expect("f", "ARG:f END", NULL);
  expect("-q f", "q ARG:f END", NULL);
  expect("f -q", "ARG:f q END", NULL);
  expect("-qv f", "q v ARG:f END", NULL);
  expect("-qvo x f", "q v o=x ARG:f END", NULL);
  expect("-ox f", "o=x ARG:f END", NULL);
  expect("--output x f", "o=x ARG:f END", NULL);
  expect("--output=x=y f", "o=x=y ARG:f END", NULL);
  expect("f --format=json g", "ARG:f format=json ARG:g END", NULL);
  expect("-- -q --output", "ARG:-q ARG:--output END", NULL);
  expect("f -- -q", "ARG:f ARG:-q END", NULL);
  expect("- -q", "ARG:- q END", NULL);
  expect("--dry f", "dry-run ARG:f END", NULL);
  expect("--as x", "as=x END", NULL);
  expect("--a f", "ERROR", "rbk cmd: option '--a' is ambiguous: --accept-changes, --as");
  expect("--dryrun f", "ERROR", "rbk cmd: unknown option '--dryrun'; did you mean '--dry-run'?");
  expect("--dryrun=1 f", "ERROR", "rbk cmd: unknown option '--dryrun'; did you mean '--dry-run'?");
  expect("--frobnicate", "ERROR", "rbk cmd: unknown option '--frobnicate'");
  expect("--dry-run=yes", "ERROR", "rbk cmd: --dry-run takes no value");
  expect("f --output", "ARG:f ERROR", "rbk cmd: --output needs a value (OUT)");
  expect("f -o", "ARG:f ERROR", "rbk cmd: -o needs a value (OUT)");
  expect("-qx", "q ERROR", "rbk cmd: unknown option '-x'");
  expect("f --help", "HELP", NULL);
  expect("--bogus -h", "HELP", NULL);
  expect("--as -h", "as=-h END", NULL);
  expect("-o -h f", "o=-h ARG:f END", NULL);
  expect("-- -h", "ARG:-h END", NULL);
  expect("-qh", "q HELP", NULL);
  expect("--help=1", "ERROR", "rbk cmd: --help takes no value");
  /* options after arguments whatever POSIXLY_CORRECT says */
  setenv("POSIXLY_CORRECT", "1", 1);
  expect("f -q g", "ARG:f q ARG:g END", NULL);
  unsetenv("POSIXLY_CORRECT");
  {
    int fmt = -1;
    static const char *const fmts[] = {"text", "json", NULL};
    CHECK(cli_format_value("cmd", "json", fmts, &fmt) == 0 && fmt == 1, "cli_format_value: json is index 1");
  }
  UNIT_DONE();
}
