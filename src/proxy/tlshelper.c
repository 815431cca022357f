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
#include <sys/wait.h>
#include <unistd.h>

#include "nono-config.h"
#include "proxy/tlshelper.h"
#include "sys/helper.h"

int nono_tls_helper_find(char *out, size_t len)
{
	return nono_helper_find("nono-tls", out, len);
}

int nono_tls_helper_mkdir(struct nono_tls_helper *h)
{
	h->pid = -1;
	h->chan = -1;
	snprintf(h->dir, sizeof(h->dir), "/tmp/nono-tls-XXXXXX");
	if (!mkdtemp(h->dir)) {
		h->dir[0] = '\0';
		return -1;
	}
	snprintf(h->ca, sizeof(h->ca), "%s/ca.pem", h->dir);
	snprintf(h->bundle, sizeof(h->bundle), "%s/bundle.pem", h->dir);
	return 0;
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
		/* fd 3 is the channel; nothing else is inherited. */
		if (dup2(sp[1], 3) < 0)
			_exit(127);
		for (int fd = 4; fd < 1024; fd++)
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
	if (h->dir[0]) {
		unlink(h->ca);
		unlink(h->bundle);
		rmdir(h->dir);
		h->dir[0] = '\0';
	}
}
