/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Trust policies (trust-policy.json): which files are instruction files,
 * whose keys may sign them, which contents and keys are blocked, and what
 * a failed verification does.  A library with no output of its own: every
 * error is one line in the caller's buffer, FILE:LINE:COL first.
 *
 * The format is upstream nono's (version 1):
 *
 *   { "version": 1,
 *     "instruction_patterns": ["SKILLS*", "docs/AGENT*.md"],
 *     "publishers": [{ "name": "me", "key_id": "default",
 *                      "public_key": "MFkw...base64 SPKI DER..." },
 *                    { "name": "ci", "issuer": "https://...",
 *                      "repository": "org/repo", "workflow": "...",
 *                      "ref_pattern": "refs/tags/v*" }],
 *     "blocklist": { "digests": [{ "sha256": "64 hex", "description": "",
 *                                  "added": "2026-02-20" }],
 *                    "publishers": [{ "identity": "...", "reason": "",
 *                                     "added": "" }] },
 *     "enforcement": "deny" }
 *
 * ("includes", upstream's later name of instruction_patterns, is read as
 * the same list.)  Limits, as upstream's: 100 patterns, 1,000 publishers,
 * 10,000 blocked digests; and 1,000 blocked publishers (upstream has no
 * ceiling there).  A merged policy may hold four times as many.
 *
 * Deliberate differences from upstream, all to close a way around the
 * check:
 * - A keyed publisher is its KEY, not its label.  "public_key" is
 *   required for every keyed publisher, and verification looks a signer
 *   up by the key's fingerprint (hex SHA-256 of the SPKI DER, a bundle's
 *   publicKey.hint): upstream matches "key_id", a name anyone can give
 *   their own key, and falls back to the keystore's key of that name.
 *   "name" and "key_id" are labels for people; two publishers with one
 *   label and different keys are two publishers.  An optional
 *   "fingerprint" must equal the computed one (a stale copy of a key is
 *   an error, not a silent other key).
 * - Only ECDSA P-256 keys are accepted (what nono trust keygen makes);
 *   another key is refused by name rather than failing at verification.
 * - Merging dedups publishers by key, not by name: a project's publisher
 *   called "default" cannot shadow the user's "default" (upstream keeps
 *   the first of a name and drops the other's key silently).
 * - A blocked publisher's "identity" blocks a key whose fingerprint it is,
 *   and every publisher whose name or key_id it is (upstream: key_id only).
 * - Unknown keys, duplicate entries, malformed digests and bad patterns
 *   are errors (upstream ignores unknown keys).  "files" (upstream's
 *   explicit out-of-tree paths) is refused rather than ignored: files the
 *   user wants attested must never go unchecked in silence.
 * - Keyless (Sigstore OIDC) publishers are read and kept, so that an
 *   upstream policy loads, but nono verifies keyed bundles only (offline).
 * - The built-in patterns are part of every merged policy and every scan:
 *   a policy adds patterns, it cannot drop CLAUDE* (upstream's merged
 *   policy holds only what the files list).
 * - Patterns match at any depth (trust/glob.h); upstream's scan anchors
 *   them at the scanned directory and misses sub/CLAUDE.md.
 * Only "version" is required; a missing list is empty and a missing
 * "enforcement" is "deny" (upstream requires every field).
 */
#ifndef NONO_TRUST_POLICY_H
#define NONO_TRUST_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "util/sha256.h"

#define NONO_TRUST_POLICY_VERSION 1
#define NONO_TRUST_MAX_PATTERNS 100
#define NONO_TRUST_MAX_PUBLISHERS 1000
#define NONO_TRUST_MAX_BLOCKLIST 10000
#define NONO_TRUST_MAX_BLOCKED_KEYS 1000
/* A merged policy holds at most this many times the limits above. */
#define NONO_TRUST_MERGE_FACTOR 4
/* The DER of a P-256 SubjectPublicKeyInfo (uncompressed point). */
#define NONO_TRUST_P256_SPKI_LEN 91

/* The built-in instruction patterns, part of every merged policy and of
 * every scan: SKILLS*, CLAUDE*, AGENT* (AGENTS.md too) and the .md files
 * below a .claude directory. */
#define NONO_TRUST_NDEFAULT 4
extern const char *const nono_trust_default_patterns[NONO_TRUST_NDEFAULT];

/* Ordered: the strictest is the largest. */
enum nono_trust_enforce {
	NONO_TRUST_AUDIT, /* allow, record the outcome */
	NONO_TRUST_WARN,  /* allow, warn */
	NONO_TRUST_DENY,  /* refuse unsigned, invalid or untrusted files */
};

struct nono_trust_publisher {
	char *name;       /* label (required) */
	char *key_id;     /* label, or NULL */
	char *public_key; /* keyed: base64 of the SPKI DER; keyless: NULL */
	/* keyed: hex SHA-256 of the SPKI DER (what bundles name); keyless:
	 * "" */
	char fingerprint[NONO_SHA256_HEX];
	bool keyless;
	/* keyless only (else NULL) */
	char *issuer, *repository, *workflow, *ref_pattern, *build_signer_uri;
};

struct nono_trust_block {
	char sha256[NONO_SHA256_HEX]; /* lowercase hex */
	char *description;            /* or NULL */
	char *added;                  /* or NULL */
};

/* A blocked publisher (blocklist.publishers). */
struct nono_trust_blocked_key {
	char *identity;   /* a key fingerprint, a label, or an OIDC issuer */
	char *repository; /* keyless: narrows an issuer to one repository */
	char *reason;     /* or NULL */
	char *added;      /* or NULL */
};

struct nono_trust_policy {
	char **patterns; /* instruction_patterns, checked (trust/glob.h) */
	size_t npatterns;
	struct nono_trust_publisher *pub;
	size_t npub;
	struct nono_trust_block *block; /* sorted by sha256 */
	size_t nblock;
	struct nono_trust_blocked_key *blocked_keys;
	size_t nblocked_keys;
	enum nono_trust_enforce enforcement;
	/* Whether a policy file set the enforcement (a parsed policy always
	 * does, "deny" when it says nothing).  Merging takes the strictest
	 * of the ones that were set, so that the built-in default's "deny"
	 * does not hide the user's "warn", while nothing merged later can
	 * lower what an earlier policy set. */
	bool enforcement_set;
};

/* The built-in policy: patterns SKILLS*, CLAUDE*, AGENT* (AGENTS.md too)
 * and the .md files below .claude (".claude", '**', "*.md"), enforcement
 * deny (not marked as set), nothing else.  Overwrites *@p without freeing it;
 * free with nono_trust_policy_free(). */
void nono_trust_policy_init_default(struct nono_trust_policy *p);

/* Frees what @p holds (NULL or zeroed is fine) and leaves it an empty
 * policy (no patterns, enforcement deny, not set). */
void nono_trust_policy_free(struct nono_trust_policy *p);

/*
 * Parses @len bytes of @text (need not be NUL-terminated; JSON with //
 * and block comments) from @name (for messages) into *@p, which is
 * overwritten on entry (free an earlier policy first) and holds a
 * policy only on success.  Strict: unknown or duplicate keys, wrong
 * types, a version other than 1, a digest that is not 64 lowercase hex,
 * a key that is not a base64 P-256 SPKI, a fingerprint that is not the
 * key's, a bad pattern, a duplicate entry or too many entries are
 * errors.  Does not add the built-in patterns (merging does).  Returns
 * 0, -EINVAL with "NAME:LINE:COL: what" in @err, or -ENOMEM.
 */
int nono_trust_policy_parse(const char *text, size_t len, const char *name,
			    struct nono_trust_policy *p, char *err,
			    size_t errlen) __attribute__((warn_unused_result));

/*
 * Merges @from into @into: the union of patterns (the built-in ones
 * always included), publishers (one per key: the first of a fingerprint
 * wins; a publisher whose fingerprint is "" gets the one of its
 * public_key, one that disagrees with its public_key is an error),
 * blocked digests and blocked publishers; enforcement the strictest of
 * the policies that set one.  @into is unchanged on failure.  Returns 0,
 * -EINVAL (a malformed publisher in @from), -E2BIG (over the merged
 * limits) with @err, or -ENOMEM.
 */
int nono_trust_policy_merge(struct nono_trust_policy *into,
			    const struct nono_trust_policy *from, char *err,
			    size_t errlen) __attribute__((warn_unused_result));

/* The keyed publisher whose key has @fingerprint (64 lowercase hex), or
 * NULL: none, or its key is blocked (nono_trust_policy_key_blocked).
 * Borrowed from @p. */
const struct nono_trust_publisher *
nono_trust_policy_publisher(const struct nono_trust_policy *p,
			    const char *fingerprint);

/* The blocklist entry that blocks the key @fingerprint (by the
 * fingerprint itself, or a label of a publisher holding that key), or
 * NULL.  Borrowed from @p. */
const struct nono_trust_blocked_key *
nono_trust_policy_key_blocked(const struct nono_trust_policy *p,
			      const char *fingerprint);

/* The blocklist entry of @sha256 (64 hex, either case), or NULL.  Binary
 * search.  Borrowed from @p. */
const struct nono_trust_block *
nono_trust_policy_blocked(const struct nono_trust_policy *p,
			  const char *sha256);

/*
 * @p as pretty JSON (two-space indent, a final newline) in *@out (free()
 * it; NUL-terminated, @len bytes), which nono_trust_policy_parse reads
 * back to an equal policy.  Returns 0 or -ENOMEM (*@out NULL).
 */
int nono_trust_policy_write(const struct nono_trust_policy *p, char **out,
			    size_t *len) __attribute__((warn_unused_result));

/* Whether @a and @b hold the same patterns, publishers, blocklist and
 * enforcement (enforcement_set aside). */
bool nono_trust_policy_equal(const struct nono_trust_policy *a,
			     const struct nono_trust_policy *b);

/*
 * Checks @b64 (@n bytes) is the standard base64 of a P-256 SPKI DER and
 * writes its fingerprint (hex SHA-256 of the DER) to @fp.  Returns 0, or
 * -EINVAL with why in @why (@whylen bytes): not base64, PEM, another key
 * type (named), or not a point of the right size.
 */
int nono_trust_spki_fingerprint(const char *b64, size_t n,
				char fp[NONO_SHA256_HEX], char *why,
				size_t whylen);

/* "audit", "warn" or "deny". */
const char *nono_trust_enforce_name(enum nono_trust_enforce e);

#endif
