// SPDX-License-Identifier: Apache-2.0
/*
 * RFC 9162 Merkle trees: the Certificate Transparency reference vectors
 * (roots of sizes 0-8 over the eight canonical leaves, inclusion and
 * consistency proofs), the incremental root against the recursive one,
 * and every inclusion and consistency proof of every tree up to 70 leaves
 * verified, then refused once any byte, index or size is changed.
 */
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "audit/merkle.h"

static const char *const leaves_hex[8] = {
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
};

static const char *const roots_hex[9] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static nono_hash ct[8];

static void unhex32(const char *h, nono_hash *out)
{
	assert_int_equal(strlen(h), 64);
	assert_int_equal(nono_unhex(h, 32, out->b), 0);
}

static int setup(void **state)
{
	(void)state;
	for (int i = 0; i < 8; i++) {
		uint8_t d[16];
		size_t n = strlen(leaves_hex[i]) / 2;

		if (nono_unhex(leaves_hex[i], n, d) < 0)
			return -1;
		nono_merkle_leaf(d, n, &ct[i]);
	}
	return 0;
}

static void test_roots(void **state)
{
	struct nono_merkle t;
	nono_hash want, got;

	(void)state;
	nono_merkle_init(&t);
	for (int n = 0; n <= 8; n++) {
		unhex32(roots_hex[n], &want);
		nono_merkle_mth(ct, 0, (uint64_t)n, &got);
		assert_memory_equal(got.b, want.b, 32);
		nono_merkle_root(&t, &got);
		assert_memory_equal(got.b, want.b, 32);
		if (n < 8)
			nono_merkle_push(&t, &ct[n]);
	}
}

static void test_inclusion_vectors(void **state)
{
	static const struct {
		uint64_t index, size;
		const char *path[3];
	} v[] = {
	    {0,
	     8,
	     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cf"
	      "c7",
	      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de303"
	      "1e",
	      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6"
	      "e4"}},
	    {5,
	     8,
	     {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e"
	      "6b",
	      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0a"
	      "e0",
	      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614"
	      "b7"}},
	};
	nono_hash path[64], want[3], root;

	(void)state;
	unhex32(roots_hex[8], &root);
	for (size_t i = 0; i < 2; i++) {
		size_t n =
		    nono_merkle_inclusion(ct, v[i].size, v[i].index, path);

		assert_int_equal(n, 3);
		for (int j = 0; j < 3; j++) {
			unhex32(v[i].path[j], &want[j]);
			assert_memory_equal(path[j].b, want[j].b, 32);
		}
		assert_true(nono_merkle_verify_inclusion(
		    v[i].index, v[i].size, &ct[v[i].index], want, 3, &root));
	}
}

static void test_consistency_vectors(void **state)
{
	static const struct {
		uint64_t m, n;
		size_t np;
		const char *proof[3];
	} v[] = {
	    {1, 1, 0, {NULL}},
	    {1,
	     8,
	     3,
	     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cf"
	      "c7",
	      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de303"
	      "1e",
	      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6"
	      "e4"}},
	    {6,
	     8,
	     3,
	     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef"
	      "6a",
	      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0a"
	      "e0",
	      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614"
	      "b7"}},
	    {2,
	     5,
	     2,
	     {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de303"
	      "1e",
	      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e"
	      "6b"}},
	};
	nono_hash proof[128], want[3], rm, rn;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t np = nono_merkle_consistency(ct, v[i].m, v[i].n, proof);

		assert_int_equal(np, v[i].np);
		for (size_t j = 0; j < np; j++) {
			unhex32(v[i].proof[j], &want[j]);
			assert_memory_equal(proof[j].b, want[j].b, 32);
		}
		unhex32(roots_hex[v[i].m], &rm);
		unhex32(roots_hex[v[i].n], &rn);
		assert_true(nono_merkle_verify_consistency(v[i].m, v[i].n, &rm,
							   &rn, want, np));
	}
}

#define BIG 70

static void test_every_proof(void **state)
{
	static nono_hash leaves[BIG], roots[BIG + 1];
	nono_hash p[128], bad;
	struct nono_merkle t;

	(void)state;
	nono_merkle_init(&t);
	for (uint64_t i = 0; i < BIG; i++) {
		uint8_t d[2] = {(uint8_t)i, (uint8_t)(i * 7)};

		nono_merkle_root(&t, &roots[i]);
		nono_merkle_leaf(d, 2, &leaves[i]);
		nono_merkle_push(&t, &leaves[i]);
	}
	nono_merkle_root(&t, &roots[BIG]);
	for (uint64_t n = 1; n <= BIG; n++) {
		nono_hash r;

		nono_merkle_mth(leaves, 0, n, &r);
		assert_memory_equal(r.b, roots[n].b, 32);
		for (uint64_t i = 0; i < n; i++) {
			size_t np = nono_merkle_inclusion(leaves, n, i, p);

			assert_true(nono_merkle_verify_inclusion(
			    i, n, &leaves[i], p, np, &roots[n]));
			/* Another leaf or index: refused.  (The size is bound
			 * by the root: a proof can fit two sizes' shapes.) */
			assert_false(nono_merkle_verify_inclusion(
			    i, n, &leaves[(i + 1) % BIG], p, np, &roots[n]));
			if (n > 1)
				assert_false(nono_merkle_verify_inclusion(
				    (i + 1) % n, n, &leaves[i], p, np,
				    &roots[n]));
			if (np) {
				bad = p[np - 1];
				p[np - 1].b[5] ^= 1;
				assert_false(nono_merkle_verify_inclusion(
				    i, n, &leaves[i], p, np, &roots[n]));
				p[np - 1] = bad;
				assert_false(nono_merkle_verify_inclusion(
				    i, n, &leaves[i], p, np - 1, &roots[n]));
			}
		}
		for (uint64_t m = 1; m <= n; m++) {
			size_t np = nono_merkle_consistency(leaves, m, n, p);

			assert_true(nono_merkle_verify_consistency(
			    m, n, &roots[m], &roots[n], p, np));
			/* A rewritten past (another old root) or another
			 * new tree: refused. */
			assert_false(nono_merkle_verify_consistency(
			    m, n, &roots[m - 1], &roots[n], p, np));
			assert_false(nono_merkle_verify_consistency(
			    m, n, &roots[m], &roots[n - 1], p, np));
			if (np) {
				p[0].b[0] ^= 0x80;
				assert_false(nono_merkle_verify_consistency(
				    m, n, &roots[m], &roots[n], p, np));
				p[0].b[0] ^= 0x80;
			}
		}
	}
	/* Sizes out of range. */
	assert_false(
	    nono_merkle_verify_consistency(0, 1, &roots[0], &roots[1], p, 0));
	assert_false(
	    nono_merkle_verify_consistency(3, 2, &roots[3], &roots[2], p, 1));
	assert_false(
	    nono_merkle_verify_inclusion(3, 3, &leaves[3], p, 2, &roots[3]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roots),
	    cmocka_unit_test(test_inclusion_vectors),
	    cmocka_unit_test(test_consistency_vectors),
	    cmocka_unit_test(test_every_proof),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
