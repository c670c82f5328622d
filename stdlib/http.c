/*
** http.c -- http_status(url [, timeout]) and http_get(url [, timeout]),
** through the curl command. curl is spawned with its arguments as they
** are (exec argv, no shell), so nothing in a URL is ever read as shell
** syntax; only http:// and https:// URLs are accepted, so a URL can never
** pass for one of curl's options either, and --globoff keeps curl from
** reading [] and {} in it as patterns. Redirects are not followed: a
** check sees what the URL itself answers.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natives.h"

/* Without a timeout argument a request gives up after this long. */
#define HTTP_DEFAULT_TIMEOUT_S 10.0
/* A body larger than this is refused rather than cut short silently. */
#define HTTP_MAX_BODY ((size_t)8 << 20)

/* http runs curl on args[0] and stores the status code in *code (0 when
** no response came) and the body in *body (if not NULL). Returns 0, or -1
** after vm_fail when curl could not run or, with fail_on_error, when no
** response came. */
static int http(VM *vm, const char *fn, Value *args, int argc, int fail_on_error, int *code, Value *body) {
  const char *url = AS_STR(args[0])->s;
  double timeout = argc == 2 ? args[1].u.n : HTTP_DEFAULT_TIMEOUT_S;
  char tbuf[64];
  char *argv[16];
  ExecOpts o;
  ExecResult r;
  size_t i, n, cut;
  int k = 0;
  if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
    Buf m = BUF_INIT;
    vm_redact(vm, url, AS_STR(args[0])->len, &m);   /* masked before it is cut */
    k = vm_fail(vm, "%s(): the URL must start with http:// or https://, not \"%.80s\"", fn, buf_cstr(&m));
    buf_free(&m);
    return k;
  }
  for (i = 0; i < AS_STR(args[0])->len; i++)
    if ((unsigned char)url[i] <= ' ' || url[i] == 0x7f)
      return vm_fail(vm, "%s(): the URL contains a space or a control character; encode it (%%20)", fn);
  if (!(timeout > 0)) return vm_fail(vm, "%s(): the timeout must be more than 0s", fn);
  if (vm->step_deadline > 0) {
    double left = vm->step_deadline - vm_now();
    if (left <= 0) return vm_fail(vm, "%s(): the step timed out", fn);
    if (left < timeout) timeout = left;
  }
  snprintf(tbuf, sizeof tbuf, "%.3f", timeout);
  argv[k++] = (char *)(uintptr_t)"curl";
  argv[k++] = (char *)(uintptr_t)"--silent";
  argv[k++] = (char *)(uintptr_t)"--show-error";
  argv[k++] = (char *)(uintptr_t)"--globoff";   /* [] and {} in a URL are not curl patterns */
  argv[k++] = (char *)(uintptr_t)"--max-time";
  argv[k++] = tbuf;
  argv[k++] = (char *)(uintptr_t)"--proto";
  argv[k++] = (char *)(uintptr_t)"=http,https";
  argv[k++] = (char *)(uintptr_t)"--output";
  argv[k++] = (char *)(uintptr_t)(body ? "-" : "/dev/null");
  argv[k++] = (char *)(uintptr_t)"--write-out";
  argv[k++] = (char *)(uintptr_t)"\n%{http_code}";
  argv[k++] = (char *)(uintptr_t)url;
  argv[k] = NULL;
  memset(&o, 0, sizeof o);
  o.argv = argv;
  o.interrupt = vm->interrupt;
  o.capture_cap = HTTP_MAX_BODY + 16;
  o.timeout_s = timeout + 5;   /* curl keeps its own time; this is only a backstop */
  if (exec_run(&o, &r) != 0) {
    vm_fail(vm, "%s(): cannot run curl: %s", fn, strerror(r.spawn_errno));
    exec_result_free(&r);
    return -1;
  }
  if (r.interrupted) {
    exec_result_free(&r);
    return vm_fail(vm, "interrupted");
  }
  if (r.out_truncated) {
    exec_result_free(&r);
    return vm_fail(vm, "%s(): the response is larger than %zu MiB", fn, HTTP_MAX_BODY >> 20);
  }
  /* stdout is the body, a newline, then the status code curl wrote. */
  n = r.out_len;
  cut = n;
  while (cut > 0 && r.out[cut - 1] != '\n') cut--;
  *code = cut > 0 ? atoi(r.out + cut) : 0;
  if (*code == 0 && fail_on_error) {
    size_t en = r.err_len;
    while (en > 0 && (r.err[en - 1] == '\n' || r.err[en - 1] == '\r')) en--;
    vm_fail(vm, "%s(%s): no response%s%.*s", fn, url, en ? ": " : "", (int)(en > 300 ? 300 : en), r.err);
    exec_result_free(&r);
    return -1;
  }
  if (body) *body = val_str_new(r.out, cut > 0 ? cut - 1 : 0);
  exec_result_free(&r);
  return 0;
}

int nat_http_status(VM *vm, Value *args, int argc, Value *out) {
  int code;
  if (http(vm, "http_status", args, argc, 0, &code, NULL) != 0) return -1;
  *out = val_num(code);
  return 0;
}

int nat_http_get(VM *vm, Value *args, int argc, Value *out) {
  int code;
  Value body = val_nil();
  if (http(vm, "http_get", args, argc, 1, &code, &body) != 0) return -1;
  if (code >= 400) {
    val_release(body);
    return vm_fail(vm, "http_get(%s): HTTP status %d", AS_STR(args[0])->s, code);
  }
  *out = body;
  return 0;
}
