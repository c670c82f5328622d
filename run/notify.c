/*
** notify.c -- notifications: `notify ROLE "text" [via NAME] [required]`
** and rbk watch's messages to the decision maker. Each is shown, journaled
** as one effect, and sent through a notifier: the statement's `via`, else
** the role's `notify NAME`, else the runbook's unnamed `notifier`, if any.
** A notifier is a shell command (run here) or a webhook or e-mail
** (run/notify_send.c). A notifier that fails is journaled (a
** notify_failed record) and shown; it fails the step only when the
** statement says `required`.
*/
#include "runtime.h"

#include <stdio.h>
#include <string.h>

#include "effects.h"
#include "notify_send.h"
#include "../base/json.h"
#include "../base/mem.h"

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

/* The notifier chosen for one notification. */
typedef struct Chosen {
  const char *name;   /* its name, or NULL: the runbook's unnamed notifier */
  int proto;          /* its function, or -1: none */
  const char *to;     /* where the role says to send (notify NAME "where"), or "" */
} Chosen;

static int find_notifier(const Program *p, const char *name) {
  uint32_t i;
  size_t n = strlen(name);
  for (i = 0; i < p->nprotos; i++) {
    const char *pn = p->protos[i]->name;
    if (pn && strncmp(pn, "notifier ", 9) == 0 && strlen(pn + 9) == n && memcmp(pn + 9, name, n) == 0) return (int)i;
  }
  return -1;
}

/* list_str returns item i of list v as a C string, or "". */
static const char *list_str(const Value *v, uint32_t i) {
  if (v->t != V_LIST || i >= AS_LIST(*v)->n || AS_LIST(*v)->v[i].t != V_STR) return "";
  return AS_STR(AS_LIST(*v)->v[i])->s;
}

/* run_notifier runs notifier c for one message, outside the journal (the
** notification is the effect): a shell one runs its command; a webhook or
** e-mail one gives its URL and options, and the message is sent from
** here. Returns 0, or -1 with why in err (not yet masked). */
static int run_notifier(VM *vm, const Chosen *c, const char *role, const RoleInfo *r, const Value *text, Buf *err) {
  Value args[NP__N], res = val_nil();
  Effects *fx = vm->fx;
  double deadline = vm->step_deadline, limit = vm_now() + NOTIFIER_TIMEOUT_S;
  VmResult rc;
  int k, out = 0;
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
  rc = vm_call(vm, c->proto, args, NP__N, &res);
  vm->step_deadline = deadline;
  vm->fx = fx;
  if (rc != VM_OK) {
    buf_add(err, vm->fail.p ? vm->fail.p : "", vm->fail.n);
    if (!err->n) buf_puts(err, rc == VM_INTERRUPTED ? "interrupted" : "failed");
    out = -1;
  } else if (res.t == V_LIST) {   /* [KIND, URL, "from", ADDRESS, ...] */
    NotifySend s;
    Buf subject = BUF_INIT, who = BUF_INIT;
    uint32_t i;
    memset(&s, 0, sizeof s);
    s.kind = list_str(&res, 0);
    s.url = list_str(&res, 1);
    for (i = 2; i + 1 < AS_LIST(res)->n; i += 2)
      if (strcmp(list_str(&res, i), "from") == 0) s.from = list_str(&res, i + 1);
    s.to = c->to[0] ? c->to : strcmp(s.kind, "email") == 0 ? contact(r, "email") : "";
    buf_puts(&subject, vm->prog->title);
    if (vm->step >= 0 && (uint32_t)vm->step < vm->prog->nsteps) {
      const StepInfo *si = &vm->prog->steps[vm->step];
      buf_printf(&subject, ": step %s", si->name);
      if (si->title && si->title[0]) buf_printf(&subject, " (%s)", si->title);
    }
    buf_puts(&who, role);
    if (r && r->person[0]) buf_printf(&who, " (%s)", r->person);
    s.subject = buf_cstr(&subject);
    s.who = buf_cstr(&who);
    s.message = AS_STR(args[NP_MESSAGE])->s;
    s.interrupt = vm->interrupt;
    out = notify_send(&s, err);
    buf_free(&subject);
    buf_free(&who);
  }
  val_release(res);
  for (k = 0; k < NP__N; k++) val_release(args[k]);
  return out;
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

static void put_field(const VM *vm, Buf *b, const char *key, const char *s) {
  Buf m = BUF_INIT;
  vm_redact(vm, s, strlen(s), &m);
  buf_printf(b, ",\"%s\":", key);
  json_put_str(b, buf_cstr(&m), m.n);
  buf_free(&m);
}

/* fx_notify is VmRuntime.notify. spec is "ROLE", "ROLE/NOTIFIER" (the
** statement's via), either with "!" after it when the statement says
** `required`. */
int fx_notify(VM *vm, const char *spec, const Value *text, Buf *err) {
  Buf line = BUF_INIT, shown = BUF_INIT, why = BUF_INIT, extra = BUF_INIT, masked = BUF_INIT;
  char role[256], via[256];
  size_t rn = strcspn(spec, "/!");
  int required = spec[0] && spec[strlen(spec) - 1] == '!', ri, rc = 0;
  const RoleInfo *r;
  Chosen c;
  Value none;
  FxMode m;
  snprintf(role, sizeof role, "%.*s", (int)(rn < sizeof role ? rn : sizeof role - 1), spec);
  via[0] = 0;
  if (spec[rn] == '/') snprintf(via, sizeof via, "%.*s", (int)strcspn(spec + rn + 1, "!"), spec + rn + 1);
  ri = prog_find_role(vm->prog, role);
  r = ri >= 0 ? &vm->prog->roles[ri] : NULL;
  c.name = via[0] ? via : contact(r, "notify")[0] ? contact(r, "notify") : NULL;
  c.proto = c.name ? find_notifier(vm->prog, c.name) : vm->prog->notifier;
  c.to = c.name && strcmp(contact(r, "notify"), c.name) == 0 ? contact(r, "notify_to") : "";
  if (err) buf_reset(err);
  notify_line(vm, role, r, text, 0, &line);
  m = fx_begin(vm, "notify", buf_cstr(&line), 1, &none);
  val_release(none);
  if (m == FX_STOP) rc = -1;
  if (m == FX_REPLAYED && required && vm->rt && vm->rt->replayed_error(vm)) {
    /* a required notification that failed when it ran fails again */
    vm_fail(vm, "%s", vm->rt->replayed_error(vm));
    rc = -1;
  }
  if (m == FX_LIVE) {
    notify_line(vm, role, r, text, 1, &shown);
    if (vm->host.on_message) vm->host.on_message(vm->host.ud, "notify", buf_cstr(&shown));
    if (c.name && c.proto < 0) buf_printf(&why, "no notifier named '%s'", c.name);
    if (why.n || (c.proto >= 0 && run_notifier(vm, &c, role, r, text, &why) != 0)) {
      Buf msg = BUF_INIT, rec = BUF_INIT;
      vm_redact(vm, why.p ? why.p : "", why.n, &masked);   /* a URL's token, a header's secret */
      if (c.name) put_field(vm, &extra, "via", c.name);
      buf_puts(&extra, ",\"notifier_error\":");
      json_put_str(&extra, buf_cstr(&masked), masked.n);
      if (required) {
        Buf e = BUF_INIT;
        buf_printf(&e, "the notification to %s failed: %s", role, buf_cstr(&masked));
        buf_puts(&extra, ",\"error\":");
        json_put_str(&extra, buf_cstr(&e), e.n);
        buf_free(&e);
        buf_printf(&msg, "the notifier %s%s%sfailed: %s", c.name ? "'" : "", c.name ? c.name : "",
                   c.name ? "' " : "", buf_cstr(&masked));
      } else {
        buf_printf(&msg, "the notifier %s%s%sfailed (the notification is journaled; the run goes on): %s",
                   c.name ? "'" : "", c.name ? c.name : "", c.name ? "' " : "", buf_cstr(&masked));
      }
      if (vm->host.on_message && !required) vm->host.on_message(vm->host.ud, "warning", buf_cstr(&msg));
      if (err) buf_add(err, masked.p ? masked.p : "", masked.n);
      none = val_nil();
      if (fx_end(vm, &none, buf_cstr(&extra)) != 0) rc = -1;
      /* its own record: which notifier, to whom, why (masked; never the message) */
      put_field(vm, &rec, "notifier", c.name ? c.name : "notifier");
      put_field(vm, &rec, "role", role);
      if (r && r->person[0]) put_field(vm, &rec, "person", r->person);
      if (c.to[0]) put_field(vm, &rec, "to", c.to);
      if (vm->step >= 0 && (uint32_t)vm->step < vm->prog->nsteps) put_field(vm, &rec, "step", vm->prog->steps[vm->step].name);
      buf_puts(&rec, ",\"required\":");
      buf_puts(&rec, required ? "true" : "false");
      buf_puts(&rec, ",\"error\":");
      json_put_str(&rec, buf_cstr(&masked), masked.n);
      if (rc == 0 && fx_record(vm, "notify_failed", NULL, rec.p + 1) != 0) rc = -1;
      if (rc == 0 && required) rc = vm_fail(vm, "the notification to %s failed: %s", role, buf_cstr(&masked));
      buf_free(&msg);
      buf_free(&rec);
    } else {
      if (c.proto >= 0) {
        if (c.name) put_field(vm, &extra, "via", c.name);
        buf_puts(&extra, ",\"notifier\":\"sent\"");
      }
      none = val_nil();
      if (fx_end(vm, &none, buf_cstr(&extra)) != 0) rc = -1;
    }
  }
  buf_free(&line);
  buf_free(&shown);
  buf_free(&why);
  buf_free(&extra);
  buf_free(&masked);
  return rc;
}
