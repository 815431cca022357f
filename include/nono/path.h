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
 * Appends the components of @rel to @buf (@size bytes), which holds an
 * absolute path ("/" at least), folding "." and ".." lexically: nothing is
 * resolved.  Returns 0 or -ENAMETOOLONG (then @buf holds a prefix).
 */
int nono_path_fold(char *buf, size_t size, const char *rel)
    __attribute__((warn_unused_result));

#endif
