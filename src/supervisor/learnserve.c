// SPDX-License-Identifier: Apache-2.0
/*
 * nono learn serves what the sandbox refuses, for the learning run only
 * (issue 17): a read-only open of a file or directory that no grant
 * covers is performed by the supervisor, so that a command that would
 * stop at its first refusal goes on and shows what it needs next.
 *
 * What is opened is decided on the object itself, never on the string the
 * task passed: the path is resolved in the task's own view (its root and
 * mount namespace, so its masks bind us; symlinks followed inside that
 * root as the kernel would) to an O_PATH fd, and that fd's path is what
 * the grants and the plan are asked about.  Only regular files and
 * directories (opening a device or a FIFO can act on the world), not on a
 * pseudo filesystem (/proc, /sys: their files act for the opener); never
 * what the plan protects or hides (nono_gate_set_learn_serve's callback
 * says), which stays refused and is reported so.  The fd goes to the task
 * by SECCOMP_IOCTL_NOTIF_ADDFD with SEND: the kernel never re-reads the
 * path.  Writes and creations are the kernel's (refused, and reported).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nono/caps.h"
#include "supervisor/gate_internal.h"
#include "util/cleanup.h"

void nono_gate_set_learn_serve(struct nono_gate *g,
			       bool (*may)(void *arg, const char *path,
					   bool dir),
			       void *arg)
{
	g->learn_may = may;
	g->learn_may_arg = arg;
}

size_t nono_gate_learn_served(const struct nono_gate *g)
{
	return g->learn_served;
}

/* A plain read-only open: no creation, no write, no truncation, not
 * O_PATH (which Landlock does not check) nor O_TMPFILE. */
static bool read_only(uint64_t flags)
{
	return (flags & O_ACCMODE) == O_RDONLY &&
	       !(flags & (O_CREAT | O_TRUNC | O_PATH)) &&
	       (flags & O_TMPFILE) != O_TMPFILE;
}

/*
 * What everyone may read, or what is the user's own: a file others may
 * not read that is not the user's (a group's log, another user's file) is
 * never served, and in a root run nothing others may not read (review r6,
 * F6: /etc/shadow, the host's SSH keys, /etc/ssl/private were served to a
 * root run's learning command, whose uid 0 owns them).
 */
static bool servable(const struct stat *st)
{
	if (st->st_mode & S_IROTH)
		return true;
	return geteuid() != 0 && st->st_uid == geteuid();
}

int nono_learnserve_open(struct nono_gate *g, int listener,
			 const struct seccomp_notif *req, const char *abs,
			 uint64_t flags)
{
	struct seccomp_notif_addfd add = {0};
	nono_autoclose int pathfd = -1;
	nono_autoclose int fd = -1;
	char real[PATH_MAX], proc[64];
	struct stat st;

	if (!g->learn_may || !read_only(flags))
		return 0;
	/* The common case: a path the grants cover, as written.  The
	 * kernel decides it (if a symlink leads elsewhere, Landlock meets
	 * the object and refuses what no grant covers). */
	if (abs[0] == '/' && !strstr(abs, "/.") &&
	    nono_caps_allows(g->caps, abs, NONO_ACCESS_READ, NULL))
		return 0;
	if (nono_gate_hold_lowered() < 0)
		return 0;
	/* No symlink on the way (review: ~/.ssh/id_rsa as a link to a file
	 * elsewhere was served, judged where it led): the object is named
	 * by the path as written, which is what is judged. */
	pathfd = nono_gate_open_in_task_strict(
	    g, req->pid, abs, O_PATH | (int)(flags & O_DIRECTORY));
	/* Another name of a file (a hard link) could be a protected one's. */
	if (pathfd < 0 || fstat(pathfd, &st) < 0 ||
	    !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) ||
	    (S_ISREG(st.st_mode) && st.st_nlink > 1) || !servable(&st) ||
	    !nono_gate_plain_fs(pathfd) ||
	    nono_gate_fd_path(pathfd, real, sizeof(real)) < 0)
		return 0; /* the kernel's answer (ENOENT, ELOOP, EACCES) */
	/* Granted after all (a symlink into a grant): the kernel's. */
	if (nono_caps_allows(g->caps, real, NONO_ACCESS_READ, NULL) ||
	    !g->learn_may(g->learn_may_arg, real, S_ISDIR(st.st_mode)))
		return 0;
	/* Reopened from the fd we judged: the same object, with the
	 * caller's flags (and our O_CLOEXEC; the task's comes with ADDFD). */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pathfd);
	/* O_NONBLOCK: a lease on the file would hold us (and every other
	 * call) for lease-break-time; EWOULDBLOCK is the kernel's answer. */
	fd = open(proc, (int)(flags & ~(uint64_t)(O_NOFOLLOW | O_CLOEXEC)) |
			    O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return 0;
	if (!(flags & O_NONBLOCK))
		fcntl(
		    fd, F_SETFL,
		    (int)(flags & (O_APPEND | O_ASYNC | O_DIRECT | O_NOATIME)));
	add.id = req->id;
	add.flags = SECCOMP_ADDFD_FLAG_SEND;
	add.srcfd = (__u32)fd;
	add.newfd_flags = (flags & O_CLOEXEC) ? O_CLOEXEC : 0;
	if (notif_ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add) < 0)
		return 0;
	g->learn_served++;
	return 1;
}
