// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nono/caps.h"
#include "plan/plan.h"
#include "plan/plan_internal.h"
#include "plan/profile_apply.h"
#include "policy/envclean.h"
#include "policy/protect.h"
#include "policy/system.h"
#include "util/errbuf.h"

/* Deny groups (required) and grant groups (optional). */
static bool group_known(const char *name, bool *required)
{
	if (nono_protect_group_known(name, required))
		return true;
	*required = false;
	return nono_policy_group_find(name) != NULL;
}

void plan_profile_env(struct nono_profile_env *env, const char *home,
		      const char *workdir)
{
	static char config_dir[PATH_MAX];
	const char *xdg = getenv("XDG_CONFIG_HOME");

	if (xdg && xdg[0] == '/')
		snprintf(config_dir, sizeof(config_dir), "%s/nono", xdg);
	else if (home)
		snprintf(config_dir, sizeof(config_dir), "%s/.config/nono",
			 home);
	else
		config_dir[0] = '\0';
	env->home = home;
	env->workdir = workdir;
	env->config_dir = config_dir[0] ? config_dir : NULL;
	env->group_known = group_known;
}

/* Expands each of @in into @out (kept alive by the plan), remembering
 * that @key put it there. */
static int add_paths(struct nono_plan *pl, const struct nono_profile *p,
		     const struct nono_profile_env *env, const char *key,
		     const struct nono_plist *in, struct strv *out,
		     struct strv *owned, char *err, size_t errlen)
{
	for (size_t i = 0; i < in->n; i++) {
		char msg[256];
		char *x;

		if (nono_profile_expand(env, in->v[i], &x, msg, sizeof(msg)) <
		    0)
			return nono_errf(err, errlen, "profile %s: %s: %s",
					 p->name, key, msg);
		if (strv_push(owned, x) < 0) {
			free(x);
			return nono_errf(err, errlen,
					 "profile %s: too many paths", p->name);
		}
		if (strv_push(out, x) < 0)
			return nono_errf(err, errlen,
					 "profile %s: %s: too many paths",
					 p->name, key);
		if (plan_add_source(pl, x, key) < 0)
			return nono_errf(err, errlen, "out of memory");
	}
	return 0;
}

/*
 * An agent's own state directories and files (~/.codex,
 * ~/.config/opencode, ~/.claude.json) do not exist before its first run,
 * and the agent cannot create them from inside the sandbox ($HOME is not
 * writable there).  The writable directories and files a profile grants
 * below $HOME are listed for the run to make first (0700 and 0600,
 * plan_make_dirs), unless the path is protected or a login-time location.
 * Returns 0, or -1 with the plan's error.
 */
static int want_state(struct nono_plan *pl, const struct nono_profile *p,
		      const char *home, const char *path, bool file)
{
	/* Login-time and git configuration: never made by nono, even as
	 * an empty directory (see the home persistence list of protect.c). */
	static const char *const never[] = {
	    ".config/autostart", ".config/systemd", ".config/environment.d",
	    ".config/git",       ".nono",           ".gitconfig",
	    ".xprofile",         ".xsession",       ".xsessionrc",
	    ".pam_environment",
	};
	size_t hl = home ? strlen(home) : 0;
	struct stat st;

	if (!home || strncmp(path, home, hl) != 0 || path[hl] != '/' ||
	    strstr(path, "/../") || strstr(path, "/./") ||
	    lstat(path, &st) == 0 || errno != ENOENT)
		return 0;
	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
		size_t n = strlen(never[i]);

		if (strncmp(path + hl + 1, never[i], n) == 0 &&
		    (path[hl + 1 + n] == '/' || path[hl + 1 + n] == '\0'))
			return 0;
	}
	if (nono_protect_match(home, path))
		return 0;
	plan_note(&pl->msgs, PLAN_VERBOSE,
		  "profile %s: %s is made first (its state %s)", p->name, path,
		  file ? "file" : "directory");
	return file ? plan_want_file(pl, path) : plan_want_dir(pl, path, true);
}

/* security.capability_elevation, where no flag or variable said (they
 * win). */
static int apply_elevation(const struct nono_profile *p, struct run_opts *o,
			   char *err, size_t errlen)
{
	if (o->elevation_set || p->security.capability_elevation < 0)
		return 0;
	if (p->security.capability_elevation == 1 && o->mode == MODE_WRAP)
		return nono_errf(err, errlen,
				 "profile %s: security.capability_elevation "
				 "needs nono run (nono wrap has no supervisor "
				 "to ask and serve)",
				 p->name);
	o->elevation = p->security.capability_elevation == 1;
	return 0;
}

int plan_profile_apply(struct nono_plan *pl, struct run_opts *o, char *err,
		       size_t errlen)
{
	const struct nono_profile *p = pl->profile;
	const struct nono_profile_env *env = &pl->penv;
	struct strv *owned = &pl->owned;
	const struct {
		const char *key;
		const struct nono_plist *in;
		struct strv *out;
	} lists[] = {
	    {"filesystem.allow", &p->fs.allow, &o->allow},
	    {"filesystem.read", &p->fs.read, &o->read},
	    {"filesystem.write", &p->fs.write, &o->write},
	    {"filesystem.allow_file", &p->fs.allow_file, &o->allow_file},
	    {"filesystem.read_file", &p->fs.read_file, &o->read_file},
	    {"filesystem.write_file", &p->fs.write_file, &o->write_file},
	    {"filesystem.bypass_protection", &p->fs.bypass_protection,
	     &o->bypass},
	    {"filesystem.unix_socket", &p->fs.unix_socket, &o->sock},
	    {"filesystem.unix_socket_bind", &p->fs.unix_socket_bind,
	     &o->sock_bind},
	    {"filesystem.unix_socket_dir", &p->fs.unix_socket_dir,
	     &o->sock_dir},
	    {"filesystem.unix_socket_dir_bind", &p->fs.unix_socket_dir_bind,
	     &o->sock_dir_bind},
	    {"filesystem.unix_socket_subtree", &p->fs.unix_socket_subtree,
	     &o->sock_tree},
	    {"filesystem.unix_socket_subtree_bind",
	     &p->fs.unix_socket_subtree_bind, &o->sock_tree_bind},
	};
	unsigned access = NONO_ACCESS_READ;

	if (apply_elevation(p, o, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		size_t first = lists[i].out->n;

		bool file = lists[i].out == &o->allow_file ||
			    lists[i].out == &o->write_file;

		if (add_paths(pl, p, env, lists[i].key, lists[i].in,
			      lists[i].out, owned, err, errlen) < 0)
			return -1;
		if (lists[i].out != &o->allow && lists[i].out != &o->write &&
		    !file)
			continue;
		for (size_t k = first; k < lists[i].out->n; k++)
			if (want_state(pl, p, env->home, lists[i].out->v[k],
				       file) < 0)
				return nono_errf(err, errlen, "%s",
						 pl->msgs.err.text);
	}
	for (size_t i = 0; i < p->cmd_allow.n; i++)
		if (strv_push(&o->allow_cmd, p->cmd_allow.v[i]) < 0)
			return nono_errf(err, errlen, "too many commands");
	for (size_t i = 0; i < p->cmd_deny.n; i++)
		if (strv_push(&o->block_cmd, p->cmd_deny.v[i]) < 0)
			return nono_errf(err, errlen, "too many commands");
	/* Proxy mode: the profile's network profile unless a flag names
	 * one; its domains join the flags'. */
	if (!o->network_profile && p->net.network_profile)
		o->network_profile = p->net.network_profile;
	for (size_t i = 0; i < p->net.allow_domain.n; i++)
		if (strv_push(&o->allow_domain, p->net.allow_domain.v[i]) < 0)
			return nono_errf(err, errlen, "too many domains");
	/* Credential services: the profile's join the flags' (its
	 * custom_credentials are read where the proxy is set up). */
	for (size_t i = 0; i < p->net.credentials.n; i++)
		if (strv_push(&o->credential, p->net.credentials.v[i]) < 0)
			return nono_errf(err, errlen, "too many credentials");
	if (!o->upstream_proxy && p->net.upstream_proxy)
		o->upstream_proxy = p->net.upstream_proxy;
	for (size_t i = 0; i < p->net.upstream_bypass.n; i++)
		if (strv_push(&o->upstream_bypass,
			      p->net.upstream_bypass.v[i]) < 0)
			return nono_errf(err, errlen, "too many bypass hosts");
	for (size_t i = 0; i < p->net.listen_port.n; i++) {
		bool dup = false;

		for (size_t k = 0; k < o->nlisten; k++)
			dup |= o->listen_ports[k] == p->net.listen_port.v[i];
		if (dup)
			continue;
		if (o->nlisten >=
		    sizeof(o->listen_ports) / sizeof(o->listen_ports[0]))
			return nono_errf(err, errlen,
					 "profile %s: too many listen ports",
					 p->name);
		o->listen_ports[o->nlisten++] = p->net.listen_port.v[i];
	}
	/* A network flag (or its variable) wins over the profile. */
	if (o->net == NET_UNSET && p->net.block >= 0)
		o->net = p->net.block ? NET_BLOCK : NET_ALLOW;
	for (size_t i = 0; i < p->net.open_port.n; i++) {
		bool dup = false;

		for (size_t k = 0; k < o->nports; k++)
			dup |= o->ports[k] == p->net.open_port.v[i];
		if (dup)
			continue;
		if (o->nports >= sizeof(o->ports) / sizeof(o->ports[0]))
			return nono_errf(err, errlen,
					 "profile %s: too many open ports",
					 p->name);
		o->ports[o->nports++] = p->net.open_port.v[i];
	}
	/* No profile may bring back what environment hygiene drops. */
	for (size_t i = 0; i < p->env.set.n; i++) {
		size_t n = strcspn(p->env.set.v[i], "=");

		if (nono_env_is_dropped(p->env.set.v[i], n))
			return nono_errf(
			    err, errlen,
			    "profile %s: environment.set: %.*s can "
			    "inject code into the command and is "
			    "always dropped; remove it",
			    p->name, (int)n, p->env.set.v[i]);
	}
	/* The reference: with a profile, --allow-gpu needs its opt-in. */
	if (o->allow_gpu && p->security.allow_gpu != 1)
		return nono_errf(
		    err, errlen,
		    "--allow-gpu: profile %s does not opt into GPU "
		    "access (set \"security\": {\"allow_gpu\": true} in "
		    "it, or run without the profile)",
		    p->name);
	if (p->workdir_access) {
		if (strcmp(p->workdir_access, "none") == 0)
			access = 0;
		else if (strcmp(p->workdir_access, "write") == 0)
			access = NONO_ACCESS_WRITE;
		else if (strcmp(p->workdir_access, "readwrite") == 0)
			access = NONO_ACCESS_RW;
	}
	return (int)access;
}

/* True when @l names the variable of @entry ("NAME" or "NAME=value"
 * entries, either side). */
static bool listed(const struct nono_plist *l, const char *entry)
{
	size_t n = strcspn(entry, "=");

	for (size_t i = 0; i < l->n; i++)
		if (strcspn(l->v[i], "=") == n &&
		    strncmp(l->v[i], entry, n) == 0)
			return true;
	return false;
}

char **plan_profile_env_apply(const struct nono_profile *p, char **envp)
{
	size_t n = 0, k = 0;
	char **out;

	while (envp[n])
		n++;
	out = calloc(n + p->env.set.n + 1, sizeof(*out));
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (p->env.allow.n && !listed(&p->env.allow, envp[i]))
			continue;
		if (listed(&p->env.deny, envp[i]) ||
		    listed(&p->env.set, envp[i]))
			continue;
		out[k++] = envp[i];
	}
	for (size_t i = 0; i < p->env.set.n; i++)
		out[k++] = p->env.set.v[i];
	return out;
}
