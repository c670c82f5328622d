#!/bin/bash
# run_ids.sh -- a run id is a name in STATE/runs, never a path out of it
# (docs/journal.md, "Run ids"): --run-id and every RUN argument accept
# only letters, digits, - _ and ., not starting with '.'; a tampered
# STATE/latest pointer is ignored; a state directory others can write to
# is warned about, once; concurrent `rbk run --new` of one runbook all get
# a run of their own (the directory is created atomically).
. "$(dirname "$0")/lib.bash"
t=$(tmpdir)
trap 'rm -rf "$t"' EXIT
mkdir -p "$t/w/a/b" && cd "$t/w" || exit 1
state=$t/w/a/b/state
export RBK_STATE_DIR=$state

cat > x.rbk <<'EOF'
runbook "X" {
  step one { log "one" }
  step gate { approve by lead }
  role lead "Lee"
}
EOF
tree() { find "$t" -path "$state" -prune -o -print | sort; }

# 1. bad --run-id values are refused with exit 2, and nothing is created
before=$(tree)
long=$(printf 'a%.0s' $(seq 129))
for id in ../../../x .. . '' a/b /abs .hidden 'sp ace' $'new\nline' 'semi;colon' "$long"; do
  out=$(timeout 30 "$RBK" run --run-id "$id" x.rbk </dev/null 2>&1); rc=$?
  expect_eq "$rc" 2 "--run-id '$(printf '%q' "$id" | cut -c1-20)' is refused (exit 2)"
  expect_match "$out" "is not a run id: .*letters, digits" "  with a message saying what a run id is"
done
expect_eq "$(tree)" "$before" "nothing was created outside the state directory"
ok "$([ ! -e "$state" ]; echo $?)" "nor in it"

# 2. good ids work, up to 128 characters; a generated id is always a valid RUN
max=$(printf 'b%.0s' $(seq 128))
for id in ok-1.2_3 A "$max"; do
  timeout 30 "$RBK" run --run-id "$id" x.rbk </dev/null >/dev/null 2>&1
  expect_eq "$?" 3 "--run-id $(cut -c1-20 <<<"$id") is accepted (the run waits at its gate)"
done
cp x.rbk 'my book.rbk'
timeout 30 "$RBK" run 'my book.rbk' </dev/null >/dev/null 2>&1
gen=$(ls "$state/runs" | grep '^my_book-')
expect_match "$gen" '^my_book-[0-9]{8}-[0-9]{6}$' "a generated id keeps to the alphabet (my book.rbk: $gen)"
timeout 30 "$RBK" status "$gen" >/dev/null 2>&1
expect_eq "$?" 0 "rbk status takes the generated id"

# 3. every command taking RUN refuses a bad id with exit 2. A waiting run
# planted in the state directory itself (STATE/runs/.. is STATE) is not
# reached through '..'.
cp "$state/runs/ok-1.2_3/journal.jsonl" "$state/runs/ok-1.2_3/source.rbk" "$state/"
sum=$(sha256sum <"$state/journal.jsonl")
for c in status log report resume approve confirm answer undo repl; do
  for id in .. . '' .hidden 'evil;x'; do
    case $c in
      approve) args=(approve "$id" --as lead) ;;
      answer) args=(answer "$id" yes) ;;
      repl) args=(repl --run "$id") ;;
      *) args=("$c" "$id") ;;
    esac
    out=$(timeout 30 "$RBK" "${args[@]}" </dev/null 2>&1); rc=$?
    expect_eq "$rc" 2 "rbk $c '$id': exit 2"
    expect_match "$out" "not a run id" "rbk $c '$id': says it is not a run id"
  done
done
out=$(timeout 30 "$RBK" approve a/b --as lead </dev/null 2>&1); rc=$?
expect_eq "$rc" 2 "a RUN with a '/' that is no run directory is refused (exit 2)"
expect_match "$out" "no run directory 'a/b'" "  saying so"
expect_eq "$(sha256sum <"$state/journal.jsonl")" "$sum" "the planted journal was not touched"
rm "$state/journal.jsonl" "$state/source.rbk"
# a RUN that is the path of a run directory still works
timeout 30 "$RBK" approve "$state/runs/ok-1.2_3" --as lead </dev/null >/dev/null 2>&1
expect_eq "$?" 0 "rbk approve STATE/runs/ID (a path) works"
timeout 30 "$RBK" resume "$state/runs/ok-1.2_3" </dev/null >/dev/null 2>&1
expect_eq "$?" 0 "rbk resume of the path finishes the run"
expect_eq "$(timeout 30 "$RBK" status ok-1.2_3 2>&1 | sed -n 's/^State *//p')" succeeded "rbk status by id agrees"

# 4. a tampered latest pointer is ignored, with a warning
rm -rf "$state/runs/x-"* && mkdir -p "$state/latest"
printf '../../../../escaped\n' > "$state/latest/x"
before=$(tree)
out=$(timeout 30 "$RBK" run x.rbk </dev/null 2>&1); rc=$?
expect_eq "$rc" 3 "rbk run with a tampered latest pointer starts a new run"
expect_match "$out" "warning: .*latest/x ignored: '../../../../escaped' is not a run id" "  and warns that the pointer is ignored"
expect_eq "$(tree)" "$before" "  creating nothing outside the state directory"

# 5. a state directory others can write to, or that is another user's, is warned about once
for mode in 777 770 707; do
  chmod $mode "$state"
  out=$(timeout 30 "$RBK" resume "$(ls "$state/runs" | grep '^x-' | head -1)" </dev/null 2>&1)
  expect_eq "$(grep -c 'warning: the state directory' <<<"$out")" 1 "state directory mode $mode: warned once"
  expect_match "$out" "the state directory $state is writable by .*mode 0$mode" "  naming the directory and its mode"
done
chmod 700 "$state" && chmod 777 "$state/runs"
out=$(timeout 30 "$RBK" status ok-1.2_3 2>&1)
expect_match "$out" "the state directory $state/runs is writable by" "a writable STATE/runs is warned about too"
chmod 700 "$state/runs"
out=$(timeout 30 "$RBK" status ok-1.2_3 2>&1)
ok "$(grep -q warning <<<"$out"; [ $? -eq 1 ]; echo $?)" "mode 700: no warning"
chown 65534 "$state"
out=$(timeout 30 "$RBK" status ok-1.2_3 2>&1)
expect_match "$out" "the state directory $state is owned by another user \(uid 65534\)" "another user's state directory is warned about"
chown 0 "$state"

# 6. concurrent rbk run --new of one runbook: each its own run
cat > c.rbk <<'EOF'
runbook "C" {
  step s { run "sleep 0.3" }
}
EOF
rm -rf "$state"
# start them just after a second begins, so that the old check-then-create
# would give several the same id
python3 -c 'import time; time.sleep(1.05 - time.time() % 1)'
pids=()
for i in 1 2 3 4 5 6 7 8; do
  (timeout 60 "$RBK" run --new c.rbk </dev/null >"$t/c$i.out" 2>&1; echo $? >"$t/c$i.rc") &
  pids+=($!)
done
wait "${pids[@]}"
rcs=$(cat "$t"/c?.rc | sort | uniq -c | tr -s ' ' | tr '\n' ';')
expect_eq "$rcs" " 8 0;" "8 concurrent rbk run --new all succeed"
expect_eq "$(ls "$state/runs" | wc -l | tr -d ' ')" 8 "with 8 distinct run directories"
expect_eq "$(sed -n 's/^run \([^ ]*\) .*/\1/p' "$t"/c?.out | sort -u | wc -l | tr -d ' ')" 8 "and 8 distinct ids printed"
n=0
for j in "$state"/runs/*/journal.jsonl; do
  [ "$(jq -r 'select(.type=="run_end") | .state' "$j")" = succeeded ] && n=$((n + 1))
done
expect_eq "$n" 8 "each run's journal ends succeeded"
expect_match "$(ls "$state/runs" | tr '\n' ' ')" '^(c-[0-9]{8}-[0-9]{6}(-[2-8])? ){8}$' "ids are NAME-DATE-TIME, -2, -3 ... when taken"

done_testing
