/*
** complete.c -- `rbk complete WORD...`: what the shell completion scripts
** (completions/rbk.bash, completions/_rbk) offer, asked of rbk itself so
** that it never drifts from the binary. The options and arguments of each
** command are read from its usage text: the Usage lines and the option
** lines ("  -x, --long ARG  description") of --help.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../grammar/ast.h"
#include "../grammar/parse.h"
#include "../base/buf.h"
#include "../base/mem.h"
#include "cli.h"
#include "inspect.h"

const char usage_complete[] =
  "Usage: rbk complete [--at N] [--] WORD...\n"
  "\n"
  "Print what may come next on an rbk command line, for the bash and zsh\n"
  "completion scripts that 'make install' puts in place. The WORDs are the\n"
  "words after 'rbk'; the one to complete (it may be empty) is the last, or\n"
  "with --at N the Nth (from 0), so that words after it count too.\n"
  "Each line is a candidate, or a candidate, a tab and a description. The\n"
  "candidates are not filtered by the last word: the shell does that. One\n"
  "line instead asks the shell to complete file names itself:\n"
  "  @runbook  runbook files (*.rbk, *.rbc) and directories\n"
  "  @file     any file\n"
  "  @dir      directories\n"
  "\n"
  "What is offered: commands (with their summaries); a command's options\n"
  "and the values of those that take one (formats, step names for --only\n"
  "and --from, read from the runbook on the command line); run IDs where a\n"
  "RUN goes (as 'rbk runs --ids' lists them, in --state DIR if given); and\n"
  "the words of arguments such as 'rbk answer RUN yes|no'. All of it is\n"
  "read from the commands' usage texts, so it follows the binary.\n"
  "\n"
  "Exit status: 0 (also when there is nothing to offer); 2 usage error.\n";

#define MAX_SLOTS 8

/* One option of a command: its spellings, its argument, its description. */
typedef struct Opt {
  char names[2][32];
  int nnames;
  char arg[48];      /* "" if it takes none */
  char desc[96];
} Opt;

typedef struct Spec {
  Opt opt[40];
  int nopt;
  char slot[MAX_SLOTS][64];   /* positional arguments, "" if none */
  int nslots, repeat;         /* the last slot repeats (FILE...) */
} Spec;

static void copy_word(char *dst, size_t n, const char *s, size_t len) {
  if (len >= n) len = n - 1;
  memcpy(dst, s, len);
  dst[len] = '\0';
}

static Opt *find_opt(Spec *s, const char *name, size_t len) {
  int i, j;
  for (i = 0; i < s->nopt; i++)
    for (j = 0; j < s->opt[i].nnames; j++)
      if (strlen(s->opt[i].names[j]) == len && strncmp(s->opt[i].names[j], name, len) == 0) return &s->opt[i];
  return NULL;
}

static Opt *add_opt(Spec *s, const char *name, size_t len) {
  Opt *o = find_opt(s, name, len);
  if (o) return o;
  if (s->nopt == (int)(sizeof s->opt / sizeof s->opt[0])) return NULL;
  o = &s->opt[s->nopt++];
  memset(o, 0, sizeof *o);
  copy_word(o->names[o->nnames++], sizeof o->names[0], name, len);
  return o;
}

/* describe sets o's description from the text after its term and the
** lines under it, up to a ';' and at most about 60 characters. */
static void describe(Opt *o, const char *p, const char *eol) {
  Buf b = BUF_INIT;
  const char *q;
  size_t n;
  for (;;) {
    while (p < eol && *p == ' ') p++;
    if (b.n && p < eol) buf_putc(&b, ' ');
    buf_add(&b, p, (size_t)(eol - p));
    /* the next line goes on if it is indented past the option names */
    if (*eol != '\n' || strncmp(eol + 1, "     ", 5) != 0 || eol[6] == '-') break;
    p = eol + 1;
    eol = strchr(p, '\n');
    if (!eol) eol = p + strlen(p);
  }
  q = buf_cstr(&b);
  n = strcspn(q, ";");
  if (n > 60) {
    n = 60;
    while (n > 0 && q[n] != ' ') n--;
    copy_word(o->desc, sizeof o->desc, q, n);
    strcat(o->desc, "...");
  } else {
    copy_word(o->desc, sizeof o->desc, q, n);
  }
  buf_free(&b);
}

/* option_line reads "  -q, --quiet  DESCRIPTION" or "  --format text|json  ...". */
static void option_line(Spec *s, const char *p, const char *eol) {
  const char *term_end = p, *q;
  Opt *o = NULL;
  char names[2][32];
  int n = 0, i;
  while (term_end < eol && !(term_end[0] == ' ' && term_end + 1 < eol && term_end[1] == ' ')) term_end++;
  for (q = p; q < term_end;) {   /* spellings, separated by ", " */
    const char *w = q, *sp;
    while (q < term_end && *q != ',' && *q != ' ') q++;
    if (*w == '-' && n < 2) copy_word(names[n++], sizeof names[0], w, (size_t)(q - w));
    if (q < term_end && *q == ',') {
      q += 2;
      continue;
    }
    if (q < term_end && *q == ' ') {   /* the argument */
      for (sp = q + 1; sp < term_end && *sp != ' ' && *sp != ','; sp++) {}
      if (n > 0 && (o = add_opt(s, names[0], strlen(names[0]))) != NULL)
        copy_word(o->arg, sizeof o->arg, q + 1, (size_t)(sp - q - 1));
      break;
    }
  }
  if (n == 0) return;
  if (!o) o = add_opt(s, names[0], strlen(names[0]));
  if (!o) return;
  for (i = 1; i < n && o->nnames < 2; i++)
    if (!find_opt(s, names[i], strlen(names[i]))) copy_word(o->names[o->nnames++], sizeof o->names[0], names[i], strlen(names[i]));
  if (!o->desc[0]) describe(o, term_end, eol);
}

/* usage_line reads "Usage: rbk CMD RUN --as ROLE [--note TEXT] [FILE...]". */
static void usage_line(Spec *s, const char *p, const char *eol) {
  int slot = 0, word = 0, closed;
  while (p < eol) {
    const char *w, *e;
    size_t len;
    while (p < eol && *p == ' ') p++;
    w = p;
    while (p < eol && *p != ' ') p++;
    e = p;
    if (w == e) break;
    if (++word <= 2) continue;   /* "rbk CMD" */
    closed = memchr(w, ']', (size_t)(e - w)) != NULL;
    if (*w == '[') w++;
    len = (size_t)(e - w);
    while (len && (w[len - 1] == ']' || w[len - 1] == '.')) len--;
    if (len == 0 || strncmp(w, "OPTIONS", len) == 0) continue;
    if (*w == '-') {   /* an option, maybe with its argument in the next word */
      size_t alen;
      Opt *o = add_opt(s, w, len);
      const char *a = p;
      if (closed || !o) continue;
      while (a < eol && *a == ' ') a++;
      if (a >= eol || *a == '-' || *a == '[') continue;
      for (p = a; p < eol && *p != ' '; p++) {}
      alen = (size_t)(p - a);
      while (alen && (a[alen - 1] == ']' || a[alen - 1] == '.')) alen--;
      if (!o->arg[0]) copy_word(o->arg, sizeof o->arg, a, alen);
      continue;
    }
    if (slot < MAX_SLOTS) {   /* a positional argument; a second Usage line adds words */
      char *dst = s->slot[slot];
      if (dst[0] && strlen(dst) + len + 2 < sizeof s->slot[0] && memchr(w, '|', len)) {
        strcat(dst, "|");
        strncat(dst, w, len);
      } else if (!dst[0]) {
        copy_word(dst, sizeof s->slot[0], w, len);
      }
      if (slot + 1 > s->nslots) s->nslots = slot + 1;
      if (e - w >= 3 && strncmp(e - 3, "...", 3) == 0) s->repeat = 1;
      slot++;
    }
  }
}

static void read_usage(const char *usage, Spec *s) {
  const char *p = usage;
  memset(s, 0, sizeof *s);
  while (*p) {
    const char *eol = strchr(p, '\n');
    if (!eol) eol = p + strlen(p);
    if (strncmp(p, "Usage: ", 7) == 0) usage_line(s, p + 7, eol);
    else if (strncmp(p, "       rbk ", 11) == 0) usage_line(s, p + 7, eol);
    else if (strncmp(p, "  -", 3) == 0) option_line(s, p + 2, eol);
    p = *eol ? eol + 1 : eol;
  }
  if (!find_opt(s, "--help", 6)) {
    Opt *o = add_opt(s, "-h", 2);
    if (o) {
      copy_word(o->names[o->nnames++], sizeof o->names[0], "--help", 6);
      copy_word(o->desc, sizeof o->desc, "show the usage", 14);
    }
  }
}

/* steps prints the step names (and titles) of the runbook at path. */
static void steps(const char *path) {
  Source src;
  Ast ast;
  Diags d;
  char why[256];
  const Node *n, *m;
  if (src_load(&src, path, why, sizeof why) != 0) return;
  diag_init(&d);
  ast_init(&ast, &src);
  if (parse_source(&ast, &d, PARSE_FILE, NULL) == 0 && ast.root) {
    for (n = ast.root->a; n; n = n->next) {
      if (n->kind != N_RUNBOOK) continue;
      for (m = n->b; m; m = m->next) {
        if (m->kind != N_STEP || !m->a) continue;
        if (m->b && m->b->kind == N_STR) printf("%s\t%s\n", m->a->str, m->b->str);
        else printf("%s\n", m->a->str);
      }
    }
  }
  ast_free(&ast);
  diag_free(&d);
  src_free(&src);
}

/* offer prints the candidates for an argument written as spec. */
static void offer(const char *spec, const char *file, const char *state) {
  if (strchr(spec, '|')) {
    const char *p = spec;
    while (*p) {
      size_t n = strcspn(p, "|");
      printf("%.*s\n", (int)n, p);
      p += n + (p[n] == '|');
    }
  } else if (strcmp(spec, "FILE") == 0) {
    puts("@runbook");
  } else if (strcmp(spec, "OUT") == 0) {
    puts("@file");
  } else if (strcmp(spec, "DIR") == 0) {
    puts("@dir");
  } else if (strcmp(spec, "STEP") == 0) {
    if (file) steps(file);
  } else if (strcmp(spec, "RUN") == 0) {
    char a0[] = "runs", a1[] = "--ids", a2[] = "--state";
    char *argv[5] = {a0, a1, a2, NULL, NULL};
    argv[3] = (char *)state;
    fflush(stdout);
    cmd_runs(state ? 4 : 2, argv);
  }
}

int cli_complete(int argc, char **argv, const Command *commands) {
  const Command *c;
  const char *cur, *file = NULL, *state = NULL;
  char **word;
  Opt *value_of = NULL;
  Spec *s;
  int i, first = 1, n, at = -1, slot = 0;
  if (argc > 1 && cli_is_help(argv[1])) {
    fputs(usage_complete, stdout);
    return EXIT_OK;
  }
  if (argc > 2 && strcmp(argv[1], "--at") == 0) {
    char *end;
    long v = strtol(argv[2], &end, 10);
    if (*end || v < 0) return cli_usage_error("complete", "--at needs a word index, not '%s'", argv[2]);
    at = (int)v;
    first = 3;
  }
  if (argc > first && strcmp(argv[first], "--") == 0) first++;
  word = argv + first;   /* the words after "rbk" */
  n = argc - first;
  if (at < 0) at = n - 1;
  if (n < 1 || at >= n) return cli_usage_error("complete", "no WORD to complete");
  cur = word[at];
  if (at == 0 || strcmp(word[0], "help") == 0) {
    if (at == 0 && cur[0] == '-') {
      puts("--help\tshow the commands");
      puts("--version\tprint the version");
      return EXIT_OK;
    }
    if (at > 1) return EXIT_OK;
    for (c = commands; c->name; c++) printf("%s\t%s\n", c->name, c->summary);
    if (at == 0) puts("help\tthe full usage of a command");
    return EXIT_OK;
  }
  for (c = commands; c->name && strcmp(c->name, word[0]) != 0; c++) {}
  if (!c->name || !c->usage[0]) return EXIT_OK;   /* unknown, or not built yet */
  s = mem_calloc(sizeof *s);
  read_usage(c->usage, s);
  /* Read the other words: options and their values, and positional
  ** arguments (those before the current one say which it is); note the
  ** runbook FILE and the --state DIR, wherever they are. */
  for (i = 1; i < n; i++) {
    const char *w = word[i];
    Opt *o = w[0] == '-' && w[1] && i != at ? find_opt(s, w, strlen(w)) : NULL;
    if (i == at) continue;
    if (o && o->arg[0]) {
      if (i + 1 == at) value_of = o;   /* the current word is its value */
      else if (i + 1 < n && strcmp(o->names[0], "--state") == 0) state = word[i + 1];
      i++;
    } else if (!(w[0] == '-' && w[1])) {
      int k = slot < s->nslots ? slot : s->nslots - 1;
      if (k >= 0 && strcmp(s->slot[k], "FILE") == 0 && !file) file = w;
      if (i < at) slot++;
    }
  }
  if (value_of) {
    offer(value_of->arg, file, state);
  } else if (cur[0] == '-') {
    int j;
    for (i = 0; i < s->nopt; i++)
      for (j = 0; j < s->opt[i].nnames; j++) {
        if (s->opt[i].desc[0]) printf("%s\t%s\n", s->opt[i].names[j], s->opt[i].desc);
        else printf("%s\n", s->opt[i].names[j]);
      }
  } else if (slot < s->nslots || (s->repeat && s->nslots > 0)) {
    offer(s->slot[slot < s->nslots ? slot : s->nslots - 1], file, state);
  }
  mem_free(s);
  return EXIT_OK;
}
