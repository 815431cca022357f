// SPDX-License-Identifier: Apache-2.0
/*
 * nono run's look at the directories above each project (see
 * run_ancestors.h).  Each is opened once, before the command starts, and
 * everything at the end is done on that fd with no symlink followed: the
 * sandbox may rename or replace the directory's path meanwhile, never
 * what nono acts on.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "audit/event.h"
#include "audit/log.h"
#include "cli/output.h"
#include "cli/run_ancestors.h"
#include "nono/caps.h"
#include "nono/path.h"
#include "policy/projcfg.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0) /* linux/fs.h; not in every libc */
#endif

/* At most this many directories are looked at. */
#define MAX_DIRS 32

struct seen {
	bool there;
	dev_t dev;
	ino_t ino;
	struct timespec mtime, ctime;
	off_t size;
};

struct adir {
	int fd;
	char path[PATH_MAX];
	struct seen names[8];
};

struct run_ancestors {
	struct adir d[MAX_DIRS];
	size_t n;
};

static void look(int dfd, const char *name, struct seen *s)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	s->there = true;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->mtime = st.st_mtim;
	s->ctime = st.st_ctim;
	s->size = st.st_size;
}

static bool same(const struct seen *a, const struct seen *b)
{
	return a->there == b->there &&
	       (!a->there ||
		(a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
		 a->mtime.tv_sec == b->mtime.tv_sec &&
		 a->mtime.tv_nsec == b->mtime.tv_nsec &&
		 a->ctime.tv_sec == b->ctime.tv_sec &&
		 a->ctime.tv_nsec == b->ctime.tv_nsec));
}

/* @dir, a writable directory above a sealed tree that is none itself. */
static bool wanted(const struct nono_caps *caps, const char *dir)
{
	return nono_caps_allows(caps, dir, NONO_ACCESS_WRITE, NULL) &&
	       !nono_caps_sealed(caps, dir);
}

static void add_dir(struct run_ancestors *a, const char *dir)
{
	struct adir *d;
	size_t k = 0;
	const char *n;

	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->d[i].path, dir) == 0)
			return;
	if (a->n == MAX_DIRS || strlen(dir) >= sizeof(a->d[0].path))
		return;
	d = &a->d[a->n];
	d->fd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d->fd < 0)
		return;
	snprintf(d->path, sizeof(d->path), "%s", dir);
	while ((n = nono_projcfg_ancestor_name(k)) != NULL &&
	       k < sizeof(d->names) / sizeof(d->names[0]))
		look(d->fd, n, &d->names[k++]);
	a->n++;
}

/* Each directory above @root, up to /, that the sandbox may write and no
 * sealed tree covers. */
static void add_above(struct run_ancestors *a, const struct nono_caps *caps,
		      const char *root)
{
	char dir[PATH_MAX];
	char *slash;

	if ((size_t)snprintf(dir, sizeof(dir), "%s", root) >= sizeof(dir))
		return;
	while ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (wanted(caps, dir))
			add_dir(a, dir);
	}
}

int run_ancestors_begin(struct run_ctx *c)
{
	const struct nono_caps *caps = c->p.caps;
	struct run_ancestors *a = NULL;

	if (!nono_caps_gate(caps))
		return 0;
	for (size_t i = 0; i < nono_caps_path_count(caps); i++) {
		const struct nono_grant *g = nono_caps_path_at(caps, i);

		if (!(g->access & NONO_ACCESS_WRITE) ||
		    (g->flags & NONO_GRANT_FILE) ||
		    !nono_caps_sealed(caps, g->path))
			continue;
		if (!a && !(a = calloc(1, sizeof(*a)))) {
			out_error("out of memory");
			return -1;
		}
		add_above(a, caps, g->path);
	}
	if (a && c->p.cwd && nono_caps_sealed(caps, c->p.cwd))
		add_above(a, caps, c->p.cwd);
	c->rt.ancestors = a;
	return 0;
}

static void audit(struct run_ctx *c, const char *path, const char *what,
		  const char *moved)
{
	struct nono_ev e;

	if (!c->rt.audit)
		return;
	nono_ev_begin(&e, "ancestor_config");
	nono_ev_str(&e, "path", path);
	nono_ev_str(&e, "change", what);
	if (moved)
		nono_ev_str(&e, "moved_to", moved);
	if (nono_ev_end(&e) == 0)
		nono_audit_emit_always(c->rt.audit, &e);
	else
		nono_ev_free(&e);
}

/* A name made during the session: moved aside in its own directory,
 * under a name nobody foresees.  0 or -errno. */
static int move_aside(const struct adir *d, const char *rel, char *to,
		      size_t tolen)
{
	const char *slash = strrchr(rel, '/'), *base = slash ? slash + 1 : rel;
	int dfd = d->fd, r = 0;
	unsigned long long rnd;

	if (slash) {
		char sub[NAME_MAX + 1];

		snprintf(sub, sizeof(sub), "%.*s", (int)(slash - rel), rel);
		dfd = openat(d->fd, sub,
			     O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dfd < 0)
			return -errno;
	}
	if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		r = -EIO;
	else if ((size_t)snprintf(to, tolen, "%s.nono-moved-%016llx", base,
				  rnd) >= tolen)
		r = -ENAMETOOLONG;
	else if (syscall(SYS_renameat2, dfd, base, dfd, to, RENAME_NOREPLACE) <
		 0)
		r = -errno;
	if (slash)
		close(dfd);
	return r;
}

int run_ancestors_end(struct run_ctx *c)
{
	struct run_ancestors *a = c->rt.ancestors;
	int ret = 0;

	for (size_t i = 0; a && i < a->n; i++) {
		struct adir *d = &a->d[i];
		const char *n;

		for (size_t k = 0; (n = nono_projcfg_ancestor_name(k)) &&
				   k < sizeof(d->names) / sizeof(d->names[0]);
		     k++) {
			char path[PATH_MAX], to[NAME_MAX + 1];
			struct seen now;
			int r;

			look(d->fd, n, &now);
			if (same(&d->names[k], &now))
				continue;
			if ((size_t)snprintf(
				path, sizeof(path), "%s/%s",
				strcmp(d->path, "/") == 0 ? "" : d->path,
				n) >= sizeof(path))
				continue;
			if (!now.there)
				continue; /* removed: nothing runs from it */
			if (d->names[k].there) {
				out_security_warn(
				    "%s changed during the session; tools "
				    "started in any directory below it read it "
				    "(it can start programs): check it",
				    path);
				audit(c, path, "changed", NULL);
				continue;
			}
			r = move_aside(d, n, to, sizeof(to));
			if (r < 0) {
				out_error("%s was made during the session and "
					  "cannot be moved aside: %s; remove "
					  "it before you start a tool below it",
					  path, strerror(-r));
				ret = -1;
				continue;
			}
			out_security_warn(
			    "%s was made during the session; tools started in "
			    "any directory below it would read it (it can "
			    "start programs): moved aside as %s",
			    path, to);
			audit(c, path, "made", to);
		}
	}
	return ret;
}

void run_ancestors_free(struct run_ctx *c)
{
	struct run_ancestors *a = c->rt.ancestors;

	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++)
		if (a->d[i].fd >= 0)
			close(a->d[i].fd);
	free(a);
	c->rt.ancestors = NULL;
}
