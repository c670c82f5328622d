#!/bin/bash
# tests/e2e/compile_limits.sh -- what the bytecode's fields cannot hold is
# refused where it is written (file:line:col, caret), by `rbk check` as by
# `rbk run` and `rbk compile`, never silently truncated: more than 65,536
# constants in one function (the index used to wrap, and a run ran the
# wrong command), a loop body beyond FORLOOP's reach (the loop used to run
# its body once and jump astray), too many registers (check used to pass
# what run refused). Constants are deduplicated through a hash table, so
# the big runbooks compile in a moment (the time is printed, not asserted).
set -u
source tests/e2e/lib.bash
: "${RBK:?set RBK to the rbk binary}"
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT
export RBK_STATE_DIR="$T/state"

RBK_TIMEOUT=120
rbk() { rbk_at_T "$@"; }   # run rbk in $T; sets $out, $err, $rc (lib.bash)

# since START: seconds elapsed since $EPOCHREALTIME was START (printed, never asserted)
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }

# consts N FILE [GUARD]: one step whose body holds N distinct command
# strings; with GUARD they sit in `if go { }` (param go = false), so a run
# executes only the last command, which is outside the if.
consts() {
  python3 - "$1" "$2" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, 'w') as f:
    f.write('runbook "big" {\n  param go = false\n  step a "A" {\n    if go {\n')
    for i in range(n - 1):
        f.write('      run "echo /srv/%d >> ran.txt"\n' % (1000000 + i))
    f.write('    }\n    run "echo /srv/%d >> ran.txt"\n  }\n}\n' % (1000000 + n - 1))
PY
}

# 70,000 constants: one more than 65,536 is a located error everywhere.
consts 70000 "$T/big.rbk"
start=$EPOCHREALTIME
rbk check big.rbk
echo "# rbk check of 70,000 constants in one function: $(since "$start") s"
expect_eq "$rc" 1 "check refuses 70,000 constants in one function (exit 1)"
# The 65,537th constant is on line 4 + 65,537 (the first run is line 5).
expect_match "$err" '^big\.rbk:65541:11: error: step a: too many constants in one function \(at most 65536\)$' \
  "check names the first constant that does not fit, file:line:col"
expect_match "$err" 'run "echo /srv/1065536 >> ran\.txt"' "check shows the source line"
expect_match "$err" $'\n *\\| +\\^' "check puts a caret under it"
rbk run big.rbk
expect_eq "$rc" 2 "run refuses it too (exit 2)"
expect_match "$err" 'big\.rbk:65541:11: error: step a: too many constants' "run gives the same located error"
ok "$([ ! -e "$T/ran.txt" ]; echo $?)" "run ran no command"
rbk compile big.rbk -o big.rbc
ok "$([ "$rc" -ne 0 ] && [ ! -e "$T/big.rbc" ]; echo $?)" "compile refuses it and writes no .rbc"

# Exactly 65,536 constants fit, and the last one is the command that runs.
consts 65536 "$T/edge.rbk"
rm -f "$T/ran.txt"
start=$EPOCHREALTIME
rbk compile edge.rbk -o edge.rbc
echo "# rbk compile of 65,536 constants in one function: $(since "$start") s"
expect_eq "$rc" 0 "65,536 constants compile"
rbk run edge.rbc
expect_eq "$rc" 0 "and run"
expect_eq "$(cat "$T/ran.txt" 2>/dev/null)" "/srv/1065535" "the run ran constant 65,535's command, the right one"
rm -f "$T/ran.txt"

# A loop whose body is longer than FORLOOP's 16-bit jump reaches.
python3 - "$T/loop.rbk" <<'PY'
import sys
with open(sys.argv[1], 'w') as f:
    f.write('runbook "loop" {\n  step a "A" {\n    for i in range(2) {\n')
    for i in range(17000):
        f.write('      log "x"\n')
    f.write('    }\n    run "echo done >> ran.txt"\n  }\n}\n')
PY
rbk check loop.rbk
expect_eq "$rc" 1 "check refuses a loop body beyond the reach of FORLOOP (exit 1)"
expect_match "$err" '^loop\.rbk:3:5: error: step a: a loop or branch over 34001 instructions is longer than FORLOOP can reach \(32767\)$' \
  "the error names the loop, file:line:col"
rbk run loop.rbk
expect_eq "$rc" 2 "run refuses it too"
ok "$([ ! -e "$T/ran.txt" ]; echo $?)" "and runs nothing"

# Too many registers: check refuses what run refuses, with the same error.
python3 - "$T/regs.rbk" <<'PY'
import sys
with open(sys.argv[1], 'w') as f:
    f.write('runbook "regs" {\n  step a "A" {\n    if true {\n')
    for i in range(251):
        f.write('      let v%d = %d\n' % (i, i))
    f.write('    }\n    run "echo ran >> ran.txt"\n  }\n}\n')
PY
rbk check regs.rbk
check_err=$err
expect_eq "$rc" 1 "check refuses a function needing more than 250 registers (exit 1)"
expect_match "$err" '^regs\.rbk:254:7: error: step a: too many registers \(values alive at once\) in one function$' \
  "check names the let that needs register 251"
rbk run regs.rbk
expect_eq "$rc" 2 "run refuses it"
expect_eq "$err" "$check_err" "run and check print the same error"
ok "$([ ! -e "$T/ran.txt" ]; echo $?)" "and run ran nothing"

done_testing
