// SPDX-License-Identifier: Apache-2.0
/*
 * The trust scan: a walk of a directory tree on descriptors that reports
 * the instruction files of a trust policy (trust/scan.h says what is
 * reported and why).  Speed: the scan runs before every `nono run`, so it
 * reads directories with getdents64 in 32 KiB batches, takes types from
 * d_type, stats only entries that match, and hashes with a 64 KiB buffer
 * (or takes a digest from the cache, trust/digestcache.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h> /* _IOR */
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "trust/gitignore.h"
#include "trust/scan.h"
#include "util/cleanup.h"
#include "util/errbuf.h"
#include "util/fsutil.h"

#define DBUF_SIZE (32u << 10)
#define RBUF_SIZE (64u << 10)
#define HASH_TRIES 3

/* <linux/fs.h> clashes with glibc's <sys/mount.h>; these are stable ABI. */
#define NONO_FS_IOC_GETFLAGS _IOR('f', 1, long)
#define NONO_FS_CASEFOLD_FL 0x40000000

/* Upstream's list (crates/nono/src/trust/policy.rs SKIP_DIRS), sorted for
 * bsearch.  "build" is not in it: a directory of that name is as often a
 * source tree as output, and a skipped directory is one the scan does
 * not see. */
static const char *const heavy_dirs[] = {
    ".cache",       ".git",   ".gradle",       ".hg",         ".mypy_cache",
    ".next",        ".nuxt",  ".pytest_cache", ".ruff_cache", ".svn",
    ".terraform",   ".tox",   ".venv",         "__pycache__", "dist",
    "node_modules", "target", "vendor",        "venv",
};

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

struct walk {
	const struct nono_trust_policy *p;
	struct nono_glob *pats;
	size_t npats;
	char *const *skip;
	size_t nskip;
	unsigned flags;
	struct nono_trust_cache *cache;
	const char *root_name; /* matched as the paths' first component */
	int rootfd;
	struct nono_trust_list *out;
	char path[PATH_MAX];
	size_t plen;
	size_t entries;
	char *dbuf;
	unsigned char *rbuf;
	/* .gitignore files of the directories on the way (init only) */
	struct {
		size_t base; /* length of their directory's path */
		struct nono_gitignore *g;
	} gi[NONO_TRUST_SCAN_MAX_DEPTH + 1];
	size_t ngi;
	/* the directories on the way, to see a bind-mount loop */
	struct {
		dev_t dev;
		ino_t ino;
	} anc[NONO_TRUST_SCAN_MAX_DEPTH + 2];
	/* the last filesystem looked at for case folding */
	dev_t fs_dev;
	bool fs_known, fs_folds;
	uid_t uid;
	char *err;
	size_t errlen;
};

static int fail(struct walk *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int fail(struct walk *w, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	if (w->err && w->errlen && !w->err[0]) {
		va_start(ap, fmt);
		vsnprintf(w->err, w->errlen, fmt, ap);
		va_end(ap);
		/* Names come from the tree: no terminal control bytes. */
		for (char *c = w->err; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
	}
	errno = saved;
	return -1;
}

static const char *shown(const struct walk *w)
{
	return w->plen ? w->path : ".";
}

void nono_trust_list_free(struct nono_trust_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

bool nono_trust_policy_match(const struct nono_trust_policy *p,
			     const char *relpath)
{
	for (size_t i = 0; i < NONO_TRUST_NDEFAULT; i++)
		if (nono_trust_pattern_match(nono_trust_default_patterns[i],
					     relpath))
			return true;
	for (size_t i = 0; i < p->npatterns; i++)
		if (nono_trust_pattern_match(p->patterns[i], relpath))
			return true;
	return false;
}

/* --- the path being walked ------------------------------------------------ */

/* Appends "/@name" (or @name at the root) to w->path: the old length, or
 * (size_t)-1 when it would pass PATH_MAX. */
static size_t push(struct walk *w, const char *name)
{
	size_t old = w->plen, n = strlen(name), need = old + !!old + n;

	if (need >= sizeof(w->path))
		return (size_t)-1;
	if (old)
		w->path[old] = '/';
	memcpy(w->path + old + !!old, name, n + 1);
	w->plen = need;
	return old;
}

static void pop(struct walk *w, size_t old)
{
	w->plen = old;
	w->path[old] = '\0';
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool heavy(const struct walk *w, const char *name)
{
	if (bsearch(&name, heavy_dirs, sizeof(heavy_dirs) / sizeof(*heavy_dirs),
		    sizeof(*heavy_dirs), cmp_str))
		return true;
	for (size_t i = 0; i < w->nskip; i++)
		if (w->skip[i] && strcmp(w->skip[i], name) == 0)
			return true;
	return false;
}

/* Whether the .gitignore files on the way ignore w->path (deepest file
 * first; in a file, its last matching rule). */
static bool ignored(const struct walk *w, bool is_dir)
{
	for (size_t i = w->ngi; i-- > 0;) {
		size_t b = w->gi[i].base;
		const char *rel = w->path + b + (b ? 1 : 0);
		int r = nono_gitignore_match(w->gi[i].g, rel, is_dir);

		if (r >= 0)
			return r == 1;
	}
	return false;
}

static bool matches(const struct walk *w, bool fold)
{
	char named[PATH_MAX * 2];
	const char *path = w->path;

	/* Below a root named .claude, commands/x.md is .claude/commands/x.md
	 * to the patterns (patterns match at any depth, so the name only
	 * adds matches). */
	if (w->root_name &&
	    (size_t)snprintf(named, sizeof(named), "%s/%s", w->root_name,
			     w->path) < sizeof(named))
		path = named;
	for (size_t i = 0; i < w->npats; i++)
		if (nono_glob_match(&w->pats[i], path, false, fold))
			return true;
	return false;
}

/* --- case-insensitive directories ----------------------------------------- */

static bool fs_folds(long type)
{
	switch ((unsigned long)type & 0xffffffffu) {
	case 0x4d44:     /* FAT (vfat, msdos) */
	case 0x2011bab0: /* exFAT */
	case 0x5346544e: /* NTFS (ntfs) */
	case 0x7366746e: /* NTFS (ntfs3) */
	case 0x482b:     /* HFS+ */
	case 0xff534d42: /* CIFS */
	case 0xfe534d42: /* SMB2 */
	case 0x517b:     /* SMB */
		return true;
	default:
		return false;
	}
}

/* Whether a lookup in directory @fd (@st) folds case, so that an agent
 * opening CLAUDE.md there may read claude.md: a casefold directory
 * (ext4, f2fs, tmpfs; chattr +F) or a case-insensitive filesystem. */
static bool dir_folds(struct walk *w, int fd, const struct stat *st)
{
	int attr = 0;
	struct statfs sfs;

	/* syscall(2): glibc's ioctl() takes the request as unsigned long,
	 * musl's as int, and this one does not fit an int. */
	if (syscall(SYS_ioctl, fd, NONO_FS_IOC_GETFLAGS, &attr) == 0 &&
	    (attr & NONO_FS_CASEFOLD_FL))
		return true;
	if (!w->fs_known || w->fs_dev != st->st_dev) {
		w->fs_known = true;
		w->fs_dev = st->st_dev;
		w->fs_folds = fstatfs(fd, &sfs) == 0 && fs_folds(sfs.f_type);
	}
	return w->fs_folds;
}

/* --- hashing -------------------------------------------------------------- */

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void identity(struct nono_trust_found *f, const struct stat *st)
{
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	f->size = (unsigned long long)st->st_size;
	f->mtime_ns =
	    (long long)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec;
	f->ctime_ns =
	    (long long)st->st_ctim.tv_sec * 1000000000LL + st->st_ctim.tv_nsec;
}

/*
 * The SHA-256 of the regular file open at @fd into @f (identity too),
 * from the cache when it has a trustworthy digest for it.  A file that
 * changes while it is read (its size, mtime or ctime differ after) is
 * read again, up to HASH_TRIES times.  0 or -1 (w->err).
 */
static int hash_fd(struct walk *w, int fd, struct nono_trust_found *f)
{
	for (int tries = 0; tries < HASH_TRIES; tries++) {
		struct nono_sha256 c;
		struct stat before, after;
		uint8_t md[NONO_SHA256_LEN];
		long long read_ns;
		off_t off = 0;

		if (fstat(fd, &before) < 0)
			return fail(w, "%s: %s", w->path, strerror(errno));
		/* Instructions are text: a huge (or sparse) file is not
		 * read, and fails (review 2 of issue 16, E). */
		if (before.st_size > NONO_TRUST_FILE_MAX) {
			f->flags |= NONO_TRUST_FOUND_TOOBIG;
			identity(f, &before);
			return 0;
		}
		if (nono_trust_cache_get(w->cache, &before, f->sha256))
			goto done;
		read_ns = now_ns();
		nono_sha256_init(&c);
		for (;;) {
			ssize_t k = pread(fd, w->rbuf, RBUF_SIZE, off);

			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0)
				return fail(w, "%s: cannot read: %s", w->path,
					    strerror(errno));
			if (k == 0)
				break;
			nono_sha256_update(&c, w->rbuf, (size_t)k);
			off += k;
		}
		nono_sha256_final(&c, md);
		if (fstat(fd, &after) < 0)
			return fail(w, "%s: %s", w->path, strerror(errno));
		if (!nono_stat_unchanged(&before, &after) ||
		    off != before.st_size)
			continue;
		nono_hex(md, NONO_SHA256_LEN, f->sha256);
		if (w->cache && nono_trust_cache_put(w->cache, &before, read_ns,
						     f->sha256) == -ENOMEM)
			return fail(w, "out of memory");
	done:
		f->dev = before.st_dev;
		f->ino = before.st_ino;
		f->size = (unsigned long long)before.st_size;
		f->mtime_ns = (long long)before.st_mtim.tv_sec * 1000000000LL +
			      before.st_mtim.tv_nsec;
		f->ctime_ns = (long long)before.st_ctim.tv_sec * 1000000000LL +
			      before.st_ctim.tv_nsec;
		return 0;
	}
	errno = EAGAIN;
	return fail(w,
		    "%s: changed while it was read (%d times); run again "
		    "when nothing writes it",
		    w->path, HASH_TRIES);
}

/* --- what is found -------------------------------------------------------- */

static int add(struct walk *w, struct nono_trust_found *f)
{
	struct nono_trust_list *l = w->out;

	if (l->n >= NONO_TRUST_SCAN_MAX_FILES)
		return fail(w,
			    "more than %d instruction files (at %s); skip "
			    "generated trees with --skip-dir NAME",
			    NONO_TRUST_SCAN_MAX_FILES, w->path);
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct nono_trust_found *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return fail(w, "out of memory");
		l->v = v;
		l->cap = cap;
	}
	f->path = strdup(w->path);
	if (!f->path)
		return fail(w, "out of memory");
	l->v[l->n++] = *f;
	return 0;
}

/* The regular file @name in @dirfd (@st from fstatat), at w->path. */
static int regular(struct walk *w, int dirfd, const char *name,
		   const struct stat *st, struct nono_trust_found *f)
{
	nono_autoclose int fd = -1;
	struct stat o;

	if (!(w->flags & NONO_TRUST_SCAN_HASH)) {
		identity(f, st);
		return 0;
	}
	if (nono_trust_cache_get(w->cache, st, f->sha256)) {
		identity(f, st);
		return 0;
	}
	fd = openat(dirfd, name,
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 && errno == EACCES) {
		f->flags |= NONO_TRUST_FOUND_UNREADABLE;
		return 0;
	}
	if (fd < 0 && errno == ENOENT)
		return 1; /* gone: not there for the agent either */
	if (fd < 0 || fstat(fd, &o) < 0)
		return fail(w, "%s: %s%s", w->path, strerror(errno),
			    errno == ELOOP ? " (replaced during the scan)"
					   : "");
	if (o.st_dev != st->st_dev || o.st_ino != st->st_ino)
		return fail(w, "%s: replaced during the scan; run again",
			    w->path);
	return hash_fd(w, fd, f);
}

/* A matching symlink at w->path: its target, resolved beneath the root
 * as the agent's open would resolve it (less what leaves the root). */
static int symlinked(struct walk *w, struct nono_trust_found *f)
{
	struct open_how how = {
	    .flags = O_PATH | O_CLOEXEC,
	    .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	nono_autoclose int pfd = -1, fd = -1;
	struct stat st, o;

	f->flags |= NONO_TRUST_FOUND_SYMLINK;
	for (int i = 0; i < 8 && pfd < 0; i++) {
		pfd = (int)syscall(SYS_openat2, w->rootfd, w->path, &how,
				   sizeof(how));
		if (pfd < 0 && errno != EAGAIN && errno != EINTR)
			break;
	}
	if (pfd < 0) {
		switch (errno) {
		case ENOENT:
		case ELOOP:
		case ENOTDIR:
			f->flags |= NONO_TRUST_FOUND_BROKEN;
			return 0;
		case EACCES:
			f->flags |= NONO_TRUST_FOUND_UNREADABLE;
			return 0;
		case EXDEV:  /* outside the root, or absolute */
		case ENOSYS: /* no openat2 (Linux < 5.6): cannot confine */
		case EPERM:  /* ... or a seccomp filter refuses it */
		case EINVAL:
		case E2BIG:
			f->flags |= NONO_TRUST_FOUND_OUTSIDE;
			return 0;
		default:
			return fail(w, "%s: cannot resolve the link: %s",
				    w->path, strerror(errno));
		}
	}
	if (fstat(pfd, &st) < 0)
		return fail(w, "%s: %s", w->path, strerror(errno));
	if (!S_ISREG(st.st_mode)) {
		f->flags |= NONO_TRUST_FOUND_SPECIAL;
		return 0;
	}
	if (!(w->flags & NONO_TRUST_SCAN_HASH) ||
	    nono_trust_cache_get(w->cache, &st, f->sha256)) {
		identity(f, &st);
		return 0;
	}
	how.flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
	fd = (int)syscall(SYS_openat2, w->rootfd, w->path, &how, sizeof(how));
	if (fd < 0 && errno == EACCES) {
		f->flags |= NONO_TRUST_FOUND_UNREADABLE;
		return 0;
	}
	if (fd < 0 || fstat(fd, &o) < 0)
		return fail(w, "%s: %s", w->path, strerror(errno));
	if (o.st_dev != st.st_dev || o.st_ino != st.st_ino)
		return fail(w,
			    "%s: its target was replaced during the scan; "
			    "run again",
			    w->path);
	return hash_fd(w, fd, f);
}

/* Records the entry @name of @dirfd at w->path, which matched. */
static int record(struct walk *w, int dirfd, const char *name, bool fold)
{
	struct nono_trust_found f;
	struct stat st;
	int r;

	memset(&f, 0, sizeof(f));
	if (fold)
		f.flags |= NONO_TRUST_FOUND_CASEFOLD;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return fail(w, "%s: %s", w->path, strerror(errno));
	}
	if (S_ISDIR(st.st_mode))
		return fail(w,
			    "%s: became a directory during the scan; run "
			    "again",
			    w->path);
	if (S_ISLNK(st.st_mode))
		r = symlinked(w, &f);
	else if (S_ISREG(st.st_mode))
		r = regular(w, dirfd, name, &st, &f);
	else
		r = 0; /* FIFO, socket, device: flagged below */
	if (!S_ISLNK(st.st_mode) && !S_ISREG(st.st_mode))
		f.flags |= NONO_TRUST_FOUND_SPECIAL;
	if (r < 0)
		return r;
	if (r > 0)
		return 0;
	if (f.flags & NONO_TRUST_FOUND_UNVERIFIABLE) {
		f.sha256[0] = '\0';
		f.dev = 0;
		f.ino = 0;
		f.size = 0;
		f.mtime_ns = f.ctime_ns = 0;
	}
	return add(w, &f);
}

/* A symlink @name of @dirfd at w->path that matched no pattern: reported
 * when it leads to a directory below which a pattern could match only
 * through the link's own path. */
static int dirlink(struct walk *w, int dirfd, const char *name, bool fold)
{
	struct nono_trust_found f;
	struct stat st;
	size_t i;

	for (i = 0; i < w->npats; i++)
		if (nono_glob_could_match_below(&w->pats[i], w->path, fold))
			break;
	if (i == w->npats)
		return 0;
	if (fstatat(dirfd, name, &st, 0) < 0 || !S_ISDIR(st.st_mode))
		return 0; /* dangling or not a directory: nothing below */
	memset(&f, 0, sizeof(f));
	f.flags = NONO_TRUST_FOUND_SYMLINK | NONO_TRUST_FOUND_DIRLINK |
		  (fold ? NONO_TRUST_FOUND_CASEFOLD : 0);
	return add(w, &f);
}

/* --- the walk ------------------------------------------------------------- */

static int walk_dir(struct walk *w, int fd, unsigned depth, bool fold);

static int is_dot(const char *n)
{
	return n[0] == '.' && (!n[1] || (n[1] == '.' && !n[2]));
}

/* Descends into the directory @name of @dirfd (w->path is its parent). */
static int descend(struct walk *w, int dirfd, const char *name, unsigned depth,
		   bool fold)
{
	nono_autoclose int fd = -1;
	struct stat st;
	size_t old = push(w, name);
	int r = -1;

	if (old == (size_t)-1)
		return fail(w, "%s/%s: path longer than %d bytes", shown(w),
			    name, PATH_MAX - 1);
	if (depth + 1 > NONO_TRUST_SCAN_MAX_DEPTH) {
		fail(w,
		     "%s: deeper than %d directories; skip it with "
		     "--skip-dir NAME",
		     w->path, NONO_TRUST_SCAN_MAX_DEPTH);
		goto out;
	}
	fd = openat(dirfd, name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK |
			O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT) {
			r = 0;
		} else if (errno == EACCES) {
			/* Another user's: the agent cannot read it or
			 * chmod it either.  The caller's own: it can. */
			if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) ==
				0 &&
			    st.st_uid != w->uid)
				r = 0;
			else
				fail(w,
				     "%s: cannot read the directory: %s "
				     "(make it readable, or skip it with "
				     "--skip-dir %s)",
				     w->path, strerror(EACCES), name);
		} else {
			fail(w, "%s: %s%s", w->path, strerror(errno),
			     errno == ELOOP || errno == ENOTDIR
				 ? " (replaced during the scan)"
				 : "");
		}
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		fail(w, "%s: %s", w->path, strerror(errno));
		goto out;
	}
	/* A bind mount of an ancestor below itself: scanned there. */
	for (unsigned i = 0; i <= depth; i++)
		if (w->anc[i].dev == st.st_dev && w->anc[i].ino == st.st_ino) {
			r = 0;
			goto out;
		}
	w->anc[depth + 1].dev = st.st_dev;
	w->anc[depth + 1].ino = st.st_ino;
	r = walk_dir(w, fd, depth + 1, fold || dir_folds(w, fd, &st));
out:
	pop(w, old);
	return r;
}

/* Reads the .gitignore of directory @fd (w->path) onto the stack. */
static int load_gitignore(struct walk *w, int fd)
{
	nono_autoclose int gfd = -1;
	nono_autofree char *text = NULL;
	struct nono_gitignore *g = NULL;
	struct stat st;
	size_t got = 0;
	int r;

	gfd = openat(fd, ".gitignore",
		     O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (gfd < 0 || fstat(gfd, &st) < 0 || !S_ISREG(st.st_mode))
		return 0; /* none (a link or other is no .gitignore here) */
	if ((unsigned long long)st.st_size > NONO_GITIGNORE_MAX_TEXT)
		return fail(w, "%s/.gitignore: larger than %u bytes", shown(w),
			    NONO_GITIGNORE_MAX_TEXT);
	text = malloc((size_t)st.st_size + 1);
	if (!text)
		return fail(w, "out of memory");
	while (got < (size_t)st.st_size) {
		ssize_t k = read(gfd, text + got, (size_t)st.st_size - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	r = nono_gitignore_parse(text, got, &g);
	if (r == -E2BIG)
		return fail(w, "%s/.gitignore: more than %d rules", shown(w),
			    NONO_GITIGNORE_MAX_RULES);
	if (r < 0)
		return fail(w, "out of memory");
	w->gi[w->ngi].base = w->plen;
	w->gi[w->ngi].g = g;
	w->ngi++;
	return 1;
}

static int add_sub(struct walk *w, char ***subs, size_t *n, size_t *cap,
		   const char *name)
{
	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 16;
		char **v = realloc(*subs, c * sizeof(*v));

		if (!v)
			return fail(w, "out of memory");
		*subs = v;
		*cap = c;
	}
	(*subs)[*n] = strdup(name);
	if (!(*subs)[*n])
		return fail(w, "out of memory");
	(*n)++;
	return 0;
}

/* One entry @name (type @type, not a directory) of directory @fd. */
static int entry(struct walk *w, int fd, const char *name, unsigned char type,
		 bool fold)
{
	size_t n = strlen(name), old;
	int r = 0;

	/* Signatures, and the root's policy (checked by its own bundle). */
	if (n >= 7 && strcmp(name + n - 7, ".bundle") == 0)
		return 0;
	if (!w->plen && strcmp(name, "trust-policy.json") == 0)
		return 0;
	old = push(w, name);
	if (old == (size_t)-1)
		return fail(w, "%s/%s: path longer than %d bytes", shown(w),
			    name, PATH_MAX - 1);
	if ((w->flags & NONO_TRUST_SCAN_GITIGNORE) && ignored(w, false))
		goto out;
	if (matches(w, fold))
		r = record(w, fd, name, fold);
	else if (type == DT_LNK && (w->flags & NONO_TRUST_SCAN_RECURSIVE))
		r = dirlink(w, fd, name, fold);
out:
	pop(w, old);
	return r;
}

static int walk_dir(struct walk *w, int fd, unsigned depth, bool fold)
{
	char **subs = NULL;
	size_t nsubs = 0, cap = 0;
	int pushed = 0, r = -1;

	if (w->flags & NONO_TRUST_SCAN_GITIGNORE) {
		pushed = load_gitignore(w, fd);
		if (pushed < 0)
			return -1;
	}
	for (;;) {
		long got = syscall(SYS_getdents64, fd, w->dbuf, DBUF_SIZE);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			fail(w, "%s: cannot list the directory: %s", shown(w),
			     strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		for (long off = 0; off < got;) {
			struct linux_dirent64 *d =
			    (struct linux_dirent64 *)(w->dbuf + off);
			unsigned char type = d->d_type;

			off += d->d_reclen;
			if (is_dot(d->d_name))
				continue;
			if (++w->entries > NONO_TRUST_SCAN_MAX_ENTRIES) {
				fail(w,
				     "more than %d directory entries (at "
				     "%s); skip large generated trees with "
				     "--skip-dir NAME",
				     NONO_TRUST_SCAN_MAX_ENTRIES, shown(w));
				goto out;
			}
			if (type == DT_UNKNOWN) {
				struct stat st;

				if (fstatat(fd, d->d_name, &st,
					    AT_SYMLINK_NOFOLLOW) < 0) {
					if (errno == ENOENT)
						continue;
					fail(w, "%s/%s: %s", shown(w),
					     d->d_name, strerror(errno));
					goto out;
				}
				type = S_ISDIR(st.st_mode)   ? DT_DIR
				       : S_ISLNK(st.st_mode) ? DT_LNK
				       : S_ISREG(st.st_mode) ? DT_REG
							     : DT_FIFO;
			}
			if (type != DT_DIR) {
				if (entry(w, fd, d->d_name, type, fold) < 0)
					goto out;
				continue;
			}
			if (!(w->flags & NONO_TRUST_SCAN_RECURSIVE) ||
			    heavy(w, d->d_name))
				continue;
			if (w->flags & NONO_TRUST_SCAN_GITIGNORE) {
				size_t old = push(w, d->d_name);
				bool ign;

				if (old == (size_t)-1) {
					fail(w,
					     "%s/%s: path longer than %d "
					     "bytes",
					     shown(w), d->d_name, PATH_MAX - 1);
					goto out;
				}
				ign = ignored(w, true);
				pop(w, old);
				if (ign)
					continue;
			}
			if (add_sub(w, &subs, &nsubs, &cap, d->d_name) < 0)
				goto out;
		}
	}
	for (size_t i = 0; i < nsubs; i++)
		if (descend(w, fd, subs[i], depth, fold) < 0)
			goto out;
	r = 0;
out:
	for (size_t i = 0; i < nsubs; i++)
		free(subs[i]);
	free(subs);
	if (pushed > 0)
		nono_gitignore_free(w->gi[--w->ngi].g);
	return r;
}

static int cmp_found(const void *a, const void *b)
{
	return strcmp(((const struct nono_trust_found *)a)->path,
		      ((const struct nono_trust_found *)b)->path);
}

int nono_trust_scan_cached(int rootfd, const char *root_name,
			   const struct nono_trust_policy *p,
			   char *const *skip_dirs, size_t nskip, unsigned flags,
			   struct nono_trust_cache *cache,
			   struct nono_trust_list *out, char *err,
			   size_t errlen)
{
	struct nono_trust_list l = {0};
	struct walk *w;
	nono_autoclose int fd = -1;
	struct stat st;
	int r = -1;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	w = calloc(1, sizeof(*w));
	if (!w)
		return nono_errf(err, errlen, "out of memory");
	w->p = p;
	w->skip = skip_dirs;
	w->nskip = skip_dirs ? nskip : 0;
	w->flags = flags;
	w->cache = cache;
	w->root_name = root_name && *root_name && !strchr(root_name, '/')
			   ? root_name
			   : NULL;
	w->rootfd = rootfd;
	w->out = &l;
	w->uid = geteuid();
	w->err = err;
	w->errlen = errlen;
	w->dbuf = malloc(DBUF_SIZE);
	w->rbuf = malloc(RBUF_SIZE);
	w->pats = calloc(NONO_TRUST_NDEFAULT + p->npatterns, sizeof(*w->pats));
	if (!w->dbuf || !w->rbuf || !w->pats) {
		fail(w, "out of memory");
		goto out;
	}
	/* The built-in patterns, whatever @p says (a policy cannot remove
	 * them, and one built in memory may lack them), then @p's. */
	for (size_t i = 0; i < NONO_TRUST_NDEFAULT; i++)
		if (nono_glob_compile(&w->pats[w->npats],
				      nono_trust_default_patterns[i]) == 0)
			w->npats++;
	for (size_t i = 0; i < p->npatterns; i++) {
		bool dup = false;

		for (size_t j = 0; j < NONO_TRUST_NDEFAULT && !dup; j++)
			dup = strcmp(p->patterns[i],
				     nono_trust_default_patterns[j]) == 0;
		if (dup)
			continue;
		if (nono_glob_compile(&w->pats[w->npats], p->patterns[i]) < 0) {
			fail(w, "instruction pattern \"%.64s\" is not valid",
			     p->patterns[i]);
			goto out;
		}
		w->npats++;
	}
	fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fail(w, "cannot read the directory to scan: %s",
		     strerror(errno));
		goto out;
	}
	w->anc[0].dev = st.st_dev;
	w->anc[0].ino = st.st_ino;
	if (walk_dir(w, fd, 0, dir_folds(w, fd, &st)) < 0)
		goto out;
	if (l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), cmp_found);
	*out = l;
	memset(&l, 0, sizeof(l));
	r = 0;
out:
	nono_trust_list_free(&l);
	if (w) {
		free(w->dbuf);
		free(w->rbuf);
		free(w->pats);
		free(w);
	}
	return r;
}

int nono_trust_scan(int rootfd, const struct nono_trust_policy *p,
		    char *const *skip_dirs, size_t nskip, unsigned flags,
		    struct nono_trust_list *out, char *err, size_t errlen)
{
	return nono_trust_scan_cached(rootfd, NULL, p, skip_dirs, nskip, flags,
				      NULL, out, err, errlen);
}
