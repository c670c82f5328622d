#!/bin/bash
# tests/e2e/lint_plan.sh -- rbk lint and rbk plan end to end: every SARIF
# output has the structure SARIF 2.1.0 requires (checked with jq), every
# DOT output renders with Graphviz, the HTML plan loads in a real headless
# Chromium and shows seed 001's procedure table, the portal example gives
# seed 001's 11 steps, owners and durations, every rule is documented in
# docs/lint.md, and the command lines behave (help, usage errors, exit
# status). Golden outputs of each format are in tests/golden/lint and
# tests/golden/plan.
set -u
source tests/e2e/lib.bash
source tests/e2e/browser.bash
: "${RBK:?set RBK to the rbk binary}"
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT
TOP=$RBK_TOP
EX=$TOP/examples/portal/backout.rbk

# ---- help and usage ------------------------------------------------------
for c in lint plan; do
  out=$("$RBK" $c --help); rc=$?
  ok $rc "rbk $c --help exits 0"
  expect_match "$out" "^Usage: rbk $c " "rbk $c --help starts with its usage line"
  expect_match "$out" "Exit status:" "rbk $c --help documents the exit status"
  expect_eq "$("$RBK" help $c)" "$out" "rbk help $c prints the same text"
done
"$RBK" lint >/dev/null 2>&1; expect_eq $? 2 "rbk lint with no FILE is a usage error (2)"
"$RBK" lint --format xml "$EX" >/dev/null 2>&1; expect_eq $? 2 "rbk lint --format xml is a usage error"
"$RBK" plan >/dev/null 2>&1; expect_eq $? 2 "rbk plan with no FILE is a usage error"
"$RBK" plan "$EX" "$EX" >/dev/null 2>&1; expect_eq $? 2 "rbk plan takes one FILE"
"$RBK" plan --format pdf "$EX" >/dev/null 2>&1; expect_eq $? 2 "rbk plan --format pdf is a usage error"
"$RBK" plan "$T/nonexistent.rbk" >/dev/null 2>&1; expect_eq $? 2 "rbk plan on a missing file exits 2"
"$RBK" lint "$T/nonexistent.rbk" >/dev/null 2>&1; expect_eq $? 2 "rbk lint on a missing file exits 2, as every command"

# ---- the rules and their documentation ------------------------------------
ids=$("$RBK" lint --rules --format json | jq -r '.rules[].rule')
n=$(wc -l <<<"$ids")
expect_match "$n" '^[0-9]+$' "rbk lint --rules --format json lists the rules"
[ "$n" -ge 20 ]; ok $? "at least 20 rules ($n)"
missing=""
for id in $ids; do grep -q "^### \`$id\`" "$TOP/docs/lint.md" || missing="$missing $id"; done
expect_eq "$missing" "" "every rule has a section in docs/lint.md"
extra=""
for id in $(sed -n 's/^### `\([a-z-]*\)`.*/\1/p' "$TOP/docs/lint.md"); do grep -qx "$id" <<<"$ids" || extra="$extra $id"; done
expect_eq "$extra" "" "docs/lint.md documents no rule that does not exist"
bad=$("$RBK" lint --rules --format json | jq -r '.rules[] | select((.title|length)==0 or (.rationale|length)==0 or (.fix|length)==0 or (.severity != "error" and .severity != "warning")) | .rule')
expect_eq "$bad" "" "every rule has a severity, a title, a rationale and a fix"
for want in step-no-owner no-verify no-timeout no-undo role-no-contact no-triggers no-backup-check \
            destructive-no-approval over-window no-expect secret-literal unused-param after-order unreachable; do
  grep -qx "$want" <<<"$ids"; ok $? "the issue's rule $want exists"
done

# ---- the example is CAB-ready ---------------------------------------------
"$RBK" check "$EX" 2>"$T/check.err"; rc=$?
expect_eq "$rc:$(cat "$T/check.err")" "0:" "rbk check is clean on the portal example"
out=$("$RBK" lint "$EX"); rc=$?
expect_eq "$rc" 0 "rbk lint passes the portal example (exit 0)"
expect_match "$out" "^rbk lint: 0 errors" "the portal example has no lint error"
js=$("$RBK" lint --format json "$EX")
expect_eq "$(jq '.errors' <<<"$js")" 0 "json: 0 errors"
expect_eq "$(jq -r '[.findings[] | select(.suppressed != null) | .rule] | join(",")' <<<"$js")" \
  "unsigned-approvals,destructive-no-approval" "its suppressions: the sandbox's unsigned approvals and the rm -rf it explains"

# ---- SARIF: every output has the required structure -----------------------
# (jq -e fails when the expression is false or null)
sarif_ok() {
  jq -e '
    .["$schema"] and (.["$schema"] | test("sarif")) and .version == "2.1.0" and
    (.runs | type == "array" and length == 1) and
    (.runs[0].tool.driver.name == "rbk") and
    (.runs[0].tool.driver.rules | type == "array" and length > 0 and
       all(.[]; (.id | type == "string") and (.shortDescription.text | type == "string"))) and
    (.runs[0].results | type == "array") and
    (.runs[0].results | all(.[];
      (.ruleId | type == "string") and
      (.level == "error" or .level == "warning" or .level == "note") and
      (.message.text | type == "string" and length > 0) and
      (.locations | type == "array" and length == 1) and
      (.locations[0].physicalLocation.artifactLocation.uri | type == "string" and length > 0) and
      (.locations[0].physicalLocation.region.startLine | type == "number" and . >= 1))) and
    (.runs[0].tool.driver.rules as $rules | .runs[0].results | all(.[]; $rules[.ruleIndex].id == .ruleId))
  ' >/dev/null <<<"$1"
}
nsarif=0
for f in "$TOP"/tests/golden/lint/*.rbk "$TOP"/examples/*.rbk "$TOP"/examples/portal/*.rbk; do
  s=$(cd "$(dirname "$f")" && "$RBK" lint --format sarif "$(basename "$f")" 2>/dev/null)
  sarif_ok "$s"; ok $? "SARIF of $(basename "$f") has the required 2.1.0 structure"
  nsarif=$((nsarif + 1))
done
s=$(cd "$TOP/tests/golden/lint" && "$RBK" lint --format sarif findings.rbk ignore.rbk secrets.rbk)
sarif_ok "$s"; ok $? "SARIF of several files at once"
expect_eq "$(jq '.runs[0].results | length' <<<"$s")" \
  "$(cd "$TOP/tests/golden/lint" && "$RBK" lint --format json findings.rbk ignore.rbk secrets.rbk | jq '.findings | length')" \
  "SARIF has one result per finding (suppressed ones included)"
expect_eq "$(jq -r '[.runs[0].results[] | select(.suppressions) | .suppressions[0].kind] | unique | join(",")' <<<"$s")" \
  "inSource" "suppressed findings carry an inSource suppression with its reason"
expect_eq "$(jq -r '[.runs[0].results[] | .locations[0].physicalLocation.artifactLocation.uri] | unique | join(" ")' <<<"$s")" \
  "tests/golden/lint/findings.rbk tests/golden/lint/ignore.rbk tests/golden/lint/secrets.rbk" \
  "each result names its file, relative to the repository root"
cp "$TOP/tests/golden/lint/clean.rbk" "$T/with space#1.rbk"
s=$(cd "$T" && "$RBK" lint --format sarif "with space#1.rbk")
sarif_ok "$s"; ok $? "SARIF of a clean file"
expect_eq "$(jq -r '.runs[0].results | length' <<<"$s")" 0 "a clean file has no results"
echo 'runbook "X" { step a { run "rm -rf ${x}" } }' >"$T/with space#1.rbk"
s=$(cd "$T" && "$RBK" lint --format sarif "with space#1.rbk")
expect_eq "$(jq -r '.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri' <<<"$s")" \
  "with%20space%231.rbk" "a file name is percent-encoded as a URI reference"
s=$("$RBK" lint --format sarif "$T/nonexistent.rbk")
sarif_ok "$s"; ok $? "SARIF of a file that cannot be read"

# ---- SARIF that code scanning maps to the repository (issue 19 item 8) ------
# The whole log of one file, against the expected one: %SRCROOT% is where this
# clone is, so the expected file says @SRCROOT@ (UPDATE=1 rewrites it).
exp=$TOP/tests/fixtures/lint/findings_sarif.expected
got=$(cd "$TOP/tests/golden/lint" && "$RBK" lint --format sarif findings.rbk | sed "s|file://$(cd "$TOP" && pwd -P)/|file://@SRCROOT@/|")
[ "${UPDATE:-}" = 1 ] && printf '%s\n' "$got" >"$exp"
expect_eq "$got" "$(cat "$exp")" "the SARIF log of findings.rbk is the expected one (tests/fixtures/lint/findings_sarif.expected)"
R=$T/repo
mkdir -p "$R/ops/runbooks" "$T/elsewhere"
git -C "$R" init -q
cp "$TOP/tests/golden/lint/findings.rbk" "$R/ops/runbooks/change.rbk"
cp "$TOP/tests/golden/lint/findings.rbk" "$T/elsewhere/other.rbk"
s=$(cd "$R/ops/runbooks" && "$RBK" lint --format sarif change.rbk ../../../elsewhere/other.rbk)
sarif_ok "$s"; ok $? "SARIF from inside a repository"
expect_eq "$(jq -r '.runs[0].originalUriBaseIds["%SRCROOT%"].uri' <<<"$s")" "file://$(cd "$R" && pwd -P)/" \
  "%SRCROOT% is the repository's root (the nearest .git above), as a file: URI ending in /"
expect_eq "$(jq -r '[.runs[0].results[].locations[0].physicalLocation.artifactLocation | select(.uriBaseId == "%SRCROOT%") | .uri] | unique | join(" ")' <<<"$s")" \
  "ops/runbooks/change.rbk" "a file in the repository: its path from the root, with uriBaseId %SRCROOT%"
expect_eq "$(jq -r '[.runs[0].results[].locations[0].physicalLocation.artifactLocation | select(.uriBaseId == null) | .uri] | unique | join(" ")' <<<"$s")" \
  "file://$(cd "$T/elsewhere" && pwd -P)/other.rbk" "a file outside it: an absolute file: URI"
grep -q 'example\.invalid' <<<"$s"; expect_eq $? 1 "no example.invalid URI"
expect_eq "$(jq -r '[.runs[0].tool.driver.rules[] | select((.helpUri // "") | test("^file:///.*/(lint|language)\\.md#[a-z0-9-]+$") | not) | .id] | join(",")' <<<"$s")" "" \
  "every rule has a helpUri into the installed docs/lint.md (or language.md for check codes)"
missing=""
for id in $(jq -r '.runs[0].tool.driver.rules[] | select(.helpUri | test("lint\\.md#")) | .id' <<<"$s"); do
  grep -q "^### \`$id\`\$" "$TOP/docs/lint.md" || missing="$missing $id"
done
expect_eq "$missing" "" "every helpUri anchor is a rule heading of docs/lint.md"
fp1=$(jq -r '[.runs[0].results[] | select(.locations[0].physicalLocation.artifactLocation.uriBaseId) | .partialFingerprints["rbkFindingHash/v1"]] | sort | join(" ")' <<<"$s")
lines1=$(jq -r '[.runs[0].results[] | select(.locations[0].physicalLocation.artifactLocation.uriBaseId) | .locations[0].physicalLocation.region.startLine] | join(" ")' <<<"$s")
expect_match "$fp1" '^[0-9a-f]{64}( [0-9a-f]{64})*$' "each result has a partialFingerprints hash"
expect_eq "$(tr ' ' '\n' <<<"$fp1" | sort -u | wc -l)" "$(wc -w <<<"$fp1")" "distinct findings have distinct fingerprints"
{ printf '# three lines\n# added above\n# every finding\n'; cat "$TOP/tests/golden/lint/findings.rbk"; } >"$R/ops/runbooks/change.rbk"
s=$(cd "$R/ops/runbooks" && "$RBK" lint --format sarif change.rbk)
fp2=$(jq -r '[.runs[0].results[] | .partialFingerprints["rbkFindingHash/v1"]] | sort | join(" ")' <<<"$s")
lines2=$(jq -r '[.runs[0].results[] | .locations[0].physicalLocation.region.startLine - 3] | join(" ")' <<<"$s")
expect_eq "$lines2" "$lines1" "lines added above: every finding moves down 3 lines"
expect_eq "$fp2" "$fp1" "... and keeps its fingerprint"

# ---- exit status and --strict ---------------------------------------------
(cd "$TOP/tests/golden/lint" && "$RBK" lint -q strict.rbk); expect_eq $? 0 "warnings only: exit 0"
(cd "$TOP/tests/golden/lint" && "$RBK" lint -q --strict strict.rbk); expect_eq $? 1 "warnings with --strict: exit 1"
(cd "$TOP/tests/golden/lint" && "$RBK" lint -q findings.rbk); expect_eq $? 1 "errors: exit 1"
out=$(cd "$TOP/tests/golden/lint" && "$RBK" lint -q findings.rbk 2>&1); expect_eq "$out" "" "-q prints nothing"
out=$(printf 'runbook "S" {\n  role a "A"\n}\n' | "$RBK" lint --format json -)
expect_eq "$(jq -r '.findings[0].file' <<<"$out")" "<stdin>" "- reads standard input"

# ---- the plan matches seed 001's procedure table --------------------------
pj=$("$RBK" plan --format json "$EX"); rc=$?
ok $rc "rbk plan --format json on the portal example"
expect_eq "$(jq '.steps | length' <<<"$pj")" 11 "the procedure has 11 steps"
expect_eq "$(jq -r '[.steps[].owner] | join(" ")' <<<"$pj")" "pm ops support ops dba ops ops ops qa ops pm" \
  "the owners are seed 001's: PM Ops Support Ops DBA Ops Ops Ops QA Ops PM"
expect_eq "$(jq -r '[.steps[].planned / 60] | join(" ")' <<<"$pj")" "2 5 5 5 30 15 10 5 15 5 5" \
  "the durations are seed 001's, in minutes"
expect_eq "$(jq -r '[.steps[].title] | join("|")' <<<"$pj")" \
  "Announce backout to team|Stop incoming traffic|Notify users (if applicable)|Stop application servers|Restore database|Restore application|Restore configuration|Start application servers|Verify system health|Resume traffic|Notify stakeholders" \
  "the actions are seed 001's"
# Seed 001 prints the total as "~100 min"; its eleven durations add up to 102.
expect_eq "$(jq '.planned / 60' <<<"$pj")" 102 "the total is the sum of the seed's durations (102 min, the seed's ~100)"
expect_eq "$(jq '.window / 60' <<<"$pj"):$(jq .fits_window <<<"$pj")" "240:true" "it fits the 4 h window"
expect_eq "$(jq -r '[.roles[] | select(.name=="lead" or .name=="pm" or .name=="sponsor" or .name=="ops" or .name=="dba") | .person] | join(", ")' <<<"$pj")" \
  "Jane Doe, John Smith, Sarah Williams, Dave Jones, Mike Brown" "the contact list is seed 001's"
expect_eq "$(jq '[.checklist[] | select(.ok | not)] | length' <<<"$pj")" 0 "every checklist item is ticked"
expect_eq "$(jq '[.steps[] | select(.undo == null and .irreversible == null)] | map(.name) | join(",")' -r <<<"$pj")" \
  "verify_health" "every step but the read-only health check can be undone or says why not"
md=$("$RBK" plan "$EX")
expect_match "$md" '\| 5 \| Restore database \| dba \(Mike Brown\) \| 30m \|' "the Markdown procedure table has the restore row"
expect_match "$md" '\| Total \|  \|  \| 1h42m \| window 4h \|' "the Markdown table ends with the total and the window"

# ---- every DOT output renders with Graphviz -------------------------------
for f in "$TOP"/tests/golden/plan/*.rbk "$TOP"/examples/*.rbk "$TOP"/examples/portal/*.rbk; do
  case $f in *library.rbk|*broken.rbk|*unknown_format.rbk) continue ;; esac
  d=$(cd "$(dirname "$f")" && "$RBK" plan --format dot "$(basename "$f")")
  svg=$(dot -Tsvg <<<"$d" 2>"$T/dot.err"); rc=$?
  expect_eq "$rc:$(cat "$T/dot.err")" "0:" "dot -Tsvg renders the graph of $(basename "$f")"
  expect_match "$svg" "<svg" "... into an SVG"
done
d=$("$RBK" plan --format dot "$EX")
expect_eq "$(grep -c '^  s[0-9]* \[shape=box' <<<"$d")" 11 "the DOT graph has a node per step"
expect_match "$d" 's5 -> s5f \[color="#c0392b"' "the failure handler of step 5 is an edge"
expect_match "$d" 's4 -> s6 \[style=dashed' "an 'after' edge that is not the running order is dashed"
expect_match "$d" 's5 \[shape=box, style="rounded,filled,bold".*approval by lead' "the approval gate of step 5 is marked"
svg=$(dot -Tsvg <<<"$d")
expect_eq "$(grep -c 'class="node"' <<<"$svg")" "$(grep -Ec '^  [a-z0-9]+ \[' <<<"$d" | xargs -I{} expr {} - 3)" "Graphviz draws every node (all but the graph, node and edge defaults)"

# ---- Mermaid: every node an edge names is declared ------------------------
mm=$("$RBK" plan --format mermaid "$EX")
expect_match "$(sed -n 4p <<<"$mm")" '^flowchart TD$' "Mermaid output is a flowchart"
declared=$(sed -n 's/^  \([a-z0-9]*\)[[({].*/\1/p' <<<"$mm" | sort -u)
used=$(sed -n 's/^  \([a-z0-9]*\) -[-.][^ ]* \([a-z0-9]*\)$/\1\n\2/p' <<<"$mm" | sort -u)
expect_eq "$(comm -13 <(echo "$declared") <(echo "$used"))" "" "every node an edge uses is declared"
expect_eq "$(grep -c '"' <<<"$(sed -n 's/^  [a-z0-9]*[[({/]*"\(.*\)"[])}/]*$/\1/p' <<<"$mm")")" 0 "labels hold no raw double quote"
# Optional: parse with the real Mermaid library in Chromium when a copy is given.
if [ -n "${RBK_MERMAID_JS:-}" ] && [ -f "$RBK_MERMAID_JS" ] && need_chromium; then
  python3 - "$RBK_MERMAID_JS" "$T/mm.html" "$mm" <<'PY'
import json, sys
js, out, src = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3]
open(out, "w").write('<html><body><pre id="out">pending</pre><script>' + js.replace("</script>", "<\\/script>") +
  '</script><script>mermaid.initialize({startOnLoad:false});mermaid.render("g",' + json.dumps(src) +
  ').then(r=>{document.getElementById("out").textContent="OK"},e=>{document.getElementById("out").textContent="ERROR "+e})</script></body></html>')
PY
  dom=$(timeout 120 chromium --headless --no-sandbox --disable-gpu --virtual-time-budget=20000 --user-data-dir="$T/mmprofile" --dump-dom "file://$T/mm.html" 2>/dev/null)
  expect_match "$dom" '<pre id="out">OK</pre>' "Mermaid itself renders the flowchart"
fi

# ---- the HTML plan in a real browser --------------------------------------
"$RBK" plan --format html "$EX" >"$T/plan.html"
html=$(cat "$T/plan.html")
expect_match "$html" '^<!DOCTYPE html>' "the HTML plan is a whole page"
grep -Eiq '<script|<link|<img|<iframe|<object|src=|url\(|@import' "$T/plan.html"; expect_eq $? 1 "it loads nothing: no script, link, image, frame, url() or @import"
expect_match "$html" '<style>.*@media print' "its CSS is inline and has print rules"
need_chromium; ok $? "chromium is installed (deps.sh test)"
dom=$(dump_dom "$T/plan.html" "$T/profile")
expect_match "$dom" '<table id="procedure">' "Chromium builds the procedure table"
rows=$(grep -o '<tr class="step">' <<<"$dom" | wc -l)
expect_eq "$rows" 11 "the procedure table has 11 step rows in the DOM"
got=$(python3 - "$dom" <<'PY'
import re, sys
dom = sys.argv[1]
table = re.search(r'<table id="procedure">(.*?)</table>', dom, re.S).group(1)
for row in re.findall(r'<tr class="(?:step|total)">(.*?)</tr>', table, re.S):
    cells = [re.sub(r'<[^>]+>', '', c) for c in re.findall(r'<td>(.*?)</td>', row, re.S)]
    print("|".join([cells[0], cells[2].split(" ")[0], cells[3]]))
PY
)
expect_eq "$(tr '\n' ' ' <<<"$got")" \
  "1|pm|2m 2|ops|5m 3|support|5m 4|ops|5m 5|dba|30m 6|ops|15m 7|ops|10m 8|ops|5m 9|qa|15m 10|ops|5m 11|pm|5m Total||1h42m " \
  "the DOM's procedure rows have seed 001's step numbers, owners and durations"
expect_match "$dom" '<h2 id="checklist">' "the DOM has the checklist"
expect_match "$dom" 'Restore database' "the DOM has the step titles"

done_testing
