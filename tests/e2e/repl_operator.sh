#!/bin/bash
# repl_operator.sh -- the REPL in a real terminal (tmux) at 3 a.m. (issue 16):
# Ctrl-D at a gate leaves later gates working, the prompt's line ends before
# the next message, an expression that ends in an operator reads on, the
# step header counts positions in the plan, <repl N> advances on parse errors.
. "$(dirname "$0")/lib.bash"
command -v tmux >/dev/null || "$RBK_TOP/deps.sh" test >/dev/null 2>&1
if ! command -v tmux >/dev/null; then
  echo "not ok 1 - tmux is not installed and could not be installed"; done_testing; exit 1
fi
t=$(tmpdir)
sock="rbk-op-$$"
trap 'tmux -L "$sock" kill-server 2>/dev/null; rm -rf "$t"' EXIT
cd "$t" || exit 1
cat > rb.rbk <<'EOF'
runbook "Night" {
  role lead "Jane Doe"
  step one { log "one ran" }
  step two { log "two ran" }
  step three {
    approve by lead
    log "three ran"
  }
}
EOF
env_cmd="cd $t && env RBK_STATE_DIR=$t/state RBK_HISTORY=$t/hist NO_COLOR=1 TERM=xterm $RBK repl rb.rbk"

screen() { tmux -L "$sock" capture-pane -p -S -200 -t rbk 2>/dev/null; }
wait_for() {
  local i
  for i in $(seq 1 200); do screen | grep -Eq -- "$1" && return 0; sleep 0.1; done
  return 1
}
keys() { tmux -L "$sock" send-keys -t rbk "$@" 2>/dev/null; }

tmux -L "$sock" new-session -d -s rbk -x 160 -y 50 "$env_cmd; echo REPL-EXITED; sleep 30"
wait_for '^rbk> ?$'; ok $? "the prompt appears"

# 1. Ctrl-D at one question, then a second question still asks
keys 'ask("first?")' Enter
wait_for 'first\? \[yes/no\]: ?$'; ok $? "the first question asks"
keys C-d
wait_for '^rbk> ?$'
keys 'ask("second?")' Enter
wait_for 'second\? \[yes/no\]: ?$'; ok $? "after Ctrl-D at a question, the next question still asks"
screen | grep -q "this question got no answer"; ok $? "Ctrl-D at the question says it got no answer"
keys 'yes' Enter
wait_for '^true$'; ok $? "the second question takes its answer"

# 8. an expression that ends in an operator reads on
keys '1 +' Enter
wait_for '^\.\.\.> ?$'; ok $? "'1 +' gives the continuation prompt"
keys '2' Enter
wait_for '^3$'; ok $? "and its value is printed with the next line"
keys 'true and' Enter
wait_for '^\.\.\.> ?$'; ok $? "'true and' reads on too"
keys 'false' Enter
wait_for '^false$'; ok $? "and is evaluated"
keys '1 + )' Enter
wait_for '<repl [0-9]+>:1'; ok $? "a real syntax error is reported"
n1=$(screen | grep -Eo '<repl [0-9]+>' | tail -1 | grep -Eo '[0-9]+')
keys '2 + )' Enter
for i in $(seq 1 100); do [ "$(screen | grep -Eo '<repl [0-9]+>' | tail -1 | grep -Eo '[0-9]+')" != "$n1" ] && break; sleep 0.1; done
n2=$(screen | grep -Eo '<repl [0-9]+>' | tail -1 | grep -Eo '[0-9]+')
expect_eq "$n2" "$((n1 + 1))" "<repl N> advances on a parse error"

# 4. the header shows the step's place in the plan
keys ':run two' Enter
wait_for 'two ran'; ok $? ":run two ran"
screen | grep -q '==> \[2/3\] two'; ok $? "its header is [2/3], its place in the plan"

# 1 again: Ctrl-D at the approval of a step, then the gate asks again
keys ':run three' Enter
wait_for 'Approve as lead\? \[yes/no\]: ?$'; ok $? "step three asks for approval"
keys C-d
wait_for '^rbk> ?$'
wait_for 'to go on: :approve lead "note", then :next'; ok $? "the waiting step names the one command that unblocks it"
! screen | grep -q 'error: waiting'; ok $? "and is not shown as an error"
! screen | grep -Eq '\[yes/no\]: *(---|<repl|rb\.rbk|error|  log)'; ok $? "no message follows a gate prompt on its line"
keys ':next' Enter
for i in $(seq 1 200); do [ "$(screen | grep -c 'Approve as lead')" -ge 2 ] && break; sleep 0.1; done
[ "$(screen | grep -c 'Approve as lead')" -ge 2 ]; ok $? "after Ctrl-D at an approval, :next asks again"
keys 'yes' Enter
wait_for 'Note \(optional\): ?$'
keys Enter
wait_for 'three ran'; ok $? "and the step goes on once approved"
screen | grep -q '==> \[3/3\] three'; ok $? "its header is [3/3]"
keys ':quit' Enter
wait_for 'REPL-EXITED'; ok $? ":quit leaves"
# 11. the run summary shows the time spent waiting at a gate apart
cat > gate.rbk <<'EOF'
runbook "Gate" {
  step asks { ask "go on?" }
  step plain { log "plain ran" }
}
EOF
tmux -L "$sock" new-session -d -s run -x 160 -y 50 \
  "cd $t && env RBK_STATE_DIR=$t/state NO_COLOR=1 TERM=xterm $RBK run gate.rbk; echo RUN-EXITED; sleep 30"
rscreen() { tmux -L "$sock" capture-pane -p -S -200 -t run 2>/dev/null; }
for i in $(seq 1 200); do rscreen | grep -q 'go on? \[yes/no\]:' && break; sleep 0.1; done
sleep 1   # a person takes a moment to answer
tmux -L "$sock" send-keys -t run 'yes' Enter
for i in $(seq 1 200); do rscreen | grep -q 'RUN-EXITED' && break; sleep 0.1; done
rscreen | grep -Eq '^step +status +actual +expected +waiting'; ok $? "11: the summary has a waiting column"
rscreen | grep -Eq '^asks +ok +[0-9.]+s +- +[0-9.]+s$'; ok $? "11: the step with the gate shows its waiting time"
rscreen | grep -Eq '^plain +ok +[0-9.]+s +- +-$'; ok $? "11: a step without a gate shows none"
rscreen | grep -q 'actual includes the time spent waiting at gates'; ok $? "11: and says the actual time includes it"
j=$(ls -d "$t"/state/runs/gate-*/ | head -1)journal.jsonl
expect_match "$(jq -r 'select(.type=="step_end" and .step=="asks") | .waited' "$j")" '^[0-9.]+$' "11: step_end journals the waiting time"
# 9. completion inside strings, and of :answer
cat > comp.rbk <<'EOF'
runbook "Comp" {
  probe login_fail_pct = 3
  probe page_load = 120
  step rec { baseline("customers_count", 42) }
  step q { ask "carry on?" }
}
EOF
tmux -L "$sock" new-session -d -s comp -x 160 -y 50 \
  "cd $t && env RBK_STATE_DIR=$t/cstate RBK_HISTORY=$t/chist NO_COLOR=1 TERM=xterm $RBK repl comp.rbk; echo REPL-EXITED; sleep 30"
cscreen() { tmux -L "$sock" capture-pane -p -S -200 -t comp 2>/dev/null; }
cwait() { local i; for i in $(seq 1 200); do cscreen | grep -Eq -- "$1" && return 0; sleep 0.1; done; return 1; }
ckeys() { tmux -L "$sock" send-keys -t comp "$@" 2>/dev/null; }
cwait '^rbk> ?$'
ckeys 'probe("log' Tab
cwait 'rbk> probe\("login_fail_pct"$'; ok $? "9: probe(\"⇥ completes a probe of the runbook, and closes the string"
ckeys ')' Enter
cwait '^3$'; ok $? "9: and the completed input runs"
ckeys ':run rec' Enter
cwait 'rec: ok'
ckeys 'baseline("cust' Tab
cwait 'rbk> baseline\("customers_count"$'; ok $? "9: baseline(\"⇥ completes a recorded baseline key"
ckeys ')' Enter
cwait '^42$'; ok $? "9: and reads it"
ckeys ':run q' Enter
cwait 'carry on\? \[yes/no\]: ?$'
ckeys C-d
cwait 'to go on: :answer yes'
ckeys ':answer ' Tab Tab
cwait '^no +yes$'; ok $? "9: :answer ⇥⇥ lists the answers a question accepts: no, yes"
ckeys C-u ':answer y' Tab
cwait 'rbk> :answer yes ?$'; ok $? "9: :answer y⇥ completes yes for a question"
ckeys C-u ':quit' Enter
cwait 'REPL-EXITED'; ok $? "9: :quit leaves"
# 2. :undo STEP leaves the step undone; :next goes past it; :run of a
# completed, non-idempotent step asks first
cat > drain.rbk <<'EOF'
runbook "Drain" {
  step stop_traffic {
    run "echo drained >> drains.log"
    undo { run "echo restored >> drains.log" }
  }
  step restore_db { run "echo db >> db.log" }
  step safe {
    idempotent
    run "echo safe >> safe.log"
  }
}
EOF
tmux -L "$sock" new-session -d -s undo -x 160 -y 50 \
  "cd $t && env RBK_STATE_DIR=$t/ustate RBK_HISTORY=$t/uhist NO_COLOR=1 TERM=xterm $RBK repl drain.rbk --as nightowl; echo REPL-EXITED; sleep 30"
uscreen() { tmux -L "$sock" capture-pane -p -S -300 -t undo 2>/dev/null; }
uwait() { local i; for i in $(seq 1 200); do uscreen | grep -Eq -- "$1" && return 0; sleep 0.1; done; return 1; }
ukeys() { tmux -L "$sock" send-keys -t undo "$@" 2>/dev/null; }
uwait '^rbk> ?$'
ukeys ':next' Enter
uwait 'stop_traffic: ok'
ukeys ':undo stop_traffic' Enter
uwait '<== undo stop_traffic'; ok $? "2: :undo is shown as <== undo STEP, not as the step again"
uwait 'stop_traffic: undone'; ok $? "2: and ends 'undone'"
ukeys ':steps' Enter
uwait '1 +undone +stop_traffic'; ok $? "2: :steps shows the step undone"
ukeys ':next' Enter
uwait 'restore_db: ok'; ok $? "2: :next goes on to the next step that has not run"
expect_eq "$(grep -c drained "$t/drains.log")" 1 "2: and does not drain traffic again"
ukeys ':run restore_db' Enter
uwait 'restore_db already completed and is not idempotent. Run it again\? \[yes/no\]: ?$'
ok $? "2: :run of a completed, non-idempotent step asks first"
ukeys 'no' Enter
uwait '^not run$'; ok $? "2: 'no' leaves it"
expect_eq "$(grep -c db "$t/db.log")" 1 "2: and it did not run again"
ukeys ':run safe' Enter
uwait 'safe: ok'
ukeys ':run safe' Enter
for i in $(seq 1 100); do [ "$(grep -c safe "$t/safe.log" 2>/dev/null)" = 2 ] && break; sleep 0.1; done
expect_eq "$(grep -c safe "$t/safe.log")" 2 "2: an idempotent step runs again without a question"
ukeys ':quit' Enter
uwait 'REPL-EXITED'
urun=$(ls "$t/ustate/runs" | head -1)
out=$(RBK_STATE_DIR=$t/ustate "$RBK" log "$urun" 2>&1)
expect_match "$out" '<== undo stop_traffic \(undo 1\) by nightowl' "2: rbk log shows the undo with its operator"
expect_match "$out" 'stop_traffic undone' "2: and its end as undone"
expect_match "$(RBK_STATE_DIR=$t/ustate "$RBK" status "$urun" 2>&1)" '1 +stop_traffic +undone' "2: rbk status shows the step undone"
out=$(RBK_STATE_DIR=$t/ustate "$RBK" report "$urun" 2>&1)
expect_match "$out" '<== undo step 1 `stop_traffic` by nightowl' "2: the report's timeline shows the undo with its operator"
expect_match "$out" '\| 1 \| stop.*_traffic .*\| undone \|' "2: and the step undone"
out=$(cd "$t" && printf '%s\n' ':run restore_db' ':run restore_db' ':run restore_db again' |
  RBK_STATE_DIR=$t/pstate "$RBK" repl drain.rbk 2>&1)
expect_match "$out" "':run restore_db again' runs it again" "2: piped, :run of a completed step is refused with the way to say it"
expect_eq "$(grep -c db "$t/db.log")" 3 "2: ':run STEP again' runs it once more"
done_testing
