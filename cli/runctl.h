/*
** runctl.h -- small things `run`, `resume`, `undo` and the answering
** commands share.
*/
#ifndef RBK_RUNCTL_H
#define RBK_RUNCTL_H

#include <stddef.h>

/* login_name is $USER, else the password entry's name, else "unknown". */
const char *login_name(void);
/* write_file_durable writes data to path with mode 0600: a temporary
** file, fsync, rename, fsync of the directory. Returns 0 or -1 (errno). */
int write_file_durable(const char *path, const char *data, size_t n);

#endif
