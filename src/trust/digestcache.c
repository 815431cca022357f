// SPDX-License-Identifier: Apache-2.0
/*
 * The digest cache of the trust scan: an open-addressing table keyed by
 * (device, inode), loaded from and saved to one text file,
 *   nono-trust-digests 1
 *   DEV INO SIZE MTIME_NS CTIME_NS READ_NS SHA256
 * one line per file, written atomically.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trust/digestcache.h"
#include "util/cleanup.h"
#include "util/errbuf.h"
#include "util/fsutil.h"

#define HEADER "nono-trust-digests 1\n"
#define MAX_FILE (16u << 20)

struct entry {
	uint64_t dev, ino, size;
	int64_t mtime_ns, ctime_ns, read_ns;
	uint8_t sha[NONO_SHA256_LEN];
	bool used;
};

struct nono_trust_cache {
	struct entry *t;
	size_t cap, n; /* cap: a power of two, at least 2n */
};

static inline int64_t ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static size_t slot_of(const struct nono_trust_cache *c, uint64_t dev,
		      uint64_t ino)
{
	uint64_t h = (dev * 0x9e3779b97f4a7c15ull) ^ ino;

	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 29;
	return (size_t)h & (c->cap - 1);
}

/* The slot of (dev, ino): its entry, or the empty slot it would take. */
static struct entry *find(const struct nono_trust_cache *c, uint64_t dev,
			  uint64_t ino)
{
	size_t i = slot_of(c, dev, ino);

	while (c->t[i].used && !(c->t[i].dev == dev && c->t[i].ino == ino))
		i = (i + 1) & (c->cap - 1);
	return &c->t[i];
}

static int grow(struct nono_trust_cache *c)
{
	struct nono_trust_cache n = {.cap = c->cap ? c->cap * 2 : 256};

	n.t = calloc(n.cap, sizeof(*n.t));
	if (!n.t)
		return -ENOMEM;
	for (size_t i = 0; i < c->cap; i++)
		if (c->t[i].used) {
			*find(&n, c->t[i].dev, c->t[i].ino) = c->t[i];
			n.n++;
		}
	free(c->t);
	*c = n;
	return 0;
}

struct nono_trust_cache *nono_trust_cache_new(void)
{
	struct nono_trust_cache *c = calloc(1, sizeof(*c));

	if (c && grow(c) < 0) {
		free(c);
		return NULL;
	}
	return c;
}

void nono_trust_cache_free(struct nono_trust_cache *c)
{
	if (!c)
		return;
	free(c->t);
	free(c);
}

size_t nono_trust_cache_count(const struct nono_trust_cache *c)
{
	return c ? c->n : 0;
}

static int insert(struct nono_trust_cache *c, const struct entry *e)
{
	struct entry *s;

	if (c->n >= NONO_TRUST_CACHE_MAX)
		return 0;
	if (2 * (c->n + 1) > c->cap && grow(c) < 0)
		return -ENOMEM;
	s = find(c, e->dev, e->ino);
	if (!s->used)
		c->n++;
	*s = *e;
	s->used = true;
	return 0;
}

bool nono_trust_cache_get(const struct nono_trust_cache *c,
			  const struct stat *st, char hex[NONO_SHA256_HEX])
{
	const struct entry *e;
	int64_t ctime_ns = ns(&st->st_ctim);

	if (!c || !c->cap)
		return false;
	e = find(c, (uint64_t)st->st_dev, (uint64_t)st->st_ino);
	if (!e->used || e->size != (uint64_t)st->st_size ||
	    e->mtime_ns != ns(&st->st_mtim) || e->ctime_ns != ctime_ns)
		return false;
	/* Racily clean: a write in the same tick as the ctime the cache
	 * saw, after the read, would leave every key field as it was. */
	if (e->read_ns - ctime_ns <= NONO_TRUST_CACHE_RACY_NS)
		return false;
	nono_hex(e->sha, NONO_SHA256_LEN, hex);
	return true;
}

int nono_trust_cache_put(struct nono_trust_cache *c, const struct stat *st,
			 long long read_ns, const char *hex)
{
	struct entry e = {
	    .dev = (uint64_t)st->st_dev,
	    .ino = (uint64_t)st->st_ino,
	    .size = (uint64_t)st->st_size,
	    .mtime_ns = ns(&st->st_mtim),
	    .ctime_ns = ns(&st->st_ctim),
	    .read_ns = read_ns,
	};

	if (!hex || strlen(hex) != 2 * NONO_SHA256_LEN ||
	    nono_unhex(hex, NONO_SHA256_LEN, e.sha) < 0)
		return -EINVAL;
	return insert(c, &e);
}

/* One line "DEV INO SIZE MTIME CTIME READ SHA" into @e: 0 or -1. */
static int parse_line(char *s, struct entry *e)
{
	unsigned long long u[3];
	long long t[3];
	char hex[2 * NONO_SHA256_LEN + 2];
	int used = 0;

	if (sscanf(s, "%llu %llu %llu %lld %lld %lld %65s%n", &u[0], &u[1],
		   &u[2], &t[0], &t[1], &t[2], hex, &used) != 7 ||
	    s[used] != '\0' || strlen(hex) != 2 * NONO_SHA256_LEN ||
	    nono_unhex(hex, NONO_SHA256_LEN, e->sha) < 0)
		return -1;
	e->dev = u[0];
	e->ino = u[1];
	e->size = u[2];
	e->mtime_ns = t[0];
	e->ctime_ns = t[1];
	e->read_ns = t[2];
	return 0;
}

/* Fills @c from @text (NUL-terminated); -1 on the first malformed line
 * (the caller then starts empty), -ENOMEM. */
static int parse(struct nono_trust_cache *c, char *text)
{
	char *line, *nl;

	if (strncmp(text, HEADER, strlen(HEADER)) != 0)
		return -1;
	for (line = text + strlen(HEADER); *line; line = nl + 1) {
		struct entry e = {0};
		int r;

		nl = strchr(line, '\n');
		if (!nl)
			return -1; /* torn: cannot be, it is renamed whole */
		*nl = '\0';
		if (parse_line(line, &e) < 0)
			return -1;
		r = insert(c, &e);
		if (r < 0)
			return r;
	}
	return 0;
}

int nono_trust_cache_load(const char *path, struct nono_trust_cache **out,
			  char *err, size_t errlen)
{
	struct nono_trust_cache *c;
	nono_autoclose int fd = -1;
	nono_autofree char *text = NULL;
	struct stat st;
	size_t got = 0;
	int r;

	*out = NULL;
	c = nono_trust_cache_new();
	if (!c)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		/* ENOENT and the like: start empty.  ELOOP: a symlink
		 * planted where the cache goes is not read. */
		if (errno == ELOOP) {
			nono_trust_cache_free(c);
			nono_errf(err, errlen,
				  "digest cache %s: a symlink; not used", path);
			return -EPERM;
		}
		*out = c;
		return 0;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 022)) {
		nono_trust_cache_free(c);
		nono_errf(err, errlen,
			  "digest cache %s: not a private regular file of "
			  "yours; not used",
			  path);
		return -EPERM;
	}
	if (st.st_size <= 0 || (unsigned long long)st.st_size > MAX_FILE) {
		*out = c;
		return 0;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		nono_trust_cache_free(c);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t k = read(fd, text + got, (size_t)st.st_size - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	text[got] = '\0';
	r = got == (size_t)st.st_size && strlen(text) == got ? parse(c, text)
							     : -1;
	if (r == -ENOMEM) {
		nono_trust_cache_free(c);
		return -ENOMEM;
	}
	if (r < 0) {
		/* Malformed: start over empty. */
		nono_trust_cache_free(c);
		c = nono_trust_cache_new();
		if (!c)
			return -ENOMEM;
	}
	*out = c;
	return 0;
}

int nono_trust_cache_save(const struct nono_trust_cache *c, const char *path,
			  char *err, size_t errlen)
{
	nono_autofree char *text = NULL;
	size_t len = 0, cap = strlen(HEADER) + 1 + c->n * 192;
	int r;

	text = malloc(cap);
	if (!text) {
		nono_errf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	len = (size_t)snprintf(text, cap, "%s", HEADER);
	for (size_t i = 0; i < c->cap; i++) {
		const struct entry *e = &c->t[i];
		char hex[NONO_SHA256_HEX];

		if (!e->used)
			continue;
		nono_hex(e->sha, NONO_SHA256_LEN, hex);
		len += (size_t)snprintf(text + len, cap - len,
					"%" PRIu64 " %" PRIu64 " %" PRIu64
					" %" PRId64 " %" PRId64 " %" PRId64
					" %s\n",
					e->dev, e->ino, e->size, e->mtime_ns,
					e->ctime_ns, e->read_ns, hex);
	}
	r = nono_write_atomic(path, text, len, NONO_WRITE_REPLACE, 0600);
	if (r < 0)
		nono_errf(err, errlen, "digest cache %s: %s", path,
			  strerror(-r));
	return r;
}
