/*
** status_page.c -- the live status page of a run (status_page.h), made
** from its journal through the post-run report's model (report.h) and
** written with the HTML writer of plan and report (docw.h).
*/
#include "status_page.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "../base/mem.h"
#include "../base/version.h"
#include "../vm/value.h"
#include "docw.h"
#include "report.h"

/* The page's own style, after docw's: a state banner and its colours. */
static const char page_css[] =
  "<style>"
  ".banner{font-size:1.25em;font-weight:bold;padding:.5em .8em;border-radius:6px;margin:.8em 0;"
  "background:#eef2f6;border-left:6px solid #57606a}"
  ".banner.running{background:#e8f1fd;border-color:#0969da}"
  ".banner.waiting{background:#fff4d6;border-color:#bf8700}"
  ".banner.succeeded{background:#e6f4ea;border-color:#1a7f37}"
  ".banner.failed,.banner.damaged{background:#fdecea;border-color:#cf222e}"
  ".banner.interrupted{background:#fbefe3;border-color:#bc4c00}"
  ".live{color:#57606a}"
  "pre.unblock{background:#1b1f23;color:#f6f8fa;padding:.6em .8em;border-radius:6px;"
  "font:13px/1.5 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap}"
  "tr.running td{background:#e8f1fd}tr.waiting td{background:#fff4d6}"
  "tr.ok td,tr.passed td,tr.succeeded td{background:#f3faf5}"
  "tr.interrupted td{background:#fbefe3}"
  "</style>\n";

/* The run as the page shows it. */
typedef struct Page {
  const RrJournal *L;
  const char *dir;
  const StatusPageOpts *o;
  Report r;
  int have_report;
  const RrInfo *I;
  int state;            /* RR_S_*, after 'leaving' */
  const char *word;     /* the state in one word */
  long long now_ms;     /* when the page is written (the last record's time once the run ended) */
  long long start_ms;   /* when the run started; 0 if unknown */
  int ended;            /* run_end: the page stops reloading */
} Page;

static long long wall_ms(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* put_utc appends a journal time as "YYYY-MM-DD HH:MM:SS UTC". */
static void put_utc(Buf *b, const char *time) {
  if (!time || strlen(time) < 19) buf_puts(b, "-");
  else buf_printf(b, "%.10s %.8s UTC", time, time + 11);
}

static void put_ms_utc(Buf *b, long long ms) {
  time_t t = (time_t)(ms / 1000);
  struct tm tm;
  gmtime_r(&t, &tm);
  buf_printf(b, "%04d-%02d-%02d %02d:%02d:%02d UTC", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec);
}

/* put_clean appends journal text for a cell: control characters as
** spaces, at most max bytes (rr_put_cstr). */
static void put_clean(Buf *b, const char *s, size_t max) { rr_put_cstr(b, s ? s : "", max); }

/* ---- the parts -------------------------------------------------------- */

/* current_step is the index in r.steps of the step running now (or where
** the run waits, or was interrupted), or -1. */
static int current_step(const Page *P) {
  size_t i;
  int at = -1;
  if (!P->have_report) return -1;
  for (i = 0; i < P->r.nsteps; i++)   /* running, or cut short where the run stopped */
    if (strcmp(P->r.steps[i].state, "running") == 0 || strcmp(P->r.steps[i].state, "interrupted") == 0) at = (int)i;
  return at;
}

/* last_step_start finds the time of the last step_start of step name (ms), or 0. */
static long long last_step_start(const Page *P, const char *name) {
  size_t i = P->L->n;
  long long ms = 0;
  while (i-- > 0) {
    const Json *r = P->L->rec[i];
    if (strcmp(P->L->type[i], "step_start") == 0 && rr_str(r, "step") && strcmp(rr_str(r, "step"), name) == 0) {
      rr_parse_time(rr_str(r, "time"), &ms);
      break;
    }
  }
  return ms;
}

/* hosts_now appends the hosts of step name that started and have not ended. */
static void hosts_now(const Page *P, const char *name, Buf *b) {
  size_t i, k, n = 0;
  const char **open = mem_calloc((P->L->n + 1) * sizeof *open);
  for (i = 0; i < P->L->n; i++) {
    const Json *r = P->L->rec[i];
    const char *t = P->L->type[i], *s, *h;
    if (strncmp(t, "host_", 5) != 0) continue;   /* the type first: most records are effects */
    s = rr_str(r, "step"), h = rr_str(r, "host");
    if (!s || !h || strcmp(s, name) != 0) continue;
    if (strcmp(t, "host_start") == 0) {
      for (k = 0; k < n && strcmp(open[k], h) != 0; k++) {}
      if (k == n) open[n++] = h;
    } else if (strcmp(t, "host_end") == 0) {
      for (k = 0; k < n; k++)
        if (strcmp(open[k], h) == 0) {
          memmove(&open[k], &open[k + 1], (n - k - 1) * sizeof *open);
          n--;
          break;
        }
    }
  }
  for (k = 0; k < n && k < 20; k++) {
    if (k) buf_puts(b, ", ");
    put_clean(b, open[k], 100);
  }
  if (n > 20) buf_printf(b, " and %zu more", n - 20);
  mem_free(open);
}

/* against appends "ACTUAL of planned P" with what is known of the plan. */
static void against(Buf *b, double actual, int has_plan, double planned, const char *planned_word) {
  val_fmt_duration(actual, b);
  if (has_plan) {
    buf_printf(b, " of %s ", planned_word);
    val_fmt_duration(planned, b);
    if (actual > planned) buf_puts(b, " (over)");
  }
}

static void section_now(DocW *w, Page *P) {
  static const char *const h[] = {"What", "Now"};
  DwRow row;
  int cur = current_step(P);
  double run_secs = P->start_ms && P->now_ms >= P->start_ms ? (double)(P->now_ms - P->start_ms) / 1000 : 0;
  memset(&row, 0, sizeof row);
  dw_heading(w, 2, "now", "Now");
  dw_table(w, "now-table", 2, h);
  buf_puts(&row.c[0], "Current step");
  if (cur >= 0) {
    const RepStep *s = &P->r.steps[cur];
    const PlanStep *ps = P->r.has_plan ? plan_step(&P->r.plan, s->name) : NULL;
    long long at = last_step_start(P, s->name);
    buf_printf(&row.c[1], "%d of %zu: ", s->number, P->r.nsteps);
    dw_code(&row.c[1], s->name);
    if (s->title && strcmp(s->title, s->name) != 0) {
      buf_puts(&row.c[1], " (");
      put_clean(&row.c[1], s->title, 200);
      buf_putc(&row.c[1], ')');
    }
    if (s->owner) {
      buf_puts(&row.c[1], ", owner ");
      put_clean(&row.c[1], s->owner, 60);
    }
    dw_row_put(w, &row, "running", 2);
    if (ps && ps->targeting) {
      buf_puts(&row.c[0], "Hosts now");
      hosts_now(P, s->name, &row.c[1]);
      if (!row.c[1].n) buf_puts(&row.c[1], "none at the moment");
      buf_puts(&row.c[1], " (");
      put_clean(&row.c[1], ps->targeting, 200);
      buf_putc(&row.c[1], ')');
      dw_row_put(w, &row, NULL, 2);
    }
    buf_puts(&row.c[0], "In this step");
    if (at && P->now_ms >= at) {
      against(&row.c[1], (double)(P->now_ms - at) / 1000, s->has_plan, s->planned, "expected");
      if (ps && ps->has_timeout) {
        buf_puts(&row.c[1], ", timeout ");
        val_fmt_duration(ps->timeout, &row.c[1]);
      }
      buf_puts(&row.c[1], " (since ");
      put_ms_utc(&row.c[1], at);
      buf_putc(&row.c[1], ')');
    } else {
      buf_puts(&row.c[1], "-");
    }
    dw_row_put(w, &row, NULL, 2);
  } else {
    buf_puts(&row.c[1], P->ended ? "none: the run has ended" : "none");
    dw_row_put(w, &row, NULL, 2);
  }
  buf_puts(&row.c[0], "Run elapsed");
  if (P->start_ms) {
    double planned = P->have_report ? P->r.planned_total : 0;
    against(&row.c[1], run_secs, P->have_report && P->r.has_plan && planned > 0, planned, "planned");
  } else {
    buf_puts(&row.c[1], "-");
  }
  dw_row_put(w, &row, NULL, 2);
  if (P->have_report && P->r.has_plan && P->r.plan.has_window) {
    buf_puts(&row.c[0], "Window");
    val_fmt_duration(P->r.plan.window, &row.c[1]);
    if (P->start_ms && !P->ended) {
      double left = P->r.plan.window - run_secs;
      if (left >= 0) {
        buf_puts(&row.c[1], ", ");
        val_fmt_duration(left, &row.c[1]);
        buf_puts(&row.c[1], " left");
      } else {
        buf_puts(&row.c[1], ", overrun by ");
        val_fmt_duration(-left, &row.c[1]);
      }
    }
    dw_row_put(w, &row, run_secs > P->r.plan.window ? "fail" : NULL, 2);
  }
  dw_table_end(w);
  dw_row_free(&row);
}

/* gate_at_terminal finds a gate begun and not ended in a live run: one
** the operator is asked at the terminal. */
static const Json *gate_at_terminal(const Page *P) {
  size_t i, k;
  const Json *g = NULL;
  for (i = 0; i < P->L->n; i++) {
    const Json *r = P->L->rec[i];
    const char *t = P->L->type[i];
    if (strcmp(t, "effect_start") == 0 && rr_str(r, "kind") && strcmp(rr_str(r, "kind"), "gate") == 0 &&
        !json_get(r, "lane")) {
      long long n, m;
      int open = rr_int(r, "n", &n);
      for (k = i + 1; open && k < P->L->n; k++) {
        const Json *e = P->L->rec[k];
        if ((strcmp(P->L->type[k], "effect_end") == 0 || strcmp(P->L->type[k], "gate_wait") == 0) &&
            !json_get(e, "lane") && rr_int(e, "n", &m) && m == n)
          open = 0;
      }
      g = open ? r : NULL;
    }
  }
  return g;
}

static void section_waiting(DocW *w, Page *P) {
  const RrInfo *I = P->I;
  Buf t = BUF_INIT, cmds = BUF_INIT;
  const char *ref = P->o->ref;
  if (P->state == RR_S_RUNNING) {
    const Json *g = gate_at_terminal(P);
    if (g) {
      dw_heading(w, 2, "waiting", "Waiting for");
      buf_puts(&t, "The operator ");
      put_clean(&t, I->operator_name ? I->operator_name : "", 60);
      buf_puts(&t, " is asked at the terminal: ");
      put_clean(&t, rr_str(g, "what"), 500);
      dw_para(w, buf_cstr(&t));
    }
    buf_free(&t);
    return;
  }
  if (P->state != RR_S_WAITING && P->state != RR_S_INTERRUPTED) return;
  dw_heading(w, 2, "waiting", "Waiting for");
  if (I->damaged) {
    dw_para(w, "The journal is damaged: the run cannot be resumed.");
  } else if (P->state == RR_S_WAITING && I->answer) {
    rr_put_answer(&t, I);
    if (t.n && t.p[0] >= 'a' && t.p[0] <= 'z') t.p[0] = (char)(t.p[0] - 'a' + 'A');
    buf_puts(&t, " at ");
    put_utc(&t, rr_str(I->answer, "time"));
    buf_puts(&t, "; the run goes on when the operator resumes it.");
    dw_para(w, buf_cstr(&t));
  } else if (P->state == RR_S_WAITING && I->wait == RR_W_GATE) {
    const char *kind = rr_str(I->gate, "gate"), *role = rr_str(I->gate, "role"), *person = rr_str(I->gate, "person");
    if (!kind) kind = "";
    if (role && *role) {
      put_clean(&t, role, 60);
      if (person && *person) {
        buf_puts(&t, " (");
        put_clean(&t, person, 60);
        buf_putc(&t, ')');
      }
    } else if (person && *person) {
      put_clean(&t, person, 60);
    } else {
      buf_puts(&t, "A person");
    }
    if (strcmp(kind, "approve") == 0) buf_puts(&t, " to approve");
    else if (strcmp(kind, "manual") == 0) buf_puts(&t, " to confirm that this is done");
    else if (strcmp(kind, "ask") == 0) buf_puts(&t, " to answer yes or no");
    else buf_puts(&t, " at a gate");
    if (rr_str(I->gate, "step")) {
      buf_puts(&t, " in step ");
      dw_code(&t, rr_str(I->gate, "step"));
    }
    buf_puts(&t, ": ");
    put_clean(&t, rr_str(I->gate, "text"), 500);
    dw_para(w, buf_cstr(&t));
  } else if (P->state == RR_S_WAITING && I->wait == RR_W_DOUBT) {
    long long n = -1;
    rr_int(I->doubt, "n", &n);
    buf_printf(&t, "A decision on effect #%lld", n);
    if (rr_str(I->doubt, "step")) {
      buf_puts(&t, " in step ");
      dw_code(&t, rr_str(I->doubt, "step"));
    }
    buf_puts(&t, ": it started, but its end was never recorded. Re-run it, skip it, or mark it done: ");
    put_clean(&t, rr_str(I->doubt, "what"), 500);
    dw_para(w, buf_cstr(&t));
  } else if (P->state == RR_S_WAITING) {
    rr_put_waiting_for(&t, I);
    dw_para(w, buf_cstr(&t));
  } else {
    buf_puts(&t, "The operator: the run was interrupted");
    if (I->intr && rr_str(I->intr, "signal")) {
      buf_puts(&t, " (SIG");
      put_clean(&t, rr_str(I->intr, "signal"), 10);
      buf_putc(&t, ')');
    }
    buf_puts(&t, " and goes on when it is resumed.");
    dw_para(w, buf_cstr(&t));
  }
  if (!I->damaged) {
    int answers = rr_put_continue(&cmds, I, P->state, ref);
    dw_para(w, answers ? "Unblocked by, then continued with:" : "Continued with:");
    if (w->fmt == DW_HTML) {
      const char *p = buf_cstr(&cmds);
      buf_puts(w->out, "<pre class=\"unblock\" id=\"unblock\">");
      while (*p) {   /* a line each, escaped */
        size_t n = strcspn(p, "\n");
        Buf line = BUF_INIT;
        buf_add(&line, p, n);
        dw_html(w->out, buf_cstr(&line));
        buf_free(&line);
        buf_putc(w->out, '\n');
        p += n + (p[n] == '\n');
      }
      buf_puts(w->out, "</pre>\n");
    }
  }
  buf_free(&t);
  buf_free(&cmds);
}

static void section_steps(DocW *w, Page *P) {
  static const char *const h[] = {"#", "Step", "State", "Attempts", "Actual", "Planned"};
  DwRow row;
  size_t i;
  if (!P->have_report || !P->r.nsteps) return;
  memset(&row, 0, sizeof row);
  dw_heading(w, 2, "steps", "Steps");
  dw_table(w, "steps-table", 6, h);
  for (i = 0; i < P->r.nsteps; i++) {
    const RepStep *s = &P->r.steps[i];
    const char *state = s->state;
    if (strcmp(state, "running") == 0 && P->state == RR_S_WAITING) state = "waiting";
    else if (strcmp(state, "running") == 0 && P->state != RR_S_RUNNING) state = "interrupted";
    buf_printf(&row.c[0], "%d", s->number);
    dw_code(&row.c[1], s->name);
    if (s->title && strcmp(s->title, s->name) != 0) {
      buf_puts(&row.c[1], " ");
      put_clean(&row.c[1], s->title, 200);
    }
    buf_puts(&row.c[2], state);
    if (s->attempts) buf_printf(&row.c[3], "%lld", s->attempts);
    if (s->has_secs && strcmp(state, "running") != 0) val_fmt_duration(s->secs, &row.c[4]);
    if (s->has_plan) {
      buf_puts(&row.c[5], "expect ");
      val_fmt_duration(s->planned, &row.c[5]);
    }
    dw_row_put(w, &row, state, 6);
  }
  dw_table_end(w);
  dw_row_free(&row);
}

static void section_hosts(DocW *w, Page *P) {
  static const char *const h[] = {"Step", "Host", "State", "Duration", "Attempts", "Reason"};
  DwRow row;
  size_t i;
  if (!P->have_report || !P->r.nhosts) return;
  memset(&row, 0, sizeof row);
  dw_heading(w, 2, "hosts", "Hosts");
  dw_table(w, "hosts-table", 6, h);
  for (i = 0; i < P->r.nhosts && i < 500; i++) {
    const RepHost *x = &P->r.hosts[i];
    dw_code(&row.c[0], x->step);
    if (x->undo) buf_puts(&row.c[0], " (undo)");
    put_clean(&row.c[1], x->host, 100);
    put_clean(&row.c[2], x->state, 30);
    val_fmt_duration(x->secs, &row.c[3]);
    buf_printf(&row.c[4], "%lld", x->attempts);
    put_clean(&row.c[5], x->error, 300);
    dw_row_put(w, &row, x->state && strcmp(x->state, "failed") == 0 ? "fail" : NULL, 6);
  }
  dw_table_end(w);
  dw_row_free(&row);
}

/* section_verifies lists the last verifies' outcomes, newest first. */
static void section_verifies(DocW *w, Page *P) {
  enum { LAST = 8 };
  static const char *const h[] = {"Time", "Step", "Condition", "Outcome", "Values"};
  const Json **start = mem_calloc((2 * P->L->n + 1) * sizeof *start);
  const Json *pairs[LAST][2];
  size_t i, n = 0, k;
  DwRow row;
  for (i = 0; i < P->L->n; i++) {
    const Json *r = P->L->rec[i];
    const char *t = P->L->type[i];
    long long slot;
    if (strcmp(t, "effect_start") != 0 && strcmp(t, "effect_end") != 0) continue;
    if ((slot = rr_effect_slot(r, P->L->n)) < 0) continue;
    if (t[7] == 's') {
      start[slot] = rr_str(r, "kind") && strcmp(rr_str(r, "kind"), "verify") == 0 ? r : NULL;
    } else if (start[slot]) {
      memmove(&pairs[1], &pairs[0], (LAST - 1) * sizeof pairs[0]);
      pairs[0][0] = start[slot];
      pairs[0][1] = r;
      if (n < LAST) n++;
      start[slot] = NULL;
    }
  }
  mem_free(start);
  if (!n) return;
  memset(&row, 0, sizeof row);
  dw_heading(w, 2, "verifies", "Last verifies");
  dw_table(w, "verifies-table", 5, h);
  for (k = 0; k < n; k++) {
    const Json *s = pairs[k][0], *e = pairs[k][1];
    int ok = 0, passed = json_bool(json_get(e, "result"), &ok);
    const char *tm = rr_str(e, "time");
    if (tm && strlen(tm) >= 19) buf_printf(&row.c[0], "%.8s", tm + 11);
    if (rr_str(s, "step")) dw_code(&row.c[1], rr_str(s, "step"));
    {
      Buf c = BUF_INIT;
      put_clean(&c, rr_str(s, "what"), 300);
      dw_code(&row.c[2], buf_cstr(&c));
      buf_free(&c);
    }
    buf_puts(&row.c[3], ok && passed ? "passed" : "failed");
    if (json_get(e, "left")) {
      Buf v = BUF_INIT;
      buf_puts(&v, "left ");
      rr_put_value(&v, json_get(e, "left"), 120);
      if (json_get(e, "right")) {
        buf_puts(&v, ", right ");
        rr_put_value(&v, json_get(e, "right"), 120);
      }
      dw_code(&row.c[4], buf_cstr(&v));
      buf_free(&v);
    }
    dw_row_put(w, &row, ok && passed ? "passed" : "fail", 5);
  }
  dw_table_end(w);
  dw_row_free(&row);
}

/* link appends an anchor to href (a run-relative path) when the page is in
** the run directory, else the text alone. */
static void put_link(Buf *b, const Page *P, const char *href, const char *text) {
  if (P->o->in_run_dir && href) {
    buf_puts(b, "<a href=\"");
    dw_html(b, href);
    buf_puts(b, "\">");
    dw_html(b, text);
    buf_puts(b, "</a>");
  } else {
    dw_html(b, text);
  }
}

static void section_trail(DocW *w, Page *P) {
  const RrInfo *I = P->I;
  RrTrail T;
  const char *of, *after;
  Buf b = BUF_INIT, t = BUF_INIT, href = BUF_INIT;
  size_t i, k;
  rr_trail(P->L, I, P->dir, &T);
  of = T.undo_of;
  after = T.backout_of;
  buf_puts(&b, "<h2 id=\"trail\">Trail</h2>\n<ul id=\"trail-list\">\n");
  if (T.started_by) {
    buf_puts(&b, "<li>Started by ");
    buf_reset(&t);
    rr_put_started_by(&t, T.started_by);
    dw_html(&b, buf_cstr(&t));
    buf_puts(&b, "</li>\n");
  }
  for (k = 0; k < 2; k++) {   /* the run this one reverses, or backs out */
    const char *r = k == 0 ? of : after;
    if (!r) continue;
    buf_reset(&t);
    buf_reset(&href);
    put_clean(&t, r, 200);
    buf_printf(&href, "../%s/status.html", buf_cstr(&t));
    buf_puts(&b, k == 0 ? "<li>Undo of run " : "<li>Backout of run ");
    put_link(&b, P, strchr(r, '/') ? NULL : buf_cstr(&href), buf_cstr(&t));
    buf_puts(&b, "</li>\n");
  }
  for (i = 0; i < P->L->n; i++) {
    const Json *r = P->L->rec[i];
    const char *u, *rel;
    if (strcmp(P->L->type[i], "link") != 0) continue;
    u = rr_str(r, "run"), rel = rr_str(r, "relation");
    if (!u) continue;
    buf_reset(&t);
    buf_reset(&href);
    put_clean(&t, u, 200);
    buf_printf(&href, "../%s/status.html", buf_cstr(&t));
    buf_puts(&b, "<li>");
    dw_html(&b, rel && strcmp(rel, "undo") == 0      ? "Undone by run "
                : rel && strcmp(rel, "backout") == 0 ? "Backed out by run "
                                                     : "Linked run ");
    put_link(&b, P, strchr(u, '/') ? NULL : buf_cstr(&href), buf_cstr(&t));
    buf_puts(&b, "</li>\n");
  }
  buf_puts(&b, "<li>Journal: ");
  put_link(&b, P, "journal.jsonl", "journal.jsonl");
  buf_printf(&b, " (%zu records", P->L->n);
  if (P->L->problem != RR_J_INTACT) {
    buf_reset(&t);
    rr_problem_text(P->L, &t);
    buf_puts(&b, "; ");
    dw_html(&b, buf_cstr(&t));
  }
  buf_puts(&b, ")</li>\n<li>Full review: <code>rbk report ");
  buf_reset(&t);
  rr_put_word(&t, P->o->ref);
  dw_html(&b, buf_cstr(&t));
  buf_puts(&b, " --format html</code></li>\n</ul>\n");
  dw_raw(w, DW_HTML, buf_cstr(&b));
  buf_free(&b);
  buf_free(&t);
  buf_free(&href);
}

/* head_extra puts the reload and the page's style into the head docw wrote. */
static void head_extra(Buf *out, size_t from, int refresh) {
  const char *head = strstr(out->p + from, "<title>");
  Buf x = BUF_INIT;
  size_t at;
  if (!head) return;
  at = (size_t)(head - out->p);
  if (refresh > 0) buf_printf(&x, "<meta http-equiv=\"refresh\" content=\"%d\">\n", refresh);
  buf_puts(&x, page_css);
  buf_add(out, x.p, x.n);   /* grow, then move the tail up */
  memmove(out->p + at + x.n, out->p + at, out->n - x.n - at);
  memcpy(out->p + at, x.p, x.n);
  buf_free(&x);
}

void status_page_render(const RrJournal *L, const char *dir, const StatusPageOpts *o, Buf *out) {
  Page P;
  DocW w;
  Buf t = BUF_INIT;
  char err[512];
  size_t from = out->n;
  const char *title;
  RrInfo own;
  memset(&P, 0, sizeof P);
  P.L = L;
  P.dir = dir;
  P.o = o;
  P.have_report = report_build(&P.r, L, dir, err, sizeof err) == 0;
  if (P.have_report) {
    P.I = &P.r.info;
  } else {
    report_free(&P.r);
    rr_derive(L, dir, &own);
    P.I = &own;
  }
  P.state = P.I->state;
  if (o->leaving && P.state == RR_S_RUNNING) P.state = RR_S_INTERRUPTED;
  P.ended = P.state == RR_S_SUCCEEDED || P.state == RR_S_FAILED || P.state == RR_S_FINISHED || P.I->damaged ||
            P.state == RR_S_UNREADABLE;
  if (P.state != P.I->state) {
    RrInfo copy = *P.I;
    copy.state = P.state;
    P.word = rr_state_word(&copy);
  } else {
    P.word = rr_state_word(P.I);
  }
  if (P.I->started) rr_parse_time(P.I->started, &P.start_ms);
  P.now_ms = wall_ms();
  if (P.ended || P.state != RR_S_RUNNING) {
    long long last = 0;
    if ((P.ended || P.state == RR_S_WAITING || P.state == RR_S_INTERRUPTED) && P.I->last_time &&
        rr_parse_time(P.I->last_time, &last) == 1)
      P.now_ms = last;
    if (P.ended && P.I->ended && rr_parse_time(P.I->ended, &last) == 1) P.now_ms = last;
  }

  title = P.I->title ? P.I->title : P.I->runbook ? P.I->runbook : "run";
  buf_puts(&t, "Status: ");
  put_clean(&t, title, 200);
  dw_begin(&w, DW_HTML, out, buf_cstr(&t));
  head_extra(out, from, P.ended ? 0 : o->refresh);

  /* the banner: the state in words */
  buf_reset(&t);
  buf_printf(&t, "<p class=\"banner %s\" id=\"state\">", P.word);
  {
    Buf s = BUF_INIT;
    if (P.state == P.I->state) {
      rr_put_summary(&s, P.I);
    } else {
      buf_puts(&s, "interrupted");
    }
    dw_html(&t, buf_cstr(&s));
    buf_free(&s);
  }
  buf_puts(&t, "</p>\n<p class=\"live\" id=\"live\">");
  {
    Buf s = BUF_INIT;
    buf_puts(&s, "Run ");
    put_clean(&s, P.I->id, 200);
    buf_puts(&s, ", updated ");
    put_ms_utc(&s, wall_ms());
    if (P.ended) buf_puts(&s, ". The run has ended: this page no longer reloads.");
    else if (o->refresh > 0) buf_printf(&s, ". This page reloads itself every %d s.", o->refresh);
    dw_html(&t, buf_cstr(&s));
    buf_free(&s);
  }
  buf_puts(&t, "</p>\n");
  dw_raw(&w, DW_HTML, buf_cstr(&t));

  section_now(&w, &P);
  section_waiting(&w, &P);
  section_steps(&w, &P);
  section_hosts(&w, &P);
  section_verifies(&w, &P);
  {
    static const char *const h[] = {"Field", "Value"};
    DwRow row;
    memset(&row, 0, sizeof row);
    dw_heading(&w, 2, "run", "Run");
    dw_table(&w, "run-table", 2, h);
    buf_puts(&row.c[0], "Run");
    dw_code(&row.c[1], P.I->id ? P.I->id : "");
    dw_row_put(&w, &row, NULL, 2);
    buf_puts(&row.c[0], "Runbook");
    put_clean(&row.c[1], P.I->runbook, 300);
    dw_row_put(&w, &row, NULL, 2);
    buf_puts(&row.c[0], "Operator");
    put_clean(&row.c[1], P.I->operator_name ? P.I->operator_name : "-", 100);
    dw_row_put(&w, &row, NULL, 2);
    buf_puts(&row.c[0], "Host");
    put_clean(&row.c[1], P.I->host ? P.I->host : "-", 100);
    dw_row_put(&w, &row, NULL, 2);
    buf_puts(&row.c[0], "Started");
    put_utc(&row.c[1], P.I->started);
    dw_row_put(&w, &row, NULL, 2);
    if (P.ended) {
      buf_puts(&row.c[0], "Ended");
      put_utc(&row.c[1], P.I->ended ? P.I->ended : P.I->last_time);
      dw_row_put(&w, &row, NULL, 2);
    }
    dw_table_end(&w);
    dw_row_free(&row);
  }
  section_trail(&w, &P);
  buf_reset(&t);
  buf_puts(&t, "Written by rbk " RBK_VERSION " from the run's journal; secrets are masked there (***). "
               "rbk runs no server: any web server can serve this file.");
  dw_footer(&w, buf_cstr(&t));
  dw_end(&w);
  buf_free(&t);
  if (P.have_report) report_free(&P.r);
  else rr_info_free(&own);
  (void)P.dir;
}
