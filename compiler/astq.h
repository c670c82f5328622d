/*
** astq.h -- small read-only queries over a syntax tree, shared by the
** passes that describe a runbook rather than run it (lint, plan):
** constant durations, the text of string literals, callees and clauses.
** Nothing here allocates except into a caller's Buf.
*/
#ifndef RBK_ASTQ_H
#define RBK_ASTQ_H

#include "../base/buf.h"
#include "../grammar/ast.h"

/* astq_runbook returns the N_RUNBOOK declaration of a parsed file, or NULL
** (a library of functions). */
Node *astq_runbook(const Ast *ast);
/* astq_const_secs evaluates a duration (or number) written with constants
** only: 5m, 1h30m, 2h + 30m, 10 * 1s. Returns 1 and sets *out, or 0. */
int astq_const_secs(const Node *n, double *out);
/* astq_callee returns the name a call calls when it is a plain name
** (interned), or NULL. */
const char *astq_callee(const Node *call);
/* astq_clause returns the first statement of kind k at the top level of
** the statement list stmts (a step's body), or NULL. */
Node *astq_clause(Node *stmts, NodeKind k);
/* astq_body returns the statements of a step, require or function: the
** list inside its block. */
Node *astq_body(const Node *decl);
/* astq_source appends the source text of n's span. */
void astq_source(const Source *src, const Node *n, Buf *b);
/* astq_text appends the text of a string literal: a STR's decoded text; a
** TMPL's text parts with each interpolation written as hole, or, when
** hole is NULL, as "${" + the expression's source + "}". Any other node
** appends its source text. */
void astq_text(const Source *src, const Node *s, const char *hole, Buf *b);
/* astq_is_blank says whether a string literal holds only white space. */
int astq_is_blank(const Node *s);

#endif
