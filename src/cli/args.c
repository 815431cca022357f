// SPDX-License-Identifier: Apache-2.0
/*
 * Argument parsing for run, wrap and shell: a getopt_long table fills
 * struct run_opts, then the NONO_* environment variables fill what no flag
 * set.  Nothing here touches the filesystem or the sandbox.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/args.h"
#include "util/errbuf.h"
#include "util/port.h"
#include "util/suggest.h"

enum {
	OPT_ALLOW_FILE = 256,
	OPT_READ_FILE,
	OPT_WRITE_FILE,
	OPT_ALLOW_CWD,
	OPT_BLOCK_NET,
	OPT_ALLOW_NET,
	OPT_OPEN_PORT,
	OPT_SOCK,
	OPT_SOCK_BIND,
	OPT_SOCK_DIR,
	OPT_SOCK_DIR_BIND,
	OPT_SOCK_TREE,
	OPT_SOCK_TREE_BIND,
	OPT_BYPASS,
	OPT_OVERRIDE_DENY,
	OPT_ALLOW_GPU,
	OPT_ALLOW_NEW_REPOS,
	OPT_ALLOW_CMD,
	OPT_BLOCK_CMD,
	OPT_DRY_RUN,
	OPT_JSON,
	OPT_NO_DIAG,
	OPT_THEME,
	OPT_WORKDIR,
	OPT_SUPPRESS,
	OPT_SHELL,
	OPT_NETPROF,
	OPT_DOMAIN,
	OPT_PROXY_PORT,
	OPT_LISTEN_PORT,
	OPT_UPSTREAM,
	OPT_UPSTREAM_BYPASS,
	OPT_CREDENTIAL,
	OPT_ENDPOINT,
	OPT_ENV_CRED,
	OPT_ENV_CRED_MAP,
	OPT_DETACHED,
	OPT_NAME,
	OPT_DETACH_TIMEOUT,
	OPT_STARTUP_TIMEOUT,
	OPT_NO_AUDIT,
	OPT_ROLLBACK,
	OPT_NO_ROLLBACK,
	OPT_NO_ROLLBACK_PROMPT,
	OPT_ROLLBACK_ALL,
	OPT_ROLLBACK_EXCLUDE,
	OPT_ROLLBACK_INCLUDE,
	OPT_SKIP_DIR,
	OPT_TRUST_OVERRIDE,
	OPT_NO_AUDIT_INTEGRITY,
	OPT_AUDIT_INTEGRITY,
	OPT_AUDIT_SIGN_KEY,
	OPT_ELEVATION,
	OPT_LATER,  /* documented flags of features not in this build */
	OPT_LATER2, /* same, taking two arguments */
	OPT_MACOS,  /* macOS-only */
};

static int parse_seconds(const char *s, unsigned *out);

/* clang-format off */
static const struct option run_longopts[] = {
	{"allow", required_argument, NULL, 'a'},
	{"allow-command", required_argument, NULL, OPT_ALLOW_CMD},
	{"allow-cwd", no_argument, NULL, OPT_ALLOW_CWD},
	{"allow-domain", required_argument, NULL, OPT_DOMAIN},
	{"allow-endpoint", required_argument, NULL, OPT_ENDPOINT},
	{"allow-file", required_argument, NULL, OPT_ALLOW_FILE},
	{"allow-gpu", no_argument, NULL, OPT_ALLOW_GPU},
	{"allow-new-repos", no_argument, NULL, OPT_ALLOW_NEW_REPOS},
	{"allow-launch-services", no_argument, NULL, OPT_MACOS},
	{"allow-net", no_argument, NULL, OPT_ALLOW_NET},
	{"allow-unix-socket", required_argument, NULL, OPT_SOCK},
	{"allow-unix-socket-bind", required_argument, NULL, OPT_SOCK_BIND},
	{"allow-unix-socket-dir", required_argument, NULL, OPT_SOCK_DIR},
	{"allow-unix-socket-dir-bind", required_argument, NULL, OPT_SOCK_DIR_BIND},
	{"allow-unix-socket-subtree", required_argument, NULL, OPT_SOCK_TREE},
	{"allow-unix-socket-subtree-bind", required_argument, NULL, OPT_SOCK_TREE_BIND},
	{"audit-integrity", no_argument, NULL, OPT_AUDIT_INTEGRITY},
	{"audit-sign-key", required_argument, NULL, OPT_AUDIT_SIGN_KEY},
	{"block-command", required_argument, NULL, OPT_BLOCK_CMD},
	{"block-net", no_argument, NULL, OPT_BLOCK_NET},
	{"bypass-protection", required_argument, NULL, OPT_BYPASS},
	{"capability-elevation", no_argument, NULL, OPT_ELEVATION},
	{"config", required_argument, NULL, 'c'},
	{"credential", required_argument, NULL, OPT_CREDENTIAL},
	{"detach-timeout", required_argument, NULL, OPT_DETACH_TIMEOUT},
	{"detached", no_argument, NULL, OPT_DETACHED},
	{"dry-run", no_argument, NULL, OPT_DRY_RUN},
	{"json", no_argument, NULL, OPT_JSON},
	{"env-credential", required_argument, NULL, OPT_ENV_CRED},
	{"env-credential-map", required_argument, NULL, OPT_ENV_CRED_MAP},
	{"help", no_argument, NULL, 'h'},
	{"ignore-denied", required_argument, NULL, OPT_SUPPRESS},
	{"listen-port", required_argument, NULL, OPT_LISTEN_PORT},
	{"name", required_argument, NULL, OPT_NAME},
	{"network-profile", required_argument, NULL, OPT_NETPROF},
	{"no-audit", no_argument, NULL, OPT_NO_AUDIT},
	{"no-audit-integrity", no_argument, NULL, OPT_NO_AUDIT_INTEGRITY},
	{"no-diagnostics", no_argument, NULL, OPT_NO_DIAG},
	{"no-rollback", no_argument, NULL, OPT_NO_ROLLBACK},
	{"no-rollback-prompt", no_argument, NULL, OPT_NO_ROLLBACK_PROMPT},
	{"open-port", required_argument, NULL, OPT_OPEN_PORT},
	{"override-deny", required_argument, NULL, OPT_OVERRIDE_DENY},
	{"profile", required_argument, NULL, 'p'},
	{"proxy-port", required_argument, NULL, OPT_PROXY_PORT},
	{"read", required_argument, NULL, 'r'},
	{"read-file", required_argument, NULL, OPT_READ_FILE},
	{"rollback", no_argument, NULL, OPT_ROLLBACK},
	{"rollback-all", no_argument, NULL, OPT_ROLLBACK_ALL},
	{"rollback-exclude", required_argument, NULL, OPT_ROLLBACK_EXCLUDE},
	{"rollback-include", required_argument, NULL, OPT_ROLLBACK_INCLUDE},
	{"shell", required_argument, NULL, OPT_SHELL},
	{"silent", no_argument, NULL, 's'},
	{"skip-dir", required_argument, NULL, OPT_SKIP_DIR},
	{"startup-timeout", required_argument, NULL, OPT_STARTUP_TIMEOUT},
	{"suppress-save-prompt", required_argument, NULL, OPT_SUPPRESS},
	{"theme", required_argument, NULL, OPT_THEME},
	{"trust-override", no_argument, NULL, OPT_TRUST_OVERRIDE},
	{"upstream-bypass", required_argument, NULL, OPT_UPSTREAM_BYPASS},
	{"upstream-proxy", required_argument, NULL, OPT_UPSTREAM},
	{"verbose", no_argument, NULL, 'v'},
	{"workdir", required_argument, NULL, OPT_WORKDIR},
	{"write", required_argument, NULL, 'w'},
	{"write-file", required_argument, NULL, OPT_WRITE_FILE},
	{NULL, 0, NULL, 0},
};
/* clang-format on */

int args_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"true", "yes", "1"};
	static const char *const no[] = {"false", "no", "0"};

	for (size_t i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

static int parse_port(const char *s, uint16_t *port)
{
	return nono_port_parse(s, strlen(s), port) < 0 ? -1 : 0;
}

static const char *flag_name(const char *arg)
{
	return arg ? arg : "?";
}

/* The option text as the user typed it, for error messages. */
static const char *typed(char **argv, int idx)
{
	return idx > 0 ? argv[idx - 1] : "";
}

static int env_bool(const char *name, bool *set, bool *val, char *err,
		    size_t errlen)
{
	const char *v = getenv(name);

	*set = false;
	if (!v || !*v)
		return 0;
	if (args_parse_bool(v, val) < 0)
		return nono_errf(
		    err, errlen,
		    "%s: invalid boolean '%s' (use true, false, yes, "
		    "no, 1 or 0)",
		    name, v);
	*set = true;
	return 0;
}

/* Environment variables fill what no flag set (flags take precedence). */
static int apply_env(struct run_opts *o, bool allow_flag, char *err,
		     size_t errlen)
{
	bool bset, bval, aset, aval, eset, eval;
	char *list;

	if (env_bool("NONO_BLOCK_NET", &bset, &bval, err, errlen) < 0)
		return -1;
	if (env_bool("NONO_ALLOW_NET", &aset, &aval, err, errlen) < 0)
		return -1;
	if (o->net == NET_UNSET) {
		if (bset && aset && bval && aval)
			return nono_errf(
			    err, errlen,
			    "NONO_ALLOW_NET and NONO_BLOCK_NET are both "
			    "true: choose one");
		if (bset && bval)
			o->net = NET_BLOCK;
		else if (aset && aval)
			o->net = NET_ALLOW;
	}
	if (o->mode == MODE_WRAP &&
	    ((getenv("NONO_NETWORK_PROFILE") &&
	      *getenv("NONO_NETWORK_PROFILE")) ||
	     (getenv("NONO_ALLOW_DOMAIN") && *getenv("NONO_ALLOW_DOMAIN")) ||
	     (getenv("NONO_UPSTREAM_PROXY") &&
	      *getenv("NONO_UPSTREAM_PROXY")) ||
	     (getenv("NONO_UPSTREAM_BYPASS") &&
	      *getenv("NONO_UPSTREAM_BYPASS")) ||
	     (getenv("NONO_CREDENTIAL") && *getenv("NONO_CREDENTIAL"))))
		return nono_errf(
		    err, errlen,
		    "nono wrap does not support proxy mode "
		    "(NONO_NETWORK_PROFILE, NONO_ALLOW_DOMAIN, "
		    "NONO_UPSTREAM_PROXY, NONO_UPSTREAM_BYPASS, "
		    "NONO_CREDENTIAL): the "
		    "network proxy requires a parent process. Use nono "
		    "run instead.");
	if (!o->upstream_proxy && o->mode != MODE_WRAP) {
		const char *up = getenv("NONO_UPSTREAM_PROXY");

		if (up && *up)
			o->upstream_proxy = up;
	}
	if (o->upstream_bypass.n == 0 && o->mode != MODE_WRAP) {
		const char *ub = getenv("NONO_UPSTREAM_BYPASS");

		if (ub && *ub) {
			char *copy = strdup(ub), *save = NULL, *tok;

			if (!copy)
				return nono_errf(err, errlen, "out of memory");
			o->env_bypass = copy;
			for (tok = strtok_r(copy, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save))
				if (*tok &&
				    strv_push(&o->upstream_bypass, tok) < 0)
					return nono_errf(
					    err, errlen,
					    "NONO_UPSTREAM_BYPASS: too "
					    "many entries");
		}
	}
	if (o->credential.n == 0 && o->mode != MODE_WRAP) {
		const char *cr = getenv("NONO_CREDENTIAL");

		if (cr && *cr) {
			char *copy = strdup(cr), *save = NULL, *tok;

			if (!copy)
				return nono_errf(err, errlen, "out of memory");
			o->env_creds = copy;
			for (tok = strtok_r(copy, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save))
				if (*tok && strv_push(&o->credential, tok) < 0)
					return nono_errf(err, errlen,
							 "NONO_CREDENTIAL: too "
							 "many entries");
		}
	}
	if (!o->network_profile && o->mode != MODE_WRAP) {
		const char *np = getenv("NONO_NETWORK_PROFILE");

		if (np && *np)
			o->network_profile = np;
	}
	if (o->allow_domain.n == 0 && o->mode != MODE_WRAP) {
		const char *ad = getenv("NONO_ALLOW_DOMAIN");

		if (ad && *ad) {
			char *copy = strdup(ad), *save = NULL, *tok;

			if (!copy)
				return nono_errf(err, errlen, "out of memory");
			o->env_domains = copy;
			for (tok = strtok_r(copy, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save))
				if (*tok &&
				    strv_push(&o->allow_domain, tok) < 0)
					return nono_errf(
					    err, errlen,
					    "NONO_ALLOW_DOMAIN: too "
					    "many entries");
		}
	}
	if (o->env_credential.n == 0) {
		char *ec = getenv("NONO_ENV_CREDENTIAL");

		/* Split later (cli/envcred.c), like the flag's value. */
		if (ec && *ec) {
			if (strv_push(&o->env_credential, ec) < 0)
				return nono_errf(err, errlen, "out of memory");
			o->env_credential_from_env = true;
		}
	}
	if (!o->profile) {
		const char *p = getenv("NONO_PROFILE");

		if (p && *p)
			o->profile = p;
	}
	if (!o->startup_set && getenv("NONO_STARTUP_TIMEOUT") &&
	    *getenv("NONO_STARTUP_TIMEOUT") &&
	    parse_seconds(getenv("NONO_STARTUP_TIMEOUT"), &o->startup_timeout) <
		0)
		return nono_errf(err, errlen,
				 "NONO_STARTUP_TIMEOUT: expected whole "
				 "seconds (0 disables), got '%s'",
				 getenv("NONO_STARTUP_TIMEOUT"));
	if (!o->detach_set && getenv("NONO_DETACH_STARTUP_TIMEOUT") &&
	    *getenv("NONO_DETACH_STARTUP_TIMEOUT") &&
	    (parse_seconds(getenv("NONO_DETACH_STARTUP_TIMEOUT"),
			   &o->detach_timeout) < 0 ||
	     o->detach_timeout == 0))
		return nono_errf(err, errlen,
				 "NONO_DETACH_STARTUP_TIMEOUT: expected whole "
				 "seconds, 1 or more, got '%s'",
				 getenv("NONO_DETACH_STARTUP_TIMEOUT"));
	list = getenv("NONO_ALLOW");
	if (!allow_flag && list && *list) {
		/* Split in place on a private copy the process keeps. */
		char *copy = strdup(list), *save = NULL, *tok;

		if (!copy)
			return nono_errf(err, errlen, "out of memory");
		o->env_allow = copy;
		for (tok = strtok_r(copy, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			if (!*tok)
				continue;
			if (strv_push(&o->allow, tok) < 0)
				return nono_errf(
				    err, errlen,
				    "NONO_ALLOW: too many entries");
		}
	}
	if (env_bool("NONO_CAPABILITY_ELEVATION", &eset, &eval, err, errlen) <
	    0)
		return -1;
	if (eset && !o->elevation_set) {
		if (eval && o->mode == MODE_WRAP)
			return nono_errf(err, errlen,
					 "NONO_CAPABILITY_ELEVATION is true, "
					 "but nono wrap has no supervisor to "
					 "ask and serve; use nono run");
		o->elevation = eval;
		o->elevation_set = true;
	}
	return 0;
}

/* Whole seconds, 0 to one day. */
static int parse_seconds(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 86400)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static const char *mode_name(enum run_mode m)
{
	switch (m) {
	case MODE_RUN:
		return "run";
	case MODE_WRAP:
		return "wrap";
	case MODE_SHELL:
		return "shell";
	case MODE_WHY:
		return "why";
	}
	return "run";
}

/* "unknown option '--alow' for nono run; did you mean --allow?" */
static int unknown_long(const char *arg, enum run_mode mode, char *err,
			size_t errlen)
{
	const char *names[160], *near;
	char word[64];
	size_t n = 0;

	snprintf(word, sizeof(word), "%.*s", (int)strcspn(arg + 2, "="),
		 arg[0] == '-' && arg[1] == '-' ? arg + 2 : arg);
	for (size_t i = 0; run_longopts[i].name && n < 160; i++)
		names[n++] = run_longopts[i].name;
	near = nono_suggest(word, names, n);
	if (near)
		return nono_errf(err, errlen,
				 "unknown option '%s' for nono %s; did you "
				 "mean --%s?",
				 arg, mode_name(mode), near);
	return nono_errf(err, errlen,
			 "unknown option '%s' for nono %s (see nono %s --help)",
			 arg, mode_name(mode), mode_name(mode));
}

int args_parse_run(enum run_mode mode, int argc, char **argv,
		   struct global_opts *g, struct run_opts *o, char *err,
		   size_t errlen)
{
	bool allow_flag = false, block_flag = false, allow_net_flag = false;
	struct strv *list;
	int c, idx;

	memset(o, 0, sizeof(*o));
	o->mode = mode;
	o->detach_timeout = 30;
	optind = 1;
	opterr = 0;
	/* '+': stop at the first non-option, the command. */
	while ((c = getopt_long(argc, argv, "+:a:r:w:c:p:vsh", run_longopts,
				&idx)) != -1) {
		list = NULL;
		switch (c) {
		case 'a':
			allow_flag = true;
			list = &o->allow;
			break;
		case 'r':
			list = &o->read;
			break;
		case 'w':
			list = &o->write;
			break;
		case OPT_ALLOW_FILE:
			list = &o->allow_file;
			break;
		case OPT_READ_FILE:
			list = &o->read_file;
			break;
		case OPT_WRITE_FILE:
			list = &o->write_file;
			break;
		case OPT_SOCK:
			list = &o->sock;
			break;
		case OPT_SOCK_BIND:
			list = &o->sock_bind;
			break;
		case OPT_SOCK_DIR:
			list = &o->sock_dir;
			break;
		case OPT_SOCK_DIR_BIND:
			list = &o->sock_dir_bind;
			break;
		case OPT_SOCK_TREE:
			list = &o->sock_tree;
			break;
		case OPT_SOCK_TREE_BIND:
			list = &o->sock_tree_bind;
			break;
		case OPT_OVERRIDE_DENY:
			o->legacy_bypass = true;
			list = &o->bypass;
			break;
		case OPT_BYPASS:
			list = &o->bypass;
			break;
		case OPT_ALLOW_CMD:
			list = &o->allow_cmd;
			break;
		case OPT_BLOCK_CMD:
			list = &o->block_cmd;
			break;
		case OPT_ALLOW_CWD:
			o->allow_cwd = true;
			break;
		case OPT_BLOCK_NET:
			block_flag = true;
			break;
		case OPT_ALLOW_NET:
			allow_net_flag = true;
			break;
		case OPT_OPEN_PORT:
			if (o->nports >= sizeof(o->ports) / sizeof(o->ports[0]))
				return nono_errf(
				    err, errlen,
				    "--open-port: at most 64 ports");
			if (parse_port(optarg, &o->ports[o->nports]) < 0)
				return nono_errf(
				    err, errlen,
				    "--open-port: invalid port '%s' "
				    "(expected 1-65535)",
				    optarg);
			o->nports++;
			break;
		case OPT_ALLOW_GPU:
			o->allow_gpu = true;
			break;
		case OPT_ALLOW_NEW_REPOS:
			o->allow_new_repos = true;
			break;
		case OPT_NO_AUDIT:
			o->no_audit = true;
			break;
		case OPT_ROLLBACK:
			if (mode == MODE_WRAP)
				return nono_errf(
				    err, errlen,
				    "--rollback: nono wrap keeps no snapshots "
				    "(no supervisor stays to take the last "
				    "one); use nono run");
			o->rollback = true;
			break;
		case OPT_NO_ROLLBACK:
			o->no_rollback = true;
			break;
		case OPT_NO_ROLLBACK_PROMPT:
			o->no_rollback_prompt = true;
			break;
		case OPT_ROLLBACK_ALL:
			o->rollback_all = true;
			break;
		case OPT_ROLLBACK_EXCLUDE:
			list = &o->rollback_exclude;
			break;
		case OPT_ROLLBACK_INCLUDE:
			if (strchr(optarg, '/'))
				return nono_errf(
				    err, errlen,
				    "--rollback-include '%s': a directory "
				    "name (target, node_modules), not a path",
				    optarg);
			list = &o->rollback_include;
			break;
		case OPT_SKIP_DIR:
			if (strchr(optarg, '/'))
				return nono_errf(
				    err, errlen,
				    "--skip-dir '%s': a directory name, not "
				    "a path",
				    optarg);
			list = &o->skip_dir;
			break;
		case OPT_NO_AUDIT_INTEGRITY:
			o->no_audit_integrity = true;
			break;
		case OPT_AUDIT_INTEGRITY:
		case OPT_AUDIT_SIGN_KEY:
			if (mode == MODE_WRAP)
				return nono_errf(
				    err, errlen,
				    "--%s: nono wrap keeps no audit trail "
				    "(no supervisor stays); use nono run",
				    run_longopts[idx].name);
			if (c == OPT_AUDIT_INTEGRITY)
				o->audit_integrity = true;
			else
				o->audit_sign_key = optarg;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_DRY_RUN:
			o->dry_run = true;
			break;
		case OPT_NO_DIAG:
			o->no_diagnostics = true;
			break;
		case OPT_THEME:
			g->theme = optarg;
			break;
		case OPT_WORKDIR:
			o->workdir = optarg;
			break;
		case OPT_SUPPRESS:
			list = &o->suppress;
			break;
		case OPT_SHELL:
			if (mode != MODE_SHELL)
				return nono_errf(
				    err, errlen,
				    "--shell: only valid for nono shell");
			o->shell = optarg;
			break;
		case 'c':
			o->config = optarg;
			break;
		case 'v':
			g->verbose++;
			break;
		case 's':
			g->silent = true;
			break;
		case 'h':
			args_usage_run(mode);
			return 1;
		case OPT_TRUST_OVERRIDE:
			o->trust_override = true;
			break;
		case OPT_LISTEN_PORT:
			if (mode == MODE_WRAP)
				return nono_errf(
				    err, errlen,
				    "--listen-port: only in proxy "
				    "mode, which nono wrap does not "
				    "support. Use nono run instead.");
			if (o->nlisten >= sizeof(o->listen_ports) /
					      sizeof(o->listen_ports[0]))
				return nono_errf(
				    err, errlen,
				    "--listen-port: at most 16 ports");
			if (parse_port(optarg, &o->listen_ports[o->nlisten]) <
			    0)
				return nono_errf(
				    err, errlen,
				    "--listen-port: invalid port '%s' "
				    "(expected 1-65535)",
				    optarg);
			o->nlisten++;
			break;
		case OPT_NETPROF:
		case OPT_DOMAIN:
		case OPT_PROXY_PORT:
		case OPT_UPSTREAM:
		case OPT_UPSTREAM_BYPASS:
		case OPT_CREDENTIAL:
		case OPT_ENDPOINT:
			if (mode == MODE_WRAP)
				return nono_errf(
				    err, errlen,
				    "nono wrap does not support proxy flags "
				    "(--network-profile, --allow-domain, "
				    "--credential, --upstream-proxy, "
				    "--upstream-bypass). The network proxy "
				    "requires a parent process. Use nono "
				    "run instead.");
			if (c == OPT_NETPROF) {
				o->network_profile = optarg;
			} else if (c == OPT_DOMAIN) {
				list = &o->allow_domain;
			} else if (c == OPT_UPSTREAM) {
				o->upstream_proxy = optarg;
			} else if (c == OPT_UPSTREAM_BYPASS) {
				list = &o->upstream_bypass;
			} else if (c == OPT_CREDENTIAL) {
				list = &o->credential;
			} else if (c == OPT_ENDPOINT) {
				list = &o->allow_endpoint;
			} else {
				if (parse_port(optarg, &o->proxy_port) < 0)
					return nono_errf(
					    err, errlen,
					    "--proxy-port: invalid port "
					    "'%s' (expected 1-65535)",
					    optarg);
			}
			break;
		case OPT_ENV_CRED:
			if (!*optarg)
				return nono_errf(
				    err, errlen,
				    "--env-credential: empty value");
			list = &o->env_credential;
			break;
		case OPT_ENV_CRED_MAP:
			/* Two values: REF VAR.  The second must be there and
			 * must not be the "--" before the command. */
			if (optind >= argc || strcmp(argv[optind], "--") == 0)
				return nono_errf(
				    err, errlen,
				    "--env-credential-map: needs two "
				    "values: CREDENTIAL_REF ENV_VAR");
			if (strv_push(&o->env_credential_map, optarg) < 0 ||
			    strv_push(&o->env_credential_map, argv[optind]) < 0)
				return nono_errf(
				    err, errlen,
				    "--env-credential-map: too many "
				    "values");
			optind++;
			break;
		case OPT_ELEVATION:
			if (mode == MODE_WRAP)
				return nono_errf(
				    err, errlen,
				    "--capability-elevation is not available "
				    "on nono wrap (no supervisor to ask and "
				    "serve); use nono run");
			o->elevation = o->elevation_set = true;
			break;
		case OPT_DETACHED:
		case OPT_NAME:
		case OPT_DETACH_TIMEOUT:
		case OPT_STARTUP_TIMEOUT:
			if (mode == MODE_WRAP)
				return nono_errf(
				    err, errlen,
				    "--%s is not available on nono wrap (no "
				    "supervisor); use nono run",
				    run_longopts[idx].name);
			if (c == OPT_DETACHED) {
				o->detached = true;
			} else if (c == OPT_NAME) {
				o->name = optarg;
			} else if (c == OPT_DETACH_TIMEOUT) {
				if (parse_seconds(optarg, &o->detach_timeout) <
					0 ||
				    o->detach_timeout == 0)
					return nono_errf(
					    err, errlen,
					    "--detach-timeout: expected whole "
					    "seconds, 1 or more, got '%s'",
					    optarg);
				o->detach_set = true;
			} else {
				if (parse_seconds(optarg, &o->startup_timeout) <
				    0)
					return nono_errf(
					    err, errlen,
					    "--startup-timeout: expected whole "
					    "seconds (0 disables), got '%s'",
					    optarg);
				o->startup_set = true;
			}
			break;
		case OPT_LATER2:
			/* Consume the second argument so the message names
			 * the right flag either way. */
			if (optind < argc)
				optind++;
			__attribute__((fallthrough));
		case OPT_LATER:
			if (strcmp(run_longopts[idx].name, "startup-timeout") ==
				0 &&
			    mode == MODE_WRAP)
				return nono_errf(
				    err, errlen,
				    "--startup-timeout is not available "
				    "on nono wrap (no supervisor); use "
				    "nono run");
			return nono_errf(
			    err, errlen,
			    "--%s: this feature is not available in "
			    "this build of nono",
			    run_longopts[idx].name);
		case OPT_MACOS:
			return nono_errf(err, errlen,
					 "--%s is only supported on macOS",
					 run_longopts[idx].name);
		case 'p':
			if (!*optarg)
				return nono_errf(
				    err, errlen,
				    "--profile: empty profile name");
			o->profile = optarg;
			break;
		case ':':
			if (optind > 0 && optind <= argc && argv[optind - 1] &&
			    strncmp(argv[optind - 1], "--", 2) == 0)
				return nono_errf(
				    err, errlen, "%.*s: missing value",
				    (int)strcspn(argv[optind - 1], "="),
				    argv[optind - 1]);
			if (optopt > 0 && optopt < 256)
				return nono_errf(err, errlen,
						 "-%c: missing value", optopt);
			return nono_errf(err, errlen, "%s: missing value",
					 flag_name(argv[optind - 1]));
		case '?':
		default:
			if (optopt && optopt < 256)
				return nono_errf(
				    err, errlen,
				    "unknown option '-%c' for nono %s "
				    "(see nono %s --help)",
				    optopt, mode_name(mode), mode_name(mode));
			return unknown_long(argv[optind - 1], mode, err,
					    errlen);
		}
		if (list && strv_push(list, optarg) < 0)
			return nono_errf(err, errlen, "%s: too many values",
					 typed(argv, optind));
	}
	if (o->json && !o->dry_run && mode != MODE_WHY)
		return nono_errf(err, errlen,
				 "--json goes with --dry-run (a run's output "
				 "is the command's own)");
	if (block_flag && allow_net_flag)
		return nono_errf(
		    err, errlen,
		    "--allow-net and --block-net conflict: choose one");
	if (block_flag && (o->network_profile || o->allow_domain.n))
		return nono_errf(
		    err, errlen,
		    "--block-net and %s conflict: --block-net blocks all "
		    "network, %s allows hosts through nono's proxy; choose one",
		    o->network_profile ? "--network-profile" : "--allow-domain",
		    o->network_profile ? "--network-profile"
				       : "--allow-domain");
	if (o->rollback && o->no_rollback)
		return nono_errf(err, errlen,
				 "--rollback and --no-rollback conflict; "
				 "choose one");
	if (o->no_audit && (o->audit_integrity || o->audit_sign_key))
		return nono_errf(
		    err, errlen,
		    "--no-audit conflicts with %s: integrity metadata is "
		    "computed from the audit event stream",
		    o->audit_integrity ? "--audit-integrity"
				       : "--audit-sign-key");
	if (o->no_audit_integrity && (o->audit_integrity || o->audit_sign_key))
		return nono_errf(
		    err, errlen,
		    "--no-audit-integrity conflicts with %s: it needs the "
		    "event log's hash chain and Merkle root",
		    o->audit_integrity ? "--audit-integrity"
				       : "--audit-sign-key");
	if (block_flag)
		o->net = NET_BLOCK;
	else if (allow_net_flag)
		o->net = NET_ALLOW;
	if (apply_env(o, allow_flag, err, errlen) < 0)
		return -1;

	o->argv = argv + optind;
	o->argc = argc - optind;
	if (mode == MODE_WHY) {
		if (o->argc > 0)
			return nono_errf(err, errlen,
					 "nono why takes no command (got '%s')",
					 o->argv[0]);
	} else if (mode == MODE_SHELL) {
		if (o->argc > 0)
			return nono_errf(
			    err, errlen,
			    "nono shell takes no command (got '%s'); "
			    "use nono run",
			    o->argv[0]);
	} else if (o->argc == 0) {
		return nono_errf(
		    err, errlen,
		    "no command given (usage: nono %s [OPTIONS] -- "
		    "COMMAND [ARGS...])",
		    mode_name(mode));
	}
	return 0;
}

void args_clear(struct run_opts *o)
{
	struct strv *all[] = {
	    &o->allow,         &o->read,           &o->write,
	    &o->allow_file,    &o->read_file,      &o->write_file,
	    &o->sock,          &o->sock_bind,      &o->sock_dir,
	    &o->sock_dir_bind, &o->sock_tree,      &o->sock_tree_bind,
	    &o->bypass,        &o->allow_cmd,      &o->block_cmd,
	    &o->suppress,      &o->allow_domain,   &o->upstream_bypass,
	    &o->credential,    &o->allow_endpoint,
	};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		strv_clear(all[i]);
	strv_clear(&o->env_credential);
	strv_clear(&o->env_credential_map);
	strv_clear(&o->rollback_exclude);
	strv_clear(&o->rollback_include);
	strv_clear(&o->skip_dir);
	free(o->env_allow);
	o->env_allow = NULL;
	free(o->env_domains);
	o->env_domains = NULL;
	free(o->env_bypass);
	o->env_bypass = NULL;
	free(o->env_creds);
	o->env_creds = NULL;
}

void args_usage_run(enum run_mode mode)
{
	const char *m = mode_name(mode);

	if (mode == MODE_SHELL)
		printf("Usage: nono shell [OPTIONS]\n\n"
		       "Start an interactive shell inside the sandbox.\n\n");
	else if (mode == MODE_WRAP)
		printf("Usage: nono wrap [OPTIONS] -- COMMAND [ARGS...]\n\n"
		       "Apply the sandbox and exec into COMMAND: no nono "
		       "process remains.\n\n");
	else
		printf("Usage: nono run [OPTIONS] -- COMMAND [ARGS...]\n\n"
		       "Run COMMAND inside the sandbox, supervised.\n\n");
	printf("Filesystem:\n"
	       "  -a, --allow DIR           read+write access to a directory "
	       "tree\n"
	       "  -r, --read DIR            read-only access to a directory "
	       "tree\n"
	       "  -w, --write DIR           write-only access to a directory "
	       "tree\n"
	       "      --allow-file FILE     read+write access to one file\n"
	       "      --read-file FILE      read-only access to one file\n"
	       "      --write-file FILE     write-only access to one file\n"
	       "      --allow-cwd           share the current directory "
	       "(read-only) without asking\n"
	       "      --bypass-protection PATH  lift one built-in protection "
	       "(needs a grant too)\n"
	       "      --allow-gpu           GPU devices (NVIDIA, DRM render "
	       "nodes, AMD KFD)\n"
	       "      --allow-new-repos     let the command create git "
	       "repositories (.git) in\n"
	       "                            writable grants (git clone, git "
	       "init)\n"
	       "      --capability-elevation  ask on the terminal for opens, "
	       "creat and mkdir\n"
	       "                            beyond the grants (nono run, "
	       "shell)\n"
	       "Network:\n"
	       "      --block-net           block all network access\n"
	       "      --allow-net           force unrestricted network\n"
	       "      --open-port PORT      with --block-net: allow "
	       "127.0.0.1:PORT both ways\n"
	       "AF_UNIX sockets (needed under --block-net):\n"
	       "      --allow-unix-socket PATH, --allow-unix-socket-bind PATH\n"
	       "      --allow-unix-socket-dir DIR, "
	       "--allow-unix-socket-dir-bind DIR\n"
	       "      --allow-unix-socket-subtree DIR, "
	       "--allow-unix-socket-subtree-bind DIR\n");
	if (mode != MODE_WRAP)
		printf(
		    "Proxy mode (the command reaches only these hosts, "
		    "through nono's proxy):\n"
		    "      --network-profile NAME  minimal, developer, "
		    "claude-code, codex, opencode,\n"
		    "                            enterprise\n"
		    "      --allow-domain HOST   HOST, *.suffix or "
		    "'https://host/path/**' (repeatable)\n"
		    "      --credential SERVICE  the proxy adds SERVICE's key "
		    "(openai, anthropic,\n"
		    "                            gemini, google-ai, or a "
		    "profile's custom_credentials)\n"
		    "      --allow-endpoint SERVICE:METHOD:PATH  only these "
		    "requests to SERVICE\n"
		    "      --upstream-proxy HOST:PORT, --upstream-bypass HOST  "
		    "chain through a proxy\n"
		    "      --proxy-port N        the proxy's port (default: "
		    "any free one)\n"
		    "      --listen-port N       let the command serve on "
		    "127.0.0.1:N\n");
	if (mode != MODE_WRAP)
		printf(
		    "Sessions (on a terminal, or detached):\n"
		    "      --detached            start in the background; "
		    "nono attach NAME later\n"
		    "      --name NAME           the session's name (nono ps; "
		    "default: generated)\n"
		    "      --detach-timeout S    wait S seconds for a "
		    "detached start (30)\n"
		    "      --startup-timeout S   stop the command if it shows "
		    "no full-screen\n"
		    "                            interface within S seconds "
		    "(0: never)\n");
	if (mode != MODE_WRAP)
		printf(
		    "Audit trail (on by default; nono audit):\n"
		    "      --no-audit            no trail; "
		    "--no-audit-integrity: "
		    "no hash chain\n"
		    "      --audit-integrity     also hash the writable trees "
		    "before and after\n"
		    "      --audit-sign-key REF  sign the session (a trust key "
		    "id, file://, env://...)\n"
		    "Rollback (snapshots of the writable directories; nono "
		    "rollback):\n"
		    "      --rollback            snapshot before and after, "
		    "offer to restore\n"
		    "      --no-rollback-prompt  with --rollback: snapshots "
		    "only, no review\n"
		    "      --rollback-exclude P  leave out a name, a/sub/path "
		    "or a '*.glob'\n"
		    "      --rollback-include D  keep an auto-excluded "
		    "directory (target, ...)\n"
		    "      --rollback-all        no automatic exclusion\n"
		    "      --skip-dir NAME       leave out directories named "
		    "NAME (rollback, trust scan)\n"
		    "      --trust-override      do not verify instruction "
		    "files (nono trust)\n");
	printf("Profiles:\n"
	       "  -p, --profile NAME        a profile (nono profile list; "
	       "nono profile guide)\n"
	       "      --workdir DIR         $WORKDIR for the profile "
	       "(default: the current one)\n"
	       "Credentials (loaded before the sandbox; the command sees "
	       "them):\n"
	       "      --env-credential NAME[,REF=VAR]  keystore account NAME "
	       "as $NAME (upper-cased)\n"
	       "      --env-credential-map REF VAR  keyring://S/A, op://, "
	       "env://, file:/// as $VAR\n"
	       "Other:\n"
	       "      --json                with --dry-run: the plan as JSON\n"
	       "      --dry-run             print the capabilities, run "
	       "nothing\n"
	       "      --no-diagnostics      no diagnostic footer on failure\n"
	       "      --allow-command CMD   (deprecated) allow a blocked "
	       "command\n"
	       "      --block-command CMD   (deprecated) block a command at "
	       "start-up\n"
	       "  -c, --config FILE         configuration file\n"
	       "  -v, --verbose             more output (-vv, -vvv)\n"
	       "  -s, --silent              no nono output at all\n"
	       "      --theme NAME          mocha, latte, frappe, macchiato, "
	       "tokyo-night, minimal\n");
	if (mode == MODE_SHELL)
		printf("      --shell PATH          shell to start (default: "
		       "$SHELL, then /bin/sh)\n");
	printf("  -h, --help                this help\n\nSee also: nono %s "
	       "--dry-run -v\n",
	       m);
}

size_t args_run_flag_count(void)
{
	size_t n = 0;

	while (run_longopts[n].name)
		n++;
	return n;
}

const char *args_run_flag(size_t i, bool *takes_value)
{
	if (i >= args_run_flag_count())
		return NULL;
	if (takes_value)
		*takes_value = run_longopts[i].has_arg != no_argument;
	return run_longopts[i].name;
}
