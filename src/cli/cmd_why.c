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
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli/cmd_why.h"
#include "cli/output.h"
#include "cli/run_ctx.h"
#include "cli/why_self.h"
#include "nono/landlock.h"
#include "nono/path.h"
#include "plan/verdict.h"
#include "policy/protect.h"
#include "util/jsonout.h"
#include "util/port.h"
#include "util/url.h"

struct query {
	const char *path, *op, *host, *scope;
	long port;
	bool self, json;
};

static void emit(const struct query *q, const char *subject,
		 const struct plan_verdict *v)
{
	if (q->json) {
		printf("{\"status\":\"%s\",\"reason\":\"%s\",",
		       v->allowed ? "allowed" : "denied", v->reason);
		printf("\"subject\":");
		nono_json_str(stdout, subject);
		if (q->op && q->path)
			printf(",\"op\":\"%s\"", q->op);
		why_verdict_fields(stdout, v);
		printf("}\n");
		return;
	}
	printf("%s: %s%s%s\n  %s\n", v->allowed ? "ALLOWED" : "DENIED", subject,
	       q->op && q->path ? " " : "", q->op && q->path ? q->op : "",
	       v->detail);
	if (v->category[0])
		printf("  what it is: %s\n", v->category);
	if (v->note[0])
		printf("  note: %s\n", v->note);
	if (!v->allowed && v->flag[0])
		printf("  to allow it: %s\n", v->flag);
}

/* "https://host:port/path" or "host": the host, the port (--port, else
 * the URL's, else the scheme's) and, for a URL, its path (the query is not
 * matched by path rules). */
static int parse_host(const char *in, long port_flag, char *host,
		      size_t hostlen, long *port, char *path, size_t pathlen)
{
	struct nono_url u;

	if (nono_url_parse(in, &u, NULL) < 0 || u.scheme == NONO_URL_OTHER ||
	    u.auth.hostlen >= hostlen)
		return -1;
	memcpy(host, u.auth.host, u.auth.hostlen);
	host[u.auth.hostlen] = '\0';
	*port = port_flag > 0               ? port_flag
		: u.auth.has_port           ? u.auth.port
		: u.scheme == NONO_URL_HTTP ? 80
					    : 443;
	path[0] = '\0';
	if (u.scheme != NONO_URL_NONE && u.rest[0] == '/')
		snprintf(path, pathlen, "%.*s", (int)strcspn(u.rest, "?#"),
			 u.rest);
	return 0;
}

static unsigned want_of(const char *op)
{
	return strcmp(op, "read") == 0    ? NONO_ACCESS_READ
	       : strcmp(op, "write") == 0 ? NONO_ACCESS_WRITE
					  : NONO_ACCESS_RW;
}

/* openat2 with @resolve: RESOLVE_NO_SYMLINKS is the kernel's alone (the
 * path is canonical: no symlink on it); RESOLVE_NO_MAGICLINKS alone is also
 * served by capability elevation when this session approved it, and never
 * asks (src/supervisor/elevate.c).  0 or -errno. */
static int try_open(const char *path, int flags, mode_t mode,
		    unsigned long long resolve)
{
	struct open_how how = {
	    .flags =
		(unsigned long long)(flags | O_NONBLOCK | O_NOCTTY | O_CLOEXEC),
	    .mode = (flags & O_CREAT) ? mode : 0,
	    .resolve = resolve,
	};
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

#define KERNEL_ONLY (RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS)

/* The name of a probe beside @canon (in it, for a directory). */
static void probe_name(const char *canon, bool exists, char *out, size_t len)
{
	const char *slash = strrchr(canon, '/');

	if (exists)
		snprintf(out, len, "%s/.nono-why-%d", canon, (int)getpid());
	else
		snprintf(out, len, "%.*s/.nono-why-%d",
			 slash ? (int)(slash - canon) : 0, canon,
			 (int)getpid());
}

/* Inside a sandbox: try it, without changing anything and without a
 * question (capability elevation is never asked by a probe).  A refusal
 * is tried again the way elevation serves what this session approved:
 * then the answer is the runtime grant. */
static void probe_self(const struct query *q, const char *canon, bool exists,
		       struct plan_verdict *v)
{
	bool r_ok = true, w_ok = true, runtime = false;
	bool file = false;
	struct stat st;
	int r;

	if (exists && stat(canon, &st) == 0 && !S_ISDIR(st.st_mode))
		file = true;
	if (strcmp(q->op, "write") != 0) {
		r = try_open(canon, O_RDONLY, 0, KERNEL_ONLY);
		if (r == -EACCES &&
		    try_open(canon, O_RDONLY, 0, RESOLVE_NO_MAGICLINKS) == 0)
			runtime = true, r = 0;
		r_ok = r == 0 || r == -ENOENT;
	}
	if (strcmp(q->op, "read") != 0) {
		if (file) {
			r = try_open(canon, O_WRONLY, 0, KERNEL_ONLY);
			if (r == -EACCES &&
			    try_open(canon, O_WRONLY, 0,
				     RESOLVE_NO_MAGICLINKS) == 0)
				runtime = true, r = 0;
			w_ok = r == 0;
		} else {
			/* A directory or a missing name: create and remove a
			 * probe beside it. */
			char probe[PATH_MAX];

			probe_name(canon, exists, probe, sizeof(probe));
			w_ok = try_open(probe, O_WRONLY | O_CREAT | O_EXCL,
					0600, KERNEL_ONLY) == 0;
			if (w_ok)
				unlink(probe);
		}
	}
	v->allowed = r_ok && w_ok;
	v->reason = !v->allowed ? "denied_here"
		    : runtime   ? "runtime_grant"
				: "granted_path";
	snprintf(v->detail, sizeof(v->detail),
		 "tried from inside this sandbox: %s",
		 !v->allowed ? "the kernel refused it"
		 : runtime   ? "it works, approved during this session "
			       "(capability elevation)"
			     : "it works");
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: nono why --path PATH [--op read|write|readwrite] "
		   "[OPTIONS]\n"
		   "       nono why --host HOST|URL [--port PORT] [OPTIONS]\n"
		   "       nono why --scope signal|abstract-unix-socket "
		   "[OPTIONS]\n"
		   "       nono why --self --path PATH --op OP   (inside a "
		   "sandbox)\n"
		   "       nono why --self --host HOST|URL [--port PORT]   "
		   "(inside a sandbox)\n\n"
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
	struct plan_verdict v;
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
			/* Agents parse this one too (upstream's word). */
			if (q.json)
				printf("{\"status\":\"error\",\"reason\":"
				       "\"not_sandboxed\"}\n");
			out_error("why --self: not inside a nono sandbox");
			out_hint("without --self, why describes a sandbox from "
				 "its flags or profile");
			free(rest);
			return 1;
		}
		if (q.scope) {
			out_error("why --self: --scope describes a sandbox "
				  "from its flags; ask without --self");
			free(rest);
			return 1;
		}
		if (q.host) {
			char host[256], path[512];
			long port;
			struct nono_json *keep = NULL;

			if (parse_host(q.host, q.port, host, sizeof(host),
				       &port, path, sizeof(path)) < 0) {
				out_error("why: --host %s: expected a host "
					  "name or an http(s) URL",
					  q.host);
				free(rest);
				return 1;
			}
			if (why_self_host(host, port, path[0] ? path : NULL, &v,
					  &keep) < 0) {
				free(rest);
				return 1;
			}
			snprintf(subject, sizeof(subject), "%s:%ld", host,
				 port);
			emit(&q, subject, &v);
			nono_json_free(keep);
			free(rest);
			return 0;
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
		plan_why_path(&c.p, want_of(q.op), canon, exists, &v);
		emit(&q, canon, &v);
		free(canon);
	} else if (q.host) {
		char host[256], path[512];
		long port;

		if (parse_host(q.host, q.port, host, sizeof(host), &port, path,
			       sizeof(path)) < 0) {
			out_error("why: --host %s: expected a host name or an "
				  "http(s) URL",
				  q.host);
			goto out;
		}
		plan_why_host(&c.p, host, path[0] ? path : NULL, port, &v);
		snprintf(subject, sizeof(subject), "%s:%ld", host, port);
		emit(&q, subject, &v);
	} else {
		plan_why_scope(&c.p,
			       strcmp(q.scope, "signal") == 0
				   ? NONO_SCOPE_SIGNAL
				   : NONO_SCOPE_ABSTRACT_UNIX,
			       &v);
		snprintf(subject, sizeof(subject), "scope %s", q.scope);
		emit(&q, subject, &v);
	}
	status = 0;
out:
	run_ctx_clear(&c);
	free(rest);
	return status;
}
