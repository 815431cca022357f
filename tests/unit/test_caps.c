// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of the capability set: adding, merging and removing grants, the
 * NONO_CAPS_MAX ceiling, path validation, nono_path_is_under, the decision
 * table of nono_caps_allows (file versus directory grants, sibling names
 * sharing a prefix, the root) and mask merging.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "nono/caps.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int setup_caps(void **state)
{
	*state = nono_caps_new();
	return *state ? 0 : -1;
}

static int teardown_caps(void **state)
{
	nono_caps_free(*state);
	return 0;
}

static void test_new_is_empty(void **state)
{
	struct nono_caps *c = *state;

	assert_int_equal(nono_caps_path_count(c), 0);
	assert_int_equal(nono_caps_port_count(c), 0);
	assert_int_equal(nono_caps_socket_count(c), 0);
	assert_int_equal(nono_caps_mask_count(c), 0);
	assert_int_equal(nono_caps_net(c), NONO_NET_ALLOW);
	assert_int_equal(nono_caps_scopes(c), 0);
	assert_false(nono_caps_proc_self_write(c));
	assert_null(nono_caps_path_at(c, 0));
	assert_null(nono_caps_socket_at(c, 0));
	assert_null(nono_caps_mask_at(c, 0));
	assert_int_equal(nono_caps_port_at(c, 0), 0);
	/* Nothing is allowed by an empty set, not even the root. */
	assert_false(nono_caps_allows(c, "/", NONO_ACCESS_READ, NULL));
}

static void test_add_and_merge(void **state)
{
	struct nono_caps *c = *state;
	const struct nono_grant *g;

	assert_int_equal(nono_caps_add_path(c, "/a", NONO_ACCESS_READ,
					    NONO_GRANT_NOEXEC,
					    NONO_ORIGIN_SYSTEM),
			 0);
	assert_int_equal(nono_caps_path_count(c), 1);
	g = nono_caps_path_at(c, 0);
	assert_non_null(g);
	assert_string_equal(g->path, "/a");
	assert_int_equal(g->access, NONO_ACCESS_READ);
	assert_int_equal(g->flags, NONO_GRANT_NOEXEC);
	assert_int_equal(g->origin, NONO_ORIGIN_SYSTEM);

	/* Same path and origin again: access bits merge, no second entry.
	 * A grant without NOEXEC lifts it; DEVICE accumulates. */
	assert_int_equal(nono_caps_add_path(c, "/a", NONO_ACCESS_WRITE,
					    NONO_GRANT_DEVICE,
					    NONO_ORIGIN_SYSTEM),
			 0);
	assert_int_equal(nono_caps_path_count(c), 1);
	g = nono_caps_path_at(c, 0);
	assert_int_equal(g->access, NONO_ACCESS_RW);
	assert_false(g->flags & NONO_GRANT_NOEXEC);
	assert_true(g->flags & NONO_GRANT_DEVICE);

	/* Another origin keeps its own entry (reports show each grant as
	 * made); the answer of nono_caps_allows is the union anyway. */
	assert_int_equal(
	    nono_caps_add_path(c, "/a", NONO_ACCESS_READ, 0, NONO_ORIGIN_USER),
	    0);
	assert_int_equal(nono_caps_path_count(c), 2);
	assert_int_equal(nono_caps_path_at(c, 1)->access, NONO_ACCESS_READ);
	assert_true(nono_caps_allows(c, "/a/x", NONO_ACCESS_RW, NULL));
	nono_caps_remove_path(c, "/a");
	assert_int_equal(nono_caps_path_count(c), 0);
	assert_int_equal(
	    nono_caps_add_path(c, "/a", NONO_ACCESS_RW, 0, NONO_ORIGIN_USER),
	    0);

	/* A file grant of the same path is a distinct entry. */
	assert_int_equal(nono_caps_add_path(c, "/a", NONO_ACCESS_READ,
					    NONO_GRANT_FILE, NONO_ORIGIN_USER),
			 0);
	assert_int_equal(nono_caps_path_count(c), 2);
	assert_true(nono_caps_path_at(c, 1)->flags & NONO_GRANT_FILE);

	/* A NOEXEC grant merged into an exec grant keeps exec. */
	assert_int_equal(
	    nono_caps_add_path(c, "/b", NONO_ACCESS_READ, 0, NONO_ORIGIN_USER),
	    0);
	assert_int_equal(nono_caps_add_path(c, "/b", NONO_ACCESS_READ,
					    NONO_GRANT_NOEXEC,
					    NONO_ORIGIN_USER),
			 0);
	assert_int_equal(nono_caps_path_count(c), 3);
	assert_false(nono_caps_path_at(c, 2)->flags & NONO_GRANT_NOEXEC);
}

static void test_remove(void **state)
{
	struct nono_caps *c = *state;

	assert_int_equal(
	    nono_caps_add_path(c, "/x", NONO_ACCESS_READ, 0, NONO_ORIGIN_USER),
	    0);
	assert_int_equal(nono_caps_add_path(c, "/x", NONO_ACCESS_READ,
					    NONO_GRANT_FILE, NONO_ORIGIN_USER),
			 0);
	assert_int_equal(
	    nono_caps_add_path(c, "/y", NONO_ACCESS_RW, 0, NONO_ORIGIN_USER),
	    0);
	assert_int_equal(nono_caps_add_path(c, "/x/z", NONO_ACCESS_READ, 0,
					    NONO_ORIGIN_USER),
			 0);
	assert_int_equal(nono_caps_path_count(c), 4);
	assert_true(nono_caps_allows(c, "/x/f", NONO_ACCESS_READ, NULL));

	/* Both grants of /x go; /x/z (below it) and /y stay. */
	assert_int_equal(nono_caps_remove_path(c, "/x"), 2);
	assert_int_equal(nono_caps_path_count(c), 2);
	assert_string_equal(nono_caps_path_at(c, 0)->path, "/y");
	assert_string_equal(nono_caps_path_at(c, 1)->path, "/x/z");
	assert_false(nono_caps_allows(c, "/x/f", NONO_ACCESS_READ, NULL));
	assert_true(nono_caps_allows(c, "/x/z/f", NONO_ACCESS_READ, NULL));

	assert_int_equal(nono_caps_remove_path(c, "/x"), 0);
	assert_int_equal(nono_caps_remove_path(c, "/nope"), 0);
	assert_int_equal(nono_caps_path_count(c), 2);
}

static void test_invalid_paths(void **state)
{
	struct nono_caps *c = *state;
	char *longp;

	assert_int_equal(
	    nono_caps_add_path(c, "", NONO_ACCESS_READ, 0, NONO_ORIGIN_USER),
	    -EINVAL);
	assert_int_equal(nono_caps_add_path(c, "rel/path", NONO_ACCESS_READ, 0,
					    NONO_ORIGIN_USER),
			 -EINVAL);
	assert_int_equal(
	    nono_caps_add_path(c, "./a", NONO_ACCESS_READ, 0, NONO_ORIGIN_USER),
	    -EINVAL);
	assert_int_equal(
	    nono_caps_add_path(c, NULL, NONO_ACCESS_READ, 0, NONO_ORIGIN_USER),
	    -EINVAL);
	/* No access, or bits outside READ|WRITE. */
	assert_int_equal(nono_caps_add_path(c, "/a", 0, 0, NONO_ORIGIN_USER),
			 -EINVAL);
	assert_int_equal(
	    nono_caps_add_path(c, "/a", 1u << 5, 0, NONO_ORIGIN_USER), -EINVAL);
	assert_int_equal(
	    nono_caps_add_socket(c, "rel.sock", NONO_SOCK_FILE, false),
	    -EINVAL);
	assert_int_equal(nono_caps_add_mask(c, "rel", NONO_MASK_HIDE, false),
			 -EINVAL);

	longp = malloc(PATH_MAX + 1);
	assert_non_null(longp);
	longp[0] = '/';
	memset(longp + 1, 'a', PATH_MAX - 1);
	longp[PATH_MAX] = '\0';
	assert_int_equal(
	    nono_caps_add_path(c, longp, NONO_ACCESS_READ, 0, NONO_ORIGIN_USER),
	    -ENAMETOOLONG);
	assert_int_equal(nono_caps_add_mask(c, longp, NONO_MASK_HIDE, false),
			 -ENAMETOOLONG);
	/* One byte shorter fits (PATH_MAX includes the NUL). */
	longp[PATH_MAX - 1] = '\0';
	assert_int_equal(
	    nono_caps_add_path(c, longp, NONO_ACCESS_READ, 0, NONO_ORIGIN_USER),
	    0);
	free(longp);

	/* Every refusal above left the set as it was. */
	assert_int_equal(nono_caps_path_count(c), 1);
	assert_int_equal(nono_caps_socket_count(c), 0);
	assert_int_equal(nono_caps_mask_count(c), 0);
}

static void test_limit_paths(void **state)
{
	struct nono_caps *c = *state;
	char p[32];
	size_t i;

	for (i = 0; i < NONO_CAPS_MAX; i++) {
		snprintf(p, sizeof(p), "/p%zu", i);
		assert_int_equal(nono_caps_add_path(c, p, NONO_ACCESS_READ, 0,
						    NONO_ORIGIN_USER),
				 0);
	}
	assert_int_equal(nono_caps_path_count(c), NONO_CAPS_MAX);
	assert_int_equal(nono_caps_add_path(c, "/one-more", NONO_ACCESS_READ, 0,
					    NONO_ORIGIN_USER),
			 -E2BIG);
	assert_int_equal(nono_caps_path_count(c), NONO_CAPS_MAX);
	/* Merging into an existing grant still works at the ceiling. */
	assert_int_equal(nono_caps_add_path(c, "/p7", NONO_ACCESS_WRITE, 0,
					    NONO_ORIGIN_USER),
			 0);
	assert_int_equal(nono_caps_path_at(c, 7)->access, NONO_ACCESS_RW);
	/* Removing one makes room for one. */
	assert_int_equal(nono_caps_remove_path(c, "/p0"), 1);
	assert_int_equal(nono_caps_add_path(c, "/one-more", NONO_ACCESS_READ, 0,
					    NONO_ORIGIN_USER),
			 0);
	assert_int_equal(nono_caps_add_path(c, "/two-more", NONO_ACCESS_READ, 0,
					    NONO_ORIGIN_USER),
			 -E2BIG);
}

static void test_limit_ports_masks_sockets(void **state)
{
	struct nono_caps *c = *state;
	char p[32];
	size_t i;

	assert_int_equal(nono_caps_add_port(c, 0), -EINVAL);
	for (i = 1; i <= NONO_CAPS_MAX; i++)
		assert_int_equal(nono_caps_add_port(c, (uint16_t)i), 0);
	assert_int_equal(nono_caps_port_count(c), NONO_CAPS_MAX);
	/* A duplicate is accepted without a new entry, a new port is not. */
	assert_int_equal(nono_caps_add_port(c, 1), 0);
	assert_int_equal(nono_caps_add_port(c, NONO_CAPS_MAX + 1), -E2BIG);
	assert_int_equal(nono_caps_port_count(c), NONO_CAPS_MAX);
	assert_int_equal(nono_caps_port_at(c, 0), 1);
	assert_int_equal(nono_caps_port_at(c, NONO_CAPS_MAX - 1),
			 NONO_CAPS_MAX);
	assert_int_equal(nono_caps_port_at(c, NONO_CAPS_MAX), 0);

	for (i = 0; i < NONO_CAPS_MAX; i++) {
		snprintf(p, sizeof(p), "/m%zu", i);
		assert_int_equal(nono_caps_add_mask(c, p, NONO_MASK_PIN, true),
				 0);
	}
	assert_int_equal(nono_caps_add_mask(c, "/mx", NONO_MASK_HIDE, false),
			 -E2BIG);
	/* An existing mask can still be strengthened. */
	assert_int_equal(nono_caps_add_mask(c, "/m3", NONO_MASK_HIDE, true), 0);
	assert_int_equal(nono_caps_mask_at(c, 3)->kind, NONO_MASK_HIDE);

	for (i = 0; i < NONO_CAPS_MAX; i++) {
		snprintf(p, sizeof(p), "/s%zu", i);
		assert_int_equal(
		    nono_caps_add_socket(c, p, NONO_SOCK_FILE, false), 0);
	}
	assert_int_equal(nono_caps_add_socket(c, "/sx", NONO_SOCK_DIR, true),
			 -E2BIG);
	assert_int_equal(nono_caps_socket_count(c), NONO_CAPS_MAX);
}

static void test_sockets_and_flags(void **state)
{
	struct nono_caps *c = *state;
	const struct nono_sock_grant *s;

	assert_int_equal(
	    nono_caps_add_socket(c, "/run/a.sock", NONO_SOCK_FILE, false), 0);
	assert_int_equal(
	    nono_caps_add_socket(c, "/run/d", NONO_SOCK_SUBTREE, true), 0);
	assert_int_equal(nono_caps_socket_count(c), 2);
	s = nono_caps_socket_at(c, 1);
	assert_non_null(s);
	assert_string_equal(s->path, "/run/d");
	assert_int_equal(s->scope, NONO_SOCK_SUBTREE);
	assert_true(s->bind);
	assert_null(nono_caps_socket_at(c, 2));

	nono_caps_set_net(c, NONO_NET_BLOCK);
	assert_int_equal(nono_caps_net(c), NONO_NET_BLOCK);
	nono_caps_set_scopes(c, NONO_SCOPE_SIGNAL | NONO_SCOPE_ABSTRACT_UNIX);
	assert_int_equal(nono_caps_scopes(c),
			 NONO_SCOPE_SIGNAL | NONO_SCOPE_ABSTRACT_UNIX);
	nono_caps_set_proc_self_write(c, true);
	assert_true(nono_caps_proc_self_write(c));
	nono_caps_set_proc_self_write(c, false);
	assert_false(nono_caps_proc_self_write(c));
}

static void test_path_is_under(void **state)
{
	/* clang-format off */
	static const struct {
		const char *path;
		const char *ancestor;
		bool under;
	} rows[] = {
		{"/a/b", "/a/b", true},
		{"/a/b/c", "/a/b", true},
		{"/a/b/c/d", "/a", true},
		{"/a/bc", "/a/b", false},
		{"/a/b-c", "/a/b", false},
		{"/a", "/a/b", false},
		{"/ab", "/a", false},
		{"/b/a", "/a", false},
		{"/", "/", true},
		{"/anything", "/", true},
		{"/a/b", "/", true},
		{"/", "/a", false},
		{"/home/u/.ssh", "/home/u", true},
		{"/home/u/.sshx", "/home/u/.ssh", false},
	};
	/* clang-format on */
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		if (nono_path_is_under(rows[i].path, rows[i].ancestor) !=
		    rows[i].under)
			fail_msg("row %zu: is_under(%s, %s) != %d", i,
				 rows[i].path, rows[i].ancestor, rows[i].under);
	}
}

struct grant_row {
	const char *path;
	unsigned access;
	unsigned flags;
};

/* (grants, path, access) -> allow/deny, and the deciding grant. */
struct allow_row {
	const char *path;
	unsigned access;
	bool allow;
	const char *decider; /* path of the deciding grant, or NULL */
};

static void check_allow_table(const struct grant_row *grants, size_t ng,
			      const struct allow_row *rows, size_t nr)
{
	static const struct nono_grant sentinel;
	struct nono_caps *c = nono_caps_new();
	const struct nono_grant *g;
	size_t i;
	bool got;

	assert_non_null(c);
	for (i = 0; i < ng; i++)
		assert_int_equal(
		    nono_caps_add_path(c, grants[i].path, grants[i].access,
				       grants[i].flags, NONO_ORIGIN_USER),
		    0);
	for (i = 0; i < nr; i++) {
		g = &sentinel; /* must be overwritten */
		got = nono_caps_allows(c, rows[i].path, rows[i].access, &g);
		if (got != rows[i].allow)
			fail_msg("row %zu: allows(%s, %u) = %d, want %d", i,
				 rows[i].path, rows[i].access, got,
				 rows[i].allow);
		if (!rows[i].allow) {
			assert_null(g);
			continue;
		}
		assert_non_null(g);
		if (rows[i].decider)
			assert_string_equal(g->path, rows[i].decider);
		/* A NULL out-pointer is accepted. */
		assert_true(
		    nono_caps_allows(c, rows[i].path, rows[i].access, NULL));
	}
	nono_caps_free(c);
}

static void test_allows_table(void **state)
{
	/* clang-format off */
	static const struct grant_row grants[] = {
		{"/a/b", NONO_ACCESS_READ, 0},
		{"/a/b/w", NONO_ACCESS_WRITE, 0},
		{"/etc/hosts", NONO_ACCESS_READ, NONO_GRANT_FILE},
		{"/srv", NONO_ACCESS_RW, 0},
		{"/srv/ro", NONO_ACCESS_READ, 0},
		{"/dev/null", NONO_ACCESS_RW, NONO_GRANT_FILE},
	};
	static const struct allow_row rows[] = {
		/* directory grant: itself and below */
		{"/a/b", NONO_ACCESS_READ, true, "/a/b"},
		{"/a/b/c/d", NONO_ACCESS_READ, true, "/a/b"},
		{"/a/b/c", NONO_ACCESS_WRITE, false, NULL},
		{"/a/b", NONO_ACCESS_RW, false, NULL},
		/* sibling sharing a prefix, parent, root */
		{"/a/bc", NONO_ACCESS_READ, false, NULL},
		{"/a/b-c/x", NONO_ACCESS_READ, false, NULL},
		{"/a", NONO_ACCESS_READ, false, NULL},
		{"/", NONO_ACCESS_READ, false, NULL},
		/* rights union down the tree; the longest grant decides */
		{"/a/b/w/f", NONO_ACCESS_RW, true, "/a/b/w"},
		{"/a/b/w", NONO_ACCESS_READ, true, "/a/b/w"},
		{"/a/b/wx", NONO_ACCESS_WRITE, false, NULL},
		/* a file grant covers exactly that path */
		{"/etc/hosts", NONO_ACCESS_READ, true, "/etc/hosts"},
		{"/etc/hosts", NONO_ACCESS_WRITE, false, NULL},
		{"/etc/hosts/x", NONO_ACCESS_READ, false, NULL},
		{"/etc/hostname", NONO_ACCESS_READ, false, NULL},
		{"/etc", NONO_ACCESS_READ, false, NULL},
		{"/dev/null", NONO_ACCESS_RW, true, "/dev/null"},
		{"/dev/zero", NONO_ACCESS_READ, false, NULL},
		/* a read-only grant below a rw one cannot take write away */
		{"/srv/ro/f", NONO_ACCESS_RW, true, "/srv/ro"},
		{"/srv/x", NONO_ACCESS_WRITE, true, "/srv"},
		{"/srvx", NONO_ACCESS_READ, false, NULL},
	};
	/* clang-format on */

	(void)state;
	check_allow_table(grants, ARRAY_SIZE(grants), rows, ARRAY_SIZE(rows));
}

static void test_allows_root(void **state)
{
	/* clang-format off */
	static const struct grant_row grants[] = {
		{"/", NONO_ACCESS_READ, 0},
		{"/tmp", NONO_ACCESS_RW, 0},
	};
	static const struct allow_row rows[] = {
		{"/", NONO_ACCESS_READ, true, "/"},
		{"/usr/lib/x", NONO_ACCESS_READ, true, "/"},
		{"/usr/lib/x", NONO_ACCESS_WRITE, false, NULL},
		{"/tmp/f", NONO_ACCESS_RW, true, "/tmp"},
		{"/tmpx/f", NONO_ACCESS_WRITE, false, NULL},
		{"/", NONO_ACCESS_WRITE, false, NULL},
	};
	/* clang-format on */

	(void)state;
	check_allow_table(grants, ARRAY_SIZE(grants), rows, ARRAY_SIZE(rows));
}

static void test_allows_file_root(void **state)
{
	/* A file grant of "/" is not a tree grant. */
	/* clang-format off */
	static const struct grant_row grants[] = {
		{"/", NONO_ACCESS_READ, NONO_GRANT_FILE},
	};
	static const struct allow_row rows[] = {
		{"/", NONO_ACCESS_READ, true, "/"},
		{"/etc", NONO_ACCESS_READ, false, NULL},
	};
	/* clang-format on */

	(void)state;
	check_allow_table(grants, ARRAY_SIZE(grants), rows, ARRAY_SIZE(rows));
}

static void test_masks_strongest(void **state)
{
	/* (first kind, second kind) -> kept kind: hide > read-only > pin. */
	/* clang-format off */
	static const struct {
		enum nono_mask_kind first, second, kept;
	} rows[] = {
		{NONO_MASK_PIN, NONO_MASK_READONLY, NONO_MASK_READONLY},
		{NONO_MASK_READONLY, NONO_MASK_PIN, NONO_MASK_READONLY},
		{NONO_MASK_PIN, NONO_MASK_HIDE, NONO_MASK_HIDE},
		{NONO_MASK_HIDE, NONO_MASK_PIN, NONO_MASK_HIDE},
		{NONO_MASK_READONLY, NONO_MASK_HIDE, NONO_MASK_HIDE},
		{NONO_MASK_HIDE, NONO_MASK_READONLY, NONO_MASK_HIDE},
		{NONO_MASK_PIN, NONO_MASK_PIN, NONO_MASK_PIN},
	};
	/* clang-format on */
	struct nono_caps *c = *state;
	const struct nono_mask *m;
	char p[32];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		snprintf(p, sizeof(p), "/mask/%zu", i);
		assert_int_equal(nono_caps_add_mask(c, p, rows[i].first, true),
				 0);
		assert_int_equal(
		    nono_caps_add_mask(c, p, rows[i].second, false), 0);
		assert_int_equal(nono_caps_mask_count(c), i + 1);
		m = nono_caps_mask_at(c, i);
		assert_non_null(m);
		assert_string_equal(m->path, p);
		if (m->kind != rows[i].kept)
			fail_msg("row %zu: kind %d, want %d", i, m->kind,
				 rows[i].kept);
		/* The first call's is_dir is kept. */
		assert_true(m->is_dir);
	}
	assert_null(nono_caps_mask_at(c, ARRAY_SIZE(rows)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_new_is_empty, setup_caps,
					    teardown_caps),
	    cmocka_unit_test_setup_teardown(test_add_and_merge, setup_caps,
					    teardown_caps),
	    cmocka_unit_test_setup_teardown(test_remove, setup_caps,
					    teardown_caps),
	    cmocka_unit_test_setup_teardown(test_invalid_paths, setup_caps,
					    teardown_caps),
	    cmocka_unit_test_setup_teardown(test_limit_paths, setup_caps,
					    teardown_caps),
	    cmocka_unit_test_setup_teardown(test_limit_ports_masks_sockets,
					    setup_caps, teardown_caps),
	    cmocka_unit_test_setup_teardown(test_sockets_and_flags, setup_caps,
					    teardown_caps),
	    cmocka_unit_test(test_path_is_under),
	    cmocka_unit_test(test_allows_table),
	    cmocka_unit_test(test_allows_root),
	    cmocka_unit_test(test_allows_file_root),
	    cmocka_unit_test_setup_teardown(test_masks_strongest, setup_caps,
					    teardown_caps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
