/* base/utctime.c -- the current UTC time as RFC 3339 text. */
#include "utctime.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

void utc_now(char out[UTC_STAMP_MAX]) {
  struct timespec ts;
  struct tm tm;
  long ms;
  if (clock_gettime(CLOCK_REALTIME, &ts) < 0) {
    ts.tv_sec = time(NULL);
    ts.tv_nsec = 0;
  }
  ms = ts.tv_nsec / 1000000;
  /* the format has four digits of year; a clock outside them says 1970 */
  if (!gmtime_r(&ts.tv_sec, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0) {
    memset(&tm, 0, sizeof tm);
    tm.tm_year = 70;
    tm.tm_mday = 1;
    ms = 0;
  }
  snprintf(out, UTC_STAMP_MAX, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
           tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)ms);
}
