/*
** inventory_test.c -- the inventory readers (base/inventory.h): Ansible
** INI groups, children, vars and their precedence, ranges, ports, the
** implicit all and ungrouped; plain host lists; and the located errors.
*/
#include <stdlib.h>

#include "../../base/inventory.h"
#include "../../base/mem.h"
#include "unit.h"

static Source src;
static Inventory inv;
static Diags d;
static char msgs[2000];

/* load reads text as an INI inventory (ini) or a list; 0 or -1. The
** first diagnostic's "line:col: message" goes to msgs. */
static int load(const char *text, int ini) {
  int rc;
  src_from_string(&src, "inv.ini", text, strlen(text));
  diag_init(&d);
  rc = ini ? inv_read_ini(&inv, &src, &d) : inv_read_list(&inv, &src, &d);
  msgs[0] = '\0';
  if (d.n) {
    int line = 0, col = 0;
    if (d.v[0].src) src_linecol(d.v[0].src, d.v[0].pos, &line, &col);
    snprintf(msgs, sizeof msgs, "%d:%d: %s | %s", line, col, d.v[0].msg, d.v[0].hint ? d.v[0].hint : "");
  }
  return rc;
}

static void done(void) {
  inv_free(&inv);
  diag_free(&d);
  src_free(&src);
}

/* names: the hosts of group as "a b c", or "ERROR line:col: msg | hint" */
static const char *names(const char *group) {
  static char out[4000];
  InvEntry *e;
  size_t n, i;
  size_t before = d.n;
  out[0] = '\0';
  if (inv_select(&inv, group, &e, &n, &d) != 0) {
    int line = 0, col = 0;
    const Diag *dg = &d.v[before];
    if (dg->src) src_linecol(dg->src, dg->pos, &line, &col);
    snprintf(out, sizeof out, "ERROR %d:%d: %s | %s", line, col, dg->msg, dg->hint ? dg->hint : "");
    return out;
  }
  for (i = 0; i < n; i++) {
    strcat(out, i ? " " : "");
    strcat(out, e[i].name);
  }
  inv_entries_free(e, n);
  return out;
}

/* host: one host of group as "name address port user k=v,k=v" */
static const char *host(const char *group, const char *name) {
  static char out[2000];
  InvEntry *e;
  size_t n, i, k;
  strcpy(out, "(none)");
  if (inv_select(&inv, group, &e, &n, &d) != 0) return "ERROR";
  for (i = 0; i < n; i++) {
    if (strcmp(e[i].name, name) != 0) continue;
    snprintf(out, sizeof out, "%s %s %d %s ", e[i].name, e[i].address, e[i].port, e[i].user ? e[i].user : "-");
    for (k = 0; k < e[i].vars.n; k++) {
      strcat(out, k ? "," : "");
      strcat(out, e[i].vars.v[k].key);
      strcat(out, "=");
      strcat(out, e[i].vars.v[k].val);
    }
  }
  inv_entries_free(e, n);
  return out;
}

static void bad(const char *text, const char *want, const char *what) {
  int rc = load(text, 1);
  CHECK(rc == -1 && strstr(msgs, want), "refused: %s (%s)", what, msgs);
  done();
}

int main(void) {
  const char *ini =
      "# an inventory\n"
      "h0\n"
      "[web]\n"
      "web[01:03].example.com ansible_user=deploy tier=\"front end\"\n"
      "h2:2222   # a port after the name\n"
      "  ; a comment too\n"
      "\n"
      "[db]\n"
      "db[a:c] ansible_host=10.0.0.9\n"
      "h2\n"
      "[web:vars]\n"
      "tier = frontend  # comment\n"
      "color='blue sky'\n"
      "[fleet:children]\n"
      "web\n"
      "db\n"
      "[fleet:vars]\n"
      "tier=fleet\n"
      "env=prod\n"
      "[all:vars]\n"
      "env=none\n"
      "region=eu\n"
      "[web]\n"
      "web9 ansible_port=22\n";
  CHECK(load(ini, 1) == 0, "a full inventory reads (%s)", msgs);
  CHECK_STREQ(names("web"), "web01.example.com web02.example.com web03.example.com h2 web9", "web: file order, range expanded, a repeated section adds");
  CHECK_STREQ(names("db"), "h2 dba dbb dbc", "db: h2 (first seen in web) comes first: file order");
  CHECK_STREQ(names("fleet"), "web01.example.com web02.example.com web03.example.com h2 dba dbb dbc web9",
              "fleet: its children's hosts, each once, in file order");
  CHECK_STREQ(names("all"), "h0 web01.example.com web02.example.com web03.example.com h2 dba dbb dbc web9", "all: every host");
  CHECK_STREQ(names("ungrouped"), "h0", "ungrouped: the host in no group");
  CHECK_STREQ(host("web", "web02.example.com"), "web02.example.com web02.example.com 0 deploy env=prod,region=eu,tier=front end,color=blue sky",
              "host vars over web's over fleet's over all's; ansible_user taken out");
  CHECK_STREQ(host("web", "h2"), "h2 h2 2222 - env=prod,region=eu,tier=frontend,color=blue sky", "name:port sets the port; web's vars");
  CHECK_STREQ(host("db", "dbb"), "dbb 10.0.0.9 0 - env=prod,region=eu,tier=fleet", "ansible_host is the address; fleet's vars");
  CHECK_STREQ(host("all", "h0"), "h0 h0 0 - env=none,region=eu", "an ungrouped host has all's vars");
  CHECK_STREQ(host("web", "web9"), "web9 web9 22 - env=prod,region=eu,tier=frontend,color=blue sky", "ansible_port");
  CHECK(strstr(names("wbe"), "ERROR 0:0: no group 'wbe'") && strstr(names("wbe"), "did you mean 'web'?"),
        "an unknown group: the groups there are, and the nearest (%s)", names("wbe"));
  CHECK(strstr(names("nothing"), "the groups are: all, ungrouped, web, db, fleet"), "the hint lists the groups");
  done();

  /* precedence at equal depth: ansible_group_priority, then the name */
  CHECK(load("[a]\nh1\n[b]\nh1\n[a:vars]\nx=from_a\n[b:vars]\nx=from_b\n", 1) == 0, "two groups of one depth");
  CHECK_STREQ(host("all", "h1"), "h1 h1 0 - x=from_b", "the later name wins at equal depth (b over a)");
  done();
  CHECK(load("[a]\nh1\n[b]\nh1\n[a:vars]\nx=from_a\nansible_group_priority=10\n[b:vars]\nx=from_b\n", 1) == 0, "with a priority");
  CHECK(strstr(host("all", "h1"), "x=from_a"), "ansible_group_priority 10 wins over the name (%s)", host("all", "h1"));
  done();
  /* deeper groups win over shallower ones whatever their names */
  CHECK(load("[z:children]\na\n[a]\nh1\n[z:vars]\nx=z\n[a:vars]\nx=a\n", 1) == 0, "a child and its parent");
  CHECK_STREQ(host("z", "h1"), "h1 h1 0 - x=a", "the child's var wins over the parent's");
  done();

  /* ranges */
  CHECK(load("[r]\nn[8:11]\nz[a:c]x\nm[0:6:3]\nq[01:02]-[a:b]\n", 1) == 0, "ranges read");
  CHECK_STREQ(names("r"), "n8 n9 n10 n11 zax zbx zcx m0 m3 m6 q01-a q01-b q02-a q02-b", "numbers, letters, steps, two ranges in one name");
  done();

  /* user@host names */
  CHECK(load("[u]\nops@web1\n", 1) == 0, "a user@host name");
  CHECK_STREQ(host("u", "ops@web1"), "ops@web1 web1 0 ops ", "its user and address");
  done();

  /* plain lists */
  CHECK(load("# hosts\nweb1\n\n  web2   # the second\nops@10.0.0.3\nweb1\n", 0) == 0, "a hosts file reads");
  CHECK_STREQ(names("all"), "web1 web2 ops@10.0.0.3", "one a line, comments and blanks skipped, duplicates once");
  CHECK_STREQ(host("all", "ops@10.0.0.3"), "ops@10.0.0.3 10.0.0.3 0 ops ", "user@host in a list");
  done();
  CHECK(load("web1 web2\n", 0) == -1 && strstr(msgs, "1:6: one host a line"), "a list: two on a line (%s)", msgs);
  done();
  CHECK(load("ok\n$(reboot)\n", 0) == -1 && strstr(msgs, "2:1: '$(reboot)' is not a host name") && strstr(msgs, "metacharacter"),
        "a list: a hostile name, located (%s)", msgs);
  done();
  CHECK(load("", 0) == 0 && strcmp(names("all"), "") == 0, "an empty list is no hosts");
  done();

  /* errors, located */
  bad("[web]\nh1 foo\n", "2:4: expected key=value after the host, not 'foo'", "a word that is not key=value");
  bad("[web]\n-oProxyCommand=x\n", "2:1: '-oProxyCommand=x' is not a host name", "a leading '-'");
  bad("[web]\nh1;reboot\n", "2:1: 'h1;reboot' is not a host name", "a metacharacter");
  bad("[web]\nh1 x=\"open\n", "2:6: this quote (\") is never closed", "an unclosed quote");
  bad("[web\nh1\n", "1:1: this section header has no closing ']'", "an unclosed header");
  bad("[web:stuff]\n", "1:6: unknown kind of section ':stuff'", "an unknown section kind");
  bad("[we b]\n", "1:2: not a group name", "a bad group name");
  bad("[web] junk\n", "1:7: text after the section header", "text after a header");
  bad("[web:vars]\njust words\n", "2:1: expected key=value in a [web:vars] section", "a vars line without '='");
  bad("[web:vars]\n9x=1\n", "2:1: not a variable name in [web:vars]", "a bad var name");
  bad("[web:vars]\nx=\"a\" b\n", "2:7: text after the quoted value", "text after a quoted value");
  bad("[web:children]\ndb extra\n", "2:1: expected a group name in [web:children]", "two words in children");
  bad("[web:children]\nall\n", "2:1: 'all' cannot be a child of 'web'", "all as a child");
  bad("[a:children]\nb\n[b:children]\nc\n[c:children]\na\n", "6:1: group 'a' would contain itself: a -> b -> c -> a", "a cycle of three");
  bad("[a:children]\na\n", "2:1: group 'a' would contain itself: a -> a", "a group its own child");
  bad("[r]\nn[3:1]\n", "2:1: bad host pattern 'n[3:1]' | a host range runs from START up to END", "a backward range");
  bad("[r]\nn[1:x]\n", "host range is of numbers", "a mixed range");
  bad("[r]\nn[01:100]\n", "one width", "zero padding of two widths");
  bad("[r]\nn[1:3:0]\n", "step of a host range", "a zero step");
  bad("[r]\nn[1:3\n", "without its ']'", "an open range");
  bad("[r]\nn[0:999999]\n", "at most 100000 hosts", "a range too large");
  bad("[r:vars]\nansible_group_priority=high\n", "2:1: ansible_group_priority must be a whole number", "a bad priority");

  /* bad connection vars: refused when the hosts are selected, where they were set */
  CHECK(load("[w]\nh1 ansible_port=99999\nh2\n[w:vars]\nansible_user=-x\n", 1) == 0, "connection vars are read as text");
  CHECK(strstr(names("w"), "ERROR 2:4: ansible_port '99999' is not a port"), "a bad port, located (%s)", names("w"));
  done();
  CHECK(load("[w]\nh2\n[w:vars]\nansible_user=-x\n", 1) == 0, "a bad user in a group's vars");
  CHECK(strstr(names("w"), "ERROR 4:1: ansible_user '-x' is not a user name"), "a bad user, located (%s)", names("w"));
  done();
  CHECK(load("[w]\nh3 ansible_host='a b'\n", 1) == 0, "a bad address");
  CHECK(strstr(names("w"), "ERROR 2:4: ansible_host 'a b' is not a host address") && strstr(names("w"), "white space"),
        "a bad address, located (%s)", names("w"));
  done();

  /* several errors are all reported */
  CHECK(load("[web]\nh1 foo\n[x:y]\n[db]\n-h\n", 1) == -1 && d.errors == 3, "three bad lines: three errors (%d)", d.errors);
  done();
  UNIT_DONE();
}
