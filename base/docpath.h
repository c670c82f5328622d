/*
** docpath.h -- where rbk's documentation is, found from the running
** binary: PREFIX/share/doc/rbk/ beside an installed PREFIX/bin/rbk (make
** install puts it there), or the source tree's docs/ beside a binary in
** a build directory (build/rbk). Used for links that must lead to a file
** that exists, such as the helpUri of rbk lint's SARIF rules.
*/
#ifndef RBK_DOCPATH_H
#define RBK_DOCPATH_H

#include "buf.h"

/* doc_path appends the absolute path of the documentation file name (for
** example "lint.md") to out and returns 0, or returns -1 if neither place
** holds it. */
int doc_path(const char *name, Buf *out);

#endif
