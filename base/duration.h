/*
** duration.h -- the one way rbk writes a duration, for people and for JSON.
**
** Every command and document (status, runs, log, report, plan, watch, the
** REPL, run's progress lines) writes a duration with dur_format, so one
** page never shows "102 min" next to "1h42m" or "0.0s" next to "16ms":
**
**   0s  250ms  2.1ms  7.311s  45s  1m30s  1h42m  2d3h
**
** Under a second: milliseconds (one decimal below 10ms); under a minute:
** seconds to the millisecond; from a minute on: whole seconds in d/h/m/s.
**
** Every JSON document writes durations with dur_json: seconds as a number,
** rounded to the millisecond ("0.003", never "0.003000000000000001").
*/
#ifndef RBK_DURATION_H
#define RBK_DURATION_H

#include "buf.h"

/* dur_format appends secs as people read it (above); a negative duration
** gets a '-', NaN is "nan". */
void dur_format(Buf *b, double secs);

/* dur_round returns secs rounded to the millisecond. */
double dur_round(double secs);

/* dur_json appends secs rounded to the millisecond as the shortest JSON
** number that reads back to that value. */
void dur_json(Buf *b, double secs);

#endif
