// SPDX-License-Identifier: Apache-2.0
/*
 * Captured runs of short-lived programs.  The parent never blocks on the
 * child: both pipes are non-blocking and polled against one deadline, so a
 * program that hangs (a locked keystore waiting for a prompt nobody sees)
 * costs at most the time limit and is then killed.  Output is read straight
 * into the caller's buffer, which for secrets is locked memory, and never
 * into a stdio buffer of ours.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sys/spawn.h"

extern char **environ;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* dup2() that also works when @fd already is @target (dup2 would then
 * leave O_CLOEXEC set, and exec would close it). */
static int move_fd(int fd, int target)
{
	if (fd == target)
		return fcntl(fd, F_SETFD, 0);
	return dup2(fd, target) < 0 ? -1 : 0;
}

/* In the child: nothing of nono's but the environment crosses exec.  The
 * descriptors nono holds (the proxy listener, a TLS channel, profile
 * files) are closed, so the program cannot act through them.  A program
 * given as an fd is run from it (fd 3, close-on-exec), never by name. */
static void child(int in, int out, int err, const char *path,
		  char *const argv[], const struct nono_spawn_opts *o)
{
	sigset_t none;
	int nul = in >= 0 ? in : open("/dev/null", O_RDONLY | O_CLOEXEC);
	unsigned first = 3;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (nul < 0 || move_fd(out, 1) < 0 || move_fd(err, 2) < 0 ||
	    move_fd(nul, 0) < 0)
		_exit(126);
	if (o->exec_fd >= 0) {
		if ((o->exec_fd != 3 && dup2(o->exec_fd, 3) < 0) ||
		    fcntl(3, F_SETFD, FD_CLOEXEC) < 0)
			_exit(126);
		first = 4;
	}
#ifdef SYS_close_range
	if (syscall(SYS_close_range, first, ~0U, 0U) < 0)
#endif
		for (int fd = (int)first; fd < 4096; fd++)
			close(fd);
	if (o->exec_fd >= 0)
		syscall(SYS_execveat, 3, "", argv, o->envp ? o->envp : environ,
			AT_EMPTY_PATH);
	else
		execve(path, argv, o->envp ? o->envp : environ);
	dprintf(2, "cannot execute %s: %s\n", path, strerror(errno));
	_exit(127);
}

/* Keeps the first line of standard error, made printable. */
static void take_errline(struct nono_spawn_result *res, bool *done,
			 const char *p, size_t n)
{
	size_t k = strlen(res->errline);

	for (size_t i = 0; i < n && !*done; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch == '\n' || ch == '\r') {
			/* A line that is only a line break does not count. */
			*done = k > 0;
			continue;
		}
		if (k + 1 < sizeof(res->errline))
			res->errline[k++] =
			    ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	res->errline[k] = '\0';
}

struct capture {
	char *buf;
	size_t cap, len;
	bool overflow, line_done;
	struct nono_spawn_result *res;
};

/* Reads what @fd has now.  Returns 1 while it stays open, 0 at EOF or on
 * an error (the caller closes it). */
static int pump(struct capture *c, int fd, bool is_out)
{
	char scratch[512];

	for (;;) {
		ssize_t n;

		if (is_out && c->len < c->cap)
			n = read(fd, c->buf + c->len, c->cap - c->len);
		else
			n = read(fd, scratch, sizeof(scratch));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? 1 : 0;
		if (n == 0)
			return 0;
		if (!is_out) {
			take_errline(c->res, &c->line_done, scratch, (size_t)n);
		} else if (c->len < c->cap) {
			c->len += (size_t)n;
		} else {
			/* More than the ceiling: the output is not used. */
			explicit_bzero(scratch, sizeof(scratch));
			c->overflow = true;
			return 0;
		}
	}
}

static int status_of(int ws)
{
	if (WIFEXITED(ws))
		return WEXITSTATUS(ws);
	if (WIFSIGNALED(ws))
		return 128 + WTERMSIG(ws);
	return -1;
}

int nono_spawn_capture(const char *path, char *const argv[], int timeout_ms,
		       char *buf, size_t cap, size_t *len,
		       struct nono_spawn_result *res)
{
	return nono_spawn_capture_in(path, argv, -1, timeout_ms, buf, cap, len,
				     res);
}

int nono_spawn_capture_in(const char *path, char *const argv[], int in_fd,
			  int timeout_ms, char *buf, size_t cap, size_t *len,
			  struct nono_spawn_result *res)
{
	struct nono_spawn_opts o = {.exec_fd = -1, .in_fd = in_fd};

	return nono_spawn_capture_opts(path, argv, &o, timeout_ms, buf, cap,
				       len, res);
}

int nono_spawn_capture_opts(const char *path, char *const argv[],
			    const struct nono_spawn_opts *o, int timeout_ms,
			    char *buf, size_t cap, size_t *len,
			    struct nono_spawn_result *res)
{
	struct capture c = {.buf = buf, .cap = cap, .res = res};
	int fds[2] = {-1, -1}, po[2] = {-1, -1}, pe[2] = {-1, -1};
	long long deadline;
	bool exited = false;
	pid_t pid;
	int ws = 0, r = -EINVAL;

	memset(res, 0, sizeof(*res));
	res->status = -1;
	*len = 0;
	if (!path || path[0] != '/' || !argv || !argv[0] || !buf ||
	    timeout_ms <= 0)
		return -EINVAL;
	if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0) {
		r = -errno;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
		goto out;
	}
	if (pid == 0)
		child(o->in_fd, po[1], pe[1], path, argv, o);
	close(po[1]);
	close(pe[1]);
	po[1] = pe[1] = -1;
	fds[0] = po[0];
	fds[1] = pe[0];
	po[0] = pe[0] = -1;
	for (int i = 0; i < 2; i++)
		fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);

	deadline = now_ms() + timeout_ms;
	while (fds[0] >= 0 || fds[1] >= 0) {
		struct pollfd p[2];
		long long left = deadline - now_ms();
		nfds_t n = 0;

		if (left <= 0) {
			res->timed_out = true;
			break;
		}
		for (int i = 0; i < 2; i++)
			if (fds[i] >= 0)
				p[n++] = (struct pollfd){.fd = fds[i],
							 .events = POLLIN};
		/* Short slices: a descendant that keeps the pipes open
		 * must not hide that the program itself has ended. */
		if (poll(p, n, left < 100 ? (int)left : 100) < 0 &&
		    errno != EINTR)
			break;
		if (!exited && waitpid(pid, &ws, WNOHANG) == pid)
			exited = true;
		for (int i = 0; i < 2; i++)
			if (fds[i] >= 0 && pump(&c, fds[i], i == 0) == 0) {
				close(fds[i]);
				fds[i] = -1;
			}
		if (c.overflow || exited)
			break; /* ended: what it wrote has been drained */
	}
	/* The pipes are at EOF before it is reaped: wait, within the
	 * same limit.  It is most often exiting already: the first waits
	 * are short (a fixed 10 ms made each of a session-end's git runs
	 * cost up to 10 ms more), then 10 ms. */
	for (long ns = 50 * 1000; !exited && !res->timed_out && !c.overflow;
	     ns = ns < 10 * 1000 * 1000 ? ns * 2 : ns) {
		struct timespec nap = {0, ns};

		if (waitpid(pid, &ws, WNOHANG) == pid)
			exited = true;
		else if (now_ms() >= deadline)
			res->timed_out = true;
		else
			nanosleep(&nap, NULL);
	}
	if (!exited) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
			;
	}
	res->status = status_of(ws);
	res->overflow = c.overflow;
	*len = c.len;
	r = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	return r;
}

/*
 * A memfd holding @parts, at offset 0: the helper's standard input.  A
 * memfd rather than a pipe so that nothing waits on a reader, and
 * rather than a file so that the key never reaches a filesystem.
 */
int nono_memfd_of(const void *const *parts, const size_t *lens, size_t n)
{
	int fd = memfd_create("nono-helper-in", MFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	for (size_t i = 0; i < n; i++) {
		const char *p = parts[i];
		size_t left = lens[i];

		while (left) {
			ssize_t w = write(fd, p, left);

			if (w < 0) {
				int e = -errno;

				close(fd);
				return e;
			}
			p += w;
			left -= (size_t)w;
		}
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}
