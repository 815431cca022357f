// SPDX-License-Identifier: Apache-2.0
/*
 * The system git, asked about what a session left in a repository
 * (gitrefs.h).  It runs outside the sandbox, once the command is gone, on
 * a repository the sandbox could write (objects, refs, the index: never
 * its config, hooks or info/attributes, which stay read-only): so the
 * program is the file chosen before the session (by fd), its environment
 * is fixed (no GIT_* of the user's, no system or global configuration),
 * hooks and fsmonitor are off, replace refs are ignored, the argv has no
 * shell, and each run has a time limit and an output ceiling.  What git
 * cannot read is the caller's to take as refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/gitrefs.h"
#include "sys/spawn.h"
#include "util/cleanup.h"

#define GIT_TIMEOUT_MS 30000
/* A symbolic link's target, as git cat-file --batch prints it. */
#define LINK_MAX 4096

/* @path cannot have been written or replaced by the sandbox. */
static bool out_of_reach(const struct nono_caps *caps, const char *path)
{
	char dir[PATH_MAX];
	char *slash;

	if (nono_caps_allows(caps, path, NONO_ACCESS_WRITE, NULL))
		return false;
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir)
		*slash = '\0';
	return !nono_caps_allows(caps, dir, NONO_ACCESS_WRITE, NULL);
}

int gitx_find(const struct nono_caps *caps, struct gitx *g)
{
	const char *path = getenv("PATH");
	const char *p = path && *path ? path : "/usr/bin:/bin";

	g->fd = -1;
	g->path[0] = '\0';
	while (*p) {
		const char *end = strchrnul(p, ':');
		char cand[PATH_MAX], real[PATH_MAX];
		struct stat st;

		/* Only absolute directories: "." or "" would be the
		 * working directory, the sandbox's. */
		if (p[0] == '/' &&
		    (size_t)snprintf(cand, sizeof(cand), "%.*s/git",
				     (int)(end - p), p) < sizeof(cand) &&
		    realpath(cand, real) && stat(real, &st) == 0 &&
		    S_ISREG(st.st_mode) && (st.st_mode & 0111) &&
		    out_of_reach(caps, cand) && out_of_reach(caps, real)) {
			g->fd = open(real, O_PATH | O_CLOEXEC);
			if (g->fd >= 0) {
				snprintf(g->path, sizeof(g->path), "%s", real);
				return 0;
			}
		}
		p = *end ? end + 1 : end;
	}
	return -ENOENT;
}

void gitx_close(struct gitx *g)
{
	if (g->fd >= 0)
		close(g->fd);
	g->fd = -1;
}

int gitx_run(struct gitx *g, const char *gitdir, const char *index,
	     const char *const *args, const char *in, size_t inlen, int in_fd,
	     size_t cap, struct gitx_out *o)
{
	static const char *const fixed[] = {
	    "git",
	    "-c",
	    "core.hooksPath=/dev/null",
	    "-c",
	    "core.fsmonitor=false",
	    "-c",
	    "safe.directory=*",
	    "-c",
	    "gc.auto=0",
	    "--no-pager",
	    "--literal-pathspecs",
	};
	char *argv[64], envdir[PATH_MAX + 8], envidx[PATH_MAX + 16];
	char *envp[] = {
	    envdir,
	    "GIT_CONFIG_NOSYSTEM=1",
	    "GIT_CONFIG_GLOBAL=/dev/null",
	    "GIT_NO_REPLACE_OBJECTS=1",
	    "GIT_TERMINAL_PROMPT=0",
	    "GIT_OPTIONAL_LOCKS=0",
	    "GIT_ATTR_NOSYSTEM=1",
	    "LC_ALL=C",
	    "PATH=/usr/bin:/bin",
	    "HOME=/nonexistent",
	    index ? envidx : NULL,
	    NULL,
	};
	struct nono_spawn_opts so = {
	    .exec_fd = g->fd, .envp = envp, .in_fd = in_fd};
	struct nono_spawn_result res;
	nono_autoclose int mfd = -1;
	size_t n = 0, len = 0;
	int r;

	memset(o, 0, sizeof(*o));
	if (strcmp(g->hung, gitdir) == 0) {
		snprintf(o->err, sizeof(o->err),
			 "git did not answer there before");
		return -1;
	}
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		argv[n++] = (char *)fixed[i];
	for (size_t i = 0; args[i]; i++) {
		if (n + 1 >= sizeof(argv) / sizeof(argv[0])) {
			snprintf(o->err, sizeof(o->err), "too many arguments");
			return -1;
		}
		argv[n++] = (char *)args[i];
	}
	argv[n] = NULL;
	if ((size_t)snprintf(envdir, sizeof(envdir), "GIT_DIR=%s", gitdir) >=
		sizeof(envdir) ||
	    (index &&
	     (size_t)snprintf(envidx, sizeof(envidx), "GIT_INDEX_FILE=%s",
			      index) >= sizeof(envidx))) {
		snprintf(o->err, sizeof(o->err), "path too long");
		return -1;
	}
	if (in) {
		const void *parts[] = {in};

		mfd = nono_memfd_of(parts, &inlen, 1);
		if (mfd < 0) {
			snprintf(o->err, sizeof(o->err), "%s", strerror(-mfd));
			return -1;
		}
		so.in_fd = mfd;
	}
	o->buf = malloc(cap + 1);
	if (!o->buf) {
		snprintf(o->err, sizeof(o->err), "out of memory");
		return -1;
	}
	r = nono_spawn_capture_opts(g->path, argv, &so, GIT_TIMEOUT_MS, o->buf,
				    cap, &len, &res);
	o->len = len;
	o->buf[len] = '\0';
	if (r < 0)
		snprintf(o->err, sizeof(o->err), "%s", strerror(-r));
	else if (res.timed_out) {
		snprintf(o->err, sizeof(o->err), "git %s: no answer in %d s",
			 args[0], GIT_TIMEOUT_MS / 1000);
		snprintf(g->hung, sizeof(g->hung), "%s", gitdir);
	} else if (res.overflow)
		snprintf(o->err, sizeof(o->err),
			 "git %s: more than %zu MiB of output", args[0],
			 cap >> 20);
	else if (res.status != 0)
		snprintf(o->err, sizeof(o->err), "git %s: %s", args[0],
			 res.errline[0] ? res.errline : "failed");
	else
		return 0;
	return -1;
}

/* @path onto @out; past the list's ceiling it is only counted (the
 * caller compares the count).  0, or -1 out of memory. */
static int push_path(struct strv *out, const char *path)
{
	char *s = strdup(path);
	int r;

	if (!s)
		return -1;
	r = strv_push(out, s);
	if (r < 0)
		free(s);
	return r == -ENOMEM ? -1 : 0;
}

/* The targets of the links among @e, read with git cat-file --batch:
 * those that lead out of the work tree are pushed onto @out. */
static int judge_links(struct gitx *g, const char *gitdir, struct gentry *e,
		       size_t n, const bool *link, struct strv *out, char *err,
		       size_t errlen)
{
	static const char *const args[] = {"cat-file", "--batch", NULL};
	nono_autofree char *in = NULL;
	struct gitx_out o;
	size_t k = 0, nl = 0;
	const char *p;
	int found = 0;

	for (size_t i = 0; i < n; i++)
		nl += link[i];
	if (nl == 0)
		return 0;
	in = malloc(nl * 66 + 1);
	if (!in) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (link[i])
			k += (size_t)sprintf(in + k, "%s\n", e[i].oid);
	if (gitx_run(g, gitdir, NULL, args, in, k, -1,
		     nl * (LINK_MAX + 100) + 4096, &o) < 0) {
		snprintf(err, errlen, "%s", o.err);
		free(o.buf);
		return -1;
	}
	/* "<oid> blob <size>\n<target>\n" for each, in order. */
	p = o.buf;
	for (size_t i = 0; i < n && found >= 0; i++) {
		const char *sp, *nlp;
		unsigned long size;
		char *endp;

		if (!link[i])
			continue;
		nlp = memchr(p, '\n', (size_t)(o.buf + o.len - p));
		sp = nlp ? memchr(p, ' ', (size_t)(nlp - p)) : NULL;
		sp = sp ? memchr(sp + 1, ' ', (size_t)(nlp - sp - 1)) : NULL;
		if (!sp || sp - p < 6 || strncmp(sp - 5, " blob", 5) != 0) {
			/* Not a blob (missing): git could not check it out;
			 * refused all the same. */
			found = -1;
			break;
		}
		size = strtoul(sp + 1, &endp, 10);
		if (endp != nlp ||
		    size > (unsigned long)(o.buf + o.len - nlp - 1)) {
			found = -1;
			break;
		}
		if (nono_gitpath_link_escapes(e[i].path, nlp + 1, size)) {
			e[i].refused = true;
			if (push_path(out, e[i].path) < 0) {
				found = -1;
				break;
			}
			found++;
		}
		p = nlp + 1 + size + 1;
		if (p > o.buf + o.len)
			p = o.buf + o.len;
	}
	if (found < 0)
		snprintf(err, errlen, "git cat-file: a link's target unread");
	free(o.buf);
	return found;
}

int gitx_judge(struct gitx *g, const char *gitdir,
	       const struct nono_gitpath_ctx *x, struct gentry *e, size_t n,
	       struct strv *out, char *err, size_t errlen)
{
	nono_autofree bool *link = calloc(n ? n : 1, sizeof(bool));
	int found = 0, k;

	if (!link) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		enum nono_gitpath_kind kind = nono_gitpath_kind_of(e[i].mode);

		e[i].refused = false;
		if (nono_gitpath_refused(x, e[i].path, kind)) {
			e[i].refused = true;
			found++;
			if (out->n &&
			    strcmp(out->v[out->n - 1], e[i].path) == 0)
				continue;
			if (push_path(out, e[i].path) < 0) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
		} else if (kind == NONO_GITPATH_LINK) {
			link[i] = true;
		}
	}
	k = judge_links(g, gitdir, e, n, link, out, err, errlen);
	return k < 0 ? -1 : found + k;
}
