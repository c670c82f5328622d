#!/bin/bash
# tests/e2e/stdlib_core.sh -- the builtins on processes, files, the
# environment, time, strings and lists, each against the real thing:
# diff_dirs on real trees (seed 002: "check the net file size, run a
# diff"), file_size of a directory as the net size (compared with du's
# apparent size), sha256 with sha256sum, hostname with hostname, and so on.
# Plus the dispatcher's argument checks and the replay of a failed call.
set -u
top=${RBK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/e2e/lib.bash"
d=$(tmpdir)
trap 'rm -rf "$d"' EXIT
cd "$d" || exit 1
export RBK_STATE_DIR="$d/state"

# Two trees: a backup, and a restore that differs from it in every way
# diff_dirs reports.
mkdir -p backup/app/lib backup/app/conf restore
printf 'v1.9\n' > backup/app/VERSION
printf 'same\n' > backup/app/lib/a.txt
printf 'abc\n' > backup/app/lib/b.txt
printf 'x=1\n' > backup/app/conf/app.conf
ln -s lib/a.txt backup/app/link
mkdir backup/app/only_dir && printf 'z\n' > backup/app/only_dir/z
cp -a backup/app restore/app
printf 'abd\n' > restore/app/lib/b.txt          # same size, other bytes
printf 'v2.0!\n' > restore/app/VERSION         # other size
rm -r restore/app/only_dir                     # only in the backup (a directory)
printf 'new\n' > restore/app/extra.txt         # only in the restore
rm restore/app/conf/app.conf && mkdir restore/app/conf/app.conf   # a file became a directory
ln -sfn lib/b.txt restore/app/link             # a link to elsewhere
cp -a backup/app same

cat > core.rbk <<'EOF'
runbook "core builtins" {
  step files {
    log "diff=${diff_dirs("backup/app", "restore/app")}"
    verify len(diff_dirs("backup/app", "same")) == 0 "a copy has no differences"
    log "net=${file_size("backup/app")}"
    log "size=${file_size("backup/app/VERSION")}"
    log "sha=${sha256("backup/app/lib/a.txt")}"
    log "read=${trim(read_file("backup/app/VERSION"))}"
    verify exists("backup/app/lib") and not exists("backup/nope")
  }
  step env_time {
    log "env=${env("RBK_CORE_TEST")} unset=${env("RBK_CORE_TEST_UNSET") ?? "nil"}"
    log "host=${hostname()}"
    log "now=${now()}"
  }
  step strings {
    log "len=${len("héllo")} ${len([1, 2, 3])}"
    log "split=${split("a,,b", ",")}"
    log "trim=[${trim("  x y \n")}]"
    log "contains=${contains(["a", "b"], "b")} ${contains("portal", "rta")} ${contains([1], 2)}"
    log "matches=${matches("v1.9.3", "^v1\\.9(\\.[0-9]+)?$")} ${"v2" =~ "^v1"}"
    log "range=${range(3)} ${range(2, 5)} ${range(5, 2)}"
    log "join=${join(["db", "app"], ", ")} ${join([1, 2])}"
    log "str=${str(90 * 1s)} num=${num(" 42\n") + 1} ${num(2m)}"
  }
  step processes {
    let r = run("printf 'out\\n'; printf 'err\\n' >&2; exit 3")
    log "run=${r.status} ${r.ok} [${r.out}] [${r.err}]"
    log "sh=[${sh("printf '  trimmed  \\n'")}]"
    log "status=${status("exit 7")}"
  }
}
EOF
out=$(RBK_CORE_TEST="set value" "$RBK" run core.rbk 2>&1); rc=$?
expect_eq "$rc" 0 "the runbook of core builtins succeeds"
expect_match "$out" 'log: diff=\["VERSION", "conf/app.conf", "extra.txt", "lib/b.txt", "link", "only_dir"\]$' \
  "diff_dirs lists, sorted, a changed size, a file now a directory, a file only in b, same size other bytes, a link elsewhere, a directory only in a"
net=$(find backup/app -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
expect_match "$out" "log: net=$net\$" "file_size of a directory is the net size of its files ($net bytes, as find counts)"
expect_match "$out" 'log: size=5$' "file_size of a file"
expect_match "$out" "log: sha=$(sha256sum backup/app/lib/a.txt | cut -d' ' -f1)\$" "sha256 agrees with sha256sum"
expect_match "$out" 'log: read=v1.9$' "read_file"
expect_match "$out" 'log: env=set value unset=nil$' "env reads a variable, nil when unset"
expect_match "$out" "log: host=$(hostname)\$" "hostname agrees with hostname(1)"
t=$(sed -n 's/.*log: now=\([0-9.]*\)$/\1/p' <<<"$out" | cut -d. -f1)
ok $([ -n "$t" ] && [ $((t - $(date +%s))) -le 0 ] && [ $(( $(date +%s) - t )) -lt 600 ]; echo $?) \
  "now() is the epoch time ($t)"
expect_match "$out" 'log: len=6 3$' "len counts bytes of a string, items of a list"
expect_match "$out" 'log: split=\["a", "", "b"\]$' "split keeps empty pieces"
expect_match "$out" 'log: trim=\[x y\]$' "trim"
expect_match "$out" 'log: contains=true true false$' "contains on lists and strings"
expect_match "$out" 'log: matches=true false$' "matches and =~"
expect_match "$out" 'log: range=\[0, 1, 2\] \[2, 3, 4\] \[\]$' "range"
expect_match "$out" 'log: join=db, app 12$' "join with and without a separator"
expect_match "$out" 'log: str=1m30s num=43 120$' "str and num"
expect_match "$out" 'log: run=3 false \[out\] \[err\]$' "run returns status, ok, out and err"
expect_match "$out" 'log: sh=\[trimmed\]$' "sh returns stdout, trimmed"
expect_match "$out" 'log: status=7$' "status returns the exit status"
j=$(cat "$RBK_STATE_DIR"/runs/core-*/journal.jsonl)
expect_match "$j" '"what":"diff_dirs\(\\"backup/app\\", \\"restore/app\\"\)"' "diff_dirs is journaled"
ok $(grep -q '"what":"split(' <<<"$j"; [ $? -ne 0 ]; echo $?) "pure builtins (split) are not"

# The dispatcher checks argument kinds before any builtin runs.
printf 'runbook "k" {\n  step s { log "${split(5, ",")}" }\n}\n' > kinds.rbk
out=$("$RBK" run kinds.rbk 2>&1)
expect_match "$out" 'kinds.rbk:2:19: error: split\(\): argument 1 must be a string, not a number' "a wrong kind is refused at the call"
printf 'runbook "k" {\n  step s { log "${diff_dirs("backup/app", "backup/app/VERSION")}" }\n}\n' > notdir.rbk
out=$("$RBK" run notdir.rbk 2>&1)
expect_match "$out" 'diff_dirs\(\): backup/app/VERSION is not a directory' "diff_dirs needs two directories"

# A call that failed is journaled with its error, and a replay fails the
# same way at the same place: attempt 1 of the step fails in file_size,
# attempt 2 succeeds; the resumed run replays both without diverging.
cat > again.rbk <<'EOF'
runbook "again" {
  step s {
    retry 1
    run "if [ -e tried ]; then echo 12345678 > comes-and-goes.txt; else touch tried; fi"
    let n = file_size("comes-and-goes.txt")
    log "size ${n}"
  }
  step gate { manual "look" }
}
EOF
out=$("$RBK" run again.rbk </dev/null 2>&1); rc=$?
expect_eq "$rc" 3 "attempt 1 fails in file_size, attempt 2 succeeds, the run waits at the gate"
j=$(cat "$RBK_STATE_DIR"/runs/again-*/journal.jsonl)
expect_match "$j" '"result":null,"error":"file_size\(\): comes-and-goes.txt: No such file or directory"' \
  "the failed call is journaled with its error"
run=$(ls "$RBK_STATE_DIR/runs" | grep '^again-')
rm comes-and-goes.txt tried
"$RBK" confirm "$run" >/dev/null 2>&1
out=$("$RBK" resume "$run" </dev/null 2>&1); rc=$?
expect_eq "$rc" 0 "the resumed run replays the failed attempt and the good one, and finishes"
expect_match "$out" '\(6 effects replayed from the journal\)' "all six effects (two commands, two calls, the log, the gate) came from the journal"
ok $([ ! -e comes-and-goes.txt ] && [ ! -e tried ]; echo $?) "nothing was run again"
done_testing
