/*
** duration.c -- the one duration formatter (duration.h).
*/
#include <math.h>

#include "duration.h"
#include "json.h"

/* num appends n without trailing zeros: 7.311, 45, 2.1 */
static void num(Buf *b, double n) {
  if (n == floor(n) && fabs(n) < 1e15) buf_printf(b, "%.0f", n);
  else buf_printf(b, "%.14g", n);
}

void dur_format(Buf *b, double s) {
  double whole;
  /* Loaders and parsers refuse NaN; should one arrive all the same, it must
  ** not reach the (long) conversion below, which is undefined for it. */
  if (isnan(s)) {
    buf_puts(b, "nan");
    return;
  }
  if (s < 0) {
    buf_putc(b, '-');
    s = -s;
  }
  if (isinf(s)) { buf_puts(b, "inf"); return; }
  if (s == 0) { buf_puts(b, "0s"); return; }
  if (s < 1) { num(b, round(s * 1e4) / 10); buf_puts(b, "ms"); return; }   /* 2.1ms */
  whole = floor(s);
  if (s >= 1e15) { num(b, s); buf_putc(b, 's'); return; }
  if (whole != s && s < 60) { num(b, round(s * 1000) / 1000); buf_putc(b, 's'); return; }   /* 1.234s */
  if (whole != s) s = whole = floor(s + 0.5);   /* a minute or more: whole seconds */
  {
    long t = (long)whole, d = t / 86400, h = t % 86400 / 3600, m = t % 3600 / 60, sec = t % 60;
    if (d) buf_printf(b, "%ldd", d);
    if (h) buf_printf(b, "%ldh", h);
    if (m) buf_printf(b, "%ldm", m);
    if (sec) buf_printf(b, "%lds", sec);
  }
}

double dur_round(double secs) {
  double r;
  if (!isfinite(secs) || fabs(secs) >= 1e12) return secs;
  r = round(secs * 1000) / 1000;
  return r == 0 ? 0 : r;   /* no -0 */
}

void dur_json(Buf *b, double secs) {
  json_put_num(b, dur_round(secs));
}
