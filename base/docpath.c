/*
** docpath.c -- where rbk's documentation is (see docpath.h).
*/
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "docpath.h"

int doc_path(const char *name, Buf *out) {
  static const char *const places[] = {"/../share/doc/rbk/", "/../docs/"};
  char self[PATH_MAX], real[PATH_MAX], *slash;
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  size_t i;
  if (n <= 0) return -1;
  self[n] = '\0';
  slash = strrchr(self, '/');
  if (!slash) return -1;
  *slash = '\0';   /* the binary's directory */
  for (i = 0; i < sizeof places / sizeof *places; i++) {
    Buf p = BUF_INIT;
    int found;
    buf_printf(&p, "%s%s%s", self, places[i], name);
    found = realpath(buf_cstr(&p), real) != NULL && access(real, R_OK) == 0;
    buf_free(&p);
    if (found) {
      buf_puts(out, real);
      return 0;
    }
  }
  return -1;
}
