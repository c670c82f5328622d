#!/bin/bash
# tests/all.sh BUILD... -- run the suite against each build, then print the
# grand total as the last line: "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
total_p=0 total_f=0 status=0
for b in "$@"; do
  label=normal
  case "$b" in *asan*) label=sanitized ;; esac
  out=$(tests/run.sh "$b" "$label" 2>&1) || status=1
  printf '%s\n' "$out" | sed '$d'
  last=$(printf '%s\n' "$out" | tail -1)
  echo "$last"
  p=$(sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' <<<"$last")
  f=$(sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' <<<"$last")
  total_p=$((total_p + ${p:-0})); total_f=$((total_f + ${f:-1}))
done
echo "$total_p passed, $total_f failed"
[ "$status" -eq 0 ] && [ "$total_f" -eq 0 ]
