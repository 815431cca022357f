// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of protected-path planning against a fake home and project
 * trees in a temporary directory under /tmp (never the real HOME): hidden
 * credentials under a granted home, refusal of a grant that names one,
 * bypasses, and the persistence masks of writable trees.
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

#include "nono/caps.h"
#include "nono/error.h"
#include "policy/hookrefs.h"
#include "policy/projcfg.h"
#include "policy/protect.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static char root[PATH_MAX]; /* canonical */
static char home[PATH_MAX]; /* root/home */

static bool path_of(char *out, const char *rel)
{
	int r = snprintf(out, PATH_MAX, "%s/%s", root, rel);

	return r > 0 && r < PATH_MAX;
}

static void join(char *out, const char *rel)
{
	assert_true(path_of(out, rel));
}

/* ---- fixture ---- */

/*
 * home/.ssh/id_rsa  home/.netrc  home/.nono/  home/notes.txt
 * homelink -> home
 * proj/.git/hooks/  proj/.git/config  proj/.envrc  proj/lib/  proj/notes.txt
 * proj/src/deep/  proj/src/.envrc  proj/src/.vscode/
 * proj2/.git -> realgit (with hooks/ and config)  proj2/.envrc
 */
static int setup(void **state)
{
	/* clang-format off */
	static const struct {
		const char *rel;
		const char *target; /* NULL: directory; "": file */
	} ents[] = {
		{"home", NULL},
		{"home/.ssh", NULL},
		{"home/.ssh/id_rsa", ""},
		{"home/.netrc", ""},
		{"home/.nono", NULL},
		{"home/notes.txt", ""},
		{"homelink", "home"},
		{"proj", NULL},
		{"proj/src", NULL},
		{"proj/src/deep", NULL},
		{"proj/src/.envrc", ""},
		{"proj/src/.vscode", NULL},
		{"proj/lib", NULL},
		{"proj/.git", NULL},
		{"proj/.git/hooks", NULL},
		{"proj/.git/config", ""},
		{"proj/.envrc", ""},
		{"proj/notes.txt", ""},
		{"realgit", NULL},
		{"realgit/hooks", NULL},
		{"realgit/config", ""},
		{"proj2", NULL},
		{"proj2/.git", "realgit"},
		{"proj2/.envrc", ""},
	};
	/* clang-format on */
	char tmp[] = "/tmp/nono-test-protect-XXXXXX";
	char p[PATH_MAX], t[PATH_MAX];
	size_t i;
	int fd;

	(void)state;
	if (!mkdtemp(tmp) || !realpath(tmp, root))
		return -1;
	for (i = 0; i < ARRAY_SIZE(ents); i++) {
		if (!path_of(p, ents[i].rel))
			return -1;
		if (!ents[i].target) {
			if (mkdir(p, 0700) < 0)
				return -1;
		} else if (!ents[i].target[0]) {
			fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
			if (fd < 0)
				return -1;
			close(fd);
		} else if (!path_of(t, ents[i].target) || symlink(t, p) < 0) {
			return -1;
		}
	}
	return path_of(home, "home") ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return test_rm_tree(root);
}

/* ---- helpers ---- */

static struct nono_caps *caps_with(const char *rel, unsigned access,
				   unsigned flags)
{
	struct nono_caps *c = nono_caps_new();
	char p[PATH_MAX];

	assert_non_null(c);
	if (rel) {
		join(p, rel);
		assert_int_equal(
		    nono_caps_add_path(c, p, access, flags, NONO_ORIGIN_USER),
		    0);
	}
	return c;
}

static void add(struct nono_caps *c, const char *rel, unsigned access,
		unsigned flags)
{
	char p[PATH_MAX];

	join(p, rel);
	assert_int_equal(
	    nono_caps_add_path(c, p, access, flags, NONO_ORIGIN_USER), 0);
}

static const struct nono_mask *find_mask(const struct nono_caps *c,
					 const char *rel)
{
	char p[PATH_MAX];
	size_t i;

	join(p, rel);
	for (i = 0; i < nono_caps_mask_count(c); i++)
		if (strcmp(nono_caps_mask_at(c, i)->path, p) == 0)
			return nono_caps_mask_at(c, i);
	return NULL;
}

static void assert_mask(const struct nono_caps *c, const char *rel,
			enum nono_mask_kind kind, bool is_dir)
{
	const struct nono_mask *m = find_mask(c, rel);

	if (!m)
		fail_msg("no mask for %s", rel);
	if (m->kind != kind || m->is_dir != is_dir)
		fail_msg("mask %s: kind %d is_dir %d, want %d %d", rel, m->kind,
			 m->is_dir, kind, is_dir);
}

static void assert_no_mask(const struct nono_caps *c, const char *rel)
{
	if (find_mask(c, rel))
		fail_msg("unexpected mask for %s", rel);
}

static size_t count_kind(const struct nono_caps *c, enum nono_mask_kind kind)
{
	size_t i, n = 0;

	for (i = 0; i < nono_caps_mask_count(c); i++)
		if (nono_caps_mask_at(c, i)->kind == kind)
			n++;
	return n;
}

static bool has_conflict(const struct nono_protect_result *res, const char *rel)
{
	char p[PATH_MAX];
	size_t i;

	join(p, rel);
	for (i = 0; i < res->nconflicts; i++)
		if (strcmp(res->conflicts[i], p) == 0)
			return true;
	return false;
}

/* ---- deny groups ---- */

static void test_home_rw_hides(void **state)
{
	struct nono_protect_result res;
	struct nono_caps *c = caps_with("home", NONO_ACCESS_RW, 0);
	char why[PATH_MAX];

	(void)state;
	assert_int_equal(
	    nono_protect_plan(c, home, NULL, NULL, 0, &res, why, sizeof(why)),
	    0);
	assert_string_equal(why, "");
	assert_mask(c, "home/.ssh", NONO_MASK_HIDE, true);
	assert_mask(c, "home/.netrc", NONO_MASK_HIDE, false);
	assert_mask(c, "home/.nono", NONO_MASK_HIDE, true);
	assert_no_mask(c, "home/notes.txt");
	assert_no_mask(c, "home/.gnupg"); /* protected, but absent */
	assert_int_equal(count_kind(c, NONO_MASK_HIDE), 3);
	assert_int_equal(res.nmasks, nono_caps_mask_count(c));
	assert_int_equal(res.nconflicts, 3);
	assert_true(has_conflict(&res, "home/.ssh"));
	assert_true(has_conflict(&res, "home/.netrc"));
	assert_true(has_conflict(&res, "home/.nono"));
	/* The tool directories run later outside (npx's cache, opencode's
	 * downloads and language servers, go's build cache; cargo's and go's
	 * module caches only where ~/.cargo or ~/go exists) are the sandbox's
	 * own copies, each with its own grant; no other mask touches the
	 * grants. */
	assert_int_equal(count_kind(c, NONO_MASK_PRIVATE), 4);
	for (size_t i = 0; i < nono_caps_mask_count(c); i++) {
		const struct nono_mask *m = nono_caps_mask_at(c, i);

		if (m->kind != NONO_MASK_PRIVATE)
			continue;
		assert_non_null(m->src);
		assert_non_null(strstr(m->src, "/.cache/nono/sandbox/"));
	}
	assert_int_equal(nono_caps_path_count(c), 5);
	nono_protect_result_clear(&res);
	assert_int_equal(res.nconflicts, 0);
	assert_null(res.conflicts);
	nono_caps_free(c);
}

static void test_home_read_hides(void **state)
{
	struct nono_protect_result res;
	struct nono_caps *c;
	char why[PATH_MAX], link[PATH_MAX];

	(void)state;
	/* Reading is exposure enough; a grant above home counts too, and so
	 * does a home given through a symlink. */
	c = caps_with("home", NONO_ACCESS_READ, 0);
	assert_int_equal(
	    nono_protect_plan(c, home, NULL, NULL, 0, &res, why, sizeof(why)),
	    0);
	assert_mask(c, "home/.ssh", NONO_MASK_HIDE, true);
	assert_mask(c, "home/.netrc", NONO_MASK_HIDE, false);
	nono_protect_result_clear(&res);
	nono_caps_free(c);

	c = nono_caps_new();
	assert_non_null(c);
	assert_int_equal(
	    nono_caps_add_path(c, root, NONO_ACCESS_READ, 0, NONO_ORIGIN_USER),
	    0);
	join(link, "homelink");
	assert_int_equal(
	    nono_protect_plan(c, link, NULL, NULL, 0, &res, why, sizeof(why)),
	    0);
	assert_mask(c, "home/.ssh", NONO_MASK_HIDE, true);
	assert_int_equal(count_kind(c, NONO_MASK_HIDE), 3);
	nono_protect_result_clear(&res);
	nono_caps_free(c);

	/* Control: a grant beside home hides nothing. */
	c = caps_with("proj/lib", NONO_ACCESS_RW, 0);
	assert_int_equal(
	    nono_protect_plan(c, home, NULL, NULL, 0, &res, why, sizeof(why)),
	    0);
	assert_int_equal(nono_caps_mask_count(c), 0);
	assert_int_equal(res.nmasks, 0);
	assert_int_equal(res.nconflicts, 0);
	nono_protect_result_clear(&res);
	nono_caps_free(c);
}

static void test_grant_names_protected(void **state)
{
	/* clang-format off */
	static const struct {
		const char *grant;
		unsigned flags;
		const char *named; /* what `why` must mention */
	} rows[] = {
		{"home/.ssh", 0, "home/.ssh"},
		{"home/.ssh/id_rsa", NONO_GRANT_FILE, "home/.ssh/id_rsa"},
		{"home/.netrc", NONO_GRANT_FILE, "home/.netrc"},
		{"home/.nono", 0, "home/.nono"},
	};
	/* clang-format on */
	struct nono_protect_result res;
	struct nono_caps *c;
	char why[PATH_MAX], want[PATH_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		c = caps_with(rows[i].grant, NONO_ACCESS_READ, rows[i].flags);
		assert_int_equal(nono_protect_plan(c, home, NULL, NULL, 0, &res,
						   why, sizeof(why)),
				 -NONO_ECONFLICT);
		join(want, rows[i].named);
		if (!strstr(why, want))
			fail_msg("row %zu: why \"%s\" lacks %s", i, why, want);
		nono_protect_result_clear(&res);
		nono_caps_free(c);
	}
	c = caps_with("home/.ssh", NONO_ACCESS_READ, 0);
	assert_int_equal(
	    nono_protect_plan(c, home, NULL, NULL, 0, &res, why, sizeof(why)),
	    -NONO_ECONFLICT);
	assert_non_null(strstr(why, "SSH"));
	assert_non_null(strstr(why, "deny_credentials"));
	/* A NULL @why is accepted. */
	nono_protect_result_clear(&res);
	assert_int_equal(
	    nono_protect_plan(c, home, NULL, NULL, 0, &res, NULL, 0),
	    -NONO_ECONFLICT);
	nono_protect_result_clear(&res);
	nono_caps_free(c);
}

static void test_conflict_any_order(void **state)
{
	struct nono_protect_result res;
	struct nono_caps *c;
	char why[PATH_MAX], want[PATH_MAX];
	int order;

	/* A grant naming .ssh is refused whether or not another grant that
	 * covers it comes first. */
	(void)state;
	join(want, "home/.ssh");
	for (order = 0; order < 2; order++) {
		c = nono_caps_new();
		assert_non_null(c);
		if (order == 0) {
			add(c, "home", NONO_ACCESS_RW, 0);
			add(c, "home/.ssh", NONO_ACCESS_READ, 0);
		} else {
			add(c, "home/.ssh", NONO_ACCESS_READ, 0);
			add(c, "home", NONO_ACCESS_RW, 0);
		}
		if (nono_protect_plan(c, home, NULL, NULL, 0, &res, why,
				      sizeof(why)) != -NONO_ECONFLICT)
			fail_msg("order %d: home and home/.ssh accepted",
				 order);
		assert_non_null(strstr(why, want));
		nono_protect_result_clear(&res);
		nono_caps_free(c);
	}
}

static void test_bypass(void **state)
{
	struct nono_protect_result res;
	struct nono_caps *c;
	char ssh[PATH_MAX], nono[PATH_MAX], why[PATH_MAX];
	char *bypass[2];

	(void)state;
	join(ssh, "home/.ssh");
	join(nono, "home/.nono");
	bypass[0] = ssh;
	bypass[1] = nono;

	/* The bypassed grant is accepted ... */
	c = caps_with("home/.ssh", NONO_ACCESS_READ, 0);
	assert_int_equal(
	    nono_protect_plan(c, home, NULL, bypass, 1, &res, why, sizeof(why)),
	    0);
	assert_no_mask(c, "home/.ssh");
	nono_protect_result_clear(&res);
	nono_caps_free(c);

	/* ... and under a home grant it is left visible while the rest is
	 * hidden.  nono's own state cannot be bypassed. */
	c = caps_with("home", NONO_ACCESS_RW, 0);
	assert_int_equal(
	    nono_protect_plan(c, home, NULL, bypass, 2, &res, why, sizeof(why)),
	    0);
	assert_no_mask(c, "home/.ssh");
	assert_false(has_conflict(&res, "home/.ssh"));
	assert_mask(c, "home/.netrc", NONO_MASK_HIDE, false);
	assert_mask(c, "home/.nono", NONO_MASK_HIDE, true);
	nono_protect_result_clear(&res);
	nono_caps_free(c);

	/* A bypass must be the canonical path: through the link it is not. */
	join(ssh, "homelink/.ssh");
	c = caps_with("home", NONO_ACCESS_RW, 0);
	assert_int_equal(
	    nono_protect_plan(c, home, NULL, bypass, 1, &res, why, sizeof(why)),
	    0);
	assert_mask(c, "home/.ssh", NONO_MASK_HIDE, true);
	nono_protect_result_clear(&res);
	nono_caps_free(c);
}

static void test_home_null(void **state)
{
	struct nono_protect_result res;
	struct nono_caps *c;
	char why[PATH_MAX];

	(void)state;
	c = caps_with("home", NONO_ACCESS_RW, 0);
	assert_int_equal(
	    nono_protect_plan(c, NULL, NULL, NULL, 0, &res, why, sizeof(why)),
	    0);
	assert_int_equal(count_kind(c, NONO_MASK_HIDE), 0);
	assert_int_equal(res.nconflicts, 0);
	nono_protect_result_clear(&res);
	nono_caps_free(c);

	/* Without a home even a grant of .ssh is not refused. */
	c = caps_with("home/.ssh", NONO_ACCESS_READ, 0);
	assert_int_equal(
	    nono_protect_plan(c, NULL, NULL, NULL, 0, &res, why, sizeof(why)),
	    0);
	nono_protect_result_clear(&res);
	nono_caps_free(c);
}

/* ---- persistence ---- */

static void test_persistence(void **state)
{
	struct nono_protect_result res;
	struct nono_caps *c;
	char why[PATH_MAX];

	(void)state;
	c = caps_with("proj", NONO_ACCESS_RW, 0);
	assert_int_equal(
	    nono_protect_plan(c, home, NULL, NULL, 0, &res, why, sizeof(why)),
	    0);
	assert_mask(c, "proj/.git/hooks", NONO_MASK_READONLY, true);
	assert_mask(c, "proj/.git/config", NONO_MASK_READONLY, false);
	assert_mask(c, "proj/.envrc", NONO_MASK_READONLY, false);
	assert_mask(c, "proj/.git", NONO_MASK_PIN, true);
	assert_no_mask(c, "proj/src/.envrc");  /* below the root */
	assert_no_mask(c, "proj/.gitmodules"); /* absent */
	assert_int_equal(nono_caps_mask_count(c), 4);
	assert_int_equal(res.nmasks, 4);
	assert_int_equal(res.nconflicts, 0);
	nono_protect_result_clear(&res);
	nono_caps_free(c);

	/* Only the root of the writable tree is checked. */
	c = caps_with("proj/lib", NONO_ACCESS_RW, 0);
	assert_int_equal(
	    nono_protect_plan(c, home, NULL, NULL, 0, &res, why, sizeof(why)),
	    0);
	assert_int_equal(nono_caps_mask_count(c), 0);
	nono_protect_result_clear(&res);
	nono_caps_free(c);
}

static void test_persistence_needs_write(void **state)
{
	struct nono_protect_result res;
	struct nono_caps *c;
	char why[PATH_MAX];

	(void)state;
	/* Read-only tree: nothing to freeze. */
	c = caps_with("proj", NONO_ACCESS_READ, 0);
	assert_int_equal(
	    nono_protect_plan(c, home, NULL, NULL, 0, &res, why, sizeof(why)),
	    0);
	assert_int_equal(nono_caps_mask_count(c), 0);
	assert_int_equal(res.nmasks, 0);
	nono_protect_result_clear(&res);
	nono_caps_free(c);

	/* A writable file grant is not a tree. */
	c = caps_with("proj/notes.txt", NONO_ACCESS_RW, NONO_GRANT_FILE);
	assert_int_equal(
	    nono_protect_plan(c, home, NULL, NULL, 0, &res, why, sizeof(why)),
	    0);
	assert_int_equal(nono_caps_mask_count(c), 0);
	nono_protect_result_clear(&res);
	nono_caps_free(c);

	/* Control: adding write to the tree grant brings the masks. */
	c = caps_with("proj", NONO_ACCESS_READ, 0);
	add(c, "proj", NONO_ACCESS_WRITE, 0);
	assert_int_equal(
	    nono_protect_plan(c, home, NULL, NULL, 0, &res, why, sizeof(why)),
	    0);
	assert_int_equal(nono_caps_mask_count(c), 4);
	nono_protect_result_clear(&res);
	nono_caps_free(c);
}

static void test_persistence_cwd(void **state)
{
	/* clang-format off */
	static const struct {
		const char *cwd; /* NULL: none */
		size_t nmasks;
		bool src_masked;
	} rows[] = {
		{"proj/src/deep", 6, true},
		{"proj/src", 6, true},
		{"proj", 4, false},
		{NULL, 4, false},
		{"home", 4, false},
		{"proj2", 4, false},
	};
	/* clang-format on */
	struct nono_protect_result res;
	struct nono_caps *c;
	char cwd[PATH_MAX], why[PATH_MAX];
	size_t i;

	/* The directories from the working directory up to the grant root
	 * are checked too, and nothing outside the grant. */
	(void)state;
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		c = caps_with("proj", NONO_ACCESS_RW, 0);
		if (rows[i].cwd)
			join(cwd, rows[i].cwd);
		assert_int_equal(
		    nono_protect_plan(c, home, rows[i].cwd ? cwd : NULL, NULL,
				      0, &res, why, sizeof(why)),
		    0);
		if (nono_caps_mask_count(c) != rows[i].nmasks)
			fail_msg("row %zu: %zu masks, want %zu", i,
				 nono_caps_mask_count(c), rows[i].nmasks);
		if (rows[i].src_masked) {
			assert_mask(c, "proj/src/.envrc", NONO_MASK_READONLY,
				    false);
			assert_mask(c, "proj/src/.vscode", NONO_MASK_READONLY,
				    true);
		} else {
			assert_no_mask(c, "proj/src/.envrc");
		}
		assert_mask(c, "proj/.git", NONO_MASK_PIN, true);
		nono_protect_result_clear(&res);
		nono_caps_free(c);
	}
}

static void test_persistence_system_origin(void **state)
{
	struct nono_protect_result res;
	struct nono_caps *c;
	char p[PATH_MAX], why[PATH_MAX];

	/* System scratch grants (/tmp) are not persistence trees. */
	(void)state;
	c = nono_caps_new();
	assert_non_null(c);
	join(p, "proj");
	assert_int_equal(
	    nono_caps_add_path(c, p, NONO_ACCESS_RW, 0, NONO_ORIGIN_SYSTEM), 0);
	assert_int_equal(
	    nono_protect_plan(c, home, NULL, NULL, 0, &res, why, sizeof(why)),
	    0);
	assert_int_equal(nono_caps_mask_count(c), 0);
	nono_protect_result_clear(&res);
	nono_caps_free(c);
}

static void test_persistence_bypass(void **state)
{
	struct nono_protect_result res;
	struct nono_caps *c;
	char envrc[PATH_MAX], why[PATH_MAX];
	char *bypass[1] = {envrc};

	(void)state;
	join(envrc, "proj/.envrc");
	c = caps_with("proj", NONO_ACCESS_RW, 0);
	assert_int_equal(
	    nono_protect_plan(c, home, NULL, bypass, 1, &res, why, sizeof(why)),
	    0);
	assert_no_mask(c, "proj/.envrc");
	assert_mask(c, "proj/.git/hooks", NONO_MASK_READONLY, true);
	assert_int_equal(nono_caps_mask_count(c), 3);
	nono_protect_result_clear(&res);
	nono_caps_free(c);
}

static void test_git_symlink_skipped(void **state)
{
	struct nono_protect_result res;
	struct nono_caps *c;
	char why[PATH_MAX];

	(void)state;
	c = caps_with("proj2", NONO_ACCESS_RW, 0);
	assert_int_equal(
	    nono_protect_plan(c, home, NULL, NULL, 0, &res, why, sizeof(why)),
	    0);
	/* Mounting onto the link would follow it: no mask, no pin. */
	assert_no_mask(c, "proj2/.git");
	/* Control: a real persistence file beside it is still frozen. */
	assert_mask(c, "proj2/.envrc", NONO_MASK_READONLY, false);
	nono_protect_result_clear(&res);
	nono_caps_free(c);
}

static void test_git_symlink_not_followed(void **state)
{
	struct nono_protect_result res;
	struct nono_caps *c;
	char why[PATH_MAX];

	/* Nor is anything reached through the link masked: a mount onto
	 * proj2/.git/hooks lands on realgit/hooks, outside the tree. */
	(void)state;
	c = caps_with("proj2", NONO_ACCESS_RW, 0);
	assert_int_equal(
	    nono_protect_plan(c, home, NULL, NULL, 0, &res, why, sizeof(why)),
	    0);
	assert_no_mask(c, "proj2/.git/hooks");
	assert_no_mask(c, "proj2/.git/config");
	assert_int_equal(nono_caps_mask_count(c), 1);
	nono_protect_result_clear(&res);
	nono_caps_free(c);
}

/* ---- tables ---- */

static void test_match(void **state)
{
	const struct nono_protect_item *it;
	char p[PATH_MAX];

	(void)state;
	join(p, "home/.ssh");
	it = nono_protect_match(home, p);
	assert_non_null(it);
	assert_string_equal(it->rel, ".ssh");
	assert_string_equal(it->group, "deny_credentials");
	assert_true(it->bypassable);

	join(p, "home/.nono");
	it = nono_protect_match(home, p);
	assert_non_null(it);
	assert_string_equal(it->rel, ".nono");
	assert_false(it->bypassable);

	join(p, "home/.netrc");
	it = nono_protect_match(home, p);
	assert_non_null(it);
	assert_string_equal(it->rel, ".netrc");

	/* Not protected, below a protected path, absent, or no home. */
	join(p, "home/notes.txt");
	assert_null(nono_protect_match(home, p));
	join(p, "home/.ssh/id_rsa");
	assert_null(nono_protect_match(home, p));
	join(p, "home/.gnupg");
	assert_null(nono_protect_match(home, p));
	join(p, "home/.ssh");
	assert_null(nono_protect_match(NULL, p));
}

static void test_lists(void **state)
{
	size_t i;
	bool ssh = false, git = false;

	(void)state;
	assert_true(nono_protect_count() > 0);
	for (i = 0; i < nono_protect_count(); i++) {
		const struct nono_protect_item *it = nono_protect_at(i);

		assert_non_null(it);
		assert_true(it->rel[0] != '/' && it->rel[0] != '\0');
		assert_non_null(it->group);
		assert_non_null(it->what);
		if (strcmp(it->rel, ".ssh") == 0)
			ssh = true;
	}
	assert_null(nono_protect_at(nono_protect_count()));
	for (i = 0; i < nono_persist_count(); i++)
		if (strcmp(nono_persist_at(i), ".git/hooks") == 0)
			git = true;
	assert_null(nono_persist_at(nono_persist_count()));
	assert_true(ssh);
	assert_true(git);
}

/* ---- creation guards ---- */

static const struct nono_grant *
grant_of(const struct nono_caps *c, const char *rel, enum nono_origin origin)
{
	char p[PATH_MAX];

	join(p, rel);
	for (size_t i = 0; i < nono_caps_path_count(c); i++) {
		const struct nono_grant *g = nono_caps_path_at(c, i);

		if (strcmp(g->path, p) == 0 && g->origin == origin)
			return g;
	}
	return NULL;
}

static bool has_guard(const struct nono_caps *c, const char *rel,
		      enum nono_guard_kind kind)
{
	char p[PATH_MAX];

	join(p, rel);
	for (size_t i = 0; i < nono_caps_guard_count(c); i++)
		if (strcmp(nono_caps_guard_at(c, i)->path, p) == 0)
			return nono_caps_guard_at(c, i)->kind == kind;
	return false;
}

static void test_guards_tree(void **state)
{
	struct nono_caps *c;
	const struct nono_grant *g;
	char why[PATH_MAX], p[PATH_MAX];

	(void)state;
	c = caps_with("proj", NONO_ACCESS_RW, 0);
	assert_int_equal(
	    nono_protect_plan_guards(c, NULL, NULL, why, sizeof(why)), 0);
	assert_true(has_guard(c, "proj", NONO_GUARD_TREE));
	assert_true(has_guard(c, "proj/.git", NONO_GUARD_GITDIR));
	/* A sealed tree: the root loses creation and write-opens, and no
	 * directory of the tree gets a rule of its own (the supervisor
	 * decides every new name and write-open in it). */
	g = grant_of(c, "proj", NONO_ORIGIN_USER);
	assert_non_null(g);
	assert_true(g->flags & NONO_GRANT_NOCREATE);
	assert_true(g->flags & NONO_GRANT_NOWRITE);
	assert_null(grant_of(c, "proj/lib", NONO_ORIGIN_GUARD));
	assert_null(grant_of(c, "proj/src", NONO_ORIGIN_GUARD));
	assert_null(grant_of(c, "proj/.git/hooks", NONO_ORIGIN_GUARD));
	assert_null(grant_of(c, "proj/.git", NONO_ORIGIN_GUARD));
	join(p, "proj");
	assert_false(nono_caps_can_create(c, p));
	assert_false(nono_caps_can_write_open(c, p));
	assert_true(nono_caps_sealed(c, p));
	join(p, "proj/lib/new");
	assert_false(nono_caps_can_create(c, p));
	assert_false(nono_caps_can_write_open(c, p));
	assert_true(nono_caps_sealed(c, p));
	join(p, "proj/.git");
	assert_false(nono_caps_can_create(c, p));
	/* Nothing below one level was read. */
	assert_null(grant_of(c, "proj/src/deep", NONO_ORIGIN_GUARD));
	nono_caps_free(c);

	/* A read-only grant is not guarded. */
	c = caps_with("proj", NONO_ACCESS_READ, 0);
	assert_int_equal(
	    nono_protect_plan_guards(c, NULL, NULL, why, sizeof(why)), 0);
	assert_int_equal(nono_caps_guard_count(c), 0);
	nono_caps_free(c);
}

static void test_guards_home_and_chain(void **state)
{
	struct nono_caps *c;
	char why[PATH_MAX], p[PATH_MAX];

	(void)state;
	/* A system grant above a user grant: creation is taken from the
	 * whole chain, and the siblings along it keep their own rules. */
	c = nono_caps_new();
	assert_non_null(c);
	assert_int_equal(
	    nono_caps_add_path(c, root, NONO_ACCESS_RW, 0, NONO_ORIGIN_SYSTEM),
	    0);
	add(c, "home", NONO_ACCESS_RW, 0);
	assert_int_equal(
	    nono_protect_plan_guards(c, home, NULL, why, sizeof(why)), 0);
	assert_true(has_guard(c, "home", NONO_GUARD_HOME));
	assert_false(nono_caps_can_create(c, root));
	assert_false(nono_caps_can_create(c, home));
	assert_non_null(grant_of(c, "proj", NONO_ORIGIN_GUARD));
	join(p, "proj/new");
	assert_true(nono_caps_can_create(c, p));
	nono_caps_free(c);
}

static void test_guard_names(void **state)
{
	(void)state;
	assert_true(nono_guard_refuses(NONO_GUARD_TREE, ".envrc"));
	assert_true(nono_guard_refuses(NONO_GUARD_TREE, ".git"));
	assert_true(nono_guard_refuses(NONO_GUARD_TREE, ".vscode"));
	assert_false(nono_guard_refuses(NONO_GUARD_TREE, "src"));
	assert_false(nono_guard_refuses(NONO_GUARD_TREE, ".ssh"));
	assert_true(nono_guard_refuses(NONO_GUARD_GITDIR, "hooks"));
	assert_true(nono_guard_refuses(NONO_GUARD_GITDIR, "config"));
	assert_false(nono_guard_refuses(NONO_GUARD_GITDIR, "index.lock"));
	assert_true(nono_guard_refuses(NONO_GUARD_HOME, ".ssh"));
	assert_true(nono_guard_refuses(NONO_GUARD_HOME, ".netrc"));
	assert_true(nono_guard_refuses(NONO_GUARD_HOME, ".gitconfig"));
	assert_true(nono_guard_refuses(NONO_GUARD_HOME, ".bashrc"));
	assert_true(nono_guard_refuses(NONO_GUARD_HOME, ".nono"));
	/* ~/.config and ~/.local are nono's to make (then pinned): a fresh
	 * one in place of the guarded one would escape its guard. */
	assert_true(nono_guard_refuses(NONO_GUARD_HOME, ".config"));
	assert_true(nono_guard_refuses(NONO_GUARD_HOME, ".local"));
	assert_true(nono_guard_refuses(NONO_GUARD_HOME, ".vimrc"));
	/* Review r1, F4: zsh's dump by its prefix, gdb's and hg's XDG
	 * directories; a name that only starts alike elsewhere is not. */
	assert_true(nono_guard_refuses(NONO_GUARD_HOME, ".zcompdump"));
	assert_true(nono_guard_refuses(NONO_GUARD_HOME, ".zcompdump-h-5.9"));
	assert_true(nono_guard_refuses(NONO_GUARD_HOME, ".gdbearlyinit"));
	assert_false(nono_guard_refuses(NONO_GUARD_HOME, ".zcomp"));
	assert_false(nono_guard_refuses(NONO_GUARD_TREE, ".zcompdump"));
	assert_true(nono_guard_refuses(NONO_GUARD_XDG, "gdb"));
	assert_true(nono_guard_refuses(NONO_GUARD_XDG, "hg"));
	assert_true(nono_guard_refuses(NONO_GUARD_HOME, ".tmux.conf"));
	/* Only whole first components. */
	assert_false(nono_guard_refuses(NONO_GUARD_HOME, ".configs"));
	assert_false(nono_guard_refuses(NONO_GUARD_HOME, "notes.txt"));
	assert_true(nono_guard_refuses(NONO_GUARD_HOME, ".pam_environment"));
	assert_true(nono_guard_refuses(NONO_GUARD_XDG, "autostart"));
	assert_true(nono_guard_refuses(NONO_GUARD_XDG, "systemd"));
	assert_true(nono_guard_refuses(NONO_GUARD_XDG, "git"));
	assert_true(nono_guard_refuses(NONO_GUARD_XDG, "nono"));
	assert_true(nono_guard_refuses(NONO_GUARD_XDG, "nvim"));
	assert_false(nono_guard_refuses(NONO_GUARD_XDG, "app"));
	assert_true(nono_guard_refuses(NONO_GUARD_LOCAL, "bin"));
	assert_false(nono_guard_refuses(NONO_GUARD_LOCAL, "share"));
}

/* Project configuration that runs programs, at any depth (projcfg.c). */
static void test_projcfg(void **state)
{
	(void)state;
	assert_true(nono_projcfg_refuses("/p/.claude", "settings.json"));
	assert_true(
	    nono_projcfg_refuses("/p/a/b/.claude", "settings.local.json"));
	assert_true(nono_projcfg_refuses("/p/.claude", "hooks"));
	assert_true(nono_projcfg_refuses("/p/.claude/hooks", "fmt.sh"));
	assert_true(nono_projcfg_refuses("/p/.claude/hooks/a/b", "x"));
	assert_true(nono_projcfg_refuses("/p/x", ".mcp.json"));
	assert_true(nono_projcfg_refuses("/", "opencode.json"));
	assert_true(
	    nono_projcfg_refuses("/p/.opencode/node_modules/m", "i.js"));
	assert_true(nono_projcfg_refuses("/p/.codex", "config.toml"));
	assert_true(nono_projcfg_refuses("//p//.cargo/", "config"));
	/* ordinary files of the same directories, and look-alikes */
	assert_false(nono_projcfg_refuses("/p/.claude", "CLAUDE.md"));
	assert_false(nono_projcfg_refuses("/p/.claude/commands", "x.md"));
	assert_false(
	    nono_projcfg_refuses("/p/.claude/commands", "settings.json"));
	assert_false(nono_projcfg_refuses("/p/claude", "settings.json"));
	assert_false(nono_projcfg_refuses("/p/.claudex", "settings.json"));
	assert_false(nono_projcfg_refuses("/p/x.claude", "settings.json"));
	assert_false(nono_projcfg_refuses("/p/hooks", "x"));
	assert_false(nono_projcfg_refuses("/p/.claude", "hooks.json"));
	assert_false(nono_projcfg_refuses("/p", "mcp.json"));
	assert_false(nono_projcfg_refuses("/p/.cargo", "registry"));
	assert_false(nono_projcfg_refuses("/", "x"));
	assert_true(nono_projcfg_refuses("/p/a", ".pre-commit-config.yaml"));
	assert_true(nono_projcfg_refuses("/p/a/.husky", "pre-commit"));
	assert_true(nono_projcfg_refuses("/p/a/.husky/_", "h"));
	assert_true(nono_projcfg_refuses("/p/.lefthook/pre-commit", "x.sh"));
	assert_true(nono_projcfg_refuses("/p/a", ".hg"));
	assert_true(nono_projcfg_refuses("/p/a/.hg", "hgrc"));
	assert_false(nono_projcfg_refuses("/p/a/.hg/store", "data"));
	assert_false(nono_projcfg_refuses("/p/a/husky", "pre-commit"));
	assert_true(nono_projcfg_dir(".claude"));
	assert_true(nono_projcfg_dir(".opencode"));
	assert_false(nono_projcfg_dir("hooks"));
	assert_false(nono_projcfg_dir(".mcp.json"));
}

static char hook_seen[16][256];
static int hook_n;

static int hook_collect(const char *path, void *arg)
{
	(void)arg;
	if (hook_n < 16)
		snprintf(hook_seen[hook_n++], sizeof(hook_seen[0]), "%s", path);
	return 0;
}

static int hook_exists_lintpy(const char *path)
{
	return strcmp(path, "/p/lint.py") == 0;
}

static bool hook_has(const char *path)
{
	for (int i = 0; i < hook_n; i++)
		if (strcmp(hook_seen[i], path) == 0)
			return true;
	return false;
}

/* The files Claude Code settings' commands name (hookrefs.c). */
static void test_hookrefs(void **state)
{
	const char *t =
	    "{\"hooks\": {\"SessionStart\": [{\"hooks\": [{\"type\": "
	    "\"command\", \"command\": \"sh "
	    "\\\"$CLAUDE_PROJECT_DIR\\\"/.claude/s.sh\"}]}], "
	    "\"Stop\": [{\"hooks\": [{\"command\": \"FOO=1 npx x; "
	    "python3 lint.py && ./a/../b.sh | jq .\"}]}]}, "
	    "\"statusLine\": {\"command\": \"~/.claude/st.sh\"}, "
	    "\"apiKeyHelper\": \"${HOME}/bin/key /etc/k\"}";

	(void)state;
	hook_n = 0;
	assert_int_equal(nono_hookrefs_each(t, strlen(t), "/p", "/h",
					    hook_exists_lintpy, hook_collect,
					    NULL),
			 6);
	assert_true(hook_has("/p/.claude/s.sh"));
	assert_true(hook_has("/p/lint.py"));
	assert_true(hook_has("/p/b.sh"));
	assert_true(hook_has("/h/.claude/st.sh"));
	assert_true(hook_has("/h/bin/key"));
	assert_true(hook_has("/etc/k"));
	/* commands on PATH, and words that name no file */
	assert_false(hook_has("/p/npx"));
	assert_false(hook_has("/p/jq"));
	assert_false(hook_has("/p/x"));
	hook_n = 0;
	assert_int_equal(nono_hookrefs_each("[1]", 3, "/p", "/h",
					    hook_exists_lintpy, hook_collect,
					    NULL),
			 -EINVAL);
	assert_int_equal(nono_hookrefs_each("{\"hooks\": 3}", 12, "/p", "/h",
					    hook_exists_lintpy, hook_collect,
					    NULL),
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_home_rw_hides),
	    cmocka_unit_test(test_guards_tree),
	    cmocka_unit_test(test_guards_home_and_chain),
	    cmocka_unit_test(test_guard_names),
	    cmocka_unit_test(test_home_read_hides),
	    cmocka_unit_test(test_grant_names_protected),
	    cmocka_unit_test(test_conflict_any_order),
	    cmocka_unit_test(test_bypass),
	    cmocka_unit_test(test_home_null),
	    cmocka_unit_test(test_persistence),
	    cmocka_unit_test(test_persistence_needs_write),
	    cmocka_unit_test(test_persistence_cwd),
	    cmocka_unit_test(test_persistence_system_origin),
	    cmocka_unit_test(test_persistence_bypass),
	    cmocka_unit_test(test_git_symlink_skipped),
	    cmocka_unit_test(test_git_symlink_not_followed),
	    cmocka_unit_test(test_match),
	    cmocka_unit_test(test_lists),
	    cmocka_unit_test(test_projcfg),
	    cmocka_unit_test(test_hookrefs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
