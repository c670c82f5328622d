/*
** valmap_test.c -- map values (vm/value.h: the host of a fleet is one):
** building, looking up, comparing, showing, and the journal's JSON codec
** (vm/valjson.h) reading back exactly what it wrote.
*/
#include <math.h>
#include <stdlib.h>

#include "../../base/mem.h"
#include "../../vm/valjson.h"
#include "../../vm/value.h"
#include "unit.h"

/* host builds {name, address, port, user, vars: {tier}} */
static Value host(const char *name, double port, const char *tier) {
  Value vars[2], kv[10];
  vars[0] = val_cstr_new("tier");
  vars[1] = val_cstr_new(tier);
  kv[0] = val_cstr_new("name"), kv[1] = val_cstr_new(name);
  kv[2] = val_cstr_new("address"), kv[3] = val_cstr_new("127.0.0.2");
  kv[4] = val_cstr_new("port"), kv[5] = port > 0 ? val_num(port) : val_nil();
  kv[6] = val_cstr_new("user"), kv[7] = val_nil();
  kv[8] = val_cstr_new("vars"), kv[9] = val_map_new(vars, 1);
  return val_map_new(kv, 5);
}

static int round_trips(const Value *v) {
  Buf b = BUF_INIT;
  char err[200] = "";
  Json *j;
  Value back;
  int same = 0;
  json_put_value(&b, v);
  j = json_parse(buf_cstr(&b), b.n, err, sizeof err);
  if (j && json_to_value(j, &back, err, sizeof err) == 0) {
    same = val_equal(v, &back);
    val_release(back);
  }
  if (!same) printf("#   %s: %s\n", buf_cstr(&b), err);
  json_free(j);
  buf_free(&b);
  return same;
}

static const char *refused(const char *in) {
  static char err[200];
  Json *j = json_parse(in, strlen(in), err, sizeof err);
  Value v;
  err[0] = '\0';
  if (!j) return "not JSON";
  if (json_to_value(j, &v, err, sizeof err) == 0) {
    val_release(v);
    json_free(j);
    return NULL;
  }
  json_free(j);
  return err;
}

int main(void) {
  Value h = host("h1", 2222, "frontend"), h2 = host("h1", 2222, "frontend"), h3 = host("h1", 0, "db");
  const Value *x;
  Buf b = BUF_INIT;
  Value kv[4];

  CHECK(h.t == V_MAP && AS_MAP(h)->n == 5, "a map of five keys");
  x = val_map_get(&h, "name");
  CHECK(x && x->t == V_STR && strcmp(AS_STR(*x)->s, "h1") == 0, "name looks up");
  x = val_map_get(&h, "port");
  CHECK(x && x->t == V_NUM && x->u.n == 2222, "port is a number");
  x = val_map_get(&h, "user");
  CHECK(x && x->t == V_NIL, "user is nil, and present");
  CHECK(val_map_get(&h, "nope") == NULL, "a missing key is NULL");
  x = val_map_get(&h, "vars");
  CHECK(x && x->t == V_MAP && val_map_get(x, "tier"), "vars is a map holding tier");
  CHECK(val_equal(&h, &h2), "equal maps are equal");
  CHECK(!val_equal(&h, &h3), "maps differing in a value are not");
  CHECK(val_truthy(&h), "a map is true");
  CHECK_STREQ(val_type_name(&h), "a map", "its type name");
  val_to_buf(&h, &b);
  CHECK_STREQ(buf_cstr(&b), "{name: \"h1\", address: \"127.0.0.2\", port: 2222, user: nil, vars: {tier: \"frontend\"}}",
              "a map shows as {key: value, ...}");
  buf_free(&b);
  CHECK(round_trips(&h), "a host map round-trips through the journal's JSON");
  CHECK(round_trips(&h3), "and one with a nil port");
  json_put_value(&b, &h3);
  CHECK_STREQ(buf_cstr(&b),
              "{\"map\":[[\"name\",\"h1\"],[\"address\",\"127.0.0.2\"],[\"port\",null],[\"user\",null],"
              "[\"vars\",{\"map\":[[\"tier\",\"db\"]]}]]}",
              "its encoding is {\"map\":[[KEY,VALUE],...]} in the map's order");
  buf_free(&b);
  CHECK(json_value_depth(&h) == 6, "json_value_depth of a host is 6 (got %d)", json_value_depth(&h));

  /* a key given twice: the later value, in the first one's place */
  kv[0] = val_cstr_new("a"), kv[1] = val_num(1);
  kv[2] = val_cstr_new("a"), kv[3] = val_num(2);
  {
    Value m = val_map_new(kv, 2);
    x = val_map_get(&m, "a");
    CHECK(AS_MAP(m)->n == 1 && x && x->u.n == 2, "a key given twice keeps the later value");
    val_release(m);
  }
  {
    Value e = val_map_new(NULL, 0), bin[2], m;
    CHECK(round_trips(&e), "the empty map round-trips");
    val_release(e);
    bin[0] = val_str_new("k\xff", 2);
    bin[1] = val_str_new("\xfe", 1);
    m = val_map_new(bin, 1);
    CHECK(round_trips(&m), "a map with non-UTF-8 key and value round-trips");
    val_release(m);
  }
  CHECK(refused("{\"map\":{\"a\":1}}") != NULL, "a map that is not a list of pairs is refused");
  CHECK(refused("{\"map\":[[1,2]]}") != NULL, "a pair whose key is not a string is refused");
  CHECK(refused("{\"map\":[[\"a\",1],[\"a\",2]]}") != NULL, "a key twice in the journal is refused");
  CHECK(refused("{\"map\":[[\"a\"]]}") != NULL, "a pair of one is refused");
  CHECK(refused("{\"map\":[[\"a\",{\"nope\":1}]]}") != NULL, "a bad value inside is refused");
  CHECK(refused("{\"map\":[[\"a\",1],[\"b\",[1,{\"map\":[]}]]]}") == NULL, "maps nest in lists");
  val_release(h);
  val_release(h2);
  val_release(h3);
  UNIT_DONE();
}
