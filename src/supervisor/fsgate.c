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
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "nono/path.h"
#include "policy/projcfg.h"
#include "policy/protect.h"
#include "supervisor/fslink.h"
#include "supervisor/fswhere.h"
#include "supervisor/gate_internal.h"
#include "util/cleanup.h"
#include "util/linux_calls.h"

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1) /* linux/fs.h; not in every libc */
#endif

/* A resolved target: the parent directory (fd and canonical path) and the
 * final name. */
struct target {
	int dfd;
	char dir[PATH_MAX];
	char name[NAME_MAX + 1];
	/* follow_final looked at the name (one fstatat less per open). */
	bool seen, there;
	struct stat st;
};

static void target_close(struct target *t)
{
	if (t->dfd >= 0)
		close(t->dfd);
	t->dfd = -1;
}

/*
 * Opens the parent directory of @w in the sandbox's own view (its root and
 * mount namespace, so that its masks bind whatever we do there), with the
 * kernel's rules for symlinks inside that root.  Without symlinks or ".."
 * on the way, the folded string is the directory's path; otherwise the
 * kernel resolves the path as written and the fd tells where it led.
 * Returns 0, or -errno.
 */
static int open_target(const struct nono_gate *g, pid_t pid,
		       const struct where *w, struct target *t)
{
	int r;

	t->dfd = -1;
	t->seen = false;
	memcpy(t->name, w->name, sizeof(t->name));
	if (!w->dotdot && g->root >= 0) {
		struct open_how how = {
		    .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS |
			       RESOLVE_NO_MAGICLINKS,
		};

		t->dfd = (int)syscall(SYS_openat2, g->root, w->dir, &how,
				      sizeof(how));
		if (t->dfd >= 0) {
			memcpy(t->dir, w->dir, sizeof(t->dir));
			return 0;
		}
		if (errno != ELOOP || w->nosym)
			return -errno;
	}
	if (w->nosym)
		return -ELOOP;
	t->dfd = nono_gate_open_in_task(g, pid, w->dotdot ? w->raw : w->dir,
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

/*
 * A symlink at @t's name, followed as the kernel would (inside the
 * sandbox's root, at most 40 links): @t becomes where it leads.  0, or
 * -errno (then the kernel decides: CONTINUE, under Landlock).
 */
static int follow_final(const struct nono_gate *g, pid_t pid, struct target *t)
{
	for (int hops = 0; hops < 40; hops++) {
		char link[PATH_MAX];
		struct target next;
		struct where w;
		struct stat st;
		ssize_t l;

		if (fstatat(t->dfd, t->name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			t->seen = errno == ENOENT;
			t->there = false;
			return 0;
		}
		if (!S_ISLNK(st.st_mode)) {
			t->seen = t->there = true;
			t->st = st;
			return 0;
		}
		l = readlinkat(t->dfd, t->name, link, sizeof(link) - 1);
		if (l <= 0)
			return -EINVAL;
		link[l] = '\0';
		if (nono_fswhere_split(t->dir, link, &w) < 0 ||
		    open_target(g, pid, &w, &next) < 0)
			return -ENOENT;
		target_close(t);
		*t = next;
	}
	return -ELOOP;
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

/*
 * The persistence rules for a new name, or a file opened for writing, at
 * @t: protected names in a guarded directory, a profile's keep_read_only
 * paths, and in a sealed tree the git rules (gitgate.c).  Inside or onto a
 * mask, the sandbox's own mount namespace (which we do not share) has the
 * final say.  True when refused (and noted).
 */
static bool refuses(struct nono_gate *g, const struct target *t)
{
	const struct nono_caps *caps = g->caps;
	enum nono_gitgate_verdict gv;
	char full[PATH_MAX];
	struct stat st, there;

	join(t, full, sizeof(full));
	if (nono_gate_under_mask(caps, t->dir, true) || masked_any(caps, full))
		return false;
	if (fstat(t->dfd, &st) < 0)
		return true;
	for (size_t i = 0; i < nono_caps_guard_count(caps); i++) {
		const struct nono_guard *gd = nono_caps_guard_at(caps, i);

		if (gd->dev != (unsigned long long)st.st_dev ||
		    gd->ino != (unsigned long long)st.st_ino)
			continue;
		if (nono_guard_refuses(gd->kind, t->name) &&
		    !bypassed(g, full) && !bypassed_above(g, gd->path)) {
			nono_gate_note_denial(g, NONO_GATE_CREATE, full);
			return true;
		}
	}
	/* Project configuration that runs programs (a .claude/settings.json,
	 * a .mcp.json, a .cargo/config.toml), at every depth of a sealed
	 * tree: the user starts claude, codex, opencode or cargo in any
	 * directory of a project (policy/projcfg.c). */
	if ((nono_projcfg_refuses(t->dir, t->name) ||
	     (nono_projcfg_refuses_new(t->dir, t->name) &&
	      fstatat(t->dfd, t->name, &there, AT_SYMLINK_NOFOLLOW) < 0)) &&
	    nono_caps_sealed(caps, t->dir) && !bypassed(g, full)) {
		nono_gate_note_denial(g, NONO_GATE_CREATE, full);
		return true;
	}
	/* A kept path (a profile's keep_read_only, a PATH directory), in
	 * any parent: one made during the session has no guard. */
	for (size_t k = 0; k < g->nkept; k++) {
		if (strcmp(g->kept[k], full) == 0 && !bypassed(g, full)) {
			nono_gate_note_denial(g, NONO_GATE_CREATE, full);
			return true;
		}
	}
	if (!nono_caps_sealed(caps, t->dir))
		return false;
	gv = nono_gitgate_decide(g, t->dfd, t->dir, t->name);
	if (gv == NONO_GITGATE_OK || bypassed(g, full) ||
	    bypassed_above(g, t->dir))
		return false;
	nono_gate_note_denial(
	    g, gv == NONO_GITGATE_NEW_REPO ? NONO_GATE_REPO : NONO_GATE_CREATE,
	    full);
	return true;
}

/* @t is onto or inside a mask (a hidden or read-only file, the
 * sandbox's private copy, a pinned .git itself): only the sandbox's mount
 * namespace sees what is there, so only the kernel, in it, may decide. */
/* @t names a directory above a kept path, or a tool's configuration
 * directory (.claude, .cargo, ...): a symlink or a
 * directory moved there would bring the kept name in ready-made (a mkdir
 * brings an empty directory, in which the kept name is refused when
 * made). */
static bool above_kept(struct nono_gate *g, const struct target *t)
{
	char full[PATH_MAX];

	join(t, full, sizeof(full));
	/* A .claude, .cargo, ... brought in whole, with its files (see
	 * refuses()). */
	if (nono_projcfg_dir(t->name) && nono_caps_sealed(g->caps, t->dir) &&
	    !bypassed(g, full)) {
		nono_gate_note_denial(g, NONO_GATE_CREATE, full);
		return true;
	}
	for (size_t k = 0; k < g->nkept; k++)
		if (nono_path_is_under(g->kept[k], full) &&
		    strcmp(g->kept[k], full) != 0 && !bypassed(g, g->kept[k])) {
			nono_gate_note_denial(g, NONO_GATE_CREATE, full);
			return true;
		}
	return false;
}

static bool on_mask(const struct nono_gate *g, const struct target *t)
{
	char full[PATH_MAX];

	join(t, full, sizeof(full));
	return nono_gate_under_mask(g->caps, t->dir, true) ||
	       masked_any(g->caps, full);
}

/* The name as the command wrote it (review r5, #6): a user's own symlink
 * at a tool's configuration (.claude -> ../shared/claude, .mcp.json ->
 * ../shared/mcp.json) leads to a name the rule does not list, so either
 * way refuses. */
static bool refuses_as_written(struct nono_gate *g, const struct where *w)
{
	char full[PATH_MAX];

	if (!nono_projcfg_refuses(w->dir, w->name) ||
	    !nono_caps_sealed(g->caps, w->dir) ||
	    (size_t)snprintf(full, sizeof(full), "%s/%s",
			     strcmp(w->dir, "/") == 0 ? "" : w->dir,
			     w->name) >= sizeof(full) ||
	    bypassed(g, full))
		return false;
	nono_gate_note_denial(g, NONO_GATE_CREATE, full);
	return true;
}

/* @name in @dir is a sealed tree's root, seen from outside it (/tmp/proj
 * from /tmp): a directory moved there or a symlink made there would put a
 * tree nobody decided at the project's path (review r5, #3). */
static bool lands_on_sealed(const struct nono_caps *caps, const char *dir,
			    const char *name)
{
	char full[PATH_MAX];

	if ((size_t)snprintf(full, sizeof(full), "%s/%s",
			     strcmp(dir, "/") == 0 ? "" : dir,
			     name) >= sizeof(full))
		return true;
	return nono_caps_sealed(caps, full) && !nono_caps_sealed(caps, dir);
}

/* A tool's configuration directory holding one of its listed files
 * (a .claude with its settings.json): moved away, the file is writable by
 * its new name (review r5, #7). */
static bool holds_listed(const struct target *t)
{
	nono_autoclose int fd = -1;
	const char *n;
	struct stat st;
	size_t i = 0;

	if (!nono_projcfg_dir(t->name))
		return false;
	fd = openat(t->dfd, t->name,
		    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	while ((n = nono_projcfg_listed_in(t->name, &i)) != NULL)
		if (fstatat(fd, n, &st, AT_SYMLINK_NOFOLLOW) == 0)
			return true;
	return false;
}

bool nono_fsgate_refuses_name(struct nono_gate *g, int dfd, const char *dir,
			      const char *name)
{
	struct target t = {.dfd = dfd};

	if (strlen(dir) >= sizeof(t.dir) || strlen(name) >= sizeof(t.name))
		return true;
	memcpy(t.dir, dir, strlen(dir) + 1);
	memcpy(t.name, name, strlen(name) + 1);
	return refuses(g, &t);
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

/*
 * Opens the file at @t (created when @exists is false: the name was free a
 * moment ago) and injects the fd as the syscall's result, atomically
 * (ADDFD_FLAG_SEND: a signal restarting the call cannot leave the fd
 * behind).  Returns true when that answered the notification; otherwise
 * *@resp says what to answer.
 */
static bool emulate_open(struct nono_gate *g, int listener,
			 const struct seccomp_notif *req,
			 const struct target *t, int flags, mode_t mode,
			 const struct stat *exists,
			 struct seccomp_notif_resp *resp)
{
	struct seccomp_notif_addfd add = {0};
	nono_autoclose int fd = -1;
	const int keep = O_APPEND | O_ASYNC | O_DIRECT | O_NOATIME;
	int oflags = flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY;
	mode_t old, want;

	if (exists && S_ISFIFO(exists->st_mode) && !(flags & O_NONBLOCK))
		return nono_gate_fifo_open_later(listener, req, t->dfd, t->name,
						 flags, resp);
	want = nono_gate_task_umask(g, req->pid);
	old = want != g->own_umask ? umask(want) : want;
	/* A free name: O_EXCL creates it, and nothing can block. */
	if (!exists)
		fd = openat(t->dfd, t->name, oflags | O_EXCL, mode);
	if (exists || (fd < 0 && errno == EEXIST && !(flags & O_EXCL))) {
		/* An existing file (or one that appeared since): O_NONBLOCK
		 * while we open, so that a FIFO swapped in cannot stall the
		 * supervisor. */
		fd = openat(t->dfd, t->name, oflags | O_NONBLOCK, mode);
		/* F_SETFL sets exactly these: the caller's, without our
		 * O_NONBLOCK. */
		if (fd >= 0 && !(flags & O_NONBLOCK))
			fcntl(fd, F_SETFL, flags & keep);
	}
	if (want != g->own_umask)
		umask(old);
	if (fd < 0) {
		/* A symlink at the name is the kernel's business, under
		 * Landlock. */
		if (errno == ELOOP && !(flags & O_NOFOLLOW))
			resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		else
			resp->error = -errno;
		return false;
	}
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
	__u64 dev;     /* mknod */
	__s64 length;  /* truncate */
	__u64 resolve; /* openat2: 0, or the RESOLVE_* we honour */
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
	case __NR_openat2: {
		/* Our copy of its struct: what we perform is what we read; a
		 * CONTINUE meets Landlock with whatever the kernel reads.
		 * RESOLVE_* flags are the kernel's to apply, but for the two
		 * we honour ourselves (nono why --self's probes): no magic
		 * link (nor the own-fd reopen), and with NO_SYMLINKS none on
		 * the parent nor at the name. */
		const __u64 ours = RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS;
		struct open_how how;
		struct iovec l = {&how, sizeof(how)};
		struct iovec r = {(void *)(uintptr_t)v[2], sizeof(how)};

		if (v[3] < sizeof(how) ||
		    process_vm_readv(req->pid, &l, 1, &r, 1, 0) !=
			(ssize_t)sizeof(how) ||
		    (how.resolve && how.resolve != RESOLVE_NO_MAGICLINKS &&
		     how.resolve != ours) ||
		    how.flags > 0xffffffffu)
			return -ENOSYS;
		a->dirfd = (int)v[0], a->path = v[1], a->flags = (int)how.flags;
		a->mode = (mode_t)how.mode;
		a->resolve = how.resolve;
		if (how.resolve & RESOLVE_NO_SYMLINKS)
			a->flags |= O_NOFOLLOW;
		return 0;
	}
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
	case __NR_mknod:
		a->path = v[0], a->mode = (mode_t)v[1], a->dev = v[2];
		return 0;
	case __NR_mknodat:
		a->dirfd = (int)v[0], a->path = v[1], a->mode = (mode_t)v[2];
		a->dev = v[3];
		return 0;
	case __NR_truncate:
		a->path = v[0], a->length = (__s64)v[1];
		return 0;
	default:
		return -ENOSYS;
	}
}

static bool is_open(int nr)
{
	return nr == __NR_open || nr == __NR_openat || nr == __NR_creat ||
	       nr == __NR_openat2;
}

/* Landlock alone gets it right here: the sandbox may create in @dir (a
 * rule with creation covers it), or may not write there at all. */
static bool kernel_decides(const struct nono_caps *caps, const char *dir)
{
	return nono_caps_can_create(caps, dir) ||
	       !nono_caps_allows(caps, dir, NONO_ACCESS_WRITE, NULL);
}

/* The same for opening a file in @dir for writing. */
static bool kernel_writes(const struct nono_caps *caps, const char *dir)
{
	return nono_caps_can_write_open(caps, dir) ||
	       !nono_caps_allows(caps, dir, NONO_ACCESS_WRITE, NULL);
}

/*
 * open(dir, O_TMPFILE): an unnamed file in a sealed tree, where Landlock
 * refuses it.  It names nothing (giving it a name, linkat, is the kernel's,
 * which refuses that there), so the directory's write right is the rule.
 * 0: CONTINUE; 1: answered with the injected fd; -1: *@resp set.
 */
static int handle_tmpfile(struct nono_gate *g, int listener,
			  const struct seccomp_notif *req, int flags,
			  mode_t mode, const struct where *w,
			  struct seccomp_notif_resp *resp)
{
	struct seccomp_notif_addfd add = {0};
	struct target t = {.dfd = -1};
	nono_autoclose int dir = -1;
	nono_autoclose int fd = -1;
	char full[PATH_MAX];
	mode_t want, old;
	int r = 0;

	if ((size_t)snprintf(full, sizeof(full), "%s/%s",
			     strcmp(w->dir, "/") == 0 ? "" : w->dir,
			     w->name) >= sizeof(full) ||
	    (kernel_decides(g->caps, full) && kernel_writes(g->caps, full)) ||
	    !nono_gate_still_valid(listener, req->id))
		return 0;
	r = open_target(g, req->pid, w, &t);
	if (r == 0)
		r = follow_final(g, req->pid, &t);
	if (r == 0) {
		dir = openat(t.dfd, t.name,
			     O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		r = dir < 0 ? -errno : 0;
	}
	if (r == 0)
		join(&t, full, sizeof(full));
	target_close(&t);
	resp->flags = 0;
	if (r < 0) {
		resp->error = r;
		return -1;
	}
	if (!full[0] || nono_gate_under_mask(g->caps, full, true) ||
	    !nono_caps_allows(g->caps, full, NONO_ACCESS_WRITE, NULL)) {
		resp->error = -EACCES;
		return -1;
	}
	want = nono_gate_task_umask(g, req->pid);
	old = want != g->own_umask ? umask(want) : want;
	fd = openat(dir, ".", flags | O_CLOEXEC, mode);
	if (want != g->own_umask)
		umask(old);
	if (fd < 0) {
		resp->error = -errno;
		return -1;
	}
	add.id = req->id;
	add.flags = SECCOMP_ADDFD_FLAG_SEND;
	add.srcfd = (__u32)fd;
	add.newfd_flags = (flags & O_CLOEXEC) ? O_CLOEXEC : 0;
	if (notif_ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add) < 0) {
		resp->error = -errno;
		return -1;
	}
	return 1;
}

/* We are not under Landlock: what we open for reading must be readable. */
static bool may_read(const struct nono_caps *caps, const struct target *t)
{
	char full[PATH_MAX];

	join(t, full, sizeof(full));
	return full[0] && nono_caps_allows(caps, full, NONO_ACCESS_READ, NULL);
}

/*
 * A file of a sealed tree reopened for writing through the caller's own
 * fd (echo >/dev/stderr with stderr redirected into the project): Landlock
 * refuses it there, so the supervisor reopens the file that fd holds, under
 * the rules of any write-open, and only while its name still leads to that
 * very file.  0: CONTINUE; 1: answered with the injected fd; -1: *@resp.
 */
static int reopen_own(struct nono_gate *g, int listener,
		      const struct seccomp_notif *req, int flags, int n,
		      struct seccomp_notif_resp *resp)
{
	struct seccomp_notif_addfd add = {0};
	nono_autoclose int pidfd = -1;
	nono_autoclose int fd = -1;
	nono_autoclose int nfd = -1;
	struct target t = {.dfd = -1};
	char canon[PATH_MAX], self[64];
	struct stat st, at;
	struct where w;
	int r = 0;

	pidfd = nono_gate_pidfd(req->pid);
	if (pidfd < 0)
		return 0;
	fd = (int)syscall(SYS_pidfd_getfd, pidfd, n, 0);
	if (fd < 0 || !nono_gate_still_valid(listener, req->id))
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    nono_gate_fd_path(fd, canon, sizeof(canon)) < 0 ||
	    !nono_caps_sealed(g->caps, canon) ||
	    nono_fswhere_split("/", canon, &w) < 0 ||
	    kernel_writes(g->caps, w.dir) ||
	    open_target(g, req->pid, &w, &t) < 0)
		return 0;
	if (fstatat(t.dfd, t.name, &at, AT_SYMLINK_NOFOLLOW) < 0 ||
	    at.st_dev != st.st_dev || at.st_ino != st.st_ino)
		goto out;
	resp->flags = 0;
	r = -1;
	if (refuses(g, &t) ||
	    ((flags & O_ACCMODE) != O_WRONLY && !may_read(g->caps, &t))) {
		resp->error = -EACCES;
		goto out;
	}
	/* O_NONBLOCK while we open: a lease on the file must not stall the
	 * supervisor (EWOULDBLOCK instead of a wait). */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	nfd = open(self, (flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW)) |
			     O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (nfd < 0) {
		resp->error = -errno;
		goto out;
	}
	if (!(flags & O_NONBLOCK))
		fcntl(nfd, F_SETFL,
		      flags & (O_APPEND | O_ASYNC | O_DIRECT | O_NOATIME));
	add.id = req->id;
	add.flags = SECCOMP_ADDFD_FLAG_SEND;
	add.srcfd = (__u32)nfd;
	add.newfd_flags = (flags & O_CLOEXEC) ? O_CLOEXEC : 0;
	if (notif_ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add) < 0)
		resp->error = -errno;
	else
		r = 1;
out:
	target_close(&t);
	return r;
}

/*
 * Where a path of a sealed tree cannot be resolved (a directory missing, a
 * link loop), that is the answer, as of the check: handed back, the kernel
 * could meet another state (a directory another thread has just made
 * through us) where Landlock refuses what we would have performed.  Other
 * failures (ours: no memory, no fd) go back to the kernel.
 */
static void answer_error(int r, struct seccomp_notif_resp *resp)
{
	if (r == -ENOENT || r == -ENOTDIR || r == -ELOOP ||
	    r == -ENAMETOOLONG || r == -EACCES || r == -EEXIST) {
		resp->flags = 0;
		resp->error = r;
	}
}

/*
 * A symlink in a sealed tree that leads out of every sealed tree to a place
 * the sandbox can write (/tmp): a repository made there would be one step
 * away from the user's next "cd src && git status".  Such a link is a new
 * repository as far as the rules go (--allow-new-repos); one to a place the
 * sandbox cannot write (/usr) or inside the trees is not.  Judged on the
 * target as written, folded from the link's directory (fslink.c).
 */
static bool link_leaves(struct nono_gate *g, pid_t pid,
			const struct target *dst, const char *target)
{
	char to[PATH_MAX], full[PATH_MAX];
	struct target t = {.dfd = -1};
	struct where w;
	bool out;
	int r;

	if (g->allow_new_repos || !nono_caps_sealed(g->caps, dst->dir))
		return false;
	snprintf(to, sizeof(to), "/");
	out = (target[0] != '/' &&
	       nono_path_fold(to, sizeof(to), dst->dir) < 0) ||
	      nono_path_fold(to, sizeof(to), target) < 0 ||
	      nono_fslink_writable_outside(g->caps, to) ||
	      (target[0] != '/' &&
	       nono_fslink_climbs_out(g->caps, dst->dir, target));
	/* As written it stays in; through the links on its way (one of the
	 * user's, to /tmp) it may not.  A way we cannot follow (a magic
	 * link, a loop) counts as out; a missing directory does not. */
	if (!out && nono_fswhere_split(dst->dir, target, &w) == 0) {
		r = open_target(g, pid, &w, &t);
		if (r == 0)
			r = follow_final(g, pid, &t);
		if (r == 0) {
			join(&t, full, sizeof(full));
			out = !full[0] ||
			      nono_fslink_writable_outside(g->caps, full);
		} else {
			out = r != -ENOENT && r != -ENOTDIR;
		}
		target_close(&t);
	}
	if (!out)
		return false;
	join(dst, full, sizeof(full));
	nono_gate_note_denial(g, NONO_GATE_REPO, full);
	return true;
}

/* Performs mkdir, mknod, symlink, link or rename at @dst (from @src). */
static int perform(struct nono_gate *g, const struct seccomp_notif *req,
		   const struct args *a, const struct target *src,
		   const struct target *dst, const char *link_target)
{
	int nr = req->data.nr, r;
	mode_t want, om;

	switch (nr) {
	case __NR_mkdir:
	case __NR_mkdirat:
	case __NR_mknod:
	case __NR_mknodat:
		want = nono_gate_task_umask(g, req->pid);
		om = want != g->own_umask ? umask(want) : want;
		if (nr == __NR_mkdir || nr == __NR_mkdirat)
			r = mkdirat(dst->dfd, dst->name, a->mode);
		else
			r = mknodat(dst->dfd, dst->name, a->mode,
				    (dev_t)a->dev);
		if (want != g->own_umask)
			umask(om);
		break;
	case __NR_symlink:
	case __NR_symlinkat:
		r = symlinkat(link_target, dst->dfd, dst->name);
		break;
	case __NR_link:
	case __NR_linkat:
		r = linkat(src->dfd, src->name, dst->dfd, dst->name, 0);
		break;
	default: /* rename, renameat, renameat2 (NOREPLACE, EXCHANGE) */
		r = renameat2(src->dfd, src->name, dst->dfd, dst->name,
			      (unsigned)a->flags);
		break;
	}
	if (r < 0)
		return -errno;
	/* A git directory made here is the sandbox's own (gitgate.c). */
	if (nr != __NR_link && nr != __NR_linkat && nr != __NR_symlink &&
	    nr != __NR_symlinkat)
		nono_gitgate_note_own(g, dst->dfd, dst->name);
	return 0;
}

/* truncate(2) of the file at @t, performed on a descriptor. */
static int do_truncate(const struct target *t, __s64 length)
{
	nono_autoclose int fd = -1;

	fd = openat(t->dfd, t->name,
		    O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	return ftruncate(fd, (off_t)length) < 0 ? -errno : 0;
}

/* A directory or a symlink moved or linked into a sealed tree from outside
 * brings names or a way out nobody decided (a repository made in /tmp, a
 * link to one): EXDEV, so that mv and cp make it again through the gate. */
static bool crosses_in(struct nono_gate *g, const struct target *from,
		       const struct target *to, const struct stat *st)
{
	return nono_caps_sealed(g->caps, to->dir) &&
	       !nono_caps_sealed(g->caps, from->dir) &&
	       (S_ISDIR(st->st_mode) || S_ISLNK(st->st_mode));
}

/* The source may go where the destination is: not from under a mask (only
 * the sandbox sees it), and, as Landlock's refer rule demands, the file
 * must not gain a right by its new name (else a read-only file could be
 * hard-linked into a writable tree and changed there).  A rename also
 * removes it from the source (write needed), and a .git the sandbox did
 * not make stays where it is.  0: it may; 1: the kernel decides (which
 * refuses: EXDEV, so that mv and git copy instead); -EACCES. */
/* A guarded directory (found at start, known by inode) or one above it:
 * renamed, its path would be free for a fresh one without the guard
 * (review 2: the working directory's chain, ~/.local/share). */
static bool holds_guard(const struct nono_caps *caps, const char *full)
{
	for (size_t i = 0; i < nono_caps_guard_count(caps); i++)
		if (nono_path_is_under(nono_caps_guard_at(caps, i)->path, full))
			return true;
	return false;
}

/* A directory above a mask: a mask is a mount and moves with its
 * directory, so renamed away, the mask's path is free for a tree of the
 * sandbox's making, which the supervisor would then fill outside the mask
 * (review 2 of issue 16, A: ~/.npm moved away and replaced by one whose
 * _npx is the real one's). */
static bool holds_mask(const struct nono_caps *caps, const char *full)
{
	for (size_t i = 0; i < nono_caps_mask_count(caps); i++) {
		const char *m = nono_caps_mask_at(caps, i)->path;

		if (strcmp(m, full) != 0 && nono_path_is_under(m, full))
			return true;
	}
	return false;
}

static int may_move(struct nono_gate *g, pid_t pid, int nr,
		    const struct target *from, const struct target *to)
{
	char full[PATH_MAX];
	struct stat st;
	bool moving =
	    nr == __NR_rename || nr == __NR_renameat || nr == __NR_renameat2;

	join(from, full, sizeof(full));
	if (masked_any(g->caps, full) ||
	    nono_gate_under_mask(g->caps, from->dir, true) ||
	    (access_of(g->caps, to->dir) & ~access_of(g->caps, from->dir)))
		return 1;
	/* A hard link to a file the rules protect would be a second name
	 * to write it by (a deep repository's config). */
	/* What is moved is gone already: that is the answer, as of now. */
	if (fstatat(from->dfd, from->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (crosses_in(g, from, to, &st))
		return -EXDEV;
	/* A symlink moved or linked within the trees: where its target
	 * leads from the new place. */
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t l = readlinkat(from->dfd, from->name, target,
				       sizeof(target) - 1);

		if (l <= 0)
			return -EACCES;
		target[l] = '\0';
		if (link_leaves(g, pid, to, target))
			return -EACCES;
	}
	if (!moving)
		return nono_caps_sealed(g->caps, from->dir) && refuses(g, from)
			   ? -EACCES
			   : 0;
	if (!(access_of(g->caps, from->dir) & NONO_ACCESS_WRITE))
		return 1;
	/* Project configuration moved away: its place is free, and it is
	 * writable by its new name (only put back through the gate). */
	if ((nono_caps_sealed(g->caps, from->dir) &&
	     (!nono_gitgate_may_move(g, from->dfd, from->name) ||
	      nono_gitgate_object_moves(g, from->dfd, from->dir, from->name) ||
	      ((nono_projcfg_refuses(from->dir, from->name) ||
		holds_listed(from)) &&
	       !bypassed(g, full)))) ||
	    holds_guard(g->caps, full) || holds_mask(g->caps, full)) {
		nono_gate_note_denial(g, NONO_GATE_CREATE, full);
		return -EACCES;
	}
	return 0;
}

/*
 * For the footer only, never a decision: a write or a creation where no
 * grant gives write, which the kernel is about to refuse (Landlock records
 * nothing nono could read afterwards).  The lexical name is what the
 * command asked for; the footer says what would make it writable.
 */
static void note_refused_write(struct nono_gate *g, const struct where *w,
			       bool writes)
{
	char full[PATH_MAX];

	if (!writes ||
	    nono_caps_allows(g->caps, w->dir, NONO_ACCESS_WRITE, NULL) ||
	    (size_t)snprintf(full, sizeof(full), "%s/%s",
			     strcmp(w->dir, "/") == 0 ? "" : w->dir,
			     w->name) >= sizeof(full) ||
	    nono_caps_allows(g->caps, full, NONO_ACCESS_WRITE, NULL))
		return;
	nono_gate_note_denial(g, NONO_GATE_WRITE, full);
}

/* An open(2) or truncate(2) at @dst, decided: CONTINUE (0), performed
 * (1: the fd was injected), or *@resp set. */
static int handle_open(struct nono_gate *g, int listener,
		       const struct seccomp_notif *req, const struct args *a,
		       const struct target *dst, bool creating, bool writing,
		       struct seccomp_notif_resp *resp)
{
	struct stat st;
	bool exists;

	/* Landlock can do all of it here, whatever the name holds. */
	if ((!creating || kernel_decides(g->caps, dst->dir)) &&
	    (!writing || kernel_writes(g->caps, dst->dir)))
		return 0;
	/* Otherwise every outcome is ours, as of now: handed back, the
	 * kernel could meet the name made or removed meanwhile, where
	 * Landlock refuses what we would do. */
	if (dst->seen) {
		exists = dst->there;
		st = dst->st;
	} else {
		exists =
		    fstatat(dst->dfd, dst->name, &st, AT_SYMLINK_NOFOLLOW) == 0;
	}
	if (exists && creating && (a->flags & O_EXCL)) {
		answer_error(-EEXIST, resp);
		return 0;
	}
	/* Still a link: O_NOFOLLOW (follow_final took the others). */
	if (exists && S_ISLNK(st.st_mode)) {
		answer_error(-ELOOP, resp);
		return 0;
	}
	if (!exists && !creating) {
		answer_error(-ENOENT, resp);
		return 0;
	}
	/* We are not under Landlock: an open that reads needs the read
	 * right (a --write grant has none). */
	if ((a->flags & O_ACCMODE) != O_WRONLY &&
	    req->data.nr != __NR_truncate && !may_read(g->caps, dst)) {
		answer_error(-EACCES, resp);
		return 0;
	}
	resp->flags = 0;
	if (req->data.nr == __NR_truncate) {
		resp->error = exists ? do_truncate(dst, a->length) : -ENOENT;
		return 0;
	}
	return emulate_open(g, listener, req, dst, a->flags, a->mode,
			    exists ? &st : NULL, resp)
		   ? 1
		   : 0;
}

int nono_fsgate_handle(struct nono_gate *g, int listener,
		       const struct seccomp_notif *req,
		       struct seccomp_notif_resp *resp)
{
	struct target dst = {.dfd = -1}, src = {.dfd = -1};
	char path[PATH_MAX], old[PATH_MAX], link_target[PATH_MAX];
	const struct nono_caps *caps = g->caps;
	int nr = req->data.nr;
	bool opening = is_open(nr), creating, writing, exchange, need;
	struct where wd, wo;
	struct args a;
	struct stat st;
	int answered = 0, r;

	resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	if (nr == __NR_umask) {
		nono_gate_umask_called(g, req->pid, (mode_t)req->data.args[0]);
		return 0;
	}
	/* openat2 carries its flags in a struct; the rare caller gets the
	 * kernel's verdict (Landlock refuses creation and writing where it
	 * must). */
	if (decode(req, &a) < 0)
		return 0;
	/* O_CREAT too: fopen(path, "w") is how most name a thread. */
	if (opening && nono_caps_proc_self_write(caps) &&
	    nono_gate_name_thread(listener, req, a.flags, a.path))
		return 1;
	/* O_PATH ignores the rest. */
	if (opening && (a.flags & O_PATH))
		return 0;
	creating = opening ? (a.flags & O_CREAT) != 0 : nr != __NR_truncate;
	writing =
	    opening ? ((a.flags & O_ACCMODE) != O_RDONLY || (a.flags & O_TRUNC))
		    : nr == __NR_truncate;
	if (opening && !creating && !writing)
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
	if (opening && writing && !a.resolve &&
	    nono_gate_own_fd_link(path) >= 0) {
		r = reopen_own(g, listener, req, a.flags,
			       nono_gate_own_fd_link(path), resp);

		return r > 0 ? 1 : 0;
	}
	if (nono_fswhere_locate(req->pid, a.dirfd, path, &wd) < 0 ||
	    (a.oldpath &&
	     nono_fswhere_locate(req->pid, a.olddirfd, old, &wo) < 0))
		return 0;
	/* No symlink anywhere: the parent as written, or the kernel's. */
	wd.nosym = (a.resolve & RESOLVE_NO_SYMLINKS) != 0;
	if (wd.nosym && wd.dotdot)
		return 0;
	if (opening && (a.flags & O_TMPFILE) == O_TMPFILE)
		return handle_tmpfile(g, listener, req, a.flags, a.mode, &wd,
				      resp) > 0;
	/*
	 * Fast path, the common case (a file outside the user's writable
	 * trees): where Landlock decides correctly by itself, CONTINUE at
	 * once.  The lexical view may be wrong (a symlink, a rename, a path
	 * swapped by another thread): then the kernel refuses what needed
	 * us, since CONTINUE always meets Landlock, and Landlock refuses
	 * creation in every guarded directory and writing in sealed trees.
	 */
	if ((!creating || kernel_decides(caps, wd.dir)) &&
	    (!writing || kernel_writes(caps, wd.dir)) &&
	    (!a.oldpath || kernel_decides(caps, wo.dir)) &&
	    !nono_fswhere_aliased(g, req->pid, &wd) &&
	    (!a.oldpath || !nono_fswhere_aliased(g, req->pid, &wo)) &&
	    !lands_on_sealed(caps, wd.dir, wd.name) &&
	    (!a.oldpath || !lands_on_sealed(caps, wo.dir, wo.name))) {
		note_refused_write(g, &wd, creating || writing);
		return 0;
	}
	if (a.target && nono_gate_read_string(req->pid, a.target, link_target,
					      sizeof(link_target)) < 0)
		return 0;
	/* Everything read from the task is read: from here on, only what
	 * we open is trusted. */
	if (!nono_gate_still_valid(listener, req->id))
		return 0;
	r = open_target(g, req->pid, &wd, &dst);
	if (r < 0) {
		answer_error(r, resp);
		return 0;
	}
	/* open and truncate follow a symlink at the name (O_CREAT|O_EXCL
	 * and O_NOFOLLOW do not); the rules apply where it leads. */
	if (((opening && !(a.flags & O_NOFOLLOW) &&
	      !((a.flags & O_CREAT) && (a.flags & O_EXCL))) ||
	     nr == __NR_truncate) &&
	    (r = follow_final(g, req->pid, &dst)) < 0) {
		answer_error(r, resp);
		goto out;
	}
	if (exchange && (r = open_target(g, req->pid, &wo, &src)) < 0) {
		answer_error(r, resp);
		goto out;
	}
	/* Performed here, an operation onto a mask would act on what the
	 * mask hides (review of issue 16, F1: a rename over a read-only
	 * CLAUDE.md, or over a hidden ~/.bashrc, replaced the real file):
	 * the kernel decides, in the sandbox's namespace (EBUSY, EROFS,
	 * EACCES). */
	if (on_mask(g, &dst) || (exchange && on_mask(g, &src)))
		goto out;
	/* A name that is taken (mkdir, mknod, symlink, link, a rename with
	 * RENAME_NOREPLACE): EEXIST, as the kernel answers before it asks
	 * for any right (git's link of an object it already has must read
	 * "exists"); as of now: handed back, the kernel could meet it gone. */
	if (!opening && nr != __NR_truncate && nr != __NR_rename &&
	    nr != __NR_renameat &&
	    !(nr == __NR_renameat2 && !(a.flags & RENAME_NOREPLACE)) &&
	    !exchange &&
	    fstatat(dst.dfd, dst.name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		answer_error(-EEXIST, resp);
		goto out;
	}
	if (refuses(g, &dst) || (exchange && refuses(g, &src)) ||
	    refuses_as_written(g, &wd) ||
	    (a.oldpath && (exchange || !opening) &&
	     refuses_as_written(g, &wo)) ||
	    ((nr == __NR_symlink || nr == __NR_symlinkat || nr == __NR_rename ||
	      nr == __NR_renameat || nr == __NR_renameat2) &&
	     (above_kept(g, &dst) || (exchange && above_kept(g, &src)) ||
	      lands_on_sealed(caps, dst.dir, dst.name) ||
	      (exchange && lands_on_sealed(caps, src.dir, src.name))))) {
		resp->flags = 0;
		resp->error = -EACCES;
		goto out;
	}
	if (opening || nr == __NR_truncate) {
		answered = handle_open(g, listener, req, &a, &dst, creating,
				       writing, resp);
		goto out;
	}
	/* An existing name needs no creation right: the kernel handles it
	 * (and a later create/replace race only reaches Landlock). */
	need = !kernel_decides(caps, dst.dir) ||
	       (exchange && !kernel_decides(caps, src.dir));
	if (!need)
		goto out;
	if (a.oldpath) {
		if (src.dfd < 0 &&
		    (r = open_target(g, req->pid, &wo, &src)) < 0) {
			answer_error(r, resp);
			goto out;
		}
		/* An exchange moves a file both ways: each is checked. */
		int m = may_move(g, req->pid, nr, &src, &dst);

		if (m == 0 && exchange)
			m = may_move(g, req->pid, nr, &dst, &src);
		if (m > 0)
			goto out;
		if (m < 0) {
			resp->flags = 0;
			resp->error = m;
			goto out;
		}
	}
	if ((nr == __NR_symlink || nr == __NR_symlinkat) &&
	    link_leaves(g, req->pid, &dst, link_target)) {
		resp->flags = 0;
		resp->error = -EACCES;
		goto out;
	}
	/* A mknod of a device is the kernel's (which refuses it). */
	if ((nr == __NR_mknod || nr == __NR_mknodat) && !S_ISFIFO(a.mode) &&
	    !S_ISREG(a.mode) && !S_ISSOCK(a.mode) && (a.mode & S_IFMT) != 0)
		goto out;
	resp->flags = 0;
	resp->error = perform(g, req, &a, &src, &dst, link_target);
	resp->val = 0;
out:
	target_close(&dst);
	target_close(&src);
	return answered;
}
