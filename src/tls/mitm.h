/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One intercepted tunnel: TLS with the client under a leaf certificate of
 * the session CA, the request's path checked against the allowlist's path
 * rules, then a verified TLS connection to the origin for that one request.
 */
#ifndef NONO_TLS_MITM_H
#define NONO_TLS_MITM_H

#include <stdbool.h>
#include <stdint.h>

#include "proxy/creds.h"
#include "proxy/http.h"

#include "proxy/hosts.h"
#include "proxy/msg.h"
#include "tls/ca.h"

struct nono_mitm;

/* @report gets every decision (sent on to the proxy's records). */
struct nono_mitm *
nono_mitm_new(struct nono_ca *ca, const struct nono_allowlist *allow,
	      void (*report)(void *arg, const struct nono_msg_decision *d),
	      void *arg);

/* Serves the tunnel on @cfd (client) and @ofd (origin, connected) for
 * @host:@port until it is done; the caller closes both. */
void nono_mitm_serve(struct nono_mitm *m, int cfd, int ofd, const char *host,
		     uint16_t port);

/* A credential request's body framing, as the proxy left it. */
struct nono_mitm_framing {
	bool chunked, done;
	unsigned long long budget;
	struct nono_chunked ch;
};

/*
 * A connection to a credential service over https:// (see
 * src/proxy/creds.h): @cfd is the client, speaking plain HTTP to the
 * proxy; @ofd is connected to the route's upstream.  Sends @head0 (@len0
 * bytes: the rewritten head of the request the proxy checked, the real
 * credential in it, and the body bytes that came with it) over a verified
 * TLS connection, relays the rest of the body as @fr says and the answer
 * back as it comes (streamed).  With @keep, once the answer has ended the
 * client may send further requests on the connection: each is checked
 * against @r as the proxy checks the first, and goes up the same TLS
 * connection.  A request with a body (@head0's, checked again here, or a
 * later one's) is the connection's last: no head with the key follows a
 * body the upstream may have read otherwise.  The caller wipes @head0 and
 * closes both sockets.
 */
void nono_mitm_forward(struct nono_mitm *m, int cfd, int ofd,
		       const struct nono_cred_route *r, bool keep,
		       const char *method0, const char *path0,
		       const char *head0, size_t len0,
		       const struct nono_mitm_framing *fr);

#endif
