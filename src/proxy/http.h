/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The request head a client sends to nono's proxy: parsed strictly and
 * within fixed limits, since the sandboxed child writes it.  What is
 * refused: heads over 16 KiB (431), more than 100 header fields, bare CR,
 * NUL and other control bytes, obsolete line folding, header names that
 * are not tokens, a CONNECT target that is not host:port with a numeric
 * port 1-65535, an absolute-form target that is not http://, and a request
 * that carries both Content-Length and Transfer-Encoding or two different
 * Content-Lengths (the ways to smuggle a second request past a check).
 */
#ifndef NONO_PROXY_HTTP_H
#define NONO_PROXY_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NONO_HTTP_MAX_HEAD 16384
#define NONO_HTTP_MAX_FIELDS 100
#define NONO_HTTP_MAX_HOST 253

struct nono_http_field {
	const char *name, *value; /* point into the head; not terminated */
	size_t name_len, value_len;
};

struct nono_http_request {
	const char *method, *target; /* not terminated */
	size_t method_len, target_len;
	int minor; /* HTTP/1.x */
	bool connect;
	/* CONNECT host:port, or the host and port of an http:// target. */
	char host[NONO_HTTP_MAX_HOST + 1];
	uint16_t port;
	/* For http://: where the origin-form path starts in target. */
	size_t path_off;
	struct nono_http_field fields[NONO_HTTP_MAX_FIELDS];
	size_t nfields;
	size_t head_len; /* bytes of the head, CRLFCRLF included */
	bool chunked;
	long long content_length; /* -1: none */
};

enum nono_http_status {
	NONO_HTTP_INCOMPLETE = 0, /* need more bytes */
	NONO_HTTP_OK = 1,
	NONO_HTTP_BAD = 400,
	NONO_HTTP_TOO_LARGE = 431,
	NONO_HTTP_BAD_METHOD = 405,
};

/*
 * Parses the head at the start of @buf (@len bytes).  Returns
 * NONO_HTTP_INCOMPLETE when no end of head is in sight yet (and @len is
 * under the limit), NONO_HTTP_OK with *@req filled, or the HTTP status to
 * answer with; *@why (may be NULL) then names the problem.
 */
enum nono_http_status nono_http_parse(const char *buf, size_t len,
				      struct nono_http_request *req,
				      const char **why);

/* The same for a request inside an intercepted TLS tunnel, which names
 * only a path ("GET /x HTTP/1.1"); path_off is 0 and host stays empty. */
enum nono_http_status nono_http_parse_origin(const char *buf, size_t len,
					     struct nono_http_request *req,
					     const char **why);

/*
 * Where a chunked request body ends.  Feed it the body's bytes in order;
 * it says how many of them belong to the body (the rest is whatever the
 * client sent after it, which is never forwarded: a second request hidden
 * there would pass no check).  Strict: CRLF only, hex sizes of at most 15
 * digits, extensions and trailer lines of at most 4 KiB.
 */
struct nono_chunked {
	int state;
	unsigned long long left; /* of the current chunk's data */
	size_t run;              /* bytes of the current size/ext/trailer */
	int digits;
};

enum nono_chunked_result {
	NONO_CHUNKED_MORE, /* all of it was body; more to come */
	NONO_CHUNKED_DONE, /* the body ended within it */
	NONO_CHUNKED_BAD,  /* malformed */
};

/* Scans @len bytes; *@used is how many belong to the body. */
enum nono_chunked_result nono_chunked_scan(struct nono_chunked *c,
					   const char *buf, size_t len,
					   size_t *used);

/*
 * An origin's response head (a credential service's answer, relayed to the
 * client): its status and where its body ends.  Heads over 64 KiB are
 * refused (431), and so are control bytes, folding and conflicting
 * Content-Lengths.  Whether there is a body at all also depends on the
 * request (HEAD) and the status (1xx, 204, 304): the caller decides.
 */
#define NONO_HTTP_MAX_RESPONSE_HEAD 65536
struct nono_http_response {
	int status, minor;
	bool chunked;             /* the body is chunked */
	long long content_length; /* -1: none (chunked, or until close) */
	/* The connection ends after this response: Connection: close,
	 * HTTP/1.0 without keep-alive, a body that runs to the close, or
	 * both Content-Length and Transfer-Encoding. */
	bool close;
	bool conn_close; /* only what the head says (Connection, HTTP/1.0) */
	/* The body is coded (Content-Encoding, or a transfer coding other
	 * than chunked): its bytes are not the text. */
	bool encoded;
	size_t head_len;
};
enum nono_http_status nono_http_parse_response(const char *buf, size_t len,
					       struct nono_http_response *rsp,
					       const char **why);

/*
 * Where an answer ends, fed its bytes in order as they arrive (so that a
 * kept-alive connection can carry the next request): 1xx heads, then the
 * final head and a body of Content-Length bytes, chunked, none (HEAD, 204,
 * 304), or up to the close.  A head that does not parse is passed on
 * unframed, and then the connection closes after it.
 */
struct nono_http_answer {
	int state, status; /* status: the last head's */
	bool head_request; /* the request was HEAD: no body */
	bool close;        /* the connection cannot serve another request */
	/* A final head said the body is coded, or (with a mask) the head
	 * could not be read: the answer cannot be checked for a key. */
	bool encoded;
	/* When set, before each feed, by the caller: one byte per byte fed,
	 * 1 where it is the answer's text (head, body data, trailers), 0
	 * where it is chunk framing (size lines, the CRLF after the data). */
	unsigned char *mask;
	char *head; /* NONO_HTTP_MAX_RESPONSE_HEAD bytes (the
		       caller's) where a head split across reads
		       gathers */
	size_t hlen;
	unsigned long long left;
	struct nono_chunked ch;
};
void nono_http_answer_init(struct nono_http_answer *a, char *headbuf,
			   bool head_request);
/* Feeds @len bytes; *@used is how many belong to the answer (the rest came
 * after its end).  True once the answer has ended. */
bool nono_http_answer_feed(struct nono_http_answer *a, const char *buf,
			   size_t len, size_t *used);

/* Whether a request target (@n bytes, path and query) could be read by an
 * origin otherwise than a path rule or a credential route reads it: a '#'
 * anywhere (no fragment belongs in a request), and in the path a "." or
 * ".." segment, one with parameters (";" after the dots: "/..;/", which
 * Tomcat and others read as ".."), a backslash, a percent-encoded '/',
 * '.', '%', '\\' or NUL, or a bad escape.  Such targets never match a rule
 * and are refused on credential routes.  The one checker for both. */
bool nono_http_path_ambiguous(const char *p, size_t n);

/* Whether a field is the proxy's to write, never passed on from the
 * client: hop-by-hop fields (Connection, Keep-Alive, TE, Trailer,
 * Upgrade, Proxy-*) and Host, which names the checked host instead. */
bool nono_http_hop_field(const char *name, size_t len);

/* Whether the client wants the connection closed after @r (Connection:
 * close, or HTTP/1.0 without keep-alive). */
bool nono_http_wants_close(const struct nono_http_request *r);

/* Whether @r carries a body: a Content-Length over 0, or chunked (even an
 * empty chunked one).  An origin may read a body otherwise than the proxy
 * framed it (a GET handler that ignores it reads it as the next request),
 * so a connection to the origin never carries another request after one
 * with a body: it goes up with Connection: close and ends after the
 * answer. */
bool nono_http_has_body(const struct nono_http_request *r);

/* The first field named @name (case-insensitive), or NULL. */
const struct nono_http_field *
nono_http_field(const struct nono_http_request *req, const char *name);

/*
 * Checks a Proxy-Authorization value against @token: "Basic " and the
 * base64 of "nono:TOKEN" (what clients send for http://nono:TOKEN@host/),
 * compared in constant time.  True when it matches.
 */
bool nono_http_proxy_auth_ok(const struct nono_http_field *f,
			     const char *token);

#endif
