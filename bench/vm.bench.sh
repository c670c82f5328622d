#!/bin/bash
# bench/vm.bench.sh RBK -- the interpreter loop against Lua 5.4's: an
# arithmetic and branch loop of 30 million iterations inside a function.
#
# Target (issue 20; reported, never asserted): ratio <= 1.0, as the
# median of the ratios of pairs run in turn (rbk, lua, rbk, lua, ...). A
# second table times the native calling path (builtins and externs).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
rbk=${1:?usage: bench/vm.bench.sh RBK_BINARY}
n=${BENCH_ITERATIONS:-30000000}
command -v lua5.4 >/dev/null 2>&1 || { echo "vm: lua5.4 is missing; run ./deps.sh bench" >&2; exit 1; }

cat > "$BENCH_OUT/loop.rbk" <<EOF
fn work(n) {
  let s = 0
  for i in range(n) {
    if i % 3 == 0 { s = s + i } else { s = s - 1 }
  }
  return s
}
runbook "vm loop" {
  step loop { log "\${work($n)}" }
}
EOF
cat > "$BENCH_OUT/loop.lua" <<EOF
local function work(n)
  local s = 0
  for i = 0, n - 1 do
    if i % 3 == 0 then s = s + i else s = s - 1 end
  end
  return s
end
print(work($n))
EOF
# Both must compute the same answer, or the comparison is meaningless.
want=$(lua5.4 "$BENCH_OUT/loop.lua")
export RBK_STATE_DIR="$BENCH_OUT/vm-state"; rm -rf "$RBK_STATE_DIR"
got=$("$rbk" run --new "$BENCH_OUT/loop.rbk" | sed -n 's/.*log: //p')
[ "$got" = "$want" ] || { echo "vm: rbk computed '$got', Lua '$want'" >&2; exit 1; }

bench_time vm-rbk "$rbk" run --new "$BENCH_OUT/loop.rbk" || exit 1
r_mean=$BT_MEAN r_sd=$BT_SD
bench_time vm-lua lua5.4 "$BENCH_OUT/loop.lua" || exit 1
l_mean=$BT_MEAN l_sd=$BT_SD
ratio=$(bench_div "$r_mean" "$l_mean")
row() { printf '  %-26s %10s %10s\n' "$@"; }
echo "vm: $n iterations of an arithmetic and branch loop in a function (timed with $BT_TOOL)"
row "" mean stddev
row "rbk run loop.rbk" "$(bench_ms "$r_mean")" "$(bench_ms "$r_sd")"
row "lua5.4 loop.lua" "$(bench_ms "$l_mean")" "$(bench_ms "$l_sd")"
printf '  %-26s %s\n' "time ratio of the means" "$ratio"
rm -rf "$RBK_STATE_DIR"
bench_pair "${BENCH_PAIRS:-11}" "$rbk" run --new "$BENCH_OUT/loop.rbk" -- lua5.4 "$BENCH_OUT/loop.lua" || exit 1
printf '  %-26s %s (CPU time %s)   (target <= 1.0: %s)\n' "paired ratio rbk/lua" "$BT_RATIO" "$BT_CPU_RATIO" \
  "$(awk -v v="$BT_RATIO" 'BEGIN { print v <= 1.0 ? "met" : "NOT met" }')"

# The native calling path: every builtin (and extern) is called through
# one dispatcher that checks the arguments' kinds and journals effects.
# A pure builtin called 10 million times, against Lua calling a C function
# (string.len) as often. Reported, not asserted: no target of its own.
m=${BENCH_CALLS:-10000000}
cat > "$BENCH_OUT/calls.rbk" <<EOF2
fn work(n) {
  let s = 0
  let t = "abc"
  for i in range(n) { s = s + len(t) }
  return s
}
runbook "native calls" {
  step loop { log "\${work($m)}" }
}
EOF2
cat > "$BENCH_OUT/calls.lua" <<EOF2
local len = string.len
local function work(n)
  local s, t = 0, "abc"
  for i = 0, n - 1 do s = s + len(t) end
  return s
end
print(work($m))
EOF2
want=$(lua5.4 "$BENCH_OUT/calls.lua")
rm -rf "$RBK_STATE_DIR"
got=$("$rbk" run --new "$BENCH_OUT/calls.rbk" | sed -n 's/.*log: //p')
[ "$got" = "$want" ] || { echo "vm: rbk computed '$got' for the calls, Lua '$want'" >&2; exit 1; }
bench_time calls-rbk "$rbk" run --new "$BENCH_OUT/calls.rbk" || exit 1
c_mean=$BT_MEAN c_sd=$BT_SD
bench_time calls-lua lua5.4 "$BENCH_OUT/calls.lua" || exit 1
cl_mean=$BT_MEAN cl_sd=$BT_SD
echo
echo "vm: $m calls of a builtin, len(t), through the native dispatcher (timed with $BT_TOOL)"
row "" mean stddev
row "rbk run calls.rbk" "$(bench_ms "$c_mean")" "$(bench_ms "$c_sd")"
row "lua5.4 calls.lua" "$(bench_ms "$cl_mean")" "$(bench_ms "$cl_sd")"
printf '  %-26s %s   (%s ns per call in rbk)\n' "time ratio rbk/lua" "$(bench_div "$c_mean" "$cl_mean")" \
  "$(awk -v t="$c_mean" -v n="$m" 'BEGIN { printf "%.1f", t * 1e9 / n }')"
