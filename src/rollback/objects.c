// SPDX-License-Identifier: Apache-2.0
/* The rollback object store (see objects.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "rollback/objects.h"

#define CHUNK (256 * 1024)

static int mkdir_at(int dirfd, const char *name)
{
	if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int nono_rb_store_open(struct nono_rb_store *s, const char *dir)
{
	int dfd, r;

	memset(s, 0, sizeof(*s));
	s->fd = s->tmpfd = s->lockfd = -1;
	s->max_file = NONO_RB_MAX_FILE;
	s->room = -1;
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

bool nono_rb_store_has(const struct nono_rb_store *s,
		       const uint8_t hash[NONO_SHA256_LEN],
		       unsigned long long size)
{
	char name[68];
	struct stat st;

	obj_name(hash, name);
	return fstatat(s->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISREG(st.st_mode) && (unsigned long long)st.st_size == size;
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

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
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

/* Hashes what @fd holds from its start, copying it into @out unless
 * @out is -1 (a clone or an object, only hashed): one read.  A chunk of
 * zeros is not written (a hole in @out, which ends at the same size). */
static int copy_hash(int fd, int out, uint8_t *buf,
		     uint8_t hash[NONO_SHA256_LEN])
{
	struct nono_sha256 c;
	off_t off = 0;
	ssize_t n;
	int r;

	nono_sha256_init(&c);
	while ((n = pread(fd, buf, CHUNK, off)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		nono_sha256_update(&c, buf, (size_t)n);
		if (out >= 0 && !zeros(buf, (size_t)n)) {
			if (lseek(out, off, SEEK_SET) < 0)
				return -errno;
			if ((r = write_all(out, buf, (size_t)n)) < 0)
				return r;
		}
		off += n;
	}
	if (out >= 0 && ftruncate(out, off) < 0)
		return -errno;
	nono_sha256_final(&c, hash);
	return 0;
}

/* Whether @need more bytes leave the store's filesystem its margin:
 * statvfs only when the running estimate gets near it. */
static int room_for(struct nono_rb_store *s, long long need)
{
	struct statvfs v;

	if (s->room < 0 || s->room - need < 4 * NONO_RB_MARGIN) {
		if (fstatvfs(s->fd, &v) < 0)
			return -errno;
		s->room = (long long)v.f_bavail * (long long)v.f_frsize;
	}
	if (s->room - need < NONO_RB_MARGIN)
		return -ENOSPC;
	s->room -= need;
	return 0;
}

int nono_rb_store_put(struct nono_rb_store *s, int fd,
		      const struct stat *before, uint8_t hash[NONO_SHA256_LEN],
		      bool *added)
{
	char tmp[40], name[68];
	uint8_t rnd[8], *buf;
	struct stat after;
	int out, r;

	*added = false;
	if ((unsigned long long)before->st_size > s->max_file)
		return -EFBIG;
	/* What it takes on disk (a sparse file: its data, not its size). */
	r = room_for(s, (long long)before->st_blocks * 512);
	if (r < 0)
		return r;
	buf = malloc(CHUNK);
	if (!buf)
		return -ENOMEM;
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		free(buf);
		return -EIO;
	}
	nono_hex(rnd, sizeof(rnd), tmp);
	out =
	    openat(s->tmpfd, tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0400);
	if (out < 0) {
		r = -errno;
		free(buf);
		return r;
	}
	/* A reflink shares the blocks (and is a stable copy to hash); else
	 * one read of the source, hashed as it is copied. */
	if (!s->reflink_off && ioctl(out, FICLONE, fd) == 0) {
		r = copy_hash(out, -1, buf, hash);
	} else {
		if (errno == EOPNOTSUPP || errno == EXDEV || errno == EINVAL ||
		    errno == ENOTTY)
			s->reflink_off = true;
		r = copy_hash(fd, out, buf, hash);
	}
	free(buf);
	if (r == 0 && (fstat(fd, &after) < 0 || !same(before, &after)))
		r = -EAGAIN; /* written to while copied */
	/* Not synced one by one: nono_rb_store_sync makes the whole batch
	 * durable at once (a sync per object cost 30x a cp -a). */
	close(out);
	if (r == 0) {
		obj_name(hash, name);
		if (nono_rb_store_has(s, hash,
				      (unsigned long long)before->st_size)) {
			unlinkat(s->tmpfd, tmp, 0);
			return 0;
		}
		name[2] = '\0';
		r = mkdir_at(s->fd, name);
		name[2] = '/';
		if (r == 0 && renameat(s->tmpfd, tmp, s->fd, name) < 0)
			r = -errno;
		if (r == 0) {
			s->dirty[hash[0] >> 3] |=
			    (uint8_t)(1u << (hash[0] & 7));
			*added = true;
			return 0;
		}
	}
	unlinkat(s->tmpfd, tmp, 0);
	return r;
}

int nono_rb_store_sync(struct nono_rb_store *s)
{
	static const uint8_t none[sizeof(s->dirty)];

	if (memcmp(s->dirty, none, sizeof(none)) == 0)
		return 0; /* nothing new */
	/* Every object written, and the names they were given, in one call
	 * for the store's filesystem. */
	if (syncfs(s->fd) < 0)
		return -errno;
	memset(s->dirty, 0, sizeof(s->dirty));
	return 0;
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
	r = copy_hash(fd, -1, buf, got);
	close(fd);
	free(buf);
	if (r < 0)
		return r;
	return memcmp(got, hash, NONO_SHA256_LEN) == 0 ? 0 : -EBADMSG;
}
