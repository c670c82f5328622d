/*
** kind.h -- what a runbook is: a roll-out, a backout, an upgrade ...
** (docs/language.md, 4.2 "kind"), and the words its documents are headed
** with ("Roll-out plan", "Pre-upgrade requirements", "Post-backout review").
**
** The kind is declared with `kind NAME` in the runbook; without one it is
** read from the title's words, else it is "backout" (the seed's template).
** Nothing here allocates: every string returned is static.
*/
#ifndef RBK_KIND_H
#define RBK_KIND_H

#include "../grammar/ast.h"

/* kind_known returns the canonical name of a kind ("rollout" ...), or NULL
** when name is not one. */
const char *kind_known(const char *name);
/* kind_list is the kinds, for a hint: "rollout, backout, ...". */
const char *kind_list(void);
/* kind_from_title reads the kind from a title's words (case-insensitive):
** "backout"/"rollback"/"revert" -> backout, "roll-out"/"deploy"/"release"
** -> rollout, "upgrade", "migration"/"migrate", "maintenance"; else
** "backout". title may be NULL. */
const char *kind_from_title(const char *title);
/* kind_of_runbook is the declared kind of an N_RUNBOOK (its `kind NAME`),
** else kind_from_title of its title text. */
const char *kind_of_runbook(const Node *runbook, const char *title);
/* kind_noun is the kind as a heading word, capitalised or not: "Roll-out",
** "roll-out", "Backout", "maintenance" ... (an unknown kind: "Backout"). */
const char *kind_noun(const char *kind, int capital);

#endif
