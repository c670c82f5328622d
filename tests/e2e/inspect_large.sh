#!/bin/bash
# tests/e2e/inspect_large.sh -- rbk status, log and report on a journal of
# a 20,000-step run (bench/gen_steps.py: 86,002 records; every 10th step
# failed once and recovered on its second attempt) give the right counts.
# A correctness test for the linear readers (issue 13, item 11); their
# speed is shown by `make bench` (bench/readers.bench.sh), never asserted.
set -u
source tests/e2e/lib.bash
: "${RBK:?set RBK to the rbk binary}"
: "${RBK_TOP:=$(pwd)}"
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT
export RBK_STATE_DIR="$T/state"
n=20000

run=$(python3 "$RBK_TOP/bench/gen_steps.py" "$RBK_STATE_DIR" "$n")
expect_eq "$run" steps-bench "the generator wrote the run"
cd "$T" || exit 1

# rbk status: every step, in order, with its state and attempts
st=$(timeout 300 "$RBK" status "$run"); rc=$?
expect_eq "$rc" 0 "rbk status succeeds"
expect_match "$st" $'State     succeeded' "the run succeeded"
expect_eq "$(grep -cE '^ +[0-9]+  s[0-9]+ +(ok|recovered) ' <<<"$st")" "$n" "rbk status lists all $n steps"
expect_eq "$(grep -cE '^ +[0-9]+  s[0-9]+ +recovered +2 ' <<<"$st")" $((n / 10)) "2,000 of them recovered, on their second attempt"
expect_eq "$(grep -E '^ +[0-9]+  s' <<<"$st" | awk '{ if ($1 != NR || $2 != "s" (NR - 1)) bad++ } END { print bad + 0 }')" 0 \
  "in the runbook's order"
js=$(timeout 300 "$RBK" status --format json "$run" | python3 -c '
import json, sys
d = json.load(sys.stdin)
s = d["steps"]
print(len(s), sum(x["outcome"] == "ok" for x in s), sum(x["outcome"] == "recovered" for x in s), d["journal"]["records"])')
expect_eq "$js" "$n $((n - n / 10)) $((n / 10)) $((4 * n + n / 10 * 3 + 2))" "rbk status --format json: the same counts, and every record read"

# rbk log: one line per record, every effect_end with its command's kind
lg=$(timeout 300 "$RBK" log "$run"); rc=$?
expect_eq "$rc" 0 "rbk log succeeds"
expect_eq "$(wc -l <<<"$lg")" $((4 * n + n / 10 * 3 + 2)) "rbk log prints one line per record"
expect_eq "$(grep -c ' effect_end  *#[0-9]* exit 1 ' <<<"$lg")" $((n / 10)) "2,000 commands exited 1"

# rbk report: every step and every command, planned against actual
rp=$(timeout 300 "$RBK" report --format json "$run" | python3 -c '
import json, sys
d = json.load(sys.stdin)
s = d["steps"]
print(len(s), sum(x["outcome"] == "recovered" for x in s), len(d["commands"]),
      sum(1 for c in d["commands"] if c["status"] == 1),
      all(x["number"] == i + 1 and x["name"] == "s%d" % i for i, x in enumerate(s)))')
expect_eq "$rp" "$n $((n / 10)) $((n + n / 10)) $((n / 10)) True" \
  "rbk report --format json: all steps in order, 2,000 recovered, 22,000 commands, 2,000 failed"
md=$(timeout 300 "$RBK" report "$run"); rc=$?
expect_eq "$rc" 0 "rbk report (Markdown) succeeds"
expect_match "$md" "$((n / 10)) steps failed and recovered" "the review counts the recovered steps"

done_testing
