/*
** ast.c -- building, naming and dumping syntax trees.
** The parser (grammar/) builds the trees; every later stage reads them.
*/
#include "ast.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/asan.h"

static const char *const kind_names[] = {
#define X(k, n, c) n,
  AST_KINDS(X)
#undef X
};

static const char *const op_names[] = {
#define X(o, s) s,
  AST_OPS(X)
#undef X
};

/* ast_kid_slots: how many of a..d a node of each kind has (AST_KINDS
** says which it uses); 0 for a leaf. IDEMPOTENT uses none but has a, so
** that every inner node has a. tests/unit/ast_test.c checks that every
** kind is listed. */
const uint8_t ast_kid_slots[N__COUNT] = {
  [N_NUM] = 0, [N_DUR] = 0, [N_STR] = 0, [N_TMPL] = 1, [N_BOOL] = 0,
  [N_NIL] = 0, [N_LIST] = 1, [N_MAP] = 1, [N_NAME] = 0, [N_FIELD] = 2,
  [N_INDEX] = 2, [N_CALL] = 2, [N_UNARY] = 1, [N_BINARY] = 2, [N_COND] = 3,
  [N_SAMPLE] = 3, [N_OPTARG] = 1, [N_RUN] = 1, [N_LET] = 2, [N_ASSIGN] = 2,
  [N_EXPR] = 1, [N_VERIFY] = 2, [N_IF] = 3, [N_FOR] = 3, [N_WAIT] = 3,
  [N_HOLD] = 4, [N_MANUAL] = 1, [N_ASK] = 1, [N_APPROVE] = 4, [N_NOTIFY] = 3,
  [N_LOG] = 1, [N_FAIL] = 1, [N_RETURN] = 1, [N_BLOCK] = 1, [N_OWNER] = 1,
  [N_TIMEOUT] = 1, [N_EXPECT] = 1, [N_RETRY] = 2, [N_AFTER] = 1, [N_IDEMPOTENT] = 1,
  [N_IRREVERSIBLE] = 1, [N_UNDO] = 1, [N_ONFAIL] = 2, [N_TARGET] = 2, [N_TOPT] = 2,
  [N_BETWEEN] = 1, [N_RUNBOOK] = 2, [N_VERSION] = 1, [N_WINDOW] = 1, [N_KIND] = 1,
  [N_ROLE] = 3, [N_CONTACT] = 2, [N_PARAM] = 2, [N_SECRET] = 2, [N_HOSTS] = 2,
  [N_PROBE] = 2, [N_TRIGGER] = 4, [N_NOTIFIER] = 4, [N_BACKOUT] = 2, [N_REQUIRE] = 2,
  [N_PLANAPPROVAL] = 2, [N_IMPORT] = 1, [N_STEP] = 4, [N_FN] = 3, [N_EXTERN] = 4,
  [N_PROGRAM] = 1,
};

void ast_init(Ast *ast, Source *src) {
  memset(ast, 0, sizeof *ast);
  arena_init(&ast->arena);
  intern_init(&ast->names, &ast->arena);
  intern_init(&ast->texts, &ast->arena);
  ast->src = src;
}

void ast_free(Ast *ast) {
  arena_free(&ast->arena);
  intern_free(&ast->names);
  intern_free(&ast->texts);
  memset(ast, 0, sizeof *ast);
}

static int list_depth(const Node *n) {
  int d;
  if (!n) return 0;
  if (!n->next) return n->depth;   /* most children are one node, not a list */
  for (d = 0; n; n = n->next)
    if (n->depth > d) d = n->depth;
  return d;
}

/* new_leaf allocates a leaf: AST_LEAF_SIZE bytes, or in the ASan build a
** whole node whose a..d are poisoned, so that reading them is reported. */
static Node *new_leaf(Ast *ast) {
#if RBK_ASAN
  Node *n = arena_alloc(&ast->arena, sizeof *n);
  ASAN_POISON_MEMORY_REGION(&n->a, sizeof *n - AST_LEAF_SIZE);
  return n;
#else
  return arena_alloc(&ast->arena, AST_LEAF_SIZE);
#endif
}

/* new_inner allocates a node with the k children of its kind (a, or a
** and b, ...), or in the ASan build a whole node whose missing children
** are poisoned. */
static Node *new_inner(Ast *ast, int k) {
#if RBK_ASAN
  Node *n = arena_alloc(&ast->arena, sizeof *n);
  if (k < 4) ASAN_POISON_MEMORY_REGION(&n->a + k, sizeof(Node *) * (size_t)(4 - k));
  return n;
#else
  return arena_alloc(&ast->arena, AST_LEAF_SIZE + sizeof(Node *) * (size_t)k);
#endif
}

Node *ast_node(Ast *ast, NodeKind kind, Span span, Node *a, Node *b, Node *c, Node *d) {
  Node *n;
  int dep = 0, x, k, used;
  if (ast_is_leaf(kind) && !a && !b && !c && !d) return ast_leaf(ast, kind, span);
  k = ast_slots(kind);
  used = d ? 4 : c ? 3 : b ? 2 : 1;   /* the last child given, counting a */
  /* A child the kind has no room for is a bug in the parser (or in the
  ** table above): stop rather than lose it. */
  if (used > k) {
    fprintf(stderr, "rbk: internal error: a %s node has no room for its children\n", ast_kind_name(kind));
    abort();
  }
  n = new_inner(ast, k);
  /* Every field is set here, so the node needs no memset first; children
  ** that are lists (statements, items) count their deepest member. */
  switch (k) {
    case 4: n->d = d; if ((x = list_depth(d)) > dep) dep = x; /* fall through */
    case 3: n->c = c; if ((x = list_depth(c)) > dep) dep = x; /* fall through */
    case 2: n->b = b; if ((x = list_depth(b)) > dep) dep = x; /* fall through */
    default: n->a = a; if ((x = list_depth(a)) > dep) dep = x;
  }
  n->kind = (uint8_t)kind;
  n->op = 0;
  n->depth = (uint16_t)(dep + 1 > AST_MAX_DEPTH + 1 ? AST_MAX_DEPTH + 1 : dep + 1);
  n->len = 0;
  n->span = span;
  n->next = NULL;
  n->num = 0;
  n->str = NULL;
  return n;
}

Node *ast_leaf(Ast *ast, NodeKind kind, Span span) {
  Node *n = new_leaf(ast);
  n->kind = (uint8_t)kind;
  n->op = 0;
  n->depth = 1;
  n->len = 0;
  n->span = span;
  n->next = NULL;
  n->num = 0;
  n->str = NULL;
  return n;
}

const char *ast_intern(Ast *ast, const char *s, size_t n) { return intern(&ast->names, s, n); }

const char *ast_text(Ast *ast, const char *s, size_t n) { return intern(&ast->texts, s, n); }

const char *ast_kind_name(int kind) {
  return kind >= 0 && kind < N__COUNT ? kind_names[kind] : "?";
}

const char *ast_op_name(int op) { return op >= 0 && op < AOP__COUNT ? op_names[op] : "?"; }

int ast_list_len(const Node *n) {
  int k = 0;
  for (; n; n = n->next) k++;
  return k;
}

static void dump_str(FILE *f, const char *s, size_t n) {
  size_t i;
  fputc('"', f);
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
    else if (c == '\n') fputs("\\n", f);
    else if (c < 0x20) fprintf(f, "\\x%02x", c);
    else fputc(c, f);
  }
  fputc('"', f);
}

static void dump_list(const Ast *ast, const Node *n, int indent, FILE *f) {
  for (; n; n = n->next) ast_dump(ast, n, indent, f);
}

void ast_dump(const Ast *ast, const Node *n, int indent, void *file) {
  FILE *f = file;
  int line, col;
  if (!n) {
    fprintf(f, "%*s-\n", indent, "");
    return;
  }
  src_linecol(ast->src, n->span.pos, &line, &col);
  fprintf(f, "%*s(%s", indent, "", kind_names[n->kind]);
  switch (n->kind) {
    case N_NUM: fprintf(f, " %.17g", n->num); break;
    case N_DUR: fprintf(f, " %.17gs", n->num); break;
    case N_STR: fputc(' ', f); dump_str(f, n->str, n->len); break;
    case N_NAME: fprintf(f, " %s", n->str); break;
    case N_BOOL: fputs(n->op ? " true" : " false", f); break;
    case N_UNARY: case N_BINARY: fprintf(f, " %s", op_names[n->op]); break;
    case N_IF: if (n->op) fputs(" then-form", f); break;
    default: break;
  }
  fprintf(f, " @%d:%d)\n", line, col);
  if (ast_kids(n)) {
    const Node *b = ast_b(n), *c = ast_c(n), *d = ast_d(n);
    if (!n->a && !b && !c && !d) return;
    dump_list(ast, n->a, indent + 2, f);
    if (b || c || d) {
      if (!b) fprintf(f, "%*s-\n", indent + 2, "");
      dump_list(ast, b, indent + 2, f);
    }
    if (c || d) {
      if (!c) fprintf(f, "%*s-\n", indent + 2, "");
      dump_list(ast, c, indent + 2, f);
    }
    if (d) dump_list(ast, d, indent + 2, f);
  }
}
