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
#include "../review/report_render.h"
#include "../run/runread.h"

const char usage_report[] =
  "Usage: rbk report [OPTIONS] RUN\n"
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
  "directory.\n"
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

int cmd_report(int argc, char **argv) {
  const char *run = NULL, *state = NULL;
  char dir[JRN_PATH_MAX], ref[JRN_PATH_MAX], err[JRN_PATH_MAX + 200];
  int i, fmt = F_MD, rc = EXIT_OK, dashdash = 0;
  RrJournal L;
  Report r;
  Buf out = BUF_INIT;
  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!dashdash && strcmp(a, "--") == 0) {
      dashdash = 1;
    } else if (!dashdash && (rc = cli_format_opt("report", argc, argv, &i, formats, &fmt)) != 0) {
      if (rc < 0) return EXIT_USAGE;
      rc = EXIT_OK;
    } else if (!dashdash && strcmp(a, "--state") == 0) {
      if (i + 1 >= argc || !argv[i + 1][0]) return cli_usage_error("report", "--state needs a directory");
      state = argv[++i];
    } else if (!dashdash && strncmp(a, "--state=", 8) == 0) {
      if (!a[8]) return cli_usage_error("report", "--state needs a directory");
      state = a + 8;
    } else if (!dashdash && cli_is_help(a)) {
      fputs(usage_report, stdout);
      return EXIT_OK;
    } else if (!dashdash && a[0] == '-' && a[1] != '\0') {
      return cli_usage_error("report", "unknown option '%s'", a);
    } else if (run) {
      return cli_usage_error("report", "one RUN at a time ('%s' and '%s')", run, a);
    } else {
      run = a;
    }
  }
  if (!run) return cli_usage_error("report", "no RUN given");
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
