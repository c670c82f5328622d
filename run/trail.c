/*
** trail.c -- the links between runs, as they are written (trail.h).
*/
#include "trail.h"

#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "../base/json.h"
#include "journal.h"
#include "runread.h"
#include "state.h"

static void put_key(Buf *b, const char *key) {
  buf_printf(b, "%s\"%s\":", b->n > 1 ? "," : "", key);
}

static void put_field(Buf *b, const Json *rec, const char *key, const char *as) {
  const Json *v = json_get(rec, key);
  if (!v) return;
  put_key(b, as);
  json_print(b, v);
}

int trail_watch_cause(const char *state, const char *watch, Buf *out, char *why, size_t whylen) {
  char dir[JRN_PATH_MAX];
  RrJournal L;
  const Json *bo = NULL, *fired = NULL, *act = NULL;
  const char *trig;
  size_t i;
  Buf b = BUF_INIT;
  if (state_id_check(watch, STATE_ID_FOUND_MAX, why, whylen) != 0) return -1;
  if ((size_t)snprintf(dir, sizeof dir, "%s/watches/%s", state, watch) >= sizeof dir) {
    snprintf(why, whylen, "the watch's path is too long");
    return -1;
  }
  if (!rr_is_dir(dir)) {
    snprintf(why, whylen, "no watch %s in %s/watches", watch, state);
    return -1;
  }
  if (rr_load(&L, dir) != 0) {
    snprintf(why, whylen, "the journal of watch %s cannot be read: %s", watch, L.why);
    rr_unload(&L);
    return -1;
  }
  for (i = L.n; i-- > 0 && !bo;) {
    const char *t = rr_str(L.rec[i], "type");
    if (t && strcmp(t, "backout") == 0 && rr_str(L.rec[i], "trigger")) bo = L.rec[i];
  }
  if (!bo) {
    snprintf(why, whylen, "watch %s has started no backout (its journal holds no backout record)", watch);
    rr_unload(&L);
    return -1;
  }
  trig = rr_str(bo, "trigger");
  for (i = L.n; i-- > 0;) {
    const Json *r = L.rec[i];
    const char *t = rr_str(r, "type"), *name = rr_str(r, "trigger");
    if (!t || !name || strcmp(name, trig) != 0) continue;
    if (!act && strcmp(t, "action") == 0) act = r;
    if (!fired && strcmp(t, "trigger") == 0 && rr_str(r, "to") && strcmp(rr_str(r, "to"), "firing") == 0) fired = r;
  }
  buf_putc(&b, '{');
  put_key(&b, "watch");
  json_put_str(&b, watch, strlen(watch));
  put_key(&b, "trigger");
  json_put_str(&b, trig, strlen(trig));
  if (fired) {
    put_field(&b, fired, "severity", "severity");
    put_field(&b, fired, "condition", "condition");
    put_field(&b, fired, "probes", "probes");
    put_field(&b, fired, "time", "fired_at");
  }
  if (act && rr_str(act, "answer")) {
    put_field(&b, act, "by", "decided_by");
    put_field(&b, act, "answer", "answer");
  }
  buf_putc(&b, '}');
  buf_add(out, b.p, b.n);
  buf_free(&b);
  rr_unload(&L);
  return 0;
}

int trail_link(const char *state, const char *other, const char *run, const char *relation, char *why,
               size_t whylen) {
  char dir[JRN_PATH_MAX];
  Journal j;
  JrnOpenReport rep;
  pid_t holder = 0;
  int lock = -1, rc = -1;
  Buf f = BUF_INIT;
  memset(&j, 0, sizeof j);
  j.fd = -1;
  if (state_id_check(other, STATE_ID_FOUND_MAX, why, whylen) != 0) return -1;
  state_run_dir(state, other, dir, sizeof dir);
  if (!rr_is_dir(dir)) {
    snprintf(why, whylen, "no run %s in %s/runs", other, state);
    return -1;
  }
  if (jrn_lock(dir, &lock, &holder, why, whylen) != 0) {
    if (holder) snprintf(why, whylen, "run %s is being executed by process %ld", other, (long)holder);
    return -1;
  }
  if (jrn_open(&j, dir, 0, &rep, why, whylen) == 0) {
    buf_puts(&f, "\"run\":");
    json_put_str(&f, run, strlen(run));
    buf_puts(&f, ",\"relation\":");
    json_put_str(&f, relation, strlen(relation));
    rc = jrn_append(&j, "link", buf_cstr(&f), why, whylen) == 0 ? 0 : -1;
  }
  jrn_close(&j);
  jrn_unlock(lock);
  buf_free(&f);
  return rc;
}
