#!/bin/bash
# tests/e2e/run_semantics.sh -- what every statement and expression does
# when a runbook is run with `rbk run`: order, variables, control flow,
# arithmetic, strings, builtins, failures and their messages, params,
# step selection, secrets and exit statuses.
#
# Output of `rbk run` holds durations, so nothing here compares whole
# outputs: each check looks for one line (a "  log: ..." line, a
# diagnostic, a summary row).
set -u
source tests/e2e/lib.bash
: "${RBK:?set RBK to the rbk binary}"
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT

# rr FILE [ARGS...]: `rbk run ARGS FILE` in $T; sets $out (stdout), $err
# (stderr), $all (both) and $rc; records any crash or sanitizer report.
rr() {
  local file=$1
  shift
  out=$(cd "$T" && timeout 30 "$RBK" run --new "$@" "$file" 2>"$T/.stderr" </dev/null); rc=$?
  err=$(cat "$T/.stderr")
  all="$out"$'\n'"$err"
  if [ "$rc" -ge 124 ] && [ "$rc" -ne 130 ] || grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:|Segmentation' <<<"$err"; then
    printf '%s: exit %s\n%s\n' "$file $*" "$rc" "$(head -c 1500 <<<"$err")" >>"$T/.crashes"
  fi
}

# logs: the text of the "  log: ..." lines of $out, one per line
logs() { sed -n 's/^  log: //p' <<<"$out"; }

# ---- steps run in order; let, assignment, step-level let ----------------
cat >"$T/order.rbk" <<'EOF'
runbook "Order" {
  step one "First" {
    log "one"
    let shared = "from one"
    let counter = 1
    counter = counter + 1
    log "counter ${counter}"
  }
  step two {
    log "two sees ${shared}"
    counter = counter + 10
  }
  step three {
    log "three sees ${counter}"
    if true {
      let inner = "block local"
      log inner
    }
  }
}
EOF
rr order.rbk
expect_eq "$rc" 0 "order: exit 0"
expect_eq "$(logs | tr '\n' '|')" "one|counter 2|two sees from one|three sees 12|block local|" \
  "order: steps run in the written order; let, assignment and step lets reach later steps"
expect_match "$out" '^==> \[1/3\] one: First' "order: header numbers the first step and shows its title"
expect_match "$out" '^==> \[3/3\] three$' "order: header of the last step"
expect_match "$out" '^--- two: ok \(' "order: each step ends with its status"
expect_eq "$err" "" "order: nothing on stderr when all is well"

# ---- if / else / else if ---------------------------------------------------
cat >"$T/if.rbk" <<'EOF'
runbook "If" {
  param n = 2
  step s {
    if n == 2 then log "then-taken"
    if n == 3 then log "then-not-taken"
    if n > 5 {
      log "big"
    } else {
      log "small"
    }
    if n == 1 {
      log "one"
    } else if n == 2 {
      log "two"
    } else {
      log "other"
    }
    if n == 1 {
      log "one"
    } else if n == 7 {
      log "seven"
    } else {
      log "else-branch"
    }
  }
}
EOF
rr if.rbk
expect_eq "$rc" 0 "if: exit 0"
expect_eq "$(logs | tr '\n' '|')" "then-taken|small|two|else-branch|" "if: then, else, else if and a final else take the right branches"

# ---- for ---------------------------------------------------------------------
cat >"$T/for.rbk" <<'EOF'
runbook "For" {
  step s {
    let acc = ""
    for i in range(3) { acc = "${acc}${i}," }
    log "range(n): ${acc}"
    acc = ""
    for i in range(2, 5) { acc = "${acc}${i}," }
    log "range(a,b): ${acc}"
    acc = ""
    for x in ["a", "b", "c"] { acc = "${acc}${x}," }
    log "list: ${acc}"
    acc = ""
    for x in [] { acc = "never" }
    for i in range(0) { acc = "never" }
    for i in range(5, 2) { acc = "never" }
    log "empty: [${acc}]"
    acc = ""
    for i in range(2) {
      for j in ["x", "y"] { acc = "${acc}${i}${j}," }
    }
    log "nested: ${acc}"
    let l = range(4)
    log "range as a value: ${l}"
    acc = ""
    for i in range(0.5, 3) { acc = "${acc}${i}," }
    log "loop over range(0.5, 3): ${acc}"
    acc = ""
    for i in l2() { acc = "${acc}${i}," }
    log "list of range(0.5, 3): ${acc}"
  }
  fn l2() {
    return range(0.5, 3)
  }
}
EOF
rr for.rbk
expect_eq "$rc" 0 "for: exit 0"
expect_match "$(logs)" '^range\(n\): 0,1,2,$' "for: range(n) gives 0..n-1"
expect_match "$(logs)" '^range\(a,b\): 2,3,4,$' "for: range(a, b) gives a..b-1"
expect_match "$(logs)" '^list: a,b,c,$' "for: over a list literal, in order"
expect_match "$(logs)" '^empty: \[\]$' "for: an empty list, range(0) and range(5, 2) run no iteration"
expect_match "$(logs)" '^nested: 0x,0y,1x,1y,$' "for: nested loops"
expect_match "$(logs)" '^range as a value: \[0, 1, 2, 3\]$' "for: range() outside a loop is a list"
# The numeric loop (FORPREP) must give the same numbers as the list range()
# builds; range(a, b) rounds a up (stdlib/core.c), the loop does not.
a=$(logs | sed -n 's/^loop over range(0.5, 3): //p'); b=$(logs | sed -n 's/^list of range(0.5, 3): //p')
expect_eq "$a" "$b" "for: 'for i in range(0.5, 3)' iterates the same numbers as the list range(0.5, 3)"
# Near 1e16 adding 1 to a double changes nothing, so a counter could never
# advance: rbk refuses range() bounds beyond 2^53, in a loop and as a list.
cat >"$T/for_big.rbk" <<'EOF'
runbook "For with large bounds" {
  step s {
    let c = 0
    for i in range(1e16, 1e16 + 4) { c = c + 1 }
    log "loop ${c} list ${len(range(1e16, 1e16 + 4))}"
  }
}
EOF
out=$(cd "$T" && timeout 10 "$RBK" run --new for_big.rbk 2>&1 </dev/null); rc=$?
ok "$([ "$rc" -ne 124 ]; echo $?)" "for: range(1e16, 1e16 + 4) ends (does not spin for ever)"
expect_eq "$rc" 1 "for: range(1e16, 1e16 + 4) fails the step (exit 1)"
expect_match "$out" 'range\(\) bounds must be below 2\^53' "for: range(1e16, ...) says why"
printf 'runbook "x" {\n  step s { log "${len(range(1e16, 1e16 + 4))}" }\n}\n' > "$T/list_big.rbk"
out=$(cd "$T" && timeout 10 "$RBK" run --new list_big.rbk 2>&1 </dev/null); rc=$?
expect_eq "$rc" 1 "range(1e16, 1e16 + 4) as a list fails too (exit 1)"
expect_match "$out" 'bounds must be below 2\^53' "range() as a list says why"

# ---- arithmetic, durations, modulo, division by zero ----------------------
cat >"$T/arith.rbk" <<'EOF'
runbook "Arith" {
  param zero = 0
  step s {
    log "sum ${1 + 2 * 3} ${(1 + 2) * 3} ${10 - 4 - 3} ${7 / 2} ${-3 + 1}"
    log "dur ${5m + 30s} ${1h30m} ${2 * 3m} ${10m / 2} ${10m / 1m} ${90s} ${5m - 30s} ${7m % 2m}"
    log "mod ${7 % 3} ${-7 % 3} ${7 % -3} ${-7 % -3} ${-7.5 % 2} ${5.5 % 2}"
    log "num ${num("42") + 1} ${num(2m)} ${num(" 7 ")} ${str(5m)} ${1e3} ${2.5}"
  }
  step divzero {
    log "before"
    log "${10 / zero}"
    log "not reached"
  }
  step modzero {
    log "${10 % zero}"
  }
}
EOF
rr arith.rbk
expect_match "$(logs)" '^sum 7 9 3 3\.5 -2$' "arith: precedence, left associativity, division, unary minus"
expect_match "$(logs)" '^dur 5m30s 1h30m 6m 5m 10 1m30s 4m30s 1m$' "arith: durations (5m + 30s is 5m30s; d*n, d/n, d/d, d%d)"
expect_match "$(logs)" '^mod 1 2 -2 -1 0\.5 1\.5$' "arith: % is floored like Lua (the sign of the divisor)"
expect_match "$(logs)" '^num 43 120 7 5m 1000 2\.5$' "arith: num() and str() conversions"
expect_eq "$rc" 1 "arith: division by zero fails the run (exit 1)"
expect_match "$err" '^arith\.rbk:11:12: error: division by zero$' "arith: division by zero names file:line:col"
expect_match "$err" '^ 11 \|     log "\$\{10 / zero\}"$' "arith: division by zero shows the source line"
expect_match "$err" '^    \|            \^' "arith: division by zero has a caret under the expression"
expect_match "$out" '^--- divzero: failed' "arith: the step that divides by zero is failed"
ok "$(grep -c 'not reached' <<<"$out" | grep -qx 0; echo $?)" "arith: nothing after the failure in the step runs"
expect_match "$out" '^modzero +pending' "arith: the run stops after the failed step (later step pending)"
rr arith.rbk --only modzero
expect_match "$err" 'error: modulo by zero' "arith: modulo by zero fails with a message"

# ---- strings, ??, =~, and/or/not, lists -----------------------------------
cat >"$T/expr.rbk" <<'EOF'
runbook "Expr" {
  param who = "world"
  step s {
    let xs = [10, 20, 30]
    log "hello ${who}, ${1 + 1} ${xs} ${true} ${nil} ${"in${"ner"}"}"
    log "esc \"q\" \${not} tab[\t]"
    log """multi
line"""
    log "dflt ${env("RBK_TEST_SURELY_UNSET") ?? "fallback"} ${"set" ?? "x"} ${nil ?? nil ?? 3} ${false ?? 1}"
    log "re ${"abc-123" =~ "^[a-z]+-[0-9]+$"} ${"abc" =~ "^b"} ${"" =~ ""}"
    log "logic ${true and false} ${true and true} ${false or true} ${false or false} ${not true} ${not false}"
    log "prec ${not 1 == 2} ${1 == 1 and 2 == 3 or true}"
    log "index ${xs[0]} ${xs[2]} ${xs[-1]} ${xs[-3]} ${"abc"[1]}"
    log "concat ${"ab" + "cd"} ${[1] + [2, 3]}"
    log "cmp ${1 < 2} ${2 <= 2} ${3 > 4} ${"a" < "b"} ${5m > 30s} ${[1, 2] == [1, 2]} ${1 != 2}"
  }
  step oob {
    let ys = [1, 2, 3]
    log ys[3]
  }
  step oob_neg {
    let zs = [1, 2, 3]
    log zs[-4]
  }
}
EOF
rr expr.rbk --only s
expect_eq "$rc" 0 "expr: exit 0"
expect_match "$(logs)" '^hello world, 2 \[10, 20, 30\] true nil inner$' "expr: string interpolation of every kind of value, nested"
expect_match "$(logs)" '^esc "q" \$\{not\} tab\[	\]$' "expr: escapes in strings"
expect_eq "$(grep -A1 '^  log: multi$' <<<"$out" | sed -n 2p)" "line" "expr: a multi-line string keeps its newline"
expect_match "$(logs)" '^dflt fallback set 3 false$' "expr: ?? takes the right side only for nil"
expect_match "$(logs)" '^re true false true$' "expr: =~ is a POSIX extended regex match"
expect_match "$(logs)" '^logic false true true false false true$' "expr: and, or, not"
expect_match "$(logs)" '^prec true true$' "expr: 'not' binds looser than ==, 'and' tighter than 'or'"
expect_match "$(logs)" '^index 10 30 30 10 b$' "expr: list indexing from 0, -1 is the last, strings index too"
expect_match "$(logs)" '^concat abcd \[1, 2, 3\]$' "expr: + joins strings and lists"
expect_match "$(logs)" '^cmp true true false true true true true$' "expr: comparisons of numbers, strings, durations, lists"
rr expr.rbk --only oob
expect_eq "$rc" 1 "expr: index out of range fails (exit 1)"
expect_match "$err" '^expr\.rbk:19:9: error: index 3 is out of range \(length 3\)$' "expr: index out of range names the index, the length and the place"
rr expr.rbk --only oob_neg
expect_match "$err" 'error: index -4 is out of range \(length 3\)' "expr: a negative index past the start fails too"

# ---- functions, recursion, return, runaway recursion ----------------------
cat >"$T/fn.rbk" <<'EOF'
fn fact(n) {
  if n <= 1 {
    return 1
  }
  return n * fact(n - 1)
}
fn fib(n) {
  if n < 2 then return n
  return fib(n - 1) + fib(n - 2)
}
fn forever(n) {
  return forever(n + 1)
}
runbook "Fn" {
  param base = 100
  fn add_base(x) {
    return x + base
  }
  fn early(x) {
    for i in range(10) {
      if i == x then return "stopped at ${i}"
    }
    return "ran through"
  }
  fn no_return() {
    log "side effect"
  }
  step s {
    log "fact ${fact(10)} fib ${fib(15)} base ${add_base(5)} ${early(3)} ${early(20)}"
    let f = fact
    log "value ${f(4)}"
    log "nil ${no_return()}"
  }
  step deep {
    log forever(0)
  }
}
EOF
rr fn.rbk
expect_match "$(logs)" '^fact 3628800 fib 610 base 105 stopped at 3 ran through$' "fn: calls, recursion, params seen from a function, return from inside a loop"
expect_match "$(logs)" '^value 24$' "fn: a function is a value and can be called through a variable"
expect_match "$(logs | tr '\n' '|')" 'side effect\|nil nil\|' "fn: a function without return returns nil"
expect_eq "$rc" 1 "fn: runaway recursion fails the run with exit 1, not a crash"
expect_match "$err" '^fn\.rbk:12:10: error: calls nested too deep' "fn: runaway recursion says 'calls nested too deep' at the call"
expect_match "$out" '^--- deep: failed' "fn: the recursing step is failed"

# ---- wait until ------------------------------------------------------------
cat >"$T/wait.rbk" <<'EOF'
runbook "Wait" {
  param flag = "flag"
  step appears {
    wait until exists(flag) every 100ms timeout 30s
    log "flag seen: ${read_file(flag)}"
  }
  step never {
    wait until exists("${flag}.never") every 100ms timeout 600ms
    log "not reached"
  }
}
EOF
rm -f "$T/flag"
(sleep 1; echo made-by-background >"$T/flag.tmp" && mv "$T/flag.tmp" "$T/flag") &
bg=$!
rr wait.rbk
wait "$bg"
expect_match "$(logs)" '^flag seen: made-by-background$' "wait: the condition becomes true when another process creates the file"
expect_match "$out" '^--- appears: ok' "wait: the waiting step succeeds"
expect_eq "$rc" 1 "wait: a wait that times out fails the run (exit 1)"
expect_match "$err" '^wait\.rbk:8:5: error: timed out waiting' "wait: the timeout says 'timed out waiting' at the wait"
ok "$(grep -q 'not reached' <<<"$out"; [ $? -ne 0 ]; echo $?)" "wait: nothing after a timed-out wait runs"

# ---- log, notify, fail ------------------------------------------------------
cat >"$T/msg.rbk" <<'EOF'
runbook "Messages" {
  role sponsor "Sarah Williams" email "sarah@example.com"
  role team "Ops team"
  step s {
    log 42
    log [1, "two"]
    notify sponsor "Portal restored to v1.9"
    notify team "count ${1 + 1}"
    fail "stopping here on purpose"
    log "not reached"
  }
  step later { log "later" }
}
EOF
rr msg.rbk
expect_match "$(logs)" '^42$' "log: a number"
expect_match "$(logs)" '^\[1, "two"\]$' "log: a list"
expect_match "$out" 'notify sponsor \(Sarah Williams\): Portal restored to v1\.9$' "notify: prints the role, the person and the message"
expect_match "$out" 'notify team \(Ops team\): count 2$' "notify: interpolated message"
expect_eq "$rc" 1 "fail: exit 1"
expect_match "$err" '^msg\.rbk:9:5: error: stopping here on purpose$' "fail: the message with file:line:col"
expect_match "$err" '^ 9 \|     fail "stopping here on purpose"$' "fail: the source line"
expect_match "$err" '^   \|     \^' "fail: a caret under the fail"
ok "$(grep -Eq 'not reached|  log: later' <<<"$out"; [ $? -ne 0 ]; echo $?)" "fail: nothing after it runs, in the step or after"
expect_match "$out" '^later +pending' "fail: the later step is listed as pending"

# ---- verify --------------------------------------------------------------
cat >"$T/verify.rbk" <<'EOF'
runbook "Verify" {
  param ver = "1.8"
  step good {
    verify ver != "" "ver is set"
    verify true
  }
  step check_version {
    let want = "1.9"
    verify ver == want "database is at ${want}"
  }
  step bare {
    verify exists("surely/not/here")
  }
}
EOF
rr verify.rbk
expect_eq "$rc" 1 "verify: a false verify fails the run (exit 1)"
expect_match "$out" '^--- good: ok' "verify: true verifies pass"
expect_match "$err" '^verify\.rbk:9:12: error: verify failed: database is at 1\.9$' "verify: the message (interpolated) and file:line:col"
expect_match "$err" '^ 9 \|     verify ver == want "database is at \$\{want\}"$' "verify: the source line"
expect_match "$err" '^   \|            \^~+$' "verify: a caret under the condition"
expect_match "$err" '^  condition: ver == want$' "verify: the condition"
expect_match "$err" '^  left: +"1\.8"$' "verify: the left value"
expect_match "$err" '^  right: +"1\.9"$' "verify: the right value"
rr verify.rbk --only bare
expect_match "$err" '^verify\.rbk:12:12: error: verify failed: exists\("surely/not/here"\)$' "verify: without a message, the condition is the message"

# ---- run() records, sh(), status() ---------------------------------------
cat >"$T/proc.rbk" <<'EOF'
runbook "Proc" {
  step rec {
    let r = run("echo out-text; echo err-text >&2; exit 3")
    log "status=${r.status} out=[${r.out}] err=[${r.err}] ok=${r.ok}"
    log "duration is a duration: ${r.duration > 0s and r.duration < 1h}"
    let good = run("true")
    log "good ok=${good.ok} status=${good.status}"
    log "status() ${status("exit 7")} ${status("true")}"
    log "sh [${sh("printf '  padded text \\n\\n'")}]"
  }
  step sh_fails {
    log sh("echo partial; echo why-it-failed >&2; exit 4")
  }
}
EOF
rr proc.rbk
expect_match "$(logs)" '^status=3 out=\[out-text\] err=\[err-text\] ok=false$' "run(): status, out, err, ok of a failing command"
expect_match "$(logs)" '^duration is a duration: true$' "run(): duration is a duration"
expect_match "$(logs)" '^good ok=true status=0$' "run(): ok of a succeeding command"
expect_match "$(logs)" '^status\(\) 7 0$' "status(): the exit status, without failing"
expect_match "$(logs)" '^sh \[padded text\]$' "sh(): its stdout, trimmed"
expect_match "$out" '^--- rec: ok' "run()/status() of a failing command do not fail the step"
expect_eq "$rc" 1 "sh(): a non-zero exit fails the step"
expect_match "$err" '^proc\.rbk:12:9: error: sh\(\): command failed with exit status 4' "sh(): the failure names the status and the place"
expect_match "$err" 'why-it-failed' "sh(): the failure shows the command's stderr"
# A diagnostic is one line: the source excerpt follows the message at once.
expect_match "$(grep -A1 'error: sh()' <<<"$err" | sed -n 2p)" '^ 12 \| ' "sh(): the failure message is one line (no blank line from stderr's newline)"

# ---- files and environment --------------------------------------------------
printf 'hello\nworld\n' >"$T/data.txt"
head -c 100000 /dev/urandom >"$T/random.bin"
cat >"$T/files.rbk" <<'EOF'
runbook "Files" {
  param file = "data.txt"
  step s {
    log "exists=${exists(file)} missing=${exists("nope.txt")} dir=${exists(".")}"
    log "size=${file_size(file)} big=${file_size("random.bin")}"
    log "content=[${read_file(file)}]"
    log "sha256=${sha256(file)}"
    log "sha256bin=${sha256("random.bin")}"
    log "env=${env("RBK_TEST_VAR")} unset=${env("RBK_TEST_SURELY_UNSET") ?? "nil"}"
  }
  step missing_size {
    log file_size("nope.txt")
  }
  step missing_read {
    log read_file("nope.txt")
  }
}
EOF
out=$(cd "$T" && RBK_TEST_VAR="v a l" timeout 30 "$RBK" run --new --only s files.rbk 2>"$T/.stderr"); rc=$?
expect_eq "$rc" 0 "files: exit 0"
expect_match "$(logs)" '^exists=true missing=false dir=true$' "exists()"
expect_match "$(logs)" '^size=12 big=100000$' "file_size()"
expect_eq "$(sed -n '/^  log: content=/,/^]$/p' <<<"$out")" "$(printf '  log: content=[hello\nworld\n]')" "read_file(): the whole content"
expect_eq "$(logs | sed -n 's/^sha256=//p')" "$(sha256sum "$T/data.txt" | cut -d' ' -f1)" "sha256() of a text file matches sha256sum"
expect_eq "$(logs | sed -n 's/^sha256bin=//p')" "$(sha256sum "$T/random.bin" | cut -d' ' -f1)" "sha256() of a binary file matches sha256sum"
expect_match "$(logs)" '^env=v a l unset=nil$' "env(): a set variable, and nil for an unset one"
rr files.rbk --only missing_size
expect_match "$err" 'error: file_size\(\): nope\.txt: ' "file_size() of a missing file fails, naming it"
rr files.rbk --only missing_read
expect_match "$err" 'error: read_file\(\): nope\.txt: ' "read_file() of a missing file fails, naming it"

# ---- string and list builtins --------------------------------------------
cat >"$T/builtins.rbk" <<'EOF'
runbook "Builtins" {
  step s {
    log "len ${len("abcd")} ${len([1, 2, 3])} ${len("")} ${len([])}"
    log "split ${split("a,b,,c", ",")} ${split("abc", ",")} ${split("a--b", "--")}"
    log "trim [${trim("  \t hi there \n ")}]"
    log "contains ${contains("hello", "ell")} ${contains("hello", "xyz")} ${contains([1, "a"], "a")} ${contains([1, 2], 3)}"
    log "matches ${matches("abc123", "[0-9]+$")} ${matches("abc", "^b")}"
    log "join ${join(["a", "b", "c"], "-")} ${join([1, 2])} ${join([], ",")}"
    log "str ${str(42)} ${str(true)} ${str([1])} ${str(1.5)} ${len(str(100))}"
    log "num ${num("3.5") * 2} ${num(true)} ${num(90s)}"
  }
  step bad_num {
    log num("abc")
  }
}
EOF
rr builtins.rbk --only s
expect_eq "$rc" 0 "builtins: exit 0"
expect_match "$(logs)" '^len 4 3 0 0$' "len()"
expect_match "$(logs)" '^split \["a", "b", "", "c"\] \["abc"\] \["a", "b"\]$' "split()"
expect_match "$(logs)" '^trim \[hi there\]$' "trim()"
expect_match "$(logs)" '^contains true false true false$' "contains() on strings and lists"
expect_match "$(logs)" '^matches true false$' "matches()"
expect_match "$(logs)" '^join a-b-c 12 $' "join()"
expect_match "$(logs)" '^str 42 true \[1\] 1\.5 3$' "str()"
expect_match "$(logs)" '^num 7 1 90$' "num()"
rr builtins.rbk --only bad_num
expect_eq "$rc" 1 "num() of a non-number fails"
expect_match "$err" '^builtins\.rbk:13:9: error: num\(\): "abc" is not a number$' "num(): the message names the text and the place"

# ---- a runtime type error: file:line:col, source line, caret ------------
cat >"$T/rterr.rbk" <<'EOF'
runbook "Runtime error" {
  step s {
    let v = env("RBK_TEST_SURELY_UNSET")
    log "before"
    let w = v + 1
  }
}
EOF
rr rterr.rbk
expect_eq "$rc" 1 "runtime error: exit 1"
expect_match "$err" '^rterr\.rbk:5:13: error: cannot add nil and a number$' "runtime error: the message names file:line:col and both types"
expect_match "$err" '^ 5 \|     let w = v \+ 1$' "runtime error: the source line"
expect_match "$err" '^   \|             \^' "runtime error: the caret under the expression"
expect_match "$out" '^  log: before$' "runtime error: what came before it ran"

# ---- params -------------------------------------------------------------
cat >"$T/params.rbk" <<'EOF'
runbook "Params" {
  param s = "default"
  param n = 3
  param d = 5m
  param b = false
  param derived = "${s}-x"
  step show {
    log "s=${s} n+1=${n + 1} d+30s=${d + 30s} not-b=${not b} derived=${derived}"
  }
}
EOF
rr params.rbk
expect_match "$(logs)" '^s=default n\+1=4 d\+30s=5m30s not-b=true derived=default-x$' "params: the defaults"
rr params.rbk --param s=given --param n=41 --param d=1h30m --param b=true
expect_eq "$rc" 0 "params: overriding every type: exit 0"
expect_match "$(logs)" '^s=given n\+1=42 d\+30s=1h30m30s not-b=false derived=given-x$' \
  "params: --param sets a string, a number (typed: n+1 is arithmetic), a duration and a bool; later defaults see it"
rr params.rbk --param "s=a b=c"
expect_match "$(logs)" '^s=a b=c ' "params: a value may hold spaces and '='"
rr params.rbk --param n=abc
expect_eq "$rc" 2 "params: a non-number for a number param: exit 2"
expect_match "$err" "n=abc: not a number" "params: a non-number for a number param says so"
rr params.rbk --param d=5
expect_eq "$rc" 2 "params: a duration without a unit: exit 2"
expect_match "$err" 'not a duration' "params: a duration without a unit says so"
rr params.rbk --param b=yes
expect_eq "$rc" 2 "params: a bool that is not true/false: exit 2"
expect_match "$err" 'expected true or false' "params: a bad bool says what is expected"
rr params.rbk --param nosuch=1
expect_eq "$rc" 2 "params: unknown --param: exit 2"
expect_match "$err" "nosuch: the runbook has no param of that name" "params: unknown --param is named"
ok "$(grep -q '^==>' <<<"$out"; [ $? -ne 0 ]; echo $?)" "params: with a bad --param no step runs"
rr params.rbk --param novalue
expect_eq "$rc" 2 "params: --param without '=': exit 2"

cat >"$T/required.rbk" <<'EOF'
runbook "Required" {
  param ticket
  step s { log "ticket ${ticket}" }
}
EOF
rr required.rbk
expect_eq "$rc" 2 "params: a param without a default and none given: exit 2"
expect_match "$err" "param 'ticket' has no default: pass --param ticket=VALUE" "params: the message says how to give it"
ok "$(grep -q '^==>' <<<"$out"; [ $? -ne 0 ]; echo $?)" "params: with a missing param no step runs"
rr required.rbk --param ticket=CHG-1
expect_eq "$rc" 0 "params: the required param given: exit 0"
expect_match "$(logs)" '^ticket CHG-1$' "params: a param without a default is a string"

# ---- --only and --from --------------------------------------------------
cat >"$T/select.rbk" <<'EOF'
runbook "Select" {
  step a {
    let from_a = "A"
    log "ran a"
  }
  step b { log "ran b" }
  step c { log "ran c" }
  step d { log "d sees ${from_a}" }
}
EOF
rr select.rbk --only b
expect_eq "$rc" 0 "--only: exit 0"
expect_eq "$(logs | tr '\n' '|')" "ran b|" "--only b runs b alone"
expect_match "$out" '^==> \[1/1\] b$' "--only: the header counts the selected steps"
expect_match "$out" '^a +skipped' "--only: the summary lists the others as skipped"
rr select.rbk --only b --only c
expect_eq "$(logs | tr '\n' '|')" "ran b|ran c|" "--only twice runs both, in the written order"
rr select.rbk --only c --only a
expect_eq "$(logs | tr '\n' '|')" "ran a|ran c|" "--only does not reorder steps"
rr select.rbk --from c --only c
expect_eq "$(logs | tr '\n' '|')" "ran c|" "--from and --only together"
rr select.rbk --from b --only c
expect_eq "$(logs | tr '\n' '|')" "ran c|" "--from b --only c runs c"
rr select.rbk --from c
expect_eq "$rc" 1 "--from: a later step reading a skipped step's variable fails (exit 1)"
expect_eq "$(logs | tr '\n' '|')" "ran c|" "--from c starts at c"
expect_match "$err" "^select\.rbk:8:26: error: 'from_a' has no value yet" "--from: the skipped step's variable 'has no value yet', at its use"
rr select.rbk --only nosuch
expect_eq "$rc" 2 "--only: an unknown step: exit 2"
expect_match "$err" "no step called 'nosuch'" "--only: the unknown step is named"
expect_match "$err" "the steps are: a b c d" "--only: the steps are listed"
rr select.rbk --from nosuch
expect_eq "$rc" 2 "--from: an unknown step: exit 2"
rr select.rbk --only
expect_eq "$rc" 2 "--only without a value: exit 2"

# ---- secrets ------------------------------------------------------------
cat >"$T/secret.rbk" <<'EOF'
runbook "Secrets" {
  secret token = env("RBK_TEST_TOKEN")
  secret api_key
  step s {
    log token
    log "token is ${token} and key is ${api_key}"
    run "echo ${token}"
    run "echo token-on-stderr ${token} >&2"
    run "echo \"${api_key}\""
    let r = run("echo ${token}")
    log r.out
    notify ops "with ${token}"
    verify r.out == "different" "out was ${token}"
  }
  role ops "Ops"
}
EOF
# check_secret VALUE LABEL: VALUE holds the marker ZQXJ; no part of the
# secret may appear in stdout or stderr, in any quoted or escaped form, so
# the marker must never appear.
check_secret() {
  local v=$1 label=$2
  out=$(cd "$T" && RBK_TEST_TOKEN="$v" timeout 30 "$RBK" run --new --param "api_key=K3y-$v" secret.rbk 2>"$T/.stderr"); rc=$?
  err=$(cat "$T/.stderr")
  expect_eq "$rc" 1 "secrets ($label): the run reaches the failing verify (exit 1)"
  ok "$(grep -q ZQXJ <<<"$out$err"; [ $? -ne 0 ]; echo $?)" "secrets ($label): no trace of the value in stdout or stderr"
  if grep -q ZQXJ <<<"$out$err"; then grep -n ZQXJ <<<"$out$err" | head -5 | sed 's/^/#   leaked: /'; fi
}
check_secret "hunter2-ZQXJ-value" "plain"
expect_match "$out" '^  log: \*\*\*$' "secrets: a logged secret shows as ***"
expect_match "$out" '^  log: token is \*\*\* and key is \*\*\*$' "secrets: interpolated secrets show as ***"
expect_match "$out" '^s \| \*\*\*$' "secrets: a command echoing the secret shows ***"
expect_match "$out" '^s !\| token-on-stderr \*\*\*$' "secrets: on stderr too"
expect_match "$out" 'notify ops \(Ops\): with \*\*\*$' "secrets: in a notification"
expect_match "$err" 'verify failed: out was \*\*\*' "secrets: in a failure message"
# Secrets with shell metacharacters: the command line as echoed ("  $ ...")
# and the verify's left/right values show quoted or escaped forms of the
# value, which must be masked as well.
check_secret "it's-ZQXJ-\"pass\"-\$word" "quotes and dollar"
check_secret 'back\slash-ZQXJ' "backslash"

# ---- exit codes -----------------------------------------------------------
cat >"$T/ok.rbk" <<'EOF'
runbook "Ok" {
  step s { log "fine" }
}
EOF
rr ok.rbk
expect_eq "$rc" 0 "exit 0: every step ok"
expect_match "$out" '^Ok$' "the title is printed first"
expect_match "$out" '^s +ok ' "the summary lists the step as ok"
cat >"$T/broken.rbk" <<'EOF'
runbook "Broken" {
  step s { log undefined_name }
}
EOF
rr broken.rbk
expect_eq "$rc" 2 "exit 2: the runbook does not compile"
expect_match "$err" "^broken\.rbk:2:16: error: unknown variable 'undefined_name'" "exit 2: with the checker's diagnostic"
rr nonexistent.rbk
expect_eq "$rc" 2 "exit 2: a missing file"
rr ok.rbk --bogus
expect_eq "$rc" 2 "exit 2: an unknown option"
out=$(timeout 30 "$RBK" run --new 2>&1); rc=$?
expect_eq "$rc" 2 "exit 2: no FILE"
out=$(timeout 30 "$RBK" run --new --help 2>&1); rc=$?
expect_eq "$rc" 0 "rbk run --help: exit 0"
expect_match "$out" '^Usage: rbk run' "rbk run --help prints the usage"

# ---- no crash anywhere -----------------------------------------------------
ok "$([ -s "$T/.crashes" ]; [ $? -ne 0 ]; echo $?)" "no run crashed, timed out or reported a sanitizer error"
[ -s "$T/.crashes" ] && sed 's/^/#   /' "$T/.crashes" | head -40
done_testing
