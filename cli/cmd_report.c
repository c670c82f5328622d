/*
** cmd_report.c -- `rbk report RUN --format md|html|json`: the post-run
** review of a run, from its journal, read without changing anything
** (runread.h), and the runbook the run began with.
*/
#include <stdio.h>
#include <string.h>

#include "../run/journal.h"
#include "args.h"
#include "cli.h"
#include "runpick.h"
#include "../review/report_render.h"
#include "../run/runread.h"

const char usage_report[] =
  "Usage: rbk report [OPTIONS] [RUN]\n"
  "\n"
  "Write the post-run review of a run, made from its journal: what seed\n"
  "001's backout plan asks people to document during and after a backout.\n"
  "  - the header: runbook, run ID, operators, host, start, end, outcome\n"
  "  - the post-backout review questions, answered where the journal can\n"
  "    (what triggered it, whether it went as planned, the actual duration)\n"
  "  - planned against actual duration for each step, as a table and a\n"
  "    Gantt chart (inline SVG in HTML, a Mermaid gantt block in Markdown)\n"
  "  - the timeline of events, with times (UTC) and time since the start\n"
  "  - the commands executed, with exit status and duration, and whether\n"
  "    their output was over what the journal keeps or held open by a\n"
  "    process left running\n"
  "  - the decisions, approvals and answers, with who and when\n"
  "  - the actions improvised at the REPL, and the effects they had\n"
  "  - the verifies that failed, with both sides of the comparison\n"
  "Secrets are masked in the journal itself (***), so none can appear.\n"
  "Planned durations and verify messages come from the runbook as it was\n"
  "when the run began (source.rbk in the run directory).\n"
  "\n"
  "RUN is a run ID (looked up in the state directory) or the path of a run\n"
  "directory. Left out, it is the newest run there (newest by start time);\n"
  "which one is said on standard error.\n"
  "\n"
  "Options:\n"
  "  --format md|html|json  md (default): Markdown; html: one self-contained\n"
  "                         printable page (inline CSS and SVG, nothing\n"
  "                         fetched); json: the whole report, machine-readable\n"
  "  --state DIR            look RUN up in DIR/runs/ (default: $RBK_STATE_DIR,\n"
  "                         else ./.rbk)\n"
  "  -h, --help             show this text\n"
  "\n"
  "Nothing is written: the journal is only read. A run that has not finished\n"
  "is reported as far as its journal goes.\n"
  "\n"
  "Exit status:\n"
  "  0  the report was written\n"
  "  1  the journal is damaged or unreadable (what could be read is reported,\n"
  "     if anything)\n"
  "  2  usage error, or no such run\n"
  "\n"
  "Environment:\n"
  "  RBK_STATE_DIR  the state directory, unless --state is given\n";

enum { F_MD, F_HTML, F_JSON };
static const char *const formats[] = {"md", "html", "json", NULL};

/* The options of report (its usage above says them in full). */
enum { O_FORMAT = 1, O_STATE };
static const CliOpt report_opts[] = {
  {"format", 0, O_FORMAT, "md|html|json", "what to write"},
  {"state", 0, O_STATE, "DIR", "look RUN up in DIR/runs/"},
  {NULL, 0, 0, NULL, NULL},
};

int cmd_report(int argc, char **argv) {
  const char *run = NULL, *state = NULL;
  char dir[JRN_PATH_MAX], ref[JRN_PATH_MAX], err[JRN_PATH_MAX + 200], picked[JRN_PATH_MAX];
  int c, fmt = F_MD, rc = EXIT_OK;
  CliParser P;
  RrJournal L;
  Report r;
  Buf out = BUF_INIT;
  cli_parse_init(&P, "report", usage_report, report_opts, argc, argv);
  while ((c = cli_next(&P)) > 0 || c == CLI_ARG) {
    if (c == O_FORMAT) {
      if (cli_format_value("report", P.value, formats, &fmt) != 0) c = CLI_ERROR;
    } else if (c == O_STATE) {
      state = P.value;
      if (!state[0]) c = CLI_ERROR, cli_usage_error("report", "--state needs a directory");
    } else if (run) {
      c = CLI_ERROR;
      cli_usage_error("report", "one RUN at a time ('%s' and '%s')", run, P.value);
    } else {
      run = P.value;
    }
    if (c == CLI_ERROR) break;
  }
  cli_parse_free(&P);
  if (c != CLI_END) return c == CLI_HELP ? EXIT_OK : EXIT_USAGE;
  if (!run) {   /* RUN left out: the newest run */
    if (cli_pick_run("report", PICK_NEWEST, state, picked, sizeof picked) != 0) return EXIT_USAGE;
    run = picked;
  }
  if (rr_find_run(run, state, dir, sizeof dir, ref, sizeof ref, err, sizeof err) < 0) {
    fprintf(stderr, "rbk report: %s\n", err);
    return EXIT_USAGE;
  }
  if (rr_load(&L, dir) < 0) {
    fprintf(stderr, "rbk report: cannot read %s: %s\n", L.path, L.why);
    rr_unload(&L);
    return EXIT_FAILED;
  }
  if (report_build(&r, &L, dir, err, sizeof err) != 0) {
    fprintf(stderr, "rbk report: %s: %s\n", L.path, err);
    report_free(&r);
    rr_unload(&L);
    return EXIT_FAILED;
  }
  if (fmt == F_JSON) report_render_json(&r, &out);
  else report_render_doc(&r, fmt == F_HTML ? DW_HTML : DW_MD, &out);
  fwrite(buf_cstr(&out), 1, out.n, stdout);
  if (L.problem == RR_J_DAMAGED) {
    fprintf(stderr, "rbk report: %s; the records before it are reported\n", r.journal_problem);
    rc = EXIT_FAILED;
  }
  buf_free(&out);
  report_free(&r);
  rr_unload(&L);
  return rc;
}
