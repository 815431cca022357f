// SPDX-License-Identifier: Apache-2.0
/*
 * The run/wrap/shell commands: turns validated options into a capability
 * set (system defaults, user grants, GPU, sockets, network), plans the
 * protected paths, then prints it (--dry-run), supervises it (run, shell)
 * or becomes it (wrap).  Planning is the planner's (plan/plan.h); the
 * run's own steps live beside it (run_internal.h): run_net.c (listener,
 * secrets), run_report.c (what is printed).
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

#include "cli/cmd_learn.h"
#include "cli/cmd_run.h"
#include "cli/config.h"
#include "cli/diag.h"
#include "cli/envcred.h"
#include "cli/output.h"
#include "cli/run_agentcfg.h"
#include "cli/run_ancestors.h"
#include "cli/run_audit.h"
#include "cli/run_ctx.h"
#include "cli/run_elevate.h"
#include "cli/run_gitrefs.h"
#include "cli/run_internal.h"
#include "cli/run_rollback.h"
#include "cli/run_session.h"
#include "cli/run_trust.h"
#include "cli/save_prompt.h"
#include "cli/why_self.h"
#include "cred/secret.h"
#include "nono-config.h"
#include "nono/error.h"
#include "nono/landlock.h"
#include "nono/ns.h"
#include "nono/path.h"
#include "nono/sandbox.h"
#include "nono/seccomp.h"
#include "plan/profile_apply.h"
#include "plan/verdict.h"
#include "policy/cmdblock.h"
#include "policy/envclean.h"
#include "policy/protect.h"
#include "policy/system.h"
#include "proxy/server.h"
#include "supervisor/gate.h"
#include "supervisor/supervise.h"

extern char **environ;

/* Sets NAME=value in @env (replacing the parent's), kept alive by
 * @owned.  Returns the array (possibly moved) or NULL. */
static char **env_set(char **env, struct strv *owned, const char *name,
		      const char *value)
{
	size_t n = 0, nl = strlen(name);
	char *entry, **nenv;

	if (asprintf(&entry, "%s=%s", name, value) < 0)
		return NULL;
	if (strv_push(owned, entry) < 0) {
		free(entry);
		return NULL;
	}
	while (env[n])
		n++;
	/* Every NAME= goes: with two, the command could see the other. */
	for (size_t i = 0; i < n; i++)
		if (strncmp(env[i], name, nl) == 0 && env[i][nl] == '=') {
			env[i--] = env[--n];
			env[n] = NULL;
		}
	nenv = realloc(env, (n + 2) * sizeof(*nenv));
	if (!nenv)
		return NULL;
	nenv[n] = entry;
	nenv[n + 1] = NULL;
	return nenv;
}

/* -vv: each request; a policy refusal says denied, an upstream failure
 * failed, with why.  Refusals are kept for the footer. */
static void on_decision(void *arg, const struct nono_proxy_decision *d)
{
	struct run_ctx *c = arg;

	/* nono learn: what the proxy saw, by host. */
	if (d->learned) {
		cli_learn_host(d->host, d->port, true, d->why);
		out_verbose_msg(2, "proxy: learned %s %s:%u (%s)", d->method,
				d->host, d->port,
				d->allowed ? "let through while learning"
				: d->why   ? d->why
					   : "not let through");
		return;
	}
	if (d->allowed && d->status != 0 && d->status < 400)
		cli_learn_host(d->host, d->port, false, NULL);
	if (d->status == 0) {
		run_audit_proxy(c, d);
		out_verbose_msg(2,
				"proxy: %s %s:%u closed (%llu bytes up, %llu "
				"down)",
				d->method, d->host, d->port, d->bytes_up,
				d->bytes_down);
		return;
	}
	if (d->status >= 500)
		out_verbose_msg(2, "proxy: failed %s %s:%u%s%s -> %d: %.*s",
				d->method, d->host, d->port, d->path ? " " : "",
				d->path ? d->path : "", d->status,
				d->why ? (int)strcspn(d->why, "\n") : 1,
				d->why ? d->why : "?");
	else
		out_verbose_msg(2, "proxy: %s %s %s:%u%s%s -> %d",
				d->allowed ? "allowed" : "denied", d->method,
				d->host, d->port, d->path ? " " : "",
				d->path ? d->path : "", d->status);
	run_audit_proxy(c, d);
	if (d->allowed || d->status >= 500 || !c)
		return;
	pthread_mutex_lock(&c->rt.net_mu);
	c->rt.net.refused++;
	{
		char h[sizeof(c->rt.net.hosts[0])];
		bool dup = false;

		snprintf(h, sizeof(h), "%s:%u", d->host, d->port);
		for (size_t i = 0; i < c->rt.net.nhosts; i++)
			dup |= strcmp(c->rt.net.hosts[i], h) == 0;
		if (!dup && c->rt.net.nhosts < DIAG_HOSTS)
			memcpy(c->rt.net.hosts[c->rt.net.nhosts++], h,
			       sizeof(h));
	}
	pthread_mutex_unlock(&c->rt.net_mu);
}

/* `nono why --self --host` asked the proxy: this run's verdict. */
static int on_why(void *arg, const char *host, unsigned port, const char *path,
		  char *out, size_t len)
{
	struct run_ctx *c = arg;

	return why_host_json(&c->p, host, port, path, out, len);
}

/* Starts the proxy on @fd (which it then owns through @c). */
static int proxy_launch(struct run_ctx *c, int fd)
{
	struct nono_proxy_config cfg = {0};
	int r;

	if (c->rt.proxy_fd >= 0 && c->rt.proxy_fd != fd)
		close(c->rt.proxy_fd);
	c->rt.proxy_fd = fd;
	cfg.listen_fd = fd;
	cfg.token = c->rt.proxy_token;
	cfg.allow = c->p.allow;
	cfg.on_decision = on_decision;
	cfg.why = on_why;
	cfg.arg = c;
	cfg.learn = cli_learn != NULL;
	cfg.tls_chan = c->rt.tls.chan;
	cfg.upstream_host = c->p.upstream_host;
	cfg.upstream_port = c->p.upstream_port;
	cfg.upstream_bypass = c->p.upstream_bypass;
	cfg.creds = c->p.creds.n ? &c->p.creds : NULL;
	r = nono_proxy_start(&cfg, &c->rt.proxy);
	if (r < 0) {
		out_error("proxy: cannot start: %s", strerror(-r));
		return -1;
	}
	return 0;
}

static int on_net_listener(void *arg, int fd)
{
	return proxy_launch(arg, fd);
}

/* The command has exec'd: nono's copies of its credentials go now, not
 * when the (long-running) supervisor exits. */
static void on_started(void *arg)
{
	struct run_ctx *c = arg;

	cli_envcred_wipe(c->rt.envcred);
	run_session_started(c);
	cli_learn_started(c->rt.tls.dir[0] ? c->rt.tls.pid : 0);
	/* The trail, now that the command runs (its writes are off the
	 * start-up path). */
	run_audit_policy(c);
	/* The proxy holds the credential services' keys from here on:
	 * no other process of the user may read its memory.  (Not before:
	 * the command's set-up writes its own /proc/self files, which a
	 * non-dumpable process does not own.) */
	if (c->p.creds.n)
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* The sandbox is being built: the audit trail's running record meanwhile. */
static void on_spawned(void *arg)
{
	run_audit_spawned(arg);
}

/* The command has run a few milliseconds: the audit trail's thread. */
static void on_later(void *arg)
{
	run_audit_launch(arg);
}

/* Points the command's environment at the proxy: the HTTP(S)_PROXY
 * variables carry a fresh session token as credentials. */
static int proxy_env(struct run_ctx *c, char ***env)
{
	static const char *const vars[] = {"HTTP_PROXY", "HTTPS_PROXY",
					   "http_proxy", "https_proxy"};
	unsigned char raw[16];
	char url[128];

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		out_error("proxy: no randomness for the session token: %s",
			  strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(c->rt.proxy_token + 2 * i, 3, "%02x", raw[i]);
	explicit_bzero(raw, sizeof(raw));
	snprintf(url, sizeof(url), "http://nono:%s@127.0.0.1:%u",
		 c->rt.proxy_token, c->p.proxy_port);
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]) && *env; i++)
		*env = env_set(*env, &c->p.owned, vars[i], url);
	explicit_bzero(url, sizeof(url));
	/* Loopback stays direct (--open-port IPC, servers the command
	 * starts itself), except a loopback name the allowlist names: the
	 * user means the host's server, which only the proxy reaches. */
	{
		static const char *const lo[] = {"localhost", "127.0.0.1",
						 "::1"};
		char np[64] = "";

		for (size_t i = 0; i < sizeof(lo) / sizeof(lo[0]); i++) {
			bool paths = false;

			if (nono_allowlist_check(c->p.allow, lo[i], NULL,
						 &paths) == NONO_HOST_ALLOWED)
				continue;
			snprintf(np + strlen(np), sizeof(np) - strlen(np),
				 "%s%s", np[0] ? "," : "", lo[i]);
		}
		if (*env)
			*env = env_set(*env, &c->p.owned, "NO_PROXY", np);
		if (*env)
			*env = env_set(*env, &c->p.owned, "no_proxy", np);
	}
	/* Node.js >= 24 honours the variables only when told to. */
	if (*env)
		*env = env_set(*env, &c->p.owned, "NODE_USE_ENV_PROXY", "1");
	/* Credential services: the base URL is the proxy's, the key a
	 * placeholder that only this proxy accepts. */
	for (size_t i = 0; i < c->p.creds.n && *env; i++) {
		const struct nono_cred_route *r = &c->p.creds.r[i];

		/* A key taken from the host's environment (env://VAR) is
		 * not passed on in VAR. */
		if (strncmp(r->key, "env://", 6) == 0) {
			size_t nl = strlen(r->key + 6), n = 0;

			while ((*env)[n])
				n++;
			for (size_t k = 0; k < n; k++)
				if (strncmp((*env)[k], r->key + 6, nl) == 0 &&
				    (*env)[k][nl] == '=') {
					(*env)[k--] = (*env)[--n];
					(*env)[n] = NULL;
				}
		}

		snprintf(url, sizeof(url), "http://127.0.0.1:%u/%s",
			 c->p.proxy_port, r->name);
		*env = env_set(*env, &c->p.owned, r->base_var, url);
		if (*env)
			*env = env_set(*env, &c->p.owned, r->key_var,
				       r->placeholder);
		if (*env && r->extra_key_var)
			*env = env_set(*env, &c->p.owned, r->extra_key_var,
				       r->placeholder);
	}
	if (!*env) {
		out_error("out of memory");
		return -1;
	}
	return 0;
}

/* Starts the TLS helper with the path rules and tells the command to
 * trust the session CA. */
static int tls_start(struct run_ctx *c, char ***env)
{
	static const char *const bundle_vars[] = {
	    "SSL_CERT_FILE", "CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE",
	    "GIT_SSL_CAINFO"};
	struct strv rules = {0};
	char err[256], e[600];
	int r = -1;

	for (size_t i = 0; i < nono_allowlist_count(c->p.allow); i++) {
		char *dup;

		nono_allowlist_entry(c->p.allow, i, e, sizeof(e));
		if (strncmp(e, "https://", 8) != 0)
			continue;
		dup = strdup(e);
		if (!dup || strv_push(&rules, dup) < 0) {
			free(dup);
			out_error("out of memory");
			goto out;
		}
	}
	if (nono_tls_helper_start(&c->rt.tls, c->p.tls_exe, rules.v, rules.n,
				  err, sizeof(err)) < 0) {
		out_error("proxy: TLS interception (%s): %s", c->p.tls_exe,
			  err);
		goto out;
	}
	for (size_t i = 0; i < sizeof(bundle_vars) / sizeof(bundle_vars[0]) &&
			   c->p.tls_wanted;
	     i++)
		if (*env)
			*env = env_set(*env, &c->p.owned, bundle_vars[i],
				       c->rt.tls.bundle);
	if (*env && c->p.tls_wanted)
		*env = env_set(*env, &c->p.owned, "NODE_EXTRA_CA_CERTS",
			       c->rt.tls.ca);
	if (!*env) {
		out_error("out of memory");
		goto out;
	}
	if (c->p.tls_wanted)
		out_verbose_msg(
		    1,
		    "proxy: TLS interception for hosts with path rules; "
		    "the command trusts the session CA (%s)",
		    c->rt.tls.bundle);
	r = 0;
out:
	for (size_t i = 0; i < rules.n; i++)
		free(rules.v[i]);
	strv_clear(&rules);
	return r;
}

static int execute(struct run_ctx *c, char **argv)
{
	struct nono_sandbox_error se = {0};
	struct nono_exec_error ee = {0};
	struct nono_exec_spec spec = {0};
	struct nono_sandbox *sb = NULL;
	struct nono_gate *gate = NULL;
	char **env = NULL;
	size_t ndropped = 0;
	int status = 1, signo = 0, r;
	bool ran = false;

	/* A session first: a detached start forks here, before any thread
	 * (the proxy's) or secret exists. */
	r = run_session_begin(c, argv, &status);
	if (r != 0)
		return r > 0 ? status : 1;
	if (run_net_start(c) < 0)
		goto out;
	/* Secrets are read first, before anything is confined or started
	 * (the keystore and op are out of reach from inside). */
	{
		char cerr[1024];

		if (cli_envcred_load(c->rt.envcred, cerr, sizeof(cerr)) < 0) {
			out_error("%s", cerr);
			return 1;
		}
	}
	if (cli_learn) {
		/* nono learn: every call naming a path goes to the gate,
		 * which records it. */
		nono_caps_set_gate(c->p.caps, true);
		nono_caps_set_learn(c->p.caps, true);
		/* Calls that only look are heard for --all alone: nothing
		 * the sandbox refuses, and most of the calls a git status
		 * or a find makes. */
		nono_caps_set_learn_meta(c->p.caps, cli_learn->all);
	}
	run_elevate_plan(c);
	r = nono_sandbox_prepare(c->p.caps, &sb, &se);
	if (r < 0) {
		if (r == -NONO_EUNSUPPORTED)
			out_error("--open-port needs Landlock ABI 4 (TCP "
				  "rules); this kernel has ABI %d",
				  nono_landlock_abi());
		else if (se.path[0])
			out_error("sandbox: %s: %s: %s", se.step, se.path,
				  nono_strerror(r));
		else
			out_error("sandbox: %s: %s", se.step, nono_strerror(r));
		if (r == -NONO_ENOLANDLOCK)
			out_hint("nono needs a kernel with Landlock enabled "
				 "(5.13 or newer, lsm=landlock)");
		return 1;
	}
	run_report_degradation(sb);
	env = nono_env_clean(environ, &ndropped);
	if (!env) {
		out_error("out of memory");
		goto out;
	}
	if (ndropped)
		out_verbose_msg(1,
				"dropped %zu code-injecting environment "
				"variable(s)",
				ndropped);
	/* `nono why --self` inside knows it is in a sandbox by this. */
	{
		size_t n = 0;
		char **nenv;

		while (env[n])
			n++;
		nenv = realloc(env, (n + 2) * sizeof(*nenv));
		if (!nenv) {
			out_error("out of memory");
			goto out;
		}
		env = nenv;
		for (size_t i = 0; i < n; i++)
			if (strncmp(env[i], "NONO_SANDBOX=", 13) == 0)
				env[i--] = env[--n]; /* never the parent's */
		env[n++] = (char *)"NONO_SANDBOX=1";
		env[n] = NULL;
	}
	/* The network mode, for `nono why --self --host` (in proxy mode
	 * the proxy answers it). */
	{
		char ports[7 * 64] = "";
		const struct nono_caps *caps = c->p.caps;

		for (size_t i = 0; i < nono_caps_port_count(caps) &&
				   strlen(ports) + 7 < sizeof(ports);
		     i++)
			snprintf(ports + strlen(ports),
				 sizeof(ports) - strlen(ports), "%s%u",
				 i ? "," : "",
				 (unsigned)nono_caps_port_at(caps, i));
		env =
		    env_set(env, &c->p.owned, "NONO_NETWORK",
			    c->p.allow                              ? "proxy"
			    : nono_caps_net(caps) == NONO_NET_BLOCK ? "blocked"
								    : "open");
		/* Set even when empty: never an outer sandbox's. */
		if (env)
			env =
			    env_set(env, &c->p.owned, "NONO_OPEN_PORTS", ports);
		if (!env) {
			out_error("out of memory");
			goto out;
		}
	}
	if (c->rt.prompt) {
		env = env_set(env, &c->p.owned, c->rt.prompt_var, c->rt.prompt);
		if (!env) {
			out_error("out of memory");
			goto out;
		}
	}
	if (c->p.profile) {
		char **penv = plan_profile_env_apply(c->p.profile, env);

		free(env);
		env = penv;
		if (!env) {
			out_error("out of memory");
			goto out;
		}
	}
	if (cli_envcred_apply(c->rt.envcred, &env) < 0) {
		out_error("out of memory");
		goto out;
	}
	if (run_creds_load(c) < 0 || (c->p.allow && proxy_env(c, &env) < 0))
		goto out;
	if (c->p.tls_exe && tls_start(c, &env) < 0)
		goto out;
	if (c->p.allow && !c->p.proxy_netns &&
	    proxy_launch(c, c->rt.proxy_fd) < 0)
		goto out;
	run_banner(c, sb);
	fflush(NULL);
	spec.sb = sb;
	spec.gate = NULL;
	spec.argv = argv;
	spec.envp = env;
	spec.on_net_listener = on_net_listener;
	spec.on_started = on_started;
	spec.on_spawned = on_spawned;
	spec.on_later = on_later;
	spec.later_ms = 3;
	spec.arg = c;
	/* The TLS helper is our child too; it outlives the command. */
	if (c->rt.tls.dir[0] && c->rt.tls.pid > 0) {
		spec.keep = &c->rt.tls.pid;
		spec.nkeep = 1;
	}
	if (c->o.mode == MODE_WRAP) {
		nono_exec_sandboxed(&spec, &ee);
		/* Only reached on failure: the process is partly confined. */
		run_report_launch_error(c, &ee, argv[0]);
		status = ee.at_exec ? nono_exec_status(ee.code) : 1;
		goto out;
	}
	if (run_audit_begin(c, argv, env) < 0)
		goto out;
	/* The baseline before anything of the command runs. */
	if (run_rollback_begin(c, argv) < 0)
		goto out;
	/* The agent configurations it may write, as they are now. */
	if (run_agentcfg_begin(c) < 0 || run_ancestors_begin(c) < 0)
		goto out;
	/* The refs and index of the repositories it may write. */
	run_gitrefs_begin(c);
	if (nono_caps_gate(c->p.caps) && nono_gate_new(c->p.caps, &gate) < 0) {
		out_error("out of memory");
		goto out;
	}
	run_audit_watch_gate(c, gate);
	spec.gate = gate;
	if (run_session_spec(c, argv, &spec) < 0)
		goto out;
	if (gate)
		nono_gate_set_bypass(gate, c->p.bypass, c->p.nbypass);
	if (gate) {
		nono_gate_set_kept(gate, c->p.kept.v, c->p.kept.n);
		nono_gate_set_new_repos(gate, c->o.allow_new_repos);
		nono_gate_set_learn(gate, cli_learn != NULL);
		if (cli_learn)
			nono_gate_set_learn_serve(gate, cli_learn_may_serve,
						  &c->p);
	}
	if (run_elevate_setup(c, gate) < 0)
		goto out;
	r = nono_supervise(&spec, &status, &signo, &ee);
	ran = r >= 0;
	cli_learn_stopped();
	/* The user's terminal back before the footer; a detached session
	 * keeps its clients for the save prompt (asked of the attached
	 * one). */
	if (!c->o.detached)
		run_session_end(c, status, signo, ran);
	if (r < 0) {
		run_report_launch_error(c, &ee, argv[0]);
		goto out;
	}
	if (c->p.allow && !c->rt.proxy) {
		/* The proxy could not start: the command was stopped before
		 * it ran (the error is printed). */
		status = 1;
		goto out;
	}
	if (cli_learn) {
		/* The report instead of the footer and the save prompt. */
		if (gate && cli_learn_report(c, gate) != 0 && status == 0)
			status = 1;
		goto out;
	}
	if (status != 0 && !out_silent() && !c->o.no_diagnostics) {
		struct diag_net net;

		pthread_mutex_lock(&c->rt.net_mu);
		net = c->rt.net;
		pthread_mutex_unlock(&c->rt.net_mu);
		net.proxy = c->p.allow != NULL;
		diag_footer(&c->p, gate, argv, status, signo, &net);
	}
	run_elevate_report(c->p.caps, gate);
	save_prompt(c, gate, argv);
out:
	run_session_end(c, status, signo, ran);
	nono_proxy_stop(c->rt.proxy);
	c->rt.proxy = NULL;
	/* The command is gone: what it planted in them goes too (before the
	 * trail ends, which records it). */
	if (run_agentcfg_end(c) < 0 && status == 0)
		status = 1;
	if (run_ancestors_end(c) < 0 && status == 0)
		status = 1;
	/* The commits it left for the user's next checkout. */
	if (run_gitrefs_end(c) < 0 && status == 0)
		status = 1;
	/* The last snapshot, what changed, the offer to restore (in the
	 * trail, which ends after it). */
	run_rollback_end(c, status);
	/* The instruction files again, before the trail ends. */
	if (ran)
		run_trust_end(c);
	/* After the proxy: its last decisions are in the trail.  A run whose
	 * signature or integrity data (asked for by name) could not be made
	 * does not end in success. */
	if (run_audit_end(c, status, signo, ran) < 0 && status == 0 &&
	    (c->o.audit_sign_key || c->o.audit_integrity))
		status = 1;
	if (c->rt.tls.dir[0])
		nono_tls_helper_stop(&c->rt.tls);
	explicit_bzero(c->rt.proxy_token, sizeof(c->rt.proxy_token));
	nono_gate_free(gate);
	cli_envcred_wipe(c->rt.envcred);
	free(env);
	nono_sandbox_free(sb);
	return status;
}

/* A credential service's variables are the proxy's: an environment
 * credential may not take them. */
static int check_cred_vars(struct run_ctx *c)
{
	for (size_t i = 0; i < c->p.creds.n; i++) {
		const struct nono_cred_route *cr = &c->p.creds.r[i];
		const char *vars[] = {cr->key_var, cr->base_var,
				      cr->extra_key_var};

		for (size_t k = 0; k < 3; k++)
			if (cli_envcred_has(c->rt.envcred, vars[k])) {
				out_error("%s is set by --credential "
					  "%s (a placeholder or the "
					  "proxy's URL); choose another "
					  "variable for the environment "
					  "credential",
					  vars[k], cr->name);
				return -1;
			}
	}
	return 0;
}

/* Shares the current directory?  Asked on the terminal, never under
 * --silent or without one (plan_ask_fn). */
static int ask_cwd(void *arg, const char *cwd, unsigned access)
{
	struct run_ctx *c = arg;
	char answer[16];

	if (out_silent())
		return PLAN_ASK_SILENT;
	if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO))
		return PLAN_ASK_NOTTY;
	if (!access)
		return 0; /* the profile shares none: nothing to ask */
	run_print_msgs(&c->p.msgs, &c->rt.shown);
	fprintf(stderr, "nono: share the current directory %s (%s)? [y/N] ",
		cwd,
		access == NONO_ACCESS_RW     ? "read-write"
		: access == NONO_ACCESS_READ ? "read-only"
					     : "write-only");
	if (!fgets(answer, sizeof(answer), stdin) ||
	    (answer[0] != 'y' && answer[0] != 'Y')) {
		out_info("nono: not sharing %s", cwd);
		return 0;
	}
	return 1;
}

/* The planner's notes so far, then its error when @r failed. */
static int plan_step(struct run_ctx *c, int r)
{
	run_print_msgs(&c->p.msgs, &c->rt.shown);
	if (r < 0)
		run_print_plan_error(&c->p.msgs);
	return r;
}

/* A file:// audit signing key is the supervisor's: hidden from the
 * sandbox like a credential, wherever the grants would let it read it
 * (with it, the command could sign forged sessions later). */
static int hide_sign_key(struct run_ctx *c)
{
	const char *ref = c->o.audit_sign_key;
	char *canon;
	int r;

	if (!ref || strncmp(ref, "file://", 7) != 0)
		return 0;
	canon = realpath(ref + 7, NULL);
	if (!canon)
		return 0; /* loading it fails later, with the reason */
	r = nono_caps_add_mask(c->p.caps, canon, NONO_MASK_HIDE, false);
	free(canon);
	if (r < 0) {
		out_error("--audit-sign-key: cannot hide the key from the "
			  "sandbox: %s",
			  strerror(-r));
		return -1;
	}
	return 0;
}

int run_plan(enum run_mode mode, int argc, char **argv, struct global_opts *g,
	     struct run_ctx *c)
{
	char err[512];
	int r;

	memset(c, 0, sizeof(*c));
	/* No descriptor is -1, never 0 (stdin). */
	c->rt.proxy_fd = -1;
	c->rt.tls.chan = c->rt.tls.dirfd = c->rt.tls.parentfd = -1;
	c->rt.tls.pid = -1;
	pthread_mutex_init(&c->rt.net_mu, NULL);
	r = args_parse_run(mode, argc, argv, g, &c->o, err, sizeof(err));
	if (r == 1)
		return 1;
	/* Output is set up even after a parse error, so that --theme and
	 * --silent given before the bad flag still apply. */
	if (cli_setup_output(g, c->o.config) < 0)
		return -1;
	if (r < 0) {
		out_error("%s", err);
		return -1;
	}
	/* Planning writes nothing; a run then makes the directories the
	 * plan lists (--dry-run and why only describe them). */
	if (plan_step(
		c, plan_grants(&c->o, plan_home_dir(), ask_cwd, c, &c->p)) < 0)
		return -1;
	if (mode != MODE_WHY && !c->o.dry_run &&
	    plan_step(c, plan_make_dirs(&c->p)) < 0)
		return -1;
	if (plan_step(c, plan_protect(&c->o, &c->p)) < 0)
		return -1;
	if (mode != MODE_WHY && hide_sign_key(c) < 0)
		return -1;
	/* Instruction files verified before anything starts, and kept
	 * read-only (a plan step: --dry-run shows it too). */
	if (mode != MODE_WHY && run_trust_scan(c) < 0)
		return -1;
	/* Whether namespaces work is learnt from the real attempt (the
	 * child reports it); only --dry-run, which runs nothing, probes. */
	if (c->o.dry_run && nono_caps_mask_count(c->p.caps) > 0 &&
	    !nono_ns_available())
		return plan_step(c, plan_fail_no_userns(c->p.caps, &c->p.msgs));
	if (mode != MODE_WHY) {
		char cerr[1024];

		if (cli_envcred_plan(&c->o, c->p.profile,
				     c->o.network_profile ||
					 c->o.allow_domain.n ||
					 c->o.credential.n,
				     &c->rt.envcred, cerr, sizeof(cerr)) < 0) {
			out_error("%s", cerr);
			return -1;
		}
	}
	return check_cred_vars(c);
}

void run_ctx_clear(struct run_ctx *c)
{
	cli_envcred_free(c->rt.envcred);
	run_trust_free(c);
	run_agentcfg_free(c);
	run_ancestors_free(c);
	run_gitrefs_free(c);
	if (c->rt.tls.dir[0])
		nono_tls_helper_stop(&c->rt.tls);
	if (c->rt.proxy_fd >= 0)
		close(c->rt.proxy_fd);
	pthread_mutex_destroy(&c->rt.net_mu);
	plan_clear(&c->p);
	args_clear(&c->o);
	memset(c, 0, sizeof(*c));
}

/*
 * nono shell: the user's shell, without the start-up errors of rc files
 * the sandbox hides (bash and zsh then skip them: --norc, -f), and with
 * "(nono)" in its prompt so that a sandboxed shell is told from another.
 */
static void shell_setup(struct run_ctx *c, char **argv)
{
	static const struct {
		const char *shell, *rc, *norc, *var, *prompt;
	} known[] = {
	    {"bash", ".bashrc", "--norc", "PS1", "(nono) \\w \\$ "},
	    {"zsh", ".zshrc", "-f", "PROMPT", "(nono) %~ %# "},
	    {"sh", NULL, NULL, "PS1", "(nono) $ "},
	    {"dash", NULL, NULL, "PS1", "(nono) $ "},
	};
	const char *base = strrchr(argv[0], '/');

	base = base ? base + 1 : argv[0];
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		char rc[PATH_MAX];
		struct plan_verdict v;

		if (strcmp(base, known[i].shell) != 0)
			continue;
		c->rt.prompt_var = known[i].var;
		c->rt.prompt = known[i].prompt;
		if (!known[i].rc || !c->p.home ||
		    (size_t)snprintf(rc, sizeof(rc), "%s/%s", c->p.home,
				     known[i].rc) >= sizeof(rc))
			return;
		plan_why_path(&c->p, NONO_ACCESS_READ, rc,
			      access(rc, F_OK) == 0, &v);
		/* What the sandbox cannot read, the shell would complain
		 * about: skip it (an rc file it can read still runs, and
		 * may set its own prompt). */
		if (!v.allowed)
			argv[1] = (char *)known[i].norc;
		else
			c->rt.prompt = NULL;
		return;
	}
}

int cmd_run(enum run_mode mode, int argc, char **argv, struct global_opts *g)
{
	char *shell_argv[3] = {NULL, NULL, NULL};
	char **cmd;
	int status = 1, r;
	struct run_ctx c;

	r = run_plan(mode, argc, argv, g, &c);
	if (r != 0) {
		run_ctx_clear(&c);
		return r == 1 ? 0 : 1;
	}
	if (mode == MODE_SHELL) {
		const char *sh = c.o.shell ? c.o.shell : getenv("SHELL");

		shell_argv[0] = (char *)(sh && *sh ? sh : "/bin/sh");
		shell_setup(&c, shell_argv);
		cmd = shell_argv;
	} else {
		cmd = c.o.argv;
	}
	if (c.o.dry_run && c.o.json) {
		run_print_dry_run_json(&c, cmd);
		status = 0;
	} else if (c.o.dry_run) {
		run_print_dry_run(&c, cmd);
		status = 0;
	} else {
		status = execute(&c, cmd);
	}
	run_ctx_clear(&c);
	return status;
}
