/*
** hostname.h -- is this text safe and sane as a host to hand to ssh?
** Used by the inventory readers (base/inventory.c) and the fleet runtime
** before anything connects.
**
** host_name_ok accepts exactly:
**   [USER@]HOST
** where USER (optional) is 1-32 of A-Z a-z 0-9 . _ - not starting with
** '-', and HOST is one of
**   - a DNS name or an ssh_config alias: labels of 1-63 of A-Z a-z 0-9 _ -
**     that neither start nor end with '-', joined by single dots, an
**     optional final dot, at most 253 bytes ("h1", "web01.example.com.");
**     a name made only of digits and dots must be an IPv4 address;
**   - an IPv4 address in dotted-quad form ("127.0.0.2"; each part 0-255,
**     no leading zeros, as inet_pton reads it);
**   - an IPv6 address in brackets ("[::1]", "[fe80::1%eth0]"), as
**     inet_pton reads it, with an optional %ZONE of A-Z a-z 0-9 _ . -.
** Everything else is refused, among it: the empty string, a leading '-'
** (ssh would read it as an option), white space, control characters,
** shell metacharacters (| & ; < > ( ) $ ` \ " ' * ? ~ # = % ! { } , ^ and
** brackets outside the IPv6 form), a bare IPv6 address, a port (":22"),
** non-ASCII bytes, and a text longer than 300 bytes.
*/
#ifndef RBK_HOSTNAME_H
#define RBK_HOSTNAME_H

/* host_name_ok returns 1 if s is accepted, else 0 with *why (if why is not
** NULL) set to a static sentence saying what is wrong ("it starts with
** '-' (ssh would read it as an option)"). */
int host_name_ok(const char *s, const char **why);

/* host_user_ok checks a user name alone (USER above): 1, or 0 and *why. */
int host_user_ok(const char *s, const char **why);

#endif
