#!/bin/bash
# tests/e2e/param_file.sh -- `--param-file FILE` (issue 18 item 8): a
# YAML or JSON mapping of params, typed as --param values are (from the
# default: a list from a sequence, numbers, booleans, durations as "5m");
# a --param of the same name wins; an unknown key is an error that names
# the key and the file, at its line and column; a secret from a file
# stays masked; run, resume and plan take it.
set -u
top=${RBK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/e2e/lib.bash"
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT
export RBK_STATE_DIR="$T/state" NO_COLOR=1
rbk() { rbk_at_T "$@"; }

cat > "$T/p.rbk" <<'RBK'
runbook "params from a file" {
  param hosts = ["a", "b"]
  param ports = [80]
  param n     = 1
  param quiet = false
  param pause = 5s
  param who   = "nobody"
  secret token = "built-in"
  step s {
    for h in hosts {
      log "host ${h}"
    }
    for p in ports {
      log "port+1 ${p + 1}"
    }
    log "n+1 ${n + 1} quiet ${not quiet} wait ${pause + 1s} count ${len(hosts)} who ${who}"
    run "echo token=${token}"
  }
}
RBK

cat > "$T/vars.yml" <<'YML'
# params for the rehearsal
hosts:
  - web-1
  - "web 2"
  - web-3
ports: [8080, 8443]
n: 41
quiet: true
pause: 1m
who: yaml
token: s3cr3t-from-file
YML

rbk run --new --param-file vars.yml p.rbk
ok "$rc" "run --param-file vars.yml runs"
expect_match "$out" 'host web 2' "a YAML sequence is a list param (quoted item kept)"
expect_match "$out" 'count 3' "the sequence has three items"
expect_match "$out" 'port\+1 8081' "items of a number list are numbers"
expect_match "$out" 'n\+1 42 quiet false wait 1m1s' "number, bool and duration params are typed"
expect_match "$out" 'who yaml' "a string param"
ok "$(grep -q s3cr3t-from-file <<<"$all"; echo $((1 - $?)))" "a secret from the file is not shown"
j=$(ls "$T"/state/*/runs/*/journal.jsonl 2>/dev/null | head -1)
[ -z "$j" ] && j=$(find "$T/state" -name journal.jsonl | head -1)
ok "$(grep -q s3cr3t-from-file "$j"; echo $((1 - $?)))" "a secret from the file is not journaled"
expect_match "$(cat "$j")" '"token":"\*\*\*"' "the journal records the secret as ***"

rbk run --new --param-file vars.yml --param who=cli --param n=1 p.rbk
ok "$rc" "--param with --param-file runs"
expect_match "$out" 'who cli' "--param wins over the file (given after it)"
expect_match "$out" 'n\+1 2 ' "--param wins over the file (number)"

rbk run --new --param who=first --param-file vars.yml p.rbk
expect_match "$out" 'who first' "--param wins over the file (given before it)"

printf '{"hosts": ["j1", "j2"], "n": 9, "quiet": false}\n' >"$T/vars.json"
rbk run --new --param-file vars.json p.rbk
ok "$rc" "a JSON file is read as YAML"
expect_match "$out" 'host j2' "a JSON array is a list param"
expect_match "$out" 'n\+1 10 quiet true' "JSON numbers and booleans"

printf 'who: x\nhsots: [a]\n' >"$T/typo.yml"
rbk run --new --param-file typo.yml p.rbk
expect_eq "$rc" 2 "an unknown key is a usage error"
expect_match "$err" 'typo.yml:2:1: error: .*hsots' "the error names the file, line:col and the key"
expect_match "$err" "did you mean 'hosts'" "with the nearest param as a hint"
ok "$([ ! -d "$T/state" ] || ! grep -rq '"who":"x"' "$T/state"; echo $?)" "no run starts with an unknown key"

printf 'n: many\n' >"$T/bad.yml"
rbk run --new --param-file bad.yml p.rbk
expect_eq "$rc" 2 "a value of the wrong type is refused"
expect_match "$err" 'n=many: not a number' "the error names the param"

printf 'hosts: [a\n' >"$T/broken.yml"
rbk run --new --param-file broken.yml p.rbk
expect_eq "$rc" 2 "a file that is not YAML is refused"
expect_match "$err" 'broken.yml:2:1: error: not YAML' "located at the place libyaml marks"

printf 'who: {a: 1}\n' >"$T/map.yml"
rbk run --new --param-file map.yml p.rbk
expect_eq "$rc" 2 "a mapping value is refused"
expect_match "$err" "map.yml:1:6: error: param 'who': a mapping" "at the value"

rbk run --new --param-file missing.yml p.rbk
expect_eq "$rc" 2 "a missing file is a usage error"
expect_match "$err" 'missing.yml: error: cannot read' "naming the file"

# plan: the values the file gives
rbk plan --param-file vars.yml --format json p.rbk
ok "$rc" "plan --param-file runs"
expect_match "$out" '"name":"who","secret":false,"default":"\\"nobody\\"","given":"yaml"' "plan shows the value given in the file"
ok "$(grep -q s3cr3t-from-file <<<"$out"; echo $((1 - $?)))" "plan never shows a secret from the file"
rbk plan --param-file typo.yml p.rbk
expect_eq "$rc" 2 "plan refuses an unknown key too"
expect_match "$err" 'typo.yml:2:1: error' "at its place"

# resume takes it: a run that waits, resumed with the same file
cat > "$T/g.rbk" <<'RBK'
runbook "gate" {
  param who = "nobody"
  step a { log "a ${who}" }
  step b { manual "go on" }
  step c { log "c ${who}" }
}
RBK
rbk run --new --param-file vars2.yml g.rbk
expect_eq "$rc" 2 "a missing file for a gated runbook is refused"
printf 'who: resumed\n' >"$T/vars2.yml"
rbk run --new --param-file vars2.yml g.rbk
expect_match "$out" 'a resumed' "the first step sees the file's value"
rbk confirm
rbk resume --param-file vars2.yml
expect_match "$out" 'c resumed' "resume --param-file with the same value goes on"

# watch: a trigger's threshold from the file
cat > "$T/w.rbk" <<'RBK'
runbook "watched" {
  param limit = 100
  probe p = 5
  trigger "high" critical when probe("p") > limit
}
RBK
printf 'limit: 1\n' >"$T/low.yml"
rbk watch w.rbk --param-file low.yml --for 2s --every 1s
expect_match "$out" 'ok -> firing \[p=5\]' "watch --param-file: the file's threshold fires the trigger"
rbk watch w.rbk --for 2s --every 1s
expect_match "$out" 'no trigger called for a backout' "and without it the default holds"
rbk watch w.rbk --param-file typo.yml --for 1s --every 1s
expect_eq "$rc" 2 "watch refuses an unknown key"
expect_match "$err" 'typo.yml:1:1: error: .*'"'who'" "at its place"

# repl: the file's value, and an unknown key refused before a run starts
out=$(cd "$T" && printf 'who\n' | timeout 60 "$RBK" repl p.rbk --new --param-file vars.yml 2>&1)
expect_match "$out" '"yaml"' "repl --param-file sets the param"
rbk repl p.rbk --new --param-file typo.yml
expect_eq "$rc" 2 "repl refuses an unknown key"
expect_match "$err" 'typo.yml:2:1: error' "at its place"

# undo: a secret given again from a file
cat > "$T/u.rbk" <<'RBK'
runbook "undoable" {
  param who = "nobody"
  secret token
  step a {
    run "echo do ${who} ${len(token)}"
    undo { run "echo undo ${who} ${len(token)}" }
  }
}
RBK
printf 'token: abcdef\n' >"$T/sec.yml"
printf 'tokn: abcdef\n' >"$T/sec-typo.yml"
rbk run --new u.rbk --param-file sec.yml --param who=me
expect_match "$out" 'do me 6' "a secret from the file is set (its length shows, never the value)"
uid=$(ls "$T/state/runs" | grep '^u-' | grep -v undo | head -1)
rbk undo "$uid" --yes
expect_eq "$rc" 2 "undo without the secret cannot replay the run"
rbk undo "$uid" --yes --param-file sec-typo.yml
expect_eq "$rc" 2 "undo refuses an unknown key"
expect_match "$err" "sec-typo.yml:1:1: error: .*'tokn'" "at its place"
rbk undo "$uid" --yes --param-file sec.yml
expect_eq "$rc" 0 "undo --param-file gives the secret again"
expect_match "$out" 'undo me 6' "and the undo block runs with the run's params"
ok "$(grep -rq abcdef "$T/state"; echo $((1 - $?)))" "the secret is in no journal"

[ -s "$T/.crashes" ] && { echo "# crashes:"; sed 's/^/# /' "$T/.crashes"; }
ok "$([ ! -s "$T/.crashes" ]; echo $?)" "no crash, hang or sanitizer report"
done_testing
