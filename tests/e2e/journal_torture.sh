#!/bin/bash
# tests/e2e/journal_torture.sh -- crash torture: SIGKILL `rbk run` / `rbk
# resume` at random moments, again and again, and check that the run still
# does every step's effect exactly once, asks a person about every command
# left in doubt (never guesses), and leaves a journal whose hash chain
# verifies.
#
# The runbook has NSTEPS steps; step N appends "line-N" to out.txt after a
# short sleep, so kills land before, during and after commands. Every 5th
# step is `idempotent` and its command is itself idempotent (grep || echo);
# every 7th also reads now() and logs; every 9th verifies exists() (call
# effects, replayed too).
#
# One iteration: start rbk in the background (stdin /dev/null), sleep a
# random 0-300 ms, kill -9 it. A kill "hits" when rbk dies of SIGKILL (wait
# says 137). SIGKILL does not kill the command rbk was running (it is in its
# own process group): half the hits leave that command to finish as an
# orphan (rbk alone crashed), the other half kill it too (the machine
# crashed). Before every start and every decision the test waits until no
# such orphan is left: the world is then what the operator would find.
# When a resume pauses (exit 3) on an in-doubt command the test acts as a
# careful operator: the line is in out.txt -> `rbk answer RUN done`, absent
# -> `rbk answer RUN rerun`. Right after a rerun the next kill comes sooner
# (0-100 ms), so that re-runs are themselves interrupted too.
#
# When a run finishes before enough kills have hit, another round (a fresh
# run) starts. Kills: JOURNAL_KILLS (default 100; 50 for an ASan build; never
# fewer than 50). Nothing asserts a duration.
set -u
source tests/e2e/lib.bash
: "${RBK:?set RBK to the rbk binary}"
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT
export RBK_STATE_DIR=$T/state
TOKEN=$(basename "$T")       # unique: in every command and run ID, to find orphans

case "$RBK" in *asan*) default_kills=50 ;; *) default_kills=100 ;; esac
KILLS=${JOURNAL_KILLS:-$default_kills}
[ "$KILLS" -ge 50 ] 2>/dev/null || KILLS=50
NSTEPS=${JOURNAL_STEPS:-40}
[ "$NSTEPS" -ge 30 ] 2>/dev/null || NSTEPS=30
MAX_ITER=$((KILLS * 4 + 200))   # a safety net against a run that never ends


# quiet: wait (up to 20 s) until no process started for this test is left
# (rbk itself, a child between fork and exec, or an orphaned command)
quiet() {
  local i
  for ((i = 0; i < 200; i++)); do
    pgrep -f -- "$TOKEN" >/dev/null || return 0
    sleep 0.1
  done
  echo "# orphans still running after 20 s: $(pgrep -af -- "$TOKEN" | head -5)"
  return 1
}

# crash_all: kill -9 what is left of this test's processes (an orphaned
# command and its process group), as a machine crash would; by PID only
crash_all() {
  local p pg mine
  mine=$(ps -o pgid= -p $$ | tr -d ' ')
  for p in $(pgrep -f -- "$TOKEN"); do
    pg=$(ps -o pgid= -p "$p" 2>/dev/null | tr -d ' ')
    if [ -n "$pg" ] && [ "$pg" = "$p" ] && [ "$pg" != "$mine" ]; then
      kill -9 -- "-$pg" 2>/dev/null
    else
      kill -9 "$p" 2>/dev/null
    fi
  done
}

# make_runbook DIR: the torture runbook, writing DIR/out.txt
make_runbook() {
  local d=$1 n s f
  f="$d/out.txt"
  {
    echo 'runbook "Torture" {'
    for ((n = 1; n <= NSTEPS; n++)); do
      s="0.0$((RANDOM % 9 + 1))"
      echo "  step s$n {"
      if ((n % 5 == 0)); then
        echo "    idempotent"
        echo "    run \"sleep $s; grep -qx line-$n $f || echo line-$n >> $f\""
      else
        echo "    run \"sleep $s; echo line-$n >> $f\""
      fi
      if ((n % 7 == 0)); then
        echo "    let t$n = now()"
        echo "    log \"step $n at \${t$n}\""
      fi
      if ((n % 9 == 0)); then
        echo "    verify exists(\"$f\") \"out.txt exists\""
      fi
      echo "  }"
    done
    echo '}'
  } >"$d/torture.rbk"
}

expected=$(for ((n = 1; n <= NSTEPS; n++)); do echo "line-$n"; done)
just_reran=0 chose_rerun=0 chose_done=0 kills=0 crashes=0 iter=0 round=0 tot_pauses=0 tot_idem=0 tot_torn=0 tot_resumes=0
hard_stop=0

while [ "$kills" -lt "$KILLS" ] && [ "$hard_stop" -eq 0 ]; do
  round=$((round + 1))
  D=$T/r$round
  mkdir -p "$D"
  make_runbook "$D"
  ID=tt-$TOKEN-r$round
  J=$RBK_STATE_DIR/runs/$ID/journal.jsonl
  pauses=0 finished=0 bad_rc=""
  (cd "$D" && timeout 20 "$RBK" check torture.rbk >"$D/check.log" 2>&1)
  ok $? "round $round: the torture runbook ($NSTEPS steps) checks"

  while [ "$finished" -eq 0 ]; do
    iter=$((iter + 1))
    if [ "$iter" -gt "$MAX_ITER" ]; then bad_rc="$bad_rc no-end-after-$MAX_ITER-iterations"; hard_stop=1; break; fi
    quiet
    # Until run_start is durable there is no run to resume: start it again.
    if [ -s "$J" ] && head -1 "$J" | grep -q '"type":"run_start"'; then
      cmd=(resume "$ID")
      tot_resumes=$((tot_resumes + 1))
    else
      cmd=(run --run-id "$ID" torture.rbk)
    fi
    if [ "$kills" -lt "$KILLS" ]; then
      # shellcheck disable=SC2016
      (cd "$D" && exec "$RBK" "${cmd[@]}" </dev/null >>"$D/rbk.log" 2>&1) &
      pid=$!
      # Right after a person chose rerun the next kill comes sooner (0-100
      # ms), so the re-run command is itself often interrupted.
      sleep "0.$(printf %03d $((RANDOM % (just_reran ? 100 : 300))))"
      just_reran=0
      kill -9 "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
      rc=$?
      # Half the time the whole machine "crashed": the command dies too.
      if [ "$rc" -eq 137 ] && [ $((RANDOM % 2)) -eq 0 ]; then
        crash_all
        crashes=$((crashes + 1))
      fi
    else
      (cd "$D" && timeout 120 "$RBK" "${cmd[@]}" </dev/null >>"$D/rbk.log" 2>&1)
      rc=$?
    fi
    case $rc in
      137) kills=$((kills + 1)) ;;
      0) finished=1 ;;
      3)
        # A careful operator: what was in doubt, and did it happen?
        quiet
        last=$(jq -c 'select(.type=="paused")' "$J" | tail -1)
        reason=$(jq -r '.reason' <<<"$last")
        line=$(jq -r '.what' <<<"$last" | grep -o 'line-[0-9]*' | head -1)
        if [ "$reason" != "in doubt" ] || [ -z "$line" ]; then
          bad_rc="$bad_rc paused-but-not-in-doubt($last)"
          hard_stop=1
          break
        fi
        cnt=$(grep -cx -- "$line" "$D/out.txt" 2>/dev/null)
        if [ "${cnt:-0}" -eq 0 ]; then choice=rerun; else choice="done"; fi
        eval "chose_$choice=\$((chose_$choice + 1))"
        [ "$choice" = rerun ] && just_reran=1
        if ! (cd "$T" && timeout 30 "$RBK" answer "$ID" "$choice" >>"$D/answer.log" 2>&1); then
          bad_rc="$bad_rc answer-$choice-failed"
          hard_stop=1
          break
        fi
        pauses=$((pauses + 1))
        ;;
      *)
        bad_rc="$bad_rc exit-$rc"
        hard_stop=1
        break
        ;;
    esac
  done
  quiet

  expect_eq "${bad_rc:-none}" "none" "round $round: every rbk exit was 0, 3 (in doubt) or SIGKILL"
  actual=$(cat "$D/out.txt" 2>/dev/null)
  ok $([ "$actual" = "$expected" ]; echo $?) "round $round: every step's line is in out.txt exactly once, in order"
  if [ "$actual" != "$expected" ]; then
    echo "#   lines not exactly once: $( (echo "$expected"; cat "$D/out.txt") | sort | uniq -c |
      awk '$1 != 2 {print $2 " x" ($1 - 1)}' | tr '\n' ' ')"
    # the story of the first duplicated line: its effect's records, and
    # every resume while it was open
    dup=$(sort "$D/out.txt" | uniq -d | head -1)
    if [ -n "$dup" ]; then
      en=$(jq -r --arg l "$dup" 'select(.type=="effect_start" and (.what|test("\\b" + $l + " "))) | .n' "$J" | head -1)
      echo "#   journal of effect $en ($dup):"
      jq -sc --argjson n "${en:-0}" '
        (map(select(.type=="effect_start" and .n==$n))[0].seq) as $a
        | (map(select(.type=="effect_end" and .n==$n))[0].seq // 1e9) as $b
        | .[] | select(.seq >= $a and .seq <= $b and (.n==$n or .type=="resume"))
        | [.seq, .type, .choice, .reason, .marked_done] | map(select(. != null))' "$J" | sed 's/^/#     /' | head -30
      echo "#   (between two resumes with no record of effect $en, a process was killed while it ran the command)"
    fi
  fi

  last_type=$(tail -1 "$J" | jq -r '.type + " " + (.state // "")')
  expect_eq "$last_type" "run_end succeeded" "round $round: the journal ends with run_end succeeded"

  op=$(jq -s '[.[] | select(.type=="decision" and .reason=="operator")] | length' "$J")
  expect_eq "$op" "$pauses" "round $round: operator decisions in the journal ($op) = in-doubt pauses answered ($pauses)"

  # Which effect each decision was about: an operator decision only for a
  # command in a step that is not idempotent; an automatic one (reason
  # idempotent) only for an idempotent step or a call/log/clock effect.
  bad=$(jq -rs '
    (map(select(.type=="effect_start")) | map({key: (.n|tostring), value: .}) | from_entries) as $fx
    | .[] | select(.type=="decision")
    | ($fx[.n|tostring]) as $e
    | ($e.step | ltrimstr("s") | tonumber) as $k
    | if .reason == "operator" then
        (if $e.kind != "cmd" or ($k % 5 == 0) then "operator decision on effect \(.n) (\($e.kind) in \($e.step))" else empty end)
      elif .reason == "idempotent" then
        (if $e.kind == "cmd" and ($k % 5 != 0) then "automatic rerun of effect \(.n), a command in non-idempotent \($e.step)" else empty end)
      else "decision with reason \(.reason)" end' "$J")
  expect_eq "${bad:-none}" "none" "round $round: no in-doubt command was guessed; idempotent reruns only where allowed"

  # An effect still open when its process died (a resume record between its
  # effect_start and effect_end) was in doubt: a decision about it must come
  # before its end, and for a command in a step that is not idempotent only
  # after the run paused to ask.
  unasked=$(jq -rs '
    . as $r
    | [.[] | select(.type=="effect_start")] | .[]
    | . as $s
    | ([$r[] | select(.type=="effect_end" and .n==$s.n)][0].seq // 1e9) as $e
    | [$r[] | select(.seq > $s.seq and .seq < $e)] as $between
    | select([$between[] | select(.type=="resume")] | length > 0)
    | ([$between[] | select(.type=="decision" and .n==$s.n)]) as $d
    | if ($d | length) == 0 then "effect \($s.n) (\($s.what)) was in doubt and re-run or skipped without a decision"
      elif $s.kind == "cmd" and ($s.step | ltrimstr("s") | tonumber) % 5 != 0
           and ([$between[] | select(.type=="paused" and .n==$s.n and .seq < $d[0].seq)] | length) == 0
      then "effect \($s.n) was decided without the run asking" else empty end' "$J" | head -5)
  expect_eq "${unasked:-none}" "none" "round $round: every effect left open by a kill got a decision (asked for, where the step is not idempotent)"

  idem=$(jq -s '[.[] | select(.type=="decision" and .reason=="idempotent")] | length' "$J")
  # Every step ran (or was marked done) once: one successful step_end per step.
  steps_ok=$(jq -s '[.[] | select(.type=="step_end" and .state=="ok")] | map(.step) | unique | length' "$J")
  expect_eq "$steps_ok" "$NSTEPS" "round $round: every step ended ok"

  chain=$(verify_chain "$J")
  expect_match "$chain" '^[0-9]+$' "round $round: the hash chain verifies (prev = SHA-256 of the previous line, seq consecutive)"

  if (cd "$T" && timeout 20 "$RBK" log --help 2>&1 | grep -q -- '--verify'); then
    (cd "$T" && timeout 30 "$RBK" log "$ID" --verify >"$D/verify.log" 2>&1)
    ok $? "round $round: rbk log --verify accepts the journal"
  fi

  torn=$(find "$RBK_STATE_DIR/runs/$ID" -name 'journal.torn-*' | wc -l)
  sanit=$(cat "$D"/*.log 2>/dev/null | grep -E 'AddressSanitizer|LeakSanitizer|runtime error:' | head -3)
  expect_eq "${sanit:-none}" "none" "round $round: no sanitizer report from any rbk process"
  echo "# round $round: $chain records, $pauses in-doubt pauses answered, $idem idempotent reruns, $torn torn tails set aside"
  tot_pauses=$((tot_pauses + pauses)) tot_idem=$((tot_idem + idem)) tot_torn=$((tot_torn + torn))
done

ok $([ "$kills" -ge "$KILLS" ]; echo $?) "at least $KILLS kills hit a live rbk ($kills)"
echo "# torture: $round rounds, $iter starts ($tot_resumes resumes), $kills kills ($crashes also killed the command), $tot_pauses operator decisions ($chose_rerun rerun, $chose_done done), $tot_idem idempotent reruns, $tot_torn torn tails"
done_testing
