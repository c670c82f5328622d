/*
** fuzz_journal.c -- libFuzzer harness for the journal reader and the JSON
** reader and Value codec, on arbitrary bytes.
**
** Each input is written as journal.jsonl into a private directory (made
** once per process with mkdtemp, emptied after every input), then read by
** jrn_verify_file and by jrn_open (create=0); when jrn_open succeeds one
** record is appended. The raw bytes also go to json_parse; a tree that
** parses is printed and read back, and decoded as a Value and re-encoded.
** Everything is freed, so LeakSanitizer reports what leaks.
**
** Besides the sanitizers, the harness aborts when a contract breaks:
**   verify-open   jrn_verify_file and jrn_open agree: intact opens with
**                 nothing set aside; torn opens with exactly the bytes from
**                 the bad record on set aside; damaged is refused
**   unchanged     a refused journal is byte-identical, no file added
**   torn-saved    the journal after + the side file == the input
**   records       every loaded record is its line, NUL-terminated, in order
**   append-chain  after the append the file verifies, one record longer
**   json-print    printing a parsed tree, reading it back and printing
**                 again gives the same bytes
**   value-codec   encode(decode(j)) reads back and encodes the same
**
** Built and run by fuzz/run.sh; a file argument replays it.
*/
#include <dirent.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../run/journal.h"
#include "../vm/valjson.h"
#include "../base/mem.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[256];
static char path[300];

static void broken(const char *name, const char *what) {
  fprintf(stderr, "fuzz_journal: contract %s broken: %s\n", name, what);
  abort();
}

/* clean removes every file in dir (the journal, side files, nothing else
** is ever made there). */
static void clean(void) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char p[600];
  if (!d) return;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
    unlink(p);
  }
  closedir(d);
}

static void bye(void) {
  clean();
  rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  const char *tmp = getenv("TMPDIR");
  (void)argc;
  (void)argv;
  snprintf(dir, sizeof dir, "%s/rbk-fuzz-journal.XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) {
    perror("fuzz_journal: mkdtemp");
    exit(1);
  }
  snprintf(path, sizeof path, "%s/journal.jsonl", dir);
  atexit(bye);
  return 0;
}

static char *slurp(const char *p, size_t *n) {
  FILE *f = fopen(p, "rb");
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

static int count_files(void) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;
  if (!d) return -1;
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) n++;
  closedir(d);
  return n;
}

static void journal(const uint8_t *data, size_t size) {
  JrnVerifyReport vr;
  JrnOpenReport rep;
  Journal j;
  char err[512];
  int vrc, rc, fd;
  size_t i;

  fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size)) {
    perror("fuzz_journal: writing the input");
    exit(1);
  }
  close(fd);

  vrc = jrn_verify_file(path, &vr);
  if (vrc < 0) broken("verify-open", "jrn_verify_file cannot read the file");
  rc = jrn_open(&j, dir, 0, &rep, err, sizeof err);
  if (vrc == 0 && (rc != 0 || rep.torn_bytes != 0 || j.nrecs != vr.nrecs))
    broken("verify-open", "an intact journal did not open cleanly");
  if (vrc > 0 && vr.torn) {
    char *now, *side;
    size_t nn, sn;
    if (rc != 0 || j.nrecs != vr.nrecs || rep.torn_bytes != size - vr.bad_offset)
      broken("verify-open", "a torn tail was not set aside as verify described it");
    now = slurp(path, &nn);
    side = slurp(rep.torn_path, &sn);
    if (!now || !side || nn != vr.bad_offset || memcmp(now, data, nn) != 0 ||
        sn != rep.torn_bytes || memcmp(side, data + nn, sn) != 0 || count_files() != 2)
      broken("torn-saved", "the journal and the side file are not the input split in two");
    mem_free(now);
    mem_free(side);
  }
  if (vrc > 0 && !vr.torn) {
    char *now;
    size_t nn;
    if (rc == 0) broken("verify-open", "a damaged journal was opened");
    now = slurp(path, &nn);
    if (!now || nn != size || memcmp(now, data, size) != 0 || count_files() != 1)
      broken("unchanged", "a refused journal was changed");
    mem_free(now);
  }
  if (rc == 0) {
    uint64_t off = 0;
    for (i = 0; i < j.nrecs; i++) {
      const JrnRecord *r = &j.recs[i];
      const Json *t;
      if (r->seq != i || r->offset != off || r->line[r->len] != '\n' || !r->type ||
          json_kind(jrn_rec_json(r)) != JSON_OBJ || memcmp(r->line, data + off, r->len) != 0)
        broken("records", "a loaded record does not match its line");
      /* records are read lazily: one field read alone is the whole tree's */
      t = jrn_rec_field(r, "type");
      if (!t || strcmp(json_str(t, NULL) ? json_str(t, NULL) : "", r->type) != 0 ||
          json_num(jrn_rec_field(r, "seq"), NULL) != (double)i)
        broken("records", "a record's field read alone differs from its tree");
      off += r->len + 1;
    }
    if (jrn_append(&j, "log", "\"fuzz\":{\"bytes\":\"/w==\"}", err, sizeof err) != 0)
      broken("append-chain", err);
    jrn_close(&j);
    if (jrn_verify_file(path, &vr) != 0 || vr.nrecs != rep.nrecs + 1)
      broken("append-chain", "the journal does not verify after an append");
  }
  jrn_close(&j);
  clean();
}

static void json(const uint8_t *data, size_t size) {
  char err[256];
  Json *j = json_parse((const char *)data, size, err, sizeof err), *k;
  Buf a = BUF_INIT, b = BUF_INIT;
  Value v, w;
  if (!j) {
    if (!strstr(err, " at byte ")) broken("json-print", "an error without its offset");
    return;
  }
  json_print(&a, j);
  k = json_parse(buf_cstr(&a), a.n, err, sizeof err);
  if (!k) broken("json-print", err);
  json_print(&b, k);
  if (a.n != b.n || memcmp(buf_cstr(&a), buf_cstr(&b), a.n) != 0)
    broken("json-print", "printing is not stable");
  json_free(k);
  buf_reset(&a);
  buf_reset(&b);
  if (json_to_value(j, &v, err, sizeof err) == 0) {
    json_put_value(&a, &v);
    k = json_parse(buf_cstr(&a), a.n, err, sizeof err);
    if (!k) broken("value-codec", err);
    if (json_to_value(k, &w, err, sizeof err) != 0) broken("value-codec", err);
    json_put_value(&b, &w);
    if (a.n != b.n || memcmp(buf_cstr(&a), buf_cstr(&b), a.n) != 0)
      broken("value-codec", "encoding is not stable");
    val_release(v);
    val_release(w);
    json_free(k);
  }
  buf_free(&a);
  buf_free(&b);
  json_free(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > (1u << 20)) return -1;
  journal(data, size);
  json(data, size);
  return 0;
}
