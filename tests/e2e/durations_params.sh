#!/bin/bash
# tests/e2e/durations_params.sh -- durations from params (issue 18 item 9):
# a step's expect and timeout computed when the run starts (the summary
# shows the planned duration; --param changes both), retry every and wait
# until every/timeout from params, a value that is not a duration
# failing its step at the clause, and the plan showing the default.
set -u
top=${RBK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/e2e/lib.bash"
rbk_test_begin

cat > "$T/d.rbk" <<'RBK'
runbook "Durations from params" {
  param planned = 7m
  param limit   = 30s
  param gap     = 100ms
  param patience = 300ms
  step slow {
    expect planned
    timeout limit
    retry 1 every gap
    run "sleep 2"
  }
  step waits {
    expect planned * 2
    wait until false every gap timeout patience
  }
}
RBK

rbk run --new d.rbk
expect_eq "$rc" 1 "with the defaults only the wait fails (it never comes true)"
expect_match "$out" 'slow +ok .* 7m' "the summary shows the expect computed from the param"
expect_match "$err$out" 'timed out waiting for the condition' "wait until's timeout from a param"

rbk run --new --param limit=500ms --param planned=3m d.rbk
expect_eq "$rc" 1 "a timeout from --param stops the slow command"
expect_match "$all" "command timed out \(the step's timeout was reached\)" "the step's timeout came from --param"
expect_match "$out" 'slow +failed .* 3m' "and expect from --param"
expect_match "$out" 'retrying \(attempt 2 of 2\) in 100ms' "retry every from a param"

cat > "$T/bad.rbk" <<'RBK'
runbook "Bad duration" {
  param n = 5
  step s {
    timeout n * 10s
    log "never"
  }
}
RBK
rbk run --new --param n=1e308 bad.rbk
expect_eq "$rc" 1 "a timeout that is not a finite duration fails its step"
expect_match "$err" "^bad\\.rbk:4:5: error: 'timeout' needs a finite duration, not inf s$" "at the clause, saying why"
ok $(grep -q 'log: never' <<<"$out"; [ $? -ne 0 ]; echo $?) "the step's work did not run"

rbk plan d.rbk
expect_match "$out" 'Step `slow`. Owner: -. Expected: 7m. Timeout: 30s' "the plan shows the params' defaults"

[ ! -s "$T/.crashes" ]; ok $? "no crash"
done_testing
