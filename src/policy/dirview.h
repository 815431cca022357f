/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where protected names exist below a directory ($HOME), found from a few
 * directory listings instead of one lstat and one realpath per name: ~60
 * credential, history and rc names are checked on every start, and most do
 * not exist.
 */
#ifndef NONO_POLICY_DIRVIEW_H
#define NONO_POLICY_DIRVIEW_H

struct dirview;

/* A view of @root (need not exist); NULL only when out of memory. */
struct dirview *dirview_new(const char *root);
void dirview_free(struct dirview *v);

/*
 * The canonical path of @root/@rel (@rel relative, no "." or ".."
 * components) when it exists, else NULL; the caller frees it.  Names whose
 * path crosses a symlink, or a listing that could not be read, take the
 * slow way (lstat, realpath), so the answer is the same either way.
 */
char *dirview_locate(struct dirview *v, const char *rel);

/* The canonical path of the root, or NULL when it does not resolve. */
const char *dirview_root(const struct dirview *v);

#endif
