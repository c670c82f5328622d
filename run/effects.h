/*
** effects.h -- every effect of a run passes through here: it is either
** done live and journaled (effect_start, synced, then the effect, then
** effect_end, synced), or, while a resumed run replays the recorded
** prefix, answered from the journal without being done again.
**
** Effects are numbered in the order the program reaches them: 0, 1, 2...
** Because the program is deterministic given its effects' results,
** effect n of a replay is effect n of the original run; its key (the
** SHA-256 of what it is: the exact command text, the call, the gate)
** must match, or the runbook no longer matches the journal.
**
** Step records (step_start, step_end) are keyed by step and attempt, so
** a replay does not write them twice. See docs/journal.md.
*/
#ifndef RBK_EFFECTS_H
#define RBK_EFFECTS_H

#include <stdint.h>

#include "journal.h"
#include "../vm/vm.h"

/* What fx_begin decides is the VM's FxMode (vm/vm.h). */

/* Effects are numbered in two lanes. The runbook's own effects (params,
** requirements, steps, undo blocks) are lane 0. What a person improvises
** at the REPL is lane 1 ("lane":"repl" in its records): it is numbered on
** its own, so a step that paused and is continued after some improvising
** finds its effects where it left them. */
enum { FX_LANE_RUNBOOK = 0, FX_LANE_REPL = 1, FX_NLANES = 2 };
/* A step on hosts (run/fleet.c) gives each (step, host, attempt) a lane of
** its own, named "STEP@HOST/ATTEMPT" ("lane":"deploy@web1/1"), numbered
** from 0: a host's effects replay on their own, whatever the other hosts
** did, and a retried host starts a fresh lane. Lanes past FX_NLANES are
** made by fx_lane. */

typedef struct FxLane {
  int64_t *start_of;       /* effect n -> index of its effect_start record, or -1 */
  int64_t *end_of;         /* effect n -> index of its effect_end record, or -1 */
  int64_t *decision_of;    /* effect n -> index of a decision record, or -1 */
  uint64_t cap;
  uint64_t neff;           /* effects with any record */
  uint64_t n;              /* the next effect's number */
} FxLane;

typedef struct Effects {
  Journal *out;            /* records are appended here; NULL: no journal */
  const JrnRecord *recs;   /* the records to replay (usually out's own) */
  size_t nrecs;
  FxLane *lanes;           /* nlanes of them: FX_LANE_RUNBOOK, FX_LANE_REPL, then host lanes */
  char **lane_names;       /* lane i's name (NULL for the first two) */
  int nlanes;
  int lane;                /* the lane effects go to now (FX_LANE_... or fx_lane's) */
  uint64_t replayed;       /* effects answered from the journal so far */
  char **seen;             /* "step/attempt/kind" of step records already written: a hash set */
  size_t nseen, seencap;   /* (effects.c), seencap slots of which nseen are used */
  const char *operator_name;
  int pending_start;       /* the current live effect already has its effect_start */
  int cur_sync;            /* the current effect's records are synced at once (see effects.c) */
  const struct FleetHost *host;   /* a step on hosts: the host commands run on now (run/fleet.h), or NULL */
  int relay_fd;            /* > 0: this process is a child running one host of a parallel batch
                           ** (run/fleet.c); its records go to the parent, the journal's one writer,
                           ** through this socket: fx_relay_send */
  int relay_broken;        /* the parent could not journal a record: as fx_broken */
  int cur_end_sync;        /* and its effect_end too (not a command's: it shares the next sync) */
  int read_only;           /* replay only: an effect the journal has no result for stops the
                           ** program (undo's first phase; requirements replayed for the REPL) */
  Buf masked;              /* fx_begin's scratch for an effect's masked text, reused */
} Effects;

/* fx_attach indexes recs (which must outlive fx) for replay; out may be
** NULL. Returns 0, or -1 with a reason if the records are inconsistent. */
int fx_attach(Effects *fx, Journal *out, const JrnRecord *recs, size_t nrecs, char *err, size_t errlen);
/* fx_lane returns the index of the lane called name ("STEP@HOST/ATTEMPT"), making it if need be. */
int fx_lane(Effects *fx, const char *name);
/* fx_lane_done says whether lane name has effects in the journal (0: none, or no such lane). */
int fx_lane_known(const Effects *fx, const char *name);
/* fx_free releases the index (not the journal). */
void fx_free(Effects *fx);
/* fx_replaying says whether effects remain to be replayed in the current lane. */
int fx_replaying(const Effects *fx);
/* fx_next is the number the current lane's next effect will get. */
uint64_t fx_next(const Effects *fx);
/* fx_abandon gives up the current effect after an interruption at the
** REPL: it stays without an effect_end (so it reads as "stopped" in the
** journal) and the next effect gets the next number. */
void fx_abandon(Effects *fx);

/* fx_begin starts effect kind/what: the step runs it (FX_LIVE), the
** journal answers it (FX_REPLAYED, *out owned by the caller), or the run
** stops (FX_STOP: a mismatch, an in-doubt effect needing a person, or a
** write that failed). what is the unmasked text; it is masked before it
** is written. idempotent says the current step may safely do it again. */
FxMode fx_begin(VM *vm, const char *kind, const char *what, int idempotent, Value *out);
/* fx_end records the result of a live effect; extra is "" or more
** "key":value fields. Returns 0, or -1 (vm_fail set) if the journal
** cannot be written. */
int fx_end(VM *vm, const Value *result, const char *extra);
/* fx_record appends a record of type with fields (masked first); for
** step records, key (e.g. "step_end/restore_db/2") makes it written once
** across replays. Returns 0, or -1 (vm_fail set). */
int fx_record(VM *vm, const char *type, const char *key, const char *fields);
/* fx_replayed_error returns the "error" an effect_end recorded for the
** effect fx_begin has just replayed (a call that failed when it ran), or
** NULL if it succeeded. The text lives as long as the journal records. */
const char *fx_replayed_error(const Effects *fx);
/* fx_broken says whether the journal effects are written to has failed an
** append (journal.h: it is then broken). The run must stop at once,
** doing and writing nothing more: that is not a failure of the step (no
** retry, no 'on failure', no undo); the effect whose record failed is in
** doubt on resume, as after a crash. */
int fx_broken(const Effects *fx);
/* The relay of a parallel batch's child (Effects.relay_fd): each record is
** sent as a header of two u32 (the lengths of type and fields) and a u8
** (sync), then the type and the fields; the parent appends it to the
** journal (synced when asked) and answers one byte, 0 when it is written.
** A type starting with '!' is no record but the child's last word (fleet.c).
** fx_relay_send sends one and waits for the answer: 0, or -1. */
int fx_relay_send(int fd, const char *type, const char *fields, int sync);
/* fx_pending finds the runbook-lane effect a paused run waits on; returns
** its number, or -1. */
int64_t fx_pending(const Effects *fx);

#endif
