/*
** runctl.h -- small things `run`, `resume`, `undo` and the answering
** commands share.
*/
#ifndef RBK_RUNCTL_H
#define RBK_RUNCTL_H

#include <stddef.h>

/* login_name is $USER, else the password entry's name, else "unknown". */
const char *login_name(void);

#endif
