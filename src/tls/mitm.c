// SPDX-License-Identifier: Apache-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "proxy/creds.h"
#include "proxy/http.h"
#include "tls/mitm.h"

#define IDLE_MS (300 * 1000)
#define KEEP_IDLE_MS (60 * 1000) /* a kept-alive client's next request */
#define HEAD_MS (10 * 1000)      /* the rest of a head once it started */
#define HANDSHAKE_S 30

struct nono_mitm {
	struct nono_ca *ca;
	const struct nono_allowlist *allow;
	SSL_CTX *server, *client;
	void (*report)(void *arg, const struct nono_msg_decision *d);
	void *arg;
};

/* Only HTTP/1.1 is spoken inside: the path is read from its request line. */
static int alpn_select(SSL *ssl, const unsigned char **out,
		       unsigned char *outlen, const unsigned char *in,
		       unsigned int inlen, void *arg)
{
	static const unsigned char h11[] = "\x08http/1.1";

	(void)ssl;
	(void)arg;
	if (SSL_select_next_proto((unsigned char **)out, outlen, h11,
				  sizeof(h11) - 1, in,
				  inlen) == OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_OK;
	return SSL_TLSEXT_ERR_NOACK; /* no ALPN: HTTP/1.1 anyway */
}

struct nono_mitm *
nono_mitm_new(struct nono_ca *ca, const struct nono_allowlist *allow,
	      void (*report)(void *arg, const struct nono_msg_decision *d),
	      void *arg)
{
	static const unsigned char h11[] = "\x08http/1.1";
	struct nono_mitm *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->ca = ca;
	m->allow = allow;
	m->report = report;
	m->arg = arg;
	m->server = SSL_CTX_new(TLS_server_method());
	m->client = SSL_CTX_new(TLS_client_method());
	if (!m->server || !m->client)
		goto fail;
	SSL_CTX_set_min_proto_version(m->server, TLS1_2_VERSION);
	SSL_CTX_set_min_proto_version(m->client, TLS1_2_VERSION);
	SSL_CTX_set_alpn_select_cb(m->server, alpn_select, NULL);
	/* The origin is verified against what the user's own tools trust
	 * ($SSL_CERT_FILE / $SSL_CERT_DIR, else the system store). */
	SSL_CTX_set_verify(m->client, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_set_default_verify_paths(m->client) != 1 ||
	    SSL_CTX_set_alpn_protos(m->client, h11, sizeof(h11) - 1) != 0)
		goto fail;
	SSL_CTX_set_mode(m->server, SSL_MODE_ENABLE_PARTIAL_WRITE |
					SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_mode(m->client, SSL_MODE_ENABLE_PARTIAL_WRITE |
					SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	return m;
fail:
	SSL_CTX_free(m->server);
	SSL_CTX_free(m->client);
	free(m);
	return NULL;
}

static void decide_bytes(struct nono_mitm *m, bool allowed, int status,
			 const char *method, const char *host, uint16_t port,
			 const char *path, unsigned long long up,
			 unsigned long long down)
{
	struct nono_msg_decision d = {.allowed = allowed,
				      .status = status,
				      .port = port,
				      .up = up,
				      .down = down};

	snprintf(d.method, sizeof(d.method), "%s", method);
	snprintf(d.host, sizeof(d.host), "%s", host);
	snprintf(d.path, sizeof(d.path), "%s", path);
	if (m->report)
		m->report(m->arg, &d);
}

static void decide(struct nono_mitm *m, bool allowed, int status,
		   const char *method, const char *host, uint16_t port,
		   const char *path)
{
	decide_bytes(m, allowed, status, method, host, port, path, 0, 0);
}

static void answer(SSL *s, int status, const char *reason, const char *body)
{
	char msg[3000];
	int n = snprintf(msg, sizeof(msg),
			 "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
			 status, reason, strlen(body), body);

	if (n > 0)
		SSL_write(s, msg, n < (int)sizeof(msg) ? n : (int)sizeof(msg));
	SSL_shutdown(s);
}

/* Blocking, with time limits, until the relay (the proxy's sockets come
 * non-blocking: the flag belongs to the shared open file). */
static void timeouts(int fd, int seconds)
{
	struct timeval tv = {.tv_sec = seconds};

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* The request head forwarded: the client's, minus hop-by-hop fields and
 * Host (the checked host instead), and Connection: close unless @keep (the
 * connection then carries the client's next request, checked in turn) and
 * the request has no body (nono_http_has_body: the origin may read a body
 * otherwise than it was framed, as a request of its own). */
static int rewrite(const struct nono_http_request *r, const char *host,
		   uint16_t port, bool keep, char *out, size_t cap)
{
	size_t n;
	int k =
	    snprintf(out, cap, "%.*s %.*s HTTP/1.%d\r\n", (int)r->method_len,
		     r->method, (int)r->target_len, r->target, r->minor);

	if (k < 0 || (size_t)k >= cap)
		return -1;
	n = (size_t)k;
	/* Host is the host that was checked (SNI and CONNECT), never what
	 * the client wrote inside the tunnel. */
	k = snprintf(out + n, cap - n,
		     strchr(host, ':') ? "Host: [%s]" : "Host: %s", host);
	if (k < 0 || (size_t)k >= cap - n)
		return -1;
	n += (size_t)k;
	k = port == 443 ? snprintf(out + n, cap - n, "\r\n")
			: snprintf(out + n, cap - n, ":%u\r\n", port);
	if (k < 0 || (size_t)k >= cap - n)
		return -1;
	n += (size_t)k;
	for (size_t i = 0; i < r->nfields; i++) {
		const struct nono_http_field *f = &r->fields[i];

		if (nono_http_hop_field(f->name, f->name_len))
			continue;
		k = snprintf(out + n, cap - n, "%.*s: %.*s\r\n",
			     (int)f->name_len, f->name, (int)f->value_len,
			     f->value);
		if (k < 0 || (size_t)k >= cap - n)
			return -1;
		n += (size_t)k;
	}
	k = snprintf(out + n, cap - n,
		     keep && !nono_http_has_body(r)
			 ? "\r\n"
			 : "Connection: close\r\n\r\n");
	if (k < 0 || (size_t)k >= cap - n)
		return -1;
	return (int)(n + (size_t)k);
}

/* One direction of the relay: bytes read from @from wait in @buf until
 * @to took them. */
struct half {
	SSL *from, *to; /* NULL: plain, on from_fd / to_fd */
	int from_fd, to_fd;
	char buf[16384];
	int len, off;
	bool eof;
	short want_from, want_to; /* poll events the SSL asked for */
	/* The request's body (client to origin): exactly its framing, then
	 * nothing more is read: a second request behind it would pass no
	 * check.  The answer (origin to client) has no limit. */
	bool limited, chunked, done;
	unsigned long long budget;
	struct nono_chunked ch;
	unsigned long long moved; /* bytes delivered */
	/* A credential service's answer (origin to client) on a connection
	 * that may carry another request: read up to its end, no further. */
	struct nono_http_answer *ans;
	bool excess; /* bytes came after the framed end: close after */
	/* A credential service's answer is scrubbed of the key
	 * (nono_scrub_feed): @held bytes after buf[len] wait for what
	 * follows them; @mask tells the text from the chunk framing. */
	struct nono_scrub *scrub;
	int held;
	unsigned char mask[16384];
};

/*
 * The origin's bytes just read (@n of them, @used in the answer) after
 * @h->held kept ones: scrubbed of the key when the answer is a credential
 * service's.  An answer whose body is coded (the upstream was asked for
 * identity) cannot be checked: it ends here, with a 502 when nothing of it
 * went out yet.
 */
static void scrub(struct half *h, size_t used)
{
	size_t total = (size_t)h->held + used, ok;

	if (h->ans && h->ans->encoded) {
		h->held = 0;
		h->eof = true;
		h->done = false;
		h->excess = true;
		h->len = 0;
		if (h->moved == 0)
			h->len = (int)nono_cred_uncheckable_answer(
			    h->buf, sizeof(h->buf));
		return;
	}
	ok = nono_scrub_feed(h->scrub, h->buf, (size_t)h->held, total, h->mask,
			     h->done);
	h->len = (int)ok;
	h->held = (int)(total - ok);
}

/*
 * SSL_read / SSL_write, or recv / send on a plain socket (a credential
 * service's client, which speaks plain HTTP to the proxy).  For a plain
 * socket a return <= 0 is minus the SSL_ERROR_* it stands for.
 */
static int io_read(struct half *h, char *to, int want)
{
	ssize_t n;

	n = recv(h->from_fd, to, (size_t)want, MSG_DONTWAIT);
	if (n > 0)
		return (int)n;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return -SSL_ERROR_WANT_READ;
	return -SSL_ERROR_ZERO_RETURN;
}

static int io_write(struct half *h)
{
	ssize_t n;

	if (h->to)
		return SSL_write(h->to, h->buf + h->off, h->len - h->off);
	n = send(h->to_fd, h->buf + h->off, (size_t)(h->len - h->off),
		 MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n > 0)
		return (int)n;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return -SSL_ERROR_WANT_WRITE;
	return -SSL_ERROR_SYSCALL;
}

static bool pump(struct half *h)
{
	bool progress = false;
	int n;

	h->want_from = h->want_to = 0;
	if (!h->eof && !h->done && h->len == 0) {
		int want = (int)sizeof(h->buf) - h->held;
		char *at = h->buf + h->held;

		if (h->limited && !h->chunked &&
		    (unsigned long long)want > h->budget)
			want = (int)h->budget;
		n = h->from ? SSL_read(h->from, at, want)
			    : io_read(h, at, want);
		if (n > 0) {
			size_t used = (size_t)n;

			if (h->chunked) {
				enum nono_chunked_result r = nono_chunked_scan(
				    &h->ch, at, (size_t)n, &used);

				if (r == NONO_CHUNKED_BAD) {
					h->eof = true; /* stop; send nothing */
					return true;
				}
				h->done = r == NONO_CHUNKED_DONE;
				h->excess |= used < (size_t)n;
			} else if (h->ans) {
				h->ans->mask = h->scrub ? h->mask : NULL;
				h->done = nono_http_answer_feed(
				    h->ans, at, (size_t)n, &used);
				h->excess |= used < (size_t)n;
			} else if (h->limited) {
				h->budget -= (unsigned long long)n;
				h->done = h->budget == 0;
			}
			h->off = 0;
			if (h->scrub)
				scrub(h, used);
			else
				h->len = (int)used;
			progress = true;
		} else {
			int e = h->from ? SSL_get_error(h->from, n) : -n;

			if (e == SSL_ERROR_WANT_READ)
				h->want_from = POLLIN;
			else if (e == SSL_ERROR_WANT_WRITE)
				h->want_from = POLLOUT;
			else {
				h->eof = true; /* close_notify, or broken */
				/* what was kept is no whole key: it goes */
				h->len = h->held;
				h->held = 0;
				if (h->scrub)
					h->scrub->m = 0;
				h->off = 0;
				progress = true;
			}
		}
	}
	if (h->len > h->off) {
		n = io_write(h);
		if (n > 0) {
			h->moved += (unsigned long long)n;
			h->off += n;
			if (h->off == h->len) {
				if (h->held)
					memmove(h->buf, h->buf + h->len,
						(size_t)h->held);
				h->len = h->off = 0;
			}
			progress = true;
		} else {
			int e = h->to ? SSL_get_error(h->to, n) : -n;

			if (e == SSL_ERROR_WANT_WRITE)
				h->want_to = POLLOUT;
			else if (e == SSL_ERROR_WANT_READ)
				h->want_to = POLLIN;
			else {
				h->eof = true;
				h->len = h->off = 0;
				progress = true;
			}
		}
	}
	return progress;
}

/*
 * Moves the request's body (as @framing says) and the answer until the
 * origin closes, or, with @ans, until the answer has ended.  Returns true
 * when the exchange ended cleanly at its framed ends, so that the
 * connection may carry another request.
 */
static bool relay(SSL *cs, SSL *os, int cfd, int ofd,
		  const struct half *framing, struct nono_http_answer *ans,
		  const struct nono_cred_route *cred,
		  unsigned long long *up_bytes, unsigned long long *down_bytes)
{
	struct half *up = calloc(1, sizeof(*up)),
		    *down = calloc(1, sizeof(*down));
	struct nono_scrub sc = {0};
	bool clean = false;

	if (!up || !down)
		goto out;
	down->ans = ans;
	if (cred) {
		size_t klen = 0;
		const char *key = nono_cred_secret(cred, &klen);

		if (nono_scrub_init(&sc, key, klen) < 0)
			goto out;
		down->scrub = &sc;
	}
	up->limited = framing->limited;
	up->chunked = framing->chunked;
	up->done = framing->done;
	up->budget = framing->budget;
	up->ch = framing->ch;
	up->from = cs, up->to = os;
	down->from = os, down->to = cs;
	up->from_fd = down->to_fd = cfd;
	fcntl(cfd, F_SETFL, fcntl(cfd, F_GETFL) | O_NONBLOCK);
	fcntl(ofd, F_SETFL, fcntl(ofd, F_GETFL) | O_NONBLOCK);
	/* The origin closes after its answer (Connection: close), or the
	 * answer's framing ends it. */
	while ((!down->eof && !down->done) || down->len) {
		struct pollfd p[2];
		bool a = pump(up), b = pump(down);

		if (up->eof && !up->len && !down->eof) {
			/* client finished sending: fine, keep reading */
		}
		if (a || b)
			continue;
		p[0].fd = cfd;
		p[0].events = up->want_from | down->want_to;
		p[1].fd = ofd;
		p[1].events = up->want_to | down->want_from;
		if (up->eof || up->done)
			p[0].events = down->want_to;
		if (poll(p, 2, IDLE_MS) <= 0)
			break;
	}
	/* Bytes the origin sent past the answer's end may wait inside
	 * OpenSSL (the read stopped at a full buffer): not clean either. */
	clean = ans && down->done && !down->len && !down->excess &&
		!ans->close && up->done && !up->len && !up->excess &&
		!up->eof && SSL_pending(os) == 0;
	if (!clean && cs)
		SSL_shutdown(cs);
	else if (!clean)
		shutdown(cfd, SHUT_WR);
	*up_bytes = up->moved;
	*down_bytes = down->moved;
out:
	nono_scrub_free(&sc);
	free(up);
	free(down);
	return clean;
}

/*
 * The request's body framing, from the @len bytes at @buf that hold its
 * head and what followed: *@blen of them after the head belong to the body
 * (as many as Content-Length or the chunked framing says), and @framing
 * limits what is read of the rest.  False for a malformed chunked body.
 */
static bool frame(const struct nono_http_request *req, const char *buf,
		  size_t len, struct half *framing, size_t *blen)
{
	size_t b = len - req->head_len;

	memset(framing, 0, sizeof(*framing));
	framing->limited = true;
	if (req->chunked) {
		enum nono_chunked_result cr =
		    nono_chunked_scan(&framing->ch, buf + req->head_len, b, &b);

		if (cr == NONO_CHUNKED_BAD)
			return false;
		framing->chunked = true;
		framing->done = cr == NONO_CHUNKED_DONE;
	} else if (req->content_length > 0) {
		if ((unsigned long long)req->content_length < b)
			b = (size_t)req->content_length;
		framing->budget = (unsigned long long)req->content_length - b;
		framing->done = framing->budget == 0;
	} else {
		b = 0;
		framing->done = true;
	}
	*blen = b;
	return true;
}

/* All of @len bytes to @s (blocking), record by record: the client
 * context allows partial writes, which relay() needs. */
static bool ssl_write_all(SSL *s, const char *buf, size_t len)
{
	while (len > 0) {
		int n = SSL_write(s, buf, len > INT_MAX ? INT_MAX : (int)len);

		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

/*
 * Waits for a kept-alive client's next request to start: true when it
 * does, false when the client idles out (KEEP_IDLE_MS) or the origin
 * closes its end first (the client's connection then ends too, so that
 * its next request opens a fresh pair instead of meeting a dead one).
 */
static bool client_returns(int cfd, int ofd)
{
	struct pollfd p[2] = {{.fd = cfd, .events = POLLIN},
			      {.fd = ofd, .events = POLLIN}};

	if (poll(p, 2, KEEP_IDLE_MS) <= 0 || p[1].revents)
		return false;
	return p[0].revents != 0;
}

/*
 * TLS to the origin on @ofd, verified against the user's trust store for
 * @host (a name, or an address literal).  Returns NULL with *@out, or why
 * it failed (for the client's 502).
 */
static const char *tls_connect(struct nono_mitm *m, int ofd, const char *host,
			       SSL **out)
{
	unsigned char ip[16];
	SSL *os = SSL_new(m->client);
	long v;

	*out = os;
	if (!os || SSL_set_fd(os, ofd) != 1)
		return "TLS set-up failed";
	/* The name (or address) the certificate must carry: without it any
	 * trusted certificate would do, so a failure here stops. */
	if (inet_pton(AF_INET, host, ip) == 1 ||
	    inet_pton(AF_INET6, host, ip) == 1) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(os), host) !=
		    1)
			return "TLS set-up failed";
	} else if (SSL_set_tlsext_host_name(os, host) != 1 ||
		   SSL_set1_host(os, host) != 1) {
		return "TLS set-up failed";
	}
	if (SSL_connect(os) == 1)
		return NULL;
	v = SSL_get_verify_result(os);
	return v != X509_V_OK ? X509_verify_cert_error_string(v)
			      : "handshake failed";
}

void nono_mitm_serve(struct nono_mitm *m, int cfd, int ofd, const char *host,
		     uint16_t port)
{
	struct nono_http_request *req = calloc(1, sizeof(*req));
	char *head = malloc(NONO_HTTP_MAX_HEAD + 1);
	char *fwd = malloc(NONO_HTTP_MAX_HEAD + 1024);
	char *ahead = malloc(NONO_HTTP_MAX_RESPONSE_HEAD);
	char method[16] = "", path[512] = "", body[2400];
	const char *why = NULL;
	SSL *cs = NULL, *os = NULL;
	EVP_PKEY *key;
	X509 *cert;
	bool paths = false, first = true;

	if (!req || !head || !fwd || !ahead)
		goto out;
	timeouts(cfd, HANDSHAKE_S);
	timeouts(ofd, HANDSHAKE_S);
	cert = nono_ca_leaf(m->ca, host, &key);
	cs = SSL_new(m->server);
	if (!cert || !cs || SSL_use_certificate(cs, cert) != 1) {
		X509_free(cert);
		decide(m, false, 495, "TLS", host, port, "");
		goto out;
	}
	X509_free(cert); /* the SSL holds its own reference now */
	if (SSL_use_PrivateKey(cs, key) != 1 || SSL_set_fd(cs, cfd) != 1 ||
	    SSL_accept(cs) != 1) {
		/* The client does not trust the session CA (a tool with a
		 * trust store of its own), or left: say so under -vv. */
		decide(m, false, 495, "TLS", host, port, "");
		goto out;
	}
	/* Each request the client sends on the connection: checked, then
	 * up the same TLS connection to the origin, as long as both sides
	 * keep it and every answer ends where its framing says. */
	for (;; first = false) {
		enum nono_http_status st = NONO_HTTP_INCOMPLETE;
		struct nono_http_answer ans;
		struct half framing = {0};
		unsigned long long ub = 0, db = 0;
		size_t hlen = 0, blen;
		bool keep, clean;
		int n;

		/* A kept-alive client has KEEP_IDLE_MS to start its next
		 * request (while the origin keeps its end), and HEAD_MS for
		 * the rest. */
		if (!first && SSL_pending(cs) == 0 && !client_returns(cfd, ofd))
			break;
		if (!first)
			timeouts(cfd, HEAD_MS / 1000);
		while (st == NONO_HTTP_INCOMPLETE &&
		       hlen < NONO_HTTP_MAX_HEAD) {
			n = SSL_read(cs, head + hlen,
				     (int)(NONO_HTTP_MAX_HEAD - hlen));
			if (n <= 0)
				goto out;
			hlen += (size_t)n;
			st = nono_http_parse_origin(head, hlen, req, &why);
		}
		if (st == NONO_HTTP_INCOMPLETE)
			st = NONO_HTTP_TOO_LARGE;
		method[0] = path[0] = '\0';
		if (req->method)
			snprintf(
			    method, sizeof(method), "%.*s",
			    (int)(req->method_len < 15 ? req->method_len : 15),
			    req->method);
		if (st != NONO_HTTP_OK) {
			snprintf(body, sizeof(body), "bad request: %s\n",
				 why ? why : "request head too large");
			answer(cs, st == NONO_HTTP_TOO_LARGE ? 431 : 400,
			       st == NONO_HTTP_TOO_LARGE
				   ? "Request Header Fields Too Large"
				   : "Bad Request",
			       body);
			decide(m, false, st == NONO_HTTP_TOO_LARGE ? 431 : 400,
			       method, host, port, "");
			goto out;
		}
		snprintf(path, sizeof(path), "%.*s",
			 (int)(req->target_len < sizeof(path) - 1
				   ? req->target_len
				   : sizeof(path) - 1),
			 req->target);
		{
			/* The whole target is checked (@path is cut for
			 * messages); the query is not part of the match. */
			char p2[sizeof(path)],
			    *full = strndup(req->target, req->target_len);
			enum nono_host_verdict v =
			    full ? nono_allowlist_check_port(m->allow, host,
							     port, full, &paths)
				 : NONO_HOST_INVALID;

			free(full);
			snprintf(p2, sizeof(p2), "%.*s",
				 (int)strcspn(path, "?#"), path);
			if (v != NONO_HOST_ALLOWED) {
				char hp[300];

				/* An entry names any port but 443. */
				if (port == 443)
					snprintf(hp, sizeof(hp), "%s", host);
				else
					snprintf(hp, sizeof(hp), "%s:%u", host,
						 (unsigned)port);
				snprintf(body, sizeof(body),
					 "nono: https://%s%s is not allowed by "
					 "the sandbox's network policy; allow "
					 "it with --allow-domain "
					 "'https://%s%s'\n",
					 host, p2, hp, p2);
				answer(cs, 403, "Forbidden", body);
				decide(m, false, 403, method, host, port, path);
				goto out;
			}
		}
		/* No request follows one with a body on the origin's
		 * connection: an origin that ignores a GET's body would read
		 * it as a request nobody checked, and the next checked head
		 * as that one's body (its answer relayed as the next one's).
		 * The origin is asked to close, and the exchange ends (the
		 * client's connection too) after the answer. */
		keep = !nono_http_wants_close(req) && !nono_http_has_body(req);
		n = rewrite(req, host, port, keep, fwd,
			    NONO_HTTP_MAX_HEAD + 1024);
		if (n < 0) {
			answer(cs, 431, "Request Header Fields Too Large",
			       "request head too large\n");
			goto out;
		}
		if (!os) {
			why = tls_connect(m, ofd, host, &os);
			if (why) {
				snprintf(body, sizeof(body),
					 "nono: TLS to %s:%u failed: %s\n",
					 host, port, why);
				answer(cs, 502, "Bad Gateway", body);
				decide(m, true, 502, method, host, port, path);
				goto out;
			}
		} else {
			timeouts(ofd, HANDSHAKE_S); /* relay() left it
						       non-blocking */
		}
		/* The head, then what followed it: as much of a body as the
		 * request's framing says, and no more. */
		if (!frame(req, head, hlen, &framing, &blen)) {
			answer(cs, 400, "Bad Request",
			       "bad request: malformed chunked body\n");
			decide(m, false, 400, method, host, port, path);
			goto out;
		}
		/* A request pipelined behind this one is never sent on: the
		 * connection ends after this exchange. */
		keep &= req->head_len + blen == hlen;
		if (!ssl_write_all(os, fwd, (size_t)n) ||
		    !ssl_write_all(os, head + req->head_len, blen)) {
			answer(cs, 502, "Bad Gateway",
			       "nono: the origin left\n");
			goto out;
		}
		decide(m, true, 200, method, host, port, path);
		nono_http_answer_init(&ans, ahead, strcmp(method, "HEAD") == 0);
		clean = relay(cs, os, cfd, ofd, &framing, &ans, NULL, &ub, &db);
		/* The end of the exchange, with what moved (the head and any
		 * body start were written before the relay). */
		decide_bytes(m, true, 0, method, host, port, path,
			     ub + (unsigned long long)n + blen, db);
		if (!clean || !keep)
			break;
	}
	SSL_shutdown(cs);
out:
	SSL_free(cs);
	SSL_free(os);
	free(req);
	free(head);
	free(fwd);
	free(ahead);
	ERR_clear_error();
}

/* A short plain-HTTP answer on a credential service's client socket. */
static void answer_plain(int fd, int status, const char *reason,
			 const char *body)
{
	char msg[3000];
	int n = snprintf(msg, sizeof(msg),
			 "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
			 status, reason, strlen(body), body);

	if (n > 0 &&
	    send(fd, msg, n < (int)sizeof(msg) ? (size_t)n : sizeof(msg),
		 MSG_NOSIGNAL) < 0)
		return;
}

/*
 * The next request on a kept-alive credential connection: the head read
 * from the client (plain) into @buf (@cap bytes), once client_returns(),
 * with HEAD_MS for the rest.  Returns 1 with *@req and *@len, 0 when the
 * client left, or the status to answer (400, 408, 431).
 */
static int next_request(int cfd, char *buf, size_t cap, size_t *len,
			struct nono_http_request *req, const char **why)
{
	enum nono_http_status st = NONO_HTTP_INCOMPLETE;
	int wait = HEAD_MS;
	size_t n = 0;

	while (st == NONO_HTTP_INCOMPLETE) {
		struct pollfd p = {.fd = cfd, .events = POLLIN};
		ssize_t r;

		if (n == cap)
			return 431;
		if (poll(&p, 1, wait) <= 0)
			return n ? 408 : 0;
		r = recv(cfd, buf + n, cap - n, MSG_DONTWAIT);
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
			return 0;
		if (r < 0)
			continue;
		n += (size_t)r;
		st = nono_http_parse_origin(buf, n, req, why);
	}
	*len = n;
	if (st == NONO_HTTP_TOO_LARGE)
		return 431;
	return st == NONO_HTTP_OK ? 1 : 400;
}

/*
 * Checks a later request of a kept-alive connection as the proxy checks
 * the first (nono_cred_check(): @one holds the connection's service only)
 * and builds the head that goes upstream into @out.  Returns its length,
 * or -1 after answering the client (the connection then ends).
 */
static int check_next(struct nono_mitm *m, int cfd,
		      const struct nono_creds *one,
		      const struct nono_http_request *req, bool keep,
		      char *method, char *path, size_t pathcap, char *out,
		      size_t cap)
{
	const struct nono_cred_route *r = &one->r[0], *match;
	size_t ucap = req->target_len + 1024;
	char body[1200], *upath = malloc(ucap);
	int st, n = -1;

	snprintf(method, 16, "%.*s",
		 (int)(req->method_len < 15 ? req->method_len : 15),
		 req->method);
	snprintf(path, pathcap, "%.*s", (int)req->target_len, req->target);
	if (!upath) {
		answer_plain(cfd, 503, "Service Unavailable",
			     "out of memory\n");
		return -1;
	}
	st = nono_cred_check(one, req, &match, upath, ucap, body, sizeof(body));
	if (st == 0 || st == 403)
		snprintf(path, pathcap, "%s", upath);
	if (st) {
		answer_plain(cfd, st, nono_cred_reason(st), body);
		decide(m, false, st, method, r->host, r->port, path);
	} else if ((n = nono_cred_head(r, req, upath, keep, out, cap)) < 0) {
		answer_plain(cfd, 431, "Request Header Fields Too Large",
			     "request head too large\n");
		decide(m, false, 431, method, r->host, r->port, path);
	}
	free(upath);
	return n;
}

void nono_mitm_forward(struct nono_mitm *m, int cfd, int ofd,
		       const struct nono_cred_route *r, bool keep,
		       const char *method0, const char *path0,
		       const char *head0, size_t len0,
		       const struct nono_mitm_framing *fr)
{
	size_t cap = 2 * NONO_HTTP_MAX_HEAD + 4096 + r->value_len;
	char *in = malloc(NONO_HTTP_MAX_HEAD), *out = malloc(cap),
	     *ahead = malloc(NONO_HTTP_MAX_RESPONSE_HEAD);
	struct nono_http_request *req = calloc(1, sizeof(*req));
	/* The service this connection serves, for checking later requests
	 * (a shallow copy: @r owns the strings). */
	struct nono_creds *one = calloc(1, sizeof(*one));
	char method[16], path[600], body[600];
	const char *head = head0, *why;
	size_t len = len0;
	struct half framing = {0};
	SSL *os = NULL;

	snprintf(method, sizeof(method), "%s", method0);
	snprintf(path, sizeof(path), "%s", path0);
	timeouts(cfd, HANDSHAKE_S);
	timeouts(ofd, HANDSHAKE_S);
	if (!in || !out || !ahead || !req || !one) {
		answer_plain(cfd, 503, "Service Unavailable",
			     "out of memory\n");
		goto out;
	}
	why = tls_connect(m, ofd, r->host, &os);
	if (why) {
		snprintf(body, sizeof(body),
			 "nono: TLS to the credential upstream %s:%u failed: "
			 "%s; nothing was sent\n",
			 r->host, r->port, why);
		answer_plain(cfd, 502, "Bad Gateway", body);
		decide(m, true, 502, method, r->host, r->port, path);
		goto out;
	}
	/* The proxy keeps a connection only after a request without a body
	 * (see nono_mitm_serve); checked again here, on the head that goes
	 * up: the key never follows a body on the same connection. */
	if (nono_http_parse_origin(head0, len0, req, &why) != NONO_HTTP_OK ||
	    nono_http_has_body(req))
		keep = false;
	framing.limited = true;
	framing.chunked = fr->chunked;
	framing.done = fr->done;
	framing.budget = fr->budget;
	framing.ch = fr->ch;
	for (;;) {
		struct nono_http_answer ans;
		unsigned long long ub = 0, db = 0;
		size_t n, blen;
		bool clean;
		int k;

		timeouts(ofd, HANDSHAKE_S); /* relay() left it non-blocking */
		if (!ssl_write_all(os, head, len)) {
			answer_plain(cfd, 502, "Bad Gateway",
				     "nono: the upstream left\n");
			break;
		}
		nono_http_answer_init(&ans, ahead, strcmp(method, "HEAD") == 0);
		clean = relay(NULL, os, cfd, ofd, &framing, &ans, r, &ub, &db);
		decide_bytes(m, true, 0, method, r->host, r->port, path,
			     ub + (unsigned long long)len, db);
		if (head == out)
			explicit_bzero(out, len);
		if (!clean || !keep)
			break;
		/* The client's next request on the same connection. */
		if (!client_returns(cfd, ofd))
			break;
		k = next_request(cfd, in, NONO_HTTP_MAX_HEAD, &n, req, &why);
		if (k == 0)
			break;
		if (k != 1) {
			snprintf(body, sizeof(body), "bad request: %s\n",
				 why ? why : "malformed or too slow");
			answer_plain(cfd, k,
				     k == 431
					 ? "Request Header Fields Too Large"
				     : k == 408 ? "Request Timeout"
						: "Bad Request",
				     body);
			break;
		}
		keep = !nono_http_wants_close(req) && !nono_http_has_body(req);
		one->r[0] = *r;
		one->n = 1;
		k = check_next(m, cfd, one, req, keep, method, path,
			       sizeof(path), out, cap - NONO_HTTP_MAX_HEAD);
		if (k < 0)
			break;
		/* Then as much of a body as its framing says, no more. */
		if (!frame(req, in, n, &framing, &blen)) {
			answer_plain(cfd, 400, "Bad Request",
				     "bad request: malformed chunked body\n");
			break;
		}
		/* Bytes after this request (pipelined) are never sent on:
		 * the connection ends after it. */
		keep &= req->head_len + blen == n;
		memcpy(out + k, in + req->head_len, blen);
		head = out;
		len = (size_t)k + blen;
		decide(m, true, 200, method, r->host, r->port, path);
	}
out:
	if (out)
		explicit_bzero(out, cap);
	SSL_free(os);
	free(in);
	free(out);
	free(ahead);
	free(req);
	free(one); /* a shallow copy: nothing of its own to wipe */
	ERR_clear_error();
}
