/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The newer Linux calls nono uses (the mount API, statx, renameat2), made
 * the same under every C library.  glibc 2.36 declares them in
 * <sys/mount.h> and <sys/stat.h>; musl 1.2.3 (Debian 12), which links the
 * shipped binary, does not, so they are declared here from the kernel's own
 * headers and reached with syscall(2).  Include this instead of
 * <sys/mount.h>.
 */
#ifndef NONO_UTIL_LINUX_CALLS_H
#define NONO_UTIL_LINUX_CALLS_H

#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __GLIBC__
#include <linux/mount.h>
#include <linux/stat.h>

static inline int fsopen(const char *fs, unsigned int flags)
{
	return (int)syscall(SYS_fsopen, fs, flags);
}

static inline int fsconfig(int fd, unsigned int cmd, const char *key,
			   const void *value, int aux)
{
	return (int)syscall(SYS_fsconfig, fd, cmd, key, value, aux);
}

static inline int fsmount(int fd, unsigned int flags, unsigned int attrs)
{
	return (int)syscall(SYS_fsmount, fd, flags, attrs);
}

static inline int open_tree(int dfd, const char *path, unsigned int flags)
{
	return (int)syscall(SYS_open_tree, dfd, path, flags);
}

static inline int move_mount(int from_dfd, const char *from, int to_dfd,
			     const char *to, unsigned int flags)
{
	return (int)syscall(SYS_move_mount, from_dfd, from, to_dfd, to, flags);
}

static inline int mount_setattr(int dfd, const char *path, unsigned int flags,
				struct mount_attr *attr, size_t size)
{
	return (int)syscall(SYS_mount_setattr, dfd, path, flags, attr, size);
}

static inline int statx(int dfd, const char *path, int flags, unsigned int mask,
			struct statx *buf)
{
	return (int)syscall(SYS_statx, dfd, path, flags, mask, buf);
}

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

static inline int renameat2(int olddfd, const char *oldpath, int newdfd,
			    const char *newpath, unsigned int flags)
{
	return (int)syscall(SYS_renameat2, olddfd, oldpath, newdfd, newpath,
			    flags);
}
#endif /* !__GLIBC__ */

#endif
