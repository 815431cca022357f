/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Path canonicalisation: relative paths become absolute, symlinks are
 * resolved and ".." is folded, before any path reaches the sandbox.
 */
#ifndef NONO_PATH_H
#define NONO_PATH_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Canonicalises @in.  When the whole path exists, *@out is its realpath(3).
 * Otherwise the longest existing prefix is resolved and the missing rest is
 * appended after folding "." and ".." lexically; *@exists is then false.
 * Returns 0 (caller frees *@out), -EINVAL for an empty path, -ENAMETOOLONG,
 * -ENOMEM, or -errno from the filesystem (EACCES, ELOOP, ENOTDIR).
 */
int nono_path_canon(const char *in, char **out, bool *exists)
    __attribute__((warn_unused_result));

/*
 * nono_path_canon() for many paths that share parent directories (200
 * --read grants of sibling folders): the canonical form of the last parent
 * is remembered in @memo, so a clean absolute path whose last component is
 * not a symlink costs one readlink(2) instead of one per component.  The
 * answer is always nono_path_canon()'s.  Zero @memo before the first call;
 * use it for one planning pass only (it trusts the tree not to change).
 */
struct nono_path_memo {
	char dir[4096];   /* lexical parent of the previous path, or "" */
	char canon[4096]; /* its canonical form */
};

int nono_path_canon_memo(struct nono_path_memo *memo, const char *in,
			 char **out, bool *exists)
    __attribute__((warn_unused_result));

/*
 * Appends the components of @rel to @buf (@size bytes), which holds an
 * absolute path ("/" at least), folding "." and ".." lexically: nothing is
 * resolved.  Returns 0 or -ENAMETOOLONG (then @buf holds a prefix).
 */
int nono_path_fold(char *buf, size_t size, const char *rel)
    __attribute__((warn_unused_result));

#endif
