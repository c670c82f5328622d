/*
** codegen_check_test.c -- codegen_check (what `rbk check` compiles with)
** against codegen_program: the same runbooks pass, the same limits are
** refused with the same message, though codegen_check keeps no code and
** holds its names and string constants in arenas (run under ASan, this
** also shows it frees everything it made and nothing it did not).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../base/buf.h"
#include "../../base/mem.h"
#include "../../compiler/check.h"
#include "../../compiler/codegen.h"
#include "../../grammar/ast.h"
#include "../../grammar/parse.h"
#include "unit.h"

/* compile parses and checks text, then compiles it with codegen_program
** (full = 1) or codegen_check; returns 0 or -1, the first error's message
** in msg. */
static int compile(const char *text, int full, char *msg, size_t n) {
  Source *src = mem_calloc(sizeof *src);
  Diags d;
  Ast ast;
  int rc = -1;
  size_t i;
  msg[0] = '\0';
  src_from_string(src, "t.rbk", text, strlen(text));
  diag_init(&d);
  ast_init(&ast, src);
  if (parse_source(&ast, &d, PARSE_FILE, NULL) == 0 && check_program(&ast, &d) == 0) {
    if (full) {
      Program *p = codegen_program(&ast, &d);
      if (p) {
        p->src = NULL;   /* freed below */
        prog_free(p);
        rc = 0;
      }
    } else {
      rc = codegen_check(&ast, &d);
    }
  } else {
    snprintf(msg, n, "(did not check)");
  }
  for (i = 0; i < d.n; i++)
    if (d.v[i].sev == SEV_ERROR) {
      snprintf(msg, n, "%s", d.v[i].msg);
      break;
    }
  ast_free(&ast);
  diag_free(&d);
  src_free(src);
  mem_free(src);
  return rc;
}

/* same compiles text both ways and checks that they agree with want. */
static void same(const char *text, int want, const char *what) {
  char a[512], b[512];
  int ra = compile(text, 1, a, sizeof a), rb = compile(text, 0, b, sizeof b);
  CHECK(ra == want, "%s: codegen_program %s (%s)", what, want == 0 ? "compiles it" : "refuses it", a);
  CHECK(rb == ra && strcmp(a, b) == 0, "%s: codegen_check agrees (%s)", what, b);
}

int main(void) {
  Buf b = BUF_INIT;
  int i;

  same("fn twice(x) {\n  return x * 2\n}\n"
       "runbook \"R\" {\n"
       "  role ops \"Ann\" phone \"1\"\n"
       "  param tag = \"v1\"\n"
       "  require \"tools for ${tag}\" {\n    owner ops\n    verify exists(\"/bin/sh\") \"no sh\"\n  }\n"
       "  step a \"Deploy ${tag}\" {\n    owner ops\n    irreversible \"it ships\"\n"
       "    let r = run(\"echo 'x' ${tag} \\\"${tag}\\\"\")\n    verify r.ok \"failed: ${r.err}\"\n"
       "    let n = sql(\"./db\", \"select 1\")\n    log(\"x ${twice(2)} ${n}\")\n  }\n"
       "  step b \"Again\" {\n    after a\n    log(\"x\")\n    log(\"x\")\n    log(\"y\")\n  }\n"
       "}\n",
       0, "a runbook with a require, params, a stdlib module and repeated constants");

  /* Over 64 KB of distinct string constants in one step, then more steps:
  ** codegen_check drops its constants between functions. */
  buf_puts(&b, "runbook \"R\" {\n  step big \"B\" {\n");
  for (i = 0; i < 3000; i++) buf_printf(&b, "    log(\"a fairly long constant string number %06d\")\n", i);
  buf_puts(&b, "  }\n");
  for (i = 0; i < 20; i++) buf_printf(&b, "  step s%d \"S\" {\n    log(\"a fairly long constant string number %06d\")\n  }\n", i, i);
  buf_puts(&b, "}\n");
  same(buf_cstr(&b), 0, "3,000 distinct string constants in one step, then 20 steps");
  buf_free(&b);

  /* More registers than a frame has: refused by both, with one message. */
  buf_puts(&b, "runbook \"R\" {\n  step a \"A\" {\n    if true {\n");
  for (i = 0; i < 300; i++) buf_printf(&b, "      let v%d = %d\n", i, i);
  buf_puts(&b, "    }\n  }\n}\n");
  same(buf_cstr(&b), -1, "300 locals in one block");
  buf_free(&b);

  /* A function with no constants at all, and one with only numbers. */
  same("fn f() {\n}\nfn g(x) {\n  return x + 1.5\n}\nrunbook \"R\" {\n  step a \"A\" {\n    f()\n  }\n}\n", 0,
       "functions with no constants or only numbers");
  UNIT_DONE();
}
