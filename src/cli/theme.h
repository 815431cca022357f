/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The colour themes of the CLI: four Catppuccin flavours, Tokyo Night and a
 * colourless "minimal", chosen by flag, NONO_THEME or the config file.
 */
#ifndef NONO_CLI_THEME_H
#define NONO_CLI_THEME_H

#include <stddef.h>

/*
 * One theme.  Each escape is a complete ANSI SGR sequence (24-bit colour,
 * "\x1b[38;2;R;G;Bm"; reset is "\x1b[0m"), or "" in a colourless theme.
 * Themes are static and immutable: never free them.
 */
struct nono_theme {
	const char *name;
	const char *accent;
	const char *ok;
	const char *warn;
	const char *error;
	const char *muted;
	const char *reset;
};

/* Returns the theme named exactly @name (case-sensitive), or NULL when @name
 * is NULL or unknown. */
const struct nono_theme *nono_theme_find(const char *name);

/*
 * Picks a theme from, in order of precedence, the --theme @flag, the value
 * of NONO_THEME @env and the config file's [ui] theme @config; each may be
 * NULL.  The first non-NULL, non-empty candidate decides; without one the
 * default is mocha.  When the deciding candidate is unknown, returns mocha
 * and stores that candidate (borrowed from the caller) in *unknown so the
 * caller can warn; *unknown (@unknown may be NULL) is set to NULL otherwise.
 * Never returns NULL.
 */
const struct nono_theme *nono_theme_resolve(const char *flag, const char *env,
					    const char *config,
					    const char **unknown);

/*
 * Returns the colourless twin of @t: the same name with every escape "", for
 * output that is not a terminal or when NO_COLOR is set.  @t must be a theme
 * of this module or carry the name of one; returns NULL otherwise (and for
 * NULL).
 */
const struct nono_theme *nono_theme_plain(const struct nono_theme *t);

/* Number of themes, and the theme at index @i (NULL when @i is out of
 * range), in a stable order with the default first; for listing them. */
size_t nono_theme_count(void);
const struct nono_theme *nono_theme_at(size_t i);

#endif
