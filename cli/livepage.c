/*
** livepage.c -- the live status page kept up to date (livepage.h).
*/
#include "livepage.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/buf.h"
#include "../base/durable.h"
#include "../review/status_page.h"
#include "../run/runread.h"
#include "../run/state.h"
#include "../vm/vm.h"

enum { RELOAD_SECS = 2 };

void livepage_init(LivePage *lp, const char *cmd, const char *extra) {
  memset(lp, 0, sizeof *lp);
  lp->cmd = cmd;
  lp->extra = extra && *extra ? extra : NULL;
}

/* ref_of names the run in dir as commands should: its ID when that finds
** it in the default state directory, else the directory itself. */
static void ref_of(const char *dir, char *ref, size_t n) {
  const char *id = strrchr(dir, '/');
  char found[JRN_PATH_MAX], why[JRN_PATH_MAX + 200], a[PATH_MAX], b[PATH_MAX];
  id = id ? id + 1 : dir;
  if (state_find_run(id, found, sizeof found, why, sizeof why) == 0 && realpath(found, a) && realpath(dir, b) &&
      strcmp(a, b) == 0)
    snprintf(ref, n, "%s", id);
  else
    snprintf(ref, n, "%s", dir);
}

/* put_page renders the run in dir and writes it to path; returns 0 or -1 with err. */
static int put_page(const RrJournal *L, const char *dir, const char *path, const char *ref, int leaving, int in_run_dir,
                    char *err, size_t errlen) {
  Buf out = BUF_INIT;
  StatusPageOpts o;
  int rc;
  memset(&o, 0, sizeof o);
  o.ref = ref;
  o.leaving = leaving;
  o.in_run_dir = in_run_dir;
  o.refresh = RELOAD_SECS;
  status_page_render(L, dir, &o, &out);
  rc = durable_replace(path, out.p ? out.p : "", out.n, 0644, err, errlen);
  buf_free(&out);
  return rc;
}

/* write_pages writes the run dir's page and the extra one (may be NULL);
** returns 0, or -1 with why in err. */
static int write_pages(const char *dir, const char *extra, int leaving, char *err, size_t errlen) {
  RrJournal L;
  char path[JRN_PATH_MAX + 32], ref[JRN_PATH_MAX];
  int rc = 0;
  if (rr_load(&L, dir) < 0) {
    snprintf(err, errlen, "%s", L.why);
    rr_unload(&L);
    return -1;
  }
  ref_of(dir, ref, sizeof ref);
  snprintf(path, sizeof path, "%s/status.html", dir);
  if (put_page(&L, dir, path, ref, leaving, 1, err, errlen) != 0) rc = -1;
  if (extra && rc == 0 && put_page(&L, dir, extra, ref, leaving, 0, err, errlen) != 0) rc = -1;
  rr_unload(&L);
  return rc;
}

/* saved_path reads the path remembered in DIR/status-page into out
** (size n); returns out, or NULL when there is none. */
static const char *saved_path(const char *dir, char *out, size_t n) {
  char path[JRN_PATH_MAX + 32];
  FILE *f;
  const char *x = NULL;
  snprintf(path, sizeof path, "%s/status-page", dir);
  if ((f = fopen(path, "re")) != NULL) {
    if (fgets(out, (int)n, f)) {
      out[strcspn(out, "\n")] = '\0';
      if (out[0]) x = out;
    }
    fclose(f);
  }
  return x;
}

/* remember saves the --status-page path in DIR/status-page (mode 0600)
** for the commands that answer gates and for a later resume; without
** one, it takes the path saved there by an earlier process. */
static void remember(LivePage *lp, const char *dir) {
  char path[JRN_PATH_MAX + 32], abs[PATH_MAX], err[JRN_PATH_MAX + 200];
  const char *extra = lp->extra;
  Buf b = BUF_INIT;
  lp->remembered = 1;
  if (!extra) {
    lp->extra = saved_path(dir, lp->saved, sizeof lp->saved);
    return;
  }
  if (extra[0] != '/' && getcwd(abs, sizeof abs)) {
    buf_printf(&b, "%s/%s\n", abs, extra);
  } else {
    buf_printf(&b, "%s\n", extra);
  }
  snprintf(path, sizeof path, "%s/status-page", dir);
  if (durable_replace(path, b.p, b.n, 0600, err, sizeof err) != 0 && !lp->warned) {
    fprintf(stderr, "rbk %s: --status-page: %s\n", lp->cmd, err);
    lp->warned = 1;
  }
  buf_free(&b);
}

/* at_once says whether a record of this type changes what the page's
** reader waits to see: a step, a host, a gate, the run's start or end. */
static int at_once(const char *type) {
  static const char *const types[] = {"run_start", "resume", "step_start", "step_end", "host_start", "host_end",
                                      "gate_wait", "paused", "run_end", "interrupted", "skip", "link", "decision",
                                      "repl_start", "repl_end", "accept_changes", NULL};
  size_t i;
  for (i = 0; types[i]; i++)
    if (strcmp(type, types[i]) == 0) return 1;
  return 0;
}

void livepage_changed(void *ud, const char *dir, const char *type, int final) {
  LivePage *lp = ud;
  char err[JRN_PATH_MAX + 300];
  double now = vm_now();
  if (!dir || !dir[0]) return;
  if (!lp->remembered) remember(lp, dir);
  if (!final && !(type && at_once(type)) && lp->last > 0 && now - lp->last < 0.25) {
    lp->pending = 1;
    return;
  }
  lp->pending = 0;
  lp->last = now;
  if (write_pages(dir, lp->extra, final, err, sizeof err) != 0 && !lp->warned) {
    fprintf(stderr, "rbk %s: the status page cannot be written: %s\n", lp->cmd, err);
    lp->warned = 1;
  }
}

void livepage_refresh(const char *cmd, const char *dir) {
  char err[JRN_PATH_MAX + 300], extra[4098];
  if (write_pages(dir, saved_path(dir, extra, sizeof extra), 1, err, sizeof err) != 0)
    fprintf(stderr, "rbk %s: the status page cannot be written: %s\n", cmd, err);
}
