#!/bin/bash
# tests/e2e/rbc_source_tie.sh -- a .rbc runs only if it is exactly what the
# runbook source embedded in it compiles to. The journal names a run's
# runbook by that source's SHA-256, so an edited command (checksum
# trailer recomputed, which anyone can do) must never run under the
# original source's name: the loader recompiles the embedded source and
# compares byte for byte.
set -u
source tests/e2e/lib.bash
: "${RBK:?set RBK to the rbk binary}"
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT
export RBK_STATE_DIR="$T/state"

rbk() { rbk_at_T "$@"; }   # run rbk in $T; sets $out, $err, $rc (lib.bash)
# edit FILE OUT FIRST|LAST OLD NEW: replace the first or last occurrence
# of OLD by NEW (same length) and recompute the SHA-256 trailer
edit() {
  python3 - "$@" <<'PY'
import hashlib, sys
path, out, which, old, new = sys.argv[1:6]
old, new = old.encode(), new.encode()
assert len(old) == len(new)
d = bytearray(open(path, 'rb').read())
i = d.find(old) if which == 'first' else d.rfind(old)
assert i >= 0, 'not found'
d[i:i + len(old)] = new
d[-32:] = hashlib.sha256(bytes(d[:-32])).digest()
open(out, 'wb').write(bytes(d))
PY
}
no_run_dirs() { [ ! -d "$T/state/runs" ] || [ -z "$(ls -A "$T/state/runs")" ]; }

cat >"$T/t.rbk" <<'EOF'
runbook "t" {
  step a "A" {
    run "echo hello >> ran.txt"
  }
}
EOF
rbk compile t.rbk -o t.rbc
expect_eq "$rc" 0 "compile"

# The constant pool comes after the embedded source: the last occurrence
# of the command is the constant the code runs.
edit "$T/t.rbc" "$T/cmd.rbc" last "echo hello" "id;# hello"
rbk run cmd.rbc
expect_eq "$rc" 2 "an edited command constant with a recomputed trailer is refused (exit 2)"
expect_match "$err" '^cmd\.rbc: error: the bytecode is not what the runbook source embedded in it compiles to \(first difference at byte [0-9]+\)' \
  "the error says the bytecode does not match its source"
expect_match "$err" 'compile the runbook again with rbk compile' "and what to do"
ok "$([ ! -e "$T/ran.txt" ]; echo $?)" "no command ran"
ok "$(no_run_dirs; echo $?)" "no run was journaled under the original source's name"
rbk disasm cmd.rbc
expect_eq "$rc" 2 "disasm refuses it too"

# The embedded source edited instead (the code still says "hello").
edit "$T/t.rbc" "$T/src.rbc" first "echo hello" "echo HELLO"
rbk run src.rbc
expect_eq "$rc" 2 "an edited embedded source is refused"
expect_match "$err" 'not what the runbook source embedded in it compiles to' "for the same reason"

# The header's source SHA-256 (bytes 10..41) changed, trailer recomputed.
python3 - "$T/t.rbc" "$T/sha.rbc" <<'PY'
import hashlib, sys
d = bytearray(open(sys.argv[1], 'rb').read())
d[10] ^= 0xFF
d[-32:] = hashlib.sha256(bytes(d[:-32])).digest()
open(sys.argv[2], 'wb').write(bytes(d))
PY
rbk run sha.rbc
expect_eq "$rc" 2 "a changed source SHA-256 in the header is refused"
expect_match "$err" 'first difference at byte 10\)' "at the byte that differs"
ok "$([ ! -e "$T/ran.txt" ]; echo $?)" "still no command ran"

# The file as compiled runs, and the journal names its source's SHA-256.
rbk run t.rbc
expect_eq "$rc" 0 "the untouched .rbc runs"
expect_eq "$(cat "$T/ran.txt" 2>/dev/null)" "hello" "its command ran once"
sha=$(sha256sum "$T/t.rbk" | cut -c1-64)
ok "$(grep -q "$sha" "$T"/state/runs/*/journal.jsonl; echo $?)" "the journal names the source's SHA-256"

done_testing
