#!/bin/bash
# run_verbosity.sh -- how much a run shows, and when (issue 16 items 17, 7
# and 10): heartbeat lines for a long step when stdout is not a terminal
# (RBK_HEARTBEAT lowers the 30 s interval), --timestamps on every line,
# -q and -v on run, resume, undo and watch; a resume shows the steps it
# replays once, as done before, with their time from the journal; rbk
# undo waiting at a gate says what it waits for and what unblocks it.
# Real sleeping commands; no assertion on how long anything took.
. "$(dirname "$0")/lib.bash"
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
export RBK_STATE_DIR="$T/state" NO_COLOR=1
unset RBK_HEARTBEAT

cat > slow.rbk <<'RBK'
runbook "Slow" {
  step restore_db {
    timeout 30m
    run "sleep 3; echo restored"
  }
  step quick { run "echo quick" }
}
RBK

# ---- heartbeat -------------------------------------------------------------------
out=$(RBK_HEARTBEAT=1s timeout 60 "$RBK" run --new slow.rbk 2>&1 </dev/null); rc=$?
expect_eq "$rc" 0 "the slow run succeeds"
expect_match "$out" $'\n''\.\.\. step restore_db still running, [12]s of 30m'$'\n' \
  "stdout not a terminal: a long step prints a heartbeat line (elapsed, of its timeout)"
expect_eq "$(grep -c 'step quick still running' <<<"$out")" 0 "a quick step prints none"
out=$(timeout 60 "$RBK" run --new slow.rbk 2>&1 </dev/null)
expect_eq "$(grep -c 'still running' <<<"$out")" 0 "by default the interval is 30 s: none for a 3 s step"
out=$(RBK_HEARTBEAT=1s timeout 60 "$RBK" run --new -q slow.rbk 2>&1 </dev/null)
expect_eq "$(grep -c 'still running' <<<"$out")" 0 "-q: no heartbeat"

# ---- --timestamps -----------------------------------------------------------------
cat > fails.rbk <<'RBK'
runbook "Fails" {
  step one { run "echo one" }
  step two { run "echo to stderr >&2; exit 4" }
}
RBK
timeout 60 "$RBK" run --new --timestamps fails.rbk >"$T/o" 2>"$T/e" </dev/null; rc=$?
expect_eq "$rc" 1 "--timestamps: the failing run exits 1"
stamp='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z '
expect_eq "$(grep -Evc "$stamp" o)" 0 "--timestamps: every line of stdout begins with the UTC time"
expect_eq "$(grep -Evc "$stamp" e)" 0 "--timestamps: every line of stderr too"
expect_match "$(cat o)" "${stamp#^}==> \[1/2\] one" "the step header, stamped"
expect_match "$(cat e)" "${stamp#^}.*exit status 4|${stamp#^}.*exited with 4|${stamp#^}.*error" "the failure on stderr, stamped"

# ---- -q and -v ------------------------------------------------------------------------
cat > qv.rbk <<'RBK'
runbook "QV" {
  step one {
    run "echo chatty output"
    log "a log line"
    verify 1 + 1 == 2 "arithmetic"
  }
}
RBK
out=$(timeout 60 "$RBK" run --new -q qv.rbk 2>&1 </dev/null); rc=$?
expect_eq "$rc" 0 "-q: the run succeeds"
expect_eq "$(grep -Ec '==>|chatty output|a log line|\$ echo|^run qv' <<<"$out")" 0 \
  "-q: no step headers, commands, their output or log lines"
expect_match "$out" 'one +ok' "-q: the final summary is still shown"
out=$(timeout 60 "$RBK" run --new -q fails.rbk 2>&1 </dev/null)
expect_match "$out" 'to stderr' "-q: a failure is still shown, with the command's stderr"
expect_match "$out" '--- two: failed' "-q: and the step that failed"
out=$(timeout 60 "$RBK" run --new -v qv.rbk 2>&1 </dev/null)
expect_match "$out" 'verify 1 \+ 1 == 2: passed \(left 2, right 2\)' "-v: each verify with its values"
expect_match "$out" 'exit 0 \(' "-v: each command's exit status"
expect_match "$out" '\$ echo chatty output' "-v: the command lines"
out=$(timeout 60 "$RBK" run --new qv.rbk 2>&1 </dev/null)
expect_eq "$(grep -c 'verify 1 + 1' <<<"$out")" 0 "without -v no verify values"

# ---- a resume shows replayed steps once, as done before (item 7) --------------------
cat > gate.rbk <<'RBK'
runbook "Gate" {
  role lead "Jane Doe"
  step prepare { run "sleep 1.2" }
  step go { approve by lead "go?" run "echo went" }
}
RBK
timeout 60 "$RBK" run --new gate.rbk >/dev/null 2>"$T/ge" </dev/null
run=$(ls state/runs | grep '^gate-' | head -1)
expect_match "$(cat ge)" "waiting for approval by lead \(Jane Doe\) \(step go\)" "rbk run waiting at a gate says what it waits for (item 10)"
expect_match "$(cat ge)" "to go on: rbk approve $run --as lead" "and the one command that unblocks it"
expect_eq "$(grep -c 'error' ge)" 0 "and it is not shown as an error"
"$RBK" approve "$run" --as lead >/dev/null 2>&1
out=$(timeout 60 "$RBK" resume "$run" 2>&1 </dev/null); rc=$?
expect_eq "$rc" 0 "the resumed run succeeds"
expect_match "$out" $'\n''--- prepare: ok \(1(\.[0-9])?s, done before\)'$'\n' \
  "a replayed step is shown once with its original outcome and time"
expect_eq "$(grep -c '==> \[1/2\] prepare' <<<"$out")" 0 "with no step header of its own"
expect_eq "$(grep -Ec 'prepare: ok \(0(\.0)?s\)' <<<"$out")" 0 "and never as ok (0s)"
expect_match "$out" '==> \[2/2\] go' "the step continued live has its header"
expect_match "$out" $'\n''prepare +ok +1(\.[0-9])?s' "the summary takes the replayed step's time from the journal"
# a run worked on at the REPL, then resumed: its steps are replayed as actions
cat > s.rbk <<'RBK'
runbook "Summary" {
  step slow { run "sleep 1.2" }
  step skipme { log "never" }
  step quick { log "quick" }
  step last { log "last" }
}
RBK
printf '%s\n' ':next' ':skip skipme "not needed"' ':run quick' ':quit' | timeout 60 "$RBK" repl --new s.rbk >/dev/null 2>&1
srun=$(ls state/runs | grep '^s-' | head -1)
out=$(timeout 60 "$RBK" resume "$srun" 2>&1 </dev/null); rc=$?
expect_eq "$rc" 0 "the resume of a REPL-worked run succeeds"
expect_match "$out" $'\n''--- slow: ok \(1(\.[0-9])?s, done before\)'$'\n' "a step run at the REPL is shown once, done before, with its time then"
expect_eq "$(grep -Ec '(slow|quick): ok \(0(\.0)?s\)$|==> \[[0-9]/4\] (slow|quick)|skipme: ok' <<<"$out")" 0 \
  "no replayed step is shown as run again, none as ok (0s), the skipped one not as ok"
expect_match "$out" '==> \[4/4\] last' "the step still to do runs"
# at the REPL, a step done before and run again is live, not replayed
cat > again.rbk <<'RBK'
runbook "Again" {
  step one { run "echo one ran" }
  step two { log "two" }
}
RBK
printf '%s\n' ':next' ':quit' | timeout 60 "$RBK" repl --new again.rbk >/dev/null 2>&1
out=$(printf '%s\n' ':run one again' ':quit' | timeout 60 "$RBK" repl again.rbk 2>&1)
expect_match "$out" '==> \[1/2\] one' "REPL: ':run STEP again' of a step done before shows its header"
expect_match "$out" 'one \| one ran' "REPL: and runs it"
expect_eq "$(grep -c 'done before' <<<"$out")" 0 "REPL: it is not shown as replayed"
out=$(timeout 60 "$RBK" run --new -q gate.rbk 2>&1 </dev/null)
expect_match "$out" 'waiting for approval by lead' "-q: a gate is still shown"

# ---- rbk undo: waiting at a gate (item 10), -q ------------------------------------------
cat > un.rbk <<'RBK'
runbook "Undoable" {
  role lead "Jane Doe"
  step one { run "echo one" undo { run "echo undo one" } }
  step two {
    run "echo two"
    undo { approve by lead "really undo two?" run "echo undo two" }
  }
}
RBK
timeout 60 "$RBK" run --new un.rbk >/dev/null 2>&1 </dev/null
urun=$(ls state/runs | grep '^un-' | head -1)
timeout 60 "$RBK" undo "$urun" >"$T/uo" 2>"$T/ue" </dev/null; rc=$?
expect_eq "$rc" 3 "rbk undo waits at the undo block's approval (exit 3)"
expect_eq "$(grep -c 'error' ue)" 0 "the wait is not shown as an error"
expect_match "$(cat ue)" 'waiting for approval by lead \(Jane Doe\)' "it says what it waits for"
expect_match "$(cat ue)" "to go on: rbk approve $urun-undo --as lead" "and the one command that unblocks it"
expect_match "$(cat ue)" "then: rbk undo $urun"$ "and how the undo goes on"
st=$("$RBK" status "$urun-undo" 2>&1)
expect_match "$st" "rbk undo $urun" "rbk status of the waiting undo run names 'rbk undo $urun' to go on"
ok $(! grep -q "rbk resume" <<<"$st"; echo $?) "and not 'rbk resume', which does not continue an undo run"
out=$("$RBK" approve "$urun-undo" --as lead 2>&1)
expect_match "$out" "'rbk undo $urun' continues the undo" "rbk approve of an undo run says 'rbk undo $urun' goes on"
out=$(timeout 60 "$RBK" undo "$urun" -q 2>&1 </dev/null); rc=$?
expect_eq "$rc" 0 "the undo completes"
expect_eq "$(grep -Ec '<== undo|\$ echo' <<<"$out")" 0 "rbk undo -q: no headers or command lines"
out=$(timeout 60 "$RBK" undo "$urun" -v 2>&1 </dev/null)
expect_match "$out" 'already been undone' "rbk undo -v is accepted"

# ---- rbk watch -q / -v --------------------------------------------------------------------
echo 0 > pct.txt
cat > watch.rbk <<'RBK'
runbook "Watched" {
  probe pct = num(trim(read_file("pct.txt")))
  trigger "Errors" minor when probe("pct") > 5
  step deploy { run "true" }
}
RBK
out=$(timeout 60 "$RBK" watch --for 1s --every 200ms -v watch.rbk 2>&1 </dev/null); rc=$?
expect_eq "$rc" 0 "rbk watch -v: the window passes"
expect_match "$out" 'round [2-9]: pct=0' "rbk watch -v: a line per round with the probe values"
out=$(timeout 60 "$RBK" watch --for 1s --every 200ms -q watch.rbk 2>&1 </dev/null)
expect_eq "$(grep -Ec 'trigger, window|round |"Errors" \(when' <<<"$out")" 0 "rbk watch -q: no header, no states"
expect_match "$out" 'the window \(1s\) passed' "rbk watch -q: the outcome is still said"
out=$(timeout 60 "$RBK" watch --for 1s --every 200ms --timestamps watch.rbk 2>&1 </dev/null)
expect_eq "$(grep -Evc "$stamp" <<<"$out")" 0 "rbk watch --timestamps: every line stamped"

for c in run resume undo watch; do
  h=$("$RBK" "$c" --help)
  expect_match "$h" '-q, --quiet' "rbk $c --help lists -q"
  expect_match "$h" '-v, --verbose' "rbk $c --help lists -v"
  expect_match "$h" '--timestamps' "rbk $c --help lists --timestamps"
done
done_testing
