/*
** report_test.c -- `rbk report` on a journal written through the journal
** API (jrn_open/jrn_append), as the REPL writes it: improvised actions
** (improvised_start/improvised_end with the effects between them
** belonging to them) and a step skipped at the REPL. The journal is real
** and chained; rbk report runs as a child process on it, in each format.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../base/buf.h"
#include "../../run/journal.h"
#include "unit.h"

static char rbk[4096];

/* run_report runs `rbk report DIR --format FMT` and returns its standard
** output (caller frees); *status gets its exit status. */
static char *run_report(const char *dir, const char *fmt, int *status) {
  int fd[2], st = 0;
  pid_t pid;
  Buf out = BUF_INIT;
  char chunk[4096];
  ssize_t k;
  if (pipe(fd) != 0) return NULL;
  pid = fork();
  if (pid == 0) {
    dup2(fd[1], 1);
    close(fd[0]);
    close(fd[1]);
    execl(rbk, rbk, "report", dir, "--format", fmt, (char *)NULL);
    _exit(127);
  }
  close(fd[1]);
  while ((k = read(fd[0], chunk, sizeof chunk)) > 0) buf_add(&out, chunk, (size_t)k);
  close(fd[0]);
  waitpid(pid, &st, 0);
  *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return buf_take(&out);
}

static int append(Journal *j, const char *type, const char *fields) {
  char err[300];
  if (jrn_append(j, type, fields, err, sizeof err) == 0) return 0;
  printf("# jrn_append %s: %s\n", type, err);
  return -1;
}

int main(int argc, char **argv) {
  char tmpl[] = "/tmp/rbk-report-test.XXXXXX", dir[4200], err[300];
  const char *slash = strrchr(argv[0], '/');
  Journal j;
  char *md, *js, *html;
  int st, bad = 0;
  (void)argc;
  /* BUILD/tests/report_test -> BUILD/rbk */
  snprintf(rbk, sizeof rbk, "%.*s/../rbk", slash ? (int)(slash - argv[0]) : 1, slash ? argv[0] : ".");
  CHECK(access(rbk, X_OK) == 0, "the rbk binary is at %s", rbk);
  CHECK(mkdtemp(tmpl) != NULL, "a temporary directory");
  snprintf(dir, sizeof dir, "%s/runs/repl-20261122-100000", tmpl);
  CHECK(jrn_mkdirs(dir, err, sizeof err) == 0, "the run directory");
  CHECK(jrn_open(&j, dir, 1, NULL, err, sizeof err) == 0, "jrn_open creates the journal");
  bad |= append(&j, "run_start",
                "\"run\":\"repl-20261122-100000\",\"runbook\":\"repl.rbk\",\"title\":\"REPL session\","
                "\"source_sha256\":\"0000\",\"steps\":[{\"name\":\"fix\",\"sha256\":\"00\"},{\"name\":\"later\",\"sha256\":\"01\"}],"
                "\"params\":{},\"operator\":\"erin\",\"host\":\"ops-03\",\"pid\":1,\"rbk\":\"0.1.0\"");
  bad |= append(&j, "improvised_start",
                "\"id\":1,\"operator\":\"erin\",\"input\":\"run \\\"./bin/flush-cache --key ***\\\"\",\"kind\":\"statement\"");
  bad |= append(&j, "effect_start",
                "\"n\":0,\"kind\":\"cmd\",\"step\":null,\"key\":\"k0\",\"what\":\"./bin/flush-cache --key ***\"");
  bad |= append(&j, "effect_end",
                "\"n\":0,\"result\":{\"rec\":{\"status\":0,\"duration\":0.25,\"out\":\"flushed\\n\",\"err\":\"\",\"timed_out\":false}},"
                "\"status\":0,\"duration\":0.25");
  bad |= append(&j, "improvised_end", "\"id\":1,\"outcome\":\"ok\",\"duration\":0.3");
  bad |= append(&j, "improvised_start", "\"id\":2,\"operator\":\"frank\",\"input\":\"2 + 2\",\"kind\":\"expression\"");
  bad |= append(&j, "improvised_end", "\"id\":2,\"outcome\":\"ok\",\"duration\":0.001,\"value\":\"4\"");
  bad |= append(&j, "improvised_start",
                "\"id\":3,\"operator\":\"frank\",\"input\":\"run \\\"./bin/slow\\\"\",\"kind\":\"statement\"");
  bad |= append(&j, "improvised_end",
                "\"id\":3,\"outcome\":\"interrupted\",\"duration\":4.5,\"error\":\"interrupted by SIGINT\"");
  bad |= append(&j, "skip", "\"step\":\"later\",\"reason\":\"done by hand at the console\",\"operator\":\"erin\"");
  bad |= append(&j, "run_end", "\"state\":\"succeeded\",\"duration\":12");
  CHECK(!bad, "the records are appended, chained and synced");
  jrn_close(&j);

  md = run_report(dir, "md", &st);
  CHECK(st == 0 && md, "rbk report (md) exits 0");
  if (md) {
    CHECK(strstr(md, "## Improvised at the REPL") != NULL, "md: the improvised section is there");
    CHECK(strstr(md, "| 1 | ") && strstr(md, "`run \"./bin/flush-cache --key ***\"` (statement)"),
          "md: improvisation 1 with what was typed and its kind");
    CHECK(strstr(md, "| erin |") != NULL, "md: with who typed it");
    CHECK(strstr(md, "`cmd: ./bin/flush-cache --key ***`") != NULL, "md: the command it ran belongs to it");
    CHECK(strstr(md, "| 2 | ") && strstr(md, "`4`"), "md: the expression's printed value");
    CHECK(strstr(md, "interrupted after 4.5s") && strstr(md, "interrupted by SIGINT"),
          "md: an interrupted improvisation, with its error");
    CHECK(strstr(md, "(REPL \\#1)") != NULL, "md: the command is tagged with its improvisation");
    CHECK(strstr(md, "skipped: done by hand at the console") != NULL, "md: the skipped step and its reason");
    CHECK(strstr(md, "3 actions were improvised at the REPL") != NULL, "md: the review counts the improvisations");
    CHECK(strstr(md, "erin, frank") != NULL, "md: both operators are named");
  }
  js = run_report(dir, "json", &st);
  CHECK(st == 0 && js, "rbk report (json) exits 0");
  if (js) {
    CHECK(strstr(js, "\"improvised\":[\n{\"id\":1,\"operator\":\"erin\"") != NULL, "json: the improvisations, in order");
    CHECK(strstr(js, "\"effects\":[\"cmd: ./bin/flush-cache --key ***\"]") != NULL, "json: their effects");
    CHECK(strstr(js, "\"value\":\"4\"") != NULL, "json: a value");
    CHECK(strstr(js, "\"outcome\":\"interrupted\"") != NULL, "json: an outcome");
    CHECK(strstr(js, "\"skipped\":{\"reason\":\"done by hand at the console\",\"by\":\"erin\"}") != NULL,
          "json: the skipped step");
    CHECK(strstr(js, "\"plan_note\":\"The runbook of the run (source.rbk) cannot be read") != NULL,
          "json: without source.rbk the planned durations are said to be unknown");
  }
  html = run_report(dir, "html", &st);
  CHECK(st == 0 && html && strstr(html, "<table id=\"improvised-table\">"), "html: the improvised table");
  free(md);
  free(js);
  free(html);
  {
    char cmd[4400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpl);
    CHECK(system(cmd) == 0, "clean up");
  }
  UNIT_DONE();
}
