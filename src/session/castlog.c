// SPDX-License-Identifier: Apache-2.0
/*
 * Session logs (see castlog.h): the asciicast v2 writer and the event
 * log's line writer (the reader is castread.c).
 *
 * Bytes in the cast: the relay hands us whatever the program wrote, which
 * need not be UTF-8, while a cast is JSON text.  Valid UTF-8 (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF) is written as is,
 * JSON-escaped where JSON wants it; every other byte is written as \u00XX,
 * the Latin-1 code point of its value.  The writer never escapes a valid
 * character U+0080-U+00FF (it writes its UTF-8 bytes), so in a file of ours
 * \u0080-\u00ff always stands for one raw byte, and the reader maps it back
 * to that byte: the "o" data read back, concatenated, is byte for byte what
 * was given to nono_cast_output.  A player sees such bytes as Latin-1
 * characters, which is what a terminal would have shown for garbage anyway.
 * (A cast from another writer that escapes U+0080-U+00FF itself reads back
 * as Latin-1 bytes, the one place where this convention costs anything.)
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "session/castlog.h"

/* The write buffer, and so the longest line the writer makes. */
#define CAST_BUF 65536
/* Times are clamped to [0, CAST_TMAX] (31 700 years) to bound the prefix. */
#define CAST_TMAX 1e12
/* Sizes a reader accepts; the writer clamps to them so its files read. */
#define CAST_DIM_MAX 10000
/* Header fields are cosmetic: longer ones are cut at a character. */
#define TITLE_MAX 4096
#define TERM_MAX 256
/* The longest event log line. */
#define EVENT_MAX 65536

static const char SUFFIX[] = "\"]\n";
#define SUFFIX_LEN (sizeof(SUFFIX) - 1)

struct nono_cast {
	int fd;
	int err;    /* the first write error: later calls return it */
	size_t len; /* bytes pending in buf */
	unsigned char carry[4];
	size_t ncarry; /* a valid UTF-8 prefix cut at the end of a chunk */
	double last;   /* the last output's time, for the carry at close */
	unsigned long long flushed;       /* bytes written to the file */
	unsigned long long max, min_free; /* nono_cast_set_limit */
	int stopped; /* -EFBIG or -ENOSPC once recording stopped */
	char buf[CAST_BUF];
};

/* --- escaping ----------------------------------------------------------- */

/*
 * 0: copied as is (printable ASCII but '"' and '\\'); 1: an ASCII byte to
 * escape; 2: a byte >= 0x80, the start of a UTF-8 sequence or not.
 */
static const unsigned char byte_class[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x00 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x10 */
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x20 '"' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x30 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x40 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* 0x50 '\\' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x60 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, /* 0x70 DEL */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0x80 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0x90 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xa0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xb0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xc0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xd0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xe0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xf0 */
};

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/*
 * A byte's high bit set in the result where one of the 8 bytes of @w is
 * not of class 0 (or after it): below 0x20, above 0x7e, '"' or '\\', by
 * the usual bit tricks, a borrow or a carry into the high bit.  Terminal
 * output is mostly runs of such bytes, so this is where the time goes.
 */
static inline uint64_t bad8(uint64_t w)
{
	uint64_t q = w ^ (ONES * '"'), b = w ^ (ONES * '\\');

	return ((w - ONES * 0x20) & ~w) |        /* < 0x20 */
	       ((w + ONES * (127 - 0x7e)) | w) | /* > 0x7e */
	       ((q - ONES) & ~q) | ((b - ONES) & ~b);
}

/* The two-character forms JSON has; 0: \u00XX. */
static char short_escape(unsigned char c)
{
	switch (c) {
	case '"':
		return '"';
	case '\\':
		return '\\';
	case '\b':
		return 'b';
	case '\f':
		return 'f';
	case '\n':
		return 'n';
	case '\r':
		return 'r';
	case '\t':
		return 't';
	default:
		return 0;
	}
}

static size_t put_u00(char *o, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";

	o[0] = '\\';
	o[1] = 'u';
	o[2] = '0';
	o[3] = '0';
	o[4] = hex[c >> 4];
	o[5] = hex[c & 15];
	return 6;
}

/*
 * The length of the valid UTF-8 character at @p (RFC 3629's table), 0 if
 * @p[0] does not start one, -1 if the @avail bytes are a valid start of
 * one that goes on past them.
 */
static int utf8_len(const unsigned char *p, size_t avail)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	int n;

	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0; /* overlong */
		else if (c == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90; /* overlong */
		else if (c == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
	} else {
		return 0;
	}
	for (int k = 1; k < n; k++) {
		if ((size_t)k >= avail)
			return -1;
		if (p[k] < lo || p[k] > hi)
			return 0;
		lo = 0x80;
		hi = 0xbf;
	}
	return n;
}

enum esc {
	ESC_DONE,    /* all of the input was written */
	ESC_ROOM,    /* the output is full (at a character's boundary) */
	ESC_PARTIAL, /* what is left is a valid character's start: carry it */
};

/*
 * Escapes @in[*@ip, @n) into @out[*@op, @lim) for a JSON string, a whole
 * character or escape at a time.  With @final, a character cut at the end
 * is written as \u00XX bytes instead of being left over.
 */
static enum esc escape(const unsigned char *in, size_t n, size_t *ip, char *out,
		       size_t *op, size_t lim, bool final)
{
	size_t i = *ip, o = *op;
	enum esc r = ESC_DONE;

	while (i < n) {
		unsigned char ch = in[i];
		int k;

		if (byte_class[ch] == 0) {
			/* The hot path: a run of printable ASCII. */
			size_t m = n - i, j = 0;

			if (m > lim - o)
				m = lim - o;
			if (m == 0) {
				r = ESC_ROOM;
				break;
			}
			while (j + 8 <= m) {
				uint64_t w, bad;

				memcpy(&w, in + i + j, 8);
				bad = bad8(w) & HIGHS;
				/* Within @m: what is past the run is rewritten.
				 */
				memcpy(out + o + j, &w, 8);
				if (bad) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
					/* The lowest mark is the first. */
					j += (size_t)__builtin_ctzll(bad) / 8;
#endif
					break;
				}
				j += 8;
			}
			while (j < m && byte_class[in[i + j]] == 0) {
				out[o + j] = (char)in[i + j];
				j++;
			}
			i += j;
			o += j;
			continue;
		}
		if (ch < 0x80) {
			char s = short_escape(ch);

			if (lim - o < (s ? 2u : 6u)) {
				r = ESC_ROOM;
				break;
			}
			if (s) {
				out[o++] = '\\';
				out[o++] = s;
			} else {
				o += put_u00(out + o, ch);
			}
			i++;
			continue;
		}
		k = utf8_len(in + i, n - i);
		if (k < 0 && !final) {
			r = ESC_PARTIAL;
			break;
		}
		if (k > 0) {
			if (lim - o < (size_t)k) {
				r = ESC_ROOM;
				break;
			}
			memcpy(out + o, in + i, (size_t)k);
			i += (size_t)k;
			o += (size_t)k;
		} else {
			if (lim - o < 6) {
				r = ESC_ROOM;
				break;
			}
			o += put_u00(out + o, ch);
			i++;
		}
	}
	*ip = i;
	*op = o;
	return r;
}

/* A bounded line under construction: @full once something did not fit. */
struct line {
	char *b;
	size_t len, cap;
	bool full;
};

static void line_put(struct line *l, const char *s, size_t n)
{
	if (l->full || n > l->cap - l->len) {
		l->full = true;
		return;
	}
	memcpy(l->b + l->len, s, n);
	l->len += n;
}

static void line_puts(struct line *l, const char *s)
{
	line_put(l, s, strlen(s));
}

/*
 * @s as a JSON string.  Its escaped form may take @max bytes: a longer one
 * is cut at a character if @cut, else the line is @full.
 */
static void line_str(struct line *l, const char *s, size_t max, bool cut)
{
	size_t i = 0, n = strlen(s), lim;

	line_put(l, "\"", 1);
	if (l->full)
		return;
	lim = l->cap - l->len > max ? l->len + max : l->cap;
	if (escape((const unsigned char *)s, n, &i, l->b, &l->len, lim, true) !=
		ESC_DONE &&
	    !cut)
		l->full = true;
	line_put(l, "\"", 1);
}

/* --- the cast writer ---------------------------------------------------- */

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (w == 0)
			return -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * A write error sticks: what follows a line cut by a full disk would read
 * as a malformed line, and everything after it would be lost to a reader
 * anyway, so nothing more is written.
 */
static int cast_flush(struct nono_cast *c)
{
	int r;

	if (c->err)
		return c->err;
	r = write_all(c->fd, c->buf, c->len);
	c->flushed += c->len;
	c->len = 0;
	if (r < 0)
		c->err = r;
	return r;
}

static size_t put_time(char *o, double t);

void nono_cast_set_limit(struct nono_cast *c, unsigned long long max,
			 unsigned long long min_free)
{
	c->max = max;
	c->min_free = min_free;
}

/* Whether recording must stop now; if so, the marker that says why goes
 * out (once).  The marker's own bytes are not counted. */
static int over_limit(struct nono_cast *c)
{
	static const char why_size[] =
	    "\"m\", \"nono: the transcript reached its size limit; later "
	    "output is not recorded\"]\n";
	static const char why_disk[] =
	    "\"m\", \"nono: the disk is nearly full; later output is not "
	    "recorded\"]\n";
	struct statvfs sv;
	char line[192];
	size_t n;

	if (c->stopped)
		return c->stopped;
	if (c->max && c->flushed + c->len >= c->max)
		c->stopped = -EFBIG;
	else if (c->min_free && c->len >= CAST_BUF / 2 &&
		 fstatvfs(c->fd, &sv) == 0 &&
		 (unsigned long long)sv.f_bavail * sv.f_frsize < c->min_free)
		c->stopped = -ENOSPC;
	if (!c->stopped)
		return 0;
	n = put_time(line, c->last);
	if (c->stopped == -EFBIG) {
		memcpy(line + n, why_size, sizeof(why_size) - 1);
		n += sizeof(why_size) - 1;
	} else {
		memcpy(line + n, why_disk, sizeof(why_disk) - 1);
		n += sizeof(why_disk) - 1;
	}
	if (CAST_BUF - c->len >= n || cast_flush(c) == 0) {
		memcpy(c->buf + c->len, line, n);
		c->len += n;
	}
	cast_flush(c);
	return c->stopped;
}

/* "[SECONDS.MICROS, " with six decimals, without printf: it runs often. */
static size_t put_time(char *o, double t)
{
	uint64_t us, s;
	char d[24];
	size_t n = 0, k = 0;

	if (!(t >= 0)) /* NaN too */
		t = 0;
	if (t > CAST_TMAX)
		t = CAST_TMAX;
	us = (uint64_t)(t * 1e6 + 0.5);
	s = us / 1000000;
	o[n++] = '[';
	do {
		d[k++] = (char)('0' + s % 10);
		s /= 10;
	} while (s);
	while (k)
		o[n++] = d[--k];
	o[n++] = '.';
	us %= 1000000;
	for (int i = 5; i >= 0; i--) {
		o[n + (size_t)i] = (char)('0' + us % 10);
		us /= 10;
	}
	n += 6;
	o[n++] = ',';
	o[n++] = ' ';
	return n;
}

static unsigned clamp_dim(unsigned v)
{
	return v < 1 ? 1 : v > CAST_DIM_MAX ? CAST_DIM_MAX : v;
}

struct nono_cast *nono_cast_create(int dirfd, const char *name, unsigned cols,
				   unsigned rows, double start,
				   const char *title, const char *term)
{
	struct nono_cast *c;
	struct line l;
	char num[128];
	long long ts = 0;
	int r;

	c = malloc(sizeof(*c));
	if (!c)
		return NULL;
	memset(c, 0, offsetof(struct nono_cast, buf));
	if (start >= 0 && start < 1e15)
		ts = (long long)start;
	/* The field order and spacing of asciinema's own files. */
	l = (struct line){.b = c->buf, .cap = sizeof(c->buf)};
	snprintf(num, sizeof(num),
		 "{\"version\": 2, \"width\": %u, \"height\": %u, "
		 "\"timestamp\": %lld",
		 clamp_dim(cols), clamp_dim(rows), ts);
	line_puts(&l, num);
	if (title) {
		line_puts(&l, ", \"title\": ");
		line_str(&l, title, TITLE_MAX, true);
	}
	if (term) {
		line_puts(&l, ", \"env\": {\"TERM\": ");
		line_str(&l, term, TERM_MAX, true);
		line_puts(&l, "}");
	}
	line_puts(&l, "}\n");
	c->len = l.len; /* it fits: the fields are bounded well below */
	c->fd =
	    openat(dirfd, name,
		   O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (c->fd < 0) {
		r = errno;
		free(c);
		errno = r;
		return NULL;
	}
	/* Now, so that a file of ours always has its header. */
	r = cast_flush(c);
	if (r < 0) {
		unlinkat(dirfd, name, 0);
		close(c->fd);
		free(c);
		errno = -r;
		return NULL;
	}
	return c;
}

/*
 * One output, as one event when it fits in the buffer (flushing first if
 * it fits only in an empty one), else split into events of the same time
 * at character boundaries, the first filling what the buffer has left.
 * @head is escaped text that goes first (the carried character).
 */
static int cast_event(struct nono_cast *c, const char *pre, size_t plen,
		      const char *head, size_t hlen, const unsigned char *in,
		      size_t n)
{
	size_t i = 0;

	for (;;) {
		size_t start = c->len, o, i0 = i, lb;
		enum esc r;

		/* At least the escaped length: one byte each. */
		lb = plen + hlen + (n - i) + SUFFIX_LEN;
		if ((start > 0 && lb <= CAST_BUF && start + lb > CAST_BUF) ||
		    CAST_BUF - start < plen + hlen + 6 + SUFFIX_LEN) {
			if (cast_flush(c) < 0)
				return c->err;
			continue;
		}
		memcpy(c->buf + start, pre, plen);
		memcpy(c->buf + start + plen, head, hlen);
		o = start + plen + hlen;
		r = escape(in, n, &i, c->buf, &o, CAST_BUF - SUFFIX_LEN, false);
		if (r == ESC_ROOM && start > 0 && lb <= CAST_BUF) {
			/* More escapes than guessed: try an empty buffer. */
			i = i0;
			if (cast_flush(c) < 0)
				return c->err;
			continue;
		}
		if (o > start + plen) {
			memcpy(c->buf + o, SUFFIX, SUFFIX_LEN);
			c->len = o + SUFFIX_LEN;
		}
		if (r == ESC_PARTIAL) {
			c->ncarry = n - i;
			memcpy(c->carry, in + i, c->ncarry);
		}
		if (r != ESC_ROOM)
			return 0;
		hlen = 0;
	}
}

int nono_cast_output(struct nono_cast *c, double elapsed, const char *buf,
		     size_t len)
{
	const unsigned char *in = (const unsigned char *)buf;
	char pre[64], head[3 * 6]; /* a carry: at most 3 bytes, 6 each */
	size_t plen, hlen = 0, skip = 0;

	if (c->err)
		return c->err;
	if (len == 0)
		return 0;
	c->last = elapsed;
	if (over_limit(c))
		return c->stopped;
	if (c->ncarry) {
		unsigned char t[8];
		/* At most 3 (a 4-byte character cut short). */
		size_t m = c->ncarry < 3 ? c->ncarry : 3;
		size_t take = len < 4 - m ? len : 4 - m;
		int k;

		memcpy(t, c->carry, m);
		memcpy(t + m, in, take);
		k = utf8_len(t, m + take);
		if (k < 0) {
			/* Still cut: all of this chunk joins the carry. */
			memcpy(c->carry, t, m + take);
			c->ncarry = m + take;
			return 0;
		}
		if (k > 0) {
			memcpy(head, t, (size_t)k);
			hlen = (size_t)k;
			skip = (size_t)k - m;
		} else {
			/* The carry's bytes are not a character after all. */
			for (size_t j = 0; j < m && j < 3; j++)
				hlen += put_u00(head + hlen, t[j]);
		}
		c->ncarry = 0;
	}
	plen = put_time(pre, elapsed);
	memcpy(pre + plen, "\"o\", \"", 6);
	plen += 6;
	return cast_event(c, pre, plen, head, hlen, in + skip, len - skip);
}

int nono_cast_resize(struct nono_cast *c, double elapsed, unsigned cols,
		     unsigned rows)
{
	char line[96];
	size_t n;

	if (c->err)
		return c->err;
	if (over_limit(c))
		return c->stopped;
	n = put_time(line, elapsed);
	n += (size_t)snprintf(line + n, sizeof(line) - n, "\"r\", \"%ux%u\"]\n",
			      clamp_dim(cols), clamp_dim(rows));
	if (CAST_BUF - c->len < n && cast_flush(c) < 0)
		return c->err;
	memcpy(c->buf + c->len, line, n);
	c->len += n;
	return 0;
}

int nono_cast_flush(struct nono_cast *c)
{
	return cast_flush(c);
}

void nono_cast_close(struct nono_cast *c)
{
	if (!c)
		return;
	if (c->ncarry && !c->err) {
		/* No more output will complete it: its bytes, escaped. */
		char pre[64], head[24];
		size_t plen = put_time(pre, c->last), hlen = 0;

		memcpy(pre + plen, "\"o\", \"", 6);
		plen += 6;
		for (size_t j = 0; j < c->ncarry; j++)
			hlen += put_u00(head + hlen, c->carry[j]);
		c->ncarry = 0;
		cast_event(c, pre, plen, head, hlen, NULL, 0);
	}
	cast_flush(c);
	close(c->fd);
	free(c);
}

/* --- the event log ------------------------------------------------------ */

int nono_event_append(int fd, const char *type,
		      const struct nono_event_field *f, size_t n)
{
	struct line l;
	struct timespec ts;
	struct tm tm;
	char tmp[160]; /* room for any struct tm: never cut */
	ssize_t w;
	int r = 0;

	if (!type)
		return -EINVAL;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (!gmtime_r(&ts.tv_sec, &tm))
		return -EOVERFLOW;
	l = (struct line){.b = malloc(EVENT_MAX), .cap = EVENT_MAX};
	if (!l.b)
		return -ENOMEM;
	snprintf(
	    tmp, sizeof(tmp),
	    "{\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ\",\"event\":",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, ts.tv_nsec / 1000000);
	line_puts(&l, tmp);
	line_str(&l, type, EVENT_MAX, false);
	for (size_t i = 0; i < n && !l.full; i++) {
		if (!f[i].key) {
			r = -EINVAL;
			break;
		}
		line_puts(&l, ",");
		line_str(&l, f[i].key, EVENT_MAX, false);
		line_puts(&l, ":");
		if (f[i].str) {
			line_str(&l, f[i].str, EVENT_MAX, false);
		} else {
			snprintf(tmp, sizeof(tmp), "%lld", f[i].num);
			line_puts(&l, tmp);
		}
	}
	line_puts(&l, "}\n");
	if (!r && l.full)
		r = -EINVAL;
	if (!r) {
		/* One write(2): O_APPEND keeps concurrent lines whole. */
		do
			w = write(fd, l.b, l.len);
		while (w < 0 && errno == EINTR);
		if (w < 0)
			r = -errno;
		else if ((size_t)w != l.len)
			r = -EIO; /* a short write: a full disk, most likely */
	}
	free(l.b);
	return r;
}
