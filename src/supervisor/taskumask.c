// SPDX-License-Identifier: Apache-2.0
/*
 * The umask of the tasks the gate creates files for.  The supervisor
 * performs creations with the task's umask, and reading it costs more than
 * the creation itself; this keeps it per thread, and hears every umask(2).
 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "supervisor/gate_internal.h"
#include "util/cleanup.h"

/* The umask in /proc/@tid/status ("Umask:", its second line), or -1. */
static int status_umask(pid_t tid)
{
	char path[64], buf[256];
	nono_autoclose int fd = -1;
	const char *u;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	u = strstr(buf, "\nUmask:\t");
	return u ? (int)(strtoul(u + 8, NULL, 8) & 0777) : -1;
}

void nono_gate_umask_flush(struct nono_gate *g)
{
	for (size_t i = 0; i < sizeof(g->umasks) / sizeof(g->umasks[0]); i++) {
		if (g->umasks[i].pidfd >= 0)
			close(g->umasks[i].pidfd);
		g->umasks[i].pidfd = -1;
		g->umasks[i].tid = 0;
	}
}

/* umask(2) from @tid, about to run (CONTINUE): its value is not in force
 * yet, and whoever shares it (the caller's threads) will see it changed. */
void nono_gate_umask_called(struct nono_gate *g, pid_t tid, mode_t mask)
{
	size_t i;

	nono_gate_umask_flush(g);
	for (i = 0; i < g->numask_flight; i++)
		if (g->umask_flight[i].tid == tid)
			break;
	if (i == sizeof(g->umask_flight) / sizeof(g->umask_flight[0])) {
		/* More at once than we track: the cache stays off for good
		 * (slower, never wrong). */
		g->umask_lost = true;
		return;
	}
	if (i == g->numask_flight)
		g->numask_flight++;
	g->umask_flight[i].tid = tid;
	g->umask_flight[i].mask = mask & 0777;
}

/* True when no umask(2) is still on its way into the kernel: each caller's
 * status shows the value it set, or it is gone. */
static bool umask_settled(struct nono_gate *g)
{
	size_t i = 0;

	while (i < g->numask_flight) {
		int m = status_umask(g->umask_flight[i].tid);

		if (m < 0 || (mode_t)m == g->umask_flight[i].mask)
			g->umask_flight[i] =
			    g->umask_flight[--g->numask_flight];
		else
			i++;
	}
	return g->numask_flight == 0 && !g->umask_lost;
}

/*
 * The task's umask.  Reading /proc/TID/status costs more than the creation
 * itself, so values are kept per thread, each with a pidfd that tells
 * whether the thread is still the one we read (a pid is not reused while
 * its pidfd polls not-readable).  umask(2) goes through the gate and
 * empties the cache; until it has taken effect nothing is cached.
 */
mode_t nono_gate_task_umask(struct nono_gate *g, pid_t tid)
{
	const size_t n = sizeof(g->umasks) / sizeof(g->umasks[0]);
	struct nono_umask_entry *e;
	bool cache = umask_settled(g);
	int m;

	for (size_t i = 0; cache && i < n; i++) {
		struct pollfd p;

		e = &g->umasks[i];
		if (e->tid != tid || e->pidfd < 0)
			continue;
		p.fd = e->pidfd;
		p.events = POLLIN;
		p.revents = 0;
		if (poll(&p, 1, 0) == 0)
			return e->mask;
		close(e->pidfd); /* gone: the number may name another now */
		e->pidfd = -1;
		e->tid = 0;
	}
	if (!cache) {
		m = status_umask(tid);
		return m < 0 ? 022 : (mode_t)m;
	}
	/* The pidfd first: the status read after it is of that thread. */
	e = &g->umasks[g->umask_next++ % n];
	if (e->pidfd >= 0)
		close(e->pidfd);
	e->pidfd = (int)syscall(SYS_pidfd_open, tid, NONO_PIDFD_THREAD);
	if (e->pidfd < 0) /* before 6.9: a leader's pidfd will do */
		e->pidfd = (int)syscall(SYS_pidfd_open, tid, 0);
	m = status_umask(tid);
	if (m < 0 || e->pidfd < 0) {
		if (e->pidfd >= 0)
			close(e->pidfd);
		e->pidfd = -1;
		e->tid = 0;
		return m < 0 ? 022 : (mode_t)m;
	}
	e->tid = tid;
	e->mask = (mode_t)m;
	return (mode_t)m;
}
