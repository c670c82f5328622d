#!/usr/bin/env python3
"""schemas.py -- the JSON Schemas of rbk's JSON documents, written once here.

`python3 tests/json/schemas.py` writes docs/schema/*.json and the field
tables of docs/json.md (between the `<!-- fields:NAME -->` and
`<!-- /fields -->` marks); `--check` says whether they are up to date
(tests/e2e/json_schemas.sh runs it). To add a key to an output: add it
here with its description, run this, commit the three together.

Every object is closed (additionalProperties false), so a key a command
prints and this file does not describe fails the tests.
"""
import json
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DRAFT = "https://json-schema.org/draft/2020-12/schema"


# ---- little builders ------------------------------------------------------
def t(typ, desc, **kw):
    d = {"type": typ, "description": desc}
    d.update(kw)
    return d


def s(desc, **kw): return t("string", desc, **kw)
def i(desc, **kw): return t("integer", desc, **kw)
def n(desc, **kw): return t("number", desc, **kw)
def b(desc, **kw): return t("boolean", desc, **kw)
def s_(desc, **kw): return t(["string", "null"], desc, **kw)
def i_(desc, **kw): return t(["integer", "null"], desc, **kw)
def n_(desc, **kw): return t(["number", "null"], desc, **kw)
def b_(desc, **kw): return t(["boolean", "null"], desc, **kw)


def secs(desc):
    """a duration or time in seconds, rounded to the millisecond"""
    return t("number", desc + " (seconds, rounded to the millisecond)")


def secs_(desc):
    d = secs(desc)
    d["type"] = ["number", "null"]
    return d


def arr(items, desc):
    return {"type": "array", "description": desc, "items": items}


def obj(desc, props, optional=(), null=False, extra=None):
    """an object; every key required except those in optional"""
    d = {"type": ["object", "null"] if null else "object", "description": desc,
         "properties": props, "required": [k for k in props if k not in optional],
         "additionalProperties": extra if extra is not None else False}
    return d


FV = {"const": 1, "type": "integer",
      "description": "the version of this vocabulary (1); it goes up when a key is renamed or removed or changes meaning"}
RUN_ID = "the run's ID, the name of its directory under the state directory's runs/"
RBK = s("the version of rbk that wrote the document")
OUTCOME_RUN = ("the run's outcome: succeeded, failed, waiting, interrupted, running, undone, damaged, "
               "unreadable, ... (one word)")
OUTCOME_STEP = "the step's outcome: ok, recovered, failed, skipped, waiting, running, pending, interrupted, undone"


def finding(with_suppressed):
    p = {
        "file": s("the file as given on the command line (<stdin> for -)"),
        "line": i("the line of the span's start, 1-based (0 for a finding about a whole file)"),
        "column": i("the column of the span's start, 1-based, in bytes"),
        "end_line": i("the line of the span's end"),
        "end_column": i("the column just past the span"),
        "severity": s("error or warning (note for a note)", enum=["error", "warning", "note"]),
        "rule": s("what was found: a lint rule (docs/lint.md) or a check's code; rbk lint --rules lists them"),
        "message": s("what is wrong, in one sentence"),
        "hint": s_("how to fix it, or null"),
    }
    if with_suppressed:
        p["suppressed"] = s_("the reason given in the `# rbk:ignore RULE REASON` comment that suppresses it, or null")
    return obj("a finding", p)


# ---- the documents --------------------------------------------------------
SCHEMAS = {}

SCHEMAS["check"] = obj("`rbk check --format json FILE...`", {
    "format_version": FV,
    "files": i("how many files were checked"),
    "errors": i("how many findings are errors"),
    "warnings": i("how many findings are warnings"),
    "truncated": b("true when reporting stopped after too many errors"),
    "findings": arr(finding(False), "the findings, in the order found"),
})

SCHEMAS["lint"] = obj("`rbk lint --format json FILE...`", {
    "format_version": FV,
    "files": i("how many files were linted"),
    "errors": i("how many findings are errors (suppressed ones not counted)"),
    "warnings": i("how many findings are warnings (suppressed ones not counted)"),
    "suppressed": i("how many findings were suppressed by a comment"),
    "findings": arr(finding(True), "the findings, suppressed ones included, in the order found"),
})

SCHEMAS["lint-rules"] = obj("`rbk lint --rules --format json`", {
    "format_version": FV,
    "rules": arr(obj("a rule", {
        "rule": s("the rule's name, as findings and `# rbk:ignore` name it"),
        "severity": s("error or warning", enum=["error", "warning"]),
        "from_check": b("true for an error found by rbk check (it cannot be suppressed)"),
        "title": s("what the rule finds, in a few words"),
        "rationale": s("why it matters"),
        "fix": s("how to fix a finding"),
    }), "every rule, in the order of docs/lint.md"),
})

TRAIL = obj("the runs linked to this one (docs/journal.md, 'The trail'); null when the journal cannot say", {
    "started_by": obj("the watch that started this run, its trigger and the probe values that fired it; null when "
                      "no watch started it", {
        "watch": s("the watch run's ID"),
    }, extra=True, null=True),
    "undo_of": s_("the run this undo run reverses"),
    "undone_by": s_("the undo run that reverses this run"),
    "undone_by_state": s_("that undo run's outcome while it has not succeeded"),
    "backout_of": s_("the roll-out this backout backs out (`rbk run --after`)"),
    "backed_out_by": s_("the backout run started after this run"),
    "backed_out_by_state": s_("that backout's outcome while it has not succeeded"),
}, null=True)

ROLE = obj("a role", {
    "name": s("the role's name"),
    "person": s_("the person who fills it"),
    "contacts": obj("the role's contact fields (phone, slack, pager, team, availability, note, ...), each a string",
                    {}, extra={"type": "string"}),
})

PLAN_STEP = obj("a step", {
    "number": i("its place in the runbook, from 1"),
    "name": s("its name"),
    "title": s("its title"),
    "line": i("the line of the runbook where it starts"),
    "owner": s_("the role that owns it"),
    "planned": secs_("how long it is planned to take (`expect`)"),
    "timeout": secs_("its timeout"),
    "retries": i_("how many times it is retried"),
    "retry_every": secs_("the wait between retries"),
    "after": arr(s("a step"), "the steps it waits for (`after`)"),
    "idempotent": b("whether it may be run again safely"),
    "targeting": s("the hosts it runs on (steps on hosts only)"),
    "undo": s_("what its undo block does, in words"),
    "irreversible": s_("why it cannot be undone, when it is irreversible"),
    "on_failure": s_("what its failure handler does, in words"),
    "verifies": arr(s("a verify's message"), "what it verifies"),
    "actions": arr(obj("an action", {
        "kind": s("run, log, notify, approve, ask, manual, if, else, for, fail, set, ..."),
        "depth": i("how deep it is nested in if/for blocks"),
        "text": s("the action in words"),
        "role": s_("the role it involves"),
        "resolved": s("the action with the params given (`rbk plan --param`/`--param-file`) put in, quoted as "
                      "the run would quote them; only with params"),
    }, optional=("resolved",)), "what it does, in order"),
    "gates": arr(obj("a gate", {
        "kind": s("approve, ask or manual"),
        "role": s_("who answers it"),
        "text": s("the question"),
        "conditional": s_("when the gate is asked only in some runs, the condition (\"the step fails\" for one "
                          "in `on failure`); null when it is always asked"),
    }), "where it waits for people"),
    "branches": arr(obj("a branch", {
        "sentence": s("the branch in one sentence"),
        "if": s("the condition"),
        "then": s("what is done when it holds"),
        "else": s_("what is done otherwise"),
    }), "its if/else decisions"),
    "notified": arr(s("a role"), "the roles its notify statements tell, each once"),
    "lint_findings": i("how many lint findings point into it"),
}, optional=("targeting",))

SCHEMAS["plan"] = obj("`rbk plan --format json FILE`", {
    "format_version": FV,
    "runbook": s("the runbook file"),
    "source_sha256": s("SHA-256 of the runbook's bytes (hex)", pattern="^[0-9a-f]{64}$"),
    "title": s("the runbook's title"),
    "kind": s("what the runbook is (`kind`, else read from the title): rollout, backout, upgrade, migration, "
              "maintenance or change"),
    "version": s_("its version"),
    "owner": s_("the role that owns the plan"),
    "window": secs_("the change window"),
    "planned": secs("the sum of the steps' planned durations"),
    "all_steps_planned": b("whether every step has a planned duration (`expect`)"),
    "fits_window": b_("whether `planned` fits the window (null without a window)"),
    "roles": arr(ROLE, "the roles"),
    "params": arr(obj("a param", {
        "name": s("its name"),
        "secret": b("whether it is secret"),
        "default": s_("its default as written (*** for a secret)"),
        "given": {"type": ["string", "null"], "description": "the value given with --param/--param-file (*** for "
                  "a secret); only when params are given"},
    }, optional=("given",)), "the params"),
    "triggers": arr(obj("a trigger", {
        "name": s("its name"),
        "severity": s("critical, major or minor"),
        "condition": s("its condition, in words"),
        "for": secs_("how long the condition must hold"),
        "action": s_("what to do"),
    }), "the backout triggers"),
    "requires": arr(obj("a requirement", {
        "name": s("its name"),
        "owner": s_("who checks it"),
        "checks": arr(s("a check"), "what is checked"),
    }), "the requirements checked before the first step"),
    "steps": arr(PLAN_STEP, "the steps, in order"),
    "checklist": arr(obj("a checklist question", {
        "phase": s("before, during or after"),
        "question": s("the question (seed 001's checklist)"),
        "ok": b("whether no lint finding answers no"),
        "findings": i("how many findings answer no"),
        "suppressed": i("how many such findings were suppressed"),
        "rules": arr(s("a rule"), "the lint rules that answer it"),
    }), "the CAB checklist, answered by the lint rules"),
    "notified": arr(s("a role"), "the roles the runbook's notify statements tell, each once"),
    "values": arr(obj("an expression of the runbook", {
        "expression": s("as written, e.g. ${backup_db}"),
        "value": s_("its value with the params given (*** for a secret), or null when only the run can know it"),
    }), "every interpolated expression and its value; only when params are given"),
    "signoff": arr(obj("a sign-off line, from FILE.approvals (`rbk approve FILE.rbk`), or one per approving role "
                       "not yet approved", {
        "role": s("the approving role"),
        "by": s_("who signed"),
        "approved": b("whether it is an approval"),
        "fingerprint": s_("the signing key's fingerprint"),
        "signed_at": s_("when (UTC)"),
        "source_sha256": s("the SHA-256 of the runbook it approves"),
        "this_version": b_("whether that is this runbook's SHA-256 (null when not yet approved)"),
    }), "the sign-off block"),
    "lint": obj("the lint result", {"errors": i("lint errors"), "warnings": i("lint warnings")}),
    "rbk": RBK,
}, optional=("values",))

JOURNAL_STATUS = obj("the journal", {
    "records": i("how many records could be read"),
    "intact": b("whether every record reads and chains"),
    "torn": b("whether the last record is torn (a crash; rbk resume sets it aside)"),
    "damaged": b("whether a record is damaged (the run cannot be resumed)"),
    "problem": s_("what is wrong with it, or null"),
})

SCHEMAS["status"] = obj("`rbk status RUN --format json`", {
    "format_version": FV,
    "run": s(RUN_ID),
    "dir": s("the run directory"),
    "runbook": s_("the runbook file"),
    "title": s_("the runbook's title"),
    "operator": s_("who started the run"),
    "host": s_("the machine it was started on"),
    "started": s_("when it started (UTC, RFC 3339)"),
    "duration": secs_("how long it ran, from its start to its last record"),
    "outcome": s(OUTCOME_RUN),
    "summary": s("the outcome in words, as rbk runs shows it"),
    "trail": TRAIL,
    "journal": JOURNAL_STATUS,
    "steps": arr(obj("a step", {
        "name": s("its name"),
        "outcome": s(OUTCOME_STEP),
        "attempts": i("how many attempts were made"),
        "duration": secs_("how long its last attempt took"),
        "error": s_("why it failed, masked"),
    }), "the steps, in order"),
    "waiting": obj("what the run waits for (null when it does not wait)", {
        "for": s("gate, in_doubt or other", enum=["gate", "in_doubt", "other"]),
        "gate": t(["string", "null"], "approve, ask or manual"),
        "text": t(["string", "null"], "the gate's question"),
        "role": t(["string", "null"], "who must answer"),
        "person": t(["string", "null"], "the person in that role"),
        "n": t(["integer", "null"], "the effect's number in the journal"),
        "step": t(["string", "null"], "the step"),
        "what": t(["string", "null"], "the effect (an in-doubt command, masked)"),
        "reason": t(["string", "null"], "why the run paused"),
        "answered": obj("the answer given while the run waited (null before)", {
            "summary": s("the answer in words"),
            "time": s_("when (UTC)"),
            "by": s_("who answered"),
            "role": s_("as which role"),
            "result": {"description": "the answer as journaled (true/false for a gate, a text for ask)"},
            "choice": s_("for an in-doubt command: rerun, skip or done"),
            "note": s_("the note given"),
        }, null=True),
    }, null=True),
    "in_doubt": obj("the effect in doubt (started, never ended), or null", {
        "n": i("its number in the journal"),
        "kind": s("its kind (cmd, gate, ...)"),
        "step": s_("its step"),
        "what": s_("what it is (a command, masked)"),
    }, null=True),
    "continue": arr(s("a command"), "the commands that continue the run, in order"),
})

SCHEMAS["runs"] = obj("`rbk runs --format json`", {
    "format_version": FV,
    "runs": arr(obj("a run", {
        "run": s(RUN_ID),
        "dir": s("the run directory"),
        "runbook": s_("the runbook file"),
        "title": s_("the runbook's title"),
        "outcome": s(OUTCOME_RUN),
        "summary": s("the STATE column: the outcome in words"),
        "started": s_("when it started (UTC, RFC 3339)"),
        "duration": secs_("how long it ran"),
        "trail": TRAIL,
    }), "the runs, newest first"),
})

SCHEMAS["log"] = obj("`rbk log RUN --format json`", {
    "format_version": FV,
    "run": s(RUN_ID),
    "records": arr(obj("a journal record, exactly as journaled (docs/journal.md)", {
        "seq": i("0, 1, 2, ... consecutive"),
        "prev": s("SHA-256 (hex) of the previous record's line"),
        "time": s("UTC, RFC 3339 with milliseconds"),
        "type": s("the record type (docs/journal.md)"),
    }, extra=True), "the records, in order; their other fields are the journal's (docs/journal.md)"),
})

SCHEMAS["log-verify"] = obj("`rbk log RUN --verify --format json`", {
    "format_version": FV,
    "run": s(RUN_ID),
    "intact": b("whether the chain and every signed approval verify"),
    "records": i("how many records verify"),
    "torn": b("whether the last record is torn"),
    "record": i_("the first bad record's seq"),
    "line": i_("its line in journal.jsonl"),
    "reason": s_("what is wrong"),
})

IMPROV = i_("the number of the improvised REPL action it belongs to (`improvised[].id`), or null")
SCHEMAS["report"] = obj("`rbk report RUN --format json`", {
    "format_version": FV,
    "run": s(RUN_ID),
    "title": s_("the runbook's title"),
    "kind": s("what the runbook is (rollout, backout, ...; an undo run is a backout)"),
    "runbook": s_("the runbook file"),
    "host": s_("the machine it ran on"),
    "operators": arr(s("an operator"), "everyone who ran, resumed or answered, in order of appearance"),
    "started": s_("when it started (UTC, RFC 3339)"),
    "ended": s_("when it ended (UTC)"),
    "outcome": s(OUTCOME_RUN),
    "summary": s("the outcome in words"),
    "trail": TRAIL,
    "duration": secs_("from the run's start to its end"),
    "planned": secs_("the sum of the steps' planned durations"),
    "window": secs_("the change window"),
    "plan_note": s_("why the plan could not be read, or null"),
    "journal": obj("the journal", {"records": i("how many records were read"),
                                   "problem": s_("what is wrong with it, or null")}),
    "review": arr(obj("a review question", {
        "question": s("seed 001's post-run review question"),
        "answer": s_("the answer the journal gives, or null for the meeting"),
    }), "the post-run review"),
    "hosts": arr(obj("a step on a host", {
        "step": s("the step"),
        "host": s("the host"),
        "undo": b("whether this was its undo"),
        "batch": i("the batch it ran in"),
        "outcome": s("its last outcome on that host"),
        "duration": secs("how long it took"),
        "attempts": i("attempts made"),
        "reason": s_("why it failed"),
    }), "each step on each host, its last outcome (present only for runs with steps on hosts)"),
    "steps": arr(obj("a step", {
        "number": i("its place in the plan, from 1"),
        "name": s("its name"),
        "title": s_("its title"),
        "owner": s_("its owner"),
        "planned": secs_("how long it was planned to take"),
        "started_at": secs_("when it first started, since the run's start"),
        "ended_at": secs_("when it last ended, since the run's start"),
        "duration": secs_("from its first start to its end (retries included)"),
        "last_attempt": secs_("how long its last attempt took"),
        "outcome": s(OUTCOME_STEP),
        "attempts": i("how many attempts were made"),
        "error": s_("why it failed, masked"),
        "skipped": obj("why it was skipped, and by whom (null when not skipped)", {
            "reason": s_("the reason"), "by": s_("who skipped it")}, null=True),
    }), "the plan's steps, in order"),
    "timeline": arr(obj("an event", {
        "time": s("when (UTC, RFC 3339)"),
        "at": secs("since the run's start"),
        "kind": s("start, step, command, gate, verify, notify, resume, end, ..."),
        "text": s("what happened, in words"),
        "improvised": IMPROV,
    }), "what happened, in order"),
    "commands": arr(obj("a command", {
        "time": s("when it started (UTC)"),
        "step": s_("its step"),
        "command": s("the command as journaled (secrets masked)"),
        "status": i_("its exit status"),
        "duration": secs_("how long it ran"),
        "timed_out": b("whether its step's timeout stopped it"),
        "note": s_("what else is known (in doubt, decided by a person, ...)"),
        "output_truncated": obj("the bytes of output dropped, or null", {
            "out": i("of standard output"), "err": i("of standard error")}, null=True),
        "left_running": s_("what it left running in the background, or null"),
        "stderr": s_("the end of its standard error, masked"),
        "improvised": IMPROV,
    }), "the commands run"),
    "decisions": arr(obj("a decision", {
        "time": s("when (UTC)"),
        "kind": s("approval, answer, manual, decision, skip, signature, ..."),
        "step": s_("its step"),
        "text": s("what was asked"),
        "answer": s("what was answered"),
        "by": s("who answered"),
        "role": s_("as which role"),
        "note": s_("the note given"),
        "verified": b("for a signed approval: whether the signature verifies"),
        "fingerprint": s_("the signing key's fingerprint (SHA256:...)"),
        "principal": s_("the role the signature was verified for"),
        "signers": i("for an approval by N of a role: how many signed"),
        "improvised": IMPROV,
    }, optional=("verified", "fingerprint", "principal", "signers")), "the decisions, approvals and answers"),
    "improvised": arr(obj("an action improvised at the REPL", {
        "id": i("its number (what `improvised` elsewhere refers to)"),
        "operator": s("who typed it"),
        "input": s("what was typed"),
        "kind": s("what it was"),
        "started": s("when (UTC)"),
        "ended": s_("when it ended (UTC)"),
        "outcome": s("how it ended"),
        "duration": secs_("how long it took"),
        "value": s_("its value"),
        "error": s_("its error"),
        "effects": arr(s("an effect"), "the effects it had"),
    }), "the actions improvised at the REPL"),
    "verifies": obj("the verifies", {
        "passed": i("how many passed"),
        "failed": arr(obj("a failed verify", {
            "time": s("when (UTC)"),
            "step": s_("its step"),
            "condition": s("its condition"),
            "message": s_("what it was to prove"),
            "left": s_("the left side's value, masked"),
            "right": s_("the right side's value, masked"),
            "improvised": IMPROV,
        }), "the failed ones"),
    }),
    "rbk": RBK,
}, optional=("hosts",))

# ---- the event stream: one object per line --------------------------------
EV_COMMON = {
    "event": s("the kind of event", enum=["run_start", "gate_answered", "step_start", "command_start",
                                          "command_end", "gate_waiting", "verify", "step_retry", "step_end",
                                          "decision", "run_end"]),
    "time": s("when it happened (UTC, RFC 3339 with milliseconds)"),
    "run": s(RUN_ID),
}
EV_FIELDS = {
    "format_version": FV,
    "runbook": s("run_start: the runbook file"),
    "title": s("run_start: the runbook's title"),
    "source_sha256": s("run_start: SHA-256 of the runbook"),
    "operator": s("run_start: who runs it (this process's operator on a resume)"),
    "params": obj("run_start: the params given with --param, secrets left out", {}, extra=True),
    "only": {"description": "run_start: the run's --only selection"},
    "from": {"description": "run_start: the run's --from selection"},
    "undo_of": s("run_start of an undo run: the run it reverses"),
    "resumed": b("run_start: true on a resume"),
    "step": s("the step's name"),
    "position": i("the step's place among the steps the run does"),
    "of": i("how many steps the run does"),
    "effect": i("the effect's number in the journal"),
    "lane": s("repl, for an effect typed at the REPL", enum=["repl"]),
    "undo": b("true for an undo block"),
    "replayed": b("true for a step a resume replays from the journal"),
    "command": s("command_start: the command as journaled (masked)"),
    "rerun": b("command_start: an in-doubt command run again"),
    "exit_status": {"type": ["integer", "null"], "description": "command_end: its exit status; run_end: the process's exit status"},
    "duration": secs("command_end, step_end: how long it took"),
    "waited": secs("step_end: the part of `duration` spent waiting for a person at a gate's prompt"),
    "timed_out": b("command_end: its step's timeout stopped it"),
    "error": s("why it failed (masked)"),
    "gate": t(["string", "null"], "approve, ask or manual"),
    "role": s("the gate's role"),
    "person": s("the person in that role"),
    "question": s("gate_waiting: the gate's text"),
    "need": {"description": "gate_waiting: how many must approve (approve by N of)"},
    "answer": {"description": "gate_answered: approved/refused, yes/no, done/not done (or the answer given)"},
    "by": s("who answered or decided"),
    "note": s("the note given"),
    "signed": b("gate_answered: a signed approval"),
    "signer": s("gate_answered: the role the signature was verified for"),
    "fingerprint": s("gate_answered: the signing key's fingerprint"),
    "condition": s("verify: its source text"),
    "outcome": s("verify: passed/failed; step_end: ok, recovered, failed, waiting, interrupted, undone; "
                 "run_end: succeeded, failed, waiting, interrupted, journal_lost, stopped"),
    "left": {"description": "verify: the left side's value (masked)"},
    "right": {"description": "verify: the right side's value (masked)"},
    "attempt": i("step_retry: the attempt that failed"),
    "of_attempts": i("step_retry: how many attempts there may be"),
    "attempts": i("step_end: how many attempts were made"),
    "waiting_for": s("step_end: what a waiting step waits for"),
    "choice": s("decision: rerun, skip or done"),
}
ev_props = dict(EV_COMMON)
ev_props.update(EV_FIELDS)
EV_REQUIRED = {
    "run_start": ["format_version", "source_sha256", "operator"],
    "step_start": ["step", "position", "of"],
    "command_start": ["effect", "command"],
    "command_end": ["effect"],
    "gate_waiting": ["effect", "gate"],
    "gate_answered": ["effect", "answer"],
    "verify": ["effect", "condition", "outcome"],
    "step_retry": ["step", "attempt", "of_attempts"],
    "step_end": ["step", "position", "of", "outcome", "duration", "waited", "attempts"],
    "decision": ["effect", "choice"],
    "run_end": ["outcome", "exit_status"],
}
SCHEMAS["event"] = {
    "type": "object",
    "description": "one line of `rbk run --events` (JSON Lines: each line one event)",
    "properties": ev_props,
    "required": list(EV_COMMON),
    "additionalProperties": False,
    "allOf": [{"if": {"properties": {"event": {"const": e}}}, "then": {"required": r}}
              for e, r in EV_REQUIRED.items()],
}

ORDER = ["check", "lint", "lint-rules", "plan", "status", "runs", "log", "log-verify", "report", "event"]


def schema_doc(name):
    d = {"$schema": DRAFT, "$id": "urn:rbk:json:%s:1" % name}
    d.update(SCHEMAS[name])
    d["title"] = "rbk %s JSON, format_version 1" % name
    return json.dumps(d, indent=2, ensure_ascii=False) + "\n"


def tname(p):
    ty = p.get("type")
    if "const" in p:
        return "integer `%s`" % p["const"]
    if ty is None:
        return "any"
    tys = ty if isinstance(ty, list) else [ty]
    out = []
    for x in tys:
        if x == "array":
            it = p.get("items", {})
            out.append("array of %s" % ("objects" if it.get("type") in ("object", ["object", "null"]) else
                                        (it.get("type") or "any") + "s"))
        else:
            out.append(x)
    if p.get("description", "").endswith("(seconds, rounded to the millisecond)"):
        out[0] = "seconds"
    return " or ".join(out)


def rows(p, prefix, out):
    for k, v in p.get("properties", {}).items():
        req = k in p.get("required", []) or prefix == "" and False
        opt = "" if k in p.get("required", []) or "allOf" in p else " (optional)"
        out.append("| `%s%s` | %s%s | %s |" % (prefix, k, tname(v), opt, v.get("description", "").replace("|", "\\|")))
        if isinstance(v.get("type"), (str, list)) and "object" in (v["type"] if isinstance(v["type"], list) else [v["type"]]):
            rows(v, prefix + k + ".", out)
        if v.get("type") == "array" and isinstance(v.get("items"), dict) and v["items"].get("properties"):
            rows(v["items"], prefix + k + "[].", out)


def table(name):
    out = ["| field | type | meaning |", "|---|---|---|"]
    rows(SCHEMAS[name], "", out)
    return "\n".join(out)


def main():
    check = "--check" in sys.argv[1:]
    stale = []
    for name in ORDER:
        path = os.path.join(TOP, "docs", "schema", name + ".json")
        want = schema_doc(name)
        have = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if have != want:
            stale.append(path)
            if not check:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                open(path, "w", encoding="utf-8").write(want)
    md = os.path.join(TOP, "docs", "json.md")
    text = open(md, encoding="utf-8").read()
    new = text
    for name in ORDER:
        pat = re.compile(r"(<!-- fields:%s -->\n).*?(<!-- /fields -->)" % re.escape(name), re.S)
        if not pat.search(new):
            print("docs/json.md: no <!-- fields:%s --> block" % name)
            return 1
        new = pat.sub(lambda m: m.group(1) + table(name) + "\n" + m.group(2), new)
    if new != text:
        stale.append(md)
        if not check:
            open(md, "w", encoding="utf-8").write(new)
    if check and stale:
        print("out of date (run python3 tests/json/schemas.py): " + ", ".join(os.path.relpath(p, TOP) for p in stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
