#!/bin/bash
# tests/e2e/fleet_harness.sh -- the fleet harness itself (tests/e2e/sshd.bash):
# five real sshd's on 127.0.0.2-6, each a host of its own with its own area;
# a host taken down refuses connections, a re-keyed host is refused by ssh
# (changed host key, never accepted), and fleet_stop leaves no sshd alive.
set -u
top=${RBK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/e2e/lib.bash"
. "$top/tests/e2e/sshd.bash"
T=$(tmpdir)
trap 'fleet_stop; rm -rf "$T"' EXIT
cd "$T" || exit 1

fleet_start 5; rc=$?
ok $rc "fleet_start 5 starts five sshd's that accept a real ssh"
if [ $rc -ne 0 ]; then done_testing; exit 0; fi
s() { timeout 30 ssh -F "$FLEET_SSH_CONFIG" "$@" </dev/null; }

expect_eq "$FLEET_HOSTS" "h1 h2 h3 h4 h5" "FLEET_HOSTS names the hosts"
expect_eq "$(tr '\n' ' ' < "$FLEET_DIR/hosts.txt")" "h1 h2 h3 h4 h5 " "hosts.txt has one host a line"
expect_eq "$FLEET_SSH_CONFIG" "$FLEET_DIR/ssh_config" "FLEET_SSH_CONFIG is the fleet's ssh_config"
expect_eq "$(stat -c %a "$FLEET_DIR/id")" 600 "the client key is private (0600)"

got=""
for h in $FLEET_HOSTS; do got="$got$(s "$h" 'echo $RBK_TEST_HOST') "; done
expect_eq "$got" "h1 h2 h3 h4 h5 " "each host's commands see RBK_TEST_HOST = its own name"

pids=""
for i in 1 2 3 4 5; do pids="$pids $(fleet_pid $i)"; done
expect_eq "$(for p in $pids; do readlink /proc/$p/exe; done | sort -u)" /usr/sbin/sshd "each host is a real /usr/sbin/sshd process"
ports=$(sed -n 's/^  Port //p' "$FLEET_SSH_CONFIG" | sort -u | wc -l)
addrs=$(sed -n 's/^  HostName //p' "$FLEET_SSH_CONFIG" | tr '\n' ' ')
expect_eq "$addrs" "127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5 127.0.0.6 " "each host listens on its own loopback address"
expect_eq "$ports" 5 "ssh_config has a port for each host"

s h2 'echo written-through-h2 > "$RBK_TEST_AREA/marker"'
where=$(cd "$FLEET_DIR" && ls -d h*/area/marker 2>/dev/null | tr '\n' ' ')
expect_eq "$where" "h2/area/marker " "a file written through h2 lands in h2's area only"
expect_eq "$(cat "$FLEET_DIR/h2/area/marker" 2>/dev/null)" written-through-h2 "with the content written"

# known_hosts holds the real keys: every line is the key of the sshd there
kh_ok=0
for i in 1 2 3 4 5; do
  grep -qF "$(cut -d' ' -f2 "$FLEET_DIR/h$i/host_key.pub")" "$FLEET_DIR/known_hosts" || kh_ok=1
done
ok $kh_ok "known_hosts holds each host's real key"
expect_match "$(cat "$FLEET_DIR/known_hosts")" '^\[127\.0\.0\.2\]:[0-9]+ ssh-ed25519 AAAA' "known_hosts lines are [127.0.0.x]:PORT ssh-ed25519 KEY"

inv=$(cat "$FLEET_DIR/inventory.ini")
expect_match "$inv" $'\\[web\\]\nh1 ansible_host=127\\.0\\.0\\.2 ansible_port=[0-9]+ ansible_user='"$(id -un)" "inventory.ini: h1 in web, with ansible_host/port/user"
expect_match "$(sed -n '/^\[db\]/,/^$/p' "$FLEET_DIR/inventory.ini" | cut -d' ' -f1 | tr '\n' ' ')" '^\[db\] h4 h5 ' "inventory.ini: db is the second half"
expect_match "$inv" $'\\[fleet:children\\]\nweb\ndb' "inventory.ini: fleet is the parent of web and db"
expect_match "$inv" $'\\[web:vars\\]\ntier=frontend' "inventory.ini: a [web:vars] variable"

# a second harness at the same time (another test script, another helper)
# takes other ports on the same addresses, and its own stop spares ours
other=$( (fleet_start 2 "$T/other" >/dev/null 2>&1 || exit 1
         a=$(ssh -F "$FLEET_SSH_CONFIG" h1 'echo $RBK_TEST_AREA' </dev/null)
         fleet_stop; echo "$a") )
expect_eq "$other" "$T/other/h1/area" "a second fleet runs beside the first, on 127.0.0.2 too"
expect_eq "$(s h1 'echo $RBK_TEST_HOST')" h1 "and stopping it leaves the first one serving"

fleet_down 3
out=$(s h3 true 2>&1); rc=$?
expect_eq "$rc" 255 "fleet_down 3: ssh to h3 fails"
expect_match "$out" 'Connection refused' "with connection refused"
expect_eq "$(fleet_pid 3)" "" "and its sshd is gone"
fleet_up 3
expect_eq "$(s h3 'echo $RBK_TEST_HOST' 2>&1)" h3 "fleet_up 3: h3 answers again, with the same key"

fleet_rekey 4
out=$(s h4 'touch "$RBK_TEST_AREA/ran"' 2>&1); rc=$?
expect_eq "$rc" 255 "fleet_rekey 4: ssh to h4 fails"
expect_match "$out" 'REMOTE HOST IDENTIFICATION HAS CHANGED' "ssh names the changed host key"
expect_match "$out" 'Host key verification failed' "and refuses it"
ok $([ ! -e "$FLEET_DIR/h4/area/ran" ]; echo $?) "the command never ran on the re-keyed host"
expect_eq "$(s h5 'echo $RBK_TEST_HOST' 2>&1)" h5 "the other hosts still answer"

pids=""
for i in 1 2 3 4 5; do pids="$pids $(fleet_pid $i)"; done
# a connection held open: fleet_stop ends the sshd serving it too
s h1 'sleep 300' >/dev/null 2>&1 &
held=$!
for _ in $(seq 1 100); do [ "$(_fleet_children "$(fleet_pid 1)" | wc -l)" -ge 2 ] && break; sleep 0.1; done
kids=$(_fleet_children "$(fleet_pid 1)")
fleet_stop
alive=""
# (a zombie waiting for init to reap it is not alive)
for p in $pids $kids; do _fleet_alive "$p" && alive="$alive $p"; done
expect_eq "$(echo $pids | wc -w) $([ "$(echo $kids | wc -w)" -ge 2 ] && echo held) alive:$alive" "5 held alive:" "fleet_stop: no sshd the harness started is alive (nor those serving a held connection, nor its command)"
wait $held 2>/dev/null
out=$(s h1 true 2>&1)
expect_match "$out" 'Connection refused' "after fleet_stop, connections are refused"
fleet_stop; ok $? "fleet_stop twice is harmless"

done_testing
