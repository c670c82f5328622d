/*
** sha256.c -- SHA-256 through libcrypto (its SHA256_* functions, else EVP),
** loaded on first use.
** Used for the journal's hash chain, effect keys, source and .rbc hashes.
*/
#include "sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* SHA256_Init and co. are deprecated in OpenSSL 3 in favour of EVP, but
** still there, and they call the same assembly (SHA-NI where the CPU has
** it) without the EVP layer's cost per digest, which for a journal line
** of 200 bytes is half again the hashing itself. */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <dlfcn.h>
#include <pthread.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <openssl/sha.h>

/* libcrypto is loaded when a digest is first asked for, not when rbk
** starts: most commands (check, lint, fmt, plan) never hash, and loading
** it costs them 1.4 MB of resident pages (its relocations) and start-up
** time. The headers give the types; the functions come from dlsym. */
#if defined(OPENSSL_VERSION_MAJOR) && OPENSSL_VERSION_MAJOR >= 3
#define CRYPTO_STR2(x) #x
#define CRYPTO_STR(x) CRYPTO_STR2(x)
#define CRYPTO_SONAME "libcrypto.so." CRYPTO_STR(OPENSSL_VERSION_MAJOR)
#else
#define CRYPTO_SONAME "libcrypto.so.1.1"
#endif

static struct {
  int (*sha_init)(SHA256_CTX *);
  int (*sha_update)(SHA256_CTX *, const void *, size_t);
  int (*sha_final)(unsigned char *, SHA256_CTX *);
  EVP_MD_CTX *(*ctx_new)(void);
  void (*ctx_free)(EVP_MD_CTX *);
  const EVP_MD *(*md_sha256)(void);
  int (*digest_init)(EVP_MD_CTX *, const EVP_MD *, ENGINE *);
  int (*digest_update)(EVP_MD_CTX *, const void *, size_t);
  int (*digest_final)(EVP_MD_CTX *, unsigned char *, unsigned int *);
  const char *(*version)(int);
} C;
static pthread_once_t crypto_once = PTHREAD_ONCE_INIT;

static void *sym(void *lib, const char *name) {
  void *f = dlsym(lib, name);
  if (!f && strncmp(name, "SHA256_", 7) != 0) {   /* the SHA256_* trio is optional */
    fprintf(stderr, "rbk: error: %s has no %s: %s\n", CRYPTO_SONAME, name, dlerror());
    _exit(127);
  }
  return f;
}

/* A libcrypto that cannot be loaded stops rbk as the dynamic loader would
** have stopped it at start-up, with the same status (127). */
static void crypto_load(void) {
  void *lib = dlopen(CRYPTO_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    fprintf(stderr, "rbk: error: cannot load %s (OpenSSL's libcrypto): %s\n", CRYPTO_SONAME, dlerror());
    _exit(127);
  }
  *(void **)&C.sha_init = sym(lib, "SHA256_Init");
  *(void **)&C.sha_update = sym(lib, "SHA256_Update");
  *(void **)&C.sha_final = sym(lib, "SHA256_Final");
  *(void **)&C.ctx_new = sym(lib, "EVP_MD_CTX_new");
  *(void **)&C.ctx_free = sym(lib, "EVP_MD_CTX_free");
  *(void **)&C.md_sha256 = sym(lib, "EVP_sha256");
  *(void **)&C.digest_init = sym(lib, "EVP_DigestInit_ex");
  *(void **)&C.digest_update = sym(lib, "EVP_DigestUpdate");
  *(void **)&C.digest_final = sym(lib, "EVP_DigestFinal_ex");
  *(void **)&C.version = sym(lib, "OpenSSL_version");
  if (!C.sha_init || !C.sha_update || !C.sha_final) C.sha_init = NULL;
}

static void crypto(void) { pthread_once(&crypto_once, crypto_load); }

/* Through EVP (a libcrypto built without the SHA256_* functions): a fresh
** EVP_MD_CTX costs an allocation and a cleanse, about as much as hashing a
** journal record, so one context is kept per thread and reused
** (EVP_DigestInit_ex resets it). It stays reachable until exit, or until
** a thread that hashed lets go of it with sha256_thread_done. */
static _Thread_local EVP_MD_CTX *sha256_ctx;

void sha256(const void *data, size_t n, uint8_t out[32]) {
  unsigned int len = 0;
  crypto();
  if (C.sha_init) {
    SHA256_CTX c;
    if (!C.sha_init(&c) || !C.sha_update(&c, data, n) || !C.sha_final(out, &c)) memset(out, 0, SHA256_BYTES);
    return;
  }
  if (!sha256_ctx) sha256_ctx = C.ctx_new();
  if (!sha256_ctx || !C.digest_init(sha256_ctx, C.md_sha256(), NULL) ||
      !C.digest_update(sha256_ctx, data, n) || !C.digest_final(sha256_ctx, out, &len) ||
      len != SHA256_BYTES)
    memset(out, 0, SHA256_BYTES);
}

void sha256_thread_done(void) {
  if (sha256_ctx) C.ctx_free(sha256_ctx);
  sha256_ctx = NULL;
}

const char *sha256_library(void) {
  crypto();
  return C.version(0 /* OPENSSL_VERSION */);
}

void sha256_hex(const uint8_t d[32], char out[65]) {
  /* four bytes at a time, all in registers: their eight nibbles are
  ** spread one to a byte, in the order they are printed, and each becomes
  ** '0' + v, plus 39 more ('a' - '0' - 10) where v > 9; no byte carries
  ** into the next. (The journal's reader hashes every record's line.) */
  int i;
  for (i = 0; i < SHA256_BYTES; i += 4) {
    uint64_t x = (uint64_t)d[i] | (uint64_t)d[i + 1] << 16 | (uint64_t)d[i + 2] << 32 | (uint64_t)d[i + 3] << 48;
    uint64_t v = ((x >> 4) & 0x000f000f000f000full) | ((x & 0x000f000f000f000full) << 8);
    uint64_t a = v + 0x3030303030303030ull + (((v + 0x0606060606060606ull) >> 4) & 0x0101010101010101ull) * 39;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(out + 2 * i, &a, 8);   /* byte 0 first */
#else
    int b;
    for (b = 0; b < 8; b++) out[2 * i + b] = (char)(a >> (8 * b));
#endif
  }
  out[64] = '\0';
}

int sha256_file(const char *path, uint8_t out[32], char *err, size_t errlen) {
  unsigned char chunk[16 * 1024];
  unsigned int len = 0;
  struct stat st;
  EVP_MD_CTX *ctx;
  int fd, rc = -1;

  fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    snprintf(err, errlen, "cannot open: %s", strerror(errno));
    return -1;
  }
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    snprintf(err, errlen, "is a directory");
    close(fd);
    return -1;
  }
  crypto();
  ctx = C.ctx_new();
  if (!ctx || !C.digest_init(ctx, C.md_sha256(), NULL)) {
    snprintf(err, errlen, "cannot start a SHA-256 digest (libcrypto failed)");
    goto done;
  }
  for (;;) {
    ssize_t k = read(fd, chunk, sizeof chunk);
    if (k < 0) {
      if (errno == EINTR) continue;
      snprintf(err, errlen, "cannot read: %s", strerror(errno));
      goto done;
    }
    if (k == 0) break;
    if (!C.digest_update(ctx, chunk, (size_t)k)) {
      snprintf(err, errlen, "SHA-256 digest failed (libcrypto)");
      goto done;
    }
  }
  if (!C.digest_final(ctx, out, &len) || len != SHA256_BYTES) {
    snprintf(err, errlen, "SHA-256 digest failed (libcrypto)");
    goto done;
  }
  rc = 0;
done:
  if (ctx) C.ctx_free(ctx);
  close(fd);
  return rc;
}
