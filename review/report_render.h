/*
** report_render.h -- the formats of `rbk report`, each rendering one
** Report (report.h): the review document as Markdown (with a Mermaid
** gantt chart) or as one self-contained HTML page (with the chart as
** inline SVG), and the whole report as JSON. Each appends to a caller's Buf.
*/
#ifndef RBK_REPORT_RENDER_H
#define RBK_REPORT_RENDER_H

#include "docw.h"
#include "report.h"

/* report_render_doc writes the review as Markdown or HTML. */
void report_render_doc(const Report *r, DwFormat fmt, Buf *out);
/* report_render_json writes the whole report as one JSON object. */
void report_render_json(const Report *r, Buf *out);
/* report_gantt_svg writes planned against actual per step as an SVG image;
** report_gantt_mermaid as a Mermaid gantt block (fenced, for Markdown). */
void report_gantt_svg(const Report *r, Buf *out);
void report_gantt_mermaid(const Report *r, Buf *out);

#endif
