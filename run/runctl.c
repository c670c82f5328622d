/*
** runctl.c -- helpers shared by the commands that drive runs.
** Called by rbk run, resume, undo, watch and the answering commands.
*/
#include "runctl.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "exits.h"

const char *login_name(void) {
  const char *u = getenv("USER");
  struct passwd *pw;
  if (u && *u) return u;
  pw = getpwuid(getuid());
  return pw ? pw->pw_name : "unknown";
}

int journal_lost(const char *cmd, const Journal *j, const char *next) {
  fflush(stdout);
  fprintf(stderr, "rbk %s: the run's state could not be written: %s\n", cmd,
          j->broken_why[0] ? j->broken_why : "the journal failed");
  fprintf(stderr, "rbk %s: stopped at once: nothing more was run, and nothing more was written to the journal. "
                  "Free space (or mend the disk), then %s.\n",
          cmd, next);
  return EXIT_STATE;
}
