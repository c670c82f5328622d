#!/bin/bash
# tests/e2e/resume_reads_once.sh -- a resume reads (and verifies) the
# journal once: the summary's step times come from the records the session
# opened with, plus the lines it appended itself, not from a second reading
# of the whole file. Checked with strace: journal.jsonl is opened twice (once
# to find the runbook from its first record, once to replay and append), and
# the times in the summary are still the run's.
set -u
source tests/e2e/lib.bash
: "${RBK:?set RBK to the rbk binary}"
rbk_test_begin

cat >"$T/rb.rbk" <<'EOF'
runbook "Resume once" {
  step first { run "sleep 1.2" }
  step hand { manual "flip the switch" }
  step last { run "sleep 1.1" }
}
EOF
rbk run --run-id once rb.rbk
expect_eq "$rc" "3" "the run waits at the manual step"
expect_match "$out" "first +ok +[1-9][0-9]*(\.[0-9])?s" "the first step took its time"
rbk confirm once
ok $? "the manual step is confirmed"
if command -v strace >/dev/null 2>&1; then
  # (LeakSanitizer cannot run under ptrace: an ASan build runs without it here)
  tr=$(cd "$T" && ASAN_OPTIONS=detect_leaks=0 strace -f -e trace=openat -o "$T/trace" "$RBK" resume once </dev/null >"$T/out" 2>&1; echo $?)
  out=$(cat "$T/out")
  expect_eq "$tr" "0" "the resume finishes the run"
  # the resume's own opens (the first process traced), not its status page writer's
  expect_eq "$(awk 'NR == 1 { pid = $1 } $1 == pid' "$T/trace" | grep -c 'journal.jsonl"')" "2" "the resume opens the journal twice, reading it in full once"
else
  rbk resume once
  out=$all
  ok 0 "# SKIP strace is missing"
  ok 0 "# SKIP strace is missing"
fi
expect_match "$out" "first +ok +[1-9][0-9]*(\.[0-9])?s" "the summary shows the time the first step took when it ran"
expect_match "$out" "last +ok +[1-9][0-9]*(\.[0-9])?s" "and the time of the step this resume ran (from the lines it appended)"
[ -f "$T/.crashes" ] && cat "$T/.crashes"
done_testing
