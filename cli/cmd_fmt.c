/*
** cmd_fmt.c -- `rbk fmt FILE...`: print, rewrite or check the canonical
** layout of runbooks (compiler/fmt.h does the formatting).
*/
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../compiler/fmt.h"
#include "../base/durable.h"
#include "../base/mem.h"
#include "cli.h"
#include "../base/udiff.h"

const char usage_fmt[] =
  "Usage: rbk fmt [OPTIONS] FILE...\n"
  "\n"
  "Print runbooks in their canonical layout: two spaces per level of\n"
  "indentation, one space between tokens (none inside brackets, before a\n"
  "comma or around a '.'), at most one blank line in a row, the braces of a\n"
  "block of several lines on lines of their own, and runs of params, roles,\n"
  "triggers and trailing comments aligned in columns. Line breaks, comments,\n"
  "strings and the order of everything are kept: only white space changes,\n"
  "and the result is checked to lex to the same tokens and comments. The\n"
  "style is described in the rbk-language(7) manual, section Formatting.\n"
  "\n"
  "Options:\n"
  "  -w, --write   rewrite each file that is not formatted, in place and\n"
  "                atomically, keeping its mode; print nothing\n"
  "  --check       print nothing but a unified diff (a/FILE to b/FILE) for\n"
  "                each file that is not formatted, and exit 1 if any is not\n"
  "  -l, --list    print the names of the files that are not formatted\n"
  "                instead of their text (with --check: instead of the diff)\n"
  "  -h, --help    show this text\n"
  "\n"
  "FILE may be - to read standard input (not with --write). A file that\n"
  "does not parse is not formatted: its syntax errors are reported, the\n"
  "other files are still formatted, and the exit status is 2.\n"
  "\n"
  "Exit status:\n"
  "  0  done; with --check: every file is formatted\n"
  "  1  --check: at least one file is not formatted\n"
  "  2  usage error, or a file that cannot be read, parsed or written\n";

enum { MODE_PRINT, MODE_WRITE, MODE_CHECK };

/* write_back replaces path with text, atomically, keeping its mode; a
** symbolic link is followed, so the link stays and its target changes. */
static int write_back(const char *path, const Buf *text) {
  char real[PATH_MAX], why[PATH_MAX + 128];
  struct stat st;
  mode_t mode = 0644;
  const char *target = realpath(path, real) ? real : path;
  if (stat(target, &st) == 0) mode = st.st_mode & 07777;
  if (durable_replace(target, buf_cstr(text), text->n, mode, why, sizeof why) != 0) {
    fprintf(stderr, "rbk fmt: %s\n", why);
    return -1;
  }
  return 0;
}

/* fmt_one formats one file as mode says; returns EXIT_OK, EXIT_FAILED (not
** formatted, for --check) or EXIT_USAGE (it could not be done). */
static int fmt_one(const char *file, int mode, int list) {
  Source src;
  Diags d;
  Buf out = BUF_INIT;
  char why[256];
  int rc = EXIT_OK, differs;
  diag_init(&d);
  if (src_load(&src, file, why, sizeof why) != 0) {
    diag_file(&d, SEV_ERROR, "file", file, "%s", why);
    diag_print_text(&d, stderr, diag_use_color(stderr));
    diag_free(&d);
    return EXIT_USAGE;
  }
  if (fmt_source(&src, &d, &out) != 0) {
    diag_print_text(&d, stderr, diag_use_color(stderr));
    rc = EXIT_USAGE;
    goto done;
  }
  differs = out.n != src.len || memcmp(buf_cstr(&out), src.text, src.len) != 0;
  if (list && differs) printf("%s\n", file);
  if (mode == MODE_PRINT && !list) {
    fwrite(buf_cstr(&out), 1, out.n, stdout);
  } else if (mode == MODE_WRITE && differs) {
    if (write_back(file, &out) != 0) rc = EXIT_USAGE;
  } else if (mode == MODE_CHECK && differs) {
    if (!list) {
      Buf la = BUF_INIT, lb = BUF_INIT;
      buf_printf(&la, "a/%s", file);
      buf_printf(&lb, "b/%s", file);
      udiff_write(stdout, buf_cstr(&la), buf_cstr(&lb), src.text, src.len, buf_cstr(&out), out.n);
      buf_free(&la);
      buf_free(&lb);
    }
    rc = EXIT_FAILED;
  }
done:
  buf_free(&out);
  diag_free(&d);
  src_free(&src);
  return rc;
}

/* The options of fmt (its usage above says them in full). */
enum { O_WRITE = 1, O_CHECK, O_LIST };
static const CliOpt fmt_opts[] = {
  {"write", 'w', O_WRITE, NULL, "rewrite the files in place"},
  {"check", 0, O_CHECK, NULL, "change nothing; fail if a file is not formatted"},
  {"list", 'l', O_LIST, NULL, "name the files that are not formatted"},
  {NULL, 0, 0, NULL, NULL},
};

int cmd_fmt(int argc, char **argv) {
  int i, c, mode = MODE_PRINT, list = 0, nfiles = 0, rc = EXIT_OK;
  const char **files = mem_calloc(((size_t)argc + 1) * sizeof *files);
  CliParser P;
  cli_parse_init(&P, "fmt", usage_fmt, fmt_opts, argc, argv);
  while ((c = cli_next(&P)) > 0 || c == CLI_ARG) {
    if (c == CLI_ARG) {
      files[nfiles++] = P.value;
    } else if (c == O_WRITE || c == O_CHECK) {
      if (mode != MODE_PRINT && mode != (c == O_WRITE ? MODE_WRITE : MODE_CHECK)) {
        cli_usage_error("fmt", "--write and --check exclude each other");
        c = CLI_ERROR;
        break;
      }
      mode = c == O_WRITE ? MODE_WRITE : MODE_CHECK;
    } else if (c == O_LIST) {
      list = 1;
    }
  }
  cli_parse_free(&P);
  if (c == CLI_END && nfiles == 0) c = CLI_ERROR, cli_usage_error("fmt", "no FILE given");
  if (c != CLI_END) {
    mem_free(files);
    return c == CLI_HELP ? EXIT_OK : EXIT_USAGE;
  }
  for (i = 0; i < nfiles; i++) {
    int r;
    if (mode == MODE_WRITE && strcmp(files[i], "-") == 0) {
      rc = cli_usage_error("fmt", "--write cannot rewrite standard input");
      continue;
    }
    r = fmt_one(files[i], mode, list);
    if (r == EXIT_USAGE || (r == EXIT_FAILED && rc == EXIT_OK)) rc = r;
  }
  mem_free(files);
  fflush(stdout);
  return rc;
}
