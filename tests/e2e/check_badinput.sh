#!/bin/bash
# tests/e2e/check_badinput.sh -- `rbk check` on hostile and broken input.
# Every case must end (each call is wrapped in timeout), must not crash
# (exit < 128, no sanitizer report), must exit 1 when there are errors,
# and must say precisely what is wrong, with file:line:col where there is
# a place to point at.
set -u
source tests/e2e/lib.bash
: "${RBK:?set RBK to the rbk binary}"
T=$(tmpdir)
chmod 755 "$T"   # the unreadable-file case runs rbk as nobody
trap 'chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT

# check NAME FILE [RBK ARGS...]: run rbk check; sets $out (stdout+stderr) and $rc,
# and asserts that it ended in time and did not crash.
check() {
  local name=$1 file=$2
  shift 2
  out=$(cd "$T" && timeout 10 "$RBK" check "$@" "$file" 2>&1); rc=$?
  if [ "$rc" -eq 124 ]; then r=1; else r=0; fi
  ok $r "$name: finishes (not killed by timeout 10)"
  if [ "$rc" -lt 128 ] && ! printf '%s' "$out" | grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error|Segmentation'; then r=0; else r=1; fi
  ok $r "$name: no crash (exit $rc)"
  if [ "$r" -ne 0 ]; then printf '%s\n' "$out" | head -c 2000 | sed 's/^/#   /'; fi
}

# repeat N WORD: WORD N times, separated by spaces, on one line
repeat() { yes "$2" | head -n "$1" | tr '\n' ' '; }

# in_step BODY: a valid runbook whose one step holds BODY
in_step() { printf 'runbook "x" {\n  step go "Go" {\n    %s\n  }\n}\n' "$1"; }

# ---- empty, binary, NUL, invalid UTF-8 ----------------------------------
: >"$T/empty.rbk"
check "empty file" empty.rbk
expect_eq "$rc" 1 "empty file: exit 1"
expect_match "$out" '^empty\.rbk:1:1: error: empty file: no runbook here' "empty file: says the file is empty"

head -c 4096 /bin/ls >"$T/binary.rbk"
check "binary file" binary.rbk
expect_eq "$rc" 1 "binary file: exit 1"
expect_match "$out" '^binary\.rbk: error: looks like a binary file, not a runbook$' "binary file: refused as binary, in one line"

printf 'runbook "x" {\n  step go "Go" {\n    log "a"\0\n  }\n}\n' >"$T/nul.rbk"
check "NUL byte between tokens" nul.rbk
expect_eq "$rc" 1 "NUL byte between tokens: exit 1"
expect_match "$out" '^nul\.rbk:3:12: error: NUL byte in source' "NUL byte between tokens: names line 3, column 12"

printf 'runbook "x" {\n  step go "Go" {\n    log "a\0b"\n  }\n}\n' >"$T/nul_str.rbk"
check "NUL byte in a string" nul_str.rbk
expect_eq "$rc" 1 "NUL byte in a string: exit 1"
expect_match "$out" '^nul_str\.rbk:3:11: error: NUL byte in a string' "NUL byte in a string: names line 3, column 11"

printf 'runbook "x" {\n  /* a \0 b */\n}\n' >"$T/nul_comment.rbk"
check "NUL byte in a comment" nul_comment.rbk
expect_eq "$rc" 1 "NUL byte in a comment: exit 1"
expect_match "$out" '^nul_comment\.rbk:2:8: error: NUL byte in a comment' "NUL byte in a comment: names line 2, column 8"

printf 'runbook "x" {\n  step go "Go" {\n    log "caf\xe9 ok"\n  }\n}\n' >"$T/utf8_str.rbk"
check "invalid UTF-8 in a string" utf8_str.rbk
expect_eq "$rc" 1 "invalid UTF-8 in a string: exit 1"
expect_match "$out" '^utf8_str\.rbk:3:13: error: invalid UTF-8 byte 0xe9 in a string' "invalid UTF-8 in a string: names the byte and line 3, column 13"
case "$out" in *$'\xe9'*) r=1 ;; *) r=0 ;; esac
ok $r "invalid UTF-8 in a string: the raw byte is not echoed to the terminal"

printf 'runbook "x" {\n  # caf\xe9\n  /* \xff\xfe */\n}\n' >"$T/utf8_comment.rbk"
check "invalid UTF-8 in comments" utf8_comment.rbk
expect_eq "$rc" 1 "invalid UTF-8 in comments: exit 1"
expect_match "$out" '^utf8_comment\.rbk:2:8: error: invalid UTF-8 byte 0xe9 in a comment' "invalid UTF-8 in a # comment: line 2, column 8"
expect_match "$out" 'utf8_comment\.rbk:3:6: error: invalid UTF-8 byte 0xff in a comment' "invalid UTF-8 in a /* */ comment: line 3, column 6"

# ---- very long input ------------------------------------------------------
{ printf 'runbook "x" {\n  step go "Go" {\n    log "'; head -c 10485760 /dev/zero | tr '\0' a; printf '"\n  }\n}\n'; } >"$T/long_line.rbk"
check "10 MB string on one line" long_line.rbk
expect_eq "$rc:$out" "0:" "10 MB string on one line: a clean runbook, exit 0, no output"

repeat 5242880 x >"$T/many_x.rbk"
check "10 MB of 'x ' tokens" many_x.rbk
expect_eq "$rc" 1 "10 MB of 'x ' tokens: exit 1"
expect_match "$out" "^many_x\.rbk:1:1: error: unexpected identifier 'x'" "10 MB of 'x ' tokens: the first error is at 1:1"
n=$(printf '%s\n' "$out" | grep -c ': error: ')
[ "$n" -ge 1 ] && [ "$n" -le 25 ]; ok $? "10 MB of 'x ' tokens: at most 25 errors shown (got $n)"
n=$(printf '%s' "$out" | wc -c)
[ "$n" -lt 20000 ]; ok $? "10 MB of 'x ' tokens: the output stays short ($n bytes)"

repeat 5242880 ';' >"$T/many_semi.rbk"
check "10 MB of ';' tokens" many_semi.rbk
expect_eq "$rc" 1 "10 MB of ';' tokens: exit 1"
n=$(printf '%s\n' "$out" | grep -c ': error: ')
expect_eq "$n" 25 "10 MB of ';' tokens: errors capped at 25"
expect_match "$out" 'too many errors' "10 MB of ';' tokens: says it stopped at too many errors"

# ---- unterminated things --------------------------------------------------
in_step 'log "not closed' >"$T/unterm_str.rbk"
check "unterminated string" unterm_str.rbk
expect_eq "$rc" 1 "unterminated string: exit 1"
expect_match "$out" '^unterm_str\.rbk:3:9: error: unterminated string' "unterminated string: points at the opening quote, 3:9"
n=$(printf '%s\n' "$out" | grep -c ': error: ')
expect_eq "$n" 1 "unterminated string: one error"

printf 'runbook "x" {\n  /* never closed\n  step go "Go" {\n  }\n}\n' >"$T/unterm_comment.rbk"
check "unterminated block comment" unterm_comment.rbk
expect_eq "$rc" 1 "unterminated block comment: exit 1"
expect_match "$out" '^unterm_comment\.rbk:2:3: error: unterminated block comment' "unterminated block comment: points at the /*, 2:3"
n=$(printf '%s\n' "$out" | grep -c ': error: ')
expect_eq "$n" 1 "unterminated block comment: one error, no cascade"

printf 'runbook "x" {\n  step go "Go" {\n    log "x"\n' >"$T/unterm_brace.rbk"
check "unterminated {" unterm_brace.rbk
expect_eq "$rc" 1 "unterminated {: exit 1"
expect_match "$out" '^unterm_brace\.rbk:[0-9]+:[0-9]+: error: unexpected end of file' "unterminated {: unexpected end of file"
expect_match "$out" "hint: the '\{' at line 2, column 16 is never closed" "unterminated {: the hint names the line and column of the open brace"

# ---- deep nesting ---------------------------------------------------------
N=100000
in_step "log $(head -c $N /dev/zero | tr '\0' '(')1$(head -c $N /dev/zero | tr '\0' ')')" >"$T/parens.rbk"
check "$N nested (" parens.rbk
expect_eq "$rc" 1 "$N nested (: exit 1"
expect_match "$out" '^parens\.rbk:3:[0-9]+: error: nesting too deep' "$N nested (: nesting too deep"
# the source line shown under the message must be the file's text: a '?'
# there means the scanner left a NUL in the source buffer
src_line=$(printf '%s\n' "$out" | sed -n 2p)
expect_match "$src_line" '^ 3 \| \.\.\.\(+\.\.\.$' "$N nested (: the source line is shown as it is in the file"

in_step "log $(head -c $N /dev/zero | tr '\0' '[')1$(head -c $N /dev/zero | tr '\0' ']')" >"$T/brackets.rbk"
check "$N nested [" brackets.rbk
expect_eq "$rc" 1 "$N nested [: exit 1"
expect_match "$out" '^brackets\.rbk:3:[0-9]+: error: nesting too deep' "$N nested [: nesting too deep"

in_step "let x = true $(repeat $N 'if x {') log \"x\" $(repeat $N '}')" >"$T/blocks.rbk"
check "$N nested blocks" blocks.rbk
expect_eq "$rc" 1 "$N nested blocks: exit 1"
expect_match "$out" '^blocks\.rbk:3:[0-9]+: error: nesting too deep' "$N nested blocks: nesting too deep"

in_step "log $(repeat $N -)1" >"$T/minus.rbk"
check "$N unary minus" minus.rbk
expect_eq "$rc" 1 "$N unary minus: exit 1"
expect_match "$out" '^minus\.rbk:3:[0-9]+: error: nesting too deep' "$N unary minus: nesting too deep"

in_step "log $(repeat $N not)true" >"$T/not.rbk"
check "$N not" not.rbk
expect_eq "$rc" 1 "$N not: exit 1"
expect_match "$out" '^not\.rbk:3:[0-9]+: error: nesting too deep' "$N not: nesting too deep"

in_step "log $(yes 1 | head -n $N | paste -sd+)" >"$T/sum.rbk"
check "$N-term sum" sum.rbk
if [ "$rc" -eq 0 ]; then
  ok 0 "$N-term sum: accepted"
else
  expect_match "$out" '^sum\.rbk:3:[0-9]+: error: nesting too deep' "$N-term sum: refused as too deep"
fi

# ---- files that are not runbook files ------------------------------------
check "missing file" does_not_exist.rbk
expect_eq "$rc" 2 "missing file: exit 2 (as for every command)"
expect_match "$out" '^does_not_exist\.rbk: error: cannot open: No such file or directory$' "missing file: says it cannot open it"

mkdir "$T/dir.rbk"
check "directory" dir.rbk
expect_eq "$rc" 2 "directory: exit 2"
expect_match "$out" '^dir\.rbk: error: is a directory' "directory: says it is a directory"

printf 'runbook "x" {\n}\n' >"$T/secret.rbk"
chmod 000 "$T/secret.rbk"
if command -v setpriv >/dev/null 2>&1 && [ "$(id -u)" = 0 ] &&
   setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$RBK"; then
  out=$(cd "$T" && timeout 10 setpriv --reuid=65534 --regid=65534 --clear-groups "$RBK" check secret.rbk 2>&1); rc=$?
  expect_eq "$rc" 2 "unreadable file: exit 2"
  expect_match "$out" '^secret\.rbk: error: cannot open: Permission denied$' "unreadable file: says permission denied"
elif [ "$(id -u)" != 0 ]; then
  check "unreadable file" secret.rbk
  expect_eq "$rc" 2 "unreadable file: exit 2"
  expect_match "$out" '^secret\.rbk: error: cannot open: Permission denied$' "unreadable file: says permission denied"
else
  for i in 1 2; do _n=$((_n + 1)); echo "ok $_n - unreadable file # SKIP cannot drop privileges to nobody"; done
fi

mkfifo "$T/fifo.rbk"
out=$(cd "$T" && timeout 5 "$RBK" check fifo.rbk 2>&1); rc=$?
if [ "$rc" -eq 124 ]; then r=1; else r=0; fi
ok $r "FIFO with no writer: does not hang"
[ "$rc" -ge 1 ] && [ "$rc" -lt 124 ]; ok $? "FIFO with no writer: a plain failure (exit $rc)"
expect_match "$out" '^fifo\.rbk' "FIFO with no writer: the diagnostic names it"

done_testing
