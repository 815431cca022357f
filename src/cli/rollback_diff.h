/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nono rollback show --diff: a change to a text file as a unified diff,
 * content from the object store (diff(1) does the comparing; every byte
 * it prints is made safe for a terminal first: the content is the
 * sandboxed command's).
 */
#ifndef NONO_CLI_ROLLBACK_DIFF_H
#define NONO_CLI_ROLLBACK_DIFF_H

#include <stdio.h>

#include "rollback/manifest.h"
#include "rollback/objects.h"

/* Files larger than this are not shown; nor is a diff past the second. */
#define ROLLBACK_DIFF_MAX (1 << 20)
#define ROLLBACK_DIFF_OUT (256 * 1024)

/* Writes the diff of @path from @from to @to (either NULL: created or
 * deleted) to @f, indented; nothing when neither is a regular file.
 * 0, or -1 when diff(1) could not run (said on @f). */
int rollback_diff(FILE *f, struct nono_rb_store *st, const char *path,
		  const struct nono_rb_entry *from,
		  const struct nono_rb_entry *to);

#endif
