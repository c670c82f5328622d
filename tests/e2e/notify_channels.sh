#!/bin/bash
# tests/e2e/notify_channels.sh -- named notifiers that reach people: a
# webhook (an HTTP receiver on 127.0.0.1 that records what it gets), e-mail
# (an aiosmtpd SMTP server), a shell one, chosen per role and per
# statement; a notifier at a closed port is journaled and the step goes
# on; `required` fails the step. Servers are tests/e2e/netserve.py,
# started here and stopped by PID.
set -u
top=${RBK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/e2e/lib.bash"
. "$top/tests/e2e/netserve.bash"
netserve_begin
netserve_start hook python3 echo "$d/hook.log"; hook=$got
ok $([ -n "$hook" ]; echo $?) "the HTTP receiver is up (port $hook)"
# aiosmtpd is Debian's python3-aiosmtpd: the system's python3 (deps.sh test)
netserve_start smtp /usr/bin/python3 smtp "$d/mail.log"; smtp=$got
ok $([ -n "$smtp" ]; echo $?) "the SMTP server is up (port $smtp)"
closed=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')

cat > rel.rbk <<EOF
runbook "Release 2.0" {
  secret hook_token = "T0KEN-hook-9f8e"
  role lead "Jane Doe" email "jane@example.org" notify chat "#release"
  role dba "Mike Brown" email "mike@example.org" notify mail
  role qa "QA" notify pager
  notifier chat webhook "http://127.0.0.1:$hook/services/\${hook_token}"
  notifier mail email "smtp://127.0.0.1:$smtp" from "rbk@example.org"
  notifier pager shell "printf '%s|%s|%s\\n' \${to} \${person} \${message} >> $d/pager.txt"
  notifier down webhook "http://127.0.0.1:$closed/hook/\${hook_token}"
  step migrate "Migrate the database" {
    notify lead "migration starting"
    notify dba "stop writes now"
    notify qa "smoke tests in 5 minutes"
    notify lead "also by mail" via mail
    notify dba "this one cannot be sent" via down
    log "the step goes on"
  }
}
EOF
out=$("$RBK" run rel.rbk 2>&1); rc=$?
expect_eq "$rc" 0 "a run whose notifications go out (one cannot) succeeds"
h=$(cat hook.log)
expect_match "$h" '"path": "/services/T0KEN-hook-9f8e"' "the webhook got a POST at its URL, secret and all"
expect_match "$h" '"body": "\{\\"text\\":\\"\[Release 2.0: step migrate \(Migrate the database\)\] lead \(Jane Doe\): migration starting\\",\\"channel\\":\\"#release\\"\}"' \
  "a Slack-compatible {text, channel}: the role's notifier and channel"
expect_match "$h" '"content-type": "application/json"' "sent as JSON"
m=$(cat mail.log)
expect_match "$m" '"from": "rbk@example.org", "to": \["mike@example.org"\]' "the role's e-mail notifier mailed the role's address"
expect_match "$m" 'Subject: \[rbk\] Release 2.0: step migrate \(Migrate the database\)' "subject from the runbook's title and the step"
expect_match "$m" 'stop writes now' "the message is the text"
expect_match "$m" '"to": \["jane@example.org"\].*also by mail' "via mail on a statement overrides the role's webhook, to the role's address"
expect_eq "$(cat pager.txt 2>/dev/null)" "qa|QA|smoke tests in 5 minutes" "a shell notifier runs its command with to, person and message"
expect_match "$out" "warning: the notifier 'down' failed \(the notification is journaled; the run goes on\): POST http://127.0.0.1:$closed/hook/\*\*\*: curl: \(7\)" \
  "a notifier at a closed port: a warning, with the secret in its URL masked"
expect_match "$out" 'log: the step goes on' "and the step goes on"
j=$(cat state/runs/rel-*/journal.jsonl)
rec=$(grep '"type":"notify_failed"' state/runs/rel-*/journal.jsonl)
expect_match "$rec" '"notifier":"down","role":"dba","person":"Mike Brown","step":"migrate","required":false,"error":"POST http://127.0.0.1:'"$closed"'/hook/\*\*\*: curl: \(7\)' \
  "the failure is its own journal record: which notifier, to whom, the error"
ok $(! grep -q 'cannot be sent' <<<"$rec"; echo $?) "the record does not carry the message"
expect_eq "$(grep -c 'T0KEN-hook' <<<"$j")" 0 "the secret in the webhook URL is never in the journal"
ok $(! grep -q 'T0KEN-hook' <<<"$out"; echo $?) "nor on the terminal"
expect_eq "$(grep -c '"notifier":"sent"' <<<"$j")" 4 "each notification that went out is journaled as sent"

cat > req.rbk <<EOF
runbook "Required" {
  role dba "Mike Brown" email "mike@example.org"
  notifier down email "smtp://127.0.0.1:$closed" from "rbk@example.org"
  step s {
    notify dba "must reach someone" via down required
    log "not reached"
  }
}
EOF
out=$("$RBK" run req.rbk 2>&1); rc=$?
expect_eq "$rc" 1 "a required notification that cannot be sent fails the step"
expect_match "$out" "error: the notification to dba failed: mail to mike@example.org through smtp://127.0.0.1:$closed: curl: \(7\)" "saying why"
ok $(! grep -q 'not reached' <<<"$out"; echo $?) "the step stops there"
expect_match "$(grep notify_failed state/runs/req-*/journal.jsonl)" '"notifier":"down","role":"dba".*"required":true' "journaled as required"

cat > bad.rbk <<'EOF'
runbook "Bad" {
  role dba "Mike" notify chta
  notifier chat webhook "https://example.com/hook"
  notifier mail email "smtp://127.0.0.1:25"
  notifier odd carrier "x"
  step s { notify dba "x" via nope }
}
EOF
out=$("$RBK" check bad.rbk 2>&1); rc=$?
expect_eq "$rc" 1 "rbk check refuses bad notifiers"
expect_match "$out" "bad.rbk:2:26: error: unknown notifier 'chta'" "an unknown notifier on a role, located"
expect_match "$out" "hint: did you mean 'chat'\?" "with the nearest name"
expect_match "$out" "error: the email notifier 'mail' needs a sender" "an email notifier without from"
expect_match "$out" "error: unknown kind of notifier 'carrier'" "an unknown kind"
expect_match "$out" "bad.rbk:6:31: error: unknown notifier 'nope'" "an unknown notifier on a statement"
done_testing
