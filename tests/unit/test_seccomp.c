// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of the seccomp filter: the parent builds a filter for a set of
 * options, a forked child sets no_new_privs, loads it and runs one probe,
 * and the parent checks the errno.  Every refusal has a control: the same
 * probe without the option (or without any filter) does not get that errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/seccomp_rules_index.h"
#include "nono/error.h"
#include "nono/seccomp.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#ifndef AF_PACKET
#define AF_PACKET 17
#endif
#ifndef IPPROTO_SCTP
#define IPPROTO_SCTP 132
#endif

/* Exit codes of a child that could not load the filter. */
#define CHILD_ENNP 120
#define CHILD_ELOAD 121

/* Options rows refer to. */
enum opts_id {
	NO_FILTER, /* no filter at all */
	BASE,      /* block_net off */
	BLOCK,     /* block_net, nothing allowed */
	BLOCK_TCP, /* block_net + tcp_landlock */
	BLOCK_UNIX,
	BLOCK_ALL, /* block_net + tcp_landlock + allow_unix */
};

static const struct nono_seccomp_opts opts_of[] = {
    [NO_FILTER] = {.block_net = false},
    [BASE] = {.block_net = false},
    [BLOCK] = {.block_net = true},
    [BLOCK_TCP] = {.block_net = true, .tcp_landlock = true},
    [BLOCK_UNIX] = {.block_net = true, .allow_unix = true},
    [BLOCK_ALL] = {.block_net = true, .tcp_landlock = true, .allow_unix = true},
};

/* Probes return 0 on success or the errno. */
typedef int (*probe_fn)(const void *arg);

/*
 * Runs @probe in a forked child under the filter for @id and returns what
 * the probe returned.  The filter is built (and freed) in the parent.
 */
static int in_child(enum opts_id id, probe_fn probe, const void *arg)
{
	struct nono_seccomp *sc = NULL;
	int listener_unused = -1;
	int status;
	pid_t pid;

	if (id != NO_FILTER) {
		assert_int_equal(nono_seccomp_build(&opts_of[id], &sc), 0);
		assert_non_null(sc);
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(CHILD_ENNP);
		if (sc && nono_seccomp_load(sc, &listener_unused) < 0)
			_exit(CHILD_ELOAD);
		_exit(probe(arg));
	}
	nono_seccomp_free(sc);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status))
		fail_msg("child killed by signal %d", WTERMSIG(status));
	assert_int_not_equal(WEXITSTATUS(status), CHILD_ENNP);
	assert_int_not_equal(WEXITSTATUS(status), CHILD_ELOAD);
	return WEXITSTATUS(status);
}

static int result(long r)
{
	return r < 0 ? errno : 0;
}

/* ---- sockets ---- */

struct sock_args {
	long domain; /* passed as a full register */
	int type;
	int proto;
};

static int probe_socket(const void *arg)
{
	const struct sock_args *a = arg;
	long fd = syscall(SYS_socket, a->domain, a->type, a->proto);

	if (fd < 0)
		return errno;
	close((int)fd);
	return 0;
}

struct sock_row {
	enum opts_id id;
	struct sock_args s;
	int want; /* 0 or errno; -1: anything but EACCES */
};

static void check_sock_rows(const struct sock_row *rows, size_t n)
{
	size_t i;
	int got;

	for (i = 0; i < n; i++) {
		got = in_child(rows[i].id, probe_socket, &rows[i].s);
		if (rows[i].want < 0 ? got == EACCES : got != rows[i].want)
			fail_msg("row %zu: opts %d socket(%#lx, %d, %d): "
				 "got %s, want %s",
				 i, rows[i].id, (unsigned long)rows[i].s.domain,
				 rows[i].s.type, rows[i].s.proto, strerror(got),
				 rows[i].want < 0 ? "not EACCES"
						  : strerror(rows[i].want));
	}
}

static void test_block_net_sockets(void **state)
{
	/* clang-format off */
	static const struct sock_row rows[] = {
		/* everything but TCP (and AF_UNIX stream) is refused */
		{BLOCK_ALL, {AF_INET, SOCK_DGRAM, 0}, EACCES},
		{BLOCK_ALL, {AF_INET6, SOCK_DGRAM, 0}, EACCES},
		{BLOCK_ALL, {AF_INET, SOCK_RAW, IPPROTO_ICMP}, EACCES},
		{BLOCK_ALL, {AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0}, EACCES},
		{BLOCK_ALL, {AF_PACKET, SOCK_RAW, 0}, EACCES},
		{BLOCK_ALL, {AF_NETLINK, SOCK_RAW, 0}, EACCES},
		{BLOCK_ALL, {AF_NETLINK, SOCK_DGRAM, 0}, EACCES},
		{BLOCK_ALL, {AF_INET, SOCK_STREAM, IPPROTO_SCTP}, EACCES},
		{BLOCK_ALL, {AF_INET6, SOCK_STREAM, IPPROTO_SCTP}, EACCES},
		{BLOCK_ALL, {AF_INET, SOCK_STREAM, IPPROTO_UDP}, EACCES},
		{BLOCK_ALL, {100, SOCK_STREAM, 0}, EACCES},
		/* the granted controls: TCP with Landlock controlling it */
		{BLOCK_ALL, {AF_INET, SOCK_STREAM, 0}, 0},
		{BLOCK_ALL, {AF_INET, SOCK_STREAM, IPPROTO_TCP}, 0},
		{BLOCK_ALL, {AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
			      SOCK_CLOEXEC, 0}, 0},
		{BLOCK_ALL, {AF_INET6, SOCK_STREAM, 0}, 0},
		/* without the filter the refused ones are not EACCES */
		{NO_FILTER, {AF_INET, SOCK_DGRAM, 0}, 0},
		{NO_FILTER, {AF_INET6, SOCK_DGRAM, 0}, 0},
		{NO_FILTER, {AF_NETLINK, SOCK_RAW, 0}, 0},
		{NO_FILTER, {AF_PACKET, SOCK_RAW, 0}, -1},
		{NO_FILTER, {AF_INET, SOCK_RAW, IPPROTO_ICMP}, -1},
		{NO_FILTER, {AF_INET, SOCK_STREAM, IPPROTO_SCTP}, -1},
		{NO_FILTER, {100, SOCK_STREAM, 0}, -1},
		/* and block_net off: the base filter leaves sockets alone */
		{BASE, {AF_INET, SOCK_DGRAM, 0}, 0},
		{BASE, {AF_INET6, SOCK_DGRAM, 0}, 0},
		{BASE, {AF_NETLINK, SOCK_RAW, 0}, 0},
		{BASE, {AF_UNIX, SOCK_DGRAM, 0}, 0},
		{BASE, {AF_PACKET, SOCK_RAW, 0}, -1},
	};
	/* clang-format on */

	(void)state;
	check_sock_rows(rows, ARRAY_SIZE(rows));
}

static void test_tcp_landlock(void **state)
{
	/* clang-format off */
	static const struct sock_row rows[] = {
		{BLOCK, {AF_INET, SOCK_STREAM, 0}, EACCES},
		{BLOCK, {AF_INET6, SOCK_STREAM, 0}, EACCES},
		{BLOCK_UNIX, {AF_INET, SOCK_STREAM, 0}, EACCES},
		{BLOCK_TCP, {AF_INET, SOCK_STREAM, 0}, 0},
		{BLOCK_TCP, {AF_INET6, SOCK_STREAM, 0}, 0},
		{BLOCK_TCP, {AF_INET, SOCK_DGRAM, 0}, EACCES},
	};
	/* clang-format on */

	(void)state;
	check_sock_rows(rows, ARRAY_SIZE(rows));
}

static void test_unix_sockets(void **state)
{
	/* clang-format off */
	static const struct sock_row rows[] = {
		{BLOCK, {AF_UNIX, SOCK_STREAM, 0}, EACCES},
		{BLOCK_TCP, {AF_UNIX, SOCK_STREAM, 0}, EACCES},
		{BLOCK_UNIX, {AF_UNIX, SOCK_STREAM, 0}, 0},
		{BLOCK_UNIX, {AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0}, 0},
		{BLOCK_UNIX, {AF_UNIX, SOCK_SEQPACKET, 0}, 0},
		{BLOCK_ALL, {AF_UNIX, SOCK_STREAM, 0}, 0},
		/* datagrams can sendto() any path: refused even so */
		{BLOCK_UNIX, {AF_UNIX, SOCK_DGRAM, 0}, EACCES},
		{BLOCK_ALL, {AF_UNIX, SOCK_DGRAM, 0}, EACCES},
		{BLOCK_UNIX, {AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0}, EACCES},
		{BLOCK_UNIX, {AF_UNIX, SOCK_RAW, 0}, EACCES},
		/* allow_unix does not open AF_INET */
		{BLOCK_UNIX, {AF_INET, SOCK_DGRAM, 0}, EACCES},
	};
	/* clang-format on */

	(void)state;
	check_sock_rows(rows, ARRAY_SIZE(rows));
}

/* All of the high half set. */
#define HIGH ((long)0xffffffff00000000UL)

static void test_domain_high_bits(void **state)
{
	/* The kernel reads the low 32 bits of the domain: junk above them
	 * must not slip AF_INET past the rules. */
	/* clang-format off */
	static const struct sock_row rows[] = {
		{BLOCK, {0x100000000L | AF_INET, SOCK_DGRAM, 0}, EACCES},
		{BLOCK_ALL, {0x100000000L | AF_INET, SOCK_DGRAM, 0}, EACCES},
		{BLOCK, {0x100000000L | AF_INET, SOCK_STREAM, 0}, EACCES},
		{BLOCK, {HIGH | AF_UNIX, SOCK_STREAM, 0}, EACCES},
		{BLOCK, {HIGH | 100, SOCK_STREAM, 0}, EACCES},
		/* controls: the kernel accepts the same calls */
		{NO_FILTER, {0x100000000L | AF_INET, SOCK_DGRAM, 0}, 0},
		{BASE, {0x100000000L | AF_INET, SOCK_DGRAM, 0}, 0},
	};
	/* clang-format on */

	(void)state;
	check_sock_rows(rows, ARRAY_SIZE(rows));
}

struct sendto_args {
	long flags; /* passed as a full register */
};

static int probe_sendto(const void *arg)
{
	const struct sendto_args *a = arg;
	struct sockaddr_in sa;

	/* The fd is invalid: the kernel would say EBADF, only the filter
	 * can say EACCES. */
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(9);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return result(syscall(SYS_sendto, -1, "x", 1, a->flags,
			      (struct sockaddr *)&sa, sizeof(sa)));
}

static void test_fastopen(void **state)
{
	static const struct sendto_args fo = {MSG_FASTOPEN};
	static const struct sendto_args fo_more = {MSG_FASTOPEN | MSG_NOSIGNAL};
	static const struct sendto_args plain = {MSG_NOSIGNAL};
	static const struct sendto_args fo_high = {HIGH | MSG_FASTOPEN};

	(void)state;
	assert_int_equal(in_child(BLOCK_ALL, probe_sendto, &fo), EACCES);
	assert_int_equal(in_child(BLOCK_TCP, probe_sendto, &fo_more), EACCES);
	assert_int_equal(in_child(BLOCK_ALL, probe_sendto, &fo_high), EACCES);
	assert_int_equal(in_child(BASE, probe_sendto, &fo_high), EBADF);
	/* Controls: no MSG_FASTOPEN, or no block_net. */
	assert_int_equal(in_child(BLOCK_ALL, probe_sendto, &plain), EBADF);
	assert_int_equal(in_child(BASE, probe_sendto, &fo), EBADF);
	assert_int_equal(in_child(NO_FILTER, probe_sendto, &fo), EBADF);
}

/* ---- refusals of every filter ---- */

struct tty_args {
	unsigned long req;
};

/*
 * Opens a pty pair, makes the slave our controlling terminal (so that the
 * kernel itself would accept TIOCSTI), then issues @req on it.
 */
static int probe_tty(const void *arg)
{
	const struct tty_args *a = arg;
	struct winsize ws;
	char c = '\n';
	const char *name;
	int m, s, r;

	/* Closing the master hangs up our controlling terminal. */
	signal(SIGHUP, SIG_IGN);
	m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return 100;
	if (grantpt(m) < 0 || unlockpt(m) < 0)
		return 101;
	name = ptsname(m);
	if (!name)
		return 102;
	if (setsid() < 0)
		return 103;
	s = open(name, O_RDWR | O_CLOEXEC);
	if (s < 0)
		return 104;
	if ((a->req & 0xffffffffUL) == TIOCSTI)
		r = result(syscall(SYS_ioctl, s, a->req, &c));
	else
		r = result(ioctl(s, (unsigned long)a->req, &ws));
	close(s);
	close(m);
	return r;
}

static void test_tiocsti(void **state)
{
	static const struct tty_args sti = {TIOCSTI};
	static const struct tty_args winsz = {TIOCGWINSZ};
	enum opts_id ids[] = {BASE, BLOCK, BLOCK_ALL};
	size_t i;
	int got;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		assert_int_equal(in_child(ids[i], probe_tty, &sti), EPERM);
		/* Control: other ioctls on the same terminal work. */
		assert_int_equal(in_child(ids[i], probe_tty, &winsz), 0);
	}
	/* Control: unfiltered, the kernel does not refuse with EPERM
	 * (0, or EIO where dev.tty.legacy_tiocsti is off). */
	got = in_child(NO_FILTER, probe_tty, &sti);
	assert_int_not_equal(got, EPERM);
	assert_true(got == 0 || got == EIO);
}

static int probe_keyctl(const void *arg)
{
	(void)arg;
	return result(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID,
			      KEY_SPEC_SESSION_KEYRING, 0));
}

static int probe_add_key(const void *arg)
{
	(void)arg;
	return result(syscall(SYS_add_key, "user", "nono-test", "x", 1,
			      KEY_SPEC_PROCESS_KEYRING));
}

static int probe_io_uring(const void *arg)
{
	(void)arg;
	/* NULL params: the kernel says EFAULT, the filter ENOSYS. */
	return result(syscall(SYS_io_uring_setup, 1, NULL));
}

static int probe_open_by_handle(const void *arg)
{
	(void)arg;
	/* NULL handle: the kernel says EFAULT (or EBADF for the bad fd) */
	return result(syscall(SYS_open_by_handle_at, -5, NULL, O_RDONLY));
}

static int probe_getpid(const void *arg)
{
	(void)arg;
	return getpid() > 0 ? 0 : 1;
}

struct base_row {
	const char *name;
	probe_fn probe;
	int want;
};

static void test_tiocsti_high_bits(void **state)
{
	/* The kernel reads the command as an unsigned int: junk in the high
	 * half of the register still makes it TIOCSTI (CVE-2019-10063 in
	 * flatpak), so the filter must ignore the high half as well. */
	static const struct tty_args sti = {(1UL << 32) | TIOCSTI};
	static const struct tty_args sti_all = {~0xffffffffUL | TIOCSTI};

	(void)state;
	assert_int_equal(in_child(BASE, probe_tty, &sti), EPERM);
	assert_int_equal(in_child(BLOCK_ALL, probe_tty, &sti_all), EPERM);
	/* Control: unfiltered, the kernel accepts it as TIOCSTI. */
	assert_int_not_equal(in_child(NO_FILTER, probe_tty, &sti), EPERM);
}

static void test_base_refusals(void **state)
{
	/* clang-format off */
	static const struct base_row rows[] = {
		{"keyctl", probe_keyctl, EPERM},
		{"add_key", probe_add_key, EPERM},
		{"io_uring_setup", probe_io_uring, ENOSYS},
		{"open_by_handle_at", probe_open_by_handle, EPERM},
		{"getpid", probe_getpid, 0},
	};
	/* clang-format on */
	enum opts_id ids[] = {BASE, BLOCK_ALL};
	size_t i, k;
	int got;

	(void)state;
	for (k = 0; k < ARRAY_SIZE(ids); k++) {
		for (i = 0; i < ARRAY_SIZE(rows); i++) {
			got = in_child(ids[k], rows[i].probe, NULL);
			if (got != rows[i].want)
				fail_msg("opts %d %s: got %s, want %s", ids[k],
					 rows[i].name, strerror(got),
					 strerror(rows[i].want));
		}
	}
	/* Controls: without the filter none of them fails that way. */
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		got = in_child(NO_FILTER, rows[i].probe, NULL);
		if (rows[i].want && got == rows[i].want)
			fail_msg("unfiltered %s: got %s too", rows[i].name,
				 strerror(got));
	}
	assert_int_equal(in_child(NO_FILTER, probe_keyctl, NULL), 0);
	assert_int_equal(in_child(NO_FILTER, probe_io_uring, NULL), EFAULT);
}

static void test_build_free(void **state)
{
	struct nono_seccomp *sc = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(opts_of); i++) {
		assert_int_equal(nono_seccomp_build(&opts_of[i], &sc), 0);
		assert_non_null(sc);
		nono_seccomp_free(sc);
	}
	nono_seccomp_free(NULL);
}

/* The compact variant index is a bijection on the option sets that occur
 * (gate options only with the gate, deny_unix only without it). */
static void test_variant_index(void **state)
{
	bool seen[NONO_SECCOMP_VARIANTS] = {false};

	(void)state;
	for (unsigned v = 0; v < NONO_SECCOMP_VARIANTS; v++) {
		struct nono_seccomp_opts o = nono_seccomp_opts_of(v);
		unsigned back = nono_seccomp_variant(&o);

		assert_true(back < NONO_SECCOMP_VARIANTS);
		assert_false(o.gate && o.deny_unix);
		assert_false(!o.gate && (o.gate_create || o.gate_write ||
					 o.learn || o.elevate));
		/* nono learn never elevates: bit 7 is learn_meta there. */
		assert_false(o.learn && o.elevate);
		assert_false(o.learn_meta && !o.learn);
		/* Without the gate bits 5, 6 and 7 mean nothing: same
		 * program. */
		assert_int_equal(back, (v & 8) ? v : (v & ~(32u | 64u | 128u)));
		seen[back] = true;
	}
	/* Every option set that occurs has its own program. */
	for (unsigned b = 0; b < 8; b++) {
		struct nono_seccomp_opts o = {.block_net = b & 1,
					      .tcp_landlock = b & 2,
					      .allow_unix = b & 4};

		for (unsigned m = 0; m < 16; m++) {
			o.gate = m >= 2;
			o.deny_unix = m == 1;
			o.gate_create = m == 3 || m == 5 || m == 7 || m == 9 ||
					m == 11 || m == 13;
			o.gate_write = m == 4 || m == 5 || m == 8 || m == 9 ||
				       m == 12 || m == 13;
			o.learn = (m >= 6 && m < 10) || m >= 14;
			o.learn_meta = m >= 14;
			o.elevate = m >= 10 && m < 14;
			assert_true(seen[nono_seccomp_variant(&o)]);
			{
				struct nono_seccomp_opts r =
				    nono_seccomp_opts_of(
					nono_seccomp_variant(&o));

				assert_true(r.block_net == o.block_net &&
					    r.tcp_landlock == o.tcp_landlock &&
					    r.allow_unix == o.allow_unix &&
					    r.gate == o.gate &&
					    r.gate_create == o.gate_create &&
					    r.gate_write == o.gate_write &&
					    r.learn == o.learn &&
					    r.learn_meta == o.learn_meta &&
					    r.elevate == o.elevate &&
					    r.deny_unix == o.deny_unix);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_build_free),
	    cmocka_unit_test(test_variant_index),
	    cmocka_unit_test(test_block_net_sockets),
	    cmocka_unit_test(test_tcp_landlock),
	    cmocka_unit_test(test_unix_sockets),
	    cmocka_unit_test(test_domain_high_bits),
	    cmocka_unit_test(test_fastopen),
	    cmocka_unit_test(test_tiocsti),
	    cmocka_unit_test(test_tiocsti_high_bits),
	    cmocka_unit_test(test_base_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
