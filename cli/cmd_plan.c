/*
** cmd_plan.c -- `rbk plan FILE --format md|html|dot|mermaid|json`: the
** plan of a runbook as a document for a change board, as a graph, or as
** JSON. The runbook is parsed, checked and linted once; review/plan.c
** builds the one model that every format renders.
*/
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
  "Options:\n"
  "  --format md|html|dot|mermaid|json\n"
  "                  the output format (default md)\n"
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
enum { O_FORMAT = 1 };
static const CliOpt plan_opts[] = {
  {"format", 0, O_FORMAT, "md|html|dot|mermaid|json", "what to write"},
  {NULL, 0, 0, NULL, NULL},
};

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
  cli_parse_init(&P, "plan", usage_plan, plan_opts, argc, argv);
  while ((c = cli_next(&P)) > 0 || c == CLI_ARG) {
    if (c == O_FORMAT) {
      if (cli_format_value("plan", P.value, formats, &fmt) != 0) c = CLI_ERROR;
    } else if (file) {
      c = CLI_ERROR;
      cli_usage_error("plan", "one FILE at a time ('%s' and '%s')", file, P.value);
    } else {
      file = P.value;
    }
    if (c == CLI_ERROR) break;
  }
  cli_parse_free(&P);
  if (c != CLI_END) return c == CLI_HELP ? EXIT_OK : EXIT_USAGE;
  if (!file) return cli_usage_error("plan", "no FILE given");
  memset(&src, 0, sizeof src);
  if (src_load(&src, file, why, sizeof why) != 0) {
    fprintf(stderr, "%s: error: %s\n", file, why);
    return EXIT_USAGE;
  }
  diag_init(&d);
  ast_init(&ast, &src);
  lint_init(&l, 0);
  if (imports_parse(&ast, &d) != 0 || check_program(&ast, &d) > 0) {
    diag_print_text(&d, stderr, diag_use_color(stderr));
    rc = EXIT_USAGE;
  } else {
    lint_file(&l, &src, &ast, &d, 0);
    if (plan_build(&p, &ast, &l) != 0) {
      fprintf(stderr, "rbk plan: %s holds no runbook (only functions), so there is no plan\n", file);
      rc = EXIT_USAGE;
    } else {
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
  return rc;
}
