// SPDX-License-Identifier: Apache-2.0
/* RFC 9162 Merkle trees: the definitions of sections 2.1.1-2.1.4, as
 * written there (recursive over an array of leaf hashes), and the
 * verification algorithms of 2.1.3.2 and 2.1.4.2. */
#include <string.h>

#include "audit/merkle.h"

void nono_merkle_leaf(const void *data, size_t n, nono_hash *out)
{
	struct nono_sha256 c;
	const uint8_t zero = 0x00;

	nono_sha256_init(&c);
	nono_sha256_update(&c, &zero, 1);
	nono_sha256_update(&c, data, n);
	nono_sha256_final(&c, out->b);
}

void nono_merkle_node(const nono_hash *l, const nono_hash *r, nono_hash *out)
{
	uint8_t buf[1 + 2 * NONO_SHA256_LEN];

	buf[0] = 0x01;
	memcpy(buf + 1, l->b, NONO_SHA256_LEN);
	memcpy(buf + 1 + NONO_SHA256_LEN, r->b, NONO_SHA256_LEN);
	nono_sha256(buf, sizeof(buf), out->b);
}

void nono_merkle_init(struct nono_merkle *t)
{
	memset(t, 0, sizeof(*t));
}

/* Each set bit of size is one perfect subtree; pushing a leaf merges the
 * subtrees of the trailing set bits, as binary addition carries. */
void nono_merkle_push(struct nono_merkle *t, const nono_hash *leaf)
{
	nono_hash h = *leaf;
	uint64_t s = t->size;

	while (s & 1) {
		nono_merkle_node(&t->stack[--t->depth], &h, &h);
		s >>= 1;
	}
	t->stack[t->depth++] = h;
	t->size++;
}

void nono_merkle_root(const struct nono_merkle *t, nono_hash *out)
{
	nono_hash h;

	if (t->depth == 0) {
		nono_sha256("", 0, out->b);
		return;
	}
	/* MTH splits at the largest power of two below n: the right fold of
	 * the subtree roots, smallest on the right. */
	h = t->stack[t->depth - 1];
	for (unsigned i = t->depth - 1; i-- > 0;)
		nono_merkle_node(&t->stack[i], &h, &h);
	*out = h;
}

/* The largest power of two smaller than @n (n > 1). */
static uint64_t split(uint64_t n)
{
	uint64_t k = 1;

	while (k << 1 < n)
		k <<= 1;
	return k;
}

void nono_merkle_mth(const nono_hash *leaves, uint64_t lo, uint64_t hi,
		     nono_hash *out)
{
	nono_hash l, r;
	uint64_t k;

	if (hi == lo) {
		nono_sha256("", 0, out->b);
		return;
	}
	if (hi - lo == 1) {
		*out = leaves[lo];
		return;
	}
	k = split(hi - lo);
	nono_merkle_mth(leaves, lo, lo + k, &l);
	nono_merkle_mth(leaves, lo + k, hi, &r);
	nono_merkle_node(&l, &r, out);
}

static size_t path(const nono_hash *leaves, uint64_t lo, uint64_t hi,
		   uint64_t m, nono_hash *out)
{
	uint64_t n = hi - lo, k;
	size_t c;

	if (n <= 1)
		return 0;
	k = split(n);
	if (m < k) {
		c = path(leaves, lo, lo + k, m, out);
		nono_merkle_mth(leaves, lo + k, hi, &out[c]);
	} else {
		c = path(leaves, lo + k, hi, m - k, out);
		nono_merkle_mth(leaves, lo, lo + k, &out[c]);
	}
	return c + 1;
}

size_t nono_merkle_inclusion(const nono_hash *leaves, uint64_t n,
			     uint64_t index, nono_hash *out)
{
	if (index >= n)
		return 0;
	return path(leaves, 0, n, index, out);
}

bool nono_merkle_verify_inclusion(uint64_t index, uint64_t n,
				  const nono_hash *leaf, const nono_hash *p,
				  size_t np, const nono_hash *root)
{
	uint64_t fn = index, sn;
	nono_hash r;

	if (index >= n)
		return false;
	sn = n - 1;
	r = *leaf;
	for (size_t i = 0; i < np; i++) {
		if (sn == 0)
			return false;
		if ((fn & 1) || fn == sn) {
			nono_merkle_node(&p[i], &r, &r);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			nono_merkle_node(&r, &p[i], &r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && memcmp(r.b, root->b, sizeof(r.b)) == 0;
}

static size_t subproof(const nono_hash *leaves, uint64_t lo, uint64_t hi,
		       uint64_t m, bool b, nono_hash *out)
{
	uint64_t n = hi - lo, k;
	size_t c;

	if (m == n) {
		if (b)
			return 0;
		nono_merkle_mth(leaves, lo, hi, &out[0]);
		return 1;
	}
	k = split(n);
	if (m <= k) {
		c = subproof(leaves, lo, lo + k, m, b, out);
		nono_merkle_mth(leaves, lo + k, hi, &out[c]);
	} else {
		c = subproof(leaves, lo + k, hi, m - k, false, out);
		nono_merkle_mth(leaves, lo, lo + k, &out[c]);
	}
	return c + 1;
}

size_t nono_merkle_consistency(const nono_hash *leaves, uint64_t m, uint64_t n,
			       nono_hash *out)
{
	if (m == 0 || m > n)
		return 0;
	return subproof(leaves, 0, n, m, true, out);
}

bool nono_merkle_verify_consistency(uint64_t m, uint64_t n,
				    const nono_hash *root_m,
				    const nono_hash *root_n,
				    const nono_hash *proof, size_t np)
{
	uint64_t fn, sn;
	nono_hash fr, sr;
	size_t i = 0;

	if (m == 0 || m > n)
		return false;
	if (m == n)
		return np == 0 &&
		       memcmp(root_m->b, root_n->b, NONO_SHA256_LEN) == 0;
	if (np == 0)
		return false;
	/* An exact power of two: the old root is the first node. */
	if ((m & (m - 1)) == 0) {
		fr = *root_m;
	} else {
		fr = proof[0];
		i = 1;
	}
	sr = fr;
	fn = m - 1;
	sn = n - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	for (; i < np; i++) {
		if (sn == 0)
			return false;
		if ((fn & 1) || fn == sn) {
			nono_merkle_node(&proof[i], &fr, &fr);
			nono_merkle_node(&proof[i], &sr, &sr);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			nono_merkle_node(&sr, &proof[i], &sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return memcmp(fr.b, root_m->b, NONO_SHA256_LEN) == 0 &&
	       memcmp(sr.b, root_n->b, NONO_SHA256_LEN) == 0 && sn == 0;
}
