#!/bin/bash
# bench/resume.bench.sh RBK -- how long a resume takes to replay a long
# journal and reach the point where the run goes on: a run that made
# 50,000 effects (100,000 effect records) and waits at an approval.
# `rbk resume` replays every effect from the journal and stops at the gate
# again (exit 3: no terminal), which is the point of continuing.
#
# Target (issue 20; reported, never asserted): under 70 ms.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
rbk=${1:?usage: bench/resume.bench.sh RBK_BINARY}
n=${BENCH_EFFECTS:-50000}
state=$BENCH_OUT/resume-state
rm -rf "$state"
python3 "$here/gen_journal.py" "$state" "$n" >/dev/null || exit 1
records=$(wc -l < "$state/runs/resume-bench/journal.jsonl")
# The first resume must replay everything and stop at the gate.
RBK_STATE_DIR="$state" "$rbk" resume resume-bench </dev/null >"$BENCH_OUT/resume.out" 2>&1
rc=$?
if [ "$rc" -ne 3 ] || ! grep -q "$n effects replayed" "$BENCH_OUT/resume.out"; then
  echo "resume: expected the run to replay $n effects and wait (exit 3); got exit $rc:" >&2
  tail -5 "$BENCH_OUT/resume.out" >&2
  exit 1
fi
bench_time resume env RBK_STATE_DIR="$state" sh -c "'$rbk' resume resume-bench </dev/null >/dev/null 2>&1; test \$? -eq 3" || exit 1
printf 'resume: replay a journal of %s records (%s effects) to the point of continuing (timed with %s)\n' "$records" "$n" "$BT_TOOL"
printf '  %-30s %10s %10s\n' "" mean stddev
printf '  %-30s %10s %10s\n' "rbk resume (to the gate)" "$(bench_ms "$BT_MEAN")" "$(bench_ms "$BT_SD")"
printf '  %-30s %s   (target < 70 ms: %s)\n' "replay time" "$(bench_ms "$BT_MEAN")" \
  "$(awk -v v="$BT_MEAN" 'BEGIN { print v < 0.07 ? "met" : "NOT met" }')"
