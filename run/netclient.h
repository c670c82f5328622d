/*
** netclient.h -- HTTP requests and SMTP mail through libcurl: what the
** stdlib's http() family (stdlib/http.c) and the webhook and e-mail
** notifiers (run/notify_send.c) send. No Values here: plain C in, plain
** C out, so both callers share one client.
**
** TLS peers are always verified (the system's CAs, plus ca_file when
** given); there is no option to turn verification off. Redirects are not
** followed. Only http(s):// (net_http) and smtp(s):// (net_mail) URLs
** are taken.
*/
#ifndef RBK_NETCLIENT_H
#define RBK_NETCLIENT_H

#include <stddef.h>

#include "../base/buf.h"

typedef struct NetRequest {
  const char *method;          /* "GET", "POST", ...; NULL is GET */
  const char *url;
  const char *const *headers;  /* "Name: value" lines */
  size_t nheaders;
  const char *body;            /* sent when not NULL */
  size_t body_len;
  double timeout_s;            /* the whole request, connecting included */
  const char *ca_file;         /* a PEM file of CAs trusted besides the system's, or NULL */
  const char *cert_file;       /* a client certificate (PEM), or NULL */
  const char *key_file;        /* its key, when not in cert_file, or NULL */
  size_t max_body;             /* a larger response body is refused */
  const volatile int *interrupt;   /* set on Ctrl-C: the transfer stops; may be NULL */
} NetRequest;

typedef struct NetResponse {
  long status;                 /* the HTTP status code */
  Buf headers;                 /* the response's header lines, raw ("Name: value\r\n"...) */
  Buf body;
  double ms;                   /* how long the request took */
  int too_large;               /* the body passed max_body: refused */
  int interrupted;
  Buf err;                     /* why there was no response: "curl: (N) reason" */
} NetResponse;

/* net_http sends one request. Returns 0 when a response came (any status;
** *res filled in), or -1 with res->err set (no response: refused, timed
** out, TLS refused, interrupted, too large). Free res with
** net_response_free either way. */
int net_http(const NetRequest *req, NetResponse *res);
void net_response_free(NetResponse *res);

typedef struct NetMail {
  const char *url;             /* smtp://host:port or smtps://host:port */
  const char *from;            /* the envelope sender and From: */
  const char *to;              /* one recipient */
  const char *subject;
  const char *text;            /* the body, plain UTF-8 text */
  double timeout_s;
  const char *ca_file;
  const volatile int *interrupt;
} NetMail;

/* net_mail sends one message through the SMTP server at url. Returns 0,
** or -1 with why appended to err. */
int net_mail(const NetMail *m, Buf *err);

#endif
