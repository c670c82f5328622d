/*
** status_page.h -- the live status page of a run: one self-contained
** HTML page (inline CSS, no script, nothing fetched) made from the run's
** journal, for stakeholders who are pointed at it through any web server
** (rbk runs none). It shows the run's state, the current step and its
** hosts, elapsed against planned (the step's expect and timeout, the
** planned total and the window), what the run waits for, from whom, and
** the command that unblocks it, every step's state, the hosts of steps
** on hosts, the last verify outcomes and the links between runs (undo
** of, undone by). While the run has not ended, the page reloads itself
** (<meta http-equiv="refresh">); once it has, it stops.
**
** Written by the process that runs the run after each journal record
** (cli/livepage.c, into RUNDIR/status.html and --status-page FILE), and
** by `rbk status RUN --format html`. Texts come from the journal, where
** secrets are already masked (***), so no secret can reach the page.
*/
#ifndef RBK_STATUS_PAGE_H
#define RBK_STATUS_PAGE_H

#include "../base/buf.h"
#include "../run/runread.h"

typedef struct StatusPageOpts {
  const char *ref;     /* how the commands on the page name the run (its ID or directory) */
  int leaving;         /* the process that ran the run is letting it go: it no longer runs it */
  int in_run_dir;      /* the page lives in the run's directory: link the journal and other runs' pages */
  int refresh;         /* seconds between reloads while the run has not ended */
} StatusPageOpts;

/* status_page_render appends the page of the run in dir (its journal
** loaded in L) to out. */
void status_page_render(const RrJournal *L, const char *dir, const StatusPageOpts *o, Buf *out);

#endif
