// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of credential references and secret sources: a table of
 * (reference -> accepted, kind, or the words its error must contain) for
 * the syntax check, then real loads from env:// and file:// (trimming,
 * refusals, the size ceiling), and nono_spawn_capture on /bin/sh (output,
 * first stderr line, exit status, time limit, output ceiling).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

#include "cred/secret.h"
#include "sys/spawn.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* kind -1: refused, and the message contains @why. */
/* clang-format off */
static const struct {
	const char *ref;
	int kind;
	const char *why;
} rows[] = {
	/* keystore: bare account names and keystore:// */
	{"openai_api_key", NONO_SECRET_KEYSTORE, NULL},
	{"a", NONO_SECRET_KEYSTORE, NULL},
	{"alice@example.com", NONO_SECRET_KEYSTORE, NULL},
	{"key.v2-b+c", NONO_SECRET_KEYSTORE, NULL},
	{"keystore://openai_api_key", NONO_SECRET_KEYSTORE, NULL},
	{"keystore://", -1, "keystore://NAME"},
	{"keystore://a/b", -1, "keystore://NAME"},
	{"has space", -1, "not a keystore account name"},
	{"a/b", -1, "not a keystore account name"},
	{"a=b", -1, "not a keystore account name"},
	{"", -1, "empty"},
	/* keyring://SERVICE/ACCOUNT */
	{"keyring://nono/openai", NONO_SECRET_KEYSTORE, NULL},
	{"keyring://gh:github.com/alice", NONO_SECRET_KEYSTORE, NULL},
	{"keyring://svc/acc/with/slash", NONO_SECRET_KEYSTORE, NULL},
	{"keyring://svc", -1, "keyring://SERVICE/ACCOUNT"},
	{"keyring://svc/", -1, "keyring://SERVICE/ACCOUNT"},
	{"keyring:///acc", -1, "keyring://SERVICE/ACCOUNT"},
	/* op:// */
	{"op://Development/OpenAI/credential", NONO_SECRET_OP, NULL},
	{"op://v/i/section/field", NONO_SECRET_OP, NULL},
	{"op://v/i", -1, "op://VAULT/ITEM/FIELD"},
	{"op://v//f", -1, "op://VAULT/ITEM/FIELD"},
	{"op://v/i/f/", -1, "op://VAULT/ITEM/FIELD"},
	{"op://v/i/s/f/x", -1, "op://VAULT/ITEM/FIELD"},
	{"op://", -1, "op://VAULT/ITEM/FIELD"},
	/* env:// */
	{"env://GITHUB_TOKEN", NONO_SECRET_ENV, NULL},
	{"env://_x1", NONO_SECRET_ENV, NULL},
	{"env://LD_PRELOAD", -1, "environment hygiene"},
	{"env://BASH_ENV", -1, "environment hygiene"},
	{"env://NODE_OPTIONS", -1, "environment hygiene"},
	{"env://1X", -1, "not a valid environment variable name"},
	{"env://A-B", -1, "not a valid environment variable name"},
	{"env://", -1, "not a valid environment variable name"},
	/* file:// */
	{"file:///run/secrets/token", NONO_SECRET_FILE, NULL},
	{"file:///a/.hidden/..x/x..", NONO_SECRET_FILE, NULL},
	{"file://relative/path", -1, "absolute path"},
	{"file://", -1, "absolute path"},
	{"file:///a/../etc/shadow", -1, "'..'"},
	{"file:///a/..", -1, "'..'"},
	{"file:///..//b", -1, "'..'"},
	/* others */
	{"apple-password://github.com/alice", -1, "macOS only"},
	{"http://example.com/x", -1, "unknown scheme 'http://'"},
	{"OP://v/i/f", -1, "not a keystore account name"},
	{"vault://a/b", -1, "keyring://SERVICE/ACCOUNT"},
	{"a\tb", -1, "control character"},
	{"op://v/i/f\n", -1, "control character"},
};
/* clang-format on */

static void test_ref_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		char err[1024] = "", what[256];
		int r = nono_secret_ref_check(rows[i].ref, err, sizeof(err));
		int k =
		    nono_secret_ref_describe(rows[i].ref, what, sizeof(what));

		if ((r == 0) != (rows[i].kind >= 0) || k != rows[i].kind)
			fail_msg("'%s': check %d, kind %d (want %d): %s",
				 rows[i].ref, r, k, rows[i].kind, err);
		if (rows[i].why && !strstr(err, rows[i].why))
			fail_msg("'%s': message '%s' lacks '%s'", rows[i].ref,
				 err, rows[i].why);
		/* Messages are one line. */
		assert_null(strchr(err, '\n'));
	}
}

static void test_ref_limits(void **state)
{
	char ref[NONO_SECRET_REF_MAX + 8], err[256], what[2048];

	(void)state;
	memset(ref, 'a', sizeof(ref));
	ref[NONO_SECRET_REF_MAX] = '\0';
	/* Long but within the limit: the account name is capped at 255. */
	assert_int_equal(nono_secret_ref_check(ref, err, sizeof(err)), -1);
	memcpy(ref, "env://", 6);
	assert_int_equal(nono_secret_ref_check(ref, err, sizeof(err)), -1);
	ref[NONO_SECRET_REF_MAX] = 'a';
	ref[NONO_SECRET_REF_MAX + 1] = '\0';
	assert_int_equal(nono_secret_ref_check(ref, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too long"));
	/* A tiny buffer still gets a terminated message. */
	assert_int_equal(nono_secret_ref_check("x y", err, 8), -1);
	assert_int_equal(strlen(err), 7);
	assert_int_equal(nono_secret_ref_check(NULL, err, sizeof(err)), -1);
	assert_int_equal(nono_secret_ref_check("x y", NULL, 0), -1);
	assert_int_equal(
	    nono_secret_ref_describe("keyring://s/a", what, sizeof(what)),
	    NONO_SECRET_KEYSTORE);
	assert_string_equal(what, "system keystore, service s, account a");
	assert_int_equal(nono_secret_ref_describe("bob", what, sizeof(what)),
			 NONO_SECRET_KEYSTORE);
	assert_string_equal(what, "system keystore, service nono, account bob");
}

/* Loads @ref; returns its result with the secret in @s. */
static int load(const char *ref, struct nono_secret *s, char *err,
		size_t errlen)
{
	err[0] = '\0';
	return nono_secret_load(ref, s, err, errlen);
}

static void test_load_env(void **state)
{
	struct nono_secret s = {(char *)"junk", 99};
	char err[1024];

	(void)state;
	setenv("NONO_TEST_SECRET", "t0ken-value", 1);
	assert_int_equal(load("env://NONO_TEST_SECRET", &s, err, sizeof(err)),
			 0);
	assert_int_equal(s.len, 11);
	assert_memory_equal(s.data, "t0ken-value", 12); /* with the NUL */
	nono_secret_wipe(&s);
	assert_null(s.data);
	assert_int_equal(s.len, 0);
	nono_secret_wipe(&s); /* idempotent */

	/* Out-parameters are reset on failure. */
	s.data = (char *)"junk";
	s.len = 3;
	unsetenv("NONO_TEST_UNSET");
	assert_int_equal(load("env://NONO_TEST_UNSET", &s, err, sizeof(err)),
			 -1);
	assert_null(s.data);
	assert_int_equal(s.len, 0);
	assert_non_null(strstr(err, "not set"));
	setenv("NONO_TEST_SECRET", "", 1);
	assert_int_equal(load("env://NONO_TEST_SECRET", &s, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "empty"));
	/* One trailing newline goes; an inner one is refused and the
	 * message never shows the value. */
	setenv("NONO_TEST_SECRET", "abc\n", 1);
	assert_int_equal(load("env://NONO_TEST_SECRET", &s, err, sizeof(err)),
			 0);
	assert_int_equal(s.len, 3);
	nono_secret_wipe(&s);
	setenv("NONO_TEST_SECRET", "line1\nline2", 1);
	assert_int_equal(load("env://NONO_TEST_SECRET", &s, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "CR or LF"));
	assert_null(strstr(err, "line1"));
	setenv("NONO_TEST_SECRET", "a\rb", 1);
	assert_int_equal(load("env://NONO_TEST_SECRET", &s, err, sizeof(err)),
			 -1);
	unsetenv("NONO_TEST_SECRET");
}

static void write_file(const char *path, const char *data, size_t n,
		       mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void test_load_file(void **state)
{
	char dir[] = "/tmp/nono-test-secret-XXXXXX";
	char path[256], ref[300], err[1024];
	struct nono_secret s = {0};
	char *big;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/token", dir);
	snprintf(ref, sizeof(ref), "file://%s", path);

	write_file(path, "s3cret\r\n", 8, 0600);
	assert_int_equal(load(ref, &s, err, sizeof(err)), 0);
	assert_int_equal(s.len, 6);
	assert_memory_equal(s.data, "s3cret", 7);
	nono_secret_wipe(&s);

	/* Only one newline is trimmed: what remains has one inside. */
	write_file(path, "s3cret\n\n", 8, 0600);
	assert_int_equal(load(ref, &s, err, sizeof(err)), -1);
	write_file(path, "a\0b", 3, 0600);
	assert_int_equal(load(ref, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "NUL"));
	write_file(path, "\n", 1, 0600);
	assert_int_equal(load(ref, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "empty"));

	/* The ceiling: exactly the maximum loads, one byte more does not. */
	big = malloc(NONO_SECRET_MAX + 2);
	assert_non_null(big);
	memset(big, 'k', NONO_SECRET_MAX + 1);
	write_file(path, big, NONO_SECRET_MAX, 0600);
	assert_int_equal(load(ref, &s, err, sizeof(err)), 0);
	assert_int_equal(s.len, NONO_SECRET_MAX);
	nono_secret_wipe(&s);
	write_file(path, big, NONO_SECRET_MAX + 1, 0600);
	assert_int_equal(load(ref, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "larger than 64 KiB"));
	free(big);

	/* Not a regular file; missing. */
	snprintf(ref, sizeof(ref), "file://%s", dir);
	assert_int_equal(load(ref, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
	snprintf(ref, sizeof(ref), "file://%s/missing", dir);
	assert_int_equal(load(ref, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
	assert_null(s.data);

	unlink(path);
	rmdir(dir);
}

static void test_alloc(void **state)
{
	struct nono_secret s = {0};

	(void)state;
	nono_secret_wipe(&s); /* safe on a zeroed struct */
	nono_secret_wipe(NULL);
	assert_int_equal(nono_secret_alloc(&s, 0), 0);
	assert_non_null(s.data);
	assert_int_equal(s.data[0], '\0');
	nono_secret_wipe(&s);
	assert_int_equal(nono_secret_alloc(&s, NONO_SECRET_MAX * 4), -EINVAL);
	assert_null(s.data);
	assert_int_equal(nono_secret_alloc(&s, 5000), 0);
	/* Its own pages. */
	assert_int_equal((uintptr_t)s.data % (uintptr_t)sysconf(_SC_PAGESIZE),
			 0);
	nono_secret_wipe(&s);
}

static void test_spawn(void **state)
{
	char *ok[] = {"sh", "-c",
		      "printf out; echo 'first line' >&2; "
		      "echo second >&2; exit 3",
		      NULL};
	char *slow[] = {"sh", "-c", "sleep 5", NULL};
	char *flood[] = {"sh", "-c", "yes", NULL};
	char *bad[] = {"nothing", NULL};
	char *grandchild[] = {"sh", "-c", "printf x; (sleep 3 &); exit 0",
			      NULL};
	struct nono_spawn_result res;
	char buf[64];
	size_t n;

	(void)state;
	assert_int_equal(
	    nono_spawn_capture("/bin/sh", ok, 5000, buf, sizeof(buf), &n, &res),
	    0);
	assert_int_equal(res.status, 3);
	assert_int_equal(n, 3);
	assert_memory_equal(buf, "out", 3);
	assert_string_equal(res.errline, "first line");
	assert_false(res.timed_out);

	assert_int_equal(nono_spawn_capture("/bin/sh", slow, 200, buf,
					    sizeof(buf), &n, &res),
			 0);
	assert_true(res.timed_out);
	assert_int_equal(res.status, 128 + 9);

	assert_int_equal(nono_spawn_capture("/bin/sh", flood, 5000, buf,
					    sizeof(buf), &n, &res),
			 0);
	assert_true(res.overflow);
	assert_int_equal(n, sizeof(buf));

	assert_int_equal(nono_spawn_capture("/nonexistent/prog", bad, 5000, buf,
					    sizeof(buf), &n, &res),
			 0);
	assert_int_equal(res.status, 127);
	assert_non_null(strstr(res.errline, "cannot execute"));

	/* A descendant holding the pipes does not hold us up. */
	assert_int_equal(nono_spawn_capture("/bin/sh", grandchild, 2000, buf,
					    sizeof(buf), &n, &res),
			 0);
	assert_false(res.timed_out);
	assert_int_equal(res.status, 0);
	assert_int_equal(n, 1);

	assert_int_equal(
	    nono_spawn_capture("sh", ok, 5000, buf, sizeof(buf), &n, &res),
	    -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ref_table), cmocka_unit_test(test_ref_limits),
	    cmocka_unit_test(test_load_env),  cmocka_unit_test(test_load_file),
	    cmocka_unit_test(test_alloc),     cmocka_unit_test(test_spawn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
