/*
** state.h -- where runs live on disk, and how a RUN argument is found.
**
**   STATE/                       RBK_STATE_DIR, else .rbk/ beside the runbook
**                                (for a RUN argument: RBK_STATE_DIR, else ./.rbk)
**   STATE/runs/ID/               one run: mode 0700
**   STATE/runs/ID/journal.jsonl  its journal (run/journal.h), mode 0600
**   STATE/runs/ID/lock           held by the process executing it
**   STATE/runs/ID/source.rbk     the runbook as it was when the run began
**   STATE/latest/NAME            the ID of the latest run of runbook NAME
**                                (the file name without .rbk), mode 0600
**   STATE/watches/ID/            one `rbk watch` of a runbook: its journal
**                                and lock, as a run's
**   STATE/baselines.json         values recorded by baseline() (stdlib/baseline.c)
** A run ID is NAME-YYYYMMDD-HHMMSS (a -2, -3 ... suffix if taken), or
** the one given with --run-id; an undo run is ID-undo. Every ID is
** letters, digits, '-', '_' and '.', not starting with '.': a name in
** STATE/runs, never a path out of it.
*/
#ifndef RBK_STATE_H
#define RBK_STATE_H

#include <stddef.h>

/* An ID chosen with --run-id is at most this long; one rbk made (ID-undo,
** ID-undo-undo ...) or found may be as long as a file name. */
#define STATE_ID_MAX 128
#define STATE_ID_FOUND_MAX 255

/* state_id_check returns 0 if id is a run id of at most max characters,
** else -1 with a message saying why not in err. */
int state_id_check(const char *id, size_t max, char *err, size_t errlen);
/* state_warn_unsafe warns on stderr, once per process, when the state
** directory (or its runs/) is writable by group or others or belongs to
** another user. state_dir_for_runbook and state_dir_default call it. */
void state_warn_unsafe(const char *state);
/* state_dir_for_runbook writes the state directory for a runbook path. */
void state_dir_for_runbook(const char *runbook, char *out, size_t n);
/* state_dir_default writes the state directory used for RUN arguments. */
void state_dir_default(char *out, size_t n);
/* state_run_dir writes STATE/runs/ID. */
void state_run_dir(const char *state, const char *id, char *out, size_t n);
/* state_runbook_name writes the runbook's NAME (base name without .rbk). */
void state_runbook_name(const char *runbook, char *out, size_t n);
/* state_latest reads STATE/latest/NAME into id; returns 0, or -1 if none
** (or, with a warning, if what it holds is not a run id). */
int state_latest(const char *state, const char *name, char *id, size_t n);
/* state_set_latest records id as the latest run of NAME (durably). */
int state_set_latest(const char *state, const char *name, const char *id, char *err, size_t errlen);
/* state_new_id makes a fresh run ID for NAME and creates its directory,
** STATE/runs/ID, atomically: concurrent runs get distinct IDs. Returns 0,
** or -1 with a message in err. */
int state_new_id(const char *state, const char *name, char *id, size_t n, char *err, size_t errlen);
/* state_new_watch_id does the same for a watch of NAME, STATE/watches/ID,
** and writes that directory into dir. */
int state_new_watch_id(const char *state, const char *name, char *id, size_t n, char *dir, size_t dn, char *err,
                       size_t errlen);
/* state_find_run resolves a RUN argument (an ID in the default state
** directory, or, when it holds a '/', the path of a run directory) to its
** directory; returns 0, or -1 with a message in err (also for an ID
** state_id_check refuses). */
int state_find_run(const char *arg, char *dir, size_t n, char *err, size_t errlen);

#endif
