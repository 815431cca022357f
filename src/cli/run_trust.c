// SPDX-License-Identifier: Apache-2.0
/* nono run's pre-exec trust scan (see run_trust.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "audit/event.h"
#include "audit/log.h"
#include "cli/output.h"
#include "cli/run_trust.h"
#include "plan/plan.h"
#include "policy/protect.h"
#include "trust/digestcache.h"
#include "trust/policy.h"
#include "trust/scan.h"
#include "trust/verify.h"
#include "util/fsutil.h"

/* A directory scanned: the working directory (and below), another
 * granted tree (and below), or an ancestor (its own entries only: agents
 * read CLAUDE.md and AGENTS.md from every directory above them). */
#define NONO_TRUST_MAX_ROOTS 64

struct troot {
	int fd;
	char path[PATH_MAX];
};

struct run_trust {
	enum nono_trust_enforce enforcement;
	bool override;
	struct nono_trust_sources src;
	struct troot *roots;
	size_t nroots;
	long cwd_root; /* the working directory's index, or -1 */
	struct nono_trust_check *v;
	size_t *root_of;         /* v[i]'s root */
	struct nono_file_id *id; /* v[i]'s file as hashed (0: a symlink's) */
	char **hashed; /* what v[i]'s content is read through: its path,
			* or a symlink's target (below the same root) */
	size_t n, cap;
};

/* @s for a terminal: every control byte (a name in the repository can
 * hold escape sequences) as '?', in @out. */
static const char *shown(const char *s, char *out, size_t len)
{
	size_t i = 0;

	for (; *s && i + 1 < len; s++)
		out[i++] = (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s;
	out[i] = '\0';
	return out;
}

/* The directory names the scan skips: --skip-dir and the profile's
 * skipdirs (borrowed). */
static char **skips(const struct run_ctx *c, size_t *n)
{
	const struct nono_profile *p = c->p.profile;
	size_t k = c->o.skip_dir.n + (p ? p->skipdirs.n : 0), i = 0;
	char **v = calloc(k + 1, sizeof(*v));

	if (!v)
		return NULL;
	for (size_t j = 0; j < c->o.skip_dir.n; j++)
		v[i++] = c->o.skip_dir.v[j];
	for (size_t j = 0; p && j < p->skipdirs.n; j++)
		v[i++] = p->skipdirs.v[j];
	*n = i;
	return v;
}

/* Keeps @rel (below the working directory) read-only in the sandbox and
 * not creatable: the profile's keep_read_only machinery. */
static int keep(struct run_ctx *c, const char *root, const char *rel,
		const struct nono_file_id *id)
{
	char abs[PATH_MAX], refuse[PATH_MAX], *dup;
	int r;

	if ((size_t)snprintf(abs, sizeof(abs), "%s/%s",
			     strcmp(root, "/") == 0 ? "" : root,
			     rel) >= sizeof(abs))
		return -ENAMETOOLONG;
	r = nono_protect_plan_keep(c->p.caps, abs, &c->p.prot, refuse,
				   sizeof(refuse));
	if (r < 0)
		return r;
	/* The mask goes on the file that was verified, or the sandbox does
	 * not start (review F10: a file swapped between the scan and the
	 * mount).  No mask there (no writable grant covers it): nothing. */
	if (id && id->ino)
		(void)nono_caps_mask_expect(c->p.caps, abs, id);
	dup = strdup(refuse);
	if (!dup || strv_push(&c->p.kept, dup) < 0) {
		free(dup);
		return -ENOMEM;
	}
	return 0;
}

/* Adds @path as a root (once), opened with no symlink on the way: its
 * index, or -1 (nothing to scan there: absent or unreadable). */
static int add_root(struct run_trust *t, const char *path)
{
	struct open_how how = {
	    .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
	    .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	struct troot *v;
	int fd;

	for (size_t i = 0; i < t->nroots; i++)
		if (strcmp(t->roots[i].path, path) == 0)
			return (int)i;
	if (strlen(path) >= PATH_MAX)
		return -1;
	fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
	if (fd < 0)
		return -1;
	v = realloc(t->roots, (t->nroots + 1) * sizeof(*v));
	if (!v) {
		close(fd);
		return -1;
	}
	t->roots = v;
	v[t->nroots].fd = fd;
	snprintf(v[t->nroots].path, PATH_MAX, "%s", path);
	return (int)t->nroots++;
}

/* Scans root @ri and verifies what it finds into @t: 0, or -1 after
 * printing why. */
static int scan_root(struct run_trust *t, size_t ri,
		     const struct nono_trust_policy *p, char **skip,
		     size_t nskip, bool recursive,
		     struct nono_trust_cache *cache)
{
	struct nono_trust_list l = {0};
	const struct troot *rt = &t->roots[ri];
	char err[1024];
	int r = -1;

	const char *name = strrchr(rt->path, '/');

	if (nono_trust_scan_cached(rt->fd, name && name[1] ? name + 1 : NULL, p,
				   skip, nskip,
				   (recursive ? NONO_TRUST_SCAN_RECURSIVE : 0) |
				       NONO_TRUST_SCAN_HASH,
				   cache, &l, err, sizeof(err)) < 0) {
		if (t->override) {
			out_security_warn("trust: %s: %s; not verified "
					  "(--trust-override)",
					  rt->path, err);
			return -1;
		}
		out_error("trust: %s: %s", rt->path, err);
		out_hint("skip generated trees with --skip-dir NAME");
		return -1;
	}
	if (l.n && t->n + l.n > t->cap) {
		size_t cap = t->n + l.n;
		struct nono_trust_check *v = realloc(t->v, cap * sizeof(*v));
		size_t *ro = v ? realloc(t->root_of, cap * sizeof(*ro)) : NULL;
		char **h = ro ? realloc(t->hashed, cap * sizeof(*h)) : NULL;
		struct nono_file_id *id =
		    h ? realloc(t->id, cap * sizeof(*id)) : NULL;

		if (v)
			t->v = v;
		if (ro)
			t->root_of = ro;
		if (h)
			t->hashed = h;
		if (id)
			t->id = id;
		if (!v || !ro || !h || !id) {
			out_error("out of memory");
			goto out;
		}
		t->cap = cap;
	}
	if (l.n && nono_trust_check_all(rt->fd, &l, p, t->v + t->n, err,
					sizeof(err)) < 0) {
		out_error("trust: %s", err);
		goto out;
	}
	for (size_t i = 0; i < l.n; i++) {
		char *h = NULL;

		/* A symlinked file: its content is its target's, below the
		 * root (the scan refuses others). */
		if (l.v[i].flags & NONO_TRUST_FOUND_SYMLINK) {
			char abs[PATH_MAX * 2], *real;
			size_t rl = strlen(rt->path);

			snprintf(abs, sizeof(abs), "%s/%s", rt->path,
				 l.v[i].path);
			real = realpath(abs, NULL);
			if (real && strncmp(real, rt->path, rl) == 0 &&
			    real[rl] == '/')
				h = strdup(real + rl + 1);
			free(real);
		}
		/* Another name of a symlink's target writes the verified
		 * content too (review 2, D): as for a file (verify.c). */
		if (h && t->v[t->n].verdict == NONO_TRUST_OK) {
			struct stat st;

			if (fstatat(rt->fd, h, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    !S_ISREG(st.st_mode) || st.st_nlink > 1) {
				t->v[t->n].verdict = NONO_TRUST_UNREADABLE;
				snprintf(
				    t->v[t->n].why, sizeof(t->v[t->n].why),
				    "%.100s: its target %.100s has other "
				    "hard links (or is gone): its content "
				    "could be changed through another name",
				    l.v[i].path, h);
			}
		}
		t->root_of[t->n] = ri;
		t->hashed[t->n] = h;
		t->id[t->n].dev = (unsigned long long)l.v[i].dev;
		/* A symlink's identity is its target's (scan.h), pinned on
		 * the target's mask; a link whose target is outside the
		 * root has failed already. */
		t->id[t->n].ino =
		    (l.v[i].flags & NONO_TRUST_FOUND_SYMLINK) && !h
			? 0
			: (unsigned long long)l.v[i].ino;
		t->id[t->n].size = l.v[i].size;
		t->id[t->n].mtime_ns = l.v[i].mtime_ns;
		t->id[t->n].ctime_ns = l.v[i].ctime_ns;
		t->n++;
	}
	r = 0;
out:
	nono_trust_list_free(&l);
	return r;
}

/* The roots: the working directory, each user grant of a tree beside it,
 * and each readable directory above it. */
static int find_roots(struct run_ctx *c, struct run_trust *t, const char *cwd,
		      bool *recursive)
{
	char dir[PATH_MAX];

	/* The working directory, when the sandbox can read it (a run from /
	 * or /tmp with --allow DIR is not about the files there). */
	t->cwd_root = -1;
	if (nono_caps_allows(c->p.caps, cwd, NONO_ACCESS_READ, NULL)) {
		if (add_root(t, cwd) != 0) {
			out_error("trust: cannot open the working directory %s",
				  cwd);
			return -1;
		}
		t->cwd_root = 0;
		recursive[0] = true;
	}
	for (size_t i = 0; i < nono_caps_path_count(c->p.caps) &&
			   t->nroots < NONO_TRUST_MAX_ROOTS;
	     i++) {
		const struct nono_grant *g = nono_caps_path_at(c->p.caps, i);
		size_t before = t->nroots;

		if ((g->origin != NONO_ORIGIN_USER &&
		     g->origin != NONO_ORIGIN_CWD) ||
		    (g->flags & NONO_GRANT_FILE) ||
		    !(g->access & NONO_ACCESS_READ) ||
		    nono_path_is_under(g->path, cwd) ||
		    nono_path_is_under(cwd, g->path))
			continue;
		if (add_root(t, g->path) >= 0 && t->nroots > before)
			recursive[t->nroots - 1] = true;
	}
	snprintf(dir, sizeof(dir), "%s", cwd);
	while (strcmp(dir, "/") != 0 && t->nroots < NONO_TRUST_MAX_ROOTS) {
		char *slash = strrchr(dir, '/');
		size_t before = t->nroots;

		if (!slash)
			break;
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (!nono_caps_allows(c->p.caps, dir, NONO_ACCESS_READ, NULL))
			continue;
		if (add_root(t, dir) >= 0 && t->nroots > before)
			recursive[t->nroots - 1] = false;
	}
	return 0;
}

int run_trust_scan(struct run_ctx *c)
{
	struct nono_trust_policy p;
	struct run_trust *t;
	char err[1024], fix[PATH_MAX + 256], sp[PATH_MAX], sw[400];
	char sf[PATH_MAX + 256], cwd[PATH_MAX];
	bool recursive[NONO_TRUST_MAX_ROOTS] = {false};
	char **skip = NULL, cache_path[PATH_MAX];
	struct nono_trust_cache *cache = NULL;
	size_t nskip = 0, bad = 0, blocked = 0, cached = 0;
	int have, r = -1;

	t = calloc(1, sizeof(*t));
	if (!t) {
		out_error("out of memory");
		return -1;
	}
	c->rt.trust = t;
	/* --trust-override: verified all the same, each failure a warning
	 * that -s does not hide, and nothing stops the run. */
	t->override = c->o.trust_override;
	memset(&p, 0, sizeof(p));
	if (!getcwd(cwd, sizeof(cwd))) {
		out_error("trust: the working directory: %s", strerror(errno));
		return -1;
	}
	{
		int cfd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);

		have = cfd < 0
			   ? -1
			   : nono_trust_policy_load(cfd, cwd, NULL, &p, &t->src,
						    err, sizeof(err));
		if (cfd < 0)
			snprintf(err, sizeof(err), "%.900s: %s", cwd,
				 strerror(errno));
		if (cfd >= 0)
			close(cfd);
	}
	if (have < 0 && t->override) {
		out_security_warn("--trust-override: %s; instruction files are "
				  "not verified for this run",
				  err);
		t->n = 0;
		return 0;
	}
	if (have < 0) {
		out_error("trust: %s", err);
		out_hint("fix the policy, or run once with --trust-override");
		return -1;
	}
	if (t->src.ignored[0])
		out_warn("trust: %s is not used: %s",
			 shown(t->src.ignored, sp, sizeof(sp)),
			 t->src.ignored_why);
	if (have == 0)
		return 0; /* no policy: no scan (docs/trust.md) */
	if (t->override)
		out_security_warn("--trust-override: instruction files that "
				  "fail verification do not stop this run");
	t->enforcement = p.enforcement;
	skip = skips(c, &nskip);
	if (!skip) {
		out_error("out of memory");
		goto out;
	}
	if (find_roots(c, t, cwd, recursive) < 0)
		goto out;
	/* Digests of files read before (~/.nono/trust/digests, keyed by
	 * device, inode, size and times; never one written within 2 s of
	 * its read): a warm scan reads no unchanged file again. */
	if (!c->o.dry_run &&
	    nono_state_dir("trust", cache_path, sizeof(cache_path)) == 0 &&
	    strlen(cache_path) + 9 < sizeof(cache_path)) {
		strcat(cache_path, "/digests");
		if (nono_trust_cache_load(cache_path, &cache, err,
					  sizeof(err)) < 0) {
			out_verbose_msg(1, "trust: %s (digests not cached)",
					err);
			cache = NULL;
			cache_path[0] = '\0';
		}
	} else {
		cache_path[0] = '\0';
	}
	cached = cache ? nono_trust_cache_count(cache) : 0;
	for (size_t i = 0; i < t->nroots; i++)
		if (scan_root(t, i, &p, skip, nskip, recursive[i], cache) < 0 &&
		    !t->override)
			goto out;
	if (cache && cache_path[0] && !c->o.dry_run &&
	    nono_trust_cache_count(cache) != cached &&
	    nono_trust_cache_save(cache, cache_path, err, sizeof(err)) < 0)
		out_verbose_msg(1, "trust: %s", err);
	for (size_t i = 0; i < t->n; i++) {
		const struct nono_trust_check *k = &t->v[i];

		if (k->verdict == NONO_TRUST_OK)
			continue;
		bad++;
		blocked += k->verdict == NONO_TRUST_BLOCKED;
	}
	/* What failed: the blocklist stops every run, the rest under
	 * deny.  Paths are shown from the working directory's view. */
	for (size_t i = 0; i < t->n && bad; i++) {
		const struct nono_trust_check *k = &t->v[i];
		const struct troot *rt = &t->roots[t->root_of[i]];
		bool stop = !t->override && (k->verdict == NONO_TRUST_BLOCKED ||
					     p.enforcement == NONO_TRUST_DENY);
		char where[PATH_MAX * 2];

		if (k->verdict == NONO_TRUST_OK)
			continue;
		if ((long)t->root_of[i] == t->cwd_root)
			snprintf(where, sizeof(where), "%s", k->path);
		else
			snprintf(where, sizeof(where), "%s%s%s", rt->path,
				 strcmp(rt->path, "/") ? "/" : "", k->path);
		nono_trust_fix(k, fix, sizeof(fix));
		shown(where, sp, sizeof(sp));
		shown(k->why, sw, sizeof(sw));
		shown(fix, sf, sizeof(sf));
		if ((long)t->root_of[i] != t->cwd_root)
			snprintf(sf + strlen(sf), sizeof(sf) - strlen(sf),
				 " (in %s)", rt->path);
		if (stop)
			out_error("trust: %s (%s): %s; fix: %s", sp,
				  nono_trust_verdict_name(k->verdict), sw, sf);
		else if (t->override)
			out_security_warn(
			    "trust: %s (%s): %s; running anyway "
			    "(--trust-override); fix: %s",
			    sp, nono_trust_verdict_name(k->verdict), sw, sf);
		else if (p.enforcement == NONO_TRUST_WARN)
			out_warn("trust: %s (%s): %s; fix: %s", sp,
				 nono_trust_verdict_name(k->verdict), sw, sf);
		else
			out_verbose_msg(1, "trust (audit): %s (%s): %s", sp,
					nono_trust_verdict_name(k->verdict),
					sw);
	}
	if (bad && !t->override &&
	    (blocked || p.enforcement == NONO_TRUST_DENY)) {
		out_hint("%zu of %zu instruction files failed verification "
			 "(enforcement %s): the command was not started; "
			 "--trust-override runs it anyway",
			 bad, t->n, nono_trust_enforce_name(p.enforcement));
		goto out;
	}
	/* Read-only while the command runs, verified or not, and a
	 * symlinked file's target too: its content is what was verified. */
	for (size_t i = 0; i < t->n; i++) {
		const char *root = t->roots[t->root_of[i]].path;
		int kr = keep(c, root, t->v[i].path,
			      t->hashed[i] ? NULL : &t->id[i]);

		if (kr == 0 && t->hashed[i])
			kr = keep(c, root, t->hashed[i], &t->id[i]);
		if (kr < 0) {
			out_error("trust: cannot keep %s read-only: %s",
				  shown(t->v[i].path, sp, sizeof(sp)),
				  strerror(-kr));
			goto out;
		}
	}
	if (t->n)
		out_verbose_msg(1,
				"trust: %zu of %zu instruction files verified "
				"(%zu directories scanned), read-only in the "
				"sandbox",
				t->n - bad, t->n, t->nroots);
	r = 0;
out:
	nono_trust_cache_free(cache);
	free(skip);
	nono_trust_policy_free(&p);
	return r;
}

void run_trust_audit(struct run_ctx *c)
{
	struct run_trust *t = c->rt.trust;
	struct nono_ev e;

	if (!t || !c->rt.audit)
		return;
	if (t->override) {
		nono_ev_begin(&e, "trust");
		nono_ev_bool(&e, "override", true);
		nono_ev_int(&e, "files", (long long)t->n);
		if (nono_ev_end(&e) == 0)
			nono_audit_emit_always(c->rt.audit, &e);
		else
			nono_ev_free(&e);
	}
	for (size_t i = 0; i < t->n; i++) {
		const struct nono_trust_check *k = &t->v[i];

		nono_ev_begin(&e, "trust");
		nono_ev_str(&e, "path", k->path);
		nono_ev_str(&e, "sha256", k->sha256);
		nono_ev_str(&e, "verdict", nono_trust_verdict_name(k->verdict));
		nono_ev_str(&e, "enforcement",
			    nono_trust_enforce_name(t->enforcement));
		if (k->verdict == NONO_TRUST_OK) {
			nono_ev_str(&e, "publisher", k->publisher);
			nono_ev_str(&e, "key", k->keyid);
		} else {
			nono_ev_str(&e, "why", k->why);
		}
		if (nono_ev_end(&e) == 0)
			nono_audit_emit_always(c->rt.audit, &e);
		else
			nono_ev_free(&e);
	}
}

void run_trust_end(struct run_ctx *c)
{
	struct run_trust *t = c->rt.trust;

	for (size_t i = 0; t && i < t->n; i++) {
		char now[NONO_SHA256_HEX], sp[PATH_MAX];
		const struct nono_trust_check *k = &t->v[i];
		int r = nono_trust_hash_file(
		    t->roots[t->root_of[i]].fd,
		    t->hashed[i] ? t->hashed[i] : k->path, now);
		struct nono_ev e;
		struct stat st;
		bool same = true;

		/* Content, and the file itself: one swapped for another and
		 * back has its content but not its inode (the command may
		 * have read the other in between). */
		if (r == 0 && t->id[i].ino)
			same = fstatat(t->roots[t->root_of[i]].fd,
				       t->hashed[i] ? t->hashed[i] : k->path,
				       &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			       (unsigned long long)st.st_dev == t->id[i].dev &&
			       (unsigned long long)st.st_ino == t->id[i].ino &&
			       (long long)st.st_ctim.tv_sec * 1000000000LL +
				       st.st_ctim.tv_nsec ==
				   t->id[i].ctime_ns;
		if (r == 0 && same && strcmp(now, k->sha256) == 0)
			continue;
		shown(k->path, sp, sizeof(sp));
		out_warn("trust: %s changed during the session (%s); verify "
			 "it before the next run: nono trust verify %s",
			 sp,
			 r < 0   ? strerror(-r)
			 : !same ? "replaced by another file"
				 : "new content",
			 sp);
		if (!c->rt.audit)
			continue;
		nono_ev_begin(&e, "trust_changed");
		nono_ev_str(&e, "path", k->path);
		nono_ev_str(&e, "sha256_before", k->sha256);
		if (r == 0)
			nono_ev_str(&e, "sha256_after", now);
		else
			nono_ev_str(&e, "error", strerror(-r));
		if (nono_ev_end(&e) == 0)
			nono_audit_emit_always(c->rt.audit, &e);
		else
			nono_ev_free(&e);
	}
}

void run_trust_free(struct run_ctx *c)
{
	struct run_trust *t = c->rt.trust;

	if (!t)
		return;
	for (size_t i = 0; i < t->nroots; i++)
		close(t->roots[i].fd);
	for (size_t i = 0; i < t->n; i++)
		free(t->hashed[i]);
	free(t->roots);
	free(t->v);
	free(t->root_of);
	free(t->hashed);
	free(t->id);
	free(t);
	c->rt.trust = NULL;
}
