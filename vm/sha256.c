/*
** sha256.c -- SHA-256 through libcrypto's EVP interface.
*/
#include "sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

/* OpenSSL 3 looks the algorithm up in its providers on every
** EVP_sha256() digest, which costs more than hashing a journal record.
** The method is fetched once and kept: it is immutable, and only this
** function reads it. (rbk is single-threaded; a second thread would at
** worst fetch it twice.) */
static const EVP_MD *sha256_md(void) {
  static EVP_MD *md;
  if (!md) md = EVP_MD_fetch(NULL, "SHA256", NULL);
  return md ? md : EVP_sha256();
}

void sha256(const void *data, size_t n, uint8_t out[32]) {
  unsigned int len = 0;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  if (!ctx || !EVP_DigestInit_ex(ctx, sha256_md(), NULL) || !EVP_DigestUpdate(ctx, data, n) ||
      !EVP_DigestFinal_ex(ctx, out, &len) || len != SHA256_BYTES)
    memset(out, 0, SHA256_BYTES);
  EVP_MD_CTX_free(ctx);
}

void sha256_hex(const uint8_t d[32], char out[65]) {
  static const char hex[] = "0123456789abcdef";
  int i;
  for (i = 0; i < SHA256_BYTES; i++) {
    out[2 * i] = hex[d[i] >> 4];
    out[2 * i + 1] = hex[d[i] & 15];
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
