// SPDX-License-Identifier: Apache-2.0
/*
 * The asciicast reader and writer (session/castlog.c), fed arbitrary bytes.
 * Properties checked, not only crashes:
 *  - the input read as a cast: the header comes first and once, times are
 *    finite and >= 0, sizes 1..10000, types printable, data NUL-ended;
 *    nono_cast_parse (a buffer) and nono_cast_read (a memfd) agree;
 *  - what was read, written again with the writer (header, "o" and "r"
 *    events, even when the read stopped at a malformed line), reads back
 *    without error to the same "o" bytes and the same sizes;
 *  - the input as terminal output, cut into chunks of sizes drawn from the
 *    input itself (sometimes repeated past the 64 KiB buffer), with resizes
 *    and flushes between: read back, the "o" data is the input, byte for
 *    byte;
 *  - the writer's files are UTF-8 text without raw control characters.
 */
#include <fcntl.h>
#include <float.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "session/castlog.h"

static char dir[] = "/tmp/nono-fuzz-cast-XXXXXX";
static int dfd = -1;

static void cleanup(void)
{
	unlinkat(dfd, "a", 0);
	unlinkat(dfd, "b", 0);
	rmdir(dir);
}

struct sink {
	unsigned calls;
	char *o;
	size_t olen, ocap;
	unsigned *sizes; /* cols, rows of the header and each 'r' */
	size_t nsizes, scap;
	struct nono_cast *w; /* writes what it reads again, when set */
	bool again;
};

static void grow(void **p, size_t *cap, size_t need, size_t unit)
{
	if (need <= *cap)
		return;
	*cap = need * 2;
	*p = realloc(*p, *cap * unit);
	if (!*p)
		abort();
}

static int on_event(void *arg, double t, char type, const char *data,
		    size_t len, unsigned cols, unsigned rows)
{
	struct sink *s = arg;

	if ((s->calls++ == 0) != (type == 'h'))
		abort();
	if (!(t >= 0 && t <= DBL_MAX) || data[len] != '\0' || type <= ' ' ||
	    type > '~' || cols < 1 || cols > 10000 || rows < 1 || rows > 10000)
		abort();
	if (type == 'h') {
		if (t != 0 || len != 0)
			abort();
		if (s->again) {
			unlinkat(dfd, "a", 0);
			s->w = nono_cast_create(dfd, "a", cols, rows, 0, NULL,
						NULL);
			if (!s->w)
				abort();
		}
	}
	if (type == 'o' && len) {
		grow((void **)&s->o, &s->ocap, s->olen + len, 1);
		memcpy(s->o + s->olen, data, len);
		s->olen += len;
		if (s->w && nono_cast_output(s->w, t, data, len) < 0)
			abort();
	}
	if (type == 'h' || type == 'r') {
		grow((void **)&s->sizes, &s->scap, s->nsizes + 2,
		     sizeof(unsigned));
		s->sizes[s->nsizes++] = cols;
		s->sizes[s->nsizes++] = rows;
		if (type == 'r' && s->w &&
		    nono_cast_resize(s->w, t, cols, rows) < 0)
			abort();
	}
	return 0;
}

static void sink_free(struct sink *s)
{
	free(s->o);
	free(s->sizes);
}

static bool same(const struct sink *a, const struct sink *b)
{
	return a->olen == b->olen && a->nsizes == b->nsizes &&
	       (!a->olen || memcmp(a->o, b->o, a->olen) == 0) &&
	       (!a->nsizes ||
		memcmp(a->sizes, b->sizes, a->nsizes * sizeof(unsigned)) == 0);
}

static int read_file(const char *name, struct sink *s)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		abort();
	r = nono_cast_read(fd, on_event, s);
	close(fd);
	return r;
}

/*
 * The writer's file is JSON text a player takes: UTF-8 (RFC 3629), no raw
 * control character but the newlines, lines of at most 64 KiB.
 */
static void check_text(const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	size_t line = 0, need = 0;
	unsigned lo = 0x80, hi = 0xbf;
	unsigned char b[4096];
	ssize_t n;

	if (fd < 0)
		abort();
	while ((n = read(fd, b, sizeof(b))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			unsigned c = b[i];

			if (need) {
				if (c < lo || c > hi)
					abort();
				lo = 0x80;
				hi = 0xbf;
				need--;
			} else if (c >= 0x80) {
				if (c < 0xc2 || c > 0xf4)
					abort();
				need = c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;
				lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
				hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
			} else if ((c < 0x20 && c != '\n') || c == 0x7f) {
				abort();
			}
			line = c == '\n' ? 0 : line + 1;
			if (line >= 65536)
				abort();
		}
	}
	if (n < 0 || need)
		abort();
	close(fd);
}

/* splitmix64: chunk sizes and times from the input's hash. */
static uint64_t mix(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static void write_back(const uint8_t *data, size_t size)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	struct sink got = {0};
	struct nono_cast *w;
	size_t total = size, off = 0;
	unsigned cols = 80, rows = 24, nr = 0;
	char *in;
	double t = 0;

	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 0x100000001b3ULL;
	/* Sometimes past the buffer, to exercise the split. */
	if (size && (h & 63) == 0)
		total = size * (66000 / size + 1);
	in = malloc(total + 1);
	if (!in)
		abort();
	for (size_t i = 0; i < total; i += size)
		memcpy(in + i, data, size);
	unlinkat(dfd, "b", 0);
	w = nono_cast_create(dfd, "b", cols, rows, 1.5e9, "fuzz", "xterm");
	if (!w)
		abort();
	while (off < total) {
		uint64_t r = mix(&h);
		size_t n = (r & 3) == 0
			       ? 1 + (r >> 2) % 4
			       : 1 + (r >> 8) % (1u << ((r >> 32) % 18));

		if (n > total - off)
			n = total - off;
		t += (double)(r >> 48) / 1e5;
		if (nono_cast_output(w, t, in + off, n) < 0)
			abort();
		off += n;
		if ((r >> 20) % 11 == 0 && nono_cast_flush(w) < 0)
			abort();
		if ((r >> 24) % 13 == 0 && nr < 1000) {
			cols = 1 + (unsigned)(r >> 40) % 400;
			rows = 1 + (unsigned)(r >> 52) % 200;
			if (nono_cast_resize(w, t, cols, rows) < 0)
				abort();
			nr++;
		}
	}
	nono_cast_close(w);
	check_text("b");
	if (read_file("b", &got) != 0 || got.olen != total ||
	    (total && memcmp(got.o, in, total) != 0) ||
	    got.nsizes != 2 * (nr + 1) || got.sizes[got.nsizes - 2] != cols ||
	    got.sizes[got.nsizes - 1] != rows)
		abort();
	sink_free(&got);
	free(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sink a = {.again = true}, b = {0}, c = {0};
	int ra, rb, mfd;

	if (dfd < 0) {
		if (!mkdtemp(dir))
			abort();
		dfd = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
		if (dfd < 0)
			abort();
		atexit(cleanup);
	}

	/* The input as a cast, from a buffer and from a file. */
	ra = nono_cast_parse((const char *)data, size, on_event, &a);
	mfd = memfd_create("cast", MFD_CLOEXEC);
	if (mfd < 0)
		abort();
	if (size && write(mfd, data, size) != (ssize_t)size)
		abort();
	lseek(mfd, 0, SEEK_SET);
	rb = nono_cast_read(mfd, on_event, &b);
	close(mfd);
	if (ra > 0 || ra != rb || a.calls != b.calls || !same(&a, &b))
		abort();
	if (ra == 0 && !a.w)
		abort();

	/* What was read, written again, reads the same. */
	if (a.w) {
		nono_cast_close(a.w);
		check_text("a");
		if (read_file("a", &c) != 0 || !same(&a, &c))
			abort();
	}
	sink_free(&a);
	sink_free(&b);
	sink_free(&c);

	write_back(data, size);
	return 0;
}
