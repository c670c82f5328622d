#!/bin/bash
# tests/e2e/trail.sh -- the trail between runs (docs/journal.md, "The
# trail"): a real `rbk watch` fires its critical trigger and starts the
# declared backout; the watch's journal names the run it started, the
# backout's run_start names the watch, the trigger, the probe values and
# the roll-out it backs out, and the roll-out gets a link record back.
# rbk status, runs (text and JSON) and report show each side. Likewise
# `on critical undo` and a run undone by hand (undo of / undone by), a
# backout started by a person with --after, and the refusals of a link
# to nothing.
set -u
top=${RBK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/e2e/lib.bash"
d=$(tmpdir)
trap 'rm -rf "$d"' EXIT
cd "$d" || exit 1
unset RBK_STATE_DIR
# jq-less JSON reads: jget FILE EXPR (python, where EXPR reads the document j)
jget() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

# ---- (a) a watch starts the declared backout --------------------------------
cat > rollout.rbk <<'EOF2'
runbook "Portal v2.0" {
  kind rollout
  owner pm
  role pm "John Smith"
  probe err_pct = num(trim(read_file("err_pct.txt")))
  trigger "Error rate over 50%" critical when probe("err_pct") > 50
  on critical run "backout.rbk"
  step deploy "Deploy v2.0" { run "echo v2.0 > version.txt" }
}
EOF2
cat > backout.rbk <<'EOF2'
runbook "Portal v2.0 backout" {
  owner pm
  role pm "John Smith"
  step restore "Restore v1.9" { run "echo v1.9 > version.txt" }
}
EOF2
echo 0 > err_pct.txt
"$RBK" run rollout.rbk >/dev/null 2>&1; ok $? "(a) the roll-out ran"
R=$(cat .rbk/latest/rollout)
echo 99 > err_pct.txt
out=$("$RBK" watch --for 1m --every 100ms rollout.rbk 2>&1); rc=$?
expect_eq "$rc" 1 "(a) the critical trigger fired: the watch ends with status 1"
expect_eq "$(cat version.txt)" "v1.9" "(a) the declared backout ran"
W=$(ls .rbk/watches)
B=$(cat .rbk/latest/backout)
expect_match "$out" "backout: rbk run [^ ]*backout.rbk \\(run $B\\)" "(a) the watch says which run it started"
wj=$(cat ".rbk/watches/$W/journal.jsonl")
expect_match "$wj" "\"type\":\"backout\",\"trigger\":\"Error rate over 50%\",\"how\":\"run\",\"target\":\"backout.rbk\",\"run\":\"$B\",\"after\":\"$R\"" \
  "(a) the watch's journal names the run it started and the roll-out it backs out"
bj=$(head -1 ".rbk/runs/$B/journal.jsonl")
expect_match "$bj" "\"started_by\":\\{\"watch\":\"$W\",\"trigger\":\"Error rate over 50%\",\"severity\":\"critical\",\"condition\":\"probe\\(\\\\\"err_pct\\\\\"\\) > 50\",\"probes\":\\{\"err_pct\":99\\},\"fired_at\":\"[0-9T:.Z-]+\"\\}" \
  "(a) the backout's run_start names the watch, the trigger, its condition and the probe values"
expect_match "$bj" "\"after\":\"$R\"" "(a) and the roll-out it backs out"
expect_match "$(tail -1 ".rbk/runs/$R/journal.jsonl")" "\"type\":\"link\",\"run\":\"$B\",\"relation\":\"backout\"" \
  "(a) the roll-out's journal gets a link record naming the backout"
"$RBK" log --verify "$R" >/dev/null 2>&1; ok $? "(a) the roll-out's chain still verifies"
"$RBK" log --verify "$B" >/dev/null 2>&1; ok $? "(a) the backout's chain verifies"

st=$(NO_COLOR=1 "$RBK" status "$B")
expect_match "$st" "^State +succeeded, backout of $R, started by watch $W$" "(a) status of the backout: backout of, started by"
expect_match "$st" "^Cause +started by watch $W: trigger \"Error rate over 50%\" \\(critical\\) fired at [0-9T:.Z-]+; probes err_pct=99$" \
  "(a) and the trigger and probe values that started it"
expect_match "$(NO_COLOR=1 "$RBK" status "$R")" "^State +succeeded, backed out by $B$" "(a) status of the roll-out: backed out by"
pg=$(NO_COLOR=1 "$RBK" status "$B" --format html)
expect_match "$pg" "<li>Started by watch $W: trigger &quot;Error rate over 50%&quot; \\(critical\\) fired at" \
  "(a) the backout's status page: started by the watch and its trigger"
expect_match "$pg" "<li>Backout of run $R</li>" "(a) and names the roll-out it backs out"
expect_match "$(cat ".rbk/runs/$B/status.html")" "<li>Backout of run <a href=\"../$R/status.html\">$R</a>" \
  "(a) the page kept in the backout's run directory links the roll-out's page"
expect_match "$(NO_COLOR=1 "$RBK" status "$R" --format html)" "<li>Backed out by run $B</li>" \
  "(a) the roll-out's status page names its backout"
runs=$(NO_COLOR=1 "$RBK" runs)
expect_match "$runs" "^$B +succeeded, backout of $R, started by watch $W " "(a) rbk runs: the backout's links"
expect_match "$runs" "^$R +succeeded, backed out by $B " "(a) rbk runs: the roll-out's link"
"$RBK" runs --format json > runs.json
expect_eq "$(jget runs.json "[r['trail']['started_by']['watch'] for r in j['runs'] if r['run']=='$B'][0]")" "$W" "(a) runs --format json: trail.started_by.watch"
expect_eq "$(jget runs.json "[r['trail']['backed_out_by'] + ' ' + r['trail']['backed_out_by_state'] for r in j['runs'] if r['run']=='$R'][0]")" "$B succeeded" \
  "(a) runs --format json: trail.backed_out_by and its state"
"$RBK" status --format json "$B" > st.json
expect_eq "$(jget st.json "j['trail']['started_by']['probes']['err_pct'], j['trail']['backout_of']")" "(99, '$R')" \
  "(a) status --format json: the probe values and backout_of"

rep=$("$RBK" report "$B")
expect_match "$rep" "^\\| What triggered the backout\\? \\| Trigger \"Error rate over 50%\" \\(critical\\) fired in watch \`$W\` at [0-9T:.Z-]+, when \`probe\\(\"err_pct\"\\) > 50\`; the probes read err\\\\_pct = 99\\. The watch started this run\\. \\|$" \
  "(a) report: 'What triggered the backout?' is answered from the trail"
expect_match "$rep" "^\\| Started by \\| watch $W: trigger" "(a) report: a Started by row"
expect_match "$rep" "^\\| Backout of \\| \`$R\` \\|$" "(a) report: a Backout of row"
rep=$("$RBK" report "$R")
expect_match "$rep" "^# Post-roll-out review: Portal v2.0$" "(a) the roll-out's report is headed from its kind"
expect_match "$rep" "^\\| Backed out by \\| \`$B\` \\(succeeded\\) \\|$" "(a) the roll-out's report: Backed out by"
"$RBK" report --format json "$B" > rep.json
expect_eq "$(jget rep.json "j['kind'], j['trail']['started_by']['watch'], j['trail']['backout_of']")" "('backout', '$W', '$R')" \
  "(a) report --format json: kind and trail"

# ---- (b) on critical undo: the undo run names the watch ---------------------
mkdir undo && cd undo || exit 1
cat > rollout.rbk <<'EOF2'
runbook "Roll-out with undo" {
  probe errors = num(trim(read_file("errors.txt")))
  trigger "Errors" critical when probe("errors") > 0
  on critical undo
  step deploy {
    run "echo v2.0 > version.txt"
    undo { run "echo v1.9 > version.txt" }
  }
}
EOF2
echo 0 > errors.txt
"$RBK" run rollout.rbk >/dev/null 2>&1
R=$(cat .rbk/latest/rollout)
echo 3 > errors.txt
"$RBK" watch --every 100ms rollout.rbk >/dev/null 2>&1
expect_eq "$(cat version.txt)" "v1.9" "(b) the watch undid the roll-out"
W=$(ls .rbk/watches)
expect_match "$(cat ".rbk/watches/$W/journal.jsonl")" "\"type\":\"backout\",\"trigger\":\"Errors\",\"how\":\"undo\",\"target\":\"[^\"]*\",\"run\":\"$R-undo\",\"undo_of\":\"$R\"" \
  "(b) the watch's journal names the undo run it started"
expect_match "$(NO_COLOR=1 "$RBK" status "$R-undo")" "^State +succeeded, undo of $R, started by watch $W$" "(b) status of the undo run: undo of, started by"
expect_match "$(NO_COLOR=1 "$RBK" status "$R")" "^State +succeeded, undone by $R-undo$" "(b) status of the roll-out: undone by"
expect_match "$("$RBK" report "$R-undo")" "What triggered the backout\\? \\| Trigger \"Errors\" \\(critical\\) fired in watch \`$W\`" \
  "(b) the undo run's report answers what triggered it"
cd "$d" || exit 1

# ---- (c) a run, then rbk undo by hand ----------------------------------------
mkdir hand && cd hand || exit 1
cat > up.rbk <<'EOF2'
runbook "Cache upgrade" {
  step bump { run "echo 2 > v.txt"
    undo { run "echo 1 > v.txt" } }
}
EOF2
"$RBK" run up.rbk >/dev/null 2>&1
R=$(cat .rbk/latest/up)
"$RBK" undo --yes "$R" >/dev/null 2>&1; ok $? "(c) rbk undo of the run"
"$RBK" runs --format json > runs.json
expect_eq "$(jget runs.json "[(r['trail']['undone_by'], r['trail']['undone_by_state']) for r in j['runs'] if r['run']=='$R'][0]")" "('$R-undo', 'succeeded')" \
  "(c) runs --format json: undone_by and its state"
expect_eq "$(jget runs.json "[(r['trail']['undo_of'], r['trail']['started_by']) for r in j['runs'] if r['run']=='$R-undo'][0]")" "('$R', None)" \
  "(c) runs --format json: undo_of, and no watch"
rep=$("$RBK" report "$R")
expect_match "$rep" "^\\| Undone by \\| \`$R-undo\` \\(succeeded\\) \\|$" "(c) report of the run: Undone by"
expect_match "$rep" "^# Post-upgrade review: Cache upgrade$" "(c) and its heading read from the title (an upgrade)"
expect_match "$("$RBK" report "$R-undo")" "^\\| Undo of \\| \`$R\` \\|$" "(c) report of the undo run: Undo of"
cd "$d" || exit 1

# ---- (d) a backout started by a person with --after ---------------------------
R=$(cat .rbk/latest/rollout)
"$RBK" run --new --after "$R" --events ev.jsonl backout.rbk >/dev/null 2>&1; ok $? "(d) rbk run --after RUN"
expect_match "$(head -1 ev.jsonl)" "\"event\":\"run_start\".*\"after\":\"$R\"" "(d) the event stream's run_start names it too"
B=$(cat .rbk/latest/backout)
expect_match "$(head -1 ".rbk/runs/$B/journal.jsonl")" "\"after\":\"$R\"" "(d) the run_start names the run it backs out"
expect_match "$(tail -1 ".rbk/runs/$R/journal.jsonl")" "\"type\":\"link\",\"run\":\"$B\",\"relation\":\"backout\"" "(d) and that run gets a link record"
expect_match "$("$RBK" report "$B")" "What triggered the backout\\? \\| No watch started it: a person did, as the backout of run \`$R\`; no trigger is recorded\\." \
  "(d) the report says a person started it, after which run"

# ---- (d2) --after links a run as it starts, never one that goes on ----------------
cat > gated.rbk <<'EOF2'
runbook "Portal v2.0 gated backout" {
  owner pm
  role pm "John Smith"
  role lead "Jane Doe"
  step confirm_it { approve by lead "back it out?" }
  step restore "Restore v1.9" { run "echo v1.9 > version.txt" }
}
EOF2
"$RBK" run gated.rbk </dev/null >/dev/null 2>&1; rc=$?
expect_eq "$rc" 3 "(d2) a backout started without --after waits at its gate"
G=$(cat .rbk/latest/gated)
before=$(cat ".rbk/runs/$G/journal.jsonl")
err=$("$RBK" run --after "$R" gated.rbk </dev/null 2>&1); rc=$?
expect_eq "$rc" 2 "(d2) rbk run --after RUN that would continue it: usage error"
expect_match "$err" "^rbk run: --after $R: run $G was started without --after, and --after only links a run as it starts$" \
  "(d2) saying the run was started without it"
expect_match "$err" "^hint: 'rbk run --new --after $R gated.rbk' starts a new run" "(d2) with the command that starts a new one"
expect_eq "$(cat ".rbk/runs/$G/journal.jsonl")" "$before" "(d2) and the waiting run's journal is untouched"
"$RBK" run --new --after "$R" gated.rbk </dev/null >/dev/null 2>&1; rc=$?
expect_eq "$rc" 3 "(d2) --new --after starts the backout, which waits at its gate"
G2=$(cat .rbk/latest/gated)
"$RBK" run --after "$R" gated.rbk </dev/null >/dev/null 2>&1; rc=$?
expect_eq "$rc" 3 "(d2) the same --after continues it (still waiting)"
"$RBK" run --new rollout.rbk </dev/null >/dev/null 2>&1
R2=$(cat .rbk/latest/rollout)
err=$("$RBK" run --after "$R2" gated.rbk </dev/null 2>&1); rc=$?
expect_eq "$rc" 2 "(d2) --after another roll-out: refused"
expect_match "$err" "^rbk run: --after $R2: run $G2 was started as the backout of run $R, and" "(d2) naming the run it backs out"

# ---- (e) a link to nothing is refused, with nothing written -----------------
n=$(ls .rbk/runs | wc -l)
err=$("$RBK" run --new --started-by no-such-watch backout.rbk 2>&1); rc=$?
expect_eq "$rc" 2 "(e) --started-by a watch that does not exist: usage error"
expect_match "$err" "^rbk run: --started-by no-such-watch: no watch no-such-watch in " "(e) saying so"
err=$("$RBK" run --new --after no-such-run backout.rbk 2>&1); rc=$?
expect_eq "$rc" 2 "(e) --after a run that does not exist: usage error"
expect_match "$err" "^rbk run: --after no-such-run: no such run in " "(e) saying so"
expect_eq "$(ls .rbk/runs | wc -l)" "$n" "(e) and no run was made"
err=$("$RBK" undo --yes --started-by ../x "$R" 2>&1); rc=$?
expect_eq "$rc" 2 "(e) rbk undo --started-by a path: usage error"

done_testing
