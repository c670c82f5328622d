/*
** notify_send.h -- delivering one notification through a webhook (a JSON
** POST, Slack-compatible) or e-mail (SMTP), for run/notify.c, which
** chooses the notifier, journals the notification and any failure.
*/
#ifndef RBK_NOTIFY_SEND_H
#define RBK_NOTIFY_SEND_H

#include "../base/buf.h"

/* A webhook or e-mail notifier gives up after this long. */
#define NOTIFY_SEND_TIMEOUT_S 15.0

typedef struct NotifySend {
  const char *kind;      /* "webhook" or "email" */
  const char *url;       /* https://... or smtp://host:port */
  const char *from;      /* email: the sender */
  const char *to;        /* webhook: the channel ("" for the hook's own); email: the address */
  const char *subject;   /* "TITLE: step NAME" */
  const char *who;       /* "ROLE (PERSON)" */
  const char *message;   /* masked already */
  const volatile int *interrupt;
} NotifySend;

/* notify_send delivers one notification. Returns 0, or -1 with why
** appended to why (not masked: the caller masks it). */
int notify_send(const NotifySend *s, Buf *why);

#endif
