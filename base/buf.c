/*
** buf.c -- growable byte buffers.
** Used on every floor for text that grows: messages, JSON, journal records.
*/
#include "buf.h"

#include <stdio.h>
#include <string.h>

#include "mem.h"
#include "source.h"

static void reserve(Buf *b, size_t extra) {
  if (b->n + extra + 1 > b->cap) b->p = mem_grow(b->p, &b->cap, b->n + extra + 1, 1);
}

void buf_add(Buf *b, const char *s, size_t n) {
  reserve(b, n);
  if (n) memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = '\0';
}

void buf_puts(Buf *b, const char *s) { buf_add(b, s, strlen(s)); }

void buf_putc(Buf *b, char c) {
  reserve(b, 1);
  b->p[b->n++] = c;
  b->p[b->n] = '\0';
}

void buf_vprintf(Buf *b, const char *fmt, va_list ap) {
  va_list aq;
  char tmp[256];
  int k;
  /* Format once, on the stack; only a text too long for that is formatted
  ** a second time, into the buffer grown to its size. */
  va_copy(aq, ap);
  k = vsnprintf(tmp, sizeof tmp, fmt, aq);
  va_end(aq);
  if (k < 0) return;
  if ((size_t)k < sizeof tmp) {
    buf_add(b, tmp, (size_t)k);
    return;
  }
  reserve(b, (size_t)k);
  vsnprintf(b->p + b->n, (size_t)k + 1, fmt, ap);
  b->n += (size_t)k;
}

void buf_printf(Buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(b, fmt, ap);
  va_end(ap);
}

void buf_json_str(Buf *b, const char *s, size_t n) {
  size_t i;
  buf_putc(b, '"');
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    switch (c) {
      case '"': buf_add(b, "\\\"", 2); break;
      case '\\': buf_add(b, "\\\\", 2); break;
      case '\n': buf_add(b, "\\n", 2); break;
      case '\r': buf_add(b, "\\r", 2); break;
      case '\t': buf_add(b, "\\t", 2); break;
      default:
        if (c < 0x20 || c == 0x7f) {
          buf_printf(b, "\\u%04x", c);
        } else if (c >= 0x80) {
          uint32_t cp;
          int k = utf8_decode((const unsigned char *)s + i, n - i, &cp);
          if (k == 0) {
            buf_puts(b, "\\ufffd");   /* JSON must be valid UTF-8 */
          } else {
            buf_add(b, s + i, (size_t)k);
            i += (size_t)k - 1;
          }
        } else {
          buf_putc(b, (char)c);
        }
    }
  }
  buf_putc(b, '"');
}

const char *buf_cstr(const Buf *b) { return b->p ? b->p : ""; }

char *buf_take(Buf *b) {
  char *p = b->p ? b->p : mem_strdup("");
  b->p = NULL;
  b->n = b->cap = 0;
  return p;
}

void buf_reset(Buf *b) {
  b->n = 0;
  if (b->p) b->p[0] = '\0';
}

void buf_free(Buf *b) {
  mem_free(b->p);
  b->p = NULL;
  b->n = b->cap = 0;
}

/* utf8_seq returns the length of the valid UTF-8 sequence of two to four
** bytes at s (n bytes left), or 0 if there is none. */
static size_t utf8_seq(const unsigned char *s, size_t n) {
  unsigned char c = s[0], lo = 0x80, hi = 0xBF;
  size_t len, i;
  if (c >= 0xC2 && c <= 0xDF) len = 2;
  else if (c >= 0xE0 && c <= 0xEF) len = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
  else if (c >= 0xF0 && c <= 0xF4) len = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
  else return 0;
  if (len > n || s[1] < lo || s[1] > hi) return 0;
  for (i = 2; i < len; i++)
    if ((s[i] & 0xC0) != 0x80) return 0;
  return len;
}

void buf_visible(Buf *b, const char *s, size_t n, int flags) {
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    size_t j = i, k;
    while (j < n && u[j] >= 0x20 && u[j] < 0x7f) j++;   /* the common case: printable ASCII */
    if (j > i) buf_add(b, s + i, j - i);
    if ((i = j) >= n) break;
    k = u[i] < 0x80 ? 1 : utf8_seq(u + i, n - i);
    if (u[i] == '\t' || (u[i] == '\n' && (flags & BUF_VIS_NL))) buf_putc(b, s[i]);
    else if (u[i] == '\n') buf_puts(b, "\\n");
    else if (k <= 1) buf_printf(b, "\\x%02x", u[i]);   /* a control, DEL, or not UTF-8 */
    else if (k == 2 && u[i] == 0xC2 && u[i + 1] <= 0x9F) buf_printf(b, "\\u%04x", u[i + 1]);   /* C1 */
    else buf_add(b, s + i, k);
    i += k ? k : 1;
  }
  if (!b->p) buf_add(b, "", 0);
}

void buf_add_text(Buf *b, const char *s, size_t n) {
  const char *z;
  while (n > 0 && (z = memchr(s, '\0', n)) != NULL) {
    buf_add(b, s, (size_t)(z - s));
    buf_puts(b, "\\x00");
    n -= (size_t)(z - s) + 1;
    s = z + 1;
  }
  buf_add(b, s, n);
}
