# bench/lib.sh -- helpers for the bench/*.bench.sh sections. Source it.
#
#   bench_time NAME CMD...   time CMD (hyperfine if present, else a loop of
#                            `date +%s.%N`), set BT_MEAN BT_SD BT_MIN BT_MAX
#                            (seconds), BT_RUNS and BT_TOOL; NAME labels
#                            the JSON file out/NAME.json
#   bench_pair N A... -- B...  run A and B in turn (A B A B ...) N times and
#                            set BT_RATIO to the median of the pair ratios
#                            A/B of wall time, BT_CPU_RATIO of user+system
#                            time: on a busy machine the steadier figures;
#                            BT_A_WALL, BT_B_WALL the median seconds of each
#                            (bench/pair.py, timed to the microsecond)
#   bench_rss CMD...         peak resident set of CMD, in KiB, into BT_RSS_KB
#   bench_ms SECONDS         "123.4 ms"
#   bench_div A B [DIGITS]   A / B, printed with DIGITS decimals (default 2)
#
# Environment: BENCH_RUNS (timed runs without hyperfine, default 10;
# hyperfine picks its own count, at least BENCH_RUNS), BENCH_OUT (the
# generated inputs and JSON, default bench/out). Commands run with their
# output thrown away; a command that fails stops the section, because a
# benchmark of a failing run measures nothing.
# shellcheck shell=bash disable=SC2034  # the BT_* results are read by the sections

BENCH_OUT=${BENCH_OUT:-"$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/out"}
BENCH_RUNS=${BENCH_RUNS:-10}
mkdir -p "$BENCH_OUT"

bench_div() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { if (b == 0) print "inf"; else printf "%.*f\n", d, a / b }'; }
bench_ms() { awk -v s="$1" 'BEGIN { printf "%.1f ms", s * 1000 }'; }

bench_time() {
  local name=$1; shift
  local json="$BENCH_OUT/$name.json"
  if ! "$@" >/dev/null 2>&1; then
    echo "bench: the command fails, not timing it: $*" >&2
    return 1
  fi
  if command -v hyperfine >/dev/null 2>&1; then
    local q=() a
    for a in "$@"; do q+=("$(printf '%q' "$a")"); done
    hyperfine --warmup 2 --min-runs "$BENCH_RUNS" -N --style none --export-json "$json" \
      "${q[*]}" >/dev/null 2>&1 || { echo "bench: hyperfine failed on: $*" >&2; return 1; }
    read -r BT_MEAN BT_SD BT_MIN BT_MAX BT_RUNS < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(r["mean"], r["stddev"] or 0, r["min"], r["max"], len(r["times"]))' "$json")
    BT_TOOL=hyperfine
  else
    local i t0 t1 times=()
    for i in 1 2; do "$@" >/dev/null 2>&1; done   # warm-up
    for ((i = 0; i < BENCH_RUNS; i++)); do
      t0=$(date +%s.%N)
      "$@" >/dev/null 2>&1
      t1=$(date +%s.%N)
      times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')")
    done
    read -r BT_MEAN BT_SD BT_MIN BT_MAX BT_RUNS < <(printf '%s\n' "${times[@]}" | awk '
      { s += $1; ss += $1 * $1; if (NR == 1 || $1 < mn) mn = $1; if ($1 > mx) mx = $1 }
      END { m = s / NR; v = NR > 1 ? (ss - NR * m * m) / (NR - 1) : 0; if (v < 0) v = 0
            printf "%.6f %.6f %.6f %.6f %d\n", m, sqrt(v), mn, mx, NR }')
    printf '{"command": "%s", "mean": %s, "stddev": %s, "min": %s, "max": %s, "runs": %s}\n' \
      "$*" "$BT_MEAN" "$BT_SD" "$BT_MIN" "$BT_MAX" "$BT_RUNS" > "$json"
    BT_TOOL="date loop"
  fi
}

# bench_median: the median of the numbers on stdin, one a line
bench_median() {
  sort -g | awk '{ v[NR] = $1 } END { m = int((NR + 1) / 2); if (NR % 2) printf "%.3f\n", v[m]; else printf "%.3f\n", (v[m] + v[m + 1]) / 2 }'
}

bench_pair() {
  local n=$1; shift
  local out
  out=$(python3 "$(dirname "${BASH_SOURCE[0]}")/pair.py" "$n" "$@") || return 1
  read -r BT_RATIO BT_CPU_RATIO BT_A_WALL BT_B_WALL <<< "$out"
}

bench_rss() {
  if [ ! -x /usr/bin/time ]; then
    echo "bench: /usr/bin/time is missing (Debian package time; ./deps.sh bench installs it)" >&2
    return 1
  fi
  local f="$BENCH_OUT/.rss"
  /usr/bin/time -f '%M' -o "$f" "$@" >/dev/null 2>&1
  BT_RSS_KB=$(tail -1 "$f")
  rm -f "$f"
  case "$BT_RSS_KB" in ''|*[!0-9]*) echo "bench: could not measure the memory of: $*" >&2; return 1 ;; esac
}
