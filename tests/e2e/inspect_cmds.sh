#!/bin/bash
# tests/e2e/inspect_cmds.sh -- `rbk runs`, `rbk status` and `rbk log` on
# hand-made journals (tests/fixtures/journals/make.sh): run states, step
# lists, what a waiting run waits for and the commands that continue it,
# `log --verify` on intact, torn and changed journals, the JSON forms, exit
# statuses, and that none of the commands changes anything on disk.
set -u
source tests/e2e/lib.bash
: "${RBK:?set RBK to the rbk binary}"
T=$(tmpdir)
trap 'kill "${live:-}" 2>/dev/null; rm -rf "$T"' EXIT
export TZ=UTC NO_COLOR=1
unset RBK_STATE_DIR

S=$T/state
tests/fixtures/journals/make.sh "$S"
mkdir "$S/runs/broken-20261122-150000"               # a run directory without a journal
mkdir "$S/runs/empty-20261122-050000"
: >"$S/runs/empty-20261122-050000/journal.jsonl"      # a journal with no record
printf 'not a run\n' >"$S/runs/README"                 # not a directory: not a run
export RBK_STATE_DIR=$S

OK=web-deploy-20261122-060000
FAILED=web-deploy-20261122-070000
GATE=web-deploy-20261122-080000
APPROVED=web-deploy-20261122-083000
DOUBT=db-migrate-20261122-090000
PAUSED=db-migrate-20261122-100000
DECIDED=db-migrate-20261122-103000
MANUAL=web-deploy-20261122-110000
ASK=web-deploy-20261122-120000
TORN=web-deploy-20261122-130000
FLIP=web-deploy-20261122-140000

# snapshot: every file under the state directory with its hash and mode
snapshot() { (cd "$S" && find . -print0 | sort -z | xargs -0 stat -c '%n %a %s' && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
before=$(snapshot)

# r ARGS...: run rbk; sets $out, $err, $rc
r() {
  out=$(timeout 20 "$RBK" "$@" 2>"$T/.stderr"); rc=$?
  err=$(cat "$T/.stderr")
  if [ "$rc" -ge 124 ] || grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:' <<<"$err"; then
    printf '# crash: rbk %s: exit %s\n# %s\n' "$*" "$rc" "$(head -c 800 <<<"$err")"
  fi
}
# line_of TEXT REGEX: the first line of TEXT matching REGEX
line_of() { grep -E -m1 -- "$2" <<<"$1"; }

# ---- rbk runs ----------------------------------------------------------
r runs
expect_eq "$rc" 0 "runs: exit 0"
expect_eq "$(sed -n 1p <<<"$out" | tr -s ' ')" "ID STATE STARTED DURATION RUNBOOK" "runs: header"
expect_eq "$(sed 1d <<<"$out" | awk '{print $1}' | tr '\n' ' ')" \
  "broken-20261122-150000 $TORN $ASK $MANUAL $DECIDED $PAUSED $DOUBT $APPROVED $GATE $FAILED $FLIP $OK empty-20261122-050000 " \
  "runs: newest first (by start time; by the ID's time without one), README skipped"
expect_match "$(line_of "$out" "^$OK ")" "^$OK +succeeded +2026-11-22 06:00:00 +2m14s +Deploy web v2 \(runbooks/web-deploy.rbk\)$" \
  "runs: succeeded run with start, duration, title and path"
expect_match "$(line_of "$out" "^$FAILED ")" " failed +2026-11-22 07:00:00 +1m11s " "runs: failed run"
expect_match "$(line_of "$out" "^$GATE ")" " waiting: approval by lead \(Jane Doe\) " "runs: waiting at approval, by whom"
expect_match "$(line_of "$out" "^$MANUAL ")" " waiting: confirmation by lead \(Jane Doe\) " "runs: waiting at manual"
expect_match "$(line_of "$out" "^$APPROVED ")" " waiting: resume \(approved by jane as lead\) " "runs: approved, waiting only for resume"
expect_match "$(line_of "$out" "^$DECIDED ")" " waiting: resume \(rerun chosen by bob\) " "runs: decided, waiting only for resume"
expect_match "$(line_of "$out" "^$ASK ")" " waiting: an answer " "runs: waiting at a question"
expect_match "$(line_of "$out" "^$PAUSED ")" " waiting: a decision on an in-doubt command in step migrate " "runs: waiting on an in-doubt command"
expect_match "$(line_of "$out" "^$DOUBT ")" " interrupted +2026-11-22 09:00:00 +3m " "runs: interrupted run, duration to its last record"
expect_match "$(line_of "$out" "^$TORN ")" " interrupted " "runs: torn tail: state from the records before it"
expect_match "$(line_of "$out" "^$FLIP ")" " damaged: record 4 \(line 5\) " "runs: damaged journal named"
expect_match "$(line_of "$out" "^broken-")" " unreadable: cannot open: No such file or directory " "runs: run without a journal listed as unreadable"
expect_match "$(line_of "$out" "^empty-")" " unreadable: the journal is empty " "runs: empty journal listed as unreadable"

r runs --ids
expect_eq "$rc" 0 "runs --ids: exit 0"
expect_eq "$(tr '\n' ' ' <<<"$out")" \
  "broken-20261122-150000 $FLIP $TORN $ASK $MANUAL $DECIDED $PAUSED $DOUBT $APPROVED $GATE $FAILED $OK empty-20261122-050000 " \
  "runs --ids: only IDs, newest first by the time in the ID"

r runs --format json
expect_eq "$rc" 0 "runs --format json: exit 0"
jq -e '.format_version == 1 and (.runs | length) == 13 and all(.runs[]; has("run") and has("dir") and has("runbook") and has("title")
       and has("outcome") and has("summary") and has("started") and has("duration"))' <<<"$out" >/dev/null
ok $? "runs json: 13 runs, each with every field"
jq -e --arg ok "$OK" --arg gate "$GATE" --arg flip "$FLIP" '.runs |
  (map(select(.run == $ok))[0] | .outcome == "succeeded" and .title == "Deploy web v2"
     and .runbook == "runbooks/web-deploy.rbk" and .started == "2026-11-22T06:00:00.000Z" and .duration == 134.27)
  and (map(select(.run == $gate))[0] | .outcome == "waiting" and .summary == "waiting: approval by lead (Jane Doe)")
  and (map(select(.run == $flip))[0] | .outcome == "damaged")
  and (map(select(.run == "broken-20261122-150000"))[0] | .outcome == "unreadable" and .started == null and .duration == null)' \
  <<<"$out" >/dev/null
ok $? "runs json: states, times and durations"

RBK_STATE_DIR=$T/nowhere r runs --state "$S" --format=json
expect_eq "$(jq '.runs | length' <<<"$out")" 13 "runs --state DIR overrides RBK_STATE_DIR"
RBK_STATE_DIR=$T/nowhere r runs --format json
expect_eq "$rc:$(jq -c .runs <<<"$out")" "0:[]" "runs json with no state directory: no runs"
RBK_STATE_DIR=$T/nowhere r runs
expect_eq "$rc:$out" "0:" "runs text with no state directory: nothing on stdout"
expect_match "$err" "no runs in $T/nowhere" "runs: says there are no runs"
(cd "$T" && mkdir -p cwd/.rbk && cp -r "$S/runs" cwd/.rbk/ && cd cwd && RBK_STATE_DIR='' timeout 20 "$RBK" runs --ids) >"$T/ids" 2>&1
expect_eq "$(wc -l <"$T/ids" | tr -d ' ')" 13 "runs: ./.rbk without RBK_STATE_DIR"

# ---- rbk status ----------------------------------------------------------
r status "$OK"
expect_eq "$rc" 0 "status succeeded: exit 0"
expect_eq "$(sed -n '1,7p' <<<"$out")" "Run       $OK
Runbook   Deploy web v2 (runbooks/web-deploy.rbk)
Operator  alice
Host      ops-01
Started   2026-11-22 06:00:00
Duration  2m14s
State     succeeded" "status: header"
expect_eq "$(grep -E '^ +[0-9]+  ' <<<"$out" | tr -s ' ')" " 1 drain ok 1 2.53s
 2 deploy ok 1 2m11s
 3 enable ok 1 1.02s" "status succeeded: every step ok with attempts and duration"
expect_eq "$(grep -c 'To continue' <<<"$out")" 0 "status succeeded: nothing to continue"

r status "$FAILED"
expect_eq "$rc" 0 "status failed: exit 0"
expect_match "$out" $'\nState     failed\n' "status failed: state"
expect_eq "$(grep -E '^ +[0-9]+  |error:' <<<"$out" | tr -s ' ')" " 1 drain ok 1 1.02s
 2 deploy failed 2 1m10s
 error: verify failed: the new version is not live
 3 enable pending" "status failed: failed step with 2 attempts and its error, later step pending"

r status "$GATE"
expect_eq "$rc" 0 "status waiting: exit 0"
expect_match "$out" $'\nState     waiting: approval by lead \\(Jane Doe\\)\n' "status approve: state"
expect_match "$(grep -E '^ +2  ' <<<"$out")" "deploy +running +1$" "status approve: the step at the gate is running"
expect_match "$(grep -E '^ +3  ' <<<"$out")" "enable +pending$" "status approve: the next step is pending"
expect_match "$out" $'Waiting for lead \\(Jane Doe\\) to approve:\n  Deploy v2 to production\n' \
  "status approve: what it waits for, role and person"
expect_match "$out" $'To continue:\n  rbk approve '"$GATE"$' --as lead\n  rbk resume '"$GATE"'$' \
  "status approve: the exact commands to continue"

r status "$APPROVED"
expect_match "$out" $'\nState     waiting: resume \\(approved by jane as lead\\)\n' "status approved: state"
expect_match "$out" $'Approved by jane as lead at 2026-11-22 08:41:00, note "looks good":\n  Deploy v2 to production' \
  "status approved: who approved, when, the note"
expect_match "$out" $'To continue:\n  rbk resume '"$APPROVED"'$' "status approved: only rbk resume is left"
r status "$APPROVED" --format json
jq -e '.waiting.answered.by == "jane" and .waiting.answered.role == "lead" and .waiting.answered.result == true
  and .waiting.answered.note == "looks good" and (.continue | length) == 1' <<<"$out" >/dev/null
ok $? "status json approved: the answer"
r status "$DECIDED"
expect_match "$out" $'Rerun chosen by bob at 2026-11-22 10:45:00:\n  sqlite3 data/portal.db < migrate.sql' "status decided: the decision"
expect_match "$out" $'To continue:\n  rbk resume '"$DECIDED"'$' "status decided: only rbk resume is left"

r status "$MANUAL"
expect_match "$out" $'Waiting for lead \\(Jane Doe\\) to confirm that this is done:\n  Call the bridge: "Backout invoked. All team members standby."' \
  "status manual: text, role and person (gate_wait without paused)"
expect_match "$out" $'To continue:\n  rbk confirm '"$MANUAL"$'\n  rbk resume '"$MANUAL"'$' "status manual: rbk confirm, then resume"

r status "$ASK"
expect_match "$out" $'Waiting for a person to answer yes or no:\n  Is the portal serving\\?' "status ask: the question, no role"
expect_match "$out" "rbk answer $ASK yes\|no"$'\n'"  rbk resume $ASK" "status ask: rbk answer yes|no, then resume"

r status "$PAUSED"
expect_eq "$rc" 0 "status in doubt: exit 0"
expect_match "$out" "State     waiting: a decision on an in-doubt command in step migrate" "status in doubt: state"
expect_match "$out" "Waiting for a decision on effect #1 in step migrate" "status in doubt: names the effect and step"
expect_match "$out" $'\n  sqlite3 data/portal.db < migrate.sql\n' "status in doubt: the effect's what"
expect_match "$out" "rbk answer $PAUSED rerun\|skip\|done"$'\n'"  rbk resume $PAUSED" "status in doubt: rbk answer rerun|skip|done, then resume"
expect_match "$(grep -E '^ +2  ' <<<"$out")" "migrate +interrupted +1 +2m55s$" "status in doubt: step interrupted"

r status "$DOUBT"
expect_match "$out" $'\nState     interrupted\n' "status interrupted: state"
expect_match "$out" "Interrupted by SIGTERM" "status interrupted: the signal"
expect_match "$out" $'In doubt: effect #1 in step migrate started but its end was never recorded:\n  sqlite3 data/portal.db < migrate.sql' \
  "status interrupted: the in-doubt command"
expect_match "$(grep -E '^ +2  ' <<<"$out")" "migrate +interrupted +1$" "status interrupted: a started step without an end is interrupted"
expect_match "$out" $'To continue:\n  rbk resume '"$DOUBT"'$' "status interrupted: rbk resume"

r status "$TORN"
expect_eq "$rc" 0 "status torn: exit 0 (a torn tail is what a crash leaves)"
expect_match "$out" "Journal   torn last record at line 4" "status torn: the torn record is noted"

r status "$FLIP"
expect_eq "$rc" 1 "status damaged: exit 1"
expect_match "$out" "State     damaged: record 4 \(line 5\)" "status damaged: state"
expect_eq "$(grep -c 'rbk resume' <<<"$out")" 0 "status damaged: does not suggest resume"

r status broken-20261122-150000
expect_eq "$rc" 1 "status without a journal: exit 1"
expect_match "$err" "cannot open: No such file or directory" "status without a journal: says why"

r status "$GATE" --format json
expect_eq "$rc" 0 "status json: exit 0"
jq -e --arg id "$GATE" '.format_version == 1 and .run == $id and .runbook == "runbooks/web-deploy.rbk" and .title == "Deploy web v2"
  and .operator == "alice" and .host == "ops-01" and .started == "2026-11-22T08:00:00.000Z"
  and .outcome == "waiting" and .journal.intact == true and .journal.records == 8
  and (.steps | map(.name + ":" + .outcome) == ["drain:ok", "deploy:running", "enable:pending"])
  and .steps[0].attempts == 1 and .steps[0].duration == 2.02
  and .waiting.for == "gate" and .waiting.gate == "approve" and .waiting.role == "lead"
  and .waiting.person == "Jane Doe" and .waiting.text == "Deploy v2 to production"
  and .waiting.step == "deploy" and .waiting.answered == null
  and .continue == ["rbk approve \($id) --as lead", "rbk resume \($id)"]' <<<"$out" >/dev/null
ok $? "status json: header, steps, waiting and continue"
r status "$PAUSED" --format json
jq -e '.waiting.for == "in_doubt" and .waiting.what == "sqlite3 data/portal.db < migrate.sql"
  and .waiting.n == 1 and .in_doubt.step == "migrate" and (.continue | length) == 2' <<<"$out" >/dev/null
ok $? "status json: in-doubt effect"
r status "$OK" --format=json
jq -e '.outcome == "succeeded" and .duration == 134.27 and .waiting == null and .continue == []
  and ([.steps[].outcome] == ["ok", "ok", "ok"])' <<<"$out" >/dev/null
ok $? "status json: finished run"
r status "$FLIP" --format json
expect_eq "$rc" 1 "status json damaged: exit 1"
jq -e '.outcome == "damaged" and .journal.damaged == true and .journal.records == 4' <<<"$out" >/dev/null
ok $? "status json damaged: journal problem reported"

r status "$S/runs/$GATE"
expect_match "$out" "rbk approve $S/runs/$GATE --as lead" "status by path: continue commands name the path"
RBK_STATE_DIR=$T/nowhere r status --state "$S" "$GATE"
expect_match "$out" "rbk approve $S/runs/$GATE --as lead" "status --state: continue commands name the run directory"

r status no-such-run
expect_eq "$rc" 2 "status of an unknown run: exit 2"
expect_match "$err" "no run 'no-such-run' in $S" "status of an unknown run: says where it looked"
RBK_STATE_DIR=$T/nowhere r status
expect_eq "$rc" 2 "status without RUN, and no runs at all: exit 2"
expect_match "$err" "no RUN given, and there is no run in $T/nowhere" "status without RUN and no runs: says so"
r status "$OK" --bogus
expect_eq "$rc" 2 "status with an unknown option: exit 2"
r status "$OK" "$GATE"
expect_eq "$rc" 2 "status with two runs: exit 2"
r status --format yaml "$OK"
expect_eq "$rc" 2 "status with a bad format: exit 2"

# ---- rbk log -------------------------------------------------------------
r log "$OK"
expect_eq "$rc" 0 "log: exit 0"
expect_eq "$(wc -l <<<"$out" | tr -d ' ')" 18 "log: one line per record"
expect_match "$(sed -n 1p <<<"$out")" "^ 0  2026-11-22 06:00:00.000  run_start +Deploy web v2 \(runbooks/web-deploy.rbk\) by alice on ops-01" "log: seq, time, type, run_start"
expect_match "$out" "effect_start +#2 cmd in deploy: bin/deploy --version 2.0 --token \*\*\*" "log: a command (secrets as journaled: ***)"
expect_match "$out" "effect_end +#2 exit 0 in 1m3s" "log: a command's exit status and duration"
expect_match "$out" "effect_end +#1 gate by Jane Doe, note \"go ahead\" -> true" "log: a gate with who and note"
expect_match "$out" "step_end +deploy ok in 2m11s, 1 attempt" "log: step end with state"
expect_match "$out" "run_end +succeeded in 2m14s" "log: run end"
r log "$FAILED"
expect_match "$out" "effect_end +#1 exit 1 in 30s; err \"\\\\u001b\[31mconnection refused\\\\n\"" "log: a failed command with its stderr"
expect_eq "$(printf '%s' "$out" | grep -c $'\033')" 0 "log: a terminal escape in a command's output is not printed raw"
expect_match "$out" "verify +deploy FAILED: version == \"2.0\"; left \"1.9\", right \"2.0\"" "log: a failed verify with left and right"
r log "$GATE"
expect_match "$out" "gate_wait +#1 approve \"Deploy v2 to production\", waiting for lead \(Jane Doe\)" "log: gate_wait"
r log "$PAUSED"
expect_match "$out" "resume +by bob, pid 5151" "log: resume"
expect_match "$out" "interrupted +by SIGTERM" "log: interrupted"

r log "$OK" --format json
expect_eq "$rc" 0 "log json: exit 0"
jq -e --arg id "$OK" '.format_version == 1 and .run == $id and (.records | length) == 18
  and .records[0].type == "run_start" and .records[17].type == "run_end"
  and ([.records[].seq] == [range(0; 18)]) and all(.records[]; has("prev") and has("time"))' <<<"$out" >/dev/null
ok $? "log json: an object with the records as an array"
expect_eq "$(jq -c '.records[]' <<<"$out")" "$(jq -c . "$S/runs/$OK/journal.jsonl")" "log json: exactly the journal's records"

r log "$TORN"
expect_eq "$rc:$(wc -l <<<"$out" | tr -d ' ')" "0:3" "log torn: exit 0, the 3 records before the torn one"
expect_match "$err" "torn last record at line 4" "log torn: noted on stderr"
r log "$FLIP"
expect_eq "$rc:$(wc -l <<<"$out" | tr -d ' ')" "1:4" "log damaged: exit 1, the records before the damage"
expect_match "$err" "journal damaged at record 4 \(line 5\)" "log damaged: named on stderr"

r log "$OK" --verify
expect_eq "$rc:$out" "0:journal intact: 18 records, chain verified" "log --verify: intact"
r log --verify "$FLIP"
expect_eq "$rc" 1 "log --verify: a changed byte: exit 1"
expect_match "$out" "^journal damaged at record 4 \(line 5\): prev is not the SHA-256 of record 3" "log --verify: names the record after the changed one"
r log "$TORN" --verify
expect_eq "$rc" 1 "log --verify: torn: exit 1"
expect_match "$out" "^torn last record at line 4: the last line has no final newline" "log --verify: torn last record reported"
r log "$OK" --verify --format json
jq -e --arg id "$OK" '.format_version == 1 and .run == $id and .intact == true and .records == 18' <<<"$out" >/dev/null
ok $? "log --verify json: intact"
r log "$FLIP" --verify --format json
jq -e '.intact == false and .torn == false and .record == 4 and .line == 5 and (.reason | test("prev"))' <<<"$out" >/dev/null
ok $? "log --verify json: damaged"
r log "$TORN" --verify --format json
jq -e '.intact == false and .torn == true and .line == 4 and .records == 3' <<<"$out" >/dev/null
ok $? "log --verify json: torn"
r log broken-20261122-150000 --verify
expect_eq "$rc" 1 "log --verify without a journal: exit 1"
r log no-such-run --verify
expect_eq "$rc" 2 "log of an unknown run: exit 2"

# ---- a run being executed --------------------------------------------------
sleep 60 &
live=$!
tests/fixtures/journals/make.sh "$T/live" "$live"
LIVE=web-deploy-20261122-160000
RBK_STATE_DIR=$T/live r runs
expect_match "$(line_of "$out" "^$LIVE ")" "^$LIVE +running " "runs: a run whose process holds its lock is running"
RBK_STATE_DIR=$T/live r status "$LIVE"
expect_match "$out" "Being executed by process $live" "status: names the process executing the run"
expect_eq "$(grep -c 'rbk resume' <<<"$out")" 0 "status of a running run: does not suggest resume"
kill "$live"
wait "$live" 2>/dev/null
RBK_STATE_DIR=$T/live r status "$LIVE" --format json
jq -e '.outcome == "interrupted" and .in_doubt.what == "bin/lb drain portal"' <<<"$out" >/dev/null
ok $? "status: once that process is gone, the run is interrupted with its command in doubt"

# ---- help ----------------------------------------------------------------
for c in runs status log; do
  r "$c" --help
  expect_match "$rc:$out" "^0:Usage: rbk $c" "$c --help"
  expect_match "$out" "Exit status:" "$c --help documents the exit status"
done

# ---- nothing was changed -------------------------------------------------
after=$(snapshot)
expect_eq "$after" "$before" "no command changed, created or removed a file in the state directory"
expect_eq "$(find "$S" -name 'journal.torn-*' | wc -l | tr -d ' ')" 0 "no torn tail was set aside"

done_testing
