// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: a request a sandboxed client sends to a credential
 * service ("POST /svc/... HTTP/1.1"): route match, placeholder check,
 * upstream path and endpoint rules, and the head sent upstream.  Whatever
 * the bytes: the upstream path starts with the service's base and has no
 * dot segment; the head carries the service's header exactly once (with
 * the credential), one Host, and ends where a head ends.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proxy/creds.h"
#include "proxy/http.h"
#include "proxy/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t count(const char *hay, size_t n, const char *needle)
{
	size_t k = 0, nl = strlen(needle);

	for (size_t i = 0; i + nl <= n; i++)
		if (strncasecmp(hay + i, needle, nl) == 0)
			k++;
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nono_creds c;
	static char head[NONO_HTTP_MAX_HEAD + 4096], path[NONO_HTTP_MAX_HEAD];
	struct nono_http_request req;
	const struct nono_cred_route *r;
	const char *why;
	size_t rest;
	int n, hl;

	if (!c.n) {
		if (nono_creds_add_preset(&c, "openai", &why) < 0 ||
		    nono_creds_add_custom(&c, "svc", "http://127.0.0.1:9",
					  "env://X", "X-Key", "k={}", NULL,
					  &why) < 0 ||
		    nono_creds_add_rule(&c, "svc:GET:/a/*/b/**", &why) < 0 ||
		    nono_cred_arm(&c.r[0], "SECRET-ONE", 10) < 0 ||
		    nono_cred_arm(&c.r[1], "SECRET-TWO", 10) < 0)
			abort();
		/* what the helper gets is what was sent */
		{
			static char buf[8192];
			struct nono_cred_route x;
			int pl =
			    nono_msg_route_encode(&c.r[1], buf, sizeof(buf));

			if (pl < 0 ||
			    nono_msg_route_decode(buf, (size_t)pl, &x) ||
			    strcmp(x.name, "svc") ||
			    strcmp(x.value, c.r[1].value) ||
			    strcmp(x.bearer, c.r[1].bearer) || x.nrules != 1 ||
			    x.port != 9 || x.tls || x.secret_off != 2 ||
			    x.secret_len != 10)
				abort();
			nono_creds_clear_route(&x);
		}
	}
	/* An origin's answer, framed the same however it is split (the
	 * TLS helper sees it in arbitrary pieces). */
	if (size > 1) {
		static char h1[NONO_HTTP_MAX_RESPONSE_HEAD],
		    h2[NONO_HTTP_MAX_RESPONSE_HEAD];
		struct nono_http_answer a, b;
		size_t k = data[0] % size, u1 = 0, u2 = 0, u3 = 0;
		bool d1, d2 = false;

		nono_http_answer_init(&a, h1, data[0] & 1);
		nono_http_answer_init(&b, h2, data[0] & 1);
		d1 = nono_http_answer_feed(&a, (const char *)data + 1, size - 1,
					   &u1);
		if (k > 0)
			d2 = nono_http_answer_feed(&b, (const char *)data + 1,
						   k - 1, &u2);
		if (!d2 && k > 0)
			d2 = nono_http_answer_feed(&b, (const char *)data + k,
						   size - k, &u3);
		else if (!d2)
			d2 = nono_http_answer_feed(&b, (const char *)data + 1,
						   size - 1, &u3);
		if (u1 > size - 1 || d1 != d2 || (d1 && u1 != u2 + u3) ||
		    (d1 && a.status != b.status))
			abort();
	}
	/* An answer scrubbed of the key as it streams: the input (with the
	 * key planted where data[0] says) sent chunked, in chunks and reads
	 * whose sizes the input picks, through the answer's framing mask
	 * and the scrubber as the relays do.  The decoded body holds no key,
	 * only key bytes changed, and the framing is intact. */
	if (size > 2) {
		static char text[2048], wire[8192], out[8192], buf[8192];
		static unsigned char mask[8192];
		static char ahead[NONO_HTTP_MAX_RESPONSE_HEAD];
		const char *key = "SECRET-ONESECRET";
		size_t klen = strlen(key), m = size - 2, w = 0, sent = 0;
		size_t held = 0, at = 0, step = 1 + data[1] % 13, d = 0;
		struct nono_http_answer ans;
		struct nono_scrub sc;

		if (m > sizeof(text))
			m = sizeof(text);
		memcpy(text, data + 2, m);
		if (m >= klen)
			memcpy(text + data[0] % (m - klen + 1), key, klen);
		w = (size_t)snprintf(wire, sizeof(wire),
				     "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
				     "chunked\r\n\r\n");
		for (size_t i = 0, cs; i < m; i += cs) {
			cs = 1 + (unsigned char)text[i] % 9;
			if (cs > m - i)
				cs = m - i;
			w += (size_t)snprintf(wire + w, sizeof(wire) - w,
					      "%zx\r\n", cs);
			memcpy(wire + w, text + i, cs);
			w += cs;
			memcpy(wire + w, "\r\n", 2);
			w += 2;
		}
		memcpy(wire + w, "0\r\n\r\n", 5);
		w += 5;
		nono_http_answer_init(&ans, ahead, false);
		if (nono_scrub_init(&sc, key, klen) < 0)
			abort();
		while (at < w) {
			size_t take = w - at < step ? w - at : step, used = 0;
			bool done, fin;
			size_t ok;

			memcpy(buf + held, wire + at, take);
			ans.mask = mask;
			done = nono_http_answer_feed(&ans, buf + held, take,
						     &used);
			if (used != take)
				abort();
			fin = done || at + take == w;
			ok = nono_scrub_feed(&sc, buf, held, held + take, mask,
					     fin);
			memcpy(out + sent, buf, ok);
			sent += ok;
			held = held + take - ok;
			memmove(buf, buf + ok, held);
			at += take;
			if (held >= sizeof(buf) / 2)
				abort();
		}
		nono_scrub_free(&sc);
		if (sent != w)
			abort();
		/* decode what went out: same framing, no key in the text */
		{
			size_t hlen =
				   (size_t)(strstr(out, "\r\n\r\n") - out) + 4,
			       j = hlen;

			if (memcmp(out, wire, hlen) != 0)
				abort();
			while (j < w) {
				size_t cs = strtoul(out + j, NULL, 16);

				j = (size_t)(strstr(out + j, "\r\n") - out) + 2;
				if (cs == 0)
					break;
				memcpy(text + d, out + j, cs);
				for (size_t k = 0; k < cs; k++)
					if (out[j + k] != wire[j + k] &&
					    out[j + k] != '*')
						abort();
				d += cs;
				j += cs + 2;
			}
			if (d != m || memmem(text, d, key, klen))
				abort();
		}
	}
	/* A route from the supervisor: malformed bytes are refused. */
	{
		struct nono_cred_route x;

		if (nono_msg_route_decode((const char *)data, size, &x) == 0)
			nono_creds_clear_route(&x);
	}
	if (nono_http_parse_origin((const char *)data, size, &req, &why) !=
	    NONO_HTTP_OK)
		return 0;
	r = nono_creds_match(&c, req.target, req.target_len, &rest);
	if (!r)
		return 0;
	if (rest > req.target_len)
		abort();
	(void)nono_cred_placeholder_ok(r, &req);
	n = nono_cred_upstream_path(r, req.target + rest, req.target_len - rest,
				    path, sizeof(path));
	if (n < 0)
		return 0;
	{
		/* the path part; the query is not a path */
		char p2[sizeof(path)];

		snprintf(p2, sizeof(p2), "%.*s", (int)strcspn(path, "?"), path);
		if (strncmp(p2, r->base, strlen(r->base)) != 0 ||
		    p2[0] != '/' || strstr(p2, "/../") || strstr(p2, "/./"))
			abort();
	}
	(void)nono_cred_endpoint_ok(r, req.method, req.method_len, path);
	hl = nono_cred_head(r, &req, path, size & 1, head, sizeof(head));
	if (hl < 0)
		return 0;
	/* A request with a body is the connection's last, whatever @keep
	 * said: the next head (with the key) never follows a body. */
	if (nono_http_has_body(&req) &&
	    (hl < 23 ||
	     memcmp(head + hl - 23, "\r\nConnection: close\r\n\r\n", 23) != 0))
		abort();
	if (count(head, (size_t)hl, r->value) < 1 ||
	    count(head, (size_t)hl, "\r\nHost:") != 1 ||
	    memcmp(head + hl - 4, "\r\n\r\n", 4) != 0 ||
	    memchr(head, '\0', (size_t)hl))
		abort();
	{
		char field[80];

		snprintf(field, sizeof(field), "\r\n%s:", r->header);
		if (count(head, (size_t)hl, field) != 1)
			abort();
	}
	return 0;
}
