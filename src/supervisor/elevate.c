// SPDX-License-Identifier: Apache-2.0
/*
 * Capability elevation (issue 17): an open, creat or mkdir that the grants
 * refuse is put to the user, and what the user approves the supervisor
 * performs itself.  The calls that only change names (removals, renames,
 * links, symlinks, mknod) are identified and performed in elevate_names.c;
 * the questions, answers and the cache are here for all.
 *
 * The request is identified before it is asked about: the parent
 * directory is opened in the sandboxed task's own view (its root and
 * mount namespace: its masks bind us), with no symlink followed on the
 * way, as an O_PATH fd, and the question,
 * the cache of answers and the protection checks all use that fd's path
 * plus the final name, never the string the task passed (which another
 * thread can rewrite).  An approved request is performed on that fd with
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS),
 * so nothing can lead it elsewhere, with no effective capability and the
 * task's umask, and the fd goes to the task by SECCOMP_IOCTL_NOTIF_ADDFD
 * (SEND): the kernel never re-reads the path, and nothing Landlock
 * refuses is ever handed back with CONTINUE.  Protected and hidden paths,
 * persistence files, nono's own state, secrets' files, symlinks, files
 * with other hard links, devices, FIFOs, sockets and pseudo filesystems
 * are never offered: the kernel refuses them as without elevation.
 *
 * The request waits, unanswered, while the question is up: the supervisor
 * goes on serving everything else (nono_gate_elevate_tick in its loop).
 * At most ELEVATE_QUEUE requests wait and ELEVATE_RATE questions are
 * asked a minute; past either, requests are refused without asking, and
 * the next question says how many.  Unanswered after ELEVATE_WAIT_MS, or
 * with nobody to ask, a request is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "nono/caps.h"
#include "nono/log.h"
#include "nono/path.h"
#include "policy/protect.h"
#include "supervisor/elevate_internal.h"
#include "util/cleanup.h"

static void elv_close(struct elv_req *rq)
{
	int *fds[] = {&rq->dirfd, &rq->fromfd, &rq->sockfd, &rq->pathfd};

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

long long nono_elv_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static const char *op_word(unsigned op)
{
	if (op & OP_CONNECT)
		return "connect to the socket";
	if (op & OP_REMOVE)
		return "remove";
	if (op & OP_MOVE)
		return "move";
	if (op & OP_LINK)
		return "make a hard link";
	if (op & OP_SYMLINK)
		return "make the symlink";
	if (op & OP_MKNOD)
		return "create";
	if (op & OP_MKDIR)
		return "make the directory";
	if (op & OP_CREATE)
		return "create";
	if (op & OP_WRITE)
		return "write";
	return "read";
}

static const char *op_name(unsigned op)
{
	if (op & OP_CONNECT)
		return "connect";
	if (op & OP_REMOVE)
		return "remove";
	if (op & OP_MOVE)
		return "rename";
	if (op & OP_LINK)
		return "link";
	if (op & OP_SYMLINK)
		return "symlink";
	if (op & OP_MKNOD)
		return "mknod";
	if (op & OP_MKDIR)
		return "mkdir";
	if (op & OP_CREATE)
		return "create";
	if (op & OP_WRITE)
		return "write";
	return "read";
}

void nono_elv_tell(struct nono_gate *g, const char *decision,
		   const struct elv_req *rq, const char *scope)
{
	struct nono_elevate *e = g->elevate;

	if (e->cfg.on_event)
		e->cfg.on_event(e->cfg.arg, decision, op_name(rq->op), rq->real,
				(rq->op & OP_TWO) ? rq->from : NULL,
				(rq->op & OP_SYMLINK) ? rq->target : NULL,
				scope, rq->pid);
}

int nono_gate_set_elevate(struct nono_gate *g,
			  const struct nono_gate_elevation *cfg)
{
	struct nono_elevate *e = calloc(1, sizeof(*e));

	if (!e)
		return -ENOMEM;
	e->cfg = *cfg;
	g->elevate = e;
	return 0;
}

void nono_gate_elevate_free(struct nono_gate *g)
{
	struct nono_elevate *e = g->elevate;

	if (!e)
		return;
	for (size_t i = 0; i < e->nq; i++)
		elv_close(&e->q[i]);
	for (size_t i = 0; i < e->nrules; i++)
		free(e->rules[i].path);
	free(e->rules);
	for (size_t i = 0; i < e->ndone; i++) {
		free(e->done[i].path);
		free(e->done[i].from);
	}
	free(e->done);
	nono_elv_fast_free(e);
	free(e);
	g->elevate = NULL;
}

static struct elv_rule *rule_of(struct nono_elevate *e, const char *path)
{
	for (size_t i = 0; i < e->nrules; i++)
		if (strcmp(e->rules[i].path, path) == 0)
			return &e->rules[i];
	return NULL;
}

/* Remembers an answer for the session; a full table just asks again. */
static void remember(struct nono_elevate *e, const char *path, unsigned op,
		     bool allow)
{
	struct elv_rule *r = rule_of(e, path);

	if (!r) {
		if (e->nrules >= ELEVATE_RULES)
			return;
		if (e->nrules == e->caprules) {
			size_t cap = e->caprules ? e->caprules * 2 : 16;
			struct elv_rule *n =
			    realloc(e->rules, cap * sizeof(*n));

			if (!n)
				return;
			e->rules = n;
			e->caprules = cap;
		}
		r = &e->rules[e->nrules];
		r->path = strdup(path);
		if (!r->path)
			return;
		r->allow = r->deny = 0;
		e->nrules++;
	}
	if (allow) {
		/* Writing covers reading; creating covers both. */
		r->allow |= op | (op & (OP_WRITE | OP_CREATE) ? OP_READ : 0) |
			    (op & OP_CREATE ? OP_WRITE : 0);
		r->deny &= ~r->allow;
	} else {
		r->deny |= op;
	}
}

const char *nono_elv_key(const struct elv_req *rq, char *buf, size_t len)
{
	int n;

	/* What is done differs, so is the answer (review: a move to a free
	 * name approved for the session later replaced a file there, and a
	 * file's removal covered a directory's): replacing and removing a
	 * directory are keyed apart ("//r", "//d" after the path: no
	 * canonical path holds "//", nor ends a source with "/"). */
	if (rq->op & OP_TWO)
		n = snprintf(buf, len, "%s/%s%s", rq->from, rq->real,
			     (rq->op & OP_MOVE) && rq->existed ? "//r" : "");
	else if ((rq->op & OP_REMOVE) && (rq->rflags & AT_REMOVEDIR))
		n = snprintf(buf, len, "%s//d", rq->real);
	else
		return rq->real;
	return n > 0 && (size_t)n < len ? buf : NULL;
}

/* 1 allowed, -1 denied, 0 not decided yet (ask). */
static int decided(struct nono_elevate *e, const char *path, unsigned op)
{
	const struct elv_rule *r = rule_of(e, path);

	if (!r)
		return 0;
	if ((r->allow & op) == op)
		return 1;
	if (r->deny & op)
		return -1;
	return 0;
}

int nono_elv_decided_path(struct nono_elevate *e, const char *path, unsigned op)
{
	return decided(e, path, op);
}

int nono_elv_decided(struct nono_elevate *e, const struct elv_req *rq)
{
	char buf[2 * PATH_MAX + 8];
	const char *key = nono_elv_key(rq, buf, sizeof(buf));

	return key ? decided(e, key, rq->op) : 0;
}

/* Remembers the answer to @rq for the session. */
static void remember_rq(struct nono_elevate *e, const struct elv_req *rq,
			bool allow)
{
	char buf[2 * PATH_MAX + 8];
	const char *key = nono_elv_key(rq, buf, sizeof(buf));

	if (key)
		remember(e, key, rq->op, allow);
}

void nono_elv_send_error(int listener, __u64 id, int err)
{
	struct seccomp_notif_resp resp = {.id = id, .error = -err};

	notif_ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

#define ELEVATE_DONE_MAX 1024

unsigned nono_elv_access(unsigned op)
{
	unsigned a = 0;

	if (op & OP_READ)
		a |= NONO_ACCESS_READ;
	if (op & (OP_WRITE | OP_CREATE | OP_MKDIR | OP_NAMES | OP_CONNECT))
		a |= NONO_ACCESS_WRITE;
	return a;
}

/* Remembers an approval (a path once, its accesses merged). */
void nono_elv_approved(struct nono_elevate *e, const struct elv_req *rq)
{
	enum nono_elevated_what what =
	    (rq->op & OP_REMOVE)    ? NONO_ELEVATED_REMOVE
	    : (rq->op & OP_MOVE)    ? NONO_ELEVATED_MOVE
	    : (rq->op & OP_LINK)    ? NONO_ELEVATED_LINK
	    : (rq->op & OP_SYMLINK) ? NONO_ELEVATED_SYMLINK
	    : (rq->op & OP_CONNECT) ? NONO_ELEVATED_SOCKET
				    : NONO_ELEVATED_OPEN;
	unsigned a = nono_elv_access(rq->op);

	for (size_t i = 0; i < e->ndone; i++)
		if (e->done[i].what == what &&
		    strcmp(e->done[i].path, rq->real) == 0 &&
		    (!e->done[i].from ||
		     strcmp(e->done[i].from, rq->from) == 0)) {
			e->done[i].access |= a;
			return;
		}
	if (e->ndone >= ELEVATE_DONE_MAX)
		return;
	if (e->ndone == e->capdone) {
		size_t cap = e->capdone ? e->capdone * 2 : 16;
		struct nono_gate_elevated *n =
		    realloc(e->done, cap * sizeof(*n));

		if (!n)
			return;
		e->done = n;
		e->capdone = cap;
	}
	e->done[e->ndone].path = strdup(rq->real);
	e->done[e->ndone].from = (rq->op & OP_TWO) ? strdup(rq->from) : NULL;
	if (!e->done[e->ndone].path ||
	    ((rq->op & OP_TWO) && !e->done[e->ndone].from)) {
		free(e->done[e->ndone].path);
		free(e->done[e->ndone].from);
		return;
	}
	e->done[e->ndone].what = what;
	e->done[e->ndone].access = a;
	e->done[e->ndone].dir = rq->isdir || (rq->op & OP_MKDIR);
	e->done[e->ndone].made = !rq->existed && !(rq->op & OP_REMOVE);
	e->done[e->ndone].saved = false;
	e->ndone++;
}

size_t nono_gate_elevated_count(const struct nono_gate *g)
{
	return g->elevate ? g->elevate->ndone : 0;
}

const struct nono_gate_elevated *
nono_gate_elevated_at(const struct nono_gate *g, size_t i)
{
	return g->elevate && i < g->elevate->ndone ? &g->elevate->done[i]
						   : NULL;
}

/* Answers @rq with @fd, injected as the call's result (ADDFD SEND: a
 * signal restarting the call cannot leave it behind). */
void nono_elv_inject(int listener, __u64 id, int fd, bool cloexec)
{
	struct seccomp_notif_addfd add = {
	    .id = id,
	    .flags = SECCOMP_ADDFD_FLAG_SEND,
	    .srcfd = (__u32)fd,
	    .newfd_flags = cloexec ? O_CLOEXEC : 0,
	};

	if (notif_ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add) < 0)
		nono_elv_send_error(listener, id,
				    errno == ENOENT ? ENOENT : EACCES);
}

/* Performs @rq (approved) and answers it: true when an fd was handed over
 * (then the object may go to the served cache). */
static bool perform(struct nono_gate *g, int listener, const struct elv_req *rq)
{
	const int keep = O_APPEND | O_ASYNC | O_DIRECT | O_NOATIME;
	struct seccomp_notif_resp resp = {.id = rq->id};
	nono_autoclose int fd = -1;
	mode_t want, old = 0;
	struct stat st;
	bool making;

	if (rq->op & OP_NAMES) {
		nono_elv_perform_name(g, listener, rq);
		return false;
	}
	if (rq->op & OP_CONNECT) {
		int r;

		nono_elv_approved(g->elevate, rq);
		/* With the sandbox's permission checks, as the gate's own
		 * connects. */
		r = nono_gate_hold_lowered() < 0
			? -EPERM
			: nono_gate_connect_fd(listener, rq->id, rq->sockfd,
					       rq->pathfd);
		if (r <= 0)
			nono_elv_send_error(listener, rq->id, -r);
		return false;
	}
	nono_elv_approved(g->elevate, rq);
	if (nono_gate_hold_lowered() < 0) {
		nono_elv_send_error(listener, rq->id, EPERM);
		return false;
	}
	/* The task's umask for what is made here; an open of what is
	 * there needs none. */
	making = (rq->op & OP_MKDIR) || (rq->flags & O_CREAT);
	if (making) {
		want = nono_gate_task_umask(g, rq->pid);
		old = umask(want);
	}
	if (rq->op & OP_MKDIR) {
		resp.error = mkdirat(rq->dirfd, rq->name, rq->mode & 01777) < 0
				 ? -errno
				 : 0;
		umask(old);
		notif_ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
		return false;
	}
	{
		/* Absent when asked about: made now, or refused (review: a
		 * file moved in meanwhile would be what the task gets). */
		/* O_TRUNC once the object is known to be the one asked
		 * about (review 2). */
		struct open_how how = {
		    .flags =
			((rq->flags & ~(uint64_t)O_TRUNC) | O_NOFOLLOW |
			 O_NONBLOCK | O_NOCTTY | O_CLOEXEC |
			 (!rq->existed && (rq->flags & O_CREAT) ? O_EXCL : 0)),
		    /* No set-id bit on what the supervisor makes. */
		    .mode = (rq->flags & O_CREAT) ? (rq->mode & 0777) : 0,
		    .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS |
			       RESOLVE_NO_SYMLINKS,
		};

		fd = (int)syscall(SYS_openat2, rq->dirfd, rq->name, &how,
				  sizeof(how));
	}
	if (making)
		umask(old);
	if (fd < 0) {
		nono_elv_send_error(listener, rq->id, errno);
		return false;
	}
	/* What was made or found there: the object asked about (review: a
	 * hard link to a key renamed over it after the question was served),
	 * a plain file or directory on a plain filesystem, never a device or
	 * a FIFO swapped in (O_NONBLOCK kept us from waiting). */
	if (fstat(fd, &st) < 0 ||
	    !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) ||
	    (S_ISREG(st.st_mode) && st.st_nlink > 1) ||
	    (rq->existed && (st.st_dev != rq->dev || st.st_ino != rq->ino)) ||
	    !nono_gate_plain_fs(fd)) {
		nono_elv_send_error(listener, rq->id, EACCES);
		return false;
	}
	if ((rq->flags & O_TRUNC) && S_ISREG(st.st_mode) &&
	    ftruncate(fd, 0) < 0) {
		nono_elv_send_error(listener, rq->id, errno);
		return false;
	}
	if (!(rq->flags & O_NONBLOCK))
		fcntl(fd, F_SETFL, (int)(rq->flags & keep));
	nono_elv_inject(listener, rq->id, fd, (rq->flags & O_CLOEXEC) != 0);
	return true;
}

/* The call's path, flags and mode, and what it does (OP_*): 0, or -1
 * when elevation does not handle it (then the gate and the kernel do, as
 * without it). */
static int decode(const struct seccomp_notif *req, int *dirfd, __u64 *path,
		  uint64_t *flags, mode_t *mode, unsigned *op, bool *noask)
{
	const __u64 *a = req->data.args;

	*dirfd = AT_FDCWD;
	*flags = 0;
	*mode = 0;
	switch (req->data.nr) {
#ifdef __NR_open
	case __NR_open:
		*path = a[0];
		*flags = a[1] & 0xffffffffu;
		*mode = (mode_t)a[2];
		break;
#endif
#ifdef __NR_creat
	case __NR_creat:
		*path = a[0];
		*flags = O_CREAT | O_WRONLY | O_TRUNC;
		*mode = (mode_t)a[1];
		break;
#endif
	case __NR_openat:
		*dirfd = (int)a[0];
		*path = a[1];
		*flags = a[2] & 0xffffffffu;
		*mode = (mode_t)a[3];
		break;
	case __NR_openat2: {
		struct open_how how;
		struct iovec l = {&how, sizeof(how)};
		struct iovec r = {(void *)(uintptr_t)a[2], sizeof(how)};

		/* RESOLVE_* asks for rules of the caller's own: the kernel's
		 * (refused outside the grants).  RESOLVE_NO_MAGICLINKS alone
		 * (what the supervisor's own open satisfies) is how nono why
		 * --self asks without a question: what this session approved
		 * is served, nothing is asked. */
		if (a[3] < sizeof(how) ||
		    process_vm_readv(req->pid, &l, 1, &r, 1, 0) !=
			(ssize_t)sizeof(how) ||
		    (how.resolve && how.resolve != RESOLVE_NO_MAGICLINKS))
			return -1;
		*noask = how.resolve == RESOLVE_NO_MAGICLINKS;
		*dirfd = (int)a[0];
		*path = a[1];
		*flags = how.flags;
		*mode = (mode_t)how.mode;
		break;
	}
#ifdef __NR_mkdir
	case __NR_mkdir:
		*path = a[0];
		*mode = (mode_t)a[1];
		*op = OP_MKDIR;
		return 0;
#endif
	case __NR_mkdirat:
		*dirfd = (int)a[0];
		*path = a[1];
		*mode = (mode_t)a[2];
		*op = OP_MKDIR;
		return 0;
	default:
		return -1;
	}
	/* O_PATH opens are not checked by Landlock; O_TMPFILE makes no
	 * name: both the kernel's. */
	if ((*flags & O_PATH) || (*flags & O_TMPFILE) == O_TMPFILE)
		return -1;
	*op = (*flags & O_CREAT) ? OP_CREATE : 0;
	if ((*flags & O_ACCMODE) != O_WRONLY)
		*op |= OP_READ;
	if ((*flags & O_ACCMODE) != O_RDONLY || (*flags & O_TRUNC))
		*op |= OP_WRITE;
	return 0;
}

static unsigned access_of(unsigned op)
{
	unsigned a = 0;

	if (op & OP_READ)
		a |= NONO_ACCESS_READ;
	if (op & (OP_WRITE | OP_CREATE | OP_MKDIR))
		a |= NONO_ACCESS_WRITE;
	return a;
}

/* @abs split: its parent opened in the task's view with no symlink on the
 * way (what is judged and shown is then the path as written: review of
 * learn, a link in ~/.ssh to a key elsewhere), the name, the real path.
 * 0, or -1 (the kernel decides: a symlink anywhere, a pseudo filesystem,
 * a name that is not one). */
int nono_elv_locate(struct nono_gate *g, pid_t pid, const char *abs,
		    struct elv_req *rq)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(abs, '/');
	const char *name = slash ? slash + 1 : abs;

	if (!slash || !*name || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0 || strlen(name) > NAME_MAX)
		return -1;
	snprintf(parent, sizeof(parent), "%.*s",
		 slash == abs ? 1 : (int)(slash - abs), abs);
	rq->dirfd =
	    nono_gate_open_in_task_strict(g, pid, parent, O_PATH | O_DIRECTORY);
	if (rq->dirfd < 0)
		return -1;
	memcpy(rq->name, name, strlen(name) + 1);
	if (nono_gate_fd_path(rq->dirfd, parent, sizeof(parent)) < 0 ||
	    !nono_gate_plain_fs(rq->dirfd) ||
	    (size_t)snprintf(rq->real, sizeof(rq->real), "%s%s%s", parent,
			     strcmp(parent, "/") ? "/" : "",
			     rq->name) >= sizeof(rq->real)) {
		close(rq->dirfd);
		rq->dirfd = -1;
		return -1;
	}
	return 0;
}

/* An open or mkdir may be put to the user at all. */
static bool offered(struct nono_gate *g, const struct elv_req *rq)
{
	struct nono_elevate *e = g->elevate;

	return !((rq->op & (OP_WRITE | OP_CREATE | OP_MKDIR)) &&
		 (nono_elv_persistence(e, rq->dirfd, rq->real) ||
		  nono_elv_kept(g, rq->real))) &&
	       e->cfg.may(e->cfg.arg, rq->real,
			  (access_of(rq->op) & NONO_ACCESS_WRITE) != 0,
			  rq->existed);
}

int nono_elevate_handle(struct nono_gate *g, int listener,
			const struct seccomp_notif *req)
{
	struct nono_elevate *e = g->elevate;
	char path[PATH_MAX], abs[PATH_MAX];
	nono_autoclose int pidfd = -1;
	struct elv_req rq = ELV_REQ_INIT;
	unsigned need;
	struct stat st;
	int dirfd;
	__u64 addr;

	if (e && nono_elv_name_call(req->data.nr))
		return nono_elv_names_handle(g, listener, req);
	if (!e || decode(req, &dirfd, &addr, &rq.flags, &rq.mode, &rq.op,
			 &rq.noask) < 0)
		return NONO_ELEVATE_NOT_MINE;
	need = access_of(rq.op);
	if (nono_gate_read_string(req->pid, addr, path, sizeof(path)) < 0 ||
	    !path[0])
		return NONO_ELEVATE_NOT_MINE;
	/* A pidfd only for a path relative to a directory fd. */
	if (path[0] != '/' && dirfd != AT_FDCWD &&
	    (pidfd = nono_gate_pidfd(req->pid)) < 0)
		return NONO_ELEVATE_NOT_MINE;
	if (nono_gate_task_abs(req->pid, pidfd, dirfd, path, abs, sizeof(abs)) <
	    0)
		return NONO_ELEVATE_NOT_MINE;
	/* The common case, granted as written: the gate's and the
	 * kernel's (a symlink elsewhere meets Landlock there). */
	if (!strstr(abs, "/.") && !strstr(abs, "//") &&
	    nono_caps_allows(g->caps, abs, need, NULL))
		return NONO_ELEVATE_NOT_MINE;
	/* Approved for the session and opened before: served again on what
	 * was found then, if it is still that object. */
	if (nono_elv_fast_serve(g, listener, req->id, abs, rq.flags, rq.op))
		return NONO_ELEVATE_ANSWERED;
	/* From here the answer matters: the task that named it is still
	 * the one waiting (not a process that took its pid since). */
	if (!nono_gate_still_valid(listener, req->id))
		return NONO_ELEVATE_NOT_MINE;
	if (nono_gate_hold_lowered() < 0)
		return NONO_ELEVATE_NOT_MINE;
	if (nono_elv_locate(g, req->pid, abs, &rq) < 0)
		return NONO_ELEVATE_NOT_MINE;
	if (fstatat(rq.dirfd, rq.name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		nono_autoclose int ofd = -1;

		rq.existed = true;
		rq.isdir = S_ISDIR(st.st_mode);
		rq.dev = st.st_dev;
		rq.ino = st.st_ino;
		/* A mount point is judged by what is mounted there. */
		ofd =
		    openat(rq.dirfd, rq.name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (ofd < 0 || !nono_gate_plain_fs(ofd))
			goto kernel;
		/* Only plain files and directories are ever offered; an
		 * existing name is not made (the kernel says EEXIST to a
		 * mkdir), only opened. */
		/* A symlink is the kernel's (what it leads to was never
		 * judged); so is another name of a file (a hard link could
		 * be a protected file's). */
		if ((!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) ||
		    (S_ISREG(st.st_mode) && st.st_nlink > 1) ||
		    (rq.op & OP_MKDIR))
			goto kernel;
		if (rq.op & OP_CREATE)
			rq.op = (rq.op & ~OP_CREATE) | OP_WRITE;
	} else if (!(rq.op & (OP_CREATE | OP_MKDIR))) {
		goto kernel; /* nothing there to open: ENOENT, the kernel's */
	}
	/* Granted where it really is: the kernel's, as without elevation. */
	if (nono_caps_allows(g->caps, rq.real, need, NULL))
		goto kernel;
	rq.id = req->id;
	rq.pid = req->pid;
	rq.abs = abs;
	return nono_elv_submit(g, listener, &rq, offered);
kernel:
	close(rq.dirfd);
	return NONO_ELEVATE_NOT_MINE;
}

#define SCRATCH_MAX (64u << 20) /* the largest file learn copies */

/* The content of the file @rq names into @fd: the object asked about, a
 * plain file with no other name, at most SCRATCH_MAX bytes.  0 or
 * -errno. */
static int copy_in(const struct elv_req *rq, int fd)
{
	struct open_how how = {
	    .flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
	    .resolve =
		RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS,
	};
	nono_autoclose int src =
	    (int)syscall(SYS_openat2, rq->dirfd, rq->name, &how, sizeof(how));
	char buf[65536];
	struct stat st;
	ssize_t n;

	if (src < 0)
		return -errno;
	if (fstat(src, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink > 1 ||
	    st.st_dev != rq->dev || st.st_ino != rq->ino ||
	    !nono_gate_plain_fs(src))
		return -EACCES;
	if ((uint64_t)st.st_size > SCRATCH_MAX)
		return -EFBIG;
	while ((n = read(src, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n)
			return -EIO;
	if (n < 0)
		return -errno;
	return lseek(fd, 0, SEEK_SET) < 0 ? -errno : 0;
}

/* nono learn: @rq (an open that writes) gets a private copy of the file
 * (or an empty one, for a new name or O_TRUNC): the command goes on, its
 * writes go nowhere. */
static void scratch(struct nono_gate *g, int listener, const struct elv_req *rq)
{
	nono_autoclose int fd = memfd_create("nono-learn", MFD_CLOEXEC);
	int r = fd < 0 ? -errno : 0;

	/* O_EXCL of a name that is there: as the kernel would answer. */
	if (!r && rq->existed && (rq->flags & O_CREAT) && (rq->flags & O_EXCL))
		r = -EEXIST;
	if (!r && rq->existed && !(rq->flags & O_TRUNC))
		r = copy_in(rq, fd);
	if (!r && (rq->flags & O_APPEND) && fcntl(fd, F_SETFL, O_APPEND) < 0)
		r = -errno;
	if (r) {
		nono_elv_send_error(listener, rq->id, -r);
		return;
	}
	g->elevate->scratched++;
	nono_elv_inject(listener, rq->id, fd, (rq->flags & O_CLOEXEC) != 0);
}

size_t nono_gate_learn_scratched(const struct nono_gate *g)
{
	return g->elevate ? g->elevate->scratched : 0;
}

int nono_elv_submit(struct nono_gate *g, int listener, struct elv_req *rq,
		    bool (*may_offer)(struct nono_gate *g,
				      const struct elv_req *rq))
{
	struct nono_elevate *e = g->elevate;
	/* Approved for the session (only ever after the checks below): the
	 * answer was the decision and is in the trail; its uses are not. */
	int d = nono_elv_decided(e, rq);

	if (d > 0) {
		if (perform(g, listener, rq) && rq->abs)
			nono_elv_fast_add(e, rq->abs, rq);
		elv_close(rq);
		return NONO_ELEVATE_ANSWERED;
	}
	if (rq->noask) {
		elv_close(rq);
		return NONO_ELEVATE_NOT_MINE;
	}
	/* Protected, hidden, kept, or a name that would run code outside
	 * the sandbox later: the kernel's, never asked. */
	if (!may_offer(g, rq)) {
		elv_close(rq);
		return NONO_ELEVATE_NOT_MINE;
	}
	if (e->cfg.auto_approve) {
		/* nono learn: an open that writes gets a throwaway copy;
		 * nothing outside the grants is changed, made or removed
		 * (review 2 of session 15: performed for real, the learning
		 * run rewrote PATH shims and tools' start-up files that no
		 * list names, and removed files). */
		if ((rq->op & (OP_NAMES | OP_MKDIR | OP_CONNECT)) ||
		    !(rq->op & (OP_WRITE | OP_CREATE)) || rq->isdir) {
			elv_close(rq);
			return NONO_ELEVATE_NOT_MINE;
		}
		scratch(g, listener, rq);
		elv_close(rq);
		return NONO_ELEVATE_ANSWERED;
	}
	if (d < 0 || !e->cfg.ask) {
		nono_debug("capability elevation: refused %s %s (%s)",
			   op_word(rq->op), rq->real,
			   d < 0 ? "denied for this session" : "nobody to ask");
		nono_elv_tell(g, "denied", rq, d < 0 ? "session" : "unasked");
		nono_gate_note_denial(g, NONO_GATE_ELEVATE, rq->real);
		elv_close(rq);
		nono_elv_send_error(listener, rq->id, EACCES);
		return NONO_ELEVATE_ANSWERED;
	}
	if (e->nq >= ELEVATE_QUEUE) {
		e->dropped++;
		nono_elv_tell(g, "denied", rq, "dropped");
		elv_close(rq);
		nono_elv_send_error(listener, rq->id, EACCES);
		return NONO_ELEVATE_ANSWERED;
	}
	rq->deadline = nono_elv_now_ms() + ELEVATE_WAIT_MS;
	rq->abs = NULL; /* the caller's, gone once it returns */
	e->q[e->nq++] = *rq;
	nono_elv_tell(g, "requested", rq, NULL);
	return NONO_ELEVATE_PARKED;
}

/* A socket may be offered: not a protected path, nor nono's own. */
static bool offered_socket(struct nono_gate *g, const struct elv_req *rq)
{
	struct nono_elevate *e = g->elevate;

	return e->cfg.may(e->cfg.arg, rq->real, true, true);
}

int nono_elevate_socket(struct nono_gate *g, int listener,
			const struct seccomp_notif *req, int sfd, int pfd,
			const char *where)
{
	struct elv_req rq = ELV_REQ_INIT;

	if (!g->elevate || (size_t)snprintf(rq.real, sizeof(rq.real), "%s",
					    where) >= sizeof(rq.real))
		return NONO_ELEVATE_NOT_MINE;
	rq.op = OP_CONNECT;
	rq.existed = true;
	rq.id = req->id;
	rq.pid = req->pid;
	rq.sockfd = fcntl(sfd, F_DUPFD_CLOEXEC, 3);
	rq.pathfd = fcntl(pfd, F_DUPFD_CLOEXEC, 3);
	if (rq.sockfd < 0 || rq.pathfd < 0) {
		elv_close(&rq);
		return NONO_ELEVATE_NOT_MINE;
	}
	return nono_elv_submit(g, listener, &rq, offered_socket);
}

static void pop(struct nono_elevate *e, size_t i)
{
	elv_close(&e->q[i]);
	memmove(&e->q[i], &e->q[i + 1], (e->nq - i - 1) * sizeof(e->q[0]));
	e->nq--;
}

/* Applies an answer to every waiting request it covers. */
static void settle(struct nono_gate *g, int listener)
{
	struct nono_elevate *e = g->elevate;

	for (size_t i = e->asking ? 1 : 0; i < e->nq;) {
		int d = nono_elv_decided(e, &e->q[i]);

		if (d == 0) {
			i++;
			continue;
		}
		nono_elv_tell(g, d > 0 ? "approved" : "denied", &e->q[i],
			      "session");
		if (d > 0)
			perform(g, listener, &e->q[i]);
		else
			nono_elv_send_error(listener, e->q[i].id, EACCES);
		pop(e, i);
	}
}

/* Under the rate: records one more question; false past it. */
static bool rate_ok(struct nono_elevate *e, long long now)
{
	size_t k = 0;

	for (size_t i = 0; i < e->nasked; i++)
		if (now - e->asked_at[i] < 60000)
			e->asked_at[k++] = e->asked_at[i];
	e->nasked = k;
	if (k >= ELEVATE_RATE)
		return false;
	e->asked_at[e->nasked++] = now;
	return true;
}

/* @in as the question shows it: printable ASCII as it is, every other
 * byte as \xNN (review: C1 controls, 8-bit CSI and bidi marks in a
 * path or a process name rewrote the question on terminals that honour
 * them).  False when it does not fit in @len. */
static bool shown(const char *in, char *out, size_t len)
{
	size_t k = 0;

	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		int n = *p >= 0x20 && *p < 0x7f && *p != '\\'
			    ? snprintf(out + k, len - k, "%c", *p)
			    : snprintf(out + k, len - k, "\\x%02x", *p);

		if (n < 0 || (size_t)n >= len - k)
			return false;
		k += (size_t)n;
	}
	out[k] = '\0';
	return true;
}

/* What the answer 'p' saves: a file's grant (read, or read and write), a
 * directory read.  Not a directory made nor written (its parent's or its
 * own write right would be more than was approved), nor a name call. */
static bool savable(const struct nono_elevate *e, const struct elv_req *rq)
{
	/* Nor a directory: the saved grant would be its whole tree, where
	 * the question was about the directory (review 2 of session 15). */
	return e->cfg.save && !(rq->op & (OP_NAMES | OP_MKDIR | OP_CONNECT)) &&
	       !rq->isdir;
}

/* The question for @rq; false when it cannot be shown whole (then it is
 * never asked). */
static bool question(struct nono_elevate *e, struct elv_req *rq, char *out,
		     size_t len)
{
	char path[4 * PATH_MAX], other[4 * PATH_MAX] = "", what[8 * PATH_MAX];
	char comm[32] = "", name[4 * 32], more[96] = "", save[48] = "";
	char proc[64];
	unsigned char r = 0;
	FILE *f;
	int n;

	snprintf(proc, sizeof(proc), "/proc/%d/comm", (int)rq->pid);
	f = fopen(proc, "re");
	if (f) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	if (!shown(rq->real, path, sizeof(path)) ||
	    !shown(comm[0] ? comm : "the command", name, sizeof(name)) ||
	    ((rq->op & OP_TWO) && !shown(rq->from, other, sizeof(other))) ||
	    ((rq->op & OP_SYMLINK) && !shown(rq->target, other, sizeof(other))))
		return false;
	/* Both names of a rename or a link, and what a symlink holds. */
	if (rq->op & OP_MOVE)
		n = snprintf(what, sizeof(what), "move %s to %s%s", other, path,
			     rq->existed ? " (replacing it)" : "");
	else if (rq->op & OP_LINK)
		n = snprintf(what, sizeof(what), "make a hard link %s to %s",
			     path, other);
	else if (rq->op & OP_SYMLINK)
		n = snprintf(what, sizeof(what), "make the symlink %s -> %s",
			     path, other);
	else if (rq->op & OP_CONNECT)
		/* What listens there acts for the command, outside the
		 * sandbox (a D-Bus or docker socket is all of it): review 2
		 * of session 15. */
		n = snprintf(what, sizeof(what),
			     "connect to the socket %s (whatever listens there "
			     "acts for it, outside the sandbox)",
			     path);
	else
		n = snprintf(what, sizeof(what), "%s %s", op_word(rq->op),
			     path);
	if (n < 0 || (size_t)n >= sizeof(what))
		return false;
	/* Two random digits, never the last question's. */
	do {
		if (getrandom(&r, 1, 0) != 1)
			r = (unsigned char)(nono_elv_now_ms() & 0xff);
		snprintf(rq->code, sizeof(rq->code), "%02u", r % 100u);
	} while (strcmp(rq->code, e->last_code) == 0);
	memcpy(e->last_code, rq->code, sizeof(e->last_code));
	if (e->dropped)
		snprintf(more, sizeof(more),
			 " (%zu more refused without asking)", e->dropped);
	if (savable(e, rq))
		snprintf(save, sizeof(save), "   and save: p%s", rq->code);
	n = snprintf(out, len,
		     "nono: %s (pid %d) asks to %s%s\r\n"
		     "  once: type o%s   this session: s%s%s   deny: d"
		     "   (denied in %d s) ",
		     name, (int)rq->pid, what, more, rq->code, rq->code, save,
		     ELEVATE_WAIT_MS / 1000);
	return n > 0 && (size_t)n < len;
}

/* The answer 'p': the grant saved now (a crash later keeps it). */
static bool save_answer(struct nono_gate *g, const struct elv_req *rq,
			char *said, size_t len)
{
	struct nono_elevate *e = g->elevate;
	unsigned a = access_of(rq->op);

	if (e->cfg.save(e->cfg.arg, rq->real, a, rq->isdir, said, len) < 0) {
		nono_debug("capability elevation: %s", said);
		return false;
	}
	return true;
}

/* The footer's entry for @rq says it is saved (the save prompt then does
 * not offer it again). */
static void mark_saved(struct nono_elevate *e, const struct elv_req *rq)
{
	for (size_t i = 0; i < e->ndone; i++)
		if (e->done[i].what == NONO_ELEVATED_OPEN &&
		    strcmp(e->done[i].path, rq->real) == 0)
			e->done[i].saved = true;
}

int nono_gate_elevate_tick(struct nono_gate *g, int listener)
{
	struct nono_elevate *e = g->elevate;
	long long now = nono_elv_now_ms();
	int wait = -1;

	if (!e)
		return -1;
	/* Requests whose caller is gone (killed, or interrupted). */
	for (size_t i = 0; i < e->nq;) {
		if (nono_gate_still_valid(listener, e->q[i].id)) {
			i++;
			continue;
		}
		if (i == 0 && e->asking) {
			e->cfg.end(e->cfg.arg, "(withdrawn)");
			e->asking = false;
		}
		pop(e, i);
	}
	if (e->asking) {
		int a = e->cfg.answer(e->cfg.arg);
		struct elv_req *rq = &e->q[0];

		if (a || now >= rq->deadline) {
			bool yes = a == 'o' || a == 's' || a == 'p';
			char said[PATH_MAX + 128];
			bool saved = false;

			/* 'p' where nothing can be saved: this session. */
			if (a == 'p' && !savable(e, rq))
				a = 's';
			if (a == 'p')
				saved = save_answer(g, rq, said, sizeof(said));
			e->cfg.end(e->cfg.arg,
				   !a         ? "denied (no answer)"
				   : a == 'o' ? "allowed once"
				   : a == 's' ? "allowed for this session"
				   : a == 'p' ? said
					      : "denied for this session");
			if (a == 's' || a == 'p' || a == 'd')
				remember_rq(e, rq, yes);
			nono_elv_tell(g, yes ? "approved" : "denied", rq,
				      !a         ? "timeout"
				      : a == 'o' ? "once"
				      : a == 'p' ? "saved"
						 : "session");
			if (yes) {
				perform(g, listener, rq);
				if (saved)
					mark_saved(e, rq);
			} else {
				nono_gate_note_denial(g, NONO_GATE_ELEVATE,
						      rq->real);
				nono_elv_send_error(listener, rq->id, EACCES);
			}
			e->asking = false;
			pop(e, 0);
			settle(g, listener);
		}
	}
	while (!e->asking && e->nq) {
		char text[4 * PATH_MAX];

		if (!rate_ok(e, now)) {
			e->dropped++;
			nono_elv_tell(g, "denied", &e->q[0], "rate");
			nono_elv_send_error(listener, e->q[0].id, EACCES);
			pop(e, 0);
			continue;
		}
		if (!question(e, &e->q[0], text, sizeof(text))) {
			/* Never asked cut short: refused. */
			nono_elv_tell(g, "denied", &e->q[0], "unshowable");
			nono_elv_send_error(listener, e->q[0].id, EACCES);
			pop(e, 0);
			continue;
		}
		if (e->cfg.ask(e->cfg.arg, text, e->q[0].code) == 0) {
			e->asking = true;
			e->dropped = 0;
		} else {
			/* Nobody to ask just now (a detached session with
			 * no client): asked when one attaches, refused at
			 * its deadline. */
			e->nasked--;
			if (now >= e->q[0].deadline) {
				nono_elv_tell(g, "denied", &e->q[0], "timeout");
				nono_elv_send_error(listener, e->q[0].id,
						    EACCES);
				pop(e, 0);
				continue;
			}
		}
		break;
	}
	for (size_t i = 0; i < e->nq; i++) {
		long long left = e->q[i].deadline - now;
		int ms = left < 0 ? 0 : left > 250 ? 250 : (int)left;

		if (wait < 0 || ms < wait)
			wait = ms;
	}
	return wait;
}

bool nono_elevate_heard(int nr)
{
	switch (nr) {
#ifdef __NR_open
	case __NR_open:
#endif
#ifdef __NR_creat
	case __NR_creat:
#endif
#ifdef __NR_mkdir
	case __NR_mkdir:
#endif
#ifdef __NR_mknod
	case __NR_mknod:
#endif
#ifdef __NR_rename
	case __NR_rename:
#endif
#ifdef __NR_renameat
	case __NR_renameat:
#endif
#ifdef __NR_link
	case __NR_link:
#endif
#ifdef __NR_symlink
	case __NR_symlink:
#endif
#ifdef __NR_unlink
	case __NR_unlink:
#endif
#ifdef __NR_rmdir
	case __NR_rmdir:
#endif
	case __NR_openat:
	case __NR_openat2:
	case __NR_mkdirat:
	case __NR_mknodat:
	case __NR_renameat2:
	case __NR_linkat:
	case __NR_symlinkat:
	case __NR_unlinkat:
	case __NR_truncate:
		return true;
	default:
		return false;
	}
}
