// SPDX-License-Identifier: Apache-2.0
/*
 * Capability elevation of the calls that only change names: unlink and
 * rmdir, mknod of a regular file, symlink, link and rename, where the
 * grants refuse them (the directory, or one of the two, is not writable).
 *
 * Each name is identified as opens are (elevate.c): its parent directory
 * opened in the sandboxed task's own view with no symlink on the way, as
 * an O_PATH fd, and the final name; the question, the cache of answers and
 * the checks use those fds' paths, never the strings the task passed.  An
 * approved request is performed on the fds (unlinkat, mknodat, symlinkat,
 * linkat, renameat2), with no effective capability and the task's umask.
 *
 * What is offered:
 * - a removal of a regular file, a symlink (the link, not what it leads
 *   to) or an empty directory;
 * - a new regular file by mknod, a new symlink (the question shows what it
 *   holds: following it later, the sandbox meets Landlock at the target);
 * - a hard link to a regular file that gives no access the file's own name
 *   does not (Landlock's rule for links: else a file the sandbox may only
 *   read could be linked where it may write);
 * - a rename of a regular file with no other name, to a name that is free
 *   or holds a regular file with no other name.  Directories are never
 *   moved (a tree brings names nobody was asked about), nor symlinks.
 * Never: protected paths, nono's state, persistence names (on either side
 * of a rename), pseudo filesystems.
 *
 * What is performed is the object asked about: its device and inode are
 * checked just before, and a link or a rename that met another object (a
 * swap in a directory the sandbox may write, between the check and the
 * call) is undone and refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nono/caps.h"
#include "nono/path.h"
#include "supervisor/elevate_internal.h"
#include "util/cleanup.h"
#include "util/linux_calls.h"

bool nono_elv_name_call(int nr)
{
	switch (nr) {
#ifdef __NR_unlink
	case __NR_unlink:
#endif
#ifdef __NR_rmdir
	case __NR_rmdir:
#endif
#ifdef __NR_mknod
	case __NR_mknod:
#endif
#ifdef __NR_symlink
	case __NR_symlink:
#endif
#ifdef __NR_link
	case __NR_link:
#endif
#ifdef __NR_rename
	case __NR_rename:
#endif
#ifdef __NR_renameat
	case __NR_renameat:
#endif
	case __NR_unlinkat:
	case __NR_mknodat:
	case __NR_symlinkat:
	case __NR_linkat:
	case __NR_renameat2:
		return true;
	default:
		return false;
	}
}

/* Where the call's strings are, in the task. */
struct names_call {
	int dirfd, olddirfd;
	__u64 path, oldpath, target; /* 0: none */
};

/* The call's names and what it does (rq->op, rflags, mode): 0, or -1 when
 * elevation leaves it to the gate and the kernel (a flag it does not
 * perform: AT_SYMLINK_FOLLOW, RENAME_EXCHANGE, a device node). */
static int decode(const struct seccomp_notif *req, struct names_call *c,
		  struct elv_req *rq)
{
	const __u64 *a = req->data.args;

	memset(c, 0, sizeof(*c));
	c->dirfd = c->olddirfd = AT_FDCWD;
	switch (req->data.nr) {
#ifdef __NR_unlink
	case __NR_unlink:
		c->path = a[0];
		rq->op = OP_REMOVE;
		return 0;
#endif
#ifdef __NR_rmdir
	case __NR_rmdir:
		c->path = a[0];
		rq->op = OP_REMOVE;
		rq->rflags = AT_REMOVEDIR;
		return 0;
#endif
	case __NR_unlinkat:
		if ((int)a[2] & ~AT_REMOVEDIR)
			return -1;
		c->dirfd = (int)a[0];
		c->path = a[1];
		rq->op = OP_REMOVE;
		rq->rflags = (unsigned)a[2] & AT_REMOVEDIR;
		return 0;
#ifdef __NR_mknod
	case __NR_mknod:
		c->path = a[0];
		rq->mode = (mode_t)a[1];
		break;
#endif
	case __NR_mknodat:
		c->dirfd = (int)a[0];
		c->path = a[1];
		rq->mode = (mode_t)a[2];
		break;
#ifdef __NR_symlink
	case __NR_symlink:
		c->target = a[0];
		c->path = a[1];
		rq->op = OP_SYMLINK;
		return 0;
#endif
	case __NR_symlinkat:
		c->target = a[0];
		c->dirfd = (int)a[1];
		c->path = a[2];
		rq->op = OP_SYMLINK;
		return 0;
#ifdef __NR_link
	case __NR_link:
		c->oldpath = a[0];
		c->path = a[1];
		rq->op = OP_LINK;
		return 0;
#endif
	case __NR_linkat:
		if (a[4])
			return -1;
		c->olddirfd = (int)a[0];
		c->oldpath = a[1];
		c->dirfd = (int)a[2];
		c->path = a[3];
		rq->op = OP_LINK;
		return 0;
#ifdef __NR_rename
	case __NR_rename:
		c->oldpath = a[0];
		c->path = a[1];
		rq->op = OP_MOVE;
		return 0;
#endif
#ifdef __NR_renameat
	case __NR_renameat:
#endif
	case __NR_renameat2:
		if (req->data.nr == __NR_renameat2) {
			if ((unsigned)a[4] & ~(unsigned)RENAME_NOREPLACE)
				return -1;
			rq->rflags = (unsigned)a[4];
		}
		c->olddirfd = (int)a[0];
		c->oldpath = a[1];
		c->dirfd = (int)a[2];
		c->path = a[3];
		rq->op = OP_MOVE;
		return 0;
	default:
		return -1;
	}
	/* mknod: a regular file only (a FIFO, a socket or a device is the
	 * kernel's). */
	if ((rq->mode & S_IFMT) && !S_ISREG(rq->mode))
		return -1;
	/* No set-id or sticky bit (review: a root run made a setuid file
	 * outside the grants, and the question said "create"). */
	rq->mode &= 0777;
	rq->op = OP_MKNOD;
	return 0;
}

/* The absolute form of the task's string at @addr (@path gets it). */
static int abs_of(pid_t pid, int *pidfd, int dirfd, __u64 addr, char *path,
		  char *abs)
{
	if (nono_gate_read_string(pid, addr, path, PATH_MAX) < 0 || !path[0])
		return -1;
	/* A pidfd only for a path relative to a directory fd. */
	if (path[0] != '/' && dirfd != AT_FDCWD && *pidfd < 0 &&
	    (*pidfd = nono_gate_pidfd(pid)) < 0)
		return -1;
	return nono_gate_task_abs(pid, *pidfd, dirfd, path, abs, PATH_MAX);
}

/* The grants let the sandbox change the names in the directory that holds
 * @path's name (Landlock then decides, and the gate where it guards). */
static bool dir_writable(const struct nono_caps *caps, const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');

	if (!slash)
		return false;
	snprintf(dir, sizeof(dir), "%.*s",
		 slash == path ? 1 : (int)(slash - path), path);
	return nono_caps_allows(caps, dir, NONO_ACCESS_WRITE, NULL);
}

/* Written plainly: nothing a lexical reading could get wrong. */
static bool plain(const char *abs)
{
	return !strstr(abs, "/.") && !strstr(abs, "//");
}

/* The object at @dfd/@name is on a filesystem that only stores files. */
static bool object_plain(int dfd, const char *name)
{
	nono_autoclose int fd =
	    openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	return fd >= 0 && nono_gate_plain_fs(fd);
}

/* A new name at @to would give an access the file's name @from does not
 * (Landlock's rule for links). */
static bool gains(const struct nono_caps *caps, const char *from,
		  const char *to)
{
	static const unsigned rights[] = {NONO_ACCESS_READ, NONO_ACCESS_WRITE};

	for (size_t i = 0; i < sizeof(rights) / sizeof(rights[0]); i++)
		if (nono_caps_allows(caps, to, rights[i], NULL) &&
		    !nono_caps_allows(caps, from, rights[i], NULL))
			return true;
	return false;
}

/* What a symlink at @rq's name would lead to may be offered (review: a
 * link named build.log to ~/.bashrc, or ~/bin to a directory in /tmp):
 * not a protected path, nor one that would run code later, nor anything
 * in a writable grant, whose contents the sandbox would then choose.
 * Judged lexically from the link's directory: a symlink on the way is
 * either the sandbox's (in a writable grant: refused there) or not its to
 * change. */
static bool target_offered(struct nono_gate *g, const struct elv_req *rq)
{
	struct nono_elevate *e = g->elevate;
	char to[PATH_MAX];
	const char *slash = strrchr(rq->real, '/');

	if (rq->target[0] == '/')
		snprintf(to, sizeof(to), "/");
	else
		snprintf(to, sizeof(to), "%.*s",
			 !slash || slash == rq->real ? 1
						     : (int)(slash - rq->real),
			 rq->real);
	if (nono_path_fold(to, sizeof(to), rq->target) < 0)
		return false;
	return !nono_caps_allows(g->caps, to, NONO_ACCESS_WRITE, NULL) &&
	       !nono_elv_persistence(e, -1, to) && !nono_elv_kept(g, to) &&
	       e->cfg.may(e->cfg.arg, to, true, false);
}

/* May be put to the user at all: neither name protected, kept, hidden or
 * one that would run code outside the sandbox later. */
static bool offered(struct nono_gate *g, const struct elv_req *rq)
{
	struct nono_elevate *e = g->elevate;

	if (nono_elv_persistence(e, rq->dirfd, rq->real) ||
	    nono_elv_kept(g, rq->real) ||
	    !e->cfg.may(e->cfg.arg, rq->real, true, rq->existed))
		return false;
	/* A rename removes the source's name; a link only reads it. */
	if (rq->op & OP_MOVE)
		return !nono_elv_persistence(e, rq->fromfd, rq->from) &&
		       !nono_elv_kept(g, rq->from) &&
		       e->cfg.may(e->cfg.arg, rq->from, true, true);
	if (rq->op & OP_LINK)
		return e->cfg.may(e->cfg.arg, rq->from, false, true);
	if (rq->op & OP_SYMLINK)
		return target_offered(g, rq);
	return true;
}

/* The checks of what is there, as of now: 0, or -1 (the kernel's). */
static int check(const struct nono_caps *caps, struct elv_req *rq)
{
	struct stat st, from;

	rq->existed =
	    fstatat(rq->dirfd, rq->name, &st, AT_SYMLINK_NOFOLLOW) == 0;
	if (rq->existed) {
		rq->isdir = S_ISDIR(st.st_mode);
		rq->dev = st.st_dev;
		rq->ino = st.st_ino;
	}
	switch (rq->op) {
	case OP_REMOVE:
		if (!rq->existed ||
		    !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) ||
		      S_ISLNK(st.st_mode)) ||
		    S_ISDIR(st.st_mode) != !!(rq->rflags & AT_REMOVEDIR) ||
		    !object_plain(rq->dirfd, rq->name))
			return -1;
		return 0;
	case OP_MKNOD:
	case OP_SYMLINK:
		return rq->existed ? -1 : 0;
	default: /* OP_LINK, OP_MOVE */
		break;
	}
	/* The source pinned: what is linked or moved is this file, by its
	 * inode, whatever its name holds by then (review: a rename that
	 * met an object swapped in was "put back" into a directory the
	 * sandbox may not write). */
	rq->pathfd =
	    openat(rq->fromfd, rq->from_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (rq->pathfd < 0 || fstat(rq->pathfd, &from) < 0 ||
	    !S_ISREG(from.st_mode) || !nono_gate_plain_fs(rq->pathfd))
		return -1;
	rq->from_dev = from.st_dev;
	rq->from_ino = from.st_ino;
	if (rq->op == OP_LINK)
		return rq->existed || gains(caps, rq->from, rq->real) ? -1 : 0;
	/* A rename: the file has no other name (which could be a protected
	 * file's), and what it replaces is a plain file with none either. */
	if (from.st_nlink != 1 ||
	    (rq->existed &&
	     (!S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	      (rq->rflags & RENAME_NOREPLACE) ||
	      (st.st_dev == from.st_dev && st.st_ino == from.st_ino))))
		return -1;
	return 0;
}

int nono_elv_names_handle(struct nono_gate *g, int listener,
			  const struct seccomp_notif *req)
{
	const struct nono_caps *caps = g->caps;
	struct elv_req rq = ELV_REQ_INIT;
	struct elv_req src = ELV_REQ_INIT;
	char path[PATH_MAX], abs[PATH_MAX], oldabs[PATH_MAX];
	nono_autoclose int pidfd = -1;
	struct names_call c;
	bool two;

	if (decode(req, &c, &rq) < 0)
		return NONO_ELEVATE_NOT_MINE;
	two = (rq.op & OP_TWO) != 0;
	if (abs_of(req->pid, &pidfd, c.dirfd, c.path, path, abs) < 0 ||
	    (two &&
	     abs_of(req->pid, &pidfd, c.olddirfd, c.oldpath, path, oldabs) < 0))
		return NONO_ELEVATE_NOT_MINE;
	/* The common case, granted as written: the gate's and the kernel's.
	 * A link needs the new name's directory; a rename the old one's
	 * too. */
	if (plain(abs) && dir_writable(caps, abs) &&
	    (rq.op != OP_MOVE || (plain(oldabs) && dir_writable(caps, oldabs))))
		return NONO_ELEVATE_NOT_MINE;
	if (rq.op == OP_SYMLINK &&
	    nono_gate_read_string(req->pid, c.target, rq.target,
				  sizeof(rq.target)) < 0)
		return NONO_ELEVATE_NOT_MINE;
	/* From here the answer matters: the task that named it is still
	 * the one waiting.  Everything read from it is read. */
	if (!nono_gate_still_valid(listener, req->id) ||
	    nono_gate_hold_lowered() < 0 ||
	    nono_elv_locate(g, req->pid, abs, &rq) < 0)
		return NONO_ELEVATE_NOT_MINE;
	if (two) {
		if (nono_elv_locate(g, req->pid, oldabs, &src) < 0)
			goto kernel;
		rq.fromfd = src.dirfd;
		memcpy(rq.from_name, src.name, sizeof(rq.from_name));
		memcpy(rq.from, src.real, sizeof(rq.from));
	}
	/* Granted where they really are: the kernel's, as without
	 * elevation. */
	if ((dir_writable(caps, rq.real) &&
	     (rq.op != OP_MOVE || dir_writable(caps, rq.from))) ||
	    check(caps, &rq) < 0)
		goto kernel;
	rq.id = req->id;
	rq.pid = req->pid;
	return nono_elv_submit(g, listener, &rq, offered);
kernel:
	/* The fds located or pinned so far (a check that failed after the
	 * source was pinned, too). */
	if (rq.dirfd >= 0)
		close(rq.dirfd);
	if (rq.fromfd >= 0)
		close(rq.fromfd);
	if (rq.pathfd >= 0)
		close(rq.pathfd);
	return NONO_ELEVATE_NOT_MINE;
}

/* The object at @dfd/@name is still @dev/@ino: 0, or -errno. */
static int same(int dfd, const char *name, dev_t dev, ino_t ino)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return st.st_dev == dev && st.st_ino == ino ? 0 : -EACCES;
}

/* A new name @name in @dfd for the file @fd pins (by its inode: linkat
 * through /proc/self/fd follows the fd, not a name).  0 or -errno. */
static int link_pinned(int fd, int dfd, const char *name)
{
	char self[64];

	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	return linkat(AT_FDCWD, self, dfd, name, AT_SYMLINK_FOLLOW) < 0 ? -errno
									: 0;
}

/*
 * A rename, performed on the source's inode: it gets the destination name
 * (a free one by link; over the file asked about by a link to a fresh name
 * beside it, renamed over last), and the source's name is removed while
 * it still holds this file.  Another object swapped in at the source (only
 * where the sandbox may write that directory: its own) is left there; the
 * destination holds the file asked about either way.
 */
static int perform_move(const struct elv_req *rq)
{
	char tmp[NAME_MAX + 1];
	unsigned rnd = 0;
	int r;

	if (!rq->existed) {
		r = link_pinned(rq->pathfd, rq->dirfd, rq->name);
		if (r)
			return r;
		if (same(rq->fromfd, rq->from_name, rq->from_dev,
			 rq->from_ino) == 0 &&
		    unlinkat(rq->fromfd, rq->from_name, 0) < 0) {
			/* Not moved after all: the new name goes again. */
			r = -errno;
			(void)unlinkat(rq->dirfd, rq->name, 0);
			return r;
		}
		return 0;
	}
	/* Over the file asked about: a fresh name beside it first, the
	 * source's name removed, and only then the replacement, the one
	 * step that cannot be undone. */
	r = same(rq->dirfd, rq->name, rq->dev, rq->ino);
	if (r)
		return r;
	if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		rnd = (unsigned)rq->from_ino;
	snprintf(tmp, sizeof(tmp), ".nono-elevation-%08x", rnd);
	r = link_pinned(rq->pathfd, rq->dirfd, tmp);
	if (r)
		return r;
	if (same(rq->fromfd, rq->from_name, rq->from_dev, rq->from_ino) == 0 &&
	    unlinkat(rq->fromfd, rq->from_name, 0) < 0) {
		r = -errno;
		(void)unlinkat(rq->dirfd, tmp, 0);
		return r;
	}
	if (renameat2(rq->dirfd, tmp, rq->dirfd, rq->name, 0) < 0) {
		r = -errno;
		/* The source's own file back under its name; if that is
		 * taken meanwhile, it stays under the fresh name rather than
		 * being lost. */
		if (link_pinned(rq->pathfd, rq->fromfd, rq->from_name) == 0)
			(void)unlinkat(rq->dirfd, tmp, 0);
		return r;
	}
	return 0;
}

static int perform_link(const struct elv_req *rq)
{
	return link_pinned(rq->pathfd, rq->dirfd, rq->name);
}

void nono_elv_perform_name(struct nono_gate *g, int listener,
			   const struct elv_req *rq)
{
	struct seccomp_notif_resp resp = {.id = rq->id};
	mode_t old;
	int r;

	nono_elv_approved(g->elevate, rq);
	if (nono_gate_hold_lowered() < 0) {
		nono_elv_send_error(listener, rq->id, EPERM);
		return;
	}
	switch (rq->op) {
	case OP_REMOVE:
		r = same(rq->dirfd, rq->name, rq->dev, rq->ino);
		if (!r && unlinkat(rq->dirfd, rq->name, (int)rq->rflags) < 0)
			r = -errno;
		break;
	case OP_MKNOD:
		old = umask(nono_gate_task_umask(g, rq->pid));
		r = mknodat(rq->dirfd, rq->name, S_IFREG | rq->mode, 0) < 0
			? -errno
			: 0;
		umask(old);
		break;
	case OP_SYMLINK:
		r = symlinkat(rq->target, rq->dirfd, rq->name) < 0 ? -errno : 0;
		break;
	case OP_LINK:
		r = perform_link(rq);
		break;
	default:
		r = perform_move(rq);
		break;
	}
	resp.error = r;
	notif_ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}
