#!/bin/bash
# status_page_order.sh -- who may replace a run's live status page, and a
# long run's last page (cli/livepage.c):
#  (a) RUNDIR/status.lock (mode 0600) holds how many journal bytes the
#      pages in place were made from; a process whose journal read is
#      shorter than that leaves them alone: rbk approve does not replace
#      a page made from more of the journal, and writes when it is not; a
#      process that adds nothing writes the page only when the one in
#      place is older than the journal
#  (b) a run whose journal is over 4 MiB (bench/gen_journal.py: 12,000
#      effects, ~5 MiB) gives the prompt back without waiting for its
#      last page: the writer finishes alone, the page then shows the gate
#      the resume stopped at, made from the whole journal, and the writer
#      is gone, and the --status-page copy is what rbk status --format
#      html prints (each wait is bounded, and only says a hang; no timing is
#      asserted)
set -u
. "$(dirname "$0")/lib.bash"
: "${RBK:?set RBK to the rbk binary}"
: "${RBK_TOP:?set RBK_TOP to the repository}"
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
export RBK_STATE_DIR="$T/state" NO_COLOR=1

# ---- (a) the order of pages --------------------------------------------------
cat > gate.rbk <<'RBK'
runbook "Page order" {
  role lead "Jane Doe"
  step gate { approve by lead "go on?" }
  step work { run "true" }
}
RBK
"$RBK" run gate.rbk </dev/null >"$T/o1" 2>&1
expect_eq "$?" 3 "(a) the run stops at the gate"
R=$(ls state/runs | head -1)
D=state/runs/$R
ok "$([ -s "$D/journal.jsonl" ]; echo $?)" "(a) the run has a journal"
expect_eq "$(stat -c %a "$D/status.lock" 2>/dev/null)" 600 "(a) status.lock is private (0600)"
expect_eq "$(cat "$D/status.lock" 2>/dev/null)" "$(stat -c %s "$D/journal.jsonl")" \
  "(a) it holds the journal's size the page was made from"
grep -q 'Waiting for' "$D/status.html"; expect_eq "$?" 0 "(a) the page shows the gate"
before=$(md5sum < "$D/status.html")
echo 999999999999 > "$D/status.lock"   # as if a page made from a longer journal were in place
"$RBK" approve "$R" --as lead </dev/null >"$T/o2" 2>&1
expect_eq "$?" 0 "(a) rbk approve answers the gate"
expect_eq "$(md5sum < "$D/status.html")" "$before" "(a) ... and does not replace a page made from more of the journal"
expect_eq "$(cat "$D/status.lock")" 999999999999 "(a) ... nor the number"
echo 10 > "$D/status.lock"
"$RBK" resume "$R" </dev/null >"$T/o3" 2>&1
expect_eq "$?" 0 "(a) the resume finishes the run"
grep -q 'succeeded' "$D/status.html"; expect_eq "$?" 0 "(a) a page made from more of the journal replaces an older one"
expect_eq "$(cat "$D/status.lock")" "$(stat -c %s "$D/journal.jsonl")" "(a) ... and says how much it was made from"
# a resume of the finished run adds nothing and writes no page ...
rm "$D/status.html"
"$RBK" resume "$R" </dev/null >"$T/o5" 2>&1
expect_eq "$?" 0 "(a) a resume of the finished run"
ok "$([ ! -e "$D/status.html" ]; echo $?)" "(a) ... adds nothing, so writes no page"
# ... unless the page in place was left behind (a long run's writer leaves its last page to the next process)
echo 10 > "$D/status.lock"
"$RBK" resume "$R" </dev/null >"$T/o6" 2>&1
expect_eq "$?" 0 "(a) another resume of the finished run"
grep -q 'succeeded' "$D/status.html" 2>/dev/null; expect_eq "$?" 0 "(a) ... writes the page when the one in place is older than the journal"
expect_eq "$(cat "$D/status.lock")" "$(stat -c %s "$D/journal.jsonl")" "(a) ... made from the whole journal"

# ---- (b) a long run's last page -----------------------------------------------
python3 "$RBK_TOP/bench/gen_journal.py" "$T/state" 12000 >/dev/null
L=state/runs/resume-bench
size=$(stat -c %s "$L/journal.jsonl")
ok "$([ "$size" -gt $((4 << 20)) ]; echo $?)" "(b) the journal is over 4 MiB ($size bytes)"
"$RBK" resume resume-bench --status-page "$T/pub.html" </dev/null >"$T/o4" 2>&1
expect_eq "$?" 3 "(b) the resume replays and stops at the gate again"
grep -q '12000 effects replayed' "$T/o4"; expect_eq "$?" 0 "(b) ... after replaying every effect"
# the writer: a process of this test's state directory, forked by the resume
writers() {
  local p
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/exe" 2>/dev/null)" = "$(readlink -f "$RBK")" ] || continue
    tr '\0' '\n' < "$p/environ" 2>/dev/null | grep -qx "RBK_STATE_DIR=$T/state" && echo "${p#/proc/}"
  done
}
final=$(stat -c %s "$L/journal.jsonl")
for ((i = 0; i < 600; i++)); do   # at most a minute: only a hang fails here
  [ "$(cat "$L/status.lock" 2>/dev/null)" = "$final" ] && [ -z "$(writers)" ] && break
  sleep 0.1
done
expect_eq "$(cat "$L/status.lock" 2>/dev/null)" "$final" "(b) the last page is made from the whole journal"
expect_eq "$(writers)" "" "(b) the writer has ended"
f=$(tr -d '\n' < "$L/status.html")
expect_match "$f" 'id="state">waiting: approval by lead' "(b) the page shows the run waiting"
expect_match "$f" 'rbk approve resume-bench --as lead' "(b) ... with the command that unblocks it"
"$RBK" status resume-bench --format html > "$T/st.html"
expect_eq "$(grep -v 'id="live"' "$T/st.html" | md5sum)" "$(grep -v 'id="live"' "$T/pub.html" | md5sum)" \
  "(b) the --status-page copy is the page rbk status --format html prints"
done_testing
