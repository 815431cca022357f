// SPDX-License-Identifier: Apache-2.0
/*
 * Names that would run code outside the sandbox later, judged by the name
 * and where it is (not by a grant): what capability elevation never offers
 * and what nono learn never suggests granting for writing.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nono/caps.h"
#include "nono/path.h"
#include "policy/projcfg.h"
#include "policy/protect.h"

/* @path, canonical, lies at or below @dir/NAME where the guard of @kind
 * refuses NAME. */
static bool guarded_below(const char *path, const char *dir,
			  enum nono_guard_kind kind)
{
	size_t n = strlen(dir);
	const char *rest, *end;
	char name[NAME_MAX + 1];

	if (!dir[0] || strncmp(path, dir, n) != 0 || path[n] != '/')
		return false;
	rest = path + n + 1;
	end = strchr(rest, '/');
	if (!end)
		end = rest + strlen(rest);
	if ((size_t)(end - rest) > NAME_MAX || end == rest)
		return false;
	memcpy(name, rest, (size_t)(end - rest));
	name[end - rest] = '\0';
	return nono_guard_refuses(kind, name);
}

/*
 * A write, creation or mkdir of a name that would run code outside the
 * sandbox later, wherever it is (review: with no writable grant there are
 * no guards, and .git/config, .git/hooks/pre-commit, .envrc, ~/.gitconfig,
 * ~/.local/bin/ls and ~/.config/autostart/ were offered): anything in a
 * git directory or named .git, the persistence names of any directory,
 * the home's, and what is below ~/.config's and ~/.local's.
 */
bool nono_protect_runs_later(const char *home, const char *xdg_config,
			     int dirfd, const char *real)
{
	/* Below the home: tools that run what these hold (review 2). */
	static const char *const home_more[] = {".cargo", ".gradle", ".ipython",
						".npmrc", ".m2"};
	/* Where the system runs what it finds, and other users' homes
	 * (review: a root run was asked to move a file into /etc/cron.d, and
	 * to link /usr/local/bin/ls; any user's home holds the same names as
	 * ours). */
	static const char *const system[] = {
	    "/etc",  "/usr",   "/bin",       "/sbin",
	    "/lib",  "/lib32", "/lib64",     "/libx32",
	    "/boot", "/opt",   "/var/spool", "/var/lib/systemd",
	    "/root", "/home",
	};
	char sub[PATH_MAX];
	const char *p = real;

	for (size_t i = 0; i < sizeof(system) / sizeof(system[0]); i++)
		if (nono_path_is_under(real, system[i]) &&
		    !(home && home[0] && nono_path_is_under(real, home) &&
		      nono_path_is_under(home, system[i])))
			return true;
	/* A tool's project configuration, at any depth (projcfg.c). */
	{
		const char *slash = strrchr(real, '/');

		if (slash && (size_t)(slash - real) < sizeof(sub)) {
			snprintf(sub, sizeof(sub), "%.*s", (int)(slash - real),
				 real);
			if (nono_projcfg_refuses(sub, slash + 1))
				return true;
		}
	}
	/* Every component, not only the last: a .vscode or .husky is read
	 * as a whole (tasks.json, pre-commit). */
	while (*p) {
		const char *end;
		char comp[NAME_MAX + 1];

		while (*p == '/')
			p++;
		end = strchrnul(p, '/');
		if (end > p && (size_t)(end - p) <= NAME_MAX) {
			memcpy(comp, p, (size_t)(end - p));
			comp[end - p] = '\0';
			if (strcmp(comp, ".git") == 0 ||
			    nono_guard_refuses(NONO_GUARD_TREE, comp))
				return true;
		}
		p = end;
	}
	/* In a git directory at any depth, whatever its name (a bare
	 * repository's hooks, a --separate-git-dir).  No fd (a symlink's
	 * target, judged by its name): the names alone. */
	if (dirfd >= 0) {
		int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
		struct stat st, up;
		bool git = false;

		for (int depth = 0; fd >= 0 && depth < 256 && !git; depth++) {
			int next;

			git = nono_gitdir_at(fd);
			if (git || fstat(fd, &st) < 0)
				break;
			next =
			    openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (next < 0 || fstat(next, &up) < 0 ||
			    (up.st_dev == st.st_dev &&
			     up.st_ino == st.st_ino)) {
				if (next >= 0)
					close(next);
				break; /* the root */
			}
			close(fd);
			fd = next;
		}
		if (fd >= 0)
			close(fd);
		if (git)
			return true;
	}
	if (!home || !home[0])
		return false;
	for (size_t i = 0; i < sizeof(home_more) / sizeof(home_more[0]); i++)
		if (snprintf(sub, sizeof(sub), "%s/%s", home, home_more[i]) <
			(int)sizeof(sub) &&
		    nono_path_is_under(real, sub))
			return true;
	if (guarded_below(real, home, NONO_GUARD_HOME))
		return true;
	if (snprintf(sub, sizeof(sub), "%s/.config", home) < (int)sizeof(sub) &&
	    guarded_below(real, sub, NONO_GUARD_XDG))
		return true;
	if (xdg_config && guarded_below(real, xdg_config, NONO_GUARD_XDG))
		return true;
	if (snprintf(sub, sizeof(sub), "%s/.local", home) < (int)sizeof(sub) &&
	    guarded_below(real, sub, NONO_GUARD_LOCAL))
		return true;
	if (snprintf(sub, sizeof(sub), "%s/.local/share", home) <
		(int)sizeof(sub) &&
	    guarded_below(real, sub, NONO_GUARD_LOCALSHARE))
		return true;
	return false;
}
