// SPDX-License-Identifier: Apache-2.0
/* See syncbehind.h. */
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/syncbehind.h"

#if defined(__x86_64__)
#define HAVE_RAW 1
static long raw3(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}
#elif defined(__aarch64__)
#define HAVE_RAW 1
static long raw3(long nr, long a, long b, long c)
{
	register long x8 __asm__("x8") = nr;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;

	__asm__ volatile("svc 0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2)
			 : "memory");
	return x0;
}
#endif

#ifdef HAVE_RAW
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

/* The highest descriptor nono had open when the syncer was cloned. */
static long top_fd;

static int syncer(void *arg)
{
	long fd = (long)(intptr_t)arg;

	/* Its copy of the descriptor table goes first: it must not keep
	 * nono's terminal, pipes or locks open behind it.  Where
	 * close_range(2) is refused (before Linux 5.9, or by a seccomp
	 * filter around nono), one close(2) each. */
	if ((fd > 0 && raw3(SYS_close_range, 0, fd - 1, 0) < 0) ||
	    raw3(SYS_close_range, fd + 1, (long)~0U, 0) < 0)
		for (long i = 0; i <= top_fd; i++)
			if (i != fd)
				raw3(SYS_close, i, 0, 0);
	raw3(SYS_fdatasync, fd, 0, 0);
	raw3(SYS_exit, 0, 0, 0);
	return 0;
}

/* The highest open descriptor (from /proc/self/fd; else the limit). */
static long highest_fd(void)
{
	long top = -1;
	struct dirent *de;
	DIR *d = opendir("/proc/self/fd");

	if (!d) {
		long max = sysconf(_SC_OPEN_MAX);

		return max > 0 && max < 65536 ? max - 1 : 65535;
	}
	while ((de = readdir(d)) != NULL) {
		long v = strtol(de->d_name, NULL, 10);

		if (de->d_name[0] >= '0' && de->d_name[0] <= '9' && v > top)
			top = v;
	}
	closedir(d);
	return top;
}

/* The descriptor to sync at exit, or -1. */
static int pending = -1;

static void at_exit(void)
{
	static char stack[16384] __attribute__((aligned(64)));
	int fd = pending;

	pending = -1;
	if (fd < 0)
		return;
	top_fd = highest_fd();
	/* Cloned last, once nono has freed what it frees: a sibling that
	 * shares the memory makes every unmapping a cross-CPU flush.  No
	 * exit signal: nobody waits for it (init reaps it once nono has
	 * exited). */
	if (clone(syncer, stack + sizeof(stack), CLONE_VM,
		  (void *)(intptr_t)fd) < 0)
		fdatasync(fd);
}

int nono_sync_behind(int fd)
{
	static bool registered;
	int d;

	if (fd < 0)
		return -1;
	if (!registered) {
		if (atexit(at_exit) != 0)
			return -1;
		registered = true;
	}
	/* One at a time: an earlier one is synced now. */
	if (pending >= 0) {
		fdatasync(pending);
		close(pending);
		pending = -1;
	}
	d = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (d < 0)
		return -1;
	pending = d;
	return 0;
}
#else
int nono_sync_behind(int fd)
{
	(void)fd;
	return -1;
}
#endif
