/*
** buf.h -- a growable byte buffer, always NUL-terminated.
** The Buf owns its bytes; buf_take hands them to the caller.
*/
#ifndef RBK_BUF_H
#define RBK_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct Buf {
  char *p;      /* NUL-terminated contents, or NULL when empty and unused */
  size_t n;     /* length in bytes, excluding the NUL */
  size_t cap;
} Buf;

#define BUF_INIT {NULL, 0, 0}

/* buf_add appends n bytes of s. */
void buf_add(Buf *b, const char *s, size_t n);
/* buf_puts appends the NUL-terminated s. */
void buf_puts(Buf *b, const char *s);
/* buf_putc appends one byte. */
void buf_putc(Buf *b, char c);
/* buf_printf appends formatted text. */
void buf_printf(Buf *b, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 2, 3)))
#endif
  ;
/* buf_vprintf appends formatted text from a va_list. */
void buf_vprintf(Buf *b, const char *fmt, va_list ap)
#if defined(__GNUC__)
  __attribute__((format(printf, 2, 0)))
#endif
  ;
/* buf_json_str appends s (n bytes) as a JSON string literal, quotes included. */
void buf_json_str(Buf *b, const char *s, size_t n);
/* buf_visible appends s (n bytes) so that nothing in it can act on a
** terminal: valid UTF-8 and tabs are kept, other control characters
** (C0, DEL, C1) and bytes that are not UTF-8 are shown escaped, as \x1b,
** \x00 or \u009b. Newlines stay newlines with BUF_VIS_NL, else show as \n. */
#define BUF_VIS_NL 1
void buf_visible(Buf *b, const char *s, size_t n, int flags);
/* buf_add_text appends s (n bytes) with each NUL byte written as \x00,
** so that the result, read as a C string, still holds all of s. */
void buf_add_text(Buf *b, const char *s, size_t n);
/* buf_cstr returns the contents ("" when empty); the Buf still owns it. */
const char *buf_cstr(const Buf *b);
/* buf_take returns the contents as a mem_alloc'd string and empties the Buf. */
char *buf_take(Buf *b);
/* buf_reset empties the Buf but keeps its memory. */
void buf_reset(Buf *b);
/* buf_free releases the memory. */
void buf_free(Buf *b);

#endif
