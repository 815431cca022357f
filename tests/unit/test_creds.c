// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of credential injection's routes (src/proxy/creds.c): presets
 * and custom services, upstream URLs (https, loopback-only http), endpoint
 * rules, the placeholder check, upstream paths (dot segments and encoded
 * separators refused) and the head sent upstream.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "proxy/creds.h"
#include "proxy/http.h"
#include "proxy/msg.h"

static void presets(void **state)
{
	struct nono_creds c = {0};
	const char *why = NULL;
	struct nono_cred_route *r;

	(void)state;
	assert_int_equal(nono_creds_add_preset(&c, "openai", &why), 0);
	assert_int_equal(nono_creds_add_preset(&c, "openai", &why), -EEXIST);
	assert_int_equal(nono_creds_add_preset(&c, "anthropic", &why), 0);
	assert_int_equal(nono_creds_add_preset(&c, "google-ai", &why), 0);
	assert_int_equal(nono_creds_add_preset(&c, "nosuch", &why), -EINVAL);
	assert_non_null(strstr(why, "custom_credentials"));
	r = nono_creds_find(&c, "openai");
	assert_non_null(r);
	assert_true(r->tls);
	assert_string_equal(r->host, "api.openai.com");
	assert_int_equal(r->port, 443);
	assert_string_equal(r->base, "/v1");
	assert_string_equal(r->key, "openai_api_key");
	assert_string_equal(r->key_var, "OPENAI_API_KEY");
	assert_string_equal(r->base_var, "OPENAI_BASE_URL");
	assert_string_equal(r->header, "Authorization");
	r = nono_creds_find(&c, "anthropic");
	assert_string_equal(r->header, "x-api-key");
	assert_string_equal(r->base, "");
	r = nono_creds_find(&c, "google-ai");
	assert_string_equal(r->base_var, "GOOGLE_AI_BASE_URL");
	assert_string_equal(r->key_var, "GOOGLE_AI_API_KEY");
	assert_string_equal(r->extra_key_var, "GOOGLE_API_KEY");
	nono_creds_clear(&c);
	assert_int_equal(c.n, 0);
}

static void custom(void **state)
{
	struct nono_creds c = {0};
	const char *why = NULL;
	struct nono_cred_route *r;

	(void)state;
	assert_int_equal(nono_creds_add_custom(
			     &c, "my-api", "https://api.example.com:8443/base/",
			     NULL, NULL, NULL, NULL, &why),
			 0);
	r = nono_creds_find(&c, "my-api");
	assert_string_equal(r->host, "api.example.com");
	assert_int_equal(r->port, 8443);
	assert_string_equal(r->base, "/base");
	assert_string_equal(r->key, "my_api_api_key");
	assert_string_equal(r->key_var, "MY_API_API_KEY");
	assert_string_equal(r->base_var, "MY_API_BASE_URL");
	assert_string_equal(r->format, "Bearer {}");
	/* loopback http is fine; anything else plain is not */
	assert_int_equal(nono_creds_add_custom(&c, "ollama",
					       "http://127.0.0.1:11434", "k",
					       NULL, NULL, NULL, &why),
			 0);
	assert_false(nono_creds_find(&c, "ollama")->tls);
	assert_int_equal(nono_creds_add_custom(&c, "v6", "http://[::1]:1", "k",
					       NULL, NULL, NULL, &why),
			 0);
	assert_string_equal(nono_creds_find(&c, "v6")->host, "::1");
	assert_int_equal(nono_creds_add_custom(&c, "bad", "http://example.com",
					       "k", NULL, NULL, NULL, &why),
			 -EINVAL);
	assert_non_null(strstr(why, "loopback"));
	assert_int_equal(nono_creds_add_custom(&c, "bad", "ftp://x", "k", NULL,
					       NULL, NULL, &why),
			 -EINVAL);
	assert_int_equal(nono_creds_add_custom(&c, "bad", "https://u@x", "k",
					       NULL, NULL, NULL, &why),
			 -EINVAL);
	assert_int_equal(nono_creds_add_custom(&c, "bad", "https://x:0", "k",
					       NULL, NULL, NULL, &why),
			 -EINVAL);
	assert_int_equal(nono_creds_add_custom(&c, "bad", "https://x/?q", "k",
					       NULL, NULL, NULL, &why),
			 -EINVAL);
	assert_int_equal(nono_creds_add_custom(&c, "Bad", "https://x", "k",
					       NULL, NULL, NULL, &why),
			 -EINVAL);
	assert_int_equal(nono_creds_add_custom(&c, "bad", "https://x", "k",
					       "Host", NULL, NULL, &why),
			 -EINVAL);
	assert_int_equal(nono_creds_add_custom(&c, "bad", "https://x", "k",
					       "X-K", "no brace", NULL, &why),
			 -EINVAL);
	assert_int_equal(nono_creds_add_custom(&c, "bad", "https://x", "k",
					       "X-K", "{}{}", NULL, &why),
			 -EINVAL);
	assert_int_equal(nono_creds_add_custom(&c, "bad", "https://x", "k",
					       NULL, NULL, "1BAD", &why),
			 -EINVAL);
	assert_null(nono_creds_find(&c, "bad"));
	nono_creds_clear(&c);
}

static void rules(void **state)
{
	struct nono_creds c = {0};
	const char *why = NULL;
	struct nono_cred_route *r;

	(void)state;
	assert_int_equal(nono_creds_add_preset(&c, "openai", &why), 0);
	r = nono_creds_find(&c, "openai");
	assert_true(nono_cred_endpoint_ok(r, "DELETE", 6, "/v1/x"));
	assert_int_equal(
	    nono_creds_add_rule(&c, "openai:POST:/v1/chat/*", &why), 0);
	assert_int_equal(nono_creds_add_rule(&c, "openai:*:/v1/files/**", &why),
			 0);
	assert_int_equal(nono_creds_add_rule(&c, "other:GET:/x", &why),
			 -ENOENT);
	assert_int_equal(nono_creds_add_rule(&c, "openai:GET", &why), -EINVAL);
	assert_int_equal(nono_creds_add_rule(&c, "openai:GET:x", &why),
			 -EINVAL);
	assert_int_equal(nono_creds_add_rule(&c, "openai:G T:/x", &why),
			 -EINVAL);
	assert_int_equal(nono_creds_add_rule(&c, ":GET:/x", &why), -EINVAL);
	assert_true(
	    nono_cred_endpoint_ok(r, "POST", 4, "/v1/chat/completions"));
	assert_false(
	    nono_cred_endpoint_ok(r, "GET", 3, "/v1/chat/completions"));
	assert_false(nono_cred_endpoint_ok(r, "POST", 4, "/v1/chat/a/b"));
	assert_true(nono_cred_endpoint_ok(r, "GET", 3, "/v1/files/a/b"));
	assert_true(nono_cred_endpoint_ok(r, "DELETE", 6, "/v1/files/"));
	assert_false(nono_cred_endpoint_ok(r, "GET", 3, "/v1/models"));
	nono_creds_clear(&c);
}

static void paths(void **state)
{
	struct nono_creds c = {0};
	const char *why = NULL;
	const struct nono_cred_route *r;
	char out[256];
	size_t rest = 0;
	const char *t;

	(void)state;
	assert_int_equal(nono_creds_add_preset(&c, "openai", &why), 0);
	assert_int_equal(nono_creds_add_preset(&c, "anthropic", &why), 0);
	t = "/openai/chat/completions?x=1";
	r = nono_creds_match(&c, t, strlen(t), &rest);
	assert_non_null(r);
	assert_string_equal(r->name, "openai");
	assert_int_equal(nono_cred_upstream_path(r, t + rest, strlen(t) - rest,
						 out, sizeof(out)),
			 strlen("/v1/chat/completions?x=1"));
	assert_string_equal(out, "/v1/chat/completions?x=1");
	t = "/openai";
	r = nono_creds_match(&c, t, strlen(t), &rest);
	assert_non_null(r);
	assert_true(nono_cred_upstream_path(r, t + rest, 0, out, sizeof(out)) >
		    0);
	assert_string_equal(out, "/v1/");
	t = "/anthropic/v1/messages";
	r = nono_creds_match(&c, t, strlen(t), &rest);
	assert_true(nono_cred_upstream_path(r, t + rest, strlen(t) - rest, out,
					    sizeof(out)) > 0);
	assert_string_equal(out, "/v1/messages");
	/* no prefix confusion */
	t = "/openaix/a";
	assert_null(nono_creds_match(&c, t, strlen(t), &rest));
	assert_null(nono_creds_match(&c, "/", 1, &rest));
	/* what an upstream might read otherwise */
	{
		static const char *const bad[] = {
		    "/openai/../admin", "/openai/a/..",     "/openai/./x",
		    "/openai/%2e%2e/x", "/openai/a%2Fb",    "/openai/a%2",
		    "/openai/a%zz",     "/openai/a\\..\\b", "/openai/a%00",
		    "/openai/a%25"};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			r = nono_creds_match(&c, bad[i], strlen(bad[i]), &rest);
			assert_non_null(r);
			assert_int_equal(
			    nono_cred_upstream_path(r, bad[i] + rest,
						    strlen(bad[i]) - rest, out,
						    sizeof(out)),
			    -1);
		}
	}
	/* but dots inside names are fine, and so is %20 */
	t = "/openai/a.b/..c/x%20y";
	r = nono_creds_match(&c, t, strlen(t), &rest);
	assert_true(nono_cred_upstream_path(r, t + rest, strlen(t) - rest, out,
					    sizeof(out)) > 0);
	nono_creds_clear(&c);
}

static void placeholder_and_head(void **state)
{
	struct nono_creds c = {0};
	const char *why = NULL;
	struct nono_cred_route *r;
	struct nono_http_request req;
	char head[4096], buf[1024];
	int n;

	(void)state;
	assert_int_equal(nono_creds_add_preset(&c, "openai", &why), 0);
	r = nono_creds_find(&c, "openai");
	assert_int_equal(nono_cred_arm(r, "sk-real", 7), 0);
	assert_int_equal(strncmp(r->placeholder, "nono-", 5), 0);
	assert_int_equal(strlen(r->placeholder), 5 + 48);
	assert_int_equal(nono_cred_arm(r, "a\nb", 3), -EINVAL);
	assert_int_equal(nono_cred_arm(r, "sk-real", 7), 0);

	snprintf(buf, sizeof(buf),
		 "POST /openai/chat HTTP/1.1\r\nHost: 127.0.0.1:1\r\n"
		 "authorization: Bearer %s\r\nX-Other: 1\r\nConnection: "
		 "keep-alive\r\nProxy-Authorization: x\r\n"
		 "Content-Length: 2\r\n\r\n{}",
		 r->placeholder);
	assert_int_equal(nono_http_parse_origin(buf, strlen(buf), &req, &why),
			 NONO_HTTP_OK);
	assert_true(nono_cred_placeholder_ok(r, &req));
	n = nono_cred_head(r, &req, "/v1/chat", false, head, sizeof(head));
	assert_true(n > 0);
	head[n] = '\0';
	assert_non_null(strstr(head, "POST /v1/chat HTTP/1.1\r\nHost: "
				     "api.openai.com\r\n"));
	assert_non_null(strstr(head, "\r\nAuthorization: Bearer sk-real\r\n"));
	assert_non_null(strstr(head, "\r\nX-Other: 1\r\n"));
	assert_non_null(strstr(head, "\r\nContent-Length: 2\r\n"));
	assert_null(strstr(head, r->placeholder));
	assert_null(strstr(head, "keep-alive"));
	assert_null(strstr(head, "Proxy-Authorization"));
	assert_null(strstr(head, "127.0.0.1"));
	assert_non_null(strstr(head, "Connection: close\r\n\r\n"));
	assert_int_equal(nono_cred_head(r, &req, "/v1/chat", false, head, 40),
			 -1);

	/* wrong, missing, twice */
	{
		static const char *const bad[] = {
		    "GET /openai/x HTTP/1.1\r\nAuthorization: Bearer "
		    "nono-x\r\n\r\n",
		    "GET /openai/x HTTP/1.1\r\nX: y\r\n\r\n",
		    "GET /openai/x HTTP/1.1\r\nAuthorization: Bearer "
		    "sk-real\r\n\r\n"};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			assert_int_equal(nono_http_parse_origin(bad[i],
								strlen(bad[i]),
								&req, &why),
					 NONO_HTTP_OK);
			assert_false(nono_cred_placeholder_ok(r, &req));
		}
		snprintf(buf, sizeof(buf),
			 "GET /openai/x HTTP/1.1\r\nAuthorization: Bearer "
			 "%s\r\nAuthorization: Bearer %s\r\n\r\n",
			 r->placeholder, r->placeholder);
		assert_int_equal(
		    nono_http_parse_origin(buf, strlen(buf), &req, &why),
		    NONO_HTTP_OK);
		assert_false(nono_cred_placeholder_ok(r, &req));
	}
	nono_creds_clear(&c);
}

/* @tmpl with every "@" replaced by @ph, into @out. */
static void subst(char *out, size_t cap, const char *tmpl, const char *ph)
{
	size_t n = 0;

	for (; *tmpl && n + strlen(ph) + 1 < cap; tmpl++) {
		if (*tmpl == '@') {
			memcpy(out + n, ph, strlen(ph));
			n += strlen(ph);
		} else {
			out[n++] = *tmpl;
		}
	}
	out[n] = '\0';
}

/* A service whose own header is not Authorization also takes the
 * placeholder as "Authorization: Bearer" (what SDKs often send). */
static void bearer_fallback(void **state)
{
	struct nono_creds c = {0};
	const char *why = NULL;
	struct nono_cred_route *r;
	struct nono_http_request req;
	char buf[1024], head[4096];
	const char *const fmt[] = {
	    "GET /anthropic/v1/x HTTP/1.1\r\nx-api-key: @\r\n\r\n",
	    "GET /anthropic/v1/x HTTP/1.1\r\nAuthorization: Bearer @\r\n\r\n",
	    "GET /anthropic/v1/x HTTP/1.1\r\nx-api-key: @\r\nAuthorization: "
	    "Bearer @\r\n\r\n",
	    "GET /anthropic/v1/x HTTP/1.1\r\nx-api-key: @\r\nAuthorization: "
	    "Basic eDp5\r\n\r\n",
	    "GET /anthropic/v1/x HTTP/1.1\r\nAuthorization: @\r\n\r\n"};
	const bool want[] = {true, true, true, false, false};
	int n;

	(void)state;
	assert_int_equal(nono_creds_add_preset(&c, "anthropic", &why), 0);
	r = nono_creds_find(&c, "anthropic");
	assert_int_equal(nono_cred_arm(r, "sk-ant", 6), 0);
	for (size_t i = 0; i < sizeof(fmt) / sizeof(fmt[0]); i++) {
		subst(buf, sizeof(buf), fmt[i], r->placeholder);
		assert_int_equal(
		    nono_http_parse_origin(buf, strlen(buf), &req, &why),
		    NONO_HTTP_OK);
		assert_int_equal(nono_cred_placeholder_ok(r, &req), want[i]);
	}
	subst(buf, sizeof(buf), fmt[2], r->placeholder);
	assert_int_equal(nono_http_parse_origin(buf, strlen(buf), &req, &why),
			 NONO_HTTP_OK);
	n = nono_cred_head(r, &req, "/v1/x", false, head, sizeof(head));
	assert_true(n > 0);
	head[n] = '\0';
	assert_non_null(strstr(head, "\r\nx-api-key: sk-ant\r\n"));
	assert_null(strstr(head, "Authorization"));
	assert_null(strstr(head, r->placeholder));
	nono_creds_clear(&c);
}

/*
 * Review r2, finding 2: a request with a body is the connection's last
 * (an upstream that ignores a GET's body reads it as a request, and the
 * next head, with the key, as that one's body): its head asks the upstream
 * to close even when the client would keep the connection.
 */
static void body_closes(void **state)
{
	static const struct {
		const char *req;
		bool body;
	} cases[] = {
	    {"GET /openai/m HTTP/1.1\r\n\r\n", false},
	    {"GET /openai/m HTTP/1.1\r\nContent-Length: 0\r\n\r\n", false},
	    {"GET /openai/m HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", true},
	    {"GET /openai/m HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "0\r\n\r\n",
	     true},
	    {"HEAD /openai/m HTTP/1.1\r\nContent-Length: 1\r\n\r\nx", true},
	    {"OPTIONS /openai/m HTTP/1.1\r\nExpect: 100-continue\r\n"
	     "Content-Length: 1\r\n\r\n",
	     true},
	    {"GET /openai/m HTTP/1.0\r\nConnection: keep-alive\r\n"
	     "Content-Length: 1\r\n\r\nx",
	     true},
	    {"GET /openai/m HTTP/1.1\r\nConnection: keep-alive\r\n"
	     "Content-Length: 1\r\n\r\nx",
	     true},
	};
	struct nono_creds c = {0};
	const char *why = NULL;
	struct nono_cred_route *r;
	struct nono_http_request req;
	char head[4096];
	int n;

	(void)state;
	assert_int_equal(nono_creds_add_preset(&c, "openai", &why), 0);
	r = nono_creds_find(&c, "openai");
	assert_int_equal(nono_cred_arm(r, "sk-real", 7), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *close = "\r\nConnection: close\r\n\r\n";

		assert_int_equal(nono_http_parse_origin(cases[i].req,
							strlen(cases[i].req),
							&req, &why),
				 NONO_HTTP_OK);
		assert_int_equal(nono_http_has_body(&req), cases[i].body);
		n = nono_cred_head(r, &req, "/v1/m", true, head, sizeof(head));
		assert_true(n > 0);
		head[n] = '\0';
		/* one Connection field at most: ours, never the client's */
		if (strstr(head, "Connection"))
			assert_null(strstr(strstr(head, "Connection") + 1,
					   "Connection"));
		if (cases[i].body)
			assert_non_null(strstr(head, close));
		else
			assert_null(strstr(head, "Connection"));
		assert_null(strstr(head, "keep-alive"));
		n = nono_cred_head(r, &req, "/v1/m", false, head, sizeof(head));
		assert_true(n > 0);
		head[n] = '\0';
		assert_non_null(strstr(head, close));
	}
	nono_creds_clear(&c);
}

/* An origin's answer: where it ends, for a connection kept alive. */
static void answers(void **state)
{
	static char hb[NONO_HTTP_MAX_RESPONSE_HEAD];
	struct nono_http_answer a;
	size_t used;
	const char *t;

	(void)state;
	/* Content-Length: ends after its bytes; what follows is not its */
	t = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA";
	nono_http_answer_init(&a, hb, false);
	assert_true(nono_http_answer_feed(&a, t, strlen(t), &used));
	assert_int_equal(used, strlen(t) - 5);
	assert_false(a.close);
	assert_int_equal(a.status, 200);
	/* split anywhere: the same end */
	for (size_t k = 1; k < strlen(t) - 5; k++) {
		size_t u1 = 0, u2 = 0;
		bool d;

		nono_http_answer_init(&a, hb, false);
		d = nono_http_answer_feed(&a, t, k, &u1);
		assert_false(d);
		assert_true(
		    nono_http_answer_feed(&a, t + k, strlen(t) - k, &u2));
		assert_int_equal(u1 + u2, strlen(t) - 5);
	}
	/* 100 Continue, then chunked */
	t = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
	nono_http_answer_init(&a, hb, false);
	assert_true(nono_http_answer_feed(&a, t, strlen(t), &used));
	assert_int_equal(used, strlen(t));
	assert_false(a.close);
	/* HEAD, 204, 304: no body, whatever Content-Length says */
	t = "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n";
	nono_http_answer_init(&a, hb, true);
	assert_true(nono_http_answer_feed(&a, t, strlen(t), &used));
	t = "HTTP/1.1 204 No Content\r\n\r\n";
	nono_http_answer_init(&a, hb, false);
	assert_true(nono_http_answer_feed(&a, t, strlen(t), &used));
	assert_false(a.close);
	/* no length: runs to the close, never reused */
	t = "HTTP/1.1 200 OK\r\n\r\nabc";
	nono_http_answer_init(&a, hb, false);
	assert_false(nono_http_answer_feed(&a, t, strlen(t), &used));
	assert_true(a.close);
	/* Connection: close, HTTP/1.0, both framings, a bad head */
	{
		static const char *const closing[] = {
		    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: "
		    "close\r\n\r\n",
		    "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
		    "HTTP/1.1 200 OK\r\nContent-Length: "
		    "3\r\nTransfer-Encoding: "
		    "chunked\r\n\r\n0\r\n\r\n",
		    "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: "
		    "2\r\n\r\n"};

		for (size_t i = 0; i < sizeof(closing) / sizeof(closing[0]);
		     i++) {
			nono_http_answer_init(&a, hb, false);
			nono_http_answer_feed(&a, closing[i],
					      strlen(closing[i]), &used);
			assert_true(a.close);
		}
	}
	/* HTTP/1.0 with keep-alive may be reused */
	t = "HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: "
	    "keep-alive\r\n\r\n";
	nono_http_answer_init(&a, hb, false);
	assert_true(nono_http_answer_feed(&a, t, strlen(t), &used));
	assert_false(a.close);
}

/* What the proxy hands the TLS helper comes out the same; bad bytes are
 * refused. */
static void route_transfer(void **state)
{
	struct nono_creds c = {0};
	struct nono_cred_route x;
	const char *why = NULL;
	char buf[4096];
	int n;

	(void)state;
	assert_int_equal(nono_creds_add_preset(&c, "anthropic", &why), 0);
	assert_int_equal(nono_creds_add_rule(&c, "anthropic:POST:/v1/**", &why),
			 0);
	assert_int_equal(nono_msg_route_encode(&c.r[0], buf, sizeof(buf)), -1);
	assert_int_equal(nono_cred_arm(&c.r[0], "sk\tx", 4), 0);
	assert_int_equal(nono_msg_route_encode(&c.r[0], buf, 20), -1);
	n = nono_msg_route_encode(&c.r[0], buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(nono_msg_route_decode(buf, (size_t)n, &x), 0);
	assert_string_equal(x.name, "anthropic");
	assert_string_equal(x.host, "api.anthropic.com");
	assert_int_equal(x.port, 443);
	assert_true(x.tls);
	assert_string_equal(x.header, "x-api-key");
	assert_string_equal(x.value, "sk\tx");
	assert_string_equal(x.expect, c.r[0].expect);
	assert_string_equal(x.bearer, c.r[0].bearer);
	assert_int_equal(x.nrules, 1);
	assert_string_equal(x.rules[0].path, "/v1/**");
	nono_creds_clear_route(&x);
	/* truncated, trailing bytes, a bad length */
	assert_int_equal(nono_msg_route_decode(buf, (size_t)n - 1, &x),
			 -EINVAL);
	buf[n] = 'x';
	assert_int_equal(nono_msg_route_decode(buf, (size_t)n + 1, &x),
			 -EINVAL);
	assert_int_equal(nono_msg_route_decode("NM\x01\x04\x01\x00", 6, &x),
			 -EINVAL);
	assert_int_equal(nono_msg_route_decode("", 0, &x), -EINVAL);
	nono_creds_clear(&c);
}

/* An upstream's answer is scrubbed of the key as it streams: whole
 * occurrences become '*', a tail that could start the key waits for the
 * next bytes, the final piece keeps nothing; short keys are left alone.
 * The upstream is asked for an uncoded answer, and a coded one is known. */
/* Feeds @text to @s in pieces of @step bytes as a relay does (kept bytes
 * moved to the front), with @mask (NULL: all text); returns what went
 * out, in @out. */
static size_t feed_all(struct nono_scrub *s, const char *text,
		       const unsigned char *mask, size_t step, char *out)
{
	char buf[256];
	size_t n = strlen(text), at = 0, held = 0, sent = 0;

	while (at < n) {
		size_t take = n - at < step ? n - at : step, ok;

		memcpy(buf + held, text + at, take);
		ok = nono_scrub_feed(s, buf, held, held + take,
				     mask ? mask + at : NULL, at + take == n);
		memcpy(out + sent, buf, ok);
		sent += ok;
		held = held + take - ok;
		memmove(buf, buf + ok, held);
		at += take;
	}
	out[sent] = '\0';
	return sent;
}

/* The answer parser's side of scrubbing: a key in a chunk extension is
 * text (scrubbed); a head it cannot read makes a scrubbed answer
 * uncheckable (as a coded one), not a pass-through. */
static void answer_cases(void)
{
	static char head[NONO_HTTP_MAX_RESPONSE_HEAD];
	const char *key = "sk-abcdef123";
	char ext[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		     "2;k=sk-abcdef123\r\nhi\r\n0\r\n\r\n";
	const char *bad = "HTTP/1.1 200 OK\r\nX-A : 1\r\n"
			  "Content-Encoding: gzip\r\n\r\nxx";
	unsigned char mask[256];
	struct nono_http_answer a;
	struct nono_scrub s;
	size_t used = 0, ok;

	nono_http_answer_init(&a, head, false);
	a.mask = mask;
	assert_true(nono_http_answer_feed(&a, ext, strlen(ext), &used));
	assert_int_equal(used, strlen(ext));
	assert_int_equal(nono_scrub_init(&s, key, strlen(key)), 0);
	ok = nono_scrub_feed(&s, ext, 0, strlen(ext), mask, true);
	assert_int_equal(ok, strlen(ext));
	assert_null(strstr(ext, key));
	assert_non_null(strstr(ext, "2;k=************\r\nhi"));
	nono_scrub_free(&s);

	nono_http_answer_init(&a, head, false);
	a.mask = mask;
	(void)nono_http_answer_feed(&a, bad, strlen(bad), &used);
	assert_true(a.encoded);
	/* unscrubbed (no mask): passed on as before */
	nono_http_answer_init(&a, head, false);
	(void)nono_http_answer_feed(&a, bad, strlen(bad), &used);
	assert_false(a.encoded);
}

/* An upstream's answer is scrubbed of the key as it streams: whole
 * occurrences become '*', also when a read boundary or chunk framing cuts
 * them; a key whose start repeats (KMP) is found after a false start;
 * short keys are left alone.  A coded answer is known. */
static void scrub(void **state)
{
	const char *key = "sk-abcdef123";
	struct nono_scrub s;
	char out[256];
	unsigned char mask[64];
	/* "sk-abc" | "\r\n6\r\n" (framing) | "def123" */
	const char *chunked = "sk-abc\r\n6\r\ndef123 tail";
	struct nono_http_response rsp;
	const char *ce = "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
			 "Content-Length: 0\r\n\r\n";
	const char *id = "HTTP/1.1 200 OK\r\nContent-Encoding: identity\r\n"
			 "Transfer-Encoding: chunked\r\n\r\n";
	const char *te = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, "
			 "chunked\r\n\r\n";

	(void)state;
	assert_int_equal(nono_scrub_init(&s, key, strlen(key)), 0);
	for (size_t step = 1; step <= 40; step++) {
		feed_all(&s, "x sk-abcdef123 y sk-sk-abcdef123 sk-ab", NULL,
			 step, out);
		assert_string_equal(out, "x ************ y sk-************ "
					 "sk-ab");
		memset(mask, 1, sizeof(mask));
		memset(mask + 6, 0, 5);
		feed_all(&s, chunked, mask, step, out);
		assert_string_equal(out, "******\r\n6\r\n****** tail");
	}
	nono_scrub_free(&s);
	/* a key whose start repeats */
	assert_int_equal(nono_scrub_init(&s, "aaaaaaab", 8), 0);
	feed_all(&s, "aaaaaaaaaaaab!", NULL, 3, out);
	assert_string_equal(out, "aaaaa********!");
	nono_scrub_free(&s);
	/* too short a key is not scrubbed */
	assert_int_equal(nono_scrub_init(&s, "abc", 3), 0);
	feed_all(&s, "abc abc", NULL, 2, out);
	assert_string_equal(out, "abc abc");
	nono_scrub_free(&s);
	assert_int_equal(nono_http_parse_response(ce, strlen(ce), &rsp, NULL),
			 NONO_HTTP_OK);
	assert_true(rsp.encoded);
	assert_int_equal(nono_http_parse_response(id, strlen(id), &rsp, NULL),
			 NONO_HTTP_OK);
	assert_false(rsp.encoded);
	assert_int_equal(nono_http_parse_response(te, strlen(te), &rsp, NULL),
			 NONO_HTTP_OK);
	assert_true(rsp.encoded);
	answer_cases();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(presets),
	    cmocka_unit_test(custom),
	    cmocka_unit_test(rules),
	    cmocka_unit_test(paths),
	    cmocka_unit_test(placeholder_and_head),
	    cmocka_unit_test(bearer_fallback),
	    cmocka_unit_test(body_closes),
	    cmocka_unit_test(answers),
	    cmocka_unit_test(route_transfer),
	    cmocka_unit_test(scrub),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
