/*
** utctime_test.c -- utc_now (base/utctime.h): the one time format of the
** journal, the event stream and --timestamps, read back with strptime and
** compared with the clock around the call.
*/
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
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

/* clock_s is the clock utc_now reads, in whole seconds (time() may read a
** coarser clock that lags it by a tick) */
static time_t clock_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec;
}

int main(void) {
  char s[UTC_STAMP_MAX];
  struct tm tm;
  time_t before, after, t;
  int k, all = 1;

  before = clock_s();
  utc_now(s);
  after = clock_s();
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
  {
    /* the text up to the second is kept between calls: across a change of
    ** second (about 1.2 s of calls) each stamp is still the clock's own
    ** second and never goes back */
    char prev[UTC_STAMP_MAX] = "";
    struct timespec start, now;
    int bad = 0, seconds = 0;
    clock_gettime(CLOCK_REALTIME, &start);
    do {
      time_t lo = clock_s(), hi;
      utc_now(s);
      hi = clock_s();
      memset(&tm, 0, sizeof tm);
      if (!shape_ok(s) || !strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) bad++;
      t = timegm(&tm);
      if (t < lo || t > hi || strcmp(s, prev) < 0) bad++;
      if (prev[0] && strncmp(s, prev, 19) != 0) seconds++;
      memcpy(prev, s, sizeof prev);
      clock_gettime(CLOCK_REALTIME, &now);
    } while ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 < 1200);
    CHECK(bad == 0, "stamps made across a change of second are each the clock's second (%d wrong)", bad);
    CHECK(seconds >= 1, "the second changed while calling (%d changes)", seconds);
  }
  UNIT_DONE();
}
