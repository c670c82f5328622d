/*
** exec.c -- run one shell command as a child process group.
** See exec.h for the contract. All state lives in the ExecOpts,
** ExecResult and the Run struct below; there are no globals.
*/
#ifndef _GNU_SOURCE
#define _GNU_SOURCE          /* pipe2, posix_spawn_file_actions_addchdir_np */
#endif
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define POLL_MAX_S 0.05      /* longest single wait: interrupt latency bound */
#define READ_CHUNK 16384     /* stack buffer per read; small enough for thread stacks */

/* One output stream (stdout or stderr) of the child. */
typedef struct Stream {
  int fd;              /* our read end, or -1 once closed */
  int id;              /* 1 = stdout, 2 = stderr */
  char *cap;           /* capture buffer, always NUL-terminated */
  size_t len, alloc, capmax;
  int truncated;
  size_t dropped;      /* bytes read but not captured (over the cap, or no memory) */
  char *line;          /* line assembly buffer (EXEC_LINE_MAX + 1), NULL if not streaming */
  size_t line_len;
} Stream;

/* Everything one exec_run call needs. */
typedef struct Run {
  const ExecOpts *o;
  ExecResult *r;
  Stream s[2];
  pid_t pid;
  int pidfd;           /* readable when the child exits (Linux 5.3+), or -1 */
} Run;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Moves fd to a number >= 3 (close-on-exec) so the dup2 actions onto
** 0/1/2 in the child cannot clobber one another; returns the fd or -1. */
static int fd_high(int fd) {
  int nfd;
  if (fd >= 3) return fd;
  nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  close(fd);
  return nfd;
}

static void close_fd(int *fd) {
  if (*fd >= 0) { close(*fd); *fd = -1; }
}

/* Sends sig to the whole group, falling back to the child itself if it
** somehow left its group. */
static void signal_group(pid_t pid, int sig) {
  if (kill(-pid, sig) == -1 && errno == ESRCH) (void)kill(pid, sig);
}

/* ---- output handling --------------------------------------------------- */

static void deliver(Run *run, Stream *s) {
  s->line[s->line_len] = '\0';
  run->o->on_line(run->o->ud, s->id, s->line, s->line_len);
  s->line_len = 0;
}

/* Splits data into lines for on_line; a full buffer is only flushed when
** another non-newline byte arrives, so a line of exactly EXEC_LINE_MAX
** bytes is delivered once, not as a piece plus an empty line. */
static void feed_lines(Run *run, Stream *s, const char *data, size_t n) {
  while (n > 0) {
    const char *nl = memchr(data, '\n', n);
    size_t seg = nl ? (size_t)(nl - data) : n;
    while (seg > 0) {
      size_t k;
      if (s->line_len == EXEC_LINE_MAX) deliver(run, s);
      k = EXEC_LINE_MAX - s->line_len;
      if (k > seg) k = seg;
      memcpy(s->line + s->line_len, data, k);
      s->line_len += k; data += k; n -= k; seg -= k;
    }
    if (nl) { deliver(run, s); data++; n--; }
  }
}

/* Appends to the capture buffer up to capmax; on allocation failure the
** stream is marked truncated and capture stops (reading continues). */
static void capture(Run *run, Stream *s, const char *data, size_t n) {
  size_t room = s->capmax - s->len;
  size_t take = n < room ? n : room;
  if (take < n) { s->truncated = 1; s->dropped += n - take; }
  if (take == 0) return;
  if (s->len + take + 1 > s->alloc) {
    size_t want = s->alloc, lim = s->capmax + 1;
    char *p;
    while (want < s->len + take + 1) want = want > lim / 2 ? lim : want * 2;
    p = realloc(s->cap, want);
    if (!p) {
      run->r->sys_errno = ENOMEM;
      s->truncated = 1;
      s->capmax = s->len;          /* keep what we have, drop the rest */
      s->dropped += take;
      return;
    }
    s->cap = p; s->alloc = want;
  }
  memcpy(s->cap + s->len, data, take);
  s->len += take;
  s->cap[s->len] = '\0';
}

/* Reads once from a readable stream; closes it on EOF or a hard error. */
static void read_stream(Run *run, Stream *s) {
  char buf[READ_CHUNK];
  ssize_t n;
  if (s->fd < 0) return;
  n = read(s->fd, buf, sizeof buf);
  if (n > 0) {
    capture(run, s, buf, (size_t)n);
    if (s->line) feed_lines(run, s, buf, (size_t)n);
  } else if (n == 0) {
    close_fd(&s->fd);
  } else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
    run->r->sys_errno = errno;
    close_fd(&s->fd);
  }
}

/* ---- spawning ---------------------------------------------------------- */

/* Spawns /bin/sh -c cmd with the given pipe write ends as stdout/stderr;
** returns 0 or an errno value. */
/* A command made only of a path (containing '/') and plain words, with no
** shell syntax at all, means the same run directly as through /bin/sh -c;
** running it directly saves one exec per command. split_simple fills
** argv (pointing into buf) and returns 1 for such a command, else 0. */
#define SIMPLE_MAX_ARGS 32
static int split_simple(const char *cmd, char *buf, size_t bufsz, char **argv) {
  size_t n = strlen(cmd), i;
  int argc = 0, in_word = 0;
  if (n == 0 || n >= bufsz) return 0;
  for (i = 0; i < n; i++) {
    char c = cmd[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' ||
          c == '_' || c == '.' || c == '/' || c == '-' || c == ',' || c == ':' || c == '+' || c == '@' ||
          c == '%'))
      return 0;
  }
  memcpy(buf, cmd, n + 1);
  for (i = 0; i < n; i++) {
    if (buf[i] == ' ') {
      buf[i] = '\0';
      in_word = 0;
    } else if (!in_word) {
      if (argc == SIMPLE_MAX_ARGS) return 0;
      argv[argc++] = buf + i;
      in_word = 1;
    }
  }
  argv[argc] = NULL;
  return argc > 0 && strchr(argv[0], '/') != NULL;
}

static int spawn_child(const ExecOpts *o, int out_w, int err_w, pid_t *pid) {
  static const int defsigs[] = { SIGINT, SIGTERM, SIGQUIT, SIGPIPE, SIGCHLD,
                                 SIGHUP, SIGALRM, SIGUSR1, SIGUSR2 };
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t at;
  sigset_t empty, def;
  size_t i;
  int rc;
  char *argv[4], *direct[SIMPLE_MAX_ARGS + 1];
  char sh[] = "/bin/sh", dash_c[] = "-c", words[512];

  argv[0] = sh; argv[1] = dash_c; argv[2] = (char *)(uintptr_t)(o->cmd ? o->cmd : ""); argv[3] = NULL;
  sigemptyset(&empty);
  sigemptyset(&def);
  for (i = 0; i < sizeof defsigs / sizeof defsigs[0]; i++) sigaddset(&def, defsigs[i]);

  if ((rc = posix_spawn_file_actions_init(&fa)) != 0) return rc;
  if ((rc = posix_spawnattr_init(&at)) != 0) {
    posix_spawn_file_actions_destroy(&fa);
    return rc;
  }
  if ((rc = o->stdin_fd > 0 ? posix_spawn_file_actions_adddup2(&fa, o->stdin_fd, 0)
                             : posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)) == 0 &&
      (rc = posix_spawn_file_actions_adddup2(&fa, out_w, 1)) == 0 &&
      (rc = posix_spawn_file_actions_adddup2(&fa, err_w, 2)) == 0 &&
      (!o->cwd || (rc = posix_spawn_file_actions_addchdir_np(&fa, o->cwd)) == 0) &&
      (rc = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                          POSIX_SPAWN_SETSIGDEF)) == 0 &&
      (rc = posix_spawnattr_setpgroup(&at, 0)) == 0 &&
      (rc = posix_spawnattr_setsigmask(&at, &empty)) == 0 &&
      (rc = posix_spawnattr_setsigdefault(&at, &def)) == 0) {
    rc = -1;
    if (o->argv) {
      /* A program and its arguments, as given: no shell ever reads them. */
      rc = posix_spawnp(pid, o->argv[0], &fa, &at, o->argv, o->envp ? o->envp : environ);
    } else if (split_simple(o->cmd, words, sizeof words, direct)) {
      rc = posix_spawn(pid, direct[0], &fa, &at, direct, o->envp ? o->envp : environ);
      /* Not found, not executable, not a binary: let the shell say so, as it would have. */
      if (rc == ENOENT || rc == EACCES || rc == ENOEXEC || rc == ENOTDIR) rc = -1;
    }
    if (rc == -1) rc = posix_spawn(pid, "/bin/sh", &fa, &at, argv, o->envp ? o->envp : environ);
  }
  posix_spawnattr_destroy(&at);
  posix_spawn_file_actions_destroy(&fa);
  return rc;
}

/* Allocates the capture and line buffers before the child exists, so an
** allocation failure is a clean start failure. */
static int init_stream(Stream *s, int id, size_t cap, int streaming) {
  size_t first = cap < 4096 ? cap : 4096;
  s->fd = -1; s->id = id; s->len = 0; s->truncated = 0; s->dropped = 0; s->line_len = 0;
  s->capmax = cap; s->alloc = first + 1; s->line = NULL;
  s->cap = malloc(s->alloc);
  if (!s->cap) return -1;
  s->cap[0] = '\0';
  if (streaming && !(s->line = malloc(EXEC_LINE_MAX + 1))) return -1;
  return 0;
}

static void free_streams(Run *run) {
  int i;
  for (i = 0; i < 2; i++) {
    close_fd(&run->s[i].fd);
    free(run->s[i].cap); run->s[i].cap = NULL;
    free(run->s[i].line); run->s[i].line = NULL;
  }
}

/* Fills in a failed start; always returns -1. */
static int fail_start(Run *run, int err, double t0) {
  free_streams(run);
  run->r->spawn_errno = err;
  run->r->status = -1;
  run->r->duration_s = now_s() - t0;
  return -1;
}

/* ---- the main loop ----------------------------------------------------- */

/* Reaps the (already exited) child and records its status. */
static void reap(Run *run) {
  int st = 0;
  pid_t w;
  do { w = waitpid(run->pid, &st, 0); } while (w == -1 && errno == EINTR);
  if (w == -1) { run->r->sys_errno = errno; run->r->status = -1; return; }
  if (WIFEXITED(st)) {
    run->r->status = WEXITSTATUS(st);
  } else if (WIFSIGNALED(st)) {
    run->r->term_signal = WTERMSIG(st);
    run->r->status = 128 + WTERMSIG(st);
  }
}

/* Returns 1 if the child has exited (without reaping it), 0 if it still
** runs, -1 if it cannot be waited for at all (e.g. SIGCHLD ignored). */
static int child_exited(Run *run) {
  siginfo_t si;
  int rc;
  for (;;) {
    memset(&si, 0, sizeof si);
    rc = waitid(P_PID, (id_t)run->pid, &si, WEXITED | WNOHANG | WNOWAIT);
    if (rc == 0) return si.si_pid != 0;
    if (errno != EINTR) return -1;
  }
}

int exec_run(const ExecOpts *o, ExecResult *r) {
  Run run;
  int pout[2] = { -1, -1 }, perr[2] = { -1, -1 };
  int rc, i, reaped = 0, zombie = 0, stage = 0;   /* stage: 0 running, 1 TERM sent, 2 KILL sent */
  size_t cap;
  double t0 = now_s(), t, deadline = INFINITY, kill_at = 0, drain_until = 0;
  double grace, tick, next_tick, backoff = 0.001;

  if (!r) { errno = EINVAL; return -1; }
  memset(r, 0, sizeof *r);
  r->status = -1;
  memset(&run, 0, sizeof run);
  run.o = o; run.r = r;
  run.s[0].fd = run.s[1].fd = -1;
  if (!o || (!o->cmd && !(o->argv && o->argv[0]))) return fail_start(&run, EINVAL, t0);

  cap = o->capture_cap ? o->capture_cap : EXEC_DEFAULT_CAP;
  if (cap > SIZE_MAX / 4) cap = SIZE_MAX / 4;
  grace = o->grace_s > 0 ? o->grace_s : 2.0;
  tick = o->tick_s > 0 ? o->tick_s : 0.25;
  if (tick < 0.001) tick = 0.001;
  if (o->timeout_s > 0) deadline = t0 + o->timeout_s;
  next_tick = t0 + tick;

  if (init_stream(&run.s[0], 1, cap, o->on_line != NULL) != 0 ||
      init_stream(&run.s[1], 2, cap, o->on_line != NULL) != 0)
    return fail_start(&run, ENOMEM, t0);

  if (pipe2(pout, O_CLOEXEC) != 0) return fail_start(&run, errno, t0);
  if (pipe2(perr, O_CLOEXEC) != 0) {
    rc = errno; close_fd(&pout[0]); close_fd(&pout[1]);
    return fail_start(&run, rc, t0);
  }
  for (i = 0; i < 2; i++) { pout[i] = fd_high(pout[i]); perr[i] = fd_high(perr[i]); }
  if (pout[0] < 0 || pout[1] < 0 || perr[0] < 0 || perr[1] < 0) {
    rc = errno;
    for (i = 0; i < 2; i++) { close_fd(&pout[i]); close_fd(&perr[i]); }
    return fail_start(&run, rc ? rc : EMFILE, t0);
  }
  run.s[0].fd = pout[0];
  run.s[1].fd = perr[0];
  /* A pipe's read end has no other status flag (O_CLOEXEC is a descriptor
  ** flag): set O_NONBLOCK without reading the flags first. */
  for (i = 0; i < 2; i++) (void)fcntl(run.s[i].fd, F_SETFL, O_RDONLY | O_NONBLOCK);

  rc = spawn_child(o, pout[1], perr[1], &run.pid);
  close_fd(&pout[1]);
  close_fd(&perr[1]);
  if (rc != 0) return fail_start(&run, rc, t0);
  r->pgid = run.pid;
  /* A pidfd wakes poll() the moment the child exits; without one (old
  ** kernels) exit is found by polling waitid with a short backoff. */
#ifdef SYS_pidfd_open
  run.pidfd = (int)syscall(SYS_pidfd_open, run.pid, 0);
#else
  run.pidfd = -1;
#endif

  for (;;) {
    struct pollfd pfd[3];
    nfds_t nfd = 0;
    double w = POLL_MAX_S;
    int open_fds = (run.s[0].fd >= 0) + (run.s[1].fd >= 0);
    int ms;

    t = now_s();
    if (!reaped) {
      if (!zombie) {
        int ex = child_exited(&run);
        if (ex < 0) {                  /* cannot wait: someone else reaps */
          r->sys_errno = errno;
          reaped = 1;
          drain_until = t + EXEC_DRAIN_S;
        } else {
          zombie = ex;
        }
      }
      if (zombie) {
        /* The zombie pins the pid, so kill(-pgid) cannot hit a reused group. */
        if (stage == 1 && open_fds > 0 && t < kill_at) {
          /* TERM sent: let the rest of the group use its grace */
        } else {
          if (stage > 0) signal_group(run.pid, SIGKILL);
          reap(&run);
          reaped = 1;
          drain_until = now_s() + EXEC_DRAIN_S;
        }
      }
    }

    if (!reaped) {
      if (o->on_tick && t >= next_tick) {
        o->on_tick(o->ud, t - t0);
        next_tick += tick;
        if (next_tick <= t) next_tick = t + tick;
      }
      if (stage == 0) {
        if (o->interrupt && *o->interrupt) { r->interrupted = 1; stage = 1; }
        else if (t >= deadline) { r->timed_out = 1; stage = 1; }
        if (stage == 1) {
          signal_group(run.pid, SIGTERM);
          kill_at = t + grace;
        }
      } else if (stage == 1 && t >= kill_at && !zombie) {
        signal_group(run.pid, SIGKILL);
        stage = 2;
      }
    } else {
      if (open_fds == 0) break;
      if (t >= drain_until) { r->detached = 1; break; }
    }

    /* How long to wait: never past the next event, never over 50 ms. */
    if (!reaped) {
      if (o->on_tick && next_tick - t < w) w = next_tick - t;
      if (stage == 0 && deadline - t < w) w = deadline - t;
      if (stage == 1 && kill_at - t < w) w = kill_at - t;
      if (open_fds == 0 && run.pidfd < 0) {
        /* Exit is detected by polling waitid: back off 1, 2, 4 .. 50 ms. */
        if (backoff < w) w = backoff;
        if (backoff < POLL_MAX_S) backoff *= 2;
      }
    } else if (drain_until - t < w) {
      w = drain_until - t;
    }
    if (w <= 0) ms = 0;
    else { ms = (int)(w * 1000.0); if ((double)ms < w * 1000.0) ms++; }
    if (ms > 50) ms = 50;

    for (i = 0; i < 2; i++) {
      if (run.s[i].fd >= 0) {
        pfd[nfd].fd = run.s[i].fd;
        pfd[nfd].events = POLLIN;
        pfd[nfd].revents = 0;
        nfd++;
      }
    }
    if (!reaped && !zombie && run.pidfd >= 0) {
      pfd[nfd].fd = run.pidfd;
      pfd[nfd].events = POLLIN;
      pfd[nfd].revents = 0;
      nfd++;
    }
    rc = poll(nfd ? pfd : NULL, nfd, ms);
    if (rc < 0) {
      if (errno != EINTR) {            /* ENOMEM and friends: just wait */
        struct timespec ts;
        r->sys_errno = errno;
        ts.tv_sec = 0; ts.tv_nsec = (long)ms * 1000000L;
        nanosleep(&ts, NULL);
      }
      continue;
    }
    if (rc > 0) {
      nfds_t k;
      for (k = 0; k < nfd; k++) {
        if (pfd[k].revents == 0) continue;
        for (i = 0; i < 2; i++)
          if (run.s[i].fd == pfd[k].fd) read_stream(&run, &run.s[i]);
      }
    }
  }

  if (run.pidfd >= 0) close(run.pidfd);
  /* Flush final unterminated lines, then hand the captures over. */
  for (i = 0; i < 2; i++) {
    close_fd(&run.s[i].fd);
    if (run.s[i].line && run.s[i].line_len > 0) deliver(&run, &run.s[i]);
  }
  r->out = run.s[0].cap; r->out_len = run.s[0].len; r->out_truncated = run.s[0].truncated;
  r->err = run.s[1].cap; r->err_len = run.s[1].len; r->err_truncated = run.s[1].truncated;
  r->out_dropped = run.s[0].dropped;
  r->err_dropped = run.s[1].dropped;
  run.s[0].cap = run.s[1].cap = NULL;
  free_streams(&run);
  r->duration_s = now_s() - t0;
  return 0;
}

void exec_result_free(ExecResult *r) {
  if (!r) return;
  free(r->out); r->out = NULL; r->out_len = 0;
  free(r->err); r->err = NULL; r->err_len = 0;
}
