#!/bin/bash
# tests/e2e/param_types.sh -- a --param value takes the type of the
# param's default (issue 18 item 3): a list as a,b,c or a JSON array (its
# items typed like the default's first item), a number, a bool, a
# duration; a value that does not fit is an error naming the param.
set -u
top=${RBK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/e2e/lib.bash"
rbk_test_begin

cat > "$T/p.rbk" <<'RBK'
runbook "typed params" {
  param hosts = ["a", "b"]
  param ports = [80]
  param n     = 1
  param quiet = false
  param pause = 5s
  step s {
    for h in hosts {
      log "host ${h}"
    }
    for p in ports {
      log "port+1 ${p + 1}"
    }
    log "n+1 ${n + 1} quiet ${not quiet} wait ${pause + 1s} count ${len(hosts)}"
  }
}
RBK

rbk run --new --param hosts=x,y --param ports=1,2 p.rbk
ok "$rc" "a list param given as a,b runs"
expect_match "$out" 'host x' "the first item of a,b"
expect_match "$out" 'host y' "the second item of a,b"
expect_match "$out" 'port\+1 2' "items of a number list are numbers"
expect_match "$out" 'count 2' "a,b is a list of two"

rbk run --new --param 'hosts=["q", "r s", "t"]' --param n=41 --param quiet=true --param pause=1m p.rbk
ok "$rc" "a list param given as a JSON array runs"
expect_match "$out" 'host r s' "a JSON array's string item"
expect_match "$out" 'count 3' "the JSON array has three items"
expect_match "$out" 'n\+1 42 quiet false wait 1m1s' "number, bool and duration params are typed"

rbk run --new --param hosts= p.rbk
ok "$rc" "an empty value is the empty list"
expect_match "$out" 'count 0' "hosts= is a list of none"

rbk run --new --param ports=80,http p.rbk
expect_eq "$rc" 2 "a list item that is not a number is refused"
expect_match "$err" 'ports' "the error names the param"

rbk run --new --param 'hosts=["a", [1]]' p.rbk
expect_eq "$rc" 2 "a nested JSON array is refused"
expect_match "$err" 'hosts: item 2' "the error names the param and the item"

rbk run --new --param 'hosts=[oops' p.rbk
expect_eq "$rc" 2 "a broken JSON array is refused"
expect_match "$err" '--param hosts' "the error names the param"

[ ! -s "$T/.crashes" ]; ok $? "no crash"
done_testing
