// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of the session logs (session/castlog.c): the asciicast
 * writer's exact bytes (header, escapes, events, resizes), the UTF-8 carry
 * between chunks, the split of outputs larger than the buffer, the round
 * trip of arbitrary bytes through writer and reader (seeded, so the same
 * bytes every run), the reader's refusals, and the event log's lines.
 *
 * write(2) is interposed (see below) to count calls and to inject EINTR,
 * short writes and a full disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "session/castlog.h"
#include "testutil.h"

static char root[PATH_MAX];
static int dirfd_ = -1;

/* --- write(2), interposed ----------------------------------------------- */

/*
 * This definition takes the place of libc's for the code linked into this
 * test (castlog.c included), not for libc's own stdio.
 */
enum wmode {
	W_PASS,
	W_CHOPPY, /* every other call EINTR, the others write 7 bytes at most */
	W_NOSPC,  /* ENOSPC */
	W_SHORT,  /* writes one byte less than asked */
};
static enum wmode wmode = W_PASS;
static int nwrites;

ssize_t write(int fd, const void *buf, size_t n)
{
	static bool flip;

	nwrites++;
	switch (wmode) {
	case W_PASS:
		break;
	case W_CHOPPY:
		flip = !flip;
		if (flip) {
			errno = EINTR;
			return -1;
		}
		if (n > 7)
			n = 7;
		break;
	case W_NOSPC:
		errno = ENOSPC;
		return -1;
	case W_SHORT:
		if (n > 1)
			n--;
		break;
	}
	return syscall(SYS_write, fd, buf, n);
}

/* --- helpers ------------------------------------------------------------ */

static int setup(void **state)
{
	char tmpl[] = "/tmp/nono-castlog-XXXXXX";

	(void)state;
	if (!mkdtemp(tmpl))
		return -1;
	snprintf(root, sizeof(root), "%s", tmpl);
	dirfd_ = open(root, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	return dirfd_ < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	close(dirfd_);
	return test_rm_tree(root);
}

/* xorshift64*: the same numbers on every run and every machine. */
static uint64_t rnd_state;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545F4914F6CDD1DULL;
}

static char *slurp(const char *name, size_t *len)
{
	int fd = openat(dirfd_, name, O_RDONLY | O_CLOEXEC);
	size_t cap = 4096, n = 0;
	char *b = malloc(cap + 1);
	ssize_t r;

	assert_true(fd >= 0);
	assert_non_null(b);
	while ((r = read(fd, b + n, cap - n)) > 0) {
		n += (size_t)r;
		if (n == cap) {
			cap *= 2;
			b = realloc(b, cap + 1);
			assert_non_null(b);
		}
	}
	assert_int_equal(r, 0);
	close(fd);
	b[n] = '\0';
	*len = n;
	return b;
}

/* The file after its header line. */
static char *body(const char *name, size_t *len)
{
	size_t n;
	char *b = slurp(name, &n), *nl = memchr(b, '\n', n), *r;

	assert_non_null(nl);
	*len = n - (size_t)(nl + 1 - b);
	r = malloc(*len + 1);
	assert_non_null(r);
	memcpy(r, nl + 1, *len + 1);
	free(b);
	return r;
}

static struct nono_cast *mk(const char *name)
{
	struct nono_cast *c;

	unlinkat(dirfd_, name, 0);
	c = nono_cast_create(dirfd_, name, 80, 24, 1700000000, NULL, NULL);
	assert_non_null(c);
	return c;
}

static void assert_body(const char *name, const char *want)
{
	size_t n;
	char *b = body(name, &n);

	assert_string_equal(b, want);
	assert_int_equal(n, strlen(want));
	free(b);
}

/* What a read delivers. */
struct coll {
	int calls, stop_at, events;
	char *o; /* the "o" data, concatenated */
	size_t olen, ocap;
	char sizes[4096]; /* "COLSxROWS;" per 'r' event */
	double last_t;
	bool each_utf8; /* check that every "o" event is valid UTF-8 */
	size_t longest;
};

static bool valid_utf8(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t k;
		unsigned cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 2, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			k = 3, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 4, cp = c & 0x07;
		else
			return false;
		if (i + k > n)
			return false;
		for (size_t j = 1; j < k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if ((k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k;
	}
	return true;
}

static int collect(void *arg, double t, char type, const char *data, size_t len,
		   unsigned cols, unsigned rows)
{
	struct coll *c = arg;

	assert_int_equal(data[len], '\0');
	if (c->calls++ == 0) {
		assert_int_equal(type, 'h');
		assert_int_equal(len, 0);
		snprintf(c->sizes, sizeof(c->sizes), "%ux%u;", cols, rows);
	} else {
		assert_int_not_equal(type, 'h');
		assert_true(t >= c->last_t);
		c->last_t = t;
		c->events++;
	}
	if (type == 'o' && len) {
		if (c->olen + len > c->ocap) {
			c->ocap = (c->olen + len) * 2;
			c->o = realloc(c->o, c->ocap);
			assert_non_null(c->o);
		}
		memcpy(c->o + c->olen, data, len);
		c->olen += len;
		if (c->each_utf8)
			assert_true(
			    valid_utf8((const unsigned char *)data, len));
		if (len > c->longest)
			c->longest = len;
	}
	if (type == 'r') {
		size_t n = strlen(c->sizes);

		snprintf(c->sizes + n, sizeof(c->sizes) - n, "%ux%u;", cols,
			 rows);
	}
	if (c->stop_at && c->calls == c->stop_at)
		return 7;
	return 0;
}

static int parse_str(const char *s, struct coll *c)
{
	memset(c, 0, sizeof(*c));
	return nono_cast_parse(s, strlen(s), collect, c);
}

/* Reads @name both ways (fd and buffer), checks they agree; the fd's. */
static int read_both(const char *name, struct coll *c)
{
	struct coll b;
	size_t n;
	char *buf = slurp(name, &n);
	int fd = openat(dirfd_, name, O_RDONLY | O_CLOEXEC), r, rb;

	assert_true(fd >= 0);
	/* JSON text, as players want it: UTF-8, no raw control character. */
	assert_true(valid_utf8((const unsigned char *)buf, n));
	for (size_t i = 0; i < n; i++)
		assert_true(buf[i] == '\n' ||
			    (buf[i] >= 0x20 && buf[i] != 0x7f) || buf[i] < 0);
	memset(c, 0, sizeof(*c));
	memset(&b, 0, sizeof(b));
	r = nono_cast_read(fd, collect, c);
	close(fd);
	rb = nono_cast_parse(buf, n, collect, &b);
	assert_int_equal(r, rb);
	assert_int_equal(c->calls, b.calls);
	assert_int_equal(c->olen, b.olen);
	if (c->olen)
		assert_memory_equal(c->o, b.o, c->olen);
	assert_string_equal(c->sizes, b.sizes);
	free(b.o);
	free(buf);
	return r;
}

/* --- the writer --------------------------------------------------------- */

static void test_header(void **state)
{
	struct nono_cast *c;
	struct stat st;
	size_t n;
	char *b;

	(void)state;
	unlinkat(dirfd_, "h.cast", 0);
	c = nono_cast_create(dirfd_, "h.cast", 132, 43, 1700000000.9,
			     "say \"hi\"\\\x01 \xc3\xa9\xff", "xterm-256color");
	assert_non_null(c);
	/* Written at once, before any flush. */
	b = slurp("h.cast", &n);
	assert_string_equal(b,
			    "{\"version\": 2, \"width\": 132, \"height\": 43, "
			    "\"timestamp\": 1700000000, \"title\": \"say "
			    "\\\"hi\\\"\\\\\\u0001 \xc3\xa9\\u00ff\", "
			    "\"env\": {\"TERM\": \"xterm-256color\"}}\n");
	free(b);
	assert_int_equal(fstatat(dirfd_, "h.cast", &st, 0), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	nono_cast_close(c);

	/* Neither title nor TERM; sizes a reader refuses are clamped. */
	unlinkat(dirfd_, "h2.cast", 0);
	c = nono_cast_create(dirfd_, "h2.cast", 0, 20000, -5, NULL, NULL);
	assert_non_null(c);
	nono_cast_close(c);
	b = slurp("h2.cast", &n);
	assert_string_equal(b, "{\"version\": 2, \"width\": 1, \"height\": "
			       "10000, \"timestamp\": 0}\n");
	free(b);

	/* O_EXCL, and a link is not followed. */
	assert_null(nono_cast_create(dirfd_, "h2.cast", 80, 24, 0, NULL, NULL));
	assert_int_equal(errno, EEXIST);
	unlinkat(dirfd_, "link", 0);
	assert_int_equal(symlinkat("target", dirfd_, "link"), 0);
	assert_null(nono_cast_create(dirfd_, "link", 80, 24, 0, NULL, NULL));
	assert_int_equal(errno, EEXIST);
	assert_int_equal(faccessat(dirfd_, "target", F_OK, AT_SYMLINK_NOFOLLOW),
			 -1);

	/* A long title is cut at a character, and the header still reads. */
	{
		char *t = malloc(20001);
		struct coll col;

		assert_non_null(t);
		for (int i = 0; i < 20000; i += 2)
			memcpy(t + i, "\xc3\xa9", 2);
		t[20000] = '\0';
		unlinkat(dirfd_, "h3.cast", 0);
		c = nono_cast_create(dirfd_, "h3.cast", 80, 24, 0, t, NULL);
		assert_non_null(c);
		nono_cast_close(c);
		assert_int_equal(read_both("h3.cast", &col), 0);
		free(col.o);
		b = slurp("h3.cast", &n);
		assert_true(n < 4200);
		assert_non_null(strstr(b, "\xc3\xa9\"}\n"));
		free(b);
		free(t);
	}
}

/* What JSON wants for each ASCII byte, written independently. */
static void want_ascii(unsigned char ch, char *o)
{
	switch (ch) {
	case '"':
		strcpy(o, "\\\"");
		break;
	case '\\':
		strcpy(o, "\\\\");
		break;
	case '\n':
		strcpy(o, "\\n");
		break;
	case '\r':
		strcpy(o, "\\r");
		break;
	case '\t':
		strcpy(o, "\\t");
		break;
	case '\b':
		strcpy(o, "\\b");
		break;
	case '\f':
		strcpy(o, "\\f");
		break;
	default:
		if (ch < 0x20 || ch == 0x7f)
			sprintf(o, "\\u%04x", ch);
		else
			sprintf(o, "%c", ch);
	}
}

static void test_escape_ascii(void **state)
{
	struct nono_cast *c = mk("a.cast");
	char want[128 * 40], *w = want;

	(void)state;
	for (int ch = 0; ch < 128; ch++) {
		char b = (char)ch, e[8];

		assert_int_equal(nono_cast_output(c, ch / 1000.0, &b, 1), 0);
		want_ascii((unsigned char)ch, e);
		w += sprintf(w, "[0.%06d, \"o\", \"%s\"]\n", ch * 1000, e);
	}
	nono_cast_close(c);
	assert_body("a.cast", want);
}

/*
 * Every byte at every place of a run of plain ones: the word-at-a-time scan
 * stops at each of them.
 */
static void test_escape_runs(void **state)
{
	struct nono_cast *c = mk("runs.cast");
	size_t cap = 256 * 24 * 80, n = 0;
	char *want = malloc(cap);

	(void)state;
	assert_non_null(want);
	for (int ch = 0; ch < 256; ch++) {
		/* Not the last: a character's start there is carried. */
		for (int pos = 0; pos < 23; pos++) {
			char in[24], e[8];

			memset(in, 'a', sizeof(in));
			in[pos] = (char)ch;
			assert_int_equal(nono_cast_output(c, 1, in, sizeof(in)),
					 0);
			if (ch < 0x80)
				want_ascii((unsigned char)ch, e);
			else
				sprintf(e, "\\u%04x", ch);
			n += (size_t)snprintf(
			    want + n, cap - n,
			    "[1.000000, \"o\", \"%.*s%s%.*s\"]\n", pos,
			    "aaaaaaaaaaaaaaaaaaaaaaaa", e, 23 - pos,
			    "aaaaaaaaaaaaaaaaaaaaaaaa");
		}
	}
	nono_cast_close(c);
	assert_body("runs.cast", want);
	free(want);
}

static void test_escape_utf8(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"\xc3\xa9", "\xc3\xa9"},         /* U+00E9: written as is */
	    {"\xc2\x80", "\xc2\x80"},         /* U+0080 */
	    {"\xdf\xbf", "\xdf\xbf"},         /* U+07FF */
	    {"\xe2\x82\xac", "\xe2\x82\xac"}, /* U+20AC */
	    {"\xef\xbf\xbf", "\xef\xbf\xbf"}, /* U+FFFF */
	    {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"}, /* U+1F600 */
	    {"\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"}, /* U+10FFFF */
	    {"\x80", "\\u0080"},
	    {"\xff", "\\u00ff"},
	    {"\xfe\xfd", "\\u00fe\\u00fd"},
	    {"\xc0\xaf", "\\u00c0\\u00af"},            /* overlong '/' */
	    {"\xc1\xbf", "\\u00c1\\u00bf"},            /* overlong */
	    {"\xe0\x80\xaf", "\\u00e0\\u0080\\u00af"}, /* overlong */
	    {"\xe0\x9f\xbf", "\\u00e0\\u009f\\u00bf"}, /* overlong */
	    {"\xf0\x80\x80\xaf", "\\u00f0\\u0080\\u0080\\u00af"},
	    {"\xed\xa0\x80", "\\u00ed\\u00a0\\u0080"},            /* U+D800 */
	    {"\xed\xbf\xbf", "\\u00ed\\u00bf\\u00bf"},            /* U+DFFF */
	    {"\xed\x9f\xbf", "\xed\x9f\xbf"},                     /* U+D7FF */
	    {"\xf4\x90\x80\x80", "\\u00f4\\u0090\\u0080\\u0080"}, /* >10FFFF */
	    {"\xf5\x80\x80\x80", "\\u00f5\\u0080\\u0080\\u0080"},
	    {"\xe2\x82"
	     "A",
	     "\\u00e2\\u0082A"}, /* cut by a new character */
	    {"\xc3\xc3\xa9", "\\u00c3\xc3\xa9"},
	    {"a\xf0\x9f\x98"
	     "\xf0\x9f\x98\x80",
	     "a\\u00f0\\u009f\\u0098"
	     "\xf0\x9f\x98\x80"},
	    {"\x1b[0m\xe2\x94\x80", "\\u001b[0m\xe2\x94\x80"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nono_cast *c = mk("u.cast");
		char want[256];
		struct coll col;

		assert_int_equal(
		    nono_cast_output(c, 0.5, cases[i].in, strlen(cases[i].in)),
		    0);
		nono_cast_close(c);
		snprintf(want, sizeof(want), "[0.500000, \"o\", \"%s\"]\n",
			 cases[i].out);
		assert_body("u.cast", want);
		assert_int_equal(read_both("u.cast", &col), 0);
		assert_int_equal(col.olen, strlen(cases[i].in));
		assert_memory_equal(col.o, cases[i].in, col.olen);
		free(col.o);
	}
}

static void test_carry(void **state)
{
	struct nono_cast *c;

	(void)state;
	/* A character cut between two chunks goes whole into the second. */
	c = mk("c.cast");
	assert_int_equal(nono_cast_output(c, 1, "a\xe2\x82", 3), 0);
	assert_int_equal(nono_cast_output(c, 2, "\xac b", 3), 0);
	nono_cast_close(c);
	assert_body("c.cast", "[1.000000, \"o\", \"a\"]\n"
			      "[2.000000, \"o\", \"\xe2\x82\xac b\"]\n");

	/* Over three chunks, flushed in between: the flush keeps it. */
	c = mk("c.cast");
	assert_int_equal(nono_cast_output(c, 1, "\xf0\x9f", 2), 0);
	assert_int_equal(nono_cast_flush(c), 0);
	assert_body("c.cast", "");
	assert_int_equal(nono_cast_output(c, 2, "\x98", 1), 0);
	assert_int_equal(nono_cast_flush(c), 0);
	assert_body("c.cast", "");
	assert_int_equal(nono_cast_output(c, 3, "\x80!", 2), 0);
	assert_int_equal(nono_cast_flush(c), 0);
	assert_body("c.cast", "[3.000000, \"o\", \"\xf0\x9f\x98\x80!\"]\n");
	nono_cast_close(c);

	/* The next chunk shows it was not a character. */
	c = mk("c.cast");
	assert_int_equal(nono_cast_output(c, 1, "\xe2", 1), 0);
	assert_int_equal(nono_cast_output(c, 2, "A", 1), 0);
	assert_int_equal(nono_cast_output(c, 3, "\xf0", 1), 0);
	assert_int_equal(nono_cast_output(c, 4, "\x90", 1), 0);
	assert_int_equal(nono_cast_output(c, 5, "\x41\xe2\x82", 3), 0);
	assert_int_equal(nono_cast_output(c, 6, "\xe2", 1), 0);
	nono_cast_close(c);
	assert_body("c.cast", "[2.000000, \"o\", \"\\u00e2A\"]\n"
			      "[5.000000, \"o\", \"\\u00f0\\u0090A\"]\n"
			      "[6.000000, \"o\", \"\\u00e2\\u0082\"]\n"
			      "[6.000000, \"o\", \"\\u00e2\"]\n");

	/* Close writes what is carried, as bytes, at the last time. */
	c = mk("c.cast");
	assert_int_equal(nono_cast_output(c, 1.25, "x\xe2\x82", 3), 0);
	nono_cast_close(c);
	assert_body("c.cast", "[1.250000, \"o\", \"x\"]\n"
			      "[1.250000, \"o\", \"\\u00e2\\u0082\"]\n");

	/* A resize between the halves: the character comes after it. */
	c = mk("c.cast");
	assert_int_equal(nono_cast_output(c, 1, "\xc3", 1), 0);
	assert_int_equal(nono_cast_resize(c, 2, 100, 30), 0);
	assert_int_equal(nono_cast_output(c, 3, "\xa9", 1), 0);
	nono_cast_close(c);
	assert_body("c.cast", "[2.000000, \"r\", \"100x30\"]\n"
			      "[3.000000, \"o\", \"\xc3\xa9\"]\n");
}

static void test_times(void **state)
{
	struct nono_cast *c = mk("t.cast");

	(void)state;
	assert_int_equal(nono_cast_output(c, 0.1234564, "a", 1), 0);
	assert_int_equal(nono_cast_output(c, 0.1234566, "b", 1), 0);
	assert_int_equal(nono_cast_output(c, 12345.999999951, "c", 1), 0);
	assert_int_equal(nono_cast_output(c, -1, "d", 1), 0);
	assert_int_equal(nono_cast_output(c, NAN, "e", 1), 0);
	assert_int_equal(nono_cast_output(c, 1e300, "f", 1), 0);
	nono_cast_output(c, 0, "", 0); /* nothing at all */
	nono_cast_close(c);
	assert_body("t.cast", "[0.123456, \"o\", \"a\"]\n"
			      "[0.123457, \"o\", \"b\"]\n"
			      "[12346.000000, \"o\", \"c\"]\n"
			      "[0.000000, \"o\", \"d\"]\n"
			      "[0.000000, \"o\", \"e\"]\n"
			      "[1000000000000.000000, \"o\", \"f\"]\n");
}

static void test_resize(void **state)
{
	struct nono_cast *c = mk("r.cast");
	struct coll col;

	(void)state;
	assert_int_equal(nono_cast_output(c, 1, "x", 1), 0);
	assert_int_equal(nono_cast_resize(c, 1.5, 132, 43), 0);
	assert_int_equal(nono_cast_resize(c, 2, 0, 99999), 0);
	nono_cast_close(c);
	assert_body("r.cast", "[1.000000, \"o\", \"x\"]\n"
			      "[1.500000, \"r\", \"132x43\"]\n"
			      "[2.000000, \"r\", \"1x10000\"]\n");
	assert_int_equal(read_both("r.cast", &col), 0);
	assert_string_equal(col.sizes, "80x24;132x43;1x10000;");
	free(col.o);
}

/* Every line of the file is at most the buffer's 64 KiB. */
static void assert_lines_fit(const char *name, int *lines)
{
	size_t n;
	char *b = slurp(name, &n), *p = b;

	*lines = 0;
	while (p < b + n) {
		char *nl = memchr(p, '\n', (size_t)(b + n - p));

		assert_non_null(nl);
		assert_true(nl + 1 - p <= 65536);
		(*lines)++;
		p = nl + 1;
	}
	free(b);
}

static void test_big_chunk(void **state)
{
	static const char *const units[] = {
	    "a",    "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
	    "\x01", "\xff"};
	size_t len = 200000;
	char *in = malloc(len + 8);

	(void)state;
	assert_non_null(in);
	for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
		struct nono_cast *c = mk("b.cast");
		size_t ul = strlen(units[u]), n = 0;
		struct coll col;
		int lines;

		/* An odd start, so that characters straddle every split. */
		in[n++] = 'x';
		while (n + ul <= len) {
			memcpy(in + n, units[u], ul);
			n += ul;
		}
		assert_int_equal(nono_cast_output(c, 3, "hi", 2), 0);
		assert_int_equal(nono_cast_output(c, 5, in, n), 0);
		nono_cast_close(c);
		assert_lines_fit("b.cast", &lines);
		assert_true(lines > 3);
		assert_int_equal(read_both("b.cast", &col), 0);
		assert_int_equal(col.olen, n + 2);
		assert_memory_equal(col.o, "hi", 2);
		assert_memory_equal(col.o + 2, in, n);
		free(col.o);
		/* No character split: each event is valid UTF-8 alone. */
		memset(&col, 0, sizeof(col));
		col.each_utf8 = ul > 1 && units[u][0] != '\xff';
		{
			size_t fl;
			char *f = slurp("b.cast", &fl);

			assert_int_equal(nono_cast_parse(f, fl, collect, &col),
					 0);
			free(f);
		}
		assert_true(col.events == lines - 1);
		free(col.o);
	}
	free(in);
}

/*
 * An event that would fit in an empty buffer but not in what is left
 * flushes first: it stays one event.
 */
static void test_flush_first(void **state)
{
	struct nono_cast *c = mk("f.cast");
	char *in = malloc(65000);
	struct coll col;

	(void)state;
	assert_non_null(in);
	memset(in, 'a', 65000);
	assert_int_equal(nono_cast_output(c, 1, "hi", 2), 0);
	assert_int_equal(nono_cast_output(c, 2, in, 65000), 0);
	assert_int_equal(nono_cast_output(c, 3, in, 50000), 0);
	/*
	 * 3000 bytes would fit in what is left, but not their 18000 escaped
	 * ones: found out while writing, same result.
	 */
	memset(in, '\x01', 3000);
	assert_int_equal(nono_cast_output(c, 4, in, 3000), 0);
	nono_cast_close(c);
	assert_int_equal(read_both("f.cast", &col), 0);
	assert_int_equal(col.events, 4);
	assert_int_equal(col.longest, 65000);
	assert_int_equal(col.olen, 2 + 65000 + 50000 + 3000);
	free(col.o);
	free(in);
}

/* Arbitrary bytes, cut anyhow, read back as they were. */
static void test_round_trip(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 40; seed++) {
		size_t len = (size_t)(seed % 5 == 0 ? 300000 : 1 + seed * 997),
		       off = 0;
		char *in = malloc(len), want_sizes[4096] = "80x24;";
		struct nono_cast *c = mk("rt.cast");
		double t = 0;
		struct coll col;
		int mode = (int)(seed % 4);

		assert_non_null(in);
		rnd_state = seed * 0x9E3779B97F4A7C15ULL;
		for (size_t i = 0; i < len;) {
			uint64_t r = rnd();

			if (mode == 0) { /* any byte */
				in[i++] = (char)r;
			} else if (mode == 1) { /* mostly text */
				in[i++] =
				    (char)(r % 8 ? 0x20 + r % 95 : r >> 8);
			} else if (mode == 2) { /* characters and some junk */
				unsigned cp = (unsigned)(r >> 8) % 0x110000;
				char u[4];
				size_t k;

				if (r % 16 == 0) {
					in[i++] = (char)(0x80 | r >> 40);
					continue;
				}
				if (cp >= 0xd800 && cp <= 0xdfff)
					cp = 0x41;
				if (r % 4 == 0)
					cp %= 0x800;
				if (cp < 0x80) {
					u[0] = (char)cp;
					k = 1;
				} else if (cp < 0x800) {
					u[0] = (char)(0xc0 | cp >> 6);
					u[1] = (char)(0x80 | (cp & 0x3f));
					k = 2;
				} else if (cp < 0x10000) {
					u[0] = (char)(0xe0 | cp >> 12);
					u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
					u[2] = (char)(0x80 | (cp & 0x3f));
					k = 3;
				} else {
					u[0] = (char)(0xf0 | cp >> 18);
					u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
					u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
					u[3] = (char)(0x80 | (cp & 0x3f));
					k = 4;
				}
				/* Sometimes only a character's start. */
				if (r % 7 == 0 && k > 1)
					k = 1 + (r >> 50) % (k - 1);
				for (size_t j = 0; j < k && i < len; j++)
					in[i++] = u[j];
			} else { /* high bytes, as in Latin-1 text */
				in[i++] = (char)(r % 3 ? 0x80 | r >> 8 : 0x61);
			}
		}
		while (off < len) {
			uint64_t r = rnd();
			size_t n = r % 4 == 0 ? 1 + r % 4
					      : 1 + (r >> 8) % (1u << (r % 18));

			if (n > len - off)
				n = len - off;
			t += (double)(r >> 40 & 0xfff) / 1e4;
			assert_int_equal(nono_cast_output(c, t, in + off, n),
					 0);
			off += n;
			if (r % 13 == 0)
				assert_int_equal(nono_cast_flush(c), 0);
			if (r % 17 == 0 && strlen(want_sizes) < 4000) {
				unsigned w = 1 + (unsigned)(r >> 20) % 300,
					 h = 1 + (unsigned)(r >> 30) % 100;
				size_t sl = strlen(want_sizes);

				assert_int_equal(nono_cast_resize(c, t, w, h),
						 0);
				snprintf(want_sizes + sl,
					 sizeof(want_sizes) - sl, "%ux%u;", w,
					 h);
			}
		}
		nono_cast_close(c);
		assert_int_equal(read_both("rt.cast", &col), 0);
		assert_int_equal(col.olen, len);
		assert_memory_equal(col.o, in, len);
		assert_string_equal(col.sizes, want_sizes);
		free(col.o);
		free(in);
	}
}

/* EINTR and short writes are written through; a full disk sticks. */
static void test_write_errors(void **state)
{
	char *in = malloc(150000), *a, *b;
	struct nono_cast *c;
	size_t an, bn;

	(void)state;
	assert_non_null(in);
	rnd_state = 99;
	for (size_t i = 0; i < 150000; i++)
		in[i] = (char)rnd();
	for (int pass = 0; pass < 2; pass++) {
		wmode = pass ? W_CHOPPY : W_PASS;
		c = mk(pass ? "w1.cast" : "w0.cast");
		assert_int_equal(nono_cast_output(c, 1, in, 70000), 0);
		assert_int_equal(nono_cast_resize(c, 2, 10, 10), 0);
		assert_int_equal(nono_cast_output(c, 3, in + 70000, 80000), 0);
		nono_cast_close(c);
		wmode = W_PASS;
	}
	a = slurp("w0.cast", &an);
	b = slurp("w1.cast", &bn);
	assert_int_equal(an, bn);
	assert_memory_equal(a, b, an);
	free(a);
	free(b);

	c = mk("w2.cast");
	wmode = W_NOSPC;
	assert_int_equal(nono_cast_output(c, 1, "x", 1), 0); /* buffered */
	assert_int_equal(nono_cast_flush(c), -ENOSPC);
	wmode = W_PASS;
	assert_int_equal(nono_cast_output(c, 2, "y", 1), -ENOSPC);
	assert_int_equal(nono_cast_resize(c, 2, 1, 1), -ENOSPC);
	assert_int_equal(nono_cast_flush(c), -ENOSPC);
	nono_cast_close(c);
	assert_body("w2.cast", "");

	/* A header that cannot be written: no file is left. */
	unlinkat(dirfd_, "w3.cast", 0);
	wmode = W_NOSPC;
	assert_null(nono_cast_create(dirfd_, "w3.cast", 80, 24, 0, NULL, NULL));
	wmode = W_PASS;
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(faccessat(dirfd_, "w3.cast", F_OK, 0), -1);
	free(in);
}

/* --- the reader --------------------------------------------------------- */

#define HDR "{\"version\": 2, \"width\": 80, \"height\": 24}\n"

static void test_parse_ok(void **state)
{
	static const struct {
		const char *in, *o;
		size_t olen;
		int events;
	} cases[] = {
	    {HDR, "", 0, 0},
	    {HDR "\n", "", 0, 0},
	    {HDR "\n\n \r\n", "", 0, 0},
	    {HDR "[0.5, \"o\", \"a\"]", "a", 1, 1}, /* no last newline */
	    {HDR "[0.5, \"o\", \"a\"]\r\n", "a", 1, 1},
	    {HDR " [ 1 , \"o\" , \"b\" ] \n", "b", 1, 1},
	    {HDR "[1e-06, \"o\", \"c\"]\n", "c", 1, 1},
	    {HDR "[0, \"o\", \"\"]\n[2.5E+3, \"i\", \"\"]\n", "", 0, 2},
	    {HDR "[1, \"\\u006f\", \"\\u0041\\/\\\"\\\\\"]\n", "A/\"\\", 4, 1},
	    {HDR "[1, \"o\", \"\\b\\f\\n\\r\\t\\u0000\"]\n", "\b\f\n\r\t\0", 6,
	     1},
	    {HDR "[1, \"o\", \"\\ud83d\\ude00\"]\n", "\xf0\x9f\x98\x80", 4, 1},
	    {HDR "[1, \"o\", \"\\uD83D\\uDE00\"]\n", "\xf0\x9f\x98\x80", 4, 1},
	    {HDR "[1, \"o\", \"\\u00e9\\u00FF\\u0080\"]\n", "\xe9\xff\x80", 3,
	     1}, /* raw bytes */
	    {HDR "[1, \"o\", \"\\u0100\\u07ff\\uffff\"]\n",
	     "\xc4\x80\xdf\xbf\xef\xbf\xbf", 7, 1},
	    {HDR "[1, \"o\", \"\xc3\xa9\xff\"]\n", "\xc3\xa9\xff", 3, 1},
	    {HDR "[1, \"m\", \"marker\"]\n", "", 0, 1},
	    /* Other header fields, of any JSON shape, are skipped. */
	    {"{\"version\":2,\"width\":80,\"height\":24,\"timestamp\":1,"
	     "\"env\":{\"TERM\":\"x\",\"SHELL\":null},\"theme\":{\"fg\":"
	     "\"#fff\",\"palette\":[[1,-2.5e3],[],{},true,false]},"
	     "\"idle_time_limit\":2.5,\"\\u0074itle\":\"t\"}\n",
	     "", 0, 0},
	    {"{\"w\\u0069dth\": 80, \"height\": 24, \"version\": 2}", "", 0, 0},
	    {"{\"version\": 2, \"width\": 1, \"height\": 10000}", "", 0, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct coll c;

		assert_int_equal(parse_str(cases[i].in, &c), 0);
		assert_int_equal(c.events, cases[i].events);
		assert_int_equal(c.olen, cases[i].olen);
		if (c.olen)
			assert_memory_equal(c.o, cases[i].o, c.olen);
		free(c.o);
	}
}

static void test_parse_errors(void **state)
{
	static const struct {
		const char *in;
		int calls; /* delivered before the refusal */
	} cases[] = {
	    {"", 0},
	    {"\n", 0},
	    {"\n" HDR, 0},
	    {"[2, 80, 24]\n", 0},
	    {"{\"version\": 1, \"width\": 80, \"height\": 24}\n", 0},
	    {"{\"version\": \"2\", \"width\": 80, \"height\": 24}\n", 0},
	    {"{\"version\": 2.0, \"width\": 80, \"height\": 24}\n", 0},
	    {"{\"version\": 2, \"width\": 0, \"height\": 24}\n", 0},
	    {"{\"version\": 2, \"width\": 10001, \"height\": 24}\n", 0},
	    {"{\"version\": 2, \"width\": 80.5, \"height\": 24}\n", 0},
	    {"{\"version\": 2, \"width\": 8e1, \"height\": 24}\n", 0},
	    {"{\"version\": 2, \"width\": -80, \"height\": 24}\n", 0},
	    {"{\"version\": 2, \"width\": 080, \"height\": 24}\n", 0},
	    {"{\"version\": 2, \"width\": 99999999999999999999999, "
	     "\"height\": 24}\n",
	     0},
	    {"{\"version\": 2, \"width\": 80}\n", 0},
	    {"{\"version\": 2, \"width\": 80, \"width\": 81, \"height\": 2}\n",
	     0},
	    {"{\"version\": 2, \"width\": 80, \"height\": 24,}\n", 0},
	    {"{\"version\": 2, \"width\": 80, \"height\": 24} x\n", 0},
	    {"{\"version\": 2, \"width\": 80, \"height\": 24\n", 0},
	    {"{\"version\": 2 \"width\": 80, \"height\": 24}\n", 0},
	    {"{\"version\": 2, \"width\": 80, \"height\": 24, \"x\": [1,]}\n",
	     0},
	    {"{\"version\": 2, \"width\": 80, \"height\": 24, \"x\": tru}\n",
	     0},
	    {"{\"version\": 2, \"width\": 80, \"height\": 24, \"x\": {1:2}}\n",
	     0},
	    {"{\"version\": 2, \"width\": 80, \"height\": 24, \"x\": [}\n", 0},
	    {"{\"version\": 2, \"width\": 80, \"height\": 24, \"x\": \"\x01\"}",
	     0},
	    {"\xef\xbb\xbf" HDR, 0}, /* a byte order mark */
	    {HDR "{}\n", 1},
	    {HDR "[1, \"o\"]\n", 1},
	    {HDR "[1, \"o\", \"a\", \"b\"]\n", 1},
	    {HDR "[1, \"o\", \"a\",]\n", 1},
	    {HDR "[1, \"o\", \"a\"] x\n", 1},
	    {HDR "[1, \"o\", \"a\"\n", 1},
	    {HDR "[1, \"o\", \"a]\n", 1},
	    {HDR "[-1, \"o\", \"a\"]\n", 1},
	    {HDR "[-0, \"o\", \"a\"]\n", 1},
	    {HDR "[NaN, \"o\", \"a\"]\n", 1},
	    {HDR "[Infinity, \"o\", \"a\"]\n", 1},
	    {HDR "[1e999, \"o\", \"a\"]\n", 1},
	    {HDR "[0x10, \"o\", \"a\"]\n", 1},
	    {HDR "[01, \"o\", \"a\"]\n", 1},
	    {HDR "[1., \"o\", \"a\"]\n", 1},
	    {HDR "[.5, \"o\", \"a\"]\n", 1},
	    {HDR "[1e, \"o\", \"a\"]\n", 1},
	    {HDR "[+1, \"o\", \"a\"]\n", 1},
	    {HDR "[\"1\", \"o\", \"a\"]\n", 1},
	    {HDR "[0.00000000000000000000000000000000000000000000000000000000"
		 "000001, \"o\", \"a\"]\n",
	     1}, /* a number longer than the reader takes */
	    {HDR "[1, \"oo\", \"a\"]\n", 1},
	    {HDR "[1, \"\", \"a\"]\n", 1},
	    {HDR "[1, \"\\u0001\", \"a\"]\n", 1},
	    {HDR "[1, \" \", \"a\"]\n", 1},
	    {HDR "[1, \"h\", \"\"]\n", 1}, /* the header's type */
	    {HDR "[1, \"\xc3\xa9\", \"a\"]\n", 1},
	    {HDR "[1, o, \"a\"]\n", 1},
	    {HDR "[1, \"o\", 5]\n", 1},
	    {HDR "[1, \"o\", null]\n", 1},
	    {HDR "[1, \"o\", \"\\x41\"]\n", 1},
	    {HDR "[1, \"o\", \"\\\"]\n", 1},
	    {HDR "[1, \"o\", \"\\u12\"]\n", 1},
	    {HDR "[1, \"o\", \"\\u12g4\"]\n", 1},
	    {HDR "[1, \"o\", \"\\ud83d\"]\n", 1},
	    {HDR "[1, \"o\", \"\\ud83dx\"]\n", 1},
	    {HDR "[1, \"o\", \"\\ud83d\\u0041\"]\n", 1},
	    {HDR "[1, \"o\", \"\\ud83d\\ud83d\"]\n", 1},
	    {HDR "[1, \"o\", \"\\ude00\"]\n", 1},
	    {HDR "[1, \"o\", \"a\tb\"]\n", 1}, /* a raw control character */
	    {HDR "[1, \"r\", \"80\"]\n", 1},
	    {HDR "[1, \"r\", \"80x\"]\n", 1},
	    {HDR "[1, \"r\", \"0x24\"]\n", 1},
	    {HDR "[1, \"r\", \"80x24 \"]\n", 1},
	    {HDR "[1, \"r\", \"10001x24\"]\n", 1},
	    {HDR "[1, \"o\", \"a\"]\n[2, \"o\", \"b\"]\n[3, \"o\"\n", 3},
	    {HDR "[1, \"o\", \"a\"]\n\n[2, \"o\", \"b\"]\n", 2},
	    {HDR "[1, \"o\", \"a\"]\n[2, \"o\", \"b", 2}, /* cut short */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct coll c;
		int r = parse_str(cases[i].in, &c);

		if (r != -EINVAL || c.calls != cases[i].calls)
			fail_msg("case %zu: %d, %d calls", i, r, c.calls);
		free(c.o);
	}
}

/* A non-zero return from the callback stops the read with it. */
static void test_parse_stop(void **state)
{
	static const char two[] = HDR "[1, \"o\", \"a\"]\n[2, \"o\", \"b\"]\n";

	(void)state;
	for (int at = 1; at <= 3; at++) {
		struct coll c;

		memset(&c, 0, sizeof(c));
		c.stop_at = at;
		assert_int_equal(nono_cast_parse(two, strlen(two), collect, &c),
				 7);
		assert_int_equal(c.calls, at);
		free(c.o);
	}
}

/* Lines longer than a read, and than the limit. */
static void test_read_long_lines(void **state)
{
	size_t big = 3u << 20, huge = (8u << 20) + 2;
	char *line = malloc(huge + 64);
	int fd;
	struct coll c;

	(void)state;
	assert_non_null(line);
	/* 3 MiB; 8 MiB, the longest line taken; one byte more. */
	for (int pass = 0; pass < 3; pass++) {
		size_t n = pass == 0 ? big : pass == 1 ? huge - 1 : huge;

		unlinkat(dirfd_, "l.cast", 0);
		fd = openat(dirfd_, "l.cast", O_RDWR | O_CREAT | O_EXCL, 0600);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, HDR, strlen(HDR)), strlen(HDR));
		memcpy(line, "[1, \"o\", \"", 10);
		memset(line + 10, 'z', n - 10 - 3);
		memcpy(line + n - 3, "\"]\n", 3);
		assert_int_equal(write(fd, line, n), n);
		assert_int_equal(write(fd, "[2, \"o\", \"!\"]\n", 14), 14);
		close(fd);
		if (pass < 2) {
			assert_int_equal(read_both("l.cast", &c), 0);
			assert_int_equal(c.olen, n - 13 + 1);
			assert_int_equal(c.o[c.olen - 1], '!');
		} else {
			assert_int_equal(read_both("l.cast", &c), -EINVAL);
			assert_int_equal(c.calls, 1);
		}
		free(c.o);
	}
	free(line);
	memset(&c, 0, sizeof(c));
	assert_int_equal(nono_cast_read(-1, collect, &c), -EBADF);
	assert_int_equal(c.calls, 0);
}

/* --- the event log ------------------------------------------------------ */

/* A ceiling: recording stops with one marker that says why, the file
 * stays readable, and later output and resizes are refused. */
static int count_o(void *arg, double t, char type, const char *data, size_t len,
		   unsigned cols, unsigned rows)
{
	size_t *n = arg;

	(void)t;
	(void)cols;
	(void)rows;
	if (type == 'o')
		*n += len;
	if (type == 'm')
		assert_non_null(strstr(data, "size limit"));
	return 0;
}

static void test_limit(void **state)
{
	struct nono_cast *c = mk("lim.cast");
	char chunk[4096];
	size_t got = 0, len;
	char *text;
	int r = 0, i;

	(void)state;
	memset(chunk, 'x', sizeof(chunk));
	nono_cast_set_limit(c, 100000, 0);
	for (i = 0; i < 256 && r == 0; i++)
		r = nono_cast_output(c, i * 0.01, chunk, sizeof(chunk));
	assert_int_equal(r, -EFBIG);
	assert_true(i < 256);
	assert_int_equal(nono_cast_output(c, 9, "more", 4), -EFBIG);
	assert_int_equal(nono_cast_resize(c, 9, 100, 30), -EFBIG);
	nono_cast_close(c);
	text = slurp("lim.cast", &len);
	/* The ceiling, give or take one buffer and the marker. */
	assert_true(len >= 100000 && len < 100000 + 65536 + 256);
	assert_int_equal(nono_cast_parse(text, len, count_o, &got), 0);
	assert_true(got >= 90000 && got < 100000 + 65536);
	assert_non_null(strstr(text, "\"m\""));
	free(text);
}

static void test_event_line(void **state)
{
	const struct nono_event_field f[] = {
	    {"client", "rw", 0},
	    {"pid", NULL, 1234},
	    {"neg", NULL, -9223372036854775807LL - 1},
	    {"s", "q\"b\\n\n\x01\x7f \xc3\xa9\xff\xe2\x82", 0},
	};
	char buf[70000], iso[32];
	int sv[2];
	ssize_t n;
	struct tm tm;
	time_t now = time(NULL), t;
	int ms;
	const char *want =
	    "\",\"event\":\"attach\",\"client\":\"rw\",\"pid\":1234,\"neg\":"
	    "-9223372036854775808,\"s\":\"q\\\"b\\\\n\\n\\u0001\\u007f "
	    "\xc3\xa9\\u00ff\\u00e2\\u0082\"}\n";

	(void)state;
	/* A datagram per write(2): one recv is what one write wrote. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	nwrites = 0;
	assert_int_equal(nono_event_append(sv[0], "attach", f, 4), 0);
	assert_int_equal(nwrites, 1);
	n = recv(sv[1], buf, sizeof(buf) - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_memory_equal(buf, "{\"time\":\"", 9);
	assert_int_equal(buf[9 + 24], '"');
	memcpy(iso, buf + 9, 24);
	iso[24] = '\0';
	assert_string_equal(buf + 9 + 24, want);
	/* 2026-12-06T10:00:00.123Z */
	memset(&tm, 0, sizeof(tm));
	assert_int_equal(sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ",
				&tm.tm_year, &tm.tm_mon, &tm.tm_mday,
				&tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms),
			 7);
	assert_true(iso[4] == '-' && iso[10] == 'T' && iso[19] == '.' &&
		    iso[23] == 'Z');
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm);
	assert_true(t >= now - 5 && t <= now + 5);

	/* No fields. */
	assert_int_equal(nono_event_append(sv[0], "start", NULL, 0), 0);
	n = recv(sv[1], buf, sizeof(buf) - 1, 0);
	assert_int_equal(n, 9 + 24 + 19);
	assert_memory_equal(buf + 33, "\",\"event\":\"start\"}\n", 19);

	/* 64 KiB at most, and then nothing at all is written. */
	{
		char *s = malloc(70000);
		struct nono_event_field g = {"s", s, 0};

		assert_non_null(s);
		memset(s, 'x', 65000);
		s[65000] = '\0';
		assert_int_equal(nono_event_append(sv[0], "big", &g, 1), 0);
		n = recv(sv[1], buf, sizeof(buf), 0);
		assert_true(n > 65000 && n <= 65536);
		memset(s, 'x', 66000);
		s[66000] = '\0';
		assert_int_equal(nono_event_append(sv[0], "big", &g, 1),
				 -EINVAL);
		memset(s, '\x01', 12000); /* 72000 bytes once escaped */
		s[12000] = '\0';
		assert_int_equal(nono_event_append(sv[0], "big", &g, 1),
				 -EINVAL);
		n = recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT);
		assert_int_equal(n, -1);
		assert_int_equal(errno, EAGAIN);
		free(s);
	}
	{
		struct nono_event_field g = {NULL, "x", 0};

		assert_int_equal(nono_event_append(sv[0], "x", &g, 1), -EINVAL);
		assert_int_equal(nono_event_append(sv[0], NULL, NULL, 0),
				 -EINVAL);
	}
	assert_int_equal(nono_event_append(-1, "x", NULL, 0), -EBADF);
	wmode = W_SHORT;
	assert_int_equal(nono_event_append(sv[0], "x", NULL, 0), -EIO);
	wmode = W_PASS;
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_header),
	    cmocka_unit_test(test_escape_ascii),
	    cmocka_unit_test(test_escape_runs),
	    cmocka_unit_test(test_escape_utf8),
	    cmocka_unit_test(test_carry),
	    cmocka_unit_test(test_times),
	    cmocka_unit_test(test_resize),
	    cmocka_unit_test(test_big_chunk),
	    cmocka_unit_test(test_flush_first),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_write_errors),
	    cmocka_unit_test(test_parse_ok),
	    cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test(test_parse_stop),
	    cmocka_unit_test(test_read_long_lines),
	    cmocka_unit_test(test_event_line),
	    cmocka_unit_test(test_limit),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
