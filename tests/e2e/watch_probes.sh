#!/bin/bash
# tests/e2e/watch_probes.sh -- rbk watch and its probes (issue 18 items 1
# and 4): a trigger's `for` computed from a param (and --param) holds
# instead of being ignored; each probe has a budget of its own (two slow
# probes in one round both answer); a failed probe is named, with why; a
# probe stopped by its budget says so, not "step timed out"; a trigger in
# error 3 rounds in a row notifies the decision maker (blind) and the
# journal records it; rbk check warns about a string probe compared with a
# number. No timing is asserted: the test waits for lines to appear.
set -u
top=${RBK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/e2e/lib.bash"
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
export RBK_STATE_DIR="$T/state" NO_COLOR=1
rbk() { rbk_at_T "$@"; }

# --- item 1: for from a param -------------------------------------------
cat > hold.rbk <<'RBK'
runbook "Hold from a param" {
  owner lead
  role lead "Jane" email "jane@example.com"
  notifier "printf '%s|%s\n' ${to} ${message} >> notes.txt"
  param sustain = 1h
  probe p95 = num(trim(read_file("p95.txt")))
  trigger "p95 over 100 for a while" critical when probe("p95") > 100 for sustain
}
RBK
echo 250 > p95.txt
rbk check hold.rbk
ok "$rc" "rbk check accepts 'for sustain' with param sustain = 1h"
RBK_TIMEOUT=60 rbk watch --every 100ms --for 1s hold.rbk
expect_eq "$rc" 0 "with for sustain = 1h the trigger holds: nothing fires in the window"
expect_match "$out" 'ok -> pending' "the trigger is pending, not firing"
ok $(grep -q firing <<<"$out"; [ $? -ne 0 ]; echo $?) "it never fires in the first round"
j=$(cat state/watches/hold-*/journal.jsonl | head -1)
expect_match "$j" '"for":3600.000' "the watch journals the hold computed from the param"
RBK_TIMEOUT=60 rbk watch --every 100ms --for 30s --param sustain=200ms hold.rbk
expect_eq "$rc" 1 "--param sustain=200ms: the trigger fires once held that long"
expect_match "$out" 'ok -> pending.*'$'\n''.*pending -> firing' "pending first, then firing"

cat > badhold.rbk <<'RBK'
runbook "Bad hold" {
  param sustain = 2m
  probe p95 = 1
  trigger "t" minor when probe("p95") > 0 for sustain
}
RBK
rbk watch --every 100ms --for 1s --param sustain=-5s badhold.rbk
expect_eq "$rc" 2 "a hold that is not a duration stops the watch before it starts"
expect_match "$err" "--param sustain=-5s|'for' needs a duration" "saying why"

# --- item 4: budgets, which probe, blind ----------------------------------
cat > slow.rbk <<'RBK'
runbook "Slow probes" {
  owner lead
  role lead "Jane" email "jane@example.com"
  notifier "printf '%s|%s\n' ${to} ${message} >> notes.txt"
  probe slow_a = num(sh("sleep 3; echo 1"))
  probe slow_b = num(sh("sleep 3; echo 2"))
  trigger "a" minor when probe("slow_a") > 100
  trigger "b" minor when probe("slow_b") > 100
}
RBK
RBK_TIMEOUT=60 rbk watch --every 1s --for 1s slow.rbk
expect_eq "$rc" 0 "two probes of 3s each in one round"
expect_match "$out" 'slow_a=1, slow_b=2' "each answers within a budget of its own (not one 5s budget for the round)"
ok $(grep -q 'error' <<<"$out"; [ $? -ne 0 ]; echo $?) "neither is in error"

cat > broken.rbk <<'RBK'
runbook "Broken probes" {
  owner lead
  role lead "Jane" email "jane@example.com"
  notifier "printf '%s|%s\n' ${to} ${message} >> notes.txt"
  probe failing = num(sh("echo no >&2; exit 3"))
  probe stuck   = num(sh("sleep 30; echo 1"))
  trigger "failing over 100" major when probe("failing") > 100
  trigger "stuck over 100" minor when probe("stuck") > 100
}
RBK
rm -f notes.txt
RBK_TIMEOUT=120 rbk watch --every 100ms --for 16s broken.rbk
expect_eq "$rc" 0 "the window passes with both triggers in error"
expect_match "$out" "\"failing over 100\": ok -> error .*probe 'failing' failed: sh\(\): command failed with exit status 3" \
  "the error names the failed probe and why"
expect_match "$out" "\"stuck over 100\": ok -> error .*probe 'stuck' failed: it took longer than its budget of 5s and was stopped" \
  "a probe stopped by its budget says so"
ok $(grep -q 'before the command could start\|step timed out' <<<"$all"; [ $? -ne 0 ]; echo $?) \
  "no 'step timed out' where there is no step"
expect_match "$out" 'notified lead: rbk watch cannot evaluate major trigger "failing over 100" \(3 rounds in a row\)' \
  "after 3 rounds in error the decision maker is notified"
expect_match "$(cat notes.txt 2>/dev/null)" '^lead\|rbk watch cannot evaluate major trigger "failing over 100"' \
  "through the runbook's notifier"
expect_eq "$(grep -c '"type":"blind".*"trigger":"failing over 100"' state/watches/broken-*/journal.jsonl)" 1 \
  "the journal records it once"

cat > str.rbk <<'RBK'
runbook "String probe" {
  probe p95  = run("echo 1").out
  probe good = num(run("echo 1").out)
  trigger "p95 over 100" major when probe("p95") > 100
  trigger "good over 100" major when probe("good") > 100
  trigger "p95 is ok" minor when probe("p95") == "ok"
}
RBK
rbk check str.rbk
expect_eq "$rc" 0 "a string probe compared with a number is a warning, not an error"
expect_match "$err" "str.rbk:4:37: warning: probe 'p95' is a string, compared with a number" "rbk check warns, located"
expect_eq "$(grep -c 'warning' <<<"$err")" 1 "only the trigger that compares it with a number"

[ ! -s "$T/.crashes" ]; ok $? "no crash"
done_testing
