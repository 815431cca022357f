/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The files a Claude Code settings file names in the commands it runs
 * without asking: its hooks, statusLine, apiKeyHelper and the cloud
 * credential helpers.  A hook is usually a script of the project's
 * ("$CLAUDE_PROJECT_DIR"/.claude/scripts/lint.sh) or of the home's
 * (~/.claude/statusline-command.sh): the settings file is kept read-only,
 * and so must be what it runs (review r5, #5).  Pure: text in, paths out.
 */
#ifndef NONO_POLICY_HOOKREFS_H
#define NONO_POLICY_HOOKREFS_H

#include <stddef.h>

/* At most this many paths from one settings file. */
#define NONO_HOOKREFS_MAX 64

/*
 * Calls @fn with each path the commands in the settings @text (@len bytes
 * of JSON) name: a word with a '/' ($CLAUDE_PROJECT_DIR/..., ~/..., $HOME/...,
 * an absolute path, or one relative to @project, where Claude Code runs
 * its hooks), or a later word without one that names a file in @project
 * (`python3 hook.py`; @exists says whether a path is a regular file).
 * Quotes are dropped, words split at blanks and at ; | & ( ) < >.  @fn
 * returning < 0 stops the walk with that value.  Returns the number of
 * paths passed, or -EINVAL for text that is not a JSON object.
 */
int nono_hookrefs_each(const char *text, size_t len, const char *project,
		       const char *home, int (*exists)(const char *path),
		       int (*fn)(const char *path, void *arg), void *arg);

#endif
