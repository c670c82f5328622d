#!/bin/bash
# repl_tty.sh -- rbk repl in a real terminal, driven through tmux:
# multi-line input, tab completion of a step name, Ctrl-C during a command
# and at the prompt, and history kept across two sessions.
. "$(dirname "$0")/lib.bash"
command -v tmux >/dev/null || "$RBK_TOP/deps.sh" test >/dev/null 2>&1
if ! command -v tmux >/dev/null; then
  echo "not ok 1 - tmux is not installed and could not be installed"; done_testing; exit 1
fi
t=$(tmpdir)
sock="rbk-test-$$"
trap 'tmux -L "$sock" kill-server 2>/dev/null; rm -rf "$t"' EXIT
cd "$t" || exit 1
cat > rb.rbk <<'EOF'
runbook "Terminal" {
  step first_step { log "first ran" }
  step second_step { log "second ran" }
}
EOF
env_cmd="cd $t && env RBK_STATE_DIR=$t/state RBK_HISTORY=$t/hist NO_COLOR=1 TERM=xterm $RBK repl rb.rbk"

screen() { tmux -L "$sock" capture-pane -p -t rbk; }
# wait_for REGEX: poll the screen until it matches (up to ~20 s); 0 if it did
wait_for() {
  local i
  for i in $(seq 1 200); do screen | grep -Eq -- "$1" && return 0; sleep 0.1; done
  return 1
}
keys() { tmux -L "$sock" send-keys -t rbk "$@"; }

tmux -L "$sock" new-session -d -s rbk -x 160 -y 50 "$env_cmd; echo REPL-EXITED; sleep 30"
wait_for '^rbk> ?$'; ok $? "the prompt appears"

keys 'if true {' Enter
wait_for '^\.\.\.> ?$'; ok $? "an open brace gives the continuation prompt"
keys 'log "tty multi"' Enter '}' Enter
wait_for 'log: tty multi'; ok $? "the multi-line statement ran"

keys ':run fir' Tab
wait_for 'rbk> :run first_step'; ok $? "Tab completes a step name"
keys Enter
wait_for 'first ran'; ok $? "the completed command ran the step"

keys 'run "sleep 37"' Enter
for i in $(seq 1 100); do pgrep -f 'sleep 37' >/dev/null && break; sleep 0.1; done
pgrep -f 'sleep 37' >/dev/null; ok $? "the command is running"
keys C-c
wait_for 'interrupted'; ok $? "Ctrl-C stops the command"
for i in $(seq 1 100); do [ "$(screen | grep -v '^$' | tail -1)" = "rbk>" ] && break; sleep 0.1; done
expect_eq "$(screen | grep -v '^$' | tail -1)" "rbk>" "and the prompt returns, empty, on the last line"
for i in $(seq 1 50); do pgrep -f 'sleep 37' >/dev/null || break; sleep 0.1; done
pgrep -f 'sleep 37' >/dev/null; [ $? -ne 0 ]; ok $? "the sleeper is gone"

keys 'this is not finished' C-c
sleep 0.3
keys '6 * 7' Enter
wait_for '^42$'; ok $? "Ctrl-C at the prompt clears the line; the next input works"

keys C-d
wait_for 'REPL-EXITED'; ok $? "Ctrl-D leaves"
ok "$([ "$(stat -c %a "$t/hist")" = 600 ]; echo $?)" "the history file has mode 0600"
grep -q '6 \* 7' "$t/hist"; ok $? "the history file holds the inputs"

# a second session: the history is there
tmux -L "$sock" kill-session -t rbk
tmux -L "$sock" new-session -d -s rbk -x 160 -y 50 "$env_cmd; echo REPL-EXITED; sleep 30"
wait_for '^rbk> ?$'; ok $? "a second session starts"
keys Up
wait_for 'rbk> 6 \* 7$'; ok $? "Up recalls the last input of the first session"
keys C-u ':quit' Enter
wait_for 'REPL-EXITED'; ok $? ":quit leaves"
j=$(ls state/runs/*/journal.jsonl | head -1)
expect_eq "$(jq -c 'select(.type=="improvised_start")' "$j" | wc -l | tr -d ' ')" 3 "the journal holds the 3 improvised inputs"
done_testing
