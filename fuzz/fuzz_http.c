// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: the request head a sandboxed client sends to the
 * proxy, then the allowlist decision on the host (and path) it names.  A
 * head is either refused, incomplete, or parsed into fields that lie
 * inside it; a denied or metadata host never comes out allowed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/hosts.h"
#include "proxy/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nono_allowlist *a;
	struct nono_http_request req;
	const char *buf = (const char *)data, *why;
	enum nono_http_status st;

	if (!a) {
		a = nono_allowlist_new();
		if (!a || nono_allowlist_add(a, "allowed.example", &why) < 0 ||
		    nono_allowlist_add(a, "*.wild.example", &why) < 0 ||
		    nono_allowlist_add(a, "https://paths.example/a/*/b/**",
				       &why) < 0)
			abort();
	}
	/* The chunked-body scanner gives the same end however the bytes are
	 * split (a relay sees them in arbitrary pieces). */
	if (size > 1) {
		struct nono_chunked w = {0}, s1 = {0};
		size_t uw = 0, u1 = 0, u2 = 0, k = data[0] % size;
		enum nono_chunked_result rw, r1, r2 = NONO_CHUNKED_MORE;

		rw = nono_chunked_scan(&w, buf + 1, size - 1, &uw);
		r1 = nono_chunked_scan(&s1, buf + 1, k, &u1);
		if (uw > size - 1 || u1 > k)
			abort();
		if (r1 == NONO_CHUNKED_MORE)
			r2 = nono_chunked_scan(&s1, buf + 1 + k, size - 1 - k,
					       &u2);
		if (rw == NONO_CHUNKED_DONE &&
		    !((r1 == NONO_CHUNKED_DONE && u1 == uw) ||
		      (r2 == NONO_CHUNKED_DONE && u1 + u2 == uw)))
			abort();
		if (rw != NONO_CHUNKED_BAD &&
		    (r1 == NONO_CHUNKED_BAD || r2 == NONO_CHUNKED_BAD))
			abort();
	}
	/* Inside an intercepted tunnel (nono-tls): a path target only, its
	 * fields as bounded as the proxy's. */
	st = nono_http_parse_origin(buf, size, &req, &why);
	if (st == NONO_HTTP_INCOMPLETE && size >= NONO_HTTP_MAX_HEAD)
		abort();
	if (st == NONO_HTTP_OK &&
	    (req.connect || req.target_len == 0 || req.target[0] != '/' ||
	     req.head_len > size || req.nfields > NONO_HTTP_MAX_FIELDS ||
	     memchr(req.target, ' ', req.target_len)))
		abort();
	st = nono_http_parse(buf, size, &req, &why);
	if (st == NONO_HTTP_INCOMPLETE && size >= NONO_HTTP_MAX_HEAD)
		abort();
	if (st != NONO_HTTP_OK)
		return 0;
	/* The proxy's own credentials, decoded from what the client sent:
	 * only the session's token passes. */
	if (nono_http_proxy_auth_ok(
		nono_http_field(&req, "Proxy-Authorization"), "tok3n") &&
	    !memmem(buf, req.head_len, "bm9ubzp0b2szbg", 14))
		abort();
	if (req.head_len > size || req.nfields > NONO_HTTP_MAX_FIELDS ||
	    req.port == 0 || strlen(req.host) == 0)
		abort();
	for (size_t i = 0; i < req.nfields; i++) {
		const struct nono_http_field *f = &req.fields[i];

		if (f->name < buf || f->value < buf ||
		    f->name + f->name_len > buf + req.head_len ||
		    f->value + f->value_len > buf + req.head_len ||
		    memchr(f->value, '\r', f->value_len) ||
		    memchr(f->value, '\n', f->value_len))
			abort();
	}
	{
		char path[4097] = "";
		char h[sizeof(req.host)];
		size_t hl;
		bool paths;
		enum nono_host_verdict v;

		if (!req.connect) {
			size_t n = req.target_len - req.path_off;

			if (n > 4096)
				n = 4096;
			memcpy(path, req.target + req.path_off, n);
			path[n] = '\0';
		}
		v = nono_allowlist_check(a, req.host, req.connect ? NULL : path,
					 &paths);
		/* DNS names may end in the root's dot: "a.example." is
		 * "a.example". */
		memcpy(h, req.host, sizeof(h));
		hl = strlen(h);
		if (hl && h[hl - 1] == '.')
			h[--hl] = '\0';
		if (v == NONO_HOST_ALLOWED &&
		    strcmp(h, "allowed.example") != 0 &&
		    strcmp(h, "paths.example") != 0 &&
		    (hl <= 13 || strcmp(h + hl - 13, ".wild.example") != 0))
			abort(); /* a host that is not listed got through */
	}
	return 0;
}
