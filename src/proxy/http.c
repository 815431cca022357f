// SPDX-License-Identifier: Apache-2.0
/*
 * HTTP/1.x request heads for the proxy (see http.h for what is refused).
 * Every loop is bounded by the head's length, which is bounded by
 * NONO_HTTP_MAX_HEAD.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proxy/http.h"
#include "util/url.h"

static bool tchar(unsigned char c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool ieq(const char *a, size_t alen, const char *b)
{
	size_t n = strlen(b);

	if (alen != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (tolower((unsigned char)a[i]) !=
		    tolower((unsigned char)b[i]))
			return false;
	return true;
}

const struct nono_http_field *
nono_http_field(const struct nono_http_request *req, const char *name)
{
	for (size_t i = 0; i < req->nfields; i++)
		if (ieq(req->fields[i].name, req->fields[i].name_len, name))
			return &req->fields[i];
	return NULL;
}

/* host[:port] (IPv6 in brackets) into req->host / req->port. */
static bool authority(const char *s, size_t n, bool need_port,
		      uint16_t default_port, struct nono_http_request *req)
{
	struct nono_authority a;

	if (nono_authority_parse(s, n, &a, NULL) < 0 ||
	    a.hostlen > NONO_HTTP_MAX_HOST || (need_port && !a.has_port))
		return false;
	for (size_t i = 0; i < a.hostlen; i++)
		req->host[i] = (char)tolower((unsigned char)a.host[i]);
	req->host[a.hostlen] = '\0';
	req->port = a.has_port ? a.port : default_port;
	return true;
}

static enum nono_http_status bad(const char **why, const char *msg)
{
	if (why)
		*why = msg;
	return NONO_HTTP_BAD;
}

/* The request target: authority-form for CONNECT, absolute http:// for
 * everything else (a proxy is asked for full URLs). */
static enum nono_http_status target(struct nono_http_request *req,
				    bool origin_form, const char **why)
{
	const char *t = req->target;
	size_t n = req->target_len, alen;

	if (origin_form) {
		/* Inside an intercepted tunnel: "/path?query" only. */
		if (req->connect || n == 0 || t[0] != '/')
			return bad(why, "the target must be a path");
		req->path_off = 0;
		return NONO_HTTP_OK;
	}
	if (req->connect) {
		if (!authority(t, n, true, 0, req))
			return bad(why, "CONNECT needs host:port with a "
					"numeric port 1-65535");
		return NONO_HTTP_OK;
	}
	if (n < 8 || strncasecmp(t, "http://", 7) != 0)
		return bad(why, "the target must be an http:// URL (use "
				"CONNECT for https)");
	t += 7;
	n -= 7;
	alen = 0;
	while (alen < n && !strchr("/?#", t[alen]))
		alen++;
	/* No userinfo: "http://allowed.com@evil.com/" is one host. */
	if (memchr(t, '@', alen))
		return bad(why, "credentials in the URL are refused");
	if (!authority(t, alen, false, 80, req))
		return bad(why, "bad host in the URL");
	req->path_off = 7 + alen;
	return NONO_HTTP_OK;
}

/* Just past the CRLFCRLF that ends a head in the first @scan bytes of
 * @buf, or NULL. */
static const char *head_end(const char *buf, size_t scan)
{
	for (size_t i = 0; i + 3 < scan; i++)
		if (buf[i] == '\r' && buf[i + 1] == '\n' &&
		    buf[i + 2] == '\r' && buf[i + 3] == '\n')
			return buf + i + 4;
	return NULL;
}

/*
 * One header line at @line (the head ends at @end): NAME ":" OWS VALUE OWS
 * CRLF, no folding, no bare CR or LF.  Fills *@f and returns where the next
 * line starts, or NULL with *@why naming the problem.
 */
static const char *field_line(const char *line, const char *end,
			      struct nono_http_field *f, const char **why)
{
	const char *colon, *eol = line, *v, *ve;

	while (eol < end && *eol != '\r')
		eol++;
	if (eol + 1 >= end || eol[1] != '\n')
		return bad(why, "bare CR in the head"), NULL;
	if (*line == ' ' || *line == '\t')
		return bad(why, "folded header lines are refused"), NULL;
	colon = line;
	while (colon < eol && tchar((unsigned char)*colon))
		colon++;
	if (colon == line || colon == eol || *colon != ':')
		return bad(why, "bad header field name"), NULL;
	for (const char *q = line; q < eol; q++)
		if (*q == '\n')
			return bad(why, "bare LF in the head"), NULL;
	v = colon + 1;
	while (v < eol && (*v == ' ' || *v == '\t'))
		v++;
	ve = eol;
	while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
		ve--;
	f->name = line;
	f->name_len = (size_t)(colon - line);
	f->value = v;
	f->value_len = (size_t)(ve - v);
	return eol + 2;
}

static enum nono_http_status parse(const char *buf, size_t len,
				   struct nono_http_request *req,
				   bool origin_form, const char **why)
{
	const char *end, *p, *line;
	size_t scan = len < NONO_HTTP_MAX_HEAD ? len : NONO_HTTP_MAX_HEAD;
	const struct nono_http_field *te, *cl = NULL;

	memset(req, 0, sizeof(*req));
	req->content_length = -1;
	if (why)
		*why = NULL;
	end = head_end(buf, scan);
	/* Control bytes other than CR LF HT are refused even before the
	 * head is complete: nothing legitimate sends them. */
	for (size_t i = 0; i < scan; i++) {
		unsigned char c = (unsigned char)buf[i];

		if ((c < 0x20 && c != '\r' && c != '\n' && c != '\t') ||
		    c == 0x7f)
			return bad(why, "control byte in the request head");
	}
	if (!end)
		return len >= NONO_HTTP_MAX_HEAD ? NONO_HTTP_TOO_LARGE
						 : NONO_HTTP_INCOMPLETE;
	req->head_len = (size_t)(end - buf);
	/* Request line: METHOD SP TARGET SP HTTP/1.x CRLF */
	p = buf;
	while (p < end && tchar((unsigned char)*p))
		p++;
	if (p == buf || *p != ' ')
		return bad(why, "bad request line");
	req->method = buf;
	req->method_len = (size_t)(p - buf);
	req->target = ++p;
	while (p < end && *p != ' ' && *p != '\r')
		p++;
	if (*p != ' ' || p == req->target)
		return bad(why, "bad request line");
	/* Visible ASCII only (RFC 9112): a tab or LF in the target would
	 * reach the request line sent on, the logs and nono-tls's hand-off. */
	for (const char *q = req->target; q < p; q++)
		if ((unsigned char)*q <= 0x20 || (unsigned char)*q >= 0x7f)
			return bad(why, "bad byte in the request target");
	req->target_len = (size_t)(p - req->target);
	p++;
	if (end - p < 10 || memcmp(p, "HTTP/1.", 7) != 0 ||
	    (p[7] != '0' && p[7] != '1') || p[8] != '\r' || p[9] != '\n')
		return bad(why, "only HTTP/1.0 and HTTP/1.1 are spoken");
	req->minor = p[7] - '0';
	line = p + 10;
	req->connect = ieq(req->method, req->method_len, "CONNECT");
	/* Header fields: NAME ":" OWS VALUE OWS CRLF, no folding. */
	while (line < end - 2) {
		if (req->nfields == NONO_HTTP_MAX_FIELDS) {
			if (why)
				*why = "too many header fields";
			return NONO_HTTP_TOO_LARGE;
		}
		line = field_line(line, end, &req->fields[req->nfields++], why);
		if (!line)
			return NONO_HTTP_BAD;
	}
	/* Framing that two parsers could read differently is refused. */
	te = nono_http_field(req, "Transfer-Encoding");
	for (size_t i = 0; i < req->nfields; i++) {
		const struct nono_http_field *f = &req->fields[i];
		long long v = 0;

		if (!ieq(f->name, f->name_len, "Content-Length"))
			continue;
		if (f->value_len == 0 || f->value_len > 15)
			return bad(why, "bad Content-Length");
		for (size_t k = 0; k < f->value_len; k++) {
			if (!isdigit((unsigned char)f->value[k]))
				return bad(why, "bad Content-Length");
			v = v * 10 + (f->value[k] - '0');
		}
		if (cl && v != req->content_length)
			return bad(why, "conflicting Content-Length fields");
		cl = f;
		req->content_length = v;
	}
	if (te) {
		size_t nte = 0;

		for (size_t i = 0; i < req->nfields; i++)
			nte += ieq(req->fields[i].name, req->fields[i].name_len,
				   "Transfer-Encoding");
		if (nte > 1)
			return bad(why, "more than one Transfer-Encoding field "
					"is refused");
		if (cl)
			return bad(why, "Content-Length with "
					"Transfer-Encoding is refused");
		if (!ieq(te->value, te->value_len, "chunked"))
			return bad(why, "only chunked transfer coding is "
					"accepted");
		req->chunked = true;
	}
	return target(req, origin_form, why);
}

/* The next non-empty element of the comma-separated @v (@n bytes) from
 * *@i on, without surrounding blanks, in *@tok (*@len bytes); false at the
 * end. */
static bool next_element(const char *v, size_t n, size_t *i, const char **tok,
			 size_t *len)
{
	while (*i < n) {
		size_t s, e;

		while (*i < n &&
		       (v[*i] == ' ' || v[*i] == '\t' || v[*i] == ','))
			(*i)++;
		s = *i;
		while (*i < n && v[*i] != ',')
			(*i)++;
		e = *i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e > s) {
			*tok = v + s;
			*len = e - s;
			return true;
		}
	}
	return false;
}

/* Whether the comma-separated @v (@n bytes) lists the token @tok. */
static bool lists(const char *v, size_t n, const char *tok)
{
	const char *t;
	size_t i = 0, l;

	while (next_element(v, n, &i, &t, &l))
		if (ieq(t, l, tok))
			return true;
	return false;
}

/* Whether every coding listed in @v (@n bytes) is "identity" or @also
 * (NULL: none): the body's bytes are then its text. */
static bool only_codings(const char *v, size_t n, const char *also)
{
	const char *t;
	size_t i = 0, l;

	while (next_element(v, n, &i, &t, &l))
		if (!ieq(t, l, "identity") && !(also && ieq(t, l, also)))
			return false;
	return true;
}

enum nono_http_status nono_http_parse_response(const char *buf, size_t len,
					       struct nono_http_response *rsp,
					       const char **why)
{
	size_t scan = len < NONO_HTTP_MAX_RESPONSE_HEAD
			  ? len
			  : NONO_HTTP_MAX_RESPONSE_HEAD;
	const char *end, *line;
	bool cl = false, te = false;

	memset(rsp, 0, sizeof(*rsp));
	rsp->content_length = -1;
	if (why)
		*why = NULL;
	end = head_end(buf, scan);
	if (!end)
		return len >= NONO_HTTP_MAX_RESPONSE_HEAD
			   ? NONO_HTTP_TOO_LARGE
			   : NONO_HTTP_INCOMPLETE;
	rsp->head_len = (size_t)(end - buf);
	for (const char *q = buf; q < end; q++) {
		unsigned char c = (unsigned char)*q;

		if ((c < 0x20 && c != '\r' && c != '\n' && c != '\t') ||
		    c == 0x7f)
			return bad(why, "control byte in the response head");
	}
	/* Status line: HTTP/1.x SP DDD [SP reason] CRLF */
	if (end - buf < 14 || memcmp(buf, "HTTP/1.", 7) != 0 ||
	    (buf[7] != '0' && buf[7] != '1') || buf[8] != ' ' ||
	    !isdigit((unsigned char)buf[9]) ||
	    !isdigit((unsigned char)buf[10]) ||
	    !isdigit((unsigned char)buf[11]) ||
	    (buf[12] != ' ' && buf[12] != '\r'))
		return bad(why, "bad status line");
	rsp->minor = buf[7] - '0';
	rsp->status =
	    (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	if (rsp->status < 100)
		return bad(why, "bad status code");
	line = buf + 12;
	while (line < end && *line != '\r')
		line++;
	if (line + 1 >= end || line[1] != '\n')
		return bad(why, "bad status line");
	line += 2;
	/* HTTP/1.0: close unless keep-alive */
	rsp->conn_close = rsp->minor == 0;
	while (line < end - 2) {
		struct nono_http_field f;
		const char *v, *ve;

		line = field_line(line, end, &f, why);
		if (!line)
			return NONO_HTTP_BAD;
		v = f.value;
		ve = f.value + f.value_len;
		if (ieq(f.name, f.name_len, "Content-Length")) {
			long long n = 0;

			if (ve == v || ve - v > 15)
				return bad(why, "bad Content-Length");
			for (const char *q = v; q < ve; q++) {
				if (!isdigit((unsigned char)*q))
					return bad(why, "bad Content-Length");
				n = n * 10 + (*q - '0');
			}
			if (cl && n != rsp->content_length)
				return bad(why,
					   "conflicting Content-Length fields");
			cl = true;
			rsp->content_length = n;
		} else if (ieq(f.name, f.name_len, "Transfer-Encoding")) {
			/* The last coding decides: chunked, or the body runs
			 * to the close. */
			const char *last = ve;

			while (last > v && last[-1] != ',')
				last--;
			while (last < ve && (*last == ' ' || *last == '\t'))
				last++;
			te = true;
			rsp->chunked =
			    ieq(last, (size_t)(ve - last), "chunked");
			if (!only_codings(v, (size_t)(ve - v), "chunked"))
				rsp->encoded = true;
		} else if (ieq(f.name, f.name_len, "Content-Encoding")) {
			if (!only_codings(v, (size_t)(ve - v), NULL))
				rsp->encoded = true;
		} else if (ieq(f.name, f.name_len, "Connection")) {
			if (lists(v, (size_t)(ve - v), "close"))
				rsp->conn_close = true;
			else if (lists(v, (size_t)(ve - v), "keep-alive") &&
				 rsp->minor == 0)
				rsp->conn_close = false;
		}
	}
	rsp->close = rsp->conn_close;
	if (te) {
		/* Transfer-Encoding wins over Content-Length; a message that
		 * carries both is not trusted with a second exchange. */
		if (cl)
			rsp->close = true;
		rsp->content_length = -1;
		if (!rsp->chunked)
			rsp->close = true;
	} else if (!cl) {
		rsp->close = true; /* the body runs to the close */
	}
	return NONO_HTTP_OK;
}

bool nono_http_path_ambiguous(const char *p, size_t n)
{
	const char *query;

	if (memchr(p, '#', n))
		return true;
	/* The query is the origin's to read: only the path is checked. */
	query = memchr(p, '?', n);
	if (query)
		n = (size_t)(query - p);
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\\')
			return true;
		if (p[i] == '%' && i + 2 < n) {
			char h[3] = {p[i + 1], p[i + 2], 0};
			long v = strtol(h, NULL, 16);

			if (!isxdigit((unsigned char)h[0]) ||
			    !isxdigit((unsigned char)h[1]) || v == '/' ||
			    v == '.' || v == '%' || v == '\\' || v == 0)
				return true;
		} else if (p[i] == '%') {
			return true;
		}
		/* "." or ".." as a whole segment */
		if (p[i] == '/' && i + 1 < n && p[i + 1] == '.') {
			size_t k = i + 1;

			while (k < n && p[k] == '.')
				k++;
			if (k - i - 1 <= 2 &&
			    (k == n || p[k] == '/' || p[k] == ';'))
				return true;
		}
	}
	return false;
}

bool nono_http_hop_field(const char *name, size_t len)
{
	static const char *const hop[] = {"connection",
					  "keep-alive",
					  "proxy-authorization",
					  "proxy-connection",
					  "upgrade",
					  "host",
					  "te",
					  "trailer"};

	for (size_t i = 0; i < sizeof(hop) / sizeof(hop[0]); i++)
		if (ieq(name, len, hop[i]))
			return true;
	return false;
}

bool nono_http_wants_close(const struct nono_http_request *r)
{
	const struct nono_http_field *f = nono_http_field(r, "Connection");

	if (f && lists(f->value, f->value_len, "close"))
		return true;
	return r->minor == 0 &&
	       !(f && lists(f->value, f->value_len, "keep-alive"));
}

bool nono_http_has_body(const struct nono_http_request *r)
{
	return r->chunked || r->content_length > 0;
}

enum { ANS_HEAD, ANS_LENGTH, ANS_CHUNKED, ANS_TO_CLOSE, ANS_DONE };

static enum nono_chunked_result chunked_scan_mask(struct nono_chunked *c,
						  const char *buf, size_t len,
						  size_t *used,
						  unsigned char *mask);

void nono_http_answer_init(struct nono_http_answer *a, char *headbuf,
			   bool head_request)
{
	memset(a, 0, sizeof(*a));
	a->head = headbuf;
	a->head_request = head_request;
	a->state = ANS_HEAD;
}

bool nono_http_answer_feed(struct nono_http_answer *a, const char *buf,
			   size_t len, size_t *used)
{
	size_t i = 0;

	while (i < len && a->state != ANS_DONE) {
		struct nono_http_response rsp;
		enum nono_http_status st;
		size_t take, u, start = i;
		bool marked = false;

		switch (a->state) {
		case ANS_HEAD:
			take = len - i;
			if (take > NONO_HTTP_MAX_RESPONSE_HEAD - a->hlen)
				take = NONO_HTTP_MAX_RESPONSE_HEAD - a->hlen;
			memcpy(a->head + a->hlen, buf + i, take);
			st = nono_http_parse_response(a->head, a->hlen + take,
						      &rsp, NULL);
			if (st == NONO_HTTP_INCOMPLETE) {
				a->hlen += take;
				i += take;
				break;
			}
			if (st != NONO_HTTP_OK) {
				/* Not framed: passed on as it is, and the
				 * connection ends with it.  An answer that is
				 * scrubbed (a mask) cannot be checked then:
				 * its codings are unknown. */
				a->state = ANS_TO_CLOSE;
				a->close = true;
				if (a->mask)
					a->encoded = true;
				i = len;
				break;
			}
			i += rsp.head_len - a->hlen;
			a->hlen = 0;
			a->status = rsp.status;
			if (rsp.status >= 200)
				a->encoded |= rsp.encoded;
			if (rsp.status == 101) { /* a protocol switch */
				a->state = ANS_TO_CLOSE;
				a->close = true;
			} else if (rsp.status < 200) {
				break; /* 1xx: the real head follows */
			} else if (a->head_request || rsp.status == 204 ||
				   rsp.status == 304) {
				a->state = ANS_DONE;
				a->close |= rsp.conn_close;
			} else if (rsp.chunked) {
				a->state = ANS_CHUNKED;
				memset(&a->ch, 0, sizeof(a->ch));
				a->close |= rsp.close;
			} else if (rsp.content_length >= 0) {
				a->left =
				    (unsigned long long)rsp.content_length;
				a->state = a->left ? ANS_LENGTH : ANS_DONE;
				a->close |= rsp.close;
			} else {
				a->state = ANS_TO_CLOSE;
				a->close = true;
			}
			break;
		case ANS_LENGTH:
			take = len - i;
			if (take > a->left)
				take = (size_t)a->left;
			a->left -= take;
			i += take;
			if (!a->left)
				a->state = ANS_DONE;
			break;
		case ANS_CHUNKED:
			marked = a->mask != NULL;
			switch (a->mask ? chunked_scan_mask(&a->ch, buf + i,
							    len - i, &u,
							    a->mask + i)
					: nono_chunked_scan(&a->ch, buf + i,
							    len - i, &u)) {
			case NONO_CHUNKED_BAD:
				a->state = ANS_TO_CLOSE;
				a->close = true;
				i = len;
				break;
			case NONO_CHUNKED_DONE:
				a->state = ANS_DONE;
				i += u;
				break;
			case NONO_CHUNKED_MORE:
				i += u;
				break;
			}
			break;
		default: /* ANS_TO_CLOSE */
			i = len;
			break;
		}
		if (a->mask && !marked && i > start)
			memset(a->mask + start, 1, i - start);
	}
	*used = i;
	return a->state == ANS_DONE;
}

static int b64(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

bool nono_http_proxy_auth_ok(const struct nono_http_field *f, const char *token)
{
	unsigned char dec[256];
	char want[256];
	size_t n = 0, wlen;
	unsigned acc = 0, diff;
	int bits = 0;
	const char *v;
	size_t vlen;

	if (!f || f->value_len < 7 || strncasecmp(f->value, "Basic ", 6) != 0)
		return false;
	v = f->value + 6;
	vlen = f->value_len - 6;
	while (vlen && *v == ' ')
		v++, vlen--;
	for (size_t i = 0; i < vlen; i++) {
		int d;

		if (v[i] == '=') {
			/* only padding after it, and no stray bits before:
			 * one spelling per token */
			while (i < vlen && v[i] == '=')
				i++;
			if (i != vlen || acc != 0)
				return false;
			break;
		}
		d = b64((unsigned char)v[i]);
		if (d < 0 || n >= sizeof(dec))
			return false;
		acc = (acc << 6) | (unsigned)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			dec[n++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc != 0)
		return false;
	wlen = (size_t)snprintf(want, sizeof(want), "nono:%s", token);
	if (wlen >= sizeof(want))
		return false;
	/* Constant time in the secret: every byte of the wanted value is
	 * compared, whatever the length sent. */
	diff = (unsigned)(n ^ wlen);
	for (size_t i = 0; i < wlen; i++)
		diff |= (unsigned)(want[i] ^ (i < n ? dec[i] : 0));
	return diff == 0;
}

enum nono_http_status nono_http_parse(const char *buf, size_t len,
				      struct nono_http_request *req,
				      const char **why)
{
	return parse(buf, len, req, false, why);
}

enum nono_http_status nono_http_parse_origin(const char *buf, size_t len,
					     struct nono_http_request *req,
					     const char **why)
{
	return parse(buf, len, req, true, why);
}

enum {
	CH_SIZE,    /* hex digits */
	CH_EXT,     /* ";ext" up to CR */
	CH_SIZE_LF, /* LF after the size line */
	CH_DATA,    /* the chunk's bytes */
	CH_DATA_CR, /* CRLF after them */
	CH_DATA_LF,
	CH_TRAILER, /* start of a trailer line, or the final CRLF */
	CH_TR_LINE, /* a trailer line up to CR */
	CH_TR_LF,
	CH_FINAL_LF, /* LF of the final CRLF */
	CH_DONE,
};

#define CH_MAX_RUN 4096

static int hexval(unsigned char x)
{
	if (x >= '0' && x <= '9')
		return x - '0';
	x |= 0x20;
	return x >= 'a' && x <= 'f' ? x - 'a' + 10 : -1;
}

enum nono_chunked_result nono_chunked_scan(struct nono_chunked *c,
					   const char *buf, size_t len,
					   size_t *used)
{
	size_t i = 0;

	while (i < len && c->state != CH_DONE) {
		unsigned char x = (unsigned char)buf[i];

		switch (c->state) {
		case CH_SIZE:
			if (hexval(x) >= 0) {
				if (++c->digits > 15)
					return NONO_CHUNKED_BAD;
				c->left = c->left * 16 + (unsigned)hexval(x);
			} else if (c->digits &&
				   (x == ';' || x == ' ' || x == '\t')) {
				c->state = CH_EXT;
				c->run = 0;
			} else if (c->digits && x == '\r') {
				c->state = CH_SIZE_LF;
			} else {
				return NONO_CHUNKED_BAD;
			}
			i++;
			break;
		case CH_EXT:
			if (x == '\r')
				c->state = CH_SIZE_LF;
			else if (x == '\n' || ++c->run > CH_MAX_RUN)
				return NONO_CHUNKED_BAD;
			i++;
			break;
		case CH_SIZE_LF:
			if (x != '\n')
				return NONO_CHUNKED_BAD;
			c->state = c->left ? CH_DATA : CH_TRAILER;
			c->digits = 0;
			i++;
			break;
		case CH_DATA: {
			size_t n = len - i;

			if (n > c->left)
				n = (size_t)c->left;
			c->left -= n;
			i += n;
			if (!c->left)
				c->state = CH_DATA_CR;
			break;
		}
		case CH_DATA_CR:
			if (x != '\r')
				return NONO_CHUNKED_BAD;
			c->state = CH_DATA_LF;
			i++;
			break;
		case CH_DATA_LF:
			if (x != '\n')
				return NONO_CHUNKED_BAD;
			c->state = CH_SIZE;
			c->left = 0;
			i++;
			break;
		case CH_TRAILER:
			if (x == '\r') {
				c->state = CH_FINAL_LF;
			} else if (x == '\n') {
				return NONO_CHUNKED_BAD;
			} else {
				c->state = CH_TR_LINE;
				c->run = 1;
			}
			i++;
			break;
		case CH_TR_LINE:
			if (x == '\r')
				c->state = CH_TR_LF;
			else if (x == '\n' || ++c->run > CH_MAX_RUN)
				return NONO_CHUNKED_BAD;
			i++;
			break;
		case CH_TR_LF:
			if (x != '\n')
				return NONO_CHUNKED_BAD;
			c->state = CH_TRAILER;
			i++;
			break;
		case CH_FINAL_LF:
			if (x != '\n')
				return NONO_CHUNKED_BAD;
			c->state = CH_DONE;
			i++;
			break;
		default:
			return NONO_CHUNKED_BAD;
		}
	}
	*used = i;
	return c->state == CH_DONE ? NONO_CHUNKED_DONE : NONO_CHUNKED_MORE;
}

/* nono_chunked_scan, marking each byte in @mask: 0 for the framing (the
 * size digits, ';', the CRLFs), 1 for the rest (data, extensions,
 * trailers). */
static enum nono_chunked_result chunked_scan_mask(struct nono_chunked *c,
						  const char *buf, size_t len,
						  size_t *used,
						  unsigned char *mask)
{
	enum nono_chunked_result r = NONO_CHUNKED_MORE;
	size_t i = 0;

	while (i < len && r == NONO_CHUNKED_MORE) {
		/* Extensions are text too: a key echoed there is scrubbed
		 * ('*' is a token character). */
		bool text = c->state == CH_DATA || c->state == CH_EXT ||
			    c->state >= CH_TRAILER;
		size_t n = 1, u = 0;

		if (c->state == CH_DATA)
			n = c->left < len - i ? (size_t)c->left : len - i;
		r = nono_chunked_scan(c, buf + i, n, &u);
		if (r == NONO_CHUNKED_BAD) {
			/* passed on as it is: all of it is text */
			memset(mask + i, 1, len - i);
			break;
		}
		memset(mask + i, text ? 1 : 0, u);
		i += u;
		if (u == 0)
			break;
	}
	*used = i;
	return r;
}
