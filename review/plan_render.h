/*
** plan_render.h -- the formats of `rbk plan`, each rendering the one Plan
** model (review/plan.h): the document a change board approves (Markdown
** or HTML, following seed 001's backout plan template), the graph (DOT for
** Graphviz, Mermaid for code-hosting sites) and the whole plan as JSON.
** Each appends to a caller's Buf.
*/
#ifndef RBK_PLAN_RENDER_H
#define RBK_PLAN_RENDER_H

#include "plan.h"
#include "../base/buf.h"
#include "docw.h"

/* plan_render_doc writes the plan document as Markdown or HTML. */
void plan_render_doc(const Plan *p, DwFormat fmt, Buf *out);
/* plan_render_dot writes the graph for `dot -Tsvg`. */
void plan_render_dot(const Plan *p, Buf *out);
/* plan_render_mermaid writes the graph as a Mermaid flowchart. */
void plan_render_mermaid(const Plan *p, Buf *out);
/* plan_render_json writes the whole plan as one JSON object. */
void plan_render_json(const Plan *p, Buf *out);

#endif
