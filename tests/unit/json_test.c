/*
** json_test.c -- unit tests for base/json.c: the strict reader (what it
** accepts, what it refuses and at which byte), the printer, and the Value
** codec, which must round-trip every value exactly.
*/
#include "../../vm/valjson.h"
#include "../../base/mem.h"
#include "unit.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- reader and printer ------------------------------------------------ */

/* printed parses n bytes and returns them printed (mem_alloc'd), or NULL. */
static char *printed(const char *s, size_t n, char *err, size_t errlen) {
  Buf b = BUF_INIT;
  Json *j = json_parse(s, n, err, errlen);
  if (!j) return NULL;
  json_print(&b, j);
  json_free(j);
  return buf_take(&b);
}

static void roundtrip(const char *in, const char *want) {
  char err[200];
  char *out = printed(in, strlen(in), err, sizeof err), *again;
  CHECK_STREQ(out, want, "json %s prints as %s", in, want);
  if (!out) {
    printf("#   error: %s\n", err);
    return;
  }
  again = printed(out, strlen(out), err, sizeof err);
  CHECK_STREQ(again, out, "json %s: printing is idempotent", in);
  mem_free(out);
  mem_free(again);
}

static void refused(const char *in, size_t n, const char *want) {
  char err[200] = "";
  Json *j = json_parse(in, n, err, sizeof err);
  CHECK(j == NULL && strstr(err, want) != NULL, "json refuses %s: \"%s\"", want, err);
  json_free(j);
}
#define REFUSED(lit, want) refused(lit, sizeof lit - 1, want)

static void test_reader(void) {
  char err[200];
  Json *j;
  size_t n;
  int ok;
  char deep[200];

  roundtrip("null", "null");
  roundtrip(" true ", "true");
  roundtrip(" \t false \t", "false");
  {
    Json *w = json_parse("\r\n[\n1\r]\n", 8, err, sizeof err);
    CHECK(w && json_len(w) == 1, "CR and LF are whitespace between tokens");
    json_free(w);
  }
  roundtrip("0", "0");
  roundtrip("-0", "-0");
  roundtrip("1.5", "1.5");
  roundtrip("1e3", "1000");
  roundtrip("-12.5E-1", "-1.25");
  roundtrip("0.1", "0.1");
  roundtrip("1E+2", "100");
  roundtrip("123456789012345678", "1.2345678901234568e+17");
  roundtrip("\"\"", "\"\"");
  roundtrip("\"a\\u00e9\\ud83d\\ude00\"", "\"a\xc3\xa9\xf0\x9f\x98\x80\"");
  roundtrip("\"\\/\\\"\\\\\\b\\f\\n\\r\\t\"", "\"/\\\"\\\\\\u0008\\u000c\\n\\r\\t\"");
  roundtrip("\"\\u0000x\"", "\"\\u0000x\"");
  roundtrip("\"\xe2\x82\xac \xf4\x8f\xbf\xbf\"", "\"\xe2\x82\xac \xf4\x8f\xbf\xbf\"");
  roundtrip(" [ 1 , 2 ,{ \"a\" : [ ] , \"b\":{}} ] ", "[1,2,{\"a\":[],\"b\":{}}]");
  roundtrip("{\"z\":1,\"a\":2}", "{\"z\":1,\"a\":2}");
  roundtrip("[[[[[]]]]]", "[[[[[]]]]]");

  REFUSED("", "unexpected end of input, expected a value at byte 0");
  REFUSED("   ", "at byte 3");
  REFUSED("[1,2] x", "unexpected 'x', expected the end of input at byte 6");
  REFUSED("null null", "at byte 5");
  REFUSED("\"\\q\"", "invalid escape '\\q' at byte 1");
  REFUSED("\"ab\\u12\"", "four hex digits at byte 3");
  REFUSED("\"\\ud800\"", "lone high surrogate \\ud800 at byte 1");
  REFUSED("\"\\ud800\\u0041\"", "not followed by a low one at byte 1");
  REFUSED("\"\\udc00\"", "lone low surrogate \\udc00 at byte 1");
  REFUSED("\"a\x01\"", "control character 0x01 in a string (write it as an escape) at byte 2");
  REFUSED("\"a\nb\"", "control character 0x0a");
  REFUSED("\"\xff\"", "invalid UTF-8 in a string at byte 1");
  REFUSED("\"\xc0\xaf\"", "invalid UTF-8 in a string at byte 1");
  REFUSED("\"\xed\xa0\x80\"", "invalid UTF-8 in a string at byte 1");
  REFUSED("\"\xe2\x82\"", "invalid UTF-8");
  REFUSED("\"abc", "unterminated string at byte 4");
  REFUSED("\"abc\\", "unterminated string at byte 4");
  REFUSED("-", "number without digits at byte 0");
  REFUSED("-a", "number without digits at byte 0");
  REFUSED("1.", "without digits after the decimal point at byte 2");
  REFUSED("1.e5", "after the decimal point at byte 2");
  REFUSED(".5", "unexpected '.', expected a value at byte 0");
  REFUSED("+1", "unexpected '+'");
  REFUSED("1e", "without digits in its exponent at byte 2");
  REFUSED("1e+", "without digits in its exponent at byte 3");
  REFUSED("01", "leading zero at byte 0");
  REFUSED("-01", "leading zero at byte 0");
  REFUSED("1e400", "too large for a double at byte 0");
  REFUSED("[-1e99999]", "too large for a double at byte 1");
  REFUSED("NaN", "unexpected 'N'");
  REFUSED("Infinity", "unexpected 'I'");
  REFUSED("tru", "unexpected 't'");
  REFUSED("nul", "unexpected 'n'");
  REFUSED("[1,]", "unexpected ']', expected a value at byte 3");
  REFUSED("[1 2]", "expected ',' or ']' at byte 3");
  REFUSED("{,}", "expected a string key at byte 1");
  REFUSED("{a:1}", "expected a string key at byte 1");
  REFUSED("{\"a\" 1}", "expected ':' after a key at byte 5");
  REFUSED("{\"a\":1,}", "expected a string key at byte 7");
  REFUSED("{\"a\":1 \"b\":2}", "expected ',' or '}' at byte 7");
  REFUSED("{\"a\":1,\"a\":2}", "duplicate key \"a\" at byte 7");
  REFUSED("{\"a\\u0000\":1,\"a\\u0000\":2}", "duplicate key");
  REFUSED("\xef\xbb\xbfnull", "unexpected byte 0xef");
  REFUSED("nu\0ll", "unexpected 'n'");
  REFUSED("[1]\0", "unexpected byte 0x00, expected the end of input at byte 3");
  REFUSED("'a'", "unexpected '''");
  REFUSED("[1]/*c*/", "at byte 3");

  /* a large object uses the sorted duplicate check */
  {
    Buf b = BUF_INIT;
    int i;
    buf_putc(&b, '{');
    for (i = 0; i < 40; i++) buf_printf(&b, "%s\"k%d\":%d", i ? "," : "", i, i);
    buf_puts(&b, ",\"k17\":0}");
    refused(b.p, b.n, "duplicate key \"k17\" at byte");
    b.p[b.n - 5] = '9';   /* "k19" -> "k99", unique again */
    b.p[b.n - 6] = '9';
    j = json_parse(b.p, b.n, err, sizeof err);
    CHECK(j && json_len(j) == 41, "an object of 41 distinct keys parses");
    json_free(j);
    buf_free(&b);
  }

  /* nesting: 64 levels are fine, 65 are refused */
  memset(deep, '[', 64);
  memset(deep + 64, ']', 64);
  j = json_parse(deep, 128, err, sizeof err);
  CHECK(j != NULL, "64 nested arrays parse");
  json_free(j);
  memset(deep, '[', 65);
  memset(deep + 65, ']', 65);
  refused(deep, 130, "nesting deeper than 64 at byte 64");
  memset(deep, '[', 200);
  refused(deep, 200, "nesting deeper than 64 at byte 64");

  /* accessors */
  {
    static const char doc[] =
      "{\"s\":\"a\\u0000b\",\"n\":-2.5,\"t\":true,\"f\":false,\"z\":null,\"a\":[1,\"x\"],\"o\":{}}";
    j = json_parse(doc, sizeof doc - 1, err, sizeof err);
    CHECK(j && json_kind(j) == JSON_OBJ && json_len(j) == 7, "accessors: the object parses");
    CHECK(json_kind(NULL) == JSON_ABSENT && json_kind(json_get(j, "nope")) == JSON_ABSENT,
          "a missing key is JSON_ABSENT");
    CHECK(json_str(json_get(j, "s"), &n) && n == 3 && memcmp(json_str(json_get(j, "s"), NULL), "a\0b", 4) == 0,
          "json_str keeps an embedded NUL and terminates");
    CHECK(json_num(json_get(j, "n"), &ok) == -2.5 && ok, "json_num");
    CHECK(json_num(json_get(j, "s"), &ok) == 0 && !ok, "json_num of a string is not ok");
    CHECK(json_bool(json_get(j, "t"), &ok) == 1 && ok && json_bool(json_get(j, "f"), &ok) == 0 && ok,
          "json_bool");
    CHECK(json_bool(json_get(j, "z"), &ok) == 0 && !ok && json_kind(json_get(j, "z")) == JSON_NULL,
          "null is not a boolean");
    CHECK(json_len(json_get(j, "a")) == 2 && json_num(json_at(json_get(j, "a"), 0), NULL) == 1 &&
            strcmp(json_str(json_at(json_get(j, "a"), 1), NULL), "x") == 0 &&
            json_at(json_get(j, "a"), 2) == NULL,
          "json_len and json_at on an array");
    CHECK(strcmp(json_key(j, 5, &n), "a") == 0 && n == 1 && json_at(j, 5) == json_get(j, "a") &&
            json_key(j, 7, NULL) == NULL,
          "json_key and json_at on an object keep the order of the text");
    CHECK(json_get(json_get(j, "a"), "s") == NULL && json_str(NULL, &n) == NULL && n == 0 &&
            json_len(NULL) == 0,
          "accessors on the wrong kind or NULL answer absent");
    json_free(j);
  }
}

/* ---- the value codec ------------------------------------------------------ */

static int same_double(double a, double b) {
  if (isnan(a)) return isnan(b);
  return memcmp(&a, &b, sizeof a) == 0;   /* -0 and 0 differ */
}

static int same_bytes(const Str *a, const Str *b) {
  return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

/* same compares exactly: doubles by bits, command results field by field. */
static int same(const Value *a, const Value *b) {
  if (a->t != b->t) return 0;
  switch (a->t) {
    case V_NUM: case V_DUR: return same_double(a->u.n, b->u.n);
    case V_STR: return same_bytes(AS_STR(*a), AS_STR(*b));
    case V_LIST: {
      uint32_t i;
      if (AS_LIST(*a)->n != AS_LIST(*b)->n) return 0;
      for (i = 0; i < AS_LIST(*a)->n; i++)
        if (!same(&AS_LIST(*a)->v[i], &AS_LIST(*b)->v[i])) return 0;
      return 1;
    }
    case V_REC: {
      Rec *x = AS_REC(*a), *y = AS_REC(*b);
      return x->status == y->status && same_double(x->duration, y->duration) &&
             same_bytes(x->out, y->out) && same_bytes(x->err, y->err) && x->timed_out == y->timed_out;
    }
    default: return val_equal(a, b);
  }
}

/* codec encodes v, checks the text is valid JSON and decodes it; it
** returns 1 when the result is the same value. *text gets the encoding. */
static int codec(const Value *v, char **text) {
  Buf b = BUF_INIT;
  char err[200];
  Json *j;
  Value back;
  int rc = 0;
  json_put_value(&b, v);
  j = json_parse(buf_cstr(&b), b.n, err, sizeof err);
  if (!j) {
    printf("#   %s does not parse: %s\n", buf_cstr(&b), err);
  } else if (json_to_value(j, &back, err, sizeof err) < 0) {
    printf("#   %s does not decode: %s\n", buf_cstr(&b), err);
  } else {
    rc = same(v, &back);
    val_release(back);
  }
  json_free(j);
  if (text) *text = buf_take(&b);
  else buf_free(&b);
  return rc;
}

static void encodes(Value v, const char *want, const char *what) {
  char *text = NULL;
  int ok = codec(&v, &text);
  CHECK(ok, "%s round-trips", what);
  CHECK_STREQ(text, want, "%s is written as %s", what, want);
  mem_free(text);
  val_release(v);
}

/* xorshift64: a fixed sequence of pseudo-random bits, the same every run */
static uint64_t next_rand(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static void test_codec(void) {
  static const double nums[] = {0.0, 1.0, -1.0, 0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 3.141592653589793,
                                1e21, 1e22, 1e-7, 123456789.125, 9007199254740993.0,
                                9007199254740992.0, DBL_MAX, -DBL_MAX, DBL_MIN, 4.9406564584124654e-324,
                                2.2250738585072009e-308, 1.7976931348623157e308, 5e-324, -1.5e-300,
                                1e308, 0.1 + 0.2, 100.0, 1e15, 1e16, 1e17};
  uint64_t seed = 0x9E3779B97F4A7C15u;
  size_t i;
  int all = 1;
  char *text;
  Value v;

  encodes(val_nil(), "null", "nil");
  encodes(val_bool(1), "true", "true");
  encodes(val_bool(0), "false", "false");
  encodes(val_num(0.1), "0.1", "0.1");
  encodes(val_num(-0.0), "-0", "-0");
  encodes(val_num(42), "42", "42");
  encodes(val_num(0.1 + 0.2), "0.30000000000000004", "0.1+0.2 (17 digits)");
  encodes(val_num(NAN), "{\"num\":\"nan\"}", "NaN");
  encodes(val_num(INFINITY), "{\"num\":\"inf\"}", "+inf");
  encodes(val_num(-INFINITY), "{\"num\":\"-inf\"}", "-inf");
  encodes(val_dur(90), "{\"dur\":90}", "a duration");
  encodes(val_dur(0.25), "{\"dur\":0.25}", "a fractional duration");
  encodes(val_dur(INFINITY), "{\"dur\":\"inf\"}", "an infinite duration");
  encodes(val_fn(7), "{\"fn\":7}", "a function");
  encodes(val_fn(UINT32_MAX), "{\"fn\":4294967295}", "the last function index");
  encodes(val_undef(), "{\"undef\":true}", "no value");
  encodes(val_cstr_new("h\xc3\xa9 \"q\"\n"), "\"h\xc3\xa9 \\\"q\\\"\\n\"", "a UTF-8 string");
  encodes(val_str_new("", 0), "\"\"", "the empty string");
  encodes(val_str_new("a\0b", 3), "\"a\\u0000b\"", "a string with a NUL");
  encodes(val_str_new("\x7f", 1), "\"\\u007f\"", "DEL");
  encodes(val_str_new("\xff", 1), "{\"bytes\":\"/w==\"}", "a string that is not UTF-8");
  encodes(val_str_new("ab\xc3", 3), "{\"bytes\":\"YWLD\"}", "a string cut inside a character");
  encodes(val_str_new("\xed\xa0\x80", 3), "{\"bytes\":\"7aCA\"}", "a UTF-8 surrogate");
  {
    Value items[4];
    items[0] = val_num(1);
    items[1] = val_cstr_new("x");
    items[2] = val_list_new(NULL, 0);
    items[3] = val_nil();
    encodes(val_list_new(items, 4), "[1,\"x\",[],null]", "a list");
  }
  encodes(val_rec_new(3, 1.5, "out\n", 4, "\x80oops", 5, 1),
          "{\"rec\":{\"status\":3,\"duration\":1.5,\"out\":\"out\\n\",\"err\":{\"bytes\":\"gG9vcHM=\"},"
          "\"timed_out\":true}}",
          "a command result with binary stderr");
  encodes(val_rec_new(-1, 0, "", 0, "", 0, 0),
          "{\"rec\":{\"status\":-1,\"duration\":0,\"out\":\"\",\"err\":\"\",\"timed_out\":false}}",
          "an empty command result");

  /* numbers: chosen hard cases, then 200000 random bit patterns */
  for (i = 0; i < sizeof nums / sizeof nums[0]; i++) {
    Value a = val_num(nums[i]), b = val_num(-nums[i]), d = val_dur(nums[i]);
    if (!codec(&a, NULL) || !codec(&b, NULL) || !codec(&d, NULL)) {
      all = 0;
      printf("#   %.17g does not round-trip\n", nums[i]);
    }
  }
  CHECK(all, "%zu hard doubles (and their negations, and as durations) round-trip exactly",
        sizeof nums / sizeof nums[0]);
  all = 1;
  for (i = 0; i < 200000 && all; i++) {
    uint64_t bits = next_rand(&seed);
    double d;
    memcpy(&d, &bits, sizeof d);
    v = val_num(d);
    if (!codec(&v, NULL)) {
      all = 0;
      printf("#   bits %016llx do not round-trip\n", (unsigned long long)bits);
    }
  }
  CHECK(all, "200000 random doubles round-trip bit for bit");
  {
    /* the shortest form: no needless digits */
    Buf b = BUF_INIT;
    json_put_num(&b, 1e300);
    buf_putc(&b, ' ');
    json_put_num(&b, 5e-324);
    buf_putc(&b, ' ');
    json_put_num(&b, 1.0 / 3);
    CHECK_STREQ(buf_cstr(&b), "1e+300 4.94065645841247e-324 0.3333333333333333",
                "json_put_num writes the shortest exact form");
    buf_free(&b);
  }

  /* every byte value, alone and all together */
  all = 1;
  for (i = 0; i < 256; i++) {
    char c = (char)i;
    v = val_str_new(&c, 1);
    if (!codec(&v, NULL)) {
      all = 0;
      printf("#   byte %zu does not round-trip\n", i);
    }
    val_release(v);
  }
  CHECK(all, "every one-byte string 0..255 round-trips");
  {
    char every[512];
    for (i = 0; i < 256; i++) every[i] = every[511 - i] = (char)i;
    v = val_str_new(every, sizeof every);
    CHECK(codec(&v, &text), "a string of all 256 byte values round-trips");
    CHECK(strncmp(text, "{\"bytes\":\"", 10) == 0, "... as base64");
    mem_free(text);
    val_release(v);
    v = val_str_new(every, 128);
    CHECK(codec(&v, &text), "a string of bytes 0..127 round-trips");
    CHECK(text[0] == '"', "... as a JSON string");
    mem_free(text);
    val_release(v);
  }
  /* random byte strings, short ones often valid UTF-8 by chance */
  all = 1;
  for (i = 0; i < 5000 && all; i++) {
    char s[24];
    size_t k, len = (size_t)(next_rand(&seed) % sizeof s);
    for (k = 0; k < len; k++) {
      uint64_t r = next_rand(&seed);
      s[k] = (char)(r % 3 == 0 ? (r >> 8) % 128 : (r >> 8) & 0xff);
    }
    v = val_str_new(s, len);
    all = codec(&v, NULL);
    val_release(v);
  }
  CHECK(all, "5000 random byte strings round-trip");
  {
    /* nested lists of everything */
    Value inner[3], outer[3];
    inner[0] = val_num(NAN);
    inner[1] = val_str_new("\xfe\xff", 2);
    inner[2] = val_rec_new(0, 0.001, "\xc3\xa9", 2, "", 0, 0);
    outer[0] = val_list_new(inner, 3);
    outer[1] = val_dur(-2.5);
    outer[2] = val_fn(0);
    v = val_list_new(outer, 3);
    CHECK(codec(&v, NULL), "a nested list of mixed values round-trips");
    CHECK(json_value_depth(&v) == 4, "json_value_depth of it is 4");
    val_release(v);
  }
  v = val_num(1);
  CHECK(json_value_depth(&v) == 0, "json_value_depth of a number is 0");
  v = val_rec_new(0, 0, "\xff", 1, "", 0, 0);
  CHECK(json_value_depth(&v) == 3, "json_value_depth of a binary command result is 3");
  val_release(v);
}

static void decode_refused(const char *in, const char *want) {
  char err[200] = "";
  Json *j = json_parse(in, strlen(in), err, sizeof err);
  Value v = val_num(1);
  int rc = j ? json_to_value(j, &v, err, sizeof err) : 0;
  CHECK(j && rc == -1 && v.t == V_NIL && strstr(err, want), "json_to_value refuses %s: \"%s\"", in,
        err);
  json_free(j);
}

static void test_decode_errors(void) {
  decode_refused("{\"foo\":1}", "encodes no value");
  decode_refused("{}", "encodes no value");
  decode_refused("{\"num\":1,\"dur\":2}", "encodes no value");
  decode_refused("{\"num\":\"NaN\"}", "encodes no value");
  decode_refused("{\"dur\":null}", "encodes no value");
  decode_refused("{\"fn\":-1}", "encodes no value");
  decode_refused("{\"fn\":1.5}", "encodes no value");
  decode_refused("{\"fn\":4294967296}", "encodes no value");
  decode_refused("{\"undef\":false}", "encodes no value");
  decode_refused("{\"bytes\":\"abc\"}", "not canonical base64");
  decode_refused("{\"bytes\":\"/x==\"}", "not canonical base64");
  decode_refused("{\"bytes\":\"=AAA\"}", "not canonical base64");
  decode_refused("{\"bytes\":\"A=A=\"}", "not canonical base64");
  decode_refused("{\"bytes\":\"AA==AA==\"}", "not canonical base64");
  decode_refused("{\"bytes\":\"AA*A\"}", "not canonical base64");
  decode_refused("{\"bytes\":7}", "expected a string");
  decode_refused("[1,{\"x\":1}]", "encodes no value");
  decode_refused("{\"rec\":{}}", "exactly status, duration, out, err and timed_out");
  decode_refused("{\"rec\":{\"status\":0,\"duration\":0,\"out\":\"\",\"err\":\"\"}}", "exactly");
  decode_refused("{\"rec\":{\"status\":0,\"duration\":0,\"out\":\"\",\"err\":\"\",\"timed_out\":false,"
                 "\"x\":1}}",
                 "exactly");
  decode_refused("{\"rec\":{\"status\":0.5,\"duration\":0,\"out\":\"\",\"err\":\"\",\"timed_out\":false}}",
                 "\"status\" must be a whole number");
  decode_refused("{\"rec\":{\"status\":0,\"duration\":\"x\",\"out\":\"\",\"err\":\"\",\"timed_out\":false}}",
                 "\"duration\" must be a number");
  decode_refused("{\"rec\":{\"status\":0,\"duration\":0,\"out\":1,\"err\":\"\",\"timed_out\":false}}",
                 "command result \"out\": expected a string");
  decode_refused("{\"rec\":{\"status\":0,\"duration\":0,\"out\":\"\",\"err\":\"\",\"timed_out\":0}}",
                 "\"timed_out\" must be true or false");
  decode_refused("{\"rec\":{\"status\":0,\"duration\":0,\"out\":\"\",\"err\":\"\",\"t\":false}}",
                 "must be true or false");
  {
    /* {"bytes"} is accepted for any bytes, and {"num":N} for a finite N */
    char err[200];
    static const char doc[] = "[{\"bytes\":\"aGk=\"},{\"num\":2},{\"bytes\":\"\"}]";
    Json *j = json_parse(doc, sizeof doc - 1, err, sizeof err);
    Value v;
    int rc = j ? json_to_value(j, &v, err, sizeof err) : -1;
    CHECK(rc == 0 && v.t == V_LIST && AS_LIST(v)->n == 3 && AS_LIST(v)->v[0].t == V_STR &&
            strcmp(AS_STR(AS_LIST(v)->v[0])->s, "hi") == 0 && AS_LIST(v)->v[1].u.n == 2 &&
            AS_STR(AS_LIST(v)->v[2])->len == 0,
          "json_to_value reads {\"bytes\"} of UTF-8 and {\"num\"} of a finite number");
    if (rc == 0) val_release(v);
    json_free(j);
  }
}

/* ---- the word-at-a-time scan's edges -------------------------------------
** Strings and digit runs are read eight bytes at a time; these put the
** byte that stops the run at every position of a word (and of the next),
** with the text in a buffer of exactly its size (so that a read past the
** end is caught under ASan), and check that json_parse says what it says
** byte by byte, and that json_scan_object agrees with it. */

/* exact copies n bytes at s to a malloc'd buffer of n bytes. */
static char *exact(const char *s, size_t n) {
  char *c = malloc(n ? n : 1);
  if (n) memcpy(c, s, n);
  return c;
}

/* parse_at parses n bytes at s: 0 if valid, else the byte offset its
** error names (-1 if none), with the message in err. */
static long parse_at(const char *s, size_t n, char *err, size_t errlen, size_t *slen) {
  char *c = exact(s, n);
  Json *j = json_parse(c, n, err, errlen);
  const char *at;
  long r = 0;
  if (j) {
    Json *e = json_at(j, 0);
    if (slen) json_str(e ? e : j, slen);
    json_free(j);
  } else {
    at = strstr(err, " at byte ");
    r = at ? strtol(at + 9, NULL, 10) : -1;
    if (r == 0) r = -1;   /* never expected at 0 here */
  }
  free(c);
  return r;
}

/* scans says whether json_scan_object takes n bytes at s, with the span
** of the first member's value in *vlen. */
static int scans(const char *s, size_t n, size_t *vlen) {
  char *c = exact(s, n);
  JsonSpan top[2];
  size_t nt = 0;
  uint64_t keys;
  int ok = json_scan_object(c, n, top, 2, &nt, &keys);
  *vlen = ok && nt ? top[0].vlen : 0;
  free(c);
  return ok;
}

static void test_swar_edges(void) {
  static const struct {
    const char *x;
    size_t xn;
    long at;          /* error at the byte of x plus this; 0 = valid */
    const char *msg;  /* part of the message */
    size_t dec;       /* bytes x decodes to, when valid */
  } odd[] = {
    {"\"", 1, 1, "unexpected", 0},
    {"\\q", 2, 0 - 100, "invalid escape '\\q'", 0},
    {"\\n", 2, 0, "", 1},
    {"\\\"", 2, 0, "", 1},
    {"\x01", 1, 0 - 100, "control character 0x01", 0},
    {"\x1f", 1, 0 - 100, "control character 0x1f", 0},
    {"\x7f", 1, 0, "", 1},
    {" ", 1, 0, "", 1},
    {"\x80", 1, 0 - 100, "invalid UTF-8", 0},
    {"\xff", 1, 0 - 100, "invalid UTF-8", 0},
    {"\xc3\xa9", 2, 0, "", 2},
    {"\xc3(", 2, 0 - 100, "invalid UTF-8", 0},
    {"\xed\xa0\x80", 3, 0 - 100, "invalid UTF-8", 0},
  };
  static const size_t posts[] = {0, 3, 9};
  char doc[128], err[200];
  size_t o, pre, pi, n, len, vlen;
  int bad = 0, cases = 0;
  for (o = 0; o < sizeof odd / sizeof odd[0]; o++)
    for (pre = 0; pre <= 17; pre++)
      for (pi = 0; pi < sizeof posts / sizeof posts[0]; pi++) {
        size_t post = posts[pi], stop = 2 + pre;   /* where x begins in ["...x..."] */
        long want = odd[o].at == 0 ? 0 : odd[o].at < 0 ? (long)stop : (long)stop + odd[o].at, got;
        int sv, pv;
        /* as an array's string */
        n = 0;
        doc[n++] = '[';
        doc[n++] = '"';
        memset(doc + n, 'a', pre), n += pre;
        memcpy(doc + n, odd[o].x, odd[o].xn), n += odd[o].xn;
        memset(doc + n, 'z', post), n += post;
        doc[n++] = '"';
        doc[n++] = ']';
        len = 0;
        got = parse_at(doc, n, err, sizeof err, &len);
        cases++;
        if (got != want || (want && !strstr(err, odd[o].msg)) || (!want && len != pre + odd[o].dec + post)) {
          printf("# %zu (%s) after %zu bytes, %zu after: parse says %ld (%s), wanted %ld\n", o, odd[o].msg, pre,
                 post, got, got ? err : "valid", want);
          bad = 1;
        }
        pv = got == 0;
        /* as an object's value: the scan agrees, and spans the string */
        n = 0;
        memcpy(doc, "{\"k\":\"", 6), n = 6;
        memset(doc + n, 'a', pre), n += pre;
        memcpy(doc + n, odd[o].x, odd[o].xn), n += odd[o].xn;
        memset(doc + n, 'z', post), n += post;
        doc[n++] = '"';
        doc[n++] = '}';
        sv = scans(doc, n, &vlen);
        if (sv != pv || (sv && vlen != n - 6)) {
          printf("# %zu (%s) after %zu bytes, %zu after: scan says %d (span %zu), parse %d\n", o, odd[o].msg, pre,
                 post, sv, vlen, pv);
          bad = 1;
        }
        /* as a key: the scan takes a plain one, never more than json_parse */
        n = 0;
        memcpy(doc, "{\"", 2), n = 2;
        memset(doc + n, 'a', pre), n += pre;
        memcpy(doc + n, odd[o].x, odd[o].xn), n += odd[o].xn;
        memset(doc + n, 'z', post), n += post;
        memcpy(doc + n, "\":1}", 4), n += 4;
        sv = scans(doc, n, &vlen);
        pv = parse_at(doc, n, err, sizeof err, NULL) == 0;
        if ((sv && !pv) || (pv && odd[o].x[0] != '\\' && !sv)) {
          printf("# %zu (%s) in a key after %zu bytes: scan says %d, parse %d\n", o, odd[o].msg, pre, sv, pv);
          bad = 1;
        }
      }
  CHECK(!bad, "a quote, backslash, control byte, high byte or UTF-8 sequence at each of the 16 positions of two words "
              "is read as byte by byte (%d cases), and json_scan_object agrees", cases);

  /* every byte value at each position of a word, followed by 'z's */
  bad = 0;
  for (o = 0; o < 256; o++)
    for (pre = 0; pre < 8; pre++) {
      int plain = o >= 0x20 && o < 0x80 && o != '"' && o != '\\';
      long got, want = plain ? 0 : (long)(2 + pre) + (o == '"');
      int sv;
      /* {"k":"aa..xzz.."} for the scan, ["aa..xzz.."] for json_parse */
      n = (size_t)snprintf(doc, sizeof doc, "{\"k\":\"%.*s", (int)pre, "aaaaaaaa");
      doc[n++] = (char)o;
      memcpy(doc + n, "zzzzzzzzz\"}", 11), n += 11;
      sv = scans(doc, n, &vlen);
      n = (size_t)snprintf(doc, sizeof doc, "[\"%.*s", (int)pre, "aaaaaaaa");
      doc[n++] = (char)o;
      memcpy(doc + n, "zzzzzzzzz\"]", 11), n += 11;
      got = parse_at(doc, n, err, sizeof err, NULL);
      if (got != want || sv != (want == 0)) {
        printf("# byte 0x%02zx after %zu bytes: parse %ld (%s), wanted %ld; scan %d\n", o, pre, got, err, want, sv);
        bad = 1;
      }
    }
  CHECK(!bad, "each of the 256 byte values at each position of a word is taken or refused as byte by byte");

  /* strings that end at the end of the buffer */
  bad = 0;
  for (len = 0; len <= 20; len++) {
    long got;
    n = 0;
    doc[n++] = '"';
    memset(doc + n, 'a', len), n += len;
    got = parse_at(doc, n, err, sizeof err, NULL);
    if (got != (long)n || !strstr(err, "unterminated string")) {
      printf("# an unterminated string of %zu bytes: %ld %s\n", len, got, err);
      bad = 1;
    }
    doc[n++] = '"';
    got = parse_at(doc, n, err, sizeof err, &vlen);
    if (got != 0 || vlen != len) {
      printf("# a string of %zu bytes ending the buffer: %ld %s\n", len, got, err);
      bad = 1;
    }
    memcpy(doc, "{\"k\":\"", 6);
    memset(doc + 6, 'a', len);
    if (scans(doc, 6 + len, &vlen) || (doc[6 + len] = '"', scans(doc, 7 + len, &vlen))) {
      printf("# the scan takes an object cut in a string of %zu bytes\n", len);
      bad = 1;
    }
    /* invalid UTF-8 as the last byte, just after a clean run */
    n = 0;
    doc[n++] = '"';
    memset(doc + n, 'a', len), n += len;
    memcpy(doc + n, "\xe2\x82", 2), n += 2;   /* a sequence cut short */
    got = parse_at(doc, n, err, sizeof err, NULL);
    if (got != (long)(1 + len) || !strstr(err, "invalid UTF-8")) {
      printf("# a cut UTF-8 sequence after %zu bytes: %ld %s\n", len, got, err);
      bad = 1;
    }
  }
  CHECK(!bad, "strings that end with the buffer (closed, unclosed, cut in a UTF-8 sequence) after 0 to 20 clean bytes");

  /* digit runs of every length, and what stops them */
  bad = 0;
  {
    static const char *after[] = {"", ".5", "e2", "E+2", ":", "/", "a", " ", ".", "..", "0"};
    static const char digits[] = "12345678901234567890123";
    size_t k, a;
    for (k = 1; k <= 22; k++)
      for (a = 0; a < sizeof after / sizeof after[0]; a++) {
        int sv, pv;
        n = (size_t)snprintf(doc, sizeof doc, "{\"n\":%.*s%s}", (int)k, digits, after[a]);
        pv = parse_at(doc, n, err, sizeof err, NULL) == 0;
        sv = scans(doc, n, &vlen);
        if (sv != pv || (sv && vlen != n - 6 - (after[a][0] == ' '))) {
          printf("# %s: scan %d (span %zu), parse %d %s\n", doc, sv, vlen, pv, pv ? "" : err);
          bad = 1;
        }
        /* the same digits ending the buffer, after the point */
        n = (size_t)snprintf(doc, sizeof doc, "0.%.*s", (int)k, digits);
        if (parse_at(doc, n, err, sizeof err, NULL) != 0) bad = 1;
      }
  }
  CHECK(!bad, "numbers with 1 to 22 digits, followed by each kind of byte or the end, are scanned as parsed");
}

int main(void) {
  test_reader();
  test_swar_edges();
  test_codec();
  test_decode_errors();
  UNIT_DONE();
}
