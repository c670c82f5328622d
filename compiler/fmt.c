/*
** fmt.c -- `rbk fmt`: the canonical layout of a runbook (the style is in
** docs/language.md, "Formatting").
**
** A token-stream formatter. The real lexer gives the tokens; what lies
** between two tokens can only be white space and comments, so the
** comments are read from those gaps; the syntax tree says where each
** statement begins. The source's line breaks are kept, with at most one
** blank line in a row and the braces of a block of several lines on lines
** of their own; within a line the spacing is canonical; indentation
** follows the brackets, one level per line that opens any; a statement
** continued on another line is indented one more level; runs of similar
** declarations and of trailing comments are aligned in columns. Strings
** and block comments are copied byte for byte.
**
** Only white space changes, and that is checked: the result is lexed
** again and must give the same tokens and comments, or nothing is output.
*/
#include "fmt.h"

#include <stdlib.h>
#include <string.h>

#include "../grammar/ast.h"
#include "../grammar/parse.h"
#include "parser.h"

#define INDENT 2          /* spaces per level */
#define COMMENT_GAP 2     /* spaces before a trailing comment, at least */
#define MAX_POINTS 2      /* alignment points per line */

enum { IT_TOKEN, IT_STRING, IT_LINE_COMMENT, IT_BLOCK_COMMENT };

/* An item is a token, a whole string (its parts and interpolations kept
** as written) or a comment. */
typedef struct Item {
  int kind;            /* token kind (parser.h or a character); STR_BEGIN for a string */
  uint8_t type;        /* IT_* */
  uint8_t multiline;   /* its text holds a newline */
  uint8_t brk;         /* it begins an output line */
  uint8_t blank;       /* a blank line goes before it */
  uint32_t pos, end;   /* its bytes in the source (a line comment without trailing blanks) */
  uint32_t nl;         /* newlines in the source between the item before and this one */
  int32_t match;       /* a bracket's partner, or -1 */
  uint32_t tok;        /* a string: the index of its STR_BEGIN token */
} Item;

typedef struct Items {
  Item *v;
  size_t n, cap;
} Items;

/* One output line: items [first, end); a trailing line comment, the last
** of them, is rendered apart (see comment). */
typedef struct Line {
  size_t first, end;
  int level;
  int cls;                        /* alignment class (0: none) */
  int npoints;                    /* alignment points used */
  size_t point[MAX_POINTS];       /* items that begin an aligned column */
  size_t seg[MAX_POINTS + 2];     /* byte offsets in the rendered text: segment k is [seg[k], seg[k+1]) */
  int pad[MAX_POINTS + 1];        /* spaces before segment k (k >= 1) */
  int comment_pad;                /* spaces before the trailing comment */
  size_t width[MAX_POINTS + 1];   /* characters in segment k */
  long comment;                   /* the trailing line comment's item, or -1 */
  int multiline, blank;
} Line;

typedef struct Fmt {
  const char *text;
  Token *tok;
  size_t ntok;
  Items it;
  Line *lines;
  size_t nlines, lines_cap;
  uint32_t *starts;               /* sorted positions where statements begin */
  size_t nstarts, starts_cap;
  Buf rendered;                   /* the code of every line, one after another */
} Fmt;

/* ---- items ---- */

static Item *push(Items *it, const char *text, uint8_t type, int kind, uint32_t pos, uint32_t end,
                  uint32_t nl) {
  Item *x;
  if (it->n == it->cap) it->v = mem_grow(it->v, &it->cap, it->n + 1, sizeof *it->v);
  x = &it->v[it->n++];
  memset(x, 0, sizeof *x);
  x->type = type;
  x->kind = kind;
  x->pos = pos;
  x->end = end;
  x->nl = nl;
  x->match = -1;
  x->multiline = memchr(text + pos, '\n', end - pos) != NULL;
  return x;
}

/* gap reads the comments in text[i, to), which holds nothing else but
** white space (the lexer saw to that). nl counts the newlines since the
** last item; the count after the last comment is returned. */
static uint32_t gap(Items *it, const char *s, uint32_t i, uint32_t to, uint32_t nl) {
  while (i < to) {
    if (s[i] == '\n') {
      nl++;
      i++;
    } else if (s[i] == '#') {
      uint32_t j = i, e;
      while (j < to && s[j] != '\n') j++;
      for (e = j; e > i && strchr(" \t\r\f", s[e - 1]); e--) {}
      push(it, s, IT_LINE_COMMENT, 0, i, e, nl);
      nl = 0;
      i = j;
    } else if (s[i] == '/' && i + 1 < to && s[i + 1] == '*') {
      uint32_t j = i + 2;
      while (j + 1 < to && !(s[j] == '*' && s[j + 1] == '/')) j++;
      j = j + 2 < to ? j + 2 : to;
      push(it, s, IT_BLOCK_COMMENT, 0, i, j, nl);
      nl = 0;
      i = j;
    } else {
      i++;
    }
  }
  return nl;
}

/* collect turns the tokens of src into items, comments included; with
** whole set, each string is one item, else each token is one. */
static void collect(const Source *src, const Token *t, size_t nt, int whole, Items *it) {
  const char *s = src->text;
  uint32_t prev = src->len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0, nl = 0;
  size_t k = 0;
  while (k < nt) {
    nl = gap(it, s, prev, t[k].pos, nl);
    if (t[k].kind == STR_BEGIN && whole) {
      size_t j = k;
      int depth = 0;
      for (; j < nt; j++) {
        if (t[j].kind == STR_BEGIN) depth++;
        else if (t[j].kind == STR_END && --depth == 0) break;
      }
      if (j == nt) j = nt - 1;
      push(it, s, IT_STRING, STR_BEGIN, t[k].pos, t[j].end, nl)->tok = (uint32_t)k;
      k = j + 1;
    } else {
      push(it, s, IT_TOKEN, t[k].kind, t[k].pos, t[k].end, nl);
      k++;
    }
    prev = it->v[it->n - 1].end;
    nl = 0;
  }
  gap(it, s, prev, src->len, nl);
}

/* lex_items lexes src into items (see collect); 0, or -1 on a lexical
** error. The tokens are kept in *tokens (*ntokens of them) if tokens is
** not NULL. */
static int lex_items(Source *src, Diags *d, int whole, Items *it, Token **tokens, size_t *ntokens) {
  Ast ast;
  Token *t;
  size_t nt;
  int rc;
  ast_init(&ast, src);
  rc = parse_tokens(&ast, d, &t, &nt);
  if (rc == 0) collect(src, t, nt, whole, it);
  if (tokens) {
    *tokens = t;
    *ntokens = nt;
  } else {
    mem_free(t);
  }
  ast_free(&ast);
  return rc;
}

static int is_tok(const Item *x, int kind) { return x->type == IT_TOKEN && x->kind == kind; }
static int is_opener(const Item *x) { return is_tok(x, '(') || is_tok(x, '[') || is_tok(x, '{'); }
static int is_closer(const Item *x) { return is_tok(x, ')') || is_tok(x, ']') || is_tok(x, '}'); }
static int is_comment(const Item *x) { return x->type == IT_LINE_COMMENT || x->type == IT_BLOCK_COMMENT; }

/* ---- where statements begin ---- */

static int is_stmt_kind(int k) {
  switch (k) {
    case N_BLOCK: case N_CONTACT: case N_PROGRAM: return 0;
    default: return k >= N_RUN;
  }
}

static void visit_list(Fmt *f, const Node *n);

/* visit records where n and the statements inside it begin; the statement
** of `if C then S` is a continuation of the if, not a start (mark = 0). */
static void visit(Fmt *f, const Node *n, int mark) {
  if (mark && is_stmt_kind(n->kind)) {
    if (f->nstarts == f->starts_cap) f->starts = mem_grow(f->starts, &f->starts_cap, f->nstarts + 1, sizeof *f->starts);
    f->starts[f->nstarts++] = n->span.pos;
  }
  if (n->kind == N_IF && n->op == 1) {
    visit_list(f, n->a);
    if (n->b) visit(f, n->b, 0);
    return;
  }
  if (ast_is_leaf(n->kind)) return;
  visit_list(f, n->a);
  visit_list(f, ast_b(n));
  visit_list(f, ast_c(n));
  visit_list(f, ast_d(n));
}

static void visit_list(Fmt *f, const Node *n) {
  for (; n; n = n->next) visit(f, n, 1);
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static int is_start(const Fmt *f, uint32_t pos) {
  size_t lo = 0, hi = f->nstarts;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (f->starts[mid] < pos) lo = mid + 1;
    else hi = mid;
  }
  return lo < f->nstarts && f->starts[lo] == pos;
}

/* ---- line breaks ---- */

/* pair_brackets sets each bracket's partner (the source parsed, so they pair). */
static void pair_brackets(Items *it) {
  size_t *stack = mem_alloc((it->n + 1) * sizeof *stack), sp = 0, i;
  for (i = 0; i < it->n; i++) {
    if (is_opener(&it->v[i])) {
      stack[sp++] = i;
    } else if (is_closer(&it->v[i]) && sp) {
      size_t o = stack[--sp];
      it->v[o].match = (int32_t)i;
      it->v[i].match = (int32_t)o;
    }
  }
  mem_free(stack);
}

/* decide_breaks keeps the source's line breaks, then: a block of several
** lines has its braces on lines of their own (a comment may follow the
** '{'), an empty block is {}, `else` follows its '}', and blank lines are
** one at most, never first in a block or last. */
static void decide_breaks(Items *it) {
  size_t i, *broken = mem_alloc((it->n + 1) * sizeof *broken);
  Item *v = it->v;
  broken[0] = 0;
  for (i = 0; i < it->n; i++) {
    v[i].brk = i > 0 && v[i].nl > 0;
    broken[i + 1] = broken[i] + (v[i].nl > 0);   /* items before i+1 that follow a newline */
  }
  for (i = 0; i < it->n; i++) {
    size_t c;
    if (!is_tok(&v[i], '{') || v[i].match < 0) continue;
    c = (size_t)v[i].match;
    if (c == i + 1) {
      v[c].brk = 0;
    } else if (broken[c + 1] - broken[i + 1] > 0) {
      if (!(v[i + 1].type == IT_LINE_COMMENT && v[i + 1].nl == 0)) v[i + 1].brk = 1;
      v[c].brk = 1;
    }
  }
  for (i = 1; i < it->n; i++) {
    if (is_tok(&v[i], ELSE) && is_tok(&v[i - 1], '}')) v[i].brk = 0;
    v[i].blank = v[i].brk && v[i].nl >= 2 && !is_tok(&v[i - 1], '{') && !is_tok(&v[i], '}');
  }
  mem_free(broken);
}

/* ---- lines and levels ---- */

static void split_lines(Fmt *f) {
  size_t i;
  for (i = 0; i < f->it.n; i++) {
    Line *l;
    if (i > 0 && !f->it.v[i].brk) continue;
    if (f->nlines == f->lines_cap) f->lines = mem_grow(f->lines, &f->lines_cap, f->nlines + 1, sizeof *f->lines);
    l = &f->lines[f->nlines++];
    memset(l, 0, sizeof *l);
    l->first = i;
    l->blank = f->it.v[i].blank;
    l->comment = -1;
    if (f->nlines > 1) l[-1].end = i;
  }
  if (f->nlines) f->lines[f->nlines - 1].end = f->it.n;
}

/* continues says whether a line whose first code item is x continues a
** statement begun on an earlier line. */
static int continues(const Fmt *f, const Item *x) {
  return !is_closer(x) && !is_tok(x, ELSE) && !is_start(f, x->pos);
}

/* set_levels gives each line its indentation. A bracket opened on a line
** indents what follows it one level past that line ('{': past the line
** of its statement, continuation or not); a line that continues a
** statement inside a block goes one level further. */
static void set_levels(Fmt *f) {
  typedef struct Open {
    int kind, inner;
  } Open;
  Open *stack = mem_alloc((f->it.n + 1) * sizeof *stack);
  size_t sp = 0, L;
  for (L = 0; L < f->nlines; L++) {
    Line *l = &f->lines[L];
    size_t k = l->first, top = sp;
    int base, in_block, bump = 0;
    const Item *x = &f->it.v[l->first];
    while (k < l->end && is_closer(&f->it.v[k]) && top > 0) {
      top--;
      k++;
    }
    base = top ? stack[top - 1].inner : 0;
    in_block = top == 0 || stack[top - 1].kind == '{';
    if (is_comment(x)) {   /* a comment line is indented like the code after it */
      size_t q = l->first;
      while (q < f->it.n && is_comment(&f->it.v[q])) q++;
      bump = q < f->it.n && in_block && continues(f, &f->it.v[q]);
    } else if (k == l->first) {
      bump = in_block && continues(f, x);
    }
    l->level = base + bump;
    for (k = l->first; k < l->end; k++) {
      const Item *y = &f->it.v[k];
      if (is_opener(y)) {
        stack[sp].kind = y->kind;
        stack[sp++].inner = (y->kind == '{' ? base : l->level) + 1;
      } else if (is_closer(y) && sp > 0) {
        sp--;
      }
    }
  }
  mem_free(stack);
}

/* ---- spacing and rendering ---- */

static int ends_value(const Item *x) {
  if (x->type == IT_STRING) return 1;
  if (x->type != IT_TOKEN) return 0;
  switch (x->kind) {
    case IDENT: case NUMBER: case DURATION: case BOOLEAN: case NIL: case ')': case ']': return 1;
    default: return 0;
  }
}

/* space says how many spaces go between a and b on one line; before_a is
** the code item before a (NULL if none), to tell unary minus from binary. */
/* map_open says whether a '{' after item before opens a map literal
** (it follows '(', '[', ',', '=' or ':'), not a block. */
static int map_open(const Fmt *f, const Item *before) {
  (void)f;
  return before && (is_tok(before, '(') || is_tok(before, '[') || is_tok(before, ',') || is_tok(before, '=') ||
                    is_tok(before, ':'));
}

static int space(const Fmt *f, const Item *before_a, const Item *a, const Item *b) {
  if (is_comment(a) || is_comment(b)) return 1;
  if (is_tok(b, ')') || is_tok(b, ']') || is_tok(b, ',')) return 0;
  if (is_tok(a, '(') || is_tok(a, '[')) return 0;
  if (is_tok(b, '.')) return a->type == IT_TOKEN && (a->kind == NUMBER || a->kind == DURATION);
  if (is_tok(a, '.')) return 0;
  /* `serial 25%`, `max_fail 10%`: a percentage after a step's targeting
  ** option (NAME NUMBER '%' appears nowhere else: no expression puts a
  ** number right after a name) */
  if (is_tok(b, '%') && is_tok(a, NUMBER) && before_a && is_tok(before_a, IDENT)) return 0;
  if (is_tok(a, '-') && !(before_a && ends_value(before_a))) return 0;   /* unary minus */
  if (is_tok(b, '(')) {
    if (a->type == IT_TOKEN && (a->kind == RUN || a->kind == ASK || a->kind == PROBE))
      return is_start(f, a->pos);   /* run(...) calls a builtin; `run (...)` is the statement */
    return !ends_value(a);
  }
  if (is_tok(b, '[')) return !ends_value(a);
  if (is_tok(a, '{') && is_tok(b, '}')) return 0;
  if (is_tok(b, ':')) return 0;   /* a map's key: {a: 1} */
  if (is_tok(a, '{') && map_open(f, before_a)) return 0;
  if (is_tok(b, '}') && b->match > 0 && (size_t)b->match < f->it.n && map_open(f, &f->it.v[b->match - 1])) return 0;
  return 1;
}

static size_t chars(const char *s, size_t n) {
  size_t i, c = 0;
  for (i = 0; i < n; i++) c += ((unsigned char)s[i] & 0xC0) != 0x80;
  return c;
}

static void put_string(const Fmt *f, size_t *i, Buf *b);

static void put_token(const Fmt *f, size_t i, Buf *b) {
  buf_add(b, f->text + f->tok[i].pos, f->tok[i].end - f->tok[i].pos);
}

/* put_interp writes the tokens of an interpolation from token *i up to
** its INTERP_END (not included), spaced as code is. */
static void put_interp(const Fmt *f, size_t *i, Buf *b) {
  Item cur, prev1, prev2;
  int n = 0;
  memset(&cur, 0, sizeof cur);
  while (*i < f->ntok && f->tok[*i].kind != INTERP_END) {
    cur.kind = f->tok[*i].kind;
    cur.type = cur.kind == STR_BEGIN ? IT_STRING : IT_TOKEN;
    cur.pos = f->tok[*i].pos;
    if (n > 0) {
      int sp = space(f, n > 1 ? &prev2 : NULL, &prev1, &cur);
      while (sp-- > 0) buf_putc(b, ' ');
    }
    if (cur.kind == STR_BEGIN) put_string(f, i, b);
    else put_token(f, (*i)++, b);
    prev2 = prev1;
    prev1 = cur;
    n++;
  }
}

/* put_string writes the string that begins at token *i and moves *i past
** its end: its text as written, its interpolations spaced as code. */
static void put_string(const Fmt *f, size_t *i, Buf *b) {
  put_token(f, (*i)++, b);
  while (*i < f->ntok) {
    int k = f->tok[*i].kind;
    put_token(f, (*i)++, b);
    if (k == STR_END) return;
    if (k == INTERP_BEGIN) {
      put_interp(f, i, b);
      if (*i < f->ntok) put_token(f, (*i)++, b);
    }
  }
}

/* plain_string says whether nothing but spaces and tabs lies between the
** tokens of a string's interpolations: no newline and no comment, which
** are kept as written, with the whole string. */
static int plain_string(const Fmt *f, const Item *x) {
  size_t i;
  for (i = x->tok; i + 1 < f->ntok && f->tok[i].end < x->end; i++) {
    uint32_t p;
    for (p = f->tok[i].end; p < f->tok[i + 1].pos; p++)
      if (f->text[p] != ' ' && f->text[p] != '\t') return 0;
  }
  return 1;
}

static void put_item(const Fmt *f, const Item *x, Buf *b) {
  if (x->type == IT_STRING && plain_string(f, x)) {
    size_t i = x->tok;
    put_string(f, &i, b);
  } else {
    buf_add(b, f->text + x->pos, x->end - x->pos);
  }
}

/* classify finds the alignment class of a line and its points:
**   1  param/secret/probe/let NAME = ...     the '='
**   2  role NAME "PERSON" FIELD ...          the person, and what follows it
**   3  trigger "NAME" SEVERITY when ...      the severity, and 'when' */
static void classify(const Fmt *f, Line *l) {
  const Item *v = f->it.v + l->first;
  size_t n = l->end - l->first;
  if (l->comment >= 0) n--;
  if (l->multiline || n < 3 || v[0].type != IT_TOKEN || !is_start(f, v[0].pos)) return;
  switch (v[0].kind) {
    case PARAM: case SECRET: case PROBE: case LET:
      if (is_tok(&v[1], IDENT) && is_tok(&v[2], '=')) {
        l->cls = 1;
        l->point[l->npoints++] = l->first + 2;
      }
      break;
    case ROLE:
      if (is_tok(&v[1], IDENT) && v[2].type == IT_STRING) {
        l->cls = 2;
        l->point[l->npoints++] = l->first + 2;
        if (n > 3 && !is_comment(&v[3])) l->point[l->npoints++] = l->first + 3;
      }
      break;
    case TRIGGER:
      if (n > 3 && v[1].type == IT_STRING && is_tok(&v[2], IDENT) && is_tok(&v[3], WHEN)) {
        l->cls = 3;
        l->point[l->npoints++] = l->first + 2;
        l->point[l->npoints++] = l->first + 3;
      }
      break;
    default: break;
  }
}

/* render writes each line's code (its trailing comment apart) to
** f->rendered, cut into segments at its alignment points. */
static void render(Fmt *f) {
  const Item *code1 = NULL, *code2 = NULL;   /* the last code item, and the one before it */
  size_t L;
  for (L = 0; L < f->nlines; L++) {
    Line *l = &f->lines[L];
    Buf *b = &f->rendered;
    size_t k, end = l->end;
    int seg = 0;
    const Item *last = &f->it.v[end - 1];
    if (end - l->first > 1 && last->type == IT_LINE_COMMENT) {
      l->comment = (long)(end - 1);
      end--;
    }
    for (k = l->first; k < l->end; k++) l->multiline |= f->it.v[k].multiline;
    classify(f, l);
    l->seg[0] = b->n;
    for (k = l->first; k < end; k++) {
      const Item *x = &f->it.v[k];
      if (seg < l->npoints && l->point[seg] == k) {
        l->seg[++seg] = b->n;
      } else if (k > l->first) {
        int sp = space(f, code2, &f->it.v[k - 1], x);
        while (sp-- > 0) buf_putc(b, ' ');
      }
      put_item(f, x, b);
      if (!is_comment(x)) {
        code2 = code1;
        code1 = x;
      }
    }
    l->seg[seg + 1] = b->n;
    for (k = 0; k <= (size_t)seg; k++) {
      l->width[k] = chars(b->p + l->seg[k], l->seg[k + 1] - l->seg[k]);
      l->pad[k] = 1;
    }
  }
}

/* code_width is the width of a line's code, indentation included. */
static size_t code_width(const Line *l) {
  size_t w = (size_t)l->level * INDENT;
  int k;
  for (k = 0; k <= l->npoints; k++) w += l->width[k] + (k ? (size_t)l->pad[k] : 0);
  return w;
}

/* align_columns pads the points of each run of lines of one class and
** level, with no blank line between them, into columns. */
static void align_columns(Fmt *f) {
  size_t L = 0, M, i;
  while (L < f->nlines) {
    Line *l = &f->lines[L];
    int k;
    M = L + 1;
    if (l->cls == 0) {
      L = M;
      continue;
    }
    while (M < f->nlines && f->lines[M].cls == l->cls && f->lines[M].level == l->level && !f->lines[M].blank)
      M++;
    for (k = 1; k <= MAX_POINTS; k++) {
      size_t w = 0;
      for (i = L; i < M; i++)
        if (f->lines[i].npoints >= k && f->lines[i].width[k - 1] > w) w = f->lines[i].width[k - 1];
      for (i = L; i < M; i++)
        if (f->lines[i].npoints >= k) f->lines[i].pad[k] = (int)(w - f->lines[i].width[k - 1]) + 1;
    }
    L = M;
  }
}

/* align_comments lines up the trailing comments of consecutive lines. */
static void align_comments(Fmt *f) {
  size_t L = 0, M, i;
  while (L < f->nlines) {
    size_t w = 0;
    M = L;
    while (M < f->nlines && f->lines[M].comment >= 0 && !f->lines[M].multiline && (M == L || !f->lines[M].blank))
      M++;
    if (M == L) {   /* no run here: a lone comment after a multi-line item */
      f->lines[L].comment_pad = COMMENT_GAP;
      L++;
      continue;
    }
    for (i = L; i < M; i++)
      if (code_width(&f->lines[i]) > w) w = code_width(&f->lines[i]);
    for (i = L; i < M; i++) f->lines[i].comment_pad = (int)(w - code_width(&f->lines[i])) + COMMENT_GAP;
    L = M;
  }
}

static void spaces(Buf *b, int n) {
  while (n-- > 0) buf_putc(b, ' ');
}

static void emit(const Fmt *f, const Source *src, Buf *out) {
  size_t L;
  int k;
  if (src->len >= 3 && memcmp(src->text, "\xEF\xBB\xBF", 3) == 0) buf_add(out, src->text, 3);
  for (L = 0; L < f->nlines; L++) {
    const Line *l = &f->lines[L];
    if (l->blank) buf_putc(out, '\n');
    spaces(out, l->level * INDENT);
    for (k = 0; k <= l->npoints; k++) {
      if (k) spaces(out, l->pad[k]);
      buf_add(out, f->rendered.p + l->seg[k], l->seg[k + 1] - l->seg[k]);
    }
    if (l->comment >= 0) {
      const Item *c = &f->it.v[l->comment];
      spaces(out, l->comment_pad);
      buf_add(out, f->text + c->pos, c->end - c->pos);
    }
    buf_putc(out, '\n');
  }
}

/* ---- the check that only white space changed ---- */

static int same_items(const Source *a, const Items *x, const Source *b, const Items *y, uint32_t *where) {
  size_t i;
  for (i = 0; i < x->n && i < y->n; i++) {
    const Item *p = &x->v[i], *q = &y->v[i];
    if (p->type != q->type || p->kind != q->kind || p->end - p->pos != q->end - q->pos ||
        memcmp(a->text + p->pos, b->text + q->pos, p->end - p->pos) != 0) {
      *where = p->pos;
      return 0;
    }
  }
  *where = i < x->n ? x->v[i].pos : a->len;
  return x->n == y->n;
}

int fmt_source(Source *src, Diags *d, Buf *out) {
  Fmt f;
  Ast ast;
  Source again;
  Items flat = {NULL, 0, 0}, check = {NULL, 0, 0};
  Diags quiet;
  size_t start = out->n;
  uint32_t where = 0;
  int rc = 0;

  memset(&f, 0, sizeof f);
  f.text = src->text;
  ast_init(&ast, src);
  if (parse_source(&ast, d, PARSE_FILE, NULL) != 0 || lex_items(src, d, 1, &f.it, &f.tok, &f.ntok) != 0) {
    ast_free(&ast);
    mem_free(f.it.v);
    mem_free(f.tok);
    return -1;
  }
  if (ast.root) visit(&f, ast.root, 0);
  ast_free(&ast);
  if (f.nstarts) qsort(f.starts, f.nstarts, sizeof *f.starts, cmp_u32);

  pair_brackets(&f.it);
  decide_breaks(&f.it);
  split_lines(&f);
  set_levels(&f);
  render(&f);
  align_columns(&f);
  align_comments(&f);
  emit(&f, src, out);

  /* The result must lex to the same tokens and comments. */
  src_from_string(&again, src->name, out->p ? out->p + start : "", out->n - start);
  diag_init(&quiet);
  collect(src, f.tok, f.ntok, 0, &flat);
  if (lex_items(&again, &quiet, 0, &check, NULL, NULL) != 0 || !same_items(src, &flat, &again, &check, &where)) {
    Diag *dg = diag_add(d, SEV_ERROR, "internal", src, where, where,
                        "formatting would change the tokens or comments here; the file is left as it is");
    diag_hint(dg, "this is a bug in rbk fmt, please report it");
    out->n = start;
    if (out->p) out->p[start] = '\0';
    rc = -1;
  }
  diag_free(&quiet);
  src_free(&again);
  mem_free(flat.v);
  mem_free(check.v);
  mem_free(f.it.v);
  mem_free(f.tok);
  mem_free(f.lines);
  mem_free(f.starts);
  buf_free(&f.rendered);
  return rc;
}
