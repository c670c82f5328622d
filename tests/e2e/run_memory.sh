#!/bin/bash
# Memory stays flat: the same work repeated 250 times or 25,000 times must
# peak at (nearly) the same resident size, and 2,000 steps that each run a
# process must complete with no leak (the sanitizer round's LeakSanitizer
# fails the run on any leak). Sizes, not times, are asserted.
source tests/e2e/lib.bash
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT

gen_loop() {   # gen_loop N: one step doing N rounds of string and list work
  cat <<EOF
fn churn(i) {
  let parts = split("a,b,c,\${i},e,f", ",")
  let s = join(parts + ["x", "y"], "-")
  return len(s) + len(trim("  \${s}  "))
}
runbook "churn" {
  step work {
    let total = 0
    for i in range($1) { total = total + churn(i) }
    log "total \${total}"
  }
}
EOF
}
gen_loop 250 > "$T/small.rbk"
gen_loop 25000 > "$T/large.rbk"

maxrss_kb() {   # peak RSS of one rbk run, in KiB (getrusage of the child)
  python3 - "$@" <<'PY'
import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)
if r.returncode != 0:
    sys.stderr.write(r.stderr.decode(errors="replace"))
    print(-1)
else:
    print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
}
# Under AddressSanitizer freed blocks wait in a quarantine (256 MiB by
# default), which would look like growth; keep it small while measuring.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1:thread_local_quarantine_size_kb=64"
small=$(maxrss_kb "$RBK" run --new "$T/small.rbk")
large=$(maxrss_kb "$RBK" run --new "$T/large.rbk")
ok $([ "$small" -gt 0 ] && [ "$large" -gt 0 ]; echo $?) "both churn runs succeed (peak ${small} KiB and ${large} KiB)"
ok $([ $((large - small)) -lt 4096 ]; echo $?) "100x the work grows peak memory by under 4 MiB (grew $((large - small)) KiB)"

{
  echo 'runbook "many steps" {'
  for i in $(seq 1 2000); do echo "  step s$i { run \"true\" let v$i = run(\"echo $i\").out verify v$i == \"$i\" }"; done
  echo '}'
} > "$T/steps.rbk"
out=$(timeout 600 "$RBK" run --new "$T/steps.rbk" 2>&1); rc=$?
expect_eq "$rc" 0 "2,000 steps that each run processes complete (exit 0, no leak reported)"
expect_match "$out" 's2000 +ok' "the summary lists the last step as ok"
ok $(printf '%s' "$out" | grep -q 'LeakSanitizer'; [ $? -ne 0 ]; echo $?) "no leak report"
done_testing
