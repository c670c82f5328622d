#!/bin/bash
# fuzz/run.sh -- build the libFuzzer harnesses (front end, journal, .rbc
# loader) and run them.
#
#   fuzz/run.sh SECONDS          build, fuzz for SECONDS, then replay every
#                                regression; 0 seconds only builds and replays
#   fuzz/run.sh build            build build-fuzz/fuzz_parse, fuzz_journal and fuzz_rbc only
#   fuzz/run.sh fuzz SECONDS     build and fuzz, no replay
#   fuzz/run.sh replay [FILE...] replay FILEs (default: fuzz/regressions/*)
#
# SECONDS are shared: fuzz_parse gets the first third (rounded up),
# fuzz_journal (run/journal.c and base/json.c on arbitrary bytes) the second
# and fuzz_rbc (the .rbc loader, verifier and disassembler) the rest; a
# share of 0 seconds is skipped. fuzz_journal's corpus is
# build-fuzz/corpus-journal, seeded with valid journals made here (a hash
# chain is out of a fuzzer's reach); its findings are kept in
# fuzz/regressions/ as journal-*, and every journal-* file replays through
# fuzz_journal. fuzz_rbc's corpus is build-fuzz/corpus-rbc, seeded with
# examples/ and the golden runbooks compiled by rbk (RBK, else
# build/rbk, built by `make fuzz`); its findings are kept as rbc-* and
# replay through fuzz_rbc. Every other file replays through fuzz_parse.
#
# The working corpus is build-fuzz/corpus: fuzz/corpus/ (the seeds kept in
# git), plus examples/*.rbk and tests/golden/*/*.rbk as they are at run
# time, plus whatever earlier runs found. Inputs that crash, leak or hang
# are copied into fuzz/regressions/ (unless the same bytes are already
# there) under libFuzzer's name (crash-*, leak-*, timeout-*, oom-*); rename
# each by what it triggers (e.g. lexer-unterminated-interp.rbk) before
# committing. The suite replays every file there, forever.
#
# Environment: FUZZ_CC (clang), FUZZ_ARGS (more libFuzzer flags, e.g.
# -fork=2), FUZZ_TIMEOUT (seconds one input may take, 10).
# Exit status: 0 clean, 1 a crash or a failed replay, 2 usage or no clang
# or libFuzzer.
set -u
cd "$(dirname "$0")/.." || exit 2
top=$(pwd)
FB=build-fuzz
bin=$FB/fuzz_parse
jbin=$FB/fuzz_journal
rbin=$FB/fuzz_rbc
timeout_s=${FUZZ_TIMEOUT:-10}

usage() {
  sed -n '3,8p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# have_toolchain: clang and libFuzzer's runtime, or a clear reason why not.
have_toolchain() {
  local cc=${FUZZ_CC:-clang}
  if ! command -v "$cc" >/dev/null 2>&1; then
    echo "fuzz/run.sh: $cc not found; the fuzz harness needs clang with libFuzzer" >&2
    echo "  install: ./deps.sh fuzz   (Debian packages clang and libclang-rt-dev)" >&2
    return 1
  fi
  if ! printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n){(void)d;(void)n;return 0;}\n' |
       "$cc" -x c -fsanitize=fuzzer,address,undefined -o /dev/null - >/dev/null 2>&1; then
    echo "fuzz/run.sh: $cc cannot link with -fsanitize=fuzzer,address,undefined" >&2
    echo "  libFuzzer's runtime is missing; install: ./deps.sh fuzz   (Debian package libclang-rt-dev)" >&2
    return 1
  fi
}

build() {
  have_toolchain || return 2
  mkdir -p "$FB"
  # One build at a time: `make test` and `make fuzz` share build-fuzz/.
  (
    flock -w 600 9 || { echo "fuzz/run.sh: build-fuzz/ is locked by another build" >&2; exit 1; }
    make --no-print-directory -s -f fuzz/build.mk -j"$(nproc 2>/dev/null || echo 2)" "$bin" || exit 1
    # fuzz_journal links the same archive, plus libcrypto for SHA-256
    if ! [ "$jbin" -nt fuzz/fuzz_journal.c ] || ! [ "$jbin" -nt "$FB/librbk-fuzz.a" ]; then
      "${FUZZ_CC:-clang}" -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=address,undefined \
        -fno-sanitize-recover=all -fno-omit-frame-pointer -fsanitize=fuzzer \
        -o "$jbin" fuzz/fuzz_journal.c "$FB/librbk-fuzz.a" -lm -lcrypto
    fi
    # fuzz_rbc reaches the verifier's extern checks (vm/ffi.c): libffi, libdl
    if ! [ "$rbin" -nt fuzz/fuzz_rbc.c ] || ! [ "$rbin" -nt "$FB/librbk-fuzz.a" ]; then
      "${FUZZ_CC:-clang}" -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=address,undefined \
        -fno-sanitize-recover=all -fno-omit-frame-pointer -fsanitize=fuzzer \
        -o "$rbin" fuzz/fuzz_rbc.c "$FB/librbk-fuzz.a" -lm -lcrypto -lffi -ldl
    fi
  ) 9>"$FB/.build.lock" || { echo "fuzz/run.sh: building the harness failed" >&2; return 1; }
  echo "fuzz/run.sh: built $bin $jbin $rbin"
}

# seed: refresh the working corpus from the seeds, examples and golden tests.
seed() {
  local f
  mkdir -p "$FB/corpus"
  for f in fuzz/corpus/* examples/*.rbk tests/golden/*/*.rbk; do
    [ -f "$f" ] || continue
    cp -f "$f" "$FB/corpus/seed-$(printf '%s' "$f" | tr '/' '_')"
  done
}

# seed_journal: journals with a valid hash chain (whole, and torn), using
# every encoding of a value, for fuzz_journal to start from.
seed_journal() {
  local c=$FB/corpus-journal prev line i
  mkdir -p "$c"
  prev=$(printf '%064d' 0)
  : >"$c/seed-chain.jsonl"
  for i in 0 1 2 3; do
    line=$(printf '{"seq":%d,"prev":"%s","time":"2026-11-22T06:55:0%d.123Z","type":"effect_end","v":{"rec":{"status":0,"duration":1.5,"out":"ok\\n","err":{"bytes":"/w=="},"timed_out":false}},"n":[1,-0.5e-3,{"num":"nan"},{"dur":60},{"fn":3},{"undef":true},null,true,"\\u00e9\\ud83d\\ude00"]}' "$i" "$prev" "$i")
    printf '%s\n' "$line" >>"$c/seed-chain.jsonl"
    prev=$(printf '%s' "$line" | sha256sum | cut -d' ' -f1)
  done
  head -c -1 "$c/seed-chain.jsonl" >"$c/seed-torn-newline.jsonl"
  head -c -40 "$c/seed-chain.jsonl" >"$c/seed-torn-middle.jsonl"
}

# seed_rbc: bytecode files to start from, compiled here by rbk from the
# examples and the golden runbooks (a valid file is out of a fuzzer's
# reach; fuzz_rbc reseals the checksum of what it mutates).
seed_rbc() {
  local c=$FB/corpus-rbc rbk=${RBK:-$top/build/rbk} f n=0
  mkdir -p "$c"
  if ! [ -x "$rbk" ]; then
    echo "fuzz/run.sh: no rbk at $rbk to compile seeds with (make fuzz builds it); fuzzing .rbc from $c as it is"
    return 0
  fi
  for f in examples/*.rbk examples/*/*.rbk tests/golden/run/*.rbk tests/golden/disasm/*.rbk; do
    [ -f "$f" ] || continue
    "$rbk" compile "$f" -o "$c/seed-$(printf '%s' "$f" | tr '/' '_').rbc" >/dev/null 2>&1 && n=$((n + 1))
  done
  echo "fuzz/run.sh: compiled $n seed .rbc files into $c"
}

# known_contracts: the contracts that the kept regressions still break,
# comma-separated. While those bugs stay unfixed, fuzzing tolerates them (the
# replay still fails on them), so a campaign finds new bugs instead of
# stopping at the first input that meets an old one.
known_contracts() {
  local f
  for f in fuzz/regressions/*; do
    [ -f "$f" ] || continue
    case "${f##*/}" in journal-* | rbc-*) continue ;; esac   # the other harnesses
    # contract checks fail at once; a short leash skips the slow inputs
    "$bin" -timeout=2 -rss_limit_mb=512 "$f" 2>&1 |
      sed -n 's/^fuzz_parse: contract \([a-z-]*\) broken.*/\1/p'
  done | sort -u | paste -sd, -
}

# already_kept FILE: a regression with the same bytes exists.
already_kept() {
  local sum f
  sum=$(sha1sum < "$1" | cut -d' ' -f1)
  for f in fuzz/regressions/*; do
    [ -f "$f" ] && [ "$(sha1sum < "$f" | cut -d' ' -f1)" = "$sum" ] && return 0
  done
  return 1
}

# fuzz SECS: fuzz_parse for the first third of SECS, fuzz_journal for the
# second, fuzz_rbc for the rest.
fuzz() {
  local secs=$1 js rs status=0
  js=$((secs / 3)) rs=$((secs / 3))
  fuzz_one parse $((secs - js - rs)) || status=1
  if [ "$js" -gt 0 ]; then fuzz_one journal "$js" || status=1; fi
  if [ "$rs" -gt 0 ]; then fuzz_one rbc "$rs" || status=1; fi
  return $status
}

# fuzz_one parse|journal|rbc SECS
fuzz_one() {
  local which=$1 secs=$2 log rc f name new=0 known run keep='' savelog=$FB/fuzz.log tmp
  # A directory per run, so `make fuzz` and the test suite can run together.
  run=$(mktemp -d "$FB/run.XXXXXX")
  log=$run/fuzz.log
  if [ "$which" = parse ]; then
    seed
    known=$(known_contracts)
    if [ -n "$known" ]; then
      echo "fuzz/run.sh: tolerating contracts the kept regressions already break: $known"
      export RBK_FUZZ_TOLERATE="${RBK_FUZZ_TOLERATE:+$RBK_FUZZ_TOLERATE,}$known"
    fi
    echo "fuzz/run.sh: fuzzing for ${secs}s on $FB/corpus ($(ls "$FB/corpus" | wc -l) inputs)"
    # shellcheck disable=SC2086
    "$bin" -max_total_time="$secs" -timeout="$timeout_s" -rss_limit_mb=2048 -max_len=8192 \
           -dict=fuzz/rbk.dict -artifact_prefix="$run/" -print_final_stats=1 \
           ${FUZZ_ARGS:-} "$FB/corpus" >"$log" 2>&1
    rc=$?
  elif [ "$which" = rbc ]; then
    keep=rbc- savelog=$FB/fuzz-rbc.log
    seed_rbc
    echo "fuzz/run.sh: fuzzing the .rbc loader for ${secs}s on $FB/corpus-rbc ($(ls "$FB/corpus-rbc" | wc -l) inputs)"
    # shellcheck disable=SC2086
    "$rbin" -max_total_time="$secs" -timeout="$timeout_s" -rss_limit_mb=2048 \
           -max_len=131072 -artifact_prefix="$run/" -print_final_stats=1 \
           ${FUZZ_ARGS:-} "$FB/corpus-rbc" >"$log" 2>&1
    rc=$?
  else
    keep=journal- savelog=$FB/fuzz-journal.log
    seed_journal
    # The harness syncs a file per input: on tmpfs that costs nothing.
    tmp=${TMPDIR:-/tmp}
    [ -d /dev/shm ] && [ -w /dev/shm ] && tmp=/dev/shm
    echo "fuzz/run.sh: fuzzing the journal for ${secs}s on $FB/corpus-journal ($(ls "$FB/corpus-journal" | wc -l) inputs)"
    # shellcheck disable=SC2086
    TMPDIR=$tmp "$jbin" -max_total_time="$secs" -timeout="$timeout_s" -rss_limit_mb=2048 \
           -max_len=16384 -artifact_prefix="$run/" -print_final_stats=1 \
           ${FUZZ_ARGS:-} "$FB/corpus-journal" >"$log" 2>&1
    rc=$?
  fi
  # The summary: the last status line and the final statistics.
  grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$log" | tail -1
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb|new_units_added)' "$log"
  for f in "$run"/crash-* "$run"/leak-* "$run"/timeout-* "$run"/oom-*; do
    [ -f "$f" ] || continue
    name=$(basename "$f")
    if already_kept "$f"; then
      echo "fuzz/run.sh: $name is already kept in fuzz/regressions/"
    else
      mkdir -p fuzz/regressions
      cp "$f" "fuzz/regressions/$keep$name"
      echo "fuzz/run.sh: NEW FINDING kept as fuzz/regressions/$keep$name (rename it by what it triggers${keep:+, keeping the $keep prefix})"
    fi
    new=$((new + 1))
    rm -f "$f"
  done
  if [ "$rc" -ne 0 ] || [ "$new" -gt 0 ]; then
    echo "fuzz/run.sh: the fuzzer stopped on a failure (exit $rc); its report:" >&2
    grep -E -A40 '^==[0-9]+==ERROR|runtime error|^fuzz_[a-z]+: contract|ALARM|out-of-memory' "$log" | head -60 >&2
    mv -f "$log" "$savelog"; rm -rf "$run"
    echo "fuzz/run.sh: full log in $savelog" >&2
    return 1
  fi
  mv -f "$log" "$savelog"; rm -rf "$run"
  echo "fuzz/run.sh: no crash in ${secs}s${keep:+ (fuzz_${keep%-})}"
  if [ "$which" = parse ]; then minimize; fi
}

# minimize: once the working corpus passes FUZZ_CORPUS_MAX files (3000),
# keep only the inputs that add coverage (libFuzzer -merge=1), so the next
# run, the test suite's above all, does not spend its time reloading it.
minimize() {
  local n max=${FUZZ_CORPUS_MAX:-3000}
  n=$(find "$FB/corpus" -type f | wc -l)
  [ "$n" -gt "$max" ] || return 0
  # not under another run's feet (a run dir younger than a day is live)
  [ -z "$(find "$FB" -maxdepth 1 -name 'run.*' -mmin -1440)" ] || return 0
  rm -rf "$FB/corpus.min" && mkdir -p "$FB/corpus.min"
  if "$bin" -merge=1 -timeout="$timeout_s" -rss_limit_mb=2048 "$FB/corpus.min" "$FB/corpus" \
       >"$FB/merge.log" 2>&1; then
    rm -rf "$FB/corpus" && mv "$FB/corpus.min" "$FB/corpus"
    echo "fuzz/run.sh: minimized the working corpus from $n to $(find "$FB/corpus" -type f | wc -l) inputs"
  else
    rm -rf "$FB/corpus.min"
    echo "fuzz/run.sh: could not minimize the working corpus (see $FB/merge.log)" >&2
  fi
}

# replay FILE...: each input runs once through the harness, which fails on
# any sanitizer report, contract violation or a run over FUZZ_TIMEOUT.
replay() {
  local f out failed=0 n=0 b
  for f in "$@"; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    case "${f##*/}" in journal-*) b=$jbin ;; rbc-*) b=$rbin ;; *) b=$bin ;; esac
    if out=$("$b" -timeout="$timeout_s" -rss_limit_mb=1024 "$f" 2>&1); then
      echo "replay ok: $f"
    else
      failed=$((failed + 1))
      echo "replay FAILED: $f"
      grep -E -A12 '^==[0-9]+==ERROR|runtime error|^fuzz_[a-z]+: contract|ALARM|out-of-memory' <<<"$out" |
        head -30 | sed 's/^/  /'
    fi
  done
  echo "fuzz/run.sh: replayed $n regression input(s), $failed failed"
  [ "$failed" -eq 0 ]
}

regressions() {
  local f
  for f in "$top"/fuzz/regressions/*; do
    [ -f "$f" ] && printf '%s\n' "fuzz/regressions/${f##*/}"
  done
}

case "${1:-}" in
  build) build ;;
  fuzz)
    [[ "${2:-}" =~ ^[0-9]+$ ]] || usage
    build || exit $?
    fuzz "$2"
    ;;
  replay)
    shift
    build >/dev/null || exit $?
    if [ $# -eq 0 ]; then mapfile -t files < <(regressions); else files=("$@"); fi
    replay "${files[@]}"
    ;;
  '' | *[!0-9]*) usage ;;
  *)
    build || exit $?
    status=0
    if [ "$1" -gt 0 ]; then fuzz "$1" || status=1; fi
    mapfile -t files < <(regressions)
    replay "${files[@]}" || status=1
    exit $status
    ;;
esac
