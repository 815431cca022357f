// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of the directory view that finds protected names under a fake
 * home (a temporary tree under /tmp): real entries come from the listings,
 * symlinked ones resolve to their target, absent ones are absent, and the
 * answers equal realpath(3)'s.
 */
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include "policy/dirview.h"

static char root[PATH_MAX]; /* canonical */

static void mk(const char *rel, char kind, const char *target)
{
	char p[PATH_MAX];
	FILE *f;

	assert_true(snprintf(p, sizeof(p), "%s/%s", root, rel) < PATH_MAX);
	switch (kind) {
	case 'd':
		assert_int_equal(mkdir(p, 0700), 0);
		break;
	case 'f':
		f = fopen(p, "w");
		assert_non_null(f);
		fclose(f);
		break;
	default:
		assert_non_null(target);
		assert_int_equal(symlink(target ? target : "", p), 0);
	}
}

static int setup(void **state)
{
	char tmpl[] = "/tmp/nono-dirview-XXXXXX";
	char *r;

	(void)state;
	if (!mkdtemp(tmpl))
		return -1;
	r = realpath(tmpl, NULL);
	if (!r)
		return -1;
	assert_true(snprintf(root, sizeof(root), "%s", r) < PATH_MAX);
	free(r);
	mk("home", 'd', NULL);
	mk("home/.ssh", 'd', NULL);
	mk("home/.netrc", 'f', NULL);
	mk("home/.config", 'd', NULL);
	mk("home/.config/gh", 'd', NULL);
	mk("elsewhere", 'd', NULL);
	mk("elsewhere/aws", 'd', NULL);
	mk("elsewhere/local", 'd', NULL);
	mk("elsewhere/local/share", 'd', NULL);
	mk("elsewhere/local/share/keyrings", 'd', NULL);
	mk("home/.aws", 'l', "../elsewhere/aws");
	mk("home/.local", 'l', "../elsewhere/local");
	mk("home/.dangling", 'l', "../nowhere");
	mk("home/notadir", 'f', NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return test_rm_tree(root);
}

/* dirview_locate(home, rel) must be @want_rel under root, or NULL. */
static void expect(struct dirview *v, const char *rel, const char *want_rel)
{
	char want[PATH_MAX];
	char *got = dirview_locate(v, rel);

	if (!want_rel) {
		if (got)
			fail_msg("%s: got %s, want nothing", rel, got);
		return;
	}
	assert_true(snprintf(want, sizeof(want), "%s/%s", root, want_rel) <
		    PATH_MAX);
	if (!got || strcmp(got, want) != 0)
		fail_msg("%s: got %s, want %s", rel, got ? got : "(null)",
			 want);
	free(got);
}

static void test_locate(void **state)
{
	char home[PATH_MAX];
	struct dirview *v;

	(void)state;
	assert_true(snprintf(home, sizeof(home), "%s/home", root) < PATH_MAX);
	v = dirview_new(home);
	assert_non_null(v);
	expect(v, ".ssh", "home/.ssh");
	expect(v, ".netrc", "home/.netrc");
	expect(v, ".config/gh", "home/.config/gh");
	expect(v, ".gnupg", NULL);
	expect(v, ".config/op", NULL);
	expect(v, ".cargo/credentials", NULL);
	/* Through symlinks: the target, as the kernel would open it. */
	expect(v, ".aws", "elsewhere/aws");
	expect(v, ".local/share/keyrings", "elsewhere/local/share/keyrings");
	expect(v, ".local/share/kwalletd", NULL);
	expect(v, ".dangling", NULL);
	/* A file is not a directory. */
	expect(v, "notadir/x", NULL);
	dirview_free(v);
}

static void test_home_via_symlink(void **state)
{
	char link[PATH_MAX], target[PATH_MAX];
	struct dirview *v;

	(void)state;
	assert_true(snprintf(link, sizeof(link), "%s/homelink", root) <
		    PATH_MAX);
	assert_true(snprintf(target, sizeof(target), "%s/home", root) <
		    PATH_MAX);
	assert_int_equal(symlink(target, link), 0);
	v = dirview_new(link);
	assert_non_null(v);
	/* Canonical answers, whatever way $HOME was spelled. */
	expect(v, ".ssh", "home/.ssh");
	expect(v, ".aws", "elsewhere/aws");
	dirview_free(v);
	unlink(link);
}

static void test_missing_home(void **state)
{
	char home[PATH_MAX];
	struct dirview *v;

	(void)state;
	assert_true(snprintf(home, sizeof(home), "%s/no-such-home", root) <
		    PATH_MAX);
	v = dirview_new(home);
	assert_non_null(v);
	expect(v, ".ssh", NULL);
	dirview_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_locate),
	    cmocka_unit_test(test_home_via_symlink),
	    cmocka_unit_test(test_missing_home),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
