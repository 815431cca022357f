/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What run, wrap, shell and why share: the options, the profile, and the
 * capability set planned from them (grants, protection).  `nono why`
 * answers from the same plan that `nono run` would enforce.
 */
#ifndef NONO_CLI_RUN_CTX_H
#define NONO_CLI_RUN_CTX_H

#include <pthread.h>

#include "cli/args.h"
#include "cli/diag.h"
#include "nono/caps.h"
#include "nono/path.h"
#include "plan/plan.h"
#include "policy/profile.h"
#include "policy/protect.h"
#include "proxy/creds.h"
#include "proxy/hosts.h"
#include "proxy/tlshelper.h"

struct cli_envcred;
struct run_session;
struct nono_audit;
struct nono_signer;
struct nono_rb_session;
struct nono_rb_store;
struct nono_rb_manifest;
struct run_trust;
struct run_agentcfg;
struct run_ancestors;
struct run_gitrefs;

/* What exists while the command runs: sockets, helpers, secrets. */
struct run_live {
	int proxy_fd;             /* the proxy's listener; -1 until made */
	struct nono_proxy *proxy; /* running */
	struct nono_tls_helper tls;
	char proxy_token[40];
	/* --env-credential, --env-credential-map, env_credentials: the
	 * variables and, while the command starts, their secrets. */
	struct cli_envcred *envcred;
	size_t shown; /* the plan's notes printed so far */
	/* nono shell: the prompt variable and the prompt it gets, or NULL */
	const char *prompt_var, *prompt;
	/* What the proxy refused, for the footer (the proxy's thread
	 * writes it under net_mu). */
	pthread_mutex_t net_mu;
	struct diag_net net;
	/* A supervised session on its own terminal (run_session.c). */
	struct run_session *session;
	/* The audit trail (run_audit.c), or NULL; its signing key. */
	struct nono_audit *audit;
	struct nono_signer *signer;
	bool audit_launched; /* its policy given (run_audit_launch) */
	/* --audit-integrity: the tracked trees (borrowed from the plan) and
	 * their state before the command. */
	const char **fs_paths;
	size_t nfs;
	char *fs_before;
	/* --rollback (run_rollback.c): the session and its object store. */
	struct nono_rb_session *rb;
	struct nono_rb_store *rb_store;
	/* The baseline's manifests, one per root, kept for the end (the
	 * last snapshot's size rule, the review, the restore). */
	struct nono_rb_manifest *rb_base;
	/* The stat caches, one per root, kept from the baseline for the
	 * last snapshot (loading one again cost 0.09 s per 100,000 files). */
	struct nono_rb_cache *rb_caches;
	/* The pre-exec trust scan's verdicts (run_trust.c), or NULL. */
	struct run_trust *trust;
	/* The guarded agent configurations as they were at the start
	 * (run_agentcfg.c), or NULL. */
	struct run_agentcfg *agentcfg;
	/* The writable directories above the projects, as they were at the
	 * start (run_ancestors.c), or NULL. */
	struct run_ancestors *ancestors;
	/* The refs and index of the repositories in sealed trees as they
	 * were at the start (run_gitrefs.c), or NULL. */
	struct run_gitrefs *gitrefs;
};

/* Options, plan, runtime. */
struct run_ctx {
	struct run_opts o;
	struct nono_plan p;
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
