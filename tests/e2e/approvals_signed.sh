#!/bin/bash
# tests/e2e/approvals_signed.sh -- approvals signed with SSH keys (issue 15):
# a role's `key` fields; rbk approve signs with ssh-keygen -Y sign and
# verifies against the role's keys before anything is journaled; a key of
# another role, no key at all, a forged or moved signature in the journal
# are refused with a clear message and nothing runs; resume and
# log --verify re-verify; ssh-agent signs when no --key is given; a role
# without keys is journaled "verified":false.
#
# Real keys (ssh-keygen -t ed25519 -N ''), real ssh-keygen -Y, a real
# ssh-agent killed by its PID. Nothing asserts a duration.
set -u
source tests/e2e/lib.bash
rbk() { rbk_at_T "$@"; }   # sets $out, $err, $all, $rc (lib.bash)
: "${RBK:?set RBK to the rbk binary}"
T=$(tmpdir)
AGENT_PID=
cleanup() { [ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
export RBK_STATE_DIR=$T/state
unset RBK_SIGNING_KEY SSH_AUTH_SOCK SSH_AGENT_PID

latest() { cat "$RBK_STATE_DIR/latest/$1" 2>/dev/null; }
journal() { cat "$RBK_STATE_DIR/runs/$1/journal.jsonl"; }
# answered RUN N: the effect_end of gate N, or nothing
answered() { journal "$1" | jq -c "select(.type==\"effect_end\" and .n==$2)"; }
fp() { ssh-keygen -l -f "$1" | awk '{print $2}'; }
re() { sed 's/[][\\.*^$+?(){}|/]/\\&/g' <<<"$1"; }   # a fingerprint as a literal in a regex
# gate_n RUN: the effect number of the gate the run waits at
gate_n() { journal "$1" | jq -r 'select(.type=="gate_wait") | .n' | tail -1; }

for k in lead lead2 sponsor ops cab; do ssh-keygen -q -t ed25519 -N '' -C "$k@test" -f "$T/$k" || exit 1; done
LEAD_FP=$(fp "$T/lead.pub"); SPONSOR_FP=$(fp "$T/sponsor.pub")

cat >"$T/deploy.rbk" <<RBK
runbook "Deploy" {
  role lead "Jane Doe" key "$(cat "$T/lead.pub")" key "$(cat "$T/lead2.pub")"
  role sponsor "Sarah Williams" key "$(cat "$T/sponsor.pub")"
  role ops "Dave Jones"
  step first { approve by lead "go" run "echo first >> first.out" }
  step second { approve by lead "again" run "echo second >> second.out" }
}
RBK

# ---- (a) rbk check ---------------------------------------------------------
rbk check deploy.rbk; ok $rc "(a) a runbook whose roles name keys checks"
cat >"$T/bad.rbk" <<'RBK'
runbook "Bad" {
  role lead "Jane" key "ssh-ed25519 AAAAnot-a-key"
  role qa "Q" key "hello world"
}
RBK
rbk check bad.rbk
expect_eq "$rc" 1 "(a) a key that does not parse: exit 1"
expect_match "$err" 'bad.rbk:2:[0-9]+: error: role lead: this is not an SSH public key' "(a) located error for a bad key"
expect_match "$err" "bad.rbk:3:[0-9]+: error: role qa: this is not an SSH public key: 'hello' is not an SSH public key type" "(a) located error for a key of no known type"

# ---- (b) the run waits for a signature -------------------------------------
# The operator starts runs known by their own key (ops, in no role).
RBK_SIGNING_KEY=$T/ops rbk run deploy.rbk
expect_eq "$rc" 3 "(b) the run waits at the approval (exit 3)"
expect_eq "$(journal "$(latest deploy)" | head -1 | jq -r .operator_key)" "$(fp "$T/ops.pub")" "(b) run_start names the operator's key"
expect_match "$err" "signed with one of the role's keys" "(b) it says the approval must be signed"
R1=$(latest deploy)

# ---- (c) refused: another role's key, no key, an unreadable key --------------
rbk approve "$R1" --as lead --key "$T/sponsor"
expect_eq "$rc" 1 "(c) another role's key: exit 1"
expect_match "$err" "refused, nothing recorded: signed by key $(re "$SPONSOR_FP"), which role lead does not accept \\(it accepts $(re "$LEAD_FP"), " "(c) names the key that signed and the keys the role accepts"
expect_eq "$(answered "$R1" 0)" "" "(c) nothing is journaled as approved"
rbk approve "$R1" --as lead
expect_eq "$rc" 1 "(c) no key and no agent: exit 1"
expect_match "$err" "role lead has keys, so the answer must be signed: no signing key: give --key FILE, set RBK_SIGNING_KEY" "(c) says where a key comes from"
rbk approve "$R1" --as lead --key "$T/nonesuch"
expect_match "$rc:$err" "^1:.*cannot read the signing key" "(c) an unreadable key file is refused"
expect_eq "$(answered "$R1" 0)" "" "(c) still nothing journaled"
rbk resume "$R1"
expect_eq "$rc" 3 "(c) resume still waits"
[ ! -e "$T/first.out" ]; ok $? "(c) the gated command did not run"

# ---- (d) the right key approves -------------------------------------------
rbk approve "$R1" --as lead --key "$T/lead" --note "change 42"
ok $rc "(d) the role's key approves"
a=$(answered "$R1" 0)
expect_eq "$(jq -r '[.result,.verified,.principal,.fingerprint,.note] | @tsv' <<<"$a")" "$(printf 'true\ttrue\tlead\t%s\tchange 42' "$LEAD_FP")" "(d) journaled: verified, principal, fingerprint, note"
expect_match "$(jq -r .signature <<<"$a")" "^-----BEGIN SSH SIGNATURE-----" "(d) the signature is journaled"
rbk log --verify "$R1"
expect_match "$rc:$out" "^0:journal intact: .* 1 signed approval verified" "(d) log --verify re-verifies the signature"
rbk resume "$R1"
expect_eq "$rc" 3 "(d) resume goes on to the second gate"
G2=$(gate_n "$R1")
expect_eq "$(cat "$T/first.out" 2>/dev/null)" "first" "(d) the first gated command ran"

# ---- (e) a signature moved to another gate, and a tampered one ---------------
# A forger with write access appends records and rebuilds the hash chain
# (the chain has no key); the signatures still give it away.
forge() {  # forge RUN MODE: MODE=move (gate 0's answer as gate G2's) or note (change gate 0's note)
  python3 - "$RBK_STATE_DIR/runs/$1/journal.jsonl" "$2" "$G2" <<'PY'
import hashlib, json, sys, re
path, mode, g2 = sys.argv[1], sys.argv[2], sys.argv[3]
lines = open(path, 'rb').read().decode().rstrip('\n').split('\n')
if mode == 'move':
    end = [l for l in lines if '"type":"effect_end"' in l and '"n":0,' in l][0]
    new = end.replace('"n":0,', '"n":%s,' % g2, 1)
    new = re.sub(r'"seq":\d+', '"seq":%d' % len(lines), new, 1)
    lines.append(new)
elif mode == 'note':
    lines = [l.replace('"note":"change 42"', '"note":"change 43"') for l in lines]
prev = '0' * 64
out = []
for l in lines:
    l = re.sub(r'"prev":"[0-9a-f]{64}"', '"prev":"%s"' % prev, l, 1)
    out.append(l)
    prev = hashlib.sha256(l.encode()).hexdigest()
open(path, 'w').write('\n'.join(out) + '\n')
PY
}
cp -a "$RBK_STATE_DIR/runs/$R1" "$T/r1.bak"
forge "$R1" move
rbk log --verify "$R1"
expect_match "$rc:$out" "^1:chain verified .* but a signed approval does not verify: .*gate $G2 .*does not cover this approval" "(e) a signature moved to another gate: log --verify names it"
rbk resume "$R1"
expect_eq "$rc" 1 "(e) resume refuses a moved signature (exit 1)"
expect_match "$err" "refusing to resume run $R1: journal record [0-9]+: the approval of gate $G2 \\(role lead\\) does not verify: the signature by $(re "$LEAD_FP") .*another run, gate" "(e) and says why"
[ ! -e "$T/second.out" ]; ok $? "(e) the second gated command did not run"
rm -rf "${RBK_STATE_DIR:?}/runs/$R1"; cp -a "$T/r1.bak" "$RBK_STATE_DIR/runs/$R1"
forge "$R1" note
rbk resume "$R1"
expect_match "$rc:$err" "^1:.*the approval of gate 0 \\(role lead\\) does not verify" "(e) a tampered note: resume refused"
rbk log --verify "$R1"
expect_eq "$rc" 1 "(e) a tampered note: log --verify fails"
rm -rf "${RBK_STATE_DIR:?}/runs/$R1"; cp -a "$T/r1.bak" "$RBK_STATE_DIR/runs/$R1"

# ---- (f) a signature from another run ----------------------------------------
RBK_SIGNING_KEY=$T/ops rbk run --new deploy.rbk
R2=$(latest deploy)
python3 - "$RBK_STATE_DIR/runs/$R1/journal.jsonl" "$RBK_STATE_DIR/runs/$R2/journal.jsonl" <<'PY'
import hashlib, json, sys, re
src = open(sys.argv[1]).read().rstrip('\n').split('\n')
lines = open(sys.argv[2]).read().rstrip('\n').split('\n')
end = [l for l in src if '"type":"effect_end"' in l and '"n":0,' in l][0]
end = re.sub(r'"seq":\d+', '"seq":%d' % len(lines), end, 1)
end = re.sub(r'"prev":"[0-9a-f]{64}"', '"prev":"%s"' % hashlib.sha256(lines[-1].encode()).hexdigest(), end, 1)
open(sys.argv[2], 'a').write(end + '\n')
PY
rbk resume "$R2"
expect_match "$rc:$err" "^1:.*refusing to resume run $R2: .*gate 0 \\(role lead\\) does not verify: .*another run" "(f) a signature from another run is refused at resume"
rbk log --verify "$R2"
expect_eq "$rc" 1 "(f) and by log --verify"

# ---- (g) ssh-agent signs when no --key is given; RBK_SIGNING_KEY ------------
eval "$(ssh-agent -s)" >/dev/null
AGENT_PID=$SSH_AGENT_PID
ssh-add -q "$T/lead2" 2>/dev/null; ok $? "(g) the agent holds the second lead key"
rbk approve "$R1" --as lead
ok $rc "(g) approve with no --key signs through ssh-agent"
expect_eq "$(answered "$R1" "$G2" | jq -r '[.verified, .fingerprint] | @tsv')" "$(printf 'true\t%s' "$(fp "$T/lead2.pub")")" "(g) signed by the agent's key"
kill "$AGENT_PID"; AGENT_PID=; unset SSH_AUTH_SOCK SSH_AGENT_PID
rbk resume "$R1"
ok $rc "(g) the run finishes"
expect_eq "$(cat "$T/second.out" 2>/dev/null)" "second" "(g) the second gated command ran"
rbk log --verify "$R1"
expect_match "$out" "2 signed approvals verified" "(g) log --verify: both signatures"
RBK_SIGNING_KEY=$T/ops rbk run --new deploy.rbk
R3=$(latest deploy)
RBK_SIGNING_KEY=$T/lead rbk approve "$R3" --as lead --refuse
ok $rc "(g) RBK_SIGNING_KEY signs a refusal"
expect_eq "$(answered "$R3" 0 | jq -r '[.result, .verified, .fingerprint] | @tsv')" "$(printf 'false\ttrue\t%s' "$LEAD_FP")" "(g) the refusal is signed"

# ---- (j) the operator cannot approve their own run's gate ---------------------
rbk run --new deploy.rbk
R4=$(latest deploy)
rbk approve "$R4" --as lead --key "$T/lead"
expect_match "$rc:$err" "^1:rbk approve: refused, nothing recorded: [^ ]+ started this run \\(with no signing key, so known by login name\\) and cannot approve" "(j) started with no key: the same login cannot approve"
expect_eq "$(answered "$R4" 0)" "" "(j) nothing journaled"
RBK_SIGNING_KEY=$T/lead rbk run --new deploy.rbk
R5=$(latest deploy)
rbk approve "$R5" --as lead --key "$T/lead"
expect_match "$rc:$err" "^1:rbk approve: refused, nothing recorded: key $(re "$LEAD_FP") started this run: the operator cannot approve their own run's gate" "(j) started with the lead's key: that key cannot approve"
expect_eq "$(answered "$R5" 0)" "" "(j) nothing journaled"
rbk approve "$R5" --as lead --key "$T/lead2"
ok $rc "(j) another holder of the role's keys can"
sed 's/approve by lead "go"/approve by lead or operator "go"/' "$T/deploy.rbk" >"$T/own.rbk"
RBK_SIGNING_KEY=$T/lead rbk run own.rbk
O=$(latest own)
rbk approve "$O" --as lead --key "$T/lead"
ok $rc "(j) 'approve by lead or operator': the operator may approve"
expect_eq "$(answered "$O" 0 | jq -r .verified)" "true" "(j) and it is signed"
sed 's/approve by lead "go"/approve by lead or sponsor "go"/' "$T/deploy.rbk" >"$T/bador.rbk"
rbk check bador.rbk
expect_match "$rc:$err" "^1:bador.rbk:5:[0-9]+: error: 'approve by lead or sponsor': only 'operator' may follow 'or'" "(j) only 'operator' may follow 'or'"

# ---- (k) two of N ---------------------------------------------------------------
cat >"$T/two.rbk" <<RBK
runbook "Two" {
  role lead "Jane Doe" key "$(cat "$T/lead.pub")" key "$(cat "$T/lead2.pub")"
  role sponsor "Sarah Williams" key "$(cat "$T/sponsor.pub")"
  role ops "Dave Jones"
  step a { approve by 2 of lead, sponsor "go" run "echo two >> two.out" }
}
RBK
rbk check two.rbk; ok $rc "(k) 'approve by 2 of lead, sponsor' checks"
RBK_SIGNING_KEY=$T/ops rbk run two.rbk
expect_match "$rc:$err" "^3:.*waiting for 2 signed approvals by lead,sponsor" "(k) the run waits for two signatures"
W=$(latest two)
rbk approve "$W" --as lead --key "$T/lead"
expect_match "$rc:$err" "^0:.*1 of 2 signed approvals; the gate waits for another signer" "(k) the first signature is recorded, the gate still waits"
expect_eq "$(answered "$W" 0)" "" "(k) the gate is not opened by one"
rbk approve "$W" --as lead --key "$T/lead"
expect_match "$rc:$err" "^1:.*key $(re "$LEAD_FP") has already approved this gate; it needs 2 different signers" "(k) the same key twice does not count twice"
expect_eq "$(journal "$W" | jq -s '[.[] | select(.type=="approval")] | length')" 1 "(k) still one approval record"
rbk resume "$W"
expect_eq "$rc:$(cat "$T/two.out" 2>/dev/null)" "3:" "(k) resume still waits; nothing ran"
rbk approve "$W" --as ops --key "$T/ops"
expect_match "$rc:$err" "^1:.*waits for approval by lead,sponsor, not by ops" "(k) a role the gate does not name is refused"
rbk approve "$W" --as sponsor --key "$T/sponsor"
ok $rc "(k) the second, distinct signer opens the gate"
expect_eq "$(answered "$W" 0 | jq -r '[.result, .verified, .approvals] | @tsv')" "$(printf 'true\ttrue\t2')" "(k) effect_end: approved by 2 signatures"
rbk resume "$W"
expect_eq "$rc:$(cat "$T/two.out" 2>/dev/null)" "0:two" "(k) the run goes on"
rbk log --verify "$W"
expect_match "$out" "2 signed approvals verified" "(k) log --verify checks both"
cat >"$T/twobad.rbk" <<RBK
runbook "TwoBad" {
  role lead "Jane Doe" key "$(cat "$T/lead.pub")"
  role ops "Dave Jones"
  step a { approve by 2 of lead, ops "go" }
  step b { approve by 3 of lead "go" }
}
RBK
rbk check twobad.rbk
expect_match "$err" "twobad.rbk:4:[0-9]+: error: role ops names no key: 'approve by N of' counts signatures" "(k) a role without keys in 'N of' is an error"
expect_match "$err" "twobad.rbk:5:[0-9]+: error: 'approve by 3 of' needs 3 distinct signers, but the roles name 1 key" "(k) more signers than keys is an error"

# ---- (l) the change board signs the exact plan ---------------------------------
cat >"$T/chg.rbk" <<RBK
runbook "Change" {
  version "1.0"
  role cab "Change Board" key "$(cat "$T/cab.pub")"
  require approval by cab
  step one { run "echo one >> c1.out" }
  step two { run "echo two >> c2.out" }
}
RBK
rbk check chg.rbk; ok $rc "(l) 'require approval by cab' checks"
rbk lint chg.rbk
expect_match "$out" "chg.rbk:4:[0-9]+: warning: no approval by cab in chg.rbk.approvals \\[plan-approval\\]" "(l) lint: the approval is missing"
rbk run chg.rbk
expect_match "$rc:$err" "^[12]:rbk run: this runbook requires approval by cab, and .*chg.rbk.approvals cannot be read" "(l) unsigned: the run is refused"
[ ! -e "$T/c1.out" ] && [ -z "$(latest chg)" ]; ok $? "(l) nothing ran, no run was made"
rbk approve chg.rbk --as cab --key "$T/lead"
expect_match "$rc:$err" "^1:.*signed by key $(re "$LEAD_FP"), which role cab does not accept" "(l) another key cannot sign for the board"
[ ! -e "$T/chg.rbk.approvals" ]; ok $? "(l) and nothing is written"
rbk approve chg.rbk --as cab --key "$T/cab"
expect_match "$rc:$out" "^0:approved chg.rbk \\(source SHA-256 [0-9a-f]{64}\\) as cab, signed by key $(re "$(fp "$T/cab.pub")")" "(l) the board signs the plan"
expect_eq "$(jq -r '[.role, .title, .version, (.steps | map(.name) | join(" ")), .fingerprint] | @tsv' "$T/chg.rbk.approvals")" "$(printf 'cab\tChange\t1.0\tone two\t%s' "$(fp "$T/cab.pub")")" "(l) chg.rbk.approvals: one JSON line with hash, title, version, steps, key"
OLD_SHA=$(jq -r .sha256 "$T/chg.rbk.approvals")
rbk plan chg.rbk
expect_match "$out" "Approved by \\| cab with key \`$(re "$(fp "$T/cab.pub")")\` at [0-9T:Z-]+, SHA-256 \`$OLD_SHA\` \\(this version\\)" "(l) rbk plan: who approved which hash, and when"
expect_eq "$OLD_SHA" "$(sha256sum "$T/chg.rbk" | cut -d' ' -f1)" "(l) it covers the runbook's exact SHA-256"
rbk run chg.rbk
expect_eq "$rc:$(cat "$T/c1.out" 2>/dev/null)" "0:one" "(l) signed: the run starts and finishes"
sed -i 's/echo two >> c2.out/echo TWO >> c2.out/; s/step one/step uno/' "$T/chg.rbk"
rbk run --new chg.rbk
expect_match "$rc:$err" "^[12]:rbk run: this runbook changed since cab approved it; refusing to start" "(l) an edited runbook is refused"
expect_match "$(tr '\n' ' ' <<<"$err")" "approved: $OLD_SHA .*current:  $(sha256sum "$T/chg.rbk" | cut -d' ' -f1)" "(l) it prints the approved and the current hash"
expect_match "$(tr '\n' ' ' <<<"$err")" "added   step uno .*changed step two .*removed step one" "(l) and the step-level difference"
expect_eq "$(cat "$T/c2.out")" "two" "(l) nothing ran"
rbk plan chg.rbk
expect_match "$out" "SHA-256 \`$OLD_SHA\` \\(another version\\)" "(l) rbk plan: the approval is for another version"
rbk lint chg.rbk
expect_match "$out" "warning: cab's approval in chg.rbk.approvals is for another version of this runbook \\[plan-approval\\]" "(l) lint: the approval is stale"
python3 - "$T/chg.rbk.approvals" "$(sha256sum "$T/chg.rbk" | cut -d' ' -f1)" <<'PY'
import sys
p, new = sys.argv[1], sys.argv[2]
line = open(p).read().splitlines()[0]
open(p, 'a').write(line.replace(line[11:75], new, 1) + '\n')
PY
rbk run --new chg.rbk
expect_match "$rc:$err" "^[12]:.*changed since cab approved it" "(l) a record whose hash was edited to the new one does not verify"
rbk approve chg.rbk --as cab --key "$T/cab"
ok $rc "(l) the board signs the new version"
rbk run --new chg.rbk
expect_eq "$rc:$(tail -1 "$T/c2.out" 2>/dev/null)" "0:TWO" "(l) and it runs"
rbk lint chg.rbk
if grep -q plan-approval <<<"$out"; then ok 1 "(l) lint: the approval is current"; else ok 0 "(l) lint: the approval is current"; fi

# ---- (m) keys from an allowed_signers file -----------------------------------
mkdir -p "$T/team"
{ echo "# who may sign for which role"
  echo "lead,sponsor namespaces=\"rbk-approval\" $(cat "$T/lead2.pub")"
  echo "sponsor $(cat "$T/sponsor.pub")"; } >"$T/team/allowed_signers"
cat >"$T/team/file.rbk" <<'RBK'
runbook "FileKeys" {
  role lead "Jane Doe" keys "allowed_signers"
  role sponsor "Sarah Williams" keys "allowed_signers"
  step a { approve by 2 of lead, sponsor "go" run "echo filekeys >> filekeys.out" }
}
RBK
rbk check team/file.rbk; ok $rc "(m) roles take their keys from an allowed_signers file beside the runbook"
RBK_SIGNING_KEY=$T/ops rbk run team/file.rbk
F=$(latest file)
rbk approve "$F" --as lead --key "$T/lead"
expect_match "$rc:$err" "^1:.*signed by key $(re "$LEAD_FP"), which role lead does not accept \\(it accepts $(re "$(fp "$T/lead2.pub")")\\)" "(m) a key the file does not list for the role is refused"
rbk approve "$F" --as lead --key "$T/lead2"
ok $rc "(m) the file's key for lead signs"
rbk approve "$F" --as sponsor --key "$T/sponsor"
ok $rc "(m) and the file's key for sponsor"
rbk resume "$F"
expect_eq "$rc:$(cat "$T/filekeys.out" 2>/dev/null)" "0:filekeys" "(m) the gate opened"
echo "nobody $(cat "$T/ops.pub")" >>"$T/team/allowed_signers"
rbk check team/file.rbk
expect_match "$rc:$err" "^1:team/file.rbk:2:[0-9]+: error: team/allowed_signers:4: principal 'nobody' names no role" "(m) a principal naming no role is a located error"
echo "lead ssh-ed25519 AAAAbroken" >"$T/team/allowed_signers"
rbk check team/file.rbk
expect_match "$err" "team/file.rbk:2:[0-9]+: error: role lead: team/allowed_signers:1: the key data" "(m) a bad key in the file names the file and line"
rm "$T/team/allowed_signers"
rbk check team/file.rbk
expect_match "$rc:$err" "^0:team/file.rbk:2:[0-9]+: warning: role lead: cannot read team/allowed_signers: .*its gates cannot be answered until it can" "(m) a missing file is a located warning (missing-keys)"
RBK_SIGNING_KEY=$T/ops rbk run --new team/file.rbk
F2=$(latest file)
rbk approve "$F2" --as lead --key "$T/lead2"
expect_match "$rc:$(tr '\n' ' ' <<<"$err")" "^1:.*refused, nothing recorded: role lead takes its keys from a file that cannot be read" "(m) without its keys file the role stays keyed: nothing can be approved (fail closed)"
expect_eq "$(answered "$F2" 0)" "" "(m) nothing journaled"

# ---- (h) without keys: unverified ------------------------------------------
cat >"$T/plain.rbk" <<'RBK'
runbook "Plain" {
  role ops "Dave Jones"
  step one { approve by ops "go" }
}
RBK
rbk run plain.rbk
P=$(latest plain)
rbk approve "$P" --as ops
ok $rc "(h) a role without keys approves as before"
expect_eq "$(answered "$P" 0 | jq -r '[.result, .verified, (.signature // "none")] | @tsv')" "$(printf 'true\tfalse\tnone')" "(h) journaled verified:false, no signature"

# ---- (i) the report says who signed -----------------------------------------
rbk report "$R1"
expect_match "$out" "as lead, signed by key $(re "$LEAD_FP")" "(i) report: the first approval, signed by the lead key"
expect_match "$out" "as lead, signed by key $(re "$(fp "$T/lead2.pub")")" "(i) report: the second, by the agent's key"
rbk report --format json "$R1"
expect_eq "$(jq -r '[.decisions[] | select(.kind=="approval") | "\(.verified) \(.fingerprint)"] | join(",")' <<<"$out")" "true $LEAD_FP,true $(fp "$T/lead2.pub")" "(i) report json: verified and fingerprint"
rbk report "$P"
expect_match "$out" "as ops \\(unverified: no key\\)" "(i) report: an approval without keys is unverified"

rbk lint plain.rbk
expect_match "$out" "plain.rbk:3:[0-9]+: warning: approvals in this runbook are not signed: no role names a key \\[unsigned-approvals\\]" "(h) lint warns unsigned-approvals without keys"
rbk lint deploy.rbk
if grep -q unsigned-approvals <<<"$out"; then ok 1 "(h) lint is quiet about signing when roles name keys"; else ok 0 "(h) lint is quiet about signing when roles name keys"; fi

[ ! -e "$T/.crashes" ]; ok $? "no crash, no sanitizer report"
[ -e "$T/.crashes" ] && sed 's/^/# /' "$T/.crashes"
done_testing
