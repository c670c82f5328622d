/*
** args.c -- the one option parser of every subcommand, and the usage
** errors they share (args.h). Called by the cmd_*.c files, repl.c and
** main.c.
**
** getopt_long does the reading. Its optstring starts with "-" (every
** argument comes back in order, so options may follow arguments whatever
** POSIXLY_CORRECT says) and ":" (it prints nothing; the messages here
** name the command and suggest the option meant).
*/
#include "args.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base/buf.h"
#include "../base/mem.h"
#include "../base/suggest.h"
#include "../run/exits.h"

/* A long option's val is LONG_BASE + its index in the table; a short one
** comes back as its letter. */
#define LONG_BASE 256

void cli_parse_init(CliParser *p, const char *cmd, const char *usage, const CliOpt *opts, int argc, char **argv) {
  struct option *lo;
  Buf s = BUF_INIT;
  int n, k, j = 0;
  memset(p, 0, sizeof *p);
  p->cmd = cmd;
  p->usage = usage;
  p->opts = opts;
  p->argc = argc;
  p->argv = argv;
  for (n = 0; opts[n].name || opts[n].shrt; n++) {}
  lo = mem_calloc(((size_t)n + 2) * sizeof *lo);
  buf_puts(&s, "-:");
  for (k = 0; k < n; k++) {
    if (opts[k].name) {
      lo[j].name = opts[k].name;
      lo[j].has_arg = opts[k].arg ? required_argument : no_argument;
      lo[j].val = LONG_BASE + k;
      j++;
    }
    if (opts[k].shrt) {
      buf_putc(&s, opts[k].shrt);
      if (opts[k].arg) buf_putc(&s, ':');
    }
  }
  /* -h and --help, unless the table takes them (its index is n: the end) */
  lo[j].name = "help";
  lo[j].has_arg = no_argument;
  lo[j].val = LONG_BASE + n;
  if (!strchr(buf_cstr(&s), 'h')) buf_putc(&s, 'h');
  p->longopts = lo;
  p->shortopts = buf_take(&s);
  optind = 0;   /* glibc: start afresh (another command may have parsed before) */
  opterr = 0;
}

void cli_parse_free(CliParser *p) {
  mem_free(p->longopts);
  mem_free(p->shortopts);
  p->longopts = NULL;
  p->shortopts = NULL;
}

/* find_short returns the table index of letter c, or -1. */
static int find_short(const CliParser *p, int c) {
  int k;
  for (k = 0; p->opts[k].name || p->opts[k].shrt; k++)
    if (p->opts[k].shrt == c) return k;
  return -1;
}

/* spelling writes how option k is spelled: "--name" or "-x" (k past
** the table's end: --help). */
static const char *spelling(const CliParser *p, int k, char *buf, size_t n) {
  if (!p->opts[k].name && !p->opts[k].shrt) snprintf(buf, n, "--help");
  else if (p->opts[k].name) snprintf(buf, n, "--%s", p->opts[k].name);
  else snprintf(buf, n, "-%c", p->opts[k].shrt);
  return buf;
}

/* unknown_long reports "--word" (maybe "--word=value"): ambiguous
** between several options it abbreviates, or unknown, with the nearest. */
static void unknown_long(const CliParser *p, const char *word) {
  char name[64];
  size_t len = strcspn(word + 2, "=");
  Buf amb = BUF_INIT;
  Suggest s;
  int k, nmatch = 0;
  if (len >= sizeof name) len = sizeof name - 1;
  memcpy(name, word + 2, len);
  name[len] = '\0';
  for (k = 0; p->opts[k].name || p->opts[k].shrt; k++)
    if (p->opts[k].name && len > 0 && strncmp(p->opts[k].name, name, len) == 0) {
      buf_printf(&amb, "%s--%s", nmatch ? ", " : "", p->opts[k].name);
      nmatch++;
    }
  if (nmatch > 1) {
    cli_usage_error(p->cmd, "option '--%s' is ambiguous: %s", name, buf_cstr(&amb));
    buf_free(&amb);
    return;
  }
  buf_free(&amb);
  suggest_init(&s, name);
  for (k = 0; p->opts[k].name || p->opts[k].shrt; k++) suggest_add(&s, p->opts[k].name);
  suggest_add(&s, "help");
  if (suggest_best(&s))
    cli_usage_error(p->cmd, "unknown option '--%s'; did you mean '--%s'?", name, suggest_best(&s));
  else
    cli_usage_error(p->cmd, "unknown option '--%s'", name);
}

/* asks_help says whether -h or --help is among the options of argv
** (before "--", and not the value of an option that takes one): help is
** given whatever else is wrong with the command line, as GNU tools do. */
static int asks_help(const CliParser *p) {
  int i, k;
  for (i = 1; i < p->argc; i++) {
    const char *a = p->argv[i];
    if (strcmp(a, "--") == 0) return 0;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) return find_short(p, 'h') < 0 || a[1] == '-';
    if (a[0] != '-' || !a[1]) continue;
    if (a[1] == '-') {   /* "--name VALUE": skip the value */
      for (k = 0; p->opts[k].name || p->opts[k].shrt; k++)
        if (p->opts[k].name && p->opts[k].arg && strcmp(a + 2, p->opts[k].name) == 0) i++;
    } else {   /* "-qo VALUE": the first letter that takes a value takes the rest, or the next */
      const char *q;
      for (q = a + 1; *q; q++)
        if ((k = find_short(p, *q)) >= 0 && p->opts[k].arg) {
          if (!q[1]) i++;
          break;
        }
    }
  }
  return 0;
}

int cli_next(CliParser *p) {
  const struct option *lo = p->longopts;
  char sp[72];
  int c, k, n;
  p->value = NULL;
  p->spelled = NULL;
  if (!p->started) {
    p->started = 1;
    if (asks_help(p)) {
      if (p->usage) fputs(p->usage, stdout);
      p->done = 1;
      p->rest = p->argc;
      return CLI_HELP;
    }
  }
  if (p->done) {   /* after "--": the rest are arguments */
    if (p->rest >= p->argc) return CLI_END;
    p->value = p->argv[p->rest++];
    return CLI_ARG;
  }
  for (n = 0; p->opts[n].name || p->opts[n].shrt; n++) {}
  c = getopt_long(p->argc, p->argv, p->shortopts, lo, NULL);
  if (c == -1) {
    p->done = 1;
    p->rest = optind;
    return cli_next(p);
  }
  if (c == 1) {
    p->value = optarg;
    return CLI_ARG;
  }
  if (c == '?' || c == ':') {
    int missing = c == ':';
    const char *word = optind > 0 && optind <= p->argc ? p->argv[optind - 1] : "";
    if (optopt >= LONG_BASE && optopt <= LONG_BASE + n) {
      k = optopt - LONG_BASE;
      if (missing)
        cli_usage_error(p->cmd, "%s needs a value (%s)", spelling(p, k, sp, sizeof sp), p->opts[k].arg);
      else
        cli_usage_error(p->cmd, "%s takes no value", spelling(p, k, sp, sizeof sp));
    } else if (optopt == 0) {
      unknown_long(p, word);
    } else if (missing && (k = find_short(p, optopt)) >= 0) {
      cli_usage_error(p->cmd, "-%c needs a value (%s)", optopt, p->opts[k].arg);
    } else {
      cli_usage_error(p->cmd, "unknown option '-%c'", optopt);
    }
    return CLI_ERROR;
  }
  if (c >= LONG_BASE) k = c - LONG_BASE;
  else if ((k = find_short(p, c)) < 0) k = n;   /* 'h' */
  if (k == n) {
    if (p->usage) fputs(p->usage, stdout);
    return CLI_HELP;
  }
  p->value = optarg;
  if (c < LONG_BASE) snprintf(p->spell, sizeof p->spell, "-%c", c);
  else snprintf(p->spell, sizeof p->spell, "--%s", p->opts[k].name);
  p->spelled = p->spell;
  return p->opts[k].id;
}

int cli_format_value(const char *cmd, const char *value, const char *const *names, int *fmt) {
  Buf list = BUF_INIT;
  int k;
  for (k = 0; names[k]; k++)
    if (strcmp(value, names[k]) == 0) {
      *fmt = k;
      return 0;
    }
  for (k = 0; names[k]; k++)
    buf_printf(&list, "%s%s", k == 0 ? "" : names[k + 1] ? ", " : " or ", names[k]);
  cli_usage_error(cmd, "unknown format '%s' (%s)", value, buf_cstr(&list));
  buf_free(&list);
  return -1;
}

int cli_input_unreadable(const char *path) {
  struct stat st;
  int fd;
  if (strcmp(path, "-") == 0) return 0;
  if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return 1;
  if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) return 1;
  close(fd);
  return 0;
}

int cli_is_help(const char *arg) { return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0; }

int cli_usage_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "rbk%s%s: ", cmd ? " " : "", cmd ? cmd : "");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nTry 'rbk%s%s --help'.\n", cmd ? " " : "", cmd ? cmd : "");
  return EXIT_USAGE;
}
