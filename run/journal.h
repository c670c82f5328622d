/*
** journal.h -- the run journal: an append-only, durable, checksummed
** record of every effect of a run, from which an interrupted run resumes
** by deterministic replay.
**
** FILES
**   DIR/                      the run's directory, mode 0700 (jrn_mkdirs)
**   DIR/journal.jsonl         the journal, mode 0600
**   DIR/lock                  flock(2)ed by the process executing the run;
**                             holds its PID while locked (jrn_lock)
**   DIR/journal.torn-S-T      a torn last record that jrn_open set aside
**                             (S: the seq it would have had, T: Unix time;
**                             "-2", "-3"... is added if the name is taken)
**
** FORMAT
** JSON Lines: UTF-8, one record per line, each line a JSON object ended
** by "\n"; no blank lines; no other whitespace is written. The first four
** keys are fixed, in this order:
**   "seq"   0, 1, 2, ... consecutive: the record's position in the file
**   "prev"  the SHA-256 of the previous record's line (its bytes without
**           the "\n"), as 64 lower-case hex digits; 64 zeros for seq 0
**   "time"  when the record was written, UTC, RFC 3339 with milliseconds:
**           "2026-11-22T06:55:01.123Z"
**   "type"  the kind of record: a lower-case name, [a-z][a-z0-9_]*
** followed by the fields of that type. No key appears twice. Values are
** encoded as json.h describes (strings that are not UTF-8 as
** {"bytes":"<base64>"}, numbers to 17 significant digits at most, etc.).
** Example (one line):
**   {"seq":0,"prev":"0000...0000","time":"2026-11-22T06:55:01.123Z",
**    "type":"run_start","runbook":"examples/portal/backout.rbk"}
** so `jq -c 'select(.type=="effect_end")' DIR/journal.jsonl` reads it.
**
** The chain of "prev" hashes makes every change to a record detectable
** from the record after it: `rbk log RUN --verify` (jrn_verify_file)
** checks it. The last record has no successor, so a change to it that
** keeps it valid JSON with the right seq and prev is not detectable; a
** change that breaks it is treated as a torn write (below).
**
** RECORD TYPES (used by the VM; the journal itself accepts any name)
**   run_start       a run began: runbook, source hash, rbk version
**   param           the value given for a parameter
**   step_start      a step began
**   effect_start    an effect is about to happen (a command, a clock
**                   read, a random number, an HTTP call...)
**   effect_end      its result, which replay returns instead of redoing it
**   verify          a verify condition and its outcome
**   gate_wait       the run waits at a gate (approval, question, time)
**   answer          a person's answer to a question or gate
**   notify          a notification was sent
**   log             a line the runbook logged
**   interrupted     the run was stopped (signal, failure of rbk itself)
**   step_end        a step ended, and how
**   run_end         the run ended, and how
**   accept_changes  a person accepted that the runbook changed since the
**                   run began
**   decision        a choice made by a person or a policy
**   link            a link to another run or an external record
**
** DURABILITY
** jrn_append writes a record as one write() of the whole line (repeated
** only for a short write or EINTR) and returns only after fdatasync(), so
** a record the caller was told about survives a crash. Because each
** append is synced before the next begins, a crash can damage only the
** last line: it may be cut short (a prefix of the record, without its
** newline) or, if the file system lost part of the write, hold zeros or
** garbage. A write that fails (disk full) is the same case: after it
** nothing more is appended (see jrn_append), so its partial line stays
** the last. jrn_open recognises such a TORN TAIL:
**   - the last line has no final newline (even if its JSON is complete:
**     the write did not finish, so the record was never acknowledged), or
**   - the last line is newline-terminated but is not valid JSON (or not
**     UTF-8, or empty),
** while every line before it verifies. It copies the torn bytes, newline
** included, to DIR/journal.torn-S-T (mode 0600, fsynced, the directory
** fsynced), and only then truncates the journal to the records before it
** (ftruncate, fsync). The journal's new contents plus the side file are
** exactly the old contents: nothing is deleted without being saved first.
** Anything else is DAMAGE and jrn_open refuses, changing nothing on disk:
** a bad line followed by more lines; a seq that is not the next number; a
** prev that does not match; a missing or misplaced seq, prev, time or
** type; a line that is JSON but not an object. This holds for the last
** line too: a complete JSON record with a wrong prev cannot come from an
** interrupted write, but can come from a changed record before it, which
** setting it aside would silently accept.
**
** OWNERSHIP AND ERRORS
** A Journal owns its file descriptor, its map (or copy) of the file and the parsed
** records; jrn_close frees them all. Functions that can fail return 0 or
** -1 and write a one-line reason into err (errlen bytes); reasons about
** the journal file begin "journal.jsonl: ". Nothing aborts on bad input.
** Journals are single-writer: take jrn_lock before jrn_open for writing.
*/
#ifndef RBK_JOURNAL_H
#define RBK_JOURNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../vm/valjson.h"

/* Paths handled here (DIR plus a file name) fit in this many bytes. */
#define JRN_PATH_MAX 4096
/* Record types are at most this long. */
#define JRN_TYPE_MAX 64
/* A record keeps where this many of its members are (JrnRecord.member). */
#define JRN_MEMBERS 6

/* A record read by jrn_open. Reading it does not build its JSON tree:
** jrn_open only checks it (json_scan_object, or json_parse when that is
** unsure), so ask for what you need with the jrn_rec_* functions below;
** jrn_rec_json builds the whole tree on first use and keeps it. */
struct JrnStore;
typedef struct JrnRecord {
  const char *line;    /* the line's len bytes: from jrn_open followed by its
                       ** newline (they may be the file's mapped pages, read
                       ** only); from jrn_read_file NUL-terminated where its
                       ** newline was */
  size_t len;          /* bytes in line */
  uint64_t offset;     /* where the line starts in the file */
  uint64_t seq;
  const char *type;    /* the record's "type", NUL-terminated (kept by the journal) */
  Json *json;          /* the whole record once parsed, else NULL: use jrn_rec_json */
  size_t tail;         /* where the members after "type" begin in line (its ','
                       ** or '}'), 0 if not known */
  uint64_t keys;       /* json_key_bit of each top-level key, or'd */
  struct JrnStore *store;   /* the journal's memory for parsed records */
  /* where the keys of the first members after "type" begin in line (the
  ** byte after each key's opening quote), so that a field is found
  ** without reading the line from the start: nmembers of them (-1: not
  ** known; JRN_MEMBERS: there may be more after them) */
  uint16_t member[JRN_MEMBERS];
  int8_t nmembers;
  /* the member "n" (an effect's number) when it is among those and a
  ** whole number below 10^15, read while the line was at hand; else -1 */
  int64_t n;
} JrnRecord;

/* jrn_rec_json returns the whole record as a JSON object, parsing it on
** first use; the tree lives until jrn_close. */
Json *jrn_rec_json(const JrnRecord *r);
/* jrn_rec_field returns the value of the record's member key (NULL if it
** has none), parsing only that value unless the whole tree is there
** already; it lives until jrn_close. Each call parses again: keep it. */
const Json *jrn_rec_field(const JrnRecord *r, const char *key);
/* jrn_rec_has says whether the record has a member key. */
int jrn_rec_has(const JrnRecord *r, const char *key);
/* jrn_rec_num is json_num(json_get(jrn_rec_json(r), key), ok) without
** the tree for the usual small whole numbers. */
double jrn_rec_num(const JrnRecord *r, const char *key, int *ok);
/* jrn_rec_str_is says whether the member key is a string equal to the
** NUL-terminated s. */
int jrn_rec_str_is(const JrnRecord *r, const char *key, const char *s);

typedef struct Journal {
  int fd;              /* journal.jsonl, open for appending; -1 when closed */
  char *dir;
  char *path;          /* DIR/journal.jsonl */
  char *data;          /* the file as jrn_open read it; records point into it.
                       ** jrn_open maps the file read-only (mmap, MAP_PRIVATE)
                       ** when it can, else reads it; records appended later
                       ** are not in it */
  size_t mapped;       /* bytes mapped at data, 0 if data was read into memory */
  JrnRecord *recs;     /* the records jrn_open read (appended ones are not added) */
  struct JrnStore *store;   /* record types and parsed trees (jrn_rec_json) */
  size_t nrecs, caprecs;
  uint64_t seq;        /* the seq of the next record */
  char prev[65];       /* hex SHA-256 of the last record's line, or 64 zeros */
  uint64_t size;       /* bytes in the file */
  int unsynced;        /* records were written since the last fdatasync (jrn_close syncs them) */
  int broken;          /* an append failed: the file's state is unknown, and
                       ** every later append fails at once, writing nothing,
                       ** until the journal is opened again */
  char broken_why[JRN_PATH_MAX + 256];   /* that failure: "PATH: cannot write record N: strerror" */
  /* Called with each record's type and line (without its newline) once it
  ** has been appended; NULL: no one listens (run/events.c listens).
  ** jrn_open clears it: set it after each open. */
  void (*observe)(void *ud, const struct Journal *j, const char *type, const char *line, size_t len);
  void *observe_ud;
} Journal;

/* jrn_type_of returns the journal's one copy of a record type, which
** JrnRecord.type of every record of that type points to, or NULL when no
** record has it: a loop over many records compares the pointer instead
** of the string (take it after the journal's last append). */
const char *jrn_type_of(const Journal *j, const char *type);

typedef struct JrnOpenReport {
  int created;                   /* 1: journal.jsonl did not exist and was created */
  size_t nrecs;                  /* records loaded */
  size_t torn_bytes;             /* bytes set aside as a torn tail, 0 if none */
  char torn_path[JRN_PATH_MAX];  /* the side file holding them, "" if none */
  char torn_reason[300];         /* why the tail counts as torn */
} JrnOpenReport;

typedef struct JrnVerifyReport {
  size_t nrecs;        /* records that verified, counted from the first */
  uint64_t bad;        /* the first bad record's number (the seq it should have) */
  uint64_t bad_offset; /* the byte offset of its line */
  int torn;            /* 1: it is a torn tail, which jrn_open would set aside */
  char reason[256];    /* why it is bad; or why the file could not be read */
} JrnVerifyReport;

/* jrn_mkdirs creates dir and any missing parents, each with mode 0700
** (umask notwithstanding), syncing each new entry into its parent.
** Directories that already exist are left as they are. */
int jrn_mkdirs(const char *dir, char *err, size_t errlen);

/* jrn_open opens DIR/journal.jsonl, creating it (mode 0600) if create is
** set and it does not exist (a symbolic link or anything but a regular
** file is refused), maps it read-only (or reads it, when it is empty or
** mmap fails: see map_all in journal.c for why the map is safe under the
** run's lock) and verifies every record, sets a torn
** tail aside (see above) and leaves the journal ready for jrn_append.
** rep (may be NULL) says what happened. On damage it fails with
** "journal.jsonl: record N (line N+1) is damaged: <reason>; refusing to
** resume" and touches nothing. On failure *j is left closed (jrn_close is
** harmless). */
int jrn_open(Journal *j, const char *dir, int create, JrnOpenReport *rep, char *err,
             size_t errlen);

/* jrn_append writes the record {"seq":..,"prev":..,"time":..,"type":type,
** FIELDS} and syncs it. fields_json is NULL, "" or `"key":value` pairs
** separated by commas, without braces, already encoded (buf_json_str,
** json_put_value...). The whole line is checked as jrn_open would check
** it before anything is written, so a bad type, malformed or duplicate
** fields, or a line break in fields_json fail here and write nothing.
** Any failure (those, a failed or short write, a failed fdatasync) marks
** the journal broken: j->broken_why keeps the reason, naming the file and
** the OS error, and every later append fails at once with it, touching
** nothing. A write that failed part way leaves its partial line, which
** the next jrn_open sets aside as a torn tail. The caller must stop: the
** effect whose record failed is in doubt, as after a crash. */
int jrn_append(Journal *j, const char *type, const char *fields_json, char *err,
               size_t errlen);

/* jrn_append_opt is jrn_append, but with sync 0 it returns after the
** write without waiting for the disk. Such a record becomes durable with
** the next synced append (fdatasync flushes everything written before),
** so a crash can only lose a suffix of unsynced records. The caller uses
** it only for records whose loss a replay repairs by itself: what is lost
** is recomputed, because nothing after it can be durable either. */
int jrn_append_opt(Journal *j, const char *type, const char *fields_json, int sync, char *err, size_t errlen);

/* jrn_sync makes the records appended without a sync of their own
** (jrn_append_opt with sync 0) durable with one fdatasync; with none, it
** does nothing. A failed sync marks the journal broken as a failed
** append does (the same reason in j->broken_why and err, and every later
** append fails at once); on a journal already broken it fails with the
** first reason. A run calls it before it reports how it ended. */
int jrn_sync(Journal *j, char *err, size_t errlen);

/* jrn_close syncs what is unsynced (see jrn_sync), closes the file and
** frees everything; *j may be reopened. It returns -1 (errno set) if that
** last sync failed, 0 otherwise; a caller that reports how a run ended
** calls jrn_sync first, so that the failure is reported while it can be. */
int jrn_close(Journal *j);

/* jrn_verify_file checks the journal at path without changing it (`rbk
** log RUN --verify`). It returns 0 when every record verifies; the line
** number (1-based, = seq + 1) of the first bad record, with rep->torn set
** if it is a torn tail (INT_MAX beyond that line; rep->bad is exact); or
** -1 if the file cannot be read. rep->reason says why in each failing
** case. */
int jrn_verify_file(const char *path, JrnVerifyReport *rep);
/* jrn_read_file is jrn_verify_file that also keeps the records that
** verified in *j (recs, nrecs and data; not open for appending), so that
** a reader parses the file once; jrn_close(j) frees them. Unlike
** jrn_open it builds every record's tree as it checks it (jrn_rec_json
** then costs nothing), for readers that read them all (run/runread.c). It returns as
** jrn_verify_file does, and nothing in *j to free when it returns -1. */
int jrn_read_file(const char *path, JrnVerifyReport *rep, Journal *j);

/* jrn_lock takes DIR/lock (created 0600) with flock(LOCK_EX|LOCK_NB) and
** writes our PID into it (truncate, write, fsync); *fd_out keeps the lock
** until jrn_unlock (it is O_CLOEXEC, so commands we run do not inherit
** it). If another process holds it, *holder (may be NULL) gets that
** process's PID from the file (0 if it has not written one yet), err says
** "run is being executed by process PID", and it returns -1 with errno
** EWOULDBLOCK. Other failures return -1 with errno from the failing call.
** The PID in the file means something only while the file is locked. */
int jrn_lock(const char *dir, int *fd_out, pid_t *holder, char *err, size_t errlen);
/* jrn_unlock releases a lock taken by jrn_lock; -1 is ignored. */
void jrn_unlock(int fd);

#endif
