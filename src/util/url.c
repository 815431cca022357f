// SPDX-License-Identifier: Apache-2.0
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "util/port.h"
#include "util/url.h"

static int fail(const char **why, const char *msg)
{
	if (why)
		*why = msg;
	return -EINVAL;
}

int nono_authority_parse(const char *s, size_t n, struct nono_authority *a,
			 const char **why)
{
	const char *colon = NULL;

	memset(a, 0, sizeof(*a));
	if (n == 0)
		return fail(why, "no host");
	if (s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (!close)
			return fail(why, "an IPv6 address without its ']'");
		a->host = s + 1;
		a->hostlen = (size_t)(close - a->host);
		a->ipv6 = true;
		if (close + 1 < s + n) {
			if (close[1] != ':')
				return fail(why, "text after the IPv6 address");
			colon = close + 1;
		}
		for (size_t i = 0; i < a->hostlen; i++)
			if (!isxdigit((unsigned char)a->host[i]) &&
			    a->host[i] != ':' && a->host[i] != '.')
				return fail(why, "not an IPv6 address");
	} else {
		colon = memchr(s, ':', n);
		a->host = s;
		a->hostlen = colon ? (size_t)(colon - s) : n;
		for (size_t i = 0; i < a->hostlen; i++)
			if (!isalnum((unsigned char)s[i]) && s[i] != '-' &&
			    s[i] != '.' && s[i] != '_')
				return fail(why, "not a host name");
	}
	if (a->hostlen == 0)
		return fail(why, "no host");
	if (a->hostlen > NONO_HOST_MAX)
		return fail(why, "the host name is too long");
	if (colon) {
		if (nono_port_parse(colon + 1, (size_t)(s + n - colon - 1),
				    &a->port) < 0)
			return fail(why, "not a port (1-65535) after ':'");
		a->has_port = true;
	}
	return 0;
}

int nono_url_parse(const char *s, struct nono_url *u, const char **why)
{
	const char *sep, *auth = s;
	size_t alen;

	memset(u, 0, sizeof(*u));
	sep = strstr(s, "://");
	/* A "://" after the authority's end is not a scheme's. */
	if (sep && (size_t)(sep - s) <= strcspn(s, "/?#")) {
		size_t sl = (size_t)(sep - s);

		if (sl == 4 && strncasecmp(s, "http", 4) == 0)
			u->scheme = NONO_URL_HTTP;
		else if (sl == 5 && strncasecmp(s, "https", 5) == 0)
			u->scheme = NONO_URL_HTTPS;
		else
			u->scheme = NONO_URL_OTHER;
		auth = sep + 3;
	}
	alen = strcspn(auth, "/?#");
	u->rest = auth + alen;
	if (memchr(auth, '@', alen)) {
		u->userinfo = true;
		return fail(why, "user information in the URL is refused");
	}
	return nono_authority_parse(auth, alen, &u->auth, why);
}
