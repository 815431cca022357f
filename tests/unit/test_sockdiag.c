// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of the AF_UNIX identity queries (sock_diag): against the real
 * kernel, a socket bound here is found by its own inode and by the file
 * inode its bind created, with the name it was bound with; and the reply
 * parser stays inside a malformed message (a fuzzer's find).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "supervisor/sockdiag.h"

static void test_path_socket(void **state)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct nono_unix_sock s;
	struct stat sock_st, file_st;
	char dir[] = "/tmp/nono-sockdiag.XXXXXX";
	int fd, nl;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/s", dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(fstat(fd, &sock_st), 0);
	assert_int_equal(stat(sun.sun_path, &file_st), 0);
	nl = nono_sockdiag_open();
	assert_true(nl >= 0);

	assert_int_equal(nono_sockdiag_get(nl, sock_st.st_ino, &s), 0);
	assert_int_equal(s.sock, sock_st.st_ino);
	assert_true(s.has_vfs);
	assert_int_equal(s.vfs_dev, file_st.st_dev);
	assert_int_equal(s.vfs_ino, file_st.st_ino);
	assert_false(s.abstract);
	assert_string_equal(s.name, sun.sun_path);

	memset(&s, 0, sizeof(s));
	assert_int_equal(nono_sockdiag_find_listeners(nl, file_st.st_dev,
						      file_st.st_ino, &s, 1),
			 1);
	assert_int_equal(s.sock, sock_st.st_ino);
	assert_string_equal(s.name, sun.sun_path);

	/* Once closed, the socket is gone: no stale answer. */
	close(fd);
	assert_int_equal(nono_sockdiag_get(nl, sock_st.st_ino, &s), -ENOENT);
	assert_int_equal(nono_sockdiag_find_listeners(nl, file_st.st_dev,
						      file_st.st_ino, &s, 1),
			 0);
	unlink(sun.sun_path);
	rmdir(dir);
	close(nl);
}

static void test_abstract_socket(void **state)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	const char name[] = "nono-test\0tail";
	struct nono_unix_sock s;
	struct stat st;
	socklen_t len;
	int fd, nl;

	(void)state;
	memcpy(sun.sun_path + 1, name, sizeof(name) - 1);
	len =
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + sizeof(name));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	if (bind(fd, (struct sockaddr *)&sun, len) < 0) {
		close(fd);
		skip(); /* the name is taken by a concurrent run */
	}
	assert_int_equal(fstat(fd, &st), 0);
	nl = nono_sockdiag_open();
	assert_true(nl >= 0);
	assert_int_equal(nono_sockdiag_get(nl, st.st_ino, &s), 0);
	assert_true(s.abstract);
	assert_false(s.has_vfs);
	assert_int_equal(s.namelen, sizeof(name) - 1);
	assert_memory_equal(s.name, name, sizeof(name) - 1);
	close(fd);
	close(nl);
}

/* A path filling sun_path (108 bytes, no NUL): the kernel reports it with
 * a NUL added, 109 bytes.  Such a socket anywhere on the host once made
 * every dump fail, and the replies left behind answered later queries. */
static void test_longest_name(void **state)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct nono_unix_sock s[2];
	struct stat sock_st, file_st;
	char dir[] = "/tmp/nono-sockdiag.XXXXXX";
	size_t dl;
	int fd, nl;

	(void)state;
	assert_non_null(mkdtemp(dir));
	dl = strlen(dir);
	memcpy(sun.sun_path, dir, dl);
	sun.sun_path[dl] = '/';
	memset(sun.sun_path + dl + 1, 'L', sizeof(sun.sun_path) - dl - 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(fstat(fd, &sock_st), 0);
	{
		char path[sizeof(sun.sun_path) + 1];

		memcpy(path, sun.sun_path, sizeof(sun.sun_path));
		path[sizeof(sun.sun_path)] = '\0';
		assert_int_equal(stat(path, &file_st), 0);
		nl = nono_sockdiag_open();
		assert_true(nl >= 0);
		assert_int_equal(nono_sockdiag_find_listeners(
				     nl, file_st.st_dev, file_st.st_ino, s, 2),
				 1);
		assert_int_equal(s[0].namelen, sizeof(sun.sun_path));
		assert_string_equal(s[0].name, path);
		/* The next exact query is answered by its own reply. */
		assert_int_equal(nono_sockdiag_get(nl, sock_st.st_ino, &s[1]),
				 0);
		assert_int_equal(s[1].sock, sock_st.st_ino);
		close(fd);
		unlink(path);
	}
	rmdir(dir);
	close(nl);
}

/* fuzz/corpus/sockdiag/crash-attr-padding-past-end: a last attribute of 5
 * bytes whose padding would end past the message moved the cursor beyond
 * it, and the next attribute header was read out of bounds. */
static void test_padding_past_end(void **state)
{
	static const unsigned char msg[] = {
	    0x2e, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
	    0x00, 0x75, 0x23, 0x00, 0x00, 0x01, 0x01, 0x0a, 0x00, 0x0d, 0x52,
	    0x00, 0x00, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0d,
	    0x00, 0x00, 0x00, 0x00, 0x61, 0x62, 0x73, 0x00, 0x6e, 0x61, 0x6d,
	    0x65, 0x00, 0x00, 0x00, 0x05, 0x00, 0x06, 0x00, 0x00, 0x00, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0x00, 0x00};
	static uint32_t buf[16];
	struct nono_unix_sock s;

	(void)state;
	memcpy(buf, msg, sizeof(msg));
	assert_int_equal(nono_sockdiag_parse(buf, sizeof(msg), &s), 0);
	assert_true(s.abstract);
	assert_int_equal(s.namelen, 8);
	/* A message that claims more than it has is refused. */
	assert_int_equal(nono_sockdiag_parse(buf, 20, &s), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_path_socket),
	    cmocka_unit_test(test_abstract_socket),
	    cmocka_unit_test(test_longest_name),
	    cmocka_unit_test(test_padding_past_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
