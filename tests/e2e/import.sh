#!/bin/bash
# tests/e2e/import.sh -- import "lib.rbk" (issue 18 item 7): where an
# imported file is looked for (beside the importer, then RBK_PATH in
# order), cycles, clashes and missing files as located errors, a run that
# uses a library's functions, roles and probes, the journal's record of
# each import and a resume refused when a library changed, a .rbc that
# runs with the libraries gone, and check, lint, plan, fmt and --dry-run
# of an importing runbook.
set -u
top=${RBK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/e2e/lib.bash"
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT
export RBK_STATE_DIR="$T/state" NO_COLOR=1
unset RBK_PATH
rbk() { rbk_at_T "$@"; }
journal() { echo "$RBK_STATE_DIR/runs/$1/journal.jsonl"; }

mkdir -p "$T/app/lib" "$T/p1" "$T/p2" "$T/elsewhere"
cat > "$T/app/main.rbk" <<'RBK'
import "lib/ops.rbk"
import "where.rbk"

runbook "Uses libraries" {
  step a "Tag" {
    owner lead
    log "tag=" + release_tag(3)
    log "where=" + where()
    log "p95=" + str(probe("p95"))
    log "shared=" + shared()
  }
}
RBK
cat > "$T/app/lib/ops.rbk" <<'RBK'
# the team's library: a role, a probe and functions
import "common.rbk"

role lead "Jane Doe"

probe p95 = 120

fn release_tag(n) {
  return "v" + str(n) + shared()
}
RBK
cat > "$T/app/lib/common.rbk" <<'RBK'
fn shared() {
  return "+c"
}
RBK
for d in p1 p2; do printf 'fn where() {\n  return "%s"\n}\n' "$d" > "$T/$d/where.rbk"; done

# ---- where an imported file is looked for ------------------------------
rbk check app/main.rbk
expect_eq "$rc" 1 "without RBK_PATH, where.rbk (not beside main.rbk) is missing: exit 1"
expect_match "$err" '^app/main.rbk:2:8: error: cannot find the imported file .where.rbk.' \
  "the error is at the import, file:line:col"
expect_match "$err" 'looked for: app/where.rbk \(RBK_PATH is not set\)' "it names the path tried"
RBK_PATH="$T/nowhere:$T/p1:$T/p2" rbk run --new app/main.rbk
expect_eq "$rc" 0 "with RBK_PATH the run succeeds"
expect_match "$out" 'log: where=p1' "RBK_PATH's directories are tried in order: the first that has it wins"
expect_match "$out" 'log: tag=v3\+c' "a library's function, calling one its own import gives (lib/common.rbk, beside it)"
expect_match "$out" 'log: p95=120' "a library's probe"
expect_match "$out" 'log: shared=\+c' "an import's import is the runbook's too"
RBK_PATH="$T/p2:$T/p1" rbk run --new app/main.rbk
expect_match "$out" 'log: where=p2' "RBK_PATH in the other order: p2"
printf 'fn where() {\n  return "beside"\n}\n' > "$T/app/where.rbk"
RBK_PATH="$T/p1" rbk run --new app/main.rbk
expect_match "$out" 'log: where=beside' "a file beside the importer wins over RBK_PATH"
out=$(cd "$T/elsewhere" && "$RBK" check ../app/main.rbk 2>&1); rc=$?
expect_eq "$rc" 0 "paths are relative to the importing file, not to the current directory"
cat > "$T/app/missing.rbk" <<'RBK'
import "lib/absent.rbk"
runbook "x" {
  step a {
    log "a"
  }
}
RBK
RBK_PATH="$T/p1:$T/p2" rbk check app/missing.rbk
expect_eq "$rc" 1 "a missing import: exit 1"
expect_match "$err" "looked for: app/lib/absent.rbk, $T/p1/lib/absent.rbk, $T/p2/lib/absent.rbk" \
  "the hint lists every path tried, in order"

# ---- cycles and clashes ------------------------------------------------
cat > "$T/app/cyc.rbk" <<'RBK'
import "lib/c1.rbk"
runbook "x" {
  step a {
    log one()
  }
}
RBK
printf 'import "c2.rbk"\nfn one() {\n  return 1\n}\n' > "$T/app/lib/c1.rbk"
printf 'import "../cyc.rbk"\nfn two() {\n  return 2\n}\n' > "$T/app/lib/c2.rbk"
rbk check app/cyc.rbk
expect_eq "$rc" 1 "a cycle back to the runbook: exit 1"
expect_match "$err" '^app/lib/c2.rbk:1:8: error: import cycle: app/cyc.rbk -> app/lib/c1.rbk -> app/lib/c2.rbk -> app/cyc.rbk' \
  "the error is at the import that closes the cycle and shows the chain"
expect_match "$err" 'app/cyc.rbk:1:8: note: the cycle begins with this import' "a note at the import it began with"
cat > "$T/app/clash.rbk" <<'RBK'
import "lib/ops.rbk"
runbook "x" {
  role lead "Someone"
  step a {
    log "a"
  }
}
RBK
rbk check app/clash.rbk
expect_eq "$rc" 1 "a role declared by the runbook and its library: exit 1"
expect_match "$err" '^app/clash.rbk:3:8: error: duplicate role .lead.' "the error is at the runbook's declaration"
expect_match "$err" 'app/lib/ops.rbk:4:6: note: .lead. is first declared here' "the note is at the library's"
printf 'fn shared() {\n  return 0\n}\n' > "$T/app/lib/other.rbk"
printf 'import "lib/common.rbk"\nimport "lib/other.rbk"\nrunbook "x" {\n  step a {\n    log shared()\n  }\n}\n' > "$T/app/two.rbk"
rbk check app/two.rbk
expect_match "$err" '^app/lib/other.rbk:1:4: error: duplicate function .shared.' "two libraries with one function name: refused"
printf 'import "lib/ops.rbk"\nimport "lib/common.rbk"\nrunbook "x" {\n  step a {\n    log shared()\n  }\n}\n' > "$T/app/diamond.rbk"
rbk check app/diamond.rbk
expect_eq "$rc" 0 "a file imported twice (directly and through a library) is read once: no clash"
printf 'step s {\n  log "x"\n}\n' > "$T/app/lib/steps.rbk"
printf 'import "lib/steps.rbk"\nrunbook "x" {\n  step a {\n    log "a"\n  }\n}\n' > "$T/app/usesteps.rbk"
rbk check app/usesteps.rbk
expect_match "$err" "^app/lib/steps.rbk:1:1: error: 'step' cannot be in an imported file" "a library with a step is refused"

# ---- the journal, and a resume after a library changed -------------------
cat > "$T/app/gate.rbk" <<'RBK'
import "lib/ops.rbk"
runbook "Gate" {
  step a {
    approve by lead
    log release_tag(1)
  }
}
RBK
rbk run --run-id g1 app/gate.rbk
expect_eq "$rc" 3 "a run waits at its gate (exit 3)"
j=$(journal g1)
expect_eq "$(jq -r 'select(.type=="run_start") | [.imports[] | .path] | join(" ")' "$j")" \
  "app/lib/ops.rbk app/lib/common.rbk" "run_start lists each imported file"
expect_eq "$(jq -r 'select(.type=="run_start") | .imports[0].sha256' "$j")" \
  "$(sha256sum < "$T/app/lib/ops.rbk" | cut -d' ' -f1)" "with the SHA-256 of its text"
rbk approve g1 --as lead
expect_eq "$rc" 0 "rbk approve reads the run's copy, imports and all"
sed -i 's/"v"/"w"/' "$T/app/lib/ops.rbk"
rbk resume g1
expect_eq "$rc" 2 "a resume after the library changed is refused (exit 2)"
expect_match "$err" 'the runbook changed since run g1 began' "as a changed runbook"
expect_match "$err" 'changed import app/lib/ops.rbk' "naming the import that changed"
expect_eq "$(jq -r 'select(.type=="step_end") | .step' "$j")" "" "no step ran"
rbk resume --accept-changes g1
expect_eq "$rc" 0 "--accept-changes goes on"
expect_match "$out" 'log: w1\+c' "with the library as it is now"
expect_eq "$(jq -c 'select(.type=="accept_changes") | .by != null' "$j")" "true" "accept_changes is journaled"

# ---- a compiled runbook carries its imports ------------------------------
RBK_PATH="$T/p1" rbk compile app/main.rbk -o "$T/main.rbc"
expect_eq "$rc" 0 "rbk compile of an importing runbook"
mkdir "$T/bare" && mv "$T/main.rbc" "$T/bare/" && rm -rf "$T/p1" "$T/p2" "$T/app/lib" "$T/app/where.rbk"
rbk run --new bare/main.rbc
expect_eq "$rc" 0 "the .rbc runs with every library file deleted"
expect_match "$out" 'log: tag=w3\+c' "using the embedded library's function (as it was compiled)"
expect_match "$out" 'log: where=beside' "and the one found beside the runbook when it was compiled"
rbk disasm bare/main.rbc
expect_match "$out" 'function fn release_tag' "rbk disasm lists the imported functions"
rbk run --new app/main.rbk
expect_eq "$rc" 2 "the source itself no longer runs (its libraries are gone): exit 2"
expect_match "$err" "cannot find the imported file 'lib/ops.rbk'" "it says which import is missing"

# ---- check, lint, plan, fmt and --dry-run see through imports ------------
mkdir -p "$T/w/lib"
cat > "$T/w/lib/net.rbk" <<'RBK'
role lead "Jane Doe" phone "+1 555 0100"
probe errors = 3
notifier ops shell "echo ${message}"
fn service_url() {
  return "http://127.0.0.1:9/"
}
fn crash() {
  fail "broken in the library"
}
RBK
cat > "$T/w/run.rbk" <<'RBK'
import "lib/net.rbk"

runbook "Lint and plan" {
  version "1"
  owner lead
  window 10m
  trigger "errors" critical when probe("errors") > 10
  step one "One" {
    owner lead
    expect 1m
    run "echo ${service_url()}"
    verify true "ok"
    notify lead "done" via ops
  }
  step two {
    owner lead
    log crash()
  }
}
RBK
rbk check w/lib/net.rbk
expect_eq "$rc" 0 "a library checks on its own (roles, probes and notifiers at its top)"
rbk check w/run.rbk
expect_eq "$rc" 0 "rbk check of the importing runbook: clean"
rbk lint w/run.rbk
expect_match "$out$err" 'Jane Doe|step-no-expect|no-expect' "rbk lint runs over it"
expect_eq "$(printf '%s\n' "$out$err" | grep -c 'unknown-role')" 0 "lint knows the library's role"
rbk plan w/run.rbk
expect_eq "$rc" 0 "rbk plan of the importing runbook"
expect_match "$out" 'Jane Doe' "the plan shows the library's role"
rbk fmt w/run.rbk
expect_match "$out" '^import "lib/net.rbk"' "rbk fmt keeps the import"
expect_eq "$(printf '%s\n' "$out" | grep -c 'service_url() {')" 0 "and inlines nothing"
rbk run --dry-run w/run.rbk
expect_eq "$rc" 0 "--dry-run of the importing runbook"
expect_match "$out" 'service_url' "shows the steps"
rbk run --new w/run.rbk
expect_eq "$rc" 1 "a failure inside a library's function fails the run"
expect_match "$err" 'w/lib/net.rbk:8:3: .*broken in the library' "its message names the library's file and line"

# ---- the REPL --------------------------------------------------------------
printf 'fn twice(x) {\n  return x * 2\n}\n' > "$T/w/lib/fns.rbk"
out=$(cd "$T/w" && printf 'import "lib/fns.rbk"\ntwice(21)\nimport "lib/net.rbk"\n' |
      timeout 60 "$RBK" repl 2>&1); rc=$?
expect_match "$out" '(^|[^0-9])42($|[^0-9])' "import at the REPL prompt: the library's function is there"
expect_match "$out" "lib/net.rbk:1:1: error: a library's role cannot be added at the REPL" \
  "a library's role is refused at the REPL, located in the library"

[ -f "$T/.crashes" ] && sed 's/^/# /' "$T/.crashes"
ok $([ ! -f "$T/.crashes" ]; echo $?) "no crash, hang or sanitizer report"
done_testing
