/*
** modules.h -- the stdlib modules written in rbk (stdlib/NAME.rbk), embedded
** in the binary when it is built (stdlib/embed.sh writes the table into
** BUILD/gen/modules.c), so an installed rbk needs no files beside it.
** Pure data: the compiler reads it to compile a module into a program
** that calls one of its builtins (compiler/modules.def).
*/
#ifndef RBK_MODULES_H
#define RBK_MODULES_H

#include <stddef.h>

/* stdlib_module_text returns the source of module name ("sqlite") and
** its length in *len, or NULL if there is no such module. */
const char *stdlib_module_text(const char *name, size_t *len);

#endif
