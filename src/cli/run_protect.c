// SPDX-License-Identifier: Apache-2.0
/*
 * nono run's protections: the protected paths and persistence names that a
 * grant covers, what a profile keeps or denies, --bypass-protection, and
 * the masks that make them hold.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cmd_run.h"
#include "cli/config.h"
#include "cli/diag.h"
#include "cli/envcred.h"
#include "cli/output.h"
#include "cli/profiles.h"
#include "cli/run_ctx.h"
#include "cli/run_internal.h"
#include "cli/save_prompt.h"
#include "cred/secret.h"
#include "nono-config.h"
#include "nono/error.h"
#include "nono/landlock.h"
#include "nono/ns.h"
#include "nono/path.h"
#include "nono/sandbox.h"
#include "nono/seccomp.h"
#include "policy/cmdblock.h"
#include "policy/envclean.h"
#include "policy/protect.h"
#include "policy/system.h"
#include "proxy/server.h"
#include "supervisor/gate.h"
#include "supervisor/supervise.h"

/* Is @canon something --bypass-protection can lift? */
static bool is_persist_path(const struct nono_caps *caps, const char *canon)
{
	for (size_t i = 0; i < nono_caps_path_count(caps); i++) {
		const struct nono_grant *g = nono_caps_path_at(caps, i);
		size_t n = strlen(g->path);

		if (!(g->access & NONO_ACCESS_WRITE) ||
		    strncmp(canon, g->path, n) != 0 || canon[n] != '/')
			continue;
		/* Any directory inside the grant may hold them (the working
		 * directory's repository, for one): match on the tail. */
		for (size_t k = 0; k < nono_persist_count(); k++) {
			const char *p = nono_persist_at(k);
			size_t pl = strlen(p), cl = strlen(canon);

			if (cl > pl && strcmp(canon + cl - pl, p) == 0 &&
			    canon[cl - pl - 1] == '/')
				return true;
		}
	}
	return false;
}

/* A keep_read_only entry (expanded) as the gate meets it: its directory
 * canonical, its own name as written (a symlink there is kept by name,
 * and its target separately).  Caller frees; NULL on failure. */
static char *keep_path(const char *x)
{
	const char *slash = strrchr(x, '/');
	char dir[PATH_MAX], *canon = NULL, *out = NULL;
	bool exists;

	if (!slash || slash == x || !slash[1] ||
	    (size_t)(slash - x) >= sizeof(dir))
		return NULL;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - x), x);
	if (nono_path_canon(dir, &canon, &exists) == 0 &&
	    asprintf(&out, "%s/%s", strcmp(canon, "/") == 0 ? "" : canon,
		     slash + 1) < 0)
		out = NULL;
	free(canon);
	return out;
}

/* Is @canon one of the profile's keep_read_only paths? */
static bool profile_keeps(struct run_ctx *c, const char *canon)
{
	char msg[256];
	bool found = false;

	for (size_t i = 0;
	     c->p.profile && !found && i < c->p.profile->fs.keep_read_only.n;
	     i++) {
		char *x = NULL, *k = NULL, *c2 = NULL;
		bool exists;

		if (nono_profile_expand(&c->p.penv,
					c->p.profile->fs.keep_read_only.v[i],
					&x, msg, sizeof(msg)) < 0)
			continue;
		k = keep_path(x);
		found = (k && strcmp(k, canon) == 0) ||
			(nono_path_canon(x, &c2, &exists) == 0 &&
			 strcmp(c2, canon) == 0);
		free(x);
		free(k);
		free(c2);
		c2 = NULL;
	}
	return found;
}

static int plan_bypass(struct run_ctx *c)
{
	struct run_opts *o = &c->o;

	if (o->legacy_bypass)
		out_warn("--override-deny is deprecated and will be removed in "
			 "v1.0.0; use --bypass-protection");
	if (o->bypass.n == 0)
		return 0;
	c->p.bypass = calloc(o->bypass.n, sizeof(*c->p.bypass));
	if (!c->p.bypass) {
		out_error("out of memory");
		return -1;
	}
	for (size_t i = 0; i < o->bypass.n; i++) {
		const struct nono_protect_item *it;
		const struct nono_grant *g;
		bool exists;
		char *canon = run_canon_user(c, "--bypass-protection",
					     o->bypass.v[i], &exists);

		if (!canon)
			return -1;
		it = nono_protect_match(c->p.home, canon);
		if (it && !it->bypassable) {
			out_error("--bypass-protection %s: the %s is never "
				  "reachable from inside the sandbox",
				  o->bypass.v[i], it->what);
			return -1;
		}
		if (!it && !is_persist_path(c->p.caps, canon) &&
		    !profile_keeps(c, canon)) {
			out_error("--bypass-protection %s: not a protected "
				  "path; nothing to bypass",
				  o->bypass.v[i]);
			return -1;
		}
		if (!nono_caps_allows(c->p.caps, canon, NONO_ACCESS_READ, &g) &&
		    !nono_caps_allows(c->p.caps, canon, NONO_ACCESS_WRITE,
				      &g)) {
			out_error("--bypass-protection %s: no matching grant",
				  o->bypass.v[i]);
			out_hint("--bypass-protection only removes the deny; "
				 "also grant it with --allow, --read, --write "
				 "or a file equivalent");
			return -1;
		}
		out_security_warn("protection bypassed for %s (%s)", canon,
				  it ? it->what : "persistence file");
		c->p.bypass[c->p.nbypass++] = canon;
	}
	return 0;
}

/* Landlock cannot deny below a grant; without a namespace to hide them,
 * refuse to start and name what would have been exposed. */
void run_report_no_userns(const struct run_ctx *c)
{
	char list[1024] = "";
	size_t used = 0;

	for (size_t i = 0; i < nono_caps_mask_count(c->p.caps); i++) {
		int n = snprintf(list + used, sizeof(list) - used, "%s%s",
				 i ? ", " : "",
				 nono_caps_mask_at(c->p.caps, i)->path);

		if (n < 0 || (size_t)n >= sizeof(list) - used)
			break;
		used += (size_t)n;
	}
	out_error("grants cover protected paths that Landlock cannot deny, "
		  "and user namespaces are unavailable to hide them: %s",
		  list);
	out_hint("grant narrower directories, lift a protection with "
		 "--bypass-protection PATH, or enable unprivileged user "
		 "namespaces (sysctl kernel.unprivileged_userns_clone=1)");
}

/* A profile's keep_read_only: read-only where they exist, and (nono run)
 * not creatable; each --bypass-protection PATH lifts one. */
static int plan_profile_keeps(struct run_ctx *c)
{
	char msg[256], refuse[PATH_MAX];

	for (size_t i = 0;
	     c->p.profile && i < c->p.profile->fs.keep_read_only.n; i++) {
		char *x = NULL, *canon = NULL;
		bool exists, lifted = false;
		int r;

		if (nono_profile_expand(&c->p.penv,
					c->p.profile->fs.keep_read_only.v[i],
					&x, msg, sizeof(msg)) < 0) {
			out_error("profile %s: filesystem.keep_read_only: %s",
				  c->p.profile->name, msg);
			return -1;
		}
		canon = keep_path(x);
		if (!canon) {
			out_error("profile %s: filesystem.keep_read_only: %s: "
				  "not a path to a file or directory",
				  c->p.profile->name, x);
			free(x);
			return -1;
		}
		/* A bypass names the path or, resolved, its target. */
		{
			char *t = NULL;

			for (size_t k = 0; k < c->p.nbypass; k++)
				lifted = lifted ||
					 strcmp(c->p.bypass[k], canon) == 0;
			if (!lifted && nono_path_canon(x, &t, &exists) == 0)
				for (size_t k = 0; k < c->p.nbypass; k++)
					lifted = lifted ||
						 strcmp(c->p.bypass[k], t) == 0;
			free(t);
		}
		free(x);
		r = lifted
			? 0
			: nono_protect_plan_keep(c->p.caps, canon, &c->p.prot,
						 refuse, sizeof(refuse));
		free(canon);
		if (r == 0 && !lifted) {
			char *dup = strdup(refuse);

			if (!dup || strv_push(&c->p.kept, dup) < 0) {
				free(dup);
				r = -ENOMEM;
			}
		}
		if (r < 0) {
			out_error("profile %s: filesystem.keep_read_only: %s",
				  c->p.profile->name, strerror(-r));
			return -1;
		}
	}
	return 0;
}

static int plan_profile_denies(struct run_ctx *c)
{
	char why[PATH_MAX], msg[256];

	for (size_t i = 0; c->p.profile && i < c->p.profile->fs.deny.n; i++) {
		char *x = NULL, *canon = NULL;
		bool exists;
		int r;

		if (nono_profile_expand(&c->p.penv, c->p.profile->fs.deny.v[i],
					&x, msg, sizeof(msg)) < 0) {
			out_error("profile %s: filesystem.deny: %s",
				  c->p.profile->name, msg);
			return -1;
		}
		r = nono_path_canon(x, &canon, &exists);
		free(x);
		if (r < 0 || !exists) {
			free(canon);
			continue; /* nothing there to hide */
		}
		r = nono_protect_plan_deny(c->p.caps, canon, &c->p.prot, why,
					   sizeof(why));
		free(canon);
		if (r == -NONO_ECONFLICT) {
			out_error("grant names a path the profile %s denies: "
				  "%s",
				  c->p.profile->name, why);
			out_hint("grant a narrower path, or remove the entry "
				 "from filesystem.deny");
			return -1;
		}
		if (r < 0) {
			out_error("profile %s: filesystem.deny: %s",
				  c->p.profile->name, nono_strerror(r));
			return -1;
		}
	}
	return 0;
}

/* --dry-run and `nono why` plan what a run would do and change nothing:
 * the directories a run makes first (below) are not made for them. */
static bool changes_nothing(const struct run_ctx *c)
{
	return c->o.dry_run || c->o.mode == MODE_WHY;
}

/* $XDG_CONFIG_HOME/nono, where nono reads its configuration when the
 * variable is set: hidden like ~/.config/nono (created first when a
 * writable grant covers it, so that the child cannot make it). */
static int plan_xdg_config(struct run_ctx *c, char *why, size_t whylen)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	char dir[PATH_MAX], canon[PATH_MAX];

	if (!xdg || xdg[0] != '/' ||
	    (size_t)snprintf(dir, sizeof(dir), "%s/nono", xdg) >= sizeof(dir))
		return 0;
	if (!changes_nothing(c) &&
	    nono_caps_allows(c->p.caps, dir, NONO_ACCESS_WRITE, NULL) &&
	    mkdir(dir, 0700) < 0 && errno != EEXIST && errno != ENOENT) {
		out_error("cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!realpath(dir, canon))
		return 0;
	return nono_protect_plan_state(c->p.caps, canon, &c->p.prot, why,
				       whylen);
}

int run_plan_protection(struct run_ctx *c)
{
	char why[PATH_MAX];
	int r;

	if (plan_bypass(c) < 0)
		return -1;
	/*
	 * nono's state and configuration directories, and the two $HOME
	 * directories that are pinned and guarded, are created before
	 * planning when a writable grant covers them: what exists can be
	 * hidden, pinned or guarded, what the child would create could not
	 * (a ~/.config/nono/profiles it wrote is what the next run grants).
	 */
	if (c->p.home && !changes_nothing(c)) {
		static const char *const made[] = {".nono", ".config",
						   ".config/nono", ".local"};

		for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++) {
			char st[PATH_MAX];

			snprintf(st, sizeof(st), "%s/%s", c->p.home, made[i]);
			if (nono_caps_allows(c->p.caps, st, NONO_ACCESS_WRITE,
					     NULL) &&
			    mkdir(st, 0700) < 0 && errno != EEXIST) {
				out_error("cannot create %s: %s", st,
					  strerror(errno));
				return -1;
			}
		}
	}
	if (!changes_nothing(c) && (r = nono_protect_make_missing(
					c->p.caps, c->p.home, c->p.bypass,
					c->p.nbypass, why, sizeof(why))) < 0) {
		out_error("cannot create %s: %s", why, strerror(-r));
		return -1;
	}
	r = nono_protect_plan(c->p.caps, c->p.home, c->p.cwd, c->p.bypass,
			      c->p.nbypass, &c->p.prot, why, sizeof(why));
	if (r == 0)
		r = plan_xdg_config(c, why, sizeof(why));
	if (r == -NONO_ECONFLICT) {
		out_error("grant names a protected path: %s", why);
		out_hint("to grant it deliberately, add --bypass-protection "
			 "with that path");
		return -1;
	}
	if (r < 0) {
		out_error("planning protected paths: %s", nono_strerror(r));
		return -1;
	}
	if (plan_profile_denies(c) < 0 || plan_profile_keeps(c) < 0)
		return -1;
	/* Supervised runs also guard creation of protected names that do
	 * not exist yet (wrap has no supervisor to decide it). */
	if (c->o.mode == MODE_WRAP && !c->o.dry_run) {
		for (size_t i = 0; i < nono_caps_path_count(c->p.caps); i++) {
			const struct nono_grant *g =
			    nono_caps_path_at(c->p.caps, i);

			if ((g->access & NONO_ACCESS_WRITE) &&
			    !(g->flags & NONO_GRANT_FILE) &&
			    (g->origin == NONO_ORIGIN_USER ||
			     g->origin == NONO_ORIGIN_CWD)) {
				out_warn("nono wrap has no supervisor: missing "
					 "persistence files (.git/hooks, "
					 ".envrc, ...) can be created in %s; "
					 "nono run guards them",
					 g->path);
				break;
			}
		}
	}
	if (nono_caps_gate(c->p.caps)) {
		r = nono_protect_plan_guards(c->p.caps, c->p.home, c->p.cwd,
					     why, sizeof(why));
		if (r < 0) {
			out_error("guarding %s: %s", why[0] ? why : "grants",
				  nono_strerror(r));
			return -1;
		}
	}
	/* Whether namespaces work is learnt from the real attempt (the
	 * child reports it); only --dry-run, which runs nothing, probes. */
	if (c->o.dry_run && nono_caps_mask_count(c->p.caps) > 0 &&
	    !nono_ns_available()) {
		run_report_no_userns(c);
		return -1;
	}
	return 0;
}
