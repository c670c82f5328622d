#!/bin/bash
# tests/e2e/run_process.sh -- `rbk run` with real processes: exit statuses,
# streamed and captured output, timeouts that kill the whole process
# group, shell quoting against injection, raw(), retry, on failure,
# Ctrl-C and SIGTERM, human gates with and without a terminal, the step
# header and the summary table.
#
# Nothing asserts a duration. Checks that a process is gone allow a few
# seconds, and treat a zombie (dead, waiting to be reaped by init) as gone.
set -u
source tests/e2e/lib.bash
: "${RBK:?set RBK to the rbk binary}"
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT

# rr FILE [ARGS...]: `rbk run ARGS FILE` in $T, stdin from /dev/null; sets
# $out (stdout), $err (stderr), $all (both) and $rc.
rr() {
  local file=$1
  shift
  out=$(cd "$T" && timeout 60 "$RBK" run --new "$@" "$file" 2>"$T/.stderr" </dev/null); rc=$?
  err=$(cat "$T/.stderr")
  all="$out"$'\n'"$err"
  note_crash "$file $*"
}
# note_crash LABEL: remember a crash, a hang or a sanitizer report in $err
note_crash() {
  if { [ "$rc" -ge 124 ] && [ "$rc" -ne 130 ]; } || grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:|Segmentation' <<<"$err"; then
    printf '%s: exit %s\n%s\n' "$1" "$rc" "$(head -c 1500 <<<"$err")" >>"$T/.crashes"
  fi
}

# alive PID: the process exists and is not a zombie
alive() {
  local st
  [ -r "/proc/$1/stat" ] || return 1
  st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  st=${st##*) }
  [ "${st%% *}" != Z ]
}
# group_alive PGID: some live (non-zombie) process is in process group PGID
group_alive() {
  local f st
  for f in /proc/[0-9]*/stat; do
    st=$(cat "$f" 2>/dev/null) || continue
    st=${st##*) }
    set -- $st
    if [ "$3" = "$PG" ] && [ "$1" != Z ]; then return 0; fi
  done
  return 1
}
# gone_within SECONDS PID...: wait until none of the PIDs is alive; status 0 if so
gone_within() {
  local limit=$(( $1 * 10 )) i p any
  shift
  for ((i = 0; i < limit; i++)); do
    any=0
    for p in "$@"; do alive "$p" && any=1; done
    [ "$any" -eq 0 ] && return 0
    sleep 0.1
  done
  return 1
}
# group_gone_within SECONDS PGID
group_gone_within() {
  local limit=$(( $1 * 10 )) i
  PG=$2
  for ((i = 0; i < limit; i++)); do
    group_alive || return 0
    sleep 0.1
  done
  return 1
}
# wait_file FILE: wait (up to 20 s) until FILE exists and is not empty
wait_file() {
  local i
  for ((i = 0; i < 200; i++)); do [ -s "$1" ] && return 0; sleep 0.1; done
  return 1
}

# ---- exit status of commands ------------------------------------------------
cat >"$T/status.rbk" <<'EOF'
runbook "Status" {
  step expr_ok {
    let r = run("false")
    log "ok=${r.ok} status=${r.status}"
    log "status()=${status("exit 5")}"
    if not run("false").ok then log "not ok as a condition"
    let c = run("cat")
    log "stdin is empty: [${c.out}] ${c.ok}"
  }
  step fails {
    run "echo before; echo trouble >&2; exit 3"
    log "not reached"
  }
  step never { log "never" }
}
EOF
rr status.rbk
expect_match "$out" '^  log: ok=false status=1$' "run(\"false\").ok is false, status 1"
expect_match "$out" '^  log: status\(\)=5$' "status() returns the exit status"
expect_match "$out" '^  log: not ok as a condition$' "run(...).ok as a condition"
expect_match "$out" '^  log: stdin is empty: \[\] true$' "commands read /dev/null (cat does not wait for input)"
expect_match "$out" '^--- expr_ok: ok' "a failing command used as an expression does not fail the step"
expect_eq "$rc" 1 "run statement: a non-zero exit fails the run (exit 1)"
expect_match "$out" '^--- fails: failed' "run statement: the step is failed"
expect_match "$err" '^status\.rbk:11:5: error: command failed with exit status 3$' "run statement: the message names the status and file:line:col"
expect_match "$err" '^  stderr: trouble$' "run statement: the failure shows the command's stderr"
ok "$(grep -Eq 'not reached|log: never' <<<"$out"; [ $? -ne 0 ]; echo $?)" "run statement: nothing after the failed command runs"
expect_match "$out" '^never +pending' "run statement: later steps stay pending"

cat >"$T/signal.rbk" <<'EOF'
runbook "Signal" {
  step killed { run "kill -KILL $$" }
}
EOF
rr signal.rbk
expect_eq "$rc" 1 "a command killed by a signal fails the step"
expect_match "$err" 'error: command was killed by signal 9' "a command killed by a signal: the message names the signal"

# ---- streamed output ---------------------------------------------------------
cat >"$T/stream.rbk" <<'EOF'
runbook "Stream" {
  step talk {
    run "echo line one; echo to-stderr >&2; printf 'no newline at the end'"
    let r = run("echo captured-and-streamed")
  }
}
EOF
rr stream.rbk
expect_match "$out" '^  \$ echo line one; echo to-stderr >&2; printf .no newline at the end.$' "the command is shown before it runs"
expect_match "$out" '^talk \| line one$' "stdout is streamed as 'step | line'"
expect_match "$out" '^talk !\| to-stderr$' "stderr is streamed as 'step !| line'"
expect_match "$out" '^talk \| no newline at the end$' "a last line without a newline is streamed"
expect_match "$out" '^talk \| captured-and-streamed$' "run(...) output is streamed too"

# ---- a large output -------------------------------------------------------
cat >"$T/big.rbk" <<'EOF'
runbook "Big" {
  step captured {
    let r = run("head -c 3000000 /dev/zero | tr '\\0' x")
    log "captured ${len(r.out)} ok=${r.ok}"
    let s = sh("head -c 3000000 /dev/zero | tr '\\0' z")
    log "sh ${len(s)}"
  }
  step streamed {
    run "head -c 3000000 /dev/zero | tr '\\0' y; echo; echo done-after-big"
  }
  step after_big { log "after big" }
}
EOF
rr big.rbk
expect_eq "$rc" 0 "large output: exit 0"
expect_match "$out" '^  log: captured 1048576 ok=true$' "large output: run(...).out is capped at 1 MiB"
expect_match "$out" '^  log: sh 1048576$' "large output: sh() is capped at 1 MiB"
expect_eq "$(grep '^streamed | ' <<<"$out" | tr -cd y | wc -c)" 3000000 "large output: all 3000000 bytes are streamed"
expect_match "$out" '^streamed \| done-after-big$' "large output: output after it is streamed"
expect_match "$out" '^  log: after big$' "large output: later steps run"

# ---- step timeout kills the whole process group ---------------------------
cat >"$T/timeout.rbk" <<'EOF'
runbook "Timeout" {
  step slow {
    timeout 1s
    run "echo $$ > pids; sleep 30 & echo $! >> pids; sh -c 'echo $$ >> pids; exec sleep 30'"
  }
  step never { log "never" }
}
EOF
rm -f "$T/pids"
rr timeout.rbk
expect_eq "$rc" 1 "timeout: the step fails (exit 1)"
expect_match "$err" '^timeout\.rbk:4:5: error: command timed out' "timeout: the message says the command timed out, at the run"
expect_match "$out" '^--- slow: failed' "timeout: the step is failed"
ok "$(grep -q 'log: never' <<<"$out"; [ $? -ne 0 ]; echo $?)" "timeout: the run stops"
mapfile -t pids <"$T/pids" 2>/dev/null
expect_eq "${#pids[@]}" 3 "timeout: the shell, the background sleep and the foreground sleep wrote their pids"
if [ "${#pids[@]}" -ge 1 ]; then
  gone_within 5 "${pids[@]}"; ok $? "timeout: none of the group's processes survives (kill -0 finds none alive)"
  group_gone_within 5 "${pids[0]}"; ok $? "timeout: the process group ${pids[0]} is empty"
  for p in "${pids[@]}"; do alive "$p" && kill -KILL "$p" 2>/dev/null; done
else
  ok 1 "timeout: none of the group's processes survives"
  ok 1 "timeout: the process group is empty"
fi

# a step timeout also bounds a wait and a busy loop (10^15 iterations: far
# more than any machine runs in 1 s; 10^8, as it was, ended in 0.86 s on a
# quiet machine, before the timeout; rr's timeout 60 bounds a failure)
cat >"$T/timeout2.rbk" <<'EOF'
runbook "Timeout 2" {
  step waits {
    timeout 1s
    wait until exists("never-there") every 100ms timeout 1h
  }
  step spins {
    timeout 1s
    let n = 0
    for i in range(1000000000000000) { n = n + 1 }
  }
}
EOF
rr timeout2.rbk
expect_eq "$rc" 1 "step timeout during wait: exit 1"
expect_match "$err" 'error: step timed out' "step timeout during wait: says the step timed out"
rr timeout2.rbk --only spins
expect_eq "$rc" 1 "step timeout during a long loop: exit 1"
expect_match "$err" 'error: step timed out' "step timeout during a long loop: says the step timed out"

# ---- shell injection through params ------------------------------------------
cat >"$T/inject.rbk" <<'RBK'
runbook "Injection" {
  param p = "x"
  step bare { run "printf '%s\\n' ${p}" }
  step single { run "printf '%s\\n' '${p}'" }
  step dbl { run "printf '%s\\n' \"${p}\"" }
  step dbl_subst { run "printf '%s\\n' \"$(printf '%s' ${p})\"" }
  step subst { run "printf '%s\\n' $(printf '%s' ${p})x" }
  step nonquoted_run { let r = run("echo ${p}") log "out=${r.out}" }
}
RBK
values=(
  "x'; touch pwned; '"
  'x$(touch pwned)'
  'x`touch pwned`'
  'x"; touch pwned; "'
  $'x\ntouch pwned\n'
  $'x\\"; touch pwned; echo \\"'
  "x\\'; touch pwned; '"
  'x $(touch pwned) `touch pwned` ${IFS} * ?'
)
names=(single-quote dollar-paren backquote double-quote newline backslash-dq backslash-sq mixed)
# inject STEP CHECK_ECHO [FILE]: run STEP with each value; no file may
# appear, and when CHECK_ECHO is 1 the output must be the value, literally
inject() {
  local step=$1 check_echo=$2 file=${3:-inject.rbk} k v got
  for k in "${!values[@]}"; do
    v=${values[$k]}
    rm -f "$T/pwned"
    rr "$file" --only "$step" --param "p=$v"
    ok "$([ -e "$T/pwned" ]; [ $? -ne 0 ]; echo $?)" "injection ($step, ${names[$k]}): the value does not run as shell code"
    if [ "$check_echo" = 1 ]; then
      got=$(sed -n "s/^$step | //p; s/^$step |\$//p" <<<"$out")
      expect_eq "$got" "$(printf '%s\n' "$v")" "injection ($step, ${names[$k]}): the value is echoed literally"
    fi
  done
}
inject bare 1
inject single 1
inject dbl 1
inject dbl_subst 1
# Contexts where no quoting is safe: `...`, a comment, a here-document,
# ${...} and $((...)). Each is refused before anything runs, by rbk check
# and by rbk run, and nothing is created.
refused=(
  'run "echo `echo ${p}`"'
  'run "echo \"`echo ${p}`\""'
  'run "echo start # ${p}"'
  'run """cat <<EOF
${p}
EOF"""'
  'run "echo \${HOME:-${p}}"'
  'run "echo $(( ${p} + 1 ))"'
)
rnames=(backquote dq-backquote comment heredoc param-expansion arithmetic)
for k in "${!refused[@]}"; do
  printf 'runbook "Refused" {\n  param p = "x"\n  step s { %s }\n}\n' "${refused[$k]}" > "$T/refused.rbk"
  rm -f "$T/pwned"
  rr refused.rbk --param 'p=x$(touch pwned)`touch pwned`'
  expect_eq "$rc" 2 "refused context (${rnames[$k]}): rbk run exits 2"
  expect_match "$err" 'cannot be quoted safely' "refused context (${rnames[$k]}): says the value cannot be quoted safely"
  ok "$([ -e "$T/pwned" ]; [ $? -ne 0 ]; echo $?)" "refused context (${rnames[$k]}): nothing ran"
  (cd "$T" && timeout 30 "$RBK" check refused.rbk >/dev/null 2>&1); crc=$?
  expect_eq "$crc" 1 "refused context (${rnames[$k]}): rbk check reports it too"
done
v='a b;c'
rr inject.rbk --only nonquoted_run --param "p=$v"
expect_match "$out" '^  log: out=a b;c$' "run(...) quotes interpolations too"
rm -f "$T/pwned"

# ---- raw() ---------------------------------------------------------------
cat >"$T/raw.rbk" <<'EOF'
runbook "Raw" {
  param cmd = "echo a; echo b"
  param flags = "-n"
  step whole { run raw(cmd) }
  step inside { run "echo ${raw(flags)} no-newline; echo; printf '%s\\n' ${flags}" }
}
EOF
rr raw.rbk
expect_eq "$rc" 0 "raw: exit 0"
expect_match "$out" '^whole \| a$' "raw: 'run raw(cmd)' runs the first command of the text"
expect_match "$out" '^whole \| b$' "raw: ... and the second: the text is spliced unquoted"
expect_match "$out" '^inside \| no-newline$' "raw: \${raw(x)} inside a command splices an option"
expect_match "$out" '^inside \| -n$' "raw: the same value interpolated normally is one quoted word"

# ---- retry -----------------------------------------------------------------
cat >"$T/retry.rbk" <<'EOF'
runbook "Retry" {
  param tries = 2
  step flaky {
    retry tries every 100ms
    run "n=$(cat count 2>/dev/null || echo 0); n=$((n + 1)); echo $n > count; echo attempt $n; [ $n -ge 3 ]"
  }
  step next { log "next ran" }
}
EOF
rm -f "$T/count"
rr retry.rbk
expect_eq "$rc" 0 "retry 2: a command that succeeds the third time: exit 0"
expect_eq "$(cat "$T/count" 2>/dev/null)" 3 "retry 2: attempted 3 times"
expect_match "$out" '^--- flaky: ok' "retry 2: the step is ok"
expect_match "$out" 'retrying \(attempt 2 of 3\)' "retry 2: announces attempt 2 of 3"
expect_match "$out" 'retrying \(attempt 3 of 3\)' "retry 2: announces attempt 3 of 3"
expect_match "$out" '^  log: next ran$' "retry 2: the run goes on"
rm -f "$T/count"
rr retry.rbk --param tries=1
expect_eq "$rc" 1 "retry 1: fails (exit 1)"
expect_eq "$(cat "$T/count" 2>/dev/null)" 2 "retry 1: attempted exactly 2 times"
expect_match "$out" '^--- flaky: failed' "retry 1: the step is failed"
rm -f "$T/count"
rr retry.rbk --param tries=0
expect_eq "$(cat "$T/count" 2>/dev/null)" 1 "retry 0: attempted once"

# ---- on failure --------------------------------------------------------------
cat >"$T/onfail.rbk" <<'EOF'
runbook "On failure" {
  param handler_fails = false
  step broken {
    run "echo trying; exit 3"
    on failure {
      log "handling the failure"
      if handler_fails then fail "handler gave up"
      log "handled"
    }
  }
  step later { log "later ran" }
}
EOF
rr onfail.rbk
expect_eq "$rc" 0 "on failure: a handler that completes: exit 0"
expect_match "$out" '^  log: handling the failure$' "on failure: the handler runs"
expect_match "$out" '^--- broken: recovered' "on failure: the step is recovered"
expect_match "$out" '^broken +recovered ' "on failure: the summary says recovered"
expect_match "$out" '^  log: later ran$' "on failure: later steps run"
expect_match "$err" 'error: command failed with exit status 3' "on failure: the original failure is still reported"
rr onfail.rbk --param handler_fails=true
expect_eq "$rc" 1 "on failure: a handler that fails: exit 1"
expect_match "$err" '^onfail\.rbk:7:29: error: handler gave up$' "on failure: the handler's failure is reported"
expect_match "$out" '^--- broken: failed' "on failure: the step is failed"
ok "$(grep -q 'later ran' <<<"$out"; [ $? -ne 0 ]; echo $?)" "on failure: a failed handler stops the run"

# ---- Ctrl-C and SIGTERM ------------------------------------------------------
cat >"$T/sleepy.rbk" <<'EOF'
runbook "Sleepy" {
  step sleeper {
    run "echo $PPID > rbk.pid; sleep 30 & echo $! > sleeper.pid; echo $$ > shell.pid; wait"
  }
  step never { log "never" }
}
EOF
# interrupt SIGNAL: run sleepy.rbk, send SIGNAL to rbk once the sleeper runs
interrupt() {
  local sig=$1 bg
  rm -f "$T/rbk.pid" "$T/sleeper.pid" "$T/shell.pid"
  (cd "$T" && exec timeout 60 "$RBK" run --new sleepy.rbk >"$T/.out" 2>"$T/.stderr" </dev/null) &
  bg=$!
  if wait_file "$T/sleeper.pid" && wait_file "$T/shell.pid" && wait_file "$T/rbk.pid"; then
    kill -"$sig" "$(cat "$T/rbk.pid")"
  fi
  wait "$bg"; rc=$?
  out=$(cat "$T/.out"); err=$(cat "$T/.stderr")
  note_crash "sleepy.rbk ($sig)"
  expect_eq "$rc" 130 "SIG$sig: rbk exits 130"
  gone_within 5 "$(cat "$T/sleeper.pid" 2>/dev/null || echo 999999999)"
  ok $? "SIG$sig: the sleeping child is gone"
  gone_within 5 "$(cat "$T/shell.pid" 2>/dev/null || echo 999999999)"
  ok $? "SIG$sig: the child's shell is gone"
  expect_match "$out" '^--- sleeper: interrupted' "SIG$sig: the step is reported interrupted"
  expect_match "$out" '^never +pending' "SIG$sig: the summary shows the later step pending"
  expect_match "$err" 'rbk run: interrupted' "SIG$sig: says it was interrupted"
  for p in "$T"/sleeper.pid "$T"/shell.pid; do [ -s "$p" ] && alive "$(cat "$p")" && kill -KILL "$(cat "$p")" 2>/dev/null; done
}
interrupt INT
interrupt TERM

# ---- gates without a terminal -----------------------------------------------
cat >"$T/gates.rbk" <<'EOF'
runbook "Gates" {
  role lead "Jane Doe" phone "555-0101"
  step m { manual "Call the vendor" }
  step a { ask "Is the portal up?" }
  step af {
    let up = ask("Is the portal up?")
    log "up=${up}"
  }
  step p { approve by lead "Overwrite production" }
}
EOF
# Without a terminal a gate pauses the run (exit 3) and says what it waits
# for; rbk approve/confirm/answer and rbk resume continue it (see
# tests/e2e/journal_runs.sh).
for st in m a af p; do
  rr gates.rbk --only "$st"
  expect_eq "$rc" 3 "no terminal: step $st pauses the run (exit 3)"
  expect_match "$err" 'waiting for (a person|approval by lead \(Jane Doe\))' "no terminal: step $st says what it waits for"
done

# ---- gates at a terminal (script gives rbk a pty) ----------------------------
if command -v script >/dev/null 2>&1; then
  cat >"$T/tty.rbk" <<'EOF'
runbook "At a terminal" {
  role lead "Jane Doe"
  step gates {
    ask "Proceed?"
    let a = ask("Is it green?")
    log "answer=${a}"
    approve by lead "Overwrite production"
    manual "Restart the router"
    log "all gates passed"
  }
}
EOF
  # tty ANSWERS: run tty.rbk on a pty with ANSWERS typed in
  tty() {
    out=$(printf "$1" | (cd "$T" && timeout 60 script -qec "'$RBK' run --new tty.rbk" /dev/null) 2>&1); rc=$?
    out=$(tr -d '\r' <<<"$out")
    err=$out
    note_crash "tty.rbk"
  }
  tty 'yes\nno\nyes\nmy note\ndone\n'
  expect_eq "$rc" 0 "terminal: yes / no / approve / done: exit 0"
  expect_match "$out" 'QUESTION.*Proceed\? \[yes/no\]' "terminal: ask prompts with the question"
  expect_match "$out" 'log: answer=false' "terminal: ask() returns false for 'no'"
  expect_match "$out" 'APPROVAL.*needed from lead \(Jane Doe\): Overwrite production' "terminal: approve names the role, the person and the note"
  expect_match "$out" 'MANUAL.*Restart the router' "terminal: manual shows the instruction"
  expect_match "$out" 'log: all gates passed' "terminal: every gate passed"
  tty 'y\nyes\nno\n'
  expect_eq "$rc" 1 "terminal: answering no to approve fails (exit 1)"
  expect_match "$out" 'log: answer=true' "terminal: ask() returns true for 'yes'"
  expect_match "$out" 'approval refused by lead' "terminal: the refusal is reported"
  ok "$(grep -q 'all gates passed' <<<"$out"; [ $? -ne 0 ]; echo $?)" "terminal: nothing after a refused approval runs"
  tty 'no\n'
  expect_eq "$rc" 1 "terminal: 'no' to an ask statement fails the step"
  expect_match "$out" 'the answer was no' "terminal: says the answer was no"
  tty 'maybe\nyes\nyes\nyes\n\nno\n'
  expect_match "$out" "Please answer 'yes' or 'no'" "terminal: an unclear answer is asked again"
  expect_match "$out" 'the manual step was not confirmed' "terminal: 'no' to manual fails the step"
else
  for i in $(seq 14); do ok 0 "# SKIP script(1) not installed"; done
fi

# ---- the step header and the summary table ----------------------------------
cat >"$T/header.rbk" <<'EOF'
runbook "Header" {
  version "2.1"
  role ops "Dave Jones" phone "555-0104"
  step drain "Drain traffic" {
    owner ops
    expect 2m
    timeout 5m
    log "draining"
  }
  step plain { log "plain" }
  step long_step_name {
    expect 90s
    fail "stop"
  }
  step never { log "never" }
}
EOF
rr header.rbk
expect_match "$out" '^Header v2\.1$' "header: the runbook title and version come first"
expect_match "$out" '^==> \[1/4\] drain: Drain traffic  \(owner ops \(Dave Jones\), expect 2m, timeout 5m\)$' "header: owner, person, expect and timeout"
expect_match "$out" '^==> \[2/4\] plain$' "header: a step with no clauses"
expect_match "$out" '^==> \[3/4\] long_step_name  \(expect 1m30s\)$' "header: expect alone"
table=$(sed -n '/^step  /,$p' <<<"$out")
expect_match "$table" '^step +status +actual +expected$' "summary: a header row"
expect_match "$table" '^drain +ok +[0-9.]+s +2m$' "summary: drain ok, expected 2m"
expect_match "$table" '^plain +ok +[0-9.]+s +-$' "summary: plain ok, nothing expected"
expect_match "$table" '^long_step_name +failed +[0-9.]+s +1m30s$' "summary: the failed step"
expect_match "$table" '^never +pending +- +-$' "summary: the step that did not run"
expect_match "$table" '^total +[0-9.]+s +3m30s$' "summary: the total of expected durations"
# short step names: the table stays aligned (every row the same width)
cat >"$T/short.rbk" <<'EOF'
runbook "Short" {
  step a { log "a" }
  step b { log "b" }
}
EOF
rr short.rbk
widths=$(sed -n '/^step  /,$p' <<<"$out" | awk '{ print length($0) }' | sort -u | wc -l)
expect_eq "$widths" 1 "summary: with names shorter than 'total' the rows are still aligned"

# ---- no crash anywhere -----------------------------------------------------
ok "$([ -s "$T/.crashes" ]; [ $? -ne 0 ]; echo $?)" "no run crashed, hung or reported a sanitizer error"
[ -s "$T/.crashes" ] && sed 's/^/#   /' "$T/.crashes" | head -40
done_testing
