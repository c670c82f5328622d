/*
** answer.c -- recording a person's answer to what a paused run waits for
** (answer.h). Called by rbk approve, confirm, answer and the REPL's :approve.
*/
#include "answer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exits.h"
#include "runctl.h"
#include "signing.h"
#include "../base/json.h"
#include "../base/mem.h"

/* What the run waits for: the last gate_wait or in-doubt pause whose
** effect has no effect_end (or decision) yet. */
typedef struct Pending {
  long long n;
  const char *kind;   /* "gate" or "doubt" */
  const char *gate;   /* manual, ask, approve */
  const char *role;
  const char *step;
  const Json *rec;    /* the gate_wait or paused record */
} Pending;

static int find_pending(const Journal *j, Pending *pd) {
  size_t i, k;
  memset(pd, 0, sizeof *pd);
  pd->n = -1;
  for (i = 0; i < j->nrecs; i++) {
    const Json *r = jrn_rec_json(&j->recs[i]);
    int ok;
    double n = json_num(json_get(r, "n"), &ok);
    int done = 0;
    if (!ok) continue;
    const char *lane = json_str(json_get(r, "lane"), NULL);
    if (lane && strcmp(lane, "repl") == 0) continue;   /* the REPL's own effects never wait for an answer */
    if (strcmp(j->recs[i].type, "gate_wait") != 0 &&
        !(strcmp(j->recs[i].type, "paused") == 0 && json_get(r, "n")))
      continue;
    for (k = i + 1; k < j->nrecs; k++) {
      double m = json_num(json_get(jrn_rec_json(&j->recs[k]), "n"), &ok);
      const char *kl = json_str(json_get(jrn_rec_json(&j->recs[k]), "lane"), NULL);
      if (ok && m == n && (kl == lane || (kl && lane && strcmp(kl, lane) == 0)) &&
          (strcmp(j->recs[k].type, "effect_end") == 0 || strcmp(j->recs[k].type, "decision") == 0))
        done = 1;
    }
    if (done) continue;
    pd->n = (long long)n;
    pd->kind = strcmp(j->recs[i].type, "gate_wait") == 0 ? "gate" : "doubt";
    pd->gate = json_str(json_get(r, "gate"), NULL);
    pd->role = json_str(json_get(r, "role"), NULL);
    pd->step = json_str(json_get(r, "step"), NULL);
    pd->rec = r;
  }
  return pd->n >= 0 ? 0 : -1;
}

/* sign_answer signs the answer what to the gate pd as role (whose keys p
** names: keys, nkeys) and verifies it against the role's keys, before
** anything is journaled. sig, fp and at get the signature, the key's
** fingerprint and the time signed. Returns 0, or -1 after saying why. */
static int sign_answer(const Journal *j, const char *cmd, const char *run, const Pending *pd, const char *role,
                       const char *const *keys, int nkeys, const char *what, const char *note, const Program *p,
                       const char *keyfile, Buf *sig, char fp[SSHKEY_FP_MAX], char at[32]) {
  const char *sha = json_str(json_get(j->nrecs ? jrn_rec_json(&j->recs[0]) : NULL, "source_sha256"), NULL);
  char why[1200], rv[4200];
  if (nkeys == 0) {
    fprintf(stderr, "rbk %s: refused, nothing recorded: role %s takes its keys from a file that cannot be read (rbk check "
            "says which), so nothing can be signed for it\n", cmd, role);
    return -1;
  }
  Buf m = BUF_INIT;
  time_t now = time(NULL);
  struct tm tmv;
  int rc = -1;
  strftime(at, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tmv));
  sign_message(&m, run, sha, pd->n, pd->step, role, what, note, at);
  if (sign_make(buf_cstr(&m), keyfile, keys, nkeys, sig, why, sizeof why) != 0)
    fprintf(stderr, "rbk %s: role %s has keys, so the answer must be signed: %s\n", cmd, role, why);
  else if (sign_verify(buf_cstr(&m), buf_cstr(sig), role, keys, nkeys, sign_role_revoked(p, role, rv, sizeof rv), fp,
                       why, sizeof why) != 0)
    fprintf(stderr, "rbk %s: refused, nothing recorded: %s\n", cmd, why);
  else
    rc = 0;
  buf_free(&m);
  return rc;
}

/* answer_signer: the role whose keys sign a manual step's confirmation or
** a question's answer: the owner of the gate's step, when it names keys
** (in p, the run's runbook; the journal's gate_wait is not trusted for it). */
static const char *answer_signer(const Program *p, const Pending *pd) {
  int si = p && pd->step ? prog_find_step(p, pd->step) : -1;
  int32_t o = si >= 0 ? p->steps[si].owner : -1;
  if (o < 0 || (uint32_t)o >= p->nroles) return NULL;
  return sign_role_keyed(p, p->roles[o].name) ? p->roles[o].name : NULL;
}

/* answer_lost reports an answer that could not be journaled: it may or
** may not be on disk, so the person looks before answering again. */
static int answer_lost(const char *cmd, const Journal *j, const char *run) {
  char next[5200];
  snprintf(next, sizeof next, "'rbk status %s' says whether the run still waits; if so, answer again", run);
  return journal_lost(cmd, j, next);
}

int answer_pending(Journal *j, const char *cmd, const char *run, const char *what, const char *as, const char *by,
                   const char *note, const Program *p, const char *keyfile) {
  char why[1024];
  Pending pd;
  Buf sig = BUF_INIT;
  char fp[SSHKEY_FP_MAX] = "", at[32] = "";
  int signed_ = 0, need = 0;
  int rc = EXIT_FAILED;
  Buf f = BUF_INIT;
  if (find_pending(j, &pd) != 0) {
    fprintf(stderr, "rbk %s: run %s is not waiting for anything\n", cmd, run);
    return EXIT_FAILED;
  }
  if (strcmp(pd.kind, "doubt") == 0) {
    if (strcmp(what, "rerun") != 0 && strcmp(what, "skip") != 0 && strcmp(what, "done") != 0) {
      fprintf(stderr, "rbk %s: run %s waits for a decision on an effect in doubt: rbk answer %s rerun|skip|done\n", cmd,
              run, run);
      goto done;
    }
    {   /* an effect of a host's lane (run/fleet.c): the decision is that lane's */
      const char *lane = json_str(json_get(pd.rec, "lane"), NULL);
      if (lane) {
        buf_puts(&f, "\"lane\":");
        json_put_str(&f, lane, strlen(lane));
        buf_putc(&f, ',');
      }
    }
    buf_printf(&f, "\"n\":%lld,\"choice\":\"%s\",\"by\":", pd.n, what);
    json_put_str(&f, by, strlen(by));
    buf_puts(&f, ",\"reason\":\"operator\"");
    if (jrn_append(j, "decision", buf_cstr(&f), why, sizeof why) != 0) {
      rc = answer_lost(cmd, j, run);
      goto done;
    }
  } else {
    const char *gate = pd.gate ? pd.gate : "";
    int yes;
    if (strcmp(what, "approve") == 0 || strcmp(what, "refuse") == 0) {
      if (strcmp(gate, "approve") != 0) {
        fprintf(stderr, "rbk %s: run %s waits for %s, not an approval\n", cmd, run,
                strcmp(gate, "manual") == 0 ? "a manual step (rbk confirm)" : "an answer (rbk answer RUN yes|no)");
        goto done;
      }
      if (!pd.role || !as || !sign_role_in(pd.role, as)) {
        fprintf(stderr, "rbk %s: run %s waits for approval by %s, not by %s\n", cmd, run, pd.role ? pd.role : "?",
                as ? as : "?");
        goto done;
      }
      yes = strcmp(what, "approve") == 0;
      {
        int ok;
        double nd = json_num(json_get(pd.rec, "need"), &ok);
        need = ok ? (int)nd : 0;
      }
      {
        const char *keys[SIGN_MAXKEYS];
        int nkeys = p ? sign_role_keys(p, as, keys) : 0;
        if (p && sign_role_keyed(p, as)) {
          /* Signed, then verified against the role's keys, before anything is journaled. */
          if (sign_answer(j, cmd, run, &pd, as, keys, nkeys, what, note, p, keyfile, &sig, fp, at) != 0) goto done;
          if (sign_operator_refusal(jrn_rec_json(&j->recs[0]), pd.rec, fp, by, why, sizeof why)) {
            fprintf(stderr, "rbk %s: refused, nothing recorded: %s\n", cmd, why);
            goto done;
          }
          signed_ = 1;
        } else if (need > 0) {
          fprintf(stderr, "rbk %s: this gate counts signatures, and role %s names no key\n", cmd, as);
          goto done;
        }
      }
      if (need > 0 && yes) {
        /* approve by N of ...: each signature is an approval record; the
        ** gate opens at the Nth distinct key */
        size_t i;
        int have = 0;
        for (i = 0; i < j->nrecs; i++) {
          const Json *r = jrn_rec_json(&j->recs[i]);
          int ok;
          double m = json_num(json_get(r, "n"), &ok);
          const char *kfp = json_str(json_get(r, "fingerprint"), NULL);
          if (strcmp(j->recs[i].type, "approval") != 0 || !ok || (long long)m != pd.n) continue;
          if (kfp && strcmp(kfp, fp) == 0) {
            fprintf(stderr, "rbk %s: refused, nothing recorded: key %s has already approved this gate; it needs %d "
                    "different signers\n", cmd, fp, need);
            goto done;
          }
          have++;
        }
        buf_printf(&f, "\"n\":%lld,\"by\":", pd.n);
        json_put_str(&f, by, strlen(by));
        buf_puts(&f, ",\"role\":");
        json_put_str(&f, as, strlen(as));
        if (note) {
          buf_puts(&f, ",\"note\":");
          json_put_str(&f, note, strlen(note));
        }
        buf_printf(&f, ",\"verified\":true,\"principal\":");
        json_put_str(&f, as, strlen(as));
        buf_printf(&f, ",\"fingerprint\":\"%s\",\"signed_at\":\"%s\",\"signature\":", fp, at);
        json_put_str(&f, buf_cstr(&sig), sig.n);
        if (jrn_append(j, "approval", buf_cstr(&f), why, sizeof why) != 0) {
          fprintf(stderr, "rbk %s: %s\n", cmd, why);
          rc = EXIT_USAGE;
          goto done;
        }
        have++;
        if (have < need) {
          fprintf(stderr, "rbk %s: %d of %d signed approvals; the gate waits for another signer\n", cmd, have, need);
          rc = EXIT_OK;
          goto done;
        }
        buf_reset(&f);
        buf_printf(&f, "\"n\":%lld,\"result\":true,\"by\":", pd.n);
        json_put_str(&f, by, strlen(by));
        buf_puts(&f, ",\"role\":");
        json_put_str(&f, pd.role, strlen(pd.role));
        buf_printf(&f, ",\"verified\":true,\"approvals\":%d", have);
        if (jrn_append(j, "effect_end", buf_cstr(&f), why, sizeof why) != 0) {
          fprintf(stderr, "rbk %s: %s\n", cmd, why);
          rc = EXIT_USAGE;
          goto done;
        }
        rc = EXIT_OK;
        goto done;
      }
    } else if (strcmp(what, "confirm") == 0) {
      if (strcmp(gate, "manual") != 0) {
        fprintf(stderr, "rbk %s: run %s waits for %s, not a manual step\n", cmd, run, gate);
        goto done;
      }
      yes = 1;
    } else if (strcmp(what, "yes") == 0 || strcmp(what, "no") == 0) {
      if (strcmp(gate, "ask") != 0) {
        fprintf(stderr, "rbk %s: run %s waits for %s, not a question\n", cmd, run,
                strcmp(gate, "approve") == 0 ? "an approval (rbk approve)" : "a manual step (rbk confirm)");
        goto done;
      }
      yes = strcmp(what, "yes") == 0;
    } else {
      fprintf(stderr, "rbk %s: run %s waits for a person, not an in-doubt decision\n", cmd, run);
      goto done;
    }
    if (strcmp(gate, "approve") != 0) {
      /* A manual step or a question in a step whose owner names keys: signed by one of them. */
      const char *keys[SIGN_MAXKEYS];
      const char *signer = answer_signer(p, &pd);
      if (!signer && json_get(pd.rec, "signer")) {
        fprintf(stderr, "rbk %s: refused, nothing recorded: this gate must be signed by a key of role %s, and the "
                "run's runbook cannot be read to check it\n", cmd, json_str(json_get(pd.rec, "signer"), NULL));
        goto done;
      }
      if (signer) {
        if (as && strcmp(as, signer) != 0) {
          fprintf(stderr, "rbk %s: run %s waits for an answer signed by role %s (the step's owner), not by %s\n", cmd,
                  run, signer, as);
          goto done;
        }
        as = signer;
        if (sign_answer(j, cmd, run, &pd, signer, keys, sign_role_keys(p, signer, keys), what, note, p, keyfile, &sig,
                        fp, at) != 0)
          goto done;
        signed_ = 1;
      }
    }
    buf_printf(&f, "\"n\":%lld,\"result\":%s,\"by\":", pd.n, yes ? "true" : "false");
    json_put_str(&f, by, strlen(by));
    if (as) {
      buf_puts(&f, ",\"role\":");
      json_put_str(&f, as, strlen(as));
    }
    if (note) {
      buf_puts(&f, ",\"note\":");
      json_put_str(&f, note, strlen(note));
    }
    if (signed_) {
      buf_printf(&f, ",\"verified\":true,\"principal\":");
      json_put_str(&f, as, strlen(as));
      buf_printf(&f, ",\"fingerprint\":\"%s\",\"signed_at\":\"%s\",\"signature\":", fp, at);
      json_put_str(&f, buf_cstr(&sig), sig.n);
    } else if (as) {
      buf_puts(&f, ",\"verified\":false");
    }
    if (jrn_append(j, "effect_end", buf_cstr(&f), why, sizeof why) != 0) {
      rc = answer_lost(cmd, j, run);
      goto done;
    }
  }
  rc = EXIT_OK;
done:
  buf_free(&f);
  buf_free(&sig);
  return rc;
}

