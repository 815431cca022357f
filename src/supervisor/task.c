// SPDX-License-Identifier: Apache-2.0
/*
 * Reaching the task that made a call, as the gate does for every decision:
 * its memory (strings, page by page), its working directory and fds, its
 * root (the sandbox's own mount namespace, so that its masks bind what the
 * supervisor does there), and the supervisor's capabilities lowered to the
 * sandbox's while it acts for it.  Whatever is read from /proc/PID is
 * confirmed by the notification still pending afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "nono/log.h"
#include "supervisor/gate_internal.h"
#include "util/cleanup.h"

/* The notification is still pending: its task has not died or moved on,
 * so the pid and memory we looked at are the ones that made the call. */
bool nono_gate_still_valid(int listener, __u64 id)
{
	return notif_ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

/* Absolute form of @path as the task @pid sees it (relative to its cwd). */
int nono_gate_absolutise(pid_t pid, const char *path, char *out, size_t outlen)
{
	char link[64], cwd[PATH_MAX];
	ssize_t n;

	if (path[0] == '/') {
		if (strlen(path) >= outlen)
			return -ENAMETOOLONG;
		snprintf(out, outlen, "%s", path);
		return 0;
	}
	snprintf(link, sizeof(link), "/proc/%d/cwd", (int)pid);
	n = readlink(link, cwd, sizeof(cwd) - 1);
	if (n < 0)
		return -errno;
	cwd[n] = '\0';
	if ((size_t)snprintf(out, outlen, "%s/%s", cwd, path) >= outlen)
		return -ENAMETOOLONG;
	return 0;
}

int nono_gate_pidfd(pid_t tid)
{
	char path[64], line[128];
	FILE *f;
	int fd, tgid = -1;

	/* The notification names the calling thread, and pidfd_open wants a
	 * thread-group leader unless told otherwise (PIDFD_THREAD, 6.9). */
	fd = (int)syscall(SYS_pidfd_open, tid, NONO_PIDFD_THREAD);
	if (fd >= 0 || errno != EINVAL)
		return fd >= 0 ? fd : -errno;
	fd = (int)syscall(SYS_pidfd_open, tid, 0);
	if (fd >= 0 || errno != EINVAL)
		return fd >= 0 ? fd : -errno;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid:\t%d", &tgid) == 1)
			break;
	if (f)
		fclose(f);
	if (tgid <= 0)
		return -ESRCH;
	fd = (int)syscall(SYS_pidfd_open, tgid, 0);
	return fd >= 0 ? fd : -errno;
}

/* Process-wide, as the capabilities are. */
static _Atomic bool has_caps = true;

/*
 * The effective set this thread had before nono_gate_hold_lowered emptied
 * it (capabilities are per thread; only the supervisor's serving thread
 * holds them lowered).
 */
static _Thread_local struct __user_cap_data_struct
    held[_LINUX_CAPABILITY_U32S_3];
static _Thread_local bool holding;

int nono_gate_lower(struct nono_caps_save *s)
{
	struct __user_cap_header_struct h = {.version =
						 _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct low[_LINUX_CAPABILITY_U32S_3];
	bool any = false;

	s->lowered = false;
	/* A supervisor without capabilities never gains one: no capget on
	 * every call (unprivileged runs, the common case).  Held lowered
	 * already: nothing to do, nothing to restore. */
	if (!has_caps || holding)
		return 0;
	if (syscall(SYS_capget, &h, s->saved) < 0)
		return -EPERM;
	for (size_t i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
		any |= s->saved[i].effective != 0;
		low[i] = s->saved[i];
		low[i].effective = 0;
	}
	if (!any) {
		has_caps = false;
		return 0;
	}
	if (syscall(SYS_capset, &h, low) < 0)
		return -EPERM; /* fail closed */
	s->lowered = true;
	return 0;
}

void nono_gate_restore(struct nono_caps_save *s)
{
	struct __user_cap_header_struct h = {.version =
						 _LINUX_CAPABILITY_VERSION_3};

	if (s->lowered && syscall(SYS_capset, &h, s->saved) < 0)
		nono_log(NONO_LOG_WARN, "gate: cannot restore capabilities");
	s->lowered = false;
}

int nono_gate_hold_lowered(void)
{
	struct nono_caps_save s;

	if (holding)
		return 0;
	if (nono_gate_lower(&s) < 0)
		return -EPERM;
	if (s.lowered) {
		memcpy(held, s.saved, sizeof(held));
		holding = true;
	}
	return 0;
}

void nono_gate_release_lowered(void)
{
	struct __user_cap_header_struct h = {.version =
						 _LINUX_CAPABILITY_VERSION_3};

	if (!holding)
		return;
	if (syscall(SYS_capset, &h, held) < 0)
		nono_log(NONO_LOG_WARN, "gate: cannot restore capabilities");
	holding = false;
}

void nono_gate_learn_root(struct nono_gate *g, int listener, pid_t pid,
			  __u64 id)
{
	char link[64];
	int fd;

	if (g->root >= 0)
		return;
	snprintf(link, sizeof(link), "/proc/%d/root", (int)pid);
	fd = open(link, O_PATH | O_DIRECTORY | O_CLOEXEC);
	/* Pending afterwards: the pid was the sandbox's task while we
	 * opened its root, not a process that took the number since. */
	if (fd >= 0 && nono_gate_still_valid(listener, id))
		g->root = fd;
	else if (fd >= 0)
		close(fd);
}

static int open_in_task(const struct nono_gate *g, pid_t pid, const char *abs,
			int oflags, __u64 resolve)
{
	struct open_how how = {
	    .flags = (__u64)(oflags | O_CLOEXEC),
	    /* The task's root: absolute symlinks and ".." stay inside its
	     * view, so its masks (read-only, hidden) bind us too. */
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | resolve,
	};
	nono_autoclose int root = -1;
	char link[64];
	int fd;

	if (g->root >= 0) {
		fd = (int)syscall(SYS_openat2, g->root, abs, &how, sizeof(how));
		return fd < 0 ? -errno : fd;
	}
	snprintf(link, sizeof(link), "/proc/%d/root", (int)pid);
	root = open(link, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -errno;
	fd = (int)syscall(SYS_openat2, root, abs, &how, sizeof(how));
	return fd < 0 ? -errno : fd;
}

int nono_gate_open_in_task(const struct nono_gate *g, pid_t pid,
			   const char *abs, int oflags)
{
	return open_in_task(g, pid, abs, oflags, 0);
}

int nono_gate_open_in_task_strict(const struct nono_gate *g, pid_t pid,
				  const char *abs, int oflags)
{
	return open_in_task(g, pid, abs, oflags, RESOLVE_NO_SYMLINKS);
}

int nono_gate_fd_path(int fd, char *out, size_t len)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, out, len - 1);
	if (n < 0)
		return -errno;
	out[n] = '\0';
	/* "(deleted)" or a pseudo path: nothing a grant can name. */
	if (out[0] != '/' || (size_t)n == len - 1 ||
	    (n > 10 && strcmp(out + n - 10, " (deleted)") == 0))
		return -ENOENT;
	return 0;
}

int nono_gate_read_string(pid_t pid, __u64 addr, char *out, size_t outlen)
{
	size_t got = 0;

	/* Page by page: a string near the end of a mapping must still be
	 * readable, and nothing past PATH_MAX is ever copied. */
	while (got < outlen - 1) {
		size_t chunk = 4096 - ((addr + got) & 4095);
		struct iovec l, r;
		ssize_t n;

		if (chunk > outlen - 1 - got)
			chunk = outlen - 1 - got;
		l.iov_base = out + got;
		l.iov_len = chunk;
		r.iov_base = (void *)(uintptr_t)(addr + got);
		r.iov_len = chunk;
		n = process_vm_readv(pid, &l, 1, &r, 1, 0);
		if (n <= 0)
			return -EFAULT;
		if (memchr(out + got, '\0', (size_t)n))
			return 0;
		got += (size_t)n;
	}
	return -ENAMETOOLONG;
}

/* The absolute form of @path as the task sees it, relative to its @dirfd
 * (AT_FDCWD: its working directory). */
int nono_gate_task_abs(pid_t pid, int pidfd, int dirfd, const char *path,
		       char *out, size_t len)
{
	nono_autoclose int fd = -1;
	char base[PATH_MAX];
	int r;

	if (path[0] == '/' || dirfd == AT_FDCWD)
		return nono_gate_absolutise(pid, path, out, len);
	fd = (int)syscall(SYS_pidfd_getfd, pidfd, dirfd, 0);
	if (fd < 0)
		return -errno;
	r = nono_gate_fd_path(fd, base, sizeof(base));
	if (r < 0)
		return r;
	if ((size_t)snprintf(out, len, "%s/%s", base, path) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * A filesystem that only stores files: the disk, network and memory ones
 * users keep their data on.  Everything else (proc, sysfs, binfmt_misc,
 * configfs, fusectl, mqueue, debugfs, cgroup, bpf...) has files that act:
 * for the process that opens them (/proc/PID/mem, which Landlock would
 * have scoped to the sandbox's own processes) or on the kernel (writing
 * binfmt_misc/register as root).  An allowlist (review of elevation: a
 * denylist missed binfmt_misc), checked on the object itself, so a mount
 * point under a plain directory is judged by what is mounted there.
 */
bool nono_gate_plain_fs(int fd)
{
	static const unsigned long magic[] = {
	    0xef53,     /* ext2, ext3, ext4 */
	    0x58465342, /* xfs */
	    0x9123683e, /* btrfs */
	    0x01021994, /* tmpfs */
	    0x858458f6, /* ramfs */
	    0x794c7630, /* overlayfs */
	    0xf2f52010, /* f2fs */
	    0x2fc12fc1, /* zfs */
	    0xca451a4e, /* bcachefs */
	    0x6969,     /* nfs */
	    0x65735546, /* fuse (sshfs, virtiofs...) */
	    0x4d44,     /* vfat, msdos */
	    0x2011bab0, /* exfat */
	    0x5346544e, /* ntfs */
	    0x7366746e, /* ntfs3 */
	    0x3153464a, /* jfs */
	    0x52654973, /* reiserfs */
	    0x01021997, /* 9p (v9fs) */
	    0x00c36400, /* ceph */
	    0xff534d42, /* cifs */
	    0xfe534d42, /* smb2 */
	    0x73717368, /* squashfs */
	    0x9660,     /* iso9660 */
	    0xe0f5e1e2, /* erofs */
	};
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0)
		return false;
	for (size_t i = 0; i < sizeof(magic) / sizeof(magic[0]); i++)
		if ((unsigned long)sf.f_type == magic[i])
			return true;
	return false;
}

int nono_gate_own_fd_link(const char *path)
{
	static const char *const std[] = {"/dev/stdin", "/dev/stdout",
					  "/dev/stderr"};
	static const char *const dirs[] = {"/dev/fd/", "/proc/self/fd/",
					   "/proc/thread-self/fd/"};
	const char *s = NULL;
	long v = 0;

	for (int i = 0; i < 3; i++)
		if (strcmp(path, std[i]) == 0)
			return i;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && !s; i++)
		if (strncmp(path, dirs[i], strlen(dirs[i])) == 0)
			s = path + strlen(dirs[i]);
	if (!s || *s < '0' || *s > '9')
		return -1;
	while (*s >= '0' && *s <= '9' && v < 1L << 24)
		v = v * 10 + (*s++ - '0');
	return *s == '\0' && v < 1L << 24 ? (int)v : -1;
}
