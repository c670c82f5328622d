#!/bin/bash
# status_page.sh -- the live status page (issue 19 item 6), end to end:
#  (a) a real run whose first step waits on a file is watched in a real
#      headless Chromium (driven over the DevTools protocol on a pipe; the
#      test never reloads the tab): the page shows step 1, reloads by
#      itself and shows the gate it then waits at with the command that
#      unblocks it, the approval given with rbk approve, and after the
#      resume the new step; once the run succeeds it stops reloading.
#      A screenshot of the tab is checked to be a real render.
#  (b) the pages: RUNDIR/status.html and the --status-page copy (mode
#      0644, written atomically), no secret in them, the journal linked
#      from the run directory's copy, the last verify outcomes
#  (c) rbk status RUN --format html: the same renderer (the same page as
#      the --status-page copy), read by Chromium; an undo run's page and
#      the trail between the two runs
#  (d) the command line: --help of run, resume, repl, undo, status; an
#      empty --status-page; a page that cannot be written does not stop
#      the run
#  (e) a step on hosts (a journal written here to the record contract,
#      stopped while the step was on its second host): the hosts it is on
#      now, and each host's outcome
#  (f) the page's writer process holds nothing of the run: only /dev/null
#      and its two sockets, not the journal, the lock or a descriptor the
#      run inherited (one above 1024 too)
set -u
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/browser.bash"
: "${RBK:?set RBK to the rbk binary}"
T=$(tmpdir)
RUN_PID=
# on any exit: stop what the test started, by PID (Chromium's is written by cdp.py)
trap '[ -n "$RUN_PID" ] && kill "$RUN_PID" 2>/dev/null; [ -s "$T/chrome.pid" ] && kill "$(cat "$T/chrome.pid")" 2>/dev/null; rm -rf "$T"' EXIT
cd "$T" || exit 1
export RBK_STATE_DIR="$T/state" NO_COLOR=1
mkdir -p pub

cat > live.rbk <<'RBK'
runbook "Live page" {
  role lead "Jane Doe"
  secret token = "unset"
  window 1h
  step wait_file "Wait for the go file" {
    expect 5m
    timeout 10m
    run "echo using ${token}; while [ ! -f gate1 ]; do sleep 0.1; done"
    undo { run "echo undo wait_file" }
  }
  step approve_it {
    expect 1m
    approve by lead "go ahead with the change?"
    run "true"
    undo { run "echo undo approve_it" }
  }
  step last_one {
    expect 2m
    run "while [ ! -f gate2 ]; do sleep 0.1; done"
    let n = 3
    verify n == 3 "n is three"
    undo { run "echo undo last_one" }
  }
}
RBK

# The DevTools client: one tab, actions in order (see the comments inside).
cat > cdp.py <<'PY'
# cdp.py PROFILE URL ACTION...: drive one headless Chromium tab over the
# DevTools protocol on a pipe (--remote-debugging-pipe: commands on fd 3,
# replies on fd 4, NUL-terminated JSON). The tab is never reloaded here.
#   wait:REGEX  until the page's text matches (at most 60 s); prints
#               "seen N" where N counts the page loads seen so far
#               (performance.timeOrigin changes at each load)
#   run:CMD     run CMD with sh; prints "ran STATUS"
#   shot:FILE   save a PNG screenshot of the tab; prints "shot"
#   meta        prints "refresh yes|no": a <meta http-equiv=refresh> is there
import base64, json, os, re, subprocess, sys, time

prof, url, actions = sys.argv[1], sys.argv[2], sys.argv[3:]
to_r, to_w = os.pipe()
from_r, from_w = os.pipe()

def child():
    a, b = os.dup(to_r), os.dup(from_w)   # out of the way of 3 and 4 first
    os.dup2(a, 3)                          # (dup2 makes them inheritable)
    os.dup2(b, 4)

proc = subprocess.Popen(['chromium', '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
                         '--no-first-run', '--user-data-dir=' + prof, '--remote-debugging-pipe',
                         '--window-size=1100,1400', 'about:blank'],
                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                        preexec_fn=child, close_fds=False)
open(os.environ.get('CDP_PIDFILE', '/dev/null'), 'w').write('%d\n' % proc.pid)
os.close(to_r)
os.close(from_w)
buf = b''
next_id = 0

def send(method, params=None, session=None):
    global buf, next_id
    next_id += 1
    msg = {'id': next_id, 'method': method, 'params': params or {}}
    if session:
        msg['sessionId'] = session
    os.write(to_w, json.dumps(msg).encode() + b'\0')
    while True:
        while b'\0' not in buf:
            chunk = os.read(from_r, 1 << 16)
            if not chunk:
                raise SystemExit('chromium went away')
            buf += chunk
        line, buf = buf.split(b'\0', 1)
        reply = json.loads(line)
        if reply.get('id') == next_id:
            if 'error' in reply:
                return None
            return reply['result']

try:
    target = send('Target.createTarget', {'url': url})['targetId']
    sid = send('Target.attachToTarget', {'targetId': target, 'flatten': True})['sessionId']

    def evaluate(expr):
        r = send('Runtime.evaluate', {'expression': expr, 'returnByValue': True}, sid)
        return (r or {}).get('result', {}).get('value')

    origins = set()
    for a in actions:
        kind, _, arg = a.partition(':')
        if kind == 'wait':
            deadline = time.time() + 60
            text = ''
            found = False
            while time.time() < deadline:
                # one evaluation: the load and its text together
                got = evaluate('document.readyState == "complete" ? '
                               'JSON.stringify([performance.timeOrigin, document.body.innerText]) : ""')
                o, text = json.loads(got) if got else (0, '')
                if o:
                    origins.add(o)
                if re.search(arg, text):
                    found = True
                    break
                time.sleep(0.2)
            print('seen %d' % len(origins) if found else 'timeout')
            if not found:
                print('# page: ' + text[:600].replace('\n', ' | '))
        elif kind == 'run':
            print('ran %d' % subprocess.call(['sh', '-c', arg]))
        elif kind == 'shot':
            r = send('Page.captureScreenshot', {'format': 'png'}, sid)
            open(arg, 'wb').write(base64.b64decode(r['data']) if r else b'')
            print('shot')
        elif kind == 'meta':
            m = evaluate('document.querySelector("meta[http-equiv=refresh]") ? "yes" : "no"')
            print('refresh %s' % m)
        sys.stdout.flush()
finally:
    proc.kill()
    proc.wait()
PY

# ---- (a) a live run watched in Chromium -----------------------------------
timeout 120 "$RBK" run --new --run-id live1 --param token=hunter2xyz --status-page pub/status.html live.rbk \
  >"$T/run1.out" 2>&1 </dev/null &
RUN_PID=$!
wait_file pub/status.html; ok $? "(a) the --status-page copy appears while the first step runs"
need_chromium; ok $? "(a) chromium is installed (deps.sh test)"
RS="timeout 120 $RBK resume live1 --param token=hunter2xyz >$T/run2.out 2>&1 </dev/null; echo \$? >$T/run2.rc"
CDP_PIDFILE=$T/chrome.pid timeout 300 python3 cdp.py "$T/profile" "file://$T/pub/status.html" \
  'wait:1 of 3: wait_file' \
  'run:touch gate1' \
  'wait:waiting: approval by lead' meta \
  'run:'"$RBK"' approve live1 --as lead --note "looks fine" >/dev/null 2>&1' \
  'wait:Approved by [^ ]+ as lead' \
  "run:($RS) &" \
  'wait:3 of 3: last_one' \
  "shot:$T/live.png" \
  'run:touch gate2' \
  'wait:The run has ended' meta >"$T/cdp.out" 2>"$T/cdp.err"
ok $? "(a) the DevTools client ran to its end"
wait "$RUN_PID"; expect_eq "$?" 3 "(a) the run itself stopped at the gate (exit 3)"
RUN_PID=
wait_file "$T/run2.rc"; expect_eq "$(cat "$T/run2.rc" 2>/dev/null)" 0 "(a) the resumed run succeeded"
mapfile -t L < "$T/cdp.out"
expect_match "${L[0]:-}" '^seen [0-9]+$' "(a) the page shows step 1 of 3 running (wait_file)"
expect_eq "${L[1]:-}" "ran 0" "(a) the go file is made"
expect_match "${L[2]:-}" '^seen [0-9]+$' "(a) then the gate the run waits at: approval by lead"
expect_eq "${L[3]:-}" "refresh yes" "(a) a waiting run's page reloads itself (meta refresh)"
expect_eq "${L[4]:-}" "ran 0" "(a) rbk approve answers the gate"
expect_match "${L[5]:-}" '^seen [0-9]+$' "(a) the page shows who approved, without the tab being reloaded by the test"
expect_eq "${L[6]:-}" "ran 0" "(a) the run is resumed"
expect_match "${L[7]:-}" '^seen [0-9]+$' "(a) after the approval and the resume, the page shows the new step: 3 of 3, last_one"
expect_eq "${L[8]:-}" "shot" "(a) a screenshot of the tab is taken"
expect_match "${L[10]:-}" '^seen [0-9]+$' "(a) then the run's end"
expect_eq "${L[11]:-}" "refresh no" "(a) an ended run's page no longer reloads"
loads=$(grep -o '^seen [0-9]*' "$T/cdp.out" | awk '{print $2}' | tr '\n' ' ')
inc=$(awk -v s="$loads" 'BEGIN { n = split(s, a, " "); for (i = 2; i <= n; i++) if (a[i] + 0 <= a[i-1] + 0) { print "no"; exit } print "yes" }')
expect_eq "$inc" yes "(a) the page reloaded itself between each change seen (loads: $loads)"
grep -q '^#' "$T/cdp.out" && sed -n 's/^# /# cdp: /p' "$T/cdp.out"
png=$(python3 - "$T/live.png" <<'PY'
import struct, sys, zlib
d = open(sys.argv[1], 'rb').read()
if d[:8] != b'\x89PNG\r\n\x1a\n':
    print('not a PNG'); sys.exit()
w, h = struct.unpack('>II', d[16:24])
i, idat = 8, b''
while i < len(d):
    n, = struct.unpack('>I', d[i:i + 4])
    if d[i + 4:i + 8] == b'IDAT':
        idat += d[i + 8:i + 8 + n]
    i += 12 + n
raw = zlib.decompress(idat)
print('png %s %d' % ('big' if w >= 800 and h >= 600 else 'small', min(len(set(raw)), 64)))
PY
)
expect_match "$png" '^png big (1[6-9]|[2-9][0-9])' "(a) the screenshot is a real render: a PNG of the page with many colours ($png)"

# ---- (b) the pages ----------------------------------------------------------
P=$T/state/runs/live1/status.html
[ -f "$P" ]; ok $? "(b) the run directory holds status.html"
expect_eq "$(stat -c %a "$P" pub/status.html 2>/dev/null | tr '\n' ' ')" "600 644 " \
  "(b) the run directory's page is private (0600), the --status-page copy is meant to be served (0644)"
! grep -q hunter2xyz "$P" pub/status.html; ok $? "(b) the secret's value is in neither page"
grep -q '\*\*\*' "$T/state/runs/live1/journal.jsonl"; ok $? "(b) (the journal holds the masked command)"
ls pub state/runs/live1 | grep -q '\.tmp\.'; expect_eq "$?" 1 "(b) no temporary file is left beside a page"
expect_match "$(cat "$P")" '<a href="journal.jsonl">journal.jsonl</a>' "(b) the run directory's page links the journal"
expect_match "$(cat pub/status.html)" 'id="verifies"' "(b) the page lists the last verifies"
expect_match "$(tr -d '\n' < pub/status.html)" '<code>n == 3</code></td><td>passed</td>' \
  "(b) with the condition and its outcome"
expect_match "$(tr -d '\n' < pub/status.html)" 'Run elapsed</td><td>[^<]* of planned 8m' \
  "(b) elapsed against the planned total"
expect_match "$(tr -d '\n' < pub/status.html)" '<td>Window</td><td>1h' "(b) and the window"

# a run waiting at a gate, as the page shows it: who, and the commands
timeout 60 "$RBK" run --new --run-id live2 --param token=hunter2xyz live.rbk >/dev/null 2>&1 </dev/null
expect_eq "$?" 3 "(b) a second run stops at the gate"
P2=$T/state/runs/live2/status.html
expect_match "$(tr -d '\n' < "$P2")" 'lead \(Jane Doe\) to approve in step <code>approve_it</code>: go ahead with the change\?' \
  "(b) what the run waits for, from whom"
expect_match "$(tr -d '\n' < "$P2")" '<pre class="unblock" id="unblock">rbk approve live2 --as leadrbk resume live2</pre>' \
  "(b) the commands that unblock and continue it"
expect_match "$(tr -d '\n' < "$P2")" 'In this step</td><td>[^<]* of expected 1m' "(b) the step's elapsed against its expect"
grep -q 'http-equiv="refresh" content="2"' "$P2"; ok $? "(b) a waiting run's page reloads every 2 s"

# ---- (c) rbk status --format html, an undo run -----------------------------
"$RBK" status live1 --format html >"$T/st.html" 2>"$T/st.err"; rc=$?
expect_eq "$rc" 0 "(c) rbk status --format html exits 0"
expect_eq "$(grep -v 'id="live"' "$T/st.html" | md5sum)" "$(grep -v 'id="live"' pub/status.html | md5sum)" \
  "(c) it is the same page as the --status-page copy (but for the time it was made)"
dom=$(dump_dom "$T/st.html" "$T/profile2")
expect_match "$dom" 'class="banner succeeded" id="state">succeeded<' "(c) Chromium reads the run's state from it"
expect_match "$dom" '<td>3</td><td><code>last_one</code></td><td>ok</td>' "(c) and each step's state"
timeout 60 "$RBK" undo live1 --yes >/dev/null 2>&1 </dev/null; rc=$?
expect_eq "$rc" 0 "(c) rbk undo undoes the run"
U=$T/state/runs/live1-undo/status.html
expect_match "$(cat "$U" 2>/dev/null)" 'Undo of run <a href="../live1/status.html">live1</a>' \
  "(c) the undo run's page links the run it undoes"
expect_match "$(cat "$P")" 'Undone by run <a href="../live1-undo/status.html">live1-undo</a>' \
  "(c) the original's page is rewritten with a link to its undo run"
expect_match "$(cat pub/status.html)" 'Undone by run live1-undo' "(c) so is its --status-page copy (remembered in the run directory)"

# ---- (d) the command line ---------------------------------------------------
for c in run resume repl undo; do
  expect_match "$("$RBK" "$c" --help)" '--status-page FILE' "(d) rbk $c --help names --status-page"
done
expect_match "$("$RBK" status --help)" 'text\|json\|html' "(d) rbk status --help names --format html"
"$RBK" run --new --status-page '' live.rbk >/dev/null 2>"$T/e1"; rc=$?
expect_eq "$rc" 2 "(d) an empty --status-page is a usage error"
expect_match "$(cat "$T/e1")" 'status-page needs a file' "(d) saying what is wrong"
"$RBK" status live1 --format pdf >/dev/null 2>"$T/e2"; rc=$?
expect_eq "$rc" 2 "(d) an unknown status format is a usage error"
cat > quick.rbk <<'RBK'
runbook "Quick" {
  step one { run "true" }
}
RBK
timeout 60 "$RBK" run --new --status-page "$T/no/such/dir/page.html" quick.rbk >/dev/null 2>"$T/e3" </dev/null; rc=$?
expect_eq "$rc" 0 "(d) a page that cannot be written does not stop the run"
expect_eq "$(grep -c 'status page cannot be written' "$T/e3")" 1 "(d) it is said once, on standard error"

# ---- (e) a step on hosts ----------------------------------------------------
mkdir -p fleet/runs/f1
cat > fleet/runs/f1/source.rbk <<'RBK'
runbook "Fleet" {
  hosts web = ["web1", "web2", "web3"]
  step deploy "Roll out" on web serial 1 {
    expect 10m
    run "true"
  }
}
RBK
python3 - fleet/runs/f1/journal.jsonl <<'PY'
import hashlib, json, sys
recs = [
    ("run_start", {"run": "f1", "runbook": "fleet.rbk", "title": "Fleet", "source_sha256": "0" * 64,
                   "steps": [{"name": "deploy", "sha256": "0" * 64}], "params": {}, "operator": "ann",
                   "host": "ctl", "pid": 1, "rbk": "0.1.0"}),
    ("step_start", {"step": "deploy", "index": 0, "attempt": 1}),
    ("host_start", {"step": "deploy", "host": "web1", "attempt": 1, "batch": 1}),
    ("host_end", {"step": "deploy", "host": "web1", "attempt": 1, "batch": 1, "state": "ok", "duration": 2.5,
                  "attempts": 1}),
    ("host_start", {"step": "deploy", "host": "web2", "attempt": 1, "batch": 2}),
]
prev, out = "0" * 64, []
for i, (t, f) in enumerate(recs):
    r = {"seq": i, "prev": prev, "time": "2026-12-01T10:00:%02d.000Z" % i, "type": t}
    r.update(f)
    line = json.dumps(r, separators=(",", ":"))
    out.append(line)
    prev = hashlib.sha256(line.encode()).hexdigest()
open(sys.argv[1], "w").write("\n".join(out) + "\n")
PY
"$RBK" status "$T/fleet/runs/f1" --format html >"$T/fleet.html" 2>"$T/fleet.err"; rc=$?
expect_eq "$rc" 0 "(e) rbk status --format html reads the fleet run"
f=$(tr -d '\n' < "$T/fleet.html")
expect_match "$f" 'Current step</td><td>1 of 1: <code>deploy</code> \(Roll out\)' "(e) the current step"
expect_match "$f" 'Hosts now</td><td>web2 \(' "(e) the host it is on now (web1 has ended)"
expect_match "$f" '<td><code>deploy</code></td><td>web1</td><td>ok</td><td>2.5s</td>' "(e) each host's outcome"

# (f) what the writer holds: rbk inherits descriptors 9 and 1500 from here
cat > "$T/fds.rbk" <<'RBK'
runbook "Writer fds" {
  step block { run "echo started > started; while [ ! -e go ]; do sleep 0.05; done" }
}
RBK
mkdir -p "$T/fds" && cd "$T/fds" || exit 1
RBK_STATE_DIR="$T/fds/state" "$RBK" run ../fds.rbk 9<../fds.rbk 1500<../fds.rbk >out.txt 2>&1 &
RUN_PID=$!
wait_file started
ok $? "(f) the run's command started"
writer=""
for c in $(pgrep -P "$RUN_PID"); do
  [ "$(readlink "/proc/$c/exe")" = "$(readlink -f "$RBK")" ] && writer=$c
done
ok "$([ -n "$writer" ]; echo $?)" "(f) the run has a page writer process"
fds=$(ls "/proc/$writer/fd" 2>/dev/null | sort -n | tr '\n' ' ')
targets=$(for f in /proc/"$writer"/fd/*; do readlink "$f"; done 2>/dev/null | sort | tr '\n' ' ')
expect_eq "$(wc -w <<<"$fds")" 5 "(f) the writer holds five descriptors: 0-2 and its two sockets ($fds: $targets)"
expect_match "$targets" '^/dev/null /dev/null (/dev/pts/[0-9]+|/dev/null|pipe:\[[0-9]+\]|/[^ ]*out.txt) socket:\[[0-9]+\] socket:\[[0-9]+\] $' \
  "(f) 0 and 1 are /dev/null, the rest sockets: no journal, lock or inherited file"
touch go
wait "$RUN_PID"; rc=$?
RUN_PID=
expect_eq "$rc" 0 "(f) the run ends well"
cd "$T" || exit 1
done_testing
