/*
** source.c -- loading runbook text and mapping offsets to lines.
** Loaded by run/load.c and the commands; diagnostics map offsets through it.
*/
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"

int utf8_decode(const unsigned char *p, size_t n, uint32_t *cp) {
  uint32_t c;
  int len, i;
  if (n == 0) return 0;
  if (p[0] < 0x80) { *cp = p[0]; return 1; }
  if (p[0] >= 0xC2 && p[0] <= 0xDF) { len = 2; c = p[0] & 0x1F; }
  else if (p[0] >= 0xE0 && p[0] <= 0xEF) { len = 3; c = p[0] & 0x0F; }
  else if (p[0] >= 0xF0 && p[0] <= 0xF4) { len = 4; c = p[0] & 0x07; }
  else return 0;
  if ((size_t)len > n) return 0;
  for (i = 1; i < len; i++) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    c = (c << 6) | (p[i] & 0x3F);
  }
  if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
      (c >= 0xD800 && c <= 0xDFFF))
    return 0;
  *cp = c;
  return len;
}

/* A file looks binary when its first 4 KiB hold several control bytes
** other than whitespace, or more than a few invalid UTF-8 sequences. A
** single stray NUL in a text file is reported by the lexer instead, with
** its line and column. */
static int looks_binary(const unsigned char *p, size_t n) {
  size_t i = 0, ctl = 0, bad = 0;
  if (n > 4096) n = 4096;
  while (i < n) {
    uint32_t cp;
    int k;
    if (p[i] < 0x20 && p[i] != '\n' && p[i] != '\r' && p[i] != '\t' && p[i] != '\f') {
      ctl++;
      i++;
      continue;
    }
    k = utf8_decode(p + i, n - i, &cp);
    if (k == 0) {
      if (n - i < 4 && n == 4096) break;   /* a sequence cut by the window */
      bad++;
      i++;
    } else {
      i += (size_t)k;
    }
  }
  return ctl > 2 || bad > 8 || (n > 0 && (ctl + bad) * 10 > n);
}

/* read_all reads fd to its end into one buffer of hint + 2 bytes (hint:
** the size fstat gave, or 0), with two NULs after the text for flex. A
** regular file is read with one read into a buffer of its exact size; a
** pipe, or a file that grows while it is read, doubles the buffer. */
static int read_all(int fd, size_t hint, Source *s, char *err, size_t errlen) {
  size_t cap = hint ? hint + 1 : 64 * 1024, n = 0;   /* +1: room to see the end */
  char *p;
  if (hint > SOURCE_MAX_BYTES) {
    snprintf(err, errlen, "file is larger than %u MiB", SOURCE_MAX_BYTES >> 20);
    return -1;
  }
  p = mem_alloc(cap + 2);
  for (;;) {
    ssize_t k;
    if (n == cap) {
      if (cap >= SOURCE_MAX_BYTES) {
        mem_free(p);
        snprintf(err, errlen, "file is larger than %u MiB", SOURCE_MAX_BYTES >> 20);
        return -1;
      }
      cap *= 2;
      p = mem_realloc(p, cap + 2);
    }
    k = read(fd, p + n, cap - n);
    if (k < 0) {
      if (errno == EINTR) continue;
      snprintf(err, errlen, "cannot read: %s", strerror(errno));
      mem_free(p);
      return -1;
    }
    if (k == 0) break;
    n += (size_t)k;
  }
  if (n > SOURCE_MAX_BYTES) {
    mem_free(p);
    snprintf(err, errlen, "file is larger than %u MiB", SOURCE_MAX_BYTES >> 20);
    return -1;
  }
  p[n] = p[n + 1] = '\0';
  s->text = p;
  s->len = (uint32_t)n;
  return 0;
}

/* ---- mapped texts ------------------------------------------------------ */

/* A file smaller than this is read: mapping costs more than copying it. */
#define SRC_MAP_MIN (256u * 1024u)
/* The lexer's margin: pages less than this far behind it are kept. */
#define SRC_KEEP_BEHIND (64u * 1024u)
/* How far the lexer moves between two calls of src_release_before. */
#define SRC_RELEASE_STEP (512u * 1024u)
#define SRC_MAP_SLOTS 8

/* The live maps, for the SIGBUS handler: a file truncated by another
** program while rbk holds it mapped faults on the lost pages. */
static struct {
  const char *volatile lo, *volatile hi;
  const char *volatile name;
} maps[SRC_MAP_SLOTS];
static struct sigaction bus_old;
static int bus_installed;

static void bus_say(const char *t) {
  size_t n = strlen(t);
  while (n > 0) {
    ssize_t k = write(2, t, n);
    if (k <= 0) return;
    t += k;
    n -= (size_t)k;
  }
}

static void on_sigbus(int sig, siginfo_t *si, void *uc) {
  const char *a = (const char *)si->si_addr;
  int i;
  (void)uc;
  for (i = 0; i < SRC_MAP_SLOTS; i++) {
    if (maps[i].lo && a >= maps[i].lo && a < maps[i].hi) {
      bus_say("rbk: error: ");
      bus_say(maps[i].name ? maps[i].name : "the runbook");
      bus_say(": the file was cut short by another program while rbk read it\n"
              "  hint: run the command again once the file is written\n");
      _exit(SRC_SHRUNK_EXIT);
    }
  }
  /* Not ours: the fault is what it would have been without us. */
  sigaction(sig, &bus_old, NULL);
}

static int map_slot(void) {
  int i;
  if (!bus_installed) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGBUS, &sa, &bus_old) != 0) return -1;
    bus_installed = 1;
  }
  for (i = 0; i < SRC_MAP_SLOTS; i++)
    if (!maps[i].lo) return i;
  return -1;
}

static void unmap_text(Source *s) {
  int i;
  for (i = 0; i < SRC_MAP_SLOTS; i++)
    if (maps[i].lo == s->text) maps[i].lo = maps[i].hi = maps[i].name = NULL;
  munmap(s->text, s->map_len);
}

static void free_text(Source *s) {
  if (s->map_len) unmap_text(s);
  else mem_free(s->text);
  s->text = NULL;
  s->map_len = s->release_at = s->released = s->populated = 0;
}

/* populate makes rbk's own copy of the pages the lexer reaches next, from
** off to one step past the next release: flex writes into every page, and
** a write fault per page costs more than copying the window in one call.
** Without MADV_POPULATE_WRITE (Linux before 5.14) the pages fault one by
** one, as they would anyway. */
static void populate(Source *s, uint32_t off) {
#ifdef MADV_POPULATE_WRITE
  uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), base = (uintptr_t)s->text, from, to;
  uint64_t end = (uint64_t)off + SRC_RELEASE_STEP + SRC_KEEP_BEHIND;
  from = (base + (off > s->populated ? off : s->populated)) & ~(page - 1);
  to = base + (end < s->len ? (uint32_t)end : s->len);
  if (to > from && madvise((void *)from, to - from, MADV_POPULATE_WRITE) == 0) s->populated = (uint32_t)(to - base);
#else
  (void)s;
  (void)off;
#endif
}

/* map_file maps a regular file of size bytes with room for the two NULs
** in its last page; returns 1 if it did, 0 to read it instead. The map is
** private and writable: flex writes a NUL after each token, and those
** writes stay in rbk's copy of the page, never in the file. */
static int map_file(int fd, size_t size, Source *s) {
  long page = sysconf(_SC_PAGESIZE);
  size_t tail;
  int slot;
  char *p;
  if (page <= 0 || size < SRC_MAP_MIN || size > SOURCE_MAX_BYTES) return 0;
  tail = size % (size_t)page;
  if (tail == 0 || (size_t)page - tail < 2) return 0;   /* the NULs would need another page */
  if ((slot = map_slot()) < 0) return 0;
  p = mmap(NULL, size + 2, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) return 0;
  maps[slot].hi = p + size + 2;
  maps[slot].lo = p;
  /* Past the end of the file the page reads as zeros, unless the file
  ** grew after fstat: the text is the size fstat gave. */
  p[size] = p[size + 1] = '\0';
  s->text = p;
  s->len = (uint32_t)size;
  s->map_len = (uint32_t)size + 2;
  s->release_at = SRC_RELEASE_STEP;
  populate(s, 0);
  return 1;
}

void src_release_before(Source *s, uint32_t off) {
  uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), base = (uintptr_t)s->text, from, to, last;
  if (!s->map_len || off < SRC_KEEP_BEHIND) return;
  /* All of it (but the last page), from the start: a message may have
  ** brought early pages back since. */
  if (off > s->len) off = s->len + SRC_KEEP_BEHIND, s->released = 0;
  from = (base + s->released + page - 1) & ~(page - 1);
  to = (base + off - SRC_KEEP_BEHIND) & ~(page - 1);
  last = (base + s->len) & ~(page - 1);   /* the page of the NULs stays */
  if (to > last) to = last;
  if (to > from && madvise((void *)from, to - from, MADV_DONTNEED) == 0)
    s->released = (uint32_t)(to - base);
  s->release_at = (uint64_t)off + SRC_RELEASE_STEP < s->len ? off + SRC_RELEASE_STEP : 0;
  if (s->release_at) populate(s, off);
}

static int load(Source *s, const char *path, int may_map, char *err, size_t errlen) {
  int fd, rc;
  size_t hint = 0;
  struct stat st;
  memset(s, 0, sizeof *s);
  if (strcmp(path, "-") == 0) {
    fd = 0;
  } else {
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
      snprintf(err, errlen, "cannot open: %s", strerror(errno));
      return -1;
    }
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      close(fd);
      snprintf(err, errlen, "is a directory, not a runbook file");
      return -1;
    }
    if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) &&
        !S_ISCHR(st.st_mode)) {
      close(fd);
      snprintf(err, errlen, "is not a regular file");
      return -1;
    }
    /* O_NONBLOCK only guarded the open against a FIFO with no writer. */
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  }
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
    hint = (size_t)st.st_size;
  rc = may_map && fd != 0 && map_file(fd, hint, s) ? 0 : read_all(fd, hint, s, err, errlen);
  if (fd != 0) close(fd);
  if (rc != 0) return -1;
  if (looks_binary((const unsigned char *)s->text, s->len)) {
    free_text(s);
    snprintf(err, errlen, "looks like a binary file, not a runbook");
    return -1;
  }
  s->name = mem_strdup(strcmp(path, "-") == 0 ? "<stdin>" : path);
  if (s->map_len) {
    int i;
    for (i = 0; i < SRC_MAP_SLOTS; i++)
      if (maps[i].lo == s->text) maps[i].name = s->name;
  }
  return 0;
}

int src_load(Source *s, const char *path, char *err, size_t errlen) {
  return load(s, path, 0, err, errlen);
}

int src_load_mapped(Source *s, const char *path, char *err, size_t errlen) {
  return load(s, path, 1, err, errlen);
}

void src_from_string(Source *s, const char *name, const char *text, size_t len) {
  memset(s, 0, sizeof *s);
  s->name = mem_strdup(name);
  s->text = mem_alloc(len + 2);
  memcpy(s->text, text, len);
  s->text[len] = s->text[len + 1] = '\0';
  s->len = (uint32_t)len;
}

void src_free(Source *s) {
  uint32_t i;
  for (i = 1; i < s->nparts; i++) mem_free(s->parts[i].name);
  mem_free(s->parts);
  free_text(s);
  mem_free(s->name);
  mem_free(s->lines);
  memset(s, 0, sizeof *s);
}

/* A UTF-8 byte order mark opening the text is no character of line 1:
** columns are counted, and the line shown, from after it. */
static uint32_t bom_len(const Source *s) {
  return s->len >= 3 && memcmp(s->text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
}

/* The line map holds nlines line starts, then three more words: a cache of
** the last column counted (line index, offset, column). Columns are
** counted from the start of the line, so without it a tree dump or many
** diagnostics on one long line would take time quadratic in its length. */
#define COL_LINE(s) ((s)->lines[(s)->nlines])
#define COL_OFF(s) ((s)->lines[(s)->nlines + 1])
#define COL_COL(s) ((s)->lines[(s)->nlines + 2])

static void build_lines(Source *s) {
  size_t cap = 0, n = 0;
  uint32_t i;
  uint32_t *v = NULL;
  v = mem_grow(v, &cap, 1, sizeof *v);
  v[n++] = 0;
  for (i = 0; i < s->len;) {
    const char *nl = memchr(s->text + i, '\n', s->len - i);
    if (!nl) break;
    i = (uint32_t)(nl - s->text) + 1;
    if (n == cap) v = mem_grow(v, &cap, n + 1, sizeof *v);
    v[n++] = i;
  }
  v = mem_grow(v, &cap, n + 3, sizeof *v);
  s->lines = v;
  s->nlines = (uint32_t)n;
  COL_LINE(s) = UINT32_MAX;
}

/* line_index returns the index in the line map of the line holding off. */
static uint32_t line_index(Source *s, uint32_t off) {
  uint32_t lo = 0, hi;
  if (!s->lines) build_lines(s);
  if (off > s->len) off = s->len;
  hi = s->nlines;
  while (hi - lo > 1) {   /* last line start <= off */
    uint32_t mid = lo + (hi - lo) / 2;
    if (s->lines[mid] <= off) lo = mid;
    else hi = mid;
  }
  return lo;
}

uint32_t src_parts(Source *s) {
  static const char mark[] = "\n" SRC_PART_MARK " ";
  const size_t mlen = sizeof mark - 1;
  const char *t = s->text, *q = NULL, *p = t;
  size_t cap = 0;
  uint32_t n = 0, at;
  SrcPart *v = NULL;
  if (s->parts_known) return s->nparts;
  s->parts_known = 1;
  if (!t) return 0;
  /* The runbook ends where the first mark starts. */
  while ((p = memchr(p, '\x1e', s->len - (size_t)(p - t))) != NULL) {
    if (p > t && (size_t)(p - t) + mlen - 1 <= s->len && memcmp(p - 1, mark, mlen) == 0) {
      q = p - 1;
      break;
    }
    p++;
  }
  if (!q) return 0;
  v = mem_grow(v, &cap, 1, sizeof *v);
  v[0].name = s->name;
  v[0].start = 0;
  v[0].len = (uint32_t)(q - t);
  n = 1;
  at = v[0].len;
  while (at < s->len) {
    unsigned long len = 0;
    const char *e, *nl;
    if (s->len - at < mlen || memcmp(t + at, mark, mlen) != 0) goto bad;
    e = t + at + mlen;
    if (*e < '0' || *e > '9') goto bad;
    while (*e >= '0' && *e <= '9' && len <= SOURCE_MAX_BYTES) len = len * 10 + (unsigned long)(*e++ - '0');
    if (*e != ' ' || !(nl = memchr(e, '\n', s->len - (size_t)(e - t))) || nl == e + 1) goto bad;
    if (len > s->len - (uint32_t)(nl + 1 - t)) goto bad;
    if (n == cap) v = mem_grow(v, &cap, n + 1, sizeof *v);
    v[n].name = mem_strndup(e + 1, (size_t)(nl - e - 1));
    v[n].start = (uint32_t)(nl + 1 - t);
    v[n].len = (uint32_t)len;
    at = v[n].start + v[n].len;
    n++;
  }
  for (at = 0; at < n; at++) v[at].line0 = line_index(s, v[at].start);
  s->parts = v;
  s->nparts = n;
  return n;
bad:
  while (n > 1) mem_free(v[--n].name);
  mem_free(v);
  return 0;
}

void src_set_text(Source *s, char *text, uint32_t len) {
  uint32_t i;
  for (i = 1; i < s->nparts; i++) mem_free(s->parts[i].name);
  mem_free(s->parts);
  mem_free(s->lines);
  free_text(s);
  s->parts = NULL;
  s->nparts = 0;
  s->parts_known = 0;
  s->lines = NULL;
  s->nlines = 0;
  s->text = text;
  s->len = len;
}

uint32_t src_part_at(Source *s, uint32_t off) {
  uint32_t i = src_parts(s);
  while (i > 1 && s->parts[i - 1].start > off) i--;
  return i ? i - 1 : 0;
}

const char *src_name_at(Source *s, uint32_t off) {
  return src_parts(s) ? s->parts[src_part_at(s, off)].name : s->name;
}

int src_line_number(Source *s, uint32_t off) { return (int)line_index(s, off) + 1; }

void src_line_at(Source *s, uint32_t off, uint32_t *start, uint32_t *len) {
  src_line(s, (int)line_index(s, off) + 1, start, len);
}

void src_linecol(Source *s, uint32_t off, int *line, int *col) {
  uint32_t lo, i;
  int c = 1;
  if (off > s->len) off = s->len;
  lo = line_index(s, off);
  i = s->lines[lo];
  if (lo == 0 && off >= bom_len(s)) i = bom_len(s);
  if (COL_LINE(s) == lo && COL_OFF(s) <= off && COL_OFF(s) >= i) {
    i = COL_OFF(s);
    c = (int)COL_COL(s);
  }
  for (; i < off;) {
    uint32_t cp;
    int k = utf8_decode((const unsigned char *)s->text + i, off - i, &cp);
    i += k ? (uint32_t)k : 1;
    c++;
  }
  /* Resume from here next time only at a character boundary, where
  ** counting on gives what counting from the line start would. */
  if (((unsigned char)s->text[off] & 0xC0) != 0x80) {
    COL_LINE(s) = lo;
    COL_OFF(s) = off;
    COL_COL(s) = (uint32_t)c;
  }
  *line = (int)lo + 1;
  if (src_parts(s)) *line -= (int)s->parts[src_part_at(s, off)].line0;
  *col = c;
}

void src_line(Source *s, int line, uint32_t *start, uint32_t *len) {
  uint32_t b, e;
  if (!s->lines) build_lines(s);
  if (line < 1) line = 1;
  if ((uint32_t)line > s->nlines) line = (int)s->nlines;
  b = s->lines[line - 1];
  e = (uint32_t)line < s->nlines ? s->lines[line] - 1 : s->len;
  if (line == 1) b = bom_len(s);
  if (e > b && s->text[e - 1] == '\r') e--;
  *start = b;
  *len = e - b;
}
