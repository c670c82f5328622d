/*
** ssh.h -- a command on a remote host over OpenSSH, the transport of a
** step on hosts (run/fleet.c).
**
** Each command is one `ssh ... -- ADDRESS sh -s` with the command text on
** ssh's standard input (an in-memory file, never a file on disk nor an
** argument), so neither the command nor a secret in it appears in a
** process list on either side. The options:
**   [-F CONFIG] -o BatchMode=yes -o StrictHostKeyChecking=yes (or
**   accept-new) -o ControlMaster=auto -o ControlPath=DIR/%C
**   -o ControlPersist=60s [-p PORT] [-l USER]
** CONFIG is $RBK_SSH_CONFIG (set by --ssh-config); accept-new only when
** $RBK_SSH_ACCEPT_NEW_HOST_KEYS is 1 (set by --accept-new-host-keys).
** DIR is a private 0700 directory made with mkdtemp("/tmp/rbk-ssh-XXXXXX")
** (control socket paths must stay under ~108 bytes), made on first use;
** ssh_shutdown (registered with atexit) ends each master (`ssh -O exit`)
** and removes it.
*/
#ifndef RBK_SSH_H
#define RBK_SSH_H

#include <stddef.h>

#include "exec.h"

typedef struct SshTarget {
  const char *name;     /* for messages */
  const char *address;  /* what ssh connects to (a Host alias of the ssh config, a name or an IP) */
  const char *user;     /* NULL: ssh's choice */
  int port;             /* 0: ssh's choice */
} SshTarget;

/* ssh_exec runs cmd on t, as exec_run does locally (o's callbacks,
** timeout and interrupt apply to the ssh process; o->cmd, argv and
** stdin_fd are set here). Returns exec_run's result, or -1 with err set
** when the transport cannot even be set up. ssh's own failure (it cannot
** connect, the host key is refused) is status 255 in r. */
int ssh_exec(const SshTarget *t, const char *cmd, ExecOpts *o, ExecResult *r, char *err, size_t errlen);
/* ssh_reason writes the reason an ssh that exited 255 gives (its last
** stderr line) into out. */
void ssh_reason(const ExecResult *r, char *out, size_t n);
/* ssh_prepare makes the control directory now and notes t as a host to
** end the master of at exit: before forking the children of a parallel
** batch, so that the parent, which outlives them, cleans up. 0, or -1. */
int ssh_prepare(const SshTarget *t, char *err, size_t errlen);
/* ssh_shutdown ends every control master and removes the control directory. */
void ssh_shutdown(void);

#endif
