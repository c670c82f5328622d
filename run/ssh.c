/*
** ssh.c -- a command on a remote host over OpenSSH (see ssh.h).
*/
#include "ssh.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../base/mem.h"

/* The control directory and the hosts that may have a master in it: one
** per process (a forked child leaves them to its parent). */
static char ctl_dir[64];
static pid_t ctl_owner;
static SshTarget *used;
static size_t nused;

static int same(const char *a, const char *b) { return a == b || (a && b && strcmp(a, b) == 0); }

static void remember(const SshTarget *t) {
  size_t i;
  for (i = 0; i < nused; i++)
    if (same(used[i].address, t->address) && same(used[i].user, t->user) && used[i].port == t->port) return;
  used = mem_realloc(used, (nused + 1) * sizeof *used);
  used[nused].name = mem_strdup(t->name ? t->name : t->address);
  used[nused].address = mem_strdup(t->address);
  used[nused].user = t->user ? mem_strdup(t->user) : NULL;
  used[nused].port = t->port;
  nused++;
}

static const char *config(void) {
  const char *c = getenv("RBK_SSH_CONFIG");
  return c && *c ? c : NULL;
}

/* build_argv fills argv (at least 24 slots) for t; extra ("-O", "exit")
** replaces the remote command when given. port is scratch for the number. */
static void build_argv(const SshTarget *t, const char **argv, char *port, size_t portn, char *cp, size_t cpn,
                       int control_exit) {
  int k = 0;
  const char *acc = getenv("RBK_SSH_ACCEPT_NEW_HOST_KEYS");
  snprintf(cp, cpn, "ControlPath=%s/%%C", ctl_dir);
  argv[k++] = "ssh";
  if (config()) {
    argv[k++] = "-F";
    argv[k++] = config();
  }
  argv[k++] = "-o";
  argv[k++] = "BatchMode=yes";
  argv[k++] = "-o";
  argv[k++] = acc && strcmp(acc, "1") == 0 ? "StrictHostKeyChecking=accept-new" : "StrictHostKeyChecking=yes";
  argv[k++] = "-o";
  argv[k++] = "ControlMaster=auto";
  argv[k++] = "-o";
  argv[k++] = cp;
  argv[k++] = "-o";
  argv[k++] = "ControlPersist=60s";
  if (t->port > 0) {
    snprintf(port, portn, "%d", t->port);
    argv[k++] = "-p";
    argv[k++] = port;
  }
  if (t->user) {
    argv[k++] = "-l";
    argv[k++] = t->user;
  }
  if (control_exit) {
    argv[k++] = "-O";
    argv[k++] = "exit";
  }
  argv[k++] = "--";
  argv[k++] = t->address;
  if (!control_exit) {
    argv[k++] = "sh";
    argv[k++] = "-s";
  }
  argv[k] = NULL;
}

static int setup(char *err, size_t errlen) {
  if (ctl_dir[0]) return 0;   /* a child of a parallel batch uses its parent's */
  snprintf(ctl_dir, sizeof ctl_dir, "/tmp/rbk-ssh-XXXXXX");
  if (!mkdtemp(ctl_dir)) {
    snprintf(err, errlen, "cannot make the ssh control directory: %s", strerror(errno));
    ctl_dir[0] = 0;
    return -1;
  }
  chmod(ctl_dir, 0700);
  if (!ctl_owner) atexit(ssh_shutdown);
  ctl_owner = getpid();
  nused = 0;
  return 0;
}

int ssh_prepare(const SshTarget *t, char *err, size_t errlen) {
  if (setup(err, errlen) != 0) return -1;
  remember(t);
  return 0;
}

int ssh_exec(const SshTarget *t, const char *cmd, ExecOpts *o, ExecResult *r, char *err, size_t errlen) {
  const char *argv[32];
  char port[16], cp[128];
  size_t len = strlen(cmd), off = 0;
  int fd, rc;
  memset(r, 0, sizeof *r);
  if (setup(err, errlen) != 0) return -1;
  fd = memfd_create("rbk-cmd", MFD_CLOEXEC);
  if (fd < 0) {
    snprintf(err, errlen, "cannot hold the command for ssh: %s", strerror(errno));
    return -1;
  }
  while (off < len) {
    ssize_t w = write(fd, cmd + off, len - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      snprintf(err, errlen, "cannot hold the command for ssh: %s", strerror(errno));
      close(fd);
      return -1;
    }
    off += (size_t)w;
  }
  if (len == 0 || cmd[len - 1] != '\n') {
    if (write(fd, "\n", 1) != 1) {
      snprintf(err, errlen, "cannot hold the command for ssh: %s", strerror(errno));
      close(fd);
      return -1;
    }
  }
  lseek(fd, 0, SEEK_SET);
  build_argv(t, argv, port, sizeof port, cp, sizeof cp, 0);
  remember(t);
  o->cmd = NULL;
  o->argv = (char *const *)(void *)argv;
  o->stdin_fd = fd;
  rc = exec_run(o, r);
  o->argv = NULL;
  o->stdin_fd = 0;
  close(fd);
  if (rc != 0) snprintf(err, errlen, "cannot start ssh: %s", strerror(r->spawn_errno));
  return rc;
}

void ssh_reason(const ExecResult *r, char *out, size_t n) {
  const char *e = r->err ? r->err : "";
  size_t len = r->err_len;
  size_t end, start;
  while (len && (e[len - 1] == '\n' || e[len - 1] == '\r')) len--;
  end = len;
  start = end;
  while (start && e[start - 1] != '\n') start--;
  if (end == start) snprintf(out, n, "ssh exited with status 255");
  else snprintf(out, n, "%.*s", (int)(end - start > 400 ? 400 : end - start), e + start);
}

void ssh_shutdown(void) {
  size_t i;
  DIR *d;
  struct dirent *de;
  if (!ctl_dir[0] || ctl_owner != getpid()) return;
  for (i = 0; i < nused; i++) {
    const char *argv[32];
    char port[16], cp[128];
    pid_t pid;
    build_argv(&used[i], argv, port, sizeof port, cp, sizeof cp, 1);
    pid = fork();
    if (pid == 0) {
      int nul = open("/dev/null", O_RDWR);
      if (nul >= 0) {
        dup2(nul, 0);
        dup2(nul, 1);
        dup2(nul, 2);
      }
      execvp("ssh", (char *const *)(void *)argv);
      _exit(127);
    }
    if (pid > 0)
      while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
  }
  for (i = 0; i < nused; i++) {
    mem_free((void *)(uintptr_t)used[i].name);
    mem_free((void *)(uintptr_t)used[i].address);
    mem_free((void *)(uintptr_t)used[i].user);
  }
  mem_free(used);
  used = NULL;
  nused = 0;
  d = opendir(ctl_dir);
  if (d) {
    while ((de = readdir(d)) != NULL) {
      char path[400];
      if (de->d_name[0] == '.') continue;
      snprintf(path, sizeof path, "%s/%s", ctl_dir, de->d_name);
      unlink(path);
    }
    closedir(d);
  }
  rmdir(ctl_dir);
  ctl_dir[0] = 0;
}
