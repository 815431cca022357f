/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The messages between the proxy (in nono's supervisor) and the TLS helper
 * (nono-tls): one typed, length-checked codec instead of text lines read
 * with sscanf.  A message is
 *
 *     "NM" version(1) type(1) count(2, LE)
 *     count x { tag(2, LE) length(4, LE) bytes }
 *
 * with every field at most once, nothing after the last, strings without
 * NUL and within their bounds, integers 8 bytes (LE) within theirs.  The
 * descriptors that travel with a message (SCM_RIGHTS) are sent and
 * received in one place, in exact number.  The decoders trust nothing:
 * they are fuzzed (fuzz/fuzz_msg.c).
 */
#ifndef NONO_PROXY_MSG_H
#define NONO_PROXY_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proxy/http.h"

struct nono_cred_route;

enum nono_msg_type {
	NONO_MSG_TUNNEL = 1,   /* proxy -> helper: intercept this tunnel */
	NONO_MSG_CRED = 2,     /* proxy -> helper: a credential request */
	NONO_MSG_DECISION = 3, /* helper -> proxy: what it allowed, refused */
	NONO_MSG_ROUTE = 4,    /* a credential service (inside NONO_MSG_CRED) */
	/* A session's attach socket (session/relay.c, session/client.c). */
	NONO_MSG_HELLO = 5,   /* client -> supervisor: who attaches, how */
	NONO_MSG_WELCOME = 6, /* supervisor -> client: attached */
	NONO_MSG_REFUSED = 7, /* supervisor -> client: not attached, why */
	NONO_MSG_DATA = 8,    /* terminal bytes, either way */
	NONO_MSG_RESIZE = 9,  /* client -> supervisor: the window's size */
	NONO_MSG_DETACH = 10, /* either way: the client goes (reason) */
	NONO_MSG_EXIT = 11,   /* supervisor -> client: the command ended */
	NONO_MSG_PROMPT = 12, /* supervisor -> client: a question (text) */
	NONO_MSG_ANSWER = 13, /* client -> supervisor: its answer (text) */
};

/* The largest message (a credential request: route, head and body start). */
#define NONO_MSG_MAX (4 * NONO_HTTP_MAX_HEAD + 32768)

/* An intercepted tunnel, with two descriptors: client, origin. */
struct nono_msg_tunnel {
	char host[NONO_HTTP_MAX_HOST + 1];
	uint16_t port;
};

/* A credential request, with two descriptors: client, upstream.  @route
 * (a NONO_MSG_ROUTE message) and @head (the upstream head and the body's
 * start, holding the credential) point into the message's buffer. */
struct nono_msg_cred {
	char host[NONO_HTTP_MAX_HOST + 1];
	uint16_t port;
	char method[16];
	char path[600];
	bool chunked, done, keep;
	unsigned long long budget;
	struct nono_chunked ch;
	const char *route, *head;
	size_t route_len, head_len;
};

/* One decision of the helper, for the proxy's records. */
struct nono_msg_decision {
	bool allowed;
	int status;
	char method[16];
	char host[NONO_HTTP_MAX_HOST + 1];
	uint16_t port;
	char path[600]; /* "" when none */
	unsigned long long up, down;
};

/* The terminal bytes of one NONO_MSG_DATA message, at most. */
#define NONO_MSG_DATA_MAX 32768

/* A session message: each type uses the fields its comment names. */
struct nono_msg_session {
	int type;         /* NONO_MSG_HELLO .. NONO_MSG_EXIT */
	bool read_only;   /* HELLO: an observer (else the controlling one) */
	unsigned rows;    /* HELLO, RESIZE: 1..10000 */
	unsigned cols;    /* HELLO, RESIZE: 1..10000 */
	char text[256];   /* WELCOME: the session's name; REFUSED, DETACH:
			   * the reason ("" allowed for DETACH) */
	int status;       /* EXIT: 0..255 */
	int signo;        /* EXIT: 0, or the signal that ended it (1..64) */
	const char *data; /* DATA: points into the message */
	size_t len;       /* DATA: 1..NONO_MSG_DATA_MAX */
};

/* Encoders: the message's length in @buf (@cap bytes), or -1 when it does
 * not fit or a field is out of its bounds. */
int nono_msg_tunnel_encode(const struct nono_msg_tunnel *t, char *buf,
			   size_t cap);
int nono_msg_cred_encode(const struct nono_msg_cred *c, char *buf, size_t cap);
int nono_msg_decision_encode(const struct nono_msg_decision *d, char *buf,
			     size_t cap);
/* A credential service as the TLS helper needs it to check and forward the
 * later requests of a kept-alive connection (name, base, header, key
 * variable, upstream, the placeholder's forms, the credential, the
 * endpoint rules).  The output holds the credential: wipe it. */
int nono_msg_route_encode(const struct nono_cred_route *r, char *buf,
			  size_t cap);

int nono_msg_session_encode(const struct nono_msg_session *m, char *buf,
			    size_t cap);

/* The type of the @len bytes at @buf, or -EINVAL when they are no
 * message (bad header or fields).  Decoders: 0, or -EINVAL for anything
 * malformed, missing or out of bounds (the struct is then undefined). */
int nono_msg_type(const char *buf, size_t len);
int nono_msg_tunnel_decode(const char *buf, size_t len,
			   struct nono_msg_tunnel *t);
int nono_msg_cred_decode(const char *buf, size_t len, struct nono_msg_cred *c);
int nono_msg_decision_decode(const char *buf, size_t len,
			     struct nono_msg_decision *d);
/* Fills @r (its strings and rules allocated; free with
 * nono_creds_clear_route); on -EINVAL @r holds nothing. */
int nono_msg_route_decode(const char *buf, size_t len,
			  struct nono_cred_route *r);
/* A session message of any of its types (m->data points into @buf). */
int nono_msg_session_decode(const char *buf, size_t len,
			    struct nono_msg_session *m);

/* One message and exactly @nfds descriptors (at most 2) on a datagram or
 * seqpacket socket.  send: 0 or -errno.  recv: the length, 0 when the peer
 * is gone, or -errno (-EBADMSG when truncated or with another number of
 * descriptors; any received are closed then).  @flags: MSG_DONTWAIT. */
int nono_msg_send(int sock, const char *buf, size_t len, const int *fds,
		  size_t nfds, int flags);
ssize_t nono_msg_recv(int sock, char *buf, size_t cap, int *fds, size_t nfds,
		      int flags);

#endif
