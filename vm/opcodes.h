/*
** opcodes.h -- the rbk instruction set, defined once.
**
** An instruction is 32 bits. Formats:
**   ABC   op:8 A:8 B:8 C:8
**   ABx   op:8 A:8 Bx:16          (unsigned)
**   AsBx  op:8 A:8 sBx:16         (signed, a jump relative to the next pc)
**   sJ    op:8 sJ:24              (signed jump)
** R[x] is register x of the current frame, K[x] constant x of the
** function, G[x] global x of the program (params, secrets, step lets).
** Comparison ops skip the next instruction (a JMP) unless the result
** equals C, Lua-style; the VM fuses that JMP into the comparison.
**
** X(name, format, meaning). The enum, the names, the disassembler and
** the verifier come from this list. A comparison is always followed by a
** JMP, and every jump lands inside the function (the verifier checks both).
*/
#ifndef RBK_OPCODES_H
#define RBK_OPCODES_H

#include <stdint.h>

#define OPCODES(X) \
  X(MOVE,     ABC,  "R[A] := R[B]") \
  X(LOADK,    ABx,  "R[A] := K[Bx]") \
  X(LOADNIL,  ABC,  "R[A] := nil") \
  X(LOADBOOL, ABC,  "R[A] := (B != 0)") \
  X(LOADFN,   ABx,  "R[A] := function Bx") \
  X(GETG,     ABx,  "R[A] := G[Bx] (error if the global was never set)") \
  X(SETG,     ABx,  "G[Bx] := R[A]") \
  X(ADD,      ABC,  "R[A] := R[B] + R[C]") \
  X(SUB,      ABC,  "R[A] := R[B] - R[C]") \
  X(MUL,      ABC,  "R[A] := R[B] * R[C]") \
  X(DIV,      ABC,  "R[A] := R[B] / R[C]") \
  X(MOD,      ABC,  "R[A] := R[B] % R[C]") \
  X(ADDK,     ABC,  "R[A] := R[B] + K[C]") \
  X(SUBK,     ABC,  "R[A] := R[B] - K[C]") \
  X(MULK,     ABC,  "R[A] := R[B] * K[C]") \
  X(DIVK,     ABC,  "R[A] := R[B] / K[C]") \
  X(MODK,     ABC,  "R[A] := R[B] % K[C]") \
  X(ADDI,     ABC,  "R[A] := R[B] + sC (sC = C - 127, a whole number from -127 to 128)") \
  X(SUBI,     ABC,  "R[A] := R[B] - sC") \
  X(MODI,     ABC,  "R[A] := R[B] % C (C from 1 to 255)") \
  X(NEG,      ABC,  "R[A] := -R[B]") \
  X(NOT,      ABC,  "R[A] := not R[B]") \
  X(EQ,       ABC,  "if (R[A] == R[B]) != C then pc++") \
  X(LT,       ABC,  "if (R[A] < R[B]) != C then pc++") \
  X(LE,       ABC,  "if (R[A] <= R[B]) != C then pc++") \
  X(EQK,      ABC,  "if (R[A] == K[B]) != C then pc++") \
  X(LTK,      ABC,  "if (R[A] < K[B]) != C then pc++") \
  X(LEK,      ABC,  "if (R[A] <= K[B]) != C then pc++") \
  X(GTK,      ABC,  "if (R[A] > K[B]) != C then pc++") \
  X(GEK,      ABC,  "if (R[A] >= K[B]) != C then pc++") \
  X(EQI,      ABC,  "if (R[A] == sB) != C then pc++ (sB = B - 127)") \
  X(LTI,      ABC,  "if (R[A] < sB) != C then pc++") \
  X(LEI,      ABC,  "if (R[A] <= sB) != C then pc++") \
  X(GTI,      ABC,  "if (R[A] > sB) != C then pc++") \
  X(GEI,      ABC,  "if (R[A] >= sB) != C then pc++") \
  X(TEST,     ABC,  "if truthy(R[A]) != C then pc++") \
  X(MATCH,    ABC,  "R[A] := R[B] =~ R[C] (POSIX extended regex)") \
  X(JMP,      sJ,   "pc += sJ") \
  X(JNIL,     AsBx, "if R[A] is nil then pc += sBx") \
  X(JNNIL,    AsBx, "if R[A] is not nil then pc += sBx") \
  X(CONCAT,   ABC,  "R[A] := str(R[B]) .. ... .. str(R[B+C-1])") \
  X(SHQUOTE,  ABC,  "R[A] := R[B] quoted as one shell word in context C (0 bare, 1 '...', 2 \"...\")") \
  X(NEWLIST,  ABC,  "R[A] := [R[B], ..., R[B+C-1]]") \
  X(GETFIELD, ABC,  "R[A] := R[B].K[C]") \
  X(INDEX,    ABC,  "R[A] := R[B][R[C]]") \
  X(CALL,     ABC,  "R[A] := R[A](R[A+1], ..., R[A+B])") \
  X(CALLB,    ABC,  "R[A] := native C (R[A], ..., R[A+B-1]): builtin C, or extern C - nbuiltins") \
  X(RET,      ABC,  "return R[A]") \
  X(FORPREP,  AsBx, "R[A] start, R[A+1] limit: R[A] := ceil(R[A]); R[A+1] := the last whole number below the limit; if R[A+1] < R[A] then pc += sBx else R[A+2] := R[A]") \
  X(FORLOOP,  AsBx, "if R[A] < R[A+1] then R[A] += 1; R[A+2] := R[A]; pc += sBx") \
  X(LISTPREP, AsBx, "R[A] list, R[A+1] index 0: if the list is empty then pc += sBx else R[A+2] := R[A][0]") \
  X(LISTLOOP, AsBx, "R[A+1] += 1; if R[A+1] < len(R[A]) then R[A+2] := R[A][R[A+1]]; pc += sBx") \
  X(RUN,      ABC,  "run command R[A]; a non-zero exit fails the step") \
  X(VERIFY,   ABx,  "if not truthy(R[A]) then fail, explained by verify record Bx") \
  X(FAIL,     ABC,  "fail the step with message R[A]") \
  X(LOG,      ABC,  "log R[A]") \
  X(NOTIFY,   ABC,  "notify role K[B] with message R[A]") \
  X(MANUAL,   ABC,  "a person does R[A] and confirms") \
  X(ASK,      ABC,  "R[A] := a person's yes/no answer to R[A]; C=1: a 'no' fails the step") \
  X(APPROVE,  ABC,  "role K[B] must approve; note R[A] (nil for none)") \
  X(WAITINIT, ABC,  "R[A] := deadline now + R[B] (a duration); C=1 (hold, sample: B = A+1): R[A+2] := whether the clock was replayed") \
  X(WAITNEXT, ABC,  "if now >= R[A] (the deadline) then (C=0) fail, timed out waiting, or (C>0) pc++, else sleep R[B], at most until the deadline; C=2: a window begun in replay starts again from now when the clock goes live (R[A+1] the duration, R[A+2] the flag)") \
  X(TIMEOUT,  ABC,  "step timeout := R[A] (a duration)") \
  X(RETRY,    ABC,  "step retries := R[A], pause between attempts := R[B]") \
  X(NOP,      ABC,  "nothing") \
  X(NEWMAP,   ABC,  "R[A] := {R[B]: R[B+1], ..., R[B+2C-2]: R[B+2C-1]} (keys strings)") \
  X(HOLD,     ABx,  "if not truthy(R[A]) then fail (the hold broke), explained by verify record Bx") \
  X(WAITFAIL, ABx,  "fail (timed out waiting), showing the last values by verify record Bx; R[A] the condition")

typedef enum OpCode {
#define X(name, fmt, doc) OP_##name,
  OPCODES(X)
#undef X
  OP__N
} OpCode;

typedef enum OpFormat { FMT_ABC, FMT_ABx, FMT_AsBx, FMT_sJ } OpFormat;

typedef uint32_t Instr;

#define GET_OP(i)   ((OpCode)((i) & 0xFF))
#define GET_A(i)    (((i) >> 8) & 0xFF)
#define GET_B(i)    (((i) >> 16) & 0xFF)
#define GET_C(i)    (((i) >> 24) & 0xFF)
#define GET_Bx(i)   (((i) >> 16) & 0xFFFF)
#define GET_sBx(i)  ((int)GET_Bx(i) - 0x7FFF)
#define GET_sJ(i)   ((int)((i) >> 8) - 0x7FFFFF)
#define GET_sB(i)   ((int)GET_B(i) - 127)     /* the immediate of EQI LTI LEI GTI GEI */
#define GET_sC(i)   ((int)GET_C(i) - 127)     /* the immediate of ADDI SUBI */

#define MK_ABC(o, a, b, c) ((Instr)(o) | (Instr)(a) << 8 | (Instr)(b) << 16 | (Instr)(c) << 24)
#define MK_ABx(o, a, bx)   ((Instr)(o) | (Instr)(a) << 8 | (Instr)(bx) << 16)
#define MK_AsBx(o, a, sbx) MK_ABx(o, a, (unsigned)((sbx) + 0x7FFF))
#define MK_sJ(o, sj)       ((Instr)(o) | (Instr)((sj) + 0x7FFFFF) << 8)

#define MK_sB(imm) ((imm) + 127)     /* an immediate as the B or C field */
#define MIN_IMM (-127)               /* the range of sB and sC */
#define MAX_IMM 128

#define MAX_REGS 250       /* registers per frame: A, B and C are one byte */
#define MAX_Bx 0xFFFF      /* constants and globals per index field */
#define MAX_sBx 0x7FFF
#define MAX_sJ 0x7FFFFF

/* op_name returns "ADD" for OP_ADD. */
const char *op_name(OpCode op);
/* op_format returns the operand format of op. */
OpFormat op_format(OpCode op);
/* op_doc returns the one-line meaning of op. */
const char *op_doc(OpCode op);

#endif
