// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of the AF_UNIX gate's policy (nono_gate_allows) and its
 * bounded record of sockets the sandbox bound; no I/O.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "nono/caps.h"
#include "supervisor/gate.h"
#include "supervisor/gate_internal.h"

struct row {
	enum nono_gate_op op;
	const char *path;
	bool allowed;
};

static struct nono_caps *make_caps(enum nono_net_mode net)
{
	struct nono_caps *c = nono_caps_new();

	assert_non_null(c);
	nono_caps_set_net(c, net);
	assert_int_equal(
	    nono_caps_add_path(c, "/proj", NONO_ACCESS_RW, 0, NONO_ORIGIN_USER),
	    0);
	assert_int_equal(
	    nono_caps_add_path(c, "/ro", NONO_ACCESS_READ, 0, NONO_ORIGIN_USER),
	    0);
	assert_int_equal(nono_caps_add_path(c, "/tmp", NONO_ACCESS_RW, 0,
					    NONO_ORIGIN_SYSTEM),
			 0);
	assert_int_equal(nono_caps_add_socket(c, "/run/pg/.s.PGSQL.5432",
					      NONO_SOCK_FILE, false),
			 0);
	assert_int_equal(
	    nono_caps_add_socket(c, "/run/dir", NONO_SOCK_DIR, false), 0);
	assert_int_equal(
	    nono_caps_add_socket(c, "/run/tree", NONO_SOCK_SUBTREE, true), 0);
	assert_int_equal(
	    nono_caps_add_mask(c, "/proj/.ssh", NONO_MASK_HIDE, true), 0);
	assert_int_equal(
	    nono_caps_add_mask(c, "/proj/.git/hooks", NONO_MASK_READONLY, true),
	    0);
	return c;
}

static void check(enum nono_net_mode net, const struct row *rows, size_t n)
{
	struct nono_caps *c = make_caps(net);
	struct nono_gate *g = NULL;

	assert_int_equal(nono_gate_new(c, &g), 0);
	for (size_t i = 0; i < n; i++) {
		bool got = nono_gate_allows(g, rows[i].op, rows[i].path);

		if (got != rows[i].allowed)
			fail_msg("%s %s: expected %s", rows[i].path,
				 rows[i].op == NONO_GATE_BIND ? "bind"
							      : "connect",
				 rows[i].allowed ? "allow" : "deny");
	}
	nono_gate_free(g);
	nono_caps_free(c);
}

#define C NONO_GATE_CONNECT
#define B NONO_GATE_BIND

static void test_open_network(void **state)
{
	/* clang-format off */
	static const struct row rows[] = {
		{C, "/proj/app.sock", true},        /* under a user grant */
		{C, "/ro/x.sock", true},            /* read grant suffices */
		{C, "/tmp/tmux-1000/default", false}, /* system grant: no */
		{C, "/run/user/1000/bus", false},   /* nothing covers it */
		{C, "/run/pg/.s.PGSQL.5432", true}, /* socket grant */
		{C, "/run/pg/other", false},
		{C, "/run/dir/a.sock", true},       /* direct child */
		{C, "/run/dir/sub/a.sock", false},  /* not a grandchild */
		{C, "/run/dir", false},             /* the dir itself */
		{C, "/run/tree/a/b/c.sock", true},  /* subtree */
		{C, "/run/treeX/a.sock", false},    /* prefix is not a parent */
		{C, "/proj/.ssh/agent.sock", false}, /* hidden */
		{C, "relative.sock", false},
		{B, "/proj/new.sock", true},        /* writable grant */
		{B, "/tmp/new.sock", true},         /* Landlock allows it too */
		{B, "/ro/new.sock", false},         /* read-only grant */
		{B, "/proj/.git/hooks/s", false},   /* read-only mask */
		{B, "/proj/.ssh/s", false},         /* hidden */
		{B, "/run/tree/x/new.sock", true},  /* bind socket grant */
		{B, "/run/dir/new.sock", false},    /* connect-only grant */
	};
	/* clang-format on */
	(void)state;
	check(NONO_NET_ALLOW, rows, sizeof(rows) / sizeof(rows[0]));
}

static void test_blocked_network(void **state)
{
	/* clang-format off */
	static const struct row rows[] = {
		{C, "/proj/app.sock", false},       /* plain grant: not enough */
		{C, "/run/pg/.s.PGSQL.5432", true},
		{C, "/run/dir/a.sock", true},
		{C, "/run/tree/a/b.sock", true},
		{B, "/proj/new.sock", false},
		{B, "/tmp/new.sock", false},
		{B, "/run/tree/new.sock", true},
	};
	/* clang-format on */
	(void)state;
	check(NONO_NET_BLOCK, rows, sizeof(rows) / sizeof(rows[0]));
}

static void test_own_sockets(void **state)
{
	struct nono_caps *c = make_caps(NONO_NET_BLOCK);
	struct nono_gate *g = NULL;
	const char abstract[] = "\0name-with\0nul";

	(void)state;
	assert_int_equal(nono_gate_new(c, &g), 0);
	/* The policy alone never lets a path through for having been bound:
	 * the sandbox's own sockets are known by inode, not by name. */
	assert_false(nono_gate_allows(g, C, "/proj/mine.sock"));
	assert_int_equal(nono_gate_bound_path(g, 8, 42), 0);
	assert_int_equal(nono_gate_note_bound_path(g, 8, 42, 1000), 0);
	assert_int_equal(nono_gate_bound_path(g, 8, 42), 1000);
	assert_false(nono_gate_allows(g, C, "/proj/mine.sock"));
	/* Same inode number, other device: another file. */
	assert_int_equal(nono_gate_bound_path(g, 9, 42), 0);
	/* Abstract names compare as bytes, NULs included, and are a
	 * namespace of their own. */
	assert_int_equal(
	    nono_gate_bound_abstract(g, abstract, sizeof(abstract) - 1), 0);
	assert_int_equal(nono_gate_note_bound_abstract(
			     g, abstract, sizeof(abstract) - 1, 1001),
			 0);
	assert_int_equal(
	    nono_gate_bound_abstract(g, abstract, sizeof(abstract) - 1), 1001);
	assert_int_equal(nono_gate_bound_abstract(g, abstract, 5), 0);
	/* An abstract name spelling a path does not make the path bound. */
	assert_int_equal(
	    nono_gate_note_bound_abstract(g, "/run/docker.sock", 16, 1002), 0);
	assert_false(nono_gate_allows(g, C, "/run/docker.sock"));
	/* Rebinding a name moves the record to the new socket. */
	assert_int_equal(nono_gate_note_bound_abstract(
			     g, abstract, sizeof(abstract) - 1, 1003),
			 0);
	assert_int_equal(
	    nono_gate_bound_abstract(g, abstract, sizeof(abstract) - 1), 1003);
	/* A socket that goes is forgotten, whichever names it held. */
	nono_gate_forget(g, 1000);
	assert_int_equal(nono_gate_bound_path(g, 8, 42), 0);
	nono_gate_forget(g, 1003);
	assert_int_equal(
	    nono_gate_bound_abstract(g, abstract, sizeof(abstract) - 1), 0);
	assert_int_equal(nono_gate_bound_abstract(g, "/run/docker.sock", 16),
			 1002);
	nono_gate_free(g);
	nono_caps_free(c);
}

static void test_bound_ceiling(void **state)
{
	struct nono_caps *c = make_caps(NONO_NET_ALLOW);
	struct nono_gate *g = NULL;
	int r = 0;

	(void)state;
	assert_int_equal(nono_gate_new(c, &g), 0);
	/* Inode 1 of sockfs is no live socket: once full, pruning finds every
	 * record dead and makes room (or, without sock_diag, stays full). */
	for (int i = 0; i < NONO_GATE_MAX_BOUND && r == 0; i++)
		r = nono_gate_note_bound_path(g, 8, (ino_t)i + 1, 1);
	assert_int_equal(r, 0);
	/* Noting a known one again is fine. */
	assert_int_equal(nono_gate_note_bound_path(g, 8, 1, 1), 0);
	r = nono_gate_note_bound_path(g, 8, 1000000, 1);
	assert_true(r == 0 || r == -E2BIG);
	if (r == 0)
		assert_int_equal(nono_gate_bound_path(g, 8, 5), 0);
	nono_gate_free(g);
	nono_caps_free(c);
}

/* Whose pid is it: the caller's threads and descendants are its own; its
 * parent (outside) and init are not. */
static void test_proc_own(void **state)
{
	pid_t self = getpid(), child, grandchild_holder;
	int pfd[2];

	(void)state;
	assert_true(nono_procgate_is_own(self, self));
	assert_false(nono_procgate_is_own(self, getppid()));
	assert_false(nono_procgate_is_own(self, 1));
	assert_false(nono_procgate_is_own(self, 0x7ffffff0)); /* no such */
	assert_int_equal(pipe(pfd), 0);
	child = fork();
	if (child == 0) {
		/* A grandchild, then wait to be killed. */
		pid_t g = fork();

		if (g == 0) {
			pause();
			_exit(0);
		}
		if (write(pfd[1], &g, sizeof(g)) != sizeof(g))
			_exit(1);
		pause();
		_exit(0);
	}
	assert_true(child > 0);
	assert_int_equal(read(pfd[0], &grandchild_holder, sizeof(pid_t)),
			 sizeof(pid_t));
	{
		bool own_child = nono_procgate_is_own(self, child);
		bool own_grand = nono_procgate_is_own(self, grandchild_holder);
		/* Seen from the child, we (its parent) are outside. */
		bool parent = nono_procgate_is_own(child, self);

		kill(grandchild_holder, SIGKILL);
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		close(pfd[0]);
		close(pfd[1]);
		assert_true(own_child);
		assert_true(own_grand);
		assert_false(parent);
	}
}

static void test_inet(void **state)
{
	struct nono_caps *c = make_caps(NONO_NET_BLOCK);
	struct nono_caps *open_net = make_caps(NONO_NET_ALLOW);
	struct nono_gate *g = NULL, *go = NULL;
	struct sockaddr_in in = {.sin_family = AF_INET};
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};

	(void)state;
	assert_int_equal(nono_caps_add_port(c, 3000), 0);
	assert_int_equal(nono_gate_new(c, &g), 0);
	assert_int_equal(nono_gate_new(open_net, &go), 0);

	in.sin_port = htons(3000);
	in.sin_addr.s_addr = htonl(0x7f000001);
	assert_true(nono_gate_inet_allowed(g, &in, sizeof(in)));
	in.sin_addr.s_addr = htonl(0x7f000102); /* all of 127/8 */
	assert_true(nono_gate_inet_allowed(g, &in, sizeof(in)));
	in.sin_addr.s_addr = htonl(0x0a000001); /* open port, not loopback */
	assert_false(nono_gate_inet_allowed(g, &in, sizeof(in)));
	in.sin_addr.s_addr = htonl(0x7f000001);
	in.sin_port = htons(3001); /* loopback, other port */
	assert_false(nono_gate_inet_allowed(g, &in, sizeof(in)));
	assert_false(nono_gate_inet_allowed(g, &in, 4)); /* truncated */
	assert_true(nono_gate_inet_allowed(go, &in, sizeof(in)));

	in6.sin6_port = htons(3000);
	in6.sin6_addr = in6addr_loopback;
	assert_true(nono_gate_inet_allowed(g, &in6, sizeof(in6)));
	in6.sin6_addr.s6_addr[0] = 0x20; /* 2000::1 */
	assert_false(nono_gate_inet_allowed(g, &in6, sizeof(in6)));
	memset(&in6.sin6_addr, 0, sizeof(in6.sin6_addr));
	in6.sin6_addr.s6_addr[10] = 0xff; /* ::ffff:127.0.0.1 */
	in6.sin6_addr.s6_addr[11] = 0xff;
	in6.sin6_addr.s6_addr[12] = 127;
	in6.sin6_addr.s6_addr[15] = 1;
	assert_true(nono_gate_inet_allowed(g, &in6, sizeof(in6)));
	in6.sin6_addr.s6_addr[12] = 10; /* ::ffff:10.0.0.1 */
	assert_false(nono_gate_inet_allowed(g, &in6, sizeof(in6)));
	nono_gate_free(g);
	nono_gate_free(go);
	nono_caps_free(c);
	nono_caps_free(open_net);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open_network),
	    cmocka_unit_test(test_blocked_network),
	    cmocka_unit_test(test_own_sockets),
	    cmocka_unit_test(test_bound_ceiling),
	    cmocka_unit_test(test_proc_own),
	    cmocka_unit_test(test_inet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
