// SPDX-License-Identifier: Apache-2.0
/*
 * Mount-namespace masking of protected paths with the new mount API
 * (fsopen/fsmount/open_tree/move_mount), so that no helper directory has to
 * exist anywhere on the host.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/netlink.h>
#include <linux/openat2.h>
#include <linux/sock_diag.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nono/error.h"
#include "nono/ns.h"
#include "util/cleanup.h"
#include "util/linux_calls.h"

static int write_file(const char *path, const char *data)
{
	nono_autoclose int fd = -1;
	size_t n = strlen(data);

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, data, n) != (ssize_t)n)
		return -errno;
	return 0;
}

/* Set once this process has entered its own user and mount namespaces
 * (nono_ns_isolate_net may do it before the masks are applied). */
static bool in_own_mount_ns;

static int enter_namespaces(int flags)
{
	char map[64];
	uid_t uid = getuid();
	gid_t gid = getgid();
	int r;

	if (unshare(CLONE_NEWUSER | flags) < 0)
		return errno == EPERM || errno == EINVAL || errno == ENOSPC
			   ? -NONO_ENOUSERNS
			   : -errno;
	/* Map our own ids onto themselves: files keep their owners and the
	 * command sees the same uid.  setgroups must be denied first. */
	r = write_file("/proc/self/setgroups", "deny");
	if (r < 0 && r != -ENOENT)
		return r;
	snprintf(map, sizeof(map), "%u %u 1", uid, uid);
	r = write_file("/proc/self/uid_map", map);
	if (r < 0)
		return r;
	snprintf(map, sizeof(map), "%u %u 1", gid, gid);
	r = write_file("/proc/self/gid_map", map);
	if (r < 0)
		return r;
	if (!(flags & CLONE_NEWNS))
		return 0;
	/* Our masks must never propagate back into the host namespace. */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return -errno;
	in_own_mount_ns = true;
	return 0;
}

/* A detached, read-only tmpfs whose root directory has mode 0. */
static int empty_tmpfs(bool with_file)
{
	nono_autoclose int fs = -1;
	int m;

	fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -errno;
	if (fsconfig(fs, FSCONFIG_SET_STRING, "mode", with_file ? "0700" : "0",
		     0) < 0)
		return -errno;
	if (fsconfig(fs, FSCONFIG_SET_STRING, "size", "4k", 0) < 0)
		return -errno;
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -errno;
	m = fsmount(fs, FSMOUNT_CLOEXEC,
		    (with_file ? 0 : MOUNT_ATTR_RDONLY) | MOUNT_ATTR_NOSUID |
			MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (m < 0)
		return -errno;
	if (with_file) {
		int f = openat(m, "empty", O_CREAT | O_WRONLY | O_CLOEXEC, 0);

		if (f < 0) {
			int e = -errno;

			close(m);
			return e;
		}
		close(f);
	}
	return m;
}

static int set_readonly(int fd, bool recursive)
{
	struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY};

	if (mount_setattr(fd, "",
			  AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a,
			  sizeof(a)) < 0)
		return -errno;
	return 0;
}

/*
 * The object a mask goes on, opened once: mask paths are canonical, so no
 * symlink is followed anywhere on the way (a directory renamed and a link
 * planted between planning and here would move the mask and leave the
 * real path bare), and the clone and the mount then name the same object.
 */
static int open_target(const char *path)
{
	struct open_how how = {
	    .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
	    .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));

	return fd < 0 ? -errno : fd;
}

static int attach(int fd, int target)
{
	if (move_mount(fd, "", target, "",
		       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

static int hide(const struct nono_mask *m, int *filefs)
{
	nono_autoclose int target = -1;
	nono_autoclose int fd = -1;
	int r;

	target = open_target(m->path);
	if (target < 0)
		return target;
	if (m->is_dir) {
		fd = empty_tmpfs(false);
		if (fd < 0)
			return fd;
		return attach(fd, target);
	}
	/* Files are covered with a clone of one empty, mode-0 file. */
	if (*filefs < 0) {
		*filefs = empty_tmpfs(true);
		if (*filefs < 0)
			return *filefs;
	}
	fd = open_tree(*filefs, "empty", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = set_readonly(fd, false);
	if (r < 0)
		return r;
	return attach(fd, target);
}

static int bind_self(const struct nono_mask *m, bool readonly)
{
	nono_autoclose int target = -1;
	nono_autoclose int fd = -1;
	int r;

	target = open_target(m->path);
	if (target < 0)
		return target;
	if (m->id.ino) {
		struct stat st;

		if (fstat(target, &st) < 0)
			return -errno;
		if ((unsigned long long)st.st_dev != m->id.dev ||
		    (unsigned long long)st.st_ino != m->id.ino ||
		    (unsigned long long)st.st_size != m->id.size ||
		    (long long)st.st_mtim.tv_sec * 1000000000LL +
			    st.st_mtim.tv_nsec !=
			m->id.mtime_ns ||
		    (long long)st.st_ctim.tv_sec * 1000000000LL +
			    st.st_ctim.tv_nsec !=
			m->id.ctime_ns)
			return -NONO_ECHANGED;
	}
	fd = open_tree(target, "",
		       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE |
			   AT_EMPTY_PATH);
	if (fd < 0)
		return -errno;
	if (readonly) {
		r = set_readonly(fd, true);
		if (r < 0)
			return r;
	}
	return attach(fd, target);
}

/*
 * The sandbox's own copy of a directory (NONO_MASK_PRIVATE), mounted at
 * m->path.  A previous sandbox could write where the copy lives: no
 * symlink is followed on the way to it (one planted there would mount
 * ~/.ssh writable), and it must be a directory of ours.
 */
static int bind_private(const struct nono_mask *m)
{
	struct open_how how = {
	    .flags = O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW,
	    .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	nono_autoclose int dir = -1;
	nono_autoclose int target = -1;
	nono_autoclose int fd = -1;
	struct stat st;

	if (!m->src)
		return -EINVAL;
	dir = (int)syscall(SYS_openat2, AT_FDCWD, m->src, &how, sizeof(how));
	if (dir < 0)
		return errno == ENOENT ? -ENOENT : -ELOOP;
	if (fstat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid())
		return -EPERM;
	fd = open_tree(dir, "",
		       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (fd < 0)
		return -errno;
	target = open_target(m->path);
	if (target < 0)
		return target;
	return attach(fd, target);
}

static bool dir_is_empty(const char *path)
{
	struct dirent *de;
	DIR *d = opendir(path);
	bool empty = true;

	if (!d)
		return false;
	while (empty && (de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			empty = false;
	closedir(d);
	return empty;
}

bool nono_ns_mask_effective(const struct nono_mask *m)
{
	struct statvfs sv;
	struct statfs sf;
	struct statx stx;

	switch (m->kind) {
	case NONO_MASK_READONLY:
		/* Already on a read-only mount (an outer sandbox's mask, or a
		 * read-only filesystem): nothing to add. */
		return statvfs(m->path, &sv) == 0 && (sv.f_flag & ST_RDONLY);
	case NONO_MASK_HIDE:
		/*
		 * An outer nono covered it with an empty, mode-0, read-only
		 * tmpfs object.  All of that is required: a secret mounted
		 * read-only on tmpfs (a Kubernetes secret in ~/.aws) has
		 * content and a mode, and must still be hidden.
		 */
		if (statfs(m->path, &sf) != 0 ||
		    sf.f_type != 0x01021994 /* TMPFS_MAGIC */ ||
		    statvfs(m->path, &sv) != 0 || !(sv.f_flag & ST_RDONLY) ||
		    statx(AT_FDCWD, m->path, AT_SYMLINK_NOFOLLOW,
			  STATX_BASIC_STATS, &stx) != 0 ||
		    (stx.stx_mode & 07777) != 0)
			return false;
		/* A file: empty.  A directory: "." and ".." only. */
		if (S_ISREG(stx.stx_mode))
			return stx.stx_size == 0;
		return S_ISDIR(stx.stx_mode) && dir_is_empty(m->path);
	case NONO_MASK_PIN:
	case NONO_MASK_PRIVATE:
		/* Already a mount root: it cannot be renamed away (an outer
		 * nono's private copy stays the one this sandbox sees). */
		return statx(AT_FDCWD, m->path, AT_SYMLINK_NOFOLLOW,
			     STATX_BASIC_STATS, &stx) == 0 &&
		       (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
		       (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
	}
	return false;
}

int nono_ns_apply_masks(const struct nono_caps *caps, char *bad, size_t badlen)
{
	nono_autoclose int filefs = -1;
	size_t i, n = nono_caps_mask_count(caps);
	int r;

	if (bad && badlen)
		bad[0] = '\0';
	/* Inside another nono (or on read-only filesystems) some masks hold
	 * already; with none left, no namespace is needed at all. */
	for (i = 0; i < n; i++)
		if (!nono_ns_mask_effective(nono_caps_mask_at(caps, i)))
			break;
	if (i == n)
		return 0;
	if (!in_own_mount_ns) {
		r = enter_namespaces(CLONE_NEWNS);
		if (r < 0)
			return r;
	}
	/*
	 * Outer paths first: a pinned .git must be mounted before the
	 * read-only .git/hooks inside it, or the later outer bind would
	 * cover the inner one.  Masks are few; a quadratic pass is fine.
	 */
	for (size_t len = 1; len < PATH_MAX; len++) {
		size_t next = PATH_MAX;

		for (i = 0; i < n; i++) {
			const struct nono_mask *m = nono_caps_mask_at(caps, i);
			size_t l = strlen(m->path);

			if (l > len && l < next)
				next = l;
			if (l != len || nono_ns_mask_effective(m))
				continue;
			if (m->kind == NONO_MASK_HIDE)
				r = hide(m, &filefs);
			else if (m->kind == NONO_MASK_PRIVATE)
				r = bind_private(m);
			else
				r = bind_self(m, m->kind == NONO_MASK_READONLY);
			/* A path that vanished since planning needs no mask;
			 * Landlock still refuses it outside the grants. */
			if (r == -ENOENT && m->kind != NONO_MASK_PRIVATE)
				continue;
			if (r < 0) {
				if (bad && badlen && m->src)
					snprintf(bad, badlen,
						 "%s (the sandbox's own copy "
						 "of %s; remove it to start "
						 "afresh)",
						 m->src, m->path);
				else if (bad && badlen)
					snprintf(bad, badlen, "%s", m->path);
				return r;
			}
		}
		if (next == PATH_MAX)
			break;
		len = next - 1;
	}
	/*
	 * The working directory still refers to the directory as it was
	 * before any mask: below a pinned directory (a .git, ~/.config), that
	 * is the mount underneath, where the masks attached later on top do
	 * not exist, and a relative path reached the unmasked hooks or the
	 * hidden ~/.config/nono.  Re-resolving it by name lands on the
	 * masked tree.
	 */
	{
		char cwd[PATH_MAX];

		if (getcwd(cwd, sizeof(cwd)) && cwd[0] == '/' &&
		    chdir(cwd) < 0) {
			if (bad && badlen)
				snprintf(bad, badlen, "%s", cwd);
			return -errno;
		}
	}
	return 0;
}

int nono_ns_isolate_net(uint16_t port, bool mounts, int *listen_fd,
			int *diag_fd)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	struct ifreq ifr = {.ifr_name = "lo"};
	nono_autoclose int s = -1;
	nono_autoclose int diag = -1;
	int fd, r;

	*listen_fd = -1;
	*diag_fd = -1;
	r = enter_namespaces(CLONE_NEWNET | (mounts ? CLONE_NEWNS : 0));
	if (r < 0)
		return r;
	/* A new network namespace has a loopback interface, down. */
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return -errno;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return -errno;
	/* The gate identifies the sandbox's AF_UNIX sockets, which live in
	 * this namespace, through this one. */
	diag = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (diag < 0)
		return -errno;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons(port);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, 4096) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	*listen_fd = fd;
	*diag_fd = nono_steal_fd(&diag);
	return 0;
}

bool nono_ns_available(void)
{
	static int cached = -1;
	pid_t pid;
	int st;

	if (cached >= 0)
		return cached;
	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0)
		_exit(unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0 ? 0 : 1);
	if (waitpid(pid, &st, 0) < 0)
		return false;
	cached = WIFEXITED(st) && WEXITSTATUS(st) == 0;
	return cached;
}
