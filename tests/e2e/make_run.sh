#!/bin/bash
# tests/e2e/make_run.sh -- `make run`, the README's first command, from a
# clean clone of this repository: it builds rbk, sets up the Customer
# Portal sandbox, rolls v2.0 out, lets a critical trigger start the
# backout under rbk watch, answers the gates through rbk approve/confirm/
# answer, and ends with the verification line; the plan and the report
# are written into the directory it names. Run twice, to show that it can
# be. Only in the normal round: it builds its own tree, so the sanitized
# build of this suite has nothing to add.
set -u
source tests/e2e/lib.bash
: "${RBK:?set RBK to the rbk binary}"
case $RBK in
  *asan*)
    ok 0 "make run from a clean clone # SKIP in the sanitized round: it builds its own tree"
    done_testing
    exit 0 ;;
esac
if ! git -C "$RBK_TOP" rev-parse --verify --quiet HEAD >/dev/null; then
  ok 0 "make run from a clean clone # SKIP $RBK_TOP is not a git checkout"
  done_testing
  exit 0
fi
T=$(tmpdir)
C=$T/rbk
trap '[ -x "$C/examples/portal/sandbox/bin/portalctl" ] && "$C/examples/portal/sandbox/bin/portalctl" stop >/dev/null 2>&1; rm -rf "$T"' EXIT

git clone --quiet "$RBK_TOP" "$C"; ok $? "git clone of the repository (its last commit)"
unset PORTAL_ROOT PORTAL_URL PORTAL_OUT RBK_STATE_DIR MAKEFLAGS MAKELEVEL MFLAGS
out=$(cd "$C" && timeout 500 make -j2 run 2>&1); rc=$?
expect_eq "$rc" 0 "make run exits 0"
last=$(tail -1 <<<"$out")
expect_match "$last" '^VERIFIED: customers 250 = 250, version 1\.9 = 1\.9, app sha256 ([0-9a-f]{12}) = \1, config sha256 ([0-9a-f]{12}) = \2, database dump sha256 ([0-9a-f]{12}) = \3$' \
  "its last line verifies that the original state is back"
expect_match "$out" 'critical "1 Login failure rate over 5%": ok -> firing' "a critical trigger fired under rbk watch"
expect_match "$out" 'backout: rbk run examples/portal/backout.rbk' "and started the declared backout"
expect_match "$out" 'approve +Overwrite the production database .* rbk approve RUN --as lead' "the lead's approval was given with rbk approve"
expect_match "$out" 'customers now: 253' "customers signed up on v2.0 (253)"
dir=$(sed -n 's/^The plan, the reports and the logs are in \(.*\):$/\1/p' <<<"$out")
expect_eq "$dir" "$C/examples/portal/out" "it names the directory it wrote to"
for f in backout-plan.md backout-plan.html backout-report.md backout-report.html; do
  ok $([ -s "$dir/$f" ]; echo $?) "$f is written"
done
expect_match "$(head -1 "$dir/backout-plan.html"):$(head -1 "$dir/backout-report.html")" '^<!DOCTYPE html>:<!DOCTYPE html>$' "the HTML files are whole pages"
expect_match "$(cat "$dir/backout-plan.md")" '\| Total \|  \|  \| 1h42m \| window 4h \|' "the plan has seed 001's procedure table (1h42m)"
expect_match "$(cat "$dir/backout-report.md")" '\| Outcome \| succeeded(, [^|]*)? \|' "the report says the backout succeeded"
expect_match "$(cat "$dir/backout-report.md")" 'approved|Approved' "and lists the approvals"
expect_eq "$(git -C "$C" status --porcelain)" "" "everything make run wrote is ignored by git"
ok $(pgrep -f "$C/examples/portal/sandbox/bin/portal-server" >/dev/null; [ $? -ne 0 ]; echo $?) "no portal server is left running"

out=$(cd "$C" && timeout 300 make run 2>&1); rc=$?
expect_eq "$rc" 0 "make run again: exit 0 (the sandbox is built afresh)"
expect_match "$(tail -1 <<<"$out")" '^VERIFIED: customers 250 = 250, version 1\.9 = 1\.9' "and verified again"
done_testing
