#!/bin/bash
# tests/e2e/check_cli.sh -- the command line of `rbk check` and of rbk
# itself: help, version, usage errors, stdin, several files, JSON output,
# quiet mode, colour, and the examples.
set -u
source tests/e2e/lib.bash
: "${RBK:?set RBK to the rbk binary}"
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT

# run ARGS... : sets $out (stdout), $err (stderr) and $rc
run() {
  out=$(timeout 10 "$@" 2>"$T/stderr"); rc=$?
  err=$(cat "$T/stderr")
}

cat >"$T/good.rbk" <<'EOF'
runbook "Good" {
  role ops "Dave Jones"
  step drain "Drain" {
    owner ops
    timeout 5m
    run "./bin/lb drain portal"
  }
}
EOF
cat >"$T/bad_role.rbk" <<'EOF'
runbook "Bad role" {
  role ops "Dave Jones"
  step drain "Drain" {
    owner opz
  }
}
EOF
cat >"$T/bad_timeout.rbk" <<'EOF'
runbook "Bad timeout" {
  step drain "Drain" {
    timeout 5
  }
}
EOF
cat >"$T/warn.rbk" <<'EOF'
runbook "Only a warning" {
  role ops "Dave Jones" phon "555-0100"
}
EOF

# ---- rbk itself ---------------------------------------------------------
run "$RBK" --help
expect_eq "$rc" 0 "rbk --help exits 0"
expect_match "$out" '^Usage: rbk COMMAND' "rbk --help prints the usage on stdout"
expect_match "$out" '^  check +parse and check' "rbk --help lists check"
expect_eq "$err" "" "rbk --help writes nothing to stderr"

run "$RBK" -h
expect_eq "$rc" 0 "rbk -h exits 0"

run "$RBK" --version
expect_eq "$rc" 0 "rbk --version exits 0"
expect_match "$out" '^rbk [0-9]+\.[0-9]+\.[0-9]+' "rbk --version prints 'rbk X.Y.Z'"
expect_match "$out" '^built with (gcc|clang) [0-9]' "rbk --version says which compiler built it"
expect_match "$out" '^readline [0-9]+\.[0-9]+, libffi [0-9][0-9.]* \(built against\), OpenSSL [0-9]' "rbk --version names the libraries: readline, libffi, OpenSSL"
expect_match "$out" '^License GPL-3\.0-or-later' "rbk --version names the licence"
run "$RBK" -V
expect_eq "$rc" 0 "rbk -V exits 0"
expect_match "$out" '^rbk [0-9]+\.[0-9]+\.[0-9]+' "rbk -V is rbk --version"

run "$RBK" rnu
expect_eq "$rc" 2 "an unknown command is a usage error (exit 2)"
expect_match "$err" "^rbk: unknown command 'rnu'; did you mean 'run'\?" "a near miss is answered with the command meant"
run "$RBK" xyzzy
expect_match "$err" "^rbk: unknown command 'xyzzy'$" "a far miss gets no suggestion"
run "$RBK" help stauts
expect_match "$err" "did you mean 'status'\?" "rbk help suggests too"

run "$RBK" help check
expect_eq "$rc" 0 "rbk help check exits 0"
expect_match "$out" '^Usage: rbk check \[OPTIONS\] FILE' "rbk help check prints the usage of check"
expect_match "$out" '--format text\|json' "rbk help check documents --format"

run "$RBK" check --help
expect_eq "$rc" 0 "rbk check --help exits 0"
expect_match "$out" '^Usage: rbk check' "rbk check --help prints the usage of check"

run "$RBK" check -h
expect_eq "$rc" 0 "rbk check -h exits 0"

run "$RBK"
expect_eq "$rc" 2 "rbk with no command exits 2"
expect_match "$err" 'Usage: rbk' "rbk with no command prints the usage on stderr"

run "$RBK" frobnicate
expect_eq "$rc" 2 "an unknown command exits 2"
expect_match "$err" "unknown command 'frobnicate'" "an unknown command is named"

run "$RBK" help frobnicate
expect_eq "$rc" 2 "rbk help of an unknown command exits 2"

run "$RBK" check --frob "$T/good.rbk"
expect_eq "$rc" 2 "an unknown option exits 2"
expect_match "$err" "unknown option '--frob'" "an unknown option is named"

run "$RBK" check
expect_eq "$rc" 2 "check with no FILE exits 2"
expect_match "$err" 'no FILE given' "check with no FILE says so"

run "$RBK" check --format yaml "$T/good.rbk"
expect_eq "$rc" 2 "--format yaml exits 2"
expect_match "$err" "unknown format 'yaml'" "--format yaml names the format"

run "$RBK" check --format=yaml "$T/good.rbk"
expect_eq "$rc" 2 "--format=yaml exits 2"

# --format with no value: the message must say the value is missing, not
# that --format is an unknown option.
run "$RBK" check --format
expect_eq "$rc" 2 "--format with no value exits 2"
if printf '%s' "$err" | grep -q "unknown option '--format'"; then r=1; else r=0; fi
ok $r "--format with no value is not called an unknown option (got: $(head -1 <<<"$err"))"
expect_match "$err" 'format' "--format with no value mentions --format"

# Commands that rbk --help lists as not yet available must say so clearly.
for cmd in $("$RBK" --help | awk '/not yet available/ {print $1}'); do
  run "$RBK" $cmd "$T/good.rbk"
  expect_eq "$rc" 2 "rbk $cmd (not built yet) exits 2"
  expect_match "$err" "rbk $cmd: not available" "rbk $cmd says it is not available yet"
done

# ---- files --------------------------------------------------------------
run "$RBK" check "$T/good.rbk"
expect_eq "$rc" 0 "a clean runbook exits 0"
expect_eq "$out$err" "" "a clean runbook prints nothing"

run "$RBK" check "$T/warn.rbk"
expect_eq "$rc" 0 "a runbook with only warnings exits 0"
expect_match "$err" 'warn\.rbk:2:25: warning: unknown contact field' "the warning is printed"

run "$RBK" check "$T/bad_role.rbk"
expect_eq "$rc" 1 "a runbook with an error exits 1"
expect_match "$err" "bad_role\.rbk:4:11: error: unknown role 'opz'" "the error names file:line:col"
expect_eq "$out" "" "text diagnostics go to stderr, not stdout"

# stdin
out=$(printf 'runbook "x" {\n  owner pm\n}\n' | timeout 10 "$RBK" check - 2>&1); rc=$?
expect_eq "$rc" 1 "check - reads stdin and finds the error"
expect_match "$out" "^<stdin>:2:9: error: unknown role 'pm'" "stdin is named <stdin>"
out=$(timeout 10 "$RBK" check - <"$T/good.rbk" 2>&1); rc=$?
expect_eq "$rc:$out" "0:" "check - with a clean runbook on stdin exits 0 silently"

# several files in one call
run "$RBK" check "$T/bad_role.rbk" "$T/good.rbk" "$T/bad_timeout.rbk"
expect_eq "$rc" 1 "several files: exit 1 when any has an error"
expect_match "$err" "bad_role\.rbk:4:11: error: unknown role 'opz'" "several files: errors of the first file"
expect_match "$err" "bad_timeout\.rbk:3:13: error: 'timeout' needs a duration" "several files: errors of the last file"
run "$RBK" check "$T/good.rbk" "$T/warn.rbk"
expect_eq "$rc" 0 "several clean files exit 0"
run "$RBK" check "$T/good.rbk" "$T/missing.rbk"
expect_eq "$rc" 2 "several files: a missing one fails the call with exit 2"
expect_match "$err" 'missing\.rbk: error: cannot open: No such file or directory' "several files: the missing one is named"

# Options after FILE: either honoured or refused as a usage error, but
# never taken for file names ("--format: cannot open").
run "$RBK" check "$T/good.rbk" --format json
if printf '%s' "$err" | grep -q -- '--format: error: cannot open'; then r=1; else r=0; fi
ok $r "an option after FILE is not taken for a file name (got: $(head -1 <<<"$err"))"
if [ "$rc" = 0 ] && printf '%s' "$out" | jq -e 'type == "object"' >/dev/null 2>&1; then r=0
elif [ "$rc" = 2 ]; then r=0
else r=1; fi
ok $r "an option after FILE is honoured (JSON, exit 0) or refused (exit 2); got exit $rc"

# ---- JSON ---------------------------------------------------------------
run "$RBK" check --format json "$T/bad_role.rbk" "$T/bad_timeout.rbk" "$T/warn.rbk"
expect_eq "$rc" 1 "--format json exits 1 on errors"
printf '%s' "$out" | jq -e . >/dev/null 2>&1
ok $? "--format json prints valid JSON"
printf '%s' "$out" | jq -e '.format_version == 1 and .files == 3 and .errors == 2 and .warnings == 1 and (.findings | length) == 3' >/dev/null 2>&1
ok $? "--format json gives an object: format_version, 3 files, 2 errors, 1 warning, the 3 findings"
printf '%s' "$out" | jq -e 'all(.findings[]; has("file") and has("line") and has("column") and has("severity") and has("rule") and has("message"))' >/dev/null 2>&1
ok $? "every JSON finding has file, line, column, severity, rule and message"
printf '%s' "$out" | jq -e 'all(.findings[]; (.line|type) == "number" and (.column|type) == "number" and (.message|type) == "string")' >/dev/null 2>&1
ok $? "JSON line and column are numbers, message a string"
got=$(printf '%s' "$out" | jq -r '.findings[] | "\(.file|sub(".*/";""))|\(.line)|\(.column)|\(.severity)|\(.rule)"' 2>/dev/null | sort | tr '\n' ' ')
expect_eq "$got" "bad_role.rbk|4|11|error|unknown-role bad_timeout.rbk|3|13|error|type-mismatch warn.rbk|2|25|warning|unknown-contact " "JSON holds the right positions, severities and codes"
expect_eq "$err" "" "--format json writes nothing to stderr"

run "$RBK" check --format=json "$T/good.rbk"
expect_eq "$rc:$(jq -c '[.files, .errors, .warnings, .findings]' <<<"$out")" "0:[1,0,0,[]]" "--format=json of a clean runbook: no findings"

run "$RBK" check --format json "$T/missing.rbk"
expect_eq "$rc" 2 "--format json of a missing file exits 2"
printf '%s' "$out" | jq -e '.findings[0].severity == "error" and (.findings[0].message | test("cannot open"))' >/dev/null 2>&1
ok $? "--format json reports a missing file as a JSON error"

# a message with quotes and backslashes stays valid JSON
printf 'runbook "q" {\n  step go "Go" {\n    log "a\\qb"\n  }\n}\n' >"$T/escape.rbk"
run "$RBK" check --format json "$T/escape.rbk"
printf '%s' "$out" | jq -e '.findings[0].message | contains("\\q")' >/dev/null 2>&1
ok $? "--format json escapes backslashes in messages"

# ---- quiet --------------------------------------------------------------
run "$RBK" check -q "$T/bad_role.rbk"
expect_eq "$rc:$out:$err" "1::" "-q prints nothing and exits 1 on errors"
run "$RBK" check --quiet "$T/warn.rbk"
expect_eq "$rc:$out:$err" "0::" "--quiet prints nothing and exits 0 on warnings"
run "$RBK" check -q --format json "$T/bad_role.rbk"
expect_eq "$rc:$out:$err" "1::" "-q wins over --format json"

# ---- colour -------------------------------------------------------------
esc=$'\033'
# not a terminal: never colour
out=$(env -u NO_COLOR TERM=xterm timeout 10 "$RBK" check "$T/bad_role.rbk" 2>&1)
case "$out" in *"$esc"*) r=1 ;; *) r=0 ;; esac
ok $r "no colour when stderr is not a terminal"
if command -v script >/dev/null 2>&1; then
  out=$(env -u NO_COLOR TERM=xterm timeout 10 script -qec "$RBK check $T/bad_role.rbk" /dev/null 2>&1)
  case "$out" in *"$esc["*) r=0 ;; *) r=1 ;; esac
  ok $r "colour on a terminal without NO_COLOR"
  out=$(env NO_COLOR=1 TERM=xterm timeout 10 script -qec "$RBK check $T/bad_role.rbk" /dev/null 2>&1)
  case "$out" in *"$esc"*) r=1 ;; *) r=0 ;; esac
  ok $r "NO_COLOR=1 turns colour off even on a terminal"
  expect_match "$out" "unknown role 'opz'" "NO_COLOR=1 on a terminal still prints the diagnostic"
  out=$(env NO_COLOR= TERM=xterm timeout 10 script -qec "$RBK check $T/bad_role.rbk" /dev/null 2>&1)
  case "$out" in *"$esc["*) r=0 ;; *) r=1 ;; esac
  ok $r "an empty NO_COLOR does not turn colour off"
  out=$(env -u NO_COLOR TERM=dumb timeout 10 script -qec "$RBK check $T/bad_role.rbk" /dev/null 2>&1)
  case "$out" in *"$esc"*) r=1 ;; *) r=0 ;; esac
  ok $r "TERM=dumb turns colour off"
else
  for i in 1 2 3 4 5; do echo "ok $((_n + 1)) - colour on a terminal # SKIP script(1) not installed"; _n=$((_n + 1)); done
fi

# ---- a stdlib module, checked on its own ----------------------------------
# stdlib/sqlite.rbk defines sql, sql_value and count_rows, the builtins it
# implements: check, lint and plan take it as that module, as the build does
for c in check lint; do
  run "$RBK" $c "$RBK_TOP/stdlib/sqlite.rbk"
  expect_eq "$rc" 0 "rbk $c stdlib/sqlite.rbk: the module's own sql() is no clash with the builtin"
done
run "$RBK" plan "$RBK_TOP/stdlib/sqlite.rbk"
expect_match "$rc:$err$out" "^2:rbk plan: [^ ]*sqlite.rbk holds no runbook" "rbk plan stdlib/sqlite.rbk: a library (exit 2), not an error in it"
cp "$RBK_TOP/stdlib/sqlite.rbk" "$T/mine.rbk"
run "$RBK" check "$T/mine.rbk"
expect_match "$rc:$err" "^1:.*mine.rbk:[0-9]+:4: error: 'sql' is a builtin function" "the same text under another name still may not define a builtin"
printf 'fn sql(a, b) { return 1 }\nrunbook "x" {\n  step a { log "x" }\n}\n' > "$T/sqlite.rbk"
run "$RBK" check "$T/sqlite.rbk"
expect_match "$rc:$err" "^1:.*sqlite.rbk:1:4: error: 'sql' is a builtin function" "nor may a runbook called sqlite.rbk"

# ---- examples -----------------------------------------------------------
shopt -s nullglob
examples=(examples/*.rbk examples/portal/*.rbk)
if [ ${#examples[@]} -eq 0 ]; then
  _n=$((_n + 1)); echo "ok $_n - examples check clean # SKIP no examples/*.rbk yet"
else
  for f in "${examples[@]}"; do
    run "$RBK" check "$f"
    expect_eq "$rc" 0 "example $f checks clean"
    if [ "$rc" != 0 ]; then printf '# %s\n' "$err" | head -20; fi
  done
fi

done_testing
