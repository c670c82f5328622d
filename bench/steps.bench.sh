#!/bin/bash
# bench/steps.bench.sh RBK -- the VM's own cost next to process spawning:
# a runbook of 1,000 steps, each `run "/bin/true"` with `owner` and
# `timeout 10s`, against a bash script of 1,000 `/bin/true` lines, timed in
# one run; then the same steps without `timeout`, to show what the clause
# costs; and once more with the journal on tmpfs, to show what the flush costs.
#
# Every step is journaled: a command's start is synced before it is
# spawned, and its end shares the next sync (docs/journal.md, "One sync per
# command"); step records ride along. Target (issue 20; reported, never
# asserted): ratio <= 1.15, as the median of the ratios of pairs run in turn
# (rbk, bash, rbk, bash, ...). The floor is a spawn and one fdatasync a step:
# bench/floor.c does only that, and its ratio to bash is printed too.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
rbk=${1:?usage: bench/steps.bench.sh RBK_BINARY}
n=${BENCH_STEPS:-1000}

gen() {   # gen CLAUSES: the runbook, each step with CLAUSES before its command
  echo 'runbook "1000 steps" {'
  echo '  role ops "Operations"'
  for i in $(seq 1 "$n"); do printf '  step s%d {\n    owner ops\n%s    run "/bin/true"\n  }\n' "$i" "$1"; done
  echo '}'
}
gen '    timeout 10s
' > "$BENCH_OUT/steps.rbk"
gen '' > "$BENCH_OUT/steps-notimeout.rbk"
{
  echo '#!/bin/bash'
  for i in $(seq 1 "$n"); do echo "/bin/true"; done
} > "$BENCH_OUT/steps.sh"

export RBK_STATE_DIR="$BENCH_OUT/steps-state"; rm -rf "$RBK_STATE_DIR"
bench_time steps-rbk "$rbk" run --new "$BENCH_OUT/steps.rbk" || exit 1
r_mean=$BT_MEAN r_sd=$BT_SD
bench_time steps-bash bash "$BENCH_OUT/steps.sh" || exit 1
b_mean=$BT_MEAN b_sd=$BT_SD
ratio=$(bench_div "$r_mean" "$b_mean")
row() { printf '  %-30s %10s %10s %14s\n' "$@"; }
echo "steps: $n steps of run \"/bin/true\" with owner and timeout against $n lines of bash (timed with $BT_TOOL)"
row "" mean stddev "per step"
row "rbk run steps.rbk" "$(bench_ms "$r_mean")" "$(bench_ms "$r_sd")" "$(bench_ms "$(bench_div "$r_mean" "$n" 6)")"
row "bash steps.sh" "$(bench_ms "$b_mean")" "$(bench_ms "$b_sd")" "$(bench_ms "$(bench_div "$b_mean" "$n" 6)")"
printf '  %-30s %s\n' "time ratio of the means" "$ratio"
rm -rf "$RBK_STATE_DIR"
bench_pair "${BENCH_PAIRS:-11}" "$rbk" run --new "$BENCH_OUT/steps.rbk" -- bash "$BENCH_OUT/steps.sh" || exit 1
printf '  %-30s %s (CPU time %s)   (target <= 1.15: %s)\n' "paired ratio rbk/bash" "$BT_RATIO" "$BT_CPU_RATIO" \
  "$(awk -v v="$BT_RATIO" 'BEGIN { print v <= 1.15 ? "met" : "NOT met" }')"
# The floor (bench/floor.c): per command, one 256-byte append and fdatasync
# on the same disk as rbk's journal, then posix_spawn and wait; nothing else.
# floor/bash is the least any runner that syncs a command's start before
# spawning it can reach here; rbk/floor is what rbk itself adds to that.
if ${CC:-cc} -O2 -o "$BENCH_OUT/floor" "$here/floor.c" 2>/dev/null; then
  bench_pair "${BENCH_PAIRS:-11}" "$BENCH_OUT/floor" "$BENCH_OUT/floor.jsonl" "$n" /bin/true -- bash "$BENCH_OUT/steps.sh" || exit 1
  printf '  %-30s %s (CPU time %s)   (a spawn and one fdatasync a step, nothing else)\n' "paired ratio floor/bash" "$BT_RATIO" "$BT_CPU_RATIO"
  rm -rf "$RBK_STATE_DIR"
  bench_pair "${BENCH_PAIRS:-11}" "$rbk" run --new "$BENCH_OUT/steps.rbk" -- "$BENCH_OUT/floor" "$BENCH_OUT/floor.jsonl" "$n" /bin/true || exit 1
  printf '  %-30s %s (CPU time %s)   (what rbk adds to the floor)\n' "paired ratio rbk/floor" "$BT_RATIO" "$BT_CPU_RATIO"
  rm -f "$BENCH_OUT/floor.jsonl"
else
  echo "  (no C compiler: the floor row is left out)"
fi
rm -rf "$RBK_STATE_DIR"
bench_pair "${BENCH_PAIRS:-11}" "$rbk" run --new "$BENCH_OUT/steps.rbk" -- "$rbk" run --new "$BENCH_OUT/steps-notimeout.rbk" || exit 1
printf '  %-30s %s (CPU time %s)   (what timeout costs; 1.00 is nothing)\n' "paired ratio timeout/none" "$BT_RATIO" "$BT_CPU_RATIO"
rm -rf "$RBK_STATE_DIR"
# The same pairs with the journal on tmpfs, where fdatasync returns at once:
# what is left is rbk's own cost, and the difference from the first paired
# row is what the disk's flush costs (one a step, docs/journal.md).
if shm=$(mktemp -d /dev/shm/rbk-bench.XXXXXX 2>/dev/null); then
  bench_pair "${BENCH_PAIRS:-11}" env RBK_STATE_DIR="$shm/state" "$rbk" run --new "$BENCH_OUT/steps.rbk" -- bash "$BENCH_OUT/steps.sh" || { rm -rf "$shm"; exit 1; }
  printf '  %-30s %s (CPU time %s)   (the journal on tmpfs: no flush)\n' "paired ratio, tmpfs journal" "$BT_RATIO" "$BT_CPU_RATIO"
  rm -rf "$shm"
fi
