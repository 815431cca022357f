// SPDX-License-Identifier: Apache-2.0
/*
 * A chain of processes that outruns rounds of kills (tests/cli/
 * escape_procs2.bats; review 3 of session 17).
 *
 *     forkchain LOG K
 *
 * The command forks the chain's first node and exits once the chain is
 * K - 1 nodes deep (at most 10 s).  Each
 * node forks the next one and then waits for ever; the newest (the front)
 * forks again as soon as it is fewer than K nodes away from the first
 * process above it that is not a node (its reaper), so only about K
 * nodes live at a time, and each round that kills the reaper's children
 * takes one level away while the front makes a new one in ~100 us.  The
 * front writes the number of nodes made so far to LOG (a control that the
 * chain really ran).  Every node goes 20 s after the first started (alarm,
 * set again in each, as alarms are not inherited): a test that fails
 * leaves nothing behind for long.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char self_comm[64];

/* The parent of @pid and whether it is a node (same comm as ours). */
static pid_t parent_of(pid_t pid, int *node)
{
	char path[64], buf[512], *open_paren, *close_paren;
	ssize_t n;
	int fd, ppid = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (!open_paren || !close_paren || close_paren < open_paren)
		return -1;
	*close_paren = '\0';
	*node = strcmp(open_paren + 1, self_comm) == 0;
	if (sscanf(close_paren + 1, " %*c %d", &ppid) != 1)
		return -1;
	return (pid_t)ppid;
}

/* How many nodes are above us, up to @max. */
static int depth(int max)
{
	pid_t p = getpid();
	int d = 0;

	while (d < max) {
		int node = 0;
		pid_t pp = parent_of(p, &node);

		if (pp <= 1 || !node)
			break;
		p = pp;
		d++;
	}
	return d;
}

int main(int argc, char **argv)
{
	unsigned long made = 0;
	time_t deadline;
	int fd, k;
	ssize_t nc;

	if (argc < 3)
		return 2;
	k = atoi(argv[2]);
	fd = open("/proc/self/comm", O_RDONLY | O_CLOEXEC);
	nc = fd >= 0 ? read(fd, self_comm, sizeof(self_comm) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (nc <= 0)
		return 2;
	self_comm[nc - 1] = '\0'; /* the newline */
	fd = open(argv[1], O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return 2;
	if (fork() != 0) {
		/* The command exits once the chain is built (at most 10 s);
		 * the chain goes on. */
		for (int i = 0; i < 1000; i++) {
			char line[32] = "";

			if (pread(fd, line, sizeof(line) - 1, 0) > 0 &&
			    atoi(line) >= k - 2)
				break;
			usleep(10000);
		}
		return 0;
	}
	signal(SIGHUP, SIG_IGN);
	deadline = time(NULL) + 20;
	alarm(20);
	for (;;) {
		if (depth(k) < k) {
			pid_t c = fork();

			if (c == 0) {
				char line[32];
				int n;

				made++;
				/* Not inherited: what is left of the 20 s. */
				alarm(deadline > time(NULL)
					  ? (unsigned)(deadline - time(NULL))
					  : 1);
				n = snprintf(line, sizeof(line), "%lu\n", made);
				if (pwrite(fd, line, (size_t)n, 0) < 0)
					(void)0;
				continue; /* the child is the new front */
			}
			if (c > 0)
				for (;;)
					pause();
			/* Refused (EAGAIN): try again. */
		}
		usleep(50);
	}
}
