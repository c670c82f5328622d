#!/usr/bin/env python3
"""bench/gen_steps.py STATE N -- write a runbook of N steps, each running one
command, and a valid, hash-chained journal of a finished run of it: per step
step_start, effect_start (cmd), effect_end (its result) and step_end, so
4N + 2 records. Every 10th step fails once and succeeds on its second
attempt, every 1000th step's command printed output. Prints the run id.
The readers (rbk status, log, report) must be linear in it; the format is
docs/journal.md's."""
import hashlib, json, os, sys

state, n = sys.argv[1], int(sys.argv[2])
run = "steps-bench"
parts = ['runbook "steps bench" {\n  role ops "Op"\n']
offs, size = [], len(parts[0])
for i in range(n):
    parts.append('  step s%d "step %d" {\n    owner ops\n    expect 1s\n    run "echo %d"\n  }\n' % (i, i, i))
    offs.append(size)
    size += len(parts[-1])
offs.append(size)
parts.append('}\n')
text = "".join(parts)
rundir = os.path.join(state, "runs", run)
os.makedirs(rundir, mode=0o700, exist_ok=True)
path = os.path.join(state, "steps-bench.rbk")
for p in (path, os.path.join(rundir, "source.rbk")):
    with open(p, "w") as f:
        f.write(text)
sha = lambda b: hashlib.sha256(b).hexdigest()
key = lambda kind, what: sha((kind + "\n" + what).encode())

out, prev, seq = [], "0" * 64, 0
def rec(typ, **fields):
    global prev, seq
    head = '{"seq":%d,"prev":"%s","time":"2026-11-22T07:%02d:%02d.%03dZ","type":"%s"' % (
        seq, prev, (seq // 60000) % 60, (seq // 1000) % 60, seq % 1000, typ)
    body = json.dumps(fields, separators=(",", ":"), ensure_ascii=False)[1:-1]
    line = head + ("," + body if body else "") + "}"
    out.append(line)
    prev = sha(line.encode())
    seq += 1

rec("run_start", run=run, runbook=path, title="steps bench", source_sha256=sha(text.encode()),
    steps=[{"name": "s%d" % i, "sha256": sha(text[offs[i]:offs[i + 1]].encode())} for i in range(n)],
    params={}, operator="bench", host="bench", pid=1, rbk="0.1.0")
e = 0
for i in range(n):
    what = "echo %d" % i
    attempts = 2 if i % 10 == 9 else 1
    for a in range(1, attempts + 1):
        rec("step_start", step="s%d" % i, index=i, attempt=a)
        rec("effect_start", n=e, kind="cmd", step="s%d" % i, key=key("cmd", what), what=what)
        status = 1 if a < attempts else 0
        outtext = ("%d\n" % i) * (20 if i % 1000 == 0 else 1)
        rec("effect_end", n=e, result={"rec": {"status": status, "duration": 0.002, "out": outtext,
            "err": "boom\n" if status else "", "timed_out": False}}, status=status, duration=0.002)
        e += 1
        if a == attempts:
            rec("step_end", step="s%d" % i, index=i, attempt=a, state="ok" if a == 1 else "recovered",
                duration=0.003, attempts=a)
rec("run_end", state="succeeded", duration=float(n) / 100)
with open(os.path.join(rundir, "journal.jsonl"), "w") as f:
    f.write("\n".join(out) + "\n")
os.chmod(os.path.join(rundir, "journal.jsonl"), 0o600)
print(run)
