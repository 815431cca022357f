// SPDX-License-Identifier: Apache-2.0
/*
 * The planner's entry points: the profile folded into the options, the
 * deprecated command lists, then the grants (grants.c), the network
 * (network.c), bypasses and the directories a run makes (protection.c).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nono/path.h"
#include "plan/plan.h"
#include "plan/plan_internal.h"
#include "plan/profile_apply.h"
#include "policy/cmdblock.h"

/* --workdir, then --profile: loads it and folds it into the options. */
static int load_profile(struct run_opts *o, struct nono_plan *p)
{
	char err[1024];
	int access;

	if (o->workdir) {
		bool exists;

		if (nono_path_canon(o->workdir, &p->workdir, &exists) < 0 ||
		    !exists)
			return plan_fail(&p->msgs, -ENOENT, o->workdir,
					 "--workdir %s: no such directory",
					 o->workdir);
	}
	if (!o->profile)
		return 0;
	plan_profile_env(&p->penv, p->home, p->workdir ? p->workdir : p->cwd);
	if (nono_profile_load(&p->penv, o->profile, &p->profile, err,
			      sizeof(err)) < 0)
		return plan_fail(&p->msgs, -EINVAL, o->profile, "%s", err);
	access = plan_profile_apply(p, o, err, sizeof(err));
	if (access < 0)
		return plan_fail(&p->msgs, -EINVAL, p->profile->name, "%s",
				 err);
	p->cwd_access = (unsigned)access;
	plan_note(&p->msgs, PLAN_VERBOSE, "profile %s (%s)", p->profile->name,
		  p->profile->source);
	return 0;
}

/* --allow-command / --block-command and the default start-up blocklist
 * (deprecated; not a boundary). */
static int check_commands(const struct run_opts *o, struct nono_plan *p,
			  const char *cmd)
{
	bool by_default;

	if (o->allow_cmd.n)
		plan_note(&p->msgs, PLAN_WARN,
			  "--allow-command is deprecated: it "
			  "only checks the directly invoked executable, and "
			  "child processes can bypass it");
	if (o->block_cmd.n)
		plan_note(&p->msgs, PLAN_WARN,
			  "--block-command is deprecated: it "
			  "only checks the directly invoked executable, and "
			  "child processes can bypass it");
	if (!nono_cmd_blocked(cmd, o->allow_cmd.v, o->allow_cmd.n,
			      o->block_cmd.v, o->block_cmd.n, &by_default))
		return 0;
	if (!by_default)
		return plan_fail(&p->msgs, -EPERM, cmd,
				 "command blocked: %s (--block-command)", cmd);
	plan_fail(&p->msgs, -EPERM, cmd,
		  "command blocked: %s is on the default start-up blocklist",
		  cmd);
	plan_hint(&p->msgs,
		  "the blocklist is deprecated and is not a "
		  "security boundary; to run it anyway add --allow-command %s",
		  cmd);
	return -1;
}

int plan_grants(struct run_opts *o, const char *home, plan_ask_fn ask,
		void *ask_arg, struct nono_plan *p)
{
	memset(p, 0, sizeof(*p));
	p->ask = ask;
	p->ask_arg = ask_arg;
	p->home = home;
	if (!home) {
		plan_fail(&p->msgs, -ENOENT, NULL,
			  "cannot determine the home directory to protect");
		plan_hint(&p->msgs, "set HOME");
		return -1;
	}
	/* Canonical, as every grant is: a HOME with a symlink on the way
	 * (HOME=/home/u where /home links to /srv/home) would otherwise
	 * match no grant, and the home's guards and protected paths would
	 * be planned on a name no rule names. */
	{
		char *hc = realpath(home, NULL);

		if (hc && strv_push(&p->owned, hc) < 0) {
			free(hc);
			return plan_fail(&p->msgs, -ENOMEM, NULL,
					 "out of memory");
		}
		if (hc)
			p->home = hc;
	}
	p->cwd = getcwd(NULL, 0);
	if (!p->cwd)
		return plan_fail(&p->msgs, -errno, NULL,
				 "cannot determine the current directory: %s",
				 strerror(errno));
	p->caps = nono_caps_new();
	if (!p->caps)
		return plan_fail(&p->msgs, -ENOMEM, NULL, "out of memory");
	p->cwd_access = NONO_ACCESS_READ;
	if (load_profile(o, p) < 0)
		return -1;
	if ((o->mode == MODE_RUN || o->mode == MODE_WRAP) && o->argv &&
	    o->argv[0] && check_commands(o, p, o->argv[0]) < 0)
		return -1;
	if (plan_build_grants(o, p) < 0 || plan_bypass(o, p) < 0 ||
	    plan_dirs(p) < 0)
		return -1;
	return 0;
}

bool plan_will_make(const struct nono_plan *p, const char *path)
{
	for (size_t i = 0; i < p->nmk; i++)
		if (strcmp(p->mk[i].path, path) == 0)
			return true;
	return false;
}

const char *plan_source(const struct nono_plan *p, const char *str)
{
	for (size_t i = 0; i < p->nsrc; i++)
		if (p->src[i].str == str)
			return p->src[i].key;
	return NULL;
}

const char *plan_grant_source(const struct nono_plan *p, const char *canon)
{
	for (size_t i = 0; i < p->nsrc; i++)
		if (strcmp(p->src[i].str, canon) == 0)
			return p->src[i].key;
	return NULL;
}

int plan_add_source(struct nono_plan *p, const char *str, const char *key)
{
	struct plan_src *v = realloc(p->src, (p->nsrc + 1) * sizeof(*v));

	if (!v)
		return plan_fail(&p->msgs, -ENOMEM, NULL, "out of memory");
	p->src = v;
	p->src[p->nsrc].str = str;
	p->src[p->nsrc++].key = key;
	return 0;
}

void plan_clear(struct nono_plan *p)
{
	nono_protect_result_clear(&p->prot);
	strv_free_all(&p->owned);
	free(p->bypass);
	strv_free_all(&p->kept);
	strv_free_all(&p->keep_targets);
	strv_free_all(&p->never_deny);
	strv_free_all(&p->never_secret);
	free(p->cwd);
	free(p->workdir);
	nono_profile_free(p->profile);
	nono_allowlist_free(p->allow);
	nono_allowlist_free(p->upstream_bypass);
	nono_creds_clear(&p->creds);
	free(p->tls_exe);
	free(p->upstream_host);
	nono_caps_free(p->caps);
	for (size_t i = 0; i < p->nmk; i++)
		free(p->mk[i].path);
	free(p->mk);
	free(p->src);
	plan_msgs_clear(&p->msgs);
	memset(p, 0, sizeof(*p));
}
