// SPDX-License-Identifier: Apache-2.0
/* Comparing snapshots and restoring one (see restore.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "rollback/restore.h"
#include "rollback/rmtree.h"

#define TMP_PREFIX ".nono-rb-"

const char *nono_rb_change_name(enum nono_rb_change c)
{
	switch (c) {
	case NONO_RB_CREATED:
		return "created";
	case NONO_RB_DELETED:
		return "deleted";
	case NONO_RB_MODIFIED:
		return "modified";
	case NONO_RB_ATTRS:
		return "mode";
	}
	return "?";
}

static const char *opaque_words(const char *why)
{
	static const char *const w[][2] = {
	    {NONO_RB_WHY_UNREADABLE, "unreadable"},
	    {NONO_RB_WHY_FIFO, "a FIFO"},
	    {NONO_RB_WHY_SOCKET, "a socket"},
	    {NONO_RB_WHY_DEVICE, "a device"},
	    {NONO_RB_WHY_BUSY, "written to while read"},
	    {NONO_RB_WHY_DEEP, "nested too deep to read"},
	    {NONO_RB_WHY_BIG, "too big to keep"},
	};

	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (strcmp(why, w[i][0]) == 0)
			return w[i][1];
	return "not captured";
}

/* Whether @a and @b have another group owner, both known (a version-1
 * manifest knows none: never a change). */
static bool other_group(const struct nono_rb_entry *a,
			const struct nono_rb_entry *b)
{
	return a->gid >= 0 && b->gid >= 0 && a->gid != b->gid;
}

/* The same for the owner (known from version 3). */
static bool other_owner(const struct nono_rb_entry *a,
			const struct nono_rb_entry *b)
{
	return a->uid >= 0 && b->uid >= 0 && a->uid != b->uid;
}

void nono_rb_change_note(const struct nono_rb_entry *from,
			 const struct nono_rb_entry *to, char *out, size_t len)
{
	size_t n;

	out[0] = '\0';
	if (to && to->type == NONO_RB_SKIP)
		snprintf(out, len,
			 " (left out by the scope, content not "
			 "captured)");
	else if (to && to->type == NONO_RB_OPAQUE)
		snprintf(out, len, " (%s%s, content not captured)",
			 from ? "now " : "", opaque_words(to->target));
	else if (from && from->type == NONO_RB_OPAQUE)
		snprintf(out, len, " (was %s)", opaque_words(from->target));
	n = strlen(out);
	if (to && nono_rb_xattrs_lost(to) &&
	    (!from || !nono_rb_xattrs_lost(from)) && n < len)
		snprintf(out + n, len - n,
			 " (extended attributes not captured: more than %d, "
			 "or %d KiB)",
			 NONO_RB_XATTR_MAX_N, NONO_RB_XATTR_MAX_BYTES / 1024);
	n = strlen(out);
	if (from && to && other_owner(from, to) && n < len)
		snprintf(out + n, len - n, " (owner %lld -> %lld)", from->uid,
			 to->uid);
	n = strlen(out);
	if (from && to && other_group(from, to) && n < len)
		snprintf(out + n, len - n, " (group %lld -> %lld)", from->gid,
			 to->gid);
}

/* Whether @path is below an entry @m left out (a NONO_RB_SKIP ancestor)
 * or, with @opaque, below one @m could not look into (NONO_RB_OPAQUE). */
static bool below(const struct nono_rb_manifest *m, const char *path,
		  bool opaque)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n >= sizeof(buf))
		return false;
	memcpy(buf, path, n + 1);
	for (char *p = buf + n; p > buf; p--) {
		const struct nono_rb_entry *e;

		if (*p != '/')
			continue;
		*p = '\0';
		e = nono_rb_manifest_find(m, buf);
		if (e && (e->type == NONO_RB_SKIP ||
			  (opaque && e->type == NONO_RB_OPAQUE)))
			return true;
	}
	return false;
}

static bool is_fifo(const struct nono_rb_entry *e)
{
	return e && e->type == NONO_RB_OPAQUE &&
	       strcmp(e->target, NONO_RB_WHY_FIFO) == 0;
}

static bool left_out(const struct nono_rb_manifest *a,
		     const struct nono_rb_manifest *b,
		     const struct nono_rb_entry *e)
{
	const struct nono_rb_entry *x = nono_rb_manifest_find(a, e->path),
				   *y = nono_rb_manifest_find(b, e->path);

	/* Left out on one side only, there on the other (a regenerable
	 * directory the command replaced with a file): a change, though a
	 * restore cannot bring back what was never captured. */
	if (x && y && (x->type == NONO_RB_SKIP) != (y->type == NONO_RB_SKIP))
		return false;
	/* Left out now, not there before (nor below what @a could not
	 * look into): the command made it.  A .venv/bin/python or a
	 * node_modules/.bin/jest, which tools run without the user naming
	 * them, was hidden from the review and survived a restore. */
	if (!x && y && y->type == NONO_RB_SKIP && !below(a, e->path, true))
		return false;
	if (e->type == NONO_RB_SKIP || (x && x->type == NONO_RB_SKIP) ||
	    (y && y->type == NONO_RB_SKIP))
		return true;
	/* Nothing below what either could not look into: what became of
	 * it is unknown, the entry itself is the change. */
	return below(a, e->path, true) || below(b, e->path, true);
}

static bool same_xattrs(const struct nono_rb_entry *a,
			const struct nono_rb_entry *b)
{
	const char *x = a->xattrs ? a->xattrs : "",
		   *y = b->xattrs ? b->xattrs : "";

	return strcmp(x, y) == 0;
}

static bool same_content(const struct nono_rb_entry *a,
			 const struct nono_rb_entry *b)
{
	if (a->type != b->type)
		return false;
	if (a->type == NONO_RB_FILE)
		return memcmp(a->hash, b->hash, NONO_SHA256_LEN) == 0;
	if (a->type == NONO_RB_LINK)
		return strcmp(a->target, b->target) == 0;
	if (a->type == NONO_RB_OPAQUE) /* same kind, untouched since */
		return strcmp(a->target, b->target) == 0 &&
		       (is_fifo(a) ||
			(a->mtime_ns == b->mtime_ns && a->size == b->size));
	return true;
}

size_t nono_rb_diff(const struct nono_rb_manifest *from,
		    const struct nono_rb_manifest *to,
		    void (*fn)(void *arg, enum nono_rb_change c,
			       const struct nono_rb_entry *from_e,
			       const struct nono_rb_entry *to_e),
		    void *arg)
{
	size_t i = 0, j = 0, n = 0;

	while (i < from->n || j < to->n) {
		const struct nono_rb_entry *a =
		    i < from->n ? &from->e[i] : NULL;
		const struct nono_rb_entry *b = j < to->n ? &to->e[j] : NULL;
		int c = !a ? 1 : !b ? -1 : nono_rb_path_cmp(a->path, b->path);

		if (c < 0) {
			if (!left_out(from, to, a)) {
				n++;
				if (fn)
					fn(arg, NONO_RB_DELETED, a, NULL);
			}
			i++;
		} else if (c > 0) {
			if (!left_out(from, to, b)) {
				n++;
				if (fn)
					fn(arg, NONO_RB_CREATED, NULL, b);
			}
			j++;
		} else {
			if (!left_out(from, to, a)) {
				enum nono_rb_change k = NONO_RB_ATTRS;
				bool diff = true;

				if (!same_content(a, b))
					k = NONO_RB_MODIFIED;
				else if (a->mode != b->mode ||
					 !same_xattrs(a, b) ||
					 other_group(a, b) || other_owner(a, b))
					k = NONO_RB_ATTRS;
				else
					diff = false;
				if (diff) {
					n++;
					if (fn)
						fn(arg, k, a, b);
				}
			}
			i++;
			j++;
		}
	}
	return n;
}

/* ---- restore ----------------------------------------------------------- */

struct rs {
	struct nono_rb_store *store;
	const struct nono_rb_manifest *to;
	const struct nono_rb_manifest *cur; /* the tree as it is now */
	struct nono_rb_manifest scanned;
	struct nono_rb_restore_stats *st;
	const struct nono_rb_notes *notes; /* or NULL */
	bool dry;
	int rootfd;
	char pname[PATH_MAX]; /* the directory pfd is */
	int pfd;
	char *err;
	size_t errlen;
	uint8_t *buf; /* NONO_RB_CHUNK bytes: an object read to check it */
};

static int fail(struct rs *s, int r, const char *rel, const char *what)
{
	char shown[PATH_MAX];

	/* A name the command chose never drives the terminal. */
	nono_rb_shown(rel, shown, sizeof(shown));
	snprintf(s->err, s->errlen, "rollback restore: %s: %s: %s", shown, what,
		 strerror(-r));
	return r;
}

/* A directory beneath the root, no symlink on the way. */
static int beneath(struct rs *s, const char *rel)
{
	struct open_how how = {
	    .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
	    .resolve =
		RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	if (strcmp(rel, ".") == 0) {
		fd = fcntl(s->rootfd, F_DUPFD_CLOEXEC, 0);
		return fd < 0 ? -errno : fd;
	}
	fd = (int)syscall(SYS_openat2, s->rootfd, rel, &how, sizeof(how));
	return fd < 0 ? -errno : fd;
}

/* The parent directory of @rel (kept open for the next entry), and
 * @rel's last component in *@name. */
static int parent_of(struct rs *s, const char *rel, const char **name)
{
	const char *slash = strrchr(rel, '/');
	char dir[PATH_MAX];
	int fd;

	if (!slash) {
		snprintf(dir, sizeof(dir), ".");
		*name = rel;
	} else {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - rel), rel);
		*name = slash + 1;
	}
	if (s->pfd >= 0 && strcmp(dir, s->pname) == 0)
		return s->pfd;
	if (s->pfd >= 0)
		close(s->pfd);
	s->pfd = -1;
	fd = beneath(s, dir);
	if (fd < 0)
		return fd;
	s->pfd = fd;
	snprintf(s->pname, sizeof(s->pname), "%s", dir);
	return fd;
}

static int tmp_name(char out[32])
{
	uint8_t r[8];
	char hex[17];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return -EIO;
	nono_hex(r, sizeof(r), hex);
	snprintf(out, 32, TMP_PREFIX "%s", hex);
	return 0;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
				      : -1;
}

/* Whether what is there (@c) has other attributes than @e, which a
 * restore sets: never when @e's were not captured (too many to keep),
 * which it cannot set. */
static bool xattrs_differ(const struct nono_rb_entry *c,
			  const struct nono_rb_entry *e)
{
	return !nono_rb_xattrs_lost(e) && !same_xattrs(c, e);
}

/* Sets exactly the user.* attributes and ACLs @enc on @fd; those of an
 * entry whose attributes were not captured are left as they are. */
static int set_xattrs(int fd, const char *enc)
{
	ssize_t want, n = 0;
	char *names;
	uint8_t *val;
	int r = 0;

	if (enc && strcmp(enc, NONO_RB_XATTRS_LOST) == 0)
		return 0;
	want = flistxattr(fd, NULL, 0);
	names = want > 0 ? malloc((size_t)want) : NULL;
	val = malloc(65536);
	if (!val || (want > 0 && !names)) {
		r = -ENOMEM;
		goto out;
	}
	if (names)
		n = flistxattr(fd, names, (size_t)want);
	for (char *p = names; n > 0 && p < names + n; p += strlen(p) + 1)
		if (nono_rb_xattr_kept(p) && fremovexattr(fd, p) < 0 &&
		    errno != ENODATA) {
			r = -errno;
			goto out;
		}
	for (const char *p = enc; p && *p;) {
		size_t l = strcspn(p, ","), eq = strcspn(p, "=");
		char name[256];
		size_t nl, vl;

		if (eq >= l || eq / 2 >= sizeof(name) ||
		    (l - eq - 1) / 2 > 65536) {
			r = -EINVAL;
			goto out;
		}
		nl = eq / 2;
		vl = (l - eq - 1) / 2;
		for (size_t i = 0; i < nl; i++)
			name[i] = (char)(hexval(p[2 * i]) << 4 |
					 hexval(p[2 * i + 1]));
		name[nl] = '\0';
		for (size_t i = 0; i < vl; i++)
			val[i] = (uint8_t)(hexval(p[eq + 1 + 2 * i]) << 4 |
					   hexval(p[eq + 2 + 2 * i]));
		if (fsetxattr(fd, name, val, vl, 0) < 0) {
			r = -errno;
			goto out;
		}
		p += l;
		if (*p == ',')
			p++;
	}
out:
	free(names);
	free(val);
	return r;
}

static int set_mtime_at(int pfd, const char *name, long long mtime_ns)
{
	struct timespec t[2] = {{0, UTIME_OMIT},
				{(time_t)(mtime_ns / 1000000000LL),
				 (long)(mtime_ns % 1000000000LL)}};

	if (mtime_ns < 0 && t[1].tv_nsec) {
		t[1].tv_sec -= 1;
		t[1].tv_nsec += 1000000000L;
	}
	return utimensat(pfd, name, t, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

/* Whether @e's owner or group owner is to be set on what is there (@c,
 * or NULL: made by the restore): the snapshot records one (the owner from
 * version 3, the group from version 2) that @c does not have. */
static bool reown(const struct nono_rb_entry *c, const struct nono_rb_entry *e)
{
	return (e->gid >= 0 && (!c || c->gid != e->gid)) ||
	       (e->uid >= 0 && (!c || c->uid != e->uid));
}

/* Says @fmt about @e's path through the notes: one line, the whole path
 * (the user acts on it), a name the command chose never driving the
 * terminal. */
__attribute__((format(printf, 3, 4))) static void
note(struct rs *s, const struct nono_rb_entry *e, const char *fmt, ...)
{
	char full[PATH_MAX * 2 + 2], shown[PATH_MAX * 2], what[256],
	    line[PATH_MAX * 2 + 300];
	va_list ap;

	if (!s->notes || !s->notes->fn)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "%s%s%s", s->to->root,
		 strcmp(e->path, ".") ? "/" : "",
		 strcmp(e->path, ".") ? e->path : "");
	nono_rb_shown(full, shown, sizeof(shown));
	snprintf(line, sizeof(line), "rollback restore: %s: %s", shown, what);
	s->notes->fn(s->notes->arg, line);
}

static int chown_at(int fd, const char *name, uid_t u, gid_t g)
{
	return name ? fchownat(fd, name, u, g, AT_SYMLINK_NOFOLLOW)
		    : fchown(fd, u, g);
}

/*
 * Gives @e's owner and group owner back to @name in @fd, never through a
 * symlink (AT_SYMLINK_NOFOLLOW), or, @name NULL, to @fd itself, each only
 * where the snapshot records it (the owner from version 3, the group from
 * version 2) and it differs.  What a restore makes is the restorer's: run
 * by root, another user's file came back root's (a 0600 secret of that
 * user readable by the next root-run sandbox, a setuid binary of that
 * user setuid root).  Only root may give a file to another user, and a
 * user may give it only one of the user's groups: the kernel's refusal
 * (EPERM) of either is said in one line through the notes, and the
 * restore goes on (the rest of the tree is worth more).  *@changed:
 * whether it chowned (the kernel then dropped a non-directory's setuid
 * and setgid bits); *@owned: whether the object is the snapshot's owner's
 * now (never when the snapshot does not say who that is).  0 or -errno.
 */
static int put_owner(struct rs *s, int fd, const char *name,
		     const struct nono_rb_entry *e, bool *changed, bool *owned)
{
	uid_t u = (uid_t)-1;
	gid_t g = (gid_t)-1;
	struct stat st;
	int r;

	*changed = *owned = false;
	if (e->gid < 0 && e->uid < 0)
		return 0;
	r = name ? fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) : fstat(fd, &st);
	if (r < 0)
		return -errno;
	if (e->uid >= 0 && (long long)st.st_uid != e->uid)
		u = (uid_t)e->uid;
	if (e->gid >= 0 && (long long)st.st_gid != e->gid)
		g = (gid_t)e->gid;
	*owned = e->uid >= 0 && u == (uid_t)-1;
	if (u != (uid_t)-1) {
		/* Both at once: one chown, as root does it. */
		if (chown_at(fd, name, u, g) == 0) {
			*changed = *owned = true;
			return 0;
		}
		if (errno != EPERM)
			return -errno;
		s->st->owners_refused++;
		note(s, e,
		     "owner %lld not set back (now %lld): only root may give "
		     "a file to another user; the restore went on",
		     e->uid, (long long)st.st_uid);
	}
	if (g == (gid_t)-1)
		return 0;
	if (chown_at(fd, name, (uid_t)-1, g) == 0) {
		*changed = true;
		return 0;
	}
	if (errno != EPERM)
		return -errno;
	s->st->groups_refused++;
	note(s, e,
	     "group owner %lld not set back (now %lld): the kernel refused "
	     "(not a member of that group any more?); the restore went on",
	     e->gid, (long long)st.st_gid);
	return 0;
}

/*
 * The mode a restore gives @e, whose object is now its snapshot owner's
 * (@owned) or not: a setuid or setgid bit goes back only on a file of the
 * user who had it.  Not the owner's: the file is the restorer's (a user
 * cannot give it away; a version-1 or -2 snapshot does not say whose it
 * was), and another user's setuid file would come back setuid root when
 * root restores it.  Said through the notes.  A directory keeps its bits
 * (setgid there passes its group on to new entries; it runs nothing).
 */
static unsigned safe_mode(struct rs *s, const struct nono_rb_entry *e,
			  bool owned)
{
	if (owned || !(e->mode & 06000) || e->type == NONO_RB_DIR)
		return e->mode;
	s->st->setid_dropped++;
	note(s, e, "%s not put back: %s",
	     (e->mode & 06000) == 06000 ? "setuid and setgid bits"
	     : e->mode & 04000          ? "setuid bit"
					: "setgid bit",
	     e->uid < 0 ? "the snapshot does not record its owner (a session "
			  "recorded before owners were kept)"
			: "its owner could not be set back");
	return e->mode & ~06000u;
}

/* Copies [@off, @end) of @in to the same place in @out. */
static int copy_range(int in, int out, off_t off, off_t end)
{
	char buf[65536];

	while (off < end) {
		loff_t a = off, b = off;
		ssize_t n =
		    copy_file_range(in, &a, out, &b, (size_t)(end - off), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EXDEV || errno == EINVAL ||
			      errno == EOPNOTSUPP || errno == ENOSYS)) {
			size_t want = (size_t)(end - off) < sizeof(buf)
					  ? (size_t)(end - off)
					  : sizeof(buf);

			n = pread(in, buf, want, off);
			if (n > 0 && pwrite(out, buf, (size_t)n, off) != n)
				return -EIO;
		}
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* the object is short */
		off += n;
	}
	return 0;
}

/* Copies object @hash into @out: a reflink where the filesystem can,
 * else its data (its holes stay holes: a sparse file is not written out
 * whole). */
static int fill(struct rs *s, const struct nono_rb_entry *e, int out)
{
	/* Checked against its name: an object cut short, zeroed by a crash
	 * or changed is said, never written. */
	int in = nono_rb_store_get_checked(s->store, e->hash, s->buf);
	off_t size = (off_t)e->size, pos = 0;
	struct stat st;
	int r = 0;

	if (in < 0)
		return in;
	/* An object cut short (or grown) is not the content: said, never
	 * written as zeros. */
	if (fstat(in, &st) < 0 || st.st_size != size) {
		close(in);
		return -EBADMSG;
	}
	if (ioctl(out, FICLONE, in) == 0) {
		close(in);
		return 0;
	}
	while (r == 0 && pos < size) {
		off_t data = lseek(in, pos, SEEK_DATA), hole;

		if (data < 0 && errno == ENXIO)
			break;  /* a hole to the end */
		if (data < 0) { /* no SEEK_DATA there: all of it */
			r = copy_range(in, out, pos, size);
			break;
		}
		hole = lseek(in, data, SEEK_HOLE);
		if (hole < 0 || hole > size)
			hole = size;
		r = copy_range(in, out, data, hole);
		pos = hole;
	}
	if (r == 0 && ftruncate(out, size) < 0)
		r = -errno;
	close(in);
	return r;
}

/* Writes @e (a file) to a temporary name in @pfd, then renames it over
 * @name: content, group owner, attributes, mode, mtime. */
static int put_file(struct rs *s, int pfd, const char *name,
		    const struct nono_rb_entry *e)
{
	char tmp[32];
	struct timespec t[2];
	bool chg = false, owned = false;
	int fd, r;

	mode_t was = (mode_t)-1;

	if ((r = tmp_name(tmp)) < 0)
		return r;
	fd = openat(pfd, tmp,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EACCES && nono_rb_make_writable(pfd, &was) == 0)
		fd = openat(
		    pfd, tmp,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		nono_rb_undo_writable(pfd, was);
		return r;
	}
	r = fill(s, e, fd);
	/* The owner before the mode: a chown drops setuid and setgid, and
	 * they go back only on a file of their owner's. */
	if (r == 0)
		r = put_owner(s, fd, NULL, e, &chg, &owned);
	if (r == 0)
		r = set_xattrs(fd, e->xattrs);
	if (r == 0 && fchmod(fd, safe_mode(s, e, owned)) < 0)
		r = -errno;
	t[0].tv_nsec = UTIME_OMIT;
	t[0].tv_sec = 0;
	t[1].tv_sec = (time_t)(e->mtime_ns / 1000000000LL);
	t[1].tv_nsec = (long)(e->mtime_ns % 1000000000LL);
	if (t[1].tv_nsec < 0) { /* before 1970: a whole second less */
		t[1].tv_sec -= 1;
		t[1].tv_nsec += 1000000000L;
	}
	if (r == 0 && futimens(fd, t) < 0)
		r = -errno;
	close(fd);
	if (r == 0 && renameat(pfd, tmp, pfd, name) < 0)
		r = -errno;
	if (r < 0)
		unlinkat(pfd, tmp, 0);
	nono_rb_undo_writable(pfd, was);
	return r;
}

static int put_link(struct rs *s, int pfd, const char *name,
		    const struct nono_rb_entry *e)
{
	char tmp[32];
	bool chg = false, owned = false;
	int r = tmp_name(tmp);

	if (r < 0)
		return r;
	if (symlinkat(e->target, pfd, tmp) < 0)
		return -errno;
	/* The link itself (lchown), never what it points to. */
	r = put_owner(s, pfd, tmp, e, &chg, &owned);
	if (r == 0 && (r = set_mtime_at(pfd, tmp, e->mtime_ns)) == 0 &&
	    renameat(pfd, tmp, pfd, name) < 0)
		r = -errno;
	if (r < 0)
		unlinkat(pfd, tmp, 0);
	return r;
}

/* A hard link of @first's path at @name (unless it is one already). */
static int put_hardlink(struct rs *s, const char *rel,
			const struct nono_rb_entry *first)
{
	const char *name, *fname;
	char fdir[PATH_MAX], tmp[32];
	struct stat a, b;
	int pfd, ffd, r;

	snprintf(fdir, sizeof(fdir), "%s", first->path);
	fname = strrchr(first->path, '/') ? strrchr(first->path, '/') + 1
					  : first->path;
	if (strrchr(fdir, '/'))
		*strrchr(fdir, '/') = '\0';
	else
		snprintf(fdir, sizeof(fdir), ".");
	ffd = beneath(s, fdir);
	if (ffd < 0)
		return ffd;
	pfd = parent_of(s, rel, &name);
	if (pfd < 0) {
		close(ffd);
		return pfd;
	}
	if (fstatat(ffd, fname, &a, AT_SYMLINK_NOFOLLOW) == 0 &&
	    fstatat(pfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
		close(ffd);
		return 0;
	}
	r = tmp_name(tmp);
	if (r == 0 && linkat(ffd, fname, pfd, tmp, 0) < 0)
		r = -errno;
	if (r == 0 && renameat(pfd, tmp, pfd, name) < 0) {
		r = -errno;
		unlinkat(pfd, tmp, 0);
	}
	close(ffd);
	if (r == 0)
		s->st->written++;
	return r;
}

/* Whether @m left out anything below directory @c.  Its descendants
 * are the paths from "DIR/" on with that prefix (a sibling such as
 * "DIR-x" sorts between "DIR" and them). */
static bool holds_skipped(const struct nono_rb_manifest *m,
			  const struct nono_rb_entry *c)
{
	size_t n = strlen(c->path), lo = 0, hi = m->n;
	char prefix[PATH_MAX + 1];

	if (n + 1 >= sizeof(prefix))
		return true; /* cannot tell: keep it */
	memcpy(prefix, c->path, n);
	prefix[n] = '/';
	prefix[n + 1] = '\0';
	while (lo < hi) { /* the first path not before the prefix */
		size_t mid = lo + (hi - lo) / 2;

		if (nono_rb_path_cmp(m->e[mid].path, prefix) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo;
	     i < m->n && strncmp(m->e[i].path, prefix, n + 1) == 0; i++)
		if (m->e[i].type == NONO_RB_SKIP)
			return true;
	return false;
}

/* Removes what is at @rel now (@c: its entry in the scan). */
static int remove_entry(struct rs *s, const struct nono_rb_entry *c)
{
	const char *name;
	int pfd, r;

	if (c->type == NONO_RB_DIR && holds_skipped(s->to, c)) {
		/* Holds what the snapshot left out (never when the
		 * directory is not in it: what the scope leaves out there
		 * now is the command's, removed first): never ours. */
		s->st->not_restorable++;
		return 0;
	}
	s->st->deleted++;
	if (s->dry)
		return 0;
	pfd = parent_of(s, c->path, &name);
	if (pfd < 0)
		return pfd == -ENOENT
			   ? 0
			   : fail(s, pfd, c->path, "open its directory");
	if (c->type == NONO_RB_OPAQUE || c->type == NONO_RB_DIR ||
	    c->type == NONO_RB_SKIP) {
		/* What the scan could not look into, or did not (left out
		 * by the scope), or what appeared in a directory since:
		 * all of it. */
		r = nono_rb_remove_tree(pfd, name);
		return r < 0 ? fail(s, r, c->path, "remove") : 0;
	}
	r = nono_rb_unlink_in(pfd, name, 0);
	return r < 0 ? fail(s, r, c->path, "remove") : 0;
}

/* The owner, group owner and mode of @name in @pfd (not a directory),
 * @c as the scan saw it (NULL: just made), set back as @e has them: the
 * owner first (a chown drops setuid and setgid), then the mode, its
 * set-id bits only where the owner is @e's (safe_mode).  0 or -errno
 * (said). */
static int put_attrs(struct rs *s, int pfd, const char *name,
		     const struct nono_rb_entry *c,
		     const struct nono_rb_entry *e)
{
	bool chg = false, owned = c && e->uid >= 0 && c->uid == e->uid;
	unsigned mode;
	int r;

	if (reown(c, e) && (r = put_owner(s, pfd, name, e, &chg, &owned)) < 0)
		return fail(s, r, e->path, "chown");
	mode = safe_mode(s, e, owned);
	if ((!c || (c->mode & 07777) != mode || (chg && (mode & 06000))) &&
	    fchmodat(pfd, name, mode, AT_SYMLINK_NOFOLLOW) < 0)
		return fail(s, -errno, e->path, "chmod");
	return 0;
}

static int apply(struct rs *s, const struct nono_rb_entry *e)
{
	const struct nono_rb_entry *c = nono_rb_manifest_find(s->cur, e->path);
	const char *name;
	bool chg = false, owned = false;
	int pfd, r = 0;

	if (e->type == NONO_RB_SKIP) {
		if (!c || c->type != NONO_RB_SKIP)
			s->st->not_restorable++; /* never captured */
		return 0;
	}
	if (c && c->type == NONO_RB_SKIP)
		return 0; /* left out now: not ours to change */
	if (e->type == NONO_RB_OPAQUE && !is_fifo(e)) {
		/* Its content was never captured: what is there stays. */
		if (!c || !same_content(c, e))
			s->st->not_restorable++;
		return 0;
	}
	if (e->link >= 0 && e->link != (long long)(e - s->to->e)) {
		if (s->dry) {
			s->st->written += !c || !same_content(c, e);
			return 0;
		}
		r = put_hardlink(s, e->path, &s->to->e[e->link]);
		return r < 0 ? fail(s, r, e->path, "link") : 0;
	}
	if (strcmp(e->path, ".") == 0) {
		name = ".";
		pfd = s->rootfd;
	} else if (!s->dry) {
		pfd = parent_of(s, e->path, &name);
		if (pfd < 0)
			return fail(s, pfd, e->path, "open its directory");
	} else {
		pfd = -1;
		name = e->path;
	}
	if (c &&
	    (c->type != e->type || (c->type == NONO_RB_OPAQUE && !is_fifo(c))))
		c = NULL; /* removed already (a type change) */
	switch (e->type) {
	case NONO_RB_DIR:
		if (!c) {
			s->st->written++;
			if (!s->dry && mkdirat(pfd, name, 0700) < 0 &&
			    errno != EEXIST)
				return fail(s, -errno, e->path, "mkdir");
		}
		/* Writable for its owner while its content is put back (a
		 * read-only directory's entries too); its own mode at the
		 * end, with its mtime. */
		if (!c || c->mode != (e->mode | 0700) || xattrs_differ(c, e) ||
		    reown(c, e)) {
			int dfd;

			s->st->attrs +=
			    c && (c->mode != e->mode || xattrs_differ(c, e) ||
				  reown(c, e));
			if (s->dry)
				return 0;
			dfd = beneath(s, e->path);
			if (dfd < 0)
				return fail(s, dfd, e->path, "open");
			/* The directory it holds, its owner first. */
			r = put_owner(s, dfd, NULL, e, &chg, &owned);
			if (r < 0) {
				close(dfd);
				return fail(s, r, e->path, "chown");
			}
			r = set_xattrs(dfd, e->xattrs);
			if (r == 0 && fchmod(dfd, e->mode | 0700) < 0)
				r = -errno;
			close(dfd);
			if (r < 0)
				return fail(s, r, e->path, "mode");
		}
		return 0; /* its mtime at the end, after its content */
	case NONO_RB_FILE:
		if (!c || !same_content(c, e) || xattrs_differ(c, e)) {
			s->st->written++;
			if (!s->dry && (r = put_file(s, pfd, name, e)) < 0)
				return fail(s, r, e->path, "write");
			return 0;
		}
		if (c->mode != e->mode || reown(c, e))
			s->st->attrs++;
		if (s->dry)
			return 0;
		/* The owner first: a chown drops setuid and setgid. */
		if ((c->mode != e->mode || reown(c, e)) &&
		    (r = put_attrs(s, pfd, name, c, e)) < 0)
			return r;
		if (c->mtime_ns != e->mtime_ns &&
		    (r = set_mtime_at(pfd, name, e->mtime_ns)) < 0)
			return fail(s, r, e->path, "mtime");
		return 0;
	case NONO_RB_LINK:
		if (!c || !same_content(c, e)) {
			s->st->written++;
			if (!s->dry && (r = put_link(s, pfd, name, e)) < 0)
				return fail(s, r, e->path, "symlink");
			return 0;
		}
		if (reown(c, e)) {
			s->st->attrs++;
			if (!s->dry &&
			    (r = put_owner(s, pfd, name, e, &chg, &owned)) < 0)
				return fail(s, r, e->path, "chown");
		}
		if (c->mtime_ns != e->mtime_ns && !s->dry &&
		    (r = set_mtime_at(pfd, name, e->mtime_ns)) < 0)
			return fail(s, r, e->path, "mtime");
		return 0;
	case NONO_RB_OPAQUE: /* a FIFO: made again */
		if (!c) {
			s->st->written++;
			if (!s->dry && mkfifoat(pfd, name, 0600) < 0 &&
			    errno != EEXIST)
				return fail(s, -errno, e->path, "mkfifo");
		} else if (c->mode != e->mode || reown(c, e)) {
			s->st->attrs++;
		}
		if (s->dry)
			return 0;
		if ((!c || c->mode != e->mode || reown(c, e)) &&
		    (r = put_attrs(s, pfd, name, c, e)) < 0)
			return r;
		if ((!c || c->mtime_ns != e->mtime_ns) &&
		    (r = set_mtime_at(pfd, name, e->mtime_ns)) < 0)
			return fail(s, r, e->path, "mtime");
		return 0;
	default:
		return 0;
	}
}

int nono_rb_restore(struct nono_rb_store *store,
		    const struct nono_rb_manifest *target,
		    const struct nono_rb_scope *scope,
		    struct nono_rb_cache *cache,
		    const struct nono_rb_manifest *now, bool dry_run,
		    struct nono_rb_restore_stats *st,
		    const struct nono_rb_notes *notes, char *err, size_t errlen)
{
	struct nono_rb_restore_stats dummy;
	struct nono_rb_scope sc = *scope;
	struct rs s = {0};
	int r = 0;

	s.store = store;
	s.to = target;
	s.st = st ? st : &dummy;
	memset(s.st, 0, sizeof(*s.st));
	s.notes = notes;
	s.dry = dry_run;
	s.pfd = -1;
	s.err = err;
	s.errlen = errlen;
	/* Every directory of the tree as it is now (none left out for its
	 * size: the snapshot says what it had), unless the caller has just
	 * captured it. */
	sc.max_files = 0;
	nono_rb_manifest_init(&s.scanned);
	s.cur = now ? now : &s.scanned;
	if (!now && (r = nono_rb_scan(target->root, &sc, target, cache,
				      &s.scanned, err, errlen)) < 0)
		return r;
	s.buf = malloc(NONO_RB_CHUNK);
	if (!s.buf)
		errno = ENOMEM;
	s.rootfd = s.buf ? nono_rb_open_root(target->root) : -1;
	if (s.rootfd < 0) {
		free(s.buf);
		r = fail(&s, -errno, target->root, "open");
		nono_rb_manifest_free(&s.scanned);
		return r;
	}
	/* What is there now and was not then (or is of another type),
	 * deepest first; never below what either left out. */
	for (size_t i = s.cur->n; r == 0 && i-- > 0;) {
		const struct nono_rb_entry *c = &s.cur->e[i], *e;

		if (strcmp(c->path, ".") == 0 || below(target, c->path, true) ||
		    below(s.cur, c->path, false))
			continue;
		e = nono_rb_manifest_find(target, c->path);
		if (c->type == NONO_RB_SKIP) {
			/* Left out by the scope, and not there then: made
			 * by the command (a .venv with a bin/python of its
			 * own).  Nothing of the user's was there.  One the
			 * snapshot has stays as it is. */
			if (!e)
				r = remove_entry(&s, c);
			continue;
		}
		if (e && (e->type == NONO_RB_SKIP ||
			  (e->type == NONO_RB_OPAQUE && !is_fifo(e))))
			continue; /* nothing to put back there */
		if (!e || e->type != c->type ||
		    (c->type == NONO_RB_OPAQUE && !is_fifo(c)))
			r = remove_entry(&s, c);
	}
	/* Then the snapshot, parents first. */
	for (size_t i = 0; r == 0 && i < target->n; i++) {
		if (below(target, target->e[i].path, true) ||
		    below(s.cur, target->e[i].path, false))
			continue;
		r = apply(&s, &target->e[i]);
	}
	/* Directories' modes and mtimes last, deepest first (their content
	 * is done). */
	for (size_t i = target->n; r == 0 && !s.dry && i-- > 0;) {
		const struct nono_rb_entry *e = &target->e[i];
		const char *name;
		int pfd;

		if (e->type != NONO_RB_DIR || below(target, e->path, true) ||
		    below(s.cur, e->path, false))
			continue;
		if (strcmp(e->path, ".") == 0) {
			pfd = s.rootfd;
			name = ".";
		} else if ((pfd = parent_of(&s, e->path, &name)) < 0) {
			r = fail(&s, pfd, e->path, "open its directory");
			break;
		}
		if ((e->mode & 0700) != 0700 &&
		    (strcmp(e->path, ".") == 0
			 ? fchmod(s.rootfd, e->mode)
			 : fchmodat(pfd, name, e->mode, AT_SYMLINK_NOFOLLOW)) <
			0) {
			r = fail(&s, -errno, e->path, "mode");
			break;
		}
		if ((r = set_mtime_at(pfd, name, e->mtime_ns)) < 0)
			fail(&s, r, e->path, "mtime");
	}
	if (r == 0 && !s.dry && syncfs(s.rootfd) < 0)
		r = fail(&s, -errno, target->root, "sync");
	if (s.pfd >= 0)
		close(s.pfd);
	close(s.rootfd);
	free(s.buf);
	nono_rb_manifest_free(&s.scanned);
	return r;
}
