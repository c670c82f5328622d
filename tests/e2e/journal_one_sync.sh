#!/bin/bash
# tests/e2e/journal_one_sync.sh -- one fdatasync per command, and the crash
# test that proves it safe (docs/journal.md, "One sync per command").
#
# A run of 20 steps, each one command appending its step's name to a count
# file, is killed with SIGKILL at each of its fdatasync calls in turn
# (strace -e inject=fdatasync:signal=KILL:when=N, N = 1 .. all of them),
# and resumed until it finishes; a command found in doubt is answered as
# the person who looks at the count file would (done if it ran, rerun if
# not). Each kill is tried twice: as a process crash (what was written
# stays in the page cache), and as a power loss (the journal is cut back to
# the bytes the last completed fdatasync made durable, as strace saw the
# writes). Either way every command must have run exactly once.
set -u
source tests/e2e/lib.bash
: "${RBK:?set RBK to the rbk binary}"
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT
export NO_COLOR=1 COUNT="$T/count"
# LeakSanitizer cannot run under ptrace; an ASan build runs without it here.
export ASAN_OPTIONS=detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}
steps=20

if ! command -v strace >/dev/null 2>&1; then
  ok 0 "# SKIP strace is missing"
  done_testing
  exit 0
fi

{
  echo 'runbook "Twenty" {'
  for ((i = 0; i < steps; i++)); do echo "  step s$i { run \"echo s$i >> \$COUNT\" }"; done
  echo '}'
} >"$T/rb.rbk"

# ---- a whole run: one fdatasync per command, plus the run's start and end --
export RBK_STATE_DIR="$T/clean"
(cd "$T" && strace -f -o "$T/trace" -e trace=fdatasync "$RBK" run --run-id clean rb.rbk >/dev/null 2>&1)
expect_eq "$?" "0" "the run finishes"
total=$(grep -c 'fdatasync(' "$T/trace")
expect_eq "$total" "$((steps + 2))" "a run of $steps commands makes $((steps + 2)) fdatasync calls, one per command"
expect_eq "$(sort "$COUNT" | uniq | wc -l) $(wc -l <"$COUNT")" "$steps $steps" "each command ran once"

# finish RUN: resume until the run is over, answering in-doubt commands
# from the count file; sets $asked (how many were in doubt) and $stuck.
finish() {
  local k out step
  asked=0 stuck=""
  for ((k = 0; k < steps + 5; k++)); do
    out=$(cd "$T" && timeout 60 "$RBK" resume crash </dev/null 2>&1)
    case $? in
      0) return ;;
      3) ;;
      *) stuck="resume exits $?: $(tail -3 <<<"$out")"; return ;;
    esac
    step=$(sed -n "s/.* in step '\(s[0-9]*\)', effect [0-9]* was started but never finished.*/\1/p" <<<"$out" | head -1)
    if [ -z "$step" ]; then stuck="waiting, not for an effect in doubt: $(tail -3 <<<"$out")"; return; fi
    asked=$((asked + 1))
    if grep -qx "$step" "$COUNT" 2>/dev/null; then a=done; else a=rerun; fi
    (cd "$T" && "$RBK" answer crash "$a" >/dev/null 2>&1) || { stuck="rbk answer crash $a failed"; return; }
  done
  stuck="still not finished after $k resumes"
}

# durable_size TRACE: the journal's bytes when its last completed fdatasync returned
durable_size() {
  awk '/journal\.jsonl>/ && / write\(/ { if (match($0, /= [0-9]+$/)) pending += substr($0, RSTART + 2) }
       /journal\.jsonl>/ && /fdatasync\(/ && / = 0$/ { durable = pending }
       END { print durable + 0 }' "$1"
}

bad_once=() bad_power=() asked_total=0
for ((n = 1; n <= total; n++)); do
  for mode in crash power; do
    export RBK_STATE_DIR="$T/state-$n-$mode"
    rm -f "$COUNT" "$T"/trace.*
    # -ff: a file per process, so that a syscall of the run is never split
    # by another process's (the status page's writer runs beside it)
    { (cd "$T" && strace -ff -y -o "$T/trace" -e trace=write,fdatasync -e inject=fdatasync:signal=KILL:when=$n \
      "$RBK" run --run-id crash rb.rbk >/dev/null 2>&1); } 2>/dev/null
    j="$RBK_STATE_DIR/runs/crash/journal.jsonl"
    if [ "$mode" = power ] && [ -f "$j" ]; then
      sed 's/^/0 /' "$T"/trace.* >"$T/trace"   # each line as -f writes it, "PID syscall(...)"
      truncate -s "$(durable_size "$T/trace")" "$j"
    fi
    if [ ! -s "$j" ]; then
      # Nothing durable: nothing may have run.
      [ -s "$COUNT" ] && bad_once+=("kill $n ($mode): commands ran before anything was durable")
      continue
    fi
    finish
    asked_total=$((asked_total + asked))
    got=$(sort "$COUNT" 2>/dev/null | uniq -c | awk '$1 != 1' | tr -s ' ' | tr '\n' ';')
    lines=$(wc -l <"$COUNT" 2>/dev/null || echo 0)
    if [ -n "$stuck" ] || [ -n "$got" ] || [ "$lines" -ne "$steps" ]; then
      if [ "$mode" = crash ]; then bad_once+=("kill $n: $stuck ${got}${lines} lines"); else bad_power+=("kill $n: $stuck ${got}${lines} lines"); fi
    fi
  done
done
expect_eq "${bad_once[*]:-}" "" "SIGKILL at each of the $total fdatasyncs: every command ran exactly once"
expect_eq "${bad_power[*]:-}" "" "the same, with the journal cut to what the last completed fdatasync made durable"
ok "$([ "$asked_total" -gt 0 ]; echo $?)" "some kills left a command in doubt, and a person was asked ($asked_total times)"
done_testing
