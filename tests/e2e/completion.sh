#!/bin/bash
# completion.sh -- `rbk complete` and the bash and zsh completion scripts:
# the bash function is called for real (COMP_WORDS, COMP_CWORD, COMPREPLY);
# the zsh one is parsed by zsh and run with zsh's completion builtins
# replaced by functions that print what they were given.
set -u
. "$(dirname "$0")/lib.bash"
cd "$RBK_TOP"
t=$(tmpdir)
trap 'rm -rf "$t"' EXIT
mkdir -p "$t/bin" "$t/files/sub"
ln -s "$RBK" "$t/bin/rbk"
export PATH="$t/bin:$PATH"

cat > "$t/files/deploy.rbk" <<'EOF'
runbook "Deploy" {
  role ops "Ops"
  step prepare "Get ready" { log "ready" }
  step go { log "go" }
}
EOF
touch "$t/files/notes.txt" "$t/files/old.rbc"

# ---- rbk complete ------------------------------------------------------------
cmds=$(rbk --help | sed -n '/^Commands:/,/^$/p' | awk 'NF > 1 {print $1}' | sort)
got=$(rbk complete "" | cut -f1 | grep -v '^help$' | sort)
expect_eq "$got" "$cmds" "the commands offered are those rbk --help lists"
rbk complete "" | grep -qx $'run\texecute a runbook'; ok $? "each with its summary"
expect_eq "$(rbk complete -)" $'--help\tshow the commands\n--version\tprint the version' "options of rbk itself"
out=$(rbk complete check -)
for o in --format -q --quiet --dump-ast -h --help; do
  cut -f1 <<<"$out" | grep -qx -- "$o"; ok $? "check offers $o (read from its usage text)"
done
expect_eq "$(rbk complete check --format "")" $'text\njson' "the values of --format come from 'text|json'"
expect_eq "$(rbk complete check "")" "@runbook" "a FILE asks the shell for runbook files"
expect_eq "$(rbk complete compile x.rbk -o "")" "@file" "-o OUT asks for any file"
expect_eq "$(rbk complete status --state "")" "@dir" "--state DIR asks for a directory"
expect_eq "$(rbk complete run "$t/files/deploy.rbk" --only "")" $'prepare\tGet ready\ngo' \
  "--only offers the steps of the runbook on the command line, with titles"
expect_eq "$(rbk complete --at 2 run --from "" "$t/files/deploy.rbk")" $'prepare\tGet ready\ngo' \
  "even when the runbook comes after the option (--at)"
expect_eq "$(rbk complete run "$t/files/missing.rbk" --only "")" "" "no runbook, no steps (and no error)"
pending=$(rbk --help | awk '/\(not yet available\)$/ { print $1; exit }')
if [ -n "$pending" ]; then
  expect_eq "$(rbk complete "$pending" -)" "" "a command not built yet ($pending) offers nothing"
else
  _n=$((_n + 1)); echo "ok $_n - every command is built # SKIP no command to check"
fi
expect_eq "$(rbk complete answer RUN "")" $'yes\nno\nrerun\nskip\ndone' "the words of both Usage lines of answer"
expect_eq "$(rbk complete fmt -w a.rbk "")" "@runbook" "FILE... repeats"
expect_eq "$(rbk complete disasm --no-positions "")" "@runbook" "an option without a value is skipped"

# run IDs, from a real run
(cd "$t/files" && RBK_STATE_DIR="$t/state" rbk run deploy.rbk >/dev/null 2>&1)
id=$(RBK_STATE_DIR="$t/state" rbk runs --ids)
expect_match "$id" '^deploy-[0-9]{8}-[0-9]{6}$' "a run exists to complete"
expect_eq "$(RBK_STATE_DIR="$t/state" rbk complete resume "")" "$id" "RUN offers the run IDs of RBK_STATE_DIR"
expect_eq "$(rbk complete status --state "$t/state" "")" "$id" "or of the --state DIR on the command line"
expect_eq "$(cd "$t" && rbk complete status "")" "" "no runs: nothing offered"
out=$(rbk complete 2>&1); rc=$?
expect_eq "$rc" 2 "rbk complete without words is a usage error"
expect_match "$(rbk complete --help)" '^Usage: rbk complete' "rbk complete --help documents it"

# ---- bash ---------------------------------------------------------------------
bash_complete() {   # bash_complete WORD... (the last is the one being completed)
  (cd "$t/files" && bash --norc -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
    _rbk
    printf "%s\n" "${COMPREPLY[@]}" | sort' bash "$RBK_TOP/completions/rbk.bash" "$@")
}
bash -n completions/rbk.bash; ok $? "the bash script parses"
expect_eq "$(bash_complete rbk ch)" "check" "bash: rbk ch<TAB> gives check"
expect_eq "$(bash_complete rbk re)" $'repl\nreport\nresume' "bash: rbk re<TAB> gives the commands that start so"
expect_eq "$(bash_complete rbk check --f)" "--format" "bash: options"
expect_eq "$(bash_complete rbk check --format j)" "json" "bash: option values"
expect_eq "$(bash_complete rbk run deploy.rbk --only "")" $'go\nprepare' "bash: step names, without their titles"
expect_eq "$(bash_complete rbk run deploy.rbk --only p)" "prepare" "bash: step names, filtered"
expect_eq "$(cd "$t/files" && bash --norc -c 'source "$1"; COMP_WORDS=(rbk run --from "" deploy.rbk); COMP_CWORD=3; _rbk; echo "${COMPREPLY[*]}"' bash "$RBK_TOP/completions/rbk.bash")" \
  "prepare go" "bash: the words after the cursor count (the runbook after --from)"
expect_eq "$(bash_complete rbk check "")" $'deploy.rbk\nold.rbc\nsub' "bash: .rbk/.rbc files and directories, not notes.txt"
expect_eq "$(bash_complete rbk compile deploy.rbk -o n)" "notes.txt" "bash: any file for -o"
expect_eq "$(RBK_STATE_DIR="$t/state" bash_complete rbk status "")" "$id" "bash: run IDs"
expect_eq "$(bash_complete rbk answer x r)" $'rerun' "bash: argument words"
expect_eq "$(bash_complete rbk help ru)" $'run\nruns' "bash: rbk help COMMAND"

# ---- zsh ------------------------------------------------------------------------
if command -v zsh >/dev/null 2>&1; then
  zsh -n completions/_rbk; ok $? "the zsh script parses (zsh -n)"
  expect_eq "$(head -1 completions/_rbk)" "#compdef rbk" "it is a zsh completion function for rbk"
  zsh_complete() {   # zsh_complete WORD...: what _rbk hands to zsh's builtins
    (cd "$t/files" && zsh -f -c '
      _describe() { local -a a; a=("${(@P)${@[-1]}}"); print -rl -- "describe:" "${a[@]}"; }
      compadd() { local -a a; a=("${(@P)${@[-1]}}"); print -rl -- "compadd:" "${a[@]}"; }
      _files() { print -r -- "_files $*"; }
      eval "_rbk() { $(<$1) }"; shift
      words=("$@"); CURRENT=${CURRENT:-$#}
      _rbk' zsh "$RBK_TOP/completions/_rbk" "$@")
  }
  expect_eq "$(zsh_complete rbk run deploy.rbk --only "")" $'describe:\nprepare:Get ready\ncompadd:\ngo' \
    "zsh: steps with titles are described, the others added"
  expect_match "$(zsh_complete rbk "")" $'describe:\ncheck:parse and check runbooks' "zsh: commands with their summaries"
  expect_eq "$(zsh_complete rbk check "")" "_files -g *.(rbk|rbc)(-.)" "zsh: runbook files"
  expect_eq "$(zsh_complete rbk status --state "")" "_files -/" "zsh: directories"
  expect_eq "$(RBK_STATE_DIR="$t/state" zsh_complete rbk resume "")" $'compadd:\n'"$id" "zsh: run IDs"
  expect_eq "$(CURRENT=3 zsh_complete rbk run "" --only go)" "_files -g *.(rbk|rbc)(-.)" "zsh: the word at CURRENT is completed, not the last"
else
  _n=$((_n + 1)); echo "ok $_n - zsh tests # SKIP zsh is not installed (deps.sh test installs it)"
fi

done_testing
