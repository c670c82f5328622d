/*
** state.c -- locating state directories and runs.
** Called by every command that opens or finds a run.
*/
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../base/durable.h"
#include "journal.h"

void state_dir_for_runbook(const char *runbook, char *out, size_t n) {
  const char *env = getenv("RBK_STATE_DIR"), *slash;
  if (env && *env) {
    snprintf(out, n, "%s", env);
    return;
  }
  slash = strrchr(runbook, '/');
  if (slash) snprintf(out, n, "%.*s/.rbk", (int)(slash - runbook), runbook);
  else snprintf(out, n, ".rbk");
}

void state_dir_default(char *out, size_t n) {
  const char *env = getenv("RBK_STATE_DIR");
  snprintf(out, n, "%s", env && *env ? env : ".rbk");
}

void state_run_dir(const char *state, const char *id, char *out, size_t n) {
  snprintf(out, n, "%s/runs/%s", state, id);
}

void state_runbook_name(const char *runbook, char *out, size_t n) {
  const char *b = strrchr(runbook, '/');
  size_t len;
  b = b ? b + 1 : runbook;
  len = strlen(b);
  if (len > 4 && (strcmp(b + len - 4, ".rbk") == 0 || strcmp(b + len - 4, ".rbc") == 0)) len -= 4;
  if (strcmp(runbook, "-") == 0) {
    b = "stdin";
    len = 5;
  }
  snprintf(out, n, "%.*s", (int)len, b);
}

int state_latest(const char *state, const char *name, char *id, size_t n) {
  char path[4096];
  FILE *f;
  size_t k;
  snprintf(path, sizeof path, "%s/latest/%s", state, name);
  f = fopen(path, "r");
  if (!f) return -1;
  if (!fgets(id, (int)n, f)) {
    fclose(f);
    return -1;
  }
  fclose(f);
  k = strlen(id);
  while (k && (id[k - 1] == '\n' || id[k - 1] == '\r')) id[--k] = '\0';
  return k ? 0 : -1;
}

int state_set_latest(const char *state, const char *name, const char *id, char *err, size_t errlen) {
  char dir[4096], path[4200], line[700];
  snprintf(dir, sizeof dir, "%s/latest", state);
  if (jrn_mkdirs(dir, err, errlen) != 0) return -1;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  snprintf(line, sizeof line, "%s\n", id);
  return durable_replace(path, line, strlen(line), 0600, err, errlen);   /* never a half-written pointer */
}

/* new_id makes NAME-YYYYMMDD-HHMMSS (with -2, -3... if taken) unused in
** STATE/SUB, and writes its directory into dir. */
static void new_id(const char *state, const char *sub, const char *name, char *id, size_t n, char *dir, size_t dn) {
  char base[512];
  struct stat st;
  time_t t = time(NULL);
  struct tm tm;
  int k;
  gmtime_r(&t, &tm);
  snprintf(base, sizeof base, "%s-%04d%02d%02d-%02d%02d%02d", name, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
           tm.tm_hour, tm.tm_min, tm.tm_sec);
  snprintf(id, n, "%s", base);
  for (k = 2;; k++) {
    snprintf(dir, dn, "%s/%s/%s", state, sub, id);
    if (stat(dir, &st) != 0) return;
    snprintf(id, n, "%s-%d", base, k);
  }
}

void state_new_id(const char *state, const char *name, char *id, size_t n) {
  char dir[4600];
  new_id(state, "runs", name, id, n, dir, sizeof dir);
}

void state_new_watch_id(const char *state, const char *name, char *id, size_t n, char *dir, size_t dn) {
  new_id(state, "watches", name, id, n, dir, dn);
}

int state_find_run(const char *arg, char *dir, size_t n, char *err, size_t errlen) {
  char state[4096], j[4600];
  struct stat st;
  snprintf(j, sizeof j, "%s/journal.jsonl", arg);
  if (strchr(arg, '/') && stat(j, &st) == 0) {
    snprintf(dir, n, "%s", arg);
    return 0;
  }
  state_dir_default(state, sizeof state);
  state_run_dir(state, arg, dir, n);
  snprintf(j, sizeof j, "%s/journal.jsonl", dir);
  if (stat(j, &st) == 0) return 0;
  snprintf(err, errlen, "no run '%s' in %s (set RBK_STATE_DIR, or run 'rbk runs' to list them)", arg, state);
  return -1;
}
