/*
** stamp.c -- --timestamps (stamp.h): standard output and standard error
** through a child process that begins each line with the UTC time.
*/
#include "stamp.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../base/buf.h"
#include "../base/utctime.h"


static pid_t stamp_pid;


static void write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t k = write(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return;
    p += k;
    n -= (size_t)k;
  }
}

/* stamp_loop copies in[i] to out[i], the time before each line, until
** both pipes end. A line is stamped when its first byte arrives. */
static void stamp_loop(const int in[2], const int out[2]) {
  struct pollfd pf[2];
  int open = 2, at_start[2] = {1, 1}, i;
  char buf[8192];
  for (i = 0; i < 2; i++) pf[i].fd = in[i], pf[i].events = POLLIN;
  while (open > 0) {
    if (poll(pf, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (i = 0; i < 2; i++) {
      ssize_t n;
      if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      n = read(pf[i].fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        close(pf[i].fd);
        pf[i].fd = -1;
        open--;
        continue;
      }
      {
        Buf o = BUF_INIT;
        ssize_t k;
        char ts[UTC_STAMP_MAX];
        utc_now(ts);
        for (k = 0; k < n; k++) {
          if (at_start[i]) buf_printf(&o, "%s ", ts);
          buf_putc(&o, buf[k]);
          at_start[i] = buf[k] == '\n';
        }
        write_all(out[i], o.p, o.n);
        buf_free(&o);
      }
    }
  }
}

/* stamp_end: at exit, everything written reaches the filter, which ends. */
static void stamp_end(void) {
  int st;
  fflush(stdout);
  fflush(stderr);
  close(1);
  close(2);
  while (stamp_pid > 0 && waitpid(stamp_pid, &st, 0) < 0 && errno == EINTR) {
  }
}

int stamp_start(void) {
  int p1[2], p2[2], in[2], out[2];
  pid_t pid;
  fflush(stdout);
  fflush(stderr);
  if (pipe(p1) != 0) return -1;
  if (pipe(p2) != 0) {
    close(p1[0]);
    close(p1[1]);
    return -1;
  }
  out[0] = dup(1);
  out[1] = dup(2);
  pid = fork();
  if (pid < 0) {
    close(p1[0]), close(p1[1]), close(p2[0]), close(p2[1]), close(out[0]), close(out[1]);
    return -1;
  }
  if (pid == 0) {
    /* the filter: it ends when rbk has closed both pipes (at exit, or killed) */
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    close(p1[1]);
    close(p2[1]);
    {
      int fd;   /* nothing else of rbk's stays open here (locks, the event stream) */
      for (fd = 0; fd < 1024; fd++)
        if (fd != p1[0] && fd != p2[0] && fd != out[0] && fd != out[1]) close(fd);
    }
    in[0] = p1[0];
    in[1] = p2[0];
    stamp_loop(in, out);
    _exit(0);
  }
  close(p1[0]);
  close(p2[0]);
  close(out[0]);
  close(out[1]);
  dup2(p1[1], 1);
  dup2(p2[1], 2);
  close(p1[1]);
  close(p2[1]);
  stamp_pid = pid;
  atexit(stamp_end);
  return 0;
}

