// SPDX-License-Identifier: Apache-2.0
/*
 * A git directory's refs read from disk (gitrefs.h): HEAD and the
 * pseudo-refs at its top, packed-refs, the loose refs below refs/.  Read
 * through the directory fd nono opened at the start, nothing followed:
 * what the sandbox left there is read as it is, a symbolic link as a link,
 * a FIFO as "not a ref" (never opened), and never more than a ceiling.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/gitrefs.h"
#include "util/cleanup.h"

/* The pseudo-refs at the top of a git directory that a checkout, reset or
 * merge takes (git reset --hard ORIG_HEAD, git merge FETCH_HEAD). */
static const char *const pseudo[] = {
    "ORIG_HEAD",   "FETCH_HEAD",  "MERGE_HEAD", "CHERRY_PICK_HEAD",
    "REVERT_HEAD", "REBASE_HEAD", "AUTO_MERGE", "BISECT_HEAD",
};

#define NPSEUDO (sizeof(pseudo) / sizeof(pseudo[0]))
/* A loose ref is an object name or "ref: ..."; a pseudo-ref's text may be
 * longer (FETCH_HEAD, one line per ref fetched). */
#define LOOSE_MAX 4096
#define PSEUDO_MAX (1 << 20)
#define PACKED_MAX (64 << 20)
#define DEPTH_MAX 32

bool gitrefs_pseudo(const char *name)
{
	for (size_t i = 0; i < NPSEUDO; i++)
		if (strcmp(name, pseudo[i]) == 0)
			return true;
	return false;
}

bool gitrefs_is_oid(const char *s, size_t hexlen)
{
	for (size_t i = 0; i < hexlen; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[hexlen] == '\0' || s[hexlen] == ' ' || s[hexlen] == '\t' ||
	       s[hexlen] == '\n';
}

int oidv_push(struct oidv *o, const char *s, size_t len)
{
	if (len > 64)
		return -EINVAL;
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 64;
		char(*v)[65] = realloc(o->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		o->v = v;
		o->cap = cap;
	}
	memcpy(o->v[o->n], s, len);
	o->v[o->n][len] = '\0';
	o->n++;
	return 0;
}

void oidv_free(struct oidv *o)
{
	free(o->v);
	memset(o, 0, sizeof(*o));
}

static int cmp_oid(const void *a, const void *b)
{
	return strcmp(a, b);
}

void oidv_sort(struct oidv *o)
{
	size_t k = 0;

	if (!o->n)
		return;
	qsort(o->v, o->n, sizeof(*o->v), cmp_oid);
	for (size_t i = 0; i < o->n; i++)
		if (!k || strcmp(o->v[k - 1], o->v[i]) != 0)
			memmove(o->v[k++], o->v[i], sizeof(*o->v));
	o->n = k;
}

bool oidv_has(const struct oidv *o, const char *oid)
{
	return o->n && bsearch(oid, o->v, o->n, sizeof(*o->v), cmp_oid) != NULL;
}

int gitrefs_oids(const char *val, size_t hexlen, struct oidv *out)
{
	const char *p = val;
	int n = 0;

	while (*p) {
		if (!gitrefs_is_oid(p, hexlen) || oidv_push(out, p, hexlen) < 0)
			return -1;
		n++;
		p = strchrnul(p, '\n');
		while (*p == '\n')
			p++;
	}
	return n;
}

/* A component of a ref name as git's check_refname_format takes it. */
static bool component_ok(const char *c, size_t n)
{
	if (n == 0 || c[0] == '.' ||
	    (n >= 5 && memcmp(c + n - 5, ".lock", 5) == 0))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)c[i];

		if (ch <= ' ' || ch == 0x7f || strchr("~^:?*[\\", ch) ||
		    (ch == '.' && i + 1 < n && c[i + 1] == '.') ||
		    (ch == '@' && i + 1 < n && c[i + 1] == '{'))
			return false;
	}
	return true;
}

static void add(struct grefs *r, const char *name, char *val, bool loose,
		int *err)
{
	if (*err) {
		free(val);
		return;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct gref *v = realloc(r->v, cap * sizeof(*v));

		if (!v) {
			free(val);
			*err = -ENOMEM;
			return;
		}
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n] = (struct gref){
	    .name = strdup(name), .val = val, .logsize = -1, .loose = loose};
	if (!r->v[r->n].name || !val) {
		free(r->v[r->n].name);
		free(val);
		*err = -ENOMEM;
		return;
	}
	r->n++;
}

/* The identity of a file too large to be a ref: it changes with any
 * write. */
static char *large(const struct stat *st)
{
	char *v;

	if (asprintf(&v, "?large %llu %lld %ld.%09ld",
		     (unsigned long long)st->st_ino, (long long)st->st_size,
		     (long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec) < 0)
		return NULL;
	return v;
}

/*
 * What git reads at @name in @dfd, at most @max bytes, as a value (see
 * struct gref); @type is readdir's d_type (DT_UNKNOWN: not known).  NULL
 * with *@err when out of memory, or when there is nothing there (*@err
 * 0).  A regular file costs an open and one read: thousands of loose refs
 * are read at the start of a session.
 */
static char *read_val(int dfd, const char *name, unsigned char type, size_t max,
		      int *err)
{
	nono_autoclose int fd = -1;
	struct stat st;
	char small[LOOSE_MAX + 1], *heap = NULL, *buf = small, *v;
	size_t n = 0, cap = sizeof(small) - 1;

	*err = 0;
	if (type == DT_UNKNOWN) {
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return errno == ENOENT || errno == ENOTDIR
				   ? NULL
				   : strdup("?unreadable");
		type = S_ISLNK(st.st_mode)   ? DT_LNK
		       : S_ISREG(st.st_mode) ? DT_REG
					     : DT_FIFO;
	}
	if (type == DT_LNK) {
		char target[LOOSE_MAX];
		ssize_t k = readlinkat(dfd, name, target, sizeof(target) - 1);

		if (k < 0)
			return strdup("?unreadable link");
		target[k] = '\0';
		if (asprintf(&v, "link:%s", target) < 0)
			v = NULL;
		goto done;
	}
	if (type != DT_REG)
		return strdup("?not a regular file");
	fd = openat(dfd, name,
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? NULL : strdup("?unreadable");
	for (;;) {
		ssize_t k = read(fd, buf + n, cap - n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
		if (n < cap)
			break; /* a short read of a regular file: its end */
		if (cap >= max || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
		    (size_t)st.st_size > max || heap) {
			free(heap);
			if (fstat(fd, &st) < 0)
				return strdup("?unreadable");
			v = S_ISREG(st.st_mode) ? large(&st)
						: strdup("?not a regular file");
			goto done;
		}
		/* A pseudo-ref (FETCH_HEAD) larger than a ref: its size. */
		cap = (size_t)st.st_size + 1;
		heap = malloc(cap + 1);
		if (!heap) {
			*err = -ENOMEM;
			return NULL;
		}
		memcpy(heap, small, n);
		buf = heap;
	}
	/* Git strips the line break and the spaces around a value. */
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' ' ||
		     buf[n - 1] == '\r' || buf[n - 1] == '\t'))
		n--;
	buf[n] = '\0';
	/* A NUL inside: never a ref; marked so that it compares as text. */
	if (strlen(buf) != n) {
		free(heap);
		v = strdup("?binary");
	} else if (heap) {
		return heap;
	} else {
		v = strdup(small);
	}
done:
	if (!v)
		*err = -ENOMEM;
	return v;
}

struct walk {
	struct grefs *r;
	size_t max;
	int err;
	/* The reflogs' walk: each file's size and inode, into the refs. */
	bool logs;
	bool over; /* more than @max refs, or deeper than DEPTH_MAX */
};

static void note_log(struct walk *w, const char *name, int dfd,
		     const char *base)
{
	struct gref *g = (struct gref *)gitrefs_find(w->r, name);
	struct stat st;

	if (!g || fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(st.st_mode))
		return;
	g->logsize = (long long)st.st_size;
	g->logino = (unsigned long long)st.st_ino;
}

/* The loose refs below @dfd, named @prefix (which ends with '/'); or, in
 * a reflog walk, the logs of the refs read. */
static void walk_loose(struct walk *w, int dfd, char *prefix, size_t plen,
		       int depth)
{
	nono_autoclose int dup = -1;
	DIR *d;
	struct dirent *de;
	size_t seen = 0;

	if (depth > DEPTH_MAX) {
		w->over = true;
		return;
	}
	dup = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dup < 0)
		return;
	d = fdopendir(dup);
	if (!d)
		return;
	dup = -1;
	while (!w->err && (de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		unsigned char type = de->d_type;
		struct stat st;

		if (!component_ok(de->d_name, n) || plen + n + 2 > PATH_MAX)
			continue;
		if (w->logs ? ++seen > w->max : w->r->n >= w->max) {
			w->over = true;
			break;
		}
		memcpy(prefix + plen, de->d_name, n + 1);
		if (type == DT_UNKNOWN) {
			if (fstatat(dirfd(d), de->d_name, &st,
				    AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			type = S_ISDIR(st.st_mode) ? DT_DIR : DT_UNKNOWN;
		}
		if (type == DT_DIR) {
			nono_autoclose int sub = openat(
			    dirfd(d), de->d_name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub < 0)
				continue;
			prefix[plen + n] = '/';
			prefix[plen + n + 1] = '\0';
			walk_loose(w, sub, prefix, plen + n + 1, depth + 1);
			continue;
		}
		if (w->logs) {
			note_log(w, prefix, dirfd(d), de->d_name);
			continue;
		}
		{
			int e;
			char *v =
			    read_val(dirfd(d), de->d_name, type, LOOSE_MAX, &e);

			if (e)
				w->err = e;
			else if (v)
				add(w->r, prefix, v, true, &w->err);
		}
	}
	closedir(d);
}

/* packed-refs: "<oid> <name>" lines; "^<oid>" (a tag's peeled value) and
 * "# pack-refs with: ..." are not refs. */
static int read_packed(int gfd, struct grefs *r, size_t max)
{
	nono_autoclose int fd = -1;
	nono_autofree char *buf = NULL;
	struct stat st;
	size_t n = 0;
	int err = 0;
	char *p;

	if (fstatat(gfd, "packed-refs", &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (!S_ISREG(st.st_mode)) {
		add(r, "packed-refs", strdup("?not a regular file"), false,
		    &err);
		return err;
	}
	if (st.st_size > PACKED_MAX)
		return -E2BIG;
	fd = openat(gfd, "packed-refs",
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return 0;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	while (n < (size_t)st.st_size) {
		ssize_t k = read(fd, buf + n, (size_t)st.st_size - n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	buf[n] = '\0';
	for (p = buf; *p && !err;) {
		char *eol = strchrnul(p, '\n'), *sp;
		bool more = *eol != '\0';

		*eol = '\0';
		sp = strchr(p, ' ');
		if (p[0] != '#' && p[0] != '^' && sp &&
		    strncmp(sp + 1, "refs/", 5) == 0) {
			const char *name = sp + 1, *c = name;
			bool ok = true;

			while (ok && *c) {
				const char *s = strchrnul(c, '/');

				ok = component_ok(c, (size_t)(s - c));
				c = *s ? s + 1 : s;
			}
			if (ok) {
				if (r->n >= max)
					return -E2BIG;
				add(r, name, strndup(p, (size_t)(sp - p)),
				    false, &err);
			}
		}
		p = more ? eol + 1 : eol;
	}
	return err;
}

static int by_name(const void *a, const void *b)
{
	const struct gref *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	/* The loose one first: it is the one kept. */
	return c ? c : (int)y->loose - (int)x->loose;
}

int gitrefs_read(int gfd, size_t max, bool logs, struct grefs *out)
{
	char prefix[PATH_MAX] = "refs/";
	struct walk w = {.r = out, .max = max};
	nono_autoclose int refs = -1, lfd = -1;
	size_t k = 0;
	int e;

	memset(out, 0, sizeof(*out));
	out->headlog = -1;
	for (size_t i = 0; i <= NPSEUDO && !w.err; i++) {
		const char *name = i ? pseudo[i - 1] : "HEAD";
		char *v = read_val(gfd, name, DT_UNKNOWN, PSEUDO_MAX, &e);

		if (e)
			w.err = e;
		else if (v)
			add(out, name, v, true, &w.err);
	}
	if (w.err)
		return w.err;
	e = read_packed(gfd, out, max);
	if (e == -E2BIG)
		w.over = true;
	else if (e < 0)
		return e;
	refs = openat(gfd, "refs",
		      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (refs >= 0)
		walk_loose(&w, refs, prefix, strlen(prefix), 0);
	if (w.err)
		return w.err;
	qsort(out->v, out->n, sizeof(*out->v), by_name);
	/* A packed ref that a loose one replaces is not git's. */
	for (size_t i = 0; i < out->n; i++) {
		if (k && strcmp(out->v[k - 1].name, out->v[i].name) == 0) {
			free(out->v[i].name);
			free(out->v[i].val);
			continue;
		}
		out->v[k++] = out->v[i];
	}
	out->n = k;
	/* The reflogs there are (git keeps them for HEAD, the branches,
	 * the remote-tracking refs and the stash), by a walk of logs/: no
	 * lookup for the refs that have none. */
	if (logs) {
		struct walk lw = {.r = out, .max = max, .logs = true};
		nono_autoclose int lrefs = -1;

		lfd = openat(gfd, "logs",
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (lfd >= 0) {
			struct stat st;

			if (fstatat(lfd, "HEAD", &st, AT_SYMLINK_NOFOLLOW) ==
				0 &&
			    S_ISREG(st.st_mode)) {
				out->headlog = (long long)st.st_size;
				out->headino = (unsigned long long)st.st_ino;
			}
			note_log(&lw, "HEAD", lfd, "HEAD");
			lrefs = openat(lfd, "refs",
				       O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					   O_CLOEXEC);
		}
		strcpy(prefix, "refs/");
		if (lrefs >= 0)
			walk_loose(&lw, lrefs, prefix, strlen(prefix), 0);
	}
	/* What could be read is there, sorted, all the same. */
	if (w.over)
		return -E2BIG;
	return 0;
}

void gitrefs_free(struct grefs *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].name);
		free(r->v[i].val);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}

const struct gref *gitrefs_find(const struct grefs *r, const char *name)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(r->v[mid].name, name);

		if (c == 0)
			return &r->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
