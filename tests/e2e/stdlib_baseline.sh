#!/bin/bash
# tests/e2e/stdlib_baseline.sh -- baseline(name, value) and baseline(name)
# across runbooks (seed 001, "Expected: match pre-deployment count"): the
# roll-out records the customer count, the backout -- another runbook in
# the same state directory -- and the roll-out's own undo run check it,
# against a real SQLite database.
set -u
top=${RBK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/e2e/lib.bash"
d=$(tmpdir)
trap 'rm -rf "$d"' EXIT
cd "$d" || exit 1
unset RBK_STATE_DIR    # runbooks in one directory share .rbk/ beside them

sqlite3 portal.db "CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT);
  INSERT INTO customers(name) VALUES ('a'), ('b'), ('c'), ('d');"
cp portal.db backup.db

cat > rollout.rbk <<'EOF'
runbook "Portal v2.0 roll-out" {
  param db = "portal.db"
  step snapshot {
    let before = baseline("customers", count_rows(db, "customers"))
    log "recorded ${before}"
  }
  step migrate {
    run "sqlite3 ${db} 'DELETE FROM customers WHERE id > 2'"
    undo {
      run "cp backup.db ${db}"
      verify count_rows(db, "customers") == baseline("customers") "the undo restored the pre-deployment count"
    }
  }
}
EOF
cat > backout.rbk <<'EOF'
runbook "Portal v2.0 backout" {
  param db = "portal.db"
  step restore_db {
    run "cp backup.db ${db}"
    verify count_rows(db, "customers") == baseline("customers") "Expected: match pre-deployment count"
  }
}
EOF
out=$("$RBK" run rollout.rbk 2>&1); rc=$?
expect_eq "$rc" 0 "the roll-out records the baseline and migrates"
expect_match "$out" 'log: recorded 4$' "baseline(name, value) returns the value"
ok $([ -f .rbk/baselines.json ]; echo $?) "the baseline store is in the state directory"
expect_eq "$(stat -c %a .rbk/baselines.json)" "600" "it is mode 0600"
expect_match "$(cat .rbk/baselines.json)" '"customers":\{"value":4,"time":"[0-9T:Z-]+","runbook":"Portal v2.0 roll-out","host":' \
  "it holds the value, when, which runbook and which host"
j=$(cat .rbk/runs/rollout-*/journal.jsonl)
expect_match "$j" '"what":"baseline\(\\"customers\\", 4\)"' "the recording is journaled as an effect"
expect_eq "$(sqlite3 portal.db 'SELECT count(*) FROM customers')" "2" "the migration lost two customers"

out=$("$RBK" run backout.rbk 2>&1); rc=$?
expect_eq "$rc" 0 "the backout, another runbook, passes its check against the roll-out's baseline"
expect_eq "$(sqlite3 portal.db 'SELECT count(*) FROM customers')" "4" "the backout restored the database"
j=$(cat .rbk/runs/backout-*/journal.jsonl)
expect_match "$j" '"what":"baseline\(\\"customers\\"\)"' "the reading is journaled"
expect_match "$(grep -A1 '"what":"baseline' <<<"$j" | tail -1)" '"type":"effect_end","n":[0-9]+,"result":4' "with the value it read"

# If the count does not match, the backout says so.
sqlite3 backup.db "DELETE FROM customers WHERE id = 4"
out=$("$RBK" run --new backout.rbk 2>&1); rc=$?
expect_eq "$rc" 1 "a restore that lost a customer fails the verify"
expect_match "$out" 'verify failed: Expected: match pre-deployment count' "with the seed's words"
expect_match "$out" 'left:  3' "showing the count"
expect_match "$out" 'right: 4' "and the baseline"
sqlite3 backup.db "INSERT INTO customers(id, name) VALUES (4, 'd')"

# The roll-out's undo run reads the same baseline.
rm portal.db && cp backup.db portal.db && sqlite3 portal.db "DELETE FROM customers WHERE id > 2"
run=$(ls .rbk/runs | grep '^rollout-' | head -1)
out=$("$RBK" undo "$run" --yes 2>&1); rc=$?
expect_eq "$rc" 0 "the undo run of the roll-out passes its baseline check"
expect_match "$out" 'undo complete' "and completes"

# A later baseline replaces the earlier; other names are kept.
cat > more.rbk <<'EOF'
runbook "more" {
  step s {
    baseline("version", "1.9")
    baseline("customers", 5)
    verify baseline("version") == "1.9"
    verify baseline("customers") == 5
  }
}
EOF
out=$("$RBK" run more.rbk 2>&1); rc=$?
expect_eq "$rc" 0 "recording two names and reading them back"
expect_eq "$(grep -c '"customers"' .rbk/baselines.json)" "1" "a name is recorded once, the latest value"
expect_match "$(cat .rbk/baselines.json)" '"version":\{"value":"1.9"' "and the other name is there too"

# A name never recorded is an error naming it.
printf 'runbook "none" {\n  step s { log "${baseline("nobody_recorded_this")}" }\n}\n' > none.rbk
out=$("$RBK" run none.rbk 2>&1); rc=$?
expect_eq "$rc" 1 "reading a baseline never recorded fails"
expect_match "$out" 'baseline\(\): no baseline "nobody_recorded_this" is recorded in \.rbk' "naming it and the state directory"

# Secrets are never written to the store.
cat > secret.rbk <<'EOF'
runbook "secret" {
  secret token = env("RBK_BASELINE_SECRET")
  step s { baseline("token", token) }
}
EOF
RBK_BASELINE_SECRET=hunter2-very-secret "$RBK" run secret.rbk >/dev/null 2>&1
ok $(grep -q 'hunter2-very-secret' .rbk/baselines.json; [ $? -ne 0 ]; echo $?) "a secret recorded as a baseline is masked in the store"
done_testing
