/*
** ast.h -- the syntax tree of a runbook.
** Every node lives in the Ast's arena and is freed with it (ast_free), so
** no pass ever frees a node. Every node carries the byte span it came from.
** Lists (statements, arguments, parameters) are chained through `next`.
*/
#ifndef RBK_AST_H
#define RBK_AST_H

#include <stddef.h>
#include <stdint.h>

#include "../base/intern.h"
#include "../base/mem.h"
#include "../base/source.h"

/* Nesting deeper than this is refused at parse time, so that every
** recursive pass over the tree (check, codegen, fmt) is bounded. */
#define AST_MAX_DEPTH 1000

/* X(kind, name, children) -- the meaning of a, b, c, d for each kind. */
#define AST_KINDS(X)                                                       \
  /* expressions */                                                        \
  X(NUM, "num", "num")                                                     \
  X(DUR, "dur", "num = seconds")                                           \
  X(STR, "str", "str/len = decoded text")                                  \
  X(TMPL, "tmpl", "a = parts (STR and expressions)")                       \
  X(BOOL, "bool", "op = 0 or 1")                                           \
  X(NIL, "nil", "")                                                        \
  X(LIST, "list", "a = items")                                             \
  X(MAP, "map", "a = keys (STR) and values, alternating")                  \
  X(NAME, "name", "str = identifier (interned)")                           \
  X(FIELD, "field", "a = object, b = NAME")                                \
  X(INDEX, "index", "a = object, b = index")                               \
  X(CALL, "call", "a = callee, b = arguments")                             \
  X(UNARY, "unary", "op, a")                                               \
  X(BINARY, "binary", "op, a, b")                                          \
  X(COND, "cond", "a = condition, b = then value, c = else value")         \
  X(SAMPLE, "sample", "a = expression, b = every, c = for (the window)")   \
  X(OPTARG, "option argument", "a = value; op = 'f' (for D) or 'e' (every D); only inside the parser") \
  /* statements */                                                         \
  X(RUN, "run", "a = command; op = 1 for `local run`")                                             \
  X(LET, "let", "a = NAME, b = value")                                     \
  X(ASSIGN, "assign", "a = NAME, b = value")                               \
  X(EXPR, "expr", "a = expression (a call)")                               \
  X(VERIFY, "verify", "a = condition, b = message or NULL")                \
  X(IF, "if", "a = condition, b = then, c = else or NULL; op = 1 for then-form") \
  X(FOR, "for", "a = NAME, b = iterable, c = body")                        \
  X(WAIT, "wait", "a = condition, b = every or NULL, c = timeout")         \
  X(HOLD, "hold", "a = condition, b = every or NULL, c = for (the window), d = message or NULL") \
  X(MANUAL, "manual", "a = instruction")                                   \
  X(ASK, "ask", "a = question")                                            \
  X(APPROVE, "approve", "a = role NAMEs, b = note, c = 'operator' or 'of', d = N of") \
  X(NOTIFY, "notify", "a = role NAME, b = message, c = notifier NAME or NULL; op = 1: required") \
  X(LOG, "log", "a = message")                                             \
  X(FAIL, "fail", "a = message")                                           \
  X(RETURN, "return", "a = value")                                         \
  X(BLOCK, "block", "a = statements")                                      \
  /* step clauses */                                                       \
  X(OWNER, "owner", "a = role NAME")                                       \
  X(TIMEOUT, "timeout", "a = duration")                                    \
  X(EXPECT, "expect", "a = duration")                                      \
  X(RETRY, "retry", "a = count, b = interval or NULL")                     \
  X(AFTER, "after", "a = step NAMEs")                                      \
  X(IDEMPOTENT, "idempotent", "")                                          \
  X(IRREVERSIBLE, "irreversible", "a = reason")                            \
  X(UNDO, "undo", "a = BLOCK")                                             \
  X(ONFAIL, "on", "a = NAME (failure), b = BLOCK")                         \
  X(TARGET, "on hosts", "a = group NAME, b = TOPTs")                       \
  X(TOPT, "target option", "a = NAME (serial, parallel, max_fail, canary), b = NUM; op = 1 for N%") \
  X(BETWEEN, "on batch", "a = BLOCK")                               \
  /* declarations */                                                       \
  X(RUNBOOK, "runbook", "a = title, b = declarations")                     \
  X(VERSION, "version", "a = value")                                       \
  X(WINDOW, "window", "a = duration")                                      \
  X(KIND, "kind", "a = NAME: rollout, backout, upgrade, maintenance, migration") \
  X(ROLE, "role", "a = NAME, b = person, c = CONTACTs")                    \
  X(CONTACT, "contact", "a = NAME, b = value; op = 1: notify a [b]")        \
  X(PARAM, "param", "a = NAME, b = default or NULL")                       \
  X(SECRET, "secret", "a = NAME, b = source or NULL")                      \
  X(HOSTS, "hosts", "a = NAME, b = the hosts: a list of names or host maps") \
  X(PROBE, "probe", "a = NAME, b = expression")                            \
  X(TRIGGER, "trigger", "a = name, b = severity NAME, c = condition, d = for or NULL") \
  X(NOTIFIER, "notifier", "a = command or URL, b = NAME, c = kind NAME, d = CONTACTs (b-d NULL: the default)") \
  X(BACKOUT, "backout", "a = severity NAME, b = runbook to run, or NULL: undo") \
  X(REQUIRE, "require", "a = name, b = body")                              \
  X(PLANAPPROVAL, "require approval", "a = 'approval', b = role NAME")      \
  X(IMPORT, "import", "a = path")                                          \
  X(STEP, "step", "a = NAME, b = title or NULL, c = body, d = TARGET or NULL")                 \
  X(FN, "fn", "a = NAME, b = parameter NAMEs, c = body")                   \
  X(EXTERN, "extern", "a = library, b = NAME, c = parameter type NAMEs, d = result type NAME or NULL") \
  X(PROGRAM, "program", "a = declarations")

typedef enum NodeKind {
#define X(k, n, c) N_##k,
  AST_KINDS(X)
#undef X
  N__COUNT
} NodeKind;

/* Operators of UNARY and BINARY nodes. */
#define AST_OPS(X)                                                       \
  X(NEG, "-") X(NOT, "not")                                              \
  X(ADD, "+") X(SUB, "-") X(MUL, "*") X(DIV, "/") X(MOD, "%")           \
  X(EQ, "==") X(NE, "!=") X(LT, "<") X(LE, "<=") X(GT, ">") X(GE, ">=") \
  X(MATCH, "=~") X(DEFAULT, "??") X(AND, "and") X(OR, "or")

typedef enum AstOp {
#define X(o, s) AOP_##o,
  AST_OPS(X)
#undef X
  AOP__COUNT
} AstOp;

typedef struct Span {
  uint32_t pos, end;   /* byte offsets: [pos, end) */
} Span;

typedef struct Node Node;
/* The layout. A whole node is 64 bytes, one cache line: the tree of a
** 100,000-line runbook is several times its source. No kind uses both
** str and num. The payload comes before the children, so that a leaf --
** NAME, STR, NUM, DUR, BOOL, NIL (ast_is_leaf), which never has children
** -- is allocated with only AST_LEAF_SIZE (32) bytes: its a..d do not
** exist, and an inner node has only the children its kind uses (below:
** ast_slots). A walker that does not know the kind of a node must
** therefore ask ast_is_leaf before it reads a (ast_kids does both), and
** read b, c and d through ast_b, ast_c and ast_d. The ASan build (SAN=1)
** allocates whole nodes and poisons the missing children, so a reader
** that forgets is reported by the ASan suite.
** A Node on the stack (memset, kind and span set) is always whole. */
struct Node {
  uint8_t kind;        /* NodeKind */
  uint8_t op;          /* AstOp for UNARY/BINARY; a flag elsewhere (see AST_KINDS) */
  uint16_t depth;      /* height of this subtree, at most AST_MAX_DEPTH */
  uint32_t len;        /* length of str */
  Span span;
  Node *next;          /* next item of the list this node is in */
  union {
    /* NAME: interned identifier. STR: the text (len bytes; a NUL
    ** follows where the lexer made it: ast_text, shared by every STR of
    ** the same text, so never written through). */
    const char *str;
    double num;        /* NUM and DUR (seconds) */
  };
  Node *a, *b, *c, *d; /* children: absent from a leaf */
};

/* The bytes of a leaf: the fields before a. */
#define AST_LEAF_SIZE offsetof(Node, a)
/* The leaf kinds, as a bit mask over NodeKind (all below 32). */
#define AST_LEAF_MASK ((1u << N_NUM) | (1u << N_DUR) | (1u << N_STR) | (1u << N_BOOL) | \
                       (1u << N_NIL) | (1u << N_NAME))
/* ast_is_leaf says whether nodes of kind have no a..d. */
static inline int ast_is_leaf(int kind) { return kind < 32 && ((AST_LEAF_MASK >> kind) & 1u); }
/* ast_kids says whether n is an inner node (its a is there and may be read). */
static inline int ast_kids(const Node *n) { return n && !ast_is_leaf(n->kind); }

/* An inner node is sized by its kind too: it has only the children its
** kind uses (AST_KINDS: a FIELD has a and b, a LOG only a), so it is
** AST_LEAF_SIZE + 8 bytes per child, 40 to 64. Every inner kind has a.
** ast_slots gives the count (0 for a leaf); a walker that does not know
** the kind reads b, c and d through ast_b, ast_c and ast_d, which give
** NULL where the kind has no such child. The ASan build allocates whole
** nodes and poisons the missing children, as for leaves. */
extern const uint8_t ast_kid_slots[];
static inline int ast_slots(int kind) { return (unsigned)kind < N__COUNT ? ast_kid_slots[kind] : 0; }
static inline Node *ast_b(const Node *n) { return ast_slots(n->kind) > 1 ? n->b : NULL; }
static inline Node *ast_c(const Node *n) { return ast_slots(n->kind) > 2 ? n->c : NULL; }
static inline Node *ast_d(const Node *n) { return ast_slots(n->kind) > 3 ? n->d : NULL; }
/* The bytes of a node of kind (a leaf's AST_LEAF_SIZE, a STEP's 64). */
#define AST_NODE_SIZE(kind) (AST_LEAF_SIZE + (size_t)ast_slots(kind) * sizeof(Node *))

typedef struct Ast {
  Arena arena;
  Source *src;
  Node *root;               /* N_PROGRAM, or NULL if parsing failed */
  Interner names;           /* interned identifiers, copied into arena */
  Interner texts;           /* the texts of STR nodes, each copied once */
} Ast;

/* ast_init prepares an empty tree for src (which must outlive it). */
void ast_init(Ast *ast, Source *src);
/* ast_free releases every node and name. */
void ast_free(Ast *ast);
/* ast_node makes a node of kind with the given span and children; its
** depth is one more than its deepest child (lists counted through next). */
Node *ast_node(Ast *ast, NodeKind kind, Span span, Node *a, Node *b, Node *c, Node *d);
/* ast_leaf makes a node of a leaf kind (ast_is_leaf: AST_LEAF_SIZE bytes,
** no a..d) with depth 1, for the lexer's many leaves. ast_node of a leaf
** kind (all children NULL) makes the same. */
Node *ast_leaf(Ast *ast, NodeKind kind, Span span);
/* ast_intern returns the unique copy of the identifier s[0..n). */
const char *ast_intern(Ast *ast, const char *s, size_t n);
/* ast_text returns the one NUL-terminated copy of the string text s[0..n)
** that the tree's STR nodes share (the lexer's string parts: a runbook
** repeats its messages and command pieces). Kept apart from the names, so
** that a text is never the same pointer as an identifier. */
const char *ast_text(Ast *ast, const char *s, size_t n);
/* ast_kind_name returns the printable name of a kind ("step"). */
const char *ast_kind_name(int kind);
/* ast_op_name returns the spelling of an operator ("+"). */
const char *ast_op_name(int op);
/* ast_list_len counts the nodes of a list. */
int ast_list_len(const Node *n);
/* ast_dump prints the tree as an indented S-expression, for tests. */
void ast_dump(const Ast *ast, const Node *n, int indent, void *file);

#endif
