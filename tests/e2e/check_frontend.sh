#!/bin/bash
# tests/e2e/check_frontend.sh -- the edges of the front end's input: the
# file is read into one buffer of its size and scanned in place, so a
# token may end right at the end of the buffer (no newline after it), at
# a page boundary, or before a NUL; a pipe is read by a growing buffer.
set -u
top=${RBK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/e2e/lib.bash"
d=$(tmpdir)
trap 'rm -rf "$d"' EXIT
cd "$d" || exit 1

# ends FILE TEXT: write TEXT (printf escapes) with no newline at the end
ends() { printf "$2" > "$1"; }

# A runbook file may end in a name: an extern's result type.
ends ident.rbk 'extern "libc.so.6" fn getpid() -> int'
out=$("$RBK" check --dump-ast ident.rbk 2>&1); rc=$?
expect_eq "$rc" 0 "a file whose last byte ends a name (no newline): accepted"
expect_match "$out" '\(name int @1:35\)' "the name is read whole, at its place"

# Other tokens at the very end make an incomplete file; the caret under
# the last token shows it was read whole.
ends num.rbk 'fn f() {\n  return 12345'
out=$("$RBK" check num.rbk 2>&1)
expect_match "$out" '^num\.rbk:2:10: error: unexpected end of file' "a number at the end: the error is at it"
expect_match "$out" '\|          \^~~~~$' "and spans its 5 bytes"
ends dur.rbk 'fn f() {\n  return 1h30m'
out=$("$RBK" check dur.rbk 2>&1)
expect_match "$out" '\|          \^~~~~$' "a duration at the end spans its 5 bytes"
ends hosts.rbk 'fn f() {\n  return hosts'
out=$("$RBK" check hosts.rbk 2>&1)
expect_match "$out" '^hosts\.rbk:2:10: error: unexpected end of file' "'hosts' at the end is read as a name"
ends str.rbk 'fn f() {\n  return ""'
out=$("$RBK" check str.rbk 2>&1)
expect_match "$out" '^str\.rbk:2:11: error: unexpected end of file' "an empty string at the end: the error is at its closing quote"
ends esc.rbk 'fn f() {\n  return "\\u{41'
out=$("$RBK" check esc.rbk 2>&1)
expect_match "$out" "^esc\\.rbk:2:11: error: unknown escape sequence '\\\\u'" "a \\u{ cut by the end of the file is an unknown escape"
expect_match "$out" 'esc\.rbk:2:10: error: unterminated string' "and the string is unterminated"

printf 'fn f() {\n  return 1\n}\n\0' > nul.rbk
out=$("$RBK" check nul.rbk 2>&1); rc=$?
expect_match "$out" '^nul\.rbk:4:1: error: NUL byte in source' "a NUL as the last byte is reported where it is"

# A name that ends exactly at a page boundary and at 64 KiB (the old
# first read), with no newline after it.
for size in 4096 65536; do
  python3 - "$size" > "page$size.rbk" <<'PY'
import sys
size = int(sys.argv[1])
head = "fn f() {\n  let x = 1\n"
tail = "  return x\n}\nextern \"libc.so.6\" fn getpid() -> "
body = ""
while len(head) + len(body) + len(tail) + 20 < size:
    body += "  let y = x + 1\n"
text = head + body + tail
text += "t" * (size - len(text))
sys.stdout.write(text)
PY
  out=$("$RBK" check --dump-ast "page$size.rbk" 2>&1)
  n=$(wc -c < "page$size.rbk")
  last=$(printf '%s\n' "$out" | grep -c '(name tttt')
  ok $([ "$n" -eq "$size" ] && [ "$last" -eq 1 ]; echo $?) "a $size-byte file whose last name ends on its last byte"
done

# The same runbook from a file and from a pipe (read in growing steps):
# the same verdict and tree.
python3 - > big.rbk <<'PY'
print('runbook "big" {')
for i in range(3000):
    print('  step s%d "Step %d" {\n    log "step ${%d + 1} of many"\n  }' % (i, i, i))
print('}')
PY
a=$("$RBK" check --dump-ast big.rbk 2>&1; echo "rc=$?")
b=$(cat big.rbk | "$RBK" check --dump-ast - 2>&1; echo "rc=$?")
expect_match "$a" 'rc=0$' "a $(wc -c < big.rbk)-byte runbook checks clean"
ok $([ "$a" = "$b" ]; echo $?) "read from a pipe it gives the same tree"
done_testing
