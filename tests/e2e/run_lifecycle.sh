#!/bin/bash
# run_lifecycle.sh -- the life of a run around the operator (issue 16):
# SIGHUP (the terminal closed) is journaled like Ctrl-C, stops the child
# group and leaves the run resumable, for rbk run and for the REPL (a real
# terminal, tmux, closed under it); the step header after a REPL session
# gives the step's place in the plan.
. "$(dirname "$0")/lib.bash"
command -v tmux >/dev/null || "$RBK_TOP/deps.sh" test >/dev/null 2>&1
T=$(tmpdir)
sock="rbk-life-$$"
trap 'tmux -L "$sock" kill-server 2>/dev/null; rm -rf "$T"' EXIT
cd "$T" || exit 1
export RBK_STATE_DIR="$T/state" RBK_HISTORY="$T/hist"

alive() {
  local st
  [ -r "/proc/$1/stat" ] || return 1
  st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  st=${st##*) }
  [ "${st%% *}" != Z ]
}
gone_within() {   # gone_within SECONDS PID: 0 once PID is gone
  local i
  for ((i = 0; i < $1 * 10; i++)); do alive "$2" || return 0; sleep 0.1; done
  return 1
}
wait_file() {
  local i
  for ((i = 0; i < 200; i++)); do [ -s "$1" ] && return 0; sleep 0.1; done
  return 1
}
last_type() { tail -1 "$1" | jq -r .type; }

# ---- (a) rbk run and SIGHUP ---------------------------------------------------
cat > hup.rbk <<'EOF'
runbook "Hangup" {
  step sleeper {
    run "echo $PPID > rbk.pid; if [ -e slow ]; then sleep 57 & echo $! > sleeper.pid; wait; fi"
  }
  step later { log "later ran" }
}
EOF
touch slow
(exec timeout 60 "$RBK" run --new hup.rbk >"$T/a.out" 2>"$T/a.err" </dev/null) &
bg=$!
if wait_file rbk.pid && wait_file sleeper.pid; then kill -HUP "$(cat rbk.pid)"; fi
wait "$bg"; rc=$?
expect_eq "$rc" 130 "(a) SIGHUP: rbk run exits 130, as for Ctrl-C"
gone_within 5 "$(cat sleeper.pid 2>/dev/null || echo 999999999)"; ok $? "(a) the child group is stopped"
j=$(ls -d state/runs/hup-*/ | head -1)journal.jsonl
expect_eq "$(last_type "$j")" interrupted "(a) the journal's last record is 'interrupted'"
expect_eq "$(tail -1 "$j" | jq -r .signal)" HUP "(a) with signal HUP"
run=$(basename "$(dirname "$j")")
out=$("$RBK" status "$run" 2>&1)
expect_match "$out" 'interrupted' "(a) rbk status says interrupted"
rm -f rbk.pid sleeper.pid
rm -f slow   # the command is run again, quickly now
out=$(timeout 60 "$RBK" resume "$run" 2>&1 </dev/null); rc=$?
expect_eq "$rc" 3 "(a) the resume asks about the command the hang-up cut short"
expect_match "$out" "to go on: rbk answer $run rerun" "(a) and names the one command that decides it"
"$RBK" answer "$run" rerun >/dev/null 2>&1
out=$(timeout 60 "$RBK" resume "$run" 2>&1 </dev/null); rc=$?
expect_eq "$rc" 0 "(a) the run resumes after the hang-up"
expect_match "$out" 'later ran' "(a) and runs the step that came after"

# ---- (b) the REPL, its terminal closed under it -------------------------------
cat > repl.rbk <<'EOF'
runbook "Night" {
  step one { log "one ran" }
  step two { run "if [ -e slow ]; then sleep 58 & echo $! > two.pid; wait; fi" }
  step three { log "three ran" }
}
EOF
if command -v tmux >/dev/null; then
  touch slow
  tmux -L "$sock" new-session -d -s rbk -x 160 -y 50 \
    "cd $T && env RBK_STATE_DIR=$T/state RBK_HISTORY=$T/hist NO_COLOR=1 TERM=xterm $RBK repl repl.rbk --new"
  for i in $(seq 1 200); do tmux -L "$sock" capture-pane -p -t rbk 2>/dev/null | grep -q '^rbk>' && break; sleep 0.1; done
  tmux -L "$sock" send-keys -t rbk ':run two' Enter
  wait_file two.pid; ok $? "(b) step two's command runs"
  tmux -L "$sock" kill-session -t rbk   # the terminal closes: SIGHUP
  gone_within 10 "$(cat two.pid 2>/dev/null || echo 999999999)"; ok $? "(b) the hang-up stops the child group"
  j=$(ls -d state/runs/repl-*/ | head -1)journal.jsonl
  for i in $(seq 1 100); do [ "$(last_type "$j")" = interrupted ] && break; sleep 0.1; done
  expect_eq "$(last_type "$j")" interrupted "(b) the REPL journals the hang-up as its last record"
  expect_eq "$(tail -1 "$j" | jq -r .signal)" HUP "(b) with signal HUP"
  run=$(basename "$(dirname "$j")")
  for i in $(seq 1 100); do "$RBK" status "$run" 2>&1 | grep -q 'Being executed' || break; sleep 0.1; done
  expect_match "$("$RBK" status "$run" 2>&1)" 'interrupted' "(b) rbk status says interrupted"
  rm -f two.pid slow
  out=$(timeout 60 "$RBK" resume "$run" 2>&1 </dev/null); rc=$?
  expect_match "$out" "to go on: rbk answer $run rerun" "(b) the resume asks about the command the hang-up cut short"
  "$RBK" answer "$run" rerun >/dev/null 2>&1
  out=$(timeout 60 "$RBK" resume "$run" 2>&1 </dev/null); rc=$?
  expect_eq "$rc" 0 "(b) the REPL's run resumes"
  expect_match "$out" '==> \[3/3\] three' "(b) the resume's header gives the step's place in the plan"
  expect_match "$out" '==> \[2/3\] two' "(b) for each step it runs"
  expect_match "$out" 'three ran' "(b) and runs the step still to do"
else
  ok 1 "(b) tmux is not installed: the REPL hang-up is not tested"
fi
# ---- (c) rbk status and runs: stderr lines, the link to an undo run ------------
cat > bad.rbk <<'EOF'
runbook "Bad" {
  step bad { run "echo oops >&2; echo second-line >&2; exit 3" }
}
EOF
"$RBK" run --new bad.rbk >/dev/null 2>&1
run=$(ls state/runs | grep '^bad-' | head -1)
out=$("$RBK" status "$run" 2>&1)
! grep -qF '\n' <<<"$out"; ok $? "(c) rbk status shows no literal \\n in a step's error"
expect_match "$out" '^ +second-line$' "(c) each line of the command's stderr on a line of its own"
cat > u.rbk <<'EOF'
runbook "Undoable" {
  step make { run "touch made.out"
    undo { run "rm -f made.out" } }
}
EOF
"$RBK" run --new u.rbk >/dev/null 2>&1
run=$(ls state/runs | grep '^u-' | grep -v undo | head -1)
"$RBK" undo "$run" --yes >/dev/null 2>&1; rc=$?
expect_eq "$rc" 0 "(c) rbk undo of a finished run"
expect_match "$("$RBK" status "$run")" "^State +succeeded, undone by $run-undo$" "(c) status of the original: undone by its undo run"
expect_match "$("$RBK" status "$run-undo")" "^State +succeeded, undo of $run$" "(c) status of the undo run: the reverse link"
out=$("$RBK" runs)
expect_match "$out" "^$run +succeeded, undone by $run-undo " "(c) rbk runs shows the link"
expect_match "$out" "^$run-undo +succeeded, undo of $run " "(c) and the reverse link"
expect_match "$("$RBK" report "$run")" "\| Outcome \| succeeded, undone by $run-undo \|" "(c) rbk report's outcome links the undo run"
expect_match "$("$RBK" report "$run-undo")" "\| Outcome \| succeeded, undo of $run \|" "(c) and the undo run's links back"
# ---- (d) the summary after rbk resume comes from the journal -----------------
cat > s.rbk <<'EOF'
runbook "Summary" {
  step slow { run "sleep 1.2" }
  step skipme { log "never" }
  step quick { log "quick" }
  step last { log "last" }
}
EOF
printf '%s\n' ':next' ':skip skipme "not needed"' ':run quick' ':quit' | "$RBK" repl --new s.rbk >/dev/null 2>&1
run=$(ls state/runs | grep '^s-' | head -1)
out=$(timeout 60 "$RBK" resume "$run" 2>&1 </dev/null); rc=$?
expect_eq "$rc" 0 "(d) the resume of a REPL-worked run succeeds"
expect_match "$out" '^slow +ok +[1-9](\.[0-9])?s' "(d) a step run at the REPL shows the time it took then, not the replay's 0s"
expect_match "$out" '^skipme +skipped +- ' "(d) the skipped step is shown skipped"
expect_match "$out" '^total +[1-9](\.[0-9])?s' "(d) the total counts it"
# ---- (e) rbk resume keeps the run's own --only / --from ------------------------
cat > o.rbk <<'EOF'
runbook "Only" {
  step first { log "first ran" }
  step gate { ask "go?" }
  step third { log "third ran" }
}
EOF
"$RBK" run --new --only gate o.rbk </dev/null >/dev/null 2>&1; rc=$?
expect_eq "$rc" 3 "(e) an --only run waits at its gate"
run=$(ls state/runs | grep '^o-' | head -1)
"$RBK" answer "$run" yes >/dev/null 2>&1
out=$(timeout 60 "$RBK" resume "$run" 2>&1 </dev/null); rc=$?
expect_eq "$rc" 0 "(e) its resume succeeds"
! grep -q 'no longer matches' <<<"$out"; ok $? "(e) and reports no divergence"
! grep -Eq 'first ran|third ran' <<<"$out"; ok $? "(e) it runs no step outside --only"
expect_match "$out" '^==> \[1/1\] gate' "(e) its header counts the run's selection"
j=state/runs/$run/journal.jsonl
expect_eq "$(jq -r 'select(.type=="step_start") | .step' "$j" | sort -u | tr '\n' ' ')" "gate " "(e) the journal has no step start outside --only"
expect_eq "$(jq -c 'select(.type=="run_start") | .only' "$j")" '["gate"]' "(e) run_start records the selection"
"$RBK" run --new --from gate o.rbk </dev/null >/dev/null 2>&1
run=$(ls -t state/runs | grep '^o-' | head -1)
"$RBK" answer "$run" yes >/dev/null 2>&1
out=$(timeout 60 "$RBK" resume "$run" 2>&1 </dev/null); rc=$?
expect_eq "$rc" 0 "(e) a --from run resumes"
! grep -q 'first ran' <<<"$out"; ok $? "(e) without the steps before --from"
expect_match "$out" 'third ran' "(e) and with the steps after it"
# ---- (f) rbk killed during an improvised command -------------------------------
cat > c.rbk <<'EOF'
runbook "Crash" {
  step a { run "echo step-a" }
  step b { run "echo step-b" }
}
EOF
mkfifo in.fifo
"$RBK" repl --new --as nightowl c.rbk <in.fifo >/dev/null 2>&1 &
bg=$!
exec 3>in.fifo   # the input stays open, as a person's would
printf '%s\n' 'run "sleep 59 & echo $! > imp.pid; wait"' >&3
wait_file imp.pid; ok $? "(f) the improvised command runs"
kill -KILL "$bg"; wait "$bg" 2>/dev/null
exec 3>&-
kill -KILL "$(cat imp.pid)" 2>/dev/null
run=$(ls state/runs | grep '^c-' | head -1)
out=$(printf '%s\n' ':next' ':next' ':quit' | "$RBK" repl --run "$run" 2>&1)
expect_match "$out" 'in doubt: improvised input #1, typed by nightowl at [0-9T:.-]+Z, never ended' "(f) reopening says which improvised input is in doubt, who typed it and when"
expect_match "$out" 'sleep 59' "(f) what was typed"
expect_match "$out" 'its process group may still be running' "(f) and that its processes may still run"
rep=$("$RBK" report "$run" 2>&1)
expect_match "$rep" 'started `sleep 59[^|]*; its end was never journaled \(in doubt\) \(REPL \\#1\)' "(f) the report attributes the command in doubt to the improvisation"
! grep -E 'step-(a|b)|repl_end|resumed by|step [12] `[ab]`' <<<"$rep" | grep -q 'REPL'; ok $? "(f) and nothing after it"
done_testing
