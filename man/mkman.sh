#!/bin/sh
# man/mkman.sh RBK DOCS_DIR OUTDIR -- write the man pages of the rbk
# binary RBK into OUTDIR/man1 and OUTDIR/man7:
#   rbk(1)           from 'rbk --help', with man/rbk-extra.man
#   rbk-CMD(1)       one per command 'rbk --help' lists, from 'rbk help CMD';
#                    a command not built yet gets a page that says so
#   rbk-language(7)  from DOCS_DIR/language.md
#   rbk-stdlib(7)    from DOCS_DIR/stdlib.md
# The pages come from the binary's own texts, so they never drift from it.
set -eu
rbk=$1 docs=$2 outdir=$3
here=$(dirname "$0")
LC_ALL=C
export LC_ALL

version=$("$rbk" --version | sed -n '1s/^rbk //p')
help=$("$rbk" --help)
cmds=$(printf '%s\n' "$help" | sed -n '/^Commands:/,/^$/p' | awk 'NF > 1 { print $1 }')
mkdir -p "$outdir/man1" "$outdir/man7"
rm -f "$outdir"/man1/rbk*.1 "$outdir"/man7/rbk*.7

page() {   # page NAME SUMMARY EXTRA < USAGE_TEXT
  awk -f "$here/roff.awk" -f "$here/usage.awk" -v name="$1" -v section=1 \
    -v summary="$2" -v version="$version" -v cmds="$cmds" -v extra="$3"
}

printf '%s\n' "$help" |
  page rbk "check, plan and run backout and deployment runbooks" "$here/rbk-extra.man" > "$outdir/man1/rbk.1"

for c in $cmds; do
  summary=$(printf '%s\n' "$help" |
    awk -v c="$c" '$1 == c { sub(/^ *[^ ]+ +/, ""); sub(/ \(not yet available\)$/, ""); print; exit }')
  if text=$("$rbk" help "$c" 2>/dev/null) && [ -n "$text" ]; then
    printf '%s\n' "$text"
  else
    # Part of the design, not built yet: the page says so until it is.
    printf 'Usage: rbk %s [ARGS...]\n\n' "$c"
    printf '%s. This command is part of the design of rbk but is not\n' "$summary"
    printf 'available in rbk %s: it says so and exits with status 2. Once\n' "$version"
    printf 'it is built, this page is made from its --help text.\n\n'
    printf 'Exit status:\n  2  not available in this version\n'
  fi | page "rbk-$c" "$summary" "" > "$outdir/man1/rbk-$c.1"
done

awk -f "$here/roff.awk" -f "$here/markdown.awk" -v version="$version" -v page=rbk-language \
  -v what="the rbk runbook language: syntax, checks and meaning" "$docs/language.md" > "$outdir/man7/rbk-language.7"
awk -f "$here/roff.awk" -f "$here/markdown.awk" -v version="$version" -v page=rbk-stdlib \
  -v what="the rbk standard library: every builtin function, with an example" "$docs/stdlib.md" > "$outdir/man7/rbk-stdlib.7"
