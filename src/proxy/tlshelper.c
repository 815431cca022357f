// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nono-config.h"
#include "proxy/tlshelper.h"
#include "sys/helper.h"

int nono_tls_helper_find(char *out, size_t len)
{
	return nono_helper_find("nono-tls", out, len);
}

/*
 * Where the session CA's directory goes.  The sandbox must read it but
 * never rename or replace it: in its writable /tmp it could swap the
 * directory for a symlink to ~/.docker, and the clean-up deleted the
 * user's ca.pem there (issue 10, escape 11).  $XDG_RUNTIME_DIR
 * (/run/user/UID) is private to the user and out of the sandbox's grants;
 * without it (root, containers, CI) /tmp, where the clean-up by fd still
 * removes only what nono made.
 */
static const char *tls_base(void)
{
	const char *x = getenv("XDG_RUNTIME_DIR");
	struct stat st;

	if (x && x[0] == '/' && strlen(x) < 100 && lstat(x, &st) == 0 &&
	    S_ISDIR(st.st_mode) && st.st_uid == getuid() &&
	    (st.st_mode & 077) == 0)
		return x;
	return "/tmp";
}

int nono_tls_helper_mkdir(struct nono_tls_helper *h)
{
	const char *base = tls_base();
	int saved;

	h->pid = -1;
	h->chan = -1;
	h->dirfd = -1;
	h->parentfd = -1;
	snprintf(h->dir, sizeof(h->dir), "%s/nono-tls-XXXXXX", base);
	h->parentfd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (h->parentfd < 0 || !mkdtemp(h->dir))
		goto fail;
	h->dirfd = openat(h->parentfd, strrchr(h->dir, '/') + 1,
			  O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (h->dirfd < 0) {
		saved = errno;
		rmdir(h->dir);
		errno = saved;
		goto fail;
	}
	snprintf(h->ca, sizeof(h->ca), "%s/ca.pem", h->dir);
	snprintf(h->bundle, sizeof(h->bundle), "%s/bundle.pem", h->dir);
	return 0;
fail:
	saved = errno;
	if (h->parentfd >= 0)
		close(h->parentfd);
	h->parentfd = -1;
	h->dir[0] = '\0';
	errno = saved;
	return -1;
}

int nono_tls_helper_start(struct nono_tls_helper *h, const char *exe,
			  char *const *rules, size_t n, char *err,
			  size_t errlen)
{
	char **argv = calloc(n * 2 + 4, sizeof(*argv));
	struct pollfd p;
	char msg[128];
	int sp[2];
	ssize_t r;
	size_t k = 0;

	if (!argv ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		free(argv);
		return -1;
	}
	argv[k++] = (char *)exe;
	argv[k++] = (char *)"--dir";
	argv[k++] = h->dir;
	for (size_t i = 0; i < n; i++) {
		argv[k++] = (char *)"--rule";
		argv[k++] = rules[i];
	}
	h->pid = fork();
	if (h->pid == 0) {
		/* fd 3 is the channel, fd 4 the CA's directory (written
		 * through it, never by path); nothing else is inherited. */
		int c = fcntl(sp[1], F_DUPFD, 10);
		int d = fcntl(h->dirfd, F_DUPFD, 10);

		if (c < 0 || d < 0 || dup2(c, 3) < 0 || dup2(d, 4) < 0)
			_exit(127);
		if (syscall(SYS_close_range, 5U, ~0U, 0) < 0)
			for (int fd = 5; fd < 1024; fd++)
				close(fd);
		execv(exe, argv);
		_exit(127);
	}
	free(argv);
	close(sp[1]);
	if (h->pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(sp[0]);
		return -1;
	}
	h->chan = sp[0];
	p.fd = h->chan;
	p.events = POLLIN;
	if (poll(&p, 1, 10000) <= 0 ||
	    (r = recv(h->chan, msg, sizeof(msg) - 1, 0)) <= 0) {
		snprintf(err, errlen, "%s did not start", exe);
		nono_tls_helper_stop(h);
		return -1;
	}
	msg[r] = '\0';
	if (strcmp(msg, "READY") != 0) {
		snprintf(err, errlen, "%s",
			 strncmp(msg, "ERR ", 4) == 0 ? msg + 4
						      : "unexpected answer");
		nono_tls_helper_stop(h);
		return -1;
	}
	return 0;
}

void nono_tls_helper_stop(struct nono_tls_helper *h)
{
	pid_t pid = h->pid;

	if (h->chan >= 0)
		close(h->chan);
	h->chan = -1;
	if (h->pid > 0) {
		/* It leaves when the channel closes; a stuck one is
		 * killed. */
		for (int i = 0; i < 100; i++) {
			pid_t w = waitpid(h->pid, NULL, WNOHANG);

			/* (the supervisor's reaper may have had it) */
			if (w == h->pid || (w < 0 && errno == ECHILD))
				break;
			if (i == 50)
				kill(h->pid, SIGKILL);
			usleep(2000);
		}
	}
	h->pid = -1;
	if (h->dirfd >= 0) {
		/* The files, and the temporary names nono-tls writes them
		 * under (nono_replace_at: ".NAME.PID"), left by a kill. */
		static const char *const made[] = {"ca.pem", "bundle.pem"};
		const char *name = strrchr(h->dir, '/') + 1;
		struct stat here, st;

		for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++) {
			char tmp[64];

			unlinkat(h->dirfd, made[i], 0);
			snprintf(tmp, sizeof(tmp), ".%s.%d", made[i], (int)pid);
			unlinkat(h->dirfd, tmp, 0);
		}
		/* The directory itself only while its name still leads to
		 * it (else it stays, empty, wherever it was moved). */
		if (fstat(h->dirfd, &here) == 0 &&
		    fstatat(h->parentfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    st.st_dev == here.st_dev && st.st_ino == here.st_ino)
			unlinkat(h->parentfd, name, AT_REMOVEDIR);
		close(h->dirfd);
		h->dirfd = -1;
	}
	if (h->parentfd >= 0)
		close(h->parentfd);
	h->parentfd = -1;
	h->dir[0] = '\0';
}
