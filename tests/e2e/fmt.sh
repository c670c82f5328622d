#!/bin/bash
# fmt.sh -- rbk fmt: idempotent and meaning-preserving on every runbook the
# repository holds, the examples (and stdlib) kept formatted, and the
# -w / --check / -l / stdin modes on real files.
set -u
. "$(dirname "$0")/lib.bash"
cd "$RBK_TOP"
t=$(tmpdir)
trap 'rm -rf "$t"' EXIT

# meaning_of FILE: the bytecode listing without positions; or, when the
# file does not compile, the diagnostics' codes and messages (no positions).
meaning_of() {
  if "$RBK" disasm --no-positions "$1" 2>/dev/null; then return; fi
  echo "does not compile:"
  "$RBK" disasm "$1" 2>&1 | sed -n '1s/^.*:[0-9]*:[0-9]*: //p'
  "$RBK" check --format json "$1" 2>/dev/null | jq -c '.findings[] | [.severity, .rule, .message, .hint]'
}

# ---- every runbook in the repository ------------------------------------
inputs=(examples/*.rbk examples/portal/*.rbk tests/golden/*/*.rbk fuzz/corpus/*.rbk)
[ -n "$(ls stdlib/*.rbk 2>/dev/null)" ] && inputs+=(stdlib/*.rbk)
n=0 idem_bad=() meaning_bad=() compiled=0
for f in "${inputs[@]}"; do
  "$RBK" fmt "$f" > "$t/once.rbk" 2>/dev/null || continue   # does not parse: refused
  n=$((n + 1))
  "$RBK" fmt "$t/once.rbk" > "$t/twice.rbk" 2>&1
  cmp -s "$t/once.rbk" "$t/twice.rbk" || idem_bad+=("$f")
  if grep -q '^ *import ' "$f"; then
    # a runbook that imports: compare beside copies of what it imports, from its own directory
    rm -rf "$t/m" && mkdir "$t/m" && cp "$t/once.rbk" "$t/m/${f##*/}"
    [ -d "$(dirname "$f")/import_lib" ] && cp -r "$(dirname "$f")/import_lib" "$t/m/"
    a=$(cd "$(dirname "$f")" && meaning_of "${f##*/}"); b=$(cd "$t/m" && meaning_of "${f##*/}")
  else
    # the formatted copy under the file's own name: a stdlib module is known by it
    rm -rf "$t/m" && mkdir "$t/m" && cp "$t/once.rbk" "$t/m/${f##*/}"
    a=$(meaning_of "$f"); b=$(meaning_of "$t/m/${f##*/}")
  fi
  "$RBK" disasm --no-positions "$f" >/dev/null 2>&1 && compiled=$((compiled + 1))
  [ -n "$a" ] && [ "$a" = "$b" ] || meaning_bad+=("$f")
done
expect_match "$n" '^[0-9]{2,}$' "fmt formats the runbooks that parse ($n of ${#inputs[@]})"
expect_eq "${idem_bad[*]:-}" "" "fmt(fmt(x)) == fmt(x) for all $n"
expect_eq "${meaning_bad[*]:-}" "" "formatted files compile to the same bytecode ($compiled) or get the same diagnostics"
expect_match "$compiled" '^[0-9]{2,}$' "and many of them compile ($compiled)"

out=$("$RBK" fmt --check examples/*.rbk examples/portal/*.rbk $(ls stdlib/*.rbk 2>/dev/null) 2>&1); rc=$?
expect_eq "$rc:$out" "0:" "every example (and stdlib module) is formatted: rbk fmt --check passes"

# ---- a file written any old way -------------------------------------------
cat > "$t/ugly.rbk" <<'EOF'
fn   pct(part,whole){if whole==0{return 0}
return part*100/whole}
runbook "Ugly"{role ops "Ops"  phone "1"  # the only role
param db=env("DB")??"x.db"
  param flags  =[ "-a",-1 ]
step one "first"{owner ops
timeout 5m
run "echo ${db} ${pct(1,2)}"
verify pct(2,4)==50 "half"
  if pct(1,1)>99{log "all"}else{log "some"}
undo{run "echo undo"}}
/* the second */ step two{after one
for x in flags{log x}}
}
EOF
"$RBK" fmt "$t/ugly.rbk" > "$t/pretty.rbk"; rc=$?
expect_eq "$rc" 0 "an ugly runbook formats"
expect_eq "$(meaning_of "$t/ugly.rbk" | md5sum)" "$(meaning_of "$t/pretty.rbk" | md5sum)" "its bytecode is unchanged"
expect_match "$(meaning_of "$t/pretty.rbk" | head -1)" '^runbook "Ugly"' "and it compiles"
expect_eq "$(grep -c '' "$t/pretty.rbk")" 21 "each block of several lines has its braces on lines of their own"
expect_match "$(cat "$t/pretty.rbk")" '  step one "first" \{' "a step is indented one level in the runbook"
expect_match "$(cat "$t/pretty.rbk")" '  role ops "Ops" phone "1"  # the only role' "a trailing comment stays on its line"
expect_match "$(cat "$t/pretty.rbk")" '  /\* the second \*/ step two \{' "a block comment stays before its step"

# ---- --check, -l, -w ---------------------------------------------------
cp "$t/ugly.rbk" "$t/work.rbk"
out=$("$RBK" fmt --check "$t/work.rbk"); rc=$?
expect_eq "$rc" 1 "--check exits 1 for a file that is not formatted"
expect_match "$out" "^--- a/$t/work.rbk" "and prints a unified diff"
(cd "$t" && mkdir -p patched && cp work.rbk patched/ && cd patched &&
 "$RBK" fmt --check work.rbk > ../p.diff; git apply -p1 ../p.diff)
expect_eq "$(cmp "$t/patched/work.rbk" "$t/pretty.rbk" 2>&1; echo $?)" 0 "the diff applies (git apply) and gives the formatted text"
cmp -s "$t/work.rbk" "$t/ugly.rbk"; ok $? "--check changes nothing"
out=$("$RBK" fmt --check "$t/pretty.rbk"); rc=$?
expect_eq "$rc:$out" "0:" "--check is silent and exits 0 for a formatted file"
out=$("$RBK" fmt -l "$t/pretty.rbk" "$t/work.rbk"); rc=$?
expect_eq "$rc:$out" "0:$t/work.rbk" "-l names only the files that are not formatted"
out=$("$RBK" fmt --check -l "$t/pretty.rbk" "$t/work.rbk"); rc=$?
expect_eq "$rc:$out" "1:$t/work.rbk" "--check -l names them instead of the diff, and exits 1"

chmod 0640 "$t/work.rbk"
ln -s work.rbk "$t/link.rbk"
ino_pretty=$(stat -c %i "$t/pretty.rbk")
out=$("$RBK" fmt -w "$t/link.rbk" "$t/pretty.rbk" 2>&1); rc=$?
expect_eq "$rc:$out" "0:" "-w rewrites silently"
cmp -s "$t/work.rbk" "$t/pretty.rbk"; ok $? "-w through a symbolic link rewrites its target"
[ -L "$t/link.rbk" ]; ok $? "and the link stays a link"
expect_eq "$(stat -c %a "$t/work.rbk")" 640 "-w keeps the file's mode"
expect_eq "$(stat -c %i "$t/pretty.rbk")" "$ino_pretty" "-w leaves a formatted file alone (same inode)"
expect_eq "$(ls "$t" | grep -c tmp)" 0 "-w leaves no temporary file behind"

# ---- standard input, errors ----------------------------------------------
out=$("$RBK" fmt - < "$t/ugly.rbk"); rc=$?
expect_eq "$rc:$out" "0:$(cat "$t/pretty.rbk")" "- formats standard input"
out=$("$RBK" fmt -w - < "$t/ugly.rbk" 2>&1); rc=$?
expect_eq "$rc" 2 "-w refuses standard input"
expect_match "$out" "cannot rewrite standard input" "and says why"
out=$("$RBK" fmt -w --check "$t/ugly.rbk" 2>&1); rc=$?
expect_eq "$rc" 2 "-w and --check together are a usage error"

printf 'runbook "Bad" {\n  step a { log (1 + }\n}\n' > "$t/bad.rbk"
cp "$t/bad.rbk" "$t/bad.orig"
out=$("$RBK" fmt -w "$t/bad.rbk" "$t/ugly.rbk" 2>&1); rc=$?
expect_eq "$rc" 2 "a file that does not parse makes the exit status 2"
expect_match "$out" "bad.rbk:2:21: error: unexpected '\}', expected an expression" "its syntax error is reported as FILE:LINE:COL"
cmp -s "$t/bad.rbk" "$t/bad.orig"; ok $? "and it is not touched"
cmp -s "$t/ugly.rbk" "$t/pretty.rbk"; ok $? "the other files are still formatted"
out=$("$RBK" fmt "$t/nonexistent.rbk" 2>&1); rc=$?
expect_eq "$rc" 2 "a missing file: exit 2"
expect_match "$out" "nonexistent.rbk: error: cannot open" "with the reason"
out=$("$RBK" fmt 2>&1); rc=$?
expect_eq "$rc" 2 "no FILE: usage error"
out=$("$RBK" fmt --bogus x.rbk 2>&1); rc=$?
expect_match "$rc:$out" "^2:rbk fmt: unknown option '--bogus'" "an unknown option: usage error"
out=$("$RBK" fmt --help); rc=$?
expect_match "$rc:$out" "^0:Usage: rbk fmt \[OPTIONS\] FILE" "--help prints the usage"

# ---- line endings, byte order mark, deep nesting ----------------------------
printf 'runbook "CRLF" {\r\n  role ops "Ops"   # comment\r\n  step a {\r\n    log "x"\r\n  }\r\n}\r\n' > "$t/crlf.rbk"
"$RBK" fmt "$t/crlf.rbk" > "$t/crlf.out"
expect_eq "$(grep -c $'\r' "$t/crlf.out")" 0 "CRLF line ends become LF"
expect_eq "$(meaning_of "$t/crlf.rbk")" "$(meaning_of "$t/crlf.out")" "with the same bytecode"
printf '\xef\xbb\xbfrunbook "BOM" {\n role ops "Ops"\n}\n' > "$t/bom.rbk"
expect_eq "$("$RBK" fmt "$t/bom.rbk" | head -c 3 | od -An -tx1 | tr -d ' ')" "efbbbf" "a byte order mark is kept"
deep=$(printf 'log %s1%s' "$(printf '(%.0s' $(seq 150))" "$(printf ')%.0s' $(seq 150))")
printf 'runbook "Deep" {\n  step a {\n    %s\n  }\n}\n' "$deep" > "$t/deep.rbk"
out=$("$RBK" fmt "$t/deep.rbk"); rc=$?
expect_eq "$rc:$out" "0:$(cat "$t/deep.rbk")" "150 nested parentheses format (and were already formatted)"

# ---- the example in docs/language.md, section Formatting -----------------------------
sed -n '/^## 16. Formatting/,$p' docs/language.md | awk '/^# before/,/^```$/' | grep -v '^```' | tail -n +2 > "$t/doc-before.rbk"
sed -n '/^## 16. Formatting/,$p' docs/language.md | awk '/^# after/,/^```$/' | grep -v '^```' | tail -n +2 > "$t/doc-after.rbk"
expect_match "$(wc -l < "$t/doc-before.rbk")" '^[0-9]+$' "docs/language.md has the before/after example"
out=$("$RBK" fmt "$t/doc-before.rbk"); rc=$?
expect_eq "$rc:$out" "0:$(cat "$t/doc-after.rbk")" "and rbk fmt turns the one into the other"

done_testing
