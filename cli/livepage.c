/*
** livepage.c -- the live status page kept up to date (livepage.h).
*/
#include "livepage.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <linux/sockios.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../base/buf.h"
#include "../base/durable.h"
#include "../review/status_page.h"
#include "../run/runread.h"
#include "../run/state.h"
#include "../vm/vm.h"

enum { RELOAD_SECS = 2 };

/* ref_of names the run in dir as commands should: its ID when that finds
** it in the default state directory, else the directory itself. */
static void ref_of(const char *dir, char *ref, size_t n) {
  const char *id = strrchr(dir, '/');
  char found[JRN_PATH_MAX], why[JRN_PATH_MAX + 200], a[PATH_MAX], b[PATH_MAX];
  id = id ? id + 1 : dir;
  if (state_find_run(id, found, sizeof found, why, sizeof why) == 0 && realpath(found, a) && realpath(dir, b) &&
      strcmp(a, b) == 0)
    snprintf(ref, n, "%s", id);
  else
    snprintf(ref, n, "%s", dir);
}

/* put_page renders the run in dir and writes it to path; returns 0 or -1 with err. */
static int put_page(const RrJournal *L, const char *dir, const char *path, const char *ref, int leaving, int in_run_dir,
                    char *err, size_t errlen) {
  Buf out = BUF_INIT;
  StatusPageOpts o;
  int rc;
  memset(&o, 0, sizeof o);
  o.ref = ref;
  o.leaving = leaving;
  o.in_run_dir = in_run_dir;
  o.refresh = RELOAD_SECS;
  status_page_render(L, dir, &o, &out);
  /* the run directory's copy stays private like the rest of it (0600 in a
  ** 0700 directory); the --status-page copy is meant to be served */
  rc = durable_replace(path, out.p ? out.p : "", out.n, in_run_dir ? 0600 : 0644, err, errlen);
  buf_free(&out);
  return rc;
}

/* journal_bytes is the size of the run's journal in dir, -1 if unknown. */
static long long journal_bytes(const char *dir) {
  char path[JRN_PATH_MAX + 32];
  struct stat st;
  snprintf(path, sizeof path, "%s/journal.jsonl", dir);
  return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* made_from_of reads the number in status.lock (open at fd): -1 if none. */
static long long made_from_of(int fd) {
  char num[32];
  ssize_t k = pread(fd, num, sizeof num - 1, 0);
  if (k <= 0) return -1;
  num[k] = '\0';
  return strtoll(num, NULL, 10);
}

/* Two processes may write a run's pages at once: a writer that finishes
** after its run has let the run go (writer_stop), and the next command
** on the run (rbk approve, a resume). So a page made from a journal is
** never put in place of one made from more of it: RUNDIR/status.lock
** (mode 0600) holds how many of the journal's bytes the pages in place
** were made from, and is locked (flock) while they are replaced.
** page_lock locks it and reads that number into *had (-1: none); it
** returns the descriptor, or -1 (then the pages are written unguarded,
** as a run dir without the file can only be an old one). */
static int page_lock(const char *dir, long long *had) {
  char path[JRN_PATH_MAX + 32];
  int fd;
  *had = -1;
  snprintf(path, sizeof path, "%s/status.lock", dir);
  if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0) return -1;
  while (flock(fd, LOCK_EX) != 0) {
    if (errno != EINTR) {
      close(fd);
      return -1;
    }
  }
  *had = made_from_of(fd);
  return fd;
}

/* page_unlock records that the pages in place were made from made_from
** bytes of the journal (when written) and lets the lock go. */
static void page_unlock(int fd, long long made_from, int written) {
  if (fd < 0) return;
  if (written && made_from >= 0) {
    char num[32];
    int n = snprintf(num, sizeof num, "%lld\n", made_from);
    if (ftruncate(fd, 0) == 0 && pwrite(fd, num, (size_t)n, 0) != n) {
      /* the next writer then finds no number and writes, as without the file */
    }
  }
  close(fd);
}

/* page_stale says whether the pages in place were made from less of the
** journal than there is (page_lock): the writer of the run's last process
** left them to this one (writer_loop), which then writes them even if it
** adds nothing. */
static int page_stale(const char *dir) {
  char path[JRN_PATH_MAX + 32];
  long long had = -1;
  int fd;
  snprintf(path, sizeof path, "%s/status.lock", dir);
  if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) >= 0) {
    had = made_from_of(fd);
    close(fd);
  }
  /* -1: no page made yet, or one from before status.lock: as before */
  return had >= 0 && had < journal_bytes(dir);
}

/* write_pages writes the run dir's page and the extra one (may be NULL);
** returns 0, or -1 with why in err. A page older than the one in place
** (page_lock) is not written, which is no failure. */
static int write_pages(const char *dir, const char *extra, int leaving, char *err, size_t errlen) {
  RrJournal L;
  char path[JRN_PATH_MAX + 32], ref[JRN_PATH_MAX];
  long long made_from = journal_bytes(dir), had;   /* before the read: the pages show at least this much */
  int rc = 0, lk;
  if (rr_load(&L, dir) < 0) {
    snprintf(err, errlen, "%s", L.why);
    rr_unload(&L);
    return -1;
  }
  ref_of(dir, ref, sizeof ref);
  snprintf(path, sizeof path, "%s/status.html", dir);
  lk = page_lock(dir, &had);
  if (lk >= 0 && had > made_from) {   /* a newer page is in place */
    page_unlock(lk, made_from, 0);
    rr_unload(&L);
    return 0;
  }
  if (put_page(&L, dir, path, ref, leaving, 1, err, errlen) != 0) rc = -1;
  if (extra && rc == 0 && put_page(&L, dir, extra, ref, leaving, 0, err, errlen) != 0) rc = -1;
  page_unlock(lk, made_from, rc == 0);
  rr_unload(&L);
  return rc;
}

/* saved_path reads the path remembered in DIR/status-page into out
** (size n); returns out, or NULL when there is none. */
static const char *saved_path(const char *dir, char *out, size_t n) {
  char path[JRN_PATH_MAX + 32];
  FILE *f;
  const char *x = NULL;
  snprintf(path, sizeof path, "%s/status-page", dir);
  if ((f = fopen(path, "re")) != NULL) {
    if (fgets(out, (int)n, f)) {
      out[strcspn(out, "\n")] = '\0';
      if (out[0]) x = out;
    }
    fclose(f);
  }
  return x;
}

/* remember saves the --status-page path in DIR/status-page (mode 0600)
** for the commands that answer gates and for a later resume; without
** one, it takes the path saved there by an earlier process. */
static void remember(LivePage *lp, const char *dir) {
  char path[JRN_PATH_MAX + 32], abs[PATH_MAX], err[JRN_PATH_MAX + 200];
  const char *extra = lp->extra;
  Buf b = BUF_INIT;
  lp->remembered = 1;
  if (!extra) {
    lp->extra = saved_path(dir, lp->saved, sizeof lp->saved);
    return;
  }
  if (extra[0] != '/' && getcwd(abs, sizeof abs)) {
    buf_printf(&b, "%s/%s\n", abs, extra);
  } else {
    buf_printf(&b, "%s\n", extra);
  }
  snprintf(path, sizeof path, "%s/status-page", dir);
  if (durable_replace(path, b.p, b.n, 0600, err, sizeof err) != 0 && !lp->warned) {
    fprintf(stderr, "rbk %s: --status-page: %s\n", lp->cmd, err);
    lp->warned = 1;
  }
  buf_free(&b);
}

/* at_once says whether a record of this type changes what the page's
** reader waits to see: a step, a host, a gate, the run's start or end. */
static int at_once(const char *type) {
  static const char *const types[] = {"run_start", "resume", "step_start", "step_end", "host_start", "host_end",
                                      "gate_wait", "paused", "run_end", "interrupted", "skip", "link", "decision",
                                      "repl_start", "repl_end", "accept_changes", NULL};
  size_t i;
  for (i = 0; types[i]; i++)
    if (strcmp(type, types[i]) == 0) return 1;
  return 0;
}

/* The page reloads itself every RELOAD_SECS: a write more often than
** once a second is seen by nobody, and a step's start or end, a gate or
** the run's end shows within a quarter of a second. */
enum { MIN_GAP_MS = 1000, URGENT_GAP_MS = 250, COST_FACTOR = 19 };

/* write_now writes the pages, saying a failure once. */
static void write_now(LivePage *lp, const char *dir, int final) {
  char err[JRN_PATH_MAX + 300];
  if (!lp->remembered) remember(lp, dir);
  lp->last = vm_now();
  if (write_pages(dir, lp->extra, final, err, sizeof err) != 0 && !lp->warned) {
    fprintf(stderr, "rbk %s: the status page cannot be written: %s\n", lp->cmd, err);
    lp->warned = 1;
  }
  lp->cost = vm_now() - lp->last;
}

/* gap_ms is the least time between two writes: the fixed gap, or
** COST_FACTOR times what the last write cost (a long run's journal takes
** longer to render), so the writer takes at most a twentieth of a CPU;
** it also runs at the lowest priority (writer_start), so even that is
** only time the run leaves idle. */
static int gap_ms(const LivePage *lp, int urgent) {
  double g = urgent ? URGENT_GAP_MS : MIN_GAP_MS, c = lp->cost * COST_FACTOR * 1000;
  return (int)(c > g ? c : g);
}

/* ---- the writer process ------------------------------------------------ */

/* The run's process only tells the writer (a child it forks before the
** run is opened) that the run in DIR changed: "D" DIR "\n", or "d" DIR
** "\n" for a change to show at once, and "F" DIR "\n" when it lets the
** run go and waits for the last page ("L" DIR "\n" when it does not,
** writer_stop), the first two on a data socket, the last two on a control
** socket. The writer reads the journal from disk, so rendering, the fsyncs
** and the rename cost the run nothing, and a burst of changes is written
** once. */

/* taken_over says whether another live process holds the run now (its
** lock names it): a later resume, whose writer writes newer pages. */
static int taken_over(const LivePage *lp, const char *dir) {
  long long pid = rr_lock_pid(dir);
  return pid != lp->run_pid && rr_pid_alive(pid);
}

/* A channel from the run: a socket and the part of a message read so far. */
typedef struct Chan {
  int fd;
  size_t have;
  char line[JRN_PATH_MAX + 4];
} Chan;

/* WState is what the writer has been told and not yet written. */
typedef struct WState {
  char dir[JRN_PATH_MAX];
  int dirty, urgent, final, eof;
} WState;

/* drain reads what c holds without waiting and takes in every whole
** message: the end of file (the run's process is gone) sets eof. */
static void drain(LivePage *lp, Chan *c, WState *w) {
  for (;;) {
    ssize_t k = recv(c->fd, c->line + c->have, sizeof c->line - 1 - c->have, MSG_DONTWAIT);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) return;   /* EAGAIN: all read */
    if (k == 0) {
      w->eof = 1;
      return;
    }
    c->have += (size_t)k;
    for (;;) {   /* every whole message read */
      char *nl = memchr(c->line, '\n', c->have);
      size_t n;
      if (!nl) {
        if (c->have == sizeof c->line - 1) c->have = 0;   /* no message is that long */
        break;
      }
      n = (size_t)(nl - c->line);
      if (n > 1) {
        /* the first page waits a gap too: a resume that replays a long
        ** journal and stops, or a run that fails at once, is written
        ** once, at the end, instead of twice */
        if (lp->last == 0) lp->last = vm_now();
        snprintf(w->dir, sizeof w->dir, "%.*s", (int)(n - 1), c->line + 1);
        w->dirty = 1;
        if (c->line[0] == 'd') w->urgent = 1;
        if (c->line[0] == 'F' || c->line[0] == 'L') w->final = 1;
        if (c->line[0] == 'L') {
          lp->alone = 1;
          lp->left_at = journal_bytes(w->dir);   /* all the run appended */
        }
      }
      memmove(c->line, nl + 1, c->have - n - 1);
      c->have -= n + 1;
    }
  }
}

/* writer_loop is the child's life: it ends at "F" or "L" or when the run's
** process has gone (end of file), writing the page a last time. Changes
** come on data, "F" and "L" on ctl. Once a page is due at a set time (at
** the latest a quarter of a second on), the writer stops listening to
** data until then: the run sees its messages unread and sends no more
** (tell), so a burst of records costs neither side a wake-up each. */
static void writer_loop(LivePage *lp, int data, int ctl) {
  Chan d, c;
  WState w;
  memset(&w, 0, sizeof w);
  d.fd = data, d.have = 0;
  c.fd = ctl, c.have = 0;
  while (!w.final && !w.eof) {
    struct pollfd pf[2];
    int wait_ms = -1;
    if (w.dirty) {
      double since = (vm_now() - lp->last) * 1000;
      int gap = gap_ms(lp, w.urgent);
      wait_ms = since >= gap ? 0 : gap - (int)since;
    }
    pf[0].fd = ctl;
    pf[0].events = POLLIN;
    pf[1].fd = w.dirty && w.urgent ? -1 : data;   /* poll skips a negative fd */
    pf[1].events = POLLIN;
    pf[0].revents = pf[1].revents = 0;
    if (poll(pf, 2, wait_ms) < 0 && errno != EINTR) break;
    drain(lp, &c, &w);
    drain(lp, &d, &w);
    if (w.dirty && w.dir[0] && !w.final && !w.eof) {
      double since = (vm_now() - lp->last) * 1000;
      if (since >= gap_ms(lp, w.urgent)) {
        w.dirty = w.urgent = 0;
        write_now(lp, w.dir, 0);
      }
    }
  }
  if (w.dir[0] && lp->alone) {
    /* nobody waits for this page: give a later process on the run (the
    ** next resume) a moment to take it, and then leave the page to that
    ** process's writer, which makes a newer one: one that holds the run
    ** now, or one that has appended to it since (its writer, or the next
    ** one's, writes the page, as this one would) */
    struct timespec gap = {0, URGENT_GAP_MS * 1000000L};
    while (nanosleep(&gap, &gap) != 0 && errno == EINTR) {
    }
    if (taken_over(lp, w.dir)) return;
    if (lp->left_at >= 0 && journal_bytes(w.dir) > lp->left_at) return;
  }
  if (w.dir[0]) write_now(lp, w.dir, 1);
}

/* close_span closes the descriptors from..to: one close_range call
** (Linux 5.9), or close() on each below the limit where there is none. */
static void close_span(int from, int to) {
  struct rlimit rl;
  int fd, top;
  if (to < from || close_range((unsigned)from, (unsigned)to, 0) == 0) return;
  top = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536 ? (int)rl.rlim_cur : 65536;
  for (fd = from; fd <= to && fd < top; fd++) close(fd);
}

/* close_others closes every descriptor from 3 up but a and b. */
static void close_others(int a, int b) {
  int lo = a < b ? a : b, hi = a < b ? b : a;
  close_span(3, lo - 1);
  close_span(lo + 1, hi - 1);
  close_span(hi + 1, INT_MAX);
}

/* writer_start forks the writer; on failure the pages are written by the
** run's own process. */
static void writer_start(LivePage *lp) {
  int sv[2], cv[2];
  pid_t pid;
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return;
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cv) != 0) {
    close(sv[0]);
    close(sv[1]);
    return;
  }
  fflush(stdout);
  fflush(stderr);
  lp->run_pid = (int)getpid();
  pid = fork();
  if (pid < 0) {
    close(sv[0]);
    close(sv[1]);
    close(cv[0]);
    close(cv[1]);
    return;
  }
  if (pid == 0) {
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    setpriority(PRIO_PROCESS, 0, 19);   /* the page never takes a CPU from the run */
    signal(SIGINT, SIG_IGN);    /* Ctrl-C is the run's to handle; it then says F */
    signal(SIGQUIT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    if (null >= 0) {
      dup2(null, 0);
      dup2(null, 1);
    }
    close_others(sv[1], cv[1]);   /* nothing of the run's: no lock, no journal */
    writer_loop(lp, sv[1], cv[1]);
    _exit(0);
  }
  close(sv[1]);
  close(cv[1]);
  lp->fd = sv[0];
  lp->cfd = cv[0];
  lp->pid = pid;
}

void livepage_init(LivePage *lp, const char *cmd, const char *extra) {
  memset(lp, 0, sizeof *lp);
  lp->cmd = cmd;
  lp->extra = extra && *extra ? extra : NULL;
  lp->fd = lp->cfd = -1;
  writer_start(lp);
}

/* tell sends one message to the writer; 0, or -1 if it is gone. A change
** ("D", "d") goes on the data socket, and not at all while the writer has
** not yet read the last one (SIOCOUTQ: bytes it has not taken) unless
** this one is more urgent: the writer reads the journal after it takes
** its messages, so the change is in the page it writes next anyway.
** "F" and "L" go on the control socket, which the writer always hears. */
static int tell(LivePage *lp, char kind, const char *dir, int block) {
  char m[JRN_PATH_MAX + 4];
  size_t off = 0, n;
  int rc = 0, fd = kind == 'F' || kind == 'L' ? lp->cfd : lp->fd, unread = 0;
  if (fd == lp->fd && ioctl(fd, SIOCOUTQ, &unread) == 0 && unread > 0 && (kind == 'D' || lp->pending == 'd'))
    return 0;
  n = (size_t)snprintf(m, sizeof m, "%c%s\n", kind, dir);
  if (n >= sizeof m) return 0;   /* no run directory is that long (JRN_PATH_MAX) */
  while (off < n) {
    ssize_t k = send(fd, m + off, n - off, MSG_NOSIGNAL | (block ? 0 : MSG_DONTWAIT));
    if (k < 0 && errno == EINTR) continue;
    if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && !block) {
      if (off == 0) break;   /* the writer has plenty to read already */
      block = 1;             /* finish the message */
      continue;
    }
    if (k <= 0) {
      rc = -1;
      break;
    }
    off += (size_t)k;
  }
  if (fd == lp->fd) lp->pending = unread > 0 && lp->pending == 'd' ? 'd' : kind;
  return rc;
}

/* A run's end waits for the last page unless its journal is longer than
** this: rendering a journal of 20,000 records or more takes a noticeable
** while (a tenth of a second or more), and the person at the terminal
** should have the prompt back at once. The writer then finishes alone:
** it ends when that page is written, and page_lock keeps it from putting
** its page in place of a newer one. */
enum { DETACH_BYTES = 4 << 20 };

/* writer_stop waits for the writer to end (final_dir: after telling it to
** write the last page; a long run's writer is left to finish alone). Its
** SIGCHLD is taken off the queue unseen, so that ending a run looks as it
** did before the writer (nothing is delivered after the run's last
** journal write). */
static void writer_stop(LivePage *lp, const char *final_dir) {
  sigset_t chld, old;
  struct timespec zero = {0, 0};
  int st;
  if (final_dir && journal_bytes(final_dir) > DETACH_BYTES) {
    tell(lp, 'L', final_dir, 1);
    close(lp->fd);
    close(lp->cfd);
    lp->fd = lp->cfd = -1;
    lp->pid = 0;   /* reaped by whoever reaps the run's orphans */
    return;
  }
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, &old);
  if (final_dir) tell(lp, 'F', final_dir, 1);
  close(lp->fd);
  close(lp->cfd);
  lp->fd = lp->cfd = -1;
  while (waitpid(lp->pid, &st, 0) < 0 && errno == EINTR) {
  }
  if (!sigismember(&old, SIGCHLD)) {
    while (sigtimedwait(&chld, NULL, &zero) > 0) {
    }
  }
  sigprocmask(SIG_SETMASK, &old, NULL);
  lp->pid = 0;
}

void livepage_changed(void *ud, const char *dir, const char *type, int final) {
  LivePage *lp = ud;
  if (!dir || !dir[0]) return;
  if (final && !lp->changed && !page_stale(dir)) {   /* this process wrote nothing (a finished run): nor does the page */
    if (lp->fd >= 0) writer_stop(lp, NULL);
    return;
  }
  lp->changed = 1;
  if (lp->fd >= 0) {
    if (final) {
      writer_stop(lp, dir);   /* the page is written when the command returns */
      return;
    }
    if (tell(lp, type && at_once(type) ? 'd' : 'D', dir, 0) == 0) return;
    writer_stop(lp, NULL);   /* the writer is gone: write here from now on */
  }
  if (!final && !(type && at_once(type)) && lp->last > 0 && vm_now() - lp->last < MIN_GAP_MS / 1000.0) return;
  write_now(lp, dir, final);
}

void livepage_refresh(const char *cmd, const char *dir) {
  char err[JRN_PATH_MAX + 300], extra[4098];
  if (write_pages(dir, saved_path(dir, extra, sizeof extra), 1, err, sizeof err) != 0)
    fprintf(stderr, "rbk %s: the status page cannot be written: %s\n", cmd, err);
}
