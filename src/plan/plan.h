/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The run planner: from the options (and the profile they name) to the
 * capability set nono run enforces and nono why describes.  Planning
 * prints nothing and writes nothing: what it has to say is in the plan's
 * msgs, and the directories a run must make first are listed in it, for
 * plan_make_dirs(), the one step that writes, which only a run calls.
 *
 *   plan_grants()     the profile, the grants, the network   (reads)
 *   plan_make_dirs()  what must exist before protection      (writes)
 *   plan_protect()    protected names, masks, guards         (reads)
 *
 * Each returns 0, or -1 with p->msgs.err set.  plan_clear() frees the
 * plan in every case.
 */
#ifndef NONO_PLAN_PLAN_H
#define NONO_PLAN_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "nono/caps.h"
#include "nono/path.h"
#include "plan/msgs.h"
#include "plan/opts.h"
#include "policy/profile.h"
#include "policy/protect.h"
#include "proxy/creds.h"
#include "proxy/hosts.h"

/* A directory (0700) or a profile's state file (0600) a run makes before
 * protection is planned. */
struct plan_mkdir {
	char *path;
	bool parents; /* also its missing parents (directories 0700) */
	bool file;    /* a file: "{}" when its name ends in .json, else empty */
	bool nofollow; /* no symlink on the way (parents made too) */
};

/* Where a grant string came from when a profile put it there: the
 * profile's key (filesystem.allow_file, ...), for messages. */
struct plan_src {
	const char *str;
	const char *key;
};

/*
 * Whether the current directory is shared when no flag decides it: the
 * command asks the user.  @access is what sharing gives; 0 when the
 * profile shares none (then nothing is asked, only whether it could be).
 * Returns 1 (share it), 0 (do not), or PLAN_ASK_SILENT / PLAN_ASK_NOTTY
 * when it cannot ask: --silent is then an error (it needs --allow-cwd),
 * no terminal runs without the directory (a note says so).
 */
enum { PLAN_ASK_SILENT = -2, PLAN_ASK_NOTTY = -3 };
typedef int (*plan_ask_fn)(void *arg, const char *cwd, unsigned access);

/* What planning decided: the capability set and what it was made of.
 * plan_grants() and plan_protect() fill it from the options. */
struct nono_plan {
	struct nono_caps *caps;
	const char *home;
	char *cwd;
	struct strv owned; /* canonical strings to free */
	char **bypass;     /* canonical bypass paths */
	size_t nbypass;
	struct strv kept; /* the profile's keep_read_only paths, canonical */
	/* The keeps themselves (@kept holds what the gate refuses, which for
	 * a missing one may be the first missing directory): canonical. */
	struct strv keep_targets;
	/* Never to be read whatever the grants, and whether or not a grant
	 * covers them (a mask is made only where one does): the profile's
	 * filesystem.deny paths; nono's configuration where XDG_CONFIG_HOME
	 * puts it and the files nono's secrets come from (file://
	 * credential keys, the audit signing key).  Canonical,
	 * owned.  Served reads (learn) and elevation ask plan_why_path. */
	struct strv never_deny, never_secret;
	struct nono_protect_result prot;
	/* Bit i: the sandbox can write agent configuration i of
	 * policy/agentcfg.h and no bypass lifts its guard, so the run puts
	 * the keys that start programs outside nono back at its end. */
	unsigned agentcfg;
	struct nono_path_memo memo;   /* for the user's grant paths */
	struct nono_profile *profile; /* --profile, or NULL */
	struct nono_profile_env penv;
	char *workdir;       /* canonical --workdir, or NULL: the cwd */
	unsigned cwd_access; /* what --allow-cwd grants */
	/* Proxy mode (--network-profile, --allow-domain): the allowlist,
	 * the proxy's port, and whether the child gets its own network
	 * namespace (proxy_netns) or, as a fallback, the host's loopback
	 * (then Landlock and the gate keep the child to that port). */
	struct nono_allowlist *allow;
	uint16_t proxy_port;
	bool proxy_netns;
	/* https://host/path rules: the TLS interception helper. */
	bool tls_wanted;     /* there are path rules */
	char *tls_exe;       /* the helper, when installed */
	char *upstream_host; /* --upstream-proxy, or NULL */
	uint16_t upstream_port;
	struct nono_allowlist *upstream_bypass;
	/* --credential: the services the proxy injects credentials for. */
	struct nono_creds creds;
	bool creds_tls; /* one of them is https:// (needs nono-tls) */
	/* What a run creates before plan_protect(): a profile's state
	 * directories, nono's own, the missing credential directories. */
	struct plan_mkdir *mk;
	size_t nmk;
	struct plan_src *src; /* the profile's grant strings */
	size_t nsrc;
	struct plan_msgs msgs; /* notes, and the error when one failed */
	/* Input: who decides the current directory (plan_grants). */
	plan_ask_fn ask;
	void *ask_arg;
};

/* $HOME, else the user's /etc/passwd entry; NULL when neither answers. */
const char *plan_home_dir(void);

/*
 * Zeroes @p and plans the grants of @o (the profile it names is loaded
 * and folded into @o) for @home.  @ask decides the current directory
 * (NULL: nobody can ask).  Reads the filesystem; writes nothing.
 */
int plan_grants(struct run_opts *o, const char *home, plan_ask_fn ask,
		void *ask_arg, struct nono_plan *p);
/* Makes the directories in p->mk.  The only planning step that writes;
 * a run calls it between plan_grants() and plan_protect(). */
int plan_make_dirs(struct nono_plan *p);
/* Plans the protection of @p's grants: protected names, the profile's
 * denies and keeps, masks and the gate's guards. */
int plan_protect(const struct run_opts *o, struct nono_plan *p);
void plan_clear(struct nono_plan *p);

/* The profile key behind the grant of @canon (a canonical path), or NULL
 * when a flag or nono itself made it. */
const char *plan_grant_source(const struct nono_plan *p, const char *canon);

/* Records in @m the error for grants of @caps that cover protected paths
 * Landlock cannot deny when no user namespace can hide them.  Returns -1. */
int plan_fail_no_userns(const struct nono_caps *caps, struct plan_msgs *m);

#endif
