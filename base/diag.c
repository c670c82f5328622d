/*
** diag.c -- collecting and rendering diagnostics.
** The checker, the compiler and the loader add diagnostics; cli/ prints them.
*/
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "buf.h"
#include "mem.h"

#define C_BOLD "\033[1m"
#define C_RED "\033[1;31m"
#define C_MAG "\033[1;35m"
#define C_CYAN "\033[1;36m"
#define C_GREEN "\033[1;32m"
#define C_OFF "\033[0m"

/* Lines wider than this are shown as a window around the caret. */
#define SHOW_WIDTH 120

void diag_init(Diags *d) { memset(d, 0, sizeof *d); }

void diag_free(Diags *d) {
  size_t i;
  for (i = 0; i < d->n; i++) {
    mem_free(d->v[i].msg);
    mem_free(d->v[i].hint);
  }
  mem_free(d->v);
  diag_init(d);
}

static Diag *push(Diags *d, Severity sev, const char *code) {
  Diag *dg;
  if (sev == SEV_ERROR) {
    if (d->errors >= DIAG_MAX_ERRORS) {
      d->truncated = 1;
      d->errors++;
      return NULL;
    }
    d->errors++;
  } else if (sev == SEV_WARNING) {
    d->warnings++;
  }
  if (d->n == d->cap) d->v = mem_grow(d->v, &d->cap, d->n + 1, sizeof *d->v);
  dg = &d->v[d->n++];
  memset(dg, 0, sizeof *dg);
  dg->sev = sev;
  dg->code = code;
  return dg;
}

Diag *diag_add(Diags *d, Severity sev, const char *code, Source *src, uint32_t pos,
               uint32_t end, const char *fmt, ...) {
  va_list ap;
  Buf b = BUF_INIT;
  Diag *dg = push(d, sev, code);
  if (!dg) return NULL;
  va_start(ap, fmt);
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  dg->src = src;
  dg->file = src ? src_name_at(src, pos) : NULL;
  dg->pos = pos;
  dg->end = end < pos ? pos : end;
  dg->msg = buf_take(&b);
  return dg;
}

void diag_file(Diags *d, Severity sev, const char *code, const char *file, const char *fmt, ...) {
  va_list ap;
  Buf b = BUF_INIT;
  Diag *dg = push(d, sev, code);
  if (!dg) return;
  va_start(ap, fmt);
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  dg->file = file;
  dg->msg = buf_take(&b);
}

void diag_hint(Diag *dg, const char *fmt, ...) {
  va_list ap;
  Buf b = BUF_INIT;
  if (!dg) return;
  va_start(ap, fmt);
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  mem_free(dg->hint);
  dg->hint = buf_take(&b);
}

void diag_sort(Diags *d, size_t from) {
  size_t i, j, n;
  uint32_t *key;
  /* A note belongs to the diagnostic before it and moves with it. */
  if (d->n <= from + 1) return;
  n = d->n - from;
  key = mem_alloc(n * sizeof *key);
  for (i = 0; i < n; i++)
    key[i] = d->v[from + i].sev == SEV_NOTE && i > 0 ? key[i - 1] : d->v[from + i].pos;
  /* A stable insertion sort: the lists are short and mostly in order. */
  for (i = 1; i < n; i++) {
    Diag t = d->v[from + i];
    uint32_t tk = key[i];
    for (j = i; j > 0 && key[j - 1] > tk; j--) {
      d->v[from + j] = d->v[from + j - 1];
      key[j] = key[j - 1];
    }
    d->v[from + j] = t;
    key[j] = tk;
  }
  mem_free(key);
}

int diag_use_color(FILE *f) {
  const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
  if (nc && *nc) return 0;
  if (term && strcmp(term, "dumb") == 0) return 0;
  return isatty(fileno(f));
}

static const char *sev_name(Severity s) {
  return s == SEV_ERROR ? "error" : s == SEV_WARNING ? "warning" : "note";
}

static const char *sev_color(Severity s) {
  return s == SEV_ERROR ? C_RED : s == SEV_WARNING ? C_MAG : C_CYAN;
}

/* Show bytes [b, e) of a line, replacing control bytes and invalid UTF-8 by
** '?' so the terminal never sees raw binary. Returns the number of
** characters written. */
static int show_text(FILE *f, const char *t, uint32_t b, uint32_t e) {
  int w = 0;
  while (b < e) {
    uint32_t cp;
    unsigned char c = (unsigned char)t[b];
    int k = utf8_decode((const unsigned char *)t + b, e - b, &cp);
    if (c == '\t') { fputc('\t', f); b++; }
    else if (k == 0 || c < 0x20 || c == 0x7f) { fputc('?', f); b++; }
    else { fwrite(t + b, 1, (size_t)k, f); b += (uint32_t)k; }
    w++;
  }
  return w;
}

/* Advance from byte b over n characters (not past e). */
static uint32_t skip_chars(const char *t, uint32_t b, uint32_t e, int n) {
  while (b < e && n-- > 0) {
    uint32_t cp;
    int k = utf8_decode((const unsigned char *)t + b, e - b, &cp);
    b += k ? (uint32_t)k : 1;
  }
  return b;
}

void diag_render_one(const Diag *dg, FILE *f, int color) {
  const char *on = color ? C_BOLD : "", *off = color ? C_OFF : "";
  const char *sc = color ? sev_color(dg->sev) : "";
  if (!dg->src) {
    fprintf(f, "%s%s:%s %s%s:%s %s%s%s\n", on, dg->file ? dg->file : "rbk", off, sc,
            sev_name(dg->sev), off, on, dg->msg, off);
  } else {
    Source *s = dg->src;
    int line, col, eline, ecol, width, i;
    uint32_t ls, ll, show_b, show_e, caret_b, caret_e;
    char gutter[16];
    src_linecol(s, dg->pos, &line, &col);
    src_linecol(s, dg->end, &eline, &ecol);
    fprintf(f, "%s%s:%d:%d:%s %s%s:%s %s%s%s\n", on, src_name_at(s, dg->pos), line, col, off, sc,
            sev_name(dg->sev), off, on, dg->msg, off);
    src_line_at(s, dg->pos, &ls, &ll);
    /* Window the line around the caret when it is too wide to read. */
    show_b = ls;
    show_e = ls + ll;
    if (ll > SHOW_WIDTH * 4 || col > SHOW_WIDTH) {
      int from = col > SHOW_WIDTH / 2 ? col - SHOW_WIDTH / 2 : 1;
      show_b = skip_chars(s->text, ls, ls + ll, from - 1);
      show_e = skip_chars(s->text, show_b, ls + ll, SHOW_WIDTH);
    }
    snprintf(gutter, sizeof gutter, "%d", line);
    width = (int)strlen(gutter);
    fprintf(f, " %s |%s ", gutter, "");
    if (show_b > ls) fputs("...", f);
    show_text(f, s->text, show_b, show_e);
    if (show_e < ls + ll) fputs("...", f);
    fputc('\n', f);
    fprintf(f, " %*s | ", width, "");
    if (show_b > ls) fputs("   ", f);
    /* The caret sits under the first character of the span; copy tabs so
    ** it lines up whatever the tab width. */
    caret_b = dg->pos < show_b ? show_b : dg->pos;
    if (caret_b > show_e) caret_b = show_e;
    for (i = (int)show_b; (uint32_t)i < caret_b;) {
      uint32_t cp;
      int k = utf8_decode((const unsigned char *)s->text + i, caret_b - (uint32_t)i, &cp);
      fputc(s->text[i] == '\t' ? '\t' : ' ', f);
      i += k ? k : 1;
    }
    caret_e = eline == line ? dg->end : ls + ll;
    if (caret_e > show_e) caret_e = show_e;
    fprintf(f, "%s^", color ? C_GREEN : "");
    {
      uint32_t b = skip_chars(s->text, caret_b, show_e, 1);
      while (b < caret_e) {
        fputc('~', f);
        b = skip_chars(s->text, b, caret_e, 1);
      }
    }
    fprintf(f, "%s\n", off);
  }
  if (dg->hint)
    fprintf(f, "%shint:%s %s\n", color ? C_CYAN : "", off, dg->hint);
}

void diag_print_text(const Diags *d, FILE *f, int color) {
  size_t i;
  for (i = 0; i < d->n; i++) diag_render_one(&d->v[i], f, color);
  if (d->truncated)
    fprintf(f, "rbk: too many errors (%d); stopped reporting after %d\n", d->errors,
            DIAG_MAX_ERRORS);
}

void diag_print_json(const Diags *d, int nfiles, FILE *f) {
  size_t i;
  Buf b = BUF_INIT;
  buf_printf(&b, "{\"format_version\": %d, \"files\": %d, \"errors\": %d, \"warnings\": %d, \"truncated\": %s, \"findings\": [",
             JSON_FORMAT_VERSION, nfiles, d->errors, d->warnings, d->truncated ? "true" : "false");
  for (i = 0; i < d->n; i++) {
    const Diag *dg = &d->v[i];
    int line = 0, col = 0, eline = 0, ecol = 0;
    const char *file = dg->src ? src_name_at(dg->src, dg->pos) : dg->file;
    if (dg->src) {
      src_linecol(dg->src, dg->pos, &line, &col);
      src_linecol(dg->src, dg->end, &eline, &ecol);
    }
    buf_puts(&b, i ? ",\n  {" : "\n  {");
    buf_puts(&b, "\"file\": ");
    buf_json_str(&b, file ? file : "", file ? strlen(file) : 0);
    buf_printf(&b, ", \"line\": %d, \"column\": %d, \"end_line\": %d, \"end_column\": %d",
               line, col, eline, ecol);
    buf_printf(&b, ", \"severity\": \"%s\", \"rule\": ", sev_name(dg->sev));
    buf_json_str(&b, dg->code, strlen(dg->code));
    buf_puts(&b, ", \"message\": ");
    buf_json_str(&b, dg->msg, strlen(dg->msg));
    buf_puts(&b, ", \"hint\": ");
    if (dg->hint) buf_json_str(&b, dg->hint, strlen(dg->hint));
    else buf_puts(&b, "null");
    buf_putc(&b, '}');
  }
  buf_puts(&b, d->n ? "\n]}\n" : "]}\n");
  fputs(buf_cstr(&b), f);
  buf_free(&b);
}
