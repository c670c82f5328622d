/*
** journal_test.c -- unit tests for run/journal.c, on real files in a
** mkdtemp directory: appending and reading back with the chain verified,
** modes, a torn last record cut at every byte, damage of every kind
** (which must be refused with the file left byte-identical), a failed
** write that breaks the journal (every later append fails, writing
** nothing) and leaves a torn tail, and the run lock across processes.
*/
#include "../../run/journal.h"
#include "../../base/mem.h"
#include "../../base/sha256.h"
#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char base[256];

/* ---- file helpers ---------------------------------------------------- */

static char *path_in(const char *dir, const char *name) {
  Buf b = BUF_INIT;
  buf_printf(&b, "%s/%s", dir, name);
  return buf_take(&b);
}

static char *slurp(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  Buf b = BUF_INIT;
  char chunk[4096];
  size_t k;
  *n = 0;
  if (!f) return NULL;
  while ((k = fread(chunk, 1, sizeof chunk, f)) > 0) buf_add(&b, chunk, k);
  fclose(f);
  *n = b.n;
  return buf_take(&b);
}

static void spit(const char *path, const char *data, size_t n) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || (n && write(fd, data, n) != (ssize_t)n)) printf("# cannot write %s\n", path);
  if (fd >= 0) close(fd);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(p);
}

static void rm_rf(const char *dir) { nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS); }

/* fresh makes an empty directory base/name for one test. */
static char *fresh(const char *name) {
  char *d = path_in(base, name);
  char err[256];
  rm_rf(d);
  if (jrn_mkdirs(d, err, sizeof err) < 0) printf("# mkdirs %s: %s\n", d, err);
  return d;
}

static int count_files(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;
  if (!d) return -1;
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) n++;
  closedir(d);
  return n;
}

/* torn_file returns the name of the one journal.torn-* file in dir. */
static char *torn_file(const char *dir, int *count) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char *found = NULL;
  *count = 0;
  if (!d) return NULL;
  while ((e = readdir(d)) != NULL)
    if (strncmp(e->d_name, "journal.torn-", 13) == 0) {
      (*count)++;
      mem_free(found);
      found = path_in(dir, e->d_name);
    }
  closedir(d);
  return found;
}

static int mode_of(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

/* make_journal writes n records into dir/journal.jsonl. */
static int make_journal(const char *dir, int n) {
  Journal j;
  char err[300];
  int i;
  if (jrn_open(&j, dir, 1, NULL, err, sizeof err) < 0) {
    printf("# make_journal: %s\n", err);
    return -1;
  }
  for (i = 0; i < n; i++) {
    Buf f = BUF_INIT;
    Value v = val_num(i * 1.5);
    buf_printf(&f, "\"i\":%d,\"msg\":", i);
    buf_json_str(&f, "record \"x\"\n", 11);
    buf_puts(&f, ",\"v\":");
    json_put_value(&f, &v);
    if (jrn_append(&j, i % 2 ? "effect_end" : "effect_start", buf_cstr(&f), err, sizeof err) < 0) {
      printf("# make_journal: %s\n", err);
      buf_free(&f);
      jrn_close(&j);
      return -1;
    }
    buf_free(&f);
  }
  jrn_close(&j);
  return 0;
}

/* line_starts fills starts[] with the offset of each line; returns the count. */
static int line_starts(const char *data, size_t n, size_t *starts, int max) {
  int k = 0;
  size_t i;
  if (n == 0) return 0;
  starts[k++] = 0;
  for (i = 0; i + 1 < n && k < max; i++)
    if (data[i] == '\n') starts[k++] = i + 1;
  return k;
}

/* ---- tests ------------------------------------------------------------- */

static void test_dirs(void) {
  char err[256];
  char *d = path_in(base, "a/b//c/");
  char *a = path_in(base, "a"), *ab = path_in(base, "a/b"), *abc = path_in(base, "a/b/c");
  char *file = path_in(base, "a/file");
  mode_t old = umask(0277);   /* would strip the owner's write and search bits */
  CHECK(jrn_mkdirs(d, err, sizeof err) == 0, "jrn_mkdirs creates a/b/c under umask 0277");
  umask(old);
  CHECK(mode_of(a) == 0700 && mode_of(ab) == 0700 && mode_of(abc) == 0700,
        "every new directory is 0700 (%o %o %o)", mode_of(a), mode_of(ab), mode_of(abc));
  CHECK(jrn_mkdirs(abc, err, sizeof err) == 0, "jrn_mkdirs of an existing directory is fine");
  spit(file, "x", 1);
  CHECK(jrn_mkdirs(file, err, sizeof err) < 0 && strstr(err, "exists and is not a directory"),
        "jrn_mkdirs refuses a file in the way: %s", err);
  CHECK(jrn_mkdirs("", err, sizeof err) < 0, "jrn_mkdirs refuses an empty path");
  mem_free(d);
  mem_free(a);
  mem_free(ab);
  mem_free(abc);
  mem_free(file);
}

static void test_append_reopen(void) {
  char *dir = path_in(base, "runs/r1"), *path = path_in(dir, "journal.jsonl");
  char err[300], prev[65], want[128];
  Journal j;
  JrnOpenReport rep;
  JrnVerifyReport vr;
  int i, ok = 1;
  mode_t old;

  CHECK(jrn_mkdirs(dir, err, sizeof err) == 0 && mode_of(dir) == 0700, "run directory is 0700");
  old = umask(0377);   /* would make the file read-only */
  CHECK(jrn_open(&j, dir, 1, &rep, err, sizeof err) == 0 && rep.created && rep.nrecs == 0 &&
          rep.torn_bytes == 0,
        "jrn_open creates an empty journal");
  umask(old);
  CHECK(mode_of(path) == 0600, "journal.jsonl is 0600 (%o) under umask 0377", mode_of(path));
  for (i = 0; i < 100 && ok; i++) {
    Buf f = BUF_INIT;
    Value v = val_cstr_new("caf\xc3\xa9");
    buf_printf(&f, "\"n\":%d,\"s\":", i);
    json_put_value(&f, &v);
    val_release(v);
    ok = jrn_append(&j, "log", buf_cstr(&f), err, sizeof err) == 0;
    buf_free(&f);
  }
  CHECK(ok && j.seq == 100, "100 records appended (%s)", ok ? "ok" : err);
  ok = jrn_append(&j, "run_end", NULL, err, sizeof err) == 0;
  CHECK(ok, "a record with no fields (NULL) is appended");
  jrn_close(&j);

  CHECK(jrn_open(&j, dir, 0, &rep, err, sizeof err) == 0 && !rep.created && rep.nrecs == 101 &&
          j.nrecs == 101 && j.seq == 101,
        "reopened: all 101 records loaded (%s)", err);
  memcpy(prev, "0000000000000000000000000000000000000000000000000000000000000000", 65);
  ok = 1;
  for (i = 0; i < (int)j.nrecs && ok; i++) {
    const JrnRecord *r = &j.recs[i];
    uint8_t h[32];
    size_t n;
    const char *s = json_str(json_get(jrn_rec_json(r), "s"), &n);
    snprintf(want, sizeof want, "{\"seq\":%d,\"prev\":\"%s", i, prev);
    ok = r->seq == (uint64_t)i && strncmp(r->line, want, strlen(want)) == 0 &&
         r->line[r->len] == '\n' &&
         strcmp(r->type, i < 100 ? "log" : "run_end") == 0 &&
         (i == 100 || (json_num(json_get(jrn_rec_json(r), "n"), NULL) == i && s && strcmp(s, "caf\xc3\xa9") == 0));
    if (!ok) printf("# record %d: %.*s\n", i, (int)r->len, r->line);
    sha256(r->line, r->len, h);
    sha256_hex(h, prev);
  }
  CHECK(ok, "every record has its seq, the previous line's hash, its type and fields");
  CHECK(memcmp(j.prev, prev, 65) == 0, "the journal's prev is the hash of the last line");
  {
    const char *lg = jrn_type_of(&j, "log"), *end = jrn_type_of(&j, "run_end");
    int same = lg && end && lg != end;
    for (i = 0; i < (int)j.nrecs && same; i++) same = j.recs[i].type == (i < 100 ? lg : end);
    CHECK(same, "jrn_type_of gives the one copy of a type every record of it points to");
    CHECK(jrn_type_of(&j, "step_end") == NULL && jrn_type_of(&j, "lo") == NULL && jrn_type_of(&j, "logs") == NULL,
          "and NULL for a type no record has (nor a prefix or extension of one)");
  }
  {
    const char *t = json_str(json_get(jrn_rec_json(&j.recs[5]), "time"), NULL);
    CHECK(t && strlen(t) == 24 && t[4] == '-' && t[10] == 'T' && t[19] == '.' && t[23] == 'Z',
          "time is RFC 3339 UTC with milliseconds: %s", t ? t : "(none)");
  }
  CHECK(jrn_append(&j, "run_start", "\"again\":true", err, sizeof err) == 0 && j.seq == 102,
        "appending after reopening continues the chain");
  jrn_close(&j);
  CHECK(jrn_verify_file(path, &vr) == 0 && vr.nrecs == 102, "jrn_verify_file: intact, 102 records");
  mem_free(dir);
  mem_free(path);
}

static void test_append_refusals(void) {
  char *dir = fresh("refuse"), *path = path_in(dir, "journal.jsonl");
  static const struct { const char *type, *fields, *why; } bad[] = {
    {"Log", "", "is not a lower-case name"},
    {"", "", "is not a lower-case name"},
    {"a-b", "", "is not a lower-case name"},
    {"9lives", "", "is not a lower-case name"},
    {"log", "\"a\":1\n", "contain a line break"},
    {"log", "\"a\":\r1", "contain a line break"},
    {"log", "\"a\":", "refusing to write a bad log record: not valid JSON"},
    {"log", "\"a\":1}", "not valid JSON"},
    {"log", "\"a\":1},{\"b\":2", "not valid JSON"},
    {"log", "\"seq\":1", "duplicate key \"seq\""},
    {"log", "\"type\":\"x\"", "duplicate key"},
    {"log", "\"a\":1,\"a\":2", "duplicate key"},
    {"log", ",\"a\":1", "not valid JSON"},
    {"log", "\"a\":\"\xff\"", "invalid UTF-8"},
    {"log", "1", "not valid JSON"},
  };
  char err[300];
  Journal j;
  size_t i, n0, n1;
  char *before, *after;
  CHECK(jrn_open(&j, dir, 1, NULL, err, sizeof err) == 0 &&
          jrn_append(&j, "run_start", "\"ok\":true", err, sizeof err) == 0,
        "journal for refusals");
  before = slurp(path, &n0);
  for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int rc = jrn_append(&j, bad[i].type, bad[i].fields, err, sizeof err);
    CHECK(rc < 0 && strstr(err, bad[i].why) && j.broken,
          "jrn_append refuses type %s fields %zu, and the journal is broken: %s", bad[i].type, i, err);
    /* A refusal breaks the journal too: the caller must stop. */
    rc = jrn_append(&j, "log", "\"after\":1", err, sizeof err);
    CHECK(rc < 0 && strstr(err, bad[i].why), "then a good record fails with the same reason: %s", err);
    jrn_close(&j);
    CHECK(jrn_open(&j, dir, 0, NULL, err, sizeof err) == 0 && !j.broken && j.seq == 1, "reopened: %s", err);
  }
  after = slurp(path, &n1);
  CHECK(n0 == n1 && memcmp(before, after, n0) == 0 && j.seq == 1,
        "refused appends write nothing");
  CHECK(jrn_append(&j, "log", "\"after\":1", err, sizeof err) == 0, "the reopened journal appends");
  jrn_close(&j);
  CHECK(jrn_verify_file(path, NULL) == 0, "and verifies");
  CHECK(jrn_append(&j, "log", "", err, sizeof err) < 0 && strstr(err, "not open"),
        "jrn_append on a closed journal fails");
  mem_free(before);
  mem_free(after);
  mem_free(dir);
  mem_free(path);
}

/* A write cut short (here by RLIMIT_FSIZE, as a full disk does) breaks
** the journal: the partial line stays, every later append fails without
** touching the file, and reopening sets the partial line aside as a torn
** tail, after which the journal appends again. */
static void test_short_write(void) {
  char *dir = fresh("short"), *path = path_in(dir, "journal.jsonl");
  char err[300], *before, *after;
  struct rlimit old, lim;
  Journal j;
  size_t n0, n1;
  int rc;
  Buf big = BUF_INIT;
  CHECK(make_journal(dir, 3) == 0 && jrn_open(&j, dir, 0, NULL, err, sizeof err) == 0,
        "journal for a short write");
  before = slurp(path, &n0);
  buf_puts(&big, "\"blob\":\"");
  while (big.n < 5000) buf_puts(&big, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
  buf_putc(&big, '"');
  signal(SIGXFSZ, SIG_IGN);
  getrlimit(RLIMIT_FSIZE, &old);
  lim = old;
  lim.rlim_cur = n0 + 100;
  setrlimit(RLIMIT_FSIZE, &lim);
  rc = jrn_append(&j, "log", buf_cstr(&big), err, sizeof err);
  setrlimit(RLIMIT_FSIZE, &old);
  signal(SIGXFSZ, SIG_DFL);
  CHECK(rc < 0 && strstr(err, "cannot write record 3: File too large") && strstr(err, path) && j.broken,
        "a write cut short fails, naming the file and the OS error, and breaks the journal: %s", err);
  after = slurp(path, &n1);
  CHECK(n1 == n0 + 100 && memcmp(before, after, n0) == 0 && after[n1 - 1] != '\n',
        "the partial line is left as it is (%zu bytes after %zu)", n1, n0);
  mem_free(after);
  err[0] = '\0';
  rc = jrn_append(&j, "log", "\"small\":1", err, sizeof err);
  CHECK(rc < 0 && strstr(err, "cannot write record 3: File too large"),
        "a later small record fails at once with the first reason: %s", err);
  rc = jrn_append_opt(&j, "log", "\"small\":2", 0, err, sizeof err);
  after = slurp(path, &n1);
  CHECK(rc < 0 && n1 == n0 + 100, "and an unsynced one too, writing nothing");
  jrn_close(&j);
  {
    JrnVerifyReport vr;
    JrnOpenReport rep;
    CHECK(jrn_verify_file(path, &vr) == 4 && vr.torn, "the partial line reads as a torn tail (record 3)");
    CHECK(jrn_open(&j, dir, 0, &rep, err, sizeof err) == 0 && rep.torn_bytes == 100 && j.seq == 3,
          "reopening sets the 100 torn bytes aside (%s)", err);
  }
  err[0] = '\0';
  CHECK(jrn_append(&j, "log", buf_cstr(&big), err, sizeof err) == 0 && j.seq == 4,
        "the same record then appends (%s)", err);
  jrn_close(&j);
  CHECK(jrn_verify_file(path, NULL) == 0, "and the chain verifies");
  buf_free(&big);
  mem_free(before);
  mem_free(after);
  mem_free(dir);
  mem_free(path);
}

/* The sync of records appended unsynced, at the end of a run (jrn_sync)
** or at jrn_close, can fail: a pipe in place of the journal's descriptor
** makes fdatasync fail for real (EINVAL). The failure must be reported and
** break the journal as a failed append's sync does. */
static void test_last_sync(void) {
  char *dir = fresh("lastsync"), *path = path_in(dir, "journal.jsonl");
  char err[600];
  Journal j;
  int pfd[2], saved;
  CHECK(make_journal(dir, 2) == 0 && jrn_open(&j, dir, 0, NULL, err, sizeof err) == 0, "journal for the last sync");
  CHECK(jrn_sync(&j, err, sizeof err) == 0 && !j.broken, "with nothing unsynced, jrn_sync does nothing");
  CHECK(jrn_append_opt(&j, "log", "\"line\":1", 0, err, sizeof err) == 0 && j.unsynced,
        "an unsynced record is written (%s)", err);
  CHECK(pipe(pfd) == 0, "a pipe");
  saved = dup(j.fd);
  dup2(pfd[0], j.fd);
  err[0] = '\0';
  CHECK(jrn_sync(&j, err, sizeof err) < 0 && j.broken && strstr(err, "cannot sync records up to 2") &&
          strstr(err, path) && strstr(err, strerror(EINVAL)) && strcmp(err, j.broken_why) == 0,
        "a failed sync of it fails, naming the file, the records and the OS error, and breaks the journal: %s", err);
  err[0] = '\0';
  CHECK(jrn_append(&j, "log", "\"line\":2", err, sizeof err) < 0 && strstr(err, "cannot sync records up to 2"),
        "a later append fails at once with that reason: %s", err);
  CHECK(jrn_sync(&j, err, sizeof err) < 0, "and so does a later jrn_sync");
  jrn_close(&j);
  /* jrn_close's own sync: a second journal, closed with the record unsynced */
  CHECK(jrn_open(&j, dir, 0, NULL, err, sizeof err) == 0 && j.seq == 3, "reopened, with the record (%s)", err);
  CHECK(jrn_append_opt(&j, "log", "\"line\":3", 0, err, sizeof err) == 0, "another unsynced record");
  dup2(pfd[0], j.fd);
  errno = 0;
  CHECK(jrn_close(&j) < 0 && errno == EINVAL, "jrn_close reports that its last sync failed");
  CHECK(jrn_open(&j, dir, 0, NULL, err, sizeof err) == 0 && j.seq == 4, "the record was written all the same (%s)", err);
  CHECK(jrn_close(&j) == 0, "and a close with nothing to sync succeeds");
  close(pfd[0]);
  close(pfd[1]);
  close(saved);
  mem_free(dir);
  mem_free(path);
}

/* write_long writes n records with a valid chain into path (without
** jrn_append's sync per record, so that a journal of over 1 MiB, which
** jrn_open hashes on a second thread, is quick to make). */
static void write_long(const char *path, int n) {
  Buf all = BUF_INIT, line = BUF_INIT;
  char prev[65];
  uint8_t h[SHA256_BYTES];
  int k;
  memset(prev, '0', 64);
  prev[64] = '\0';
  for (k = 0; k < n; k++) {
    buf_reset(&line);
    buf_printf(&line, "{\"seq\":%d,\"prev\":\"%s\",\"time\":\"2026-11-22T07:00:00.000Z\",\"type\":\"log\",\"i\":%d,"
                      "\"pad\":\"%s\"}", k, prev, k, "................................................................");
    sha256(line.p, line.n, h);
    sha256_hex(h, prev);
    buf_add(&all, line.p, line.n);
    buf_putc(&all, '\n');
  }
  spit(path, all.p, all.n);
  buf_free(&all);
  buf_free(&line);
}

/* A journal of over 1 MiB is hashed beside the parse (a second thread):
** the records, the damage and the torn tail read exactly as in a short one. */
static void test_long(void) {
  char *dir = fresh("long"), *path = path_in(dir, "journal.jsonl");
  char err[600], *before, *after;
  size_t n0, n1, k;
  int ok = 1;
  Journal j;
  JrnOpenReport rep;
  JrnVerifyReport vr;
  const int N = 6000;
  write_long(path, N);
  before = slurp(path, &n0);
  CHECK(n0 > ((size_t)1 << 20), "a long journal: %zu bytes", n0);
  CHECK(jrn_open(&j, dir, 0, &rep, err, sizeof err) == 0 && j.nrecs == (size_t)N && j.seq == (uint64_t)N,
        "jrn_open reads all %d records (%s)", N, err);
  for (k = 0; k < j.nrecs && ok; k++)
    ok = j.recs[k].seq == k && j.recs[k].line[j.recs[k].len] == '\n' && strcmp(j.recs[k].type, "log") == 0 &&
         json_num(json_get(jrn_rec_json(&j.recs[k]), "i"), NULL) == (double)k;
  CHECK(ok, "each record is parsed, and its line is followed by its newline (the file's mapped bytes)");
  CHECK(jrn_append(&j, "log", "\"i\":-1", err, sizeof err) == 0, "and appends after it (%s)", err);
  jrn_close(&j);
  CHECK(jrn_verify_file(path, &vr) == 0 && vr.nrecs == (size_t)N + 1, "the chain verifies (%zu)", vr.nrecs);
  mem_free(before);

  /* damage in the middle: record 4000 changed, so 4001's prev is wrong */
  write_long(path, N);
  before = slurp(path, &n0);
  {
    char *at = strstr(before, ",\"i\":4000,");
    if (at) at[6] = '9';
    spit(path, before, n0);
  }
  err[0] = '\0';
  CHECK(jrn_open(&j, dir, 0, &rep, err, sizeof err) < 0 &&
          strcmp(err, "journal.jsonl: record 4001 (line 4002) is damaged: prev is not the SHA-256 of record 4000 "
                      "(that record or this one was changed); refusing to resume") == 0,
        "damage in the middle is refused as in a short journal: %s", err);
  after = slurp(path, &n1);
  CHECK(n1 == n0 && memcmp(before, after, n0) == 0, "and the file is left byte for byte");
  CHECK(jrn_verify_file(path, &vr) == 4002 && vr.bad == 4001 && !vr.torn, "verify names the same record");
  mem_free(before);
  mem_free(after);

  /* a torn last record */
  write_long(path, N);
  before = slurp(path, &n0);
  spit(path, before, n0 - 20);
  CHECK(jrn_open(&j, dir, 0, &rep, err, sizeof err) == 0 && j.nrecs == (size_t)N - 1 && rep.torn_bytes > 0 &&
          strstr(rep.torn_reason, "the last line has no final newline"),
        "a torn last record is set aside (%s)", err);
  jrn_close(&j);
  mem_free(before);
  mem_free(dir);
  mem_free(path);
}

static void test_torn_tail(void) {
  char *master = fresh("torn-master"), *mpath = path_in(master, "journal.jsonl");
  char *dir = path_in(base, "torn"), *path = path_in(dir, "journal.jsonl");
  char err[300], *full;
  size_t n, starts[16], cut, last;
  int nl, bad = 0, cases = 0;
  CHECK(make_journal(master, 10) == 0, "a journal of 10 records");
  full = slurp(mpath, &n);
  nl = line_starts(full, n, starts, 16);
  CHECK(nl == 10 && full[n - 1] == '\n', "10 lines");
  last = starts[9];
  /* cut == last: the last record is simply absent, nothing is torn */
  for (cut = last; cut < n && !bad; cut++) {
    Journal j;
    JrnOpenReport rep;
    JrnVerifyReport vr;
    char *side, *now;
    size_t sn, nn;
    int count, vrc;
    rm_rf(dir);
    jrn_mkdirs(dir, err, sizeof err);
    spit(path, full, cut);
    cases++;
    vrc = jrn_verify_file(path, &vr);
    if (cut == last ? vrc != 0 : (vrc != 10 || !vr.torn || vr.nrecs != 9 || vr.bad != 9)) {
      printf("# cut at %zu: jrn_verify_file said %d (%s)\n", cut, vrc, vr.reason);
      bad = 1;
    }
    if (jrn_open(&j, dir, 0, &rep, err, sizeof err) < 0) {
      printf("# cut at %zu: %s\n", cut, err);
      bad = 1;
      break;
    }
    side = torn_file(dir, &count);
    now = slurp(path, &nn);
    if (j.nrecs != 9 || rep.nrecs != 9 || j.seq != 9 || nn != last || memcmp(now, full, last) != 0) {
      printf("# cut at %zu: %zu records, journal now %zu bytes\n", cut, j.nrecs, nn);
      bad = 1;
    }
    if (cut == last) {
      if (count != 0 || rep.torn_bytes != 0) bad = 1;
    } else {
      char *got = side ? slurp(side, &sn) : NULL;
      if (count != 1 || !got || sn != cut - last || memcmp(got, full + last, sn) != 0 ||
          rep.torn_bytes != cut - last || strcmp(rep.torn_path, side) != 0 ||
          mode_of(side) != 0600 || strstr(side, "/journal.torn-9-") == NULL) {
        printf("# cut at %zu: side file %s (%d of them), %zu bytes, report %zu %s\n", cut,
               side ? side : "none", count, got ? sn : 0, rep.torn_bytes, rep.torn_path);
        bad = 1;
      }
      mem_free(got);
    }
    if (jrn_append(&j, "effect_end", "\"again\":1", err, sizeof err) < 0) {
      printf("# cut at %zu: append after repair: %s\n", cut, err);
      bad = 1;
    }
    jrn_close(&j);
    if (jrn_verify_file(path, &vr) != 0 || vr.nrecs != 10) {
      printf("# cut at %zu: after the append: %s\n", cut, vr.reason);
      bad = 1;
    }
    mem_free(side);
    mem_free(now);
  }
  CHECK(!bad && cases == (int)(n - last),
        "torn tail cut at each of %d offsets in the last record: 9 records kept, the torn bytes "
        "saved exactly in journal.torn-9-*, the chain continues",
        cases);
  CHECK(cases > 100, "(the last record is %zu bytes)", n - last);
  mem_free(full);
  mem_free(master);
  mem_free(mpath);
  mem_free(dir);
  mem_free(path);
}

/* A newline-terminated last line of garbage (a write the file system lost
** part of) is torn too; so is a file holding only "\n". */
static void test_torn_garbage(void) {
  char *dir = fresh("garbage"), *path = path_in(dir, "journal.jsonl");
  char err[300], *full, *side, *now;
  size_t n, sn, nn, starts[8];
  Journal j;
  JrnOpenReport rep;
  JrnVerifyReport vr;
  int count;
  Buf b = BUF_INIT;

  make_journal(dir, 4);
  full = slurp(path, &n);
  line_starts(full, n, starts, 8);
  buf_add(&b, full, starts[3]);
  buf_add(&b, "{\"seq\":3,\"pr\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\"}\n", 30);
  spit(path, b.p, b.n);
  CHECK(jrn_verify_file(path, &vr) == 4 && vr.torn && strstr(vr.reason, "not valid JSON"),
        "verify: a garbled last line is torn: %s", vr.reason);
  CHECK(jrn_open(&j, dir, 0, &rep, err, sizeof err) == 0 && j.nrecs == 3 && rep.torn_bytes == 30,
        "jrn_open sets a garbled newline-terminated last line aside (%s)", err);
  jrn_close(&j);
  side = torn_file(dir, &count);
  now = slurp(side ? side : "/nonexistent", &sn);
  CHECK(count == 1 && now && sn == 30 && memcmp(now, b.p + starts[3], 30) == 0,
        "the side file holds the 30 garbled bytes");
  mem_free(now);
  mem_free(side);
  now = slurp(path, &nn);
  CHECK(nn == starts[3] && memcmp(now, full, nn) == 0, "the journal is cut to 3 records");
  mem_free(now);

  /* only "\n" */
  rm_rf(dir);
  jrn_mkdirs(dir, err, sizeof err);
  spit(path, "\n", 1);
  CHECK(jrn_verify_file(path, &vr) == 1 && vr.torn && strstr(vr.reason, "empty line"),
        "verify: a file of one newline is a torn first record: %s", vr.reason);
  CHECK(jrn_open(&j, dir, 0, &rep, err, sizeof err) == 0 && j.nrecs == 0 && rep.torn_bytes == 1,
        "jrn_open of a file of one newline: 0 records, 1 byte set aside");
  CHECK(jrn_append(&j, "run_start", "", err, sizeof err) == 0 &&
          strncmp(j.prev, "0000", 4) != 0,
        "and the first record is appended");
  jrn_close(&j);
  side = torn_file(dir, &count);
  now = slurp(side ? side : "/nonexistent", &sn);
  CHECK(count == 1 && now && sn == 1 && now[0] == '\n', "the side file holds the newline");
  CHECK(jrn_verify_file(path, &vr) == 0 && vr.nrecs == 1, "the journal then verifies");
  mem_free(now);
  mem_free(side);

  /* empty file */
  rm_rf(dir);
  jrn_mkdirs(dir, err, sizeof err);
  spit(path, "", 0);
  CHECK(jrn_verify_file(path, &vr) == 0 && vr.nrecs == 0, "verify: an empty file is intact");
  CHECK(jrn_open(&j, dir, 0, &rep, err, sizeof err) == 0 && j.nrecs == 0 && rep.torn_bytes == 0 &&
          !rep.created && count_files(dir) == 1,
        "jrn_open of an empty file: 0 records, nothing set aside");
  jrn_close(&j);

  /* a torn tail saved twice in one second gets a second name */
  rm_rf(dir);
  jrn_mkdirs(dir, err, sizeof err);
  spit(path, full, n - 1);   /* the last newline is missing */
  {
    long long t = (long long)time(NULL), k;
    for (k = t; k < t + 3; k++) {
      char name[64], *p;
      snprintf(name, sizeof name, "journal.torn-3-%lld", k);
      p = path_in(dir, name);
      spit(p, "taken", 5);
      mem_free(p);
    }
  }
  CHECK(jrn_open(&j, dir, 0, &rep, err, sizeof err) == 0 && rep.torn_bytes == n - 1 - starts[3] &&
          strstr(rep.torn_path, "-2") != NULL && count_files(dir) == 5,
        "a taken side-file name is not overwritten: %s", rep.torn_path);
  jrn_close(&j);
  CHECK(jrn_verify_file(path, NULL) == 0, "the complete-but-unterminated last line was set aside");

  CHECK(jrn_open(&j, base, 0, &rep, err, sizeof err) < 0 && strstr(err, "cannot open") &&
          count_files(base) > 0,
        "jrn_open without create of a missing journal fails: %s", err);
  CHECK(jrn_verify_file("/nonexistent/journal.jsonl", &vr) == -1 && strstr(vr.reason, "cannot open"),
        "jrn_verify_file of a missing file: -1, %s", vr.reason);
  buf_free(&b);
  mem_free(full);
  mem_free(dir);
  mem_free(path);
}

/* refuses checks that jrn_open refuses the bytes in data with a message
** naming want, changes nothing, and that jrn_verify_file agrees. */
static void refuses(const char *what, const char *data, size_t n, const char *want, int line) {
  char *dir = fresh("damage"), *path = path_in(dir, "journal.jsonl"), *after;
  char err[300] = "";
  Journal j;
  JrnVerifyReport vr;
  size_t an;
  int vrc;
  spit(path, data, n);
  CHECK(jrn_open(&j, dir, 1, NULL, err, sizeof err) < 0 && strstr(err, want) &&
          strstr(err, "; refusing to resume"),
        "%s: refused: %s", what, err);
  after = slurp(path, &an);
  CHECK(an == n && memcmp(after, data, n) == 0 && count_files(dir) == 1,
        "%s: the directory and file are unchanged", what);
  vrc = jrn_verify_file(path, &vr);
  CHECK(vrc == line && !vr.torn && vr.bad == (uint64_t)line - 1,
        "%s: jrn_verify_file names line %d (%d: %s)", what, line, vrc, vr.reason);
  jrn_close(&j);
  mem_free(after);
  mem_free(dir);
  mem_free(path);
}

static void test_damage(void) {
  char *master = fresh("damage-master"), *mpath = path_in(master, "journal.jsonl");
  char *full, want[120];
  size_t n, s[16], k;
  int bad = 0, flips = 0;
  Buf b = BUF_INIT;
  make_journal(master, 10);
  full = slurp(mpath, &n);
  line_starts(full, n, s, 16);

  /* one byte flipped in the middle of record 3 */
  {
    char *c = mem_strndup(full, n);
    size_t mid = (size_t)(strstr(full + s[3], "record") - full) + 2;   /* inside "msg" */
    c[mid] ^= 0x01;
    refuses("a flipped byte in record 3", c, n, "record 4 (line 5) is damaged", 5);
    /* the same at every byte of record 3: named as record 3 or, when the
    ** change leaves it well-formed, as record 4 whose prev no longer matches */
    for (k = s[3]; k < s[4] && !bad; k++) {
      char err[300];
      Journal j;
      JrnVerifyReport vr;
      char *dir = fresh("flip"), *path = path_in(dir, "journal.jsonl"), *after;
      size_t an;
      int vrc;
      memcpy(c, full, n);
      c[k] ^= 0x01;
      spit(path, c, n);
      flips++;
      vrc = jrn_verify_file(path, &vr);
      if (jrn_open(&j, dir, 0, NULL, err, sizeof err) == 0) {
        printf("# flip at %zu accepted\n", k);
        bad = 1;
      } else if (!(strstr(err, "record 3 (line 4) is damaged") && vrc == 4) &&
                 !(strstr(err, "record 4 (line 5) is damaged: prev is not the SHA-256 of record 3") &&
                   vrc == 5)) {
        printf("# flip at %zu: %s (verify: %d %s)\n", k, err, vrc, vr.reason);
        bad = 1;
      }
      after = slurp(path, &an);
      if (an != n || memcmp(after, c, n) != 0 || count_files(dir) != 1 || vr.torn) bad = 1;
      jrn_close(&j);
      mem_free(after);
      mem_free(dir);
      mem_free(path);
    }
    CHECK(!bad, "each of %d one-bit flips in record 3 is refused, naming record 3 or 4, with "
                "nothing changed", flips);
    /* a flip in the second-to-last record must not pass as a torn tail */
    memcpy(c, full, n);
    c[(size_t)(strstr(full + s[8], "record") - full) + 2] ^= 0x01;
    refuses("a flipped byte in record 8 of 10", c, n,
            "record 9 (line 10) is damaged: prev is not the SHA-256 of record 8", 10);
    mem_free(c);
  }

  /* a bad prev hash in the middle */
  buf_add(&b, full, s[5]);
  buf_add(&b, full + s[5], 17);
  buf_puts(&b, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  buf_add(&b, full + s[5] + 81, n - s[5] - 81);
  CHECK(b.n == n && memcmp(full + s[5], "{\"seq\":5,\"prev\":\"", 17) == 0, "(prev replaced)");
  refuses("a bad prev in record 5", b.p, b.n,
          "record 5 (line 6) is damaged: prev is not the SHA-256 of record 4", 6);

  /* a seq gap: record 5 removed */
  buf_reset(&b);
  buf_add(&b, full, s[5]);
  buf_add(&b, full + s[6], n - s[6]);
  refuses("a missing record 5", b.p, b.n, "record 5 (line 6) is damaged: seq is 6, expected 5", 6);

  /* a line that is not JSON, in the middle */
  buf_reset(&b);
  buf_add(&b, full, s[3]);
  buf_puts(&b, "hello\n");
  buf_add(&b, full + s[3], n - s[3]);
  refuses("a non-JSON line in the middle", b.p, b.n,
          "record 3 (line 4) is damaged: not valid JSON (unexpected 'h', expected a value at byte 0 of the line)", 4);

  /* an empty line in the middle */
  buf_reset(&b);
  buf_add(&b, full, s[2]);
  buf_puts(&b, "\n");
  buf_add(&b, full + s[2], n - s[2]);
  refuses("an empty line in the middle", b.p, b.n, "record 2 (line 3) is damaged: an empty line", 3);

  /* a garbled line followed by a torn one: only one line can be torn */
  buf_reset(&b);
  buf_add(&b, full, s[9]);
  buf_puts(&b, "garbage\n{\"seq\":");
  refuses("a garbled line before a torn one", b.p, b.n,
          "record 9 (line 10) is damaged: not valid JSON", 10);

  /* a well-formed last record with a wrong chain is damage, not a torn write */
  buf_reset(&b);
  buf_add(&b, full, s[9]);
  buf_add(&b, full + s[8], s[9] - s[8]);   /* record 8 again, as line 10 */
  refuses("record 8 repeated as the last line", b.p, b.n,
          "record 9 (line 10) is damaged: seq is 8, expected 9", 10);

  /* records that are JSON but not journal records */
  {
    static const struct { const char *line, *why; } odd[] = {
      {"[1,2]\n", "not a JSON object"},
      {"{\"prev\":\"x\",\"seq\":0}\n", "its first key is not \"seq\""},
      {"{\"seq\":\"0\"}\n", "seq is not 0"},
      {"{\"seq\":0}\n", "its second key is not \"prev\""},
      {"{\"seq\":0,\"prev\":\"00\"}\n", "prev of the first record is not 64 zeros"},
      {"{\"seq\":0,\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\","
       "\"type\":\"log\",\"time\":\"2026-11-22T06:55:01.123Z\"}\n",
       "its third key is not \"time\""},
      {"{\"seq\":0,\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\","
       "\"time\":\"2026-11-22 06:55:01\",\"type\":\"log\"}\n",
       "its third key is not \"time\""},
      {"{\"seq\":0,\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\","
       "\"time\":\"2026-11-22T06:55:01.123Z\"}\n",
       "its fourth key is not \"type\""},
      {"{\"seq\":0,\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\","
       "\"time\":\"2026-11-22T06:55:01.123Z\",\"type\":\"Log\"}\n",
       "its fourth key is not \"type\""},
    };
    size_t i;
    for (i = 0; i < sizeof odd / sizeof odd[0]; i++) {
      buf_reset(&b);
      buf_puts(&b, odd[i].line);
      buf_add(&b, full + s[1], n - s[1]);   /* more lines follow */
      snprintf(want, sizeof want, "record 0 (line 1) is damaged: %s", odd[i].why);
      refuses(odd[i].why, b.p, b.n, want, 1);
    }
  }
  buf_free(&b);
  mem_free(full);
  mem_free(master);
  mem_free(mpath);
}

/* One process holds the lock; another is refused and told who holds it. */
static void test_lock(void) {
  char *dir = fresh("lock"), *lockp = path_in(dir, "lock");
  char err[200], *content;
  int fd, fd2, status;
  pid_t holder, child;
  size_t n;
  CHECK(jrn_lock(dir, &fd, &holder, err, sizeof err) == 0 && fd >= 0, "we take the lock");
  content = slurp(lockp, &n);
  {
    char want[32];
    snprintf(want, sizeof want, "%ld\n", (long)getpid());
    CHECK_STREQ(content, want, "the lock file holds our PID");
  }
  CHECK(mode_of(lockp) == 0600, "the lock file is 0600");
  mem_free(content);
  fflush(stdout);
  child = fork();
  if (child == 0) {
    int cfd, e;
    pid_t h = 0;
    char cerr[200];
    int rc = jrn_lock(dir, &cfd, &h, cerr, sizeof cerr);
    e = errno;
    char want[64];
    snprintf(want, sizeof want, "run is being executed by process %ld", (long)getppid());
    _exit(rc == -1 && e == EWOULDBLOCK && h == getppid() && strcmp(cerr, want) == 0 ? 0 : 1);
  }
  CHECK(child > 0 && waitpid(child, &status, 0) == child && WIFEXITED(status) &&
          WEXITSTATUS(status) == 0,
        "another process is refused with EWOULDBLOCK and told our PID");
  jrn_unlock(fd);
  fflush(stdout);
  child = fork();
  if (child == 0) {
    int cfd;
    char cerr[200];
    _exit(jrn_lock(dir, &cfd, NULL, cerr, sizeof cerr) == 0 ? 0 : 1);
  }
  CHECK(child > 0 && waitpid(child, &status, 0) == child && WIFEXITED(status) &&
          WEXITSTATUS(status) == 0,
        "after jrn_unlock another process takes the lock");
  CHECK(jrn_lock(dir, &fd2, &holder, err, sizeof err) == 0, "and, once it exits, so do we");
  jrn_unlock(fd2);
  jrn_unlock(-1);
  mem_free(dir);
  mem_free(lockp);
}

/* jrn_open maps the file (read-only) and finds fields through the members
** it noted while checking each record: an empty file, a file that ends
** exactly at a page's end, a torn tail cut off under the map, and fields
** past the ones a record notes, or written with spaces around them. */
static void test_mapped(void) {
  char *dir = fresh("mapped"), *path = path_in(dir, "journal.jsonl");
  char err[300];
  Journal j;
  JrnOpenReport rep;
  size_t n0, n, k;
  char *data;
  int ok;
  static const char *keys[] = {"a", "b", "c", "d", "e", "f", "g", "h", "zz", "type", "seq"};

  spit(path, "", 0);
  CHECK(jrn_open(&j, dir, 0, &rep, err, sizeof err) == 0 && j.nrecs == 0 && j.mapped == 0 && j.seq == 0,
        "an empty journal opens (nothing to map) (%s)", err);
  CHECK(jrn_append(&j, "log", "\"a\":1", err, sizeof err) == 0, "and is appended to (%s)", err);
  jrn_close(&j);
  CHECK(jrn_open(&j, dir, 0, &rep, err, sizeof err) == 0 && j.nrecs == 1 && j.mapped > 0 &&
          j.recs[0].line[j.recs[0].len] == '\n' && jrn_rec_num(&j.recs[0], "a", NULL) == 1,
        "reopened, it is mapped and its record read (%s)", err);
  jrn_close(&j);

  /* one record whose line and newline fill a page exactly: nothing after
  ** it is mapped */
  data = slurp(path, &n0);
  mem_free(data);
  {
    Buf f = BUF_INIT;
    size_t pad = 4096 - n0 - 7;   /* "a":1 becomes "p":"...","a":1: 7 bytes more, and the pad */
    spit(path, "", 0);
    buf_puts(&f, "\"p\":\"");
    for (k = 0; k < pad; k++) buf_putc(&f, 'x');
    buf_puts(&f, "\",\"a\":1");
    ok = jrn_open(&j, dir, 0, NULL, err, sizeof err) == 0 && jrn_append(&j, "log", buf_cstr(&f), err, sizeof err) == 0;
    jrn_close(&j);
    buf_free(&f);
    data = slurp(path, &n);
    mem_free(data);
    CHECK(ok && n == 4096, "a journal of exactly one page (%zu bytes) (%s)", n, err);
    CHECK(jrn_open(&j, dir, 0, &rep, err, sizeof err) == 0 && j.nrecs == 1 && j.mapped == 4096 &&
            jrn_rec_num(&j.recs[0], "a", NULL) == 1 && jrn_rec_str_is(&j.recs[0], "type", "log"),
          "is mapped whole, and its last field is read (%s)", err);
    CHECK(jrn_append(&j, "log", "\"a\":2", err, sizeof err) == 0 && j.seq == 2, "and appended to (%s)", err);
    jrn_close(&j);
  }

  /* a torn tail is set aside and cut off while the file is mapped: the
  ** records before it stay readable */
  {
    int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    ok = fd >= 0 && write(fd, "{\"seq\":2,\"prev\":\"00", 19) == 19;
    if (fd >= 0) close(fd);
    CHECK(ok && jrn_open(&j, dir, 0, &rep, err, sizeof err) == 0 && j.nrecs == 2 && rep.torn_bytes == 19 &&
            j.mapped > 0 && jrn_rec_num(&j.recs[1], "a", NULL) == 2 && j.recs[1].line[j.recs[1].len] == '\n',
          "a torn last line without a newline is set aside, the records before it read from the map (%s)", err);
    jrn_close(&j);
    data = slurp(path, &n);
    CHECK(data && n > 4096 && data[n - 1] == '\n' && memchr(data + 4096, '\n', n - 4096) == data + n - 1,
          "the journal ends after its last whole record");
    mem_free(data);
  }

  /* fields found through the members a record notes agree with its tree */
  spit(path, "", 0);
  ok = jrn_open(&j, dir, 0, NULL, err, sizeof err) == 0 &&
       jrn_append(&j, "log",
                  "\"a\":1,\"b\":\"two\",\"c\":[1,{\"d\":2}],\"d\":{\"e\":\"f\"},\"e\":null,\"f\":true,\"g\":-1.5e3,"
                  "\"h\":\"last\"",
                  err, sizeof err) == 0 &&
       jrn_append(&j, "log", " \"a\" : 1 , \"b\" :\"two\",\"c\":[1,{\"d\":2}] , \"h\" : \"last\" ", err, sizeof err) == 0 &&
       jrn_append(&j, "log", "\"a\":1,\"b\":\"t\\\"w\\\\o\",\"c\":{}", err, sizeof err) == 0;
  jrn_close(&j);
  CHECK(ok, "records with eight fields, with spaces, with escapes are written (%s)", err);
  CHECK(jrn_open(&j, dir, 0, NULL, err, sizeof err) == 0 && j.nrecs == 3, "and read back (%s)", err);
  ok = j.nrecs == 3 && j.recs[0].nmembers == JRN_MEMBERS && j.recs[1].nmembers == 4 && j.recs[2].nmembers == 3;
  for (n = 0; n < j.nrecs && ok; n++) {
    const JrnRecord *r = &j.recs[n];
    Json *tree = json_parse(r->line, r->len, err, sizeof err);
    for (k = 0; k < sizeof keys / sizeof *keys && ok; k++) {
      const Json *want = json_get(tree, keys[k]), *got = jrn_rec_field(r, keys[k]);
      Buf a = BUF_INIT, b = BUF_INIT;
      if (want) json_print(&a, want);
      if (got) json_print(&b, got);
      ok = (want == NULL) == (got == NULL) && (want == NULL) == !jrn_rec_has(r, keys[k]) &&
           strcmp(buf_cstr(&a), buf_cstr(&b)) == 0;
      if (!ok) printf("# record %zu, key %s: want %s, got %s\n", n, keys[k], buf_cstr(&a), buf_cstr(&b));
      buf_free(&a);
      buf_free(&b);
    }
    ok = ok && r->json == NULL;   /* all of it read from the line */
    json_free(tree);
  }
  CHECK(ok, "every field read from the line (past the noted members, around spaces, after escapes) is the tree's");
  CHECK(j.nrecs == 3 && jrn_rec_str_is(&j.recs[1], "h", "last") && jrn_rec_str_is(&j.recs[2], "b", "t\"w\\o") &&
          !jrn_rec_str_is(&j.recs[0], "b", "tw") && jrn_rec_num(&j.recs[0], "g", NULL) == -1500,
        "strings and numbers compare as their values");
  CHECK(jrn_append(&j, "log", "\"x\":0,\"n\":42", err, sizeof err) == 0 &&
          jrn_append(&j, "log", "\"n\":1.5", err, sizeof err) == 0 &&
          jrn_append(&j, "log", "\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"n\":7", err, sizeof err) == 0,
        "records with an effect number are written (%s)", err);
  jrn_close(&j);
  CHECK(jrn_open(&j, dir, 0, NULL, err, sizeof err) == 0 && j.nrecs == 6, "and read back (%s)", err);
  {
    int ok1, ok2, ok3, ok4;
    ok = j.nrecs == 6 && j.recs[3].n == 42 && j.recs[4].n == -1 && j.recs[5].n == -1 && j.recs[0].n == -1 &&
         jrn_rec_num(&j.recs[3], "n", &ok1) == 42 && ok1 && jrn_rec_num(&j.recs[4], "n", &ok2) == 1.5 && ok2 &&
         jrn_rec_num(&j.recs[5], "n", &ok3) == 7 && ok3 && (jrn_rec_num(&j.recs[0], "n", &ok4), !ok4);
  }
  CHECK(ok, "a whole effect number is read with the line, any other \"n\" from the line when asked");
  jrn_close(&j);
  mem_free(path);
  mem_free(dir);
}

/* The time and type of a record are checked a word at a time: every byte
** of the time, changed to each kind of wrong byte, is refused with the
** message check_line gives, and a right one at each place is taken; a
** type is refused or taken by each of its bytes as before. */
static void test_shapes(void) {
  static const char zeros[] = "0000000000000000000000000000000000000000000000000000000000000000";
  static const char good[] = "2026-11-22T07:00:00.000Z";
  static const char digit_bad[] = "/:a \x80\"";   /* '0' - 1, '9' + 1, and others */
  char line[300], t[32], err[300];
  size_t i, k, n;
  int bad = 0, tried = 0;
  for (i = 0; i < 24; i++) {
    int isdigit_ = good[i] >= '0' && good[i] <= '9';
    const char *wrong = isdigit_ ? digit_bad : "0z/\x01";
    for (k = 0; k < strlen(wrong) + (isdigit_ ? 2 : 0); k++) {
      char *dir = fresh("shape"), *path = path_in(dir, "journal.jsonl");
      Journal j;
      int ok, want_ok = k >= strlen(wrong);
      memcpy(t, good, sizeof good);
      t[i] = want_ok ? (k == strlen(wrong) ? '0' : '9') : wrong[k];
      /* a line after a wrong one, so that it is not taken for a torn tail */
      n = (size_t)snprintf(line, sizeof line, "{\"seq\":0,\"prev\":\"%s\",\"time\":\"%s\",\"type\":\"log\"}\n%s", zeros,
                           t, want_ok ? "" : "{}\n");
      spit(path, line, n);
      ok = jrn_open(&j, dir, 1, NULL, err, sizeof err) == 0;
      tried++;
      {
        unsigned char c = (unsigned char)t[i];
        const char *why = c == '"' || c < 0x20 || c >= 0x80 ? "not valid JSON" : "its third key is not \"time\"";
        if (ok != want_ok || (!ok && (!strstr(err, "record 0 (line 1) is damaged") || !strstr(err, why)))) {
          printf("# time with byte %zu as 0x%02x: %s\n", i, c, ok ? "taken" : err);
          bad = 1;
        }
      }
      if (ok) jrn_close(&j);
      mem_free(dir);
      mem_free(path);
    }
  }
  CHECK(!bad, "each byte of a record's time, wrong in %d ways, is refused as before, and a right digit taken",
        tried);

  bad = 0;
  {
    static const struct { const char *type; int ok; } types[] = {
      {"log", 1}, {"a", 1}, {"step_start", 1}, {"x9_", 1}, {"abcdefghijklmnopqrstuvwxyz0123456789_", 1},
      {"", 0}, {"Log", 0}, {"lOg", 0}, {"9lg", 0}, {"_lg", 0}, {"lo-g", 0}, {"lo g", 0}, {"lo\\u0067", 1},
      {"lo\\\"g", 0},
    };
    for (i = 0; i < sizeof types / sizeof types[0]; i++) {
      char *dir = fresh("type"), *path = path_in(dir, "journal.jsonl");
      Journal j;
      int ok;
      n = (size_t)snprintf(line, sizeof line, "{\"seq\":0,\"prev\":\"%s\",\"time\":\"%s\",\"type\":\"%s\",\"x\":1}\n",
                           zeros, good, types[i].type);
      spit(path, line, n);
      ok = jrn_open(&j, dir, 1, NULL, err, sizeof err) == 0;
      if (ok != types[i].ok || (!ok && !strstr(err, "its fourth key is not \"type\" with a lower-case name"))) {
        printf("# type \"%s\": %s\n", types[i].type, ok ? "taken" : err);
        bad = 1;
      }
      if (ok) jrn_close(&j);
      mem_free(dir);
      mem_free(path);
    }
  }
  CHECK(!bad, "record types are taken or refused by each of their bytes, escaped ones by their decoded text");
}

int main(void) {
  const char *tmp = getenv("TMPDIR");
  snprintf(base, sizeof base, "%s/rbk-journal-test.XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(base)) {
    perror("mkdtemp");
    return 1;
  }
  test_dirs();
  test_append_reopen();
  test_append_refusals();
  test_short_write();
  test_last_sync();
  test_long();
  test_torn_tail();
  test_torn_garbage();
  test_damage();
  test_shapes();
  test_lock();
  test_mapped();
  rm_rf(base);
  UNIT_DONE();
}
