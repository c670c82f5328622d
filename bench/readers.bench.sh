#!/bin/bash
# bench/readers.bench.sh RBK -- the journal readers on a long run, and a
# chatty command's output:
#   - rbk status, rbk log and rbk report (Markdown and JSON) on the journal
#     of a finished 100,000-step run (bench/gen_steps.py; BENCH_STEPS
#     changes the size), against the floor of reading the file once
#     (`wc -l`) and of parsing it with jq's compact printer (`jq -c .`).
#     Each reader must be linear: doubling the steps doubles the time.
#   - `rbk run` of one step printing 10 MB of short lines (`seq 1 1500000`),
#     each shown with its `chatty |` prefix, against `seq 1 1500000 | sed
#     's/^/chatty | /'`, the same text made by a pipe of two programs.
#
# Targets (from issue 13; reported, never asserted): status and report
# each well under 1 s on 100,000 steps; the 10 MB run within a few times
# of the pipe.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
rbk=${1:?usage: bench/readers.bench.sh RBK_BINARY}
n=${BENCH_STEPS:-100000}
state=$BENCH_OUT/readers-state
if [ ! -f "$state/runs/steps-bench/journal.jsonl" ] || [ "$(cat "$state/.steps" 2>/dev/null)" != "$n" ]; then
  rm -rf "$state"
  python3 "$here/gen_steps.py" "$state" "$n" >/dev/null || exit 1
  echo "$n" > "$state/.steps"
fi
j=$state/runs/steps-bench/journal.jsonl
records=$(wc -l < "$j")
bytes=$(wc -c < "$j")

printf 'readers: a finished run of %s steps (%s records, %s MB of journal; timed with ' "$n" "$records" \
  "$(awk -v b="$bytes" 'BEGIN { printf "%.0f", b / 1e6 }')"
rows=()
row() {   # row LABEL NAME CMD...: time CMD, remember a table row
  local label=$1 name=$2
  shift 2
  bench_time "$name" "$@" || exit 1
  rows+=("$(printf '  %-34s %10s %10s %10s' "$label" "$(bench_ms "$BT_MEAN")" "$(bench_ms "$BT_SD")" "$(bench_ms "$BT_MIN")")")
  eval "t_$name=$BT_MEAN"
}
row "wc -l journal.jsonl (read floor)" readers_wc wc -l "$j"
if command -v jq >/dev/null 2>&1; then row "jq -c . (parse floor)" readers_jq jq -c . "$j"; fi
row "rbk status" readers_status env RBK_STATE_DIR="$state" "$rbk" status steps-bench
row "rbk log" readers_log env RBK_STATE_DIR="$state" "$rbk" log steps-bench
row "rbk report (Markdown)" readers_report env RBK_STATE_DIR="$state" "$rbk" report steps-bench
row "rbk report --format json" readers_report_json env RBK_STATE_DIR="$state" "$rbk" report --format json steps-bench
echo "$BT_TOOL)"
printf '  %-34s %10s %10s %10s\n' "" mean stddev min
printf '%s\n' "${rows[@]}"
# shellcheck disable=SC2154  # t_* are set by row through eval
{
  met() { awk -v v="$1" 'BEGIN { print v < 1.0 ? "met" : "NOT met" }'; }
  printf '  %-34s %s   (target well under 1 s: %s)\n' "status" "$(bench_ms "$t_readers_status")" "$(met "$t_readers_status")"
  printf '  %-34s %s   (target well under 1 s: %s)\n' "report" "$(bench_ms "$t_readers_report")" "$(met "$t_readers_report")"
  if [ -n "${t_readers_jq:-}" ]; then
    printf '  %-34s %s\n' "ratio status / jq -c ." "$(bench_div "$t_readers_status" "$t_readers_jq")"
  fi
}

# ---- 10 MB of short lines through rbk run ------------------------------
echo
work=$BENCH_OUT/readers-run
rm -rf "$work"
mkdir -p "$work"
cat > "$work/chatty.rbk" <<'EOF'
runbook "chatty" {
  step chatty "ten megabytes of short lines" {
    run "seq 1 1500000"
  }
}
EOF
printf 'output: one step printing 10 MB of short lines (1,500,000 lines), each shown as "chatty | LINE" (timed with '
rows=()
row "seq | sed (floor)" output_floor sh -c "seq 1 1500000 | sed 's/^/chatty | /'"
row "rbk run (journaled, synced)" output_rbk env RBK_STATE_DIR="$work/state" "$rbk" run --new "$work/chatty.rbk"
echo "$BT_TOOL)"
printf '  %-34s %10s %10s %10s\n' "" mean stddev min
printf '%s\n' "${rows[@]}"
# shellcheck disable=SC2154
printf '  %-34s %s   (target: a few times the pipe, far from the step timeout)\n' "ratio rbk / pipe" \
  "$(bench_div "$t_output_rbk" "$t_output_floor")"
rm -rf "$work/state"
