// SPDX-License-Identifier: Apache-2.0
/*
 * nono why: would this path, host or scope be allowed, and why.  The
 * capability set is planned by the same code as `nono run` (run_plan: the
 * same flags, profile, groups and protection planning); the verdict applies
 * the rules the kernel and the supervisor apply to it: protected names,
 * masks, guarded creation, then the union of grant rights, as Landlock
 * does.  tests/cli/why.bats compares both on generated cases.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cmd_why.h"
#include "cli/output.h"
#include "cli/run_ctx.h"
#include "nono/landlock.h"
#include "nono/path.h"
#include "policy/protect.h"
#include "util/jsonout.h"
#include "util/port.h"

struct query {
	const char *path, *op, *host, *scope;
	long port;
	bool self, json;
};

struct verdict {
	bool allowed;
	const char *reason; /* granted, not_granted, sensitive_path, ... */
	char category[128]; /* what the path is, for protected ones */
	char detail[2 * PATH_MAX + 256];
	char flag[2 * PATH_MAX + 128]; /* what would grant it, or "" */
};

static void emit(const struct query *q, const char *subject,
		 const struct verdict *v)
{
	if (q->json) {
		printf("{\"status\":\"%s\",\"reason\":\"%s\",",
		       v->allowed ? "allowed" : "denied", v->reason);
		printf("\"subject\":");
		nono_json_str(stdout, subject);
		if (q->op && q->path) {
			printf(",\"op\":");
			nono_json_str(stdout, q->op);
		}
		if (v->category[0]) {
			printf(",\"category\":");
			nono_json_str(stdout, v->category);
		}
		printf(",\"detail\":");
		nono_json_str(stdout, v->detail);
		if (v->flag[0]) {
			printf(",\"flag\":");
			nono_json_str(stdout, v->flag);
		}
		printf("}\n");
		return;
	}
	printf("%s: %s%s%s\n  %s\n", v->allowed ? "ALLOWED" : "DENIED", subject,
	       q->op && q->path ? " " : "", q->op && q->path ? q->op : "",
	       v->detail);
	if (v->category[0])
		printf("  what it is: %s\n", v->category);
	if (v->flag[0])
		printf("  %s: %s\n", v->allowed ? "note" : "to allow it",
		       v->flag);
}

static void decide_path(const struct run_ctx *c, const struct query *q,
			const char *canon, bool exists, struct verdict *v)
{
	const struct nono_caps *caps = c->p.caps;
	const struct nono_protect_item *it;
	const struct nono_grant *g;
	unsigned want = strcmp(q->op, "read") == 0    ? NONO_ACCESS_READ
			: strcmp(q->op, "write") == 0 ? NONO_ACCESS_WRITE
						      : NONO_ACCESS_RW;
	char at[PATH_MAX];

	it = nono_protect_find(c->p.home, canon, c->p.bypass, c->p.nbypass, at,
			       sizeof(at));
	if (it) {
		v->reason = "sensitive_path";
		snprintf(v->category, sizeof(v->category), "%s", it->what);
		snprintf(v->detail, sizeof(v->detail),
			 "%s is protected (%s): hidden even inside granted "
			 "trees",
			 at, it->group);
		if (it->bypassable)
			snprintf(v->flag, sizeof(v->flag),
				 "--bypass-protection %s plus a grant of it "
				 "(--read %s)",
				 at, at);
		return;
	}
	for (size_t i = 0; i < nono_caps_mask_count(caps); i++) {
		const struct nono_mask *m = nono_caps_mask_at(caps, i);

		if (!nono_path_is_under(canon, m->path))
			continue;
		if (m->kind == NONO_MASK_HIDE) {
			v->reason = "denied_by_profile";
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
		v->reason = "granted";
		snprintf(v->detail, sizeof(v->detail), "granted by %s (%s)",
			 g ? g->path : "?",
			 g && g->origin == NONO_ORIGIN_SYSTEM  ? "system"
			 : g && g->origin == NONO_ORIGIN_GROUP ? "policy group"
			 : g && g->origin == NONO_ORIGIN_CWD   ? "--allow-cwd"
			 : g && g->origin == NONO_ORIGIN_GPU   ? "--allow-gpu"
			 : g && g->origin == NONO_ORIGIN_GUARD ? "guarded tree"
							       : "grant");
		if (!exists)
			snprintf(v->flag, sizeof(v->flag),
				 "it does not exist yet");
		return;
	}
	v->reason = "not_granted";
	snprintf(v->detail, sizeof(v->detail), "no grant gives %s access to %s",
		 want == NONO_ACCESS_RW     ? "read-write"
		 : want == NONO_ACCESS_READ ? "read"
					    : "write",
		 canon);
	{
		struct stat st;
		bool dir = stat(canon, &st) == 0 && S_ISDIR(st.st_mode);

		snprintf(v->flag, sizeof(v->flag), "%s %s",
			 want == NONO_ACCESS_READ
			     ? (dir || !exists ? "--read" : "--read-file")
			 : want == NONO_ACCESS_WRITE
			     ? (dir || !exists ? "--write" : "--write-file")
			     : (dir || !exists ? "--allow" : "--allow-file"),
			 canon);
	}
}

/* "https://host:port/path" or "host": the host and the port. */
static int parse_host(const char *in, long port_flag, char *host,
		      size_t hostlen, long *port)
{
	const char *p = in, *end;
	long port_url = -1;

	*port = port_flag > 0 ? port_flag : 443;
	if (strncmp(p, "https://", 8) == 0) {
		p += 8;
	} else if (strncmp(p, "http://", 7) == 0) {
		p += 7;
		if (port_flag <= 0)
			*port = 80;
	}
	end = p + strcspn(p, "/:?#");
	if (end == p || (size_t)(end - p) >= hostlen)
		return -1;
	memcpy(host, p, (size_t)(end - p));
	host[end - p] = '\0';
	if (*end == ':') {
		uint16_t pv;

		if (nono_port_parse(end + 1, strcspn(end + 1, "/?#"), &pv) < 0)
			return -1;
		port_url = pv;
		if (port_flag <= 0)
			*port = port_url;
	}
	return 0;
}

/* Proxy mode: the same allowlist code the proxy runs. */
static void decide_proxy_host(const struct run_ctx *c, const char *host,
			      const char *path, long port, struct verdict *v)
{
	char lower[256];
	bool paths = false;
	size_t i;

	for (i = 0; host[i] && i + 1 < sizeof(lower); i++)
		lower[i] = (char)tolower((unsigned char)host[i]);
	lower[i] = '\0';
	/* The proxy's rule: host, port and path from one entry; 443 and 80
	 * unless the entry names the port. */
	switch (nono_allowlist_check_port(c->p.allow, lower, (unsigned)port,
					  path, &paths)) {
	case NONO_HOST_ALLOWED:
		v->allowed = true;
		v->reason = "proxy_allowed";
		if (path && paths &&
		    nono_allowlist_check(c->p.allow, lower, NULL, NULL) !=
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
	if (nono_allowlist_check(c->p.allow, lower, path, NULL) ==
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

static void decide_host(const struct run_ctx *c, const char *host,
			const char *path, long port, struct verdict *v)
{
	const struct nono_caps *caps = c->p.caps;
	bool loopback = strcmp(host, "localhost") == 0 ||
			strncmp(host, "127.", 4) == 0 ||
			strcmp(host, "::1") == 0 || strcmp(host, "[::1]") == 0;

	if (nono_caps_net(caps) != NONO_NET_BLOCK) {
		v->allowed = true;
		v->reason = "network_open";
		snprintf(v->detail, sizeof(v->detail),
			 "the network is open in this sandbox (no --block-net "
			 "and no proxy mode)");
		return;
	}
	for (size_t i = 0; loopback && i < nono_caps_port_count(caps); i++)
		if (nono_caps_port_at(caps, i) == port &&
		    !(c->p.allow && port == c->p.proxy_port)) {
			v->allowed = true;
			v->reason = "open_port";
			snprintf(v->detail, sizeof(v->detail),
				 "loopback port %ld is open (--open-port)",
				 port);
			return;
		}
	if (c->p.allow) {
		decide_proxy_host(c, host, path, port, v);
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

static void decide_scope(const struct run_ctx *c, const char *scope,
			 struct verdict *v)
{
	unsigned bit = strcmp(scope, "signal") == 0 ? NONO_SCOPE_SIGNAL
						    : NONO_SCOPE_ABSTRACT_UNIX;
	bool requested = nono_caps_scopes(c->p.caps) & bit;
	int abi = nono_landlock_abi();
	bool supported = abi >= 6;

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

/* Inside a sandbox: try it, without changing anything. */
static void probe_self(const struct query *q, const char *canon, bool exists,
		       struct verdict *v)
{
	bool r_ok = true, w_ok = true;
	struct stat st;
	int fd;

	if (strcmp(q->op, "write") != 0) {
		fd = open(canon, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		r_ok = fd >= 0 || errno == ENOENT;
		if (fd >= 0)
			close(fd);
	}
	if (strcmp(q->op, "read") != 0) {
		if (exists && stat(canon, &st) == 0 && !S_ISDIR(st.st_mode)) {
			fd = open(canon,
				  O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
			w_ok = fd >= 0;
			if (fd >= 0)
				close(fd);
		} else {
			/* A directory or a missing name: create and remove a
			 * probe beside it. */
			char probe[PATH_MAX];

			snprintf(probe, sizeof(probe), "%s%s.nono-why-%d",
				 exists ? canon : "", exists ? "/" : "",
				 (int)getpid());
			if (!exists) {
				const char *slash = strrchr(canon, '/');

				snprintf(
				    probe, sizeof(probe), "%.*s/.nono-why-%d",
				    (int)(slash - canon), canon, (int)getpid());
			}
			fd =
			    open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
				 0600);
			w_ok = fd >= 0;
			if (fd >= 0) {
				close(fd);
				unlink(probe);
			}
		}
	}
	v->allowed = r_ok && w_ok;
	v->reason = v->allowed ? "granted" : "denied_here";
	snprintf(v->detail, sizeof(v->detail),
		 "tried from inside this sandbox: %s",
		 v->allowed ? "it works" : "the kernel refused it");
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: nono why --path PATH [--op read|write|readwrite] "
		   "[OPTIONS]\n"
		   "       nono why --host HOST|URL [--port PORT] [OPTIONS]\n"
		   "       nono why --scope signal|abstract-unix-socket "
		   "[OPTIONS]\n"
		   "       nono why --self --path PATH --op OP   (inside a "
		   "sandbox)\n\n"
		   "Options: --json, and the sandbox to ask about: --allow, "
		   "--read, --write,\n"
		   "--allow-file, --read-file, --write-file, --allow-cwd, "
		   "--block-net,\n"
		   "--allow-net, --open-port, --bypass-protection, --profile, "
		   "--workdir.\n");
}

int cmd_why(int argc, char **argv, struct global_opts *g)
{
	struct query q = {.op = NULL, .port = -1};
	struct verdict v;
	struct run_ctx c;
	char **rest = calloc((size_t)argc + 1, sizeof(*rest));
	int nrest = 0, status = 1;
	char subject[PATH_MAX + 64];

	if (!rest)
		return 1;
	rest[nrest++] = argv[0];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool val = i + 1 < argc;

		if (strcmp(a, "--path") == 0 && val)
			q.path = argv[++i];
		else if (strcmp(a, "--op") == 0 && val)
			q.op = argv[++i];
		else if (strcmp(a, "--host") == 0 && val)
			q.host = argv[++i];
		else if (strcmp(a, "--scope") == 0 && val)
			q.scope = argv[++i];
		else if (strcmp(a, "--port") == 0 && val) {
			uint16_t pv = 0;

			i++;
			q.port =
			    nono_port_parse(argv[i], strlen(argv[i]), &pv) < 0
				? -1
				: pv;
			if (q.port < 1) {
				cli_setup_output(g, NULL);
				out_error("--port %s: expected 1-65535",
					  argv[i]);
				free(rest);
				return 1;
			}
		} else if (strcmp(a, "--self") == 0)
			q.self = true;
		else if (strcmp(a, "--json") == 0)
			q.json = true;
		else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			free(rest);
			return 0;
		} else
			rest[nrest++] = argv[i];
	}
	if (!q.op)
		q.op = "read";
	if ((q.path != NULL) + (q.host != NULL) + (q.scope != NULL) != 1 ||
	    (strcmp(q.op, "read") && strcmp(q.op, "write") &&
	     strcmp(q.op, "readwrite")) ||
	    (q.scope && strcmp(q.scope, "signal") &&
	     strcmp(q.scope, "abstract-unix-socket")) ||
	    (q.port > 0 && !q.host)) {
		cli_setup_output(g, NULL);
		out_error("why: give exactly one of --path, --host, --scope "
			  "(--op is read, write or readwrite; --scope is "
			  "signal or abstract-unix-socket; --port goes with "
			  "--host)");
		free(rest);
		return 1;
	}
	memset(&v, 0, sizeof(v));
	if (q.self) {
		char *canon = NULL;
		bool exists;

		cli_setup_output(g, NULL);
		if (!getenv("NONO_SANDBOX")) {
			out_error("why --self: not inside a nono sandbox");
			out_hint("without --self, why describes a sandbox from "
				 "its flags or profile");
			free(rest);
			return 1;
		}
		if (!q.path) {
			out_error("why --self: only --path queries can be "
				  "tried from inside");
			free(rest);
			return 1;
		}
		if (nono_path_canon(q.path, &canon, &exists) < 0) {
			out_error("why: %s: cannot resolve it", q.path);
			free(rest);
			return 1;
		}
		probe_self(&q, canon, exists, &v);
		emit(&q, canon, &v);
		free(canon);
		free(rest);
		return 0;
	}
	if (run_plan(MODE_WHY, nrest, rest, g, &c) != 0) {
		run_ctx_clear(&c);
		free(rest);
		return 1;
	}
	if (q.path) {
		char *canon = NULL;
		bool exists;
		int r = nono_path_canon(q.path, &canon, &exists);

		if (r < 0) {
			out_error("why: %s: %s", q.path, strerror(-r));
			goto out;
		}
		decide_path(&c, &q, canon, exists, &v);
		emit(&q, canon, &v);
		free(canon);
	} else if (q.host) {
		char host[256];
		long port;

		if (parse_host(q.host, q.port, host, sizeof(host), &port) < 0) {
			out_error("why: --host %s: expected a host name or a "
				  "URL",
				  q.host);
			goto out;
		}
		char path[512] = "";
		const char *a = strstr(q.host, "://");

		/* A URL's path, for path rules (the query is not matched). */
		if (a) {
			a += 3 + strcspn(a + 3, "/?#");
			if (*a == '/')
				snprintf(path, sizeof(path), "%.*s",
					 (int)strcspn(a, "?#"), a);
		}
		decide_host(&c, host, path[0] ? path : NULL, port, &v);
		snprintf(subject, sizeof(subject), "%s:%ld", host, port);
		emit(&q, subject, &v);
	} else {
		decide_scope(&c, q.scope, &v);
		snprintf(subject, sizeof(subject), "scope %s", q.scope);
		emit(&q, subject, &v);
	}
	status = 0;
out:
	run_ctx_clear(&c);
	free(rest);
	return status;
}
