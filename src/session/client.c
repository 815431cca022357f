// SPDX-License-Identifier: Apache-2.0
/*
 * nono attach and nono detach (see client.h).  The session speaks the one
 * message codec (proxy/msg.h) on a seqpacket socket: each message whole,
 * checked by the decoder, nothing trusted from it but terminal bytes.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "proxy/msg.h"
#include "session/client.h"
#include "session/registry.h"
#include "session/termstate.h"

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Connects to the session's socket, retrying while it is being made. */
static int dial(int dirfd, unsigned timeout_ms, char *err, size_t errlen)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	long long until = now_ms() + timeout_ms;

	snprintf(a.sun_path, sizeof(a.sun_path), "/proc/self/fd/%d/%s", dirfd,
		 NONO_SESSION_SOCKET);
	for (;;) {
		int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

		if (fd < 0) {
			snprintf(err, errlen, "socket: %s", strerror(errno));
			return -errno;
		}
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
			return fd;
		close(fd);
		if ((errno != ENOENT && errno != ECONNREFUSED) ||
		    now_ms() >= until) {
			int e = errno;

			snprintf(err, errlen,
				 e == ENOENT || e == ECONNREFUSED
				     ? "the session does not answer (its "
				       "supervisor is gone, or not ready "
				       "within NONO_PTY_ATTACH_TIMEOUT)"
				     : "cannot reach the session: %s",
				 strerror(e));
			return -e;
		}
		usleep(20000);
	}
}

static int send_m(int fd, const struct nono_msg_session *m)
{
	char buf[NONO_MSG_DATA_MAX + 256];
	int len = nono_msg_session_encode(m, buf, sizeof(buf));

	if (len < 0)
		return -EINVAL;
	return nono_msg_send(fd, buf, (size_t)len, NULL, 0, 0);
}

/* The next message, waiting at most @timeout_ms (-1: forever). */
static int recv_m(int fd, char *buf, size_t cap, struct nono_msg_session *m,
		  int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	ssize_t n;
	int r;

	do {
		r = poll(&p, 1, timeout_ms);
	} while (r < 0 && errno == EINTR);
	if (r == 0)
		return -ETIMEDOUT;
	if (r < 0)
		return -errno;
	n = nono_msg_recv(fd, buf, cap, NULL, 0, 0);
	if (n == 0)
		return -EPIPE;
	if (n < 0)
		return (int)n;
	return nono_msg_session_decode(buf, (size_t)n, m) < 0 ? -EBADMSG : 0;
}

static void window(unsigned *rows, unsigned *cols)
{
	struct winsize ws;

	*rows = 24;
	*cols = 80;
	if (ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
	}
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

int nono_parse_detach_keys(const char *s, unsigned char *prefix,
			   unsigned char *key)
{
	unsigned char k[2];
	int n = 0;

	while (*s && n < 2) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		if ((strncasecmp(s, "ctrl-", 5) == 0 ||
		     strncasecmp(s, "c-", 2) == 0) &&
		    s[s[1] == '-' ? 2 : 5]) {
			unsigned char c = (unsigned char)toupper(
			    (unsigned char)s[s[1] == '-' ? 2 : 5]);

			if (c < '@' || c > '_')
				return -EINVAL;
			k[n++] = c & 0x1f;
			s += (s[1] == '-' ? 2 : 5) + 1;
		} else {
			if ((unsigned char)*s < 0x20 || *s == 0x7f)
				return -EINVAL;
			k[n++] = (unsigned char)*s++;
		}
		if (*s && *s != ' ')
			return -EINVAL;
	}
	while (*s == ' ')
		s++;
	if (n != 2 || *s)
		return -EINVAL;
	*prefix = k[0];
	*key = k[1];
	return 0;
}

static int hello(int fd, bool read_only, unsigned timeout_ms, char *err,
		 size_t errlen)
{
	struct nono_msg_session m = {.type = NONO_MSG_HELLO};
	char buf[NONO_MSG_DATA_MAX + 512];
	int r;

	m.read_only = read_only;
	window(&m.rows, &m.cols);
	r = send_m(fd, &m);
	if (r == 0)
		r = recv_m(fd, buf, sizeof(buf), &m, (int)timeout_ms);
	if (r < 0) {
		snprintf(err, errlen, "the session did not answer: %s",
			 r == -ETIMEDOUT ? "no answer in time" : strerror(-r));
		return r;
	}
	if (m.type == NONO_MSG_REFUSED) {
		snprintf(err, errlen, "%s", m.text);
		return -EBUSY;
	}
	if (m.type != NONO_MSG_WELCOME) {
		snprintf(err, errlen, "the session answered out of turn");
		return -EBADMSG;
	}
	return 0;
}

/*
 * One line typed for the supervisor's question, into @out (@len bytes),
 * while the session and the signals are watched too (review of
 * elevation: a blocking read ignored Ctrl-C and SIGTERM and outlived the
 * session).  0 with the line; -EINTR on a signal; -EPIPE when the
 * session has something to say first (its end, another question): the
 * caller reads it as usual.
 */
static int prompt_line(int fd, int sfd, char *out, size_t len)
{
	size_t k = 0;

	for (;;) {
		struct pollfd p[3] = {
		    {.fd = 0, .events = POLLIN},
		    {.fd = fd, .events = POLLIN},
		    {.fd = sfd, .events = POLLIN},
		};
		char ch;

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -EPIPE;
		}
		if (p[2].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) == sizeof(si))
				if (si.ssi_signo != SIGWINCH)
					return -EINTR;
		}
		if (p[1].revents)
			return -EPIPE;
		if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if (read(0, &ch, 1) != 1)
			return -EPIPE;
		if (ch == '\n')
			break;
		if (k < len - 1)
			out[k++] = ch;
	}
	out[k] = '\0';
	return 0;
}

int nono_session_attach(int dirfd, const struct nono_attach_opts *o,
			int *status, char *err, size_t errlen)
{
	char buf[NONO_MSG_DATA_MAX + 512];
	struct nono_termstate ts;
	struct termios saved, raw;
	bool is_raw = false, prefix_seen = false;
	sigset_t set, old;
	int fd, sfd = -1, r = -EPIPE;

	*status = 0;
	fd = dial(dirfd, o->timeout_ms, err, errlen);
	if (fd < 0)
		return fd;
	r = hello(fd, o->read_only, o->timeout_ms, err, errlen);
	if (r < 0) {
		close(fd);
		return r;
	}
	/* The modes the session switches on here, so that they go when we
	 * leave however we leave (the supervisor killed, a signal). */
	nono_termstate_init(&ts);
	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, &old);
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (isatty(0) && tcgetattr(0, &saved) == 0) {
		raw = saved;
		cfmakeraw(&raw);
		is_raw = tcsetattr(0, TCSAFLUSH, &raw) == 0;
	}
	r = -EPIPE;
	for (;;) {
		struct pollfd p[3] = {
		    {.fd = fd, .events = POLLIN},
		    {.fd = 0, .events = POLLIN},
		    {.fd = sfd, .events = POLLIN},
		};
		struct nono_msg_session m;

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[2].revents & POLLIN) {
			struct signalfd_siginfo si;
			bool leave = false;

			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGWINCH && !o->read_only) {
					struct nono_msg_session rs = {
					    .type = NONO_MSG_RESIZE};

					window(&rs.rows, &rs.cols);
					send_m(fd, &rs);
				} else if (si.ssi_signo != SIGWINCH) {
					leave = true;
				}
			}
			if (leave) {
				struct nono_msg_session d = {
				    .type = NONO_MSG_DETACH};

				send_m(fd, &d);
				r = NONO_ATTACH_DETACHED;
				break;
			}
		}
		if (p[1].revents & (POLLIN | POLLHUP)) {
			char in[4096], outb[8192];
			ssize_t n = read(0, in, sizeof(in));
			size_t k = 0;
			bool detach = false;

			if (n <= 0) {
				/* No more input: watch until the end. */
				p[1].fd = -1;
				if (n == 0) {
					close(0);
					open("/dev/null", O_RDONLY);
				}
			}
			for (ssize_t i = 0; i < n && !detach; i++) {
				unsigned char c = (unsigned char)in[i];

				if (prefix_seen) {
					prefix_seen = false;
					if (c == o->key) {
						detach = true;
						break;
					}
					outb[k++] = (char)o->prefix;
					if (c == o->prefix)
						continue;
				} else if (c == o->prefix) {
					prefix_seen = true;
					continue;
				}
				outb[k++] = (char)c;
			}
			if (k && !o->read_only) {
				struct nono_msg_session dm = {
				    .type = NONO_MSG_DATA};

				dm.data = outb;
				dm.len = k;
				send_m(fd, &dm);
			}
			if (detach) {
				struct nono_msg_session d = {
				    .type = NONO_MSG_DETACH};

				send_m(fd, &d);
				/* Its reset bytes and the ack come back. */
			}
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			int e = recv_m(fd, buf, sizeof(buf), &m, 0);

			if (e == -ETIMEDOUT)
				continue;
			if (e < 0) {
				snprintf(err, errlen,
					 "the session's supervisor went away");
				r = -EPIPE;
				break;
			}
			if (m.type == NONO_MSG_DATA) {
				nono_termstate_feed(&ts, m.data, m.len);
				write_all(1, m.data, m.len);
			} else if (m.type == NONO_MSG_PROMPT) {
				/* A question of the supervisor's (the save
				 * prompt): one line, typed in the terminal's
				 * own mode. */
				struct nono_msg_session a = {
				    .type = NONO_MSG_ANSWER};
				int pr;

				if (is_raw)
					tcsetattr(0, TCSAFLUSH, &saved);
				write_all(1, m.text, strlen(m.text));
				pr = prompt_line(fd, sfd, a.text,
						 sizeof(a.text));
				if (pr == 0)
					send_m(fd, &a);
				else
					write_all(1, "\r\n", 2);
				if (is_raw)
					tcsetattr(0, TCSAFLUSH, &raw);
				/* A signal while asked: leave as on any other
				 * (the question stays up, answered elsewhere
				 * or refused at its deadline). */
				if (pr == -EINTR) {
					struct nono_msg_session d = {
					    .type = NONO_MSG_DETACH};

					send_m(fd, &d);
					r = NONO_ATTACH_DETACHED;
					break;
				}
			} else if (m.type == NONO_MSG_EXIT) {
				*status = m.signo ? 128 + m.signo : m.status;
				r = NONO_ATTACH_ENDED;
				break;
			} else if (m.type == NONO_MSG_DETACH) {
				r = NONO_ATTACH_DETACHED;
				snprintf(err, errlen, "%s", m.text);
				break;
			}
		}
	}
	{
		char reset[512];
		size_t n = nono_termstate_reset(&ts, reset, sizeof(reset));

		write_all(1, reset, n);
	}
	if (is_raw)
		tcsetattr(0, TCSAFLUSH, &saved);
	if (sfd >= 0)
		close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(fd);
	return r;
}

int nono_session_detach(int dirfd, unsigned timeout_ms, char *err,
			size_t errlen)
{
	struct nono_msg_session m = {.type = NONO_MSG_DETACH};
	char buf[1024];
	int fd = dial(dirfd, timeout_ms, err, errlen), r;

	if (fd < 0)
		return fd;
	r = send_m(fd, &m);
	if (r == 0)
		r = recv_m(fd, buf, sizeof(buf), &m, (int)timeout_ms);
	close(fd);
	if (r < 0 || m.type != NONO_MSG_DETACH) {
		snprintf(err, errlen, "the session did not answer");
		return r < 0 ? r : -EBADMSG;
	}
	return 0;
}
