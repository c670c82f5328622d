#!/bin/bash
# tests/e2e/seed_examples.sh -- the examples of seeds 002 and 004, run for
# real:
#  (a) examples/db-deploy.rbk with fail_deploy=true: the deploy dies
#      part-way, the failure branch written in advance runs x.sql, checks
#      conditions a, b and c, and since b holds archives order_audit and
#      runs y.sql; the original state is proven back and the run stops.
#      Then the deploy that works, its undo, and the roll out / roll back
#      / roll out rehearsal.
#  (b) examples/tag-rollback.rbk against the git repository that
#      examples/tag-rollback/setup makes (tags v1.9 and v2.0, v2.0
#      deployed, http.server in front): back to v1.9, then rbk undo to
#      v2.0. Its gates are answered by examples/portal/drive.
set -u
source tests/e2e/lib.bash
: "${RBK:?set RBK to the rbk binary}"
T=$(tmpdir)
export APP_ROOT=$T/app
trap '"$RBK_TOP/examples/tag-rollback/setup" --stop >/dev/null 2>&1; rm -rf "$T"' EXIT
unset RBK_STATE_DIR APP_URL

# ---- (a) db-deploy: the failure branch -------------------------------------
export DBDEPLOY_ROOT=$T/db RBK_STATE_DIR=$T/db-state DBDEPLOY_SQL=$RBK_TOP/examples/db-deploy
DB=$DBDEPLOY_ROOT/orders.db
q() { sqlite3 "$DB" "$1"; }
out=$("$RBK" run "$RBK_TOP/examples/db-deploy.rbk" --param fail_deploy=true 2>&1); rc=$?
expect_eq "$rc" 1 "(a) fail_deploy=true: the run stops with exit 1"
expect_match "$out" "deploy-broken.sql" "(a) the broken deploy ran"
expect_match "$out" "no such column: versoin" "(a) and died part-way"
expect_match "$out" "on failure: running the handler" "(a) the failure branch runs"
expect_match "$out" "x\.sql" "(a) x.sql runs"
expect_match "$out" "log: after x.sql: a=true b=true c=true" "(a) conditions a, b and c are checked: b holds"
expect_match "$out" "y\.sql" "(a) so y.sql runs"
expect_match "$out" "Orders schema v2 deploy failed; rolled back to v1 and verified" "(a) the lead is told"
expect_match "$out" "deploy failed; the database was rolled back to its original state" "(a) and the step fails on purpose"
expect_eq "$(head -1 "$DBDEPLOY_ROOT/work/order_audit.csv"):$(($(wc -l < "$DBDEPLOY_ROOT/work/order_audit.csv") - 1))" "id,order_id,note:8" \
  "(a) condition b: the audit rows were archived first (8 rows)"
expect_eq "$(q "SELECT count(*) FROM sqlite_master WHERE name IN ('order_audit', 'idx_orders_customer')")" 0 \
  "(a) x.sql dropped the index, y.sql the table"
expect_eq "$(q 'SELECT version FROM schema_version'):$(q 'SELECT count(*) FROM orders')" "1:8" "(a) schema v1, 8 orders"
cmp -s "$DBDEPLOY_ROOT/work/before.sql" <(sqlite3 "$DB" .dump); ok $? "(a) the dump is byte-identical to the one taken before the deploy"
cp "$DBDEPLOY_ROOT/work/before.sql" "$T/original.sql"
run=$(cat "$RBK_STATE_DIR/latest/db-deploy")
steps=$("$RBK" status "$run" --format json | jq -r '[.steps[] | .name + ":" + .outcome] | join(" ")')
expect_eq "$steps" "sandbox:ok snapshot:ok deploy:failed smoke:pending rehearse_rollback:pending" "(a) rbk status: the deploy failed, nothing after it ran"

# ---- (a) then the deploy that works, its undo, and the rehearsal ------------
out=$("$RBK" run --new "$RBK_TOP/examples/db-deploy.rbk" 2>&1); rc=$?
expect_eq "$rc" 0 "(a) without the flag the deploy succeeds"
expect_eq "$(q 'SELECT version FROM schema_version'):$(q 'SELECT count(*) FROM order_audit')" "2:8" "(a) schema v2, every order audited"
run=$(cat "$RBK_STATE_DIR/latest/db-deploy")
out=$("$RBK" undo "$run" --yes 2>&1); rc=$?
expect_eq "$rc" 0 "(a) rbk undo of the good deploy"
expect_match "$out" "log: after x.sql: a=true b=true c=true" "(a) the undo is the same documented roll back"
cmp -s "$T/original.sql" <(sqlite3 "$DB" .dump); ok $? "(a) and the database is as it was (its dump is the original's)"
out=$("$RBK" run --new "$RBK_TOP/examples/db-deploy.rbk" --param rehearse=true 2>&1); rc=$?
expect_eq "$rc" 0 "(a) rehearse=true: roll out, roll back twice, roll forward twice"
expect_eq "$(grep -c 'log: after x.sql' <<<"$out")" 2 "(a) x.sql ran in each roll back"
expect_match "$out" "log: after x.sql: a=true b=false c=true" "(a) the second roll back finds condition b gone (idempotent)"
expect_eq "$(q 'SELECT version FROM schema_version')" 2 "(a) the rehearsal ends at schema v2"

# ---- (b) tag-rollback against a real git repository --------------------------
"$RBK_TOP/examples/tag-rollback/setup" >"$T/setup.out" 2>&1; ok $? "(b) setup makes the repository and starts the server"
# shellcheck source=/dev/null
. "$APP_ROOT/env.sh"
R=$APP_ROOT/repo
expect_eq "$(git -C "$R" tag | tr '\n' ' ')" "v1.9 v2.0 " "(b) the repository has tags v1.9 and v2.0"
expect_eq "$(curl -fsS "$APP_URL/version")" "2.0" "(b) v2.0 is live"
conf20=$(cat "$APP_ROOT/etc/app.conf")
"$RBK" run --param monitor_for=2s "$RBK_TOP/examples/tag-rollback.rbk" >"$T/tr.log" 2>&1; rc=$?
expect_eq "$rc" 3 "(b) without a terminal the run waits for the first person"
run=$(cat "$RBK_STATE_DIR/latest/tag-rollback")
"$RBK_TOP/examples/portal/drive" "$RBK" "$run" "$T/tr.log" >"$T/drive.out" 2>&1; rc=$?
expect_eq "$rc" 0 "(b) every gate answered (the release manager approves), the rollback succeeds"
expect_match "$(cat "$T/drive.out")" "approve +Roll back v2.0 to v1.9 +rbk approve RUN --as lead" "(b) the rollback was approved by the release manager"
expect_eq "$(git -C "$R" describe --tags --exact-match HEAD)" v1.9 "(b) the work tree is at tag v1.9"
expect_eq "$(readlink "$APP_ROOT/releases/current")" "$APP_ROOT/releases/v1.9/app" "(b) the live release is v1.9"
expect_eq "$(curl -fsS "$APP_URL/version")" "1.9" "(b) the server answers 1.9"
expect_eq "$(cat "$APP_ROOT/etc/app.conf")" "$(git -C "$R" show v1.9:config/app.conf)" "(b) the configuration is v1.9's"
ok $([ -e "$APP_ROOT/DEPLOY_FREEZE" ]; echo $?) "(b) deployments are frozen"
out=$("$RBK" undo "$run" --yes 2>&1); rc=$?
expect_eq "$rc" 0 "(b) rbk undo of the rollback"
expect_eq "$(git -C "$R" symbolic-ref --short HEAD)" main "(b) the repository is back on main"
expect_eq "$(readlink "$APP_ROOT/releases/current")" "$APP_ROOT/releases/v2.0/app" "(b) v2.0 is live again"
expect_eq "$(curl -fsS "$APP_URL/version")" "2.0" "(b) the server answers 2.0"
expect_eq "$(cat "$APP_ROOT/etc/app.conf")" "$conf20" "(b) with v2.0's configuration"
ok $([ ! -e "$APP_ROOT/DEPLOY_FREEZE" ]; echo $?) "(b) and the freeze is lifted"
"$RBK_TOP/examples/tag-rollback/setup" --stop >/dev/null
pid=$(cat "$APP_ROOT/run/server.pid" 2>/dev/null)
ok $([ -z "$pid" ]; echo $?) "(b) setup --stop stops the server"
done_testing
