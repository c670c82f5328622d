/*
** sha256.c -- SHA-256 through libcrypto (its SHA256_* functions, else EVP).
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
** still there (unless OpenSSL was built without them, below), and they
** call the same assembly (SHA-NI where the CPU has it) without the EVP
** layer's cost per digest, which for a journal line of 200 bytes is half
** again the hashing itself. */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/evp.h>
#include <openssl/sha.h>

/* Through EVP (an OpenSSL built without the deprecated functions, and
** sha256_file): OpenSSL 3 looks the algorithm up in its providers on every
** EVP_sha256() digest, and a fresh EVP_MD_CTX costs an allocation and a
** cleanse; for a journal record either costs about as much as hashing it.
** So the method is fetched once and one context is kept and reused: the
** method is immutable, and the context holds nothing between calls
** (EVP_DigestInit_ex resets it). Both are per thread, so no two threads
** ever share a context; they stay reachable until exit, or until a thread
** that hashed lets go of its own with sha256_thread_done. */
static _Thread_local EVP_MD *sha256_method;
static _Thread_local EVP_MD_CTX *sha256_ctx;

void sha256(const void *data, size_t n, uint8_t out[32]) {
#ifndef OPENSSL_NO_DEPRECATED_3_0
  SHA256_CTX c;
  if (!SHA256_Init(&c) || !SHA256_Update(&c, data, n) || !SHA256_Final(out, &c)) memset(out, 0, SHA256_BYTES);
#else
  unsigned int len = 0;
  if (!sha256_method) sha256_method = EVP_MD_fetch(NULL, "SHA256", NULL);
  if (!sha256_ctx) sha256_ctx = EVP_MD_CTX_new();
  if (!sha256_ctx ||
      !EVP_DigestInit_ex(sha256_ctx, sha256_method ? sha256_method : EVP_sha256(), NULL) ||
      !EVP_DigestUpdate(sha256_ctx, data, n) || !EVP_DigestFinal_ex(sha256_ctx, out, &len) ||
      len != SHA256_BYTES)
    memset(out, 0, SHA256_BYTES);
#endif
}

void sha256_thread_done(void) {
  EVP_MD_CTX_free(sha256_ctx);
  EVP_MD_free(sha256_method);
  sha256_ctx = NULL;
  sha256_method = NULL;
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
  ctx = EVP_MD_CTX_new();
  if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
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
    if (!EVP_DigestUpdate(ctx, chunk, (size_t)k)) {
      snprintf(err, errlen, "SHA-256 digest failed (libcrypto)");
      goto done;
    }
  }
  if (!EVP_DigestFinal_ex(ctx, out, &len) || len != SHA256_BYTES) {
    snprintf(err, errlen, "SHA-256 digest failed (libcrypto)");
    goto done;
  }
  rc = 0;
done:
  EVP_MD_CTX_free(ctx);
  close(fd);
  return rc;
}
