// SPDX-License-Identifier: Apache-2.0
/*
 * The one URL and authority splitter (util/url.c), fed arbitrary bytes.
 * Properties checked, not only crashes: an accepted input's host lies in
 * the input, is 1..NONO_HOST_MAX bytes of the allowed characters, its port
 * is 1-65535, its rest starts at '/', '?', '#' or the end; printed again
 * as scheme://[host]:port it parses to the same host and port; a refusal
 * always names its reason.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/url.h"

static void check_auth(const char *in, size_t n, const struct nono_authority *a)
{
	if (a->hostlen < 1 || a->hostlen > NONO_HOST_MAX || a->host < in ||
	    a->host + a->hostlen > in + n)
		abort();
	for (size_t i = 0; i < a->hostlen; i++) {
		unsigned char c = (unsigned char)a->host[i];

		if (a->ipv6 ? !(isxdigit(c) || c == ':' || c == '.')
			    : !(isalnum(c) || c == '-' || c == '.' || c == '_'))
			abort();
	}
	if (a->has_port && a->port == 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), again[NONO_HOST_MAX + 32];
	struct nono_authority a, b;
	struct nono_url u, v;
	const char *why = NULL;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	/* The authority form, on exactly the bytes given (NULs too). */
	if (nono_authority_parse(s, size, &a, &why) == 0) {
		check_auth(s, size, &a);
		snprintf(again, sizeof(again), "%s%.*s%s:%u", a.ipv6 ? "[" : "",
			 (int)a.hostlen, a.host, a.ipv6 ? "]" : "",
			 a.has_port ? a.port : 1);
		if (nono_authority_parse(again, strlen(again), &b, NULL) < 0 ||
		    b.hostlen != a.hostlen ||
		    memcmp(b.host, a.host, a.hostlen) != 0 ||
		    b.port != (a.has_port ? a.port : 1))
			abort();
	} else if (!why) {
		abort();
	}
	why = NULL;
	if (nono_url_parse(s, &u, &why) == 0) {
		size_t len = strlen(s);

		check_auth(s, len, &u.auth);
		if (u.userinfo || u.rest < s || u.rest > s + len ||
		    (*u.rest && !strchr("/?#", *u.rest)))
			abort();
		snprintf(again, sizeof(again), "http://%s%.*s%s:%u/x",
			 u.auth.ipv6 ? "[" : "", (int)u.auth.hostlen,
			 u.auth.host, u.auth.ipv6 ? "]" : "",
			 u.auth.has_port ? u.auth.port : 80);
		if (nono_url_parse(again, &v, NULL) < 0 ||
		    v.scheme != NONO_URL_HTTP ||
		    v.auth.hostlen != u.auth.hostlen ||
		    memcmp(v.auth.host, u.auth.host, u.auth.hostlen) != 0 ||
		    strcmp(v.rest, "/x") != 0)
			abort();
	} else if (!why) {
		abort();
	}
	free(s);
	return 0;
}
