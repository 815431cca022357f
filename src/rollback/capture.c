// SPDX-License-Identifier: Apache-2.0
/* Capturing a tree (see capture.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "rollback/capture.h"
#include "util/fsutil.h"

#define CHUNK NONO_RB_CHUNK
#define TRIES 4

/* ---- the walk ---------------------------------------------------------- */

struct hl {
	uint64_t dev, ino;
	long long key; /* the group's key; -1: an empty slot */
};

/* A directory to walk: its path below the root ("." the root) and what
 * its parent's fstatat saw. */
struct item {
	struct stat st;
	char rel[];
};

/* What the threads of one capture share; @mu guards the hard-link table,
 * the queue and the first error, @cmu the stat cache (read-locked for a
 * lookup: nearly every file of a later capture is a hit, and one mutex
 * for them all kept the threads waiting on each other). */
struct shared {
	struct nono_rb_store *store; /* NULL: hash only (a scan) */
	const struct nono_rb_scope *scope;
	/* The session's baseline when this is a later snapshot: it alone
	 * decides which directories are left out for their size. */
	const struct nono_rb_manifest *base;
	struct nono_rb_cache *cache;
	struct nono_rb_progress *prog; /* or NULL */
	atomic_ullong hashed;          /* bytes read so far */
	atomic_ullong names;           /* bytes of the paths recorded */
	atomic_ullong xbytes;          /* bytes of the attributes kept */
	long long t0;                  /* when the capture began (ns) */
	int rootfd;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_rwlock_t cmu;
	/* Filesystems seen, and whether their ctime can be trusted (see
	 * ctime_kept); guarded by @mu. */
	struct fs_seen {
		dev_t dev;
		bool kept;
	} fs[16];
	size_t nfs;
	struct hl *hl; /* hard-link groups: (dev, ino) -> key */
	size_t nhl, caphl;
	struct item **q; /* directories to walk (a stack: depth first) */
	size_t nq, capq, busy;
	int err;      /* the first failure, or 0 */
	char *errbuf; /* its message */
	size_t errlen;
};

/* One thread's walk: its own manifest (merged at the end), counts,
 * buffer and message. */
struct walk {
	struct shared *sh;
	struct nono_rb_store *store;
	const struct nono_rb_scope *scope;
	const struct nono_rb_manifest *base;
	struct nono_rb_manifest m;
	struct nono_rb_stats st;
	uint8_t *buf;
	char err[PATH_MAX + 256];
	size_t errlen;
	pthread_t tid;
	struct item **pend; /* the directory's subdirectories, in order */
	/* The filesystem of the last file (ctime_kept). */
	bool fs_known, fs_kept;
	dev_t fs_dev;
	size_t npend, cappend;
};

/* Nanoseconds since the epoch, held at the ends of the range (a time
 * set past 2262 or before 1677 no longer overflows). */
static long long ns(const struct timespec *t)
{
	if (t->tv_sec > (LLONG_MAX - 999999999LL) / 1000000000LL)
		return LLONG_MAX;
	if (t->tv_sec < LLONG_MIN / 1000000000LL + 1)
		return LLONG_MIN + 1;
	return (long long)t->tv_sec * 1000000000LL + t->tv_nsec;
}

/* @st's group owner as a manifest keeps it (-1: none to keep; a group
 * id past NONO_RB_GID_MAX is (gid_t)-1, chown's "no change"). */
static long long gid_of(const struct stat *st)
{
	return st && st->st_gid <= NONO_RB_GID_MAX ? (long long)st->st_gid : -1;
}

/* @st's owner, the same way: a restore run by root gives each path back
 * to its owner (before, another user's file came back root's, and
 * another user's setuid file setuid root). */
static long long uid_of(const struct stat *st)
{
	return st && st->st_uid <= NONO_RB_UID_MAX ? (long long)st->st_uid : -1;
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

/*
 * user.* attributes and POSIX ACLs of @fd, encoded HEXNAME=HEXVALUE,...;
 * NULL if none.  Past NONO_RB_XATTR_MAX_N of them or NONO_RB_XATTR_MAX_BYTES
 * (names and values), or past what the capture keeps of them all
 * (NONO_RB_MAX_XATTRS, encoded), NONO_RB_XATTRS_LOST: not captured.  Before
 * these ceilings, every attribute up to 64 KiB was kept, hex-encoded, in
 * memory and in the session: one empty file with 125 MiB of them took
 * 770 MB of the supervisor's memory and a 251 MB session.  Malloc'd, or
 * NULL with *@err -ENOMEM.
 */
static char *xattrs_of(struct walk *w, int fd, int *err)
{
	struct nono_ev o = {0};
	unsigned char *val = NULL;
	char *names, *hex = NULL;
	size_t cap = 0, kept = 0, bytes = 0;
	bool lost = false;
	ssize_t n = 0;

	*err = 0;
	names = xattr_names(fd, &n, err);
	for (char *p = names; names && p < names + n; p += strlen(p) + 1) {
		size_t nl = strlen(p);
		ssize_t v;

		if (!nono_rb_xattr_kept(p) || nl > 255)
			continue;
		v = fgetxattr(fd, p, NULL, 0);
		if (v < 0)
			continue; /* removed meanwhile */
		bytes += nl + (size_t)v;
		if (++kept > NONO_RB_XATTR_MAX_N ||
		    bytes > NONO_RB_XATTR_MAX_BYTES) {
			lost = true;
			break;
		}
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
		nono_hex((const uint8_t *)p, nl, hex);
		nono_ev_put(&o, hex, 2 * nl);
		nono_ev_put(&o, "=", 1);
		nono_hex(val, (size_t)v, hex);
		nono_ev_put(&o, hex, 2 * (size_t)v);
	}
	if (o.oom)
		*err = -ENOMEM;
	/* The capture's budget: what it keeps, not what it read. */
	if (!*err && !lost && o.len &&
	    atomic_fetch_add(&w->sh->xbytes, o.len) + o.len >
		NONO_RB_MAX_XATTRS) {
		atomic_fetch_sub(&w->sh->xbytes, o.len);
		lost = true;
	}
	free(names);
	free(val);
	free(hex);
	if (*err || lost) {
		nono_ev_free(&o);
		memset(&o, 0, sizeof(o));
	}
	if (!*err && lost) {
		w->st.xattrs_lost++;
		if (!(o.buf = strdup(NONO_RB_XATTRS_LOST)))
			*err = -ENOMEM;
	}
	return o.buf; /* NULL when there were none */
}

static int add(struct walk *w, struct nono_rb_entry *e)
{
	int r = nono_rb_manifest_add(&w->m, e);

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
	e.gid = gid_of(st);
	e.uid = uid_of(st);
	e.mtime_ns = st ? ns(&st->st_mtim) : 0;
	/* Not captured: its size and mtime are all that tells a change. */
	e.size = st && why ? (unsigned long long)st->st_size : 0;
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
 * table (a tree of many hard links, a pnpm store, stays linear); -1 when
 * out of memory. */
static long long link_key_locked(struct shared *sh, const struct stat *st)
{
	size_t k;

	if ((sh->nhl + 1) * 2 > sh->caphl) {
		size_t cap = sh->caphl ? sh->caphl * 2 : 64;
		struct hl *v = malloc(cap * sizeof(*v));

		if (!v)
			return -1;
		for (size_t i = 0; i < cap; i++)
			v[i].key = -1;
		for (size_t i = 0; i < sh->caphl; i++) {
			if (sh->hl[i].key < 0)
				continue;
			for (k = nono_rb_slot(sh->hl[i].dev, sh->hl[i].ino,
					      cap);
			     v[k].key >= 0; k = (k + 1) & (cap - 1))
				;
			v[k] = sh->hl[i];
		}
		free(sh->hl);
		sh->hl = v;
		sh->caphl = cap;
	}
	for (k = nono_rb_slot(st->st_dev, st->st_ino, sh->caphl);
	     sh->hl[k].key >= 0; k = (k + 1) & (sh->caphl - 1))
		if (sh->hl[k].dev == st->st_dev && sh->hl[k].ino == st->st_ino)
			return sh->hl[k].key;
	sh->hl[k] = (struct hl){st->st_dev, st->st_ino, (long long)sh->nhl++};
	return sh->hl[k].key;
}

static long long link_key(struct walk *w, const struct stat *st)
{
	long long k;

	pthread_mutex_lock(&w->sh->mu);
	k = link_key_locked(w->sh, st);
	pthread_mutex_unlock(&w->sh->mu);
	return k;
}

/* Whether the filesystem of @dfd (device @dev) keeps a change time the
 * command cannot set: the stat cache trusts (size, mtime, ctime) to say
 * a file is unchanged.  FAT and exFAT have none (Linux reports the
 * modification time, which utimensat sets back): no cache there.  Past
 * 16 filesystems in one tree, none is trusted. */
static bool ctime_kept(struct walk *w, int dfd, dev_t dev)
{
	struct shared *sh = w->sh;
	struct statfs sf;
	bool kept;

	if (w->fs_known && w->fs_dev == dev)
		return w->fs_kept; /* the last one: no lock */
	pthread_mutex_lock(&sh->mu);
	for (size_t i = 0; i < sh->nfs; i++)
		if (sh->fs[i].dev == dev) {
			kept = sh->fs[i].kept;
			pthread_mutex_unlock(&sh->mu);
			goto out;
		}
	pthread_mutex_unlock(&sh->mu);
	kept = fstatfs(dfd, &sf) == 0 &&
	       sf.f_type != 0x4d44 /* MSDOS_SUPER_MAGIC */ &&
	       sf.f_type != 0x2011BAB0 /* EXFAT_SUPER_MAGIC */;
	pthread_mutex_lock(&sh->mu);
	if (sh->nfs < sizeof(sh->fs) / sizeof(sh->fs[0]))
		sh->fs[sh->nfs++] = (struct fs_seen){dev, kept};
	else
		kept = false;
	pthread_mutex_unlock(&sh->mu);
out:
	w->fs_known = true;
	w->fs_dev = dev;
	w->fs_kept = kept;
	return kept;
}

/* The stat cache's entry for @st when it matches, copied under the lock
 * (and marked seen: the cache saved keeps it).  When the file's entry
 * does not match, its hash (the file's earlier content) in @prev and
 * *@had set. */
static bool cache_hit(struct walk *w, const struct stat *st,
		      struct nono_rb_cache_ent *out, uint8_t *prev, bool *had)
{
	struct nono_rb_cache_ent *ce;
	bool hit = false;

	if (!w->sh->cache)
		return false;
	pthread_rwlock_rdlock(&w->sh->cmu);
	ce = nono_rb_cache_find(w->sh->cache, st->st_dev, st->st_ino);
	if (ce && ce->size == (uint64_t)st->st_size &&
	    ce->mtime_ns == ns(&st->st_mtim) &&
	    ce->ctime_ns == ns(&st->st_ctim)) {
		/* Two threads may mark one entry (hard links): the same
		 * value, stored atomically. */
		__atomic_store_n(&ce->seen, w->sh->cache->gen,
				 __ATOMIC_RELAXED);
		/* What the caller uses: not @seen, which another reader
		 * may be storing meanwhile. */
		memcpy(out->hash, ce->hash, NONO_SHA256_LEN);
		out->noxattr = ce->noxattr;
		hit = true;
	} else if (ce) {
		memcpy(prev, ce->hash, NONO_SHA256_LEN);
		*had = true;
	}
	pthread_rwlock_unlock(&w->sh->cmu);
	return hit;
}

static int cache_store(struct walk *w, const struct nono_rb_cache_ent *v)
{
	struct nono_rb_cache_ent seen;
	int r;

	if (!w->sh->cache)
		return 0;
	pthread_rwlock_wrlock(&w->sh->cmu);
	seen = *v;
	seen.seen = w->sh->cache->gen; /* this capture saw it */
	r = nono_rb_cache_put(w->sh->cache, &seen);
	pthread_rwlock_unlock(&w->sh->cmu);
	return r;
}

static int file_entry(struct walk *w, int dfd, const char *name,
		      const char *rel, const struct stat *lst)
{
	struct nono_rb_entry e = {0};
	struct nono_rb_cache_ent ce;
	struct stat st = *lst;
	int r = 0, xerr = 0, fd = -1;
	bool known = false, from_cache = false, unhashed = false, had = false;
	/* The file's earlier content, if stored: a delta may be smaller. */
	uint8_t prev[NONO_SHA256_LEN];

	e.path = (char *)rel;
	e.type = NONO_RB_FILE;
	e.link = -1;
	/* A hit names an object a capture stored and synced (a cleanup
	 * that removes objects forgets every cache). */
	if (ctime_kept(w, dfd, st.st_dev) &&
	    cache_hit(w, &st, &ce, prev, &had)) {
		memcpy(e.hash, ce.hash, NONO_SHA256_LEN);
		known = from_cache = true;
		w->st.cached++;
	}
	if (!known && !w->store && w->base) {
		const struct nono_rb_entry *b =
		    nono_rb_manifest_find(w->base, rel);

		/* A restore's scan: a file the snapshot lacks goes, one of
		 * another size is written again, whatever they hold: not
		 * read (a 16 GiB sparse file made a restore hash it). */
		if (!b || b->type != NONO_RB_FILE ||
		    b->size != (unsigned long long)st.st_size)
			known = unhashed = true;
	}
	if (!known &&
	    ((unsigned long long)st.st_size >
		 (w->store ? w->store->max_file : NONO_RB_MAX_FILE) ||
	     atomic_fetch_add(&w->sh->hashed, (unsigned long long)st.st_size) +
		     (unsigned long long)st.st_size >
		 NONO_RB_MAX_READ)) {
		/* Not read at all: hashing it would hold the run for long
		 * (one file past the ceiling, or all of them past the
		 * capture's budget: sparse files cost no disk). */
		w->st.unreadable++;
		return skip_entry(w, rel, &st, NONO_RB_WHY_BIG);
	}
	for (int t = 0; !known && t < TRIES; t++) {
		bool added = false;

		fd = openat(dfd, name,
			    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
				O_NOCTTY);
		if (fd < 0) {
			if (errno == EACCES || errno == EPERM) {
				w->st.unreadable++;
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
			w->st.skipped++;
			return skip_entry(w, rel, &st, special_why(st.st_mode));
		}
		if (w->store && w->base && !had) {
			const struct nono_rb_entry *b =
			    nono_rb_manifest_find(w->base, rel);

			if (b && b->type == NONO_RB_FILE) {
				memcpy(prev, b->hash, NONO_SHA256_LEN);
				had = true;
			}
		}
		r = w->store
			? nono_rb_store_put(w->store, fd, &st, w->buf,
					    had ? prev : NULL, e.hash, &added)
			: nono_rb_hash_fd(fd, &st, w->buf, e.hash);
		if (r == -EAGAIN) {
			w->st.retried++;
			close(fd);
			fd = -1;
			continue;
		}
		if ((r == -ENOSPC || r == -EFBIG) && w->base) {
			/* After the baseline: the command's doing, said in
			 * the review, taken back by a restore.  (At the
			 * baseline the run does not start.) */
			close(fd);
			w->st.unreadable++;
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
		w->st.bytes_read += (unsigned long long)st.st_size;
		w->st.objects_added += added;
	}
	if (!known) {
		/* Written to all the time: not captured, and said. */
		w->st.unreadable++;
		return skip_entry(w, rel, &st, NONO_RB_WHY_BUSY);
	}
	/* Attributes: from the descriptor (a cached file is opened for
	 * them only if it had some: a change to them changes its ctime). */
	if (fd < 0 && !(from_cache && ce.noxattr))
		fd = openat(dfd, name,
			    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
				O_NOCTTY);
	if (fd >= 0) {
		e.xattrs = xattrs_of(w, fd, &xerr);
		close(fd);
		fd = -1;
	}
	/* Not cached: a hit is there already (marked seen), and a file
	 * changed within 2 s of the capture's start could change again
	 * within its timestamps' granularity and look the same ("racily
	 * clean", as git calls it): it is read again next time. */
	if (!from_cache && !unhashed &&
	    ns(&st.st_mtim) < w->sh->t0 - 2000000000LL &&
	    ns(&st.st_ctim) < w->sh->t0 - 2000000000LL) {
		struct nono_rb_cache_ent v = {0};

		v.dev = st.st_dev;
		v.ino = st.st_ino;
		v.size = (uint64_t)st.st_size;
		v.mtime_ns = ns(&st.st_mtim);
		v.ctime_ns = ns(&st.st_ctim);
		v.noxattr = e.xattrs == NULL && xerr == 0;
		memcpy(v.hash, e.hash, NONO_SHA256_LEN);
		if (cache_store(w, &v) < 0) {
			free(e.xattrs);
			return fail(w, -ENOMEM, rel, "stat cache");
		}
	}
	e.mode = st.st_mode & 07777;
	/* The group owner too: a chgrp to another of the user's groups
	 * needs no privilege, and was neither shown nor taken back. */
	e.gid = gid_of(&st);
	e.uid = uid_of(&st);
	e.size = (unsigned long long)st.st_size;
	e.mtime_ns = ns(&st.st_mtim);
	if (st.st_nlink > 1 && (e.link = link_key(w, &st)) < 0) {
		free(e.xattrs);
		return fail(w, -ENOMEM, rel, "hard links");
	}
	w->st.files++;
	if (w->sh->prog) {
		atomic_fetch_add(&w->sh->prog->files, 1);
		atomic_fetch_add(&w->sh->prog->bytes, e.size);
	}
	r = xerr < 0 ? fail(w, xerr, rel, "attributes") : add(w, &e);
	free(e.xattrs);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in @dfd (but . and ..), sorted; *@n of them.  One block:
 * the pointers, then the names (one free; a directory of 50 names cost
 * 50 allocations before). */
static char **names_of(int dfd, size_t *n, int *err)
{
	int d2 = dup(dfd);
	DIR *d = d2 >= 0 ? fdopendir(d2) : NULL;
	char *text = NULL, **v;
	size_t len = 0, cap = 0;
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
		size_t l = strlen(de->d_name) + 1;

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (len + l > cap) {
			char *nt;

			cap = cap ? cap * 2 : 1024;
			while (cap < len + l)
				cap *= 2;
			if (!(nt = realloc(text, cap)))
				goto oom;
			text = nt;
		}
		memcpy(text + len, de->d_name, l);
		len += l;
		(*n)++;
	}
	closedir(d);
	d = NULL;
	v = malloc(*n * sizeof(*v) + len + 1);
	if (!v)
		goto oom;
	if (len)
		memcpy((char *)(v + *n), text, len);
	free(text);
	text = (char *)(v + *n);
	for (size_t i = 0; i < *n; i++) {
		v[i] = text;
		text += strlen(text) + 1;
	}
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_str);
	return v;
oom:
	if (d)
		closedir(d);
	free(text);
	*n = 0;
	*err = -ENOMEM;
	return NULL;
}

/* Notes subdirectory @rel (@st: its fstatat) for the queue. */
static int push(struct walk *w, const char *rel, const struct stat *st)
{
	size_t len = strlen(rel);
	struct item *it;

	if (w->npend == w->cappend) {
		size_t cap = w->cappend ? w->cappend * 2 : 64;
		struct item **v = realloc(w->pend, cap * sizeof(*v));

		if (!v)
			return fail(w, -ENOMEM, rel, "out of memory");
		w->pend = v;
		w->cappend = cap;
	}
	if (!(it = malloc(sizeof(*it) + len + 1)))
		return fail(w, -ENOMEM, rel, "out of memory");
	it->st = *st;
	memcpy(it->rel, rel, len + 1);
	w->pend[w->npend++] = it;
	return 0;
}

/* The noted subdirectories onto the queue, last first: the queue is a
 * stack, so they are walked in name order (and each thread's manifest
 * comes out nearly sorted). */
static int flush(struct walk *w)
{
	struct shared *sh = w->sh;
	int r = 0;

	if (!w->npend)
		return 0;
	pthread_mutex_lock(&sh->mu);
	if (sh->nq + w->npend > sh->capq) {
		size_t cap = sh->capq ? sh->capq : 64;
		struct item **v;

		while (cap < sh->nq + w->npend)
			cap *= 2;
		if ((v = realloc(sh->q, cap * sizeof(*v)))) {
			sh->q = v;
			sh->capq = cap;
		}
	}
	if (sh->nq + w->npend <= sh->capq) {
		while (w->npend)
			sh->q[sh->nq++] = w->pend[--w->npend];
		pthread_cond_broadcast(&sh->cv);
	} else {
		r = -ENOMEM;
	}
	pthread_mutex_unlock(&sh->mu);
	while (w->npend)
		free(w->pend[--w->npend]);
	return r;
}

/* Whether directory @rel (@n entries) is left out for its size: by the
 * baseline's decision in a later snapshot (a command that floods a
 * directory cannot hide what it did there), else by the count. */
static bool size_excluded(const struct walk *w, const char *rel,
			  const char *name, size_t n)
{
	if (w->base) {
		const struct nono_rb_entry *b =
		    nono_rb_manifest_find(w->base, rel);

		return b && b->type == NONO_RB_SKIP;
	}
	return nono_rb_scope_excludes(w->scope, rel, name, true, n);
}

/* Entry @name of directory @dfd, at @crel: a directory is queued. */
static int walk_child(struct walk *w, int dfd, const char *name,
		      const char *crel)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno == EACCES || errno == EPERM) {
			/* A directory readable but not searchable: its
			 * names are seen, nothing of them. */
			w->st.unreadable++;
			return skip_entry(w, crel, NULL,
					  NONO_RB_WHY_UNREADABLE);
		}
		return fail(w, -errno, crel, "stat");
	}
	if (nono_rb_scope_excludes(w->scope, crel, name, S_ISDIR(st.st_mode),
				   0)) {
		const struct nono_rb_entry *b =
		    w->base ? nono_rb_manifest_find(w->base, crel) : NULL;

		/* Unless the baseline captured that path (a file or a link
		 * named like a regenerable directory, which the command
		 * swapped for one): what is there is compared, not hidden. */
		if (!b || b->type == NONO_RB_SKIP) {
			w->st.excluded++;
			return skip_entry(w, crel, &st, NULL);
		}
	}
	if (S_ISDIR(st.st_mode))
		return push(w, crel, &st);
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
		le.gid = gid_of(&st);
		le.uid = uid_of(&st);
		le.mtime_ns = ns(&st.st_mtim);
		le.link = -1;
		le.target = target;
		w->st.links++;
		return add(w, &le);
	}
	/* Sockets, FIFOs, devices: no content to keep, but there. */
	w->st.skipped++;
	return skip_entry(w, crel, &st, special_why(st.st_mode));
}

/* Directory @it: opened beneath the root with no symlink on the way,
 * its entry made, its files captured, its directories queued. */
static int walk_dir(struct walk *w, const struct item *it)
{
	struct open_how how = {
	    .flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
	    .resolve =
		RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	const char *rel = it->rel, *name = strrchr(rel, '/');
	bool root = strcmp(rel, ".") == 0;
	size_t n = 0, plen = root ? 0 : strlen(rel) + 1;
	struct nono_rb_entry e = {0};
	char crel[PATH_MAX], **names;
	struct stat dst;
	int dfd, r = 0, xerr = 0;

	name = name ? name + 1 : rel;
	dfd = root ? fcntl(w->sh->rootfd, F_DUPFD_CLOEXEC, 0)
		   : (int)syscall(SYS_openat2, w->sh->rootfd, rel, &how,
				  sizeof(how));
	if (dfd < 0) {
		if (errno == EACCES || errno == EPERM) {
			w->st.unreadable++;
			return skip_entry(w, rel, &it->st,
					  NONO_RB_WHY_UNREADABLE);
		}
		return errno == ENOENT ? 0 : fail(w, -errno, rel, "open");
	}
	if (fstat(dfd, &dst) < 0) {
		r = fail(w, -errno, rel, "stat");
		close(dfd);
		return r;
	}
	names = names_of(dfd, &n, &r);
	if (r < 0) {
		close(dfd);
		return fail(w, r, rel, "read the directory");
	}
	if (!root && size_excluded(w, rel, name, n)) {
		/* Too many entries to be worth it (never the root). */
		w->st.excluded++;
		r = skip_entry(w, rel, &dst, NULL);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (plen + strlen(names[i]) >= sizeof(crel)) {
			/* A name below it too long for a path: the
			 * directory is one entry not captured. */
			w->st.unreadable++;
			r = skip_entry(w, rel, &dst, NONO_RB_WHY_DEEP);
			goto out;
		}
	}
	{
		unsigned long long bytes = 0;

		/* Each entry costs its line too (~100 bytes): counted as
		 * 64 bytes of names more. */
		for (size_t i = 0; i < n; i++)
			bytes += plen + strlen(names[i]) + 1 + 64;
		if (atomic_fetch_add(&w->sh->names, bytes) + bytes >
		    NONO_RB_MAX_NAMES) {
			/* Its paths would take the manifest past its
			 * ceiling (20,000 names 3.5 KiB deep cost 300 MB
			 * of memory): one entry not captured. */
			w->st.unreadable++;
			r = skip_entry(w, rel, &dst, NONO_RB_WHY_BIG);
			goto out;
		}
	}
	e.path = (char *)rel;
	e.type = NONO_RB_DIR;
	e.mode = dst.st_mode & 07777;
	e.gid = gid_of(&dst);
	e.uid = uid_of(&dst);
	e.mtime_ns = ns(&dst.st_mtim);
	e.link = -1;
	e.xattrs = xattrs_of(w, dfd, &xerr);
	r = xerr < 0 ? fail(w, xerr, rel, "attributes") : add(w, &e);
	free(e.xattrs);
	w->st.dirs++;
	if (!root) {
		memcpy(crel, rel, plen - 1);
		crel[plen - 1] = '/';
	}
	for (size_t i = 0; r == 0 && i < n; i++) {
		/* Fits: checked above. */
		memcpy(crel + plen, names[i], strlen(names[i]) + 1);
		r = walk_child(w, dfd, names[i], crel);
	}
	if (r == 0 && (r = flush(w)) < 0)
		fail(w, r, rel, "out of memory");
out:
	while (w->npend) /* a failure: not walked */
		free(w->pend[--w->npend]);
	free(names);
	close(dfd);
	return r;
}

/* A thread of the walk: directories from the queue until it is empty and
 * no other thread can add to it, or one failed. */
static void *worker(void *arg)
{
	struct walk *w = arg;
	struct shared *sh = w->sh;

	pthread_mutex_lock(&sh->mu);
	for (;;) {
		struct item *it;
		int r;

		while (!sh->err && sh->nq == 0 && sh->busy > 0)
			pthread_cond_wait(&sh->cv, &sh->mu);
		if (sh->err || sh->nq == 0)
			break; /* failed, or all done */
		it = sh->q[--sh->nq];
		sh->busy++;
		pthread_mutex_unlock(&sh->mu);
		r = walk_dir(w, it);
		free(it);
		pthread_mutex_lock(&sh->mu);
		sh->busy--;
		if (r < 0 && !sh->err) {
			sh->err = r;
			snprintf(sh->errbuf, sh->errlen, "%s", w->err);
		}
		if (sh->err || (sh->nq == 0 && sh->busy == 0))
			pthread_cond_broadcast(&sh->cv);
	}
	pthread_mutex_unlock(&sh->mu);
	return NULL;
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

/* Threads for a walk: one per CPU, at most 8. */
static size_t nthreads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 8 ? 8 : (size_t)n;
}

static int run(struct nono_rb_store *store, const char *root,
	       const struct nono_rb_scope *scope,
	       const struct nono_rb_manifest *base, struct nono_rb_cache *cache,
	       struct nono_rb_manifest *out, struct nono_rb_stats *st,
	       struct nono_rb_progress *prog, char *err, size_t errlen)
{
	struct shared sh = {0};
	struct walk *w;
	struct item *top = NULL;
	size_t nt = nthreads(), started = 1;
	int r = 0;

	nono_rb_manifest_init(out);
	if (st)
		memset(st, 0, sizeof(*st));
	snprintf(err, errlen, "rollback: %s: out of memory", root);
	if (root[0] != '/') {
		snprintf(err, errlen, "rollback: %s: not an absolute path",
			 root);
		return -EINVAL;
	}
	w = calloc(nt, sizeof(*w));
	top = malloc(sizeof(*top) + 2);
	out->root = strdup(root);
	if (!w || !top || !out->root) {
		free(w);
		free(top);
		nono_rb_manifest_free(out);
		return -ENOMEM;
	}
	sh.store = store;
	sh.scope = scope;
	sh.base = base;
	sh.cache = cache;
	sh.prog = prog;
	{
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		sh.t0 = ns(&now);
	}
	sh.errbuf = err;
	sh.errlen = errlen;
	pthread_mutex_init(&sh.mu, NULL);
	pthread_rwlock_init(&sh.cmu, NULL);
	pthread_cond_init(&sh.cv, NULL);
	for (size_t i = 0; i < nt; i++) {
		w[i].sh = &sh;
		w[i].store = store;
		w[i].scope = scope;
		w[i].base = base;
		w[i].errlen = sizeof(w[i].err);
		nono_rb_manifest_init(&w[i].m);
		if (!(w[i].buf = malloc(CHUNK)))
			r = -ENOMEM;
	}
	sh.rootfd = r < 0 ? -1 : nono_rb_open_root(root);
	if (r == 0 && sh.rootfd < 0) {
		r = -errno;
		snprintf(err, errlen, "rollback: %s: open: %s", root,
			 strerror(errno));
	}
	if (r == 0 && fstat(sh.rootfd, &top->st) < 0) {
		r = -errno;
		snprintf(err, errlen, "rollback: %s: stat: %s", root,
			 strerror(errno));
	}
	if (r == 0) {
		memcpy(top->rel, ".", 2);
		sh.q = malloc(64 * sizeof(*sh.q));
		if (!sh.q) {
			r = -ENOMEM;
		} else {
			sh.q[0] = top;
			top = NULL;
			sh.nq = 1;
			sh.capq = 64;
			for (; started < nt; started++)
				if (pthread_create(&w[started].tid, NULL,
						   worker, &w[started]) != 0)
					break;
			worker(&w[0]);
			for (size_t i = 1; i < started; i++)
				pthread_join(w[i].tid, NULL);
			r = sh.err;
		}
	}
	for (size_t i = 0; i < nt; i++) {
		if (r == 0)
			r = nono_rb_manifest_move(out, &w[i].m);
		nono_rb_manifest_free(&w[i].m);
		free(w[i].buf);
		free(w[i].pend);
		if (st) {
			st->files += w[i].st.files;
			st->dirs += w[i].st.dirs;
			st->links += w[i].st.links;
			st->skipped += w[i].st.skipped;
			st->unreadable += w[i].st.unreadable;
			st->excluded += w[i].st.excluded;
			st->bytes_read += w[i].st.bytes_read;
			st->objects_added += w[i].st.objects_added;
			st->cached += w[i].st.cached;
			st->retried += w[i].st.retried;
			st->xattrs_lost += w[i].st.xattrs_lost;
		}
	}
	while (sh.nq) /* left by a failure */
		free(sh.q[--sh.nq]);
	free(sh.q);
	free(top);
	free(sh.hl);
	free(w);
	if (sh.rootfd >= 0)
		close(sh.rootfd);
	pthread_mutex_destroy(&sh.mu);
	pthread_rwlock_destroy(&sh.cmu);
	pthread_cond_destroy(&sh.cv);
	if (r == 0)
		r = nono_rb_manifest_sort(out);
	if (r == 0 && store && (r = nono_rb_store_sync(store)) < 0)
		snprintf(err, errlen, "rollback: %s: sync the object store: %s",
			 root, strerror(-r));
	if (r < 0)
		nono_rb_manifest_free(out);
	return r;
}

int nono_rb_capture(struct nono_rb_store *store, const char *root,
		    const struct nono_rb_scope *scope,
		    const struct nono_rb_manifest *base,
		    struct nono_rb_cache *cache, struct nono_rb_manifest *out,
		    struct nono_rb_stats *st, struct nono_rb_progress *prog,
		    char *err, size_t errlen)
{
	return run(store, root, scope, base, cache, out, st, prog, err, errlen);
}

int nono_rb_scan(const char *root, const struct nono_rb_scope *scope,
		 const struct nono_rb_manifest *base,
		 struct nono_rb_cache *cache, struct nono_rb_manifest *out,
		 char *err, size_t errlen)
{
	return run(NULL, root, scope, base, cache, out, NULL, NULL, err,
		   errlen);
}
