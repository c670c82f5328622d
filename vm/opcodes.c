/*
** opcodes.c -- names, operand formats and meanings of the instructions,
** all generated from the OPCODES list in opcodes.h.
*/
#include "opcodes.h"

static const char *const names[OP__N] = {
#define X(name, fmt, doc) #name,
  OPCODES(X)
#undef X
};

static const unsigned char formats[OP__N] = {
#define X(name, fmt, doc) FMT_##fmt,
  OPCODES(X)
#undef X
};

static const char *const docs[OP__N] = {
#define X(name, fmt, doc) doc,
  OPCODES(X)
#undef X
};

/* Out-of-range opcodes come from bad bytecode; naming them must not crash. */
const char *op_name(OpCode op) { return (unsigned)op < OP__N ? names[op] : "?"; }

OpFormat op_format(OpCode op) { return (unsigned)op < OP__N ? (OpFormat)formats[op] : FMT_ABC; }

const char *op_doc(OpCode op) { return (unsigned)op < OP__N ? docs[op] : "unknown opcode"; }
