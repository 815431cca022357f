/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9162 (Certificate Transparency 2.0) Merkle trees over SHA-256, with
 * the RFC's exact domain separation: a leaf is SHA-256(0x00 || data), an
 * interior node SHA-256(0x01 || left || right), the empty tree SHA-256("").
 * The audit trail's event logs and its ledger of sessions are such trees,
 * so any RFC 9162 implementation can check their roots and proofs.
 */
#ifndef NONO_AUDIT_MERKLE_H
#define NONO_AUDIT_MERKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/sha256.h"

/* A SHA-256 value (a struct, so that arrays of them stay plain C). */
typedef struct {
	uint8_t b[NONO_SHA256_LEN];
} nono_hash;

void nono_merkle_leaf(const void *data, size_t n, nono_hash *out);
void nono_merkle_node(const nono_hash *l, const nono_hash *r, nono_hash *out);

/*
 * A tree grown one leaf at a time in O(log n) memory: the roots of its
 * perfect subtrees, largest first (the "compact range").  64 levels hold
 * any size that fits a uint64_t.
 */
struct nono_merkle {
	uint64_t size;
	nono_hash stack[64];
	unsigned depth;
};

void nono_merkle_init(struct nono_merkle *t);
void nono_merkle_push(struct nono_merkle *t, const nono_hash *leaf);
/* MTH of the leaves pushed so far (SHA-256("") for none). */
void nono_merkle_root(const struct nono_merkle *t, nono_hash *out);

/* MTH(D[lo:hi]) of an array of leaf hashes. */
void nono_merkle_mth(const nono_hash *leaves, uint64_t lo, uint64_t hi,
		     nono_hash *out);

/*
 * The inclusion proof of leaf @index in the tree of @n leaves (RFC 9162
 * 2.1.3.1), into @path (room for 64): the count.  0 for a one-leaf tree.
 */
size_t nono_merkle_inclusion(const nono_hash *leaves, uint64_t n,
			     uint64_t index, nono_hash *path);
/* RFC 9162 2.1.3.2: true when @path proves @leaf at @index in @root. */
bool nono_merkle_verify_inclusion(uint64_t index, uint64_t n,
				  const nono_hash *leaf, const nono_hash *path,
				  size_t npath, const nono_hash *root);

/*
 * The consistency proof between the first @m leaves and all @n (0 < m <=
 * n; RFC 9162 2.1.4.1), into @proof (room for 128): the count.
 */
size_t nono_merkle_consistency(const nono_hash *leaves, uint64_t m, uint64_t n,
			       nono_hash *proof);
/* RFC 9162 2.1.4.2: true when @proof shows @root_n extends @root_m. */
bool nono_merkle_verify_consistency(uint64_t m, uint64_t n,
				    const nono_hash *root_m,
				    const nono_hash *root_n,
				    const nono_hash *proof, size_t nproof);

#endif
