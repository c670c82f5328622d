/*
** durable.c -- crash-safe file writing.
** Used by the journal, the state files, .rbc output and rbk fmt --write.
*/
#include "durable.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"

int durable_write_all(int fd, const void *data, size_t n) {
  const char *p = data;
  while (n > 0) {
    ssize_t k = write(fd, p, n);
    if (k < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (k == 0) {
      errno = EIO;
      return -1;
    }
    p += k;
    n -= (size_t)k;
  }
  return 0;
}

int durable_sync_dir(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), e, rc = 0;
  if (fd < 0) return -1;
  /* Some file systems cannot fsync a directory; there is nothing more to do. */
  if (fsync(fd) != 0 && errno != EINVAL && errno != ENOTSUP) rc = -1;
  e = errno;
  close(fd);
  errno = e;
  return rc;
}

static int sync_parent(const char *path) {
  const char *slash = strrchr(path, '/');
  char *dir;
  int rc;
  if (!slash) dir = mem_strdup(".");
  else if (slash == path) dir = mem_strdup("/");
  else dir = mem_strndup(path, (size_t)(slash - path));
  rc = durable_sync_dir(dir);
  mem_free(dir);
  return rc;
}

int durable_replace(const char *path, const void *data, size_t n, mode_t mode, char *err, size_t errlen) {
  size_t len = strlen(path);
  char *tmp = mem_alloc(len + sizeof ".tmp.XXXXXX");
  int fd, e;
  memcpy(tmp, path, len);
  memcpy(tmp + len, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
  fd = mkstemp(tmp);
  if (fd < 0) {
    snprintf(err, errlen, "%s: cannot create a temporary file beside it: %s", path, strerror(errno));
    mem_free(tmp);
    return -1;
  }
  (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
  if (fchmod(fd, mode) != 0 || durable_write_all(fd, data, n) != 0 || fsync(fd) != 0) {
    e = errno;
    close(fd);
    unlink(tmp);
    snprintf(err, errlen, "%s: cannot write: %s", path, strerror(e));
    mem_free(tmp);
    return -1;
  }
  if (close(fd) != 0 || rename(tmp, path) != 0) {
    e = errno;
    unlink(tmp);
    snprintf(err, errlen, "%s: cannot put the new file in place: %s", path, strerror(e));
    mem_free(tmp);
    return -1;
  }
  mem_free(tmp);
  if (sync_parent(path) != 0) {
    snprintf(err, errlen, "%s: written, but its directory could not be synced: %s", path, strerror(errno));
    return -1;
  }
  return 0;
}
