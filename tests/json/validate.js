// validate.js -- validate JSON documents against a JSON Schema with ajv
// (draft 2020-12), for tests/e2e/json_schemas.sh.
//
//   node validate.js [--lines] [--sarif] SCHEMA FILE...
//
// Each FILE holds one JSON document (with --lines: JSON Lines, one per
// line). A golden's .expected file may start with its "--format json"
// args line and end with its "[exit N]" line; both are skipped. Prints,
// per file, "ok - FILE" or "not ok - FILE: why" (the first errors).
// Besides the schema, every duration and time in seconds (the keys in
// SECONDS below, outside journal records) must be rounded to the
// millisecond; --sarif skips that check (SARIF is not ours).
"use strict";
const fs = require("fs");
const Ajv2020 = require("ajv/dist/2020");
const addFormats = require("ajv-formats");

const SECONDS = new Set(["duration", "waited", "planned", "window", "at", "started_at", "ended_at",
  "last_attempt", "timeout", "retry_every", "for"]);

function unrounded(v, path, out) {
  if (Array.isArray(v)) v.forEach((x, i) => unrounded(x, path + "[" + i + "]", out));
  else if (v && typeof v === "object") {
    for (const k of Object.keys(v)) {
      if (k === "records" && Array.isArray(v[k])) continue;   // the journal's own
      const x = v[k];
      if (SECONDS.has(k) && typeof x === "number" && Math.round(x * 1000) / 1000 !== x)
        out.push(path + "." + k + " = " + x + " is not rounded to the millisecond");
      else unrounded(x, path + "." + k, out);
    }
  }
}

function docs(text, lines) {
  let t = text;
  if (/^--/.test(t)) t = t.slice(t.indexOf("\n") + 1);   // a golden's args line
  t = t.replace(/\n\[exit [0-9]+\]\n?$/, "\n");           // a golden's exit line
  if (!lines) return [JSON.parse(t)];
  return t.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
}

const args = process.argv.slice(2);
const lines = args.includes("--lines"), sarif = args.includes("--sarif");
const rest = args.filter((a) => !a.startsWith("--"));
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(JSON.parse(fs.readFileSync(rest[0], "utf8")));
let bad = 0;
for (const f of rest.slice(1)) {
  const why = [];
  try {
    docs(fs.readFileSync(f, "utf8"), lines).forEach((d, k) => {
      if (!validate(d))
        for (const e of validate.errors.slice(0, 3))
          why.push((lines ? "line " + (k + 1) + ": " : "") + (e.instancePath || "/") + " " + e.message +
            (e.params && e.params.additionalProperty ? " (" + e.params.additionalProperty + ")" : ""));
      if (!sarif) unrounded(d, lines ? "line " + (k + 1) : "", why);
    });
  } catch (e) {
    why.push("not JSON: " + e.message);
  }
  if (why.length) bad++;
  console.log(why.length ? "not ok - " + f + ": " + why.slice(0, 4).join("; ") : "ok - " + f);
}
process.exit(bad ? 1 : 0);
