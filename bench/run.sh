#!/bin/bash
# bench/run.sh RBK_BINARY -- run every benchmark section, bench/*.bench.sh,
# in name order; each is called as `SECTION RBK_BINARY` and prints its own
# table. Add a benchmark by adding a section (see bench/README.md).
#
# Environment: BENCH_ONLY=NAME runs the one section NAME.bench.sh;
# BENCH_RUNS, BENCH_OUT and the sections' own variables pass through.
# Exit status: 1 if a section failed to run (a missing tool, or an input
# rbk rejects). Timings are never compared with a threshold here: the
# targets are printed next to the figures for a person to read.
set -u
here=$(cd "$(dirname "$0")" && pwd)
rbk=${1:?usage: bench/run.sh RBK_BINARY}
case "$rbk" in /*) ;; *) rbk="$(pwd)/$rbk" ;; esac
[ -x "$rbk" ] || { echo "bench/run.sh: $rbk is not an executable (run make first)" >&2; exit 2; }

status=0 n=0
for s in "$here"/*.bench.sh; do
  [ -f "$s" ] || continue
  name=$(basename "$s" .bench.sh)
  [ -n "${BENCH_ONLY:-}" ] && [ "$name" != "$BENCH_ONLY" ] && continue
  n=$((n + 1))
  [ "$n" -gt 1 ] && echo
  if ! bash "$s" "$rbk"; then
    echo "bench/run.sh: section $name failed" >&2
    status=1
  fi
done
[ "$n" -gt 0 ] || { echo "bench/run.sh: no section ran" >&2; exit 2; }
echo
echo "($(uname -m), $(nproc 2>/dev/null || echo '?') CPUs, $("$rbk" --version 2>/dev/null | head -1 || true); inputs and JSON in bench/out/)"
exit $status
