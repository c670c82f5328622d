/*
** json.c -- the strict JSON reader, the printer, and the Value codec.
*/
#include "json.h"

#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "source.h"

typedef struct Member {
  char *key;
  size_t klen;
  size_t off;        /* byte offset of the key in the text, for messages */
  Json *val;
} Member;

struct Json {
  JsonKind kind;
  int b;             /* JSON_BOOL */
  double n;          /* JSON_NUM */
  char *s;           /* JSON_STR: len bytes and a NUL */
  size_t len;
  size_t count, cap; /* JSON_ARR, JSON_OBJ */
  Json **items;      /* JSON_ARR */
  Member *mem;       /* JSON_OBJ */
};

/* ---- numbers and the C locale ---------------------------------------- */

/* strtod and printf use the locale's decimal point; JSON always uses '.'.
** rbk never calls setlocale, but a program embedding it might. */
static double text_to_double(const char *txt, size_t n) {
  char small[64];
  char *t = n < sizeof small ? small : mem_alloc(n + 1);
  const char *dp = localeconv()->decimal_point;
  double d;
  memcpy(t, txt, n);
  t[n] = '\0';
  if (dp && strcmp(dp, ".") != 0 && strlen(dp) == 1) {
    char *q = strchr(t, '.');
    if (q) *q = dp[0];
  }
  d = strtod(t, NULL);
  if (t != small) mem_free(t);
  return d;
}

static void fmt_g(char *out, size_t outlen, int prec, double d) {
  const char *dp = localeconv()->decimal_point;
  snprintf(out, outlen, "%.*g", prec, d);
  if (dp && strcmp(dp, ".") != 0 && strlen(dp) == 1) {
    char *q = strchr(out, dp[0]);
    if (q) *q = '.';
  }
}

void json_put_num(Buf *b, double d) {
  char t[40];
  int prec;
  if (isnan(d)) { buf_puts(b, "\"nan\""); return; }
  if (isinf(d)) { buf_puts(b, d > 0 ? "\"inf\"" : "\"-inf\""); return; }
  for (prec = 15; prec < 17; prec++) {
    fmt_g(t, sizeof t, prec, d);
    if (text_to_double(t, strlen(t)) == d) break;
  }
  if (prec == 17) fmt_g(t, sizeof t, 17, d);   /* 17 digits always round-trip */
  buf_puts(b, t);
}

/* ---- the reader ------------------------------------------------------- */

typedef struct Parser {
  const unsigned char *s;
  size_t n, i;
  char *err;
  size_t errlen;
  int failed;
} Parser;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void fail(Parser *p, size_t at, const char *fmt, ...) {
  char msg[200];
  va_list ap;
  if (p->failed) return;
  p->failed = 1;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (p->err && p->errlen) snprintf(p->err, p->errlen, "%s at byte %zu", msg, at);
}

/* what describes the byte at i for a message. */
static void fail_unexpected(Parser *p, const char *wanted) {
  if (p->i >= p->n) {
    fail(p, p->i, "unexpected end of input, expected %s", wanted);
  } else {
    unsigned char c = p->s[p->i];
    if (c > 0x20 && c < 0x7f) fail(p, p->i, "unexpected '%c', expected %s", c, wanted);
    else fail(p, p->i, "unexpected byte 0x%02x, expected %s", c, wanted);
  }
}

static void skip_ws(Parser *p) {
  while (p->i < p->n &&
         (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' || p->s[p->i] == '\r'))
    p->i++;
}

static Json *node(JsonKind k) {
  Json *j = mem_calloc(sizeof *j);
  j->kind = k;
  return j;
}

static int hexval(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* hex4 reads the four hex digits after "\u" at p->i; -1 on error. */
static long hex4(Parser *p) {
  long v = 0;
  int k;
  for (k = 0; k < 4; k++) {
    int h = p->i + (size_t)k < p->n ? hexval(p->s[p->i + (size_t)k]) : -1;
    if (h < 0) {
      fail(p, p->i - 2, "\\u escape needs four hex digits");
      return -1;
    }
    v = v * 16 + h;
  }
  p->i += 4;
  return v;
}

static void put_utf8(Buf *b, uint32_t cp) {
  char u[4];
  if (cp < 0x80) {
    buf_putc(b, (char)cp);
  } else if (cp < 0x800) {
    u[0] = (char)(0xC0 | (cp >> 6));
    u[1] = (char)(0x80 | (cp & 0x3F));
    buf_add(b, u, 2);
  } else if (cp < 0x10000) {
    u[0] = (char)(0xE0 | (cp >> 12));
    u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (char)(0x80 | (cp & 0x3F));
    buf_add(b, u, 3);
  } else {
    u[0] = (char)(0xF0 | (cp >> 18));
    u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[3] = (char)(0x80 | (cp & 0x3F));
    buf_add(b, u, 4);
  }
}

/* string -> '"' chars '"'; p->i is at the opening quote. On success the
** decoded bytes are in *out (which the caller frees either way). */
static int parse_string(Parser *p, Buf *out) {
  p->i++;
  for (;;) {
    unsigned char c;
    size_t start = p->i;
    /* copy a run of plain ASCII in one go */
    while (p->i < p->n && p->s[p->i] >= 0x20 && p->s[p->i] < 0x80 && p->s[p->i] != '"' &&
           p->s[p->i] != '\\')
      p->i++;
    if (p->i > start) buf_add(out, (const char *)p->s + start, p->i - start);
    if (p->i >= p->n) {
      fail(p, p->i, "unterminated string");
      return -1;
    }
    c = p->s[p->i];
    if (c == '"') {
      p->i++;
      if (!out->p) buf_add(out, "", 0);
      return 0;
    }
    if (c < 0x20) {
      fail(p, p->i, "control character 0x%02x in a string (write it as an escape)", c);
      return -1;
    }
    if (c >= 0x80) {
      uint32_t cp;
      int k = utf8_decode(p->s + p->i, p->n - p->i, &cp);
      if (k == 0) {
        fail(p, p->i, "invalid UTF-8 in a string");
        return -1;
      }
      buf_add(out, (const char *)p->s + p->i, (size_t)k);
      p->i += (size_t)k;
      continue;
    }
    /* a backslash */
    if (p->i + 1 >= p->n) {
      fail(p, p->i, "unterminated string");
      return -1;
    }
    c = p->s[p->i + 1];
    p->i += 2;
    switch (c) {
      case '"': buf_putc(out, '"'); break;
      case '\\': buf_putc(out, '\\'); break;
      case '/': buf_putc(out, '/'); break;
      case 'b': buf_putc(out, '\b'); break;
      case 'f': buf_putc(out, '\f'); break;
      case 'n': buf_putc(out, '\n'); break;
      case 'r': buf_putc(out, '\r'); break;
      case 't': buf_putc(out, '\t'); break;
      case 'u': {
        long hi = hex4(p), lo;
        if (hi < 0) return -1;
        if (hi >= 0xDC00 && hi <= 0xDFFF) {
          fail(p, p->i - 6, "lone low surrogate \\u%04lx", hi);
          return -1;
        }
        if (hi >= 0xD800 && hi <= 0xDBFF) {
          if (p->i + 1 >= p->n || p->s[p->i] != '\\' || p->s[p->i + 1] != 'u') {
            fail(p, p->i - 6, "lone high surrogate \\u%04lx", hi);
            return -1;
          }
          p->i += 2;
          lo = hex4(p);
          if (lo < 0) return -1;
          if (lo < 0xDC00 || lo > 0xDFFF) {
            fail(p, p->i - 12, "high surrogate \\u%04lx not followed by a low one", hi);
            return -1;
          }
          put_utf8(out, 0x10000 + (((uint32_t)hi - 0xD800) << 10) + ((uint32_t)lo - 0xDC00));
        } else {
          put_utf8(out, (uint32_t)hi);
        }
        break;
      }
      default:
        if (c > 0x20 && c < 0x7f) fail(p, p->i - 2, "invalid escape '\\%c'", c);
        else fail(p, p->i - 2, "invalid escape: backslash before byte 0x%02x", c);
        return -1;
    }
  }
}

static int is_digit(Parser *p) { return p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9'; }

/* number -> '-'? ('0' | [1-9][0-9]*) ('.' [0-9]+)? ([eE] [+-]? [0-9]+)? */
static Json *parse_number(Parser *p) {
  size_t start = p->i;
  double d;
  Json *j;
  if (p->s[p->i] == '-') p->i++;
  if (!is_digit(p)) {
    fail(p, start, "number without digits");
    return NULL;
  }
  if (p->s[p->i] == '0') {
    p->i++;
    if (is_digit(p)) {
      fail(p, start, "number with a leading zero");
      return NULL;
    }
  } else {
    while (is_digit(p)) p->i++;
  }
  if (p->i < p->n && p->s[p->i] == '.') {
    p->i++;
    if (!is_digit(p)) {
      fail(p, p->i, "number without digits after the decimal point");
      return NULL;
    }
    while (is_digit(p)) p->i++;
  }
  if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
    p->i++;
    if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-')) p->i++;
    if (!is_digit(p)) {
      fail(p, p->i, "number without digits in its exponent");
      return NULL;
    }
    while (is_digit(p)) p->i++;
  }
  d = text_to_double((const char *)p->s + start, p->i - start);
  if (isinf(d)) {
    fail(p, start, "number too large for a double");
    return NULL;
  }
  j = node(JSON_NUM);
  j->n = d;
  return j;
}

static int literal(Parser *p, const char *word) {
  size_t k = strlen(word);
  if (p->n - p->i >= k && memcmp(p->s + p->i, word, k) == 0) {
    p->i += k;
    return 1;
  }
  return 0;
}

static Json *parse_value(Parser *p, int depth);

static int member_cmp(const void *a, const void *b) {
  const Member *x = *(const Member *const *)a, *y = *(const Member *const *)b;
  size_t n = x->klen < y->klen ? x->klen : y->klen;
  int c = memcmp(x->key, y->key, n);
  if (c) return c;
  return x->klen < y->klen ? -1 : x->klen > y->klen;
}

/* check_dups refuses an object with a key twice: which one would count? */
static int check_dups(Parser *p, Json *o) {
  size_t i, k;
  if (o->count < 2) return 0;
  if (o->count <= 16) {
    for (i = 1; i < o->count; i++)
      for (k = 0; k < i; k++)
        if (o->mem[i].klen == o->mem[k].klen &&
            memcmp(o->mem[i].key, o->mem[k].key, o->mem[i].klen) == 0) {
          fail(p, o->mem[i].off, "duplicate key \"%.60s\"", o->mem[i].key);
          return -1;
        }
    return 0;
  }
  {
    Member **v = mem_alloc(o->count * sizeof *v);
    int rc = 0;
    for (i = 0; i < o->count; i++) v[i] = &o->mem[i];
    qsort(v, o->count, sizeof *v, member_cmp);
    for (i = 1; i < o->count; i++)
      if (member_cmp(&v[i - 1], &v[i]) == 0) {
        size_t off = v[i]->off > v[i - 1]->off ? v[i]->off : v[i - 1]->off;
        fail(p, off, "duplicate key \"%.60s\"", v[i]->key);
        rc = -1;
        break;
      }
    mem_free(v);
    return rc;
  }
}

/* object -> '{' (string ':' value (',' string ':' value)*)? '}' */
static Json *parse_object(Parser *p, int depth) {
  Json *o = node(JSON_OBJ);
  p->i++;
  skip_ws(p);
  if (p->i < p->n && p->s[p->i] == '}') {
    p->i++;
    return o;
  }
  for (;;) {
    Buf key = BUF_INIT;
    Member *m;
    size_t off;
    skip_ws(p);
    if (p->i >= p->n || p->s[p->i] != '"') {
      fail_unexpected(p, "a string key");
      goto bad;
    }
    off = p->i;
    if (parse_string(p, &key) < 0) {
      buf_free(&key);
      goto bad;
    }
    if (o->count == o->cap) o->mem = mem_grow(o->mem, &o->cap, o->count + 1, sizeof *o->mem);
    m = &o->mem[o->count++];
    m->off = off;
    m->klen = key.n;
    m->key = buf_take(&key);
    m->val = NULL;
    skip_ws(p);
    if (p->i >= p->n || p->s[p->i] != ':') {
      fail_unexpected(p, "':' after a key");
      goto bad;
    }
    p->i++;
    m->val = parse_value(p, depth);
    if (!m->val) goto bad;
    skip_ws(p);
    if (p->i < p->n && p->s[p->i] == ',') {
      p->i++;
      continue;
    }
    if (p->i < p->n && p->s[p->i] == '}') {
      p->i++;
      break;
    }
    fail_unexpected(p, "',' or '}'");
    goto bad;
  }
  if (check_dups(p, o) < 0) goto bad;
  return o;
bad:
  json_free(o);
  return NULL;
}

/* array -> '[' (value (',' value)*)? ']' */
static Json *parse_array(Parser *p, int depth) {
  Json *a = node(JSON_ARR);
  p->i++;
  skip_ws(p);
  if (p->i < p->n && p->s[p->i] == ']') {
    p->i++;
    return a;
  }
  for (;;) {
    Json *v = parse_value(p, depth);
    if (!v) goto bad;
    if (a->count == a->cap) a->items = mem_grow(a->items, &a->cap, a->count + 1, sizeof *a->items);
    a->items[a->count++] = v;
    skip_ws(p);
    if (p->i < p->n && p->s[p->i] == ',') {
      p->i++;
      continue;
    }
    if (p->i < p->n && p->s[p->i] == ']') {
      p->i++;
      return a;
    }
    fail_unexpected(p, "',' or ']'");
    goto bad;
  }
bad:
  json_free(a);
  return NULL;
}

/* value -> object | array | string | number | true | false | null */
static Json *parse_value(Parser *p, int depth) {
  unsigned char c;
  skip_ws(p);
  if (p->i >= p->n) {
    fail_unexpected(p, "a value");
    return NULL;
  }
  c = p->s[p->i];
  if (c == '{' || c == '[') {
    if (depth >= JSON_MAX_DEPTH) {
      fail(p, p->i, "nesting deeper than %d", JSON_MAX_DEPTH);
      return NULL;
    }
    return c == '{' ? parse_object(p, depth + 1) : parse_array(p, depth + 1);
  }
  if (c == '"') {
    Buf b = BUF_INIT;
    Json *j;
    if (parse_string(p, &b) < 0) {
      buf_free(&b);
      return NULL;
    }
    j = node(JSON_STR);
    j->len = b.n;
    j->s = buf_take(&b);
    return j;
  }
  if (c == '-' || (c >= '0' && c <= '9')) return parse_number(p);
  if (literal(p, "true") || literal(p, "false")) {
    Json *j = node(JSON_BOOL);
    j->b = c == 't';
    return j;
  }
  if (literal(p, "null")) return node(JSON_NULL);
  fail_unexpected(p, "a value");
  return NULL;
}

Json *json_parse(const char *s, size_t n, char *err, size_t errlen) {
  Parser p;
  Json *j;
  p.s = (const unsigned char *)s;
  p.n = n;
  p.i = 0;
  p.err = err;
  p.errlen = errlen;
  p.failed = 0;
  if (err && errlen) err[0] = '\0';
  j = parse_value(&p, 0);
  if (!j) return NULL;
  skip_ws(&p);
  if (p.i < p.n) {
    fail_unexpected(&p, "the end of input");
    json_free(j);
    return NULL;
  }
  return j;
}

void json_free(Json *j) {
  size_t i;
  if (!j) return;
  switch (j->kind) {
    case JSON_STR: mem_free(j->s); break;
    case JSON_ARR:
      for (i = 0; i < j->count; i++) json_free(j->items[i]);
      mem_free(j->items);
      break;
    case JSON_OBJ:
      for (i = 0; i < j->count; i++) {
        mem_free(j->mem[i].key);
        json_free(j->mem[i].val);
      }
      mem_free(j->mem);
      break;
    default: break;
  }
  mem_free(j);
}

/* ---- accessors -------------------------------------------------------- */

JsonKind json_kind(const Json *j) { return j ? j->kind : JSON_ABSENT; }

Json *json_get(const Json *obj, const char *key) {
  size_t i, k;
  if (!obj || obj->kind != JSON_OBJ || !key) return NULL;
  k = strlen(key);
  for (i = 0; i < obj->count; i++)
    if (obj->mem[i].klen == k && memcmp(obj->mem[i].key, key, k) == 0) return obj->mem[i].val;
  return NULL;
}

const char *json_str(const Json *j, size_t *len) {
  if (!j || j->kind != JSON_STR) {
    if (len) *len = 0;
    return NULL;
  }
  if (len) *len = j->len;
  return j->s;
}

double json_num(const Json *j, int *ok) {
  int is = j && j->kind == JSON_NUM;
  if (ok) *ok = is;
  return is ? j->n : 0;
}

int json_bool(const Json *j, int *ok) {
  int is = j && j->kind == JSON_BOOL;
  if (ok) *ok = is;
  return is ? j->b : 0;
}

size_t json_len(const Json *j) {
  return j && (j->kind == JSON_ARR || j->kind == JSON_OBJ) ? j->count : 0;
}

Json *json_at(const Json *j, size_t i) {
  if (!j || i >= json_len(j)) return NULL;
  return j->kind == JSON_ARR ? j->items[i] : j->mem[i].val;
}

const char *json_key(const Json *obj, size_t i, size_t *len) {
  if (!obj || obj->kind != JSON_OBJ || i >= obj->count) {
    if (len) *len = 0;
    return NULL;
  }
  if (len) *len = obj->mem[i].klen;
  return obj->mem[i].key;
}

/* ---- the printer ------------------------------------------------------ */

void json_print(Buf *b, const Json *j) {
  size_t i;
  if (!j) return;
  switch (j->kind) {
    case JSON_NULL: buf_puts(b, "null"); break;
    case JSON_BOOL: buf_puts(b, j->b ? "true" : "false"); break;
    case JSON_NUM: json_put_num(b, j->n); break;
    /* parsed strings are valid UTF-8, which buf_json_str keeps exactly */
    case JSON_STR: buf_json_str(b, j->s, j->len); break;
    case JSON_ARR:
      buf_putc(b, '[');
      for (i = 0; i < j->count; i++) {
        if (i) buf_putc(b, ',');
        json_print(b, j->items[i]);
      }
      buf_putc(b, ']');
      break;
    case JSON_OBJ:
      buf_putc(b, '{');
      for (i = 0; i < j->count; i++) {
        if (i) buf_putc(b, ',');
        buf_json_str(b, j->mem[i].key, j->mem[i].klen);
        buf_putc(b, ':');
        json_print(b, j->mem[i].val);
      }
      buf_putc(b, '}');
      break;
    default: break;
  }
}

/* ---- bytes: UTF-8 strings or base64 ------------------------------------ */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int utf8_valid(const char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint32_t cp;
    int k = utf8_decode((const unsigned char *)s + i, n - i, &cp);
    if (k == 0) return 0;
    i += (size_t)k;
  }
  return 1;
}

static void put_base64(Buf *b, const unsigned char *s, size_t n) {
  size_t i;
  char q[4];
  for (i = 0; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
    q[0] = B64[v >> 18];
    q[1] = B64[(v >> 12) & 63];
    q[2] = B64[(v >> 6) & 63];
    q[3] = B64[v & 63];
    buf_add(b, q, 4);
  }
  if (n - i == 1) {
    uint32_t v = (uint32_t)s[i] << 16;
    q[0] = B64[v >> 18];
    q[1] = B64[(v >> 12) & 63];
    q[2] = q[3] = '=';
    buf_add(b, q, 4);
  } else if (n - i == 2) {
    uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
    q[0] = B64[v >> 18];
    q[1] = B64[(v >> 12) & 63];
    q[2] = B64[(v >> 6) & 63];
    q[3] = '=';
    buf_add(b, q, 4);
  }
}

static int b64val(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

/* get_base64 decodes canonical base64 (padded, no stray bits) into out. */
static int get_base64(const unsigned char *s, size_t n, Buf *out) {
  size_t i;
  if (n % 4) return -1;
  for (i = 0; i < n; i += 4) {
    int v[4], k, pad = 0;
    uint32_t w;
    for (k = 0; k < 4; k++) {
      if (s[i + (size_t)k] == '=' && i + 4 == n && k >= 2) {
        v[k] = 0;
        pad++;
      } else {
        if (pad) return -1;                /* '=' then a digit */
        v[k] = b64val(s[i + (size_t)k]);
        if (v[k] < 0) return -1;
      }
    }
    w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
    if (pad == 0) {
      char t[3] = {(char)(w >> 16), (char)(w >> 8), (char)w};
      buf_add(out, t, 3);
    } else if (pad == 1) {
      char t[2] = {(char)(w >> 16), (char)(w >> 8)};
      if (w & 0xFF) return -1;
      buf_add(out, t, 2);
    } else {
      char t = (char)(w >> 16);
      if (w & 0xFFFF) return -1;
      buf_putc(out, t);
    }
  }
  return 0;
}

void json_put_str(Buf *b, const char *s, size_t n) {
  if (utf8_valid(s, n)) {
    buf_json_str(b, s, n);
  } else {
    buf_puts(b, "{\"bytes\":\"");
    put_base64(b, (const unsigned char *)s, n);
    buf_puts(b, "\"}");
  }
}

int json_to_bytes(const Json *j, Buf *out, char *err, size_t errlen) {
  const Json *bytes;
  if (j && j->kind == JSON_STR) {
    buf_add(out, j->s, j->len);
    return 0;
  }
  bytes = json_get(j, "bytes");
  if (json_len(j) == 1 && bytes && bytes->kind == JSON_STR) {
    size_t before = out->n;
    if (get_base64((const unsigned char *)bytes->s, bytes->len, out) == 0) return 0;
    out->n = before;
    if (out->p) out->p[before] = '\0';
    snprintf(err, errlen, "\"bytes\" is not canonical base64");
    return -1;
  }
  snprintf(err, errlen, "expected a string or {\"bytes\":\"<base64>\"}");
  return -1;
}

/* ---- values ------------------------------------------------------------ */

void json_put_value(Buf *b, const Value *v) {
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
    case V_STR: json_put_str(b, AS_STR(*v)->s, AS_STR(*v)->len); break;
    case V_LIST: {
      List *l = AS_LIST(*v);
      uint32_t i;
      buf_putc(b, '[');
      for (i = 0; i < l->n; i++) {
        if (i) buf_putc(b, ',');
        json_put_value(b, &l->v[i]);
      }
      buf_putc(b, ']');
      break;
    }
    case V_REC: {
      Rec *r = AS_REC(*v);
      buf_printf(b, "{\"rec\":{\"status\":%d,\"duration\":", r->status);
      json_put_num(b, r->duration);
      buf_puts(b, ",\"out\":");
      json_put_str(b, r->out->s, r->out->len);
      buf_puts(b, ",\"err\":");
      json_put_str(b, r->err->s, r->err->len);
      buf_printf(b, ",\"timed_out\":%s}}", r->timed_out ? "true" : "false");
      break;
    }
    default: buf_puts(b, "{\"undef\":true}"); break;
  }
}

int json_value_depth(const Value *v) {
  switch (v->t) {
    case V_NIL: case V_BOOL: return 0;
    case V_NUM: return isfinite(v->u.n) ? 0 : 1;
    case V_STR: return utf8_valid(AS_STR(*v)->s, AS_STR(*v)->len) ? 0 : 1;
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
      return utf8_valid(r->out->s, r->out->len) && utf8_valid(r->err->s, r->err->len) ? 2 : 3;
    }
    default: return 1;
  }
}

/* numish reads a number as json_put_num writes it. */
static int numish(const Json *j, double *out) {
  if (j && j->kind == JSON_NUM) {
    *out = j->n;
    return 0;
  }
  if (j && j->kind == JSON_STR) {
    if (strcmp(j->s, "nan") == 0 && j->len == 3) { *out = NAN; return 0; }
    if (strcmp(j->s, "inf") == 0 && j->len == 3) { *out = INFINITY; return 0; }
    if (strcmp(j->s, "-inf") == 0 && j->len == 4) { *out = -INFINITY; return 0; }
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
  if (!r || r->kind != JSON_OBJ || r->count != 5) {
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

static int to_value(const Json *j, Value *out, char *err, size_t errlen) {
  *out = val_nil();
  switch (json_kind(j)) {
    case JSON_NULL: return 0;
    case JSON_BOOL: *out = val_bool(j->b); return 0;
    case JSON_NUM: *out = val_num(j->n); return 0;
    case JSON_STR:
      if (j->len > UINT32_MAX - 1) {
        snprintf(err, errlen, "string longer than 4 GiB");
        return -1;
      }
      *out = val_str_new(j->s, j->len);
      return 0;
    case JSON_ARR: {
      Value *items;
      size_t i;
      if (j->count > UINT32_MAX) {
        snprintf(err, errlen, "list longer than 2^32 items");
        return -1;
      }
      items = mem_alloc(j->count * sizeof *items);
      for (i = 0; i < j->count; i++) {
        if (to_value(j->items[i], &items[i], err, errlen) < 0) {
          while (i > 0) val_release(items[--i]);
          mem_free(items);
          return -1;
        }
      }
      *out = val_list_new(items, (uint32_t)j->count);
      mem_free(items);
      return 0;
    }
    case JSON_OBJ: {
      const char *key = j->count == 1 ? j->mem[0].key : "";
      const Json *x = j->count == 1 ? j->mem[0].val : NULL;
      double d;
      if (j->count == 1 && j->mem[0].klen != strlen(key)) key = "";   /* a NUL in the key */
      if (strcmp(key, "num") == 0 && numish(x, &d) == 0) {
        *out = val_num(d);
        return 0;
      }
      if (strcmp(key, "dur") == 0 && numish(x, &d) == 0) {
        *out = val_dur(d);
        return 0;
      }
      if (strcmp(key, "fn") == 0 && x->kind == JSON_NUM && is_whole(x->n, 0, UINT32_MAX)) {
        *out = val_fn((uint32_t)x->n);
        return 0;
      }
      if (strcmp(key, "undef") == 0 && x->kind == JSON_BOOL && x->b) {
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
      snprintf(err, errlen, "an object that encodes no value (expected {\"num\"}, {\"dur\"}, "
                            "{\"fn\"}, {\"bytes\"}, {\"rec\"} or {\"undef\"} with a valid member)");
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
