// SPDX-License-Identifier: Apache-2.0
/*
 * Project configuration that runs programs, refused at every depth of a
 * sealed tree (projcfg.h).  Each entry was read from the tool itself:
 *
 *  - Claude Code 2.1.197 reads .claude/settings.json and
 *    settings.local.json from the directory it starts in, and takes that
 *    directory as trusted when any directory above it is: their hooks,
 *    statusLine and apiKeyHelper run, and enableAllProjectMcpServers
 *    starts every server of the .mcp.json beside them (measured: a
 *    planted pair ran its command at the next `claude mcp list` in a
 *    subdirectory the user had used claude in).  A server approved once
 *    by name is started again with whatever command .mcp.json names then.
 *  - Codex 0.171 adds a trusted project's .codex/config.toml (notify, MCP
 *    servers) and its hooks to its configuration layers.
 *  - opencode 1.18 reads opencode.json(c), tui.json(c) and .opencode/ in
 *    every directory from where it starts up to the worktree's root,
 *    imports every plugin and tool there, and installs their
 *    dependencies.
 *  - cargo reads .cargo/config(.toml) in every directory above the one it
 *    builds in (rustc-wrapper, runners).
 *  - pre-commit, husky and lefthook, once installed as a repository's
 *    hooks, run the commands their files in the work tree name at every
 *    commit; Mercurial runs a repository's .hg/hgrc [hooks].
 */
#include <stddef.h>
#include <string.h>

#include "policy/projcfg.h"

struct entry {
	const char *dir;  /* the tool's directory, or NULL for any */
	const char *name; /* the file or directory in it */
	bool tree;        /* a directory: everything below it too */
};

/* clang-format off */
static const struct entry entries[] = {
	{".claude", "settings.json", false},
	{".claude", "settings.local.json", false},
	/* the scripts that hooks name, by Claude Code's own convention */
	{".claude", "hooks", true},
	{".codex", "config.toml", false},
	{".codex", "hooks.json", false},
	{".codex", "hooks", true},
	{".opencode", "opencode.json", false},
	{".opencode", "opencode.jsonc", false},
	{".opencode", "plugin", true},
	{".opencode", "plugins", true},
	{".opencode", "tool", true},
	{".opencode", "tools", true},
	{".opencode", "package.json", false},
	{".opencode", "node_modules", true},
	{".opencode", "bun.lock", false},
	{".opencode", "bun.lockb", false},
	{".opencode", "bunfig.toml", false},
	{".opencode", ".npmrc", false},
	/* the TUI's configuration: its plugins are imported at start (review
	 * r5, #2), from .opencode and from every directory up to the
	 * worktree's root, as opencode.json */
	{".opencode", "tui.json", false},
	{".opencode", "tui.jsonc", false},
	{".opencode", "config.json", false},
	{".cargo", "config", false},
	{".cargo", "config.toml", false},
	{NULL, ".mcp.json", false},
	{NULL, "opencode.json", false},
	{NULL, "opencode.jsonc", false},
	{NULL, "tui.json", false},
	{NULL, "tui.jsonc", false},
	/* git hook managers: once installed in a repository's hooks, they
	 * run what these name at the user's next commit. */
	{NULL, ".pre-commit-config.yaml", false},
	{NULL, ".husky", true},
	{NULL, "lefthook.yml", false},
	{NULL, "lefthook.yaml", false},
	{NULL, ".lefthook.yml", false},
	{NULL, ".lefthook.yaml", false},
	{NULL, "lefthook-local.yml", false},
	{NULL, "lefthook-local.yaml", false},
	{NULL, ".lefthook-local.yml", false},
	{NULL, ".lefthook-local.yaml", false},
	{NULL, ".lefthook", true},
	/* Mercurial: a repository's hgrc runs its [hooks] at the next hg
	 * command, and a new .hg anywhere is a repository with one. */
	{NULL, ".hg", false},
	{".hg", "hgrc", false},
};
/* clang-format on */

#define NENTRIES (sizeof(entries) / sizeof(entries[0]))

/* The component of length @n at @p equals @s. */
static bool comp_is(const char *p, size_t n, const char *s)
{
	return strlen(s) == n && strncmp(p, s, n) == 0;
}

bool nono_projcfg_refuses(const char *dir, const char *name)
{
	const char *prev = NULL, *p = dir;
	size_t prevlen = 0;

	for (size_t i = 0; i < NENTRIES; i++)
		if (!entries[i].dir && strcmp(name, entries[i].name) == 0)
			return true;
	/* Each component of @dir with the one before it (a listed tree
	 * anywhere above), and the last with @name. */
	for (;;) {
		const char *end;
		size_t n;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		end = strchr(p, '/');
		n = end ? (size_t)(end - p) : strlen(p);
		for (size_t i = 0; i < NENTRIES; i++) {
			const struct entry *e = &entries[i];

			if (e->tree &&
			    (e->dir ? prev && comp_is(prev, prevlen, e->dir) &&
					  comp_is(p, n, e->name)
				    : comp_is(p, n, e->name)))
				return true;
		}
		prev = p;
		prevlen = n;
		p += n;
	}
	for (size_t i = 0; prev && i < NENTRIES; i++)
		if (entries[i].dir && comp_is(prev, prevlen, entries[i].dir) &&
		    strcmp(name, entries[i].name) == 0)
			return true;
	return false;
}

bool nono_projcfg_refuses_new(const char *dir, const char *name)
{
	const char *base = strrchr(dir, '/');

	/* Claude Code takes <config dir>/.config.json, where it exists, as
	 * its whole global configuration, and never makes one itself: a new
	 * one is the sandbox's (an existing one it rewrites all the time;
	 * run_agentcfg.c puts its code-carrying keys back at the end). */
	return base && strcmp(base + 1, ".claude") == 0 &&
	       strcmp(name, ".config.json") == 0;
}

const char *nono_projcfg_listed_in(const char *dirname, size_t *i)
{
	for (; *i < NENTRIES; (*i)++)
		if (entries[*i].dir && strcmp(entries[*i].dir, dirname) == 0)
			return entries[(*i)++].name;
	return NULL;
}

const char *nono_projcfg_ancestor_name(size_t i)
{
	/* Read in every directory above the one a tool starts in: Claude
	 * Code's .mcp.json, cargo's config, opencode's up to the worktree's
	 * root (which, outside a repository, is /). */
	static const char *const names[] = {
	    ".mcp.json",     ".cargo",        ".cargo/config.toml",
	    ".cargo/config", "opencode.json", "opencode.jsonc",
	    "tui.json",      "tui.jsonc",     ".opencode",
	};

	return i < sizeof(names) / sizeof(names[0]) ? names[i] : NULL;
}

bool nono_projcfg_dir(const char *name)
{
	for (size_t i = 0; i < NENTRIES; i++)
		if (entries[i].dir && strcmp(name, entries[i].dir) == 0)
			return true;
	return false;
}
