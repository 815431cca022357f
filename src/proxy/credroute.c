// SPDX-License-Identifier: Apache-2.0
/*
 * The credential services' reverse proxy inside the proxy: the checks a
 * request must pass, the upstream head with the real key, the hand-off to
 * the TLS helper for https:// upstreams, and the scrubbing of the key from
 * a plain upstream's answer.
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

/*
 * A credential service over https://: the helper speaks TLS to the
 * upstream (verified against the user's trust store).  It gets both
 * sockets, the head and body start (which hold the credential), and the
 * body's framing, in one message (NONO_MSG_CRED, src/proxy/msg.h).  The
 * client hears the upstream's answer, or the helper's 502.
 */
static void cred_hand_off(struct nono_proxy *p, struct conn *c)
{
	size_t rcap = 2 * NONO_HTTP_MAX_HEAD, cap = NONO_MSG_MAX;
	char *route = malloc(rcap), *msg = malloc(cap);
	int fds[2] = {c->cfd, c->ofd}, rl, n = -1;
	const struct flow *f = &c->upf;
	struct nono_msg_cred m = {.port = c->req.port,
				  .chunked = f->chunked,
				  .done = f->done,
				  .budget = f->budget,
				  .ch = f->ch,
				  .head = f->buf,
				  .head_len = f->len};

	/* The connection may serve the client's next requests (the helper
	 * checks them the same way) unless the client asked to close, the
	 * request has a body (the upstream may not read it as framed: the
	 * next head, with the key, would land in it; nono_cred_head asked
	 * the upstream to close) or the client sent more than this request
	 * (never forwarded). */
	m.keep = !nono_http_wants_close(&c->req) &&
		 !nono_http_has_body(&c->req) &&
		 f->len - c->head_used == c->hlen - c->req.head_len;
	if (!msg || !route || p->cfg.tls_chan < 0) {
		free(msg);
		free(route);
		px_answer(
		    p, c, 502, "Bad Gateway",
		    "nono: TLS to the credential upstream needs nono-tls, "
		    "which is not running\n");
		return;
	}
	snprintf(m.host, sizeof(m.host), "%s", c->req.host);
	snprintf(m.method, sizeof(m.method), "%s", c->method);
	snprintf(m.path, sizeof(m.path), "%s", c->path);
	rl = nono_msg_route_encode(c->cred, route, rcap);
	if (rl >= 0) {
		m.route = route;
		m.route_len = (size_t)rl;
		n = nono_msg_cred_encode(&m, msg, cap);
	}
	explicit_bzero(route, rcap); /* the route holds the credential */
	free(route);
	if (n < 0) {
		explicit_bzero(msg, cap);
		free(msg);
		px_answer(p, c, 431, "Request Header Fields Too Large",
			  "request head too large\n");
		return;
	}
	if (nono_msg_send(p->cfg.tls_chan, msg, (size_t)n, fds, 2,
			  MSG_DONTWAIT) < 0) {
		explicit_bzero(msg, cap);
		free(msg);
		px_answer(p, c, 502, "Bad Gateway",
			  "nono: the TLS helper is busy or gone\n");
		return;
	}
	explicit_bzero(msg, cap);
	free(msg);
	px_decide(p, c, true, 200);
	px_close_conn(p, c); /* the helper has its own copies */
}

/*
 * A credential request whose upstream is connected (directly, or through
 * the upstream proxy's tunnel): the head that names the upstream and
 * carries the real credential (see creds.h), with the body's start.  Over
 * https:// the TLS helper takes it from here (returns false, closed);
 * plain http:// (loopback) is relayed.  False when it answered instead.
 */
bool px_cred_build(struct nono_proxy *p, struct conn *c)
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
		px_answer(p, c, 503, "Service Unavailable", "out of memory\n");
		return false;
	}
	n = nono_cred_head(c->cred, &c->req, c->upath,
			   c->cred->tls && !nono_http_wants_close(&c->req),
			   c->upf.buf, c->upf.cap);
	if (n < 0 || (size_t)n + body >= c->upf.cap) {
		px_answer(p, c, 431, "Request Header Fields Too Large",
			  "request head too large\n");
		return false;
	}
	c->head_used = (size_t)n;
	if (!px_frame_body(p, c, (size_t)n))
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
		px_answer(p, c, 503, "Service Unavailable", "out of memory\n");
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
void px_scrub_down(struct flow *f, size_t n)
{
	size_t used = 0, total, ok;
	bool done;

	f->ans->mask = f->mask;
	done = nono_http_answer_feed(f->ans, f->buf + f->held, n, &used);
	if (f->ans->encoded) {
		f->held = 0;
		f->eof = true;
		f->len = f->bytes == 0
			     ? nono_cred_uncheckable_answer(f->buf, f->cap)
			     : 0;
		return;
	}
	/* Nothing after the answer's end goes to the client (a second
	 * answer would be scrubbed apart from the first), and nothing more
	 * is read: the connection ends with it. */
	total = f->held + used;
	ok = nono_scrub_feed(f->scrub, f->buf, f->held, total, f->mask, done);
	f->len = ok;
	f->held = total - ok;
	if (done)
		f->eof = true;
}

/*
 * A request to a credential service: the placeholder must be there (401),
 * the path unambiguous (400) and allowed by the endpoint rules (403); then
 * the upstream is resolved and connected like any origin.
 */
void px_cred_request(struct nono_proxy *p, struct conn *c)
{
	const struct nono_http_request *r = &c->req;
	const struct nono_cred_route *cr;
	size_t cap = r->target_len + 1024;
	char body[1024];
	int st;

	snprintf(c->path, sizeof(c->path), "%.*s", (int)r->target_len,
		 r->target);
	c->upath = malloc(cap);
	if (!c->upath) {
		px_answer(p, c, 503, "Service Unavailable", "out of memory\n");
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
		px_answer(p, c, st, nono_cred_reason(st), body);
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
	if (px_watch(p, c, 0, 0) < 0 || px_resolve(p, c) < 0)
		px_answer(p, c, 503, "Service Unavailable", "out of memory\n");
}
