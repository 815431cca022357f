// SPDX-License-Identifier: Apache-2.0
/* The rollback object store (see objects.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rollback/objects.h"
#include "util/linux_calls.h"

#define CHUNK NONO_RB_CHUNK
/* Made with the first delta object (see nono_rb_store.deltas). */
#define DELTAS_MARK "deltas"

static int mkdir_at(int dirfd, const char *name)
{
	if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int nono_rb_store_open(struct nono_rb_store *s, const char *dir)
{
	int dfd, r;

	uint8_t rnd[8];

	memset(s, 0, sizeof(*s));
	s->fd = s->tmpfd = s->lockfd = -1;
	s->max_file = NONO_RB_MAX_FILE;
	s->room = -1;
	pthread_mutex_init(&s->lock, NULL);
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -EIO;
	nono_hex(rnd, sizeof(rnd), s->tmp_prefix);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	r = mkdir_at(dfd, "objects");
	if (r == 0) {
		s->fd = openat(dfd, "objects",
			       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s->fd < 0)
			r = -errno;
	}
	close(dfd);
	if (r == 0)
		atomic_store(&s->deltas,
			     faccessat(s->fd, DELTAS_MARK, F_OK, 0) == 0);
	if (r == 0 && (r = mkdir_at(s->fd, "tmp")) == 0) {
		s->tmpfd =
		    openat(s->fd, "tmp",
			   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s->tmpfd < 0)
			r = -errno;
	}
	if (r < 0)
		nono_rb_store_close(s);
	return r;
}

void nono_rb_store_close(struct nono_rb_store *s)
{
	if (s->fd >= 0)
		close(s->fd);
	if (s->tmpfd >= 0)
		close(s->tmpfd);
	if (s->lockfd >= 0)
		close(s->lockfd);
	s->fd = s->tmpfd = s->lockfd = -1;
}

int nono_rb_store_lock(struct nono_rb_store *s, int how)
{
	if (s->lockfd < 0) {
		s->lockfd =
		    openat(s->fd, "lock",
			   O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (s->lockfd < 0)
			return -errno;
	}
	while (flock(s->lockfd, how) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

/* "ab/cdef..." for @hash. */
static void obj_name(const uint8_t hash[NONO_SHA256_LEN], char out[68])
{
	char hex[NONO_SHA256_HEX];

	nono_hex(hash, NONO_SHA256_LEN, hex);
	snprintf(out, 68, "%.2s/%s", hex, hex + 2);
}

static int pwrite_all(int fd, const uint8_t *p, size_t n, off_t off)
{
	while (n) {
		ssize_t w = pwrite(fd, p, n, off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
		off += w;
	}
	return 0;
}

/* An object's file, open: a regular file (a FIFO put there neither
 * blocks nor is read: -EBADMSG), or -errno. */
static int open_obj(const struct nono_rb_store *s,
		    const uint8_t hash[NONO_SHA256_LEN], bool delta)
{
	char name[72];
	struct stat st;
	int fd;

	obj_name(hash, name);
	if (delta)
		strcat(name, NONO_RB_DELTA_SUFFIX);
	fd = openat(s->fd, name,
		    O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return errno == ELOOP ? -EBADMSG : -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int r = S_ISREG(st.st_mode) ? -errno : -EBADMSG;

		close(fd);
		return r;
	}
	return fd;
}

static int open_full(const struct nono_rb_store *s,
		     const uint8_t hash[NONO_SHA256_LEN])
{
	return open_obj(s, hash, false);
}

static int open_delta(const struct nono_rb_store *s,
		      const uint8_t hash[NONO_SHA256_LEN])
{
	return open_obj(s, hash, true);
}

static int pread_all(int fd, uint8_t *p, size_t n, off_t off)
{
	while (n) {
		ssize_t r = pread(fd, p, n, off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EBADMSG; /* shorter than it says */
		p += r;
		n -= (size_t)r;
		off += r;
	}
	return 0;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

int nono_rb_delta_parse(const uint8_t *hdr, size_t len,
			unsigned long long file_size, struct nono_rb_delta *d)
{
	if (len < NONO_RB_DELTA_HDR ||
	    memcmp(hdr, NONO_RB_DELTA_MAGIC, 8) != 0 ||
	    file_size < NONO_RB_DELTA_HDR)
		return -EBADMSG;
	memcpy(d->base, hdr + 8, NONO_SHA256_LEN);
	d->prefix = get64(hdr + 40);
	d->suffix = get64(hdr + 48);
	d->size = get64(hdr + 56);
	d->literal = file_size - NONO_RB_DELTA_HDR;
	/* Every sum below stays far from overflowing. */
	if (d->size > NONO_RB_CHUNK || d->prefix > d->size ||
	    d->suffix > d->size || d->literal > d->size ||
	    d->prefix + d->suffix + d->literal != d->size)
		return -EBADMSG;
	return 0;
}

/* The header of the delta object open as @fd. */
static int delta_of(int fd, struct nono_rb_delta *d)
{
	uint8_t hdr[NONO_RB_DELTA_HDR];
	struct stat st;
	int r = fstat(fd, &st) < 0 ? -errno : 0;

	if (r == 0 && !S_ISREG(st.st_mode))
		r = -EBADMSG;
	if (r == 0 && st.st_size < NONO_RB_DELTA_HDR)
		r = -EBADMSG;
	if (r == 0)
		r = pread_all(fd, hdr, sizeof(hdr), 0);
	if (r == 0)
		r = nono_rb_delta_parse(hdr, sizeof(hdr),
					(unsigned long long)st.st_size, d);
	return r;
}

int nono_rb_store_delta_base(const struct nono_rb_store *s,
			     const uint8_t hash[NONO_SHA256_LEN],
			     struct nono_rb_delta *d)
{
	int fd = open_delta(s, hash), r;

	if (fd < 0)
		return fd;
	r = delta_of(fd, d);
	close(fd);
	return r;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Copies @n bytes of @in at @off to the end of @out, hashed into @c. */
static int copy_out(int in, off_t off, uint64_t n, int out,
		    struct nono_sha256 *c)
{
	uint8_t b[8192];

	while (n) {
		size_t want = n < sizeof(b) ? (size_t)n : sizeof(b);
		int r = pread_all(in, b, want, off);

		if (r < 0 || (r = write_all(out, b, want)) < 0)
			return r;
		nono_sha256_update(c, b, want);
		off += (off_t)want;
		n -= want;
	}
	return 0;
}

/* A delta object made whole, in a memfd at offset 0 (its base is a full
 * object: a delta is never made against a delta), checked against its
 * name @hash: a base cut short or changed never makes wrong content. */
static int materialize(const struct nono_rb_store *s, int dfd,
		       const struct nono_rb_delta *d,
		       const uint8_t hash[NONO_SHA256_LEN])
{
	uint8_t got[NONO_SHA256_LEN];
	struct nono_sha256 c;
	struct stat bst;
	int base = open_full(s, d->base), out, r;

	if (base < 0)
		return base == -ENOENT ? -EBADMSG : base;
	if (fstat(base, &bst) < 0) {
		r = -errno;
		close(base);
		return r;
	}
	if (!S_ISREG(bst.st_mode) ||
	    (unsigned long long)bst.st_size < d->prefix + d->suffix) {
		close(base);
		return -EBADMSG;
	}
	out =
	    (int)syscall(SYS_memfd_create, "nono-rollback-object", MFD_CLOEXEC);
	if (out < 0) {
		r = -errno;
		close(base);
		return r;
	}
	nono_sha256_init(&c);
	r = copy_out(base, 0, d->prefix, out, &c);
	if (r == 0)
		r = copy_out(dfd, NONO_RB_DELTA_HDR, d->literal, out, &c);
	if (r == 0)
		r = copy_out(base, bst.st_size - (off_t)d->suffix, d->suffix,
			     out, &c);
	close(base);
	nono_sha256_final(&c, got);
	if (r == 0 && memcmp(got, hash, NONO_SHA256_LEN) != 0)
		r = -EBADMSG;
	if (r == 0 && lseek(out, 0, SEEK_SET) < 0)
		r = -errno;
	if (r < 0) {
		close(out);
		return r;
	}
	return out;
}

static int copy_hash(int fd, int out, off_t size, uint8_t *buf,
		     uint8_t hash[NONO_SHA256_LEN]);

/* The delta object of @hash made whole (a memfd), checked: -ENOENT when
 * there is none. */
static int get_delta(const struct nono_rb_store *s,
		     const uint8_t hash[NONO_SHA256_LEN])
{
	struct nono_rb_delta d;
	int dfd = open_delta(s, hash), r;

	if (dfd < 0)
		return dfd;
	r = delta_of(dfd, &d);
	if (r == 0)
		r = materialize(s, dfd, &d, hash);
	close(dfd);
	return r;
}

int nono_rb_store_get_checked(const struct nono_rb_store *s,
			      const uint8_t hash[NONO_SHA256_LEN], uint8_t *buf)
{
	uint8_t got[NONO_SHA256_LEN];
	int fd = open_full(s, hash), r;

	if (fd >= 0) {
		r = copy_hash(fd, -1, -1, buf, got);
		if (r == 0 && memcmp(got, hash, NONO_SHA256_LEN) == 0)
			return fd;
		close(fd);
		fd = r < 0 ? r : -EBADMSG;
	}
	if (fd != -ENOENT && fd != -EBADMSG)
		return fd;
	/* No whole object, or a bad one: the delta, checked as it is
	 * rebuilt. */
	r = get_delta(s, hash);
	return r == -ENOENT ? fd : r;
}

int nono_rb_store_get(const struct nono_rb_store *s,
		      const uint8_t hash[NONO_SHA256_LEN])
{
	int fd = open_full(s, hash);

	return fd != -ENOENT ? fd : get_delta(s, hash);
}

static bool same(const struct stat *a, const struct stat *b)
{
	return a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static bool zeros(const uint8_t *p, size_t n)
{
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/* Writes the 4 KiB blocks of @buf (at @off in @out) that are not all
 * zeros, runs of them in one call: a block of zeros stays a hole, so an
 * object takes the disk its file takes (one byte every 256 KiB made a
 * 512 MiB object of an 8 MiB file).  *@hole: whether it ends in one. */
static int write_data(int out, const uint8_t *buf, size_t n, off_t off,
		      bool *hole)
{
	size_t run = 0, i;

	*hole = false;
	for (i = 0; i < n; i += 4096) {
		size_t len = n - i < 4096 ? n - i : 4096;
		bool z = zeros(buf + i, len);

		if (!z)
			continue;
		if (i > run) {
			int r = pwrite_all(out, buf + run, i - run,
					   off + (off_t)run);

			if (r < 0)
				return r;
		}
		run = i + len;
		*hole = run == n;
	}
	if (n > run)
		return pwrite_all(out, buf + run, n - run, off + (off_t)run);
	return 0;
}

/* Hashes what @fd holds from its start, copying it into @out unless
 * @out is -1 (a clone or an object, only hashed): one read, up to @size
 * bytes when @size >= 0 (the caller compares fstat before and after: a
 * file that grew or shrank meanwhile is read again), else to its end.
 * A chunk of zeros is not written (a hole in @out, which ends at the
 * same size). */
static int copy_hash(int fd, int out, off_t size, uint8_t *buf,
		     uint8_t hash[NONO_SHA256_LEN])
{
	struct nono_sha256 c;
	off_t off = 0;
	bool hole_at_end = false;
	ssize_t n;
	int r;

	nono_sha256_init(&c);
	while (size < 0 || off < size) {
		size_t want = size < 0 || size - off > CHUNK
				  ? CHUNK
				  : (size_t)(size - off);

		n = pread(fd, buf, want, off);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		nono_sha256_update(&c, buf, (size_t)n);
		if (out >= 0 && (r = write_data(out, buf, (size_t)n, off,
						&hole_at_end)) < 0)
			return r;
		off += n;
	}
	if (out >= 0 && hole_at_end && ftruncate(out, off) < 0)
		return -errno;
	nono_sha256_final(&c, hash);
	return 0;
}

/* Whether @need more bytes leave the store's filesystem its margin:
 * statvfs only when the running estimate gets near it. */
int nono_rb_store_room(struct nono_rb_store *s, long long need)
{
	struct statvfs v;
	int r = 0;

	pthread_mutex_lock(&s->lock);
	if (s->room < 0 || s->room - need < 4 * NONO_RB_MARGIN) {
		if (fstatvfs(s->fd, &v) < 0)
			r = -errno;
		else
			s->room = (long long)v.f_bavail * (long long)v.f_frsize;
	}
	if (r == 0 && s->room - need < NONO_RB_MARGIN)
		r = -ENOSPC;
	if (r == 0)
		s->room -= need;
	pthread_mutex_unlock(&s->lock);
	return r;
}

/* The fan-out directory of @hash, made once per store opening. */
static int fanout(struct nono_rb_store *s, const uint8_t hash[NONO_SHA256_LEN])
{
	uint8_t bit = (uint8_t)(1u << (hash[0] & 7));
	char hex[3];
	int r;

	if (atomic_load(&s->made[hash[0] >> 3]) & bit)
		return 0;
	nono_hex(hash, 1, hex);
	if ((r = mkdir_at(s->fd, hex)) == 0)
		atomic_fetch_or(&s->made[hash[0] >> 3], bit);
	return r;
}

/* A temporary file in objects/tmp (its name in @tmp), open, or -errno. */
static int tmp_file(struct nono_rb_store *s, char tmp[40])
{
	int out;

	snprintf(tmp, 40, "%s-%llx", s->tmp_prefix,
		 (unsigned long long)atomic_fetch_add(&s->tmp_seq, 1));
	out =
	    openat(s->tmpfd, tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0400);
	return out < 0 ? -errno : out;
}

/* A record will name @hash: the fan-out directory it is in goes with
 * the batch nono_rb_store_sync makes durable (it may have been written
 * by another session that has not synced it yet). */
static void dirty(struct nono_rb_store *s, const uint8_t hash[NONO_SHA256_LEN])
{
	atomic_fetch_or(&s->dirty[hash[0] >> 3],
			(uint8_t)(1u << (hash[0] & 7)));
}

/* Whether the delta object of @hash is one to trust for content of
 * @size bytes: its header adds up, of that size, and its base is there,
 * whole and long enough.  (A cleanup cut short may have left a delta
 * whose base it had removed.) */
static bool delta_ok(const struct nono_rb_store *s,
		     const uint8_t hash[NONO_SHA256_LEN], off_t size)
{
	struct nono_rb_delta d;
	struct stat st;
	int fd;

	if (nono_rb_store_delta_base(s, hash, &d) < 0 ||
	    d.size != (unsigned long long)size)
		return false;
	if ((fd = open_full(s, d.base)) < 0)
		return false;
	if (fstat(fd, &st) < 0 ||
	    (unsigned long long)st.st_size < d.prefix + d.suffix) {
		close(fd);
		return false;
	}
	close(fd);
	return true;
}

/* Whether the whole object open as @fd holds @content (@n bytes). */
static bool holds_bytes(int fd, const uint8_t *content, size_t n)
{
	uint8_t b[8192];

	for (size_t off = 0; off < n;) {
		size_t want = n - off < sizeof(b) ? n - off : sizeof(b);

		if (pread_all(fd, b, want, (off_t)off) < 0 ||
		    memcmp(b, content + off, want) != 0)
			return false;
		off += want;
	}
	return true;
}

/* Whether the store holds @hash (content of @size bytes), whole or as a
 * delta to trust; marked for the next sync when it does.  With @content
 * (the bytes themselves, in memory), a whole object is compared with
 * them. */
static bool have(struct nono_rb_store *s, const uint8_t hash[NONO_SHA256_LEN],
		 off_t size, bool whole_only, const uint8_t *content)
{
	char name[72];
	struct stat st;

	obj_name(hash, name);
	if (fstatat(s->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		/* A whole object there is read first: one cut short (or,
		 * checked against @content, zeroed) must be replaced,
		 * whatever delta there is. */
		if (!S_ISREG(st.st_mode) || st.st_size != size)
			return false;
		if (content) {
			int fd = open_full(s, hash);
			bool same_bytes =
			    fd >= 0 && holds_bytes(fd, content, (size_t)size);

			if (fd >= 0)
				close(fd);
			if (!same_bytes)
				return false;
		}
		dirty(s, hash);
		return true;
	}
	if (whole_only || !atomic_load(&s->deltas) || !delta_ok(s, hash, size))
		return false;
	dirty(s, hash);
	return true;
}

/*
 * Gives the complete temporary file @tmp (@size bytes) its name in the
 * store: the object of @hash, the delta object when @delta.  One call
 * when the object is new; more when it is there already: a whole object
 * of that size, or a delta to trust (unless @whole_only), is kept, one
 * cut short or a delta object is replaced.  The temporary file is gone
 * either way.
 */
static int land(struct nono_rb_store *s, const char *tmp,
		const uint8_t hash[NONO_SHA256_LEN], bool delta, off_t size,
		bool whole_only, bool *added)
{
	char name[72];
	struct stat st;
	int r;

	obj_name(hash, name);
	if (delta)
		strcat(name, NONO_RB_DELTA_SUFFIX);
	r = fanout(s, hash);
	/* Kept as a delta already (read again without its earlier version
	 * known): not stored twice. */
	if (r == 0 && !delta && !whole_only && atomic_load(&s->deltas) &&
	    fstatat(s->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 &&
	    errno == ENOENT && delta_ok(s, hash, size)) {
		unlinkat(s->tmpfd, tmp, 0);
		dirty(s, hash);
		return 0;
	}
	if (r == 0 &&
	    renameat2(s->tmpfd, tmp, s->fd, name, RENAME_NOREPLACE) < 0) {
		r = -errno;
		/* A delta there already is replaced by this one, which is
		 * known to be whole. */
		if (r == -EEXIST && !delta &&
		    fstatat(s->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) && st.st_size == size) {
			unlinkat(s->tmpfd, tmp, 0);
			dirty(s, hash);
			return 0;
		}
		if (r == -EEXIST && renameat(s->tmpfd, tmp, s->fd, name) == 0)
			r = 0;
	}
	if (r < 0) {
		unlinkat(s->tmpfd, tmp, 0);
		return r;
	}
	/* Not synced one by one: nono_rb_store_sync makes the whole batch
	 * durable at once (a sync per object cost 30x a cp -a). */
	dirty(s, hash);
	*added = true;
	return 0;
}

/* How many bytes @buf (@n) and @base's content (@bsize) have in common
 * at their start (@end false) or at their end, at most @max. */
static int common(int base, off_t bsize, const uint8_t *buf, uint64_t n,
		  uint64_t max, bool end, uint64_t *out)
{
	uint8_t b[8192];
	uint64_t k = 0;

	while (k < max) {
		size_t want =
		    max - k < sizeof(b) ? (size_t)(max - k) : sizeof(b);
		const uint8_t *p = end ? buf + n - k - want : buf + k;
		off_t at = end ? bsize - (off_t)(k + want) : (off_t)k;
		size_t i;
		int r = pread_all(base, b, want, at);

		if (r < 0)
			return r;
		if (!end) {
			for (i = 0; i < want && b[i] == p[i]; i++)
				;
		} else {
			for (i = 0;
			     i < want && b[want - 1 - i] == p[want - 1 - i];
			     i++)
				;
		}
		k += i;
		if (i < want)
			break;
	}
	*out = k;
	return 0;
}

static unsigned long long blocks(unsigned long long n)
{
	return (n + 4095) / 4096;
}

/*
 * The delta of @buf (@n bytes, hashing to @hash) against the object of
 * @prev (or its base, when @prev is itself a delta), stored when it
 * takes fewer blocks than @buf would: 0 (*@added), 1 when not worth it
 * (or no base to be had), or -errno.
 */
static int put_delta(struct nono_rb_store *s, const uint8_t *buf, uint64_t n,
		     const uint8_t prev[NONO_SHA256_LEN],
		     const uint8_t hash[NONO_SHA256_LEN], bool *added)
{
	uint8_t hdr[NONO_RB_DELTA_HDR];
	struct nono_rb_delta pd;
	const uint8_t *b = prev;
	uint64_t pre = 0, suf = 0, lit, max;
	struct stat bst;
	char tmp[40];
	int base = open_full(s, prev), out, r;

	if (base == -ENOENT && nono_rb_store_delta_base(s, prev, &pd) == 0) {
		b = pd.base;
		base = open_full(s, b);
	}
	if (base < 0)
		return 1; /* no base: stored whole */
	r = fstat(base, &bst) < 0 ? -errno : 0;
	if (r == 0 && !S_ISREG(bst.st_mode))
		r = 1;
	max = r == 0 && (uint64_t)bst.st_size < n ? (uint64_t)bst.st_size : n;
	if (r == 0)
		r = common(base, bst.st_size, buf, n, max, false, &pre);
	if (r == 0)
		r = common(base, bst.st_size, buf, n, max - pre, true, &suf);
	close(base);
	if (r != 0)
		return r < 0 ? r : 1;
	lit = n - pre - suf;
	if (blocks(NONO_RB_DELTA_HDR + lit) >= blocks(n))
		return 1;
	if ((r = nono_rb_store_room(s, NONO_RB_DELTA_HDR + (long long)lit)) < 0)
		return r;
	if (!atomic_load(&s->deltas)) {
		int m =
		    openat(s->fd, DELTAS_MARK,
			   O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

		if (m < 0)
			return -errno;
		close(m);
		atomic_store(&s->deltas, true);
	}
	memcpy(hdr, NONO_RB_DELTA_MAGIC, 8);
	memcpy(hdr + 8, b, NONO_SHA256_LEN);
	put64(hdr + 40, pre);
	put64(hdr + 48, suf);
	put64(hdr + 56, n);
	if ((out = tmp_file(s, tmp)) < 0)
		return out;
	r = pwrite_all(out, hdr, sizeof(hdr), 0);
	if (r == 0)
		r = pwrite_all(out, buf + pre, lit, NONO_RB_DELTA_HDR);
	close(out);
	if (r < 0) {
		unlinkat(s->tmpfd, tmp, 0);
		return r;
	}
	return land(s, tmp, hash, true, (off_t)(NONO_RB_DELTA_HDR + lit), false,
		    added);
}

/* A file of at most NONO_RB_CHUNK bytes with an earlier version @prev:
 * read into @buf, hashed, stored as a delta when that is smaller, else
 * whole. */
static int put_small(struct nono_rb_store *s, int fd, const struct stat *before,
		     uint8_t *buf, const uint8_t prev[NONO_SHA256_LEN],
		     uint8_t hash[NONO_SHA256_LEN], bool *added)
{
	uint64_t n = (uint64_t)before->st_size;
	struct stat after, was;
	bool hole, bad_whole;
	char tmp[40], name[68];
	int out, r = pread_all(fd, buf, n, 0);

	if (r == -EBADMSG)
		return -EAGAIN; /* shorter than it was */
	if (r == 0 && (fstat(fd, &after) < 0 || !same(before, &after)))
		r = -EAGAIN; /* written to while read */
	if (r < 0)
		return r;
	nono_sha256(buf, n, hash);
	if (have(s, hash, (off_t)n, false, buf))
		return 0;
	/* A whole object there is not this content (cut short, zeroed by a
	 * crash, changed: have() did not take it): it would shadow a delta,
	 * so it is replaced, whole. */
	obj_name(hash, name);
	bad_whole = fstatat(s->fd, name, &was, AT_SYMLINK_NOFOLLOW) == 0;
	if (!bad_whole && (r = put_delta(s, buf, n, prev, hash, added)) <= 0)
		return r;
	if ((r = nono_rb_store_room(s, (long long)n)) < 0)
		return r;
	if ((out = tmp_file(s, tmp)) < 0)
		return out;
	r = write_data(out, buf, n, 0, &hole);
	if (r == 0 && hole && ftruncate(out, (off_t)n) < 0)
		r = -errno;
	close(out);
	if (r < 0) {
		unlinkat(s->tmpfd, tmp, 0);
		return r;
	}
	if (bad_whole) {
		if (renameat(s->tmpfd, tmp, s->fd, name) < 0) {
			r = -errno;
			unlinkat(s->tmpfd, tmp, 0);
			return r;
		}
		dirty(s, hash);
		*added = true;
		return 0;
	}
	return land(s, tmp, hash, false, (off_t)n, false, added);
}

int nono_rb_store_put(struct nono_rb_store *s, int fd,
		      const struct stat *before, uint8_t *buf,
		      const uint8_t *prev, uint8_t hash[NONO_SHA256_LEN],
		      bool *added)
{
	struct stat after;
	char tmp[40];
	int out, r;

	*added = false;
	if ((unsigned long long)before->st_size > s->max_file)
		return -EFBIG;
	if (prev && before->st_size > 4096 && before->st_size <= CHUNK)
		return put_small(s, fd, before, buf, prev, hash, added);
	/* What it takes on disk (a sparse file: its data, not its size). */
	r = nono_rb_store_room(s, (long long)before->st_blocks * 512);
	if (r < 0)
		return r;
	if ((out = tmp_file(s, tmp)) < 0)
		return out;
	/* A reflink shares the blocks (and is a stable copy to hash); else
	 * one read of the source, hashed as it is copied. */
	if (!atomic_load(&s->reflink_off) && ioctl(out, FICLONE, fd) == 0) {
		r = copy_hash(out, -1, -1, buf, hash);
	} else {
		if (errno == EOPNOTSUPP || errno == EXDEV || errno == EINVAL ||
		    errno == ENOTTY)
			atomic_store(&s->reflink_off, true);
		r = copy_hash(fd, out, before->st_size, buf, hash);
	}
	if (r == 0 && (fstat(fd, &after) < 0 || !same(before, &after)))
		r = -EAGAIN; /* written to while copied */
	close(out);
	if (r < 0) {
		unlinkat(s->tmpfd, tmp, 0);
		return r;
	}
	return land(s, tmp, hash, false, before->st_size, false, added);
}

/* Whether the object open as @fd is @len bytes that hash to @hash. */
static bool holds(int fd, const uint8_t hash[NONO_SHA256_LEN], size_t len)
{
	uint8_t got[NONO_SHA256_LEN], *buf;
	struct stat st;
	bool ok = false;

	if (fstat(fd, &st) < 0 || (size_t)st.st_size != len)
		return false;
	if ((buf = malloc(CHUNK)) == NULL)
		return false;
	ok = copy_hash(fd, -1, -1, buf, got) == 0 &&
	     memcmp(got, hash, NONO_SHA256_LEN) == 0;
	free(buf);
	return ok;
}

int nono_rb_store_put_mem(struct nono_rb_store *s, const void *data, size_t len,
			  uint8_t hash[NONO_SHA256_LEN], bool *added)
{
	char tmp[40], name[68];
	bool bad = false;
	int out, r, fd;

	*added = false;
	nono_sha256(data, len, hash);
	/* Whole, always (a manifest's base is read as a file), and checked
	 * (a whole session depends on it): one cut short or changed is
	 * replaced. */
	if ((fd = open_full(s, hash)) != -ENOENT) {
		bad = fd < 0 || !holds(fd, hash, len);
		if (fd >= 0)
			close(fd);
		if (!bad) {
			dirty(s, hash);
			return 0;
		}
	}
	if ((r = nono_rb_store_room(s, (long long)len)) < 0)
		return r;
	if ((out = tmp_file(s, tmp)) < 0)
		return out;
	r = pwrite_all(out, data, len, 0);
	close(out);
	if (r == 0 && bad) {
		obj_name(hash, name);
		if ((r = fanout(s, hash)) == 0 &&
		    renameat(s->tmpfd, tmp, s->fd, name) < 0)
			r = -errno;
		if (r == 0) {
			dirty(s, hash);
			*added = true;
			return 0;
		}
	}
	if (r < 0) {
		unlinkat(s->tmpfd, tmp, 0);
		return r;
	}
	return land(s, tmp, hash, false, (off_t)len, true, added);
}

int nono_rb_store_sync(struct nono_rb_store *s)
{
	bool any = false;

	for (size_t i = 0; i < sizeof(s->dirty); i++)
		any |= atomic_load(&s->dirty[i]) != 0;
	if (!any)
		return 0; /* nothing new */
	/* Every object written, and the names they were given, in one call
	 * for the store's filesystem. */
	if (syncfs(s->fd) < 0)
		return -errno;
	for (size_t i = 0; i < sizeof(s->dirty); i++)
		atomic_store(&s->dirty[i], 0);
	return 0;
}

int nono_rb_hash_fd(int fd, const struct stat *before, uint8_t *buf,
		    uint8_t hash[NONO_SHA256_LEN])
{
	struct stat after;
	int r = copy_hash(fd, -1, before->st_size, buf, hash);

	if (r == 0 && (fstat(fd, &after) < 0 || !same(before, &after)))
		r = -EAGAIN;
	return r;
}

int nono_rb_store_check(const struct nono_rb_store *s,
			const uint8_t hash[NONO_SHA256_LEN])
{
	uint8_t got[NONO_SHA256_LEN], *buf = malloc(CHUNK);
	int fd, r;

	if (!buf)
		return -ENOMEM;
	fd = nono_rb_store_get(s, hash);
	if (fd < 0) {
		free(buf);
		return fd;
	}
	r = copy_hash(fd, -1, -1, buf, got);
	close(fd);
	free(buf);
	if (r < 0)
		return r;
	return memcmp(got, hash, NONO_SHA256_LEN) == 0 ? 0 : -EBADMSG;
}
