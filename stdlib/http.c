/*
** http.c -- http(method, url [, options]) and its thin wrappers
** http_status(url [, timeout]) and http_get(url [, timeout]), through
** libcurl (run/netclient.c). Called by the dispatcher (vm/builtins.def).
**
** Only http:// and https:// URLs are taken, without spaces or control
** characters; TLS peers are always verified (an option `ca` adds a CA
** file, none turns verification off). Redirects are not followed: a check
** sees what the URL itself answers. A secret in the URL, a header or the
** body is masked in every error (vm_fail masks) and in the journal (the
** dispatcher journals the call masked).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../base/mem.h"
#include "../run/netclient.h"
#include "jsontext.h"
#include "natives.h"

/* Without a timeout a request gives up after this long. */
#define HTTP_DEFAULT_TIMEOUT_S 10.0
/* A body larger than this is refused rather than cut short silently. */
#define HTTP_MAX_BODY ((size_t)8 << 20)

/* What a call asks for, read from its arguments. */
typedef struct Ask {
  const char *fn;
  char *method;
  const char *url;
  size_t url_len;
  double timeout;
  Buf body;
  int has_body;
  char **headers;
  size_t nheaders;
  int has_type;   /* a Content-Type header was given */
  const char *ca, *cert, *key;
} Ask;

static void ask_free(Ask *a) {
  size_t i;
  for (i = 0; i < a->nheaders; i++) mem_free(a->headers[i]);
  mem_free(a->headers);
  mem_free(a->method);
  buf_free(&a->body);
}

static int check_url(VM *vm, Ask *a) {
  size_t i;
  if (strncmp(a->url, "http://", 7) != 0 && strncmp(a->url, "https://", 8) != 0) {
    Buf m = BUF_INIT;
    int k;
    vm_redact(vm, a->url, a->url_len, &m);   /* masked before it is cut */
    k = vm_fail(vm, "%s(): the URL must start with http:// or https://, not \"%.80s\"", a->fn, buf_cstr(&m));
    buf_free(&m);
    return k;
  }
  for (i = 0; i < a->url_len; i++)
    if ((unsigned char)a->url[i] <= ' ' || a->url[i] == 0x7f)
      return vm_fail(vm, "%s(): the URL contains a space or a control character; encode it (%%20)", a->fn);
  return 0;
}

static int opt_str(VM *vm, Ask *a, const char *name, const Value *v, const char **out) {
  if (v->t != V_STR) return vm_fail(vm, "%s(): option '%s' must be a string, not %s", a->fn, name, val_type_name(v));
  *out = AS_STR(*v)->s;
  return 0;
}

static int header_ok(const char *s, size_t n) {
  size_t i;
  for (i = 0; i < n; i++)
    if (s[i] == '\r' || s[i] == '\n' || s[i] == '\0') return 0;
  return 1;
}

/* read_options reads {headers, body, timeout, ca, cert, key}. */
static int read_options(VM *vm, Ask *a, const Value *o) {
  static const char *const known = "headers, body, timeout, ca, cert, key";
  uint32_t i, k;
  if (o->t == V_NIL) return 0;
  if (o->t != V_MAP) return vm_fail(vm, "%s(): the options must be a map ({timeout: 5s, ...}), not %s", a->fn, val_type_name(o));
  for (i = 0; i < AS_MAP(*o)->n; i++) {
    const char *name = AS_STR(AS_MAP(*o)->kv[2 * i])->s;
    const Value *v = &AS_MAP(*o)->kv[2 * i + 1];
    if (strcmp(name, "timeout") == 0) {
      if (v->t != V_DUR) return vm_fail(vm, "%s(): option 'timeout' must be a duration, not %s", a->fn, val_type_name(v));
      a->timeout = v->u.n;
    } else if (strcmp(name, "ca") == 0) {
      if (opt_str(vm, a, name, v, &a->ca)) return -1;
    } else if (strcmp(name, "cert") == 0) {
      if (opt_str(vm, a, name, v, &a->cert)) return -1;
    } else if (strcmp(name, "key") == 0) {
      if (opt_str(vm, a, name, v, &a->key)) return -1;
    } else if (strcmp(name, "body") == 0) {
      char err[200];
      a->has_body = 1;
      if (v->t == V_STR) {
        buf_add(&a->body, AS_STR(*v)->s, AS_STR(*v)->len);
      } else if (v->t == V_MAP || v->t == V_LIST) {   /* sent as JSON */
        if (jsontext_put(&a->body, v, err, sizeof err) != 0) return vm_fail(vm, "%s(): the body: %s", a->fn, err);
        a->has_type = a->has_type ? a->has_type : 2;   /* 2: add the JSON type unless given */
      } else {
        return vm_fail(vm, "%s(): option 'body' must be a string, a map or a list, not %s", a->fn, val_type_name(v));
      }
    } else if (strcmp(name, "headers") == 0) {
      if (v->t != V_MAP) return vm_fail(vm, "%s(): option 'headers' must be a map ({Accept: \"...\"}), not %s", a->fn, val_type_name(v));
      for (k = 0; k < AS_MAP(*v)->n; k++) {
        const Str *hn = AS_STR(AS_MAP(*v)->kv[2 * k]);
        const Value *hv = &AS_MAP(*v)->kv[2 * k + 1];
        Buf line = BUF_INIT;
        if (!header_ok(hn->s, hn->len) || hn->len == 0 || strchr(hn->s, ':'))
          return vm_fail(vm, "%s(): the header name \"%.80s\" is not one word", a->fn, hn->s);
        if (hv->t == V_STR && !header_ok(AS_STR(*hv)->s, AS_STR(*hv)->len))
          return vm_fail(vm, "%s(): the header %s has a line break in its value", a->fn, hn->s);
        buf_add(&line, hn->s, hn->len);
        buf_puts(&line, ": ");
        val_to_buf(hv, &line);
        if (strcasecmp(hn->s, "content-type") == 0) a->has_type = 1;
        a->headers = mem_realloc(a->headers, (a->nheaders + 2) * sizeof *a->headers);
        a->headers[a->nheaders++] = buf_take(&line);
      }
    } else {
      return vm_fail(vm, "%s(): unknown option '%s' (the options are %s)", a->fn, name, known);
    }
  }
  if (a->has_type == 2) {
    a->headers = mem_realloc(a->headers, (a->nheaders + 2) * sizeof *a->headers);
    a->headers[a->nheaders++] = mem_strdup("Content-Type: application/json");
  }
  return 0;
}

/* request sends what a asks for. Returns 0 with *res filled in (a
** response came), 1 when none came (res->err says why; only when
** !fail_on_none), or -1 after vm_fail. */
static int request(VM *vm, Ask *a, int fail_on_none, NetResponse *res) {
  NetRequest rq;
  double timeout = a->timeout;
  if (!(timeout > 0)) return vm_fail(vm, "%s(): the timeout must be more than 0s", a->fn);
  if (vm->step_deadline > 0) {
    double left = vm->step_deadline - vm_now();
    if (left <= 0) return vm_fail(vm, "%s(): the step timed out", a->fn);
    if (left < timeout) timeout = left;
  }
  memset(&rq, 0, sizeof rq);
  rq.method = a->method;
  rq.url = a->url;
  rq.headers = (const char *const *)a->headers;
  rq.nheaders = a->nheaders;
  if (a->has_body) {
    rq.body = a->body.p ? a->body.p : "";
    rq.body_len = a->body.n;
  }
  rq.timeout_s = timeout;
  rq.ca_file = a->ca;
  rq.cert_file = a->cert;
  rq.key_file = a->key;
  rq.max_body = HTTP_MAX_BODY;
  rq.interrupt = vm->interrupt;
  if (net_http(&rq, res) == 0) return 0;
  if (res->interrupted) return vm_fail(vm, "interrupted");
  if (res->too_large) return vm_fail(vm, "%s(): the response is larger than %zu MiB", a->fn, HTTP_MAX_BODY >> 20);
  if (!fail_on_none) return 1;
  if (strcmp(a->fn, "http") == 0)
    return vm_fail(vm, "http(%s %s): no response: %s", a->method, a->url, buf_cstr(&res->err));
  return vm_fail(vm, "%s(%s): no response: %s", a->fn, a->url, buf_cstr(&res->err));
}

static int ask_init(VM *vm, Ask *a, const char *fn, const Value *url, const Value *timeout) {
  memset(a, 0, sizeof *a);
  a->fn = fn;
  a->url = AS_STR(*url)->s;
  a->url_len = AS_STR(*url)->len;
  a->timeout = timeout ? timeout->u.n : HTTP_DEFAULT_TIMEOUT_S;
  a->method = mem_strdup("GET");
  return check_url(vm, a);
}

/* headers_map makes the response's headers a map: names in lower case,
** a header given twice joined with ", ". */
static Value headers_map(const Buf *raw) {
  Value *kv = NULL, r;
  uint32_t n = 0, i;
  const char *p = buf_cstr(raw), *end = p + raw->n;
  size_t cap = 0;
  while (p < end) {
    const char *eol = memchr(p, '\n', (size_t)(end - p)), *colon;
    size_t len = eol ? (size_t)(eol - p) : (size_t)(end - p);
    colon = memchr(p, ':', len);
    if (colon && colon > p && memcmp(p, "HTTP/", 5) != 0) {
      Buf name = BUF_INIT;
      const char *v = colon + 1, *ve = p + len;
      size_t k;
      for (k = 0; k < (size_t)(colon - p); k++) buf_putc(&name, (char)(p[k] >= 'A' && p[k] <= 'Z' ? p[k] + 32 : p[k]));
      while (v < ve && (*v == ' ' || *v == '\t')) v++;
      while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t')) ve--;
      for (i = 0; i < n; i++)
        if (AS_STR(kv[2 * i])->len == name.n && memcmp(AS_STR(kv[2 * i])->s, name.p, name.n) == 0) break;
      if (i < n) {   /* again: joined */
        Buf j = BUF_INIT;
        buf_add(&j, AS_STR(kv[2 * i + 1])->s, AS_STR(kv[2 * i + 1])->len);
        buf_puts(&j, ", ");
        buf_add(&j, v, (size_t)(ve - v));
        val_release(kv[2 * i + 1]);
        kv[2 * i + 1] = val_str_take(&j);
        buf_free(&name);
      } else {
        kv = mem_grow(kv, &cap, 2 * (size_t)n + 2, sizeof *kv);
        kv[2 * n] = val_str_take(&name);
        kv[2 * n + 1] = val_str_new(v, (size_t)(ve - v));
        n++;
      }
    }
    p += len + (eol ? 1 : 0);
  }
  r = val_map_new(kv, n);
  mem_free(kv);
  return r;
}

int nat_http(VM *vm, Value *args, int argc, Value *out) {
  Ask a;
  NetResponse res;
  Value kv[10], parsed;
  char err[200];
  size_t i;
  int rc;
  if (ask_init(vm, &a, "http", &args[1], NULL) != 0) {
    ask_free(&a);
    return -1;
  }
  mem_free(a.method);
  a.method = mem_strdup(AS_STR(args[0])->s);
  for (i = 0; a.method[i]; i++) {
    char c = a.method[i];
    if (c >= 'a' && c <= 'z') a.method[i] = (char)(c - 32);
    else if (!(c >= 'A' && c <= 'Z')) break;
  }
  if (!a.method[0] || a.method[i]) {
    ask_free(&a);
    return vm_fail(vm, "http(): the method must be a word such as GET or POST, not \"%.40s\"", AS_STR(args[0])->s);
  }
  if (argc == 3 && read_options(vm, &a, &args[2]) != 0) {
    ask_free(&a);
    return -1;
  }
  rc = request(vm, &a, 1, &res);
  ask_free(&a);
  if (rc != 0) {
    net_response_free(&res);
    return -1;
  }
  if (jsontext_parse(buf_cstr(&res.body), res.body.n, &parsed, err, sizeof err) != 0) parsed = val_nil();
  kv[0] = val_cstr_new("status");
  kv[1] = val_num((double)res.status);
  kv[2] = val_cstr_new("headers");
  kv[3] = headers_map(&res.headers);
  kv[4] = val_cstr_new("body");
  kv[5] = val_str_new(buf_cstr(&res.body), res.body.n);
  kv[6] = val_cstr_new("json");
  kv[7] = parsed;
  kv[8] = val_cstr_new("ms");
  kv[9] = val_num((double)(long long)(res.ms + 0.5));
  *out = val_map_new(kv, 5);
  net_response_free(&res);
  return 0;
}

int nat_http_status(VM *vm, Value *args, int argc, Value *out) {
  Ask a;
  NetResponse res;
  int rc;
  if (ask_init(vm, &a, "http_status", &args[0], argc == 2 ? &args[1] : NULL) != 0) {
    ask_free(&a);
    return -1;
  }
  rc = request(vm, &a, 0, &res);
  ask_free(&a);
  if (rc < 0) {
    net_response_free(&res);
    return -1;
  }
  *out = val_num(rc == 0 ? (double)res.status : 0);   /* no response: 0 */
  net_response_free(&res);
  return 0;
}

int nat_http_get(VM *vm, Value *args, int argc, Value *out) {
  Ask a;
  NetResponse res;
  int rc;
  if (ask_init(vm, &a, "http_get", &args[0], argc == 2 ? &args[1] : NULL) != 0) {
    ask_free(&a);
    return -1;
  }
  rc = request(vm, &a, 1, &res);
  if (rc == 0 && res.status >= 400) rc = vm_fail(vm, "http_get(%s): HTTP status %ld", a.url, res.status);
  ask_free(&a);
  if (rc == 0) *out = val_str_new(buf_cstr(&res.body), res.body.n);
  net_response_free(&res);
  return rc;
}
