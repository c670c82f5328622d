/*
** fleet.c -- steps on hosts: groups resolved and journaled once, batches,
** the failure budget, one effect lane per (step, host, attempt). See fleet.h.
*/
#include "fleet.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "effects.h"
#include "../base/hostname.h"
#include "../base/json.h"
#include "../base/mem.h"

static int retry_failed;

void fleet_retry_failed(int on) { retry_failed = on; }

static const char *map_str(const Value *m, const char *key) {
  const Value *v = m->t == V_MAP ? val_map_get(m, key) : NULL;
  return v && v->t == V_STR ? AS_STR(*v)->s : NULL;
}

/* normalize turns the group's value into a list of host maps, refusing
** what ssh must never be handed. */
static int normalize(VM *vm, const char *group, const Value *raw, Value *out) {
  List *l;
  uint32_t i, j;
  Value *items;
  *out = val_nil();
  if (raw->t != V_LIST) return vm_fail(vm, "hosts group %s: needs a list of hosts, not %s", group, val_type_name(raw));
  l = AS_LIST(*raw);
  items = mem_calloc((l->n ? l->n : 1) * sizeof *items);
  for (i = 0; i < l->n; i++) {
    const Value *it = &l->v[i];
    const char *name, *addr, *user, *why = NULL;
    if (it->t == V_STR) {
      Value kv[10];
      name = AS_STR(*it)->s;
      if (!host_name_ok(name, &why)) goto refused;
      kv[0] = val_cstr_new("name");
      kv[1] = val_cstr_new(name);
      kv[2] = val_cstr_new("address");
      kv[3] = val_cstr_new(name);
      kv[4] = val_cstr_new("port");
      kv[5] = val_nil();
      kv[6] = val_cstr_new("user");
      kv[7] = val_nil();
      kv[8] = val_cstr_new("vars");
      kv[9] = val_map_new(NULL, 0);
      items[i] = val_map_new(kv, 5);
    } else if (it->t == V_MAP) {
      const Value *port = val_map_get(it, "port");
      name = map_str(it, "name");
      addr = map_str(it, "address");
      user = map_str(it, "user");
      if (!name) {
        vm_fail(vm, "hosts group %s: host %u has no name", group, i + 1);
        goto fail;
      }
      if (!host_name_ok(name, &why) || (addr && !host_name_ok(addr, &why)) || (user && !host_user_ok(user, &why))) goto refused;
      if (port && port->t != V_NIL && (port->t != V_NUM || port->u.n < 1 || port->u.n > 65535 || port->u.n != floor(port->u.n))) {
        vm_fail(vm, "hosts group %s: host %s: the port must be a number from 1 to 65535", group, name);
        goto fail;
      }
      items[i] = *it;
      val_retain(*it);
    } else {
      vm_fail(vm, "hosts group %s: item %u is %s, not a host name or a host map", group, i + 1, val_type_name(it));
      goto fail;
    }
    for (j = 0; j < i; j++)
      if (strcmp(map_str(&items[j], "name"), name) == 0) {
        vm_fail(vm, "hosts group %s: host %s is listed twice", group, name);
        i++;
        goto fail;
      }
    continue;
  refused:
    vm_fail(vm, "hosts group %s: host %u is refused: %s", group, i + 1, why ? why : "not a host name");
    goto fail;
  }
  *out = val_list_new(items, l->n);
  mem_free(items);
  return 0;
fail:
  for (j = 0; j < i; j++) val_release(items[j]);
  mem_free(items);
  return -1;
}

static VmResult eval_group(VM *vm, const GroupInfo *g, Value *out) {
  Effects *fx = vm->fx;
  Value raw;
  VmResult r;
  /* what the expression reads (inventory(), hosts_file()) is not journaled
  ** on its own: the resolved list is, as the group's effect */
  vm->fx = NULL;
  r = vm_call(vm, g->init, NULL, 0, &raw);
  vm->fx = fx;
  if (r != VM_OK) return r;
  if (normalize(vm, g->name, &raw, out) != 0) r = VM_FAILED;
  val_release(raw);
  return r;
}

VmResult fleet_groups(VM *vm) {
  Program *p = vm->prog;
  uint32_t i;
  for (i = 0; i < p->ngroups; i++) {
    const GroupInfo *g = &p->groups[i];
    Value v, fresh;
    FxMode m = FX_LIVE;
    VmResult r;
    if (vm->fx) m = fx_begin(vm, "hosts", g->name, 1, &v);
    if (m == FX_STOP) return vm->paused ? VM_PAUSED : VM_FAILED;
    if (m == FX_REPLAYED) {
      /* the hosts the run started with; say so if the inventory moved */
      Effects *fx = vm->fx;
      Buf save = BUF_INIT;
      buf_add(&save, vm->fail.p ? vm->fail.p : "", vm->fail.n);
      if (eval_group(vm, g, &fresh) == VM_OK) {
        if (!val_equal(&fresh, &v) && vm->host.on_message) {
          char msg[300];
          snprintf(msg, sizeof msg, "hosts group %s has changed since the run started; this run keeps its %u host%s",
                   g->name, v.t == V_LIST ? AS_LIST(v)->n : 0, v.t == V_LIST && AS_LIST(v)->n == 1 ? "" : "s");
          vm->host.on_message(vm->host.ud, "warning", msg);
        }
        val_release(fresh);
      }
      buf_reset(&vm->fail);
      buf_add(&vm->fail, save.p ? save.p : "", save.n);
      buf_free(&save);
      vm->fx = fx;
    } else {
      r = eval_group(vm, g, &v);
      if (r != VM_OK) return r;
      if (vm->fx && fx_end(vm, &v, "") != 0) {
        val_release(v);
        return VM_FAILED;
      }
    }
    val_release(vm->G[g->global]);
    vm->G[g->global] = v;
  }
  return VM_OK;
}

static int host_global(const Program *p) {
  uint32_t i;
  for (i = 0; i < p->nglobals; i++)
    if (strcmp(p->globals[i], "host") == 0) return (int)i;
  return -1;
}

int fleet_prior(VM *vm, int index, int prior) {
  const Effects *fx = vm->fx;
  const char *name = vm->prog->steps[index].name;
  size_t i;
  int last_failed = 0, top = 0;
  if (!retry_failed || !fx) return prior;
  for (i = 0; i < fx->nrecs; i++) {
    const Json *r = jrn_rec_json(&fx->recs[i]);
    const char *s, *st;
    int isnum;
    double a;
    if (strcmp(fx->recs[i].type, "step_end") != 0 || json_get(r, "undo")) continue;
    s = json_str(json_get(r, "step"), NULL);
    if (!s || strcmp(s, name) != 0) continue;
    st = json_str(json_get(r, "state"), NULL);
    a = json_num(json_get(r, "attempt"), &isnum);
    if (isnum && a > top) top = (int)a;
    last_failed = st && strcmp(st, "failed") == 0;
  }
  return last_failed && top > prior ? top : prior;
}

/* The hosts where each step on hosts completed, as this process saw them
** (run live or replayed): what fleet_undo undoes. Reachable until exit. */
static struct {
  const Program *p;
  uint8_t **ok;        /* per step: one flag per host of its group */
  uint32_t *n;
  uint32_t nsteps;
} done_tab;

static void note_done(const VM *vm, int index, uint32_t i, uint32_t n, int ok) {
  uint32_t k;
  if (done_tab.p != vm->prog) {
    for (k = 0; k < done_tab.nsteps; k++) mem_free(done_tab.ok[k]);
    mem_free(done_tab.ok);
    mem_free(done_tab.n);
    done_tab.p = vm->prog;
    done_tab.nsteps = vm->prog->nsteps;
    done_tab.ok = mem_calloc((done_tab.nsteps ? done_tab.nsteps : 1) * sizeof *done_tab.ok);
    done_tab.n = mem_calloc((done_tab.nsteps ? done_tab.nsteps : 1) * sizeof *done_tab.n);
  }
  if (done_tab.n[index] != n) {
    mem_free(done_tab.ok[index]);
    done_tab.ok[index] = mem_calloc(n ? n : 1);
    done_tab.n[index] = n;
  }
  done_tab.ok[index][i] = (uint8_t)ok;
}

/* A host's outcome. */
typedef enum HostState { HOST_OK, HOST_FAILED, HOST_PAUSED, HOST_INTERRUPTED } HostState;

/* host_record journals host_start (o NULL) or host_end, once per step, host and attempt. */
static int host_record(VM *vm, const char *step, const char *host, int attempt, int batch, int state,
                       double dur, int attempts, const char *reason) {
  Buf f = BUF_INIT, key = BUF_INIT;
  int rc;
  const char *type = state < 0 ? "host_start" : "host_end";
  buf_printf(&key, "%s%s/%s/%s/%d", vm->undoing ? "undo:" : "", type, step, host, attempt);
  buf_puts(&f, "\"step\":");
  json_put_str(&f, step, strlen(step));
  buf_puts(&f, ",\"host\":");
  json_put_str(&f, host, strlen(host));
  buf_printf(&f, ",\"attempt\":%d,\"batch\":%d%s", attempt, batch, vm->undoing ? ",\"undo\":true" : "");
  if (state >= 0) {
    buf_printf(&f, ",\"state\":\"%s\",\"duration\":%.3f,\"attempts\":%d", state == HOST_OK ? "ok" : "failed", dur,
               attempts);
    if (reason) {
      buf_puts(&f, ",\"error\":");
      json_put_str(&f, reason, strlen(reason));
    }
  }
  rc = fx_record(vm, type, buf_cstr(&key), buf_cstr(&f));
  buf_free(&f);
  buf_free(&key);
  return rc;
}

/* last_outcome finds the state the journal's last host_end of (step, host)
** gives, and its attempt; 0 when there is none. */
static int last_outcome(const VM *vm, const char *step, const char *host, int *attempt) {
  const Effects *fx = vm->fx;
  size_t i;
  int ok = 0;
  if (!fx) return 0;
  for (i = 0; i < fx->nrecs; i++) {
    const Json *r = jrn_rec_json(&fx->recs[i]);
    const char *s, *h, *st;
    int isnum;
    if (strcmp(fx->recs[i].type, "host_end") != 0) continue;
    s = json_str(json_get(r, "step"), NULL);
    h = json_str(json_get(r, "host"), NULL);
    st = json_str(json_get(r, "state"), NULL);
    if (!s || !h || !st || strcmp(s, step) != 0 || strcmp(h, host) != 0) continue;
    *attempt = (int)json_num(json_get(r, "attempt"), &isnum);
    ok = strcmp(st, "ok") == 0 ? 1 : 2;
  }
  return ok;
}

/* run_host runs the step's body on one host: its own lane, its own
** retries (`retry N` counts per host), its own deadline. */
static HostState run_host(VM *vm, int index, const Value *host, int attempt, int batch, int hg, Buf *reason,
                          double *dur) {
  int proto = vm->undoing ? vm->prog->steps[index].undo : vm->prog->steps[index].body;
  StepInfo *st = &vm->prog->steps[index];
  Effects *fx = vm->fx;
  FleetHost fh;
  Buf lane = BUF_INIT, label = BUF_INIT;
  const Value *port = val_map_get(host, "port");
  double t0 = vm_now();
  Value res;
  VmResult r = VM_FAILED;
  int tries = 0;
  HostState s;
  memset(&fh, 0, sizeof fh);
  fh.t.name = map_str(host, "name");
  fh.t.address = map_str(host, "address") ? map_str(host, "address") : fh.t.name;
  fh.t.user = map_str(host, "user");
  fh.t.port = port && port->t == V_NUM ? (int)port->u.n : 0;
  buf_printf(&label, "%s@%s", st->name, fh.t.name);
  fh.label = buf_cstr(&label);
  if (host_record(vm, st->name, fh.t.name, attempt, batch, -1, 0, 0, NULL) != 0) {
    buf_free(&label);
    return HOST_INTERRUPTED;
  }
  if (hg >= 0) {
    val_release(vm->G[hg]);
    vm->G[hg] = *host;
    val_retain(*host);
  }
  vm->step_label = fh.label;
  vm->retries = 0;
  vm->retry_every = 0;
  for (;;) {
    tries++;
    buf_reset(&lane);
    buf_printf(&lane, "%s%s/%d", vm->undoing ? "undo:" : "", fh.label, attempt);
    if (tries > 1) buf_printf(&lane, ".%d", tries);
    if (fx) {
      fx->lane = fx_lane(fx, buf_cstr(&lane));
      fx->host = &fh;
    }
    vm->step_start = vm_now();
    vm->step_deadline = st->timeout > 0 ? vm->step_start + st->timeout : 0;
    r = vm_call(vm, proto, NULL, 0, &res);
    val_release(res);
    if (fx) {
      fx->lane = FX_LANE_RUNBOOK;
      fx->host = NULL;
    }
    if (r == VM_FAILED && (vm->paused || vm->diverged)) r = VM_PAUSED;
    if (fx_broken(fx)) r = VM_INTERRUPTED;
    if (r != VM_FAILED || tries > vm->retries) break;
    if (!fx_replaying(fx) && vm_sleep(vm, vm->retry_every) != 0) {
      r = VM_INTERRUPTED;
      break;
    }
  }
  vm->step_label = NULL;
  vm->step_deadline = 0;
  s = r == VM_OK ? HOST_OK : r == VM_PAUSED ? HOST_PAUSED
      : r == VM_INTERRUPTED || vm_interrupted(vm) ? HOST_INTERRUPTED : HOST_FAILED;
  *dur = vm_now() - t0;
  if (s == HOST_FAILED) buf_add(reason, vm->fail.p ? vm->fail.p : "", vm->fail.n);
  if (s == HOST_OK || s == HOST_FAILED) {
    if (host_record(vm, st->name, fh.t.name, attempt, batch, (int)s, *dur, tries,
                    s == HOST_FAILED ? buf_cstr(reason) : NULL) != 0)
      s = HOST_INTERRUPTED;
  }
  buf_free(&lane);
  buf_free(&label);
  return s;
}

static void progress(VM *vm, uint32_t b, uint32_t nb, uint32_t done, uint32_t n, uint32_t failed) {
  char msg[160];
  if (!vm->host.on_message) return;
  snprintf(msg, sizeof msg, "batch %u/%u, %u/%u hosts done, %u failed", b, nb, done, n, failed);
  vm->host.on_message(vm->host.ud, "fleet", msg);
}

/* ---- parallel batches ----------------------------------------------------
** Up to `parallel` hosts of a batch run at once, each in a forked child (a
** copy of the VM). The parent stays the journal's one writer: a child
** sends each record through a socket and waits until the parent has
** appended it (and synced it, for a command), so a command never starts
** before its effect_start is durable (fx_relay_send). A child cannot ask
** a person anything: a command in doubt on resume pauses the run for
** 'rbk answer'; a step variable set on a host stays in that child. */
typedef struct Job {
  uint32_t i;          /* the host's index in the group */
  int a;               /* its attempt */
  pid_t pid;
  int fd;              /* the parent's end of the socket; -1 when done */
  HostState s;
  Buf why;
} Job;

static int read_full(int fd, void *p, size_t n) {
  char *c = p;
  while (n) {
    ssize_t r = read(fd, c, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    c += r;
    n -= (size_t)r;
  }
  return 0;
}

/* serve takes one message from job j's child: a record, journaled and
** acknowledged, or its last word. Returns 1 when the child is done. */
static int serve(VM *vm, Job *j) {
  uint32_t h[2];
  uint8_t sync, ack = 1;
  char *type, *fields, err[300];
  int last = 0;
  if (read_full(j->fd, h, sizeof h) != 0 || read_full(j->fd, &sync, 1) != 0 || h[0] > 64 || h[1] > (64u << 20)) {
    if (j->s == HOST_OK) {   /* no last word: it died */
      j->s = HOST_INTERRUPTED;
      buf_puts(&j->why, "the process running this host ended early");
    }
    return 1;
  }
  type = mem_alloc(h[0] + 1);
  fields = mem_alloc(h[1] + 1);
  if (read_full(j->fd, type, h[0]) != 0 || read_full(j->fd, fields, h[1]) != 0) {
    mem_free(type);
    mem_free(fields);
    j->s = HOST_INTERRUPTED;
    return 1;
  }
  type[h[0]] = fields[h[1]] = 0;
  if (type[0] == '!') {   /* "!done": "STATE\nREASON" */
    j->s = (HostState)(fields[0] - '0');
    if (fields[0] && fields[1]) buf_puts(&j->why, fields + 2);
    ack = 0;
    last = 1;
  } else if (vm->fx && vm->fx->out && jrn_append_opt(vm->fx->out, type, fields, sync, err, sizeof err) == 0) {
    ack = 0;
  }
  mem_free(type);
  mem_free(fields);
  while (write(j->fd, &ack, 1) < 0 && errno == EINTR) {}
  return last;
}

static void target_of(const Value *host, SshTarget *t) {
  const Value *port = val_map_get(host, "port");
  t->name = map_str(host, "name");
  t->address = map_str(host, "address") ? map_str(host, "address") : t->name;
  t->user = map_str(host, "user");
  t->port = port && port->t == V_NUM ? (int)port->u.n : 0;
}

static void run_parallel(VM *vm, int index, const Value *hosts, Job *jobs, uint32_t nj, int batch, int hg,
                         uint32_t cap) {
  uint32_t next = 0, active = 0, k;
  pid_t parent = getpid();
  struct pollfd *pf = mem_alloc((nj ? nj : 1) * sizeof *pf);
  Job **of = mem_alloc((nj ? nj : 1) * sizeof *of);
  char err[300];
  for (k = 0; k < nj; k++) {
    SshTarget t;
    target_of(&AS_LIST(*hosts)->v[jobs[k].i], &t);
    ssh_prepare(&t, err, sizeof err);   /* the parent ends the masters at exit */
  }
  while (next < nj || active) {
    uint32_t np = 0;
    while (active < cap && next < nj) {
      Job *j = &jobs[next++];
      int sv[2];
      if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        j->s = HOST_FAILED;
        buf_printf(&j->why, "cannot start the host's process: %s", strerror(errno));
        continue;
      }
      fflush(NULL);
      j->pid = fork();
      if (j->pid == 0) {
        Buf why = BUF_INIT, f = BUF_INIT;
        double dur = 0;
        HostState s;
        /* it holds the run's lock too: it must not outlive the run's process */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(0);
        for (k = 0; k + 1 < next; k++)
          if (jobs[k].fd >= 0) close(jobs[k].fd);
        close(sv[0]);
        vm->fx->relay_fd = sv[1];
        vm->host.on_choice = NULL;   /* no question from a child: an in-doubt command pauses the run */
        s = run_host(vm, index, &AS_LIST(*hosts)->v[j->i], j->a, batch, hg, &why, &dur);
        if (s == HOST_PAUSED || s == HOST_INTERRUPTED) {   /* the parent says why */
          buf_reset(&why);
          buf_add(&why, vm->fail.p ? vm->fail.p : "", vm->fail.n);
        }
        buf_printf(&f, "%d\n%s", (int)s, buf_cstr(&why));
        fflush(NULL);
        fx_relay_send(sv[1], "!done", buf_cstr(&f), 0);
        _exit(0);
      }
      close(sv[1]);
      if (j->pid < 0) {
        close(sv[0]);
        j->s = HOST_FAILED;
        buf_printf(&j->why, "cannot start the host's process: %s", strerror(errno));
        continue;
      }
      j->fd = sv[0];
      active++;
    }
    for (k = 0; k < next; k++)
      if (jobs[k].fd >= 0) {
        pf[np].fd = jobs[k].fd;
        pf[np].events = POLLIN;
        pf[np].revents = 0;
        of[np++] = &jobs[k];
      }
    if (!np) continue;
    if (poll(pf, np, -1) < 0) continue;   /* EINTR: Ctrl-C reaches the children too; they end */
    for (k = 0; k < np; k++) {
      Job *j = of[k];
      if (!(pf[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      if (serve(vm, j)) {
        close(j->fd);
        j->fd = -1;
        while (waitpid(j->pid, NULL, 0) < 0 && errno == EINTR) {}
        active--;
      }
    }
  }
  mem_free(pf);
  mem_free(of);
}

uint32_t fleet_batches(const StepInfo *st, uint32_t n, uint32_t *starts, uint32_t *budget) {
  uint32_t nb = 0, pos = 0, size;
  /* the canary, then `serial` hosts at a time (a percentage rounded up) */
  if (st->canary > 0 && n > 0) {
    starts[nb++] = 0;
    pos = st->canary < n ? st->canary : n;
  }
  size = st->serial_pct ? (uint32_t)ceil(n * st->serial / 100.0) : (uint32_t)st->serial;
  if (size < 1) size = n > pos ? n - pos : 1;
  while (pos < n) {
    starts[nb++] = pos;
    pos += size;
  }
  starts[nb] = n;
  *budget = st->max_fail_pct ? (uint32_t)floor(n * st->max_fail / 100.0) : (uint32_t)st->max_fail;
  return nb;
}

VmResult fleet_hosts(VM *vm, int index, int attempt) {
  StepInfo *st = &vm->prog->steps[index];
  const GroupInfo *g = &vm->prog->groups[st->on_group - 1];
  const Value *hosts = &vm->G[g->global];
  uint32_t n = hosts->t == V_LIST ? AS_LIST(*hosts)->n : 0, *starts, nb, b, i, failed = 0, done = 0, budget;
  int hg = host_global(vm->prog), stop = 0;
  Buf why = BUF_INIT, fails = BUF_INIT;
  Value res;
  VmResult r = VM_OK;
  starts = mem_alloc((n + 2) * sizeof *starts);
  nb = fleet_batches(st, n, starts, &budget);
  for (b = 0; b < nb && !stop; b++) {
    if (b > 0 && st->between >= 0) {
      vm->step_deadline = 0;
      r = vm_call(vm, st->between, NULL, 0, &res);
      val_release(res);
      if (r != VM_OK) break;
    }
    uint32_t nj = 0, k;
    Job *jobs = mem_calloc((starts[b + 1] - starts[b] + 1) * sizeof *jobs);
    for (i = starts[b]; i < starts[b + 1] && i < n; i++) {
      const Value *host = &AS_LIST(*hosts)->v[i];
      const char *name = map_str(host, "name");
      int a = attempt, last_attempt = 0, last;
      if (vm->fx && vm->fx->read_only) {
        /* rbk undo reading the run: each host as it last ended */
        last = last_outcome(vm, st->name, name, &last_attempt);
        note_done(vm, index, i, n, last == 1);
        done++;
        continue;
      }
      if (retry_failed && (last = last_outcome(vm, st->name, name, &last_attempt)) != 0) {
        /* --retry-failed: a host that succeeded is done; a failed one runs again */
        if (last == 1) {
          note_done(vm, index, i, n, 1);
          done++;
          continue;
        }
        if (last_attempt >= a) a = last_attempt + 1;
      }
      jobs[nj].i = i;
      jobs[nj].a = a;
      jobs[nj].fd = -1;
      nj++;
    }
    if (st->parallel > 1 && nj > 1 && vm->fx && vm->fx->out && vm->fx->relay_fd <= 0) {
      run_parallel(vm, index, hosts, jobs, nj, (int)b + 1, hg, st->parallel);
    } else {
      for (k = 0; k < nj && !stop; k++) {
        double dur = 0;
        jobs[k].s = run_host(vm, index, &AS_LIST(*hosts)->v[jobs[k].i], jobs[k].a, (int)b + 1, hg, &jobs[k].why, &dur);
        if (jobs[k].s == HOST_PAUSED || jobs[k].s == HOST_INTERRUPTED) stop = 1;
        else jobs[k].fd = -2;   /* ran */
      }
      for (; k < nj; k++) jobs[k].s = HOST_INTERRUPTED, jobs[k].fd = -3;   /* not reached */
    }
    for (k = 0; k < nj; k++) {
      HostState s = jobs[k].s;
      const char *name = map_str(&AS_LIST(*hosts)->v[jobs[k].i], "name");
      if (s == HOST_PAUSED || s == HOST_INTERRUPTED) {
        if (jobs[k].fd == -3) continue;
        if (r == VM_OK || s == HOST_PAUSED) {
          r = s == HOST_PAUSED ? VM_FAILED : VM_INTERRUPTED;   /* a pause: vm->paused is set */
          if (s == HOST_PAUSED) {
            vm->paused = 1;
            if (jobs[k].why.n) vm_fail(vm, "%s", buf_cstr(&jobs[k].why));
          }
        }
        stop = 1;
        continue;
      }
      done++;
      note_done(vm, index, jobs[k].i, n, s == HOST_OK);
      if (s == HOST_FAILED) {
        failed++;
        buf_printf(&fails, "%s: %s\n", name, buf_cstr(&jobs[k].why));
      }
    }
    for (k = 0; k < nj; k++) buf_free(&jobs[k].why);
    mem_free(jobs);
    if (stop) break;
    progress(vm, b + 1, nb, done, n, failed);
    if (failed > budget) break;
  }
  mem_free(starts);
  if (hg >= 0) {
    val_release(vm->G[hg]);
    vm->G[hg] = val_nil();
  }
  if (r == VM_OK && failed > budget) {
    vm_fail(vm, "%u of %u host%s failed, over the failure budget of %u", failed, n, n == 1 ? "" : "s", budget);
    if (fails.n) {
      fails.n--;   /* the last newline */
      vm_fail_detail(vm, "%s", buf_cstr(&fails));
    }
    r = VM_FAILED;
  } else if (r == VM_OK && failed && vm->host.on_message) {
    char msg[160];
    snprintf(msg, sizeof msg, "%u host%s failed, within the failure budget of %u", failed, failed == 1 ? "" : "s",
             budget);
    vm->host.on_message(vm->host.ud, "warning", msg);
  }
  vm->retries = 0;   /* `retry` counted per host: the step is not tried again */
  buf_free(&why);
  buf_free(&fails);
  return r;
}

VmResult fleet_undo(VM *vm, int index, int nth) {
  StepInfo *st = &vm->prog->steps[index];
  const Value *hosts = &vm->G[vm->prog->groups[st->on_group - 1].global];
  uint32_t n = hosts->t == V_LIST ? AS_LIST(*hosts)->n : 0, i, failed = 0, undone = 0;
  int hg = host_global(vm->prog);
  Buf why = BUF_INIT, fails = BUF_INIT;
  VmResult r = VM_OK;
  for (i = n; i-- > 0;) {
    const Value *host = &AS_LIST(*hosts)->v[i];
    double dur = 0;
    HostState s;
    if (done_tab.p != vm->prog || done_tab.n[index] != n || !done_tab.ok[index][i]) continue;
    buf_reset(&why);
    s = run_host(vm, index, host, nth, 0, hg, &why, &dur);
    if (s == HOST_PAUSED || s == HOST_INTERRUPTED) {
      r = s == HOST_PAUSED ? VM_FAILED : VM_INTERRUPTED;
      break;
    }
    undone++;
    if (s == HOST_FAILED) {
      failed++;
      buf_printf(&fails, "%s: %s\n", map_str(host, "name"), buf_cstr(&why));
    }
  }
  if (hg >= 0) {
    val_release(vm->G[hg]);
    vm->G[hg] = val_nil();
  }
  if (r == VM_OK && vm->host.on_message) {
    char msg[160];
    snprintf(msg, sizeof msg, "undone on %u of %u host%s, %u failed", undone - failed, n, n == 1 ? "" : "s", failed);
    vm->host.on_message(vm->host.ud, "fleet", msg);
  }
  if (r == VM_OK && failed) {
    vm_fail(vm, "the undo failed on %u host%s", failed, failed == 1 ? "" : "s");
    fails.n--;
    vm_fail_detail(vm, "%s", buf_cstr(&fails));
    r = VM_FAILED;
  }
  buf_free(&why);
  buf_free(&fails);
  return r;
}
