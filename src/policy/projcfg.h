/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Project configuration that runs programs: files that an agent or a
 * build tool reads from the directory it is started in (or any directory
 * above it), and that make it start a program without asking.  Claude
 * Code's .claude/settings.json (hooks, and enableAllProjectMcpServers with
 * a .mcp.json beside it), Codex's .codex/config.toml, opencode's
 * opencode.json and .opencode/plugin, cargo's .cargo/config.toml.  A
 * user starts the tool in any directory of a project, so these names are
 * refused at every depth of a sealed tree, not only at its root.  Pure
 * string logic on canonical paths; the gate decides on the directory fd
 * it opened (supervisor/fsgate.c).
 */
#ifndef NONO_POLICY_PROJCFG_H
#define NONO_POLICY_PROJCFG_H

#include <stdbool.h>
#include <stddef.h>

/*
 * True when @name, made or written in the directory @dir (a canonical
 * absolute path), is project configuration that runs programs: a listed
 * file of a tool's directory (dir ".claude", name "settings.json"), a
 * listed name of any directory (".mcp.json"), or anything at any depth
 * inside a listed directory (".claude/hooks/...").
 */
bool nono_projcfg_refuses(const char *dir, const char *name);

/*
 * True when @name in @dir is refused only where it does not exist yet
 * (.claude/.config.json: a tool rewrites an existing one, and never makes
 * one).
 */
bool nono_projcfg_refuses_new(const char *dir, const char *name);

/*
 * The listed names of a tool's directory named @dirname (".claude":
 * "settings.json", ...), one per call from *@i (start at 0); NULL past
 * the last.
 */
const char *nono_projcfg_listed_in(const char *dirname, size_t *i);

/*
 * The names (relative, one or two components) that a tool reads in every
 * directory above the one it starts in: .mcp.json, .cargo/config.toml,
 * ...; entry @i, NULL past the last.
 */
const char *nono_projcfg_ancestor_name(size_t i);

/*
 * True when @name is a tool's configuration directory (".claude",
 * ".codex", ".opencode", ".cargo"): it may be made empty (mkdir), where
 * each listed file is then refused, but not brought in whole by a rename
 * or a symlink, which would bring its files ready-made.
 */
bool nono_projcfg_dir(const char *name);

#endif
