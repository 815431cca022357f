// SPDX-License-Identifier: Apache-2.0
/*
 * nono run's grants: the user's paths, files and sockets (canonical, owned
 * by the context), the working directory, the deny groups in force, and
 * the whole capability set built from the options and the profile.
 */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nono/error.h"
#include "nono/landlock.h"
#include "nono/seccomp.h"
#include "plan/plan.h"
#include "plan/plan_internal.h"
#include "policy/protect.h"
#include "policy/system.h"
#include "util/suggest.h"

/* $HOME, else /etc/passwd (read directly: the binary is static, and NSS
 * modules cannot be loaded); NULL when neither answers, and the caller
 * refuses to run: the deny groups need a home to protect. */
const char *plan_home_dir(void)
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

static int own(struct nono_plan *p, char *s)
{
	int r = strv_push(&p->owned, s);

	if (r < 0) {
		free(s);
		return plan_fail(&p->msgs, r, NULL, "too many paths");
	}
	return 0;
}

char *plan_canon_user(struct nono_plan *p, const char *flag, const char *path,
		      bool *exists)
{
	char *canon = NULL;
	int r = nono_path_canon_memo(&p->memo, path, &canon, exists);

	if (r < 0) {
		plan_fail(&p->msgs, r, path, "%s %s: %s", flag, path,
			  nono_strerror(r));
		return NULL;
	}
	if (own(p, canon) < 0)
		return NULL;
	return canon;
}

static const char *access_flag(unsigned access)
{
	return access == NONO_ACCESS_RW     ? "--allow"
	       : access == NONO_ACCESS_READ ? "--read"
					    : "--write";
}

/* The profile key for a grant flag: --allow-file -> filesystem.allow_file. */
static void flag_key(const char *flag, char *out, size_t n)
{
	size_t k = snprintf(out, n, "filesystem.%s", flag + 2) < (int)n
		       ? strlen("filesystem.")
		       : n;

	for (; k < n && out[k]; k++)
		if (out[k] == '-')
			out[k] = '_';
}

/* Names a grant for the user: the flag, or the profile key that gave it
 * (the user never typed a flag then). */
static const char *grant_label(const struct nono_plan *p, const char *flag,
			       const char *path, char *buf, size_t n)
{
	const char *key = plan_source(p, path);

	if (!key)
		return flag;
	snprintf(buf, n, "profile %s: %s", p->profile ? p->profile->name : "?",
		 key);
	return buf;
}

/* What to use instead of @flag (a tree for a file, or a file for a tree),
 * as a flag or, for a profile's grant, as its key. */
static void other_form(const struct nono_plan *p, const char *path,
		       unsigned access, bool file, char *out, size_t n)
{
	char flag[32];

	snprintf(flag, sizeof(flag), "%s%s", access_flag(access),
		 file ? "" : "-file");
	if (plan_source(p, path))
		flag_key(flag, out, n);
	else
		snprintf(out, n, "%s", flag);
}

/* A grant of a path that does not exist: an error for a flag (a typo is
 * the likely cause: did you mean?); a profile's optional path is skipped
 * quietly (-v lists it). */
static int missing(struct nono_plan *p, const char *flag, const char *path,
		   const char *canon, bool file)
{
	char near[PATH_MAX], label[256];

	if (plan_source(p, path)) {
		plan_note(
		    &p->msgs, PLAN_VERBOSE, "%s %s: does not exist; skipped",
		    grant_label(p, flag, path, label, sizeof(label)), path);
		return 0;
	}
	plan_fail(&p->msgs, -ENOENT, path, "%s %s: no such %s", flag, path,
		  file ? "file" : "directory");
	if (nono_suggest_path(canon, near, sizeof(near)))
		plan_hint(&p->msgs, "did you mean %s %s?", flag, near);
	return -1;
}

/* A directory tree (--allow, --read, --write) or, with @file, one file
 * (--allow-file, ...); from a flag or a profile. */
static int grant_path(struct nono_plan *p, const char *flag, const char *path,
		      unsigned access, bool file)
{
	struct stat st, lst;
	bool exists;
	char *canon = plan_canon_user(p, flag, path, &exists);
	char label[256], other[64];
	const char *who;
	unsigned gflags = 0;
	int r;

	if (!canon)
		return -1;
	who = grant_label(p, flag, path, label, sizeof(label));
	if (!exists && plan_will_make(p, path)) {
		/* A profile's state directory or file: a run makes it
		 * before the sandbox exists (plan_make_dirs). */
		st.st_mode = file ? S_IFREG : S_IFDIR;
	} else if (!exists) {
		return missing(p, flag, path, canon, file);
	} else if (stat(canon, &st) < 0) {
		return plan_fail(&p->msgs, -errno, path, "%s %s: %s", who, path,
				 strerror(errno));
	}
	/* A profile grants the place it names: a writable one that has
	 * become a link (another sandbox that could write in the home can
	 * point ~/.claude at any directory of the user's) is refused. */
	if (plan_source(p, path) && (access & NONO_ACCESS_WRITE) &&
	    lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
		plan_fail(&p->msgs, -ELOOP, path,
			  "%s %s: is a link to %s; a profile grants the place "
			  "it names",
			  who, path, canon);
		plan_hint(&p->msgs, "if you mean it, grant %s with --allow",
			  canon);
		return -1;
	}
	other_form(p, path, access, file, other, sizeof(other));
	if (file && S_ISDIR(st.st_mode)) {
		plan_fail(&p->msgs, -EISDIR, path, "%s %s: is a directory", who,
			  path);
		plan_hint(&p->msgs, "use %s for a directory tree", other);
		return -1;
	}
	if (!file && !S_ISDIR(st.st_mode)) {
		plan_fail(&p->msgs, -ENOTDIR, path, "%s %s: not a directory",
			  who, path);
		plan_hint(&p->msgs, "use %s for a single file", other);
		return -1;
	}
	if (file)
		gflags = NONO_GRANT_FILE |
			 (S_ISCHR(st.st_mode) ? NONO_GRANT_DEVICE : 0);
	/* why says which rule granted it: the profile's too. */
	if (plan_source(p, path) &&
	    plan_add_source(p, canon, plan_source(p, path)) < 0)
		return -1;
	r = nono_caps_add_path(p->caps, canon, access, gflags,
			       NONO_ORIGIN_USER);
	if (r < 0)
		return plan_fail(&p->msgs, r, path, "%s %s: %s", who, path,
				 nono_strerror(r));
	return 0;
}

/* AF_UNIX socket grants: the socket rule plus the filesystem access the
 * reference says each flag implies. */
static int grant_socket(struct nono_plan *p, const char *flag, const char *path,
			enum nono_sock_scope scope, bool bind)
{
	struct stat st;
	bool exists;
	char *canon = plan_canon_user(p, flag, path, &exists);
	unsigned access;
	int r;

	if (!canon)
		return -1;
	if (scope == NONO_SOCK_FILE) {
		if (exists && stat(canon, &st) == 0 && S_ISDIR(st.st_mode)) {
			plan_fail(&p->msgs, -EISDIR, path,
				  "%s %s: is a directory", flag, path);
			plan_hint(&p->msgs,
				  "use --allow-unix-socket-dir for the sockets "
				  "in a directory");
			return -1;
		}
		if (!exists && !bind) {
			plan_note(&p->msgs, PLAN_WARN,
				  "%s %s: socket does not exist; nothing "
				  "granted",
				  flag, path);
			return 0;
		}
		if (exists) {
			r = nono_caps_add_path(p->caps, canon, NONO_ACCESS_RW,
					       NONO_GRANT_FILE |
						   NONO_GRANT_NOEXEC,
					       NONO_ORIGIN_SOCKET);
		} else {
			/* bind(2) creates the file: the parent directory
			 * needs write (MAKE_SOCK). */
			char *parent = strdup(canon), *slash;

			if (!parent || own(p, parent) < 0)
				return -1;
			slash = strrchr(parent, '/');
			if (slash == parent)
				slash[1] = '\0';
			else
				*slash = '\0';
			r = nono_caps_add_path(p->caps, parent, NONO_ACCESS_RW,
					       NONO_GRANT_NOEXEC,
					       NONO_ORIGIN_SOCKET);
		}
	} else {
		if (!exists) {
			plan_note(&p->msgs, PLAN_WARN,
				  "%s %s: directory does not exist; nothing "
				  "granted",
				  flag, path);
			return 0;
		}
		if (stat(canon, &st) < 0 || !S_ISDIR(st.st_mode)) {
			plan_fail(&p->msgs, -ENOTDIR, path,
				  "%s %s: not a directory", flag, path);
			return -1;
		}
		access = bind ? NONO_ACCESS_RW : NONO_ACCESS_READ;
		r = nono_caps_add_path(p->caps, canon, access,
				       NONO_GRANT_NOEXEC, NONO_ORIGIN_SOCKET);
	}
	if (r >= 0)
		r = nono_caps_add_socket(p->caps, canon, scope, bind);
	if (r < 0) {
		plan_fail(&p->msgs, r, path, "%s %s: %s", flag, path,
			  nono_strerror(r));
		return -1;
	}
	return 0;
}

/* The current directory: shared with --allow-cwd (the profile's
 * workdir.access), else after asking the user, else a clear error. */
static int grant_cwd(struct run_opts *o, struct nono_plan *p)
{
	const struct nono_grant *g;
	char hc[PATH_MAX];
	int answer;

	if (nono_caps_allows(p->caps, p->cwd, NONO_ACCESS_READ, &g) && g &&
	    g->origin != NONO_ORIGIN_SYSTEM)
		return 0; /* an explicit grant covers it already */
	if (o->mode == MODE_WHY && !o->allow_cwd)
		return 0; /* why describes; it never asks */
	if (o->allow_cwd && !p->cwd_access) {
		plan_note(&p->msgs, PLAN_VERBOSE,
			  "profile %s: workdir.access is none: the current "
			  "directory is not shared",
			  p->profile->name);
		return 0;
	}
	if (o->allow_cwd)
		goto grant;
	/* The home, or a directory above it: never offered (sharing it
	 * would share everything of the user's); `nono run --allow
	 * ./project` from the home runs with what the flags grant. */
	if (p->home && realpath(p->home, hc) &&
	    nono_path_is_under(hc, p->cwd)) {
		plan_note(&p->msgs, PLAN_INFO,
			  "not sharing the current directory %s (it holds "
			  "your home); the command gets what the flags grant",
			  p->cwd);
		return 0;
	}
	answer =
	    p->ask ? p->ask(p->ask_arg, p->cwd, p->cwd_access) : PLAN_ASK_NOTTY;
	if (answer == PLAN_ASK_SILENT) {
		plan_fail(&p->msgs, -EPERM, p->cwd,
			  "--silent requires --allow-cwd: the current "
			  "directory %s is not granted and nono cannot ask",
			  p->cwd);
		plan_hint(&p->msgs, "add --allow-cwd (read-only) or --allow . "
				    "(read-write)");
		return -1;
	}
	if (answer < 0) {
		/* No terminal to ask (a script, CI): run without it, as
		 * upstream nono does, and say so. */
		plan_note(&p->msgs, PLAN_INFO,
			  "not sharing the current directory %s (no terminal "
			  "to ask; --allow-cwd shares it)",
			  p->cwd);
		return 0;
	}
	if (answer == 0 || !p->cwd_access)
		return 0;
grant:
	if (nono_caps_add_path(p->caps, p->cwd, p->cwd_access, 0,
			       NONO_ORIGIN_CWD) < 0)
		return plan_fail(&p->msgs, -ENOMEM, p->cwd,
				 "--allow-cwd: out of memory");
	return 0;
}

static bool in_list(const struct nono_plist *l, const char *s)
{
	for (size_t i = 0; l && i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

/* Why $TMPDIR (@canon, canonical; @raw as the environment has it) is not
 * granted by default, or NULL when it may be.  A default grant must not
 * hand the command what the user did not share: nothing protected, no
 * home, no session sockets, not the directory it runs in; and a name the
 * sandbox could have swapped (a symlink on the way: a run that could
 * write beside it planted it for this one) is not followed. */
static const char *tmpdir_refusal(const struct run_opts *o,
				  const struct nono_plan *p, const char *raw,
				  const char *canon, char *at, size_t atlen)
{
	static const char *const homes[] = {"", "/.config", "/.local",
					    "/.local/share", "/.cache"};
	static const char *const system[] = {
	    "/etc",          "/usr",         "/bin",
	    "/sbin",         "/lib",         "/lib32",
	    "/lib64",        "/libx32",      "/boot",
	    "/opt",          "/proc",        "/sys",
	    "/dev",          "/run",         "/srv",
	    "/var/spool",    "/var/log",     "/var/mail",
	    "/var/lib/dpkg", "/var/lib/apt", "/var/lib/systemd",
	    "/var/cache/apt"};
	char rt_c[PATH_MAX], xc_c[PATH_MAX], walk[PATH_MAX];
	const char *rt = getenv("XDG_RUNTIME_DIR");
	const char *xc = getenv("XDG_CONFIG_HOME");
	const char *own_rt;
	struct stat st;
	size_t i;

	/* Compared canonical, as @canon is.  The runtime directory is the
	 * session's own only where logind makes it: /run/user/UID, the
	 * user's, 0700 (XDG_RUNTIME_DIR=/ must not lift the system list). */
	rt = rt && rt[0] == '/' && realpath(rt, rt_c) ? rt_c : NULL;
	own_rt = rt && strncmp(rt, "/run/user/", 10) == 0 &&
			 stat(rt, &st) == 0 && st.st_uid == getuid() &&
			 (st.st_mode & 07777) == 0700
		     ? rt
		     : NULL;
	xc = xc && xc[0] == '/' && realpath(xc, xc_c) ? xc_c : NULL;

	at[0] = '\0';
	if (o->mode == MODE_WRAP)
		return "nono wrap cannot guard what is created in it";
	if (strcmp(canon, "/") == 0)
		return "it is /";
	if (stat(canon, &st) < 0 || !S_ISDIR(st.st_mode))
		return "it is not a directory";
	/* The user's own directory, or a shared sticky one (/var/tmp). */
	if (st.st_uid != getuid() &&
	    (st.st_mode & (S_ISVTX | S_IWOTH)) != (S_ISVTX | S_IWOTH))
		return "another user owns it";
	for (i = 0; i < sizeof(system) / sizeof(system[0]); i++)
		if ((nono_path_is_under(canon, system[i]) &&
		     !(own_rt && nono_path_is_under(canon, own_rt) &&
		       strcmp(canon, own_rt) != 0)) ||
		    nono_path_is_under(system[i], canon)) {
			snprintf(at, atlen, "%s", system[i]);
			return "it is in or holds a system directory";
		}
	for (i = 0; p->home && i < sizeof(homes) / sizeof(homes[0]); i++) {
		snprintf(walk, sizeof(walk), "%s%s", p->home, homes[i]);
		if (nono_path_is_under(walk, canon)) {
			snprintf(at, atlen, "%s", walk);
			return "it holds the home directory or its "
			       "configuration";
		}
	}
	for (i = 0; p->home && i < nono_protect_count(); i++) {
		snprintf(walk, sizeof(walk), "%s/%s", p->home,
			 nono_protect_at(i)->rel);
		if (nono_path_is_under(walk, canon) ||
		    nono_path_is_under(canon, walk)) {
			snprintf(at, atlen, "%s", walk);
			return "a protected path is there";
		}
	}
	if (rt && nono_path_is_under(rt, canon)) {
		snprintf(at, atlen, "%s", rt);
		return "it holds the session's runtime directory";
	}
	if (xc && nono_path_is_under(xc, canon)) {
		snprintf(at, atlen, "%s", xc);
		return "it holds the configuration directory";
	}
	if (p->cwd && nono_path_is_under(p->cwd, canon)) {
		snprintf(at, atlen, "%s", p->cwd);
		return "it holds the current directory";
	}
	/* Every name on the way as written: no symlink. */
	snprintf(walk, sizeof(walk), "%s", raw);
	for (char *s = walk + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		if (walk[1] && lstat(walk, &st) == 0 && S_ISLNK(st.st_mode)) {
			snprintf(at, atlen, "%s", walk);
			return "it is reached through a symlink, which a "
			       "sandbox could have put there";
		}
		*s = c;
		if (!c)
			break;
	}
	return NULL;
}

/* $TMPDIR where /tmp and /dev/shm are not: granted read-write and sealed,
 * like an --allow of it (persistence names and repositories in it are
 * guarded), when tmpdir_refusal() finds nothing against it; else said at
 * -v, with the flag that grants it. */
static int grant_tmpdir(const struct run_opts *o, struct nono_plan *p)
{
	const char *t = getenv("TMPDIR");
	const char *why;
	char canon[PATH_MAX], at[PATH_MAX];

	if (!t || t[0] != '/' || strlen(t) >= PATH_MAX || !realpath(t, canon) ||
	    nono_path_is_under(canon, "/tmp") ||
	    nono_path_is_under(canon, "/dev/shm") ||
	    nono_caps_allows(p->caps, canon, NONO_ACCESS_WRITE, NULL))
		return 0;
	why = tmpdir_refusal(o, p, t, canon, at, sizeof(at));
	if (why) {
		plan_note(&p->msgs, PLAN_VERBOSE,
			  "$TMPDIR %s is not writable: %s%s%s; --allow %s "
			  "grants it",
			  canon, why, at[0] ? ": " : "", at, canon);
		return 0;
	}
	if (nono_caps_add_path(p->caps, canon, NONO_ACCESS_RW, 0,
			       NONO_ORIGIN_TMPDIR) < 0)
		return plan_fail(&p->msgs, -ENOMEM, canon,
				 "$TMPDIR: out of memory");
	plan_note(&p->msgs, PLAN_VERBOSE, "$TMPDIR %s is writable (guarded)",
		  canon);
	return 0;
}

/* The policy groups in force: the default ones unless the profile
 * excludes them, and those it includes.  GPU access only comes through
 * --allow-gpu (checked against the profile's opt-in). */
static int add_groups(struct nono_plan *p)
{
	const struct nono_plist *inc =
	    p->profile ? &p->profile->groups_include : NULL;
	const struct nono_plist *exc =
	    p->profile ? &p->profile->groups_exclude : NULL;

	for (size_t i = 0; i < nono_policy_group_count(); i++) {
		const struct nono_policy_group *g = nono_policy_group_at(i);
		int r;

		if (strcmp(g->name, "gpu") == 0) {
			if (in_list(inc, g->name)) {
				plan_fail(&p->msgs, -EINVAL, NULL,
					  "profile %s: groups.include: gpu "
					  "comes only with --allow-gpu (and "
					  "security.allow_gpu in the profile)",
					  p->profile->name);
				return -1;
			}
			continue;
		}
		if (!(g->by_default && !in_list(exc, g->name)) &&
		    !in_list(inc, g->name))
			continue;
		r = nono_policy_add_group(p->caps, g, p->home);
		if (r < 0) {
			plan_fail(&p->msgs, -EINVAL, NULL,
				  "policy group %s: %s", g->name,
				  nono_strerror(r));
			return -1;
		}
	}
	return 0;
}

int plan_build_grants(struct run_opts *o, struct nono_plan *p)
{
	size_t i;
	int r;

	if (add_groups(p) < 0)
		return -1;
	{
		const struct {
			const char *flag;
			const struct strv *l;
			unsigned access;
			bool file;
		} paths[] = {
		    {"--allow", &o->allow, NONO_ACCESS_RW, false},
		    {"--read", &o->read, NONO_ACCESS_READ, false},
		    {"--write", &o->write, NONO_ACCESS_WRITE, false},
		    {"--allow-file", &o->allow_file, NONO_ACCESS_RW, true},
		    {"--read-file", &o->read_file, NONO_ACCESS_READ, true},
		    {"--write-file", &o->write_file, NONO_ACCESS_WRITE, true},
		};

		for (size_t k = 0; k < sizeof(paths) / sizeof(paths[0]); k++)
			for (i = 0; i < paths[k].l->n; i++)
				if (grant_path(
					p, paths[k].flag, paths[k].l->v[i],
					paths[k].access, paths[k].file) < 0)
					return -1;
	}

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
				if (grant_socket(p, socks[k].flag, l->v[i],
						 socks[k].scope,
						 socks[k].bind) < 0)
					return -1;
		}
	}
	if (o->allow_gpu) {
		r = nono_policy_add_gpu(p->caps, p->home);
		if (r < 0) {
			plan_fail(&p->msgs, -EINVAL, NULL, "--allow-gpu: %s",
				  nono_strerror(r));
			return -1;
		}
	}
	if (plan_network(o, p) < 0)
		return -1;
	if (o->net == NET_BLOCK) {
		nono_caps_set_net(p->caps, NONO_NET_BLOCK);
		for (i = 0; i < o->nports; i++)
			if (nono_caps_add_port(p->caps, o->ports[i]) < 0) {
				plan_fail(&p->msgs, -EINVAL, NULL,
					  "--open-port: out of memory");
				return -1;
			}
	}
	if (o->mode != MODE_WRAP && nono_seccomp_listener_available()) {
		/* Supervised: AF_UNIX connect/bind go through the gate. */
		nono_caps_set_gate(p->caps, true);
	} else if (nono_caps_socket_count(p->caps)) {
		plan_fail(&p->msgs, -EINVAL, NULL,
			  "AF_UNIX socket grants need nono's supervisor gate, "
			  "which %s",
			  o->mode == MODE_WRAP
			      ? "nono wrap does not have"
			      : "cannot run inside another nono sandbox");
		plan_hint(&p->msgs, "%s",
			  o->mode == MODE_WRAP
			      ? "use nono run for --allow-unix-socket* "
				"grants"
			      : "grant the socket to the outer nono");
		return -1;
	} else if (o->mode != MODE_WRAP) {
		/* Inside another nono: its gate still mediates every socket;
		 * this one can only narrow, so it refuses AF_UNIX outright. */
		nono_caps_set_unix_blocked(p->caps, true);
		plan_note(&p->msgs, PLAN_VERBOSE,
			  "inside another sandbox: no gate of our own; "
			  "AF_UNIX sockets refused");
	} else {
		/* No supervisor, so nothing can decide a connect(2) to a
		 * socket file (Landlock does not see it): without this, the
		 * session bus or docker.sock would be one connect away. */
		nono_caps_set_unix_blocked(p->caps, true);
		plan_note(&p->msgs, PLAN_VERBOSE,
			  "nono wrap has no supervisor: AF_UNIX "
			  "sockets refused (nono run mediates them)");
	}
	/* Proxy mode leans on the gate: it carries the listener out of the
	 * command's own network namespace, and on the host network it is what
	 * keeps the command's connects to loopback (Landlock matches the
	 * proxy's port on any address).  Without it, refuse. */
	if (p->allow && o->mode == MODE_WRAP) {
		/* A profile's network settings (the flags are refused while
		 * parsing). */
		plan_fail(
		    &p->msgs, -EINVAL, NULL,
		    "nono wrap does not support proxy mode (the profile's "
		    "network settings): the network proxy requires a "
		    "parent process. Use nono run instead.");
		return -1;
	}
	if (p->allow && o->mode != MODE_WHY && !nono_caps_gate(p->caps)) {
		plan_fail(&p->msgs, -EINVAL, NULL,
			  "proxy mode needs nono's supervisor gate, which "
			  "cannot run inside another nono sandbox");
		plan_hint(&p->msgs,
			  "give the outer nono the proxy flags "
			  "(--allow-domain, --network-profile, --credential)");
		return -1;
	}
	/* The child may neither signal nor reach abstract sockets outside
	 * its sandbox (Landlock ABI 6 scopes), unless a profile's
	 * security.signal_mode is allow_all. */
	nono_caps_set_scopes(
	    p->caps,
	    (p->profile && p->profile->security.signal_mode &&
		     strcmp(p->profile->security.signal_mode, "allow_all") == 0
		 ? 0
		 : NONO_SCOPE_SIGNAL) |
		NONO_SCOPE_ABSTRACT_UNIX);
	if (grant_tmpdir(o, p) < 0)
		return -1;
	return grant_cwd(o, p);
}
