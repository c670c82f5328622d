/*
** docw.h -- writing one document as Markdown or as a self-contained HTML
** page, so that `rbk plan` and `rbk report` describe each document once
** and get both formats. Also the escaping of texts for the other outputs
** (DOT, Mermaid, JSON).
**
** Texts passed in are UTF-8 and may hold code spans marked with
** PLAN_CODE_ON ... PLAN_CODE_OFF (review/plan.h): Markdown gets a code
** span, HTML a <code>, the graph and JSON outputs the bare text. Control
** characters become spaces (a tab too), so nothing from a runbook or a
** journal can break the structure or reach a terminal raw.
**
** The HTML page is one file: inline CSS, no script, no network, laid out
** for print (tables do not split across pages where avoidable).
** A DocW writes into a caller's Buf and owns nothing.
*/
#ifndef RBK_DOCW_H
#define RBK_DOCW_H

#include "../base/buf.h"

typedef enum DwFormat { DW_MD, DW_HTML } DwFormat;

typedef struct DocW {
  DwFormat fmt;
  Buf *out;
  int ncols;        /* columns of the open table, 0 if none */
  int list_depth;   /* depth of the open HTML lists */
} DocW;

/* dw_begin starts a document with its title (the first heading). */
void dw_begin(DocW *w, DwFormat fmt, Buf *out, const char *title);
/* dw_end closes the document. */
void dw_end(DocW *w);
/* dw_heading writes a heading of level 2 or 3; id names the HTML section. */
void dw_heading(DocW *w, int level, const char *id, const char *text);
/* dw_para writes a paragraph. */
void dw_para(DocW *w, const char *text);
/* dw_table opens a table of ncols columns with these headers; id is the
** HTML table's id. */
void dw_table(DocW *w, const char *id, int ncols, const char *const *headers);
/* dw_row writes a row; cls (may be NULL) is the HTML row's class. */
void dw_row(DocW *w, const char *cls, const char *const *cells);
/* dw_table_end closes the table. */
void dw_table_end(DocW *w);
/* A row whose cells are built in Bufs, for dw_row_put. */
#define DW_MAXCOLS 8
typedef struct DwRow {
  Buf c[DW_MAXCOLS];
  const char *v[DW_MAXCOLS];
} DwRow;
/* dw_row_put writes the first n cells of r as a row (dw_row) and empties
** them for the next one; dw_row_free releases r's memory. A DwRow starts
** zeroed (memset or = {0}). */
void dw_row_put(DocW *w, DwRow *r, const char *cls, int n);
void dw_row_free(DwRow *r);
/* dw_code appends s as a code span: the code marks around s, any mark
** byte inside s dropped (text from a runbook or a journal cannot forge
** one). */
void dw_code(Buf *b, const char *s);
/* dw_item writes a bullet at depth 0, 1, ...; dw_list_end closes the list. */
void dw_item(DocW *w, int depth, const char *text);
void dw_list_end(DocW *w);
/* dw_footer writes the closing line of the document: a <footer> in
** HTML, a last paragraph in Markdown. */
void dw_footer(DocW *w, const char *text);
/* dw_raw writes text as it is, only when the document is in format fmt
** (a Mermaid block for Markdown, an SVG for HTML). */
void dw_raw(DocW *w, DwFormat fmt, const char *text);

/* dw_plain appends text without its code marks, control characters as
** spaces: for labels and JSON. */
void dw_plain(Buf *b, const char *text);
/* dw_json_str appends text as a JSON string, without code marks; NULL as null. */
void dw_json_str(Buf *b, const char *text);
/* dw_html appends text escaped for HTML (code marks as <code>). */
void dw_html(Buf *b, const char *text);
/* dw_minutes appends a duration in the one form every command and
** document uses: dur_format of base/duration.h ("5m", "1h42m", "7.311s"),
** so a plan never says "102 min" beside "1h42m". (The name is kept for
** its callers.) */
void dw_minutes(Buf *b, double secs);

#endif
