/*
** bcfile.h -- the .rbc bytecode file: a compiled Program on disk.
**
** Layout (all integers little-endian, fixed width):
**   magic    "RBKC" 0x1A "\n"          6 bytes
**   u16      format version            BC_FORMAT_VERSION
**   u16      flags                     0; any other bit is refused
**   u8[32]   SHA-256 of the runbook source (Program.src_sha256)
**   u32      nbuiltins                 the builtin table it was compiled against
**   u64      payload length
**   payload
**   u8[32]   SHA-256 of every byte before it
** Inside the payload, doubles are their IEEE-754 bit patterns in a u64 and
** a string is a u32 length and that many bytes (length 0xFFFFFFFF: NULL,
** allowed only where the Program allows NULL: a step's irreversible
** reason). The payload holds, in
** order: the source (name, text), title, version, owner, plan approver
** (the role of `require approval by ROLE`, or -1), window, the
** protos, steps, roles (with contacts), params, requires, triggers (with
** the span of their condition), probes, verify records, global names,
** externs (library, symbol, module, positions, result and parameter
** types), builtins written in rbk (builtin index, function), the notifier
** function (-1: none), and the backout (u8 kind, runbook file or NULL). The source travels inside so
** run-time errors can show the line and caret without the .rbk file.
**
** The 0x1A and "\n" in the magic catch a file mangled by a text-mode
** transfer, as PNG's does.
**
** Errors: every function writes a one-line reason into err without the
** file name (the caller prefixes it, as with src_load).
*/
#ifndef RBK_BCFILE_H
#define RBK_BCFILE_H

#include <stddef.h>
#include <stdint.h>

#include "program.h"

#define BC_MAGIC "RBKC\x1A\n"
#define BC_MAGIC_LEN 6
/* Bump whenever the layout or the meaning of any instruction changes;
** a reader refuses every other version and asks for a recompile. */
#define BC_FORMAT_VERSION 4
/* Bytes before the payload and after it. */
#define BC_HEADER_LEN (BC_MAGIC_LEN + 2 + 2 + 32 + 4 + 8)
#define BC_TRAILER_LEN 32
/* Files larger than this are refused before they are read whole. */
#define BC_MAX_FILE_BYTES (1024u * 1024u * 1024u)

/* bc_write writes p to path durably: a temporary file beside it
** (path.tmp.XXXXXX), fsync, rename over path, fsync of the directory. A
** crash leaves either the old file or the new one, never a mix. p is only
** read. The Program is not verified first, so a broken Program can be
** written (tests rely on that); only what the format cannot hold (a
** constant of a type other than nil, bool, number, duration, string or
** function; a string over 4 GiB) fails. Returns 0, or -1 with err set. */
int bc_write(const Program *p, const char *path, char *err, size_t errlen);

/* bc_encode builds in *out (a Buf it initialises; the caller frees it)
** the exact bytes bc_write would write for p. Returns 0, or -1 with err
** set. The loader compares a file with the encoding of what its embedded
** source compiles to (run/load.c). */
int bc_encode(const Program *p, Buf *out, char *err, size_t errlen);

/* bc_read loads and verifies a .rbc file. expect_builtins is the size of
** the running rbk's builtin table; a file compiled against another size
** is refused, since CALLB indices would name the wrong builtins. Externs
** come back unbound: ffi_bind (vm/ffi.h) binds them when a run starts. Returns
** a Program the caller owns (prog_free), or NULL with err set. */
Program *bc_read(const char *path, uint32_t expect_builtins, char *err, size_t errlen);

/* bc_read_mem is bc_read on n bytes at data (the fuzzer, tests). name only
** labels the data for the caller; it is not copied into err. data is only
** read, and need not outlive the call. */
Program *bc_read_mem(const void *data, size_t n, const char *name, uint32_t expect_builtins,
                     char *err, size_t errlen);

/* bc_verify checks that running p cannot index outside its registers,
** constants, protos, globals, verify records, builtins or code, and that
** its tables point at things that exist (see bcfile.c for the list). The
** reader calls it on every file; codegen may call it as a self-check.
** Returns 0, or -1 with "invalid bytecode: ..." in err. */
int bc_verify(const Program *p, char *err, size_t errlen);

#endif
