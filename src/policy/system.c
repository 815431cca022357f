// SPDX-License-Identifier: Apache-2.0
/*
 * Default system grants and the --allow-gpu device set.  Everything here is
 * canonicalised before it is granted: on merged-/usr systems /bin and /lib
 * are symlinks, and a grant must name what it really opens.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/protect.h"
#include "policy/system.h"

#define R NONO_ACCESS_READ
#define RW NONO_ACCESS_RW
#define F NONO_GRANT_FILE
#define NX NONO_GRANT_NOEXEC
#define DEV (NONO_GRANT_FILE | NONO_GRANT_DEVICE | NONO_GRANT_NOEXEC)

/* clang-format off */
/* system_read */
static const struct sys_grant system_read[] = {
	/* Programs and libraries. */
	{"/usr", R, 0}, {"/bin", R, 0}, {"/sbin", R, 0},
	{"/lib", R, 0}, {"/lib32", R, 0}, {"/lib64", R, 0},
	{"/libx32", R, 0}, {"/opt", R, 0}, {"/nix/store", R, 0},
	/* The files of /etc that the C library, TLS and shells read.  Not all
	 * of /etc: it also holds host keys, and backups of shadow files. */
	{"/etc/ld.so.cache", R, F | NX}, {"/etc/ld.so.conf", R, F | NX},
	{"/etc/ld.so.conf.d", R, NX}, {"/etc/ld.so.preload", R, F | NX},
	{"/etc/passwd", R, F | NX}, {"/etc/group", R, F | NX},
	{"/etc/nsswitch.conf", R, F | NX}, {"/etc/hosts", R, F | NX},
	{"/etc/host.conf", R, F | NX}, {"/etc/resolv.conf", R, F | NX},
	{"/etc/gai.conf", R, F | NX}, {"/etc/services", R, F | NX},
	{"/etc/protocols", R, F | NX}, {"/etc/hostname", R, F | NX},
	{"/etc/localtime", R, F | NX}, {"/etc/timezone", R, F | NX},
	{"/etc/ssl", R, NX}, {"/etc/ca-certificates", R, NX},
	{"/etc/ca-certificates.conf", R, F | NX}, {"/etc/pki", R, NX},
	{"/etc/crypto-policies", R, NX}, {"/etc/alternatives", R, 0},
	{"/etc/locale.alias", R, F | NX}, {"/etc/locale.conf", R, F | NX},
	{"/etc/default/locale", R, F | NX}, {"/etc/terminfo", R, NX},
	{"/etc/inputrc", R, F | NX}, {"/etc/mime.types", R, F | NX},
	{"/etc/magic", R, F | NX}, {"/etc/os-release", R, F | NX},
	{"/etc/lsb-release", R, F | NX}, {"/etc/debian_version", R, F | NX},
	{"/etc/machine-id", R, F | NX}, {"/etc/environment", R, F | NX},
	{"/etc/profile", R, F | NX}, {"/etc/profile.d", R, NX},
	{"/etc/bash.bashrc", R, F | NX}, {"/etc/zsh", R, NX},
	{"/etc/fish", R, NX}, {"/etc/shells", R, F | NX},
	{"/etc/xdg", R, NX}, {"/etc/fonts", R, NX},
	{"/etc/gitconfig", R, F | NX}, {"/etc/gitattributes", R, F | NX},
	{"/etc/vim", R, NX}, {"/etc/nanorc", R, F | NX},
	{"/etc/login.defs", R, F | NX}, {"/etc/mailcap", R, F | NX},
	{"/etc/manpath.config", R, F | NX}, {"/etc/python3", R, NX},
	{"/etc/perl", R, NX}, {"/etc/java-17-openjdk", R, NX},
	{"/etc/subuid", R, F | NX}, {"/etc/subgid", R, F | NX},
	/* Process information.  Other processes' sensitive entries (environ,
	 * mem, fd) stay refused: Landlock adds its own ptrace check. */
	{"/proc", R, NX},
	{"/dev/random", R, DEV}, {"/dev/urandom", R, DEV},
};

/* system_write: safe device nodes and scratch space. */
static const struct sys_grant system_write[] = {
	{"/dev/null", RW, DEV}, {"/dev/zero", RW, DEV},
	{"/dev/full", RW, DEV}, {"/dev/tty", RW, DEV},
	{"/dev/ptmx", RW, DEV},
	{"/tmp", RW, 0}, {"/dev/shm", RW, 0},
};
/* /var/tmp is shared between users and survives reboots: what a command
 * leaves there outlives the session (upstream nono does not grant it by
 * default either). */
static const struct sys_grant var_tmp_g[] = {
	{"/var/tmp", RW, 0},
};

/* Runtimes, caches and tool configuration, below $HOME ("~/"). Caches are
 * writable; installed toolchains are read-only. */
static const struct sys_grant node_g[] = {
	{"~/.npm", RW, NX}, {"~/.node-gyp", RW, NX},
	{"~/.yarn", R, 0}, {"~/.yarn/berry/cache", RW, NX},
	{"~/.cache/yarn", RW, NX},
	/* Package managers' own code is read-only: pnpm's store is
	 * hard-linked into its global packages (a write there edits them),
	 * corepack runs the package managers it cached, ~/.yarn/bin holds
	 * yarn's global commands.  What they download stays writable where it
	 * is data only: npm's cache, yarn's caches. */
	{"~/.local/share/pnpm", R, 0}, {"~/.cache/pnpm", RW, NX},
	{"~/.cache/node", R, 0}, {"~/.nvm", R, 0},
	{"~/.volta", R, 0}, {"~/.bun", R, 0},
};
/* Where users install command-line tools and agents for themselves, read
 * and run, never written: the agent's own code must not be changeable by
 * the agent (it runs outside the sandbox too). */
static const struct sys_grant user_tools_g[] = {
	{"~/.local/bin", R, 0},
	{"~/.local/lib/node_modules", R, 0}, /* npm -g --prefix ~/.local */
	/* npm config set prefix ~/.npm-global: its code, not its etc/npmrc
	 * (which can hold registry tokens) */
	{"~/.npm-global/bin", R, 0}, {"~/.npm-global/lib", R, 0},
	{"~/.local/share/claude", R, 0},     /* Claude Code's installer */
	{"~/.opencode/bin", R, 0},	     /* opencode's installer */
	{"~/.local/share/fnm", R, 0}, {"~/.fnm", R, 0},
	{"~/.local/share/mise/installs", R, 0}, {"~/.local/share/mise/shims", R, 0},
	{"~/.asdf/installs", R, 0}, {"~/.asdf/shims", R, 0},
};
static const struct sys_grant python_g[] = {
	{"~/.cache/pip", RW, NX}, {"~/.cache/pypoetry", RW, NX},
	{"~/.cache/uv", RW, NX}, {"~/.local/share/uv", R, 0},
	{"~/.local/lib", R, 0}, {"~/.local/bin", R, 0}, {"~/.pyenv", R, 0},
};
static const struct sys_grant rust_g[] = {
	{"~/.cargo/registry", RW, NX}, {"~/.cargo/git", RW, NX},
	{"~/.cargo/bin", R, 0}, {"~/.rustup", R, 0},
};
static const struct sys_grant go_g[] = {
	{"~/go", RW, 0}, {"~/.cache/go-build", RW, NX},
};
static const struct sys_grant java_g[] = {
	{"~/.m2", RW, NX}, {"~/.gradle", RW, 0}, {"~/.sdkman", R, 0},
};
static const struct sys_grant nix_g[] = {
	{"/nix", R, 0}, {"~/.nix-profile", R, 0},
	{"~/.local/state/nix", R, NX},
};
static const struct sys_grant homebrew_g[] = {
	{"/home/linuxbrew/.linuxbrew", R, 0}, {"~/.linuxbrew", R, 0},
	{"~/.cache/Homebrew", RW, NX},
};
static const struct sys_grant user_caches_g[] = {
	{"~/.cache", RW, NX},
};
/* git's configuration files by name, not ~/.config/git as a whole: git's
 * credential store can live there too (~/.config/git/credentials, which
 * is protected besides). */
static const struct sys_grant git_config_g[] = {
	{"~/.gitconfig", R, F | NX},
	{"~/.config/git/config", R, F | NX},
	{"~/.config/git/ignore", R, F | NX},
	{"~/.config/git/attributes", R, F | NX},
	{"~/.gitignore_global", R, F | NX},
};

static const struct sys_grant gpu_grants[] = {
	{"/dev/nvidiactl", RW, DEV}, {"/dev/nvidia-uvm", RW, DEV},
	{"/dev/nvidia-uvm-tools", RW, DEV}, {"/dev/nvidia-modeset", RW, DEV},
	{"/dev/nvidia-caps", R, NX | NONO_GRANT_DEVICE},
	{"/dev/kfd", RW, DEV}, {"/dev/dxg", RW, DEV},
	{"/dev/dri", R, NX}, {"/dev/char", R, NX},
	/* Read-only manifests and GPU sysfs. */
	{"/etc/vulkan", R, NX}, {"/etc/OpenCL", R, NX},
	{"/etc/nvidia", R, NX}, {"/etc/glvnd", R, NX},
	{"/etc/egl", R, NX},
	{"/sys/module/nvidia", R, NX}, {"/sys/module/nvidia_uvm", R, NX},
	{"/sys/module/amdgpu", R, NX},
	{"/sys/devices/system/cpu", R, NX},
	{"/sys/devices/system/memory", R, NX},
	{"/sys/devices/system/node", R, NX},
	{"/sys/bus/pci", R, NX},
	{"/sys/class/drm", R, NX}, {"/sys/class/kfd", R, NX},
	{"/sys/devices/virtual/kfd", R, NX},
	{"/usr/bin/nvidia-modprobe", R, F},
};
/* clang-format on */

/*
 * Grants a trusted path.  Directories are canonicalised (a dozen realpath
 * calls): protected-path planning compares canonical paths, and a symlinked
 * /opt holding $HOME must not grant ~/.ssh unnoticed.  Files (most of the
 * list) are not: no syscall per entry here; the Landlock rule opens them
 * following symlinks (/etc/resolv.conf), and skips those absent on this
 * system (NONO_GRANT_OPTIONAL).
 */
/* True if a grant of @origin already gives @canon's tree exactly these
 * rights (/usr covers /bin once that resolves to /usr/bin): one Landlock
 * rule fewer for each, and a shorter listing. */
static bool covered(const struct nono_caps *caps, const char *canon,
		    unsigned acc, unsigned flags, enum nono_origin origin)
{
	for (size_t i = 0; i < nono_caps_path_count(caps); i++) {
		const struct nono_grant *g = nono_caps_path_at(caps, i);
		size_t n = strlen(g->path);

		if (g->origin == origin && g->access == acc &&
		    (g->flags & ~NONO_GRANT_OPTIONAL) == flags &&
		    strncmp(canon, g->path, n) == 0 &&
		    (canon[n] == '/' || (n == 1 && canon[0] == '/')))
			return true;
	}
	return false;
}

static int add_existing(struct nono_caps *caps, const char *path, unsigned acc,
			unsigned flags, enum nono_origin origin)
{
	char *canon;
	int r;

	if (flags & NONO_GRANT_FILE)
		return nono_caps_add_path(
		    caps, path, acc,
		    flags | NONO_GRANT_FOLLOW | NONO_GRANT_OPTIONAL, origin);
	canon = realpath(path, NULL);
	if (!canon && (errno == ENOENT || errno == ENOTDIR))
		return 0; /* absent on this system */
	if (canon && covered(caps, canon, acc, flags, origin)) {
		free(canon);
		return 0;
	}
	/* Any other failure: grant the literal path, opened following it
	 * (the ruleset skips it if it turns out to be absent). */
	r = nono_caps_add_path(caps, canon ? canon : path, acc,
			       flags | NONO_GRANT_OPTIONAL |
				   (canon ? 0 : NONO_GRANT_FOLLOW),
			       origin);
	free(canon);
	return r;
}

/*
 * A "~/" entry of a group: the user's home is the sandbox's to write in
 * other runs (--allow ~), so nothing there is trusted the way the system's
 * files are.  A directory is granted only where it is, with no link on the
 * way (a planted ~/.npm -> .ssh, or a path too long for realpath, grants
 * nothing).  A file may be a link (dotfile managers link ~/.gitconfig),
 * but only to a regular file of the user's inside the home that is not
 * protected (a planted ~/.gitignore_global -> . or -> .ssh/id_rsa grants
 * nothing).  Granted by its real path, never followed at exec.  @hc is
 * the home's real path.
 */
static int add_home_entry(struct nono_caps *caps, const char *hc,
			  const char *rel, unsigned acc, unsigned flags,
			  enum nono_origin origin)
{
	char path[PATH_MAX], canon[PATH_MAX], at[PATH_MAX];
	struct stat st;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", hc, rel) >=
		sizeof(path) ||
	    !realpath(path, canon) || stat(canon, &st) < 0)
		return 0; /* absent, or nothing nono can vouch for */
	if (!(flags & NONO_GRANT_FILE)) {
		if (strcmp(canon, path) != 0 || !S_ISDIR(st.st_mode))
			return 0;
	} else if (!S_ISREG(st.st_mode) || st.st_uid != getuid() ||
		   !nono_path_is_under(canon, hc) ||
		   nono_protect_find(hc, canon, NULL, 0, at, sizeof(at))) {
		return 0;
	}
	if (covered(caps, canon, acc, flags, origin))
		return 0;
	return nono_caps_add_path(
	    caps, canon, acc,
	    (flags & ~NONO_GRANT_FOLLOW) | NONO_GRANT_OPTIONAL, origin);
}

/* Adds table @t; "~/" entries are below @home (skipped without one). */
static int add_table(struct nono_caps *caps, const struct sys_grant *t,
		     size_t n, enum nono_origin origin, const char *home)
{
	char hc[PATH_MAX];
	bool hc_ok = false;
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		const char *p = t[i].path;

		if (strncmp(p, "~/", 2) == 0) {
			/* The home's real path, once per table. */
			if (!hc_ok && home && realpath(home, hc))
				hc_ok = true;
			if (!hc_ok)
				continue;
			r = add_home_entry(caps, hc, p + 2, t[i].access,
					   t[i].flags, origin);
			if (r < 0)
				return r;
			continue;
		}
		r = add_existing(caps, p, t[i].access, t[i].flags, origin);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The terminal the command is attached to, so full-screen programs can
 * reopen it by name.  Other terminals of the user stay out of reach: a
 * readable /dev/pts/N would let the child steal that session's keystrokes. */
static int add_own_ttys(struct nono_caps *caps)
{
	int fd, r;

	for (fd = 0; fd <= 2; fd++) {
		char name[PATH_MAX];

		if (ttyname_r(fd, name, sizeof(name)) != 0)
			continue;
		r = add_existing(caps, name, RW, DEV, NONO_ORIGIN_SYSTEM);
		if (r < 0)
			return r;
	}
	return 0;
}

#define TABLE(t) (t), sizeof(t) / sizeof((t)[0])

/* clang-format off */
static const struct nono_policy_group groups[] = {
	{"system_read", "Programs, libraries and the files of /etc that the C library, TLS and shells read; /proc; random devices", true, TABLE(system_read)},
	{"system_write", "Safe device nodes (/dev/null, /dev/tty, ...), the command's own terminal, and scratch space (/tmp, /dev/shm)", true, TABLE(system_write)},
	{"var_tmp", "/var/tmp, writable (shared between users and kept across reboots, so not by default)", false, TABLE(var_tmp_g)},
	{"node", "Node.js: npm/yarn/pnpm caches (writable), nvm, volta, bun and pnpm installs (read)", false, TABLE(node_g)},
	{"user_tools", "Tools and agents installed for the user, read and run only: ~/.local/bin, npm prefixes (~/.npm-global, ~/.local/lib/node_modules), Claude Code's and opencode's installers, fnm, mise, asdf", false, TABLE(user_tools_g)},
	{"python", "Python: pip, poetry and uv caches (writable), user site-packages, pyenv (read)", false, TABLE(python_g)},
	{"rust", "Rust: cargo registry and git caches (writable: the sandbox's own copies), cargo bin and rustup toolchains (read); crates.io tokens stay denied", false, TABLE(rust_g)},
	{"go", "Go: GOPATH (~/go) and the build cache (writable; the module and build caches the sandbox's own copies)", false, TABLE(go_g)},
	{"java", "Java: Maven and Gradle caches (writable), SDKMAN (read)", false, TABLE(java_g)},
	{"nix", "Nix: the store and the user profile (read)", false, TABLE(nix_g)},
	{"homebrew", "Homebrew on Linux: the prefix (read) and its cache (writable)", false, TABLE(homebrew_g)},
	{"user_caches", "All of ~/.cache (writable)", false, TABLE(user_caches_g)},
	{"git_config", "The user's git configuration, read-only: ~/.gitconfig, ~/.config/git (default: git stops without it)", true, TABLE(git_config_g)},
	{"gpu", "GPU devices, manifests and sysfs: only through --allow-gpu (with security.allow_gpu in a profile)", false, TABLE(gpu_grants)},
};
/* clang-format on */

size_t nono_policy_group_count(void)
{
	return sizeof(groups) / sizeof(groups[0]);
}

const struct nono_policy_group *nono_policy_group_at(size_t i)
{
	return i < nono_policy_group_count() ? &groups[i] : NULL;
}

const struct nono_policy_group *nono_policy_group_find(const char *name)
{
	for (size_t i = 0; i < nono_policy_group_count(); i++)
		if (strcmp(groups[i].name, name) == 0)
			return &groups[i];
	return NULL;
}

int nono_policy_add_group(struct nono_caps *caps,
			  const struct nono_policy_group *g, const char *home)
{
	int r;

	if (strcmp(g->name, "gpu") == 0)
		return nono_policy_add_gpu(caps, home);
	r = add_table(caps, g->entries, g->nentries,
		      g->by_default ? NONO_ORIGIN_SYSTEM : NONO_ORIGIN_GROUP,
		      home);
	if (r == 0 && strcmp(g->name, "system_write") == 0)
		r = add_own_ttys(caps);
	return r;
}

int nono_policy_add_system(struct nono_caps *caps)
{
	int r = nono_policy_add_group(caps, &groups[0], NULL);

	return r < 0 ? r : nono_policy_add_group(caps, &groups[1], NULL);
}

/* Grants every entry of @dir whose name matches @pattern. */
static int add_matching(struct nono_caps *caps, const char *dir,
			const char *pattern, unsigned access, unsigned flags)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int r = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char path[PATH_MAX];

		if (fnmatch(pattern, de->d_name, 0) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		r = add_existing(caps, path, access, flags, NONO_ORIGIN_GPU);
		if (r < 0)
			break;
	}
	closedir(d);
	return r;
}

int nono_policy_add_gpu(struct nono_caps *caps, const char *home)
{
	int r;

	r = add_table(caps, gpu_grants,
		      sizeof(gpu_grants) / sizeof(gpu_grants[0]),
		      NONO_ORIGIN_GPU, NULL);
	if (r < 0)
		return r;
	/* One node per GPU: /dev/nvidia0, /dev/nvidia1, ... */
	r = add_matching(caps, "/dev", "nvidia[0-9]*", RW, DEV);
	if (r < 0)
		return r;
	r = add_matching(caps, "/dev/nvidia-caps", "nvidia-cap*", RW, DEV);
	if (r < 0)
		return r;
	/* The PCI trees the /sys/bus/pci/devices links point into: a GPU
	 * may sit below any root complex (pci0000:00, pci0000:17, ...). */
	r = add_matching(caps, "/sys/devices", "pci[0-9a-f]*", R, NX);
	if (r < 0)
		return r;
	/* Render nodes only: card* nodes drive displays, not compute. */
	r = add_matching(caps, "/dev/dri", "renderD*", RW, DEV);
	if (r < 0)
		return r;
	if (home) {
		char nv[PATH_MAX];

		/* The driver's shader and compute cache. */
		snprintf(nv, sizeof(nv), "%s/.nv", home);
		r = add_existing(caps, nv, RW, NX, NONO_ORIGIN_GPU);
		if (r < 0)
			return r;
	}
	/* CUDA names its threads through /proc/self/task/<tid>/comm. */
	nono_caps_set_proc_self_write(caps, true);
	return 0;
}
