/*
** runctl.c -- helpers shared by the commands that drive runs.
** Called by rbk run, resume, undo, watch and the answering commands.
*/
#include "runctl.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

const char *login_name(void) {
  const char *u = getenv("USER");
  struct passwd *pw;
  if (u && *u) return u;
  pw = getpwuid(getuid());
  return pw ? pw->pw_name : "unknown";
}
