/*
** utctime_test.c -- utc_now (base/utctime.h): the one time format of the
** journal, the event stream and --timestamps, read back with strptime and
** compared with the clock around the call.
*/
#include <ctype.h>
#include <stdlib.h>
#include <time.h>

#include "../../base/utctime.h"
#include "unit.h"

/* shape: "YYYY-MM-DDTHH:MM:SS.mmmZ", digits where digits belong */
static int shape_ok(const char *s) {
  const char *pat = "dddd-dd-ddTdd:dd:dd.dddZ";
  size_t i;
  if (strlen(s) != strlen(pat)) return 0;
  for (i = 0; pat[i]; i++)
    if (pat[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != pat[i]) return 0;
  return 1;
}

int main(void) {
  char s[UTC_STAMP_MAX];
  struct tm tm;
  time_t before, after, t;
  int k, all = 1;

  before = time(NULL);
  utc_now(s);
  after = time(NULL);
  CHECK(shape_ok(s), "utc_now is YYYY-MM-DDTHH:MM:SS.mmmZ: %s", s);
  memset(&tm, 0, sizeof tm);
  CHECK(strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) != NULL, "strptime reads it back");
  t = timegm(&tm);
  CHECK(t >= before && t <= after, "it is the current time in UTC (%ld in [%ld, %ld])", (long)t, (long)before,
        (long)after);
  for (k = 0; k < 1000; k++) {
    utc_now(s);
    if (!shape_ok(s)) all = 0;
  }
  CHECK(all, "a thousand calls keep the shape (milliseconds zero-padded)");
  UNIT_DONE();
}
