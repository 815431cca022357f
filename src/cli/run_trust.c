// SPDX-License-Identifier: Apache-2.0
/* nono run's pre-exec trust scan (see run_trust.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/event.h"
#include "audit/log.h"
#include "cli/output.h"
#include "cli/run_trust.h"
#include "plan/plan.h"
#include "policy/protect.h"
#include "trust/policy.h"
#include "trust/scan.h"
#include "trust/verify.h"

struct run_trust {
	enum nono_trust_enforce enforcement;
	bool override;
	int rootfd; /* the working directory, for the end's check */
	char root[PATH_MAX];
	struct nono_trust_sources src;
	struct nono_trust_check *v;
	size_t n;
};

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
static int keep(struct run_ctx *c, const char *root, const char *rel)
{
	char abs[PATH_MAX], refuse[PATH_MAX], *dup;
	int r;

	if ((size_t)snprintf(abs, sizeof(abs), "%s/%s", root, rel) >=
	    sizeof(abs))
		return -ENAMETOOLONG;
	r = nono_protect_plan_keep(c->p.caps, abs, &c->p.prot, refuse,
				   sizeof(refuse));
	if (r < 0)
		return r;
	dup = strdup(refuse);
	if (!dup || strv_push(&c->p.kept, dup) < 0) {
		free(dup);
		return -ENOMEM;
	}
	return 0;
}

int run_trust_scan(struct run_ctx *c)
{
	struct nono_trust_policy p;
	struct nono_trust_list l = {0};
	struct run_trust *t;
	char err[1024], fix[PATH_MAX + 256];
	char **skip = NULL;
	size_t nskip = 0, bad = 0, blocked = 0;
	int have, r = -1;

	if (c->o.trust_override) {
		out_security_warn("--trust-override: instruction files are not "
				  "verified for this run; unsigned or changed "
				  "ones reach the command");
		t = calloc(1, sizeof(*t));
		if (t) {
			t->override = true;
			t->rootfd = -1;
		}
		c->rt.trust = t;
		return 0;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		out_error("out of memory");
		return -1;
	}
	t->rootfd = -1;
	c->rt.trust = t;
	memset(&p, 0, sizeof(p));
	if (!getcwd(t->root, sizeof(t->root))) {
		out_error("trust: the working directory: %s", strerror(errno));
		return -1;
	}
	t->rootfd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (t->rootfd < 0) {
		out_error("trust: %s: %s", t->root, strerror(errno));
		return -1;
	}
	have = nono_trust_policy_load(t->rootfd, t->root, NULL, &p, &t->src,
				      err, sizeof(err));
	if (have < 0) {
		out_error("trust: %s", err);
		out_hint("fix the policy, or run once with --trust-override");
		return -1;
	}
	if (t->src.ignored[0])
		out_warn("trust: %s is not used: %s", t->src.ignored,
			 t->src.ignored_why);
	if (have == 0)
		return 0; /* no policy: no scan (docs/trust.md) */
	t->enforcement = p.enforcement;
	skip = skips(c, &nskip);
	if (!skip ||
	    nono_trust_scan(t->rootfd, &p, skip, nskip,
			    NONO_TRUST_SCAN_RECURSIVE | NONO_TRUST_SCAN_HASH,
			    &l, err, sizeof(err)) < 0) {
		out_error("trust: %s", skip ? err : "out of memory");
		out_hint("skip generated trees with --skip-dir NAME");
		goto out;
	}
	t->v = calloc(l.n ? l.n : 1, sizeof(*t->v));
	if (!t->v) {
		out_error("out of memory");
		goto out;
	}
	if (nono_trust_check_all(t->rootfd, &l, &p, t->v, err, sizeof(err)) <
	    0) {
		out_error("trust: %s", err);
		goto out;
	}
	t->n = l.n;
	for (size_t i = 0; i < t->n; i++) {
		const struct nono_trust_check *k = &t->v[i];

		if (k->verdict == NONO_TRUST_OK)
			continue;
		bad++;
		blocked += k->verdict == NONO_TRUST_BLOCKED;
	}
	/* What failed: the blocklist stops every run, the rest under
	 * deny. */
	for (size_t i = 0; i < t->n && bad; i++) {
		const struct nono_trust_check *k = &t->v[i];
		bool stop = k->verdict == NONO_TRUST_BLOCKED ||
			    p.enforcement == NONO_TRUST_DENY;

		if (k->verdict == NONO_TRUST_OK)
			continue;
		nono_trust_fix(k, fix, sizeof(fix));
		if (stop)
			out_error("trust: %s (%s): %s; fix: %s", k->path,
				  nono_trust_verdict_name(k->verdict), k->why,
				  fix);
		else if (p.enforcement == NONO_TRUST_WARN)
			out_warn("trust: %s (%s): %s; fix: %s", k->path,
				 nono_trust_verdict_name(k->verdict), k->why,
				 fix);
		else
			out_verbose_msg(
			    1, "trust (audit): %s (%s): %s", k->path,
			    nono_trust_verdict_name(k->verdict), k->why);
	}
	if (bad && (blocked || p.enforcement == NONO_TRUST_DENY)) {
		out_hint("%zu of %zu instruction files failed verification "
			 "(enforcement %s): the command was not started; "
			 "--trust-override runs it anyway",
			 bad, t->n, nono_trust_enforce_name(p.enforcement));
		goto out;
	}
	/* Read-only while the command runs, verified or not (a link's
	 * target too, when it is below the working directory: its content
	 * is what was verified). */
	for (size_t i = 0; i < t->n; i++) {
		int kr = keep(c, t->root, t->v[i].path);

		if (kr == 0 && (l.v[i].flags & NONO_TRUST_FOUND_SYMLINK)) {
			char abs[PATH_MAX * 2], *real;
			size_t rl = strlen(t->root);

			snprintf(abs, sizeof(abs), "%s/%s", t->root,
				 t->v[i].path);
			real = realpath(abs, NULL);
			if (real && strncmp(real, t->root, rl) == 0 &&
			    real[rl] == '/')
				kr = keep(c, t->root, real + rl + 1);
			free(real);
		}

		if (kr < 0) {
			out_error("trust: cannot keep %s read-only: %s",
				  t->v[i].path, strerror(-kr));
			goto out;
		}
	}
	if (t->n)
		out_verbose_msg(1,
				"trust: %zu instruction file%s verified%s%s, "
				"read-only in the sandbox",
				t->n - bad, t->n - bad == 1 ? "" : "s",
				bad ? ", failures allowed by enforcement " : "",
				bad ? nono_trust_enforce_name(p.enforcement)
				    : "");
	r = 0;
out:
	free(skip);
	nono_trust_list_free(&l);
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
		if (nono_ev_end(&e) == 0)
			nono_audit_emit_always(c->rt.audit, &e);
		else
			nono_ev_free(&e);
		return;
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
		char now[NONO_SHA256_HEX];
		const struct nono_trust_check *k = &t->v[i];
		int r = nono_trust_hash_file(t->rootfd, k->path, now);
		struct nono_ev e;

		if (r == 0 && strcmp(now, k->sha256) == 0)
			continue;
		out_warn("trust: %s changed during the session (%s); verify "
			 "it before the next run: nono trust verify %s",
			 k->path, r < 0 ? strerror(-r) : "new content",
			 k->path);
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
	if (t->rootfd >= 0)
		close(t->rootfd);
	free(t->v);
	free(t);
	c->rt.trust = NULL;
}
