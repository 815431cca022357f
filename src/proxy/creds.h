/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Credential injection (--credential): the proxy also serves
 * http://127.0.0.1:PORT/SERVICE/... as a reverse proxy.  The command is
 * given SERVICE's base URL and, in its API-key variable, a per-session
 * placeholder; a request that carries the placeholder in the service's
 * header is forwarded to the service's upstream with the real credential in
 * its place.  The command never holds the secret.  Endpoint rules
 * (--allow-endpoint SERVICE:METHOD:PATH) narrow what a service may be asked.
 *
 * Everything here that reads a request is bounded: the target and the
 * fields come from the sandboxed child.
 */
#ifndef NONO_PROXY_CREDS_H
#define NONO_PROXY_CREDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proxy/http.h"

#define NONO_CREDS_MAX 32

struct nono_cred_rule {
	char method[16]; /* "*" for any */
	char *path;      /* glob on the upstream path ("*", "**") */
};

struct nono_cred_route {
	char *name;     /* the service; the path prefix /NAME */
	char *upstream; /* as configured, for messages */
	bool tls;       /* https:// (else http:// on loopback only) */
	char host[NONO_HTTP_MAX_HOST + 1];
	uint16_t port;
	char *base;           /* upstream path prefix, no trailing '/' */
	char *header;         /* the field that carries the credential */
	char *format;         /* its value, "{}" standing for the key */
	char *key;            /* credential_key: where the secret is */
	char *key_var;        /* the command's API-key variable */
	char *extra_key_var;  /* another name SDKs read, or NULL */
	char *base_var;       /* the command's base-URL variable */
	char placeholder[64]; /* what key_var holds */
	char *expect;         /* format with the placeholder */
	char *bearer;         /* "Bearer " and the placeholder */
	char *value;          /* format with the secret (wiped) */
	size_t value_len;
	size_t secret_off, secret_len; /* where the secret is in value */
	struct nono_cred_rule *rules;
	size_t nrules;
};

struct nono_creds {
	struct nono_cred_route r[NONO_CREDS_MAX];
	size_t n;
};

/* The preset services (openai, anthropic, gemini, google-ai), by index. */
size_t nono_cred_preset_count(void);
const char *nono_cred_preset_name(size_t i);

/*
 * Adds preset @name.  Returns 0, -EEXIST when it is there already, or
 * -EINVAL with *@why.
 */
int nono_creds_add_preset(struct nono_creds *c, const char *name,
			  const char **why);

/*
 * Adds a custom service: @upstream is https://host[:port][/base], or
 * http:// on a loopback address (127.0.0.0/8, [::1], localhost).
 * @header (default Authorization), @format (default "Bearer {}", exactly
 * one "{}"), @key (default NAME_api_key) and @env_var (default
 * NAME_API_KEY, upper-cased with '-' as '_') may be NULL.
 */
int nono_creds_add_custom(struct nono_creds *c, const char *name,
			  const char *upstream, const char *key,
			  const char *header, const char *format,
			  const char *env_var, const char **why);

/* The route of service @name, or NULL. */
struct nono_cred_route *nono_creds_find(struct nono_creds *c, const char *name);

/* "SERVICE:METHOD:PATH" (--allow-endpoint).  -ENOENT when SERVICE is not
 * one of @c's; -EINVAL with *@why when malformed. */
int nono_creds_add_rule(struct nono_creds *c, const char *spec,
			const char **why);
/* The same, split (a profile's endpoint_rules). */
int nono_cred_route_add_rule(struct nono_cred_route *r, const char *method,
			     const char *path, const char **why);

/*
 * Arms @r for a session: a fresh random placeholder, and the header values
 * made from it and from @secret (@len bytes, no CR, LF or NUL).  Returns 0
 * or -errno.
 */
int nono_cred_arm(struct nono_cred_route *r, const char *secret, size_t len);

/*
 * The route a request target ("/SERVICE/rest?query") names, and where the
 * rest starts in it (*@rest); NULL when none does.
 */
const struct nono_cred_route *nono_creds_match(const struct nono_creds *c,
					       const char *target, size_t len,
					       size_t *rest);

/* Whether @req carries the placeholder, in the route's header or as
 * "Authorization: Bearer PLACEHOLDER", once, and no other value in either
 * (compared in constant time). */
bool nono_cred_placeholder_ok(const struct nono_cred_route *r,
			      const struct nono_http_request *req);

/*
 * The upstream path (base + rest, query included) into @out (@cap bytes).
 * Returns its length, or -1 when it does not fit or the path is one that
 * an upstream could read differently from the rules (dot segments, encoded
 * '/', '.' or '%', a backslash): those are refused.
 */
int nono_cred_upstream_path(const struct nono_cred_route *r, const char *rest,
			    size_t len, char *out, size_t cap);

/* Whether the endpoint rules let @method (@mlen bytes) ask for @path (the
 * upstream path, query excluded).  True when the route has no rules. */
bool nono_cred_endpoint_ok(const struct nono_cred_route *r, const char *method,
			   size_t mlen, const char *path);

/*
 * The request head sent upstream into @out (@cap bytes): @path, Host of
 * the upstream, the client's fields minus hop-by-hop ones, Host, the
 * service's header and Authorization (the placeholder's carriers), then the
 * real credential in the service's header, and Connection: close unless
 * @keep (the connection then stays open for the client's next request)
 * and the request has no body (nono_http_has_body: the next head, which
 * carries the key, never follows a body the upstream may read otherwise).
 * Returns its length, or -1 when it does not fit.  @out then holds the
 * secret: wipe it.
 */
int nono_cred_head(const struct nono_cred_route *r,
		   const struct nono_http_request *req, const char *path,
		   bool keep, char *out, size_t cap);

/*
 * Everything a request to the credential services must pass, in the proxy
 * for a connection's first request and in nono-tls for the later ones of a
 * kept-alive connection: the service its target names (else 404), this
 * session's placeholder (401), an unambiguous upstream path (400), the
 * endpoint rules (403).  Returns 0 with *@route and the upstream path,
 * query included, in @upath (@cap bytes; the target's length + 1024 is
 * always enough), or the status to answer with a one-line message in @msg
 * (*@route is then the service, or NULL for 404).
 */
int nono_cred_check(const struct nono_creds *c,
		    const struct nono_http_request *req,
		    const struct nono_cred_route **route, char *upath,
		    size_t cap, char *msg, size_t msglen);

/*
 * The secret itself (inside the route's header value), or NULL when the
 * route is not armed.  An upstream's answer is scrubbed of it.
 */
const char *nono_cred_secret(const struct nono_cred_route *r, size_t *len);

/* Secrets shorter than this are not scrubbed from answers: so short a
 * string would match ordinary text (and is no real API key). */
#define NONO_CRED_SCRUB_MIN 8

/*
 * Scrubs an upstream's answer of the key as it streams to the client:
 * every occurrence of the key in the answer's text becomes as many '*'
 * (same length: Content-Length and chunk sizes stay right), also when
 * chunk framing or a read boundary cuts it.
 */
struct nono_scrub {
	const char *key; /* NULL: scrubs nothing */
	size_t klen, m;  /* m: key bytes matched so far */
	size_t *fail;    /* the key's failure function (KMP) */
	size_t *pos;     /* where the matched bytes are in the buffer */
};

/* Returns 0 or -ENOMEM.  A key shorter than NONO_CRED_SCRUB_MIN (or
 * NULL) makes a scrubber that changes nothing. */
int nono_scrub_init(struct nono_scrub *s, const char *key, size_t klen);
void nono_scrub_free(struct nono_scrub *s);

/*
 * The buffer holds @from bytes kept from the last call, then new ones up to
 * @len; @mask (NULL: every byte) says which new bytes are the answer's
 * text (nono_http_answer's mask), the rest being framing that a key may
 * straddle.  Whole occurrences are scrubbed in place.  Returns how many
 * leading bytes may be sent now; the caller moves the rest (a possible
 * start of the key) to the front and appends the next bytes after it.
 * With @final (the answer's end) nothing is kept and the state restarts.
 */
size_t nono_scrub_feed(struct nono_scrub *s, char *buf, size_t from, size_t len,
		       const unsigned char *mask, bool final);

/* The reason phrase of a status nono_cred_check returns (400-405). */
const char *nono_cred_reason(int status);

/*
 * The 502 answer a client gets instead of an upstream answer that cannot be
 * checked for the key (coded, or a head nono cannot read), into @buf (@cap
 * bytes).  Returns its length (0 when it does not fit).
 */
size_t nono_cred_uncheckable_answer(char *buf, size_t cap);

/* Frees one route (as filled by nono_msg_route_decode), wiped first;
 * safe on a zeroed one. */
void nono_creds_clear_route(struct nono_cred_route *r);

/* Frees everything, the secrets wiped first. */
void nono_creds_clear(struct nono_creds *c);

#endif
