// SPDX-License-Identifier: Apache-2.0
/*
 * nono run's protections: the protected paths and persistence names that a
 * grant covers, what a profile keeps or denies, --bypass-protection, and
 * the masks that make them hold.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nono/error.h"
#include "nono/landlock.h"
#include "nono/ns.h"
#include "plan/plan.h"
#include "plan/plan_internal.h"
#include "plan/verdict.h"
#include "policy/agentcfg.h"
#include "policy/hookrefs.h"
#include "policy/json.h"
#include "policy/projcfg.h"
#include "policy/protect.h"
#include "util/cleanup.h"
#include "util/fsutil.h"

/* Is @canon something --bypass-protection can lift? */
static bool is_persist_path(const struct nono_caps *caps, const char *canon)
{
	for (size_t i = 0; i < nono_caps_path_count(caps); i++) {
		const struct nono_grant *g = nono_caps_path_at(caps, i);
		size_t n = strlen(g->path);

		if (!(g->access & NONO_ACCESS_WRITE) ||
		    strncmp(canon, g->path, n) != 0 || canon[n] != '/')
			continue;
		/* Project configuration at any depth (the gate's rule,
		 * policy/projcfg.c). */
		{
			const char *slash = strrchr(canon, '/');
			char dir[PATH_MAX];

			if (slash && (size_t)(slash - canon) < sizeof(dir)) {
				snprintf(dir, sizeof(dir), "%.*s",
					 (int)(slash - canon), canon);
				if (nono_projcfg_refuses(dir, slash + 1) ||
				    nono_projcfg_refuses_new(dir, slash + 1) ||
				    nono_projcfg_dir(slash + 1))
					return true;
			}
		}
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
static bool profile_keeps(const struct nono_plan *p, const char *canon)
{
	char msg[256];
	bool found = false;

	for (size_t i = 0;
	     p->profile && !found && i < p->profile->fs.keep_read_only.n; i++) {
		char *x = NULL, *k = NULL, *c2 = NULL;
		bool exists;

		if (nono_profile_expand(&p->penv,
					p->profile->fs.keep_read_only.v[i], &x,
					msg, sizeof(msg)) < 0)
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

/* The agent configuration of the table that @canon is, or -1.  Each is
 * compared canonical (a symlinked ~/.claude.json by its target, as the
 * grant and the bypass name it). */
static long agent_config(const struct nono_plan *p, const char *canon)
{
	for (size_t i = 0; p->home && i < nono_agentcfg_count(); i++) {
		char abs[PATH_MAX], *c = NULL;
		bool exists, same;

		if ((size_t)snprintf(abs, sizeof(abs), "%s/%s", p->home,
				     nono_agentcfg_at(i)->rel) >= sizeof(abs) ||
		    nono_path_canon(abs, &c, &exists) < 0)
			continue;
		same = strcmp(c, canon) == 0;
		free(c);
		if (same)
			return (long)i;
	}
	return -1;
}

int plan_bypass(const struct run_opts *o, struct nono_plan *p)
{

	if (o->legacy_bypass)
		plan_note(
		    &p->msgs, PLAN_WARN,
		    "--override-deny is deprecated and will be removed; use "
		    "--bypass-protection");
	if (o->bypass.n == 0)
		return 0;
	p->bypass = calloc(o->bypass.n, sizeof(*p->bypass));
	if (!p->bypass) {
		plan_fail(&p->msgs, -ENOMEM, NULL, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < o->bypass.n; i++) {
		const struct nono_protect_item *it;
		const struct nono_grant *g;
		bool exists;
		char *canon = plan_canon_user(p, "--bypass-protection",
					      o->bypass.v[i], &exists);

		if (!canon)
			return -1;
		it = nono_protect_match(p->home, canon);
		if (it && !it->bypassable) {
			plan_fail(&p->msgs, -EINVAL, NULL,
				  "--bypass-protection %s: the %s is never "
				  "reachable from inside the sandbox",
				  o->bypass.v[i], it->what);
			return -1;
		}
		if (!it && !is_persist_path(p->caps, canon) &&
		    !profile_keeps(p, canon) && agent_config(p, canon) < 0) {
			plan_fail(&p->msgs, -EINVAL, NULL,
				  "--bypass-protection %s: not a protected "
				  "path; nothing to bypass",
				  o->bypass.v[i]);
			return -1;
		}
		if (!nono_caps_allows(p->caps, canon, NONO_ACCESS_READ, &g) &&
		    !nono_caps_allows(p->caps, canon, NONO_ACCESS_WRITE, &g)) {
			plan_fail(&p->msgs, -EINVAL, NULL,
				  "--bypass-protection %s: no matching grant",
				  o->bypass.v[i]);
			plan_hint(&p->msgs,
				  "--bypass-protection only removes the deny; "
				  "also grant it with --allow, --read, --write "
				  "or a file equivalent");
			return -1;
		}
		plan_note(&p->msgs, PLAN_SECURITY,
			  "protection bypassed for %s (%s)", canon,
			  it                            ? it->what
			  : agent_config(p, canon) >= 0 ? "agent configuration"
							: "persistence file");
		p->bypass[p->nbypass++] = canon;
	}
	return 0;
}

/* Landlock cannot deny below a grant; without a namespace to hide them,
 * refuse to start and name what would have been exposed. */
int plan_fail_no_userns(const struct nono_caps *caps, struct plan_msgs *m)
{
	char list[1024] = "";
	size_t used = 0;

	for (size_t i = 0; i < nono_caps_mask_count(caps); i++) {
		int n =
		    snprintf(list + used, sizeof(list) - used, "%s%s",
			     i ? ", " : "", nono_caps_mask_at(caps, i)->path);

		if (n < 0 || (size_t)n >= sizeof(list) - used)
			break;
		used += (size_t)n;
	}
	plan_fail(m, -EINVAL, NULL,
		  "grants cover protected paths that Landlock cannot deny, "
		  "and user namespaces are unavailable to hide them: %s",
		  list);
	plan_hint(m, "grant narrower directories, lift a protection with "
		     "--bypass-protection PATH, or enable unprivileged user "
		     "namespaces (sysctl kernel.unprivileged_userns_clone=1)");
	return -1;
}

/* Records @canon as a keep (for why). */
static int keep_target(struct nono_plan *p, const char *canon)
{
	char *dup = strdup(canon);

	if (!dup || strv_push(&p->keep_targets, dup) < 0) {
		free(dup);
		return -ENOMEM;
	}
	return 0;
}

/* A profile's keep_read_only: read-only where they exist, and (nono run)
 * not creatable; each --bypass-protection PATH lifts one. */
static int plan_profile_keeps(struct nono_plan *p)
{
	char msg[256], refuse[PATH_MAX];

	for (size_t i = 0; p->profile && i < p->profile->fs.keep_read_only.n;
	     i++) {
		char *x = NULL, *canon = NULL;
		bool exists, lifted = false;
		int r;

		if (nono_profile_expand(&p->penv,
					p->profile->fs.keep_read_only.v[i], &x,
					msg, sizeof(msg)) < 0) {
			plan_fail(&p->msgs, -EINVAL, NULL,
				  "profile %s: filesystem.keep_read_only: %s",
				  p->profile->name, msg);
			return -1;
		}
		canon = keep_path(x);
		if (!canon) {
			plan_fail(&p->msgs, -EINVAL, NULL,
				  "profile %s: filesystem.keep_read_only: %s: "
				  "not a path to a file or directory",
				  p->profile->name, x);
			free(x);
			return -1;
		}
		/* A bypass names the path or, resolved, its target. */
		{
			char *t = NULL;

			for (size_t k = 0; k < p->nbypass; k++)
				lifted =
				    lifted || strcmp(p->bypass[k], canon) == 0;
			if (!lifted && nono_path_canon(x, &t, &exists) == 0)
				for (size_t k = 0; k < p->nbypass; k++)
					lifted = lifted ||
						 strcmp(p->bypass[k], t) == 0;
			free(t);
		}
		free(x);
		r = lifted ? 0
			   : nono_protect_plan_keep(p->caps, canon, &p->prot,
						    refuse, sizeof(refuse));
		if (r == 0 && !lifted)
			r = keep_target(p, canon);
		free(canon);
		if (r == 0 && !lifted) {
			char *dup = strdup(refuse);

			if (!dup || strv_push(&p->kept, dup) < 0) {
				free(dup);
				r = -ENOMEM;
			}
		}
		if (r < 0) {
			plan_fail(&p->msgs, -EINVAL, NULL,
				  "profile %s: filesystem.keep_read_only: %s",
				  p->profile->name, strerror(-r));
			return -1;
		}
	}
	return 0;
}

/* The first directory at or above @path that exists, into @out. */
static void existing_above(const char *path, char *out, size_t len)
{
	struct stat st;
	char *slash;

	snprintf(out, len, "%s", path);
	while (lstat(out, &st) < 0 && (slash = strrchr(out, '/')) != NULL) {
		if (slash == out) {
			out[1] = '\0';
			break;
		}
		*slash = '\0';
	}
}

/* The writable grants, gathered once for the keeps (a run with 200
 * --read grants walked them all some 70 times per keep). */
struct wroots {
	const char *path[64];
	bool file[64];
	size_t n;
	bool many; /* more than fit: every check answers "maybe" */
};

static void wroots_of(const struct nono_plan *p, struct wroots *w)
{
	memset(w, 0, sizeof(*w));
	for (size_t i = 0; i < nono_caps_path_count(p->caps); i++) {
		const struct nono_grant *g = nono_caps_path_at(p->caps, i);

		if (!(g->access & NONO_ACCESS_WRITE))
			continue;
		if (w->n == sizeof(w->path) / sizeof(w->path[0])) {
			w->many = true;
			return;
		}
		w->path[w->n] = g->path;
		w->file[w->n++] = (g->flags & NONO_GRANT_FILE) != 0;
	}
}

/* Some writable grant may cover @canon (a cheap first look). */
static bool wcovers(const struct wroots *w, const char *canon)
{
	if (w->many)
		return true;
	for (size_t i = 0; i < w->n; i++)
		if (w->file[i] ? strcmp(canon, w->path[i]) == 0
			       : nono_path_is_under(canon, w->path[i]))
			return true;
	return false;
}

/* One of nono's own keeps (@canon): read-only where it exists under a
 * writable grant.  Missing, in a sealed tree the gate refuses the name
 * itself wherever it is made, its parents staying creatable (~/.cargo for
 * the registry, never ~/.cargo/bin); elsewhere the first missing
 * component is refused, as a profile's keep_read_only.  Outside the
 * writable grants it is only listed: capability elevation never offers
 * it. */
static int builtin_keep(struct nono_plan *p, const struct wroots *w,
			const char *canon)
{
	char refuse[PATH_MAX], above[PATH_MAX];
	struct stat st;
	char *dup;
	int r;

	for (size_t k = 0; k < p->kept.n; k++)
		if (strcmp(p->kept.v[k], canon) == 0)
			return 0;
	for (size_t k = 0; k < p->nbypass; k++)
		if (nono_path_is_under(canon, p->bypass[k]))
			return 0;
	snprintf(refuse, sizeof(refuse), "%s", canon);
	/* Under no writable grant (the usual case for a project's run):
	 * listed, with no look at the disk. */
	above[0] = '\0';
	if (wcovers(w, canon) &&
	    nono_caps_allows(p->caps, canon, NONO_ACCESS_WRITE, NULL))
		existing_above(canon, above, sizeof(above));
	if (above[0] &&
	    nono_caps_allows(p->caps, above, NONO_ACCESS_WRITE, NULL) &&
	    (lstat(canon, &st) == 0 || !nono_caps_sealed(p->caps, above))) {
		r = nono_protect_plan_keep(p->caps, canon, &p->prot, refuse,
					   sizeof(refuse));
		if (r < 0)
			return r;
	}
	dup = strdup(refuse);
	if (!dup || strv_push(&p->kept, dup) < 0) {
		free(dup);
		return -ENOMEM;
	}
	return keep_target(p, canon);
}

/* A keep at @canon would take more than it means: it is at or above the
 * working directory, the home or a writable grant's root (PATH=$HOME:...
 * would make the whole home read-only). */
static bool too_wide(const struct nono_plan *p, const struct wroots *w,
		     const char *canon)
{
	if (strcmp(canon, "/") == 0 ||
	    (p->cwd && nono_path_is_under(p->cwd, canon)) ||
	    (p->home && nono_path_is_under(p->home, canon)))
		return true;
	if (w->many)
		for (size_t i = 0; i < nono_caps_path_count(p->caps); i++) {
			const struct nono_grant *g =
			    nono_caps_path_at(p->caps, i);

			if ((g->access & NONO_ACCESS_WRITE) &&
			    !(g->flags & NONO_GRANT_FILE) &&
			    nono_path_is_under(g->path, canon))
				return true;
		}
	for (size_t i = 0; !w->many && i < w->n; i++)
		if (!w->file[i] && nono_path_is_under(w->path[i], canon))
			return true;
	return false;
}

/* In the project: below a working directory that is not the home or
 * above it (a virtualenv's bin there is the command's to fill). */
static bool in_project(const struct nono_plan *p, const char *canon)
{
	return p->cwd && strcmp(p->cwd, "/") != 0 &&
	       !(p->home && nono_path_is_under(p->home, p->cwd)) &&
	       nono_path_is_under(canon, p->cwd);
}

/* A PATH entry @e (absolute, as written): the directory, and each symlink
 * on the way to it by name (re-pointed, ~/.nix-profile or
 * ~/tools/current would lead PATH elsewhere; review 2 of session 16). */
static int keep_path_entry(struct nono_plan *p, const struct wroots *w,
			   const char *e)
{
	const char *raw_home = getenv("HOME");
	char folded[PATH_MAX] = "/";
	bool near;
	int r = 0;

	if (nono_path_fold(folded, sizeof(folded), e) < 0)
		return 0;
	/* Where a writable grant may lead: under one as written, or under
	 * the home however it is spelled.  Elsewhere (/usr/bin) the entry is
	 * only listed, as written, for elevation: no lookup at all. */
	near = wcovers(w, folded) ||
	       (p->home && nono_path_is_under(folded, p->home)) ||
	       (raw_home && raw_home[0] == '/' &&
		nono_path_is_under(folded, raw_home));
	if (!near)
		return too_wide(p, w, folded) || in_project(p, folded)
			   ? 0
			   : builtin_keep(p, w, folded);
	for (char *s = folded + 1; r == 0; s++) {
		struct stat st;
		char c = *s;
		char *canon = NULL;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		/* A canonical name only for what is kept (a lookup each); a
		 * symlink matters where the sandbox could re-point it. */
		if (c == '\0' ||
		    (lstat(folded, &st) == 0 && S_ISLNK(st.st_mode)))
			canon = keep_path(folded);
		if (canon && !in_project(p, canon)) {
			if (!too_wide(p, w, canon))
				r = builtin_keep(p, w, canon);
			else if (c == '\0')
				plan_note(&p->msgs, PLAN_VERBOSE,
					  "PATH holds %s, at or above a "
					  "writable grant or the working "
					  "directory: not kept read-only",
					  canon);
		}
		free(canon);
		*s = c;
		if (!c)
			break;
	}
	return r;
}

/*
 * What runs code outside later from below a writable grant, by where it
 * is rather than by a name at a grant's root: every directory on the
 * user's PATH (a binary there shadows the system's at the next command:
 * ~/bin, ~/.cargo/bin, ~/go/bin, ...), except the project's own, the
 * usual tools' bin directories whether or not this PATH has them (nono
 * started from a launcher has a short one), and start-up configuration
 * under directories that also hold caches.
 */
static int plan_builtin_keeps(struct nono_plan *p)
{
	static const char *const home_rel[] = {
	    ".cargo/bin",
	    ".cargo/config.toml",
	    ".cargo/config",
	    "go/bin",
	    ".deno/bin",
	    ".bun/bin",
	    ".npm-global/bin",
	    ".yarn/bin",
	    ".local/share/pnpm",
	    ".dotnet/tools",
	    ".cabal/bin",
	    ".ghcup/bin",
	    ".pub-cache/bin",
	    ".krew/bin",
	    ".julia/config",
	    ".gradle/init.d",
	    ".gradle/init.gradle",
	    ".gradle/init.gradle.kts",
	    /* org.gradle.jvmargs=-javaagent:... runs in every build. */
	    ".gradle/gradle.properties",
	    ".local/share/fish/vendor_conf.d",
	    ".local/share/fish/vendor_functions.d",
	    ".local/share/fish/vendor_completions.d",
	    ".claude/settings.json",
	    ".claude/settings.local.json",
	    ".codex/config.toml",
	};
	const char *path = getenv("PATH"), *gobin = getenv("GOBIN");
	char *list = path ? strdup(path) : NULL, *save = NULL;
	struct wroots w;
	int r = 0;

	wroots_of(p, &w);

	if (path && !list)
		return -ENOMEM;
	for (char *e = list ? strtok_r(list, ":", &save) : NULL; e && r == 0;
	     e = strtok_r(NULL, ":", &save))
		if (e[0] == '/')
			r = keep_path_entry(p, &w, e);
	free(list);
	if (r == 0 && gobin && gobin[0] == '/')
		r = keep_path_entry(p, &w, gobin);
	for (size_t i = 0;
	     r == 0 && p->home && i < sizeof(home_rel) / sizeof(home_rel[0]);
	     i++) {
		char full[PATH_MAX];

		snprintf(full, sizeof(full), "%s/%s", p->home, home_rel[i]);
		if (!too_wide(p, &w, full) && !in_project(p, full))
			r = builtin_keep(p, &w, full);
	}
	return r;
}

/* Claude Code settings' hooks and helpers run what they name without
 * asking (policy/hookrefs.c): each such file under a writable grant is
 * kept as the settings file is (review r5, #5). */
struct hookctx {
	struct nono_plan *p;
	const struct wroots *w;
};

static int hook_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int hook_keep(const char *path, void *arg)
{
	struct hookctx *h = arg;
	char *canon = NULL;
	bool exists;
	int r = 0;

	if (nono_path_canon(path, &canon, &exists) < 0)
		return 0;
	if (wcovers(h->w, canon) &&
	    nono_caps_allows(h->p->caps, canon, NONO_ACCESS_WRITE, NULL) &&
	    !too_wide(h->p, h->w, canon))
		r = builtin_keep(h->p, h->w, canon);
	free(canon);
	return r;
}

static int keep_hooks_of(struct nono_plan *p, const struct wroots *w,
			 const char *dir, const char *project)
{
	static const char *const names[] = {"settings.json",
					    "settings.local.json"};
	struct hookctx h = {p, w};

	for (size_t i = 0; i < 2; i++) {
		char path[PATH_MAX], *text;
		nono_autoclose int fd = -1;
		struct stat st;
		ssize_t n;
		int r;

		if ((size_t)snprintf(path, sizeof(path), "%s/.claude/%s", dir,
				     names[i]) >= sizeof(path))
			continue;
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
		    st.st_size <= 0 || st.st_size > NONO_JSON_MAX_TEXT)
			continue;
		text = malloc((size_t)st.st_size);
		if (!text)
			return -ENOMEM;
		n = read(fd, text, (size_t)st.st_size);
		r = n > 0
			? nono_hookrefs_each(text, (size_t)n, project, p->home,
					     hook_exists, hook_keep, &h)
			: 0;
		free(text);
		if (r < 0 && r != -EINVAL)
			return r;
	}
	return 0;
}

static int plan_hook_keeps(struct nono_plan *p)
{
	struct wroots w;
	int r = 0;

	if (!p->cwd)
		return 0;
	wroots_of(p, &w);
	if (p->home)
		r = keep_hooks_of(p, &w, p->home, p->cwd);
	if (r == 0 && (!p->home || strcmp(p->home, p->cwd) != 0))
		r = keep_hooks_of(p, &w, p->cwd, p->cwd);
	for (size_t i = 0; r == 0 && i < nono_caps_path_count(p->caps); i++) {
		const struct nono_grant *g = nono_caps_path_at(p->caps, i);

		if ((g->access & NONO_ACCESS_WRITE) &&
		    !(g->flags & NONO_GRANT_FILE) &&
		    nono_caps_sealed(p->caps, g->path) &&
		    strcmp(g->path, p->cwd) != 0 &&
		    (!p->home || strcmp(g->path, p->home) != 0))
			r = keep_hooks_of(p, &w, g->path, g->path);
	}
	return r;
}

static int plan_profile_denies(struct nono_plan *p)
{
	char why[PATH_MAX], msg[256];

	for (size_t i = 0; p->profile && i < p->profile->fs.deny.n; i++) {
		char *x = NULL, *canon = NULL;
		bool exists;
		int r;

		if (nono_profile_expand(&p->penv, p->profile->fs.deny.v[i], &x,
					msg, sizeof(msg)) < 0) {
			plan_fail(&p->msgs, -EINVAL, NULL,
				  "profile %s: filesystem.deny: %s",
				  p->profile->name, msg);
			return -1;
		}
		r = nono_path_canon(x, &canon, &exists);
		free(x);
		if (r == 0) {
			/* Never served or offered, masked or not. */
			char *keep = strdup(canon);

			if (!keep || strv_push(&p->never_deny, keep) < 0)
				free(keep);
		}
		if (r < 0 || !exists) {
			free(canon);
			continue; /* nothing there to hide */
		}
		r = nono_protect_plan_deny(p->caps, canon, &p->prot, why,
					   sizeof(why));
		free(canon);
		if (r == -NONO_ECONFLICT) {
			plan_fail(&p->msgs, -EINVAL, NULL,
				  "grant names a path the profile %s denies: "
				  "%s",
				  p->profile->name, why);
			plan_hint(&p->msgs,
				  "grant a narrower path, or remove the entry "
				  "from filesystem.deny");
			return -1;
		}
		if (r < 0) {
			plan_fail(&p->msgs, -EINVAL, NULL,
				  "profile %s: filesystem.deny: %s",
				  p->profile->name, nono_strerror(r));
			return -1;
		}
	}
	return 0;
}

static int want(struct nono_plan *p, const char *path, bool parents, bool file)
{
	struct plan_mkdir *v;
	char *copy;

	if (plan_will_make(p, path))
		return 0;
	v = realloc(p->mk, (p->nmk + 1) * sizeof(*v));
	if (!v)
		return plan_fail(&p->msgs, -ENOMEM, NULL, "out of memory");
	p->mk = v;
	copy = strdup(path);
	if (!copy)
		return plan_fail(&p->msgs, -ENOMEM, NULL, "out of memory");
	p->mk[p->nmk].path = copy;
	p->mk[p->nmk].file = file;
	p->mk[p->nmk].nofollow = false;
	p->mk[p->nmk++].parents = parents;
	return 0;
}

/* A directory made with its parents, following no symlink on the way. */
static int want_dir_nofollow(struct nono_plan *p, const char *path)
{
	if (plan_will_make(p, path))
		return 0;
	if (want(p, path, true, false) < 0)
		return -1;
	p->mk[p->nmk - 1].nofollow = true;
	return 0;
}

static int want_dir(struct nono_plan *p, const char *path, bool parents)
{
	return want(p, path, parents, false);
}

int plan_want_dir(struct nono_plan *p, const char *path, bool parents)
{
	return want(p, path, parents, false);
}

int plan_want_file(struct nono_plan *p, const char *path)
{
	return want(p, path, true, true);
}

/* A profile's state file: its directories, then the file, 0600, with
 * O_EXCL (what exists is never touched). */
static int make_file(const char *path)
{
	size_t n = strlen(path);
	bool json = n > 5 && strcmp(path + n - 5, ".json") == 0;
	int fd, r = nono_mkdirs(path, false);

	if (r < 0)
		return r;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0)
		return -errno;
	if (json && write(fd, "{}\n", 3) != 3) {
		r = -errno;
		close(fd);
		unlink(path);
		return r ? r : -EIO;
	}
	if (close(fd) < 0)
		return -errno;
	return 0;
}

/*
 * What a run makes before protection is planned, when a writable grant
 * covers it: nono's state and configuration directories and the two $HOME
 * directories that are pinned and guarded (what exists can be hidden,
 * pinned or guarded; what the child would create could not: a
 * ~/.config/nono/profiles it wrote is what the next run grants), then
 * $XDG_CONFIG_HOME/nono when the variable is set, then the missing
 * credential directories of the deny groups.
 */
int plan_dirs(struct nono_plan *p)
{
	static const char *const made[] = {".nono", ".config", ".config/nono",
					   ".local"};
	const char *xdg = getenv("XDG_CONFIG_HOME");
	char path[PATH_MAX], src[PATH_MAX];
	struct stat st;
	size_t pos = 0;

	for (size_t i = 0; p->home && i < sizeof(made) / sizeof(made[0]); i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", p->home,
				     made[i]) >= sizeof(path))
			continue;
		if (nono_caps_allows(p->caps, path, NONO_ACCESS_WRITE, NULL) &&
		    lstat(path, &st) < 0 && want_dir(p, path, false) < 0)
			return -1;
	}
	/* $XDG_CONFIG_HOME itself is not made: only its nono directory. */
	if (xdg && xdg[0] == '/' &&
	    (size_t)snprintf(path, sizeof(path), "%s/nono", xdg) <
		sizeof(path) &&
	    nono_caps_allows(p->caps, path, NONO_ACCESS_WRITE, NULL) &&
	    lstat(path, &st) < 0 && want_dir(p, path, false) < 0)
		return -1;
	while (nono_protect_missing_next(p->caps, p->home, p->bypass,
					 p->nbypass, &pos, path, sizeof(path)))
		if (want_dir(p, path, true) < 0)
			return -1;
	/* The sandbox's own copies of tool directories, and where they are
	 * mounted. */
	pos = 0;
	while (nono_protect_private_next(p->caps, p->home, p->bypass,
					 p->nbypass, &pos, path, src,
					 sizeof(path)))
		if ((lstat(path, &st) < 0 && want_dir(p, path, true) < 0) ||
		    (lstat(src, &st) < 0 && want_dir_nofollow(p, src) < 0))
			return -1;
	return 0;
}

int plan_make_dirs(struct nono_plan *p)
{
	for (size_t i = 0; i < p->nmk; i++) {
		const struct plan_mkdir *m = &p->mk[i];
		int r = m->file       ? make_file(m->path)
			: m->nofollow ? nono_mkdirs_nofollow(m->path)
			: m->parents  ? nono_mkdirs(m->path, true)
				      : (mkdir(m->path, 0700) < 0 ? -errno : 0);

		/* A directory whose parent is missing (no $XDG_CONFIG_HOME)
		 * is simply not there to protect. */
		if (r == -EEXIST || (r == -ENOENT && !m->parents))
			continue;
		if (r < 0)
			return plan_fail(&p->msgs, r, m->path,
					 "cannot create %s: %s", m->path,
					 strerror(-r));
	}
	return 0;
}

/* $XDG_CONFIG_HOME/nono, where nono reads its configuration when the
 * variable is set: protected like ~/.config/nono. */
static int plan_xdg_config(struct nono_plan *p, char *why, size_t whylen)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	char dir[PATH_MAX], canon[PATH_MAX];

	if (!xdg || xdg[0] != '/' ||
	    (size_t)snprintf(dir, sizeof(dir), "%s/nono", xdg) >= sizeof(dir))
		return 0;
	if (!realpath(dir, canon))
		return 0;
	{
		/* Never served or offered, whether or not a grant covers
		 * it (then it is masked too). */
		char *keep = strdup(canon);

		if (!keep || strv_push(&p->never_secret, keep) < 0)
			free(keep);
	}
	return nono_protect_plan_state(p->caps, canon, &p->prot, why, whylen);
}

/* A file:// secret reference @ref (others are not files): its file is
 * never served or offered.  Comma lists are split. */
static void never_ref(struct nono_plan *p, const char *ref)
{
	const char *s = ref;

	while (s && *s) {
		const char *end = strchr(s, ',');
		size_t n = end ? (size_t)(end - s) : strlen(s);
		char path[PATH_MAX], *canon = NULL;
		bool exists;

		if (n > 7 && strncmp(s, "file://", 7) == 0 &&
		    n - 7 < sizeof(path)) {
			memcpy(path, s + 7, n - 7);
			path[n - 7] = '\0';
			if (nono_path_canon(path, &canon, &exists) == 0 &&
			    strv_push(&p->never_secret, canon) == 0)
				canon = NULL;
			free(canon);
		}
		s = end ? end + 1 : NULL;
	}
}

static void plan_never_secrets(const struct run_opts *o, struct nono_plan *p)
{
	for (size_t i = 0; i < p->creds.n; i++)
		if (p->creds.r[i].key)
			never_ref(p, p->creds.r[i].key);
	for (size_t i = 0; i < o->env_credential.n; i++)
		never_ref(p, o->env_credential.v[i]);
	for (size_t i = 0; i < o->env_credential_map.n; i++)
		never_ref(p, o->env_credential_map.v[i]);
	if (o->audit_sign_key)
		never_ref(p, o->audit_sign_key);
}

/*
 * The agent configurations (policy/agentcfg.h) the sandbox can write: a
 * supervised run puts their code-carrying keys back at its end, unless
 * --bypass-protection names the file.  nono wrap has no supervisor left
 * at the end to do it, so it refuses (the sandbox could plant an MCP
 * server that the agent starts, unsandboxed, at its next launch).
 */
static int plan_agent_configs(const struct run_opts *o, struct nono_plan *p)
{
	p->agentcfg = 0;
	for (size_t i = 0; p->home && i < nono_agentcfg_count(); i++) {
		const struct nono_agentcfg *g = nono_agentcfg_at(i);
		struct plan_verdict *v;
		char abs[PATH_MAX], *canon = NULL;
		bool exists, lifted = false, writable;

		if ((size_t)snprintf(abs, sizeof(abs), "%s/%s", p->home,
				     g->rel) >= sizeof(abs) ||
		    nono_path_canon(abs, &canon, &exists) < 0)
			continue;
		v = calloc(1, sizeof(*v));
		if (!v) {
			free(canon);
			return plan_fail(&p->msgs, -ENOMEM, NULL,
					 "out of memory");
		}
		plan_why_path(p, NONO_ACCESS_WRITE, canon, exists, v);
		writable = v->allowed;
		free(v);
		for (size_t k = 0; k < p->nbypass; k++)
			lifted = lifted || strcmp(p->bypass[k], canon) == 0;
		free(canon);
		if (!writable || lifted)
			continue;
		if (o->mode == MODE_WRAP && !o->dry_run) {
			plan_fail(&p->msgs, -EINVAL, NULL,
				  "nono wrap cannot guard ~/%s: the sandbox "
				  "can write it, and %s starts the programs "
				  "it names outside the sandbox; nono run "
				  "puts those keys back when the session "
				  "ends",
				  g->rel, g->agent);
			plan_hint(&p->msgs,
				  "use nono run, or let the sandbox change "
				  "them: --bypass-protection ~/%s",
				  g->rel);
			return -1;
		}
		p->agentcfg |= 1u << i;
		plan_note(&p->msgs, PLAN_VERBOSE,
			  "~/%s: the keys with which %s starts programs "
			  "(MCP servers, env, approvals) are put back at the "
			  "end of the session if the sandbox changes them",
			  g->rel, g->agent);
	}
	return 0;
}

int plan_protect(const struct run_opts *o, struct nono_plan *p)
{
	char why[PATH_MAX];
	int r;

	r = nono_protect_plan(p->caps, p->home, p->cwd, p->bypass, p->nbypass,
			      &p->prot, why, sizeof(why));
	if (r == 0)
		r = plan_xdg_config(p, why, sizeof(why));
	if (r == -NONO_ECONFLICT) {
		plan_fail(&p->msgs, r, why, "grant names a protected path: %s",
			  why);
		plan_hint(&p->msgs, "to grant it deliberately, add "
				    "--bypass-protection with that path");
		return -1;
	}
	if (r == -ELOOP && why[0])
		return plan_fail(&p->msgs, r, NULL, "%s", why);
	if (r < 0)
		return plan_fail(&p->msgs, r, NULL,
				 "planning protected paths: %s",
				 nono_strerror(r));
	if (plan_profile_denies(p) < 0 || plan_profile_keeps(p) < 0)
		return -1;
	r = plan_builtin_keeps(p);
	if (r == 0)
		r = plan_hook_keeps(p);
	if (r < 0)
		return plan_fail(&p->msgs, r, NULL,
				 "planning the PATH's directories: %s",
				 nono_strerror(r));
	plan_never_secrets(o, p);
	/* Supervised runs also guard creation of protected names that do
	 * not exist yet (wrap has no supervisor to decide it). */
	if (o->mode == MODE_WRAP && !o->dry_run) {
		for (size_t i = 0; i < nono_caps_path_count(p->caps); i++) {
			const struct nono_grant *g =
			    nono_caps_path_at(p->caps, i);

			if ((g->access & NONO_ACCESS_WRITE) &&
			    !(g->flags & NONO_GRANT_FILE) &&
			    (g->origin == NONO_ORIGIN_USER ||
			     g->origin == NONO_ORIGIN_CWD)) {
				plan_note(&p->msgs, PLAN_WARN,
					  "nono wrap has no supervisor: "
					  "missing persistence files "
					  "(.git/hooks, .envrc, ...) can be "
					  "created in %s; nono run guards "
					  "them",
					  g->path);
				break;
			}
		}
	}
	if (nono_caps_gate(p->caps)) {
		r = nono_protect_plan_guards(p->caps, p->home, p->cwd, why,
					     sizeof(why));
		if (r < 0)
			return plan_fail(
			    &p->msgs, r, why[0] ? why : NULL, "guarding %s: %s",
			    why[0] ? why : "grants", nono_strerror(r));
	}
	return plan_agent_configs(o, p);
}
