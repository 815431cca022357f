// SPDX-License-Identifier: Apache-2.0
/*
 * The creation half of the gate.  In a guarded directory (the root of a
 * writable grant, its .git, $HOME) Landlock refuses every new name, so that
 * a hook, an .envrc or a ~/.bashrc that did not exist cannot be planted.
 * The supervisor performs the allowed creations there itself: it resolves
 * the parent directory to an fd, refuses the protected names, and creates
 * the name relative to that fd from its own copy of the string, then hands
 * back the result (an injected fd for open).  Anything it does not perform
 * goes back to the kernel (CONTINUE), where Landlock refuses creation in
 * guarded directories: a path the sandbox swaps after the check gains it
 * nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/util/cleanup.h"
#include "core/util/linux_calls.h"
#include "nono/path.h"
#include "policy/protect.h"
#include "supervisor/gate_internal.h"

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1) /* linux/fs.h; not in every libc */
#endif

/* A resolved target: the parent directory (fd and canonical path) and the
 * final name. */
struct target {
	int dfd;
	char dir[PATH_MAX];
	char name[NAME_MAX + 1];
};

static void target_close(struct target *t)
{
	if (t->dfd >= 0)
		close(t->dfd);
	t->dfd = -1;
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
 * Resolves @path (relative to @dirfd of the task) into its parent directory
 * and final name, in the task's own mount namespace, so that its masks
 * (read-only, hidden) bind whatever we do there.  Symlinks in the parent
 * part are followed inside the task's root, as the kernel would; the final
 * name is taken literally.  Returns 0, or -errno.
 */
static int resolve(pid_t pid, int pidfd, int dirfd, const char *path,
		   struct target *t)
{
	char buf[PATH_MAX];
	const char *name;
	char *slash;
	size_t len;
	int r;

	t->dfd = -1;
	r = nono_gate_task_abs(pid, pidfd, dirfd, path, buf, sizeof(buf));
	if (r < 0)
		return r;
	/* mkdir("dir/") names "dir". */
	len = strlen(buf);
	while (len > 1 && buf[len - 1] == '/')
		buf[--len] = '\0';
	slash = strrchr(buf, '/');
	name = slash + 1;
	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    strlen(name) > NAME_MAX)
		return -EINVAL;
	memcpy(t->name, name, strlen(name) + 1); /* <= NAME_MAX, checked */
	*slash = '\0';
	t->dfd = nono_gate_open_in_task(pid, buf[0] ? buf : "/",
					O_PATH | O_DIRECTORY);
	if (t->dfd < 0) {
		r = t->dfd;
		t->dfd = -1;
		return r;
	}
	r = nono_gate_fd_path(t->dfd, t->dir, sizeof(t->dir));
	if (r < 0)
		target_close(t);
	return r;
}

static void join(const struct target *t, char *out, size_t len)
{
	/* Too long for a path: an empty answer, which matches nothing. */
	if ((size_t)snprintf(out, len, "%s/%s",
			     strcmp(t->dir, "/") == 0 ? "" : t->dir,
			     t->name) >= len)
		out[0] = '\0';
}

/* A mask on or above @path; a pinned .git counts only as itself (its
 * contents stay writable, but it must not be replaced or moved). */
static bool masked_any(const struct nono_caps *caps, const char *path)
{
	for (size_t i = 0; i < nono_caps_mask_count(caps); i++) {
		const struct nono_mask *m = nono_caps_mask_at(caps, i);

		if (m->kind == NONO_MASK_PIN
			? strcmp(path, m->path) == 0
			: nono_path_is_under(path, m->path))
			return true;
	}
	return false;
}

static bool bypassed(const struct nono_gate *g, const char *path)
{
	for (size_t i = 0; i < g->nbypass; i++)
		if (strcmp(g->bypass[i], path) == 0)
			return true;
	return false;
}

/* A bypass of a git directory (--bypass-protection ./.git) lifts its
 * guards: the allow-list in it and in the git directories below it. */
static bool bypassed_above(const struct nono_gate *g, const char *dir)
{
	for (size_t i = 0; i < g->nbypass; i++)
		if (nono_path_is_under(dir, g->bypass[i]))
			return true;
	return false;
}

enum verdict { V_CONTINUE, V_DENY, V_EMULATE };

/*
 * The decision for a new name at @t.  Protected names in a guarded
 * directory are refused; elsewhere the supervisor only steps in where the
 * grants allow writing but Landlock cannot create (a guarded chain).
 */
static enum verdict decide(struct nono_gate *g, const struct target *t)
{
	const struct nono_caps *caps = g->caps;
	char full[PATH_MAX];
	struct stat st;

	join(t, full, sizeof(full));
	/* Inside or onto a mask: the sandbox's own mount namespace (which we
	 * do not share) has the final say. */
	if (nono_gate_under_mask(caps, t->dir, true) || masked_any(caps, full))
		return V_CONTINUE;
	if (fstat(t->dfd, &st) < 0)
		return V_CONTINUE;
	for (size_t i = 0; i < nono_caps_guard_count(caps); i++) {
		const struct nono_guard *gd = nono_caps_guard_at(caps, i);

		if (gd->dev != (unsigned long long)st.st_dev ||
		    gd->ino != (unsigned long long)st.st_ino)
			continue;
		if (nono_guard_refuses(gd->kind, t->name) &&
		    !bypassed(g, full) && !bypassed_above(g, gd->path)) {
			nono_gate_note_denial(g, NONO_GATE_CREATE, full);
			return V_DENY;
		}
		/* A profile's keep_read_only path, in any guarded parent. */
		for (size_t k = 0; k < g->nkept; k++) {
			if (strcmp(g->kept[k], full) == 0 &&
			    !bypassed(g, full)) {
				nono_gate_note_denial(g, NONO_GATE_CREATE,
						      full);
				return V_DENY;
			}
		}
	}
	if (nono_caps_can_create(caps, t->dir) ||
	    !nono_caps_allows(caps, t->dir, NONO_ACCESS_WRITE, NULL))
		return V_CONTINUE;
	return V_EMULATE;
}

bool nono_fsgate_refuses_name(struct nono_gate *g, int dfd, const char *dir,
			      const char *name)
{
	struct target t = {.dfd = dfd};

	if (strlen(dir) >= sizeof(t.dir) || strlen(name) >= sizeof(t.name))
		return true;
	memcpy(t.dir, dir, strlen(dir) + 1);
	memcpy(t.name, name, strlen(name) + 1);
	return decide(g, &t) == V_DENY;
}

static unsigned access_of(const struct nono_caps *caps, const char *dir)
{
	unsigned a = 0;

	if (nono_caps_allows(caps, dir, NONO_ACCESS_READ, NULL))
		a |= NONO_ACCESS_READ;
	if (nono_caps_allows(caps, dir, NONO_ACCESS_WRITE, NULL))
		a |= NONO_ACCESS_WRITE;
	return a;
}

static mode_t task_umask(pid_t pid)
{
	char path[64], line[128];
	nono_autofclose FILE *f = NULL;
	unsigned m = 022;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Umask:\t%o", &m) == 1)
			break;
	return (mode_t)(m & 0777);
}

/*
 * Creates the file and injects the fd as the syscall's result, atomically
 * (ADDFD_FLAG_SEND: a signal restarting the call cannot leave the fd
 * behind).  Returns true when that answered the notification; otherwise
 * *@resp says what to answer.
 */
static bool emulate_open(int listener, const struct seccomp_notif *req,
			 const struct target *t, int flags, mode_t mode,
			 struct seccomp_notif_resp *resp)
{
	struct seccomp_notif_addfd add = {0};
	nono_autoclose int fd = -1;
	mode_t old;

	/* O_NONBLOCK while we open: a FIFO swapped in must not stall the
	 * supervisor.  O_NOFOLLOW: a symlink at the name is the kernel's
	 * business (CONTINUE), under Landlock. */
	old = umask(task_umask(req->pid));
	fd = openat(t->dfd, t->name,
		    flags | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
		    mode);
	umask(old);
	if (fd < 0) {
		if (errno == ELOOP && !(flags & O_NOFOLLOW))
			resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		else
			resp->error = -errno;
		return false;
	}
	if (!(flags & O_NONBLOCK))
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	add.id = req->id;
	add.flags = SECCOMP_ADDFD_FLAG_SEND;
	add.srcfd = (__u32)fd;
	add.newfd_flags = (flags & O_CLOEXEC) ? O_CLOEXEC : 0;
	if (notif_ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add) < 0) {
		resp->error = -errno;
		return false;
	}
	return true;
}

struct args {
	int dirfd, olddirfd;
	__u64 path, oldpath, target;
	int flags;
	mode_t mode;
};

/* Decodes the syscall into its destination, source and flags. */
static int decode(const struct seccomp_notif *req, struct args *a)
{
	const __u64 *v = req->data.args;

	memset(a, 0, sizeof(*a));
	a->dirfd = a->olddirfd = AT_FDCWD;
	switch (req->data.nr) {
	case __NR_open:
		a->path = v[0], a->flags = (int)v[1], a->mode = (mode_t)v[2];
		return 0;
	case __NR_creat:
		a->path = v[0], a->mode = (mode_t)v[1];
		a->flags = O_CREAT | O_WRONLY | O_TRUNC;
		return 0;
	case __NR_openat:
		a->dirfd = (int)v[0], a->path = v[1], a->flags = (int)v[2];
		a->mode = (mode_t)v[3];
		return 0;
	case __NR_mkdir:
		a->path = v[0], a->mode = (mode_t)v[1];
		return 0;
	case __NR_mkdirat:
		a->dirfd = (int)v[0], a->path = v[1], a->mode = (mode_t)v[2];
		return 0;
	case __NR_symlink:
		a->target = v[0], a->path = v[1];
		return 0;
	case __NR_symlinkat:
		a->target = v[0], a->dirfd = (int)v[1], a->path = v[2];
		return 0;
	case __NR_link:
	case __NR_rename:
		a->oldpath = v[0], a->path = v[1];
		return 0;
	case __NR_linkat:
		a->olddirfd = (int)v[0], a->oldpath = v[1];
		a->dirfd = (int)v[2], a->path = v[3], a->flags = (int)v[4];
		return 0;
	case __NR_renameat:
	case __NR_renameat2:
		a->olddirfd = (int)v[0], a->oldpath = v[1];
		a->dirfd = (int)v[2], a->path = v[3];
		a->flags = req->data.nr == __NR_renameat2 ? (int)v[4] : 0;
		return 0;
	default:
		return -ENOSYS;
	}
}

static bool is_open(int nr)
{
	return nr == __NR_open || nr == __NR_openat || nr == __NR_creat;
}

/*
 * The parent directory of @path as the task names it: made absolute (one
 * readlink for a relative path) and folded lexically, without resolving
 * anything.  Only good for the fast path below, where a wrong answer costs
 * a refusal, never safety.  Returns 0 or -1.
 */
static int lexical_parent(pid_t pid, int dirfd, const char *path, char *out,
			  size_t len)
{
	char base[PATH_MAX], link[64];
	char *slash;
	ssize_t l;

	snprintf(out, len, "/");
	if (path[0] != '/') {
		if (dirfd == AT_FDCWD)
			snprintf(link, sizeof(link), "/proc/%d/cwd", (int)pid);
		else
			snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)pid,
				 dirfd);
		l = readlink(link, base, sizeof(base) - 1);
		if (l <= 0 || base[0] != '/')
			return -1;
		base[l] = '\0';
		if (nono_path_fold(out, len, base) < 0)
			return -1;
	}
	if (nono_path_fold(out, len, path) < 0)
		return -1;
	/* Drop the final name: what remains is the parent. */
	slash = strrchr(out, '/');
	if (!slash || !slash[1])
		return -1;
	if (slash == out)
		slash[1] = '\0';
	else
		*slash = '\0';
	return 0;
}

/* Landlock alone gets it right here: the sandbox may create in @dir (a
 * rule with creation covers it), or may not write there at all. */
static bool kernel_decides(const struct nono_caps *caps, const char *dir)
{
	return nono_caps_can_create(caps, dir) ||
	       !nono_caps_allows(caps, dir, NONO_ACCESS_WRITE, NULL);
}

/* The thread group of @tid ("Tgid:" in its status), or -1. */
static pid_t tgid_of(pid_t tid)
{
	char path[64], buf[1024];
	nono_autoclose int fd = -1;
	const char *t;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	t = strstr(buf, "\nTgid:\t");
	return t ? (pid_t)strtol(t + 7, NULL, 10) : -1;
}

/* A positive decimal number at *@s, which moves past it; -1 if none. */
static long number(const char **s)
{
	long v = 0;

	if (**s < '0' || **s > '9')
		return -1;
	while (**s >= '0' && **s <= '9' && v < 1L << 30)
		v = v * 10 + (*(*s)++ - '0');
	return v > 0 ? v : -1;
}

long nono_gate_parse_comm(const char *path, pid_t own, pid_t caller)
{
	const char *s = path + 6;
	long pid, tid = -1;

	if (strncmp(path, "/proc/", 6) != 0)
		return -1;
	if (strncmp(s, "thread-self/", 12) == 0) {
		s += 12;
		pid = own;
		tid = caller;
	} else if (strncmp(s, "self/", 5) == 0) {
		s += 5;
		pid = own;
	} else {
		pid = number(&s);
		if (pid != own || *s++ != '/')
			return -1;
	}
	if (tid < 0 && strncmp(s, "task/", 5) == 0) {
		s += 5;
		tid = number(&s);
		if (tid < 0 || *s++ != '/')
			return -1;
	}
	if (strcmp(s, "comm") != 0)
		return -1;
	return tid < 0 ? pid : tid;
}

/*
 * --allow-gpu: the NVIDIA driver names its threads through
 * /proc/self/task/<tid>/comm, and CUDA fails to start without it.  The
 * Landlock rule made for the first process covers its own /proc entry
 * only; a process it starts (a shell's child, a DataLoader worker) gets
 * its thread names here: for the comm file of a thread of the caller's own
 * process, the supervisor opens it and hands the fd over.  The kernel
 * checks again at write time that the writer is of that thread's process,
 * so a recycled thread id gains nothing.  Anything else goes back to the
 * kernel and Landlock.  True when it answered.
 */
static bool name_thread(int listener, const struct seccomp_notif *req,
			const struct args *a)
{
	struct seccomp_notif_addfd add = {0};
	nono_autoclose int fd = -1;
	char path[PATH_MAX], comm[64];
	pid_t own;
	long tid;

	if ((a->flags & O_ACCMODE) == O_RDONLY ||
	    nono_gate_read_string(req->pid, a->path, path, sizeof(path)) < 0 ||
	    strncmp(path, "/proc/", 6) != 0)
		return false;
	own = tgid_of(req->pid);
	tid = own > 0 ? nono_gate_parse_comm(path, own, req->pid) : -1;
	if (tid < 0 || tgid_of((pid_t)tid) != own)
		return false;
	snprintf(comm, sizeof(comm), "/proc/%ld/comm", tid);
	fd = open(comm, (a->flags & O_ACCMODE) | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || !nono_gate_still_valid(listener, req->id))
		return false;
	add.id = req->id;
	add.flags = SECCOMP_ADDFD_FLAG_SEND;
	add.srcfd = (__u32)fd;
	add.newfd_flags = (a->flags & O_CLOEXEC) ? O_CLOEXEC : 0;
	return notif_ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add) >= 0;
}

int nono_fsgate_handle(struct nono_gate *g, int listener,
		       const struct seccomp_notif *req,
		       struct seccomp_notif_resp *resp)
{
	struct target dst = {.dfd = -1}, src = {.dfd = -1};
	nono_autoclose int pidfd = -1;
	char path[PATH_MAX], old[PATH_MAX], link_target[PATH_MAX];
	int nr = req->data.nr;
	enum verdict v;
	struct args a;
	struct stat st;
	int answered = 0;
	bool exchange;
	int r = 0;

	resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	/* openat2 carries its flags in a struct; the rare caller gets the
	 * kernel's verdict (Landlock refuses creation where it must). */
	if (decode(req, &a) < 0)
		return 0;
	/* O_CREAT too: fopen(path, "w") is how most name a thread. */
	if (is_open(nr) && nono_caps_proc_self_write(g->caps) &&
	    name_thread(listener, req, &a))
		return 1;
	if (is_open(nr) && !(a.flags & O_CREAT))
		return 0;
	/* RENAME_WHITEOUT, linkat following symlinks, AT_EMPTY_PATH: left to
	 * the kernel, which refuses them in guarded directories.
	 * RENAME_EXCHANGE is performed here where Landlock cannot (it wants
	 * the creation rights a guarded directory lacks, although nothing
	 * new is named): it failed with EACCES at a grant's root. */
	exchange = nr == __NR_renameat2 && a.flags == RENAME_EXCHANGE;
	if ((nr == __NR_renameat2 && !exchange &&
	     (a.flags & ~RENAME_NOREPLACE)) ||
	    (nr == __NR_linkat && a.flags))
		return 0;
	if (nono_gate_read_string(req->pid, a.path, path, sizeof(path)) < 0)
		return 0;
	if (a.oldpath &&
	    nono_gate_read_string(req->pid, a.oldpath, old, sizeof(old)) < 0)
		return 0;
	/*
	 * Fast path, the common case (a file in an existing subdirectory):
	 * where Landlock decides correctly by itself, CONTINUE at once.  The
	 * lexical view may be wrong (a symlink, a rename): then the kernel
	 * refuses what needed us, since CONTINUE always meets Landlock, and
	 * Landlock refuses creation in every guarded directory.
	 */
	{
		char dir[PATH_MAX], odir[PATH_MAX];

		if (lexical_parent(req->pid, a.dirfd, path, dir, sizeof(dir)) ==
			0 &&
		    kernel_decides(g->caps, dir) &&
		    (!a.oldpath || (lexical_parent(req->pid, a.olddirfd, old,
						   odir, sizeof(odir)) == 0 &&
				    kernel_decides(g->caps, odir))))
			return 0;
	}
	pidfd = nono_gate_pidfd(req->pid);
	if (pidfd < 0)
		return 0;
	if (a.target && nono_gate_read_string(req->pid, a.target, link_target,
					      sizeof(link_target)) < 0)
		return 0;
	if (!nono_gate_still_valid(listener, req->id))
		return 0;
	if (resolve(req->pid, pidfd, a.dirfd, path, &dst) < 0)
		return 0;
	v = decide(g, &dst);
	if (v != V_DENY && exchange) {
		/* Both names take the other's file: each is decided. */
		enum verdict vs;

		if (resolve(req->pid, pidfd, a.olddirfd, old, &src) < 0)
			goto out;
		vs = decide(g, &src);
		if (vs == V_DENY)
			v = V_DENY;
		else if (vs == V_EMULATE)
			v = V_EMULATE;
	}
	if (v == V_DENY) {
		resp->flags = 0;
		resp->error = -EACCES;
		goto out;
	}
	/* An existing name needs no creation right: the kernel handles it
	 * (and a later create/replace race only reaches Landlock). */
	if (v != V_EMULATE ||
	    (nr != __NR_rename && nr != __NR_renameat && !exchange &&
	     fstatat(dst.dfd, dst.name, &st, AT_SYMLINK_NOFOLLOW) == 0))
		goto out;
	if (a.oldpath) {
		char full[PATH_MAX], dfull[PATH_MAX];

		if (src.dfd < 0 &&
		    resolve(req->pid, pidfd, a.olddirfd, old, &src) < 0)
			goto out;
		join(&src, full, sizeof(full));
		/* Not a masked path (only the sandbox sees the mask), and, as
		 * Landlock's refer rule demands, the file must not gain a right
		 * by its new name: the source directory must allow at least
		 * what the destination allows (else a read-only file could be
		 * hard-linked into a writable tree and changed there).  A
		 * rename also removes it from the source: write is needed. */
		if (masked_any(g->caps, full) ||
		    nono_gate_under_mask(g->caps, src.dir, true) ||
		    (access_of(g->caps, dst.dir) &
		     ~access_of(g->caps, src.dir)) ||
		    ((nr == __NR_rename || nr == __NR_renameat ||
		      nr == __NR_renameat2) &&
		     !(access_of(g->caps, src.dir) & NONO_ACCESS_WRITE)))
			goto out;
		/* An exchange moves a file the other way too: the same holds
		 * from the destination to the source. */
		join(&dst, dfull, sizeof(dfull));
		if (exchange &&
		    (masked_any(g->caps, dfull) ||
		     (access_of(g->caps, src.dir) &
		      ~access_of(g->caps, dst.dir)) ||
		     !(access_of(g->caps, dst.dir) & NONO_ACCESS_WRITE)))
			goto out;
	}
	resp->flags = 0;
	switch (nr) {
	case __NR_open:
	case __NR_openat:
	case __NR_creat:
		if (emulate_open(listener, req, &dst, a.flags, a.mode, resp))
			answered = 1;
		goto out;
	case __NR_mkdir:
	case __NR_mkdirat: {
		mode_t om = umask(task_umask(req->pid));

		r = mkdirat(dst.dfd, dst.name, a.mode) < 0 ? -errno : 0;
		umask(om);
		break;
	}
	case __NR_symlink:
	case __NR_symlinkat:
		r = symlinkat(link_target, dst.dfd, dst.name) < 0 ? -errno : 0;
		break;
	case __NR_link:
	case __NR_linkat:
		r = linkat(src.dfd, src.name, dst.dfd, dst.name, 0) < 0 ? -errno
									: 0;
		break;
	default: /* rename, renameat, renameat2 (at most NOREPLACE) */
		r = renameat2(src.dfd, src.name, dst.dfd, dst.name,
			      (unsigned)a.flags) < 0
			? -errno
			: 0;
		break;
	}
	resp->error = r < 0 ? r : 0;
	resp->val = 0;
out:
	target_close(&dst);
	target_close(&src);
	return answered;
}
