/*
** lint_test.c -- the rules of review/lint.c on small runbooks: which
** rules fire (and which must not) for each, the rule table's contract,
** suppression, and --strict.
*/
#include <stdio.h>
#include <string.h>

#include "../../grammar/ast.h"
#include "../../compiler/check.h"
#include "../../review/lint.h"
#include "../../grammar/parse.h"
#include "unit.h"

/* A complete, clean runbook around one step body (the %s). */
static const char frame[] =
  "runbook \"T\" {\n"
  "  version \"1\"\n  owner lead\n  window 1h\n"
  "  role lead \"Jane\" phone \"1\" key \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHDHVQ3/Jr6crunwQ96ziUKM3z0uoUEzK6y3b3R71899\"\n  role ops \"Dave\" phone \"2\"\n"
  "  param dir = \"./d\"\n  param db = \"./x.db\"\n"
  "  trigger \"t\" minor when true\n"
  "  require \"Backup ready\" {\n    owner ops\n    verify exists(\"./backup\") \"b\"\n  }\n"
  "  fn wipe(p) {\n    run \"rm -rf ${p}\"\n    return true\n  }\n"
  "  fn checked() {\n    verify true \"ok\"\n    return true\n  }\n"
  "  step s \"S\" {\n    owner ops\n    expect 5m\n    timeout 10m\n    notify lead \"n ${dir} ${db}\"\n%s\n  }\n"
  "}\n";

/* lint_text lints text and returns the findings (not suppressed), as
** "rule,rule,..." in source order, into out. */
static void lint_text(const char *text, int strict, char *out, size_t n, int *errors) {
  Source src;
  Diags d;
  Ast ast;
  Lint l;
  size_t i;
  out[0] = '\0';
  src_from_string(&src, "t.rbk", text, strlen(text));
  diag_init(&d);
  ast_init(&ast, &src);
  lint_init(&l, strict);
  if (parse_source(&ast, &d, PARSE_FILE, NULL) == 0) {
    check_program(&ast, &d);
    lint_file(&l, &src, &ast, &d, 0);
  } else {
    lint_file(&l, &src, NULL, &d, 0);
  }
  for (i = 0; i < l.n; i++) {
    if (l.v[i].suppressed) continue;
    if (out[0]) strncat(out, ",", n - strlen(out) - 1);
    strncat(out, l.v[i].rule, n - strlen(out) - 1);
  }
  if (errors) *errors = l.errors;
  lint_free(&l);
  ast_free(&ast);
  diag_free(&d);
  src_free(&src);
}

static void step_case(const char *body, const char *want, const char *what) {
  char text[4096], got[1024];
  snprintf(text, sizeof text, frame, body);
  lint_text(text, 0, got, sizeof got, NULL);
  CHECK_STREQ(got, want, "%s", what);
}

int main(void) {
  const LintRule *r;
  char got[1024];
  int n = 0, errors = 0, ok = 1;
  for (r = lint_rules(); r->id; r++, n++) {
    const LintRule *q;
    if (!r->title[0] || !r->rationale[0] || !r->fix[0] || (r->sev != SEV_ERROR && r->sev != SEV_WARNING)) ok = 0;
    for (q = lint_rules(); q < r; q++)
      if (strcmp(q->id, r->id) == 0) ok = 0;
    if (lint_rule(r->id) != r) ok = 0;
  }
  CHECK(ok && n >= 20, "%d rules, each unique with a severity, title, rationale and fix", n);
  CHECK(lint_rule("no-such-rule") == NULL, "lint_rule of an unknown id is NULL");

  step_case("    verify true \"x\"\n    undo { run \"true\" }", "", "a clean step");
  step_case("    run \"./bin/change\"\n    undo { run \"true\" }", "no-verify", "a change with no verify");
  step_case("    run \"./bin/change\"\n    checked()\n    undo { run \"true\" }", "",
            "a verify in a called function counts");
  step_case("    run \"./bin/change\"\n    verify true \"x\"", "no-undo", "a change with no undo");
  step_case("    run \"./bin/change\"\n    verify true \"x\"\n    irreversible \"gone\"", "",
            "irreversible with a reason instead of undo");
  step_case("    run \"./bin/change\"\n    verify true \"x\"\n    irreversible \" \"", "irreversible-no-reason",
            "irreversible with a blank reason");
  step_case("    let x = sh(\"./bin/read\")\n    log x", "", "sh() is a read: no verify or undo needed");
  step_case("    sql(db, \"UPDATE t SET a = 1\")\n    undo { run \"true\" }", "no-verify",
            "a writing sql() query changes something");
  step_case("    let v = sql(db, \"SELECT 1\")\n    log v", "", "a SELECT is a read");
  step_case("    wipe(dir)\n    verify true \"x\"\n    undo { run \"true\" }", "destructive-no-approval",
            "a call of a function that runs rm -rf on an interpolated path");
  step_case("    approve by lead \"ok\"\n    wipe(dir)\n    verify true \"x\"\n    undo { run \"true\" }", "",
            "... approved before the call");
  step_case("    run \"rm -rf ./fixed/path\"\n    verify true \"x\"\n    undo { run \"true\" }", "",
            "rm -rf on a literal path is in plain sight");
  step_case("    run \"rm -fr ${dir}\"\n    verify true \"x\"\n    undo { run \"true\" }", "destructive-no-approval",
            "rm -fr on an interpolated path");
  step_case("    run \"rm -f ${dir}/x\"\n    verify true \"x\"\n    undo { run \"true\" }", "",
            "rm without -r is not destructive here");
  step_case("    run \"psql -c 'drop   table x'\"\n    verify true \"x\"\n    undo { run \"true\" }",
            "destructive-no-approval", "DROP TABLE, any case and spacing");
  step_case("    run \"./bin/dropped-tables-report\"\n    verify true \"x\"\n    undo { run \"true\" }", "",
            "a word merely containing drop is not DROP TABLE");
  step_case("    run \"true\"\n    verify true \"x\"\n    undo { run \"rm -rf ${dir}\" }", "",
            "undo blocks are not checked for approvals");
  step_case("    run \"kubectl delete pod x\"\n    verify true \"x\"\n    undo { run \"true\" }",
            "destructive-no-approval", "kubectl delete");
  step_case("    run \"curl -H 'X-Api-Key: ${db}' https://h/\"\n    verify true \"x\"\n    undo { run \"true\" }", "",
            "an interpolated key is not a literal secret");
  step_case("    run \"curl --token=abcdef123 https://h/\"\n    verify true \"x\"\n    undo { run \"true\" }",
            "secret-literal", "a literal token");
  step_case("    log \"see https://example.com/docs\"", "", "a URL without a password is fine");
  step_case("    log \"ghp_abcdefghijklmnopqrstuvwxyz0123\"", "secret-literal", "a GitHub token");
  step_case("    approve by ops \"me\"", "self-approval", "approval by the step's own owner");
  step_case("    fail \"stop\"\n    log \"x\"", "unreachable", "a check warning is reported under its code");

  /* runbook-level rules */
  lint_text("runbook \"Bare\" {\n  role a \"A\"\n  step s { log \"x\" }\n}\n", 0, got, sizeof got, &errors);
  CHECK_STREQ(got, "no-triggers,no-backup-check,no-plan-owner,no-version,no-window,no-notify,role-no-contact,"
                   "step-no-owner,no-expect",
              "a bare runbook: its missing parts, in source order");
  lint_text("runbook \"W\" {\n  window 10m\n  role a \"A\" email \"a@x\"\n"
            "  step s { owner a\n expect 6m\n notify a \"x\" }\n  step t { owner a\n expect 1m + 5m\n log \"y\" }\n}\n",
            0, got, sizeof got, NULL);
  CHECK(strstr(got, "over-window") != NULL, "6m + (1m + 5m) is over a 10m window: %s", got);
  lint_text("fn f() {\n  return 1\n}\n", 0, got, sizeof got, &errors);
  CHECK_STREQ(got, "", "a library of functions has no runbook rules");
  lint_text("runbook \"P\" {\n  param unused = 1\n  param used = 2\n  step s { log \"${used}\" }\n}\n", 0, got,
            sizeof got, NULL);
  CHECK(strstr(got, "unused-param") && !strstr(got, "unused-param,unused-param"), "one unused param: %s", got);

  /* suppression */
  {
    char text[4096];
    snprintf(text, sizeof text, frame,
             "    # rbk:ignore destructive-no-approval a copy is kept\n    run \"rm -rf ${dir}\"\n"
             "    verify true \"x\"\n    undo { run \"true\" }");
    lint_text(text, 0, got, sizeof got, &errors);
    CHECK_STREQ(got, "", "a valid ignore suppresses its finding");
    snprintf(text, sizeof text, frame,
             "    # rbk:ignore destructive-no-approval\n    run \"rm -rf ${dir}\"\n    verify true \"x\"\n"
             "    undo { run \"true\" }");
    lint_text(text, 0, got, sizeof got, &errors);
    CHECK_STREQ(got, "bad-ignore,destructive-no-approval", "an ignore without a reason is a finding, and hides nothing");
    CHECK(errors == 2, "both are errors (%d)", errors);
    snprintf(text, sizeof text, frame,
             "    log \"# rbk:ignore no-expect not a comment\"\n    log \"\"\"\n# rbk:ignore no-verify in a string\n\"\"\"");
    lint_text(text, 0, got, sizeof got, NULL);
    CHECK_STREQ(got, "", "'# rbk:ignore' inside strings is not a comment");
  }

  /* --strict */
  lint_text("runbook \"S\" {\n  version \"1\"\n  owner a\n  role a \"A\" phone \"1\"\n"
            "  require \"backup\" { owner a\n verify true \"b\" }\n  step s { owner a\n expect 1m\n notify a \"x\" }\n}\n",
            0, got, sizeof got, &errors);
  CHECK(errors == 0 && strcmp(got, "no-triggers,no-window") == 0, "warnings only: no errors (%s)", got);
  lint_text("runbook \"S\" {\n  version \"1\"\n  owner a\n  role a \"A\" phone \"1\"\n"
            "  require \"backup\" { owner a\n verify true \"b\" }\n  step s { owner a\n expect 1m\n notify a \"x\" }\n}\n",
            1, got, sizeof got, &errors);
  CHECK(errors == 2, "--strict: the two warnings are errors (%d)", errors);
  UNIT_DONE();
}
