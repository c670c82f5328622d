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
