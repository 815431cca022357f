/* SPDX-License-Identifier: Apache-2.0 */
/* What several unit tests share: removing their scratch trees. */
#ifndef NONO_TESTS_TESTUTIL_H
#define NONO_TESTS_TESTUTIL_H

#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>

static int test_rm_one(const char *p, const struct stat *st, int flag,
		       struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

/* rm -rf @root (links are removed, never followed).  0 or -1. */
static inline int test_rm_tree(const char *root)
{
	return nftw(root, test_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
