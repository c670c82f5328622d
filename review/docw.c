/*
** docw.c -- one document, written as Markdown or self-contained HTML
** (docw.h).
*/
#include "docw.h"

#include <math.h>
#include <string.h>

#include "plan.h"
#include "../base/duration.h"
#include "../vm/value.h"

/* The page's style: readable on screen, tidy on paper. */
static const char css[] =
  "body{font:14px/1.45 -apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#1b1f23;"
  "max-width:60em;margin:2em auto;padding:0 1em}"
  "h1{font-size:1.6em;border-bottom:2px solid #1b1f23;padding-bottom:.2em}"
  "h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #d0d7de}"
  "h3{font-size:1.05em}"
  "table{border-collapse:collapse;width:100%;margin:.6em 0 1em}"
  "th,td{border:1px solid #d0d7de;padding:.3em .5em;text-align:left;vertical-align:top}"
  "th{background:#f1f3f5}"
  "tr.total td{font-weight:bold;background:#f8f9fa}"
  "tr.fail td,tr.failed td{background:#fdecea}"
  "code{font:12px/1.4 ui-monospace,Menlo,Consolas,monospace;background:#f3f4f6;padding:0 .2em;"
  "border-radius:3px;white-space:pre-wrap;word-break:break-word}"
  "ul{margin:.3em 0 .8em}"
  "svg{max-width:100%;height:auto}"
  "footer{margin-top:2em;color:#57606a;font-size:.85em}"
  "@page{margin:15mm}"
  "@media print{body{margin:0;max-width:none;font-size:11px}h2{break-after:avoid}"
  "tr,li{break-inside:avoid}a{color:inherit;text-decoration:none}}";

/* put_char_clean appends one byte, control characters as a space. */
static void put_clean_byte(Buf *b, char c) { buf_putc(b, (unsigned char)c < 0x20 || c == 0x7f ? ' ' : c); }

void dw_plain(Buf *b, const char *text) {
  const char *p;
  for (p = text ? text : ""; *p; p++)
    if (*p != PLAN_CODE_ON[0] && *p != PLAN_CODE_OFF[0]) put_clean_byte(b, *p);
}

void dw_json_str(Buf *b, const char *text) {
  Buf t = BUF_INIT;
  if (!text) {
    buf_puts(b, "null");
    return;
  }
  dw_plain(&t, text);
  buf_json_str(b, buf_cstr(&t), t.n);
  buf_free(&t);
}

void dw_html(Buf *b, const char *text) {
  const char *p;
  int code = 0;
  for (p = text ? text : ""; *p; p++) {
    switch (*p) {
      case '&': buf_puts(b, "&amp;"); break;
      case '<': buf_puts(b, "&lt;"); break;
      case '>': buf_puts(b, "&gt;"); break;
      case '"': buf_puts(b, "&quot;"); break;
      case '\'': buf_puts(b, "&#39;"); break;
      default:
        if (*p == PLAN_CODE_ON[0] && !code) {
          buf_puts(b, "<code>");
          code = 1;
        } else if (*p == PLAN_CODE_OFF[0] && code) {
          buf_puts(b, "</code>");
          code = 0;
        } else if (*p != PLAN_CODE_ON[0] && *p != PLAN_CODE_OFF[0]) {
          put_clean_byte(b, *p);
        }
    }
  }
  if (code) buf_puts(b, "</code>");
}

/* md_code appends a code span holding n bytes at s: the fence is one
** backtick longer than the longest run inside, padded when the text
** starts or ends with one. In a table, '|' is escaped (GFM reads it as a
** cell boundary even in code). */
static void md_code(Buf *b, const char *s, size_t n, int in_table) {
  size_t i, run = 0, longest = 0, k;
  int pad;
  for (i = 0; i < n; i++) {
    run = s[i] == '`' ? run + 1 : 0;
    if (run > longest) longest = run;
  }
  pad = n && (s[0] == '`' || s[n - 1] == '`');
  for (k = 0; k <= longest; k++) buf_putc(b, '`');
  if (pad) buf_putc(b, ' ');
  for (i = 0; i < n; i++) {
    if (in_table && s[i] == '|') buf_puts(b, "\\|");
    else put_clean_byte(b, s[i]);
  }
  if (pad) buf_putc(b, ' ');
  for (k = 0; k <= longest; k++) buf_putc(b, '`');
}

/* md_text appends text for Markdown: punctuation that would be read as
** markup is escaped, code marks become code spans. */
static void md_text(Buf *b, const char *text, int in_table) {
  const char *p = text ? text : "";
  while (*p) {
    if (*p == PLAN_CODE_ON[0]) {
      const char *e = strchr(p + 1, PLAN_CODE_OFF[0]);
      size_t n = e ? (size_t)(e - p - 1) : strlen(p + 1);
      md_code(b, p + 1, n, in_table);
      p += 1 + n + (e ? 1 : 0);
      continue;
    }
    if (*p == PLAN_CODE_OFF[0]) {
      p++;
      continue;
    }
    if (strchr("\\`*_[]<>|#", *p)) buf_putc(b, '\\');
    put_clean_byte(b, *p);
    p++;
  }
}

void dw_begin(DocW *w, DwFormat fmt, Buf *out, const char *title) {
  memset(w, 0, sizeof *w);
  w->fmt = fmt;
  w->out = out;
  if (fmt == DW_HTML) {
    buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    dw_html(out, title);
    buf_printf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", css);
    dw_html(out, title);
    buf_puts(out, "</h1>\n");
  } else {
    buf_puts(out, "# ");
    md_text(out, title, 0);
    buf_puts(out, "\n");
  }
}

void dw_end(DocW *w) {
  dw_list_end(w);
  if (w->fmt == DW_HTML) buf_puts(w->out, "</body>\n</html>\n");
}

void dw_heading(DocW *w, int level, const char *id, const char *text) {
  dw_list_end(w);
  if (w->fmt == DW_HTML) {
    buf_printf(w->out, "<h%d id=\"%s\">", level, id);
    dw_html(w->out, text);
    buf_printf(w->out, "</h%d>\n", level);
  } else {
    buf_putc(w->out, '\n');
    buf_puts(w->out, level <= 2 ? "## " : "### ");
    md_text(w->out, text, 0);
    buf_putc(w->out, '\n');
  }
}

void dw_para(DocW *w, const char *text) {
  dw_list_end(w);
  if (w->fmt == DW_HTML) {
    buf_puts(w->out, "<p>");
    dw_html(w->out, text);
    buf_puts(w->out, "</p>\n");
  } else {
    buf_putc(w->out, '\n');
    md_text(w->out, text, 0);
    buf_putc(w->out, '\n');
  }
}

void dw_table(DocW *w, const char *id, int ncols, const char *const *headers) {
  int i;
  dw_list_end(w);
  w->ncols = ncols;
  if (w->fmt == DW_HTML) {
    buf_printf(w->out, "<table id=\"%s\">\n<thead><tr>", id);
    for (i = 0; i < ncols; i++) {
      buf_puts(w->out, "<th>");
      dw_html(w->out, headers[i]);
      buf_puts(w->out, "</th>");
    }
    buf_puts(w->out, "</tr></thead>\n<tbody>\n");
  } else {
    buf_puts(w->out, "\n|");
    for (i = 0; i < ncols; i++) {
      buf_putc(w->out, ' ');
      md_text(w->out, headers[i], 1);
      buf_puts(w->out, " |");
    }
    buf_puts(w->out, "\n|");
    for (i = 0; i < ncols; i++) buf_puts(w->out, "---|");
    buf_putc(w->out, '\n');
  }
}

void dw_row(DocW *w, const char *cls, const char *const *cells) {
  int i;
  if (w->fmt == DW_HTML) {
    if (cls) buf_printf(w->out, "<tr class=\"%s\">", cls);
    else buf_puts(w->out, "<tr>");
    for (i = 0; i < w->ncols; i++) {
      buf_puts(w->out, "<td>");
      dw_html(w->out, cells[i]);
      buf_puts(w->out, "</td>");
    }
    buf_puts(w->out, "</tr>\n");
  } else {
    buf_putc(w->out, '|');
    for (i = 0; i < w->ncols; i++) {
      buf_putc(w->out, ' ');
      md_text(w->out, cells[i], 1);
      buf_puts(w->out, " |");
    }
    buf_putc(w->out, '\n');
  }
}

void dw_table_end(DocW *w) {
  if (w->fmt == DW_HTML && w->ncols) buf_puts(w->out, "</tbody>\n</table>\n");
  w->ncols = 0;
}

void dw_item(DocW *w, int depth, const char *text) {
  if (w->fmt == DW_HTML) {
    while (w->list_depth <= depth) {
      buf_puts(w->out, w->list_depth ? "<ul>" : "<ul>\n");
      w->list_depth++;
    }
    while (w->list_depth > depth + 1) {
      buf_puts(w->out, "</ul>\n");
      w->list_depth--;
    }
    buf_puts(w->out, "<li>");
    dw_html(w->out, text);
    buf_puts(w->out, "</li>\n");
  } else {
    int i;
    if (w->list_depth == 0) buf_putc(w->out, '\n');
    w->list_depth = 1;
    for (i = 0; i < depth; i++) buf_puts(w->out, "  ");
    buf_puts(w->out, "- ");
    md_text(w->out, text, 0);
    buf_putc(w->out, '\n');
  }
}

void dw_list_end(DocW *w) {
  if (w->fmt == DW_HTML)
    for (; w->list_depth > 0; w->list_depth--) buf_puts(w->out, "</ul>\n");
  w->list_depth = 0;
}

void dw_footer(DocW *w, const char *text) {
  dw_list_end(w);
  if (w->fmt == DW_HTML) {
    buf_puts(w->out, "<footer>");
    dw_html(w->out, text);
    buf_puts(w->out, "</footer>\n");
  } else {
    dw_para(w, text);
  }
}

void dw_raw(DocW *w, DwFormat fmt, const char *text) {
  dw_list_end(w);
  if (w->fmt == fmt) buf_puts(w->out, text);
}

void dw_row_put(DocW *w, DwRow *r, const char *cls, int n) {
  int i;
  for (i = 0; i < n && i < DW_MAXCOLS; i++) r->v[i] = buf_cstr(&r->c[i]);
  dw_row(w, cls, r->v);
  for (i = 0; i < DW_MAXCOLS; i++) buf_reset(&r->c[i]);
}

void dw_row_free(DwRow *r) {
  int i;
  for (i = 0; i < DW_MAXCOLS; i++) buf_free(&r->c[i]);
}

void dw_code(Buf *b, const char *s) {
  const char *p;
  buf_puts(b, PLAN_CODE_ON);
  for (p = s ? s : ""; *p; p++)
    if (*p != PLAN_CODE_ON[0] && *p != PLAN_CODE_OFF[0]) buf_putc(b, *p);
  buf_puts(b, PLAN_CODE_OFF);
}

void dw_minutes(Buf *b, double secs) { dur_format(b, secs); }
