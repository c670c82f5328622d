/*
** hostname.c -- the host names rbk hands to ssh (hostname.h says exactly
** which are accepted). Called by the inventory readers and the fleet
** runtime.
*/
#include "hostname.h"

#include <arpa/inet.h>
#include <string.h>

#define HOST_MAX 300   /* user, '@' and the longest DNS name, with room */

static int say(const char **why, const char *text) {
  if (why) *why = text;
  return 0;
}

static int is_alnum(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

/* first_bad says what is wrong with the first unsafe byte of s[0..n), or
** NULL if there is none (the shape is checked after). */
static const char *first_bad(const char *s, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') return "it holds white space";
    if (c < 0x20 || c == 0x7f) return "it holds a control character";
    if (c >= 0x80) return "it holds a byte that is not ASCII (write an internationalised name in its xn-- form)";
    if (strchr("|&;<>()$`\\\"'*?~#=!{},^", c)) return "it holds a shell metacharacter";
  }
  return NULL;
}

static int user_ok(const char *s, size_t n, const char **why) {
  size_t i;
  if (n == 0) return say(why, "the user before '@' is empty");
  if (n > 32) return say(why, "the user before '@' is longer than 32 characters");
  if (s[0] == '-') return say(why, "the user starts with '-' (ssh would read it as an option)");
  for (i = 0; i < n; i++)
    if (!is_alnum((unsigned char)s[i]) && !strchr("._-", s[i]))
      return say(why, "the user may hold only letters, digits, '.', '_' and '-'");
  return 1;
}

static int ipv6_ok(const char *s, size_t n, const char **why) {
  char a[64];
  unsigned char bin[16];
  size_t k = 0, z;
  if (n < 3 || s[n - 1] != ']') return say(why, "an IPv6 address in brackets must end with ']'");
  s++, n -= 2;   /* inside the brackets */
  while (k < n && s[k] != '%') k++;
  if (k == 0 || k >= sizeof a) return say(why, "the brackets hold no IPv6 address");
  memcpy(a, s, k);
  a[k] = '\0';
  if (inet_pton(AF_INET6, a, bin) != 1) return say(why, "the brackets hold no valid IPv6 address");
  if (k < n) {   /* %zone */
    if (k + 1 == n) return say(why, "the IPv6 zone after '%' is empty");
    for (z = k + 1; z < n; z++)
      if (!is_alnum((unsigned char)s[z]) && !strchr("_.-", s[z]))
        return say(why, "the IPv6 zone may hold only letters, digits, '_', '.' and '-'");
  }
  return 1;
}

static int dns_ok(const char *s, size_t n, const char **why) {
  size_t i, label = 0, digits_dots = 1;
  char a[32];
  unsigned char bin[4];
  if (n > 254 || (n == 254 && s[253] != '.')) return say(why, "the name is longer than 253 characters");
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '.') {
      if (label == 0) return say(why, i == 0 ? "it starts with '.'" : "it has an empty label ('..')");
      if (s[i - 1] == '-') return say(why, "a label ends with '-'");
      label = 0;
      continue;
    }
    if (c == ':') return say(why, "it holds ':' (a port goes in ansible_port or ssh_config; an IPv6 address in brackets: [::1])");
    if (c == '[' || c == ']') return say(why, "brackets belong only around an IPv6 address ([::1])");
    if (c == '/' ) return say(why, "it holds '/'");
    if (c == '@') return say(why, "it holds more than one '@'");
    if (!is_alnum(c) && c != '_' && c != '-') return say(why, "a host name may hold only letters, digits, '.', '_' and '-'");
    if (c == '-' && label == 0) return say(why, "a label starts with '-'");
    if (!(c >= '0' && c <= '9')) digits_dots = 0;
    if (++label > 63) return say(why, "a label is longer than 63 characters");
  }
  if (label == 0 && n > 0 && s[n - 1] == '.' && n > 1 && s[n - 2] == '.') return say(why, "it has an empty label ('..')");
  if (n > 0 && s[n - 1] == '-') return say(why, "a label ends with '-'");
  if (digits_dots) {   /* only digits and dots: an IPv4 address, or nothing */
    if (n >= sizeof a || (memcpy(a, s, n), a[n] = '\0', inet_pton(AF_INET, a, bin) != 1))
      return say(why, "it looks like an IPv4 address but is not one (four numbers 0-255, no leading zeros)");
  }
  return 1;
}

int host_user_ok(const char *s, const char **why) {
  const char *bad;
  if (!s || !*s) return say(why, "the user is empty");
  if ((bad = first_bad(s, strlen(s))) != NULL) return say(why, bad);
  return user_ok(s, strlen(s), why);
}

int host_name_ok(const char *s, const char **why) {
  size_t n;
  const char *at, *bad;
  if (!s || !*s) return say(why, "it is empty");
  if (s[0] == '-') return say(why, "it starts with '-' (ssh would read it as an option)");
  n = strlen(s);
  if (n > HOST_MAX) return say(why, "it is longer than 300 characters");
  if ((bad = first_bad(s, n)) != NULL) return say(why, bad);
  at = strchr(s, '@');
  if (at) {
    if (!user_ok(s, (size_t)(at - s), why)) return 0;
    s = at + 1;
    n = strlen(s);
    if (n == 0) return say(why, "nothing follows '@'");
    if (s[0] == '-') return say(why, "the host starts with '-' (ssh would read it as an option)");
  }
  if (s[0] == '[') return ipv6_ok(s, n, why);
  if (strchr(s, ':')) {
    const char *colon = strchr(s, ':');
    if (strchr(colon + 1, ':')) return say(why, "an IPv6 address goes in brackets: [::1]");
  }
  return dns_ok(s, n, why);
}
