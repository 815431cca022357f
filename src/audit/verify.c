// SPDX-License-Identifier: Apache-2.0
/* Reading audit logs back (see verify.h).  Untrusted input throughout. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__x86_64__) && defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "audit/verify.h"

static const char *ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* The 4 hex digits at @s (before @e) as a number, or 0x10000 when they
 * are not there. */
static unsigned hex4(const unsigned char *s, const unsigned char *e)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		unsigned c = s + i < e ? s[i] : 0;

		if (c >= '0' && c <= '9')
			v = v * 16 + (c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = v * 16 + (c - 'A' + 10);
		else
			return 0x10000;
	}
	return v;
}

static const char *skip_string(const char *p, const char *end)
{
	const unsigned char *s = (const unsigned char *)p + 1;
	const unsigned char *e = (const unsigned char *)end;

	while (s < e) {
		unsigned c = *s;

		if (c == '"')
			return (const char *)s + 1;
		if (c < 0x20)
			return NULL;
		if (c == '\\') {
			if (++s >= e)
				return NULL;
			if (*s == 'u') {
				unsigned cp = hex4(s + 1, e);

				/* A surrogate only as a pair (the JSON
				 * reader refuses a lone one; nono never
				 * writes one). */
				if (cp > 0xffff ||
				    (cp >= 0xdc00 && cp <= 0xdfff))
					return NULL;
				s += 5;
				if (cp >= 0xd800 && cp <= 0xdbff) {
					unsigned lo = e - s >= 2 &&
							      s[0] == '\\' &&
							      s[1] == 'u'
							  ? hex4(s + 2, e)
							  : 0x10000;

					if (lo < 0xdc00 || lo > 0xdfff)
						return NULL;
					s += 6;
				}
			} else if (strchr("\"\\/bfnrt", *s) && *s) {
				s++;
			} else {
				return NULL;
			}
			continue;
		}
		if (c < 0x80) {
			s++;
			continue;
		}
		/* UTF-8: lead byte, continuation bytes, no overlong form,
		 * no surrogate, nothing past U+10FFFF. */
		{
			size_t len;
			unsigned cp;

			if (c >= 0xc2 && c <= 0xdf)
				len = 2, cp = c & 0x1f;
			else if (c >= 0xe0 && c <= 0xef)
				len = 3, cp = c & 0x0f;
			else if (c >= 0xf0 && c <= 0xf4)
				len = 4, cp = c & 0x07;
			else
				return NULL;
			if ((size_t)(e - s) < len)
				return NULL;
			for (size_t i = 1; i < len; i++) {
				if ((s[i] & 0xc0) != 0x80)
					return NULL;
				cp = cp << 6 | (s[i] & 0x3f);
			}
			if ((len == 3 && cp < 0x800) ||
			    (len == 4 && cp < 0x10000) ||
			    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
				return NULL;
			s += len;
		}
	}
	return NULL;
}

static const char *skip_number(const char *p, const char *end)
{
	if (p < end && *p == '-')
		p++;
	if (p >= end)
		return NULL;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	if (p < end && *p == '.') {
		p++;
		if (p >= end || *p < '0' || *p > '9')
			return NULL;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || *p < '0' || *p > '9')
			return NULL;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	return p;
}

static const char *skip_value(const char *p, const char *end, int depth)
{
	p = ws(p, end);
	if (p >= end)
		return NULL;
	switch (*p) {
	case '"':
		return skip_string(p, end);
	case '{':
	case '[': {
		char close = *p == '{' ? '}' : ']';
		bool obj = *p == '{';

		if (depth >= 64)
			return NULL;
		p = ws(p + 1, end);
		if (p < end && *p == close)
			return p + 1;
		for (;;) {
			if (obj) {
				p = ws(p, end);
				if (p >= end || *p != '"')
					return NULL;
				p = skip_string(p, end);
				if (!p)
					return NULL;
				p = ws(p, end);
				if (p >= end || *p != ':')
					return NULL;
				p++;
			}
			p = skip_value(p, end, depth + 1);
			if (!p)
				return NULL;
			p = ws(p, end);
			if (p >= end)
				return NULL;
			if (*p == close)
				return p + 1;
			if (*p != ',')
				return NULL;
			p++;
		}
	}
	case 't':
		return end - p >= 4 && memcmp(p, "true", 4) == 0 ? p + 4 : NULL;
	case 'f':
		return end - p >= 5 && memcmp(p, "false", 5) == 0 ? p + 5
								  : NULL;
	case 'n':
		return end - p >= 4 && memcmp(p, "null", 4) == 0 ? p + 4 : NULL;
	default:
		return skip_number(p, end);
	}
}

const char *nono_json_skip(const char *p, const char *end)
{
	return skip_value(p, end, 0);
}

/* @lit at *@p: advance past it. */
static bool lit(const char **p, const char *end, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(end - *p) < n || memcmp(*p, s, n) != 0)
		return false;
	*p += n;
	return true;
}

/* @name, then 64 characters and a quote: *@out points at them. */
static bool hash_field(const char **p, const char *end, const char *name,
		       const char **out)
{
	if (!lit(p, end, name) || end - *p < 65 || (*p)[64] != '"')
		return false;
	*out = *p;
	*p += 65;
	return true;
}

int nono_audit_parse_line(const char *line, size_t n,
			  struct nono_audit_lineview *v, char *why,
			  size_t whylen)
{
	const char *p = line, *end = line + n, *ev;
	uint64_t seq = 0;

	memset(v, 0, sizeof(*v));
	if (!lit(&p, end, "{\"seq\":") || p >= end || *p < '1' || *p > '9') {
		snprintf(why, whylen, "not an audit line (no \"seq\" first)");
		return -1;
	}
	while (p < end && *p >= '0' && *p <= '9') {
		if (seq > (UINT64_MAX - 9) / 10) {
			snprintf(why, whylen, "sequence number out of range");
			return -1;
		}
		seq = seq * 10 + (uint64_t)(*p++ - '0');
	}
	v->seq = seq;
	if (lit(&p, end, ",\"prev\":\"")) {
		if (!hash_field(&p, end, "", &v->prev) ||
		    !hash_field(&p, end, ",\"leaf\":\"", &v->leaf) ||
		    !hash_field(&p, end, ",\"head\":\"", &v->head)) {
			snprintf(why, whylen,
				 "malformed prev/leaf/head (64 characters "
				 "each)");
			return -1;
		}
		v->chained = true;
	}
	if (!lit(&p, end, ",\"event\":")) {
		snprintf(why, whylen, "no \"event\" where it belongs");
		return -1;
	}
	ev = p;
	if (p >= end || *p != '{' || !(p = nono_json_skip(p, end))) {
		snprintf(why, whylen, "the event is not a valid JSON object");
		return -1;
	}
	if (end - p != 1 || *p != '}') {
		snprintf(why, whylen, "bytes after the event");
		return -1;
	}
	v->event = ev;
	v->event_len = (size_t)(p - ev);
	return 0;
}

/* The next '\n' in [p, end), or NULL: 16 bytes at a time (SSE2 is part
 * of x86-64); the logs of long sessions are hundreds of megabytes. */
static const char *find_nl(const char *p, const char *end)
{
#if defined(__x86_64__) && defined(__SSE2__)
	const __m128i nl = _mm_set1_epi8('\n');

	while (end - p >= 16) {
		int m = _mm_movemask_epi8(_mm_cmpeq_epi8(
		    _mm_loadu_si128((const __m128i *)(const void *)p), nl));

		if (m)
			return p + __builtin_ctz((unsigned)m);
		p += 16;
	}
#endif
	return memchr(p, '\n', (size_t)(end - p));
}

int nono_audit_check_log(const char *text, size_t len, const nono_hash *anchor,
			 bool keep_leaves, struct nono_audit_check *c)
{
	const char *p = text, *end = text + len;
	struct nono_merkle tree;
	size_t cap = 0;

	memset(c, 0, sizeof(*c));
	c->ok = true;
	c->head = *anchor;
	nono_merkle_init(&tree);
	while (p < end) {
		const char *nl = find_nl(p, end);
		struct nono_audit_lineview v;
		nono_hash leaf, head;
		uint8_t two[64];
		char why[160];

		if (!nl) {
			c->partial_tail = true;
			break;
		}
		if (nono_audit_parse_line(p, (size_t)(nl - p), &v, why,
					  sizeof(why)) < 0) {
			c->ok = false;
			c->bad_line = c->lines + 1;
			snprintf(c->why, sizeof(c->why), "%s", why);
			break;
		}
		if (c->lines == 0)
			c->chained = v.chained;
		if (v.chained != c->chained) {
			c->ok = false;
			c->bad_line = c->lines + 1;
			snprintf(c->why, sizeof(c->why),
				 "integrity fields %s here but not on line 1",
				 v.chained ? "present" : "missing");
			break;
		}
		if (v.seq != c->lines + 1) {
			c->ok = false;
			c->bad_line = c->lines + 1;
			snprintf(c->why, sizeof(c->why),
				 "sequence %llu where %llu was expected (a "
				 "line deleted, repeated or moved)",
				 (unsigned long long)v.seq,
				 (unsigned long long)(c->lines + 1));
			break;
		}
		if (v.chained) {
			char hx[NONO_SHA256_HEX];

			nono_hex(c->head.b, NONO_SHA256_LEN, hx);
			if (memcmp(v.prev, hx, 64) != 0) {
				c->ok = false;
				c->bad_line = c->lines + 1;
				snprintf(c->why, sizeof(c->why),
					 "\"prev\" is not the previous line's "
					 "chain head");
				break;
			}
			nono_merkle_leaf(v.event, v.event_len, &leaf);
			nono_hex(leaf.b, NONO_SHA256_LEN, hx);
			if (memcmp(v.leaf, hx, 64) != 0) {
				c->ok = false;
				c->bad_line = c->lines + 1;
				snprintf(c->why, sizeof(c->why),
					 "the event's bytes do not match its "
					 "\"leaf\" hash (the event was "
					 "changed)");
				break;
			}
			memcpy(two, c->head.b, 32);
			memcpy(two + 32, leaf.b, 32);
			nono_sha256(two, 64, head.b);
			nono_hex(head.b, NONO_SHA256_LEN, hx);
			if (memcmp(v.head, hx, 64) != 0) {
				c->ok = false;
				c->bad_line = c->lines + 1;
				snprintf(c->why, sizeof(c->why),
					 "\"head\" is not SHA-256(prev || "
					 "leaf)");
				break;
			}
			c->head = head;
			nono_merkle_push(&tree, &leaf);
			if (keep_leaves) {
				if (c->lines == cap) {
					nono_hash *n;

					cap = cap ? cap * 2 : 64;
					n = realloc(c->leaves,
						    cap * sizeof(*n));
					if (!n)
						return -ENOMEM;
					c->leaves = n;
				}
				c->leaves[c->lines] = leaf;
			}
		}
		c->lines++;
		p = nl + 1;
	}
	nono_merkle_root(&tree, &c->root);
	return 0;
}

/* @name in @dirfd for reading: a regular file, reached through no link,
 * opened without blocking (a FIFO put there is refused, not waited on).
 * The fd and *@st, or -errno. */
static int open_regular(int dirfd, const char *name, struct stat *st)
{
	int fd =
	    openat(dirfd, name,
		   O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

int nono_audit_map_file(int dirfd, const char *name, const char **out,
			size_t *len)
{
	struct stat st;
	void *p;
	int fd;

	*out = NULL;
	*len = 0;
	fd = open_regular(dirfd, name, &st);
	if (fd < 0)
		return fd;
	if (st.st_size == 0) {
		close(fd);
		*out = "";
		return 0;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -errno;
	madvise(p, (size_t)st.st_size, MADV_SEQUENTIAL);
	*out = p;
	*len = (size_t)st.st_size;
	return 0;
}

void nono_audit_unmap(const char *p, size_t len)
{
	if (p && len)
		munmap((void *)(uintptr_t)p, len);
}

int nono_audit_read_file(int dirfd, const char *name, size_t max, char **out,
			 size_t *len)
{
	struct stat st;
	size_t got = 0, cap;
	char *buf;
	int fd;

	*out = NULL;
	*len = 0;
	fd = open_regular(dirfd, name, &st);
	if (fd < 0)
		return fd;
	if ((unsigned long long)st.st_size > max) {
		close(fd);
		return -EFBIG;
	}
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t n;

		if (got + 1 == cap) {
			/* It grew while we read: take what was there. */
			break;
		}
		n = read(fd, buf + got, cap - 1 - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			close(fd);
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}
