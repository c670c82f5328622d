/*
** valjson.c -- the JSON codec of run-time values (valjson.h), on top of
** the generic reader and printer of base/json.c. Called by the journal's
** writers and readers (run/), the .rbc constants' checks and the reports.
*/
#include "valjson.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../base/mem.h"

/* put_masked is json_put_str of s[0..n) after the mask m (if any). */
static void put_masked(Buf *b, const char *s, size_t n, const ValMask *m) {
  Buf t = BUF_INIT;
  if (m && m->fn) {
    m->fn(m->ud, s, n, &t);
    s = buf_cstr(&t);
    n = t.n;
  }
  json_put_str(b, s, n);
  buf_free(&t);
}

void json_put_value_masked(Buf *b, const Value *v, const ValMask *m) {
  switch (v->t) {
    case V_NIL: buf_puts(b, "null"); break;
    case V_BOOL: buf_puts(b, v->u.b ? "true" : "false"); break;
    case V_NUM:
      if (isfinite(v->u.n)) {
        json_put_num(b, v->u.n);
      } else {
        buf_puts(b, "{\"num\":");
        json_put_num(b, v->u.n);
        buf_putc(b, '}');
      }
      break;
    case V_DUR:
      buf_puts(b, "{\"dur\":");
      json_put_num(b, v->u.n);
      buf_putc(b, '}');
      break;
    case V_FN: buf_printf(b, "{\"fn\":%u}", (unsigned)v->u.fn); break;
    case V_PTR: buf_printf(b, "{\"ptr\":\"%p\"}", v->u.p); break;
    case V_STR: put_masked(b, AS_STR(*v)->s, AS_STR(*v)->len, m); break;
    case V_LIST: {
      List *l = AS_LIST(*v);
      uint32_t i;
      buf_putc(b, '[');
      for (i = 0; i < l->n; i++) {
        if (i) buf_putc(b, ',');
        json_put_value_masked(b, &l->v[i], m);
      }
      buf_putc(b, ']');
      break;
    }
    case V_REC: {
      Rec *r = AS_REC(*v);
      buf_printf(b, "{\"rec\":{\"status\":%d,\"duration\":", r->status);
      json_put_num(b, r->duration);
      buf_puts(b, ",\"out\":");
      put_masked(b, r->out->s, r->out->len, m);
      buf_puts(b, ",\"err\":");
      put_masked(b, r->err->s, r->err->len, m);
      buf_printf(b, ",\"timed_out\":%s}}", r->timed_out ? "true" : "false");
      break;
    }
    case V_MAP: {
      Map *mp = AS_MAP(*v);
      uint32_t i;
      buf_puts(b, "{\"map\":[");
      for (i = 0; i < mp->n; i++) {
        buf_puts(b, i ? ",[" : "[");
        json_put_value_masked(b, &mp->kv[2 * i], m);
        buf_putc(b, ',');
        json_put_value_masked(b, &mp->kv[2 * i + 1], m);
        buf_putc(b, ']');
      }
      buf_puts(b, "]}");
      break;
    }
    default: buf_puts(b, "{\"undef\":true}"); break;
  }
}

void json_put_value(Buf *b, const Value *v) { json_put_value_masked(b, v, NULL); }

int json_value_depth(const Value *v) {
  switch (v->t) {
    case V_NIL: case V_BOOL: return 0;
    case V_NUM: return isfinite(v->u.n) ? 0 : 1;
    case V_STR: return json_utf8_valid(AS_STR(*v)->s, AS_STR(*v)->len) ? 0 : 1;
    case V_LIST: {
      List *l = AS_LIST(*v);
      uint32_t i;
      int d = 0;
      for (i = 0; i < l->n; i++) {
        int k = json_value_depth(&l->v[i]);
        if (k > d) d = k;
      }
      return d + 1;
    }
    case V_REC: {
      Rec *r = AS_REC(*v);
      return json_utf8_valid(r->out->s, r->out->len) && json_utf8_valid(r->err->s, r->err->len) ? 2 : 3;
    }
    case V_MAP: {   /* {"map":[[K,V],...]} */
      Map *mp = AS_MAP(*v);
      uint32_t i;
      int d = 0;
      for (i = 0; i < 2 * mp->n; i++) {
        int k = json_value_depth(&mp->kv[i]);
        if (k > d) d = k;
      }
      return d + 3;
    }
    default: return 1;
  }
}

/* numish reads a number as json_put_num writes it. */
static int numish(const Json *j, double *out) {
  if (json_kind(j) == JSON_NUM) {
    *out = json_num(j, NULL);
    return 0;
  }
  if (json_kind(j) == JSON_STR) {
    size_t n;
    const char *s = json_str(j, &n);
    if (n == 3 && memcmp(s, "nan", 3) == 0) { *out = NAN; return 0; }
    if (n == 3 && memcmp(s, "inf", 3) == 0) { *out = INFINITY; return 0; }
    if (n == 4 && memcmp(s, "-inf", 4) == 0) { *out = -INFINITY; return 0; }
  }
  return -1;
}

static int is_whole(double d, double lo, double hi) { return d == floor(d) && d >= lo && d <= hi; }

static int bytes_field(const Json *rec, const char *key, Buf *out, char *err, size_t errlen) {
  char why[120];
  if (json_to_bytes(json_get(rec, key), out, why, sizeof why) < 0) {
    snprintf(err, errlen, "command result \"%s\": %s", key, why);
    return -1;
  }
  if (out->n > UINT32_MAX - 1) {
    snprintf(err, errlen, "command result \"%s\" is longer than 4 GiB", key);
    return -1;
  }
  return 0;
}

static int to_rec(const Json *r, Value *out, char *err, size_t errlen) {
  double status, duration;
  int ok, timed_out;
  Buf o = BUF_INIT, e = BUF_INIT;
  if (json_kind(r) != JSON_OBJ || json_len(r) != 5) {
    snprintf(err, errlen, "a command result needs exactly status, duration, out, err and timed_out");
    return -1;
  }
  status = json_num(json_get(r, "status"), &ok);
  if (!ok || !is_whole(status, INT32_MIN, INT32_MAX)) {
    snprintf(err, errlen, "command result \"status\" must be a whole number");
    return -1;
  }
  if (numish(json_get(r, "duration"), &duration) < 0) {
    snprintf(err, errlen, "command result \"duration\" must be a number");
    return -1;
  }
  timed_out = json_bool(json_get(r, "timed_out"), &ok);
  if (!ok) {
    snprintf(err, errlen, "command result \"timed_out\" must be true or false");
    return -1;
  }
  if (bytes_field(r, "out", &o, err, errlen) < 0 || bytes_field(r, "err", &e, err, errlen) < 0) {
    buf_free(&o);
    buf_free(&e);
    return -1;
  }
  *out = val_rec_new((int)status, duration, buf_cstr(&o), o.n, buf_cstr(&e), e.n, timed_out);
  buf_free(&o);
  buf_free(&e);
  return 0;
}

static int to_value(const Json *j, Value *out, char *err, size_t errlen);

/* to_map reads the pairs of {"map":[[K,V],...]}: K a string, each once. */
static int to_map(const Json *x, Value *out, char *err, size_t errlen) {
  size_t i, k, count = json_len(x);
  Value *kv;
  if (json_kind(x) != JSON_ARR || count > UINT32_MAX / 2) {
    snprintf(err, errlen, "a map needs a list of [key, value] pairs");
    return -1;
  }
  kv = mem_alloc((2 * count + 1) * sizeof *kv);
  for (i = 0; i < count; i++) {
    const Json *p = json_at(x, i);
    int bad = json_kind(p) != JSON_ARR || json_len(p) != 2;
    if (!bad && to_value(json_at(p, 0), &kv[2 * i], err, errlen) < 0) bad = 2;
    if (!bad && kv[2 * i].t != V_STR) {
      val_release(kv[2 * i]);
      bad = 1;
    }
    for (k = 0; !bad && k < i; k++)
      if (val_equal(&kv[2 * k], &kv[2 * i])) {
        val_release(kv[2 * i]);
        bad = 3;
      }
    if (!bad && to_value(json_at(p, 1), &kv[2 * i + 1], err, errlen) < 0) {
      val_release(kv[2 * i]);
      bad = 2;
    }
    if (bad) {
      if (bad == 1) snprintf(err, errlen, "a map's pair %zu is not [string, value]", i);
      if (bad == 3) snprintf(err, errlen, "a map has the key \"%s\" twice", AS_STR(kv[2 * i])->s);
      while (i > 0) {
        i--;
        val_release(kv[2 * i]);
        val_release(kv[2 * i + 1]);
      }
      mem_free(kv);
      return -1;
    }
  }
  *out = val_map_new(kv, (uint32_t)count);
  mem_free(kv);
  return 0;
}

static int to_value(const Json *j, Value *out, char *err, size_t errlen) {
  *out = val_nil();
  switch (json_kind(j)) {
    case JSON_NULL: return 0;
    case JSON_BOOL: *out = val_bool(json_bool(j, NULL)); return 0;
    case JSON_NUM: *out = val_num(json_num(j, NULL)); return 0;
    case JSON_STR: {
      size_t n;
      const char *s = json_str(j, &n);
      if (n > UINT32_MAX - 1) {
        snprintf(err, errlen, "string longer than 4 GiB");
        return -1;
      }
      *out = val_str_new(s, (uint32_t)n);
      return 0;
    }
    case JSON_ARR: {
      Value *items;
      size_t i;
      size_t count = json_len(j);
      if (count > UINT32_MAX) {
        snprintf(err, errlen, "list longer than 2^32 items");
        return -1;
      }
      items = mem_alloc(count * sizeof *items);
      for (i = 0; i < count; i++) {
        if (to_value(json_at(j, i), &items[i], err, errlen) < 0) {
          while (i > 0) val_release(items[--i]);
          mem_free(items);
          return -1;
        }
      }
      *out = val_list_new(items, (uint32_t)count);
      mem_free(items);
      return 0;
    }
    case JSON_OBJ: {
      size_t klen = 0;
      const char *key = json_len(j) == 1 ? json_key(j, 0, &klen) : "";
      const Json *x = json_len(j) == 1 ? json_get(j, key) : NULL;
      double d;
      if (klen != strlen(key)) key = "";   /* a NUL in the key */
      if (strcmp(key, "num") == 0 && numish(x, &d) == 0) {
        *out = val_num(d);
        return 0;
      }
      if (strcmp(key, "dur") == 0 && numish(x, &d) == 0) {
        *out = val_dur(d);
        return 0;
      }
      if (strcmp(key, "fn") == 0 && json_kind(x) == JSON_NUM && is_whole(json_num(x, NULL), 0, UINT32_MAX)) {
        *out = val_fn((uint32_t)json_num(x, NULL));
        return 0;
      }
      if (strcmp(key, "ptr") == 0 && json_kind(x) == JSON_STR) {
        *out = val_ptr(NULL);   /* its process is gone: a stale pointer */
        return 0;
      }
      if (strcmp(key, "undef") == 0 && json_kind(x) == JSON_BOOL && json_bool(x, NULL)) {
        *out = val_undef();
        return 0;
      }
      if (strcmp(key, "bytes") == 0) {
        Buf b = BUF_INIT;
        if (json_to_bytes(j, &b, err, errlen) < 0) {
          buf_free(&b);
          return -1;
        }
        if (b.n > UINT32_MAX - 1) {
          snprintf(err, errlen, "string longer than 4 GiB");
          buf_free(&b);
          return -1;
        }
        *out = val_str_take(&b);
        return 0;
      }
      if (strcmp(key, "rec") == 0) return to_rec(x, out, err, errlen);
      if (strcmp(key, "map") == 0) return to_map(x, out, err, errlen);
      snprintf(err, errlen, "an object that encodes no value (expected {\"num\"}, {\"dur\"}, "
                            "{\"fn\"}, {\"ptr\"}, {\"bytes\"}, {\"rec\"}, {\"map\"} or {\"undef\"} "
                            "with a valid member)");
      return -1;
    }
    default:
      snprintf(err, errlen, "no value");
      return -1;
  }
}

int json_to_value(const Json *j, Value *out, char *err, size_t errlen) {
  if (to_value(j, out, err, errlen) < 0) {
    *out = val_nil();
    return -1;
  }
  return 0;
}
