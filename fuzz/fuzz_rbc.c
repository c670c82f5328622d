/*
** fuzz_rbc.c -- libFuzzer harness for the .rbc loader, its verifier and
** the disassembler, on arbitrary bytes.
**
** Each input goes to bc_read_mem (header, checksum, payload decoder, then
** bc_verify), against the builtin table of this rbk. A program that loads
** is listed by the disassembler twice (with and without source positions)
** into /dev/null, verified again, and encoded back with bc_encode. The
** checksum is out of a mutator's reach, so the seeds (fuzz/run.sh compiles
** examples/ and the golden runbooks into the working corpus) carry a valid
** one, and a mutated input is resealed here before it is read: the fuzzer
** explores the payload, not SHA-256. An input with the top bit of its
** flags set (byte 9; any flag is refused, but only after the checksum) is
** read as it is, so the checksum paths are covered too.
**
** Besides the sanitizers, the harness aborts when a contract breaks:
**   refused     a refused input comes back as NULL with a message in err
**   reverify    a program that loaded verifies again (bc_verify is pure)
**   roundtrip   bc_encode of a loaded program gives back exactly the bytes
**               it was read from: the decoder keeps nothing out and makes
**               nothing up (the loader's tie to the source relies on it)
**
** Built and run by fuzz/run.sh; a file argument replays it.
*/
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../compiler/check.h"
#include "../vm/bcfile.h"
#include "../vm/disasm.h"
#include "../base/mem.h"
#include "../base/sha256.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;
static uint32_t nbuiltins;

static void broken(const char *name, const char *what) {
  fprintf(stderr, "fuzz_rbc: contract %s broken: %s\n", name, what);
  abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  const BuiltinSig *b = check_builtins();
  (void)argc;
  (void)argv;
  while (b[nbuiltins].name) nbuiltins++;
  devnull = fopen("/dev/null", "w");
  if (!devnull) {
    perror("fuzz_rbc: /dev/null");
    exit(1);
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[512], err2[512];
  uint8_t *copy;
  Program *p;
  Buf b = BUF_INIT;
  copy = mem_alloc(size ? size : 1);   /* exactly sized: ASan sees any overread */
  if (size) memcpy(copy, data, size);
  /* Reseal an input long enough to have a trailer, unless flags bit 15 says not to. */
  if (size >= BC_HEADER_LEN + BC_TRAILER_LEN && !(data[9] & 0x80))
    sha256(copy, size - BC_TRAILER_LEN, copy + size - BC_TRAILER_LEN);
  err[0] = '\0';
  p = bc_read_mem(copy, size, "fuzz.rbc", nbuiltins, err, sizeof err);
  if (!p) {
    if (!err[0]) broken("refused", "bc_read_mem returned NULL with no message");
    mem_free(copy);
    return 0;
  }
  disasm_program_opts(p, devnull, 1);
  disasm_program_opts(p, devnull, 0);
  if (bc_verify(p, err2, sizeof err2) != 0) broken("reverify", err2);
  if (bc_encode(p, &b, err2, sizeof err2) != 0) broken("roundtrip", err2);
  if (b.n != size || memcmp(b.p, copy, size) != 0) broken("roundtrip", "the encoding differs from the input");
  buf_free(&b);
  prog_free(p);
  mem_free(copy);
  return 0;
}
