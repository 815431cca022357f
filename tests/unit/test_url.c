// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of the one URL and authority splitter (util/url.c) that the
 * proxy's request targets, credential upstreams, --upstream-proxy and
 * `nono why --host` share.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "util/url.h"

static void test_authority(void **state)
{
	static const struct {
		const char *in;
		int ok;
		const char *host;
		bool ipv6;
		int port; /* 0: none */
	} cases[] = {
	    {"example.com", 1, "example.com", false, 0},
	    {"Example.COM:8443", 1, "Example.COM", false, 8443},
	    {"a_b-c.d:1", 1, "a_b-c.d", false, 1},
	    {"[::1]:8080", 1, "::1", true, 8080},
	    {"[::ffff:127.0.0.1]", 1, "::ffff:127.0.0.1", true, 0},
	    {"host:65535", 1, "host", false, 65535},
	    {"", 0, NULL, false, 0},
	    {":80", 0, NULL, false, 0},
	    {"host:", 0, NULL, false, 0},
	    {"host:0", 0, NULL, false, 0},
	    {"host:65536", 0, NULL, false, 0},
	    {"host:+80", 0, NULL, false, 0}, /* one port parser: no sign */
	    {"host: 80", 0, NULL, false, 0},
	    {"host:80x", 0, NULL, false, 0},
	    {"ho st", 0, NULL, false, 0},
	    {"host%2e", 0, NULL, false, 0},
	    {"[::1", 0, NULL, false, 0},
	    {"[::1]x", 0, NULL, false, 0},
	    {"[]:80", 0, NULL, false, 0},
	    {"[g::1]", 0, NULL, false, 0},
	    {"a@b", 0, NULL, false, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nono_authority a;
		const char *why = NULL;
		int r = nono_authority_parse(cases[i].in, strlen(cases[i].in),
					     &a, &why);

		if (!cases[i].ok) {
			assert_int_equal(r, -EINVAL);
			assert_non_null(why);
			continue;
		}
		assert_int_equal(r, 0);
		assert_int_equal(a.hostlen, strlen(cases[i].host));
		assert_memory_equal(a.host, cases[i].host, a.hostlen);
		assert_int_equal(a.ipv6, cases[i].ipv6);
		assert_int_equal(a.has_port, cases[i].port != 0);
		if (cases[i].port)
			assert_int_equal(a.port, cases[i].port);
	}
}

/* A 254-byte host name is too long; 253 is not. */
static void test_host_length(void **state)
{
	char h[300];
	struct nono_authority a;

	(void)state;
	memset(h, 'a', sizeof(h));
	assert_int_equal(nono_authority_parse(h, NONO_HOST_MAX, &a, NULL), 0);
	assert_int_equal(nono_authority_parse(h, NONO_HOST_MAX + 1, &a, NULL),
			 -EINVAL);
}

static void test_url(void **state)
{
	static const struct {
		const char *in;
		int ok;
		enum nono_url_scheme scheme;
		const char *host;
		int port;
		const char *rest;
	} cases[] = {
	    {"example.com", 1, NONO_URL_NONE, "example.com", 0, ""},
	    {"squid.corp:3128/", 1, NONO_URL_NONE, "squid.corp", 3128, "/"},
	    {"https://api.github.com/repos/x?y#z", 1, NONO_URL_HTTPS,
	     "api.github.com", 0, "/repos/x?y#z"},
	    {"HTTP://h:81?q", 1, NONO_URL_HTTP, "h", 81, "?q"},
	    {"http://[::1]:9/", 1, NONO_URL_HTTP, "::1", 9, "/"},
	    {"ftp://x/", 1, NONO_URL_OTHER, "x", 0, "/"},
	    /* "://" in the path is not a scheme's */
	    {"a/b://c", 1, NONO_URL_NONE, "a", 0, "/b://c"},
	    /* "http://allowed.com@evil.com/" is one host: refused */
	    {"http://allowed.com@evil.com/", 0, NONO_URL_HTTP, NULL, 0, NULL},
	    {"http://", 0, NONO_URL_HTTP, NULL, 0, NULL},
	    {"https://h:0/", 0, NONO_URL_HTTPS, NULL, 0, NULL},
	    {"https://h:99999", 0, NONO_URL_HTTPS, NULL, 0, NULL},
	    {"", 0, NONO_URL_NONE, NULL, 0, NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nono_url u;
		const char *why = NULL;
		int r = nono_url_parse(cases[i].in, &u, &why);

		assert_int_equal(u.scheme, cases[i].scheme);
		if (!cases[i].ok) {
			assert_int_equal(r, -EINVAL);
			assert_non_null(why);
			continue;
		}
		assert_int_equal(r, 0);
		assert_int_equal(u.auth.hostlen, strlen(cases[i].host));
		assert_memory_equal(u.auth.host, cases[i].host, u.auth.hostlen);
		assert_int_equal(u.auth.has_port, cases[i].port != 0);
		if (cases[i].port)
			assert_int_equal(u.auth.port, cases[i].port);
		assert_string_equal(u.rest, cases[i].rest);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_authority),
	    cmocka_unit_test(test_host_length),
	    cmocka_unit_test(test_url),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
