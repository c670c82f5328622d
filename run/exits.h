/*
** exits.h -- the exit statuses of rbk's commands, one table for all of
** them (README.md "Exit codes", rbk --help). The run layer returns them
** from opening and running a run; the commands in cli/ pass them on.
*/
#ifndef RBK_EXITS_H
#define RBK_EXITS_H

#define EXIT_OK 0          /* success; for check: no errors */
#define EXIT_FAILED 1      /* check found errors; run: a step failed */
#define EXIT_USAGE 2       /* bad command line; a missing or unreadable file (every command);
                              a runbook that does not compile */
#define EXIT_WAITING 3     /* run: paused for a person (approve, confirm, answer) */
#define EXIT_BUSY 4        /* another process is executing the run */
#define EXIT_STATE 5       /* the run's state could not be written (journal write failure, disk full) */
#define EXIT_INTERRUPTED 130

#endif
