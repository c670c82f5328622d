/*
** kind.c -- what a runbook is, and the words its documents use (kind.h).
*/
#include "kind.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>

typedef struct Kind {
  const char *name, *noun, *lower;
} Kind;

static const Kind kinds[] = {
  {"rollout", "Roll-out", "roll-out"},
  {"backout", "Backout", "backout"},
  {"upgrade", "Upgrade", "upgrade"},
  {"migration", "Migration", "migration"},
  {"maintenance", "Maintenance", "maintenance"},
  {"change", "Change", "change"},
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

const char *kind_known(const char *name) {
  size_t i;
  for (i = 0; name && i < NKINDS; i++)
    if (strcmp(name, kinds[i].name) == 0) return kinds[i].name;
  return NULL;
}

const char *kind_list(void) { return "rollout, backout, upgrade, migration, maintenance, change"; }

/* has says whether the lower-cased title holds word. */
static int has(const char *low, const char *word) { return strstr(low, word) != NULL; }

const char *kind_from_title(const char *title) {
  char low[512];
  size_t i;
  static const char *const back[] = {"backout", "back out", "back-out", "rollback", "roll back", "roll-back",
                                     "revert", NULL};
  static const char *const out[] = {"roll-out", "rollout", "roll out", "deploy", "release", NULL};
  if (!title) return "backout";
  for (i = 0; title[i] && i + 1 < sizeof low; i++) low[i] = (char)tolower((unsigned char)title[i]);
  low[i] = '\0';
  for (i = 0; back[i]; i++)
    if (has(low, back[i])) return "backout";
  for (i = 0; out[i]; i++)
    if (has(low, out[i])) return "rollout";
  if (has(low, "upgrade")) return "upgrade";
  if (has(low, "migrat")) return "migration";
  if (has(low, "maintenance")) return "maintenance";
  return "backout";
}

const char *kind_of_runbook(const Node *runbook, const char *title) {
  const Node *d;
  for (d = runbook ? runbook->b : NULL; d; d = d->next)
    if (d->kind == N_KIND && d->a && kind_known(d->a->str)) return kind_known(d->a->str);
  return kind_from_title(title);
}

const char *kind_noun(const char *kind, int capital) {
  size_t i;
  for (i = 0; kind && i < NKINDS; i++)
    if (strcmp(kind, kinds[i].name) == 0) return capital ? kinds[i].noun : kinds[i].lower;
  return capital ? "Backout" : "backout";
}
