/*
** params.h -- `--param-file FILE`, shared by the commands that take
** `--param` (run, resume, plan, repl, undo, watch): the file's entries
** join the --param ones (a --param of the same name wins), and a key the
** runbook does not declare is an error at its place in the file.
*/
#ifndef RBK_PARAMS_H
#define RBK_PARAMS_H

#include "../base/paramfile.h"
#include "../vm/program.h"

/* cli_param_file loads FILE for command cmd; on error it prints it and
** returns EXIT_USAGE, else 0. Several files may be given: a later one's
** key wins over an earlier one's. */
int cli_param_file(const char *cmd, ParamFile *pf, const char *path);
/* cli_params_join returns new arrays (mem_alloc'd; the caller frees
** them) holding pf's entries that no --param overrides, then the nkv
** --param entries, with room for `room` more; *nkv becomes the total. */
void cli_params_join(const ParamFile *pf, const char *const *keys, const char *const *vals, int *nkv, int room,
                     const char ***okeys, const char ***ovals);
/* cli_params_check prints an error for each key of pf that is not one of
** the n names (with the nearest one as a hint); returns EXIT_USAGE if
** there was one, else 0. */
int cli_params_check(const ParamFile *pf, const char *const *names, size_t n);
/* cli_params_check_program is cli_params_check against p's params. */
int cli_params_check_program(const ParamFile *pf, const Program *p);

#endif
