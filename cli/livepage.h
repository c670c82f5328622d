/*
** livepage.h -- keeping a run's live status page (review/status_page.h)
** up to date while rbk run, resume, undo or repl holds the run, and when
** rbk approve, confirm or answer changes it: RUNDIR/status.html, and a
** copy at the path given with --status-page FILE (remembered in
** RUNDIR/status-page, so that the commands that answer a gate, and a
** resume or REPL without the option, keep it up to date too). Each page is written atomically (base/durable.h: a temporary file
** beside it, fsync, rename); the --status-page copy with mode 0644, since
** it is meant to be served, the run directory's 0600 like everything in
** it. No page holds a secret (the journal it is made from has none). A
** process that appends nothing (a resume of a finished run) writes no page.
** A page that cannot be written is said once on standard error; the run
** goes on.
*/
#ifndef RBK_LIVEPAGE_H
#define RBK_LIVEPAGE_H

typedef struct LivePage {
  const char *extra;   /* --status-page FILE, or NULL */
  const char *cmd;     /* for messages: "run", "resume", ... */
  double last;         /* when the page was last written (vm_now), 0: never */
  double cost;         /* how long that write took, in seconds */
  int fd;              /* to the writer process, -1: none (the pages are written here) */
  int cfd;             /* the writer's control socket: "F" and "L" */
  char pending;        /* the kind of the last change sent ('D', 'd'), maybe unread yet */
  int pid;             /* the writer's */
  int run_pid;         /* the run's process, which forked the writer */
  int alone;           /* (the writer) told to finish alone: the run does not wait */
  long long left_at;   /* (the writer) the journal's size when told so, -1 unknown */
  int warned;          /* a failure was said */
  int changed;         /* a record was appended: the run changed */
  int remembered;      /* the extra path was saved in (or read from) the run directory */
  char saved[4098];    /* the path read from RUNDIR/status-page when none was given */
} LivePage;

/* livepage_init prepares lp for a command (cmd) with --status-page extra
** (NULL: none), and forks the process that writes the pages (before the
** run is opened: it holds none of the run's files), so that the run does
** not wait for them; it ends when told the run is let go, or when the run's
** process ends. */
void livepage_init(LivePage *lp, const char *cmd, const char *extra);
/* livepage_changed is an Events.changed callback (run/events.h), ud a
** LivePage: it writes the pages of the run in dir after a record of that
** type (a burst of command records at most 4 times a second; steps,
** gates and the run's start and end at once), and when final (the
** process lets the run go: then it waits until the page is written,
** unless the journal is over 4 MiB: that writer finishes alone). */
void livepage_changed(void *ud, const char *dir, const char *type, int final);
/* livepage_refresh writes the pages of the run in dir once (the copy at
** the path the run was started with, if any), as seen by a process that
** does not run it: rbk approve, confirm, answer. */
void livepage_refresh(const char *cmd, const char *dir);

#endif
