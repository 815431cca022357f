/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The parts of nono run's check of the git refs and index of the
 * repositories in sealed trees (run_gitrefs.h): what is read from a git
 * directory on disk (gitrefs_snap.c: no program run, cheap enough for the
 * start of every session in a repository) and what the system git is asked
 * at the end (gitrefs_git.c).
 */
#ifndef NONO_CLI_GITREFS_H
#define NONO_CLI_GITREFS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "nono/caps.h"
#include "policy/gitpath.h"
#include "util/strv.h"

/*
 * A ref and what git reads there: an object name in hex, "ref: TARGET"
 * (a symbolic ref), "link:TARGET" (a loose ref that is a symbolic link),
 * "?..." (a file git does not take as a ref: not a regular file, too
 * large), or a pseudo-ref's whole text (FETCH_HEAD: one line per ref
 * fetched).  @logsize: the size of its reflog, -1 when it has none.
 */
struct gref {
	char *name;
	char *val;
	long long logsize;
	unsigned long long logino;
	bool loose;
};

struct grefs {
	struct gref *v;
	size_t n, cap;
	/* logs/HEAD's size (-1: none) and inode: every move of the
	 * checked-out branch is in it too. */
	long long headlog;
	unsigned long long headino;
};

/* At most this many refs are read from one git directory (loose, packed
 * and pseudo-refs together); a session that leaves more is not checked
 * (and says so). */
#define GITREFS_MAX 100000

/*
 * Reads the refs of the git directory @gfd: HEAD and the pseudo-refs at
 * its top (ORIG_HEAD, FETCH_HEAD, MERGE_HEAD, ...), packed-refs, and every
 * loose ref below refs/ (a loose one replaces a packed one, as in git),
 * sorted by name.  Nothing is followed: a symbolic link is read as one,
 * and a name git would not take as a ref is skipped (git ignores it).
 * With @logs, the size of each reflog too.  Returns 0, -E2BIG past @max
 * refs, a depth of 32 or a packed-refs file over 64 MiB (@out then holds
 * what could be read, sorted), or -errno.
 */
int gitrefs_read(int gfd, size_t max, bool logs, struct grefs *out);
void gitrefs_free(struct grefs *r);
/* The ref @name in @r (sorted), or NULL. */
const struct gref *gitrefs_find(const struct grefs *r, const char *name);
/* @name is a pseudo-ref at the top of the git directory other than HEAD
 * (a file nono writes back itself; git update-ref would rewrite it in
 * its own format). */
bool gitrefs_pseudo(const char *name);
/* @s starts with an object name of @hexlen (40 or 64) hex digits,
 * followed by the end of the text, a space, a tab or a line break. */
bool gitrefs_is_oid(const char *s, size_t hexlen);
/* Object names in hex, as many as there are (a list with no ceiling:
 * every value of a repository's refs). */
struct oidv {
	char (*v)[65];
	size_t n, cap;
};

/* Appends the @len hex digits at @s.  0, or -ENOMEM. */
int oidv_push(struct oidv *o, const char *s, size_t len);
void oidv_free(struct oidv *o);
/* Sorts @o and drops the repeats; then oidv_has() looks one up. */
void oidv_sort(struct oidv *o);
bool oidv_has(const struct oidv *o, const char *oid);

/* The object names @val holds, each as @hexlen hex digits pushed onto
 * @out: a value, or each line of a pseudo-ref's text.  Returns the count,
 * or -1 when a line is not one (or out of memory). */
int gitrefs_oids(const char *val, size_t hexlen, struct oidv *out);

/* The system git, chosen before the session starts. */
struct gitx {
	int fd; /* opened O_PATH, run with execveat(2) */
	char path[PATH_MAX];
	/* The git directory where git did not answer in time (a FIFO where
	 * it reads objects): not asked again, what it was to say is taken
	 * as refused. */
	char hung[PATH_MAX];
};

/* What one run of git printed, and how it ended. */
struct gitx_out {
	char *buf; /* standard output (malloc'd), NUL-terminated */
	size_t len;
	char err[200]; /* why it failed, for a warning; "" when it did not */
};

/*
 * The first git on nono's PATH that the sandbox could not have written or
 * replaced (neither the file nor the directory that names it is writable
 * under @caps), opened now: the program the end runs.  0, or -ENOENT.
 */
int gitx_find(const struct nono_caps *caps, struct gitx *g);
void gitx_close(struct gitx *g);

/*
 * Runs git for the git directory @gitdir with @args (after "git" and the
 * fixed options: no hooks, no fsmonitor, no system or global
 * configuration, no replace refs), standard input @in (@inlen bytes, or
 * from @in_fd when @in is NULL and @in_fd >= 0), GIT_INDEX_FILE=@index
 * when given; at most @cap bytes of output, within a time limit.  Returns
 * 0 when it exited 0, else -1 with @o->err set.  Free @o->buf.
 */
int gitx_run(struct gitx *g, const char *gitdir, const char *index,
	     const char *const *args, const char *in, size_t inlen, int in_fd,
	     size_t cap, struct gitx_out *o);

/* One path of a tree, an index or a diff, as git printed it. */
struct gentry {
	unsigned mode;
	char oid[65];
	const char *path; /* into the output buffer */
	bool refused;     /* set by gitx_judge */
};

/*
 * The paths among @e (@n) the gate would refuse to make in the work tree
 * of @x (policy/gitpath.h): names, and the symbolic links that lead out
 * of it (their targets read with git cat-file).  Each is marked
 * (->refused) and pushed onto
 * @out (owned copies; past its ceiling only counted).  Returns the count,
 * or -1 when git could not say (@err set): the caller then takes them all
 * as refused.
 */
int gitx_judge(struct gitx *g, const char *gitdir,
	       const struct nono_gitpath_ctx *x, struct gentry *e, size_t n,
	       struct strv *out, char *err, size_t errlen);

#endif
