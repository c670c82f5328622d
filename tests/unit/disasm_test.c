/*
** disasm_test.c -- unit tests for vm/disasm.c: the listing of a hand-built
** Program holds the expected lines, is the same on every call, and shows
** operands out of range as such instead of following them.
*/
#include "../../vm/disasm.h"
#include "../../base/mem.h"
#include "../../base/sha256.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

static const char SRC[] =
  "runbook \"Demo\" {\n"
  "  step deploy \"Deploy it\" {\n"
  "    run \"echo hi\"\n"
  "    verify x == 5\n"
  "  }\n"
  "}\n";

static Proto *proto(const char *name, uint8_t nparams, uint8_t nregs, const Instr *code,
                    const uint32_t *pos, uint32_t ncode, Value *k, uint32_t nk) {
  Proto *f = mem_calloc(sizeof *f);
  f->name = mem_strdup(name);
  f->nparams = nparams;
  f->nregs = nregs;
  f->code = mem_alloc(ncode * sizeof *f->code);
  memcpy(f->code, code, ncode * sizeof *code);
  f->pos = mem_alloc(ncode * sizeof *f->pos);
  memcpy(f->pos, pos, ncode * sizeof *pos);
  f->ncode = ncode;
  f->k = mem_alloc(nk * sizeof *f->k);
  memcpy(f->k, k, nk * sizeof *k);
  f->nk = nk;
  return f;
}

static Program *make_prog(void) {
  Program *p = mem_calloc(sizeof *p);
  static const Instr body[] = {
    MK_ABx(OP_LOADK, 0, 0),        /*  0 */
    MK_ABC(OP_RUN, 0, 0, 0),       /*  1 */
    MK_ABx(OP_GETG, 1, 0),         /*  2 */
    MK_ABC(OP_EQK, 1, 1, 1),       /*  3 */
    MK_sJ(OP_JMP, 1),              /*  4 */
    MK_ABC(OP_ADDK, 2, 1, 2),      /*  5 */
    MK_ABC(OP_CALLB, 0, 1, 3),     /*  6 */
    MK_ABx(OP_VERIFY, 1, 0),       /*  7 */
    MK_AsBx(OP_JNIL, 2, -1),       /*  8 */
    MK_ABx(OP_LOADK, 2, 3),        /*  9 */
    MK_ABC(OP_RET, 0, 0, 0),       /* 10 */
  };
  static const uint32_t body_pos[] = {53, 49, 74, 76, 76, 76, 49, 67, 67, 67, 83};
  static const Instr undo[] = {
    MK_ABx(OP_LOADFN, 1, 0),
    MK_ABC(OP_NOTIFY, 0, 0, 0),
    MK_ABC(OP_RET, 0, 0, 0),
  };
  static const uint32_t undo_pos[] = {19, 19, 19};
  Value k0[5], k1[1];
  Source *s = mem_calloc(sizeof *s);
  src_from_string(s, "demo.rbk", SRC, sizeof SRC - 1);
  p->src = s;
  sha256(s->text, s->len, p->src_sha256);
  p->title = mem_strdup("Demo");
  p->version = mem_strdup("1.2");
  p->owner = 0;
  p->plan_approver = -1;
  p->window = 1800;
  p->notifier = -1;
  p->nbuiltins = 4;

  k0[0] = val_cstr_new("echo hi");
  k0[1] = val_num(5);
  k0[2] = val_dur(90);
  k0[3] = val_cstr_new("a command line far too long to show whole in a comment, "
                       "so the listing cuts it");
  k0[4] = val_fn(1);
  k1[0] = val_cstr_new("oncall");
  p->protos = mem_alloc(2 * sizeof *p->protos);
  p->protos[0] = proto("step deploy", 0, 3, body, body_pos, 11, k0, 5);
  p->protos[1] = proto("undo deploy", 1, 2, undo, undo_pos, 3, k1, 1);
  p->nprotos = 2;

  p->steps = mem_calloc(2 * sizeof *p->steps);
  p->nsteps = 2;
  p->steps[0].name = mem_strdup("deploy");
  p->steps[0].title = mem_strdup("Deploy it");
  p->steps[0].pos = 19;
  p->steps[0].owner = 0;
  p->steps[0].body = 0;
  p->steps[0].undo = 1;
  p->steps[0].onfail = -1;
  p->steps[0].title_fn = p->steps[0].expect_fn = p->steps[0].timeout_fn = -1;
  p->steps[0].expect = 300;
  p->steps[0].timeout = -1;
  p->steps[0].idempotent = 1;
  p->steps[1].name = mem_strdup("check");
  p->steps[1].title = mem_strdup("");
  p->steps[1].owner = -1;
  p->steps[1].body = 0;
  p->steps[1].undo = -1;
  p->steps[1].onfail = 1;
  p->steps[1].title_fn = p->steps[1].expect_fn = p->steps[1].timeout_fn = -1;
  p->steps[1].expect = -1;
  p->steps[1].timeout = 60;
  p->steps[1].irreversible = mem_strdup("drops the old table");
  p->steps[1].after = mem_alloc(sizeof(uint32_t));
  p->steps[1].after[0] = 0;
  p->steps[1].nafter = 1;

  p->roles = mem_calloc(sizeof *p->roles);
  p->nroles = 1;
  p->roles[0].name = mem_strdup("oncall");
  p->roles[0].person = mem_strdup("Ana");
  p->roles[0].keys = mem_alloc(sizeof(char *));
  p->roles[0].vals = mem_alloc(sizeof(char *));
  p->roles[0].keys[0] = mem_strdup("email");
  p->roles[0].vals[0] = mem_strdup("ana@example.com");
  p->roles[0].ncontacts = 1;

  p->params = mem_calloc(sizeof *p->params);
  p->nparams = 1;
  p->params[0].name = mem_strdup("region");
  p->params[0].init = -1;
  p->params[0].secret = 1;

  p->verifies = mem_calloc(sizeof *p->verifies);
  p->nverifies = 1;
  p->verifies[0].pos = 74;
  p->verifies[0].end = 80;
  p->verifies[0].lhs = 1;
  p->verifies[0].rhs = -1;
  p->verifies[0].msg = -1;

  p->globals = mem_alloc(sizeof(char *));
  p->globals[0] = mem_strdup("region");
  p->nglobals = 1;
  return p;
}

static char *listing(const Program *p) {
  char *out = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&out, &n);
  if (!f) return NULL;
  disasm_program(p, f);
  fclose(f);
  return out;
}

/* has checks that the listing holds line as a whole line. */
static int has(const char *text, const char *line) {
  size_t n = strlen(line);
  const char *s = text;
  while ((s = strstr(s, line)) != NULL) {
    if ((s == text || s[-1] == '\n') && (s[n] == '\n' || s[n] == '\0')) return 1;
    s += 1;
  }
  return 0;
}

#define HAS(text, line) do {                                             \
    int h_ = text && has(text, line);                                    \
    CHECK(h_, "listing has: %s", line);                                  \
  } while (0)

int main(void) {
  Program *p = make_prog();
  char *a = listing(p), *b = listing(p);
  CHECK(a != NULL && b != NULL, "disasm_program writes to a memstream");
  CHECK(a && b && strcmp(a, b) == 0, "the listing is the same every time");
  if (getenv("DISASM_SHOW") && a) fputs(a, stdout);

  HAS(a, "runbook \"Demo\" version \"1.2\"  owner oncall  window 30m");
  HAS(a, "source demo.rbk (87 bytes, sha256 "
         "63cbd0a109f7c7672dc333ccc979560adc0d12206d174fa847512f8f621aebb3)");
  HAS(a, "function step deploy (params 0, registers 3, constants 5, instructions 11)");
  HAS(a, "   0  3:9      LOADK     0 0          ; \"echo hi\"");
  HAS(a, "   1  3:5      RUN       0 0 0");
  HAS(a, "   2  4:12     GETG      1 0          ; region");
  HAS(a, "   3  4:14     EQK       1 1 1        ; 5");
  HAS(a, "   4  4:14     JMP       1            ; to 6");
  HAS(a, "   5  4:14     ADDK      2 1 2        ; 1m30s");
  HAS(a, "   6  3:5      CALLB     0 1 3        ; builtin 3");
  HAS(a, "   7  4:5      VERIFY    1 0          ; verify 0: x == 5");
  HAS(a, "   8  4:5      JNIL      2 -1         ; to 8");
  HAS(a, "   9  4:5      LOADK     2 3          ; \"a command line far too long to show whole in a "
         "comment, so ...");
  HAS(a, "  10  5:3      RET       0 0 0");
  HAS(a, "constants (5):");
  HAS(a, "   0  string    \"echo hi\"");
  HAS(a, "   1  number    5");
  HAS(a, "   2  duration  1m30s");
  HAS(a, "   4  function  function \"undo deploy\"");
  HAS(a, "function undo deploy (params 1, registers 2, constants 1, instructions 3)");
  HAS(a, "   0  2:3      LOADFN    1 0          ; \"step deploy\"");
  HAS(a, "   1  2:3      NOTIFY    0 0 0        ; role \"oncall\"");
  HAS(a, "steps (2):");
  HAS(a, "   0  deploy \"Deploy it\"  owner oncall  body \"step deploy\"  undo \"undo deploy\"  "
         "onfail -  expect 5m  timeout -  idempotent");
  HAS(a, "   1  check  owner -  body \"step deploy\"  undo -  onfail \"undo deploy\"  expect -  "
         "timeout 1m  irreversible \"drops the old table\"  after deploy");
  HAS(a, "roles (1):");
  HAS(a, "   0  oncall  person \"Ana\"  email \"ana@example.com\"");
  HAS(a, "params (1):");
  HAS(a, "   0  region  global 0  default - (required)  secret");
  HAS(a, "globals (1):");
  HAS(a, "verifies (1):");
  HAS(a, "   0  lhs 1  rhs -1  msg -1  4:12 x == 5");
  free(a);
  free(b);

  /* Operands out of range are named, never followed. */
  p->protos[0]->code[0] = MK_ABx(OP_LOADK, 0, 99);
  p->protos[0]->code[2] = MK_ABx(OP_GETG, 1, 7);
  p->protos[1]->code[0] = MK_ABx(OP_LOADFN, 1, 42);
  p->protos[0]->code[5] = (Instr)0xFFFFFFFFu;
  p->steps[0].owner = 9;
  a = listing(p);
  HAS(a, "   0  3:9      LOADK     0 99         ; constant 99 (out of range)");
  HAS(a, "   2  4:12     GETG      1 7          ; global 7 (out of range)");
  HAS(a, "   0  2:3      LOADFN    1 42         ; function 42 (out of range)");
  HAS(a, "   5  4:14     ?         0xffffffff");
  CHECK(a && strstr(a, "owner role 9 (out of range)"), "a bad owner role is named");
  free(a);
  prog_free(p);

  /* Every opcode has a name, a format and a meaning. */
  {
    int op, bad = 0;
    for (op = 0; op < OP__N; op++)
      if (!op_name((OpCode)op) || !*op_name((OpCode)op) || !op_doc((OpCode)op) ||
          (int)op_format((OpCode)op) > FMT_sJ)
        bad++;
    CHECK(bad == 0, "op_name, op_format and op_doc cover all %d opcodes", (int)OP__N);
    CHECK_STREQ(op_name(OP_LOADK), "LOADK", "op_name(OP_LOADK)");
    CHECK(op_format(OP_JMP) == FMT_sJ && op_format(OP_LOADK) == FMT_ABx &&
          op_format(OP_JNIL) == FMT_AsBx && op_format(OP_ADD) == FMT_ABC, "op_format");
    CHECK_STREQ(op_doc(OP_ADD), "R[A] := R[B] + R[C]", "op_doc(OP_ADD)");
    CHECK_STREQ(op_name((OpCode)200), "?", "op_name of a bad opcode");
  }
  UNIT_DONE();
}
