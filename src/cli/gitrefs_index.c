// SPDX-License-Identifier: Apache-2.0
/*
 * A repository's index after the session (gitrefs_put.h): a path staged
 * there is what `git checkout .`, `git restore` or `git stash` write in
 * the work tree, outside nono.  The index at the start is copied into a
 * memfd then (the sandbox may rewrite the file in place, and the time of
 * a change cannot tell that from git replacing it); when the index
 * changed, git ls-files lists both (each read from its fd as /dev/stdin,
 * nothing named in the repository), and a refused path the session staged
 * puts the start's back, the sandbox's kept beside it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/event.h"
#include "audit/log.h"
#include "cli/gitrefs_put.h"
#include "cli/output.h"
#include "util/cleanup.h"
#include "util/fsutil.h"

#define INDEX_OUT_CAP (256u << 20)
/* An index copied at the start at most (a repository of some 500,000
 * files): a larger one is kept by its fd, and compared as it is. */
#define INDEX_COPY_MAX (64 << 20)

/* The start index's entries, as "<path>\t<mode> <oid> <stage>" (sorted
 * for lookups): as many as it has, no ceiling but the output's. */
struct keys {
	char **v;
	size_t n, cap;
};

static void keys_free(struct keys *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->v[i]);
	free(k->v);
	memset(k, 0, sizeof(*k));
}

static int keys_push(struct keys *k, char *s)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 256;
		char **v = realloc(k->v, cap * sizeof(*v));

		if (!v)
			return -1;
		k->v = v;
		k->cap = cap;
	}
	k->v[k->n++] = s;
	return 0;
}

void gitrefs_take_index(struct gitrepo *r)
{
	nono_autoclose int fd = -1, copy = -1;
	off_t off = 0;

	r->index_fd = -1;
	fd = openat(r->fd, "index",
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &r->index_st) < 0 ||
	    !S_ISREG(r->index_st.st_mode))
		return;
	if (r->index_st.st_size > INDEX_COPY_MAX) {
		r->index_fd = nono_steal_fd(&fd);
		return;
	}
	copy = memfd_create("nono-index", MFD_CLOEXEC);
	if (copy < 0)
		return;
	while (off < r->index_st.st_size) {
		ssize_t n = sendfile(copy, fd, &off,
				     (size_t)(r->index_st.st_size - off));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* none kept: judged without it */
	}
	r->index_fd = nono_steal_fd(&copy);
	r->index_copy = true;
}

/* git ls-files -s of the index open at @fd: "<mode> <oid> <stage>\t<path>"
 * entries, each also as a string "<path>\t<mode> <oid> <stage>" onto
 * @keys when given.  The entries point into @o->buf.  Their count, or -1
 * (@o->err). */
static long list(struct gitx *g, const struct gitrepo *r, int fd,
		 struct gitx_out *o, struct gentry **e, struct keys *keys)
{
	static const char *const args[] = {"ls-files", "-z", "-s", NULL};
	size_t n = 0, cap = 0;
	const char *p, *end;

	*e = NULL;
	if (lseek(fd, 0, SEEK_SET) < 0 ||
	    gitx_run(g, r->gitdir, "/dev/stdin", args, NULL, 0, fd,
		     INDEX_OUT_CAP, o) < 0)
		return -1;
	p = o->buf;
	end = o->buf + o->len;
	while (p < end) {
		const char *tab = memchr(p, '\t', (size_t)(end - p));
		size_t len = strnlen(p, (size_t)(end - p));
		unsigned mode, stage;
		char oid[65];

		if (!tab || tab > p + len ||
		    sscanf(p, "%o %64s %u", &mode, oid, &stage) != 3) {
			snprintf(o->err, sizeof(o->err),
				 "git ls-files: unexpected answer");
			return -1;
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 256;
			struct gentry *v = realloc(*e, nc * sizeof(*v));

			if (!v)
				return -1;
			*e = v;
			cap = nc;
		}
		(*e)[n].mode = mode;
		snprintf((*e)[n].oid, sizeof((*e)[n].oid), "%s", oid);
		(*e)[n].path = tab + 1;
		if (keys) {
			char *k;

			if (asprintf(&k, "%s\t%o %s %u", tab + 1, mode, oid,
				     stage) < 0)
				return -1;
			if (keys_push(keys, k) < 0) {
				free(k);
				return -1;
			}
		}
		n++;
		p += len + 1;
	}
	return (long)n;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The refused paths of @now that the start's index held the same. */
static void drop_start(const struct gentry *e, size_t n, struct keys *keys,
		       struct strv *refused)
{
	size_t k = 0;

	qsort(keys->v, keys->n, sizeof(*keys->v), cmp_str);
	for (size_t i = 0; i < refused->n; i++) {
		bool all = true;

		for (size_t j = 0; j < n && all; j++) {
			char *key;

			if (strcmp(e[j].path, refused->v[i]) != 0)
				continue;
			if (asprintf(&key, "%s\t%o %s", e[j].path, e[j].mode,
				     e[j].oid) < 0) {
				all = false;
				break;
			}
			/* Any stage of the same entry. */
			all = false;
			for (size_t s = 0; s < 4 && !all; s++) {
				char *ks;

				if (asprintf(&ks, "%s %zu", key, s) < 0)
					break;
				all =
				    bsearch(&ks, keys->v, keys->n,
					    sizeof(*keys->v), cmp_str) != NULL;
				free(ks);
			}
			free(key);
		}
		if (all)
			free(refused->v[i]);
		else
			refused->v[k++] = refused->v[i];
	}
	refused->n = k;
}

/* The start's index back (or none, as at the start, or where the start's
 * was rewritten in place: !@intact), the sandbox's kept as @keep.  0 or
 * -errno. */
static int restore(const struct gitrepo *r, const char *keep, bool intact)
{
	char tmp[64];
	nono_autoclose int fd = -1;
	char buf[65536];
	off_t off = 0;
	int e = 0;

	if (renameat(r->fd, "index", r->fd, keep) < 0)
		return -errno;
	if (r->index_fd < 0 || !intact)
		return 0;
	snprintf(tmp, sizeof(tmp), "index.nono-%d", (int)getpid());
	unlinkat(r->fd, tmp, 0);
	fd = openat(r->fd, tmp,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    r->index_st.st_mode & 0666);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = pread(r->index_fd, buf, sizeof(buf), off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			e = -errno;
		if (n <= 0)
			break;
		for (ssize_t w = 0; w < n && e == 0;) {
			ssize_t k = write(fd, buf + w, (size_t)(n - w));

			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				e = k < 0 ? -errno : -EIO;
			else
				w += k;
		}
		if (e)
			break;
		off += n;
	}
	if (e == 0 && fsync(fd) < 0)
		e = -errno;
	if (e == 0 && renameat(r->fd, tmp, r->fd, "index") < 0)
		e = -errno;
	if (e < 0)
		unlinkat(r->fd, tmp, 0);
	return e;
}

static void audit_index(struct run_ctx *c, const struct gitrepo *r,
			const struct strv *paths, const char *keep,
			const char *why)
{
	struct nono_ev e;

	if (!c->rt.audit)
		return;
	nono_ev_begin(&e, "git_index_restored");
	nono_ev_str(&e, "repository", r->top ? r->top : r->gitdir);
	nono_ev_str(&e, "quarantine", keep);
	if (paths->n)
		nono_ev_strv(&e, "paths", paths->v, paths->n);
	else
		nono_ev_str(&e, "reason", why);
	if (nono_ev_end(&e) == 0)
		nono_audit_emit_always(c->rt.audit, &e);
	else
		nono_ev_free(&e);
}

int gitrefs_check_index(struct run_ctx *c, struct gitx *g, struct gitrepo *r,
			const char *id)
{
	struct strv refused = {0};
	struct keys keys = {0};
	struct gitx_out now = {0}, then = {0};
	nono_autofree struct gentry *e = NULL, *s = NULL;
	nono_autoclose int fd = -1;
	const char *where = r->top ? r->top : r->gitdir;
	char keep[96], why[300] = "", list_s[1024] = "";
	size_t used = 0;
	struct stat st;
	bool intact = r->index_copy ||
		      (r->index_fd >= 0 && fstat(r->index_fd, &st) == 0 &&
		       nono_stat_unchanged(&st, &r->index_st));
	long n;
	int k, ret = 0;

	fd = openat(r->fd, "index",
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, sizeof(why), "left as %s",
			 fd < 0 ? strerror(errno) : "not a regular file");
	} else if (r->index_fd >= 0 && nono_stat_unchanged(&st, &r->index_st)) {
		return 0; /* untouched */
	} else if ((n = list(g, r, fd, &now, &e, NULL)) < 0) {
		snprintf(why, sizeof(why), "git could not read it (%s)",
			 now.err[0] ? now.err : "out of memory");
	} else if ((k = gitx_judge(g, r->gitdir, &r->x, e, (size_t)n, &refused,
				   why, sizeof(why))) < 0) {
		;
	} else if (k == 0) {
		goto out;
	} else if (intact && (size_t)k == refused.n) {
		/* The start's, as it was then: what it held already is
		 * the user's. */
		long m = list(g, r, r->index_fd, &then, &s, &keys);

		if (m >= 0 && keys.n == (size_t)m)
			drop_start(e, (size_t)n, &keys, &refused);
		if (!refused.n)
			goto out;
	}
	snprintf(keep, sizeof(keep), "index.nono-quarantine-%s", id);
	for (size_t i = 0; i < refused.n && i < 6; i++) {
		int w = snprintf(list_s + used, sizeof(list_s) - used, "%s%s",
				 i ? ", " : "", out_name(refused.v[i]));

		if (w < 0 || (size_t)w >= sizeof(list_s) - used)
			break;
		used += (size_t)w;
	}
	if (refused.n > 6)
		snprintf(list_s + used, sizeof(list_s) - used,
			 ", ... (%zu in all)", refused.n);
	k = restore(r, keep, intact);
	if (k < 0) {
		out_error("%s: the sandbox staged %s in the index, and nono "
			  "could not put it back (%s): run `git reset` there "
			  "before `git checkout .` or `git stash`",
			  out_name(where), refused.n ? list_s : why,
			  strerror(-k));
		ret = -1;
		goto out;
	}
	out_security_warn(
	    "%s: the sandbox staged %s%s in the git index; %s, the "
	    "sandbox's kept as %s/%s",
	    out_name(where), refused.n ? list_s : "an index that ",
	    refused.n ? ", which nono refuses to make in the work tree (git "
			"checkout . or git stash outside nono would write them)"
		      : why,
	    r->index_fd < 0 ? "removed, as at the start"
	    : intact        ? "put back as it was at the start"
			    : "removed (the start's was rewritten in place; "
			      "`git reset` makes one again from HEAD)",
	    out_name(r->gitdir), keep);
	out_hint("to take it anyway: mv %s/%s %s/index", out_name(r->gitdir),
		 keep, out_name(r->gitdir));
	audit_index(c, r, &refused, keep, why);
out:
	strv_free_all(&refused);
	keys_free(&keys);
	free(now.buf);
	free(then.buf);
	return ret;
}
