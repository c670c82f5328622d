#!/bin/bash
# run_events.sh -- `rbk run --events FILE|-` (issue 16 item 16): a consumer
# with jq reads the JSON Lines stream of a real run that waits at a gate,
# is approved, resumes and fails a verify; checks the sequence of events,
# their fields, that no secret reaches the stream, that '--events -' puts
# nothing else on stdout, and the stream of an undo run.
. "$(dirname "$0")/lib.bash"
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
export RBK_STATE_DIR="$T/state" NO_COLOR=1
rfc='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$'

cat > ev.rbk <<'RBK'
runbook "Events" {
  role lead "Jane Doe"
  secret token = "unset"
  param target = "prod"
  step prepare {
    run "echo preparing ${target} with ${token}"
    undo { run "echo unprepare" }
  }
  step approve_it {
    approve by lead "go ahead with ${target}?"
    run "true"
  }
  step check {
    let n = 2
    verify n == 3 "n is three"
  }
}
RBK

# ---- the first run: it waits at the gate -----------------------------------
timeout 60 "$RBK" run --new --events "$T/ev1.jsonl" --param target=stage --param token=hunter2xyz ev.rbk \
  >"$T/out1" 2>"$T/err1" </dev/null; rc=$?
expect_eq "$rc" 3 "the run waits at the gate (exit 3)"
run=$(ls state/runs | head -1)
expect_eq "$(jq -c . ev1.jsonl >/dev/null 2>&1; echo $?)" 0 "every line of the stream is JSON"
expect_eq "$(jq -r .event ev1.jsonl | tr '\n' ' ')" \
  "run_start step_start command_start command_end step_end step_start gate_waiting step_end run_end " \
  "the first run's events, in order"
expect_eq "$(jq -r 'select(.event=="run_start") | [.run, .runbook, (.source_sha256|length), .operator] | join(" ")' ev1.jsonl)" \
  "$run ev.rbk 64 $(id -un)" "run_start: run id, runbook, source sha256, operator"
expect_eq "$(jq -c 'select(.event=="run_start") | .params' ev1.jsonl)" '{"target":"stage"}' \
  "run_start: the params given, without the secret"
expect_eq "$(jq -r 'select(.event=="step_start") | "\(.step) \(.position)/\(.of)"' ev1.jsonl | tr '\n' ' ')" \
  "prepare 1/3 approve_it 2/3 " "step_start: name and position N of M"
expect_eq "$(jq -r 'select(.event=="command_start") | "\(.step) \(.effect) \(.command)"' ev1.jsonl)" \
  "prepare 0 echo preparing 'stage' with ***" "command_start: step, effect number, the command masked as in the journal"
expect_eq "$(jq -r 'select(.event=="command_end") | "\(.step) \(.effect) \(.exit_status) \(.duration|type)"' ev1.jsonl)" \
  "prepare 0 0 number" "command_end: step, effect number, exit status, duration"
expect_eq "$(jq -r 'select(.event=="step_end" and .step=="prepare") | "\(.outcome) \(.duration|type) \(.position)/\(.of)"' ev1.jsonl)" \
  "ok number 1/3" "step_end: outcome, duration, position"
expect_eq "$(jq -r 'select(.event=="gate_waiting") | "\(.step) \(.gate) \(.role) \(.question)"' ev1.jsonl)" \
  "approve_it approve lead go ahead with stage?" "gate_waiting: step, gate, role, question"
expect_eq "$(jq -r 'select(.event=="run_end") | "\(.outcome) \(.exit_status)"' ev1.jsonl)" "waiting 3" \
  "run_end: outcome and exit status"
bad=$(jq -r --arg re "$rfc" --arg run "$run" 'select((.time|test($re)|not) or .run != $run or (.event|type) != "string") | .event' ev1.jsonl)
expect_eq "$bad" "" "every event has event, time (RFC 3339 UTC with ms) and run"
! grep -q hunter2xyz ev1.jsonl; ok $? "the secret's value is nowhere in the stream"
expect_eq "$(stat -c %a ev1.jsonl)" 600 "the events file is created with mode 0600"

# ---- approved, then resumed with --events -: stdout holds only the stream ---
"$RBK" approve "$run" --as lead --note "fine" >/dev/null 2>&1
timeout 60 "$RBK" resume "$run" --events - --param token=hunter2xyz >"$T/ev2.jsonl" 2>"$T/err2" </dev/null; rc=$?
expect_eq "$rc" 1 "the resumed run fails at its verify (exit 1)"
expect_eq "$(jq -c . ev2.jsonl >/dev/null 2>&1; echo $?)" 0 "--events -: stdout holds JSON lines only"
expect_match "$(cat err2)" 'resuming run' "--events -: the human output goes to stderr"
expect_match "$(cat err2)" 'verify failed: n is three' "--events -: with the failure"
expect_eq "$(jq -r .event ev2.jsonl | tr '\n' ' ')" \
  "run_start gate_answered step_start step_end step_start command_start command_end step_end step_start verify step_end run_end " \
  "the resumed run's events, in order"
expect_eq "$(jq -r 'select(.event=="run_start") | .resumed' ev2.jsonl)" true "run_start: resumed"
expect_eq "$(jq -r 'select(.event=="gate_answered") | "\(.step) \(.gate) \(.answer) \(.role) \(.by) \(.note)"' ev2.jsonl)" \
  "approve_it approve approved lead $(id -un) fine" "gate_answered: the answer given while the run waited, by whom, as what role"
expect_eq "$(jq -r 'select(.event=="step_end" and .step=="prepare") | "\(.replayed) \(.outcome)"' ev2.jsonl)" \
  "true ok" "a step done before is reported as replayed, with its outcome"
expect_eq "$(jq -r 'select(.event=="command_start") | .step' ev2.jsonl)" "approve_it" \
  "a command answered from the journal is not reported again"
expect_eq "$(jq -c 'select(.event=="verify") | [.step, .condition, .outcome, .left, .right]' ev2.jsonl)" \
  '["check","n == 3","failed",2,3]' "verify: step, condition, outcome, both sides"
expect_eq "$(jq -r 'select(.event=="step_end" and .step=="check") | "\(.outcome) \(.error)"' ev2.jsonl)" \
  "failed verify failed: n is three" "step_end of the failed step: outcome and error"
expect_eq "$(jq -r 'select(.event=="run_end") | "\(.outcome) \(.exit_status)"' ev2.jsonl)" "failed 1" \
  "run_end after the resume: failed, exit 1"
bad=$(jq -r --arg re "$rfc" --arg run "$run" 'select((.time|test($re)|not) or .run != $run) | .event' ev2.jsonl)
expect_eq "$bad" "" "the resumed run's events have time and run too"
! grep -q hunter2xyz ev2.jsonl err2; ok $? "no secret in the resumed stream or output"

# ---- a FILE is appended to, one run after another ----------------------------
timeout 60 "$RBK" run --new --only prepare --events "$T/ev1.jsonl" --param token=x ev.rbk >/dev/null 2>&1 </dev/null
expect_eq "$(jq -r 'select(.event=="run_start") | .run' ev1.jsonl | sort -u | wc -l | tr -d ' ')" 2 \
  "--events FILE appends: both runs are in the file"
expect_eq "$(jq -r 'select(.event=="run_start" and .only) | .only | join(",")' ev1.jsonl | tail -1)" prepare \
  "run_start names the run's --only selection"
expect_eq "$(jq -r 'select(.event=="step_start") | "\(.step) \(.position)/\(.of)"' ev1.jsonl | tail -1)" "prepare 1/1" \
  "positions count the selected steps"

# ---- rbk undo --events ---------------------------------------------------------
only=$(jq -r 'select(.event=="run_start") | .run' ev1.jsonl | tail -1)
timeout 60 "$RBK" undo "$only" --yes --events - >"$T/ev3.jsonl" 2>"$T/err3" </dev/null; rc=$?
expect_eq "$rc" 0 "rbk undo --events - succeeds"
expect_eq "$(jq -r .event ev3.jsonl | tr '\n' ' ')" \
  "run_start step_start command_start command_end step_end run_end " "the undo run's events, in order"
expect_eq "$(jq -r 'select(.event=="run_start") | .undo_of' ev3.jsonl)" "$only" "its run_start names the run undone"
expect_eq "$(jq -r 'select(.event=="step_end") | "\(.step) \(.outcome) \(.undo)"' ev3.jsonl)" "prepare undone true" \
  "its step_end: the step undone"

# ---- an undo run counts its steps last first ----------------------------------
cat > three.rbk <<'RBK'
runbook "Three" {
  step a { run "true" undo { run "true" } }
  step b { run "true" }
  step c { run "true" undo { run "true" } }
}
RBK
timeout 60 "$RBK" run --new --events "$T/ev6.jsonl" three.rbk >/dev/null 2>&1 </dev/null
expect_eq "$(jq -r 'select(.event=="step_end") | "\(.step) \(.position)/\(.of)"' "$T/ev6.jsonl" | tr '\n' ' ')" \
  "a 1/3 b 2/3 c 3/3 " "each step's position among the run's steps"
trun=$(jq -r 'select(.event=="run_start") | .run' "$T/ev6.jsonl")
timeout 60 "$RBK" undo "$trun" --yes --events - >"$T/ev7.jsonl" 2>/dev/null </dev/null
expect_eq "$(jq -r 'select(.event=="step_start") | "\(.step) \(.position)/\(.of)"' "$T/ev7.jsonl" | tr '\n' ' ')" \
  "c 1/2 a 2/2 " "an undo run's positions count the steps it undoes, last first"

# ---- a signed approval names its signer -------------------------------------------
if command -v ssh-keygen >/dev/null; then
  ssh-keygen -q -t ed25519 -N '' -C lead@test -f "$T/lead" </dev/null
  ssh-keygen -q -t ed25519 -N '' -C ops@test -f "$T/ops" </dev/null   # the operator: not the approver
  cat > signed.rbk <<RBK
runbook "Signed" {
  role lead "Jane Doe" key "$(cat "$T/lead.pub")"
  step go { approve by lead "sign it" run "true" }
}
RBK
  RBK_SIGNING_KEY=$T/ops timeout 60 "$RBK" run --new --events "$T/ev5.jsonl" signed.rbk >/dev/null 2>&1 </dev/null
  srun=$(jq -r 'select(.event=="run_start") | .run' ev5.jsonl)
  "$RBK" approve "$srun" --as lead --key "$T/lead" >/dev/null 2>&1
  timeout 60 "$RBK" resume "$srun" --events "$T/ev5.jsonl" >/dev/null 2>&1 </dev/null; rc=$?
  expect_eq "$rc" 0 "the signed run resumes and succeeds"
  fpr=$(ssh-keygen -l -f "$T/lead.pub" | awk '{print $2}')
  expect_eq "$(jq -r 'select(.event=="gate_answered") | "\(.answer) \(.signed) \(.signer) \(.fingerprint)"' ev5.jsonl)" \
    "approved true lead $fpr" "gate_answered of a signed approval: signed, the signer's role and key fingerprint"
else
  echo "ok $((_n += 1)) - # SKIP no ssh-keygen"
fi

# ---- usage ------------------------------------------------------------------------
timeout 60 "$RBK" run --new --events "$T/nodir/x.jsonl" ev.rbk >/dev/null 2>"$T/err4" </dev/null; rc=$?
expect_eq "$rc" 2 "an events file that cannot be opened is a usage error"
expect_match "$(cat err4)" 'rbk run: --events: .*nodir/x.jsonl' "naming the file"
expect_match "$("$RBK" run --help)" '--events FILE\|-' "rbk run --help lists --events"
expect_match "$("$RBK" undo --help)" '--events FILE\|-' "rbk undo --help lists --events"
done_testing
