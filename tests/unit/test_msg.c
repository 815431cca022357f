// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of the proxy <-> nono-tls messages (src/proxy/msg.c): round
 * trips, every malformed shape refused, and descriptors passed in exact
 * number over a seqpacket pair.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "proxy/msg.h"

static char buf[NONO_MSG_MAX];

static void round_trips(void **state)
{
	struct nono_msg_tunnel t = {.port = 8443}, t2;
	struct nono_msg_decision d = {.allowed = true,
				      .status = 403,
				      .port = 443,
				      .up = 1ULL << 40,
				      .down = 7},
				 d2;
	struct nono_msg_cred c = {.port = 443,
				  .chunked = true,
				  .keep = true,
				  .budget = 12,
				  .ch = {.state = 3, .left = 9, .run = 2},
				  .route = "route\0bytes",
				  .route_len = 11,
				  .head = "HEAD",
				  .head_len = 4},
			     c2;
	int n;

	(void)state;
	strcpy(t.host, "example.com");
	n = nono_msg_tunnel_encode(&t, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(nono_msg_type(buf, (size_t)n), NONO_MSG_TUNNEL);
	assert_int_equal(nono_msg_tunnel_decode(buf, (size_t)n, &t2), 0);
	assert_string_equal(t2.host, "example.com");
	assert_int_equal(t2.port, 8443);
	/* a message of one type is no other */
	assert_int_equal(nono_msg_cred_decode(buf, (size_t)n, &c2), -EINVAL);

	strcpy(d.method, "GET");
	strcpy(d.host, "h");
	n = nono_msg_decision_encode(&d, buf, sizeof(buf));
	assert_int_equal(nono_msg_decision_decode(buf, (size_t)n, &d2), 0);
	assert_true(d2.allowed);
	assert_int_equal(d2.status, 403);
	assert_string_equal(d2.path, "");
	assert_true(d2.up == 1ULL << 40);

	strcpy(c.host, "api.example.com");
	strcpy(c.method, "POST");
	strcpy(c.path, "/v1/x");
	n = nono_msg_cred_encode(&c, buf, sizeof(buf));
	assert_int_equal(nono_msg_cred_decode(buf, (size_t)n, &c2), 0);
	assert_int_equal(c2.route_len, 11);
	assert_memory_equal(c2.route, "route\0bytes", 11);
	assert_int_equal(c2.ch.left, 9);
	assert_true(c2.chunked && c2.keep && !c2.done);
}

static void refusals(void **state)
{
	struct nono_msg_tunnel t = {.port = 443}, t2;
	char copy[256];
	int n;

	(void)state;
	strcpy(t.host, "example.com");
	n = nono_msg_tunnel_encode(&t, buf, sizeof(buf));
	memcpy(copy, buf, (size_t)n);
	/* trailing byte, truncation */
	assert_int_equal(nono_msg_tunnel_decode(copy, (size_t)n + 1, &t2),
			 -EINVAL);
	assert_int_equal(nono_msg_tunnel_decode(copy, (size_t)n - 1, &t2),
			 -EINVAL);
	/* magic, version, type */
	copy[0] = 'X';
	assert_int_equal(nono_msg_type(copy, (size_t)n), -EINVAL);
	memcpy(copy, buf, (size_t)n);
	copy[2] = 2;
	assert_int_equal(nono_msg_type(copy, (size_t)n), -EINVAL);
	memcpy(copy, buf, (size_t)n);
	copy[3] = 99; /* no such type */
	assert_int_equal(nono_msg_type(copy, (size_t)n), -EINVAL);
	/* a NUL inside the host */
	memcpy(copy, buf, (size_t)n);
	copy[6 + 6 + 3] = '\0';
	assert_int_equal(nono_msg_tunnel_decode(copy, (size_t)n, &t2), -EINVAL);
	/* a field twice: the port's tag on the host */
	memcpy(copy, buf, (size_t)n);
	copy[6] = 2;
	assert_int_equal(nono_msg_tunnel_decode(copy, (size_t)n, &t2), -EINVAL);
	/* port 0 */
	t.port = 0;
	n = nono_msg_tunnel_encode(&t, buf, sizeof(buf));
	assert_int_equal(nono_msg_tunnel_decode(buf, (size_t)n, &t2), -EINVAL);
	/* too small a buffer: no partial message */
	assert_int_equal(nono_msg_tunnel_encode(&t, buf, 10), -1);
}

static void descriptors(void **state)
{
	int sp[2], fds[2], got[2] = {-1, -1}, one = -1;
	ssize_t n;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp), 0);
	fds[0] = open("/dev/null", O_RDONLY);
	fds[1] = open("/dev/null", O_RDONLY);
	assert_int_equal(nono_msg_send(sp[0], "abc", 3, fds, 2, 0), 0);
	n = nono_msg_recv(sp[1], buf, sizeof(buf), got, 2, 0);
	assert_int_equal(n, 3);
	assert_true(got[0] >= 0 && got[1] >= 0);
	close(got[0]);
	close(got[1]);
	/* two sent, one expected: refused, and nothing leaks */
	assert_int_equal(nono_msg_send(sp[0], "abc", 3, fds, 2, 0), 0);
	n = nono_msg_recv(sp[1], buf, sizeof(buf), &one, 1, 0);
	assert_int_equal(n, -EBADMSG);
	/* none sent, two expected */
	assert_int_equal(nono_msg_send(sp[0], "abc", 3, NULL, 0, 0), 0);
	assert_int_equal(nono_msg_recv(sp[1], buf, sizeof(buf), got, 2, 0),
			 -EBADMSG);
	/* no descriptors expected, none sent (the decisions' way) */
	assert_int_equal(nono_msg_send(sp[0], "xyz", 3, NULL, 0, 0), 0);
	assert_int_equal(nono_msg_recv(sp[1], buf, sizeof(buf), NULL, 0, 0), 3);
	/* truncated */
	assert_int_equal(nono_msg_send(sp[0], "abcdef", 6, NULL, 0, 0), 0);
	assert_int_equal(nono_msg_recv(sp[1], buf, 3, NULL, 0, 0), -EBADMSG);
	/* the peer gone */
	close(sp[0]);
	assert_int_equal(nono_msg_recv(sp[1], buf, sizeof(buf), got, 2, 0), 0);
	close(sp[1]);
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(round_trips),
	    cmocka_unit_test(refusals),
	    cmocka_unit_test(descriptors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
