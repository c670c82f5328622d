/*
** baseline.c -- baseline(name, value) records a value, baseline(name)
** reads it back: "Expected: match pre-deployment count" (seed 001).
**
** Each call is journaled (a WORLD effect), so a resumed run replays it.
** The value is also kept in a store shared by every run in the same state
** directory, so a later run, the undo run, or a run of ANOTHER runbook
** (the backout of a roll-out) can compare against it:
**
**   STATE/baselines.json   a JSON object, one member per name:
**                          {"value": V, "time": T, "runbook": TITLE,
**                           "host": H}; V encoded as the journal encodes
**                          values (base/json.h); mode 0600, replaced
**                          atomically (base/durable.h), secrets masked
**   STATE/baselines.lock   flock(2)ed while the store is read and rewritten,
**                          so two runs recording at once lose nothing
*/
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "../base/durable.h"
#include "../run/journal.h"
#include "../vm/valjson.h"
#include "../base/mem.h"
#include "../base/source.h"
#include "natives.h"

/* The store is small; a file larger than this is not one of ours. */
#define STORE_MAX_BYTES (64u << 20)

static int lock_store(VM *vm, const char *dir, int *fd) {
  char path[4200], why[512];
  if (jrn_mkdirs(dir, why, sizeof why) != 0) return vm_fail(vm, "baseline(): %s", why);
  snprintf(path, sizeof path, "%s/baselines.lock", dir);
  *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (*fd < 0) return vm_fail(vm, "baseline(): %s: %s", path, strerror(errno));
  while (flock(*fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    vm_fail(vm, "baseline(): cannot lock %s: %s", path, strerror(errno));
    close(*fd);
    return -1;
  }
  return 0;
}

/* read_store parses STATE/baselines.json into *j (NULL when there is no
** store yet). Returns 0, or -1 after vm_fail. */
static int read_store(VM *vm, const char *dir, Json **j) {
  char path[4200], err[256];
  FILE *f;
  Buf b = BUF_INIT;
  char chunk[65536];
  size_t k;
  *j = NULL;
  snprintf(path, sizeof path, "%s/baselines.json", dir);
  f = fopen(path, "rb");
  if (!f) {
    if (errno == ENOENT) return 0;
    return vm_fail(vm, "baseline(): %s: %s", path, strerror(errno));
  }
  while ((k = fread(chunk, 1, sizeof chunk, f)) > 0 && b.n <= STORE_MAX_BYTES) buf_add(&b, chunk, k);
  fclose(f);
  if (b.n > STORE_MAX_BYTES) {
    buf_free(&b);
    return vm_fail(vm, "baseline(): %s is larger than %u MiB", path, STORE_MAX_BYTES >> 20);
  }
  *j = json_parse(b.p ? b.p : "", b.n, err, sizeof err);
  buf_free(&b);
  if (!*j || json_kind(*j) != JSON_OBJ) {
    json_free(*j);
    *j = NULL;
    return vm_fail(vm, "baseline(): %s is damaged (%s); move it aside to start afresh", path,
                   err[0] ? err : "not a JSON object");
  }
  return 0;
}

static void put_member(Buf *b, const char *key, size_t klen, int *first) {
  buf_puts(b, *first ? "{\n" : ",\n");
  *first = 0;
  json_put_str(b, key, klen);
  buf_putc(b, ':');
}

/* record writes name = v into the store, keeping every other member. */
static int record(VM *vm, const char *dir, const Str *name, const Value *v) {
  char path[4200], why[1024], stamp[64], host[256];
  Json *store;
  Buf out = BUF_INIT, entry = BUF_INIT, masked = BUF_INIT;
  size_t i;
  int fd, first = 1, rc = 0;
  time_t t = time(NULL);
  struct tm tm;
  if (lock_store(vm, dir, &fd) != 0) return -1;
  if (read_store(vm, dir, &store) != 0) {
    close(fd);
    return -1;
  }
  gmtime_r(&t, &tm);
  strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (gethostname(host, sizeof host) != 0) strcpy(host, "unknown");
  host[sizeof host - 1] = '\0';
  for (i = 0; i < json_len(store); i++) {
    size_t kl;
    const char *k = json_key(store, i, &kl);
    if (kl == name->len && memcmp(k, name->s, kl) == 0) continue;   /* replaced below */
    put_member(&out, k, kl, &first);
    json_print(&out, json_at(store, i));
  }
  json_free(store);
  buf_puts(&entry, "{\"value\":");
  {
    ValMask mask = vm_mask(vm);
    json_put_value_masked(&entry, v, &mask);
  }
  buf_printf(&entry, ",\"time\":\"%s\",\"runbook\":", stamp);
  json_put_str(&entry, vm->prog->title, strlen(vm->prog->title));
  buf_puts(&entry, ",\"host\":");
  json_put_str(&entry, host, strlen(host));
  buf_putc(&entry, '}');
  put_member(&out, name->s, name->len, &first);
  buf_add(&out, entry.p, entry.n);
  buf_puts(&out, first ? "{}\n" : "\n}\n");
  vm_redact(vm, out.p, out.n, &masked);   /* a secret is never written, here either */
  snprintf(path, sizeof path, "%s/baselines.json", dir);
  if (durable_replace(path, masked.p, masked.n, 0600, why, sizeof why) != 0) rc = vm_fail(vm, "baseline(): %s", why);
  close(fd);   /* releases the lock */
  buf_free(&out);
  buf_free(&entry);
  buf_free(&masked);
  return rc;
}

/* lookup reads name from the store into *out. */
static int lookup(VM *vm, const char *dir, const Str *name, Value *out) {
  Json *store;
  const Json *e = NULL;
  char err[256];
  size_t i;
  int fd, rc = 0;
  if (lock_store(vm, dir, &fd) != 0) return -1;
  rc = read_store(vm, dir, &store);
  close(fd);
  if (rc != 0) return -1;
  for (i = 0; i < json_len(store); i++) {
    size_t kl;
    const char *k = json_key(store, i, &kl);
    if (kl == name->len && memcmp(k, name->s, kl) == 0) e = json_at(store, i);
  }
  if (!e) {
    json_free(store);
    return vm_fail(vm, "baseline(): no baseline \"%s\" is recorded in %s (a run records one with "
                       "baseline(\"%s\", value))", name->s, dir, name->s);
  }
  if (json_to_value(json_get(e, "value"), out, err, sizeof err) != 0) {
    json_free(store);
    return vm_fail(vm, "baseline(): the recorded \"%s\" cannot be read: %s", name->s, err);
  }
  json_free(store);
  return 0;
}

int nat_baseline(VM *vm, Value *args, int argc, Value *out) {
  const Str *name = AS_STR(args[0]);
  if (!vm->state_dir)
    return vm_fail(vm, "baseline(): there is no state directory to keep baselines in (rbk run, undo and watch "
                       "have one)");
  if (name->len == 0 || memchr(name->s, '\0', name->len)) return vm_fail(vm, "baseline(): the name is empty or has a NUL byte");
  if (argc == 1) return lookup(vm, vm->state_dir, name, out);
  if (record(vm, vm->state_dir, name, &args[1]) != 0) return -1;
  *out = args[1];
  val_retain(*out);
  return 0;
}
