# tests/e2e/browser.bash -- load an HTML file in a real headless Chromium
# and print its DOM. Source it after lib.bash. Chromium is installed by
# deps.sh (the `test` set) when missing; as root in CI it runs only with
# --no-sandbox. Each call gets its own profile directory, so scripts can
# run side by side.

# need_chromium: make sure chromium is installed (deps.sh installs it as
# root, else says how); returns 1 if it still is not there.
need_chromium() {
  command -v chromium >/dev/null 2>&1 && return 0
  (cd "$RBK_TOP" && ./deps.sh test) >&2 || true
  command -v chromium >/dev/null 2>&1
}

# dump_dom FILE PROFILE_DIR: print the DOM Chromium builds from FILE.
dump_dom() {
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
    --user-data-dir="$2" --dump-dom "file://$1" 2>/dev/null
}
