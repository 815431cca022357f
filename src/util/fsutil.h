/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing nono's own files (profiles, state, the session CA) the way
 * DESIGN.md asks: directories 0700, every write atomic (temporary file,
 * fsync, rename), so that a kill -9 at any point leaves the old file or
 * the new one, never half of one.
 */
#ifndef NONO_UTIL_FSUTIL_H
#define NONO_UTIL_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Creates every missing directory of @path, mode 0700: its parents, and
 * @path itself when @last.  Returns 0 or -errno. */
int nono_mkdirs(const char *path, bool last);
/* @path (absolute) and its missing parents (0700), following no symlink on
 * the way: -ELOOP when one is there.  0 or -errno. */
int nono_mkdirs_nofollow(const char *path);

/*
 * ~/.nono/@sub (made 0700 if missing, with ~/.nono): its path in @out.
 * Both must be directories of the caller's, not writable by group or
 * others (a link is not followed).  0, or -errno (-EPERM: not private,
 * -ENOTDIR, -ENOENT without an absolute $HOME).
 */
int nono_state_dir(const char *sub, char *out, size_t len);

enum {
	NONO_WRITE_REPLACE = 1 << 0, /* an existing file is replaced */
	NONO_WRITE_BACKUP = 1 << 1,  /* ... and kept as PATH.bak */
};

/*
 * Writes @len bytes of @text to @path atomically with @mode, creating its
 * directories.  An existing file is replaced only with NONO_WRITE_REPLACE
 * (and kept as PATH.bak with NONO_WRITE_BACKUP).  Returns 0, -EEXIST, or
 * -errno.
 */
int nono_write_atomic(const char *path, const char *text, size_t len,
		      unsigned flags, mode_t mode);

/*
 * Replaces @name in directory @dirfd by @len bytes of @text (mode @mode),
 * through a temporary file renamed over it, following no symlink: a
 * kill -9 leaves the old file or the new one.  No fsync (records whose
 * loss in a power cut costs nothing; the kernel keeps what a killed process
 * wrote).  0 or -errno.
 */
int nono_replace_at(int dirfd, const char *name, const char *text, size_t len,
		    mode_t mode);

/* @a and @b, from stat(2) of one name at two times, are the same file
 * with nothing written to it since (device, inode, size, mtime, ctime). */
struct stat;
bool nono_stat_unchanged(const struct stat *a, const struct stat *b);

#endif
