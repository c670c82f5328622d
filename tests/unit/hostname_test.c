/*
** hostname_test.c -- host_name_ok and host_user_ok (base/hostname.h):
** what a fleet may hand to ssh, and the reason for what it may not.
*/
#include "../../base/hostname.h"
#include "unit.h"

static void yes(const char *s) {
  const char *why = "(none)";
  CHECK(host_name_ok(s, &why) == 1, "accepted: \"%s\"%s%s", s, host_name_ok(s, NULL) ? "" : " -- ", host_name_ok(s, NULL) ? "" : why);
}

/* shown: s with control characters as '?', for the TAP line */
static const char *shown(const char *s) {
  static char b[400];
  size_t i;
  for (i = 0; s[i] && i < sizeof b - 1; i++) b[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
  b[i] = '\0';
  return b;
}

/* no: refused, and the reason holds want */
static void no(const char *s, const char *want) {
  const char *why = NULL;
  int r = host_name_ok(s, &why);
  CHECK(r == 0 && why && strstr(why, want), "refused: \"%s\" (%s)", shown(s), why ? why : "no reason");
}

int main(void) {
  char long_label[80], long_name[320];
  size_t i;
  yes("h1");
  yes("web01.example.com");
  yes("web01.example.com.");
  yes("db_2");
  yes("a-b.c-d");
  yes("127.0.0.2");
  yes("10.0.0.255");
  yes("[::1]");
  yes("[2001:db8::5]");
  yes("[fe80::1%eth0]");
  yes("[::ffff:127.0.0.1]");
  yes("deploy@web1");
  yes("ops.user-1@10.0.0.1");
  yes("root@[::1]");
  yes("xn--bcher-kva.example");
  yes("1host");

  no("", "empty");
  no("-oProxyCommand=touch_pwned", "starts with '-'");
  no("-h1", "option");
  no("web 1", "white space");
  no("web\t1", "white space");
  no("web1\n", "white space");
  no("web\0011", "control character");
  no("web\x7f", "control character");
  no("web1;reboot", "shell metacharacter");
  no("$(reboot)", "shell metacharacter");
  no("`id`", "shell metacharacter");
  no("a|b", "shell metacharacter");
  no("a&b", "shell metacharacter");
  no("a>b", "shell metacharacter");
  no("a'b", "shell metacharacter");
  no("a\"b", "shell metacharacter");
  no("a\\b", "shell metacharacter");
  no("web*", "shell metacharacter");
  no("web?", "shell metacharacter");
  no("~root", "shell metacharacter");
  no("a=b", "shell metacharacter");
  no("a{1,2}", "shell metacharacter");
  no("web#1", "shell metacharacter");
  no("b\xc3\xbc" "cher.example", "not ASCII");
  no("::1", "brackets");
  no("web1:22", "':'");
  no("[::1", "end with ']'");
  no("[nothost]", "no valid IPv6");
  no("[]", "IPv6");
  no("[::1%]", "zone");
  no("[::1%a/b]", "zone");
  no("web[1]", "brackets");
  no("a..b", "empty label");
  no(".a", "starts with '.'");
  no("a-.b", "ends with '-'");
  no("a.-b", "starts with '-'");
  no("web-", "ends with '-'");
  no("a/b", "'/'");
  no("a+b", "only letters");
  no("256.1.1.1", "IPv4");
  no("1.2.3", "IPv4");
  no("01.2.3.4", "IPv4");
  no("@web1", "user before '@' is empty");
  no("web1@", "nothing follows");
  no("a@b@c", "more than one '@'");
  no("-u@web1", "starts with '-'");
  no("u@-web1", "host starts with '-'");
  no("u!x@web1", "shell metacharacter");
  no("u.x+y@web1", "user may hold only");
  for (i = 0; i < 64; i++) long_label[i] = 'a';
  long_label[64] = '\0';
  no(long_label, "longer than 63");
  for (i = 0; i < 259; i++) long_name[i] = i % 50 == 49 ? '.' : 'a';
  long_name[259] = '\0';
  no(long_name, "longer than 253");
  for (i = 0; i < 301; i++) long_name[i] = 'a';
  long_name[301] = '\0';
  no(long_name, "longer than 300");

  {
    const char *why = NULL;
    CHECK(host_name_ok("h1", NULL) == 1 && host_name_ok("-x", NULL) == 0, "why may be NULL");
    CHECK(host_user_ok("deploy", &why) == 1, "host_user_ok: deploy");
    CHECK(host_user_ok("-l", &why) == 0 && strstr(why, "'-'"), "host_user_ok: -l refused (%s)", why);
    CHECK(host_user_ok("a b", &why) == 0 && strstr(why, "white space"), "host_user_ok: white space refused");
    CHECK(host_user_ok("", &why) == 0, "host_user_ok: empty refused");
  }
  UNIT_DONE();
}
