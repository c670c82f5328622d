#!/bin/bash
# tests/e2e/numbers_finite.sh -- numbers and durations are finite. NaN and
# infinities are refused where they would enter: --param (strtod takes
# nan, inf and 1e999), num() of command output, a literal too large for a
# double, and a .rbc whose constants or step table hold a NaN (the
# verifier used to accept it, and formatting a NaN duration is undefined
# behaviour).
set -u
source tests/e2e/lib.bash
: "${RBK:?set RBK to the rbk binary}"
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT
export RBK_STATE_DIR="$T/state"

rbk() { rbk_at_T "$@"; }   # run rbk in $T; sets $out, $err, $rc (lib.bash)
# reseal FILE: recompute the trailing SHA-256 over everything before it
reseal() {
  python3 - "$1" <<'PY'
import hashlib, sys
d = bytearray(open(sys.argv[1], 'rb').read())
d[-32:] = hashlib.sha256(bytes(d[:-32])).digest()
open(sys.argv[1], 'wb').write(bytes(d))
PY
}
# put_f64 FILE OLD NEW: replace the last IEEE-754 little-endian double OLD
# (the constant pool and tables come after the embedded source) by NEW
put_f64() {
  python3 - "$@" <<'PY'
import struct, sys
path, old, new = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
d = bytearray(open(path, 'rb').read())
o, n = struct.pack('<d', old), struct.pack('<d', new)
i = d.rfind(o)
assert i >= 0, 'no such double'
d[i:i + 8] = n
open(path, 'wb').write(bytes(d))
PY
}

cat >"$T/p.rbk" <<'EOF'
runbook "p" {
  param n = 1
  param d = 5s
  step a "A" {
    run "echo n=${n} d=${d} >> ran.txt"
  }
}
EOF
for v in nan NaN inf -inf infinity 1e999 -1e999; do
  rbk run --new p.rbk --param "n=$v"
  expect_eq "$rc" 2 "--param n=$v is refused (exit 2)"
  expect_match "$err" "--param n=$v: not a finite number" "--param n=$v: the error says why"
done
rbk run --new p.rbk --param d=1e999s
expect_eq "$rc" 2 "--param d=1e999s is refused (exit 2)"
expect_match "$err" "--param d=1e999s: not a duration" "--param d=1e999s: the error says why"
ok "$([ ! -e "$T/ran.txt" ]; echo $?)" "no refused param ran the step"
rbk run --new p.rbk --param n=1e308 --param d=90s
expect_eq "$rc" 0 "a large but finite number is accepted"
expect_eq "$(cat "$T/ran.txt")" "n=1e+308 d=1m30s" "and reaches the command"

# num() of text that strtod reads as NaN or infinite fails the step.
for v in nan inf 1e999; do
  cat >"$T/num.rbk" <<EOF
runbook "num" {
  step a "A" {
    log num(sh("echo $v"))
  }
}
EOF
  rbk run --new num.rbk
  expect_eq "$rc" 1 "num(\"$v\") fails the run"
  expect_match "$err" "num\\(\\): \"$v\" is not a finite number" "num(\"$v\"): the error says why"
done

# Arithmetic can still overflow at run time: the clauses that take a count
# or a duration refuse what they cannot use (an (int) of 1e300 or of NaN
# is undefined behaviour), and a NaN duration prints as nan.
cat >"$T/ov.rbk" <<'EOF'
runbook "ov" {
  param n = 1
  param big = 1e308
  step a "A" {
    retry n every 1ms
    run "echo a >> ran-ov.txt"
  }
  step b "B" {
    timeout 1s * big * 10
    run "echo b >> ran-ov.txt"
  }
  step c "C" {
    wait until false every 1s * big * 10 timeout 5s
  }
  step d "D" {
    log (1s * big * 10) - (1s * big * 10)
  }
}
EOF
rbk run --new ov.rbk --only a --param n=1e300
expect_eq "$rc" 1 "retry 1e300 fails the step"
expect_match "$err" "^ov\\.rbk:5:5: error: 'retry' needs a count up to 2147483647, not 1e\\+300$" "retry: the error says why, at the clause"
rbk run --new ov.rbk --only b
expect_match "$err" "^ov\\.rbk:9:5: error: 'timeout' needs a finite duration, not inf s$" "an infinite timeout is refused"
rbk run --new ov.rbk --only c
expect_match "$err" "^ov\\.rbk:13:5: error: 'every' needs a finite duration, not inf s$" "an infinite wait interval is refused"
ok "$([ ! -e "$T/ran-ov.txt" ]; echo $?)" "no refused clause let its step's command run"
rbk run --new ov.rbk --only d
expect_match "$out" 'log: nan$' "a NaN duration is logged as nan (its formatting was undefined behaviour)"

# A literal too large for a double is a located syntax error.
cat >"$T/lit.rbk" <<'EOF'
runbook "lit" {
  step a "A" {
    log 2e308
  }
}
EOF
rbk check lit.rbk
expect_eq "$rc" 1 "check refuses the literal 2e308"
expect_match "$err" '^lit\.rbk:3:9: error: number too large: 2e308' "at its line and column"

# A NaN smuggled into a .rbc (checksum recomputed) is refused by the verifier.
cat >"$T/d.rbk" <<'EOF'
runbook "d" {
  step a "A" {
    timeout 7m
    let d = 7s
    log "d=${d}"
  }
}
EOF
rbk compile d.rbk -o d.rbc
expect_eq "$rc" 0 "compile a runbook with a duration constant"
cp "$T/d.rbc" "$T/nan.rbc"
put_f64 "$T/nan.rbc" 7 nan && reseal "$T/nan.rbc"
rbk run --new nan.rbc
expect_eq "$rc" 2 "a NaN duration constant is refused (exit 2)"
expect_match "$err" '^nan\.rbc: error: invalid bytecode: step a: constant [0-9]+ is a duration that is not finite$' \
  "by the verifier, naming the function and the constant"
rbk disasm nan.rbc
expect_eq "$rc" 2 "disasm refuses it too"
cp "$T/d.rbc" "$T/inf.rbc"
put_f64 "$T/inf.rbc" 7 inf && reseal "$T/inf.rbc"
rbk run --new inf.rbc
expect_match "$err" 'constant [0-9]+ is a duration that is not finite' "an infinite one too"
cp "$T/d.rbc" "$T/tmo.rbc"
put_f64 "$T/tmo.rbc" 420 nan && reseal "$T/tmo.rbc"
rbk run --new tmo.rbc
expect_eq "$rc" 2 "a NaN step timeout in the step table is refused"
expect_match "$err" 'invalid bytecode: step a: expect -1 or timeout nan is not a duration' "naming the step"

done_testing
