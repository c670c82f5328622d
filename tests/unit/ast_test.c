/*
** ast_test.c -- grammar/ast.c: the node layout (a leaf is only the fields
** before a..d, an inner node only the children its kind uses), which
** kinds are leaves, and that a parsed tree keeps its nodes small and its
** values intact.
*/
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../base/buf.h"
#include "../../grammar/ast.h"
#include "../../grammar/parse.h"
#include "../../grammar/parser_state.h"
#include "parser.h"
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

/* The meaning of a..d of each kind, as AST_KINDS writes it. */
static const char *const kind_doc[] = {
#define X(k, n, c) c,
  AST_KINDS(X)
#undef X
};

/* doc_slots returns the last of a, b, c, d that doc names as a word
** (1 for a .. 4 for d; 0 if none). */
static int doc_slots(const char *doc) {
  int best = 0;
  const char *p;
  for (p = doc; *p; p++) {
    int before = p > doc && (isalnum((unsigned char)p[-1]) || p[-1] == '_' || p[-1] == '\'');
    int after = isalnum((unsigned char)p[1]) || p[1] == '_' || p[1] == '\'';
    if (*p >= 'a' && *p <= 'd' && !before && !after && *p - 'a' + 1 > best) best = *p - 'a' + 1;
  }
  return best;
}

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
    count(ast_b(n), leaves, inner, bad);
    count(ast_c(n), leaves, inner, bad);
    count(ast_d(n), leaves, inner, bad);
  }
}

/* find returns the first node of kind under n (leaves included), or NULL. */
static const Node *find(const Node *n, int kind) {
  for (; n; n = n->next) {
    const Node *x;
    if (n->kind == kind) return n;
    if (!ast_kids(n)) continue;
    if ((x = find(n->a, kind)) || (x = find(ast_b(n), kind)) || (x = find(ast_c(n), kind)) ||
        (x = find(ast_d(n), kind)))
      return x;
  }
  return NULL;
}

/* leaf_texts appends to b, in source order, each NAME, STR and BOOL leaf under
** n as "name:TEXT", "str:TEXT" or "bool:0/1", one per line. */
static void leaf_texts(const Node *n, Buf *b) {
  for (; n; n = n->next) {
    if (n->kind == N_NAME) buf_printf(b, "name:%s\n", n->str);
    else if (n->kind == N_STR) buf_printf(b, "str:%.*s\n", (int)n->len, n->str);
    else if (n->kind == N_BOOL) buf_printf(b, "bool:%d\n", n->op);
    if (!ast_kids(n)) continue;
    leaf_texts(n->a, b);
    leaf_texts(ast_b(n), b);
    leaf_texts(ast_c(n), b);
    leaf_texts(ast_d(n), b);
  }
}

int main(void) {
  Source src;
  Ast ast;
  Diags d;
  Span sp = {0, 1};
  Node *l1, *l2, *l3, *in1, *in2, *in3, *in4;
  const Node *s;
  int leaves = 0, inner = 0, bad = 0, k, nleaf = 0, wrong = 0;
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
      "    log \"n\"\n"
      "    log \"tab\\there\"\n"
      "  }\n"
      "}\n";

  CHECK(sizeof(Node) == 64, "a whole node is 64 bytes (%zu)", sizeof(Node));
  CHECK(AST_LEAF_SIZE == 32 && offsetof(Node, str) < AST_LEAF_SIZE && offsetof(Node, next) < AST_LEAF_SIZE,
        "a leaf is the 32 bytes before a: kind, span, next and the payload");
  for (k = 0; k < N__COUNT; k++) nleaf += ast_is_leaf(k);
  CHECK(nleaf == 6 && ast_is_leaf(N_NAME) && ast_is_leaf(N_STR) && ast_is_leaf(N_NUM) && ast_is_leaf(N_DUR) &&
            ast_is_leaf(N_BOOL) && ast_is_leaf(N_NIL),
        "the leaf kinds are NAME, STR, NUM, DUR, BOOL and NIL");
  CHECK(!ast_is_leaf(N_TMPL) && !ast_is_leaf(N_CALL) && !ast_is_leaf(N_IDEMPOTENT) && !ast_is_leaf(N__COUNT + 40),
        "TMPL, CALL, a childless IDEMPOTENT and an unknown kind are not leaves");

  for (k = 0; k < N__COUNT; k++) {
    int want = ast_is_leaf(k) ? 0 : doc_slots(kind_doc[k]) ? doc_slots(kind_doc[k]) : 1;
    if (ast_slots(k) != want) {
      wrong++;
      printf("# kind %s has %d children, AST_KINDS names %d\n", ast_kind_name(k), ast_slots(k), want);
    }
  }
  CHECK(wrong == 0, "every kind has the children AST_KINDS names (a leaf none, every inner kind at least a)");
  CHECK(ast_slots(N_STEP) == 4 && ast_slots(N_IF) == 3 && ast_slots(N_CALL) == 2 && ast_slots(N_LOG) == 1 &&
            ast_slots(N_NAME) == 0 && ast_slots(N__COUNT + 40) == 0 && ast_slots(-1) == 0,
        "STEP has a..d, IF a..c, CALL a and b, LOG a, NAME and unknown kinds none");
  CHECK(AST_NODE_SIZE(N_STEP) == 64 && AST_NODE_SIZE(N_CALL) == 48 && AST_NODE_SIZE(N_LOG) == 40 &&
            AST_NODE_SIZE(N_NUM) == AST_LEAF_SIZE,
        "a node is 32 bytes and 8 for each child of its kind");

  src_from_string(&src, "t.rbk", text, sizeof text - 1);
  ast_init(&ast, &src);
  l1 = ast_leaf(&ast, N_NUM, sp);
  l2 = ast_leaf(&ast, N_NAME, sp);
  l3 = ast_node(&ast, N_STR, sp, NULL, NULL, NULL, NULL);
  in1 = ast_node(&ast, N_BLOCK, sp, NULL, NULL, NULL, NULL);
  in2 = ast_node(&ast, N_CALL, sp, l2, l1, NULL, NULL);
  in3 = ast_node(&ast, N_STEP, sp, l2, NULL, in1, NULL);
  in4 = ast_node(&ast, N_LOG, sp, l3, NULL, NULL, NULL);
  CHECK((size_t)((char *)l2 - (char *)l1) == step && (size_t)((char *)l3 - (char *)l2) == step,
        "leaves take %zu bytes of the arena each, ast_node of a leaf kind too", step);
  CHECK((size_t)((char *)in1 - (char *)l3) == step && in1->a == NULL && ast_b(in1) == NULL && in1->depth == 1,
        "an inner node with no children has its a, NULL");
  CHECK((size_t)((char *)in2 - (char *)in1) == (ASAN_BUILD ? sizeof(Node) : AST_NODE_SIZE(N_BLOCK)) &&
            (size_t)((char *)in3 - (char *)in2) == (ASAN_BUILD ? sizeof(Node) : AST_NODE_SIZE(N_CALL)) &&
            (size_t)((char *)in4 - (char *)in3) == (ASAN_BUILD ? sizeof(Node) : AST_NODE_SIZE(N_STEP)),
        "a BLOCK takes 40 bytes of the arena, a CALL 48, a STEP 64 (whole nodes in the ASan build)");
  CHECK(in2->a == l2 && in2->b == l1 && ast_c(in2) == NULL && ast_d(in2) == NULL && in3->c == in1 &&
            in3->b == NULL && in3->d == NULL && in3->depth == 2 && in4->a == l3 && ast_b(in4) == NULL,
        "children are kept; ast_b/c/d give NULL where the kind has none");
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
  {
    const Node *st = find(ast.root, N_STEP), *l, *logs[3];
    int nl = 0;
    for (l = st ? st->c->a : NULL; l; l = l->next)
      if (l->kind == N_LOG && nl < 3) logs[nl++] = l;
    CHECK(nl == 3 && logs[0]->a->str == logs[2]->a->str && logs[0]->a->str != logs[1]->a->str,
          "two strings of the same text share one copy (ast_text)");
    CHECK(nl == 3 && logs[1]->a->len == 1 && strcmp(logs[1]->a->str, "n") == 0 &&
              logs[1]->a->str != ast_intern(&ast, "n", 1),
          "a text is not the identifier of the same spelling");
  }
  diag_free(&d);
  ast_free(&ast);
  src_free(&src);

  /* A plain string ("text": no escape, no ${}) is one token for the
  ** parser; the tree is as for STR_BEGIN STR_TEXT STR_END, and fmt's
  ** token stream (parse_tokens) still has the three. */
  {
    static const char plain[] = "runbook \"P\" {\n  step s \"\" {\n    log \"a b\"\n    log \"a b\"\n  }\n}\n";
    Token *t = NULL;
    size_t nt = 0, i, sb = 0, stx = 0, se = 0;
    const Node *st, *lg;
    src_from_string(&src, "p.rbk", plain, sizeof plain - 1);
    ast_init(&ast, &src);
    diag_init(&d);
    CHECK(parse_source(&ast, &d, PARSE_FILE, NULL) == 0 && d.errors == 0, "a runbook of plain strings parses");
    st = find(ast.root, N_STEP);
    lg = st ? st->c->a : NULL;
    CHECK(st && st->b && st->b->kind == N_STR && st->b->len == 0 && strcmp(st->b->str, "") == 0 &&
              st->b->span.end - st->b->span.pos == 2,
          "\"\" is an empty STR spanning its two quotes");
    CHECK(lg && lg->kind == N_LOG && lg->a->kind == N_STR && lg->a->len == 3 && strcmp(lg->a->str, "a b") == 0 &&
              lg->a->span.pos == (uint32_t)(strstr(plain, "\"a b\"") - plain) &&
              lg->a->span.end == lg->a->span.pos + 5 && lg->a->depth == 1,
          "a plain string is a STR leaf of its text, spanning its quotes");
    CHECK(lg && lg->next && lg->next->a->str == lg->a->str, "two plain strings of one text share its copy");
    diag_free(&d);
    ast_free(&ast);
    ast_init(&ast, &src);
    diag_init(&d);
    CHECK(parse_tokens(&ast, &d, &t, &nt) == 0, "parse_tokens lexes it");
    for (i = 0; i < nt; i++) {
      sb += t[i].kind == STR_BEGIN;
      stx += t[i].kind == STR_TEXT;
      se += t[i].kind == STR_END;
    }
    CHECK(sb == 4 && stx == 3 && se == 4,
          "parse_tokens gives each string as STR_BEGIN, STR_TEXT and STR_END (%zu, %zu, %zu)", sb, stx, se);
    mem_free(t);
    diag_free(&d);
    ast_free(&ast);
    src_free(&src);
  }
  /* The lexer steps over a string's text, a comment and a name by hand
  ** (EXTEND in lexer.l), and finds keywords in a table: the same tree as
  ** the DFA gave, for names that begin like keywords, text with bytes >=
  ** 0x80 and escapes, a comment holding a NUL, and a """ string. */
  {
    static const char tricky[] =
        "# caf\xc3\xa9 \0 comment\n"
        "runbook \"T\" {\n"
        "  step s1 \"plain\" {\n"
        "    let runbook2 = true\n"
        "    let iff = false\n"
        "    let on_x = \"caf\xc3\xa9 ${runbook2} w\xc3\xb6rld\"\n"
        "    let _ = \"a\\tb${iff}\\$c\"\n"
        "    let hosts = \"\"\"one \"two\"\n three\"\"\"\n"
        "    let kind = \"x\" # tail \xc3\xa9\n"
        "    let irreversiblex = \"${hosts}\"\n"
        "  }\n"
        "}\n";
    static const char want[] =
        "str:T\n"
        "name:s1\nstr:plain\n"
        "name:runbook2\nbool:1\n"
        "name:iff\nbool:0\n"
        "name:on_x\nstr:caf\xc3\xa9 \nname:runbook2\nstr: w\xc3\xb6rld\n"
        "name:_\nstr:a\tb\nname:iff\nstr:$c\n"
        "name:hosts\nstr:one \"two\"\n three\n"
        "name:kind\nstr:x\n"
        "name:irreversiblex\nname:hosts\n";
    Buf got = BUF_INIT;
    src_from_string(&src, "t.rbk", tricky, sizeof tricky - 1);
    ast_init(&ast, &src);
    diag_init(&d);
    CHECK(parse_source(&ast, &d, PARSE_FILE, NULL) == 0 && d.errors == 0,
          "names like keywords, non-ASCII text, escapes and a NUL in a comment parse (%d errors)", d.errors);
    leaf_texts(ast.root, &got);
    CHECK_STREQ(buf_cstr(&got), want, "the leaves of the tricky runbook, in order");
    buf_free(&got);
    diag_free(&d);
    ast_free(&ast);
    src_free(&src);
  }
  UNIT_DONE();
}
