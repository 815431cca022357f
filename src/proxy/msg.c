// SPDX-License-Identifier: Apache-2.0
/*
 * The proxy <-> TLS helper codec (see msg.h).  Encoding writes into the
 * caller's buffer; decoding indexes the fields in place, then each typed
 * decoder takes what it needs, checking every bound.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proxy/creds.h"
#include "proxy/msg.h"

#define VERSION 1
#define HDR 6
#define FHDR 6
#define MAX_FIELDS 32

enum tag {
	T_HOST = 1,
	T_PORT,
	T_METHOD,
	T_PATH,
	T_ALLOWED,
	T_STATUS,
	T_UP,
	T_DOWN,
	T_CHUNKED,
	T_DONE,
	T_KEEP,
	T_BUDGET,
	T_CH_STATE,
	T_CH_LEFT,
	T_CH_RUN,
	T_CH_DIGITS,
	T_ROUTE,
	T_HEAD,
	T_NAME,
	T_BASE,
	T_HEADER,
	T_KEY_VAR,
	T_TLS,
	T_EXPECT,
	T_BEARER,
	T_VALUE,
	T_SECRET_OFF,
	T_SECRET_LEN,
	T_RULES,
	T_READ_ONLY,
	T_ROWS,
	T_COLS,
	T_TEXT,
	T_SIGNO,
	T_DATA,
	T_MAX,
};

/* --- encoding ----------------------------------------------------------- */

struct out {
	char *buf;
	size_t cap, len;
	unsigned count;
	bool bad;
};

static void put_le(char *p, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (char)(v >> (8 * i));
}

static void begin(struct out *o, char *buf, size_t cap, enum nono_msg_type t)
{
	o->buf = buf;
	o->cap = cap;
	o->len = HDR;
	o->count = 0;
	o->bad = cap < HDR;
	if (!o->bad) {
		buf[0] = 'N';
		buf[1] = 'M';
		buf[2] = VERSION;
		buf[3] = (char)t;
	}
}

static void field(struct out *o, enum tag t, const void *v, size_t n)
{
	if (o->bad || n > UINT32_MAX || o->cap - o->len < FHDR ||
	    o->cap - o->len - FHDR < n || o->count >= MAX_FIELDS) {
		o->bad = true;
		return;
	}
	put_le(o->buf + o->len, t, 2);
	put_le(o->buf + o->len + 2, n, 4);
	if (n)
		memcpy(o->buf + o->len + FHDR, v, n);
	o->len += FHDR + n;
	o->count++;
}

static void field_str(struct out *o, enum tag t, const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	if (n > max)
		o->bad = true;
	else
		field(o, t, s, n);
}

static void field_u64(struct out *o, enum tag t, uint64_t v)
{
	char b[8];

	put_le(b, v, 8);
	field(o, t, b, 8);
}

static int end(struct out *o)
{
	if (o->bad || o->len > NONO_MSG_MAX)
		return -1;
	put_le(o->buf + 4, o->count, 2);
	return (int)o->len;
}

int nono_msg_tunnel_encode(const struct nono_msg_tunnel *t, char *buf,
			   size_t cap)
{
	struct out o;

	begin(&o, buf, cap, NONO_MSG_TUNNEL);
	field_str(&o, T_HOST, t->host, NONO_HTTP_MAX_HOST);
	field_u64(&o, T_PORT, t->port);
	return end(&o);
}

int nono_msg_cred_encode(const struct nono_msg_cred *c, char *buf, size_t cap)
{
	struct out o;

	begin(&o, buf, cap, NONO_MSG_CRED);
	field_str(&o, T_HOST, c->host, NONO_HTTP_MAX_HOST);
	field_u64(&o, T_PORT, c->port);
	field_str(&o, T_METHOD, c->method, sizeof(c->method) - 1);
	field_str(&o, T_PATH, c->path, sizeof(c->path) - 1);
	field_u64(&o, T_CHUNKED, c->chunked);
	field_u64(&o, T_DONE, c->done);
	field_u64(&o, T_KEEP, c->keep);
	field_u64(&o, T_BUDGET, c->budget);
	field_u64(&o, T_CH_STATE, (uint64_t)c->ch.state);
	field_u64(&o, T_CH_LEFT, c->ch.left);
	field_u64(&o, T_CH_RUN, c->ch.run);
	field_u64(&o, T_CH_DIGITS, (uint64_t)c->ch.digits);
	field(&o, T_ROUTE, c->route, c->route_len);
	field(&o, T_HEAD, c->head, c->head_len);
	return end(&o);
}

int nono_msg_decision_encode(const struct nono_msg_decision *d, char *buf,
			     size_t cap)
{
	struct out o;

	begin(&o, buf, cap, NONO_MSG_DECISION);
	field_u64(&o, T_ALLOWED, d->allowed);
	field_u64(&o, T_STATUS, (uint64_t)d->status);
	field_str(&o, T_METHOD, d->method, sizeof(d->method) - 1);
	field_str(&o, T_HOST, d->host, NONO_HTTP_MAX_HOST);
	field_u64(&o, T_PORT, d->port);
	field_str(&o, T_PATH, d->path, sizeof(d->path) - 1);
	field_u64(&o, T_UP, d->up);
	field_u64(&o, T_DOWN, d->down);
	return end(&o);
}

/* The rules travel as one field: METHOD NUL PATH NUL, for each (neither
 * holds a NUL). */
int nono_msg_route_encode(const struct nono_cred_route *r, char *buf,
			  size_t cap)
{
	struct out o;
	size_t rl = 0, at = 0;
	char *rules;
	int n;

	if (!r->value || !r->expect || !r->bearer || !r->name || !r->base ||
	    !r->header || !r->key_var)
		return -1;
	for (size_t i = 0; i < r->nrules; i++)
		rl += strlen(r->rules[i].method) + strlen(r->rules[i].path) + 2;
	rules = malloc(rl + 1);
	if (!rules)
		return -1;
	for (size_t i = 0; i < r->nrules; i++) {
		size_t ml = strlen(r->rules[i].method) + 1;
		size_t pl = strlen(r->rules[i].path) + 1;

		memcpy(rules + at, r->rules[i].method, ml);
		memcpy(rules + at + ml, r->rules[i].path, pl);
		at += ml + pl;
	}
	begin(&o, buf, cap, NONO_MSG_ROUTE);
	field_str(&o, T_NAME, r->name, NONO_MSG_MAX);
	field_str(&o, T_BASE, r->base, NONO_MSG_MAX);
	field_str(&o, T_HEADER, r->header, NONO_MSG_MAX);
	field_str(&o, T_KEY_VAR, r->key_var, NONO_MSG_MAX);
	field_str(&o, T_HOST, r->host, NONO_HTTP_MAX_HOST);
	field_u64(&o, T_PORT, r->port);
	field_u64(&o, T_TLS, r->tls);
	field_str(&o, T_EXPECT, r->expect, NONO_MSG_MAX);
	field_str(&o, T_BEARER, r->bearer, NONO_MSG_MAX);
	field(&o, T_VALUE, r->value, r->value_len);
	field_u64(&o, T_SECRET_OFF, r->secret_off);
	field_u64(&o, T_SECRET_LEN, r->secret_len);
	field(&o, T_RULES, rules, rl);
	n = end(&o);
	free(rules);
	return n;
}

int nono_msg_session_encode(const struct nono_msg_session *m, char *buf,
			    size_t cap)
{
	struct out o;

	if (m->type < NONO_MSG_HELLO || m->type > NONO_MSG_ANSWER)
		return -1;
	begin(&o, buf, cap, (enum nono_msg_type)m->type);
	switch (m->type) {
	case NONO_MSG_HELLO:
		field_u64(&o, T_READ_ONLY, m->read_only);
		__attribute__((fallthrough));
	case NONO_MSG_RESIZE:
		if (m->rows < 1 || m->rows > 10000 || m->cols < 1 ||
		    m->cols > 10000)
			return -1;
		field_u64(&o, T_ROWS, m->rows);
		field_u64(&o, T_COLS, m->cols);
		break;
	case NONO_MSG_WELCOME:
	case NONO_MSG_REFUSED:
	case NONO_MSG_DETACH:
	case NONO_MSG_PROMPT:
	case NONO_MSG_ANSWER:
		field_str(&o, T_TEXT, m->text, sizeof(m->text) - 1);
		break;
	case NONO_MSG_DATA:
		if (m->len < 1 || m->len > NONO_MSG_DATA_MAX)
			return -1;
		field(&o, T_DATA, m->data, m->len);
		break;
	case NONO_MSG_EXIT:
		if (m->status < 0 || m->status > 255 || m->signo < 0 ||
		    m->signo > 64)
			return -1;
		field_u64(&o, T_STATUS, (uint64_t)m->status);
		field_u64(&o, T_SIGNO, (uint64_t)m->signo);
		break;
	default:
		return -1;
	}
	return end(&o);
}

/* --- decoding ----------------------------------------------------------- */

struct in {
	int type;
	const char *v[T_MAX];
	size_t n[T_MAX];
	bool has[T_MAX];
};

static uint64_t get_le(const char *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = n; i-- > 0;)
		v = v << 8 | (unsigned char)p[i];
	return v;
}

static int parse(const char *buf, size_t len, struct in *m)
{
	size_t at = HDR, count;

	memset(m, 0, sizeof(*m));
	if (!buf || len < HDR || len > NONO_MSG_MAX || buf[0] != 'N' ||
	    buf[1] != 'M' || buf[2] != VERSION)
		return -EINVAL;
	m->type = (unsigned char)buf[3];
	if (m->type < NONO_MSG_TUNNEL || m->type > NONO_MSG_ANSWER)
		return -EINVAL;
	count = (size_t)get_le(buf + 4, 2);
	if (count > MAX_FIELDS)
		return -EINVAL;
	for (size_t i = 0; i < count; i++) {
		uint64_t t, n;

		if (len - at < FHDR)
			return -EINVAL;
		t = get_le(buf + at, 2);
		n = get_le(buf + at + 2, 4);
		at += FHDR;
		if (t == 0 || t >= T_MAX || m->has[t] || n > len - at)
			return -EINVAL;
		m->has[t] = true;
		m->v[t] = buf + at;
		m->n[t] = (size_t)n;
		at += (size_t)n;
	}
	return at == len ? 0 : -EINVAL;
}

/* A string field: present, no NUL, fits @cap with its terminator (and
 * not empty unless @empty_ok). */
static int get_str(const struct in *m, enum tag t, char *out, size_t cap,
		   bool empty_ok)
{
	if (!m->has[t] || m->n[t] >= cap || (!m->n[t] && !empty_ok) ||
	    memchr(m->v[t], '\0', m->n[t]))
		return -EINVAL;
	memcpy(out, m->v[t], m->n[t]);
	out[m->n[t]] = '\0';
	return 0;
}

static int get_u64(const struct in *m, enum tag t, uint64_t max, uint64_t *out)
{
	uint64_t v;

	if (!m->has[t] || m->n[t] != 8)
		return -EINVAL;
	v = get_le(m->v[t], 8);
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int get_port(const struct in *m, uint16_t *port)
{
	uint64_t v;

	if (get_u64(m, T_PORT, 65535, &v) < 0 || v == 0)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

static int get_bool(const struct in *m, enum tag t, bool *out)
{
	uint64_t v;

	if (get_u64(m, t, 1, &v) < 0)
		return -EINVAL;
	*out = v != 0;
	return 0;
}

int nono_msg_type(const char *buf, size_t len)
{
	struct in m;

	return parse(buf, len, &m) < 0 ? -EINVAL : m.type;
}

int nono_msg_tunnel_decode(const char *buf, size_t len,
			   struct nono_msg_tunnel *t)
{
	struct in m;

	if (parse(buf, len, &m) < 0 || m.type != NONO_MSG_TUNNEL ||
	    get_str(&m, T_HOST, t->host, sizeof(t->host), false) < 0 ||
	    get_port(&m, &t->port) < 0)
		return -EINVAL;
	return 0;
}

int nono_msg_cred_decode(const char *buf, size_t len, struct nono_msg_cred *c)
{
	struct in m;
	uint64_t state, left, run, digits, budget;

	if (parse(buf, len, &m) < 0 || m.type != NONO_MSG_CRED ||
	    get_str(&m, T_HOST, c->host, sizeof(c->host), false) < 0 ||
	    get_port(&m, &c->port) < 0 ||
	    get_str(&m, T_METHOD, c->method, sizeof(c->method), false) < 0 ||
	    get_str(&m, T_PATH, c->path, sizeof(c->path), false) < 0 ||
	    get_bool(&m, T_CHUNKED, &c->chunked) < 0 ||
	    get_bool(&m, T_DONE, &c->done) < 0 ||
	    get_bool(&m, T_KEEP, &c->keep) < 0 ||
	    get_u64(&m, T_BUDGET, UINT64_MAX, &budget) < 0 ||
	    get_u64(&m, T_CH_STATE, 64, &state) < 0 ||
	    get_u64(&m, T_CH_LEFT, UINT64_MAX, &left) < 0 ||
	    get_u64(&m, T_CH_RUN, 4096, &run) < 0 || /* http.c's CH_MAX_RUN */
	    get_u64(&m, T_CH_DIGITS, 16, &digits) < 0 || !m.has[T_ROUTE] ||
	    !m.has[T_HEAD])
		return -EINVAL;
	c->budget = budget;
	c->ch.state = (int)state;
	c->ch.left = left;
	c->ch.run = (size_t)run;
	c->ch.digits = (int)digits;
	c->route = m.v[T_ROUTE];
	c->route_len = m.n[T_ROUTE];
	c->head = m.v[T_HEAD];
	c->head_len = m.n[T_HEAD];
	return 0;
}

int nono_msg_decision_decode(const char *buf, size_t len,
			     struct nono_msg_decision *d)
{
	struct in m;
	uint64_t status, up, down;

	if (parse(buf, len, &m) < 0 || m.type != NONO_MSG_DECISION ||
	    get_bool(&m, T_ALLOWED, &d->allowed) < 0 ||
	    get_u64(&m, T_STATUS, 999, &status) < 0 ||
	    get_str(&m, T_METHOD, d->method, sizeof(d->method), true) < 0 ||
	    get_str(&m, T_HOST, d->host, sizeof(d->host), false) < 0 ||
	    get_port(&m, &d->port) < 0 ||
	    get_str(&m, T_PATH, d->path, sizeof(d->path), true) < 0 ||
	    get_u64(&m, T_UP, UINT64_MAX, &up) < 0 ||
	    get_u64(&m, T_DOWN, UINT64_MAX, &down) < 0)
		return -EINVAL;
	d->status = (int)status;
	d->up = up;
	d->down = down;
	return 0;
}

/* A string field, as a new string (no NUL in it; empty unless
 * @empty_ok); @len gets its length. */
static char *get_dup(const struct in *m, enum tag t, bool empty_ok, size_t *len)
{
	char *s;

	if (!m->has[t] || (!m->n[t] && !empty_ok) ||
	    memchr(m->v[t], '\0', m->n[t]))
		return NULL;
	s = malloc(m->n[t] + 1);
	if (!s)
		return NULL;
	memcpy(s, m->v[t], m->n[t]);
	s[m->n[t]] = '\0';
	if (len)
		*len = m->n[t];
	return s;
}

/* T_RULES: METHOD NUL PATH NUL pairs, each added as the proxy would. */
static int get_rules(const struct in *m, struct nono_cred_route *r)
{
	const char *p = m->v[T_RULES], *end = p + m->n[T_RULES];

	if (!m->has[T_RULES])
		return -EINVAL;
	while (p < end) {
		const char *meth = p, *path, *z, *why;

		z = memchr(meth, '\0', (size_t)(end - meth));
		if (!z || z + 1 >= end)
			return -EINVAL;
		path = z + 1;
		z = memchr(path, '\0', (size_t)(end - path));
		if (!z || nono_cred_route_add_rule(r, meth, path, &why) < 0)
			return -EINVAL;
		p = z + 1;
	}
	return 0;
}

int nono_msg_route_decode(const char *buf, size_t len,
			  struct nono_cred_route *r)
{
	struct in m;
	uint64_t off, slen;
	bool tls;

	memset(r, 0, sizeof(*r));
	if (parse(buf, len, &m) < 0 || m.type != NONO_MSG_ROUTE ||
	    get_str(&m, T_HOST, r->host, sizeof(r->host), false) < 0 ||
	    get_port(&m, &r->port) < 0 || get_bool(&m, T_TLS, &tls) < 0 ||
	    get_u64(&m, T_SECRET_OFF, NONO_MSG_MAX, &off) < 0 ||
	    get_u64(&m, T_SECRET_LEN, NONO_MSG_MAX, &slen) < 0)
		return -EINVAL;
	r->tls = tls;
	r->secret_off = (size_t)off;
	r->secret_len = (size_t)slen;
	if (!(r->name = get_dup(&m, T_NAME, false, NULL)) ||
	    !(r->base = get_dup(&m, T_BASE, true, NULL)) ||
	    !(r->header = get_dup(&m, T_HEADER, false, NULL)) ||
	    !(r->key_var = get_dup(&m, T_KEY_VAR, true, NULL)) ||
	    !(r->expect = get_dup(&m, T_EXPECT, true, NULL)) ||
	    !(r->bearer = get_dup(&m, T_BEARER, true, NULL)) ||
	    !(r->value = get_dup(&m, T_VALUE, true, &r->value_len)) ||
	    r->secret_len == 0 || r->secret_off > r->value_len ||
	    r->secret_len > r->value_len - r->secret_off ||
	    get_rules(&m, r) < 0) {
		nono_creds_clear_route(r);
		return -EINVAL;
	}
	return 0;
}

/* Only the fields of its type: anything more is malformed. */
static bool only(const struct in *m, const enum tag *tags, size_t n)
{
	for (int t = 1; t < T_MAX; t++) {
		bool want = false;

		for (size_t i = 0; i < n; i++)
			want |= tags[i] == (enum tag)t;
		if (m->has[t] != want)
			return false;
	}
	return true;
}

int nono_msg_session_decode(const char *buf, size_t len,
			    struct nono_msg_session *s)
{
	static const enum tag hello[] = {T_READ_ONLY, T_ROWS, T_COLS};
	static const enum tag text[] = {T_TEXT};
	static const enum tag data[] = {T_DATA};
	static const enum tag exits[] = {T_STATUS, T_SIGNO};
	struct in m;
	uint64_t v;

	memset(s, 0, sizeof(*s));
	if (parse(buf, len, &m) < 0)
		return -EINVAL;
	s->type = m.type;
	switch (m.type) {
	case NONO_MSG_HELLO:
		if (!only(&m, hello, 3) ||
		    get_bool(&m, T_READ_ONLY, &s->read_only) < 0)
			return -EINVAL;
		__attribute__((fallthrough));
	case NONO_MSG_RESIZE:
		if ((m.type == NONO_MSG_RESIZE && !only(&m, hello + 1, 2)) ||
		    get_u64(&m, T_ROWS, 10000, &v) < 0 || v < 1)
			return -EINVAL;
		s->rows = (unsigned)v;
		if (get_u64(&m, T_COLS, 10000, &v) < 0 || v < 1)
			return -EINVAL;
		s->cols = (unsigned)v;
		return 0;
	case NONO_MSG_WELCOME:
	case NONO_MSG_REFUSED:
	case NONO_MSG_DETACH:
	case NONO_MSG_PROMPT:
	case NONO_MSG_ANSWER:
		if (!only(&m, text, 1) ||
		    get_str(&m, T_TEXT, s->text, sizeof(s->text),
			    m.type == NONO_MSG_DETACH ||
				m.type == NONO_MSG_ANSWER) < 0)
			return -EINVAL;
		return 0;
	case NONO_MSG_DATA:
		if (!only(&m, data, 1) || m.n[T_DATA] < 1 ||
		    m.n[T_DATA] > NONO_MSG_DATA_MAX)
			return -EINVAL;
		s->data = m.v[T_DATA];
		s->len = m.n[T_DATA];
		return 0;
	case NONO_MSG_EXIT:
		if (!only(&m, exits, 2) || get_u64(&m, T_STATUS, 255, &v) < 0)
			return -EINVAL;
		s->status = (int)v;
		if (get_u64(&m, T_SIGNO, 64, &v) < 0)
			return -EINVAL;
		s->signo = (int)v;
		return 0;
	default:
		return -EINVAL;
	}
}

/* --- descriptors -------------------------------------------------------- */

int nono_msg_send(int sock, const char *buf, size_t len, const int *fds,
		  size_t nfds, int flags)
{
	union {
		char b[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	if (nfds > 2)
		return -EINVAL;
	if (nfds) {
		struct cmsghdr *cm;

		memset(u.b, 0, sizeof(u.b));
		mh.msg_control = u.b;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	}
	do {
		n = sendmsg(sock, &mh, MSG_NOSIGNAL | flags);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

ssize_t nono_msg_recv(int sock, char *buf, size_t cap, int *fds, size_t nfds,
		      int flags)
{
	union {
		char b[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = buf, .iov_len = cap};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.b,
			    .msg_controllen = sizeof(u.b)};
	size_t got = 0;
	int in[4];
	ssize_t n;

	if (nfds > 2)
		return -EINVAL;
	do {
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | flags);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm;
	     cm = CMSG_NXTHDR(&mh, cm)) {
		size_t k;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k && got < 4; i++)
			memcpy(&in[got++], CMSG_DATA(cm) + i * sizeof(int),
			       sizeof(int));
	}
	if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || got != nfds) {
		for (size_t i = 0; i < got; i++)
			close(in[i]);
		return n == 0 && !got ? 0 : -EBADMSG;
	}
	if (nfds)
		memcpy(fds, in, nfds * sizeof(int));
	return n;
}
