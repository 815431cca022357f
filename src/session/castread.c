// SPDX-License-Identifier: Apache-2.0
/*
 * The asciicast v2 reader (see castlog.h; the writer and its conventions
 * are castlog.c's): a cast file is untrusted input, read line by line
 * without recursion, every bound checked.  \u0080-\u00ff decode to the
 * one raw byte they stand for in our files.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "session/castlog.h"

/* The longest line the reader takes (the writer's are at most 64 KiB). */
#define CAST_LINE_MAX (8u << 20)
/* What the reader asks read(2) for at first. */
#define CAST_READ_CHUNK 65536
/* Sizes a reader accepts (the writer clamps to them). */
#define CAST_DIM_MAX 10000
/* Nesting the reader skips through in unknown header values. */
#define JSON_DEPTH_MAX 64

/* --- the cast reader ---------------------------------------------------- */

struct reader {
	nono_cast_fn fn;
	void *arg;
	unsigned cols, rows;
	bool header; /* the header line was read */
	bool blank;  /* a blank line was read: only blank lines may follow */
};

static const char *skip_ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

static int hex4(const char *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * The JSON string at @p, decoded into @out (NULL: checked only), its length
 * in *@olen.  A decoded string is never longer than its text, so @out may
 * be the text itself, from the opening quote's place: every write lands on
 * what was already read.  Raw bytes >= 0x80 are taken as they are;
 * \u0080-\u00ff is that one byte (see the top of this file).  The end, or
 * NULL if it is not a string.
 */
static const char *str_decode(const char *p, const char *e, char *out,
			      size_t *olen)
{
	size_t o = 0;

	if (p == e || *p != '"')
		return NULL;
	p++;
	for (;;) {
		unsigned char ch;
		unsigned cp;
		int u, lo;

		if (p == e)
			return NULL;
		ch = (unsigned char)*p;
		if (ch == '"')
			break;
		if (ch < 0x20)
			return NULL;
		if (ch != '\\') {
			if (out)
				out[o] = (char)ch;
			o++;
			p++;
			continue;
		}
		if (e - p < 2)
			return NULL;
		switch (p[1]) {
		case '"':
		case '\\':
		case '/':
			ch = (unsigned char)p[1];
			break;
		case 'b':
			ch = '\b';
			break;
		case 'f':
			ch = '\f';
			break;
		case 'n':
			ch = '\n';
			break;
		case 'r':
			ch = '\r';
			break;
		case 't':
			ch = '\t';
			break;
		case 'u':
			if (e - p < 6 || (u = hex4(p + 2)) < 0)
				return NULL;
			p += 6;
			if (u >= 0xdc00 && u <= 0xdfff)
				return NULL; /* a lone low surrogate */
			if (u >= 0xd800 && u <= 0xdbff) {
				if (e - p < 6 || p[0] != '\\' || p[1] != 'u' ||
				    (lo = hex4(p + 2)) < 0xdc00 || lo > 0xdfff)
					return NULL;
				p += 6;
				cp = 0x10000 + ((unsigned)(u - 0xd800) << 10) +
				     (unsigned)(lo - 0xdc00);
			} else {
				cp = (unsigned)u;
			}
			if (cp >= 0x80 && cp <= 0xff) {
				/* A raw byte of the output. */
				if (out)
					out[o] = (char)cp;
				o++;
			} else if (out) {
				o += put_utf8(out + o, cp);
			} else {
				o += cp < 0x80      ? 1
				     : cp < 0x800   ? 2
				     : cp < 0x10000 ? 3
						    : 4;
			}
			continue;
		default:
			return NULL;
		}
		if (out)
			out[o] = (char)ch;
		o++;
		p += 2;
	}
	*olen = o;
	return p + 1;
}

/*
 * A JSON number: non-negative, at most 63 characters (longer ones are
 * refused rather than half read), finite.  *@integer: no fraction or
 * exponent.
 */
static const char *num_parse(const char *p, const char *e, double *v,
			     bool *integer)
{
	const char *s = p;
	char tmp[64];
	char *end;

	*integer = true;
	if (p == e || *p < '0' || *p > '9')
		return NULL;
	if (*p == '0')
		p++;
	else
		while (p < e && *p >= '0' && *p <= '9')
			p++;
	if (p < e && *p == '.') {
		*integer = false;
		if (++p == e || *p < '0' || *p > '9')
			return NULL;
		while (p < e && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < e && (*p == 'e' || *p == 'E')) {
		*integer = false;
		if (++p < e && (*p == '+' || *p == '-'))
			p++;
		if (p == e || *p < '0' || *p > '9')
			return NULL;
		while (p < e && *p >= '0' && *p <= '9')
			p++;
	}
	if ((size_t)(p - s) >= sizeof(tmp))
		return NULL;
	memcpy(tmp, s, (size_t)(p - s));
	tmp[p - s] = '\0';
	/* The grammar is checked: strtod sees no "inf", "nan" or hex. */
	*v = strtod(tmp, &end);
	if (end != tmp + (p - s) || !isfinite(*v))
		return NULL;
	return p;
}

static const char *lit_skip(const char *p, const char *e, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(e - p) < n || memcmp(p, w, n) != 0)
		return NULL;
	return p + n;
}

/*
 * Any JSON value (an unknown header field), checked and skipped without
 * recursion: a stack of bits, 1 for an object, JSON_DEPTH_MAX deep.
 */
static const char *value_skip(const char *p, const char *e)
{
	uint64_t stack = 0;
	unsigned depth = 0;
	size_t dummy;
	double d;
	bool integer;

	for (;;) {
		/* A value. */
		p = skip_ws(p, e);
		if (p == e)
			return NULL;
		if (*p == '{' || *p == '[') {
			bool obj = *p == '{';

			if (depth == JSON_DEPTH_MAX)
				return NULL;
			stack = stack << 1 | obj;
			depth++;
			p = skip_ws(p + 1, e);
			if (p < e && *p == (obj ? '}' : ']')) {
				p++;
				stack >>= 1;
				depth--;
			} else {
				if (obj) {
					p = str_decode(p, e, NULL, &dummy);
					if (!p)
						return NULL;
					p = skip_ws(p, e);
					if (p == e || *p != ':')
						return NULL;
					p++;
				}
				continue;
			}
		} else if (*p == '"') {
			p = str_decode(p, e, NULL, &dummy);
		} else if (*p == 't') {
			p = lit_skip(p, e, "true");
		} else if (*p == 'f') {
			p = lit_skip(p, e, "false");
		} else if (*p == 'n') {
			p = lit_skip(p, e, "null");
		} else {
			if (*p == '-')
				p++;
			p = num_parse(p, e, &d, &integer);
		}
		if (!p)
			return NULL;
		/* After a value: close what is open, or go on to the next. */
		for (;;) {
			bool obj = stack & 1;

			if (depth == 0)
				return p;
			p = skip_ws(p, e);
			if (p == e)
				return NULL;
			if (*p == (obj ? '}' : ']')) {
				p++;
				stack >>= 1;
				depth--;
				continue;
			}
			if (*p != ',')
				return NULL;
			p = skip_ws(p + 1, e);
			if (obj) {
				p = str_decode(p, e, NULL, &dummy);
				if (!p)
					return NULL;
				p = skip_ws(p, e);
				if (p == e || *p != ':')
					return NULL;
				p++;
			}
			break;
		}
	}
}

static bool key_is(const char *k, size_t n, const char *w)
{
	return n == strlen(w) && memcmp(k, w, n) == 0;
}

/* An integer field of the header: a plain JSON integer within [lo, hi]. */
static const char *int_field(const char *p, const char *e, unsigned lo,
			     unsigned hi, unsigned *v)
{
	double d;
	bool integer;

	p = num_parse(p, e, &d, &integer);
	if (!p || !integer || d < lo || d > hi)
		return NULL;
	*v = (unsigned)d;
	return p;
}

static int header_line(struct reader *rd, const char *line, const char *e,
		       char *scratch)
{
	const char *p = skip_ws(line, e);
	unsigned version = 0, w = 0, h = 0;

	if (p == e || *p != '{')
		return -EINVAL;
	p = skip_ws(p + 1, e);
	if (p < e && *p == '}') {
		p++;
	} else {
		for (;;) {
			char *k = scratch + (p - line);
			size_t kn = 0;
			unsigned *field = NULL, lo = 1, hi = CAST_DIM_MAX;

			p = str_decode(p, e, k, &kn);
			if (!p)
				return -EINVAL;
			p = skip_ws(p, e);
			if (p == e || *p != ':')
				return -EINVAL;
			p = skip_ws(p + 1, e);
			if (key_is(k, kn, "version")) {
				field = &version;
				lo = hi = 2;
			} else if (key_is(k, kn, "width")) {
				field = &w;
			} else if (key_is(k, kn, "height")) {
				field = &h;
			}
			if (field && *field)
				return -EINVAL; /* twice: which one counts? */
			if (field)
				p = int_field(p, e, lo, hi, field);
			else
				p = value_skip(p, e);
			if (!p)
				return -EINVAL;
			p = skip_ws(p, e);
			if (p < e && *p == ',') {
				p = skip_ws(p + 1, e);
				continue;
			}
			if (p == e || *p != '}')
				return -EINVAL;
			p++;
			break;
		}
	}
	if (skip_ws(p, e) != e || version != 2 || !w || !h)
		return -EINVAL;
	rd->cols = w;
	rd->rows = h;
	rd->header = true;
	return rd->fn(rd->arg, 0, 'h', "", 0, w, h);
}

/* "COLSxROWS", each 1..CAST_DIM_MAX. */
static bool parse_size(const char *s, size_t n, unsigned *cols, unsigned *rows)
{
	unsigned v[2] = {0, 0};
	size_t i = 0;

	for (int k = 0; k < 2; k++) {
		size_t d = 0;

		if (k == 1) {
			if (i == n || s[i] != 'x')
				return false;
			i++;
		}
		while (i < n && s[i] >= '0' && s[i] <= '9' && d < 6) {
			v[k] = v[k] * 10 + (unsigned)(s[i] - '0');
			i++;
			d++;
		}
		if (d == 0 || v[k] < 1 || v[k] > CAST_DIM_MAX)
			return false;
	}
	if (i != n)
		return false;
	*cols = v[0];
	*rows = v[1];
	return true;
}

/*
 * One line of @n bytes.  @scratch holds at least @n bytes and is either
 * another buffer or @line itself (decoding in place).
 */
static int cast_line(struct reader *rd, const char *line, size_t n,
		     char *scratch)
{
	const char *e = line + n, *p = skip_ws(line, e);
	char *data, type;
	size_t tn = 0, dn = 0;
	bool integer;
	double t;

	if (p == e) {
		if (!rd->header)
			return -EINVAL;
		rd->blank = true;
		return 0;
	}
	if (rd->blank)
		return -EINVAL;
	if (!rd->header)
		return header_line(rd, line, e, scratch);
	if (*p != '[')
		return -EINVAL;
	p = num_parse(skip_ws(p + 1, e), e, &t, &integer);
	if (!p)
		return -EINVAL;
	p = skip_ws(p, e);
	if (p == e || *p != ',')
		return -EINVAL;
	p = skip_ws(p + 1, e);
	data = scratch + (p - line);
	p = str_decode(p, e, data, &tn);
	/*
	 * A printable type, one character: "o", "i", "r", "m"...  Not 'h',
	 * which callers take for the header.
	 */
	if (!p || tn != 1 || data[0] <= ' ' || data[0] > '~' || data[0] == 'h')
		return -EINVAL;
	type = data[0];
	p = skip_ws(p, e);
	if (p == e || *p != ',')
		return -EINVAL;
	p = skip_ws(p + 1, e);
	data = scratch + (p - line);
	p = str_decode(p, e, data, &dn);
	if (!p)
		return -EINVAL;
	p = skip_ws(p, e);
	if (p == e || *p != ']' || skip_ws(p + 1, e) != e)
		return -EINVAL;
	/* Before the closing quote's place: callers get a C string too. */
	data[dn] = '\0';
	if (type == 'r' && !parse_size(data, dn, &rd->cols, &rd->rows))
		return -EINVAL;
	return rd->fn(rd->arg, t, type, data, dn, rd->cols, rd->rows);
}

int nono_cast_parse(const char *buf, size_t len, nono_cast_fn fn, void *arg)
{
	struct reader rd = {.fn = fn, .arg = arg};
	const char *p = buf, *e = buf + len;
	char *scratch = NULL;
	size_t cap = 0;
	int r = 0;

	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(e - p);

		if (n > CAST_LINE_MAX) {
			r = -EINVAL;
			break;
		}
		if (n > cap) {
			char *s;

			cap = n < 2 * cap ? 2 * cap : n;
			if (cap > CAST_LINE_MAX)
				cap = CAST_LINE_MAX;
			s = realloc(scratch, cap);
			if (!s) {
				r = -ENOMEM;
				break;
			}
			scratch = s;
		}
		r = cast_line(&rd, p, n, scratch);
		if (r)
			break;
		p += n + (nl != NULL);
	}
	free(scratch);
	if (r == 0 && !rd.header)
		r = -EINVAL;
	return r;
}

/*
 * Read in chunks; a line is decoded in place in the buffer, which grows
 * (to CAST_LINE_MAX + 1) only for a line longer than what it holds.
 */
int nono_cast_read(int fd, nono_cast_fn fn, void *arg)
{
	struct reader rd = {.fn = fn, .arg = arg};
	size_t cap = CAST_READ_CHUNK, start = 0, end = 0, scan = 0;
	char *buf = malloc(cap);
	int r = 0;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		char *nl = memchr(buf + scan, '\n', end - scan);
		ssize_t got;

		if (nl) {
			size_t n = (size_t)(nl - (buf + start));

			if (n > CAST_LINE_MAX) {
				r = -EINVAL;
				break;
			}
			r = cast_line(&rd, buf + start, n, buf + start);
			if (r)
				break;
			start = scan = (size_t)(nl - buf) + 1;
			continue;
		}
		scan = end;
		if (end - start > CAST_LINE_MAX) {
			r = -EINVAL;
			break;
		}
		if (start > 0) {
			memmove(buf, buf + start, end - start);
			end -= start;
			scan = end;
			start = 0;
		}
		if (end == cap) {
			size_t ncap = cap * 2 > CAST_LINE_MAX + 1
					  ? CAST_LINE_MAX + 1
					  : cap * 2;
			char *b = realloc(buf, ncap);

			if (!b) {
				r = -ENOMEM;
				break;
			}
			buf = b;
			cap = ncap;
		}
		got = read(fd, buf + end, cap - end);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (got == 0) {
			/* The last line, without its newline. */
			if (end > start)
				r = cast_line(&rd, buf + start, end - start,
					      buf + start);
			break;
		}
		end += (size_t)got;
	}
	free(buf);
	if (r == 0 && !rd.header)
		r = -EINVAL;
	return r;
}
