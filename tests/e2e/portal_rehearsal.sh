#!/bin/bash
# tests/e2e/portal_rehearsal.sh -- seed 001 rehearsed for real, against the
# Customer Portal sandbox of examples/portal (a SQLite database, files, a
# load balancer stand-in, an HTTP server on 127.0.0.1):
#  (a) roll out v2.0 (release-2.0.rbk) -> rbk watch sees a critical
#      trigger and starts backout.rbk -> the backout is taken to its end
#      -> the sandbox is what it was: the same row counts, database dump,
#      file checksums, configurations and version; then roll out again,
#      and undo that roll-out step by step (rbk undo): the same again
#  (b) the same, rbk SIGKILLed in the middle of the roll-out (just after
#      the migration ran, before its end was journaled), resumed: the
#      idempotent step re-runs the migration by itself
#  (c) the same, rbk SIGKILLed in the middle of the backout (just after
#      the database restore), resumed: the restore is in doubt, a person
#      answers rerun
#  (d) rbk plan gives seed 001's procedure table; rbk lint passes both
#      runbooks
# The kill is deterministic: a sqlite3 stand-in on PATH runs the real
# sqlite3 and then SIGKILLs the rbk process above it, once, when its
# arguments match KILL_AT. Gates are answered by examples/portal/drive
# (rbk approve/confirm/answer, then rbk resume), as `make run` does.
# No sleep synchronises anything and nothing is timed.
set -u
source tests/e2e/lib.bash
: "${RBK:?set RBK to the rbk binary}"
T=$(tmpdir)
# A copy of examples/portal: release-2.0.rbk reads the lead's key from its
# sandbox/keys, so each sandbox of this test is linked there (fresh).
EX=$T/portal
mkdir -p "$EX" && (cd "$RBK_TOP/examples/portal" && tar cf - --exclude=./sandbox --exclude=./out .) | (cd "$EX" && tar xf -)
stop_all() {
  local r
  for r in "$T"/sandbox-*; do [ -x "$r/bin/portalctl" ] && "$r/bin/portalctl" stop >/dev/null 2>&1; done
  rm -rf "$T"
}
trap stop_all EXIT
export PORTAL_RELEASE=$EX/release-2.0
unset PORTAL_URL RBK_STATE_DIR KILL_AT

# The sqlite3 stand-in that kills rbk (see the header).
mkdir -p "$T/killbin"
cat > "$T/killbin/sqlite3" <<EOF
#!/bin/sh
$(command -v sqlite3) "\$@"
rc=\$?
if [ -n "\${KILL_AT:-}" ] && [ ! -e "$T/killed" ]; then
  for a in "\$@"; do
    case \$a in
      *"\$KILL_AT"*)
        p=\$PPID
        while [ "\$p" -gt 1 ] && [ "\$(cat /proc/\$p/comm)" != rbk ]; do
          p=\$(sed 's/.*) [A-Za-z] \([0-9]*\) .*/\1/' /proc/\$p/stat)
        done
        [ "\$p" -gt 1 ] && echo "\$p" > "$T/killed" && kill -KILL "\$p"
        break ;;
    esac
  done
fi
exit \$rc
EOF
chmod +x "$T/killbin/sqlite3"

# fresh NAME: a new sandbox, its environment, and its fingerprint before
fresh() {
  export PORTAL_ROOT=$T/sandbox-$1
  "$EX/setup" >"$T/$1.setup" 2>&1
  ok $? "($1) setup builds the sandbox from nothing"
  ln -sfn "$PORTAL_ROOT" "$EX/sandbox"
  # shellcheck source=/dev/null
  . "$PORTAL_ROOT/env.sh"
  LOG=$T/$1.log
  before=$("$PORTAL_ROOT/bin/fingerprint")
}
fp() { "$PORTAL_ROOT/bin/fingerprint" "$1"; }
db() { sqlite3 "$PORTAL_ROOT/data/portal.db" "$1"; }
latest() { cat "$RBK_STATE_DIR/latest/$1"; }
journal() { cat "$RBK_STATE_DIR/runs/$1/journal.jsonl"; }
drive() { "$EX/drive" "$RBK" "$1" "$LOG" >>"$LOG" 2>&1; }
# verified RUN STEP CONDITION: "LEFT = RIGHT" of that verify, as journaled
verified() {
  journal "$1" | jq -s -r --arg step "$2" --arg what "$3" '
    [.[] | select(.type == "effect_start" and .kind == "verify" and .step == $step and .what == $what) | .n] as $ns
    | .[] | select(.type == "effect_end" and (.n as $n | $ns | index($n))) | "\(.left) = \(.right)"'
}

# rollout TAG: the roll-out, every approval given, to its end
rollout() {
  "$RBK" run --new "$EX/release-2.0.rbk" >>"$LOG" 2>&1
  rel=$(latest release-2.0)
  drive "$rel"; expect_eq $? 0 "($1) the roll-out succeeds ($rel)"
  rolled_out "$1"
}
rolled_out() {
  expect_eq "$(fp version):$(fp app_version):$(fp served):$(fp lb)" "2.0:2.0:2.0:enabled" \
    "($1) v2.0 is live: database, files and server at 2.0, traffic enabled"
  expect_eq "$(db 'SELECT count(*) FROM customer_logins')" "$(db 'SELECT count(*) FROM customers')" \
    "($1) the data migration gave every customer a login"
}
# restored TAG: the sandbox is what it was before the roll-out
restored() {
  local after
  after=$("$PORTAL_ROOT/bin/fingerprint")
  expect_eq "$after" "$before" "($1) the fingerprint is the one from before the roll-out"
  expect_eq "$(db 'SELECT count(*) FROM customers'):$(db 'SELECT count(*) FROM orders')" "250:600" \
    "($1) row counts: 250 customers, 600 orders, as set up"
  expect_eq "$(db 'SELECT version FROM system_info')" "1.9" "($1) system_info says 1.9"
  expect_eq "$(db "SELECT count(*) FROM sqlite_master WHERE name = 'customer_logins'")" 0 "($1) the v2.0 table is gone"
  expect_eq "$(sha256sum < "$PORTAL_ROOT/config/portal.conf")" "$(sha256sum < "$EX/v1.9/portal.conf")" \
    "($1) the configuration is v1.9's, byte for byte"
  diff -r "$EX/v1.9/app" "$PORTAL_ROOT/app/current" >/dev/null
  ok $? "($1) the application files are v1.9's (diff -r)"
  expect_eq "$(curl -fsS "$PORTAL_URL/version")" "1.9" "($1) the portal serves 1.9 again"
}

# ---- (a) roll out, watch, back out, roll out again -----------------------
fresh a
expect_eq "$(fp customers):$(fp version):$(fp served)" "250:1.9:1.9" "(a) the sandbox starts at v1.9 with 250 customers, served"
rollout a
db "INSERT INTO customers (name, email, plan, created) VALUES ('Late Signup', 'late@example.com', 'basic', '2026-06-07')"
echo 12 > "$PORTAL_ROOT/metrics/login_fail_pct"
out=$("$RBK" watch --for 1m --every 100ms "$EX/release-2.0.rbk" 2>&1); rc=$?
expect_eq "$rc" 3 "(a) rbk watch: the backout started and waits for a person (exit 3)"
expect_match "$out" 'critical "1 Login failure rate over 5%": ok -> firing \[login_fail_pct=12' "(a) seed 001's trigger 1 fired"
expect_match "$out" 'backout: rbk run [^ ]*portal/backout.rbk' "(a) and started the declared backout (on critical run)"
bo=$(latest backout)
expect_match "$(journal "$bo")" '"type":"gate_wait","n":[0-9]+,"gate":"ask","text":"Were the backout scripts tested in staging\?"' \
  "(a) the backout ($bo) waits at the first pre-backout requirement"
drive "$bo"; expect_eq $? 0 "(a) the backout succeeds once its gates are answered"
expect_eq "$(journal "$bo" | jq -c 'select(.type=="effect_end" and .role=="lead")' | wc -l)" 2 \
  "(a) the lead's two approvals (restore, resume traffic) are journaled with the role"
restored a
expect_eq "$(verified "$bo" verify_health 'count_rows(db, "customers") == baseline("customers")')" "250 = 250" \
  "(a) step 9 checked the customer count against the roll-out's baseline (the sign-up made on v2.0 is gone)"
expect_eq "$(verified "$bo" verify_health 'sql_value(db, "SELECT version FROM system_info") == baseline("version")')" "1.9 = 1.9" \
  "(a) and the version"
echo 0 > "$PORTAL_ROOT/metrics/login_fail_pct"
rollout a-again
# The roll-out's own way back: every step's undo, last first.
out=$("$RBK" undo "$rel" 2>&1); rc=$?
expect_eq "$rc" 0 "(a-undo) rbk undo of the second roll-out needs no consent: every step has an undo block"
restored a-undo

# ---- (b) killed in the middle of the roll-out ----------------------------
fresh b
"$RBK" run --new "$EX/release-2.0.rbk" >>"$LOG" 2>&1
rel=$(latest release-2.0)
PATH=$T/killbin:$PATH KILL_AT=migrate.sql drive "$rel"; rc=$?
expect_eq "$rc" 137 "(b) rbk was SIGKILLed while the migration ran (drive saw 137)"
ok $([ -s "$T/killed" ]; echo $?) "(b) by the sqlite3 stand-in, after the migration did its work"
expect_eq "$("$RBK" status "$rel" --format json | jq -r .outcome)" interrupted "(b) the run is interrupted"
expect_eq "$(fp version)" "2.0" "(b) the database was migrated, though the journal never heard of it"
drive "$rel"; expect_eq $? 0 "(b) resumed, the roll-out finishes"
expect_match "$(journal "$rel" | jq -c 'select(.type=="decision")')" '"choice":"rerun".*idempotent' \
  "(b) the in-doubt migration was re-run because its step is idempotent"
expect_eq "$(journal "$rel" | jq -c 'select(.type=="effect_start" and .kind=="cmd" and (.what | test("migrate.sql")))' | wc -l)" 2 \
  "(b) the migration command ran twice (the guarded script changed nothing the second time)"
rolled_out b
"$RBK" run --new "$EX/backout.rbk" >>"$LOG" 2>&1
drive "$(latest backout)"; expect_eq $? 0 "(b) the backout succeeds"
restored b
rm -f "$T/killed"
rollout b-again

# ---- (c) killed in the middle of the backout -----------------------------
fresh c
rollout c
"$RBK" run --new "$EX/backout.rbk" >>"$LOG" 2>&1
bo=$(latest backout)
PATH=$T/killbin:$PATH KILL_AT=.restore drive "$bo"; rc=$?
expect_eq "$rc" 137 "(c) rbk was SIGKILLed in step 5, just after the database restore"
expect_eq "$(fp version):$(fp app_version)" "1.9:2.0" "(c) the database is restored, the application not yet"
drive "$bo"; rc=$?
expect_eq "$rc" 3 "(c) resumed, the backout stops: the restore is in doubt (step 5 is not idempotent)"
st=$("$RBK" status "$bo" --format json)
expect_eq "$(jq -r '.waiting.for + " " + .in_doubt.step' <<<"$st")" "in_doubt restore_db" "(c) rbk status names the in-doubt effect and its step"
expect_match "$(jq -r .in_doubt.what <<<"$st")" '\.restore' "(c) it is the restore command"
"$RBK" answer "$bo" rerun >/dev/null; ok $? "(c) a person answers: rerun"
drive "$bo"; expect_eq $? 0 "(c) the backout finishes"
expect_match "$(journal "$bo" | jq -c 'select(.type=="decision")')" '"choice":"rerun"' "(c) the decision is journaled"
restored c
rollout c-again

# ---- (d) the plan and lint -------------------------------------------------
pj=$("$RBK" plan --format json "$EX/backout.rbk")
expect_eq "$(jq -r '[.steps[] | "\(.title)/\(.owner)/\(.planned / 60)"] | join(", ")' <<<"$pj")" \
  "Announce backout to team/pm/2, Stop incoming traffic/ops/5, Notify users (if applicable)/support/5, Stop application servers/ops/5, Restore database/dba/30, Restore application/ops/15, Restore configuration/ops/10, Start application servers/ops/5, Verify system health/qa/15, Resume traffic/ops/5, Notify stakeholders/pm/5" \
  "(d) rbk plan: seed 001's 11 steps, owners and durations"
# The seed prints the total as "~100 min"; its eleven durations add up to 102.
expect_eq "$(jq .planned/60 <<<"$pj")" 102 "(d) the total is the sum of the seed's durations, 102 min (the seed rounds it to ~100)"
expect_eq "$("$RBK" plan --format json "$EX/release-2.0.rbk" | jq -r '[.steps[] | select(.undo == null or (.verifies | length) == 0) | .name] | join(",")')" "" \
  "(d) every step of the roll-out has an undo and a verify"
for f in backout release-2.0; do
  out=$("$RBK" lint "$EX/$f.rbk" 2>&1); rc=$?
  expect_eq "$rc" 0 "(d) rbk lint passes $f.rbk"
  expect_match "$out" '^rbk lint: 0 errors, 0 warnings' "(d) with no error or warning in $f.rbk"
done

# Nothing is left running: every sandbox's portal stops on request.
for r in "$T"/sandbox-*; do "$r/bin/portalctl" stop >/dev/null; done
ok $(pgrep -f "$T/sandbox-" >/dev/null; [ $? -ne 0 ]; echo $?) "no portal server of this test is left running"
done_testing
