/*
** json.c -- the strict JSON reader and the printer (the Value codec is
** vm/valjson.c).
**
** Parsed trees live in pools of memory: json_parse makes a pool with one
** block (more only when the first turns out too small, each twice the size
** of the one before) and places every node, member array and string of the
** tree in it; json_free of the tree releases the blocks whole.
** json_parse_into adds another tree to an existing pool, in blocks of
** POOL_BLOCK, so that a journal's many records take one allocation per
** POOL_BLOCK instead of one each, and are freed together. Objects and
** arrays are built on a scratch stack while their members are read, then
** copied into the pool in one piece, exactly sized.
*/
#include "json.h"

#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "source.h"

typedef struct Member Member;

struct Json {
  JsonKind kind;
  union {
    int b;                     /* JSON_BOOL */
    double n;                  /* JSON_NUM */
    struct {                   /* JSON_STR: len bytes and a NUL */
      char *s;
      size_t len;
    };
    struct {                   /* JSON_ARR, JSON_OBJ */
      union {
        Json *items;           /* JSON_ARR: count values */
        Member *mem;           /* JSON_OBJ: count members, in text order */
      };
      size_t count;
    };
  };
};

struct Member {
  char *key;                   /* klen bytes and a NUL */
  size_t klen;
  Json val;
};

/* A pool: blocks of memory that trees are placed in. Its first block
** starts with the Doc of the tree json_parse made it for (the owner), then
** the Pool; blocks added later are listed in more. */
typedef struct Block {
  struct Block *next;
} Block;

typedef struct Pool Pool;

/* A tree's header. root comes first, so the Json * of a tree is also its
** Doc *. */
typedef struct Doc {
  Json root;
  Pool *pool;                  /* the pool the tree is in */
} Doc;

struct Pool {
  Doc *owner;                  /* json_free of it frees the pool */
  Block *more;                 /* blocks after the first */
  char *lo, *hi;               /* free space in the current block: nodes are
                               ** taken from the bottom, strings from the top */
  size_t block;                /* the size of the current block's space */
};

/* Blocks that json_parse_into adds (unless a tree needs more): the first
** POOL_BLOCK, each next one four times the last, up to POOL_BLOCK_MAX. */
#define POOL_BLOCK (64 * 1024 - 64)
#define POOL_BLOCK_MAX (8 * 1024 * 1024)

/* ---- numbers and the C locale ---------------------------------------- */

/* strtod and printf use the locale's decimal point; JSON always uses '.'.
** rbk never calls setlocale, but a program embedding it might. */
static double text_to_double(const char *txt, size_t n) {
  char small[64];
  char *t = n < sizeof small ? small : mem_alloc(n + 1);
  const char *dp = localeconv()->decimal_point;
  double d;
  memcpy(t, txt, n);
  t[n] = '\0';
  if (dp && strcmp(dp, ".") != 0 && strlen(dp) == 1) {
    char *q = strchr(t, '.');
    if (q) *q = dp[0];
  }
  d = strtod(t, NULL);
  if (t != small) mem_free(t);
  return d;
}

static void fmt_g(char *out, size_t outlen, int prec, double d) {
  const char *dp = localeconv()->decimal_point;
  snprintf(out, outlen, "%.*g", prec, d);
  if (dp && strcmp(dp, ".") != 0 && strlen(dp) == 1) {
    char *q = strchr(out, dp[0]);
    if (q) *q = '.';
  }
}

void json_put_num(Buf *b, double d) {
  char t[40];
  int prec;
  if (isnan(d)) { buf_puts(b, "\"nan\""); return; }
  if (isinf(d)) { buf_puts(b, d > 0 ? "\"inf\"" : "\"-inf\""); return; }
  for (prec = 15; prec < 17; prec++) {
    fmt_g(t, sizeof t, prec, d);
    if (text_to_double(t, strlen(t)) == d) break;
  }
  if (prec == 17) fmt_g(t, sizeof t, 17, d);   /* 17 digits always round-trip */
  buf_puts(b, t);
}

/* ---- the reader ------------------------------------------------------- */

/* A member (or, with key NULL, an array element) while its container is
** being read; off is where its key starts, for messages. */
typedef struct Pending {
  char *key;
  size_t klen;
  size_t off;
  Json val;
} Pending;

/* Pendings kept on the C stack before the scratch stack moves to the heap. */
#define PENDING_INLINE 32

typedef struct Parser {
  const unsigned char *s;
  size_t n, i;
  char *err;
  size_t errlen;
  int failed;
  Pool *pool;                  /* where the tree goes */
  int adding;                  /* json_parse_into: new blocks are POOL_BLOCK */
  Pending *stk;                /* the scratch stack of open containers' members */
  size_t sn, scap;
  Pending *inl;                /* the inline stack (stk until it overflows) */
  Buf sb;                      /* a string with escapes, while it is decoded */
} Parser;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void fail(Parser *p, size_t at, const char *fmt, ...) {
  char msg[200];
  va_list ap;
  if (p->failed) return;
  p->failed = 1;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (p->err && p->errlen) snprintf(p->err, p->errlen, "%s at byte %zu", msg, at);
}

/* what describes the byte at i for a message. */
static void fail_unexpected(Parser *p, const char *wanted) {
  if (p->i >= p->n) {
    fail(p, p->i, "unexpected end of input, expected %s", wanted);
  } else {
    unsigned char c = p->s[p->i];
    if (c > 0x20 && c < 0x7f) fail(p, p->i, "unexpected '%c', expected %s", c, wanted);
    else fail(p, p->i, "unexpected byte 0x%02x, expected %s", c, wanted);
  }
}

static void skip_ws(Parser *p) {
  while (p->i < p->n &&
         (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' || p->s[p->i] == '\r'))
    p->i++;
}

/* ---- the tree's memory ---- */


/* new_block adds a block to the pool with room for at least need bytes:
** when adding to a pool, POOL_BLOCK and then four times the last block
** up to POOL_BLOCK_MAX (a journal's records go into one pool); else twice the
** last block, so that one tree takes few blocks. The rest of the current
** block is left unused. */
static void new_block(Parser *p, size_t need) {
  Pool *pl = p->pool;
  size_t size = pl->block * 2;
  Block *b;
  const size_t huge = (size_t)2 << 20;
  if (p->adding) {
    size = pl->block < POOL_BLOCK_MAX / 4 ? pl->block * 4 : POOL_BLOCK_MAX;
    if (size < POOL_BLOCK) size = POOL_BLOCK;
  }
  if (size < need) size = need;
  if (size < 256) size = 256;
  size = (size + 7) & ~(size_t)7;
  b = NULL;
  if (p->adding && size >= 2 * huge) {
    /* a big block: whole 2 MiB pages on 2 MiB boundaries, which can all
    ** be huge pages (aligned_alloc's memory is mem_free'd like any) */
    size = ((sizeof *b + size + huge - 1) & ~(huge - 1)) - sizeof *b;
    b = aligned_alloc(huge, sizeof *b + size);
    if (b) mem_advise_huge(b, sizeof *b + size);
  }
  if (!b) b = mem_alloc(sizeof *b + size);
  pl->lo = (char *)(b + 1);
  b->next = pl->more;
  pl->more = b;
  pl->hi = pl->lo + size;
  pl->block = size;
}

/* take_nodes returns n bytes (a multiple of 8) for nodes or members. */
static void *take_nodes(Parser *p, size_t n) {
  Pool *pl = p->pool;
  void *r;
  if ((size_t)(pl->hi - pl->lo) < n) new_block(p, n);
  r = pl->lo;
  pl->lo += n;
  return r;
}

/* take_str copies n bytes at s into the pool with a NUL after them. */
static char *take_str(Parser *p, const void *s, size_t n) {
  Pool *pl = p->pool;
  char *r;
  if ((size_t)(pl->hi - pl->lo) <= n) new_block(p, n + 1);
  pl->hi -= n + 1;
  r = pl->hi;
  if (n) memcpy(r, s, n);
  r[n] = '\0';
  return r;
}

/* grow_stack doubles the scratch stack, moving it to the heap. */
static void grow_stack(Parser *p) {
  size_t cap = p->scap * 2;
  Pending *t = mem_alloc(cap * sizeof *t);
  memcpy(t, p->stk, p->sn * sizeof *t);
  if (p->stk != p->inl) mem_free(p->stk);
  p->stk = t;
  p->scap = cap;
}

static void push(Parser *p, const Pending *m) {
  if (p->sn == p->scap) grow_stack(p);
  p->stk[p->sn++] = *m;
}

/* ---- strings ---- */

static int hexval(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* hex4 reads the four hex digits after "\u" at p->i; -1 on error. */
static long hex4(Parser *p) {
  long v = 0;
  int k;
  for (k = 0; k < 4; k++) {
    int h = p->i + (size_t)k < p->n ? hexval(p->s[p->i + (size_t)k]) : -1;
    if (h < 0) {
      fail(p, p->i - 2, "\\u escape needs four hex digits");
      return -1;
    }
    v = v * 16 + h;
  }
  p->i += 4;
  return v;
}

static void put_utf8(Buf *b, uint32_t cp) {
  char u[4];
  if (cp < 0x80) {
    buf_putc(b, (char)cp);
  } else if (cp < 0x800) {
    u[0] = (char)(0xC0 | (cp >> 6));
    u[1] = (char)(0x80 | (cp & 0x3F));
    buf_add(b, u, 2);
  } else if (cp < 0x10000) {
    u[0] = (char)(0xE0 | (cp >> 12));
    u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (char)(0x80 | (cp & 0x3F));
    buf_add(b, u, 3);
  } else {
    u[0] = (char)(0xF0 | (cp >> 18));
    u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[3] = (char)(0x80 | (cp & 0x3F));
    buf_add(b, u, 4);
  }
}

/* PLAIN[c] is 1 for a byte that stands for itself in a string: printable
** ASCII other than '"' and '\\'. */
#define R16(x) x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x
static const unsigned char PLAIN[256] = {
  R16(0), R16(0),
  1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,   /* 0x20: '"' */
  R16(1), R16(1),
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,   /* 0x50: '\\' */
  R16(1), R16(1),
  R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0)
};
#undef R16

/* SWAR_FIRST(m): the index of the first (lowest-addressed) byte of a
** word whose high bit is set in m, m being a mask of 0x80 bits, nonzero;
** the SWAR loops below find a word that holds a byte they must stop at,
** and then go to it at once. Where it cannot be had cheaply (a big-endian
** machine, a compiler without the builtin, or -DRBK_NO_SWAR_FIRST to test
** that way) they find it byte by byte. */
#if !defined(RBK_NO_SWAR_FIRST) && defined(__GNUC__) && defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SWAR_FIRST(m) ((size_t)__builtin_ctzll(m) >> 3)
#endif

/* HOT: a small function of the scan's inner loops, to be inlined (the
** call would cost as much as its work on a short string). */
#if defined(__GNUC__)
#define HOT static inline __attribute__((always_inline))
#else
#define HOT static inline
#endif

#define SWAR_ONES 0x0101010101010101u
#define SWAR_HIGHS 0x8080808080808080u

/* stop_bytes gives the 0x80 bit of each byte of x that a string cannot
** take as it is: '"', '\\', a control byte (< 0x20) or a byte >= 0x80.
** Below the first such byte no bit is set (no borrow reaches it from a
** byte that is not one), so SWAR_FIRST finds exactly that first byte;
** above it bits may be wrong, and are not looked at. A byte of 0xA0 or
** more keeps its high bit less 0x20; one of 0x80 to 0x9F, xor '"', is
** 0xA0 to 0xBF, and keeps it less 1. */
HOT uint64_t stop_bytes(uint64_t x) {
  uint64_t q = x ^ (SWAR_ONES * '"'), b = x ^ (SWAR_ONES * '\\');
  return ((x - SWAR_ONES * 0x20) | (q - SWAR_ONES) | (b - SWAR_ONES)) & SWAR_HIGHS;
}

/* plain_run returns the end of the run of bytes from i that need no
** decoding: PLAIN bytes and valid UTF-8 sequences. It stops at '"', '\\',
** a control byte, the end of input, or invalid UTF-8. Most of a journal's
** bytes are in strings, so it reads eight at a time while it can. */
HOT size_t plain_run(const unsigned char *s, size_t n, size_t i) {
  for (;;) {
    while (n - i >= 8) {
      uint64_t x, m;
      memcpy(&x, s + i, 8);
      m = stop_bytes(x);
      if (m) {
#ifdef SWAR_FIRST
        i += SWAR_FIRST(m);
        goto stopped;
#else
        break;
#endif
      }
      i += 8;
    }
    while (i < n && PLAIN[s[i]]) i++;
#ifdef SWAR_FIRST
  stopped:
#endif
    if (i < n && s[i] >= 0x80) {
      uint32_t cp;
      int k = utf8_decode(s + i, n - i, &cp);
      if (k == 0) return i;
      i += (size_t)k;
      continue;
    }
    return i;
  }
}

/* digit_run returns the end of the run of ASCII digits from i, reading
** eight bytes at a time while it can. */
HOT size_t digit_run(const unsigned char *s, size_t n, size_t i) {
  while (n - i >= 8) {
    uint64_t x, bad;
    memcpy(&x, s + i, 8);
    /* a byte is a digit when its high nibble is 3 and its low one below
    ** 10 (adding 6 to it does not reach 16); no step carries out of a
    ** byte, so every byte's flag is its own */
    bad = ((x & (SWAR_ONES * 0xF0)) ^ (SWAR_ONES * 0x30)) | (((x & (SWAR_ONES * 0x0F)) + SWAR_ONES * 0x06) & (SWAR_ONES * 0x10));
    bad = (((bad & ~SWAR_HIGHS) + ~SWAR_HIGHS) | bad) & SWAR_HIGHS;   /* 0x80 in each byte that is not 0 */
    if (bad) {
#ifdef SWAR_FIRST
      return i + SWAR_FIRST(bad);
#else
      break;
#endif
    }
    i += 8;
  }
  while (i < n && s[i] >= '0' && s[i] <= '9') i++;
  return i;
}

/* string -> '"' chars '"'; p->i is at the opening quote. On success the
** decoded bytes are in the tree at *out, *len of them, NUL-terminated. */
static int parse_string(Parser *p, char **out, size_t *len) {
  size_t start = p->i + 1;
  Buf *b = &p->sb;
  p->i = plain_run(p->s, p->n, start);
  if (p->i < p->n && p->s[p->i] == '"') {   /* the usual case: nothing to decode */
    *len = p->i - start;
    *out = take_str(p, p->s + start, *len);
    p->i++;
    return 0;
  }
  buf_reset(b);
  buf_add(b, (const char *)p->s + start, p->i - start);
  for (;;) {
    unsigned char c;
    size_t from = p->i;
    p->i = plain_run(p->s, p->n, from);
    if (p->i > from) buf_add(b, (const char *)p->s + from, p->i - from);
    if (p->i >= p->n) {
      fail(p, p->i, "unterminated string");
      return -1;
    }
    c = p->s[p->i];
    if (c == '"') {
      p->i++;
      *len = b->n;
      *out = take_str(p, b->p, b->n);
      return 0;
    }
    if (c < 0x20) {
      fail(p, p->i, "control character 0x%02x in a string (write it as an escape)", c);
      return -1;
    }
    if (c >= 0x80) {   /* plain_run stopped at it: not UTF-8 */
      fail(p, p->i, "invalid UTF-8 in a string");
      return -1;
    }
    /* a backslash */
    if (p->i + 1 >= p->n) {
      fail(p, p->i, "unterminated string");
      return -1;
    }
    c = p->s[p->i + 1];
    p->i += 2;
    switch (c) {
      case '"': buf_putc(b, '"'); break;
      case '\\': buf_putc(b, '\\'); break;
      case '/': buf_putc(b, '/'); break;
      case 'b': buf_putc(b, '\b'); break;
      case 'f': buf_putc(b, '\f'); break;
      case 'n': buf_putc(b, '\n'); break;
      case 'r': buf_putc(b, '\r'); break;
      case 't': buf_putc(b, '\t'); break;
      case 'u': {
        long hi = hex4(p), lo;
        if (hi < 0) return -1;
        if (hi >= 0xDC00 && hi <= 0xDFFF) {
          fail(p, p->i - 6, "lone low surrogate \\u%04lx", hi);
          return -1;
        }
        if (hi >= 0xD800 && hi <= 0xDBFF) {
          if (p->i + 1 >= p->n || p->s[p->i] != '\\' || p->s[p->i + 1] != 'u') {
            fail(p, p->i - 6, "lone high surrogate \\u%04lx", hi);
            return -1;
          }
          p->i += 2;
          lo = hex4(p);
          if (lo < 0) return -1;
          if (lo < 0xDC00 || lo > 0xDFFF) {
            fail(p, p->i - 12, "high surrogate \\u%04lx not followed by a low one", hi);
            return -1;
          }
          put_utf8(b, 0x10000 + (((uint32_t)hi - 0xD800) << 10) + ((uint32_t)lo - 0xDC00));
        } else {
          put_utf8(b, (uint32_t)hi);
        }
        break;
      }
      default:
        if (c > 0x20 && c < 0x7f) fail(p, p->i - 2, "invalid escape '\\%c'", c);
        else fail(p, p->i - 2, "invalid escape: backslash before byte 0x%02x", c);
        return -1;
    }
  }
}

/* ---- numbers ---- */

/* Powers of ten that a double holds exactly. */
static const double POW10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                               1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                               1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* number -> '-'? ('0' | [1-9][0-9]*) ('.' [0-9]+)? ([eE] [+-]? [0-9]+)?
** A number whose digits, read as a whole number m, stay below 2^53 and
** whose power of ten e is within 22 either way is m * 10^e or m / 10^-e:
** both operands are exact, so the one rounding of IEEE arithmetic gives
** the correctly rounded result, as strtod would (Clinger's fast path).
** Anything else goes to strtod. */
static int parse_number(Parser *p, Json *out) {
  const unsigned char *s = p->s;
  size_t start = p->i, i = p->i, n = p->n;   /* p->i is set at every return */
  uint64_t m = 0;
  int neg = 0, exact = 1;
  long e = 0, x = 0;
  double d;
#define DIGIT_AT(k) ((k) < n && s[k] >= '0' && s[k] <= '9')
  if (s[i] == '-') {
    neg = 1;
    i++;
  }
  if (!DIGIT_AT(i)) {
    p->i = i;
    fail(p, start, "number without digits");
    return -1;
  }
  if (s[i] == '0') {
    i++;
    if (DIGIT_AT(i)) {
      p->i = i;
      fail(p, start, "number with a leading zero");
      return -1;
    }
  } else {
    while (DIGIT_AT(i)) {
      if (m < (1ull << 53) / 10 + 1) m = m * 10 + (uint64_t)(s[i] - '0');
      else exact = 0;
      i++;
    }
  }
  if (i < n && s[i] == '.') {
    i++;
    if (!DIGIT_AT(i)) {
      p->i = i;
      fail(p, i, "number without digits after the decimal point");
      return -1;
    }
    while (DIGIT_AT(i)) {
      if (m < (1ull << 53) / 10 + 1) {
        m = m * 10 + (uint64_t)(s[i] - '0');
        e--;
      } else {
        exact = 0;
      }
      i++;
    }
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    int xneg = 0;
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) xneg = s[i++] == '-';
    if (!DIGIT_AT(i)) {
      p->i = i;
      fail(p, i, "number without digits in its exponent");
      return -1;
    }
    while (DIGIT_AT(i)) {
      if (x < 100000) x = x * 10 + (s[i] - '0');
      i++;
    }
    e += xneg ? -x : x;
  }
#undef DIGIT_AT
  p->i = i;
#if FLT_EVAL_METHOD == 0
  if (exact && m <= (1ull << 53) && e >= -22 && e <= 22) {
    d = e < 0 ? (double)m / POW10[-e] : (double)m * POW10[e];
    if (neg) d = -d;
  } else
#endif
  {
    (void)POW10;
    d = text_to_double((const char *)p->s + start, p->i - start);
    if (isinf(d)) {
      fail(p, start, "number too large for a double");
      return -1;
    }
  }
  out->kind = JSON_NUM;
  out->n = d;
  return 0;
}

/* ---- objects, arrays, values ---- */

static int literal(Parser *p, const char *word, size_t k) {
  if (p->n - p->i >= k && memcmp(p->s + p->i, word, k) == 0) {
    p->i += k;
    return 1;
  }
  return 0;
}

static int parse_value(Parser *p, int depth, Json *out);

static int pending_cmp(const void *a, const void *b) {
  const Pending *x = *(const Pending *const *)a, *y = *(const Pending *const *)b;
  size_t n = x->klen < y->klen ? x->klen : y->klen;
  int c = memcmp(x->key, y->key, n);
  if (c) return c;
  return x->klen < y->klen ? -1 : x->klen > y->klen;
}

/* check_dups refuses an object with a key twice: which one would count? */
static int check_dups(Parser *p, const Pending *m, size_t count) {
  size_t i, k;
  if (count < 2) return 0;
  if (count <= 16) {
    for (i = 1; i < count; i++)
      for (k = 0; k < i; k++)
        if (m[i].klen == m[k].klen && m[i].key[0] == m[k].key[0] &&
            memcmp(m[i].key, m[k].key, m[i].klen) == 0) {
          fail(p, m[i].off, "duplicate key \"%.60s\"", m[i].key);
          return -1;
        }
    return 0;
  }
  {
    const Pending **v = mem_alloc(count * sizeof *v);
    int rc = 0;
    for (i = 0; i < count; i++) v[i] = &m[i];
    qsort(v, count, sizeof *v, pending_cmp);
    for (i = 1; i < count; i++)
      if (pending_cmp(&v[i - 1], &v[i]) == 0) {
        size_t off = v[i]->off > v[i - 1]->off ? v[i]->off : v[i - 1]->off;
        fail(p, off, "duplicate key \"%.60s\"", v[i]->key);
        rc = -1;
        break;
      }
    mem_free(v);
    return rc;
  }
}

/* more_items reads what follows an item of an object or array: a ','
** (1: another item comes), the closing bracket (0), or else fails with
** "expected WHAT" (-1). */
static int more_items(Parser *p, char close, const char *what) {
  skip_ws(p);
  if (p->i < p->n && p->s[p->i] == ',') {
    p->i++;
    return 1;
  }
  if (p->i < p->n && p->s[p->i] == close) {
    p->i++;
    return 0;
  }
  fail_unexpected(p, what);
  return -1;
}

/* object -> '{' (string ':' value (',' string ':' value)*)? '}' */
static int parse_object(Parser *p, int depth, Json *out) {
  size_t base = p->sn, count, i;
  int more;
  Member *mem;
  out->kind = JSON_OBJ;
  out->mem = NULL;
  out->count = 0;
  p->i++;
  skip_ws(p);
  if (p->i < p->n && p->s[p->i] == '}') {
    p->i++;
    return 0;
  }
  for (;;) {
    Pending m;
    skip_ws(p);
    if (p->i >= p->n || p->s[p->i] != '"') {
      fail_unexpected(p, "a string key");
      return -1;
    }
    m.off = p->i;
    if (parse_string(p, &m.key, &m.klen) < 0) return -1;
    skip_ws(p);
    if (p->i >= p->n || p->s[p->i] != ':') {
      fail_unexpected(p, "':' after a key");
      return -1;
    }
    p->i++;
    if (parse_value(p, depth, &m.val) < 0) return -1;
    push(p, &m);
    if ((more = more_items(p, '}', "',' or '}'")) < 0) return -1;
    if (!more) break;
  }
  count = p->sn - base;
  if (check_dups(p, p->stk + base, count) < 0) return -1;
  mem = take_nodes(p, count * sizeof *mem);
  for (i = 0; i < count; i++) {
    mem[i].key = p->stk[base + i].key;
    mem[i].klen = p->stk[base + i].klen;
    mem[i].val = p->stk[base + i].val;
  }
  p->sn = base;
  out->mem = mem;
  out->count = count;
  return 0;
}

/* array -> '[' (value (',' value)*)? ']' */
static int parse_array(Parser *p, int depth, Json *out) {
  size_t base = p->sn, count, i;
  int more;
  Json *items;
  out->kind = JSON_ARR;
  out->items = NULL;
  out->count = 0;
  p->i++;
  skip_ws(p);
  if (p->i < p->n && p->s[p->i] == ']') {
    p->i++;
    return 0;
  }
  for (;;) {
    Pending m;
    m.key = NULL;
    m.klen = m.off = 0;
    if (parse_value(p, depth, &m.val) < 0) return -1;
    push(p, &m);
    if ((more = more_items(p, ']', "',' or ']'")) < 0) return -1;
    if (!more) break;
  }
  count = p->sn - base;
  items = take_nodes(p, count * sizeof *items);
  for (i = 0; i < count; i++) items[i] = p->stk[base + i].val;
  p->sn = base;
  out->items = items;
  out->count = count;
  return 0;
}

/* value -> object | array | string | number | true | false | null */
static int parse_value(Parser *p, int depth, Json *out) {
  unsigned char c;
  skip_ws(p);
  if (p->i >= p->n) {
    fail_unexpected(p, "a value");
    return -1;
  }
  c = p->s[p->i];
  if (c == '"') {
    out->kind = JSON_STR;
    return parse_string(p, &out->s, &out->len);
  }
  if (c == '{' || c == '[') {
    if (depth >= JSON_MAX_DEPTH) {
      fail(p, p->i, "nesting deeper than %d", JSON_MAX_DEPTH);
      return -1;
    }
    return c == '{' ? parse_object(p, depth + 1, out) : parse_array(p, depth + 1, out);
  }
  if (c == '-' || (c >= '0' && c <= '9')) return parse_number(p, out);
  if (literal(p, "true", 4) || literal(p, "false", 5)) {
    out->kind = JSON_BOOL;
    out->b = c == 't';
    return 0;
  }
  if (literal(p, "null", 4)) {
    out->kind = JSON_NULL;
    return 0;
  }
  fail_unexpected(p, "a value");
  return -1;
}

/* parse_doc reads the text in p into the tree d. */
static int parse_doc(Parser *p, Doc *d) {
  if (p->err && p->errlen) p->err[0] = '\0';
  if (parse_value(p, 0, &d->root) < 0) return -1;
  skip_ws(p);
  if (p->i < p->n) {
    fail_unexpected(p, "the end of input");
    return -1;
  }
  return 0;
}

static void parser_init(Parser *p, const char *s, size_t n, char *err, size_t errlen,
                        Pending *inl) {
  memset(p, 0, sizeof *p);
  p->s = (const unsigned char *)s;
  p->n = n;
  p->err = err;
  p->errlen = errlen;
  p->stk = p->inl = inl;
  p->scap = PENDING_INLINE;
}

static void parser_done(Parser *p) {
  if (p->stk != p->inl) mem_free(p->stk);
  buf_free(&p->sb);
}

Json *json_parse(const char *s, size_t n, char *err, size_t errlen) {
  Pending inl[PENDING_INLINE];
  Parser p;
  Doc *d;
  Pool *pl;
  size_t first;
  int rc;
  parser_init(&p, s, n, err, errlen, inl);
  /* Room for about twice the text: a journal record needs a little less
  ** (strings take their length, members 40 bytes for a few of text). */
  first = n < ((size_t)1 << 20) ? 2 * n + 128 : n + n / 2;
  first = (first + 7) & ~(size_t)7;
  d = mem_alloc(sizeof *d + sizeof *pl + first);
  pl = (Pool *)(d + 1);
  d->pool = pl;
  pl->owner = d;
  pl->more = NULL;
  pl->lo = (char *)(pl + 1);
  pl->hi = pl->lo + first;
  pl->block = first;
  p.pool = pl;
  rc = parse_doc(&p, d);
  parser_done(&p);
  if (rc < 0) {
    json_free(&d->root);
    return NULL;
  }
  return &d->root;
}

Json *json_parse_into(Json *tree, const char *s, size_t n, char *err, size_t errlen) {
  Pending inl[PENDING_INLINE];
  Parser p;
  Pool *pl;
  Block *more;
  char *lo, *hi;
  Doc *d;
  int rc;
  if (!tree) return json_parse(s, n, err, errlen);
  parser_init(&p, s, n, err, errlen, inl);
  pl = p.pool = ((Doc *)tree)->pool;
  p.adding = 1;
  more = pl->more;
  lo = pl->lo;
  hi = pl->hi;
  d = take_nodes(&p, sizeof *d);
  d->pool = pl;
  rc = parse_doc(&p, d);
  parser_done(&p);
  if (rc < 0) {
    /* Give back what the failed parse took of the block it began in (any
    ** block it added stays in the pool, unused, until the pool is freed). */
    if (pl->more == more) {
      pl->lo = lo;
      pl->hi = hi;
    }
    return NULL;
  }
  return &d->root;
}

void json_free(Json *j) {
  Doc *d = (Doc *)j;
  Block *b, *next;
  if (!j || d->pool->owner != d) return;
  for (b = d->pool->more; b; b = next) {
    next = b->next;
    mem_free(b);
  }
  mem_free(d);
}

/* ---- accessors -------------------------------------------------------- */

JsonKind json_kind(const Json *j) { return j ? j->kind : JSON_ABSENT; }

Json *json_get(const Json *obj, const char *key) {
  size_t i, k;
  if (!obj || obj->kind != JSON_OBJ || !key) return NULL;
  k = strlen(key);
  for (i = 0; i < obj->count; i++) {
    Member *m = &obj->mem[i];
    /* keys are NUL-terminated, so key[0] is there to compare even for "" */
    if (m->klen == k && m->key[0] == key[0] && memcmp(m->key, key, k) == 0) return &m->val;
  }
  return NULL;
}

const char *json_str(const Json *j, size_t *len) {
  if (!j || j->kind != JSON_STR) {
    if (len) *len = 0;
    return NULL;
  }
  if (len) *len = j->len;
  return j->s;
}

double json_num(const Json *j, int *ok) {
  int is = j && j->kind == JSON_NUM;
  if (ok) *ok = is;
  return is ? j->n : 0;
}

int json_bool(const Json *j, int *ok) {
  int is = j && j->kind == JSON_BOOL;
  if (ok) *ok = is;
  return is ? j->b : 0;
}

size_t json_len(const Json *j) {
  return j && (j->kind == JSON_ARR || j->kind == JSON_OBJ) ? j->count : 0;
}

Json *json_at(const Json *j, size_t i) {
  if (!j || i >= json_len(j)) return NULL;
  return j->kind == JSON_ARR ? &j->items[i] : &j->mem[i].val;
}

const char *json_key(const Json *obj, size_t i, size_t *len) {
  if (!obj || obj->kind != JSON_OBJ || i >= obj->count) {
    if (len) *len = 0;
    return NULL;
  }
  if (len) *len = obj->mem[i].klen;
  return obj->mem[i].key;
}

/* ---- the printer ------------------------------------------------------ */

void json_print(Buf *b, const Json *j) {
  size_t i;
  if (!j) return;
  switch (j->kind) {
    case JSON_NULL: buf_puts(b, "null"); break;
    case JSON_BOOL: buf_puts(b, j->b ? "true" : "false"); break;
    case JSON_NUM: json_put_num(b, j->n); break;
    /* parsed strings are valid UTF-8, which buf_json_str keeps exactly */
    case JSON_STR: buf_json_str(b, j->s, j->len); break;
    case JSON_ARR:
      buf_putc(b, '[');
      for (i = 0; i < j->count; i++) {
        if (i) buf_putc(b, ',');
        json_print(b, &j->items[i]);
      }
      buf_putc(b, ']');
      break;
    case JSON_OBJ:
      buf_putc(b, '{');
      for (i = 0; i < j->count; i++) {
        if (i) buf_putc(b, ',');
        buf_json_str(b, j->mem[i].key, j->mem[i].klen);
        buf_putc(b, ':');
        json_print(b, &j->mem[i].val);
      }
      buf_putc(b, '}');
      break;
    default: break;
  }
}

/* ---- bytes: UTF-8 strings or base64 ------------------------------------ */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int json_utf8_valid(const char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint32_t cp;
    int k = utf8_decode((const unsigned char *)s + i, n - i, &cp);
    if (k == 0) return 0;
    i += (size_t)k;
  }
  return 1;
}

static void put_base64(Buf *b, const unsigned char *s, size_t n) {
  size_t i;
  char q[4];
  for (i = 0; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
    q[0] = B64[v >> 18];
    q[1] = B64[(v >> 12) & 63];
    q[2] = B64[(v >> 6) & 63];
    q[3] = B64[v & 63];
    buf_add(b, q, 4);
  }
  if (n - i == 1) {
    uint32_t v = (uint32_t)s[i] << 16;
    q[0] = B64[v >> 18];
    q[1] = B64[(v >> 12) & 63];
    q[2] = q[3] = '=';
    buf_add(b, q, 4);
  } else if (n - i == 2) {
    uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
    q[0] = B64[v >> 18];
    q[1] = B64[(v >> 12) & 63];
    q[2] = B64[(v >> 6) & 63];
    q[3] = '=';
    buf_add(b, q, 4);
  }
}

static int b64val(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

/* get_base64 decodes canonical base64 (padded, no stray bits) into out. */
static int get_base64(const unsigned char *s, size_t n, Buf *out) {
  size_t i;
  if (n % 4) return -1;
  for (i = 0; i < n; i += 4) {
    int v[4], k, pad = 0;
    uint32_t w;
    for (k = 0; k < 4; k++) {
      if (s[i + (size_t)k] == '=' && i + 4 == n && k >= 2) {
        v[k] = 0;
        pad++;
      } else {
        if (pad) return -1;                /* '=' then a digit */
        v[k] = b64val(s[i + (size_t)k]);
        if (v[k] < 0) return -1;
      }
    }
    w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
    if (pad == 0) {
      char t[3] = {(char)(w >> 16), (char)(w >> 8), (char)w};
      buf_add(out, t, 3);
    } else if (pad == 1) {
      char t[2] = {(char)(w >> 16), (char)(w >> 8)};
      if (w & 0xFF) return -1;
      buf_add(out, t, 2);
    } else {
      char t = (char)(w >> 16);
      if (w & 0xFFFF) return -1;
      buf_putc(out, t);
    }
  }
  return 0;
}

void json_put_str(Buf *b, const char *s, size_t n) {
  if (json_utf8_valid(s, n)) {
    buf_json_str(b, s, n);
  } else {
    buf_puts(b, "{\"bytes\":\"");
    put_base64(b, (const unsigned char *)s, n);
    buf_puts(b, "\"}");
  }
}

int json_to_bytes(const Json *j, Buf *out, char *err, size_t errlen) {
  const Json *bytes;
  if (j && j->kind == JSON_STR) {
    buf_add(out, j->s, j->len);
    return 0;
  }
  bytes = json_get(j, "bytes");
  if (json_len(j) == 1 && bytes && bytes->kind == JSON_STR) {
    size_t before = out->n;
    if (get_base64((const unsigned char *)bytes->s, bytes->len, out) == 0) return 0;
    out->n = before;
    if (out->p) out->p[before] = '\0';
    snprintf(err, errlen, "\"bytes\" is not canonical base64");
    return -1;
  }
  snprintf(err, errlen, "expected a string or {\"bytes\":\"<base64>\"}");
  return -1;
}

/* ---- checking without a tree ------------------------------------------
** json_scan_object accepts only what it can tell for certain that
** json_parse accepts, by the same rules; whatever it is unsure of (escaped
** keys, \u surrogates, numbers past the exact range, deep nesting, many
** keys, control bytes, invalid UTF-8...) answers 0, and the caller asks
** json_parse, whose verdict and message are the ones that count. */

/* Keys of the objects being scanned, outermost first, for duplicates. */
#define SCAN_KEYS 64
#define SCAN_DEPTH 32

typedef struct Scanner {
  const unsigned char *s;
  size_t n, i;
  const unsigned char *key[SCAN_KEYS];
  size_t klen[SCAN_KEYS];
  size_t nkeys;
} Scanner;

HOT void scan_ws(Scanner *sc) {
  /* the usual byte, a token's first, is above ' ': one test for it */
  while (sc->i < sc->n && sc->s[sc->i] <= ' ' &&
         (sc->s[sc->i] == ' ' || sc->s[sc->i] == '\t' || sc->s[sc->i] == '\n' || sc->s[sc->i] == '\r'))
    sc->i++;
}

/* str_end: i at a string's opening quote; the index past its closing
** one, or 0 (never a string's end) when it is not a string the scan is
** sure of. *escaped says whether it held a backslash. */
HOT size_t str_end(const unsigned char *s, size_t n, size_t i, int *escaped) {
  i++;
  *escaped = 0;
  for (;;) {
    unsigned char c;
    i = plain_run(s, n, i);
    if (i >= n) return 0;
    c = s[i];
    if (c == '"') return i + 1;
    if (c != '\\' || i + 1 >= n) return 0;   /* control byte, bad UTF-8 */
    *escaped = 1;
    c = s[i + 1];
    if (c == 'u') {
      long v = 0;
      int k;
      if (n - i < 6) return 0;
      for (k = 2; k < 6; k++) {
        int h = hexval(s[i + (size_t)k]);
        if (h < 0) return 0;
        v = v * 16 + h;
      }
      if (v >= 0xD800 && v <= 0xDFFF) return 0;   /* surrogates: json_parse judges */
      i += 6;
    } else if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r' || c == 't') {
      i += 2;
    } else {
      return 0;
    }
  }
}

/* scan_string is str_end at sc->i: 1 and sc->i past the string, or 0. */
HOT int scan_string(Scanner *sc, int *escaped) {
  size_t e = str_end(sc->s, sc->n, sc->i, escaped);
  if (!e) return 0;
  sc->i = e;
  return 1;
}

/* scan_number: the grammar of parse_number, and sure to be finite. */
static int scan_number(Scanner *sc) {
  const unsigned char *s = sc->s;
  size_t i = sc->i, n = sc->n, lead;
  long x = 0;
  if (s[i] == '-') i++;
  if (i >= n || s[i] < '0' || s[i] > '9') return 0;
  lead = i;
  if (s[i] == '0') {
    i++;
    if (i < n && s[i] >= '0' && s[i] <= '9') return 0;
  } else {
    i = digit_run(s, n, i);
  }
  lead = i - lead;   /* digits before the point */
  if (i < n && s[i] == '.') {
    i++;
    if (i >= n || s[i] < '0' || s[i] > '9') return 0;
    i = digit_run(s, n, i);
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    int xneg = 0;
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) xneg = s[i++] == '-';
    if (i >= n || s[i] < '0' || s[i] > '9') return 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
      if (x > 1000) return 0;
      x = x * 10 + (s[i] - '0');
      i++;
    }
    if (xneg) x = -x;
  }
  /* below 10^(lead + x) <= 10^300: no double overflow */
  if ((long)lead + x > 300) return 0;
  sc->i = i;
  return 1;
}

static int scan_value(Scanner *sc, int depth);

static int scan_object(Scanner *sc, int depth) {
  size_t base = sc->nkeys, k;
  sc->i++;
  scan_ws(sc);
  if (sc->i < sc->n && sc->s[sc->i] == '}') {
    sc->i++;
    return 1;
  }
  for (;;) {
    size_t at;
    int esc;
    scan_ws(sc);
    if (sc->i >= sc->n || sc->s[sc->i] != '"') return 0;
    at = sc->i;
    if (!scan_string(sc, &esc) || esc || sc->nkeys == SCAN_KEYS) return 0;
    sc->key[sc->nkeys] = sc->s + at + 1;
    sc->klen[sc->nkeys] = sc->i - at - 2;
    for (k = base; k < sc->nkeys; k++)
      if (sc->klen[k] == sc->klen[sc->nkeys] && memcmp(sc->key[k], sc->key[sc->nkeys], sc->klen[k]) == 0) return 0;
    sc->nkeys++;
    scan_ws(sc);
    if (sc->i >= sc->n || sc->s[sc->i] != ':') return 0;
    sc->i++;
    if (!scan_value(sc, depth)) return 0;
    scan_ws(sc);
    if (sc->i < sc->n && sc->s[sc->i] == ',') {
      sc->i++;
      continue;
    }
    if (sc->i < sc->n && sc->s[sc->i] == '}') {
      sc->i++;
      sc->nkeys = base;
      return 1;
    }
    return 0;
  }
}

static int scan_array(Scanner *sc, int depth) {
  sc->i++;
  scan_ws(sc);
  if (sc->i < sc->n && sc->s[sc->i] == ']') {
    sc->i++;
    return 1;
  }
  for (;;) {
    if (!scan_value(sc, depth)) return 0;
    scan_ws(sc);
    if (sc->i < sc->n && sc->s[sc->i] == ',') {
      sc->i++;
      continue;
    }
    if (sc->i < sc->n && sc->s[sc->i] == ']') {
      sc->i++;
      return 1;
    }
    return 0;
  }
}

static int scan_value(Scanner *sc, int depth) {
  unsigned char c;
  int esc;
  scan_ws(sc);
  if (sc->i >= sc->n) return 0;
  c = sc->s[sc->i];
  if (c == '"') return scan_string(sc, &esc);
  if (c == '{' || c == '[') {
    if (depth >= SCAN_DEPTH) return 0;
    return c == '{' ? scan_object(sc, depth + 1) : scan_array(sc, depth + 1);
  }
  if (c == '-' || (c >= '0' && c <= '9')) return scan_number(sc);
  if (sc->n - sc->i >= 4 && (memcmp(sc->s + sc->i, "true", 4) == 0 || memcmp(sc->s + sc->i, "null", 4) == 0)) {
    sc->i += 4;
    return 1;
  }
  if (sc->n - sc->i >= 5 && memcmp(sc->s + sc->i, "false", 5) == 0) {
    sc->i += 5;
    return 1;
  }
  return 0;
}

HOT uint64_t key_bit(const char *key, size_t n) {
  unsigned h = (unsigned)n * 31u;
  if (n) h += (unsigned char)key[0] * 7u + (unsigned char)key[n - 1] * 3u + (unsigned char)key[n / 2];
  return (uint64_t)1 << (h & 63);
}

uint64_t json_key_bit(const char *key, size_t n) { return key_bit(key, n); }

/* scan_members reads members from sc->i (just after '{' or a ',') to the
** closing '}', noting the first maxtop in top (*k so far) and their keys'
** bits in *mask. */
static int scan_members(Scanner *sc, JsonSpan *top, size_t maxtop, size_t *k, uint64_t *mask) {
  /* the text and the place in locals: the loop runs once per member of
  ** every record, and sc->i is written back only for scan_value */
  const unsigned char *s = sc->s;
  size_t n = sc->n, i = sc->i;
#define SKIP_WS() \
  while (i < n && s[i] <= ' ' && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++
  for (;;) {
    size_t at, v, j, e, kl;
    uint64_t bit;
    int esc;
    SKIP_WS();
    if (i >= n || s[i] != '"') return 0;
    at = i;
    e = str_end(s, n, i, &esc);
    if (!e || esc || sc->nkeys == SCAN_KEYS) return 0;
    i = e;
    kl = i - at - 2;
    sc->key[sc->nkeys] = s + at + 1;
    sc->klen[sc->nkeys] = kl;
    /* *mask holds the bits of every key so far: a key whose bit is not
    ** in it is none of them, and needs no comparing */
    bit = key_bit((const char *)s + at + 1, kl);
    if (*mask & bit)
      for (j = 0; j < sc->nkeys; j++)
        if (sc->klen[j] == kl && (kl == 0 || sc->key[j][0] == s[at + 1]) && memcmp(sc->key[j], s + at + 1, kl) == 0)
          return 0;
    *mask |= bit;
    sc->nkeys++;
    SKIP_WS();
    if (i >= n || s[i] != ':') return 0;
    i++;
    SKIP_WS();
    v = i;
    if (i < n && s[i] == '"') {   /* a string, the usual value, without scan_value's dispatch */
      e = str_end(s, n, i, &esc);
      if (!e) return 0;
      i = e;
    } else {
      sc->i = i;
      if (!scan_value(sc, 1)) return 0;
      i = sc->i;
    }
    if (*k < maxtop) {
      top[*k].key = (const char *)s + at + 1;
      top[*k].klen = kl;
      top[*k].val = (const char *)s + v;
      top[*k].vlen = i - v;
      (*k)++;
    }
    SKIP_WS();
    if (i < n && s[i] == ',') {
      i++;
      continue;
    }
    if (i < n && s[i] == '}') {
      sc->i = i + 1;
      return 1;
    }
    return 0;
  }
#undef SKIP_WS
}

int json_scan_object(const char *s, size_t n, JsonSpan *top, size_t maxtop, size_t *ntop, uint64_t *keys) {
  Scanner sc;
  size_t k = 0;
  uint64_t mask = 0;
  *ntop = 0;
  sc.s = (const unsigned char *)s;
  sc.n = n;
  sc.i = 0;
  sc.nkeys = 0;
  scan_ws(&sc);
  if (sc.i >= n || sc.s[sc.i] != '{') return 0;
  sc.i++;
  scan_ws(&sc);
  if (sc.i < n && sc.s[sc.i] == '}') sc.i++;
  else if (!scan_members(&sc, top, maxtop, &k, &mask)) return 0;
  scan_ws(&sc);
  if (sc.i != n) return 0;
  *ntop = k;
  if (keys) *keys = mask;
  return 1;
}

int json_scan_rest(const char *s, size_t n, size_t at, const JsonSpan *pre, size_t npre, uint64_t *keys) {
  size_t ntop;
  return json_scan_rest_top(s, n, at, pre, npre, keys, NULL, 0, &ntop);
}

int json_scan_rest_top(const char *s, size_t n, size_t at, const JsonSpan *pre, size_t npre, uint64_t *keys,
                       JsonSpan *top, size_t maxtop, size_t *ntop) {
  size_t j;
  uint64_t mask = 0;
  *ntop = 0;
  if (npre > SCAN_KEYS) return 0;
  for (j = 0; j < npre; j++) {
    size_t b;
    for (b = 0; b < pre[j].klen; b++)   /* short keys: a loop, not a call */
      if (pre[j].key[b] == '\\') return 0;
    mask |= json_key_bit(pre[j].key, pre[j].klen);
  }
  return json_scan_rest_known(s, n, at, pre, npre, mask, keys, top, maxtop, ntop);
}

int json_scan_rest_known(const char *s, size_t n, size_t at, const JsonSpan *pre, size_t npre, uint64_t premask,
                         uint64_t *keys, JsonSpan *top, size_t maxtop, size_t *ntop) {
  Scanner sc;
  size_t k = 0, j;
  uint64_t mask = premask;
  *ntop = 0;
  if (npre > SCAN_KEYS || at >= n) return 0;
  sc.s = (const unsigned char *)s;
  sc.n = n;
  sc.i = at;
  sc.nkeys = 0;
  for (j = 0; j < npre; j++) {
    sc.key[sc.nkeys] = (const unsigned char *)pre[j].key;
    sc.klen[sc.nkeys++] = pre[j].klen;
  }
  if (s[at] == '}') sc.i++;
  else if (s[at] != ',') return 0;
  else {
    sc.i++;
    if (!scan_members(&sc, top, maxtop, &k, &mask)) return 0;
  }
  scan_ws(&sc);
  if (sc.i != n) return 0;
  if (keys) *keys = mask;
  *ntop = k;
  return 1;
}

/* skip_valid: i at a value of text known to be valid JSON; the
** index just past it. */
static size_t skip_valid(const unsigned char *s, size_t n, size_t i) {
  int depth = 0;
  do {
    unsigned char c;
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
    if (i >= n) return n;
    c = s[i];
    if (c == '"') {
      i++;
      for (;;) {
        const unsigned char *q = memchr(s + i, '"', n - i);
        size_t b;
        if (!q) return n;
        /* the quote ends the string unless an odd run of backslashes is before it */
        for (b = (size_t)(q - s); b > i && s[b - 1] == '\\'; b--) {}
        i = (size_t)(q - s) + 1;
        if ((((size_t)(q - s)) - b) % 2 == 0) break;
      }
    } else if (c == '{' || c == '[') {
      depth++;
      i++;
      continue;
    } else if (c == '}' || c == ']') {
      depth--;
      i++;
    } else if (c == ',' || c == ':') {
      i++;
      continue;
    } else {
      while (i < n && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' &&
             s[i] != '\r')
        i++;
    }
  } while (depth > 0);
  return i;
}

int json_member_raw(const char *text, size_t n, const char *key, const char **val, size_t *vlen) {
  const unsigned char *s = (const unsigned char *)text;
  size_t i = 0, kn = strlen(key);
  *val = NULL;
  *vlen = 0;
  while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
  if (i >= n || (s[i] != '{' && s[i] != ',')) return 0;
  i++;
  for (;;) {
    size_t ks, ke, v;
    while (i < n && s[i] != '"' && s[i] != '}') i++;
    if (i >= n || s[i] == '}') return 0;
    ks = i + 1;
    for (ke = ks; ke < n && s[ke] != '"'; ke++)
      if (s[ke] == '\\') return -1;
    i = ke + 1;
    while (i < n && s[i] != ':') i++;
    i++;
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
    v = i;
    i = skip_valid(s, n, i);
    if (ke - ks == kn && memcmp(s + ks, key, kn) == 0) {
      *val = text + v;
      *vlen = i - v;
      return 1;
    }
    while (i < n && s[i] != ',' && s[i] != '}') i++;
    if (i >= n || s[i] == '}') return 0;
    i++;
  }
}
