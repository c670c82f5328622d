#!/usr/bin/env python3
"""bench/gen_journal.py STATE N -- write a runbook and a valid, hash-chained
journal of a run that made N effects (2N effect records) and now waits at an
approval, so that `rbk resume` must replay all N before it can go on.
Prints the run id. The format is docs/journal.md's."""
import hashlib, json, os, sys

state, n = sys.argv[1], int(sys.argv[2])
text = ('runbook "resume bench" {\n  role lead "Jane Doe"\n'
        '  step work {\n    for i in range(%d) { let t = now() }\n  }\n'
        '  step gate { approve by lead "continue?" }\n}\n' % n)
run = "resume-bench"
rundir = os.path.join(state, "runs", run)
os.makedirs(rundir, mode=0o700, exist_ok=True)
path = os.path.join(state, "resume-bench.rbk")
with open(path, "w") as f:
    f.write(text)
with open(os.path.join(rundir, "source.rbk"), "w") as f:
    f.write(text)
sha = lambda b: hashlib.sha256(b).hexdigest()
w, g = text.index("step work"), text.index("step gate")
key = lambda kind, what: sha((kind + "\n" + what).encode())

lines, prev = [], "0" * 64
def rec(typ, **fields):
    global prev
    head = '{"seq":%d,"prev":"%s","time":"2026-11-22T07:00:00.000Z","type":"%s"' % (len(lines), prev, typ)
    body = json.dumps(fields, separators=(",", ":"), ensure_ascii=False)[1:-1]
    line = head + ("," + body if body else "") + "}"
    lines.append(line)
    prev = sha(line.encode())

rec("run_start", run=run, runbook=path, title="resume bench", source_sha256=sha(text.encode()),
    steps=[{"name": "work", "sha256": sha(text[w:g].encode())}, {"name": "gate", "sha256": sha(text[g:].encode())}],
    params={}, operator="bench", host="bench", pid=1, rbk="0.1.0")
rec("step_start", step="work", index=0, attempt=1)
k = key("call", "now()")
for i in range(n):
    rec("effect_start", n=i, kind="call", step="work", key=k, what="now()")
    rec("effect_end", n=i, result=1795331734.5 + i)
rec("step_end", step="work", index=0, attempt=1, state="ok", duration=1.0, attempts=1)
rec("step_start", step="gate", index=1, attempt=1)
rec("effect_start", n=n, kind="gate", step="gate", key=key("gate", "approve lead: continue?"),
    what="approve lead: continue?")
rec("gate_wait", n=n, gate="approve", text="continue?", role="lead", person="Jane Doe", step="gate")
with open(os.path.join(rundir, "journal.jsonl"), "w") as f:
    f.write("\n".join(lines) + "\n")
os.chmod(os.path.join(rundir, "journal.jsonl"), 0o600)
print(run)
