/*
** jsontext.c -- JSON text as rbk values and back (see jsontext.h), and
** the json(text) builtin. Called by the dispatcher (json) and
** stdlib/http.c (a response's json field, a map or list as a body).
*/
#include "jsontext.h"

#include <stdio.h>
#include <string.h>

#include "../base/mem.h"
#include "natives.h"

static Value from_json(const Json *j) {
  size_t i, n;
  Value *v, r;
  switch (json_kind(j)) {
    case JSON_BOOL: return val_bool(json_bool(j, NULL));
    case JSON_NUM: return val_num(json_num(j, NULL));
    case JSON_STR: {
      size_t len;
      const char *s = json_str(j, &len);
      return val_str_new(s, len);
    }
    case JSON_ARR:
      n = json_len(j);
      v = mem_alloc((n + 1) * sizeof *v);
      for (i = 0; i < n; i++) v[i] = from_json(json_at(j, i));
      r = val_list_new(v, (uint32_t)n);
      mem_free(v);
      return r;
    case JSON_OBJ:
      n = json_len(j);
      v = mem_alloc((2 * n + 1) * sizeof *v);
      for (i = 0; i < n; i++) {
        size_t klen;
        const char *k = json_key(j, i, &klen);
        v[2 * i] = val_str_new(k, klen);
        v[2 * i + 1] = from_json(json_at(j, i));
      }
      r = val_map_new(v, (uint32_t)n);
      mem_free(v);
      return r;
    default: return val_nil();
  }
}

int jsontext_parse(const char *s, size_t n, Value *out, char *err, size_t errlen) {
  Json *j = json_parse(s, n, err, errlen);
  *out = val_nil();
  if (!j) return -1;
  *out = from_json(j);
  json_free(j);
  return 0;
}

int jsontext_put(Buf *b, const Value *v, char *err, size_t errlen) {
  uint32_t i;
  switch (v->t) {
    case V_NIL: case V_UNDEF: buf_puts(b, "null"); return 0;
    case V_BOOL: buf_puts(b, v->u.b ? "true" : "false"); return 0;
    case V_NUM: case V_DUR: json_put_num(b, v->u.n); return 0;
    case V_STR: json_put_str(b, AS_STR(*v)->s, AS_STR(*v)->len); return 0;
    case V_REC: {   /* a command result: its output, as interpolation shows it */
      Buf t = BUF_INIT;
      val_to_buf(v, &t);
      json_put_str(b, buf_cstr(&t), t.n);
      buf_free(&t);
      return 0;
    }
    case V_LIST:
      buf_putc(b, '[');
      for (i = 0; i < AS_LIST(*v)->n; i++) {
        if (i) buf_putc(b, ',');
        if (jsontext_put(b, &AS_LIST(*v)->v[i], err, errlen) != 0) return -1;
      }
      buf_putc(b, ']');
      return 0;
    case V_MAP:
      buf_putc(b, '{');
      for (i = 0; i < AS_MAP(*v)->n; i++) {
        const Value *k = &AS_MAP(*v)->kv[2 * i];
        if (i) buf_putc(b, ',');
        json_put_str(b, AS_STR(*k)->s, AS_STR(*k)->len);
        buf_putc(b, ':');
        if (jsontext_put(b, &AS_MAP(*v)->kv[2 * i + 1], err, errlen) != 0) return -1;
      }
      buf_putc(b, '}');
      return 0;
    default:
      snprintf(err, errlen, "%s cannot be written as JSON", val_type_name(v));
      return -1;
  }
}

int nat_json(VM *vm, Value *args, int argc, Value *out) {
  char err[200];
  (void)argc;
  if (jsontext_parse(AS_STR(args[0])->s, AS_STR(args[0])->len, out, err, sizeof err) != 0)
    return vm_fail(vm, "json(): the text is not JSON: %s", err);
  return 0;
}
