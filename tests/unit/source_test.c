/*
** source_test.c -- loading runbook text: the read path, the mapped path
** (src_load_mapped) and giving a mapped text's pages back
** (src_release_before), including a file cut short under the map.
*/
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"
#include "../../base/mem.h"
#include "../../base/source.h"

static char dir[64];

static const char *tpath(const char *name) {
  static char buf[128];
  snprintf(buf, sizeof buf, "%s/%s", dir, name);
  return buf;
}

/* make_file writes n bytes of runbook-like text (lines numbered, so that
** every page differs) to name and returns them, NUL-terminated. */
static char *make_file(const char *name, size_t n) {
  char *t = malloc(n + 1);
  size_t i = 0;
  unsigned line = 0;
  FILE *f;
  while (i < n) {
    char l[64];
    int k = snprintf(l, sizeof l, "# line %u of a long runbook\n", ++line);
    size_t take = (size_t)k < n - i ? (size_t)k : n - i;
    memcpy(t + i, l, take);
    i += take;
  }
  t[n] = '\0';
  f = fopen(tpath(name), "wb");
  fwrite(t, 1, n, f);
  fclose(f);
  return t;
}

/* resident counts the pages of [p, p+n) mapped into this process
** (/proc/self/pagemap bit 63: present). */
static long resident(const char *p, size_t n) {
  long page = sysconf(_SC_PAGESIZE), count = 0;
  uintptr_t a;
  int fd = open("/proc/self/pagemap", O_RDONLY);
  if (fd < 0) return -1;
  for (a = (uintptr_t)p & ~(uintptr_t)(page - 1); a < (uintptr_t)p + n; a += (uintptr_t)page) {
    uint64_t e = 0;
    if (pread(fd, &e, sizeof e, (off_t)(a / (uintptr_t)page * sizeof e)) != (ssize_t)sizeof e) {
      close(fd);
      return -1;
    }
    if (e >> 63) count++;
  }
  close(fd);
  return count;
}

/* touch reads a byte of every page, so that all of them are mapped. */
static void touch(const char *p, size_t n) {
  volatile char sink = 0;
  size_t i;
  for (i = 0; i < n; i += 4096) sink = (char)(sink + p[i]);
  (void)sink;
}

static void test_small_and_read(void) {
  Source s;
  char err[128];
  char *t = make_file("small.rbk", 1000);
  CHECK(src_load_mapped(&s, tpath("small.rbk"), err, sizeof err) == 0, "a small file loads (%s)", err);
  CHECK(s.map_len == 0 && s.release_at == 0, "a file under 256 KiB is read, not mapped");
  CHECK(s.len == 1000 && memcmp(s.text, t, 1000) == 0 && s.text[1000] == 0 && s.text[1001] == 0,
        "its text and the two NULs");
  src_release_before(&s, s.len);
  CHECK(memcmp(s.text, t, 1000) == 0, "src_release_before leaves a read text alone");
  src_free(&s);
  free(t);

  t = make_file("plain.rbk", 300 * 1024 + 5);
  CHECK(src_load(&s, tpath("plain.rbk"), err, sizeof err) == 0 && s.map_len == 0,
        "src_load reads a large file (no map)");
  src_free(&s);
  free(t);

  /* A size that is a page multiple leaves no room for the NULs in the map. */
  t = make_file("pages.rbk", 256 * 1024 + (size_t)sysconf(_SC_PAGESIZE) * 3);
  CHECK(src_load_mapped(&s, tpath("pages.rbk"), err, sizeof err) == 0 && s.map_len == 0 &&
            s.text[s.len] == 0 && s.text[s.len + 1] == 0,
        "a file of whole pages is read instead");
  src_free(&s);
  free(t);
}

static void test_mapped(void) {
  Source s;
  char err[128];
  size_t n = 2 * 1024 * 1024 + 77;
  char *t = make_file("big.rbk", n);
  long before, after;
  CHECK(src_load_mapped(&s, tpath("big.rbk"), err, sizeof err) == 0, "a 2 MiB file loads (%s)", err);
  CHECK(s.map_len == n + 2, "it is mapped (map_len %u)", s.map_len);
  CHECK(s.len == n && memcmp(s.text, t, n) == 0, "the mapped text is the file");
  CHECK(s.text[n] == 0 && s.text[n + 1] == 0, "two NULs follow it");
  CHECK(s.release_at == 512 * 1024, "the lexer is asked to release at 512 KiB (%u)", s.release_at);
#ifdef MADV_POPULATE_WRITE
  CHECK(s.populated == 0 || s.populated == 576 * 1024,
        "the first 576 KiB are made rbk's own ahead of the lexer (or the kernel cannot: %u)", s.populated);
#endif
  s.text[100] = '\0';   /* as flex does after a token: rbk's copy only */
  s.text[100] = t[100];
  touch(s.text, n);
  before = resident(s.text, n);
  src_release_before(&s, 1024 * 1024);
  after = resident(s.text, n);
  CHECK(before > 0 && after >= 0 && after < before - 200,
        "the pages below 1 MiB less 64 KiB are given back (%ld -> %ld resident)", before, after);
  CHECK(s.released == 1024 * 1024 - 64 * 1024, "released counts them (%u)", s.released);
  CHECK(s.release_at == 1024 * 1024 + 512 * 1024, "the next release is 512 KiB on (%u)", s.release_at);
#ifdef MADV_POPULATE_WRITE
  CHECK(s.populated == 0 || s.populated == 1024 * 1024 + 576 * 1024, "and the window ahead moves with it (%u)",
        s.populated);
#endif
  CHECK(memcmp(s.text, t, n) == 0, "the text still reads the same (pages come back from the file)");
  touch(s.text, n);
  src_release_before(&s, UINT32_MAX);
  CHECK(s.release_at == 0, "after the whole text, no further release is asked for");
  CHECK(resident(s.text, n) <= 2, "all but the last page are given back (%ld resident)", resident(s.text, n));
  CHECK(s.text[n] == 0 && s.text[n + 1] == 0 && memcmp(s.text, t, n) == 0,
        "and the text and its NULs are intact");
  src_free(&s);
  CHECK(s.text == NULL && s.map_len == 0, "src_free unmaps it");
  free(t);
}

/* A file truncated by another program under the map: touching a lost page
** must end rbk with a message naming the file and status 2, not SIGBUS. */
static void test_cut_short(void) {
  Source s;
  char err[128];
  size_t n = 1024 * 1024 + 9;
  char *t = make_file("cut.rbk", n);
  int pipefd[2], st = 0;
  pid_t pid;
  char msg[512];
  ssize_t k;
  CHECK(src_load_mapped(&s, tpath("cut.rbk"), err, sizeof err) == 0 && s.map_len, "cut.rbk is mapped");
  src_release_before(&s, UINT32_MAX);   /* nothing of it is in rbk's memory now */
  CHECK(truncate(tpath("cut.rbk"), 4096) == 0, "another program cuts it to 4 KiB");
  if (pipe(pipefd) != 0) return;
  fflush(stdout);
  pid = fork();
  if (pid == 0) {
    volatile char c;
    dup2(pipefd[1], 2);
    c = s.text[512 * 1024];   /* past the new end */
    (void)c;
    _exit(0);
  }
  close(pipefd[1]);
  msg[0] = '\0';
  for (size_t got = 0; (k = read(pipefd[0], msg + got, sizeof msg - 1 - got)) > 0;) {
    got += (size_t)k;
    msg[got] = '\0';
  }
  close(pipefd[0]);
  waitpid(pid, &st, 0);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == SRC_SHRUNK_EXIT, "the reader exits with status 2 (status %#x)", st);
  CHECK(strstr(msg, "cut.rbk: the file was cut short by another program") != NULL, "and says so: %s", msg);
  src_free(&s);
  free(t);
}

int main(void) {
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/srcXXXXXX", tmp && strlen(tmp) < 40 ? tmp : "/tmp");
  if (!mkdtemp(dir)) return 1;
  test_small_and_read();
  test_mapped();
  test_cut_short();
  unlink(tpath("small.rbk"));
  unlink(tpath("plain.rbk"));
  unlink(tpath("pages.rbk"));
  unlink(tpath("big.rbk"));
  unlink(tpath("cut.rbk"));
  rmdir(dir);
  UNIT_DONE();
}
