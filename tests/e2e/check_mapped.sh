#!/bin/bash
# tests/e2e/check_mapped.sh -- `rbk check` and `rbk lint` map a large
# runbook instead of copying it, and give its pages back once parsed
# (base/source.c src_load_mapped, src_release_before). What they report
# must not change: a large file's messages, early and late lines shown
# with their carets, are the same as when the same text comes through
# stdin (read into memory); a file of whole pages (no room for the NULs in
# its map) is read instead; and the mapped text costs less peak memory
# than the copied one. Sizes, not times, are asserted.
set -u
source tests/e2e/lib.bash
: "${RBK:?set RBK to the rbk binary}"
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT

# A realistic runbook of 40,000 lines (about 1.5 MB) with one unknown role
# on line 39, the first page, and one in the last step.
python3 bench/gen_check.py "$T" 40000 >/dev/null
sed -i '39s/owner sre$/owner sre_typo/' "$T/big.rbk"
last=$(grep -n 'owner sre$' "$T/big.rbk" | tail -1 | cut -d: -f1)
sed -i "${last}s/owner sre\$/owner sre_late/" "$T/big.rbk"
ok $([ "$(sed -n 39p "$T/big.rbk")" = "    owner sre_typo" ] && [ "$last" -gt 39000 ]; echo $?) \
  "the runbook has an error on line 39 and one on line $last"

NO_COLOR=1 "$RBK" check "$T/big.rbk" >"$T/file.out" 2>"$T/file.err"; rc_file=$?
NO_COLOR=1 "$RBK" check - <"$T/big.rbk" >"$T/stdin.out" 2>"$T/stdin.err"; rc_stdin=$?
ok $([ "$rc_file" = 1 ] && [ "$rc_stdin" = 1 ]; echo $?) "check fails it both ways (exit $rc_file, $rc_stdin)"
grep -q "^$T/big.rbk:39:11: error: unknown role 'sre_typo'" "$T/file.err"
ok $? "the error on the first page is reported"
grep -q "^ *$last |     owner sre_late" "$T/file.err"
ok $? "the last step's line is shown with its error"
sed "s|<stdin>|$T/big.rbk|g" "$T/stdin.err" > "$T/stdin.renamed"
cmp -s "$T/file.err" "$T/stdin.renamed"
ok $? "the mapped file's messages are those of the same text read from stdin"
[ "$(grep -c '\^' "$T/file.err")" = 2 ]
ok $? "both carets are there"

NO_COLOR=1 "$RBK" check --format json "$T/big.rbk" >"$T/file.json" 2>/dev/null
NO_COLOR=1 "$RBK" check --format json - <"$T/big.rbk" >"$T/stdin.json" 2>/dev/null
sed -i "s|<stdin>|$T/big.rbk|g" "$T/stdin.json"
cmp -s "$T/file.json" "$T/stdin.json"
ok $? "and so is the JSON report"

NO_COLOR=1 "$RBK" lint "$T/big.rbk" >"$T/lint.out" 2>&1; rc_file=$?
NO_COLOR=1 "$RBK" lint - <"$T/big.rbk" 2>&1 | sed "s|<stdin>|$T/big.rbk|g" >"$T/lint.stdin"
ok $([ "$rc_file" != 0 ] && grep -q "sre_late" "$T/lint.out" && cmp -s "$T/lint.out" "$T/lint.stdin"; echo $?) \
  "lint reports the mapped file as it reports the text from stdin (exit $rc_file)"

# A file whose size is a whole number of pages has no room for the two
# NULs the lexer needs in its map: it is read instead, with the same result.
page=$(getconf PAGESIZE)
cp "$T/big.rbk" "$T/pages.rbk"
size=$(stat -c %s "$T/pages.rbk")
pad=$(( (page - size % page) % page ))
[ "$pad" -ge 2 ] || pad=$((pad + page))
{ printf '#'; head -c $((pad - 2)) /dev/zero | tr '\0' 'x'; printf '\n'; } >> "$T/pages.rbk"
ok $([ $(( $(stat -c %s "$T/pages.rbk") % page )) = 0 ]; echo $?) "pages.rbk is a whole number of pages"
NO_COLOR=1 "$RBK" check "$T/pages.rbk" 2>"$T/pages.err"; rc=$?
sed "s|$T/pages.rbk|$T/big.rbk|g" "$T/pages.err" > "$T/pages.renamed"
ok $([ "$rc" = 1 ] && cmp -s "$T/pages.renamed" "$T/file.err"; echo $?) "it checks the same (exit $rc)"

# The clean runbook passes, and its peak memory is smaller mapped than
# copied. (100,000 lines, 3.7 MB: rbk's peak must stand well above the
# measuring python's own, which a child's ru_maxrss also counts, since the
# child was python until it called exec.)
python3 bench/gen_check.py "$T/clean" 100000 >/dev/null
"$RBK" check "$T/clean/big.rbk"
ok $? "the clean 100,000-line runbook passes"
cat > "$T/maxrss.py" <<'PY'
import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss if r.returncode == 0 else -1)
PY
maxrss_kb() { python3 "$T/maxrss.py" "$RBK" check "$1"; }   # peak RSS of rbk check FILE, in KiB
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1:thread_local_quarantine_size_kb=64"
mapped=$(maxrss_kb "$T/clean/big.rbk")
copied=$(maxrss_kb - < "$T/clean/big.rbk")
bytes=$(stat -c %s "$T/clean/big.rbk")
ok $([ "$mapped" -gt 0 ] && [ "$copied" -gt 0 ] && [ $((copied - mapped)) -gt $((bytes / 1024 / 2)) ]; echo $?) \
  "mapped, the text costs less than half its size at the peak (peak $mapped KiB mapped, $copied KiB copied, text $((bytes / 1024)) KiB)"

done_testing
