#!/bin/bash
# editors.sh -- the editor support under editors/ on every example (and
# stdlib module, and golden input that parses): Vim loads the syntax
# without error and colours comments, keywords and strings as such; the
# TextMate grammar tokenises each file through vscode-textmate exactly as
# rbk reads it (tests/editors/textmate.js). The npm packages are installed
# once into build/node (pinned in tests/editors/package.json).
set -u
. "$(dirname "$0")/lib.bash"
cd "$RBK_TOP"
t=$(tmpdir)
trap 'rm -rf "$t"' EXIT

files=(examples/*.rbk examples/portal/*.rbk)
[ -n "$(ls stdlib/*.rbk 2>/dev/null)" ] && files+=(stdlib/*.rbk)
for f in tests/golden/*/*.rbk; do
  "$RBK" fmt "$f" >/dev/null 2>&1 && files+=("$f")   # only what parses: the rest may fool any highlighter
done
expect_match "${#files[@]}" '^[0-9]{2,}$' "files to highlight: ${#files[@]}"

# ---- Vim ---------------------------------------------------------------------------
if vim --version 2>/dev/null | grep -q '+syntax'; then
  RBK_VIM_OUT="$t/vim.out" vim -Nu NONE -i NONE -n -es --cmd "set rtp^=$RBK_TOP/editors/vim" \
    -c 'filetype on' -c 'syntax on' -S tests/editors/vim_check.vim "${files[@]}" </dev/null >/dev/null 2>&1
  rc=$?
  expect_eq "$rc" 0 "Vim loads editors/vim on every file without error, groups as expected"
  expect_match "$(tail -1 "$t/vim.out" 2>/dev/null)" "^files ${#files[@]}, checks [0-9]{3,}, bad 0$" "and it checked them"
  [ "$rc" -eq 0 ] || sed 's/^/# /' "$t/vim.out" | head -20
  out=$(cd "$t" && printf 'runbook "x" {\n}\n' > a.rbk &&
        vim -Nu NONE -i NONE -n -es --cmd "set rtp^=$RBK_TOP/editors/vim" -c 'filetype plugin on' \
          -c 'edit a.rbk' -c 'call writefile([&filetype, &shiftwidth, &expandtab, &commentstring], "ft.out")' -c 'qall!' </dev/null >/dev/null 2>&1;
        cat ft.out 2>/dev/null | tr '\n' ' ')
  expect_eq "$out" "rbk 2 1 # %s " "ftdetect and ftplugin: filetype rbk, 2-space indentation as rbk fmt writes"
else
  ok 1 "Vim with +syntax is needed (./deps.sh test installs the vim package)"
fi

# ---- TextMate grammar through vscode-textmate ---------------------------------------
node_dir="$RBK_TOP/build/node"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  ok 1 "node and npm are needed (./deps.sh test installs them)"
else
  if ! cmp -s tests/editors/package.json "$node_dir/package.json" || [ ! -d "$node_dir/node_modules/vscode-textmate" ]; then
    mkdir -p "$node_dir"
    cp tests/editors/package.json "$node_dir/package.json"
    (cd "$node_dir" && npm install --no-audit --no-fund --loglevel=error >"$t/npm.log" 2>&1) ||
      sed 's/^/# npm: /' "$t/npm.log" | tail -20
  fi
  [ -d "$node_dir/node_modules/vscode-textmate" ] && [ -d "$node_dir/node_modules/vscode-oniguruma" ]
  ok $? "vscode-textmate and vscode-oniguruma are installed in build/node"
  node -e 'JSON.parse(require("fs").readFileSync(process.argv[1]))' editors/vscode/syntaxes/rbk.tmLanguage.json
  ok $? "the grammar is valid JSON"
  expect_eq "$(node -p 'require(process.argv[1]).scopeName' "$RBK_TOP/editors/vscode/syntaxes/rbk.tmLanguage.json")" \
    "source.rbk" "its scopeName is source.rbk"
  expect_eq "$(node -p 'const p = require(process.argv[1]).contributes; p.grammars[0].path + " " + p.languages[0].extensions' \
    "$RBK_TOP/editors/vscode/package.json")" "./syntaxes/rbk.tmLanguage.json .rbk" \
    "the VS Code extension points at it for .rbk files"
  out=$(NODE_PATH="$node_dir/node_modules" node tests/editors/textmate.js editors/vscode/syntaxes/rbk.tmLanguage.json "${files[@]}" 2>&1)
  # its checks count as ours
  while IFS= read -r l; do
    case $l in
      "ok "*) ok 0 "textmate: ${l#ok * - }" ;;
      "not ok "*) ok 1 "textmate: ${l#not ok * - }" ;;
      "#"*) echo "$l" ;;
    esac
  done <<<"$out"
  expect_match "$out" $'\n1\\.\\.[0-9]+$' "the tokeniser ran to its end"
fi

done_testing
