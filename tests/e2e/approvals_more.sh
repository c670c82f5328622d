#!/bin/bash
# tests/e2e/approvals_more.sh -- the rest of signed approvals (issue 15):
#  (a) rbk confirm / rbk answer are signed when the step's owner names
#      keys: a key of another role, no key, a signature moved to another
#      gate or a tampered note are refused, nothing is recorded;
#  (b) revoked keys (role field revoked "FILE"): refused at approve, at
#      resume and by log --verify, naming the key and the file;
#  (c) the REPL: rbk repl --key signs :approve, :confirm, :answer; an
#      'approve by 2 of' gate waits after one signature, opens at the second;
#  (d) the terminal prompt of rbk run (tmux): a keyed manual step and an
#      'approve by ROLE or operator' are asked and signed with the
#      operator's key; with no key the run says so and waits with the
#      exact command; a plain keyed approval never asks at the terminal;
#  (e) rbk report shows the principal and each signature of a 2-of gate;
#  (f) 'require approval by' is a field of the program and of .rbc files.
#
# Real keys (ssh-keygen -t ed25519), real ssh-keygen -Y, a real tmux server
# on a private socket killed at exit. Nothing asserts a duration.
set -u
source tests/e2e/lib.bash
rbk() { rbk_at_T "$@"; }   # sets $out, $err, $all, $rc (lib.bash)
: "${RBK:?set RBK to the rbk binary}"
T=$(tmpdir)
SOCK="rbk-appr-$$"
AGENT_PID=
cleanup() { tmux -L "$SOCK" kill-server 2>/dev/null; [ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
export RBK_STATE_DIR=$T/state
unset RBK_SIGNING_KEY SSH_AUTH_SOCK SSH_AGENT_PID

latest() { cat "$RBK_STATE_DIR/latest/$1" 2>/dev/null; }
journal() { cat "$RBK_STATE_DIR/runs/$1/journal.jsonl"; }
answered() { journal "$1" | jq -c "select(.type==\"effect_end\" and .n==$2)"; }
gate_n() { journal "$1" | jq -r 'select(.type=="gate_wait") | .n' | tail -1; }
fp() { ssh-keygen -l -f "$1" | awk '{print $2}'; }
re() { sed 's/[][\\.*^$+?(){}|/]/\\&/g' <<<"$1"; }
flat() { tr '\n' ' ' <<<"$1"; }

for k in ops ops2 lead lead2 me; do ssh-keygen -q -t ed25519 -N '' -C "$k@test" -f "$T/$k" || exit 1; done
OPS_FP=$(fp "$T/ops.pub"); OPS2_FP=$(fp "$T/ops2.pub"); LEAD_FP=$(fp "$T/lead.pub")

# ---- (a) signed confirm and answer ---------------------------------------------
cat >"$T/m.rbk" <<RBK
runbook "Manual" {
  role ops "Dave Jones" key "$(cat "$T/ops.pub")" key "$(cat "$T/ops2.pub")"
  role lead "Jane Doe" key "$(cat "$T/lead.pub")"
  step cable {
    owner ops
    manual "Check the cable"
    verify ask("Is the light on?") "the light is on"
    run "echo lit >> lit.out"
  }
}
RBK
rbk check m.rbk; ok $rc "(a) a runbook with a keyed step owner checks"
RBK_SIGNING_KEY=$T/me rbk run m.rbk
M=$(latest m)
expect_match "$rc:$(flat "$err")" "^3:.*waiting for a person to confirm a manual step, signed with a key of role ops, the step's owner" "(a) the manual step waits for a signed confirmation"
expect_match "$err" "to go on: rbk confirm $M --key FILE" "(a) and names the command, with --key"
expect_eq "$(journal "$M" | jq -r 'select(.type=="gate_wait") | .signer')" "ops" "(a) gate_wait names the signing role"
rbk confirm "$M" --key "$T/lead"
expect_match "$rc:$err" "^1:rbk confirm: refused, nothing recorded: signed by key $(re "$LEAD_FP"), which role ops does not accept" "(a) another role's key: refused, naming the key and the role's keys"
expect_eq "$(answered "$M" 0)" "" "(a) nothing journaled"
rbk confirm "$M"
expect_match "$rc:$err" "^1:.*role ops has keys, so the answer must be signed: no signing key" "(a) no key: refused"
rbk confirm "$M" --key "$T/ops" --note "cable seated"
ok $rc "(a) the owner's key confirms"
expect_eq "$(answered "$M" 0 | jq -r '[.result,.role,.verified,.principal,.fingerprint,.note] | @tsv')" "$(printf 'true\tops\ttrue\tops\t%s\tcable seated' "$OPS_FP")" "(a) journaled signed: role, principal, fingerprint, note"
rbk resume "$M"
expect_eq "$rc" 3 "(a) resume goes on to the question, which waits"
Q=$(gate_n "$M")
rbk answer "$M" yes --key "$T/lead"
expect_match "$rc:$err" "^1:rbk answer: refused, nothing recorded: signed by key $(re "$LEAD_FP")" "(a) answer with another role's key: refused"
expect_eq "$(answered "$M" "$Q")" "" "(a) nothing journaled"
rbk answer "$M" yes extra
expect_eq "$rc" 2 "(a) rbk answer with a third word is a usage error"
rbk answer "$M" yes --key "$T/ops2" --note "green"
ok $rc "(a) answer signed with the second owner key"
expect_eq "$(answered "$M" "$Q" | jq -r '[.result,.verified,.fingerprint,.note] | @tsv')" "$(printf 'true\ttrue\t%s\tgreen' "$OPS2_FP")" "(a) the answer is signed"
cp -a "$RBK_STATE_DIR/runs/$M" "$T/m.bak"
python3 - "$RBK_STATE_DIR/runs/$M/journal.jsonl" <<'PY'
import hashlib, re, sys
p = sys.argv[1]
lines = open(p).read().rstrip('\n').split('\n')
lines = [l.replace('"note":"cable seated"', '"note":"cable cut"') for l in lines]
prev = '0' * 64
out = []
for l in lines:
    l = re.sub(r'"prev":"[0-9a-f]{64}"', '"prev":"%s"' % prev, l, 1)
    out.append(l)
    prev = hashlib.sha256(l.encode()).hexdigest()
open(p, 'w').write('\n'.join(out) + '\n')
PY
rbk resume "$M"
expect_match "$rc:$(flat "$err")" "^1:.*refusing to resume run $M: journal record [0-9]+: the confirmation of gate 0 \\(role ops, the step's owner\\) does not verify" "(a) a tampered confirmation note: resume refused"
[ ! -e "$T/lit.out" ]; ok $? "(a) and the command did not run"
rbk log --verify "$M"
expect_eq "$rc" 1 "(a) log --verify fails too"
rm -rf "${RBK_STATE_DIR:?}/runs/$M"; cp -a "$T/m.bak" "$RBK_STATE_DIR/runs/$M"
# the confirmation's signature presented as the question's answer (another gate)
python3 - "$RBK_STATE_DIR/runs/$M/journal.jsonl" "$Q" <<'PY'
import hashlib, json, re, sys
p, q = sys.argv[1], int(sys.argv[2])
lines = open(p).read().rstrip('\n').split('\n')
conf = json.loads([l for l in lines if '"type":"effect_end"' in l and '"n":0,' in l][0])
out = []
for l in lines:
    r = json.loads(l)
    if r.get('type') == 'effect_end' and r.get('n') == q:
        for k in ('fingerprint', 'signed_at', 'signature'):
            r[k] = conf[k]
        r['note'] = conf['note']
        l = json.dumps(r, separators=(',', ':'), ensure_ascii=False)
    out.append(l)
prev = '0' * 64
res = []
for l in out:
    l = re.sub(r'"prev":"[0-9a-f]{64}"', '"prev":"%s"' % prev, l, 1)
    res.append(l)
    prev = hashlib.sha256(l.encode()).hexdigest()
open(p, 'w').write('\n'.join(res) + '\n')
PY
rbk log --verify "$M"
expect_match "$rc:$out" "^1:.*the answer of gate $Q \\(role ops, the step's owner\\) does not verify: .*does not cover this approval" "(a) a confirmation's signature moved to the question: log --verify names it"
rm -rf "${RBK_STATE_DIR:?}/runs/$M"; cp -a "$T/m.bak" "$RBK_STATE_DIR/runs/$M"
rbk resume "$M"
expect_eq "$rc:$(cat "$T/lit.out" 2>/dev/null)" "0:lit" "(a) the untouched run resumes and finishes"
rbk log --verify "$M"
expect_match "$rc:$out" "^0:journal intact: .* 2 signed approvals verified" "(a) log --verify checks the confirmation and the answer"

# ---- (b) revoked keys -------------------------------------------------------------
cat >"$T/rv.rbk" <<RBK
runbook "Revoked" {
  role lead "Jane Doe" key "$(cat "$T/lead.pub")" key "$(cat "$T/lead2.pub")" revoked "revoked_keys"
  step a { approve by lead "go" run "echo a >> rv.out" }
  step b { approve by lead "again" run "echo b >> rv.out" }
}
RBK
rbk check rv.rbk
expect_match "$rc:$err" "^1:rv.rbk:2:[0-9]+: error: role lead: cannot read revoked_keys" "(b) an unreadable revocation file is a located error"
{ echo "# revoked keys, one a line"; echo; } >"$T/revoked_keys"
rbk check rv.rbk; ok $rc "(b) an empty revocation file checks"
echo "not a key" >>"$T/revoked_keys"
rbk check rv.rbk
expect_match "$err" "rv.rbk:2:[0-9]+: error: role lead: revoked_keys:3: " "(b) a line that is not a key: error naming the file and line"
{ echo "# revoked keys, one a line"; cat "$T/lead2.pub"; } >"$T/revoked_keys"
RBK_SIGNING_KEY=$T/me rbk run rv.rbk
V=$(latest rv)
rbk approve "$V" --as lead --key "$T/lead2"
expect_match "$rc:$err" "^1:rbk approve: refused, nothing recorded: key $(re "$(fp "$T/lead2.pub")") is revoked \\(revoked_keys:2\\)" "(b) a revoked key is refused at approve, naming the key and the file"
expect_eq "$(answered "$V" 0)" "" "(b) nothing journaled"
rbk approve "$V" --as lead --key "$T/lead"
ok $rc "(b) a key that is not revoked approves"
rbk resume "$V"
expect_eq "$rc:$(cat "$T/rv.out" 2>/dev/null)" "3:a" "(b) the first gate opened"
cat "$T/lead.pub" >>"$T/revoked_keys"   # the key that signed is revoked afterwards
rbk resume "$V"
expect_match "$rc:$(flat "$err")" "^1:.*refusing to resume run $V: .*gate 0 \\(role lead\\) does not verify: key $(re "$LEAD_FP") is revoked \\(revoked_keys:3\\)" "(b) a key revoked after it signed: resume refused"
rbk log --verify "$V"
expect_match "$rc:$out" "^1:.*key $(re "$LEAD_FP") is revoked \\(revoked_keys:3\\)" "(b) and log --verify says so"
rm "$T/revoked_keys"
rbk log --verify "$V"
expect_match "$rc:$out" "^1:.*a signed approval does not verify: .*does not compile" "(b) a revocation file gone at verify time: fail closed"

# ---- (c) the REPL -------------------------------------------------------------------
cat >"$T/two.rbk" <<RBK
runbook "Two" {
  role lead "Jane Doe" key "$(cat "$T/lead.pub")"
  role ops "Dave Jones" key "$(cat "$T/ops.pub")"
  step a {
    approve by 2 of lead, ops "go"
    log "a ran"
  }
  step b {
    owner ops
    manual "Check the cable"
    log "b ran"
  }
}
RBK
out=$(cd "$T" && printf '%s\n' ':next' ':approve lead "first"' ':next' ':quit' | RBK_SIGNING_KEY=$T/me timeout 60 "$RBK" repl --key "$T/lead" two.rbk 2>&1)
W=$(latest two)
expect_match "$out" "1 of 2 signed approvals; the gate waits for another signer" "(c) REPL: the first signature is recorded"
expect_match "$out" 'to go on: :approve ROLE "note" \(ROLE one of lead,ops' "(c) the waiting gate names the command"
! grep -q 'a ran' <<<"$out"; ok $? "(c) one signature does not open the gate"
rbk status "$W"
expect_match "$(flat "$out")" "To continue:   rbk approve $W   rbk resume $W" "(c) rbk status: approve, with no --as for a gate of two roles"
! grep -q -- '--as lead,ops' <<<"$out"; ok $? "(c) ... (never --as lead,ops, which no role is)"
expect_eq "$(journal "$W" | jq -r 'select(.type=="approval") | [.role,.fingerprint] | @tsv')" "$(printf 'lead\t%s' "$LEAD_FP")" "(c) an approval record signed by the lead key"
out=$(cd "$T" && printf '%s\n' ':approve lead "again"' ':approve ops "second"' ':next' ':next' ':confirm "seated"' ':next' | timeout 60 "$RBK" repl --run "$W" --key "$T/lead2" 2>&1)
expect_match "$(flat "$out")" "refused, nothing recorded: signed by key $(re "$(fp "$T/lead2.pub")"), which role lead does not accept" "(c) REPL: a key the role does not list is refused"
out=$(cd "$T" && printf '%s\n' ':approve lead "again"' ':approve ops "second"' ':next' ':next' ':confirm "seated"' ':next' | timeout 60 "$RBK" repl --run "$W" --key "$T/ops" 2>&1)
expect_match "$(flat "$out")" "a ran" "(c) a second, distinct signer (another session, the ops key) opens the gate"
expect_match "$(flat "$out")" "b ran" "(c) :confirm signed with the owner's key lets step b finish"
expect_eq "$(journal "$W" | jq -s '[.[] | select(.type=="approval")] | length')" 2 "(c) two approval records"
expect_eq "$(journal "$W" | jq -r 'select(.type=="effect_end" and .role=="ops" and .note=="seated") | .verified')" "true" "(c) the confirmation is signed"
rbk log --verify "$W"
expect_match "$rc:$out" "^0:journal intact: .* 3 signed approvals verified" "(c) log --verify checks all three"

# ---- (e) the report ---------------------------------------------------------------
rbk report "$W"
expect_match "$out" "signature \\| go \\| signed \\| [^|]* as lead, signed by key $(re "$LEAD_FP") \\(principal lead\\)" "(e) report: each signature of the 2-of gate is a row, with key and principal"
expect_match "$out" "approval \\| go \\| approved \\| [^|]*, opened by 2 signatures" "(e) the gate's row says it opened on two signatures"
expect_match "$out" "confirmation \\| Check the cable \\| confirmed \\| [^|]* as ops, signed by key $(re "$OPS_FP") \\(principal ops\\)" "(e) a signed confirmation shows key and principal"
rbk report --format json "$W"
expect_eq "$(jq -r '[.decisions[] | select(.kind=="signature") | "\(.role) \(.principal) \(.verified)"] | join(",")' <<<"$out")" "lead lead true,ops ops true" "(e) report json: signature rows with principal"
expect_eq "$(jq -r '.decisions[] | select(.kind=="approval") | .signers' <<<"$out")" "2" "(e) report json: the gate's signers"
rbk report --format html "$W"
expect_match "$out" "signed by key $(re "$LEAD_FP") \\(principal lead\\)" "(e) report html: the signer"

# ---- (f) require approval by: a program field, kept by .rbc files ------------------
cat >"$T/chg.rbk" <<RBK
runbook "Change" {
  role cab "Change Board" key "$(cat "$T/lead.pub")"
  require approval by cab
  step one { run "echo one >> chg.out" }
}
RBK
rbk compile chg.rbk -o chg.rbc
ok $rc "(f) a runbook that requires approval compiles to .rbc"
expect_eq "$(grep -c 'rbk:requires' "$T/chg.rbc")" 0 "(f) no hidden role field carries the requirement"
rbk run chg.rbc
expect_match "$rc:$err" "^[12]:rbk run: this runbook requires approval by cab" "(f) the .rbc still requires the approval"
[ ! -e "$T/chg.out" ]; ok $? "(f) nothing ran"
rbk plan --format json chg.rbk
expect_eq "$(jq -r '[.roles[]? | tostring | test("rbk:requires")] | any' <<<"$out")" "false" "(f) rbk plan shows no hidden field"

# ---- (d) the terminal prompt of rbk run (tmux) ---------------------------------------
command -v tmux >/dev/null || "$RBK_TOP/deps.sh" test >/dev/null 2>&1
if ! command -v tmux >/dev/null; then
  ok 1 "(d) tmux is not installed and could not be installed"
else
  NS=0   # each terminal run in a session of its own: rbk1, rbk2, ...
  screen() { tmux -L "$SOCK" capture-pane -p -J -S -200 -t "rbk$NS" 2>/dev/null; }
  wait_for() {
    local i
    for i in $(seq 1 300); do screen | grep -Eq -- "$1" && return 0; sleep 0.1; done
    return 1
  }
  keys() { tmux -L "$SOCK" send-keys -t "rbk$NS" "$@" 2>/dev/null; }
  term_run() {  # term_run ENV-ASSIGNMENTS... -- ARGS: rbk run at a terminal in tmux
    local envs=()
    while [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    NS=$((NS + 1))
    tmux -L "$SOCK" new-session -d -s "rbk$NS" -x 200 -y 50 \
      "cd $T && env RBK_STATE_DIR=$RBK_STATE_DIR NO_COLOR=1 TERM=xterm ${envs[*]} $RBK run $*; echo RUN-EXITED=\$?; sleep 60"
  }
  cat >"$T/tm.rbk" <<RBK
runbook "Terminal" {
  role ops "Dave Jones" key "$(cat "$T/ops.pub")"
  role lead "Jane Doe" key "$(cat "$T/lead.pub")"
  step a {
    owner ops
    manual "Seat the cable"
    approve by lead or operator "Go ahead"
    run "echo a >> tm.out"
  }
  step b {
    approve by lead "Really go"
    run "echo b >> tm.out"
  }
}
RBK
  # RBK_SIGNING_KEY is the ops key: the manual step is signed with it; the
  # 'or operator' approval is asked, but the ops key is not the lead's
  term_run RBK_SIGNING_KEY=$T/ops -- tm.rbk
  wait_for "Type 'done' when it is done"; ok $? "(d) the keyed manual step asks at the terminal"
  keys 'done' Enter
  wait_for 'Approve as lead\? \[yes/no\]'; ok $? "(d) 'approve by lead or operator' asks the operator"
  keys 'yes' Enter
  wait_for 'Note \(optional\): ?$'
  keys 'cable fine' Enter
  wait_for 'RUN-EXITED=3'; ok $? "(d) signed with a key the role does not accept: the run waits (exit 3)"
  TM=$(latest tm)
  wait_for "not signed here: signed by key $(re "$OPS_FP"), which role lead does not accept"; ok $? "(d) and says why"
  wait_for "to go on: rbk approve $TM --as lead --key FILE"; ok $? "(d) naming the exact command, with --key FILE"
  expect_eq "$(answered "$TM" 0 | jq -r '[.role,.verified,.fingerprint] | @tsv')" "$(printf 'ops\ttrue\t%s' "$OPS_FP")" "(d) the manual step's confirmation is signed by the operator's key"
  expect_eq "$(answered "$TM" 1)" "" "(d) the approval that could not be signed is not journaled"
  # ssh-agent holds the ops and the lead keys: both gates of step a are signed through it
  eval "$(ssh-agent -s)" >/dev/null
  AGENT_PID=$SSH_AGENT_PID
  ssh-add -q "$T/ops" "$T/lead" 2>/dev/null; ok $? "(d) a real ssh-agent holds the ops and lead keys"
  term_run SSH_AUTH_SOCK=$SSH_AUTH_SOCK -- --new tm.rbk
  TM=
  wait_for "Type 'done' when it is done"; ok $? "(d) with the agent: the manual step asks"
  keys 'done' Enter
  wait_for 'Approve as lead\? \[yes/no\]'; ok $? "(d) the 'or operator' approval asks"
  keys 'yes' Enter
  wait_for 'Note \(optional\): ?$'
  keys 'cable fine' Enter
  wait_for 'RUN-EXITED=3'; ok $? "(d) a plain keyed approval does not ask: the run waits (exit 3)"
  TM=$(latest tm)
  wait_for "to go on: rbk approve $TM --as lead --key FILE"; ok $? "(d) and names the exact command, with --key FILE"
  ! screen | grep -q 'Really go.*\[yes/no\]'; ok $? "(d) the plain approval was not asked"
  kill "$AGENT_PID"; AGENT_PID=; unset SSH_AUTH_SOCK SSH_AGENT_PID
  expect_eq "$(answered "$TM" 0 | jq -r '[.role,.verified,.fingerprint] | @tsv')" "$(printf 'ops\ttrue\t%s' "$OPS_FP")" "(d) the confirmation is signed by the agent's ops key"
  expect_eq "$(answered "$TM" 1 | jq -r '[.result,.verified,.fingerprint,.note] | @tsv')" "$(printf 'true\ttrue\t%s\tcable fine' "$LEAD_FP")" "(d) the 'or operator' approval by the agent's lead key, with its note"
  expect_eq "$(cat "$T/tm.out" 2>/dev/null)" "a" "(d) step a ran"
  rbk log --verify "$TM"
  expect_match "$rc:$out" "^0:journal intact: .* 2 signed approvals verified" "(d) log --verify checks the terminal's signatures"
  rbk approve "$TM" --as lead --key "$T/lead2"
  expect_match "$rc:$err" "^1:.*which role lead does not accept" "(d) a key the role does not list cannot approve the waiting gate"
  rbk report "$TM"
  expect_match "$out" "confirmation \\| Seat the cable \\| confirmed \\| [^|]* as ops, signed by key $(re "$OPS_FP") \\(principal ops\\)" "(d) the report shows the terminal's signed confirmation"
  # with no key at hand: it says so, and waits with the exact command
  term_run -- --new tm.rbk
  wait_for 'RUN-EXITED=3'; ok $? "(d) no signing key at the terminal: the run waits (exit 3)"
  TN=$(latest tm)
  wait_for "not signed here: no signing key at this terminal \\(set RBK_SIGNING_KEY, or load the key into ssh-agent\\)"; ok $? "(d) it says there is no key"
  wait_for "to go on: rbk confirm $TN --key FILE"; ok $? "(d) and names the exact command"
  ! screen | grep -q "Type 'done'"; ok $? "(d) without a key it does not ask"
  expect_eq "$(answered "$TN" 0)" "" "(d) nothing journaled"
  tmux -L "$SOCK" kill-server 2>/dev/null
fi

[ ! -e "$T/.crashes" ]; ok $? "no crash, no sanitizer report"
[ -e "$T/.crashes" ] && sed 's/^/# /' "$T/.crashes"
done_testing
