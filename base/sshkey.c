/*
** sshkey.c -- OpenSSH public key lines and their fingerprints (sshkey.h).
** Used by the checker and codegen for role keys (`key "ssh-ed25519 ..."`).
*/
#include "sshkey.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64val(int c) {
  const char *q = c ? strchr(b64, c) : NULL;
  return q ? (int)(q - b64) : -1;
}

/* b64dec decodes n base64 digits (with optional '=' padding) into out
** (room for n*3/4 bytes); returns the length or -1. */
static long b64dec(const char *s, size_t n, uint8_t *out) {
  size_t i, pad = 0;
  long len = 0;
  uint32_t acc = 0;
  int bits = 0;
  while (n && s[n - 1] == '=') { n--; pad++; }
  if (pad > 2) return -1;
  for (i = 0; i < n; i++) {
    int v = b64val((unsigned char)s[i]);
    if (v < 0) return -1;
    acc = (acc << 6) | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[len++] = (uint8_t)(acc >> bits);
    }
  }
  return len;
}

static void fingerprint(const uint8_t *blob, size_t n, char fp[SSHKEY_FP_MAX]) {
  uint8_t dig[32];
  size_t i, o = 7;
  uint32_t acc = 0;
  int bits = 0;
  sha256(blob, n, dig);
  memcpy(fp, "SHA256:", 7);
  for (i = 0; i < 32; i++) {
    acc = (acc << 8) | dig[i];
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      fp[o++] = b64[(acc >> bits) & 63];
    }
  }
  if (bits) fp[o++] = b64[(acc << (6 - bits)) & 63];
  fp[o] = '\0';
}

static const char *const known[] = {
  "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
  "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com", NULL,
};

int sshkey_parse(const char *line, char fp[SSHKEY_FP_MAX], char *why, size_t whylen) {
  const char *p = line, *t, *d;
  size_t tn, dn, i;
  uint8_t *blob;
  long bn;
  uint32_t sl;
  int ok = 0;
  while (*p == ' ' || *p == '\t') p++;
  t = p;
  while (*p && *p != ' ' && *p != '\t') p++;
  tn = (size_t)(p - t);
  for (i = 0; known[i]; i++)
    if (strlen(known[i]) == tn && strncmp(known[i], t, tn) == 0) ok = 1;
  if (!ok) {
    snprintf(why, whylen, "'%.*s' is not an SSH public key type (expected ssh-ed25519, ssh-rsa, ecdsa-sha2-...)",
             (int)(tn > 40 ? 40 : tn), t);
    return -1;
  }
  while (*p == ' ' || *p == '\t') p++;
  d = p;
  while (*p && *p != ' ' && *p != '\t' && *p != '\n') p++;
  dn = (size_t)(p - d);
  if (dn == 0) {
    snprintf(why, whylen, "the %.*s key has no key data after its type", (int)tn, t);
    return -1;
  }
  blob = malloc(dn);
  if (!blob) {
    snprintf(why, whylen, "out of memory");
    return -1;
  }
  bn = b64dec(d, dn, blob);
  if (bn < 4) {
    free(blob);
    snprintf(why, whylen, "the key data is not base64");
    return -1;
  }
  sl = (uint32_t)blob[0] << 24 | (uint32_t)blob[1] << 16 | (uint32_t)blob[2] << 8 | blob[3];
  if (sl != tn || (long)sl + 4 > bn || memcmp(blob + 4, t, tn) != 0 || bn <= (long)sl + 8) {
    free(blob);
    snprintf(why, whylen, "the key data does not hold a %.*s key (truncated or another key's type)", (int)tn, t);
    return -1;
  }
  if (fp) fingerprint(blob, (size_t)bn, fp);
  free(blob);
  return 0;
}

static uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int sshkey_sig_fingerprint(const char *armored, char fp[SSHKEY_FP_MAX], char *why, size_t whylen) {
  static const char begin[] = "-----BEGIN SSH SIGNATURE-----", end[] = "-----END SSH SIGNATURE-----";
  const char *a = strstr(armored, begin), *e;
  char *digits;
  uint8_t *blob;
  size_t n = 0;
  long bn;
  uint32_t kl;
  int rc = -1;
  if (!a || !(e = strstr(a, end))) {
    snprintf(why, whylen, "not an armored SSH signature");
    return -1;
  }
  a += sizeof begin - 1;
  digits = malloc((size_t)(e - a) + 1);
  blob = malloc((size_t)(e - a) + 1);
  if (!digits || !blob) {
    free(digits);
    free(blob);
    snprintf(why, whylen, "out of memory");
    return -1;
  }
  for (; a < e; a++)
    if (*a != '\n' && *a != '\r' && *a != ' ') digits[n++] = *a;
  bn = b64dec(digits, n, blob);
  /* "SSHSIG", uint32 version, string publickey, ... */
  if (bn < 14 || memcmp(blob, "SSHSIG", 6) != 0) {
    snprintf(why, whylen, "not an SSH signature (no SSHSIG header)");
  } else if ((kl = get32(blob + 10)) == 0 || (long)kl > bn - 14) {
    snprintf(why, whylen, "the signature's public key is cut short");
  } else {
    fingerprint(blob + 14, kl, fp);
    rc = 0;
  }
  free(digits);
  free(blob);
  return rc;
}

void sshkey_signers_path(const char *relative_to, const char *path, char *out, size_t outlen) {
  const char *slash = relative_to ? strrchr(relative_to, '/') : NULL;
  if (path[0] == '/' || !slash) snprintf(out, outlen, "%s", path);
  else snprintf(out, outlen, "%.*s/%s", (int)(slash - relative_to), relative_to, path);
}

void sshkey_signers_free(SshSigner *v, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) {
    free(v[i].principal);
    free(v[i].key);
  }
  free(v);
}

static int is_key_type(const char *t, size_t n) {
  size_t i;
  for (i = 0; known[i]; i++)
    if (strlen(known[i]) == n && strncmp(known[i], t, n) == 0) return 1;
  return 0;
}

int sshkey_signers_load(const char *path, SshSigner **out, size_t *n, char *why, size_t whylen) {
  FILE *f = fopen(path, "r");
  char line[16384];
  int ln = 0;
  size_t cap = 0;
  *out = NULL;
  *n = 0;
  if (!f) {
    snprintf(why, whylen, "cannot read %s: %s", path, strerror(errno));
    return -1;
  }
  while (fgets(line, sizeof line, f)) {
    char *p = line, *princ, *k, *q;
    size_t pn, tn;
    ln++;
    line[strcspn(line, "\r\n")] = '\0';
    while (*p == ' ' || *p == '\t') p++;
    if (!*p || *p == '#') continue;
    princ = p;
    while (*p && *p != ' ' && *p != '\t') p++;
    pn = (size_t)(p - princ);
    while (*p == ' ' || *p == '\t') p++;
    /* options (no spaces outside quotes) when the next word is not a key type */
    tn = strcspn(p, " \t");
    if (!is_key_type(p, tn)) {
      int quoted = 0;
      for (; *p && (quoted || (*p != ' ' && *p != '\t')); p++)
        if (*p == '"') quoted = !quoted;
      while (*p == ' ' || *p == '\t') p++;
    }
    k = p;
    {
      char w[200];
      if (sshkey_parse(k, NULL, w, sizeof w) != 0) {
        snprintf(why, whylen, "%s:%d: %s", path, ln, w);
        goto fail;
      }
    }
    /* keep "TYPE BASE64" without the comment */
    q = k + strcspn(k, " \t");
    while (*q == ' ' || *q == '\t') q++;
    q += strcspn(q, " \t");
    while (pn) {
      size_t one = 0;
      while (one < pn && princ[one] != ',') one++;
      if (one) {
        if (*n == cap) {
          SshSigner *nv = realloc(*out, (cap = cap ? cap * 2 : 8) * sizeof **out);
          if (!nv) {
            snprintf(why, whylen, "out of memory");
            goto fail;
          }
          *out = nv;
        }
        (*out)[*n].principal = strndup(princ, one);
        (*out)[*n].key = strndup(k, (size_t)(q - k));
        (*out)[*n].line = ln;
        (*n)++;
      }
      princ += one;
      pn -= one;
      if (pn) {
        princ++;
        pn--;
      }
    }
  }
  fclose(f);
  return 0;
fail:
  fclose(f);
  sshkey_signers_free(*out, *n);
  *out = NULL;
  *n = 0;
  return -1;
}

int sshkey_list_find(const char *path, const char *fp, int *line, char *why, size_t whylen) {
  FILE *f = fopen(path, "r");
  char buf[16384];
  int ln = 0, found = 0;
  if (line) *line = 0;
  if (!f) {
    snprintf(why, whylen, "cannot read %s: %s", path, strerror(errno));
    return -1;
  }
  while (fgets(buf, sizeof buf, f)) {
    char *p = buf, kfp[SSHKEY_FP_MAX], w[200];
    ln++;
    buf[strcspn(buf, "\r\n")] = '\0';
    while (*p == ' ' || *p == '\t') p++;
    if (!*p || *p == '#') continue;
    if (sshkey_parse(p, kfp, w, sizeof w) != 0) {
      snprintf(why, whylen, "%s:%d: %s", path, ln, w);
      fclose(f);
      return -1;
    }
    if (!found && fp && strcmp(kfp, fp) == 0) {
      found = 1;
      if (line) *line = ln;
    }
  }
  fclose(f);
  return found;
}
