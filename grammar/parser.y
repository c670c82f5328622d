/*
** parser.y -- the rbk grammar: a pure, reentrant bison parser that builds
** the syntax tree in the Ast arena. Statements need no separators: every
** statement starts with a keyword or a name, and an expression can never
** be followed by either, so the grammar is LALR(1) with no conflicts.
**
** Error recovery: `error` alternatives at declaration and statement level
** and inside brackets let one pass report several independent errors;
** bison's three-token rule suppresses cascades. A header that goes wrong
** before its block (`step go 42 {`, `if x = 1 {`) resynchronises on that
** block (`STEP error block`, `IF error block`, ...), so its braces stay
** paired and the code after it is not misread. Declarations that belong
** at the top (fn, extern, import) are accepted as statements too, for the
** checker to say where they belong. Semantic values need no
** %destructor: every node lives in the parse arena, which is dropped
** whole when the parse fails, so discarded values cannot leak.
*/
%define api.pure full
%define parse.error custom
%locations
%define api.location.type {Span}
%expect 0
%parse-param {struct Parser *p} {void *scanner}
%lex-param {void *scanner}

%code requires {
#include "parser_state.h"
}

%code {
#include <ctype.h>
#include <stdarg.h>
#include <string.h>

#include "../base/suggest.h"

#define YYMAXDEPTH 10000
#define YYLLOC_DEFAULT(Cur, Rhs, N)                          \
  do {                                                       \
    if (N) { (Cur).pos = YYRHSLOC(Rhs, 1).pos; (Cur).end = YYRHSLOC(Rhs, N).end; } \
    else { (Cur).pos = (Cur).end = YYRHSLOC(Rhs, 0).end; }   \
  } while (0)

int yylex(YYSTYPE *lval, YYLTYPE *lloc, void *scanner);
static void yyerror(YYLTYPE *loc, struct Parser *p, void *scanner, const char *msg);

/* mk builds a node spanning loc and enforces AST_MAX_DEPTH. */
static Node *mk(struct Parser *p, NodeKind k, YYLTYPE loc, Node *a, Node *b, Node *c, Node *d) {
  Node *n = ast_node(p->ast, k, loc, a, b, c, d);
  if (n->depth > AST_MAX_DEPTH && !p->fatal) {
    Diag *dg = parser_error(p, loc.pos, loc.end, "nesting too deep (more than %d levels)", AST_MAX_DEPTH);
    diag_hint(dg, "split the expression or block into smaller parts, functions or steps");
    p->fatal = 1;
  }
  return n;
}
static Node *bin(struct Parser *p, YYLTYPE loc, int op, Node *a, Node *b) {
  Node *n = mk(p, N_BINARY, loc, a, b, NULL, NULL);
  n->op = (uint8_t)op;
  return n;
}
static Node *un(struct Parser *p, YYLTYPE loc, int op, Node *a) {
  Node *n = mk(p, N_UNARY, loc, a, NULL, NULL, NULL);
  n->op = (uint8_t)op;
  return n;
}
static NodeList one(Node *n) { NodeList l = {n, n}; return l; }
static NodeList add(NodeList l, Node *n) {
  if (!n) return l;
  if (!l.head) l.head = n; else l.tail->next = n;
  l.tail = n;
  return l;
}
static NodeList none(void) { NodeList l = {NULL, NULL}; return l; }
/* call_or_sample builds a call, or sample(EXPR, for D, every D) from the
** options `for D` and `every D`, which no other call takes: they never
** leave the parser (N_OPTARG). */
static Node *call_or_sample(struct Parser *p, YYLTYPE loc, Node *callee, Node *args) {
  Node *q, *opt = NULL, *e = args, *f, *ev;
  Diag *dg;
  for (q = args; q; q = q->next)
    if (q->kind == N_OPTARG && !opt) opt = q;
  if (!opt) return mk(p, N_CALL, loc, callee, args, NULL, NULL);
  if (!callee || callee->kind != N_NAME || strcmp(callee->str, "sample") != 0) {
    dg = parser_error(p, opt->span.pos, opt->span.end, "'%s' is an argument of sample() only",
                      opt->op == 'f' ? "for D" : "every D");
    if (dg) diag_hint(dg, "sample(EXPR, for D, every D) is the list of the values EXPR takes, every D for D");
    return mk(p, N_NIL, loc, NULL, NULL, NULL, NULL);
  }
  f = e ? e->next : NULL;
  ev = f ? f->next : NULL;
  if (!e || e->kind == N_OPTARG || !f || f->kind != N_OPTARG || f->op != 'f' || !ev || ev->kind != N_OPTARG ||
      ev->op != 'e' || ev->next) {
    dg = parser_error(p, loc.pos, loc.end, "sample() is written sample(EXPR, for D, every D)");
    if (dg) diag_hint(dg, "for example: sample(probe(\"p95\"), for 5m, every 10s)");
    return mk(p, N_NIL, loc, NULL, NULL, NULL, NULL);
  }
  e->next = NULL;
  return mk(p, N_SAMPLE, loc, e, ev->a, f->a, NULL);
}
/* builtin names a call to a keyword-spelled builtin such as run(...). */
static Node *builtin(struct Parser *p, YYLTYPE loc, const char *name) {
  Node *n = mk(p, N_NAME, loc, NULL, NULL, NULL, NULL);
  n->str = ast_intern(p->ast, name, strlen(name));
  n->len = (uint32_t)strlen(name);
  return n;
}
}

%union {
  Node *node;
  NodeList list;
}

%token START_FILE START_STMTS START_EXPR
%token <node> IDENT "identifier" NUMBER "number" DURATION "duration"
%token <node> BOOLEAN "boolean" STR_TEXT "string text"
%token <node> SQ_STRING "single-quoted string"
%token <node> STR_WHOLE "plain string"   /* "text": STR_BEGIN STR_TEXT STR_END in one; never named in a message */
%token STR_BEGIN "string" STR_END "end of string"
%token INTERP_BEGIN "'${'" INTERP_END "'}' of '${'"
%token RUNBOOK "'runbook'" VERSION "'version'" OWNER "'owner'" WINDOW "'window'"
%token HOSTS "'hosts'" KIND "'kind'"
%token ROLE "'role'" PARAM "'param'" SECRET "'secret'" PROBE "'probe'"
%token TRIGGER "'trigger'" WHEN "'when'" REQUIRE "'require'" IMPORT "'import'"
%token STEP "'step'" TIMEOUT "'timeout'" EXPECT "'expect'" RETRY "'retry'"
%token EVERY "'every'" AFTER "'after'" IDEMPOTENT "'idempotent'"
%token IRREVERSIBLE "'irreversible'" UNDO "'undo'" ON "'on'" RUN "'run'"
%token LET "'let'" VERIFY "'verify'" IF "'if'" THEN "'then'" ELSE "'else'"
%token FOR "'for'" IN "'in'" WAIT "'wait'" UNTIL "'until'" MANUAL "'manual'" HOLD "'hold'"
%token ASK "'ask'" APPROVE "'approve'" BY "'by'" NOTIFY "'notify'" NOTIFIER "'notifier'" LOG "'log'"
%token FAIL "'fail'" RETURN "'return'" FN "'fn'" EXTERN "'extern'" NIL "'nil'"
%token AND "'and'" OR "'or'" NOT "'not'"
%token VIA "'via'" REQUIRED "'required'"
%token EQ "'=='" NE "'!='" LE "'<='" GE "'>='" MATCH "'=~'" DEFAULT "'??'" ARROW "'->'"

%precedence IFX
%left OR
%left AND
%precedence NOT
%nonassoc EQ NE '<' LE '>' GE MATCH
%right DEFAULT
%left '+' '-'
%left '*' '/' '%'
%precedence UNARY
/* A call, a field and an index bind tightest of all: expr '(' args ')',
** expr '.' IDENT and expr '[' expr ']' are rules of expr itself, which
** spares every name, number and string one reduction (through a
** `postfix` symbol) on its way to being an expr. The %token line keeps
** the symbols' numbers (and so the order of the tokens that a syntax
** error lists as expected) what they were before these had a precedence. */
%token '{' '}' '=' '(' ')' ',' '.' '[' ']' ':'
%precedence '.' '(' '['

%type <node> decl stmt expr string opt_title opt_msg block
%type <node> chain fn_decl extern_decl import_decl else_part opt_type
%type <list> topts decls stmts contacts names args arglist parts params paramlist repl_items
%type <list> map_items map_pairs
%type <node> map_key

%start top

%%

top
  : START_FILE decls           { p->ast->root = mk(p, N_PROGRAM, @$, $2.head, NULL, NULL, NULL); }
  | START_STMTS repl_items     { p->ast->root = mk(p, N_PROGRAM, @$, $2.head, NULL, NULL, NULL); }
  | START_EXPR expr            { p->result = $2; }
  ;

/* decls -> {decl} */
decls
  : %empty                     { $$ = none(); }
  | decls decl                 { $$ = add($1, $2); }
  | decls error                { $$ = $1; }
  ;

decl
  : RUNBOOK string '{' decls '}'        { $$ = mk(p, N_RUNBOOK, @$, $2, $4.head, NULL, NULL); }
  | VERSION expr                        { $$ = mk(p, N_VERSION, @$, $2, NULL, NULL, NULL); }
  | OWNER IDENT                         { $$ = mk(p, N_OWNER, @$, $2, NULL, NULL, NULL); }
  | WINDOW expr                         { $$ = mk(p, N_WINDOW, @$, $2, NULL, NULL, NULL); }
  | KIND IDENT                          { $$ = mk(p, N_KIND, @$, $2, NULL, NULL, NULL); }
  | ROLE IDENT string contacts          { $$ = mk(p, N_ROLE, @$, $2, $3, $4.head, NULL); }
  | PARAM IDENT                         { $$ = mk(p, N_PARAM, @$, $2, NULL, NULL, NULL); }
  | PARAM IDENT '=' expr                { $$ = mk(p, N_PARAM, @$, $2, $4, NULL, NULL); }
  | SECRET IDENT                        { $$ = mk(p, N_SECRET, @$, $2, NULL, NULL, NULL); }
  | SECRET IDENT '=' expr               { $$ = mk(p, N_SECRET, @$, $2, $4, NULL, NULL); }
  | PROBE IDENT '=' expr                { $$ = mk(p, N_PROBE, @$, $2, $4, NULL, NULL); }
  | TRIGGER string IDENT WHEN expr      { $$ = mk(p, N_TRIGGER, @$, $2, $3, $5, NULL); }
  | TRIGGER string IDENT WHEN expr FOR expr { $$ = mk(p, N_TRIGGER, @$, $2, $3, $5, $7); }
  | NOTIFIER expr                       { $$ = mk(p, N_NOTIFIER, @$, $2, NULL, NULL, NULL); }
  | NOTIFIER IDENT IDENT expr contacts  { $$ = mk(p, N_NOTIFIER, @$, $4, $2, $3, $5.head); }
  | ON IDENT UNDO                       { $$ = mk(p, N_BACKOUT, @$, $2, NULL, NULL, NULL); }
  | ON IDENT RUN expr                   { $$ = mk(p, N_BACKOUT, @$, $2, $4, NULL, NULL); }
  | RUNBOOK error '{' decls '}'         { $$ = NULL; }
  | REQUIRE string block                { $$ = mk(p, N_REQUIRE, @$, $2, $3, NULL, NULL); }
  | REQUIRE IDENT BY IDENT              { $$ = mk(p, N_PLANAPPROVAL, @$, $2, $4, NULL, NULL); }
  | REQUIRE error block                 { $$ = NULL; }
  | STEP IDENT opt_title block          { $$ = mk(p, N_STEP, @$, $2, $3, $4, NULL); }
  | STEP IDENT opt_title ON IDENT topts block
                                        { Node *t = mk(p, N_TARGET, @5, $5, $6.head, NULL, NULL);
                                          t->span.end = @6.end > @5.end ? @6.end : @5.end;
                                          $$ = mk(p, N_STEP, @$, $2, $3, $7, t); }
  | HOSTS IDENT '=' expr                { $$ = mk(p, N_HOSTS, @$, $2, $4, NULL, NULL); }
  | STEP error block                    { $$ = NULL; }
  | fn_decl
  | extern_decl
  | import_decl
  ;

fn_decl
  : FN IDENT '(' params ')' block       { $$ = mk(p, N_FN, @$, $2, $4.head, $6, NULL); }
  | FN error block                      { $$ = NULL; }
  ;
extern_decl
  : EXTERN string FN IDENT '(' params ')' opt_type
                                        { $$ = mk(p, N_EXTERN, @$, $2, $4, $6.head, $8); }
  ;
import_decl
  : IMPORT string                       { $$ = mk(p, N_IMPORT, @$, $2, NULL, NULL, NULL); }
  ;
opt_type
  : %empty                              { $$ = NULL; }
  | ARROW IDENT                         { $$ = $2; }
  ;
params
  : %empty                              { $$ = none(); }
  | paramlist
  | paramlist ','
  ;
paramlist
  : IDENT                               { $$ = one($1); }
  | paramlist ',' IDENT                 { $$ = add($1, $3); }
  ;

contacts
  : %empty                              { $$ = none(); }
  | contacts IDENT string               { $$ = add($1, mk(p, N_CONTACT, @2, $2, $3, NULL, NULL));
                                          $$.tail->span.end = @3.end; }
  /* a role's notifier: notify NAME ["where"] (op = 1) */
  | contacts NOTIFY IDENT               { $$ = add($1, mk(p, N_CONTACT, @2, $3, NULL, NULL, NULL));
                                          $$.tail->op = 1; $$.tail->span.end = @3.end; }
  | contacts NOTIFY IDENT string        { $$ = add($1, mk(p, N_CONTACT, @2, $3, $4, NULL, NULL));
                                          $$.tail->op = 1; $$.tail->span.end = @4.end; }
  ;

/* the targeting options after `on GROUP`: NAME N or NAME N% (checked by the checker) */
topts
  : %empty                              { $$ = none(); }
  | topts IDENT NUMBER                  { Node *o = mk(p, N_TOPT, @2, $2, $3, NULL, NULL);
                                          o->span.end = @3.end; $$ = add($1, o); }
  | topts IDENT NUMBER '%'              { Node *o = mk(p, N_TOPT, @2, $2, $3, NULL, NULL);
                                          o->span.end = @4.end; o->op = 1; $$ = add($1, o); }
  ;

opt_title
  : %empty                              { $$ = NULL; }
  | string
  ;

block
  : '{' stmts '}'                       { $$ = mk(p, N_BLOCK, @$, $2.head, NULL, NULL, NULL); }
  ;

/* stmts -> {stmt} */
stmts
  : %empty                              { $$ = none(); }
  | stmts stmt                          { $$ = add($1, $2); }
  | stmts error                         { $$ = $1; }
  ;

/* REPL input: statements, and (as statements) fn, extern and import. */
repl_items
  : %empty                              { $$ = none(); }
  | repl_items stmt                     { $$ = add($1, $2); }
  | repl_items error                    { $$ = $1; }
  ;

stmt
  : RUN expr                            { $$ = mk(p, N_RUN, @$, $2, NULL, NULL, NULL); }
  | IDENT RUN expr                      {
      if (strcmp($1->str, "local") != 0) {
        Diag *d = parser_error(p, @1.pos, @1.end, "unexpected '%s' before 'run'", $1->str);
        diag_hint(d, "to run a command on the control machine inside a step on hosts, write: local run \"...\"");
        $$ = NULL;
      } else {
        $$ = mk(p, N_RUN, @$, $3, NULL, NULL, NULL);
        $$->op = 1;
      }
    }
  | LET IDENT '=' expr                  { $$ = mk(p, N_LET, @$, $2, $4, NULL, NULL); }
  | IDENT '=' expr                      { $$ = mk(p, N_ASSIGN, @$, $1, $3, NULL, NULL); }
  | chain                               { $$ = mk(p, N_EXPR, @$, $1, NULL, NULL, NULL); }
  | VERIFY expr opt_msg                 { $$ = mk(p, N_VERIFY, @$, $2, $3, NULL, NULL); }
  | IF expr THEN stmt                   { $$ = mk(p, N_IF, @$, $2, $4, NULL, NULL); $$->op = 1; }
  | IF expr block else_part             { $$ = mk(p, N_IF, @$, $2, $3, $4, NULL); }
  | IF error THEN stmt                  { $$ = NULL; }
  | IF error block else_part            { $$ = NULL; }
  | FOR IDENT IN expr block             { $$ = mk(p, N_FOR, @$, $2, $4, $5, NULL); }
  | FOR error block                     { $$ = NULL; }
  | WAIT UNTIL expr TIMEOUT expr        { $$ = mk(p, N_WAIT, @$, $3, NULL, $5, NULL); }
  | WAIT UNTIL expr EVERY expr TIMEOUT expr { $$ = mk(p, N_WAIT, @$, $3, $5, $7, NULL); }
  | HOLD expr FOR expr opt_msg          { $$ = mk(p, N_HOLD, @$, $2, NULL, $4, $5); }
  | HOLD expr FOR expr EVERY expr opt_msg { $$ = mk(p, N_HOLD, @$, $2, $6, $4, $7); }
  | MANUAL expr                         { $$ = mk(p, N_MANUAL, @$, $2, NULL, NULL, NULL); }
  | ASK expr                            { $$ = mk(p, N_ASK, @$, $2, NULL, NULL, NULL); }
  | APPROVE BY IDENT opt_msg            { $$ = mk(p, N_APPROVE, @$, $3, $4, NULL, NULL); }
  | APPROVE BY IDENT OR IDENT opt_msg   { $$ = mk(p, N_APPROVE, @$, $3, $6, $5, NULL); }
  | APPROVE BY NUMBER IDENT names opt_msg { $$ = mk(p, N_APPROVE, @$, $5.head, $6, $4, $3); }
  | NOTIFY IDENT expr                   { $$ = mk(p, N_NOTIFY, @$, $2, $3, NULL, NULL); }
  | NOTIFY IDENT expr VIA IDENT         { $$ = mk(p, N_NOTIFY, @$, $2, $3, $5, NULL); }
  | NOTIFY IDENT expr REQUIRED          { $$ = mk(p, N_NOTIFY, @$, $2, $3, NULL, NULL); $$->op = 1; }
  | NOTIFY IDENT expr VIA IDENT REQUIRED { $$ = mk(p, N_NOTIFY, @$, $2, $3, $5, NULL); $$->op = 1; }
  | LOG expr                            { $$ = mk(p, N_LOG, @$, $2, NULL, NULL, NULL); }
  | FAIL expr                           { $$ = mk(p, N_FAIL, @$, $2, NULL, NULL, NULL); }
  | RETURN expr                         { $$ = mk(p, N_RETURN, @$, $2, NULL, NULL, NULL); }
  | OWNER IDENT                         { $$ = mk(p, N_OWNER, @$, $2, NULL, NULL, NULL); }
  | TIMEOUT expr                        { $$ = mk(p, N_TIMEOUT, @$, $2, NULL, NULL, NULL); }
  | EXPECT expr                         { $$ = mk(p, N_EXPECT, @$, $2, NULL, NULL, NULL); }
  | RETRY expr                          { $$ = mk(p, N_RETRY, @$, $2, NULL, NULL, NULL); }
  | RETRY expr EVERY expr               { $$ = mk(p, N_RETRY, @$, $2, $4, NULL, NULL); }
  | AFTER names                         { $$ = mk(p, N_AFTER, @$, $2.head, NULL, NULL, NULL); }
  | IDEMPOTENT                          { $$ = mk(p, N_IDEMPOTENT, @$, NULL, NULL, NULL, NULL); }
  | IRREVERSIBLE expr                   { $$ = mk(p, N_IRREVERSIBLE, @$, $2, NULL, NULL, NULL); }
  | UNDO block                          { $$ = mk(p, N_UNDO, @$, $2, NULL, NULL, NULL); }
  | UNDO error block                    { $$ = NULL; }
  | ON IDENT block                      {
      /* `on batch { ... }`: the gate before each batch of a step on hosts but the first */
      if (strcmp($2->str, "batch") == 0) $$ = mk(p, N_BETWEEN, @$, $3, NULL, NULL, NULL);
      else $$ = mk(p, N_ONFAIL, @$, $2, $3, NULL, NULL);
    }
  | ON FAIL block                       {
      /* `fail` is a keyword, so this is no name: say what was meant. */
      Diag *d = parser_error(p, @2.pos, @2.end, "expected 'failure' after 'on', found 'fail'");
      diag_hint(d, "a handler is written: on failure { ... }");
      $$ = NULL;
    }
  | ON error block                      { $$ = NULL; }
  /* Declarations out of place: parsed, then refused by the checker. */
  | fn_decl
  | extern_decl
  | import_decl
  ;

else_part
  : %empty                              { $$ = NULL; }
  | ELSE block                          { $$ = $2; }
  | ELSE error block                    { $$ = NULL; }
  | ELSE IF expr block else_part        { $$ = mk(p, N_IF, @2, $3, $4, $5, NULL);
                                          $$->span.end = @$.end; }
  ;

/* chain -> name {'.' name | '(' args ')' | '[' expr ']'}+ : a call used as a statement */
chain
  : IDENT '.' IDENT                     { $$ = mk(p, N_FIELD, @$, $1, $3, NULL, NULL); }
  | IDENT '(' args ')'                  { $$ = call_or_sample(p, @$, $1, $3.head); }
  | IDENT '[' expr ']'                  { $$ = mk(p, N_INDEX, @$, $1, $3, NULL, NULL); }
  | chain '.' IDENT                     { $$ = mk(p, N_FIELD, @$, $1, $3, NULL, NULL); }
  | chain '(' args ')'                  { $$ = call_or_sample(p, @$, $1, $3.head); }
  | chain '[' expr ']'                  { $$ = mk(p, N_INDEX, @$, $1, $3, NULL, NULL); }
  ;

opt_msg
  : %empty                              { $$ = NULL; }
  | string
  ;

names
  : IDENT                               { $$ = one($1); }
  | names ',' IDENT                     { $$ = add($1, $3); }
  ;

/* Precedence, lowest first: if-then-else (its else takes all that
** follows: if a then b else c + d is if a then b else (c + d)); or; and; not; comparisons and =~ (not
** chained); ??; + -; * / %; unary -; postfix. */
expr
  : expr OR expr                        { $$ = bin(p, @$, AOP_OR, $1, $3); }
  | expr AND expr                       { $$ = bin(p, @$, AOP_AND, $1, $3); }
  | NOT expr                            { $$ = un(p, @$, AOP_NOT, $2); }
  | expr EQ expr                        { $$ = bin(p, @$, AOP_EQ, $1, $3); }
  | expr NE expr                        { $$ = bin(p, @$, AOP_NE, $1, $3); }
  | expr '<' expr                       { $$ = bin(p, @$, AOP_LT, $1, $3); }
  | expr LE expr                        { $$ = bin(p, @$, AOP_LE, $1, $3); }
  | expr '>' expr                       { $$ = bin(p, @$, AOP_GT, $1, $3); }
  | expr GE expr                        { $$ = bin(p, @$, AOP_GE, $1, $3); }
  | expr MATCH expr                     { $$ = bin(p, @$, AOP_MATCH, $1, $3); }
  | expr DEFAULT expr                   { $$ = bin(p, @$, AOP_DEFAULT, $1, $3); }
  | expr '+' expr                       { $$ = bin(p, @$, AOP_ADD, $1, $3); }
  | expr '-' expr                       { $$ = bin(p, @$, AOP_SUB, $1, $3); }
  | expr '*' expr                       { $$ = bin(p, @$, AOP_MUL, $1, $3); }
  | expr '/' expr                       { $$ = bin(p, @$, AOP_DIV, $1, $3); }
  | expr '%' expr                       { $$ = bin(p, @$, AOP_MOD, $1, $3); }
  | '-' expr %prec UNARY                { $$ = un(p, @$, AOP_NEG, $2); }
  | IF expr THEN expr ELSE expr %prec IFX { $$ = mk(p, N_COND, @$, $2, $4, $6, NULL); }
  | IDENT
  | NUMBER
  | DURATION
  | BOOLEAN
  | NIL                                 { $$ = mk(p, N_NIL, @$, NULL, NULL, NULL, NULL); }
  | string
  | '(' expr ')'                        { $$ = $2; }
  | '(' error ')'                       { $$ = mk(p, N_NIL, @$, NULL, NULL, NULL, NULL); }
  | '[' args ']'                        { $$ = mk(p, N_LIST, @$, $2.head, NULL, NULL, NULL); }
  | '[' error ']'                       { $$ = mk(p, N_LIST, @$, NULL, NULL, NULL, NULL); }
  | '{' map_items '}'                   { $$ = mk(p, N_MAP, @$, $2.head, NULL, NULL, NULL); }
  | RUN '(' args ')'                    { $$ = call_or_sample(p, @$, builtin(p, @1, "run"), $3.head); }
  | ASK '(' args ')'                    { $$ = call_or_sample(p, @$, builtin(p, @1, "ask"), $3.head); }
  | PROBE '(' args ')'                  { $$ = call_or_sample(p, @$, builtin(p, @1, "probe"), $3.head); }
  | expr '.' IDENT                      { $$ = mk(p, N_FIELD, @$, $1, $3, NULL, NULL); }
  | expr '(' args ')'                   { $$ = call_or_sample(p, @$, $1, $3.head); }
  | expr '[' expr ']'                   { $$ = mk(p, N_INDEX, @$, $1, $3, NULL, NULL); }
  | expr '(' error ')'                  { $$ = $1; }
  ;


/* map_items -> [key ':' expr {',' key ':' expr} [',']]: keys and values, alternating */
map_items
  : %empty                              { $$ = none(); }
  | map_pairs
  | map_pairs ','
  ;
map_pairs
  : map_key ':' expr                    { $$ = add(one($1), $3); }
  | map_pairs ',' map_key ':' expr      { $$ = add(add($1, $3), $5); }
  ;
map_key
  : IDENT                               { $$ = mk(p, N_STR, @$, NULL, NULL, NULL, NULL); $$->str = $1->str;
                                          $$->len = (uint32_t)strlen($1->str); }
  | TIMEOUT                             { $$ = mk(p, N_STR, @$, NULL, NULL, NULL, NULL); $$->str = "timeout";
                                          $$->len = 7; }   /* http's option; any other keyword: quote it */
  | string
  ;

args
  : %empty                              { $$ = none(); }
  | arglist
  | arglist ','
  ;
arglist
  : expr                                { $$ = one($1); }
  | arglist ',' expr                    { $$ = add($1, $3); }
  | arglist ',' FOR expr                { $$ = add($1, mk(p, N_OPTARG, @$, $4, NULL, NULL, NULL)); $$.tail->op = 'f';
                                          $$.tail->span.pos = @3.pos; }
  | arglist ',' EVERY expr              { $$ = add($1, mk(p, N_OPTARG, @$, $4, NULL, NULL, NULL)); $$.tail->op = 'e';
                                          $$.tail->span.pos = @3.pos; }
  ;

/* string -> '"' {text | '${' expr '}'} '"' : a STR when constant, else a TMPL */
string
  : STR_BEGIN parts STR_END             {
      if (!$2.head) {
        $$ = mk(p, N_STR, @$, NULL, NULL, NULL, NULL);
        $$->str = "";
      } else if ($2.head == $2.tail && $2.head->kind == N_STR) {
        $$ = $2.head;
        $$->span = @$;
      } else {
        $$ = mk(p, N_TMPL, @$, $2.head, NULL, NULL, NULL);
      }
    }
  | SQ_STRING                           /* 'text': already reported by the lexer */
  | STR_WHOLE                           {
      /* As many shifts for the error recovery's three-token rule as the
      ** STR_BEGIN [STR_TEXT] STR_END it stands for. */
      $$ = $1;
      if (yyerrstatus) yyerrstatus = yyerrstatus > ($1->len ? 2 : 1) ? yyerrstatus - ($1->len ? 2 : 1) : 0;
    }
  ;
parts
  : %empty                              { $$ = none(); }
  | parts STR_TEXT                      { $$ = add($1, $2); }
  | parts INTERP_BEGIN expr INTERP_END  { $$ = add($1, $3); }
  | parts INTERP_BEGIN error INTERP_END { $$ = $1; }
  ;

%%

static const char *const keywords[] = {
  "runbook", "version", "owner", "window", "role", "param", "secret", "probe",
  "trigger", "when", "require", "import", "step", "timeout", "expect", "retry",
  "every", "after", "idempotent", "irreversible", "undo", "on", "run", "let",
  "verify", "if", "then", "else", "for", "in", "wait", "until", "hold", "manual", "ask",
  "approve", "by", "notify", "notifier", "log", "fail", "return", "fn", "extern", "true",
  "false", "nil", "and", "or", "not", "via", "required", NULL,
};

Diag *parser_error(struct Parser *p, uint32_t pos, uint32_t end, const char *fmt, ...) {
  va_list ap;
  Buf b = BUF_INIT;
  Diag *d;
  if (p->fatal) return NULL;
  if (p->diags->errors >= DIAG_MAX_ERRORS) {
    /* Past the limit the error is only counted: the list is marked
    ** truncated, and "too many errors (N)" says how many there were. */
    diag_add(p->diags, SEV_ERROR, "syntax", p->src, pos, end, "%s", "");
    return NULL;
  }
  va_start(ap, fmt);
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  d = diag_add(p->diags, SEV_ERROR, "syntax", p->src, pos, end, "%s", buf_cstr(&b));
  buf_free(&b);
  return d;
}

static void yyerror(YYLTYPE *loc, struct Parser *p, void *scanner, const char *msg) {
  (void)scanner;
  if (strcmp(msg, "memory exhausted") == 0) {
    /* a plain string (STR_WHOLE) is located by its opening quote, as STR_BEGIN */
    uint32_t end = loc->pos == p->whole_pos ? loc->pos + 1 : loc->end;
    Diag *d = parser_error(p, loc->pos, end, "nesting too deep (parser stack exhausted)");
    diag_hint(d, "split the expression or block into smaller parts, functions or steps");
    p->fatal = 1;
  } else {
    parser_error(p, loc->pos, loc->end, "%s", msg);
  }
}

static int is_keyword_token(yysymbol_kind_t k) {
  return k >= YYSYMBOL_RUNBOOK && k <= YYSYMBOL_NOT;
}

/* sym_is says whether k is the symbol named name, as in a message ("'<'"):
** a character token's symbol number is bison's, not the character. */
static int sym_is(yysymbol_kind_t k, const char *name) { return strcmp(yysymbol_name(k), name) == 0; }

/* after_operand says whether k is a binary operator that only an operand
** can come before (not '-', which may begin an expression). */
static int after_operand(yysymbol_kind_t k) {
  static const char *const ops[] = {"'<'", "'>'", "'+'", "'*'", "'/'", "'%'"};
  size_t i;
  switch (k) {
    case YYSYMBOL_OR: case YYSYMBOL_AND: case YYSYMBOL_EQ: case YYSYMBOL_NE: case YYSYMBOL_LE:
    case YYSYMBOL_GE: case YYSYMBOL_MATCH: case YYSYMBOL_DEFAULT:
      return 1;
    default:
      for (i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (sym_is(k, ops[i])) return 1;
      return 0;
  }
}

static int is_comparison(struct Parser *p, yysymbol_kind_t k, const YYLTYPE *loc) {
  char c = p->src->text[loc->pos];
  return k == YYSYMBOL_EQ || k == YYSYMBOL_NE || k == YYSYMBOL_LE || k == YYSYMBOL_GE ||
         k == YYSYMBOL_MATCH || (loc->end == loc->pos + 1 && (c == '<' || c == '>'));
}

/* The spelling of a token in a message: its text for names and numbers. */
static void describe(struct Parser *p, yysymbol_kind_t k, const YYLTYPE *loc, Buf *b) {
  uint32_t n = loc->end - loc->pos;
  const char *t = p->src->text + loc->pos;
  if (k == YYSYMBOL_YYEOF) { buf_puts(b, "end of file"); return; }
  if (k == YYSYMBOL_IDENT || k == YYSYMBOL_NUMBER || k == YYSYMBOL_DURATION) {
    buf_printf(b, "%s '%.*s'", yysymbol_name(k), n > 40 ? 40 : (int)n, t);
    return;
  }
  buf_puts(b, yysymbol_name(k));
}

static int yyreport_syntax_error(const yypcontext_t *ctx, struct Parser *p, void *scanner) {
  /* At most MAXEXP expected tokens, else none are listed; STR_WHOLE,
  ** expected wherever STR_BEGIN is, is left out before counting. */
  enum { MAXEXP = 48 };
  yysymbol_kind_t exp[YYNTOKENS];
  yysymbol_kind_t tok = yypcontext_token(ctx);
  YYLTYPE whole_loc;
  const YYLTYPE *loc = yypcontext_location(ctx);
  int n = yypcontext_expected_tokens(ctx, exp, YYNTOKENS), i, j, wants_ident = 0, wants_expr = 0, wants_op = 0;
  int wants_else = 0;
  Buf b = BUF_INIT;
  Diag *d;
  if (p->fatal) return 0;
  if (tok == YYSYMBOL_YYEOF && p->eof_reported) return 0;   /* the lexer said why */
  if (tok == YYSYMBOL_YYEOF) p->at_eof = 1;
  if (tok == YYSYMBOL_STR_WHOLE) {   /* the plain string is told as the STR_BEGIN it stands for */
    tok = YYSYMBOL_STR_BEGIN;
    whole_loc = *loc;
    whole_loc.end = whole_loc.pos + 1;
    loc = &whole_loc;
  }
  for (i = j = 0; i < n; i++)
    if (exp[i] != YYSYMBOL_STR_WHOLE) exp[j++] = exp[i];
  n = j > MAXEXP ? 0 : j;
  /* Leave out what only error recovery accepts: a 'single-quoted string'
  ** and the 'fail' of `on fail`. */
  for (i = 0; i < n; i++)
    if (exp[i] == YYSYMBOL_IDENT) wants_ident = 1;
  for (i = j = 0; i < n; i++)
    if (exp[i] != YYSYMBOL_SQ_STRING && !(exp[i] == YYSYMBOL_FAIL && wants_ident)) exp[j++] = exp[i];
  n = j;
  /* After a whole operand, a call, field or index may follow it, but as
  ** the continuation of the operand, not as what the error is about:
  ** where an operator is expected too, '(', '.' and '[' are not listed. */
  for (i = 0; i < n && !after_operand(exp[i]); i++) continue;
  if (i < n) {
    for (i = j = 0; i < n; i++)
      if (!sym_is(exp[i], "'('") && !sym_is(exp[i], "'.'") && !sym_is(exp[i], "'['")) exp[j++] = exp[i];
    n = j;
  }
  for (i = 0; i < n; i++) {
    if (exp[i] == YYSYMBOL_IDENT) wants_ident = 1;
    if (exp[i] == YYSYMBOL_NUMBER) wants_expr = 1;
    if (exp[i] == YYSYMBOL_EQ) wants_op = 1;
    if (exp[i] == YYSYMBOL_ELSE) wants_else = 1;
  }
  buf_puts(&b, "unexpected ");
  describe(p, tok, loc, &b);
  if (wants_expr && n > 6) {
    buf_puts(&b, ", expected an expression");
  } else if (n > 0 && n <= 6) {
    buf_puts(&b, ", expected ");
    for (i = 0; i < n; i++) {
      if (i) buf_puts(&b, i == n - 1 ? " or " : ", ");
      buf_puts(&b, yysymbol_name(exp[i]));
    }
  }
  d = parser_error(p, loc->pos, loc->end, "%s", buf_cstr(&b));
  buf_free(&b);
  if (tok == YYSYMBOL_YYEOF && p->depth > 0) {
    int line, col;
    char k = p->open_kind[p->depth - 1];
    lexer_restore_source(scanner);   /* the text whole again, for the line map */
    src_linecol(p->src, p->open_pos[p->depth - 1], &line, &col);
    diag_hint(d, "the '%s' at line %d, column %d is never closed",
              k == 'i' || k == 'I' ? "${" : k == '(' ? "(" : k == '[' ? "[" : "{", line, col);
  } else if (wants_ident && is_keyword_token(tok)) {
    diag_hint(d, "%s is a reserved word and cannot be used as a name", yysymbol_name(tok));
  } else if (wants_op && sym_is(tok, "'='")) {
    /* `if x = 1`: an assignment where a comparison belongs. */
    diag_hint(d, "to compare, write '=='");
  } else if (is_comparison(p, tok, loc)) {
    diag_hint(d, "comparisons do not chain: write 'a < b and b < c'");
  } else if (wants_else && wants_op) {
    /* `let x = if c then 1`: a value needs both branches. */
    diag_hint(d, "a conditional expression needs its else: if C then A else B");
  } else if (tok == YYSYMBOL_IDENT && n <= 6) {
    /* "ownr pm": a misspelt keyword looks like a name starting a call. */
    int prev = (int)loc->pos - 1;
    const char *t = p->src->text;
    while (prev >= 0 && (t[prev] == ' ' || t[prev] == '\t' || t[prev] == '\n' || t[prev] == '\r')) prev--;
    if (prev >= 0) {
      int s = prev;
      char word[64];
      Suggest sg;
      while (s > 0 && (isalnum((unsigned char)t[s - 1]) || t[s - 1] == '_')) s--;
      if (prev - s + 1 < (int)sizeof word && (isalpha((unsigned char)t[s]) || t[s] == '_')) {
        memcpy(word, t + s, (size_t)(prev - s + 1));
        word[prev - s + 1] = '\0';
        suggest_init(&sg, word);
        for (i = 0; keywords[i]; i++) suggest_add(&sg, keywords[i]);
        if (suggest_best(&sg))
          diag_hint(d, "'%s' is not a keyword; did you mean '%s'?", word, suggest_best(&sg));
      }
    }
  }
  return 0;
}
