/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The options of run, wrap, shell and why: what the user asked for, as the
 * command line and NONO_* variables give it (cli/args.c fills it) and as
 * the profile extends it (plan/profile_apply.c).  The planner reads it.
 */
#ifndef NONO_PLAN_OPTS_H
#define NONO_PLAN_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/strv.h"

/* MODE_WHY: the same flags describe a sandbox that `nono why` queries;
 * no command. */
enum run_mode { MODE_RUN, MODE_WRAP, MODE_SHELL, MODE_WHY };

enum net_choice { NET_UNSET, NET_ALLOW, NET_BLOCK };

struct run_opts {
	enum run_mode mode;
	struct strv allow, read, write;
	struct strv allow_file, read_file, write_file;
	struct strv sock, sock_bind, sock_dir, sock_dir_bind, sock_tree,
	    sock_tree_bind;
	struct strv bypass;
	struct strv suppress; /* --suppress-save-prompt PATH */
	struct strv allow_cmd, block_cmd;
	uint16_t ports[64];
	size_t nports;
	bool allow_cwd;
	enum net_choice net;
	bool allow_gpu;
	bool allow_new_repos; /* --allow-new-repos */
	bool dry_run;
	bool json; /* --json, with --dry-run */
	bool no_diagnostics;
	const char *shell;
	const char *config;
	const char *workdir;
	const char *profile;         /* --profile/-p, else NONO_PROFILE */
	const char *network_profile; /* --network-profile */
	struct strv allow_domain;    /* --allow-domain */
	uint16_t proxy_port;         /* --proxy-port, 0: any */
	uint16_t listen_ports[16];   /* --listen-port (proxy mode) */
	size_t nlisten;
	const char *upstream_proxy;  /* --upstream-proxy host:port */
	struct strv upstream_bypass; /* --upstream-bypass */
	struct strv credential;      /* --credential (or NONO_CREDENTIAL) */
	struct strv allow_endpoint;  /* --allow-endpoint SVC:METHOD:PATH */
	char *env_creds;    /* owned copy NONO_CREDENTIAL points into */
	char *env_bypass;   /* owned copy NONO_UPSTREAM_BYPASS points into */
	char *env_domains;  /* owned copy NONO_ALLOW_DOMAIN points into */
	bool legacy_bypass; /* the deprecated spelling was used */
	char *env_allow;    /* owned copy that NONO_ALLOW entries point into */
	char **argv;        /* the command; NULL-terminated, borrowed */
	int argc;
	struct strv env_credential;     /* --env-credential (comma lists) */
	struct strv env_credential_map; /* --env-credential-map REF, VAR... */
	bool env_credential_from_env;   /* it is NONO_ENV_CREDENTIAL's */
	/* Sessions (nono run and shell). */
	bool detached;                /* --detached */
	const char *name;             /* --name */
	unsigned detach_timeout;      /* --detach-timeout seconds (30) */
	unsigned startup_timeout;     /* --startup-timeout seconds, 0: none */
	bool detach_set, startup_set; /* given as flags (over NONO_*) */
	/* The audit trail (nono run and shell). */
	bool no_audit;              /* --no-audit */
	bool no_audit_integrity;    /* --no-audit-integrity */
	bool audit_integrity;       /* --audit-integrity */
	const char *audit_sign_key; /* --audit-sign-key REF */
	/* Rollback (nono run and shell). */
	bool rollback;                /* --rollback */
	bool no_rollback;             /* --no-rollback */
	bool no_rollback_prompt;      /* --no-rollback-prompt */
	bool rollback_all;            /* --rollback-all */
	struct strv rollback_exclude; /* --rollback-exclude */
	struct strv rollback_include; /* --rollback-include */
	struct strv skip_dir;         /* --skip-dir */
	bool trust_override;          /* --trust-override */
	/* Capability elevation: --capability-elevation, else
	 * NONO_CAPABILITY_ELEVATION, else the profile's
	 * security.capability_elevation. */
	bool elevation, elevation_set;
};

#endif
