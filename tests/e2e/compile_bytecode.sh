#!/bin/bash
# tests/e2e/compile_bytecode.sh -- `rbk compile`, running a .rbc, `rbk
# disasm`, and refusing bytecode files that are truncated, corrupt,
# foreign or from another format version (exit 2, a clear message, never
# a crash).
set -u
source tests/e2e/lib.bash
: "${RBK:?set RBK to the rbk binary}"
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT

# rbk ARGS...: run rbk in $T; sets $out, $err, $rc; remembers crashes
rbk() {
  out=$(cd "$T" && timeout 30 "$RBK" "$@" 2>"$T/.stderr" </dev/null); rc=$?
  err=$(cat "$T/.stderr")
  if [ "$rc" -ge 124 ] || grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:|Segmentation' <<<"$err"; then
    printf 'rbk %s: exit %s\n%s\n' "$*" "$rc" "$(head -c 1500 <<<"$err")" >>"$T/.crashes"
  fi
}
# norm: durations as printed by `rbk run` ("0s", "100ms", "1.2s") become "T"
# Timings and the run's id and journal path differ from run to run.
norm() { sed -E 's/\b[0-9]+(\.[0-9]+)?m?s\b/T/g; /^(run|resuming run) [^ ]+ \(journal /d'; }
# flip FILE OFFSET: invert one byte of FILE in place
flip() {
  local b
  b=$(od -An -tu1 -j"$2" -N1 "$1" | tr -d ' ')
  printf "$(printf '\\%03o' $((b ^ 0xFF)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
# poke FILE OFFSET HEXBYTES: overwrite bytes at OFFSET
poke() { printf "$(sed 's/../\\x&/g' <<<"$3")" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null; }
# reseal FILE: recompute the trailing SHA-256 over everything before it
reseal() {
  local n
  n=$(stat -c %s "$1")
  head -c $((n - 32)) "$1" >"$1.tmp"
  head -c $((n - 32)) "$1" | sha256sum | cut -c1-64 | xxd -r -p >>"$1.tmp"
  mv "$1.tmp" "$1"
}

cat >"$T/det.rbk" <<'EOF'
# A deterministic runbook: no times, no process ids.
fn fact(n) {
  if n <= 1 { return 1 }
  return n * fact(n - 1)
}
runbook "Deterministic" {
  version "3"
  role ops "Dave Jones"
  param who = "world"
  param n = 4
  step greet "Greet" {
    owner ops
    expect 1m
    let greeting = "hello ${who}"
    log greeting
    run "echo from-the-shell ${who}; echo on-stderr >&2"
    for i in range(n) { log "fact(${i}) = ${fact(i)}" }
    notify ops "greeted ${who}"
  }
  step check {
    let r = run("printf '%s' ${greeting}")
    verify r.out == greeting "the shell echoes the greeting"
    verify n < 3 "n is small"
  }
  step never { log "never" }
}
EOF
cp "$T/det.rbk" "$T/noext"

# ---- rbk compile ---------------------------------------------------------
rm -f "$T/det.rbc"
rbk compile det.rbk
expect_eq "$rc" 0 "compile: exit 0"
ok "$([ -s "$T/det.rbc" ]; echo $?)" "compile: det.rbk writes det.rbc"
expect_eq "$(head -c 6 "$T/det.rbc" | od -An -c | tr -s ' ')" " R B K C 032 \n" "compile: the file starts with the magic number"
ls "$T" | grep -q 'tmp' ; ok "$([ $? -ne 0 ]; echo $?)" "compile: no temporary file is left behind"
rbk compile det.rbk -o other.rbc
expect_eq "$rc" 0 "compile -o: exit 0"
ok "$(cmp -s "$T/det.rbc" "$T/other.rbc"; echo $?)" "compile -o other.rbc writes the same bytes"
rbk compile -o first.rbc det.rbk
ok "$(cmp -s "$T/det.rbc" "$T/first.rbc"; echo $?)" "compile -o before the file name"
rbk compile noext
ok "$([ -s "$T/noext.rbc" ]; echo $?)" "compile: a file without .rbk gets .rbc appended"
rbk compile det.rbk -o /nonexistent/dir/x.rbc
expect_eq "$rc" 2 "compile: an unwritable output: exit 2"
expect_match "$err" '/nonexistent/dir/x\.rbc: error: ' "compile: an unwritable output names the file"
rbk compile
expect_eq "$rc" 2 "compile: no FILE: exit 2"
rbk compile det.rbk -o
expect_eq "$rc" 2 "compile: -o without a name: exit 2"
rbk compile missing.rbk
expect_eq "$rc" 2 "compile: a missing file: exit 2"
expect_match "$err" 'missing\.rbk' "compile: a missing file is named"

cat >"$T/syntax.rbk" <<'EOF'
runbook "Syntax error" {
  step s {
    log "a" ;
  }
}
EOF
rm -f "$T/syntax.rbc"
rbk compile syntax.rbk
expect_eq "$rc" 2 "compile: a syntax error: exit 2"
expect_match "$err" '^syntax\.rbk:3:13: error: ' "compile: the syntax error's diagnostic with file:line:col"
expect_match "$err" '^ 3 \|     log "a" ;$' "compile: the diagnostic shows the line"
ok "$([ -e "$T/syntax.rbc" ]; [ $? -ne 0 ]; echo $?)" "compile: no .rbc is written for a broken runbook"
cat >"$T/checkerr.rbk" <<'EOF'
runbook "Check error" {
  step s { owner nobody }
}
EOF
rbk compile checkerr.rbk
expect_eq "$rc" 2 "compile: a checker error: exit 2"
expect_match "$err" "^checkerr\.rbk:2:18: error: unknown role 'nobody'" "compile: the checker's diagnostic"

# ---- running the .rbc is running the source -------------------------------
rbk run --new --new det.rbk; src_out=$(norm <<<"$out"); src_err=$err; src_rc=$rc
rbk run --new --new det.rbc; bc_out=$(norm <<<"$out"); bc_err=$err; bc_rc=$rc
expect_eq "$src_rc" 1 "run det.rbk: exit 1 (the second verify fails)"
expect_eq "$bc_rc" "$src_rc" "run det.rbc: the same exit status as the source"
expect_eq "$bc_out" "$src_out" "run det.rbc: the same output lines as the source"
expect_eq "$bc_err" "$src_err" "run det.rbc: the same diagnostics as the source"
expect_match "$bc_out" '^greet \| from-the-shell world$' "run det.rbc: commands run"
expect_match "$bc_out" '^  log: fact\(3\) = 6$' "run det.rbc: functions and loops run"
expect_match "$bc_err" '^det\.rbk:23:12: error: verify failed: n is small$' "run det.rbc: a runtime error names the source file:line:col"
expect_match "$bc_err" '^ 23 \|     verify n < 3 "n is small"$' "run det.rbc: a runtime error shows the source line (the source is embedded)"
expect_match "$bc_err" '^    \|            \^~~~~$' "run det.rbc: a runtime error shows the caret"
rbk run --new --new --param n=2 det.rbc
expect_eq "$rc" 0 "run det.rbc --param n=2: params work on bytecode (exit 0)"
rbk run --new --new --only greet --param who=there det.rbc
expect_match "$out" '^  log: hello there$' "run det.rbc: --only and a string param"
# the .rbc stands alone: the source file is not needed
mkdir -p "$T/alone"
cp "$T/det.rbc" "$T/alone/moved.rbc"
rbk run --new --new alone/moved.rbc
expect_eq "$rc" 1 "run a .rbc away from its source: same exit status"
expect_match "$err" '^ 23 \|     verify n < 3 "n is small"$' "run a .rbc away from its source: still shows the source line"
# a .rbc compiled from a .rbc
rbk compile det.rbc -o again.rbc
expect_eq "$rc" 0 "compile a .rbc again: exit 0"
rbk run --new --new again.rbc; again_out=$(norm <<<"$out")
expect_eq "$again_out" "$src_out" "compile a .rbc again: it runs the same"

# ---- rbk disasm ---------------------------------------------------------------
rbk disasm det.rbk; dis_src=$out
expect_eq "$rc" 0 "disasm det.rbk: exit 0"
expect_match "$dis_src" '^function step greet ' "disasm: lists the step functions"
expect_match "$dis_src" '^function fn fact \(params 1' "disasm: lists the runbook functions with their parameter count"
for op in LOADK GETG SETG CALL CALLB FORPREP FORLOOP RUN LOG NOTIFY VERIFY SHQUOTE CONCAT RET SUBI LEI; do
  expect_match "$dis_src" "^ +[0-9]+  [0-9]+:[0-9]+ +$op " "disasm: shows opcode $op with its pc and line:col"
done
expect_match "$dis_src" '^steps \(3\):$' "disasm: the step table"
expect_match "$dis_src" '^   0  greet "Greet"  owner ops ' "disasm: a step row with title and owner"
rbk disasm det.rbc; dis_bc=$out
expect_eq "$rc" 0 "disasm det.rbc: exit 0"
expect_eq "$dis_bc" "$dis_src" "disasm: the same listing for the source and its .rbc"
rbk disasm syntax.rbk
expect_eq "$rc" 2 "disasm of a broken runbook: exit 2"
expect_match "$err" '^syntax\.rbk:3:13: error: ' "disasm of a broken runbook: the diagnostic"
rbk disasm
expect_eq "$rc" 2 "disasm: no FILE: exit 2"

# ---- corrupt bytecode -------------------------------------------------------------
n=$(stat -c %s "$T/det.rbc")
# refused NAME FILE: `rbk run FILE` and `rbk disasm FILE` exit 2 with a one-line message
refused() {
  local name=$1 file=$2
  rbk run --new "$file"
  expect_eq "$rc" 2 "$name: run refuses it (exit 2)"
  expect_match "$err" "^$file(:[0-9]+:[0-9]+)?: error: [a-z]" "$name: run says why, naming the file"
  ok "$(grep -q '^==>' <<<"$out"; [ $? -ne 0 ]; echo $?)" "$name: no step runs"
  rbk disasm "$file"
  expect_eq "$rc" 2 "$name: disasm refuses it (exit 2)"
}
for cut in 0 6 10 53 54 $((n / 2)) $((n - 33)) $((n - 32)) $((n - 1)); do
  head -c "$cut" "$T/det.rbc" >"$T/cut$cut.rbc"
  refused "truncated at $cut of $n bytes" "cut$cut.rbc"
  if [ "$cut" -ge 10 ]; then
    expect_match "$err" 'truncated' "truncated at $cut: the message says truncated"
  fi
done
expect_match "$(cd "$T" && timeout 30 "$RBK" run --new cut6.rbc 2>&1 </dev/null)" 'truncated|empty|no runbook|bytecode' \
  "truncated to the bare magic: a clear message"

for off in 100 $((n / 2)) $((n - 40)) $((n - 1)); do
  cp "$T/det.rbc" "$T/flip$off.rbc"
  flip "$T/flip$off.rbc" "$off"
  refused "one byte flipped at $off" "flip$off.rbc"
  expect_match "$err" 'corrupt: checksum does not match' "one byte flipped at $off: the checksum catches it"
done

cp /bin/ls "$T/ls.rbc"
refused "a foreign binary (/bin/ls as .rbc)" "ls.rbc"
expect_match "$err" 'binary|not a runbook|not bytecode' "a foreign binary: the message says it is not a runbook"

printf 'RBKC\032\n' >"$T/magic_only.rbc"
refused "the magic number alone" "magic_only.rbc"

cp "$T/det.rbc" "$T/version.rbc"
poke "$T/version.rbc" 6 6300
refused "format version 99" "version.rbc"
expect_match "$err" 'format 99' "format version 99: names the version it found"
expect_match "$err" 'recompile' "format version 99: says to recompile"
cp "$T/det.rbc" "$T/version0.rbc"
poke "$T/version0.rbc" 6 0000
refused "format version 0" "version0.rbc"
cp "$T/det.rbc" "$T/versionmax.rbc"
poke "$T/versionmax.rbc" 6 ffff
reseal "$T/versionmax.rbc"
refused "format version 65535 (with a valid checksum)" "versionmax.rbc"
expect_match "$err" 'format 65535' "format version 65535: names the version"

cp "$T/det.rbc" "$T/flags.rbc"
poke "$T/flags.rbc" 8 0100
reseal "$T/flags.rbc"
refused "unknown flags (valid checksum)" "flags.rbc"

cp "$T/det.rbc" "$T/nbuiltins.rbc"
poke "$T/nbuiltins.rbc" 42 05000000
reseal "$T/nbuiltins.rbc"
refused "compiled against another builtin table (valid checksum)" "nbuiltins.rbc"

cp "$T/det.rbc" "$T/length.rbc"
poke "$T/length.rbc" 46 ffffffffffffff7f
reseal "$T/length.rbc"
refused "a huge payload length (valid checksum)" "length.rbc"

cp "$T/det.rbc" "$T/longer.rbc"
printf 'trailing junk' >>"$T/longer.rbc"
refused "bytes appended after the checksum" "longer.rbc"

# Payload bytes changed and the checksum recomputed: the reader's verifier
# must refuse what is unsafe, and what it accepts must run without crashing.
# A changed constant can make a valid program that loops for ever (a loop
# bound of -5e303), so a run stopped by `timeout` counts as no crash.
crashfree=0 tried=0
for ((off = 54; off < n - 32; off += 5)); do
  cp "$T/det.rbc" "$T/m.rbc"
  flip "$T/m.rbc" "$off"
  reseal "$T/m.rbc"
  out=$(cd "$T" && timeout 10 "$RBK" run --new --param n=2 m.rbc 2>"$T/.stderr" </dev/null); rc=$?
  err=$(cat "$T/.stderr")
  tried=$((tried + 1))
  if { [ "$rc" -le 2 ] || [ "$rc" -eq 124 ]; } && ! grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:|Segmentation' <<<"$err"; then
    crashfree=$((crashfree + 1))
  else
    echo "# resealed flip at $off: exit $rc: $(head -c 600 <<<"$err")"
  fi
done
expect_eq "$crashfree" "$tried" "resealed payload flips: every one of $tried runs ends in exit 0, 1 or 2, never a crash"

# ---- a .rbc given a .rbk name is still bytecode; source named .rbc is source ------
cp "$T/det.rbc" "$T/bytecode.rbk"
rbk run --new --new bytecode.rbk
expect_eq "$rc" 1 "bytecode named .rbk: recognised by its magic number and run"
cp "$T/det.rbk" "$T/source.rbc"
rbk run --new --new source.rbc
expect_eq "$rc" 1 "source named .rbc: read as source and run"

ok "$([ -s "$T/.crashes" ]; [ $? -ne 0 ]; echo $?)" "no rbk call crashed, hung or reported a sanitizer error"
[ -s "$T/.crashes" ] && sed 's/^/#   /' "$T/.crashes" | head -40
done_testing
