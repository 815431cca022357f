// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of nono_path_canon in a temporary tree under /tmp: existing and
 * relative paths, "..", symlinks resolved to their targets, a missing tail
 * folded lexically behind a resolved prefix, and the error codes.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
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

#include "nono/path.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct tree {
	char tmp[64];        /* as mkdtemp returned it */
	char base[PATH_MAX]; /* its realpath */
	int cwd;             /* to restore the working directory */
};

/* Writes base/@rel into @out; false when it does not fit. */
static bool path_of(char *out, const struct tree *t, const char *rel)
{
	int r = snprintf(out, PATH_MAX, "%s/%s", t->base, rel);

	return r > 0 && r < PATH_MAX;
}

/*
 * base/dir/sub/    base/dir/file    base/link -> dir (relative)
 * base/abslink -> base/dir/sub      base/flink -> dir/file
 * base/loop -> loop                 base/dangling -> nowhere
 */
static int make_tree(const struct tree *t)
{
	/* clang-format off */
	static const struct {
		const char *rel;
		const char *target; /* NULL: directory; "": empty file */
		bool abs;           /* target is relative to base */
	} ents[] = {
		{"dir", NULL, false},
		{"dir/sub", NULL, false},
		{"dir/file", "", false},
		{"link", "dir", false},
		{"abslink", "dir/sub", true},
		{"flink", "dir/file", false},
		{"loop", "loop", false},
		{"dangling", "nowhere", false},
	};
	/* clang-format on */
	char p[PATH_MAX], q[PATH_MAX];
	size_t i;
	int fd;

	for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++) {
		if (!path_of(p, t, ents[i].rel))
			return -1;
		if (!ents[i].target) {
			if (mkdir(p, 0755) < 0)
				return -1;
		} else if (!ents[i].target[0]) {
			fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
			if (fd < 0)
				return -1;
			close(fd);
		} else if (ents[i].abs) {
			if (!path_of(q, t, ents[i].target) || symlink(q, p) < 0)
				return -1;
		} else if (symlink(ents[i].target, p) < 0) {
			return -1;
		}
	}
	return 0;
}

static int setup_tree(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	snprintf(t->tmp, sizeof(t->tmp), "/tmp/nono-test-path-XXXXXX");
	if (!mkdtemp(t->tmp) || !realpath(t->tmp, t->base) ||
	    make_tree(t) < 0) {
		free(t);
		return -1;
	}
	t->cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->cwd < 0) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int teardown_tree(void **state)
{
	struct tree *t = *state;
	int r;

	r = fchdir(t->cwd);
	close(t->cwd);
	if (r == 0)
		r = test_rm_tree(t->base);
	free(t);
	return r;
}

static void join(char *out, const struct tree *t, const char *rel)
{
	assert_true(path_of(out, t, rel));
}

/* Canonicalises @in and checks the result against base/@want_rel (or the
 * absolute @want_rel when it starts with '/'). */
static void check(const struct tree *t, const char *in, const char *want_rel,
		  bool want_exists)
{
	char want[PATH_MAX];
	char *out = (char *)"sentinel";
	bool exists = !want_exists;
	int r;

	if (want_rel[0] == '/')
		snprintf(want, sizeof(want), "%s", want_rel);
	else if (want_rel[0] == '\0')
		snprintf(want, sizeof(want), "%s", t->base);
	else
		join(want, t, want_rel);
	r = nono_path_canon(in, &out, &exists);
	if (r != 0)
		fail_msg("canon(%s) = %d", in, r);
	assert_non_null(out);
	if (strcmp(out, want) != 0)
		fail_msg("canon(%s) = %s, want %s", in, out, want);
	if (exists != want_exists)
		fail_msg("canon(%s): exists %d, want %d", in, exists,
			 want_exists);
	free(out);
}

/* Like check() for an input relative to base. */
static void check_in(const struct tree *t, const char *in_rel,
		     const char *want_rel, bool want_exists)
{
	char in[PATH_MAX];

	join(in, t, in_rel);
	check(t, in, want_rel, want_exists);
}

static void check_err(const char *in, int want)
{
	char *out = (char *)"sentinel";
	bool exists = true;
	int r;

	r = nono_path_canon(in, &out, &exists);
	if (r != want)
		fail_msg("canon(%.60s...) = %d, want %d", in ? in : "(null)", r,
			 want);
	assert_null(out);
	assert_false(exists);
}

static void test_existing(void **state)
{
	const struct tree *t = *state;

	check(t, t->base, "", true);
	/* The mkdtemp name resolves to the same place. */
	check(t, t->tmp, "", true);
	check_in(t, "dir", "dir", true);
	check_in(t, "dir/file", "dir/file", true);
	check_in(t, "dir//sub/", "dir/sub", true);
	check_in(t, "./dir/./sub", "dir/sub", true);
	check(t, "/", "/", true);
	check(t, "//", "/", true);
	/* A leading "//" means "/" whatever the C library's realpath(). */
	check(t, "//etc", "/etc", true);
	check(t, "//nono-no-such-dir/x", "/nono-no-such-dir/x", false);
}

static void test_dotdot(void **state)
{
	const struct tree *t = *state;

	check_in(t, "dir/sub/..", "dir", true);
	check_in(t, "dir/sub/../../dir/file", "dir/file", true);
	check(t, "/..", "/", true);
	check(t, "/../../..", "/", true);
}

static void test_relative(void **state)
{
	const struct tree *t = *state;

	assert_int_equal(chdir(t->base), 0);
	check(t, "dir", "dir", true);
	check(t, ".", "", true);
	check(t, "dir/sub/../file", "dir/file", true);
	check(t, "missing", "missing", false);
	check(t, "dir/missing/deeper", "dir/missing/deeper", false);
	check(t, "./missing/../dir/new", "dir/new", false);
	assert_int_equal(chdir("dir/sub"), 0);
	check(t, "..", "dir", true);
	check(t, "../../link/new", "dir/new", false);
}

static void test_symlinks(void **state)
{
	const struct tree *t = *state;

	/* A symlink is resolved to its target, never kept. */
	check_in(t, "link", "dir", true);
	check_in(t, "link/sub", "dir/sub", true);
	check_in(t, "abslink", "dir/sub", true);
	check_in(t, "abslink/..", "dir", true);
	check_in(t, "flink", "dir/file", true);
}

static void test_missing_tail(void **state)
{
	const struct tree *t = *state;

	/* The missing rest is folded lexically. */
	check_in(t, "dir/missing/../x", "dir/x", false);
	check_in(t, "dir/missing/./y/", "dir/missing/y", false);
	check_in(t, "dir/a/b/../../c", "dir/c", false);
	check_in(t, "missing", "missing", false);
	/* A symlink in the existing prefix is followed. */
	check_in(t, "link/new", "dir/new", false);
	check_in(t, "link/new/../other", "dir/other", false);
	check_in(t, "abslink/new/file", "dir/sub/new/file", false);
	/* Nothing of it exists: resolved against "/". */
	check(t, "/nono-test-no-such-dir/a/../b", "/nono-test-no-such-dir/b",
	      false);
}

static void test_dotdot_after_symlink(void **state)
{
	const struct tree *t = *state;

	/* ".." after a symlink in the existing prefix goes up from the
	 * link's target, as the kernel resolves it: abslink -> dir/sub, so
	 * abslink/.. is dir, and abslink/../new is dir/new, not base/new. */
	check_in(t, "abslink/../new", "dir/new", false);
	check_in(t, "link/sub/../../new", "new", false);
}

static void test_errors(void **state)
{
	const struct tree *t = *state;
	char p[PATH_MAX + 16];
	char *longp;

	check_err("", -EINVAL);
	check_err(NULL, -EINVAL);

	/* PATH_MAX bytes without the NUL: one too many. */
	longp = malloc(PATH_MAX + 1);
	assert_non_null(longp);
	longp[0] = '/';
	memset(longp + 1, 'a', PATH_MAX - 1);
	longp[PATH_MAX] = '\0';
	check_err(longp, -ENAMETOOLONG);
	free(longp);

	/* A component over NAME_MAX. */
	join(p, t, "");
	memset(p + strlen(p), 'n', NAME_MAX + 1);
	p[strlen(t->base) + 1 + NAME_MAX + 1] = '\0';
	check_err(p, -ENAMETOOLONG);

	/* A file used as a directory; a symlink loop. */
	join(p, t, "dir/file/x");
	check_err(p, -ENOTDIR);
	join(p, t, "loop");
	check_err(p, -ELOOP);
	join(p, t, "loop/x");
	check_err(p, -ELOOP);
}

static void test_long_relative(void **state)
{
	const struct tree *t = *state;
	char *rel;
	size_t n, i;

	/* Short enough on its own, too long once the working directory is
	 * prepended: "x/x/x/...". */
	assert_int_equal(chdir(t->base), 0);
	n = PATH_MAX - 2;
	rel = malloc(n + 1);
	assert_non_null(rel);
	for (i = 0; i < n; i++)
		rel[i] = (i % 2) ? '/' : 'x';
	rel[n] = '\0';
	check_err(rel, -ENAMETOOLONG);
	free(rel);
}

static void test_fold(void **state)
{
	/* clang-format off */
	static const struct { const char *base, *rel, *want; } rows[] = {
		{"/", "a/b", "/a/b"},
		{"/a", "./b/../c", "/a/c"},
		{"/a/b", "../../..", "/"},
		{"/", "//x///y/", "/x/y"},
		{"/a", "", "/a"},
	};
	/* clang-format on */
	char buf[PATH_MAX], tiny[8];

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", rows[i].base);
		assert_int_equal(nono_path_fold(buf, sizeof(buf), rows[i].rel),
				 0);
		assert_string_equal(buf, rows[i].want);
	}
	/* The ceiling holds: no write past @size. */
	snprintf(tiny, sizeof(tiny), "/");
	assert_int_equal(nono_path_fold(tiny, sizeof(tiny), "abcdefgh"),
			 -ENAMETOOLONG);
	assert_string_equal(tiny, "/");
}

/* The memo gives nono_path_canon()'s answer for every input, in any order
 * (so a remembered parent never leaks into an unrelated path). */
static void test_memo(void **state)
{
	const struct tree *t = *state;
	static const char *const rels[] = {
	    "dir",        "dir/sub",     "dir/file",        "link",
	    "link/sub",   "abslink",     "flink",           "dangling",
	    "missing",    "dir/missing", "dir/sub/../file", "link/../dir",
	    "dir/./sub",  "dir//sub",    "dir/sub/",        "link/file",
	    "dir/file/x", "dir",         "abslink/../file", "dir/sub",
	};
	struct nono_path_memo memo;
	size_t i;

	memset(&memo, 0, sizeof(memo));
	for (i = 0; i < sizeof(rels) / sizeof(rels[0]); i++) {
		char in[PATH_MAX];
		char *a = NULL, *b = NULL;
		bool ea = false, eb = true;
		int ra, rb;

		join(in, t, rels[i]);
		ra = nono_path_canon(in, &a, &ea);
		rb = nono_path_canon_memo(&memo, in, &b, &eb);
		if (ra != rb || ea != eb || (a && !b) || (!a && b) ||
		    (a && strcmp(a, b) != 0))
			fail_msg("%s: canon %d %s %d, memo %d %s %d", rels[i],
				 ra, a ? a : "-", ea, rb, b ? b : "-", eb);
		free(a);
		free(b);
	}
	/* Without a memo it is nono_path_canon(). */
	{
		char in[PATH_MAX];
		char *b = NULL;
		bool eb = false;

		join(in, t, "dir/sub");
		assert_int_equal(nono_path_canon_memo(NULL, in, &b, &eb), 0);
		assert_true(eb);
		free(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fold),
	    cmocka_unit_test_setup_teardown(test_existing, setup_tree,
					    teardown_tree),
	    cmocka_unit_test_setup_teardown(test_dotdot, setup_tree,
					    teardown_tree),
	    cmocka_unit_test_setup_teardown(test_relative, setup_tree,
					    teardown_tree),
	    cmocka_unit_test_setup_teardown(test_symlinks, setup_tree,
					    teardown_tree),
	    cmocka_unit_test_setup_teardown(test_missing_tail, setup_tree,
					    teardown_tree),
	    cmocka_unit_test_setup_teardown(test_dotdot_after_symlink,
					    setup_tree, teardown_tree),
	    cmocka_unit_test_setup_teardown(test_errors, setup_tree,
					    teardown_tree),
	    cmocka_unit_test_setup_teardown(test_long_relative, setup_tree,
					    teardown_tree),
	    cmocka_unit_test_setup_teardown(test_memo, setup_tree,
					    teardown_tree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
