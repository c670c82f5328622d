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

/* unsafe_dir says why dir is not safe to keep runs in (NULL if it is,
** or does not exist): who can write there can change what a resume runs. */
static const char *unsafe_dir(const char *dir, char *why, size_t n) {
  struct stat st;
  if (stat(dir, &st) != 0) return NULL;
  if (st.st_uid != geteuid()) {
    snprintf(why, n, "is owned by another user (uid %ld)", (long)st.st_uid);
    return why;
  }
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    snprintf(why, n, "is writable by %s (mode %04o)",
             (st.st_mode & S_IWGRP) && (st.st_mode & S_IWOTH) ? "its group and others"
             : st.st_mode & S_IWGRP                         ? "its group"
                                                            : "others",
             (unsigned)(st.st_mode & 07777));
    return why;
  }
  return NULL;
}

void state_warn_unsafe(const char *state) {
  static int warned;
  char runs[4200], why[128];
  const char *bad, *which = state;
  if (warned) return;
  snprintf(runs, sizeof runs, "%s/runs", state);
  if (!(bad = unsafe_dir(state, why, sizeof why)) && (bad = unsafe_dir(runs, why, sizeof why)) != NULL) which = runs;
  if (!bad) return;
  warned = 1;
  fprintf(stderr, "rbk: warning: the state directory %s %s: anyone who can write there can change what "
                  "a resume runs (chmod 700 it, or set RBK_STATE_DIR to a private directory)\n", which, bad);
}

void state_dir_for_runbook(const char *runbook, char *out, size_t n) {
  const char *env = getenv("RBK_STATE_DIR"), *slash;
  if (env && *env) snprintf(out, n, "%s", env);
  else if ((slash = strrchr(runbook, '/')) != NULL) snprintf(out, n, "%.*s/.rbk", (int)(slash - runbook), runbook);
  else snprintf(out, n, ".rbk");
  state_warn_unsafe(out);
}

void state_dir_default(char *out, size_t n) {
  const char *env = getenv("RBK_STATE_DIR");
  snprintf(out, n, "%s", env && *env ? env : ".rbk");
  state_warn_unsafe(out);
}

int state_id_check(const char *id, size_t max, char *err, size_t errlen) {
  size_t i, n = strlen(id);
  char shown[80];
  const char *why = NULL;
  for (i = 0; i < n && i < 60; i++)   /* the id as given, control characters made visible */
    shown[i] = (unsigned char)id[i] < 0x20 || (unsigned char)id[i] == 0x7f ? '?' : id[i];
  snprintf(shown + i, sizeof shown - i, "%s", n > 60 ? "..." : "");
  if (n == 0) why = "it is empty";
  else if (id[0] == '.') why = "it starts with '.'";
  else if (n > max) why = "it is too long";
  for (i = 0; !why && i < n; i++) {
    unsigned char c = (unsigned char)id[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
          c == '.'))
      why = c == '/' ? "it holds a '/'" : "it holds a character other than a letter, digit, '-', '_' or '.'";
  }
  if (!why) return 0;
  snprintf(err, errlen, "'%s' is not a run id: %s (a run id is letters, digits, '-', '_' and '.', not starting "
                        "with '.', at most %zu characters)", shown, why, max);
  return -1;
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
  char path[4096], why[300];
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
  if (k && state_id_check(id, STATE_ID_FOUND_MAX, why, sizeof why) != 0) {   /* never a path out of STATE */
    fprintf(stderr, "rbk: warning: %s ignored: %s\n", path, why);
    return -1;
  }
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

/* new_id creates a fresh directory STATE/SUB/NAME-YYYYMMDD-HHMMSS, or
** with -2, -3 ... when taken, and writes its ID and path. mkdir is the
** test: two runs started in the same second cannot both create one ID.
** NAME is cut to the run id alphabet (other bytes become '_'). */
static int new_id(const char *state, const char *sub, const char *name, char *id, size_t n, char *dir, size_t dn,
                  char *err, size_t errlen) {
  char base[160], parent[4200];
  time_t t = time(NULL);
  struct tm tm;
  size_t i;
  int k;
  for (i = 0; name[i] && i < 100; i++) {
    unsigned char c = (unsigned char)name[i];
    base[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                  (c == '.' && i > 0)
                ? (char)c
                : '_';
  }
  gmtime_r(&t, &tm);
  snprintf(base + i, sizeof base - i, "%s%04d%02d%02d-%02d%02d%02d", i ? "-" : "run-", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  snprintf(parent, sizeof parent, "%s/%s", state, sub);
  if (jrn_mkdirs(parent, err, errlen) != 0) return -1;
  for (k = 1; k < 100000; k++) {
    if (k == 1) snprintf(id, n, "%s", base);
    else snprintf(id, n, "%s-%d", base, k);
    if ((size_t)snprintf(dir, dn, "%s/%s", parent, id) >= dn) {
      snprintf(err, errlen, "the state directory's path is too long");
      return -1;
    }
    if (mkdir(dir, 0700) == 0) {
      if (chmod(dir, 0700) != 0 || durable_sync_dir(parent) != 0) {
        snprintf(err, errlen, "cannot create %s durably: %s", dir, strerror(errno));
        return -1;
      }
      return 0;
    }
    if (errno != EEXIST) {
      snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
      return -1;
    }
  }
  snprintf(err, errlen, "cannot find a free run id for %s in %s", base, parent);
  return -1;
}

int state_new_id(const char *state, const char *name, char *id, size_t n, char *err, size_t errlen) {
  char dir[4600];
  return new_id(state, "runs", name, id, n, dir, sizeof dir, err, errlen);
}

int state_new_watch_id(const char *state, const char *name, char *id, size_t n, char *dir, size_t dn, char *err,
                       size_t errlen) {
  return new_id(state, "watches", name, id, n, dir, dn, err, errlen);
}

int state_find_run(const char *arg, char *dir, size_t n, char *err, size_t errlen) {
  char state[4096], j[4600];
  struct stat st;
  snprintf(j, sizeof j, "%s/journal.jsonl", arg);
  if (strchr(arg, '/')) {   /* the path of a run directory */
    if (stat(j, &st) == 0) {
      snprintf(dir, n, "%s", arg);
      return 0;
    }
    snprintf(err, errlen, "no run directory '%s' (a RUN holding a '/' is the path of a run directory)", arg);
    return -1;
  }
  if (state_id_check(arg, STATE_ID_FOUND_MAX, err, errlen) != 0) return -1;
  state_dir_default(state, sizeof state);
  state_run_dir(state, arg, dir, n);
  snprintf(j, sizeof j, "%s/journal.jsonl", dir);
  if (stat(j, &st) == 0) return 0;
  snprintf(err, errlen, "no run '%s' in %s (set RBK_STATE_DIR, or run 'rbk runs' to list them)", arg, state);
  return -1;
}
