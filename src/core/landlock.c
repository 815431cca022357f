// SPDX-License-Identifier: Apache-2.0
/*
 * Landlock ruleset construction: maps nono's read/write grants onto the
 * filesystem, network and scope rights that the running kernel's ABI knows,
 * so that every right the ABI can express is denied unless granted.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "landlock_abi.h"
#include "nono/error.h"
#include "nono/landlock.h"
#include "util/cleanup.h"

#define FS_ABI1                                                                \
	(NONO_LL_FS_EXECUTE | NONO_LL_FS_WRITE_FILE | NONO_LL_FS_READ_FILE |   \
	 NONO_LL_FS_READ_DIR | NONO_LL_FS_REMOVE_DIR |                         \
	 NONO_LL_FS_REMOVE_FILE | NONO_LL_FS_MAKE_CHAR | NONO_LL_FS_MAKE_DIR | \
	 NONO_LL_FS_MAKE_REG | NONO_LL_FS_MAKE_SOCK | NONO_LL_FS_MAKE_FIFO |   \
	 NONO_LL_FS_MAKE_BLOCK | NONO_LL_FS_MAKE_SYM)

/* Rights that make sense on a single file (the kernel rejects the rest). */
#define FS_FILE_RIGHTS                                                         \
	(NONO_LL_FS_EXECUTE | NONO_LL_FS_WRITE_FILE | NONO_LL_FS_READ_FILE |   \
	 NONO_LL_FS_TRUNCATE | NONO_LL_FS_IOCTL_DEV)

#define FS_READ_RIGHTS (NONO_LL_FS_READ_FILE | NONO_LL_FS_READ_DIR)

/*
 * Write covers creating, removing and renaming entries.  Device nodes are
 * never creatable (a root child could otherwise mknod a raw disk).
 */
#define FS_WRITE_RIGHTS                                                        \
	(NONO_LL_FS_WRITE_FILE | NONO_LL_FS_REMOVE_DIR |                       \
	 NONO_LL_FS_REMOVE_FILE | NONO_LL_FS_MAKE_DIR | NONO_LL_FS_MAKE_REG |  \
	 NONO_LL_FS_MAKE_SOCK | NONO_LL_FS_MAKE_FIFO | NONO_LL_FS_MAKE_SYM |   \
	 NONO_LL_FS_REFER | NONO_LL_FS_TRUNCATE)

static long ll_create(const struct nono_ll_ruleset_attr *attr, size_t size,
		      __u32 flags)
{
	return syscall(__NR_landlock_create_ruleset, attr, size, flags);
}

static long ll_add_rule(int fd, int type, const void *attr)
{
	return syscall(__NR_landlock_add_rule, fd, type, attr, 0);
}

int nono_landlock_abi(void)
{
	const char *cap = getenv("NONO_LANDLOCK_ABI");
	long abi;

	abi = ll_create(NULL, 0, NONO_LL_CREATE_RULESET_VERSION);
	if (abi < 1)
		return -NONO_ENOLANDLOCK;
	if (cap && *cap) {
		char *end;
		long v = strtol(cap, &end, 10);

		/* Only ever lowers the ABI: a test knob, never a bypass. */
		if (*end == '\0' && v >= 0 && v < abi)
			abi = v;
		if (abi < 1)
			return -NONO_ENOLANDLOCK;
	}
	if (abi > NONO_LANDLOCK_ABI_KNOWN)
		abi = NONO_LANDLOCK_ABI_KNOWN;
	return (int)abi;
}

static __u64 fs_handled(int abi)
{
	__u64 r = FS_ABI1;

	if (abi >= 2)
		r |= NONO_LL_FS_REFER;
	if (abi >= 3)
		r |= NONO_LL_FS_TRUNCATE;
	if (abi >= 5)
		r |= NONO_LL_FS_IOCTL_DEV;
	return r;
}

void nono_landlock_describe(int abi, const struct nono_caps *caps,
			    struct nono_landlock_report *rep)
{
	unsigned scopes = nono_caps_scopes(caps);

	memset(rep, 0, sizeof(*rep));
	if (abi < 1)
		return;
	rep->abi = abi;
	rep->fs_handled = fs_handled(abi);
	rep->refer = abi >= 2;
	rep->truncate = abi >= 3;
	rep->tcp = abi >= 4 && nono_caps_net(caps) == NONO_NET_BLOCK;
	rep->ioctl_dev = abi >= 5;
	rep->scope_signal = abi >= 6 && (scopes & NONO_SCOPE_SIGNAL);
	rep->scope_abstract = abi >= 6 && (scopes & NONO_SCOPE_ABSTRACT_UNIX);
}

static __u64 rights_for(unsigned access, unsigned flags, bool is_dir, int abi)
{
	__u64 r = 0;

	if (access & NONO_ACCESS_READ) {
		r |= FS_READ_RIGHTS;
		if (!(flags & NONO_GRANT_NOEXEC))
			r |= NONO_LL_FS_EXECUTE;
	}
	if (access & NONO_ACCESS_WRITE)
		r |= FS_WRITE_RIGHTS;
	if (flags & NONO_GRANT_DEVICE)
		r |= NONO_LL_FS_IOCTL_DEV;
	/* A guarded directory: its entries may change, but new names (and
	 * renames into it) are decided by the supervisor, never here. */
	if (flags & NONO_GRANT_NOCREATE)
		r &= ~(NONO_LL_FS_MAKE_CHAR | NONO_LL_FS_MAKE_DIR |
		       NONO_LL_FS_MAKE_REG | NONO_LL_FS_MAKE_SOCK |
		       NONO_LL_FS_MAKE_FIFO | NONO_LL_FS_MAKE_BLOCK |
		       NONO_LL_FS_MAKE_SYM | NONO_LL_FS_REFER);
	if (flags & NONO_GRANT_NOWRITE)
		r &= ~(NONO_LL_FS_WRITE_FILE | NONO_LL_FS_TRUNCATE);
	if (!is_dir)
		r &= FS_FILE_RIGHTS;
	return r & fs_handled(abi);
}

/*
 * Opens grant paths for the ruleset cheaply: entries that share a parent
 * directory (most of the system list lives in /etc) are opened relative to
 * one cached O_PATH descriptor of it, and the descriptors of finished rules
 * are closed in batches.  The ruleset (~60 rules at ~3 us) is the largest
 * part of what nono adds to a command's start-up; this saves one path walk
 * from / and one close(2) per rule (476 -> 431 syscalls in all).
 */
#define OPENER_BATCH 64

struct opener {
	char dir[PATH_MAX]; /* parent of the previous path, or "" */
	int dfd;
	bool dir_strict;        /* dfd was opened with no symlink on the way */
	int done[OPENER_BATCH]; /* descriptors to close, ascending */
	size_t ndone;
};

static void opener_flush(struct opener *op)
{
	size_t i = 0;

	while (i < op->ndone) {
		size_t j = i;

		/* Consecutive numbers go in one close_range() call. */
		while (j + 1 < op->ndone && op->done[j + 1] == op->done[j] + 1)
			j++;
		if (j == i || syscall(__NR_close_range, op->done[i],
				      op->done[j], 0) < 0) {
			for (size_t k = i; k <= j; k++)
				close(op->done[k]);
		}
		i = j + 1;
	}
	op->ndone = 0;
}

static void opener_done(struct opener *op, int fd)
{
	if (op->ndone > 0 && fd < op->done[op->ndone - 1])
		opener_flush(op); /* keep the list ascending */
	if (op->ndone == OPENER_BATCH)
		opener_flush(op);
	op->done[op->ndone++] = fd;
}

static void opener_clear(struct opener *op)
{
	opener_flush(op);
	if (op->dfd >= 0)
		close(op->dfd);
	op->dfd = -1;
	op->dir[0] = '\0';
}

/*
 * open(@path, @oflags).  @strict: no symlink anywhere on the way (user
 * paths are canonical, so a link now means the tree was changed under us
 * between planning and this open, and the rule would land elsewhere).
 */
static int open_path(int dfd, const char *path, int oflags, bool strict)
{
	struct open_how how = {
	    .flags = (unsigned)oflags,
	    .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};

	if (!strict)
		return openat(dfd, path, oflags);
	return (int)syscall(SYS_openat2, dfd, path, &how, sizeof(how));
}

/* open_path(), through the cached parent directory when it can. */
static int opener_open(struct opener *op, const char *path, int oflags,
		       bool strict)
{
	const char *slash = strrchr(path, '/');
	size_t dlen;

	if (!slash || slash == path || slash[1] == '\0' ||
	    (size_t)(slash - path) >= sizeof(op->dir))
		return open_path(AT_FDCWD, path, oflags, strict);
	dlen = (size_t)(slash - path);
	if (op->dfd < 0 || op->dir_strict != strict ||
	    strlen(op->dir) != dlen || memcmp(op->dir, path, dlen) != 0) {
		if (op->dfd >= 0)
			close(op->dfd);
		op->dir[0] = '\0';
		memcpy(op->dir, path, dlen);
		op->dir[dlen] = '\0';
		op->dir_strict = strict;
		op->dfd = open_path(AT_FDCWD, op->dir,
				    O_PATH | O_DIRECTORY | O_CLOEXEC, strict);
		if (op->dfd < 0) {
			op->dir[0] = '\0';
			return -1;
		}
	}
	return open_path(op->dfd, slash + 1, oflags, strict);
}

static int add_path(struct opener *op, int fd, int abi, const char *path,
		    unsigned access, unsigned flags)
{
	struct nono_ll_path_beneath_attr pb = {0};
	int oflags = O_PATH | O_CLOEXEC;
	bool strict = !(flags & NONO_GRANT_FOLLOW);
	int pfd, r = 0;

	/*
	 * No symlink followed unless the path is one of nono's trusted
	 * system paths: user paths were canonicalised, and a symlink on the
	 * way now means the tree changed under us (a directory renamed and
	 * a link planted between planning and here would move the rule).
	 * openat2 refuses it with ELOOP: the failure is closed.
	 */
	if (!(flags & NONO_GRANT_FOLLOW))
		oflags |= O_NOFOLLOW;
	pfd = op ? opener_open(op, path, oflags, strict)
		 : open_path(AT_FDCWD, path, oflags, strict);
	if (pfd < 0)
		return -errno;
	/* A directory flagged as a file would get file rights on the whole
	 * tree beneath it: refuse it (one fstat, file grants only).  nono's
	 * own system list (FOLLOW) names root-owned files: no check. */
	if ((flags & (NONO_GRANT_FILE | NONO_GRANT_FOLLOW)) ==
	    NONO_GRANT_FILE) {
		struct stat st;

		if (fstat(pfd, &st) < 0)
			r = -errno;
		else if (S_ISDIR(st.st_mode))
			r = -EISDIR;
	}
	pb.parent_fd = pfd;
	pb.allowed_access =
	    rights_for(access, flags, !(flags & NONO_GRANT_FILE), abi);
	if (r == 0 && pb.allowed_access &&
	    ll_add_rule(fd, NONO_LL_RULE_PATH_BENEATH, &pb) < 0)
		r = -errno;
	if (op)
		opener_done(op, pfd);
	else
		close(pfd);
	return r;
}

int nono_landlock_add_path(int fd, int abi, const char *path, unsigned access,
			   unsigned flags)
{
	return add_path(NULL, fd, abi, path, access, flags);
}

int nono_landlock_build(const struct nono_caps *caps, int abi, int *fd,
			char *bad, size_t badlen)
{
	struct nono_ll_ruleset_attr attr = {0};
	struct opener op;
	nono_autoclose int rfd = -1;
	size_t attr_size, i;
	unsigned scopes = nono_caps_scopes(caps);
	bool block = nono_caps_net(caps) == NONO_NET_BLOCK;
	int r = -EINVAL;

	*fd = -1;
	if (bad && badlen)
		bad[0] = '\0';
	if (abi < 1)
		return -NONO_ENOLANDLOCK;
	attr.handled_access_fs = fs_handled(abi);
	attr_size = sizeof(__u64);
	if (abi >= 4) {
		attr_size = 2 * sizeof(__u64);
		if (block)
			attr.handled_access_net =
			    NONO_LL_NET_BIND_TCP | NONO_LL_NET_CONNECT_TCP;
	} else if (block && nono_caps_port_count(caps) > 0) {
		/* Without Landlock TCP rules seccomp must refuse all of
		 * AF_INET, and a port exception cannot be expressed. */
		return -NONO_EUNSUPPORTED;
	}
	if (abi >= 6) {
		attr_size = sizeof(attr);
		if (scopes & NONO_SCOPE_SIGNAL)
			attr.scoped |= NONO_LL_SCOPE_SIGNAL;
		if (scopes & NONO_SCOPE_ABSTRACT_UNIX)
			attr.scoped |= NONO_LL_SCOPE_ABSTRACT_UNIX;
	}
	rfd = (int)ll_create(&attr, attr_size, 0);
	if (rfd < 0)
		return -errno;

	op.dfd = -1;
	op.dir_strict = false;
	op.ndone = 0;
	op.dir[0] = '\0';
	for (i = 0; i < nono_caps_path_count(caps); i++) {
		const struct nono_grant *g = nono_caps_path_at(caps, i);

		r = add_path(&op, rfd, abi, g->path, g->access, g->flags);
		if (r == -ENOENT && (g->flags & NONO_GRANT_OPTIONAL))
			continue;
		if (r < 0) {
			opener_clear(&op);
			if (bad && badlen)
				snprintf(bad, badlen, "%s", g->path);
			return r;
		}
	}
	opener_clear(&op);
	if (block && abi >= 4) {
		for (i = 0; i < nono_caps_port_count(caps); i++) {
			struct nono_ll_net_port_attr np = {
			    .allowed_access =
				NONO_LL_NET_BIND_TCP | NONO_LL_NET_CONNECT_TCP,
			    .port = nono_caps_port_at(caps, i),
			};

			if (ll_add_rule(rfd, NONO_LL_RULE_NET_PORT, &np) < 0)
				return -errno;
		}
	}
	*fd = nono_steal_fd(&rfd);
	return 0;
}

int nono_landlock_restrict(int fd)
{
	if (syscall(__NR_landlock_restrict_self, fd, 0) < 0)
		return -errno;
	return 0;
}
