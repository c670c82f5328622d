/* base/utctime.c -- the current UTC time as RFC 3339 text. */
#include "utctime.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

void utc_now(char out[UTC_STAMP_MAX]) {
  /* the text up to the second, kept per thread: a run writes many records a second */
  static _Thread_local time_t last = -1;
  static _Thread_local char head[UTC_STAMP_MAX];
  struct timespec ts;
  struct tm tm;
  long ms;
  if (clock_gettime(CLOCK_REALTIME, &ts) < 0) {
    ts.tv_sec = time(NULL);
    ts.tv_nsec = 0;
  }
  ms = ts.tv_nsec / 1000000;
  if (ts.tv_sec != last || last == -1) {
    /* the format has four digits of year; a clock outside them says 1970 */
    if (!gmtime_r(&ts.tv_sec, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0) {
      memset(&tm, 0, sizeof tm);
      tm.tm_year = 70;
      tm.tm_mday = 1;
      ms = 0;
      last = -1;
    } else {
      last = ts.tv_sec;
    }
    snprintf(head, sizeof head, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
  }
  memcpy(out, head, 19);
  out[19] = '.';
  out[20] = (char)('0' + ms / 100);
  out[21] = (char)('0' + ms / 10 % 10);
  out[22] = (char)('0' + ms % 10);
  out[23] = 'Z';
  out[24] = '\0';
}
