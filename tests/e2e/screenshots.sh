#!/bin/bash
# tests/e2e/screenshots.sh -- the plan and the report as people see them:
# each HTML page rendered by a real headless Chromium into a PNG
# (browser.bash's screenshot), which is then decoded (png_stats: zlib and
# the PNG row filters, in Python's standard library) and checked to be a
# real render: the size asked for, many colours (text, tables, shading),
# ink over most of the page's height. A blank page is checked the same way
# first, so that the check is known to tell a render from nothing.
set -u
top=${RBK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/e2e/lib.bash"
. "$top/tests/e2e/browser.bash"
: "${RBK:?set RBK to the rbk binary}"
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT
export NO_COLOR=1

need_chromium; ok $? "chromium is installed (deps.sh test)"

# rendered NAME STATS: a real render at 1280x1600: many colours, ink in at
# least 8 of 10 bands of the page's height, at least 3% of the pixels
rendered() {
  python3 - "$2" <<'PY'
import sys
f = sys.argv[1].split()
if len(f) != 5:
    print('no stats: %s' % sys.argv[1]); sys.exit(1)
w, h, colours, ink, bands = int(f[0]), int(f[1]), int(f[2]), float(f[3]), int(f[4])
why = []
if (w, h) != (1280, 1600): why.append('size %dx%d' % (w, h))
if colours < 20: why.append('%d colours' % colours)
if ink < 3: why.append('%.1f%% ink' % ink)
if bands < 8: why.append('ink in %d of 10 bands' % bands)
print('; '.join(why) or 'ok')
PY
}

# a blank page: the check must say so
printf '<!doctype html><html><head><title>blank</title></head><body></body></html>\n' >"$T/blank.html"
screenshot "$T/blank.html" "$T/blank.png" "$T/profile-blank"
ok $? "Chromium renders a blank page to a PNG"
st=$(png_stats "$T/blank.png")
expect_match "$st" '^1280 1600 1 0\.0 0$' "a blank render has one colour and no ink"
expect_match "$(rendered blank "$st")" 'colours' "the render check refuses a blank page"

# the plan of seed 001's backout, with the params and the sign-off block
"$RBK" plan "$top/examples/portal/backout.rbk" --format html --param root=/opt/portal >"$T/plan.html"
expect_eq "$?" 0 "rbk plan --format html"
screenshot "$T/plan.html" "$T/plan.png" "$T/profile-plan"
ok $? "Chromium renders the plan to a PNG"
ok "$([ "$(stat -c %s "$T/plan.png")" -gt 20000 ]; echo $?)" "the plan's PNG is no stub (over 20 kB)"
st=$(png_stats "$T/plan.png")
expect_eq "$(rendered plan "$st")" ok "the plan is a real render (w h colours ink% bands: $st)"
dom=$(dump_dom "$T/plan.html" "$T/profile-plan-dom")
expect_match "$dom" 'id="signoff-table"' "the plan's DOM holds the sign-off block"
expect_match "$dom" 'id="authority-table"' "... and the decision table"

# the report of a finished backout (the fixture journals of report_cmd.sh)
python3 "$top/tests/fixtures/report/make.py" "$T/state"
ok $? "the fixture journals are built"
"$RBK" report --state "$T/state" --format html backout-20260607-020000 >"$T/report.html"
expect_eq "$?" 0 "rbk report --format html"
screenshot "$T/report.html" "$T/report.png" "$T/profile-report"
ok $? "Chromium renders the report to a PNG"
ok "$([ "$(stat -c %s "$T/report.png")" -gt 20000 ]; echo $?)" "the report's PNG is no stub (over 20 kB)"
st=$(png_stats "$T/report.png")
expect_eq "$(rendered report "$st")" ok "the report is a real render (w h colours ink% bands: $st)"

# RBK_SCREENSHOTS=DIR keeps the PNGs, to look at them
if [ -n "${RBK_SCREENSHOTS:-}" ]; then cp "$T"/plan.png "$T"/report.png "$RBK_SCREENSHOTS"/; fi
done_testing
