// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: the messages between the proxy and nono-tls
 * (src/proxy/msg.c), as either side receives them, and the credential
 * route inside a credential request.  Whatever the bytes: a
 * decoder accepts or refuses without reading past them; what it accepts
 * encodes again to a message that decodes to the same fields; strings hold
 * no NUL and fit; ports are 1-65535.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/creds.h"
#include "proxy/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char again[NONO_MSG_MAX];
	const char *in = (const char *)data;
	struct nono_msg_tunnel t, t2;
	struct nono_msg_cred c, c2;
	struct nono_msg_decision d, d2;
	struct nono_cred_route r, r2;
	struct nono_msg_session m, m2;
	int type = nono_msg_type(in, size), n;

	if (nono_msg_tunnel_decode(in, size, &t) == 0) {
		if (type != NONO_MSG_TUNNEL || t.port == 0 || !t.host[0])
			abort();
		n = nono_msg_tunnel_encode(&t, again, sizeof(again));
		if (n < 0 || nono_msg_tunnel_decode(again, (size_t)n, &t2) ||
		    strcmp(t.host, t2.host) || t.port != t2.port)
			abort();
	}
	if (nono_msg_cred_decode(in, size, &c) == 0) {
		if (type != NONO_MSG_CRED || c.port == 0 || c.route < in ||
		    c.route + c.route_len > in + size || c.head < in ||
		    c.head + c.head_len > in + size)
			abort();
		n = nono_msg_cred_encode(&c, again, sizeof(again));
		if (n < 0 || nono_msg_cred_decode(again, (size_t)n, &c2) ||
		    strcmp(c.host, c2.host) || strcmp(c.path, c2.path) ||
		    strcmp(c.method, c2.method) || c.port != c2.port ||
		    c.budget != c2.budget || c.keep != c2.keep ||
		    c.ch.left != c2.ch.left || c.ch.state != c2.ch.state ||
		    c.route_len != c2.route_len || c.head_len != c2.head_len ||
		    memcmp(c.route, c2.route, c.route_len) ||
		    memcmp(c.head, c2.head, c.head_len))
			abort();
	}
	if (nono_msg_decision_decode(in, size, &d) == 0) {
		if (type != NONO_MSG_DECISION || d.port == 0 || d.status < 0 ||
		    d.status > 999)
			abort();
		n = nono_msg_decision_encode(&d, again, sizeof(again));
		if (n < 0 || nono_msg_decision_decode(again, (size_t)n, &d2) ||
		    strcmp(d.host, d2.host) || strcmp(d.path, d2.path) ||
		    d.up != d2.up || d.down != d2.down ||
		    d.allowed != d2.allowed || d.status != d2.status)
			abort();
	}
	if (nono_msg_route_decode(in, size, &r) == 0) {
		if (type != NONO_MSG_ROUTE || r.port == 0 || !r.name[0] ||
		    !r.header[0] || r.secret_len == 0 ||
		    r.secret_off + r.secret_len > r.value_len)
			abort();
		n = nono_msg_route_encode(&r, again, sizeof(again));
		if (n < 0 || nono_msg_route_decode(again, (size_t)n, &r2) ||
		    strcmp(r.name, r2.name) || strcmp(r.base, r2.base) ||
		    strcmp(r.host, r2.host) || r.port != r2.port ||
		    r.tls != r2.tls || r.value_len != r2.value_len ||
		    memcmp(r.value, r2.value, r.value_len) ||
		    r.nrules != r2.nrules)
			abort();
		for (size_t i = 0; i < r.nrules; i++)
			if (strcmp(r.rules[i].method, r2.rules[i].method) ||
			    strcmp(r.rules[i].path, r2.rules[i].path))
				abort();
		nono_creds_clear_route(&r2);
		nono_creds_clear_route(&r);
	}
	/* A session message: its type's fields only, in their bounds, and
	 * the same fields after a round trip. */
	if (nono_msg_session_decode(in, size, &m) == 0) {
		if (m.type != type || m.type < NONO_MSG_HELLO ||
		    m.type > NONO_MSG_ANSWER)
			abort();
		if ((m.type == NONO_MSG_HELLO || m.type == NONO_MSG_RESIZE) &&
		    (m.rows < 1 || m.rows > 10000 || m.cols < 1 ||
		     m.cols > 10000))
			abort();
		if (m.type == NONO_MSG_DATA &&
		    (m.len < 1 || m.len > NONO_MSG_DATA_MAX || m.data < in ||
		     m.data + m.len > in + size))
			abort();
		if (strlen(m.text) >= sizeof(m.text))
			abort();
		n = nono_msg_session_encode(&m, again, sizeof(again));
		if (n < 0 || nono_msg_session_decode(again, (size_t)n, &m2) ||
		    m.type != m2.type || m.read_only != m2.read_only ||
		    m.rows != m2.rows || m.cols != m2.cols ||
		    strcmp(m.text, m2.text) || m.status != m2.status ||
		    m.signo != m2.signo || m.len != m2.len ||
		    (m.len && memcmp(m.data, m2.data, m.len)))
			abort();
	}
	return 0;
}
