#!/bin/bash
# tests/e2e/netclient_load.sh -- libcurl is loaded when a runbook first
# makes a request (run/netclient.c), not linked into rbk: commands that
# make none start without it, and a request without a usable libcurl
# fails with the reason instead of rbk failing to start.
set -u
top=${RBK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/e2e/lib.bash"
d=$(tmpdir)
trap 'rm -rf "$d"' EXIT
cd "$d" || exit 1
export RBK_STATE_DIR="$d/state"

# A port nothing listens on: ask the kernel for one, then close it.
closed=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
cat > net.rbk <<EOF
runbook "net" {
  step s {
    log "status=\${http_status("http://127.0.0.1:$closed/")}"
    log "body=\${http_get("http://127.0.0.1:$closed/")}"
  }
}
EOF

if command -v ldd >/dev/null 2>&1; then
  libs=$(ldd "$RBK" 2>&1)
  ok $(printf '%s\n' "$libs" | grep -q 'libcurl'; [ $? -ne 0 ]; echo $?) "rbk is not linked against libcurl"
else
  _n=$((_n + 1)); echo "ok $_n - rbk is not linked against libcurl # SKIP no ldd"
fi

# A libcurl.so.4 that is no library, found first through LD_LIBRARY_PATH.
mkdir badlib && : > badlib/libcurl.so.4
out=$(LD_LIBRARY_PATH="$d/badlib" "$RBK" check net.rbk 2>&1); rc=$?
expect_eq "$rc:$out" "0:" "with a broken libcurl, rbk check still starts and passes the runbook"
out=$(LD_LIBRARY_PATH="$d/badlib" "$RBK" run --new net.rbk 2>&1); rc=$?
expect_eq "$rc" 1 "a run that makes a request then fails (exit 1), it does not crash"
expect_match "$out" 'log: status=0' "http_status without libcurl is status 0, like any failed request"
expect_match "$out" 'http_get\(http://127\.0\.0\.1:[0-9]+/\): no response: curl: cannot load libcurl: .*libcurl\.so\.4' \
  "http_get says why: libcurl cannot be loaded"

# With the system's libcurl the same requests reach the network.
out=$("$RBK" run --new net.rbk 2>&1); rc=$?
expect_eq "$rc" 1 "with libcurl, the run fails on the closed port"
expect_match "$out" 'no response: curl: \([0-9]+\)' "and the error is curl's own, about the connection"
ok $(printf '%s' "$out" | grep -q 'cannot load libcurl'; [ $? -ne 0 ]; echo $?) "libcurl was loaded"
done_testing
