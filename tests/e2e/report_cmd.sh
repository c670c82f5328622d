#!/bin/bash
# tests/e2e/report_cmd.sh -- rbk report end to end.
#  (a) golden: journals with fixed times (tests/fixtures/report/make.py)
#      reported in every format and compared with
#      tests/fixtures/report/expected/ (UPDATE=1 rewrites them; read the
#      diff before committing)
#  (b) the HTML report loaded in a real headless Chromium: its procedure
#      table (planned against actual) and its Gantt chart are in the DOM
#  (c) a run made by rbk run, paused for an approval, approved with rbk
#      approve, resumed, then reported: who approved and when, the
#      commands with their exit status, the recovered failed verify with
#      both sides, planned against actual; the secret never appears
#  (d) the command line: help, usage errors, no such run, a damaged
#      journal, a run still waiting
set -u
source tests/e2e/lib.bash
source tests/e2e/browser.bash
: "${RBK:?set RBK to the rbk binary}"
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT
FIX=$RBK_TOP/tests/fixtures/report
S=$T/state

# ---- (a) golden reports --------------------------------------------------
python3 "$FIX/make.py" "$S"; ok $? "(a) the fixture journals are built"
for run in backout-20260607-020000 db-deploy-20261122-070000 orphan-20261122-080000 rollout-20261201-090000 \
  backout-20261201-091500; do
  "$RBK" log --verify --state "$S" "$run" >/dev/null; ok $? "(a) $run: its hash chain verifies"
done
golden() {   # golden RUN FORMAT NAME
  local exp=$FIX/expected/$3 got
  got=$("$RBK" report --state "$S" --format "$2" "$1" 2>&1; echo "[exit $?]")
  if [ "${UPDATE:-}" = 1 ]; then mkdir -p "$FIX/expected"; printf '%s\n' "$got" >"$exp"; fi
  if [ -f "$exp" ] && [ "$got" = "$(cat "$exp")" ]; then ok 0 "(a) golden $3"
  else ok 1 "(a) golden $3"; diff <(cat "$exp" 2>/dev/null) <(printf '%s\n' "$got") | head -20 | sed 's/^/#   /'; fi
}
for f in md html json; do golden backout-20260607-020000 $f portal.$f; done
for f in md json; do golden db-deploy-20261122-070000 $f deploy.$f; done
golden orphan-20261122-080000 md orphan.md
# the trail: a roll-out (its headings say so) backed out by a run a watch started
for f in md html; do golden rollout-20261201-090000 $f rollout.$f; done
for f in md json; do golden backout-20261201-091500 $f backout_watch.$f; done

js=$("$RBK" report --state "$S" --format json backout-20260607-020000)
expect_eq "$(jq -r '.outcome' <<<"$js")" succeeded "(a) json: the outcome"
expect_eq "$(jq -r '.operators | join(",")' <<<"$js")" "dave,jane,mike,john" "(a) json: every operator, in order of appearance"
expect_eq "$(jq '.steps | length' <<<"$js")" 11 "(a) json: the 11 steps of the plan"
expect_eq "$(jq -r '[.steps[] | .planned / 60] | join(" ")' <<<"$js")" "2 5 5 5 30 15 10 5 15 5 5" "(a) json: planned per step"
expect_eq "$(jq -r '.steps[2].outcome + ": " + .steps[2].skipped.reason' <<<"$js")" \
  "skipped: 02:00 on a Saturday: no user is on the portal" "(a) json: the step skipped at the REPL"
expect_eq "$(jq -r '[.steps[4].attempts, .steps[4].duration] | join(" ")' <<<"$js")" "2 2129.8" "(a) json: the restore took 2 attempts, 35m30s from its first start to its end"
expect_eq "$(jq -r '[.decisions[] | select(.kind=="approval") | .by + " as " + .role + " at " + .time] | join("; ")' <<<"$js")" \
  "jane as lead at 2026-06-07T02:14:00.000Z; jane as lead at 2026-06-07T03:36:00.000Z" "(a) json: the approvals, who and when"
expect_eq "$(jq -r '[.improvised[] | "\(.id) \(.kind) \(.outcome)"] | join(", ")' <<<"$js")" \
  "1 statement ok, 2 expression ok, 3 meta ok, 4 statement failed" "(a) json: the four improvisations"
expect_eq "$(jq -r '.verifies.failed[0] | "\(.left) \(.right) \(.improvised)"' <<<"$js")" "48193 48210 4" \
  "(a) json: the failed verify, its two sides, and the improvisation it was typed in"
expect_eq "$(jq -r '[.commands[] | select(.status != 0) | .stderr] | join("")' <<<"$js")" '"Error: database is locked\n"' \
  "(a) json: the failed command with its stderr"
expect_eq "$(jq -r '.review[3].answer' <<<"$js")" "1h45m (planned 1h42m, window 4h), from the run's start to its end." \
  "(a) json: the actual duration, against the plan and the window"
expect_match "$(jq -r '.review[2].answer' <<<"$js")" '^Not entirely: the run succeeded, but 1 step was skipped; 1 verify failed; 4 actions were improvised' \
  "(a) json: whether it went as planned"
dj=$("$RBK" report --state "$S" --format json db-deploy-20261122-070000)
expect_eq "$(jq -r '[.decisions[] | .kind + " " + .answer + " by " + .by] | join(";")' <<<"$dj")" "decision rerun by bob" \
  "(a) the in-doubt command's decision, and who made it"
expect_eq "$(jq -r '[.steps[] | .outcome] | join(" ")' <<<"$dj")" "ok failed pending" "(a) a failed run: the step that never ran is pending"
expect_match "$(jq -r '.review[2].answer' <<<"$dj")" '^No: the run failed' "(a) a failed run did not go as planned"
expect_eq "$(jq -r '.verifies.failed[0].message' <<<"$dj")" "the schema is at version 2" \
  "(a) a failed verify's message comes from the runbook the run began with"
grep -q 'token \*\*\*' <<<"$(jq -r '.commands[].command' <<<"$dj")"; ok $? "(a) commands are shown as journaled, secrets masked"

# ---- (b) the HTML report in a real browser --------------------------------
"$RBK" report --state "$S" --format html backout-20260607-020000 >"$T/report.html"
grep -Eiq '<script|<link|<img|<iframe|src=|url\(|@import' "$T/report.html"; expect_eq $? 1 "(b) the HTML report loads nothing"
need_chromium; ok $? "(b) chromium is installed (deps.sh test)"
dom=$(dump_dom "$T/report.html" "$T/profile")
expect_match "$dom" '<table id="procedure">' "(b) Chromium builds the planned-against-actual table"
expect_eq "$(grep -o '<tr class="step">' <<<"$dom" | wc -l)" 11 "(b) ... with a row per step of the procedure"
expect_eq "$(grep -o '<g class="step"' <<<"$dom" | wc -l)" 11 "(b) the Gantt chart (inline SVG) has a row per step"
expect_eq "$(grep -o '<rect class="actual"' <<<"$dom" | wc -l)" 10 "(b) ... an actual bar for each step that ran (10; one was skipped)"
got=$(python3 - "$dom" <<'PY'
import re, sys
t = re.search(r'<table id="procedure">(.*?)</table>', sys.argv[1], re.S).group(1)
for row in re.findall(r'<tr class="step">(.*?)</tr>', t, re.S):
    c = [re.sub(r'<[^>]+>', '', x) for x in re.findall(r'<td>(.*?)</td>', row, re.S)]
    print(c[0], c[2], c[3], c[4], c[5].split(":")[0])
PY
)
expect_eq "$(sed -n '1p;3p;5p;11p' <<<"$got" | tr '\n' '|')" \
  "1 pm 2m 2m10s ok|3 support 5m - skipped|5 dba 30m 35m30s ok|11 pm 5m 6m ok|" \
  "(b) the DOM's rows: step, owner, planned, actual, state"
for id in summary review timeline commands decisions improvised failed-verifies; do
  grep -q "<h2 id=\"$id\">" <<<"$dom"; ok $? "(b) the DOM has the $id section"
done

# ---- (c) a real run --------------------------------------------------------
W=$T/live
mkdir -p "$W"
cp "$FIX/live.rbk" "$W/"
export RBK_STATE_DIR=$W/.rbk
(cd "$W" && LIVE_TOKEN=hunter2-live-secret timeout 60 "$RBK" run live.rbk </dev/null >"$W/run1.out" 2>&1); rc=$?
expect_eq "$rc" 3 "(c) the run pauses at the approval (exit 3)"
id=$(cat "$W/.rbk/latest/live")
(cd "$W" && timeout 60 "$RBK" approve "$id" --as lead --note "looks good" </dev/null >/dev/null 2>&1); ok $? "(c) rbk approve --as lead"
(cd "$W" && LIVE_TOKEN=hunter2-live-secret timeout 60 "$RBK" resume "$id" </dev/null >"$W/run2.out" 2>&1); rc=$?
expect_eq "$rc" 0 "(c) the resumed run succeeds"
for f in md html json; do
  (cd "$W" && "$RBK" report --format $f "$id" >"$W/report.$f" 2>"$W/report.err"); rc=$?
  expect_eq "$rc:$(cat "$W/report.err")" "0:" "(c) rbk report --format $f on the real run"
  grep -q hunter2-live-secret "$W/report.$f"; expect_eq $? 1 "(c) the $f report never holds the secret"
done
lj=$(cat "$W/report.json")
me=$(id -un)
expect_eq "$(jq -r .outcome <<<"$lj")" succeeded "(c) the outcome"
expect_eq "$(jq -r .run <<<"$lj")" "$id" "(c) the run id"
expect_eq "$(jq -r '[.steps[] | "\(.name) \(.outcome) \(.planned)"] | join(", ")' <<<"$lj")" \
  "prepare recovered 60, switch ok 120" "(c) planned durations from the runbook, states from the journal"
expect_eq "$(jq -r '[.steps[] | (.duration >= 0)] | all' <<<"$lj")" true "(c) an actual duration for each step"
expect_eq "$(jq -r '.decisions[] | select(.kind=="approval") | "\(.answer) by \(.by) as \(.role): \(.note)"' <<<"$lj")" \
  "approved by $me as lead: looks good" "(c) the approval: who, as which role, with the note"
expect_match "$(jq -r '.decisions[] | select(.kind=="approval") | .time' <<<"$lj")" '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z$' \
  "(c) ... and when"
expect_eq "$(jq -r '[.commands[] | "\(.command) -> \(.status)"] | join("; ")' <<<"$lj")" \
  "echo preparing *** > prepared.out -> 0; echo switched > switched.out -> 0" "(c) the commands, masked, with their exit status"
expect_eq "$(jq -r '.verifies.failed[0] | "\(.step): \(.condition) left \(.left) right \(.right) (\(.message))"' <<<"$lj")" \
  "prepare: 1 + 1 == 3 left 2 right 3 (arithmetic holds)" "(c) the failed verify with both sides and its message"
expect_match "$(jq -r '[.timeline[].text] | join("\n")' <<<"$lj")" 'paused for approval by lead \(Jane Doe\)' "(c) the timeline shows the pause"
expect_match "$(jq -r '[.timeline[].text] | join("\n")' <<<"$lj")" "resumed by $me" "(c) ... and the resume"
expect_match "$(cat "$W/report.md")" '```mermaid' "(c) the Markdown has a Mermaid gantt block"
dom=$(dump_dom "$W/report.html" "$T/profile2")
expect_eq "$(grep -o '<tr class="step">' <<<"$dom" | wc -l)" 2 "(c) Chromium: the HTML report's procedure table has its 2 steps"
# Planned in minutes, done in milliseconds: the chart must still be readable
# (issue 19 item 4). The timeline panel is on the run's own time, so the
# longest step's bar is wide; the per-step panel says both times in words.
edge=$(python3 - "$dom" <<'PY'
import re, sys
svg = re.search(r'<svg[^>]*id="gantt"[^>]*>', sys.argv[1]).group(0)
right = float(re.search(r'width="([0-9.]+)"', svg).group(1)) - 20   # the timeline panel's right edge
ends = [float(x) + float(w) for x, w in re.findall(r'<rect class="actual" x="([0-9.]+)" y="[0-9]+" width="([0-9.]+)"', sys.argv[1])]
print("ok" if ends and abs(max(ends) - right) < 2 else "last bar ends at %s, panel at %s" % (max(ends or [0]), right))
PY
)
expect_eq "$edge" ok "(c) planned in minutes, done in ms: the timeline is on the run's own time (the last bar reaches the edge)"
expect_match "$dom" '<text class="words"[^>]*>[0-9.]+m?s of 1m \(0%\)</text>' "(c) the per-step panel says actual against planned in words"
expect_match "$(cat "$W/report.md")" '[0-9.]+m?s of 2m \(0%\) ok :done, a2' "(c) the Mermaid bars carry the plan in words"

# ---- (d) the command line -------------------------------------------------
out=$("$RBK" report --help); rc=$?
ok $rc "(d) rbk report --help exits 0"
expect_match "$out" "^Usage: rbk report " "(d) it starts with its usage line"
expect_match "$out" "Exit status:" "(d) it documents the exit status"
expect_eq "$("$RBK" help report)" "$out" "(d) rbk help report prints the same text"
RBK_STATE_DIR=$T/nowhere "$RBK" report >/dev/null 2>&1; expect_eq $? 2 "(d) no RUN and no runs: usage error"
"$RBK" report --format pdf x >/dev/null 2>&1; expect_eq $? 2 "(d) an unknown format: usage error"
"$RBK" report --state "$S" no-such-run >/dev/null 2>"$T/err"; expect_eq $? 2 "(d) no such run: exit 2"
expect_match "$(cat "$T/err")" "no run 'no-such-run'" "(d) ... and says so"
"$RBK" report "$S/runs/orphan-20261122-080000" >/dev/null; expect_eq $? 0 "(d) RUN may be a run directory's path"
cp -r "$S/runs/backout-20260607-020000" "$S/runs/damaged"
python3 - "$S/runs/damaged/journal.jsonl" <<'PY'
import sys
p = sys.argv[1]
lines = open(p, encoding="utf-8").read().split("\n")
lines[6] = lines[6].replace('"dave"', '"eve"', 1)
open(p, "w", encoding="utf-8").write("\n".join(lines))
PY
out=$("$RBK" report --state "$S" damaged 2>"$T/err"); rc=$?
expect_eq "$rc" 1 "(d) a damaged journal: exit 1"
expect_match "$(cat "$T/err")" "damaged at record 7" "(d) ... naming the damage"
expect_match "$out" "7 records, journal damaged at record 7" "(d) ... and the records before it are reported"
: >"$S/runs/orphan-20261122-080000/journal.jsonl"
"$RBK" report --state "$S" orphan-20261122-080000 >/dev/null 2>"$T/err"; expect_eq $? 1 "(d) an empty journal: exit 1"
expect_match "$(cat "$T/err")" "the journal is empty" "(d) ... and says so"

done_testing
