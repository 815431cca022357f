// SPDX-License-Identifier: Apache-2.0
/*
 * What nono persists of a command line (session records, logs, the audit
 * trail) must not carry the secrets people put on command lines.  Each
 * argument is opaque bytes (no UTF-8 assumed, no locale); a secret value
 * becomes NONO_REDACTED, an empty one stays empty (nothing to hide).
 * Names match case-insensitively, '-' and '_' equal ("--API_KEY" is
 * "--api-key").  Hiding too much is preferred to leaking.
 *
 * Flags.  "--token X" redacts the next argument, whatever it is ("--" or
 * another flag included: "--password -- cmd" cannot tell a missing
 * optional value from a value), "--token=X" the part after '='.  Any
 * number of leading dashes; single-dash long names ("-pass X" of openssl,
 * Go's "-token X") count, a single-dash letter ("-p", "-u") never does
 * (mysql's -pPASS but ssh's -p PORT: too ambiguous).  Secret names:
 *   token access-token auth-token api-key apikey api-token api-secret
 *   password passwd pass passphrase secret client-secret private-key key
 *   session-token bearer credential credentials cookie authorization auth
 * and every name ending in -key -token -secret -password -passwd
 * -passphrase -bearer -pass (--github-token, --db-pass,
 * --aws-secret-access-key,
 * --oauth2-bearer) unless it starts with "no-" (--no-password takes no
 * value).  --key-file, --password-file, --token-file (paths),
 * --tokenizer, --keyboard stay in clear, and so does curl's "-u/--user
 * user:password" (--user names users and uid:gid elsewhere).  A flag's
 * "--name=value" that is not a secret one has its value read again by
 * these argument rules (--header=Authorization: X, --build-arg=NPM_TOKEN=X).
 *
 * Headers.  An argument "Name: value" (after -H, --header=, "-HName:")
 * keeps "Name: " and redacts the rest when Name is one of
 *   Authorization Proxy-Authorization Cookie Set-Cookie X-Api-Key Api-Key
 *   X-Auth-Token X-Access-Token Private-Token X-Goog-Api-Key
 *   X-Amz-Security-Token X-Vault-Token
 * or ends in -token -api-key -secret.  OpenAI-Organization, Content-Type
 * and the like are not secrets.
 *
 * Environment.  "NAME=value", NAME of [A-Za-z_][A-Za-z0-9_]*, upper-cased
 * containing TOKEN SECRET PASSWORD PASSWD API_KEY APIKEY PRIVATE_KEY
 * CREDENTIAL or ending in _KEY, _AUTH or PASS (GITHUB_TOKEN, DB_PASSWORD,
 * DB_PASS, PGPASS,
 * OPENAI_API_KEY; over-redacted: TOKENIZERS_PARALLELISM,
 * GOOGLE_APPLICATION_CREDENTIALS' path).
 *
 * URLs, anywhere in an argument (scheme "://", up to whitespace, a quote,
 * '<' or '>'): the password of "user:PASS@host", or the whole user
 * information without a colon ("https://TOKEN@github.com": where GitHub
 * tokens go); the values of query or fragment parameters (after '?', '&',
 * ';' or '#' past the authority: OAuth's implicit flow puts access_token
 * in the fragment) whose key is one of
 *   token access_token refresh_token id_token auth_token private_token
 *   auth api_key apikey key secret client_secret password passwd code
 *   state
 * "signature" and "sig" are not (config.toml's extra_query_keys adds
 * them).  A URL inside a parameter's value is read too
 * (?next=https://u:p@h); percent-encoded ones are not decoded.
 *
 * Inside an argument (a shell command of sh -c): after whitespace, a quote
 * or one of ;&|()<> a word "--secret-flag=v" or "SECRET_NAME=v" has v
 * redacted up to the next such character (inside the quotes when v is
 * quoted, "--password='a b'"), and after a quote a secret header's value
 * up to the closing quote (curl -H 'Authorization: Bearer X'); not
 * inside a URL, whose parameters only the query keys decide.  A bare
 * "--token X" inside one argument is not found: with no '=', ':', '@' or
 * '?' an argument is never changed unless it follows a secret flag.
 *
 * The policy adds flag names (dashes optional), header names and query
 * keys; allow_unredacted leaves a default name in clear (a flag name
 * without dashes, a header name, a query key or an environment name,
 * matched exactly and in every rule that names it: "public-key" clears
 * --public-key, not --key), honoured only with unsafe_overrides.  An
 * extra name stays a secret even when also allowed.
 *
 * Every rule looks at a bounded stretch (a name, a value it then skips):
 * each argument costs O(length * names), computed twice (the size, then
 * the copy into the one block).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "session/redact.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *const default_flags[] = {
    "token",         "access-token", "auth-token",    "api-key",     "apikey",
    "api-token",     "api-secret",   "password",      "passwd",      "pass",
    "passphrase",    "secret",       "client-secret", "private-key", "key",
    "session-token", "bearer",       "credential",    "credentials", "cookie",
    "authorization", "auth",
};

static const char *const flag_suffixes[] = {
    "-key",    "-token",      "-secret", "-password",
    "-passwd", "-passphrase", "-bearer", "-pass",
};

static const char *const default_headers[] = {
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "api-key",
    "x-auth-token",
    "x-access-token",
    "private-token",
    "x-goog-api-key",
    "x-amz-security-token",
    "x-vault-token",
};

static const char *const header_suffixes[] = {"-token", "-api-key", "-secret"};

static const char *const default_query_keys[] = {
    "token",      "access_token",  "refresh_token", "id_token",
    "auth_token", "private_token", "auth",          "api_key",
    "apikey",     "key",           "secret",        "client_secret",
    "password",   "passwd",        "code",          "state",
};

static const char *const env_markers[] = {
    "TOKEN",   "SECRET", "PASSWORD",    "PASSWD",
    "API_KEY", "APIKEY", "PRIVATE_KEY", "CREDENTIAL",
};

static const char *const env_suffixes[] = {"_KEY", "_AUTH", "PASS"};

struct ctx {
	const struct nono_redact_policy *p; /* NULL: the defaults */
	bool overrides;                     /* allow_unredacted honoured */
};

/*
 * The output, counted first (buf NULL) and then written into the block of
 * exactly that size: one code path computes both, so they cannot differ.
 */
struct out {
	char *buf;
	size_t len, cap;
	bool overflow;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->overflow || n > SIZE_MAX - o->len ||
	    (o->buf && o->len + n > o->cap)) {
		o->overflow = true;
		return;
	}
	if (o->buf && n)
		memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void put_redacted(struct out *o)
{
	put(o, NONO_REDACTED, sizeof(NONO_REDACTED) - 1);
}

/* ASCII only, whatever the locale: other bytes are never name bytes. */
static bool is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(unsigned char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

static unsigned char fold(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (unsigned char)(c - 'A' + 'a');
	return c == '_' ? '-' : c;
}

static bool is_quote(unsigned char c)
{
	return c == '\'' || c == '"' || c == '`';
}

static bool is_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Where a URL ends in running text (a shell command, a message). */
static bool is_url_end(unsigned char c)
{
	return is_space(c) || is_quote(c) || c == '<' || c == '>';
}

/* What starts a word inside an argument, and ends an unquoted value. */
static bool is_boundary(unsigned char c)
{
	return is_url_end(c) || c == ';' || c == '&' || c == '|' || c == '(' ||
	       c == ')';
}

static bool is_flag_char(unsigned char c)
{
	return is_alnum(c) || c == '-' || c == '_';
}

static bool is_header_char(unsigned char c)
{
	return is_alnum(c) || c == '-' || c == '_' || c == '.';
}

/* @s (@n bytes) equals the NUL-terminated @pat, folded. */
static bool name_eq(const char *s, size_t n, const char *pat)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (pat[i] == '\0' ||
		    fold((unsigned char)s[i]) != fold((unsigned char)pat[i]))
			return false;
	return pat[i] == '\0';
}

/* @s is longer than @suf and ends with it, folded. */
static bool name_ends(const char *s, size_t n, const char *suf)
{
	size_t m = strlen(suf);

	return n > m && name_eq(s + n - m, m, suf);
}

static bool in_table(const char *s, size_t n, const char *const *t, size_t nt)
{
	for (size_t i = 0; i < nt; i++)
		if (name_eq(s, n, t[i]))
			return true;
	return false;
}

static bool ends_in_table(const char *s, size_t n, const char *const *t,
			  size_t nt)
{
	for (size_t i = 0; i < nt; i++)
		if (name_ends(s, n, t[i]))
			return true;
	return false;
}

/* A policy list; its entries may carry a flag's dashes ("--token"). */
static bool in_list(const char *s, size_t n, char *const *l, size_t nl)
{
	if (!l)
		return false;
	for (size_t i = 0; i < nl; i++) {
		const char *e = l[i];

		if (!e)
			continue;
		while (*e == '-')
			e++;
		if (name_eq(s, n, e))
			return true;
	}
	return false;
}

static bool allowed(const struct ctx *c, const char *s, size_t n)
{
	return c->overrides &&
	       in_list(s, n, c->p->allow_unredacted, c->p->n_allow_unredacted);
}

/* @s, @n: a flag's name, its dashes stripped. */
static bool flag_secret(const struct ctx *c, const char *s, size_t n)
{
	if (n == 0)
		return false;
	if (c->p && in_list(s, n, c->p->extra_flags, c->p->n_extra_flags))
		return true;
	if (allowed(c, s, n))
		return false;
	if (in_table(s, n, default_flags, ARRAY_LEN(default_flags)))
		return true;
	return ends_in_table(s, n, flag_suffixes, ARRAY_LEN(flag_suffixes)) &&
	       !(n > 3 && name_eq(s, 3, "no-"));
}

static bool header_secret(const struct ctx *c, const char *s, size_t n)
{
	if (c->p && in_list(s, n, c->p->extra_headers, c->p->n_extra_headers))
		return true;
	if (allowed(c, s, n))
		return false;
	return in_table(s, n, default_headers, ARRAY_LEN(default_headers)) ||
	       ends_in_table(s, n, header_suffixes, ARRAY_LEN(header_suffixes));
}

static bool query_secret(const struct ctx *c, const char *s, size_t n)
{
	if (c->p &&
	    in_list(s, n, c->p->extra_query_keys, c->p->n_extra_query_keys))
		return true;
	return !allowed(c, s, n) && in_table(s, n, default_query_keys,
					     ARRAY_LEN(default_query_keys));
}

/* Upper-case ASCII @pat occurs in @s (@n bytes), any case. */
static bool contains_upper(const char *s, size_t n, const char *pat)
{
	size_t m = strlen(pat);

	for (size_t i = 0; i + m <= n; i++) {
		size_t j = 0;

		while (j < m && fold((unsigned char)s[i + j]) ==
				    fold((unsigned char)pat[j]))
			j++;
		if (j == m)
			return true;
	}
	return false;
}

static bool env_secret(const struct ctx *c, const char *s, size_t n)
{
	if (allowed(c, s, n))
		return false;
	for (size_t i = 0; i < ARRAY_LEN(env_markers); i++)
		if (contains_upper(s, n, env_markers[i]))
			return true;
	return ends_in_table(s, n, env_suffixes, ARRAY_LEN(env_suffixes));
}

/*
 * A flag at @s: *dashes leading dashes, then the name up to the returned
 * end (the first byte that is not [A-Za-z0-9_-], or @n).  Scans no more
 * than the name.
 */
static size_t flag_end(const char *s, size_t n, size_t *dashes)
{
	size_t d = 0, e;

	while (d < n && s[d] == '-')
		d++;
	for (e = d; e < n && is_flag_char((unsigned char)s[e]); e++)
		;
	*dashes = d;
	return e;
}

/* "-p" and the like: a single-dash letter is never a secret flag. */
static bool named_flag(const struct ctx *c, const char *s, size_t d, size_t e)
{
	if (d == 0 || e == d || (d == 1 && e - d == 1))
		return false;
	return flag_secret(c, s + d, e - d);
}

/* A whole argument that is a secret flag with no "=value". */
static bool bare_flag(const struct ctx *c, const char *s)
{
	size_t d = 0, e;

	if (s[0] != '-')
		return false;
	while (s[d] == '-')
		d++;
	for (e = d; is_flag_char((unsigned char)s[e]); e++)
		;
	return s[e] == '\0' && named_flag(c, s, d, e);
}

/*
 * A secret header line "Name: value" at @s: true with *v where the value
 * starts (past the colon and the blanks after it).
 */
static bool header_at(const struct ctx *c, const char *s, size_t n, size_t *v)
{
	size_t j = 0, k;

	while (j < n && is_header_char((unsigned char)s[j]))
		j++;
	for (k = j; k < n && (s[k] == ' ' || s[k] == '\t'); k++)
		;
	if (j == 0 || k == n || s[k] != ':' || !header_secret(c, s, j))
		return false;
	for (k++; k < n && (s[k] == ' ' || s[k] == '\t'); k++)
		;
	*v = k;
	return true;
}

/* A secret "NAME=value" at @s: true with *v just past the '='. */
static bool env_at(const struct ctx *c, const char *s, size_t n, size_t *v)
{
	size_t j = 1;

	if (n == 0 || !(is_alpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	while (j < n && (is_alnum((unsigned char)s[j]) || s[j] == '_'))
		j++;
	if (j == n || s[j] != '=' || !env_secret(c, s, j))
		return false;
	*v = j + 1;
	return true;
}

/*
 * The value of a word found inside an argument, starting at *vs: quoted,
 * its inside; after quote @q (the word was quoted), up to the closing @q;
 * else up to a boundary.  Returns its end, *vs moved past an opening
 * quote.
 */
static size_t value_end(const char *s, size_t n, size_t *vs, char q)
{
	size_t e = *vs;

	if (e < n && is_quote((unsigned char)s[e])) {
		q = s[e];
		*vs = ++e;
	}
	if (q) {
		const char *close = memchr(s + e, q, n - e);

		return close ? (size_t)(close - s) : n;
	}
	while (e < n && !is_boundary((unsigned char)s[e]))
		e++;
	return e;
}

/*
 * A secret word at @s[i], i at a word start inside an argument: true with
 * the value's span [*vs, *ve).
 */
static bool word_at(const struct ctx *c, const char *s, size_t n, size_t i,
		    size_t *vs, size_t *ve)
{
	char q = i > 0 && is_quote((unsigned char)s[i - 1]) ? s[i - 1] : 0;
	const char *t = s + i;
	size_t m = n - i, d, e, v;

	if (t[0] == '-') {
		e = flag_end(t, m, &d);
		if (e < m && t[e] == '=' && named_flag(c, t, d, e)) {
			*vs = i + e + 1;
			*ve = value_end(s, n, vs, q);
			return true;
		}
	}
	/* Unquoted, "cookie: x" is as likely prose as a header. */
	if (q && header_at(c, t, m, &v)) {
		const char *close = memchr(t + v, q, m - v);

		*vs = i + v;
		*ve = close ? (size_t)(close - s) : n;
		return true;
	}
	if (env_at(c, t, m, &v)) {
		*vs = i + v;
		*ve = value_end(s, n, vs, q);
		return true;
	}
	return false;
}

/*
 * A secret query or fragment parameter "key=value" at @s[k] (just past
 * '?', '&', ';' or '#'): true with the value's span.
 */
static bool query_at(const struct ctx *c, const char *s, size_t n, size_t k,
		     size_t *vs, size_t *ve)
{
	size_t j = k, e;

	while (j < n && s[j] != '=' && s[j] != '&' && s[j] != ';' &&
	       s[j] != '#' && !is_url_end((unsigned char)s[j]))
		j++;
	if (j == n || s[j] != '=' || !query_secret(c, s + k, j - k))
		return false;
	for (e = j + 1; e < n && s[e] != '&' && s[e] != ';' && s[e] != '#' &&
			!is_url_end((unsigned char)s[e]);
	     e++)
		;
	*vs = j + 1;
	*ve = e;
	return true;
}

/*
 * The user information of the authority at @s[a] (just past "://"): true
 * with the span to redact, the password or, with no colon, all of it.
 * The authority ends at '/', '?', '#' or the URL's end; its last '@' ends
 * the user information.
 */
static bool userinfo_at(const char *s, size_t n, size_t a, size_t *vs,
			size_t *ve)
{
	const char *colon;
	size_t j, at = n;

	for (j = a; j < n && s[j] != '/' && s[j] != '?' && s[j] != '#' &&
		    !is_url_end((unsigned char)s[j]);
	     j++)
		if (s[j] == '@')
			at = j;
	if (at == n)
		return false;
	colon = memchr(s + a, ':', at - a);
	*vs = colon ? (size_t)(colon - s) + 1 : a;
	*ve = at;
	return true;
}

/* Where scan() is in a URL: a parameter starts only past the authority. */
enum url_state {
	URL_NONE,
	URL_AUTHORITY, /* just past "://", up to '/', '?' or '#' */
	URL_REST,      /* path, query, fragment */
};

/*
 * The rules that apply anywhere in an argument: words after boundaries,
 * URLs' user information and parameters.  One pass; a matched value is
 * skipped, a failed match scanned no further than the name it tried.
 */
static void scan(const struct ctx *c, const char *s, size_t n, struct out *o)
{
	size_t i = 0, lit = 0, vs, ve;
	enum url_state url = URL_NONE;

	while (i < n) {
		unsigned char ch = (unsigned char)s[i];
		bool hit = false;

		if (is_url_end(ch))
			url = URL_NONE;
		else if (url == URL_AUTHORITY &&
			 (ch == '/' || ch == '?' || ch == '#'))
			url = URL_REST;
		/* In a URL, '&' and ';' part parameters: the query keys
		 * decide (?page_token= is no secret). */
		if (url == URL_NONE &&
		    (i == 0 || is_boundary((unsigned char)s[i - 1])))
			hit = word_at(c, s, n, i, &vs, &ve);
		if (!hit && url == URL_REST &&
		    (ch == '?' || ch == '&' || ch == ';' || ch == '#'))
			hit = query_at(c, s, n, i + 1, &vs, &ve);
		if (!hit && ch == ':' && i > 0 &&
		    is_alnum((unsigned char)s[i - 1]) && n - i >= 3 &&
		    s[i + 1] == '/' && s[i + 2] == '/') {
			url = URL_AUTHORITY;
			i += 3;
			hit = userinfo_at(s, n, i, &vs, &ve);
			if (!hit)
				continue;
		}
		if (!hit) {
			i++;
			continue;
		}
		put(o, s + lit, vs - lit);
		if (ve > vs)
			put_redacted(o);
		i = lit = ve;
	}
	put(o, s + lit, n - lit);
}

/* Put @s's part [0, @v) and redact the rest, if any. */
static void put_head(struct out *o, const char *s, size_t n, size_t v)
{
	put(o, s, v);
	if (v < n)
		put_redacted(o);
}

/*
 * An argument not following a secret flag: the whole-argument forms
 * (whose values run to its end), else the rules that apply anywhere.  A
 * non-secret "--name=" is peeled off and its value read the same way, in
 * a loop ("--a=--b=..." must not recurse).
 */
static void redact_text(const struct ctx *c, const char *s, size_t n,
			struct out *o)
{
	for (;;) {
		size_t d, e, v;

		if (n > 2 && s[0] == '-' && s[1] == 'H' &&
		    header_at(c, s + 2, n - 2, &v)) {
			put_head(o, s, n, v + 2);
			return;
		}
		if (n > 0 && s[0] == '-') {
			e = flag_end(s, n, &d);
			if (e < n && s[e] == '=' && e > d) {
				bool secret = named_flag(c, s, d, e);

				put(o, s, e + 1);
				s += e + 1;
				n -= e + 1;
				if (secret) {
					put_head(o, s, n, 0);
					return;
				}
				continue;
			}
		}
		if (header_at(c, s, n, &v) || env_at(c, s, n, &v)) {
			put_head(o, s, n, v);
			return;
		}
		scan(c, s, n, o);
		return;
	}
}

/* @after_secret: the argument before was a bare secret flag. */
static void redact_one(const struct ctx *c, const char *s, bool after_secret,
		       struct out *o)
{
	size_t n = strlen(s);

	if (after_secret)
		put_head(o, s, n, 0);
	else
		redact_text(c, s, n, o);
	put(o, "", 1);
}

/* Both passes: @ret NULL counts, else fills ret[] and @o's buffer. */
static void redact_all(const struct ctx *c, char *const *argv, size_t argc,
		       char **ret, struct out *o)
{
	bool after = false;

	for (size_t i = 0; i < argc; i++) {
		if (ret)
			ret[i] = o->buf + o->len;
		redact_one(c, argv[i], after, o);
		after = bare_flag(c, argv[i]);
	}
}

char **nono_redact_argv(char *const *argv, const struct nono_redact_policy *p)
{
	struct ctx c = {p, p && p->unsafe_overrides};
	struct out o = {0};
	size_t argc = 0, head;
	char **ret;

	while (argv && argv[argc])
		argc++;
	redact_all(&c, argv, argc, NULL, &o);
	if (argc >= SIZE_MAX / sizeof(char *) - 1 || o.overflow)
		return NULL;
	head = (argc + 1) * sizeof(char *);
	if (o.len > SIZE_MAX - head)
		return NULL;
	ret = malloc(head + o.len);
	if (!ret)
		return NULL;
	o = (struct out){.buf = (char *)ret + head, .cap = o.len};
	redact_all(&c, argv, argc, ret, &o);
	if (o.overflow) {
		/* The two passes are one computation: never reached. */
		free(ret);
		return NULL;
	}
	ret[argc] = NULL;
	return ret;
}

bool nono_redact_is_default(const struct nono_redact_policy *p)
{
	return !p || (p->n_extra_flags == 0 && p->n_extra_headers == 0 &&
		      p->n_extra_query_keys == 0 &&
		      !(p->unsafe_overrides && p->n_allow_unredacted > 0));
}
