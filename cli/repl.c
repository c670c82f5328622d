/*
** repl.c -- `rbk repl [FILE] [--run RUN]`: improvising during a crisis on
** the same VM and journal as the run.
**
** Input is read with GNU readline on a terminal (line editing, history in
** ~/.rbk_history or $RBK_HISTORY, tab completion), or line by line from a
** pipe (no prompts, no colour; the exit status says whether everything
** worked). An input that is not finished (an open brace, an operator at
** the end of a line) asks for another line, as Lua's REPL does. Each
** statement is compiled into the loaded runbook's program and run on its
** VM, journaled as an improvised action with its operator (session.h).
** Meta-commands start with ':' (see usage_repl).
*/
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "../compiler/check.h"
#include "../base/buf.h"
#include "../base/duration.h"
#include "../base/json.h"
#include "../base/mem.h"
#include "cli.h"
#include "params.h"
#include "inspect.h"
#include "runui.h"

const char usage_repl[] =
  "Usage: rbk repl [OPTIONS] [FILE]\n"
  "       rbk repl --run RUN [OPTIONS]\n"
  "\n"
  "Work on a run by hand: when the plan does not fit what is happening, run\n"
  "its steps one at a time, out of order or again, skip one, run an undo\n"
  "block, and type any statement or expression of the language in between.\n"
  "Everything runs on the same VM and journal as 'rbk run', so variables,\n"
  "params and functions of the runbook are there, and every improvised\n"
  "action is journaled with who did it ('rbk log RUN', 'rbk report RUN').\n"
  "\n"
  "With FILE, the REPL continues the runbook's latest unfinished run, or\n"
  "starts a new one (checking the requirements first, as 'rbk run' does).\n"
  "With --run, it continues that run. Without either, it starts a run of an\n"
  "empty runbook, for improvising alone. What a continued run did is\n"
  "replayed from its journal first, quietly: nothing is done twice.\n"
  "\n"
  "An expression prints its value; a statement runs. An unfinished input\n"
  "(an open '{', an operator at the end of the line) asks for more with\n"
  "'...> '. A top-level 'let' makes a session variable.\n"
  "\n"
  "Meta-commands:\n"
  "  :help               this list\n"
  "  :steps              every step with its state\n"
  "  :next               run the next pending step (or continue a waiting one)\n"
  "  :run STEP [again]   run STEP now; a step that completed and is not\n"
  "                      idempotent runs again only once confirmed (or with\n"
  "                      'again')\n"
  "  :skip STEP \"why\"    mark STEP skipped; the reason is required\n"
  "  :retry              run again the step that failed last, or continue the\n"
  "                      one that is waiting or was interrupted\n"
  "  :undo STEP          run STEP's undo block; the step is then undone,\n"
  "                      and :next goes on past it\n"
  "  :approve [ROLE] [\"note\"]  approve the approval a step waits for\n"
  "  :confirm            confirm the manual step a step waits for\n"
  "  :answer yes|no      answer the question a step waits for\n"
  "  :status             the run: id, journal, operator, progress\n"
  "  :log [N]            the last N journal records (default 10)\n"
  "  :vars               the variables and their values (secrets masked)\n"
  "  :plan               the steps with owners and planned durations, and\n"
  "                      the planned time left against the window\n"
  "  :quit               leave (also Ctrl-D); the run stays resumable with\n"
  "                      'rbk resume RUN' unless every step is done\n"
  "\n"
  "Options:\n"
  "  --run RUN           work on this run (an ID or a run directory)\n"
  "  --new               start a new run of FILE even if one is unfinished\n"
  "  --as NAME           who is working (default: the login name); it is\n"
  "                      journaled with every action\n"
  "  --param NAME=VALUE  set a param of a new run (repeatable)\n"
  "  --param-file FILE   set params from a YAML or JSON file, as for rbk run\n"
  "  --key FILE          sign :approve, :confirm and :answer with this key\n"
  "                      when the role names keys (default: $RBK_SIGNING_KEY,\n"
  "                      else ssh-agent)\n"
  "  --status-page FILE  also keep the run's live status page at FILE, as\n"
  "                      'rbk run --status-page' does (status.html in the\n"
  "                      run directory is always kept)\n"
  "  -h, --help          show this text\n"
  "\n"
  "Keys: Tab completes meta-commands, step and role names, variables and\n"
  "functions; inside probe(\"...\") the runbook's probes, inside\n"
  "baseline(\"...\") the recorded baselines, after :answer the answers the\n"
  "waiting gate accepts. Ctrl-C stops the command that is running (its whole\n"
  "process group) and returns to the prompt; at the prompt it clears the line.\n"
  "Ctrl-D at a gate's prompt leaves the question unanswered (a step then\n"
  "waits); later gates still ask. An input that ends in an operator (1 +)\n"
  "is continued on the next line.\n"
  "\n"
  "Environment:\n"
  "  RBK_HISTORY  the history file (default ~/.rbk_history, mode 0600)\n"
  "\n"
  "Exit status:\n"
  "  0    the session ended (on a terminal), or every input worked (piped)\n"
  "  1    piped input: at least one statement or meta-command failed\n"
  "  2    usage error, or the runbook does not compile\n"
  "  4    another process is executing the run\n"
  "  5    the journal could not be written (disk full): the REPL stopped at\n"
  "       once; free space and 'rbk resume RUN' or 'rbk repl --run RUN'\n";

static volatile int interrupted;   /* set by SIGINT, and by SIGHUP */
static volatile int hung_up;       /* SIGHUP: the terminal closed */

static void on_sigint(int sig) {
  if (sig == SIGHUP) hung_up = 1;
  interrupted = 1;
}

typedef struct Repl {
  Session S;
  Term T;                 /* how the session looks on the terminal */
  int tty;                /* readline on a terminal; else lines from a pipe */
  int failures;
  int quit;
  Buf pending;            /* an unfinished input so far */
  char *line;             /* the line readline handed over, or NULL */
  int got_line, eof;
  char history[4096];
  char **cands;           /* completion candidates, gathered once per Tab */
  size_t ncands, icand;
  int waiting;            /* what the waiting step waits for: W_* */
  const char *key;        /* --key FILE: signs :approve, :confirm, :answer for roles with keys */
} Repl;

enum { W_NONE, W_ASK, W_DOUBT, W_OTHER };

/* readline's callbacks take no context argument: this is how they reach
** the session (set once by cmd_repl, for the life of the REPL). */
static Repl *the_repl;

/* ---- output ---------------------------------------------------------- */

static void say(Repl *R, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 2, 3)))
#endif
  ;

static void say(Repl *R, const char *fmt, ...) {
  va_list ap;
  (void)R;
  va_start(ap, fmt);
  vfprintf(stdout, fmt, ap);
  va_end(ap);
  fflush(stdout);
}

static void fail_msg(Repl *R, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 2, 3)))
#endif
  ;

static void fail_msg(Repl *R, const char *fmt, ...) {
  va_list ap;
  fflush(stdout);
  fputs("rbk repl: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  R->failures++;
}

static const char *state_word(const Repl *R, int i) {
  if (R->S.unfinished == i) return "waiting";
  return step_state_name(R->S.steps[i]);
}

/* ---- meta-commands --------------------------------------------------- */

/* word reads the next word of *s (a "quoted string" keeps its spaces). */
static char *word(char **s) {
  char *p = *s, *w;
  while (*p == ' ' || *p == '\t') p++;
  if (!*p) {
    *s = p;
    return NULL;
  }
  if (*p == '"') {
    w = ++p;
    while (*p && *p != '"') p++;
  } else {
    w = p;
    while (*p && *p != ' ' && *p != '\t') p++;
  }
  if (*p) *p++ = '\0';
  *s = p;
  return w;
}

static int need_step(Repl *R, const char *name, const char *cmd) {
  int k;
  uint32_t i;
  if (!name) {
    fail_msg(R, "%s needs a STEP", cmd);
    return -1;
  }
  k = prog_find_step(R->S.p, name);
  if (k >= 0) return k;
  fflush(stdout);
  fprintf(stderr, "rbk repl: no step called '%s'; the steps are:", name);
  for (i = 0; i < R->S.p->nsteps; i++) fprintf(stderr, " %s", R->S.p->steps[i].name);
  fputc('\n', stderr);
  R->failures++;
  return -1;
}

static void after_step(Repl *R, int k, VmResult r) {
  Session *S = &R->S;
  if (r == VM_OK) return;
  if (S->jr.broken) {   /* the REPL stops: reported as it leaves (session_lost) */
    R->failures++;
    return;
  }
  if (r == VM_INTERRUPTED) {
    char why[256];
    /* a hang-up is journaled once, as the session's last record (below) */
    if (!hung_up) jrn_append(&S->jr, "interrupted", "\"signal\":\"INT\",\"at\":\"repl\"", why, sizeof why);
    say(R, "interrupted: step %s stopped; :retry continues it, :skip %s \"why\" gives it up\n", S->p->steps[k].name,
        S->p->steps[k].name);
    R->failures++;
    return;
  }
  if (r == VM_PAUSED && !S->vm.diverged) {
    const char *m = buf_cstr(&S->vm.fail);
    R->waiting = strstr(m, "answer a question") ? W_ASK : strstr(m, "rerun|skip|done") ? W_DOUBT : W_OTHER;
    say(R, "step %s is waiting\n", S->p->steps[k].name);
    term_waiting(&R->T, &S->vm, S->id, 1);
    if (!R->tty) R->failures++;
    return;
  }
  if (S->vm.failed_has_pos || S->vm.fail.n) term_failure(&R->T, &S->vm, "");
  if (r == VM_PAUSED) {
    fail_msg(R, "the runbook no longer matches the journal; leave and start a fresh run (rbk repl FILE --new)");
    if (!R->tty) R->failures++;
    return;
  }
  R->failures++;
}

/* again_ok says whether completed step k may run again: yes for an
** idempotent step or with 'again'; else a person at the terminal is asked,
** and piped input must say ':run STEP again'. */
static int again_ok(Repl *R, int k, int again) {
  char line[64];
  const char *name = R->S.p->steps[k].name;
  if (again || R->S.p->steps[k].idempotent) return 1;
  if (!R->tty) {
    fail_msg(R, "step %s already completed and is not idempotent: ':run %s again' runs it again", name, name);
    return 0;
  }
  say(R, "step %s already completed and is not idempotent. Run it again? [yes/no]: ", name);
  if (!fgets(line, sizeof line, stdin)) {
    clearerr(stdin);
    say(R, "\n");
    return 0;
  }
  line[strcspn(line, "\r\n")] = '\0';
  if (strcmp(line, "yes") == 0 || strcmp(line, "y") == 0) return 1;
  say(R, "not run\n");
  return 0;
}

static void run_one(Repl *R, int k, int again) {
  Session *S = &R->S;
  VmResult r;
  if (S->unfinished >= 0 && S->unfinished != k) {
    fail_msg(R, "step %s has not finished: continue it with :retry (or :next), or give it up with :skip %s \"why\"",
             S->p->steps[S->unfinished].name, S->p->steps[S->unfinished].name);
    return;
  }
  if (S->unfinished != k && (S->steps[k] == STEP_OK || S->steps[k] == STEP_RECOVERED)) {
    if (!again_ok(R, k, again)) return;
    say(R, "note: step %s already completed; running it again\n", S->p->steps[k].name);
  }
  interrupted = 0;
  r = session_step(S, k);
  after_step(R, k, r);
  interrupted = 0;
}

static void show_steps(Repl *R) {
  const Program *p = R->S.p;
  uint32_t i;
  if (!p->nsteps) say(R, "(this runbook has no steps)\n");
  for (i = 0; i < p->nsteps; i++) {
    const StepInfo *st = &p->steps[i];
    say(R, "  %2u  %-11s %s%s%s\n", i + 1, state_word(R, (int)i), st->name,
        st->owner >= 0 ? "  owner " : "", st->owner >= 0 ? p->roles[st->owner].name : "");
  }
}

/* fmt_dur: a duration in the one form (base/duration.h), "-" for none */
static void fmt_dur(double s, char *out, size_t n) {
  Buf b = BUF_INIT;
  if (s < 0) buf_putc(&b, '-');
  else dur_format(&b, s);
  snprintf(out, n, "%s", buf_cstr(&b));
  buf_free(&b);
}

static void show_plan(Repl *R) {
  const Program *p = R->S.p;
  double left = 0, all = 0;
  char a[32], b[32];
  uint32_t i;
  say(R, "%s%s%s\n", p->title, p->version[0] ? " v" : "", p->version);
  say(R, "  %-3s %-24s %-12s %-8s %s\n", "#", "step", "owner", "planned", "state");
  for (i = 0; i < p->nsteps; i++) {
    const StepInfo *st = &p->steps[i];
    int done = R->S.steps[i] == STEP_OK || R->S.steps[i] == STEP_RECOVERED || R->S.steps[i] == STEP_SKIPPED;
    fmt_dur(st->expect, a, sizeof a);
    say(R, "  %-3u %-24s %-12s %-8s %s%s\n", i + 1, st->name, st->owner >= 0 ? p->roles[st->owner].name : "-", a,
        state_word(R, (int)i), st->undo < 0 && st->irreversible ? " (irreversible)" : "");
    if (st->expect > 0) {
      all += st->expect;
      if (!done) left += st->expect;
    }
  }
  fmt_dur(left, a, sizeof a);
  fmt_dur(all, b, sizeof b);
  say(R, "planned time left: %s of %s", a, b);
  if (p->window > 0) {
    fmt_dur(p->window, a, sizeof a);
    say(R, " (window %s)", a);
  }
  say(R, "\n");
}

static void show_vars(Repl *R) {
  const Session *S = &R->S;
  uint32_t i, j;
  for (i = 0; i < S->p->nglobals && i < S->vm.nG; i++) {
    const char *kind = "var";
    int secret = 0;
    Buf m = BUF_INIT;
    for (j = 0; j < S->p->nparams; j++)
      if (strcmp(S->p->params[j].name, S->p->globals[i]) == 0) {
        secret = S->p->params[j].secret;
        kind = secret ? "secret" : "param";
      }
    if (S->vm.G[i].t == V_UNDEF) buf_puts(&m, "(not set yet)");
    else if (secret) buf_puts(&m, "***");
    else vm_show_repr(&S->vm, &S->vm.G[i], &m);
    say(R, "  %-7s %-20s %s\n", kind, S->p->globals[i], buf_cstr(&m));
    buf_free(&m);
  }
  if (!S->p->nglobals) say(R, "(no variables yet)\n");
}

static void show_status(Repl *R) {
  const Session *S = &R->S;
  uint32_t i, done = 0;
  for (i = 0; i < S->p->nsteps; i++)
    if (S->steps[i] == STEP_OK || S->steps[i] == STEP_RECOVERED || S->steps[i] == STEP_SKIPPED) done++;
  say(R, "run       %s\n", S->id);
  say(R, "runbook   %s\n", S->p->title);
  say(R, "journal   %s/journal.jsonl\n", S->dir);
  say(R, "operator  %s\n", S->vm.operator_name);
  say(R, "steps     %u of %u done\n", done, S->p->nsteps);
  if (S->unfinished >= 0) say(R, "waiting   step %s has not finished\n", S->p->steps[S->unfinished].name);
  if (S->last_failed >= 0) say(R, "failed    step %s (:retry runs it again)\n", S->p->steps[S->last_failed].name);
  say(R, "improvised actions this run: %d\n", S->improvised);
}

/* show_log prints the last n records as `rbk log` does. */
static void show_log(Repl *R, int n) {
  RrJournal L;
  if (rr_load(&L, R->S.dir) != 0) {
    Buf why = BUF_INIT;
    rr_problem_text(&L, &why);
    fail_msg(R, "%s/journal.jsonl: %s", R->S.dir, buf_cstr(&why));
    buf_free(&why);
    rr_unload(&L);
    return;
  }
  fflush(stdout);
  inspect_log_text(&L, L.n > (size_t)n ? L.n - (size_t)n : 0, stdout);
  rr_unload(&L);
}

/* answer records what the unfinished step waits for. */
static void answer(Repl *R, const char *what, const char *role, const char *note) {
  Session *S = &R->S;
  if (S->unfinished < 0) {
    fail_msg(R, "no step is waiting for anything");
    return;
  }
  if (session_answer(S, what, role, note, R->key) != EXIT_OK) {
    R->failures++;
    return;
  }
  say(R, "recorded; :next continues step %s\n", S->p->steps[S->unfinished].name);
}

static void help(Repl *R) {
  const char *p = strstr(usage_repl, "Meta-commands:");
  const char *e = strstr(usage_repl, "Options:");
  say(R, "Type a statement or an expression of the rbk language, or:\n%.*s", (int)(e - p - 15), p + 15);
}

static void meta(Repl *R, char *line) {
  Session *S = &R->S;
  char *rest = line + 1;
  char *cmd = word(&rest);
  int k;
  if (!cmd || !*cmd) {
    fail_msg(R, "a meta-command goes after ':' (:help lists them)");
  } else if (strcmp(cmd, "help") == 0 || strcmp(cmd, "h") == 0 || strcmp(cmd, "?") == 0) {
    help(R);
  } else if (strcmp(cmd, "quit") == 0 || strcmp(cmd, "q") == 0 || strcmp(cmd, "exit") == 0) {
    R->quit = 1;
  } else if (strcmp(cmd, "steps") == 0) {
    show_steps(R);
  } else if (strcmp(cmd, "plan") == 0) {
    show_plan(R);
  } else if (strcmp(cmd, "vars") == 0) {
    show_vars(R);
  } else if (strcmp(cmd, "status") == 0) {
    show_status(R);
  } else if (strcmp(cmd, "log") == 0) {
    char *n = word(&rest);
    int cnt = n ? atoi(n) : 10;
    if (cnt <= 0) fail_msg(R, ":log N needs a positive number");
    else show_log(R, cnt);
  } else if (strcmp(cmd, "next") == 0) {
    k = session_next_pending(S);
    if (k < 0) say(R, "every step is done (:steps shows them; :quit ends the run)\n");
    else run_one(R, k, 0);
  } else if (strcmp(cmd, "run") == 0) {
    if ((k = need_step(R, word(&rest), ":run")) >= 0) {
      char *w = word(&rest);
      if (w && strcmp(w, "again") != 0) fail_msg(R, ":run %s: unexpected '%s' (':run STEP again' runs a completed step again)",
                                                 S->p->steps[k].name, w);
      else run_one(R, k, w != NULL);
    }
  } else if (strcmp(cmd, "retry") == 0) {
    k = S->unfinished >= 0 ? S->unfinished : S->last_failed;
    if (k < 0) fail_msg(R, "nothing to retry: no step failed or is waiting");
    else run_one(R, k, 0);
  } else if (strcmp(cmd, "skip") == 0) {
    k = need_step(R, word(&rest), ":skip");
    if (k >= 0) {
      char *why = rest;
      while (*why == ' ' || *why == '\t') why++;
      if (*why == '"') why = word(&rest);
      if (!why || !*why) fail_msg(R, ":skip %s needs a reason: :skip %s \"why\"", S->p->steps[k].name,
                                  S->p->steps[k].name);
      else if (S->unfinished >= 0 && S->unfinished != k)
        fail_msg(R, "step %s has not finished: continue it or skip it first", S->p->steps[S->unfinished].name);
      else if (session_skip(S, k, why) != 0) R->failures++;
      else say(R, "step %s skipped\n", S->p->steps[k].name);
    }
  } else if (strcmp(cmd, "undo") == 0) {
    k = need_step(R, word(&rest), ":undo");
    if (k >= 0 && S->p->steps[k].undo < 0) {
      fail_msg(R, "step %s has no undo block%s%s", S->p->steps[k].name,
               S->p->steps[k].irreversible ? ": it is irreversible: " : "",
               S->p->steps[k].irreversible ? S->p->steps[k].irreversible : "");
    } else if (k >= 0 && S->unfinished >= 0) {
      fail_msg(R, "step %s has not finished: continue it or skip it first", S->p->steps[S->unfinished].name);
    } else if (k >= 0) {
      VmResult r;
      interrupted = 0;
      r = session_undo(S, k);
      if (r != VM_OK) {
        if (S->vm.fail.n) term_failure(&R->T, &S->vm, "undo: ");
        R->failures++;
      } else {
        say(R, "step %s undone\n", S->p->steps[k].name);
      }
      interrupted = 0;
    }
  } else if (strcmp(cmd, "approve") == 0) {
    char *role = word(&rest), *note = word(&rest);
    answer(R, "approve", role, note);
  } else if (strcmp(cmd, "confirm") == 0) {
    answer(R, "confirm", NULL, word(&rest));
  } else if (strcmp(cmd, "answer") == 0) {
    char *a = word(&rest);
    if (!a || (strcmp(a, "yes") && strcmp(a, "no") && strcmp(a, "rerun") && strcmp(a, "skip") && strcmp(a, "done")))
      fail_msg(R, ":answer needs yes, no, rerun, skip or done");
    else answer(R, a, NULL, NULL);
  } else {
    fail_msg(R, "unknown meta-command ':%s' (:help lists them)", cmd);
  }
}

/* ---- statements ------------------------------------------------------ */

/* input handles one line: a meta-command, or part of a statement. */
static void input(Repl *R, const char *line) {
  Session *S = &R->S;
  Value v;
  int r;
  if (R->pending.n == 0) {
    const char *p = line;
    while (*p == ' ' || *p == '\t') p++;
    if (!*p) return;
    if (*p == ':') {
      char *copy = mem_strdup(p);
      meta(R, copy);
      mem_free(copy);
      return;
    }
  }
  buf_puts(&R->pending, line);
  buf_putc(&R->pending, '\n');
  interrupted = 0;
  r = session_improvise(S, buf_cstr(&R->pending), 0, &v);
  if (r < 0) return;   /* unfinished: read more */
  buf_reset(&R->pending);
  if (r == VM_OK) {
    if (v.t != V_NIL) {
      Buf m = BUF_INIT;
      vm_show_repr(&S->vm, &v, &m);
      say(R, "%s\n", buf_cstr(&m));
      buf_free(&m);
    }
    val_release(v);
  } else if (r == VM_INTERRUPTED) {
    say(R, "interrupted\n");
    R->failures++;
  } else {
    if (S->vm.fail.n && S->vm.nframes == 0 && (S->vm.failed_has_pos || S->vm.fail.n))
      term_failure(&R->T, &S->vm, "");
    R->failures++;
  }
  S->vm.fail.n = 0;
  S->vm.detail.n = 0;
  interrupted = 0;
}

/* ---- readline --------------------------------------------------------- */

static const char *const metas[] = {":help", ":steps", ":next", ":run", ":skip", ":retry", ":undo", ":approve",
                                    ":confirm", ":answer", ":status", ":log", ":vars", ":plan", ":quit", NULL};
static const char *const keywords[] = {"let", "if", "else", "for", "in", "run", "verify", "log", "notify", "fail",
                                       "wait", "until", "hold", "manual", "ask", "approve", "by", "fn", "return", "true",
                                       "false", "nil", "and", "or", "not", NULL};

static void cand(Repl *R, const char *s) {
  R->cands = mem_realloc(R->cands, (R->ncands + 1) * sizeof *R->cands);
  R->cands[R->ncands++] = mem_strdup(s);
}

static void drop_cands(Repl *R) {
  size_t i;
  for (i = 0; i < R->ncands; i++) mem_free(R->cands[i]);
  mem_free(R->cands);
  R->cands = NULL;
  R->ncands = R->icand = 0;
}

static char *next_cand(const char *text, int state) {
  Repl *R = the_repl;
  size_t n = strlen(text);
  (void)state;
  while (R->icand < R->ncands) {
    const char *c = R->cands[R->icand++];
    if (strncmp(c, text, n) == 0) {
      size_t len = strlen(c) + 1;
      char *r = malloc(len);   /* readline frees it with free() */
      if (r) memcpy(r, c, len);
      return r;
    }
  }
  return NULL;
}

/* in_call_string says whether the text before start is `fn("` (spaces
** allowed around the parenthesis): completion inside that string. */
static int in_call_string(const char *line, int start, const char *fn) {
  int i = start - 1, n = (int)strlen(fn);
  if (i < 0 || line[i] != '"') return 0;
  for (i--; i >= 0 && line[i] == ' '; i--) {}
  if (i < 0 || line[i] != '(') return 0;
  for (i--; i >= 0 && line[i] == ' '; i--) {}
  if (i + 1 < n || strncmp(line + i + 1 - n, fn, (size_t)n) != 0) return 0;
  i -= n;
  return i < 0 || !(line[i] == '_' || line[i] == '.' || (line[i] >= 'a' && line[i] <= 'z') ||
                    (line[i] >= 'A' && line[i] <= 'Z') || (line[i] >= '0' && line[i] <= '9'));
}

/* baseline_keys offers the names recorded in the state directory's
** baseline store (STATE/baselines.json), if there is one. */
static void baseline_keys(Repl *R) {
  char path[4200], err[128];
  FILE *f;
  Buf b = BUF_INIT;
  char chunk[8192];
  size_t k, i;
  Json *j;
  snprintf(path, sizeof path, "%s/baselines.json", R->S.state);
  if (!(f = fopen(path, "rb"))) return;
  while ((k = fread(chunk, 1, sizeof chunk, f)) > 0 && b.n < (16u << 20)) buf_add(&b, chunk, k);
  fclose(f);
  j = json_parse(b.p ? b.p : "", b.n, err, sizeof err);
  buf_free(&b);
  if (!j) return;
  for (i = 0; i < json_len(j); i++) {
    size_t kl;
    const char *key = json_key(j, i, &kl);
    if (key && kl < 512 && !memchr(key, '\0', kl)) {
      char name[512];
      memcpy(name, key, kl);
      name[kl] = '\0';
      cand(R, name);
    }
  }
  json_free(j);
}

static char **complete(const char *text, int start, int end) {
  Repl *R = the_repl;
  const Program *p = R->S.p;
  const char *lb = rl_line_buffer;
  size_t i;
  (void)end;
  drop_cands(R);
  rl_attempted_completion_over = 1;   /* never fall back to file names */
  rl_completion_append_character = ' ';
  while (*lb == ' ') lb++;
  if (in_call_string(rl_line_buffer, start, "probe") || in_call_string(rl_line_buffer, start, "baseline")) {
    /* inside the string: the runbook's probes, or the recorded baselines;
    ** a completed name closes the string */
    if (in_call_string(rl_line_buffer, start, "probe"))
      for (i = 0; i < p->nprobes; i++) cand(R, p->probes[i].name);
    else baseline_keys(R);
    rl_completion_append_character = '"';
  } else if (strncmp(lb, ":answer ", 8) == 0) {
    /* the answers the waiting gate accepts */
    int w = R->S.unfinished >= 0 ? R->waiting : W_NONE;
    if (w != W_DOUBT) { cand(R, "yes"); cand(R, "no"); }
    if (w != W_ASK) { cand(R, "rerun"); cand(R, "skip"); cand(R, "done"); }
  } else if (lb[0] == ':' && start <= (int)(lb - rl_line_buffer) + 1 && !strchr(lb, ' ')) {
    for (i = 0; metas[i]; i++) cand(R, metas[i] + (text[0] == ':' ? 0 : 1));
  } else if (strncmp(lb, ":run ", 5) == 0 || strncmp(lb, ":skip ", 6) == 0 || strncmp(lb, ":undo ", 6) == 0) {
    for (i = 0; i < p->nsteps; i++) cand(R, p->steps[i].name);
  } else if (strncmp(lb, ":approve ", 9) == 0) {
    for (i = 0; i < p->nroles; i++) cand(R, p->roles[i].name);
  } else {
    const BuiltinSig *b = check_builtins();
    for (i = 0; i < p->nglobals; i++) cand(R, p->globals[i]);
    for (i = 0; i < p->nprotos; i++)
      if (strncmp(p->protos[i]->name, "fn ", 3) == 0) cand(R, p->protos[i]->name + 3);
    for (i = 0; b[i].name; i++) cand(R, b[i].name);
    for (i = 0; i < p->nroles; i++) cand(R, p->roles[i].name);
    for (i = 0; i < p->nsteps; i++) cand(R, p->steps[i].name);
    for (i = 0; keywords[i]; i++) cand(R, keywords[i]);
  }
  return rl_completion_matches(text, next_cand);
}

static void on_line(char *line) {
  Repl *R = the_repl;
  R->got_line = 1;
  R->line = line;
  if (!line) R->eof = 1;
  /* Give the terminal back while the input runs: commands, gates and
  ** Ctrl-C then behave as they do outside readline. */
  rl_callback_handler_remove();
}

static void open_history(Repl *R) {
  const char *h = getenv("RBK_HISTORY"), *home = getenv("HOME");
  int fd;
  if (h && *h) snprintf(R->history, sizeof R->history, "%s", h);
  else snprintf(R->history, sizeof R->history, "%s/.rbk_history", home && *home ? home : ".");
  fd = open(R->history, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    fprintf(stderr, "rbk repl: history file %s: %s (history is not kept)\n", R->history, strerror(errno));
    R->history[0] = '\0';
    return;
  }
  if (fchmod(fd, 0600) != 0) { /* keep going: the file is still ours */ }
  close(fd);
  using_history();
  read_history(R->history);
}

static void remember(Repl *R, const char *entry) {
  char *e = mem_strdup(entry), *p;
  for (p = e; *p; p++)
    if (*p == '\n') *p = ' ';
  while (p > e && p[-1] == ' ') *--p = '\0';
  if (*e) {
    add_history(e);
    if (R->history[0]) append_history(1, R->history);
  }
  mem_free(e);
}

static int loop_tty(Repl *R) {
  Buf entry = BUF_INIT;
  rl_readline_name = "rbk";
  rl_attempted_completion_function = complete;
  rl_catch_signals = 0;   /* Ctrl-C is ours: see below */
  open_history(R);
  while (!R->quit && !hung_up) {
    fd_set fds;
    const char *prompt = R->pending.n ? "...> " : "rbk> ";
    R->got_line = 0;
    R->line = NULL;
    rl_callback_handler_install(prompt, on_line);
    while (!R->got_line) {
      FD_ZERO(&fds);
      FD_SET(fileno(rl_instream), &fds);
      if (select(fileno(rl_instream) + 1, &fds, NULL, NULL, NULL) < 0) {
        if (errno != EINTR) break;
        if (hung_up) break;   /* the terminal is gone */
        if (interrupted) {
          /* Ctrl-C at the prompt: drop the line (and any unfinished
          ** input), as a shell does. */
          interrupted = 0;
          buf_reset(&R->pending);
          buf_reset(&entry);
          rl_free_line_state();
          rl_replace_line("", 0);
          rl_crlf();
          rl_callback_handler_remove();
          rl_callback_handler_install("rbk> ", on_line);
        }
        continue;
      }
      rl_callback_read_char();
    }
    if (!R->got_line) {
      rl_callback_handler_remove();
      break;
    }
    if (hung_up) {
      free(R->line);
      R->line = NULL;
      break;
    }
    if (R->eof) {
      say(R, "\n");
      break;
    }
    if (entry.n) buf_putc(&entry, '\n');
    buf_puts(&entry, R->line);
    input(R, R->line);
    if (R->S.jr.broken) R->quit = 1;   /* the journal failed: stop at once */
    if (!R->pending.n) {
      remember(R, buf_cstr(&entry));
      buf_reset(&entry);
    }
    free(R->line);
    R->line = NULL;
  }
  if (R->history[0]) history_truncate_file(R->history, 1000);
  buf_free(&entry);
  return 0;
}

static int loop_pipe(Repl *R) {
  Buf line = BUF_INIT;
  int c;
  for (;;) {
    c = getchar();
    if (c != EOF && c != '\n') {
      buf_putc(&line, (char)c);
      continue;
    }
    if (c == EOF && !line.n) break;
    input(R, buf_cstr(&line));
    buf_reset(&line);
    if (R->S.jr.broken) R->quit = 1;   /* the journal failed: stop at once */
    if (R->quit || c == EOF) break;
  }
  buf_free(&line);
  if (R->pending.n) {
    fail_msg(R, "the input ended inside an unfinished statement:\n%s", buf_cstr(&R->pending));
  }
  return 0;
}

/* improvised_in_doubt says, on reopening a run, which improvised inputs
** never ended (the REPL that ran them died): what was typed, by whom and
** when, and the commands they had started, which may still be running. */
static void improvised_in_doubt(Repl *R) {
  const Journal *J = &R->S.jr;
  size_t i, k;
  for (i = 0; i < J->nrecs; i++) {
    const Json *r = jrn_rec_json(&J->recs[i]);
    double id;
    int ok = 0, ended = 0;
    if (strcmp(J->recs[i].type, "improvised_start") != 0) continue;
    id = json_num(json_get(r, "id"), &ok);
    if (!ok) continue;
    for (k = i + 1; k < J->nrecs && !ended; k++) {
      int ok2 = 0;
      if (strcmp(J->recs[k].type, "improvised_end") == 0 && json_num(json_get(jrn_rec_json(&J->recs[k]), "id"), &ok2) == id && ok2)
        ended = 1;
    }
    if (ended) continue;
    {
      const char *in = json_str(json_get(r, "input"), NULL), *op = json_str(json_get(r, "operator"), NULL);
      const char *when = json_str(json_get(r, "time"), NULL);
      Buf b = BUF_INIT, m = BUF_INIT;
      if (in) {
        buf_puts(&b, in);
        vm_redact(&R->S.vm, b.p, b.n, &m);
      }
      say(R, "in doubt: improvised input #%d, typed by %s at %s, never ended (its REPL stopped):\n  %s\n", (int)id,
          op ? op : "?", when ? when : "?", m.n ? buf_cstr(&m) : "?");
      for (k = i + 1; k < J->nrecs; k++) {
        const Json *e = jrn_rec_json(&J->recs[k]);
        const char *what = json_str(json_get(e, "what"), NULL);
        if (strcmp(J->recs[k].type, "improvised_start") == 0 || strcmp(J->recs[k].type, "repl_start") == 0 ||
            strcmp(J->recs[k].type, "resume") == 0)
          break;
        if (strcmp(J->recs[k].type, "effect_start") == 0 && json_get(e, "lane") && what) {
          buf_reset(&b);
          buf_reset(&m);
          buf_puts(&b, what);
          vm_redact(&R->S.vm, b.p, b.n, &m);
          say(R, "  it had started: %s -- its process group may still be running; check before going on\n",
              buf_cstr(&m));
        }
      }
      buf_free(&b);
      buf_free(&m);
    }
  }
}

/* ---- the command ------------------------------------------------------ */

/* The options of repl (its usage says them in full). */
enum { O_RUN = 1, O_AS, O_NEW, O_PARAM, O_KEY, O_PARAM_FILE, O_STATUS_PAGE };
static const CliOpt repl_opts[] = {
  {"run", 0, O_RUN, "RUN", "work on an existing run"},
  {"new", 0, O_NEW, NULL, "start a fresh run"},
  {"as", 0, O_AS, "NAME", "who is working"},
  {"param", 0, O_PARAM, "NAME=VALUE", "set a param (repeatable)"},
  {"param-file", 0, O_PARAM_FILE, "FILE", "set params from a YAML or JSON file"},
  {"key", 0, O_KEY, "FILE", "the key that signs :approve, :confirm and :answer"},
  {"status-page", 0, O_STATUS_PAGE, "FILE", "also keep the live status page at FILE"},
  {NULL, 0, 0, NULL, NULL},
};

int cmd_repl(int argc, char **argv) {
  Repl R;
  RunArgs a;
  const char *run = NULL;
  char *owned = NULL;
  struct sigaction sa;
  CliParser P;
  ParamFile pf;
  int c, rc;
  memset(&a, 0, sizeof a);
  memset(&R, 0, sizeof R);
  memset(&pf, 0, sizeof pf);
  a.keys = mem_calloc(((size_t)argc + 64) * sizeof(char *));
  a.vals = mem_calloc(((size_t)argc + 64) * sizeof(char *));
  rc = EXIT_USAGE;
  cli_parse_init(&P, "repl", usage_repl, repl_opts, argc, argv);
  while ((c = cli_next(&P)) != CLI_END) {
    char *v = (char *)(uintptr_t)P.value, *eq;
    if (c == CLI_HELP || c == CLI_ERROR) break;
    if (c == O_RUN) {
      run = v;
    } else if (c == O_AS) {
      a.as = v;
    } else if (c == O_KEY) {
      R.key = v;
    } else if (c == O_STATUS_PAGE) {
      a.status_page = v;
    } else if (c == O_NEW) {
      a.new_run = 1;
    } else if (c == O_PARAM) {
      eq = strchr(v, '=');
      if (!eq || eq == v) {
        cli_usage_error("repl", "--param needs NAME=VALUE, got '%s'", v);
        break;
      }
      *eq = '\0';
      a.keys[a.nkv] = v;
      a.vals[a.nkv++] = eq + 1;
    } else if (c == O_PARAM_FILE) {
      if (cli_param_file("repl", &pf, v) != 0) break;
    } else if (c == CLI_ARG && a.file) {
      cli_usage_error("repl", "one FILE at a time (got '%s' and '%s')", a.file, v);
      break;
    } else if (c == CLI_ARG) {
      a.file = v;
    }
  }
  cli_parse_free(&P);
  if (c != CLI_END) {
    rc = c == CLI_HELP ? EXIT_OK : EXIT_USAGE;
    goto out;
  }
  if (run && a.file) {
    rc = cli_usage_error("repl", "give FILE or --run RUN, not both");
    goto out;
  }
  if (pf.path) {   /* the file's params first, so that a --param of the same name wins */
    const char **jk, **jv;
    cli_params_join(&pf, a.keys, a.vals, &a.nkv, argc + 64, &jk, &jv);
  mem_free(a.keys);
    mem_free(a.vals);
    a.keys = jk;
    a.vals = jv;
  }
  if (run && (rc = session_locate("repl", run, &a, &owned)) != 0) goto out;
  the_repl = &R;
  R.tty = isatty(0) && isatty(1);
  if ((rc = runui_load(&R.S, &R.T, "repl", &a)) != 0) goto done;
  if ((rc = cli_params_check_program(&pf, R.S.p)) != 0) goto done;
  R.S.vm.interrupt = &interrupted;
  if ((rc = session_open(&R.S, &a)) != 0) goto done;
  if (R.S.finished) {
    fprintf(stderr, "rbk repl: run %s has finished (%s); 'rbk repl FILE --new' starts a new one\n", R.S.id,
            R.S.end_state ? R.S.end_state : "?");
    rc = EXIT_FAILED;
    goto done;
  }
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);   /* the terminal closed: journaled, the session left */
  {
    Buf f = BUF_INIT;
    buf_puts(&f, "\"operator\":");
    json_put_str(&f, R.S.vm.operator_name, strlen(R.S.vm.operator_name));
    buf_printf(&f, ",\"pid\":%ld", (long)getpid());
    if (fx_record(&R.S.vm, "repl_start", NULL, buf_cstr(&f)) != 0) {
      buf_free(&f);
      rc = session_lost(&R.S);
      goto done;
    }
    buf_free(&f);
  }
  say(&R, "%s run %s (journal %s/journal.jsonl)\n", R.S.is_new ? "new" : "continuing", R.S.id, R.S.dir);
  if (run_params(&R.S.vm, &R.S.o) != VM_OK) {
    term_failure(&R.T, &R.S.vm, "");
    rc = R.S.jr.broken ? session_lost(&R.S) : EXIT_USAGE;
    goto done;
  }
  if (R.S.is_new) {
    VmResult r = run_requirements(&R.S.vm, &R.S.hooks);
    if (r != VM_OK && !R.S.jr.broken) {   /* a broken journal is reported below */
      /* A check that stopped part way (a question with no one to answer
      ** it) leaves its effect unfinished: the steps' effects come after it. */
      fx_abandon(&R.S.fx);
      R.S.vm.paused = 0;
      term_failure(&R.T, &R.S.vm, "requirement: ");
      say(&R, "a requirement failed: the steps may not be safe to run (see above)\n");
      R.failures++;
    }
  } else {
    VmResult r = session_replay(&R.S, REPLAY_STOP_BEFORE_UNFINISHED, 1);
    if (r == VM_PAUSED && R.S.vm.diverged) {
      term_failure(&R.T, &R.S.vm, "");
      fprintf(stderr, "rbk repl: the runbook no longer matches run %s; start a new run with --new\n", R.S.id);
      rc = EXIT_USAGE;
      goto done;
    }
    if (R.S.fx.replayed) say(&R, "(%llu effects replayed from the journal)\n", (unsigned long long)R.S.fx.replayed);
    improvised_in_doubt(&R);
    if (R.S.unfinished >= 0) say(&R, "step %s has not finished: :next continues it\n",
                                 R.S.p->steps[R.S.unfinished].name);
  }
  if (R.S.jr.broken) {
    rc = session_lost(&R.S);
    goto done;
  }
  R.S.vm.fail.n = 0;
  if (R.tty) say(&R, "%s: %u steps. :help lists the commands; Ctrl-D or :quit leaves.\n", R.S.p->title,
                 R.S.p->nsteps);
  rc = R.tty ? loop_tty(&R) : loop_pipe(&R);
  if (R.S.jr.broken) {   /* nothing more is written: no repl_end, no run_end */
    rc = session_lost(&R.S);
    goto done;
  }
  {
    char f[96], why[256];
    snprintf(f, sizeof f, "\"improvised\":%d", R.S.improvised);
    if (jrn_append(&R.S.jr, "repl_end", f, why, sizeof why) != 0) {
      rc = session_lost(&R.S);
      goto done;
    }
    /* A hang-up leaves the run interrupted, resumable, as Ctrl-C does. */
    if (hung_up && jrn_append(&R.S.jr, "interrupted", "\"signal\":\"HUP\",\"at\":\"repl\"", why, sizeof why) != 0) {
      rc = session_lost(&R.S);
      goto done;
    }
  }
  if (R.S.p->nsteps && session_all_done(&R.S)) {
    if (session_end(&R.S, 1) != 0) {
      rc = session_lost(&R.S);
      goto done;
    }
    say(&R, "every step is done: run %s has ended\n", R.S.id);
  } else {
    say(&R, "run %s stays open: 'rbk resume %s' or 'rbk repl --run %s' continues it\n", R.S.id, R.S.id, R.S.id);
  }
  rc = !R.tty && R.failures ? EXIT_FAILED : EXIT_OK;
  {   /* the records not synced yet: a failure to sync them is a failure to write them */
    char why[JRN_PATH_MAX + 256];
    if (jrn_sync(&R.S.jr, why, sizeof why) != 0) rc = session_lost(&R.S);
  }
done:
  buf_free(&R.pending);
  session_close(&R.S);
out:
  drop_cands(&R);
  the_repl = NULL;
  mem_free(owned);
  paramfile_free(&pf);
  mem_free(a.keys);
  mem_free(a.vals);
  return rc;
}
