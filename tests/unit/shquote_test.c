/*
** shquote_test.c -- sh_scan: the context an interpolated value lands in,
** after literal command text read as the shell reads it. The scan skips
** runs of bytes that cannot change its state at once; these cases put
** each byte that can (quotes, $, \, `, #, ( ), <<, newline) after long
** plain runs, inside each context, and across the pieces of a template.
*/
#include <stdlib.h>

#include "../../base/shquote.h"
#include "unit.h"

/* scan runs the pieces (NULL-terminated) through one scan. */
static ShScan scan(const char *const *pieces) {
  ShScan st;
  sh_scan_init(&st);
  for (; *pieces; pieces++) sh_scan(&st, *pieces, strlen(*pieces));
  return st;
}

static void ctx_is(const char *text, int want, const char *what) {
  const char *pieces[] = {text, NULL};
  ShScan st = scan(pieces);
  CHECK(st.ctx == want, "%s (got %d, want %d)", what, st.ctx, want);
}

static void unsafe_why(const char *text, const char *why, const char *what) {
  const char *pieces[] = {text, NULL};
  ShScan st = scan(pieces);
  CHECK(st.ctx == SHQ_UNSAFE && st.why && strcmp(st.why, why) == 0, "%s (why: %s)", what,
        st.why ? st.why : "(none)");
}

int main(void) {
  ctx_is("", SHQ_BARE, "nothing read: outside quotes");
  ctx_is("kubectl -n billing set image deploy/api-1 api=registry/api:", SHQ_BARE,
         "a long plain run stays outside quotes");
  ctx_is("echo 'it is a long single-quoted text: ", SHQ_SINGLE, "a long run inside '...'");
  ctx_is("echo 'no $(expansion) or \"quotes\" or `ticks` in here ", SHQ_SINGLE,
         "inside '...' only ' matters");
  ctx_is("echo 'closed' and then plain ", SHQ_BARE, "a ' after a plain run closes '...'");
  ctx_is("echo \"a long double-quoted text with 'single' quotes: ", SHQ_DOUBLE,
         "inside \"...\", ' is plain");
  ctx_is("echo \"closed\" then ", SHQ_BARE, "a \" after a plain run closes \"...\"");
  ctx_is("echo \"escaped \\\" quote ", SHQ_DOUBLE, "a \\\" inside \"...\" does not close it");
  ctx_is("echo plain\\'still plain ", SHQ_BARE, "a \\' outside quotes is not a quote");
  ctx_is("echo $(cat 'file' ", SHQ_BARE, "$( starts afresh outside quotes");
  ctx_is("echo \"$(printf '%s ", SHQ_SINGLE, "a ' inside $( inside \"...\" opens '...'");
  ctx_is("echo \"$(printf x) back in double ", SHQ_DOUBLE, "the ) of $( returns to \"...\"");
  ctx_is("echo $( (cd /tmp) && ls) done ", SHQ_BARE, "a ( ) pair inside $( ) does not close it");
  ctx_is("echo caf\xc3\xa9 \xe2\x82\xac ", SHQ_BARE, "bytes of 8 bits are plain");
  ctx_is("cat <<EOF\nbody line\nEOF\necho ", SHQ_BARE, "a here-document ends at its delimiter line");
  ctx_is("cat <<<word; echo ", SHQ_BARE, "<<< is a here-string, not a here-document");
  unsafe_why("cat <<EOF\nbody line with plain text ", "a here-document", "inside a here-document body");
  unsafe_why("cat <<-'END'\n\tline\n", "a here-document", "<<- with a quoted delimiter: still in the body");
  unsafe_why("ls # a comment with plain text ", "a shell comment", "a # at a word start begins a comment");
  ctx_is("ls # comment\necho ", SHQ_BARE, "a comment ends at the newline");
  ctx_is("echo a#b ", SHQ_BARE, "a # inside a word is plain");
  unsafe_why("echo `date +", "`...` (write $(...) instead)", "inside backquotes");
  unsafe_why("echo \"${HOME:-", "${...}", "inside ${...}");
  unsafe_why("echo $((1 + ", "$((...))", "inside $((...))");
  ctx_is("echo $((1 + 2)) then ", SHQ_BARE, "$((...)) ends at ))");
  ctx_is("echo \"${HOME} and ", SHQ_DOUBLE, "${...} returns to \"...\"");
  {
    const char *pieces[] = {"echo 'first piece ", "second piece' third piece ", NULL};
    ShScan st = scan(pieces);
    CHECK(st.ctx == SHQ_BARE, "a quote opened in one piece closes in the next");
  }
  {
    const char *pieces[] = {"cat <<E", "OF\nx\nEOF\n", NULL};
    ShScan st = scan(pieces);
    CHECK(st.ctx == SHQ_BARE, "a delimiter split across pieces is read whole");
  }
  {
    const char *pieces[] = {"echo $", "(ls) \"", NULL};
    ShScan st = scan(pieces);
    CHECK(st.ctx == SHQ_DOUBLE && st.depth == 0, "a $ at a piece's end does not start $( in the next");
  }
  {
    /* a long plain run (more than a word) ends exactly where the special byte is */
    char buf[300];
    ShScan st;
    memset(buf, 'x', sizeof buf);
    buf[200] = '\'';
    sh_scan_init(&st);
    sh_scan(&st, buf, 201);
    CHECK(st.ctx == SHQ_SINGLE, "a quote after 200 plain bytes opens '...'");
    sh_scan(&st, buf, 200);
    CHECK(st.ctx == SHQ_SINGLE && st.prev == 'x', "200 more plain bytes stay inside, prev is the last");
    sh_scan(&st, buf + 200, 1);
    CHECK(st.ctx == SHQ_BARE, "and the next quote closes it");
  }
  UNIT_DONE();
}
