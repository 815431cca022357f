// SPDX-License-Identifier: Apache-2.0
/*
 * The proxy's event loop (see server.h, and server_internal.h for its
 * parts).  Limits that keep one client from hurting the others: a head must
 * arrive within head_timeout_ms and stay under 16 KiB; at most max_conns
 * connections; name lookups run on at most MAX_RESOLVERS threads at once
 * (more wait in a queue); a relay buffers at most one pipe (PIPE_SZ) per
 * direction and stops reading while it is full; data moves by splice(2),
 * never through the proxy's memory.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "proxy/creds.h"
#include "proxy/http.h"
#include "proxy/msg.h"
#include "proxy/server.h"
#include "proxy/server_internal.h"
#include "util/port.h"

uint64_t px_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* nono learn lets through a host that is a name only: an address
 * literal would skip the private-address check names get after their
 * lookup, and localhost is the machine's own. */
static bool learnable(const char *host)
{
	size_t n = strlen(host);
	struct in6_addr a6;
	struct in_addr a4;

	/* inet_aton takes the forms a resolver takes as an address
	 * ("127.1", "0x7f000001", "2130706433"), not only dotted quads. */
	if (n == 0 || inet_aton(host, &a4) != 0 ||
	    inet_pton(AF_INET6, host, &a6) == 1 || strchr(host, ':') ||
	    strcasecmp(host, "localhost") == 0 ||
	    strcasecmp(host, "localhost.") == 0 ||
	    (n > 10 && strcasecmp(host + n - 10, ".localhost") == 0) ||
	    (n > 11 && strcasecmp(host + n - 11, ".localhost.") == 0))
		return false;
	return true;
}

/* @c's request, as the decision callback hears it. */
static void decide(struct nono_proxy *p, const struct conn *c, bool allowed,
		   int status, const char *why, bool learned)
{
	struct nono_proxy_decision d = {
	    .allowed = allowed,
	    .status = status,
	    .why = why,
	    .method = c->method,
	    .host = c->req.host,
	    .path = c->req.connect ? NULL : c->path,
	    .port = c->req.port,
	    .bytes_up = c->upf.bytes,
	    .bytes_down = c->downf.bytes,
	    .learned = learned,
	};

	if (p->cfg.on_decision)
		p->cfg.on_decision(p->cfg.arg, &d);
}

void px_learned(struct nono_proxy *p, const struct conn *c, bool pass,
		const char *why)
{
	decide(p, c, pass, 0, why, true);
}

void px_decide(struct nono_proxy *p, const struct conn *c, bool allowed,
	       int status)
{
	decide(p, c, allowed, status, NULL, false);
}

void px_decide_why(struct nono_proxy *p, const struct conn *c, bool allowed,
		   int status, const char *why)
{
	decide(p, c, allowed, status, why, false);
}

/* A pipe for splice(2), from the pool (only pipes holding no data are
 * pooled, so a pipe is a connection's only while bytes wait in it). */
int px_pipe_get(struct nono_proxy *p, int fds[2])
{
	if (p->npipes) {
		p->npipes--;
		fds[0] = p->pipes[p->npipes][0];
		fds[1] = p->pipes[p->npipes][1];
		return 0;
	}
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0)
		return -1;
	/* Fewer, larger moves; refused above pipe-max-size: then 64 KiB. */
	fcntl(fds[1], F_SETPIPE_SZ, PIPE_SZ);
	return 0;
}

void px_pipe_put(struct nono_proxy *p, int fds[2])
{
	if (fds[0] < 0)
		return;
	if (p->npipes < MAX_POOLED_PIPES) {
		p->pipes[p->npipes][0] = fds[0];
		p->pipes[p->npipes][1] = fds[1];
		p->npipes++;
	} else {
		close(fds[0]);
		close(fds[1]);
	}
	fds[0] = fds[1] = -1;
}

void px_close_conn(struct nono_proxy *p, struct conn *c)
{
	/*
	 * Deregistered before the close: epoll forgets an fd only when the
	 * last reference to its file goes, and a process forked meanwhile
	 * (the sandbox, before its exec) holds copies.  The events of a
	 * freed connection would come later.
	 */
	if (c->cfd >= 0) {
		p->byfd[c->cfd] = NULL;
		epoll_ctl(p->ep, EPOLL_CTL_DEL, c->cfd, NULL);
		close(c->cfd);
	}
	if (c->ofd >= 0) {
		epoll_ctl(p->ep, EPOLL_CTL_DEL, c->ofd, NULL);
		close(c->ofd);
	}
	c->cfd = c->ofd = -1;
	/* A pipe still holding bytes is closed, never pooled. */
	for (int i = 0; i < 2; i++) {
		struct flow *f = i ? &c->downf : &c->upf;

		if (f->pipe[0] >= 0 && !f->inpipe) {
			px_pipe_put(p, f->pipe);
		} else if (f->pipe[0] >= 0) {
			close(f->pipe[0]);
			close(f->pipe[1]);
			f->pipe[0] = f->pipe[1] = -1;
		}
	}
	if (c->ai)
		freeaddrinfo(c->ai);
	c->ai = NULL;
	if (c->prev)
		c->prev->next = c->next;
	else
		p->all = c->next;
	if (c->next)
		c->next->prev = c->prev;
	p->nconns--;
	/* Later events of this epoll batch may still name it: free it
	 * only once the batch is done (free_dead). */
	c->closed = true;
	c->next = p->dead;
	p->dead = c;
}

static void free_dead(struct nono_proxy *p)
{
	while (p->dead) {
		struct conn *c = p->dead;

		p->dead = c->next;
		free(c->head);
		free(c->upath);
		if (c->cred && c->upf.buf) /* held the credential */
			explicit_bzero(c->upf.buf, c->upf.cap);
		free(c->upf.buf);
		if (c->downf.ans) {
			free(c->downf.ans->head);
			free(c->downf.ans);
		}
		if (c->downf.scrub) {
			nono_scrub_free(c->downf.scrub);
			free(c->downf.scrub);
		}
		free(c->downf.mask);
		free(c->downf.buf);
		free(c);
	}
}

/* A short answer, then close: what a refused client gets. */
void px_answer(struct nono_proxy *p, struct conn *c, int status,
	       const char *reason, const char *body)
{
	char msg[1024];
	int n = snprintf(msg, sizeof(msg),
			 "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n%s\r\n%s",
			 status, reason, strlen(body),
			 status == 407 ? "Proxy-Authenticate: Basic "
					 "realm=\"nono\"\r\n"
				       : "",
			 body);
	ssize_t w;

	if (n > 0) /* best effort: a client that does not read loses it */
		w = send(c->cfd, msg, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)w;
	/* A 5xx comes after the policy allowed it: the upstream failed. */
	if (c->st != S_HEAD || status != 400)
		px_decide_why(p, c, status >= 500, status, body);
	px_close_conn(p, c);
}

int px_watch(struct nono_proxy *p, struct conn *c, int which, uint32_t ev)
{
	struct epoll_event e = {.events = ev};
	int fd = which ? c->ofd : c->cfd;
	uint32_t *cur = which ? &c->oev : &c->cev;
	int op;

	if (*cur == ev)
		return 0;
	e.data.ptr = which ? &c->oe : &c->ce;
	op = *cur == 0xffffffffu ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
	if (epoll_ctl(p->ep, op, fd, &e) < 0)
		return -errno;
	*cur = ev;
	return 0;
}

/* A Nono-Why-* field's value, terminated in @out (@len bytes); false when
 * it is missing, too long or not visible ASCII. */
static bool why_field(const struct conn *c, const char *name, char *out,
		      size_t len)
{
	const struct nono_http_field *f = nono_http_field(&c->req, name);

	if (!f || !f->value_len || f->value_len >= len)
		return false;
	for (size_t i = 0; i < f->value_len; i++)
		if ((unsigned char)f->value[i] <= 0x20 ||
		    (unsigned char)f->value[i] >= 0x7f)
			return false;
	memcpy(out, f->value, f->value_len);
	out[f->value_len] = '\0';
	return true;
}

/* `nono why --self --host` (see nono_proxy_config.why): the verdict,
 * from the policy alone; not a request, so neither decided nor logged. */
static void answer_why(struct nono_proxy *p, struct conn *c)
{
	enum { BODY = 16384 };
	char host[NONO_HTTP_MAX_HOST + 1], port[8], path[2048];
	char head[160], *msg = malloc(BODY + sizeof(head));
	char *body = msg ? msg + sizeof(head) : NULL;
	uint16_t pv = 0;
	bool has_path = why_field(c, "Nono-Why-Path", path, sizeof(path));
	ssize_t w = 0;
	int n, h;

	if (!msg) {
		px_answer(p, c, 503, "Service Unavailable", "out of memory\n");
		return;
	}
	if (!why_field(c, "Nono-Why-Host", host, sizeof(host)) ||
	    !why_field(c, "Nono-Why-Port", port, sizeof(port)) ||
	    nono_port_parse(port, strlen(port), &pv) < 0 ||
	    (has_path && path[0] != '/')) {
		/* Still reading the head: a 400 is no decision. */
		free(msg);
		px_answer(p, c, 400, "Bad Request",
			  "nono why: Nono-Why-Host, Nono-Why-Port (1-65535) "
			  "and an optional Nono-Why-Path (/...) are needed\n");
		return;
	}
	n = p->cfg.why(p->cfg.arg, host, pv, has_path ? path : NULL, body,
		       BODY);
	if (n < 0 || n >= BODY) {
		free(msg);
		px_answer(p, c, 400, "Bad Request", "nono why: no answer\n");
		return;
	}
	/* The head before the body, in the room left for it. */
	h = snprintf(head, sizeof(head),
		     "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		     "Content-Length: %d\r\nConnection: close\r\n\r\n",
		     n);
	memcpy(body - h, head, (size_t)h);
	/* Best effort, as px_answer: a client that does not read loses it. */
	w = send(c->cfd, body - h, (size_t)(h + n),
		 MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)w;
	free(msg);
	px_close_conn(p, c);
}

/* ":PORT" for a port an entry must name (not 443 or 80), else "". */
const char *px_port_suffix(uint16_t port, char *buf, size_t len)
{
	if (port == 443 || port == 80)
		return "";
	snprintf(buf, len, ":%u", (unsigned)port);
	return buf;
}

static void on_head(struct nono_proxy *p, struct conn *c)
{
	const char *why = NULL;
	enum nono_http_status st;
	enum nono_host_verdict v, v_any;
	char body[1024], sfx[8];
	bool paths, paths_any, origin;
	ssize_t n;

	if (c->hlen == c->hcap) {
		size_t ncap = c->hcap ? c->hcap * 2 : 1024;
		char *nh;

		if (ncap > NONO_HTTP_MAX_HEAD + 1024)
			ncap = NONO_HTTP_MAX_HEAD + 1024;
		nh = realloc(c->head, ncap);
		if (!nh || ncap == c->hcap) {
			free(nh == c->head ? NULL : nh);
			px_answer(p, c, 431, "Request Header Fields Too Large",
				  "request head too large\n");
			return;
		}
		c->head = nh;
		c->hcap = ncap;
	}
	n = recv(c->cfd, c->head + c->hlen, c->hcap - c->hlen, MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		px_close_conn(p, c);
		return;
	}
	if (n < 0)
		return;
	c->hlen += (size_t)n;
	/* "GET /SERVICE/..." (origin-form) asks the credential services;
	 * a proxy request names a URL or host:port. */
	{
		const char *sp =
		    memchr(c->head, ' ', c->hlen < 32 ? c->hlen : 32);

		origin = p->cfg.creds && p->cfg.creds->n && sp &&
			 sp + 1 < c->head + c->hlen && sp[1] == '/';
	}
	st = origin ? nono_http_parse_origin(c->head, c->hlen, &c->req, &why)
		    : nono_http_parse(c->head, c->hlen, &c->req, &why);
	if (st == NONO_HTTP_INCOMPLETE)
		return;
	snprintf(c->method, sizeof(c->method), "%.*s",
		 (int)(c->req.method_len < 15 ? c->req.method_len : 15),
		 c->req.method ? c->req.method : "");
	if (st == NONO_HTTP_TOO_LARGE) {
		px_answer(p, c, 431, "Request Header Fields Too Large",
			  "request head too large\n");
		return;
	}
	if (st != NONO_HTTP_OK) {
		snprintf(body, sizeof(body), "bad request: %s\n",
			 why ? why : "malformed");
		px_answer(p, c, 400, "Bad Request", body);
		return;
	}
	if (origin) {
		px_cred_request(p, c);
		return;
	}
	if (!c->req.connect)
		snprintf(c->path, sizeof(c->path), "%.*s",
			 (int)(c->req.target_len - c->req.path_off),
			 c->req.target + c->req.path_off);
	if (!nono_http_proxy_auth_ok(
		nono_http_field(&c->req, "Proxy-Authorization"),
		p->cfg.token)) {
		px_answer(p, c, 407, "Proxy Authentication Required",
			  "nono: this proxy serves only its own sandbox\n");
		return;
	}
	if (!c->req.connect && p->cfg.why &&
	    strcasecmp(c->req.host, NONO_PROXY_WHY_HOST) == 0) {
		answer_why(p, c);
		return;
	}
	if (c->req.connect) {
		v = nono_allowlist_check_port(p->cfg.allow, c->req.host,
					      c->req.port, NULL, &paths);
		v_any = nono_allowlist_check(p->cfg.allow, c->req.host, NULL,
					     &paths_any);
	} else {
		/* The whole path (c->path is cut for messages and logs): a
		 * rule never matches a prefix of what is sent on. */
		char *full = strndup(c->req.target + c->req.path_off,
				     c->req.target_len - c->req.path_off);

		if (!full) {
			px_answer(p, c, 503, "Service Unavailable",
				  "out of memory\n");
			return;
		}
		v = nono_allowlist_check_port(p->cfg.allow, c->req.host,
					      c->req.port, full, &paths);
		v_any = nono_allowlist_check(p->cfg.allow, c->req.host, full,
					     &paths_any);
		free(full);
	}
	if (v == NONO_HOST_METADATA) {
		snprintf(body, sizeof(body),
			 "nono: %s is a cloud metadata or link-local "
			 "destination, refused whatever the allowlist says\n",
			 c->req.host);
		px_answer(p, c, 403, "Forbidden", body);
		return;
	}
	if (v == NONO_HOST_NOT_LISTED && paths && c->req.connect &&
	    p->cfg.tls_chan >= 0 && c->hlen == c->req.head_len) {
		/* Allowed for some paths only: the helper reads them. */
		c->intercept = true;
		v = NONO_HOST_ALLOWED;
	}
	/* nono learn: a host or port the policy alone refuses is reported,
	 * and let through when the host is a name. */
	if (v != NONO_HOST_ALLOWED && p->cfg.learn && !paths && !paths_any) {
		/* Reported once its name resolved (to global addresses
		 * only); an address or localhost never goes on, nor a
		 * request that would leave through an upstream proxy,
		 * which resolves it where nono cannot look. */
		if (!learnable(c->req.host)) {
			px_learned(p, c, false,
				   "an address or localhost: a learning run "
				   "reaches none");
		} else if (p->cfg.upstream_host) {
			px_learned(p, c, false, NULL);
		} else {
			c->learned = true;
			v = NONO_HOST_ALLOWED;
		}
	}
	/* 443 or 80 unless a rule names the port (host, port and path of
	 * one rule together): an allowed name must not reach the host's
	 * other services (a database, a cache: bytes sent through a tunnel,
	 * or an HTTP request another protocol reads). */
	if (v != NONO_HOST_ALLOWED &&
	    (v_any == NONO_HOST_ALLOWED || (paths_any && !paths))) {
		snprintf(body, sizeof(body),
			 "nono: %s port %u refused: an allowed host takes "
			 "ports 443 and 80; to allow this one: --allow-domain "
			 "%s:%u\n",
			 c->req.host, (unsigned)c->req.port, c->req.host,
			 (unsigned)c->req.port);
		px_answer(p, c, 403, "Forbidden", body);
		return;
	}
	if (v != NONO_HOST_ALLOWED) {
		if (paths && c->req.connect && p->cfg.tls_chan >= 0)
			snprintf(body, sizeof(body),
				 "nono: %s is allowed only for some paths: the "
				 "client must wait for the tunnel before it "
				 "sends\n",
				 c->req.host);
		else if (paths && c->req.connect)
			snprintf(body, sizeof(body),
				 "nono: %s is allowed only for some paths, "
				 "which a tunnel hides (TLS interception "
				 "needs nono-tls, which is not running)\n",
				 c->req.host);
		else
			snprintf(body, sizeof(body),
				 "nono: %s is not allowed by the sandbox's "
				 "network policy; allow it with --allow-domain "
				 "%s%s\n",
				 c->req.host, c->req.host,
				 px_port_suffix(c->req.port, sfx, sizeof(sfx)));
		px_answer(p, c, 403, "Forbidden", body);
		return;
	}
	c->via_upstream =
	    p->cfg.upstream_host &&
	    !(p->cfg.upstream_bypass &&
	      nono_allowlist_check(p->cfg.upstream_bypass, c->req.host, NULL,
				   NULL) == NONO_HOST_ALLOWED);
	if (px_watch(p, c, 0, 0) < 0 || px_resolve(p, c) < 0)
		px_answer(p, c, 503, "Service Unavailable", "out of memory\n");
}

static void on_accept(struct nono_proxy *p)
{
	for (;;) {
		int fd = accept4(p->cfg.listen_fd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c;

		if (fd < 0)
			return;
		if (fd >= MAX_FD ||
		    p->nconns >=
			(p->cfg.max_conns ? p->cfg.max_conns : 16384) ||
		    !(c = calloc(1, sizeof(*c)))) {
			static const char busy[] =
			    "HTTP/1.1 503 Service "
			    "Unavailable\r\nContent-Length: "
			    "0\r\nConnection: close\r\n\r\n";
			ssize_t w = send(fd, busy, sizeof(busy) - 1,
					 MSG_NOSIGNAL | MSG_DONTWAIT);

			(void)w;
			close(fd);
			continue;
		}
		c->id = ++p->next_id;
		c->cfd = fd;
		c->ofd = -1;
		c->upf.pipe[0] = c->upf.pipe[1] = -1;
		c->downf.pipe[0] = c->downf.pipe[1] = -1;
		c->ce.c = c;
		c->oe.c = c;
		c->oe.which = 1;
		c->cev = c->oev = 0xffffffffu;
		c->st = S_HEAD;
		c->deadline =
		    px_now_ms() +
		    (p->cfg.head_timeout_ms ? p->cfg.head_timeout_ms : 10000);
		c->next = p->all;
		if (p->all)
			p->all->prev = c;
		p->all = c;
		p->nconns++;
		p->byfd[fd] = c;
		if (px_watch(p, c, 0, EPOLLIN) < 0)
			px_close_conn(p, c);
	}
}

/* The TLS helper's decisions (NONO_MSG_DECISION, src/proxy/msg.h). */
static void on_tls(struct nono_proxy *p)
{
	for (;;) {
		char buf[2048];
		struct nono_msg_decision m;
		struct nono_proxy_decision d = {0};
		ssize_t n = nono_msg_recv(p->cfg.tls_chan, buf, sizeof(buf),
					  NULL, 0, MSG_DONTWAIT);

		if (n == -EAGAIN)
			return;
		if (n == -EBADMSG)
			continue; /* malformed: dropped */
		if (n <= 0) {
			/* The helper is gone: no more interception (such
			 * tunnels are refused from now on). */
			epoll_ctl(p->ep, EPOLL_CTL_DEL, p->cfg.tls_chan, NULL);
			p->cfg.tls_chan = -1;
			return;
		}
		if (nono_msg_decision_decode(buf, (size_t)n, &m) < 0)
			continue;
		d.allowed = m.allowed;
		d.status = m.status;
		d.method = m.method[0] ? m.method : "-";
		d.host = m.host;
		d.port = m.port;
		d.path = m.path[0] ? m.path : NULL;
		d.bytes_up = m.up;
		d.bytes_down = m.down;
		if (p->cfg.on_decision)
			p->cfg.on_decision(p->cfg.arg, &d);
	}
}

/* Heads not sent in time (slowloris) and connects that hang. */
static void expire(struct nono_proxy *p)
{
	uint64_t t = px_now_ms();

	for (struct conn *c = p->all, *next; c; c = next) {
		next = c->next;
		if (c->st == S_HEAD && t >= c->deadline)
			px_answer(p, c, 408, "Request Timeout",
				  "the request head did not arrive in time\n");
		else if ((c->st == S_CONNECT || c->st == S_UPSTREAM) &&
			 t >= c->deadline)
			px_answer(p, c, 504, "Gateway Timeout",
				  "the origin did not answer in time\n");
	}
}

static void *loop(void *arg)
{
	struct nono_proxy *p = arg;
	struct epoll_event ev[256];
	uint64_t last = px_now_ms();

	for (;;) {
		int n = epoll_wait(p->ep, ev, 256, 250);

		if (p->stopping)
			break;
		for (int i = 0; i < n; i++) {
			struct end *e = ev[i].data.ptr;
			struct conn *c;

			if (e == NULL) {
				on_accept(p);
				continue;
			}
			if (e == (struct end *)p) {
				px_on_resolved(p);
				continue;
			}
			if (e == (struct end *)&p->tls_tag) {
				on_tls(p);
				continue;
			}
			c = e->c;
			/* An earlier event of this batch may have closed
			 * it. */
			if (c->closed)
				continue;
			/* While it waits for a name or a connect, nothing is
			 * read from the client; a client that hangs up then is
			 * dropped (its hang-up would be reported again and
			 * again). */
			if ((c->st == S_RESOLVE || c->st == S_CONNECT ||
			     c->st == S_UPSTREAM) &&
			    e->which == 0 &&
			    (ev[i].events & (EPOLLHUP | EPOLLERR))) {
				px_close_conn(p, c);
				continue;
			}
			switch (c->st) {
			case S_HEAD:
				on_head(p, c);
				break;
			case S_CONNECT:
				if (e->which == 1)
					px_on_connected(p, c);
				break;
			case S_UPSTREAM:
				if (e->which == 1)
					px_upstream_step(p, c);
				break;
			case S_RELAY:
				px_relay(p, c);
				break;
			case S_RESOLVE:
				break;
			}
		}
		if (px_now_ms() - last >= 100) {
			expire(p);
			last = px_now_ms();
		}
		free_dead(p);
	}
	return NULL;
}

int nono_proxy_start(const struct nono_proxy_config *cfg,
		     struct nono_proxy **out)
{
	struct nono_proxy *p = calloc(1, sizeof(*p));
	struct epoll_event e = {.events = EPOLLIN};
	sigset_t all, old;
	int r = -ENOMEM;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	p->cfg = *cfg;
	p->ep = p->wake = -1;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->byfd = calloc(MAX_FD, sizeof(*p->byfd));
	if (!p->byfd)
		goto fail;
	p->ep = epoll_create1(EPOLL_CLOEXEC);
	p->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (p->ep < 0 || p->wake < 0) {
		r = -errno;
		goto fail;
	}
	fcntl(cfg->listen_fd, F_SETFL,
	      fcntl(cfg->listen_fd, F_GETFL) | O_NONBLOCK);
	e.data.ptr = NULL;
	if (epoll_ctl(p->ep, EPOLL_CTL_ADD, cfg->listen_fd, &e) < 0) {
		r = -errno;
		goto fail;
	}
	e.data.ptr = p;
	if (epoll_ctl(p->ep, EPOLL_CTL_ADD, p->wake, &e) < 0) {
		r = -errno;
		goto fail;
	}
	px_own_load(p);
	e.data.ptr = &p->tls_tag;
	if (cfg->tls_chan >= 0 &&
	    epoll_ctl(p->ep, EPOLL_CTL_ADD, cfg->tls_chan, &e) < 0) {
		r = -errno;
		goto fail;
	}
	/* The proxy's threads (and the resolvers they start) take no
	 * signal: a SIGCHLD delivered to one of them would be discarded
	 * instead of reaching the supervisor's signalfd. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = -pthread_create(&p->thread, NULL, loop, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0)
		goto fail;
	*out = p;
	return 0;
fail:
	if (p->ep >= 0)
		close(p->ep);
	if (p->wake >= 0)
		close(p->wake);
	free(p->byfd);
	free(p->own);
	free(p);
	return r;
}

void nono_proxy_stop(struct nono_proxy *p)
{
	uint64_t one = 1;
	bool last;
	ssize_t w;

	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stopping = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	w = write(p->wake, &one, sizeof(one));
	(void)w;
	pthread_join(p->thread, NULL);
	while (p->all)
		px_close_conn(p, p->all);
	free_dead(p);
	while (p->npipes--) {
		close(p->pipes[p->npipes][0]);
		close(p->pipes[p->npipes][1]);
	}
	close(p->ep);
	free(p->byfd);
	p->byfd = NULL;
	/* A resolver still inside getaddrinfo (slow DNS) finds stopping set
	 * when it returns, drops its job and, being the last, frees the
	 * rest: stopping never waits for DNS and never leaks. */
	pthread_mutex_lock(&p->mu);
	p->owner_done = true;
	pthread_cond_broadcast(&p->cv);
	last = p->resolvers == 0;
	pthread_mutex_unlock(&p->mu);
	if (last)
		px_free_shared(p);
}

void px_free_shared(struct nono_proxy *p)
{
	for (struct job *j = p->pending, *n; j; j = n) {
		n = j->next;
		free(j);
	}
	for (struct job *j = p->done, *n; j; j = n) {
		n = j->next;
		if (j->ai)
			freeaddrinfo(j->ai);
		free(j);
	}
	close(p->wake);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p->own);
	free(p);
}
