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
#include <sys/random.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "rollback/objects.h"
#include "util/linux_calls.h"

#define CHUNK NONO_RB_CHUNK

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

int nono_rb_store_get(const struct nono_rb_store *s,
		      const uint8_t hash[NONO_SHA256_LEN])
{
	char name[68];
	int fd;

	obj_name(hash, name);
	fd = openat(s->fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? -errno : fd;
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
static int room_for(struct nono_rb_store *s, long long need)
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

int nono_rb_store_put(struct nono_rb_store *s, int fd,
		      const struct stat *before, uint8_t *buf,
		      uint8_t hash[NONO_SHA256_LEN], bool *added)
{
	char tmp[40], name[68];
	struct stat after, have;
	int out, r;

	*added = false;
	if ((unsigned long long)before->st_size > s->max_file)
		return -EFBIG;
	/* What it takes on disk (a sparse file: its data, not its size). */
	r = room_for(s, (long long)before->st_blocks * 512);
	if (r < 0)
		return r;
	snprintf(tmp, sizeof(tmp), "%s-%llx", s->tmp_prefix,
		 (unsigned long long)atomic_fetch_add(&s->tmp_seq, 1));
	out =
	    openat(s->tmpfd, tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0400);
	if (out < 0)
		return -errno;
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
	/* Not synced one by one: nono_rb_store_sync makes the whole batch
	 * durable at once (a sync per object cost 30x a cp -a). */
	close(out);
	if (r == 0) {
		obj_name(hash, name);
		r = fanout(s, hash);
		/* One call when the object is new; one more when it is
		 * there already (kept unless it was cut short). */
		if (r == 0 && renameat2(s->tmpfd, tmp, s->fd, name,
					RENAME_NOREPLACE) < 0) {
			r = -errno;
			if (r == -EEXIST &&
			    fstatat(s->fd, name, &have, AT_SYMLINK_NOFOLLOW) ==
				0 &&
			    S_ISREG(have.st_mode) &&
			    have.st_size == before->st_size) {
				unlinkat(s->tmpfd, tmp, 0);
				return 0;
			}
			if (r == -EEXIST &&
			    renameat(s->tmpfd, tmp, s->fd, name) == 0)
				r = 0;
		}
		if (r == 0) {
			atomic_fetch_or(&s->dirty[hash[0] >> 3],
					(uint8_t)(1u << (hash[0] & 7)));
			*added = true;
			return 0;
		}
	}
	unlinkat(s->tmpfd, tmp, 0);
	return r;
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
