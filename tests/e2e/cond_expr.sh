#!/bin/bash
# tests/e2e/cond_expr.sh -- the conditional expression `if C then A else B`
# (issue 18 item 10): its value, only the chosen branch evaluated, nesting
# in the else, precedence, in a title from params, --dry-run and a .rbc.
set -u
top=${RBK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/e2e/lib.bash"
rbk_test_begin

cat > "$T/c.rbk" <<'RBK'
runbook "Conditional expressions" {
  param strategy = "canary"
  param n        = 3
  step s "Target: ${if strategy == "canary" then "10%" else "100%"}" {
    let pct = if strategy == "canary" then 10 else 100
    log "pct=${pct}"
    log "size=${if n > 10 then "many" else if n > 0 then "few" else "none"}"
    log "sum=${if false then 1 else 2 + 3}"
    let settle = if n > 5 then 30s else 5m
    log "settle=${settle}"
    log "file=${if exists("nosuch.txt") then read_file("nosuch.txt") else "absent"}"
    verify (if pct == 10 then n else 0) == 3 "a conditional in a condition"
  }
}
RBK

rbk run --new c.rbk
ok "$rc" "the runbook runs"
expect_match "$out" 's: Target: 10%$' "in a step title, from params"
expect_match "$out" 'log: pct=10$' "the then branch when the condition holds"
expect_match "$out" 'log: size=few$' "an else that is another conditional"
expect_match "$out" 'log: sum=5$' "the else takes all that follows (2 + 3)"
expect_match "$out" 'log: settle=5m$' "durations"
expect_match "$out" 'log: file=absent$' "only the chosen branch is evaluated (no read of a missing file)"

rbk run --new --param strategy=full --param n=0 c.rbk
expect_eq "$rc" 1 "the verify fails with the other branch"
expect_match "$out" 's: Target: 100%$' "the else branch in the title"
expect_match "$out" 'log: pct=100$' "the else branch when the condition does not hold"
expect_match "$out" 'log: size=none$' "the last else"

rbk run --dry-run c.rbk
expect_match "$out" 'let pct = 10' "--dry-run evaluates a conditional it can know"

rbk compile c.rbk -o c.rbc
rbk run --new c.rbc
expect_match "$out" 'log: pct=10$' "the same from a .rbc"

[ ! -s "$T/.crashes" ]; ok $? "no crash"
done_testing
