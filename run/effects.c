/*
** effects.c -- journaling effects, and replaying them on resume.
** The VM reaches it through run_runtime (run/runtime.c); sessions attach it.
*/
#include "effects.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../vm/valjson.h"
#include "../base/mem.h"
#include "../base/sha256.h"
#include "../vm/vm.h"

static int64_t *grow_index(int64_t *v, uint64_t *cap, uint64_t need) {
  uint64_t old = *cap, i;
  if (need <= old) return v;
  while (*cap < need) *cap = *cap ? *cap * 2 : 64;
  v = mem_realloc(v, *cap * sizeof *v);
  for (i = old; i < *cap; i++) v[i] = -1;
  return v;
}

/* The step records already written ("step_start/NAME/ATTEMPT"...) are a
** set of strings: open addressing, linear probing, load under 1/2, so a
** run of 100,000 steps resumes in linear time. */
static size_t seen_hash(const char *key) {
  size_t h = 14695981039346656037u;   /* FNV-1a */
  for (; *key; key++) h = (h ^ (unsigned char)*key) * 1099511628211u;
  return h;
}

static size_t seen_slot(char **tab, size_t cap, const char *key) {
  size_t i = seen_hash(key) & (cap - 1);
  while (tab[i] && strcmp(tab[i], key) != 0) i = (i + 1) & (cap - 1);
  return i;
}

static void add_seen(Effects *fx, const char *key) {
  size_t i;
  if (2 * (fx->nseen + 1) > fx->seencap) {
    size_t cap = fx->seencap ? 2 * fx->seencap : 64;
    char **tab = mem_calloc(cap * sizeof *tab);
    for (i = 0; i < fx->seencap; i++)
      if (fx->seen[i]) tab[seen_slot(tab, cap, fx->seen[i])] = fx->seen[i];
    mem_free(fx->seen);
    fx->seen = tab;
    fx->seencap = cap;
  }
  i = seen_slot(fx->seen, fx->seencap, key);
  if (fx->seen[i]) return;
  fx->seen[i] = mem_strdup(key);
  fx->nseen++;
}

static int was_seen(const Effects *fx, const char *key) {
  return fx->seencap && fx->seen[seen_slot(fx->seen, fx->seencap, key)] != NULL;
}

/* step_key is the key runbook.c's step_record gives the record rec. */
static void step_key(char *out, size_t n, const char *type, const Json *rec) {
  int ok, isbool = 0;
  double a = json_num(json_get(rec, "attempt"), &ok);
  const char *step = json_str(json_get(rec, "step"), NULL);
  const Json *u = json_get(rec, "undo");
  int undo = u && json_bool(u, &isbool) && isbool;
  snprintf(out, n, "%s%s/%s/%.0f", undo ? "undo:" : "", type, step ? step : "", ok ? a : 0);
}

static void lanes_init(Effects *fx) {
  if (fx->lanes) return;
  fx->lanes = mem_calloc(FX_NLANES * sizeof *fx->lanes);
  fx->lane_names = mem_calloc(FX_NLANES * sizeof *fx->lane_names);
  fx->nlanes = FX_NLANES;
}

int fx_lane_known(const Effects *fx, const char *name) {
  int i;
  for (i = FX_NLANES; i < fx->nlanes; i++)
    if (strcmp(fx->lane_names[i], name) == 0) return fx->lanes[i].neff > 0;
  return 0;
}

int fx_lane(Effects *fx, const char *name) {
  int i;
  lanes_init(fx);
  for (i = FX_NLANES; i < fx->nlanes; i++)
    if (strcmp(fx->lane_names[i], name) == 0) return i;
  fx->lanes = mem_realloc(fx->lanes, (size_t)(fx->nlanes + 1) * sizeof *fx->lanes);
  fx->lane_names = mem_realloc(fx->lane_names, (size_t)(fx->nlanes + 1) * sizeof *fx->lane_names);
  memset(&fx->lanes[fx->nlanes], 0, sizeof *fx->lanes);
  fx->lane_names[fx->nlanes] = mem_strdup(name);
  return fx->nlanes++;
}

/* lane_of reads a record's lane: absent is the runbook's, "repl" the
** REPL's, any other name a host's (fx_lane). */
static int lane_of(Effects *fx, const JrnRecord *rec) {
  const char *l;
  if (!jrn_rec_has(rec, "lane")) return FX_LANE_RUNBOOK;   /* the usual case, without a tree */
  l = json_str(json_get(jrn_rec_json(rec), "lane"), NULL);
  if (!l) return FX_LANE_RUNBOOK;
  return strcmp(l, "repl") == 0 ? FX_LANE_REPL : fx_lane(fx, l);
}

int fx_attach(Effects *fx, Journal *out, const JrnRecord *recs, size_t nrecs, char *err, size_t errlen) {
  size_t i;
  int l;
  memset(fx, 0, sizeof *fx);
  lanes_init(fx);
  fx->out = out;
  fx->recs = recs;
  fx->nrecs = nrecs;
  for (i = 0; i < nrecs; i++) {
    const char *t = recs[i].type;
    int ok;
    double dn;
    uint64_t n;
    if (strcmp(t, "effect_start") == 0 || strcmp(t, "effect_end") == 0 || strcmp(t, "decision") == 0) {
      int li = lane_of(fx, &recs[i]);   /* first: it may grow fx->lanes */
      FxLane *ln = &fx->lanes[li];
      dn = jrn_rec_num(&recs[i], "n", &ok);
      n = ok && dn >= 0 ? (uint64_t)dn : 0;
      if (!ok || dn < 0 || dn > 1e12) {
        snprintf(err, errlen, "record %zu: %s has no effect number", i, t);
        goto bad;
      }
      if (n + 1 > ln->cap) {
        uint64_t cap = ln->cap;
        ln->start_of = grow_index(ln->start_of, &cap, n + 1);
        cap = ln->cap;
        ln->end_of = grow_index(ln->end_of, &cap, n + 1);
        cap = ln->cap;
        ln->decision_of = grow_index(ln->decision_of, &cap, n + 1);
        ln->cap = cap;
      }
      if (t[7] == 's') ln->start_of[n] = (int64_t)i;
      else if (t[7] == 'e') {
        if (ln->start_of[n] < 0) {
          snprintf(err, errlen, "record %zu: effect %llu ends but never started", i, (unsigned long long)n);
          goto bad;
        }
        ln->end_of[n] = (int64_t)i;
      } else ln->decision_of[n] = (int64_t)i;
      if (n + 1 > ln->neff) ln->neff = n + 1;
    } else if (strcmp(t, "step_start") == 0 || strcmp(t, "step_end") == 0) {
      char key[512];
      step_key(key, sizeof key, t, jrn_rec_json(&recs[i]));
      add_seen(fx, key);
    } else if (strcmp(t, "host_start") == 0 || strcmp(t, "host_end") == 0) {
      /* run/fleet.c's host records: "[undo:]TYPE/STEP/HOST/ATTEMPT" */
      char key[1200];
      int ok2, isb = 0;
      const Json *r = jrn_rec_json(&recs[i]), *u = json_get(r, "undo");
      const char *step = json_str(json_get(r, "step"), NULL), *host = json_str(json_get(r, "host"), NULL);
      double a = json_num(json_get(r, "attempt"), &ok2);
      snprintf(key, sizeof key, "%s%s/%.400s/%.400s/%.0f", u && json_bool(u, &isb) && isb ? "undo:" : "", t,
               step ? step : "", host ? host : "", ok2 ? a : 0);
      add_seen(fx, key);
    }
  }
  /* Effects are started in order: a hole means records are missing. */
  for (l = 0; l < fx->nlanes; l++) {
    for (i = 0; i < fx->lanes[l].neff; i++) {
      if (fx->lanes[l].start_of[i] < 0) {
        snprintf(err, errlen, "effect %zu%s has no effect_start record: the journal is incomplete", i,
                 l == FX_LANE_REPL ? " (REPL)" : "");
        goto bad;
      }
    }
  }
  return 0;
bad:
  fx_free(fx);   /* the index made so far */
  return -1;
}

void fx_free(Effects *fx) {
  size_t i;
  int l;
  for (i = 0; i < fx->seencap; i++) mem_free(fx->seen[i]);
  mem_free(fx->seen);
  for (l = 0; l < fx->nlanes; l++) {
    mem_free(fx->lanes[l].start_of);
    mem_free(fx->lanes[l].end_of);
    mem_free(fx->lanes[l].decision_of);
    mem_free(fx->lane_names[l]);
  }
  mem_free(fx->lanes);
  mem_free(fx->lane_names);
  buf_free(&fx->masked);
  memset(fx, 0, sizeof *fx);
}

int fx_replaying(const Effects *fx) { return fx && fx->lanes[fx->lane].n < fx->lanes[fx->lane].neff; }

uint64_t fx_next(const Effects *fx) { return fx->lanes[fx->lane].n; }

void fx_abandon(Effects *fx) {
  if (fx && fx->pending_start) {
    fx->lanes[fx->lane].n++;
    fx->pending_start = 0;
  }
}

const char *fx_replayed_error(const Effects *fx) {
  const FxLane *ln = fx ? &fx->lanes[fx->lane] : NULL;
  if (!ln || ln->n == 0 || ln->n > ln->neff || ln->end_of[ln->n - 1] < 0) return NULL;
  {
    const JrnRecord *r = &fx->recs[ln->end_of[ln->n - 1]];
    return jrn_rec_has(r, "error") ? json_str(json_get(jrn_rec_json(r), "error"), NULL) : NULL;
  }
}

int64_t fx_pending(const Effects *fx) {
  const FxLane *ln = &fx->lanes[FX_LANE_RUNBOOK];
  uint64_t n;
  for (n = 0; n < ln->neff; n++)
    if (ln->start_of[n] >= 0 && ln->end_of[n] < 0) return (int64_t)n;
  return -1;
}

int fx_broken(const Effects *fx) { return fx && ((fx->out && fx->out->broken) || fx->relay_broken); }

static int write_all(int fd, const void *p, size_t n) {
  const char *c = p;
  while (n) {
    ssize_t w = write(fd, c, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    c += w;
    n -= (size_t)w;
  }
  return 0;
}

int fx_relay_send(int fd, const char *type, const char *fields, int sync) {
  uint32_t h[2];
  uint8_t s = (uint8_t)(sync != 0), ack = 1;
  ssize_t r;
  h[0] = (uint32_t)strlen(type);
  h[1] = (uint32_t)strlen(fields);
  if (write_all(fd, h, sizeof h) != 0 || write_all(fd, &s, 1) != 0 || write_all(fd, type, h[0]) != 0 ||
      write_all(fd, fields, h[1]) != 0)
    return -1;
  do r = read(fd, &ack, 1); while (r < 0 && errno == EINTR);
  return r == 1 && ack == 0 ? 0 : -1;
}

static const char *step_name(const VM *vm) {
  return vm->step >= 0 ? vm->prog->steps[vm->step].name : "";
}

/* where names the step in a question: "STEP@HOST" in a step on hosts. */
static const char *where(const VM *vm) { return vm->step_label ? vm->step_label : step_name(vm); }

/* Which records are synced before the run goes on. A command, a gate's
** answer and a notification act on the world or record a person, so
** their records are synced at once: a crash must never make a finished
** command look unstarted, or lose an answer. Everything else (step
** records, verify outcomes, log lines, clock readings, builtin calls such
** as now()) is written at once but synced with the next synced record: a
** crash can only lose a suffix of them, and a replay recomputes what was
** lost, because nothing after it can be durable either. */
static int must_sync(const char *kind) {
  return strcmp(kind, "cmd") == 0 || strcmp(kind, "gate") == 0 || strcmp(kind, "notify") == 0;
}

/* A command's effect_end is written at once but not synced by itself: it
** becomes durable with the next synced record, which is at the latest the
** effect_start of the next command (synced before that command's process
** is spawned), a gate, a notification, the run's end, or the sync
** jrn_close makes of whatever is left. So a step costs one fdatasync, not
** two. A crash before that sync can lose the end (never the start, which
** was synced before the spawn), and a resume then finds the command in
** doubt and asks (docs/journal.md, "One sync per command"). A gate's answer
** and a notification's end stay synced at once: a person's answer is
** never lost. */
static int must_sync_end(const char *kind) { return must_sync(kind) && strcmp(kind, "cmd") != 0; }

/* append masks fields and writes one record. */
static int append_opt(VM *vm, const char *type, const char *fields, int sync) {
  Buf masked = BUF_INIT;
  char err[JRN_PATH_MAX + 256];
  int rc;
  if (!vm->fx || !vm->fx->out) return 0;
  vm_redact(vm, fields, strlen(fields), &masked);
  if (vm->fx->relay_fd > 0) {   /* a child of a parallel batch: the parent writes it */
    rc = fx_relay_send(vm->fx->relay_fd, type, buf_cstr(&masked), sync);
    buf_free(&masked);
    if (rc != 0) {
      vm->fx->relay_broken = 1;
      return vm_fail(vm, "cannot write the journal: the run's process did not record it");
    }
    return 0;
  }
  rc = jrn_append_opt(vm->fx->out, type, buf_cstr(&masked), sync, err, sizeof err);
  buf_free(&masked);
  if (rc != 0) return vm_fail(vm, "cannot write the journal: %s", err);
  return 0;
}

static int append(VM *vm, const char *type, const char *fields) { return append_opt(vm, type, fields, 1); }

int fx_record(VM *vm, const char *type, const char *key, const char *fields) {
  if (!vm->fx || !vm->fx->out) return 0;
  if (key) {
    if (was_seen(vm->fx, key)) return 0;
    add_seen(vm->fx, key);
  }
  /* keyed records are step records, which ride along with the next sync */
  return append_opt(vm, type, fields, key == NULL);
}

static void put_kv_str(Buf *b, const char *key, const char *s) {
  buf_printf(b, ",\"%s\":", key);
  json_put_str(b, s, strlen(s));
}

/* put_what appends an effect's what, masked before it is JSON-escaped:
** once escaped, a secret's bytes are no longer there to be found (the
** key, made of the text as it is, stays the same on every replay). */
static void put_what(const VM *vm, Buf *b, const char *what) {
  Buf m = BUF_INIT;
  vm_redact(vm, what, strlen(what), &m);
  put_kv_str(b, "what", buf_cstr(&m));
  buf_free(&m);
}

/* put_lane appends what effect records of the current lane carry: nothing
** for the runbook's, "lane":NAME, for the others. */
static void put_lane(Buf *b, const Effects *fx) {
  const char *l = fx->lane == FX_LANE_REPL ? "repl" : fx->lane >= FX_NLANES ? fx->lane_names[fx->lane] : NULL;
  if (!l) return;
  buf_puts(b, "\"lane\":");
  json_put_str(b, l, strlen(l));
  buf_putc(b, ',');
}

static const char *choice_names[] = {"rerun", "skip", "done"};

/* The last short text effect_key hashed and its key: a loop makes the
** same effect over and over (a clock read, the same command), and replay
** computes a key for each, so the last one is remembered. */
static struct {
  size_t n;            /* bytes in text; 0: nothing remembered */
  char text[512];
  char hex[65];
} last_key;

/* effect_key writes the key of effect kind/what, the hex SHA-256 of kind,
** "\n" and what, into hex. Replay computes one per effect, so the usual
** short text is put together on the stack. */
static void effect_key(const char *kind, const char *what, char hex[65]) {
  char small[sizeof last_key.text];
  size_t kn = strlen(kind), wn = strlen(what), n = kn + 1 + wn;
  char *t = n <= sizeof small ? small : mem_alloc(n);
  uint8_t key[SHA256_BYTES];
  memcpy(t, kind, kn);
  t[kn] = '\n';
  memcpy(t + kn + 1, what, wn);
  if (t == small && n == last_key.n && memcmp(t, last_key.text, n) == 0) {
    memcpy(hex, last_key.hex, 65);
    return;
  }
  sha256(t, n, key);
  sha256_hex(key, hex);
  if (t != small) {
    mem_free(t);
  } else {
    memcpy(last_key.text, t, n);
    memcpy(last_key.hex, hex, 65);
    last_key.n = n;
  }
}

/* masked_key is the key of the effect as journaled: of its masked what.
** A hash of a secret would let it be guessed and checked, and a value
** replayed from the journal holds *** where the live one held the secret,
** so only the masked text is the same on every replay. */
static void masked_key(const VM *vm, Effects *fx, const char *kind, const char *what, char hex[65]) {
  Buf *m = &fx->masked;   /* one buffer for every effect, not one each */
  buf_reset(m);
  vm_redact(vm, what, strlen(what), m);
  effect_key(kind, buf_cstr(m), hex);
}

/* same_key says whether journaled key rk is this effect's: its masked
** key, or the key of its unmasked text that journals written before
** keys were masked hold. */
static int same_key(const char *rk, const char *kind, const char *what, const char *hex) {
  char raw[65];
  if (!rk) return 0;
  if (strcmp(rk, hex) == 0) return 1;
  effect_key(kind, what, raw);
  return strcmp(rk, raw) == 0;
}

FxMode fx_begin(VM *vm, const char *kind, const char *what, int idempotent, Value *out) {
  Effects *fx = vm->fx;
  FxLane *ln;
  char hex[65];
  Buf b = BUF_INIT;
  uint64_t n;
  *out = val_nil();
  if (!fx) return FX_LIVE;
  ln = &fx->lanes[fx->lane];
  masked_key(vm, fx, kind, what, hex);
  n = ln->n;
  fx->pending_start = 0;
  fx->cur_sync = must_sync(kind);
  fx->cur_end_sync = fx->cur_sync && must_sync_end(kind);
  if (n < ln->neff) {
    const JrnRecord *sr = &fx->recs[ln->start_of[n]];
    if (!jrn_rec_str_is(sr, "key", hex) &&
        !same_key(json_str(json_get(jrn_rec_json(sr), "key"), NULL), kind, what, hex)) {
      const char *rw = json_str(json_get(jrn_rec_json(sr), "what"), NULL);
      vm_redact(vm, what, strlen(what), &b);   /* masked before it is cut */
      vm->diverged = 1;
      vm_fail(vm, "the runbook no longer matches the journal at effect %llu: the run did \"%.200s\", the runbook now does \"%.200s\"",
              (unsigned long long)n, rw ? rw : "?", buf_cstr(&b));
      buf_free(&b);
      return FX_STOP;
    }
    if (ln->end_of[n] >= 0) {
      char err[256];
      /* only the result is parsed, not the record */
      const Json *res = jrn_rec_field(&fx->recs[ln->end_of[n]], "result");
      if (json_to_value(res, out, err, sizeof err) != 0) {
        buf_free(&b);
        vm_fail(vm, "journal record %lld: cannot read the result of effect %llu: %s", (long long)ln->end_of[n],
                (unsigned long long)n, err);
        return FX_STOP;
      }
      ln->n++;
      fx->replayed++;
      buf_free(&b);
      return FX_REPLAYED;
    }
    /* Started, never finished. A replay that may only read the journal
    ** stops here. */
    if (fx->read_only) {
      buf_free(&b);
      vm_fail(vm, "effect %llu was started but never finished", (unsigned long long)n);
      return FX_STOP;
    }
    /* At the REPL that means it was stopped
    ** (Ctrl-C, or rbk itself was stopped): a replay of the improvised
    ** statement stops there too, and the next effect goes on after it. */
    if (fx->lane == FX_LANE_REPL) {
      ln->n++;
      buf_free(&b);
      vm_fail(vm, "stopped at the REPL before it finished");
      return FX_STOP;
    }
    /* A gate is simply asked again. */
    if (strcmp(kind, "gate") == 0) {
      fx->pending_start = 1;
      buf_free(&b);
      return FX_LIVE;
    }
    {
      int choice = -1;
      const char *by = vm->operator_name ? vm->operator_name : "operator", *reason = "operator";
      if (ln->decision_of[n] > ln->start_of[n]) {   /* decided since the last attempt began */
        const char *c = json_str(json_get(jrn_rec_json(&fx->recs[ln->decision_of[n]]), "choice"), NULL);
        int k;
        for (k = 0; k < 3; k++)
          if (c && strcmp(c, choice_names[k]) == 0) choice = k;
        reason = NULL;   /* already journaled */
      } else if (idempotent) {
        choice = 0;
        reason = "idempotent";
        by = "rbk";
      } else if (vm->host.on_choice) {
        Buf q = BUF_INIT, m = BUF_INIT;
        buf_printf(&q, "In step '%s', this was started but never finished (the run was stopped): ", where(vm));
        vm_redact(vm, what, strlen(what), &m);
        buf_add(&q, m.p ? m.p : "", m.n);
        choice = vm->host.on_choice(vm->host.ud, buf_cstr(&q), choice_names, 3);
        buf_free(&q);
        buf_free(&m);
      }
      if (choice < 0) {
        buf_printf(&b, "\"reason\":\"in doubt\",");
        put_lane(&b, fx);
        buf_printf(&b, "\"n\":%llu", (unsigned long long)n);
        put_kv_str(&b, "step", step_name(vm));
        put_what(vm, &b, what);
        append(vm, "paused", buf_cstr(&b));
        buf_free(&b);
        vm->paused = 1;
        vm_fail(vm, "in step '%s', effect %llu was started but never finished, and the step is not idempotent: "
                    "decide with 'rbk answer RUN rerun|skip|done'",
                where(vm), (unsigned long long)n);
        return FX_STOP;
      }
      if (reason) {
        put_lane(&b, fx);
        buf_printf(&b, "\"n\":%llu,\"choice\":\"%s\"", (unsigned long long)n, choice_names[choice]);
        put_kv_str(&b, "by", by);
        put_kv_str(&b, "reason", reason);
        if (append(vm, "decision", buf_cstr(&b)) != 0) {
          buf_free(&b);
          return FX_STOP;
        }
        buf_reset(&b);
      }
      if (choice == 0) {
        /* The re-run is an attempt of its own: if it is cut short too,
        ** the effect is in doubt again and a person decides again. */
        buf_printf(&b, "\"n\":%llu,", (unsigned long long)n);
        put_lane(&b, fx);
        buf_printf(&b, "\"kind\":\"%s\"", kind);
        put_kv_str(&b, "step", step_name(vm));
        buf_printf(&b, ",\"key\":\"%s\",\"rerun\":true", hex);
        put_what(vm, &b, what);
        if (append(vm, "effect_start", buf_cstr(&b)) != 0) {
          buf_free(&b);
          return FX_STOP;
        }
        fx->pending_start = 1;
        buf_free(&b);
        return FX_LIVE;
      }
      /* skip or done: the program sees a successful, empty result */
      *out = strcmp(kind, "cmd") == 0 ? val_rec_new(0, 0, "", 0, "", 0, 0) : val_nil();
      fx->pending_start = 1;
      buf_free(&b);
      if (fx_end(vm, out, choice == 1 ? ",\"skipped\":true" : ",\"marked_done\":true") != 0) {
        val_release(*out);
        *out = val_nil();
        return FX_STOP;
      }
      return FX_REPLAYED;
    }
  }
  if (fx->read_only) {
    buf_free(&b);
    vm_fail(vm, "effect %llu is not in the journal being replayed", (unsigned long long)n);
    return FX_STOP;
  }
  buf_printf(&b, "\"n\":%llu,", (unsigned long long)n);
  put_lane(&b, fx);
  buf_printf(&b, "\"kind\":\"%s\"", kind);
  put_kv_str(&b, "step", step_name(vm));
  buf_printf(&b, ",\"key\":\"%s\"", hex);
  put_what(vm, &b, what);
  if (append_opt(vm, "effect_start", buf_cstr(&b), fx->cur_sync) != 0) {
    buf_free(&b);
    return FX_STOP;
  }
  buf_free(&b);
  fx->pending_start = 1;
  return FX_LIVE;
}

int fx_end(VM *vm, const Value *result, const char *extra) {
  Effects *fx = vm->fx;
  Buf b = BUF_INIT;
  int rc;
  if (!fx) return 0;
  buf_printf(&b, "\"n\":%llu,", (unsigned long long)fx->lanes[fx->lane].n);
  put_lane(&b, fx);
  buf_puts(&b, "\"result\":");
  {
    ValMask mask = vm_mask(vm);
    json_put_value_masked(&b, result, &mask);
  }
  if (extra) buf_puts(&b, extra);
  rc = append_opt(vm, "effect_end", buf_cstr(&b), fx->cur_end_sync);
  buf_free(&b);
  fx->lanes[fx->lane].n++;
  fx->pending_start = 0;
  return rc;
}
