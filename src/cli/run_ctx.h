/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What run, wrap, shell and why share: the options, the profile, and the
 * capability set planned from them (grants, protection).  `nono why`
 * answers from the same plan that `nono run` would enforce.
 */
#ifndef NONO_CLI_RUN_CTX_H
#define NONO_CLI_RUN_CTX_H

#include "cli/args.h"
#include "nono/caps.h"
#include "nono/path.h"
#include "policy/profile.h"
#include "policy/protect.h"
#include "proxy/creds.h"
#include "proxy/hosts.h"
#include "proxy/tlshelper.h"

struct cli_envcred;

/* What planning decided: the capability set and what it was made of.
 * run_plan() fills it from the options and the profile. */
struct run_planned {
	struct nono_caps *caps;
	const char *home;
	char *cwd;
	struct strv owned; /* canonical strings to free */
	char **bypass;     /* canonical bypass paths */
	size_t nbypass;
	struct strv kept; /* the profile's keep_read_only paths, canonical */
	struct nono_protect_result prot;
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
};

/* What exists while the command runs: sockets, helpers, secrets. */
struct run_live {
	int proxy_fd;             /* the proxy's listener; -1 until made */
	struct nono_proxy *proxy; /* running */
	struct nono_tls_helper tls;
	char proxy_token[40];
	/* --env-credential, --env-credential-map, env_credentials: the
	 * variables and, while the command starts, their secrets. */
	struct cli_envcred *envcred;
};

/* Options, plan, runtime. */
struct run_ctx {
	struct run_opts o;
	struct run_planned p;
	struct run_live rt;
};

/*
 * Parses @argv for @mode and plans the sandbox into @c (zeroed here).
 * Returns 0, 1 when help was printed (exit 0), or -1 after printing the
 * error.  Free with run_ctx_clear() in every case.
 */
int run_plan(enum run_mode mode, int argc, char **argv, struct global_opts *g,
	     struct run_ctx *c);
void run_ctx_clear(struct run_ctx *c);

#endif
