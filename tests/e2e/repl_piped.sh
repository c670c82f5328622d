#!/bin/bash
# repl_piped.sh -- rbk repl with piped input: every meta-command, error
# recovery, the journal of improvised actions, and resuming what a REPL
# session left (docs/language.md, "The REPL").
. "$(dirname "$0")/lib.bash"
t=$(tmpdir)
trap 'rm -rf "$t"' EXIT
cd "$t" || exit 1
export RBK_STATE_DIR="$t/state" RBK_HISTORY="$t/hist"

# interrupt_when_running PATTERN PID: once a process matching PATTERN runs
# (waiting up to 30 s for it), send SIGINT to PID, as Ctrl-C would; wait for PID.
interrupt_when_running() {
  local i
  for i in $(seq 1 300); do pgrep -f "$1" >/dev/null && break; sleep 0.1; done
  kill -INT "$2"
  wait "$2"
}

cat > rb.rbk <<'EOF'
runbook "Demo" {
  role lead "Jane Doe" phone "555-0100"
  param greeting = "hello"
  secret token = "tok-XYZZY-42"
  step first {
    let a = sh("echo one")
    log "first ${a}"
  }
  step second {
    run "echo second ${greeting} > second.out"
    undo { run "rm -f second.out" }
  }
  step third {
    approve by lead
    run "echo third > third.out"
  }
}
EOF

# 1. expressions print their values; statements run; errors do not stop the session
out=$(printf '%s\n' '1 + 2' 'let x = sh("echo hi")' 'x' 'bogus(1)' 'nosuch' 'let y = 1 +' '  41' 'y' \
  'if x == "hi" {' '  log "multi ${x}"' '}' 'fail "on purpose"' 'len("abc")' ':quit' |
  "$RBK" repl --as alice rb.rbk 2>&1); rc=$?
expect_match "$out" '^3$' "an expression prints its value"
expect_match "$out" '"hi"' "a session variable keeps its value"
expect_match "$out" "<repl [0-9]+>:1:1: error: unknown function 'bogus'" "a check error is a diagnostic with a position"
expect_match "$out" "unknown variable 'nosuch'" "an unknown variable is reported"
expect_match "$out" '^42$' "a statement continued on the next line (operator at end of line)"
expect_match "$out" 'log: multi hi' "a multi-line block runs"
expect_match "$out" 'on purpose' "a runtime failure is reported"
expect_match "$out" '^3$' "the session goes on after errors"
expect_eq "$rc" 1 "piped: exit status 1 when a statement failed"
run=$(ls state/runs | head -1)
j=state/runs/$run/journal.jsonl
n=$(jq -c 'select(.type=="improvised_start")' "$j" | wc -l)
expect_eq "$n" 8 "every improvised input that compiled is journaled (8)"
expect_eq "$(jq -r 'select(.type=="improvised_start") | .operator' "$j" | sort -u)" alice "each with its operator"
expect_eq "$(jq -r 'select(.type=="improvised_end" and .id==1) | .value' "$j")" 3 "an expression's value is journaled"
expect_eq "$(jq -r 'select(.type=="improvised_end" and .outcome=="failed") | .id' "$j" | wc -l | tr -d ' ')" 1 \
  "the failed statement is journaled as failed"
expect_eq "$(jq -c 'select(.type=="effect_start" and .lane=="repl")' "$j" | wc -l | tr -d ' ')" 2 \
  "improvised effects are in the REPL lane"
ok "$(grep -q XYZZY "$j"; [ $? -eq 1 ]; echo $?)" "the journal does not hold the secret"
rep=$("$RBK" report "$run" --format json)
expect_eq "$(jq -r '.improvised | length' <<<"$rep")" 8 "rbk report lists the 8 improvised actions"
expect_eq "$(jq -r '.improvised[1].input' <<<"$rep")" 'let x = sh("echo hi")' "with what was typed"
expect_eq "$(jq -r '.improvised[1].effects[0]' <<<"$rep")" 'cmd: echo hi' "and the effects it had"
expect_match "$("$RBK" status "$run")" 'State +left open at the REPL' "rbk status says the run was left open at the REPL"

# 2. meta-commands on the same run (continued, replayed quietly)
out=$(printf '%s\n' ':help' ':steps' ':plan' ':vars' 'x' ':next' ':run second' ':status' ':log 3' ':bogus' \
  ':run nosuch' ':skip second' ':undo first' ':quit' | "$RBK" repl --as bob rb.rbk 2>&1); rc=$?
expect_match "$out" 'continuing run' "the REPL continues the unfinished run"
expect_match "$out" ':approve \[ROLE\]' ":help lists the meta-commands"
expect_match "$out" '1  pending     first' ":steps lists each step with its state"
expect_match "$out" 'first +- +- +pending' ":plan shows the procedure"
expect_match "$out" 'secret  token +\*\*\*' ":vars masks secrets"
expect_match "$out" 'var +x +"hi"' ":vars shows the replayed session variable"
expect_match "$out" 'first \| one' ":next runs the first pending step"
expect_match "$out" 'second: ok' ":run runs the named step"
expect_match "$out" 'steps +2 of 3 done' ":status shows progress"
expect_match "$out" 'step_end' ":log shows the last records"
expect_match "$out" "unknown meta-command ':bogus'" "an unknown meta-command is reported"
expect_match "$out" "no step called 'nosuch'; the steps are: first second third" ":run of an unknown step lists the steps"
expect_match "$out" 'needs a reason' ":skip without a reason is refused"
expect_match "$out" 'step first has no undo block' ":undo of a step without one is refused"
expect_eq "$rc" 1 "piped: exit 1 after failed meta-commands"
ok "$([ -f second.out ]; echo $?)" "step second really ran"

# 3. a gate with no terminal: the step waits; :approve answers; :next continues it
out=$(printf '%s\n' ':next' ':status' 'log "while waiting"' 'run "true"' ':approve lead "looks good"' ':next' ':undo second' ':steps' ':quit' |
  "$RBK" repl --as carol rb.rbk 2>&1)
expect_match "$out" 'step third is waiting' "an approval without a terminal makes the step wait"
expect_match "$out" 'waiting +step third has not finished' ":status says what waits"
expect_match "$out" 'recorded; :next continues step third' ":approve records the approval"
expect_match "$out" 'third: ok' ":next continues the waiting step after the approval"
expect_match "$out" 'step second undone' ":undo runs the undo block"
ok "$([ ! -f second.out ]; echo $?)" "the undo block really ran"
expect_match "$out" '2  undone +second' "an undone step is undone, not pending again (issue 16)"
expect_eq "$(jq -r 'select(.type=="effect_end" and .role=="lead") | .by' "$j")" carol "the approval is journaled with who gave it"
expect_eq "$("$RBK" report "$run" --format json | jq -r '.decisions[] | select(.kind=="approval") | "\(.by) \(.role) \(.answer)"')" \
  "carol lead approved" "rbk report pairs the approval with its gate although REPL effects (their own numbers) came in between"

# 4. rbk resume finishes what the REPL left: the undone step stays undone, nothing done twice
before=$(jq -c 'select(.type=="effect_start" and (.lane|not))' "$j" | wc -l)
out=$("$RBK" resume "$run" 2>&1); rc=$?
expect_eq "$rc" 0 "rbk resume completes a run worked on at the REPL"
ok "$([ ! -f second.out ]; echo $?)" "the undone step is not run again (issue 16: ':run second' would)"
after=$(jq -c 'select(.type=="effect_start" and (.lane|not))' "$j" | wc -l)
expect_eq "$((after - before))" 0 "resume did no new effect; everything was replayed"
expect_eq "$(jq -r 'select(.type=="run_end") | .state' "$j")" succeeded "the run ended succeeded"
out=$("$RBK" undo "$run" --yes 2>&1); rc=$?
expect_match "$out" 'worked on at the REPL' "rbk undo says it cannot reverse a run worked on at the REPL"
expect_eq "$rc" 2 "and exits 2, changing nothing"

# 5. skip with a reason; a finished run; a REPL without a runbook; bad usage
out=$(printf '%s\n' ':skip third "lead is away"' ':steps' | "$RBK" repl --new rb.rbk 2>&1)
expect_match "$out" 'step third skipped' ":skip with a reason"
expect_match "$out" '3  skipped     third' "the skipped step shows as skipped"
run2=$(ls -t state/runs | head -1)
expect_eq "$(jq -r 'select(.type=="skip") | .reason' "state/runs/$run2/journal.jsonl")" "lead is away" "the skip is journaled with its reason"
sqlite3 c.db "CREATE TABLE customers(id INTEGER); INSERT INTO customers VALUES (1),(2),(3);"
out=$(printf '%s\n' 'let n = 6 * 7' 'n' 'count_rows("c.db", "customers")' 'sql_value("c.db", "SELECT max(id) FROM customers")' |
  "$RBK" repl 2>&1); rc=$?
expect_match "$out" '^42$' "rbk repl without a FILE improvises on an empty runbook"
expect_match "$out" $'^3\n3$' "the stdlib written in rbk (sql_value, count_rows over libsqlite3) works at the REPL"
expect_eq "$rc" 0 "piped: exit 0 when everything worked"
out=$("$RBK" repl --run "$run" </dev/null 2>&1); rc=$?
expect_match "$out" 'has finished' "a finished run is not reopened"
expect_eq "$rc" 1 "exit 1 for a finished run"
out=$("$RBK" repl --bogus 2>&1); rc=$?
expect_eq "$rc" 2 "an unknown option is a usage error"
out=$("$RBK" repl --help); rc=$?
expect_match "$out" 'Meta-commands:' "--help describes the REPL"
out=$(printf 'if true {\n' | "$RBK" repl 2>&1); rc=$?
expect_match "$out" 'ended inside an unfinished statement' "input that ends mid-statement is reported"
expect_eq "$rc" 1 "and counts as a failure"

# 6. Ctrl-C (SIGINT) during an improvised command stops its process group
cat > slow.rbk <<'EOF'
runbook "Slow" {
  step pause { run "sleep 30" }
}
EOF
( sleep 1; echo 'run "sleep 31"'; sleep 2; echo 'log "after"'; echo ':quit' ) |
  "$RBK" repl slow.rbk > slow.out 2>&1 &
interrupt_when_running 'sleep 31' $!
out=$(cat slow.out)
expect_match "$out" 'interrupted' "SIGINT stops the improvised command"
expect_match "$out" 'log: after' "and the session goes on"
ok "$(pgrep -f 'sleep 31' >/dev/null; [ $? -ne 0 ]; echo $?)" "the stopped command is gone"
js=$(ls -t state/runs/slow-*/journal.jsonl | head -1)
expect_eq "$(jq -r 'select(.type=="improvised_end" and .id==1) | .outcome' "$js")" interrupted "the journal says it was interrupted"
# 7. :retry runs a failed step again (attempts numbered on); a secret typed or shown is masked
cat > flaky.rbk <<'EOF'
runbook "Flaky" {
  secret token = "tok-PLUGH-7"
  step check { run "test -f ready.flag" }
  step after_check { log "after" }
}
EOF
out=$(printf '%s\n' ':next' ':retry' 'run "touch ready.flag"' ':retry' ':next' 'log "token ${token}"' 'token' \
  'let t2 = "tok-PLUGH-7"' ':quit' | "$RBK" repl --as dave flaky.rbk 2>&1)
expect_match "$out" 'check: failed' "the step fails at first"
expect_match "$out" 'check: ok' ":retry runs it again after the fix"
expect_match "$out" 'log: after' "then :next goes on"
expect_match "$out" 'log: token \*\*\*' "a secret in an improvised log is masked"
ok "$(printf '%s' "$out" | grep -q PLUGH; [ $? -eq 1 ]; echo $?)" "the secret never reaches the terminal"
jf=$(ls -t state/runs/flaky-*/journal.jsonl | head -1)
expect_eq "$(jq -r 'select(.type=="step_start" and .step=="check") | .attempt' "$jf" | tr '\n' ' ')" "1 2 3 " \
  "the retried step's attempts are numbered on: 1 2 3"
ok "$(grep -q PLUGH "$jf"; [ $? -eq 1 ]; echo $?)" "the secret, even typed as a literal, is not in the journal"
expect_eq "$(jq -r 'select(.type=="run_end") | .state' "$jf")" succeeded "every step done: leaving ends the run"

# 8. a step interrupted at the REPL is continued: its command is in doubt, a person decides
cat > doubt.rbk <<'EOF'
runbook "Doubt" {
  step one { run "echo one > one.out" }
  step slow { run "test -f go.flag || sleep 33" }
  step three { run "echo three > three.out" }
}
EOF
( echo ':next'; echo ':next'; sleep 2; echo ':run three'; echo 'run "touch go.flag"'; echo ':retry';
  echo ':answer rerun'; echo ':retry'; echo ':next'; echo ':quit' ) | "$RBK" repl doubt.rbk > doubt.txt 2>&1 &
interrupt_when_running 'sleep 33' $!
out=$(cat doubt.txt)
expect_match "$out" 'interrupted: step slow stopped' "SIGINT stops the step's command"
expect_match "$out" 'step slow has not finished' "another step cannot run while one is unfinished"
expect_match "$out" 'started but never finished' ":retry finds the stopped command in doubt"
expect_match "$out" 'slow: ok' "after ':answer rerun', :retry runs it again and the step completes"
expect_match "$out" 'three: ok' "then the next step runs"
jd=$(ls -t state/runs/doubt-*/journal.jsonl | head -1)
expect_eq "$(jq -r 'select(.type=="decision") | .choice' "$jd")" rerun "the decision is journaled"
expect_eq "$(jq -r 'select(.type=="run_end") | .state' "$jd")" succeeded "the run ends succeeded"
n1=$(jq -c 'select(.type=="effect_start" and .step=="one")' "$jd" | wc -l | tr -d ' ')
expect_eq "$n1" 1 "step one's command ran once"

# 9. a requirement's question with no one to answer it: the session goes on, and
#    the run still replays (its effects are not reused by the steps)
cat > req.rbk <<'EOF'
runbook "Req" {
  role lead "Jane"
  require "Team briefed" {
    verify ask("Was the team briefed?") "team briefed"
  }
  step one {
    approve by lead
    run "echo one > req-one.out"
  }
  step two { run "echo two > req-two.out" }
}
EOF
out=$(printf '%s\n' ':next' ':approve' ':next' ':quit' | "$RBK" repl req.rbk 2>&1)
expect_match "$out" 'a requirement failed' "an unanswerable requirement is reported"
expect_match "$out" 'one: ok' "and the steps can still be worked through"
out=$(printf '%s\n' ':steps' ':next' | "$RBK" repl req.rbk 2>&1); rc=$?
expect_match "$out" '1  ok +one' "reopening the run replays it (no mismatch with the journal)"
expect_match "$out" 'every step is done' "and it can be finished"
expect_eq "$rc" 0 "exit 0"
done_testing
