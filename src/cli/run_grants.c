// SPDX-License-Identifier: Apache-2.0
/*
 * nono run's grants: the user's paths, files and sockets (canonical, owned
 * by the context), the working directory, the deny groups in force, and
 * the whole capability set built from the options and the profile.
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

/* $HOME, else /etc/passwd (read directly: the binary is static, and NSS
 * modules cannot be loaded); NULL when neither answers, and the caller
 * refuses to run: the deny groups need a home to protect. */
const char *run_home_dir(void)
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
	if (strv_push(&c->p.owned, s) < 0) {
		free(s);
		out_error("too many paths");
		return -1;
	}
	return 0;
}

/* Canonicalises a user path; NULL (with the error printed) on failure. */
char *run_canon_user(struct run_ctx *c, const char *flag, const char *path,
		     bool *exists)
{
	char *canon = NULL;
	int r = nono_path_canon_memo(&c->p.memo, path, &canon, exists);

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
	char *canon = run_canon_user(c, flag, path, &exists);
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
	r = nono_caps_add_path(c->p.caps, canon, access, 0, origin);
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
	char *canon = run_canon_user(c, flag, path, &exists);
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
	    c->p.caps, canon, access,
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
	char *canon = run_canon_user(c, flag, path, &exists);
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
			r = nono_caps_add_path(c->p.caps, canon, NONO_ACCESS_RW,
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
			r = nono_caps_add_path(
			    c->p.caps, parent, NONO_ACCESS_RW,
			    NONO_GRANT_NOEXEC, NONO_ORIGIN_SOCKET);
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
		r = nono_caps_add_path(c->p.caps, canon, access,
				       NONO_GRANT_NOEXEC, NONO_ORIGIN_SOCKET);
	}
	if (r >= 0)
		r = nono_caps_add_socket(c->p.caps, canon, scope, bind);
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

	if (nono_caps_allows(c->p.caps, c->p.cwd, NONO_ACCESS_READ, &g) && g &&
	    g->origin != NONO_ORIGIN_SYSTEM)
		return 0; /* an explicit grant covers it already */
	if (c->o.mode == MODE_WHY && !c->o.allow_cwd)
		return 0; /* why describes; it never asks */
	if (c->o.allow_cwd && !c->p.cwd_access) {
		out_verbose_msg(1,
				"profile %s: workdir.access is none: the "
				"current directory is not shared",
				c->p.profile->name);
		return 0;
	}
	if (c->o.allow_cwd)
		goto grant;
	if (out_silent()) {
		out_error(
		    "--silent requires --allow-cwd: the current directory "
		    "%s is not granted and nono cannot ask",
		    c->p.cwd);
		out_hint("add --allow-cwd (read-only) or --allow . "
			 "(read-write)");
		return -1;
	}
	if (!interactive()) {
		out_error("the current directory %s is not granted, and nono "
			  "cannot ask (not a terminal)",
			  c->p.cwd);
		out_hint("add --allow-cwd to share it read-only, --allow . for "
			 "read-write, or run from a granted directory");
		return -1;
	}
	if (!c->p.cwd_access)
		return 0; /* the profile shares none: nothing to ask */
	fprintf(stderr, "nono: share the current directory %s (%s)? [y/N] ",
		c->p.cwd,
		c->p.cwd_access == NONO_ACCESS_RW     ? "read-write"
		: c->p.cwd_access == NONO_ACCESS_READ ? "read-only"
						      : "write-only");
	if (!fgets(answer, sizeof(answer), stdin) ||
	    (answer[0] != 'y' && answer[0] != 'Y')) {
		out_info("nono: not sharing %s", c->p.cwd);
		return 0;
	}
grant:
	if (nono_caps_add_path(c->p.caps, c->p.cwd, c->p.cwd_access, 0,
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
	    c->p.profile ? &c->p.profile->groups_include : NULL;
	const struct nono_plist *exc =
	    c->p.profile ? &c->p.profile->groups_exclude : NULL;

	for (size_t i = 0; i < nono_policy_group_count(); i++) {
		const struct nono_policy_group *g = nono_policy_group_at(i);
		int r;

		if (strcmp(g->name, "gpu") == 0) {
			if (in_list(inc, g->name)) {
				out_error("profile %s: groups.include: gpu "
					  "comes only with --allow-gpu (and "
					  "security.allow_gpu in the profile)",
					  c->p.profile->name);
				return -1;
			}
			continue;
		}
		if (!(g->by_default && !in_list(exc, g->name)) &&
		    !in_list(inc, g->name))
			continue;
		r = nono_policy_add_group(c->p.caps, g, c->p.home);
		if (r < 0) {
			out_error("policy group %s: %s", g->name,
				  nono_strerror(r));
			return -1;
		}
	}
	return 0;
}

int run_build_grants(struct run_ctx *c)
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
		r = nono_policy_add_gpu(c->p.caps, c->p.home);
		if (r < 0) {
			out_error("--allow-gpu: %s", nono_strerror(r));
			return -1;
		}
	}
	if (run_setup_proxy(c) < 0)
		return -1;
	if (o->net == NET_BLOCK) {
		nono_caps_set_net(c->p.caps, NONO_NET_BLOCK);
		for (i = 0; i < o->nports; i++)
			if (nono_caps_add_port(c->p.caps, o->ports[i]) < 0) {
				out_error("--open-port: out of memory");
				return -1;
			}
	}
	if (c->o.mode != MODE_WRAP && nono_seccomp_listener_available()) {
		/* Supervised: AF_UNIX connect/bind go through the gate. */
		nono_caps_set_gate(c->p.caps, true);
	} else if (nono_caps_socket_count(c->p.caps)) {
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
		nono_caps_set_unix_blocked(c->p.caps, true);
		out_verbose_msg(1,
				"inside another sandbox: no gate of our own; "
				"AF_UNIX sockets refused");
	} else {
		/* No supervisor, so nothing can decide a connect(2) to a
		 * socket file (Landlock does not see it): without this, the
		 * session bus or docker.sock would be one connect away. */
		nono_caps_set_unix_blocked(c->p.caps, true);
		out_verbose_msg(1, "nono wrap has no supervisor: AF_UNIX "
				   "sockets refused (nono run mediates them)");
	}
	/* Proxy mode leans on the gate: it carries the listener out of the
	 * command's own network namespace, and on the host network it is what
	 * keeps the command's connects to loopback (Landlock matches the
	 * proxy's port on any address).  Without it, refuse. */
	if (c->p.allow && o->mode == MODE_WRAP) {
		/* A profile's network settings (the flags are refused while
		 * parsing). */
		out_error(
		    "nono wrap does not support proxy mode (the profile's "
		    "network settings): the network proxy requires a "
		    "parent process. Use nono run instead.");
		return -1;
	}
	if (c->p.allow && o->mode != MODE_WHY && !nono_caps_gate(c->p.caps)) {
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
	    c->p.caps, (c->p.profile && c->p.profile->security.signal_mode &&
				strcmp(c->p.profile->security.signal_mode,
				       "allow_all") == 0
			    ? 0
			    : NONO_SCOPE_SIGNAL) |
			   NONO_SCOPE_ABSTRACT_UNIX);
	return grant_cwd(c);
}
