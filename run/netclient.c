/*
** netclient.c -- HTTP requests and SMTP mail through libcurl (see
** netclient.h). Called by stdlib/http.c (http, http_get, http_status) and
** run/notify_send.c (webhook and e-mail notifiers).
*/
#include "netclient.h"

/* libcurl is loaded on first use (dlopen), not linked: with its dozens of
** libraries it would add some 6 MiB and a few milliseconds to every rbk
** process, `rbk check` included, though few runbooks ever send a request.
** The calls below go through the table `lc`; the type-checking macros of
** curl.h are turned off, since they wrap the linked functions. */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../base/version.h"

static struct {
  CURLcode (*global_init)(long);
  CURL *(*easy_init)(void);
  CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
  CURLcode (*easy_perform)(CURL *);
  CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
  void (*easy_cleanup)(CURL *);
  const char *(*easy_strerror)(CURLcode);
  struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
  void (*slist_free_all)(struct curl_slist *);
} lc;
#undef curl_easy_setopt   /* curl.h may define these two as macros */
#undef curl_easy_getinfo
#define curl_easy_setopt lc.easy_setopt
#define curl_easy_perform lc.easy_perform
#define curl_easy_getinfo lc.easy_getinfo
#define curl_easy_cleanup lc.easy_cleanup
#define curl_easy_strerror lc.easy_strerror
#define curl_slist_append lc.slist_append
#define curl_slist_free_all lc.slist_free_all

static int curl_ready;   /* 1: loaded and initialised; -1: that failed */
static char curl_why[160];

/* load_curl fills lc from libcurl.so.4 (the soname of every libcurl 7
** and 8); 0, or -1 with the reason in curl_why. */
static int load_curl(void) {
  static const char *const names[] = {
    "curl_global_init", "curl_easy_init", "curl_easy_setopt", "curl_easy_perform",
    "curl_easy_getinfo", "curl_easy_cleanup", "curl_easy_strerror", "curl_slist_append",
    "curl_slist_free_all",
  };
  void *slots[sizeof names / sizeof names[0]];
  void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  size_t i;
  if (!h) {
    const char *e = dlerror();
    snprintf(curl_why, sizeof curl_why, "cannot load libcurl: %s", e ? e : "libcurl.so.4 not found");
    return -1;
  }
  for (i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (!(slots[i] = dlsym(h, names[i]))) {
      snprintf(curl_why, sizeof curl_why, "cannot load libcurl: %s is missing", names[i]);
      dlclose(h);
      return -1;
    }
  }
  /* dlsym hands out object pointers; POSIX guarantees they convert. */
  memcpy(&lc.global_init, &slots[0], sizeof(void *));
  memcpy(&lc.easy_init, &slots[1], sizeof(void *));
  memcpy(&lc.easy_setopt, &slots[2], sizeof(void *));
  memcpy(&lc.easy_perform, &slots[3], sizeof(void *));
  memcpy(&lc.easy_getinfo, &slots[4], sizeof(void *));
  memcpy(&lc.easy_cleanup, &slots[5], sizeof(void *));
  memcpy(&lc.easy_strerror, &slots[6], sizeof(void *));
  memcpy(&lc.slist_append, &slots[7], sizeof(void *));
  memcpy(&lc.slist_free_all, &slots[8], sizeof(void *));
  return 0;   /* the handle stays open for the life of the process */
}

static CURL *easy(void) {
  if (!curl_ready) {
    curl_ready = -1;
    if (load_curl() != 0) return NULL;
    if (lc.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      snprintf(curl_why, sizeof curl_why, "cannot start libcurl");
      return NULL;
    }
    curl_ready = 1;
  }
  return curl_ready == 1 ? lc.easy_init() : NULL;
}

typedef struct Sink {
  NetResponse *res;
  size_t max;
} Sink;

static size_t on_body(char *p, size_t size, size_t n, void *ud) {
  Sink *s = ud;
  size_t len = size * n;
  if (s->res->body.n + len > s->max) {
    s->res->too_large = 1;
    return 0;   /* stops the transfer: refused, not cut short */
  }
  buf_add(&s->res->body, p, len);
  return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud) {
  NetResponse *res = ud;
  size_t len = size * n;
  /* A new status line (after a 100 Continue): only the last response's
  ** headers count. */
  if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) buf_reset(&res->headers);
  buf_add(&res->headers, p, len);
  return len;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un) {
  const volatile int *stop = ud;
  (void)dt; (void)dn; (void)ut; (void)un;
  return stop && *stop ? 1 : 0;
}

static void common(CURL *c, const char *url, double timeout_s, const char *ca, const volatile int *interrupt,
                   char *errbuf) {
  long ms = timeout_s > 0 ? (long)(timeout_s * 1000.0 + 0.5) : 0;
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms < 1 && timeout_s > 0 ? 1L : ms);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);   /* never off */
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (ca && *ca) curl_easy_setopt(c, CURLOPT_CAINFO, ca);   /* the system's CA directory stays */
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)(uintptr_t)interrupt);
}

static void why(Buf *err, CURLcode rc, const char *errbuf) {
  buf_printf(err, "curl: (%d) %s", (int)rc, errbuf[0] ? errbuf : curl_easy_strerror(rc));
  while (err->n && (err->p[err->n - 1] == '\n' || err->p[err->n - 1] == '\r')) err->p[--err->n] = '\0';
}

int net_http(const NetRequest *req, NetResponse *res) {
  CURL *c;
  CURLcode rc;
  struct curl_slist *hl = NULL;
  char errbuf[CURL_ERROR_SIZE];
  Sink sink;
  size_t i;
  double secs = 0;
  const char *method = req->method ? req->method : "GET";
  memset(res, 0, sizeof *res);
  errbuf[0] = 0;
  c = easy();
  if (!c) {
    buf_printf(&res->err, "curl: %s", curl_why[0] ? curl_why : "cannot start libcurl");
    return -1;
  }
  common(c, req->url, req->timeout_s, req->ca_file, req->interrupt, errbuf);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "rbk/" RBK_VERSION);
  if (req->cert_file && *req->cert_file) curl_easy_setopt(c, CURLOPT_SSLCERT, req->cert_file);
  if (req->key_file && *req->key_file) curl_easy_setopt(c, CURLOPT_SSLKEY, req->key_file);
  for (i = 0; i < req->nheaders; i++) hl = curl_slist_append(hl, req->headers[i]);
  hl = curl_slist_append(hl, "Expect:");   /* no 100-continue round trip */
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
  if (strcmp(method, "HEAD") == 0) {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else {
    if (req->body) {
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
    }
    if (strcmp(method, "GET") != 0 || req->body) curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  }
  sink.res = res;
  sink.max = req->max_body;
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, res);
  rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &secs);
  res->ms = secs * 1000.0;
  if (rc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res->status);
  curl_slist_free_all(hl);
  curl_easy_cleanup(c);
  if (rc == CURLE_OK) return 0;
  if (rc == CURLE_ABORTED_BY_CALLBACK && req->interrupt && *req->interrupt) {
    res->interrupted = 1;
    buf_puts(&res->err, "interrupted");
  } else if (res->too_large) {
    buf_printf(&res->err, "the response is larger than %zu MiB", req->max_body >> 20);
  } else {
    why(&res->err, rc, errbuf);
  }
  return -1;
}

void net_response_free(NetResponse *res) {
  buf_free(&res->headers);
  buf_free(&res->body);
  buf_free(&res->err);
}

/* ---- mail ------------------------------------------------------------- */

typedef struct Upload {
  const char *p;
  size_t n, at;
} Upload;

static size_t on_read(char *dst, size_t size, size_t n, void *ud) {
  Upload *u = ud;
  size_t room = size * n, left = u->n - u->at;
  if (left < room) room = left;
  memcpy(dst, u->p + u->at, room);
  u->at += room;
  return room;
}

/* An address goes into an SMTP command and a header: one line, no
** brackets, no spaces. */
static int address_ok(const char *a) {
  size_t i;
  if (!a || !*a || !strchr(a, '@')) return 0;
  for (i = 0; a[i]; i++)
    if ((unsigned char)a[i] <= ' ' || a[i] == '<' || a[i] == '>' || a[i] == 0x7f || a[i] == ',') return 0;
  return 1;
}

/* header_text appends s as one header line's text: ASCII as it is (line
** breaks as spaces), else RFC 2047 base64 UTF-8. */
static void header_text(Buf *b, const char *s) {
  static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i, n = strlen(s);
  int ascii = 1;
  for (i = 0; i < n; i++)
    if ((unsigned char)s[i] >= 0x80) ascii = 0;
  if (ascii) {
    for (i = 0; i < n; i++) buf_putc(b, s[i] == '\r' || s[i] == '\n' || s[i] == '\t' ? ' ' : s[i]);
    return;
  }
  buf_puts(b, "=?UTF-8?B?");
  for (i = 0; i < n; i += 3) {
    unsigned v = (unsigned)(unsigned char)s[i] << 16;
    if (i + 1 < n) v |= (unsigned)(unsigned char)s[i + 1] << 8;
    if (i + 2 < n) v |= (unsigned)(unsigned char)s[i + 2];
    buf_putc(b, b64[(v >> 18) & 63]);
    buf_putc(b, b64[(v >> 12) & 63]);
    buf_putc(b, i + 1 < n ? b64[(v >> 6) & 63] : '=');
    buf_putc(b, i + 2 < n ? b64[v & 63] : '=');
  }
  buf_puts(b, "?=");
}

int net_mail(const NetMail *m, Buf *err) {
  CURL *c;
  CURLcode rc;
  struct curl_slist *rcpt = NULL;
  char errbuf[CURL_ERROR_SIZE], date[64], addr[600];
  Buf msg = BUF_INIT;
  Upload up;
  time_t now = time(NULL);
  struct tm tm;
  const char *t;
  if (strncmp(m->url, "smtp://", 7) != 0 && strncmp(m->url, "smtps://", 8) != 0) {
    buf_puts(err, "the mail server must be an smtp:// or smtps:// URL");
    return -1;
  }
  if (!address_ok(m->from)) {
    buf_printf(err, "the sender \"%.200s\" is not one e-mail address", m->from ? m->from : "");
    return -1;
  }
  if (!address_ok(m->to)) {
    buf_printf(err, "the recipient \"%.200s\" is not one e-mail address", m->to ? m->to : "");
    return -1;
  }
  gmtime_r(&now, &tm);
  strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  buf_printf(&msg, "Date: %s\r\nFrom: <%s>\r\nTo: <%s>\r\nSubject: ", date, m->from, m->to);
  header_text(&msg, m->subject ? m->subject : "");
  buf_puts(&msg, "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                 "Content-Transfer-Encoding: 8bit\r\nX-Mailer: rbk/" RBK_VERSION "\r\n\r\n");
  for (t = m->text ? m->text : ""; *t; t++) {   /* line ends as CRLF; libcurl escapes leading dots */
    if (*t == '\r') continue;
    if (*t == '\n') buf_puts(&msg, "\r\n");
    else buf_putc(&msg, *t);
  }
  buf_puts(&msg, "\r\n");
  errbuf[0] = 0;
  c = easy();
  if (!c) {
    buf_free(&msg);
    buf_printf(err, "curl: %s", curl_why[0] ? curl_why : "cannot start libcurl");
    return -1;
  }
  common(c, m->url, m->timeout_s, m->ca_file, m->interrupt, errbuf);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);   /* STARTTLS when offered, then verified */
  snprintf(addr, sizeof addr, "<%s>", m->from);
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, addr);
  snprintf(addr, sizeof addr, "<%s>", m->to);
  rcpt = curl_slist_append(rcpt, addr);
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
  up.p = msg.p;
  up.n = msg.n;
  up.at = 0;
  curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
  curl_easy_setopt(c, CURLOPT_READDATA, &up);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  rc = curl_easy_perform(c);
  curl_slist_free_all(rcpt);
  curl_easy_cleanup(c);
  buf_free(&msg);
  if (rc == CURLE_OK) return 0;
  if (rc == CURLE_ABORTED_BY_CALLBACK && m->interrupt && *m->interrupt) buf_puts(err, "interrupted");
  else why(err, rc, errbuf);
  return -1;
}
