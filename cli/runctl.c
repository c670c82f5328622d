/*
** runctl.c -- helpers shared by the commands that drive runs.
*/
#include "runctl.h"

#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *login_name(void) {
  const char *u = getenv("USER");
  struct passwd *pw;
  if (u && *u) return u;
  pw = getpwuid(getuid());
  return pw ? pw->pw_name : "unknown";
}

int write_file_durable(const char *path, const char *data, size_t n) {
  char tmp[5100], dir[5100];
  const char *slash;
  int fd;
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
  fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  if (write(fd, data, n) != (ssize_t)n || fsync(fd) != 0) {
    close(fd);
    unlink(tmp);
    return -1;
  }
  close(fd);
  if (rename(tmp, path) != 0) {
    unlink(tmp);
    return -1;
  }
  slash = strrchr(path, '/');
  snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
  fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
  return 0;
}
