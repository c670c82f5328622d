#!/bin/bash
# docs/bytecode.md must list every opcode of vm/opcodes.h, and nothing else.
source tests/e2e/lib.bash
ops=$(grep -oE '^  X\([A-Z]+,' vm/opcodes.h | sed 's/  X(//; s/,//' | sort)
doc=$(grep -oE '^\| `[A-Z]+` \|' docs/bytecode.md | sed 's/| `//; s/` |//' | sort)
expect_eq "$(wc -l <<<"$ops")" "$(wc -l <<<"$doc")" "docs/bytecode.md has one row per opcode"
expect_eq "$doc" "$ops" "docs/bytecode.md lists exactly the opcodes of vm/opcodes.h"
done_testing
