// SPDX-License-Identifier: Apache-2.0
/*
 * nono run's check of the git repositories in sealed trees (see
 * run_gitrefs.h).  At the start, for each repository nono guards (the
 * pinned .git of a grant's root, of the working directory's chain, of the
 * repositories just below a root, and their submodules' and worktrees'
 * git directories): its refs and the identity of its index, read from
 * disk (gitrefs_snap.c), and the system git chosen.  At the end the refs
 * are read again; only when some moved is git run (gitrefs_git.c): the
 * commits the session added (reachable from a moved ref, from no ref at
 * the start) are listed with what each adds or changes, and each such
 * path judged as the gate judges making it (policy/gitpath.c).  A ref
 * git cannot read (a blob, a missing object, a symbolic link, a replace
 * ref) is put back unjudged.  The put-back itself is gitrefs_put.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/event.h"
#include "audit/log.h"
#include "cli/gitrefs.h"
#include "cli/gitrefs_put.h"
#include "cli/output.h"
#include "cli/run_gitrefs.h"
#include "policy/protect.h"
#include "util/cleanup.h"

/* git's output read at most (a log of many commits, a large index). */
#define OUT_CAP (64u << 20)
/* Commits judged one ref at a time once something is refused: beyond
 * this many moved refs, the rest are put back unjudged. */
#define ONE_BY_ONE_MAX 64

struct run_gitrefs {
	struct gitx git;
	struct gitrepo *v;
	size_t n, cap;
	char id[40];
};

static void free_repo(struct gitrepo *r)
{
	free(r->gitdir);
	free(r->top);
	if (r->fd >= 0)
		close(r->fd);
	if (r->index_fd >= 0)
		close(r->index_fd);
	gitrefs_free(&r->start);
	strv_free_all(&r->guarded);
}

struct begin_ctx {
	struct run_gitrefs *g;
	const struct nono_caps *caps;
	char *const *bypass;
	size_t nbypass;
};

static int push_dup(struct strv *s, const char *v)
{
	char *d = strdup(v);

	if (!d || strv_push(s, d) < 0) {
		free(d);
		return -1;
	}
	return 0;
}

/* The work tree's guarded directories (the gate's NONO_GUARD_TREE: the
 * grant's root and the working directory's chain), relative to @top, and
 * the top itself always. */
static int guarded_of(const struct nono_caps *caps, const char *top,
		      struct strv *out)
{
	size_t n = strlen(top);

	if (push_dup(out, "") < 0)
		return -ENOMEM;
	for (size_t i = 0; i < nono_caps_guard_count(caps); i++) {
		const struct nono_guard *gd = nono_caps_guard_at(caps, i);

		if (gd->kind != NONO_GUARD_TREE ||
		    strncmp(gd->path, top, n) != 0 || gd->path[n] != '/')
			continue;
		if (push_dup(out, gd->path + n + 1) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int add_repo(struct begin_ctx *b, const char *gitdir, const char *top)
{
	struct run_gitrefs *g = b->g;
	struct gitrepo *r;
	struct stat st;
	int fd;

	for (size_t i = 0; i < g->n; i++)
		if (strcmp(g->v[i].gitdir, gitdir) == 0)
			return 0;
	fd = open(gitdir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (!nono_gitdir_at(fd)) {
		close(fd);
		return 0;
	}
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 4;
		struct gitrepo *v = realloc(g->v, cap * sizeof(*v));

		if (!v) {
			close(fd);
			return -ENOMEM;
		}
		g->v = v;
		g->cap = cap;
	}
	r = &g->v[g->n++];
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->index_fd = -1;
	r->gitdir = strdup(gitdir);
	r->top = top ? strdup(top) : NULL;
	if (!r->gitdir || (top && !r->top))
		return -ENOMEM;
	r->x.top = r->top;
	r->x.bypass = b->bypass;
	r->x.nbypass = b->nbypass;
	if (top ? guarded_of(b->caps, top, &r->guarded) < 0
		: push_dup(&r->guarded, "") < 0)
		return -ENOMEM;
	r->x.guarded = (const char *const *)r->guarded.v;
	r->x.nguarded = r->guarded.n;
	/* refs/ in a reftable (git 2.45's extensions.refStorage): not read
	 * here. */
	if (fstatat(fd, "reftable", &st, AT_SYMLINK_NOFOLLOW) == 0)
		r->skip = -EPROTONOSUPPORT;
	else
		r->skip = gitrefs_read(fd, GITREFS_MAX, true, &r->start);
	gitrefs_take_index(r);
	return 0;
}

static int nested(const char *dir, void *arg)
{
	return add_repo(arg, dir, NULL);
}

/* A name for the quarantine refs: the audit trail's session id when
 * there is one, so that the two meet. */
static void make_id(struct run_ctx *c, char *id, size_t len)
{
	const char *aid = c->rt.audit ? nono_audit_id(c->rt.audit) : NULL;
	unsigned char rnd[8] = {0};
	size_t k = 0;

	if (aid && *aid) {
		for (const char *p = aid; *p && k + 1 < len; p++)
			if ((*p >= '0' && *p <= '9') ||
			    (*p >= 'a' && *p <= 'z') ||
			    (*p >= 'A' && *p <= 'Z') || *p == '-' || *p == '_')
				id[k++] = *p;
		id[k] = '\0';
		if (k)
			return;
	}
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		long long t = (long long)time(NULL);

		memcpy(rnd, &t, sizeof(rnd));
		rnd[0] ^= (unsigned char)getpid();
	}
	for (size_t i = 0; i < sizeof(rnd) && k + 2 < len; i++)
		k += (size_t)snprintf(id + k, len - k, "%02x", rnd[i]);
}

void run_gitrefs_begin(struct run_ctx *c)
{
	const struct nono_caps *caps = c->p.caps;
	struct begin_ctx b = {
	    .caps = caps, .bypass = c->p.bypass, .nbypass = c->p.nbypass};
	int r = 0;

	for (size_t i = 0; caps && r == 0 && i < nono_caps_mask_count(caps);
	     i++) {
		const struct nono_mask *m = nono_caps_mask_at(caps, i);
		size_t n = strlen(m->path);
		char top[PATH_MAX];

		/* The repositories found while planning (their .git is
		 * pinned), in a sealed tree: the sandbox can write their
		 * refs and index.  None: nothing is done, nothing costs. */
		if (m->kind != NONO_MASK_PIN || n < 5 || n >= sizeof(top) ||
		    strcmp(m->path + n - 5, "/.git") != 0 ||
		    !nono_caps_sealed(caps, m->path))
			continue;
		if (!b.g) {
			b.g = calloc(1, sizeof(*b.g));
			if (!b.g)
				return;
			/* No git the sandbox could not have replaced: nothing
			 * to check with, and nothing to check out with. */
			if (gitx_find(caps, &b.g->git) < 0) {
				free(b.g);
				return;
			}
		}
		if (n == 5)
			snprintf(top, sizeof(top), "/");
		else
			snprintf(top, sizeof(top), "%.*s", (int)(n - 5),
				 m->path);
		r = add_repo(&b, m->path, top);
		if (r == 0)
			r = nono_protect_each_nested_gitdir(m->path, 0, nested,
							    &b);
	}
	if (!b.g)
		return;
	if (r < 0)
		out_warn("git repositories: %s; their refs are not checked "
			 "at the end",
			 strerror(-r));
	make_id(c, b.g->id, sizeof(b.g->id));
	c->rt.gitrefs = b.g;
	if (r < 0)
		run_gitrefs_free(c);
}

void run_gitrefs_free(struct run_ctx *c)
{
	struct run_gitrefs *g = c->rt.gitrefs;

	if (!g)
		return;
	for (size_t i = 0; i < g->n; i++)
		free_repo(&g->v[i]);
	free(g->v);
	gitx_close(&g->git);
	free(g);
	c->rt.gitrefs = NULL;
}

/* The length of the object names in @r's values: 64 in a SHA-256
 * repository. */
static size_t hexlen_of(const struct grefs *a, const struct grefs *b)
{
	for (int k = 0; k < 2; k++) {
		const struct grefs *r = k ? b : a;

		for (size_t i = 0; i < r->n; i++) {
			const char *v = r->v[i].val;
			size_t n = strspn(v, "0123456789abcdef");

			if (n == 40 || n == 64)
				return n;
		}
	}
	return 40;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sort_uniq(struct strv *s)
{
	size_t k = 0;

	if (!s->n)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_str);
	for (size_t i = 0; i < s->n; i++) {
		if (k && strcmp(s->v[k - 1], s->v[i]) == 0) {
			free(s->v[i]);
			continue;
		}
		s->v[k++] = s->v[i];
	}
	s->n = k;
}

/*
 * The commits of @cands (object names that were no ref's at the start),
 * peeled with git cat-file: *@commit[i] their commit, "" when they are
 * none (a tree, a blob, missing); and @negs the commits of @known (the
 * start's values), which bound what is new.  0, or -1 (@err).
 */
static int peel(struct gitx *g, const struct gitrepo *r,
		const struct oidv *cands, const struct oidv *known,
		char (*commit)[65], struct oidv *negs, char *err, size_t errlen)
{
	static const char *const args[] = {"cat-file", "--batch-check", NULL};
	size_t n = cands->n + known->n, k = 0;
	nono_autofree char *in = malloc(n * 76 + 1);
	struct gitx_out o;
	const char *p;

	if (!in) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		k += (size_t)sprintf(in + k, "%s^{commit}\n",
				     i < cands->n ? cands->v[i]
						  : known->v[i - cands->n]);
	if (gitx_run(g, r->gitdir, NULL, args, in, k, -1, n * 160 + 4096, &o) <
	    0) {
		snprintf(err, errlen, "%s", o.err);
		free(o.buf);
		return -1;
	}
	p = o.buf;
	for (size_t i = 0; i < n; i++) {
		const char *eol = strchr(p, '\n');
		const char *sp = eol ? memchr(p, ' ', (size_t)(eol - p)) : NULL;
		bool ok = sp && (size_t)(sp - p) < 65 &&
			  strncmp(sp, " commit ", 8) == 0;

		if (!eol) {
			snprintf(err, errlen, "git cat-file: short answer");
			free(o.buf);
			return -1;
		}
		if (i < cands->n) {
			commit[i][0] = '\0';
			if (ok)
				snprintf(commit[i], 65, "%.*s", (int)(sp - p),
					 p);
		} else if (ok && oidv_push(negs, p, (size_t)(sp - p)) < 0) {
			snprintf(err, errlen, "out of memory");
			free(o.buf);
			return -1;
		}
		p = eol + 1;
	}
	free(o.buf);
	oidv_sort(negs);
	return 0;
}

static int by_path(const void *a, const void *b)
{
	const struct gentry *x = *(const struct gentry *const *)a;
	const struct gentry *y = *(const struct gentry *const *)b;

	return strcmp(x->path, y->path);
}

/*
 * Unmarks the refused entries of @e that the commit @head (HEAD's at the
 * start) holds the same (path, mode, object): the user's own, which a
 * checkout writes as they are (a commit of the user's amended, rebased or
 * merged by the sandbox carries them).  The count still marked, or -1.
 */
static int same_as_head(struct gitx *g, const struct gitrepo *r,
			const char *head, struct gentry *e, size_t ne,
			char *err, size_t errlen)
{
	const char *args[] = {"ls-tree", "-r", "-z", "--full-tree", head, NULL};
	nono_autofree struct gentry **v = calloc(ne, sizeof(*v));
	struct gitx_out o;
	const char *p, *end;
	size_t nv = 0;
	int left = 0;

	if (!v) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < ne; i++)
		if (e[i].refused)
			v[nv++] = &e[i];
	qsort(v, nv, sizeof(*v), by_path);
	if (gitx_run(g, r->gitdir, NULL, args, NULL, 0, -1, OUT_CAP, &o) < 0) {
		snprintf(err, errlen, "%s", o.err);
		free(o.buf);
		return -1;
	}
	/* "<mode> <type> <oid>\t<path>\0" */
	p = o.buf;
	end = o.buf + o.len;
	while (p < end) {
		const char *line = p;
		size_t len = strnlen(p, (size_t)(end - p)), lo = 0, hi = nv;
		const char *tab = memchr(line, '\t', len);
		unsigned mode;
		char type[16], oid[65];

		p += len + 1;
		if (!tab || sscanf(line, "%o %15s %64s", &mode, type, oid) != 3)
			continue;
		/* The first refused entry at that path, then each there. */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (strcmp(v[mid]->path, tab + 1) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < nv && strcmp(v[lo]->path, tab + 1) == 0; lo++)
			if (v[lo]->mode == mode && strcmp(v[lo]->oid, oid) == 0)
				v[lo]->refused = false;
	}
	free(o.buf);
	for (size_t i = 0; i < ne; i++)
		left += e[i].refused;
	return left;
}

/*
 * What the commits reachable from @pos (@npos commits) and from none of
 * @negs add or change, each against each of its parents (git log --raw
 * -m --root), judged: the refused paths onto @out.  Returns their count,
 * or -1 (@err) when git could not list them.
 */
static int scan(struct gitx *g, const struct gitrepo *r, const char *head,
		const char *const *pos, size_t npos, const struct oidv *negs,
		struct strv *out, char *err, size_t errlen)
{
	struct strv tmp = {0};
	static const char *const args[] = {"log",
					   "--stdin",
					   "-z",
					   "--raw",
					   "-r",
					   "--no-renames",
					   "-m",
					   "--root",
					   "--no-abbrev",
					   "--no-color",
					   "--format=%x01%H",
					   NULL};
	size_t n = npos + negs->n, k = 0, ne = 0, cap = 0;
	nono_autofree char *in = malloc(n * 67 + 1);
	nono_autofree struct gentry *e = NULL;
	struct gitx_out o;
	const char *p, *end;
	int found;

	if (!in) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < npos; i++)
		k += (size_t)sprintf(in + k, "%s\n", pos[i]);
	for (size_t i = 0; i < negs->n; i++)
		k += (size_t)sprintf(in + k, "^%s\n", negs->v[i]);
	if (gitx_run(g, r->gitdir, NULL, args, in, k, -1, OUT_CAP, &o) < 0) {
		snprintf(err, errlen, "%s", o.err);
		free(o.buf);
		return -1;
	}
	/* "\x01<commit>\0" headers, and ":<mode> <mode> <oid> <oid> <S>\0
	 * <path>\0" for each path (line breaks between them). */
	p = o.buf;
	end = o.buf + o.len;
	while (p < end) {
		const char *meta, *path;
		unsigned m1, m2;
		char o1[65], o2[65], st;

		if (*p == '\n') {
			p++;
			continue;
		}
		if (*p != ':') {
			p += strnlen(p, (size_t)(end - p)) + 1;
			continue;
		}
		meta = p;
		p += strnlen(p, (size_t)(end - p)) + 1;
		path = p;
		if (p >= end) {
			snprintf(err, errlen, "git log: short answer");
			free(o.buf);
			return -1;
		}
		p += strnlen(p, (size_t)(end - p)) + 1;
		if (sscanf(meta, ":%o %o %64s %64s %c", &m1, &m2, o1, o2,
			   &st) != 5) {
			snprintf(err, errlen, "git log: unexpected answer");
			free(o.buf);
			return -1;
		}
		if (st == 'D')
			continue;
		if (ne == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct gentry *v = realloc(e, nc * sizeof(*v));

			if (!v) {
				snprintf(err, errlen, "out of memory");
				free(o.buf);
				return -1;
			}
			e = v;
			cap = nc;
		}
		e[ne].mode = m2;
		snprintf(e[ne].oid, sizeof(e[ne].oid), "%s", o2);
		e[ne].path = path;
		ne++;
	}
	found = gitx_judge(g, r->gitdir, &r->x, e, ne, &tmp, err, errlen);
	strv_free_all(&tmp);
	if (found > 0 && head)
		found = same_as_head(g, r, head, e, ne, err, errlen);
	for (size_t i = 0; found > 0 && i < ne; i++)
		if (e[i].refused &&
		    !(out->n && strcmp(out->v[out->n - 1], e[i].path) == 0) &&
		    push_dup(out, e[i].path) < 0 && out->n < NONO_STRV_MAX) {
			snprintf(err, errlen, "out of memory");
			found = -1;
		}
	free(o.buf);
	return found;
}

/* HEAD's commit at the start (through the branch it names), or NULL. */
static const char *head_commit(const struct grefs *start, size_t hexlen)
{
	const struct gref *h = gitrefs_find(start, "HEAD");

	for (int depth = 0; h && depth < 5; depth++) {
		if (strncmp(h->val, "ref: ", 5) != 0)
			return strlen(h->val) == hexlen &&
				       gitrefs_is_oid(h->val, hexlen)
				   ? h->val
				   : NULL;
		h = gitrefs_find(start, h->val + 5);
	}
	return NULL;
}

/* Judges the changes' new object names; marks the changes refused. */
static void judge_refs(struct run_gitrefs *rg, struct gitrepo *r,
		       struct gitchange *ch, size_t nch, size_t hexlen)
{
	struct gitx *g = &rg->git;
	const char *head = head_commit(&r->start, hexlen);
	struct oidv known = {0}, cands = {0}, negs = {0};
	struct strv paths = {0};
	nono_autofree char(*commit)[65] = NULL;
	nono_autofree bool *bad = NULL;
	char err[256] = "";
	int found;

	/* Every object name a ref held at the start, in any repository of
	 * the session (a linked worktree's HEAD takes its repository's
	 * branches): not the session's.  Another store's are missing here,
	 * and left out by git cat-file. */
	for (size_t k = 0; k < rg->n; k++)
		for (size_t i = 0; i < rg->v[k].start.n; i++)
			gitrefs_oids(rg->v[k].start.v[i].val, hexlen, &known);
	oidv_sort(&known);
	for (size_t i = 0; i < nch; i++)
		for (size_t k = 0; k < ch[i].oids.n; k++)
			if (!oidv_has(&known, ch[i].oids.v[k]) &&
			    oidv_push(&cands, ch[i].oids.v[k],
				      strlen(ch[i].oids.v[k])) < 0)
				goto fail_all;
	oidv_sort(&cands);
	if (!cands.n)
		goto out;
	commit = calloc(cands.n, sizeof(*commit));
	bad = calloc(cands.n, sizeof(*bad));
	if (!commit || !bad)
		goto fail_all;
	if (peel(g, r, &cands, &known, commit, &negs, err, sizeof(err)) < 0)
		goto fail_all;
	{
		nono_autofree const char **pos = calloc(cands.n, sizeof(*pos));
		size_t npos = 0;

		if (!pos)
			goto fail_all;
		for (size_t i = 0; i < cands.n; i++)
			if (commit[i][0])
				pos[npos++] = commit[i];
		found = npos ? scan(g, r, head, pos, npos, &negs, &paths, err,
				    sizeof(err))
			     : 0;
	}
	if (found < 0)
		goto fail_all;
	/* Which ref brought them: one at a time (only when something was
	 * refused, so never in an ordinary session). */
	for (size_t i = 0; i < cands.n; i++) {
		struct strv mine = {0};
		const char *one = commit[i];

		if (!commit[i][0]) {
			bad[i] = true;
			continue;
		}
		if (!found)
			continue;
		if (cands.n > ONE_BY_ONE_MAX) {
			bad[i] = true;
			continue;
		}
		if (cands.n == 1) {
			mine = paths;
			paths = (struct strv){0};
		} else if (scan(g, r, head, &one, 1, &negs, &mine, err,
				sizeof(err)) < 0) {
			bad[i] = true;
			continue;
		}
		for (size_t j = 0; j < nch; j++)
			for (size_t k = 0; k < ch[j].oids.n; k++)
				if (strcmp(ch[j].oids.v[k], cands.v[i]) == 0)
					for (size_t m = 0; m < mine.n; m++)
						if (push_dup(&ch[j].paths,
							     mine.v[m]) < 0)
							ch[j].bad = true;
		strv_free_all(&mine);
	}
	for (size_t j = 0; j < nch; j++) {
		for (size_t k = 0; k < ch[j].oids.n; k++)
			for (size_t i = 0; i < cands.n; i++)
				if (bad[i] &&
				    strcmp(ch[j].oids.v[k], cands.v[i]) == 0) {
					ch[j].bad = true;
					if (!ch[j].why)
						ch[j].why =
						    commit[i][0]
							? "too many refs moved "
							  "to judge each"
							: "not a commit git "
							  "can read";
				}
		sort_uniq(&ch[j].paths);
		if (ch[j].paths.n)
			ch[j].bad = true;
	}
	goto out;
fail_all:
	/* What git could not judge is put back unjudged. */
	for (size_t j = 0; j < nch; j++)
		if (ch[j].oids.n) {
			ch[j].bad = true;
			snprintf(ch[j].whybuf, sizeof(ch[j].whybuf),
				 "git could not read it (%s)",
				 err[0] ? err : "out of memory");
			ch[j].why = ch[j].whybuf;
		}
out:
	oidv_free(&known);
	oidv_free(&cands);
	oidv_free(&negs);
	strv_free_all(&paths);
}

/* The refs that changed during the session, and what is known of each
 * without git. */
static int changes_of(struct gitrepo *r, const struct grefs *now, size_t hexlen,
		      struct gitchange **out, size_t *nout)
{
	struct gitchange *ch = calloc(now->n ? now->n : 1, sizeof(*ch));
	size_t n = 0;

	if (!ch)
		return -ENOMEM;
	for (size_t i = 0; i < now->n; i++) {
		const struct gref *e = &now->v[i];
		const struct gref *s = gitrefs_find(&r->start, e->name);
		struct gitchange *c = &ch[n];

		if (s && strcmp(s->val, e->val) == 0)
			continue;
		n++;
		c->name = e->name;
		c->s = s;
		c->e = e;
		if (strncmp(e->name, "refs/replace/", 13) == 0) {
			/* What git reads for an object, changed for every
			 * checkout (GIT_NO_REPLACE_OBJECTS hides it from the
			 * judging). */
			c->bad = true;
			c->why = "a replace ref (it changes what git reads "
				 "for an object)";
		} else if (strncmp(e->val, "ref: ", 5) == 0) {
			c->symref = true;
		} else if (e->val[0] == '?' ||
			   strncmp(e->val, "link:", 5) == 0) {
			c->bad = true;
			c->why = "not a ref git reads as one";
		} else if (gitrefs_oids(e->val, hexlen, &c->oids) < 0) {
			c->bad = true;
			c->why = "not an object name";
		}
	}
	*out = ch;
	*nout = n;
	return 0;
}

/* A symbolic ref that now leads to a ref put back goes back too. */
static void judge_symrefs(struct gitchange *ch, size_t nch)
{
	for (size_t i = 0; i < nch; i++) {
		const char *t;

		if (!ch[i].symref)
			continue;
		t = ch[i].e->val + 5;
		for (size_t k = 0; k < nch; k++)
			if (ch[k].bad && !ch[k].symref &&
			    strcmp(ch[k].name, t) == 0) {
				ch[i].bad = true;
				ch[i].why = "it leads to a ref put back";
			}
	}
}

static int check_repo(struct run_ctx *c, struct run_gitrefs *g,
		      struct gitrepo *r)
{
	struct grefs now = {0};
	struct gitchange *ch = NULL;
	size_t nch = 0, hexlen;
	int e, ret = 0;

	if (r->skip) {
		out_security_warn(
		    "%s: %s; nono did not check what the sandbox did to its "
		    "branches: look at `git for-each-ref` and `git log --all` "
		    "there before you check anything out",
		    out_name(r->gitdir),
		    r->skip == -EPROTONOSUPPORT ? "its refs are a reftable"
		    : r->skip == -E2BIG         ? "more refs than nono reads"
						: strerror(-r->skip));
		return gitrefs_check_index(c, &g->git, r, g->id);
	}
	e = gitrefs_read(r->fd, GITREFS_MAX, false, &now);
	/* What the sandbox made too much of to be read is not a success. */
	if (e < 0) {
		ret = -1;
		out_security_warn(
		    "%s: %s after the session; nono %s: look at `git "
		    "for-each-ref` there before you check anything out",
		    out_name(r->gitdir),
		    e == -E2BIG ? "more refs (or deeper ones) than nono reads"
				: strerror(-e),
		    e == -E2BIG ? "checked those it read, not the others"
				: "did not check what the sandbox did to its "
				  "branches");
	}
	if (e == 0 || e == -E2BIG) {
		hexlen = hexlen_of(&r->start, &now);
		if (changes_of(r, &now, hexlen, &ch, &nch) == 0 && nch) {
			judge_refs(g, r, ch, nch, hexlen);
			judge_symrefs(ch, nch);
			if (gitrefs_put_back(c, &g->git, r, ch, nch, g->id) < 0)
				ret = -1;
		}
	}
	if (gitrefs_check_index(c, &g->git, r, g->id) < 0)
		ret = -1;
	for (size_t i = 0; i < nch; i++) {
		oidv_free(&ch[i].oids);
		strv_free_all(&ch[i].paths);
	}
	free(ch);
	gitrefs_free(&now);
	return ret;
}

int run_gitrefs_end(struct run_ctx *c)
{
	struct run_gitrefs *g = c->rt.gitrefs;
	int r = 0;

	for (size_t i = 0; g && i < g->n; i++)
		if (check_repo(c, g, &g->v[i]) < 0)
			r = -1;
	return r;
}
