/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Command-line and environment parsing for run, wrap and shell: fills a
 * plain options struct; validation and policy come later.
 */
#ifndef NONO_CLI_ARGS_H
#define NONO_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A growable list of borrowed strings (argv or environment memory), with a
 * ceiling so that no input can make it grow without bound. */
#define NONO_STRV_MAX 4096
struct strv {
	char **v;
	size_t n, cap;
};

int strv_push(struct strv *s, char *str) __attribute__((warn_unused_result));
void strv_clear(struct strv *s);

/* MODE_WHY: the same flags describe a sandbox that `nono why` queries;
 * no command. */
enum run_mode { MODE_RUN, MODE_WRAP, MODE_SHELL, MODE_WHY };

enum net_choice { NET_UNSET, NET_ALLOW, NET_BLOCK };

struct global_opts {
	bool silent;
	const char *theme;
	int verbose;
};

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
};

/*
 * Parses the options of @mode from argv[0..argc) (argv[0] is the subcommand
 * name) into @o, and applies the NONO_* environment variables that the user
 * did not override with a flag.  Global options (-s, -v, --theme) may also
 * appear here and land in @g.  On error writes one line to @err (without the
 * "nono: " prefix) and returns -1; returns 0 on success.  -h prints help to
 * stdout and returns 1.
 */
int args_parse_run(enum run_mode mode, int argc, char **argv,
		   struct global_opts *g, struct run_opts *o, char *err,
		   size_t errlen);

void args_clear(struct run_opts *o);

/* Parses a boolean environment value: true/false/yes/no/1/0 (any case).
 * Returns 0 and *@out, or -1 for anything else. */
int args_parse_bool(const char *s, bool *out);

void args_usage_run(enum run_mode mode);

#endif
