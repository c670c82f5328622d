#!/bin/bash
# The floors of docs/architecture.md hold: tests/layout.py finds no include
# that points up, no circle and nothing stray at the root of this tree; and
# it does fail, naming the place, on a copy of the tree given each fault.
. "$(dirname "$0")/lib.bash"
top=${RBK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}

out=$(python3 "$top/tests/layout.py" "$top" 2>&1); rc=$?
ok $rc "the tree keeps its floors: $out"

tmp=$(tmpdir); trap 'rm -rf "$tmp"' EXIT
copy() {   # a fresh copy of the tracked tree in $tmp/t, as a git checkout
  rm -rf "$tmp/t"; mkdir -p "$tmp/t"
  (cd "$top" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$tmp/t" 2>/dev/null)
  git -C "$tmp/t" init -q && git -C "$tmp/t" add -A >/dev/null 2>&1
}

copy
out=$(python3 "$top/tests/layout.py" "$tmp/t" 2>&1); rc=$?
ok $rc "a clean copy passes"

copy
sed -i '0,/#include "buf.h"/s//#include "buf.h"\n#include "..\/run\/journal.h"/' "$tmp/t/base/buf.c"
out=$(python3 "$top/tests/layout.py" "$tmp/t" 2>&1); rc=$?
expect_eq "$rc" 1 "an upward include fails the check"
expect_match "$out" '^base/buf\.c:[0-9]+: includes run/journal\.h: base \(floor 0\) may not include run \(floor 4\)' "it names the file, the line and the floors"

copy
printf '#include "../grammar/ast.h"\n' >> "$tmp/t/grammar/parse.h"
printf '#include "../grammar/parse.h"\n' >> "$tmp/t/grammar/ast.c"
out=$(python3 "$top/tests/layout.py" "$tmp/t" 2>&1); rc=$?
expect_eq "$rc" 1 "a circle on one floor fails the check"
expect_match "$out" '^circle: grammar/ast\.c -> grammar/parse\.c -> grammar/ast\.c' "it names the circle"

copy
printf 'int cli_calls_back(void);\n' >> "$tmp/t/cli/cli.h"
printf '\nint cli_calls_back(void) { return cmd_check(0, 0); }\n' >> "$tmp/t/cli/main.c"
printf '\nint use_it(void);\nint use_it(void) { return cli_calls_back(); }\n' >> "$tmp/t/cli/cmd_check.c"
out=$(python3 "$top/tests/layout.py" "$tmp/t" 2>&1); rc=$?
expect_eq "$rc" 1 "a call back through a header no one .c implements (cli/cli.h) fails the check"
expect_match "$out" 'circle: cli/cmd_check\.c -> cli/main\.c -> cli/cmd_check\.c' "it names that circle"

copy
touch "$tmp/t/scratch.out"
out=$(python3 "$top/tests/layout.py" "$tmp/t" 2>&1); rc=$?
expect_eq "$rc" 1 "a stray file at the root fails the check"
expect_match "$out" '^root: scratch\.out does not belong' "it names the file"

copy
sed -i 's#"../base/mem.h"#"../base/nosuch.h"#' "$tmp/t/vm/value.c"
out=$(python3 "$top/tests/layout.py" "$tmp/t" 2>&1); rc=$?
expect_eq "$rc" 1 "an include of a header that is not there fails the check"
done_testing
