/*
** journal.c -- the run journal: appending durably, reading back with the
** hash chain verified, setting torn tails aside, and the run lock.
*/
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../base/buf.h"
#include "../base/durable.h"
#include "../base/mem.h"
#include "../base/sha256.h"
#include "../base/utctime.h"

#define JOURNAL_NAME "journal.jsonl"
#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

/* ---- small file helpers ----------------------------------------------- */

/* join writes dir/name into out; -1 if it does not fit. */
static int join(char *out, size_t outlen, const char *dir, const char *name) {
  int k = snprintf(out, outlen, "%s/%s", dir, name);
  return k < 0 || (size_t)k >= outlen ? -1 : 0;
}


/* read_all reads the whole of fd from offset 0 into a mem_alloc'd buffer
** with a NUL after it. The buffer is sized from fstat with a byte to spare
** beyond the NUL, so that the read which finds the end of the file needs
** no larger buffer: a file that does not grow meanwhile is read once,
** into place, and never copied. */
static int read_all(int fd, char **out, size_t *outn) {
  struct stat st;
  size_t cap = 4096, n = 0;
  char *p;
  if (fstat(fd, &st) == 0 && st.st_size > 0 && (uint64_t)st.st_size < SIZE_MAX / 2)
    cap = (size_t)st.st_size + 2;
  p = mem_alloc(cap);
  if (cap >= ((size_t)4 << 20)) mem_advise_huge(p, cap);
  for (;;) {
    ssize_t k;
    if (n + 1 >= cap) p = mem_grow(p, &cap, n + 4096, 1);
    k = pread(fd, p + n, cap - n - 1, (off_t)n);
    if (k < 0) {
      if (errno == EINTR) continue;
      mem_free(p);
      return -1;
    }
    if (k == 0) break;
    n += (size_t)k;
  }
  p[n] = '\0';
  *out = p;
  *outn = n;
  return 0;
}

/* map_all maps the n bytes of fd read-only (MAP_PRIVATE), for jrn_open:
** the file's pages are the page cache's, so nothing is zeroed or copied
** as read_all must. 0 and the map in *out; -1 when there is nothing to
** map (an empty file) or mmap fails, and the caller reads instead.
** A map of a file that shrinks underneath raises SIGBUS on a page beyond
** the new end. It cannot shrink while jrn_open's caller holds the run's
** lock (jrn_lock): only jrn_open itself cuts a journal (a torn tail), and
** the commands that execute or answer a run call it under that lock (rbk
** log --verify's sign_check_run opens without it, but only a journal it
** has just found intact, with no tail to cut); and what it cuts off is
** past every record kept, so no record's bytes are on a page beyond the
** new end. */
static int map_all(int fd, char **out, size_t *outn) {
  struct stat st;
  void *m;
  if (fstat(fd, &st) < 0 || st.st_size <= 0 || (uint64_t)st.st_size >= SIZE_MAX / 2) return -1;
#ifdef MAP_POPULATE
  m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
#else
  m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
#endif
  if (m == MAP_FAILED) return -1;
#ifdef MADV_SEQUENTIAL
  madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
#endif
  *out = m;
  *outn = (size_t)st.st_size;
  return 0;
}

/* ---- checking one record ---------------------------------------------- */

/* TYPE_BYTE: 1 for the bytes a record type may hold after its first */
#define R8(c) c, c, c, c, c, c, c, c
static const unsigned char TYPE_BYTE[256] = {
  R8(0), R8(0), R8(0), R8(0), R8(0), R8(0),           /* 0..47 */
  R8(1), 1, 1, 0, 0, 0, 0, 0, 0,                      /* '0'..'9' at 48..57, then 58..63 */
  R8(0), R8(0), R8(0), 0, 0, 0, 0, 0, 0, 0, 1,        /* 64..94, '_' at 95 */
  0, R8(1), R8(1), R8(1), 1, 1, 0, 0, 0, 0, 0,        /* 96, 'a'..'z' at 97..122, 123..127 */
  R8(0), R8(0), R8(0), R8(0), R8(0), R8(0), R8(0), R8(0),
  R8(0), R8(0), R8(0), R8(0), R8(0), R8(0), R8(0), R8(0)   /* 128..255 */
};
#undef R8

static int type_ok(const char *t, size_t n) {
  size_t i;
  if (n == 0 || n > JRN_TYPE_MAX || t[0] < 'a' || t[0] > 'z') return 0;
  for (i = 1; i < n; i++)
    if (!TYPE_BYTE[(unsigned char)t[i]]) return 0;
  return 1;
}

/* time_ok: "YYYY-MM-DDTHH:MM:SS.mmmZ" exactly, as utc_now writes it.
** Every record has one, so it is checked eight bytes at a time: x ^ shape
** is 0 in a byte that must be a fixed character and is one, and below 10
** in a byte that must be a digit and is one ('0' ^ c is c - '0' for a
** digit c, and 10 or more for any other byte). */
static int time_ok(const char *t, size_t n) {
  static const char shape[] = "0000-00-00T00:00:00.000Z";
  static const unsigned char digit[24] = {0xFF, 0xFF, 0xFF, 0xFF, 0, 0xFF, 0xFF, 0, 0xFF, 0xFF, 0, 0xFF,
                                          0xFF, 0,    0xFF, 0xFF, 0, 0xFF, 0xFF, 0, 0xFF, 0xFF, 0xFF, 0};
  const uint64_t ones = 0x0101010101010101u;
  uint64_t bad = 0;
  size_t w;
  if (n != sizeof shape - 1) return 0;
  for (w = 0; w < sizeof digit; w += 8) {
    uint64_t x, sh, d, y;
    memcpy(&x, t + w, 8);
    memcpy(&sh, shape + w, 8);
    memcpy(&d, digit + w, 8);
    y = x ^ sh;
    /* a fixed byte that differs; a digit byte of 16 or more; or one of 10 to 15 (+6 reaches 16) */
    bad |= (y & ~d) | (y & d & (ones * 0xF0)) | (((y & d & (ones * 0x0F)) + ones * 0x06) & (ones * 0x10));
  }
  return bad == 0;
}

static int key_is(const Json *o, size_t i, const char *name) {
  size_t n;
  const char *k = json_key(o, i, &n);
  return k && n == strlen(name) && memcmp(k, name, n) == 0;
}

/* check_line verifies one line (without its newline) as record number seq
** after a record whose hash is prev. On success it returns 0 and the parsed
** object in *out, placed in the memory of the tree pool (see json_parse_into)
** unless pool is NULL. On failure it returns -1, a reason in why, and sets
** *unparsed when the line is not even valid JSON (the mark of a torn write). */
static int check_line(const char *line, size_t len, uint64_t seq, const char *prev, Json *pool,
                      Json **out, int *unparsed, char *why, size_t whylen) {
  char perr[160];
  Json *o;
  const char *s;
  size_t n;
  double d;
  int ok;
  *out = NULL;
  *unparsed = 0;
  if (len == 0) {
    *unparsed = 1;
    snprintf(why, whylen, "an empty line");
    return -1;
  }
  o = json_parse_into(pool, line, len, perr, sizeof perr);
  if (!o) {
    *unparsed = 1;
    snprintf(why, whylen, "not valid JSON (%s of the line)", perr);
    return -1;
  }
  if (json_kind(o) != JSON_OBJ) {
    snprintf(why, whylen, "not a JSON object");
    goto bad;
  }
  if (!key_is(o, 0, "seq")) {
    snprintf(why, whylen, "its first key is not \"seq\"");
    goto bad;
  }
  d = json_num(json_at(o, 0), &ok);
  if (!ok || d != (double)seq) {
    if (ok && d >= 0 && d < 1e19 && d == (double)(uint64_t)d)
      snprintf(why, whylen, "seq is %" PRIu64 ", expected %" PRIu64, (uint64_t)d, seq);
    else
      snprintf(why, whylen, "seq is not %" PRIu64, seq);
    goto bad;
  }
  if (!key_is(o, 1, "prev")) {
    snprintf(why, whylen, "its second key is not \"prev\"");
    goto bad;
  }
  s = json_str(json_at(o, 1), &n);
  if (!s || n != 64 || memcmp(s, prev, 64) != 0) {
    if (seq == 0)
      snprintf(why, whylen, "prev of the first record is not 64 zeros");
    else
      snprintf(why, whylen,
               "prev is not the SHA-256 of record %" PRIu64 " (that record or this one was changed)",
               seq - 1);
    goto bad;
  }
  s = json_str(json_at(o, 2), &n);
  if (!key_is(o, 2, "time") || !s || !time_ok(s, n)) {
    snprintf(why, whylen, "its third key is not \"time\" as \"YYYY-MM-DDTHH:MM:SS.mmmZ\"");
    goto bad;
  }
  s = json_str(json_at(o, 3), &n);
  if (!key_is(o, 3, "type") || !s || !type_ok(s, n)) {
    snprintf(why, whylen, "its fourth key is not \"type\" with a lower-case name");
    goto bad;
  }
  *out = o;
  return 0;
bad:
  json_free(o);
  return -1;
}

/* check_fast is check_line for the usual record, without a tree: 1 when
** the line certainly passes check_line (json_scan_object finds it valid,
** and seq, prev, time and type are as they must be, written plainly),
** with the type's bytes in *type and *tlen; 0 when check_line must judge
** it (and say what is wrong, if anything is). */
static const JsonSpan FIXED[4] = {{"seq", 3, NULL, 0}, {"prev", 4, NULL, 0}, {"time", 4, NULL, 0}, {"type", 4, NULL, 0}};

/* fixed_mask: the json_key_bit of FIXED's keys together. */
static uint64_t fixed_mask(void) {
  uint64_t m = 0;
  size_t k;
  for (k = 0; k < 4; k++) m |= json_key_bit(FIXED[k].key, FIXED[k].klen);
  return m;
}

static int check_fast(const char *line, size_t len, uint64_t seq, const char *prev, uint64_t fixed,
                      const char **type, size_t *tlen, uint64_t *keys, JsonSpan *top, size_t *ntop) {
  JsonSpan m[4];
  size_t nm, i, d0, t0;
  *ntop = (size_t)-1;   /* not known */
  uint64_t v = 0;
  /* The usual record begins exactly as jrn_append writes it: check that
  ** prefix byte by byte, and scan only the members after it. */
  i = 7;
  if (len < 7 || memcmp(line, "{\"seq\":", 7) != 0) goto general;
  for (d0 = i; i < len && line[i] >= '0' && line[i] <= '9' && i - d0 < 19; i++) v = v * 10 + (uint64_t)(line[i] - '0');
  if (i == d0 || (line[d0] == '0' && i - d0 > 1) || v != seq) goto general;
  if (len - i < 9 + 65 + 9 + 25 + 9 || memcmp(line + i, ",\"prev\":\"", 9) != 0 ||
      memcmp(line + i + 9, prev, 64) != 0 || line[i + 9 + 64] != '"')
    goto general;
  i += 9 + 65;
  if (memcmp(line + i, ",\"time\":\"", 9) != 0 || !time_ok(line + i + 9, 24) || line[i + 9 + 24] != '"') goto general;
  i += 9 + 25;
  if (len - i < 9 || memcmp(line + i, ",\"type\":\"", 9) != 0) goto general;
  i += 9;
  /* type_ok in the same pass: the bytes a type may hold, up to its quote */
  for (t0 = i; i < len && TYPE_BYTE[(unsigned char)line[i]]; i++) {}
  if (i >= len || line[i] != '"' || i == t0 || i - t0 > JRN_TYPE_MAX || line[t0] < 'a' || line[t0] > 'z') goto general;
  i++;
  if (json_scan_rest_known(line, len, i, FIXED, 4, fixed, keys, top, JRN_MEMBERS, ntop)) {
    *type = line + t0;
    *tlen = i - 1 - t0;
    return 1;
  }
general:
  v = 0;
  *ntop = (size_t)-1;
  if (len == 0 || !json_scan_object(line, len, m, 4, &nm, keys) || nm < 4) return 0;
  if (m[0].klen != 3 || memcmp(m[0].key, "seq", 3) != 0 || m[0].vlen == 0 || m[0].vlen > 19) return 0;
  for (i = 0; i < m[0].vlen; i++) {
    if (m[0].val[i] < '0' || m[0].val[i] > '9') return 0;
    v = v * 10 + (uint64_t)(m[0].val[i] - '0');
  }
  if (v != seq) return 0;
  if (m[1].klen != 4 || memcmp(m[1].key, "prev", 4) != 0 || m[1].vlen != 66 || m[1].val[0] != '"' ||
      memcmp(m[1].val + 1, prev, 64) != 0)
    return 0;
  if (m[2].klen != 4 || memcmp(m[2].key, "time", 4) != 0 || m[2].vlen < 2 || m[2].val[0] != '"' ||
      !time_ok(m[2].val + 1, m[2].vlen - 2))
    return 0;
  if (m[3].klen != 4 || memcmp(m[3].key, "type", 4) != 0 || m[3].vlen < 2 || m[3].val[0] != '"' ||
      !type_ok(m[3].val + 1, m[3].vlen - 2))
    return 0;
  *type = m[3].val + 1;
  *tlen = m[3].vlen - 2;
  return 1;
}

/* ---- scanning a whole file ---------------------------------------------- */

enum { SCAN_INTACT, SCAN_TORN, SCAN_DAMAGED };

typedef struct Scan {
  int state;
  size_t nvalid;       /* records that verified */
  size_t valid_end;    /* bytes they take, newlines included */
  char prev[65];       /* hash of the last one */
  uint64_t bad;        /* the first bad record's number */
  size_t bad_off;
  char why[256];
} Scan;

/* What a journal keeps beside its records: the parsed trees (in one
** pool) and one copy of each record type. */
struct JrnStore {
  Json *pool;          /* the first tree parsed; every other is in its memory */
  char **types;
  size_t *tlens;       /* strlen of each */
  size_t ntypes, captypes;
  size_t last;         /* the type found last */
};

static struct JrnStore *store_of(Journal *j) {
  if (!j->store) j->store = mem_calloc(sizeof *j->store);
  return j->store;
}

/* intern returns the journal's NUL-terminated copy of type t. */
/* find_type is the index of the store's copy of the type t[0..n), or
** ntypes when it has none. */
static size_t find_type(const struct JrnStore *st, const char *t, size_t n) {
  size_t i;
  for (i = 0; i < st->ntypes; i++)
    if (st->tlens[i] == n && memcmp(st->types[i], t, n) == 0) break;
  return i;
}

static const char *intern(struct JrnStore *st, const char *t, size_t n) {
  size_t i;
  char *c;
  if (st->ntypes && st->tlens[st->last] == n && memcmp(st->types[st->last], t, n) == 0) return st->types[st->last];
  if ((i = find_type(st, t, n)) < st->ntypes) {
    st->last = i;
    return st->types[i];
  }
  if (st->ntypes == st->captypes) {
    size_t cap = st->captypes;
    st->tlens = mem_grow(st->tlens, &cap, st->ntypes + 1, sizeof *st->tlens);
    st->types = mem_grow(st->types, &st->captypes, st->ntypes + 1, sizeof *st->types);
    if (cap != st->captypes) st->tlens = mem_realloc(st->tlens, st->captypes * sizeof *st->tlens);
  }
  st->tlens[st->ntypes] = n;
  c = mem_alloc(n + 1);
  memcpy(c, t, n);
  c[n] = '\0';
  st->last = st->ntypes;
  st->types[st->ntypes++] = c;
  return c;
}

const char *jrn_type_of(const Journal *j, const char *type) {
  size_t i;
  if (!j->store) return NULL;
  i = find_type(j->store, type, strlen(type));
  return i < j->store->ntypes ? j->store->types[i] : NULL;
}

static void free_store(struct JrnStore *st) {
  size_t i;
  if (!st) return;
  json_free(st->pool);
  for (i = 0; i < st->ntypes; i++) mem_free(st->types[i]);
  mem_free(st->types);
  mem_free(st->tlens);
  mem_free(st);
}

/* keep_record adds a verified record; o is its tree if check_line made
** one (in the store's pool), else NULL. */
static void keep_record(Journal *j, const char *line, size_t len, size_t off, uint64_t seq, Json *o,
                        const char *type, size_t tlen, uint64_t keys, const JsonSpan *top, size_t ntop) {
  JrnRecord *r;
  struct JrnStore *st = store_of(j);
  if (j->nrecs == j->caprecs) j->recs = mem_grow(j->recs, &j->caprecs, j->nrecs + 1, sizeof *j->recs);
  r = &j->recs[j->nrecs++];
  r->line = line;
  r->len = len;
  r->offset = off;
  r->seq = seq;
  r->json = o;
  r->store = st;
  r->tail = o ? 0 : (size_t)(type + tlen + 1 - line);
  r->keys = o ? ~(uint64_t)0 : keys;
  r->nmembers = -1;
  r->n = -1;
  if (!o && ntop <= JRN_MEMBERS && len <= UINT16_MAX) {
    size_t k, d;
    for (k = 0; k < ntop; k++) {
      r->member[k] = (uint16_t)(top[k].key - line);
      if (top[k].klen == 1 && top[k].key[0] == 'n' && top[k].vlen >= 1 && top[k].vlen <= 15 &&
          (top[k].val[0] != '0' || top[k].vlen == 1)) {
        int64_t v = 0;
        for (d = 0; d < top[k].vlen && top[k].val[d] >= '0' && top[k].val[d] <= '9'; d++) v = v * 10 + (top[k].val[d] - '0');
        if (d == top[k].vlen) r->n = v;
      }
    }
    r->nmembers = (int8_t)ntop;
  }
  if (o) {
    if (!st->pool) st->pool = o;
    type = json_str(json_at(o, 3), &tlen);
  }
  r->type = intern(st, type, tlen);
}

/* ---- reading a record lazily ---------------------------------------------- */

Json *jrn_rec_json(const JrnRecord *r) {
  JrnRecord *w = (JrnRecord *)r;   /* the cache; records are never const objects */
  char perr[160];
  if (!r) return NULL;
  if (!r->json) {
    w->json = json_parse_into(r->store->pool, r->line, r->len, perr, sizeof perr);
    if (!r->store->pool) r->store->pool = w->json;
  }
  return r->json;
}

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* member_at gives the value of the record's member k (of r->member),
** whose key kn bytes long begins at key: the line is valid JSON, so the
** key's closing quote is followed by ':' and the value, which ends before
** the ',' ahead of the next member, or before the closing '}'. */
static void member_at(const JrnRecord *r, int k, const char *key, size_t kn, const char **v, size_t *vn) {
  const char *p = key + kn + 1, *e;
  while (is_ws(*p)) p++;
  p++;   /* the ':' */
  while (is_ws(*p)) p++;
  e = k + 1 < r->nmembers ? r->line + r->member[k + 1] - 1 : r->line + r->len;
  while (is_ws(e[-1])) e--;
  e--;   /* the ',' before the next key, or the closing '}' */
  while (is_ws(e[-1])) e--;
  *v = p;
  *vn = (size_t)(e - p);
}

/* raw finds key's value in the line: 1 found, 0 absent, -1 ask the tree. */
static int raw(const JrnRecord *r, const char *key, const char **v, size_t *vn) {
  size_t kn;
  if (r->json) return -1;
  kn = strlen(key);
  if (!(r->keys & json_key_bit(key, kn))) return 0;   /* surely absent */
  /* after the four fixed members, when it is not one of them */
  if (r->tail && !(key[0] == 's' && strcmp(key, "seq") == 0) && !(key[0] == 'p' && strcmp(key, "prev") == 0) &&
      !(key[0] == 't' && (strcmp(key, "time") == 0 || strcmp(key, "type") == 0))) {
    if (r->nmembers >= 0) {
      int k;
      for (k = 0; k < r->nmembers; k++) {
        const char *m = r->line + r->member[k];
        size_t i = 0;
        /* keys were checked unescaped: the key ends at its quote, which
        ** stops the comparison in the line */
        while (i < kn && m[i] == key[i]) i++;
        if (i == kn && m[kn] == '"') {
          if (k + 1 == JRN_MEMBERS) break;   /* its end is not noted: read the line */
          member_at(r, k, m, kn, v, vn);
          return 1;
        }
      }
      if (k == r->nmembers && r->nmembers < JRN_MEMBERS) return 0;
      /* there may be more members than the record keeps: read them all */
    }
    return json_member_raw(r->line + r->tail, r->len - r->tail, key, v, vn);
  }
  return json_member_raw(r->line, r->len, key, v, vn);
}

const Json *jrn_rec_field(const JrnRecord *r, const char *key) {
  const char *v;
  size_t vn;
  char perr[160];
  Json *o;
  int k = raw(r, key, &v, &vn);
  if (k < 0) return json_get(jrn_rec_json(r), key);
  if (k == 0) return NULL;
  o = json_parse_into(r->store->pool, v, vn, perr, sizeof perr);
  if (!r->store->pool) r->store->pool = o;
  return o;
}

int jrn_rec_has(const JrnRecord *r, const char *key) {
  const char *v;
  size_t vn;
  int k = raw(r, key, &v, &vn);
  if (k < 0) return json_get(jrn_rec_json(r), key) != NULL;
  return k;
}

double jrn_rec_num(const JrnRecord *r, const char *key, int *ok) {
  const char *v;
  size_t vn, i;
  double d = 0;
  int k;
  if (r->n >= 0 && key[0] == 'n' && key[1] == '\0') {   /* read with the line: not read again */
    if (ok) *ok = 1;
    return (double)r->n;
  }
  k = raw(r, key, &v, &vn);
  if (k == 0) {
    if (ok) *ok = 0;
    return 0;
  }
  if (k > 0 && vn > 0 && vn <= 15 && (v[0] != '0' || vn == 1)) {
    for (i = 0; i < vn && v[i] >= '0' && v[i] <= '9'; i++) d = d * 10 + (v[i] - '0');
    if (i == vn) {   /* a whole number below 10^15: exact, as json_parse reads it */
      if (ok) *ok = 1;
      return d;
    }
  }
  return json_num(json_get(jrn_rec_json(r), key), ok);
}

int jrn_rec_str_is(const JrnRecord *r, const char *key, const char *s) {
  const char *v;
  size_t vn, n = strlen(s);
  const char *t;
  int k = raw(r, key, &v, &vn);
  if (k == 0) return 0;
  if (k > 0 && vn >= 2 && v[0] == '"' && !memchr(v, '\\', vn)) return vn - 2 == n && memcmp(v + 1, s, n) == 0;
  if (k > 0 && vn >= 1 && v[0] != '"') return 0;
  t = json_str(json_get(jrn_rec_json(r), key), &vn);
  return t && vn == n && memcmp(t, s, n) == 0;
}

/* ---- hashing beside the scan ---------------------------------------------
** Every line's SHA-256 is needed (the next record's prev must match it), and
** for a long journal hashing costs a good part of what parsing does. It
** does not depend on the parse, so a second thread hashes the lines, front
** to back, while scan parses them, and writes each digest in hex, as the
** next record's prev is compared: scan takes line k's from it when it is
** ready (`done` > k) and otherwise hashes the line itself, so it never
** waits for the thread. The thread only reads data, and scan writes
** nothing into data while it runs (the NULs in place of newlines are put
** in after it has been joined). */

/* Journals shorter than this are hashed by scan alone. */
#define HASH_THREAD_MIN ((size_t)1 << 20)

/* The two threads' counters are on cache lines of their own: a line that
** one thread writes for every record and the other reads would go back
** and forth between the cores each time. */
typedef struct Hasher {
  /* set before the thread starts; both read them */
  const char *data;
  size_t n;
  char (*hex)[64];                /* hex[k]: line k's SHA-256 in hex (no NUL), for k < done */
  size_t cap;                     /* room in hex */
  pthread_t thread;
  int running;
  /* the memory the scan will write a record into for each line: the
  ** thread faults it in ahead of the scan (see prefault) */
  char *ahead;
  size_t ahead_len, ahead_each;
  /* the thread's */
  _Alignas(64) atomic_size_t done;
  size_t ahead_done;
  /* the scan's */
  _Alignas(64) atomic_size_t scanned;   /* lines the scan has finished, now and then (for prefault) */
  size_t seen;                    /* done as the scan last read it: lines below are hashed */
  atomic_int stop;
} Hasher;

/* prefault makes the pages of H->ahead that the records of the first
** `lines` lines (and some more) will take present, zeroed, before the scan
** writes them. Fresh memory is zeroed on its first touch, and in a VM
** that costs more than the scan's own work on it; done here, beside the
** hashing, the scan does not wait for it. madvise(MADV_POPULATE_WRITE)
** changes no byte that is already there, so the scan may be writing the
** same pages meanwhile. Where it is missing, the scan faults them in. */
static void prefault(Hasher *H, size_t lines, size_t left) {
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
  const size_t step = (size_t)2 << 20;
  /* a record takes 100 bytes at least: no more lines than that are left */
  size_t more = left / 100 + 1 < 16384 ? left / 100 + 1 : 16384, want = (lines + more) * H->ahead_each;
  if (!H->ahead) return;
  if (want > H->ahead_len) want = H->ahead_len;
  while (H->ahead_done < want) {
    size_t len = H->ahead_len - H->ahead_done < step ? H->ahead_len - H->ahead_done : step;
    if (madvise(H->ahead + H->ahead_done, len, MADV_POPULATE_WRITE) != 0) {
      H->ahead = NULL;   /* not here: the scan faults them in */
      return;
    }
    H->ahead_done += len;
  }
#else
  (void)H;
  (void)lines;
  (void)left;
#endif
}

static void *hasher_main(void *arg) {
  Hasher *H = arg;
  size_t off = 0, k = 0;
  while (off < H->n && k < H->cap && !atomic_load_explicit(&H->stop, memory_order_relaxed)) {
    const char *nl = memchr(H->data + off, '\n', H->n - off);
    if (!nl) break;
    /* only with a lead on the scan: the scan waits for no fault then,
    ** and never hashes a line itself because this thread was faulting */
    if ((k & 1023) == 0 && k >= atomic_load_explicit(&H->scanned, memory_order_relaxed) + 4096) prefault(H, k, H->n - off);
    {
      /* in hex, as the scan compares it: the thread does that too */
      uint8_t dig[SHA256_BYTES];
      char hex[65];
      sha256(H->data + off, (size_t)(nl - (H->data + off)), dig);
      sha256_hex(dig, hex);
      memcpy(H->hex[k], hex, 64);
    }
    atomic_store_explicit(&H->done, ++k, memory_order_release);
    off = (size_t)(nl - H->data) + 1;
  }
  sha256_thread_done();
  return NULL;
}

/* hasher_start starts the thread for data[0..n); if it cannot, scan hashes
** every line itself. */
static void hasher_start(Hasher *H, const char *data, size_t n, void *ahead, size_t ahead_len, size_t ahead_each) {
  memset(H, 0, sizeof *H);
  atomic_init(&H->done, 0);
  atomic_init(&H->scanned, 0);
  atomic_init(&H->stop, 0);
  if (n < HASH_THREAD_MIN) return;
  if (ahead && ahead_len > 4096) {   /* whole pages only: the first one, partly in use, is left alone */
    uintptr_t lo = ((uintptr_t)ahead + 4095) & ~(uintptr_t)4095, hi = ((uintptr_t)ahead + ahead_len) & ~(uintptr_t)4095;
    if (hi > lo) {
      H->ahead = (char *)lo;
      H->ahead_len = hi - lo;
      H->ahead_each = ahead_each;
    }
  }
  H->data = data;
  H->n = n;
  H->cap = n / 100 + 16;   /* a record takes 100 bytes at least */
  H->hex = malloc(H->cap * sizeof *H->hex);
  if (!H->hex) return;
  if (pthread_create(&H->thread, NULL, hasher_main, H) != 0) {
    free(H->hex);
    H->hex = NULL;
    return;
  }
  H->running = 1;
}

/* hasher_hex puts line k's SHA-256 in hex in out (65 bytes, NUL
** included): the thread's, or computed here. */
static void hasher_hex(Hasher *H, size_t k, const char *line, size_t len, char out[65]) {
  /* done is read again only when the lines it said were hashed are used up */
  if (H->running && (k < H->seen || k < (H->seen = atomic_load_explicit(&H->done, memory_order_acquire)))) {
#if defined(__GNUC__)
    if (k + 8 < H->seen) __builtin_prefetch(H->hex[k + 8]);   /* it comes from the other core's cache */
#endif
    memcpy(out, H->hex[k], 64);
    out[64] = '\0';
  } else {
    uint8_t dig[SHA256_BYTES];
    sha256(line, len, dig);
    sha256_hex(dig, out);
  }
}

static void hasher_stop(Hasher *H) {
  if (H->running) {
    atomic_store_explicit(&H->stop, 1, memory_order_relaxed);
    pthread_join(H->thread, NULL);
    H->running = 0;
  }
  free(H->hex);
  H->hex = NULL;
}

/* scan verifies data[0..n). With nul (data writable, with a NUL at n),
** each verified line gets a NUL in place of its newline; without, data is
** only read (jrn_open's map). A line is checked without a tree when
** check_fast can (check_line judges the rest). With keep, verified records
** are added to keep->recs; with eager too, every record's tree is built
** as it is checked (for a reader that reads them all), in the store's
** pool, so that they take one allocation per many records and free_recs
** frees them at once. */
static void scan(const char *data, size_t n, Journal *keep, int eager, char *nul, Scan *sc) {
  size_t off = 0;
  uint64_t seq = 0, fixed = fixed_mask();
  Hasher H;
  memset(sc, 0, sizeof *sc);
  memcpy(sc->prev, ZERO_HASH, 65);
  sc->state = SCAN_INTACT;
  hasher_start(&H, data, n, keep ? keep->recs + keep->nrecs : NULL,
               keep ? (keep->caprecs - keep->nrecs) * sizeof *keep->recs : 0, sizeof *keep->recs);
  while (off < n) {
    const char *nl = memchr(data + off, '\n', n - off);
    size_t len = nl ? (size_t)(nl - (data + off)) : n - off;
    int unparsed;
    Json *o;
    const char *type = NULL;
    size_t tlen = 0;
    uint64_t keys = 0;
    JsonSpan top[JRN_MEMBERS];
    size_t ntop = (size_t)-1;
    sc->bad = seq;
    sc->bad_off = off;
    if (!nl) {
      sc->state = SCAN_TORN;
      snprintf(sc->why, sizeof sc->why, "the last line has no final newline (a write was interrupted)");
      break;
    }
    o = NULL;
    if ((eager || !check_fast(data + off, len, seq, sc->prev, fixed, &type, &tlen, &keys, top, &ntop)) &&
        check_line(data + off, len, seq, sc->prev, keep && keep->store ? keep->store->pool : NULL,
                   &o, &unparsed, sc->why, sizeof sc->why) < 0) {
      /* A torn write leaves the last line short or garbled, never a
      ** well-formed record with a wrong chain: see journal.h. */
      sc->state = unparsed && off + len + 1 == n ? SCAN_TORN : SCAN_DAMAGED;
      break;
    }
    hasher_hex(&H, (size_t)seq, data + off, len, sc->prev);
    if ((seq & 255) == 0) atomic_store_explicit(&H.scanned, (size_t)seq + 1, memory_order_relaxed);
    if (nul && !H.running) nul[off + len] = '\0';
    if (keep) keep_record(keep, data + off, len, off, seq, o, type, tlen, keys, top, ntop);
    else json_free(o);
    seq++;
    off += len + 1;
    sc->nvalid++;
    sc->valid_end = off;
  }
  if (H.running && nul) {
    /* the thread is done with data: the newlines of the verified lines
    ** become NULs now */
    size_t at = 0;
    hasher_stop(&H);
    while (at < sc->valid_end) {
      char *nl = memchr(nul + at, '\n', sc->valid_end - at);
      *nl = '\0';
      at = (size_t)(nl - nul) + 1;
    }
  }
  hasher_stop(&H);
}

/* ---- opening, setting aside, appending -------------------------------- */

static void free_recs(Journal *j) {
  /* every record's tree is in the store's pool */
  free_store(j->store);
  j->store = NULL;
  mem_free(j->recs);
  j->recs = NULL;
  j->nrecs = j->caprecs = 0;
}

int jrn_close(Journal *j) {
  /* Records appended without a sync of their own become durable before
  ** the journal is let go, whichever way the run stops. */
  int rc = 0, e = 0;
  if (j->fd >= 0 && j->unsynced && !j->broken && fdatasync(j->fd) < 0) {
    rc = -1;
    e = errno;
  }
  j->unsynced = 0;
  if (j->fd >= 0) close(j->fd);
  j->fd = -1;
  free_recs(j);
  if (j->mapped) munmap(j->data, j->mapped);
  else mem_free(j->data);
  j->mapped = 0;
  mem_free(j->dir);
  mem_free(j->path);
  j->data = j->dir = j->path = NULL;
  j->seq = j->size = 0;
  j->broken = 0;
  j->broken_why[0] = '\0';
  memcpy(j->prev, ZERO_HASH, 65);
  if (rc < 0) errno = e;
  return rc;
}

/* set_aside saves the torn bytes in a new side file in dir, durably, and
** names it in out (left "" on failure). */
static int set_aside(const char *dir, uint64_t seq, const char *bytes, size_t n, char *out,
                     size_t outlen, char *err, size_t errlen) {
  long long now = (long long)time(NULL);
  char path[JRN_PATH_MAX];
  int fd = -1, k;
  out[0] = '\0';
  for (k = 1; k <= 1000; k++) {
    char name[96];
    if (k == 1) snprintf(name, sizeof name, "journal.torn-%" PRIu64 "-%lld", seq, now);
    else snprintf(name, sizeof name, "journal.torn-%" PRIu64 "-%lld-%d", seq, now, k);
    if (join(path, sizeof path, dir, name) < 0 || strlen(path) >= outlen) {
      snprintf(err, errlen, "journal.jsonl: the directory's path is too long");
      return -1;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd >= 0 || errno != EEXIST) break;
  }
  if (fd < 0) {
    snprintf(err, errlen, "journal.jsonl: cannot create %s to save a torn last record: %s", path,
             strerror(errno));
    return -1;
  }
  if (fchmod(fd, 0600) < 0 || durable_write_all(fd, bytes, n) < 0 || fsync(fd) < 0) {
    int e = errno;
    close(fd);
    unlink(path);   /* our own incomplete copy; the journal still has the bytes */
    snprintf(err, errlen, "journal.jsonl: cannot save a torn last record in %s: %s", path,
             strerror(e));
    return -1;
  }
  if (close(fd) < 0 || durable_sync_dir(dir) < 0) {
    snprintf(err, errlen, "journal.jsonl: cannot make %s durable: %s", path, strerror(errno));
    return -1;
  }
  memcpy(out, path, strlen(path) + 1);
  return 0;
}

/* open_file opens (or creates) the journal; *created says which. */
static int open_file(const char *path, const char *dir, int create, int *created, char *err,
                     size_t errlen) {
  int flags = O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY;
  int fd = open(path, flags);
  *created = 0;
  if (fd < 0 && errno == ENOENT && create) {
    fd = open(path, flags | O_CREAT | O_EXCL, 0600);
    if (fd >= 0) {
      *created = 1;
      if (fchmod(fd, 0600) < 0 || fsync(fd) < 0 || durable_sync_dir(dir) < 0) {
        snprintf(err, errlen, "journal.jsonl: cannot create durably: %s", strerror(errno));
        close(fd);
        return -1;
      }
    } else if (errno == EEXIST) {
      fd = open(path, flags);   /* another process created it just now */
    }
  }
  if (fd < 0) {
    snprintf(err, errlen, "journal.jsonl: cannot open: %s", strerror(errno));
    return -1;
  }
  return fd;
}

int jrn_open(Journal *j, const char *dir, int create, JrnOpenReport *rep, char *err,
             size_t errlen) {
  JrnOpenReport spare;
  char path[JRN_PATH_MAX];
  struct stat st;
  size_t n;
  Scan sc;
  int created;

  memset(j, 0, sizeof *j);
  j->fd = -1;
  memcpy(j->prev, ZERO_HASH, 65);
  if (!rep) rep = &spare;
  memset(rep, 0, sizeof *rep);
  /* leave room for the longest side-file name beside it */
  if (join(path, sizeof path - 64, dir, JOURNAL_NAME) < 0) {
    snprintf(err, errlen, "journal.jsonl: the directory's path is too long");
    return -1;
  }
  j->fd = open_file(path, dir, create, &created, err, errlen);
  if (j->fd < 0) return -1;
  rep->created = created;
  j->dir = mem_strdup(dir);
  j->path = mem_strdup(path);
  if (fstat(j->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    snprintf(err, errlen, "journal.jsonl: not a regular file");
    goto fail;
  }
  if (map_all(j->fd, &j->data, &n) == 0) {
    j->mapped = n;
  } else if (read_all(j->fd, &j->data, &n) < 0) {
    snprintf(err, errlen, "journal.jsonl: cannot read: %s", strerror(errno));
    goto fail;
  }
  /* A record takes 100 bytes at least, so this is room for all of them:
  ** the array is never moved, and what is not used is never touched. */
  j->caprecs = n / 100 + 16;
  j->recs = mem_alloc(j->caprecs * sizeof *j->recs);
  if (j->caprecs * sizeof *j->recs >= ((size_t)4 << 20)) mem_advise_huge(j->recs, j->caprecs * sizeof *j->recs);
  scan(j->data, n, j, 0, NULL, &sc);
  if (sc.state == SCAN_DAMAGED) {
    snprintf(err, errlen,
             "journal.jsonl: record %" PRIu64 " (line %" PRIu64 ") is damaged: %s; refusing to resume",
             sc.bad, sc.bad + 1, sc.why);
    goto fail;
  }
  if (sc.state == SCAN_TORN) {
    if (set_aside(dir, sc.bad, j->data + sc.valid_end, n - sc.valid_end, rep->torn_path,
                  sizeof rep->torn_path, err, errlen) < 0)
      goto fail;
    if (ftruncate(j->fd, (off_t)sc.valid_end) < 0 || fsync(j->fd) < 0) {
      snprintf(err, errlen,
               "journal.jsonl: cannot cut off the torn last record (saved in %s): %s",
               rep->torn_path, strerror(errno));
      goto fail;
    }
    rep->torn_bytes = n - sc.valid_end;
    snprintf(rep->torn_reason, sizeof rep->torn_reason, "record %" PRIu64 ": %s", sc.bad, sc.why);
  }
  j->seq = sc.nvalid;
  j->size = sc.valid_end;
  memcpy(j->prev, sc.prev, 65);
  rep->nrecs = j->nrecs;
  return 0;
fail:
  jrn_close(j);
  return -1;
}

int jrn_append(Journal *j, const char *type, const char *fields_json, char *err, size_t errlen) {
  return jrn_append_opt(j, type, fields_json, 1, err, errlen);
}

/* poison marks the journal broken with the reason why (also copied to
** err): after a failed append what is on disk is unknown (a partial line,
** or a record the kernel may have dropped), so every later append fails
** at once, writing nothing, until the journal is opened again and jrn_open
** reads back what is really there (setting a torn tail aside). */
static int poison(Journal *j, char *err, size_t errlen, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 4, 5)))
#endif
  ;
static int poison(Journal *j, char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(j->broken_why, sizeof j->broken_why, fmt, ap);
  va_end(ap);
  j->broken = 1;
  snprintf(err, errlen, "%s", j->broken_why);
  return -1;
}

int jrn_append_opt(Journal *j, const char *type, const char *fields_json, int sync, char *err, size_t errlen) {
  Buf line = BUF_INIT;
  char when[UTC_STAMP_MAX], why[256], next[65];
  uint8_t h[SHA256_BYTES];
  Json *o;
  int unparsed;
  const char *tp;
  size_t tlen, ntop;
  JsonSpan top[JRN_MEMBERS];

  if (j->fd < 0) {
    snprintf(err, errlen, "journal.jsonl: not open");
    return -1;
  }
  if (j->broken) {   /* the first failure says what went wrong; nothing is written */
    snprintf(err, errlen, "%s", j->broken_why);
    return -1;
  }
  if (!type || !type_ok(type, strlen(type)))
    return poison(j, err, errlen, "%s: record type \"%.64s\" is not a lower-case name", j->path,
                  type ? type : "");
  if (!fields_json) fields_json = "";
  if (strpbrk(fields_json, "\n\r"))
    return poison(j, err, errlen, "%s: the fields of a %s record contain a line break", j->path, type);
  utc_now(when);
  buf_printf(&line, "{\"seq\":%" PRIu64 ",\"prev\":\"%s\",\"time\":\"%s\",\"type\":\"%s\"", j->seq,
             j->prev, when, type);
  if (fields_json[0]) {
    buf_putc(&line, ',');
    buf_puts(&line, fields_json);
  }
  buf_putc(&line, '}');
  /* Write only what jrn_open will accept back. */
  if (!check_fast(line.p, line.n, j->seq, j->prev, fixed_mask(), &tp, &tlen, NULL, top, &ntop)) {
    if (check_line(line.p, line.n, j->seq, j->prev, NULL, &o, &unparsed, why, sizeof why) < 0) {
      buf_free(&line);
      return poison(j, err, errlen, "%s: refusing to write a bad %s record: %s", j->path, type, why);
    }
    json_free(o);
  }
  sha256(line.p, line.n, h);
  sha256_hex(h, next);
  buf_putc(&line, '\n');
  if (durable_write_all(j->fd, line.p, line.n) < 0) {
    /* A partial line stays as it is: jrn_open sets it aside as a torn
    ** tail. Cutting it off here would be one more write to a file that
    ** has just failed one. */
    int e = errno;
    buf_free(&line);
    return poison(j, err, errlen, "%s: cannot write record %" PRIu64 ": %s", j->path, j->seq, strerror(e));
  }
  if (sync && fdatasync(j->fd) < 0) {
    /* After a failed sync the kernel may have dropped the dirty pages:
    ** nothing more can be trusted until the file is read again. */
    int e = errno;
    buf_free(&line);
    return poison(j, err, errlen, "%s: cannot sync record %" PRIu64 " (it may or may not be on disk): %s",
                  j->path, j->seq, strerror(e));
  }
  j->unsynced = !sync;
  j->size += line.n;
  j->seq++;
  memcpy(j->prev, next, 65);
  if (j->observe) j->observe(j->observe_ud, j, type, line.p, line.n - 1);
  buf_free(&line);
  return 0;
}

int jrn_sync(Journal *j, char *err, size_t errlen) {
  if (j->broken) {
    snprintf(err, errlen, "%s", j->broken_why);
    return -1;
  }
  if (j->fd < 0 || !j->unsynced) return 0;
  if (fdatasync(j->fd) < 0) {
    /* as after a failed append's sync: the kernel may have dropped them */
    int e = errno;
    return poison(j, err, errlen, "%s: cannot sync records up to %" PRIu64 " (they may or may not be on disk): %s",
                  j->path, j->seq - 1, strerror(e));
  }
  j->unsynced = 0;
  return 0;
}

/* ---- verifying without changing ----------------------------------------- */

/* verify_file is jrn_verify_file; with keep, it is jrn_read_file. */
static int verify_file(const char *path, JrnVerifyReport *rep, Journal *keep) {
  JrnVerifyReport spare;
  struct stat st;
  char *data;
  size_t n;
  Scan sc;
  int fd;
  if (!rep) rep = &spare;
  memset(rep, 0, sizeof *rep);
  fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    snprintf(rep->reason, sizeof rep->reason, "cannot open: %s", strerror(errno));
    return -1;
  }
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    snprintf(rep->reason, sizeof rep->reason, "not a regular file");
    close(fd);
    return -1;
  }
  if (read_all(fd, &data, &n) < 0) {
    snprintf(rep->reason, sizeof rep->reason, "cannot read: %s", strerror(errno));
    close(fd);
    return -1;
  }
  close(fd);
  scan(data, n, keep, keep != NULL, data, &sc);
  if (keep) keep->data = data;
  else mem_free(data);
  rep->nrecs = sc.nvalid;
  if (sc.state == SCAN_INTACT) return 0;
  rep->bad = sc.bad;
  rep->bad_offset = sc.bad_off;
  rep->torn = sc.state == SCAN_TORN;
  memcpy(rep->reason, sc.why, sizeof rep->reason);
  return sc.bad < (uint64_t)INT_MAX ? (int)(sc.bad + 1) : INT_MAX;
}

int jrn_verify_file(const char *path, JrnVerifyReport *rep) { return verify_file(path, rep, NULL); }

int jrn_read_file(const char *path, JrnVerifyReport *rep, Journal *j) {
  memset(j, 0, sizeof *j);
  j->fd = -1;
  memcpy(j->prev, ZERO_HASH, 65);
  return verify_file(path, rep, j);
}

/* ---- directories and the lock ------------------------------------------- */

/* mkdir_one creates path with 0700 if missing, and syncs it into parent. */
static int mkdir_one(const char *path, const char *parent, char *err, size_t errlen) {
  struct stat st;
  if (mkdir(path, 0700) == 0) {
    if (chmod(path, 0700) < 0 || durable_sync_dir(parent) < 0) {
      snprintf(err, errlen, "cannot create %s durably: %s", path, strerror(errno));
      return -1;
    }
    return 0;
  }
  if (errno == EEXIST && stat(path, &st) == 0) {
    if (S_ISDIR(st.st_mode)) return 0;
    snprintf(err, errlen, "%s exists and is not a directory", path);
    return -1;
  }
  snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
  return -1;
}

int jrn_mkdirs(const char *dir, char *err, size_t errlen) {
  char path[JRN_PATH_MAX], parent[JRN_PATH_MAX];
  size_t n = strlen(dir), i;
  if (n == 0 || n >= sizeof path) {
    snprintf(err, errlen, "%s", n ? "directory path too long" : "empty directory path");
    return -1;
  }
  memcpy(path, dir, n + 1);
  while (n > 1 && path[n - 1] == '/') path[--n] = '\0';
  for (i = 1; i <= n; i++) {
    if (i < n && path[i] != '/') continue;
    if (path[i - 1] == '/') continue;   /* "a//b" */
    {
      char save = path[i];
      size_t k = i;
      path[i] = '\0';
      /* the parent is everything before the last '/', or "." */
      while (k > 0 && path[k - 1] != '/') k--;
      if (k == 0) {
        strcpy(parent, ".");
      } else {
        memcpy(parent, path, k);
        parent[k] = '\0';
      }
      if (mkdir_one(path, parent, err, errlen) < 0) return -1;
      path[i] = save;
    }
  }
  return 0;
}

int jrn_lock(const char *dir, int *fd_out, pid_t *holder, char *err, size_t errlen) {
  char path[JRN_PATH_MAX], pid[32];
  int fd, e, k;
  *fd_out = -1;
  if (holder) *holder = 0;
  if (join(path, sizeof path, dir, "lock") < 0) {
    snprintf(err, errlen, "lock: the directory's path is too long");
    errno = ENAMETOOLONG;
    return -1;
  }
  fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
  if (fd < 0) {
    e = errno;
    snprintf(err, errlen, "lock: cannot open: %s", strerror(e));
    errno = e;
    return -1;
  }
  while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
    ssize_t got;
    long who = 0;
    if (errno == EINTR) continue;
    e = errno;
    if (e != EWOULDBLOCK) {
      close(fd);
      snprintf(err, errlen, "lock: cannot lock: %s", strerror(e));
      errno = e;
      return -1;
    }
    got = pread(fd, pid, sizeof pid - 1, 0);
    if (got > 0) {
      ssize_t i;
      for (i = 0; i < got && pid[i] >= '0' && pid[i] <= '9' && who < 100000000; i++)
        who = who * 10 + (pid[i] - '0');
    }
    close(fd);
    if (holder) *holder = (pid_t)who;
    if (who > 0) snprintf(err, errlen, "run is being executed by process %ld", who);
    else snprintf(err, errlen, "run is being executed by another process");
    errno = EWOULDBLOCK;
    return -1;
  }
  /* The PID is read only by a process that finds the lock held, so while
  ** this process lives, from the page cache: it is not synced. After a
  ** crash no one holds the lock and the next holder writes its own. */
  k = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
  if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)k, 0) != (ssize_t)k) {
    e = errno;
    close(fd);
    snprintf(err, errlen, "lock: cannot write our PID: %s", strerror(e));
    errno = e;
    return -1;
  }
  *fd_out = fd;
  return 0;
}

void jrn_unlock(int fd) {
  if (fd >= 0) close(fd);
}
