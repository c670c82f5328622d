/*
** plan_words.h -- runbook code said in words, for the plan: conditions
** ("a person answers yes to “Is the team briefed?”"), statements and
** blocks ("run ${bin}/lb drain portal, then verify “no new connections”").
** Code inside the words is wrapped in PLAN_CODE_ON ... PLAN_CODE_OFF,
** the marks every text of the plan model uses (plan.h).
*/
#ifndef RBK_PLAN_WORDS_H
#define RBK_PLAN_WORDS_H

#include "../base/buf.h"
#include "../grammar/ast.h"

/* Code (a command, a condition, a name) inside a text of the plan: each
** renderer turns it into its own markup (review/docw.h). */
#define PLAN_CODE_ON "\002"
#define PLAN_CODE_OFF "\003"

/* A block said in words names at most this many statements, then "and N more". */
#define PLANW_MAX_STMTS 4

/* planw_cond appends a condition in words. */
void planw_cond(const Source *src, const Node *e, Buf *b);
/* planw_value appends a value in words: a literal as it reads, else code. */
void planw_value(const Source *src, const Node *e, Buf *b);
/* planw_stmt appends one statement in words. */
void planw_stmt(const Source *src, const Node *s, Buf *b);
/* planw_block appends a statement list in words, joined by ", then ". */
void planw_block(const Source *src, const Node *stmts, Buf *b);
/* planw_code appends text as code. */
void planw_code(Buf *b, const char *s, size_t n);
/* planw_quoted appends a string literal as “text” (interpolations as ${...}). */
void planw_quoted(const Source *src, const Node *s, Buf *b);

#endif
