/*
** shquote.c -- a small reader of shell quoting, and the quoting itself.
** The checker and codegen scan commands; the VM quotes interpolated values.
*/
#include "shquote.h"

#include <stdint.h>
#include <string.h>

/* sh_scan_init clears what is read before it is written: the stacks,
** the delimiter and the body line are filled before they are read (a
** template that interpolates nothing costs no 300-byte clear). */
void sh_scan_init(ShScan *st) {
  st->ctx = SHQ_BARE;
  st->why = NULL;
  st->depth = 0;
  st->unsafe_until = 0;
  st->braces = 0;
  st->pending = 0;
  st->reading_delim = 0;
  st->strip_tabs = 0;
  st->dlen = 0;
  st->line_start = 0;
  st->line_long = 0;
  st->prev = 0;
}

static void body_char(ShScan *st, char c) {
  if (c == '\n') {
    /* Does the line just ended close the document? */
    size_t i = 0;
    if (st->strip_tabs)
      while (i < st->line_start && st->line[i] == '\t') i++;
    if (!st->line_long && st->line_start - i == st->dlen && memcmp(st->line + i, st->delim, st->dlen) == 0)
      st->ctx = SHQ_BARE;
    st->line_start = 0;
    st->line_long = 0;
    return;
  }
  if (st->line_start < sizeof st->line) st->line[st->line_start] = c;
  else st->line_long = 1;
  st->line_start++;
}

static void unsafe(ShScan *st, int until, const char *why) {
  st->ctx = SHQ_UNSAFE;
  st->unsafe_until = until;
  st->why = why;
  st->braces = 0;
}

/* push enters a $( ... ): the shell reads its inside as a new command. */
static void push(ShScan *st) {
  if (st->depth == SHQ_MAX_NEST) {
    unsafe(st, 5, "command substitutions nested too deep");
    return;
  }
  st->stack[st->depth] = st->ctx;
  st->parens[st->depth] = 0;
  st->depth++;
  st->ctx = SHQ_BARE;
}

static int word_start(char prev) {
  return prev == 0 || prev == ' ' || prev == '\t' || prev == '\n' || prev == ';' || prev == '&' ||
         prev == '|' || prev == '(' || prev == ')';
}

/* The bytes that can change the scan's state, by context (outside
** quotes, '...', "..."), as bit masks over 0-63 and 64-127: every other
** byte only becomes st->prev, so a run of them is skipped at once. */
#define BIT(c) (1ull << ((c) & 63))
static const uint64_t special_lo[3] = {
  BIT('\n') | BIT('"') | BIT('#') | BIT('$') | BIT('\'') | BIT('(') | BIT(')') | BIT('<'),
  BIT('\''),
  BIT('"') | BIT('$'),
};
static const uint64_t special_hi[3] = {BIT('\\') | BIT('`'), 0, BIT('\\') | BIT('`')};
#undef BIT

static int plain(int ctx, unsigned char c) {
  return c >= 128 || !(c < 64 ? special_lo[ctx] >> c & 1 : special_hi[ctx] >> (c - 64) & 1);
}

void sh_scan(ShScan *st, const char *s, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) {
    char c, next;
    if (st->ctx != SHQ_UNSAFE && !st->reading_delim && plain(st->ctx, (unsigned char)s[i])) {
      while (i + 1 < n && plain(st->ctx, (unsigned char)s[i + 1])) i++;
      st->prev = s[i];
      continue;
    }
    c = s[i];
    next = i + 1 < n ? s[i + 1] : 0;
    if (st->ctx == SHQ_UNSAFE) {
      switch (st->unsafe_until) {
        case 0: body_char(st, c); break;                        /* here-document */
        case 1: if (c == '\n') st->ctx = SHQ_BARE; break;      /* comment */
        case 2:                                                 /* `...` */
          if (c == '\\') i++;
          else if (c == '`') st->ctx = st->braces;             /* braces holds the context to return to */
          break;
        case 3:                                                 /* ${...} */
          if (c == '{') st->braces++;
          else if (c == '}' && st->braces-- == 0) st->ctx = st->stack[SHQ_MAX_NEST - 1];
          break;
        case 4:                                                 /* $((...)) */
          if (c == ')' && next == ')') { i++; st->ctx = st->stack[SHQ_MAX_NEST - 1]; }
          break;
        default: break;                                         /* gave up */
      }
      if (st->ctx != SHQ_UNSAFE) st->prev = c;
      continue;
    }
    if (st->reading_delim) {
      /* the delimiter word: letters, digits, _ - . and quotes around them */
      if (c == '\'' || c == '"' || c == '\\') continue;
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '-' || c == '.') {
        if (st->dlen < sizeof st->delim) st->delim[st->dlen++] = c;
        continue;
      }
      if ((c == ' ' || c == '\t') && st->dlen == 0) continue;
      st->reading_delim = 0;
      st->pending = st->dlen > 0;
    }
    if (st->ctx == SHQ_SINGLE) {
      if (c == '\'') st->ctx = SHQ_BARE;
      st->prev = c;
      continue;
    }
    /* Outside quotes and inside "...": expansions. */
    if (c == '\\') {
      i++;
      st->prev = 'x';
      continue;
    }
    if (c == '$' && next == '(' && i + 2 < n && s[i + 2] == '(') {
      st->stack[SHQ_MAX_NEST - 1] = st->ctx;
      unsafe(st, 4, "$((...))");
      i += 2;
      continue;
    }
    if (c == '$' && next == '(') {
      push(st);
      i++;
      st->prev = '(';
      continue;
    }
    if (c == '$' && next == '{') {
      st->stack[SHQ_MAX_NEST - 1] = st->ctx;
      unsafe(st, 3, "${...}");
      i++;
      continue;
    }
    if (c == '`') {
      int back = st->ctx;
      unsafe(st, 2, "`...` (write $(...) instead)");
      st->braces = back;
      continue;
    }
    if (st->ctx == SHQ_DOUBLE) {
      if (c == '"') st->ctx = SHQ_BARE;
      st->prev = c;
      continue;
    }
    /* Outside quotes. */
    if (c == '\'') {
      st->ctx = SHQ_SINGLE;
    } else if (c == '"') {
      st->ctx = SHQ_DOUBLE;
    } else if (c == '#' && word_start(st->prev)) {
      unsafe(st, 1, "a shell comment");
      continue;
    } else if (c == '(' && st->depth > 0) {
      st->parens[st->depth - 1]++;
    } else if (c == ')' && st->depth > 0) {
      if (st->parens[st->depth - 1] > 0) st->parens[st->depth - 1]--;
      else st->ctx = st->stack[--st->depth];
    } else if (c == '<' && st->prev == '<') {
      /* <<WORD or <<-WORD (but not <<<, a here-string) */
      if (next == '<') {
        i++;
      } else {
        if (next == '-') {
          st->strip_tabs = 1;
          i++;
        }
        st->reading_delim = 1;
        st->dlen = 0;
      }
      c = 0;
    } else if (c == '\n' && st->pending) {
      st->pending = 0;
      unsafe(st, 0, "a here-document");
      st->line_start = 0;
      st->line_long = 0;
    }
    st->prev = c;
  }
}

void shquote(const char *s, size_t n, int ctx, Buf *out) {
  size_t i;
  if (ctx == SHQ_DOUBLE) {
    for (i = 0; i < n; i++) {
      if (s[i] == '\\' || s[i] == '"' || s[i] == '$' || s[i] == '`') buf_putc(out, '\\');
      buf_putc(out, s[i]);
    }
    return;
  }
  if (ctx == SHQ_BARE) buf_putc(out, '\'');
  for (i = 0; i < n; i++) {
    if (s[i] == '\'') buf_puts(out, "'\\''");
    else buf_putc(out, s[i]);
  }
  if (ctx == SHQ_BARE) buf_putc(out, '\'');
}
