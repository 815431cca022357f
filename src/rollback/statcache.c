// SPDX-License-Identifier: Apache-2.0
/* The rollback stat cache (see statcache.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rollback/statcache.h"
#include "util/fsutil.h"

#define CACHE_MAGIC "nono-rb-statcache 1\n"

/* ---- the stat cache ---------------------------------------------------- */

/* A table of @cap slots, zeroed.  Past 2 MiB: mapped in huge pages
 * where the kernel gives them (the lookups land at random in ~20 MB for
 * 100,000 files: with 4 KiB pages nearly each one missed the TLB, and
 * the first touch of each page faulted). */
#define HUGE_SIZE (2u << 20)

static struct nono_rb_cache_ent *table_new(size_t cap)
{
	size_t size = cap * sizeof(struct nono_rb_cache_ent);
	void *v;

	if (size < HUGE_SIZE)
		return calloc(cap, sizeof(struct nono_rb_cache_ent));
	size = (size + HUGE_SIZE - 1) & ~(size_t)(HUGE_SIZE - 1);
	v = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (v == MAP_FAILED)
		return NULL;
	(void)madvise(v, size, MADV_HUGEPAGE); /* a hint: none is fine */
	return v;
}

static void table_free(struct nono_rb_cache_ent *t, size_t cap)
{
	size_t size = cap * sizeof(*t);

	if (!t)
		return;
	if (size < HUGE_SIZE) {
		free(t);
		return;
	}
	munmap(t, (size + HUGE_SIZE - 1) & ~(size_t)(HUGE_SIZE - 1));
}

void nono_rb_cache_init(struct nono_rb_cache *c)
{
	memset(c, 0, sizeof(*c));
	c->gen = 1;
}

void nono_rb_cache_free(struct nono_rb_cache *c)
{
	table_free(c->t, c->cap);
	nono_rb_cache_init(c);
}

static size_t slot(const struct nono_rb_cache *c, uint64_t dev, uint64_t ino)
{
	return nono_rb_slot(dev, ino, c->cap);
}

struct nono_rb_cache_ent *nono_rb_cache_find(struct nono_rb_cache *c,
					     uint64_t dev, uint64_t ino)
{
	if (!c->cap)
		return NULL;
	for (size_t i = slot(c, dev, ino);; i = (i + 1) & (c->cap - 1)) {
		struct nono_rb_cache_ent *e = &c->t[i];

		if (!e->used)
			return NULL;
		if (e->dev == dev && e->ino == ino)
			return e;
	}
}

/* Rehashes into a table of at least @want slots (doubling when 0). */
static int cache_grow(struct nono_rb_cache *c, size_t want)
{
	struct nono_rb_cache old = *c;
	size_t cap = c->cap ? c->cap * 2 : 1024;

	while (cap < want)
		cap *= 2;
	c->t = table_new(cap);
	if (!c->t) {
		*c = old;
		return -ENOMEM;
	}
	c->cap = cap;
	c->n = 0;
	for (size_t i = 0; i < old.cap; i++) {
		struct nono_rb_cache_ent *e = &old.t[i], *d;
		size_t k;

		if (!e->used)
			continue;
		for (k = slot(c, e->dev, e->ino); c->t[k].used;
		     k = (k + 1) & (c->cap - 1))
			;
		d = &c->t[k];
		*d = *e;
		c->n++;
	}
	table_free(old.t, old.cap);
	return 0;
}

int nono_rb_cache_put(struct nono_rb_cache *c,
		      const struct nono_rb_cache_ent *v)
{
	struct nono_rb_cache_ent *e;
	size_t k;

	if ((e = nono_rb_cache_find(c, v->dev, v->ino))) {
		*e = *v;
		e->used = 1;
		c->dirty = 1;
		return 0;
	}
	if ((c->n + 1) * 4 > c->cap * 3 && cache_grow(c, 0) < 0)
		return -ENOMEM;
	for (k = slot(c, v->dev, v->ino); c->t[k].used;
	     k = (k + 1) & (c->cap - 1))
		;
	c->t[k] = *v;
	c->t[k].used = 1;
	c->n++;
	c->dirty = 1;
	return 0;
}

void nono_rb_cache_unsee(struct nono_rb_cache *c)
{
	if (++c->gen == 0) { /* wrapped: nothing holds 1 after this */
		for (size_t i = 0; i < c->cap; i++)
			c->t[i].seen = 0;
		c->gen = 1;
	}
}

/* A record: dev, ino, size, mtime, ctime (little-endian 64-bit), hash,
 * and whether it had no user.* attributes. */
#define REC (5 * 8 + NONO_SHA256_LEN + 1)

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

int nono_rb_cache_load(struct nono_rb_cache *c, const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	uint8_t *buf;
	struct stat st;
	size_t len, off;

	nono_rb_cache_init(c);
	if (fd < 0)
		return 0; /* none yet */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > (off_t)1 << 32) {
		close(fd);
		return 0;
	}
	len = (size_t)st.st_size;
	buf = malloc(len ? len : 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	off = 0;
	while (off < len) {
		ssize_t n = read(fd, buf + off, len - off);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	/* Anything odd: an empty cache (everything is read again). */
	if (off == len && len >= sizeof(CACHE_MAGIC) - 1 &&
	    memcmp(buf, CACHE_MAGIC, sizeof(CACHE_MAGIC) - 1) == 0 &&
	    (len - (sizeof(CACHE_MAGIC) - 1)) % REC == 0) {
		size_t count = (len - (sizeof(CACHE_MAGIC) - 1)) / REC;

		/* Sized once: no rehash while loading. */
		if (count && cache_grow(c, count * 2) < 0) {
			free(buf);
			return -ENOMEM;
		}
		for (off = sizeof(CACHE_MAGIC) - 1; off < len; off += REC) {
			struct nono_rb_cache_ent e = {0};
			const uint8_t *p = buf + off;

			e.dev = get64(p);
			e.ino = get64(p + 8);
			e.size = get64(p + 16);
			e.mtime_ns = (int64_t)get64(p + 24);
			e.ctime_ns = (int64_t)get64(p + 32);
			memcpy(e.hash, p + 40, NONO_SHA256_LEN);
			e.noxattr = p[40 + NONO_SHA256_LEN] == 1;
			if (nono_rb_cache_put(c, &e) < 0) {
				free(buf);
				nono_rb_cache_free(c);
				return -ENOMEM;
			}
		}
		c->dirty = 0; /* what is on disk */
	} else {
		c->dirty = 1; /* written again by the next save */
	}
	free(buf);
	return 0;
}

int nono_rb_cache_save(struct nono_rb_cache *c, const char *path)
{
	size_t n = 0, len;
	uint8_t *buf, *p;
	int r;

	for (size_t i = 0; i < c->cap; i++)
		n += c->t[i].used && c->t[i].seen == c->gen;
	if (!c->dirty && n == c->n)
		return 0; /* the file holds exactly these */
	len = sizeof(CACHE_MAGIC) - 1 + n * REC;
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, CACHE_MAGIC, sizeof(CACHE_MAGIC) - 1);
	p = buf + sizeof(CACHE_MAGIC) - 1;
	for (size_t i = 0; i < c->cap; i++) {
		const struct nono_rb_cache_ent *e = &c->t[i];

		if (!e->used || e->seen != c->gen)
			continue;
		put64(p, e->dev);
		put64(p + 8, e->ino);
		put64(p + 16, e->size);
		put64(p + 24, (uint64_t)e->mtime_ns);
		put64(p + 32, (uint64_t)e->ctime_ns);
		memcpy(p + 40, e->hash, NONO_SHA256_LEN);
		p[40 + NONO_SHA256_LEN] = e->noxattr ? 1 : 0;
		p += REC;
	}
	/* A cache: no fsync needed (a lost one costs a re-read). */
	r = nono_write_atomic(path, (const char *)buf, len, NONO_WRITE_REPLACE,
			      0600);
	free(buf);
	/* Clean only when the file holds every entry: those not seen stay
	 * in memory, and the file lacks them. */
	if (r == 0)
		c->dirty = n != c->n;
	return r;
}
