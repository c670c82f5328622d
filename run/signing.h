/*
** signing.h -- approvals signed with SSH keys. rbk writes no cryptography:
** it calls `ssh-keygen -Y sign` and `ssh-keygen -Y verify` (OpenSSH) with
** argv, never through a shell, in the namespace "rbk-approval". A role's
** keys are its `key "..."` contact fields; the allowed_signers file that
** ssh-keygen verifies against is written from them into a private
** temporary directory for each check.
*/
#ifndef RBK_SIGNING_H
#define RBK_SIGNING_H

#include <stddef.h>

#include "journal.h"
#include "../base/buf.h"
#include "../base/sshkey.h"
#include "../vm/program.h"

#define SIGN_NAMESPACE "rbk-approval"
#define SIGN_MAXKEYS 64

/* sign_role_keys stores the public keys of role (its "key" contact fields)
** in keys (room for SIGN_MAXKEYS) and returns how many; 0 when the role has
** none or is not declared. */
int sign_role_keys(const Program *p, const char *role, const char **keys);

/* sign_role_keyed says whether role's answers must be signed: it names a
** key, or a keys file (even one that could not be read: then it has no
** key, and nothing signed for it verifies). */
int sign_role_keyed(const Program *p, const char *role);

/* sign_role_in says whether role is one of list ("lead" or "lead,sponsor"). */
int sign_role_in(const char *list, const char *role);

/* sign_message writes the text a gate answer's signature covers: the run,
** the runbook's source SHA-256, the gate (step and effect number), the
** role, the answer, the note (or "") and the time. */
void sign_message(Buf *m, const char *run, const char *src_sha, long long n, const char *step, const char *role,
                  const char *answer, const char *note, const char *time);

/* sign_make signs msg. keyfile is a private key, or a public key whose
** private half is held by ssh-agent; NULL means $RBK_SIGNING_KEY, else the
** agent, trying each of keys (the role's) in turn. sig gets the armored
** signature. Returns 0, or -1 with a reason in why. */
int sign_make(const char *msg, const char *keyfile, const char *const *keys, int nkeys, Buf *sig, char *why,
              size_t whylen);

/* sign_role_revoked writes into path (and returns it) the revocation file
** of role (its `revoked "FILE"` field, relative to the runbook's
** directory), or returns NULL when it names none. */
const char *sign_role_revoked(const Program *p, const char *role, char *path, size_t pathlen);

/* sign_verify checks that sig is a signature over msg by one of keys, for
** principal, and (revoked: a file of revoked public keys, or NULL) by no
** key listed in revoked; an unreadable revocation file refuses every
** signature. fp gets the signing key's fingerprint when it can be read
** (else ""). Returns 0 when verified; -1 with a reason in why that says
** which key signed and which keys the role accepts, or that the key is
** revoked and by which file. */
int sign_verify(const char *msg, const char *sig, const char *principal, const char *const *keys, int nkeys,
                const char *revoked, char fp[SSHKEY_FP_MAX], char *why, size_t whylen);

/* sign_key_file_fingerprint writes the fingerprint of a key file (a
** public key; or a private key, whose FILE.pub is read, else its public
** half from ssh-keygen -y). Returns 0, or -1 with why. */
int sign_key_file_fingerprint(const char *keyfile, char fp[SSHKEY_FP_MAX], char *why, size_t whylen);

/* sign_operator_refusal says in why (and returns 1) when the approval being
** signed by the key fp, by OS user by, comes from the operator who started
** the run (run_start's operator_key, else its operator), which a gate
** allows only when its gate_wait says operator_may_approve. */
int sign_operator_refusal(const Json *run_start, const Json *gate_wait, const char *fp, const char *by, char *why,
                          size_t whylen);

/* sign_plan_role returns the role whose signature over the exact runbook
** p requires ('require approval by ROLE'), or NULL. */
const char *sign_plan_role(const Program *p);

/* sign_plan_approve signs the runbook at path (p, compiled from it) as role:
** its source SHA-256, title, version and steps (name and SHA-256 of each),
** verified against the role's keys, then appended as one JSON line to
** PATH.approvals. fp gets the signing key's fingerprint. Returns 0, or -1
** with why. */
int sign_plan_approve(const char *path, const Program *p, const char *role, const char *by, const char *keyfile,
                      char fp[SSHKEY_FP_MAX], char *why, size_t whylen);

/* sign_plan_check lets a run of p (from path) start when p requires no
** approval, or PATH.approvals holds a signature by the required role that
** verifies over p's exact source hash. Otherwise it prints why on stderr
** ("rbk CMD: ..."; for a changed runbook the approved hash, the current
** hash and the steps added, changed or removed) and returns -1. */
int sign_plan_check(const char *path, const Program *p, const char *cmd);

/* sign_check_journal re-verifies every approval in j against the role
** keys of p: an approval of a gate whose role has keys must carry a
** signature that verifies for its run, source hash, gate, answer, note and
** time. Returns the number of approvals verified, or -1 with the first
** fault in why ("journal record N: ..."). */
int sign_check_journal(const Journal *j, const Program *p, char *why, size_t whylen);

/* sign_run_program compiles the run's copy of its runbook (dir/source.rbk)
** under the name the run was started with (run_start's runbook), so that
** a role's `keys "FILE"` resolves as it did then. NULL after printing the
** diagnostics, or when there is no copy. */
Program *sign_run_program(const char *dir, const Json *run_start);

/* sign_check_run re-verifies the signed approvals of the run in dir
** against the keys of the runbook it keeps (dir/source.rbk, whose hash must
** be the run's). Only reads. Returns the number verified, or -1 with why. */
int sign_check_run(const char *dir, char *why, size_t whylen);

#endif
