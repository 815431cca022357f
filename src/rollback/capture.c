// SPDX-License-Identifier: Apache-2.0
/* Capturing a tree (see capture.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "rollback/capture.h"
#include "util/fsutil.h"

#define CACHE_MAGIC "nono-rb-statcache 1\n"
#define CHUNK (256 * 1024)
#define TRIES 4

/* ---- the stat cache ---------------------------------------------------- */

void nono_rb_cache_init(struct nono_rb_cache *c)
{
	memset(c, 0, sizeof(*c));
}

void nono_rb_cache_free(struct nono_rb_cache *c)
{
	free(c->t);
	memset(c, 0, sizeof(*c));
}

/* A slot for (@dev, @ino) in a table of @cap (a power of two). */
static size_t hl_slot(uint64_t dev, uint64_t ino, size_t cap)
{
	uint64_t h =
	    (dev * 0x9e3779b97f4a7c15ULL) ^ (ino * 0xc2b2ae3d27d4eb4fULL);

	return (size_t)(h ^ (h >> 29)) & (cap - 1);
}

static size_t slot(const struct nono_rb_cache *c, uint64_t dev, uint64_t ino)
{
	return hl_slot(dev, ino, c->cap);
}

static struct nono_rb_cache_ent *cache_find(struct nono_rb_cache *c,
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

static int cache_grow(struct nono_rb_cache *c)
{
	struct nono_rb_cache old = *c;
	size_t cap = c->cap ? c->cap * 2 : 1024;

	c->t = calloc(cap, sizeof(*c->t));
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
	free(old.t);
	return 0;
}

static int cache_put(struct nono_rb_cache *c, const struct nono_rb_cache_ent *v)
{
	struct nono_rb_cache_ent *e;
	size_t k;

	if ((e = cache_find(c, v->dev, v->ino))) {
		*e = *v;
		e->used = 1;
		return 0;
	}
	if ((c->n + 1) * 4 > c->cap * 3 && cache_grow(c) < 0)
		return -ENOMEM;
	for (k = slot(c, v->dev, v->ino); c->t[k].used;
	     k = (k + 1) & (c->cap - 1))
		;
	c->t[k] = *v;
	c->t[k].used = 1;
	c->n++;
	return 0;
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
			if (cache_put(c, &e) < 0) {
				free(buf);
				nono_rb_cache_free(c);
				return -ENOMEM;
			}
		}
	}
	free(buf);
	return 0;
}

int nono_rb_cache_save(const struct nono_rb_cache *c, const char *path)
{
	size_t n = 0, len;
	uint8_t *buf, *p;
	int r;

	for (size_t i = 0; i < c->cap; i++)
		n += c->t[i].used && c->t[i].seen;
	len = sizeof(CACHE_MAGIC) - 1 + n * REC;
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, CACHE_MAGIC, sizeof(CACHE_MAGIC) - 1);
	p = buf + sizeof(CACHE_MAGIC) - 1;
	for (size_t i = 0; i < c->cap; i++) {
		const struct nono_rb_cache_ent *e = &c->t[i];

		if (!e->used || !e->seen)
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
	return r;
}

/* ---- the walk ---------------------------------------------------------- */

struct hl {
	uint64_t dev, ino;
	long long key; /* the group's key; -1: an empty slot */
};

struct walk {
	struct nono_rb_store *store; /* NULL: hash only (a scan) */
	const struct nono_rb_scope *scope;
	/* The session's baseline when this is a later snapshot: it alone
	 * decides which directories are left out for their size. */
	const struct nono_rb_manifest *base;
	struct nono_rb_cache *cache;
	struct nono_rb_manifest *m;
	struct nono_rb_stats *st;
	struct hl *hl; /* hard-link groups: (dev, ino) -> key */
	size_t nhl, caphl;
	uint8_t *buf;
	char *err;
	size_t errlen;
	char path[PATH_MAX]; /* of what is being walked; "" is the root */
	size_t plen;
};

static int walk_dir(struct walk *w, int dfd, const char *name,
		    const struct stat *dst);

static long long ns(const struct timespec *t)
{
	return (long long)t->tv_sec * 1000000000LL + t->tv_nsec;
}

static int fail(struct walk *w, int r, const char *rel, const char *what)
{
	char shown[PATH_MAX];

	/* A name the command chose never drives the terminal. */
	nono_rb_shown(rel, shown, sizeof(shown));
	snprintf(w->err, w->errlen, "rollback: %s: %s: %s", shown, what,
		 strerror(-r));
	return r;
}

/* The names of @fd's attributes (malloc'd, *@n bytes), or NULL (none,
 * not supported there, or -ENOMEM in *@err). */
static char *xattr_names(int fd, ssize_t *n, int *err)
{
	for (int tries = 0; tries < 4; tries++) {
		ssize_t want = flistxattr(fd, NULL, 0);
		char *v;

		if (want <= 0)
			return NULL;
		if (!(v = malloc((size_t)want))) {
			*err = -ENOMEM;
			return NULL;
		}
		*n = flistxattr(fd, v, (size_t)want);
		if (*n > 0)
			return v;
		free(v);
		if (*n == 0 || errno != ERANGE) /* ERANGE: grew meanwhile */
			return NULL;
	}
	return NULL;
}

/* user.* attributes of @fd, encoded HEXNAME=HEXVALUE,...; NULL if none.
 * Values of any size the kernel allows (64 KiB). */
static char *xattrs_of(int fd, int *err)
{
	struct nono_ev o = {0};
	unsigned char *val = NULL;
	char *names, *hex = NULL;
	size_t cap = 0;
	ssize_t n = 0;

	*err = 0;
	names = xattr_names(fd, &n, err);
	for (char *p = names; names && p < names + n; p += strlen(p) + 1) {
		ssize_t v;

		if (strncmp(p, "user.", 5) != 0 || strlen(p) > 255)
			continue;
		v = fgetxattr(fd, p, NULL, 0);
		if (v < 0)
			continue; /* removed meanwhile */
		if ((size_t)v + 256 > cap) {
			cap = (size_t)v + 256;
			free(val);
			free(hex);
			val = malloc(cap);
			hex = malloc(2 * cap + 1);
			if (!val || !hex) {
				*err = -ENOMEM;
				break;
			}
		}
		v = fgetxattr(fd, p, val, cap);
		if (v < 0)
			continue; /* changed meanwhile: as if gone */
		if (o.len)
			nono_ev_put(&o, ",", 1);
		nono_hex((const uint8_t *)p, strlen(p), hex);
		nono_ev_put(&o, hex, strlen(hex));
		nono_ev_put(&o, "=", 1);
		nono_hex(val, (size_t)v, hex);
		nono_ev_put(&o, hex, 2 * (size_t)v);
	}
	if (o.oom)
		*err = -ENOMEM;
	free(names);
	free(val);
	free(hex);
	if (*err) {
		nono_ev_free(&o);
		return NULL;
	}
	return o.buf; /* NULL when there were none */
}

static int add(struct walk *w, struct nono_rb_entry *e)
{
	int r = nono_rb_manifest_add(w->m, e);

	return r < 0 ? fail(w, r, e->path, "out of memory") : 0;
}

/* Left out by the scope (type 'x'), or there but not captured ('u',
 * @why saying why). */
static int skip_entry(struct walk *w, const char *rel, const struct stat *st,
		      const char *why)
{
	struct nono_rb_entry e = {0};

	e.path = (char *)rel;
	e.type = why ? NONO_RB_OPAQUE : NONO_RB_SKIP;
	e.mode = st ? st->st_mode & 07777 : 0;
	e.mtime_ns = st ? ns(&st->st_mtim) : 0;
	e.link = -1;
	e.target = (char *)why;
	return add(w, &e);
}

static const char *special_why(mode_t m)
{
	return S_ISFIFO(m)   ? NONO_RB_WHY_FIFO
	       : S_ISSOCK(m) ? NONO_RB_WHY_SOCKET
			     : NONO_RB_WHY_DEVICE;
}

/* The key of @st's hard-link group: (dev, ino) in an open-addressing
 * table (a tree of many hard links, a pnpm store, stays linear). */
static long long link_key(struct walk *w, const struct stat *st)
{
	size_t k;

	if ((w->nhl + 1) * 2 > w->caphl) {
		size_t cap = w->caphl ? w->caphl * 2 : 64;
		struct hl *v = malloc(cap * sizeof(*v));

		if (!v)
			return -1;
		for (size_t i = 0; i < cap; i++)
			v[i].key = -1;
		for (size_t i = 0; i < w->caphl; i++) {
			if (w->hl[i].key < 0)
				continue;
			for (k = hl_slot(w->hl[i].dev, w->hl[i].ino, cap);
			     v[k].key >= 0; k = (k + 1) & (cap - 1))
				;
			v[k] = w->hl[i];
		}
		free(w->hl);
		w->hl = v;
		w->caphl = cap;
	}
	for (k = hl_slot(st->st_dev, st->st_ino, w->caphl); w->hl[k].key >= 0;
	     k = (k + 1) & (w->caphl - 1))
		if (w->hl[k].dev == st->st_dev && w->hl[k].ino == st->st_ino)
			return w->hl[k].key;
	w->hl[k] = (struct hl){st->st_dev, st->st_ino, (long long)w->nhl++};
	return w->hl[k].key;
}

/* Hashes @fd without storing it (a scan). */
static int hash_only(struct walk *w, int fd, const struct stat *before,
		     uint8_t hash[NONO_SHA256_LEN])
{
	struct nono_sha256 c;
	struct stat after;
	off_t off = 0;
	ssize_t n;

	nono_sha256_init(&c);
	while ((n = pread(fd, w->buf, CHUNK, off)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		nono_sha256_update(&c, w->buf, (size_t)n);
		off += n;
	}
	nono_sha256_final(&c, hash);
	if (fstat(fd, &after) < 0)
		return -errno;
	if (after.st_size != before->st_size ||
	    ns(&after.st_mtim) != ns(&before->st_mtim) ||
	    ns(&after.st_ctim) != ns(&before->st_ctim))
		return -EAGAIN;
	return 0;
}

static int file_entry(struct walk *w, int dfd, const char *name,
		      const char *rel, const struct stat *lst)
{
	struct nono_rb_entry e = {0};
	struct nono_rb_cache_ent *ce;
	struct stat st = *lst;
	int r = 0, xerr = 0, fd = -1;
	bool known = false, from_cache = false;

	e.path = (char *)rel;
	e.type = NONO_RB_FILE;
	e.link = -1;
	ce = w->cache ? cache_find(w->cache, st.st_dev, st.st_ino) : NULL;
	if (ce && ce->size == (uint64_t)st.st_size &&
	    ce->mtime_ns == ns(&st.st_mtim) &&
	    ce->ctime_ns == ns(&st.st_ctim) &&
	    (!w->store || nono_rb_store_has(w->store, ce->hash, ce->size))) {
		memcpy(e.hash, ce->hash, NONO_SHA256_LEN);
		ce->seen = 1;
		known = from_cache = true;
		w->st->cached++;
	}
	if (!known && (unsigned long long)st.st_size >
			  (w->store ? w->store->max_file : NONO_RB_MAX_FILE)) {
		/* Not read at all: hashing it would hold the run for long. */
		w->st->unreadable++;
		return skip_entry(w, rel, &st, NONO_RB_WHY_BIG);
	}
	for (int t = 0; !known && t < TRIES; t++) {
		bool added = false;

		fd = openat(dfd, name,
			    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
				O_NOCTTY);
		if (fd < 0) {
			if (errno == EACCES || errno == EPERM) {
				w->st->unreadable++;
				return skip_entry(w, rel, &st,
						  NONO_RB_WHY_UNREADABLE);
			}
			if (errno == ENOENT)
				return 0; /* gone meanwhile */
			return fail(w, -errno, rel, "open");
		}
		if (fstat(fd, &st) < 0) {
			r = -errno;
			close(fd);
			return fail(w, r, rel, "stat");
		}
		if (!S_ISREG(st.st_mode)) { /* swapped meanwhile */
			close(fd);
			w->st->skipped++;
			return skip_entry(w, rel, &st, special_why(st.st_mode));
		}
		r = w->store
			? nono_rb_store_put(w->store, fd, &st, e.hash, &added)
			: hash_only(w, fd, &st, e.hash);
		if (r == -EAGAIN) {
			w->st->retried++;
			close(fd);
			fd = -1;
			continue;
		}
		if ((r == -ENOSPC || r == -EFBIG) && w->base) {
			/* After the baseline: the command's doing, said in
			 * the review, taken back by a restore.  (At the
			 * baseline the run does not start.) */
			close(fd);
			w->st->unreadable++;
			return skip_entry(w, rel, &st, NONO_RB_WHY_BIG);
		}
		if (r < 0) {
			close(fd);
			return fail(w, r, rel,
				    r == -ENOSPC
					? "copy into the store (it would leave "
					  "less than 256 MiB free)"
					: "copy into the store");
		}
		known = true;
		w->st->bytes_read += (unsigned long long)st.st_size;
		w->st->objects_added += added;
	}
	if (!known) {
		/* Written to all the time: not captured, and said. */
		w->st->unreadable++;
		return skip_entry(w, rel, &st, NONO_RB_WHY_BUSY);
	}
	/* Attributes: from the descriptor (a cached file is opened for
	 * them only if it had some: a change to them changes its ctime). */
	if (fd < 0 && !(from_cache && ce->noxattr))
		fd = openat(dfd, name,
			    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
				O_NOCTTY);
	if (fd >= 0) {
		e.xattrs = xattrs_of(fd, &xerr);
		close(fd);
		fd = -1;
	}
	if (w->cache) {
		struct nono_rb_cache_ent v = {0};

		v.dev = st.st_dev;
		v.ino = st.st_ino;
		v.size = (uint64_t)st.st_size;
		v.mtime_ns = ns(&st.st_mtim);
		v.ctime_ns = ns(&st.st_ctim);
		v.seen = 1;
		v.noxattr = e.xattrs == NULL && xerr == 0;
		memcpy(v.hash, e.hash, NONO_SHA256_LEN);
		if (cache_put(w->cache, &v) < 0) {
			free(e.xattrs);
			return fail(w, -ENOMEM, rel, "stat cache");
		}
	}
	e.mode = st.st_mode & 07777;
	e.size = (unsigned long long)st.st_size;
	e.mtime_ns = ns(&st.st_mtim);
	if (st.st_nlink > 1)
		e.link = link_key(w, &st);
	w->st->files++;
	r = xerr < 0 ? fail(w, xerr, rel, "attributes") : add(w, &e);
	free(e.xattrs);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in @dfd (but . and ..), sorted; *@n of them. */
static char **names_of(int dfd, size_t *n, int *err)
{
	int d2 = dup(dfd);
	DIR *d = d2 >= 0 ? fdopendir(d2) : NULL;
	char **v = NULL;
	size_t cap = 0;
	struct dirent *de;

	*n = 0;
	*err = 0;
	if (!d) {
		*err = -errno;
		if (d2 >= 0)
			close(d2);
		return NULL;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (*n == cap) {
			char **nv;

			cap = cap ? cap * 2 : 32;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				goto oom;
			v = nv;
		}
		if (!(v[*n] = strdup(de->d_name)))
			goto oom;
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_str);
	return v;
oom:
	closedir(d);
	for (size_t i = 0; i < *n; i++)
		free(v[i]);
	free(v);
	*n = 0;
	*err = -ENOMEM;
	return NULL;
}

/* The walk's path: @name appended (the root is ""): the length before, or
 * -1 when it would not fit. */
static ssize_t push(struct walk *w, const char *name)
{
	size_t old = w->plen, n = strlen(name), at = old ? old + 1 : 0;

	if (at + n + 1 > sizeof(w->path))
		return -1;
	if (old)
		w->path[old] = '/';
	memcpy(w->path + at, name, n + 1);
	w->plen = at + n;
	return (ssize_t)old;
}

static void pop(struct walk *w, size_t old)
{
	w->plen = old;
	w->path[old] = '\0';
}

static const char *relp(const struct walk *w)
{
	return w->plen ? w->path : ".";
}

/* Whether the directory at the walk's path is left out for its size: by
 * the baseline's decision in a later snapshot (a command that floods a
 * directory cannot hide what it did there), else by the count. */
static bool size_excluded(const struct walk *w, const char *name, size_t n)
{
	if (w->base) {
		const struct nono_rb_entry *b =
		    nono_rb_manifest_find(w->base, relp(w));

		return b && b->type == NONO_RB_SKIP;
	}
	return nono_rb_scope_excludes(w->scope, relp(w), name, true, n);
}

/* Entry @self (a directory) has a name below it too long for a path: it
 * becomes one entry not captured, what was recorded below it dropped. */
static int too_deep(struct walk *w, size_t self)
{
	struct nono_rb_entry *e = &w->m->e[self];

	nono_rb_manifest_truncate(w->m, self + 1);
	free(e->xattrs);
	e->xattrs = NULL;
	e->type = NONO_RB_OPAQUE;
	e->target = strdup(NONO_RB_WHY_DEEP);
	w->st->unreadable++;
	return e->target ? 0 : fail(w, -ENOMEM, e->path, "out of memory");
}

static int walk_child(struct walk *w, int dfd, const char *name)
{
	const char *crel = w->path;
	struct stat st;
	int r = 0;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : fail(w, -errno, crel, "stat");
	if (nono_rb_scope_excludes(w->scope, crel, name, S_ISDIR(st.st_mode),
				   0)) {
		w->st->excluded++;
		return skip_entry(w, crel, &st, NULL);
	}
	if (S_ISDIR(st.st_mode)) {
		int cfd = openat(
		    dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		struct stat cst;

		if (cfd < 0 && (errno == EACCES || errno == EPERM)) {
			w->st->unreadable++;
			return skip_entry(w, crel, &st, NONO_RB_WHY_UNREADABLE);
		}
		if (cfd < 0 && (errno == EMFILE || errno == ENFILE)) {
			/* One descriptor per level: nested past them. */
			w->st->unreadable++;
			return skip_entry(w, crel, &st, NONO_RB_WHY_DEEP);
		}
		if (cfd < 0)
			return errno == ENOENT ? 0
					       : fail(w, -errno, crel, "open");
		if (fstat(cfd, &cst) < 0)
			r = fail(w, -errno, crel, "stat");
		else
			r = walk_dir(w, cfd, name, &cst);
		close(cfd);
		return r;
	}
	if (S_ISREG(st.st_mode))
		return file_entry(w, dfd, name, crel, &st);
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t l = readlinkat(dfd, name, target, sizeof(target));
		struct nono_rb_entry le = {0};

		if (l < 0 && errno == ENOENT)
			return 0;
		if (l < 0 || (size_t)l >= sizeof(target))
			return fail(w, l < 0 ? -errno : -ENAMETOOLONG, crel,
				    "read the symlink");
		target[l] = '\0';
		le.path = (char *)crel;
		le.type = NONO_RB_LINK;
		le.mode = st.st_mode & 07777;
		le.mtime_ns = ns(&st.st_mtim);
		le.link = -1;
		le.target = target;
		w->st->links++;
		return add(w, &le);
	}
	/* Sockets, FIFOs, devices: no content to keep, but there. */
	w->st->skipped++;
	return skip_entry(w, crel, &st, special_why(st.st_mode));
}

/* The directory @dfd, at the walk's path.  Recursive, one frame and one
 * descriptor per level (the path lives in @w, not on the stack). */
static int walk_dir(struct walk *w, int dfd, const char *name,
		    const struct stat *dst)
{
	struct nono_rb_entry e = {0};
	size_t n = 0, self;
	char **names;
	int r = 0, xerr = 0;

	names = names_of(dfd, &n, &r);
	if (r < 0)
		return fail(w, r, relp(w), "read the directory");
	/* A directory with too many entries to be worth it (not the root). */
	if (w->plen && size_excluded(w, name, n)) {
		w->st->excluded++;
		r = skip_entry(w, relp(w), dst, NULL);
		goto out;
	}
	e.path = (char *)relp(w);
	e.type = NONO_RB_DIR;
	e.mode = dst->st_mode & 07777;
	e.mtime_ns = ns(&dst->st_mtim);
	e.link = -1;
	e.xattrs = xattrs_of(dfd, &xerr);
	self = w->m->n;
	r = xerr < 0 ? fail(w, xerr, relp(w), "attributes") : add(w, &e);
	free(e.xattrs);
	w->st->dirs++;
	for (size_t i = 0; r == 0 && i < n; i++) {
		ssize_t at = push(w, names[i]);

		if (at < 0) {
			r = too_deep(w, self);
			break;
		}
		r = walk_child(w, dfd, names[i]);
		pop(w, (size_t)at);
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

int nono_rb_open_root(const char *root)
{
	/* No symlink anywhere on the way: a tree swapped for a link (by a
	 * command that could write its parent) is not followed. */
	struct open_how how = {
	    .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
	    .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, root, &how, sizeof(how));

	if (fd < 0)
		return -1; /* errno set */
	return fd;
}

/* The walk holds a descriptor per level: as many as the hard limit
 * allows (nested past them, a directory is not captured, and said). */
static void more_fds(void)
{
	struct rlimit l;

	if (getrlimit(RLIMIT_NOFILE, &l) == 0 && l.rlim_cur < l.rlim_max &&
	    l.rlim_cur < 65536) {
		l.rlim_cur = l.rlim_max < 65536 ? l.rlim_max : 65536;
		setrlimit(RLIMIT_NOFILE, &l);
	}
}

static int run(struct nono_rb_store *store, const char *root,
	       const struct nono_rb_scope *scope,
	       const struct nono_rb_manifest *base, struct nono_rb_cache *cache,
	       struct nono_rb_manifest *out, struct nono_rb_stats *st,
	       char *err, size_t errlen)
{
	struct nono_rb_stats dummy;
	struct walk w = {0};
	struct stat rst;
	int rfd, r;

	more_fds();
	nono_rb_manifest_init(out);
	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	w.store = store;
	w.scope = scope;
	w.base = base;
	w.cache = cache;
	w.m = out;
	w.st = st;
	w.err = err;
	w.errlen = errlen;
	if (root[0] != '/')
		return fail(&w, -EINVAL, root, "not an absolute path");
	w.buf = malloc(CHUNK);
	out->root = strdup(root);
	if (!w.buf || !out->root) {
		free(w.buf);
		return fail(&w, -ENOMEM, root, "out of memory");
	}
	rfd = nono_rb_open_root(root);
	if (rfd < 0) {
		r = fail(&w, -errno, root, "open");
	} else {
		if (fstat(rfd, &rst) < 0)
			r = fail(&w, -errno, root, "stat");
		else
			r = walk_dir(&w, rfd, "", &rst);
		close(rfd);
	}
	if (r == 0)
		r = nono_rb_manifest_sort(out);
	if (r == 0 && store && (r = nono_rb_store_sync(store)) < 0)
		fail(&w, r, root, "sync the object store");
	free(w.buf);
	free(w.hl);
	if (r < 0)
		nono_rb_manifest_free(out);
	return r;
}

int nono_rb_capture(struct nono_rb_store *store, const char *root,
		    const struct nono_rb_scope *scope,
		    const struct nono_rb_manifest *base,
		    struct nono_rb_cache *cache, struct nono_rb_manifest *out,
		    struct nono_rb_stats *st, char *err, size_t errlen)
{
	return run(store, root, scope, base, cache, out, st, err, errlen);
}

int nono_rb_scan(const char *root, const struct nono_rb_scope *scope,
		 struct nono_rb_cache *cache, struct nono_rb_manifest *out,
		 char *err, size_t errlen)
{
	return run(NULL, root, scope, NULL, cache, out, NULL, err, errlen);
}
