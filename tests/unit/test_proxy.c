// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of the proxy's request-head parser and host allowlist:
 * CONNECT and absolute-form targets, every refusal (431, folding, bare CR,
 * smuggling, bad ports, userinfo), proxy authentication, host and path
 * rules, network profiles, and the metadata and link-local refusals.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "proxy/hosts.h"
#include "proxy/http.h"

static enum nono_http_status parse(const char *s, struct nono_http_request *req,
				   const char **why)
{
	return nono_http_parse(s, strlen(s), req, why);
}

static void test_connect_and_absolute(void **state)
{
	struct nono_http_request req;
	const char *why;

	(void)state;
	assert_int_equal(
	    parse("CONNECT api.Example.com:443 HTTP/1.1\r\n"
		  "Host: api.example.com:443\r\n"
		  "Proxy-Authorization: Basic bm9ubzp0b2s=\r\n\r\n",
		  &req, &why),
	    NONO_HTTP_OK);
	assert_true(req.connect);
	assert_string_equal(req.host, "api.example.com");
	assert_int_equal(req.port, 443);
	assert_int_equal(req.nfields, 2);
	/* "nono:tok" */
	assert_true(nono_http_proxy_auth_ok(
	    nono_http_field(&req, "proxy-authorization"), "tok"));
	assert_false(nono_http_proxy_auth_ok(
	    nono_http_field(&req, "proxy-authorization"), "tok2"));
	assert_false(nono_http_proxy_auth_ok(
	    nono_http_field(&req, "proxy-authorization"), "to"));
	assert_false(nono_http_proxy_auth_ok(NULL, "tok"));
	/* one spelling only: stray low bits, or bytes after the padding */
	{
		static const char *const odd[] = {"Basic bm9ubzp0b2t=",
						  "Basic bm9ubzp0b2s=x"};
		struct nono_http_field f = {.name = "Proxy-Authorization",
					    .name_len = 19};

		for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
			f.value = odd[i];
			f.value_len = strlen(odd[i]);
			assert_false(nono_http_proxy_auth_ok(&f, "tok"));
		}
		f.value = "Basic bm9ubzp0b2s"; /* unpadded is fine */
		f.value_len = strlen(f.value);
		assert_true(nono_http_proxy_auth_ok(&f, "tok"));
	}

	assert_int_equal(parse("GET http://h.example:8080/a/b?c=1 HTTP/1.0\r\n"
			       "\r\n",
			       &req, &why),
			 NONO_HTTP_OK);
	assert_false(req.connect);
	assert_string_equal(req.host, "h.example");
	assert_int_equal(req.port, 8080);
	assert_int_equal(req.minor, 0);
	assert_memory_equal(req.target + req.path_off, "/a/b?c=1", 8);

	assert_int_equal(
	    parse("CONNECT [::1]:8443 HTTP/1.1\r\n\r\n", &req, &why),
	    NONO_HTTP_OK);
	assert_string_equal(req.host, "::1");
	/* Not complete yet: asks for more. */
	assert_int_equal(
	    parse("CONNECT a.com:443 HTTP/1.1\r\nHost: a", &req, &why),
	    NONO_HTTP_INCOMPLETE);
}

static void expect_bad(const char *s, enum nono_http_status want,
		       const char *msg)
{
	struct nono_http_request req;
	const char *why = NULL;
	enum nono_http_status st = parse(s, &req, &why);

	if (st != want)
		fail_msg("parse(%.50s) = %d, want %d", s, st, want);
	if (msg && (!why || !strstr(why, msg)))
		fail_msg("parse(%.50s): \"%s\", want \"%s\"", s,
			 why ? why : "(none)", msg);
}

static void test_refusals(void **state)
{
	char *big;

	(void)state;
	expect_bad("CONNECT a.com:https HTTP/1.1\r\n\r\n", NONO_HTTP_BAD,
		   "numeric port");
	expect_bad("CONNECT a.com HTTP/1.1\r\n\r\n", NONO_HTTP_BAD,
		   "numeric port");
	expect_bad("CONNECT a.com:70000 HTTP/1.1\r\n\r\n", NONO_HTTP_BAD,
		   "numeric port");
	expect_bad("CONNECT a.com:0 HTTP/1.1\r\n\r\n", NONO_HTTP_BAD,
		   "numeric port");
	expect_bad("GET /relative HTTP/1.1\r\n\r\n", NONO_HTTP_BAD, "http://");
	expect_bad("GET http://ok.com@evil.com/ HTTP/1.1\r\n\r\n",
		   NONO_HTTP_BAD, "credentials");
	expect_bad("GET http://a.com/ HTTP/2.0\r\n\r\n", NONO_HTTP_BAD,
		   "HTTP/1.0");
	expect_bad("GET http://a.com/ HTTP/1.1\r\nX: a\r\n b\r\n\r\n",
		   NONO_HTTP_BAD, "folded");
	expect_bad("GET http://a.com/ HTTP/1.1\r\nX: a\rb\r\n\r\n",
		   NONO_HTTP_BAD, "bare CR");
	expect_bad("GET http://a.com/ HTTP/1.1\r\nX: a\nY: b\r\n\r\n",
		   NONO_HTTP_BAD, "bare LF");
	expect_bad("GET http://a.com/ HTTP/1.1\r\nBad Name: a\r\n\r\n",
		   NONO_HTTP_BAD, "field name");
	/* a tab in the target (it would reach nono-tls's hand-off line) */
	expect_bad("GET http://a.com/x\t0\t1 HTTP/1.1\r\n\r\n", NONO_HTTP_BAD,
		   "target");
	expect_bad("GET http://a.com/x\177 HTTP/1.1\r\n\r\n", NONO_HTTP_BAD,
		   "byte");
	/* two Transfer-Encoding fields: an origin would read both */
	expect_bad("POST http://a.com/ HTTP/1.1\r\nTransfer-Encoding: "
		   "chunked\r\nTransfer-Encoding: gzip\r\n\r\n",
		   NONO_HTTP_BAD, "Transfer-Encoding");
	expect_bad("GET http://a.com/ HTTP/1.1\r\nX: a\001b\r\n\r\n",
		   NONO_HTTP_BAD, "control byte");
	expect_bad("POST http://a.com/ HTTP/1.1\r\nContent-Length: 5\r\n"
		   "Transfer-Encoding: chunked\r\n\r\n",
		   NONO_HTTP_BAD, "Content-Length with Transfer-Encoding");
	expect_bad("POST http://a.com/ HTTP/1.1\r\nContent-Length: 5\r\n"
		   "Content-Length: 6\r\n\r\n",
		   NONO_HTTP_BAD, "conflicting");
	expect_bad("POST http://a.com/ HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
		   NONO_HTTP_BAD, "bad Content-Length");
	expect_bad("POST http://a.com/ HTTP/1.1\r\nTransfer-Encoding: gzip\r\n"
		   "\r\n",
		   NONO_HTTP_BAD, "chunked");
	/* Control: the same Content-Length twice is fine. */
	expect_bad("POST http://a.com/ HTTP/1.1\r\nContent-Length: 5\r\n"
		   "Content-Length: 5\r\n\r\n",
		   NONO_HTTP_OK, NULL);
	/* 431: a head past 16 KiB, complete or not. */
	big = malloc(NONO_HTTP_MAX_HEAD + 64);
	assert_non_null(big);
	strcpy(big, "GET http://a.com/ HTTP/1.1\r\nX: ");
	memset(big + strlen(big), 'a', NONO_HTTP_MAX_HEAD);
	big[NONO_HTTP_MAX_HEAD] = '\0';
	expect_bad(big, NONO_HTTP_TOO_LARGE, NULL);
	free(big);
	{
		char many[8192] = "GET http://a.com/ HTTP/1.1\r\n";

		for (int i = 0; i <= NONO_HTTP_MAX_FIELDS; i++)
			strcat(many, "X: y\r\n");
		strcat(many, "\r\n");
		expect_bad(many, NONO_HTTP_TOO_LARGE, "too many");
	}
}

static void test_allowlist(void **state)
{
	struct nono_allowlist *a = nono_allowlist_new();
	const char *why = NULL;
	bool paths;

	(void)state;
	assert_non_null(a);
	assert_int_equal(nono_allowlist_add(a, "API.example.com.", &why), 0);
	assert_int_equal(nono_allowlist_add(a, "*.cdn.example.net", &why), 0);
	assert_int_equal(nono_allowlist_add(
			     a, "https://code.example.org/org/*/raw/**", &why),
			 0);
	assert_int_equal(nono_allowlist_check(a, "api.example.com", NULL, NULL),
			 NONO_HOST_ALLOWED);
	assert_int_equal(
	    nono_allowlist_check(a, "API.EXAMPLE.COM.", NULL, NULL),
	    NONO_HOST_ALLOWED);
	assert_int_equal(
	    nono_allowlist_check(a, "x.api.example.com", NULL, NULL),
	    NONO_HOST_NOT_LISTED);
	assert_int_equal(
	    nono_allowlist_check(a, "a.cdn.example.net", NULL, NULL),
	    NONO_HOST_ALLOWED);
	assert_int_equal(
	    nono_allowlist_check(a, "a.b.cdn.example.net", NULL, NULL),
	    NONO_HOST_ALLOWED);
	/* The wildcard covers subdomains, not the bare suffix nor lookalikes.
	 */
	assert_int_equal(nono_allowlist_check(a, "cdn.example.net", NULL, NULL),
			 NONO_HOST_NOT_LISTED);
	assert_int_equal(
	    nono_allowlist_check(a, "evilcdn.example.net", NULL, NULL),
	    NONO_HOST_NOT_LISTED);
	/* Path rules: "*" one segment, "**" any; query strings ignored. */
	assert_int_equal(nono_allowlist_check(a, "code.example.org",
					      "/org/repo/raw/a/b.txt?x=1",
					      &paths),
			 NONO_HOST_ALLOWED);
	assert_true(paths);
	/* ... but not through dot segments or encoded separators, which the
	 * origin would resolve to a path outside the rule */
	assert_int_equal(nono_allowlist_check(a, "code.example.org",
					      "/org/repo/raw/../../../admin",
					      NULL),
			 NONO_HOST_NOT_LISTED);
	assert_int_equal(nono_allowlist_check(a, "code.example.org",
					      "/org/repo/raw/%2e%2e/x", NULL),
			 NONO_HOST_NOT_LISTED);
	assert_int_equal(nono_allowlist_check(a, "code.example.org",
					      "/org/repo/raw/a%2fb", NULL),
			 NONO_HOST_NOT_LISTED);
	/* Path parameters on a dot segment ("/..;/", which Tomcat reads as
	 * ".."), and any fragment (never part of a request): issue 10. */
	assert_int_equal(nono_allowlist_check(a, "code.example.org",
					      "/org/repo/raw/..;/..;/admin",
					      NULL),
			 NONO_HOST_NOT_LISTED);
	assert_int_equal(nono_allowlist_check(a, "code.example.org",
					      "/org/repo/raw/.;x/a", NULL),
			 NONO_HOST_NOT_LISTED);
	assert_int_equal(nono_allowlist_check(a, "code.example.org",
					      "/org/repo/raw/a#/../../admin",
					      NULL),
			 NONO_HOST_NOT_LISTED);
	assert_int_equal(nono_allowlist_check(a, "code.example.org",
					      "/org/repo/raw/a?q=1#x", NULL),
			 NONO_HOST_NOT_LISTED);
	/* Controls: a ";" elsewhere in a segment, and dots in the query,
	 * are the origin's business. */
	assert_int_equal(nono_allowlist_check(a, "code.example.org",
					      "/org/repo/raw/a;v=1", NULL),
			 NONO_HOST_ALLOWED);
	assert_int_equal(nono_allowlist_check(a, "code.example.org",
					      "/org/repo/raw/a?p=/../x", NULL),
			 NONO_HOST_ALLOWED);
	assert_int_equal(
	    nono_allowlist_check(a, "code.example.org", "/org/a/b/raw/x", NULL),
	    NONO_HOST_NOT_LISTED);
	assert_int_equal(
	    nono_allowlist_check(a, "code.example.org", "/other", NULL),
	    NONO_HOST_NOT_LISTED);
	/* An opaque tunnel to a host with path rules cannot be checked. */
	assert_int_equal(
	    nono_allowlist_check(a, "code.example.org", NULL, &paths),
	    NONO_HOST_NOT_LISTED);
	assert_true(paths);
	/* Bad entries. */
	assert_int_equal(nono_allowlist_add(a, "http://x.com/a", &why),
			 -EINVAL);
	assert_int_equal(nono_allowlist_add(a, "a*.com", &why), -EINVAL);
	assert_int_equal(nono_allowlist_add(a, "bad host", &why), -EINVAL);
	assert_int_equal(nono_allowlist_add(a, "a..b", &why), -EINVAL);
	nono_allowlist_free(a);
}

/* Issue 10: an allowed name reaches ports 443 and 80 only, unless a rule
 * names the port. */
static void test_allowlist_ports(void **state)
{
	struct nono_allowlist *a = nono_allowlist_new();
	const char *why = NULL;
	char buf[128];

	(void)state;
	assert_non_null(a);
	assert_int_equal(nono_allowlist_add(a, "api.example.com", &why), 0);
	assert_int_equal(nono_allowlist_add(a, "db.example.com:5432", &why), 0);
	assert_int_equal(nono_allowlist_add(a, "*.svc.example:8443", &why), 0);
	assert_int_equal(
	    nono_allowlist_add(a, "https://git.example.org:8443/o/**", &why),
	    0);
	assert_true(nono_allowlist_port_ok(a, "api.example.com", 443));
	assert_true(nono_allowlist_port_ok(a, "API.example.com.", 80));
	assert_false(nono_allowlist_port_ok(a, "api.example.com", 22));
	assert_false(nono_allowlist_port_ok(a, "api.example.com", 6379));
	assert_true(nono_allowlist_port_ok(a, "db.example.com", 5432));
	assert_false(nono_allowlist_port_ok(a, "db.example.com", 443));
	assert_int_equal(nono_allowlist_check(a, "db.example.com", NULL, NULL),
			 NONO_HOST_ALLOWED);
	assert_true(nono_allowlist_port_ok(a, "a.svc.example", 8443));
	assert_false(nono_allowlist_port_ok(a, "a.svc.example", 443));
	assert_true(nono_allowlist_port_ok(a, "git.example.org", 8443));
	assert_false(nono_allowlist_port_ok(a, "other.example.com", 443));
	assert_string_equal(nono_allowlist_entry(a, 1, buf, sizeof(buf)),
			    "db.example.com:5432");
	assert_string_equal(nono_allowlist_entry(a, 3, buf, sizeof(buf)),
			    "https://git.example.org:8443/o/**");
	assert_int_equal(nono_allowlist_add(a, "dev.example:*", &why), 0);
	assert_true(nono_allowlist_port_ok(a, "dev.example", 6379));
	assert_true(nono_allowlist_port_ok(a, "dev.example", 443));
	assert_string_equal(nono_allowlist_entry(a, 4, buf, sizeof(buf)),
			    "dev.example:*");
	/* Not ports. */
	assert_int_equal(nono_allowlist_add(a, "h.example:", &why), -EINVAL);
	assert_int_equal(nono_allowlist_add(a, "h.example:0", &why), -EINVAL);
	assert_int_equal(nono_allowlist_add(a, "h.example:65536", &why),
			 -EINVAL);
	assert_int_equal(nono_allowlist_add(a, "h.example:80x", &why), -EINVAL);
	assert_int_equal(nono_allowlist_add(a, "h.example:-1", &why), -EINVAL);
	nono_allowlist_free(a);
}

static void test_metadata_and_profiles(void **state)
{
	struct nono_allowlist *a = nono_allowlist_new();
	const char *why;
	struct sockaddr_in s4 = {.sin_family = AF_INET};
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6};

	(void)state;
	/* Refused whatever the list says. */
	assert_int_equal(
	    nono_allowlist_add(a, "metadata.google.internal", &why), 0);
	assert_int_equal(nono_allowlist_add(a, "169.254.169.254", &why), 0);
	assert_int_equal(
	    nono_allowlist_check(a, "metadata.google.internal", NULL, NULL),
	    NONO_HOST_METADATA);
	assert_int_equal(nono_allowlist_check(a, "169.254.169.254", NULL, NULL),
			 NONO_HOST_METADATA);
	assert_int_equal(nono_allowlist_check(a, "[fd00:ec2::254]", NULL, NULL),
			 NONO_HOST_METADATA);
	assert_int_equal(
	    nono_allowlist_check(a, "metadata.azure.internal", NULL, NULL),
	    NONO_HOST_METADATA);
	inet_pton(AF_INET, "169.254.10.1", &s4.sin_addr);
	assert_true(nono_addr_refused((struct sockaddr *)&s4, sizeof(s4)));
	inet_pton(AF_INET, "93.184.216.34", &s4.sin_addr);
	assert_false(nono_addr_refused((struct sockaddr *)&s4, sizeof(s4)));
	inet_pton(AF_INET6, "::ffff:169.254.169.254", &s6.sin6_addr);
	assert_true(nono_addr_refused((struct sockaddr *)&s6, sizeof(s6)));
	inet_pton(AF_INET6, "fe80::1", &s6.sin6_addr);
	assert_true(nono_addr_refused((struct sockaddr *)&s6, sizeof(s6)));
	inet_pton(AF_INET6, "2001:db8::1", &s6.sin6_addr);
	assert_false(nono_addr_refused((struct sockaddr *)&s6, sizeof(s6)));
	/* This host, whatever the list says (0.0.0.0 reached loopback). */
	inet_pton(AF_INET, "0.0.0.0", &s4.sin_addr);
	assert_true(nono_addr_refused((struct sockaddr *)&s4, sizeof(s4)));
	inet_pton(AF_INET6, "::", &s6.sin6_addr);
	assert_true(nono_addr_refused((struct sockaddr *)&s6, sizeof(s6)));
	nono_allowlist_free(a);

	/* Every network profile loads; developer includes minimal. */
	assert_int_equal(nono_network_profile_count(), 6);
	for (size_t i = 0; i < nono_network_profile_count(); i++) {
		a = nono_allowlist_new();
		assert_int_equal(
		    nono_allowlist_add_profile(a, nono_network_profile_name(i)),
		    0);
		nono_allowlist_free(a);
	}
	a = nono_allowlist_new();
	assert_int_equal(nono_allowlist_add_profile(a, "developer"), 0);
	assert_int_equal(
	    nono_allowlist_check(a, "api.anthropic.com", NULL, NULL),
	    NONO_HOST_ALLOWED);
	assert_int_equal(nono_allowlist_check(a, "pypi.org", NULL, NULL),
			 NONO_HOST_ALLOWED);
	assert_int_equal(nono_allowlist_check(a, "evil.com", NULL, NULL),
			 NONO_HOST_NOT_LISTED);
	assert_int_equal(nono_allowlist_add_profile(a, "nope"), -ENOENT);
	nono_allowlist_free(a);
}

static void test_private_addresses(void **state)
{
	/* clang-format off */
	static const struct { const char *a; bool priv; } rows[] = {
		{"127.0.0.1", true}, {"127.1.2.3", true}, {"0.0.0.0", true},
		{"10.1.2.3", true}, {"172.16.0.1", true}, {"172.31.255.255", true},
		{"172.32.0.1", false}, {"192.168.1.1", true}, {"192.169.0.1", false},
		{"100.64.0.1", true}, {"100.127.255.255", true}, {"100.128.0.1", false},
		{"8.8.8.8", false}, {"169.254.169.254", false},
		{"::1", true}, {"::", true}, {"fd00::1", true}, {"fc00::1", true},
		{"fe80::1", false}, {"2001:db8::1", false},
		{"::ffff:127.0.0.1", true}, {"::ffff:8.8.8.8", false},
		/* Carried in IPv6 (review of session 14), and two ranges. */
		{"::127.0.0.1", true}, {"64:ff9b::7f00:1", true},
		{"2002:7f00:1::", true}, {"2002:808:808::", false},
		{"198.18.0.1", true}, {"192.0.0.8", true},
	};
	/* What nono learn lets a name through to: global unicast only. */
	static const struct { const char *a; bool global; } grows[] = {
		{"8.8.8.8", true}, {"93.184.216.34", true}, {"127.0.0.1", false},
		{"10.0.0.1", false}, {"192.0.2.2", false}, {"198.51.100.1", false},
		{"203.0.113.9", false}, {"224.0.0.1", false}, {"240.0.0.1", false},
		{"169.254.1.1", false}, {"100.64.0.1", false}, {"0.0.0.0", false},
		{"2606:4700::1", true}, {"::1", false}, {"::", false},
		{"fe80::1", false}, {"fd00::1", false}, {"ff02::1", false},
		{"2001:db8::1", false}, {"2001::1", false},
		{"::ffff:8.8.8.8", true}, {"::ffff:127.0.0.1", false},
		{"64:ff9b::7f00:1", false}, {"2002:7f00:1::", false},
		{"::7f00:1", false},
	};
	/* clang-format on */
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct sockaddr_in s4 = {.sin_family = AF_INET};
		struct sockaddr_in6 s6 = {.sin6_family = AF_INET6};
		bool got;

		if (inet_pton(AF_INET, rows[i].a, &s4.sin_addr) == 1)
			got = nono_addr_private((struct sockaddr *)&s4,
						sizeof(s4));
		else {
			assert_int_equal(
			    inet_pton(AF_INET6, rows[i].a, &s6.sin6_addr), 1);
			got = nono_addr_private((struct sockaddr *)&s6,
						sizeof(s6));
		}
		if (got != rows[i].priv)
			fail_msg("%s: expected %d", rows[i].a, rows[i].priv);
	}
	for (size_t i = 0; i < sizeof(grows) / sizeof(grows[0]); i++) {
		struct sockaddr_in s4 = {.sin_family = AF_INET};
		struct sockaddr_in6 s6 = {.sin6_family = AF_INET6};
		bool got;

		if (inet_pton(AF_INET, grows[i].a, &s4.sin_addr) == 1)
			got = nono_addr_global((struct sockaddr *)&s4,
					       sizeof(s4));
		else {
			assert_int_equal(
			    inet_pton(AF_INET6, grows[i].a, &s6.sin6_addr), 1);
			got = nono_addr_global((struct sockaddr *)&s6,
					       sizeof(s6));
		}
		if (got != grows[i].global)
			fail_msg("%s: expected global %d", grows[i].a,
				 grows[i].global);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_private_addresses),
	    cmocka_unit_test(test_connect_and_absolute),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_allowlist),
	    cmocka_unit_test(test_allowlist_ports),
	    cmocka_unit_test(test_metadata_and_profiles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
