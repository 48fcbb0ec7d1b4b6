/* inputs.h — turns the paths a user typed into the list of files to ingest.
 *
 * Files are kept as given (so are FIFOs and /dev/stdin-like paths); "-" (standard input) is kept
 * as is; a directory is walked recursively with its entries in natural version order
 * (cowrie.json.2 before cowrie.json.10), skipping dot-files, non-regular files and symlinked
 * directories (never followed, so links cannot make loops). The same file named twice (same
 * device and inode) is listed once, where it first appears.
 */
#ifndef AP_INGEST_INPUTS_H
#define AP_INGEST_INPUTS_H

#include <stddef.h>
#include "actorprint.h"

/* Expands paths[0..n). A path that does not exist, or a directory that cannot be opened, is
 * reported through on_diag (reason "open_error", AP_SEV_ERROR), counted in *nerrors and left
 * out; the rest is still expanded.
 *
 * Return values: AP_OK with *out (caller frees with ap_inputs_free) and *nout set, even when
 * *nerrors > 0; AP_ERR_ARG for NULL arguments; AP_ERR_NOMEM (then *out is NULL, *nout 0). */
ap_status ap_inputs_expand(const char *const *paths, size_t n, ap_diag_fn on_diag, void *user,
                           char ***out, size_t *nout, size_t *nerrors);
/* As ap_inputs_expand, but files found inside directories are taken only when their name
 * matches the fnmatch(3) `pattern` (NULL = every file). Files named explicitly are always taken:
 * a Cowrie log folder also holds cowrie.log, tty/ and downloads/, which are not JSON logs. */
ap_status ap_inputs_expand_matching(const char *const *paths, size_t n, const char *pattern,
                                    ap_diag_fn on_diag, void *user, char ***out, size_t *nout,
                                    size_t *nerrors);
void ap_inputs_free(char **list, size_t n);

/* Natural version order of two names: runs of digits compare by value, the rest bytewise.
 * Returns <0, 0 or >0 like strcmp. */
int ap_natural_compare(const char *a, const char *b);

#endif
