#!/bin/bash
# tests/e2e/journal_runs.sh -- runs as the journal defines them
# (docs/journal.md): one process per run (lock, exit 4); pausing for a
# person without a terminal (exit 3) and answering with rbk approve /
# confirm / answer; a finished run does nothing again, --new starts
# another; a changed runbook is refused until --accept-changes; Ctrl-C
# (exit 130) leaves the running command in doubt, and a resume asks about
# it; secrets never reach the journal; state is private (0700/0600).
#
# Every rbk call is wrapped in timeout and reads /dev/null (no terminal).
# Nothing asserts a duration.
set -u
source tests/e2e/lib.bash
rbk() { rbk_at_T "$@"; }   # sets $out, $err, $all, $rc (lib.bash)
: "${RBK:?set RBK to the rbk binary}"
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT
export RBK_STATE_DIR=$T/state
FIX=$RBK_TOP/tests/fixtures/journal
[ -d "$FIX" ] || FIX=$(cd "$(dirname "$0")/../fixtures/journal" && pwd)
cp "$FIX"/*.rbk "$T/"

# journal ID: the path of run ID's journal
journal() { echo "$RBK_STATE_DIR/runs/$1/journal.jsonl"; }
# types ID: the record types of run ID, one line
types() { jq -r .type "$(journal "$1")" | tr '\n' ' '; }
# latest NAME: the ID of the latest run of runbook NAME
latest() { cat "$RBK_STATE_DIR/latest/$1" 2>/dev/null; }
# wait_journal ID REGEX: wait (up to 30 s) until run ID's journal matches
wait_journal() {
  local i
  for ((i = 0; i < 300; i++)); do
    grep -Eq -- "$2" "$(journal "$1")" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
# child_of PID: the (first) child of PID, waiting for it to exist
child_of() {
  local i c
  for ((i = 0; i < 100; i++)); do
    c=$(pgrep -P "$1" | head -1)
    [ -n "$c" ] && { echo "$c"; return 0; }
    sleep 0.05
  done
  return 1
}

# ---- (a) one process per run ------------------------------------------
bgout=$T/.bg.out
(cd "$T" && exec timeout 60 "$RBK" run --run-id conc concurrent.rbk </dev/null >"$bgout" 2>&1) &
bg=$!
wait_journal conc '"what":"sleep 5'
ok $? "(a) the first process is running the 5 s command"
holder=$(child_of "$bg")
rbk run concurrent.rbk
expect_eq "$rc" 4 "(a) rbk run of the same runbook while it runs: exit 4"
expect_match "$err" "process $holder\b" "(a) the message names the holder's PID ($holder)"
expect_eq "$(tr -d '\n' <"$RBK_STATE_DIR/runs/conc/lock")" "$holder" "(a) the lock file holds that PID"
rbk approve conc --as lead
expect_eq "$rc" 4 "(a) rbk approve on the running run: exit 4"
rbk answer conc "done"
expect_eq "$rc" 4 "(a) rbk answer on the running run: exit 4"
rbk resume conc
expect_eq "$rc" 4 "(a) rbk resume of the running run: exit 4"
ok $(kill -0 "$holder" 2>/dev/null; echo $?) "(a) the first process was not disturbed (still running)"
wait "$bg"
expect_eq "$?" 0 "(a) the first process finishes (exit 0)"
expect_eq "$(jq -s '[.[] | select(.type=="run_start" or .type=="resume")] | length' "$(journal conc)")" 1 \
  "(a) the refused processes wrote nothing to the journal"
expect_eq "$(ls "$RBK_STATE_DIR/runs" | wc -l)" 1 "(a) and started no other run"

# ---- (b) waiting for a person, without a terminal ---------------------
rbk run --run-id gates gates.rbk
expect_eq "$rc" 3 "(b) approve by lead without a terminal: exit 3"
expect_match "$err" "approval by lead" "(b) it says it waits for approval by lead"
expect_eq "$(jq -c 'select(.type=="gate_wait") | [.gate, .role]' "$(journal gates)")" '["approve","lead"]' \
  "(b) a gate_wait record names the gate and the role"
rbk approve gates --as ops
expect_eq "$rc" 1 "(b) rbk approve --as ops: refused (exit 1)"
expect_match "$err" "lead" "(b) the refusal names lead"
rbk confirm gates
expect_eq "$rc" 1 "(b) rbk confirm while it waits for an approval: exit 1"
rbk answer gates yes
expect_eq "$rc" 1 "(b) rbk answer yes while it waits for an approval: exit 1"
rbk approve gates --as lead --note "ok"
expect_eq "$rc" 0 "(b) rbk approve --as lead --note ok: exit 0"
a=$(jq -c 'select(.type=="effect_end" and .role=="lead") | {result, role, note, by: (.by | type)}' "$(journal gates)")
expect_eq "$a" '{"result":true,"role":"lead","note":"ok","by":"string"}' "(b) the approval is journaled with by, role and note"
rbk approve gates --as lead
expect_eq "$rc" 1 "(b) a second approval: exit 1 (nothing is waiting)"
rbk resume gates
expect_eq "$rc" 3 "(b) resume: the approved step runs, then the manual gate waits (exit 3)"
expect_eq "$(cat "$T/gates.out")" "approved" "(b) the approved command ran once"
rbk confirm gates --note "pressed"
expect_eq "$rc" 0 "(b) rbk confirm: exit 0"
rbk resume gates
expect_eq "$rc" 3 "(b) resume: the ask() question waits (exit 3)"
rbk answer gates no
expect_eq "$rc" 0 "(b) rbk answer no: exit 0"
rbk resume gates
expect_eq "$rc" 3 "(b) resume: let a = ask(...) answered no continues; the statement ask waits (exit 3)"
expect_match "$out" 'log: a=false' "(b) a is false after the answer no"
rbk answer gates no
rbk resume gates
expect_eq "$rc" 1 "(b) the statement form 'ask' answered no fails the step (exit 1)"
expect_eq "$(jq -r 'select(.type=="step_end" and .step=="asks2") | .state' "$(journal gates)")" "failed" \
  "(b) step_end of that step says failed"
expect_eq "$(cat "$T/gates.out")" "approved" "(b) the command after the refused ask did not run; nothing ran twice"
expect_eq "$(tail -1 "$(journal gates)" | jq -r '.type + " " + .state')" "run_end failed" "(b) run_end failed"
rbk run --run-id refuse gates.rbk
rbk approve refuse --as lead --refuse
expect_eq "$rc" 0 "(b) rbk approve --refuse: exit 0"
rbk resume refuse
expect_eq "$rc" 1 "(b) after a refusal the step fails on resume (exit 1)"
expect_eq "$(jq -c 'select(.type=="effect_end" and .role=="lead") | .result' "$(journal refuse)")" false \
  "(b) the refusal is journaled (result false)"

# ---- (c) a finished run does nothing; --new starts another -------------
rbk run simple.rbk
expect_eq "$rc" 0 "(c) a fresh run succeeds"
first=$(latest simple)
sum=$(sha256sum <"$(journal "$first")")
files=$(find "$RBK_STATE_DIR/runs/$first" -type f ! -name lock -printf '%f %m %s\n' | sort)
rbk run simple.rbk
expect_eq "$rc" 0 "(c) running the finished run again: exit 0"
expect_match "$out" 'already finished' "(c) it says the run has already finished"
expect_eq "$(sha256sum <"$(journal "$first")")" "$sum" "(c) no new records"
expect_eq "$(find "$RBK_STATE_DIR/runs/$first" -type f ! -name lock -printf '%f %m %s\n' | sort)" "$files" "(c) nothing else in the run changed"
expect_eq "$(cat "$T/simple.out")" "simple" "(c) the command did not run again"
rbk resume "$first"
expect_eq "$rc" 0 "(c) rbk resume of the finished run: exit 0, nothing to do"
expect_eq "$(sha256sum <"$(journal "$first")")" "$sum" "(c) still no new records"
rbk run --new simple.rbk
expect_eq "$rc" 0 "(c) --new: exit 0"
second=$(latest simple)
ok $([ -n "$second" ] && [ "$second" != "$first" ] && [ -d "$RBK_STATE_DIR/runs/$second" ]; echo $?) \
  "(c) --new made a new run directory ($second)"
expect_eq "$(jq -r 'select(.type=="run_start") | .run' "$(journal "$second")")" "$second" "(c) its run_start names it"
expect_eq "$(sha256sum <"$(journal "$first")")" "$sum" "(c) the first run is untouched"
expect_eq "$(cat "$T/simple.out")" $'simple\nsimple' "(c) the new run ran the command"

# ---- (d) a changed runbook ----------------------------------------------
cp "$T/change.rbk" "$T/change.orig"
rbk run --run-id chg change.rbk
expect_eq "$rc" 3 "(d) the run waits at its gate (exit 3)"
rbk approve chg --as lead
sed -i 's/echo two >>/echo TWO >>/' "$T/change.rbk"
sum=$(sha256sum <"$(journal chg)")
rbk resume chg
expect_eq "$rc" 2 "(d) resume after step two's command changed: exit 2"
expect_match "$err" 'changed step two' "(d) it lists 'changed step two'"
expect_match "$err" 'accept-changes' "(d) and says how to accept"
expect_eq "$(sha256sum <"$(journal chg)")" "$sum" "(d) the refusal wrote nothing"
rbk run change.rbk
expect_eq "$rc" 2 "(d) rbk run of the changed runbook (continuing the run) refuses too"
rbk resume chg --accept-changes
expect_eq "$rc" 0 "(d) resume --accept-changes: exit 0"
expect_eq "$(jq -c 'select(.type=="accept_changes") | .changed' "$(journal chg)")" '["two"]' \
  "(d) an accept_changes record lists step two"
expect_eq "$(jq -r 'select(.type=="accept_changes") | (.old_sha256 != .new_sha256) and (.by | length > 0)' "$(journal chg)")" true \
  "(d) with the old and new source hashes and who accepted"
expect_eq "$(cat "$T/change.out")" $'one\nTWO' "(d) step one was not redone; step two ran as changed"
# A step that already ran changes: its recorded effect no longer matches.
# The run must stop without pretending the step failed: exit 2, and no
# run_end, so it can still be resumed (say, once the edit is undone).
cp "$T/change.orig" "$T/change.rbk"
rm -f "$T/change.out"
rbk run --run-id chg2 change.rbk
rbk approve chg2 --as lead
sed -i 's/echo one >>/echo ONE >>/' "$T/change.rbk"
rbk resume chg2 --accept-changes
expect_match "$all" 'no longer matches' "(d) a change to a step that already ran: the replay says the runbook no longer matches"
expect_eq "$rc" 2 "(d)   exit 2 (the journal and the runbook disagree), not 1"
expect_eq "$(jq -s '[.[] | select(.type=="run_end")] | length' "$(journal chg2)")" 0 \
  "(d)   no run_end: the run is not finished (failed) because of an edit"
cp "$T/change.orig" "$T/change.rbk"
rbk resume chg2 --accept-changes
expect_eq "$rc" 0 "(d)   with the edit undone, the run resumes and succeeds"

# An accepted change is the runbook the run goes on with: a later resume
# of the same (accepted) file is not refused again.
cat > "$T/twice.rbk" <<'RBK'
runbook "Two gates" {
  role lead "Jane"
  step a { approve by lead "first" run "echo a >> twice.out" }
  step b { approve by lead "second" run "echo b >> twice.out" }
}
RBK
rbk run --run-id tw twice.rbk
rbk approve tw --as lead
sed -i 's/echo b >>/echo B >>/' "$T/twice.rbk"
rbk resume tw --accept-changes
expect_eq "$rc" 3 "(d) accepted a change, the run goes on to the next gate (exit 3)"
rbk approve tw --as lead
rbk resume tw
expect_eq "$rc" 0 "(d) the next resume of the accepted runbook is not refused again ($err)"
expect_eq "$(cat "$T/twice.out")" $'a\nB' "(d)   and runs the accepted step b"
sed -i 's/echo B >>/echo b2 >>/' "$T/twice.rbk"
rbk run --run-id tw2 twice.rbk
rbk approve tw2 --as lead
sed -i 's/echo b2 >>/echo b3 >>/' "$T/twice.rbk"
rbk resume tw2 --accept-changes
rbk approve tw2 --as lead
sed -i 's/echo b3 >>/echo b4 >>/' "$T/twice.rbk"
rbk resume tw2
expect_eq "$rc" 2 "(d) a change after the accepted one is refused again"

# ---- (e) Ctrl-C, then a resume asks about the command in doubt ---------
rm -f "$T/slow.out"
(cd "$T" && exec timeout 60 "$RBK" run --run-id int slow.rbk </dev/null >"$bgout" 2>&1) &
bg=$!
wait_journal int '"what":"sleep 3'
pid=$(child_of "$bg")
sleep 0.3
kill -INT "$pid"
wait "$bg"
expect_eq "$?" 130 "(e) SIGINT during the step's sleep: exit 130"
expect_eq "$(tail -1 "$(journal int)" | jq -c '[.type, .signal]')" '["interrupted","INT"]' "(e) an interrupted record (signal INT)"
expect_eq "$(cat "$T/slow.out")" "one" "(e) the interrupted command did not finish"
rbk resume int
expect_eq "$rc" 3 "(e) resume without a terminal: the command is in doubt, the run pauses (exit 3)"
p=$(tail -1 "$(journal int)" | jq -c '[.type, .reason, .what]')
expect_eq "$p" '["paused","in doubt","sleep 3; echo slow >> slow.out"]' "(e) a paused record names the command in doubt"
rbk answer int yes
expect_eq "$rc" 1 "(e) rbk answer yes to an in-doubt effect: exit 1"
rbk approve int --as lead
expect_eq "$rc" 1 "(e) rbk approve on an in-doubt effect: exit 1"
rbk answer int rerun
expect_eq "$rc" 0 "(e) rbk answer rerun: exit 0"
expect_eq "$(jq -c 'select(.type=="decision") | [.choice, .reason, (.by | length > 0)]' "$(journal int)")" '["rerun","operator",true]' \
  "(e) a decision record: rerun, by a person (reason operator)"
# The re-run itself is interrupted. Whether it ran is again unknown, so
# the next resume must ask again, not re-run on the strength of the old
# answer (which was about the first attempt).
(cd "$T" && exec timeout 60 "$RBK" resume int </dev/null >"$bgout" 2>&1) &
bg=$!
pid=$(child_of "$bg")
for ((i = 0; i < 300; i++)); do pgrep -P "$pid" -f 'sleep 3; echo slow' >/dev/null && break; sleep 0.05; done
kill -INT "$pid"
wait "$bg"
expect_eq "$?" 130 "(e) SIGINT during the re-run: exit 130"
rbk resume int
expect_eq "$rc" 3 "(e) the interrupted re-run is in doubt again: the resume asks again (exit 3), it does not re-run silently"
if [ "$rc" -eq 3 ]; then
  rbk answer int rerun
  rbk resume int
fi
expect_eq "$rc" 0 "(e) after answering, the run finishes"
expect_eq "$(cat "$T/slow.out")" $'one\nslow\nthree' "(e) every command's effect happened once"
verify_chain "$(journal int)" >/dev/null; ok $? "(e) the journal's chain verifies"
# skip and done
rm -f "$T/slow.out"
for choice in skip "done"; do
  (cd "$T" && exec timeout 60 "$RBK" run --run-id "int-$choice" slow.rbk </dev/null >"$bgout" 2>&1) &
  bg=$!
  wait_journal "int-$choice" '"what":"sleep 3'
  pid=$(child_of "$bg")
  kill -TERM "$pid"
  wait "$bg"
  expect_eq "$?" 130 "(e) SIGTERM during the command: exit 130 ($choice)"
  expect_eq "$(tail -1 "$(journal "int-$choice")" | jq -r .signal)" TERM "(e) the interrupted record says TERM"
  rbk resume "int-$choice"
  rbk answer "int-$choice" "$choice"
  expect_eq "$rc" 0 "(e) rbk answer $choice: exit 0"
  rbk resume "int-$choice"
  expect_eq "$rc" 0 "(e) after $choice the run finishes (exit 0)"
  expect_eq "$(jq -c "select(.type==\"effect_end\" and .$( [ $choice = skip ] && echo skipped || echo marked_done )==true) | .result.rec.status" "$(journal "int-$choice")")" 0 \
    "(e) the effect is recorded as $choice with a successful empty result"
done
expect_eq "$(cat "$T/slow.out")" $'one\nthree\none\nthree' "(e) skip and done did not run the command"

# ---- (f) secrets never reach the journal ------------------------------
for tok in 'Sekrit-42-plain' "Sek'rit-42-quote" 'Sek"rit\42-json' 'Sek rit $42 space'; do
  rm -rf "$T/secstate"
  out=$(cd "$T" && RBK_STATE_DIR=$T/secstate timeout 60 "$RBK" run --param "token=$tok" secrets.rbk </dev/null 2>&1); rc=$?
  expect_eq "$rc" 0 "(f) the secrets runbook runs ($tok)"
  # the value itself, and its JSON-escaped, shell-quoted and JSON-escaped
  # shell-quoted forms
  forms=$(python3 - "$tok" <<'PY'
import json, shlex, sys
v = sys.argv[1]
q = "'" + v.replace("'", "'\\''") + "'"
for f in {v, json.dumps(v)[1:-1], q, json.dumps(q)[1:-1], shlex.quote(v), json.dumps(shlex.quote(v))[1:-1]}:
    print(f)
PY
)
  found=""
  while IFS= read -r f; do
    grep -rqF -- "$f" "$T/secstate" && found="$found [$f]"
  done <<<"$forms"
  expect_eq "${found:-none}" none "(f) no form of the secret is anywhere in the state directory ($tok)"
  ok $(grep -qF '***' "$T"/secstate/runs/*/journal.jsonl; echo $?) "(f) the masked *** appears instead"
  expect_eq "$(jq -r 'select(.type=="run_start") | .params.token' "$T"/secstate/runs/*/journal.jsonl)" '***' "(f) run_start records the param as ***"
  if grep -qF -- "$tok" <<<"$out"; then ok 1 "(f) the terminal does not show it either"; else ok 0 "(f) the terminal does not show it either"; fi
done

# ---- (g) private files ------------------------------------------------
(umask 000; cd "$T" && RBK_STATE_DIR=$T/ustate timeout 60 "$RBK" run simple.rbk </dev/null >/dev/null 2>&1)
u=$T/ustate
id=$(cat "$u/latest/simple")
# a torn tail, to see the mode of its side file
printf '{"seq":' >>"$u/runs/$id/journal.jsonl"
(umask 000; cd "$T" && RBK_STATE_DIR=$u timeout 60 "$RBK" resume "$u/runs/$id" </dev/null >/dev/null 2>&1)
bad=$(find "$u" \( -type d ! -perm 700 \) -o \( -type f ! -perm 600 \) | sed "s|$u|STATE|" | tr '\n' ' ')
expect_eq "${bad:-none}" none "(g) under umask 000 every directory rbk made is 0700 and every file 0600"
ok $([ -n "$(find "$u/runs/$id" -name 'journal.torn-*')" ]; echo $?) "(g) (a torn side file was among them)"
bad=$(find "$RBK_STATE_DIR" \( -type d ! -perm 700 \) -o \( -type f ! -perm 600 \) | sed "s|$RBK_STATE_DIR|STATE|" | tr '\n' ' ')
expect_eq "${bad:-none}" none "(g) and in the state directory of all the runs above"

# RUN resolves in RBK_STATE_DIR, else ./.rbk
rbk run --run-id cwdrun gates.rbk
mkdir -p "$T/cwd/.rbk/runs"
mv "$RBK_STATE_DIR/runs/cwdrun" "$T/cwd/.rbk/runs/"
out=$(cd "$T/cwd" && env -u RBK_STATE_DIR timeout 60 "$RBK" approve cwdrun --as lead </dev/null 2>&1); rc=$?
expect_eq "$rc" 0 "without RBK_STATE_DIR, RUN is looked up in ./.rbk (rbk approve)"
out=$(cd "$T/cwd" && env -u RBK_STATE_DIR timeout 60 "$RBK" resume cwdrun </dev/null 2>&1); rc=$?
expect_match "$out" "resuming run cwdrun \\(journal ($T/cwd/|\\./)?\\.rbk/runs/cwdrun/" "  and rbk resume uses that run"
expect_eq "$(jq -c 'select(.type=="effect_end" and .role=="lead") | .result' "$T/cwd/.rbk/runs/cwdrun/journal.jsonl")" true \
  "  the approval went into that run's journal"

if [ -s "$T/.crashes" ]; then
  ok 1 "no crash, hang or sanitizer report"
  sed 's/^/# /' "$T/.crashes" | head -40
else
  ok 0 "no crash, hang or sanitizer report"
fi
done_testing
