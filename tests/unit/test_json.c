// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of the profile JSON(C) reader: values, positions of values and
 * keys, comments, and every rejection with the line and column it names.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "policy/json.h"

static struct nono_json *parse_ok(const char *text)
{
	struct nono_json_error err;
	struct nono_json *v = NULL;
	int r = nono_json_parse(text, strlen(text), &v, &err);

	if (r != 0)
		fail_msg("parse(%s) = %d: %u:%u %s", text, r, err.line, err.col,
			 err.msg);
	return v;
}

static void parse_bad(const char *text, size_t len, unsigned line, unsigned col,
		      const char *msg)
{
	struct nono_json_error err;
	struct nono_json *v = (struct nono_json *)1;
	int r = nono_json_parse(text, len, &v, &err);

	if (r != -EINVAL)
		fail_msg("parse(%.40s) = %d, want -EINVAL", text, r);
	assert_null(v);
	if (!strstr(err.msg, msg))
		fail_msg("parse(%.40s): message \"%s\", want \"%s\"", text,
			 err.msg, msg);
	if (line && (err.line != line || err.col != col))
		fail_msg("parse(%.40s): at %u:%u, want %u:%u (%s)", text,
			 err.line, err.col, line, col, err.msg);
}

static void test_values(void **state)
{
	struct nono_json *v;
	const struct nono_json *x;

	(void)state;
	v = parse_ok("{\"s\": \"a\\u00e9\\ud83d\\ude00\\n\", \"i\": -42, "
		     "\"f\": 2.5e1, \"big\": 123456789012345678901234, "
		     "\"t\": true, \"n\": null, \"a\": [1, [], {}]}");
	assert_int_equal(v->type, NONO_JSON_OBJECT);
	assert_int_equal(v->len, 7);
	x = nono_json_get(v, "s");
	assert_string_equal(x->str, "a\xc3\xa9\xf0\x9f\x98\x80\n");
	assert_int_equal(x->len, 8);
	x = nono_json_get(v, "i");
	assert_true(x->is_int);
	assert_int_equal(x->integer, -42);
	x = nono_json_get(v, "f");
	assert_false(x->is_int);
	assert_true(x->num == 25.0);
	x = nono_json_get(v, "big");
	assert_false(x->is_int); /* out of range: a number, not an integer */
	assert_true(nono_json_get(v, "t")->b);
	assert_int_equal(nono_json_get(v, "n")->type, NONO_JSON_NULL);
	x = nono_json_get(v, "a");
	assert_int_equal(x->len, 3);
	assert_int_equal(x->items[1]->type, NONO_JSON_ARRAY);
	assert_null(nono_json_get(v, "missing"));
	nono_json_free(v);
}

static void test_positions_and_comments(void **state)
{
	const char *text = "// a profile\n"
			   "{\n"
			   "  /* block\n"
			   "     comment */ \"meta\": {\"name\": \"x\"},\n"
			   "  \"filesystem\": // trailing\n"
			   "    {\"allow\": [\"a\"]}\n"
			   "}\n";
	struct nono_json *v;
	const struct nono_json_member *m;

	(void)state;
	v = parse_ok(text);
	m = nono_json_member(v, "meta");
	assert_non_null(m);
	assert_int_equal(m->line, 4);
	assert_int_equal(m->col, 17);
	m = nono_json_member(v, "filesystem");
	assert_int_equal(m->line, 5);
	assert_int_equal(m->col, 3);
	/* The value's own position: where its '{' is. */
	assert_int_equal(m->value->line, 6);
	assert_int_equal(m->value->col, 5);
	nono_json_free(v);
	/* A byte order mark is tolerated. */
	v = parse_ok("\xef\xbb\xbf[]");
	nono_json_free(v);
}

static void test_rejections(void **state)
{
	char deep[200];
	size_t i;

	(void)state;
	parse_bad("{\"a\": 1,}", 9, 1, 9, "expected a key");
	parse_bad("[1, 2,]", 7, 1, 7, "unexpected character");
	parse_bad("{\"a\": 1, \"a\": 2}", 16, 1, 10, "duplicate key \"a\"");
	parse_bad("{\"a\" 1}", 7, 1, 6, "expected ':'");
	parse_bad("\"abc", 4, 1, 5, "unterminated string");
	parse_bad("\"a\\x\"", 5, 1, 5, "bad escape");
	parse_bad("\"a\\u0000\"", 9, 0, 0, "NUL character");
	parse_bad("\"\\ud800\"", 8, 0, 0, "lone surrogate");
	parse_bad("\"\xc0\xaf\"", 4, 1, 2, "invalid UTF-8");
	parse_bad("\"\xed\xa0\x80\"", 5, 1, 2, "invalid UTF-8");
	parse_bad("\"a\tb\"", 5, 1, 3, "control character");
	parse_bad("[1]\n x", 6, 2, 2, "unexpected text");
	parse_bad("/* open", 7, 1, 8, "unterminated comment");
	parse_bad("01", 2, 1, 2, "unexpected text");
	parse_bad("-", 1, 1, 2, "bad number");
	parse_bad("1.e5", 4, 1, 3, "bad number");
	parse_bad("tru", 3, 1, 1, "unexpected character");
	parse_bad("", 0, 1, 1, "unexpected end");
	parse_bad("[\0]", 3, 1, 2, "unexpected character");
	/* Nesting beyond the limit. */
	for (i = 0; i < NONO_JSON_MAX_DEPTH + 1; i++)
		deep[i] = '[';
	deep[i] = '\0';
	parse_bad(deep, strlen(deep), 1, NONO_JSON_MAX_DEPTH + 1,
		  "nested deeper");
	/* Control: exactly the limit parses. */
	{
		char ok[2 * NONO_JSON_MAX_DEPTH + 1];
		struct nono_json *v;

		memset(ok, '[', NONO_JSON_MAX_DEPTH);
		memset(ok + NONO_JSON_MAX_DEPTH, ']', NONO_JSON_MAX_DEPTH);
		ok[2 * NONO_JSON_MAX_DEPTH] = '\0';
		v = parse_ok(ok);
		nono_json_free(v);
	}
}

static void test_limits(void **state)
{
	size_t n = NONO_JSON_MAX_TEXT + 1;
	char *big = malloc(n);
	char *s;

	(void)state;
	assert_non_null(big);
	memset(big, ' ', n);
	big[0] = '1';
	parse_bad(big, n, 1, 1, "larger than");
	/* Control: the same at the limit parses. */
	{
		struct nono_json *v = NULL;
		struct nono_json_error err;

		assert_int_equal(
		    nono_json_parse(big, NONO_JSON_MAX_TEXT, &v, &err), 0);
		nono_json_free(v);
	}
	free(big);
	/* A string past 64 KiB. */
	s = malloc(NONO_JSON_MAX_STRING + 8);
	assert_non_null(s);
	s[0] = '"';
	memset(s + 1, 'a', NONO_JSON_MAX_STRING + 4);
	s[NONO_JSON_MAX_STRING + 5] = '"';
	parse_bad(s, NONO_JSON_MAX_STRING + 6, 0, 0, "string longer");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_values),
	    cmocka_unit_test(test_positions_and_comments),
	    cmocka_unit_test(test_rejections),
	    cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
