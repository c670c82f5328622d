/*
** durable.h -- writing files so that a crash cannot lose or tear them:
** the one place rbk's state files (bytecode, run pointers, runbook copies)
** are written. The journal appends through durable_write_all and syncs
** its directory with durable_sync_dir.
*/
#ifndef RBK_DURABLE_H
#define RBK_DURABLE_H

#include <stddef.h>
#include <sys/types.h>

/* durable_write_all writes all n bytes (retrying short writes and EINTR);
** 0, or -1 with errno. */
int durable_write_all(int fd, const void *p, size_t n);
/* durable_sync_dir fsyncs a directory so that new or renamed entries in it
** survive a crash (file systems that cannot are not an error); 0 or -1. */
int durable_sync_dir(const char *dir);
/* durable_replace writes data to path atomically: a temporary file beside
** it (mode), fsync, rename over path, fsync of the directory. Readers see
** the old contents or the new, never a part. 0, or -1 with a reason in err. */
int durable_replace(const char *path, const void *data, size_t n, mode_t mode, char *err, size_t errlen);

#endif
