/*
** duration_test.c -- unit tests for base/duration.c, the one duration
** formatter: the forms people read (dur_format) and the seconds every JSON
** document writes (dur_json, rounded to the millisecond).
*/
#include "../../base/duration.h"
#include "../../base/buf.h"
#include "unit.h"

#include <math.h>

static void fmt(double secs, const char *want, const char *what) {
  Buf b = BUF_INIT;
  dur_format(&b, secs);
  CHECK_STREQ(buf_cstr(&b), want, "dur_format(%.17g) is %s: %s", secs, want, what);
  buf_free(&b);
}

static void js(double secs, const char *want, const char *what) {
  Buf b = BUF_INIT;
  dur_json(&b, secs);
  CHECK_STREQ(buf_cstr(&b), want, "dur_json(%.17g) is %s: %s", secs, want, what);
  buf_free(&b);
}

int main(void) {
  fmt(0, "0s", "nothing is 0s, not 0.0s");
  fmt(0.016, "16ms", "under a second: milliseconds");
  fmt(0.0021, "2.1ms", "under 10ms: a tenth of a millisecond");
  fmt(0.25, "250ms", "a quarter second");
  fmt(7.311, "7.311s", "under a minute: seconds to the millisecond");
  fmt(7.3114999, "7.311s", "rounded to the millisecond");
  fmt(45, "45s", "whole seconds without decimals");
  fmt(90, "1m30s", "a minute and more: d/h/m/s");
  fmt(102 * 60, "1h42m", "102 minutes is 1h42m, never '102 min'");
  fmt(4 * 3600, "4h", "a 4 hour window");
  fmt(2 * 86400 + 3 * 3600, "2d3h", "days");
  fmt(125.6, "2m6s", "from a minute on: whole seconds");
  fmt(-5, "-5s", "a negative duration keeps its sign");
  fmt(NAN, "nan", "NaN says so, and does not crash");
  js(0.003000000000000001, "0.003", "JSON: rounded to the millisecond");
  js(70.30000000000001, "70.3", "JSON: 70.3, not 70.30000000000001");
  js(359.90000000000055, "359.9", "JSON: 359.9");
  js(0, "0", "JSON: zero");
  js(-0.0001, "0", "JSON: no -0");
  js(6120, "6120", "JSON: whole seconds as integers");
  js(0.0004, "0", "JSON: under half a millisecond is 0");
  js(0.0005, "0.001", "JSON: half a millisecond rounds up");
  CHECK(dur_round(1.23456) == 1.235, "dur_round(1.23456) is 1.235");
  UNIT_DONE();
}
