/*
** jsonscan_test.c -- unit tests for the tree-less JSON check
** (json_scan_object, json_member_raw in base/json.c) and the lazy record
** readers of run/journal.h (jrn_rec_*): the scanner never accepts what
** json_parse refuses (hand-picked cases and many mutated records), takes
** the fast path for ordinary records, and a lazy read answers what
** json_get on the full tree answers.
*/
#include "../../base/json.h"
#include "../../base/mem.h"
#include "../../run/journal.h"
#include "unit.h"

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* parses says whether json_parse accepts s as an object. */
static int parses_obj(const char *s, size_t n) {
  char err[200];
  Json *j = json_parse(s, n, err, sizeof err);
  int ok = j && json_kind(j) == JSON_OBJ;
  json_free(j);
  return ok;
}

static int scans(const char *s) {
  JsonSpan m[4];
  size_t nm;
  return json_scan_object(s, strlen(s), m, 4, &nm, NULL);
}

/* never_wrong: whatever the scanner accepts, json_parse accepts too. */
static void never_wrong(const char *s, size_t n, const char *what) {
  JsonSpan m[4];
  size_t nm;
  int sc = json_scan_object(s, n, m, 4, &nm, NULL);
  CHECK(!sc || parses_obj(s, n), "scanner agrees with json_parse: %s", what);
}

static void test_cases(void) {
  static const char *bad[] = {
    "", "{", "}", "[]", "1", "\"s\"", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "{\"a\":1}x", "{\"a\":01}",
    "{\"a\":-}", "{\"a\":1.}", "{\"a\":1e}", "{\"a\":.5}", "{\"a\":tru}", "{\"a\":nul}", "{\"a\":\"x}",
    "{\"a\":\"\\q\"}", "{\"a\":\"\\u12g4\"}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00x\"}", "{\"a\":1,\"a\":2}",
    "{\"a\":{\"b\":1,\"b\":2}}", "{\"a\":[1,2}", "{\"a\":[1,]}", "{\"a\":1e999}", "{\"a\":\"\x01\"}",
    "{\"a\":\"\xff\"}", "{\"a\":\"\xc3\"}", "{\"\\u0061\":1,\"a\":2}", "{\"a\":1}}", "{\"a\":1 2}",
    "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
  };
  static const char *good[] = {
    "{}", " { } ", "{\"a\":1}", "{\"a\":-0.5e-3,\"b\":[true,false,null,{}],\"c\":\"\\n\\t\\\"\\\\\\/\\u00e9\"}",
    "{\"a\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\"}", "{\"a\":{\"a\":{\"a\":1}},\"b\":{\"a\":2}}", "{\"x\":123456789012345678901234}",
    "{\"a\":1.7976931348623157e308}",
  };
  size_t i;
  for (i = 0; i < sizeof bad / sizeof *bad; i++) {
    CHECK(!scans(bad[i]), "scanner does not accept bad JSON #%zu", i);
    never_wrong(bad[i], strlen(bad[i]), bad[i]);
  }
  for (i = 0; i < sizeof good / sizeof *good; i++) never_wrong(good[i], strlen(good[i]), good[i]);
  CHECK(scans("{\"a\":1}") && scans("{}") && scans(good[3]) && scans(good[4]) && scans(good[5]),
        "scanner takes the fast path for ordinary objects, escapes and UTF-8 included");
  CHECK(!scans("{\"a\":\"\\ud83d\\ude00\"}") && parses_obj("{\"a\":\"\\ud83d\\ude00\"}", 20),
        "a surrogate pair is left to json_parse (which accepts it)");
  CHECK(!scans("{\"\\u0061\":1}") && parses_obj("{\"\\u0061\":1}", 12), "an escaped key is left to json_parse");
}

/* A deterministic generator for the mutations. */
static uint64_t rng = 88172645463325252u;
static uint64_t next_rand(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static void test_mutations(void) {
  static const char *rec =
    "{\"seq\":12,\"prev\":\"8abec08d9e7fa1515d5aeb5f59b4477f0b2081d8628ccc0a46834550f3ac9897\",\"time\":\"2026-11-22T07:"
    "00:00.000Z\",\"type\":\"effect_end\",\"n\":4,\"result\":{\"stdout\":\"a\\\"b\\\\\\u00e9\",\"code\":-1.5e3,\"l\":[1,"
    "{\"k\":null},true]},\"what\":\"caf\xc3\xa9\"}";
  static const char alphabet[] = "{}[]\":,\\ u0123456789eE.-+tfnalsrx\x01\x7f\x80\xc3\xa9\xff";
  size_t n = strlen(rec);
  char buf[512];
  int k, wrong = 0, fast = 0;
  CHECK(scans(rec) && parses_obj(rec, n), "the record itself is valid and scanned fast");
  for (k = 0; k < 200000; k++) {
    size_t len = n, edits = 1 + next_rand() % 3, e;
    JsonSpan m[4];
    size_t nm;
    memcpy(buf, rec, n);
    for (e = 0; e < edits; e++) {
      size_t at = next_rand() % len;
      int op = (int)(next_rand() % 3);
      char c = alphabet[next_rand() % (sizeof alphabet - 1)];
      if (op == 0) buf[at] = c;                                   /* replace */
      else if (op == 1 && len + 1 < sizeof buf) {                 /* insert */
        memmove(buf + at + 1, buf + at, len - at);
        buf[at] = c;
        len++;
      } else if (len > 1) {                                       /* delete */
        memmove(buf + at, buf + at + 1, len - at - 1);
        len--;
      }
    }
    if (json_scan_object(buf, len, m, 4, &nm, NULL)) {
      fast++;
      if (!parses_obj(buf, len)) {
        if (wrong++ < 5) printf("# scanner accepted what json_parse refuses: %.*s\n", (int)len, buf);
      }
    }
  }
  CHECK(wrong == 0, "200000 mutated records: the scanner accepted none that json_parse refuses (%d accepted)", fast);
  {
    /* json_scan_rest: the four fixed members as given, the rest mutated */
    const char *tail = strstr(rec, "\"type\":\"effect_end\"") + 19;
    size_t at = (size_t)(tail - rec);
    JsonSpan pre[4] = {{"seq", 3, NULL, 0}, {"prev", 4, NULL, 0}, {"time", 4, NULL, 0}, {"type", 4, NULL, 0}};
    CHECK(*tail == ',' && json_scan_rest(rec, n, at, pre, 4, NULL), "json_scan_rest accepts the record's members");
    CHECK(!json_scan_rest("{\"seq\":1,\"seq\":2}", 17, 8, pre, 4, NULL), "json_scan_rest: a fixed key again is unsure");
    wrong = fast = 0;
    for (k = 0; k < 100000; k++) {
      size_t len = n, edits = 1 + next_rand() % 3, e;
      memcpy(buf, rec, n);
      for (e = 0; e < edits; e++) {
        size_t pos = at + next_rand() % (len - at);
        int op = (int)(next_rand() % 3);
        char c = alphabet[next_rand() % (sizeof alphabet - 1)];
        if (op == 0) buf[pos] = c;
        else if (op == 1 && len + 1 < sizeof buf) {
          memmove(buf + pos + 1, buf + pos, len - pos);
          buf[pos] = c;
          len++;
        } else if (len > at + 1) {
          memmove(buf + pos, buf + pos + 1, len - pos - 1);
          len--;
        }
      }
      if (json_scan_rest(buf, len, at, pre, 4, NULL)) {
        fast++;
        if (!parses_obj(buf, len) && wrong++ < 5) printf("# json_scan_rest accepted: %.*s\n", (int)len, buf);
      }
    }
    CHECK(wrong == 0, "100000 records mutated after the fixed members: json_scan_rest accepted none that json_parse refuses (%d accepted)", fast);
  }
}

/* lookups: json_member_raw finds what json_get finds. */
static void test_member_raw(void) {
  const char *s = "{\"a\":1,\"b\":\"x\\\"}y\",\"c\":{\"a\":2,\"z\":[3,\"]\"]},\"d\":[{\"b\":1}],\"e\":true,\"f\":-2.5e1}";
  const char *v;
  size_t vn;
  CHECK(json_member_raw(s, strlen(s), "a", &v, &vn) == 1 && vn == 1 && v[0] == '1', "a top-level number");
  CHECK(json_member_raw(s, strlen(s), "b", &v, &vn) == 1 && vn == 7 && memcmp(v, "\"x\\\"}y\"", 7) == 0,
        "a string with an escaped quote and a brace inside");
  CHECK(json_member_raw(s, strlen(s), "c", &v, &vn) == 1 && vn == 19 && v[0] == '{' && v[18] == '}',
        "a nested object, skipped whole (%zu)", vn);
  CHECK(json_member_raw(s, strlen(s), "z", &v, &vn) == 0, "a key only inside a nested object is not found");
  CHECK(json_member_raw(s, strlen(s), "f", &v, &vn) == 1 && vn == 6 && memcmp(v, "-2.5e1", 6) == 0, "the last member");
  CHECK(json_member_raw(s, strlen(s), "g", &v, &vn) == 0 && !v, "an absent key");
  CHECK(json_member_raw(s + 6, strlen(s) - 6, "a", &v, &vn) == 0 &&
          json_member_raw(s + 6, strlen(s) - 6, "e", &v, &vn) == 1 && memcmp(v, "true", 4) == 0,
        "from the ',' between members: only the members after it");
  CHECK(json_member_raw("{\"\\u0061\":1,\"b\":2}", 18, "b", &v, &vn) == -1, "an escaped key before it: ask the tree");
}

static char base[256];
static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f) {
  (void)st;
  (void)flag;
  (void)f;
  return remove(p);
}

/* The lazy readers of a journal's records answer as the full tree does. */
static void test_lazy_records(void) {
  char dir[300], err[300];
  Journal j;
  size_t i;
  int ok = 1;
  static const char *fields[] = {
    "\"n\":0,\"kind\":\"call\",\"key\":\"abc\",\"what\":\"now()\"",
    "\"n\":0,\"result\":{\"stdout\":\"x\",\"l\":[1,2]}",
    "\"n\":1,\"lane\":\"web1\",\"kind\":\"cmd\",\"key\":\"a\\\"b\"",
    "\"n\":1e0,\"lane\":\"repl\",\"result\":\"\\ud83d\\ude00\"",
    "\"n\":12345678901234567,\"undo\":true,\"step\":\"s\\u00e9\"",
    "\"\\u006e\":2,\"k\":\"v\"",
    "\"n\":-3,\"error\":null",
    "",
  };
  static const char *keys[] = {"n", "kind", "key", "lane", "result", "undo", "step", "error", "k", "what", "type", "seq"};
  snprintf(dir, sizeof dir, "%s/run", base);
  if (jrn_mkdirs(dir, err, sizeof err) < 0 || jrn_open(&j, dir, 1, NULL, err, sizeof err) < 0) {
    CHECK(0, "journal for lazy records: %s", err);
    return;
  }
  for (i = 0; i < sizeof fields / sizeof *fields; i++)
    if (jrn_append(&j, i % 2 ? "effect_end" : "effect_start", fields[i], err, sizeof err) < 0) {
      CHECK(0, "append %zu: %s", i, err);
      jrn_close(&j);
      return;
    }
  jrn_close(&j);
  CHECK(jrn_open(&j, dir, 0, NULL, err, sizeof err) == 0 && j.nrecs == sizeof fields / sizeof *fields,
        "reopened (%s)", err);
  for (i = 0; i < j.nrecs; i++) {
    const JrnRecord *r = &j.recs[i];
    size_t k;
    Json *tree;
    /* ask lazily first, then compare with the full tree */
    int has[12], numok[12], streq[12];
    double num[12];
    for (k = 0; k < 12; k++) {
      has[k] = jrn_rec_has(r, keys[k]);
      num[k] = jrn_rec_num(r, keys[k], &numok[k]);
      streq[k] = jrn_rec_str_is(r, keys[k], "web1") * 2 + jrn_rec_str_is(r, keys[k], "a\"b");
    }
    tree = jrn_rec_json(r);
    ok = ok && tree && strcmp(r->type, i % 2 ? "effect_end" : "effect_start") == 0;
    for (k = 0; k < 12 && ok; k++) {
      const Json *v = json_get(tree, keys[k]);
      int nok;
      double d = json_num(v, &nok);
      size_t sl;
      const char *s = json_str(v, &sl);
      int want = (s && strcmp(s, "web1") == 0) * 2 + (s && strcmp(s, "a\"b") == 0);
      ok = has[k] == (v != NULL) && numok[k] == nok && num[k] == d && streq[k] == want;
      if (!ok) printf("# record %zu key %s: has %d/%d num %d %g/%d %g str %d/%d\n", i, keys[k], has[k], v != NULL,
                      numok[k], num[k], nok, d, streq[k], want);
    }
  }
  CHECK(ok, "jrn_rec_has/num/str_is answer as json_get on the full tree (escapes, nested values, big numbers)");
  {
    const Json *res = jrn_rec_field(&j.recs[1], "result");
    const Json *l = json_get(res, "l");
    CHECK(json_kind(res) == JSON_OBJ && json_len(l) == 2 && json_num(json_at(l, 1), NULL) == 2,
          "jrn_rec_field parses only the value asked for");
    CHECK(jrn_rec_field(&j.recs[0], "result") == NULL, "jrn_rec_field of an absent key is NULL");
  }
  jrn_close(&j);
  {
    /* a prev that is a number whose digits look like the 64 zeros, and
    ** spaces so that the byte-by-byte prefix check does not apply: the
    ** journal is refused as the full parser's checks refuse it */
    char d2[300], path[340];
    FILE *f;
    snprintf(d2, sizeof d2, "%s/odd", base);
    snprintf(path, sizeof path, "%s/journal.jsonl", d2);
    if (jrn_mkdirs(d2, err, sizeof err) == 0 && (f = fopen(path, "w")) != NULL) {
      fprintf(f, "{\"seq\":0, \"prev\":1%065d,\"time\":\"2026-11-22T07:00:00.000Z\",\"type\":\"log\"}\n", 0);
      fclose(f);
    }
    err[0] = '\0';
    CHECK(jrn_open(&j, d2, 0, NULL, err, sizeof err) < 0 &&
            strstr(err, "record 0 (line 1) is damaged: prev of the first record is not 64 zeros") != NULL,
          "a prev that is a number is refused as before: %s", err);
    jrn_close(&j);
  }
}

int main(void) {
  const char *tmp = getenv("TMPDIR");
  snprintf(base, sizeof base, "%s/rbk-jsonscan-test.XXXXXX", tmp && *tmp ? tmp : "/tmp");
  test_cases();
  test_mutations();
  test_member_raw();
  if (!mkdtemp(base)) {
    perror("mkdtemp");
    return 1;
  }
  test_lazy_records();
  nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
  UNIT_DONE();
}
