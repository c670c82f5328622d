#!/bin/bash
# tests/e2e/cli_conventions.sh -- the command line follows the same
# conventions in every command (issue 16 items 12-15): --opt=value and
# --opt value, bundled short flags, options after arguments, -- ends the
# options, usage errors that name the option meant; RUN left out takes the
# run meant; a missing file is exit 2 for every command, and the exit
# status tables agree.
set -u
source tests/e2e/lib.bash
: "${RBK:?set RBK to the rbk binary}"
TOP=${RBK_TOP:-$PWD}
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT
export NO_COLOR=1
export RBK_STATE_DIR=$T/state
rbk() { rbk_at_T "$@"; }

cat >"$T/c.rbk" <<'EOF'
runbook "Conventions" {
  param who = "world"
  step a "A" {
    run "echo a ${who}"
  }
  step b "B" {
    run "echo b"
  }
}
EOF
cat >"$T/gate.rbk" <<'EOF'
runbook "Gate" {
  role lead "Lead"
  step a "A" {
    run "true"
  }
  step b "B" {
    approve by lead
    run "echo after the gate"
  }
}
EOF
cat >"$T/ask.rbk" <<'EOF'
runbook "Ask" {
  step a "A" {
    if ask("go on?") {
      run "echo yes"
    }
  }
}
EOF
cat >"$T/-dash.rbk" <<'EOF'
runbook "Dash" {
  step a "A" {
    run "true"
  }
}
EOF

# The commands that parse options (complete has its own protocol).
CMDS="check lint plan compile disasm run resume status log runs undo approve confirm answer report watch repl fmt"

# ---- item 12: one parser, the same conventions everywhere ----------------
rbk run --param=who=moon --only=a --dry-run c.rbk
expect_eq "$rc" 0 "run: --param=NAME=VALUE and --only=STEP are read (exit 0)"
expect_match "$out" "echo a 'moon'" "run: --param=who=moon sets the param (the value after the first '=')"
expect_match "$out" "step b: skipped" "run: --only=a selects the step"
rbk run c.rbk --only a --param who=sun --dry-run
expect_eq "$rc" 0 "run: options after FILE, with separate values: exit 0"
expect_match "$out" "echo a 'sun'" "run: options after FILE, with separate values, still work"
rbk run --dry c.rbk
expect_eq "$rc" 0 "run: a long option may be shortened while unambiguous (--dry)"
rbk run --a c.rbk
expect_eq "$rc" 2 "run: an ambiguous abbreviation is a usage error"
expect_match "$err" "^rbk run: option '--a' is ambiguous: --accept-changes, --as, --after, --accept-new-host-keys$" "... naming the options it could mean"
rbk run --dry-run=yes c.rbk
expect_eq "$rc:$err" "2:rbk run: --dry-run takes no value"$'\n'"Try 'rbk run --help'." "run: a value given to a flag is a usage error"
rbk run c.rbk --only
expect_eq "$rc:$err" "2:rbk run: --only needs a value (STEP)"$'\n'"Try 'rbk run --help'." "run: an option missing its value says what it needs"

# -- ends the options, everywhere (compile and run did not know it)
rbk check -- -dash.rbk
expect_eq "$rc" 0 "check -- -dash.rbk checks a file whose name starts with '-'"
rbk compile -o "$T/dash.rbc" -- -dash.rbk
expect_eq "$rc" 0 "compile: -- ends the options"
ok "$(test -s "$T/dash.rbc"; echo $?)" "compile -o OUT -- FILE writes OUT"
rbk run --dry-run -- -dash.rbk
expect_eq "$rc" 0 "run: -- ends the options"
rbk plan --format=json -- -dash.rbk
expect_eq "$rc" 0 "plan: --format=json and --"

# short flags: bundled, and a value attached
cp "$T/c.rbk" "$T/messy.rbk"
printf 'runbook "M"{step a{run "true"}}\n' >"$T/messy.rbk"
rbk fmt -lw messy.rbk
expect_eq "$rc:$out" "0:messy.rbk" "fmt -lw: bundled short flags (list and write)"
rbk fmt --check messy.rbk
expect_eq "$rc" 0 "fmt -lw did rewrite the file"
rbk compile -o"$T/att.rbc" c.rbk
expect_eq "$rc" 0 "compile -oOUT: a short option's value attached"
ok "$(test -s "$T/att.rbc"; echo $?)" "... writes OUT"
rbk compile c.rbk --output="$T/long.rbc"
ok "$(test "$rc" = 0 && test -s "$T/long.rbc"; echo $?)" "compile --output=OUT after the FILE"
rbk check -qh
expect_match "$rc:$out" "^0:Usage: rbk check" "check -qh: -h in a bundle prints the help"

# every command: an unknown option is "rbk CMD: ..." + "Try 'rbk CMD --help'." and exit 2;
# --help after an argument prints the usage; --opt=value is taken
bad_fmt="" bad_help="" bad_eq=""
for c in $CMDS; do
  rbk "$c" --bogus-option x
  if [ "$rc" != 2 ] || [ "$(head -1 <<<"$err")" != "rbk $c: unknown option '--bogus-option'" ] ||
     [ "$(tail -1 <<<"$err")" != "Try 'rbk $c --help'." ]; then bad_fmt="$bad_fmt $c($rc: $(head -1 <<<"$err"))"; fi
  rbk "$c" some-argument --help
  if [ "$rc" != 0 ] || ! grep -q "^Usage: rbk $c" <<<"$out"; then bad_help="$bad_help $c"; fi
done
expect_eq "$bad_fmt" "" "every command: an unknown option is 'rbk CMD: unknown option', Try 'rbk CMD --help', exit 2"
expect_eq "$bad_help" "" "every command: --help after an argument prints its usage (exit 0)"

# every option a --help lists is one the parser takes: --opt=VALUE (or
# --opt alone for a flag) never gives "unknown option", "takes no value"
# or "needs a value". Extra arguments make each call a usage error before
# anything runs.
nopts=0
for c in $CMDS; do
  help=$("$RBK" "$c" --help)
  while read -r name arg; do
    [ "$name" = --help ] && continue
    nopts=$((nopts + 1))
    if [ -n "$arg" ]; then
      v=${arg%%|*}
      case $v in [A-Z]*) v=x ;; esac
      rbk "$c" "$name=$v" a1 a2 a3
    else
      rbk "$c" "$name" a1 a2 a3
    fi
    if grep -Eq "unknown option|takes no value|needs a value \(" <<<"$err"; then bad_eq="$bad_eq $c:$name"; fi
  done < <(grep -E '^  (-[a-zA-Z], )?--[a-z]' <<<"$help" | sed -E 's/^  (-[a-zA-Z], )?(--[a-z][a-z-]*)( ([^ ]+))?.*/\2 \4/')
done
expect_eq "$bad_eq" "" "every option in every --help is accepted by the parser as --opt=VALUE"
ok "$(test "$nopts" -ge 35; echo $?)" "... ($nopts options in the help texts were tried)"

# and the other way: every option in a command's table (CMD_opts[] in
# cli/cmd_*.c and cli/repl.c) is listed in that command's --help
missing=$(cd "$TOP" && python3 - "$RBK" cli/cmd_*.c cli/repl.c <<'PY'
import re, subprocess, sys
rbk, n, out = sys.argv[1], 0, []
for path in sys.argv[2:]:
    src = open(path).read()
    for m in re.finditer(r'static const CliOpt (\w+)_opts\[\] = \{(.*?)\n\};', src, re.S):
        cmd = m.group(1)
        text = subprocess.run([rbk, cmd, '--help'], capture_output=True, text=True).stdout
        for o in re.finditer(r'\{"([a-z][a-z-]*)", (?:0|\'(.)\')', m.group(2)):
            n += 1
            name, short = o.group(1), o.group(2)
            if not re.search(r'^ +(-\w, )?--' + re.escape(name) + r'\b', text, re.M):
                out.append('%s --%s' % (cmd, name))
            if short and ('-%s, --%s' % (short, name)) not in text:
                out.append('%s -%s' % (cmd, short))
print(' '.join(out) if n >= 35 else 'only %d options found in the tables' % n)
PY
)
expect_eq "$missing" "" "every option in every command's table is listed in its --help"

# ---- item 13: did you mean, for options ----------------------------------
rbk run --dryrun c.rbk
expect_eq "$rc" 2 "run --dryrun: exit 2"
expect_eq "$(head -1 <<<"$err")" "rbk run: unknown option '--dryrun'; did you mean '--dry-run'?" "run --dryrun: did you mean '--dry-run'?"
rbk status --fromat json
expect_eq "$(head -1 <<<"$err")" "rbk status: unknown option '--fromat'; did you mean '--format'?" "status --fromat: did you mean '--format'?"
rbk lint --strcit c.rbk
expect_match "$err" "did you mean '--strict'\?" "lint --strcit: did you mean '--strict'?"
rbk plan --frobnicate c.rbk
expect_eq "$(head -1 <<<"$err")" "rbk plan: unknown option '--frobnicate'" "a far miss gets no suggestion"
rbk --verison
expect_eq "$rc:$(head -1 <<<"$err")" "2:rbk: unknown option '--verison'; did you mean '--version'?" "rbk --verison: did you mean '--version'?"

# ---- item 14: RUN left out ----------------------------------------------
RBK_STATE_DIR=$T/empty rbk status
expect_eq "$rc" 2 "status with no RUN and no runs: exit 2"
expect_match "$err" "^rbk status: no RUN given, and there is no run in $T/empty" "... says there is no run, and where it looked"
RBK_STATE_DIR=$T/empty rbk resume
expect_match "$rc:$err" "^2:rbk resume: no RUN given, and there is no run waiting or interrupted" "resume with no candidate: exit 2, says so"

rbk run gate.rbk
expect_eq "$rc" 3 "a run of gate.rbk waits at its gate (exit 3)"
G1=$(ls "$T/state/runs" | grep '^gate-')
sleep 1.1   # run IDs are named by the second
rbk run c.rbk
expect_eq "$rc" 0 "a later run of c.rbk succeeds"
C1=$(ls "$T/state/runs" | grep '^c-')

rbk runs --ids
expect_eq "$(tr '\n' ' ' <<<"$out")" "$C1 $G1 " "runs lists the newest first"
rbk status
expect_eq "$rc" 0 "status without RUN: exit 0"
expect_eq "$err" "rbk: using run $C1 (the newest)" "status without RUN says on stderr it took the newest run"
expect_match "$out" "^Run +$C1" "status without RUN shows the newest run"
rbk log
expect_match "$rc:$err" "^0:rbk: using run $C1 \(the newest\)" "log without RUN: the newest run"
expect_match "$out" "run_start +Conventions" "log without RUN prints the newest run's journal"
rbk report --format json
expect_match "$rc:$err" "^0:rbk: using run $C1 \(the newest\)" "report without RUN: the newest run"
expect_eq "$(jq -r .run <<<"$out" 2>/dev/null)" "$C1" "report without RUN reports the newest run"
rbk status --state "$T/state" --format=json
expect_match "$rc:$err" "^0:rbk: using run $C1" "status --state DIR without RUN looks in DIR"

rbk approve --as lead --note "looks good"
expect_eq "$rc" 0 "approve without RUN: the one run waiting for a person"
expect_eq "$err" "rbk: using run $G1 (the one waiting for a person)" "approve says which run it took"
expect_match "$out" "^recorded; 'rbk resume $G1' continues the run" "approve records the approval on that run"
rbk resume
expect_eq "$rc" 0 "resume without RUN: the one run waiting or interrupted, resumed to the end"
expect_match "$err" "^rbk: using run $G1 \(the one waiting or interrupted\)" "resume says which run it took"
expect_match "$out" "after the gate" "resume ran the step behind the gate"

# two runs waiting: nothing is picked
rbk run --new gate.rbk
G2=$(ls -t "$T/state/runs" | grep '^gate-' | grep -v "^$G1\$")
sleep 1.1
rbk run ask.rbk
A1=$(ls "$T/state/runs" | grep '^ask-')
expect_eq "$rc" 3 "a run of ask.rbk waits for its question"
rbk approve --as lead
expect_eq "$rc" 2 "approve without RUN while two runs wait: exit 2"
expect_match "$err" "^rbk approve: no RUN given, and 2 runs are waiting for a person; say which:" "... says several runs could be meant"
expect_match "$err" "^  $A1 +waiting" "... lists the newest candidate first"
expect_match "$(sed -n 3p <<<"$err")" "^  $G2 +waiting" "... and the other after it"
rbk status "$G2"
expect_match "$out" "waiting" "the refused approve recorded nothing: $G2 still waits"
rbk resume
expect_match "$rc:$err" "^2:rbk resume: no RUN given, and 2 runs are waiting or interrupted" "resume without RUN while two runs wait: exit 2"
rbk answer "$G2" nonsense
expect_eq "$rc" 2 "answer RUN WORD: a word that is not an answer is a usage error"
rbk approve "$G2" --as lead
expect_eq "$rc" 0 "approve RUN names the run"
rbk answer yes
expect_eq "$rc" 0 "answer yes without RUN: the one run still waiting for a person (the other was answered)"
expect_eq "$err" "rbk: using run $A1 (the one waiting for a person)" "answer says which run it took"

# ---- item 15: a missing file is exit 2 for every command ----------------
bad=""
for c in check lint plan fmt compile disasm run watch repl; do
  rbk "$c" missing.rbk
  [ "$rc" = 2 ] || bad="$bad $c:$rc"
done
for args in "check --format json missing.rbk" "check c.rbk missing.rbk" "lint --format sarif missing.rbk" \
            "lint c.rbk missing.rbk" "fmt --check missing.rbk" "run --dry-run missing.rbk" "approve missing.rbk --as lead"; do
  # shellcheck disable=SC2086
  rbk $args
  [ "$rc" = 2 ] || bad="$bad [$args]:$rc"
done
for c in status log report resume undo confirm; do
  rbk "$c" no-such-run
  [ "$rc" = 2 ] || bad="$bad $c:$rc"
done
rbk answer no-such-run yes
[ "$rc" = 2 ] || bad="$bad answer:$rc"
expect_eq "$bad" "" "a missing file (or run) is exit 2 for every command"
rbk check c.rbk missing.rbk
expect_match "$err" "^missing\.rbk: error: cannot open: No such file or directory" "check still names the missing file"
mkdir "$T/adir.rbk"
rbk lint adir.rbk
expect_eq "$rc" 2 "lint of a directory (a file that cannot be read): exit 2"
head -c 2048 /bin/sh >"$T/bin.rbk"
rbk check bin.rbk
expect_eq "$rc" 1 "check of a binary file (it reads, and is no runbook) is still check's own failure: exit 1"

# one exit table: rbk --help, README and the man page say the same of exit 2
rbk --help
expect_match "$out" "^  2    usage error; a missing or unreadable file \(every command\)" "rbk --help: exit 2 includes a missing or unreadable file"
expect_match "$(grep '^| 2 |' "$TOP/README.md")" "missing or cannot be read, for every command" "README's exit table says the same"
if (cd "$TOP" && bash man/mkman.sh "$RBK" docs "$T/man") >/dev/null 2>&1; then
  expect_match "$(tr -d '\\' <"$T/man/man1/rbk.1")" "missing or unreadable file" "the man page, made from --help, says the same"
else
  ok 1 "man/mkman.sh makes the man pages"
fi
expect_match "$("$RBK" check --help)" "^  2  usage error, or a FILE that is missing or cannot be read" "check --help: a missing FILE is exit 2"
expect_match "$("$RBK" lint --help)" "^  2  usage error, or a FILE that is missing or cannot be read" "lint --help: a missing FILE is exit 2"

ok "$(test ! -s "$T/.crashes"; echo $?)" "no crash or sanitizer report ($(head -c 300 "$T/.crashes" 2>/dev/null))"
done_testing
