/*
** report_gantt.c -- planned against actual for each step of a run, as a
** Gantt chart: inline SVG for the HTML report, a Mermaid gantt block for
** the Markdown one. Planned bars start when the first step actually
** started and follow each other in the runbook's order; actual bars run
** from a step's first start to its last end, as journaled (waiting for
** people included).
*/
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../vm/value.h"
#include "report_render.h"

/* The chart's geometry, in SVG user units. */
#define LABEL_W 230
#define BAR_W 560
#define ROW_H 26
#define TOP 34
#define AXIS_H 28

static const char *state_fill(const char *state) {
  if (strcmp(state, "ok") == 0) return "#2e7d32";
  if (strcmp(state, "recovered") == 0) return "#ef6c00";
  if (strcmp(state, "failed") == 0) return "#c62828";
  if (strcmp(state, "skipped") == 0) return "#9e9e9e";
  return "#f9a825";   /* running, interrupted, waiting */
}

/* span works out the chart's time range: [*origin, *origin + *len]. */
static void span(const Report *r, double *origin, double *len) {
  double end, p = 0;
  size_t i;
  *origin = r->first_step_at;
  end = *origin;
  for (i = 0; i < r->nsteps; i++) {
    const RepStep *s = &r->steps[i];
    if (s->has_plan) p += s->planned;
    if (s->started && s->end_at > end) end = s->end_at;
  }
  if (*origin + p > end) end = *origin + p;
  *len = end - *origin > 0 ? end - *origin : 60;
}

static void svg_text(Buf *b, const char *s, size_t max) {
  Buf t = BUF_INIT;
  size_t i, chars = 0;
  for (i = 0; s[i]; i++) {
    if (((unsigned char)s[i] & 0xC0) != 0x80 && chars++ == max) {
      buf_puts(&t, "\u2026");
      break;
    }
    buf_putc(&t, s[i]);
  }
  dw_html(b, buf_cstr(&t));
  buf_free(&t);
}

static void tick_label(Buf *b, double secs) {
  Buf t = BUF_INIT;
  dw_minutes(&t, secs);
  buf_puts(b, secs == 0 ? "0" : buf_cstr(&t));
  buf_free(&t);
}

void report_gantt_svg(const Report *r, Buf *out) {
  static const double steps[] = {1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400};
  double origin, len, planned_at, tick = steps[0];
  int h = TOP + (int)r->nsteps * ROW_H + AXIS_H, w = LABEL_W + BAR_W + 20;
  size_t i, k;
  span(r, &origin, &len);
  for (k = 0; k < sizeof steps / sizeof *steps; k++) {
    tick = steps[k];
    if (len / tick <= 8) break;
  }
  buf_printf(out,
             "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"gantt\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
             "role=\"img\" aria-label=\"Planned against actual duration of each step\" "
             "font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n",
             w, h, w, h);
  buf_printf(out,
             "<rect x=\"%d\" y=\"8\" width=\"14\" height=\"7\" fill=\"#b0bec5\"/><text x=\"%d\" y=\"15\">planned</text>\n"
             "<rect x=\"%d\" y=\"6\" width=\"14\" height=\"10\" fill=\"#2e7d32\"/><text x=\"%d\" y=\"15\">actual (colour: "
             "how the step ended)</text>\n",
             LABEL_W, LABEL_W + 18, LABEL_W + 80, LABEL_W + 98);
  for (k = 0; tick * (double)k <= len + 1e-9 && k < 100; k++) {
    double x = LABEL_W + tick * (double)k / len * BAR_W;
    buf_printf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e0e0e0\"/>", x, TOP - 4, x,
               h - AXIS_H + 4);
    buf_printf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">", x, h - 8);
    tick_label(out, tick * (double)k);
    buf_puts(out, "</text>\n");
  }
  planned_at = origin;
  for (i = 0; i < r->nsteps; i++) {
    const RepStep *s = &r->steps[i];
    int y = TOP + (int)i * ROW_H;
    Buf t = BUF_INIT;
    buf_printf(out, "<g class=\"step\" data-step=\"");
    dw_html(out, s->name);
    buf_printf(out, "\"><text x=\"0\" y=\"%d\">", y + 16);
    buf_printf(&t, "%d. %s", s->number, s->title);
    svg_text(out, buf_cstr(&t), 32);
    buf_puts(out, "</text>\n");
    if (s->has_plan) {
      double x = LABEL_W + (planned_at - origin) / len * BAR_W, bw = s->planned / len * BAR_W;
      buf_printf(out, "<rect class=\"planned\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"7\" fill=\"#b0bec5\">", x,
                 y + 3, bw < 1.5 ? 1.5 : bw);
      buf_puts(out, "<title>planned ");
      buf_reset(&t);
      dw_minutes(&t, s->planned);
      dw_html(out, buf_cstr(&t));
      buf_puts(out, "</title></rect>\n");
      planned_at += s->planned;
    }
    if (s->started) {
      double x = LABEL_W + (s->start_at - origin) / len * BAR_W, bw = (s->end_at - s->start_at) / len * BAR_W;
      buf_printf(out, "<rect class=\"actual\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"10\" fill=\"%s\">", x, y + 12,
                 bw < 1.5 ? 1.5 : bw, state_fill(s->state));
      buf_puts(out, "<title>actual ");
      buf_reset(&t);
      val_fmt_duration(s->end_at - s->start_at, &t);
      buf_printf(&t, ", %s", s->state);
      dw_html(out, buf_cstr(&t));
      buf_puts(out, "</title></rect>\n");
    }
    buf_puts(out, "</g>\n");
    buf_free(&t);
  }
  buf_puts(out, "</svg>\n");
}

/* mermaid_name writes text usable as a gantt section or task name: no
** ':', '#' or ';', which the gantt syntax reads as structure. */
static void mermaid_name(Buf *b, const char *s) {
  Buf t = BUF_INIT;
  size_t i;
  dw_plain(&t, s);
  for (i = 0; i < t.n; i++) buf_putc(b, strchr(":#;", t.p[i]) ? ' ' : t.p[i]);
  buf_free(&t);
}

static void mermaid_time(Buf *b, long long t0, double at) {
  time_t t = (time_t)((t0 + (long long)llround(at * 1000)) / 1000);
  struct tm tm;
  char s[32];
  if (!gmtime_r(&t, &tm) || strftime(s, sizeof s, "%Y-%m-%d %H:%M:%S", &tm) == 0) snprintf(s, sizeof s, "1970-01-01 00:00:00");
  buf_puts(b, s);
}

void report_gantt_mermaid(const Report *r, Buf *out) {
  long long t0 = 0;
  double origin, len, planned_at;
  size_t i;
  span(r, &origin, &len);
  rr_parse_time(r->started, &t0);
  buf_puts(out, "```mermaid\ngantt\n  title Planned against actual (UTC)\n  dateFormat YYYY-MM-DD HH:mm:ss\n"
                "  axisFormat %H:%M\n");
  planned_at = origin;
  for (i = 0; i < r->nsteps; i++) {
    const RepStep *s = &r->steps[i];
    Buf t = BUF_INIT;
    buf_printf(out, "  section %d ", s->number);
    mermaid_name(out, s->name);
    buf_putc(out, '\n');
    if (s->has_plan) {
      buf_puts(out, "    planned ");
      dw_minutes(&t, s->planned);
      mermaid_name(out, buf_cstr(&t));
      buf_printf(out, " :p%d, ", s->number);
      mermaid_time(out, t0, planned_at);
      buf_puts(out, ", ");
      mermaid_time(out, t0, planned_at + s->planned);
      buf_putc(out, '\n');
      planned_at += s->planned;
    }
    if (s->started) {
      const char *tag = strcmp(s->state, "ok") == 0                                           ? "done, "
                        : strcmp(s->state, "failed") == 0 || strcmp(s->state, "recovered") == 0 ? "crit, done, "
                                                                                              : "active, ";
      buf_reset(&t);
      val_fmt_duration(s->end_at - s->start_at, &t);
      buf_printf(&t, " %s", s->state);
      buf_puts(out, "    actual ");
      mermaid_name(out, buf_cstr(&t));
      buf_printf(out, " :%sa%d, ", tag, s->number);
      mermaid_time(out, t0, s->start_at);
      buf_puts(out, ", ");
      mermaid_time(out, t0, s->end_at);
      buf_putc(out, '\n');
    }
    buf_free(&t);
  }
  buf_puts(out, "```\n");
}
