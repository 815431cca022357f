// SPDX-License-Identifier: Apache-2.0
/*
 * Guarded directories: where a writable grant's new names are decided by
 * the supervisor (the root of each writable grant, the working directory's
 * chain, the git directories found, $HOME and its login directories), the
 * names each refuses, and the Landlock layout that sends their creations
 * to the gate (sealed trees: no creation or write-open right anywhere in a
 * user's writable grant).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nono/error.h"
#include "nono/path.h"
#include "policy/protect.h"
#include "policy/protect_internal.h"

/* clang-format off */
/* Names a writable tree must not gain at its root. */
static const char *const tree_names[] = {
	".git", ".gitmodules", ".envrc", ".vscode", ".idea", ".devcontainer",
	".husky", ".bashrc", ".bash_profile", ".bash_login", ".profile",
	".zshrc", ".zshenv", ".zprofile", ".zlogin",
};
/*
 * What git itself makes at the top of a git directory in normal use (and
 * the ".lock" of each): everything else is refused there, an allow-list
 * rather than a list of the dangerous names, because git runs programs
 * named by more files than anyone lists (config, config.worktree, hooks/,
 * commondir, which moves config and hooks elsewhere; modules/ and
 * worktrees/ hold git directories of their own).  Issue 10, escape 2.
 */
static const char *const gitdir_allowed[] = {
	"objects", "refs", "logs", "index", "HEAD", "ORIG_HEAD", "FETCH_HEAD",
	"MERGE_HEAD", "MERGE_MSG", "MERGE_MODE", "MERGE_RR", "AUTO_MERGE",
	"CHERRY_PICK_HEAD", "REVERT_HEAD", "REBASE_HEAD", "BISECT_LOG",
	"BISECT_START", "BISECT_EXPECTED_REV", "BISECT_ANCESTORS_OK",
	"BISECT_NAMES", "BISECT_TERMS", "BISECT_HEAD", "BISECT_FIRST_PARENT",
	"COMMIT_EDITMSG", "TAG_EDITMSG", "SQUASH_MSG", "NOTES_MERGE_PARTIAL",
	"NOTES_MERGE_REF", "NOTES_MERGE_WORKTREE", "packed-refs", "shallow",
	"rebase-merge", "rebase-apply", "sequencer", "rr-cache", "lost-found",
	"gc.pid", "gc.log", "description",
	/* git-lfs and git-annex keep their objects here (no program). */
	"lfs", "annex",
};
/* $HOME additionally keeps the credential and configuration names. */
static const char *const home_extra[] = {
	".gitconfig", ".nono", ".xprofile", ".xsession", ".xsessionrc",
	".pam_environment", ".config", ".local", ".vimrc", ".vim",
	".tmux.conf", ".emacs", ".emacs.d", ".bash_aliases", ".zlogout",
	".xinitrc", ".gdbinit", ".mkshrc", ".screenrc", ".hgrc",
	/* Review of elevation: ~/bin is on PATH (Debian's ~/.profile), and
	 * the other shells' and interpreters' start-up files. */
	"bin", ".bash_logout", ".cshrc", ".tcshrc", ".login", ".logout",
	".irbrc", ".Rprofile",
	/* Session 16: what bash-completion sources in every interactive
	 * shell, yarn's yarnPath, the sqlite and psql shells' rc files (both
	 * run shell commands), mailcap's viewers, and the version managers
	 * whose scripts a shell sources or whose shims are on PATH. */
	".bash_completion", ".yarnrc", ".yarnrc.yml", ".sqliterc", ".psqlrc",
	".mailcap", ".nvm", ".pyenv", ".rbenv", ".asdf", ".sdkman",
	".oh-my-zsh", ".volta", ".jupyter",
	/* Review 2 of session 16: rustup's toolchains (behind every cargo
	 * and rustc), mvn's and less's rc files, IPython's profiles, Fedora's
	 * ~/.bashrc.d, more interpreters' start-up files, and the editors'
	 * remote servers whose extensions run when the user connects. */
	".rustup", ".mavenrc", ".lesskey", ".ipython", ".bashrc.d", ".pryrc",
	".ghci", ".ocamlinit", ".sbclrc", ".guile", ".perldb",
	".vscode-server", ".cursor", ".cursor-server",
	/* Review r1, F4: gdb's early init file (gdb 11 and later). */
	".gdbearlyinit",
	/* Review r1, F3: go's GOPATH, whose module cache go trusts once
	 * extracted (a private copy where it exists, protect.c). */
	"go",
};
/* ~/.config: what runs at login, in every git command or editor, and
 * nono's own configuration. */
static const char *const xdg_names[] = {
	"autostart", "systemd", "environment.d", "git", "fish", "nono",
	"nvim", "tmux", "emacs", "plasma-workspace", "autostart-scripts",
	"direnv", "Code", "VSCodium",
	/* Window managers' autostart, prompts and terminals that run
	 * commands, less's keys (LESSOPEN). */
	"i3", "sway", "hypr", "labwc", "openbox", "lxsession",
	"starship.toml", "kitty", "alacritty", "lesskey",
	/* Review r1, F4: gdb's gdbinit and gdbearlyinit (gdb 11 and later
	 * read them as ~/.gdbinit), Mercurial's hgrc ([hooks], as ~/.hgrc). */
	"gdb", "hg",
};
/* ~/.local: bin, on PATH. */
static const char *const local_names[] = {"bin", "lib"};
/* ~/.local/share: systemd user units, and desktop entries that launch
 * programs. */
static const char *const localshare_names[] = {
    "systemd", "applications", "bash-completion", "direnv"};
/* .git/info: attributes select filter and diff drivers that run programs
 * (the rest of info/ is git's: refs, exclude, sparse-checkout). */
static const char *const gitinfo_names[] = {"attributes"};
/* clang-format on */

bool nono_gitdir_at(int dfd)
{
	struct stat st;

	/* By the names alone, whatever they are: a dangling symlink named
	 * refs, exchanged in, must not make it "not a repository" for a
	 * moment (second review). */
	if (fstatat(dfd, "HEAD", &st, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	if (fstatat(dfd, "commondir", &st, AT_SYMLINK_NOFOLLOW) == 0)
		return true;
	return fstatat(dfd, "objects", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       fstatat(dfd, "refs", &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static bool in_list(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return true;
	return false;
}

bool nono_guard_refuses(enum nono_guard_kind kind, const char *name)
{
	switch (kind) {
	case NONO_GUARD_GITDIR: {
		size_t n = strlen(name);
		char base[NAME_MAX + 1];

		/* index.lock, HEAD.lock, packed-refs.lock, packed-refs.new:
		 * the lock or the next version of an allowed name;
		 * index.stash.<pid>: git stash's temporary. */
		if (n > 5 && (strcmp(name + n - 5, ".lock") == 0)) {
			memcpy(base, name, n - 5);
			base[n - 5] = '\0';
			name = base;
		} else if (n > 4 && strcmp(name + n - 4, ".new") == 0) {
			memcpy(base, name, n - 4);
			base[n - 4] = '\0';
			name = base;
		}
		if (strncmp(name, "index.stash.", 12) == 0)
			return false;
		return !in_list(name, gitdir_allowed,
				sizeof(gitdir_allowed) /
				    sizeof(gitdir_allowed[0]));
	}
	case NONO_GUARD_XDG:
		return in_list(name, xdg_names,
			       sizeof(xdg_names) / sizeof(xdg_names[0]));
	case NONO_GUARD_LOCAL:
		return in_list(name, local_names,
			       sizeof(local_names) / sizeof(local_names[0]));
	case NONO_GUARD_LOCALSHARE:
		return in_list(name, localshare_names,
			       sizeof(localshare_names) /
				   sizeof(localshare_names[0]));
	case NONO_GUARD_SEALED:
		return true;
	case NONO_GUARD_KEEP:
		return false; /* the gate checks the kept paths themselves */
	case NONO_GUARD_GITINFO:
		return in_list(name, gitinfo_names,
			       sizeof(gitinfo_names) /
				   sizeof(gitinfo_names[0]));
	case NONO_GUARD_HOME:
		if (in_list(name, home_extra,
			    sizeof(home_extra) / sizeof(home_extra[0])) ||
		    nono_guard_home_prefixed(name))
			return true;
		/* The first component of every deny item: creating ~/.ssh
		 * (then authorized_keys) is as bad as reading it. */
		for (size_t i = 0; i < nono_protect_count(); i++) {
			const char *rel = nono_protect_at(i)->rel;
			size_t n = strcspn(rel, "/");

			if (strlen(name) == n && strncmp(rel, name, n) == 0 &&
			    rel[n] == '\0')
				return true;
		}
		__attribute__((fallthrough));
	case NONO_GUARD_TREE:
		return in_list(name, tree_names,
			       sizeof(tree_names) / sizeof(tree_names[0]));
	}
	return true;
}

/* Start-up files of $HOME known by the start of their name: zsh's
 * compinit sources its dump file (~/.zcompdump; oh-my-zsh's
 * ~/.zcompdump-HOST-VERSION, and the .zwc compiled from it) when its
 * header fits (review r1, F4). */
bool nono_guard_home_prefixed(const char *name)
{
	return strncmp(name, ".zcompdump", 10) == 0;
}

int nono_guard_mask_prefixed(struct nono_caps *caps, const char *home,
			     char *const *bypass, size_t nbypass,
			     size_t *nmasks)
{
	DIR *d = opendir(home);
	struct dirent *e;
	int r = 0;

	if (!d)
		return 0; /* nothing there to keep */
	while (r == 0 && (e = readdir(d)) != NULL) {
		char path[PATH_MAX];
		struct stat st;
		bool skip = false;

		if (!nono_guard_home_prefixed(e->d_name) ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", home,
				     e->d_name) >= sizeof(path) ||
		    lstat(path, &st) < 0 ||
		    !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) ||
		    !nono_caps_allows(caps, path, NONO_ACCESS_WRITE, NULL))
			continue;
		for (size_t i = 0; i < nbypass; i++)
			skip = skip || strcmp(bypass[i], path) == 0;
		if (skip)
			continue;
		r = nono_caps_add_mask(caps, path, NONO_MASK_READONLY,
				       S_ISDIR(st.st_mode));
		if (r == 0)
			(*nmasks)++;
	}
	closedir(d);
	return r;
}

static int add_guard(struct nono_caps *caps, const char *path,
		     enum nono_guard_kind kind)
{
	struct stat st;

	if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	return nono_caps_add_guard(caps, path, kind, st.st_dev, st.st_ino);
}

/* A git directory: the allow-list at its top, and no attributes file in
 * its info/. */
static int guard_gitdir(const char *dir, void *arg)
{
	static const char *const sealed[] = {"modules", "worktrees"};
	char path[PATH_MAX];
	int r = add_guard(arg, dir, NONO_GUARD_GITDIR);

	if (r < 0 ||
	    snprintf(path, sizeof(path), "%s/info", dir) >= (int)sizeof(path))
		return r;
	r = add_guard(arg, path, NONO_GUARD_GITINFO);
	/* No new submodule or worktree git directory: each would bring a
	 * config and hooks of its own. */
	for (size_t i = 0; r == 0 && i < 2; i++)
		if (snprintf(path, sizeof(path), "%s/%s", dir, sealed[i]) <
		    (int)sizeof(path))
			r = add_guard(arg, path, NONO_GUARD_SEALED);
	return r;
}

int nono_protect_plan_keep(struct nono_caps *caps, const char *path,
			   struct nono_protect_result *res, char *refuse,
			   size_t refuselen)
{
	char parent[PATH_MAX], target[PATH_MAX];
	struct stat st;
	char *slash;
	int r;

	snprintf(refuse, refuselen, "%s", path);
	if (lstat(path, &st) == 0) {
		const char *ro = path;

		/* A symlink (a dotfile manager's): its target is what the
		 * program reads; the link itself is kept by name. */
		if (S_ISLNK(st.st_mode))
			ro = realpath(path, target) && stat(target, &st) == 0
				 ? target
				 : NULL;
		if (ro && nono_caps_allows(caps, ro, NONO_ACCESS_WRITE, NULL)) {
			r = nono_caps_add_mask(caps, ro, NONO_MASK_READONLY,
					       S_ISDIR(st.st_mode));
			if (r < 0)
				return r;
			res->nmasks++;
		}
	}
	if (snprintf(parent, sizeof(parent), "%s", path) >= (int)sizeof(parent))
		return -ENAMETOOLONG;
	/* Up to the first directory that exists: what is missing below it
	 * is refused from its first component on (a new .claude/ would
	 * otherwise take a settings.json nobody guards). */
	for (;;) {
		slash = strrchr(parent, '/');
		if (!slash || slash == parent)
			return 0;
		*slash = '\0';
		if (lstat(parent, &st) == 0)
			break;
		snprintf(refuse, refuselen, "%s", parent);
	}
	if (!S_ISDIR(st.st_mode) ||
	    !nono_caps_allows(caps, parent, NONO_ACCESS_WRITE, NULL))
		return 0;
	/* That directory, and those above it that the sandbox could rename
	 * and replace by a copy without the guard (review: .claude moved
	 * away, a new one made). */
	r = nono_protect_pin_up_to_grant(caps, parent, res);
	if (r < 0)
		return r;
	return add_guard(caps, parent, NONO_GUARD_KEEP);
}

/* True when @dir is a guarded directory or lies above one. */
static bool on_chain(const struct nono_caps *caps, const char *dir)
{
	for (size_t i = 0; i < nono_caps_guard_count(caps); i++)
		if (nono_path_is_under(nono_caps_guard_at(caps, i)->path, dir))
			return true;
	return false;
}

/* @dir is a sealed tree's root or lies above one. */
static bool above_sealed(const struct nono_caps *caps, const char *dir)
{
	for (size_t i = 0; i < nono_caps_path_count(caps); i++) {
		const struct nono_grant *g = nono_caps_path_at(caps, i);

		if (nono_grant_seals(g) && nono_path_is_under(g->path, dir))
			return true;
	}
	return false;
}

/* Gives every subdirectory of chain directory @dir that is not itself on a
 * chain a rule with @access, so creation below it stays with Landlock. */
static int rule_children(struct nono_caps *caps, const char *dir,
			 unsigned access, char *why, size_t whylen)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int r = 0;

	if (!d)
		return errno == ENOENT || errno == EACCES ? 0 : -errno;
	while ((de = readdir(d)) != NULL) {
		char path[PATH_MAX];
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s",
				     strcmp(dir, "/") == 0 ? "" : dir,
				     de->d_name) >= sizeof(path))
			continue;
		if (de->d_type == DT_UNKNOWN &&
		    (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode)))
			continue;
		if (on_chain(caps, path))
			continue;
		r = nono_caps_add_path(caps, path, access, 0,
				       NONO_ORIGIN_GUARD);
		if (r < 0) {
			if (why)
				snprintf(why, whylen, "%s", dir);
			break;
		}
	}
	closedir(d);
	return r;
}

int nono_protect_plan_guards(struct nono_caps *caps, const char *home,
			     const char *cwd, char *why, size_t whylen)
{
	size_t i, n = nono_caps_path_count(caps);
	int r;

	if (why && whylen)
		why[0] = '\0';
	/* Every repository found while planning (its .git is pinned): the
	 * allow-list in its git directories, wherever it lies. */
	for (i = 0; i < nono_caps_mask_count(caps); i++) {
		const struct nono_mask *m = nono_caps_mask_at(caps, i);
		const char *base = strrchr(m->path, '/');
		char git[PATH_MAX];

		if (m->kind != NONO_MASK_PIN || !base ||
		    strcmp(base, "/.git") != 0)
			continue;
		/* guard_gitdir adds guards, never masks: m stays valid, but
		 * copy the path all the same. */
		snprintf(git, sizeof(git), "%s", m->path);
		r = guard_gitdir(git, caps);
		if (r == 0)
			r = nono_protect_each_nested_gitdir(git, 0,
							    guard_gitdir, caps);
		if (r < 0)
			return r;
	}
	/* The working directory's chain below a writable grant's root: a
	 * repository is most likely there, and a persistence name (.envrc,
	 * .git) made in one of its directories runs when the user works
	 * there (issue 10, escape 13). */
	for (i = 0; cwd && i < n; i++) {
		const struct nono_grant *g = nono_caps_path_at(caps, i);
		char dir[PATH_MAX];

		if (!nono_grant_seals(g) || strcmp(cwd, g->path) == 0 ||
		    !nono_path_is_under(cwd, g->path))
			continue;
		snprintf(dir, sizeof(dir), "%s", cwd);
		while (strcmp(dir, g->path) != 0) {
			char *slash;

			r = add_guard(caps, dir, NONO_GUARD_TREE);
			if (r < 0)
				return r;
			slash = strrchr(dir, '/');
			if (!slash || slash == dir)
				break;
			*slash = '\0';
		}
	}
	for (i = 0; i < n; i++) {
		const struct nono_grant *g = nono_caps_path_at(caps, i);
		char git[PATH_MAX];

		if (!nono_grant_seals(g))
			continue;
		r = add_guard(caps, g->path, NONO_GUARD_TREE);
		if (r < 0)
			return r;
		snprintf(git, sizeof(git), "%s/.git", g->path);
		r = guard_gitdir(git, caps);
		if (r < 0)
			return r;
		/* Submodules' and worktrees' git directories: the same
		 * allow-list. */
		r = nono_protect_each_nested_gitdir(git, 0, guard_gitdir, caps);
		if (r < 0)
			return r;
	}
	if (home && nono_caps_allows(caps, home, NONO_ACCESS_WRITE, NULL)) {
		static const struct {
			const char *rel;
			enum nono_guard_kind kind;
		} home_guards[] = {
		    {"", NONO_GUARD_HOME},
		    {"/.config", NONO_GUARD_XDG},
		    {"/.local", NONO_GUARD_LOCAL},
		    {"/.local/share", NONO_GUARD_LOCALSHARE},
		};

		for (size_t k = 0;
		     k < sizeof(home_guards) / sizeof(home_guards[0]); k++) {
			char dir[PATH_MAX];

			snprintf(dir, sizeof(dir), "%s%s", home,
				 home_guards[k].rel);
			r = add_guard(caps, dir, home_guards[k].kind);
			if (r < 0)
				return r;
		}
	}
	/* Every writable grant at or above a guard: no creating along the
	 * chain, except through the supervisor. */
	for (i = 0; i < n; i++) {
		const struct nono_grant *g = nono_caps_path_at(caps, i);
		unsigned access = g->access;
		char path[PATH_MAX];

		if (!(access & NONO_ACCESS_WRITE) ||
		    (g->flags & NONO_GRANT_FILE) || !on_chain(caps, g->path))
			continue;
		snprintf(path, sizeof(path), "%s", g->path);
		/* At or above a sealed tree: no write-open either (a grant
		 * above would lend the tree its rights). */
		nono_caps_flag_path(
		    caps, path,
		    NONO_GRANT_NOCREATE |
			(above_sealed(caps, path) ? NONO_GRANT_NOWRITE : 0),
		    0);
		/* g may move as rules are added: only path and access are
		 * used from here on. */
		r = 0;
		for (size_t k = 0; k < nono_caps_guard_count(caps) && r == 0;
		     k++) {
			const char *gp = nono_caps_guard_at(caps, k)->path;
			char dir[PATH_MAX];
			size_t len = strlen(path);

			if (!nono_path_is_under(gp, path))
				continue;
			/* Walk the chain: path, then one component at a time
			 * down to the guard. */
			snprintf(dir, sizeof(dir), "%s", path);
			for (;;) {
				const char *next;

				if (!nono_caps_sealed(caps, dir))
					r = rule_children(caps, dir, access,
							  why, whylen);
				if (r < 0 || strlen(dir) >= strlen(gp))
					break;
				len = strlen(dir);
				next =
				    strchr(gp + len + (len > 1 ? 1 : 0), '/');
				snprintf(dir, sizeof(dir), "%.*s",
					 next ? (int)(next - gp)
					      : (int)strlen(gp),
					 gp);
			}
		}
		if (r < 0)
			return r;
	}
	return 0;
}
