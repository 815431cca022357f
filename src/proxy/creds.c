// SPDX-License-Identifier: Apache-2.0
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "proxy/creds.h"
#include "proxy/hosts.h"
#include "util/envname.h"
#include "util/port.h"
#include "util/url.h"

#define MAX_RULES 256
#define MAX_FIELD 8192

/* clang-format off */
static const struct preset {
	const char *name, *upstream, *key, *header, *format, *key_var,
	    *extra_key_var, *base_var;
} presets[] = {
	{"openai", "https://api.openai.com/v1", "openai_api_key",
	 "Authorization", "Bearer {}", "OPENAI_API_KEY", NULL,
	 "OPENAI_BASE_URL"},
	{"anthropic", "https://api.anthropic.com", "anthropic_api_key",
	 "x-api-key", "{}", "ANTHROPIC_API_KEY", NULL, "ANTHROPIC_BASE_URL"},
	{"gemini", "https://generativelanguage.googleapis.com",
	 "gemini_api_key", "x-goog-api-key", "{}", "GEMINI_API_KEY", NULL,
	 "GEMINI_BASE_URL"},
	{"google-ai", "https://generativelanguage.googleapis.com",
	 "google_ai_api_key", "x-goog-api-key", "{}", "GOOGLE_AI_API_KEY",
	 "GOOGLE_API_KEY", "GOOGLE_AI_BASE_URL"},
};
/* clang-format on */

size_t nono_cred_preset_count(void)
{
	return sizeof(presets) / sizeof(presets[0]);
}

const char *nono_cred_preset_name(size_t i)
{
	return i < nono_cred_preset_count() ? presets[i].name : NULL;
}

static bool is_token(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) &&
		    !strchr("!#$%&'*+-.^_`|~", *s))
			return false;
	return true;
}

static bool good_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 32 || !isalnum((unsigned char)s[0]))
		return false;
	for (; *s; s++)
		if (!islower((unsigned char)*s) &&
		    !isdigit((unsigned char)*s) && *s != '-' && *s != '_')
			return false;
	return true;
}

static bool good_var(const char *s)
{
	return nono_env_name_ok(s, 128);
}

static bool loopback_host(const char *h)
{
	struct in_addr a;

	if (strcmp(h, "localhost") == 0 || strcmp(h, "::1") == 0)
		return true;
	return inet_pton(AF_INET, h, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

/* https://host[:port][/base] or http://loopback[:port][/base]. */
static int parse_upstream(struct nono_cred_route *r, const char *url,
			  const char **why)
{
	struct nono_url u;
	const char *uwhy = NULL;
	int e = nono_url_parse(url, &u, &uwhy);

	if (u.scheme != NONO_URL_HTTPS && u.scheme != NONO_URL_HTTP) {
		*why = "the upstream must be an https:// URL (http:// only "
		       "on loopback)";
		return -EINVAL;
	}
	if (u.userinfo || strpbrk(u.rest, "?# \\")) {
		*why = "the upstream URL may have a path, but no query, "
		       "fragment or user name";
		return -EINVAL;
	}
	if (e < 0 || u.auth.hostlen > NONO_HTTP_MAX_HOST) {
		*why = "bad host or port in the upstream URL";
		return -EINVAL;
	}
	r->tls = u.scheme == NONO_URL_HTTPS;
	r->port = u.auth.has_port ? u.auth.port : r->tls ? 443 : 80;
	for (size_t i = 0; i < u.auth.hostlen; i++)
		r->host[i] = (char)tolower((unsigned char)u.auth.host[i]);
	r->host[u.auth.hostlen] = '\0';
	if (!r->tls && !loopback_host(r->host)) {
		*why = "a plain http:// upstream must be on loopback "
		       "(127.0.0.1, [::1], localhost); use https://";
		return -EINVAL;
	}
	r->base = strdup(u.rest);
	if (!r->base)
		return -ENOMEM;
	while (*r->base && r->base[strlen(r->base) - 1] == '/')
		r->base[strlen(r->base) - 1] = '\0';
	return 0;
}

static char *upper_var(const char *name, const char *suffix)
{
	size_t n = strlen(name), sl = strlen(suffix);
	char *v = malloc(n + sl + 1);

	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++)
		v[i] = name[i] == '-' ? '_'
				      : (char)toupper((unsigned char)name[i]);
	memcpy(v + n, suffix, sl + 1);
	return v;
}

struct nono_cred_route *nono_creds_find(struct nono_creds *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->r[i].name, name) == 0)
			return &c->r[i];
	return NULL;
}

static void route_free(struct nono_cred_route *r)
{
	if (r->value)
		explicit_bzero(r->value, r->value_len);
	free(r->value);
	explicit_bzero(r->placeholder, sizeof(r->placeholder));
	if (r->expect)
		explicit_bzero(r->expect, strlen(r->expect));
	free(r->expect);
	free(r->bearer);
	free(r->name);
	free(r->upstream);
	free(r->base);
	free(r->header);
	free(r->format);
	free(r->key);
	free(r->key_var);
	free(r->extra_key_var);
	free(r->base_var);
	for (size_t i = 0; i < r->nrules; i++)
		free(r->rules[i].path);
	free(r->rules);
	memset(r, 0, sizeof(*r));
}

int nono_creds_add_custom(struct nono_creds *c, const char *name,
			  const char *upstream, const char *key,
			  const char *header, const char *format,
			  const char *env_var, const char **why)
{
	struct nono_cred_route *r;
	const char *brace;
	int e;

	if (!good_name(name)) {
		*why = "a service name is 1-32 characters: lower-case letters, "
		       "digits, '-' and '_'";
		return -EINVAL;
	}
	if (nono_creds_find(c, name))
		return -EEXIST;
	if (c->n == NONO_CREDS_MAX) {
		*why = "too many credential services";
		return -EINVAL;
	}
	if (!upstream || !*upstream) {
		*why = "no upstream URL";
		return -EINVAL;
	}
	header = header ? header : "Authorization";
	format = format ? format : "Bearer {}";
	if (!is_token(header) || nono_http_hop_field(header, strlen(header)) ||
	    strlen(header) > 64) {
		*why = "the header must be a field name that is not "
		       "hop-by-hop or Host";
		return -EINVAL;
	}
	brace = strstr(format, "{}");
	if (!brace || strstr(brace + 2, "{}") || strlen(format) > 256 ||
	    strpbrk(format, "\r\n")) {
		*why = "the credential format must contain \"{}\" exactly once "
		       "(e.g. \"Bearer {}\")";
		return -EINVAL;
	}
	if (env_var && !good_var(env_var)) {
		*why = "bad variable name for the API key";
		return -EINVAL;
	}
	if (key && (!*key || strlen(key) > 1024)) {
		*why = "bad credential_key";
		return -EINVAL;
	}
	r = &c->r[c->n];
	memset(r, 0, sizeof(*r));
	e = parse_upstream(r, upstream, why);
	if (e < 0) {
		route_free(r);
		return e;
	}
	r->name = strdup(name);
	r->upstream = strdup(upstream);
	r->header = strdup(header);
	r->format = strdup(format);
	r->key = key ? strdup(key) : upper_var(name, "_API_KEY");
	if (r->key && !key)
		for (char *k = r->key; *k; k++)
			*k = (char)tolower((unsigned char)*k);
	r->key_var = env_var ? strdup(env_var) : upper_var(name, "_API_KEY");
	r->base_var = upper_var(name, "_BASE_URL");
	if (!r->name || !r->upstream || !r->header || !r->format || !r->key ||
	    !r->key_var || !r->base_var) {
		route_free(r);
		return -ENOMEM;
	}
	c->n++;
	return 0;
}

int nono_creds_add_preset(struct nono_creds *c, const char *name,
			  const char **why)
{
	for (size_t i = 0; i < nono_cred_preset_count(); i++) {
		const struct preset *p = &presets[i];
		int e;

		if (strcmp(p->name, name) != 0)
			continue;
		e = nono_creds_add_custom(c, p->name, p->upstream, p->key,
					  p->header, p->format, p->key_var,
					  why);
		if (e < 0)
			return e;
		free(c->r[c->n - 1].base_var);
		c->r[c->n - 1].base_var = strdup(p->base_var);
		if (p->extra_key_var)
			c->r[c->n - 1].extra_key_var = strdup(p->extra_key_var);
		if (!c->r[c->n - 1].base_var ||
		    (p->extra_key_var && !c->r[c->n - 1].extra_key_var)) {
			route_free(&c->r[--c->n]);
			return -ENOMEM;
		}
		return 0;
	}
	*why = "not a preset service (openai, anthropic, gemini, google-ai) "
	       "nor a custom_credentials entry of the profile";
	return -EINVAL;
}

int nono_cred_route_add_rule(struct nono_cred_route *r, const char *method,
			     const char *path, const char **why)
{
	struct nono_cred_rule *nr;

	if (strcmp(method, "*") != 0 &&
	    (!is_token(method) || strlen(method) > 15)) {
		*why = "METHOD must be an HTTP method (GET, POST, ...) or *";
		return -EINVAL;
	}
	if (path[0] != '/' || strlen(path) > 1024 ||
	    strpbrk(path, " ?#\r\n\t")) {
		*why = "PATH must be a path glob starting with '/' (no query)";
		return -EINVAL;
	}
	if (r->nrules == MAX_RULES) {
		*why = "too many endpoint rules";
		return -EINVAL;
	}
	nr = realloc(r->rules, (r->nrules + 1) * sizeof(*nr));
	if (!nr)
		return -ENOMEM;
	r->rules = nr;
	snprintf(nr[r->nrules].method, sizeof(nr[r->nrules].method), "%s",
		 method);
	nr[r->nrules].path = strdup(path);
	if (!nr[r->nrules].path)
		return -ENOMEM;
	r->nrules++;
	return 0;
}

int nono_creds_add_rule(struct nono_creds *c, const char *spec,
			const char **why)
{
	const char *a = strchr(spec, ':'), *b = a ? strchr(a + 1, ':') : NULL;
	char svc[40], method[16];
	struct nono_cred_route *r;

	if (!a || !b || a == spec || b == a + 1 ||
	    (size_t)(a - spec) >= sizeof(svc) ||
	    (size_t)(b - a - 1) >= sizeof(method)) {
		*why = "expected SERVICE:METHOD:PATH (e.g. "
		       "openai:POST:/v1/chat/completions)";
		return -EINVAL;
	}
	snprintf(svc, sizeof(svc), "%.*s", (int)(a - spec), spec);
	snprintf(method, sizeof(method), "%.*s", (int)(b - a - 1), a + 1);
	r = nono_creds_find(c, svc);
	if (!r)
		return -ENOENT;
	return nono_cred_route_add_rule(r, method, b + 1, why);
}

static char *fill(const char *format, const char *key, size_t klen,
		  size_t *outlen)
{
	const char *brace = strstr(format, "{}");
	size_t pre = (size_t)(brace - format), post = strlen(brace + 2);
	char *v = malloc(pre + klen + post + 1);

	if (!v)
		return NULL;
	memcpy(v, format, pre);
	memcpy(v + pre, key, klen);
	memcpy(v + pre + klen, brace + 2, post + 1);
	*outlen = pre + klen + post;
	return v;
}

int nono_cred_arm(struct nono_cred_route *r, const char *secret, size_t len)
{
	unsigned char raw[24];
	size_t n;

	if (len == 0 || len > MAX_FIELD || memchr(secret, '\r', len) ||
	    memchr(secret, '\n', len) || memchr(secret, '\0', len))
		return -EINVAL;
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return -EIO;
	n = (size_t)snprintf(r->placeholder, sizeof(r->placeholder), "nono-");
	for (size_t i = 0; i < sizeof(raw); i++)
		n += (size_t)snprintf(r->placeholder + n,
				      sizeof(r->placeholder) - n, "%02x",
				      raw[i]);
	explicit_bzero(raw, sizeof(raw));
	if (r->value)
		explicit_bzero(r->value, r->value_len);
	free(r->value);
	free(r->expect);
	r->expect = NULL;
	r->value = fill(r->format, secret, len, &r->value_len);
	r->secret_off = (size_t)(strstr(r->format, "{}") - r->format);
	r->secret_len = len;
	r->expect = fill(r->format, r->placeholder, strlen(r->placeholder), &n);
	free(r->bearer);
	r->bearer =
	    fill("Bearer {}", r->placeholder, strlen(r->placeholder), &n);
	return r->value && r->expect && r->bearer ? 0 : -ENOMEM;
}

const char *nono_cred_secret(const struct nono_cred_route *r, size_t *len)
{
	if (!r->value || !r->secret_len ||
	    r->secret_off + r->secret_len > r->value_len)
		return NULL;
	*len = r->secret_len;
	return r->value + r->secret_off;
}

const char *nono_cred_reason(int status)
{
	switch (status) {
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	default:
		return "Error";
	}
}

size_t nono_cred_uncheckable_answer(char *buf, size_t cap)
{
	static const char body[] =
	    "nono: the credential upstream sent a compressed answer (or a "
	    "head nono cannot read); nono relays only answers it can check "
	    "for the key.\n";
	int k = snprintf(buf, cap,
			 "HTTP/1.1 502 Bad Gateway\r\n"
			 "Content-Type: text/plain\r\n"
			 "Content-Length: %zu\r\n"
			 "Connection: close\r\n\r\n%s",
			 sizeof(body) - 1, body);

	return k > 0 && (size_t)k < cap ? (size_t)k : 0;
}

int nono_scrub_init(struct nono_scrub *s, const char *key, size_t klen)
{
	memset(s, 0, sizeof(*s));
	if (!key || klen < NONO_CRED_SCRUB_MIN)
		return 0;
	s->fail = calloc(klen, sizeof(*s->fail));
	s->pos = calloc(klen, sizeof(*s->pos));
	if (!s->fail || !s->pos) {
		nono_scrub_free(s);
		return -ENOMEM;
	}
	/* fail[i]: the longest proper border of key[0..i] */
	for (size_t i = 1, k = 0; i < klen; i++) {
		while (k && key[i] != key[k])
			k = s->fail[k - 1];
		if (key[i] == key[k])
			k++;
		s->fail[i] = k;
	}
	s->key = key;
	s->klen = klen;
	return 0;
}

void nono_scrub_free(struct nono_scrub *s)
{
	free(s->fail);
	free(s->pos);
	memset(s, 0, sizeof(*s));
}

size_t nono_scrub_feed(struct nono_scrub *s, char *buf, size_t from, size_t len,
		       const unsigned char *mask, bool final)
{
	size_t keep;

	if (!s->key)
		return len;
	for (size_t i = from; i < len; i++) {
		size_t m0 = s->m;

		if (mask && !mask[i - from])
			continue; /* framing: the match goes on past it */
		while (s->m && buf[i] != s->key[s->m])
			s->m = s->fail[s->m - 1];
		if (s->m < m0 && s->m) /* the border is the match's tail */
			memmove(s->pos, s->pos + (m0 - s->m),
				s->m * sizeof(*s->pos));
		if (buf[i] != s->key[s->m])
			continue;
		s->pos[s->m++] = i;
		if (s->m == s->klen) {
			for (size_t k = 0; k < s->klen; k++)
				buf[s->pos[k]] = '*';
			s->m = 0;
		}
	}
	if (final || !s->m) {
		s->m = 0;
		return len;
	}
	/* From the first byte of the partial match on: kept, and the
	 * positions follow the move to the front. */
	keep = s->pos[0];
	for (size_t k = 0; k < s->m; k++)
		s->pos[k] -= keep;
	return keep;
}

const struct nono_cred_route *nono_creds_match(const struct nono_creds *c,
					       const char *target, size_t len,
					       size_t *rest)
{
	if (!c || len < 2 || target[0] != '/')
		return NULL;
	for (size_t i = 0; i < c->n; i++) {
		size_t nl = strlen(c->r[i].name);

		if (len >= nl + 1 &&
		    memcmp(target + 1, c->r[i].name, nl) == 0 &&
		    (len == nl + 1 || target[nl + 1] == '/' ||
		     target[nl + 1] == '?')) {
			*rest = nl + 1;
			return &c->r[i];
		}
	}
	return NULL;
}

static bool same(const struct nono_http_field *f, const char *want)
{
	size_t n = strlen(want);
	unsigned char diff = 0;

	if (f->value_len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(f->value[i] ^ want[i]);
	return diff == 0;
}

static bool named(const struct nono_http_field *f, const char *name)
{
	size_t n = strlen(name);

	return f->name_len == n && strncasecmp(f->name, name, n) == 0;
}

/*
 * The placeholder may come in the service's own header (with its format)
 * or as "Authorization: Bearer PLACEHOLDER", which many SDKs send whatever
 * the service (the value is this session's random placeholder either way).
 * Each carrier present must hold exactly that, once; at least one must be
 * there.  Both are removed upstream, where the service's header carries the
 * real credential.
 */
bool nono_cred_placeholder_ok(const struct nono_cred_route *r,
			      const struct nono_http_request *req)
{
	bool own = strcasecmp(r->header, "authorization") == 0;
	size_t nh = 0, na = 0;
	bool ok = true;

	if (!r->expect || !r->bearer)
		return false;
	for (size_t i = 0; i < req->nfields; i++) {
		const struct nono_http_field *f = &req->fields[i];

		if (named(f, r->header)) {
			nh++;
			ok &= same(f, r->expect) || (own && same(f, r->bearer));
		} else if (named(f, "authorization")) {
			na++;
			ok &= same(f, r->bearer);
		}
	}
	return ok && nh <= 1 && na <= 1 && nh + na >= 1;
}

int nono_cred_upstream_path(const struct nono_cred_route *r, const char *rest,
			    size_t len, char *out, size_t cap)
{
	size_t q = 0;
	int n;

	while (q < len && rest[q] != '?' && rest[q] != '#')
		q++;
	if (nono_http_path_ambiguous(rest, len))
		return -1;
	if (len == 0 || rest[0] == '?')
		n = snprintf(out, cap, "%s/%.*s", r->base, (int)len, rest);
	else
		n = snprintf(out, cap, "%s%.*s", r->base, (int)len, rest);
	if (n < 0 || (size_t)n >= cap)
		return -1;
	return n;
}

bool nono_cred_endpoint_ok(const struct nono_cred_route *r, const char *method,
			   size_t mlen, const char *path)
{
	if (!r->nrules)
		return true;
	for (size_t i = 0; i < r->nrules; i++) {
		const struct nono_cred_rule *k = &r->rules[i];

		if (strcmp(k->method, "*") != 0 &&
		    (strlen(k->method) != mlen ||
		     strncasecmp(k->method, method, mlen) != 0))
			continue;
		if (nono_path_glob(k->path, path))
			return true;
	}
	return false;
}

int nono_cred_head(const struct nono_cred_route *r,
		   const struct nono_http_request *req, const char *path,
		   bool keep, char *out, size_t cap)
{
	size_t hl = strlen(r->header), n;
	bool v6 = strchr(r->host, ':') != NULL;
	int k = snprintf(out, cap, "%.*s %s HTTP/1.1\r\nHost: %s%s%s",
			 (int)req->method_len, req->method, path, v6 ? "[" : "",
			 r->host, v6 ? "]" : "");

	if (k < 0 || (size_t)k >= cap)
		return -1;
	n = (size_t)k;
	if (r->port != (r->tls ? 443 : 80)) {
		k = snprintf(out + n, cap - n, ":%u", r->port);
		if (k < 0 || (size_t)k >= cap - n)
			return -1;
		n += (size_t)k;
	}
	if (n + 2 >= cap)
		return -1;
	memcpy(out + n, "\r\n", 2);
	n += 2;
	for (size_t i = 0; i < req->nfields; i++) {
		const struct nono_http_field *f = &req->fields[i];

		/* The answer is scrubbed of the key (nono_scrub_feed): it
		 * must come whole and as it is, not compressed (the
		 * client's Accept-Encoding is replaced) and not in ranges
		 * that could each hold a piece of an echoed key. */
		if (nono_http_hop_field(f->name, f->name_len) ||
		    (f->name_len == hl &&
		     strncasecmp(f->name, r->header, hl) == 0) ||
		    named(f, "authorization") || named(f, "accept-encoding") ||
		    named(f, "range") || named(f, "if-range"))
			continue;
		k = snprintf(out + n, cap - n, "%.*s: %.*s\r\n",
			     (int)f->name_len, f->name, (int)f->value_len,
			     f->value);
		if (k < 0 || (size_t)k >= cap - n)
			return -1;
		n += (size_t)k;
	}
	if (n + 27 + hl + 2 + r->value_len + 23 >= cap)
		return -1;
	memcpy(out + n, "Accept-Encoding: identity\r\n", 27);
	n += 27;
	memcpy(out + n, r->header, hl);
	n += hl;
	memcpy(out + n, ": ", 2);
	n += 2;
	memcpy(out + n, r->value, r->value_len);
	n += r->value_len;
	if (keep && !nono_http_has_body(req)) {
		memcpy(out + n, "\r\n\r\n", 4);
		return (int)(n + 4);
	}
	memcpy(out + n, "\r\nConnection: close\r\n\r\n", 23);
	n += 23;
	return (int)n;
}

void nono_creds_clear_route(struct nono_cred_route *r)
{
	route_free(r);
}

void nono_creds_clear(struct nono_creds *c)
{
	for (size_t i = 0; i < c->n; i++)
		route_free(&c->r[i]);
	c->n = 0;
}

int nono_cred_check(const struct nono_creds *c,
		    const struct nono_http_request *req,
		    const struct nono_cred_route **route, char *upath,
		    size_t cap, char *msg, size_t msglen)
{
	const struct nono_cred_route *r;
	char method[16];
	size_t rest = 0, q;
	bool ok;

	snprintf(method, sizeof(method), "%.*s",
		 (int)(req->method_len < 15 ? req->method_len : 15),
		 req->method);
	r = nono_creds_match(c, req->target, req->target_len, &rest);
	*route = r;
	if (!r) {
		int k = snprintf(
		    msg, msglen,
		    "nono: no credential service at %.*s; this "
		    "proxy serves:",
		    (int)(req->target_len < 200 ? req->target_len : 200),
		    req->target);

		for (size_t i = 0; i < c->n && k > 0 && (size_t)k + 64 < msglen;
		     i++)
			k += snprintf(msg + k, msglen - (size_t)k, " /%s",
				      c->r[i].name);
		if (k > 0 && (size_t)k + 2 < msglen)
			snprintf(msg + k, msglen - (size_t)k, "\n");
		return 404;
	}
	/*
	 * TRACE (and IIS's TRACK) make a server echo the request back, the
	 * real key nono put in it included; CONNECT would turn the route into
	 * a tunnel nono cannot see into.  None is an API call.
	 */
	if ((req->method_len == 5 &&
	     (strncasecmp(req->method, "TRACE", 5) == 0 ||
	      strncasecmp(req->method, "TRACK", 5) == 0)) ||
	    (req->method_len == 7 &&
	     strncasecmp(req->method, "CONNECT", 7) == 0)) {
		snprintf(msg, msglen,
			 "nono: %s is refused on credential services (it "
			 "would echo or tunnel past the injected key)\n",
			 method);
		return 405;
	}
	if (!nono_cred_placeholder_ok(r, req)) {
		snprintf(msg, msglen,
			 "nono: %s: the request does not carry this session's "
			 "key in %s (the sandbox's $%s is the only key this "
			 "proxy accepts)\n",
			 r->name, r->header, r->key_var);
		return 401;
	}
	if (nono_cred_upstream_path(r, req->target + rest,
				    req->target_len - rest, upath, cap) < 0) {
		snprintf(msg, msglen,
			 "nono: the path has dot segments or an encoded '/', "
			 "'.' or '%%': refused, since the upstream could read "
			 "it otherwise than the endpoint rules\n");
		return 400;
	}
	q = strcspn(upath, "?");
	{
		char saved = upath[q];

		upath[q] = '\0';
		ok = nono_cred_endpoint_ok(r, req->method, req->method_len,
					   upath);
		if (!ok)
			snprintf(msg, msglen,
				 "nono: %s %s is not allowed for %s by its "
				 "endpoint rules; allow it with "
				 "--allow-endpoint '%s:%s:%s'\n",
				 method, upath, r->name, r->name, method,
				 upath);
		upath[q] = saved;
	}
	return ok ? 0 : 403;
}
