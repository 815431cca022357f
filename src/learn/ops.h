/* SPDX-License-Identifier: Apache-2.0 */
/* What nono learn saw a traced call do to a path. */
#ifndef NONO_LEARN_OPS_H
#define NONO_LEARN_OPS_H

/* What a traced call did to a path. */
enum {
	LEARN_READ = 1u << 0,  /* opened for reading */
	LEARN_WRITE = 1u << 1, /* opened for writing, truncated, changed */
	LEARN_EXEC = 1u << 2,  /* executed (or mapped to run) */
	LEARN_LIST = 1u << 3,  /* a directory's entries read */
	LEARN_MAKE = 1u << 4,  /* created, removed or renamed (in its parent) */
	LEARN_STAT = 1u << 5,  /* metadata alone: stat, access, readlink */
};

#endif
