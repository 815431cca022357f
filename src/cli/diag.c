// SPDX-License-Identifier: Apache-2.0
/*
 * Diagnostics after a failed command.  nono cannot see each denial the
 * kernel makes, so the footer reports what it can prove: the paths on the
 * command line that the capability set refuses (and why), the network mode,
 * and the grant that would change each answer.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/diag.h"
#include "cli/output.h"
#include "nono/path.h"
#include "plan/verdict.h"
#include "policy/protect.h"
#include "supervisor/gate.h"

static int heading(FILE *f, int shown)
{
	if (!shown)
		fprintf(f, "  Refused by the sandbox:\n");
	return shown + 1;
}

/* Reports one command-line argument if the sandbox refuses reading it:
 * the same verdict and remedy as `nono why` (a protected path gets the
 * --bypass-protection answer, never a grant nono would refuse). */
static int check_arg(FILE *f, const struct nono_plan *p, const char *arg,
		     int shown)
{
	struct plan_verdict v;
	char *canon = NULL;
	struct stat st;
	bool exists;

	/* Only arguments that look like paths: options are skipped. */
	if (arg[0] == '-' || (!strchr(arg, '/') && access(arg, F_OK) < 0))
		return shown;
	if (nono_path_canon(arg, &canon, &exists) < 0 || !exists) {
		free(canon);
		return shown;
	}
	/* Sockets are reported by the gate, which saw the real attempt. */
	if (stat(canon, &st) < 0 || S_ISSOCK(st.st_mode)) {
		free(canon);
		return shown;
	}
	plan_why_path(p, NONO_ACCESS_READ, canon, true, &v);
	if (!v.allowed) {
		shown = heading(f, shown);
		fprintf(f, "    %s: %s\n", out_name(canon), out_name(v.detail));
		if (v.flag[0])
			fprintf(f, "      to allow it: %s\n", out_name(v.flag));
	}
	free(canon);
	return shown;
}

/* A TCP connect/bind/listen the gate refused ("connect ADDR PORT"), worded
 * for the mode: the proxy's (never blaming --block-net) or --block-net's. */
static void net_fact(FILE *f, const char *what, const struct diag_net *net)
{
	struct nono_gate_net n;
	const char *op = n.op, *addr = n.addr;
	unsigned port;
	bool loopback;

	if (!nono_gate_net_parse(what, &n))
		return;
	port = n.port;
	loopback = n.loopback;
	if (strcmp(op, "listen") == 0) {
		fprintf(f, "    listening on a port the command did not "
			   "bind first (the kernel would pick one on "
			   "every address)\n");
		return;
	}
	if (net && net->proxy) {
		fprintf(f,
			"    %s %s port %u: in proxy mode only nono's proxy is "
			"reachable\n      to allow it: %s\n",
			strcmp(op, "bind") == 0 ? "bind on"
						: "direct connect to",
			addr, port,
			loopback ? "--open-port PORT for a local server "
				   "(--listen-port PORT to serve one)"
				 : "--allow-domain HOST (through the proxy)");
		return;
	}
	if (loopback)
		fprintf(f,
			"    %s %s port %u (--block-net)\n      to allow it: "
			"--open-port %u\n",
			strcmp(op, "bind") == 0 ? "bind on" : "connect to",
			addr, port, port);
	else
		fprintf(f, "    %s %s port %u (--block-net)\n",
			strcmp(op, "bind") == 0 ? "bind on" : "connect to",
			addr, port);
}

/* A write the kernel refused (the gate saw it asked): the grant that
 * gives only read, and what would make it writable, as why says. */
static void write_fact(FILE *f, const struct nono_plan *p, const char *path)
{
	struct plan_verdict v;
	struct stat st;
	bool exists = lstat(path, &st) == 0;

	plan_why_path(p, NONO_ACCESS_WRITE, path, exists, &v);
	if (v.allowed)
		return;
	if (strcmp(v.reason, "insufficient_access") == 0 &&
	    (strcmp(v.source, "user") == 0 || strcmp(v.source, "cwd") == 0 ||
	     strcmp(v.source, "profile") == 0)) {
		fprintf(f,
			"    writing %s: %s is granted %s only (%s)\n      to "
			"make it writable: --allow %s\n",
			out_name(path), out_name(v.granted_path), v.access,
			strcmp(v.source, "cwd") == 0    ? "--allow-cwd"
			: strcmp(v.source, "user") == 0 ? "--read"
							: "the profile",
			out_name(v.granted_path));
		return;
	}
	if (strcmp(v.reason, "insufficient_access") == 0) {
		fprintf(f,
			"    writing %s: %s is read-only in every sandbox (%s)"
			"\n",
			out_name(path), out_name(v.granted_path), v.source);
		return;
	}
	fprintf(f, "    writing %s: %s\n", out_name(path), out_name(v.detail));
	if (v.flag[0])
		fprintf(f, "      to allow it: %s\n", out_name(v.flag));
}

/* A request capability elevation refused (denied at the prompt, not
 * answered, or nobody to ask), with the grant that would make it
 * needless. */
static void elevate_fact(FILE *f, const struct nono_plan *p, const char *path)
{
	struct plan_verdict v;
	struct stat st;
	bool exists = lstat(path, &st) == 0;

	plan_why_path(p, NONO_ACCESS_READ, path, exists, &v);
	fprintf(f, "    more access to %s (asked for and refused)\n",
		out_name(path));
	if (!v.allowed && v.flag[0])
		fprintf(f, "      to grant it from the start: %s\n",
			out_name(v.flag));
}

/* Facts: what the gate refused, with the grant for each. */
static int gate_facts(FILE *f, const struct nono_plan *p,
		      const struct nono_gate *gate, const struct diag_net *net,
		      int shown)
{
	const struct nono_caps *caps = p->caps;
	bool blocked = nono_caps_net(caps) == NONO_NET_BLOCK;

	for (size_t i = 0; gate && i < nono_gate_denial_count(gate); i++) {
		const struct nono_gate_denial *d = nono_gate_denial_at(gate, i);
		bool bind = d->op == NONO_GATE_BIND;

		shown = heading(f, shown);
		switch (d->op) {
		case NONO_GATE_CREATE:
			fprintf(f,
				"    creating %s (a protected name: it would "
				"run code outside the sandbox later)\n      "
				"to allow it: --bypass-protection %s\n",
				out_name(d->path), out_name(d->path));
			continue;
		case NONO_GATE_REPO:
			fprintf(f,
				"    creating %s (a new git repository: git "
				"would run its hooks and config outside the "
				"sandbox later)\n      to allow it: "
				"--allow-new-repos\n",
				out_name(d->path));
			continue;
		case NONO_GATE_PROCESS:
			fprintf(f,
				"    a limit, priority or CPU setting for %s: "
				"only the sandbox's own processes (never "
				"grantable)\n",
				out_name(d->path));
			continue;
		case NONO_GATE_ATTR:
			fprintf(f,
				"    changing the mode or owner of %s (outside "
				"the writable grants)\n      to allow it: "
				"--allow with its directory\n",
				out_name(d->path));
			continue;
		case NONO_GATE_NET:
			net_fact(f, d->path, net);
			continue;
		case NONO_GATE_WRITE:
			write_fact(f, p, d->path);
			continue;
		case NONO_GATE_ELEVATE:
			elevate_fact(f, p, d->path);
			continue;
		case NONO_GATE_CONNECT:
		case NONO_GATE_BIND:
			break;
		}
		if (d->path[0] == '@') {
			fprintf(f,
				"    connect to abstract socket %s (never "
				"grantable)\n",
				out_name(d->path));
			continue;
		}
		fprintf(f,
			"    %s of unix socket %s\n      to grant it: "
			"%s %s%s\n",
			bind ? "bind" : "connect", out_name(d->path),
			bind ? "--allow-unix-socket-bind"
			     : "--allow-unix-socket",
			out_name(d->path),
			blocked || bind ? ""
					: " (or a --read/--allow grant of its "
					  "directory)");
	}
	return shown;
}

/* The proxy's refusals, by host. */
static int proxy_facts(FILE *f, const struct diag_net *net, int shown)
{
	if (!net || !net->proxy || !net->refused)
		return shown;
	shown = heading(f, shown);
	fprintf(f, "    %zu request%s through nono's proxy:", net->refused,
		net->refused == 1 ? "" : "s");
	for (size_t i = 0; i < net->nhosts; i++)
		fprintf(f, "%s %s", i ? "," : "", out_name(net->hosts[i]));
	fprintf(f,
		"%s\n      to allow a host: --allow-domain HOST (HOST:PORT "
		"for another port)\n",
		net->refused > net->nhosts ? ", ..." : "");
	return shown;
}

void diag_footer(const struct nono_plan *p, const struct nono_gate *gate,
		 char *const *argv, int status, int signo,
		 const struct diag_net *net)
{
	const struct nono_caps *caps = p->caps;
	FILE *f;
	char *buf = NULL;
	size_t len = 0;
	int shown = 0;

	/* Gathered first: without evidence that the sandbox refused
	 * something, a failing command is its own business (grep without a
	 * match, a failing test run). */
	fflush(stderr);
	f = open_memstream(&buf, &len);
	if (!f)
		return;
	if (signo == SIGSYS) {
		shown = heading(f, shown);
		fprintf(f, "    a system call through a foreign ABI (int "
			   "0x80, x32), which is fatal in the sandbox\n");
	}
	shown = gate_facts(f, p, gate, net, shown);
	shown = proxy_facts(f, net, shown);
	/* argv[0] is the program itself: it ran, so it was reachable. */
	for (size_t i = 1; argv[0] && argv[i]; i++)
		shown = check_arg(f, p, argv[i], shown);
	/* Nested, every AF_UNIX socket is refused outright (there is no
	 * gate of our own to record it): said whenever the command fails. */
	if (nono_caps_unix_blocked(caps)) {
		shown = heading(f, shown);
		fprintf(f,
			"    AF_UNIX sockets are refused inside another nono "
			"sandbox (if the command needed one)\n      to "
			"allow one: grant it to the outer nono\n");
	}
	fclose(f);
	if (shown) {
		fprintf(stderr, "\n");
		if (signo)
			out_error("command was killed by signal %d (%s)", signo,
				  strsignal(signo));
		else
			out_error("command exited with code %d", status);
		out_write_plain(stderr, buf, len);
		fprintf(stderr, "  (--no-diagnostics hides this footer)\n");
	}
	free(buf);
}

/* @cmd as exec would find it: itself when it has a '/', else the first
 * executable of that name in $PATH.  False when there is none. */
static bool resolve_cmd(const char *cmd, char *out, size_t len)
{
	const char *path = getenv("PATH"), *p;

	if (strchr(cmd, '/'))
		return (size_t)snprintf(out, len, "%s", cmd) < len;
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p;) {
		size_t n = strcspn(p, ":");

		if (n &&
		    (size_t)snprintf(out, len, "%.*s/%s", (int)n, p, cmd) <
			len &&
		    access(out, X_OK) == 0)
			return true;
		p += n + (p[n] == ':');
	}
	return false;
}

/* The tree to grant for @target: an npm package's directory (its code
 * needs the rest of the package), else the directory that holds it. */
static void install_dir(const char *target, char *out, size_t len)
{
	const char *nm = NULL, *p = target, *end;

	while ((p = strstr(p, "/node_modules/")) != NULL)
		nm = p++;
	if (nm) {
		end = nm + strlen("/node_modules/");
		if (*end == '@')
			end += strcspn(end, "/") +
			       (end[strcspn(end, "/")] ? 1 : 0);
		end += strcspn(end, "/");
		snprintf(out, len, "%.*s", (int)(end - target), target);
		return;
	}
	end = strrchr(target, '/');
	snprintf(out, len, "%.*s", end == target ? 1 : (int)(end - target),
		 target);
}

/* Whether the sandbox may read and run @canon. */
static bool runnable(const struct nono_caps *caps, const char *canon)
{
	const struct nono_grant *g = NULL;

	return nono_caps_allows(caps, canon, NONO_ACCESS_READ, &g) &&
	       (!g || !(g->flags & NONO_GRANT_NOEXEC));
}

/* A script's interpreter ("#!/usr/bin/env node": node in $PATH), or
 * false when @target is no script. */
static bool interpreter(const char *target, char *out, size_t len)
{
	char line[256], *s, *arg;
	struct stat st;
	FILE *f;
	bool ok = false;
	/* A regular file only: opening a FIFO or a device named as the
	 * command would block, or touch the device. */
	int fd = open(target, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    !(f = fdopen(fd, "r"))) {
		close(fd);
		return false;
	}
	if (fgets(line, sizeof(line), f) && line[0] == '#' && line[1] == '!') {
		s = line + 2 + strspn(line + 2, " \t");
		s[strcspn(s, " \t\r\n")] = '\0';
		arg = s + strlen(s) + 1;
		if (strcmp(s, "/usr/bin/env") == 0 &&
		    arg < line + sizeof(line)) {
			arg += strspn(arg, " \t");
			arg[strcspn(arg, " \t\r\n")] = '\0';
			ok = *arg && resolve_cmd(arg, out, len);
		} else {
			ok = *s && (size_t)snprintf(out, len, "%s", s) < len;
		}
	}
	fclose(f);
	return ok;
}

int diag_exec_grant(const struct nono_caps *caps, const char *cmd, char *what,
		    size_t wlen, char *dir, size_t dlen)
{
	char found[PATH_MAX], interp[PATH_MAX];
	char *canon = NULL;
	bool exists = false;
	int r = 0;

	if (!resolve_cmd(cmd, found, sizeof(found)) ||
	    nono_path_canon(found, &canon, &exists) < 0 || !exists) {
		free(canon);
		return 0;
	}
	if (!runnable(caps, canon)) {
		install_dir(canon, dir, dlen);
		snprintf(what, wlen, "%s%s%s", found,
			 strcmp(found, canon) ? " -> " : "",
			 strcmp(found, canon) ? canon : "");
		r = 1;
	} else if (interpreter(canon, interp, sizeof(interp))) {
		char *ic = NULL;

		if (nono_path_canon(interp, &ic, &exists) == 0 && exists &&
		    !runnable(caps, ic)) {
			install_dir(ic, dir, dlen);
			snprintf(what, wlen, "its interpreter %s%s%s", interp,
				 strcmp(interp, ic) ? " -> " : "",
				 strcmp(interp, ic) ? ic : "");
			r = 1;
		}
		free(ic);
	}
	free(canon);
	return r;
}

void diag_exec_failure(const struct nono_caps *caps, const char *cmd, int code)
{
	char *canon = NULL;
	bool exists = false;

	if (code == -ENOENT || code == -ENOTDIR) {
		out_error("exec: %s: command not found", cmd);
		return;
	}
	out_error("exec: %s: %s", cmd, strerror(-code));
	if (code != -EACCES)
		return;
	{
		char what[2 * PATH_MAX + 32], dir[PATH_MAX];

		if (diag_exec_grant(caps, cmd, what, sizeof(what), dir,
				    sizeof(dir))) {
			out_hint("%s cannot be read in the sandbox: add --read "
				 "%s",
				 what, dir);
			return;
		}
	}
	/* Only a path nono can check is blamed on the sandbox; a bare name
	 * was looked up in PATH inside it. */
	if (!strchr(cmd, '/') || nono_path_canon(cmd, &canon, &exists) < 0 ||
	    !exists) {
		out_hint("if it lives outside the granted directories, grant "
			 "its directory with --read");
	} else if (!nono_caps_allows(caps, canon, NONO_ACCESS_READ, NULL)) {
		out_hint("%s is not granted: add --read-file %s or --read with "
			 "its directory",
			 canon, canon);
	} else if (access(canon, X_OK) < 0) {
		out_hint("%s is granted but not executable (check its mode, "
			 "chmod +x)",
			 canon);
	}
	free(canon);
}
