/*
** notify_send.c -- a notification through a webhook or e-mail (see
** notify_send.h), over run/netclient.c. Called by run/notify.c.
**
** A webhook gets a POST of {"text": "[SUBJECT] WHO: MESSAGE"} (with
** "channel" when the role names one), which Slack's incoming webhooks,
** and most chat tools' that copy them, take as it is; any answer from
** 200 to 299 is a success. E-mail goes to one address with the subject
** "[rbk] SUBJECT".
*/
#include "notify_send.h"

#include <string.h>

#include "../base/json.h"
#include "netclient.h"

static int webhook(const NotifySend *s, Buf *why) {
  NetRequest rq;
  NetResponse res;
  Buf body = BUF_INIT, text = BUF_INIT;
  static const char *const headers[] = {"Content-Type: application/json"};
  int rc = 0;
  buf_printf(&text, "[%s] %s: %s", s->subject, s->who, s->message);
  buf_puts(&body, "{\"text\":");
  json_put_str(&body, text.p, text.n);
  if (s->to && *s->to) {
    buf_puts(&body, ",\"channel\":");
    json_put_str(&body, s->to, strlen(s->to));
  }
  buf_putc(&body, '}');
  if (strncmp(s->url, "http://", 7) != 0 && strncmp(s->url, "https://", 8) != 0) {
    buf_puts(why, "a webhook's URL must start with http:// or https://");
    rc = -1;
  } else {
    memset(&rq, 0, sizeof rq);
    rq.method = "POST";
    rq.url = s->url;
    rq.headers = headers;
    rq.nheaders = 1;
    rq.body = body.p;
    rq.body_len = body.n;
    rq.timeout_s = NOTIFY_SEND_TIMEOUT_S;
    rq.max_body = (size_t)1 << 20;
    rq.interrupt = s->interrupt;
    if (net_http(&rq, &res) != 0) {
      buf_printf(why, "POST %s: %s", s->url, buf_cstr(&res.err));
      rc = -1;
    } else if (res.status < 200 || res.status > 299) {
      size_t n = res.body.n > 200 ? 200 : res.body.n, i;
      buf_printf(why, "POST %s: HTTP status %ld", s->url, res.status);
      if (n) {
        buf_puts(why, ": ");
        for (i = 0; i < n; i++) buf_putc(why, res.body.p[i] == '\n' || res.body.p[i] == '\r' ? ' ' : res.body.p[i]);
      }
      rc = -1;
    }
    net_response_free(&res);
  }
  buf_free(&body);
  buf_free(&text);
  return rc;
}

static int email(const NotifySend *s, Buf *why) {
  NetMail m;
  Buf subject = BUF_INIT, text = BUF_INIT;
  int rc;
  if (!s->to || !*s->to) {
    buf_printf(why, "%s has no e-mail address (give the role: email \"...\", or notify NAME \"address\")", s->who);
    return -1;
  }
  buf_printf(&subject, "[rbk] %s", s->subject);
  buf_printf(&text, "%s\n\n-- \nrbk: %s, for %s\n", s->message, s->subject, s->who);
  memset(&m, 0, sizeof m);
  m.url = s->url;
  m.from = s->from;
  m.to = s->to;
  m.subject = buf_cstr(&subject);
  m.text = buf_cstr(&text);
  m.timeout_s = NOTIFY_SEND_TIMEOUT_S;
  m.interrupt = s->interrupt;
  rc = net_mail(&m, why);
  if (rc != 0 && why->n && strncmp(why->p, "curl:", 5) == 0) {
    Buf w = BUF_INIT;
    buf_printf(&w, "mail to %s through %s: %s", s->to, s->url, buf_cstr(why));
    buf_reset(why);
    buf_add(why, w.p, w.n);
    buf_free(&w);
  }
  buf_free(&subject);
  buf_free(&text);
  return rc;
}

int notify_send(const NotifySend *s, Buf *why) {
  if (strcmp(s->kind, "webhook") == 0) return webhook(s, why);
  if (strcmp(s->kind, "email") == 0) return email(s, why);
  buf_printf(why, "unknown kind of notifier '%s'", s->kind);
  return -1;
}
