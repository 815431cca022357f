// SPDX-License-Identifier: Apache-2.0
/*
 * The proxy's connections to origins: connecting (directly, or through the
 * upstream proxy's CONNECT), tunnels, handing intercepted tunnels to the TLS
 * helper, and moving bytes both ways (splice, or a buffer where the proxy
 * must see them).
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

static bool move(struct nono_proxy *p, struct conn *c, int src, int dst,
		 struct flow *f);

/*
 * An intercepted tunnel is ready (origin connected, through the upstream
 * if any): the client hears 200, then both sockets go to the TLS helper
 * and the proxy forgets them.
 */
static void hand_off(struct nono_proxy *p, struct conn *c)
{
	static const char ok[] = "HTTP/1.1 200 Connection Established\r\n\r\n";
	struct nono_msg_tunnel t = {.port = c->req.port};
	char msg[NONO_HTTP_MAX_HOST + 64];
	int fds[2] = {c->cfd, c->ofd};
	int n;
	ssize_t w;

	snprintf(t.host, sizeof(t.host), "%s", c->req.host);
	n = nono_msg_tunnel_encode(&t, msg, sizeof(msg));
	/* The client sent nothing since its CONNECT: the 200 fits its
	 * empty socket buffer. */
	w = n < 0
		? -1
		: send(c->cfd, ok, sizeof(ok) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (w != (ssize_t)sizeof(ok) - 1 ||
	    nono_msg_send(p->cfg.tls_chan, msg, (size_t)n, fds, 2,
			  MSG_DONTWAIT) < 0) {
		px_decide_why(p, c, true, 502,
			      "the TLS helper did not take the tunnel");
		px_close_conn(p, c);
		return;
	}
	px_close_conn(p, c); /* the helper has its own copies */
}

/*
 * After the @n bytes of the head in upf.buf: the body bytes that came with
 * the head, as many as the request's framing says and then no more; the
 * rest of the body is read under the same limit (move()).  Returns false
 * when it answered (and closed) instead.
 */
bool px_frame_body(struct nono_proxy *p, struct conn *c, size_t n)
{
	const struct nono_http_request *r = &c->req;
	size_t body = c->hlen - r->head_len;

	c->upf.limited = true;
	if (r->chunked) {
		enum nono_chunked_result cr = nono_chunked_scan(
		    &c->upf.ch, c->head + r->head_len, body, &body);

		if (cr == NONO_CHUNKED_BAD) {
			px_answer(p, c, 400, "Bad Request",
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
		c->upf.cap = 0; /* px_cred_build() */
		c->downf.cap = 0;
	} else {
		c->upf.cap = c->hlen + 1024; /* the rewritten head + body */
		c->downf.cap = 0;
	}
	c->upf.buf = c->upf.cap ? malloc(c->upf.cap) : NULL;
	c->downf.buf = c->downf.cap ? malloc(c->downf.cap) : NULL;
	if ((c->upf.cap && !c->upf.buf) || (c->downf.cap && !c->downf.buf)) {
		px_answer(p, c, 503, "Service Unavailable", "out of memory\n");
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
			px_answer(p, c, 431, "Request Header Fields Too Large",
				  "request head too large\n");
			return false;
		}
		n += snprintf(c->upf.buf + n, c->upf.cap - (size_t)n,
			      "Connection: close\r\n\r\n");
		if (!px_frame_body(p, c, (size_t)n))
			return false;
	} else if (!px_cred_build(p, c)) {
		return false; /* answered, or handed to the TLS helper */
	}
	if ((r->connect || c->cred) && c->via_upstream) {
		/* The head buffer now collects the upstream's answer; bytes
		 * the client pipelined wait in it until the tunnel stands. */
		c->st = S_UPSTREAM;
		c->deadline = px_now_ms() + (p->cfg.connect_timeout_ms
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
	px_decide(p, c, true, 200);
	return true;
}

/*
 * S_UPSTREAM: sends our CONNECT, then reads the upstream proxy's answer
 * (into down, bounded).  A 2xx opens the tunnel: the client hears 200 and
 * anything past the answer's head is the origin's.  Anything else is a 502
 * naming the upstream's status line.
 */
void px_upstream_step(struct nono_proxy *p, struct conn *c)
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
			if (px_watch(p, c, 1, EPOLLOUT) < 0)
				px_close_conn(p, c);
			return;
		}
		if (n <= 0) {
			px_answer(p, c, 502, "Bad Gateway",
				  "the upstream proxy closed the connection\n");
			return;
		}
		c->upf.off += (size_t)n;
	}
	n = recv(c->ofd, c->downf.buf + c->downf.len,
		 c->downf.cap - 64 - c->downf.len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		if (px_watch(p, c, 0, 0) < 0 || px_watch(p, c, 1, EPOLLIN) < 0)
			px_close_conn(p, c);
		return;
	}
	if (n <= 0) {
		px_answer(p, c, 502, "Bad Gateway",
			  "the upstream proxy closed the connection\n");
		return;
	}
	c->downf.len += (size_t)n;
	c->downf.buf[c->downf.len] = '\0';
	end = strstr(c->downf.buf, "\r\n\r\n");
	if (!end) {
		if (c->downf.len >= NONO_HTTP_MAX_HEAD)
			px_answer(p, c, 502, "Bad Gateway",
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
		px_answer(p, c, 502, "Bad Gateway", body);
		return;
	}
	extra = c->downf.len - hl;
	if (c->cred || c->intercept) {
		/* The origin speaks TLS only after a hello (the client's, or
		 * the helper's for a credential service). */
		if (extra)
			px_answer(p, c, 502, "Bad Gateway",
				  "the upstream proxy sent bytes early\n");
		else if (c->cred)
			px_cred_build(p, c);
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
	px_decide(p, c, true, 200);
	px_relay(p, c);
}

void px_start_connect(struct nono_proxy *p, struct conn *c)
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
			px_on_connected(p, c);
			return;
		}
		if (errno != EINPROGRESS) {
			close(fd);
			continue;
		}
		c->ofd = fd;
		c->oev = 0xffffffffu;
		c->st = S_CONNECT;
		c->deadline = px_now_ms() + (p->cfg.connect_timeout_ms
						 ? p->cfg.connect_timeout_ms
						 : 10000);
		if (px_watch(p, c, 1, EPOLLOUT) < 0) {
			px_answer(p, c, 502, "Bad Gateway", "cannot connect\n");
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
		px_answer(p, c, 502, "Bad Gateway", body);
	}
}

void px_on_connected(struct nono_proxy *p, struct conn *c)
{
	int err = 0;
	socklen_t l = sizeof(err);

	if (getsockopt(c->ofd, SOL_SOCKET, SO_ERROR, &err, &l) < 0 || err) {
		epoll_ctl(p->ep, EPOLL_CTL_DEL, c->ofd, NULL);
		close(c->ofd);
		c->ofd = -1;
		px_start_connect(p, c); /* the next address, or 502 */
		return;
	}
	if (c->intercept && !c->via_upstream) {
		hand_off(p, c);
		return;
	}
	if (!established(p, c))
		return;
	if (c->st == S_UPSTREAM)
		px_upstream_step(p, c);
	else
		px_relay(p, c);
}

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
		if (f->pipe[0] < 0 && px_pipe_get(p, f->pipe) < 0)
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
				px_scrub_down(f, (size_t)n);
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
		px_pipe_put(p, f->pipe);
	return progress;
}

static bool pending(const struct flow *f)
{
	return f->off < f->len || f->inpipe;
}

/* Moves bytes both ways until nothing moves, then registers interest in
 * exactly what can make progress. */
void px_relay(struct nono_proxy *p, struct conn *c)
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
		px_decide(p, c, true, 0);
		px_close_conn(p, c);
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
		px_decide(p, c, true, 0);
		px_close_conn(p, c);
		return;
	}
	if (px_watch(p, c, 0,
		     (up->eof || up->done || pending(up) ? 0u : EPOLLIN) |
			 (pending(down) ? EPOLLOUT : 0u)) < 0 ||
	    px_watch(p, c, 1,
		     (down->eof || pending(down) ? 0u : EPOLLIN) |
			 (pending(up) ? EPOLLOUT : 0u)) < 0)
		px_close_conn(p, c);
}
