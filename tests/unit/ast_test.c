/*
** ast_test.c -- grammar/ast.c: the node layout (a leaf is only the fields
** before a..d), which kinds are leaves, and that a parsed tree keeps its
** leaves small and its values intact.
*/
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../grammar/ast.h"
#include "../../grammar/parse.h"
#include "unit.h"

/* The ASan build allocates whole nodes (and poisons a..d of a leaf). */
#if defined(__SANITIZE_ADDRESS__)
#define ASAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN_BUILD 1
#endif
#endif
#ifndef ASAN_BUILD
#define ASAN_BUILD 0
#endif

/* count walks the tree: leaves and inner nodes, asking ast_kids first. */
static void count(const Node *n, int *leaves, int *inner, int *bad) {
  for (; n; n = n->next) {
    if (!ast_kids(n)) {
      (*leaves)++;
      continue;
    }
    (*inner)++;
    if (ast_is_leaf(n->kind)) (*bad)++;
    count(n->a, leaves, inner, bad);
    count(n->b, leaves, inner, bad);
    count(n->c, leaves, inner, bad);
    count(n->d, leaves, inner, bad);
  }
}

/* find returns the first node of kind under n (leaves included), or NULL. */
static const Node *find(const Node *n, int kind) {
  for (; n; n = n->next) {
    const Node *x;
    if (n->kind == kind) return n;
    if (!ast_kids(n)) continue;
    if ((x = find(n->a, kind)) || (x = find(n->b, kind)) || (x = find(n->c, kind)) || (x = find(n->d, kind)))
      return x;
  }
  return NULL;
}

int main(void) {
  Source src;
  Ast ast;
  Diags d;
  Span sp = {0, 1};
  Node *l1, *l2, *l3, *in1;
  const Node *s;
  int leaves = 0, inner = 0, bad = 0, k, nleaf = 0;
  size_t step = ASAN_BUILD ? sizeof(Node) : AST_LEAF_SIZE;
  static const char text[] =
      "runbook \"Leaves\" {\n"
      "  step s1 \"One\" {\n"
      "    let n = 42\n"
      "    let t = 5m\n"
      "    let ok = true\n"
      "    let z = nil\n"
      "    run \"echo ${n} done\"\n"
      "    log \"tab\\there\"\n"
      "  }\n"
      "}\n";

  CHECK(sizeof(Node) == 64, "an inner node is 64 bytes (%zu)", sizeof(Node));
  CHECK(AST_LEAF_SIZE == 32 && offsetof(Node, str) < AST_LEAF_SIZE && offsetof(Node, next) < AST_LEAF_SIZE,
        "a leaf is the 32 bytes before a: kind, span, next and the payload");
  for (k = 0; k < N__COUNT; k++) nleaf += ast_is_leaf(k);
  CHECK(nleaf == 6 && ast_is_leaf(N_NAME) && ast_is_leaf(N_STR) && ast_is_leaf(N_NUM) && ast_is_leaf(N_DUR) &&
            ast_is_leaf(N_BOOL) && ast_is_leaf(N_NIL),
        "the leaf kinds are NAME, STR, NUM, DUR, BOOL and NIL");
  CHECK(!ast_is_leaf(N_TMPL) && !ast_is_leaf(N_CALL) && !ast_is_leaf(N_IDEMPOTENT) && !ast_is_leaf(N__COUNT + 40),
        "TMPL, CALL, a childless IDEMPOTENT and an unknown kind are not leaves");

  src_from_string(&src, "t.rbk", text, sizeof text - 1);
  ast_init(&ast, &src);
  l1 = ast_leaf(&ast, N_NUM, sp);
  l2 = ast_leaf(&ast, N_NAME, sp);
  l3 = ast_node(&ast, N_STR, sp, NULL, NULL, NULL, NULL);
  in1 = ast_node(&ast, N_BLOCK, sp, NULL, NULL, NULL, NULL);
  CHECK((size_t)((char *)l2 - (char *)l1) == step && (size_t)((char *)l3 - (char *)l2) == step,
        "leaves take %zu bytes of the arena each, ast_node of a leaf kind too", step);
  CHECK((size_t)((char *)in1 - (char *)l3) == step && in1->a == NULL && in1->d == NULL && in1->depth == 1,
        "an inner node with no children is whole, its children NULL");
  CHECK(l1->next == NULL && l1->num == 0 && l1->depth == 1 && l2->str == NULL && l3->len == 0,
        "a new leaf's fields are set");
  ast_free(&ast);

  ast_init(&ast, &src);
  diag_init(&d);
  CHECK(parse_source(&ast, &d, PARSE_FILE, NULL) == 0 && d.errors == 0 && ast.root, "the runbook parses");
  count(ast.root, &leaves, &inner, &bad);
  CHECK(leaves >= 12 && inner >= 10 && bad == 0, "the tree has %d leaves and %d inner nodes, no inner leaf kind",
        leaves, inner);
  s = find(ast.root, N_NUM);
  CHECK(s && s->num == 42 && s->span.end - s->span.pos == 2, "a NUM leaf keeps its value and span");
  s = find(ast.root, N_DUR);
  CHECK(s && s->num == 300, "a DUR leaf keeps its seconds");
  s = find(ast.root, N_BOOL);
  CHECK(s && s->op == 1, "a BOOL leaf keeps its flag");
  s = find(ast.root, N_LOG);
  CHECK(s && s->a && s->a->kind == N_STR && s->a->len == 8 && memcmp(s->a->str, "tab\there", 9) == 0,
        "a STR with an escape is decoded and NUL-terminated");
  s = find(ast.root, N_STR);
  CHECK(s && s->len == 6 && memcmp(s->str, "Leaves", 7) == 0, "a plain STR keeps its text, NUL-terminated");
  diag_free(&d);
  ast_free(&ast);
  src_free(&src);
  UNIT_DONE();
}
