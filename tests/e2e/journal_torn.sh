#!/bin/bash
# tests/e2e/journal_torn.sh -- torn tails and damage (docs/journal.md).
#
# A finished run's journal is cut at EVERY byte offset inside its last
# record (run_end): `rbk resume` must set the partial record aside in
# journal.torn-S-T (exactly the bytes it removed), keep every earlier byte,
# finish the run (exit 0, a new run_end) and redo no command. A last line
# of garbage ending in a newline is torn too. Damage anywhere else (a
# changed byte in an early record, a complete last record with a wrong
# prev) makes resume exit 2 naming the record, and changes nothing on disk.
set -u
source tests/e2e/lib.bash
: "${RBK:?set RBK to the rbk binary}"
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT
export RBK_STATE_DIR=$T/state
crashes=""


# resume_dir STATE: `rbk resume` of STATE/runs/base, from $T (where the
# runbook is); sets $rc, $out, $err
resume_dir() {
  out=$(cd "$T" && RBK_STATE_DIR=$1 timeout 30 "$RBK" resume "$1/runs/base" </dev/null 2>"$T/.err"); rc=$?
  err=$(cat "$T/.err")
  if { [ "$rc" -ge 124 ] && [ "$rc" -ne 130 ]; } || grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:' <<<"$err"; then
    crashes="$crashes$1: exit $rc: $(head -c 400 <<<"$err")"$'\n'
  fi
}

# change_byte FILE N FIELD: change one digit of record N's FIELD in place
change_byte() {
  python3 - "$@" <<'PY'
import sys
path, n, field = sys.argv[1], int(sys.argv[2]), sys.argv[3]
data = bytearray(open(path, 'rb').read())
start = 0
for _ in range(n):
    start = data.index(b'\n', start) + 1
at = data.index(b'"%s":"' % field.encode(), start) + len(field) + 4
while not chr(data[at]).isdigit():
    at += 1
data[at] = ord('1') if data[at] != ord('1') else ord('2')
open(path, 'r+b').write(data)
PY
}

# fingerprint DIR: the names, modes and contents of everything in DIR
fingerprint() { (cd "$1" && find . -type f ! -name lock -printf '%p %m\n' | sort && find . -type f ! -name lock -exec sha256sum {} + | sort); }

cat >"$T/torn.rbk" <<'EOF'
runbook "Torn" {
  step one { run "echo one >> out.txt" }
  step two {
    idempotent
    run "echo two >> out.txt"
  }
  step three {
    let t = now()
    log "three at ${t}"
    run "echo three >> out.txt"
  }
}
EOF
(cd "$T" && timeout 30 "$RBK" run --run-id base torn.rbk </dev/null >/dev/null 2>&1)
ok $? "the run finishes"
BASE=$T/state/runs/base
J0=$BASE/journal.jsonl
expect_eq "$(tail -1 "$J0" | jq -r .type)" "run_end" "its journal ends with run_end"
size=$(stat -c %s "$J0")
last_len=$(tail -1 "$J0" | wc -c)            # with its newline
start=$((size - last_len))                   # where the last record begins
nrec=$(wc -l <"$J0")
want_out=$(printf 'one\ntwo\nthree')

# cut_state N: a copy of the state with the journal cut to N bytes
cut_state() {
  local s=$T/cut
  rm -rf "$s"
  mkdir -p "$s/runs"
  cp -a "$BASE" "$s/runs/base"
  truncate -s "$1" "$s/runs/base/journal.jsonl"
  echo "$s"
}

# Every cut strictly inside the last record: 1 .. last_len-1 bytes of it
# remain (at last_len-1 the JSON is whole but its newline is missing).
bad_rc="" bad_side="" bad_prefix="" bad_end="" bad_chain="" bad_msg=""
for ((k = 1; k < last_len; k++)); do
  s=$(cut_state $((start + k)))
  J=$s/runs/base/journal.jsonl
  resume_dir "$s"
  [ "$rc" -eq 0 ] || bad_rc="$bad_rc $k:exit$rc"
  grep -q 'torn' <<<"$err" || bad_msg="$bad_msg $k"
  sides=("$s"/runs/base/journal.torn-*)
  if [ "${#sides[@]}" -ne 1 ] || [ ! -f "${sides[0]}" ]; then
    bad_side="$bad_side $k:${#sides[@]}files"
  elif ! cmp -s "${sides[0]}" <(tail -c +$((start + 1)) "$J0" | head -c "$k"); then
    bad_side="$bad_side $k:content"
  fi
  cmp -s <(head -c "$start" "$J") <(head -c "$start" "$J0") || bad_prefix="$bad_prefix $k"
  [ "$(tail -1 "$J" | jq -r '.type + " " + .state' 2>/dev/null)" = "run_end succeeded" ] || bad_end="$bad_end $k"
  verify_chain "$J" >/dev/null || bad_chain="$bad_chain $k"
done
cuts=$((last_len - 1))
expect_eq "${bad_rc:-none}" none "resume exits 0 at each of the $cuts cuts inside the last record"
expect_eq "${bad_msg:-none}" none "resume says the last record was torn, at each cut"
expect_eq "${bad_side:-none}" none "exactly one journal.torn-* holds exactly the removed bytes, at each cut"
expect_eq "${bad_prefix:-none}" none "every byte before the torn record is kept, at each cut"
expect_eq "${bad_end:-none}" none "the resumed run ends with a new run_end succeeded, at each cut"
expect_eq "${bad_chain:-none}" none "the resumed journal's hash chain verifies, at each cut"
expect_eq "$(cat "$T/out.txt")" "$want_out" "no command ran again in any of the resumes"

# The whole last record cut away (a clean prefix): nothing is torn.
s=$(cut_state "$start")
resume_dir "$s"
expect_eq "$rc" 0 "cut exactly before run_end: resume exits 0"
expect_eq "$(find "$s/runs/base" -name 'journal.torn-*' | wc -l)" 0 "  and sets nothing aside"
expect_eq "$(tail -1 "$s/runs/base/journal.jsonl" | jq -r .type)" run_end "  and writes run_end"

# The whole journal: the run is finished; nothing is written.
s=$(cut_state "$size")
before=$(fingerprint "$s/runs/base")
resume_dir "$s"
expect_eq "$rc" 0 "an untouched finished run: resume exits 0"
expect_match "$out" 'already finished' "  and says it has already finished"
expect_eq "$(fingerprint "$s/runs/base")" "$before" "  and changes nothing"

# A last line of zeros with a newline (the file system lost the write).
s=$(cut_state "$start")
J=$s/runs/base/journal.jsonl
head -c $((last_len - 1)) /dev/zero >>"$J"
printf '\n' >>"$J"
resume_dir "$s"
expect_eq "$rc" 0 "a last line of NUL bytes: resume exits 0"
sides=("$s"/runs/base/journal.torn-*)
ok $([ -f "${sides[0]}" ] && cmp -s "${sides[0]}" <(head -c $((last_len - 1)) /dev/zero; printf '\n'); echo $?) \
  "  the NUL line, newline included, is in journal.torn-*"
expect_eq "$(verify_chain "$J")" $((nrec + 1)) "  and the journal verifies, with resume and run_end after the kept records"

# A torn effect_end of a command in a step that is not idempotent: the
# command is in doubt, so the run pauses (exit 3) instead of guessing.
en=$(jq -r 'select(.type=="effect_start" and .what=="echo three >> out.txt") | .n' "$J0")
eoff=$(grep -b -m1 "\"type\":\"effect_end\",\"n\":$en," "$J0" | cut -d: -f1)
s=$(cut_state $((eoff + 40)))
resume_dir "$s"
expect_eq "$rc" 3 "effect_end of 'echo three' torn: resume pauses (exit 3), the command is in doubt"
expect_eq "$(tail -1 "$s/runs/base/journal.jsonl" | jq -r '.type + " " + .reason')" "paused in doubt" "  a paused record says so"
expect_eq "$(find "$s/runs/base" -name 'journal.torn-*' | wc -l)" 1 "  and the torn bytes are set aside"
expect_eq "$(cat "$T/out.txt")" "$want_out" "  the command did not run again"

# A torn effect_end in the idempotent step: it runs again, by itself.
en=$(jq -r 'select(.type=="effect_start" and .what=="echo two >> out.txt") | .n' "$J0")
eoff=$(grep -b -m1 "\"type\":\"effect_end\",\"n\":$en," "$J0" | cut -d: -f1)
s=$(cut_state $((eoff + 40)))
resume_dir "$s"
expect_eq "$rc" 0 "effect_end of idempotent 'echo two' torn: resume exits 0"
expect_eq "$(jq -c 'select(.type=="decision") | [.n, .choice, .reason]' "$s/runs/base/journal.jsonl")" "[$en,\"rerun\",\"idempotent\"]" \
  "  a decision record says it ran again because the step is idempotent"
expect_eq "$(grep -c two "$T/out.txt")" 2 "  and it did run again"
printf 'one\ntwo\nthree\n' >"$T/out.txt"

# Damage: one byte of an early record changed (a digit of its time), the
# JSON still valid. The chain breaks at the record after it.
dmg_rec=3
s=$(cut_state "$start")              # without run_end, so the run would resume
J=$s/runs/base/journal.jsonl
change_byte "$J" "$dmg_rec" time
before=$(fingerprint "$s/runs/base")
jsum=$(sha256sum <"$J")
resume_dir "$s"
expect_eq "$rc" 2 "a changed byte in record $dmg_rec: resume exits 2"
expect_match "$err" "record ($dmg_rec|$((dmg_rec + 1)))\b.*damaged|damaged.*record ($dmg_rec|$((dmg_rec + 1)))\b" \
  "  the message names the damaged record ($dmg_rec, or $((dmg_rec + 1)) whose prev no longer matches)"
expect_eq "$(sha256sum <"$J")" "$jsum" "  the journal is unchanged (sha256sum)"
expect_eq "$(fingerprint "$s/runs/base")" "$before" "  nothing in the run directory changed or was added"
(cd "$T" && RBK_STATE_DIR=$s timeout 30 "$RBK" run --run-id base torn.rbk </dev/null >/dev/null 2>&1)
expect_eq "$?" 2 "  rbk run of the same run refuses too (exit 2)"

# Damage that is not JSON, in an early record followed by more: named exactly.
s=$(cut_state "$start")
J=$s/runs/base/journal.jsonl
off=$(head -n 2 "$J" | wc -c)        # the first byte of record 2
printf 'X' | dd of="$J" bs=1 seek="$off" conv=notrunc 2>/dev/null
jsum=$(sha256sum <"$J")
before=$(fingerprint "$s/runs/base")
resume_dir "$s"
expect_eq "$rc" 2 "record 2 is not JSON, with records after it: resume exits 2"
expect_match "$err" 'record 2\b' "  the message names record 2"
expect_eq "$(sha256sum <"$J")" "$jsum" "  the journal is unchanged"
expect_eq "$(fingerprint "$s/runs/base")" "$before" "  nothing set aside"

# A complete last record (newline and all) whose prev is wrong is damage,
# not a torn write: refused, nothing changed.
s=$(cut_state "$size")
J=$s/runs/base/journal.jsonl
change_byte "$J" $((nrec - 1)) prev
jsum=$(sha256sum <"$J")
before=$(fingerprint "$s/runs/base")
resume_dir "$s"
expect_eq "$rc" 2 "the last record complete but with a wrong prev: resume exits 2"
expect_match "$err" "record $((nrec - 1))\b" "  the message names record $((nrec - 1))"
expect_eq "$(fingerprint "$s/runs/base")" "$before" "  nothing changed or set aside"

expect_eq "${crashes:-none}" none "no crash, hang or sanitizer report"
done_testing
