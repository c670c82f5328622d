/*
** report_gantt.c -- planned against actual for each step of a run: inline
** SVG for the HTML report, a Mermaid gantt block for the Markdown one.
**
** A runbook plans in minutes, and a rehearsal or a quick backout may take
** seconds: on one shared time scale the actual bars would be invisible
** ticks beside the planned ones. So the SVG has two panels, each with its
** own scale. "Actual against planned" gives each step its own scale (the
** longer of the two durations is the full width) and says both in words,
** with the share of the plan used. "When" is the run's real timeline: the
** actual bars on the span of the run itself, from the first step's start
** to the last step's end. Actual is from a step's first start to its last
** end, as journaled (waiting for people included).
*/
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../vm/value.h"
#include "report_render.h"

/* The chart's geometry, in SVG user units. */
#define LABEL_W 230   /* the step's number and title */
#define WORDS_W 165   /* "2.1s of 30 min (0%)" */
#define DUR_W 200     /* the per-step panel's bars */
#define GAP 24
#define TL_W 340      /* the timeline panel */
#define ROW_H 26
#define TOP 44
#define AXIS_H 28

static const char *state_fill(const char *state) {
  if (strcmp(state, "ok") == 0) return "#2e7d32";
  if (strcmp(state, "recovered") == 0) return "#ef6c00";
  if (strcmp(state, "failed") == 0) return "#c62828";
  if (strcmp(state, "skipped") == 0) return "#9e9e9e";
  return "#f9a825";   /* running, interrupted, waiting */
}

/* span works out the run's actual time range: [*origin, *origin + *len],
** from the first step's start to the last end (1 s when nothing ran). */
static void span(const Report *r, double *origin, double *len) {
  double end;
  size_t i;
  *origin = r->first_step_at;
  end = *origin;
  for (i = 0; i < r->nsteps; i++) {
    const RepStep *s = &r->steps[i];
    if (s->started && s->end_at > end) end = s->end_at;
  }
  *len = end - *origin > 0 ? end - *origin : 1;
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
  if (secs == 0) buf_putc(&t, '0');
  else val_fmt_duration(secs, &t);
  buf_puts(b, buf_cstr(&t));
  buf_free(&t);
}

/* step_words writes what the per-step panel says in words: "2.1s of
** 30 min (0%)", "2.1s (no plan)", "30 min planned" (not run). */
static void step_words(Buf *b, const RepStep *s) {
  double actual = s->started ? s->end_at - s->start_at : 0;
  if (s->started) val_fmt_duration(actual, b);
  if (s->started && s->has_plan) {
    buf_puts(b, " of ");
    dw_minutes(b, s->planned);
    if (s->planned > 0) buf_printf(b, " (%.0f%%)", actual / s->planned * 100);
  } else if (s->started) {
    buf_puts(b, " (no plan)");
  } else if (s->has_plan) {
    dw_minutes(b, s->planned);
    buf_puts(b, " planned");
  }
}

void report_gantt_svg(const Report *r, Buf *out) {
  static const double steps[] = {0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300,
                                 600, 900, 1800, 3600, 7200, 14400, 28800, 86400};
  const int dur_x = LABEL_W + WORDS_W, tl_x = dur_x + DUR_W + GAP;
  double origin, len, tick = steps[0];
  int h = TOP + (int)r->nsteps * ROW_H + AXIS_H, w = tl_x + TL_W + 20;
  size_t i, k;
  span(r, &origin, &len);
  for (k = 0; k < sizeof steps / sizeof *steps; k++) {
    tick = steps[k];
    if (len / tick <= 6) break;
  }
  buf_printf(out,
             "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"gantt\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
             "role=\"img\" aria-label=\"Planned against actual duration of each step, and when each step ran\" "
             "font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n",
             w, h, w, h);
  buf_printf(out,
             "<text class=\"panel\" x=\"%d\" y=\"14\" font-weight=\"bold\">Actual against planned (each step "
             "on its own scale)</text>\n"
             "<text class=\"panel\" x=\"%d\" y=\"14\" font-weight=\"bold\">When (the run's own timeline)</text>\n",
             LABEL_W, tl_x);
  buf_printf(out,
             "<rect x=\"%d\" y=\"22\" width=\"14\" height=\"7\" fill=\"#b0bec5\"/><text x=\"%d\" y=\"29\">planned</text>\n"
             "<rect x=\"%d\" y=\"20\" width=\"14\" height=\"10\" fill=\"#2e7d32\"/><text x=\"%d\" y=\"29\">actual "
             "(colour: how the step ended)</text>\n",
             LABEL_W, LABEL_W + 18, LABEL_W + 80, LABEL_W + 98);
  for (k = 0; tick * (double)k <= len + 1e-9 && k < 100; k++) {
    double x = tl_x + tick * (double)k / len * TL_W;
    buf_printf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e0e0e0\"/>", x, TOP - 4, x,
               h - AXIS_H + 4);
    buf_printf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">", x, h - 8);
    tick_label(out, tick * (double)k);
    buf_puts(out, "</text>\n");
  }
  for (i = 0; i < r->nsteps; i++) {
    const RepStep *s = &r->steps[i];
    int y = TOP + (int)i * ROW_H;
    double actual = s->started ? s->end_at - s->start_at : 0;
    double scale = s->has_plan && s->planned > actual ? s->planned : actual;
    Buf t = BUF_INIT;
    buf_printf(out, "<g class=\"step\" data-step=\"");
    dw_html(out, s->name);
    buf_printf(out, "\"><text x=\"0\" y=\"%d\">", y + 16);
    buf_printf(&t, "%d. %s", s->number, s->title);
    svg_text(out, buf_cstr(&t), 32);
    buf_printf(out, "</text>\n<text class=\"words\" x=\"%d\" y=\"%d\" fill=\"#333\">", LABEL_W, y + 16);
    buf_reset(&t);
    step_words(&t, s);
    dw_html(out, buf_cstr(&t));
    buf_puts(out, "</text>\n");
    if (scale <= 0) scale = 1;
    if (s->has_plan) {
      double bw = s->planned / scale * DUR_W;
      buf_printf(out, "<rect class=\"planned\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"7\" fill=\"#b0bec5\">",
                 dur_x, y + 3, bw < 1.5 ? 1.5 : bw);
      buf_puts(out, "<title>planned ");
      buf_reset(&t);
      dw_minutes(&t, s->planned);
      dw_html(out, buf_cstr(&t));
      buf_puts(out, "</title></rect>\n");
    }
    if (s->started) {
      double bw = actual / scale * DUR_W, x = tl_x + (s->start_at - origin) / len * TL_W, tw = actual / len * TL_W;
      buf_reset(&t);
      val_fmt_duration(actual, &t);
      buf_printf(&t, ", %s", s->state);
      buf_printf(out, "<rect class=\"actual-share\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"10\" fill=\"%s\">",
                 dur_x, y + 12, bw < 1.5 ? 1.5 : bw, state_fill(s->state));
      buf_puts(out, "<title>actual ");
      dw_html(out, buf_cstr(&t));
      buf_puts(out, "</title></rect>\n");
      buf_printf(out, "<rect class=\"actual\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"10\" fill=\"%s\">", x,
                 y + 8, tw < 1.5 ? 1.5 : tw, state_fill(s->state));
      buf_puts(out, "<title>actual ");
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
  size_t i;
  rr_parse_time(r->started, &t0);
  /* Only the actual bars, on the run's own time: planned bars beside them
  ** would set the scale and squash a quick run to nothing. The plan is in
  ** each bar's words. */
  buf_puts(out, "```mermaid\ngantt\n  title When each step ran, actual against planned (UTC)\n"
                "  dateFormat YYYY-MM-DD HH:mm:ss\n  axisFormat %H:%M:%S\n");
  for (i = 0; i < r->nsteps; i++) {
    const RepStep *s = &r->steps[i];
    Buf t = BUF_INIT;
    if (s->started) {   /* a step that did not run has no bar, and Mermaid no empty section */
      buf_printf(out, "  section %d ", s->number);
      mermaid_name(out, s->name);
      buf_putc(out, '\n');
      const char *tag = strcmp(s->state, "ok") == 0                                           ? "done, "
                        : strcmp(s->state, "failed") == 0 || strcmp(s->state, "recovered") == 0 ? "crit, done, "
                                                                                              : "active, ";
      step_words(&t, s);
      buf_printf(&t, " %s", s->state);
      buf_puts(out, "    ");
      mermaid_name(out, buf_cstr(&t));
      buf_printf(out, " :%sa%d, ", tag, s->number);
      mermaid_time(out, t0, s->start_at);
      buf_puts(out, ", ");
      mermaid_time(out, t0, s->end_at > s->start_at + 1 ? s->end_at : s->start_at + 1);
      buf_putc(out, '\n');
    }
    buf_free(&t);
  }
  buf_puts(out, "```\n");
}
