#!/bin/bash
# fleet_portal.sh -- examples/portal-fleet/release-2.0.rbk (issue 17) on
# four real sshd's (tests/e2e/sshd.bash): v2.0 rolls out canary first,
# each host drained and enabled on the load balancer (this machine); the
# lead approves the canary; mid roll-out logins start failing, `rbk watch`
# fires the critical trigger and its backout (`on critical undo`) undoes
# exactly the hosts that got v2.0, last first; the fourth is untouched.
set -u
top=${RBK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/e2e/lib.bash"
. "$top/tests/e2e/sshd.bash"
T=$(tmpdir)
trap 'fleet_stop; rm -rf "$T"' EXIT
cd "$T" || exit 1
export RBK_STATE_DIR="$T/state"
EX=$top/examples/portal-fleet/release-2.0.rbk

out=$("$RBK" check "$EX" 2>&1); rc=$?
expect_eq "$rc:$out" "0:" "the example checks clean"
out=$("$RBK" fmt --check "$EX" 2>&1); ok $? "and is formatted ($out)"
fleet_start 4; rc=$?
ok $rc "four real sshd's are up"
if [ $rc -ne 0 ]; then done_testing; exit 0; fi
versions() { local i s=""; for i in 1 2 3 4; do s="$s$(cat "$(fleet_area $i)/VERSION") "; done; echo "$s"; }
for i in 1 2 3 4; do echo 1.9 > "$(fleet_area $i)/VERSION"; done
mkdir lb && echo 0 > lb/login_fail_pct
export PORTAL_FLEET_HOSTS=$FLEET_DIR/hosts.txt PORTAL_FLEET_LB=$T/lb RBK_SSH_CONFIG=$FLEET_SSH_CONFIG

out=$("$RBK" run "$EX" </dev/null 2>&1); rc=$?
expect_eq "$rc" 3 "the canary is done; the run waits for the lead"
expect_eq "$(versions)" "2.0 1.9 1.9 1.9 " "only the canary runs v2.0"
run=$(ls state/runs | head -1)
out=$(timeout 60 "$RBK" approve "$run" --as lead </dev/null 2>&1); ok $? "the lead approves the canary"
out=$("$RBK" resume "$run" </dev/null 2>&1); rc=$?
expect_eq "$rc" 3 "the next batch rolled; the run waits before the last"
expect_eq "$(versions)" "2.0 2.0 2.0 1.9 " "three hosts run v2.0"

echo 12 > lb/login_fail_pct   # logins start failing
: > lb/lb.log
out=$(timeout 120 "$RBK" watch --for 30s --every 1s "$EX" </dev/null 2>&1); rc=$?
expect_eq "$rc" 1 "rbk watch fires the critical trigger and runs the backout"
expect_match "$out" 'Login failures above 10%' "it names the trigger"
expect_eq "$(versions)" "1.9 1.9 1.9 1.9 " "the backout undid exactly the hosts that got v2.0"
expect_eq "$(tr '\n' ' ' < lb/lb.log)" "drain h3 enable h3 drain h2 enable h2 drain h1 enable h1 " "last host first, each drained and enabled again"
[ ! -e "$(fleet_area 4)/VERSION.before" ]; ok $? "the fourth host was never touched"
done_testing
