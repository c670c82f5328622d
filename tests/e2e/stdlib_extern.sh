#!/bin/bash
# tests/e2e/stdlib_extern.sh -- C functions through `extern` and libffi,
# for real: libc's strlen, getpid, abs, strtod (an out-parameter), getenv
# (a NULL string), malloc/free (pointers), libm's cos; argument checks;
# journaling and replay of extern calls (a resumed run gets the recorded
# pid, and a recorded pointer comes back stale, refused rather than used);
# and `rbk compile` then `rbk run x.rbc` with externs.
set -u
top=${RBK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/e2e/lib.bash"
d=$(tmpdir)
trap 'rm -rf "$d"' EXIT
cd "$d" || exit 1
export RBK_STATE_DIR="$d/state"

cat > libc.rbk <<'EOF'
extern "libc.so.6" fn strlen(string) -> int
extern "libc.so.6" fn getpid() -> int
extern "libc.so.6" fn abs(int) -> int
extern "libc.so.6" fn labs(int64) -> int64
extern "libc.so.6" fn strtod(string, out_pointer) -> double
extern "libc.so.6" fn getenv(string) -> string
extern "libc.so.6" fn malloc(int64) -> pointer
extern "libc.so.6" fn free(pointer) -> void
extern "libm.so.6" fn cos(double) -> double

runbook "libc through extern" {
  step calls {
    log "strlen=${strlen("portal v2.0")}"
    log "abs=${abs(-42)} labs=${labs(-5000000000)}"
    log "cos=${cos(0)}"
    log "pid=${getpid()}"
    let r = strtod("2.5kg")
    log "strtod=${r[0]} rest=${r[1] != nil}"
    log "home=${getenv("RBK_TEST_HOME") ?? "unset"} none=${getenv("RBK_TEST_SURELY_UNSET") ?? "nil"}"
    let p = malloc(64)
    log "pointer=${p}"
    free(p)
  }
}
EOF
out=$(RBK_TEST_HOME=/home/x "$RBK" run libc.rbk 2>&1); rc=$?
expect_eq "$rc" 0 "a runbook calling libc and libm through extern succeeds"
expect_match "$out" 'log: strlen=11' "strlen(\"portal v2.0\") is 11"
expect_match "$out" 'log: abs=42 labs=5000000000' "abs(-42) is 42 and labs(-5000000000) is 5000000000 (int64)"
expect_match "$out" 'log: cos=1$' "cos(0) from libm is 1"
pid=$(sed -n 's/.*log: pid=\([0-9]*\)$/\1/p' <<<"$out")
ok $([ -n "$pid" ] && [ "$pid" -gt 1 ]; echo $?) "getpid() is a real pid ($pid)"
expect_match "$out" 'log: strtod=2.5 rest=true' "strtod's out-parameter comes back in a list [result, out]"
expect_match "$out" 'log: home=/home/x none=nil' "getenv's string result, and NULL as nil"
expect_match "$out" 'log: pointer=<pointer>' "a pointer prints as <pointer>, without its address"
j=$(cat "$RBK_STATE_DIR"/runs/libc-*/journal.jsonl)
expect_match "$j" '"kind":"call","step":"calls","key":"[0-9a-f]{64}","what":"getpid\(\)"' "an extern call is journaled as an effect"
expect_match "$j" "\"result\":$pid" "its result is journaled"

# Arguments are checked against the declared types.
cat > badargs.rbk <<'EOF'
extern "libc.so.6" fn abs(int) -> int
extern "libc.so.6" fn strlen(string) -> int
runbook "bad arguments" {
  step frac { log "${abs(2.5)}" }
}
EOF
out=$("$RBK" run badargs.rbk 2>&1); rc=$?
expect_eq "$rc" 1 "a wrong argument fails the step"
expect_match "$out" "badargs.rbk:4:22: error: abs\(\): argument 1 must be a whole number that fits \(a C int\), not 2.5" \
  "abs(2.5) is refused with the argument and the C type named, at the call"
sed -i 's/abs(2.5)/strlen(5)/' badargs.rbk
out=$("$RBK" run --new badargs.rbk 2>&1)
expect_match "$out" "strlen\(\): argument 1 must be a string or nil \(a C string\), not a number" "strlen(5) is refused"
sed -i 's/strlen(5)/abs(3000000000)/' badargs.rbk
out=$("$RBK" run --new badargs.rbk 2>&1)
expect_match "$out" "abs\(\): argument 1 must be a whole number that fits \(a C int\), not 3000000000" "a number that does not fit a C int is refused"

# Replay: a resumed run gets the recorded pid, not its own; a pointer
# recorded by an earlier process comes back stale and is refused.
cat > replay.rbk <<'EOF'
extern "libc.so.6" fn getpid() -> int
extern "libc.so.6" fn malloc(int64) -> pointer
extern "libc.so.6" fn free(pointer) -> void
runbook "replay" {
  step first {
    let pid = getpid()
    let p = malloc(16)
    log "first pid=${pid}"
  }
  step gate { manual "check the pid" }
  step second {
    log "replayed pid=${pid}"
    free(p)
  }
}
EOF
out=$("$RBK" run replay.rbk </dev/null 2>&1); rc=$?
expect_eq "$rc" 3 "the run pauses at the manual gate (no terminal)"
first=$(sed -n 's/.*log: first pid=\([0-9]*\)$/\1/p' <<<"$out")
run=$(ls "$RBK_STATE_DIR/runs" | grep '^replay-')
"$RBK" confirm "$run" >/dev/null 2>&1
out=$("$RBK" resume "$run" </dev/null 2>&1); rc=$?
expect_match "$out" "log: replayed pid=$first" "the resumed run (another process) sees the pid recorded by the first"
expect_eq "$rc" 1 "free() of the replayed pointer fails the step"
expect_match "$out" "free\(\): argument 1 is a pointer from an earlier process \(read back from the journal\)" \
  "a pointer read back from the journal is stale, and refused"

# compile to .rbc and run it: the externs travel with the bytecode.
"$RBK" compile libc.rbk -o libc.rbc >/dev/null 2>&1
ok $? "rbk compile writes a .rbc with externs"
out=$(RBK_TEST_HOME=/h "$RBK" run --new libc.rbc 2>&1); rc=$?
expect_eq "$rc" 0 "rbk run of the .rbc succeeds"
expect_match "$out" 'log: strlen=11' "the .rbc calls strlen through its extern"
dis=$("$RBK" disasm libc.rbc 2>&1)
expect_match "$dis" 'externs \(9, natives [0-9]+\.\.\):' "rbk disasm lists the externs"
expect_match "$dis" 'strtod  from "libc.so.6"  \(string, out_pointer\) -> double' "with their library and types"
expect_match "$dis" 'CALLB .*; extern strlen' "and CALLB names the extern it calls"

# A missing symbol in a .rbc is refused when the run starts, too.
cat > gone.rbk <<'EOF'
extern "libc.so.6" fn rbk_test_not_in_libc() -> int
runbook "gone" { step s { run "touch ran" log "${rbk_test_not_in_libc()}" } }
EOF
"$RBK" compile gone.rbk -o gone.rbc >/dev/null 2>&1
ok $? "rbk compile does not load libraries: a runbook compiles where its library is missing"
out=$("$RBK" run gone.rbc 2>&1); rc=$?
expect_eq "$rc" 2 "running it is refused at the start (exit 2)"
expect_match "$out" "gone.rbk:1:23: error: library 'libc.so.6' has no symbol 'rbk_test_not_in_libc'" \
  "the error names the library and the symbol, at the declaration"
ok $([ ! -e ran ]; echo $?) "nothing ran"
done_testing
