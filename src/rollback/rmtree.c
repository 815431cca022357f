// SPDX-License-Identifier: Apache-2.0
/* Removing a tree, and changing a read-only directory, through
 * descriptors (see rmtree.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rollback/rmtree.h"

/* The directory @pfd made writable for its owner for one change, when the
 * command (or the tree) left it read-only: its mode before in *@was, or
 * -1 when it needed nothing.  nono_rb_undo_writable puts it back. */
int nono_rb_make_writable(int pfd, mode_t *was)
{
	struct stat st;

	*was = (mode_t)-1;
	if (fstat(pfd, &st) < 0)
		return -errno;
	if ((st.st_mode & 0300) == 0300)
		return -EACCES; /* not the mode: nothing to try */
	if (fchmod(pfd, (st.st_mode & 07777) | 0300) < 0)
		return -errno;
	*was = st.st_mode & 07777;
	return 0;
}

void nono_rb_undo_writable(int pfd, mode_t was)
{
	if (was != (mode_t)-1)
		(void)fchmod(pfd, was);
}

/* unlinkat, in a directory made read-only too. */
int nono_rb_unlink_in(int pfd, const char *name, int flags)
{
	mode_t was;
	int r;

	if (unlinkat(pfd, name, flags) == 0 || errno == ENOENT)
		return 0;
	if (errno != EACCES || nono_rb_make_writable(pfd, &was) < 0)
		return -errno;
	r = unlinkat(pfd, name, flags) < 0 && errno != ENOENT ? -errno : 0;
	nono_rb_undo_writable(pfd, was);
	return r;
}

/* Up to @max names of directory @fd (but . and ..), malloc'd, in *@v;
 * how many, or -errno. */
static ssize_t some_names(int fd, char **v, size_t max)
{
	int d2 = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	DIR *d = d2 >= 0 ? fdopendir(d2) : NULL;
	struct dirent *de;
	size_t n = 0;

	if (!d) {
		int r = -errno;

		if (d2 >= 0)
			close(d2);
		return r;
	}
	rewinddir(d);
	while (n < max && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (!(v[n] = strdup(de->d_name))) {
			while (n)
				free(v[--n]);
			closedir(d);
			return -ENOMEM;
		}
		n++;
	}
	closedir(d);
	return (ssize_t)n;
}

/* A directory being emptied: who it is (to climb back to it through
 * ".."), its name in its parent, and a batch of its names. */
#define RM_BATCH 512
struct rm_frame {
	dev_t dev;
	ino_t ino;
	char *name;
	char *batch[RM_BATCH];
	size_t n, i;
};

static void rm_frame_free(struct rm_frame *f)
{
	for (size_t k = 0; k < f->n; k++)
		free(f->batch[k]);
	free(f->name);
	free(f);
}

/* Opens directory @name of @pfd for emptying (given back to its owner
 * first when the command took away read, write or search). */
static int open_for_rm(int pfd, const char *name, struct stat *st)
{
	int fd;

	if ((st->st_mode & 0700) != 0700 &&
	    fchmodat(pfd, name, (st->st_mode & 07777) | 0700,
		     AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

/* Removes @name in @pfd and, a directory, everything in it, through
 * descriptors (never a path, no symlink followed).  Not recursive: one
 * frame per level on the heap and one descriptor at a time, climbing back
 * through ".." checked against the device and inode it left (a chain
 * nested 20,000 deep, built by renames, is removed like any other). */
int nono_rb_remove_tree(int pfd, const char *name)
{
	struct rm_frame **stack = NULL, *f;
	size_t depth = 0, cap = 0;
	struct stat st;
	int cur, r = 0;
	mode_t was;

	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		/* A parent the command made unsearchable. */
		if (errno != EACCES || nono_rb_make_writable(pfd, &was) < 0)
			return -errno;
		r = fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno
								     : 0;
		nono_rb_undo_writable(pfd, was);
		if (r < 0)
			return r == -ENOENT ? 0 : r;
	}
	if (!S_ISDIR(st.st_mode))
		return nono_rb_unlink_in(pfd, name, 0);
	if ((cur = open_for_rm(pfd, name, &st)) < 0)
		return cur;
	f = calloc(1, sizeof(*f));
	if (!f || !(f->name = strdup(name))) {
		free(f);
		close(cur);
		return -ENOMEM;
	}
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	for (;;) {
		char *ent;

		if (f->i == f->n) { /* the next batch */
			ssize_t got;

			for (size_t k = 0; k < f->n; k++)
				free(f->batch[k]);
			f->n = f->i = 0;
			got = some_names(cur, f->batch, RM_BATCH);
			if (got < 0) {
				r = (int)got;
				break;
			}
			f->n = (size_t)got;
		}
		if (f->n == 0) { /* empty: remove it, back to its parent */
			int up;

			if (!depth) {
				close(cur);
				cur = -1;
				r = nono_rb_unlink_in(pfd, f->name,
						      AT_REMOVEDIR);
				break;
			}
			up = openat(cur, "..",
				    O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					O_CLOEXEC);
			if (up < 0 || fstat(up, &st) < 0 ||
			    st.st_dev != stack[depth - 1]->dev ||
			    st.st_ino != stack[depth - 1]->ino) {
				/* Moved while we were in it. */
				r = up < 0 ? -errno : -ESTALE;
				if (up >= 0)
					close(up);
				break;
			}
			close(cur);
			cur = up;
			r = nono_rb_unlink_in(cur, f->name, AT_REMOVEDIR);
			rm_frame_free(f);
			f = stack[--depth];
			if (r < 0)
				break;
			continue;
		}
		ent = f->batch[f->i++];
		if (fstatat(cur, ent, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			r = -errno;
			break;
		}
		if (!S_ISDIR(st.st_mode)) {
			if ((r = nono_rb_unlink_in(cur, ent, 0)) < 0)
				break;
			continue;
		}
		{ /* down into it */
			struct rm_frame *c = calloc(1, sizeof(*c));
			int down = c ? open_for_rm(cur, ent, &st) : -ENOMEM;

			if (down < 0) {
				free(c);
				r = down;
				break;
			}
			if (depth == cap) {
				size_t nc = cap ? cap * 2 : 64;
				struct rm_frame **v =
				    realloc(stack, nc * sizeof(*v));

				if (!v) {
					close(down);
					free(c);
					r = -ENOMEM;
					break;
				}
				stack = v;
				cap = nc;
			}
			c->dev = st.st_dev;
			c->ino = st.st_ino;
			c->name = ent; /* moved from the batch */
			f->batch[f->i - 1] = NULL;
			stack[depth++] = f;
			f = c;
			close(cur);
			cur = down;
		}
	}
	if (cur >= 0)
		close(cur);
	rm_frame_free(f);
	while (depth)
		rm_frame_free(stack[--depth]);
	free(stack);
	return r;
}
