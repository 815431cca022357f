// SPDX-License-Identifier: Apache-2.0
/*
 * The proxy server against a real origin on loopback, in one process:
 * tunnels and plain requests to allowed hosts, 403/407/431/408 answers,
 * metadata refusal, the origin never seeing the proxy token, a slow client
 * and a thousand idle ones not holding up the others.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "proxy/hosts.h"
#include "proxy/server.h"

#define AUTH "Proxy-Authorization: Basic bm9ubzp0b2s=\r\n" /* nono:tok */

static int origin_fd, proxy_fd;
static uint16_t origin_port, proxy_port;
static char last_head[4096];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int allowed_n, denied_n;

static int listen_any(uint16_t *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t l = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, 4096) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &l) < 0)
		return -1;
	*port = ntohs(a.sin_port);
	return fd;
}

/* The origin: reads one request head, remembers it, answers "hello". */
static void *origin(void *arg)
{
	(void)arg;
	for (;;) {
		int c = accept(origin_fd, NULL, NULL);
		char buf[4096];
		size_t n = 0;
		ssize_t r;

		if (c < 0)
			return NULL;
		while (n < sizeof(buf) - 1 &&
		       (r = read(c, buf + n, sizeof(buf) - 1 - n)) > 0) {
			n += (size_t)r;
			buf[n] = '\0';
			if (strstr(buf, "\r\n\r\n"))
				break;
		}
		buf[n] = '\0';
		pthread_mutex_lock(&mu);
		snprintf(last_head, sizeof(last_head), "%s", buf);
		pthread_mutex_unlock(&mu);
		r = write(
		    c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 43);
		(void)r;
		close(c);
	}
}

/* An echo origin: sends back everything, then closes after EOF. */
static int echo_fd;
static uint16_t echo_port;

static void *echo(void *arg)
{
	(void)arg;
	for (;;) {
		int c = accept(echo_fd, NULL, NULL);
		char buf[65536];
		ssize_t r;

		if (c < 0)
			return NULL;
		while ((r = read(c, buf, sizeof(buf))) > 0)
			for (ssize_t o = 0, w; o < r; o += w)
				if ((w = write(c, buf + o, (size_t)(r - o))) <=
				    0)
					break;
		close(c);
	}
}

/* A recording origin: keeps all it receives until the client has been
 * quiet for 300 ms, then answers "ok". */
static int sink_fd;
static uint16_t sink_port;
static char sink_got[8192];
static size_t sink_len;
static int sink_done;

static void *sink(void *arg)
{
	(void)arg;
	for (;;) {
		int c = accept(sink_fd, NULL, NULL);
		char buf[8192];
		size_t n = 0;
		ssize_t r;

		if (c < 0)
			return NULL;
		for (;;) {
			struct pollfd pf = {.fd = c, .events = POLLIN};

			if (poll(&pf, 1, 300) <= 0)
				break;
			r = read(c, buf + n, sizeof(buf) - 1 - n);
			if (r <= 0)
				break;
			n += (size_t)r;
		}
		pthread_mutex_lock(&mu);
		memcpy(sink_got, buf, n);
		sink_got[n] = '\0';
		sink_len = n;
		sink_done++;
		pthread_mutex_unlock(&mu);
		r = write(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
			  40);
		(void)r;
		close(c);
	}
}

#define BULK (8u << 20)

static unsigned char pattern(size_t i)
{
	return (unsigned char)((i * 2654435761u) >> 13);
}

static void *bulk_writer(void *arg)
{
	int fd = *(int *)arg;
	unsigned char buf[32768];

	for (size_t o = 0; o < BULK; o += sizeof(buf)) {
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = pattern(o + i);
		for (size_t d = 0; d < sizeof(buf);) {
			ssize_t w = write(fd, buf + d, sizeof(buf) - d);

			if (w <= 0)
				return NULL;
			d += (size_t)w;
		}
	}
	shutdown(fd, SHUT_WR);
	return NULL;
}

static void on_decision(void *arg, const struct nono_proxy_decision *d)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	if (d->status != 0) /* 0: the end of a relay */
		*(d->allowed ? &allowed_n : &denied_n) += 1;
	pthread_mutex_unlock(&mu);
}

static int dial(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(proxy_port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

/* Reads what comes within @ms (until EOF, or a response head when
 * @head_only). */
static size_t slurp(int fd, char *buf, size_t cap, int ms, bool head_only)
{
	size_t n = 0;

	while (n < cap - 1) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t r;

		if (poll(&p, 1, ms) <= 0)
			break;
		r = read(fd, buf + n, cap - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		buf[n] = '\0';
		if (head_only && strstr(buf, "\r\n\r\n"))
			break;
	}
	buf[n] = '\0';
	return n;
}

static void send_all(int fd, const char *s)
{
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

static struct nono_proxy *proxy;
static struct nono_allowlist *allow;

static int setup(void **state)
{
	struct nono_proxy_config cfg = {.tls_chan = -1};
	struct rlimit rl;
	pthread_t t;
	const char *why;

	(void)state;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max < 8192 ? rl.rlim_max : 8192;
	setrlimit(RLIMIT_NOFILE, &rl);
	origin_fd = listen_any(&origin_port);
	proxy_fd = listen_any(&proxy_port);
	allow = nono_allowlist_new();
	if (origin_fd < 0 || proxy_fd < 0 || !allow ||
	    nono_allowlist_add(allow, "127.0.0.1:*", &why) < 0 ||
	    nono_allowlist_add(allow, "localhost:*", &why) < 0)
		return -1;
	pthread_create(&t, NULL, origin, NULL);
	pthread_detach(t);
	sink_fd = listen_any(&sink_port);
	if (sink_fd < 0)
		return -1;
	pthread_create(&t, NULL, sink, NULL);
	pthread_detach(t);
	echo_fd = listen_any(&echo_port);
	if (echo_fd < 0)
		return -1;
	pthread_create(&t, NULL, echo, NULL);
	pthread_detach(t);
	cfg.listen_fd = proxy_fd;
	cfg.token = "tok";
	cfg.allow = allow;
	cfg.head_timeout_ms = 400;
	cfg.on_decision = on_decision;
	return nono_proxy_start(&cfg, &proxy);
}

static int teardown(void **state)
{
	(void)state;
	nono_proxy_stop(proxy);
	nono_allowlist_free(allow);
	return 0;
}

static void test_tunnel(void **state)
{
	char req[256], buf[4096];
	int fd = dial();

	(void)state;
	snprintf(req, sizeof(req),
		 "CONNECT 127.0.0.1:%u HTTP/1.1\r\n" AUTH "\r\n", origin_port);
	send_all(fd, req);
	slurp(fd, buf, sizeof(buf), 2000, true);
	assert_non_null(strstr(buf, "HTTP/1.1 200 Connection Established"));
	send_all(fd, "GET /through HTTP/1.1\r\nHost: x\r\n\r\n");
	slurp(fd, buf, sizeof(buf), 2000, false);
	assert_non_null(strstr(buf, "hello"));
	close(fd);
	/* A name: localhost resolves on a helper thread. */
	fd = dial();
	snprintf(req, sizeof(req),
		 "CONNECT localhost:%u HTTP/1.1\r\n" AUTH "\r\n", origin_port);
	send_all(fd, req);
	slurp(fd, buf, sizeof(buf), 3000, true);
	assert_non_null(strstr(buf, " 200 "));
	close(fd);
}

/* 8 MiB each way at once through a tunnel (the splice path): every byte
 * arrives, in order, and the half-close travels through. */
static void test_bulk_both_ways(void **state)
{
	char req[256], head[4096];
	unsigned char buf[65536];
	size_t got = 0;
	bool same = true;
	pthread_t t;
	int fd = dial();

	(void)state;
	snprintf(req, sizeof(req),
		 "CONNECT 127.0.0.1:%u HTTP/1.1\r\n" AUTH "\r\n", echo_port);
	send_all(fd, req);
	/* Exactly the head: the tunnel's bytes follow it. */
	for (size_t n = 0; n < sizeof(head) - 1; n++) {
		assert_int_equal(read(fd, head + n, 1), 1);
		head[n + 1] = '\0';
		if (strstr(head, "\r\n\r\n"))
			break;
	}
	assert_non_null(strstr(head, " 200 "));
	pthread_create(&t, NULL, bulk_writer, &fd);
	for (;;) {
		struct pollfd pf = {.fd = fd, .events = POLLIN};
		ssize_t r;

		if (poll(&pf, 1, 10000) <= 0)
			break;
		r = read(fd, buf, sizeof(buf));
		if (r <= 0)
			break;
		for (ssize_t i = 0; i < r; i++)
			same &= buf[i] == pattern(got + (size_t)i);
		got += (size_t)r;
	}
	pthread_join(t, NULL);
	close(fd);
	assert_int_equal(got, BULK);
	assert_true(same);
}

/*
 * 10,000 clients connected at once that send nothing (their own process,
 * so that the fds fit the limit): the proxy still serves another client
 * at once.  A proxy of its own with a long head timeout, so they stay.
 */
static void test_ten_thousand_idle(void **state)
{
	struct nono_proxy_config cfg = {.tls_chan = -1};
	struct nono_proxy *px = NULL;
	struct rlimit rl;
	uint16_t port;
	int lfd, ready[2], go[2], fd, want = 10000;
	char req[256], buf[4096], c = 0;
	pid_t pid;

	(void)state;
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_max < 10100) /* the host's hard limit: as many as fit */
		want = (int)rl.rlim_max - 100;
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	lfd = listen_any(&port);
	assert_true(lfd >= 0);
	cfg.listen_fd = lfd;
	cfg.token = "tok";
	cfg.allow = allow;
	cfg.head_timeout_ms = 60000;
	assert_int_equal(nono_proxy_start(&cfg, &px), 0);
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sockaddr_in a = {.sin_family = AF_INET,
					.sin_port = htons(port)};
		int n = 0;

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		for (; n < want; n++) {
			int s = socket(AF_INET, SOCK_STREAM, 0);

			if (s < 0 ||
			    connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
				break;
		}
		c = n == want ? 'y' : 'n';
		if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(c, 'y');
	/* All connected and idle: another client is served. */
	{
		struct sockaddr_in a = {.sin_family = AF_INET,
					.sin_port = htons(port)};

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)),
				 0);
	}
	snprintf(req, sizeof(req),
		 "GET http://127.0.0.1:%u/busy HTTP/1.1\r\nHost: x\r\n" AUTH
		 "\r\n",
		 origin_port);
	send_all(fd, req);
	slurp(fd, buf, sizeof(buf), 5000, false);
	assert_non_null(strstr(buf, "hello"));
	close(fd);
	assert_int_equal(write(go[1], &c, 1), 1);
	waitpid(pid, NULL, 0);
	nono_proxy_stop(px);
	close(lfd);
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
}

/* Sends @first, then (after a pause, so that it arrives in a later read)
 * @second through a plain-HTTP request; returns what the origin got. */
static const char *through(const char *first, const char *second)
{
	static char got[8192];
	char buf[4096];
	int fd = dial(), before;

	pthread_mutex_lock(&mu);
	before = sink_done;
	pthread_mutex_unlock(&mu);
	send_all(fd, first);
	if (second) {
		usleep(50000);
		send_all(fd, second);
	}
	slurp(fd, buf, sizeof(buf), 3000, false);
	close(fd);
	for (int i = 0; i < 300; i++) {
		pthread_mutex_lock(&mu);
		if (sink_done != before) {
			memcpy(got, sink_got, sink_len + 1);
			pthread_mutex_unlock(&mu);
			return got;
		}
		pthread_mutex_unlock(&mu);
		usleep(10000);
	}
	return "";
}

/*
 * A plain request's body is forwarded exactly as its framing says, and
 * nothing after it: a second request hidden behind the first (to another
 * path or Host on the same origin) never reaches the origin.
 */
static void test_no_smuggling(void **state)
{
	char h[512];
	const char *got;

	(void)state;
	/* no body, second request in the same write */
	snprintf(h, sizeof(h),
		 "GET http://127.0.0.1:%u/first HTTP/1.1\r\nHost: a\r\n" AUTH
		 "\r\nGET /second HTTP/1.1\r\nHost: evil\r\n\r\n",
		 sink_port);
	got = through(h, NULL);
	assert_non_null(strstr(got, "GET /first"));
	assert_null(strstr(got, "/second"));
	/* Host is the checked host, not the client's "Host: a". */
	snprintf(h, sizeof(h), "Host: 127.0.0.1:%u\r\n", sink_port);
	assert_non_null(strstr(got, h));
	assert_null(strstr(got, "Host: a"));
	/* Content-Length, body split over two writes */
	snprintf(h, sizeof(h),
		 "POST http://127.0.0.1:%u/up HTTP/1.1\r\nHost: a\r\n" AUTH
		 "Content-Length: 5\r\n\r\nhel",
		 sink_port);
	got = through(h, "loGET /second HTTP/1.1\r\nHost: evil\r\n\r\n");
	assert_non_null(strstr(got, "\r\n\r\nhello"));
	assert_null(strstr(got, "/second"));
	/* chunked, in the head's write */
	snprintf(h, sizeof(h),
		 "POST http://127.0.0.1:%u/c HTTP/1.1\r\nHost: a\r\n" AUTH
		 "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
		 "GET /second HTTP/1.1\r\n\r\n",
		 sink_port);
	got = through(h, NULL);
	assert_non_null(strstr(got, "5\r\nhello\r\n0\r\n\r\n"));
	assert_null(strstr(got, "/second"));
	/* chunked, body in a later write (the relay's path) */
	snprintf(h, sizeof(h),
		 "POST http://127.0.0.1:%u/c2 HTTP/1.1\r\nHost: a\r\n" AUTH
		 "Transfer-Encoding: chunked\r\n\r\n",
		 sink_port);
	got = through(h, "3;x=1\r\nabc\r\n0\r\nT: v\r\n\r\nGET /second "
			 "HTTP/1.1\r\n\r\n");
	assert_non_null(strstr(got, "3;x=1\r\nabc\r\n0\r\nT: v\r\n\r\n"));
	assert_null(strstr(got, "/second"));
	/* Control: a tunnel carries everything (it has no framing). */
	{
		char req[256], buf[4096];
		int fd = dial(), before;

		pthread_mutex_lock(&mu);
		before = sink_done;
		pthread_mutex_unlock(&mu);
		snprintf(req, sizeof(req),
			 "CONNECT 127.0.0.1:%u HTTP/1.1\r\n" AUTH "\r\n",
			 sink_port);
		send_all(fd, req);
		slurp(fd, buf, sizeof(buf), 2000, true);
		send_all(fd,
			 "GET /one HTTP/1.1\r\n\r\nGET /two HTTP/1.1\r\n\r\n");
		slurp(fd, buf, sizeof(buf), 3000, false);
		close(fd);
		for (int i = 0; i < 300 && sink_done == before; i++)
			usleep(10000);
		pthread_mutex_lock(&mu);
		assert_non_null(strstr(sink_got, "/two"));
		pthread_mutex_unlock(&mu);
	}
}

static void test_plain_http(void **state)
{
	char req[512], buf[4096];
	int fd = dial();

	(void)state;
	snprintf(req, sizeof(req),
		 "GET http://127.0.0.1:%u/a/b?q=1 HTTP/1.1\r\nHost: "
		 "127.0.0.1\r\n" AUTH "Proxy-Connection: keep-alive\r\n"
		 "X-Mine: yes\r\n\r\n",
		 origin_port);
	send_all(fd, req);
	slurp(fd, buf, sizeof(buf), 2000, false);
	assert_non_null(strstr(buf, "hello"));
	close(fd);
	pthread_mutex_lock(&mu);
	assert_int_equal(strncmp(last_head, "GET /a/b?q=1 HTTP/1.1\r\n", 23),
			 0);
	/* The token never reaches the origin; the client's own fields do. */
	assert_null(strstr(last_head, "Proxy-Authorization"));
	assert_null(strstr(last_head, "Proxy-Connection"));
	assert_non_null(strstr(last_head, "X-Mine: yes"));
	assert_non_null(strstr(last_head, "Connection: close"));
	pthread_mutex_unlock(&mu);
}

static void expect_answer(const char *req, const char *status, const char *body)
{
	char buf[4096];
	int fd = dial();

	send_all(fd, req);
	slurp(fd, buf, sizeof(buf), 2000, false);
	close(fd);
	if (!strstr(buf, status) || (body && !strstr(buf, body)))
		fail_msg("for %.40s: got \"%.200s\", want %s / %s", req, buf,
			 status, body ? body : "");
}

static void test_refusals(void **state)
{
	char *big;

	(void)state;
	pthread_mutex_lock(&mu);
	allowed_n = denied_n = 0;
	pthread_mutex_unlock(&mu);
	expect_answer("CONNECT evil.example:443 HTTP/1.1\r\n" AUTH "\r\n",
		      "403 Forbidden", "--allow-domain evil.example");
	expect_answer("GET http://evil.example/ HTTP/1.1\r\n" AUTH "\r\n",
		      "403 Forbidden", "--allow-domain evil.example");
	expect_answer("CONNECT 127.0.0.1:443 HTTP/1.1\r\n\r\n",
		      "407 Proxy Authentication Required", NULL);
	expect_answer("CONNECT 127.0.0.1:443 HTTP/1.1\r\nProxy-Authorization: "
		      "Basic bm9ubzp3cm9uZw==\r\n\r\n",
		      "407", NULL);
	expect_answer("CONNECT 169.254.169.254:80 HTTP/1.1\r\n" AUTH "\r\n",
		      "403 Forbidden", "cloud metadata");
	expect_answer("CONNECT 127.0.0.1:http HTTP/1.1\r\n" AUTH "\r\n",
		      "400 Bad Request", "numeric port");
	big = malloc(20000);
	assert_non_null(big);
	strcpy(big, "GET http://127.0.0.1/ HTTP/1.1\r\nX: ");
	memset(big + strlen(big), 'a', 18000);
	big[19000] = '\0';
	expect_answer(big, "431", NULL);
	free(big);
	pthread_mutex_lock(&mu);
	/* each refusal is one denied decision (a malformed head, 400, is
	 * not a decision about a host), and none counts as allowed */
	assert_int_equal(denied_n, 6);
	assert_int_equal(allowed_n, 0);
	pthread_mutex_unlock(&mu);
}

static void test_slow_and_idle_clients(void **state)
{
	int idle[1000], slow, fd;
	char req[256], buf[4096];

	(void)state;
	for (int i = 0; i < 1000; i++)
		idle[i] = dial();
	slow = dial();
	send_all(slow, "CONNECT 127.0.0.1:"); /* and nothing more */
	/* The others are served meanwhile. */
	fd = dial();
	snprintf(req, sizeof(req),
		 "CONNECT 127.0.0.1:%u HTTP/1.1\r\n" AUTH "\r\n", origin_port);
	send_all(fd, req);
	slurp(fd, buf, sizeof(buf), 2000, true);
	assert_non_null(strstr(buf, " 200 "));
	close(fd);
	/* The slow head is answered 408 and closed after the timeout. */
	slurp(slow, buf, sizeof(buf), 3000, false);
	assert_non_null(strstr(buf, "408"));
	close(slow);
	for (int i = 0; i < 1000; i++)
		close(idle[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tunnel),
	    cmocka_unit_test(test_bulk_both_ways),
	    cmocka_unit_test(test_no_smuggling),
	    cmocka_unit_test(test_plain_http),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_slow_and_idle_clients),
	    cmocka_unit_test(test_ten_thousand_idle),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
