// SPDX-License-Identifier: Apache-2.0
/*
 * Git repositories in sealed trees (the user's writable grants).  A
 * repository's hooks, its config and the files that send git elsewhere run
 * programs when the user later runs git there, outside the sandbox.  The
 * repositories found at start are guarded by inode (policy/protect.c);
 * this covers every repository wherever it lies, found or not:
 *
 *  - a new ".git" (directory, file or link) anywhere in a sealed tree needs
 *    --allow-new-repos (git clone, git init, git worktree add);
 *  - inside a git directory, a new name or a write-open follows git's
 *    layout rules (the allow-list at its top, nothing new in hooks/,
 *    modules/, worktrees/, no info/attributes), unless that git directory
 *    was made in this session through the gate: the sandbox's own clone;
 *  - a git directory that is not the sandbox's own cannot be renamed.
 *
 * Decided on the directory fd the supervisor opened (its canonical path,
 * no symlinks in it), and the git directory is recognised by inode.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <linux/stat.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nono/path.h"
#include "policy/protect.h"
#include "supervisor/gate_internal.h"
#include "util/cleanup.h"

void nono_gate_set_new_repos(struct nono_gate *g, bool on)
{
	g->allow_new_repos = on;
}

static bool is_own(const struct nono_gate *g, dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < g->nown; i++)
		if (g->own[i].dev == dev && g->own[i].ino == ino)
			return true;
	return false;
}

static void note_own_fd(struct nono_gate *g, int fd);

void nono_gitgate_note_own(struct nono_gate *g, int dfd, const char *name)
{
	nono_autoclose int fd = -1;

	if (strcmp(name, ".git") != 0)
		return;
	fd = openat(dfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0)
		note_own_fd(g, fd);
}

/* The names that make a git directory one (nono_gitdir_at). */
static bool defining(const char *name)
{
	return strcmp(name, "HEAD") == 0 || strcmp(name, "objects") == 0 ||
	       strcmp(name, "refs") == 0 || strcmp(name, "commondir") == 0;
}

/* Would @name, made in @dfd (not a git directory yet), complete one? */
static bool completes_gitdir(int dfd, const char *name)
{
	static const char *const parts[] = {"HEAD", "objects", "refs"};
	struct stat st;
	bool have[3];
	size_t k = 3;

	for (size_t i = 0; i < 3; i++) {
		if (strcmp(name, parts[i]) == 0)
			k = i;
		have[i] = fstatat(dfd, parts[i], &st, AT_SYMLINK_NOFOLLOW) == 0;
	}
	if (strcmp(name, "commondir") == 0)
		return have[0];
	if (k == 0 && fstatat(dfd, "commondir", &st, AT_SYMLINK_NOFOLLOW) == 0)
		return true;
	if (k == 3)
		return false;
	have[k] = true;
	return have[0] && have[1] && have[2];
}

static bool own_fd(const struct nono_gate *g, int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && is_own(g, st.st_dev, st.st_ino);
}

/* @fd was made during this session (its birth time, which nothing can
 * set, is not before the gate started): only such a directory can become
 * the sandbox's own, never a user's repository it took apart and put
 * together again (review 2).  False where the filesystem keeps no birth
 * time (its rules then stay on). */
static bool born_here(const struct nono_gate *g, int fd)
{
	struct statx sx;

	if (syscall(SYS_statx, fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW,
		    STATX_BTIME, &sx) < 0 ||
	    !(sx.stx_mask & STATX_BTIME))
		return false;
	return sx.stx_btime.tv_sec > g->started.tv_sec ||
	       (sx.stx_btime.tv_sec == g->started.tv_sec &&
		(long)sx.stx_btime.tv_nsec >= g->started.tv_nsec);
}

static void note_own_fd(struct nono_gate *g, int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0 || is_own(g, st.st_dev, st.st_ino) ||
	    !born_here(g, fd))
		return;
	if (g->nown == g->cap_own) {
		size_t cap = g->cap_own ? g->cap_own * 2 : 16;
		void *p = realloc(g->own, cap * sizeof(*g->own));

		if (!p)
			return;
		g->own = p;
		g->cap_own = cap;
	}
	/* Out of memory above: not recorded, so its rules stay on (a
	 * refusal later, never a hole). */
	g->own[g->nown].dev = st.st_dev;
	g->own[g->nown].ino = st.st_ino;
	g->nown++;
}

/*
 * Names in a git directory's objects/ that send object lookups to other
 * object stores (the sandbox's), without changing an object: the user's
 * next checkout of an unchanged ref could read another tree.  (The
 * commit-graph and the multi-pack index, which git gc writes, could do as
 * much: known limits, docs/security.md.)
 */
static bool redirects_objects(const char *name)
{
	return strcmp(name, "alternates") == 0 ||
	       strcmp(name, "http-alternates") == 0;
}

/* @dfd is in a git directory's objects/ (itself, or up to two levels
 * below it: objects/ab, objects/pack, objects/info/commit-graphs): the
 * git directory's fd, or -1. */
static int objects_gitdir(int dfd, const char *dir)
{
	const char *p = dir + strlen(dir);
	int up = 0, fd = -1;

	/* How far below a component named "objects" @dir is. */
	for (int k = 0; k < 3; k++) {
		const char *slash;

		while (p > dir && p[-1] != '/')
			p--;
		if (p > dir && strncmp(p, "objects", 7) == 0 &&
		    (p[7] == '/' || p[7] == '\0')) {
			up = k + 1;
			break;
		}
		slash = p > dir ? p - 1 : NULL;
		if (!slash || slash == dir)
			return -1;
		p = slash;
	}
	if (!up)
		return -1;
	fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	for (int k = 0; fd >= 0 && k < up; k++) {
		int next = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);

		close(fd);
		fd = next;
	}
	if (fd >= 0 && !nono_gitdir_at(fd)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/*
 * Git never changes an object it has: it writes a new name and keeps the
 * one there (review r5 #1, follow-up: the sandbox made a tree object
 * writable and wrote another tree into it; the user's next `git reset
 * --hard` of an unchanged HEAD wrote .claude/settings.json).  In a git
 * directory that is not the sandbox's own: no write to, or rename over, a
 * name that exists in objects/, and none of the names that redirect an
 * object name.
 */
static bool objects_refuse(struct nono_gate *g, int dfd, const char *dir,
			   const char *name)
{
	nono_autoclose int gfd = -1;
	nono_autoclose int fd = -1;

	if (!redirects_objects(name)) {
		fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		/* A new object, pack or temporary file, or one the session
		 * made (git's temporary files, renamed to their names). */
		if (fd < 0 || born_here(g, fd))
			return false;
	}
	gfd = objects_gitdir(dfd, dir);
	return gfd >= 0 && !own_fd(g, gfd);
}

bool nono_gitgate_object_moves(struct nono_gate *g, int dfd, const char *dir,
			       const char *name)
{
	return strstr(dir, "/objects") && objects_refuse(g, dfd, dir, name);
}

enum nono_gitgate_verdict nono_gitgate_decide(struct nono_gate *g, int dfd,
					      const char *dir, const char *name)
{
	const char *base = strrchr(dir, '/');
	int kind = -1;

	if (strcmp(name, ".git") == 0 && !g->allow_new_repos)
		return NONO_GITGATE_NEW_REPO;
	if (strstr(dir, "/objects") && objects_refuse(g, dfd, dir, name))
		return NONO_GITGATE_LAYOUT;
	if (nono_gitdir_at(dfd)) {
		if (own_fd(g, dfd) ||
		    !nono_guard_refuses(NONO_GUARD_GITDIR, name))
			return NONO_GITGATE_OK;
		return NONO_GITGATE_LAYOUT;
	}
	/* The piece that makes a directory a repository (a bare one, or a
	 * .git assembled by hand): a new repository. */
	if (defining(name) && completes_gitdir(dfd, name)) {
		if (!g->allow_new_repos)
			return NONO_GITGATE_NEW_REPO;
		note_own_fd(g, dfd);
		return NONO_GITGATE_OK;
	}
	base = base ? base + 1 : dir;
	if (strcmp(base, "hooks") == 0 || strcmp(base, "modules") == 0 ||
	    strcmp(base, "worktrees") == 0)
		kind = NONO_GUARD_SEALED;
	else if (strcmp(base, "info") == 0)
		kind = NONO_GUARD_GITINFO;
	if (kind >= 0 && nono_guard_refuses((enum nono_guard_kind)kind, name)) {
		nono_autoclose int up = openat(
		    dfd, "..", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		/* Looked at from the directory we hold: in a git directory
		 * that is not the sandbox's own, refused. */
		if (up < 0 || (nono_gitdir_at(up) && !own_fd(g, up)))
			return NONO_GITGATE_LAYOUT;
	}
	return NONO_GITGATE_OK;
}

bool nono_gitgate_may_move(struct nono_gate *g, int dfd, const char *name)
{
	struct stat st;

	/* HEAD, objects, refs, commondir of a repository that is not the
	 * sandbox's: moved away (or exchanged), the directory would stop
	 * being one for the rules, and its config be written. */
	if (defining(name) && nono_gitdir_at(dfd) && !own_fd(g, dfd))
		return false;
	if (strcmp(name, ".git") != 0 ||
	    fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISDIR(st.st_mode))
		return true;
	return is_own(g, st.st_dev, st.st_ino);
}
