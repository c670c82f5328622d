#!/bin/bash
# tests/e2e/run_output.sh -- what rbk does with a command's output (issue
# 13, items 9, 10 and 12):
#   - 10 MB of short lines all arrive, in order, each with its `step |`
#     prefix; rbk writes them in blocks of whole lines, not one write() a
#     line (counted, and every write checked to end on a line end, with
#     strace);
#   - output over the 1 MiB journal cap is marked: the effect_end says how
#     many bytes were dropped, and rbk log and rbk report show it;
#   - a NUL byte does not cut a log text or a failure message, and control
#     characters (ESC sequences, C1 controls, bytes that are not UTF-8)
#     never reach the terminal raw, from the run nor from rbk log/status;
#     valid UTF-8 and tabs are kept;
#   - a daemon that escapes the process group (setsid) and holds stdout
#     open: the step ends, and the output and the journal say that a
#     process left running holds the output open. The test kills it.
#
# Nothing asserts a duration.
set -u
source tests/e2e/lib.bash
: "${RBK:?set RBK to the rbk binary}"
T=$(tmpdir)
daemon_pid=
cleanup() {
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
export RBK_STATE_DIR="$T/state"

# rr FILE: `rbk run --new FILE` in $T; stdout to $T/out, stderr to $T/err; sets $rc
rr() {
  (cd "$T" && timeout 120 "$RBK" run --new "$1" >"$T/out" 2>"$T/err" </dev/null); rc=$?
}
# last_run NAME: the id of the latest run of NAME
last_run() { cat "$RBK_STATE_DIR/latest/$1"; }
# journal NAME: the journal of the latest run of NAME
journal() { echo "$RBK_STATE_DIR/runs/$(last_run "$1")/journal.jsonl"; }

# ---- 9. 10 MB of short lines: all of it, in order, prefixed ------------
cat >"$T/chatty.rbk" <<'EOF'
runbook "chatty" {
  step chatty "ten megabytes of short lines" {
    run "seq 1 1500000"
  }
}
EOF
rr chatty.rbk
expect_eq "$rc" 0 "10 MB of short lines: the run succeeds"
expect_eq "$(grep -c '^chatty | ' "$T/out")" 1500000 "every one of the 1,500,000 lines is printed with its step prefix"
expect_eq "$(grep '^chatty | ' "$T/out" | sed 's/^chatty | //' | sha256sum)" "$(seq 1 1500000 | sha256sum)" \
  "the lines arrive whole and in order (same SHA-256 as seq's own output)"
expect_eq "$(grep -c -v -e '^chatty | ' -e '^==>' -e '^  \$' -e '^---' -e '^run ' -e '^chatty$' -e '^$' \
  -e '^step ' -e '^chatty  ok ' -e '^total ' -e '^  warning:' "$T/out")" 0 "nothing else is mixed into the output"

# Line-atomic blocks: every write() rbk makes to its stdout ends on a line
# end, and there are far fewer writes than lines (one per line before).
if command -v strace >/dev/null 2>&1; then
  cat >"$T/atomic.rbk" <<'EOF'
runbook "atomic" {
  step lines "short lines" {
    run "seq 1 200000"
  }
}
EOF
  # (LeakSanitizer cannot run under a tracer: an ASan build is told not to try)
  (cd "$T" && ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" timeout 300 strace -o "$T/trace" \
    -e trace=write -e signal=none -qq "$RBK" run --new atomic.rbk >"$T/out" 2>"$T/err" </dev/null); rc=$?
  expect_eq "$rc" 0 "under strace: the run succeeds"
  verdict=$(python3 - "$T/trace" "$T/out" <<'PY'
import re, sys
out = open(sys.argv[2], 'rb').read()
sizes = [int(m.group(1)) for m in re.finditer(r'^write\(1, .*\)\s+= (\d+)$', open(sys.argv[1]).read(), re.M)]
off, bad = 0, 0
for n in sizes:
    off += n
    if off > len(out) or out[off - 1:off] != b'\n':
        bad += 1
print('writes=%d bytes=%d/%d cut=%d' % (len(sizes), off, len(out), bad))
PY
)
  writes=$(sed -n 's/^writes=\([0-9]*\).*/\1/p' <<<"$verdict")
  expect_match "$verdict" " bytes=([0-9]+)/\\1 cut=0$" "every write() to stdout ends at a line end ($verdict)"
  ok $([ "${writes:-999999}" -lt 2000 ]; echo $?) "200,000 lines take fewer than 2,000 writes ($writes), not one a line"
else
  echo "# strace is missing: the write() checks are skipped"
fi

# ---- 10. output over the journal's 1 MiB cap ----------------------------
cat >"$T/big.rbk" <<'EOF'
runbook "big" {
  step big "two megabytes, some on stderr" {
    run "seq 1 300000; seq 1 200000 >&2"
  }
}
EOF
rr big.rbk
out_bytes=$(seq 1 300000 | wc -c)
err_bytes=$(seq 1 200000 | wc -c)
want_out=$((out_bytes - 1048576)) want_err=$((err_bytes - 1048576))
expect_eq "$rc" 0 "over the cap: the run succeeds"
got=$(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["type"] == "effect_end" and "truncated" in r:
        print(r["truncated"]["out"], r["truncated"]["err"], len(r["result"]["rec"]["out"]))' "$(journal big)")
expect_eq "$got" "$want_out $want_err 1048576" "the effect_end records truncated: stdout and stderr bytes dropped, 1 MiB kept"
expect_match "$(cat "$T/out")" "warning: output over the journal's 1 MiB limit was not journaled: $want_out bytes of stdout, $want_err of stderr dropped" \
  "the run says so on the terminal"
log=$(cd "$T" && "$RBK" log "$(last_run big)" 2>&1)
expect_match "$log" "effect_end .*output truncated: $want_out bytes of stdout, $want_err of stderr not journaled" \
  "rbk log shows the truncation and the bytes dropped"
report=$(cd "$T" && "$RBK" report "$(last_run big)" 2>&1)
expect_match "$report" "output truncated in the journal: $want_out bytes of stdout, $want_err of stderr dropped" \
  "rbk report (Markdown) shows it in the commands table"
got=$(cd "$T" && "$RBK" report --format json "$(last_run big)" | python3 -c '
import json, sys
c = json.load(sys.stdin)["commands"][0]
print(c["output_truncated"]["out"], c["output_truncated"]["err"])')
expect_eq "$got" "$want_out $want_err" "rbk report --format json gives output_truncated with the bytes dropped"

# ---- 10. NUL and control characters ------------------------------------
cat >"$T/ctl.rbk" <<'EOF'
runbook "ctl" {
  step ctl "control characters" {
    run "printf 'a\\0b\\n'; printf 'x\\033[31mRED\\033[0m\\ty\\n'; printf 'caf\\303\\251 c1\\302\\233 bad\\377\\n'"
    let r = run("printf 'p\\0q'")
    log r.out
  }
  step fails "a failure quoting stderr" {
    run "printf 'e\\033[2Je\\0f\\n' >&2; exit 3"
  }
}
EOF
rr ctl.rbk
expect_eq "$rc" 1 "control characters: the second step fails as written"
all=$(cat "$T/out" "$T/err")
ok $(grep -qP '\x1b|\x00|\xc2\x9b|\xff' "$T/out" "$T/err"; [ $? -eq 1 ]; echo $?) \
  "no ESC, NUL, C1 control or stray byte reaches the terminal raw"
expect_match "$all" 'ctl \| a\\x00b' "a NUL in output is shown as \\x00, and the line goes on after it"
expect_match "$all" $'ctl \\| x\\\\x1b\\[31mRED\\\\x1b\\[0m\ty' "an ESC sequence is shown as \\x1b; the tab is kept"
expect_match "$all" 'ctl \| café c1\\u009b bad\\xff' "valid UTF-8 is kept; a C1 control and a byte that is not UTF-8 are escaped"
expect_match "$all" 'log: p\\x00q' "a log of output holding a NUL is not cut at it (terminal)"
expect_match "$all" 'stderr: e\\x1b\[2Je\\x00f' "the failure's stderr is shown escaped and whole"
what=$(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["type"] == "effect_start" and r["kind"] == "log":
        print(r["what"])' "$(journal ctl)")
expect_eq "$what" 'p\x00q' "the journaled log text holds all of it"
log=$(cd "$T" && "$RBK" log "$(last_run ctl)" 2>&1)
ok $(grep -qP '\x1b|\x00|\xc2\x9b|\xff' <<<"$log"; [ $? -eq 1 ]; echo $?) "rbk log prints no raw control character"
expect_match "$log" 'log in ctl: p\\x00q' "rbk log shows the log text whole"
expect_match "$log" 'out "a\\u0000b\\nx\\u001b\[31mRED' "rbk log shows output that is not UTF-8, escaped"
status=$(cd "$T" && "$RBK" status "$(last_run ctl)" 2>&1)
ok $(grep -qP '\x1b|\x00' <<<"$status"; [ $? -eq 1 ]; echo $?) "rbk status prints no raw control character"
expect_match "$status" 'error: command failed with exit status 3' "rbk status shows the step's error"
expect_match "$status" '^ +stderr: e\\x1b\[2Je\\x00f$' "and its stderr whole, escaped, on a line of its own"

# ---- 12. a daemon that escapes the group and holds stdout open ----------
cat >"$T/daemon.rbk" <<'EOF'
runbook "daemon" {
  step start "start a daemon" {
    run "setsid sh -c 'echo $$ > daemon.pid; exec sleep 30' & echo started"
  }
  step next "the next step" {
    run "echo next"
  }
}
EOF
rr daemon.rbk
daemon_pid=$(cat "$T/daemon.pid" 2>/dev/null)
expect_eq "$rc" 0 "a daemon holding stdout: the run goes on and succeeds"
ok $([ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; echo $?) "the daemon is still running (rbk does not kill what left its group)"
expect_match "$(cat "$T/out")" "start \\| started" "the output before it was read"
expect_match "$(cat "$T/out")" "warning: a process left running holds the output open" "the step's output says a process left running holds the output open"
expect_match "$(cat "$T/out")" "next \\| next" "the next step runs"
got=$(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["type"] == "effect_end" and r.get("left_running"):
        print(r["n"], r["left_running"])' "$(journal daemon)")
expect_eq "$got" "0 a process left running holds the output open" "the journal says so in the command's effect_end"
expect_match "$(cd "$T" && "$RBK" log "$(last_run daemon)")" "#0 exit 0 .*a process left running holds the output open" "rbk log shows it"
expect_match "$(cd "$T" && "$RBK" report "$(last_run daemon)")" "a process left running holds the output open" "rbk report shows it"
[ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
daemon_pid=

done_testing
