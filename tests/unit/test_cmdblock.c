// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of the deprecated start-up command blocklist: a table of
 * (command, allow list, block list -> blocked, by default).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "policy/cmdblock.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static char *const allow_rm[] = {(char *)"rm"};
static char *const allow_path_rm[] = {(char *)"/usr/bin/rm"};
static char *const allow_mkfs_ext4[] = {(char *)"mkfs.ext4"};
static char *const block_ls[] = {(char *)"ls", (char *)"curl"};
static char *const block_rm[] = {(char *)"rm"};

struct row {
	const char *cmd;
	char *const *allow;
	size_t nallow;
	char *const *block;
	size_t nblock;
	bool blocked;
	bool by_default;
};

#define NONE NULL, 0
#define LIST(l) l, ARRAY_SIZE(l)

/* clang-format off */
static const struct row rows[] = {
	/* the default list, by base name */
	{"rm", NONE, NONE, true, true},
	{"/usr/bin/rm", NONE, NONE, true, true},
	{"./rm", NONE, NONE, true, true},
	{"dd", NONE, NONE, true, true},
	{"sudo", NONE, NONE, true, true},
	{"mkfs", NONE, NONE, true, true},
	{"mkfs.ext4", NONE, NONE, true, true},
	{"/sbin/mkfs.xfs", NONE, NONE, true, true},
	/* not on it: look-alikes and ordinary commands */
	{"ls", NONE, NONE, false, false},
	{"/usr/bin/ls", NONE, NONE, false, false},
	{"rmx", NONE, NONE, false, false},
	{"xrm", NONE, NONE, false, false},
	{"RM", NONE, NONE, false, false},
	{"mkfsx", NONE, NONE, false, false},
	{"/usr/rm/ls", NONE, NONE, false, false},
	{"git", NONE, NONE, false, false},
	/* --allow-command lifts a default */
	{"rm", LIST(allow_rm), NONE, false, false},
	{"/bin/rm", LIST(allow_rm), NONE, false, false},
	{"rm", LIST(allow_path_rm), NONE, false, false},
	{"mkfs.ext4", LIST(allow_mkfs_ext4), NONE, false, false},
	{"mkfs.xfs", LIST(allow_mkfs_ext4), NONE, true, true},
	{"dd", LIST(allow_rm), NONE, true, true},
	/* --block-command adds names, and wins over --allow-command */
	{"ls", NONE, LIST(block_ls), true, false},
	{"/usr/bin/curl", NONE, LIST(block_ls), true, false},
	{"cat", NONE, LIST(block_ls), false, false},
	{"rm", LIST(allow_rm), LIST(block_rm), true, false},
	{"rm", NONE, LIST(block_rm), true, false},
};
/* clang-format on */

static void test_table(void **state)
{
	size_t i;
	bool by_default, blocked;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		by_default = !rows[i].by_default;
		blocked = nono_cmd_blocked(rows[i].cmd, rows[i].allow,
					   rows[i].nallow, rows[i].block,
					   rows[i].nblock, &by_default);
		if (blocked != rows[i].blocked ||
		    by_default != rows[i].by_default)
			fail_msg("row %zu (%s): blocked %d by_default %d, "
				 "want %d %d",
				 i, rows[i].cmd, blocked, by_default,
				 rows[i].blocked, rows[i].by_default);
	}
}

static void test_default_list(void **state)
{
	bool by_default;
	size_t i;

	(void)state;
	assert_true(nono_cmd_default_count() > 0);
	for (i = 0; i < nono_cmd_default_count(); i++) {
		const char *n = nono_cmd_default_at(i);

		assert_non_null(n);
		assert_null(strchr(n, '/'));
		/* Every listed name is blocked by default. */
		by_default = false;
		assert_true(nono_cmd_blocked(n, NULL, 0, NULL, 0, &by_default));
		assert_true(by_default);
	}
	assert_null(nono_cmd_default_at(nono_cmd_default_count()));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_default_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
