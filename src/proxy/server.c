// SPDX-License-Identifier: Apache-2.0
/*
 * The proxy's event loop (see server.h).  Limits that keep one client from
 * hurting the others: a head must arrive within head_timeout_ms and stay
 * under 16 KiB; at most max_conns connections; name lookups run on at most
 * MAX_RESOLVERS threads at once (more wait in a queue); a relay buffers at
 * at most one pipe (PIPE_SZ) per direction and stops reading while it is
 * full; data moves by splice(2), never through the proxy's memory.
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
#include "proxy/server.h"

#define BUF (64 * 1024)
#define MAX_RESOLVERS 8
#define MAX_FD 65536
#define PIPE_SZ (256 * 1024)
#define MAX_POOLED_PIPES 64

/* S_UPSTREAM: a CONNECT sent to the upstream proxy, its answer awaited. */
enum state { S_HEAD, S_RESOLVE, S_CONNECT, S_UPSTREAM, S_RELAY };

struct conn;

struct end {
	struct conn *c;
	int which; /* 0 client, 1 origin */
};

/* One direction of a relay (see move()). */
struct flow {
	char *buf; /* bytes the proxy wrote itself, or the fallback's */
	size_t len, off, cap;
	int pipe[2]; /* -1 while no bytes wait in one */
	size_t inpipe;
	bool eof, broken;
	unsigned long long bytes;
	/* A plain request's body: exactly its framing is forwarded, then
	 * nothing more is read (a second request behind it would pass no
	 * check).  Tunnels carry no limit. */
	bool limited, chunked, done;
	unsigned long long budget; /* Content-Length bytes still to come */
	struct nono_chunked ch;
	/* A plain credential service's answer (origin to client): scrubbed
	 * of the key (nono_scrub_feed); @held bytes after buf[len] wait for
	 * what follows; @ans tells the text from the chunk framing (@mask)
	 * and a coded body. */
	struct nono_scrub *scrub;
	size_t held;
	struct nono_http_answer *ans;
	unsigned char *mask;
};

struct conn {
	uint64_t id;
	int cfd, ofd;
	enum state st;
	char *head;
	size_t hlen, hcap;
	struct nono_http_request req;
	char method[16], path[512];
	bool via_upstream; /* connects to the upstream proxy, not the host */
	bool intercept;    /* a tunnel the TLS helper will see into */
	/* A request to a credential service (origin-form, "/SERVICE/..."):
	 * its upstream head carries the real credential. */
	const struct nono_cred_route *cred;
	char *upath;      /* its upstream path, query included */
	size_t head_used; /* bytes of upf.buf that are our head */
	struct addrinfo *ai, *next_ai;
	uint64_t deadline;
	struct flow upf, downf; /* client->origin, origin->client */
	bool nosplice;          /* splice refused: recv/send */
	bool c_shut, o_shut;
	struct end ce, oe;
	uint32_t cev, oev; /* registered epoll events */
	bool closed;       /* freed after the current batch of events */
	struct conn *prev, *next;
};

struct job {
	uint64_t id;
	int cfd;
	char host[NONO_HTTP_MAX_HOST + 1];
	uint16_t port;
	struct addrinfo *ai;
	int err;       /* 0, or an HTTP status */
	char priv[64]; /* with err 403: the private address it resolved to */
	struct job *next;
};

struct nono_proxy {
	struct nono_proxy_config cfg;
	int ep, wake; /* epoll, eventfd (stop and resolver results) */
	pthread_t thread;
	struct conn **byfd;
	struct conn *all, *dead;
	size_t nconns;
	uint64_t next_id;
	/* Resolver queue: pending jobs, finished jobs, thread count. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *pending, *done;
	int resolvers, idle_resolvers;
	bool stopping;
	int pipes[MAX_POOLED_PIPES][2]; /* empty pipes for splice */
	char tls_tag; /* its address marks the TLS helper's channel */
	int npipes;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void decide(struct nono_proxy *p, const struct conn *c, bool allowed,
		   int status)
{
	struct nono_proxy_decision d = {
	    .allowed = allowed,
	    .status = status,
	    .method = c->method,
	    .host = c->req.host,
	    .path = c->req.connect ? NULL : c->path,
	    .port = c->req.port,
	    .bytes_up = c->upf.bytes,
	    .bytes_down = c->downf.bytes,
	};

	if (p->cfg.on_decision)
		p->cfg.on_decision(p->cfg.arg, &d);
}

/* A pipe for splice(2), from the pool (only pipes holding no data are
 * pooled, so a pipe is a connection's only while bytes wait in it). */
static int pipe_get(struct nono_proxy *p, int fds[2])
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

static void pipe_put(struct nono_proxy *p, int fds[2])
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

static void close_conn(struct nono_proxy *p, struct conn *c)
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
			pipe_put(p, f->pipe);
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
static void answer(struct nono_proxy *p, struct conn *c, int status,
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
	if (c->st != S_HEAD || status != 400)
		decide(p, c, false, status);
	close_conn(p, c);
}

static int watch(struct nono_proxy *p, struct conn *c, int which, uint32_t ev)
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

/* --- resolving ------------------------------------------------------- */

/* A name resolving to @a, a private address: refused unless the name is
 * localhost's or the address is allowed as a literal.  Writes the address
 * to @out for the message. */
static bool private_refused(struct nono_proxy *p, const char *host,
			    const struct addrinfo *a, char *out, size_t len)
{
	size_t hl = strlen(host);
	const void *raw;

	if (!nono_addr_private(a->ai_addr, a->ai_addrlen))
		return false;
	if (strcmp(host, "localhost") == 0 ||
	    (hl > 10 && strcmp(host + hl - 10, ".localhost") == 0))
		return false;
	raw = a->ai_family == AF_INET
		  ? (const void *)&((const struct sockaddr_in *)a->ai_addr)
			->sin_addr
		  : (const void *)&((const struct sockaddr_in6 *)a->ai_addr)
			->sin6_addr;
	if (!inet_ntop(a->ai_family, raw, out, (socklen_t)len))
		return true;
	/* Allowlist lookups only read the list: safe from this thread. */
	return nono_allowlist_check(p->cfg.allow, out, NULL, NULL) !=
	       NONO_HOST_ALLOWED;
}

static void *resolver(void *arg)
{
	struct nono_proxy *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct job *j;
		struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
					 .ai_flags = AI_ADDRCONFIG};
		char port[8];
		int r;

		while (!p->pending && !p->stopping) {
			p->idle_resolvers++;
			pthread_cond_wait(&p->cv, &p->mu);
			p->idle_resolvers--;
		}
		if (p->stopping)
			break;
		j = p->pending;
		p->pending = j->next;
		pthread_mutex_unlock(&p->mu);
		snprintf(port, sizeof(port), "%u", j->port);
		r = getaddrinfo(j->host, port, &hints, &j->ai);
		if (r != 0) {
			j->ai = NULL;
			j->err = 502;
		} else {
			/* A name that lands on metadata or link-local
			 * addresses is refused as a whole; one that lands on
			 * a loopback or private address (the host's own
			 * services, the LAN: DNS rebinding of an allowed
			 * name) unless that address itself is allowed. */
			for (struct addrinfo *a = j->ai; a; a = a->ai_next) {
				if (nono_addr_refused(a->ai_addr,
						      a->ai_addrlen))
					j->err = 403;
				else if (!j->err &&
					 private_refused(p, j->host, a, j->priv,
							 sizeof(j->priv)))
					j->err = 403;
			}
		}
		pthread_mutex_lock(&p->mu);
		j->next = p->done;
		p->done = j;
		{
			uint64_t one = 1;
			ssize_t w = write(p->wake, &one, sizeof(one));

			(void)w;
		}
	}
	p->resolvers--;
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static void resolved(struct nono_proxy *p, struct conn *c, int err,
		     struct addrinfo *ai, const char *priv);

/* An address literal needs no lookup: no helper thread, no wait. */
static bool resolve_literal(struct nono_proxy *p, struct conn *c)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV};
	struct addrinfo *ai = NULL;
	const char *host = c->via_upstream ? p->cfg.upstream_host : c->req.host;
	char port[8];
	int err = 0;

	snprintf(port, sizeof(port), "%u",
		 c->via_upstream ? p->cfg.upstream_port : c->req.port);
	if (getaddrinfo(host, port, &hints, &ai) != 0)
		return false;
	for (struct addrinfo *a = ai; a; a = a->ai_next)
		if (nono_addr_refused(a->ai_addr, a->ai_addrlen))
			err = 403;
	c->st = S_RESOLVE;
	resolved(p, c, err, ai, NULL);
	return true;
}

static int resolve(struct nono_proxy *p, struct conn *c)
{
	struct job *j;

	if (resolve_literal(p, c))
		return 0;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->id = c->id;
	j->cfd = c->cfd;
	if (c->via_upstream) {
		snprintf(j->host, sizeof(j->host), "%s", p->cfg.upstream_host);
		j->port = p->cfg.upstream_port;
	} else {
		memcpy(j->host, c->req.host, sizeof(j->host));
		j->port = c->req.port;
	}
	pthread_mutex_lock(&p->mu);
	j->next = p->pending;
	p->pending = j;
	if (!p->idle_resolvers && p->resolvers < MAX_RESOLVERS) {
		pthread_t t;
		pthread_attr_t at;

		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&at, 256 * 1024);
		if (pthread_create(&t, &at, resolver, p) == 0)
			p->resolvers++;
		pthread_attr_destroy(&at);
	}
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	c->st = S_RESOLVE;
	return 0;
}

/* --- connecting and relaying ------------------------------------------ */

static void start_connect(struct nono_proxy *p, struct conn *c);
static void relay(struct nono_proxy *p, struct conn *c);

/*
 * An intercepted tunnel is ready (origin connected, through the upstream
 * if any): the client hears 200, then both sockets go to the TLS helper
 * and the proxy forgets them.
 */
static void hand_off(struct nono_proxy *p, struct conn *c)
{
	static const char ok[] = "HTTP/1.1 200 Connection Established\r\n\r\n";
	char text[NONO_HTTP_MAX_HOST + 16];
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = text};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	int fds[2] = {c->cfd, c->ofd};
	ssize_t w;

	memset(u.buf, 0, sizeof(u.buf));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(cm), fds, sizeof(fds));
	iov.iov_len = (size_t)snprintf(text, sizeof(text), "%s %u", c->req.host,
				       c->req.port);
	/* The client sent nothing since its CONNECT: the 200 fits its
	 * empty socket buffer. */
	w = send(c->cfd, ok, sizeof(ok) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (w != (ssize_t)sizeof(ok) - 1 ||
	    sendmsg(p->cfg.tls_chan, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		decide(p, c, false, 502);
		close_conn(p, c);
		return;
	}
	close_conn(p, c); /* the helper has its own copies */
}

/*
 * After the @n bytes of the head in upf.buf: the body bytes that came with
 * the head, as many as the request's framing says and then no more; the
 * rest of the body is read under the same limit (move()).  Returns false
 * when it answered (and closed) instead.
 */
static bool frame_body(struct nono_proxy *p, struct conn *c, size_t n)
{
	const struct nono_http_request *r = &c->req;
	size_t body = c->hlen - r->head_len;

	c->upf.limited = true;
	if (r->chunked) {
		enum nono_chunked_result cr = nono_chunked_scan(
		    &c->upf.ch, c->head + r->head_len, body, &body);

		if (cr == NONO_CHUNKED_BAD) {
			answer(p, c, 400, "Bad Request",
			       "bad request: malformed chunked body\n");
			return false;
		}
		c->upf.chunked = true;
		c->upf.done = cr == NONO_CHUNKED_DONE;
	} else if (r->content_length > 0) {
		if ((unsigned long long)r->content_length < body)
			body = (size_t)r->content_length;
		c->upf.budget = (unsigned long long)r->content_length - body;
		c->upf.done = c->upf.budget == 0;
	} else {
		body = 0;
		c->upf.done = true;
	}
	memcpy(c->upf.buf + n, c->head + r->head_len, body);
	c->upf.len = n + body;
	return true;
}

/*
 * A credential service over https://: the helper speaks TLS to the
 * upstream (verified against the user's trust store).  It gets both
 * sockets, the head and body start (which hold the credential), and the
 * body's framing: "R host port method path chunked done budget state left
 * run digits" then the bytes.  The client hears the upstream's answer, or
 * the helper's 502.
 */
static void cred_hand_off(struct nono_proxy *p, struct conn *c)
{
	size_t cap = 2048 + 2 * NONO_HTTP_MAX_HEAD + c->upf.len;
	char *msg = malloc(cap);
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov;
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	int fds[2] = {c->cfd, c->ofd}, k, rl;
	const struct flow *f = &c->upf;
	/* The connection may serve the client's next requests (the helper
	 * checks them the same way) unless the client asked to close or
	 * sent more than this request (never forwarded). */
	bool keep = !nono_http_wants_close(&c->req) &&
		    f->len - c->head_used == c->hlen - c->req.head_len;

	if (!msg || p->cfg.tls_chan <= 0) {
		free(msg);
		answer(p, c, 502, "Bad Gateway",
		       "nono: TLS to the credential upstream needs nono-tls, "
		       "which is not running\n");
		return;
	}
	rl = nono_cred_route_pack(c->cred, msg + 2048, 2 * NONO_HTTP_MAX_HEAD);
	k = snprintf(msg, 2048,
		     "R %s %u %s %s %d %d %llu %d %llu %zu %d %d %d\n",
		     c->req.host, c->req.port, c->method, c->path, f->chunked,
		     f->done, f->budget, f->ch.state, f->ch.left, f->ch.run,
		     f->ch.digits, keep, rl);
	if (k < 0 || k >= 2048 || rl < 0) {
		explicit_bzero(msg, cap);
		free(msg);
		answer(p, c, 431, "Request Header Fields Too Large",
		       "request head too large\n");
		return;
	}
	memmove(msg + k, msg + 2048, (size_t)rl);
	memcpy(msg + k + rl, f->buf, f->len);
	iov.iov_base = msg;
	iov.iov_len = (size_t)k + (size_t)rl + f->len;
	memset(u.buf, 0, sizeof(u.buf));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(cm), fds, sizeof(fds));
	if (sendmsg(p->cfg.tls_chan, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		explicit_bzero(msg, cap); /* the route was packed further up */
		free(msg);
		answer(p, c, 502, "Bad Gateway",
		       "nono: the TLS helper is busy or gone\n");
		return;
	}
	explicit_bzero(msg, cap);
	free(msg);
	decide(p, c, true, 200);
	close_conn(p, c); /* the helper has its own copies */
}

/*
 * A credential request whose upstream is connected (directly, or through
 * the upstream proxy's tunnel): the head that names the upstream and
 * carries the real credential (see creds.h), with the body's start.  Over
 * https:// the TLS helper takes it from here (returns false, closed);
 * plain http:// (loopback) is relayed.  False when it answered instead.
 */
static bool cred_build(struct nono_proxy *p, struct conn *c)
{
	size_t body = c->hlen - c->req.head_len, klen = 0;
	const char *key;
	char *h;
	int n;

	if (c->upf.buf)
		explicit_bzero(c->upf.buf, c->upf.cap);
	free(c->upf.buf);
	c->upf.off = c->upf.len = 0;
	c->upf.cap = NONO_HTTP_MAX_HEAD + 1024 + c->cred->value_len +
		     strlen(c->upath) + body;
	c->upf.buf = malloc(c->upf.cap);
	if (!c->upf.buf) {
		c->upf.cap = 0;
		answer(p, c, 503, "Service Unavailable", "out of memory\n");
		return false;
	}
	n = nono_cred_head(c->cred, &c->req, c->upath,
			   c->cred->tls && !nono_http_wants_close(&c->req),
			   c->upf.buf, c->upf.cap);
	if (n < 0 || (size_t)n + body >= c->upf.cap) {
		answer(p, c, 431, "Request Header Fields Too Large",
		       "request head too large\n");
		return false;
	}
	c->head_used = (size_t)n;
	if (!frame_body(p, c, (size_t)n))
		return false;
	if (c->cred->tls) {
		cred_hand_off(p, c);
		return false;
	}
	/* Plain http:// (loopback): the answer passes through a buffer and
	 * is scrubbed of the key on the way (the TLS helper does the same
	 * for https://). */
	c->nosplice = true;
	c->downf.off = c->downf.len = c->downf.held = 0;
	c->downf.ans = calloc(1, sizeof(*c->downf.ans));
	c->downf.scrub = calloc(1, sizeof(*c->downf.scrub));
	c->downf.mask = malloc(BUF);
	h = malloc(NONO_HTTP_MAX_RESPONSE_HEAD);
	key = nono_cred_secret(c->cred, &klen);
	if (!c->downf.ans || !c->downf.scrub || !c->downf.mask || !h ||
	    nono_scrub_init(c->downf.scrub, key, klen) < 0) {
		free(h);
		answer(p, c, 503, "Service Unavailable", "out of memory\n");
		return false;
	}
	nono_http_answer_init(c->downf.ans, h, false);
	return true;
}

/*
 * The @n bytes just read after the @f->held kept ones, of a credential
 * service's answer: scrubbed of the key.  A coded body (the upstream was
 * asked for identity) cannot be checked: the answer ends there, with a
 * 502 when nothing of it went out yet.
 */
static void scrub_down(struct flow *f, size_t n)
{
	static const char body[] =
	    "nono: the credential upstream sent a compressed answer; nono "
	    "relays only answers it can check for the key.\n";
	size_t used = 0, total = f->held + n, ok;
	bool done;

	f->ans->mask = f->mask;
	done = nono_http_answer_feed(f->ans, f->buf + f->held, n, &used);
	if (f->ans->encoded) {
		f->held = 0;
		f->eof = true;
		f->len = 0;
		if (f->bytes == 0) {
			int k = snprintf(f->buf, f->cap,
					 "HTTP/1.1 502 Bad Gateway\r\n"
					 "Content-Type: text/plain\r\n"
					 "Content-Length: %zu\r\n"
					 "Connection: close\r\n\r\n%s",
					 sizeof(body) - 1, body);

			if (k > 0 && (size_t)k < f->cap)
				f->len = (size_t)k;
		}
		return;
	}
	/* Bytes after the answer's end (its connection closes after it)
	 * are passed as text. */
	if (used < n)
		memset(f->mask + used, 1, n - used);
	ok = nono_scrub_feed(f->scrub, f->buf, f->held, total, f->mask, done);
	f->len = ok;
	f->held = total - ok;
}

/* Returns false when it answered (and closed) instead. */
static bool established(struct nono_proxy *p, struct conn *c)
{
	static const char ok[] = "HTTP/1.1 200 Connection Established\r\n\r\n";
	const struct nono_http_request *r = &c->req;

	size_t body = c->hlen - r->head_len;

	/* Buffers for the bytes the proxy writes itself, sized to them:
	 * after these, data moves by splice and no buffer is needed. */
	if ((r->connect || c->cred) && c->via_upstream) {
		c->upf.cap = 640 + body; /* our CONNECT, then pipelined */
		c->downf.cap = NONO_HTTP_MAX_HEAD + 256; /* the answer */
	} else if (r->connect) {
		c->upf.cap = body;
		c->downf.cap = sizeof(ok);
	} else if (c->cred) {
		c->upf.cap = 0; /* cred_build() */
		c->downf.cap = 0;
	} else {
		c->upf.cap = c->hlen + 1024; /* the rewritten head + body */
		c->downf.cap = 0;
	}
	c->upf.buf = c->upf.cap ? malloc(c->upf.cap) : NULL;
	c->downf.buf = c->downf.cap ? malloc(c->downf.cap) : NULL;
	if ((c->upf.cap && !c->upf.buf) || (c->downf.cap && !c->downf.buf)) {
		answer(p, c, 503, "Service Unavailable", "out of memory\n");
		return false;
	}
	if ((r->connect || c->cred) && c->via_upstream) {
		/* Our own CONNECT to the upstream; the client hears 200 once
		 * the upstream said yes (S_UPSTREAM); a credential request
		 * goes to the TLS helper then. */
		int n =
		    snprintf(c->upf.buf, c->upf.cap,
			     "CONNECT %s:%u HTTP/1.1\r\nHost: %s:%u\r\n\r\n",
			     r->host, r->port, r->host, r->port);

		c->upf.len = (size_t)n;
	} else if (r->connect) {
		memcpy(c->downf.buf, ok, sizeof(ok) - 1);
		c->downf.len = sizeof(ok) - 1;
	} else if (!c->cred) {
		/* origin-form request line (absolute-form to an upstream
		 * proxy), the client's fields minus the proxy's own and
		 * hop-by-hop ones, and Connection: close. */
		int n = snprintf(c->upf.buf, c->upf.cap,
				 "%.*s %.*s HTTP/1.%d\r\n", (int)r->method_len,
				 r->method, (int)(r->target_len - r->path_off),
				 r->target + r->path_off, r->minor);

		if (c->via_upstream)
			n = snprintf(c->upf.buf, c->upf.cap,
				     "%.*s http://%s:%u%.*s HTTP/1.%d\r\n",
				     (int)r->method_len, r->method, r->host,
				     r->port,
				     (int)(r->target_len - r->path_off),
				     r->target + r->path_off, r->minor);
		else if (r->target_len == r->path_off)
			n = snprintf(c->upf.buf, c->upf.cap,
				     "%.*s / HTTP/1.%d\r\n", (int)r->method_len,
				     r->method, r->minor);
		/* Host names the host that was checked and connected, never
		 * what the client wrote (another site on a shared address). */
		if (n > 0 && (size_t)n < c->upf.cap)
			n += snprintf(c->upf.buf + n, c->upf.cap - (size_t)n,
				      strchr(r->host, ':') ? "Host: [%s]"
							   : "Host: %s",
				      r->host);
		if (n > 0 && (size_t)n < c->upf.cap)
			n += r->port == 80
				 ? snprintf(c->upf.buf + n,
					    c->upf.cap - (size_t)n, "\r\n")
				 : snprintf(c->upf.buf + n,
					    c->upf.cap - (size_t)n, ":%u\r\n",
					    r->port);
		for (size_t i = 0;
		     i < r->nfields && n > 0 && (size_t)n < c->upf.cap; i++) {
			const struct nono_http_field *f = &r->fields[i];

			if (nono_http_hop_field(f->name, f->name_len))
				continue;
			n += snprintf(c->upf.buf + n, c->upf.cap - (size_t)n,
				      "%.*s: %.*s\r\n", (int)f->name_len,
				      f->name, (int)f->value_len, f->value);
		}
		if (n <= 0 || (size_t)n + 24 + body >= c->upf.cap) {
			answer(p, c, 431, "Request Header Fields Too Large",
			       "request head too large\n");
			return false;
		}
		n += snprintf(c->upf.buf + n, c->upf.cap - (size_t)n,
			      "Connection: close\r\n\r\n");
		if (!frame_body(p, c, (size_t)n))
			return false;
	} else if (!cred_build(p, c)) {
		return false; /* answered, or handed to the TLS helper */
	}
	if ((r->connect || c->cred) && c->via_upstream) {
		/* The head buffer now collects the upstream's answer; bytes
		 * the client pipelined wait in it until the tunnel stands. */
		c->st = S_UPSTREAM;
		c->deadline = now_ms() + (p->cfg.connect_timeout_ms
					      ? p->cfg.connect_timeout_ms
					      : 10000);
		c->upf.off = 0;
		return true;
	}
	if (r->connect && c->hlen > r->head_len) {
		/* Bytes pipelined after CONNECT go to the origin. */
		memcpy(c->upf.buf, c->head + r->head_len,
		       c->hlen - r->head_len);
		c->upf.len = c->hlen - r->head_len;
	}
	free(c->head);
	c->head = NULL;
	c->st = S_RELAY;
	decide(p, c, true, 200);
	return true;
}

/*
 * S_UPSTREAM: sends our CONNECT, then reads the upstream proxy's answer
 * (into down, bounded).  A 2xx opens the tunnel: the client hears 200 and
 * anything past the answer's head is the origin's.  Anything else is a 502
 * naming the upstream's status line.
 */
static void upstream_step(struct nono_proxy *p, struct conn *c)
{
	const struct nono_http_request *r = &c->req;
	static const char ok[] = "HTTP/1.1 200 Connection Established\r\n\r\n";
	char *end, body[512];
	size_t hl, extra;
	ssize_t n;

	while (c->upf.off < c->upf.len) {
		n = send(c->ofd, c->upf.buf + c->upf.off,
			 c->upf.len - c->upf.off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (watch(p, c, 1, EPOLLOUT) < 0)
				close_conn(p, c);
			return;
		}
		if (n <= 0) {
			answer(p, c, 502, "Bad Gateway",
			       "the upstream proxy closed the connection\n");
			return;
		}
		c->upf.off += (size_t)n;
	}
	n = recv(c->ofd, c->downf.buf + c->downf.len,
		 c->downf.cap - 64 - c->downf.len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		if (watch(p, c, 0, 0) < 0 || watch(p, c, 1, EPOLLIN) < 0)
			close_conn(p, c);
		return;
	}
	if (n <= 0) {
		answer(p, c, 502, "Bad Gateway",
		       "the upstream proxy closed the connection\n");
		return;
	}
	c->downf.len += (size_t)n;
	c->downf.buf[c->downf.len] = '\0';
	end = strstr(c->downf.buf, "\r\n\r\n");
	if (!end) {
		if (c->downf.len >= NONO_HTTP_MAX_HEAD)
			answer(p, c, 502, "Bad Gateway",
			       "the upstream proxy's answer is too large\n");
		return;
	}
	hl = (size_t)(end + 4 - c->downf.buf);
	if (strncmp(c->downf.buf, "HTTP/1.", 7) != 0 || c->downf.len < 12 ||
	    c->downf.buf[9] != '2') {
		size_t l = strcspn(c->downf.buf, "\r\n");

		snprintf(body, sizeof(body),
			 "nono: the upstream proxy refused CONNECT %s:%u: "
			 "%.*s\n",
			 r->host, r->port, (int)(l < 80 ? l : 80),
			 c->downf.buf);
		answer(p, c, 502, "Bad Gateway", body);
		return;
	}
	extra = c->downf.len - hl;
	if (c->cred || c->intercept) {
		/* The origin speaks TLS only after a hello (the client's, or
		 * the helper's for a credential service). */
		if (extra)
			answer(p, c, 502, "Bad Gateway",
			       "the upstream proxy sent bytes early\n");
		else if (c->cred)
			cred_build(p, c);
		else
			hand_off(p, c);
		return;
	}
	/* The origin's first bytes (after the upstream's head) follow our
	 * 200; the client's pipelined bytes go up. */
	memmove(c->downf.buf + sizeof(ok) - 1, c->downf.buf + hl, extra);
	memcpy(c->downf.buf, ok, sizeof(ok) - 1);
	c->downf.len = sizeof(ok) - 1 + extra;
	c->upf.off = c->upf.len = 0;
	if (c->hlen > r->head_len) {
		memcpy(c->upf.buf, c->head + r->head_len,
		       c->hlen - r->head_len);
		c->upf.len = c->hlen - r->head_len;
	}
	free(c->head);
	c->head = NULL;
	c->st = S_RELAY;
	decide(p, c, true, 200);
	relay(p, c);
}

static void on_connected(struct nono_proxy *p, struct conn *c);

static void start_connect(struct nono_proxy *p, struct conn *c)
{
	while (c->next_ai) {
		struct addrinfo *a = c->next_ai;
		int fd;

		c->next_ai = a->ai_next;
		fd = socket(a->ai_family,
			    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
			/* Loopback connects complete at once: no round trip
			 * through epoll. */
			c->ofd = fd;
			c->oev = 0xffffffffu;
			c->st = S_CONNECT;
			on_connected(p, c);
			return;
		}
		if (errno != EINPROGRESS) {
			close(fd);
			continue;
		}
		c->ofd = fd;
		c->oev = 0xffffffffu;
		c->st = S_CONNECT;
		c->deadline = now_ms() + (p->cfg.connect_timeout_ms
					      ? p->cfg.connect_timeout_ms
					      : 10000);
		if (watch(p, c, 1, EPOLLOUT) < 0) {
			answer(p, c, 502, "Bad Gateway", "cannot connect\n");
			return;
		}
		return;
	}
	{
		char body[NONO_HTTP_MAX_HOST + 64];

		snprintf(body, sizeof(body),
			 "nono: %s%s%s:%u cannot be reached\n",
			 strchr(c->req.host, ':') ? "[" : "", c->req.host,
			 strchr(c->req.host, ':') ? "]" : "", c->req.port);
		answer(p, c, 502, "Bad Gateway", body);
	}
}

static void upstream_step(struct nono_proxy *p, struct conn *c);

static void on_connected(struct nono_proxy *p, struct conn *c)
{
	int err = 0;
	socklen_t l = sizeof(err);

	if (getsockopt(c->ofd, SOL_SOCKET, SO_ERROR, &err, &l) < 0 || err) {
		epoll_ctl(p->ep, EPOLL_CTL_DEL, c->ofd, NULL);
		close(c->ofd);
		c->ofd = -1;
		start_connect(p, c); /* the next address, or 502 */
		return;
	}
	if (c->intercept && !c->via_upstream) {
		hand_off(p, c);
		return;
	}
	if (!established(p, c))
		return;
	if (c->st == S_UPSTREAM)
		upstream_step(p, c);
	else
		relay(p, c);
}

/* --- relaying ----------------------------------------------------------- */

/*
 * One direction, @src to @dst.  Bytes the proxy wrote itself (the rewritten
 * request head, the 200 of a tunnel) wait in @buf and go first; after them
 * the data moves through a pipe with splice(2): the kernel hands pages from
 * one socket to the other and the proxy never copies them.  Where splice is
 * refused (EINVAL) it falls back to recv/send through @buf.  Returns true
 * when something moved.
 */
static bool move(struct nono_proxy *p, struct conn *c, int src, int dst,
		 struct flow *f)
{
	bool progress = false;
	ssize_t n;

	/* 1. our own bytes, and the fallback's buffer */
	if (f->off < f->len) {
		n = send(dst, f->buf + f->off, f->len - f->off,
			 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			f->off += (size_t)n;
			f->bytes += (unsigned long long)n;
			progress = true;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			f->broken = true;
			return true;
		}
		if (f->off < f->len)
			return progress;
		if (f->held)
			memmove(f->buf, f->buf + f->len, f->held);
		f->off = f->len = 0;
		if (!c->nosplice && !f->chunked) { /* an idle tunnel keeps
						      no buffer */
			if (c->cred)
				explicit_bzero(f->buf, f->cap);
			free(f->buf);
			f->buf = NULL;
			f->cap = 0;
		}
	}
	/* 2. top the pipe up from the source, then drain it: one larger
	 * move wakes the reader once where several small ones would each
	 * wake it (on a VM every wake-up is a cross-CPU interrupt). */
	bool spliced = !c->nosplice && !f->chunked && !f->done;

	if (!f->eof && spliced && f->inpipe < PIPE_SZ) {
		if (f->pipe[0] < 0 && pipe_get(p, f->pipe) < 0)
			c->nosplice = !f->inpipe;
	}
	if (!f->eof && spliced && !c->nosplice && f->pipe[0] >= 0 &&
	    f->inpipe < PIPE_SZ) {
		size_t want = PIPE_SZ - f->inpipe;

		if (f->limited && want > f->budget)
			want = (size_t)f->budget;
		n = splice(src, NULL, f->pipe[1], NULL, want,
			   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n > 0) {
			f->inpipe += (size_t)n;
			if (f->limited) {
				f->budget -= (unsigned long long)n;
				f->done = f->budget == 0;
			}
			progress = true;
		} else if (n == 0) {
			f->eof = true;
			progress = true;
		} else if (errno == EINVAL && !f->inpipe) {
			c->nosplice = true;
		} else if (errno != EAGAIN && errno != EINTR &&
			   errno != EINVAL) {
			f->eof = true;
			progress = true;
		}
	}
	if (f->inpipe) {
		n = splice(f->pipe[0], NULL, dst, NULL, f->inpipe,
			   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n > 0) {
			f->inpipe -= (size_t)n;
			f->bytes += (unsigned long long)n;
			progress = true;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			f->broken = true;
			return true;
		}
		if (f->inpipe)
			return progress;
	}
	if (f->eof || f->done)
		goto out;
	if (c->nosplice || f->chunked) {
		size_t want = BUF;

		if (!f->buf || f->cap < BUF) {
			char *nb;

			/* realloc may move it and free the old block: not
			 * with the credential head still in it (sent by now) */
			if (c->cred && f->buf)
				explicit_bzero(f->buf, f->cap);
			nb = realloc(f->buf, BUF);

			if (!nb) {
				f->broken = true;
				return true;
			}
			f->buf = nb;
			f->cap = BUF;
		}
		if (f->limited && !f->chunked && want > f->budget)
			want = (size_t)f->budget;
		if (f->ans) { /* a credential service's answer */
			n = recv(src, f->buf + f->held, BUF - f->held,
				 MSG_DONTWAIT);
			if (n > 0) {
				scrub_down(f, (size_t)n);
				progress = true;
			} else if (n == 0 ||
				   (errno != EAGAIN && errno != EINTR)) {
				/* what was kept is no whole key: it goes */
				f->eof = true, f->len = f->held, f->held = 0;
				f->scrub->m = 0;
				progress = true;
			}
			goto out;
		}
		n = recv(src, f->buf, want, MSG_DONTWAIT);
		if (n > 0) {
			size_t used = (size_t)n;

			progress = true;
			if (f->chunked) {
				enum nono_chunked_result r = nono_chunked_scan(
				    &f->ch, f->buf, (size_t)n, &used);

				if (r == NONO_CHUNKED_BAD) {
					f->broken = true;
					return true;
				}
				f->done = r == NONO_CHUNKED_DONE;
			} else if (f->limited) {
				f->budget -= (unsigned long long)n;
				f->done = f->budget == 0;
			}
			f->len = used;
		} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			f->eof = true, progress = true;
		}
	}
out:
	if (!f->inpipe)
		pipe_put(p, f->pipe);
	return progress;
}

static bool pending(const struct flow *f)
{
	return f->off < f->len || f->inpipe;
}

/* Moves bytes both ways until nothing moves, then registers interest in
 * exactly what can make progress. */
static void relay(struct nono_proxy *p, struct conn *c)
{
	struct flow *up = &c->upf, *down = &c->downf;

	for (;;) {
		/* Both directions every round: one must not starve the
		 * other. */
		bool a = move(p, c, c->cfd, c->ofd, up);
		bool b = move(p, c, c->ofd, c->cfd, down);

		if (!(a || b) || up->broken || down->broken)
			break;
	}
	if (up->broken || down->broken) {
		decide(p, c, true, 0);
		close_conn(p, c);
		return;
	}
	/* Half-closes follow once everything buffered was delivered. */
	if (up->eof && !pending(up) && !c->o_shut) {
		shutdown(c->ofd, SHUT_WR);
		c->o_shut = true;
	}
	if (down->eof && !pending(down) && !c->c_shut) {
		shutdown(c->cfd, SHUT_WR);
		c->c_shut = true;
	}
	if ((up->eof || up->done) && down->eof && !pending(up) &&
	    !pending(down)) {
		decide(p, c, true, 0);
		close_conn(p, c);
		return;
	}
	if (watch(p, c, 0,
		  (up->eof || up->done || pending(up) ? 0u : EPOLLIN) |
		      (pending(down) ? EPOLLOUT : 0u)) < 0 ||
	    watch(p, c, 1,
		  (down->eof || pending(down) ? 0u : EPOLLIN) |
		      (pending(up) ? EPOLLOUT : 0u)) < 0)
		close_conn(p, c);
}

/* --- the head ----------------------------------------------------------- */

/*
 * A request to a credential service: the placeholder must be there (401),
 * the path unambiguous (400) and allowed by the endpoint rules (403); then
 * the upstream is resolved and connected like any origin.
 */
static void cred_request(struct nono_proxy *p, struct conn *c)
{
	static const char *const reason[] = {[400 - 400] = "Bad Request",
					     [401 - 400] = "Unauthorized",
					     [403 - 400] = "Forbidden",
					     [404 - 400] = "Not Found",
					     [405 - 400] =
						 "Method Not Allowed"};
	const struct nono_http_request *r = &c->req;
	const struct nono_cred_route *cr;
	size_t cap = r->target_len + 1024;
	char body[1024];
	int st;

	snprintf(c->path, sizeof(c->path), "%.*s", (int)r->target_len,
		 r->target);
	c->upath = malloc(cap);
	if (!c->upath) {
		answer(p, c, 503, "Service Unavailable", "out of memory\n");
		return;
	}
	st = nono_cred_check(p->cfg.creds, r, &cr, c->upath, cap, body,
			     sizeof(body));
	if (cr) { /* decisions name the service's upstream */
		snprintf(c->req.host, sizeof(c->req.host), "%s", cr->host);
		c->req.port = cr->port;
	}
	if (st == 0 || st == 403)
		snprintf(c->path, sizeof(c->path), "%s", c->upath);
	if (st) {
		answer(p, c, st, reason[st - 400], body);
		return;
	}
	c->cred = cr;
	/* Over https:// through --upstream-proxy (unless bypassed), like any
	 * tunnel; plain http:// upstreams are on loopback: direct. */
	c->via_upstream =
	    cr->tls && p->cfg.upstream_host &&
	    !(p->cfg.upstream_bypass &&
	      nono_allowlist_check(p->cfg.upstream_bypass, c->req.host, NULL,
				   NULL) == NONO_HOST_ALLOWED);
	if (watch(p, c, 0, 0) < 0 || resolve(p, c) < 0)
		answer(p, c, 503, "Service Unavailable", "out of memory\n");
}

/* ":PORT" for a port an entry must name (not 443 or 80), else "". */
static const char *port_suffix(uint16_t port, char *buf, size_t len)
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
			answer(p, c, 431, "Request Header Fields Too Large",
			       "request head too large\n");
			return;
		}
		c->head = nh;
		c->hcap = ncap;
	}
	n = recv(c->cfd, c->head + c->hlen, c->hcap - c->hlen, MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		close_conn(p, c);
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
		answer(p, c, 431, "Request Header Fields Too Large",
		       "request head too large\n");
		return;
	}
	if (st != NONO_HTTP_OK) {
		snprintf(body, sizeof(body), "bad request: %s\n",
			 why ? why : "malformed");
		answer(p, c, 400, "Bad Request", body);
		return;
	}
	if (origin) {
		cred_request(p, c);
		return;
	}
	if (!c->req.connect)
		snprintf(c->path, sizeof(c->path), "%.*s",
			 (int)(c->req.target_len - c->req.path_off),
			 c->req.target + c->req.path_off);
	if (!nono_http_proxy_auth_ok(
		nono_http_field(&c->req, "Proxy-Authorization"),
		p->cfg.token)) {
		answer(p, c, 407, "Proxy Authentication Required",
		       "nono: this proxy serves only its own sandbox\n");
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
			answer(p, c, 503, "Service Unavailable",
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
		answer(p, c, 403, "Forbidden", body);
		return;
	}
	if (v == NONO_HOST_NOT_LISTED && paths && c->req.connect &&
	    p->cfg.tls_chan > 0 && c->hlen == c->req.head_len) {
		/* Allowed for some paths only: the helper reads them. */
		c->intercept = true;
		v = NONO_HOST_ALLOWED;
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
		answer(p, c, 403, "Forbidden", body);
		return;
	}
	if (v != NONO_HOST_ALLOWED) {
		if (paths && c->req.connect && p->cfg.tls_chan > 0)
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
				 port_suffix(c->req.port, sfx, sizeof(sfx)));
		answer(p, c, 403, "Forbidden", body);
		return;
	}
	c->via_upstream =
	    p->cfg.upstream_host &&
	    !(p->cfg.upstream_bypass &&
	      nono_allowlist_check(p->cfg.upstream_bypass, c->req.host, NULL,
				   NULL) == NONO_HOST_ALLOWED);
	if (watch(p, c, 0, 0) < 0 || resolve(p, c) < 0)
		answer(p, c, 503, "Service Unavailable", "out of memory\n");
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
		    now_ms() +
		    (p->cfg.head_timeout_ms ? p->cfg.head_timeout_ms : 10000);
		c->next = p->all;
		if (p->all)
			p->all->prev = c;
		p->all = c;
		p->nconns++;
		p->byfd[fd] = c;
		if (watch(p, c, 0, EPOLLIN) < 0)
			close_conn(p, c);
	}
}

/* A lookup's result: connect, or answer why not (owns @ai). */
static void resolved(struct nono_proxy *p, struct conn *c, int err,
		     struct addrinfo *ai, const char *priv)
{
	if (err == 403) {
		char body[1024], sfx[8];

		if (ai)
			freeaddrinfo(ai);
		if (priv && priv[0])
			snprintf(body, sizeof(body),
				 "nono: %s resolves to %s, a loopback or "
				 "private address: refused unless that "
				 "address is allowed itself; allow it with "
				 "--allow-domain %s%s\n",
				 c->req.host, priv, priv,
				 port_suffix(c->req.port, sfx, sizeof(sfx)));
		else
			snprintf(body, sizeof(body),
				 "nono: %s resolves to a cloud metadata or "
				 "link-local address: refused\n",
				 c->req.host);
		answer(p, c, 403, "Forbidden", body);
	} else if (err || !ai) {
		if (ai)
			freeaddrinfo(ai);
		answer(p, c, 502, "Bad Gateway", "the name does not resolve\n");
	} else {
		c->ai = ai;
		c->next_ai = ai;
		start_connect(p, c);
	}
}

static void on_resolved(struct nono_proxy *p)
{
	struct job *j;
	uint64_t v;
	ssize_t r = read(p->wake, &v, sizeof(v));

	(void)r;
	pthread_mutex_lock(&p->mu);
	j = p->done;
	p->done = NULL;
	pthread_mutex_unlock(&p->mu);
	while (j) {
		struct job *next = j->next;
		struct conn *c = j->cfd < MAX_FD ? p->byfd[j->cfd] : NULL;

		if (c && c->id == j->id && c->st == S_RESOLVE) {
			resolved(p, c, j->err, j->ai, j->priv);
			j->ai = NULL;
		}
		if (j->ai)
			freeaddrinfo(j->ai);
		free(j);
		j = next;
	}
}

/* The TLS helper's decisions: "D allowed status method host port path". */
static void on_tls(struct nono_proxy *p)
{
	for (;;) {
		char line[1100], method[16], host[NONO_HTTP_MAX_HOST + 1],
		    path[600];
		struct nono_proxy_decision d = {0};
		unsigned port;
		int allowed;
		ssize_t n =
		    recv(p->cfg.tls_chan, line, sizeof(line) - 1, MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			/* The helper is gone: no more interception (such
			 * tunnels are refused from now on). */
			epoll_ctl(p->ep, EPOLL_CTL_DEL, p->cfg.tls_chan, NULL);
			p->cfg.tls_chan = -1;
			return;
		}
		line[n] = '\0';
		if (sscanf(line, "D %d %d %15s %253s %u %599s %llu %llu",
			   &allowed, &d.status, method, host, &port, path,
			   &d.bytes_up, &d.bytes_down) < 6 ||
		    port > 65535)
			continue;
		d.allowed = allowed == 1;
		d.method = method;
		d.host = host;
		d.port = (uint16_t)port;
		d.path = strcmp(path, "-") == 0 ? NULL : path;
		if (p->cfg.on_decision)
			p->cfg.on_decision(p->cfg.arg, &d);
	}
}

/* Heads not sent in time (slowloris) and connects that hang. */
static void expire(struct nono_proxy *p)
{
	uint64_t t = now_ms();

	for (struct conn *c = p->all, *next; c; c = next) {
		next = c->next;
		if (c->st == S_HEAD && t >= c->deadline)
			answer(p, c, 408, "Request Timeout",
			       "the request head did not arrive in time\n");
		else if ((c->st == S_CONNECT || c->st == S_UPSTREAM) &&
			 t >= c->deadline)
			answer(p, c, 504, "Gateway Timeout",
			       "the origin did not answer in time\n");
	}
}

static void *loop(void *arg)
{
	struct nono_proxy *p = arg;
	struct epoll_event ev[256];
	uint64_t last = now_ms();

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
				on_resolved(p);
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
				close_conn(p, c);
				continue;
			}
			switch (c->st) {
			case S_HEAD:
				on_head(p, c);
				break;
			case S_CONNECT:
				if (e->which == 1)
					on_connected(p, c);
				break;
			case S_UPSTREAM:
				if (e->which == 1)
					upstream_step(p, c);
				break;
			case S_RELAY:
				relay(p, c);
				break;
			case S_RESOLVE:
				break;
			}
		}
		if (now_ms() - last >= 100) {
			expire(p);
			last = now_ms();
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
	e.data.ptr = &p->tls_tag;
	if (cfg->tls_chan > 0 &&
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
	free(p);
	return r;
}

void nono_proxy_stop(struct nono_proxy *p)
{
	uint64_t one = 1;
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
	/* Resolver threads leave on their own; wait until they have. */
	for (int i = 0; i < 500; i++) {
		int left;

		pthread_mutex_lock(&p->mu);
		left = p->resolvers;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		if (!left)
			break;
		if (i == 499) {
			/* One is still inside getaddrinfo (slow DNS) and will
			 * take p->mu when it returns: the proxy's memory stays
			 * (the session is ending) rather than be freed under
			 * it; its sockets go. */
			while (p->all)
				close_conn(p, p->all);
			return;
		}
		usleep(10000);
	}
	while (p->all)
		close_conn(p, p->all);
	free_dead(p);
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
	while (p->npipes--) {
		close(p->pipes[p->npipes][0]);
		close(p->pipes[p->npipes][1]);
	}
	close(p->ep);
	close(p->wake);
	free(p->byfd);
	free(p);
}
