/*
** runbook.c -- the step driver: params, requirements, steps, retries.
** Called by the sessions (run, resume, repl), rbk undo and rbk watch.
*/
#include "runbook.h"

#include "effects.h"
#include "fleet.h"
#include "../base/json.h"
#include "../base/mem.h"
#include "../vm/valjson.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *step_state_name(StepState s) {
  switch (s) {
    case STEP_OK: return "ok";
    case STEP_RECOVERED: return "recovered";
    case STEP_FAILED: return "failed";
    case STEP_SKIPPED: return "skipped";
    case STEP_INTERRUPTED: return "interrupted";
    case STEP_PAUSED: return "waiting";
    case STEP_UNDONE: return "undone";
    default: return "pending";
  }
}

static int convert(VM *vm, const char *name, const char *text, const Value *like, Value *out);

/* convert_list turns a --param value into a list: a JSON array (its items
** as JSON values: strings, numbers, booleans), else items separated by
** commas, each converted to the type of the default's first item (a
** string when the default is empty). "" is the empty list. */
static int convert_list(VM *vm, const char *name, const char *text, const Value *like, Value *out) {
  const List *dl = AS_LIST(*like);
  Value item_like = dl->n ? dl->v[0] : val_nil();
  Value *items = NULL;
  uint32_t n = 0, cap = 0;
  const char *s = text;
  while (*s == ' ' || *s == '\t') s++;
  if (*s == '[') {
    char err[256];
    Json *j = json_parse(text, strlen(text), err, sizeof err);
    size_t i, len;
    if (!j || json_kind(j) != JSON_ARR) {
      json_free(j);
      return vm_fail(vm, "--param %s=%s: not a JSON array (%s); give a list as a,b,c or [\"a\",\"b\"]", name, text,
                     j ? "not an array" : err);
    }
    len = json_len(j);
    items = mem_calloc((len + 1) * sizeof *items);
    for (i = 0; i < len; i++) {
      const Json *e = json_at(j, i);
      if (json_kind(e) == JSON_ARR || json_kind(e) == JSON_OBJ) {
        uint32_t k;
        for (k = 0; k < n; k++) val_release(items[k]);
        mem_free(items);
        json_free(j);
        return vm_fail(vm, "--param %s: item %zu of the JSON array is not a string, number or boolean", name, i + 1);
      }
      if (json_to_value(e, &items[n], err, sizeof err) != 0) {
        uint32_t k;
        for (k = 0; k < n; k++) val_release(items[k]);
        mem_free(items);
        json_free(j);
        return vm_fail(vm, "--param %s: item %zu of the JSON array: %s", name, i + 1, err);
      }
      n++;
    }
    json_free(j);
    *out = val_list_new(items, n);
    mem_free(items);
    return 0;
  }
  if (*text) {
    const char *p = text;
    for (;;) {
      const char *comma = strchr(p, ',');
      size_t len = comma ? (size_t)(comma - p) : strlen(p);
      char *one = mem_alloc(len + 1);
      Value v;
      memcpy(one, p, len);
      one[len] = '\0';
      if (item_like.t == V_LIST || convert(vm, name, one, &item_like, &v) != 0) {
        uint32_t k;
        if (item_like.t == V_LIST) vm_fail(vm, "--param %s: a list of lists is given as a JSON array", name);
        for (k = 0; k < n; k++) val_release(items[k]);
        mem_free(items);
        mem_free(one);
        return -1;
      }
      mem_free(one);
      if (n == cap) {
        cap = cap ? cap * 2 : 8;
        items = mem_realloc(items, cap * sizeof *items);
      }
      items[n++] = v;
      if (!comma) break;
      p = comma + 1;
    }
  }
  *out = val_list_new(items, n);
  mem_free(items);
  return 0;
}

/* convert turns a --param string into the type of the default: a number,
** a bool, a duration, a list (convert_list) or a string. */
static int convert(VM *vm, const char *name, const char *text, const Value *like, Value *out) {
  char *end;
  double d;
  if (like->t == V_LIST) return convert_list(vm, name, text, like, out);
  if (like->t == V_NUM) {
    d = strtod(text, &end);
    if (end == text || *end) return vm_fail(vm, "--param %s=%s: not a number", name, text);
    /* strtod takes nan, inf and 1e999 (infinite); no runbook means them. */
    if (!isfinite(d)) return vm_fail(vm, "--param %s=%s: not a finite number", name, text);
    *out = val_num(d);
  } else if (like->t == V_BOOL) {
    if (strcmp(text, "true") == 0) *out = val_bool(1);
    else if (strcmp(text, "false") == 0) *out = val_bool(0);
    else return vm_fail(vm, "--param %s=%s: expected true or false", name, text);
  } else if (like->t == V_DUR) {
    /* 90s, 5m, 2h, 1d, 500ms or compound 1h30m */
    double total;
    if (!*text) return vm_fail(vm, "--param %s: empty duration", name);
    if (val_parse_duration(text, &total) != 0)
      return vm_fail(vm, "--param %s=%s: not a duration (like 30s, 5m, 1h30m)", name, text);
    *out = val_dur(total);
  } else {
    *out = val_cstr_new(text);
  }
  return 0;
}

VmResult run_params(VM *vm, const RunOptions *o) {
  Program *p = vm->prog;
  uint32_t i;
  int k;
  for (k = 0; k < o->nkv; k++) {
    for (i = 0; i < p->nparams; i++)
      if (strcmp(p->params[i].name, o->keys[k]) == 0) break;
    if (i == p->nparams) {
      vm_fail(vm, "--param %s: the runbook has no param of that name", o->keys[k]);
      return VM_FAILED;
    }
  }
  for (i = 0; i < p->nparams; i++) {
    ParamInfo *pi = &p->params[i];
    const char *given = NULL;
    Value v = val_nil();
    for (k = 0; k < o->nkv; k++)
      if (strcmp(pi->name, o->keys[k]) == 0) given = o->vals[k];
    if (pi->init >= 0) {
      /* A secret is never journaled, not even the env() call that reads
      ** it: it is read afresh by every process that runs or resumes. */
      Effects *fx = vm->fx;
      VmResult r;
      if (pi->secret) vm->fx = NULL;
      r = vm_call(vm, pi->init, NULL, 0, &v);
      vm->fx = fx;
      if (r != VM_OK) return r;
    } else if (!given) {
      vm_fail(vm, "%s '%s' has no default: pass --param %s=VALUE", pi->secret ? "secret" : "param", pi->name,
              pi->name);
      return VM_FAILED;
    }
    if (given) {
      Value c;
      if (convert(vm, pi->name, given, &v, &c) != 0) {
        val_release(v);
        return VM_FAILED;
      }
      val_release(v);
      v = c;
    }
    if (pi->secret) vm_add_secret(vm, &v);
    val_release(vm->G[pi->global]);
    vm->G[pi->global] = v;
  }
  {
    VmResult rr = run_resolve(vm);   /* titles, durations and holds from params */
    if (rr != VM_OK) return rr;
  }
  return p->ngroups ? fleet_groups(vm) : VM_OK;   /* the hosts groups, resolved and journaled (run/fleet.c) */
}

/* resolve_text runs proto fn (a title or a requirement name from params)
** and puts its text in *text. */
static VmResult resolve_text(VM *vm, int32_t fn, char **text) {
  Value v;
  Buf b = BUF_INIT, m = BUF_INIT;
  VmResult r = vm_call(vm, fn, NULL, 0, &v);
  if (r != VM_OK) return r;
  val_to_buf(&v, &b);
  val_release(v);
  /* A param built from a secret must not show it in a title. */
  vm_redact(vm, buf_cstr(&b), b.n, &m);
  buf_free(&b);
  mem_free(*text);
  *text = buf_take(&m);
  return VM_OK;
}

/* resolve_secs runs proto fn (a step's expect or timeout from params) and
** puts its seconds in *out, when it is a duration. When it is not (or
** cannot be computed), *out stays unknown (-1) and the run goes on: a
** timeout is computed again by the step's body, which fails the step at
** the clause, with the reason. */
static void resolve_secs(VM *vm, int32_t fn, double *out) {
  Value v;
  if (vm_call(vm, fn, NULL, 0, &v) != VM_OK) {
    buf_reset(&vm->fail);
    buf_reset(&vm->detail);
    return;
  }
  if (v.t == V_DUR && v.u.n >= 0 && isfinite(v.u.n)) *out = v.u.n;
  val_release(v);
}

VmResult run_resolve(VM *vm) {
  Program *p = vm->prog;
  uint32_t i;
  VmResult r;
  for (i = 0; i < p->nsteps; i++)
    if (p->steps[i].title_fn >= 0 && (r = resolve_text(vm, p->steps[i].title_fn, &p->steps[i].title)) != VM_OK)
      return r;
  for (i = 0; i < p->nsteps; i++) {
    StepInfo *st = &p->steps[i];
    if (st->expect_fn >= 0) resolve_secs(vm, st->expect_fn, &st->expect);
    if (st->timeout_fn >= 0) resolve_secs(vm, st->timeout_fn, &st->timeout);
  }
  for (i = 0; i < p->nreqs; i++)
    if (p->reqs[i].name_fn >= 0 && (r = resolve_text(vm, p->reqs[i].name_fn, &p->reqs[i].name)) != VM_OK)
      return r;
  for (i = 0; i < p->ntriggers; i++) {
    TriggerInfo *t = &p->triggers[i];
    Value v;
    if (t->hold_fn < 0) continue;
    if ((r = vm_call(vm, t->hold_fn, NULL, 0, &v)) != VM_OK) return r;
    if (v.t != V_DUR || !(v.u.n >= 0) || !isfinite(v.u.n)) {
      Buf b = BUF_INIT;
      vm_show_repr(vm, &v, &b);
      vm_fail(vm, "trigger \"%s\": 'for' needs a duration such as 2m, not %s", t->name, buf_cstr(&b));
      buf_free(&b);
      val_release(v);
      return VM_FAILED;
    }
    t->hold = v.u.n;
    val_release(v);
  }
  return VM_OK;
}

static void emit(const RunHooks *h, RunEvent ev, int index, const StepOutcome *o, VM *vm) {
  if (h && h->event) h->event(h->ud, ev, index, o, vm);
}

/* step_record journals step_start or step_end once per step and attempt
** (for an undo block: once per step and undo). */
static int step_record(VM *vm, const char *type, int index, const StepOutcome *o, int attempt, int undo) {
  const StepInfo *st = &vm->prog->steps[index];
  Buf f = BUF_INIT, key = BUF_INIT;
  int rc;
  buf_printf(&key, "%s%s/%s/%d", undo ? "undo:" : "", type, st->name, attempt);
  buf_puts(&f, "\"step\":");
  json_put_str(&f, st->name, strlen(st->name));
  buf_printf(&f, ",\"index\":%d,\"attempt\":%d%s", index, attempt, undo ? ",\"undo\":true" : "");
  if (undo && !o && vm->operator_name) {
    buf_puts(&f, ",\"operator\":");
    json_put_str(&f, vm->operator_name, strlen(vm->operator_name));
  }
  if (o) {
    buf_printf(&f, ",\"state\":\"%s\",\"duration\":%.3f,\"attempts\":%d", step_state_name(o->state), o->duration,
               o->attempts);
    if (o->waited >= 0.001) buf_printf(&f, ",\"waited\":%.3f", o->waited);
    if (o->state == STEP_FAILED || o->state == STEP_PAUSED) {
      Buf e = BUF_INIT;
      buf_add(&e, vm->fail.p ? vm->fail.p : "", vm->fail.n);
      if (vm->detail.n) {
        buf_putc(&e, '\n');
        buf_add(&e, vm->detail.p, vm->detail.n);
      }
      buf_puts(&f, ",\"error\":");
      json_put_str(&f, buf_cstr(&e), e.n);
      buf_free(&e);
    }
  }
  rc = fx_record(vm, type, buf_cstr(&key), buf_cstr(&f));
  buf_free(&f);
  buf_free(&key);
  return rc;
}

/* lost says whether the journal has failed (fx_broken): the step stops
** where it is, unended, as if interrupted, and nothing more is done. */
static int lost(const VM *vm) { return fx_broken(vm->fx); }

VmResult run_step(VM *vm, int index, int prior, const RunHooks *h, StepOutcome *out) {
  StepInfo *st = &vm->prog->steps[index];
  double start = vm_now(), waited0 = vm->gate_waited;
  Value res;
  VmResult r = VM_FAILED;
  memset(out, 0, sizeof *out);
  if (vm->fx) vm->fx->lane = FX_LANE_RUNBOOK;
  vm->step = index;
  vm->retries = 0;
  vm->retry_every = 0;
  vm->paused = 0;
  if (st->on_group) prior = fleet_prior(vm, index, prior);   /* --retry-failed: a new attempt */
  emit(h, EV_STEP_BEGIN, index, out, vm);
  for (;;) {
    out->attempts++;
    if (step_record(vm, "step_start", index, NULL, prior + out->attempts, 0) != 0) {
      r = VM_FAILED;
      break;
    }
    vm->step_start = vm_now();
    vm->step_deadline = st->timeout > 0 ? vm->step_start + st->timeout : 0;
    if (st->on_group) {
      r = fleet_hosts(vm, index, prior + out->attempts);   /* a step on hosts (run/fleet.c) */
    } else {
      r = vm_call(vm, st->body, NULL, 0, &res);
      val_release(res);
    }
    /* Waiting for a person, or out of step with the journal: the step has
    ** not ended, and neither has the run. */
    if (r == VM_FAILED && (vm->paused || vm->diverged)) r = VM_PAUSED;
    if (lost(vm)) break;   /* not a failure of the step: no retry */
    if (r != VM_FAILED || out->attempts > vm->retries) break;
    emit(h, EV_STEP_RETRY, index, out, vm);
    /* A replay repeats the failed attempts from the journal, without waiting. */
    if (!fx_replaying(vm->fx) && vm_sleep(vm, vm->retry_every) != 0) {
      r = VM_INTERRUPTED;
      break;
    }
  }
  if (lost(vm)) r = VM_INTERRUPTED;
  if (r == VM_FAILED && st->onfail >= 0 && !vm_interrupted(vm) && !vm->diverged) {
    emit(h, EV_STEP_HANDLER, index, out, vm);
    vm->step_deadline = 0;
    r = vm_call(vm, st->onfail, NULL, 0, &res);
    val_release(res);
    if (r == VM_FAILED && (vm->paused || vm->diverged)) r = VM_PAUSED;
    if (lost(vm)) r = VM_INTERRUPTED;
    out->state = r == VM_OK ? STEP_RECOVERED : r == VM_INTERRUPTED ? STEP_INTERRUPTED
                 : r == VM_PAUSED ? STEP_PAUSED : STEP_FAILED;
  } else {
    out->state = r == VM_OK ? STEP_OK : r == VM_PAUSED ? STEP_PAUSED
                 : r == VM_INTERRUPTED || vm_interrupted(vm) ? STEP_INTERRUPTED : STEP_FAILED;
  }
  if (out->state == STEP_INTERRUPTED) r = VM_INTERRUPTED;
  else if (out->state == STEP_RECOVERED) r = VM_OK;
  else if (out->state == STEP_PAUSED) r = VM_PAUSED;
  out->duration = vm_now() - start;
  out->waited = vm->gate_waited - waited0;
  /* An interrupted or waiting step has not ended: a resume continues it. */
  if (out->state != STEP_INTERRUPTED && out->state != STEP_PAUSED &&
      step_record(vm, "step_end", index, out, prior + out->attempts, 0) != 0) {
    out->state = STEP_INTERRUPTED;   /* the journal failed: lost() */
    r = VM_INTERRUPTED;
  }
  vm->step = -1;
  vm->step_deadline = 0;
  emit(h, EV_STEP_END, index, out, vm);
  return r;
}

VmResult run_undo(VM *vm, int index, int nth, const RunHooks *h, StepOutcome *out) {
  StepInfo *st = &vm->prog->steps[index];
  double start = vm_now(), waited0 = vm->gate_waited;
  Value res;
  VmResult r;
  memset(out, 0, sizeof *out);
  vm->step = index;
  vm->paused = 0;
  out->attempts = 1;
  if (vm->fx) vm->fx->lane = FX_LANE_RUNBOOK;
  vm->undoing = 1;
  emit(h, EV_STEP_BEGIN, index, out, vm);
  if (step_record(vm, "step_start", index, NULL, nth, 1) != 0) {
    r = VM_FAILED;
  } else {
    vm->step_start = vm_now();
    vm->step_deadline = st->timeout > 0 ? vm->step_start + st->timeout : 0;
    if (st->on_group) {
      r = fleet_undo(vm, index, nth);   /* a step on hosts: on each host where it completed */
    } else {
      r = vm_call(vm, st->undo, NULL, 0, &res);
      val_release(res);
    }
    if (r == VM_FAILED && (vm->paused || vm->diverged)) r = VM_PAUSED;
  }
  if (lost(vm)) r = VM_INTERRUPTED;
  out->state = r == VM_OK ? STEP_OK : r == VM_PAUSED ? STEP_PAUSED
               : r == VM_INTERRUPTED || vm_interrupted(vm) ? STEP_INTERRUPTED : STEP_FAILED;
  if (out->state == STEP_INTERRUPTED) r = VM_INTERRUPTED;
  out->duration = vm_now() - start;
  out->waited = vm->gate_waited - waited0;
  if (out->state != STEP_INTERRUPTED && out->state != STEP_PAUSED &&
      step_record(vm, "step_end", index, out, nth, 1) != 0) {
    out->state = STEP_INTERRUPTED;   /* the journal failed: lost() */
    r = VM_INTERRUPTED;
  }
  vm->step = -1;
  vm->step_deadline = 0;
  emit(h, EV_STEP_END, index, out, vm);
  vm->undoing = 0;
  return r;
}

static int selected(const Program *p, const RunOptions *o, uint32_t i, int *from_seen) {
  int k;
  if (o->from && !*from_seen) {
    if (strcmp(p->steps[i].name, o->from) != 0) return 0;
    *from_seen = 1;
  }
  if (!o->nonly) return 1;
  for (k = 0; k < o->nonly; k++)
    if (strcmp(p->steps[i].name, o->only[k]) == 0) return 1;
  return 0;
}

VmResult run_requirements(VM *vm, const RunHooks *h) {
  Program *p = vm->prog;
  uint32_t i;
  VmResult r = VM_OK;
  if (vm->fx) vm->fx->lane = FX_LANE_RUNBOOK;
  for (i = 0; i < p->nreqs; i++) {
    Value res;
    emit(h, EV_REQUIRE, (int)i, NULL, vm);
    vm->step_start = vm_now();
    r = vm_call(vm, p->reqs[i].body, NULL, 0, &res);
    val_release(res);
    if (r == VM_FAILED && (vm->paused || vm->diverged)) r = VM_PAUSED;
    if (lost(vm)) return VM_INTERRUPTED;
    if (r != VM_OK) {
      if (r == VM_FAILED) emit(h, EV_REQUIRE_FAILED, (int)i, NULL, vm);
      return r;
    }
  }
  return VM_OK;
}

VmResult run_runbook(VM *vm, const RunOptions *o, const RunHooks *h, StepOutcome *out) {
  Program *p = vm->prog;
  uint32_t i;
  int from_seen = 0;
  VmResult r;
  for (i = 0; i < p->nsteps; i++) out[i].state = STEP_PENDING;
  r = run_requirements(vm, h);
  if (r != VM_OK) return r;
  for (i = 0; i < p->nsteps; i++) {
    if (!selected(p, o, i, &from_seen)) {
      out[i].state = STEP_SKIPPED;
      continue;
    }
    r = run_step(vm, (int)i, 0, h, &out[i]);
    if (r != VM_OK) return r;
  }
  return VM_OK;
}
