/*
** imports.h -- a runbook and the files it imports (`import "lib.rbk"`),
** read into one tree over one bundle text (base/source.h).
*/
#ifndef RBK_IMPORTS_H
#define RBK_IMPORTS_H

#include "../base/diag.h"
#include "ast.h"
#include "parse.h"

/* The most files one runbook may import, directly or not. */
#define IMPORTS_MAX 256

/* imports_parse parses ast->src as a file, as parse_source does, and then
** the files it imports: each path is tried relative to the importing
** file's directory, then in each directory of RBK_PATH (colon separated).
** When there is any, ast->src becomes the bundle of the runbook and its
** imports, and each imported file's functions and externs join the top of
** the tree, its roles, probes and notifiers the runbook block, where the
** checker sees them as its own. A source that is a bundle already (a .rbc's,
** a run's copy) is read from itself, with no file opened. A missing file,
** a cycle and an imported file holding what a library may not are located
** errors. Returns 0, or -1 if any error was reported. */
int imports_parse(Ast *ast, Diags *d);

/* imports_parse_stmts parses REPL input (parse_source's PARSE_STMTS) and
** what its imports bring: their functions, found as from a file in the
** current directory, join the input's statements, so a REPL input's
** source may become a bundle too. A library's roles, probes and notifiers
** are refused at the REPL. Returns 0 or -1. */
int imports_parse_stmts(Ast *ast, Diags *d, ParseResult *res);

#endif
