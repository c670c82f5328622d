/*
** signing.c -- approvals signed with SSH keys through ssh-keygen
** (signing.h).
*/
#include "signing.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "load.h"
#include "../base/json.h"
#include "../base/mem.h"
#include "../base/sha256.h"

int sign_role_keys(const Program *p, const char *role, const char **keys) {
  int ri = role ? prog_find_role(p, role) : -1, n = 0;
  uint32_t k;
  if (ri < 0) return 0;
  for (k = 0; k < p->roles[ri].ncontacts && n < SIGN_MAXKEYS; k++)
    if (strcmp(p->roles[ri].keys[k], "key") == 0) keys[n++] = p->roles[ri].vals[k];
  return n;
}

int sign_role_keyed(const Program *p, const char *role) {
  int ri = role ? prog_find_role(p, role) : -1;
  uint32_t k;
  if (ri < 0) return 0;
  for (k = 0; k < p->roles[ri].ncontacts; k++)
    if (strcmp(p->roles[ri].keys[k], "key") == 0 || strcmp(p->roles[ri].keys[k], "keys") == 0) return 1;
  return 0;
}

int sign_role_in(const char *list, const char *role) {
  size_t n = strlen(role);
  const char *p = list;
  while (p && *p) {
    size_t k = strcspn(p, ",");
    if (k == n && strncmp(p, role, n) == 0) return 1;
    p += k;
    if (*p == ',') p++;
  }
  return 0;
}

void sign_message(Buf *m, const char *run, const char *src_sha, long long n, const char *step, const char *role,
                  const char *answer, const char *note, const char *time) {
  /* One field a line; a newline inside a value is written as \n so no
  ** value can pose as another field. */
  const char *names[] = {"run", "source-sha256", "step", "role", "answer", "note", "time"};
  const char *vals[] = {run, src_sha, step, role, answer, note ? note : "", time};
  size_t i;
  buf_puts(m, "rbk approval v1\n");
  for (i = 0; i < sizeof names / sizeof *names; i++) {
    const char *v = vals[i] ? vals[i] : "";
    buf_printf(m, "%s: ", names[i]);
    for (; *v; v++) {
      if (*v == '\n') buf_puts(m, "\\n");
      else if (*v == '\\') buf_puts(m, "\\\\");
      else buf_putc(m, *v);
    }
    buf_putc(m, '\n');
    if (i == 1) buf_printf(m, "effect: %lld\n", n);
  }
}

/* A private directory for the files ssh-keygen reads and writes. */
typedef struct Tmp {
  char dir[512];
} Tmp;

static int tmp_open(Tmp *t, char *why, size_t whylen) {
  const char *base = getenv("TMPDIR");
  snprintf(t->dir, sizeof t->dir, "%s/rbk-sign.XXXXXX", base && *base ? base : "/tmp");
  if (!mkdtemp(t->dir)) {
    snprintf(why, whylen, "cannot make a private temporary directory: %s", strerror(errno));
    return -1;
  }
  return 0;
}

static int tmp_write(Tmp *t, const char *name, const char *text, char *path, size_t pathlen, char *why,
                     size_t whylen) {
  int fd;
  size_t len = strlen(text), off = 0;
  snprintf(path, pathlen, "%s/%s", t->dir, name);
  fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    snprintf(why, whylen, "cannot write %s: %s", path, strerror(errno));
    return -1;
  }
  while (off < len) {
    ssize_t w = write(fd, text + off, len - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      snprintf(why, whylen, "cannot write %s: %s", path, strerror(errno));
      close(fd);
      return -1;
    }
    off += (size_t)w;
  }
  close(fd);
  return 0;
}

static void tmp_close(Tmp *t) {
  static const char *const names[] = {"msg", "msg.sig", "sig", "allowed_signers", "key.pub", NULL};
  char path[700];
  int i;
  for (i = 0; names[i]; i++) {
    snprintf(path, sizeof path, "%s/%s", t->dir, names[i]);
    unlink(path);
  }
  rmdir(t->dir);
}

static int read_file(const char *path, Buf *out) {
  char b[4096];
  ssize_t r;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  while ((r = read(fd, b, sizeof b)) > 0) buf_add(out, b, (size_t)r);
  close(fd);
  return r < 0 ? -1 : 0;
}

/* tool runs argv (ssh-keygen) with stdin from in (or /dev/null); out gets
** its stdout and stderr. Returns its exit status, or -1. */
static int tool(const char *const argv[], const char *in, Buf *out) {
  int pfd[2], st;
  pid_t pid;
  char b[4096];
  ssize_t r;
  if (pipe(pfd) != 0) return -1;
  pid = fork();
  if (pid < 0) {
    close(pfd[0]);
    close(pfd[1]);
    return -1;
  }
  if (pid == 0) {
    int fd = open(in ? in : "/dev/null", O_RDONLY);
    if (fd < 0 || dup2(fd, 0) < 0 || dup2(pfd[1], 1) < 0 || dup2(pfd[1], 2) < 0) _exit(127);
    close(pfd[0]);
    execvp(argv[0], (char *const *)argv);
    dprintf(2, "cannot run %s: %s (install openssh-client)\n", argv[0], strerror(errno));
    _exit(127);
  }
  close(pfd[1]);
  for (;;) {
    r = read(pfd[0], b, sizeof b);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    buf_add(out, b, (size_t)r);
  }
  close(pfd[0]);
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* first_line copies the tool's first line of output, for a message. */
static void first_line(const Buf *o, char *s, size_t n) {
  const char *t = o->p ? o->p : "";
  size_t k = strcspn(t, "\n");
  snprintf(s, n, "%.*s", (int)(k > 200 ? 200 : k), t);
}

int sign_make(const char *msg, const char *keyfile, const char *const *keys, int nkeys, Buf *sig, char *why,
              size_t whylen) {
  Tmp t;
  char mpath[700], spath[700], kpath[700] = "", out1[256] = "";
  int rc = -1, i;
  if (!keyfile || !*keyfile) keyfile = getenv("RBK_SIGNING_KEY");
  if (keyfile && !*keyfile) keyfile = NULL;
  if (keyfile && access(keyfile, R_OK) != 0) {
    snprintf(why, whylen, "cannot read the signing key %s: %s", keyfile, strerror(errno));
    return -1;
  }
  if (tmp_open(&t, why, whylen) != 0) return -1;
  if (tmp_write(&t, "msg", msg, mpath, sizeof mpath, why, whylen) != 0) goto done;
  snprintf(spath, sizeof spath, "%s/msg.sig", t.dir);
  for (i = keyfile ? -1 : 0; i < nkeys; i++) {
    Buf o = BUF_INIT;
    const char *k = keyfile;
    int st;
    if (i >= 0) {
      /* the agent, with one of the role's public keys */
      if (!getenv("SSH_AUTH_SOCK")) break;
      if (*kpath) unlink(kpath);
      if (tmp_write(&t, "key.pub", keys[i], kpath, sizeof kpath, why, whylen) != 0) goto done;
      k = kpath;
    }
    {
      const char *argv[] = {"ssh-keygen", "-q", "-Y", "sign", "-n", SIGN_NAMESPACE, "-f", k, mpath, NULL};
      st = tool(argv, NULL, &o);
    }
    if (st == 0 && read_file(spath, sig) == 0 && sig->n) {
      buf_free(&o);
      rc = 0;
      goto done;
    }
    if (!*out1) first_line(&o, out1, sizeof out1);
    buf_free(&o);
    unlink(spath);
    if (keyfile) break;
  }
  if (keyfile)
    snprintf(why, whylen, "ssh-keygen could not sign with %s: %s", keyfile, *out1 ? out1 : "no reason given");
  else if (!getenv("SSH_AUTH_SOCK"))
    snprintf(why, whylen, "no signing key: give --key FILE, set RBK_SIGNING_KEY, or load the key into ssh-agent");
  else
    snprintf(why, whylen, "ssh-agent holds none of the role's %d key%s: give --key FILE or ssh-add the key", nkeys,
             nkeys == 1 ? "" : "s");
done:
  tmp_close(&t);
  return rc;
}

const char *sign_role_revoked(const Program *p, const char *role, char *path, size_t pathlen) {
  int ri = role ? prog_find_role(p, role) : -1;
  uint32_t k;
  if (ri < 0) return NULL;
  for (k = 0; k < p->roles[ri].ncontacts; k++)
    if (strcmp(p->roles[ri].keys[k], "revoked") == 0) {
      sshkey_signers_path(p->src ? p->src->name : NULL, p->roles[ri].vals[k], path, pathlen);
      return path;
    }
  return NULL;
}

int sign_verify(const char *msg, const char *sig, const char *principal, const char *const *keys, int nkeys,
                const char *revoked, char fp[SSHKEY_FP_MAX], char *why, size_t whylen) {
  Tmp t;
  Buf as = BUF_INIT, o = BUF_INIT, acc = BUF_INIT;
  char mpath[700], spath[700], apath[700];
  int rc = -1, i, known = 0;
  fp[0] = '\0';
  for (i = 0; i < nkeys; i++) {
    char kfp[SSHKEY_FP_MAX], w[200];
    if (sshkey_parse(keys[i], kfp, w, sizeof w) != 0) continue;
    buf_printf(&as, "%s namespaces=\"%s\" %s\n", principal, SIGN_NAMESPACE, keys[i]);
    buf_printf(&acc, "%s%s", acc.n ? ", " : "", kfp);
  }
  if (tmp_open(&t, why, whylen) != 0) goto out;
  if (tmp_write(&t, "msg", msg, mpath, sizeof mpath, why, whylen) != 0 ||
      tmp_write(&t, "sig", sig, spath, sizeof spath, why, whylen) != 0 ||
      tmp_write(&t, "allowed_signers", buf_cstr(&as), apath, sizeof apath, why, whylen) != 0)
    goto done;
  {
    char w[200];
    if (sshkey_sig_fingerprint(sig, fp, w, sizeof w) != 0) fp[0] = '\0';
  }
  if (revoked) {
    /* Revoked keys: refused whatever they signed; the file is read now, so
    ** a key revoked after it signed is refused at resume and log --verify. */
    char w[600];
    int line, r = sshkey_list_find(revoked, fp[0] ? fp : NULL, &line, w, sizeof w);
    if (r < 0) {
      snprintf(why, whylen, "role %s's revocation file cannot be checked, so no signature of the role is accepted: %s",
               principal, w);
      goto done;
    }
    if (r > 0) {
      snprintf(why, whylen, "key %s is revoked (%s:%d), so its signature is not accepted for role %s", fp, revoked,
               line, principal);
      goto done;
    }
  }
  {
    const char *argv[] = {"ssh-keygen", "-Y", "verify", "-f", apath, "-I", principal, "-n", SIGN_NAMESPACE,
                    "-s", spath, revoked ? "-r" : NULL, revoked, NULL};
    if (tool(argv, mpath, &o) == 0) {
      rc = 0;
      goto done;
    }
  }
  for (i = 0; i < nkeys && fp[0]; i++) {
    char kfp[SSHKEY_FP_MAX], w[200];
    if (sshkey_parse(keys[i], kfp, w, sizeof w) == 0 && strcmp(kfp, fp) == 0) known = 1;
  }
  if (!fp[0])
    snprintf(why, whylen, "the signature cannot be read (damaged or not an SSH signature); role %s accepts %s",
             principal, acc.n ? buf_cstr(&acc) : "no keys");
  else if (!known)
    snprintf(why, whylen, "signed by key %s, which role %s does not accept (it accepts %s)", fp, principal,
             acc.n ? buf_cstr(&acc) : "no keys");
  else
    snprintf(why, whylen,
             "the signature by %s (a key of role %s) does not cover this approval: it was made for another run, "
             "gate, answer, note or runbook",
             fp, principal);
done:
  tmp_close(&t);
out:
  buf_free(&as);
  buf_free(&o);
  buf_free(&acc);
  return rc;
}

/* check_one verifies the signature in record r (an effect_end or approval
** of gate n) as role, whose keys p names. */
static int check_one(const Json *r, const Program *p, const char *run, const char *sha, long long n,
                     const char *step, const char *role, const char *answer, char fp[SSHKEY_FP_MAX], char *w,
                     size_t wlen) {
  const char *keys[SIGN_MAXKEYS];
  const char *sig = json_str(json_get(r, "signature"), NULL), *at = json_str(json_get(r, "signed_at"), NULL);
  int nkeys = sign_role_keys(p, role, keys), rc;
  char rv[4200];
  Buf m = BUF_INIT;
  if (!sig || !at) {
    snprintf(w, wlen, "it carries no signature, but role %s has keys", role);
    return -1;
  }
  sign_message(&m, run, sha, n, step, role, answer, json_str(json_get(r, "note"), NULL), at);
  rc = sign_verify(buf_cstr(&m), sig, role, keys, nkeys, sign_role_revoked(p, role, rv, sizeof rv), fp, w, wlen);
  buf_free(&m);
  return rc;
}

int sign_check_journal(const Journal *j, const Program *p, char *why, size_t whylen) {
  const Json *start;
  const char *run, *sha;
  size_t i, k;
  int nver = 0;
  uint32_t keyed_role;
  /* every signature checked below is of a role with keys: a runbook
  ** that gives none has none to check, and its journal is not read */
  for (keyed_role = 0; keyed_role < p->nroles && !sign_role_keyed(p, p->roles[keyed_role].name); keyed_role++) {}
  if (keyed_role == p->nroles) return 0;
  start = j->nrecs ? jrn_rec_json(&j->recs[0]) : NULL;
  run = json_str(json_get(start, "run"), NULL);
  sha = json_str(json_get(start, "source_sha256"), NULL);
  for (i = 0; i < j->nrecs; i++) {
    const Json *r, *e = NULL, *gw = NULL;
    const char *kind, *what, *step, *role_end;
    char roles[256], fp[SSHKEY_FP_MAX], w[700];
    char seen[16][SSHKEY_FP_MAX];
    size_t ei = 0;
    int ok, keyed = 0, need = 0, nseen = 0;
    double n;
    /* the type, lane and kind first: only gates' records are parsed */
    if (strcmp(j->recs[i].type, "effect_start") != 0 || jrn_rec_has(&j->recs[i], "lane") ||
        !jrn_rec_str_is(&j->recs[i], "kind", "gate"))
      continue;
    r = jrn_rec_json(&j->recs[i]);
    kind = json_str(json_get(r, "kind"), NULL);
    what = json_str(json_get(r, "what"), NULL);
    if (!kind || strcmp(kind, "gate") != 0 || !what) continue;
    if (strncmp(what, "manual ", 7) == 0 || strncmp(what, "ask ", 4) == 0) {
      /* signed by the keys of the step's owner, when it names keys */
      const char *gstep = json_str(json_get(r, "step"), NULL);
      int si = gstep ? prog_find_step(p, gstep) : -1;
      int32_t o = si >= 0 ? p->steps[si].owner : -1;
      const char *owner = o >= 0 && (uint32_t)o < p->nroles ? p->roles[o].name : NULL;
      if (!owner || !sign_role_keyed(p, owner)) continue;
      n = json_num(json_get(r, "n"), &ok);
      if (!ok) continue;
      for (k = i + 1; k < j->nrecs && !e; k++) {
        double m = jrn_rec_num(&j->recs[k], "n", &ok);
        if (ok && m == n && !jrn_rec_has(&j->recs[k], "lane") && strcmp(j->recs[k].type, "effect_end") == 0) {
          e = jrn_rec_json(&j->recs[k]);
          ei = k;
        }
      }
      if (!e) continue;
      {
        int yes = json_bool(json_get(e, "result"), NULL) == 1;
        const char *ans = what[0] == 'm' ? (yes ? "confirm" : "no") : (yes ? "yes" : "no");
        if (check_one(e, p, run, sha, (long long)n, gstep, owner, ans, fp, w, sizeof w) != 0) {
          snprintf(why, whylen, "journal record %zu: the %s of gate %lld (role %s, the step's owner) does not verify: %s",
                   ei + 1, what[0] == 'm' ? "confirmation" : "answer", (long long)n, owner, w);
          return -1;
        }
        nver++;
      }
      continue;
    }
    if (strncmp(what, "approve ", 8) != 0) continue;
    role_end = strchr(what + 8, ':');
    if (!role_end || (size_t)(role_end - what - 8) >= sizeof roles) continue;
    snprintf(roles, sizeof roles, "%.*s", (int)(role_end - what - 8), what + 8);
    {
      const char *q = roles;
      while (*q) {
        char one[256];
        size_t len = strcspn(q, ",");
        snprintf(one, sizeof one, "%.*s", (int)len, q);
        if (sign_role_keyed(p, one)) keyed = 1;
        q += len;
        if (*q == ',') q++;
      }
    }
    if (!keyed) continue;
    n = json_num(json_get(r, "n"), &ok);
    if (!ok) continue;
    step = json_str(json_get(r, "step"), NULL);
    for (k = i + 1; k < j->nrecs && !e; k++) {
      const Json *x;
      double m = jrn_rec_num(&j->recs[k], "n", &ok);
      if (!ok || m != n || jrn_rec_has(&j->recs[k], "lane")) continue;
      x = jrn_rec_json(&j->recs[k]);
      if (strcmp(j->recs[k].type, "gate_wait") == 0) {
        gw = x;
        need = (int)json_num(json_get(gw, "need"), &ok);
        if (!ok) need = 0;
      } else if (strcmp(j->recs[k].type, "approval") == 0) {
        const char *ro = json_str(json_get(x, "role"), NULL);
        int s;
        if (!ro || !sign_role_in(roles, ro)) {
          snprintf(why, whylen, "journal record %zu: an approval of gate %lld by role %s, which the gate does not name",
                   k + 1, (long long)n, ro ? ro : "?");
          return -1;
        }
        if (check_one(x, p, run, sha, (long long)n, step, ro, "approve", fp, w, sizeof w) != 0) {
          snprintf(why, whylen, "journal record %zu: the approval of gate %lld (role %s) does not verify: %s", k + 1,
                   (long long)n, ro, w);
          return -1;
        }
        nver++;
        for (s = 0; s < nseen && strcmp(seen[s], fp) != 0; s++) {}
        if (s == nseen && nseen < 16) strcpy(seen[nseen++], fp);
      } else if (strcmp(j->recs[k].type, "effect_end") == 0) {
        e = x;
        ei = k;
      }
    }
    if (!e) continue;   /* still waiting */
    if (need > 0 && !json_get(e, "signature") && json_bool(json_get(e, "result"), NULL) == 1) {
      if (nseen < need) {
        snprintf(why, whylen, "journal record %zu: gate %lld opened with %d distinct signed approval%s of the %d it needs",
                 ei + 1, (long long)n, nseen, nseen == 1 ? "" : "s", need);
        return -1;
      }
      continue;
    }
    {
      const char *ro = json_str(json_get(e, "role"), NULL);
      int yes = json_bool(json_get(e, "result"), NULL) == 1;
      if (!ro || !sign_role_in(roles, ro)) ro = roles;
      if (check_one(e, p, run, sha, (long long)n, step, ro, yes ? "approve" : "refuse", fp, w, sizeof w) != 0) {
        snprintf(why, whylen, "journal record %zu: the approval of gate %lld (role %s) does not verify: %s", ei + 1,
                 (long long)n, ro, w);
        return -1;
      }
      nver++;
    }
  }
  return nver;
}

Program *sign_run_program(const char *dir, const Json *run_start) {
  char src[JRN_PATH_MAX + 16];
  const char *name = json_str(json_get(run_start, "runbook"), NULL);
  Buf text = BUF_INIT;
  Program *p;
  snprintf(src, sizeof src, "%s/source.rbk", dir);
  if (read_file(src, &text) != 0) return NULL;
  if (!name || name[0] == '<') name = src;
  p = load_program_text(name, buf_cstr(&text));
  buf_free(&text);
  return p;
}

int sign_check_run(const char *dir, char *why, size_t whylen) {
  Journal j;
  Program *p = NULL;
  char src[JRN_PATH_MAX + 16], hex[65];
  const char *was;
  int rc = -1;
  memset(&j, 0, sizeof j);
  j.fd = -1;
  size_t i;
  int gates = 0;
  if (jrn_open(&j, dir, 0, NULL, why, whylen) != 0) return -1;
  int approvals = 0;
  for (i = 0; i < j.nrecs; i++) {
    const char *what = json_str(json_get(jrn_rec_json(&j.recs[i]), "what"), NULL);
    if (strcmp(j.recs[i].type, "effect_end") == 0 && json_get(jrn_rec_json(&j.recs[i]), "signature")) gates++;
    if (strcmp(j.recs[i].type, "effect_start") == 0 && what &&
        (strncmp(what, "approve ", 8) == 0 || strncmp(what, "manual ", 7) == 0 || strncmp(what, "ask ", 4) == 0))
      approvals++;
  }
  snprintf(src, sizeof src, "%s/source.rbk", dir);
  if (!gates && (!approvals || access(src, R_OK) != 0)) {
    rc = 0;   /* nothing signed, and no runbook that says whether something should be */
    goto done;
  }
  if (access(src, R_OK) != 0) {
    snprintf(why, whylen, "the run keeps no copy of its runbook (%s), so its approvals cannot be checked", src);
    goto done;
  }
  if (!(p = sign_run_program(dir, j.nrecs ? jrn_rec_json(&j.recs[0]) : NULL))) {
    snprintf(why, whylen, "the run's copy of its runbook (%s) does not compile", src);
    goto unsure;
  }
  sha256_hex(p->src_sha256, hex);
  was = json_str(json_get(j.nrecs ? jrn_rec_json(&j.recs[0]) : NULL, "source_sha256"), NULL);
  if (!was || strcmp(was, hex) != 0) {
    snprintf(why, whylen, "the run's copy of its runbook (%s) has SHA-256 %s, not the run's %s", src, hex,
             was ? was : "(none)");
    goto unsure;
  }
  rc = sign_check_journal(&j, p, why, whylen);
  goto done;
unsure:
  /* No signature in the journal, and no runbook to say one was due. */
  if (!gates) rc = 0;
done:
  if (p) prog_free(p);
  jrn_close(&j);
  return rc;
}

int sign_key_file_fingerprint(const char *keyfile, char fp[SSHKEY_FP_MAX], char *why, size_t whylen) {
  Buf text = BUF_INIT;
  char pub[4200];
  int rc = -1;
  snprintf(pub, sizeof pub, "%s.pub", keyfile);
  if (read_file(keyfile, &text) == 0 && sshkey_parse(buf_cstr(&text), fp, why, whylen) == 0) {
    rc = 0;   /* a public key */
  } else {
    buf_reset(&text);
    if (read_file(pub, &text) == 0 && sshkey_parse(buf_cstr(&text), fp, why, whylen) == 0) {
      rc = 0;
    } else {
      const char *argv[] = {"ssh-keygen", "-y", "-f", keyfile, NULL};
      buf_reset(&text);
      if (tool(argv, NULL, &text) == 0 && sshkey_parse(buf_cstr(&text), fp, why, whylen) == 0) rc = 0;
      else snprintf(why, whylen, "cannot read a key from %s", keyfile);
    }
  }
  buf_free(&text);
  return rc;
}

int sign_operator_refusal(const Json *run_start, const Json *gate_wait, const char *fp, const char *by, char *why,
                          size_t whylen) {
  const char *okey = json_str(json_get(run_start, "operator_key"), NULL);
  const char *op = json_str(json_get(run_start, "operator"), NULL);
  if (json_bool(json_get(gate_wait, "operator_may_approve"), NULL) == 1) return 0;
  if (okey && fp && strcmp(okey, fp) == 0) {
    snprintf(why, whylen, "key %s started this run: the operator cannot approve their own run's gate "
             "(two people: another holder of the role's keys approves, or the runbook says 'approve by ROLE or operator')", fp);
    return 1;
  }
  if (!okey && op && by && strcmp(op, by) == 0) {
    snprintf(why, whylen, "%s started this run (with no signing key, so known by login name) and cannot approve its "
             "own run's gate (two people: another person approves; start runs with RBK_SIGNING_KEY to be known by key; "
             "or the runbook says 'approve by ROLE or operator')", op);
    return 1;
  }
  return 0;
}

/* ---- approval of the plan before the run (require approval by ROLE) ---- */

static const char *js(const Json *o, const char *key, const char *def) {
  const char *v = json_str(json_get(o, key), NULL);
  return v ? v : def;
}

const char *sign_plan_role(const Program *p) {
  if (p->plan_approver < 0 || (uint32_t)p->plan_approver >= p->nroles) return NULL;
  return p->roles[p->plan_approver].name;
}

/* plan_message: what a plan approval signs. steps is a JSON array of
** {name, sha256}. */
static void plan_message(Buf *m, const char *sha, const char *title, const char *version, const char *role,
                         const char *at, const Json *steps) {
  size_t k;
  buf_printf(m, "rbk plan approval v1\nsource-sha256: %s\n", sha);
  buf_puts(m, "title: ");
  for (; title && *title; title++) buf_putc(m, *title == '\n' ? ' ' : *title);
  buf_puts(m, "\nversion: ");
  for (; version && *version; version++) buf_putc(m, *version == '\n' ? ' ' : *version);
  buf_printf(m, "\nrole: %s\ntime: %s\n", role, at);
  for (k = 0; k < json_len(steps); k++)
    buf_printf(m, "step: %s %s\n", json_str(json_get(json_at(steps, k), "sha256"), NULL),
               json_str(json_get(json_at(steps, k), "name"), NULL));
}

static void plan_steps_json(const Program *p, Buf *b) {
  uint32_t i;
  buf_putc(b, '[');
  for (i = 0; i < p->nsteps; i++) {
    char hex[65];
    prog_step_hash(p, i, hex);
    buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
    json_put_str(b, p->steps[i].name, strlen(p->steps[i].name));
    buf_printf(b, ",\"sha256\":\"%s\"}", hex);
  }
  buf_putc(b, ']');
}

int sign_plan_approve(const char *path, const Program *p, const char *role, const char *by, const char *keyfile,
                      char fp[SSHKEY_FP_MAX], char *why, size_t whylen) {
  const char *keys[SIGN_MAXKEYS];
  int nkeys = sign_role_keys(p, role, keys), rc = -1, fd = -1;
  char hex[65], at[32], apath[4200], err[200], rv[4200];
  Buf steps = BUF_INIT, m = BUF_INIT, sig = BUF_INIT, line = BUF_INIT;
  Json *sj = NULL;
  time_t now = time(NULL);
  struct tm tmv;
  if (prog_find_role(p, role) < 0) {
    snprintf(why, whylen, "the runbook declares no role %s", role);
    return -1;
  }
  if (nkeys == 0) {
    snprintf(why, whylen, "role %s names no key, so it cannot sign the plan", role);
    return -1;
  }
  sha256_hex(p->src_sha256, hex);
  strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tmv));
  plan_steps_json(p, &steps);
  if (!(sj = json_parse(steps.p, steps.n, err, sizeof err))) {
    snprintf(why, whylen, "internal: %s", err);
    goto done;
  }
  plan_message(&m, hex, p->title, p->version, role, at, sj);
  if (sign_make(buf_cstr(&m), keyfile, keys, nkeys, &sig, why, whylen) != 0) goto done;
  if (sign_verify(buf_cstr(&m), buf_cstr(&sig), role, keys, nkeys, sign_role_revoked(p, role, rv, sizeof rv), fp, why,
                  whylen) != 0)
    goto done;
  buf_printf(&line, "{\"sha256\":\"%s\",\"title\":", hex);
  json_put_str(&line, p->title ? p->title : "", p->title ? strlen(p->title) : 0);
  buf_puts(&line, ",\"version\":");
  json_put_str(&line, p->version ? p->version : "", p->version ? strlen(p->version) : 0);
  buf_puts(&line, ",\"role\":");
  json_put_str(&line, role, strlen(role));
  buf_puts(&line, ",\"by\":");
  json_put_str(&line, by, strlen(by));
  buf_printf(&line, ",\"fingerprint\":\"%s\",\"signed_at\":\"%s\",\"steps\":", fp, at);
  buf_add(&line, steps.p, steps.n);
  buf_puts(&line, ",\"signature\":");
  json_put_str(&line, buf_cstr(&sig), sig.n);
  buf_puts(&line, "}\n");
  snprintf(apath, sizeof apath, "%s.approvals", path);
  fd = open(apath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0 || write(fd, line.p, line.n) != (ssize_t)line.n || fsync(fd) != 0) {
    snprintf(why, whylen, "cannot write %s: %s", apath, strerror(errno));
    goto done;
  }
  rc = 0;
done:
  if (fd >= 0) close(fd);
  json_free(sj);
  buf_free(&steps);
  buf_free(&m);
  buf_free(&sig);
  buf_free(&line);
  return rc;
}

/* plan_record_ok verifies one approvals line for role against p's keys. */
static int plan_record_ok(const Json *r, const Program *p, const char *role) {
  const char *keys[SIGN_MAXKEYS];
  int nkeys = sign_role_keys(p, role, keys), ok;
  const char *ro = json_str(json_get(r, "role"), NULL), *sig = json_str(json_get(r, "signature"), NULL);
  const char *sha = json_str(json_get(r, "sha256"), NULL), *at = json_str(json_get(r, "signed_at"), NULL);
  char fp[SSHKEY_FP_MAX], w[600], rv[4200];
  Buf m = BUF_INIT;
  if (!ro || strcmp(ro, role) != 0 || !sig || !sha || !at || nkeys == 0) return 0;
  plan_message(&m, sha, json_str(json_get(r, "title"), NULL), json_str(json_get(r, "version"), NULL), role, at,
               json_get(r, "steps"));
  ok = sign_verify(buf_cstr(&m), sig, role, keys, nkeys, sign_role_revoked(p, role, rv, sizeof rv), fp, w, sizeof w) == 0;
  buf_free(&m);
  return ok;
}

int sign_plan_check(const char *path, const Program *p, const char *cmd) {
  const char *role = sign_plan_role(p);
  char apath[4200], hex[65], err[200];
  Buf text = BUF_INIT;
  Json *last = NULL, *found = NULL;
  const char *s, *e;
  int rc = -1;
  if (!role) return 0;
  sha256_hex(p->src_sha256, hex);
  snprintf(apath, sizeof apath, "%s.approvals", path);
  if (read_file(apath, &text) != 0) {
    fprintf(stderr, "rbk %s: this runbook requires approval by %s, and %s cannot be read: %s\n"
            "  have it signed: rbk approve %s --as %s\n", cmd, role, apath, strerror(errno), path, role);
    return -1;
  }
  for (s = buf_cstr(&text); *s; s = *e ? e + 1 : e) {
    Json *r;
    e = strchr(s, '\n');
    if (!e) e = s + strlen(s);
    if (e == s) continue;
    if (!(r = json_parse(s, (size_t)(e - s), err, sizeof err))) continue;
    if (!plan_record_ok(r, p, role)) {
      json_free(r);
      continue;
    }
    if (strcmp(js(r, "sha256", ""), hex) == 0) {
      json_free(found);
      found = r;
    } else {
      json_free(last);
      last = r;
    }
  }
  if (found) {
    rc = 0;
  } else if (last) {
    const Json *steps = json_get(last, "steps");
    uint32_t i;
    size_t k;
    fprintf(stderr, "rbk %s: this runbook changed since %s approved it; refusing to start\n", cmd, role);
    fprintf(stderr, "  approved: %s (%s, key %s)\n  current:  %s\n", js(last, "sha256", "?"),
            js(last, "signed_at", "?"), js(last, "fingerprint", "?"), hex);
    for (i = 0; i < p->nsteps; i++) {
      char sh[65];
      const char *was = NULL;
      prog_step_hash(p, i, sh);
      for (k = 0; k < json_len(steps); k++)
        if (strcmp(js(json_at(steps, k), "name", ""), p->steps[i].name) == 0)
          was = js(json_at(steps, k), "sha256", "");
      if (!was) fprintf(stderr, "  added   step %s\n", p->steps[i].name);
      else if (strcmp(was, sh) != 0) fprintf(stderr, "  changed step %s\n", p->steps[i].name);
    }
    for (k = 0; k < json_len(steps); k++) {
      const char *nm = js(json_at(steps, k), "name", "");
      if (prog_find_step(p, nm) < 0) fprintf(stderr, "  removed step %s\n", nm);
    }
    fprintf(stderr, "  have the new version signed: rbk approve %s --as %s\n", path, role);
  } else {
    fprintf(stderr, "rbk %s: this runbook requires approval by %s, and %s holds no valid signature by %s\n"
            "  have it signed: rbk approve %s --as %s\n", cmd, role, apath, role, path, role);
  }
  json_free(found);
  json_free(last);
  buf_free(&text);
  return rc;
}
