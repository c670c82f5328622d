#!/bin/bash
# tests/e2e/vm_numbers.sh -- pins what the VM's arithmetic and comparisons
# compute, through every instruction form (the immediate ADDI SUBI MODI
# EQI LTI ..., the constant ADDK ... GEK, the register ADD ... LE), so a
# wrong fast path in vm/interp.c fails here: negative and fractional
# modulo (floored, the sign of the divisor; a whole dividend below 9e15
# by a whole divisor gives +0, otherwise fmod's sign of zero), the int32
# and uint32 edges the integer paths switch at (MODI's -2^32 too), 2^53, 1e17, overflow to
# inf, nan, -0, division and modulo by zero (a failure at the operator),
# the type errors, and a number result stored over a string (the old
# value's reference released: the ASan build checks it).
set -u
source tests/e2e/lib.bash
: "${RBK:?set RBK to the rbk binary}"
rbk_test_begin

logs() { sed -n 's/^  log: //p' <<<"$out"; }

cat >"$T/pin.rbk" <<'EOF'
fn f(x, y) {
  return [x + 1, x + 1000, x + 0.5, x + y, x - 1, x - 1000, x - y, x * 2, x * y, x / 2, x / y, x % 3, x % 7, x % 255, x % 1000, x % 0.5, x % y, 1 - x, -x]
}
fn c(x, y) {
  return [x == 0, x != 7, x < 3, x <= -1, x > 1000, x >= 0.5, x == y, x < y, x <= y, x > y, x >= y]
}
fn d(y) {
  return [7 % y, -7 % y, 0.5 % y, 7 / y]
}
runbook "Numbers" {
  step all {
    let inf = 1e308 * 10
    for x in [0, 0 * -1, 1, -1, 3, -3, 6, -6, 7, -7, 2.5, -2.5, 254, 255, -255, 4294967295, 4294967296, -2147483648, -2147483649, -4294967295, -4294967296, -4294967297, 9007199254740991, 1e17, -1e17, 1e308, inf, 0 - inf, inf - inf] {
      log "${x} | ${f(x, 3)} | ${f(x, -3)} | ${f(x, 0.75)} | ${c(x, 3)}"
    }
    for y in [1, -1, 2, -2, 3, -3, 0.5, -0.5, 255, 1e17, inf, 0 - inf, inf - inf] {
      log "${y} | ${d(y)}"
    }
  }
}
EOF
cat >"$T/pin.expected" <<'EOF'
0 | [1, 1000, 0.5, 3, -1, -1000, -3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, -0] | [1, 1000, 0.5, -3, -1, -1000, 3, 0, -0, 0, -0, 0, 0, 0, 0, 0, 0, 1, -0] | [1, 1000, 0.5, 0.75, -1, -1000, -0.75, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, -0] | [true, true, true, false, false, false, false, true, true, false, false]
-0 | [1, 1000, 0.5, 3, -1, -1000, -3, -0, -0, -0, -0, 0, 0, 0, 0, -0, 0, 1, 0] | [1, 1000, 0.5, -3, -1, -1000, 3, -0, 0, -0, 0, 0, 0, 0, 0, -0, 0, 1, 0] | [1, 1000, 0.5, 0.75, -1, -1000, -0.75, -0, -0, -0, -0, 0, 0, 0, 0, -0, -0, 1, 0] | [true, true, true, false, false, false, false, true, true, false, false]
1 | [2, 1001, 1.5, 4, 0, -999, -2, 2, 3, 0.5, 0.33333333333333, 1, 1, 1, 1, 0, 1, 0, -1] | [2, 1001, 1.5, -2, 0, -999, 4, 2, -3, 0.5, -0.33333333333333, 1, 1, 1, 1, 0, -2, 0, -1] | [2, 1001, 1.5, 1.75, 0, -999, 0.25, 2, 0.75, 0.5, 1.3333333333333, 1, 1, 1, 1, 0, 0.25, 0, -1] | [false, true, true, false, false, true, false, true, true, false, false]
-1 | [0, 999, -0.5, 2, -2, -1001, -4, -2, -3, -0.5, -0.33333333333333, 2, 6, 254, 999, -0, 2, 2, 1] | [0, 999, -0.5, -4, -2, -1001, 2, -2, 3, -0.5, 0.33333333333333, 2, 6, 254, 999, -0, -1, 2, 1] | [0, 999, -0.5, -0.25, -2, -1001, -1.75, -2, -0.75, -0.5, -1.3333333333333, 2, 6, 254, 999, -0, 0.5, 2, 1] | [false, true, true, true, false, false, false, true, true, false, false]
3 | [4, 1003, 3.5, 6, 2, -997, 0, 6, 9, 1.5, 1, 0, 3, 3, 3, 0, 0, -2, -3] | [4, 1003, 3.5, 0, 2, -997, 6, 6, -9, 1.5, -1, 0, 3, 3, 3, 0, 0, -2, -3] | [4, 1003, 3.5, 3.75, 2, -997, 2.25, 6, 2.25, 1.5, 4, 0, 3, 3, 3, 0, 0, -2, -3] | [false, true, false, false, false, true, true, false, true, false, true]
-3 | [-2, 997, -2.5, 0, -4, -1003, -6, -6, -9, -1.5, -1, 0, 4, 252, 997, -0, 0, 4, 3] | [-2, 997, -2.5, -6, -4, -1003, 0, -6, 9, -1.5, 1, 0, 4, 252, 997, -0, 0, 4, 3] | [-2, 997, -2.5, -2.25, -4, -1003, -3.75, -6, -2.25, -1.5, -4, 0, 4, 252, 997, -0, -0, 4, 3] | [false, true, true, true, false, false, false, true, true, false, false]
6 | [7, 1006, 6.5, 9, 5, -994, 3, 12, 18, 3, 2, 0, 6, 6, 6, 0, 0, -5, -6] | [7, 1006, 6.5, 3, 5, -994, 9, 12, -18, 3, -2, 0, 6, 6, 6, 0, 0, -5, -6] | [7, 1006, 6.5, 6.75, 5, -994, 5.25, 12, 4.5, 3, 8, 0, 6, 6, 6, 0, 0, -5, -6] | [false, true, false, false, false, true, false, false, false, true, true]
-6 | [-5, 994, -5.5, -3, -7, -1006, -9, -12, -18, -3, -2, 0, 1, 249, 994, -0, 0, 7, 6] | [-5, 994, -5.5, -9, -7, -1006, -3, -12, 18, -3, 2, 0, 1, 249, 994, -0, 0, 7, 6] | [-5, 994, -5.5, -5.25, -7, -1006, -6.75, -12, -4.5, -3, -8, 0, 1, 249, 994, -0, -0, 7, 6] | [false, true, true, true, false, false, false, true, true, false, false]
7 | [8, 1007, 7.5, 10, 6, -993, 4, 14, 21, 3.5, 2.3333333333333, 1, 0, 7, 7, 0, 1, -6, -7] | [8, 1007, 7.5, 4, 6, -993, 10, 14, -21, 3.5, -2.3333333333333, 1, 0, 7, 7, 0, -2, -6, -7] | [8, 1007, 7.5, 7.75, 6, -993, 6.25, 14, 5.25, 3.5, 9.3333333333333, 1, 0, 7, 7, 0, 0.25, -6, -7] | [false, false, false, false, false, true, false, false, false, true, true]
-7 | [-6, 993, -6.5, -4, -8, -1007, -10, -14, -21, -3.5, -2.3333333333333, 2, 0, 248, 993, -0, 2, 8, 7] | [-6, 993, -6.5, -10, -8, -1007, -4, -14, 21, -3.5, 2.3333333333333, 2, 0, 248, 993, -0, -1, 8, 7] | [-6, 993, -6.5, -6.25, -8, -1007, -7.75, -14, -5.25, -3.5, -9.3333333333333, 2, 0, 248, 993, -0, 0.5, 8, 7] | [false, true, true, true, false, false, false, true, true, false, false]
2.5 | [3.5, 1002.5, 3, 5.5, 1.5, -997.5, -0.5, 5, 7.5, 1.25, 0.83333333333333, 2.5, 2.5, 2.5, 2.5, 0, 2.5, -1.5, -2.5] | [3.5, 1002.5, 3, -0.5, 1.5, -997.5, 5.5, 5, -7.5, 1.25, -0.83333333333333, 2.5, 2.5, 2.5, 2.5, 0, -0.5, -1.5, -2.5] | [3.5, 1002.5, 3, 3.25, 1.5, -997.5, 1.75, 5, 1.875, 1.25, 3.3333333333333, 2.5, 2.5, 2.5, 2.5, 0, 0.25, -1.5, -2.5] | [false, true, true, false, false, true, false, true, true, false, false]
-2.5 | [-1.5, 997.5, -2, 0.5, -3.5, -1002.5, -5.5, -5, -7.5, -1.25, -0.83333333333333, 0.5, 4.5, 252.5, 997.5, -0, 0.5, 3.5, 2.5] | [-1.5, 997.5, -2, -5.5, -3.5, -1002.5, 0.5, -5, 7.5, -1.25, 0.83333333333333, 0.5, 4.5, 252.5, 997.5, -0, -2.5, 3.5, 2.5] | [-1.5, 997.5, -2, -1.75, -3.5, -1002.5, -3.25, -5, -1.875, -1.25, -3.3333333333333, 0.5, 4.5, 252.5, 997.5, -0, 0.5, 3.5, 2.5] | [false, true, true, true, false, false, false, true, true, false, false]
254 | [255, 1254, 254.5, 257, 253, -746, 251, 508, 762, 127, 84.666666666667, 2, 2, 254, 254, 0, 2, -253, -254] | [255, 1254, 254.5, 251, 253, -746, 257, 508, -762, 127, -84.666666666667, 2, 2, 254, 254, 0, -1, -253, -254] | [255, 1254, 254.5, 254.75, 253, -746, 253.25, 508, 190.5, 127, 338.66666666667, 2, 2, 254, 254, 0, 0.5, -253, -254] | [false, true, false, false, false, true, false, false, false, true, true]
255 | [256, 1255, 255.5, 258, 254, -745, 252, 510, 765, 127.5, 85, 0, 3, 0, 255, 0, 0, -254, -255] | [256, 1255, 255.5, 252, 254, -745, 258, 510, -765, 127.5, -85, 0, 3, 0, 255, 0, 0, -254, -255] | [256, 1255, 255.5, 255.75, 254, -745, 254.25, 510, 191.25, 127.5, 340, 0, 3, 0, 255, 0, 0, -254, -255] | [false, true, false, false, false, true, false, false, false, true, true]
-255 | [-254, 745, -254.5, -252, -256, -1255, -258, -510, -765, -127.5, -85, 0, 4, 0, 745, -0, 0, 256, 255] | [-254, 745, -254.5, -258, -256, -1255, -252, -510, 765, -127.5, 85, 0, 4, 0, 745, -0, 0, 256, 255] | [-254, 745, -254.5, -254.25, -256, -1255, -255.75, -510, -191.25, -127.5, -340, 0, 4, 0, 745, -0, -0, 256, 255] | [false, true, true, true, false, false, false, true, true, false, false]
4294967295 | [4294967296, 4294968295, 4294967295.5, 4294967298, 4294967294, 4294966295, 4294967292, 8589934590, 12884901885, 2147483647.5, 1431655765, 0, 3, 0, 295, 0, 0, -4294967294, -4294967295] | [4294967296, 4294968295, 4294967295.5, 4294967292, 4294967294, 4294966295, 4294967298, 8589934590, -12884901885, 2147483647.5, -1431655765, 0, 3, 0, 295, 0, 0, -4294967294, -4294967295] | [4294967296, 4294968295, 4294967295.5, 4294967295.75, 4294967294, 4294966295, 4294967294.25, 8589934590, 3221225471.25, 2147483647.5, 5726623060, 0, 3, 0, 295, 0, 0, -4294967294, -4294967295] | [false, true, false, false, true, true, false, false, false, true, true]
4294967296 | [4294967297, 4294968296, 4294967296.5, 4294967299, 4294967295, 4294966296, 4294967293, 8589934592, 12884901888, 2147483648, 1431655765.3333, 1, 4, 1, 296, 0, 1, -4294967295, -4294967296] | [4294967297, 4294968296, 4294967296.5, 4294967293, 4294967295, 4294966296, 4294967299, 8589934592, -12884901888, 2147483648, -1431655765.3333, 1, 4, 1, 296, 0, -2, -4294967295, -4294967296] | [4294967297, 4294968296, 4294967296.5, 4294967296.75, 4294967295, 4294966296, 4294967295.25, 8589934592, 3221225472, 2147483648, 5726623061.3333, 1, 4, 1, 296, 0, 0.25, -4294967295, -4294967296] | [false, true, false, false, true, true, false, false, false, true, true]
-2147483648 | [-2147483647, -2147482648, -2147483647.5, -2147483645, -2147483649, -2147484648, -2147483651, -4294967296, -6442450944, -1073741824, -715827882.66667, 1, 5, 127, 352, -0, 1, 2147483649, 2147483648] | [-2147483647, -2147482648, -2147483647.5, -2147483651, -2147483649, -2147484648, -2147483645, -4294967296, 6442450944, -1073741824, 715827882.66667, 1, 5, 127, 352, -0, -2, 2147483649, 2147483648] | [-2147483647, -2147482648, -2147483647.5, -2147483647.25, -2147483649, -2147484648, -2147483648.75, -4294967296, -1610612736, -1073741824, -2863311530.6667, 1, 5, 127, 352, -0, 0.25, 2147483649, 2147483648] | [false, true, true, true, false, false, false, true, true, false, false]
-2147483649 | [-2147483648, -2147482649, -2147483648.5, -2147483646, -2147483650, -2147484649, -2147483652, -4294967298, -6442450947, -1073741824.5, -715827883, 0, 4, 126, 351, -0, 0, 2147483650, 2147483649] | [-2147483648, -2147482649, -2147483648.5, -2147483652, -2147483650, -2147484649, -2147483646, -4294967298, 6442450947, -1073741824.5, 715827883, 0, 4, 126, 351, -0, 0, 2147483650, 2147483649] | [-2147483648, -2147482649, -2147483648.5, -2147483648.25, -2147483650, -2147484649, -2147483649.75, -4294967298, -1610612736.75, -1073741824.5, -2863311532, 0, 4, 126, 351, -0, -0, 2147483650, 2147483649] | [false, true, true, true, false, false, false, true, true, false, false]
-4294967295 | [-4294967294, -4294966295, -4294967294.5, -4294967292, -4294967296, -4294968295, -4294967298, -8589934590, -12884901885, -2147483647.5, -1431655765, 0, 4, 0, 705, -0, 0, 4294967296, 4294967295] | [-4294967294, -4294966295, -4294967294.5, -4294967298, -4294967296, -4294968295, -4294967292, -8589934590, 12884901885, -2147483647.5, 1431655765, 0, 4, 0, 705, -0, 0, 4294967296, 4294967295] | [-4294967294, -4294966295, -4294967294.5, -4294967294.25, -4294967296, -4294968295, -4294967295.75, -8589934590, -3221225471.25, -2147483647.5, -5726623060, 0, 4, 0, 705, -0, -0, 4294967296, 4294967295] | [false, true, true, true, false, false, false, true, true, false, false]
-4294967296 | [-4294967295, -4294966296, -4294967295.5, -4294967293, -4294967297, -4294968296, -4294967299, -8589934592, -12884901888, -2147483648, -1431655765.3333, 2, 3, 254, 704, -0, 2, 4294967297, 4294967296] | [-4294967295, -4294966296, -4294967295.5, -4294967299, -4294967297, -4294968296, -4294967293, -8589934592, 12884901888, -2147483648, 1431655765.3333, 2, 3, 254, 704, -0, -1, 4294967297, 4294967296] | [-4294967295, -4294966296, -4294967295.5, -4294967295.25, -4294967297, -4294968296, -4294967296.75, -8589934592, -3221225472, -2147483648, -5726623061.3333, 2, 3, 254, 704, -0, 0.5, 4294967297, 4294967296] | [false, true, true, true, false, false, false, true, true, false, false]
-4294967297 | [-4294967296, -4294966297, -4294967296.5, -4294967294, -4294967298, -4294968297, -4294967300, -8589934594, -12884901891, -2147483648.5, -1431655765.6667, 1, 2, 253, 703, -0, 1, 4294967298, 4294967297] | [-4294967296, -4294966297, -4294967296.5, -4294967300, -4294967298, -4294968297, -4294967294, -8589934594, 12884901891, -2147483648.5, 1431655765.6667, 1, 2, 253, 703, -0, -2, 4294967298, 4294967297] | [-4294967296, -4294966297, -4294967296.5, -4294967296.25, -4294967298, -4294968297, -4294967297.75, -8589934594, -3221225472.75, -2147483648.5, -5726623062.6667, 1, 2, 253, 703, -0, 0.25, 4294967298, 4294967297] | [false, true, true, true, false, false, false, true, true, false, false]
9.007199254741e+15 | [9.007199254741e+15, 9.007199254742e+15, 9.007199254741e+15, 9.007199254741e+15, 9.007199254741e+15, 9.00719925474e+15, 9.007199254741e+15, 1.8014398509482e+16, 2.7021597764223e+16, 4.5035996273705e+15, 3.0023997515803e+15, 1, 3, 31, 991, 0, 1, -9.007199254741e+15, -9.007199254741e+15] | [9.007199254741e+15, 9.007199254742e+15, 9.007199254741e+15, 9.007199254741e+15, 9.007199254741e+15, 9.00719925474e+15, 9.007199254741e+15, 1.8014398509482e+16, -2.7021597764223e+16, 4.5035996273705e+15, -3.0023997515803e+15, 1, 3, 31, 991, 0, -2, -9.007199254741e+15, -9.007199254741e+15] | [9.007199254741e+15, 9.007199254742e+15, 9.007199254741e+15, 9.007199254741e+15, 9.007199254741e+15, 9.00719925474e+15, 9.007199254741e+15, 1.8014398509482e+16, 6.7553994410557e+15, 4.5035996273705e+15, 1.2009599006321e+16, 1, 3, 31, 991, 0, 0.25, -9.007199254741e+15, -9.007199254741e+15] | [false, true, false, false, true, true, false, false, false, true, true]
1e+17 | [1e+17, 1e+17, 1e+17, 1e+17, 1e+17, 9.9999999999999e+16, 1e+17, 2e+17, 3e+17, 5e+16, 3.3333333333333e+16, 1, 5, 10, 0, 0, 1, -1e+17, -1e+17] | [1e+17, 1e+17, 1e+17, 1e+17, 1e+17, 9.9999999999999e+16, 1e+17, 2e+17, -3e+17, 5e+16, -3.3333333333333e+16, 1, 5, 10, 0, 0, -2, -1e+17, -1e+17] | [1e+17, 1e+17, 1e+17, 1e+17, 1e+17, 9.9999999999999e+16, 1e+17, 2e+17, 7.5e+16, 5e+16, 1.3333333333333e+17, 1, 5, 10, 0, 0, 0.25, -1e+17, -1e+17] | [false, true, false, false, true, true, false, false, false, true, true]
-1e+17 | [-1e+17, -9.9999999999999e+16, -1e+17, -1e+17, -1e+17, -1e+17, -1e+17, -2e+17, -3e+17, -5e+16, -3.3333333333333e+16, 2, 2, 245, -0, -0, 2, 1e+17, 1e+17] | [-1e+17, -9.9999999999999e+16, -1e+17, -1e+17, -1e+17, -1e+17, -1e+17, -2e+17, 3e+17, -5e+16, 3.3333333333333e+16, 2, 2, 245, -0, -0, -1, 1e+17, 1e+17] | [-1e+17, -9.9999999999999e+16, -1e+17, -1e+17, -1e+17, -1e+17, -1e+17, -2e+17, -7.5e+16, -5e+16, -1.3333333333333e+17, 2, 2, 245, -0, -0, 0.5, 1e+17, 1e+17] | [false, true, true, true, false, false, false, true, true, false, false]
1e+308 | [1e+308, 1e+308, 1e+308, 1e+308, 1e+308, 1e+308, 1e+308, inf, inf, 5e+307, 3.3333333333333e+307, 2, 3, 101, 336, 0, 2, -1e+308, -1e+308] | [1e+308, 1e+308, 1e+308, 1e+308, 1e+308, 1e+308, 1e+308, inf, -inf, 5e+307, -3.3333333333333e+307, 2, 3, 101, 336, 0, -1, -1e+308, -1e+308] | [1e+308, 1e+308, 1e+308, 1e+308, 1e+308, 1e+308, 1e+308, inf, 7.5e+307, 5e+307, 1.3333333333333e+308, 2, 3, 101, 336, 0, 0.5, -1e+308, -1e+308] | [false, true, false, false, true, true, false, false, false, true, true]
inf | [inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, nan, nan, nan, nan, nan, nan, -inf, -inf] | [inf, inf, inf, inf, inf, inf, inf, inf, -inf, inf, -inf, nan, nan, nan, nan, nan, nan, -inf, -inf] | [inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, nan, nan, nan, nan, nan, nan, -inf, -inf] | [false, true, false, false, true, true, false, false, false, true, true]
-inf | [-inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, nan, nan, nan, nan, nan, nan, inf, inf] | [-inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, inf, -inf, inf, nan, nan, nan, nan, nan, nan, inf, inf] | [-inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, nan, nan, nan, nan, nan, nan, inf, inf] | [false, true, true, true, false, false, false, true, true, false, false]
nan | [nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan] | [nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan] | [nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan] | [false, true, false, false, false, false, false, false, false, false, false]
1 | [0, 0, 0.5, 7]
-1 | [0, 0, -0.5, -7]
2 | [1, 1, 0.5, 3.5]
-2 | [-1, -1, -1.5, -3.5]
3 | [1, 2, 0.5, 2.3333333333333]
-3 | [-2, -1, -2.5, -2.3333333333333]
0.5 | [0, -0, 0, 14]
-0.5 | [0, -0, 0, -14]
255 | [7, 248, 0.5, 0.027450980392157]
1e+17 | [7, 1e+17, 0.5, 7e-17]
inf | [7, inf, 0.5, 0]
-inf | [-inf, -7, -inf, -0]
nan | [nan, nan, nan, nan]
EOF
rbk run --new pin.rbk
got=$(logs)
expect_eq "$rc" 0 "the table of numbers runs"
expect_eq "$(diff <(printf '%s\n' "$got") "$T/pin.expected" && echo same)" "same" \
  "every operator, in every instruction form, gives the pinned result (floored %, -0, inf, nan, int32/uint32/2^53 edges)"

# ---- failures at the operator --------------------------------------------
# each EXPR is evaluated in f(x=7, z=0, nz=-0, d=5m, zs=0s, s="abc", n=nil, b=true)
fails() {   # fails EXPR MESSAGE
  cat >"$T/e.rbk" <<EOF
fn f(x, z, nz, d, zs, s, n, b) {
  return $1
}
runbook "E" {
  step s { log "\${f(7, 0, 0 * -1, 5m, 0s, "abc", nil, true)}" }
}
EOF
  rbk run --new e.rbk
  expect_match "$rc:$err" "^1:e\\.rbk:2:10: error: $2\$" "$1 fails at the operator: $2"
}
fails 'x / 0' 'division by zero'
fails 'x % 0' 'modulo by zero'
fails 'x / z' 'division by zero'
fails 'x % z' 'modulo by zero'
fails 'x / nz' 'division by zero'
fails 'x % nz' 'modulo by zero'
fails 'd % 0s' 'modulo by zero'
fails 'd / 0' 'division by zero'
fails 'd % zs' 'modulo by zero'
fails 's % 3' 'cannot take the modulo of a string and a number'
fails 's + 1' 'cannot add a string and a number'
fails 'd % 3' 'cannot take the modulo of a duration and a number'
fails 'd - 1' 'cannot subtract a duration and a number'
fails 'n + 1' 'cannot add nil and a number'
fails 'x < s' 'cannot compare a number with a string'
fails 'b - 1' 'cannot subtract a boolean and a number'
fails 'd * d' 'cannot multiply a duration and a duration'

# ---- a number stored over a string; a string over the loop's variable ------
cat >"$T/over.rbk" <<'EOF'
fn g(n) {
  let v = "a string of some length"
  v = n + 1
  let w = "another"
  w = n % 3
  let t = "x"
  for i in range(5) {
    t = "${t}${i}"
    i = "now a string ${i}"
  }
  return "${v} ${w} ${t}"
}
runbook "Over" {
  step s { log "${g(7)}" }
}
EOF
rbk run --new over.rbk
got=$(logs)
expect_eq "$got" "8 1 x01234" "a number result replaces a string, and the loop goes on after its variable held one"

# ---- counted loops at the edges of exact whole numbers --------------------
cat >"$T/edges.rbk" <<'EOF'
fn count(a, b) {
  let n = 0
  let last = nil
  for i in range(a, b) { n = n + 1
    last = i }
  return "${n}:${last}"
}
runbook "Edges" {
  step s { log "${count(9007199254740989, 9007199254740991)} ${count(0 - 9007199254740991, 0 - 9007199254740989)} ${count(4294967294, 4294967297.5)} ${count(-1.5, 1)}" }
}
EOF
rbk run --new edges.rbk
expect_eq "$(logs)" "2:9.007199254741e+15 2:-9.007199254741e+15 4:4294967297 2:0" "range() counts exactly up to 2^53 and across 2^32"

# ---- MODI against MOD for every divisor ------------------------------------
# x % 1 ... x % 255 with the divisor in the instruction (MODI: its table of
# constants, one per divisor) must equal x % d with the divisor in a
# register (MOD: fmodfloor), at the edges of MODI's integer range
# (-2^32 .. 2^32 - 1) and beyond it; the count of divisors each dividend
# agreed on is logged, and the sums of both sides' remainders.
{
  body=$(for d in $(seq 1 255); do
    printf '  v = x %% %d\n  if v == r(x, %d) { n = n + 1 }\n  s = s + v\n  t = t + r(x, %d)\n' "$d" "$d" "$d"
  done)
  cat <<EOF
fn r(x, d) { return x % d }
fn m(x) {
  let n = 0
  let s = 0
  let t = 0
  let v = nil
$body
  return "\${n} \${s} \${t}"
}
runbook "Modi" {
  step s {
    for x in [0, 1, 254, 255, 256, 65535, 2147483647, 2147483648, 4294967040, 4294967294, 4294967295, 4294967296, 0 - 1, 0 - 255, 0 - 256, 0 - 2147483648, 0 - 2147483649, 0 - 4294967295, 0 - 4294967296, 0 - 4294967297, 9007199254740991, 0 - 9007199254740991, 7.5, 0 - 7.5] {
      log "\${x}: \${m(x)}"
    }
  }
}
EOF
} >"$T/modi.rbk"
rbk run --new modi.rbk
got=$(logs)
expect_eq "$rc" 0 "the divisor table runs"
expect_eq "$(grep -c ': 255 ' <<<"$got"):$(wc -l <<<"$got")" "24:24" "x % C equals x % d for every divisor 1..255 at each of 24 dividends"
expect_eq "$(sed -n 's/^4294967295: 255 \([0-9]*\) .*/\1/p' <<<"$got")" "$(awk 'BEGIN { for (d = 1; d <= 255; d++) s += 4294967295 % d; print s }')" \
  "the remainders of 2^32 - 1 sum as awk computes them"
expect_eq "$(sed -n 's/^-4294967296: 255 \([0-9]*\) .*/\1/p' <<<"$got")" "$(awk 'BEGIN { for (d = 1; d <= 255; d++) { r = -4294967296 % d; if (r < 0) r += d; s += r } print s }')" \
  "the floored remainders of -2^32 sum as awk computes them"

# ---- Ctrl-C and deadlines reach nested short loops -------------------------
# no loop here reaches 4096 iterations, yet the whole runs for ever: the
# step's timeout must still stop it
cat >"$T/nested.rbk" <<'EOF'
fn spin() {
  let s = 0
  for a in range(1000) { for b in range(1000) { for c in range(1000) { for d in range(50) { s = s + d % 7 } } } }
  return s
}
runbook "Nested" {
  step s {
    timeout 1s
    log "${spin()}"
  }
}
EOF
rbk run --new nested.rbk
expect_match "$rc:$err" "^1:.*error: step timed out" "a step timeout stops nested loops of a few iterations each"

[ -f "$T/.crashes" ] && cat "$T/.crashes"
ok "$([ -s "$T/.crashes" ]; [ $? -ne 0 ]; echo $?)" "no run crashed or reported a sanitizer error"
done_testing
