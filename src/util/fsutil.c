// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fsutil.h"

int nono_mkdirs(const char *path, bool last)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (last && mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int nono_mkdirs_nofollow(const char *path)
{
	char buf[PATH_MAX];
	int dfd, r = 0;
	char *p, *next;

	if (path[0] != '/' ||
	    snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -EINVAL;
	dfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	for (p = buf + 1; *p && r == 0; p = next) {
		int sub;

		next = strchr(p, '/');
		if (next)
			*next++ = '\0';
		else
			next = p + strlen(p);
		if (!*p)
			continue;
		if (mkdirat(dfd, p, 0700) < 0 && errno != EEXIST) {
			r = -errno;
			break;
		}
		sub = openat(dfd, p,
			     O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			r = errno == ENOTDIR ? -ELOOP : -errno;
		close(dfd);
		dfd = sub;
	}
	if (dfd >= 0)
		close(dfd);
	return r;
}

/* Writes what it can of @len bytes; how many were written. */
static size_t write_all(int fd, const char *text, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	return off;
}

int nono_replace_at(int dirfd, const char *name, const char *text, size_t len,
		    mode_t mode)
{
	char tmp[NAME_MAX + 1];
	int fd, r;

	if ((size_t)snprintf(tmp, sizeof(tmp), ".%s.%d", name, (int)getpid()) >=
	    sizeof(tmp))
		return -ENAMETOOLONG;
	unlinkat(dirfd, tmp, 0);
	fd = openat(dirfd, tmp,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	r = write_all(fd, text, len) == len ? 0 : -(errno ? errno : EIO);
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		r = -errno;
	if (r < 0)
		unlinkat(dirfd, tmp, 0);
	return r;
}

int nono_write_atomic(const char *path, const char *text, size_t len,
		      unsigned flags, mode_t mode)
{
	bool replace = flags & NONO_WRITE_REPLACE;
	bool backup = flags & NONO_WRITE_BACKUP;
	char tmp[PATH_MAX], bak[PATH_MAX];
	size_t off = 0;
	int fd, r;

	if (!replace && access(path, F_OK) == 0)
		return -EEXIST;
	r = nono_mkdirs(path, false);
	if (r < 0)
		return r;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, mode) < 0) {
		r = -errno;
		close(fd);
		unlink(tmp);
		return r;
	}
	off = write_all(fd, text, len);
	r = off == len && fsync(fd) == 0 ? 0 : -(errno ? errno : EIO);
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && backup && access(path, F_OK) == 0 &&
	    snprintf(bak, sizeof(bak), "%s.bak", path) < (int)sizeof(bak)) {
		unlink(bak);
		if (link(path, bak) < 0)
			r = -errno;
	}
	/* Without replace, a file that appeared meanwhile wins. */
	if (r == 0 && (replace ? rename(tmp, path) : link(tmp, path)) < 0)
		r = -errno;
	unlink(tmp);
	return r;
}

static int check_private_dir(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (st.st_uid != geteuid() || (st.st_mode & 022))
		return -EPERM;
	return 0;
}

/* @path checked private, made first (0700) when missing: a look before a
 * mkdir, since it is there on every run but the first. */
static int private_dir(const char *path)
{
	int r = check_private_dir(path);

	if (r != -ENOENT)
		return r;
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	return check_private_dir(path);
}

int nono_state_dir(const char *sub, char *out, size_t len)
{
	const char *home = getenv("HOME");
	char nono[PATH_MAX];
	int r;

	if (!home || home[0] != '/')
		return -ENOENT;
	if ((size_t)snprintf(nono, sizeof(nono), "%s/.nono", home) >=
		sizeof(nono) ||
	    (size_t)snprintf(out, len, "%s/.nono/%s", home, sub) >= len)
		return -ENAMETOOLONG;
	r = private_dir(nono);
	return r < 0 ? r : private_dir(out);
}

bool nono_stat_unchanged(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}
