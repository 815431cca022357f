// SPDX-License-Identifier: Apache-2.0
/*
 * SHA-256: the FIPS 180-4 examples, both compression functions (the CPU's
 * SHA instructions and the portable one) against OpenSSL over inputs of
 * every length up to 1,100 bytes and fed in pieces of every size, from a
 * fixed seed; hex round trips.
 */
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "util/sha256.h"

static void hex_of(const void *data, size_t n, char *out)
{
	uint8_t d[NONO_SHA256_LEN];

	nono_sha256(data, n, d);
	nono_hex(d, sizeof(d), out);
}

static void check_vectors(void)
{
	static const struct {
		const char *in, *want;
	} v[] = {
	    {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852"
		 "b855"},
	    {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f2"
		    "0015ad"},
	    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06"
	     "c1"},
	};
	char got[NONO_SHA256_HEX];
	char *million;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		hex_of(v[i].in, strlen(v[i].in), got);
		assert_string_equal(got, v[i].want);
	}
	million = malloc(1000000);
	assert_non_null(million);
	memset(million, 'a', 1000000);
	hex_of(million, 1000000, got);
	assert_string_equal(got, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497"
				 "200e046d39ccc7112cd0");
	free(million);
}

static void test_vectors(void **state)
{
	(void)state;
	nono_sha256_force_portable(0);
	check_vectors();
	nono_sha256_force_portable(1);
	check_vectors();
	nono_sha256_force_portable(0);
}

static void against_openssl(void)
{
	uint8_t buf[1100], want[32], got[32];
	unsigned seed = 12345;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand_r(&seed);
	for (size_t n = 0; n <= sizeof(buf); n++) {
		struct nono_sha256 c;
		size_t piece = 1 + n % 97, off = 0;

		SHA256(buf, n, want);
		nono_sha256(buf, n, got);
		assert_memory_equal(got, want, 32);
		/* The same input in pieces. */
		nono_sha256_init(&c);
		while (off < n) {
			size_t k = n - off < piece ? n - off : piece;

			nono_sha256_update(&c, buf + off, k);
			off += k;
		}
		nono_sha256_final(&c, got);
		assert_memory_equal(got, want, 32);
	}
}

static void test_openssl(void **state)
{
	(void)state;
	/* Both paths (the instructions only where the CPU has them). */
	nono_sha256_force_portable(0);
	against_openssl();
	nono_sha256_force_portable(1);
	against_openssl();
	nono_sha256_force_portable(0);
}

static void test_hex(void **state)
{
	const uint8_t in[4] = {0x00, 0x9f, 0xa0, 0xff};
	uint8_t back[4];
	char h[9];

	(void)state;
	nono_hex(in, 4, h);
	assert_string_equal(h, "009fa0ff");
	assert_int_equal(nono_unhex("009FA0ff", 4, back), 0);
	assert_memory_equal(back, in, 4);
	assert_int_equal(nono_unhex("009fa0fg", 4, back), -1);
	assert_int_equal(nono_unhex("0x9fa0ff", 4, back), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vectors),
	    cmocka_unit_test(test_openssl),
	    cmocka_unit_test(test_hex),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
