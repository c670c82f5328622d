/*
** runui.c -- the terminal side of a session (runui.h), for rbk run,
** resume and repl: run/ knows nothing of the terminal or of the stdlib.
*/
#include "runui.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../run/exits.h"
#include "../stdlib/natives.h"
#include "livepage.h"

int runui_load(Session *S, Term *t, const char *cmd, RunArgs *a) {
  SessionUi ui;
  int rc;
  memset(&ui, 0, sizeof ui);
  ui.events_fd = -1;
  if (a->events) {
    /* before the terminal looks at standard output: "-" takes it */
    char why[512];
    if ((ui.events_fd = events_open_path(a->events, why, sizeof why)) < 0) {
      fprintf(stderr, "rbk %s: --events: %s\n", cmd, why);
      memset(S, 0, sizeof *S);
      S->lockfd = -1;
      S->jr.fd = -1;
      S->ev.fd = -1;
      return EXIT_USAGE;
    }
  }
  term_init(t);
  t->verbose = a->verbose;
  if (a->timestamps && term_timestamps(t) != 0) fprintf(stderr, "rbk %s: --timestamps: cannot start: %s\n", cmd, strerror(errno));
  term_host(t, &ui.host);
  term_hooks(t, &ui.hooks);
  if (a->verbose > 0) {
    ui.on_event = term_event;
    ui.event_ud = t;
  }
  ui.natives = stdlib_natives(&ui.nnatives);
  if (!a->dry) {
    /* the live status page (cli/livepage.h): one run per process */
    static LivePage page;
    livepage_init(&page, cmd, a->status_page);
    ui.on_change = livepage_changed;
    ui.change_ud = &page;
  }
  rc = session_load(S, cmd, a, &ui);
  if (S->vm_ready) {
    t->vm = &S->vm;
    t->total = (int)S->p->nsteps;
    t->before = S->before;
  }
  return rc;
}
