/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sigstore bundles of signed files: an in-toto Statement v1 naming files
 * by name and SHA-256, in a DSSE envelope signed with an ECDSA P-256 key
 * (trust/signer.h), in a Sigstore bundle whose publicKey.hint is the
 * key's fingerprint (hex SHA-256 of its SubjectPublicKeyInfo DER).  The
 * format is upstream nono's (the Rust nono's trust module), so that
 * bundles made by either are read by the other:
 *
 * - one file: the sidecar "<file>.bundle", one subject named with the
 *   file's name (its last path component), predicate type
 *   NONO_TRUST_PRED_FILE (NONO_TRUST_PRED_POLICY for a trust policy);
 * - several files: ".nono-trust.bundle" in the directory they were signed
 *   from, one subject per file named with its path relative to that
 *   directory, predicate type NONO_TRUST_PRED_MULTI;
 * - predicate {"version":1,"signer":{"kind":"keyed","key_id":LABEL,
 *   "fingerprint":HEX}}: LABEL is how the signer named the key (upstream
 *   matches keyed publishers on it), HEX (nono's addition) the key's
 *   fingerprint; both are for display: trust comes only from the key the
 *   caller pins (nono_trust_bundle_check).
 *
 * nono writes bundle v0.3 with standard padded base64; it reads the
 * older media types and DSSE's URL-safe unpadded spelling too (below).
 * Parsing checks form only; nono_trust_bundle_check() decides trust.
 */
#ifndef NONO_TRUST_BUNDLE_H
#define NONO_TRUST_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>

#include "trust/signer.h"
#include "util/sha256.h"

/* Predicate types (upstream nono's; its current spelling, nono.sh). */
#define NONO_TRUST_PRED_FILE "https://nono.sh/attestation/instruction-file/v1"
#define NONO_TRUST_PRED_MULTI "https://nono.sh/attestation/multi-file/v1"
#define NONO_TRUST_PRED_POLICY "https://nono.sh/attestation/trust-policy/v1"
/* Upstream's first spelling (nono.dev) of the same two kinds: read as
 * those kinds, never written. */
#define NONO_TRUST_PRED_FILE_DEV                                               \
	"https://nono.dev/attestation/instruction-file/v1"
#define NONO_TRUST_PRED_POLICY_DEV                                             \
	"https://nono.dev/attestation/trust-policy/v1"

#define NONO_INTOTO_STATEMENT "https://in-toto.io/Statement/v1"
#define NONO_DSSE_INTOTO "application/vnd.in-toto+json"
/* The media type nono writes; the older ones it reads. */
#define NONO_BUNDLE_V03 "application/vnd.dev.sigstore.bundle.v0.3+json"
#define NONO_BUNDLE_V03_OLD                                                    \
	"application/vnd.dev.sigstore.bundle+json;version=0.3"
#define NONO_BUNDLE_V02 "application/vnd.dev.sigstore.bundle+json;version=0.2"
#define NONO_BUNDLE_V01 "application/vnd.dev.sigstore.bundle+json;version=0.1"

/* Sidecar names. */
#define NONO_TRUST_BUNDLE_SUFFIX ".bundle"
#define NONO_TRUST_MULTI_BUNDLE ".nono-trust.bundle"

/* Ceilings (errors, never truncation). */
#define NONO_TRUST_BUNDLE_MAX (1u << 20) /* bundle text, bytes */
#define NONO_TRUST_SUBJECTS_MAX 10000
#define NONO_TRUST_NAME_MAX 4096 /* a subject name, bytes */
#define NONO_TRUST_LABEL_MAX 256 /* the signer label, bytes */

/* A signed file: @name (owned by whoever owns the array) and its SHA-256
 * in lowercase hex. */
struct nono_trust_subject {
	char *name;
	char sha256[NONO_SHA256_HEX];
};

/* A parsed bundle (not verified: see nono_trust_bundle_check).  Every
 * pointer is owned by the struct; free with nono_trust_bundle_free. */
struct nono_trust_bundle {
	const char *media_type;     /* one of NONO_BUNDLE_* (static) */
	char hint[NONO_SHA256_HEX]; /* lowercase hex, or "" when absent */
	const char *payload_type;   /* NONO_DSSE_INTOTO (static) */
	unsigned char *payload;     /* the decoded statement (NUL after it) */
	size_t payload_len;
	unsigned char *sig; /* the decoded DER signature */
	size_t sig_len;
	char *sig_b64;        /* @sig in standard padded base64 */
	char *predicate_type; /* any URI; checked by nono_trust_bundle_check */
	struct nono_trust_subject *subjects;
	size_t nsubjects;
	char *signer_label; /* predicate.signer.key_id, or ""; display only */
};

/*
 * Whether @name may name a subject: 1 to NONO_TRUST_NAME_MAX bytes of
 * valid UTF-8, no control byte (C0, DEL), not absolute, and made of
 * components that are neither empty, "." nor ".." ("a//b", "a/", "./a"
 * are refused: one spelling per file, and none that leaves the directory
 * the bundle covers).  Returns 0, or -1 with @err saying which rule.
 */
int nono_trust_subject_name_check(const char *name, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/*
 * Signs @n subjects (1 to NONO_TRUST_SUBJECTS_MAX, names checked as above
 * and all different, digests 64 lowercase hex) with @s: the Statement
 * (@predicate_type, the predicate above with @signer_label, NULL for ""),
 * its DSSE envelope and a Sigstore bundle v0.3, ending in "\n", in *@out
 * (free()) and *@len.  The bundle is parsed back before it is returned.
 * Returns 0, or -1 with @err (*@out then NULL).  Runs the helper once.
 */
int nono_trust_bundle_make(const struct nono_signer *s,
			   const char *predicate_type, const char *signer_label,
			   const struct nono_trust_subject *subj, size_t n,
			   char **out, size_t *len, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/*
 * Signs @n bytes of @statement (an in-toto Statement the caller built)
 * into a Sigstore bundle v0.3 as nono_trust_bundle_make does, without
 * looking inside it (the audit trail's statement).  Returns 0, or -1
 * with @err: the helper's reason, or "out of memory".
 */
int nono_trust_bundle_seal(const struct nono_signer *s, const char *statement,
			   size_t n, char **out, size_t *len, char *err,
			   size_t errlen) __attribute__((warn_unused_result));

/*
 * Parses @len bytes of @text into @b (reset on entry; the caller frees it
 * with nono_trust_bundle_free, also on failure).  Strict:
 * - at most NONO_TRUST_BUNDLE_MAX bytes of JSON (no comments, no byte
 *   order mark, no duplicate or unknown keys), with mediaType one of
 *   NONO_BUNDLE_*, verificationMaterial with publicKey (hint: 64
 *   lowercase hex, or absent or ""; tlogEntries and
 *   timestampVerificationData are allowed and ignored; a certificate is
 *   refused: keyless bundles are not read here), and dsseEnvelope;
 * - payloadType exactly NONO_DSSE_INTOTO; exactly one signature;
 *   payload and sig each in standard or URL-safe base64, padded or not,
 *   one alphabet per string, no whitespace, canonical;
 * - the payload is an in-toto Statement v1 (_type, subject,
 *   predicateType, predicate; nothing else) with 1 to
 *   NONO_TRUST_SUBJECTS_MAX subjects, each {name, digest:{sha256}} with a
 *   safe name (nono_trust_subject_name_check), all names different, and
 *   a digest of 64 lowercase hex digits: uppercase is refused, so that
 *   a digest has one spelling and compares as a string.
 * Returns 0, or -1 with one line in @err that names the field.
 */
int nono_trust_bundle_parse(const char *text, size_t len,
			    struct nono_trust_bundle *b, char *err,
			    size_t errlen) __attribute__((warn_unused_result));

/* Frees what @b holds and zeroes it; safe on a zeroed or freed struct. */
void nono_trust_bundle_free(struct nono_trust_bundle *b);

/*
 * Whether @b was signed by the P-256 key @spki_b64 (standard base64 of
 * its SubjectPublicKeyInfo DER, as trust policies and signers hold it)
 * for @want_predicate: 0 when the bundle's hint is that key's
 * fingerprint, its predicate type is @want_predicate (or the nono.dev
 * spelling of the same kind), and the DSSE signature over
 * PAE(payloadType, payload) verifies with the key.  Else -1 with one line
 * in @err saying which (the key, the hint, the predicate type, the
 * signature, or the helper).  Runs the helper once.  Says nothing of the
 * subjects: compare them with nono_trust_bundle_expect.
 */
int nono_trust_bundle_check(const struct nono_trust_bundle *b,
			    const char *spki_b64, const char *want_predicate,
			    char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* The subject named exactly @name (borrowed from @b), or NULL. */
const struct nono_trust_subject *
nono_trust_bundle_subject(const struct nono_trust_bundle *b, const char *name);

/*
 * Whether @b names @name with digest @sha256 (lowercase hex): 0, or -1
 * with @err ("NAME is not a subject of the bundle", or the two digests).
 */
int nono_trust_bundle_expect(const struct nono_trust_bundle *b,
			     const char *name, const char *sha256, char *err,
			     size_t errlen) __attribute__((warn_unused_result));

#endif
