// SPDX-License-Identifier: Apache-2.0
/*
 * Protected-path planning: finds every existing protected path and
 * persistence file that a grant covers and masks it in a private mount
 * namespace.  Landlock rights only accumulate downwards, so a grant of $HOME
 * would otherwise expose ~/.ssh however the ruleset is written.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nono/error.h"
#include "nono/path.h"
#include "policy/dirview.h"
#include "policy/protect.h"
#include "policy/protect_internal.h"

/* clang-format off */
static const struct nono_protect_item items[] = {
	/* deny_credentials */
	{".ssh", "deny_credentials", "SSH keys and config", true},
	{".gnupg", "deny_credentials", "GnuPG keys", true},
	{".aws", "deny_credentials", "AWS credentials", true},
	{".azure", "deny_credentials", "Azure credentials", true},
	{".config/gcloud", "deny_credentials", "Google Cloud credentials", true},
	{".kube", "deny_credentials", "Kubernetes credentials", true},
	{".docker", "deny_credentials", "Docker registry credentials", true},
	{".git-credentials", "deny_credentials", "git credential store", true},
	{".config/git/credentials", "deny_credentials",
	 "git credential store (XDG)", true},
	{".config/gh", "deny_credentials", "GitHub CLI tokens", true},
	{".netrc", "deny_credentials", "netrc passwords", true},
	{".npmrc", "deny_credentials", "npm tokens", true},
	{".pypirc", "deny_credentials", "PyPI tokens", true},
	{".cargo/credentials.toml", "deny_credentials", "crates.io token", true},
	{".cargo/credentials", "deny_credentials", "crates.io token", true},
	{".gem/credentials", "deny_credentials", "RubyGems token", true},
	{".vault-token", "deny_credentials", "Vault token", true},
	{".password-store", "deny_credentials", "pass password store", true},
	{".pgpass", "deny_credentials", "PostgreSQL passwords", true},
	{".my.cnf", "deny_credentials", "MySQL passwords", true},
	{".terraform.d/credentials.tfrc.json", "deny_credentials",
	 "Terraform Cloud token", true},
	{".config/op", "deny_credentials", "1Password CLI session", true},
	/* Review r6, F6: more tools' tokens and keys. */
	{".config/containers/auth.json", "deny_credentials", "Podman registry credentials", true},
	{".config/sops/age", "deny_credentials", "SOPS age keys", true},
	{".config/rclone", "deny_credentials", "rclone remotes' credentials", true},
	{".s3cfg", "deny_credentials", "s3cmd credentials", true},
	{".boto", "deny_credentials", "boto and gsutil credentials", true},
	{".oci", "deny_credentials", "Oracle Cloud credentials", true},
	{".config/doctl", "deny_credentials", "DigitalOcean token", true},
	{".config/github-copilot", "deny_credentials", "GitHub Copilot tokens", true},
	{".config/hub", "deny_credentials", "hub GitHub token", true},
	{".config/glab-cli", "deny_credentials", "GitLab CLI token", true},
	{".fly", "deny_credentials", "Fly.io token", true},
	/* deny_keyrings */
	{".local/share/keyrings", "deny_keyrings", "GNOME keyrings", true},
	{".local/share/kwalletd", "deny_keyrings", "KDE wallets", true},
	{".pki", "deny_keyrings", "NSS certificate and key database", true},
	/* deny_browser_data */
	{".config/google-chrome", "deny_browser_data", "Chrome profile", true},
	{".config/chromium", "deny_browser_data", "Chromium profile", true},
	{".config/BraveSoftware", "deny_browser_data", "Brave profile", true},
	{".config/microsoft-edge", "deny_browser_data", "Edge profile", true},
	{".config/vivaldi", "deny_browser_data", "Vivaldi profile", true},
	{".config/opera", "deny_browser_data", "Opera profile", true},
	{".mozilla", "deny_browser_data", "Firefox profile", true},
	{".thunderbird", "deny_browser_data", "Thunderbird profile", true},
	/* deny_shell_history */
	{".bash_history", "deny_shell_history", "bash history", true},
	{".zsh_history", "deny_shell_history", "zsh history", true},
	{".zhistory", "deny_shell_history", "zsh history", true},
	{".histfile", "deny_shell_history", "zsh history", true},
	{".local/share/fish/fish_history", "deny_shell_history",
	 "fish history", true},
	{".python_history", "deny_shell_history", "Python history", true},
	{".node_repl_history", "deny_shell_history", "Node.js history", true},
	{".psql_history", "deny_shell_history", "psql history", true},
	{".mysql_history", "deny_shell_history", "MySQL history", true},
	{".sqlite_history", "deny_shell_history", "SQLite history", true},
	{".lesshst", "deny_shell_history", "less history", true},
	/* deny_shell_configs: they often embed tokens, and writing them runs
	 * code in the user's next, unsandboxed shell. */
	{".bashrc", "deny_shell_configs", "bash startup file", true},
	{".bash_profile", "deny_shell_configs", "bash startup file", true},
	{".bash_login", "deny_shell_configs", "bash startup file", true},
	{".bash_logout", "deny_shell_configs", "bash logout file", true},
	{".profile", "deny_shell_configs", "login shell startup file", true},
	{".zshrc", "deny_shell_configs", "zsh startup file", true},
	{".zshenv", "deny_shell_configs", "zsh startup file", true},
	{".zprofile", "deny_shell_configs", "zsh startup file", true},
	{".zlogin", "deny_shell_configs", "zsh startup file", true},
	{".config/fish", "deny_shell_configs", "fish configuration", true},
	{".env", "deny_shell_configs", "environment file", true},
	{".envrc", "deny_shell_configs", "direnv file", true},
	/* nono's own state: audit trail, rollback, sessions. */
	{".nono", "nono_state", "nono state directory", false},
	/* nono's configuration: a profile written here is what the next
	 * "nono run --profile" grants, and the trust keys sign what agents
	 * are told to trust (issue 10, escape 5). */
	{".config/nono", "nono_state",
	 "nono configuration (profiles, packs, trust keys)", false},
};

/* Files that make code run outside the sandbox later, checked at the root of
 * every writable tree. */
static const char *const persist[] = {
	".git/hooks", ".git/config", ".git/config.worktree", ".git/commondir",
	".git/info/attributes", ".git", ".gitmodules", ".envrc",
	".vscode", ".idea", ".devcontainer", ".husky",
	".bashrc", ".bash_profile", ".bash_login", ".profile",
	".zshrc", ".zshenv", ".zprofile", ".zlogin",
};
/* clang-format on */

/* Files in $HOME that run code at the next login, session or git command:
 * read-only whenever a writable grant covers them. */
static const char *const home_persist[] = {
    ".config/autostart",
    ".config/systemd",
    ".config/environment.d",
    ".config/git",
    ".gitconfig",
    ".xprofile",
    ".xsession",
    ".xsessionrc",
    ".pam_environment",
    /* Debian's ~/.profile puts ~/.local/bin first on PATH; Python runs
     * every .pth file of the user site (~/.local/lib/pythonX/site-packages)
     * at each start. */
    ".local/bin",
    ".local/lib",
    /* Mercurial hooks, direnv's own rc, VS Code's user settings and tasks
     * (terminal profiles run commands). */
    ".hgrc",
    ".config/direnv",
    ".config/Code",
    ".config/VSCodium",
    /* Editors and terminal multiplexers run commands from these. */
    ".config/nvim",
    ".config/tmux",
    ".config/emacs",
    ".vimrc",
    ".vim",
    ".tmux.conf",
    ".emacs",
    ".emacs.d",
    /* Sourced by Debian's .bashrc, run at logout, by startx, gdb, mksh,
     * screen; KDE's login scripts; systemd user units and desktop
     * entries in ~/.local/share. */
    ".bash_aliases",
    ".zlogout",
    ".xinitrc",
    ".gdbinit",
    ".mkshrc",
    ".screenrc",
    ".config/plasma-workspace",
    ".config/autostart-scripts",
    ".local/share/systemd",
    ".local/share/applications",
    /* Session 16: ~/bin, which Debian's ~/.profile puts on PATH (its name
     * was guarded, its contents were not); bash-completion's per-user
     * completions (sourced in every interactive shell); version
     * managers sourced by rc files or on PATH; Jupyter's config files
     * (Python, run when it starts). */
    "bin",
    ".local/share/bash-completion",
    ".nvm",
    ".pyenv",
    ".rbenv",
    ".asdf",
    ".sdkman",
    ".oh-my-zsh",
    ".volta",
    ".jupyter",
    /* Review 2 of session 16 (see guards.c's home_extra). */
    ".rustup",
    ".mavenrc",
    ".lesskey",
    ".ipython",
    ".bashrc.d",
    ".vscode-server",
    ".cursor",
    ".cursor-server",
    ".local/share/direnv",
    ".local/share/nvim/site",
    ".config/i3",
    ".config/sway",
    ".config/hypr",
    ".config/labwc",
    ".config/openbox",
    ".config/lxsession",
    ".config/starship.toml",
    ".config/kitty",
    ".config/alacritty",
    ".config/lesskey",
    /* Review r1, F4: gdb's and Mercurial's XDG start-up files (their
     * ~/.gdbinit and ~/.hgrc are above); ~/.zcompdump* by its prefix
     * (guards.c). */
    ".config/gdb",
    ".config/hg",
    ".gdbearlyinit",
};

/* Directories of $HOME under a writable grant that are pinned (mounted on
 * themselves, so that they cannot be renamed away): a fresh ~/.config in
 * place of the guarded one would take autostart entries, systemd units and
 * nono profiles, which the guard refuses in the real one (escape 4). */
static const char *const home_pins[] = {".config", ".local"};

/* The credential directories made empty when missing (see
 * nono_protect_missing_next): a mount can hide only what exists, and a
 * tool run outside during the session writes its keys there. */
static const char *const cred_dirs[] = {
    ".ssh",
    ".gnupg",
    ".aws",
    ".azure",
    ".config/gcloud",
    ".kube",
    ".docker",
    ".config/gh",
    ".password-store",
    ".config/op",
    ".local/share/keyrings",
    ".pki",
};

/* Tool directories whose code the user's tools run later, outside the
 * sandbox, but which tools inside must still fill: npx runs what it
 * installed in ~/.npm/_npx again without checking it, opencode the
 * language servers and tools it downloaded to ~/.cache/opencode and
 * ~/.local/share/opencode/bin (it spawns bin/clangd, zls, ... when they are
 * not on PATH).  Under a writable grant the sandbox gets its own copy of
 * each (a directory in $XDG_CACHE_HOME/nono/sandbox, mounted there), kept
 * from run to run; the real one is never written.
 *
 * Build tools' download caches too, which they trust once filled: cargo
 * takes a non-empty registry/cache/NAME.crate without checking its
 * checksum again and an extracted registry/src tree marked .cargo-ok
 * without looking at it, so a build.rs rewritten there runs in the user's
 * next build; registry/index holds the checksums and the download URL;
 * git/db and git/checkouts are the git dependencies.  go trusts the
 * extracted modules in ~/go/pkg/mod (and their .ziphash) and the compiled
 * objects in ~/.cache/go-build by key.  Each is filled again from the
 * network, checked, inside.  @need: made only where that directory exists
 * (no ~/.cargo or ~/go in a home that has none; creating one there is
 * refused, guards.c's home_extra). */
static const struct {
	const char *rel, *need;
} private_dirs[] = {
    {".npm/_npx", NULL},
    {".cache/opencode", NULL},
    {".local/share/opencode/bin", NULL},
    {".cargo/registry", ".cargo"},
    {".cargo/git", ".cargo"},
    {"go/pkg/mod", "go"},
    {".cache/go-build", NULL},
};

/* Credentials outside $HOME: the Kerberos ticket cache lives in /tmp,
 * which nono grants by default. */
static const struct nono_protect_item krb5_item = {
    "", "deny_credentials", "Kerberos ticket cache", true};

#define NITEMS (sizeof(items) / sizeof(items[0]))

const struct nono_protect_item *nono_protect_krb5_item(void)
{
	return &krb5_item;
}
#define NHOME_PERSIST (sizeof(home_persist) / sizeof(home_persist[0]))
#define NPERSIST (sizeof(persist) / sizeof(persist[0]))

size_t nono_protect_count(void)
{
	return NITEMS;
}

const struct nono_protect_item *nono_protect_at(size_t i)
{
	return i < NITEMS ? &items[i] : NULL;
}

size_t nono_persist_count(void)
{
	return NPERSIST;
}

const char *nono_persist_at(size_t i)
{
	return i < NPERSIST ? persist[i] : NULL;
}

/* Canonical path of the user's Kerberos ticket cache, when it exists. */
char *nono_protect_krb5_cache(void)
{
	const char *env = getenv("KRB5CCNAME");
	char buf[PATH_MAX];
	char *canon = NULL;
	bool exists;

	if (env && strncmp(env, "FILE:", 5) == 0)
		env += 5;
	if (env && env[0] == '/')
		snprintf(buf, sizeof(buf), "%s", env);
	else
		snprintf(buf, sizeof(buf), "/tmp/krb5cc_%u",
			 (unsigned)getuid());
	if (nono_path_canon(buf, &canon, &exists) < 0 || !exists) {
		free(canon);
		return NULL;
	}
	return canon;
}

static bool bypassed(const char *canon, char *const *bypass, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(bypass[i], canon) == 0)
			return true;
	return false;
}

static int note_conflict(struct nono_protect_result *res, const char *path)
{
	char **p;

	for (size_t i = 0; i < res->nconflicts; i++)
		if (strcmp(res->conflicts[i], path) == 0)
			return 0;
	p = realloc(res->conflicts, (res->nconflicts + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	res->conflicts = p;
	p[res->nconflicts] = strdup(path);
	if (!p[res->nconflicts])
		return -ENOMEM;
	res->nconflicts++;
	return 0;
}

/* Masks @canon when some directory grant covers it; refuses a user grant
 * that names it or something inside it. */
static int plan_item(struct nono_caps *caps, const char *canon,
		     const struct nono_protect_item *it,
		     struct nono_protect_result *res, char *why, size_t whylen)
{
	const struct nono_grant *cover = NULL;
	struct stat st;
	size_t i;
	int r;

	/* Every grant is checked for a conflict before any mask is added:
	 * the order of the grants must not change the verdict. */
	for (i = 0; i < nono_caps_path_count(caps); i++) {
		const struct nono_grant *g = nono_caps_path_at(caps, i);

		if (nono_path_is_under(g->path, canon)) {
			if (why)
				snprintf(why, whylen, "%s (%s, %s)", g->path,
					 it->what, it->group);
			return -NONO_ECONFLICT;
		}
		if (!(g->flags & NONO_GRANT_FILE) &&
		    nono_path_is_under(canon, g->path))
			cover = g;
	}
	if (!cover || stat(canon, &st) < 0)
		return 0;
	r = nono_caps_add_mask(caps, canon, NONO_MASK_HIDE,
			       S_ISDIR(st.st_mode));
	if (r < 0)
		return r;
	res->nmasks++;
	return note_conflict(res, canon);
}

int nono_protect_plan_deny(struct nono_caps *caps, const char *canon,
			   struct nono_protect_result *res, char *why,
			   size_t whylen)
{
	static const struct nono_protect_item deny_item = {
	    "", "profile_deny", "path denied by the profile", true};

	return plan_item(caps, canon, &deny_item, res, why, whylen);
}

int nono_protect_plan_state(struct nono_caps *caps, const char *canon,
			    struct nono_protect_result *res, char *why,
			    size_t whylen)
{
	static const struct nono_protect_item state_item = {
	    "", "nono_state", "nono configuration (profiles, trust keys)",
	    false};
	char parent[PATH_MAX];
	const char *slash = strrchr(canon, '/');
	int r = plan_item(caps, canon, &state_item, res, why, whylen);

	/* Its directories, up to the writable grant over them, are pinned:
	 * renamed away, a copy in their place would carry the sandbox's own
	 * profiles into the next run (review of issue 12, F6). */
	if (r < 0 || !slash || slash == canon ||
	    (size_t)snprintf(parent, sizeof(parent), "%.*s",
			     (int)(slash - canon), canon) >= sizeof(parent))
		return r;
	return nono_protect_pin_up_to_grant(caps, parent, res);
}

static const char *const deny_groups[] = {
    "deny_credentials",   "deny_keyrings",      "deny_browser_data",
    "deny_shell_history", "deny_shell_configs",
};

bool nono_protect_group_known(const char *name, bool *required)
{
	for (size_t i = 0; i < sizeof(deny_groups) / sizeof(deny_groups[0]);
	     i++)
		if (strcmp(name, deny_groups[i]) == 0) {
			*required = true;
			return true;
		}
	return false;
}

size_t nono_protect_group_count(void)
{
	return sizeof(deny_groups) / sizeof(deny_groups[0]);
}

const char *nono_protect_group_at(size_t i)
{
	return i < nono_protect_group_count() ? deny_groups[i] : NULL;
}

/* True when no component of @path below @tree is a symlink: a mask
 * mounted through one would land outside the tree. */
static bool no_symlink_below(const char *tree, const char *path)
{
	char buf[PATH_MAX];
	size_t n = strlen(tree);
	struct stat st;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + n + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (lstat(buf, &st) < 0 || S_ISLNK(st.st_mode))
			return false;
		*p = '/';
	}
	return true;
}

/* Git directories inside a git directory: submodules' (modules/NAME,
 * nested in turn) and linked worktrees' (worktrees/NAME). */
static const char *const nested_gitdirs[] = {"modules", "worktrees"};
/* What makes git run a program, or moves where it looks, in each. */
static const char *const gitdir_persist[] = {
    "config",    "config.worktree", "hooks",
    "commondir", "gitdir",          "info/attributes",
};
#define NESTED_MAX 256
#define NESTED_DEPTH 3

/*
 * Calls @fn for each subdirectory of @gitdir's modules/ and worktrees/
 * (at most NESTED_MAX each, no symlinks): their configuration and hooks are
 * as dangerous as the top repository's (a submodule's core.fsmonitor runs
 * on the user's next git status).
 */
/* A git directory by its content: HEAD, and objects/ with refs/, or a
 * commondir file (a linked worktree's). */
static bool looks_gitdir(const char *dir)
{
	int fd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	bool ok = fd >= 0 && nono_gitdir_at(fd);

	if (fd >= 0)
		close(fd);
	return ok;
}

/* The git directories under @base (modules/ or worktrees/ of a git
 * directory): a submodule's name may hold slashes (modules/libs/foo), so a
 * directory that is not one is looked into, as deep as the nesting bound. */
static int each_below(const char *base, int depth, size_t *n,
		      int (*fn)(const char *dir, void *arg), void *arg)
{
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (depth >= NESTED_DEPTH)
		return 0;
	d = opendir(base);
	if (!d)
		return 0;
	while (r == 0 && *n < NESTED_MAX && (de = readdir(d)) != NULL) {
		char sub[PATH_MAX];
		struct stat st;

		if (de->d_name[0] == '.' &&
		    (!de->d_name[1] ||
		     (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", base, de->d_name) >=
			(int)sizeof(sub) ||
		    lstat(sub, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		(*n)++;
		if (!looks_gitdir(sub)) {
			r = each_below(sub, depth + 1, n, fn, arg);
			continue;
		}
		r = fn(sub, arg);
		if (r == 0)
			r = nono_protect_each_nested_gitdir(sub, depth + 1, fn,
							    arg);
	}
	closedir(d);
	return r;
}

int nono_protect_each_nested_gitdir(const char *gitdir, int depth,
				    int (*fn)(const char *dir, void *arg),
				    void *arg)
{
	if (depth >= NESTED_DEPTH)
		return 0;
	for (size_t k = 0; k < 2; k++) {
		char base[PATH_MAX];
		size_t n = 0;
		int r;

		if (snprintf(base, sizeof(base), "%s/%s", gitdir,
			     nested_gitdirs[k]) >= (int)sizeof(base))
			continue;
		r = each_below(base, depth, &n, fn, arg);
		if (r < 0)
			return r;
	}
	return 0;
}

struct nested_ctx {
	struct nono_caps *caps;
	char *const *bypass;
	size_t nbypass;
	struct nono_protect_result *res;
};

static int mask_nested(const char *dir, void *arg)
{
	struct nested_ctx *x = arg;

	for (size_t i = 0;
	     i < sizeof(gitdir_persist) / sizeof(gitdir_persist[0]); i++) {
		char path[PATH_MAX];
		struct stat st;
		int r;

		if (snprintf(path, sizeof(path), "%s/%s", dir,
			     gitdir_persist[i]) >= (int)sizeof(path) ||
		    lstat(path, &st) < 0 || S_ISLNK(st.st_mode) ||
		    bypassed(path, x->bypass, x->nbypass))
			continue;
		r = nono_caps_add_mask(x->caps, path, NONO_MASK_READONLY,
				       S_ISDIR(st.st_mode));
		if (r < 0)
			return r;
		x->res->nmasks++;
	}
	return 0;
}

static int plan_nested_gitdirs(struct nono_caps *caps, const char *gitdir,
			       int depth, char *const *bypass, size_t nbypass,
			       struct nono_protect_result *res)
{
	struct nested_ctx x = {caps, bypass, nbypass, res};

	return nono_protect_each_nested_gitdir(gitdir, depth, mask_nested, &x);
}

static int plan_persist(struct nono_caps *caps, const char *tree,
			char *const *bypass, size_t nbypass,
			struct nono_protect_result *res)
{
	size_t i;
	int r;

	for (i = 0; i < NPERSIST; i++) {
		char path[PATH_MAX];
		enum nono_mask_kind kind = NONO_MASK_READONLY;
		struct stat st;

		if (snprintf(path, sizeof(path), "%s/%s", tree, persist[i]) >=
		    (int)sizeof(path))
			continue;
		/* lstat: a symlink is a file of the tree like any other, and
		 * mounting onto it would follow it somewhere else. */
		if (lstat(path, &st) < 0 || S_ISLNK(st.st_mode) ||
		    !no_symlink_below(tree, path))
			continue;
		if (bypassed(path, bypass, nbypass))
			continue;
		/* .git itself stays writable (objects, refs, index) but is
		 * pinned, so it cannot be renamed away and replaced by a copy
		 * with planted hooks.  A .git file (worktree) is read-only. */
		if (strcmp(persist[i], ".git") == 0 && S_ISDIR(st.st_mode))
			kind = NONO_MASK_PIN;
		r = nono_caps_add_mask(caps, path, kind, S_ISDIR(st.st_mode));
		if (r < 0)
			return r;
		res->nmasks++;
		if (kind == NONO_MASK_PIN) {
			r = plan_nested_gitdirs(caps, path, 0, bypass, nbypass,
						res);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/*
 * Repositories directly below a writable tree's root (--allow ~/work, with
 * ~/work/<repo>/.git): their existing hooks, config and other persistence
 * files are made read-only like the root's.  One lstat per subdirectory and
 * at most REPO_SCAN_MAX entries: the tree is never walked.
 */
#define REPO_SCAN_MAX 4096

static bool is_persist_name(const char *name)
{
	for (size_t i = 0; i < NPERSIST; i++)
		if (strcmp(name, persist[i]) == 0)
			return true;
	return false;
}

/*
 * A repository inside a writable tree is pinned as a whole, not only its
 * .git: otherwise "mv repo repo.orig; mv copy-with-hooks repo" replaced it
 * by a copy whose hooks the user's next git checkout ran (issue 10, escape
 * 3).  A mount point cannot be renamed, removed or replaced.  Returns 1
 * when @dir holds a repository and was pinned, 0 when it holds none, or
 * -errno.
 */
static int pin_repo(struct nono_caps *caps, const char *dir,
		    char *const *bypass, size_t nbypass,
		    struct nono_protect_result *res)
{
	char git[PATH_MAX];
	struct stat st;
	int r;

	if (snprintf(git, sizeof(git), "%s/.git", dir) >= (int)sizeof(git) ||
	    lstat(git, &st) < 0 || S_ISLNK(st.st_mode) ||
	    bypassed(git, bypass, nbypass))
		return 0;
	r = nono_caps_add_mask(caps, dir, NONO_MASK_PIN, true);
	if (r < 0)
		return r;
	res->nmasks++;
	return 1;
}

static int plan_repos_below(struct nono_caps *caps, const char *root,
			    char *const *bypass, size_t nbypass,
			    struct nono_protect_result *res)
{
	struct dirent *de;
	size_t seen = 0;
	DIR *d = opendir(root);
	int r = 0;

	if (!d)
		return 0;
	while (r == 0 && (de = readdir(d)) && seen++ < REPO_SCAN_MAX) {
		char sub[PATH_MAX], git[PATH_MAX];
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN) ||
		    is_persist_name(de->d_name))
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s",
			     strcmp(root, "/") == 0 ? "" : root,
			     de->d_name) >= (int)sizeof(sub) ||
		    snprintf(git, sizeof(git), "%s/.git", sub) >=
			(int)sizeof(git))
			continue;
		if (lstat(git, &st) < 0 || S_ISLNK(st.st_mode))
			continue;
		if (de->d_type == DT_UNKNOWN &&
		    (lstat(sub, &st) < 0 || !S_ISDIR(st.st_mode)))
			continue;
		r = pin_repo(caps, sub, bypass, nbypass, res);
		if (r >= 0)
			r = plan_persist(caps, sub, bypass, nbypass, res);
	}
	closedir(d);
	return r;
}

/* Masks @path read-only when it exists as a real file or directory. */
static int mask_readonly(struct nono_caps *caps, const char *path,
			 char *const *bypass, size_t nbypass,
			 struct nono_protect_result *res)
{
	struct stat st;
	int r;

	if (lstat(path, &st) < 0 || S_ISLNK(st.st_mode) ||
	    bypassed(path, bypass, nbypass))
		return 0;
	r = nono_caps_add_mask(caps, path, NONO_MASK_READONLY,
			       S_ISDIR(st.st_mode));
	if (r == 0)
		res->nmasks++;
	return r;
}

/*
 * A grant that lies inside a persistence location (--allow proj/.git,
 * --allow proj/.vscode, --allow-file proj/.git/config) must not make that
 * location writable by the back door: keep it read-only.
 */
static int plan_inside(struct nono_caps *caps, const char *w,
		       char *const *bypass, size_t nbypass,
		       struct nono_protect_result *res)
{
	char path[PATH_MAX];
	const char *git;
	int r;

	for (size_t i = 0; i < NPERSIST; i++) {
		size_t n = strlen(persist[i]);
		const char *p = w;

		if (strcmp(persist[i], ".git") == 0)
			continue;
		while ((p = strstr(p, persist[i])) != NULL) {
			if (p > w && p[-1] == '/' &&
			    (p[n] == '/' || p[n] == '\0')) {
				snprintf(path, sizeof(path), "%.*s",
					 (int)(p - w + (ptrdiff_t)n), w);
				r = mask_readonly(caps, path, bypass, nbypass,
						  res);
				if (r < 0)
					return r;
				break;
			}
			p += n;
		}
	}
	/* Inside a .git directory: its hooks and config stay read-only. */
	for (git = strstr(w, "/.git"); git; git = strstr(git + 1, "/.git")) {
		if (git[5] != '/' && git[5] != '\0')
			continue;
		for (int k = 0; k < 2; k++) {
			snprintf(path, sizeof(path), "%.*s/%s",
				 (int)(git - w + 5), w, k ? "config" : "hooks");
			r = mask_readonly(caps, path, bypass, nbypass, res);
			if (r < 0)
				return r;
		}
		break;
	}
	return 0;
}

static int plan_home(struct nono_caps *caps, struct dirview *v,
		     char *const *bypass, size_t nbypass,
		     struct nono_protect_result *res, char *why, size_t whylen);
static int plan_trees(struct nono_caps *caps, const char *cwd,
		      char *const *bypass, size_t nbypass,
		      struct nono_protect_result *res);

int nono_protect_plan(struct nono_caps *caps, const char *home, const char *cwd,
		      char *const *bypass, size_t nbypass,
		      struct nono_protect_result *res, char *why, size_t whylen)
{
	struct dirview *v = NULL;
	int r;

	memset(res, 0, sizeof(*res));
	if (why && whylen)
		why[0] = '\0';
	if (home) {
		v = dirview_new(home);
		if (!v)
			return -ENOMEM;
	}
	r = plan_home(caps, v, bypass, nbypass, res, why, whylen);
	dirview_free(v);
	if (r < 0)
		return r;
	return plan_trees(caps, cwd, bypass, nbypass, res);
}

/*
 * Pins @dir and each directory above it whose parent the sandbox may write
 * (it could rename them, and put a copy in their place), up to the root of
 * the writable grant over it.  Returns 0 or -errno.
 */
int nono_protect_pin_up_to_grant(struct nono_caps *caps, const char *dir,
				 struct nono_protect_result *res)
{
	char d[PATH_MAX], parent[PATH_MAX];

	if (snprintf(d, sizeof(d), "%s", dir) >= (int)sizeof(d))
		return -ENAMETOOLONG;
	for (int depth = 0; depth < 64; depth++) {
		char *slash = strrchr(d, '/');
		struct stat st;
		int r;

		if (!slash || slash == d)
			return 0;
		snprintf(parent, sizeof(parent), "%.*s", (int)(slash - d), d);
		if (!nono_caps_allows(caps, parent, NONO_ACCESS_WRITE, NULL))
			return 0;
		if (lstat(d, &st) == 0 && S_ISDIR(st.st_mode)) {
			r = nono_caps_add_mask(caps, d, NONO_MASK_PIN, true);
			if (r < 0)
				return r;
			res->nmasks++;
		}
		memcpy(d, parent, strlen(parent) + 1);
	}
	return 0;
}

/* 0 when @path is a directory reached without a symlink, or missing (a
 * dry run does not make it); -ELOOP otherwise. */
static int no_link_on_way(const char *path)
{
	struct open_how how = {
	    .flags = O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW,
	    .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno == ENOENT ? 0 : -ELOOP;
}

/* The deny groups, the ticket cache, and login-time files under $HOME. */
static int plan_home(struct nono_caps *caps, struct dirview *v,
		     char *const *bypass, size_t nbypass,
		     struct nono_protect_result *res, char *why, size_t whylen)
{
	size_t i;
	int r;

	for (i = 0; v && i < NITEMS; i++) {
		char *canon = dirview_locate(v, items[i].rel);

		if (!canon)
			continue;
		if (items[i].bypassable && bypassed(canon, bypass, nbypass)) {
			free(canon);
			continue;
		}
		r = plan_item(caps, canon, &items[i], res, why, whylen);
		free(canon);
		if (r < 0)
			return r;
	}
	{
		char *krb5 = nono_protect_krb5_cache();

		if (krb5 && !bypassed(krb5, bypass, nbypass)) {
			r = plan_item(caps, krb5, &krb5_item, res, why, whylen);
			if (r < 0) {
				free(krb5);
				return r;
			}
		}
		free(krb5);
	}
	/* $HOME itself, when a writable grant above it could rename it: a
	 * fresh home in its place would have no guard (review of escape 4),
	 * and so every directory up to that grant's root. */
	if (v && dirview_root(v)) {
		r = nono_protect_pin_up_to_grant(caps, dirview_root(v), res);
		if (r < 0)
			return r;
	}
	for (i = 0; v && i < sizeof(home_pins) / sizeof(home_pins[0]); i++) {
		char *canon = dirview_locate(v, home_pins[i]);
		struct stat st;

		if (canon &&
		    nono_caps_allows(caps, canon, NONO_ACCESS_WRITE, NULL) &&
		    lstat(canon, &st) == 0 && S_ISDIR(st.st_mode)) {
			r = nono_caps_add_mask(caps, canon, NONO_MASK_PIN,
					       true);
			if (r < 0) {
				free(canon);
				return r;
			}
			res->nmasks++;
		}
		free(canon);
	}
	for (i = 0; v && i < NHOME_PERSIST; i++) {
		char *canon = dirview_locate(v, home_persist[i]);
		struct stat st;

		if (canon && !bypassed(canon, bypass, nbypass) &&
		    nono_caps_allows(caps, canon, NONO_ACCESS_WRITE, NULL) &&
		    stat(canon, &st) == 0) {
			r = nono_caps_add_mask(caps, canon, NONO_MASK_READONLY,
					       S_ISDIR(st.st_mode));
			if (r < 0) {
				free(canon);
				return r;
			}
			res->nmasks++;
		}
		free(canon);
	}
	if (v && dirview_root(v)) {
		r = nono_guard_mask_prefixed(caps, dirview_root(v), bypass,
					     nbypass, &res->nmasks);
		if (r < 0)
			return r;
	}
	if (v && dirview_root(v)) {
		char path[PATH_MAX], src[PATH_MAX];
		size_t pos = 0;

		while (nono_protect_private_next(caps, dirview_root(v), bypass,
						 nbypass, &pos, path, src,
						 sizeof(path))) {
			/* A link where the copy lives (a sandbox that could
			 * write there planted it) would lead the mount, and
			 * the copy's grant, to another directory. */
			r = no_link_on_way(src);
			if (r < 0) {
				if (why && whylen)
					snprintf(
					    why, whylen,
					    "%s (the sandbox's own copy of "
					    "%s) is a link or not a "
					    "directory; remove it to "
					    "start afresh",
					    src, path);
				return r;
			}
			/* The copy's own rule: its tools run in the sandbox
			 * (npx executes what it installed), whatever the
			 * grant above the mount point says. */
			r = nono_caps_add_private(caps, path, src);
			if (r == 0)
				r = nono_caps_add_path(
				    caps, src, NONO_ACCESS_RW,
				    NONO_GRANT_OPTIONAL, NONO_ORIGIN_SYSTEM);
			if (r < 0)
				return r;
			res->nmasks++;
		}
	}
	return 0;
}

/* Persistence files inside the writable trees. */
static int plan_trees(struct nono_caps *caps, const char *cwd,
		      char *const *bypass, size_t nbypass,
		      struct nono_protect_result *res)
{
	/* Snapshot the count: masks do not add grants, but be explicit. */
	size_t i, ngrants = nono_caps_path_count(caps);
	int r;

	for (i = 0; i < ngrants; i++) {
		const struct nono_grant *g = nono_caps_path_at(caps, i);

		/* Scratch space (/tmp) holds nothing that runs later. */
		if (!(g->access & NONO_ACCESS_WRITE) ||
		    g->origin == NONO_ORIGIN_SYSTEM)
			continue;
		r = plan_inside(caps, g->path, bypass, nbypass, res);
		if (r < 0)
			return r;
		if (g->flags & NONO_GRANT_FILE)
			continue;
		r = plan_persist(caps, g->path, bypass, nbypass, res);
		if (r < 0)
			return r;
		r = plan_repos_below(caps, g->path, bypass, nbypass, res);
		if (r < 0)
			return r;
		/* The working directory is where a repository most likely
		 * is: check it and each parent up to the grant root. */
		if (cwd && strcmp(cwd, g->path) != 0 &&
		    nono_path_is_under(cwd, g->path)) {
			char dir[PATH_MAX];
			bool below_repo = false;

			snprintf(dir, sizeof(dir), "%s", cwd);
			while (strcmp(dir, g->path) != 0) {
				char *slash;

				/* Above a repository, each directory up to the
				 * root is pinned too: renaming one would move
				 * the repository away and free its path for a
				 * copy. */
				r = below_repo
					? nono_caps_add_mask(
					      caps, dir, NONO_MASK_PIN, true)
					: pin_repo(caps, dir, bypass, nbypass,
						   res);
				below_repo = below_repo || r == 1;
				if (r >= 0)
					r = plan_persist(caps, dir, bypass,
							 nbypass, res);
				if (r < 0)
					return r;
				slash = strrchr(dir, '/');
				if (!slash || slash == dir)
					break;
				*slash = '\0';
			}
		}
	}
	return 0;
}

int nono_protect_missing_next(const struct nono_caps *caps, const char *home,
			      char *const *bypass, size_t nbypass, size_t *pos,
			      char *path, size_t len)
{
	struct stat st;

	if (!home || home[0] != '/' || lstat(home, &st) < 0 ||
	    !S_ISDIR(st.st_mode))
		return 0;
	while (*pos < sizeof(cred_dirs) / sizeof(cred_dirs[0])) {
		const char *d = cred_dirs[(*pos)++];

		if ((size_t)snprintf(path, len, "%s/%s", home, d) >= len ||
		    bypassed(path, bypass, nbypass) || lstat(path, &st) == 0 ||
		    !nono_caps_allows(caps, path, NONO_ACCESS_READ, NULL))
			continue;
		return 1;
	}
	return 0;
}

/*
 * Where the sandbox's own copy of $HOME/@rel lives: below the cache
 * directory as the user set it up (a ~/.cache that is a symlink is
 * followed), then nono/sandbox/@rel, where a symlink is refused when the
 * copy is mounted (a sandbox could have planted one there).
 */
static int private_src(const char *home, const char *rel, char *out, size_t len)
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	char base[PATH_MAX];
	char *canon = NULL;
	bool exists;
	int n;

	n = xdg && xdg[0] == '/'
		? snprintf(base, sizeof(base), "%s", xdg)
		: snprintf(base, sizeof(base), "%s/.cache", home);
	if (n < 0 || (size_t)n >= sizeof(base) ||
	    nono_path_canon(base, &canon, &exists) < 0)
		return -ENAMETOOLONG;
	n = snprintf(out, len, "%s/nono/sandbox/%s",
		     strcmp(canon, "/") == 0 ? "" : canon, rel);
	free(canon);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int nono_protect_private_next(const struct nono_caps *caps, const char *home,
			      char *const *bypass, size_t nbypass, size_t *pos,
			      char *path, char *src, size_t len)
{
	struct stat st;

	if (!home || home[0] != '/' || lstat(home, &st) < 0 ||
	    !S_ISDIR(st.st_mode))
		return 0;
	while (*pos < sizeof(private_dirs) / sizeof(private_dirs[0])) {
		const char *rel = private_dirs[*pos].rel;
		const char *need = private_dirs[(*pos)++].need;
		char raw[PATH_MAX], *canon = NULL;
		bool exists;

		if (need && ((size_t)snprintf(raw, sizeof(raw), "%s/%s", home,
					      need) >= sizeof(raw) ||
			     stat(raw, &st) < 0 || !S_ISDIR(st.st_mode)))
			continue;

		/* Where it really is (~/.npm may be a symlink to a disk with
		 * room): the grant that covers it is canonical too. */
		if ((size_t)snprintf(raw, sizeof(raw), "%s/%s", home, rel) >=
			sizeof(raw) ||
		    nono_path_canon(raw, &canon, &exists) < 0)
			continue;
		snprintf(path, len, "%s", canon);
		free(canon);
		if (strlen(path) + 1 >= len ||
		    private_src(home, rel, src, len) < 0 ||
		    bypassed(path, bypass, nbypass) ||
		    !nono_caps_allows(caps, path, NONO_ACCESS_WRITE, NULL))
			continue;
		return 1;
	}
	return 0;
}

void nono_protect_result_clear(struct nono_protect_result *res)
{
	size_t i;

	for (i = 0; i < res->nconflicts; i++)
		free(res->conflicts[i]);
	free(res->conflicts);
	memset(res, 0, sizeof(*res));
}
