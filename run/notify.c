/*
** notify.c -- notifications: `notify ROLE "text"` and rbk watch's
** messages to the decision maker. Each is shown, journaled as one effect,
** and sent through the runbook's `notifier` command when it declares one.
*/
#include "runtime.h"

#include <stdio.h>
#include <string.h>

#include "effects.h"
#include "../base/json.h"

/* A notifier that has not finished after this long is stopped: a hung
** mail command must not hold up a backout. */
#define NOTIFIER_TIMEOUT_S 60.0

/* The notifier proto's parameters, in order (codegen declares the same). */
enum { NP_TO, NP_PERSON, NP_EMAIL, NP_PHONE, NP_MESSAGE, NP_TITLE, NP__N };

static const char *contact(const RoleInfo *r, const char *key) {
  uint32_t i;
  if (!r) return "";
  for (i = 0; i < r->ncontacts; i++)
    if (strcmp(r->keys[i], key) == 0) return r->vals[i];
  return "";
}

/* run_notifier runs the notifier for one message, outside the journal
** (the notification is the effect). Returns 0, or -1 with why in err. */
static int run_notifier(VM *vm, const char *role, const RoleInfo *r, const Value *text, Buf *err) {
  Value args[NP__N], res;
  Effects *fx = vm->fx;
  double deadline = vm->step_deadline, limit = vm_now() + NOTIFIER_TIMEOUT_S;
  VmResult rc;
  int k;
  args[NP_TO] = val_cstr_new(role);
  args[NP_PERSON] = val_cstr_new(r ? r->person : "");
  args[NP_EMAIL] = val_cstr_new(contact(r, "email"));
  args[NP_PHONE] = val_cstr_new(contact(r, "phone"));
  {
    /* The message leaves rbk: secrets masked, as on the terminal. The
    ** notifier's own command may still use a secret (an API token). */
    Buf b = BUF_INIT;
    vm_show(vm, text, &b);
    args[NP_MESSAGE] = val_str_take(&b);
  }
  args[NP_TITLE] = val_cstr_new(vm->prog->title);
  vm->fx = NULL;
  if (deadline <= 0 || deadline > limit) vm->step_deadline = limit;
  rc = vm_call(vm, vm->prog->notifier, args, NP__N, &res);
  vm->step_deadline = deadline;
  vm->fx = fx;
  val_release(res);
  for (k = 0; k < NP__N; k++) val_release(args[k]);
  if (rc == VM_OK) return 0;
  buf_add(err, vm->fail.p ? vm->fail.p : "", vm->fail.n);
  if (!err->n) buf_puts(err, rc == VM_INTERRUPTED ? "interrupted" : "failed");
  return -1;
}

/* notify_line writes "ROLE (PERSON): TEXT": as it is for the effect's
** key, or masked to be shown. */
static void notify_line(const VM *vm, const char *role, const RoleInfo *r, const Value *text, int masked, Buf *b) {
  buf_puts(b, role);
  if (r && r->person[0]) buf_printf(b, " (%s)", r->person);
  buf_puts(b, ": ");
  if (masked) vm_show(vm, text, b);
  else val_to_buf(text, b);
}

int fx_notify(VM *vm, const char *role, const Value *text, Buf *err) {
  Buf line = BUF_INIT, shown = BUF_INIT, why = BUF_INIT, extra = BUF_INIT;
  int ri = prog_find_role(vm->prog, role), rc = 0;
  const RoleInfo *r = ri >= 0 ? &vm->prog->roles[ri] : NULL;
  Value none;
  FxMode m;
  if (err) buf_reset(err);
  notify_line(vm, role, r, text, 0, &line);
  m = fx_begin(vm, "notify", buf_cstr(&line), 1, &none);
  val_release(none);
  if (m == FX_STOP) rc = -1;
  if (m == FX_LIVE) {
    notify_line(vm, role, r, text, 1, &shown);
    if (vm->host.on_message) vm->host.on_message(vm->host.ud, "notify", buf_cstr(&shown));
    if (vm->prog->notifier >= 0 && run_notifier(vm, role, r, text, &why) != 0) {
      Buf msg = BUF_INIT;
      buf_puts(&extra, ",\"notifier_error\":");
      json_put_str(&extra, buf_cstr(&why), why.n);
      buf_printf(&msg, "the notifier failed (the notification is journaled; the run goes on): %s", buf_cstr(&why));
      if (vm->host.on_message) vm->host.on_message(vm->host.ud, "warning", buf_cstr(&msg));
      if (err) buf_add(err, why.p ? why.p : "", why.n);
      buf_free(&msg);
    } else if (vm->prog->notifier >= 0) {
      buf_puts(&extra, ",\"notifier\":\"sent\"");
    }
    none = val_nil();
    if (fx_end(vm, &none, buf_cstr(&extra)) != 0) rc = -1;
  }
  buf_free(&line);
  buf_free(&shown);
  buf_free(&why);
  buf_free(&extra);
  return rc;
}
