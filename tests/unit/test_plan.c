// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of the run planner (plan/plan.h) against a fake home in a
 * temporary directory (never the real HOME): planning prints nothing and
 * writes nothing (a profile's state directory is listed for the run to
 * make, and only plan_make_dirs() makes it), errors are typed values that
 * name their object and what to do, the current directory is decided by
 * the caller's question, and why's verdicts come from the same plan.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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

#include "testutil.h"

#include "cli/args.h"
#include "nono/caps.h"
#include "plan/plan.h"
#include "plan/verdict.h"

static char root[PATH_MAX]; /* canonical */
static char home[PATH_MAX + 64];
static char proj[PATH_MAX + 64];
static char saved_cwd[PATH_MAX];

/* @out (PATH_MAX + 64 bytes) = @a + @b. */
static void cat2(char *out, const char *a, const char *b)
{
	int n = snprintf(out, PATH_MAX + 64, "%s%s", a, b);

	assert_true(n > 0 && n < PATH_MAX + 64);
}

static int setup(void **state)
{
	/* Not under /tmp, which every sandbox may use: the grants under
	 * test must be the only ones that cover the tree. */
	const char *base = getenv("NONO_TEST_SCRATCH");
	char tmpl[PATH_MAX];
	char *r;

	(void)state;
	if (!base || base[0] != '/')
		base = getuid() == 0 ? "/var/lib" : getenv("HOME");
	if (!base || snprintf(tmpl, sizeof(tmpl), "%s/nono-test-plan-XXXXXX",
			      base) >= (int)sizeof(tmpl))
		return -1;
	r = mkdtemp(tmpl);
	if (!r || !realpath(r, root))
		return -1;
	cat2(home, root, "/home");
	cat2(proj, root, "/proj");
	if (mkdir(home, 0700) < 0 || mkdir(proj, 0700) < 0 ||
	    !getcwd(saved_cwd, sizeof(saved_cwd)) || chdir(proj) < 0)
		return -1;
	setenv("HOME", home, 1);
	unsetenv("XDG_CONFIG_HOME");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (chdir(saved_cwd) < 0)
		return -1;
	return test_rm_tree(root);
}

static size_t entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n +=
		    strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* Each test starts from an empty home. */
static int fresh_home(void **state)
{
	(void)state;
	if (test_rm_tree(home) < 0 || mkdir(home, 0700) < 0)
		return -1;
	return 0;
}

static int asked;
static int answer;
static unsigned asked_access;

static int ask(void *arg, const char *cwd, unsigned access)
{
	(void)arg;
	asked++;
	asked_access = access;
	assert_string_equal(cwd, proj);
	return answer;
}

static void opts_init(struct run_opts *o, enum run_mode mode)
{
	static char *argv[] = {"true", NULL};

	memset(o, 0, sizeof(*o));
	o->mode = mode;
	o->argv = argv;
	o->argc = 1;
}

static void push(struct strv *l, const char *s)
{
	assert_int_equal(strv_push(l, (char *)s), 0);
}

/* Planning a profile run into a fake home prints nothing, writes nothing,
 * and lists the profile's state directory; plan_make_dirs() makes it. */
static void test_plans_without_side_effects(void **state)
{
	struct run_opts o;
	struct nono_plan p;
	char claude[PATH_MAX + 64], out[] = "/tmp/nono-test-plan-out-XXXXXX";
	int fd = mkstemp(out), save_err = dup(2), save_out = dup(1);
	struct stat st;
	bool listed = false;
	int r1, r2;

	(void)state;
	assert_true(fd >= 0 && save_err >= 0 && save_out >= 0);
	opts_init(&o, MODE_RUN);
	o.profile = "claude-code";
	o.allow_cwd = true;
	fflush(NULL);
	dup2(fd, 1);
	dup2(fd, 2);
	r1 = plan_grants(&o, home, ask, NULL, &p);
	r2 = r1 == 0 ? plan_protect(&o, &p) : -1;
	fflush(NULL);
	dup2(save_err, 2);
	dup2(save_out, 1);
	close(save_err);
	close(save_out);
	assert_int_equal(r1, 0);
	assert_int_equal(r2, 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, 0); /* printed nothing */
	close(fd);
	unlink(out);
	assert_int_equal(entries(home), 0); /* wrote nothing */
	assert_int_equal(asked, 0);         /* --allow-cwd decided */
	cat2(claude, home, "/.claude");
	for (size_t i = 0; i < p.nmk; i++)
		listed |= strcmp(p.mk[i].path, claude) == 0;
	assert_true(listed);
	/* The plan grants it although it does not exist yet. */
	assert_true(nono_caps_allows(p.caps, claude, NONO_ACCESS_RW, NULL));
	/* The notes carry what a run would print (the missing
	 * ~/.claude.json is a warning). */
	assert_true(p.msgs.n > 0);
	assert_false(p.msgs.failed);
	/* Control: the run's one writing step makes it. */
	assert_int_equal(plan_make_dirs(&p), 0);
	assert_int_equal(stat(claude, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	plan_clear(&p);
	args_clear(&o);
	rmdir(claude);
}

/* An error is a value: its code, the object it names, what to do. */
static void test_typed_error(void **state)
{
	struct run_opts o;
	struct nono_plan p;
	char file[PATH_MAX + 64];
	int fd;

	(void)state;
	cat2(file, proj, "/notes.txt");
	fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	opts_init(&o, MODE_RUN);
	o.allow_cwd = true;
	push(&o.allow, file);
	assert_int_equal(plan_grants(&o, home, ask, NULL, &p), -1);
	assert_true(p.msgs.failed);
	assert_int_equal(p.msgs.err.code, -ENOTDIR);
	assert_string_equal(p.msgs.err.object, file);
	assert_non_null(strstr(p.msgs.err.text, "not a directory"));
	assert_non_null(strstr(p.msgs.err.hint, "--allow-file"));
	plan_clear(&p);
	args_clear(&o);
	/* Control: the flag the hint names is accepted. */
	opts_init(&o, MODE_RUN);
	o.allow_cwd = true;
	push(&o.allow_file, file);
	assert_int_equal(plan_grants(&o, home, ask, NULL, &p), 0);
	assert_true(nono_caps_allows(p.caps, file, NONO_ACCESS_RW, NULL));
	plan_clear(&p);
	args_clear(&o);
	unlink(file);
}

/* Without --allow-cwd the caller is asked; its answer decides. */
static void test_cwd_question(void **state)
{
	struct run_opts o;
	struct nono_plan p;

	(void)state;
	opts_init(&o, MODE_RUN);
	asked = 0;
	answer = PLAN_ASK_NOTTY;
	assert_int_equal(plan_grants(&o, home, ask, NULL, &p), 0);
	assert_int_equal(asked, 1);
	assert_int_equal(asked_access, NONO_ACCESS_READ);
	/* no terminal: runs without it, and says so */
	assert_false(nono_caps_allows(p.caps, proj, NONO_ACCESS_READ, NULL));
	assert_true(p.msgs.n > 0);
	assert_non_null(strstr(p.msgs.v[p.msgs.n - 1].text, "--allow-cwd"));
	plan_clear(&p);
	answer = PLAN_ASK_SILENT;
	assert_int_equal(plan_grants(&o, home, ask, NULL, &p), -1);
	assert_int_equal(p.msgs.err.code, -EPERM);
	assert_string_equal(p.msgs.err.object, proj);
	assert_non_null(strstr(p.msgs.err.text, "--silent"));
	assert_non_null(strstr(p.msgs.err.hint, "--allow-cwd"));
	plan_clear(&p);
	/* Nobody to ask at all: not shared. */
	assert_int_equal(plan_grants(&o, home, NULL, NULL, &p), 0);
	assert_false(nono_caps_allows(p.caps, proj, NONO_ACCESS_READ, NULL));
	plan_clear(&p);
	answer = 0;
	assert_int_equal(plan_grants(&o, home, ask, NULL, &p), 0);
	assert_false(nono_caps_allows(p.caps, proj, NONO_ACCESS_READ, NULL));
	plan_clear(&p);
	answer = 1;
	assert_int_equal(plan_grants(&o, home, ask, NULL, &p), 0);
	assert_true(nono_caps_allows(p.caps, proj, NONO_ACCESS_READ, NULL));
	assert_false(nono_caps_allows(p.caps, proj, NONO_ACCESS_WRITE, NULL));
	plan_clear(&p);
	/* why never asks. */
	asked = 0;
	opts_init(&o, MODE_WHY);
	assert_int_equal(plan_grants(&o, home, ask, NULL, &p), 0);
	assert_int_equal(asked, 0);
	plan_clear(&p);
}

/* why's verdicts: granted, not granted with the flag that would grant
 * it, and a protected credential even inside a grant. */
static void test_verdicts(void **state)
{
	struct run_opts o;
	struct nono_plan p;
	struct plan_verdict v;
	char ssh[PATH_MAX + 64], key[PATH_MAX + 64];
	int fd;

	(void)state;
	cat2(ssh, home, "/.ssh");
	cat2(key, home, "/.ssh/id_ed25519");
	assert_int_equal(mkdir(ssh, 0700), 0);
	fd = open(key, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	opts_init(&o, MODE_WHY);
	push(&o.read, home);
	assert_int_equal(plan_grants(&o, home, NULL, NULL, &p), 0);
	assert_int_equal(plan_protect(&o, &p), 0);
	plan_why_path(&p, NONO_ACCESS_READ, home, true, &v);
	assert_true(v.allowed);
	assert_string_equal(v.reason, "granted_path");
	plan_why_path(&p, NONO_ACCESS_WRITE, home, true, &v);
	assert_false(v.allowed);
	assert_string_equal(v.reason, "insufficient_access");
	assert_non_null(strstr(v.flag, "--write"));
	plan_why_path(&p, NONO_ACCESS_READ, key, true, &v);
	assert_false(v.allowed);
	assert_string_equal(v.reason, "sensitive_path");
	plan_why_host(&p, "example.com", NULL, 443, &v);
	assert_true(v.allowed);
	assert_string_equal(v.reason, "network_allowed");
	plan_clear(&p);
	args_clear(&o);
	unlink(key);
	rmdir(ssh);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_plans_without_side_effects, fresh_home),
	    cmocka_unit_test_setup(test_typed_error, fresh_home),
	    cmocka_unit_test_setup(test_cwd_question, fresh_home),
	    cmocka_unit_test_setup(test_verdicts, fresh_home),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
