/*
** runctl.h -- small things `run`, `resume`, `undo` and the answering
** commands share.
*/
#ifndef RBK_RUNCTL_H
#define RBK_RUNCTL_H

#include <stddef.h>

#include "journal.h"

/* login_name is $USER, else the password entry's name, else "unknown". */
const char *login_name(void);

/* journal_lost reports that journal j could not be written (j->broken:
** its path and the OS error) and that the command stopped at once,
** running and writing nothing more; next says how to go on once space is
** back (e.g. "'rbk resume ID' continues the run"). Returns EXIT_STATE. */
int journal_lost(const char *cmd, const Journal *j, const char *next);

#endif
