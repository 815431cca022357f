// SPDX-License-Identifier: Apache-2.0
/*
 * The plan's network: proxy mode or not, the allowlist, the upstream
 * proxy, the credential services (their secrets are loaded by the run),
 * and the proxy's port and namespace.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cred/secret.h"
#include "nono-config.h"
#include "nono/ns.h"
#include "plan/plan.h"
#include "plan/plan_internal.h"
#include "proxy/server.h"
#include "proxy/tlshelper.h"
#include "util/port.h"
#include "util/suggest.h"
#include "util/url.h"

/* --upstream-proxy host:port (or http://host:port) and the bypass list. */
static int parse_upstream(struct run_opts *o, struct nono_plan *p)
{
	const char *s = o->upstream_proxy;
	struct nono_url u;
	uint16_t port;
	int e;

	if (o->upstream_bypass.n && !s) {
		plan_fail(&p->msgs, -EINVAL, NULL,
			  "--upstream-bypass requires --upstream-proxy");
		return -1;
	}
	if (!s)
		return 0;
	e = nono_url_parse(s, &u, NULL);
	if (u.scheme != NONO_URL_NONE && u.scheme != NONO_URL_HTTP)
		return plan_fail(&p->msgs, -EINVAL, s,
				 "--upstream-proxy %s: only http:// proxies "
				 "are supported (CONNECT carries TLS end to "
				 "end)",
				 s);
	/* HOST:PORT, with a trailing '/' tolerated (a URL's). */
	if (e < 0 || !u.auth.has_port ||
	    (u.rest[0] && strcmp(u.rest, "/") != 0))
		return plan_fail(&p->msgs, -EINVAL, s,
				 "--upstream-proxy %s: expected HOST:PORT "
				 "(e.g. squid.corp:3128)",
				 s);
	port = u.auth.port;
	p->upstream_host = strndup(u.auth.host, u.auth.hostlen);
	if (!p->upstream_host) {
		plan_fail(&p->msgs, -ENOMEM, NULL, "out of memory");
		return -1;
	}
	p->upstream_port = port;
	p->upstream_bypass = nono_allowlist_new();
	if (!p->upstream_bypass) {
		plan_fail(&p->msgs, -ENOMEM, NULL, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < o->upstream_bypass.n; i++) {
		const char *why = "invalid";
		const char *b = o->upstream_bypass.v[i];

		if (strstr(b, "://") ||
		    nono_allowlist_add(p->upstream_bypass, b, &why) < 0) {
			plan_fail(&p->msgs, -EINVAL, NULL,
				  "--upstream-bypass %s: %s", b,
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
static int setup_creds(struct run_opts *o, struct nono_plan *p)
{
	const struct nono_profile *pr = p->profile;

	for (size_t i = 0; i < o->credential.n; i++) {
		const char *name = o->credential.v[i], *why = "invalid";
		const struct nono_custom_cred *cc = NULL;
		int e;

		for (size_t k = 0; pr && k < pr->net.ncreds; k++)
			if (strcmp(pr->net.creds[k].name, name) == 0)
				cc = &pr->net.creds[k];
		if (cc) {
			e = nono_creds_add_custom(
			    &p->creds, name, cc->upstream, cc->credential_key,
			    cc->inject_header, cc->credential_format,
			    cc->env_var, &why);
			for (size_t k = 0; e == 0 && k < cc->nrules; k++) {
				e = nono_cred_route_add_rule(
				    nono_creds_find(&p->creds, name),
				    cc->rules[k].method ? cc->rules[k].method
							: "*",
				    cc->rules[k].path ? cc->rules[k].path
						      : "/**",
				    &why);
			}
		} else {
			e = nono_creds_add_preset(&p->creds, name, &why);
		}
		if (e == -EEXIST)
			continue;
		if (e == -ENOMEM) {
			plan_fail(&p->msgs, -ENOMEM, NULL, "out of memory");
			return -1;
		}
		if (e < 0) {
			plan_fail(&p->msgs, -EINVAL, NULL,
				  "--credential %s: %s", name, why);
			if (!cc)
				plan_hint(&p->msgs,
					  "define it under network.custom_"
					  "credentials in a profile (nono "
					  "profile guide)");
			return -1;
		}
	}
	for (size_t i = 0; i < o->allow_endpoint.n; i++) {
		const char *why = "invalid";
		int e = nono_creds_add_rule(&p->creds, o->allow_endpoint.v[i],
					    &why);

		if (e == -ENOENT) {
			plan_fail(&p->msgs, -EINVAL, NULL,
				  "--allow-endpoint %s: its service has no "
				  "--credential",
				  o->allow_endpoint.v[i]);
			return -1;
		}
		if (e < 0) {
			plan_fail(&p->msgs, -EINVAL, NULL,
				  "--allow-endpoint %s: %s",
				  o->allow_endpoint.v[i],
				  e == -ENOMEM ? "out of memory" : why);
			return -1;
		}
	}
	for (size_t i = 0; i < p->creds.n; i++) {
		char err[512];

		if (nono_secret_ref_check(p->creds.r[i].key, err, sizeof(err)) <
		    0) {
			plan_fail(&p->msgs, -EINVAL, NULL,
				  "--credential %s: %s", p->creds.r[i].name,
				  err);
			return -1;
		}
		p->creds_tls |= p->creds.r[i].tls;
	}
	return 0;
}

int plan_network(struct run_opts *o, struct nono_plan *p)
{
	if (o->allow_endpoint.n && !o->credential.n) {
		plan_fail(&p->msgs, -EINVAL, NULL,
			  "--allow-endpoint needs --credential SERVICE");
		return -1;
	}
	if (!o->network_profile && !o->allow_domain.n && !o->credential.n) {
		if (o->upstream_proxy || o->upstream_bypass.n) {
			plan_fail(&p->msgs, -EINVAL, NULL,
				  "%s needs proxy mode",
				  o->upstream_proxy ? "--upstream-proxy"
						    : "--upstream-bypass");
			plan_hint(
			    &p->msgs,
			    "add --network-profile NAME or --allow-domain "
			    "HOST");
			return -1;
		}
		if (o->nlisten && o->mode != MODE_WHY)
			plan_note(&p->msgs, PLAN_WARN,
				  "--listen-port has an effect only in proxy "
				  "mode (--network-profile, --allow-domain)%s",
				  o->net == NET_BLOCK
				      ? "; under --block-net use --open-port"
				      : "");
		return 0;
	}
	if (parse_upstream(o, p) < 0 || setup_creds(o, p) < 0)
		return -1;
	p->allow = nono_allowlist_new();
	if (!p->allow) {
		plan_fail(&p->msgs, -ENOMEM, NULL, "out of memory");
		return -1;
	}
	if (o->network_profile &&
	    nono_allowlist_add_profile(p->allow, o->network_profile) < 0) {
		char names[256] = "";
		const char *cands[32], *near;
		size_t n = 0;

		for (size_t i = 0; i < nono_network_profile_count(); i++) {
			strncat(names, i ? ", " : "",
				sizeof(names) - strlen(names) - 1);
			strncat(names, nono_network_profile_name(i),
				sizeof(names) - strlen(names) - 1);
			if (n < 32)
				cands[n++] = nono_network_profile_name(i);
		}
		plan_fail(&p->msgs, -ENOENT, o->network_profile,
			  "--network-profile %s: no such network profile "
			  "(available: %s)",
			  o->network_profile, names);
		near = nono_suggest(o->network_profile, cands, n);
		if (near)
			plan_hint(&p->msgs,
				  "did you mean --network-profile %s?", near);
		return -1;
	}
	for (size_t i = 0; i < o->allow_domain.n; i++) {
		const char *why = "invalid";

		if (nono_allowlist_add(p->allow, o->allow_domain.v[i], &why) <
		    0) {
			plan_fail(&p->msgs, -EINVAL, NULL,
				  "--allow-domain %s: %s", o->allow_domain.v[i],
				  why);
			return -1;
		}
	}
	for (size_t i = 0; i < nono_allowlist_count(p->allow); i++) {
		char e[16];

		nono_allowlist_entry(p->allow, i, e, sizeof(e));
		p->tls_wanted |= strncmp(e, "https://", 8) == 0;
	}
	if ((p->tls_wanted || p->creds_tls) && o->mode != MODE_WHY) {
		char exe[PATH_MAX];

		if (nono_tls_helper_find(exe, sizeof(exe)) == 0) {
			p->tls_exe = strdup(exe);
		} else if (p->creds_tls) {
			plan_fail(&p->msgs, -EINVAL, NULL,
				  "--credential: https:// upstreams need "
				  "nono-tls (TLS to the upstream), which is "
				  "not installed next to nono or in %s",
				  NONO_LIBEXECDIR);
			return -1;
		} else {
			plan_note(
			    &p->msgs, PLAN_WARN,
			    "https:// path rules need nono-tls (TLS "
			    "interception), which is not installed next "
			    "to nono or in %s: those hosts are refused for "
			    "HTTPS (plain http:// is checked)",
			    NONO_LIBEXECDIR);
		}
	}
	if (o->net == NET_ALLOW && o->mode != MODE_WHY)
		plan_note(&p->msgs, PLAN_VERBOSE,
			  "proxy mode: the network is blocked except "
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
			plan_fail(&p->msgs, -EINVAL, NULL,
				  "too many open ports");
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
	p->proxy_netns = o->nports == 0 && nono_ns_available();
	if (p->proxy_netns) {
		uint16_t rnd = 0;

		if (!o->proxy_port &&
		    getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
			plan_fail(&p->msgs, -EINVAL, NULL,
				  "proxy: no randomness: %s", strerror(errno));
			return -1;
		}
		/* Nothing else listens in that namespace: any port is free. */
		p->proxy_port = o->proxy_port ? o->proxy_port
					      : (uint16_t)(32768 + rnd % 28232);
		nono_caps_set_isolated_net(p->caps, p->proxy_port);
		if (o->dry_run && !o->proxy_port)
			p->proxy_port = 0; /* each run draws its own */
		plan_note(&p->msgs, PLAN_VERBOSE,
			  "proxy mode: the command runs in its own "
			  "network namespace; the proxy's 127.0.0.1:%u "
			  "is the only thing it can reach",
			  p->proxy_port);
	} else {
		/* The run binds 127.0.0.1:PORT (any port when 0) and adds
		 * the port it got (run_net_start). */
		p->proxy_port = o->proxy_port;
	}
	if (!p->proxy_netns)
		plan_note(
		    &p->msgs, PLAN_VERBOSE,
		    "proxy mode: %s; the command shares the host's network: "
		    "Landlock allows TCP to the proxy's port only and the "
		    "supervisor allows it on loopback only; seccomp refuses "
		    "UDP, raw and other sockets",
		    o->nports ? "localhost ports are shared (--open-port, "
				"--listen-port)"
			      : "user namespaces are unavailable");
	if (o->nports >= sizeof(o->ports) / sizeof(o->ports[0])) {
		plan_fail(&p->msgs, -EINVAL, NULL, "too many open ports");
		return -1;
	}
	if (p->proxy_port)
		o->ports[o->nports++] = p->proxy_port;
	return 0;
}
