#!/bin/bash
# tests/e2e/hold_sample.sh -- `hold COND for D every D`, sample(EXPR, for
# D, every D), min/max/avg/p, and a timed-out `wait until` showing the
# last values it saw. Real commands, real files changed by background
# processes, a real kill -9 and resume. A window that would not end
# within the test's timeout proves that a hold failed early.
set -u
top=${RBK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/e2e/lib.bash"
T=$(tmpdir)
bgs=()
cleanup() {
  local p
  for p in "${bgs[@]}"; do kill "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT
export RBK_STATE_DIR="$T/state" NO_COLOR=1
rbk() { rbk_at_T "$@"; }
logs() { grep '^  log: ' <<<"$out" | sed 's/^  log: //'; }
journal() { ls -t "$T"/state/runs/*/journal.jsonl | head -1; }

# ---- a hold that holds -----------------------------------------------------
cat >"$T/steady.rbk" <<'EOF'
runbook "Steady" {
  param win = 10m
  probe state = sh("cat svc")
  step deploy {
    run "echo up > svc"
    hold probe("state") == "up" for win every 100ms "the service stays up"
    log "held for ${win}"
  }
}
EOF
rbk run --new --param win=700ms steady.rbk
expect_eq "$rc" 0 "a hold whose condition stays true lets the step succeed (exit 0)"
expect_match "$(logs)" '^held for 700ms$' "the statement after the hold runs; the window comes from --param"
j=$(journal)
expect_eq "$(jq -r 'select(.type=="effect_start" and .kind=="verify") | .what' "$j")" 'probe("state") == "up"' \
  "the hold's outcome is journaled once, as a verify of its condition"
expect_eq "$(jq -c 'select(.type=="effect_end" and has("left")) | [.result, .left, .right]' "$j")" '[true,"up","up"]' \
  "with the values it saw last"
n=$(jq -r 'select(.type=="effect_start" and .kind=="cmd") | .what' "$j" | grep -c 'cat svc')
ok "$([ "$n" -ge 3 ]; echo $?)" "the condition's command ran again every interval ($n times)"

# ---- a probe that breaks mid-hold -------------------------------------------
cat >"$T/breaks.rbk" <<'EOF'
runbook "Breaks" {
  probe state = sh("cat svc")
  step watch {
    run "echo up > svc && touch watching"
    hold probe("state") == "up" for 10m every 100ms "the service stays up"
    log "not reached"
  }
}
EOF
rm -f "$T/watching"
(cd "$T" && wait_file watching && sleep 0.5 && echo down >svc.tmp && mv svc.tmp svc) &
bgs+=($!)
rbk run --new breaks.rbk
expect_eq "$rc" 1 "a hold that breaks fails the run (exit 1), long before its 10m window"
expect_match "$err" '^breaks\.rbk:5:10: error: hold failed: the service stays up$' "the error names the hold's message, at its condition"
expect_match "$err" '^  condition: probe\("state"\) == "up"$' "and shows the condition"
expect_match "$err" '^  left:  "down"$' "and the value that broke it (left)"
expect_match "$err" '^  right: "up"$' "and the other side (right)"
expect_match "$err" '   \|          \^~~~' "the caret is under the condition"
ok "$(grep -q 'not reached' <<<"$out"; [ $? -ne 0 ]; echo $?)" "nothing after a broken hold runs"
expect_eq "$(jq -c 'select(.type=="effect_end" and has("left")) | [.result, .left]' "$(journal)")" '[false,"down"]' \
  "the broken hold's outcome is journaled with the value that broke it"

# ---- a condition that is no comparison shows its value ----------------------
cat >"$T/flag.rbk" <<'EOF'
runbook "Flag" {
  step s {
    run "touch ok-flag && touch flagged"
    hold exists("ok-flag") for 10m every 100ms
  }
}
EOF
rm -f "$T/flagged"
(cd "$T" && wait_file flagged && sleep 0.3 && rm -f ok-flag) &
bgs+=($!)
rbk run --new flag.rbk
expect_eq "$rc" 1 "a hold on a file that disappears fails"
expect_match "$err" '^flag\.rbk:4:10: error: hold failed: exists\("ok-flag"\)$' "without a message, the error names the condition"
expect_match "$err" '^  value: false$' "and shows its value"

# ---- lint: a hold is the step's check ----------------------------------------
cat >"$T/lint.rbk" <<'EOF'
runbook "Lint" {
  step restart {
    run "systemctl restart portal"
    hold http_status("http://127.0.0.1:9/") == 200 for 1m every 5s
  }
  step unchecked {
    run "systemctl restart portal"
  }
}
EOF
rbk lint lint.rbk
ok "$(grep -q "step 'restart'.*no-verify\|restart.*\[no-verify\]" <<<"$all"; [ $? -ne 0 ]; echo $?)" "lint: no-verify does not fire on a step checked by a hold"
expect_match "$all" "step 'unchecked'.*\[no-verify\]" "lint: it still fires on a step with no check"

# ---- fmt keeps both forms ------------------------------------------------------
cat >"$T/fmt.rbk" <<'EOF'
runbook "Fmt" {
  step s {
    hold  1 ==   1 for 1s   every 100ms  "m"
    let xs = sample( now(),for 1s ,every 100ms )
  }
}
EOF
rbk fmt fmt.rbk
expect_match "$out" '^    hold 1 == 1 for 1s every 100ms "m"$' "fmt: hold"
expect_match "$out" '^    let xs = sample\(now\(\), for 1s, every 100ms\)$' "fmt: sample"

# ---- sample and the statistics ---------------------------------------------------
# The sampled command counts its own calls: each value is the number of
# calls before it, so the list is 0, 1, 2, ... whatever the timing.
cat >"$T/sample.rbk" <<'EOF'
runbook "Sample" {
  param base = 100
  step s {
    run "echo 0 > counter"
    let xs = sample(num(sh("n=$(cat counter); echo $((n + 1)) > counter; echo $n")), for 600ms, every 100ms)
    let n = len(xs)
    log "n=${n} first=${xs[0]} min=${min(xs)} max=${max(xs)} sum-ok=${avg(xs) == (n - 1) / 2}"
    verify max(xs) == n - 1
    verify p(xs, 100) == max(xs) and p(xs, 0) == 0
    verify avg(sample(101, for 300ms, every 100ms)) <= base * 1.1 "within 10% of the baseline"
    let ds = [3s, 1s, 2m]
    log "durations: ${min(ds)} ${max(ds)} ${avg([1s, 2s])} ${p(ds, 50)}"
    log "p: ${p([12, 15, 11, 90, 14, 13, 12, 16, 15, 13], 95)} ${p([12, 15, 11, 90, 14, 13, 12, 16, 15, 13], 50)} ${p(range(1, 21), 95)}"
  }
}
EOF
rbk run --new sample.rbk
expect_eq "$rc" 0 "sample: the run succeeds"
expect_match "$(logs)" '^n=[0-9]+ first=0 min=0 max=[0-9]+ sum-ok=true$' "sample: EXPR is evaluated again each time (0, 1, 2, ...)"
n=$(logs | sed -n 's/^n=\([0-9]*\) .*/\1/p')
ok "$([ "${n:-0}" -ge 3 ]; echo $?)" "sample: at least 3 values over 600ms every 100ms ($n)"
expect_match "$(logs)" '^durations: 1s 2m 1.5s 3s$' "min, max, avg and p keep durations"
expect_match "$(logs)" '^p: 90 13 19$' "p is by nearest rank (95th of 10 items is the largest; of 1..20 it is 19)"

# ---- statistics' errors, located at the call ----------------------------------------
for c in 'p([], 95)|p(): the list is empty' 'avg([1, "2"])|avg(): item 2 is a string, not a number' \
         'min([1, 2s])|min(): item 2 is a duration, item 1 a number' 'p([1], 101)|p(): the percentile must be from 0 to 100' \
         'max(run("echo 5").out)|max(): argument 1 must be a list'; do
  expr=${c%%|*} want=${c#*|}
  printf 'runbook "E" {\n  step s {\n    log %s\n  }\n}\n' "$expr" >"$T/e.rbk"
  rbk run --new e.rbk
  expect_match "$err" "^e\.rbk:3:9: error: $(sed 's/[][()]/\\&/g' <<<"$want")" "error at the call: $expr"
done

# ---- wait until shows the last value it saw ----------------------------------------
cat >"$T/wait.rbk" <<'EOF'
runbook "Wait" {
  step s {
    run "echo starting > svc"
    wait until sh("cat svc") == "ready" every 100ms timeout 500ms
  }
  step t {
    wait until exists("never") every 100ms timeout 300ms
  }
}
EOF
rbk run --new wait.rbk
expect_eq "$rc" 1 "a wait that times out fails"
expect_match "$err" '^wait\.rbk:4:5: error: timed out waiting for the condition: sh\("cat svc"\) == "ready"$' "the timeout names the condition, at the wait"
expect_match "$err" '^  left:  "starting"$' "and shows the last value it saw"
expect_match "$err" '^  right: "ready"$' "and the other side"
rbk run --new --from t wait.rbk
expect_match "$err" '^  value: false$' "a wait on a non-comparison shows the condition's last value"

# ---- durations must be positive at run time ----------------------------------------
printf 'runbook "Z" {\n  param gap = 0s\n  step s {\n    hold true for 1s every gap\n  }\n}\n' >"$T/z.rbk"
rbk run --new z.rbk
expect_match "$err" "'every' needs a duration above 0s" "hold: every 0s is refused at run time"

# ---- a hold cut by a crash is watched again from the start at resume -----------------
cat >"$T/resume.rbk" <<'EOF'
runbook "Resume" {
  step a {
    run "touch started"
    hold not exists("broken") for 6s every 100ms
    log "held"
  }
}
EOF
rm -f "$T/started" "$T/broken"
(cd "$T" && exec "$RBK" run --new resume.rbk </dev/null >/dev/null 2>&1) &
pid=$!
bgs+=($pid)
(cd "$T" && wait_file started); sleep 1
kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
run=$(ls "$T/state/runs" | grep '^resume-' | head -1)
ok "$([ -n "$run" ]; echo $?)" "resume: the run was killed during its hold"
# Its 6s window is over before the resume: a resumed hold that went by the
# journal's clock would pass at once. Watched again, it sees the break.
sleep 6
(sleep 1.5; touch "$T/broken") &
bgs+=($!)
out=$(cd "$T" && timeout 60 "$RBK" resume "$run" 2>&1 </dev/null); rc=$?
expect_eq "$rc" 1 "resume: the resumed hold watches a whole window again and sees the break"
expect_match "$out" 'hold failed: not exists\("broken"\)' "resume: the break is reported"
ok "$(grep -q '^  log: held' <<<"$out"; [ $? -ne 0 ]; echo $?)" "resume: the step does not go on"
expect_match "$out" 'effects? replayed from the journal' "resume: the turns before the crash were replayed"
expect_eq "$(verify_chain "$(journal)" | grep -c '^[0-9]*$')" 1 "resume: the journal's chain holds"

[ -s "$T/.crashes" ] && cat "$T/.crashes" | sed 's/^/# /'
ok "$([ ! -s "$T/.crashes" ]; echo $?)" "no crash, no sanitizer report"
done_testing
