/*
** sshkey.h -- reading an OpenSSH public key line ("TYPE BASE64 [comment]",
** as in id_ed25519.pub or an allowed_signers entry) and its SHA-256
** fingerprint, as `ssh-keygen -l` prints it. No cryptography: the key's
** bytes are decoded and their own type name compared with TYPE; signing
** and verifying are left to ssh-keygen (run/signing.c).
*/
#ifndef RBK_SSHKEY_H
#define RBK_SSHKEY_H

#include <stddef.h>

/* SSHKEY_FP_MAX is enough room for "SHA256:" and 43 base64 digits. */
#define SSHKEY_FP_MAX 64

/* sshkey_parse reads one public key line. On success returns 0 and, if fp
** is not NULL, writes "SHA256:..." there; otherwise returns -1 with a
** one-line reason in why. */
int sshkey_parse(const char *line, char fp[SSHKEY_FP_MAX], char *why, size_t whylen);

/* sshkey_sig_fingerprint reads an armored SSH signature ("-----BEGIN SSH
** SIGNATURE-----", as ssh-keygen -Y sign writes it) and writes the
** fingerprint of the public key it names. That key is the one that claims
** to have signed; only ssh-keygen -Y verify says whether it did. Returns 0,
** or -1 with a reason in why. */
int sshkey_sig_fingerprint(const char *armored, char fp[SSHKEY_FP_MAX], char *why, size_t whylen);

/* One key of an allowed_signers file (OpenSSH's format: "PRINCIPALS
** [OPTIONS] TYPE BASE64 [COMMENT]", principals comma-separated, # comments). */
typedef struct SshSigner {
  char *principal;     /* one principal (malloc'd) */
  char *key;           /* "TYPE BASE64" (malloc'd) */
  int line;            /* 1-based */
} SshSigner;

/* sshkey_signers_path resolves path against the directory of the file
** that names it (relative_to; a path beginning with '/' stays). */
void sshkey_signers_path(const char *relative_to, const char *path, char *out, size_t outlen);
/* sshkey_signers_load reads an allowed_signers file into *out (*n
** entries; free with sshkey_signers_free). Returns 0, or -1 with a reason
** in why ("LINE: ..." for a bad line). */
int sshkey_signers_load(const char *path, SshSigner **out, size_t *n, char *why, size_t whylen);
void sshkey_signers_free(SshSigner *v, size_t n);

/* sshkey_list_find reads a file of public keys, one a line (blank lines
** and # comments skipped; the plain form of ssh-keygen's -r revocation
** file), and says whether the key with fingerprint fp is among them: 1
** (line gets its line number), 0, or -1 with a reason in why when the file
** cannot be read or a line is not a key ("PATH:LINE: ..."). fp may be NULL
** to check the file only. */
int sshkey_list_find(const char *path, const char *fp, int *line, char *why, size_t whylen);

#endif
