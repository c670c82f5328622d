/*
** unit.h -- a tiny TAP-producing harness for rbk's C unit tests.
** Each test binary prints "ok N - what" or "not ok N - what" per check,
** then "1..N"; tests/run.sh counts the lines. Exit status is 1 if any
** check failed, so a crash (no plan line, signal exit) is also a failure.
*/
#ifndef RBK_UNIT_H
#define RBK_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_n, unit_failed;

/* CHECK(cond, fmt, ...) records one assertion; the message names it. */
#define CHECK(cond, ...) do {                                            \
    int ok_ = !!(cond);                                                  \
    ++unit_n;                                                            \
    if (ok_) { printf("ok %d - ", unit_n); }                             \
    else { ++unit_failed; printf("not ok %d - ", unit_n); }              \
    printf(__VA_ARGS__);                                                 \
    if (!ok_) printf("  [%s:%d: %s]", __FILE__, __LINE__, #cond);        \
    putchar('\n'); fflush(stdout);                                       \
  } while (0)

#define CHECK_STREQ(a, b, ...) do {                                      \
    const char *a_ = (a), *b_ = (b);                                     \
    int eq_ = a_ && b_ && strcmp(a_, b_) == 0;                           \
    CHECK(eq_, __VA_ARGS__);                                             \
    if (!eq_) printf("#   got:      \"%s\"\n#   expected: \"%s\"\n",    \
                     a_ ? a_ : "(null)", b_ ? b_ : "(null)");            \
  } while (0)

/* UNIT_DONE() ends main(): prints the TAP plan and returns the status. */
#define UNIT_DONE() do { printf("1..%d\n", unit_n);                      \
    return unit_failed ? 1 : 0; } while (0)

#endif
