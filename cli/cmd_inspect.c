/*
** cmd_inspect.c -- `rbk runs`, `rbk status RUN` and `rbk log RUN`: read
** run journals (docs/journal.md) and show them to people and to scripts.
**
** READ-ONLY: the journal is read as runread.h says (never with
** jrn_open), and run states are derived there (rr_derive). A gate or
** in-doubt effect that has been answered since (an effect_end or decision
** for its number, as rbk approve/confirm/answer write) leaves the run
** waiting only for rbk resume.
**
** Text output escapes control characters (a journal holds command output,
** which may carry terminal escapes) and shortens long values; JSON output
** is the journal's own data.
*/
#include "inspect.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "../base/buf.h"
#include "../base/diag.h"
#include "../run/journal.h"
#include "../base/duration.h"
#include "../base/json.h"
#include "../base/mem.h"
#include "../vm/value.h"
#include "args.h"
#include "cli.h"
#include "runpick.h"
#include "../review/status_page.h"
#include "../run/runread.h"
#include "../run/signing.h"
#include "../run/state.h"

const char usage_runs[] =
  "Usage: rbk runs [OPTIONS]\n"
  "\n"
  "List the runs in the state directory, newest first: each run's ID, its\n"
  "state, when it started (local time), how long it took (from its start\n"
  "to its end, or to its last record) and its runbook (title and path).\n"
  "\n"
  "The state is one of:\n"
  "  succeeded, failed        the run finished\n"
  "  waiting: FOR-WHAT        it paused for a person: an approval, a\n"
  "                           confirmation, an answer, or a decision on a\n"
  "                           command that may or may not have run; once\n"
  "                           that is given, \"resume (approved by ...)\"\n"
  "  interrupted              it stopped part way ('rbk resume' continues)\n"
  "  running                  the process executing it is alive\n"
  "  damaged: record N ...    its journal fails verification ('rbk log RUN\n"
  "                           --verify' says why)\n"
  "  unreadable: REASON       its journal cannot be read; such runs are\n"
  "                           listed, never skipped\n"
  "\n"
  "Options:\n"
  "  --format text|json  text (default): a table; json: one object\n"
  "                      (docs/json.md) with format_version and runs, each\n"
  "                      with run (the ID), dir, runbook, title, outcome\n"
  "                      (one word), summary (the STATE column), started\n"
  "                      (RFC 3339 UTC, or null), duration (seconds, or\n"
  "                      null) and trail (the runs linked to it: started_by,\n"
  "                      undo_of, undone_by, backout_of, backed_out_by;\n"
  "                      docs/journal.md)\n"
  "  --ids               print only the IDs, one per line, newest first by\n"
  "                      the time in the ID; no journal is read (for shell\n"
  "                      completion)\n"
  "  --state DIR         the state directory (default: $RBK_STATE_DIR, else\n"
  "                      ./.rbk); runs are in DIR/runs/\n"
  "  -h, --help          show this text\n"
  "\n"
  "Nothing is written: journals are only read.\n"
  "\n"
  "Exit status:\n"
  "  0  the list was printed (even if some journals are unreadable)\n"
  "  1  the state directory's runs/ exists but cannot be read\n"
  "  2  usage error\n"
  "\n"
  "Environment:\n"
  "  RBK_STATE_DIR  the state directory, unless --state is given\n"
  "  NO_COLOR       if set and not empty, never colour the output\n";

const char usage_status[] =
  "Usage: rbk status [OPTIONS] [RUN]\n"
  "\n"
  "Show the state of a run from its journal: its ID, runbook, title,\n"
  "operator, host, start time (local) and state; then each step of the\n"
  "runbook in order with its state, attempts and duration. A step is\n"
  "pending (not started), running, ok, recovered (failed, then its 'on\n"
  "failure' handler completed), failed or interrupted; the last attempt\n"
  "counts.\n"
  "\n"
  "A waiting run says what it waits for and from whom (the gate, its\n"
  "text, the role and the person), or which command is in doubt (it\n"
  "started but its end was never recorded), and prints the exact commands\n"
  "that continue it, for example:\n"
  "  rbk approve RUN --as lead       then  rbk resume RUN\n"
  "  rbk confirm RUN                 then  rbk resume RUN\n"
  "  rbk answer RUN yes|no           then  rbk resume RUN\n"
  "  rbk answer RUN rerun|skip|done  then  rbk resume RUN\n"
  "Once the answer is journaled, it says who gave it and when, and only\n"
  "'rbk resume RUN' is left. An interrupted run names the command that was\n"
  "cut short, if any; a run whose process is alive is shown as running; a\n"
  "damaged journal is named and no way to continue is offered (resume\n"
  "refuses it).\n"
  "\n"
  "RUN is a run ID (looked up in the state directory) or the path of a run\n"
  "directory. Left out, it is the newest run there (newest by start time);\n"
  "which one is said on standard error.\n"
  "\n"
  "Options:\n"
  "  --format text|json|html  text (default); json: one JSON object\n"
  "                      (docs/json.md) with format_version, run (the ID),\n"
  "                      dir, runbook, title, operator, host, started,\n"
  "                      duration, outcome, summary, trail (the runs linked\n"
  "                      to it and the watch that started it;\n"
  "                      docs/journal.md), journal, steps, waiting, in_doubt\n"
  "                      and continue (the commands, an array); or html: the\n"
  "                      run's status page, as rbk run keeps it in\n"
  "                      RUNDIR/status.html (current step and hosts, elapsed\n"
  "                      against planned and the window, what it waits for\n"
  "                      and the command that unblocks it, the last verifies,\n"
  "                      the links to other runs; one self-contained page\n"
  "                      that reloads itself every 2 s until the run ends)\n"
  "  --state DIR         look RUN up in DIR/runs/ (default: $RBK_STATE_DIR,\n"
  "                      else ./.rbk)\n"
  "  -h, --help          show this text\n"
  "\n"
  "Nothing is written: the journal is only read. A torn last record (left\n"
  "by a crash) is noted and the records before it are used.\n"
  "\n"
  "Exit status:\n"
  "  0  the state was shown\n"
  "  1  the journal is damaged or unreadable (what could be read is shown)\n"
  "  2  usage error, or no such run\n"
  "\n"
  "Environment:\n"
  "  RBK_STATE_DIR  the state directory, unless --state is given\n"
  "  NO_COLOR       if set and not empty, never colour the output\n";

const char usage_log[] =
  "Usage: rbk log [OPTIONS] [RUN]\n"
  "\n"
  "Print a run's journal, one line per record: its number, its time (local)\n"
  "and its type, then its fields in short: commands with their exit status\n"
  "and duration, gates with who answered and their note, failed verifies\n"
  "with both sides, step ends with their state. Secrets never reach the\n"
  "journal (they are recorded as ***), so none can be printed.\n"
  "\n"
  "RUN is a run ID (looked up in the state directory) or the path of a run\n"
  "directory. Left out, it is the newest run there (newest by start time);\n"
  "which one is said on standard error.\n"
  "\n"
  "Options:\n"
  "  --format text|json  text (default), or one JSON object (docs/json.md)\n"
  "                      with format_version, run and records (the records\n"
  "                      exactly as journaled)\n"
  "  --verify            check the journal instead of printing it: the hash\n"
  "                      chain, the numbering and the form of every record;\n"
  "                      prints \"journal intact: N records, chain verified\",\n"
  "                      or names the first bad record (with --format json:\n"
  "                      an object with format_version, run, intact,\n"
  "                      records, torn, record, line and reason)\n"
  "  --state DIR         look RUN up in DIR/runs/ (default: $RBK_STATE_DIR,\n"
  "                      else ./.rbk)\n"
  "  -h, --help          show this text\n"
  "\n"
  "Nothing is written: the journal is only read. Without --verify, records\n"
  "after the first bad one are not printed; a torn last record (left by a\n"
  "crash; 'rbk resume' sets it aside) is noted on standard error.\n"
  "\n"
  "Exit status:\n"
  "  0  printed; with --verify: the journal is intact\n"
  "  1  the journal is damaged or unreadable; with --verify also a torn\n"
  "     last record\n"
  "  2  usage error, or no such run\n"
  "\n"
  "Environment:\n"
  "  RBK_STATE_DIR  the state directory, unless --state is given\n"
  "  NO_COLOR       if set and not empty, never colour the output\n";

/* ---- options --------------------------------------------------------- */

typedef struct Opts {
  int json, ids, verify;
  const char *state;   /* --state DIR, or NULL */
  const char *run;     /* the RUN argument, or picked */
  char picked[JRN_PATH_MAX];   /* RUN left out: the newest run's ID */
} Opts;

enum { WANT_RUN = 1, ALLOW_IDS = 2, ALLOW_VERIFY = 4 };

/* The options of runs, status and log (their usage above says them in
** full); parse_opts refuses those a command does not take. */
enum { O_FORMAT = 1, O_STATE, O_IDS, O_VERIFY };
static const CliOpt runs_opts[] = {
  {"format", 0, O_FORMAT, "text|json", "text (default) or JSON"},
  {"state", 0, O_STATE, "DIR", "the state directory"},
  {"ids", 0, O_IDS, NULL, "print only the run IDs"},
  {NULL, 0, 0, NULL, NULL},
};
static const CliOpt status_opts[] = {
  {"format", 0, O_FORMAT, "text|json|html", "text (default), JSON or an HTML page"},
  {"state", 0, O_STATE, "DIR", "look RUN up in DIR/runs/"},
  {NULL, 0, 0, NULL, NULL},
};
static const CliOpt log_opts[] = {
  {"format", 0, O_FORMAT, "text|json", "text (default) or JSON Lines"},
  {"verify", 0, O_VERIFY, NULL, "check the journal's integrity"},
  {"state", 0, O_STATE, "DIR", "look RUN up in DIR/runs/"},
  {NULL, 0, 0, NULL, NULL},
};

/* parse_opts reads the command line by the table opts; options may come
** anywhere and "--" ends them. Returns EXIT_OK, a usage error, or -1
** after printing help. */
static int parse_opts(const char *cmd, const char *usage, int argc, char **argv, int flags,
                      Opts *o) {
  static const char *const formats[] = {"text", "json", NULL};   /* json: index 1 */
  static const char *const status_formats[] = {"text", "json", "html", NULL};   /* html: index 2 */
  const CliOpt *opts = (flags & ALLOW_IDS) ? runs_opts : (flags & ALLOW_VERIFY) ? log_opts : status_opts;
  CliParser P;
  int c, rc = EXIT_OK;
  memset(o, 0, sizeof *o);
  cli_parse_init(&P, cmd, usage, opts, argc, argv);
  while (rc == EXIT_OK && (c = cli_next(&P)) != CLI_END) {
    if (c == CLI_HELP) rc = -1;
    else if (c == CLI_ERROR) rc = EXIT_USAGE;
    else if (c == CLI_ARG && !(flags & WANT_RUN)) rc = cli_usage_error(cmd, "unexpected argument '%s'", P.value);
    else if (c == CLI_ARG && o->run) rc = cli_usage_error(cmd, "one RUN at a time ('%s' and '%s')", o->run, P.value);
    else if (c == CLI_ARG) o->run = P.value;
    else if (c == O_FORMAT && cli_format_value(cmd, P.value, opts == status_opts ? status_formats : formats, &o->json) != 0)
      rc = EXIT_USAGE;
    else if (c == O_STATE) o->state = P.value;
    else if (c == O_IDS) o->ids = 1;
    else if (c == O_VERIFY) o->verify = 1;
  }
  cli_parse_free(&P);
  if (rc != EXIT_OK) return rc;
  if (o->state && !o->state[0]) return cli_usage_error(cmd, "--state needs a directory");
  if ((flags & WANT_RUN) && !o->run) {   /* RUN left out: the newest run */
    if (cli_pick_run(cmd, PICK_NEWEST, o->state, o->picked, sizeof o->picked) != 0) return EXIT_USAGE;
    o->run = o->picked;
  }
  return EXIT_OK;
}

/* ---- small readers of records ---------------------------------------- */

/* fmt_local writes a journal time as local "YYYY-MM-DD HH:MM:SS[.mmm]";
** a time it cannot read is copied as it is. */
static void fmt_local(const char *s, int with_ms, char *out, size_t n) {
  long long ms;
  time_t t;
  struct tm tm;
  char day[32];
  if (!s) {
    snprintf(out, n, "-");
    return;
  }
  if (!rr_parse_time(s, &ms)) {
    snprintf(out, n, "%s", s);
    return;
  }
  t = (time_t)(ms / 1000);
  if (!localtime_r(&t, &tm) || strftime(day, sizeof day, "%Y-%m-%d %H:%M:%S", &tm) == 0) {
    snprintf(out, n, "%s", s);
    return;
  }
  if (with_ms) snprintf(out, n, "%.19s.%03d", day, (int)(ms % 1000));
  else snprintf(out, n, "%s", day);
}

/* ---- text for a terminal -------------------------------------------- */

/* put_quoted appends a string field as "..." (escaped, shortened). */
static void put_quoted(Buf *b, const Json *o, const char *key, size_t max) {
  buf_putc(b, '"');
  rr_put_field(b, o, key, max);
  buf_putc(b, '"');
}

static void put_dur(Buf *b, double secs) { val_fmt_duration(secs, b); }

/* put_signal appends a journaled signal: "SIGTERM" (also for "TERM"), or a
** number as "signal 15". */
static void put_signal(Buf *b, const Json *v) {
  size_t n, i;
  const char *s = json_str(v, &n);
  if (s) {
    int bare = n > 0 && strncmp(s, "SIG", 3) != 0;   /* "TERM" is shown as "SIGTERM" */
    for (i = 0; i < n; i++)
      if (!(s[i] >= 'A' && s[i] <= 'Z')) bare = 0;
    if (bare) buf_puts(b, "SIG");
    rr_put_clean(b, s, n, 40);
  } else if (json_kind(v) == JSON_NUM) {
    buf_puts(b, "signal ");
    rr_put_value(b, v, 20);
  } else {
    rr_put_value(b, v, 40);
  }
}

/* Colours, used only when the output is a terminal (diag_use_color). */
#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_DIM "\033[2m"
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"

static const char *state_color(const char *s) {
  if (strcmp(s, "succeeded") == 0 || strcmp(s, "ok") == 0) return C_GREEN;
  if (strncmp(s, "failed", 6) == 0 || strncmp(s, "damaged", 7) == 0 ||
      strncmp(s, "unreadable", 10) == 0)
    return C_RED;
  if (strcmp(s, "pending") == 0) return C_DIM;
  return C_YELLOW;
}

/* text_width counts the characters of UTF-8 text, for lining up columns. */
static int text_width(const char *s) {
  int w = 0;
  for (; *s; s++)
    if ((*s & 0xC0) != 0x80) w++;
  return w;
}

/* put_painted appends text in colour, padded with spaces to width. */
static void put_painted(Buf *b, int color, const char *code, const char *text, int width) {
  int len = text_width(text);
  if (color) buf_puts(b, code);
  buf_puts(b, text);
  if (color) buf_puts(b, C_RESET);
  for (; len < width; len++) buf_putc(b, ' ');
}

static void flush(Buf *b, FILE *f) {
  if (b->n) fwrite(b->p, 1, b->n, f);
  buf_reset(b);
}


/* ---- JSON output helpers --------------------------------------------- */

/* base_name is the last part of a run directory's path: the run's ID */
static const char *base_name(const char *dir) {
  const char *p = strrchr(dir, '/');
  return p && p[1] ? p + 1 : dir;
}

static void jput_str(Buf *b, const char *s) {
  if (s) buf_json_str(b, s, strlen(s));
  else buf_puts(b, "null");
}

/* jput_field copies a field of o as it is (null when absent). */
static void jput_field(Buf *b, const Json *o, const char *key) {
  const Json *v = json_get(o, key);
  if (v) json_print(b, v);
  else buf_puts(b, "null");
}

/* jput_num puts a duration in seconds, rounded to the millisecond */
static void jput_num(Buf *b, int have, double d) {
  if (have) dur_json(b, d);
  else buf_puts(b, "null");
}

/* ---- rbk runs -------------------------------------------------------- */

typedef struct Row {
  char *id, *dir, *runbook, *title, *state, *summary, *started, *sortkey;
  char *trail;   /* the links to other runs, as JSON (rr_put_trail_json), or NULL */
  double secs;
  int has_secs, color_len;
} Row;

static char *dup_or_null(const char *s) { return s ? mem_strdup(s) : NULL; }

static int row_cmp(const void *a, const void *b) {
  const Row *x = a, *y = b;
  int c = strcmp(y->sortkey, x->sortkey);   /* newest first */
  return c ? c : strcmp(y->id, x->id);
}

/* id_sortkey makes a sort key for a run without reading its journal: the
** time in its ID (NAME-YYYYMMDD-HHMMSS[-N], UTC) as run_start writes
** times, else the directory's modification time. */
static char *id_sortkey(const char *id, const char *dir) {
  char key[64] = "";
  size_t len = strlen(id);
  const char *p;
  for (p = len >= 16 ? id + len - 15 : id; len >= 16 && p-- > id;) {
    int ok = p[0] == '-' && p[9] == '-', k;
    for (k = 1; ok && k <= 15; k++)
      if (k != 9 && !(p[k] >= '0' && p[k] <= '9')) ok = 0;
    if (ok) {
      snprintf(key, sizeof key, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s.000Z", p + 1, p + 5, p + 7, p + 10,
               p + 12, p + 14);
      return mem_strdup(key);
    }
  }
  {
    struct stat st;
    struct tm tm;
    time_t t = stat(dir, &st) == 0 ? st.st_mtime : 0;
    if (gmtime_r(&t, &tm)) strftime(key, sizeof key, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
  }
  return mem_strdup(key);
}

static void row_fill(Row *r, const char *dir, const char *name) {
  RrJournal L;
  RrInfo I;
  Buf s = BUF_INIT;
  rr_load(&L, dir);
  rr_derive(&L, dir, &I);
  r->dir = mem_strdup(dir);
  r->id = mem_strdup(name);
  r->runbook = dup_or_null(I.runbook);
  r->title = dup_or_null(I.title);
  r->started = dup_or_null(I.started);
  r->state = mem_strdup(rr_state_word(&I));
  rr_put_summary(&s, &I);
  if (I.state != RR_S_UNREADABLE) rr_put_undo_links(&s, &L, &I, dir);
  r->summary = buf_take(&s);
  if (I.state != RR_S_UNREADABLE) {
    RrTrail T;
    rr_trail(&L, &I, dir, &T);
    rr_put_trail_json(&s, &T);
    r->trail = buf_take(&s);
  }
  r->has_secs = I.state != RR_S_UNREADABLE && rr_run_secs(&I, &r->secs);
  r->sortkey = I.started ? mem_strdup(I.started) : id_sortkey(name, dir);
  rr_info_free(&I);
  rr_unload(&L);
}

static void row_free(Row *r) {
  mem_free(r->id);
  mem_free(r->dir);
  mem_free(r->runbook);
  mem_free(r->title);
  mem_free(r->state);
  mem_free(r->summary);
  mem_free(r->trail);
  mem_free(r->started);
  mem_free(r->sortkey);
}

static void runbook_text(Buf *b, const char *title, const char *runbook) {
  if (title && *title) {
    rr_put_cstr(b, title, 80);
    if (runbook && *runbook) {
      buf_puts(b, " (");
      rr_put_cstr(b, runbook, 200);
      buf_putc(b, ')');
    }
  } else if (runbook && *runbook) {
    rr_put_cstr(b, runbook, 200);
  } else {
    buf_putc(b, '-');
  }
}

static void print_runs_text(Row *rows, size_t n) {
  Buf out = BUF_INIT, t = BUF_INIT;
  int color = diag_use_color(stdout);
  int wid = 2, wstate = 5;
  size_t i;
  for (i = 0; i < n; i++) {
    buf_reset(&t);
    rr_put_cstr(&t, rows[i].id, 200);
    if (text_width(buf_cstr(&t)) > wid) wid = text_width(buf_cstr(&t));
    if (text_width(rows[i].summary) > wstate) wstate = text_width(rows[i].summary);
  }
  buf_reset(&t);
  buf_printf(&t, "%-*s  %-*s  %-19s  %-9s  %s", wid, "ID", wstate, "STATE", "STARTED", "DURATION", "RUNBOOK");
  put_painted(&out, color, C_BOLD, t.p, 0);
  buf_putc(&out, '\n');
  for (i = 0; i < n; i++) {
    const Row *r = &rows[i];
    char when[64];
    int k;
    buf_reset(&t);
    rr_put_cstr(&t, r->id, 200);
    buf_puts(&out, t.p);
    for (k = text_width(buf_cstr(&t)); k < wid + 2; k++) buf_putc(&out, ' ');
    put_painted(&out, color, state_color(r->state), r->summary, wstate + 2);
    fmt_local(r->started, 0, when, sizeof when);
    buf_printf(&out, "%-19s  ", when);
    buf_reset(&t);
    if (r->has_secs) put_dur(&t, r->secs);
    else buf_putc(&t, '-');
    buf_printf(&out, "%-9s  ", t.p);
    runbook_text(&out, r->title, r->runbook);
    buf_putc(&out, '\n');
    flush(&out, stdout);
  }
  flush(&out, stdout);
  buf_free(&out);
  buf_free(&t);
}

static void print_runs_json(Row *rows, size_t n) {
  Buf out = BUF_INIT;
  size_t i;
  buf_printf(&out, "{\"format_version\":%d,\"runs\":[", JSON_FORMAT_VERSION);
  for (i = 0; i < n; i++) {
    const Row *r = &rows[i];
    buf_puts(&out, i ? ",\n  {" : "\n  {");
    buf_puts(&out, "\"run\":");
    jput_str(&out, r->id);
    buf_puts(&out, ",\"dir\":");
    jput_str(&out, r->dir);
    buf_puts(&out, ",\"runbook\":");
    jput_str(&out, r->runbook);
    buf_puts(&out, ",\"title\":");
    jput_str(&out, r->title);
    buf_puts(&out, ",\"outcome\":");
    jput_str(&out, r->state);
    buf_puts(&out, ",\"summary\":");
    jput_str(&out, r->summary);
    buf_puts(&out, ",\"started\":");
    jput_str(&out, r->started);
    buf_puts(&out, ",\"duration\":");
    jput_num(&out, r->has_secs, r->secs);
    buf_puts(&out, ",\"trail\":");
    buf_puts(&out, r->trail ? r->trail : "null");
    buf_putc(&out, '}');
    flush(&out, stdout);
  }
  buf_puts(&out, n ? "\n]}\n" : "]}\n");
  flush(&out, stdout);
  buf_free(&out);
}

int cmd_runs(int argc, char **argv) {
  char state[JRN_PATH_MAX], runs[JRN_PATH_MAX], dir[JRN_PATH_MAX];
  Row *rows = NULL;
  size_t n = 0, cap = 0, i;
  struct dirent *e;
  DIR *d;
  Opts o;
  int rc = parse_opts("runs", usage_runs, argc, argv, ALLOW_IDS, &o);
  if (rc < 0) return EXIT_OK;
  if (rc != EXIT_OK) return rc;
  if (o.state) snprintf(state, sizeof state, "%s", o.state);
  else state_dir_default(state, sizeof state);
  if ((size_t)snprintf(runs, sizeof runs, "%s/runs", state) >= sizeof runs)
    return cli_usage_error("runs", "the state directory's path is too long");
  d = opendir(runs);
  if (!d && errno != ENOENT) {
    fprintf(stderr, "rbk runs: cannot read %s: %s\n", runs, strerror(errno));
    return EXIT_FAILED;
  }
  while (d && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    if ((size_t)snprintf(dir, sizeof dir, "%s/%s", runs, e->d_name) >= sizeof dir - 32) continue;
    if (!rr_is_dir(dir)) continue;   /* not a run directory */
    if (n == cap) rows = mem_grow(rows, &cap, n + 1, sizeof *rows);
    memset(&rows[n], 0, sizeof rows[n]);
    if (o.ids) {   /* completion wants speed: no journal is read */
      rows[n].id = mem_strdup(e->d_name);
      rows[n].sortkey = id_sortkey(e->d_name, dir);
    } else {
      row_fill(&rows[n], dir, e->d_name);
    }
    n++;
  }
  if (d) closedir(d);
  if (n) qsort(rows, n, sizeof *rows, row_cmp);
  if (o.ids) {
    for (i = 0; i < n; i++) printf("%s\n", rows[i].id);
  } else if (o.json) {
    print_runs_json(rows, n);
  } else if (n == 0) {
    fprintf(stderr, "rbk runs: no runs in %s\n", state);
  } else {
    print_runs_text(rows, n);
  }
  for (i = 0; i < n; i++) row_free(&rows[i]);
  mem_free(rows);
  return EXIT_OK;
}

/* ---- rbk status ------------------------------------------------------ */

/* open_run resolves and loads RUN; returns EXIT_OK or an exit status. */
static int open_run(const char *cmd, const Opts *o, char *dir, size_t n, char *ref, size_t refn,
                    RrJournal *L) {
  char err[JRN_PATH_MAX + 200];
  if (rr_find_run(o->run, o->state, dir, n, ref, refn, err, sizeof err) < 0) {
    fprintf(stderr, "rbk %s: %s\n", cmd, err);
    return EXIT_USAGE;
  }
  if (rr_load(L, dir) < 0) {
    fprintf(stderr, "rbk %s: cannot read %s: %s\n", cmd, L->path, L->why);
    rr_unload(L);
    return EXIT_FAILED;
  }
  return EXIT_OK;
}

static void status_text(const RrInfo *I, const RrJournal *L, const char *dir, const char *ref) {
  Buf out = BUF_INIT, t = BUF_INIT;
  int color = diag_use_color(stdout);
  char when[64];
  double secs;
  size_t i;
  int wname = 4, wstate = 5;
  buf_puts(&out, "Run       ");
  rr_put_cstr(&out, I->id, 200);
  if (I->journal_id && strcmp(I->journal_id, I->id) != 0) {
    buf_puts(&out, " (journaled as ");
    rr_put_cstr(&out, I->journal_id, 200);
    buf_putc(&out, ')');
  }
  buf_puts(&out, "\nRunbook   ");
  runbook_text(&out, I->title, I->runbook);
  buf_puts(&out, "\nOperator  ");
  rr_put_cstr(&out, I->operator_name ? I->operator_name : "-", 100);
  buf_puts(&out, "\nHost      ");
  rr_put_cstr(&out, I->host ? I->host : "-", 100);
  fmt_local(I->started, 0, when, sizeof when);
  buf_printf(&out, "\nStarted   %s\n", when);
  if (rr_run_secs(I, &secs)) {
    buf_puts(&out, "Duration  ");
    put_dur(&out, secs);
    buf_putc(&out, '\n');
  }
  buf_puts(&out, "State     ");
  rr_put_summary(&t, I);
  rr_put_undo_links(&t, L, I, dir);
  put_painted(&out, color, state_color(rr_state_word(I)), t.p, 0);
  buf_putc(&out, '\n');
  {
    /* the trail: what started the run (a watch's trigger and its values) */
    const Json *sb = I->start ? json_get(I->start, "started_by") : NULL;
    if (json_kind(sb) == JSON_OBJ) {
      buf_puts(&out, "Cause     started by ");
      rr_put_started_by(&out, sb);
      buf_putc(&out, '\n');
    }
  }
  if (L->problem != RR_J_INTACT) {
    buf_puts(&out, "Journal   ");
    buf_reset(&t);
    rr_problem_text(L, &t);
    if (strncmp(t.p, "journal ", 8) == 0) memmove(t.p, t.p + 8, (t.n -= 8) + 1);
    put_painted(&out, color, L->problem == RR_J_DAMAGED ? C_RED : C_YELLOW, t.p, 0);
    buf_printf(&out, "\n          (shown from the %zu records before it)\n", L->n);
  }
  for (i = 0; i < I->nsteps; i++) {
    buf_reset(&t);
    rr_put_cstr(&t, I->steps[i].name, 60);
    if (text_width(buf_cstr(&t)) > wname) wname = text_width(buf_cstr(&t));
    if (text_width(I->steps[i].state) > wstate) wstate = text_width(I->steps[i].state);
  }
  buf_printf(&out, "\nSteps\n  %3s  %-*s  %-*s  %-8s  %s\n", "#", wname, "STEP", wstate, "STATE", "ATTEMPTS",
             "DURATION");
  for (i = 0; i < I->nsteps; i++) {
    const RrStep *s = &I->steps[i];
    int k;
    buf_printf(&out, "  %3zu  ", i + 1);
    buf_reset(&t);
    rr_put_cstr(&t, s->name, 60);
    buf_puts(&out, t.p);
    for (k = text_width(buf_cstr(&t)); k < wname + 2; k++) buf_putc(&out, ' ');
    buf_reset(&t);
    rr_put_cstr(&t, s->state, 30);
    put_painted(&out, color, state_color(s->state), t.p, wstate + 2);
    if (s->attempts) buf_printf(&out, "%-8lld  ", s->attempts);
    else buf_printf(&out, "%-8s  ", "");
    if (s->has_secs) put_dur(&out, s->secs);
    while (out.n && out.p[out.n - 1] == ' ') out.p[--out.n] = '\0';
    buf_putc(&out, '\n');
    if (s->error && strcmp(s->state, "ok") != 0) {
      /* one line of the error (its stderr text has several) a line here,
      ** each cleaned of control characters, the whole at most ~300 bytes */
      const char *e = s->error;
      size_t left = 300;
      buf_puts(&out, "       error: ");
      while (*e && left > 0) {
        size_t n = strcspn(e, "\n"), take = n < left ? n : left;
        rr_put_clean(&out, e, take, take);
        left -= take;
        e += n;
        while (*e == '\n') e++;
        if (*e && left > 0) buf_puts(&out, "\n              ");
      }
      buf_putc(&out, '\n');
    }
  }
  rr_put_hosts(&out, L, 0);   /* steps on hosts: a line per host (run/runread.c) */
  if (I->damaged) {
    buf_puts(&out, "\nThe journal is damaged, so the run cannot be resumed: what the records\n"
                   "after the damage said is unknown. This names the damage:\n  rbk log ");
    rr_put_word(&out, ref);
    buf_puts(&out, " --verify\n");
  } else if (I->state == RR_S_WAITING && I->answer) {
    buf_puts(&out, "\n");
    buf_reset(&t);
    rr_put_answer(&t, I);
    if (t.n) t.p[0] = (char)(t.p[0] >= 'a' && t.p[0] <= 'z' ? t.p[0] - 'a' + 'A' : t.p[0]);
    buf_puts(&out, t.p);
    fmt_local(rr_str(I->answer, "time"), 0, when, sizeof when);
    buf_printf(&out, " at %s", when);
    if (rr_str(I->answer, "note")) {
      buf_puts(&out, ", note ");
      put_quoted(&out, I->answer, "note", 300);
    }
    buf_puts(&out, ":\n  ");
    if (I->gate) rr_put_field(&out, I->gate, "text", 500);
    else rr_put_field(&out, I->doubt, "what", 500);
    buf_puts(&out, "\nThe run goes on when it is resumed.\n");
  } else if (I->state == RR_S_WAITING && I->wait == RR_W_GATE) {
    const char *kind = rr_str(I->gate, "gate"), *role = rr_str(I->gate, "role"),
               *person = rr_str(I->gate, "person");
    buf_puts(&out, "\nWaiting for ");
    buf_reset(&t);
    if (role && *role) {
      rr_put_cstr(&t, role, 60);
      if (person && *person) {
        buf_puts(&t, " (");
        rr_put_cstr(&t, person, 60);
        buf_putc(&t, ')');
      }
    } else if (person && *person) {
      rr_put_cstr(&t, person, 60);
    } else {
      buf_puts(&t, "a person");
    }
    buf_puts(&out, t.p);
    if (!kind) kind = "";
    if (strcmp(kind, "approve") == 0) buf_puts(&out, " to approve");
    else if (strcmp(kind, "manual") == 0) buf_puts(&out, " to confirm that this is done");
    else if (strcmp(kind, "ask") == 0) buf_puts(&out, " to answer yes or no");
    else {
      buf_puts(&out, " at a gate ");
      rr_put_cstr(&out, kind, 30);
    }
    buf_puts(&out, ":\n  ");
    rr_put_field(&out, I->gate, "text", 500);
    buf_putc(&out, '\n');
  } else if (I->state == RR_S_WAITING && I->wait == RR_W_DOUBT) {
    long long n = -1;
    rr_int(I->doubt, "n", &n);
    buf_printf(&out, "\nWaiting for a decision on effect #%lld", n);
    if (rr_str(I->doubt, "step")) {
      buf_puts(&out, " in step ");
      rr_put_field(&out, I->doubt, "step", 60);
    }
    buf_puts(&out, ": it started, but its end\n"
                   "was never recorded, so it may or may not have happened. Re-run it, skip it,\n"
                   "or mark it done:\n  ");
    rr_put_field(&out, I->doubt, "what", 500);
    buf_putc(&out, '\n');
  } else if (I->state == RR_S_WAITING) {
    buf_puts(&out, "\nWaiting for ");
    rr_put_waiting_for(&out, I);
    buf_putc(&out, '\n');
  } else if (I->state == RR_S_INTERRUPTED || I->state == RR_S_RUNNING) {
    if (I->state == RR_S_RUNNING)
      buf_printf(&out, "\nBeing executed by process %lld.\n", I->pid);
    else if (I->intr && json_get(I->intr, "signal")) {
      buf_puts(&out, "\nInterrupted by ");
      put_signal(&out, json_get(I->intr, "signal"));
      buf_puts(&out, ".\n");
    } else {
      buf_puts(&out, "\nStopped part way (no end was recorded).\n");
    }
    if (I->doubt) {
      long long n = -1;
      rr_int(I->doubt, "n", &n);
      buf_printf(&out, "In doubt: effect #%lld", n);
      if (rr_str(I->doubt, "step")) {
        buf_puts(&out, " in step ");
        rr_put_field(&out, I->doubt, "step", 60);
      }
      buf_puts(&out, " started but its end was never recorded:\n  ");
      rr_put_field(&out, I->doubt, "what", 500);
      buf_puts(&out, "\nOn resume it runs again if its step is idempotent; otherwise you are asked\n"
                     "to re-run it, skip it or mark it done.\n");
    }
  }
  buf_reset(&t);
  rr_put_continue(&t, I, I->state, ref);
  if (t.n) {
    const char *p = t.p;
    buf_puts(&out, "\nTo continue:\n");
    while (*p) {
      const char *nl = strchr(p, '\n');
      buf_puts(&out, "  ");
      buf_add(&out, p, (size_t)(nl - p) + 1);
      p = nl + 1;
    }
  }
  flush(&out, stdout);
  buf_free(&out);
  buf_free(&t);
}

static void status_json(const RrInfo *I, const RrJournal *L, const char *dir, const char *ref) {
  Buf out = BUF_INIT, t = BUF_INIT;
  double secs = 0;
  size_t i;
  int have;
  buf_printf(&out, "{\"format_version\":%d,\"run\":", JSON_FORMAT_VERSION);
  jput_str(&out, I->id);
  buf_puts(&out, ",\"dir\":");
  jput_str(&out, dir);
  buf_puts(&out, ",\"runbook\":");
  jput_str(&out, I->runbook);
  buf_puts(&out, ",\"title\":");
  jput_str(&out, I->title);
  buf_puts(&out, ",\"operator\":");
  jput_str(&out, I->operator_name);
  buf_puts(&out, ",\"host\":");
  jput_str(&out, I->host);
  buf_puts(&out, ",\"started\":");
  jput_str(&out, I->started);
  buf_puts(&out, ",\"duration\":");
  have = rr_run_secs(I, &secs);
  jput_num(&out, have, secs);
  buf_puts(&out, ",\"outcome\":");
  jput_str(&out, rr_state_word(I));
  buf_puts(&out, ",\"summary\":");
  rr_put_summary(&t, I);
  jput_str(&out, t.p);
  {
    RrTrail T;   /* the links to other runs (docs/journal.md, "The trail") */
    rr_trail(L, I, dir, &T);
    buf_puts(&out, ",\"trail\":");
    rr_put_trail_json(&out, &T);
  }
  buf_printf(&out, ",\"journal\":{\"records\":%zu,\"intact\":%s,\"torn\":%s,\"damaged\":%s,\"problem\":",
             L->n, L->problem == RR_J_INTACT ? "true" : "false", L->problem == RR_J_TORN ? "true" : "false",
             L->problem == RR_J_DAMAGED ? "true" : "false");
  buf_reset(&t);
  rr_problem_text(L, &t);
  jput_str(&out, L->problem == RR_J_INTACT ? NULL : t.p);
  buf_puts(&out, "},\"steps\":[");
  for (i = 0; i < I->nsteps; i++) {
    const RrStep *s = &I->steps[i];
    buf_puts(&out, i ? ",{\"name\":" : "{\"name\":");
    jput_str(&out, s->name);
    buf_puts(&out, ",\"outcome\":");
    jput_str(&out, s->state);
    buf_printf(&out, ",\"attempts\":%lld,\"duration\":", s->attempts);
    jput_num(&out, s->has_secs, s->secs);
    buf_puts(&out, ",\"error\":");
    jput_str(&out, s->error);
    buf_putc(&out, '}');
  }
  buf_puts(&out, "],\"waiting\":");
  if (I->state == RR_S_WAITING) {
    buf_puts(&out, "{\"for\":");
    jput_str(&out, I->wait == RR_W_GATE ? "gate" : I->wait == RR_W_DOUBT ? "in_doubt" : "other");
    buf_puts(&out, ",\"gate\":");
    jput_field(&out, I->gate, "gate");
    buf_puts(&out, ",\"text\":");
    jput_field(&out, I->gate, "text");
    buf_puts(&out, ",\"role\":");
    jput_field(&out, I->gate, "role");
    buf_puts(&out, ",\"person\":");
    jput_field(&out, I->gate, "person");
    buf_puts(&out, ",\"n\":");
    jput_field(&out, I->gate ? I->gate : I->doubt ? I->doubt : I->paused, "n");
    buf_puts(&out, ",\"step\":");
    jput_field(&out, json_get(I->doubt, "step") ? I->doubt : json_get(I->gate, "step") ? I->gate : I->gate_effect,
               "step");
    buf_puts(&out, ",\"what\":");
    jput_field(&out, I->doubt ? I->doubt : I->gate_effect, "what");
    buf_puts(&out, ",\"reason\":");
    jput_field(&out, I->paused, "reason");
    buf_puts(&out, ",\"answered\":");
    if (I->answer) {
      buf_puts(&out, "{\"summary\":");
      buf_reset(&t);
      rr_put_answer(&t, I);
      jput_str(&out, t.p);
      buf_puts(&out, ",\"time\":");
      jput_field(&out, I->answer, "time");
      buf_puts(&out, ",\"by\":");
      jput_field(&out, I->answer, "by");
      buf_puts(&out, ",\"role\":");
      jput_field(&out, I->answer, "role");
      buf_puts(&out, ",\"result\":");
      jput_field(&out, I->answer, "result");
      buf_puts(&out, ",\"choice\":");
      jput_field(&out, I->answer, "choice");
      buf_puts(&out, ",\"note\":");
      jput_field(&out, I->answer, "note");
      buf_putc(&out, '}');
    } else {
      buf_puts(&out, "null");
    }
    buf_putc(&out, '}');
  } else {
    buf_puts(&out, "null");
  }
  buf_puts(&out, ",\"in_doubt\":");
  if (I->doubt) {
    buf_puts(&out, "{\"n\":");
    jput_field(&out, I->doubt, "n");
    buf_puts(&out, ",\"kind\":");
    jput_field(&out, I->doubt, "kind");
    buf_puts(&out, ",\"step\":");
    jput_field(&out, I->doubt, "step");
    buf_puts(&out, ",\"what\":");
    jput_field(&out, I->doubt, "what");
    buf_putc(&out, '}');
  } else {
    buf_puts(&out, "null");
  }
  buf_puts(&out, ",\"continue\":[");
  buf_reset(&t);
  rr_put_continue(&t, I, I->state, ref);
  if (t.n) {
    const char *p = t.p;
    int first = 1;
    while (*p) {
      const char *nl = strchr(p, '\n');
      if (!first) buf_putc(&out, ',');
      first = 0;
      buf_json_str(&out, p, (size_t)(nl - p));
      p = nl + 1;
    }
  }
  buf_puts(&out, "]}\n");
  flush(&out, stdout);
  buf_free(&out);
  buf_free(&t);
}

int cmd_status(int argc, char **argv) {
  char dir[JRN_PATH_MAX], ref[JRN_PATH_MAX];
  RrJournal L;
  RrInfo I;
  Opts o;
  int rc = parse_opts("status", usage_status, argc, argv, WANT_RUN, &o);
  if (rc < 0) return EXIT_OK;
  if (rc != EXIT_OK) return rc;
  rc = open_run("status", &o, dir, sizeof dir, ref, sizeof ref, &L);
  if (rc != EXIT_OK) return rc;
  rr_derive(&L, dir, &I);
  if (I.state == RR_S_UNREADABLE) {
    Buf t = BUF_INIT;
    if (L.problem != RR_J_INTACT) rr_problem_text(&L, &t);
    fprintf(stderr, "rbk status: %s: %s\n", L.path, t.n ? t.p : I.why);
    buf_free(&t);
    rr_info_free(&I);
    rr_unload(&L);
    return EXIT_FAILED;
  }
  if (o.json == 2) {   /* --format html: the live status page (review/status_page.c) */
    StatusPageOpts so;
    Buf page = BUF_INIT;
    memset(&so, 0, sizeof so);
    so.ref = ref;
    so.refresh = 2;
    status_page_render(&L, dir, &so, &page);
    fwrite(buf_cstr(&page), 1, page.n, stdout);
    buf_free(&page);
  } else if (o.json) {
    status_json(&I, &L, dir, ref);
  } else {
    status_text(&I, &L, dir, ref);
  }
  if (L.problem == RR_J_DAMAGED) {   /* the text says so on stdout already */
    Buf t = BUF_INIT;
    rr_problem_text(&L, &t);
    if (o.json) fprintf(stderr, "rbk status: %s\n", t.p);   /* json and html */
    buf_free(&t);
    rc = EXIT_FAILED;
  }
  rr_info_free(&I);
  rr_unload(&L);
  return rc;
}

/* ---- rbk log --------------------------------------------------------- */

/* note_start records that record i, if an effect_start, is the latest
** start of its effect's slot (rr_effect_slot), so that an effect_end
** finds its start without searching back: `rbk log` stays linear. */
static void note_start(const RrJournal *L, size_t i, long *start_at) {
  long long slot;
  if (strcmp(rr_str(L->rec[i], "type"), "effect_start") == 0 && (slot = rr_effect_slot(L->rec[i], L->n)) >= 0)
    start_at[slot] = (long)i;
}

/* put_output_notes says what a command's effect_end records about output
** that is not in the journal: bytes over the cap, a process left holding it. */
static void put_output_notes(Buf *b, const Json *r) {
  const Json *cut = json_get(r, "truncated");
  long long out = 0, err = 0;
  if (cut) {
    rr_int(cut, "out", &out);
    rr_int(cut, "err", &err);
    buf_printf(b, "; output truncated: %lld bytes of stdout, %lld of stderr not journaled", out, err);
  }
  if (rr_str(r, "left_running")) {
    buf_puts(b, "; ");
    rr_put_field(b, r, "left_running", 200);
  }
}

/* put_fields_generic appends key=value for every field after the fixed four. */
static void put_fields_generic(Buf *b, const Json *r) {
  size_t i, n;
  for (i = 4; i < json_len(r); i++) {
    const char *k = json_key(r, i, &n);
    if (i > 4) buf_putc(b, ' ');
    rr_put_clean(b, k, n, 40);
    buf_putc(b, '=');
    rr_put_value(b, json_at(r, i), 120);
  }
}

static void put_step(Buf *b, const Json *r) {
  if (rr_str(r, "step")) rr_put_field(b, r, "step", 60);
}

/* render appends the short rendering of record i's fields. */
static void render(Buf *b, const RrJournal *L, size_t i, const long *start_at) {
  const Json *r = L->rec[i];
  const char *t = rr_str(r, "type");
  long long n;
  double d;
  if (strcmp(t, "run_start") == 0) {
    const Json *steps = json_get(r, "steps"), *params = json_get(r, "params");
    size_t k;
    runbook_text(b, rr_str(r, "title"), rr_str(r, "runbook"));
    if (rr_str(r, "operator")) {
      buf_puts(b, " by ");
      rr_put_field(b, r, "operator", 60);
    }
    if (rr_str(r, "host")) {
      buf_puts(b, " on ");
      rr_put_field(b, r, "host", 60);
    }
    if (rr_int(r, "pid", &n)) buf_printf(b, ", pid %lld", n);
    if (rr_str(r, "rbk")) {
      buf_puts(b, ", rbk ");
      rr_put_field(b, r, "rbk", 30);
    }
    buf_printf(b, "; %zu step%s", json_len(steps), json_len(steps) == 1 ? "" : "s");
    for (k = 0; k < json_len(steps) && k < 20; k++) {
      const Json *s = json_at(steps, k);
      buf_puts(b, k ? ", " : ": ");
      rr_put_cstr(b, json_kind(s) == JSON_STR ? json_str(s, NULL) : rr_str(s, "name"), 40);
    }
    if (k < json_len(steps)) buf_puts(b, ", ...");
    if (json_kind(params) == JSON_OBJ && json_len(params)) {
      buf_puts(b, "; params ");
      for (k = 0; k < json_len(params); k++) {
        size_t kn;
        const char *key = json_key(params, k, &kn);
        if (k) buf_puts(b, ", ");
        rr_put_clean(b, key, kn, 40);
        buf_putc(b, '=');
        rr_put_value(b, json_at(params, k), 60);
      }
    }
    if (rr_str(r, "undo_of")) {
      buf_puts(b, "; undo of ");
      rr_put_field(b, r, "undo_of", 100);
    }
  } else if (strcmp(t, "resume") == 0) {
    buf_puts(b, "by ");
    rr_put_cstr(b, rr_str(r, "operator") ? rr_str(r, "operator") : "?", 60);
    if (rr_int(r, "pid", &n)) buf_printf(b, ", pid %lld", n);
  } else if (strcmp(t, "accept_changes") == 0) {
    const Json *ch = json_get(r, "changed");
    buf_puts(b, "by ");
    rr_put_cstr(b, rr_str(r, "by") ? rr_str(r, "by") : "?", 60);
    buf_puts(b, "; changed: ");
    rr_put_value(b, ch, 200);
  } else if (strcmp(t, "step_start") == 0) {
    if (json_get(r, "undo")) buf_puts(b, "<== undo ");
    put_step(b, r);
    if (rr_int(r, "attempt", &n)) buf_printf(b, json_get(r, "undo") ? " (undo %lld)" : " (attempt %lld)", n);
    if (json_get(r, "undo") && rr_str(r, "operator")) {
      buf_puts(b, " by ");
      rr_put_field(b, r, "operator", 60);
    }
  } else if (strcmp(t, "effect_start") == 0) {
    if (rr_int(r, "n", &n)) buf_printf(b, "%s#%lld ", json_get(r, "lane") ? "repl" : "", n);
    rr_put_cstr(b, rr_str(r, "kind") ? rr_str(r, "kind") : "effect", 20);
    if (rr_str(r, "step") && *rr_str(r, "step")) {
      buf_puts(b, " in ");
      put_step(b, r);
    }
    buf_puts(b, ": ");
    rr_put_field(b, r, "what", 200);
  } else if (strcmp(t, "effect_end") == 0) {
    const Json *res = json_get(r, "result"), *rec = json_get(res, "rec");
    long long slot = rr_effect_slot(r, L->n);
    const Json *st = slot >= 0 && start_at[slot] >= 0 ? L->rec[start_at[slot]] : NULL;
    const char *kind = rr_str(st, "kind");
    long long status = 0;
    int flag, flag_ok;
    if (rr_int(r, "n", &n)) buf_printf(b, "%s#%lld ", json_get(r, "lane") ? "repl" : "", n);
    flag = json_bool(json_get(r, "skipped"), &flag_ok);
    if (flag_ok && flag) buf_puts(b, "skipped by decision: ");
    flag = json_bool(json_get(r, "marked_done"), &flag_ok);
    if (flag_ok && flag) buf_puts(b, "marked done by decision: ");
    if (json_kind(rec) == JSON_OBJ || rr_int(r, "status", &status)) {
      int to, tok;
      if (rr_int(rec, "status", &status) || rr_int(r, "status", &status)) buf_printf(b, "exit %lld", status);
      else buf_puts(b, "exit ?");
      if (rr_secs(json_get(rec, "duration"), &d) || rr_secs(json_get(r, "duration"), &d)) {
        buf_puts(b, " in ");
        put_dur(b, d);
      }
      to = json_bool(json_get(rec, "timed_out"), &tok);
      if (tok && to) buf_puts(b, ", timed out");
      if (json_kind(rec) == JSON_OBJ && status != 0 && json_str(json_get(rec, "err"), NULL) &&
          *json_str(json_get(rec, "err"), NULL)) {
        buf_puts(b, "; err ");
        rr_put_value(b, json_get(rec, "err"), 120);
      } else if (json_kind(rec) == JSON_OBJ && (json_kind(json_get(rec, "out")) == JSON_OBJ ||   /* {"bytes"} */
                                                (json_str(json_get(rec, "out"), NULL) &&
                                                 *json_str(json_get(rec, "out"), NULL)))) {
        buf_puts(b, "; out ");
        rr_put_value(b, json_get(rec, "out"), 120);
      }
      put_output_notes(b, r);
    } else {
      if (kind) rr_put_cstr(b, kind, 20);
      else buf_puts(b, "effect");
      if (rr_str(r, "by")) {
        buf_puts(b, " by ");
        rr_put_field(b, r, "by", 60);
      }
      if (rr_str(r, "role")) {
        buf_puts(b, " as ");
        rr_put_field(b, r, "role", 60);
      }
      if (rr_str(r, "note")) {
        buf_puts(b, ", note ");
        put_quoted(b, r, "note", 200);
      }
      if (res) {
        buf_puts(b, " -> ");
        rr_put_value(b, res, 120);
      }
      if (rr_secs(json_get(r, "duration"), &d)) {
        buf_puts(b, " in ");
        put_dur(b, d);
      }
    }
  } else if (strcmp(t, "gate_wait") == 0) {
    if (rr_int(r, "n", &n)) buf_printf(b, "#%lld ", n);
    rr_put_cstr(b, rr_str(r, "gate") ? rr_str(r, "gate") : "gate", 20);
    buf_putc(b, ' ');
    put_quoted(b, r, "text", 200);
    rr_put_who(b, ", waiting for ", r);
  } else if (strcmp(t, "decision") == 0) {
    if (rr_int(r, "n", &n)) buf_printf(b, "#%lld ", n);
    rr_put_cstr(b, rr_str(r, "choice") ? rr_str(r, "choice") : "?", 20);
    if (rr_str(r, "by")) {
      buf_puts(b, " by ");
      rr_put_field(b, r, "by", 60);
    }
    if (rr_str(r, "reason")) {
      buf_puts(b, ": ");
      put_quoted(b, r, "reason", 200);
    }
  } else if (strcmp(t, "verify") == 0) {
    int ok, okk;
    ok = json_bool(json_get(r, "ok"), &okk);
    put_step(b, r);
    buf_puts(b, okk && ok ? " passed: " : " FAILED: ");
    rr_put_field(b, r, "text", 200);
    if (json_get(r, "left") || json_get(r, "right")) {
      buf_puts(b, "; left ");
      rr_put_value(b, json_get(r, "left"), 100);
      buf_puts(b, ", right ");
      rr_put_value(b, json_get(r, "right"), 100);
    }
    if (rr_str(r, "message")) {
      buf_puts(b, "; ");
      put_quoted(b, r, "message", 200);
    }
  } else if (strcmp(t, "notify") == 0) {
    put_step(b, r);
    buf_puts(b, " -> ");
    rr_put_cstr(b, rr_str(r, "role") ? rr_str(r, "role") : "?", 60);
    buf_puts(b, ": ");
    put_quoted(b, r, "message", 200);
  } else if (strcmp(t, "log") == 0) {
    put_step(b, r);
    buf_puts(b, ": ");
    rr_put_field(b, r, "message", 300);
  } else if (strcmp(t, "step_end") == 0) {
    put_step(b, r);
    buf_putc(b, ' ');
    if (json_get(r, "undo") && rr_str(r, "state") && strcmp(rr_str(r, "state"), "ok") == 0) buf_puts(b, "undone");
    else rr_put_cstr(b, rr_str(r, "state") ? rr_str(r, "state") : "ended", 30);
    if (rr_secs(json_get(r, "duration"), &d)) {
      buf_puts(b, " in ");
      put_dur(b, d);
    }
    if (rr_int(r, "attempts", &n)) buf_printf(b, ", %lld attempt%s", n, n == 1 ? "" : "s");
    if (rr_str(r, "error")) {
      buf_puts(b, "; error: ");
      rr_put_field(b, r, "error", 300);
    }
  } else if (strcmp(t, "interrupted") == 0) {
    buf_puts(b, "by ");
    put_signal(b, json_get(r, "signal"));
  } else if (strcmp(t, "paused") == 0) {
    rr_put_field(b, r, "reason", 200);
    if (rr_int(r, "n", &n)) {
      buf_printf(b, " (effect #%lld", n);
      if (rr_str(r, "step")) {
        buf_puts(b, " in ");
        put_step(b, r);
      }
      if (rr_str(r, "what")) {
        buf_puts(b, ": ");
        rr_put_field(b, r, "what", 200);
      }
      buf_putc(b, ')');
    }
  } else if (strcmp(t, "run_end") == 0) {
    rr_put_cstr(b, rr_str(r, "state") ? rr_str(r, "state") : "ended", 30);
    if (rr_secs(json_get(r, "duration"), &d)) {
      buf_puts(b, " in ");
      put_dur(b, d);
    }
  } else if (strcmp(t, "link") == 0) {
    rr_put_cstr(b, rr_str(r, "relation") ? rr_str(r, "relation") : "link", 30);
    buf_puts(b, " run ");
    rr_put_field(b, r, "run", 200);
  } else {
    put_fields_generic(b, r);
  }
}

static int log_verify(const Opts *o, const char *dir, const char *path) {
  JrnVerifyReport vr;
  int rc = jrn_verify_file(path, &vr), nsig = 0;
  char swhy[1200] = "";
  /* an intact chain proves no accident; the signatures prove who approved */
  if (rc == 0 && (nsig = sign_check_run(dir, swhy, sizeof swhy)) < 0) {
    if (o->json) {
      Buf out = BUF_INIT;
      buf_printf(&out, "{\"format_version\":%d,\"run\":", JSON_FORMAT_VERSION);
      jput_str(&out, base_name(dir));
      buf_printf(&out, ",\"intact\":false,\"records\":%zu,\"torn\":false,\"record\":null,\"line\":null,\"reason\":",
                 vr.nrecs);
      jput_str(&out, swhy);
      buf_puts(&out, "}\n");
      flush(&out, stdout);
      buf_free(&out);
    } else {
      printf("chain verified (%zu records), but a signed approval does not verify: %s\n", vr.nrecs, swhy);
    }
    return EXIT_FAILED;
  }
  if (o->json) {
    Buf out = BUF_INIT;
    buf_printf(&out, "{\"format_version\":%d,\"run\":", JSON_FORMAT_VERSION);
    jput_str(&out, base_name(dir));
    buf_printf(&out, ",\"intact\":%s,\"records\":%zu,\"torn\":%s", rc == 0 ? "true" : "false", vr.nrecs,
               rc > 0 && vr.torn ? "true" : "false");
    if (rc != 0) {
      if (rc > 0) buf_printf(&out, ",\"record\":%" PRIu64 ",\"line\":%" PRIu64, vr.bad, vr.bad + 1);
      else buf_puts(&out, ",\"record\":null,\"line\":null");
      buf_puts(&out, ",\"reason\":");
      jput_str(&out, vr.reason);
    } else {
      buf_puts(&out, ",\"record\":null,\"line\":null,\"reason\":null");
    }
    buf_puts(&out, "}\n");
    flush(&out, stdout);
    buf_free(&out);
  } else if (rc == 0) {
    printf("journal intact: %zu record%s, chain verified", vr.nrecs, vr.nrecs == 1 ? "" : "s");
    if (nsig > 0) printf(", %d signed approval%s verified", nsig, nsig == 1 ? "" : "s");
    putchar('\n');
  } else if (rc < 0) {
    printf("cannot read %s: %s\n", path, vr.reason);
  } else if (vr.torn) {
    printf("torn last record at line %" PRIu64 ": %s\n", vr.bad + 1, vr.reason);
    printf("(%zu records before it verify; 'rbk resume' sets the torn record aside)\n", vr.nrecs);
  } else {
    printf("journal damaged at record %" PRIu64 " (line %" PRIu64 "): %s\n", vr.bad, vr.bad + 1, vr.reason);
  }
  return rc == 0 ? EXIT_OK : EXIT_FAILED;
}

void inspect_log_text(const RrJournal *L, size_t from, FILE *f) {
  Buf out = BUF_INIT;
  int color = diag_use_color(f);
  int wseq = 1;
  uint64_t k;
  size_t i;
  long *start_at = mem_alloc((2 * L->n + 1) * sizeof *start_at);
  for (i = 0; i < 2 * L->n; i++) start_at[i] = -1;
  for (i = 0; i < from && i < L->n; i++) note_start(L, i, start_at);
  for (k = L->n ? L->n - 1 : 0; k >= 10; k /= 10) wseq++;
  for (i = from; i < L->n; i++) {
    const char *t = rr_str(L->rec[i], "type");
    char when[64];
    fmt_local(rr_str(L->rec[i], "time"), 1, when, sizeof when);
    buf_printf(&out, "%*zu  %s  ", wseq, i, when);
    put_painted(&out, color, C_BOLD, t, 14);
    buf_putc(&out, ' ');
    note_start(L, i, start_at);
    render(&out, L, i, start_at);
    while (out.n && out.p[out.n - 1] == ' ') out.p[--out.n] = '\0';
    buf_putc(&out, '\n');
    flush(&out, f);
  }
  mem_free(start_at);
  buf_free(&out);
}

int cmd_log(int argc, char **argv) {
  char dir[JRN_PATH_MAX], ref[JRN_PATH_MAX];
  Buf out = BUF_INIT;
  RrJournal L;
  Opts o;
  size_t i;
  int rc = parse_opts("log", usage_log, argc, argv, WANT_RUN | ALLOW_VERIFY, &o);
  if (rc < 0) return EXIT_OK;
  if (rc != EXIT_OK) return rc;
  if (o.verify) {
    char err[JRN_PATH_MAX + 200];
    if (rr_find_run(o.run, o.state, dir, sizeof dir, ref, sizeof ref, err, sizeof err) < 0) {
      fprintf(stderr, "rbk log: %s\n", err);
      return EXIT_USAGE;
    }
    if ((size_t)snprintf(L.path, sizeof L.path, "%s/journal.jsonl", dir) >= sizeof L.path) {
      fprintf(stderr, "rbk log: the run directory's path is too long\n");
      return EXIT_FAILED;
    }
    return log_verify(&o, dir, L.path);
  }
  rc = open_run("log", &o, dir, sizeof dir, ref, sizeof ref, &L);
  if (rc != EXIT_OK) return rc;
  if (o.json) {
    buf_printf(&out, "{\"format_version\":%d,\"run\":", JSON_FORMAT_VERSION);
    jput_str(&out, base_name(dir));
    buf_puts(&out, ",\"records\":[");
    for (i = 0; i < L.n; i++) {
      buf_puts(&out, i ? ",\n" : "\n");
      buf_add(&out, L.line[i], L.len[i]);
      flush(&out, stdout);
    }
    buf_puts(&out, L.n ? "\n]}\n" : "]}\n");
  } else {
    inspect_log_text(&L, 0, stdout);
  }
  flush(&out, stdout);
  buf_free(&out);
  fflush(stdout);
  rc = EXIT_OK;
  if (L.problem != RR_J_INTACT) {
    rr_problem_text(&L, &out);
    if (L.problem == RR_J_TORN)
      fprintf(stderr, "rbk log: note: %s ('rbk resume' sets it aside)\n", out.p);
    else
      fprintf(stderr, "rbk log: %s; the records before it are shown\n", out.p);
    buf_free(&out);
    rc = L.problem == RR_J_TORN ? EXIT_OK : EXIT_FAILED;
  }
  rr_unload(&L);
  return rc;
}
