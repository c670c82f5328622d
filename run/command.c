/*
** command.c -- a shell command as an effect of a run: journaled
** (run/effects.c), executed as a child process group (run/exec.c) under
** the step's deadline, its output streamed to the host, secrets masked.
** The VM reaches it through run_runtime's run (the `run` statement); the
** stdlib's run(), sh() and status() call fx_command.
*/
#include "runtime.h"

#include <stdio.h>
#include <string.h>

#include "effects.h"
#include "fleet.h"
#include "../base/mem.h"

static void cmd_line(void *ud, int stream, const char *line, size_t n) {
  VM *vm = ud;
  Buf b = BUF_INIT;
  if (!vm->host.on_output) return;
  vm_redact(vm, line, n, &b);
  vm->host.on_output(vm->host.ud, stream, buf_cstr(&b), b.n);
  buf_free(&b);
}

static void cmd_tick(void *ud, double elapsed) {
  VM *vm = ud;
  if (vm->host.on_tick) vm->host.on_tick(vm->host.ud, elapsed);
}

/* remote_host is the host a command runs on: inside a step on hosts,
** unless it is a `local run`; NULL: this machine. */
static const FleetHost *remote_host(const VM *vm) {
  return vm->fx && vm->fx->host && !vm->run_local ? vm->fx->host : NULL;
}

static int step_idempotent(const VM *vm) { return vm->step >= 0 && vm->prog->steps[vm->step].idempotent; }

/* A recorded command result, as exec_run would have filled it. */
static void result_from_value(const Value *v, ExecResult *r) {
  memset(r, 0, sizeof *r);
  if (v->t == V_REC) {
    Rec *rec = AS_REC(*v);
    r->status = rec->status;
    r->duration_s = rec->duration;
    r->timed_out = rec->timed_out;
    r->out = mem_strndup(rec->out->s, rec->out->len);
    r->out_len = rec->out->len;
    r->err = mem_strndup(rec->err->s, rec->err->len);
    r->err_len = rec->err->len;
  } else {
    r->out = mem_strdup("");
    r->err = mem_strdup("");
  }
}

/* output_notes says what a command's journaled result lacks: output past
** the capture cap (EXEC_DEFAULT_CAP per stream) is cut, and a process
** still holding the pipes after the drain period (a daemon, setsid or
** not) keeps whatever it writes later unread. Each goes to the terminal
** as a warning and into the effect_end as fields (docs/journal.md);
** returns the length written to extra. */
static int output_notes(VM *vm, const ExecResult *r, char *extra, size_t n) {
  char msg[200];
  int k = 0;
  if (r->out_dropped || r->err_dropped) {
    k += snprintf(extra + k, n - (size_t)k, ",\"truncated\":{\"out\":%zu,\"err\":%zu}", r->out_dropped,
                  r->err_dropped);
    snprintf(msg, sizeof msg, "output over the journal's %zu MiB limit was not journaled: %zu bytes of stdout, "
             "%zu of stderr dropped", EXEC_DEFAULT_CAP >> 20, r->out_dropped, r->err_dropped);
    if (vm->host.on_message) vm->host.on_message(vm->host.ud, "warning", msg);
  }
  if (r->detached) {
    static const char held[] = "a process left running holds the output open";
    k += snprintf(extra + k, n - (size_t)k, ",\"left_running\":\"%s\"", held);
    snprintf(msg, sizeof msg, "%s: what it writes after the command ended is not read", held);
    if (vm->host.on_message) vm->host.on_message(vm->host.ud, "warning", msg);
  }
  return k;
}

VmResult fx_command(VM *vm, const char *cmd, ExecResult *r) {
  ExecOpts o;
  Value rec;
  FxMode m;
  int rc;
  memset(&o, 0, sizeof o);
  memset(r, 0, sizeof *r);
  m = fx_begin(vm, "cmd", cmd, step_idempotent(vm), &rec);
  if (m == FX_STOP) return vm->paused ? VM_PAUSED : VM_FAILED;
  if (m == FX_REPLAYED) {
    result_from_value(&rec, r);
    val_release(rec);
    return VM_OK;
  }
  if (vm->host.on_command) {
    Buf b = BUF_INIT;
    vm_redact(vm, cmd, strlen(cmd), &b);
    vm->host.on_command(vm->host.ud, buf_cstr(&b));
    buf_free(&b);
  }
  o.cmd = cmd;
  if (vm->step_deadline > 0) {
    o.timeout_s = vm->step_deadline - vm_now();
    if (o.timeout_s <= 0) {
      vm_fail(vm, "step timed out before the command could start");
      return VM_FAILED;
    }
  }
  o.on_line = cmd_line;
  o.on_tick = cmd_tick;
  o.interrupt = vm->interrupt;
  o.ud = vm;
  if (remote_host(vm)) {
    char err[300];
    rc = ssh_exec(&remote_host(vm)->t, cmd, &o, r, err, sizeof err);   /* a step on hosts (run/ssh.c) */
    if (rc != 0) {
      if (vm->host.on_output_end) vm->host.on_output_end(vm->host.ud);
      vm_fail(vm, "%s", err);
      exec_result_free(r);
      return VM_FAILED;
    }
  } else {
    rc = exec_run(&o, r);
  }
  if (vm->host.on_output_end) vm->host.on_output_end(vm->host.ud);
  if (rc != 0) {
    vm_fail(vm, "cannot start /bin/sh: %s", strerror(r->spawn_errno));
    exec_result_free(r);
    return VM_FAILED;
  }
  /* Interrupted: no effect_end, so a resume finds the command in doubt. */
  if (r->interrupted) return VM_INTERRUPTED;
  rec = val_rec_new(r->status, r->duration_s, r->out, r->out_len, r->err, r->err_len, r->timed_out);
  {
    char extra[300];
    int k = snprintf(extra, sizeof extra, ",\"status\":%d,\"duration\":%.3f", r->status, r->duration_s);
    k += output_notes(vm, r, extra + k, sizeof extra - (size_t)k);
    if (fx_end(vm, &rec, extra) != 0) {
      val_release(rec);
      exec_result_free(r);
      return VM_FAILED;
    }
  }
  val_release(rec);
  return VM_OK;
}

int fx_run(VM *vm, const char *cmd) {
  ExecResult r;
  VmResult st = fx_command(vm, cmd, &r);
  if (st == VM_INTERRUPTED) {
    exec_result_free(&r);
    return vm_fail(vm, "interrupted");
  }
  if (st != VM_OK) return -1;   /* failed or paused: vm_fail was called */
  if (r.status == 255 && remote_host(vm)) {
    /* ssh's own failure: the host could not be reached, or its key was refused */
    char why[420];
    ssh_reason(&r, why, sizeof why);
    vm_fail(vm, "cannot run on host %s over ssh: %s", remote_host(vm)->t.name, why);
    exec_result_free(&r);
    return -1;
  }
  if (r.status != 0) {
    if (r.timed_out) vm_fail(vm, "command timed out (the step's timeout was reached) and was killed");
    else if (r.term_signal) vm_fail(vm, "command was killed by signal %d", r.term_signal);
    else vm_fail(vm, "command failed with exit status %d", r.status);
    if (r.err_len) {
      const char *e = r.err;
      size_t n = r.err_len;
      Buf t = BUF_INIT;
      if (n > 800) { e += n - 800; n = 800; }
      buf_add_text(&t, e, n);
      vm_fail_detail(vm, "stderr: %s", buf_cstr(&t));
      buf_free(&t);
    }
    exec_result_free(&r);
    return -1;
  }
  exec_result_free(&r);
  return 0;
}
