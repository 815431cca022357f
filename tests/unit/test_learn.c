// SPDX-License-Identifier: Apache-2.0
/*
 * nono learn's suggestions (src/learn/suggest.c) against a real plan over
 * a fake home: what is offered, grouped how, and what never is.
 */
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include "cli/args.h"
#include "core/seccomp_bpf.h"
#include "core/seccomp_rules_index.h"
#include "learn/calls.h"
#include "learn/suggest.h"
#include "plan/plan.h"
#include "policy/profile.h"
#include "supervisor/gate_internal.h"

static char root[PATH_MAX];
static char home[PATH_MAX + 64], proj[PATH_MAX + 64], ext[PATH_MAX + 64];
static char saved_cwd[PATH_MAX];

static const char *at(const char *base, const char *rel)
{
	static char buf[64][PATH_MAX + 128];
	static int k;
	char *b = buf[k++ % 64];

	snprintf(b, sizeof(buf[0]), "%s/%s", base, rel);
	return b;
}

static void touch(const char *path)
{
	char dir[PATH_MAX + 128], *s;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s", path);
	for (s = strchr(dir + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(dir, 0755);
		*s = '/';
	}
	assert_non_null(f = fopen(path, "w"));
	fclose(f);
}

static int setup(void **state)
{
	const char *base = getenv("NONO_TEST_SCRATCH");
	char tmpl[PATH_MAX];
	char *r;

	(void)state;
	if (!base || base[0] != '/')
		base = getuid() == 0 ? "/var/lib" : getenv("HOME");
	if (!base || snprintf(tmpl, sizeof(tmpl), "%s/nono-test-learn-XXXXXX",
			      base) >= (int)sizeof(tmpl))
		return -1;
	r = mkdtemp(tmpl);
	if (!r || !realpath(r, root))
		return -1;
	snprintf(home, sizeof(home), "%s/home", root);
	snprintf(proj, sizeof(proj), "%s/proj", root);
	snprintf(ext, sizeof(ext), "%s/ext", root);
	if (mkdir(home, 0700) < 0 || mkdir(proj, 0700) < 0 ||
	    mkdir(ext, 0755) < 0 || !getcwd(saved_cwd, sizeof(saved_cwd)) ||
	    chdir(proj) < 0)
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

static void plan_allow_proj(struct run_opts *o, struct nono_plan *p)
{
	static char *argv[] = {"true", NULL};

	memset(o, 0, sizeof(*o));
	o->mode = MODE_RUN;
	o->argv = argv;
	o->argc = 1;
	assert_int_equal(strv_push(&o->allow, proj), 0);
	assert_int_equal(plan_grants(o, home, NULL, NULL, p), 0);
	assert_int_equal(plan_protect(o, p), 0);
}

static const struct learn_item *find(const struct learn_item *v, size_t n,
				     const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].path, path) == 0)
			return &v[i];
	return NULL;
}

static bool refused(const struct learn_report *r, const char *path)
{
	for (size_t i = 0; i < r->nrefused; i++)
		if (strcmp(r->refused[i].path, path) == 0)
			return true;
	return false;
}

/* Nothing offered is protected or above a protected path; a file alone
 * is a file; several entries of one directory are the directory; what
 * the plan allows is not offered (listed with "all"). */
static void test_suggestions(void **state)
{
	struct run_opts o;
	struct nono_plan p;
	struct learn_report r;
	const struct learn_item *it;
	char jbuf[8192];
	FILE *j;
	const char *files[] = {
	    "ext/lib/one.so",     "ext/share/x",      "ext/share/y",
	    "ext/share/sub/z",    "ext/out/old",      "home/.cache/tool/a",
	    "home/.cache/tool/b", "home/.toolrc",     "home/.otherrc",
	    "home/.ssh/id_rsa",   "home/.ssh/config", "proj/a.c",
	};
	struct learn_access acc[32];
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		touch(at(root, files[i]));
	plan_allow_proj(&o, &p);
	acc[n++] = (struct learn_access){at(ext, "lib/one.so"), LEARN_EXEC,
					 true, false};
	acc[n++] =
	    (struct learn_access){at(ext, "share/x"), LEARN_READ, true, false};
	acc[n++] =
	    (struct learn_access){at(ext, "share/y"), LEARN_READ, true, false};
	acc[n++] = (struct learn_access){at(ext, "share/sub/z"), LEARN_READ,
					 true, false};
	acc[n++] = (struct learn_access){at(ext, "out/new.txt"),
					 LEARN_WRITE | LEARN_MAKE, true, false};
	touch(at(ext, "out/new.txt"));
	acc[n++] = (struct learn_access){at(home, ".cache/tool/a"),
					 LEARN_READ | LEARN_WRITE, true, false};
	acc[n++] = (struct learn_access){at(home, ".cache/tool/b"), LEARN_READ,
					 true, false};
	acc[n++] =
	    (struct learn_access){at(home, ".toolrc"), LEARN_READ, true, false};
	acc[n++] = (struct learn_access){at(home, ".otherrc"), LEARN_READ, true,
					 false};
	acc[n++] = (struct learn_access){at(home, ".ssh/id_rsa"), LEARN_READ,
					 true, false};
	acc[n++] = (struct learn_access){at(home, ".ssh/config"), LEARN_READ,
					 true, false};
	acc[n++] = (struct learn_access){home, LEARN_LIST, true, true};
	acc[n++] = (struct learn_access){at(proj, "a.c"),
					 LEARN_READ | LEARN_WRITE, true, false};
	acc[n++] =
	    (struct learn_access){at(ext, "missing"), LEARN_STAT, false, false};
	acc[n++] =
	    (struct learn_access){at(ext, "gone"), LEARN_READ, false, false};
	assert_int_equal(learn_suggest(&p, acc, n, false, &r), 0);

	/* One file alone: as a file, not its directory. */
	assert_non_null(it = find(r.add, r.nadd, at(ext, "lib/one.so")));
	assert_int_equal(it->key, LEARN_KEY_READ_FILE);
	assert_null(find(r.add, r.nadd, at(ext, "lib")));
	/* Several entries of one directory: the directory, which covers its
	 * subdirectory's file too. */
	assert_non_null(it = find(r.add, r.nadd, at(ext, "share")));
	assert_int_equal(it->key, LEARN_KEY_READ);
	assert_int_equal(it->uses, 3);
	assert_null(find(r.add, r.nadd, at(ext, "share/x")));
	assert_null(find(r.add, r.nadd, at(ext, "share/sub/z")));
	/* A file made: its directory, for writing. */
	assert_non_null(it = find(r.add, r.nadd, at(ext, "out")));
	assert_int_equal(it->key, LEARN_KEY_WRITE);
	/* Below the home: a directory used twice is offered, read and
	 * write; the home itself never, its files as files. */
	assert_non_null(it = find(r.add, r.nadd, at(home, ".cache/tool")));
	assert_int_equal(it->key, LEARN_KEY_ALLOW);
	assert_null(find(r.add, r.nadd, home));
	assert_non_null(it = find(r.add, r.nadd, at(home, ".toolrc")));
	assert_int_equal(it->key, LEARN_KEY_READ_FILE);
	assert_non_null(find(r.add, r.nadd, at(home, ".otherrc")));
	assert_true(refused(&r, home));
	/* Protected: refused, and neither it nor its directory offered. */
	assert_true(refused(&r, at(home, ".ssh/id_rsa")));
	assert_true(refused(&r, at(home, ".ssh/config")));
	assert_null(find(r.add, r.nadd, at(home, ".ssh")));
	for (size_t i = 0; i < r.nadd; i++)
		assert_null(strstr(r.add[i].path, "/.ssh"));
	/* Granted already: not offered. */
	assert_null(find(r.add, r.nadd, at(proj, "a.c")));
	assert_null(find(r.add, r.nadd, proj));
	assert_int_equal(r.ncovered, 0);
	/* A stat, and an open that found nothing: no grant needed. */
	assert_int_equal(r.metadata, 2);
	assert_null(find(r.add, r.nadd, ext));

	/* The JSON fragment: the profile's keys, $HOME for the home. */
	assert_non_null(j = fmemopen(jbuf, sizeof(jbuf), "w"));
	learn_report_json(&r, home, j);
	fclose(j);
	assert_non_null(strstr(jbuf, "{\"filesystem\":{"));
	assert_non_null(strstr(jbuf, "\"allow\":[\"$HOME/.cache/tool\"]"));
	assert_non_null(strstr(jbuf, "\"write\":["));
	assert_non_null(strstr(jbuf, "\"read_file\":["));
	assert_non_null(strstr(jbuf, "\"$HOME/.toolrc\""));
	assert_null(strstr(jbuf, ".ssh"));
	{
		/* A profile takes it as it is (the schema's checks). */
		struct nono_profile *prof = NULL;
		char err[512];

		if (nono_profile_parse("learn.json", jbuf, strlen(jbuf), &prof,
				       err, sizeof(err)) != 0)
			fail_msg("%s", err);
		assert_int_equal(prof->fs.allow.n, 1);
		assert_string_equal(prof->fs.allow.v[0], "$HOME/.cache/tool");
		assert_int_equal(prof->fs.read_file.n, 3);
		nono_profile_free(prof);
	}

	/* The report for a person: flags, ~ for the home, the refusals. */
	assert_non_null(j = fmemopen(jbuf, sizeof(jbuf), "w"));
	learn_report_text(&r, home, j);
	fclose(j);
	assert_non_null(strstr(jbuf, "--allow"));
	assert_non_null(strstr(jbuf, "~/.cache/tool  (2 accesses)"));
	assert_non_null(strstr(jbuf, "--read-file"));
	assert_non_null(strstr(jbuf, "~/.ssh/id_rsa: protected ("));
	assert_non_null(strstr(jbuf, "--bypass-protection"));
	assert_non_null(strstr(jbuf, "2 accesses needed no grant"));
	learn_report_free(&r);

	/* With "all": what is allowed is listed as covered. */
	assert_int_equal(learn_suggest(&p, acc, n, true, &r), 0);
	assert_non_null(find(r.covered, r.ncovered, at(proj, "a.c")));
	assert_non_null(j = fmemopen(jbuf, sizeof(jbuf), "w"));
	learn_report_text(&r, home, j);
	fclose(j);
	assert_non_null(strstr(jbuf, "Already allowed ("));
	learn_report_free(&r);
	plan_clear(&p);
	args_clear(&o);
}

/* A directory offered whole holds nothing protected: two entries next
 * to a protected one stay files. */
static void test_no_ancestor_of_protected(void **state)
{
	struct run_opts o;
	struct nono_plan p;
	struct learn_report r;
	struct learn_access acc[2];

	(void)state;
	touch(at(home, ".ssh/known_hosts"));
	touch(at(home, ".ssh/extra"));
	plan_allow_proj(&o, &p);
	acc[0] = (struct learn_access){at(home, ".ssh/known_hosts"), LEARN_READ,
				       true, false};
	acc[1] = (struct learn_access){at(home, ".ssh/extra"), LEARN_READ, true,
				       false};
	assert_int_equal(learn_suggest(&p, acc, 2, false, &r), 0);
	assert_int_equal(r.nadd, 0);
	assert_int_equal(r.nrefused, 2);
	assert_true(refused(&r, at(home, ".ssh/known_hosts")));
	assert_non_null(strstr(r.refused[0].why, "protected"));
	learn_report_free(&r);
	plan_clear(&p);
	args_clear(&o);
}

/* Review of session 12, 1: a write below a directory offered for
 * reading stays a suggestion of its own. */
static void test_deep_write_kept(void **state)
{
	struct run_opts o;
	struct nono_plan p;
	struct learn_report r;
	struct learn_access acc[3];
	const struct learn_item *it;

	(void)state;
	touch(at(ext, "g/a"));
	touch(at(ext, "g/b"));
	touch(at(ext, "g/sub/out"));
	plan_allow_proj(&o, &p);
	acc[0] = (struct learn_access){at(ext, "g/a"), LEARN_READ, true, false};
	acc[1] = (struct learn_access){at(ext, "g/b"), LEARN_READ, true, false};
	acc[2] = (struct learn_access){at(ext, "g/sub/out"), LEARN_WRITE, true,
				       false};
	assert_int_equal(learn_suggest(&p, acc, 3, false, &r), 0);
	assert_non_null(it = find(r.add, r.nadd, at(ext, "g")));
	assert_int_equal(it->key, LEARN_KEY_READ);
	assert_non_null(it = find(r.add, r.nadd, at(ext, "g/sub/out")));
	assert_int_equal(it->key, LEARN_KEY_WRITE_FILE);
	learn_report_free(&r);
	/* Control: reads alone below it are covered by the directory. */
	acc[2].ops = LEARN_READ;
	assert_int_equal(learn_suggest(&p, acc, 3, false, &r), 0);
	assert_int_equal(r.nadd, 1);
	learn_report_free(&r);
	plan_clear(&p);
	args_clear(&o);
}

/* Review of session 12, 2: a directory holding a protected path outside
 * the home (the Kerberos cache) is not offered whole. */
static void test_krb5_dir_not_offered(void **state)
{
	struct run_opts o;
	struct nono_plan p;
	struct learn_report r;
	struct learn_access acc[2];
	char env[PATH_MAX + 200];

	(void)state;
	touch(at(ext, "krb/krb5cc_test"));
	touch(at(ext, "krb/a"));
	touch(at(ext, "krb/b"));
	touch(at(ext, "nokrb/a"));
	touch(at(ext, "nokrb/b"));
	snprintf(env, sizeof(env), "FILE:%s", at(ext, "krb/krb5cc_test"));
	setenv("KRB5CCNAME", env, 1);
	plan_allow_proj(&o, &p);
	acc[0] =
	    (struct learn_access){at(ext, "krb/a"), LEARN_READ, true, false};
	acc[1] =
	    (struct learn_access){at(ext, "krb/b"), LEARN_READ, true, false};
	assert_int_equal(learn_suggest(&p, acc, 2, false, &r), 0);
	assert_null(find(r.add, r.nadd, at(ext, "krb")));
	assert_non_null(find(r.add, r.nadd, at(ext, "krb/a")));
	assert_non_null(find(r.add, r.nadd, at(ext, "krb/b")));
	learn_report_free(&r);
	/* Control: the same two reads in a directory without it. */
	acc[0].path = at(ext, "nokrb/a");
	acc[1].path = at(ext, "nokrb/b");
	assert_int_equal(learn_suggest(&p, acc, 2, false, &r), 0);
	assert_non_null(find(r.add, r.nadd, at(ext, "nokrb")));
	learn_report_free(&r);
	unsetenv("KRB5CCNAME");
	plan_clear(&p);
	args_clear(&o);
}

/* Review of session 12, 3: one refusal's reason is never another's. */
static void test_refusal_reasons_kept(void **state)
{
	static char *argv[] = {"true", NULL};
	char w[PATH_MAX + 64];
	struct run_opts o;
	struct nono_plan p;
	struct learn_report r;
	struct learn_access acc[3];

	(void)state;
	snprintf(w, sizeof(w), "%s/w", root);
	touch(at(w, ".git/hooks/pre-commit"));
	touch(at(w, ".git/config"));
	touch(at(home, ".ssh/id_ed"));
	memset(&o, 0, sizeof(o));
	o.mode = MODE_RUN;
	o.argv = argv;
	o.argc = 1;
	assert_int_equal(strv_push(&o.write, w), 0);
	assert_int_equal(plan_grants(&o, home, NULL, NULL, &p), 0);
	assert_int_equal(plan_protect(&o, &p), 0);
	acc[0] = (struct learn_access){at(w, ".git/newfile"),
				       LEARN_MAKE | LEARN_WRITE, true, false};
	acc[1] = (struct learn_access){at(w, ".git"), LEARN_LIST, true, true};
	acc[2] = (struct learn_access){at(home, ".ssh/id_ed"), LEARN_READ, true,
				       false};
	assert_int_equal(learn_suggest(&p, acc, 3, false, &r), 0);
	for (size_t i = 0; i < r.nrefused; i++)
		if (strcmp(r.refused[i].path, at(home, ".ssh/id_ed")) == 0)
			assert_non_null(
			    strstr(r.refused[i].why, "protected ("));
	assert_true(refused(&r, at(home, ".ssh/id_ed")));
	learn_report_free(&r);
	plan_clear(&p);
	args_clear(&o);
}

/* Many accesses: sorted and merged, not compared pairwise (the same
 * path a thousand times is one suggestion). */
static void test_many_accesses(void **state)
{
	struct run_opts o;
	struct nono_plan p;
	struct learn_report r;
	enum { N = 20000 };
	struct learn_access *acc = calloc(N, sizeof(*acc));
	char **paths = calloc(N, sizeof(*paths));

	(void)state;
	assert_non_null(acc);
	assert_non_null(paths);
	touch(at(ext, "many/one"));
	plan_allow_proj(&o, &p);
	for (size_t i = 0; i < N; i++) {
		assert_non_null(paths[i] = strdup(at(ext, "many/one")));
		acc[i] =
		    (struct learn_access){paths[i], LEARN_READ, true, false};
	}
	assert_int_equal(learn_suggest(&p, acc, N, false, &r), 0);
	assert_int_equal(r.nadd, 1);
	assert_int_equal(r.add[0].uses, N);
	learn_report_free(&r);
	for (size_t i = 0; i < N; i++)
		free(paths[i]);
	free(paths);
	free(acc);
	plan_clear(&p);
	args_clear(&o);
}

/* The decoder of path calls: what each names, relative to what, doing
 * what; every family the issue names is known. */
static void test_calls(void **state)
{
	struct learn_ref r[2];
	const char *name = NULL;
	uint64_t a[6] = {0};
	static const int must[] = {
	    __NR_openat,     __NR_statx,     __NR_faccessat,  __NR_execve,
	    __NR_execveat,   __NR_mkdirat,   __NR_mknodat,    __NR_unlinkat,
	    __NR_symlinkat,  __NR_renameat2, __NR_linkat,     __NR_fchmodat,
	    __NR_fchownat,   __NR_utimensat, __NR_truncate,   __NR_setxattr,
	    __NR_getxattr,   __NR_listxattr, __NR_readlinkat, __NR_chdir,
#ifdef __NR_openat2
	    __NR_openat2,
#endif
#ifdef __NR_faccessat2
	    __NR_faccessat2,
#endif
#ifdef __NR_newfstatat
	    __NR_newfstatat,
#endif
#ifdef __NR_open
	    __NR_open,       __NR_stat,      __NR_lstat,      __NR_access,
	    __NR_mkdir,      __NR_rename,    __NR_link,       __NR_unlink,
	    __NR_rmdir,      __NR_symlink,   __NR_chmod,      __NR_creat,
	    __NR_readlink,
#endif
	};

	(void)state;
	for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++) {
		bool known = false;

		for (size_t k = 0; k < learn_call_count(); k++)
			known |= learn_call_nr(k) == must[i];
		if (!known)
			fail_msg("call %d not decoded", must[i]);
	}
	assert_int_equal(learn_call_nr(learn_call_count()), -1);
	/* openat(7, p, O_WRONLY|O_CREAT|O_NOFOLLOW) */
	a[0] = 7;
	a[1] = 0x1000;
	a[2] = O_WRONLY | O_CREAT | O_NOFOLLOW;
	assert_int_equal(learn_call_refs(__NR_openat, a, r, &name), 1);
	assert_string_equal(name, "openat");
	assert_int_equal(r[0].dirfd, 7);
	assert_true(r[0].addr == 0x1000);
	assert_int_equal(r[0].ops, LEARN_WRITE | LEARN_MAKE);
	assert_false(r[0].follow);
	/* A directory opened for reading is listed; O_PATH only looks. */
	assert_int_equal(learn_open_ops(O_RDONLY | O_DIRECTORY), LEARN_LIST);
	assert_int_equal(learn_open_ops(O_PATH | O_RDWR), LEARN_STAT);
	assert_int_equal(learn_open_ops(O_RDWR), LEARN_READ | LEARN_WRITE);
	assert_int_equal(learn_open_ops(O_RDONLY | O_TRUNC),
			 LEARN_READ | LEARN_WRITE);
	/* newfstatat(AT_FDCWD, p, buf, AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH) */
#ifdef __NR_newfstatat
	a[0] = (uint64_t)(int64_t)AT_FDCWD;
	a[3] = AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH;
	assert_int_equal(learn_call_refs(__NR_newfstatat, a, r, NULL), 1);
	assert_int_equal(r[0].dirfd, AT_FDCWD);
	assert_int_equal(r[0].ops, LEARN_STAT);
	assert_false(r[0].follow);
	assert_true(r[0].empty_ok);
#endif
	/* renameat2(3, old, 4, new, 0): two names made or removed. */
	a[0] = 3;
	a[1] = 0x10;
	a[2] = 4;
	a[3] = 0x20;
	a[4] = 0;
	assert_int_equal(learn_call_refs(__NR_renameat2, a, r, NULL), 2);
	assert_int_equal(r[0].dirfd, 3);
	assert_int_equal(r[1].dirfd, 4);
	assert_true(r[1].addr == 0x20);
	assert_int_equal(r[0].ops, LEARN_MAKE);
	assert_int_equal(r[1].ops, LEARN_MAKE);
	/* linkat(3, old, 4, new, AT_SYMLINK_FOLLOW): the old one read and
	 * followed, the new one made. */
	a[4] = AT_SYMLINK_FOLLOW;
	assert_int_equal(learn_call_refs(__NR_linkat, a, r, NULL), 2);
	assert_int_equal(r[0].ops, LEARN_READ);
	assert_true(r[0].follow);
	assert_int_equal(r[1].ops, LEARN_MAKE);
	/* symlinkat(target, 5, linkpath): only the new name is a lookup. */
	a[0] = 0x30;
	a[1] = 5;
	a[2] = 0x40;
	assert_int_equal(learn_call_refs(__NR_symlinkat, a, r, NULL), 1);
	assert_int_equal(r[0].dirfd, 5);
	assert_true(r[0].addr == 0x40);
	/* execve runs; openat2's flags are in memory. */
	assert_int_equal(learn_call_refs(__NR_execve, a, r, &name), 1);
	assert_int_equal(r[0].ops, LEARN_EXEC);
	assert_string_equal(name, "execve");
#ifdef __NR_openat2
	a[2] = 0x5000;
	assert_int_equal(learn_call_refs(__NR_openat2, a, r, NULL), 1);
	assert_true(r[0].how == 0x5000);
#endif
	/* Not a path call. */
	assert_int_equal(learn_call_refs(__NR_getpid, a, r, NULL), 0);
	assert_int_equal(learn_call_refs(-1, a, r, NULL), 0);
}

/* A classic BPF interpreter for what the generated programs use (loads
 * of seccomp_data words, AND, jumps on constants, scratch memory, RET):
 * anything else fails the test. */
static uint32_t run_bpf(const struct nono_bpf_program *p,
			const struct seccomp_data *d)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {0};
	const unsigned char *data = (const unsigned char *)d;

	for (size_t pc = 0; pc < p->len; pc++) {
		const struct sock_filter *f = &p->insns[pc];
		uint32_t w;

		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			assert_true(f->k + 4 <= sizeof(*d));
			memcpy(&w, data + f->k, 4);
			a = w;
			break;
		case BPF_LD | BPF_MEM:
			a = mem[f->k];
			break;
		case BPF_LDX | BPF_MEM:
			x = mem[f->k];
			break;
		case BPF_ST:
			mem[f->k] = a;
			break;
		case BPF_STX:
			mem[f->k] = x;
			break;
		case BPF_MISC | BPF_TAX:
			x = a;
			break;
		case BPF_MISC | BPF_TXA:
			a = x;
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			a &= f->k;
			break;
		case BPF_ALU | BPF_OR | BPF_K:
			a |= f->k;
			break;
		case BPF_JMP | BPF_JA:
			pc += f->k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += a == f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			pc += a > f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			pc += a >= f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			pc += (a & f->k) ? f->jt : f->jf;
			break;
		case BPF_RET | BPF_K:
			return f->k;
		default:
			fail_msg("BPF instruction 0x%04x not simulated",
				 f->code);
		}
	}
	fail_msg("BPF program ran off its end");
	return 0;
}

/* learn hands a call back to the kernel exactly when the filter without
 * learning would not have sent it to the gate: checked for every path
 * call, with the open flags that matter, against the generated programs
 * (guards or not, /proc/self writes or not). */
static void test_gate_decides_mirrors_filter(void **state)
{
	static const uint64_t flags[] = {
	    O_RDONLY,
	    O_WRONLY,
	    O_RDWR,
	    O_CREAT,
	    O_TRUNC,
	    O_CREAT | O_WRONLY | O_EXCL,
	    O_DIRECTORY,
	    O_PATH,
	    (uint64_t)1 << 40 | O_RDONLY, /* junk in the high half */
	};
	size_t checked = 0;

	(void)state;
	for (int create = 0; create < 2; create++)
		for (int write = 0; write < 2; write++) {
			struct nono_caps *caps = nono_caps_new();
			struct nono_gate *g = NULL;
			struct nono_seccomp_opts o = {0};
			const struct nono_bpf_program *prog;

			assert_non_null(caps);
			nono_caps_set_gate(caps, true);
			if (create)
				assert_int_equal(
				    nono_caps_add_guard(caps, "/nonexistent",
							NONO_GUARD_TREE, 0, 0),
				    0);
			nono_caps_set_proc_self_write(caps, write);
			assert_int_equal(nono_gate_new(caps, &g), 0);
			o.gate = true;
			o.gate_create = create;
			o.gate_write = write;
			prog = &nono_bpf_programs[nono_seccomp_variant(&o)];
			for (size_t i = 0; i < learn_call_count(); i++) {
				for (size_t f = 0;
				     f < sizeof(flags) / sizeof(flags[0]);
				     f++) {
					struct seccomp_notif req = {0};
					struct seccomp_data d = {0};
					bool notify;

					d.nr = learn_call_nr(i);
#if defined(__x86_64__)
					d.arch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
					d.arch = AUDIT_ARCH_AARCH64;
#endif
					/* The flags wherever a call has them.
					 */
					for (int k = 1; k < 6; k++)
						d.args[k] = flags[f];
					d.args[0] = (uint64_t)(int64_t)AT_FDCWD;
					notify = (run_bpf(prog, &d) &
						  SECCOMP_RET_ACTION_FULL) ==
						 SECCOMP_RET_USER_NOTIF;
					req.data = d;
					if (nono_learngate_gate_decides(
						g, &req) != notify)
						fail_msg(
						    "call %d flags %#llx "
						    "(create %d write %d): "
						    "filter %d, learn %d",
						    d.nr,
						    (unsigned long long)
							flags[f],
						    create, write, notify,
						    !notify);
					checked++;
				}
			}
			nono_gate_free(g);
			nono_caps_free(caps);
		}
	assert_true(checked > 400);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_suggestions),
	    cmocka_unit_test(test_no_ancestor_of_protected),
	    cmocka_unit_test(test_deep_write_kept),
	    cmocka_unit_test(test_krb5_dir_not_offered),
	    cmocka_unit_test(test_refusal_reasons_kept),
	    cmocka_unit_test(test_many_accesses),
	    cmocka_unit_test(test_calls),
	    cmocka_unit_test(test_gate_decides_mirrors_filter),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
