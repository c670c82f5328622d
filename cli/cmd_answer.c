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

#include "../vm/journal.h"
#include "../vm/json.h"
#include "../vm/mem.h"
#include "answer.h"
#include "cli.h"
#include "runctl.h"
#include "state.h"

const char usage_approve[] =
  "Usage: rbk approve RUN --as ROLE [--note TEXT] [--refuse]\n"
  "\n"
  "Approve the gate a paused run waits at ('approve by ROLE'), as ROLE. The\n"
  "approval is journaled with the role, the login name, the time and the\n"
  "note; 'rbk resume RUN' then continues. --refuse records a refusal, which\n"
  "fails the step when the run resumes.\n"
  "\n"
  "Exit status: 0 recorded; 1 the run waits for something else; 2 usage\n"
  "error or no such run; 4 another process is executing the run; 5 the\n"
  "answer could not be journaled (disk full: free space, then answer again).\n";

const char usage_confirm[] =
  "Usage: rbk confirm RUN [--note TEXT]\n"
  "\n"
  "Confirm the manual step a paused run waits at: the person did it. The\n"
  "confirmation is journaled with who and when; 'rbk resume RUN' continues.\n"
  "\n"
  "Exit status: as 'rbk approve'.\n";

const char usage_answer[] =
  "Usage: rbk answer RUN yes|no\n"
  "       rbk answer RUN rerun|skip|done\n"
  "\n"
  "Answer what a paused run waits for: a question ('ask') with yes or no;\n"
  "or an effect in doubt (a command that started but never finished when\n"
  "the run stopped) with rerun (do it again), skip (go on without it) or\n"
  "done (it was done by hand). The answer is journaled with who and when;\n"
  "'rbk resume RUN' continues.\n"
  "\n"
  "Exit status: as 'rbk approve'.\n";

/* What the run waits for: the last gate_wait or in-doubt pause whose
** effect has no effect_end (or decision) yet. */
typedef struct Pending {
  long long n;
  const char *kind;   /* "gate" or "doubt" */
  const char *gate;   /* manual, ask, approve */
  const char *role;
} Pending;

static int find_pending(const Journal *j, Pending *pd) {
  size_t i, k;
  memset(pd, 0, sizeof *pd);
  pd->n = -1;
  for (i = 0; i < j->nrecs; i++) {
    const Json *r = j->recs[i].json;
    int ok;
    double n = json_num(json_get(r, "n"), &ok);
    int done = 0;
    if (!ok) continue;
    if (json_get(r, "lane")) continue;   /* the REPL's own effects never wait for an answer */
    if (strcmp(j->recs[i].type, "gate_wait") != 0 &&
        !(strcmp(j->recs[i].type, "paused") == 0 && json_get(r, "n")))
      continue;
    for (k = i + 1; k < j->nrecs; k++) {
      double m = json_num(json_get(j->recs[k].json, "n"), &ok);
      if (ok && m == n && !json_get(j->recs[k].json, "lane") && (strcmp(j->recs[k].type, "effect_end") == 0 || strcmp(j->recs[k].type, "decision") == 0))
        done = 1;
    }
    if (done) continue;
    pd->n = (long long)n;
    pd->kind = strcmp(j->recs[i].type, "gate_wait") == 0 ? "gate" : "doubt";
    pd->gate = json_str(json_get(r, "gate"), NULL);
    pd->role = json_str(json_get(r, "role"), NULL);
  }
  return pd->n >= 0 ? 0 : -1;
}

/* answer_lost reports an answer that could not be journaled: it may or
** may not be on disk, so the person looks before answering again. */
static int answer_lost(const char *cmd, const Journal *j, const char *run) {
  char next[5200];
  snprintf(next, sizeof next, "'rbk status %s' says whether the run still waits; if so, answer again", run);
  return journal_lost(cmd, j, next);
}

int answer_pending(Journal *j, const char *cmd, const char *run, const char *what, const char *as, const char *by,
                   const char *note) {
  char why[1024];
  Pending pd;
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
      if (!pd.role || !as || strcmp(pd.role, as) != 0) {
        fprintf(stderr, "rbk %s: run %s waits for approval by %s, not by %s\n", cmd, run, pd.role ? pd.role : "?",
                as ? as : "?");
        goto done;
      }
      yes = strcmp(what, "approve") == 0;
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
    if (jrn_append(j, "effect_end", buf_cstr(&f), why, sizeof why) != 0) {
      rc = answer_lost(cmd, j, run);
      goto done;
    }
  }
  rc = EXIT_OK;
done:
  buf_free(&f);
  return rc;
}

/* answer_run records one answer. what: "approve", "confirm", "yes", "no", "rerun", "skip", "done". */
static int answer_run(const char *cmd, const char *run, const char *what, const char *as, const char *note) {
  char dir[4800], why[1024];
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
  rc = answer_pending(&j, cmd, run, what, as, login_name(), note);
  if (rc == EXIT_OK) printf("recorded; 'rbk resume %s' continues the run\n", run);
done:
  jrn_close(&j);
  jrn_unlock(lockfd);
  return rc;
}

int cmd_approve(int argc, char **argv) {
  const char *run = NULL, *as = NULL, *note = NULL;
  int i, refuse = 0;
  for (i = 1; i < argc; i++) {
    if (cli_is_help(argv[i])) { fputs(usage_approve, stdout); return EXIT_OK; }
    if ((strcmp(argv[i], "--as") == 0 || strcmp(argv[i], "--note") == 0) && i + 1 < argc) {
      if (argv[i][2] == 'a') as = argv[++i];
      else note = argv[++i];
    } else if (strcmp(argv[i], "--refuse") == 0) {
      refuse = 1;
    } else if (argv[i][0] == '-') {
      return cli_usage_error("approve", "unknown option '%s'", argv[i]);
    } else if (run) {
      return cli_usage_error("approve", "one RUN at a time");
    } else {
      run = argv[i];
    }
  }
  if (!run) return cli_usage_error("approve", "no RUN given");
  if (!as) return cli_usage_error("approve", "--as ROLE is required: say which role approves");
  return answer_run("approve", run, refuse ? "refuse" : "approve", as, note);
}

int cmd_confirm(int argc, char **argv) {
  const char *run = NULL, *note = NULL;
  int i;
  for (i = 1; i < argc; i++) {
    if (cli_is_help(argv[i])) { fputs(usage_confirm, stdout); return EXIT_OK; }
    if (strcmp(argv[i], "--note") == 0 && i + 1 < argc) note = argv[++i];
    else if (argv[i][0] == '-') return cli_usage_error("confirm", "unknown option '%s'", argv[i]);
    else if (run) return cli_usage_error("confirm", "one RUN at a time");
    else run = argv[i];
  }
  if (!run) return cli_usage_error("confirm", "no RUN given");
  return answer_run("confirm", run, "confirm", NULL, note);
}

int cmd_answer(int argc, char **argv) {
  static const char *const ok[] = {"yes", "no", "rerun", "skip", "done", NULL};
  int i;
  for (i = 1; i < argc; i++)
    if (cli_is_help(argv[i])) { fputs(usage_answer, stdout); return EXIT_OK; }
  if (argc != 3) return cli_usage_error("answer", "expected RUN and an answer");
  for (i = 0; ok[i]; i++)
    if (strcmp(argv[2], ok[i]) == 0) return answer_run("answer", argv[1], argv[2], NULL, NULL);
  return cli_usage_error("answer", "'%s' is not an answer: yes, no, rerun, skip or done", argv[2]);
}
