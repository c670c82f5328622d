#!/bin/bash
# tests/e2e/stdlib_inventory.sh -- inventory() and hosts_file(): a runbook
# reads the hosts of an Ansible INI inventory's groups and of a plain
# list, as host maps {name, address, port, user, vars}; the inventory of a
# real fleet (tests/e2e/sshd.bash) reaches every host over ssh; a bad
# inventory fails the step at the inventory's own line, with a caret and
# a hint; and a resumed run gets the journaled hosts, not the changed file.
set -u
top=${RBK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/e2e/lib.bash"
. "$top/tests/e2e/sshd.bash"
T=$(tmpdir)
trap 'fleet_stop; rm -rf "$T"' EXIT
cd "$T" || exit 1
export RBK_STATE_DIR="$T/state"
rbk() { rbk_at_T "$@"; }
logs() { sed -n 's/^  log: //p' <<<"$out"; }

cat > inv.ini <<'EOF2'
# the portal's hosts
bastion
[web]
web[01:03].example.com ansible_user=deploy tier="front end"
app4:2222                       # a port after the name
[db]
db[a:b] ansible_host=10.0.0.9
[web:vars]
tier = frontend  # a comment
color='blue sky'
[fleet:children]
web
db
[fleet:vars]
env=prod
EOF2
cat > inv.rbk <<'EOF2'
runbook "inventory" {
  step show {
    for h in inventory("inv.ini", "web") {
      log "web ${h.name} ${h.address} ${h.port} ${h.user} ${h.vars.tier} ${h.vars.env}"
    }
    log "fleet ${join(names(inventory("inv.ini", "fleet")), " ")}"
    log "all ${len(inventory("inv.ini", "all"))}"
    log "ungrouped ${inventory("inv.ini", "ungrouped")}"
    let db = inventory("inv.ini", "db")
    log "db ${db[0].address} has color: ${contains(db[0].vars, "color")}"
    log "list ${hosts_file("hosts.txt")}"
  }
}
fn names(hs) {
  let out = []
  for h in hs { out = out + [h.name] }
  return out
}
EOF2
printf '# the canaries\nweb1\n\n  web2   # second\nops@10.0.0.3\nweb1\n' > hosts.txt
rbk run inv.rbk
expect_eq "$rc" 0 "a runbook reads an inventory and a hosts file: exit 0 ($(tail -3 <<<"$err"))"
expect_eq "$(logs)" "web web01.example.com web01.example.com nil deploy front end prod
web web02.example.com web02.example.com nil deploy front end prod
web web03.example.com web03.example.com nil deploy front end prod
web app4 app4 2222 nil frontend prod
fleet web01.example.com web02.example.com web03.example.com app4 dba dbb
all 7
ungrouped [{name: \"bastion\", address: \"bastion\", port: nil, user: nil, vars: {}}]
db 10.0.0.9 has color: false
list [{name: \"web1\", address: \"web1\", port: nil, user: nil, vars: {}}, {name: \"web2\", address: \"web2\", port: nil, user: nil, vars: {}}, {name: \"ops@10.0.0.3\", address: \"10.0.0.3\", port: nil, user: \"ops\", vars: {}}]" \
  "the hosts of each group, in file order, with address, port, user and merged vars"

# A field a host does not have fails the step, naming the fields there.
printf 'runbook "x" {\n  step s { for h in inventory("inv.ini", "db") { log h.vars.color } }\n}\n' > nofield.rbk
rbk run nofield.rbk
expect_match "$all" "the map has no field 'color' \\(it has: env\\)" "a missing variable names the ones there are"
ok $([ "$rc" -ne 0 ]; echo $?) "and fails the run"

# The inventory the fleet harness writes, for five real sshd's: the
# runbook reaches every web host through the address and port it read.
if fleet_start 5; then
  cp "$FLEET_DIR/inventory.ini" fleet.ini
  cat > reach.rbk <<'EOF2'
runbook "reach" {
  param key = ""
  step reach {
    for h in inventory("fleet.ini", "web") {
      log "${h.name} ${h.vars.tier}: ${sh("ssh -i ${key} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=${key}.hosts -p ${h.port} -l ${h.user} ${h.address} 'echo $RBK_TEST_HOST'")}"
    }
    for h in hosts_file("hosts.txt") { log "listed ${h.name}" }
  }
}
EOF2
  cp "$FLEET_DIR/hosts.txt" hosts.txt
  cp "$FLEET_DIR/known_hosts" "$FLEET_DIR/id.hosts"
  rbk run reach.rbk --param key="$FLEET_DIR/id"
  expect_eq "$rc" 0 "a runbook reaches the fleet's web hosts from its inventory ($(tail -3 <<<"$err"))"
  expect_eq "$(logs)" "h1 frontend: h1
h2 frontend: h2
h3 frontend: h3
listed h1
listed h2
listed h3
listed h4
listed h5" "each web host answers as itself; hosts.txt lists all five"
else
  ok 1 "fleet_start 5 (see stderr)"
fi

# Bad inventories: the step fails at the inventory's line, with a caret
# and a hint, and nothing is run after.
# WANT is an extended regular expression over stderr with its lines
# joined by '~' (grep matches line by line)
bad() {   # bad INI GROUP WANT DESCRIPTION
  printf '%s\n' "$1" > bad.ini
  printf 'runbook "bad" {\n  step s {\n    for h in inventory("bad.ini", "%s") { log h.name }\n    run "touch ran"\n  }\n}\n' "$2" > bad.rbk
  rm -f ran
  rbk run --new bad.rbk
  expect_match "$(tr '\n' '~' <<<"$err")" "$3" "$4"
  ok $([ "$rc" -ne 0 ] && [ ! -e ran ]; echo $?) "  and the step fails before its command (exit $rc)"
}
bad $'[web]\nh1\n[web:children]\ndb\n[db:children]\nweb' web \
  'bad.ini:6:1: error: group .web. would contain itself: web -> db -> web~ 6 \| web~   \| \^~~~hint: remove one of these' \
  "a child cycle: located at the line that closes it"
bad $'[web]\n-oProxyCommand=touch_pwned' web \
  "bad.ini:2:1: error: '-oProxyCommand=touch_pwned' is not a host name rbk will use~.*~hint: it starts with '-' \\(ssh would read it as an option\\)" \
  "a host name that is an ssh option"
bad $'[web]\nweb1;reboot' web "bad.ini:2:1: error: 'web1;reboot' is not a host name rbk will use.*shell metacharacter" \
  "a host name with a shell metacharacter"
bad $'[web]\nh1' wbe "bad.ini: error: no group 'wbe' in this inventory~hint: did you mean 'web'\\? The groups are: all, ungrouped, web~" \
  "an unknown group: the nearest, and the groups there are"
bad $'[web]\nh1 stray' web "bad.ini:2:4: error: expected key=value after the host, not 'stray'~ 2 \\| h1 stray~   \\|    \\^~~~~~hint: " \
  "a bad host line, with a caret under the word"
bad $'[web:vars]\nansible_port=http\n[web]\nh1' web "bad.ini:2:1: error: ansible_port 'http' is not a port.*hint: a port is a whole number from 1 to 65535" \
  "a bad port in a group's vars, located where it is set"
bad $'[web:nope]\nh1' web "bad.ini:1:6: error: unknown kind of section ':nope'.*hint: a section is \\[NAME\\], \\[NAME:vars\\] or \\[NAME:children\\]" \
  "an unknown section kind"
printf 'runbook "x" {\n  step s { log "${hosts_file("missing.txt")}" }\n}\n' > missing.rbk
rbk run missing.rbk
expect_match "$err" "hosts_file\\(\\): missing.txt: " "a missing file names itself"
printf 'web1\nweb 2\n' > badlist.txt
printf 'runbook "x" {\n  step s { log "${hosts_file("badlist.txt")}" }\n}\n' > badlist.rbk
rbk run badlist.rbk
expect_match "$err" $'badlist.txt:2:5: error: one host a line' "hosts_file: two words on a line, located"

# Resume: the hosts are journaled. A run killed mid-step resumes with the
# hosts it read, even though the inventory changed in between.
printf '[web]\nw1\nw2\n' > r.ini
cat > r.rbk <<'EOF2'
runbook "resume" {
  step b {
    idempotent
    let names = ""
    for h in inventory("r.ini", "web") { names = names + h.name + " " }
    run "test -e go || sleep 60"
    run "echo ${names} > seen.txt"
  }
}
EOF2
export RBK_STATE_DIR="$T/state-resume"
(exec "$RBK" run r.rbk </dev/null >r.out 2>&1) & rp=$!
for _ in $(seq 1 300); do grep -qs 'sleep 60' "$RBK_STATE_DIR"/runs/*/journal.jsonl && break; sleep 0.1; done
kill -KILL $rp; wait $rp 2>/dev/null
printf '[web]\nw1\nw3\n' > r.ini
touch go
run_id=$(ls "$RBK_STATE_DIR/runs" | head -1)
rbk resume "$run_id"
expect_eq "$rc" 0 "the killed run resumes ($(tail -3 <<<"$err"))"
expect_eq "$(cat seen.txt 2>/dev/null)" "w1 w2 " "with the hosts it had read (journaled), not the changed file's"
out=$(cd "$T" && "$RBK" log --verify "$run_id" 2>&1)
expect_match "$out" "chain verified" "the journal holding host maps verifies"

ok $([ ! -s "$T/.crashes" ]; echo $?) "no crash or sanitizer report$([ -s "$T/.crashes" ] && printf ': %s' "$(head -c 600 "$T/.crashes")")"
done_testing
