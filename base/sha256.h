/*
** sha256.h -- SHA-256 digests (through OpenSSL's libcrypto), for the
** source fingerprint and the checksum of .rbc bytecode files.
*/
#ifndef RBK_SHA256_H
#define RBK_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_BYTES 32

/* sha256 writes the digest of n bytes at data into out. libcrypto is
** loaded on the first call (a libcrypto that cannot be loaded stops rbk
** with status 127, as the dynamic loader would have). If libcrypto
** itself fails (it only does when it cannot allocate), out is all zeros,
** which matches nothing, so a checksum comparison fails safely. */
void sha256(const void *data, size_t n, uint8_t out[32]);
/* sha256_thread_done frees the calling thread's digest context; a thread
** other than the main one that called sha256 calls it before it ends. */
void sha256_thread_done(void);
/* sha256_library names the libcrypto in use (OpenSSL_version), loading
** it if no digest has yet. */
const char *sha256_library(void);
/* sha256_hex writes d as 64 lower-case hex digits and a NUL into out. */
void sha256_hex(const uint8_t d[32], char out[65]);
/* sha256_file digests the file at path, reading it in pieces. It returns
** 0, or -1 with a one-line reason (no file name) in err. */
int sha256_file(const char *path, uint8_t out[32], char *err, size_t errlen);

#endif
