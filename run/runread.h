/*
** runread.h -- reading runs without changing them, for the commands that
** look at journals (docs/journal.md): rbk runs, status and log
** (cmd_inspect.c) and rbk report (cmd_report.c).
**
** READ-ONLY. A journal is read, checked and parsed in one pass with
** jrn_read_file (open(O_RDONLY)); jrn_open is never called, because it
** sets a torn last record aside (writes a side file and truncates the
** journal). A running process may append meanwhile: what was read is a
** prefix of the journal, and only the records that verified are used.
**
** Run states are derived as docs/journal.md says: finished (a run_end
** after the last resume), waiting (a gate_wait or paused after it),
** interrupted (anything else); "running" when the lock file names the
** live process that last started or resumed the run (read without taking
** the lock).
**
** OWNERSHIP. An RrJournal owns its file data and parsed records (rr_unload
** frees them); an RrInfo points into the RrJournal it was derived from and
** owns only its step array (rr_info_free). Text helpers append to a Buf.
*/
#ifndef RBK_RUNREAD_H
#define RBK_RUNREAD_H

#include <stddef.h>
#include <stdint.h>

#include "../base/buf.h"
#include "journal.h"
#include "../base/json.h"

enum { RR_J_INTACT, RR_J_TORN, RR_J_DAMAGED, RR_J_UNREADABLE };

typedef struct RrJournal {
  char path[JRN_PATH_MAX];
  Journal j;           /* the file's bytes and its verified records, parsed once (jrn_read_file) */
  Json **rec;          /* the verified records */
  const char **type;   /* their types (never NULL) */
  const char **line;   /* and their lines */
  size_t *len;
  size_t n;
  int problem;         /* RR_J_* */
  uint64_t bad;        /* RR_J_TORN, RR_J_DAMAGED: the first bad record */
  char why[300];       /* what is wrong */
} RrJournal;

enum { RR_S_SUCCEEDED, RR_S_FAILED, RR_S_FINISHED, RR_S_WAITING, RR_S_INTERRUPTED, RR_S_RUNNING, RR_S_UNREADABLE };
enum { RR_W_NONE, RR_W_GATE, RR_W_DOUBT, RR_W_OTHER };

/* RrNames maps strings to indexes in a hash table, so that a reader
** finds a step (or anything named) in constant time: every reader stays
** linear in the journal. Keys are borrowed and must outlive the map. */
typedef struct RrNames {
  const char **key;
  size_t *val;
  size_t cap, n;   /* cap is 0 or a power of two */
} RrNames;

/* rr_names_get finds key; returns 1 and sets *val, or 0. */
int rr_names_get(const RrNames *m, const char *key, size_t *val);
/* rr_names_put maps key to val, replacing an earlier value. */
void rr_names_put(RrNames *m, const char *key, size_t val);
/* rr_names_free releases the table. */
void rr_names_free(RrNames *m);

typedef struct RrStep {
  const char *name;
  const char *state;   /* "pending", "running", or step_end's state */
  long long attempts;
  double secs;
  int has_secs;
  const char *error;
} RrStep;

typedef struct RrInfo {
  const Json *start;   /* the run_start record */
  const char *id;       /* the run directory's name: what RUN arguments use */
  const char *journal_id;   /* the ID in run_start, normally the same */
  const char *runbook, *title, *operator_name, *host, *started, *ended, *last_time;
  int state;           /* RR_S_* */
  const char *end_state;
  int wait;            /* RR_W_* when waiting */
  const Json *gate;    /* the gate_wait the run waits at */
  const Json *paused;  /* the paused record */
  const Json *doubt;   /* the effect_start of the command in doubt */
  const Json *gate_effect;   /* the effect_start of the gate waited at, if any */
  const Json *answer;  /* the effect_end or decision that answered it since:
                       ** then the run waits only for 'rbk resume' */
  const Json *intr;    /* the last interrupted record */
  long long pid;       /* of the process that last started or resumed the run */
  char why[300];       /* RR_S_UNREADABLE: why */
  int damaged;         /* the journal is damaged after the records used */
  int repl_left;        /* its last record is repl_end: a person left it open at the REPL */
  uint64_t bad;        /* then: the first bad record */
  RrStep *steps;
  size_t nsteps, capsteps;
  RrNames step_ix;     /* step name -> index in steps */
} RrInfo;

/* rr_is_dir says whether path is a directory. */
int rr_is_dir(const char *path);
/* rr_find_run resolves a RUN argument (an ID looked up in state, else in
** the default state directory, or a path holding '/') to its directory,
** and to the way later commands should name it (ref): the ID when it was
** found in the default state directory, else the directory's path.
** Returns 0, or -1 with a message in err. */
int rr_find_run(const char *run, const char *state, char *dir, size_t n, char *ref, size_t refn, char *err,
                size_t errlen);
/* rr_load verifies DIR/journal.jsonl and parses its valid records. Returns
** 0, or -1 (RR_J_UNREADABLE) when nothing could be read. */
int rr_load(RrJournal *L, const char *dir);
/* rr_unload frees what rr_load read. */
void rr_unload(RrJournal *L);
/* rr_problem_text describes a journal's problem as `rbk log --verify` does. */
void rr_problem_text(const RrJournal *L, Buf *b);

/* rr_str reads a string field (NULL if absent or not a string). */
const char *rr_str(const Json *o, const char *key);
/* rr_int reads an integral number field; returns 1, or 0 if there is none. */
int rr_int(const Json *o, const char *key, long long *out);
/* rr_secs reads a duration: a number of seconds or {"dur": seconds}. */
int rr_secs(const Json *v, double *out);
/* rr_effect_slot maps an effect record (effect_start, effect_end,
** decision) of a journal of nrecs records to a slot in [0, 2 * nrecs):
** its number n in its lane, the runbook's or the REPL's ("lane":"repl"),
** which number their effects apart. -1 if it has no usable number. */
long long rr_effect_slot(const Json *rec, size_t nrecs);
/* rr_parse_time reads "YYYY-MM-DDTHH:MM:SS.mmmZ" into milliseconds since
** the epoch (whole numbers, so differences are exact). */
int rr_parse_time(const char *s, long long *out);

/* rr_put_clean appends s (n bytes, valid UTF-8) for a terminal: control
** characters escaped, at most max characters, then "...". */
void rr_put_clean(Buf *b, const char *s, size_t n, size_t max);
/* rr_put_cstr is rr_put_clean of a NUL-terminated string (NULL: nothing). */
void rr_put_cstr(Buf *b, const char *s, size_t max);
/* rr_put_field appends a string field of o as clean text. */
void rr_put_field(Buf *b, const Json *o, const char *key, size_t max);
/* rr_put_value appends any journaled value as a person reads it. */
void rr_put_value(Buf *b, const Json *v, size_t max);

/* rr_derive works out the run's header, state and steps from its records;
** dir is the run directory (its name is the run's ID). */
void rr_derive(const RrJournal *L, const char *dir, RrInfo *I);
/* rr_info_free frees what rr_derive allocated. */
void rr_info_free(RrInfo *I);
/* rr_state_word names the state in one word: succeeded, failed, waiting,
** running, interrupted, damaged, unreadable. */
const char *rr_state_word(const RrInfo *I);
/* rr_put_who appends PREFIX "ROLE (PERSON)", PREFIX "PERSON" or nothing,
** from a record's role and person fields. */
void rr_put_who(Buf *b, const char *prefix, const Json *g);
/* rr_put_answer appends how a gate or an in-doubt effect was answered:
** "approved by jane as lead", "rerun chosen by bob". */
void rr_put_answer(Buf *b, const RrInfo *I);
/* rr_put_waiting_for appends what a waiting run waits for, in short. */
void rr_put_waiting_for(Buf *b, const RrInfo *I);
/* rr_lock_pid is the process named in DIR/lock: the one that holds the
** run, or held it last (0: none). */
long long rr_lock_pid(const char *dir);
/* rr_pid_alive says whether process pid (> 0) is there (kill 0). */
int rr_pid_alive(long long pid);
/* rr_put_word appends s as one shell word for a command a person copies
** (base/shquote.h when it needs quoting). */
void rr_put_word(Buf *b, const char *s);
/* rr_put_continue appends the commands a person types to go on with a run
** in state (an RR_S_*; the status page shows a run its process has let go
** as interrupted) whose run is ref, one per line: the one that answers
** its gate or its effect in doubt, unless answered already (rbk approve
** RUN --as ROLE, confirm, answer RUN yes|no, answer RUN rerun|skip|done),
** then the one that continues it (rbk resume RUN, or rbk undo ORIGINAL
** for an undo run); nothing for a damaged journal. Returns how many lines
** answer something (0 or 1). rbk status and the status page both show
** them. */
int rr_put_continue(Buf *b, const RrInfo *I, int state, const char *ref);
/* rr_put_summary appends the one-line state: "succeeded", "waiting: ...". */
void rr_put_summary(Buf *b, const RrInfo *I);
/* rr_run_secs gives the run's duration from its start to its end (or its
** last record); returns 0 if the times cannot be read. */
int rr_run_secs(const RrInfo *I, double *out);
/* rr_put_undo_links appends the links between a run (L, I, in dir) and
** others (the trail, docs/journal.md): ", undone by RUN-undo" once that
** succeeded (else ", undo RUN-undo STATE"), ", undo of RUN" for an undo
** run, ", started by watch W" for a run a watch started, ", backout of
** RUN" for a run started with --after RUN, and ", backed out by RUN"
** (else ", backout RUN STATE") for the run it backs out. */
/* A step's body on one host: the last host_end of each (step, host, undo). */
typedef struct RrHost {
  const char *step, *host, *state, *error;   /* error: NULL when none; all point into L */
  double secs;
  long long attempts, batch;
  int undo;            /* a host of an undo (rbk undo) */
} RrHost;
/* rr_hosts collects them in first-seen order into *out (mem_free it);
** returns how many. */
size_t rr_hosts(const RrJournal *L, RrHost **out);
/* rr_put_hosts appends the per-host table of the run's steps on hosts
** (host, outcome, duration, attempts, reason: each host's last host_end
** per step; undo records apart), as text or (json != 0) as a JSON array
** of {step, host, outcome, duration, attempts, reason, undo}. Appends
** nothing (text) or [] (JSON) when the run has no step on hosts. */
void rr_put_hosts(Buf *b, const RrJournal *L, int json);
void rr_put_undo_links(Buf *b, const RrJournal *L, const RrInfo *I, const char *dir);

/* The trail of a run: what started it and the runs linked to it. Strings
** point into L; the linked runs' states are read from their journals. */
typedef struct RrTrail {
  const Json *started_by;      /* run_start's started_by: {watch, trigger, severity, condition, probes, fired_at, ...} */
  const char *undo_of;         /* run_start's undo_of */
  const char *backout_of;      /* run_start's after: the run this one backs out */
  const char *undone_by;       /* the last link record with relation undo */
  const char *backed_out_by;   /* the last link record with relation backout */
  char undone_state[32], backed_out_state[32];   /* their state words ("" when unreadable) */
} RrTrail;
/* rr_trail reads the trail of a run (L, I, in dir). */
void rr_trail(const RrJournal *L, const RrInfo *I, const char *dir, RrTrail *T);
/* rr_put_started_by appends, as a person reads it, what started a run:
** 'watch W: trigger "NAME" (critical) fired at TIME; probes err_pct=99'. */
void rr_put_started_by(Buf *b, const Json *started_by);
/* rr_put_trail_json appends the trail as one JSON object: {"started_by":
** object|null, "undo_of", "undone_by", "undone_by_state", "backout_of",
** "backed_out_by", "backed_out_by_state": string|null}. */
void rr_put_trail_json(Buf *b, const RrTrail *T);

#endif
