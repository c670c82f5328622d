/*
** runpick.h -- which run a command means when its RUN argument is left
** out (rbk status, log, report, resume, approve, confirm, answer).
*/
#ifndef RBK_RUNPICK_H
#define RBK_RUNPICK_H

#include <stddef.h>

/* What a command may mean by no RUN. */
typedef enum RunPick {
  PICK_NEWEST,       /* status, log, report: the newest run */
  PICK_WAITING,      /* approve, confirm, answer: the one run waiting for a person */
  PICK_RESUMABLE,    /* resume: the one run waiting or interrupted */
} RunPick;

/* cli_pick_run finds the run command cmd means in the state directory
** (state, else RBK_STATE_DIR, else ./.rbk), writes its ID to out and says
** on stderr which it took ("rbk: using run ID (the newest)"). With no
** candidate, or several (they are listed, newest first), it says so and
** returns EXIT_USAGE; else 0. */
int cli_pick_run(const char *cmd, RunPick which, const char *state, char *out, size_t n);

#endif
