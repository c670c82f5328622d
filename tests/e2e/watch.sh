#!/bin/bash
# tests/e2e/watch.sh -- rbk watch against a probe whose value the test
# changes (a file the probe reads): minor logs, a `for` hold goes pending
# then firing, major notifies the decision maker through the runbook's
# notifier and records its question (no terminal) -- or, at a terminal,
# asks and acts on the answer -- and critical notifies and runs the
# declared backout. Also: the window passing, `on critical undo`, a
# notifier that fails without stopping a backout, a probe that fails, no
# backout declared, and usage errors. The test waits for each state to
# appear in the watch's output before changing the value: no timing is
# asserted.
set -u
top=${RBK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/e2e/lib.bash"
# set_pct N: the probe's value, replaced atomically (rename), so that a
# probe never reads a half-written file
set_pct() { echo "$1" > err_pct.txt.new && mv err_pct.txt.new err_pct.txt; }
d=$(tmpdir)
wpid=""
trap '[ -n "$wpid" ] && kill "$wpid" 2>/dev/null; rm -rf "$d"' EXIT
cd "$d" || exit 1
unset RBK_STATE_DIR

# wait_for PATTERN FILE: until the pattern appears (at most a minute, so a
# broken watch fails the test instead of hanging it).
wait_for() {
  local i
  for i in $(seq 1 600); do grep -Eq -- "$1" "$2" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}

cat > rollout.rbk <<'EOF'
runbook "Portal v2.0 roll-out" {
  owner pm
  role pm "John Smith" email "pm@example.com"
  notifier "printf '%s|%s|%s|%s\n' ${to} ${email} ${title} ${message} >> notes.txt"
  probe err_pct = num(trim(read_file("err_pct.txt")))
  trigger "Error rate over 50%" critical when probe("err_pct") > 50
  trigger "Error rate over 20%" major when probe("err_pct") > 20
  trigger "Error rate over 5%" minor when probe("err_pct") > 5
  trigger "Any errors for 1s" minor when probe("err_pct") > 1 for 1s
  on critical run "backout.rbk"
  step deploy { run "echo v2.0 > version.txt" }
}
EOF
cat > backout.rbk <<'EOF'
runbook "Portal v2.0 backout" {
  role pm "John Smith"
  step restore { run "echo v1.9 > version.txt" }
}
EOF

# --- the whole sequence, without a terminal --------------------------------
set_pct 0
"$RBK" watch --for 5m --every 100ms rollout.rbk > w.out 2>&1 &
wpid=$!
wait_for 'minor "Any errors for 1s" \(when probe\("err_pct"\) > 1\): ok \[err_pct=0\]' w.out
ok $? "the first round shows each trigger's state and the probe's value"
set_pct 2
wait_for '"Any errors for 1s": ok -> pending \[err_pct=2\]' w.out
ok $? "a trigger with 'for 1s' goes pending when its condition starts to hold"
wait_for '"Any errors for 1s": pending -> firing' w.out
ok $? "and fires once it has held for 1s"
wait_for 'minor "Any errors for 1s": logged; watching goes on' w.out
ok $? "minor: logged, and the watch goes on"
set_pct 10
wait_for 'minor "Error rate over 5%": logged; watching goes on' w.out
ok $? "a second minor trigger fires and is logged"
set_pct 30
wait_for 'major "Error rate over 20%": the question is recorded \(no one at a terminal\); watching goes on' w.out
ok $? "major: without a terminal the question is recorded and the watch goes on"
expect_match "$(cat notes.txt 2>/dev/null)" '^pm\|pm@example.com\|Portal v2.0 roll-out\|MAJOR: "Error rate over 20%" fired. Can it be fixed within the window \([0-9a-z]+ left\)\? If not, the backout starts.$' \
  "major: the decision maker (the owner) is notified through the runbook's notifier, with its fields"
ok $([ ! -e version.txt ]; echo $?) "no backout yet"
set_pct 99
wait "$wpid"; rc=$?; wpid=""
expect_eq "$rc" 1 "critical: the watch ends with status 1 (a backout was called for)"
expect_eq "$(cat version.txt 2>/dev/null)" "v1.9" "critical: the declared backout ran (rbk run backout.rbk)"
out=$(cat w.out)
expect_match "$out" 'critical "Error rate over 50%": ok -> firing \[err_pct=99\]' "the critical trigger fired"
expect_match "$out" 'backout \| --- restore: ok' "the backout's output is shown, prefixed"
expect_match "$out" 'the backout succeeded \(rbk run exited 0\)' "and its outcome"
expect_match "$(tail -1 notes.txt)" '^pm\|pm@example.com\|Portal v2.0 roll-out\|CRITICAL: "Error rate over 50%" fired. The backout starts now.$' \
  "critical: the decision maker is notified"
wj=$(cat .rbk/watches/rollout-*/journal.jsonl)
expect_match "$wj" '"type":"watch_start","watch":"rollout-[0-9-]+","runbook":"rollout.rbk"' "the watch has a journal of its own"
expect_match "$wj" '"type":"trigger","trigger":"Any errors for 1s","severity":"minor","from":"ok","to":"pending","condition":"probe\(\\"err_pct\\"\) > 1","probes":\{"err_pct":2\}' \
  "each change of state is journaled, with the condition and the probe's value"
expect_match "$wj" '"type":"action","trigger":"Error rate over 20%","severity":"major","question":"can it be fixed within the window\?","role":"pm","answer":null' \
  "the major question is journaled, unanswered"
expect_match "$wj" '"type":"notify","role":"pm","text":"CRITICAL: [^"]*\\"Error rate over 50%\\" fired. The backout starts now.","notifier":"sent"' \
  "the notification is journaled"
expect_match "$wj" '"type":"backout","trigger":"Error rate over 50%","how":"run","target":"backout.rbk"' "the backout's start is journaled"
expect_match "$wj" '"type":"backout_end","status":0,"outcome":"succeeded"' "and its end"
expect_match "$wj" '"type":"watch_end","reason":"backout"' "the watch's end"
ok $(ls .rbk/runs | grep -q '^backout-'; echo $?) "the backout is a run of its own, in the same state directory"
"$RBK" log "$(ls -d .rbk/watches/rollout-*)" --verify >/dev/null 2>&1
ok $? "the watch journal's hash chain verifies"

# --- the window passes -------------------------------------------------------
set_pct 0
rm -f version.txt
out=$("$RBK" watch --for 1s --every 200ms rollout.rbk 2>&1); rc=$?
expect_eq "$rc" 0 "nothing fires within the window: exit 0"
expect_match "$out" 'the window \(1s\) passed; no trigger called for a backout' "saying the window passed"
ok $([ ! -e version.txt ]; echo $?) "and no backout ran"

# --- at a terminal: a major question answered yes, then no ------------------
if command -v script >/dev/null 2>&1; then
  set_pct 30
  out=$( (sleep 1; printf 'yes\n') | script -qec "$RBK watch --for 3s --every 200ms rollout.rbk" /dev/null 2>&1); rc=$?
  expect_eq "$rc" 0 "at a terminal, a major issue answered 'fixable' lets the window pass (exit 0)"
  expect_match "$out" 'QUESTION.*Major: "Error rate over 20%". Can it be fixed within the window' "the decision maker is asked"
  expect_match "$out" 'fixable within the window: fix forward; watching goes on' "yes: fix forward"
  ok $([ ! -e version.txt ]; echo $?) "and no backout ran"
  out=$( (sleep 1; printf 'no\n') | script -qec "$RBK watch --for 1m --every 200ms rollout.rbk" /dev/null 2>&1); rc=$?
  expect_eq "$rc" 1 "answered 'not fixable', the backout runs (exit 1)"
  expect_eq "$(cat version.txt 2>/dev/null)" "v1.9" "the backout ran"
  expect_match "$(cat .rbk/watches/*/journal.jsonl)" '"answer":"no","by":"[^"]+","action":"backout"' "the answer, and who gave it, are journaled"
  expect_match "$out" 'TRIGGER +SEVERITY +CONDITION +STATE' "a terminal gets the live table"
else
  for i in 1 2 3 4 5 6 7 8; do ok 1 "script(1) is needed for the terminal tests (util-linux)"; done
fi

# --- on critical undo ---------------------------------------------------------
mkdir undo && cd undo || exit 1
cat > rollout.rbk <<'EOF'
runbook "Roll-out with undo" {
  probe errors = num(trim(read_file("errors.txt")))
  trigger "Errors" critical when probe("errors") > 0
  on critical undo
  step deploy {
    run "echo v2.0 > version.txt"
    undo { run "echo v1.9 > version.txt" }
  }
}
EOF
echo 0 > errors.txt
"$RBK" run rollout.rbk >/dev/null 2>&1
expect_eq "$(cat version.txt)" "v2.0" "the roll-out ran"
echo 3 > errors.txt
out=$("$RBK" watch --every 100ms rollout.rbk 2>&1); rc=$?
expect_eq "$rc" 1 "on critical undo: the watch ends with status 1"
expect_eq "$(cat version.txt)" "v1.9" "the latest run of the roll-out was undone"
expect_match "$out" 'backout: rbk undo \.rbk/runs/rollout-[0-9-]+' "by rbk undo of that run"
ok $(ls .rbk/runs | grep -q -- '-undo$'; echo $?) "the undo is a run of its own"
cd "$d" || exit 1

# --- a failing notifier does not stop the backout ----------------------------
mkdir nfail && cd nfail || exit 1
cat > rb.rbk <<'EOF'
runbook "Failing notifier" {
  owner ops
  role ops "Dave Jones"
  notifier "echo cannot reach the mail server >&2; exit 3"
  probe p = num(trim(read_file("p.txt")))
  trigger "P" critical when probe("p") > 0
  on critical run "back.rbk"
  step s { notify ops "deploying" }
}
EOF
cat > back.rbk <<'EOF'
runbook "Backout with a failing notifier" {
  role ops "Dave Jones"
  notifier "exit 9"
  step one { notify ops "backout started" }
  step two { run "touch backed-out" }
}
EOF
echo 0 > p.txt
out=$("$RBK" run rb.rbk 2>&1); rc=$?
expect_eq "$rc" 0 "a notify whose notifier fails does not fail the step"
expect_match "$out" 'warning: the notifier failed \(the notification is journaled; the run goes on\): command failed with exit status 3' \
  "the failure is shown"
expect_match "$(cat .rbk/runs/rb-*/journal.jsonl)" '"notifier_error":"command failed with exit status 3' "and journaled with the notification"
echo 1 > p.txt
out=$("$RBK" watch --every 100ms rb.rbk 2>&1); rc=$?
expect_match "$out" 'the notifier failed \(command failed with exit status 3\); going on' "the watch's notification fails"
ok $([ -e backed-out ]; echo $?) "and the backout runs anyway, through its own failing notifier, to the end"
expect_match "$(cat .rbk/watches/*/journal.jsonl)" '"type":"notify","role":"ops".*"notifier_error":"command failed with exit status 3' "the watch journals the failure"
cd "$d" || exit 1

# --- a probe that fails; no backout declared ---------------------------------
mkdir misc && cd misc || exit 1
cat > nob.rbk <<'EOF'
runbook "No backout" {
  probe p = num(trim(read_file("p.txt")))
  trigger "P" critical when probe("p") > 0
  step s { log "x" }
}
EOF
out=$("$RBK" watch --for 1s --every 200ms nob.rbk 2>&1); rc=$?
expect_eq "$rc" 0 "a probe that fails does not fire its trigger"
expect_match "$out" "critical \"P\": ok -> error \\[p=\\(error\\)\\] probe 'p' failed: read_file\\(\\): p.txt:" "the trigger is in error, naming the probe and saying why"
expect_match "$(cat .rbk/watches/*/journal.jsonl)" '"to":"error","condition":"probe\(\\"p\\"\) > 0","probes":\{"p":\{"undef":true\}\},"error":"probe .p. failed: read_file' \
  "and that is journaled"
echo 5 > p.txt
out=$("$RBK" watch --every 100ms nob.rbk 2>&1); rc=$?
expect_eq "$rc" 1 "a critical trigger with no backout declared ends the watch with 1"
expect_match "$out" 'no backout is declared \(on critical undo, or on critical run "F.rbk"\): a person must start it' "saying so"
printf 'runbook "none" {\n  step s { log "x" }\n}\n' > none.rbk
out=$("$RBK" watch none.rbk 2>&1); rc=$?
expect_eq "$rc" 2 "a runbook without triggers: usage error"
expect_match "$out" 'none.rbk declares no trigger: nothing to watch' "saying so"
out=$("$RBK" watch --every 5 nob.rbk 2>&1); rc=$?
expect_eq "$rc" 2 "--every without a unit is a usage error"
expect_match "$out" 'rbk watch: --every needs a duration such as 30s, 5m or 1h30m, not .5.' "saying what it needs"
out=$("$RBK" watch --help); rc=$?
expect_eq "$rc" 0 "--help exits 0"
expect_match "$out" 'Exit status:' "and documents the exit status"
done_testing
