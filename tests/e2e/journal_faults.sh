#!/bin/bash
# tests/e2e/journal_faults.sh -- the journal cannot be written (disk full,
# I/O error): rbk must stop at once with exit 5, write nothing more, run
# nothing more (no retry, no 'on failure', no step or run marked failed),
# and a resume once space is back must finish the run with every command
# done exactly once (a careful operator decides what is in doubt).
#
# Faults are real: strace injects ENOSPC into the Nth write(2), or EIO into
# the Nth fdatasync(2), of the journal file only (-P); a tmpfs of 64 KiB
# fills up for real (a short write, then ENOSPC). For every N from 1 to the
# number of journal writes (and syncs) of a clean run, counted with strace
# itself, the run is broken at N and then resumed to its end.
#
# The careful operator: when a resume pauses on an effect in doubt, the
# line its command appends is looked for: present -> `rbk answer RUN done`,
# absent -> `rbk answer RUN rerun`. So every line must end up exactly once.
set -u
source tests/e2e/lib.bash
: "${RBK:?set RBK to the rbk binary}"
T=$(tmpdir)
MNT=""
cleanup() {
  if [ -n "$MNT" ] && mountpoint -q "$MNT"; then umount "$MNT"; fi
  rm -rf "$T"
}
trap cleanup EXIT
export RBK_STATE_DIR=$T/state
# LeakSanitizer cannot work under ptrace: leaks are checked in the runs
# that are not traced (every resume and answer)
NOLEAK="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

if ! command -v strace >/dev/null; then
  echo "ok 1 - # SKIP strace is not installed"
  echo "1..1"
  exit 0
fi

# traced OUT JOURNAL STRACE-ARGS... -- RBK-ARGS...: run rbk under strace,
# tracing the journal's write and fdatasync calls into OUT; stdout and stderr
# of rbk go to OUT.stdout and OUT.stderr; prints rbk's exit status
traced() {
  local out=$1 j=$2 sargs=() rc
  shift 2
  while [ "$1" != "--" ]; do sargs+=("$1"); shift; done
  shift
  ASAN_OPTIONS=$NOLEAK strace -f -qq -o "$out" -P "$j" -e trace=write,fdatasync "${sargs[@]}" \
    "$RBK" "$@" </dev/null >"$out.stdout" 2>"$out.stderr"
  rc=$?
  echo "$rc"
}

# journal_calls LOG KIND: how many KIND (write, fdatasync) calls on the journal LOG shows
journal_calls() { grep -c " $2(" "$1"; }

# last_call LOG: the last traced call, as "KIND RESULT" (e.g. "write -1 ENOSPC")
last_call() { tail -1 "$1" | sed -E 's/^[0-9]+ +([a-z]+)\(.*\) += (-?[0-9]+)( ([A-Z]+))?.*/\1 \2 \4/'; }

# finish ID DIR LOG PREFIX CMD...: continue run ID to its end as a careful
# operator: CMD (run in DIR) continues it; a question is answered yes; an
# effect in doubt is decided by looking for PREFIX+STEP in DIR/LOG. Prints
# "ok" and the decisions, or what went wrong.
finish() {
  local id=$1 d=$2 log=$3 prefix=$4 i rc w choice decisions=""
  shift 4
  for ((i = 0; i < 12; i++)); do
    (cd "$d" && timeout 60 "$RBK" "$@" </dev/null >>"$d/resume.log" 2>&1)
    rc=$?
    case $rc in
      0) echo "ok$decisions"; return 0 ;;
      3)
        w=$("$RBK" status "$id" --format json | jq -c .waiting)
        case $(jq -r .for <<<"$w") in
          gate) choice=yes ;;
          in_doubt)
            if grep -qx -- "$prefix$(jq -r .step <<<"$w")" "$d/$log" 2>/dev/null; then choice=done; else choice=rerun; fi ;;
          *) echo "waiting, but for what? $w"; return 1 ;;
        esac
        decisions="$decisions $(jq -r .step <<<"$w"):$choice"
        (cd "$d" && timeout 30 "$RBK" answer "$id" "$choice" >>"$d/resume.log" 2>&1) || {
          echo "rbk answer $id $choice failed"
          return 1
        }
        ;;
      *) echo "exited $rc: $(tail -3 "$d/resume.log")"; return 1 ;;
    esac
  done
  echo "no end after $i resumes"
  return 1
}

# continue_run ID FILE: the command that continues run ID of FILE: resume,
# or run FILE again while no run_start is on disk (nothing to resume yet)
continue_run() {
  local j=$RBK_STATE_DIR/runs/$1/journal.jsonl
  if [ -s "$j" ] && head -1 "$j" | grep -q '"type":"run_start"'; then echo "resume $1"; else echo "run --run-id $1 $2"; fi
}

# ---- the reproduction of issue 13 -----------------------------------------
# A failed write of effect_end (the 4th journal write: run_start, step_start,
# effect_start, effect_end) used to count as a step failure: 'retry 2' ran
# the command again, and the run ended "succeeded"; or, without retries,
# "step failed" and "run failed" were written and the run could never resume.
D=$T/repro
mkdir -p "$D"
cat >"$D/one.rbk" <<'RBK'
runbook "One" {
  step once {
    retry 2 every 1s
    run "echo ran >> done.txt"
    on failure { run "echo handler >> done.txt" }
  }
}
RBK
J=$RBK_STATE_DIR/runs/one-1/journal.jsonl
rc=$(cd "$D" && traced "$D/st" "$J" -e inject=write:error=ENOSPC:when=4 -- run --run-id one-1 one.rbk)
expect_eq "$rc" 5 "repro: ENOSPC on the effect_end write exits 5"
expect_eq "$(cat "$D/done.txt")" "ran" "repro: the command ran once (no retry, no 'on failure')"
err=$(cat "$D/st.stderr")
expect_match "$err" "rbk run: the run's state could not be written: $J: cannot write record 3: No space left on device" \
  "repro: the error names the journal and the OS error"
expect_match "$err" "nothing more was run.*'rbk resume one-1' continues the run" "repro: the error says how to go on"
expect_eq "$(journal_calls "$D/st" write) $(last_call "$D/st")" "4 write -1 ENOSPC" \
  "repro: the failed write is the last the journal saw (nothing more was written)"
expect_eq "$(jq -r .type "$J" | tr '\n' ' ')" "run_start step_start effect_start " \
  "repro: the journal holds no step_end or run_end after the failure"
(cd "$D" && "$RBK" resume one-1 </dev/null >"$D/r1.out" 2>&1)
expect_eq "$?" 3 "repro: the resume finds the command in doubt and waits (exit 3)"
expect_match "$(cat "$D/r1.out")" "effect 0 was started but never finished" "repro: it says which effect is in doubt"
(cd "$D" && "$RBK" answer one-1 done >/dev/null 2>&1)
ok $? "repro: rbk answer one-1 done"
(cd "$D" && "$RBK" resume one-1 </dev/null >"$D/r2.out" 2>&1)
expect_eq "$?" 0 "repro: the resume finishes the run"
expect_eq "$(cat "$D/done.txt")" "ran" "repro: still one line in done.txt"
expect_eq "$(jq -r 'select(.type=="run_end") | .state' "$J")" "succeeded" "repro: the run ended succeeded"
"$RBK" log one-1 --verify >/dev/null 2>&1
ok $? "repro: the hash chain verifies"

# ---- every write, every sync ----------------------------------------------
# Five steps, each appending its name to log.txt: non-idempotent ones, an
# idempotent one (whose command is itself idempotent), retries, a handler
# that must never run, a log line, a verify and a now() call (records that
# are written without their own sync).
D=$T/loop
mkdir -p "$D"
cat >"$D/five.rbk" <<'RBK'
runbook "Five" {
  step s1 {
    run "echo s1 >> log.txt"
  }
  step s2 {
    idempotent
    run "grep -qx s2 log.txt || echo s2 >> log.txt"
    log "s2 done"
  }
  step s3 {
    retry 2 every 1s
    run "echo s3 >> log.txt"
    verify exists("log.txt") "log.txt is there"
  }
  step s4 {
    let t = now()
    run "echo s4 >> log.txt"
    on failure { run "echo s4-handler >> log.txt" }
  }
  step s5 {
    retry 1 every 1s
    run "echo s5 >> log.txt"
  }
}
RBK
want=$(printf 's%s\n' 1 2 3 4 5)
J=$RBK_STATE_DIR/runs/five-clean/journal.jsonl
rc=$(cd "$D" && traced "$D/clean" "$J" -- run --run-id five-clean five.rbk)
expect_eq "$rc $(cat "$D/log.txt")" "0 $want" "loop: a clean run does every step once"
W=$(journal_calls "$D/clean" write)
S=$(journal_calls "$D/clean" fdatasync)
# (7 syncs: run_start, one per command -- its end shares the next one -- and run_end)
ok "$([ "$W" -ge 15 ] && [ "$S" -ge 7 ]; echo $?)" "loop: a clean run makes $W journal writes and $S syncs"

# one_fault KIND N INJECT: break a fresh run at the Nth KIND call, then finish it
one_fault() {
  local kind=$1 n=$2 inject=$3 id=five-$1-$2 d=$T/loop-$1-$2 rc j res
  j=$RBK_STATE_DIR/runs/$id/journal.jsonl
  mkdir -p "$d"
  cp "$D/five.rbk" "$d/"
  rc=$(cd "$d" && traced "$d/st" "$j" -e "inject=$inject:when=$n" -- run --run-id "$id" five.rbk)
  # the failed call is the last the journal saw, and the run says exit 5
  expect_eq "$rc $(journal_calls "$d/st" "$kind") $(last_call "$d/st")" "5 $n $kind -1 ${inject##*error=}" \
    "$kind $n: exit 5, and nothing touched the journal after the failed $kind"
  # shellcheck disable=SC2046
  res=$(finish "$id" "$d" log.txt "" $(continue_run "$id" five.rbk))
  expect_eq "${res%% *}|$(cat "$d/log.txt")|$(jq -r 'select(.type=="run_end") | .state' "$j")" \
    "ok|$want|succeeded" "$kind $n: resumed to success, every step's line once, no handler ($res)"
  "$RBK" log "$id" --verify >/dev/null 2>&1
  ok $? "$kind $n: the hash chain verifies"
}
for ((n = 1; n <= W; n++)); do one_fault write "$n" write:error=ENOSPC; done
for ((n = 1; n <= S; n++)); do one_fault fdatasync "$n" fdatasync:error=EIO; done

# ---- the REPL, rbk answer and rbk undo ---------------------------------------
# They append to journals too, and must stop the same way: exit 5, nothing
# more written or run.
D=$T/repl
mkdir -p "$D"
cat >"$D/two.rbk" <<'RBK'
runbook "Two" {
  step r1 {
    ask "go on?"
    run "echo r1 >> log.txt"
  }
  step r2 {
    run "echo r2 >> log.txt"
  }
}
RBK
repl_input=$':answer yes\n:next\n:next\n'
(cd "$D" && "$RBK" run --run-id two-clean two.rbk </dev/null >/dev/null 2>&1)
J=$RBK_STATE_DIR/runs/two-clean/journal.jsonl
(cd "$D" && printf '%s' "$repl_input" | ASAN_OPTIONS=$NOLEAK strace -f -qq -o "$D/clean" -P "$J" -e trace=write,fdatasync \
  "$RBK" repl --run two-clean >/dev/null 2>&1)
expect_eq "$?|$(cat "$D/log.txt")" "0|$(printf 'r1\nr2')" "repl: a clean session answers, and runs both steps"
RW=$(journal_calls "$D/clean" write)
for ((n = 1; n <= RW; n++)); do
  d=$T/repl-$n id=two-$n
  J=$RBK_STATE_DIR/runs/$id/journal.jsonl
  mkdir -p "$d"
  cp "$D/two.rbk" "$d/"
  (cd "$d" && "$RBK" run --run-id "$id" two.rbk </dev/null >/dev/null 2>&1)
  (cd "$d" && printf '%s' "$repl_input" | ASAN_OPTIONS=$NOLEAK strace -f -qq -o "$d/st" -P "$J" -e trace=write,fdatasync \
    -e inject=write:error=ENOSPC:when="$n" "$RBK" repl --run "$id" >"$d/repl.out" 2>"$d/repl.err")
  rc=$?
  expect_eq "$rc $(journal_calls "$d/st" write) $(last_call "$d/st")" "5 $n write -1 ENOSPC" \
    "repl, write $n of $RW: exit 5, and nothing touched the journal after the failed write"
  expect_match "$(cat "$d/repl.err")" "rbk repl: the run's state could not be written: $J: cannot write record [0-9]+: No space left on device" \
    "repl, write $n: the error names the journal and ENOSPC"
  res=$(finish "$id" "$d" log.txt "" resume "$id")
  expect_eq "${res%% *}|$(cat "$d/log.txt")" "ok|$(printf 'r1\nr2')" "repl, write $n: resumed to the end, each step's line once ($res)"
done

# rbk answer: the answer cannot be journaled
J=$RBK_STATE_DIR/runs/two-answer/journal.jsonl
(cd "$D" && "$RBK" run --run-id two-answer two.rbk </dev/null >/dev/null 2>&1)
before=$(cat "$J")
rc=$(cd "$D" && traced "$D/ans" "$J" -e inject=write:error=ENOSPC:when=1 -- answer two-answer yes)
expect_eq "$rc $(journal_calls "$D/ans" write)" "5 1" "answer: the failed write exits 5"
expect_match "$(cat "$D/ans.stderr")" "rbk answer: the run's state could not be written: $J: cannot write record 4: No space left on device" \
  "answer: the error names the journal and ENOSPC"
expect_eq "$(cat "$J")" "$before" "answer: the journal is as it was"
(cd "$D" && "$RBK" answer two-answer yes >/dev/null 2>&1)
ok $? "answer: once space is back, the answer is recorded"

# rbk undo: a write of the undo run's journal fails
D=$T/undo
mkdir -p "$D"
cat >"$D/u.rbk" <<'RBK'
runbook "U" {
  step a1 {
    run "echo a1 >> log.txt"
    undo { run "echo undo-a1 >> log.txt" }
  }
  step a2 {
    run "echo a2 >> log.txt"
    undo { run "echo undo-a2 >> log.txt" }
  }
}
RBK
(cd "$D" && "$RBK" run --run-id u-clean u.rbk </dev/null >/dev/null 2>&1)
J=$RBK_STATE_DIR/runs/u-clean-undo/journal.jsonl
rc=$(cd "$D" && traced "$D/clean" "$J" -- undo u-clean --yes)
expect_eq "$rc|$(grep undo "$D/log.txt")" "0|$(printf 'undo-a2\nundo-a1')" "undo: a clean undo runs both undo blocks"
UW=$(journal_calls "$D/clean" write)
for ((n = 1; n <= UW; n++)); do
  d=$T/undo-$n id=u-$n
  J=$RBK_STATE_DIR/runs/$id-undo/journal.jsonl
  mkdir -p "$d"
  cp "$D/u.rbk" "$d/"
  (cd "$d" && "$RBK" run --run-id "$id" u.rbk </dev/null >/dev/null 2>&1)
  rc=$(cd "$d" && traced "$d/st" "$J" -e inject=write:error=ENOSPC:when="$n" -- undo "$id" --yes)
  expect_eq "$rc $(journal_calls "$d/st" write) $(last_call "$d/st")" "5 $n write -1 ENOSPC" \
    "undo, write $n of $UW: exit 5, and nothing touched the journal after the failed write"
  res=$(finish "$id-undo" "$d" log.txt "undo-" undo "$id" --yes)
  expect_eq "${res%% *}|$(cat "$d/log.txt")" "ok|$(printf 'a1\na2\nundo-a2\nundo-a1')" \
    "undo, write $n: continued to the end, each undo block once ($res)"
done

# ---- a real disk that fills up --------------------------------------------
# A 64 KiB tmpfs as the state directory; the step's command prints 100 KB,
# which its effect_end record holds: the write is cut short, then fails.
D=$T/tmpfs
MNT=$D/state
mkdir -p "$MNT"
if ! mount -t tmpfs -o size=64k,mode=0700 tmpfs "$MNT" 2>"$D/mount.err"; then
  MNT=""
  echo "ok $((_n + 1)) - # SKIP cannot mount a tmpfs: $(cat "$D/mount.err")"
  _n=$((_n + 1))
else
  cat >"$D/fill.rbk" <<'RBK'
runbook "Fill" {
  step fill {
    retry 2 every 1s
    run "echo ran >> once.txt; head -c 100000 /dev/zero | tr '\\0' x"
  }
  step later {
    run "echo later >> once.txt"
  }
}
RBK
  (cd "$D" && RBK_STATE_DIR=$MNT "$RBK" run --run-id fill-1 fill.rbk </dev/null >"$D/run.out" 2>"$D/run.err")
  expect_eq "$?" 5 "tmpfs: the full disk stops the run with exit 5"
  expect_eq "$(cat "$D/once.txt")" "ran" "tmpfs: the command ran once, and nothing after it"
  expect_match "$(cat "$D/run.err")" "$MNT/runs/fill-1/journal.jsonl: cannot write record 3: No space left on device" \
    "tmpfs: the error names the journal and ENOSPC"
  J=$MNT/runs/fill-1/journal.jsonl
  expect_eq "$(tail -c 1 "$J" | od -An -c | tr -d ' ')" "x" "tmpfs: the cut-short record is left as a torn tail"
  mount -o remount,size=1m "$MNT"
  ok $? "tmpfs: remounted with 1 MiB"
  (cd "$D" && RBK_STATE_DIR=$MNT "$RBK" resume fill-1 </dev/null >"$D/r1.out" 2>&1)
  expect_eq "$?" 3 "tmpfs: the resume waits on the command in doubt"
  expect_match "$(cat "$D/r1.out")" "the last journal record was torn .* set aside in $MNT/runs/fill-1/journal.torn-3-" \
    "tmpfs: the torn record is set aside"
  (cd "$D" && RBK_STATE_DIR=$MNT "$RBK" answer fill-1 done >/dev/null 2>&1 &&
    RBK_STATE_DIR=$MNT "$RBK" resume fill-1 </dev/null >"$D/r2.out" 2>&1)
  expect_eq "$?" 0 "tmpfs: answered 'done', the resume finishes the run"
  expect_eq "$(cat "$D/once.txt")" "$(printf 'ran\nlater')" "tmpfs: the filling command still ran once; the next step once"
  RBK_STATE_DIR=$MNT "$RBK" log fill-1 --verify >/dev/null 2>&1
  ok $? "tmpfs: the hash chain verifies"
  umount "$MNT"

  # rbk watch: the trigger record holds every probe's value (100 KB here),
  # so the disk is full when the trigger fires: nothing may be notified or
  # started that the journal does not hold.
  mount -t tmpfs -o size=64k,mode=0700 tmpfs "$MNT"
  head -c 100000 /dev/zero | tr '\0' x >"$D/big.txt"
  cat >"$D/w.rbk" <<'RBK'
runbook "W" {
  owner pm
  role pm "P"
  notifier "echo ${message} >> notes.txt"
  probe big = read_file("big.txt")
  trigger "Big" critical when len(probe("big")) > 10
  on critical run "back.rbk"
  step s { run "true" }
}
RBK
  cat >"$D/back.rbk" <<'RBK'
runbook "Back" {
  step b { run "echo back >> backout.txt" }
}
RBK
  (cd "$D" && RBK_STATE_DIR=$MNT timeout 60 "$RBK" watch --for 1m --every 1s w.rbk </dev/null >"$D/watch.out" 2>"$D/watch.err")
  expect_eq "$?" 5 "watch: the full disk stops the watch with exit 5"
  expect_match "$(cat "$D/watch.err")" "rbk watch: the run's state could not be written: $MNT/watches/[^/]+/journal.jsonl: cannot write record 1: No space left on device" \
    "watch: the error names its journal and ENOSPC"
  ok "$([ ! -e "$D/notes.txt" ] && [ ! -e "$D/backout.txt" ]; echo $?)" "watch: nothing was notified, no backout started"
  umount "$MNT"
  MNT=""
fi

done_testing
