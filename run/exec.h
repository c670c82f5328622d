/*
** exec.h -- run one shell command as a child process group, with
** live streaming, capture, timeout (TERM then KILL to the whole group)
** and interruption.
**
** Ownership: exec_run fills *r; the caller frees it with
** exec_result_free. Nothing else is allocated across calls, and the
** module keeps no global state, so concurrent calls from different
** threads are independent (callbacks run on the calling thread).
**
** Lifecycle of one call:
**   1. "/bin/sh -c cmd" is spawned in its own process group (pgid ==
**      pid). A command made only of a path containing '/' and plain
**      words (no quotes, $, ;, |, <, >, &, * or any other shell syntax)
**      means the same without the shell and is spawned directly, saving
**      one exec; if that fails (not found, not executable) the shell runs
**      it after all, so the error and status are the shell's. With stdin from /dev/null, stdout and stderr on two pipes,
**      an empty signal mask and default dispositions for INT, TERM,
**      QUIT, PIPE, CHLD, HUP, ALRM, USR1 and USR2.
**   2. Both pipes are read with poll() (waits of at most 50 ms), lines
**      are streamed through on_line and bytes are captured up to the cap;
**      reading never stops early, so the child never blocks on a pipe.
**   3. On timeout or interrupt the group gets SIGTERM, then SIGKILL
**      after the grace period. If the direct child dies during the
**      grace period it is kept as an unreaped zombie (so its pid, which
**      is the pgid, cannot be reused) until both pipes reach EOF or the
**      grace period ends; then the group gets SIGKILL and the child is
**      reaped, so no member of the group survives a stop.
**   4. Drain-after-exit rule: once the direct child has been reaped, the
**      pipes are drained for at most EXEC_DRAIN_S seconds. If a
**      background process (e.g. "sleep 30 & echo hi") still holds them
**      open after that, reading stops, our pipe ends are closed,
**      r->detached is set and exec_run returns; on a normal exit that
**      background process is left running (it is NOT killed). The caller
**      says so (vm_command prints and journals it): output written after
**      that is never read.
*/
#ifndef RBK_EXEC_H
#define RBK_EXEC_H

#include <stddef.h>
#include <sys/types.h>

/* EXEC_DEFAULT_CAP is the per-stream capture limit used when capture_cap is 0 (1 MiB). */
#define EXEC_DEFAULT_CAP ((size_t)1 << 20)

/* EXEC_LINE_MAX is the longest piece on_line receives; longer lines arrive in pieces of this size. */
#define EXEC_LINE_MAX ((size_t)64 * 1024)

/* EXEC_DRAIN_S is how long, in seconds, the pipes are still drained after the direct child was reaped. */
#define EXEC_DRAIN_S 0.2

/* ExecOpts describes one command to run; cmd (or argv) is required, every other field may be zero. */
typedef struct ExecOpts {
  const char *cmd;        /* run as: /bin/sh -c cmd */
  char *const *argv;      /* instead of cmd: run argv[0] (searched in PATH) with these
                          ** arguments, NULL-terminated, and no shell at all: for
                          ** values that must never be read as shell syntax */
  const char *cwd;        /* NULL = inherit */
  int stdin_fd;           /* > 0: the child's standard input is a copy of this descriptor
                          ** (read from where it stands); 0: /dev/null */
  char *const *envp;      /* NULL = inherit environ */
  double timeout_s;       /* <= 0: no timeout */
  double grace_s;         /* TERM -> KILL grace; <= 0 means 2.0 */
  size_t capture_cap;     /* max bytes kept per stream; 0 means EXEC_DEFAULT_CAP (1 MiB) */
  /* Called for each complete output line (without '\n') as it arrives,
  ** and once for a final unterminated line. stream is 1 (stdout) or 2
  ** (stderr). line is NUL-terminated for convenience but may contain
  ** NUL bytes, so use len. NULL = don't stream. Lines longer than
  ** EXEC_LINE_MAX (64 KiB) are delivered in 64 KiB pieces. */
  void (*on_line)(void *ud, int stream, const char *line, size_t len);
  /* Called about every tick_s seconds (<=0 means 0.25) while the child runs. NULL = none. */
  void (*on_tick)(void *ud, double elapsed_s);
  double tick_s;
  /* If non-NULL, polled at least every 50 ms; when it becomes non-zero the
  ** child group is stopped (TERM, then KILL after grace) and the result is
  ** marked interrupted. A flag that is already set stops the child at once. */
  const volatile int *interrupt;   /* written by the caller's SIGINT handler (sig_atomic_t-compatible int) */
  void *ud;               /* passed unchanged to on_line and on_tick */
} ExecOpts;

/* ExecResult is what exec_run reports; out and err are owned by it until exec_result_free. */
typedef struct ExecResult {
  int status;          /* exit code 0..255; 128+N if killed by signal N; -1 if never started or not collectable */
  int term_signal;     /* signal that ended it, or 0 */
  int timed_out;       /* 1 if our timeout fired */
  int interrupted;     /* 1 if *interrupt fired */
  int spawn_errno;     /* errno if the spawn itself failed, else 0 */
  int sys_errno;       /* errno of a non-fatal failure after the start (ENOMEM while capturing, ECHILD if reaped elsewhere), else 0 */
  int detached;        /* 1 if reading stopped after the drain period because a background process held the pipes */
  char *out; size_t out_len; int out_truncated;   /* captured stdout (NUL-terminated), bytes past cap dropped, flag set */
  char *err; size_t err_len; int err_truncated;   /* captured stderr, same rules as out */
  size_t out_dropped, err_dropped;   /* how many bytes past the cap were read and not captured */
  double duration_s;   /* wall time, CLOCK_MONOTONIC */
  pid_t pgid;          /* the child's process group id (for tests) */
} ExecResult;

/* exec_run runs o->cmd to completion and fills *r (overwriting it without freeing), returning 0 if the child was started and reaped (out and err are then non-NULL) or -1 if it could not be started (r->spawn_errno set, r->status -1, out and err NULL). */
int  exec_run(const ExecOpts *o, ExecResult *r);

/* exec_result_free releases the buffers of *r and is safe to call twice or on a zeroed result. */
void exec_result_free(ExecResult *r);

#endif
