/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What run_gitrefs.c found, put back (gitrefs_put.c): the refs that moved
 * to commits adding a refused path, kept under refs/nono/quarantine/, and
 * the index where such a path was staged; the warnings and the audit
 * events that name them.
 */
#ifndef NONO_CLI_GITREFS_PUT_H
#define NONO_CLI_GITREFS_PUT_H

#include <stdbool.h>
#include <sys/stat.h>

#include "cli/gitrefs.h"
#include "cli/run_ctx.h"

/* A repository guarded at the start. */
struct gitrepo {
	char *gitdir; /* canonical */
	char *top;    /* its work tree, or NULL (a submodule's git dir) */
	int fd;       /* the git directory, opened at the start */
	struct grefs start;
	int skip; /* its refs were not read: -E2BIG, -errno; else 0 */
	/* The index at the start: a copy (@index_copy), or where it was
	 * too large, the file itself kept open; -1: there was none. */
	int index_fd;
	bool index_copy;
	struct stat index_st;      /* the file's identity then */
	struct strv guarded;       /* x.guarded's strings */
	struct nono_gitpath_ctx x; /* how its paths are judged */
};

/* A ref that changed during the session. */
struct gitchange {
	const char *name;
	const struct gref *s, *e; /* at the start (NULL: new), at the end */
	struct oidv oids;         /* the object names it holds now */
	struct strv paths;        /* refused paths its new commits add */
	const char *why;          /* why it goes back, if not for @paths */
	char whybuf[300];
	bool bad;    /* put back */
	bool symref; /* now a symbolic ref */
	bool failed; /* could not be put back */
};

/* Puts back the changes marked bad, keeps the sandbox's commits under
 * refs/nono/quarantine/@id/, warns and records each.  0, or -1 when one
 * could not be put back (said). */
int gitrefs_put_back(struct run_ctx *c, struct gitx *g, struct gitrepo *r,
		     struct gitchange *ch, size_t nch, const char *id);

/* Takes the index as it is (before the command runs). */
void gitrefs_take_index(struct gitrepo *r);

/* The index: put back as it was at the start when the session staged a
 * refused path in it (the sandbox's kept as index.nono-quarantine-@id).
 * 0, or -1 when it could not be (said). */
int gitrefs_check_index(struct run_ctx *c, struct gitx *g, struct gitrepo *r,
			const char *id);

#endif
