// SPDX-License-Identifier: Apache-2.0
/*
 * Capability elevation's served cache: an object approved for the session
 * is opened again without locating it again.
 *
 * The first open of an approved path goes the whole way (elevate.c: the
 * parent opened in the task's view with no symlink on the way, its path
 * read back, the object looked at, the protection checks).  What that
 * found is kept here, by the path the task named: the parent's O_PATH fd,
 * the final name and the object's device and inode.  A later open of the
 * same path, once the session's answer still covers what it asks (read,
 * write), is opened on that fd with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS) and served only when it is
 * still that object, a plain file with no other name or a directory: five
 * system calls instead of about twenty (issue 17: an approved open within
 * 10 us of one the kernel does).
 *
 * What is served is never anything but the object the user approved: a
 * name renamed, replaced or linked meanwhile fails the identity check and
 * goes the whole way again (which then judges what is there now).  The
 * string the task passed chooses an entry, nothing more; the kernel never
 * reads it again (the fd is injected with SECCOMP_IOCTL_NOTIF_ADDFD).  No
 * liveness check is needed before: nothing here looks at the task, and the
 * injection fails for a request that is no longer pending.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "supervisor/elevate_internal.h"

struct elv_fast {
	char *abs;  /* the path as the task named it (absolute) */
	char *real; /* the parent's path and the name: the answer's key */
	int dirfd;  /* O_PATH: the parent, in the task's view */
	char name[NAME_MAX + 1];
	dev_t dev;
	ino_t ino;
	bool isdir;
	unsigned told; /* NONO_ACCESS_* merged into the footer's list */
};

static struct elv_fast *find(struct nono_elevate *e, const char *abs)
{
	for (size_t i = 0; i < e->nfast; i++)
		if (e->fast[i].abs && strcmp(e->fast[i].abs, abs) == 0)
			return &e->fast[i];
	return NULL;
}

/* Empties @f (an entry in use holds abs, real and dirfd). */
static void drop(struct elv_fast *f)
{
	if (f->abs) {
		free(f->abs);
		free(f->real);
		close(f->dirfd);
	}
	memset(f, 0, sizeof(*f));
}

void nono_elv_fast_add(struct nono_elevate *e, const char *abs,
		       const struct elv_req *rq)
{
	struct elv_fast *f;

	if (!abs || !rq->existed || (rq->op & (OP_NAMES | OP_MKDIR)) ||
	    strlen(rq->name) > NAME_MAX)
		return;
	if ((f = find(e, abs)) == NULL) {
		if (!e->fast) {
			e->fast = calloc(ELEVATE_FAST, sizeof(*e->fast));
			if (!e->fast)
				return;
		}
		if (e->nfast < ELEVATE_FAST)
			f = &e->fast[e->nfast++];
		else
			f = &e->fast[e->fast_next++ % ELEVATE_FAST];
	}
	drop(f);
	{
		char *a = strdup(abs), *r = strdup(rq->real);
		int fd = fcntl(rq->dirfd, F_DUPFD_CLOEXEC, 3);

		if (!a || !r || fd < 0) {
			/* An empty entry matches nothing. */
			free(a);
			free(r);
			if (fd >= 0)
				close(fd);
			return;
		}
		f->abs = a;
		f->real = r;
		f->dirfd = fd;
	}
	memcpy(f->name, rq->name, strlen(rq->name) + 1);
	f->dev = rq->dev;
	f->ino = rq->ino;
	f->isdir = rq->isdir;
	f->told = nono_elv_access(rq->op);
}

void nono_elv_fast_free(struct nono_elevate *e)
{
	for (size_t i = 0; i < e->nfast; i++)
		drop(&e->fast[i]);
	free(e->fast);
	e->fast = NULL;
	e->nfast = 0;
}

bool nono_elv_fast_serve(struct nono_gate *g, int listener, __u64 id,
			 const char *abs, uint64_t flags, unsigned op)
{
	const int keep = O_APPEND | O_ASYNC | O_DIRECT | O_NOATIME;
	struct nono_elevate *e = g->elevate;
	struct open_how how = {0};
	struct elv_fast *f;
	struct stat st;
	unsigned a;
	int fd;

	if (!e->nfast || (op & OP_MKDIR) ||
	    (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		return false;
	f = find(e, abs);
	if (!f)
		return false;
	/* An existing object is opened, not made: as the whole way. */
	if (op & OP_CREATE)
		op = (op & ~OP_CREATE) | OP_WRITE;
	if (nono_elv_decided_path(e, f->real, op) <= 0 ||
	    nono_gate_hold_lowered() < 0)
		return false;
	/* Never made here (a name gone meanwhile goes the whole way), and
	 * O_NONBLOCK: a FIFO swapped in must not hold the supervisor. */
	how.flags = (flags & ~(uint64_t)(O_TRUNC | O_CREAT | O_EXCL)) |
		    O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
	how.resolve =
	    RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS;
	fd = (int)syscall(SYS_openat2, f->dirfd, f->name, &how, sizeof(how));
	if (fd < 0)
		return false;
	if (fstat(fd, &st) < 0 || st.st_dev != f->dev || st.st_ino != f->ino ||
	    S_ISDIR(st.st_mode) != f->isdir ||
	    !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) ||
	    (S_ISREG(st.st_mode) && st.st_nlink > 1)) {
		close(fd);
		return false;
	}
	if ((flags & O_TRUNC) && S_ISREG(st.st_mode) && ftruncate(fd, 0) < 0) {
		nono_elv_send_error(listener, id, errno);
		close(fd);
		return true;
	}
	if (!(flags & O_NONBLOCK))
		fcntl(fd, F_SETFL, (int)(flags & keep));
	a = nono_elv_access(op);
	if (a & ~f->told) {
		/* A new access: the footer's list says so, as the whole way
		 * would have. */
		struct elv_req *rq = calloc(1, sizeof(*rq));

		if (rq) {
			memcpy(rq->real, f->real, strlen(f->real) + 1);
			rq->op = op;
			rq->existed = true;
			rq->isdir = f->isdir;
			nono_elv_approved(e, rq);
			free(rq);
			f->told |= a;
		}
	}
	nono_elv_inject(listener, id, fd, (flags & O_CLOEXEC) != 0);
	close(fd);
	return true;
}
