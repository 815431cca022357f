// SPDX-License-Identifier: Apache-2.0
/*
 * The run/wrap/shell commands: turns validated options into a capability
 * set (system defaults, user grants, GPU, sockets, network), plans the
 * protected paths, then prints it (--dry-run), supervises it (run, shell)
 * or becomes it (wrap).
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

#include "cli/cmd_run.h"
#include "cli/config.h"
#include "cli/diag.h"
#include "cli/envcred.h"
#include "cli/output.h"
#include "cli/profiles.h"
#include "cli/run_ctx.h"
#include "cli/save_prompt.h"
#include "cred/secret.h"
#include "nono-config.h"
#include "nono/error.h"
#include "nono/landlock.h"
#include "nono/ns.h"
#include "nono/path.h"
#include "nono/sandbox.h"
#include "nono/seccomp.h"
#include "policy/cmdblock.h"
#include "policy/envclean.h"
#include "policy/protect.h"
#include "policy/system.h"
#include "proxy/server.h"
#include "supervisor/gate.h"
#include "supervisor/supervise.h"

extern char **environ;

/* $HOME, else /etc/passwd (read directly: the binary is static, and NSS
 * modules cannot be loaded); NULL when neither answers, and the caller
 * refuses to run: the deny groups need a home to protect. */
static const char *home_dir(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw = NULL;
	FILE *f;

	if (h && h[0] == '/')
		return h;
	f = fopen("/etc/passwd", "re");
	while (f && (pw = fgetpwent(f)) != NULL)
		if (pw->pw_uid == getuid() && pw->pw_dir[0] == '/')
			break;
	if (f)
		fclose(f);
	return pw ? pw->pw_dir : NULL;
}

static int own(struct run_ctx *c, char *s)
{
	if (strv_push(&c->owned, s) < 0) {
		free(s);
		out_error("too many paths");
		return -1;
	}
	return 0;
}

/* Canonicalises a user path; NULL (with the error printed) on failure. */
static char *canon_user(struct run_ctx *c, const char *flag, const char *path,
			bool *exists)
{
	char *canon = NULL;
	int r = nono_path_canon_memo(&c->memo, path, &canon, exists);

	if (r < 0) {
		out_error("%s %s: %s", flag, path, nono_strerror(r));
		return NULL;
	}
	if (own(c, canon) < 0)
		return NULL;
	return canon;
}

static int grant_dir(struct run_ctx *c, const char *flag, const char *path,
		     unsigned access, enum nono_origin origin)
{
	struct stat st;
	bool exists;
	char *canon = canon_user(c, flag, path, &exists);
	int r;

	if (!canon)
		return -1;
	if (!exists) {
		out_warn("%s %s: path does not exist; nothing granted", flag,
			 path);
		return 0;
	}
	if (stat(canon, &st) < 0) {
		out_error("%s %s: %s", flag, path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		out_error("%s %s: not a directory", flag, path);
		out_hint("use %s-file for a single file",
			 access == NONO_ACCESS_RW     ? "--allow"
			 : access == NONO_ACCESS_READ ? "--read"
						      : "--write");
		return -1;
	}
	r = nono_caps_add_path(c->caps, canon, access, 0, origin);
	if (r < 0) {
		out_error("%s %s: %s", flag, path, nono_strerror(r));
		return -1;
	}
	return 0;
}

static int grant_file(struct run_ctx *c, const char *flag, const char *path,
		      unsigned access)
{
	struct stat st;
	bool exists;
	char *canon = canon_user(c, flag, path, &exists);
	int r;

	if (!canon)
		return -1;
	if (!exists) {
		out_warn("%s %s: file does not exist; nothing granted", flag,
			 path);
		return 0;
	}
	if (stat(canon, &st) < 0) {
		out_error("%s %s: %s", flag, path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		out_error("%s %s: is a directory", flag, path);
		out_hint("use %s for a directory tree",
			 access == NONO_ACCESS_RW     ? "--allow"
			 : access == NONO_ACCESS_READ ? "--read"
						      : "--write");
		return -1;
	}
	r = nono_caps_add_path(
	    c->caps, canon, access,
	    NONO_GRANT_FILE | (S_ISCHR(st.st_mode) ? NONO_GRANT_DEVICE : 0),
	    NONO_ORIGIN_USER);
	if (r < 0) {
		out_error("%s %s: %s", flag, path, nono_strerror(r));
		return -1;
	}
	return 0;
}

/* AF_UNIX socket grants: the socket rule plus the filesystem access the
 * reference says each flag implies. */
static int grant_socket(struct run_ctx *c, const char *flag, const char *path,
			enum nono_sock_scope scope, bool bind)
{
	struct stat st;
	bool exists;
	char *canon = canon_user(c, flag, path, &exists);
	unsigned access;
	int r;

	if (!canon)
		return -1;
	if (scope == NONO_SOCK_FILE) {
		if (exists && stat(canon, &st) == 0 && S_ISDIR(st.st_mode)) {
			out_error("%s %s: is a directory", flag, path);
			out_hint("use --allow-unix-socket-dir for the sockets "
				 "in a directory");
			return -1;
		}
		if (!exists && !bind) {
			out_warn("%s %s: socket does not exist; nothing "
				 "granted",
				 flag, path);
			return 0;
		}
		if (exists) {
			r = nono_caps_add_path(c->caps, canon, NONO_ACCESS_RW,
					       NONO_GRANT_FILE |
						   NONO_GRANT_NOEXEC,
					       NONO_ORIGIN_SOCKET);
		} else {
			/* bind(2) creates the file: the parent directory
			 * needs write (MAKE_SOCK). */
			char *parent = strdup(canon), *slash;

			if (!parent || own(c, parent) < 0)
				return -1;
			slash = strrchr(parent, '/');
			if (slash == parent)
				slash[1] = '\0';
			else
				*slash = '\0';
			r = nono_caps_add_path(c->caps, parent, NONO_ACCESS_RW,
					       NONO_GRANT_NOEXEC,
					       NONO_ORIGIN_SOCKET);
		}
	} else {
		if (!exists) {
			out_warn("%s %s: directory does not exist; nothing "
				 "granted",
				 flag, path);
			return 0;
		}
		if (stat(canon, &st) < 0 || !S_ISDIR(st.st_mode)) {
			out_error("%s %s: not a directory", flag, path);
			return -1;
		}
		access = bind ? NONO_ACCESS_RW : NONO_ACCESS_READ;
		r = nono_caps_add_path(c->caps, canon, access,
				       NONO_GRANT_NOEXEC, NONO_ORIGIN_SOCKET);
	}
	if (r >= 0)
		r = nono_caps_add_socket(c->caps, canon, scope, bind);
	if (r < 0) {
		out_error("%s %s: %s", flag, path, nono_strerror(r));
		return -1;
	}
	return 0;
}

static bool interactive(void)
{
	return isatty(STDIN_FILENO) && isatty(STDERR_FILENO);
}

/* The current directory: shared read-only with --allow-cwd, after a prompt
 * on a terminal, and otherwise a clear error. */
static int grant_cwd(struct run_ctx *c)
{
	const struct nono_grant *g;
	char answer[16];

	if (nono_caps_allows(c->caps, c->cwd, NONO_ACCESS_READ, &g) && g &&
	    g->origin != NONO_ORIGIN_SYSTEM)
		return 0; /* an explicit grant covers it already */
	if (c->o.mode == MODE_WHY && !c->o.allow_cwd)
		return 0; /* why describes; it never asks */
	if (c->o.allow_cwd && !c->cwd_access) {
		out_verbose_msg(1,
				"profile %s: workdir.access is none: the "
				"current directory is not shared",
				c->profile->name);
		return 0;
	}
	if (c->o.allow_cwd)
		goto grant;
	if (out_silent()) {
		out_error(
		    "--silent requires --allow-cwd: the current directory "
		    "%s is not granted and nono cannot ask",
		    c->cwd);
		out_hint("add --allow-cwd (read-only) or --allow . "
			 "(read-write)");
		return -1;
	}
	if (!interactive()) {
		out_error("the current directory %s is not granted, and nono "
			  "cannot ask (not a terminal)",
			  c->cwd);
		out_hint("add --allow-cwd to share it read-only, --allow . for "
			 "read-write, or run from a granted directory");
		return -1;
	}
	if (!c->cwd_access)
		return 0; /* the profile shares none: nothing to ask */
	fprintf(stderr, "nono: share the current directory %s (%s)? [y/N] ",
		c->cwd,
		c->cwd_access == NONO_ACCESS_RW     ? "read-write"
		: c->cwd_access == NONO_ACCESS_READ ? "read-only"
						    : "write-only");
	if (!fgets(answer, sizeof(answer), stdin) ||
	    (answer[0] != 'y' && answer[0] != 'Y')) {
		out_info("nono: not sharing %s", c->cwd);
		return 0;
	}
grant:
	if (nono_caps_add_path(c->caps, c->cwd, c->cwd_access, 0,
			       NONO_ORIGIN_CWD) < 0) {
		out_error("--allow-cwd: out of memory");
		return -1;
	}
	return 0;
}

static bool in_list(const struct nono_plist *l, const char *s)
{
	for (size_t i = 0; l && i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

/* The policy groups in force: the default ones unless the profile
 * excludes them, and those it includes.  GPU access only comes through
 * --allow-gpu (checked against the profile's opt-in). */
static int add_groups(struct run_ctx *c)
{
	const struct nono_plist *inc =
	    c->profile ? &c->profile->groups_include : NULL;
	const struct nono_plist *exc =
	    c->profile ? &c->profile->groups_exclude : NULL;

	for (size_t i = 0; i < nono_policy_group_count(); i++) {
		const struct nono_policy_group *g = nono_policy_group_at(i);
		int r;

		if (strcmp(g->name, "gpu") == 0) {
			if (in_list(inc, g->name)) {
				out_error("profile %s: groups.include: gpu "
					  "comes only with --allow-gpu (and "
					  "security.allow_gpu in the profile)",
					  c->profile->name);
				return -1;
			}
			continue;
		}
		if (!(g->by_default && !in_list(exc, g->name)) &&
		    !in_list(inc, g->name))
			continue;
		r = nono_policy_add_group(c->caps, g, c->home);
		if (r < 0) {
			out_error("policy group %s: %s", g->name,
				  nono_strerror(r));
			return -1;
		}
	}
	return 0;
}

/*
 * Proxy mode (--network-profile, --allow-domain): the allowlist, and a
 * loopback listener for the proxy.  The child's network is then blocked
 * except that one port, which the gate lets it reach on loopback only: the
 * proxy is all it can talk to, and DNS is the proxy's job.
 */
/* --upstream-proxy host:port (or http://host:port) and the bypass list. */
static int parse_upstream(struct run_ctx *c)
{
	struct run_opts *o = &c->o;
	const char *s = o->upstream_proxy, *colon;
	char *end;
	long port;

	if (o->upstream_bypass.n && !s) {
		out_error("--upstream-bypass requires --upstream-proxy");
		return -1;
	}
	if (!s)
		return 0;
	if (strncmp(s, "http://", 7) == 0)
		s += 7;
	else if (strstr(s, "://")) {
		out_error("--upstream-proxy %s: only http:// proxies are "
			  "supported (CONNECT carries TLS end to end)",
			  o->upstream_proxy);
		return -1;
	}
	colon = strrchr(s, ':');
	port = colon ? strtol(colon + 1, &end, 10) : 0;
	if (!colon || colon == s || colon - s > 253 || !colon[1] ||
	    (*end && strcmp(end, "/") != 0) || port < 1 || port > 65535) {
		out_error("--upstream-proxy %s: expected HOST:PORT (e.g. "
			  "squid.corp:3128)",
			  o->upstream_proxy);
		return -1;
	}
	if (*s == '[' && colon[-1] == ']')
		c->upstream_host = strndup(s + 1, (size_t)(colon - s - 2));
	else
		c->upstream_host = strndup(s, (size_t)(colon - s));
	if (!c->upstream_host) {
		out_error("out of memory");
		return -1;
	}
	c->upstream_port = (uint16_t)port;
	c->upstream_bypass = nono_allowlist_new();
	if (!c->upstream_bypass) {
		out_error("out of memory");
		return -1;
	}
	for (size_t i = 0; i < o->upstream_bypass.n; i++) {
		const char *why = "invalid";
		const char *b = o->upstream_bypass.v[i];

		if (strstr(b, "://") ||
		    nono_allowlist_add(c->upstream_bypass, b, &why) < 0) {
			out_error("--upstream-bypass %s: %s", b,
				  strstr(b, "://") ? "expected a host name or "
						     "*.suffix"
						   : why);
			return -1;
		}
	}
	return 0;
}

/* The services of --credential (presets, or the profile's
 * custom_credentials) and their --allow-endpoint rules. */
static int setup_creds(struct run_ctx *c)
{
	struct run_opts *o = &c->o;
	const struct nono_profile *pr = c->profile;

	for (size_t i = 0; i < o->credential.n; i++) {
		const char *name = o->credential.v[i], *why = "invalid";
		const struct nono_custom_cred *cc = NULL;
		int e;

		for (size_t k = 0; pr && k < pr->net.ncreds; k++)
			if (strcmp(pr->net.creds[k].name, name) == 0)
				cc = &pr->net.creds[k];
		if (cc) {
			e = nono_creds_add_custom(
			    &c->creds, name, cc->upstream, cc->credential_key,
			    cc->inject_header, cc->credential_format,
			    cc->env_var, &why);
			for (size_t k = 0; e == 0 && k < cc->nrules; k++) {
				e = nono_cred_route_add_rule(
				    nono_creds_find(&c->creds, name),
				    cc->rules[k].method ? cc->rules[k].method
							: "*",
				    cc->rules[k].path ? cc->rules[k].path
						      : "/**",
				    &why);
			}
		} else {
			e = nono_creds_add_preset(&c->creds, name, &why);
		}
		if (e == -EEXIST)
			continue;
		if (e == -ENOMEM) {
			out_error("out of memory");
			return -1;
		}
		if (e < 0) {
			out_error("--credential %s: %s", name, why);
			if (!cc)
				out_hint("define it under network.custom_"
					 "credentials in a profile (nono "
					 "profile guide)");
			return -1;
		}
	}
	for (size_t i = 0; i < o->allow_endpoint.n; i++) {
		const char *why = "invalid";
		int e = nono_creds_add_rule(&c->creds, o->allow_endpoint.v[i],
					    &why);

		if (e == -ENOENT) {
			out_error("--allow-endpoint %s: its service has no "
				  "--credential",
				  o->allow_endpoint.v[i]);
			return -1;
		}
		if (e < 0) {
			out_error("--allow-endpoint %s: %s",
				  o->allow_endpoint.v[i],
				  e == -ENOMEM ? "out of memory" : why);
			return -1;
		}
	}
	for (size_t i = 0; i < c->creds.n; i++) {
		char err[512];

		if (nono_secret_ref_check(c->creds.r[i].key, err, sizeof(err)) <
		    0) {
			out_error("--credential %s: %s", c->creds.r[i].name,
				  err);
			return -1;
		}
		c->creds_tls |= c->creds.r[i].tls;
	}
	return 0;
}

/*
 * Loads each credential service's secret (before the sandbox exists) and
 * arms its placeholder.  The secret then lives only in the header value
 * the proxy sends upstream; once the command runs, the supervisor stops
 * being dumpable (on_started).
 */
static int creds_load(struct run_ctx *c)
{
	for (size_t i = 0; i < c->creds.n; i++) {
		struct nono_cred_route *r = &c->creds.r[i];
		struct nono_secret s = {0};
		char err[512];
		int e;

		if (nono_secret_load(r->key, &s, err, sizeof(err)) < 0) {
			out_error("--credential %s: %s", r->name, err);
			return -1;
		}
		e = nono_cred_arm(r, s.data, s.len);
		nono_secret_wipe(&s);
		if (e < 0) {
			out_error("--credential %s: %s", r->name,
				  e == -EINVAL ? "the secret is longer than "
						 "8 KiB"
					       : strerror(-e));
			return -1;
		}
	}
	return 0;
}

static int setup_proxy(struct run_ctx *c)
{
	struct run_opts *o = &c->o;
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof(a);
	int fd;

	c->proxy_fd = -1;
	if (o->allow_endpoint.n && !o->credential.n) {
		out_error("--allow-endpoint needs --credential SERVICE");
		return -1;
	}
	if (!o->network_profile && !o->allow_domain.n && !o->credential.n) {
		if (o->upstream_proxy || o->upstream_bypass.n) {
			out_error("%s needs proxy mode",
				  o->upstream_proxy ? "--upstream-proxy"
						    : "--upstream-bypass");
			out_hint("add --network-profile NAME or --allow-domain "
				 "HOST");
			return -1;
		}
		if (o->nlisten && o->mode != MODE_WHY)
			out_warn("--listen-port has an effect only in proxy "
				 "mode (--network-profile, --allow-domain)%s",
				 o->net == NET_BLOCK
				     ? "; under --block-net use --open-port"
				     : "");
		return 0;
	}
	if (parse_upstream(c) < 0 || setup_creds(c) < 0)
		return -1;
	c->allow = nono_allowlist_new();
	if (!c->allow) {
		out_error("out of memory");
		return -1;
	}
	if (o->network_profile &&
	    nono_allowlist_add_profile(c->allow, o->network_profile) < 0) {
		char names[256] = "";

		for (size_t i = 0; i < nono_network_profile_count(); i++) {
			strncat(names, i ? ", " : "",
				sizeof(names) - strlen(names) - 1);
			strncat(names, nono_network_profile_name(i),
				sizeof(names) - strlen(names) - 1);
		}
		out_error("--network-profile %s: no such network profile "
			  "(available: %s)",
			  o->network_profile, names);
		return -1;
	}
	for (size_t i = 0; i < o->allow_domain.n; i++) {
		const char *why = "invalid";

		if (nono_allowlist_add(c->allow, o->allow_domain.v[i], &why) <
		    0) {
			out_error("--allow-domain %s: %s", o->allow_domain.v[i],
				  why);
			return -1;
		}
	}
	for (size_t i = 0; i < nono_allowlist_count(c->allow); i++) {
		char e[16];

		nono_allowlist_entry(c->allow, i, e, sizeof(e));
		c->tls_wanted |= strncmp(e, "https://", 8) == 0;
	}
	if ((c->tls_wanted || c->creds_tls) && o->mode != MODE_WHY) {
		char exe[PATH_MAX];

		if (nono_tls_helper_find(exe, sizeof(exe)) == 0) {
			c->tls_exe = strdup(exe);
		} else if (c->creds_tls) {
			out_error("--credential: https:// upstreams need "
				  "nono-tls (TLS to the upstream), which is "
				  "not installed next to nono or in %s",
				  NONO_LIBEXECDIR);
			return -1;
		} else if (!out_silent()) {
			out_warn(
			    "https:// path rules need nono-tls (TLS "
			    "interception), which is not installed next "
			    "to nono or in %s: those hosts are refused for "
			    "HTTPS (plain http:// is checked)",
			    NONO_LIBEXECDIR);
		}
	}
	if (o->net == NET_ALLOW && o->mode != MODE_WHY)
		out_verbose_msg(1, "proxy mode: the network is blocked except "
				   "the proxy (--allow-net does not apply)");
	o->net = NET_BLOCK;
	if (o->mode == MODE_WHY)
		return 0;
	/* --listen-port: the command serves on loopback port N, which host
	 * processes must reach: the network cannot be a namespace of its
	 * own then. */
	for (size_t i = 0; i < o->nlisten; i++) {
		bool dup = false;

		for (size_t k = 0; k < o->nports; k++)
			dup |= o->ports[k] == o->listen_ports[i];
		if (dup)
			continue;
		if (o->nports >= sizeof(o->ports) / sizeof(o->ports[0])) {
			out_error("too many open ports");
			return -1;
		}
		o->ports[o->nports++] = o->listen_ports[i];
	}
	/*
	 * Exact enforcement: the child gets a network namespace of its own
	 * whose only interface is loopback, with the proxy's listener in it.
	 * Localhost ports shared with the host (--open-port, --listen-port)
	 * cannot cross into it: then the fallback.
	 */
	c->proxy_netns = o->nports == 0 && nono_ns_available();
	if (c->proxy_netns) {
		uint16_t rnd = 0;

		if (!o->proxy_port &&
		    getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
			out_error("proxy: no randomness: %s", strerror(errno));
			return -1;
		}
		/* Nothing else listens in that namespace: any port is free. */
		c->proxy_port = o->proxy_port ? o->proxy_port
					      : (uint16_t)(32768 + rnd % 28232);
		nono_caps_set_isolated_net(c->caps, c->proxy_port);
		if (o->dry_run && !o->proxy_port)
			c->proxy_port = 0; /* each run draws its own */
		out_verbose_msg(1,
				"proxy mode: the command runs in its own "
				"network namespace; the proxy's 127.0.0.1:%u "
				"is the only thing it can reach",
				c->proxy_port);
	} else if (o->dry_run) {
		c->proxy_port = o->proxy_port;
	} else {
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a.sin_port = htons(o->proxy_port);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
		    listen(fd, 4096) < 0 ||
		    getsockname(fd, (struct sockaddr *)&a, &al) < 0) {
			out_error("proxy: cannot listen on 127.0.0.1:%u: %s",
				  o->proxy_port, strerror(errno));
			if (o->proxy_port)
				out_hint("choose another --proxy-port, or "
					 "leave it out");
			if (fd >= 0)
				close(fd);
			return -1;
		}
		c->proxy_fd = fd;
		c->proxy_port = ntohs(a.sin_port);
	}
	/* The CA files the helper writes; the sandbox must read them. */
	if (c->tls_exe && !o->dry_run) {
		if (nono_tls_helper_mkdir(&c->tls) < 0 ||
		    nono_caps_add_path(c->caps, c->tls.dir, NONO_ACCESS_READ, 0,
				       NONO_ORIGIN_SYSTEM) < 0) {
			out_error("proxy: cannot make a directory for the "
				  "session CA: %s",
				  strerror(errno));
			return -1;
		}
	}
	if (!c->proxy_netns)
		out_verbose_msg(
		    1,
		    "proxy mode: %s; the command shares the host's network: "
		    "Landlock allows TCP to port %u only and the supervisor "
		    "allows it on loopback only; seccomp refuses UDP, raw and "
		    "other sockets",
		    o->nports ? "localhost ports are shared (--open-port, "
				"--listen-port)"
			      : "user namespaces are unavailable",
		    c->proxy_port);
	if (o->nports >= sizeof(o->ports) / sizeof(o->ports[0])) {
		out_error("too many open ports");
		return -1;
	}
	if (c->proxy_port)
		o->ports[o->nports++] = c->proxy_port;
	return 0;
}

static int build_grants(struct run_ctx *c)
{
	struct run_opts *o = &c->o;
	size_t i;
	int r;

	if (add_groups(c) < 0)
		return -1;
	for (i = 0; i < o->allow.n; i++)
		if (grant_dir(c, "--allow", o->allow.v[i], NONO_ACCESS_RW,
			      NONO_ORIGIN_USER) < 0)
			return -1;
	for (i = 0; i < o->read.n; i++)
		if (grant_dir(c, "--read", o->read.v[i], NONO_ACCESS_READ,
			      NONO_ORIGIN_USER) < 0)
			return -1;
	for (i = 0; i < o->write.n; i++)
		if (grant_dir(c, "--write", o->write.v[i], NONO_ACCESS_WRITE,
			      NONO_ORIGIN_USER) < 0)
			return -1;
	for (i = 0; i < o->allow_file.n; i++)
		if (grant_file(c, "--allow-file", o->allow_file.v[i],
			       NONO_ACCESS_RW) < 0)
			return -1;
	for (i = 0; i < o->read_file.n; i++)
		if (grant_file(c, "--read-file", o->read_file.v[i],
			       NONO_ACCESS_READ) < 0)
			return -1;
	for (i = 0; i < o->write_file.n; i++)
		if (grant_file(c, "--write-file", o->write_file.v[i],
			       NONO_ACCESS_WRITE) < 0)
			return -1;

	{
		static const struct {
			const char *flag;
			size_t off;
			enum nono_sock_scope scope;
			bool bind;
		} socks[] = {
		    {"--allow-unix-socket", offsetof(struct run_opts, sock),
		     NONO_SOCK_FILE, false},
		    {"--allow-unix-socket-bind",
		     offsetof(struct run_opts, sock_bind), NONO_SOCK_FILE,
		     true},
		    {"--allow-unix-socket-dir",
		     offsetof(struct run_opts, sock_dir), NONO_SOCK_DIR, false},
		    {"--allow-unix-socket-dir-bind",
		     offsetof(struct run_opts, sock_dir_bind), NONO_SOCK_DIR,
		     true},
		    {"--allow-unix-socket-subtree",
		     offsetof(struct run_opts, sock_tree), NONO_SOCK_SUBTREE,
		     false},
		    {"--allow-unix-socket-subtree-bind",
		     offsetof(struct run_opts, sock_tree_bind),
		     NONO_SOCK_SUBTREE, true},
		};

		for (size_t k = 0; k < sizeof(socks) / sizeof(socks[0]); k++) {
			const struct strv *l =
			    (const struct strv *)((const char *)o +
						  socks[k].off);

			for (i = 0; i < l->n; i++)
				if (grant_socket(c, socks[k].flag, l->v[i],
						 socks[k].scope,
						 socks[k].bind) < 0)
					return -1;
		}
	}
	if (o->allow_gpu) {
		r = nono_policy_add_gpu(c->caps, c->home);
		if (r < 0) {
			out_error("--allow-gpu: %s", nono_strerror(r));
			return -1;
		}
	}
	if (setup_proxy(c) < 0)
		return -1;
	if (o->net == NET_BLOCK) {
		nono_caps_set_net(c->caps, NONO_NET_BLOCK);
		for (i = 0; i < o->nports; i++)
			if (nono_caps_add_port(c->caps, o->ports[i]) < 0) {
				out_error("--open-port: out of memory");
				return -1;
			}
	}
	if (c->o.mode != MODE_WRAP && nono_seccomp_listener_available()) {
		/* Supervised: AF_UNIX connect/bind go through the gate. */
		nono_caps_set_gate(c->caps, true);
	} else if (nono_caps_socket_count(c->caps)) {
		out_error("AF_UNIX socket grants need nono's supervisor gate, "
			  "which %s",
			  c->o.mode == MODE_WRAP
			      ? "nono wrap does not have"
			      : "cannot run inside another nono sandbox");
		out_hint("%s", c->o.mode == MODE_WRAP
				   ? "use nono run for --allow-unix-socket* "
				     "grants"
				   : "grant the socket to the outer nono");
		return -1;
	} else if (c->o.mode != MODE_WRAP) {
		/* Inside another nono: its gate still mediates every socket;
		 * this one can only narrow, so it refuses AF_UNIX outright. */
		nono_caps_set_unix_blocked(c->caps, true);
		out_verbose_msg(1,
				"inside another sandbox: no gate of our own; "
				"AF_UNIX sockets refused");
	} else {
		/* No supervisor, so nothing can decide a connect(2) to a
		 * socket file (Landlock does not see it): without this, the
		 * session bus or docker.sock would be one connect away. */
		nono_caps_set_unix_blocked(c->caps, true);
		out_verbose_msg(1, "nono wrap has no supervisor: AF_UNIX "
				   "sockets refused (nono run mediates them)");
	}
	/* Proxy mode leans on the gate: it carries the listener out of the
	 * command's own network namespace, and on the host network it is what
	 * keeps the command's connects to loopback (Landlock matches the
	 * proxy's port on any address).  Without it, refuse. */
	if (c->allow && o->mode == MODE_WRAP) {
		/* A profile's network settings (the flags are refused while
		 * parsing). */
		out_error(
		    "nono wrap does not support proxy mode (the profile's "
		    "network settings): the network proxy requires a "
		    "parent process. Use nono run instead.");
		return -1;
	}
	if (c->allow && o->mode != MODE_WHY && !nono_caps_gate(c->caps)) {
		out_error("proxy mode needs nono's supervisor gate, which "
			  "cannot run inside another nono sandbox");
		out_hint("give the outer nono the proxy flags "
			 "(--allow-domain, --network-profile, --credential)");
		return -1;
	}
	/* The child may neither signal nor reach abstract sockets outside
	 * its sandbox (Landlock ABI 6 scopes), unless a profile's
	 * security.signal_mode is allow_all. */
	nono_caps_set_scopes(
	    c->caps,
	    (c->profile && c->profile->security.signal_mode &&
		     strcmp(c->profile->security.signal_mode, "allow_all") == 0
		 ? 0
		 : NONO_SCOPE_SIGNAL) |
		NONO_SCOPE_ABSTRACT_UNIX);
	return grant_cwd(c);
}

/* Is @canon something --bypass-protection can lift? */
static bool is_persist_path(const struct nono_caps *caps, const char *canon)
{
	for (size_t i = 0; i < nono_caps_path_count(caps); i++) {
		const struct nono_grant *g = nono_caps_path_at(caps, i);
		size_t n = strlen(g->path);

		if (!(g->access & NONO_ACCESS_WRITE) ||
		    strncmp(canon, g->path, n) != 0 || canon[n] != '/')
			continue;
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
static bool profile_keeps(struct run_ctx *c, const char *canon)
{
	char msg[256];
	bool found = false;

	for (size_t i = 0;
	     c->profile && !found && i < c->profile->fs.keep_read_only.n; i++) {
		char *x = NULL, *k = NULL, *c2 = NULL;
		bool exists;

		if (nono_profile_expand(&c->penv,
					c->profile->fs.keep_read_only.v[i], &x,
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

static int plan_bypass(struct run_ctx *c)
{
	struct run_opts *o = &c->o;

	if (o->legacy_bypass)
		out_warn("--override-deny is deprecated and will be removed in "
			 "v1.0.0; use --bypass-protection");
	if (o->bypass.n == 0)
		return 0;
	c->bypass = calloc(o->bypass.n, sizeof(*c->bypass));
	if (!c->bypass) {
		out_error("out of memory");
		return -1;
	}
	for (size_t i = 0; i < o->bypass.n; i++) {
		const struct nono_protect_item *it;
		const struct nono_grant *g;
		bool exists;
		char *canon = canon_user(c, "--bypass-protection",
					 o->bypass.v[i], &exists);

		if (!canon)
			return -1;
		it = nono_protect_match(c->home, canon);
		if (it && !it->bypassable) {
			out_error("--bypass-protection %s: the %s is never "
				  "reachable from inside the sandbox",
				  o->bypass.v[i], it->what);
			return -1;
		}
		if (!it && !is_persist_path(c->caps, canon) &&
		    !profile_keeps(c, canon)) {
			out_error("--bypass-protection %s: not a protected "
				  "path; nothing to bypass",
				  o->bypass.v[i]);
			return -1;
		}
		if (!nono_caps_allows(c->caps, canon, NONO_ACCESS_READ, &g) &&
		    !nono_caps_allows(c->caps, canon, NONO_ACCESS_WRITE, &g)) {
			out_error("--bypass-protection %s: no matching grant",
				  o->bypass.v[i]);
			out_hint("--bypass-protection only removes the deny; "
				 "also grant it with --allow, --read, --write "
				 "or a file equivalent");
			return -1;
		}
		out_security_warn("protection bypassed for %s (%s)", canon,
				  it ? it->what : "persistence file");
		c->bypass[c->nbypass++] = canon;
	}
	return 0;
}

/* Landlock cannot deny below a grant; without a namespace to hide them,
 * refuse to start and name what would have been exposed. */
static void report_no_userns(const struct run_ctx *c)
{
	char list[1024] = "";
	size_t used = 0;

	for (size_t i = 0; i < nono_caps_mask_count(c->caps); i++) {
		int n = snprintf(list + used, sizeof(list) - used, "%s%s",
				 i ? ", " : "",
				 nono_caps_mask_at(c->caps, i)->path);

		if (n < 0 || (size_t)n >= sizeof(list) - used)
			break;
		used += (size_t)n;
	}
	out_error("grants cover protected paths that Landlock cannot deny, "
		  "and user namespaces are unavailable to hide them: %s",
		  list);
	out_hint("grant narrower directories, lift a protection with "
		 "--bypass-protection PATH, or enable unprivileged user "
		 "namespaces (sysctl kernel.unprivileged_userns_clone=1)");
}

/* The profile's filesystem.deny entries: hidden like deny group items. */
/* A profile's keep_read_only: read-only where they exist, and (nono run)
 * not creatable; each --bypass-protection PATH lifts one. */
static int plan_profile_keeps(struct run_ctx *c)
{
	char msg[256], refuse[PATH_MAX];

	for (size_t i = 0; c->profile && i < c->profile->fs.keep_read_only.n;
	     i++) {
		char *x = NULL, *canon = NULL;
		bool exists, lifted = false;
		int r;

		if (nono_profile_expand(&c->penv,
					c->profile->fs.keep_read_only.v[i], &x,
					msg, sizeof(msg)) < 0) {
			out_error("profile %s: filesystem.keep_read_only: %s",
				  c->profile->name, msg);
			return -1;
		}
		canon = keep_path(x);
		if (!canon) {
			out_error("profile %s: filesystem.keep_read_only: %s: "
				  "not a path to a file or directory",
				  c->profile->name, x);
			free(x);
			return -1;
		}
		/* A bypass names the path or, resolved, its target. */
		{
			char *t = NULL;

			for (size_t k = 0; k < c->nbypass; k++)
				lifted =
				    lifted || strcmp(c->bypass[k], canon) == 0;
			if (!lifted && nono_path_canon(x, &t, &exists) == 0)
				for (size_t k = 0; k < c->nbypass; k++)
					lifted = lifted ||
						 strcmp(c->bypass[k], t) == 0;
			free(t);
		}
		free(x);
		r = lifted ? 0
			   : nono_protect_plan_keep(c->caps, canon, &c->prot,
						    refuse);
		free(canon);
		if (r == 0 && !lifted) {
			char *dup = strdup(refuse);

			if (!dup || strv_push(&c->kept, dup) < 0) {
				free(dup);
				r = -ENOMEM;
			}
		}
		if (r < 0) {
			out_error("profile %s: filesystem.keep_read_only: %s",
				  c->profile->name, strerror(-r));
			return -1;
		}
	}
	return 0;
}

static int plan_profile_denies(struct run_ctx *c)
{
	char why[PATH_MAX], msg[256];

	for (size_t i = 0; c->profile && i < c->profile->fs.deny.n; i++) {
		char *x = NULL, *canon = NULL;
		bool exists;
		int r;

		if (nono_profile_expand(&c->penv, c->profile->fs.deny.v[i], &x,
					msg, sizeof(msg)) < 0) {
			out_error("profile %s: filesystem.deny: %s",
				  c->profile->name, msg);
			return -1;
		}
		r = nono_path_canon(x, &canon, &exists);
		free(x);
		if (r < 0 || !exists) {
			free(canon);
			continue; /* nothing there to hide */
		}
		r = nono_protect_plan_deny(c->caps, canon, &c->prot, why);
		free(canon);
		if (r == -NONO_ECONFLICT) {
			out_error("grant names a path the profile %s denies: "
				  "%s",
				  c->profile->name, why);
			out_hint("grant a narrower path, or remove the entry "
				 "from filesystem.deny");
			return -1;
		}
		if (r < 0) {
			out_error("profile %s: filesystem.deny: %s",
				  c->profile->name, nono_strerror(r));
			return -1;
		}
	}
	return 0;
}

/* $XDG_CONFIG_HOME/nono, where nono reads its configuration when the
 * variable is set: hidden like ~/.config/nono (created first when a
 * writable grant covers it, so that the child cannot make it). */
static int plan_xdg_config(struct run_ctx *c, char *why)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	char dir[PATH_MAX], canon[PATH_MAX];

	if (!xdg || xdg[0] != '/' ||
	    (size_t)snprintf(dir, sizeof(dir), "%s/nono", xdg) >= sizeof(dir))
		return 0;
	if (nono_caps_allows(c->caps, dir, NONO_ACCESS_WRITE, NULL) &&
	    mkdir(dir, 0700) < 0 && errno != EEXIST && errno != ENOENT) {
		out_error("cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!realpath(dir, canon))
		return 0;
	return nono_protect_plan_state(c->caps, canon, &c->prot, why);
}

static int plan_protection(struct run_ctx *c)
{
	char why[PATH_MAX];
	int r;

	if (plan_bypass(c) < 0)
		return -1;
	/*
	 * nono's state and configuration directories, and the two $HOME
	 * directories that are pinned and guarded, are created before
	 * planning when a writable grant covers them: what exists can be
	 * hidden, pinned or guarded, what the child would create could not
	 * (a ~/.config/nono/profiles it wrote is what the next run grants).
	 */
	if (c->home) {
		static const char *const made[] = {".nono", ".config",
						   ".config/nono", ".local"};

		for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++) {
			char st[PATH_MAX];

			snprintf(st, sizeof(st), "%s/%s", c->home, made[i]);
			if (nono_caps_allows(c->caps, st, NONO_ACCESS_WRITE,
					     NULL) &&
			    mkdir(st, 0700) < 0 && errno != EEXIST) {
				out_error("cannot create %s: %s", st,
					  strerror(errno));
				return -1;
			}
		}
	}
	/* Not for a dry run, which changes nothing. */
	if (!c->o.dry_run &&
	    (r = nono_protect_make_missing(c->caps, c->home, c->bypass,
					   c->nbypass, why)) < 0) {
		out_error("cannot create %s: %s", why, strerror(-r));
		return -1;
	}
	r = nono_protect_plan(c->caps, c->home, c->cwd, c->bypass, c->nbypass,
			      &c->prot, why);
	if (r == 0)
		r = plan_xdg_config(c, why);
	if (r == -NONO_ECONFLICT) {
		out_error("grant names a protected path: %s", why);
		out_hint("to grant it deliberately, add --bypass-protection "
			 "with that path");
		return -1;
	}
	if (r < 0) {
		out_error("planning protected paths: %s", nono_strerror(r));
		return -1;
	}
	if (plan_profile_denies(c) < 0 || plan_profile_keeps(c) < 0)
		return -1;
	/* Supervised runs also guard creation of protected names that do
	 * not exist yet (wrap has no supervisor to decide it). */
	if (c->o.mode == MODE_WRAP && !c->o.dry_run) {
		for (size_t i = 0; i < nono_caps_path_count(c->caps); i++) {
			const struct nono_grant *g =
			    nono_caps_path_at(c->caps, i);

			if ((g->access & NONO_ACCESS_WRITE) &&
			    !(g->flags & NONO_GRANT_FILE) &&
			    (g->origin == NONO_ORIGIN_USER ||
			     g->origin == NONO_ORIGIN_CWD)) {
				out_warn("nono wrap has no supervisor: missing "
					 "persistence files (.git/hooks, "
					 ".envrc, ...) can be created in %s; "
					 "nono run guards them",
					 g->path);
				break;
			}
		}
	}
	if (nono_caps_gate(c->caps)) {
		r = nono_protect_plan_guards(c->caps, c->home, c->cwd, why);
		if (r < 0) {
			out_error("guarding %s: %s", why[0] ? why : "grants",
				  nono_strerror(r));
			return -1;
		}
	}
	/* Whether namespaces work is learnt from the real attempt (the
	 * child reports it); only --dry-run, which runs nothing, probes. */
	if (c->o.dry_run && nono_caps_mask_count(c->caps) > 0 &&
	    !nono_ns_available()) {
		report_no_userns(c);
		return -1;
	}
	return 0;
}

static const char *access_tag(unsigned access)
{
	switch (access & NONO_ACCESS_RW) {
	case NONO_ACCESS_RW:
		return "rw";
	case NONO_ACCESS_READ:
		return "r-";
	case NONO_ACCESS_WRITE:
		return "-w";
	default:
		return "--";
	}
}

static const char *origin_name(enum nono_origin o)
{
	switch (o) {
	case NONO_ORIGIN_USER:
		return "";
	case NONO_ORIGIN_SYSTEM:
		return "  (system)";
	case NONO_ORIGIN_GROUP:
		return "  (policy group)";
	case NONO_ORIGIN_GPU:
		return "  (gpu)";
	case NONO_ORIGIN_SOCKET:
		return "  (unix socket)";
	case NONO_ORIGIN_CWD:
		return "  (cwd)";
	case NONO_ORIGIN_GUARD:
		return "  (guarded tree)";
	}
	return "";
}

static void print_landlock(const struct nono_caps *caps)
{
	struct nono_landlock_report rep;
	int abi = nono_landlock_abi();
	bool block = nono_caps_net(caps) == NONO_NET_BLOCK;

	if (abi < 0) {
		printf("Landlock: unavailable (nono cannot run here)\n");
		return;
	}
	nono_landlock_describe(abi, caps, &rep);
	printf("Landlock ABI: %d (nono knows up to %d)\n", abi,
	       NONO_LANDLOCK_ABI_KNOWN);
	printf("  %-34s %-10s %s\n", "feature", "requested", "enforced");
#define ROW(name, req, enf)                                                    \
	printf("  %-34s %-10s %s\n", name, (req) ? "yes" : "no",               \
	       (enf) ? "yes" : ((req) ? "NO (kernel too old)" : "-"))
	ROW("filesystem read/write/execute", true, true);
	ROW("rename/link across directories", true, rep.refer);
	ROW("truncate", true, rep.truncate);
	ROW("device ioctl", true, rep.ioctl_dev);
	ROW("TCP bind/connect (Landlock)", block, rep.tcp);
	ROW("signal scoping", true, rep.scope_signal);
	ROW("abstract unix socket scoping", true, rep.scope_abstract);
	ROW("private mount namespace (masks)", nono_caps_mask_count(caps) > 0,
	    nono_caps_mask_count(caps) > 0 && nono_ns_available());
#undef ROW
	if (block && !rep.tcp)
		printf("  (TCP is blocked by seccomp instead: no port "
		       "exceptions possible)\n");
}

static void print_dry_run(const struct run_ctx *c, char *const *argv)
{
	const struct nono_caps *caps = c->caps;
	bool all = out_verbose() > 0;
	size_t i;

	if (c->profile)
		printf("Profile: %s (%s)\n", c->profile->name,
		       c->profile->source);
	printf("Capabilities that would be granted:\n");
	for (i = 0; i < nono_caps_path_count(caps); i++) {
		const struct nono_grant *g = nono_caps_path_at(caps, i);

		if ((g->origin == NONO_ORIGIN_SYSTEM ||
		     g->origin == NONO_ORIGIN_GUARD) &&
		    !all)
			continue;
		/* System entries absent here are skipped by the ruleset. */
		if ((g->flags & NONO_GRANT_OPTIONAL) && access(g->path, F_OK))
			continue;
		printf("  [%s] %s%s\n", access_tag(g->access), g->path,
		       origin_name(g->origin));
	}
	for (i = 0; i < nono_caps_socket_count(caps); i++) {
		const struct nono_sock_grant *s = nono_caps_socket_at(caps, i);
		static const char *const scope[] = {"socket", "sockets in",
						    "sockets under"};

		printf("  [unix] %s %s%s\n", scope[s->scope], s->path,
		       s->bind ? " (connect+bind)" : " (connect)");
	}
	if (c->allow) {
		size_t n = nono_allowlist_count(c->allow);
		char e[600];

		if (c->proxy_port)
			printf("  [net] through the proxy at 127.0.0.1:%u only",
			       c->proxy_port);
		else
			printf(
			    "  [net] through the proxy (on a free port) only");
		printf(" (%s)\n", c->proxy_netns
				      ? "own network namespace"
				      : "host network, Landlock port rules");
		printf("  [proxy] %zu allowed host%s:", n, n == 1 ? "" : "s");
		for (i = 0; i < n && (all || i < 8); i++)
			printf("%s %s", i ? "," : "",
			       nono_allowlist_entry(c->allow, i, e, sizeof(e)));
		printf("%s\n", i < n ? ", ... (-v lists all)" : "");
		for (i = 0; i < c->creds.n; i++) {
			const struct nono_cred_route *r = &c->creds.r[i];
			char what[300] = "?";

			nono_secret_ref_describe(r->key, what, sizeof(what));
			printf("  [cred] %s -> %s, key from %s; the command "
			       "gets $%s (the proxy) and $%s (a placeholder)",
			       r->name, r->upstream, what, r->base_var,
			       r->key_var);
			for (size_t k = 0; k < r->nrules; k++)
				printf("%s %s %s", k ? "," : "; only",
				       r->rules[k].method, r->rules[k].path);
			printf("\n");
		}
	}
	if (nono_caps_net(caps) == NONO_NET_BLOCK) {
		size_t k = 0;

		printf("  [net] %sblocked", c->allow ? "everything else " : "");
		for (i = 0; i < nono_caps_port_count(caps); i++) {
			if (c->allow &&
			    nono_caps_port_at(caps, i) == c->proxy_port)
				continue;
			printf("%s%u", k++ ? "," : ", except localhost port ",
			       nono_caps_port_at(caps, i));
		}
		printf("\n");
	} else {
		printf("  [net] allowed\n");
	}
	for (i = 0; i < nono_caps_mask_count(caps); i++) {
		const struct nono_mask *m = nono_caps_mask_at(caps, i);

		printf("  [%s] %s\n",
		       m->kind == NONO_MASK_HIDE       ? "hidden"
		       : m->kind == NONO_MASK_READONLY ? "read-only"
						       : "pinned",
		       m->path);
	}
	for (i = 0; i < nono_caps_guard_count(caps); i++) {
		static const char *const what[] = {
		    [NONO_GUARD_TREE] = "persistence files",
		    [NONO_GUARD_GITDIR] =
			"names but git's own: hooks, config...",
		    [NONO_GUARD_HOME] = "credentials, rc files",
		    [NONO_GUARD_XDG] = "autostart, systemd, git, nono",
		    [NONO_GUARD_LOCAL] = "bin",
		    [NONO_GUARD_LOCALSHARE] = "systemd, applications",
		    [NONO_GUARD_GITINFO] = "attributes",
		    [NONO_GUARD_SEALED] = "names at all",
		    [NONO_GUARD_KEEP] = "keep_read_only names",
		};
		const struct nono_guard *gd = nono_caps_guard_at(caps, i);

		printf("  [guarded] %s (no new %s)\n", gd->path,
		       what[gd->kind]);
	}
	if (!all)
		printf("  (plus read access to system libraries, /tmp and safe "
		       "devices; -v lists them)\n");
	cli_envcred_print(c->envcred);
	printf("Would execute:");
	for (i = 0; argv[i]; i++)
		printf(" %s", argv[i]);
	printf("\n");
	if (all)
		print_landlock(caps);
}

static void report_degradation(const struct nono_sandbox *sb)
{
	const struct nono_landlock_report *r = nono_sandbox_report(sb);
	char list[256] = "";

	if (!r->refer)
		strcat(list, ", cross-directory rename (refused outright)");
	if (!r->truncate)
		strcat(list, ", truncate");
	if (!r->ioctl_dev)
		strcat(list, ", device ioctl");
	if (!r->scope_signal)
		strcat(list, ", signal scoping");
	if (!r->scope_abstract)
		strcat(list, ", abstract-socket scoping");
	if (list[0])
		out_warn("Landlock ABI %d cannot enforce%s "
			 "(see --dry-run -v)",
			 r->abi, list + 1);
}

static int check_commands(struct run_ctx *c, const char *cmd)
{
	struct run_opts *o = &c->o;
	bool by_default;

	if (o->allow_cmd.n)
		out_warn("--allow-command is deprecated since v0.33.0: it only "
			 "checks the directly invoked executable, and child "
			 "processes can bypass it");
	if (o->block_cmd.n)
		out_warn("--block-command is deprecated since v0.33.0: it only "
			 "checks the directly invoked executable, and child "
			 "processes can bypass it");
	if (!nono_cmd_blocked(cmd, o->allow_cmd.v, o->allow_cmd.n,
			      o->block_cmd.v, o->block_cmd.n, &by_default))
		return 0;
	if (by_default) {
		out_error("command blocked: %s is on the default start-up "
			  "blocklist",
			  cmd);
		out_hint("the blocklist is deprecated since v0.33.0 and is not "
			 "a security boundary; to run it anyway add "
			 "--allow-command %s",
			 cmd);
	} else {
		out_error("command blocked: %s (--block-command)", cmd);
	}
	return -1;
}

static void banner(const struct run_ctx *c, const struct nono_sandbox *sb)
{
	const struct nono_theme *t = out_theme();
	size_t user = 0;

	if (out_silent())
		return;
	for (size_t i = 0; i < nono_caps_path_count(c->caps); i++) {
		enum nono_origin o = nono_caps_path_at(c->caps, i)->origin;

		if (o == NONO_ORIGIN_USER || o == NONO_ORIGIN_CWD ||
		    o == NONO_ORIGIN_SOCKET)
			user++;
	}
	char creds[256] = "";

	/* The credential services, by name (their keys never). */
	for (size_t i = 0; i < c->creds.n; i++) {
		size_t l = strlen(creds);

		snprintf(creds + l, sizeof(creds) - l, "%s%s",
			 i ? ", " : " (credentials: ", c->creds.r[i].name);
	}
	if (creds[0])
		strncat(creds, ")", sizeof(creds) - strlen(creds) - 1);
	fprintf(stderr,
		"%snono%s sandbox: %zu grant%s, %zu protected, network %s%s, "
		"Landlock ABI %d\n",
		t->accent, t->reset, user, user == 1 ? "" : "s",
		nono_caps_mask_count(c->caps),
		c->allow                                   ? "via proxy"
		: nono_caps_net(c->caps) == NONO_NET_BLOCK ? "blocked"
							   : "allowed",
		creds, nono_sandbox_report(sb)->abi);
}

static void report_launch_error(const struct run_ctx *c,
				const struct nono_exec_error *e,
				const char *cmd)
{
	if (strcmp(e->step, "exec") == 0) {
		diag_exec_failure(c->caps, cmd, e->code);
		return;
	}
	if (e->code == -NONO_ENOUSERNS) {
		report_no_userns(c);
		return;
	}
	if (e->path[0])
		out_error("sandbox: %s: %s: %s", e->step, e->path,
			  nono_strerror(e->code));
	else
		out_error("sandbox: %s: %s", e->step, nono_strerror(e->code));
}

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

static void on_decision(void *arg, const struct nono_proxy_decision *d)
{
	(void)arg;
	if (d->status == 0)
		out_verbose_msg(2,
				"proxy: %s %s:%u closed (%llu bytes up, %llu "
				"down)",
				d->method, d->host, d->port, d->bytes_up,
				d->bytes_down);
	else
		out_verbose_msg(2, "proxy: %s %s %s:%u%s%s -> %d",
				d->allowed ? "allowed" : "denied", d->method,
				d->host, d->port, d->path ? " " : "",
				d->path ? d->path : "", d->status);
}

/* Starts the proxy on @fd (which it then owns through @c). */
static int proxy_launch(struct run_ctx *c, int fd)
{
	struct nono_proxy_config cfg = {0};
	int r;

	if (c->proxy_fd >= 0 && c->proxy_fd != fd)
		close(c->proxy_fd);
	c->proxy_fd = fd;
	cfg.listen_fd = fd;
	cfg.token = c->proxy_token;
	cfg.allow = c->allow;
	cfg.on_decision = on_decision;
	cfg.tls_chan = c->tls.chan > 0 ? c->tls.chan : -1;
	cfg.upstream_host = c->upstream_host;
	cfg.upstream_port = c->upstream_port;
	cfg.upstream_bypass = c->upstream_bypass;
	cfg.creds = c->creds.n ? &c->creds : NULL;
	r = nono_proxy_start(&cfg, &c->proxy);
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

	cli_envcred_wipe(c->envcred);
	/* The proxy holds the credential services' keys from here on:
	 * no other process of the user may read its memory.  (Not before:
	 * the command's set-up writes its own /proc/self files, which a
	 * non-dumpable process does not own.) */
	if (c->creds.n)
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
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
		snprintf(c->proxy_token + 2 * i, 3, "%02x", raw[i]);
	explicit_bzero(raw, sizeof(raw));
	snprintf(url, sizeof(url), "http://nono:%s@127.0.0.1:%u",
		 c->proxy_token, c->proxy_port);
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]) && *env; i++)
		*env = env_set(*env, &c->owned, vars[i], url);
	explicit_bzero(url, sizeof(url));
	/* Loopback stays direct: --open-port IPC, and in the namespace
	 * there is nothing else on it. */
	if (*env)
		*env = env_set(*env, &c->owned, "NO_PROXY",
			       "localhost,127.0.0.1,::1");
	if (*env)
		*env = env_set(*env, &c->owned, "no_proxy",
			       "localhost,127.0.0.1,::1");
	/* Node.js >= 24 honours the variables only when told to. */
	if (*env)
		*env = env_set(*env, &c->owned, "NODE_USE_ENV_PROXY", "1");
	/* Credential services: the base URL is the proxy's, the key a
	 * placeholder that only this proxy accepts. */
	for (size_t i = 0; i < c->creds.n && *env; i++) {
		const struct nono_cred_route *r = &c->creds.r[i];

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
			 c->proxy_port, r->name);
		*env = env_set(*env, &c->owned, r->base_var, url);
		if (*env)
			*env = env_set(*env, &c->owned, r->key_var,
				       r->placeholder);
		if (*env && r->extra_key_var)
			*env = env_set(*env, &c->owned, r->extra_key_var,
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

	for (size_t i = 0; i < nono_allowlist_count(c->allow); i++) {
		char *dup;

		nono_allowlist_entry(c->allow, i, e, sizeof(e));
		if (strncmp(e, "https://", 8) != 0)
			continue;
		dup = strdup(e);
		if (!dup || strv_push(&rules, dup) < 0) {
			free(dup);
			out_error("out of memory");
			goto out;
		}
	}
	if (nono_tls_helper_start(&c->tls, c->tls_exe, rules.v, rules.n, err,
				  sizeof(err)) < 0) {
		out_error("proxy: TLS interception (%s): %s", c->tls_exe, err);
		goto out;
	}
	for (size_t i = 0;
	     i < sizeof(bundle_vars) / sizeof(bundle_vars[0]) && c->tls_wanted;
	     i++)
		if (*env)
			*env = env_set(*env, &c->owned, bundle_vars[i],
				       c->tls.bundle);
	if (*env && c->tls_wanted)
		*env =
		    env_set(*env, &c->owned, "NODE_EXTRA_CA_CERTS", c->tls.ca);
	if (!*env) {
		out_error("out of memory");
		goto out;
	}
	if (c->tls_wanted)
		out_verbose_msg(
		    1,
		    "proxy: TLS interception for hosts with path rules; "
		    "the command trusts the session CA (%s)",
		    c->tls.bundle);
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

	/* Secrets are read first, before anything is confined or started
	 * (the keystore and op are out of reach from inside). */
	{
		char cerr[1024];

		if (cli_envcred_load(c->envcred, cerr, sizeof(cerr)) < 0) {
			out_error("%s", cerr);
			return 1;
		}
	}
	r = nono_sandbox_prepare(c->caps, &sb, &se);
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
	report_degradation(sb);
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
	if (c->profile) {
		char **penv = cli_profile_env_apply(c->profile, env);

		free(env);
		env = penv;
		if (!env) {
			out_error("out of memory");
			goto out;
		}
	}
	if (cli_envcred_apply(c->envcred, &env) < 0) {
		out_error("out of memory");
		goto out;
	}
	if (creds_load(c) < 0 || (c->allow && proxy_env(c, &env) < 0))
		goto out;
	if (c->tls_exe && tls_start(c, &env) < 0)
		goto out;
	if (c->allow && !c->proxy_netns && proxy_launch(c, c->proxy_fd) < 0)
		goto out;
	banner(c, sb);
	fflush(NULL);
	spec.sb = sb;
	spec.gate = NULL;
	spec.argv = argv;
	spec.envp = env;
	spec.on_net_listener = on_net_listener;
	spec.on_started = on_started;
	spec.arg = c;
	/* The TLS helper is our child too; it outlives the command. */
	if (c->tls.dir[0] && c->tls.pid > 0) {
		spec.keep = &c->tls.pid;
		spec.nkeep = 1;
	}
	if (c->o.mode == MODE_WRAP) {
		nono_exec_sandboxed(&spec, &ee);
		/* Only reached on failure: the process is partly confined. */
		report_launch_error(c, &ee, argv[0]);
		status = strcmp(ee.step, "exec") == 0
			     ? nono_exec_status(ee.code)
			     : 1;
		goto out;
	}
	if (nono_caps_gate(c->caps) && nono_gate_new(c->caps, &gate) < 0) {
		out_error("out of memory");
		goto out;
	}
	spec.gate = gate;
	if (gate)
		nono_gate_set_bypass(gate, c->bypass, c->nbypass);
	if (gate) {
		nono_gate_set_kept(gate, c->kept.v, c->kept.n);
		nono_gate_set_new_repos(gate, c->o.allow_new_repos);
	}
	r = nono_supervise(&spec, &status, &signo, &ee);
	if (r < 0) {
		report_launch_error(c, &ee, argv[0]);
		goto out;
	}
	if (c->allow && !c->proxy) {
		/* The proxy could not start: the command was stopped before
		 * it ran (the error is printed). */
		status = 1;
		goto out;
	}
	if (status != 0 && !out_silent() && !c->o.no_diagnostics)
		diag_footer(c->caps, gate, argv, status, signo, c->home,
			    c->allow != NULL);
	save_prompt(c, gate, argv);
out:
	nono_proxy_stop(c->proxy);
	c->proxy = NULL;
	if (c->tls.dir[0])
		nono_tls_helper_stop(&c->tls);
	explicit_bzero(c->proxy_token, sizeof(c->proxy_token));
	nono_gate_free(gate);
	cli_envcred_wipe(c->envcred);
	free(env);
	nono_sandbox_free(sb);
	return status;
}

/* --profile: loads it and folds it into the options. */
static int load_profile(struct run_ctx *c)
{
	char err[1024];
	int access;

	if (c->o.workdir) {
		bool exists;

		if (nono_path_canon(c->o.workdir, &c->workdir, &exists) < 0 ||
		    !exists) {
			out_error("--workdir %s: no such directory",
				  c->o.workdir);
			return -1;
		}
	}
	if (!c->o.profile)
		return 0;
	cli_profile_env(&c->penv, c->home, c->workdir ? c->workdir : c->cwd);
	if (nono_profile_load(&c->penv, c->o.profile, &c->profile, err,
			      sizeof(err)) < 0) {
		out_error("%s", err);
		return -1;
	}
	access = cli_profile_apply(c->profile, &c->penv, &c->o, &c->owned, err,
				   sizeof(err));
	if (access < 0) {
		out_error("%s", err);
		return -1;
	}
	c->cwd_access = (unsigned)access;
	out_verbose_msg(1, "profile %s (%s)", c->profile->name,
			c->profile->source);
	return 0;
}

/* A credential service's variables are the proxy's: an environment
 * credential may not take them. */
static int check_cred_vars(struct run_ctx *c)
{
	for (size_t i = 0; i < c->creds.n; i++) {
		const struct nono_cred_route *cr = &c->creds.r[i];
		const char *vars[] = {cr->key_var, cr->base_var,
				      cr->extra_key_var};

		for (size_t k = 0; k < 3; k++)
			if (cli_envcred_has(c->envcred, vars[k])) {
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

int run_plan(enum run_mode mode, int argc, char **argv, struct global_opts *g,
	     struct run_ctx *c)
{
	char err[512];
	int r;

	memset(c, 0, sizeof(*c));
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
	c->home = home_dir();
	if (!c->home) {
		out_error("cannot determine the home directory to protect");
		out_hint("set HOME");
		return -1;
	}
	c->cwd = getcwd(NULL, 0);
	c->caps = nono_caps_new();
	if (!c->cwd || !c->caps) {
		out_error("cannot determine the current directory: %s",
			  strerror(errno));
		return -1;
	}
	c->cwd_access = NONO_ACCESS_READ;
	cli_profile_create_dirs = mode != MODE_WHY;
	if (load_profile(c) < 0)
		return -1;
	if (mode != MODE_WHY) {
		char cerr[1024];

		if (cli_envcred_plan(&c->o, c->profile,
				     c->o.network_profile ||
					 c->o.allow_domain.n ||
					 c->o.credential.n,
				     &c->envcred, cerr, sizeof(cerr)) < 0) {
			out_error("%s", cerr);
			return -1;
		}
	}
	if ((mode == MODE_RUN || mode == MODE_WRAP) &&
	    check_commands(c, c->o.argv[0]) < 0)
		return -1;
	if (build_grants(c) < 0 || plan_protection(c) < 0 ||
	    check_cred_vars(c) < 0)
		return -1;
	return 0;
}

void run_ctx_clear(struct run_ctx *c)
{
	nono_protect_result_clear(&c->prot);
	for (size_t i = 0; i < c->owned.n; i++)
		free(c->owned.v[i]);
	strv_clear(&c->owned);
	free(c->bypass);
	for (size_t i = 0; i < c->kept.n; i++)
		free(c->kept.v[i]);
	strv_clear(&c->kept);
	free(c->cwd);
	free(c->workdir);
	nono_profile_free(c->profile);
	nono_allowlist_free(c->allow);
	nono_allowlist_free(c->upstream_bypass);
	nono_creds_clear(&c->creds);
	cli_envcred_free(c->envcred);
	if (c->tls.dir[0])
		nono_tls_helper_stop(&c->tls);
	free(c->tls_exe);
	free(c->upstream_host);
	if (c->proxy_fd > 0)
		close(c->proxy_fd);
	nono_caps_free(c->caps);
	args_clear(&c->o);
	memset(c, 0, sizeof(*c));
}

int cmd_run(enum run_mode mode, int argc, char **argv, struct global_opts *g)
{
	char *shell_argv[2] = {NULL, NULL};
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
		cmd = shell_argv;
	} else {
		cmd = c.o.argv;
	}
	if (c.o.dry_run) {
		print_dry_run(&c, cmd);
		status = 0;
	} else {
		status = execute(&c, cmd);
	}
	run_ctx_clear(&c);
	return status;
}
