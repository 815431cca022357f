// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of the CLI colour themes: lookup by name, the precedence of
 * flag, environment and config, the shape of every escape sequence and the
 * colourless twins.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cli/theme.h"

static const char *const all_names[] = {
    "mocha", "latte", "frappe", "macchiato", "tokyo-night", "minimal",
};

#define N_NAMES (sizeof(all_names) / sizeof(all_names[0]))

static void test_find(void **state)
{
	static const char *const unknown[] = {
	    "",           "Mocha",  "MOCHA", "mocha ",  " mocha", "tokyo_night",
	    "tokyonight", "frappé", "none",  "mocha\n",
	};
	const struct nono_theme *t;
	size_t i;

	(void)state;
	for (i = 0; i < N_NAMES; i++) {
		t = nono_theme_find(all_names[i]);
		assert_non_null(t);
		assert_string_equal(t->name, all_names[i]);
	}
	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		assert_null(nono_theme_find(unknown[i]));
	assert_null(nono_theme_find(NULL));
}

static void test_list(void **state)
{
	size_t i;

	(void)state;
	assert_int_equal(nono_theme_count(), N_NAMES);
	for (i = 0; i < N_NAMES; i++) {
		assert_non_null(nono_theme_at(i));
		assert_string_equal(nono_theme_at(i)->name, all_names[i]);
		assert_ptr_equal(nono_theme_at(i),
				 nono_theme_find(all_names[i]));
	}
	assert_null(nono_theme_at(N_NAMES));
	assert_null(nono_theme_at((size_t)-1));
}

/* True when @s is exactly "\x1b[38;2;R;G;Bm" with R, G, B in 0..255 written
 * without leading zeros. */
static bool is_fg24(const char *s)
{
	const char *p;
	int i;
	int v;
	int digits;

	if (strncmp(s, "\x1b[38;2;", 7) != 0)
		return false;
	p = s + 7;
	for (i = 0; i < 3; i++) {
		v = 0;
		digits = 0;
		while (*p >= '0' && *p <= '9') {
			if (digits == 1 && v == 0)
				return false;
			v = v * 10 + (*p - '0');
			digits++;
			p++;
			if (digits > 3)
				return false;
		}
		if (digits == 0 || v > 255)
			return false;
		if (*p++ != (i < 2 ? ';' : 'm'))
			return false;
	}
	return *p == '\0';
}

static void test_fg24_checker(void **state)
{
	(void)state;
	/* The shape checker itself must reject near misses. */
	assert_true(is_fg24("\x1b[38;2;0;10;255m"));
	assert_false(is_fg24("\x1b[38;2;0;10;256m"));
	assert_false(is_fg24("\x1b[38;2;0;10m"));
	assert_false(is_fg24("\x1b[38;2;0;010;2m"));
	assert_false(is_fg24("\x1b[38;2;1;2;3mx"));
	assert_false(is_fg24("\x1b[38;5;1;2;3m"));
	assert_false(is_fg24(""));
}

static void test_escapes(void **state)
{
	const struct nono_theme *t;
	size_t i;

	(void)state;
	for (i = 0; i < nono_theme_count(); i++) {
		t = nono_theme_at(i);
		if (strcmp(t->name, "minimal") == 0) {
			assert_string_equal(t->accent, "");
			assert_string_equal(t->ok, "");
			assert_string_equal(t->warn, "");
			assert_string_equal(t->error, "");
			assert_string_equal(t->muted, "");
			assert_string_equal(t->reset, "");
			continue;
		}
		assert_true(is_fg24(t->accent));
		assert_true(is_fg24(t->ok));
		assert_true(is_fg24(t->warn));
		assert_true(is_fg24(t->error));
		assert_true(is_fg24(t->muted));
		assert_string_equal(t->reset, "\x1b[0m");
		/* Each role must be told apart from the others. */
		assert_string_not_equal(t->ok, t->error);
		assert_string_not_equal(t->ok, t->warn);
		assert_string_not_equal(t->warn, t->error);
		assert_string_not_equal(t->accent, t->muted);
	}
}

struct palette_case {
	const char *theme;
	const char *role;
	const char *want;
};

/* clang-format off */
/* Spot checks against the published palettes. */
static const struct palette_case palette_cases[] = {
	{ "mocha",       "accent", "\x1b[38;2;203;166;247m" }, /* mauve #cba6f7 */
	{ "mocha",       "error",  "\x1b[38;2;243;139;168m" }, /* red #f38ba8 */
	{ "latte",       "error",  "\x1b[38;2;210;15;57m" },   /* red #d20f39 */
	{ "latte",       "ok",     "\x1b[38;2;64;160;43m" },   /* green #40a02b */
	{ "frappe",      "warn",   "\x1b[38;2;229;200;144m" }, /* yellow #e5c890 */
	{ "macchiato",   "muted",  "\x1b[38;2;128;135;162m" }, /* overlay1 #8087a2 */
	{ "tokyo-night", "ok",     "\x1b[38;2;158;206;106m" }, /* green #9ece6a */
	{ "tokyo-night", "accent", "\x1b[38;2;122;162;247m" }, /* blue #7aa2f7 */
};
/* clang-format on */

static const char *role(const struct nono_theme *t, const char *name)
{
	if (strcmp(name, "accent") == 0)
		return t->accent;
	if (strcmp(name, "ok") == 0)
		return t->ok;
	if (strcmp(name, "warn") == 0)
		return t->warn;
	if (strcmp(name, "error") == 0)
		return t->error;
	if (strcmp(name, "muted") == 0)
		return t->muted;
	return NULL;
}

static void test_palettes(void **state)
{
	const struct palette_case *c;
	const struct nono_theme *t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(palette_cases) / sizeof(palette_cases[0]); i++) {
		c = &palette_cases[i];
		t = nono_theme_find(c->theme);
		assert_non_null(t);
		assert_string_equal(role(t, c->role), c->want);
	}
}

struct resolve_case {
	const char *flag;
	const char *env;
	const char *config;
	const char *want;
	const char *unknown; /* which input is reported, or NULL */
};

/* clang-format off */
static const struct resolve_case resolve_cases[] = {
	{ NULL,          NULL,    NULL,        "mocha",       NULL },
	{ "",            "",      "",          "mocha",       NULL },
	{ "latte",       "frappe", "macchiato", "latte",      NULL },
	{ NULL,          "frappe", "macchiato", "frappe",     NULL },
	{ "",            "frappe", "macchiato", "frappe",     NULL },
	{ NULL,          NULL,    "macchiato", "macchiato",   NULL },
	{ "",            "",      "tokyo-night", "tokyo-night", NULL },
	{ "minimal",     NULL,    "latte",     "minimal",     NULL },
	{ "mocha",       "latte", NULL,        "mocha",       NULL },
	/* An unknown deciding name gives mocha, not the next source. */
	{ "bogus",       "latte", "frappe",    "mocha",       "bogus" },
	{ NULL,          "Latte", "frappe",    "mocha",       "Latte" },
	{ "",            NULL,    "nope",      "mocha",       "nope" },
	/* A known higher source hides an unknown lower one. */
	{ "latte",       "bogus", "nope",      "latte",       NULL },
};
/* clang-format on */

static void test_resolve(void **state)
{
	const struct resolve_case *c;
	const struct nono_theme *t;
	const char *unknown;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(resolve_cases) / sizeof(resolve_cases[0]); i++) {
		c = &resolve_cases[i];
		unknown = "stale";
		t = nono_theme_resolve(c->flag, c->env, c->config, &unknown);
		assert_non_null(t);
		assert_string_equal(t->name, c->want);
		assert_ptr_equal(t, nono_theme_find(c->want));
		if (!c->unknown) {
			assert_null(unknown);
			continue;
		}
		assert_non_null(unknown);
		assert_string_equal(unknown, c->unknown);
		/* Borrowed from the caller, not copied. */
		assert_true(unknown == c->flag || unknown == c->env ||
			    unknown == c->config);
	}
	/* @unknown may be NULL. */
	t = nono_theme_resolve("bogus", NULL, NULL, NULL);
	assert_string_equal(t->name, "mocha");
	t = nono_theme_resolve(NULL, "latte", NULL, NULL);
	assert_string_equal(t->name, "latte");
}

static void assert_plain(const struct nono_theme *p, const char *name)
{
	assert_non_null(p);
	assert_string_equal(p->name, name);
	assert_string_equal(p->accent, "");
	assert_string_equal(p->ok, "");
	assert_string_equal(p->warn, "");
	assert_string_equal(p->error, "");
	assert_string_equal(p->muted, "");
	assert_string_equal(p->reset, "");
}

static void test_plain(void **state)
{
	const struct nono_theme foreign = {"latte", "a", "b", "c",
					   "d",     "e", "f"};
	const struct nono_theme stranger = {"sepia", "", "", "", "", "", ""};
	const struct nono_theme *t;
	const struct nono_theme *p;
	size_t i;

	(void)state;
	for (i = 0; i < nono_theme_count(); i++) {
		t = nono_theme_at(i);
		p = nono_theme_plain(t);
		assert_plain(p, t->name);
		/* Stable and idempotent; the colour theme is untouched. */
		assert_ptr_equal(nono_theme_plain(t), p);
		assert_ptr_equal(nono_theme_plain(p), p);
		if (strcmp(t->name, "minimal") != 0) {
			assert_ptr_not_equal(p, t);
			assert_true(is_fg24(t->accent));
		}
	}
	assert_plain(nono_theme_plain(&foreign), "latte");
	assert_null(nono_theme_plain(&stranger));
	assert_null(nono_theme_plain(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_find),         cmocka_unit_test(test_list),
	    cmocka_unit_test(test_fg24_checker), cmocka_unit_test(test_escapes),
	    cmocka_unit_test(test_palettes),     cmocka_unit_test(test_resolve),
	    cmocka_unit_test(test_plain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
