#!/bin/bash
# tests/e2e/stdlib_http_request.sh -- http(method, url, options) and
# json() through libcurl, against real servers on 127.0.0.1 started here
# (tests/e2e/netserve.py) and stopped by PID: an echo server (plain and
# TLS with a self-signed certificate made by openssl), and one that
# never answers. Also map literals, which the options are.
set -u
top=${RBK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/e2e/lib.bash"
. "$top/tests/e2e/netserve.bash"
netserve_begin
netserve_start echo python3 echo "$d/echo.log"; port=$got
ok $([ -n "$port" ]; echo $?) "the echo server is up (port $port)"
netserve_start silent python3 silent; silent=$got
ok $([ -n "$silent" ]; echo $?) "the silent server is up (port $silent)"
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 \
  -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1
ok $([ -s cert.pem ]; echo $?) "openssl made a self-signed certificate"
netserve_start tls python3 echo "$d/tls.log" "$d/cert.pem" "$d/key.pem"; tls=$got
ok $([ -n "$tls" ]; echo $?) "the TLS server is up (port $tls)"

cat > req.rbk <<EOF
runbook "Requests" {
  secret token = "tok-3x4mpl3-s3cret"
  param base = "http://127.0.0.1:$port"
  step s {
    let r = http("post", "\${base}/issues?status=201", {
      headers: {Authorization: "Bearer \${token}", "X-Trace": "t-1"},
      body: {title: "rolled back", labels: ["release", "rollback"], n: 2},
      timeout: 5s,
    })
    log "status=\${r.status}"
    log "method=\${r.json.method} path=\${r.json.path}"
    log "sent=\${r.json.body}"
    log "type=\${r.json.headers["content-type"]} trace=\${r.json.headers["x-trace"]}"
    log "answer-type=\${r.headers["content-type"]} test=\${r.headers["x-rbk-test"]} none=\${r.headers["x-none"] ?? "-"}"
    log "ms=\${r.ms >= 0} keys=\${len(r)}"
    let g = http("GET", "\${base}/text")
    log "text=\${trim(g.body)} json=\${g.json ?? "nil"} status=\${g.status}"
    let e = http("DELETE", "\${base}/x?status=503", {body: "raw text", headers: {"Content-Type": "text/plain"}})
    log "503=\${e.status} sent=\${e.json.body} type=\${e.json.headers["content-type"]}"
    log "404=\${http("GET", "\${base}/?status=404").status}"
    let v = json("{\\"a\\": [1, {\\"b\\": null}, true], \\"s\\": \\"\\\\u00e9\\"}")
    log "json=\${v} a1b=\${v.a[1].b ?? "null"} s=\${v.s}"
    let m = {name: "web1", port: 22, "odd key": [1, 2]}
    log "map=\${m} name=\${m.name} odd=\${m["odd key"][1]} missing=\${m["x"] ?? "-"} eq=\${m == {port: 22, "odd key": [1, 2], name: "web1"}}"
  }
}
EOF
out=$("$RBK" run req.rbk 2>&1); rc=$?
expect_eq "$rc" 0 "a runbook of http() requests succeeds"
expect_match "$out" 'log: status=201$' "http() returns the status"
expect_match "$out" 'log: method=POST path=/issues\?status=201$' "the method is sent upper-cased, the path as it is"
expect_match "$out" 'log: sent=\{"title":"rolled back","labels":\["release","rollback"\],"n":2\}$' "a map body is sent as JSON"
expect_match "$out" 'log: type=application/json trace=t-1$' "with a JSON Content-Type, and the headers given"
expect_match "$out" 'log: answer-type=application/json test=yes none=-$' "the response's headers are a map, names in lower case"
expect_match "$out" 'log: ms=true keys=5$' "the result has status, headers, body, json and ms"
expect_match "$out" 'log: text=plain words json=nil status=200$' "a body that is not JSON has json nil"
expect_match "$out" 'log: 503=503 sent=raw text type=text/plain$' "a 503 is a response, not a failure; a string body and its own Content-Type are sent"
expect_match "$out" 'log: 404=404$' "so is a 404"
expect_match "$out" 'log: json=\{a: \[1, \{b: nil\}, true\], s: "é"\} a1b=null s=é$' "json() makes maps and lists"
expect_match "$out" 'log: map=\{name: "web1", port: 22, odd key: \[1, 2\]\} name=web1 odd=2 missing=- eq=true$' "map literals, fields, string indexes and equality"
hdr=$(grep -c '"authorization": "Bearer tok-3x4mpl3-s3cret"' echo.log)
ok $([ "$hdr" -ge 1 ]; echo $?) "the server got the secret header as it is"
expect_eq "$(grep -c 'tok-3x4mpl3' state/runs/*/journal.jsonl)" 0 "the secret is not in the journal (the call and its echoed answer are masked)"
expect_match "$(grep -o 'Bearer \*\*\*' state/runs/*/journal.jsonl | head -1)" 'Bearer \*\*\*' "it is there masked"

# Failures: each its own runbook, each must fail with its reason.
fails() {   # fails NAME BODY: run a one-step runbook, store the output in $out and status in $rc
  printf 'runbook "%s" {\n  secret token = "tok-3x4mpl3-s3cret"\n  step s {\n    %s\n  }\n}\n' "$1" "$2" > "$1.rbk"
  out=$("$RBK" run "$1.rbk" 2>&1); rc=$?
}
fails slow "log http(\"GET\", \"http://127.0.0.1:$silent/\", {timeout: 1s}).status"
expect_eq "$rc" 1 "a server that never answers fails http() once the timeout passes"
expect_match "$out" "http\(GET http://127.0.0.1:$silent/\): no response: curl: \(28\)" "saying no response, with curl's reason"
fails big "log len(http(\"GET\", \"http://127.0.0.1:$port/big\").body)"
expect_eq "$rc" 1 "a body over the limit fails"
expect_match "$out" 'http\(\): the response is larger than 8 MiB' "saying so, never cut short"
fails tlsno "log http(\"GET\", \"https://127.0.0.1:$tls/secure\").status"
expect_eq "$rc" 1 "a self-signed certificate is refused without ca"
expect_match "$out" 'no response: curl: \(60\) SSL certificate problem' "with libcurl's reason"
fails tlsyes "log \"tls=\${http(\"GET\", \"https://127.0.0.1:$tls/secure\", {ca: \"$d/cert.pem\"}).json.path}\""
expect_eq "$rc" 0 "and accepted with ca pointing at it"
expect_match "$out" 'log: tls=/secure$' "the request went through"
fails masked "log http(\"GET\", \"http://127.0.0.1:$silent/k/\${token}\", {timeout: 1s, headers: {\"X-Key\": token}})"
expect_match "$out" "no response" "a request with a secret in its URL fails"
ok $(! grep -q 'tok-3x4mpl3' <<<"$out"; echo $?) "and the error does not show the secret"
expect_match "$out" "127.0.0.1:$silent/k/\*\*\*" "it shows it masked"
expect_eq "$(cat state/runs/masked-*/journal.jsonl | grep -c 'tok-3x4mpl3')" 0 "nor does the journal"
fails opt "log http(\"GET\", \"http://127.0.0.1:$port/\", {timeuot: 1s})"
expect_match "$out" "http\(\): unknown option 'timeuot' \(the options are headers, body, timeout, ca, cert, key\)" "an unknown option is named, with the known ones"
fails meth "log http(\"GE T\", \"http://127.0.0.1:$port/\")"
expect_match "$out" 'http\(\): the method must be a word such as GET or POST' "a method that is not a word is refused"
fails scheme "log http(\"GET\", \"ftp://127.0.0.1/\")"
expect_match "$out" 'http\(\): the URL must start with http:// or https://, not "ftp://127.0.0.1/"' "only http and https URLs"
fails badjson 'log json("{\"a\": 1,}")'
expect_match "$out" "json\\(\\): the text is not JSON: unexpected '}', expected a string key at byte 8" "json() of bad text fails with where"
fails dupkey 'log {a: 1, a: 2}'
expect_match "$out" "error: the key 'a' is given twice in this map" "a map literal with a key twice is refused by check"
fails badidx 'log {a: 1}[0]'
expect_match "$out" "a map's index must be a string, not a number" "a map is indexed by strings"
done_testing
