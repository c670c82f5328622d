/*
** trail.h -- the links between runs (docs/journal.md, "The trail"): a
** backout started by `rbk watch` names the watch, the trigger and the
** probe values that started it; a run started after another one (a
** backout after its roll-out) names it, and that run is given a `link`
** record back.
**
** Writers only: the readers (rbk status, runs, report) are in runread.h.
*/
#ifndef RBK_TRAIL_H
#define RBK_TRAIL_H

#include <stddef.h>

#include "../base/buf.h"

/* trail_watch_cause appends the started_by object of a run that watch
** WATCH (STATE/watches/WATCH) started: {"watch", "trigger", "severity",
** "condition", "probes" (the values of the round it fired), "fired_at",
** and for a major one "decided_by" and "answer"}, read from the watch's
** journal (its last backout record and the trigger record that fired).
** Returns 0, or -1 with why (no such watch, or it started no backout). */
int trail_watch_cause(const char *state, const char *watch, Buf *out, char *why, size_t whylen);

/* trail_link appends {"run": RUN, "relation": RELATION} as a `link`
** record to the journal of run OTHER (STATE/runs/OTHER), holding its
** lock while it does. Returns 0, or -1 with why (it is being executed,
** or its journal cannot be written). */
int trail_link(const char *state, const char *other, const char *run, const char *relation, char *why,
               size_t whylen);

#endif
