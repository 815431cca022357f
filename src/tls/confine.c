// SPDX-License-Identifier: Apache-2.0
/*
 * nono-tls confines itself once it is ready: it parses TLS and HTTP that
 * the sandboxed command writes, and from then on needs only to read files
 * (OpenSSL loads trust anchors lazily) and to use the sockets it is given.
 * Landlock takes away every write to the filesystem and TCP bind/connect;
 * seccomp refuses new sockets, exec and access to other processes' memory.
 */
#include <errno.h>
#include <linux/landlock.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <seccomp.h>

#include "tls/confine.h"

#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif

static int landlock(void)
{
	struct {
		uint64_t fs, net, scoped;
	} attr = {0};
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
			   LANDLOCK_CREATE_RULESET_VERSION);
	int fd;

	if (abi < 1)
		return 0; /* no Landlock here: seccomp still applies */
	attr.fs = LANDLOCK_ACCESS_FS_WRITE_FILE |
		  LANDLOCK_ACCESS_FS_REMOVE_DIR |
		  LANDLOCK_ACCESS_FS_REMOVE_FILE |
		  LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |
		  LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
		  LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
		  LANDLOCK_ACCESS_FS_MAKE_SYM | LANDLOCK_ACCESS_FS_EXECUTE;
	if (abi >= 2)
		attr.fs |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		attr.fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 4)
		attr.net = 1ULL << 0 | 1ULL << 1; /* BIND_TCP, CONNECT_TCP */
	if (abi >= 6)
		attr.scoped = 1ULL << 0 | 1ULL << 1; /* abstract unix, signal */
	fd = (int)syscall(SYS_landlock_create_ruleset, &attr,
			  abi >= 6   ? sizeof(attr)
			  : abi >= 4 ? 2 * sizeof(uint64_t)
				     : sizeof(uint64_t),
			  0);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_landlock_restrict_self, fd, 0) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	close(fd);
	return 0;
}

int nono_tls_confine(void)
{
	static const int deny[] = {
	    SCMP_SYS(socket),
	    SCMP_SYS(socketpair),
	    SCMP_SYS(execve),
	    SCMP_SYS(execveat),
	    SCMP_SYS(ptrace),
	    SCMP_SYS(process_vm_readv),
	    SCMP_SYS(process_vm_writev),
	    SCMP_SYS(connect),
	    SCMP_SYS(bind),
	    SCMP_SYS(listen),
	    /* io_uring makes sockets and connects past the rules above;
	     * pidfd_getfd takes another process's descriptors. */
	    SCMP_SYS(io_uring_setup),
	    SCMP_SYS(io_uring_enter),
	    SCMP_SYS(io_uring_register),
	    SCMP_SYS(pidfd_getfd),
	};
	scmp_filter_ctx f;
	int r;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	r = landlock();
	if (r < 0)
		return r;
	f = seccomp_init(SCMP_ACT_ALLOW);
	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(deny) / sizeof(deny[0]) && r == 0; i++)
		r = seccomp_rule_add(f, SCMP_ACT_ERRNO(EPERM), deny[i], 0);
	if (r == 0)
		r = seccomp_load(f);
	seccomp_release(f);
	return r;
}
