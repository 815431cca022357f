// SPDX-License-Identifier: Apache-2.0
/*
 * The table of CLI colour themes and the rule that picks one of them.
 *
 * Themes are compile-time constants: a theme name read from the
 * environment or the config file only ever selects a row, so no escape
 * sequence in the output comes from user-controlled bytes.
 */
#include <stddef.h>
#include <string.h>

#include "cli/theme.h"

/* 24-bit foreground colour from decimal components. */
#define FG(r, g, b) "\x1b[38;2;" #r ";" #g ";" #b "m"
#define RESET "\x1b[0m"

/*
 * Catppuccin roles: accent = mauve, ok = green, warn = yellow, error = red,
 * muted = overlay1 (https://catppuccin.com/palette).  Tokyo Night (night):
 * accent = blue, muted = comment.  Index 0 is the default.
 */
/* clang-format off */
static const struct nono_theme themes[] = {
	{ "mocha",
	  FG(203, 166, 247), FG(166, 227, 161), FG(249, 226, 175),
	  FG(243, 139, 168), FG(127, 132, 156), RESET },
	{ "latte",
	  FG(136, 57, 239),  FG(64, 160, 43),   FG(223, 142, 29),
	  FG(210, 15, 57),   FG(140, 143, 161), RESET },
	{ "frappe",
	  FG(202, 158, 230), FG(166, 209, 137), FG(229, 200, 144),
	  FG(231, 130, 132), FG(131, 139, 167), RESET },
	{ "macchiato",
	  FG(198, 160, 246), FG(166, 218, 149), FG(238, 212, 159),
	  FG(237, 135, 150), FG(128, 135, 162), RESET },
	{ "tokyo-night",
	  FG(122, 162, 247), FG(158, 206, 106), FG(224, 175, 104),
	  FG(247, 118, 142), FG(86, 95, 137),   RESET },
	{ "minimal", "", "", "", "", "", "" },
};

#define PLAIN(n) { n, "", "", "", "", "", "" }

/* Same order as themes[]. */
static const struct nono_theme plain_themes[] = {
	PLAIN("mocha"),
	PLAIN("latte"),
	PLAIN("frappe"),
	PLAIN("macchiato"),
	PLAIN("tokyo-night"),
	PLAIN("minimal"),
};
/* clang-format on */

#define N_THEMES (sizeof(themes) / sizeof(themes[0]))

_Static_assert(sizeof(plain_themes) == sizeof(themes),
	       "plain_themes[] must mirror themes[]");

static size_t find_index(const char *name)
{
	size_t i;

	if (!name)
		return N_THEMES;
	for (i = 0; i < N_THEMES; i++) {
		if (strcmp(themes[i].name, name) == 0)
			break;
	}
	return i;
}

const struct nono_theme *nono_theme_find(const char *name)
{
	size_t i = find_index(name);

	return i < N_THEMES ? &themes[i] : NULL;
}

const struct nono_theme *nono_theme_resolve(const char *flag, const char *env,
					    const char *config,
					    const char **unknown)
{
	const char *const order[] = {flag, env, config};
	const struct nono_theme *t;
	size_t i;

	if (unknown)
		*unknown = NULL;
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (!order[i] || !order[i][0])
			continue;
		t = nono_theme_find(order[i]);
		if (t)
			return t;
		/* An unknown name falls back to the default rather than
		 * to a lower-precedence source, so the warning the caller
		 * prints names the setting that is actually being ignored. */
		if (unknown)
			*unknown = order[i];
		break;
	}
	return &themes[0];
}

const struct nono_theme *nono_theme_plain(const struct nono_theme *t)
{
	size_t i;

	if (!t)
		return NULL;
	if (t >= plain_themes && t < plain_themes + N_THEMES)
		return t;
	i = find_index(t->name);
	return i < N_THEMES ? &plain_themes[i] : NULL;
}

size_t nono_theme_count(void)
{
	return N_THEMES;
}

const struct nono_theme *nono_theme_at(size_t i)
{
	return i < N_THEMES ? &themes[i] : NULL;
}
