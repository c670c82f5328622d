#!/bin/bash
# tests/e2e/vm_immediates.sh -- the immediate forms (ADDI SUBI MODI EQI LTI
# LEI GTI GEI) and the counted for loop compute what the register forms
# compute: each expression is evaluated once with a literal (an immediate)
# and once with the same number read from a param (a register), and both
# must print the same; the edge cases (negative and fractional operands,
# durations, strings, empty and fractional ranges) give the results and
# messages they always gave.
set -u
source tests/e2e/lib.bash
: "${RBK:?set RBK to the rbk binary}"
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT
export RBK_STATE_DIR="$T/state"

run_logs() { (cd "$T" && timeout 60 "$RBK" run --new "$@" 2>&1) | sed -n 's/^  log: //p'; }

# ---- the literal and the register forms agree ---------------------------
cat >"$T/imm.rbk" <<'EOF'
fn lit(x) {
  let r = []
  r = r + [x + 1, x - 1, x + 128, x - 127, x + -0, x % 3, x % 255, x % 1]
  r = r + [x == 0, x != 7, x < 10, x <= 3, x > 5, x >= 2, x == 128, x < -127]
  return r
}
fn reg(x, one, three, c128, c127, zero, c255, seven, ten, m3, five, two) {
  let r = []
  r = r + [x + one, x - one, x + c128, x - c127, x + zero, x % three, x % c255, x % one]
  r = r + [x == zero, x != seven, x < ten, x <= three, x > five, x >= two, x == c128, x < 0 - c127]
  return r
}
runbook "Immediates" {
  step all {
    for x in [0, 1, -1, 2, -2, 3, -3, 7, 10, 128, -127, 254, -255, 1000000, -1000001, 0.5, -2.5, 4294967296, -4294967297, 1e300] {
      let a = lit(x)
      let b = reg(x, 1, 3, 128, 127, 0, 255, 7, 10, -3, 5, 2)
      if a == b { log "same ${x}" } else { log "DIFFERENT ${x}: ${a} ${b}" }
    }
    log "mods ${-7 % 3} ${7.5 % 2} ${-0.5 % 3} ${2147483647 % 255} ${-2147483648 % 7}"
  }
}
EOF
out=$(run_logs imm.rbk)
expect_eq "$(grep -c '^same ' <<<"$out")" "20" "literal and register forms agree for 20 operands"
expect_eq "$(grep -c DIFFERENT <<<"$out")" "0" "no operand differs"
expect_eq "$(grep '^mods' <<<"$out")" "mods 2 1.5 2.5 127 5" "floored modulo by an immediate: negative, fractional, int32 edges"

# ---- immediates are used, and only for number literals -------------------
dis=$(cd "$T" && "$RBK" disasm --no-positions imm.rbk)
for op in ADDI SUBI MODI EQI LTI LEI GTI GEI; do
  expect_match "$dis" "   $op " "the literal form compiles to $op"
done

# ---- durations and strings fail as before -------------------------------
cat >"$T/bad.rbk" <<'EOF'
fn eq0(v) { return v == 0 }
fn plus1(v) { return v + 1 }
runbook "Bad" {
  param d = 5m
  param s = "abc"
  step one { log "${eq0(d)} ${eq0(s)} ${eq0(nil)}" }
  step two { let x = plus1(d) }
}
EOF
out=$(cd "$T" && timeout 60 "$RBK" run --new bad.rbk 2>&1)
expect_match "$out" "log: false false false" "a duration, a string or nil equals no number immediate"
expect_match "$out" "cannot add a duration and a number" "a duration plus an immediate fails with the old message"
cat >"$T/bad2.rbk" <<'EOF'
fn lt3(v) { return v < 3 }
runbook "Bad" {
  param s = "abc"
  step one { if lt3(s) { log "less" } }
}
EOF
out=$(cd "$T" && timeout 60 "$RBK" run --new bad2.rbk 2>&1)
expect_match "$out" "cannot compare a string with a number" "a string against an immediate fails with the old message"

# ---- the counted for loop ------------------------------------------------
cat >"$T/loops.rbk" <<'EOF'
fn count(a, b) {
  let n = 0
  let last = -99
  for i in range(a, b) { n = n + 1
    last = i }
  return "${n}:${last}"
}
runbook "Loops" {
  step all {
    log "r ${count(0, 5)} ${count(0, 0)} ${count(5, 0)} ${count(-3, 2)} ${count(0.5, 3)} ${count(0, 2.5)} ${count(-2.5, -0.5)} ${count(1, 1.0001)}"
    let s = 0
    for i in range(10) { s = s + i
      i = 100 }
    log "s ${s}"
  }
}
EOF
out=$(run_logs loops.rbk)
expect_eq "$(grep '^r ' <<<"$out")" "r 5:4 0:-99 0:-99 5:1 2:2 3:2 2:-1 1:1" "range loops run the whole numbers from ceil(a) below b"
expect_eq "$(grep '^s ' <<<"$out")" "s 45" "assigning the loop variable does not change the count"
[ -f "$T/.crashes" ] && cat "$T/.crashes"
done_testing
