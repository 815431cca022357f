// SPDX-License-Identifier: Apache-2.0
/*
 * nono why's verdicts, from the plan that nono run would enforce: the
 * rules the kernel and the supervisor apply to a path (protected names,
 * masks, guarded creation, then the union of grant rights, as Landlock
 * does), to a host (the proxy's allowlist code itself), and to a scope.
 * tests/cli/why.bats compares the verdicts with what a run does.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "nono/landlock.h"
#include "nono/path.h"
#include "plan/plan_internal.h"
#include "plan/verdict.h"
#include "policy/projcfg.h"
#include "policy/protect.h"

const char *plan_access_name(unsigned a)
{
	switch (a & NONO_ACCESS_RW) {
	case NONO_ACCESS_RW:
		return "readwrite";
	case NONO_ACCESS_READ:
		return "read";
	case NONO_ACCESS_WRITE:
		return "write";
	default:
		return "none";
	}
}

const char *plan_grant_source_name(const struct nono_plan *p,
				   const struct nono_grant *g)
{
	if (plan_grant_source(p, g->path))
		return "profile";
	switch (g->origin) {
	case NONO_ORIGIN_USER:
		return "user";
	case NONO_ORIGIN_SYSTEM:
		return "system";
	case NONO_ORIGIN_GROUP:
		return "group";
	case NONO_ORIGIN_TMPDIR:
		return "system";
	case NONO_ORIGIN_GPU:
		return "gpu";
	case NONO_ORIGIN_SOCKET:
		return "socket";
	case NONO_ORIGIN_CWD:
		return "cwd";
	case NONO_ORIGIN_GUARD:
		return "guard";
	}
	return "?";
}

/* The flag that grants @want on @canon (a tree for a directory or a name
 * that does not exist yet, else the file). */
static const char *flag_for(const char *canon, bool exists, unsigned want)
{
	struct stat st;
	bool dir = !exists || (stat(canon, &st) == 0 && S_ISDIR(st.st_mode));

	return want == NONO_ACCESS_READ    ? (dir ? "--read" : "--read-file")
	       : want == NONO_ACCESS_WRITE ? (dir ? "--write" : "--write-file")
					   : (dir ? "--allow" : "--allow-file");
}

/* The grant @g that decided, and where it came from. */
static void describe_grant(const struct nono_plan *p,
			   const struct nono_grant *g, struct plan_verdict *v)
{
	if (!g)
		return;
	snprintf(v->granted_path, sizeof(v->granted_path), "%s", g->path);
	v->access = plan_access_name(g->access);
	snprintf(v->source, sizeof(v->source), "%s",
		 plan_grant_source_name(p, g));
}

/* @canon is a tool's project configuration in a sealed tree, not
 * bypassed. */
static bool projcfg_refused(const struct nono_plan *p, const char *canon,
			    bool exists)
{
	const char *slash = strrchr(canon, '/');
	char parent[PATH_MAX];

	if (!slash || (size_t)(slash - canon) >= sizeof(parent))
		return false;
	snprintf(parent, sizeof(parent), "%.*s",
		 slash == canon ? 1 : (int)(slash - canon), canon);
	if (!(nono_projcfg_refuses(parent, slash + 1) ||
	      (!exists && nono_projcfg_refuses_new(parent, slash + 1))) ||
	    !nono_caps_sealed(p->caps, parent))
		return false;
	for (size_t i = 0; i < p->nbypass; i++)
		if (strcmp(p->bypass[i], canon) == 0)
			return false;
	return true;
}

void plan_why_path(const struct nono_plan *p, unsigned want, const char *canon,
		   bool exists, struct plan_verdict *v)
{
	const struct nono_caps *caps = p->caps;
	const struct nono_protect_item *it;
	const struct nono_grant *g;
	char at[PATH_MAX];

	memset(v, 0, sizeof(*v));
	it = nono_protect_find(p->home, canon, p->bypass, p->nbypass, at,
			       sizeof(at));
	if (it) {
		v->reason = "sensitive_path";
		snprintf(v->category, sizeof(v->category), "%s", it->what);
		snprintf(v->source, sizeof(v->source), "group:%s", it->group);
		snprintf(v->detail, sizeof(v->detail),
			 "%s is protected (%s): hidden even inside granted "
			 "trees",
			 at, it->group);
		if (it->bypassable)
			snprintf(v->flag, sizeof(v->flag),
				 "--bypass-protection %s plus a grant of it "
				 "(%s %s)",
				 at, flag_for(at, true, want), at);
		return;
	}
	for (size_t i = 0; i < p->never_secret.n; i++) {
		if (!nono_path_is_under(canon, p->never_secret.v[i]))
			continue;
		v->reason = "sensitive_path";
		snprintf(v->category, sizeof(v->category),
			 "nono's own configuration, or a secret nono reads "
			 "for you");
		snprintf(v->source, sizeof(v->source), "nono");
		snprintf(v->detail, sizeof(v->detail),
			 "%s is nono's own configuration or a secret it reads "
			 "for you: never the sandbox's",
			 p->never_secret.v[i]);
		return;
	}
	for (size_t i = 0; i < p->never_deny.n; i++) {
		if (!nono_path_is_under(canon, p->never_deny.v[i]))
			continue;
		v->reason = "filesystem_deny";
		snprintf(v->source, sizeof(v->source), "profile");
		snprintf(v->detail, sizeof(v->detail),
			 "%s is hidden: the profile denies it "
			 "(filesystem.deny)",
			 p->never_deny.v[i]);
		return;
	}
	for (size_t i = 0; i < nono_caps_mask_count(caps); i++) {
		const struct nono_mask *m = nono_caps_mask_at(caps, i);

		if (!nono_path_is_under(canon, m->path))
			continue;
		if (m->kind == NONO_MASK_HIDE) {
			v->reason = "filesystem_deny";
			snprintf(v->source, sizeof(v->source), "profile");
			snprintf(v->detail, sizeof(v->detail),
				 "%s is hidden: the profile denies it "
				 "(filesystem.deny)",
				 m->path);
			return;
		}
		if (m->kind == NONO_MASK_READONLY &&
		    (want & NONO_ACCESS_WRITE)) {
			v->reason = "persistence_file";
			snprintf(v->detail, sizeof(v->detail),
				 "%s is read-only: it runs code outside the "
				 "sandbox later",
				 m->path);
			snprintf(v->flag, sizeof(v->flag),
				 "--bypass-protection %s", m->path);
			return;
		}
	}
	/* A kept path that does not exist yet (a PATH directory, cargo's
	 * config, a profile's keep_read_only), or a name below one: the gate
	 * refuses making it wherever it is made. */
	for (size_t i = 0;
	     !exists && (want & NONO_ACCESS_WRITE) && i < p->keep_targets.n;
	     i++) {
		const char *k = p->keep_targets.v[i];

		/* Outside the grants it is only listed (for elevation): the
		 * grant is what is missing there. */
		if (!nono_path_is_under(canon, k) ||
		    !nono_caps_allows(caps, canon, want, NULL))
			continue;
		v->reason = "persistence_file";
		snprintf(v->detail, sizeof(v->detail),
			 "%s may not be created: it would run code outside "
			 "the sandbox later",
			 k);
		snprintf(v->flag, sizeof(v->flag), "--bypass-protection %s", k);
		return;
	}
	if (!exists && (want & NONO_ACCESS_WRITE)) {
		const char *slash = strrchr(canon, '/');
		char parent[PATH_MAX];

		snprintf(parent, sizeof(parent), "%.*s",
			 slash == canon ? 1 : (int)(slash - canon), canon);
		for (size_t i = 0; i < nono_caps_guard_count(caps); i++) {
			const struct nono_guard *gd =
			    nono_caps_guard_at(caps, i);

			if (strcmp(gd->path, parent) == 0 &&
			    nono_guard_refuses(gd->kind, slash + 1)) {
				v->reason = "persistence_file";
				snprintf(v->detail, sizeof(v->detail),
					 "%s may not be created: it would run "
					 "code outside the sandbox later",
					 canon);
				snprintf(v->flag, sizeof(v->flag),
					 "--bypass-protection %s", canon);
				return;
			}
		}
	}
	/* A tool's project configuration, at any depth of a sealed tree
	 * (the gate's rule, policy/projcfg.c). */
	if ((want & NONO_ACCESS_WRITE) && projcfg_refused(p, canon, exists)) {
		v->reason = "persistence_file";
		snprintf(v->detail, sizeof(v->detail),
			 "%s may not be made or changed: a tool started in "
			 "that directory would run code from it outside the "
			 "sandbox later",
			 canon);
		snprintf(v->flag, sizeof(v->flag), "--bypass-protection %s",
			 canon);
		return;
	}
	if (exists && (want & NONO_ACCESS_WRITE)) {
		struct stat dst;

		/* Writing into a git directory: only git's own names may be
		 * created there (the guard's allow-list), not just any. */
		for (size_t i = 0;
		     stat(canon, &dst) == 0 && S_ISDIR(dst.st_mode) &&
		     i < nono_caps_guard_count(caps);
		     i++) {
			const struct nono_guard *gd =
			    nono_caps_guard_at(caps, i);

			if (strcmp(gd->path, canon) != 0 ||
			    !nono_guard_refuses(gd->kind, ".nono-why"))
				continue;
			v->reason = "persistence_file";
			snprintf(v->detail, sizeof(v->detail),
				 "only git's own names may be created in %s: "
				 "others could make git run code outside the "
				 "sandbox later",
				 canon);
			snprintf(v->flag, sizeof(v->flag),
				 "--bypass-protection %s", canon);
			return;
		}
	}
	if (nono_caps_allows(caps, canon, want, &g)) {
		v->allowed = true;
		v->reason = "granted_path";
		describe_grant(p, g, v);
		snprintf(v->detail, sizeof(v->detail), "granted by %s (%s)",
			 g ? g->path : "?", v->source);
		if (!exists)
			snprintf(v->note, sizeof(v->note),
				 "it does not exist yet");
		for (size_t i = 0; i < nono_caps_mask_count(caps); i++) {
			const struct nono_mask *m = nono_caps_mask_at(caps, i);

			if (m->kind == NONO_MASK_PRIVATE &&
			    nono_path_is_under(canon, m->path))
				snprintf(
				    v->note, sizeof(v->note),
				    "private: the sandbox has its own copy "
				    "of this directory, the real one is "
				    "never written");
		}
		return;
	}
	v->requested = plan_access_name(want);
	snprintf(v->flag, sizeof(v->flag), "%s %s",
		 flag_for(canon, exists, want), canon);
	/* Some of the access, not all: which grant, and what it gives. */
	for (unsigned bit = NONO_ACCESS_READ; bit <= NONO_ACCESS_WRITE;
	     bit <<= 1) {
		if (!nono_caps_allows(caps, canon, bit, &g))
			continue;
		v->reason = "insufficient_access";
		describe_grant(p, g, v);
		v->access = plan_access_name(bit);
		snprintf(v->detail, sizeof(v->detail),
			 "%s grants %s access only (%s); %s was asked",
			 g ? g->path : "?", v->access, v->source, v->requested);
		return;
	}
	v->reason = "path_not_granted";
	snprintf(v->detail, sizeof(v->detail), "no grant gives %s access to %s",
		 v->requested, canon);
}

/* Proxy mode: the same allowlist code the proxy runs. */
/* An IPv4 or IPv6 address literal (brackets or not), not a name. */
static bool is_address(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];
	char six[64];
	size_t n = strlen(host);

	if (inet_pton(AF_INET, host, buf) == 1 ||
	    inet_pton(AF_INET6, host, buf) == 1)
		return true;
	if (n > 2 && n < sizeof(six) + 2 && host[0] == '[' &&
	    host[n - 1] == ']') {
		snprintf(six, sizeof(six), "%.*s", (int)(n - 2), host + 1);
		return inet_pton(AF_INET6, six, buf) == 1;
	}
	return false;
}

static void why_proxy_host(const struct nono_plan *p, const char *host,
			   const char *path, long port, struct plan_verdict *v)
{
	char lower[256];
	bool paths = false;
	size_t i;

	for (i = 0; host[i] && i + 1 < sizeof(lower); i++)
		lower[i] = (char)tolower((unsigned char)host[i]);
	lower[i] = '\0';
	/* The proxy's rule: host, port and path from one entry; 443 and 80
	 * unless the entry names the port. */
	switch (nono_allowlist_check_port(p->allow, lower, (unsigned)port, path,
					  &paths)) {
	case NONO_HOST_ALLOWED:
		v->allowed = true;
		v->reason = "proxy_allowed";
		if (path && paths &&
		    nono_allowlist_check(p->allow, lower, NULL, NULL) !=
			NONO_HOST_ALLOWED)
			snprintf(v->detail, sizeof(v->detail),
				 "https://%s%s matches a path rule: nono-tls "
				 "checks each request's path inside TLS",
				 lower, path);
		else
			snprintf(
			    v->detail, sizeof(v->detail),
			    "%s is on the proxy's allowlist: HTTP and HTTPS "
			    "to port %ld go through nono's proxy (raw TCP "
			    "does not)",
			    lower, port);
		/* Decided by the policy alone: where the name leads is
		 * judged when connecting (review of session 16, F3). */
		if (!is_address(lower))
			snprintf(v->note, sizeof(v->note),
				 "if it resolves to a loopback or private "
				 "address, the proxy refuses it unless that "
				 "address is allowed too");
		return;
	case NONO_HOST_METADATA:
		v->reason = "metadata";
		snprintf(v->detail, sizeof(v->detail),
			 "%s is a cloud metadata or link-local destination, "
			 "refused whatever the allowlist says",
			 lower);
		return;
	case NONO_HOST_INVALID:
		v->reason = "invalid_host";
		snprintf(v->detail, sizeof(v->detail),
			 "%s is not a host name the proxy accepts", lower);
		return;
	case NONO_HOST_NOT_LISTED:
		break;
	}
	if (nono_allowlist_check(p->allow, lower, path, NULL) ==
	    NONO_HOST_ALLOWED) {
		v->reason = "proxy_port_denied";
		snprintf(v->detail, sizeof(v->detail),
			 "%s is on the proxy's allowlist for ports 443 and 80 "
			 "(or the ports its entries name)",
			 lower);
		snprintf(v->flag, sizeof(v->flag), "--allow-domain %s:%ld",
			 lower, port);
		return;
	}
	v->reason = "proxy_denied";
	if (paths && path) {
		snprintf(v->detail, sizeof(v->detail),
			 "https://%s%s matches none of the host's path rules",
			 lower, path);
		snprintf(v->flag, sizeof(v->flag),
			 "--allow-domain 'https://%s%s'", lower, path);
		return;
	}
	if (paths)
		snprintf(v->detail, sizeof(v->detail),
			 "%s is allowed only for some https:// paths: ask with "
			 "the URL (nono why --host https://%s/PATH)",
			 lower, lower);
	else
		snprintf(v->detail, sizeof(v->detail),
			 "%s is not on the proxy's allowlist (proxy mode: "
			 "everything goes through nono's proxy)",
			 lower);
	if (port == 443 || port == 80)
		snprintf(v->flag, sizeof(v->flag), "--allow-domain %s", lower);
	else
		snprintf(v->flag, sizeof(v->flag), "--allow-domain %s:%ld",
			 lower, port);
}

void plan_why_host(const struct nono_plan *p, const char *host,
		   const char *path, long port, struct plan_verdict *v)
{
	const struct nono_caps *caps = p->caps;
	struct in_addr a4;
	bool loopback = strcmp(host, "localhost") == 0 ||
			(inet_pton(AF_INET, host, &a4) == 1 &&
			 (ntohl(a4.s_addr) >> 24) == 127) ||
			strcmp(host, "::1") == 0 || strcmp(host, "[::1]") == 0;

	memset(v, 0, sizeof(*v));
	if (nono_caps_net(caps) != NONO_NET_BLOCK) {
		v->allowed = true;
		v->reason = "network_allowed";
		snprintf(v->detail, sizeof(v->detail),
			 "the network is open in this sandbox (no --block-net "
			 "and no proxy mode)");
		return;
	}
	for (size_t i = 0; loopback && i < nono_caps_port_count(caps); i++)
		if (nono_caps_port_at(caps, i) == port &&
		    !(p->allow && port == p->proxy_port)) {
			v->allowed = true;
			v->reason = "open_port";
			snprintf(v->detail, sizeof(v->detail),
				 "loopback port %ld is open (--open-port)",
				 port);
			return;
		}
	if (p->allow) {
		why_proxy_host(p, host, path, port, v);
		return;
	}
	v->reason = "network_blocked";
	snprintf(v->detail, sizeof(v->detail),
		 "all network is blocked (--block-net)");
	if (loopback)
		snprintf(v->flag, sizeof(v->flag), "--open-port %ld", port);
	else
		snprintf(v->flag, sizeof(v->flag),
			 "drop --block-net (or network.block in the profile)");
}

void plan_why_scope(const struct nono_plan *p, unsigned bit,
		    struct plan_verdict *v)
{
	bool requested = nono_caps_scopes(p->caps) & bit;
	int abi = nono_landlock_abi();
	bool supported = abi >= 6;

	memset(v, 0, sizeof(*v));
	/* "allowed" = the sandbox may reach outside itself this way. */
	v->allowed = !(requested && supported);
	v->reason = requested && supported ? "scoped"
		    : requested            ? "abi_too_old"
					   : "not_requested";
	snprintf(v->detail, sizeof(v->detail),
		 "requested: %s; Landlock ABI %d %s it; enforced: %s",
		 requested ? "yes" : "no", abi,
		 supported ? "supports" : "does not support (needs 6)",
		 requested && supported ? "yes (only processes in this sandbox "
					  "can be reached)"
					: "no");
}

bool plan_verdict_refused_always(const struct plan_verdict *v)
{
	return !v->allowed && v->reason &&
	       (strcmp(v->reason, "sensitive_path") == 0 ||
		strcmp(v->reason, "filesystem_deny") == 0 ||
		strcmp(v->reason, "persistence_file") == 0);
}
