// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of the config file parser: tables of valid files and of every
 * error class with its exact message, hostile and truncated bytes, the
 * ceilings, and loading from missing, unreadable and non-regular paths in a
 * temporary directory under /tmp.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include "cli/config.h"
#include "nono/error.h"

/* A string literal with its length, embedded NULs included. */
#define LIT(s) s, sizeof(s) - 1

/*
 * Parses a private heap copy of exactly @len bytes, so that ASan reports
 * any read past the end.  *cfg is filled with garbage first to check that
 * the parser resets it.
 */
static int parse(const char *in, size_t len, struct nono_config *cfg, char *err,
		 size_t errlen)
{
	char *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	if (len)
		memcpy(copy, in, len);
	memset(cfg, 0xa5, sizeof(*cfg));
	r = nono_config_parse(len ? copy : NULL, len, cfg, err, errlen);
	free(copy);
	return r;
}

static void assert_cfg_empty(const struct nono_config *cfg)
{
	assert_null(cfg->ui_theme);
	assert_null(cfg->redaction_extra_flags);
	assert_int_equal(cfg->n_redaction_extra_flags, 0);
	assert_null(cfg->redaction_extra_headers);
	assert_int_equal(cfg->n_redaction_extra_headers, 0);
	assert_null(cfg->redaction_extra_query_keys);
	assert_int_equal(cfg->n_redaction_extra_query_keys, 0);
	assert_false(cfg->redaction_unsafe_overrides);
	assert_null(cfg->redaction_allow_unredacted);
	assert_int_equal(cfg->n_redaction_allow_unredacted, 0);
}

/* Compares a parsed list with a NULL-terminated expectation. */
static void assert_list(char **got, size_t n, const char *const *want)
{
	size_t i;

	for (i = 0; want[i]; i++) {
		assert_true(i < n);
		assert_string_equal(got[i], want[i]);
	}
	assert_int_equal(n, i);
	if (n == 0)
		assert_null(got);
}

/* ---- valid files ---- */

struct valid_case {
	const char *name;
	const char *in;
	size_t len;
	const char *theme;
	const char *flags[5];
	const char *headers[5];
	const char *query[5];
	const char *allow[5];
	bool unsafe;
};

/* clang-format off */
static const struct valid_case valid_cases[] = {
	{ "empty", LIT(""), NULL, {0}, {0}, {0}, {0}, false },
	{ "comments and blanks",
	  LIT("# nono\n\n   \t\n# [ui]\r\n  # theme = 'x'\n"),
	  NULL, {0}, {0}, {0}, {0}, false },
	{ "every key",
	  LIT("# user config\n"
	      "[ui]\n"
	      "theme = \"latte\"\n"
	      "\n"
	      "[redaction]\n"
	      "extra_flags = [\"--token\", \"--api-key\"]\n"
	      "extra_headers = ['X-Secret']\n"
	      "extra_query_keys = [\"sig\", 'sessionid', \"k\"]\n"
	      "unsafe_redaction_overrides = true\n"
	      "allow_unredacted_defaults = [\"authorization\"]\n"),
	  "latte", {"--token", "--api-key"}, {"X-Secret"},
	  {"sig", "sessionid", "k"}, {"authorization"}, true },
	{ "sections in any order, no final newline",
	  LIT("[redaction]\nunsafe_redaction_overrides = false\n[ui]\n"
	      "theme = 'frappe'"),
	  "frappe", {0}, {0}, {0}, {0}, false },
	{ "CRLF line ends",
	  LIT("[ui]\r\ntheme = \"mocha\"\r\n[redaction]\r\n"
	      "extra_flags = [\r\n \"a\",\r\n]\r\n"),
	  "mocha", {"a"}, {0}, {0}, {0}, false },
	{ "whitespace and comments everywhere",
	  LIT("  [ ui ]  # ui\n\ttheme\t=\t'x' # c\n[redaction]#r\n"
	      "unsafe_redaction_overrides=true#t\n"),
	  "x", {0}, {0}, {0}, {0}, true },
	{ "basic string escapes",
	  LIT("[ui]\ntheme = \"q\\\"b\\\\n\\nt\\tu\\u00e9\\u20AC\"\n"),
	  "q\"b\\n\nt\tu\xc3\xa9\xe2\x82\xac", {0}, {0}, {0}, {0}, false },
	{ "literal string keeps backslashes",
	  LIT("[ui]\ntheme = 'C:\\path\\n\"'\n"),
	  "C:\\path\\n\"", {0}, {0}, {0}, {0}, false },
	{ "raw UTF-8 in strings",
	  LIT("[ui]\ntheme = \"caf\xc3\xa9 \xf0\x9f\x98\x80\"\n"),
	  "caf\xc3\xa9 \xf0\x9f\x98\x80", {0}, {0}, {0}, {0}, false },
	{ "empty strings and empty array",
	  LIT("[ui]\ntheme = \"\"\n[redaction]\nextra_flags = []\n"
	      "extra_headers = [ '' ]\n"),
	  "", {0}, {""}, {0}, {0}, false },
	{ "multi-line array with comments and trailing comma",
	  LIT("[redaction]\nextra_headers = [ # open\n"
	      "  \"X-A\", # first\n"
	      "\n"
	      "  # between\n"
	      "  'X-B' ,\n"
	      "  \"X-C\",\n"
	      "] # close\n"),
	  NULL, {0}, {"X-A", "X-B", "X-C"}, {0}, {0}, false },
	{ "byte order mark",
	  LIT("\xef\xbb\xbf[ui]\ntheme = 'latte'\n"),
	  "latte", {0}, {0}, {0}, {0}, false },
	{ "empty sections",
	  LIT("[ui]\n[redaction]\n"),
	  NULL, {0}, {0}, {0}, {0}, false },
};
/* clang-format on */

static void test_valid(void **state)
{
	struct nono_config cfg;
	char err[256];
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++) {
		const struct valid_case *c = &valid_cases[i];

		strcpy(err, "stale");
		r = parse(c->in, c->len, &cfg, err, sizeof(err));
		if (r)
			print_message("# valid case '%s': %s\n", c->name, err);
		assert_int_equal(r, 0);
		assert_string_equal(err, "");
		if (c->theme)
			assert_string_equal(cfg.ui_theme, c->theme);
		else
			assert_null(cfg.ui_theme);
		assert_list(cfg.redaction_extra_flags,
			    cfg.n_redaction_extra_flags, c->flags);
		assert_list(cfg.redaction_extra_headers,
			    cfg.n_redaction_extra_headers, c->headers);
		assert_list(cfg.redaction_extra_query_keys,
			    cfg.n_redaction_extra_query_keys, c->query);
		assert_list(cfg.redaction_allow_unredacted,
			    cfg.n_redaction_allow_unredacted, c->allow);
		assert_int_equal(cfg.redaction_unsafe_overrides, c->unsafe);
		nono_config_clear(&cfg);
		assert_cfg_empty(&cfg);
	}
}

/* ---- errors, each with its exact message ---- */

struct error_case {
	const char *in;
	size_t len;
	const char *msg;
};

/* clang-format off */
static const struct error_case error_cases[] = {
	/* unknown and misplaced names */
	{ LIT("[foo]\n"), "line 1: unknown section [foo]" },
	{ LIT("[ui]\n\nfoo = \"x\"\n"), "line 3: unknown key 'foo' in [ui]" },
	{ LIT("theme = 'x'\n"), "line 1: unknown key 'theme' outside any section" },
	{ LIT("[redaction]\ntheme = 'x'\n"),
	  "line 2: unknown key 'theme' in [redaction]" },
	{ LIT("[redaction]\nunsafe_redaction_override = true\n"),
	  "line 2: unknown key 'unsafe_redaction_override' in [redaction]" },
	{ LIT("[UI]\n"), "line 1: unknown section [UI]" },
	/* duplicates */
	{ LIT("[ui]\ntheme = 'a'\ntheme = 'b'\n"),
	  "line 3: duplicate key 'theme' in [ui]" },
	{ LIT("[ui]\n[redaction]\n[ui]\n"), "line 3: duplicate section [ui]" },
	{ LIT("[redaction]\nextra_flags = []\nextra_flags = ['a']\n"),
	  "line 3: duplicate key 'extra_flags' in [redaction]" },
	/* wrong value types */
	{ LIT("[ui]\ntheme = true\n"), "line 2: 'theme' in [ui] must be a string" },
	{ LIT("[ui]\ntheme = ['a']\n"), "line 2: 'theme' in [ui] must be a string" },
	{ LIT("[ui]\ntheme = 42\n"), "line 2: 'theme' in [ui] must be a string" },
	{ LIT("[ui]\ntheme = {a = 'b'}\n"),
	  "line 2: 'theme' in [ui] must be a string" },
	{ LIT("[redaction]\nextra_flags = '--x'\n"),
	  "line 2: 'extra_flags' in [redaction] must be an array of strings" },
	{ LIT("[redaction]\nextra_headers = [true]\n"),
	  "line 2: 'extra_headers' in [redaction] must be an array of strings" },
	{ LIT("[redaction]\nextra_query_keys = [['a']]\n"),
	  "line 2: 'extra_query_keys' in [redaction] must be an array of strings" },
	{ LIT("[redaction]\nallow_unredacted_defaults = ['a', 1]\n"),
	  "line 2: 'allow_unredacted_defaults' in [redaction] must be an array of strings" },
	{ LIT("[redaction]\nunsafe_redaction_overrides = 'true'\n"),
	  "line 2: 'unsafe_redaction_overrides' in [redaction] must be true or false" },
	{ LIT("[redaction]\nunsafe_redaction_overrides = 1\n"),
	  "line 2: 'unsafe_redaction_overrides' in [redaction] must be true or false" },
	{ LIT("[redaction]\nunsafe_redaction_overrides = tru\n"),
	  "line 2: invalid value (expected true or false)" },
	{ LIT("[redaction]\nunsafe_redaction_overrides = trueish\n"),
	  "line 2: invalid value (expected true or false)" },
	{ LIT("[redaction]\nunsafe_redaction_overrides = TRUE\n"),
	  "line 2: 'unsafe_redaction_overrides' in [redaction] must be true or false" },
	/* structure */
	{ LIT("[ui]\ntheme =\n"), "line 2: missing value for 'theme'" },
	{ LIT("[ui]\ntheme = # none\n"), "line 2: missing value for 'theme'" },
	{ LIT("[ui]\ntheme ="), "line 2: missing value for 'theme'" },
	{ LIT("[ui]\ntheme 'x'\n"), "line 2: unexpected ''' after key (expected '=')" },
	{ LIT("[ui]\ntheme\n"), "line 2: unexpected end of line after key (expected '=')" },
	{ LIT("[ui]\ntheme = 'x' y\n"), "line 2: unexpected 'y' after value" },
	{ LIT("[ui]\ntheme = 'x' 'y'\n"), "line 2: unexpected ''' after value" },
	{ LIT("[ui] x\n"), "line 1: unexpected 'x' after section header" },
	{ LIT("[ui\n"), "line 1: unexpected end of line in section header (expected ']')" },
	{ LIT("[ui"), "line 1: unexpected end of file in section header (expected ']')" },
	{ LIT("[ui.x]\n"), "line 1: unexpected '.' in section header (expected ']')" },
	{ LIT("[]\n"), "line 1: unexpected ']' in section header" },
	{ LIT("[[ui]]\n"), "line 1: arrays of tables are not supported" },
	{ LIT("\"theme\" = 'x'\n"), "line 1: quoted keys are not supported" },
	{ LIT("= 'x'\n"), "line 1: unexpected '=' at start of line" },
	{ LIT("[ui]\ntheme.x = 'a'\n"), "line 2: unexpected '.' after key (expected '=')" },
	{ LIT("[ui]\n" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa = 1\n"),
	  "line 2: name longer than 64 bytes" },
	/* strings */
	{ LIT("[ui]\ntheme = \"abc\n"), "line 2: unterminated string" },
	{ LIT("[ui]\ntheme = \"abc"), "line 2: unterminated string" },
	{ LIT("[ui]\ntheme = 'abc\n"), "line 2: unterminated string" },
	{ LIT("[ui]\ntheme = \"abc\\"), "line 2: unterminated string" },
	{ LIT("[ui]\ntheme = \"\"\"x\"\"\"\n"), "line 2: multi-line strings are not supported" },
	{ LIT("[ui]\ntheme = '''x'''\n"), "line 2: multi-line strings are not supported" },
	{ LIT("[ui]\ntheme = \"a\\xb\"\n"), "line 2: invalid escape '\\x'" },
	{ LIT("[ui]\ntheme = \"a\\0\"\n"), "line 2: invalid escape '\\0'" },
	{ LIT("[ui]\ntheme = \"a\\r\"\n"), "line 2: invalid escape '\\r'" },
	{ LIT("[ui]\ntheme = \"a\\ b\"\n"), "line 2: invalid escape" },
	{ LIT("[ui]\ntheme = \"\\U0001F600\"\n"), "line 2: invalid escape '\\U'" },
	{ LIT("[ui]\ntheme = \"\\u12\"\n"), "line 2: invalid \\u escape" },
	{ LIT("[ui]\ntheme = \"\\u12"), "line 2: truncated \\u escape" },
	{ LIT("[ui]\ntheme = \"\\uzzzz\"\n"), "line 2: invalid \\u escape" },
	{ LIT("[ui]\ntheme = \"\\ud800\"\n"), "line 2: \\u escape of a surrogate (U+D800)" },
	{ LIT("[ui]\ntheme = \"\\u0000\"\n"), "line 2: \\u escape of a control character (U+0000)" },
	{ LIT("[ui]\ntheme = \"\\u001b[31m\"\n"), "line 2: \\u escape of a control character (U+001B)" },
	{ LIT("[ui]\ntheme = \"\\u009B\"\n"), "line 2: \\u escape of a control character (U+009B)" },
	{ LIT("[ui]\ntheme = \"\\u007f\"\n"), "line 2: \\u escape of a control character (U+007F)" },
	/* arrays */
	{ LIT("[redaction]\nextra_flags = [\"a\",\n\"b\"\n"),
	  "line 4: unterminated array (opened on line 2)" },
	{ LIT("[redaction]\nextra_flags = ["), "line 2: unterminated array (opened on line 2)" },
	{ LIT("[redaction]\nextra_flags = [\"a\" \"b\"]\n"),
	  "line 2: unexpected '\"' in array (expected ',' or ']')" },
	{ LIT("[redaction]\nextra_flags = [,]\n"), "line 2: unexpected ',' in array" },
	{ LIT("[redaction]\nextra_flags = ['a',,]\n"), "line 2: unexpected ',' in array" },
	{ LIT("[redaction]\nextra_flags = ['a'] x\n"), "line 2: unexpected 'x' after value" },
	{ LIT("[redaction]\nextra_flags = ['a\n']\n"), "line 2: unterminated string" },
	/* hostile bytes */
	{ LIT("[ui]\ntheme = \"a\0b\"\n"), "line 2: NUL byte" },
	{ LIT("# ok\n\n# \0\n"), "line 3: NUL byte" },
	{ LIT("\0"), "line 1: NUL byte" },
	{ LIT("[ui]\ntheme = \"\x1b[31m\"\n"), "line 2: control character U+001B" },
	{ LIT("[ui]\ntheme = 'a\x7f'\n"), "line 2: control character U+007F" },
	{ LIT("[ui]\ntheme = 'a\xc2\x9b'\n"), "line 2: control character U+009B" },
	{ LIT("# \x01\n"), "line 1: control character U+0001" },
	{ LIT("[ui]\n\ntheme = '\xff'\n"), "line 3: invalid UTF-8 (byte 0xff)" },
	{ LIT("[ui]\ntheme = '\xc0\xaf'\n"), "line 2: invalid UTF-8 (byte 0xc0)" },
	{ LIT("[ui]\ntheme = '\xe0\x80\xaf'\n"), "line 2: invalid UTF-8 (byte 0xe0)" },
	{ LIT("[ui]\ntheme = '\xed\xa0\x80'\n"), "line 2: invalid UTF-8 (byte 0xed)" },
	{ LIT("[ui]\ntheme = '\xf4\x90\x80\x80'\n"), "line 2: invalid UTF-8 (byte 0xf4)" },
	{ LIT("[ui]\ntheme = '\x80'\n"), "line 2: invalid UTF-8 (byte 0x80)" },
	{ LIT("[ui]\ntheme = 'x'\n\xe2\x82"), "line 3: invalid UTF-8 (byte 0xe2)" },
	{ LIT("[ui]\rtheme = 'x'\n"), "line 1: carriage return not followed by newline" },
	{ LIT("[ui]\ntheme = 'x' # c\r"), "line 2: carriage return not followed by newline" },
	{ LIT("\xef\xbb\xbf\xef\xbb\xbf[ui]\n"), "line 1: unexpected byte 0xef at start of line" },
	{ LIT("[rollback]\nkeep = -1\n"), "line 2: 'keep' in [rollback] must be a whole number (0 to 999999)" },
	{ LIT("[rollback]\nkeep = 1234567\n"), "line 2: invalid value (expected a whole number, 0 to 999999)" },
	{ LIT("[rollback]\nkeep = 12x\n"), "line 2: invalid value (expected a whole number, 0 to 999999)" },
	{ LIT("[rollback]\nkeep = \"3\"\n"), "line 2: 'keep' in [rollback] must be a whole number (0 to 999999)" },
	{ LIT("[rollback]\nolder_than = \"soon\"\n"), "line 2: 'older_than' in [rollback] must be an age such as \"30d\", \"12h\" or \"90m\"" },
	{ LIT("[rollback]\nolder_than = 30\n"), "line 2: 'older_than' in [rollback] must be a string" },
	{ LIT("[ui]\ntheme = 5\n"), "line 2: 'theme' in [ui] must be a string" },
};
/* clang-format on */

/* [rollback] retention: a whole number and an age. */
static void test_rollback_section(void **state)
{
	static const char in[] = "[rollback]\nkeep = 20 # sessions\n"
				 "older_than = \"30d\"\n";
	struct nono_config cfg;
	char err[256];

	(void)state;
	assert_int_equal(parse(in, sizeof(in) - 1, &cfg, err, sizeof(err)), 0);
	assert_true(cfg.rollback_keep_set);
	assert_int_equal(cfg.rollback_keep, 20);
	assert_string_equal(cfg.rollback_older_than, "30d");
	nono_config_clear(&cfg);
	assert_int_equal(
	    parse("[rollback]\nkeep = 0\n", 20, &cfg, err, sizeof(err)), 0);
	assert_true(cfg.rollback_keep_set);
	assert_int_equal(cfg.rollback_keep, 0);
	nono_config_clear(&cfg);
}

static void test_errors(void **state)
{
	struct nono_config cfg;
	char err[256];
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		const struct error_case *c = &error_cases[i];

		r = parse(c->in, c->len, &cfg, err, sizeof(err));
		if (r != -NONO_EPARSE)
			print_message("# error case '%s' gave %d\n", c->msg, r);
		assert_int_equal(r, -NONO_EPARSE);
		assert_string_equal(err, c->msg);
		assert_cfg_empty(&cfg);
		nono_config_clear(&cfg);
	}
}

/* Repeats @unit @n times between @head and @tail in a heap buffer. */
static char *build(const char *head, const char *unit, size_t n,
		   const char *tail, size_t *len)
{
	size_t hl = strlen(head);
	size_t ul = strlen(unit);
	size_t tl = strlen(tail);
	char *buf = malloc(hl + ul * n + tl + 1);
	size_t i;
	size_t off = 0;

	assert_non_null(buf);
	memcpy(buf, head, hl);
	off = hl;
	for (i = 0; i < n; i++) {
		memcpy(buf + off, unit, ul);
		off += ul;
	}
	memcpy(buf + off, tail, tl);
	off += tl;
	buf[off] = '\0';
	*len = off;
	return buf;
}

static void test_list_ceiling(void **state)
{
	struct nono_config cfg;
	char err[256];
	size_t len;
	char *buf;
	int r;

	(void)state;
	buf = build("[redaction]\nextra_flags = [\n", "'x',\n",
		    NONO_CONFIG_MAX_LIST, "]\n", &len);
	r = parse(buf, len, &cfg, err, sizeof(err));
	free(buf);
	assert_int_equal(r, 0);
	assert_int_equal(cfg.n_redaction_extra_flags, NONO_CONFIG_MAX_LIST);
	assert_string_equal(cfg.redaction_extra_flags[NONO_CONFIG_MAX_LIST - 1],
			    "x");
	nono_config_clear(&cfg);

	buf = build("[redaction]\nextra_flags = [\n", "'x',\n",
		    NONO_CONFIG_MAX_LIST + 1, "]\n", &len);
	r = parse(buf, len, &cfg, err, sizeof(err));
	free(buf);
	assert_int_equal(r, -NONO_EPARSE);
	/* Item 257 sits on line 2 + 257. */
	assert_string_equal(err,
			    "line 259: 'extra_flags' has more than 256 items");
	assert_cfg_empty(&cfg);
}

static void test_string_ceiling(void **state)
{
	struct nono_config cfg;
	char err[256];
	size_t len;
	char *buf;
	int r;

	(void)state;
	buf =
	    build("[ui]\ntheme = '", "a", NONO_CONFIG_MAX_STRING, "'\n", &len);
	r = parse(buf, len, &cfg, err, sizeof(err));
	free(buf);
	assert_int_equal(r, 0);
	assert_int_equal(strlen(cfg.ui_theme), NONO_CONFIG_MAX_STRING);
	nono_config_clear(&cfg);

	buf = build("[ui]\ntheme = '", "a", NONO_CONFIG_MAX_STRING + 1, "'\n",
		    &len);
	r = parse(buf, len, &cfg, err, sizeof(err));
	free(buf);
	assert_int_equal(r, -NONO_EPARSE);
	assert_string_equal(err, "line 2: string longer than 4096 bytes");
	assert_cfg_empty(&cfg);

	/* Escapes count by their decoded size: 2048 x "é" is 4096 bytes. */
	buf = build("[ui]\ntheme = \"", "\\u00e9", NONO_CONFIG_MAX_STRING / 2,
		    "\"\n", &len);
	r = parse(buf, len, &cfg, err, sizeof(err));
	free(buf);
	assert_int_equal(r, 0);
	assert_int_equal(strlen(cfg.ui_theme), NONO_CONFIG_MAX_STRING);
	nono_config_clear(&cfg);

	/* 1 + 3 * 1365 = 4096 bytes fit; one more euro sign does not, and
	 * the ceiling is hit in the middle of its encoding. */
	buf = build("[ui]\ntheme = \"a", "\\u20ac", NONO_CONFIG_MAX_STRING / 3,
		    "\"\n", &len);
	r = parse(buf, len, &cfg, err, sizeof(err));
	free(buf);
	assert_int_equal(r, 0);
	assert_int_equal(strlen(cfg.ui_theme), NONO_CONFIG_MAX_STRING);
	nono_config_clear(&cfg);

	buf = build("[ui]\ntheme = \"a", "\\u20ac",
		    NONO_CONFIG_MAX_STRING / 3 + 1, "\"\n", &len);
	r = parse(buf, len, &cfg, err, sizeof(err));
	free(buf);
	assert_int_equal(r, -NONO_EPARSE);
	assert_string_equal(err, "line 2: string longer than 4096 bytes");
}

static void test_size_ceiling(void **state)
{
	struct nono_config cfg;
	char err[256];
	char *buf;
	int r;

	(void)state;
	buf = malloc(NONO_CONFIG_MAX_BYTES + 1);
	assert_non_null(buf);
	memset(buf, '\n', NONO_CONFIG_MAX_BYTES + 1);

	r = parse(buf, NONO_CONFIG_MAX_BYTES, &cfg, err, sizeof(err));
	assert_int_equal(r, 0);
	nono_config_clear(&cfg);

	r = parse(buf, NONO_CONFIG_MAX_BYTES + 1, &cfg, err, sizeof(err));
	assert_int_equal(r, -NONO_ETOOBIG);
	assert_string_equal(err, "262145 bytes, over the limit of 262144");
	assert_cfg_empty(&cfg);
	free(buf);
}

static void test_bad_arguments(void **state)
{
	struct nono_config cfg;
	char err[8];
	int r;

	(void)state;
	r = nono_config_parse("", 0, NULL, NULL, 0);
	assert_int_equal(r, -EINVAL);
	memset(&cfg, 0xa5, sizeof(cfg));
	r = nono_config_parse(NULL, 1, &cfg, NULL, 0);
	assert_int_equal(r, -EINVAL);
	assert_cfg_empty(&cfg);
	r = nono_config_parse(NULL, 0, &cfg, NULL, 0);
	assert_int_equal(r, 0);
	assert_cfg_empty(&cfg);

	/* A short error buffer is truncated and stays NUL-terminated. */
	r = parse(LIT("[nope]\n"), &cfg, err, sizeof(err));
	assert_int_equal(r, -NONO_EPARSE);
	assert_string_equal(err, "line 1:");
	/* No error buffer at all. */
	r = parse(LIT("[nope]\n"), &cfg, NULL, 0);
	assert_int_equal(r, -NONO_EPARSE);
	r = parse(LIT("[nope]\n"), &cfg, err, 0);
	assert_int_equal(r, -NONO_EPARSE);

	/* Clearing NULL or twice is harmless. */
	nono_config_clear(NULL);
	r = parse(LIT("[ui]\ntheme = 'x'\n"), &cfg, err, sizeof(err));
	assert_int_equal(r, 0);
	nono_config_clear(&cfg);
	nono_config_clear(&cfg);
	assert_cfg_empty(&cfg);
}

/* ---- hostile input: truncations, byte flips, noise ---- */

static const char full_doc[] =
    "\xef\xbb\xbf# c\r\n"
    "[ui]\n"
    "theme = \"l\\u00e9\\t\\\"x\\\\\" # t\n"
    "[redaction]\n"
    "extra_flags = [ \"--a\", '--b', # c\n"
    "  \"\\n\",\n"
    "]\n"
    "extra_headers = []\n"
    "extra_query_keys = ['q']\n"
    "unsafe_redaction_overrides = false\n"
    "allow_unredacted_defaults = [\"caf\xc3\xa9\"]\n";

/* Whatever the input, the result is 0 or -NONO_EPARSE, and a failure
 * leaves the config empty; a success holds bounded values. */
static void check_outcome(int r, struct nono_config *cfg)
{
	size_t i;

	if (r != 0) {
		assert_int_equal(r, -NONO_EPARSE);
		assert_cfg_empty(cfg);
		return;
	}
	if (cfg->ui_theme)
		assert_true(strlen(cfg->ui_theme) <= NONO_CONFIG_MAX_STRING);
	assert_true(cfg->n_redaction_extra_flags <= NONO_CONFIG_MAX_LIST);
	for (i = 0; i < cfg->n_redaction_extra_flags; i++)
		assert_true(strlen(cfg->redaction_extra_flags[i]) <=
			    NONO_CONFIG_MAX_STRING);
	nono_config_clear(cfg);
}

static void test_truncations(void **state)
{
	struct nono_config cfg;
	char err[256];
	size_t len = sizeof(full_doc) - 1;
	size_t ok = 0;
	size_t i;
	int r;

	(void)state;
	r = parse(full_doc, len, &cfg, err, sizeof(err));
	assert_int_equal(r, 0);
	assert_string_equal(cfg.ui_theme, "l\xc3\xa9\t\"x\\");
	assert_int_equal(cfg.n_redaction_extra_flags, 3);
	assert_string_equal(cfg.redaction_extra_flags[2], "\n");
	assert_string_equal(cfg.redaction_allow_unredacted[0], "caf\xc3\xa9");
	nono_config_clear(&cfg);

	/* Every prefix, each in an exact-size heap copy. */
	for (i = 0; i < len; i++) {
		r = parse(full_doc, i, &cfg, err, sizeof(err));
		if (r == 0)
			ok++;
		check_outcome(r, &cfg);
	}
	/* Cuts between lines parse, cuts inside a value do not. */
	assert_true(ok > 3);
	assert_true(ok < len / 2);
}

static void test_byte_flips(void **state)
{
	static const unsigned char subst[] = {0x00, 0x01, '\r', '\n', '"',
					      '\'', '\\', '[',  ']',  ',',
					      '#',  '=',  0x80, 0xc3, 0xff};
	char doc[sizeof(full_doc)];
	struct nono_config cfg;
	char err[256];
	size_t len = sizeof(full_doc) - 1;
	size_t fails = 0;
	size_t i;
	size_t j;
	int r;

	(void)state;
	for (i = 0; i < len; i++) {
		for (j = 0; j < sizeof(subst); j++) {
			memcpy(doc, full_doc, sizeof(doc));
			doc[i] = (char)subst[j];
			r = parse(doc, len, &cfg, err, sizeof(err));
			if (r)
				fails++;
			check_outcome(r, &cfg);
		}
	}
	assert_true(fails > len);
}

static uint32_t xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void test_noise(void **state)
{
	static const char alphabet[] = "[]=\"'\\,#\n\r\t uitfrsaeu0x_-"
				       "\x00\x1b\x7f\x80\xc3\xa9\xff";
	struct nono_config cfg;
	char buf[512];
	char err[256];
	uint32_t seed = 0x6e6f6e6f;
	size_t i;
	size_t j;
	size_t len;
	int r;

	(void)state;
	for (i = 0; i < 5000; i++) {
		len = xorshift(&seed) % sizeof(buf);
		for (j = 0; j < len; j++) {
			uint32_t v = xorshift(&seed);

			buf[j] =
			    (v & 1)
				? (char)(v >> 8)
				: alphabet[(v >> 8) % (sizeof(alphabet) - 1)];
		}
		r = parse(buf, len, &cfg, err, sizeof(err));
		check_outcome(r, &cfg);
		if (r)
			assert_true(strncmp(err, "line ", 5) == 0);
	}
}

/* ---- nono_config_load() ---- */

struct dir {
	char path[64];
};

static int setup_dir(void **state)
{
	struct dir *d = calloc(1, sizeof(*d));

	if (!d)
		return -1;
	strcpy(d->path, "/tmp/nono-test-config-XXXXXX");
	if (!mkdtemp(d->path)) {
		free(d);
		return -1;
	}
	*state = d;
	return 0;
}

static int teardown_dir(void **state)
{
	struct dir *d = *state;
	int r;

	/* Make anything chmod'ed by a test removable again. */
	r = test_rm_tree(d->path);
	free(d);
	return r;
}

static void join(char *out, size_t n, const struct dir *d, const char *name)
{
	int r = snprintf(out, n, "%s/%s", d->path, name);

	assert_true(r > 0 && (size_t)r < n);
}

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void test_load_missing(void **state)
{
	struct dir *d = *state;
	struct nono_config cfg;
	char path[128];
	char err[256];
	int r;

	join(path, sizeof(path), d, "config.toml");
	memset(&cfg, 0xa5, sizeof(cfg));
	strcpy(err, "stale");
	r = nono_config_load(path, &cfg, err, sizeof(err));
	assert_int_equal(r, 0);
	assert_string_equal(err, "");
	assert_cfg_empty(&cfg);
}

static void test_load_valid(void **state)
{
	struct dir *d = *state;
	struct nono_config cfg;
	char path[128];
	char err[256];
	int r;

	join(path, sizeof(path), d, "config.toml");
	write_file(path, LIT("[ui]\ntheme = 'macchiato'\n[redaction]\n"
			     "extra_headers = ['X-Key']\n"));
	r = nono_config_load(path, &cfg, err, sizeof(err));
	assert_int_equal(r, 0);
	assert_string_equal(cfg.ui_theme, "macchiato");
	assert_int_equal(cfg.n_redaction_extra_headers, 1);
	assert_string_equal(cfg.redaction_extra_headers[0], "X-Key");
	nono_config_clear(&cfg);
}

static void test_load_parse_error(void **state)
{
	struct dir *d = *state;
	struct nono_config cfg;
	char path[128];
	char want[256];
	char err[256];
	int r;

	join(path, sizeof(path), d, "config.toml");
	write_file(path, LIT("[ui]\ncolour = 'x'\n"));
	r = nono_config_load(path, &cfg, err, sizeof(err));
	assert_int_equal(r, -NONO_EPARSE);
	snprintf(want, sizeof(want), "%s: line 2: unknown key 'colour' in [ui]",
		 path);
	assert_string_equal(err, want);
	assert_cfg_empty(&cfg);
}

static void test_load_directory(void **state)
{
	struct dir *d = *state;
	struct nono_config cfg;
	char path[128];
	char want[256];
	char err[256];
	int r;

	join(path, sizeof(path), d, "config.toml");
	assert_int_equal(mkdir(path, 0700), 0);
	memset(&cfg, 0xa5, sizeof(cfg));
	r = nono_config_load(path, &cfg, err, sizeof(err));
	assert_int_equal(r, -EISDIR);
	snprintf(want, sizeof(want), "%s: is a directory", path);
	assert_string_equal(err, want);
	assert_cfg_empty(&cfg);
}

static void test_load_not_regular(void **state)
{
	static const char *const devs[] = {"/dev/null", NULL};
	struct dir *d = *state;
	struct nono_config cfg;
	char path[128];
	char want[256];
	char err[256];
	size_t i;
	int r;

	/* A FIFO must be refused, not block the caller until a writer
	 * appears; the alarm turns a hang into a failure. */
	join(path, sizeof(path), d, "config.toml");
	assert_int_equal(mkfifo(path, 0600), 0);
	alarm(10);
	r = nono_config_load(path, &cfg, err, sizeof(err));
	alarm(0);
	assert_int_equal(r, -EINVAL);
	snprintf(want, sizeof(want), "%s: not a regular file", path);
	assert_string_equal(err, want);
	assert_cfg_empty(&cfg);

	for (i = 0; devs[i]; i++) {
		r = nono_config_load(devs[i], &cfg, err, sizeof(err));
		assert_int_equal(r, -EINVAL);
		snprintf(want, sizeof(want), "%s: not a regular file", devs[i]);
		assert_string_equal(err, want);
	}
}

static void test_load_unreadable(void **state)
{
	struct dir *d = *state;
	struct nono_config cfg;
	char path[128];
	char want[256];
	char err[256];
	int r;

	/* A path through a regular file fails with ENOTDIR, for root too. */
	join(path, sizeof(path), d, "file");
	write_file(path, LIT("x"));
	join(path, sizeof(path), d, "file/config.toml");
	memset(&cfg, 0xa5, sizeof(cfg));
	r = nono_config_load(path, &cfg, err, sizeof(err));
	assert_int_equal(r, -ENOTDIR);
	snprintf(want, sizeof(want), "%s: %s", path, strerror(ENOTDIR));
	assert_string_equal(err, want);
	assert_cfg_empty(&cfg);

	/* chmod 000 stops only non-root (root has CAP_DAC_OVERRIDE); the
	 * ENOTDIR case above covers the same path for root. */
	if (geteuid() == 0)
		return;
	join(path, sizeof(path), d, "config.toml");
	write_file(path, LIT("[ui]\ntheme = 'x'\n"));
	assert_int_equal(chmod(path, 0), 0);
	r = nono_config_load(path, &cfg, err, sizeof(err));
	assert_int_equal(r, -EACCES);
	snprintf(want, sizeof(want), "%s: %s", path, strerror(EACCES));
	assert_string_equal(err, want);
	assert_cfg_empty(&cfg);
}

static void test_load_size_ceiling(void **state)
{
	struct dir *d = *state;
	struct nono_config cfg;
	char path[128];
	char want[256];
	char err[256];
	char *buf;
	int r;

	buf = malloc(NONO_CONFIG_MAX_BYTES + 1);
	assert_non_null(buf);
	memset(buf, '#', NONO_CONFIG_MAX_BYTES + 1);

	join(path, sizeof(path), d, "exact.toml");
	write_file(path, buf, NONO_CONFIG_MAX_BYTES);
	r = nono_config_load(path, &cfg, err, sizeof(err));
	assert_int_equal(r, 0);
	nono_config_clear(&cfg);

	join(path, sizeof(path), d, "big.toml");
	write_file(path, buf, NONO_CONFIG_MAX_BYTES + 1);
	free(buf);
	r = nono_config_load(path, &cfg, err, sizeof(err));
	assert_int_equal(r, -NONO_ETOOBIG);
	snprintf(want, sizeof(want), "%s: larger than 262144 bytes", path);
	assert_string_equal(err, want);
	assert_cfg_empty(&cfg);

	r = nono_config_load(NULL, &cfg, err, sizeof(err));
	assert_int_equal(r, -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_rollback_section),
	    cmocka_unit_test(test_list_ceiling),
	    cmocka_unit_test(test_string_ceiling),
	    cmocka_unit_test(test_size_ceiling),
	    cmocka_unit_test(test_bad_arguments),
	    cmocka_unit_test(test_truncations),
	    cmocka_unit_test(test_byte_flips),
	    cmocka_unit_test(test_noise),
	    cmocka_unit_test_setup_teardown(test_load_missing, setup_dir,
					    teardown_dir),
	    cmocka_unit_test_setup_teardown(test_load_valid, setup_dir,
					    teardown_dir),
	    cmocka_unit_test_setup_teardown(test_load_parse_error, setup_dir,
					    teardown_dir),
	    cmocka_unit_test_setup_teardown(test_load_directory, setup_dir,
					    teardown_dir),
	    cmocka_unit_test_setup_teardown(test_load_not_regular, setup_dir,
					    teardown_dir),
	    cmocka_unit_test_setup_teardown(test_load_unreadable, setup_dir,
					    teardown_dir),
	    cmocka_unit_test_setup_teardown(test_load_size_ceiling, setup_dir,
					    teardown_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
