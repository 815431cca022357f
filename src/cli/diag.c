// SPDX-License-Identifier: Apache-2.0
/*
 * Diagnostics after a failed command.  nono cannot see each denial the
 * kernel makes, so the footer reports what it can prove: the paths on the
 * command line that the capability set refuses (and why), the network mode,
 * and the grant that would change each answer.
 */
#include <errno.h>
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
#include "policy/protect.h"
#include "supervisor/gate.h"

/* The flag that would grant @path, which exists as described by @st. */
static const char *grant_flag(const struct stat *st, bool write)
{
	if (S_ISDIR(st->st_mode))
		return write ? "--allow" : "--read";
	return write ? "--allow-file" : "--read-file";
}

static bool masked(const struct nono_caps *caps, const char *canon,
		   const struct nono_mask **mask)
{
	for (size_t i = 0; i < nono_caps_mask_count(caps); i++) {
		const struct nono_mask *m = nono_caps_mask_at(caps, i);

		/* A pinned .git is writable inside: nothing to report. */
		if (m->kind != NONO_MASK_PIN &&
		    nono_path_is_under(canon, m->path)) {
			*mask = m;
			return true;
		}
	}
	return false;
}

/* Reports one command-line argument if it names a refused path. */
static int check_arg(const struct nono_caps *caps, const char *arg,
		     const char *home, int shown)
{
	const struct nono_protect_item *it;
	const struct nono_mask *m;
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
	if (masked(caps, canon, &m)) {
		it = nono_protect_match(home, m->path);
		if (!shown++)
			fprintf(stderr, "  Refused by the sandbox:\n");
		fprintf(stderr, "    %s: %s%s%s\n", canon,
			m->kind == NONO_MASK_HIDE ? "protected" : "read-only",
			it ? " " : "", it ? it->what : " persistence file");
		fprintf(stderr,
			"      to lift it: --bypass-protection %s plus a "
			"grant\n",
			m->path);
	} else if (!nono_caps_allows(caps, canon, NONO_ACCESS_READ, NULL)) {
		if (!shown++)
			fprintf(stderr, "  Refused by the sandbox:\n");
		fprintf(stderr,
			"    %s: not granted\n      to grant it: %s %s "
			"(read-only) or %s (read-write)\n",
			canon, grant_flag(&st, false), canon,
			grant_flag(&st, true));
	}
	free(canon);
	return shown;
}

/* Facts: the socket accesses the gate refused, with the grant for each. */
static int gate_facts(const struct nono_caps *caps,
		      const struct nono_gate *gate, int shown)
{
	bool blocked = nono_caps_net(caps) == NONO_NET_BLOCK;

	for (size_t i = 0; gate && i < nono_gate_denial_count(gate); i++) {
		const struct nono_gate_denial *d = nono_gate_denial_at(gate, i);
		bool bind = d->op == NONO_GATE_BIND;

		if (!shown++)
			fprintf(stderr, "  Refused by the sandbox:\n");
		if (d->op == NONO_GATE_CREATE) {
			fprintf(
			    stderr,
			    "    creating %s (a protected name: it would run "
			    "code outside the sandbox later)\n      to allow "
			    "it: --bypass-protection %s\n",
			    d->path, d->path);
			continue;
		}
		if (d->op == NONO_GATE_REPO) {
			fprintf(stderr,
				"    creating %s (a new git repository: git "
				"would run its hooks and config outside the "
				"sandbox later)\n      to allow it: "
				"--allow-new-repos\n",
				d->path);
			continue;
		}
		if (d->op == NONO_GATE_PROCESS) {
			fprintf(stderr,
				"    a limit, priority or CPU setting for %s: "
				"only the sandbox's own processes (never "
				"grantable)\n",
				d->path);
			continue;
		}
		if (d->path[0] != '/' && d->path[0] != '@') {
			/* "network connect (--block-net)" */
			fprintf(stderr, "    %s\n", d->path);
			continue;
		}
		if (d->path[0] == '@') {
			fprintf(stderr,
				"    connect to abstract socket %s (never "
				"grantable)\n",
				d->path);
			continue;
		}
		fprintf(stderr,
			"    %s of unix socket %s\n      to grant it: "
			"%s %s%s\n",
			bind ? "bind" : "connect", d->path,
			bind ? "--allow-unix-socket-bind"
			     : "--allow-unix-socket",
			d->path,
			blocked || bind ? ""
					: " (or a --read/--allow grant of its "
					  "directory)");
	}
	return shown;
}

void diag_footer(const struct nono_caps *caps, const struct nono_gate *gate,
		 char *const *argv, int status, int signo, const char *home,
		 bool proxy)
{
	int shown = 0;

	fprintf(stderr, "\n");
	if (signo)
		out_error("command was killed by signal %d (%s)", signo,
			  strsignal(signo));
	else
		out_error("command exited with code %d", status);
	if (signo == SIGSYS)
		fprintf(stderr, "  SIGSYS: a system call through a foreign ABI "
				"(int 0x80, x32) is fatal in the sandbox\n");
	shown = gate_facts(caps, gate, shown);
	/* argv[0] is the program itself: it ran, so it was reachable. */
	for (size_t i = 1; argv[0] && argv[i]; i++)
		shown = check_arg(caps, argv[i], home, shown);
	if (nono_caps_unix_blocked(caps))
		fprintf(stderr, "  AF_UNIX sockets are refused inside another "
				"nono sandbox: grant sockets to the outer "
				"one\n");
	if (proxy)
		fprintf(stderr,
			"  Network goes through nono's proxy only: hosts not "
			"allowed get 403 (allow one with --allow-domain HOST), "
			"direct connections fail with EACCES\n");
	else if (nono_caps_net(caps) == NONO_NET_BLOCK)
		fprintf(stderr,
			"  Network is blocked (--block-net): connections "
			"fail with EACCES%s\n",
			nono_caps_port_count(caps) ? ", except the open ports"
						   : "");
	if (!shown)
		fprintf(stderr, "  If the command was refused an access, it "
				"failed with EACCES/EPERM (\"Permission "
				"denied\").\n  Inspect the grants with: nono "
				"run --dry-run -v ... \n");
	fprintf(stderr, "  (--no-diagnostics hides this footer)\n");
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
	FILE *f = fopen(target, "re");
	bool ok = false;

	if (!f)
		return false;
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
