/*
** value.c -- constructing, comparing and printing values.
** Used by the VM, the compiler's constants, the journal codec and the reports.
*/
#include "value.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/duration.h"
#include "../base/mem.h"

void val_free_obj(Obj *o) {
  switch (o->type) {
    case V_LIST: {
      List *l = (List *)(void *)o;
      uint32_t i;
      for (i = 0; i < l->n; i++) val_release(l->v[i]);
      break;
    }
    case V_REC: {
      Rec *r = (Rec *)(void *)o;
      mem_free(r->out);
      mem_free(r->err);
      break;
    }
    case V_MAP: {
      Map *m = (Map *)(void *)o;
      uint32_t i;
      for (i = 0; i < 2 * m->n; i++) val_release(m->kv[i]);
      break;
    }
    default: break;
  }
  mem_free(o);
}

static Str *str_alloc(size_t n) {
  Str *s;
  if (n > UINT32_MAX - 1) n = UINT32_MAX - 1;
  s = mem_alloc(sizeof *s + n + 1);
  s->h.rc = 1;
  s->h.type = V_STR;
  s->len = (uint32_t)n;
  s->s[n] = '\0';
  return s;
}

Value val_str_new(const char *p, size_t n) {
  Value v;
  Str *s = str_alloc(n);
  if (n) memcpy(s->s, p, s->len);
  v.t = V_STR;
  v.u.o = &s->h;
  return v;
}

Value val_cstr_new(const char *p) { return val_str_new(p, strlen(p)); }

Value val_str_take(Buf *b) {
  Value v = val_str_new(buf_cstr(b), b->n);
  buf_free(b);
  return v;
}

Value val_list_new(Value *items, uint32_t n) {
  Value v;
  List *l = mem_alloc(sizeof *l + n * sizeof(Value));
  l->h.rc = 1;
  l->h.type = V_LIST;
  l->n = n;
  if (n) memcpy(l->v, items, n * sizeof(Value));
  v.t = V_LIST;
  v.u.o = &l->h;
  return v;
}

Value val_rec_new(int status, double duration, const char *out, size_t outn, const char *err,
                  size_t errn, int timed_out) {
  Value v;
  Rec *r = mem_alloc(sizeof *r);
  r->h.rc = 1;
  r->h.type = V_REC;
  r->status = status;
  r->duration = duration;
  r->out = str_alloc(outn);
  if (outn) memcpy(r->out->s, out, outn);
  r->err = str_alloc(errn);
  if (errn) memcpy(r->err->s, err, errn);
  r->out->h.rc = r->err->h.rc = 1;
  r->timed_out = timed_out;
  v.t = V_REC;
  v.u.o = &r->h;
  return v;
}

Value val_map_new(Value *kv, uint32_t n) {
  Value v;
  Map *m = mem_alloc(sizeof *m + 2 * (size_t)n * sizeof(Value));
  uint32_t i, j;
  m->h.rc = 1;
  m->h.type = V_MAP;
  m->n = 0;
  for (i = 0; i < n; i++) {
    for (j = 0; j < m->n; j++)
      if (val_equal(&m->kv[2 * j], &kv[2 * i])) break;
    if (j < m->n) {   /* a key given twice: the later value wins */
      val_release(kv[2 * i]);
      val_release(m->kv[2 * j + 1]);
      m->kv[2 * j + 1] = kv[2 * i + 1];
    } else {
      m->kv[2 * m->n] = kv[2 * i];
      m->kv[2 * m->n + 1] = kv[2 * i + 1];
      m->n++;
    }
  }
  v.t = V_MAP;
  v.u.o = &m->h;
  return v;
}

const Value *val_map_get(const Value *map, const char *key) {
  Map *m;
  uint32_t i;
  size_t n = strlen(key);
  if (map->t != V_MAP) return NULL;
  m = AS_MAP(*map);
  for (i = 0; i < m->n; i++) {
    Str *k = AS_STR(m->kv[2 * i]);
    if (k->len == n && memcmp(k->s, key, n) == 0) return &m->kv[2 * i + 1];
  }
  return NULL;
}

int val_truthy(const Value *v) {
  switch (v->t) {
    case V_NIL: case V_UNDEF: return 0;
    case V_BOOL: return v->u.b;
    case V_REC: return AS_REC(*v)->status == 0;
    default: return 1;
  }
}

int val_equal(const Value *a, const Value *b) {
  if (a->t != b->t) return 0;
  switch (a->t) {
    case V_NIL: case V_UNDEF: return 1;
    case V_BOOL: return a->u.b == b->u.b;
    case V_NUM: case V_DUR: return a->u.n == b->u.n;
    case V_FN: return a->u.fn == b->u.fn;
    case V_PTR: return a->u.p == b->u.p && a->u.p != NULL;   /* stale pointers equal nothing */
    case V_STR: {
      Str *x = AS_STR(*a), *y = AS_STR(*b);
      return x == y || (x->len == y->len && memcmp(x->s, y->s, x->len) == 0);
    }
    case V_LIST: {
      List *x = AS_LIST(*a), *y = AS_LIST(*b);
      uint32_t i;
      if (x == y) return 1;
      if (x->n != y->n) return 0;
      for (i = 0; i < x->n; i++)
        if (!val_equal(&x->v[i], &y->v[i])) return 0;
      return 1;
    }
    case V_REC: return a->u.o == b->u.o;
    case V_MAP: {   /* the same keys with equal values, in any order */
      Map *x = AS_MAP(*a), *y = AS_MAP(*b);
      uint32_t i;
      if (x == y) return 1;
      if (x->n != y->n) return 0;
      for (i = 0; i < x->n; i++) {
        const Value *w = val_map_get(b, AS_STR(x->kv[2 * i])->s);
        if (!w || !val_equal(&x->kv[2 * i + 1], w)) return 0;
      }
      return 1;
    }
    default: return 0;
  }
}

const char *val_type_name(const Value *v) {
  switch (v->t) {
    case V_NIL: return "nil";
    case V_BOOL: return "a boolean";
    case V_NUM: return "a number";
    case V_DUR: return "a duration";
    case V_FN: return "a function";
    case V_PTR: return "a pointer";
    case V_STR: return "a string";
    case V_LIST: return "a list";
    case V_REC: return "a command result";
    case V_MAP: return "a map";
    default: return "no value";
  }
}

static void fmt_num(double n, Buf *b) {
  if (n == floor(n) && fabs(n) < 1e15) buf_printf(b, "%.0f", n);
  else if (isnan(n)) buf_puts(b, "nan");
  else if (isinf(n)) buf_puts(b, n > 0 ? "inf" : "-inf");
  else buf_printf(b, "%.14g", n);
}

int val_parse_duration(const char *text, double *s) {
  const char *p = text;
  double total = 0;
  if (!*p) return -1;
  while (*p) {
    char *end;
    double d;
    if (!(*p >= '0' && *p <= '9') && *p != '.') return -1;
    d = strtod(p, &end);
    if (end == p) return -1;
    p = end;
    if (p[0] == 'm' && p[1] == 's') { total += d / 1000; p += 2; }
    else if (*p == 's') { total += d; p++; }
    else if (*p == 'm') { total += d * 60; p++; }
    else if (*p == 'h') { total += d * 3600; p++; }
    else if (*p == 'd') { total += d * 86400; p++; }
    else return -1;
  }
  if (!isfinite(total)) return -1;   /* 1e999s */
  *s = total;
  return 0;
}

void val_fmt_duration(double s, Buf *b) { dur_format(b, s); }

/* masked is the text of s[0..n) after m: s itself when there is no
** mask, else m's output in tmp. */
static const char *masked(const char *s, size_t n, const ValMask *m, Buf *tmp, size_t *outn) {
  if (!m || !m->fn) {
    *outn = n;
    return s;
  }
  buf_reset(tmp);
  m->fn(m->ud, s, n, tmp);
  *outn = tmp->n;
  return buf_cstr(tmp);
}

/* trimmed appends s[0..n) without its leading and trailing white space. */
static void trimmed(const char *s, size_t n, Buf *b) {
  size_t i = 0;
  while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
  while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r')) n--;
  buf_add(b, s + i, n - i);
}

void val_show(const Value *v, const ValMask *m, Buf *b) {
  Buf tmp = BUF_INIT;
  const char *s;
  size_t n;
  switch (v->t) {
    case V_NIL: buf_puts(b, "nil"); break;
    case V_UNDEF: buf_puts(b, "(no value)"); break;
    case V_BOOL: buf_puts(b, v->u.b ? "true" : "false"); break;
    case V_NUM: fmt_num(v->u.n, b); break;
    case V_DUR: val_fmt_duration(v->u.n, b); break;
    case V_FN: buf_printf(b, "<fn %u>", v->u.fn); break;
    /* No address: the text of a value is part of an effect's key in the
    ** journal, which must not change from one process to the next. */
    case V_PTR: buf_puts(b, "<pointer>"); break;
    case V_STR:
      s = masked(AS_STR(*v)->s, AS_STR(*v)->len, m, &tmp, &n);
      buf_add(b, s, n);
      break;
    case V_LIST: {
      List *l = AS_LIST(*v);
      uint32_t i;
      buf_putc(b, '[');
      for (i = 0; i < l->n; i++) {
        if (i) buf_puts(b, ", ");
        val_show_repr(&l->v[i], m, b);
      }
      buf_putc(b, ']');
      break;
    }
    case V_REC:   /* masked, then trimmed: a secret at the end stays whole */
      s = masked(AS_REC(*v)->out->s, AS_REC(*v)->out->len, m, &tmp, &n);
      trimmed(s, n, b);
      break;
    case V_MAP: {   /* {name: "h1", port: 22, vars: {}} */
      Map *mp = AS_MAP(*v);
      uint32_t i;
      buf_putc(b, '{');
      for (i = 0; i < mp->n; i++) {
        if (i) buf_puts(b, ", ");
        s = masked(AS_STR(mp->kv[2 * i])->s, AS_STR(mp->kv[2 * i])->len, m, &tmp, &n);
        buf_add(b, s, n);
        buf_puts(b, ": ");
        val_show_repr(&mp->kv[2 * i + 1], m, b);
      }
      buf_putc(b, '}');
      break;
    }
    default: break;
  }
  buf_free(&tmp);
}

/* shown_json appends s[0..n), masked, as a JSON string of at most max
** bytes before escaping: masked first, so that the cut cannot leave half
** a secret. */
static void shown_json(const char *s, size_t n, const ValMask *m, size_t max, Buf *b) {
  Buf tmp = BUF_INIT;
  s = masked(s, n, m, &tmp, &n);
  buf_json_str(b, s, n > max ? max : n);
  buf_free(&tmp);
}

void val_show_repr(const Value *v, const ValMask *m, Buf *b) {
  if (v->t == V_STR) {
    shown_json(AS_STR(*v)->s, AS_STR(*v)->len, m, (size_t)-1, b);
  } else if (v->t == V_REC) {
    Rec *r = AS_REC(*v);
    buf_printf(b, "{status: %d, ok: %s, duration: ", r->status, r->status == 0 ? "true" : "false");
    val_fmt_duration(r->duration, b);
    buf_puts(b, ", out: ");
    shown_json(r->out->s, r->out->len, m, 200, b);
    buf_puts(b, ", err: ");
    shown_json(r->err->s, r->err->len, m, 200, b);
    buf_putc(b, '}');
  } else {
    val_show(v, m, b);
  }
}

void val_to_buf(const Value *v, Buf *b) { val_show(v, NULL, b); }

void val_repr_buf(const Value *v, Buf *b) { val_show_repr(v, NULL, b); }
