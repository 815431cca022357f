// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of environment hygiene: a table of (entry -> kept/dropped) run
 * through nono_env_clean, checking order, borrowing and the dropped count,
 * and nono_env_is_dropped on names with explicit lengths.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "policy/envclean.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* clang-format off */
static const struct {
	const char *entry;
	bool kept;
} rows[] = {
	/* loader */
	{"LD_PRELOAD=/tmp/evil.so", false},
	{"LD_LIBRARY_PATH=/tmp", false},
	{"LD_AUDIT=/tmp/a.so", false},
	{"LD_=x", false},
	{"GLIBC_TUNABLES=glibc.malloc.check=3", false},
	/* shells */
	{"BASH_ENV=/tmp/rc", false},
	{"BASH_FUNC_x%%=() { id; }", false},
	{"BASH_FUNC_ls%%=() { :; }", false},
	{"ENV=/tmp/rc", false},
	{"PROMPT_COMMAND=id", false},
	/* interpreters */
	{"NODE_OPTIONS=--require /tmp/x.js", false},
	{"PYTHONSTARTUP=/tmp/x.py", false},
	{"PERL5OPT=-Mevil", false},
	{"RUBYOPT=-revil", false},
	{"GIT_CONFIG_KEY_0=core.hooksPath", false},
	/* secret-store unlock tokens */
	{"OP_SERVICE_ACCOUNT_TOKEN=ops_x", false},
	{"OP_SESSION_my=abc", false},
	{"OP_CONNECT_TOKEN=x", false},
	{"BW_SESSION=x", false},
	{"VAULT_TOKEN=hvs.x", false},
	/* malformed: no '=' */
	{"LD_PRELOAD", false},
	{"PATH", false},
	{"", false},
	/* kept: ordinary variables and look-alikes */
	{"PATH=/usr/bin:/bin", true},
	{"HOME=/home/u", true},
	{"LD=ld.gold", true},
	{"LDFLAGS=-Wl,-z,now", true},
	{"NODE_PATH=/usr/lib/node", true},
	{"MY_LD_PRELOAD=x", true},
	{"XLD_PRELOAD=x", true},
	{"ld_preload=lowercase", true},
	{"BASH_ENVX=1", true},
	{"BASH_FUNC=1", true},
	{"ENVIRONMENT=prod", true},
	{"PYTHONPATH=/src", true},
	{"NODE_OPTIONSX=1", true},
	{"OP_ACCOUNT=my", true},
	{"VAULT_ADDR=https://vault", true},
	{"TERM=xterm", true},
	{"EMPTY=", true},
	{"A=LD_PRELOAD=/tmp/evil.so", true},
};
/* clang-format on */

static void test_clean_table(void **state)
{
	char *envp[ARRAY_SIZE(rows) + 1];
	size_t i, k = 0, want_dropped = 0, ndropped = 12345;
	char **out;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		envp[i] = (char *)rows[i].entry;
		if (!rows[i].kept)
			want_dropped++;
	}
	envp[ARRAY_SIZE(rows)] = NULL;

	out = nono_env_clean(envp, &ndropped);
	assert_non_null(out);
	assert_int_equal(ndropped, want_dropped);
	/* The kept entries, in order, borrowed (same pointers). */
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		if (!rows[i].kept)
			continue;
		if (!out[k] || out[k] != envp[i])
			fail_msg("row %zu (%s) not kept in place", i,
				 rows[i].entry);
		k++;
	}
	assert_null(out[k]);
	/* Nothing dropped slipped through. */
	for (k = 0; out[k]; k++)
		for (i = 0; i < ARRAY_SIZE(rows); i++)
			if (!rows[i].kept && out[k] == envp[i])
				fail_msg("row %zu (%s) kept", i, rows[i].entry);
	free(out);
}

static void test_clean_edges(void **state)
{
	char *only_bad[] = {(char *)"LD_PRELOAD=x", (char *)"BASH_ENV=y", NULL};
	char *only_good[] = {(char *)"PATH=/bin", NULL};
	char *empty[] = {NULL};
	size_t nd = 99;
	char **out;

	(void)state;
	out = nono_env_clean(only_bad, &nd);
	assert_non_null(out);
	assert_null(out[0]);
	assert_int_equal(nd, 2);
	free(out);

	out = nono_env_clean(only_good, &nd);
	assert_non_null(out);
	assert_ptr_equal(out[0], only_good[0]);
	assert_null(out[1]);
	assert_int_equal(nd, 0);
	free(out);

	out = nono_env_clean(empty, &nd);
	assert_non_null(out);
	assert_null(out[0]);
	assert_int_equal(nd, 0);
	free(out);

	/* A NULL environment and a NULL count are accepted. */
	out = nono_env_clean(NULL, NULL);
	assert_non_null(out);
	assert_null(out[0]);
	free(out);
	out = nono_env_clean(only_bad, NULL);
	assert_non_null(out);
	assert_null(out[0]);
	free(out);
}

static void test_is_dropped(void **state)
{
	(void)state;
	assert_true(nono_env_is_dropped("LD_PRELOAD", 10));
	assert_true(nono_env_is_dropped("BASH_ENV", 8));
	assert_true(nono_env_is_dropped("NODE_OPTIONS", 12));
	/* Only the first @len bytes are the name. */
	assert_true(nono_env_is_dropped("BASH_ENV=x", 8));
	assert_false(nono_env_is_dropped("BASH_ENVX", 9));
	assert_false(nono_env_is_dropped("BASH_ENV", 7));
	assert_false(nono_env_is_dropped("LD_PRELOAD", 2));
	assert_false(nono_env_is_dropped("LD", 2));
	assert_false(nono_env_is_dropped("PATH", 4));
	assert_false(nono_env_is_dropped("", 0));
}

static void test_dropped_list(void **state)
{
	bool ld = false, bash_func = false;
	size_t i;

	(void)state;
	assert_true(nono_env_dropped_count() > 0);
	for (i = 0; i < nono_env_dropped_count(); i++) {
		const char *n = nono_env_dropped_at(i);

		assert_non_null(n);
		assert_true(n[0] != '\0');
		assert_null(strchr(n, '='));
		if (strcmp(n, "LD_") == 0)
			ld = true;
		if (strcmp(n, "BASH_FUNC_") == 0)
			bash_func = true;
	}
	assert_null(nono_env_dropped_at(nono_env_dropped_count()));
	assert_true(ld);
	assert_true(bash_func);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_clean_table),
	    cmocka_unit_test(test_clean_edges),
	    cmocka_unit_test(test_is_dropped),
	    cmocka_unit_test(test_dropped_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
