// SPDX-License-Identifier: Apache-2.0
/*
 * The attribute half of the gate: chmod(2) and chown(2) in all their forms.
 * Landlock has no right for them, so a sandbox could change the mode or
 * group of any file it may only read (make a read-only script world
 * writable, drop the execute bit of a tool, setgid a directory).  The
 * supervisor decides each call on the file it opened itself in the
 * sandbox's view (an fd, never the path again), refuses files outside the
 * writable grants, and performs the rest itself with its capabilities
 * lowered for the call, so that the kernel's own owner and group checks
 * are the sandbox's (nono run as root still gives the sandbox none).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nono/log.h"
#include "supervisor/gate_internal.h"
#include "util/cleanup.h"

bool nono_attrgate_handles(int nr)
{
	switch (nr) {
	case __NR_chmod:
	case __NR_fchmod:
	case __NR_fchmodat:
	case __NR_chown:
	case __NR_fchown:
	case __NR_lchown:
	case __NR_fchownat:
		return true;
	default:
		return false;
	}
}

/*
 * The mode @m without the bits that would run a program as its owner or
 * group: the set-user-ID bit, and the set-group-ID bit of anything but a
 * directory (where it only passes the group on).  The owner's checks
 * would allow them, but no_new_privs binds the sandbox alone: a root run
 * made a setuid-root copy of a program in /tmp that any local user then
 * ran as root (review r6, F3), a user's run one that runs as that user.
 */
static mode_t without_setid(int fd, mode_t m)
{
	struct stat st;

	m &= ~(mode_t)S_ISUID;
	if ((m & S_ISGID) && (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)))
		m &= ~(mode_t)S_ISGID;
	return m;
}

/* Runs chmod or chown on our fd @fd of the target with no effective
 * capability: the permission checks are the sandbox's.  Capabilities are
 * per thread; only this one is lowered, and only for the call. */
static int perform(int nr, int fd, const __u64 *a)
{
	struct nono_caps_save cs;
	char proc[64];
	int r;

	if (nono_gate_lower(&cs) < 0)
		return -EPERM; /* fail closed */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	switch (nr) {
	case __NR_chmod:
		r = chmod(proc, without_setid(fd, (mode_t)a[1]));
		break;
	case __NR_fchmodat:
		r = chmod(proc, without_setid(fd, (mode_t)a[2]));
		break;
	case __NR_fchmod:
		r = fchmod(fd, without_setid(fd, (mode_t)a[1]));
		break;
	case __NR_chown:
	case __NR_lchown:
		r = fchownat(fd, "", (uid_t)a[1], (gid_t)a[2], AT_EMPTY_PATH);
		break;
	case __NR_fchownat:
		r = fchownat(fd, "", (uid_t)a[2], (gid_t)a[3], AT_EMPTY_PATH);
		break;
	default: /* fchown */
		r = fchown(fd, (uid_t)a[1], (gid_t)a[2]);
		break;
	}
	r = r < 0 ? -errno : 0;
	nono_gate_restore(&cs);
	return r;
}

void nono_attrgate_handle(struct nono_gate *g, int listener,
			  const struct seccomp_notif *req,
			  struct seccomp_notif_resp *resp)
{
	const __u64 *a = req->data.args;
	int nr = req->data.nr;
	nono_autoclose int fd = -1;
	nono_autoclose int pidfd = -1;
	char path[PATH_MAX], abs[PATH_MAX], canon[PATH_MAX] = "";
	int r;

	resp->flags = 0;
	resp->error = -EPERM;
	pidfd = nono_gate_pidfd(req->pid);
	if (pidfd < 0)
		return;
	if (nr == __NR_fchmod || nr == __NR_fchown) {
		fd = (int)syscall(SYS_pidfd_getfd, pidfd,
				  (int)(a[0] & 0xffffffffu), 0);
		if (fd < 0) {
			resp->error = errno == EBADF ? -EBADF : -EPERM;
			return;
		}
	} else {
		int dirfd = AT_FDCWD, flags = 0;
		__u64 p = a[0];
		bool follow;

		if (nr == __NR_fchmodat || nr == __NR_fchownat) {
			dirfd = (int)(a[0] & 0xffffffffu);
			p = a[1];
			flags = nr == __NR_fchownat ? (int)a[4] : 0;
		}
		follow = nr != __NR_lchown && !(flags & AT_SYMLINK_NOFOLLOW);
		r = nono_gate_read_string(req->pid, p, path, sizeof(path));
		if (r < 0) {
			resp->error = r;
			return;
		}
		if (!path[0] && !(flags & AT_EMPTY_PATH)) {
			resp->error = -ENOENT;
			return;
		}
		if (!path[0] && dirfd != AT_FDCWD) {
			/* fchownat(fd, "", ..., AT_EMPTY_PATH): the fd. */
			fd = (int)syscall(SYS_pidfd_getfd, pidfd, dirfd, 0);
			if (fd < 0)
				return;
		} else if (follow && nono_gate_own_fd_link(path) >= 0) {
			/* chmod("/proc/self/fd/N"): how the C library does
			 * fchmodat(AT_SYMLINK_NOFOLLOW) and fchmod of an O_PATH
			 * fd (tar x did): the caller's fd N. */
			fd = (int)syscall(SYS_pidfd_getfd, pidfd,
					  nono_gate_own_fd_link(path), 0);
			if (fd < 0) {
				resp->error = errno == EBADF ? -EBADF : -EPERM;
				return;
			}
		} else {
			r = nono_gate_task_abs(req->pid, pidfd, dirfd,
					       path[0] ? path : ".", abs,
					       sizeof(abs));
			if (r < 0)
				return;
			fd = nono_gate_open_in_task(
			    g, req->pid, abs,
			    O_PATH | (follow ? 0 : O_NOFOLLOW));
			if (fd < 0) {
				resp->error = fd;
				return;
			}
		}
	}
	if (!nono_gate_still_valid(listener, req->id)) {
		resp->error = -ESRCH;
		return;
	}
	/* Decided on the file we hold: a path swapped meanwhile changes
	 * nothing. */
	if (nono_gate_fd_path(fd, canon, sizeof(canon)) < 0 ||
	    nono_gate_under_mask(g->caps, canon, true) ||
	    !nono_caps_allows(g->caps, canon, NONO_ACCESS_WRITE, NULL)) {
		char shown[112];

		snprintf(shown, sizeof(shown), "%.100s", canon);
		nono_gate_note_denial(g, NONO_GATE_ATTR, shown);
		resp->error = -EPERM;
		return;
	}
	resp->error = perform(nr, fd, a);
}
