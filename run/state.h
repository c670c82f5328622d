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
** A run ID is NAME-YYYYMMDD-HHMMSS (a -2, -3 ... suffix if taken).
*/
#ifndef RBK_STATE_H
#define RBK_STATE_H

#include <stddef.h>

/* state_dir_for_runbook writes the state directory for a runbook path. */
void state_dir_for_runbook(const char *runbook, char *out, size_t n);
/* state_dir_default writes the state directory used for RUN arguments. */
void state_dir_default(char *out, size_t n);
/* state_run_dir writes STATE/runs/ID. */
void state_run_dir(const char *state, const char *id, char *out, size_t n);
/* state_runbook_name writes the runbook's NAME (base name without .rbk). */
void state_runbook_name(const char *runbook, char *out, size_t n);
/* state_latest reads STATE/latest/NAME into id; returns 0, or -1 if none. */
int state_latest(const char *state, const char *name, char *id, size_t n);
/* state_set_latest records id as the latest run of NAME (durably). */
int state_set_latest(const char *state, const char *name, const char *id, char *err, size_t errlen);
/* state_new_id makes a fresh run ID for NAME that no run uses yet. */
void state_new_id(const char *state, const char *name, char *id, size_t n);
/* state_new_watch_id makes a fresh ID for a watch of NAME, and writes its
** directory, STATE/watches/ID, into dir. */
void state_new_watch_id(const char *state, const char *name, char *id, size_t n, char *dir, size_t dn);
/* state_find_run resolves a RUN argument (an ID in the default state
** directory, or a path to a run directory) to its directory; returns 0,
** or -1 with a message in err. */
int state_find_run(const char *arg, char *dir, size_t n, char *err, size_t errlen);

#endif
