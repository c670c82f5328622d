/*
** inventory.c -- Ansible INI inventories and plain host lists, read into
** the structs of inventory.h, and the hosts of a group with their merged
** variables. Called by the stdlib's inventory() and hosts_file()
** (stdlib/inventory.c).
*/
#include "inventory.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hostname.h"
#include "mem.h"
#include "suggest.h"

/* ---- building ------------------------------------------------------------ */

static void vars_set(InvVars *vs, const char *key, const char *val, uint32_t pos, uint32_t end) {
  size_t i;
  for (i = 0; i < vs->n; i++)
    if (strcmp(vs->v[i].key, key) == 0) {   /* set again: the later value, in place */
      mem_free(vs->v[i].val);
      vs->v[i].val = mem_strdup(val);
      vs->v[i].pos = pos;
      vs->v[i].end = end;
      return;
    }
  if (vs->n == vs->cap) vs->v = mem_grow(vs->v, &vs->cap, vs->n + 1, sizeof *vs->v);
  vs->v[vs->n].key = mem_strdup(key);
  vs->v[vs->n].val = mem_strdup(val);
  vs->v[vs->n].pos = pos;
  vs->v[vs->n].end = end;
  vs->n++;
}

static const InvVar *vars_get(const InvVars *vs, const char *key) {
  size_t i;
  for (i = 0; i < vs->n; i++)
    if (strcmp(vs->v[i].key, key) == 0) return &vs->v[i];
  return NULL;
}

static void vars_free(InvVars *vs) {
  size_t i;
  for (i = 0; i < vs->n; i++) {
    mem_free(vs->v[i].key);
    mem_free(vs->v[i].val);
  }
  mem_free(vs->v);
  memset(vs, 0, sizeof *vs);
}

static size_t find_group(const Inventory *inv, const char *name) {
  size_t i;
  for (i = 0; i < inv->ngroups; i++)
    if (strcmp(inv->groups[i].name, name) == 0) return i;
  return (size_t)-1;
}

static size_t get_group(Inventory *inv, const char *name, uint32_t pos, uint32_t end) {
  size_t g = find_group(inv, name);
  InvGroup *gr;
  if (g != (size_t)-1) return g;
  if (inv->ngroups == inv->capgroups) inv->groups = mem_grow(inv->groups, &inv->capgroups, inv->ngroups + 1, sizeof *inv->groups);
  gr = &inv->groups[inv->ngroups];
  memset(gr, 0, sizeof *gr);
  gr->name = mem_strdup(name);
  gr->pos = pos;
  gr->end = end;
  gr->priority = 1;
  return inv->ngroups++;
}

static size_t get_host(Inventory *inv, const char *name, uint32_t pos, uint32_t end) {
  size_t i;
  InvHost *h;
  for (i = 0; i < inv->nhosts; i++)
    if (strcmp(inv->hosts[i].name, name) == 0) return i;
  if (inv->nhosts == inv->caphosts) inv->hosts = mem_grow(inv->hosts, &inv->caphosts, inv->nhosts + 1, sizeof *inv->hosts);
  h = &inv->hosts[inv->nhosts];
  memset(h, 0, sizeof *h);
  h->name = mem_strdup(name);
  h->pos = pos;
  h->end = end;
  return inv->nhosts++;
}

static void host_in_group(Inventory *inv, size_t h, size_t g) {
  InvHost *ho = &inv->hosts[h];
  size_t i;
  for (i = 0; i < ho->ngroups; i++)
    if (ho->groups[i] == g) return;
  if (ho->ngroups == ho->capgroups) ho->groups = mem_grow(ho->groups, &ho->capgroups, ho->ngroups + 1, sizeof *ho->groups);
  ho->groups[ho->ngroups++] = g;
}

static void start(Inventory *inv, Source *src) {
  memset(inv, 0, sizeof *inv);
  inv->src = src;
  get_group(inv, "all", 0, 0);
  get_group(inv, "ungrouped", 0, 0);
}

void inv_free(Inventory *inv) {
  size_t i;
  for (i = 0; i < inv->nhosts; i++) {
    mem_free(inv->hosts[i].name);
    vars_free(&inv->hosts[i].vars);
    mem_free(inv->hosts[i].groups);
  }
  for (i = 0; i < inv->ngroups; i++) {
    mem_free(inv->groups[i].name);
    vars_free(&inv->groups[i].vars);
    mem_free(inv->groups[i].children);
  }
  mem_free(inv->hosts);
  mem_free(inv->groups);
  memset(inv, 0, sizeof *inv);
}

/* ---- reading lines --------------------------------------------------------- */

typedef struct Reader {
  Inventory *inv;
  Source *src;
  Diags *d;
} Reader;

static Diag *error_at(Reader *r, const char *code, uint32_t pos, uint32_t end, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 5, 6)))
#endif
  ;
static Diag *error_at(Reader *r, const char *code, uint32_t pos, uint32_t end, const char *fmt, ...) {
  va_list ap;
  Buf b = BUF_INIT;
  Diag *dg;
  va_start(ap, fmt);
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  dg = diag_add(r->d, SEV_ERROR, code, r->src, pos, end, "%s", buf_cstr(&b));
  buf_free(&b);
  return dg;
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }
static int is_word(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static int group_name_ok(const char *s, size_t n) {
  size_t i;
  if (n == 0) return 0;
  for (i = 0; i < n; i++)
    if (!is_word(s[i]) && s[i] != '-' && s[i] != '.') return 0;
  return 1;
}

static int var_name_ok(const char *s, size_t n) {
  size_t i;
  if (n == 0 || (s[0] >= '0' && s[0] <= '9')) return 0;
  for (i = 0; i < n; i++)
    if (!is_word(s[i])) return 0;
  return 1;
}

/* A token of a host line: its text without quotes, and where it is. */
typedef struct Tok {
  Buf text;
  uint32_t pos, end;
} Tok;

/* tokens splits text[from, to) on white space, as a shell would with
** quotes ('...' literal, "..." with \ escapes); a # at a token's start ends
** the line. Returns the count, or -1 after an error (an unclosed quote). */
static int tokens(Reader *r, uint32_t from, uint32_t to, Tok *out, int max) {
  const char *t = r->src->text;
  uint32_t i = from;
  int n = 0;
  for (;;) {
    Tok *k;
    while (i < to && is_space(t[i])) i++;
    if (i >= to || t[i] == '#') return n;
    if (n == max) {
      error_at(r, "inventory-syntax", i, to, "too many words on one line (at most %d)", max);
      return -1;
    }
    k = &out[n];
    buf_reset(&k->text);
    k->pos = i;
    while (i < to && !is_space(t[i])) {
      if (t[i] == '"' || t[i] == '\'') {
        char q = t[i];
        uint32_t open = i++;
        while (i < to && t[i] != q) {
          if (q == '"' && t[i] == '\\' && i + 1 < to) i++;
          buf_putc(&k->text, t[i++]);
        }
        if (i >= to) {
          diag_hint(error_at(r, "inventory-syntax", open, to, "this quote %s is never closed", q == '"' ? "(\")" : "(')"),
                    "close it on the same line: key=\"a value\"");
          return -1;
        }
        i++;
      } else {
        buf_putc(&k->text, t[i++]);
      }
    }
    k->end = i;
    n++;
  }
}

/* ---- host ranges -------------------------------------------------------- */

typedef struct Names {
  char **v;
  size_t n, cap;
} Names;

static void names_add(Names *ns, const char *s) {
  if (ns->n == ns->cap) ns->v = mem_grow(ns->v, &ns->cap, ns->n + 1, sizeof *ns->v);
  ns->v[ns->n++] = mem_strdup(s);
}

static void names_free(Names *ns) {
  size_t i;
  for (i = 0; i < ns->n; i++) mem_free(ns->v[i]);
  mem_free(ns->v);
  memset(ns, 0, sizeof *ns);
}

static int all_digits(const char *s, size_t n) {
  size_t i;
  if (n == 0) return 0;
  for (i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9') return 0;
  return 1;
}

static int is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* expand adds the names pattern stands for to ns: each [START:END] or
** [START:END:STEP] range in turn. Returns NULL, or why it cannot. */
static const char *expand(const char *pat, Names *ns) {
  const char *open = strchr(pat, '['), *close, *c1, *c2;
  Buf pre = BUF_INIT, one = BUF_INIT;
  char a[32], b[32], st[32];
  size_t la, lb, ls = 0;
  long step = 1;
  const char *why = NULL;
  if (!open) {
    if (strchr(pat, ']')) return "a ']' without its '['";
    names_add(ns, pat);
    return NULL;
  }
  close = strchr(open, ']');
  if (!close) return "a '[' without its ']' (a host range is [START:END], as web[01:03])";
  c1 = memchr(open, ':', (size_t)(close - open));
  if (!c1) return "a host range is [START:END] or [START:END:STEP], as web[01:03] or db[a:c]";
  c2 = memchr(c1 + 1, ':', (size_t)(close - c1 - 1));
  la = (size_t)(c1 - open - 1);
  lb = (size_t)((c2 ? c2 : close) - c1 - 1);
  if (c2) ls = (size_t)(close - c2 - 1);
  if (la == 0 || lb == 0 || la >= sizeof a || lb >= sizeof b || ls >= sizeof st || (c2 && ls == 0))
    return "a host range is [START:END] or [START:END:STEP], as web[01:03] or db[a:c]";
  memcpy(a, open + 1, la), a[la] = '\0';
  memcpy(b, c1 + 1, lb), b[lb] = '\0';
  if (c2) {
    memcpy(st, c2 + 1, ls), st[ls] = '\0';
    if (!all_digits(st, ls) || (step = strtol(st, NULL, 10)) <= 0 || step > INV_RANGE_MAX)
      return "the step of a host range must be a whole number, 1 or more";
  }
  buf_add(&pre, pat, (size_t)(open - pat));
  if (all_digits(a, la) && all_digits(b, lb)) {
    long x, from = strtol(a, NULL, 10), to = strtol(b, NULL, 10);
    int width = a[0] == '0' && la > 1 ? (int)la : 0;
    if (width && lb != la) why = "a zero-padded range needs START and END of one width, as [01:10]";
    else if (from > to) why = "a host range runs from START up to END: START is larger";
    else if ((to - from) / step + 1 > INV_RANGE_MAX) why = "a host range may give at most 100000 hosts";
    for (x = from; !why && x <= to; x += step) {
      buf_reset(&one);
      buf_printf(&one, "%s%0*ld%s", buf_cstr(&pre), width, x, close + 1);
      if (ns->n >= INV_RANGE_MAX) why = "a host pattern may give at most 100000 hosts";
      else why = expand(buf_cstr(&one), ns);
    }
  } else if (la == 1 && lb == 1 && is_letter(a[0]) && is_letter(b[0])) {
    static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const char *pa = strchr(letters, a[0]), *pb = strchr(letters, b[0]), *p;
    if (pa > pb) why = "a host range runs from START up to END: START comes after END";
    for (p = pa; !why && p <= pb; p += step) {
      buf_reset(&one);
      buf_printf(&one, "%s%c%s", buf_cstr(&pre), *p, close + 1);
      why = expand(buf_cstr(&one), ns);
      if ((size_t)(pb - p) < (size_t)step) break;
    }
  } else {
    why = "a host range is of numbers ([1:9], [01:10]) or of single letters ([a:f])";
  }
  buf_free(&pre);
  buf_free(&one);
  return why;
}

/* ---- the INI form ------------------------------------------------------------ */

enum { SEC_HOSTS, SEC_VARS, SEC_CHILDREN };

#define MAX_TOKS 64

/* split_port: a host pattern "name:2222" (the last ':' outside [...],
** followed by digits only) has a port; returns its offset, or 0. */
static size_t split_port(const char *p) {
  size_t i, colon = 0;
  int depth = 0;
  for (i = 0; p[i]; i++) {
    if (p[i] == '[') depth++;
    else if (p[i] == ']') depth--;
    else if (p[i] == ':' && depth == 0) colon = i;
  }
  return colon && all_digits(p + colon + 1, strlen(p + colon + 1)) ? colon : 0;
}

static void host_line(Reader *r, size_t g, uint32_t from, uint32_t to) {
  Tok tk[MAX_TOKS];
  int n, i;
  size_t k, port_at;
  Names ns = {0};
  const char *why;
  char *pat;
  memset(tk, 0, sizeof tk);
  n = tokens(r, from, to, tk, MAX_TOKS);
  if (n <= 0) goto out;
  for (i = 1; i < n; i++) {   /* key=value, each */
    const char *s = buf_cstr(&tk[i].text), *eq = strchr(s, '=');
    if (!eq) {
      diag_hint(error_at(r, "inventory-syntax", tk[i].pos, tk[i].end, "expected key=value after the host, not '%s'", s),
                "a host line is NAME [key=value ...]; quote a value with spaces: key=\"a b\"");
      goto out;
    }
    if (!var_name_ok(s, (size_t)(eq - s))) {
      diag_hint(error_at(r, "inventory-syntax", tk[i].pos, tk[i].end, "'%s' is not a variable name", s),
                "a variable name is letters, digits and '_', not starting with a digit");
      goto out;
    }
  }
  pat = mem_strdup(buf_cstr(&tk[0].text));
  port_at = split_port(pat);
  if (port_at) pat[port_at] = '\0';
  why = expand(pat, &ns);
  if (why) {
    diag_hint(error_at(r, "inventory-host", tk[0].pos, tk[0].end, "bad host pattern '%s'", buf_cstr(&tk[0].text)), "%s", why);
  } else {
    int bad = 0;
    for (k = 0; k < ns.n && !bad; k++) {
      const char *reason;
      if (!host_name_ok(ns.v[k], &reason)) {
        diag_hint(error_at(r, "inventory-host", tk[0].pos, tk[0].end, "'%s' is not a host name rbk will use", ns.v[k]),
                  "%s", reason);
        bad = 1;
      }
    }
    for (k = 0; k < ns.n && !bad; k++) {
      size_t h = get_host(r->inv, ns.v[k], tk[0].pos, tk[0].end);
      host_in_group(r->inv, h, g);
      if (port_at) vars_set(&r->inv->hosts[h].vars, "ansible_port", pat + port_at + 1, tk[0].pos, tk[0].end);
      for (i = 1; i < n; i++) {
        char *kv = tk[i].text.p, *eq = strchr(kv, '=');
        *eq = '\0';
        vars_set(&r->inv->hosts[h].vars, kv, eq + 1, tk[i].pos, tk[i].end);
        *eq = '=';
      }
    }
  }
  mem_free(pat);
out:
  names_free(&ns);
  for (i = 0; i < MAX_TOKS; i++) buf_free(&tk[i].text);
}

/* rest_value reads the value of a vars line from text[i, to): a quoted
** value up to its quote, else the rest without a trailing " # comment". */
static int rest_value(Reader *r, uint32_t i, uint32_t to, Buf *val) {
  const char *t = r->src->text;
  uint32_t e;
  while (i < to && is_space(t[i])) i++;
  if (i < to && (t[i] == '"' || t[i] == '\'')) {
    char q = t[i];
    uint32_t open = i++;
    while (i < to && t[i] != q) {
      if (q == '"' && t[i] == '\\' && i + 1 < to) i++;
      buf_putc(val, t[i++]);
    }
    if (i >= to) {
      diag_hint(error_at(r, "inventory-syntax", open, to, "this quote %s is never closed", q == '"' ? "(\")" : "(')"),
                "close it on the same line: key=\"a value\"");
      return -1;
    }
    i++;
    while (i < to && is_space(t[i])) i++;
    if (i < to && t[i] != '#' && t[i] != ';') {
      diag_hint(error_at(r, "inventory-syntax", i, to, "text after the quoted value"),
                "quote the whole value, or end the line with a comment: key=\"v\"  # note");
      return -1;
    }
    return 0;
  }
  for (e = i; e < to; e++)
    if ((t[e] == '#' || t[e] == ';') && e > i && is_space(t[e - 1])) break;
  while (e > i && is_space(t[e - 1])) e--;
  buf_add(val, t + i, e - i);
  return 0;
}

static void vars_line(Reader *r, size_t g, uint32_t from, uint32_t to) {
  const char *t = r->src->text;
  uint32_t eq = from, ke;
  Buf key = BUF_INIT, val = BUF_INIT;
  while (eq < to && t[eq] != '=') eq++;
  ke = eq;
  while (ke > from && is_space(t[ke - 1])) ke--;
  if (eq == to || !var_name_ok(t + from, ke - from)) {
    uint32_t we = from;
    while (we < to && !is_space(t[we]) && t[we] != '=') we++;
    diag_hint(error_at(r, "inventory-syntax", from, we > from ? we : to,
                       eq == to ? "expected key=value in a [%s:vars] section" : "not a variable name in [%s:vars]",
                       r->inv->groups[g].name),
              "a vars line is key=value, the key letters, digits and '_'");
    return;
  }
  buf_add(&key, t + from, ke - from);
  if (rest_value(r, eq + 1, to, &val) == 0) {
    if (strcmp(buf_cstr(&key), "ansible_group_priority") == 0) {
      char *end;
      long p;
      errno = 0;
      p = strtol(buf_cstr(&val), &end, 10);
      if (val.n == 0 || *end || errno || p < -1000000 || p > 1000000)
        diag_hint(error_at(r, "inventory-var", from, to, "ansible_group_priority must be a whole number, not '%s'", buf_cstr(&val)),
                  "a larger priority wins over groups of the same depth");
      else r->inv->groups[g].priority = p;
    }
    vars_set(&r->inv->groups[g].vars, buf_cstr(&key), buf_cstr(&val), from, to);
  }
  buf_free(&key);
  buf_free(&val);
}

static void child_line(Reader *r, size_t g, uint32_t from, uint32_t to) {
  const char *t = r->src->text;
  uint32_t e = from, rest;
  size_t c, k;
  InvGroup *gr;
  char *name;
  while (e < to && !is_space(t[e])) e++;
  rest = e;
  while (rest < to && is_space(t[rest])) rest++;
  if (!group_name_ok(t + from, e - from) || (rest < to && t[rest] != '#' && t[rest] != ';')) {
    diag_hint(error_at(r, "inventory-syntax", from, to, "expected a group name in [%s:children]", r->inv->groups[g].name),
              "one group a line; a group name is letters, digits, '_', '-' and '.'");
    return;
  }
  name = mem_strndup(t + from, e - from);
  c = get_group(r->inv, name, from, e);
  mem_free(name);
  if (strcmp(r->inv->groups[c].name, "all") == 0) {
    diag_hint(error_at(r, "inventory-group", from, e, "'all' cannot be a child of '%s'", r->inv->groups[g].name),
              "every group is already in 'all'");
    return;
  }
  gr = &r->inv->groups[g];
  for (k = 0; k < gr->nchildren; k++)
    if (gr->children[k].child == c) return;
  if (gr->nchildren == gr->capchildren) gr->children = mem_grow(gr->children, &gr->capchildren, gr->nchildren + 1, sizeof *gr->children);
  gr->children[gr->nchildren].child = c;
  gr->children[gr->nchildren].pos = from;
  gr->children[gr->nchildren].end = e;
  gr->nchildren++;
}

/* header reads "[name]", "[name:vars]" or "[name:children]" at text[from,
** to); sets *kind and returns the group, or (size_t)-1 after an error. */
static size_t header(Reader *r, uint32_t from, uint32_t to, int *kind) {
  const char *t = r->src->text;
  uint32_t close = from + 1, colon, rest;
  size_t g;
  char *name;
  while (close < to && t[close] != ']') close++;
  if (close >= to) {
    diag_hint(error_at(r, "inventory-syntax", from, to, "this section header has no closing ']'"),
              "a section is [NAME], [NAME:vars] or [NAME:children]");
    return (size_t)-1;
  }
  rest = close + 1;
  while (rest < to && is_space(t[rest])) rest++;
  if (rest < to && t[rest] != '#' && t[rest] != ';') {
    diag_hint(error_at(r, "inventory-syntax", rest, to, "text after the section header"),
              "a section header stands alone on its line (a comment may follow: [web]  # front end)");
    return (size_t)-1;
  }
  colon = from + 1;
  while (colon < close && t[colon] != ':') colon++;
  *kind = SEC_HOSTS;
  if (colon < close) {
    size_t kn = close - colon - 1;
    if (kn == 4 && memcmp(t + colon + 1, "vars", 4) == 0) *kind = SEC_VARS;
    else if (kn == 8 && memcmp(t + colon + 1, "children", 8) == 0) *kind = SEC_CHILDREN;
    else {
      Buf k = BUF_INIT;
      buf_add(&k, t + colon + 1, kn);
      diag_hint(error_at(r, "inventory-syntax", colon + 1, close, "unknown kind of section ':%s'", buf_cstr(&k)),
                "a section is [NAME], [NAME:vars] or [NAME:children]");
      buf_free(&k);
      return (size_t)-1;
    }
  }
  if (!group_name_ok(t + from + 1, colon - from - 1)) {
    diag_hint(error_at(r, "inventory-syntax", from + 1, colon > from + 1 ? colon : close, "not a group name"),
              "a group name is letters, digits, '_', '-' and '.'");
    return (size_t)-1;
  }
  name = mem_strndup(t + from + 1, colon - from - 1);
  g = get_group(r->inv, name, from + 1, colon);
  mem_free(name);
  return g;
}

/* check_cycles: no group may contain itself through its children. */
static void check_cycles(Reader *r) {
  Inventory *inv = r->inv;
  size_t ng = inv->ngroups, g;
  char *color = mem_calloc(ng ? ng : 1);   /* 0 new, 1 on the path, 2 done */
  size_t *stack = mem_alloc((ng + 1) * sizeof *stack), *edge = mem_alloc((ng + 1) * sizeof *edge);
  for (g = 0; g < ng && !r->d->errors; g++) {
    size_t top = 0;
    if (color[g]) continue;
    stack[0] = g, edge[0] = 0, color[g] = 1;
    while (top != (size_t)-1 && !r->d->errors) {
      InvGroup *gr = &inv->groups[stack[top]];
      if (edge[top] < gr->nchildren) {
        InvEdge *e = &gr->children[edge[top]++];
        if (color[e->child] == 1) {   /* back to a group on the path: a cycle */
          Buf path = BUF_INIT;
          size_t k = 0;
          while (stack[k] != e->child) k++;
          for (; k <= top; k++) buf_printf(&path, "%s -> ", inv->groups[stack[k]].name);
          buf_puts(&path, inv->groups[e->child].name);
          diag_hint(diag_add(r->d, SEV_ERROR, "inventory-cycle", r->src, e->pos, e->end,
                             "group '%s' would contain itself: %s", inv->groups[e->child].name, buf_cstr(&path)),
                    "remove one of these [GROUP:children] lines");
          buf_free(&path);
        } else if (color[e->child] == 0) {
          color[e->child] = 1;
          top++;
          stack[top] = e->child, edge[top] = 0;
        }
      } else {
        color[stack[top]] = 2;
        top--;
      }
    }
  }
  mem_free(color);
  mem_free(stack);
  mem_free(edge);
}

/* depths: all is 0, a group without parents 1, else 1 + its deepest
** parent's (no cycle is left, so this settles within ngroups rounds). */
static void depths(Inventory *inv) {
  size_t g, k, round;
  int changed = 1;
  for (g = 0; g < inv->ngroups; g++) inv->groups[g].depth = g == 0 ? 0 : 1;
  for (round = 0; changed && round <= inv->ngroups; round++) {
    changed = 0;
    for (g = 0; g < inv->ngroups; g++)
      for (k = 0; k < inv->groups[g].nchildren; k++) {
        InvGroup *c = &inv->groups[inv->groups[g].children[k].child];
        if (c->depth < inv->groups[g].depth + 1) {
          c->depth = inv->groups[g].depth + 1;
          changed = 1;
        }
      }
  }
}

int inv_read_ini(Inventory *inv, Source *src, Diags *d) {
  Reader r;
  uint32_t i = 0;
  int kind = SEC_HOSTS;
  size_t g = 1;   /* before any section: ungrouped */
  int before = d->errors;
  start(inv, src);
  r.inv = inv, r.src = src, r.d = d;
  while (i < src->len && !d->truncated) {
    uint32_t ls = i, le, from;
    const char *t = src->text;
    while (i < src->len && t[i] != '\n') i++;
    le = i;
    if (i < src->len) i++;
    from = ls;
    while (from < le && is_space(t[from])) from++;
    while (le > from && is_space(t[le - 1])) le--;
    if (from == le || t[from] == '#' || t[from] == ';') continue;
    if (memchr(t + from, '\0', le - from)) {
      error_at(&r, "inventory-syntax", from, le, "a NUL byte in the inventory");
      continue;
    }
    if (t[from] == '[' && (from + 1 >= le || t[from + 1] != ':')) {
      size_t ng = header(&r, from, le, &kind);
      if (ng != (size_t)-1) g = ng;
      else kind = -1;   /* skip the section's lines: its header is wrong */
      continue;
    }
    if (kind == SEC_HOSTS) host_line(&r, g, from, le);
    else if (kind == SEC_VARS) vars_line(&r, g, from, le);
    else if (kind == SEC_CHILDREN) child_line(&r, g, from, le);
  }
  if (d->errors == before) check_cycles(&r);
  if (d->errors == before) depths(inv);
  return d->errors == before ? 0 : -1;
}

int inv_read_list(Inventory *inv, Source *src, Diags *d) {
  Reader r;
  uint32_t i = 0;
  int before = d->errors;
  start(inv, src);
  r.inv = inv, r.src = src, r.d = d;
  while (i < src->len && !d->truncated) {
    const char *t = src->text, *why;
    uint32_t from = i, le, e, rest;
    char *name;
    while (i < src->len && t[i] != '\n') i++;
    le = i;
    if (i < src->len) i++;
    while (from < le && is_space(t[from])) from++;
    while (le > from && is_space(t[le - 1])) le--;
    if (from == le || t[from] == '#') continue;
    e = from;
    while (e < le && !is_space(t[e])) e++;
    rest = e;
    while (rest < le && is_space(t[rest])) rest++;
    if (rest < le && t[rest] != '#') {
      diag_hint(error_at(&r, "inventory-syntax", rest, le, "one host a line: something follows the host"),
                "put each host on a line of its own (a # comment may follow)");
      continue;
    }
    name = mem_strndup(t + from, e - from);
    if (!host_name_ok(name, &why))
      diag_hint(error_at(&r, "inventory-host", from, e, "'%s' is not a host name rbk will use", name), "%s", why);
    else host_in_group(inv, get_host(inv, name, from, e), 0);
    mem_free(name);
  }
  if (d->errors == before) depths(inv);
  return d->errors == before ? 0 : -1;
}

/* ---- the hosts of a group ------------------------------------------------------ */

typedef struct Sel {
  const Inventory *inv;
  char *in;        /* per group: the host is in it (through children too) */
} Sel;

/* member marks, in sel->in, every group that holds host h. */
static void member(Sel *s, size_t h) {
  const Inventory *inv = s->inv;
  size_t g, k, round;
  int changed = 1, other = 0;
  memset(s->in, 0, inv->ngroups);
  s->in[0] = 1;
  for (k = 0; k < inv->hosts[h].ngroups; k++) s->in[inv->hosts[h].groups[k]] = 1;
  /* up through the parents: a group holds h if one of its children does */
  for (round = 0; changed && round <= inv->ngroups; round++) {
    changed = 0;
    for (g = 0; g < inv->ngroups; g++) {
      if (s->in[g]) continue;
      for (k = 0; k < inv->groups[g].nchildren; k++)
        if (s->in[inv->groups[g].children[k].child]) {
          s->in[g] = changed = 1;
          break;
        }
    }
  }
  for (g = 2; g < inv->ngroups; g++) other |= s->in[g];
  s->in[1] = !other;   /* ungrouped: in no group but all */
}

static Diag *bad_var(Diags *d, const Inventory *inv, const InvVar *v, const char *what, const char *why) {
  Diag *dg = diag_add(d, SEV_ERROR, "inventory-var", inv->src, v->pos, v->end, "%s '%s' %s", v->key, v->val, what);
  if (why) diag_hint(dg, "%s", why);
  return dg;
}

/* entry fills e for host h, whose groups are marked in s->in. */
static int entry(const Inventory *inv, Sel *s, size_t h, InvEntry *e, Diags *d) {
  size_t *order = mem_alloc((inv->ngroups + 1) * sizeof *order), n = 0, g, k;
  InvVars all = {0};
  const InvVar *v;
  const char *at = strchr(inv->hosts[h].name, '@'), *why;
  int rc = 0;
  for (g = 0; g < inv->ngroups; g++)
    if (s->in[g]) order[n++] = g;
  {
    /* shallow to deep, then priority, then name: an insertion sort (few
    ** groups, and qsort has no context argument) */
    size_t a, b;
    for (a = 1; a < n; a++)
      for (b = a; b > 0; b--) {
        const InvGroup *x = &inv->groups[order[b - 1]], *y = &inv->groups[order[b]];
        int c = x->depth != y->depth ? (x->depth < y->depth ? -1 : 1)
              : x->priority != y->priority ? (x->priority < y->priority ? -1 : 1) : strcmp(x->name, y->name);
        if (c <= 0) break;
        g = order[b - 1], order[b - 1] = order[b], order[b] = g;
      }
  }
  for (k = 0; k < n; k++) {
    const InvVars *gv = &inv->groups[order[k]].vars;
    size_t i;
    for (i = 0; i < gv->n; i++) vars_set(&all, gv->v[i].key, gv->v[i].val, gv->v[i].pos, gv->v[i].end);
  }
  for (k = 0; k < inv->hosts[h].vars.n; k++) {
    const InvVar *hv = &inv->hosts[h].vars.v[k];
    vars_set(&all, hv->key, hv->val, hv->pos, hv->end);
  }
  mem_free(order);
  memset(e, 0, sizeof *e);
  e->name = mem_strdup(inv->hosts[h].name);
  if ((v = vars_get(&all, "ansible_host")) != NULL) {
    if (!host_name_ok(v->val, &why)) {
      bad_var(d, inv, v, "is not a host address rbk will use", why);
      rc = -1;
    }
    e->address = mem_strdup(v->val);
  } else {
    e->address = mem_strdup(at ? at + 1 : inv->hosts[h].name);
  }
  if ((v = vars_get(&all, "ansible_port")) != NULL) {
    char *end;
    long p;
    errno = 0;
    p = strtol(v->val, &end, 10);
    if (!all_digits(v->val, strlen(v->val)) || errno || p < 1 || p > 65535) {
      bad_var(d, inv, v, "is not a port", "a port is a whole number from 1 to 65535");
      rc = -1;
    } else {
      e->port = (int)p;
    }
  }
  if ((v = vars_get(&all, "ansible_user")) != NULL) {
    if (!host_user_ok(v->val, &why)) {
      bad_var(d, inv, v, "is not a user name rbk will use", why);
      rc = -1;
    }
    e->user = mem_strdup(v->val);
  } else if (at) {
    e->user = mem_strndup(inv->hosts[h].name, (size_t)(at - inv->hosts[h].name));
  }
  for (k = 0; k < all.n; k++) {
    const char *key = all.v[k].key;
    if (strcmp(key, "ansible_host") && strcmp(key, "ansible_port") && strcmp(key, "ansible_user"))
      vars_set(&e->vars, key, all.v[k].val, all.v[k].pos, all.v[k].end);
  }
  vars_free(&all);
  return rc;
}

int inv_select(const Inventory *inv, const char *group, InvEntry **out, size_t *n, Diags *d) {
  size_t g = find_group(inv, group), h, cap = 0;
  Sel s;
  int rc = 0;
  *out = NULL;
  *n = 0;
  if (g == (size_t)-1) {
    Suggest sg;
    Buf names = BUF_INIT;
    size_t k;
    suggest_init(&sg, group);
    for (k = 0; k < inv->ngroups; k++) {
      suggest_add(&sg, inv->groups[k].name);
      if (k < 30) buf_printf(&names, "%s%s", k ? ", " : "", inv->groups[k].name);
    }
    if (inv->ngroups > 30) buf_printf(&names, " and %zu more", inv->ngroups - 30);
    diag_file(d, SEV_ERROR, "inventory-group", inv->src->name, "no group '%s' in this inventory", group);
    if (d->n && d->v[d->n - 1].code && strcmp(d->v[d->n - 1].code, "inventory-group") == 0) {
      if (suggest_best(&sg)) diag_hint(&d->v[d->n - 1], "did you mean '%s'? The groups are: %s", suggest_best(&sg), buf_cstr(&names));
      else diag_hint(&d->v[d->n - 1], "the groups are: %s", buf_cstr(&names));
    }
    buf_free(&names);
    return -1;
  }
  s.inv = inv;
  s.in = mem_alloc(inv->ngroups);
  for (h = 0; h < inv->nhosts; h++) {
    member(&s, h);
    if (!s.in[g]) continue;
    if (*n == cap) *out = mem_grow(*out, &cap, *n + 1, sizeof **out);
    if (entry(inv, &s, h, &(*out)[*n], d) != 0) rc = -1;
    (*n)++;
  }
  mem_free(s.in);
  if (rc != 0) {
    inv_entries_free(*out, *n);
    *out = NULL;
    *n = 0;
  }
  return rc;
}

void inv_entries_free(InvEntry *e, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) {
    mem_free(e[i].name);
    mem_free(e[i].address);
    mem_free(e[i].user);
    vars_free(&e[i].vars);
  }
  mem_free(e);
}
