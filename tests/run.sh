#!/bin/bash
# tests/run.sh BUILD_DIR -- run every test against one build of rbk.
#
# Three kinds of test, each counted one per check:
#   unit    BUILD_DIR/tests/*_test     C unit tests printing TAP ("ok N", "not ok N")
#   golden  tests/golden/<cmd>/*.rbk   `rbk <cmd> FILE` output and exit status must
#                                      equal FILE.expected (UPDATE=1 rewrites them;
#                                      read the diff before committing)
#   e2e     tests/e2e/*.sh             scripts driving the binary, printing TAP
# Prints "NAME: N passed, N failed" and exits 1 if anything failed.
set -u
build=${1:?usage: tests/run.sh BUILD_DIR}
label=${2:-$build}
top=$(cd "$(dirname "$0")/.." && pwd)
export RBK="$top/$build/rbk" RBK_TOP="$top" NO_COLOR=1 LC_ALL=C.UTF-8
pass=0 fail=0
failures=()

# count_tap NAME < output: add TAP results to the totals
count_tap() {
  local name=$1 out=$2 rc=$3 p f
  p=$(grep -c '^ok ' <<<"$out")
  f=$(grep -c '^not ok ' <<<"$out")
  pass=$((pass + p)); fail=$((fail + f))
  if [ "$f" -gt 0 ]; then
    failures+=("$name:"$'\n'"$(grep -A3 '^not ok ' <<<"$out" | head -40)")
  fi
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then   # a crash or a bad exit with no failed check
    fail=$((fail + 1))
    failures+=("$name: exited $rc"$'\n'"$(tail -15 <<<"$out")")
  fi
  if ! grep -q '^1\.\.[0-9]' <<<"$out"; then  # no plan: it stopped early
    fail=$((fail + 1))
    failures+=("$name: no TAP plan line (did it stop early?)")
  fi
}

# unit tests
for t in "$top/$build"/tests/*_test; do
  [ -x "$t" ] || continue
  out=$(cd "$top" && timeout 300 "$t" 2>&1); rc=$?
  count_tap "unit/$(basename "$t")" "$out" "$rc"
done

# golden tests: tests/golden/<subcommand>/NAME.rbk (+ optional NAME.args)
for f in "$top"/tests/golden/*/*.rbk; do
  [ -e "$f" ] || continue
  dir=$(dirname "$f"); cmd=$(basename "$dir"); name=$(basename "$f")
  args=()
  [ -f "${f%.rbk}.args" ] && read -r -a args < "${f%.rbk}.args"
  actual=$(cd "$dir" && timeout 20 "$RBK" "$cmd" "${args[@]}" "$name" 2>&1; echo "[exit $?]")
  exp="${f%.rbk}.expected"
  if [ "${UPDATE:-}" = 1 ]; then printf '%s\n' "$actual" > "$exp"; fi
  if [ -f "$exp" ] && [ "$actual" = "$(cat "$exp")" ]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    failures+=("golden/$cmd/$name:"$'\n'"$(diff <(cat "$exp" 2>/dev/null) <(printf '%s\n' "$actual") | head -30)")
  fi
done

# root_files: what the repository root holds outside git's ignore rules
root_files() { git -C "$top" ls-files --others --exclude-standard --directory 2>/dev/null | sed 's,/$,,' | grep -v / ; }

# end-to-end scripts; each starts in the repository root, and must leave
# nothing there (tests write under mktemp -d)
for t in "$top"/tests/e2e/*.sh; do
  [ -e "$t" ] || continue
  before=$(root_files)
  out=$(cd "$top" && timeout 600 bash "$t" 2>&1); rc=$?
  count_tap "e2e/$(basename "$t")" "$out" "$rc"
  left=$(comm -13 <(printf '%s\n' "$before" | sort) <(root_files | sort) | grep -v '^$')
  if [ -n "$left" ]; then
    fail=$((fail + 1))
    failures+=("e2e/$(basename "$t"): left files in the repository root: $(echo $left)")
  else
    pass=$((pass + 1))
  fi
done

for f in "${failures[@]}"; do printf 'FAIL %s\n\n' "$f"; done
echo "$label: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
