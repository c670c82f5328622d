/*
** runpick.c -- the run a command means when RUN is left out (runpick.h).
** Called by cmd_inspect.c, cmd_report.c, cmd_run.c and cmd_answer.c.
**
** READ-ONLY: every run of the state directory is read as runread.h says
** and its state derived there (rr_derive); nothing is written or locked.
*/
#include "runpick.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/mem.h"
#include "../run/exits.h"
#include "../run/runread.h"
#include "../run/state.h"

typedef struct Cand {
  char *id, *started, *title;
  int state;
} Cand;

static int newest_first(const void *a, const void *b) {
  const Cand *x = a, *y = b;
  int c = strcmp(y->started, x->started);
  return c ? c : strcmp(y->id, x->id);
}

static const char *state_word(int s) {
  switch (s) {
  case RR_S_SUCCEEDED: return "succeeded";
  case RR_S_FAILED: return "failed";
  case RR_S_FINISHED: return "finished";
  case RR_S_WAITING: return "waiting";
  case RR_S_INTERRUPTED: return "interrupted";
  case RR_S_RUNNING: return "running";
  default: return "unreadable";
  }
}

/* wanted says whether a run in state s (answered: its wait has been
** answered since) is a candidate for which. */
static int wanted(RunPick which, int s, int answered) {
  if (which == PICK_NEWEST) return 1;
  if (which == PICK_WAITING) return s == RR_S_WAITING && !answered;
  return s == RR_S_WAITING || s == RR_S_INTERRUPTED;
}

int cli_pick_run(const char *cmd, RunPick which, const char *state_arg, char *out, size_t n) {
  static const char *const what[] = {"the newest", "the one waiting for a person", "the one waiting or interrupted"};
  char state[JRN_PATH_MAX], runs[JRN_PATH_MAX + 8], dir[JRN_PATH_MAX];
  Cand *c = NULL;
  size_t nc = 0, cap = 0, i;
  struct dirent *e;
  DIR *d;
  int rc = EXIT_USAGE;
  if (state_arg) snprintf(state, sizeof state, "%s", state_arg);
  else state_dir_default(state, sizeof state);
  snprintf(runs, sizeof runs, "%s/runs", state);
  d = opendir(runs);
  while (d && (e = readdir(d)) != NULL) {
    RrJournal L;
    RrInfo I;
    if (e->d_name[0] == '.') continue;
    if ((size_t)snprintf(dir, sizeof dir, "%s/%s", runs, e->d_name) >= sizeof dir) continue;
    if (!rr_is_dir(dir)) continue;
    if (rr_load(&L, dir) < 0) {
      rr_unload(&L);
      continue;
    }
    memset(&I, 0, sizeof I);
    rr_derive(&L, dir, &I);
    if (wanted(which, I.state, I.answer != NULL)) {
      if (nc == cap) c = mem_grow(c, &cap, nc + 1, sizeof *c);
      c[nc].id = mem_strdup(e->d_name);
      c[nc].started = mem_strdup(I.started ? I.started : "");
      c[nc].title = mem_strdup(I.title ? I.title : I.runbook ? I.runbook : "");
      c[nc].state = I.state;
      nc++;
    }
    rr_info_free(&I);
    rr_unload(&L);
  }
  if (d) closedir(d);
  if (nc) qsort(c, nc, sizeof *c, newest_first);
  if (nc == 0) {
    fprintf(stderr, "rbk %s: no RUN given, and there is no run%s in %s\nTry 'rbk %s --help'.\n", cmd,
            which == PICK_NEWEST     ? ""
            : which == PICK_WAITING ? " waiting for a person"
                                    : " waiting or interrupted",
            state, cmd);
  } else if (which != PICK_NEWEST && nc > 1) {
    fprintf(stderr, "rbk %s: no RUN given, and %zu runs are %s; say which:\n", cmd, nc,
            which == PICK_WAITING ? "waiting for a person" : "waiting or interrupted");
    for (i = 0; i < nc; i++) {
      Buf b = BUF_INIT;
      rr_put_cstr(&b, c[i].id, 120);
      buf_printf(&b, "  %-11s  %.10s %.8s  ", state_word(c[i].state), c[i].started,
                 strlen(c[i].started) > 11 ? c[i].started + 11 : "");
      rr_put_cstr(&b, c[i].title, 60);
      fprintf(stderr, "  %s\n", buf_cstr(&b));
      buf_free(&b);
    }
    fprintf(stderr, "Give one of them as RUN; see 'rbk %s --help'.\n", cmd);
  } else if (strlen(c[0].id) >= n) {
    fprintf(stderr, "rbk %s: the run ID %s is too long\n", cmd, c[0].id);
  } else {
    Buf b = BUF_INIT;
    snprintf(out, n, "%s", c[0].id);
    rr_put_cstr(&b, c[0].id, 200);
    fprintf(stderr, "rbk: using run %s (%s)\n", buf_cstr(&b), what[which]);
    buf_free(&b);
    rc = 0;
  }
  for (i = 0; i < nc; i++) {
    mem_free(c[i].id);
    mem_free(c[i].started);
    mem_free(c[i].title);
  }
  mem_free(c);
  return rc;
}
