/*
** bcfile_test.c -- unit tests for vm/bcfile.c (the .rbc format and its
** verifier) and base/sha256.c. A Program is built by hand, written, read
** back and compared field by field; then damaged files of every kind must
** be refused with the right message, never a crash or a leak (the ASan
** build checks the leaks).
*/
#include "../../vm/bcfile.h"
#include "../../vm/ffi.h"
#include "../../base/mem.h"
#include "../../base/sha256.h"
#include "unit.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NBUILTINS 4

static const char SRC[] =
  "runbook \"Demo\" {\n"
  "  step deploy \"Deploy it\" {\n"
  "    run \"echo hi\"\n"
  "    verify x == 5\n"
  "  }\n"
  "}\n";

static char **strv(int n, ...) {
  va_list ap;
  char **v = mem_alloc((size_t)n * sizeof *v);
  int i;
  va_start(ap, n);
  for (i = 0; i < n; i++) v[i] = mem_strdup(va_arg(ap, const char *));
  va_end(ap);
  return v;
}

static Proto *proto(const char *name, uint8_t nparams, uint8_t nregs, const Instr *code,
                    uint32_t ncode, uint32_t pos0, Value *k, uint32_t nk) {
  Proto *f = mem_calloc(sizeof *f);
  uint32_t i;
  f->name = mem_strdup(name);
  f->nparams = nparams;
  f->nregs = nregs;
  f->code = mem_alloc(ncode * sizeof *f->code);
  f->pos = mem_alloc(ncode * sizeof *f->pos);
  f->ncode = ncode;
  for (i = 0; i < ncode; i++) {
    f->code[i] = code[i];
    f->pos[i] = pos0 + i;
  }
  f->k = mem_alloc(nk * sizeof *f->k);
  memcpy(f->k, k, nk * sizeof *k);
  f->nk = nk;
  return f;
}

/* make_prog builds the sample: two functions, two steps, a role with two
** contacts, a param, a require, a trigger, a probe, a verify record. */
static Program *make_prog(void) {
  Program *p = mem_calloc(sizeof *p);
  static const Instr body[] = {
    MK_ABx(OP_LOADK, 0, 0),        /*  0 R0 := "echo hi" */
    MK_ABC(OP_RUN, 0, 0, 0),       /*  1 */
    MK_ABx(OP_GETG, 1, 0),         /*  2 R1 := region */
    MK_ABC(OP_EQK, 1, 1, 1),       /*  3 R1 == 5 */
    MK_sJ(OP_JMP, 1),              /*  4 to 6 */
    MK_ABC(OP_LOG, 0, 0, 0),       /*  5 */
    MK_ABC(OP_CALLB, 0, 1, 3),     /*  6 builtin 3 (R0) */
    MK_ABx(OP_VERIFY, 1, 0),       /*  7 */
    MK_AsBx(OP_JNIL, 2, -1),       /*  8 to 8 */
    MK_ABC(OP_LOADNIL, 0, 0, 0),   /*  9 */
    MK_ABC(OP_RET, 0, 0, 0),       /* 10 */
  };
  static const Instr undo[] = {
    MK_ABx(OP_LOADFN, 1, 0),
    MK_ABC(OP_NOTIFY, 0, 0, 0),
    MK_ABC(OP_RET, 0, 0, 0),
  };
  Value k0[7], k1[1];
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
  p->nbuiltins = NBUILTINS;

  k0[0] = val_cstr_new("echo hi");
  k0[1] = val_num(5);
  k0[2] = val_dur(30);
  k0[3] = val_bool(1);
  k0[4] = val_nil();
  k0[5] = val_fn(1);
  k0[6] = val_str_new("caf\xc3\xa9\0x", 7);   /* UTF-8 and an embedded NUL */
  k1[0] = val_cstr_new("oncall");
  p->protos = mem_alloc(2 * sizeof *p->protos);
  p->protos[0] = proto("step deploy", 0, 3, body, 11, 30, k0, 7);
  p->protos[1] = proto("undo deploy", 1, 2, undo, 3, 60, k1, 1);
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
  p->steps[0].expect = 300;
  p->steps[0].timeout = -1;
  p->steps[0].idempotent = 1;
  p->steps[1].name = mem_strdup("check");
  p->steps[1].title = mem_strdup("");
  p->steps[1].pos = 40;
  p->steps[1].owner = -1;
  p->steps[1].body = 0;
  p->steps[1].undo = -1;
  p->steps[1].onfail = 1;
  p->steps[1].expect = -1;
  p->steps[1].timeout = 60.5;
  p->steps[1].irreversible = mem_strdup("drops the old table");
  p->steps[1].after = mem_alloc(sizeof(uint32_t));
  p->steps[1].after[0] = 0;
  p->steps[1].nafter = 1;

  p->roles = mem_calloc(sizeof *p->roles);
  p->nroles = 1;
  p->roles[0].name = mem_strdup("oncall");
  p->roles[0].person = mem_strdup("Ana");
  p->roles[0].keys = strv(2, "email", "slack");
  p->roles[0].vals = strv(2, "ana@example.com", "#ops");
  p->roles[0].ncontacts = 2;

  p->params = mem_calloc(sizeof *p->params);
  p->nparams = 1;
  p->params[0].name = mem_strdup("region");
  p->params[0].global = 0;
  p->params[0].secret = 1;
  p->params[0].init = -1;

  p->reqs = mem_calloc(sizeof *p->reqs);
  p->nreqs = 1;
  p->reqs[0].name = mem_strdup("disk");
  p->reqs[0].owner = 0;
  p->reqs[0].body = 0;

  p->triggers = mem_calloc(sizeof *p->triggers);
  p->ntriggers = 1;
  p->triggers[0].name = mem_strdup("errors");
  p->triggers[0].severity = 1;
  p->triggers[0].cond = 0;
  p->triggers[0].hold = 120;
  p->triggers[0].pos = 66;
  p->triggers[0].end = 72;

  p->probes = mem_calloc(sizeof *p->probes);
  p->nprobes = 1;
  p->probes[0].name = mem_strdup("health");
  p->probes[0].body = 1;

  p->verifies = mem_calloc(sizeof *p->verifies);
  p->nverifies = 1;
  p->verifies[0].pos = 66;
  p->verifies[0].end = 72;
  p->verifies[0].lhs = 1;
  p->verifies[0].rhs = -1;
  p->verifies[0].msg = -1;

  p->globals = strv(1, "region");
  p->nglobals = 1;

  p->externs = mem_calloc(2 * sizeof *p->externs);
  p->nexterns = 2;
  p->externs[0].lib = mem_strdup("libc.so.6");
  p->externs[0].name = mem_strdup("strlen");
  p->externs[0].pos = 19;
  p->externs[0].end = 25;
  p->externs[0].name_pos = 26;
  p->externs[0].name_end = 30;
  p->externs[0].nparams = 2;
  p->externs[0].params[0] = FT_STRING;
  p->externs[0].params[1] = FT_OUT_POINTER;
  p->externs[0].result = FT_INT64;
  p->externs[1].lib = mem_strdup("libsqlite3.so.0");
  p->externs[1].name = mem_strdup("sqlite3_step");
  p->externs[1].module = mem_strdup("sqlite");
  p->externs[1].nparams = 1;
  p->externs[1].params[0] = FT_POINTER;
  p->externs[1].result = FT_INT;
  p->impls = mem_calloc(sizeof *p->impls);
  p->nimpls = 1;
  p->impls[0].builtin = 2;
  p->impls[0].proto = 1;
  p->backout = BACKOUT_RUN;
  p->backout_file = mem_strdup("backout.rbk");
  return p;
}

/* ------------------------------------------------------------ comparison */

static int str_eq(const char *a, const char *b) {
  return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int val_same(const Value *a, const Value *b) {
  if (a->t != b->t) return 0;
  if (a->t == V_NUM || a->t == V_DUR) return memcmp(&a->u.n, &b->u.n, sizeof a->u.n) == 0;
  return val_equal(a, b);
}

/* prog_same compares every field; *why names the first difference. */
static int prog_same(const Program *a, const Program *b, const char **why) {
  uint32_t i, j;
#define SAME(c, what) do { if (!(c)) { *why = what; return 0; } } while (0)
  SAME(a->src && b->src, "source present");
  SAME(str_eq(a->src->name, b->src->name), "source name");
  SAME(a->src->len == b->src->len && memcmp(a->src->text, b->src->text, a->src->len) == 0,
       "source text");
  SAME(b->src->text[b->src->len] == '\0' && b->src->text[b->src->len + 1] == '\0',
       "source text ends in two NULs");
  SAME(memcmp(a->src_sha256, b->src_sha256, 32) == 0, "source sha");
  SAME(str_eq(a->title, b->title) && str_eq(a->version, b->version), "title/version");
  SAME(a->owner == b->owner && a->plan_approver == b->plan_approver && a->window == b->window, "owner/plan approver/window");
  SAME(a->nbuiltins == b->nbuiltins, "nbuiltins");
  SAME(a->nprotos == b->nprotos, "nprotos");
  for (i = 0; i < a->nprotos; i++) {
    const Proto *x = a->protos[i], *y = b->protos[i];
    SAME(str_eq(x->name, y->name), "proto name");
    SAME(x->nparams == y->nparams && x->nregs == y->nregs, "proto nparams/nregs");
    SAME(x->ncode == y->ncode, "proto ncode");
    SAME(memcmp(x->code, y->code, x->ncode * sizeof *x->code) == 0, "proto code");
    SAME(memcmp(x->pos, y->pos, x->ncode * sizeof *x->pos) == 0, "proto pos");
    SAME(x->nk == y->nk, "proto nk");
    for (j = 0; j < x->nk; j++) SAME(val_same(&x->k[j], &y->k[j]), "proto constant");
  }
  SAME(a->nsteps == b->nsteps, "nsteps");
  for (i = 0; i < a->nsteps; i++) {
    const StepInfo *x = &a->steps[i], *y = &b->steps[i];
    SAME(str_eq(x->name, y->name) && str_eq(x->title, y->title), "step name/title");
    SAME(x->pos == y->pos && x->owner == y->owner, "step pos/owner");
    SAME(x->body == y->body && x->undo == y->undo && x->onfail == y->onfail, "step protos");
    SAME(x->expect == y->expect && x->timeout == y->timeout, "step expect/timeout");
    SAME(x->idempotent == y->idempotent, "step idempotent");
    SAME(str_eq(x->irreversible, y->irreversible), "step irreversible");
    SAME(x->nafter == y->nafter, "step nafter");
    for (j = 0; j < x->nafter; j++) SAME(x->after[j] == y->after[j], "step after");
  }
  SAME(a->nroles == b->nroles, "nroles");
  for (i = 0; i < a->nroles; i++) {
    const RoleInfo *x = &a->roles[i], *y = &b->roles[i];
    SAME(str_eq(x->name, y->name) && str_eq(x->person, y->person), "role name/person");
    SAME(x->ncontacts == y->ncontacts, "role ncontacts");
    for (j = 0; j < x->ncontacts; j++)
      SAME(str_eq(x->keys[j], y->keys[j]) && str_eq(x->vals[j], y->vals[j]), "role contact");
  }
  SAME(a->nparams == b->nparams, "nparams");
  for (i = 0; i < a->nparams; i++) {
    const ParamInfo *x = &a->params[i], *y = &b->params[i];
    SAME(str_eq(x->name, y->name) && x->global == y->global && x->secret == y->secret &&
         x->init == y->init, "param");
  }
  SAME(a->nreqs == b->nreqs, "nreqs");
  for (i = 0; i < a->nreqs; i++)
    SAME(str_eq(a->reqs[i].name, b->reqs[i].name) && a->reqs[i].owner == b->reqs[i].owner &&
         a->reqs[i].body == b->reqs[i].body, "require");
  SAME(a->ntriggers == b->ntriggers, "ntriggers");
  for (i = 0; i < a->ntriggers; i++)
    SAME(str_eq(a->triggers[i].name, b->triggers[i].name) &&
         a->triggers[i].severity == b->triggers[i].severity &&
         a->triggers[i].cond == b->triggers[i].cond && a->triggers[i].hold == b->triggers[i].hold,
         "trigger");
  SAME(a->nprobes == b->nprobes, "nprobes");
  for (i = 0; i < a->nprobes; i++)
    SAME(str_eq(a->probes[i].name, b->probes[i].name) && a->probes[i].body == b->probes[i].body,
         "probe");
  SAME(a->nverifies == b->nverifies, "nverifies");
  for (i = 0; i < a->nverifies; i++) {
    const VerifyInfo *x = &a->verifies[i], *y = &b->verifies[i];
    SAME(x->pos == y->pos && x->end == y->end && x->lhs == y->lhs && x->rhs == y->rhs &&
         x->msg == y->msg, "verify record");
  }
  SAME(a->nglobals == b->nglobals, "nglobals");
  for (i = 0; i < a->nglobals; i++) SAME(str_eq(a->globals[i], b->globals[i]), "global");
  for (i = 0; i < a->ntriggers; i++)
    SAME(a->triggers[i].pos == b->triggers[i].pos && a->triggers[i].end == b->triggers[i].end, "trigger span");
  SAME(a->nexterns == b->nexterns, "nexterns");
  for (i = 0; i < a->nexterns; i++) {
    const ExternInfo *x = &a->externs[i], *y = &b->externs[i];
    SAME(str_eq(x->lib, y->lib) && str_eq(x->name, y->name) && str_eq(x->module, y->module) && x->pos == y->pos &&
         x->end == y->end && x->name_pos == y->name_pos && x->name_end == y->name_end && x->result == y->result &&
         x->nparams == y->nparams && memcmp(x->params, y->params, x->nparams) == 0 && !y->binding,
         "extern");
  }
  SAME(a->nimpls == b->nimpls, "nimpls");
  for (i = 0; i < a->nimpls; i++)
    SAME(a->impls[i].builtin == b->impls[i].builtin && a->impls[i].proto == b->impls[i].proto, "impl");
  SAME(a->notifier == b->notifier && a->backout == b->backout && str_eq(a->backout_file, b->backout_file),
       "notifier and backout");
#undef SAME
  *why = "";
  return 1;
}

/* --------------------------------------------------------------- helpers */

static char dir[64];

static const char *tpath(const char *name) {
  static char buf[128];
  snprintf(buf, sizeof buf, "%s/%s", dir, name);
  return buf;
}

static unsigned char *slurp(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  unsigned char *d;
  long len;
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  len = ftell(f);
  fseek(f, 0, SEEK_SET);
  d = malloc((size_t)len + 1);
  *n = fread(d, 1, (size_t)len, f);
  fclose(f);
  return d;
}

static void spit(const char *path, const void *d, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) return;
  fwrite(d, 1, n, f);
  fclose(f);
}

/* reseal recomputes the trailing checksum after a deliberate change. */
static void reseal(unsigned char *d, size_t n) {
  sha256(d, n - 32, d + n - 32);
}

/* rejects reads n bytes at d and says whether it failed with want in err. */
static int rejects(const void *d, size_t n, uint32_t nb, const char *want, char *err,
                   size_t errlen) {
  Program *p;
  err[0] = '\0';
  p = bc_read_mem(d, n, "test.rbc", nb, err, errlen);
  if (p) {
    prog_free(p);
    snprintf(err, errlen, "(accepted)");
    return 0;
  }
  return strstr(err, want) != NULL;
}

/* expect_invalid writes p, reads it back and checks the verifier's message. */
static void expect_invalid(Program *p, const char *want, const char *what) {
  char err[256] = "";
  Program *q;
  int wrote = bc_write(p, tpath("bad.rbc"), err, sizeof err);
  CHECK(wrote == 0, "%s: a broken program can still be written (%s)", what, err);
  q = bc_read(tpath("bad.rbc"), NBUILTINS, err, sizeof err);
  CHECK(q == NULL && strstr(err, want) != NULL, "%s: refused: %s", what, err);
  if (!(q == NULL && strstr(err, want) != NULL)) printf("#   wanted: %s\n", want);
  prog_free(q);
  prog_free(p);
}

static size_t offset_of_nprotos(void) {
  /* header, source name and text, title, version, owner, plan approver, window */
  return BC_HEADER_LEN + 4 + strlen("demo.rbk") + 4 + (sizeof SRC - 1) + 4 + 4 + 4 + 3 + 4 + 4 + 8;
}

static int tmp_files_left(void) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;
  if (!d) return -1;
  while ((e = readdir(d)))
    if (strstr(e->d_name, ".tmp.")) n++;
  closedir(d);
  return n;
}

/* ----------------------------------------------------------------- tests */

static void test_sha256(void) {
  uint8_t d[32];
  char hex[65], err[128];
  sha256("abc", 3, d);
  sha256_hex(d, hex);
  CHECK_STREQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
              "sha256(\"abc\") is the FIPS 180-2 vector");
  sha256("", 0, d);
  sha256_hex(d, hex);
  CHECK_STREQ(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
              "sha256 of nothing");
  spit(tpath("abc.txt"), "abc", 3);
  memset(d, 0, sizeof d);
  CHECK(sha256_file(tpath("abc.txt"), d, err, sizeof err) == 0, "sha256_file reads a file");
  sha256_hex(d, hex);
  CHECK_STREQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
              "sha256_file agrees with sha256");
  CHECK(sha256_file(tpath("nope"), d, err, sizeof err) == -1 && strstr(err, "cannot open"),
        "sha256_file on a missing file: %s", err);
  CHECK(sha256_file(dir, d, err, sizeof err) == -1 && strstr(err, "directory"),
        "sha256_file on a directory: %s", err);
}

static void test_roundtrip(void) {
  char err[256] = "";
  const char *why = "?";
  Program *p = make_prog(), *q;
  CHECK(bc_verify(p, err, sizeof err) == 0, "the sample program verifies (%s)", err);
  CHECK(bc_write(p, tpath("good.rbc"), err, sizeof err) == 0, "bc_write succeeds (%s)", err);
  CHECK(tmp_files_left() == 0, "no temporary file is left behind");
  q = bc_read(tpath("good.rbc"), NBUILTINS, err, sizeof err);
  CHECK(q != NULL, "bc_read reads it back (%s)", q ? "" : err);
  if (q) {
    int same = prog_same(p, q, &why);
    CHECK(same, "the program read back is the one written (first difference: %s)", why);
    CHECK(prog_find_step(q, "check") == 1 && prog_find_step(q, "nope") == -1, "prog_find_step");
    CHECK(prog_find_role(q, "oncall") == 0 && prog_find_role(q, "x") == -1, "prog_find_role");
  }
  prog_free(q);
  /* Writing again replaces the file in place. */
  CHECK(bc_write(p, tpath("good.rbc"), err, sizeof err) == 0, "bc_write over an existing file");
  {
    struct stat st;
    CHECK(stat(tpath("good.rbc"), &st) == 0 && (st.st_mode & 0777) == 0644,
          "the file is mode 0644");
  }
  CHECK(bc_write(p, tpath("no/such/dir/x.rbc"), err, sizeof err) == -1 &&
        strstr(err, "cannot create a temporary file"), "bc_write into a missing directory: %s",
        err);
  prog_free(p);
}

static void test_unwritable_constant(void) {
  char err[256] = "";
  Program *p = make_prog();
  Value lst;
  lst = val_list_new(NULL, 0);
  val_release(p->protos[0]->k[4]);
  p->protos[0]->k[4] = lst;
  CHECK(bc_write(p, tpath("list.rbc"), err, sizeof err) == -1 && strstr(err, "a list"),
        "a list constant cannot be written: %s", err);
  CHECK(access(tpath("list.rbc"), F_OK) != 0 && tmp_files_left() == 0,
        "a failed write leaves no file behind");
  prog_free(p);
}

static void test_truncation(const unsigned char *d, size_t n) {
  char err[256], want[64];
  size_t k, bad = 0, first_bad = (size_t)-1;
  char first_err[256] = "";
  for (k = 0; k < n; k++) {
    Program *p;
    /* A real file cut short, through bc_read. */
    spit(tpath("cut.rbc"), d, k);
    err[0] = '\0';
    p = bc_read(tpath("cut.rbc"), NBUILTINS, err, sizeof err);
    snprintf(want, sizeof want, "truncated: the data ends at byte %zu,", k);
    if (p || strstr(err, want) != err) {
      if (!bad++) { first_bad = k; snprintf(first_err, sizeof first_err, "%s", err); }
    }
    prog_free(p);
    /* The same through bc_read_mem, on an exactly sized heap copy so ASan sees any overread. */
    {
      unsigned char *c = malloc(k ? k : 1);
      memcpy(c, d, k);
      if (!rejects(c, k, NBUILTINS, want, err, sizeof err)) {
        if (!bad++) { first_bad = k; snprintf(first_err, sizeof first_err, "%s", err); }
      }
      free(c);
    }
  }
  CHECK(bad == 0, "cut at every one of %zu byte offsets: each says truncated and where", n);
  if (bad) printf("#   first bad offset %zu: %s\n", first_bad, first_err);
  spit(tpath("cut.rbc"), d, BC_HEADER_LEN + 10);
  bc_read(tpath("cut.rbc"), NBUILTINS, err, sizeof err);
  CHECK(strstr(err, "truncated: the data ends at byte 64, but its header promises") == err,
        "truncation message: %s", err);
  spit(tpath("cut.rbc"), d, 20);
  bc_read(tpath("cut.rbc"), NBUILTINS, err, sizeof err);
  CHECK_STREQ(err, "truncated: the data ends at byte 20, inside the 54-byte header",
              "truncation inside the header");
}

static void test_corruption(const unsigned char *d, size_t n) {
  char err[256];
  unsigned char *c = malloc(n + 1);
  size_t offs[8];
  int i;
  offs[0] = 10;                 /* source sha */
  offs[1] = 41;
  offs[2] = 42;                 /* nbuiltins */
  offs[3] = BC_HEADER_LEN;      /* first payload byte */
  offs[4] = BC_HEADER_LEN + 20; /* source text */
  offs[5] = n / 2;
  offs[6] = n - 33;             /* last payload byte */
  offs[7] = n - 1;              /* the checksum itself */
  for (i = 0; i < 8; i++) {
    memcpy(c, d, n);
    c[offs[i]] ^= 0x20;
    CHECK(rejects(c, n, NBUILTINS, "corrupt: checksum does not match", err, sizeof err),
          "a flipped byte at offset %zu: %s", offs[i], err);
  }

  memcpy(c, d, n);
  c[0] = 'X';
  CHECK(rejects(c, n, NBUILTINS, "not an rbk bytecode file", err, sizeof err),
        "bad magic: %s", err);
  CHECK(rejects("runbook \"x\" {}\n", 15, NBUILTINS, "not an rbk bytecode file", err, sizeof err),
        "a runbook source is not bytecode: %s", err);
  memcpy(c, d, n);
  c[4] = '\r';   /* a text-mode transfer turned the magic's \n into \r\n */
  CHECK(rejects(c, n, NBUILTINS, "not an rbk bytecode file", err, sizeof err),
        "mangled magic: %s", err);

  memcpy(c, d, n);
  c[6] = 1;
  reseal(c, n);
  CHECK(rejects(c, n, NBUILTINS, "", err, sizeof err) &&
        strcmp(err, "made by a different rbk: format 1, this rbk reads 4; "
               "recompile with rbk compile") == 0,
        "wrong format version: %s", err);

  memcpy(c, d, n);
  c[8] = 1;
  reseal(c, n);
  CHECK(rejects(c, n, NBUILTINS, "uses features this rbk does not know (flags 0x0001)", err,
                sizeof err), "unknown flags: %s", err);

  CHECK(rejects(d, n, NBUILTINS + 1, "", err, sizeof err) &&
        strcmp(err, "compiled against a different builtin table (4 builtins, this rbk has 5); "
               "recompile with rbk compile") == 0,
        "nbuiltins mismatch: %s", err);

  memcpy(c, d, n);
  c[n] = 0;
  CHECK(rejects(c, n + 1, NBUILTINS, "trailing garbage: 1 byte after the end", err, sizeof err),
        "trailing garbage: %s", err);

  /* A count too large for what is left, behind a valid checksum. */
  memcpy(c, d, n);
  memset(c + offset_of_nprotos(), 0xFF, 4);
  reseal(c, n);
  CHECK(rejects(c, n, NBUILTINS, "invalid bytecode: 4294967295 functions at byte", err,
                sizeof err), "an impossible function count: %s", err);
  memcpy(c, d, n);
  c[offset_of_nprotos()] = 3;
  reseal(c, n);
  CHECK(rejects(c, n, NBUILTINS, "invalid bytecode: ", err, sizeof err),
        "a function count one too many: %s", err);
  /* A string length too large. */
  memcpy(c, d, n);
  c[BC_HEADER_LEN + 3] = 0x7F;
  reseal(c, n);
  CHECK(rejects(c, n, NBUILTINS, "invalid bytecode: the payload ends at byte", err, sizeof err),
        "an impossible string length: %s", err);
  /* The payload says it is longer than what it holds. */
  {
    unsigned char *g = malloc(n + 1);
    memcpy(g, d, n - 32);
    g[n - 32] = 0;
    g[BC_HEADER_LEN - 8] = (unsigned char)(g[BC_HEADER_LEN - 8] + 1);
    reseal(g, n + 1);
    CHECK(rejects(g, n + 1, NBUILTINS, "invalid bytecode: 1 byte left over at the end of the "
                  "payload", err, sizeof err), "leftover payload bytes: %s", err);
    free(g);
  }
  free(c);
}

/* Checksum-valid files whose content breaks the verifier's rules. */
static void test_verifier(void) {
  Program *p;
  p = make_prog();
  p->protos[0]->code[0] = MK_ABC(OP_MOVE, 5, 0, 0);
  expect_invalid(p, "invalid bytecode: step deploy pc 0: MOVE A register 5 is out of range "
                 "(3 registers)", "register out of range");
  p = make_prog();
  p->protos[0]->code[5] = MK_ABC(OP_ADD, 0, 1, 3);
  expect_invalid(p, "step deploy pc 5: ADD C register 3", "C register out of range");
  p = make_prog();
  p->protos[0]->code[0] = MK_ABx(OP_LOADK, 0, 7);
  expect_invalid(p, "invalid bytecode: step deploy pc 0: LOADK constant 7 is out of range "
                 "(7 constants)", "constant out of range");
  p = make_prog();
  p->protos[0]->code[4] = MK_sJ(OP_JMP, 6);
  expect_invalid(p, "invalid bytecode: step deploy pc 4: JMP jumps to pc 11, outside the "
                 "function", "jump past the end");
  p = make_prog();
  p->protos[0]->code[8] = MK_AsBx(OP_JNIL, 2, -10);
  expect_invalid(p, "step deploy pc 8: JNIL jumps to pc -1", "jump before the start");
  p = make_prog();
  p->protos[0]->code[10] = MK_ABC(OP_NOP, 0, 0, 0);
  expect_invalid(p, "step deploy pc 10: the code ends with NOP instead of RET", "no final RET");
  p = make_prog();
  p->protos[0]->code[5] = (Instr)OP__N;
  expect_invalid(p, "step deploy pc 5: unknown opcode", "unknown opcode");
  p = make_prog();
  p->protos[0]->code[6] = MK_ABC(OP_CALLB, 0, 1, NBUILTINS + 2);
  expect_invalid(p, "step deploy pc 6: CALLB native 6 does not exist (4 builtins and 2 externs)",
                 "native out of range");
  p = make_prog();
  p->externs[0].params[1] = FT_VOID;
  expect_invalid(p, "extern strlen: parameter 2 has type 5, which no parameter can have", "void parameter");
  p = make_prog();
  p->externs[1].result = FT_OUT_INT;
  expect_invalid(p, "extern sqlite3_step: result type 6 is not a result type", "out-parameter as a result");
  p = make_prog();
  p->externs[0].end = 5000;
  expect_invalid(p, "extern strlen: its position is not within the source", "extern outside the source");
  p = make_prog();
  p->impls[0].builtin = NBUILTINS;
  expect_invalid(p, "builtin 4 written in rbk does not exist", "rbk builtin out of range");
  p = make_prog();
  p->impls[0].proto = 2;
  expect_invalid(p, "builtin 2: function 2 does not exist", "rbk builtin's function out of range");
  p = make_prog();
  p->notifier = 1;
  expect_invalid(p, "the notifier takes 1 parameters instead of 6", "notifier with the wrong parameters");
  p = make_prog();
  mem_free(p->backout_file);
  p->backout_file = NULL;
  expect_invalid(p, "backout 2 does not match its runbook file", "backout run without a file");
  p = make_prog();
  p->protos[0]->code[6] = MK_ABC(OP_CALLB, 1, 3, 0);
  expect_invalid(p, "step deploy pc 6: CALLB arguments", "builtin arguments past the frame");
  p = make_prog();
  p->protos[0]->code[2] = MK_ABx(OP_GETG, 1, 1);
  expect_invalid(p, "step deploy pc 2: GETG global 1 does not exist", "global out of range");
  p = make_prog();
  p->protos[1]->code[0] = MK_ABx(OP_LOADFN, 1, 2);
  expect_invalid(p, "undo deploy pc 0: LOADFN function 2 does not exist", "function out of range");
  p = make_prog();
  p->protos[0]->code[7] = MK_ABx(OP_VERIFY, 1, 1);
  expect_invalid(p, "step deploy pc 7: VERIFY record 1 does not exist", "verify out of range");
  p = make_prog();
  p->verifies[0].lhs = 3;
  expect_invalid(p, "step deploy pc 7: verify record 0 names lhs register 3", "verify register");
  p = make_prog();
  p->protos[0]->code[4] = MK_ABC(OP_LOG, 0, 0, 0);
  expect_invalid(p, "step deploy pc 3: EQK is not followed by a JMP", "comparison without JMP");
  p = make_prog();
  p->protos[1]->code[1] = MK_ABC(OP_NOTIFY, 0, 1, 0);
  expect_invalid(p, "undo deploy pc 1: NOTIFY constant 1 is out of range", "role constant");
  p = make_prog();
  p->protos[0]->code[0] = MK_ABC(OP_CONCAT, 0, 1, 3);
  expect_invalid(p, "step deploy pc 0: CONCAT operands R[1..3] runs past", "concat span");
  p = make_prog();
  p->protos[0]->code[0] = MK_ABC(OP_CALL, 0, 3, 0);
  expect_invalid(p, "step deploy pc 0: CALL function and arguments", "call span");
  p = make_prog();
  p->protos[0]->code[0] = MK_AsBx(OP_FORPREP, 1, 0);
  expect_invalid(p, "step deploy pc 0: FORPREP loop registers R[1..3]", "loop registers");
  p = make_prog();
  p->protos[0]->pos[3] = sizeof SRC;
  expect_invalid(p, "step deploy pc 3: source position", "position past the source");
  p = make_prog();
  p->protos[0]->nparams = 4;
  expect_invalid(p, "step deploy: 4 parameters but only 3 registers", "nparams > nregs");
  p = make_prog();
  p->protos[0]->k[5] = val_fn(2);
  expect_invalid(p, "step deploy: constant 5 names function 2", "function constant");
  p = make_prog();
  p->steps[1].after[0] = 1;
  expect_invalid(p, "step check: comes after step 1, which is not an earlier step", "after");
  p = make_prog();
  p->steps[0].body = -1;
  expect_invalid(p, "step deploy: body function -1 does not exist", "step without body");
  p = make_prog();
  p->steps[0].undo = 2;
  expect_invalid(p, "step deploy: undo function 2 does not exist", "undo out of range");
  p = make_prog();
  p->steps[0].owner = 1;
  expect_invalid(p, "step deploy: owner role 1 does not exist", "step owner");
  p = make_prog();
  p->owner = 3;
  expect_invalid(p, "the runbook owner is role 3", "runbook owner");
  p = make_prog();
  p->params[0].init = 9;
  expect_invalid(p, "param region: default function 9", "param init");
  p = make_prog();
  p->params[0].global = 1;
  expect_invalid(p, "param region: global 1 does not exist", "param global");
  p = make_prog();
  p->reqs[0].body = -1;
  expect_invalid(p, "require disk: function -1 does not exist", "require body");
  p = make_prog();
  p->triggers[0].cond = 5;
  expect_invalid(p, "trigger errors: function 5 does not exist", "trigger cond");
  p = make_prog();
  p->probes[0].body = 2;
  expect_invalid(p, "probe health: function 2 does not exist", "probe body");
  p = make_prog();
  p->protos[0]->code[9] = MK_ABC(OP_RETRY, 0, 3, 0);
  expect_invalid(p, "step deploy pc 9: RETRY B register 3 is out of range", "RETRY registers");
  p = make_prog();
  p->protos[0]->code[9] = MK_ABC(OP_MODI, 0, 1, 0);
  expect_invalid(p, "step deploy pc 9: MODI divisor is 0", "MODI by zero");
  p = make_prog();
  p->protos[0]->code[9] = MK_ABC(OP_WAITNEXT, 0, 1, 3);
  expect_invalid(p, "step deploy pc 9: WAITNEXT mode 3 is out of range", "WAITNEXT mode");
  p = make_prog();
  p->protos[0]->code[9] = MK_ABC(OP_WAITNEXT, 0, 1, 2);
  expect_invalid(p, "step deploy pc 9: WAITNEXT is not followed by a JMP", "WAITNEXT that skips must skip a JMP");
  p = make_prog();
  p->protos[0]->code[3] = MK_ABC(OP_WAITNEXT, 1, 0, 2);
  expect_invalid(p, "step deploy pc 3: WAITNEXT window registers R[1..3] runs past", "a hold's window registers");
  p = make_prog();
  p->protos[0]->code[0] = MK_ABC(OP_WAITINIT, 1, 0, 1);
  expect_invalid(p, "step deploy pc 0: WAITINIT window registers R[1..3] runs past", "WAITINIT's window registers");
  p = make_prog();
  p->protos[0]->code[7] = MK_ABx(OP_HOLD, 1, 1);
  expect_invalid(p, "step deploy pc 7: HOLD record 1 does not exist", "HOLD's verify record");
  p = make_prog();
  p->protos[0]->code[7] = MK_ABx(OP_WAITFAIL, 3, 0);
  expect_invalid(p, "step deploy pc 7: WAITFAIL A register 3 is out of range", "WAITFAIL's register");
  p = make_prog();
  p->protos[0]->code[9] = MK_ABC(OP_ADDI, 0, 3, MK_sB(1));
  expect_invalid(p, "step deploy pc 9: ADDI B register 3 is out of range", "ADDI registers");
  p = make_prog();
  p->protos[0]->code[3] = MK_ABC(OP_LTI, 1, MK_sB(-5), 1);
  p->protos[0]->code[4] = MK_ABC(OP_LOG, 0, 0, 0);
  expect_invalid(p, "step deploy pc 3: LTI is not followed by a JMP", "immediate comparison without JMP");
  p = make_prog();
  p->protos[0]->code[9] = MK_ABC(OP_SHQUOTE, 0, 1, 3);
  expect_invalid(p, "step deploy pc 9: SHQUOTE quoting context 3", "SHQUOTE context");
  p = make_prog();
  p->protos[0]->code[9] = MK_ABC(OP_GETFIELD, 0, 1, 1);
  expect_invalid(p, "step deploy pc 9: GETFIELD constant 1 must be a string, not a number",
                 "GETFIELD field name");
  p = make_prog();
  mem_free(p->roles[0].person);
  p->roles[0].person = NULL;
  expect_invalid(p, "a role's person at byte", "a role without a person");
  p = make_prog();
  p->verifies[0].end = 1000;
  expect_invalid(p, "verify record 0: span 66..1000", "verify span");
  p = make_prog();
  p->verifies[0].msg = 300;
  p->protos[0]->code[7] = MK_ABC(OP_NOP, 0, 0, 0);
  expect_invalid(p, "verify record 0: registers lhs 1, rhs -1, msg 300 must each be -1 or 0..255",
                 "verify register >= 256");
}

static void test_files(void) {
  char err[256] = "";
  Program *p;
  p = bc_read(tpath("missing.rbc"), NBUILTINS, err, sizeof err);
  CHECK(p == NULL && strcmp(err, "cannot open: No such file or directory") == 0,
        "a missing file: %s", err);
  p = bc_read(dir, NBUILTINS, err, sizeof err);
  CHECK(p == NULL && strcmp(err, "is a directory, not a bytecode file") == 0,
        "a directory: %s", err);
  spit(tpath("empty.rbc"), "", 0);
  p = bc_read(tpath("empty.rbc"), NBUILTINS, err, sizeof err);
  CHECK(p == NULL && strstr(err, "truncated: the data ends at byte 0"), "an empty file: %s", err);
  CHECK(bc_read_mem(NULL, 0, "x", NBUILTINS, err, sizeof err) == NULL,
        "bc_read_mem on no bytes: %s", err);
}

int main(void) {
  unsigned char *d;
  size_t n = 0;
  snprintf(dir, sizeof dir, "/tmp/rbk-bcfile-XXXXXX");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  test_sha256();
  test_roundtrip();
  test_unwritable_constant();
  d = slurp(tpath("good.rbc"), &n);
  CHECK(d != NULL && n > BC_HEADER_LEN + BC_TRAILER_LEN, "the written file has %zu bytes", n);
  if (d) {
    CHECK(memcmp(d, "RBKC\x1A\n\x04\x00\x00\x00", 10) == 0, "magic, version 4, flags 0");
    test_truncation(d, n);
    test_corruption(d, n);
    free(d);
  }
  test_verifier();
  test_files();
  {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) printf("# could not remove %s\n", dir);
  }
  UNIT_DONE();
}
