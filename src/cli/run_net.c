// SPDX-License-Identifier: Apache-2.0
/*
 * nono run's network: the upstream proxy, the credential services and
 * their secrets, and the proxy's configuration for the session.
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
#include "cli/run_internal.h"
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
#include "util/port.h"

/* --upstream-proxy host:port (or http://host:port) and the bypass list. */
static int parse_upstream(struct run_ctx *c)
{
	struct run_opts *o = &c->o;
	const char *s = o->upstream_proxy, *colon;
	uint16_t port = 0;
	size_t plen;

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
	/* HOST:PORT, with a trailing '/' tolerated (a URL's). */
	plen = colon ? strlen(colon + 1) : 0;
	if (plen && colon[plen] == '/')
		plen--;
	if (!colon || colon == s || colon - s > 253 ||
	    nono_port_parse(colon + 1, plen, &port) < 0) {
		out_error("--upstream-proxy %s: expected HOST:PORT (e.g. "
			  "squid.corp:3128)",
			  o->upstream_proxy);
		return -1;
	}
	if (*s == '[' && colon[-1] == ']')
		c->p.upstream_host = strndup(s + 1, (size_t)(colon - s - 2));
	else
		c->p.upstream_host = strndup(s, (size_t)(colon - s));
	if (!c->p.upstream_host) {
		out_error("out of memory");
		return -1;
	}
	c->p.upstream_port = port;
	c->p.upstream_bypass = nono_allowlist_new();
	if (!c->p.upstream_bypass) {
		out_error("out of memory");
		return -1;
	}
	for (size_t i = 0; i < o->upstream_bypass.n; i++) {
		const char *why = "invalid";
		const char *b = o->upstream_bypass.v[i];

		if (strstr(b, "://") ||
		    nono_allowlist_add(c->p.upstream_bypass, b, &why) < 0) {
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
	const struct nono_profile *pr = c->p.profile;

	for (size_t i = 0; i < o->credential.n; i++) {
		const char *name = o->credential.v[i], *why = "invalid";
		const struct nono_custom_cred *cc = NULL;
		int e;

		for (size_t k = 0; pr && k < pr->net.ncreds; k++)
			if (strcmp(pr->net.creds[k].name, name) == 0)
				cc = &pr->net.creds[k];
		if (cc) {
			e = nono_creds_add_custom(
			    &c->p.creds, name, cc->upstream, cc->credential_key,
			    cc->inject_header, cc->credential_format,
			    cc->env_var, &why);
			for (size_t k = 0; e == 0 && k < cc->nrules; k++) {
				e = nono_cred_route_add_rule(
				    nono_creds_find(&c->p.creds, name),
				    cc->rules[k].method ? cc->rules[k].method
							: "*",
				    cc->rules[k].path ? cc->rules[k].path
						      : "/**",
				    &why);
			}
		} else {
			e = nono_creds_add_preset(&c->p.creds, name, &why);
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
		int e = nono_creds_add_rule(&c->p.creds, o->allow_endpoint.v[i],
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
	for (size_t i = 0; i < c->p.creds.n; i++) {
		char err[512];

		if (nono_secret_ref_check(c->p.creds.r[i].key, err,
					  sizeof(err)) < 0) {
			out_error("--credential %s: %s", c->p.creds.r[i].name,
				  err);
			return -1;
		}
		c->p.creds_tls |= c->p.creds.r[i].tls;
	}
	return 0;
}

/*
 * Loads each credential service's secret (before the sandbox exists) and
 * arms its placeholder.  The secret then lives only in the header value
 * the proxy sends upstream; once the command runs, the supervisor stops
 * being dumpable (on_started).
 */
int run_creds_load(struct run_ctx *c)
{
	for (size_t i = 0; i < c->p.creds.n; i++) {
		struct nono_cred_route *r = &c->p.creds.r[i];
		struct nono_secret s = {0};
		char err[512];
		int e;

		if (nono_secret_load(r->key, &s, err, sizeof(err)) < 0) {
			out_error("--credential %s: %s", r->name, err);
			return -1;
		}
		e = nono_cred_arm(r, s.data, s.len);
		if (e == 0 && s.len < NONO_CRED_SCRUB_MIN)
			out_warn("--credential %s: the key is shorter than %d "
				 "bytes: an upstream's echo of it is not "
				 "scrubbed from answers",
				 r->name, NONO_CRED_SCRUB_MIN);
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

int run_setup_proxy(struct run_ctx *c)
{
	struct run_opts *o = &c->o;
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof(a);
	int fd;

	c->rt.proxy_fd = -1;
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
	c->p.allow = nono_allowlist_new();
	if (!c->p.allow) {
		out_error("out of memory");
		return -1;
	}
	if (o->network_profile &&
	    nono_allowlist_add_profile(c->p.allow, o->network_profile) < 0) {
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

		if (nono_allowlist_add(c->p.allow, o->allow_domain.v[i], &why) <
		    0) {
			out_error("--allow-domain %s: %s", o->allow_domain.v[i],
				  why);
			return -1;
		}
	}
	for (size_t i = 0; i < nono_allowlist_count(c->p.allow); i++) {
		char e[16];

		nono_allowlist_entry(c->p.allow, i, e, sizeof(e));
		c->p.tls_wanted |= strncmp(e, "https://", 8) == 0;
	}
	if ((c->p.tls_wanted || c->p.creds_tls) && o->mode != MODE_WHY) {
		char exe[PATH_MAX];

		if (nono_tls_helper_find(exe, sizeof(exe)) == 0) {
			c->p.tls_exe = strdup(exe);
		} else if (c->p.creds_tls) {
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
	c->p.proxy_netns = o->nports == 0 && nono_ns_available();
	if (c->p.proxy_netns) {
		uint16_t rnd = 0;

		if (!o->proxy_port &&
		    getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
			out_error("proxy: no randomness: %s", strerror(errno));
			return -1;
		}
		/* Nothing else listens in that namespace: any port is free. */
		c->p.proxy_port = o->proxy_port
				      ? o->proxy_port
				      : (uint16_t)(32768 + rnd % 28232);
		nono_caps_set_isolated_net(c->p.caps, c->p.proxy_port);
		if (o->dry_run && !o->proxy_port)
			c->p.proxy_port = 0; /* each run draws its own */
		out_verbose_msg(1,
				"proxy mode: the command runs in its own "
				"network namespace; the proxy's 127.0.0.1:%u "
				"is the only thing it can reach",
				c->p.proxy_port);
	} else if (o->dry_run) {
		c->p.proxy_port = o->proxy_port;
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
		c->rt.proxy_fd = fd;
		c->p.proxy_port = ntohs(a.sin_port);
	}
	/* The CA files the helper writes; the sandbox must read them. */
	if (c->p.tls_exe && !o->dry_run) {
		if (nono_tls_helper_mkdir(&c->rt.tls) < 0 ||
		    nono_caps_add_path(c->p.caps, c->rt.tls.dir,
				       NONO_ACCESS_READ, 0,
				       NONO_ORIGIN_SYSTEM) < 0) {
			out_error("proxy: cannot make a directory for the "
				  "session CA: %s",
				  strerror(errno));
			return -1;
		}
	}
	if (!c->p.proxy_netns)
		out_verbose_msg(
		    1,
		    "proxy mode: %s; the command shares the host's network: "
		    "Landlock allows TCP to port %u only and the supervisor "
		    "allows it on loopback only; seccomp refuses UDP, raw and "
		    "other sockets",
		    o->nports ? "localhost ports are shared (--open-port, "
				"--listen-port)"
			      : "user namespaces are unavailable",
		    c->p.proxy_port);
	if (o->nports >= sizeof(o->ports) / sizeof(o->ports[0])) {
		out_error("too many open ports");
		return -1;
	}
	if (c->p.proxy_port)
		o->ports[o->nports++] = c->p.proxy_port;
	return 0;
}
