// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of the Landlock ruleset: each enforcement test builds a ruleset
 * in the parent, restricts a forked child with it, runs a table of
 * operations there and checks every result (EACCES/EPERM for what is denied,
 * success for the granted control), then checks the parent is unaffected.
 * Also the ABI knob, the report of an old ABI, and build errors.  The child
 * never execs: no system grants are needed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include "core/landlock_abi.h"
#include "nono/caps.h"
#include "nono/error.h"
#include "nono/landlock.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_CASES 32

/* Exit codes of a child that could not get restricted. */
#define CHILD_ENNP 120
#define CHILD_ERESTRICT 121
#define CHILD_EWRITE 122

enum op {
	OP_READ,     /* open(O_RDONLY) */
	OP_READDIR,  /* open(O_RDONLY|O_DIRECTORY) */
	OP_WRITE,    /* open(O_WRONLY) of an existing file */
	OP_CREATE,   /* open(O_CREAT|O_EXCL|O_WRONLY) */
	OP_MKDIR,    /* mkdir() */
	OP_UNLINK,   /* unlink() */
	OP_TRUNCATE, /* truncate() */
	OP_RENAME,   /* rename(rel, rel2) */
	OP_CONNECT,  /* TCP connect() to 127.0.0.1:port */
	OP_KILL_PARENT,
	OP_KILL_SELF,
};

struct ll_case {
	enum op op;
	const char *rel;  /* below the test root */
	const char *rel2; /* OP_RENAME target */
	int port;         /* OP_CONNECT */
	int want;         /* 0 or the errno */
};

struct fixture {
	char root[PATH_MAX];
	int abi;
};

static struct fixture fx;

/* ---- helpers ---- */

static bool path_of(char *out, const char *rel)
{
	int r = snprintf(out, PATH_MAX, "%s/%s", fx.root, rel);

	return r > 0 && r < PATH_MAX;
}

static void join(char *out, const char *rel)
{
	assert_true(path_of(out, rel));
}

/* Unless @have >= @min: fails under NONO_TEST_STRICT=1, skips otherwise. */
static void need(int have, int min)
{
	const char *strict = getenv("NONO_TEST_STRICT");

	if (have >= min)
		return;
	if (strict && strcmp(strict, "1") == 0)
		fail_msg("Landlock ABI %d < %d under NONO_TEST_STRICT=1", have,
			 min);
	skip();
}

static void need_abi(int min)
{
	need(fx.abi, min);
}

static int errno_of(int r)
{
	return r < 0 ? errno : 0;
}

/* Runs one operation in the restricted child; 0 or errno. */
static int child_op(const struct ll_case *c)
{
	char p[PATH_MAX], q[PATH_MAX];
	struct sockaddr_in sa;
	int fd, r;

	if (c->rel && !path_of(p, c->rel))
		return ENAMETOOLONG;
	switch (c->op) {
	case OP_READ:
	case OP_READDIR:
	case OP_WRITE:
	case OP_CREATE:
		if (c->op == OP_READ)
			fd = open(p, O_RDONLY | O_CLOEXEC);
		else if (c->op == OP_READDIR)
			fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		else if (c->op == OP_WRITE)
			fd = open(p, O_WRONLY | O_CLOEXEC);
		else
			fd = open(p, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC,
				  0644);
		if (fd < 0)
			return errno;
		close(fd);
		return 0;
	case OP_MKDIR:
		return errno_of(mkdir(p, 0755));
	case OP_UNLINK:
		return errno_of(unlink(p));
	case OP_TRUNCATE:
		return errno_of(truncate(p, 0));
	case OP_RENAME:
		if (!path_of(q, c->rel2))
			return ENAMETOOLONG;
		return errno_of(rename(p, q));
	case OP_CONNECT:
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return errno;
		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_port = htons((uint16_t)c->port);
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		r = errno_of(connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
		close(fd);
		return r;
	case OP_KILL_PARENT:
		return errno_of(kill(getppid(), 0));
	case OP_KILL_SELF:
		return errno_of(kill(getpid(), 0));
	}
	return EINVAL;
}

/* Child: restricts itself with @rfd (or not, when -1), runs the cases and
 * writes their results to @wfd.  Never returns. */
static void child(int rfd, const struct ll_case *cases, size_t n, int wfd)
{
	int res[MAX_CASES];
	size_t i;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		_exit(CHILD_ENNP);
	if (rfd >= 0 && nono_landlock_restrict(rfd) < 0)
		_exit(CHILD_ERESTRICT);
	for (i = 0; i < n; i++)
		res[i] = child_op(&cases[i]);
	if (write(wfd, res, n * sizeof(res[0])) !=
	    (ssize_t)(n * sizeof(res[0])))
		_exit(CHILD_EWRITE);
	_exit(0);
}

/*
 * Builds a ruleset for @caps at @abi (the detected one when 0), runs @cases
 * in a restricted child and checks each result.
 */
static void run_cases(const struct nono_caps *caps, int abi,
		      const struct ll_case *cases, size_t n)
{
	char bad[PATH_MAX];
	int res[MAX_CASES];
	int rfd = -1, pfd[2], status;
	size_t i;
	ssize_t got;
	pid_t pid;

	assert_true(n <= MAX_CASES);
	if (caps) {
		assert_int_equal(nono_landlock_build(caps, abi ? abi : fx.abi,
						     &rfd, bad, sizeof(bad)),
				 0);
		assert_true(rfd >= 0);
	}
	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
		child(rfd, cases, n, pfd[1]);
	}
	close(pfd[1]);
	if (rfd >= 0)
		close(rfd);
	got = read(pfd[0], res, sizeof(res));
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(got, (ssize_t)(n * sizeof(res[0])));
	for (i = 0; i < n; i++) {
		if (res[i] != cases[i].want)
			fail_msg("case %zu (op %d, %s, port %d): got %s, "
				 "want %s",
				 i, cases[i].op,
				 cases[i].rel ? cases[i].rel : "-",
				 cases[i].port, strerror(res[i]),
				 strerror(cases[i].want));
	}
}

static void assert_parent_reads(const char *rel)
{
	char p[PATH_MAX];
	int fd;

	join(p, rel);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	close(fd);
}

static void assert_missing(const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	join(p, rel);
	assert_int_equal(lstat(p, &st), -1);
	assert_int_equal(errno, ENOENT);
}

static void add(struct nono_caps *c, const char *rel, unsigned access,
		unsigned flags)
{
	char p[PATH_MAX];

	join(p, rel);
	assert_int_equal(
	    nono_caps_add_path(c, p, access, flags, NONO_ORIGIN_USER), 0);
}

/* ---- fixture ---- */

static int make_file(const char *rel)
{
	char p[PATH_MAX];
	int fd;

	if (!path_of(p, rel))
		return -1;
	fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (write(fd, "x", 1) != 1) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static int make_dir(const char *rel)
{
	char p[PATH_MAX];

	if (!path_of(p, rel))
		return -1;
	return mkdir(p, 0755);
}

static int make_link(const char *target_rel, const char *rel)
{
	char p[PATH_MAX], t[PATH_MAX];

	if (!path_of(p, rel) || !path_of(t, target_rel))
		return -1;
	return symlink(t, p);
}

/*
 * A/a.txt  A/out -> B/b.txt  A/in -> A/a.txt   B/b.txt   L -> B
 * C/c.txt (the rw tree)      F/f1  F/f2        D/ (rw, for renames)
 */
static int setup(void **state)
{
	char tmp[] = "/tmp/nono-test-landlock-XXXXXX";

	(void)state;
	if (!mkdtemp(tmp) || !realpath(tmp, fx.root))
		return -1;
	if (make_dir("A") || make_dir("B") || make_dir("C") || make_dir("D") ||
	    make_dir("F") || make_file("A/a.txt") || make_file("B/b.txt") ||
	    make_file("B/b2.txt") || make_file("C/c.txt") ||
	    make_file("F/f1") || make_file("F/f2") ||
	    make_link("B/b.txt", "A/out") || make_link("A/a.txt", "A/in") ||
	    make_link("B", "L"))
		return -1;
	fx.abi = nono_landlock_abi();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return test_rm_tree(fx.root);
}

/* ---- filesystem ---- */

static void test_read_only_dir(void **state)
{
	/* clang-format off */
	static const struct ll_case cases[] = {
		/* granted read on A */
		{OP_READ, "A/a.txt", NULL, 0, 0},
		{OP_READDIR, "A", NULL, 0, 0},
		/* B is not granted at all */
		{OP_READ, "B/b.txt", NULL, 0, EACCES},
		{OP_READDIR, "B", NULL, 0, EACCES},
		{OP_READDIR, ".", NULL, 0, EACCES},
		/* A is read-only */
		{OP_WRITE, "A/a.txt", NULL, 0, EACCES},
		{OP_CREATE, "A/new", NULL, 0, EACCES},
		{OP_MKDIR, "A/newdir", NULL, 0, EACCES},
		{OP_UNLINK, "A/a.txt", NULL, 0, EACCES},
		{OP_RENAME, "A/a.txt", "C/moved", 0, EACCES},
		/* C is read-write */
		{OP_READ, "C/c.txt", NULL, 0, 0},
		{OP_WRITE, "C/c.txt", NULL, 0, 0},
		{OP_CREATE, "C/new", NULL, 0, 0},
		{OP_MKDIR, "C/newdir", NULL, 0, 0},
		{OP_RENAME, "C/new", "C/renamed", 0, 0},
		{OP_UNLINK, "C/renamed", NULL, 0, 0},
		{OP_CREATE, "B/new", NULL, 0, EACCES},
	};
	/* clang-format on */
	struct nono_caps *c;

	(void)state;
	need_abi(1);
	c = nono_caps_new();
	assert_non_null(c);
	add(c, "A", NONO_ACCESS_READ, 0);
	add(c, "C", NONO_ACCESS_RW, 0);
	run_cases(c, 0, cases, ARRAY_SIZE(cases));
	nono_caps_free(c);

	/* The denied operations left no trace; the granted ones did. */
	assert_missing("A/new");
	assert_missing("A/newdir");
	assert_missing("C/moved");
	assert_parent_reads("A/a.txt");
	assert_parent_reads("C/newdir");
	/* The parent is not restricted. */
	assert_parent_reads("B/b.txt");
}

static void test_truncate(void **state)
{
	/* clang-format off */
	static const struct ll_case cases[] = {
		{OP_TRUNCATE, "A/a.txt", NULL, 0, EACCES},
		{OP_TRUNCATE, "C/c.txt", NULL, 0, 0},
	};
	/* clang-format on */
	struct nono_caps *c;
	struct stat st;
	char p[PATH_MAX];

	(void)state;
	need_abi(3);
	c = nono_caps_new();
	assert_non_null(c);
	add(c, "A", NONO_ACCESS_READ, 0);
	add(c, "C", NONO_ACCESS_RW, 0);
	run_cases(c, 0, cases, ARRAY_SIZE(cases));
	nono_caps_free(c);
	join(p, "A/a.txt");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 1);
}

static void test_file_grant(void **state)
{
	/* clang-format off */
	static const struct ll_case cases[] = {
		{OP_READ, "F/f1", NULL, 0, 0},
		{OP_READ, "F/f2", NULL, 0, EACCES},
		{OP_READDIR, "F", NULL, 0, EACCES},
		{OP_WRITE, "F/f1", NULL, 0, EACCES},
		{OP_CREATE, "F/f3", NULL, 0, EACCES},
	};
	/* clang-format on */
	struct nono_caps *c;

	(void)state;
	need_abi(1);
	c = nono_caps_new();
	assert_non_null(c);
	add(c, "F/f1", NONO_ACCESS_READ, NONO_GRANT_FILE);
	run_cases(c, 0, cases, ARRAY_SIZE(cases));
	nono_caps_free(c);
	assert_parent_reads("F/f2");
}

static void test_file_flag_on_dir(void **state)
{
	/* clang-format off */
	static const struct ll_case cases[] = {
		{OP_READ, "F/f1", NULL, 0, EACCES},
		{OP_READ, "F/f2", NULL, 0, EACCES},
		{OP_WRITE, "F/f1", NULL, 0, EACCES},
		{OP_READ, "A/a.txt", NULL, 0, 0},
	};
	/* clang-format on */
	struct nono_caps *c;
	char bad[PATH_MAX], want[PATH_MAX];
	int fd = 7, r;

	/*
	 * A file grant covers exactly its path (nono_caps_allows).  When the
	 * path turns out to be a directory, the build must either refuse it
	 * or grant nothing beneath it: a Landlock rule with file rights on a
	 * directory would open every file below.
	 */
	(void)state;
	need_abi(1);
	c = nono_caps_new();
	assert_non_null(c);
	add(c, "F", NONO_ACCESS_RW, NONO_GRANT_FILE);
	add(c, "A", NONO_ACCESS_READ, 0);
	r = nono_landlock_build(c, fx.abi, &fd, bad, sizeof(bad));
	if (r < 0) {
		assert_int_equal(fd, -1);
		join(want, "F");
		assert_string_equal(bad, want);
	} else {
		close(fd);
		run_cases(c, 0, cases, ARRAY_SIZE(cases));
	}
	nono_caps_free(c);
}

static void test_symlink_out(void **state)
{
	/* clang-format off */
	static const struct ll_case cases[] = {
		/* A/out -> B/b.txt: the target is what Landlock checks */
		{OP_READ, "A/out", NULL, 0, EACCES},
		/* A/in -> A/a.txt stays inside the grant */
		{OP_READ, "A/in", NULL, 0, 0},
		{OP_READ, "A/a.txt", NULL, 0, 0},
	};
	/* clang-format on */
	struct nono_caps *c;

	(void)state;
	need_abi(1);
	c = nono_caps_new();
	assert_non_null(c);
	add(c, "A", NONO_ACCESS_READ, 0);
	run_cases(c, 0, cases, ARRAY_SIZE(cases));
	nono_caps_free(c);
	/* The parent reads through the same link. */
	assert_parent_reads("A/out");
}

static void test_symlink_grant(void **state)
{
	/* clang-format off */
	static const struct ll_case denied[] = {
		{OP_READ, "A/out", NULL, 0, EACCES},
		{OP_READ, "B/b.txt", NULL, 0, EACCES},
		{OP_READ, "A/a.txt", NULL, 0, 0},
	};
	static const struct ll_case allowed[] = {
		{OP_READ, "A/out", NULL, 0, 0},
		{OP_READ, "B/b.txt", NULL, 0, 0},
		{OP_READ, "A/a.txt", NULL, 0, 0},
	};
	/* clang-format on */
	struct nono_caps *c;
	char bad[PATH_MAX], want[PATH_MAX];
	int fd = 7, r;

	/* A user grant naming a symlink never grants its target: the build
	 * refuses it, or the rule lands on the link itself. */
	(void)state;
	need_abi(1);
	c = nono_caps_new();
	assert_non_null(c);
	add(c, "A/out", NONO_ACCESS_READ, NONO_GRANT_FILE);
	add(c, "A/a.txt", NONO_ACCESS_READ, NONO_GRANT_FILE);
	r = nono_landlock_build(c, fx.abi, &fd, bad, sizeof(bad));
	if (r < 0) {
		assert_int_equal(r, -ELOOP);
		join(want, "A/out");
		assert_string_equal(bad, want);
	} else {
		close(fd);
		run_cases(c, 0, denied, ARRAY_SIZE(denied));
	}
	nono_caps_free(c);

	/* Controls: a trusted (FOLLOW) grant of the link reaches the target,
	 * as does a grant of the target itself. */
	c = nono_caps_new();
	assert_non_null(c);
	add(c, "A/out", NONO_ACCESS_READ, NONO_GRANT_FILE | NONO_GRANT_FOLLOW);
	add(c, "A/a.txt", NONO_ACCESS_READ, NONO_GRANT_FILE);
	run_cases(c, 0, allowed, ARRAY_SIZE(allowed));
	nono_caps_free(c);
	c = nono_caps_new();
	assert_non_null(c);
	add(c, "B/b.txt", NONO_ACCESS_READ, NONO_GRANT_FILE);
	add(c, "A/a.txt", NONO_ACCESS_READ, NONO_GRANT_FILE);
	run_cases(c, 0, allowed, ARRAY_SIZE(allowed));
	nono_caps_free(c);
}

static void test_symlink_on_way(void **state)
{
	/* clang-format off */
	static const struct ll_case allowed[] = {
		{OP_READ, "B/b.txt", NULL, 0, 0},
		{OP_WRITE, "B/b.txt", NULL, 0, 0},
	};
	/* clang-format on */
	struct nono_caps *c;
	char bad[PATH_MAX], want[PATH_MAX];
	int fd = 7;

	/*
	 * User paths are canonical when planned.  A directory on the way
	 * that became a link since (renamed away, link planted) would move
	 * the rule to wherever the link points: the build refuses it, with
	 * or without the parent cached from an earlier grant.
	 */
	(void)state;
	need_abi(1);
	c = nono_caps_new();
	assert_non_null(c);
	add(c, "L/b.txt", NONO_ACCESS_RW, NONO_GRANT_FILE);
	assert_int_equal(nono_landlock_build(c, fx.abi, &fd, bad, sizeof(bad)),
			 -ELOOP);
	assert_int_equal(fd, -1);
	join(want, "L/b.txt");
	assert_string_equal(bad, want);
	nono_caps_free(c);

	c = nono_caps_new();
	assert_non_null(c);
	add(c, "L/b2.txt", NONO_ACCESS_RW, NONO_GRANT_FILE | NONO_GRANT_FOLLOW);
	add(c, "L/b.txt", NONO_ACCESS_RW, NONO_GRANT_FILE);
	assert_int_equal(nono_landlock_build(c, fx.abi, &fd, bad, sizeof(bad)),
			 -ELOOP);
	nono_caps_free(c);

	/* Controls: the same grant through nono's trusted system paths
	 * (FOLLOW), and of the canonical path. */
	c = nono_caps_new();
	assert_non_null(c);
	add(c, "L/b.txt", NONO_ACCESS_RW, NONO_GRANT_FILE | NONO_GRANT_FOLLOW);
	run_cases(c, 0, allowed, ARRAY_SIZE(allowed));
	nono_caps_free(c);
	c = nono_caps_new();
	assert_non_null(c);
	add(c, "B/b.txt", NONO_ACCESS_RW, NONO_GRANT_FILE);
	run_cases(c, 0, allowed, ARRAY_SIZE(allowed));
	nono_caps_free(c);
}

static void test_missing_path(void **state)
{
	/* clang-format off */
	static const struct ll_case cases[] = {
		{OP_READ, "A/a.txt", NULL, 0, 0},
		{OP_READ, "B/b.txt", NULL, 0, EACCES},
	};
	/* clang-format on */
	struct nono_caps *c;
	char bad[PATH_MAX], want[PATH_MAX];
	int fd = 7;

	(void)state;
	need_abi(1);
	c = nono_caps_new();
	assert_non_null(c);
	add(c, "A", NONO_ACCESS_READ, 0);
	add(c, "no/such/dir", NONO_ACCESS_READ, 0);
	assert_int_equal(nono_landlock_build(c, fx.abi, &fd, bad, sizeof(bad)),
			 -ENOENT);
	assert_int_equal(fd, -1);
	join(want, "no/such/dir");
	assert_string_equal(bad, want);
	/* A NULL @bad is accepted. */
	assert_int_equal(nono_landlock_build(c, fx.abi, &fd, NULL, 0), -ENOENT);
	nono_caps_free(c);

	/* The same grant flagged optional is skipped; the rest applies. */
	c = nono_caps_new();
	assert_non_null(c);
	add(c, "no/such/dir", NONO_ACCESS_RW, NONO_GRANT_OPTIONAL);
	add(c, "A", NONO_ACCESS_READ, 0);
	assert_int_equal(nono_landlock_build(c, fx.abi, &fd, bad, sizeof(bad)),
			 0);
	assert_true(fd >= 0);
	assert_string_equal(bad, "");
	close(fd);
	run_cases(c, 0, cases, ARRAY_SIZE(cases));
	nono_caps_free(c);
}

/* ---- network ---- */

/* A listening TCP socket on 127.0.0.1 with a kernel-chosen port. */
static int listen_loopback(int *port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static void test_net_ports(void **state)
{
	struct ll_case cases[2];
	struct nono_caps *c;
	int l1, l2, p1, p2;

	(void)state;
	need_abi(4);
	l1 = listen_loopback(&p1);
	l2 = listen_loopback(&p2);
	c = nono_caps_new();
	assert_non_null(c);
	nono_caps_set_net(c, NONO_NET_BLOCK);
	assert_int_equal(nono_caps_add_port(c, (uint16_t)p1), 0);

	memset(cases, 0, sizeof(cases));
	cases[0].op = OP_CONNECT;
	cases[0].port = p1;
	cases[0].want = 0;
	cases[1].op = OP_CONNECT;
	cases[1].port = p2;
	cases[1].want = EACCES;
	run_cases(c, 0, cases, 2);

	/* Control: without the block both ports connect. */
	nono_caps_set_net(c, NONO_NET_ALLOW);
	cases[1].want = 0;
	run_cases(c, 0, cases, 2);

	/* ABI 3 cannot control TCP: the block is not Landlock's to enforce
	 * (seccomp refuses AF_INET instead), so the child connects. */
	nono_caps_free(c);
	c = nono_caps_new();
	assert_non_null(c);
	nono_caps_set_net(c, NONO_NET_BLOCK);
	run_cases(c, 3, cases, 2);
	nono_caps_free(c);
	close(l1);
	close(l2);
}

/* ---- scopes ---- */

static void test_scope_signal(void **state)
{
	/* clang-format off */
	static const struct ll_case denied[] = {
		{OP_KILL_PARENT, NULL, NULL, 0, EPERM},
		{OP_KILL_SELF, NULL, NULL, 0, 0},
	};
	static const struct ll_case allowed[] = {
		{OP_KILL_PARENT, NULL, NULL, 0, 0},
		{OP_KILL_SELF, NULL, NULL, 0, 0},
	};
	/* clang-format on */
	struct nono_caps *c;

	(void)state;
	need_abi(6);
	c = nono_caps_new();
	assert_non_null(c);
	nono_caps_set_scopes(c, NONO_SCOPE_SIGNAL);
	run_cases(c, 0, denied, ARRAY_SIZE(denied));
	/* Control: the same (empty) ruleset without the scope. */
	nono_caps_set_scopes(c, 0);
	run_cases(c, 0, allowed, ARRAY_SIZE(allowed));
	/* The abstract-socket scope alone does not scope signals. */
	nono_caps_set_scopes(c, NONO_SCOPE_ABSTRACT_UNIX);
	run_cases(c, 0, allowed, ARRAY_SIZE(allowed));
	nono_caps_free(c);
}

/* ---- ABI and report ---- */

static void test_abi_env(void **state)
{
	/* clang-format off */
	static const struct {
		const char *value;
		int want; /* 0: the real ABI */
	} rows[] = {
		{"3", 3},
		{"1", 1},
		{"99", 0},
		{"", 0},
		{"junk", 0},
		{"3x", 0},
		{"-1", 0},
		{"0", -NONO_ENOLANDLOCK},
	};
	/* clang-format on */
	const char *saved = getenv("NONO_LANDLOCK_ABI");
	char *copy = saved ? strdup(saved) : NULL;
	int real;
	size_t i;

	(void)state;
	assert_int_equal(unsetenv("NONO_LANDLOCK_ABI"), 0);
	real = nono_landlock_abi();
	if (real < 3)
		free(copy);
	need(real, 3);
	assert_true(real <= NONO_LANDLOCK_ABI_KNOWN);
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		int got;

		assert_int_equal(setenv("NONO_LANDLOCK_ABI", rows[i].value, 1),
				 0);
		got = nono_landlock_abi();
		if (got != (rows[i].want ? rows[i].want : real))
			fail_msg("NONO_LANDLOCK_ABI=%s: got %d", rows[i].value,
				 got);
	}
	if (copy)
		assert_int_equal(setenv("NONO_LANDLOCK_ABI", copy, 1), 0);
	else
		assert_int_equal(unsetenv("NONO_LANDLOCK_ABI"), 0);
	free(copy);
}

static void test_describe(void **state)
{
	struct nono_landlock_report rep;
	struct nono_caps *c;

	(void)state;
	c = nono_caps_new();
	assert_non_null(c);
	nono_caps_set_net(c, NONO_NET_BLOCK);
	nono_caps_set_scopes(c, NONO_SCOPE_SIGNAL | NONO_SCOPE_ABSTRACT_UNIX);

	memset(&rep, 0xa5, sizeof(rep));
	nono_landlock_describe(3, c, &rep);
	assert_int_equal(rep.abi, 3);
	assert_true(rep.refer);
	assert_true(rep.truncate);
	assert_false(rep.tcp);
	assert_false(rep.ioctl_dev);
	assert_false(rep.scope_signal);
	assert_false(rep.scope_abstract);
	assert_true(rep.fs_handled & NONO_LL_FS_TRUNCATE);
	assert_false(rep.fs_handled & NONO_LL_FS_IOCTL_DEV);

	/* Control: ABI 7 enforces all of them. */
	nono_landlock_describe(7, c, &rep);
	assert_int_equal(rep.abi, 7);
	assert_true(rep.tcp);
	assert_true(rep.ioctl_dev);
	assert_true(rep.scope_signal);
	assert_true(rep.scope_abstract);
	assert_true(rep.fs_handled & NONO_LL_FS_IOCTL_DEV);

	/* TCP and scopes are reported only when asked for. */
	nono_caps_set_net(c, NONO_NET_ALLOW);
	nono_caps_set_scopes(c, 0);
	nono_landlock_describe(7, c, &rep);
	assert_false(rep.tcp);
	assert_false(rep.scope_signal);
	assert_false(rep.scope_abstract);

	/* ABI 1: no refer, no truncate. */
	nono_landlock_describe(1, c, &rep);
	assert_false(rep.refer);
	assert_false(rep.truncate);
	assert_false(rep.fs_handled & NONO_LL_FS_REFER);

	/* No Landlock: an all-zero report. */
	memset(&rep, 0xa5, sizeof(rep));
	nono_landlock_describe(0, c, &rep);
	assert_int_equal(rep.abi, 0);
	assert_int_equal(rep.fs_handled, 0);
	assert_false(rep.refer);
	assert_false(rep.tcp);
	nono_caps_free(c);
}

static void test_build_abi3_port(void **state)
{
	struct nono_caps *c;
	char bad[PATH_MAX];
	int fd = 7;

	(void)state;
	need_abi(4);
	c = nono_caps_new();
	assert_non_null(c);
	nono_caps_set_net(c, NONO_NET_BLOCK);
	assert_int_equal(nono_caps_add_port(c, 8080), 0);
	assert_int_equal(nono_landlock_build(c, 3, &fd, bad, sizeof(bad)),
			 -NONO_EUNSUPPORTED);
	assert_int_equal(fd, -1);

	/* Controls: ABI 4 can express the port ... */
	assert_int_equal(nono_landlock_build(c, 4, &fd, bad, sizeof(bad)), 0);
	assert_true(fd >= 0);
	close(fd);
	/* ... and at ABI 3 a port without the block is no restriction. */
	nono_caps_set_net(c, NONO_NET_ALLOW);
	assert_int_equal(nono_landlock_build(c, 3, &fd, bad, sizeof(bad)), 0);
	assert_true(fd >= 0);
	close(fd);
	nono_caps_free(c);

	/* A block without ports is fine at ABI 3 too. */
	c = nono_caps_new();
	assert_non_null(c);
	nono_caps_set_net(c, NONO_NET_BLOCK);
	assert_int_equal(nono_landlock_build(c, 3, &fd, bad, sizeof(bad)), 0);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(nono_landlock_build(c, 0, &fd, bad, sizeof(bad)),
			 -NONO_ENOLANDLOCK);
	assert_int_equal(fd, -1);
	nono_caps_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read_only_dir),
	    cmocka_unit_test(test_truncate),
	    cmocka_unit_test(test_file_grant),
	    cmocka_unit_test(test_file_flag_on_dir),
	    cmocka_unit_test(test_symlink_out),
	    cmocka_unit_test(test_symlink_grant),
	    cmocka_unit_test(test_symlink_on_way),
	    cmocka_unit_test(test_missing_path),
	    cmocka_unit_test(test_net_ports),
	    cmocka_unit_test(test_scope_signal),
	    cmocka_unit_test(test_abi_env),
	    cmocka_unit_test(test_describe),
	    cmocka_unit_test(test_build_abi3_port),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
