#!/bin/bash
# tests/e2e/titles_params.sh -- step titles and requirement names that
# interpolate params (issue 18 item 2) are resolved when the run starts:
# shown by rbk run, changed by --param, the same from a compiled .rbc, and
# resolved by rbk plan from the params' defaults.
set -u
top=${RBK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/e2e/lib.bash"
rbk_test_begin

cat > "$T/t.rbk" <<'RBK'
runbook "Titles from params" {
  param strategy = "blue-green"
  param hosts    = ["web1", "web2"]
  require "The ${strategy} pool has ${len(hosts)} hosts" {
    verify true "ready"
  }
  step rollback "Rollback (${strategy})" {
    log "rolling back"
  }
  step plain "A literal title" {
    log "plain"
  }
}
RBK

rbk run --new t.rbk
ok "$rc" "the runbook runs"
expect_match "$out" '==> require: The blue-green pool has 2 hosts$' "the requirement name is resolved"
expect_match "$out" '==> \[1/2\] rollback: Rollback \(blue-green\)$' "the step title is resolved"
expect_match "$out" '==> \[2/2\] plain: A literal title$' "a literal title is unchanged"

rbk run --new --param strategy=canary --param hosts=a,b,c t.rbk
expect_match "$out" '==> require: The canary pool has 3 hosts$' "--param changes the requirement name"
expect_match "$out" '==> \[1/2\] rollback: Rollback \(canary\)$' "--param changes the step title"

rbk compile t.rbk -o t.rbc
ok "$rc" "the runbook compiles"
rbk run --new --param strategy=red t.rbc
expect_match "$out" '==> \[1/2\] rollback: Rollback \(red\)$' "a .rbc resolves the title too"

rbk plan t.rbk
expect_match "$out" 'Rollback \(blue-green\)' "the plan shows the title with the param's default"
ok $(grep -q 'Rollback (\${strategy})' <<<"$out"; [ $? -ne 0 ]; echo $?) "not the raw \${strategy}"

cat > "$T/sec.rbk" <<'RBK'
runbook "A title from a secret's param" {
  secret token = env("TITLE_TOKEN")
  param label = "t-${token}"
  step a "Using ${label}" {
    log "x"
  }
}
RBK
TITLE_TOKEN=hunter2xyz rbk run --new sec.rbk
expect_match "$out" '==> \[1/1\] a: Using t-\*\*\*$' "a param built from a secret is masked in the title"
ok $(grep -q hunter2xyz <<<"$all"; [ $? -ne 0 ]; echo $?) "the secret is never shown"

[ ! -s "$T/.crashes" ]; ok $? "no crash"
done_testing
