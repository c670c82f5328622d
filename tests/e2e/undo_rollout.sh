#!/bin/bash
# rbk undo: roll out -> undo -> the original state comes back -> roll out
# again; steps without undo need consent; an interrupted undo resumes.
source tests/e2e/lib.bash
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT
export RBK_STATE_DIR="$T/state"
r() { out=$(cd "$T" && timeout 60 "$RBK" "$@" 2>"$T/.err" </dev/null); rc=$?; err=$(cat "$T/.err"); }

mkdir -p "$T/app"
printf 'version=1.9\n' > "$T/app/VERSION"
printf 'threads=4\n' > "$T/app/config"
snapshot() { (cd "$T/app" && find . -type f | sort | xargs sha256sum); }
before=$(snapshot)

cat > "$T/release.rbk" <<'EOF'
runbook "Release 2.0" {
  param app = "app"
  step save "Remember the old version" {
    let old_version = read_file("${app}/VERSION")
    let old_config = read_file("${app}/config")
    log "saved"
  }
  step deploy "Deploy 2.0" {
    run "printf 'version=2.0\n' > ${app}/VERSION"
    verify read_file("${app}/VERSION") == "version=2.0\n"
    undo { run "printf '%s' ${old_version} > ${app}/VERSION" }
  }
  step config "New config" {
    run "printf 'threads=8\n' > ${app}/config; touch ${app}/new-feature"
    undo { run "printf '%s' ${old_config} > ${app}/config; rm -f ${app}/new-feature" }
  }
  step announce "Tell the team" { log "released" }
}
EOF

r run release.rbk
expect_eq "$rc" 0 "roll out: exit 0"
id=$(ls "$RBK_STATE_DIR/runs" | head -1)
ok $([ "$(cat "$T/app/VERSION")" = "version=2.0" ]; echo $?) "roll out: the new version is in place"
ok $([ "$(snapshot)" != "$before" ]; echo $?) "roll out: the files changed"

r undo "$id"
expect_eq "$rc" 1 "undo without consent for the steps that have no undo block: refused (exit 1)"
expect_match "$err" 'cannot be undone' "undo lists the steps that cannot be undone"
expect_match "$err" 'save' "the list names a step without an undo block"
ok $([ "$(cat "$T/app/VERSION")" = "version=2.0" ]; echo $?) "a refused undo changes nothing"

r undo "$id" --yes
expect_eq "$rc" 0 "undo --yes: exit 0"
expect_match "$out" 'undo complete' "undo says it is complete"
expect_eq "$(snapshot)" "$before" "after undo every file is byte-identical to before the roll out"
ok $(printf '%s' "$out" | grep -n '<== undo ' | head -1 | grep -q 'config'; echo $?) "undo runs the last step's undo block first (shown as <== undo)"
ujournal="$RBK_STATE_DIR/runs/$id-undo/journal.jsonl"
ok $([ -f "$ujournal" ]; echo $?) "the undo is a run of its own, $id-undo"
expect_eq "$(jq -r 'select(.type=="run_start") | .undo_of' "$ujournal")" "$id" "the undo run is linked to the original (undo_of)"
expect_eq "$(jq -r 'select(.type=="link") | .run' "$RBK_STATE_DIR/runs/$id/journal.jsonl")" "$id-undo" "the original links to its undo run"
expect_eq "$(jq -c 'select(.type=="effect_start" and .kind=="cmd")' "$RBK_STATE_DIR/runs/$id/journal.jsonl" | wc -l)" 2 \
  "undo replayed the original run: no command of it was journaled (or run) again"

r undo "$id"
expect_eq "$rc" 0 "undo again, even without --yes: exit 0 (consent was given when it started)"
expect_match "$out" 'already been undone' "undo again without --yes says it is already undone"
r undo "$id" --yes
expect_eq "$rc" 0 "undo again: exit 0"
expect_match "$out" 'already been undone' "undo again says it is already undone, and does nothing"
expect_eq "$(snapshot)" "$before" "and the files are still as before"

r run release.rbk --new
expect_eq "$rc" 0 "roll out again (--new): exit 0"
ok $([ "$(cat "$T/app/VERSION")" = "version=2.0" ]; echo $?) "roll out again: the new version is back"

# The undo blocks see the step variables even when requirements and
# verifies came before them (the replay must consume their effects too).
cat > "$T/vars.rbk" <<'EOF'
runbook "Vars after verifies" {
  require "the app is there" { verify exists("app/VERSION") "app/VERSION exists" }
  step switch {
    verify exists("app/config") "the config exists"
    let before = read_file("app/VERSION")
    run "printf 'version=3.0\n' > app/VERSION"
    verify read_file("app/VERSION") == "version=3.0\n" "3.0 is in place"
    undo { run "printf '%s' ${before} > app/VERSION" }
  }
}
EOF
printf 'version=2.5\n' > "$T/app/VERSION"
r run vars.rbk
expect_eq "$rc:$(cat "$T/app/VERSION")" "0:version=3.0" "a roll-out with a requirement and verifies before its let"
id3=$(cd "$RBK_STATE_DIR/runs" && ls -t | grep '^vars' | grep -v undo | head -1)
r undo "$id3" --yes
expect_eq "$rc:$(cat "$T/app/VERSION")" "0:version=2.5" "its undo sees the let's value (the requirement's and verifies' effects were replayed in place)"

# An interrupted undo resumes where it stopped.
printf 'version=1.9\n' > "$T/app/VERSION"; printf 'threads=4\n' > "$T/app/config"; rm -f "$T/app/new-feature"
cat > "$T/slow.rbk" <<'EOF'
runbook "Slow undo" {
  step a { run "echo a >> log.txt" undo { run "echo undo-a >> log.txt" } }
  step b { idempotent run "echo b >> log.txt" undo { run "sleep 3; echo undo-b >> log.txt" } }
}
EOF
r run slow.rbk
id2=$(cd "$RBK_STATE_DIR/runs" && ls -t | grep '^slow' | grep -v undo | head -1)
(cd "$T" && exec timeout 60 "$RBK" undo "$id2" </dev/null >/dev/null 2>&1) & pid=$!
for _ in $(seq 1 50); do grep -q '"kind":"cmd"' "$RBK_STATE_DIR/runs/$id2-undo/journal.jsonl" 2>/dev/null && break; sleep 0.1; done
kill -INT "$pid"; wait "$pid"; irc=$?
expect_eq "$irc" 130 "Ctrl-C during an undo: exit 130"
r undo "$id2"
expect_eq "$rc" 0 "running undo again resumes it: exit 0"
expect_eq "$(grep -c '^undo-a$' "$T/log.txt")" 1 "the undo of a ran exactly once"
expect_match "$(jq -r 'select(.type=="decision") | .reason' "$RBK_STATE_DIR/runs/$id2-undo/journal.jsonl")" 'idempotent' \
  "the interrupted idempotent undo block was re-run by decision"
done_testing
