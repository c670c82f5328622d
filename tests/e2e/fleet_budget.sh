#!/bin/bash
# fleet_budget.sh -- the failure budget of a step on hosts (issue 17), on
# five real sshd's (tests/e2e/sshd.bash): one host down (connection
# refused), one re-keyed (its changed key refused, never accepted, not
# even with --accept-new-host-keys), one whose command fails. Each is a
# host failure with its reason; the batch finishes; over the budget the
# step fails and no further batch starts; within it the step succeeds.
# Then rbk resume --retry-failed runs the failed hosts again, and no other.
set -u
top=${RBK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/e2e/lib.bash"
. "$top/tests/e2e/sshd.bash"
fleet_test_begin 5

cat > budget.rbk <<'EOF'
runbook "Budget" {
  hosts web = hosts_file("HOSTS")
  step deploy on web serial 5 max_fail 2 {
    run "echo x >> $RBK_TEST_AREA/runs; test -e $RBK_TEST_AREA/healthy"
  }
  step after_deploy { log "the rest of the run" }
}
EOF
sed -i "s#HOSTS#$FLEET_DIR/hosts.txt#" budget.rbk
for i in 1 2 3 4; do touch "$(fleet_area $i)/healthy"; done
fleet_down 2
fleet_rekey 4
kh=$(sha256sum < "$FLEET_DIR/known_hosts")
out=$("$RBK" run --ssh-config "$FLEET_SSH_CONFIG" --accept-new-host-keys budget.rbk 2>&1); rc=$?
expect_eq "$rc" 1 "(a) three failed hosts, a budget of two: the step fails (exit 1)"
expect_match "$out" '3 of 5 hosts failed, over the failure budget of 2' "(a) and says so"
expect_match "$out" 'h2: cannot run on host h2 over ssh: .*Connection refused' "(a) the host that is down: connection refused"
expect_match "$out" 'h4: cannot run on host h4 over ssh: Host key verification failed' "(a) the re-keyed host: its key refused"
expect_match "$out" 'h5: command failed with exit status 1' "(a) the host whose command failed"
expect_eq "$(fleet_counts runs)" "1 0 1 0 1 " "(a) the batch finished: h3 and h5 ran after h2 failed"
expect_eq "$(sha256sum < "$FLEET_DIR/known_hosts")" "$kh" "(a) the changed key was never accepted into known_hosts"
! grep -q 'the rest of the run' <<<"$out"; ok $? "(a) the run stopped at the failed step"
run=$(ls state/runs | head -1)
J=state/runs/$run/journal.jsonl
expect_eq "$(jq -r 'select(.type=="host_end") | .host + ":" + .state' "$J" | tr '\n' ' ')" "h1:ok h2:failed h3:ok h4:failed h5:failed " "(a) host_end says each host's outcome"
st=$("$RBK" status "$run" 2>&1)
expect_match "$st" 'failed' "(a) rbk status shows the run failed"
expect_match "$st" 'Hosts' "(a) rbk status has a per-host table"
expect_match "$st" 'deploy +h2 +failed +[0-9.]+s +1 +cannot run on host h2 over ssh: .*Connection refused' "(a) with each host's outcome, duration, attempts and reason"
expect_match "$st" 'deploy +h1 +ok ' "(a) the hosts that succeeded too"
js=$("$RBK" report --format json "$run" 2>&1)
expect_eq "$(jq -r '[.hosts[] | .host + ":" + .outcome + ":" + (.batch|tostring)] | join(" ")' <<<"$js")" "h1:ok:1 h2:failed:1 h3:ok:1 h4:failed:1 h5:failed:1" "(a) rbk report --format json: a per-host table"
expect_match "$(jq -r '.hosts[3].reason' <<<"$js")" 'Host key verification failed' "(a) with the reason"
rp=$("$RBK" report "$run" 2>&1)
expect_match "$rp" '\| `deploy` \| h2 \| 1 \| failed \| [0-9.]+m?s \| 1 \| cannot run on host h2' "(a) rbk report: the Hosts table"

# ---- (b) --retry-failed -----------------------------------------------------------
fleet_up 2
fleet_trust 4
touch "$(fleet_area 5)/healthy"
out=$("$RBK" resume "$run" --retry-failed --ssh-config "$FLEET_SSH_CONFIG" 2>&1); rc=$?
expect_eq "$rc" 0 "(b) resume --retry-failed succeeds"
expect_eq "$(fleet_counts runs)" "1 1 1 1 2 " "(b) only the failed hosts ran again (h5 twice in all); h1 and h3 not redone"
expect_match "$out" 'the rest of the run' "(b) and the run went on"
expect_eq "$(jq -r 'select(.type=="host_end" and .attempt==2) | .host + ":" + .state' "$J" | tr '\n' ' ')" "h2:ok h4:ok h5:ok " "(b) the failed hosts' second attempt, each ok"
out=$("$RBK" log --verify "$run" 2>&1); ok $? "(b) the journal verifies ($out)"
st=$("$RBK" status "$run" 2>&1)
expect_match "$st" 'deploy +h2 +ok +[0-9.]+s +1 +-' "(b) rbk status shows each host's last outcome"

# ---- (c) over the budget, no further batch starts; within it, the step succeeds -----
cat > batches.rbk <<'EOF'
runbook "Batches" {
  hosts web = ["h1", "h2", "h3", "h4", "h5"]
  step roll on web serial 2 max_fail BUDGET {
    run "echo x >> $RBK_TEST_AREA/rolls; test $RBK_TEST_HOST != h1"
  }
}
EOF
sed 's/BUDGET/0/' batches.rbk > b0.rbk
sed 's/BUDGET/20%/' batches.rbk > b1.rbk
out=$(RBK_SSH_CONFIG="$FLEET_SSH_CONFIG" "$RBK" run b0.rbk 2>&1); rc=$?
expect_eq "$rc" 1 "(c) budget 0, h1 fails: the step fails"
expect_eq "$(fleet_counts rolls)" "1 1 0 0 0 " "(c) its batch finished; no further batch started"
out=$(RBK_SSH_CONFIG="$FLEET_SSH_CONFIG" "$RBK" run b1.rbk 2>&1); rc=$?
expect_eq "$rc" 0 "(c) budget 20% of 5 hosts (1): the step succeeds"
expect_match "$out" '1 host failed, within the failure budget of 1' "(c) and says a host failed within the budget"
expect_eq "$(fleet_counts rolls)" "2 2 1 1 1 " "(c) every batch ran"
done_testing
