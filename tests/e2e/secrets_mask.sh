#!/bin/bash
# secrets_mask.sh -- a secret is masked in every rendering of every value
# holding it (docs/language.md 4.5): secrets with \ $ " ' a newline and
# spaces, logged as they are, in lists and in lists of lists, interpolated
# into text and commands, printed by a command, in a failing verify's
# message and sides, in a gate's text, in a notification and what the
# notifier receives, and typed at the REPL. Then neither the state
# directory (journal and all), the terminal, rbk log, rbk status, rbk
# report (md, html, json) nor the notifier's file holds the secret: not
# as it is, nor JSON-escaped (once or twice), shell-quoted, HTML-escaped
# or Markdown-escaped, nor (for one of several lines) any of its lines.
. "$(dirname "$0")/lib.bash"
t=$(tmpdir)
trap 'rm -rf "$t"' EXIT
cd "$t" || exit 1
export RBK_STATE_DIR="$t/state"

cat > mask.rbk <<'EOF'
runbook "Mask" {
  role lead "Lee Jones" email "lee@example.com"
  secret token
  notifier "printf '%s\n' ${message} >> notified.txt"
  step talk {
    log token
    log [token]
    log [[token, "x"], [[token]]]
    log "text: ${token}"
    log ["${[token]}"]
    log [run("printf '%s' ${token}")]
    notify lead "token ${token} as a list ${[[token]]}"
  }
  step commands {
    run "printf '%s\n' ${token}"
    run "printf '%s\n' ${[token]} \"${token}\" '${token}'"
    let r = run("printf 'out:%s\n' ${token}; printf 'err:%s\n' ${token} >&2")
    log r
  }
  step gate {
    ask "Is ${[token]} fine?"
  }
  step check {
    verify [[token], "y"] == [] "not empty: ${[[token]]}"
  }
}
EOF

# forms SECRET: every form the secret must not appear in, one per line,
# NUL-separated (a form may hold a newline), for has_form.
forms() {
  python3 - "$1" <<'PY'
import html, json, string, sys
v = sys.argv[1]
def j(s): return json.dumps(s, ensure_ascii=False)[1:-1]
def sq(s): return "'" + s.replace("'", "'\\''") + "'"
def sin(s): return s.replace("'", "'\\''")
def dq(s): return ''.join('\\' + c if c in '\\"$`' else c for c in s)
def md(s): return ''.join('\\' + c if c in string.punctuation else c for c in s)
def h(s): return html.escape(s, quote=True)
def h39(s): return h(s).replace('&#x27;', '&#39;')
out = set()
for base in (v, j(v)):
    for f in (base, j(base), sq(base), sin(base), dq(base), j(sq(base)), j(dq(base)), h(base), h39(base),
              md(base), h(j(base)), h39(j(base))):
        out.add(f)
if '\n' in v:
    out.update(line for line in v.split('\n') if len(line) >= 3)
sys.stdout.write('\0'.join(sorted(out)))
PY
}
# leaks SECRET FILE...: the forms of SECRET found in the files ("" if none)
leaks() {
  local s=$1; shift
  python3 - "$s" "$@" 3< <(forms "$s") <<'PY'
import os, sys
forms = [f for f in os.fdopen(3, 'rb').read().split(b'\0') if f]
found = []
for path in sys.argv[2:]:
    try:
        data = open(path, 'rb').read()
    except OSError as e:
        found.append('%s: %s' % (path, e)); continue
    for f in forms:
        if f in data:
            found.append('%s: %r' % (os.path.basename(path), f.decode('utf-8', 'replace')))
print('; '.join(found))
PY
}

secrets=(
  'Tok\en$HOME-1'          # the issue's case: \ and $ together
  'Tok"dq"-2'
  "Tok'sq'-3"
  $'Line-one-4\nLine-two-4'
  'Tok with spaces 5'
  $'All\\"\'$ \nof-them-6'
)
k=0
for s in "${secrets[@]}"; do
  k=$((k + 1))
  rm -rf state notified.txt out.txt
  (RBK_STATE_DIR=$t/state timeout 60 "$RBK" run --run-id "m$k" --param "token=$s" mask.rbk </dev/null >out.txt 2>&1); rc=$?
  expect_eq "$rc" 3 "[$k] the run waits at the question"
  "$RBK" status "m$k" >>out.txt 2>&1
  "$RBK" answer "m$k" yes >>out.txt 2>&1
  (timeout 60 "$RBK" resume "m$k" --param "token=$s" </dev/null >>out.txt 2>&1); rc=$?
  expect_eq "$rc" 1 "[$k] resumed, the run ends at the failing verify"
  j=state/runs/m$k/journal.jsonl
  expect_match "$(jq -r 'select(.type=="effect_start" and .kind=="log") | .what' "$j" | head -3 | tr '\n' ' ')" \
    '^\*\*\* \["\*\*\*"\] \[\["\*\*\*", "x"\], \[\["\*\*\*"\]\]\] $' "[$k] the journal shows the logs masked"
  expect_match "$(cat notified.txt 2>/dev/null)" '^token \*\*\* as a list \[\["\*\*\*"\]\]$' \
    "[$k] the notifier receives the message masked"
  expect_match "$(cat out.txt)" 'verify failed: not empty: \[\["\*\*\*"\]\]' "[$k] the verify's message is masked"
  "$RBK" log "m$k" >log.txt 2>&1
  "$RBK" log --format json "m$k" >logj.txt 2>&1
  for f in md html json; do "$RBK" report --format $f "m$k" >report.$f 2>&1; done
  ok "$(grep -qF '***' log.txt && grep -qF '***' report.html && grep -qF '***' report.json; echo $?)" \
    "[$k] rbk log and report show *** instead"
  files=(out.txt notified.txt log.txt logj.txt report.md report.html report.json)
  while IFS= read -r -d '' f; do files+=("$f"); done < <(find state -type f -print0)
  expect_eq "$(leaks "$s" "${files[@]}")" "" "[$k] no form of the secret in the journal, terminal, log, report or notifier"
done

# The REPL: a value typed or shown, and an improvised log, are masked too.
s='Repl\Tok$en"7'
rm -rf state
printf '%s\n' 'token' '[token]' '[[token]]' 'log [token]' ':vars' ':quit' |
  RBK_HISTORY=$t/hist timeout 60 "$RBK" repl --param "token=$s" mask.rbk >out.txt 2>&1
expect_match "$(cat out.txt)" '^\[\["\*\*\*"\]\]$' "the REPL prints a list of lists masked"
files=(out.txt)
while IFS= read -r -d '' f; do files+=("$f"); done < <(find state -type f -print0)
expect_eq "$(leaks "$s" "${files[@]}")" "" "the REPL: no form of the secret on the terminal or in the journal"

# Output that is not UTF-8 is journaled as base64: the secret is masked before.
s='Bin\Tok$en-8'
rm -rf state
cat > bin.rbk <<'EOF'
runbook "Bin" {
  secret token
  step s { run "printf '\\377%s\\n' ${token}" }
}
EOF
(timeout 60 "$RBK" run --param "token=$s" bin.rbk </dev/null >out.txt 2>&1)
b64=$(jq -r 'select(.type=="effect_end") | .result.rec.out.bytes // empty' state/runs/*/journal.jsonl | base64 -d 2>/dev/null | tr -d '\377')
expect_eq "$b64" '***' "output that is not UTF-8 is journaled (as base64) with the secret masked"

# A message that cuts a text at a length masks it first: no half secret.
s="Long\\secret\$-$(printf 'x%.0s' $(seq 70))"
rm -rf state
cat > long.rbk <<'EOF'
runbook "Long" {
  secret token
  step s { let n = num("${token}") }
}
EOF
(timeout 60 "$RBK" run --param "token=$s" long.rbk </dev/null >out.txt 2>&1)
expect_match "$(cat out.txt)" 'num\(\): "\*\*\*" is not a number' "num()'s message masks an 84-byte secret before cutting it at 60"
expect_eq "$(grep -rlF 'Long\secret' out.txt state)" "" "no part of it is shown or journaled"

done_testing
