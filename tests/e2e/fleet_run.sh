#!/bin/bash
# fleet_run.sh -- steps on hosts over real OpenSSH (issue 17): five real
# sshd's (tests/e2e/sshd.bash), a rolling deploy in batches of 2, output
# prefixed STEP@HOST, the resolved hosts journaled, each host's effects in
# a lane of its own; SIGKILL of rbk mid-batch, then resume: nothing that
# finished on any host is done again, the host in doubt alone is asked;
# --dry-run lists the batches without connecting; a hostile host name is
# refused before anything runs; a secret never reaches a process list nor
# the journal.
set -u
top=${RBK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/e2e/lib.bash"
. "$top/tests/e2e/sshd.bash"
fleet_test_begin 5
export RBK_SSH_CONFIG="$FLEET_SSH_CONFIG"

# ---- (a) a rolling deploy, serial 2 ------------------------------------------
cat > deploy.rbk <<'EOF'
runbook "Fleet deploy" {
  hosts web = ["h1", "h2", "h3", "h4", "h5"]
  step deploy "Roll out v2.0" on web serial 2 {
    run "echo v2 > $RBK_TEST_AREA/version; echo x >> $RBK_TEST_AREA/deploys; echo deployed ${host.name} on $RBK_TEST_HOST"
    local run "echo local ${host.name} >> CONTROL/local.log"
    verify run("cat $RBK_TEST_AREA/version").out == "v2"
    undo {
      run "echo v1 > $RBK_TEST_AREA/version; echo x >> $RBK_TEST_AREA/undos"
      local run "echo ${host.name} >> CONTROL/undo.log"
    }
  }
}
EOF
sed -i "s#CONTROL#$T#" deploy.rbk
out=$("$RBK" check deploy.rbk 2>&1); ok $? "rbk check accepts the step on hosts"
out=$("$RBK" run --dry-run deploy.rbk 2>&1); rc=$?
expect_eq "$rc" 0 "(dry) --dry-run exits 0"
expect_match "$out" 'batch 1/3: h1 h2' "(dry) lists the first batch"
expect_match "$out" 'batch 3/3: h5' "(dry) and the last"
expect_match "$out" 'deploy@h4:' "(dry) the commands host by host"
expect_match "$out" "echo deployed 'h4' on" "(dry) with host.name resolved and quoted for the remote shell"
expect_eq "$(fleet_counts deploys)" "0 0 0 0 0 " "(dry) nothing ran on any host"

out=$("$RBK" run deploy.rbk 2>&1); rc=$?
expect_eq "$rc" 0 "(a) the rolling deploy succeeds"
expect_eq "$(fleet_counts deploys)" "1 1 1 1 1 " "(a) each host ran its command once"
expect_eq "$(for i in 1 2 3 4 5; do cat "$(fleet_area $i)/version"; done | tr '\n' ' ')" "v2 v2 v2 v2 v2 " "(a) every host is on v2"
expect_match "$out" 'deploy@h3 \| deployed h3 on h3' "(a) output lines are prefixed STEP@HOST, and the command ran on that host"
expect_match "$out" 'batch 1/3, 2/5 hosts done, 0 failed' "(a) a progress line after the first batch"
expect_match "$out" 'batch 3/3, 5/5 hosts done, 0 failed' "(a) and after the last"
expect_eq "$(sort "$T/local.log" | tr '\n' ' ')" "local h1 local h2 local h3 local h4 local h5 " "(a) local run ran on the control machine, once per host"
run=$(ls state/runs | head -1)
J=state/runs/$run/journal.jsonl
expect_eq "$(jq -c 'select(.type=="effect_start" and .kind=="hosts") | .what' "$J" | tr '\n' ' ')" '"web" ' "(a) the group was resolved once, as a journaled effect"
expect_eq "$(jq -r 'select(.type=="host_end") | .host + ":" + .state' "$J" | tr '\n' ' ')" "h1:ok h2:ok h3:ok h4:ok h5:ok " "(a) a host_end per host"
expect_eq "$(jq -r 'select(.type=="effect_start" and .kind=="cmd") | .lane' "$J" | sort -u | tr '\n' ' ')" "deploy@h1/1 deploy@h2/1 deploy@h3/1 deploy@h4/1 deploy@h5/1 " "(a) each host's commands in a lane of its own"
out=$(verify_chain "$J"); ok $? "(a) the journal's hash chain holds ($out)"
ls -d /tmp/rbk-ssh-* 2>/dev/null | while read -r d; do [ -O "$d" ] && [ "$(stat -c %a "$d")" != 700 ] && echo bad; done | grep -q bad
ok $((!$?)) "(a) control directories are private (0700)"

# ---- (a2) its undo, host by host ---------------------------------------------------
out=$("$RBK" undo "$run" --yes 2>&1); rc=$?
expect_eq "$rc" 0 "(a2) rbk undo RUN succeeds"
expect_eq "$(for i in 1 2 3 4 5; do cat "$(fleet_area $i)/version"; done | tr '\n' ' ')" "v1 v1 v1 v1 v1 " "(a2) every host is back on v1"
expect_eq "$(fleet_counts undos)" "1 1 1 1 1 " "(a2) each host's undo ran once"
expect_eq "$(tr '\n' ' ' < "$T/undo.log")" "h5 h4 h3 h2 h1 " "(a2) in reverse batch order, last host first"
expect_match "$out" 'undone on 5 of 5 hosts, 0 failed' "(a2) and says on how many hosts"
U=state/runs/$run-undo/journal.jsonl
expect_eq "$(jq -r 'select(.type=="host_end" and .undo==true) | .host + ":" + .state' "$U" | tr '\n' ' ')" "h5:ok h4:ok h3:ok h2:ok h1:ok " "(a2) the undo journal has a host_end per host"
out=$("$RBK" undo "$run" --yes 2>&1); rc=$?
expect_eq "$(fleet_counts undos)" "1 1 1 1 1 " "(a2) undo again: nothing is undone twice (exit $rc)"

# ---- (b) SIGKILL mid-batch, then resume ------------------------------------------
cat > kill.rbk <<'EOF'
runbook "Fleet kill" {
  hosts web = ["h1", "h2", "h3", "h4", "h5"]
  step deploy on web serial 2 {
    run "echo x >> $RBK_TEST_AREA/runs; if [ $RBK_TEST_HOST = h3 ] && [ ! -e CONTROL/go ]; then touch CONTROL/h3.started; sleep 50; fi; echo done"
  }
}
EOF
sed -i "s#CONTROL#$T#g" kill.rbk
"$RBK" run kill.rbk > kill.out 2>&1 &
bg=$!
wait_file "$T/h3.started"; ok $? "(b) the run reached h3, in the second batch"
kill -KILL "$bg"; wait "$bg" 2>/dev/null; bg=""
touch "$T/go"
expect_eq "$(fleet_counts runs)" "1 1 1 0 0 " "(b) killed mid-batch: h1, h2 done, h3 started, h4, h5 not yet"
krun=$(ls -t state/runs | grep '^kill' | head -1)
out=$("$RBK" resume "$krun" </dev/null 2>&1); rc=$?
expect_eq "$rc" 3 "(b) the resume waits: the command on h3 is in doubt"
expect_match "$out" "deploy@h3" "(b) and names the host in doubt"
expect_eq "$(fleet_counts runs)" "1 1 1 0 0 " "(b) nothing ran again meanwhile"
out=$("$RBK" answer "$krun" rerun 2>&1); ok $? "(b) rbk answer RUN rerun ($out)"
out=$("$RBK" resume "$krun" </dev/null 2>&1); rc=$?
expect_eq "$rc" 0 "(b) the resume finishes the run"
expect_eq "$(fleet_counts runs)" "1 1 2 1 1 " "(b) h1, h2 not redone; h3 re-run as answered; h4, h5 once"
expect_match "$out" 'effects replayed' "(b) the finished hosts were replayed from the journal"

# ---- (c) a hostile host name ----------------------------------------------------
cat > hostile.rbk <<'EOF'
runbook "Hostile" {
  hosts web = ["h1", "-oProxyCommand=touch CONTROL/pwned"]
  step a on web { run "echo x >> $RBK_TEST_AREA/hostile" }
}
EOF
sed -i "s#CONTROL#$T#g" hostile.rbk
out=$("$RBK" run hostile.rbk 2>&1); rc=$?
expect_eq "$rc" 2 "(c) a hostile host name stops the run before any step (exit 2)"
expect_match "$out" 'hosts group web: host 2 is refused' "(c) and says which host is refused"
[ ! -e "$T/pwned" ] && [ "$(fleet_counts hostile)" = "0 0 0 0 0 " ]; ok $? "(c) nothing ran on any host, nothing was injected"

# ---- (d) a secret never in a process list nor the journal ------------------------
export FLEET_TOKEN="tok-$$-Zq9xV"
cat > secret.rbk <<'EOF'
runbook "Secret" {
  secret token = env("FLEET_TOKEN")
  hosts web = ["h1", "h2"]
  step use on web {
    run "T='${token}'; touch CONTROL/$RBK_TEST_HOST.in; while [ ! -e CONTROL/release ]; do sleep 0.1; done; echo using $T > /dev/null"
  }
}
EOF
sed -i "s#CONTROL#$T#g" secret.rbk
"$RBK" run secret.rbk > secret.out 2>&1 &
bg=$!
wait_file "$T/h1.in"; ok $? "(d) the command holding the secret runs on h1"
ps -eo args > ps.txt
grep -c "$FLEET_TOKEN" ps.txt > ps.count
touch "$T/release"
wait "$bg"; rc=$?; bg=""
expect_eq "$rc" 0 "(d) the run succeeds"
expect_eq "$(cat ps.count)" 0 "(d) the secret is in no process list while its command runs"
srun=$(ls -t state/runs | grep '^secret' | head -1)
! grep -q "$FLEET_TOKEN" state/runs/"$srun"/journal.jsonl secret.out; ok $? "(d) nor in the journal or the output"
done_testing
