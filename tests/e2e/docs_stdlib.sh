#!/bin/bash
# docs/stdlib.md must document every builtin of vm/builtins.def, and
# every rbk example in it, and in docs/language.md, must pass `rbk check`.
set -u
top=${RBK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/e2e/lib.bash"
cd "$top" || exit 1
tmp=$(tmpdir)
trap 'rm -rf "$tmp"' EXIT

names=$(grep -oE '^X\([a-z_0-9]+,' vm/builtins.def | sed 's/X(//; s/,//' | sort)
documented=$(grep -oE '^### [a-z_0-9]+$' docs/stdlib.md | sed 's/### //' | sort)
expect_eq "$documented" "$names" "docs/stdlib.md has one section per builtin of vm/builtins.def"

# Each ```rbk block becomes a file of its own.
awk -v dir="$tmp" '/^```rbk$/ { n++; f = sprintf("%s/ex%02d.rbk", dir, n); next }
                   /^```$/ { f = ""; next }
                   f { print > f }' docs/stdlib.md
count=$(ls "$tmp"/*.rbk | wc -l)
ok $([ "$count" -ge 30 ]; echo $?) "docs/stdlib.md has its examples ($count)"
bad=""
for f in "$tmp"/*.rbk; do
  out=$("$RBK" check "$f" 2>&1) || bad="$bad"$'\n'"$(basename "$f"): $out"
done
expect_eq "$bad" "" "every example in docs/stdlib.md passes rbk check"

mkdir "$tmp/lang"
awk -v dir="$tmp/lang" '/^```rbk$/ { n++; f = sprintf("%s/ex%03d.rbk", dir, n); next }
                        /^```$/ { f = ""; next }
                        f { print > f }' docs/language.md
bad=""
for f in "$tmp"/lang/*.rbk; do
  out=$("$RBK" check "$f" 2>&1) || bad="$bad"$'\n'"$(basename "$f"): $out"
done
expect_eq "$bad" "" "every example in docs/language.md passes rbk check"
done_testing
