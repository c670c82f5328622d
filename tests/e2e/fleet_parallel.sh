#!/bin/bash
# fleet_parallel.sh -- `parallel N` in a step on hosts (issue 17), on five
# real sshd's (tests/e2e/sshd.bash): the hosts of a batch really run at
# the same time (each command waits, on the hosts, until every host of
# its batch has started: run one after another they would never finish),
# the journal keeps one writer and one hash chain, and a SIGKILL of rbk
# mid-batch then resume redoes nothing that finished, the host in doubt
# alone waiting for 'rbk answer'.
set -u
top=${RBK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/e2e/lib.bash"
. "$top/tests/e2e/sshd.bash"
fleet_test_begin 5
export RBK_SSH_CONFIG="$FLEET_SSH_CONFIG"

# ---- (a) a batch's hosts overlap -------------------------------------------------
cat > par.rbk <<'EOF'
runbook "Parallel" {
  hosts web = ["h1", "h2", "h3", "h4", "h5"]
  step roll on web serial 3 parallel 3 {
    run "n=3; case $RBK_TEST_HOST in h4|h5) n=5;; esac; touch CONTROL/started.$RBK_TEST_HOST; i=0; while [ $(ls CONTROL | grep -c '^started') -lt $n ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; [ $i -lt 300 ] && echo x >> $RBK_TEST_AREA/rolls && echo met the others on $RBK_TEST_HOST"
  }
}
EOF
sed -i "s#CONTROL#$T/bar#g" par.rbk
mkdir bar
out=$(timeout 120 "$RBK" run par.rbk 2>&1); rc=$?
expect_eq "$rc" 0 "(a) each host of a batch met the others while running: the batch ran in parallel"
expect_eq "$(fleet_counts rolls)" "1 1 1 1 1 " "(a) each host ran once"
expect_match "$out" 'roll@h2 \| met the others on h2' "(a) output lines keep their STEP@HOST prefix"
expect_match "$out" 'batch 2/2, 5/5 hosts done, 0 failed' "(a) the progress line"
run=$(ls state/runs | head -1)
J=state/runs/$run/journal.jsonl
out=$(verify_chain "$J"); ok $? "(a) one journal, one hash chain ($out)"
expect_eq "$(jq -r 'select(.type=="host_end") | .host' "$J" | sort | tr '\n' ' ')" "h1 h2 h3 h4 h5 " "(a) a host_end for each host"
expect_eq "$(jq -r 'select(.type=="effect_start" and .kind=="cmd") | .lane' "$J" | sort | tr '\n' ' ')" "roll@h1/1 roll@h2/1 roll@h3/1 roll@h4/1 roll@h5/1 " "(a) each host's command in its own lane"

# ---- (b) SIGKILL mid parallel batch, then resume ---------------------------------------
cat > pk.rbk <<'EOF'
runbook "Parallel kill" {
  hosts web = ["h1", "h2", "h3", "h4", "h5"]
  step roll on web serial 3 parallel 3 {
    run "echo x >> $RBK_TEST_AREA/runs; if [ $RBK_TEST_HOST = h2 ] && [ ! -e CONTROL/go ]; then touch CONTROL/h2.started; sleep 50; fi; touch CONTROL/done.$RBK_TEST_HOST"
  }
}
EOF
sed -i "s#CONTROL#$T#g" pk.rbk
"$RBK" run pk.rbk > pk.out 2>&1 &
bg=$!
wait_file "$T/h2.started" && wait_file "$T/done.h1" && wait_file "$T/done.h3"; ok $? "(b) h1 and h3 finished while h2 still runs"
sleep 0.5   # their host_end reaches the journal
kill -KILL "$bg"; wait "$bg" 2>/dev/null; bg=""
touch "$T/go"
krun=$(ls -t state/runs | grep '^pk' | head -1)
out=$("$RBK" resume "$krun" </dev/null 2>&1); rc=$?
expect_eq "$rc" 3 "(b) the resume waits: h2's command is in doubt"
expect_match "$out" "roll@h2" "(b) and names the host"
expect_eq "$(fleet_counts runs)" "1 1 1 0 0 " "(b) nothing ran again"
out=$("$RBK" answer "$krun" done 2>&1); ok $? "(b) rbk answer RUN done ($out)"
out=$("$RBK" resume "$krun" </dev/null 2>&1); rc=$?
expect_eq "$rc" 0 "(b) the resume finishes the run"
expect_eq "$(fleet_counts runs)" "1 1 1 1 1 " "(b) every host's command exactly once"
out=$("$RBK" log --verify "$krun" 2>&1); ok $? "(b) the journal verifies ($out)"
done_testing
