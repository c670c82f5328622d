/*
** cmd_plan.c -- `rbk plan FILE --format md|html|dot|mermaid|json`: the
** plan of a runbook as a document for a change board, as a graph, or as
** JSON. The runbook is parsed, checked and linted once; review/plan.c
** builds the one model that every format renders.
*/
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../grammar/ast.h"
#include "../compiler/check.h"
#include "../review/lint.h"
#include "../grammar/imports.h"
#include "../grammar/parse.h"
#include "../review/plan.h"
#include "../base/diag.h"
#include "args.h"
#include "cli.h"
#include "../review/plan_render.h"
#include "../base/mem.h"
#include "params.h"

const char usage_plan[] =
  "Usage: rbk plan [OPTIONS] FILE\n"
  "\n"
  "Write the plan of a runbook without running anything.\n"
  "\n"
  "As a document (md, html) it follows the backout plan template a change\n"
  "advisory board approves: the plan header (title, version, owner, window),\n"
  "the backout triggers (severity, criteria, action), the decision\n"
  "authority (who approves what, who is told), the contact list, the\n"
  "pre-backout requirements, the procedure table (step, action, owner,\n"
  "expected duration, verification) with the total set against the window,\n"
  "each step in detail, the branches in words, which steps can be undone\n"
  "and which cannot, the human gates, the parameters, and a checklist whose\n"
  "marks come from the rules of 'rbk lint'. The HTML is one self-contained\n"
  "printable page: inline CSS, no script, nothing fetched.\n"
  "\n"
  "As a graph (dot, mermaid) it shows the steps in the order they run, the\n"
  "'after' dependencies (dashed), failure handlers, branches (diamonds) and\n"
  "the steps that wait for a person (marked). DOT renders with Graphviz\n"
  "('rbk plan FILE --format dot | dot -Tsvg > plan.svg'); Mermaid renders\n"
  "on code-hosting sites inside a ```mermaid block.\n"
  "\n"
  "As JSON it is the whole plan, machine-readable: header, roles, params\n"
  "(secrets never shown), triggers, requires, steps with their actions,\n"
  "gates, branches, undo and verifications, and the checklist.\n"
  "\n"
  "With params given (--param, --param-file), every ${NAME} of a param is\n"
  "shown as written and with its value: the parameters table gets a Given\n"
  "column, each action that uses one says what it becomes, and a table\n"
  "lists each expression with its value (a secret's as ***; what only the\n"
  "run can know says so). Nothing is run to find a value.\n"
  "\n"
  "Options:\n"
  "  --format md|html|dot|mermaid|json\n"
  "                  the output format (default md)\n"
  "  --param NAME=VALUE\n"
  "                  show the plan with this param's value (repeatable)\n"
  "  --param-file FILE\n"
  "                  params from a YAML or JSON mapping, as for rbk run;\n"
  "                  a --param of the same name wins\n"
  "  -h, --help      show this text\n"
  "\n"
  "FILE may be - to read standard input. The plan goes to standard output;\n"
  "diagnostics go to standard error.\n"
  "\n"
  "Exit status:\n"
  "  0  the plan was written (lint findings show in its checklist)\n"
  "  2  usage error, or a runbook that does not check (its errors are\n"
  "     printed) or holds no runbook\n";

enum { F_MD, F_HTML, F_DOT, F_MERMAID, F_JSON };
static const char *const formats[] = {"md", "html", "dot", "mermaid", "json", NULL};

/* The options of plan (its usage above says them in full). */
enum { O_FORMAT = 1, O_PARAM, O_PARAM_FILE };
static const CliOpt plan_opts[] = {
  {"format", 0, O_FORMAT, "md|html|dot|mermaid|json", "what to write"},
  {"param", 0, O_PARAM, "NAME=VALUE", "show the plan with this param's value (repeatable)"},
  {"param-file", 0, O_PARAM_FILE, "FILE", "params from a YAML or JSON file"},
  {NULL, 0, 0, NULL, NULL},
};

/* given_known refuses a param the runbook does not declare: from the
** file at its place there, from --param by name. */
static int given_known(const Plan *p, const ParamFile *pf, const char *const *keys, int nkv) {
  const char **names = mem_calloc((p->nparams + 1) * sizeof *names);
  size_t i;
  int k, rc;
  for (i = 0; i < p->nparams; i++) names[i] = p->params[i].name;
  rc = cli_params_check(pf, names, p->nparams);
  for (k = 0; rc == EXIT_OK && k < nkv; k++) {
    for (i = 0; i < p->nparams; i++)
      if (strcmp(names[i], keys[k]) == 0) break;
    if (i == p->nparams) rc = cli_usage_error("plan", "--param %s: the runbook has no param of that name", keys[k]);
  }
  mem_free(names);
  return rc;
}

int cmd_plan(int argc, char **argv) {
  const char *file = NULL;
  int c, fmt = F_MD, rc = EXIT_OK;
  CliParser P;
  char why[256];
  Source src;
  Diags d;
  Ast ast;
  Lint l;
  Plan p;
  Buf out = BUF_INIT;
  ParamFile pf;
  PlanGiven given;
  const char **keys = mem_calloc(((size_t)argc + 1) * sizeof *keys), **vals = mem_calloc(((size_t)argc + 1) * sizeof *vals);
  const char **jkeys = NULL, **jvals = NULL;
  int nkv = 0;
  memset(&pf, 0, sizeof pf);
  cli_parse_init(&P, "plan", usage_plan, plan_opts, argc, argv);
  while ((c = cli_next(&P)) > 0 || c == CLI_ARG) {
    if (c == O_FORMAT) {
      if (cli_format_value("plan", P.value, formats, &fmt) != 0) c = CLI_ERROR;
    } else if (c == O_PARAM) {
      const char *eq = strchr(P.value, '=');
      if (!eq || eq == P.value) {
        cli_usage_error("plan", "--param needs NAME=VALUE, got '%s'", P.value);
        c = CLI_ERROR;
      } else {
        char *k = mem_strdup(P.value);
        k[eq - P.value] = '\0';
        keys[nkv] = k;
        vals[nkv++] = eq + 1;
      }
    } else if (c == O_PARAM_FILE) {
      if (cli_param_file("plan", &pf, P.value) != 0) c = CLI_ERROR;
    } else if (file) {
      c = CLI_ERROR;
      cli_usage_error("plan", "one FILE at a time ('%s' and '%s')", file, P.value);
    } else {
      file = P.value;
    }
    if (c == CLI_ERROR) break;
  }
  cli_parse_free(&P);
  if (c != CLI_END || !file) {
    if (c == CLI_END) rc = cli_usage_error("plan", "no FILE given");
    else rc = c == CLI_HELP ? EXIT_OK : EXIT_USAGE;
    goto out;
  }
  memset(&src, 0, sizeof src);
  if (src_load(&src, file, why, sizeof why) != 0) {
    fprintf(stderr, "%s: error: %s\n", file, why);
    rc = EXIT_USAGE;
    goto out;
  }
  diag_init(&d);
  ast_init(&ast, &src);
  lint_init(&l, 0);
  if (imports_parse(&ast, &d) != 0 || check_file(&ast, &d) > 0) {
    diag_print_text(&d, stderr, diag_use_color(stderr));
    rc = EXIT_USAGE;
  } else {
    lint_file(&l, &src, &ast, &d, 0);
    /* the file's params first, so that a --param of the same name wins */
    cli_params_join(&pf, keys, vals, &nkv, 0, &jkeys, &jvals);
    given.keys = jkeys;
    given.vals = jvals;
    given.n = nkv;
    if (plan_build_given(&p, &ast, &l, &given) != 0) {
      fprintf(stderr, "rbk plan: %s holds no runbook (only functions), so there is no plan\n", file);
      rc = EXIT_USAGE;
    } else if ((rc = given_known(&p, &pf, jkeys, nkv)) == EXIT_OK) {
      switch (fmt) {
        case F_HTML: plan_render_doc(&p, DW_HTML, &out); break;
        case F_DOT: plan_render_dot(&p, &out); break;
        case F_MERMAID: plan_render_mermaid(&p, &out); break;
        case F_JSON: plan_render_json(&p, &out); break;
        default: plan_render_doc(&p, DW_MD, &out); break;
      }
      fwrite(buf_cstr(&out), 1, out.n, stdout);
    }
    plan_free(&p);
  }
  buf_free(&out);
  lint_free(&l);
  ast_free(&ast);
  diag_free(&d);
  src_free(&src);
out:
  for (c = 0; c <= argc && keys[c]; c++) mem_free((char *)(uintptr_t)keys[c]);   /* the --param names */
  mem_free(keys);
  mem_free(vals);
  mem_free(jkeys);
  mem_free(jvals);
  paramfile_free(&pf);
  return rc;
}
