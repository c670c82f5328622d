#!/bin/bash
# bench/check.bench.sh RBK -- the front end against Lua's: `rbk check` on a
# generated 100,000-line runbook against `luac5.4 -p` on the same program
# in Lua (bench/gen_check.py), timed in one run, plus rbk's peak memory.
#
# Targets (from the issue; reported, never asserted):
#   time ratio   mean(rbk check) / mean(luac5.4 -p)    <= 1.0
#   paired ratio median of rbk/luac over pairs run in turn (A B A B ...)
#                <= 0.6 (issue 20, the figure to read on a busy machine)
#   memory       peak RSS of rbk check / size of big.rbk < 25 bytes per byte
#                (issue 20: <= 6)
# BENCH_LINES changes the size (default 100000).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
rbk=${1:?usage: bench/check.bench.sh RBK_BINARY}
lines=${BENCH_LINES:-100000}

for c in python3 luac5.4; do
  command -v "$c" >/dev/null 2>&1 || { echo "check: $c is missing; run ./deps.sh bench" >&2; exit 1; }
done

python3 "$here/gen_check.py" "$BENCH_OUT" "$lines" >/dev/null || exit 1
rb=$BENCH_OUT/big.rbk lu=$BENCH_OUT/big.lua

# The input must be a correct runbook, or the time measured is that of an
# error path: show what rbk says and stop.
if ! out=$("$rbk" check "$rb" 2>&1); then
  echo "check: rbk check rejects the generated runbook:" >&2
  printf '%s\n' "$out" | head -20 >&2
  exit 1
fi
if [ -n "$out" ]; then
  echo "check: note: rbk check printed warnings on the generated runbook:" >&2
  printf '%s\n' "$out" | head -5 >&2
fi
if ! out=$(luac5.4 -p "$lu" 2>&1); then
  echo "check: luac5.4 rejects the generated Lua:" >&2
  printf '%s\n' "$out" | head -5 >&2
  exit 1
fi

rb_bytes=$(wc -c < "$rb") lu_bytes=$(wc -c < "$lu")

bench_time check-rbk "$rbk" check "$rb" || exit 1
r_mean=$BT_MEAN r_sd=$BT_SD r_min=$BT_MIN r_runs=$BT_RUNS
bench_time check-luac luac5.4 -p "$lu" || exit 1
l_mean=$BT_MEAN l_sd=$BT_SD l_min=$BT_MIN l_runs=$BT_RUNS
bench_rss "$rbk" check "$rb" || exit 1
r_rss=$BT_RSS_KB
bench_rss luac5.4 -p "$lu" || exit 1
l_rss=$BT_RSS_KB

mbps() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.1f MB/s", b / s / 1e6 }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
row() { printf '  %-22s %10s %10s %10s %5s %12s %10s\n' "$@"; }

ratio=$(bench_div "$r_mean" "$l_mean")
per_byte=$(bench_div "$((r_rss * 1024))" "$rb_bytes" 1)
verdict() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN { ok = op == "<=" ? v <= t : v < t; print ok ? "met" : "NOT met" }'; }

echo "check: front end, $lines lines (big.rbk $rb_bytes bytes, big.lua $lu_bytes bytes; timed with $BT_TOOL)"
row "" mean stddev min runs throughput "peak RSS"
row "rbk check big.rbk" "$(bench_ms "$r_mean")" "$(bench_ms "$r_sd")" "$(bench_ms "$r_min")" "$r_runs" \
    "$(mbps "$rb_bytes" "$r_mean")" "$(mib "$r_rss")"
row "luac5.4 -p big.lua" "$(bench_ms "$l_mean")" "$(bench_ms "$l_sd")" "$(bench_ms "$l_min")" "$l_runs" \
    "$(mbps "$lu_bytes" "$l_mean")" "$(mib "$l_rss")"
printf '  %-22s %s   (target <= 1.0: %s; fastest runs: %s)\n' "time ratio rbk/luac" "$ratio" \
  "$(verdict "$ratio" 1.0 '<=')" "$(bench_div "$r_min" "$l_min")"
bench_pair "${BENCH_PAIRS:-11}" "$rbk" check "$rb" -- luac5.4 -p "$lu" || exit 1
printf '  %-22s %s (CPU time %s)   (issue 20 target <= 0.6: %s)\n' "paired ratio rbk/luac" "$BT_RATIO" \
  "$BT_CPU_RATIO" "$(verdict "$BT_RATIO" 0.6 '<=')"
printf '  %-22s %s bytes per source byte   (target < 25: %s; issue 20 target <= 6: %s)\n' "rbk peak memory" \
  "$per_byte" "$(verdict "$per_byte" 25 '<')" "$(verdict "$per_byte" 6 '<=')"

# Instructions per source byte, counted by callgrind (steady on a busy
# machine, where times are not); BENCH_INSTR=0 leaves this row out.
instr() {   # instr CMD...: the instructions CMD runs, from callgrind
  local f="$BENCH_OUT/.callgrind"
  valgrind --tool=callgrind --callgrind-out-file="$f" "$@" >/dev/null 2>&1 || { rm -f "$f"; return 1; }
  awk '/^(summary|totals):/ { print $2; exit }' "$f"
  rm -f "$f"
}
if [ "${BENCH_INSTR:-1}" != 0 ] && command -v valgrind >/dev/null 2>&1; then
  if ri=$(instr "$rbk" check "$rb") && li=$(instr luac5.4 -p "$lu") && [ -n "$ri" ] && [ -n "$li" ]; then
    printf '  %-22s %s per source byte (rbk, %s in all); luac %s (%s)   (callgrind)\n' "instructions" \
      "$(bench_div "$ri" "$rb_bytes" 1)" "$ri" "$(bench_div "$li" "$lu_bytes" 1)" "$li"
  fi
fi
