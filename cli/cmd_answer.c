/*
** cmd_answer.c -- answering a paused run: `rbk approve`, `rbk confirm`,
** `rbk answer`. Each takes the run's lock, finds what the run waits for,
** journals the answer with who and when, and leaves the run to
** `rbk resume`.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../run/journal.h"
#include "../base/json.h"
#include "../base/mem.h"
#include "../run/answer.h"
#include "../run/load.h"
#include "../run/signing.h"
#include "../base/sha256.h"
#include "cli.h"
#include "livepage.h"
#include "runpick.h"
#include "../run/runctl.h"
#include "../run/state.h"

/* The options of approve, confirm and answer (their usage below says them in full). */
enum { O_AS = 1, O_NOTE, O_KEY, O_REFUSE };
static const CliOpt approve_opts[] = {
  {"as", 0, O_AS, "ROLE", "the role that approves"},
  {"key", 0, O_KEY, "FILE", "the key that signs"},
  {"note", 0, O_NOTE, "TEXT", "a note journaled with the approval"},
  {"refuse", 0, O_REFUSE, NULL, "record a refusal"},
  {NULL, 0, 0, NULL, NULL},
};
static const CliOpt confirm_opts[] = {
  {"key", 0, O_KEY, "FILE", "the key that signs"},
  {"note", 0, O_NOTE, "TEXT", "a note journaled with the confirmation"},
  {NULL, 0, 0, NULL, NULL},
};
static const CliOpt answer_opts[] = {
  {"key", 0, O_KEY, "FILE", "the key that signs (yes or no)"},
  {"note", 0, O_NOTE, "TEXT", "a note journaled with the answer (yes or no)"},
  {NULL, 0, 0, NULL, NULL},
};

const char usage_approve[] =
  "Usage: rbk approve [RUN] --as ROLE [--key FILE] [--note TEXT] [--refuse]\n"
  "       rbk approve FILE.rbk --as ROLE [--key FILE]\n"
  "\n"
  "Approve the gate a paused run waits at ('approve by ROLE'), as ROLE. The\n"
  "approval is journaled with the role, the login name, the time and the\n"
  "note; 'rbk resume RUN' then continues (an undo run, RUN-undo, goes on with\n"
  "'rbk undo RUN'). --refuse records a refusal, which fails the step when the\n"
  "run resumes.\n"
  "\n"
  "RUN left out is the one run waiting for a person (in RBK_STATE_DIR, else\n"
  "./.rbk; said on standard error); when several wait, they are listed and\n"
  "nothing is recorded (exit 2). The same holds for confirm and answer.\n"
  "\n"
  "When the role names keys (role ROLE \"Person\" key \"ssh-ed25519 ...\"), the\n"
  "answer is signed with ssh-keygen -Y sign (namespace rbk-approval) over the\n"
  "run id, the runbook's source SHA-256, the gate, the answer, the note and\n"
  "the time, and verified against the role's keys before it is journaled; a\n"
  "key the role does not list is refused and nothing is recorded. The key is\n"
  "--key FILE (a private key, or a public key held by ssh-agent), else\n"
  "$RBK_SIGNING_KEY, else ssh-agent (SSH_AUTH_SOCK) with one of the role's\n"
  "keys. Without keys the approval is journaled as unverified. The run's own\n"
  "operator (its RBK_SIGNING_KEY at start, else its login name) may not\n"
  "approve a keyed role's gate unless it says 'approve by ROLE or operator'.\n"
  "\n"
  "Given a runbook FILE.rbk instead of a run, signs the plan itself: its\n"
  "source SHA-256, title, version and steps, with a key of ROLE, appended as\n"
  "one line to FILE.rbk.approvals (text, for review in git). A runbook that\n"
  "says 'require approval by ROLE' starts only when that file holds a valid\n"
  "signature by ROLE over its exact source.\n"
  "\n"
  "Options:\n"
  "  --as ROLE    the role that approves (required)\n"
  "  --key FILE   the key to sign with (see above)\n"
  "  --note TEXT  a note journaled with the approval\n"
  "  --refuse     record a refusal instead\n"
  "  -h, --help   show this text\n"
  "\n"
  "Exit status: 0 recorded; 1 the run waits for something else; 2 usage\n"
  "error or no such run; 4 another process is executing the run; 5 the\n"
  "answer could not be journaled (disk full: free space, then answer again).\n";

const char usage_confirm[] =
  "Usage: rbk confirm [RUN] [--key FILE] [--note TEXT]\n"
  "\n"
  "Confirm the manual step a paused run waits at: the person did it. The\n"
  "confirmation is journaled with who and when; 'rbk resume RUN' continues.\n"
  "RUN left out is the one run waiting for a person (see 'rbk approve').\n"
  "When the step's owner (owner ROLE) names keys, the confirmation is\n"
  "signed and verified as 'rbk approve' does (--key FILE, else\n"
  "$RBK_SIGNING_KEY, else ssh-agent); a key the role does not list is\n"
  "refused and nothing is recorded.\n"
  "\n"
  "Options:\n"
  "  --key FILE   the key that signs (when the step's owner names keys)\n"
  "  --note TEXT  a note journaled with the confirmation\n"
  "  -h, --help   show this text\n"
  "\n"
  "Exit status: as 'rbk approve'.\n";

const char usage_answer[] =
  "Usage: rbk answer [RUN] yes|no [--key FILE] [--note TEXT]\n"
  "       rbk answer [RUN] rerun|skip|done\n"
  "\n"
  "Answer what a paused run waits for: a question ('ask') with yes or no;\n"
  "or an effect in doubt (a command that started but never finished when\n"
  "the run stopped) with rerun (do it again), skip (go on without it) or\n"
  "done (it was done by hand). The answer is journaled with who and when;\n"
  "'rbk resume RUN' continues. RUN left out is the one run waiting for a\n"
  "person (see 'rbk approve'). When the question's step has an owner\n"
  "(owner ROLE) that names keys, yes or no is signed and verified as 'rbk\n"
  "approve' does (--key FILE, else $RBK_SIGNING_KEY, else ssh-agent).\n"
  "\n"
  "Options:\n"
  "  --key FILE   the key that signs yes or no (when the step's owner names keys)\n"
  "  --note TEXT  a note journaled with yes or no\n"
  "  -h, --help   show this text\n"
  "\n"
  "Exit status: as 'rbk approve'.\n";

/* answer_run records one answer. what: "approve", "confirm", "yes", "no", "rerun", "skip", "done". */
static int answer_run(const char *cmd, const char *run, const char *what, const char *as, const char *note,
                      const char *keyfile) {
  char dir[4800], why[1024], src[5000];
  Program *p = NULL;
  Journal j;
  JrnOpenReport rep;
  int lockfd = -1, rc = EXIT_USAGE;
  pid_t holder = 0;
  memset(&j, 0, sizeof j);
  j.fd = -1;
  if (state_find_run(run, dir, sizeof dir, why, sizeof why) != 0) {
    fprintf(stderr, "rbk %s: %s\n", cmd, why);
    return EXIT_USAGE;
  }
  if (jrn_lock(dir, &lockfd, &holder, why, sizeof why) != 0) {
    fprintf(stderr, "rbk %s: run %s is being executed by process %ld; answer at its terminal\n", cmd, run, (long)holder);
    return 4;
  }
  if (jrn_open(&j, dir, 0, &rep, why, sizeof why) != 0) {
    fprintf(stderr, "rbk %s: %s\n", cmd, why);
    goto done;
  }
  /* the run's runbook, for the approving role's keys (a resume checks
  ** them again against the runbook itself) */
  snprintf(src, sizeof src, "%s/source.rbk", dir);
  if (strcmp(what, "rerun") != 0 && strcmp(what, "skip") != 0 && strcmp(what, "done") != 0 && access(src, R_OK) == 0 &&
      !(p = sign_run_program(dir, j.nrecs ? jrn_rec_json(&j.recs[0]) : NULL))) {
    fprintf(stderr, "rbk %s: cannot read the run's runbook %s\n", cmd, src);
    goto done;
  }
  rc = answer_pending(&j, cmd, run, what, as, login_name(), note, p, keyfile);
  if (rc == EXIT_OK) {
    /* an undo run (its first record names the run it undoes) is
    ** continued by 'rbk undo ORIGINAL', not by a resume */
    const Json *of = j.nrecs && jrn_rec_json(&j.recs[0]) ? json_get(jrn_rec_json(&j.recs[0]), "undo_of") : NULL;
    const char *orig = of ? json_str(of, NULL) : NULL;
    if (orig) printf("recorded; 'rbk undo %s' continues the undo\n", orig);
    else printf("recorded; 'rbk resume %s' continues the run\n", run);
  }
done:
  if (p) prog_free(p);
  jrn_close(&j);
  if (rc == EXIT_OK) livepage_refresh(cmd, dir);   /* the live status page shows the answer */
  jrn_unlock(lockfd);
  return rc;
}

/* approve_plan signs the runbook FILE itself (require approval by ROLE). */
static int approve_plan(const char *file, const char *as, const char *note, const char *key, int refuse) {
  char fp[SSHKEY_FP_MAX], why[1200];
  Program *p;
  if (refuse) return cli_usage_error("approve", "--refuse answers a run's gate; a runbook is simply not signed");
  if (note) return cli_usage_error("approve", "--note answers a run's gate; say it in the change record");
  if (!(p = load_program(file))) return EXIT_USAGE;
  if (sign_plan_approve(file, p, as, login_name(), key, fp, why, sizeof why) != 0) {
    fprintf(stderr, "rbk approve: %s: %s\n", file, why);
    prog_free(p);
    return EXIT_FAILED;
  }
  {
    char hex[65];
    sha256_hex(p->src_sha256, hex);
    printf("approved %s (source SHA-256 %s) as %s, signed by key %s; recorded in %s.approvals\n", file, hex, as, fp,
           file);
  }
  prog_free(p);
  return EXIT_OK;
}

/* parse_answer reads the command line of approve, confirm or answer by
** its table: the positional arguments go to pos[0..*npos) (at most max),
** the options to o. Returns 0, -1 after printing help, or EXIT_USAGE. */
typedef struct AnswerOpts {
  const char *as, *note, *key;
  int refuse;
} AnswerOpts;

static int parse_answer(const char *cmd, const char *usage, const CliOpt *opts, int argc, char **argv,
                        AnswerOpts *o, const char **pos, int max, int *npos) {
  CliParser P;
  int c;
  memset(o, 0, sizeof *o);
  *npos = 0;
  cli_parse_init(&P, cmd, usage, opts, argc, argv);
  while ((c = cli_next(&P)) != CLI_END) {
    if (c == CLI_HELP || c == CLI_ERROR) break;
    if (c == O_AS) o->as = P.value;
    else if (c == O_NOTE) o->note = P.value;
    else if (c == O_KEY) o->key = P.value;
    else if (c == O_REFUSE) o->refuse = 1;
    else if (c == CLI_ARG && *npos < max) pos[(*npos)++] = P.value;
    else if (c == CLI_ARG) {
      cli_usage_error(cmd, "unexpected argument '%s'", P.value);
      c = CLI_ERROR;
      break;
    }
  }
  cli_parse_free(&P);
  return c == CLI_END ? 0 : c == CLI_HELP ? -1 : EXIT_USAGE;
}

int cmd_approve(int argc, char **argv) {
  AnswerOpts o;
  const char *pos[1], *run;
  char picked[4096];
  int n, rc = parse_answer("approve", usage_approve, approve_opts, argc, argv, &o, pos, 1, &n);
  if (rc) return rc < 0 ? EXIT_OK : rc;
  if (!o.as) return cli_usage_error("approve", "--as ROLE is required: say which role approves");
  if (n == 0 && cli_pick_run("approve", PICK_WAITING, NULL, picked, sizeof picked) != 0) return EXIT_USAGE;
  run = n == 0 ? picked : pos[0];
  {
    size_t len = strlen(run);
    if (len > 4 && strcmp(run + len - 4, ".rbk") == 0 && access(run, R_OK) == 0)
      return approve_plan(run, o.as, o.note, o.key, o.refuse);
  }
  return answer_run("approve", run, o.refuse ? "refuse" : "approve", o.as, o.note, o.key);
}

int cmd_confirm(int argc, char **argv) {
  AnswerOpts o;
  const char *pos[1];
  char picked[4096];
  int n, rc = parse_answer("confirm", usage_confirm, confirm_opts, argc, argv, &o, pos, 1, &n);
  if (rc) return rc < 0 ? EXIT_OK : rc;
  if (n == 0 && cli_pick_run("confirm", PICK_WAITING, NULL, picked, sizeof picked) != 0) return EXIT_USAGE;
  return answer_run("confirm", n == 0 ? picked : pos[0], "confirm", NULL, o.note, o.key);
}

int cmd_answer(int argc, char **argv) {
  static const char *const ok[] = {"yes", "no", "rerun", "skip", "done", NULL};
  AnswerOpts o;
  const char *pos[2], *ans;
  char picked[4096];
  int i, n, rc = parse_answer("answer", usage_answer, answer_opts, argc, argv, &o, pos, 2, &n);
  if (rc) return rc < 0 ? EXIT_OK : rc;
  if (n == 0) return cli_usage_error("answer", "expected an answer (and the RUN, unless one run waits)");
  ans = pos[n - 1];
  for (i = 0; ok[i] && strcmp(ans, ok[i]) != 0; i++) {}
  if (!ok[i]) return cli_usage_error("answer", "'%s' is not an answer: yes, no, rerun, skip or done", ans);
  if ((o.key || o.note) && i >= 2) return cli_usage_error("answer", "--key and --note go with yes or no");
  if (n == 1 && cli_pick_run("answer", PICK_WAITING, NULL, picked, sizeof picked) != 0) return EXIT_USAGE;
  return answer_run("answer", n == 1 ? picked : pos[0], ans, NULL, o.note, o.key);
}
