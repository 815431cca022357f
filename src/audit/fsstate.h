/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --audit-integrity: the state of the tracked writable trees as one
 * RFC 9162 Merkle root per tree, taken before the command starts and after
 * every process of it has gone.  Each entry of a tree (directories
 * included, sorted by relative path, no symlink followed) is a leaf:
 *   relpath 0x00 type 0x00 mode 0x00 digest
 * type: "d" directory, "f" regular file, "l" symlink, "o" anything else;
 * mode: octal permission bits; digest: the file's SHA-256 in hex, the
 * link's target, or "" (docs/audit.md).  A file that cannot be read, or
 * past the budget of 8 GiB hashed per tree, stands as "unreadable" or
 * "unhashed" with its size and change time, and the tree is marked
 * incomplete.
 */
#ifndef NONO_AUDIT_FSSTATE_H
#define NONO_AUDIT_FSSTATE_H

#include <stddef.h>

/* The roots of @paths (@n trees) as a JSON object {"PATH": {"root": HEX,
 * "entries": N, "bytes": B} or {"error": "..."}}: a string to free(), or
 * NULL when out of memory. */
char *nono_fs_state(char *const *paths, size_t n);

#endif
