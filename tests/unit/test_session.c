// SPDX-License-Identifier: Apache-2.0
/*
 * Sessions: the attach socket's messages (one codec, proxy/msg.c), the
 * registry (records, liveness, lookup, names, the directory's checks) and
 * the detach keys.  The registry runs in a temporary $HOME.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proxy/msg.h"
#include "session/client.h"
#include "session/registry.h"

static char home[PATH_MAX];

static int setup_home(void **state)
{
	(void)state;
	snprintf(home, sizeof(home), "/tmp/nono-test-session.XXXXXX");
	if (!mkdtemp(home))
		return -1;
	setenv("HOME", home, 1);
	return 0;
}

static int teardown_home(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", home);
	return system(cmd) == 0 ? 0 : -1;
}

/* --- messages ----------------------------------------------------------- */

static void round_trip(const struct nono_msg_session *m)
{
	char buf[NONO_MSG_DATA_MAX + 256];
	struct nono_msg_session back;
	int n = nono_msg_session_encode(m, buf, sizeof(buf));

	assert_true(n > 0);
	assert_int_equal(nono_msg_type(buf, (size_t)n), m->type);
	assert_int_equal(nono_msg_session_decode(buf, (size_t)n, &back), 0);
	assert_int_equal(back.type, m->type);
	assert_int_equal(back.read_only, m->read_only);
	assert_int_equal(back.rows, m->rows);
	assert_int_equal(back.cols, m->cols);
	assert_string_equal(back.text, m->text);
	assert_int_equal(back.status, m->status);
	assert_int_equal(back.signo, m->signo);
	assert_int_equal(back.len, m->len);
	if (m->len)
		assert_memory_equal(back.data, m->data, m->len);
}

static void test_msg_round_trips(void **state)
{
	static char big[NONO_MSG_DATA_MAX];
	struct nono_msg_session m;

	(void)state;
	memset(big, 'x', sizeof(big));
	m = (struct nono_msg_session){
	    .type = NONO_MSG_HELLO, .read_only = true, .rows = 24, .cols = 80};
	round_trip(&m);
	m = (struct nono_msg_session){
	    .type = NONO_MSG_RESIZE, .rows = 10000, .cols = 1};
	round_trip(&m);
	m = (struct nono_msg_session){.type = NONO_MSG_WELCOME};
	snprintf(m.text, sizeof(m.text), "amber-otter");
	round_trip(&m);
	m = (struct nono_msg_session){.type = NONO_MSG_DETACH};
	round_trip(&m); /* an empty reason is fine */
	m = (struct nono_msg_session){
	    .type = NONO_MSG_DATA, .data = "\0\x1b[?1049h\xff", .len = 10};
	round_trip(&m);
	m = (struct nono_msg_session){
	    .type = NONO_MSG_DATA, .data = big, .len = sizeof(big)};
	round_trip(&m);
	m = (struct nono_msg_session){
	    .type = NONO_MSG_EXIT, .status = 143, .signo = 15};
	round_trip(&m);
	m = (struct nono_msg_session){.type = NONO_MSG_PROMPT};
	snprintf(m.text, sizeof(m.text), "Save to profile local? ");
	round_trip(&m);
	m = (struct nono_msg_session){.type = NONO_MSG_ANSWER};
	round_trip(&m); /* an empty answer is an answer: no */
}

static void test_msg_refuses(void **state)
{
	static char big[NONO_MSG_DATA_MAX + 1];
	char buf[NONO_MSG_DATA_MAX + 512];
	struct nono_msg_session m, back;
	int n;

	(void)state;
	/* Encoders refuse what decoders would. */
	m = (struct nono_msg_session){
	    .type = NONO_MSG_HELLO, .rows = 0, .cols = 80};
	assert_true(nono_msg_session_encode(&m, buf, sizeof(buf)) < 0);
	m = (struct nono_msg_session){
	    .type = NONO_MSG_RESIZE, .rows = 24, .cols = 10001};
	assert_true(nono_msg_session_encode(&m, buf, sizeof(buf)) < 0);
	m = (struct nono_msg_session){
	    .type = NONO_MSG_DATA, .data = big, .len = sizeof(big)};
	assert_true(nono_msg_session_encode(&m, buf, sizeof(buf)) < 0);
	m = (struct nono_msg_session){.type = NONO_MSG_DATA, .len = 0};
	assert_true(nono_msg_session_encode(&m, buf, sizeof(buf)) < 0);
	m = (struct nono_msg_session){.type = NONO_MSG_EXIT, .status = 256};
	assert_true(nono_msg_session_encode(&m, buf, sizeof(buf)) < 0);
	m = (struct nono_msg_session){.type = NONO_MSG_WELCOME};
	assert_true(nono_msg_session_encode(&m, buf, sizeof(buf)) > 0);
	/* ... and an empty name does not decode. */
	n = nono_msg_session_encode(&m, buf, sizeof(buf));
	assert_int_equal(nono_msg_session_decode(buf, (size_t)n, &back),
			 -EINVAL);
	/* A proxy message is no session message. */
	{
		struct nono_msg_tunnel t = {.port = 443};

		snprintf(t.host, sizeof(t.host), "example.com");
		n = nono_msg_tunnel_encode(&t, buf, sizeof(buf));
		assert_true(n > 0);
		assert_int_equal(nono_msg_session_decode(buf, (size_t)n, &back),
				 -EINVAL);
	}
	/* Truncated. */
	m = (struct nono_msg_session){
	    .type = NONO_MSG_EXIT, .status = 1, .signo = 0};
	n = nono_msg_session_encode(&m, buf, sizeof(buf));
	for (int cut = 0; cut < n; cut++)
		assert_int_equal(
		    nono_msg_session_decode(buf, (size_t)cut, &back), -EINVAL);
}

/* --- detach keys -------------------------------------------------------- */

static void test_detach_keys(void **state)
{
	unsigned char p, k;

	(void)state;
	assert_int_equal(nono_parse_detach_keys("ctrl-] d", &p, &k), 0);
	assert_int_equal(p, 0x1d);
	assert_int_equal(k, 'd');
	assert_int_equal(nono_parse_detach_keys("C-b x", &p, &k), 0);
	assert_int_equal(p, 0x02);
	assert_int_equal(k, 'x');
	assert_int_equal(nono_parse_detach_keys("ctrl-a ctrl-d", &p, &k), 0);
	assert_int_equal(p, 0x01);
	assert_int_equal(k, 0x04);
	assert_int_equal(nono_parse_detach_keys("d", &p, &k), -EINVAL);
	assert_int_equal(nono_parse_detach_keys("", &p, &k), -EINVAL);
	assert_int_equal(nono_parse_detach_keys("ctrl-] d e", &p, &k), -EINVAL);
	assert_int_equal(nono_parse_detach_keys("ctrl-1 d", &p, &k), -EINVAL);
	assert_int_equal(nono_parse_detach_keys("ab d", &p, &k), -EINVAL);
}

/* --- registry ----------------------------------------------------------- */

static struct nono_session_rec new_rec(void)
{
	struct nono_session_rec r = {0};

	r.sup_pid = getpid();
	r.command = strdup("[\"sh\",\"-c\",\"echo hi\"]");
	snprintf(r.workdir, sizeof(r.workdir), "/w");
	snprintf(r.network, sizeof(r.network), "allowed");
	return r;
}

static void test_registry_create_load(void **state)
{
	struct nono_session_rec r = new_rec(), back, dup = new_rec();
	char err[512];
	int dfd, dfd2;

	(void)state;
	assert_int_equal(
	    nono_session_create(&r, "demo", &dfd, err, sizeof(err)), 0);
	assert_int_equal(strlen(r.id), NONO_SESSION_ID_LEN);
	assert_string_equal(r.name, "demo");
	assert_int_equal(nono_session_load(dfd, &back), 0);
	assert_string_equal(back.id, r.id);
	assert_string_equal(back.command, "[\"sh\",\"-c\",\"echo hi\"]");
	/* Our own process is its supervisor, alive: starting. */
	assert_int_equal(back.state, NONO_SESSION_STARTING);
	nono_session_rec_clear(&back);
	/* A live session's name is taken. */
	assert_int_equal(
	    nono_session_create(&dup, "demo", &dfd2, err, sizeof(err)),
	    -EEXIST);
	assert_non_null(strstr(err, "already named 'demo'"));
	/* A generated name is unique too. */
	assert_int_equal(
	    nono_session_create(&dup, NULL, &dfd2, err, sizeof(err)), 0);
	assert_true(strcmp(dup.name, "demo") != 0);
	assert_non_null(strchr(dup.name, '-'));
	close(dfd2);
	nono_session_rec_clear(&dup);
	/* Once ended, the name is free again. */
	r.state = NONO_SESSION_EXITED;
	assert_int_equal(nono_session_save(dfd, &r), 0);
	dup = new_rec();
	assert_int_equal(
	    nono_session_create(&dup, "demo", &dfd2, err, sizeof(err)), 0);
	close(dfd2);
	nono_session_rec_clear(&dup);
	close(dfd);
	nono_session_rec_clear(&r);
	/* Bad names. */
	dup = new_rec();
	assert_int_equal(
	    nono_session_create(&dup, "a b", &dfd2, err, sizeof(err)), -EINVAL);
	assert_int_equal(
	    nono_session_create(&dup, "../x", &dfd2, err, sizeof(err)),
	    -EINVAL);
	nono_session_rec_clear(&dup);
}

static void test_registry_dead(void **state)
{
	struct nono_session_rec r = new_rec(), back;
	char err[512];
	pid_t child;
	int dfd;

	(void)state;
	/* A supervisor that is gone: its record is dead, never running. */
	child = fork();
	if (child == 0)
		_exit(0);
	r.sup_pid = child;
	assert_int_equal(
	    nono_session_create(&r, "gone", &dfd, err, sizeof(err)), 0);
	waitpid(child, NULL, 0);
	r.state = NONO_SESSION_RUNNING;
	assert_int_equal(nono_session_save(dfd, &r), 0);
	assert_int_equal(nono_session_load(dfd, &back), 0);
	assert_int_equal(back.state, NONO_SESSION_DEAD);
	nono_session_rec_clear(&back);
	/* A live pid with another start time (a reused pid): dead too. */
	r.sup_pid = getpid();
	r.sup_start = nono_proc_start(getpid()) + 1;
	assert_int_equal(nono_session_save(dfd, &r), 0);
	assert_int_equal(nono_session_load(dfd, &back), 0);
	assert_int_equal(back.state, NONO_SESSION_DEAD);
	nono_session_rec_clear(&back);
	close(dfd);
	nono_session_rec_clear(&r);
}

static void test_registry_malformed(void **state)
{
	static const char *const bad[] = {
	    "",
	    "{",
	    "[]",
	    "{\"id\":\"zz\"}",
	    "{\"id\":\"0123456789abcdef\",\"name\":\"x\"}",
	};
	struct nono_session_rec r = new_rec(), back;
	char err[512];
	int dfd;

	(void)state;
	assert_int_equal(nono_session_create(&r, "bad", &dfd, err, sizeof(err)),
			 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int fd = openat(dfd, NONO_SESSION_RECORD,
				O_WRONLY | O_TRUNC | O_CLOEXEC);

		assert_true(fd >= 0);
		assert_int_equal(write(fd, bad[i], strlen(bad[i])),
				 (ssize_t)strlen(bad[i]));
		close(fd);
		assert_int_equal(nono_session_load(dfd, &back), -EINVAL);
	}
	/* Not listed either (prune takes the directory). */
	{
		struct nono_session_rec *v;
		size_t n;

		assert_int_equal(nono_session_list(&v, &n), 0);
		for (size_t i = 0; i < n; i++)
			assert_true(strcmp(v[i].id, r.id) != 0);
		nono_session_list_free(v, n);
	}
	assert_int_equal(nono_session_remove(r.id), 0);
	close(dfd);
	nono_session_rec_clear(&r);
}

static void test_registry_find(void **state)
{
	struct nono_session_rec a = new_rec(), b = new_rec(), got;
	char err[1024], pre[8];
	int da, db, d;

	(void)state;
	assert_int_equal(
	    nono_session_create(&a, "find-one", &da, err, sizeof(err)), 0);
	assert_int_equal(
	    nono_session_create(&b, "find-two", &db, err, sizeof(err)), 0);
	assert_int_equal(nono_session_find(a.id, &got, &d, err, sizeof(err)),
			 0);
	assert_string_equal(got.name, "find-one");
	close(d);
	nono_session_rec_clear(&got);
	assert_int_equal(
	    nono_session_find("find-two", &got, NULL, err, sizeof(err)), 0);
	assert_string_equal(got.id, b.id);
	nono_session_rec_clear(&got);
	assert_int_equal(
	    nono_session_find("find-t", &got, NULL, err, sizeof(err)), 0);
	assert_string_equal(got.id, b.id);
	nono_session_rec_clear(&got);
	/* Ambiguous: both named. */
	assert_int_equal(
	    nono_session_find("find-", &got, NULL, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "find-one"));
	assert_non_null(strstr(err, "find-two"));
	/* An id prefix. */
	snprintf(pre, sizeof(pre), "%.6s", a.id);
	if (strncmp(a.id, b.id, 6) != 0) {
		assert_int_equal(
		    nono_session_find(pre, &got, NULL, err, sizeof(err)), 0);
		assert_string_equal(got.id, a.id);
		nono_session_rec_clear(&got);
	}
	assert_int_equal(
	    nono_session_find("nosuch", &got, NULL, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "no session 'nosuch'"));
	close(da);
	close(db);
	nono_session_rec_clear(&a);
	nono_session_rec_clear(&b);
}

static void test_registry_private(void **state)
{
	char dir[PATH_MAX];

	(void)state;
	assert_int_equal(nono_sessions_dir(dir, sizeof(dir)), 0);
	/* Writable by others: refused until fixed. */
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(nono_sessions_dir(dir, sizeof(dir)), -EPERM);
	assert_int_equal(chmod(dir, 0700), 0);
	assert_int_equal(nono_sessions_dir(dir, sizeof(dir)), 0);
	/* A link in its place: refused. */
	{
		char moved[PATH_MAX + 8];

		snprintf(moved, sizeof(moved), "%s.real", dir);
		assert_int_equal(rename(dir, moved), 0);
		assert_int_equal(symlink(moved, dir), 0);
		assert_int_equal(nono_sessions_dir(dir, sizeof(dir)), -ENOTDIR);
		assert_int_equal(unlink(dir), 0);
		assert_int_equal(rename(moved, dir), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_msg_round_trips),
	    cmocka_unit_test(test_msg_refuses),
	    cmocka_unit_test(test_detach_keys),
	    cmocka_unit_test(test_registry_create_load),
	    cmocka_unit_test(test_registry_dead),
	    cmocka_unit_test(test_registry_malformed),
	    cmocka_unit_test(test_registry_find),
	    cmocka_unit_test(test_registry_private),
	};

	return cmocka_run_group_tests(tests, setup_home, teardown_home);
}
