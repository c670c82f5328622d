/*
** lint_sarif.h -- lint findings as SARIF 2.1.0 (`rbk lint --format sarif`):
** URIs relative to the repository root (%SRCROOT%), a helpUri per rule
** into docs/lint.md, and partialFingerprints that survive lines moving.
*/
#ifndef RBK_LINT_SARIF_H
#define RBK_LINT_SARIF_H

#include "../base/buf.h"
#include "lint.h"

/* lint_sarif appends the SARIF log of every finding in l to b. */
void lint_sarif(const Lint *l, Buf *b);

#endif
