#!/bin/bash
# fleet_canary.sh -- a canary and a gate between batches (issue 17), on
# five real sshd's (tests/e2e/sshd.bash): `canary 1 serial 2` runs one
# host first, then batches of two; `on batch { approve by lead }` stops
# the run after the canary until the lead approves (no terminal: the run
# waits, exit 3), then the rest rolls; --dry-run shows the gate.
set -u
top=${RBK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/e2e/lib.bash"
. "$top/tests/e2e/sshd.bash"
fleet_test_begin 5
export RBK_SSH_CONFIG="$FLEET_SSH_CONFIG"

cat > canary.rbk <<'EOF'
runbook "Canary" {
  role lead "Lee Lead" phone "+1 555 0100"
  hosts web = hosts_file("HOSTS")
  step deploy "Roll out v2.0" on web canary 1 serial 2 {
    owner lead
    run "echo x >> $RBK_TEST_AREA/deploys; echo v2 > $RBK_TEST_AREA/version"
    on batch { approve by lead "the hosts before look healthy" }
    undo { run "echo v1 > $RBK_TEST_AREA/version" }
  }
}
EOF
sed -i "s#HOSTS#$FLEET_DIR/hosts.txt#" canary.rbk
out=$("$RBK" run --dry-run canary.rbk 2>&1)
expect_match "$out" 'batch 1/3: h1' "(dry) the canary is a batch of one"
expect_match "$out" 'batch 2/3: h2 h3' "(dry) then batches of two"
expect_match "$out" 'on batch \(on this machine\):' "(dry) with the gate before each later batch"
out=$("$RBK" plan canary.rbk 2>&1)
expect_match "$out" 'On hosts group web \(resolved when the run starts\), canary 1 host first, in batches of 2 hosts' "(plan) the plan shows the targeting"

out=$("$RBK" run canary.rbk </dev/null 2>&1); rc=$?
expect_eq "$rc" 3 "(a) after the canary the run waits for the lead (exit 3)"
expect_eq "$(fleet_counts deploys)" "1 0 0 0 0 " "(a) only the canary host ran"
expect_match "$out" 'batch 1/3, 1/5 hosts done, 0 failed' "(a) the canary batch is done"
run=$(ls state/runs | head -1)
out=$(timeout 60 "$RBK" approve "$run" --as lead </dev/null 2>&1); ok $? "(a) rbk approve RUN --as lead ($out)"
out=$("$RBK" resume "$run" </dev/null 2>&1); rc=$?
expect_eq "$rc" 3 "(a) the next gate, before the third batch, waits too"
expect_eq "$(fleet_counts deploys)" "1 1 1 0 0 " "(a) the second batch ran after the approval; the canary was not redone"
# ---- (b) backing out mid roll-out: exactly the hosts that got v2.0 ------------------
cp -r state state.mid
out=$(RBK_STATE_DIR="$T/state.mid" "$RBK" undo "$run" --yes 2>&1); rc=$?
expect_eq "$rc" 0 "(b) rbk undo of the run waiting mid roll-out succeeds"
expect_eq "$(for i in 1 2 3 4 5; do cat "$(fleet_area $i)/version" 2>/dev/null || echo none; done | tr '\n' ' ')" "v1 v1 v1 none none " "(b) it undid exactly the hosts that got v2.0"
for i in 1 2 3; do echo v2 > "$(fleet_area $i)/version"; done   # as they were, for (a) to go on
out=$(timeout 60 "$RBK" approve "$run" --as lead </dev/null 2>&1); ok $? "(a) approved again"
out=$("$RBK" resume "$run" </dev/null 2>&1); rc=$?
expect_eq "$rc" 0 "(a) the roll-out finishes"
expect_eq "$(fleet_counts deploys)" "1 1 1 1 1 " "(a) every host ran once"
expect_eq "$(jq -r 'select(.type=="host_end") | "\(.batch)"' "state/runs/$run/journal.jsonl" | tr '\n' ' ')" "1 2 2 3 3 " "(a) host_end records carry their batch"
done_testing
