# tests/e2e/lib.sh -- helpers for end-to-end scripts, which print TAP.
# Source it; $RBK is the binary under test. Every check counts once.
_n=0
ok() {      # ok COND_EXIT_STATUS DESCRIPTION
  _n=$((_n + 1))
  if [ "$1" -eq 0 ]; then echo "ok $_n - $2"; else echo "not ok $_n - $2"; fi
}
# expect_eq ACTUAL EXPECTED DESCRIPTION
expect_eq() {
  _n=$((_n + 1))
  if [ "$1" = "$2" ]; then echo "ok $_n - $3"
  else echo "not ok $_n - $3"; printf '#   got:      %s\n#   expected: %s\n' "$1" "$2" | head -20; fi
}
# expect_match ACTUAL REGEX DESCRIPTION
expect_match() {
  _n=$((_n + 1))
  if printf '%s' "$1" | grep -Eq -- "$2"; then echo "ok $_n - $3"
  else echo "not ok $_n - $3"; printf '#   got: %s\n#   wanted match: %s\n' "$(printf '%s' "$1" | head -c 600)" "$2"; fi
}
done_testing() { echo "1..$_n"; }
tmpdir() { mktemp -d "${TMPDIR:-/tmp}/rbk-test.XXXXXX"; }
# verify_chain FILE: seq consecutive from 0, first keys seq/prev/time/type,
# prev = SHA-256 of the previous line; prints the record count or a reason
verify_chain() {
  python3 - "$1" <<'PY'
import hashlib, json, sys
data = open(sys.argv[1], 'rb').read()
if not data.endswith(b'\n'):
    print('no final newline'); sys.exit(1)
prev = '0' * 64
lines = data[:-1].split(b'\n')
for i, line in enumerate(lines):
    try:
        r = json.loads(line)
    except Exception as e:
        print('record %d: not JSON: %s' % (i, e)); sys.exit(1)
    if list(r.keys())[:4] != ['seq', 'prev', 'time', 'type']:
        print('record %d: first keys are %s' % (i, list(r.keys())[:4])); sys.exit(1)
    if r['seq'] != i:
        print('record %d: seq is %r' % (i, r['seq'])); sys.exit(1)
    if r['prev'] != prev:
        print('record %d: prev does not match the previous line' % i); sys.exit(1)
    prev = hashlib.sha256(line).hexdigest()
print(len(lines))
PY
}
# rbk_at_T ARGS...: run $RBK in the test's directory $T (stdin from /dev/null, at
# most $RBK_TIMEOUT seconds, 60 unless set); sets $out, $err, $all and $rc, and notes a crash or a
# sanitizer report in $T/.crashes for the script to check. A script that
# uses it names it rbk: rbk() { rbk_at_T "$@"; }
rbk_at_T() {
  out=$(cd "$T" && timeout "${RBK_TIMEOUT:-60}" "$RBK" "$@" </dev/null 2>"$T/.stderr"); rc=$?
  err=$(cat "$T/.stderr")
  all="$out"$'\n'"$err"
  if { [ "$rc" -ge 124 ] && [ "$rc" -ne 130 ]; } || grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:' <<<"$err"; then
    printf '%s: exit %s\n%s\n' "$*" "$rc" "$(head -c 1500 <<<"$err")" >>"$T/.crashes"
  fi
}
# rbk_test_begin: the opening of a test that drives rbk in a temporary
# directory T (removed at exit): RBK_STATE_DIR under it, NO_COLOR, and a
# function rbk that runs rbk_at_T.
rbk_test_begin() {
  T=$(tmpdir)
  trap 'rm -rf "$T"' EXIT
  export RBK_STATE_DIR="$T/state" NO_COLOR=1
  rbk() { rbk_at_T "$@"; }
}

# wait_file PATH: wait up to 30 s for PATH to exist; 1 if it never does.
wait_file() { local i; for ((i = 0; i < 300; i++)); do [ -e "$1" ] && return 0; sleep 0.1; done; return 1; }
