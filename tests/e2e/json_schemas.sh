#!/bin/bash
# json_schemas.sh -- one JSON vocabulary (issue 19 items 7 and 8): every
# golden JSON output, and fresh outputs of check, lint, lint --rules, plan,
# status, runs, log, log --verify, report and the event stream, validate
# against their JSON Schemas in docs/schema/ (ajv, draft 2020-12; also:
# every duration rounded to the millisecond); `rbk lint --format sarif`
# validates against the SARIF 2.1.0 schema (tests/fixtures/sarif/, its
# origin in the README there). The schemas and docs/json.md are up to date
# with tests/json/schemas.py. The npm packages (ajv, ajv-formats, pinned in
# tests/json/package.json) are installed once into build/node-json.
set -u
. "$(dirname "$0")/lib.bash"
cd "$RBK_TOP" || exit 1
TOP=$RBK_TOP
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT

# ---- the schemas are written from one description ------------------------------
out=$(python3 tests/json/schemas.py --check 2>&1)
expect_eq "$?:$out" "0:" "docs/schema/*.json and the field tables of docs/json.md are up to date (tests/json/schemas.py)"
for s in check lint lint-rules plan status runs log log-verify report event; do
  grep -q "(schema/$s.json)" docs/json.md
  ok $? "docs/json.md links the schema of $s"
done

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  ok 1 "node and npm are needed (./deps.sh test installs them)"
  done_testing
  exit 0
fi
node_dir="$TOP/build/node-json"
if ! cmp -s tests/json/package.json "$node_dir/package.json" || [ ! -d "$node_dir/node_modules/ajv-formats" ]; then
  mkdir -p "$node_dir"
  cp tests/json/package.json "$node_dir/package.json"
  (cd "$node_dir" && npm install --no-audit --no-fund --loglevel=error >"$T/npm.log" 2>&1) ||
    sed 's/^/# npm: /' "$T/npm.log" | tail -20
fi
[ -d "$node_dir/node_modules/ajv" ] && [ -d "$node_dir/node_modules/ajv-formats" ]
ok $? "ajv and ajv-formats are installed in build/node-json"

# validate SCHEMA FILE... [-- OPTIONS]: one ok line per file (its checks count as ours)
validate() {
  local schema=$1 l seen=0
  shift
  while IFS= read -r l; do
    case $l in
      "ok - "*) ok 0 "${l#ok - }"; seen=1 ;;
      "not ok - "*) ok 1 "${l#not ok - }"; seen=1 ;;
      *) echo "# $l" ;;
    esac
  done < <(NODE_PATH="$node_dir/node_modules" node "$TOP/tests/json/validate.js" "$schema" "$@" 2>&1)
  [ "$seen" = 1 ] || ok 1 "the validator ran on $*"
}
# refuses SCHEMA FILE WHY: the validator must say no
refuses() {
  NODE_PATH="$node_dir/node_modules" node "$TOP/tests/json/validate.js" "$1" "$2" >"$T/why" 2>&1
  local rc=$?
  [ "$rc" -ne 0 ] && grep -q "^not ok" "$T/why"
  ok $? "$3 ($(cut -c1-160 "$T/why" | sed 's,^not ok - [^:]*: ,,'))"
}

# ---- every golden JSON output ----------------------------------------------------
n=0
for f in tests/golden/*/*.args; do
  grep -Eq -- '--format(=| )json' "$f" || continue
  cmd=$(basename "$(dirname "$f")")
  validate "docs/schema/$cmd.json" "${f%.args}.expected"
  n=$((n + 1))
done
expect_match "$n" '^[4-9]$|^[0-9]{2,}$' "golden JSON outputs found ($n)"
validate docs/schema/report.json tests/fixtures/report/expected/*.json

# ---- fresh outputs of each command --------------------------------------------------
cd "$T" || exit 1
export RBK_STATE_DIR="$T/state" NO_COLOR=1
cat > ev.rbk <<'RBK'
runbook "Schemas" {
  version "1"
  owner lead
  window 1h
  role lead "Jane Doe" phone "555-0101"
  secret token = "unset"
  param target = "prod"
  trigger "Errors" major when 1 > 2
  step prepare "Prepare" {
    owner lead
    expect 1m
    timeout 5m
    run "echo preparing ${target} with ${token}"
    verify true "prepared"
    undo { run "echo unprepare" }
  }
  step approve_it "Approve" {
    owner lead
    expect 2m
    approve by lead "go ahead with ${target}?"
    run "sleep 0.013"
  }
  step check "Check" {
    owner lead
    let n = 2
    verify n == 3 "n is three"
  }
}
RBK
"$RBK" check --format json ev.rbk >check.json 2>"$T/err"; echo "rc $?" >>"$T/err"
printf 'runbook "x" {\n  step a {\n    timeout 5\n  }\n}\n' >bad.rbk
"$RBK" check --format json bad.rbk missing.rbk >check-bad.json 2>>"$T/err"
"$RBK" lint --format json ev.rbk bad.rbk >lint.json 2>>"$T/err"
"$RBK" lint --rules --format json >lint-rules.json 2>>"$T/err"
"$RBK" plan --format json ev.rbk >plan.json 2>>"$T/err"
timeout 60 "$RBK" run --new --events ev.jsonl --param target=stage ev.rbk >/dev/null 2>>"$T/err" </dev/null
expect_eq "$?" 3 "a fresh run waits at its gate (exit 3)"
run=$(ls state/runs | head -1)
"$RBK" status "$run" --format json >status-waiting.json 2>>"$T/err"
"$RBK" approve "$run" --as lead --note fine >/dev/null 2>&1
"$RBK" status "$run" --format json >status-answered.json 2>>"$T/err"
timeout 60 "$RBK" resume "$run" --events ev.jsonl >/dev/null 2>>"$T/err" </dev/null
expect_eq "$?" 1 "resumed, it fails at its verify (exit 1)"
"$RBK" status "$run" --format json >status.json 2>>"$T/err"
"$RBK" runs --format json >runs.json 2>>"$T/err"
"$RBK" log "$run" --format json >log.json 2>>"$T/err"
"$RBK" log "$run" --verify --format json >log-verify.json 2>>"$T/err"
"$RBK" report "$run" --format json >report.json 2>>"$T/err"
timeout 60 "$RBK" undo "$run" --events undo.jsonl >/dev/null 2>>"$T/err" </dev/null
validate "$TOP/docs/schema/check.json" check.json check-bad.json
validate "$TOP/docs/schema/lint.json" lint.json
validate "$TOP/docs/schema/lint-rules.json" lint-rules.json
validate "$TOP/docs/schema/plan.json" plan.json
validate "$TOP/docs/schema/status.json" status-waiting.json status-answered.json status.json
validate "$TOP/docs/schema/runs.json" runs.json
validate "$TOP/docs/schema/log.json" log.json
validate "$TOP/docs/schema/log-verify.json" log-verify.json
validate "$TOP/docs/schema/report.json" report.json
validate "$TOP/docs/schema/event.json" --lines ev.jsonl undo.jsonl
expect_eq "$(jq -r '[.format_version, .run, .outcome] | join(" ")' status.json)" "1 $run failed" \
  "status: format_version, run, outcome"
expect_eq "$(jq -r '.waiting.for + " " + .waiting.answered.by' status-answered.json)" "gate $(id -un)" \
  "status of the answered gate: the answer is there to validate"
expect_eq "$(jq -r 'select(.event=="run_start") | .format_version' ev.jsonl | sort -u)" "1" \
  "every run_start of the stream says format_version 1"
expect_match "$(jq -c '[.steps[] | .duration]' report.json)" '^\[[0-9.]+,[0-9.]+,[0-9.]+\]$' \
  "report: a duration for each step"

# the hand-made journals: every state a run can be in (tests/fixtures/journals)
"$TOP/tests/fixtures/journals/make.sh" "$T/hand" >/dev/null 2>&1
RBK_STATE_DIR=$T/hand "$RBK" runs --format json >hand-runs.json 2>/dev/null
validate "$TOP/docs/schema/runs.json" hand-runs.json
files=() vfiles=() rfiles=()
for d in "$T"/hand/runs/*/; do
  id=$(basename "$d")
  RBK_STATE_DIR=$T/hand "$RBK" status "$id" --format json >"st-$id.json" 2>/dev/null
  RBK_STATE_DIR=$T/hand "$RBK" log "$id" --verify --format json >"lv-$id.json" 2>/dev/null
  RBK_STATE_DIR=$T/hand "$RBK" report "$id" --format json >"rp-$id.json" 2>/dev/null
  [ -s "st-$id.json" ] && files+=("st-$id.json")
  [ -s "lv-$id.json" ] && vfiles+=("lv-$id.json")
  [ -s "rp-$id.json" ] && rfiles+=("rp-$id.json")
done
expect_match "${#files[@]} ${#vfiles[@]} ${#rfiles[@]}" '^[0-9]{2} [0-9]{2} [0-9]{2}$' \
  "status, log --verify and report of each hand-made run (${#files[@]} ${#vfiles[@]} ${#rfiles[@]})"
validate "$TOP/docs/schema/status.json" "${files[@]}"
validate "$TOP/docs/schema/log-verify.json" "${vfiles[@]}"
validate "$TOP/docs/schema/report.json" "${rfiles[@]}"

# ---- the schemas refuse what the old vocabulary wrote ---------------------------------
printf '[\n {"file": "a.rbk", "line": 1, "column": 1, "end_line": 1, "end_column": 2, "severity": "error", "code": "x", "message": "m", "hint": null}\n]\n' >old-check.json
refuses "$TOP/docs/schema/check.json" old-check.json "check: a bare array is refused"
jq '.findings[0].code = .findings[0].rule | del(.findings[0].rule)' check-bad.json >old-check2.json
refuses "$TOP/docs/schema/check.json" old-check2.json "check: code instead of rule is refused"
jq '.steps[0].state = .steps[0].outcome | del(.steps[0].outcome)' status.json >old-status.json
refuses "$TOP/docs/schema/status.json" old-status.json "status: a step's state instead of outcome is refused"
sed -E '0,/"duration":[0-9.]+,"last_attempt"/s//"duration":0.003000000000000001,"last_attempt"/' report.json >unrounded.json
expect_eq "$(grep -c '0.003000000000000001' unrounded.json)" 1 "(a report with an unrounded duration)"
refuses "$TOP/docs/schema/report.json" unrounded.json "report: a duration not rounded to the millisecond is refused"
jq '.total_expect = .planned' plan.json >old-plan.json
refuses "$TOP/docs/schema/plan.json" old-plan.json "plan: a key the schema does not describe is refused"
jq 'del(.format_version)' runs.json >old-runs.json
refuses "$TOP/docs/schema/runs.json" old-runs.json "runs: no format_version is refused"
grep -v '"run_start"' ev.jsonl | head -3 >ev-part.jsonl
jq -c 'select(.event=="step_end") | del(.outcome)' ev.jsonl | head -1 >ev-bad.jsonl
NODE_PATH="$node_dir/node_modules" node "$TOP/tests/json/validate.js" --lines "$TOP/docs/schema/event.json" ev-bad.jsonl >/dev/null 2>&1
expect_eq "$?" 1 "event: a step_end without its outcome is refused"

# ---- SARIF 2.1.0 ---------------------------------------------------------------------
SARIF=$TOP/tests/fixtures/sarif/sarif-schema-2.1.0.json
expect_eq "$(jq -r '.properties.version.enum | join(",")' "$SARIF")" "2.1.0" "the SARIF schema is 2.1.0's (not a draft)"
(cd "$TOP/tests/golden/lint" && "$RBK" lint --format sarif ./*.rbk) >lint.sarif 2>/dev/null
"$RBK" lint --format sarif ev.rbk bad.rbk >lint2.sarif 2>/dev/null
printf 'runbook "clean" {\n}\n' >clean.rbk
"$RBK" lint --format sarif --strict clean.rbk >lint3.sarif 2>/dev/null
expect_match "$(jq '.runs[0].results | length' lint.sarif)" '^[0-9]{2,}$' "SARIF of every lint golden: many results"
validate "$SARIF" --sarif lint.sarif lint2.sarif lint3.sarif "$TOP/tests/fixtures/lint/findings_sarif.expected"
jq '.version = "2.0.0"' lint2.sarif >bad.sarif
refuses "$SARIF" bad.sarif "SARIF: version 2.0.0 is refused"
jq '.runs[0].results[0].level = "fatal"' lint2.sarif >bad2.sarif
refuses "$SARIF" bad2.sarif "SARIF: a level SARIF does not know is refused"

done_testing
