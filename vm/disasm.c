/*
** disasm.c -- the listing of a compiled Program (`rbk disasm`).
**
** One line per instruction: pc, line:col in the runbook, opcode, operands
** in the order the format packs them (A B C, A Bx, A sBx, sJ), then after
** "; " what an operand stands for: a constant's value, a global's or a
** function's name, a builtin's index, a jump's target pc.
*/
#include "disasm.h"

#include <inttypes.h>
#include <string.h>

#include "../base/buf.h"
#include "ffi.h"
#include "../base/sha256.h"

/* Comments longer than this are cut, so one instruction stays one line. */
#define COMMENT_MAX 60

static void cut(Buf *b, size_t from) {
  size_t n;
  if (b->n - from <= COMMENT_MAX) return;
  n = from + COMMENT_MAX;
  while (n > from && ((unsigned char)b->p[n] & 0xC0) == 0x80) n--;   /* whole UTF-8 chars */
  b->n = n;
  b->p[n] = '\0';
  buf_puts(b, "...");
}

static const char *proto_name(const Program *p, uint32_t i) {
  if (i < p->nprotos && p->protos && p->protos[i] && p->protos[i]->name) return p->protos[i]->name;
  return NULL;
}

static void put_proto_ref(const Program *p, int64_t i, Buf *b) {
  const char *n;
  if (i < 0) { buf_putc(b, '-'); return; }
  n = i <= UINT32_MAX ? proto_name(p, (uint32_t)i) : NULL;
  if (n) buf_json_str(b, n, strlen(n));
  else buf_printf(b, "function %" PRId64 " (out of range)", i);
}

static void put_role_ref(const Program *p, int32_t i, Buf *b) {
  if (i < 0) buf_putc(b, '-');
  else if ((uint32_t)i < p->nroles && p->roles[i].name) buf_puts(b, p->roles[i].name);
  else buf_printf(b, "role %" PRId32 " (out of range)", i);
}

static void put_seconds(double s, Buf *b) {
  if (s < 0) buf_putc(b, '-');
  else val_fmt_duration(s, b);
}

static const char *kind(const Value *v) {
  switch (v->t) {
    case V_NIL: return "nil";
    case V_BOOL: return "bool";
    case V_NUM: return "number";
    case V_DUR: return "duration";
    case V_STR: return "string";
    case V_FN: return "function";
    default: return "?";
  }
}

static void put_value(const Program *p, const Value *v, Buf *b) {
  if (v->t == V_FN) {
    buf_puts(b, "function ");
    put_proto_ref(p, v->u.fn, b);
  } else {
    val_repr_buf(v, b);
  }
}

static void put_k(const Program *p, const Proto *f, unsigned k, Buf *b) {
  if (k < f->nk && f->k) put_value(p, &f->k[k], b);
  else buf_printf(b, "constant %u (out of range)", k);
}

/* put_span appends the first line of source bytes [pos, end). */
static void put_span(const Program *p, uint32_t pos, uint32_t end, Buf *b) {
  uint32_t i;
  if (!p->src || pos > end || end > p->src->len) return;
  for (i = pos; i < end && p->src->text[i] != '\n'; i++) {}
  buf_add(b, p->src->text + pos, i - pos);
}

static void comment(const Program *p, const Proto *f, uint32_t pc, int source, Buf *b) {
  Instr i = f->code[pc];
  unsigned a = GET_A(i), bb = GET_B(i), c = GET_C(i), bx = GET_Bx(i);
  (void)a;
  switch (GET_OP(i)) {
    case OP_LOADK: put_k(p, f, bx, b); break;
    case OP_ADDK: case OP_SUBK: case OP_MULK: case OP_DIVK: case OP_MODK: case OP_GETFIELD:
      put_k(p, f, c, b);
      break;
    case OP_EQK: case OP_LTK: case OP_LEK: case OP_GTK: case OP_GEK:
      put_k(p, f, bb, b);
      break;
    case OP_ADDI: case OP_SUBI: buf_printf(b, "%d", GET_sC(i)); break;
    case OP_EQI: case OP_LTI: case OP_LEI: case OP_GTI: case OP_GEI: buf_printf(b, "%d", GET_sB(i)); break;
    case OP_NOTIFY: case OP_APPROVE:
      buf_puts(b, "role ");
      put_k(p, f, bb, b);
      break;
    case OP_LOADFN: put_proto_ref(p, bx, b); break;
    case OP_GETG: case OP_SETG:
      if (bx < p->nglobals && p->globals && p->globals[bx]) buf_puts(b, p->globals[bx]);
      else buf_printf(b, "global %u (out of range)", bx);
      break;
    case OP_CALLB:
      if (c >= p->nbuiltins && c - p->nbuiltins < p->nexterns && p->externs)
        buf_printf(b, "extern %s", p->externs[c - p->nbuiltins].name ? p->externs[c - p->nbuiltins].name : "?");
      else
        buf_printf(b, "builtin %u", c);
      break;
    case OP_JMP: buf_printf(b, "to %" PRId64, (int64_t)pc + 1 + GET_sJ(i)); break;
    case OP_JNIL: case OP_JNNIL: case OP_FORPREP: case OP_FORLOOP: case OP_LISTPREP:
    case OP_LISTLOOP:
      buf_printf(b, "to %" PRId64, (int64_t)pc + 1 + GET_sBx(i));
      break;
    case OP_VERIFY: case OP_HOLD: case OP_WAITFAIL:
      buf_printf(b, "verify %u", bx);
      if (source && bx < p->nverifies && p->verifies) {
        buf_puts(b, ": ");
        put_span(p, p->verifies[bx].pos, p->verifies[bx].end, b);
      }
      break;
    default: break;
  }
}

static void disasm_proto(const Program *p, const Proto *f, int source, FILE *out) {
  Buf b = BUF_INIT;
  uint32_t pc, k;
  fprintf(out, "function %s (params %u, registers %u, constants %" PRIu32 ", instructions %" PRIu32
          ")\n", f->name ? f->name : "?", f->nparams, f->nregs, f->nk, f->ncode);
  for (pc = 0; f->code && pc < f->ncode; pc++) {
    Instr i = f->code[pc];
    OpCode op = GET_OP(i);
    size_t start;
    buf_reset(&b);
    buf_printf(&b, "%4" PRIu32 "  ", pc);
    if (!source) {
      start = b.n;
    } else if (p->src && f->pos) {
      int line, col;
      src_linecol(p->src, f->pos[pc], &line, &col);
      start = b.n;
      buf_printf(&b, "%d:%d", line, col);
    } else {
      start = b.n;
      buf_putc(&b, '?');
    }
    while (source && b.n - start < 8) buf_putc(&b, ' ');
    buf_printf(&b, " %-9s ", (unsigned)op < OP__N ? op_name(op) : "?");
    start = b.n;
    if ((unsigned)op >= OP__N) {
      buf_printf(&b, "0x%08" PRIx32, i);
    } else {
      switch (op_format(op)) {
        case FMT_ABC: buf_printf(&b, "%u %u %u", GET_A(i), GET_B(i), GET_C(i)); break;
        case FMT_ABx: buf_printf(&b, "%u %u", GET_A(i), GET_Bx(i)); break;
        case FMT_AsBx: buf_printf(&b, "%u %d", GET_A(i), GET_sBx(i)); break;
        case FMT_sJ: buf_printf(&b, "%d", GET_sJ(i)); break;
      }
    }
    {
      size_t before = b.n, from;
      while (b.n - start < 12) buf_putc(&b, ' ');
      buf_puts(&b, " ; ");
      from = b.n;
      if ((unsigned)op < OP__N) comment(p, f, pc, source, &b);
      if (b.n == from) {   /* nothing to say: drop the padding */
        b.n = before;
        b.p[b.n] = '\0';
      } else {
        cut(&b, from);
      }
    }
    fprintf(out, "%s\n", buf_cstr(&b));
  }
  fprintf(out, "constants (%" PRIu32 "):\n", f->nk);
  for (k = 0; f->k && k < f->nk; k++) {
    buf_reset(&b);
    put_value(p, &f->k[k], &b);
    fprintf(out, "%4" PRIu32 "  %-9s %s\n", k, kind(&f->k[k]), buf_cstr(&b));
  }
  fputc('\n', out);
  buf_free(&b);
}

static void disasm_tables(const Program *p, int source, FILE *out) {
  Buf b = BUF_INIT;
  uint32_t i, j;

  fprintf(out, "globals (%" PRIu32 "):\n", p->nglobals);
  for (i = 0; i < p->nglobals; i++)
    fprintf(out, "%4" PRIu32 "  %s\n", i, p->globals[i] ? p->globals[i] : "?");

  fprintf(out, "roles (%" PRIu32 "):\n", p->nroles);
  for (i = 0; i < p->nroles; i++) {
    const RoleInfo *r = &p->roles[i];
    buf_reset(&b);
    buf_printf(&b, "%4" PRIu32 "  %s", i, r->name ? r->name : "?");
    if (r->person) {
      buf_puts(&b, "  person ");
      buf_json_str(&b, r->person, strlen(r->person));
    }
    for (j = 0; j < r->ncontacts; j++) {
      const char *key = r->keys && r->keys[j] ? r->keys[j] : "?";
      const char *val = r->vals && r->vals[j] ? r->vals[j] : "";
      buf_printf(&b, "  %s ", key);
      buf_json_str(&b, val, strlen(val));
    }
    fprintf(out, "%s\n", buf_cstr(&b));
  }

  fprintf(out, "params (%" PRIu32 "):\n", p->nparams);
  for (i = 0; i < p->nparams; i++) {
    const ParamInfo *pa = &p->params[i];
    buf_reset(&b);
    buf_printf(&b, "%4" PRIu32 "  %s  global %" PRIu32 "  default ", i, pa->name ? pa->name : "?",
               pa->global);
    if (pa->init < 0) buf_puts(&b, "- (required)");
    else put_proto_ref(p, pa->init, &b);
    if (pa->secret) buf_puts(&b, "  secret");
    fprintf(out, "%s\n", buf_cstr(&b));
  }

  fprintf(out, "steps (%" PRIu32 "):\n", p->nsteps);
  for (i = 0; i < p->nsteps; i++) {
    const StepInfo *s = &p->steps[i];
    buf_reset(&b);
    buf_printf(&b, "%4" PRIu32 "  %s", i, s->name ? s->name : "?");
    if (s->title && *s->title) {
      buf_putc(&b, ' ');
      buf_json_str(&b, s->title, strlen(s->title));
    }
    buf_puts(&b, "  owner ");
    put_role_ref(p, s->owner, &b);
    buf_puts(&b, "  body ");
    put_proto_ref(p, s->body, &b);
    buf_puts(&b, "  undo ");
    put_proto_ref(p, s->undo, &b);
    buf_puts(&b, "  onfail ");
    put_proto_ref(p, s->onfail, &b);
    if (s->title_fn >= 0) {
      buf_puts(&b, "  title ");
      put_proto_ref(p, s->title_fn, &b);
    }
    buf_puts(&b, "  expect ");
    put_seconds(s->expect, &b);
    if (s->expect_fn >= 0) {
      buf_puts(&b, " from ");
      put_proto_ref(p, s->expect_fn, &b);
    }
    buf_puts(&b, "  timeout ");
    put_seconds(s->timeout, &b);
    if (s->timeout_fn >= 0) {
      buf_puts(&b, " from ");
      put_proto_ref(p, s->timeout_fn, &b);
    }
    buf_puts(&b, s->idempotent ? "  idempotent" : "");
    if (s->irreversible) {
      buf_puts(&b, "  irreversible ");
      buf_json_str(&b, s->irreversible, strlen(s->irreversible));
    }
    if (s->nafter) {
      buf_puts(&b, "  after");
      for (j = 0; j < s->nafter; j++) {
        uint32_t x = s->after[j];
        buf_printf(&b, "%s%s", j ? ", " : " ",
                   x < p->nsteps && p->steps[x].name ? p->steps[x].name : "?");
      }
    }
    fprintf(out, "%s\n", buf_cstr(&b));
  }

  fprintf(out, "requires (%" PRIu32 "):\n", p->nreqs);
  for (i = 0; i < p->nreqs; i++) {
    buf_reset(&b);
    buf_printf(&b, "%4" PRIu32 "  %s  owner ", i, p->reqs[i].name ? p->reqs[i].name : "?");
    put_role_ref(p, p->reqs[i].owner, &b);
    buf_puts(&b, "  body ");
    put_proto_ref(p, p->reqs[i].body, &b);
    if (p->reqs[i].name_fn >= 0) {
      buf_puts(&b, "  name ");
      put_proto_ref(p, p->reqs[i].name_fn, &b);
    }
    fprintf(out, "%s\n", buf_cstr(&b));
  }

  fprintf(out, "triggers (%" PRIu32 "):\n", p->ntriggers);
  for (i = 0; i < p->ntriggers; i++) {
    static const char *const sev[] = {"critical", "major", "minor"};
    const TriggerInfo *t = &p->triggers[i];
    buf_reset(&b);
    buf_printf(&b, "%4" PRIu32 "  %s  %s  cond ", i, t->name ? t->name : "?",
               t->severity < 3 ? sev[t->severity] : "?");
    put_proto_ref(p, t->cond, &b);
    if (t->hold > 0) {
      buf_puts(&b, "  for ");
      val_fmt_duration(t->hold, &b);
    }
    if (t->hold_fn >= 0) {
      buf_puts(&b, "  for ");
      put_proto_ref(p, t->hold_fn, &b);
    }
    fprintf(out, "%s\n", buf_cstr(&b));
  }

  fprintf(out, "probes (%" PRIu32 "):\n", p->nprobes);
  for (i = 0; i < p->nprobes; i++) {
    buf_reset(&b);
    buf_printf(&b, "%4" PRIu32 "  %s  body ", i, p->probes[i].name ? p->probes[i].name : "?");
    put_proto_ref(p, p->probes[i].body, &b);
    fprintf(out, "%s\n", buf_cstr(&b));
  }

  /* Shown only when present, so that listings of runbooks without them
  ** stay as they were. */
  if (p->nexterns) fprintf(out, "externs (%" PRIu32 ", natives %" PRIu32 "..):\n", p->nexterns, p->nbuiltins);
  for (i = 0; i < p->nexterns && p->externs; i++) {
    const ExternInfo *e = &p->externs[i];
    uint8_t k;
    buf_reset(&b);
    buf_printf(&b, "%4" PRIu32 "  %s  from \"%s\"  (", i, e->name ? e->name : "?", e->lib ? e->lib : "?");
    for (k = 0; k < e->nparams && k < EXTERN_MAX_PARAMS; k++) buf_printf(&b, "%s%s", k ? ", " : "", ffi_type_name(e->params[k]));
    buf_printf(&b, ") -> %s", ffi_type_name(e->result));
    if (e->module) buf_printf(&b, "  module %s", e->module);
    fprintf(out, "%s\n", buf_cstr(&b));
  }
  if (p->nimpls) fprintf(out, "builtins written in rbk (%" PRIu32 "):\n", p->nimpls);
  for (i = 0; i < p->nimpls && p->impls; i++) {
    buf_reset(&b);
    buf_printf(&b, "%4" PRIu32 "  builtin %" PRIu32 "  ", i, p->impls[i].builtin);
    put_proto_ref(p, p->impls[i].proto, &b);
    fprintf(out, "%s\n", buf_cstr(&b));
  }
  if (p->notifier >= 0) {
    buf_reset(&b);
    buf_puts(&b, "notifier ");
    put_proto_ref(p, p->notifier, &b);
    fprintf(out, "%s\n", buf_cstr(&b));
  }
  if (p->backout == BACKOUT_UNDO) fprintf(out, "on critical undo\n");
  else if (p->backout == BACKOUT_RUN) fprintf(out, "on critical run \"%s\"\n", p->backout_file ? p->backout_file : "?");

  fprintf(out, "verifies (%" PRIu32 "):\n", p->nverifies);
  for (i = 0; i < p->nverifies; i++) {
    const VerifyInfo *v = &p->verifies[i];
    buf_reset(&b);
    buf_printf(&b, "%4" PRIu32 "  lhs %d  rhs %d  msg %d  ", i, v->lhs, v->rhs, v->msg);
    if (source && p->src && v->pos <= p->src->len) {
      int line, col;
      src_linecol(p->src, v->pos, &line, &col);
      buf_printf(&b, "%d:%d ", line, col);
    }
    if (source) {
      size_t from = b.n;
      put_span(p, v->pos, v->end, &b);
      cut(&b, from);
    }
    fprintf(out, "%s\n", buf_cstr(&b));
  }
  buf_free(&b);
}

void disasm_program(const Program *p, FILE *out) { disasm_program_opts(p, out, 1); }

void disasm_program_opts(const Program *p, FILE *out, int source) {
  Buf b = BUF_INIT;
  uint32_t i;
  char hex[65];

  buf_puts(&b, "runbook ");
  buf_json_str(&b, p->title ? p->title : "", p->title ? strlen(p->title) : 0);
  if (p->version && *p->version) {
    buf_puts(&b, " version ");
    buf_json_str(&b, p->version, strlen(p->version));
  }
  buf_puts(&b, "  owner ");
  put_role_ref(p, p->owner, &b);
  buf_puts(&b, "  window ");
  put_seconds(p->window, &b);
  fprintf(out, "%s\n", buf_cstr(&b));
  sha256_hex(p->src_sha256, hex);
  if (p->src && source)
    fprintf(out, "source %s (%" PRIu32 " bytes, sha256 %s)\n", p->src->name ? p->src->name : "?",
            p->src->len, hex);
  fprintf(out, "builtins %" PRIu32 ", functions %" PRIu32 "\n\n", p->nbuiltins, p->nprotos);
  buf_free(&b);

  for (i = 0; i < p->nprotos; i++) {
    if (p->protos && p->protos[i]) disasm_proto(p, p->protos[i], source, out);
    else fprintf(out, "function %" PRIu32 " missing\n\n", i);
  }
  disasm_tables(p, source, out);
}
