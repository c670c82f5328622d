#!/bin/bash
# tests/e2e/fuzz_smoke.sh -- the libFuzzer harnesses (fuzz/run.sh: the
# front end, the journal, then the .rbc loader), briefly: they build, a short run
# (FUZZ_SMOKE_SECONDS, default 20, shared) finds no crash, and every input
# kept in fuzz/regressions/ replays clean.
#
# The harness needs clang with libFuzzer (./deps.sh test installs them); if
# they are missing this FAILS, with the reason, rather than skip. In the
# sanitized round ($RBK under build-asan) the fuzz run itself is skipped,
# since the harness is always built with ASan+UBSan and the normal round
# has just fuzzed; the regressions are replayed in both rounds.
# A new crash is copied into fuzz/regressions/ by fuzz/run.sh, so it stays.
set -u
top=${RBK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/e2e/lib.bash"
cd "$top" || exit 1
secs=${FUZZ_SMOKE_SECONDS:-20}

# diag [LINES]: show standard input as TAP comments, at most LINES (40).
diag() { sed 's/^/# /' | head -"${1:-40}"; }

out=$(fuzz/run.sh build 2>&1); rc=$?
if [ "$rc" -ne 0 ]; then
  if [ "$rc" -eq 2 ]; then
    ok 1 "fuzz harness builds (clang with libFuzzer is MISSING: run ./deps.sh test)"
  else
    ok 1 "fuzz harness builds"
  fi
  printf '%s\n' "$out" | diag
  done_testing
  exit 0
fi
ok 0 "fuzz harnesses build (build-fuzz/fuzz_parse, fuzz_journal, fuzz_rbc; clang -fsanitize=fuzzer,address,undefined)"

case "${RBK:-}" in
  *asan*)
    ok 0 "fuzz run skipped in the sanitized round (the normal round fuzzes; regressions still replay)"
    ;;
  *)
    out=$(fuzz/run.sh fuzz "$secs" 2>&1); rc=$?
    ok "$rc" "fuzzing for ${secs}s (front end, journal, .rbc loader, a third each) finds no crash, leak or hang"
    printf '%s\n' "$out" | grep -E '^(#[0-9]|stat::|fuzz/run.sh: (tolerating|NEW|no crash))' | diag
    [ "$rc" -ne 0 ] && printf '%s\n' "$out" | grep -vE '^(#[0-9]|stat::)' | diag 60
    ;;
esac

# One replay of them all; each input is its own check.
out=$(fuzz/run.sh replay 2>&1)
n=0
while IFS= read -r line; do
  case "$line" in
    "replay ok: "*) n=$((n + 1)); ok 0 "regression ${line#replay ok: fuzz/regressions/} replays clean" ;;
    "replay FAILED: "*)
      n=$((n + 1))
      f=${line#replay FAILED: }
      ok 1 "regression ${f#fuzz/regressions/} replays clean"
      # its report: the indented lines after this one
      printf '%s\n' "$out" | sed -n "\|^replay FAILED: $f\$|,/^replay /p" | sed -n '2,$p' | grep '^  ' |
        grep -vE 'fuzzer::|__sanitizer|libc\.so|nptl/|raise\.c|abort\.c' | diag 12
      ;;
  esac
done <<<"$out"
if ! grep -q '^fuzz/run.sh: replayed' <<<"$out"; then
  ok 1 "regression inputs replay"
  printf '%s\n' "$out" | diag
elif [ "$n" -eq 0 ]; then
  ok 0 "no regression inputs kept yet (fuzz/regressions/ is empty)"
fi
done_testing
