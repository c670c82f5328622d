/*
** buf_test.c -- buf_visible and buf_add_text: what a command's output
** looks like on a terminal, and texts that hold a NUL.
*/
#include "../../base/buf.h"
#include "unit.h"

static void vis(const char *s, size_t n, int flags, const char *want, const char *what) {
  Buf b = BUF_INIT;
  buf_visible(&b, s, n, flags);
  CHECK_STREQ(buf_cstr(&b), want, "%s", what);
  buf_free(&b);
}

int main(void) {
  Buf b = BUF_INIT;
  vis("plain text", 10, 0, "plain text", "printable ASCII is kept");
  vis("a\tb", 3, 0, "a\tb", "a tab is kept");
  vis("x\033[31mRED\033[0m", 13, 0, "x\\x1b[31mRED\\x1b[0m", "ESC is shown as \\x1b");
  vis("a\0b", 3, 0, "a\\x00b", "NUL is shown as \\x00 and the text goes on");
  vis("a\nb", 3, 0, "a\\nb", "a newline is shown as \\n");
  vis("a\nb", 3, BUF_VIS_NL, "a\nb", "with BUF_VIS_NL it is kept");
  vis("a\rb\x7f", 4, 0, "a\\x0db\\x7f", "CR and DEL are escaped");
  vis("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14, 0, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
      "valid UTF-8 (2, 3 and 4 bytes) is kept");
  vis("\xc2\x9b" "2J", 4, 0, "\\u009b2J", "a C1 control (CSI, U+009B) is escaped");
  vis("\xff\xc3", 2, 0, "\\xff\\xc3", "bytes that are not UTF-8 (and a cut sequence) are escaped");
  vis("\xed\xa0\x80", 3, 0, "\\xed\\xa0\\x80", "an encoded surrogate is not valid UTF-8");
  vis("\xc0\xaf", 2, 0, "\\xc0\\xaf", "an overlong form is not valid UTF-8");
  vis("", 0, 0, "", "empty is empty");
  buf_add_text(&b, "p\0q\0", 4);
  CHECK(b.n == 10 && strcmp(buf_cstr(&b), "p\\x00q\\x00") == 0, "buf_add_text writes each NUL as \\x00 (%s)",
        buf_cstr(&b));
  buf_free(&b);
  UNIT_DONE();
}
