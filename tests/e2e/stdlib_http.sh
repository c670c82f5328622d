#!/bin/bash
# tests/e2e/stdlib_http.sh -- http_status() and http_get() against a real
# HTTP server on 127.0.0.1 (python3 -m http.server, on a port it picks
# itself), and against a server that accepts but never answers (the
# timeout). URLs reach curl as one argument, never through a shell.
set -u
top=${RBK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/e2e/lib.bash"
d=$(tmpdir)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$d"; }
trap cleanup EXIT
cd "$d" || exit 1
export RBK_STATE_DIR="$d/state"

mkdir www && printf '1.9\n' > www/version.txt && printf '<h1>portal</h1>\n' > www/index.html
# Port 0: the server takes a free port and says which.
python3 -u -m http.server 0 --bind 127.0.0.1 --directory www > server.out 2> server.log &
pids+=($!)
port=""
for _ in $(seq 1 300); do
  port=$(sed -n 's/.*port \([0-9][0-9]*\).*/\1/p' server.out | head -1)
  [ -n "$port" ] && curl -s -o /dev/null "http://127.0.0.1:$port/" && break
  sleep 0.1
done
ok $([ -n "$port" ] && curl -s -o /dev/null "http://127.0.0.1:$port/"; echo $?) "the HTTP server is up (port $port)"

# A server that accepts connections and never answers.
python3 -u -c '
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
print(s.getsockname()[1], flush=True)
held = []
while True:
    c, _ = s.accept(); held.append(c)
' > silent.out &
pids+=($!)
silent=""
for _ in $(seq 1 300); do silent=$(head -1 silent.out); [ -n "$silent" ] && break; sleep 0.1; done
ok $([ -n "$silent" ]; echo $?) "the silent server is up (port $silent)"

# A port nothing listens on: ask the kernel for one, then close it.
closed=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')

cat > h.rbk <<EOF
runbook "HTTP checks" {
  param base = "http://127.0.0.1:$port"
  step look {
    log "status=\${http_status("\${base}/version.txt")}"
    log "missing=\${http_status("\${base}/nope.txt")}"
    log "body=\${trim(http_get("\${base}/version.txt", 5s))}"
    log "index=\${http_get("\${base}/")}"
    log "refused=\${http_status("http://127.0.0.1:$closed/")}"
    log "silent=\${http_status("http://127.0.0.1:$silent/", 1s)}"
    log "quoted=\${http_status("\${base}/x;touch\\\${IFS}pwned")}"
    wait until http_status("\${base}/version.txt") == 200 every 1s timeout 10s
  }
}
EOF
out=$("$RBK" run h.rbk 2>&1); rc=$?
expect_eq "$rc" 0 "a runbook of HTTP checks succeeds"
expect_match "$out" 'log: status=200$' "http_status of a file the server has is 200"
expect_match "$out" 'log: missing=404$' "of one it does not have, 404"
expect_match "$out" 'log: body=1.9$' "http_get returns the body"
expect_match "$out" 'log: index=<h1>portal</h1>' "of the index too"
expect_match "$out" 'log: refused=0$' "a refused connection is status 0"
expect_match "$out" 'log: silent=0$' "a server that never answers is status 0 once the timeout passes"
expect_match "$out" 'log: quoted=404$' "a URL with shell syntax is sent as it is (a path the server does not have)"
ok $([ ! -e pwned ]; echo $?) "and no shell ran any of it"
expect_match "$(cat server.log)" 'GET /x;touch\$\{IFS\}pwned HTTP' "the server saw that very path"
expect_match "$(cat server.log)" 'GET /version.txt HTTP' "the server saw the requests"
j=$(cat "$RBK_STATE_DIR"/runs/h-*/journal.jsonl)
expect_match "$j" '"what":"http_status\(\\"http://127.0.0.1:'"$port"'/version.txt\\"\)","step":"look"|"what":"http_status\(\\"http://127.0.0.1:'"$port"'/version.txt\\"\)"' \
  "each call is journaled"

cat > bad.rbk <<EOF
runbook "HTTP failures" {
  step notfound { log "\${http_get("http://127.0.0.1:$port/nope.txt")}" }
}
EOF
out=$("$RBK" run bad.rbk 2>&1); rc=$?
expect_eq "$rc" 1 "http_get of a missing page fails the step"
expect_match "$out" "http_get\(http://127.0.0.1:$port/nope.txt\): HTTP status 404" "saying the status"
printf 'runbook "t" {\n  step s { log "${http_get("http://127.0.0.1:%s/", 1s)}" }\n}\n' "$silent" > slow.rbk
out=$("$RBK" run slow.rbk 2>&1)
expect_match "$out" "http_get\(http://127.0.0.1:$silent/\): no response: curl: \(28\)" "no response within the timeout fails http_get, with curl's reason"
printf 'runbook "f" {\n  step s { log "${http_status("file:///etc/passwd")}" }\n}\n' > file.rbk
out=$("$RBK" run file.rbk 2>&1)
expect_match "$out" 'http_status\(\): the URL must start with http:// or https://, not "file:///etc/passwd"' \
  "only http and https URLs are taken"
printf 'runbook "s" {\n  step s { log "${http_status("http://127.0.0.1/a b")}" }\n}\n' > space.rbk
out=$("$RBK" run space.rbk 2>&1)
expect_match "$out" 'http_status\(\): the URL contains a space or a control character' "a URL with a space is refused"
printf 'runbook "d" {\n  step s { log "${http_status("http://127.0.0.1/", 5)}" }\n}\n' > dur.rbk
out=$("$RBK" run dur.rbk 2>&1)
expect_match "$out" 'http_status\(\): argument 2 must be a duration, not a number' "the timeout must be a duration"
done_testing
