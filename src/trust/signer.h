/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ECDSA P-256 / SHA-256 signing keys, signatures and DSSE's
 * pre-authentication encoding, for every signed thing nono writes (audit
 * sessions, instruction files, trust policies).  The elliptic-curve work
 * is done by the nono-sign helper (OpenSSL, which the static nono binary
 * cannot link; see src/sign/main.c): the private key reaches it only on
 * its standard input, from a memfd, never on a command line or in a file.
 * Not thread-safe: the helper is run and reaped by the calling thread
 * (sys/spawn.h).
 */
#ifndef NONO_TRUST_SIGNER_H
#define NONO_TRUST_SIGNER_H

#include <limits.h>
#include <stddef.h>

#include "cred/secret.h"
#include "util/sha256.h"

/* The helper that holds OpenSSL (found with nono_helper_find). */
#define NONO_SIGN_HELPER "nono-sign"

/*
 * A loaded private key (the supervisor's, never the sandbox's), the
 * SHA-256 of its SubjectPublicKeyInfo DER in lowercase hex (@keyid: the
 * Sigstore bundle's publicKey.hint and the key's fingerprint), that DER in
 * standard base64 (@spki), and the helper's path.  Owned by the caller;
 * nono_signer_clear() wipes the key.
 */
struct nono_signer {
	struct nono_secret key;
	char keyid[NONO_SHA256_HEX];
	char spki[256];
	char helper[PATH_MAX];
};

/*
 * Loads the private key @ref names (a trust key id, keystore://,
 * file://, op://, keyring://, env://: cred/secret.h
 * nono_secret_load_key) into @s (reset on entry) and checks with the
 * helper that it is a usable unencrypted P-256 key.  Returns 0, or -1
 * with one line in @err that starts with @what (the flag or command
 * the key came from, e.g. "--audit-sign-key") and never holds the key;
 * @s then holds nothing to clear.
 */
int nono_signer_load(const char *ref, const char *what, struct nono_signer *s,
		     char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Wipes the key (explicit_bzero) and forgets it; idempotent. */
void nono_signer_clear(struct nono_signer *s);

/*
 * Signs @len bytes at @msg: an ECDSA P-256 / SHA-256 signature, DER, in
 * standard padded base64 in @sig_b64 (@siglen bytes; 128 is enough).
 * Returns 0, or -1 with @err (the helper's reason, or "out of memory");
 * @sig_b64 is "" on failure.
 */
int nono_signer_sign(const struct nono_signer *s, const void *msg, size_t len,
		     char *sig_b64, size_t siglen, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/*
 * Checks @sig_b64 (standard padded base64 of a DER ECDSA signature) over
 * @len bytes at @msg with the P-256 public key @pub: a PEM
 * ("PUBLIC KEY") file path, or "spki:" and the standard base64 of its
 * SubjectPublicKeyInfo DER.  Returns 1 when the signature is valid, 0
 * when it is not (both with @keyid_out, when not NULL, set to the key's
 * fingerprint), -1 when it could not be checked (no helper, a key that is
 * not a P-256 public key, a signature that is not base64): @err says why
 * and @keyid_out is "".
 */
int nono_sig_verify(const char *pub, const void *msg, size_t len,
		    const char *sig_b64, char keyid_out[NONO_SHA256_HEX],
		    char *err, size_t errlen)
    __attribute__((warn_unused_result));

/*
 * DSSE's pre-authentication encoding of (@type, @n bytes of @body):
 * "DSSEv1 LEN(type) type LEN(body) body", lengths in decimal bytes.  The
 * bytes signed in a DSSE envelope.  Returns a buffer to free() (not
 * NUL-terminated) with its length in *@len, or NULL when out of memory.
 */
char *nono_dsse_pae(const char *type, const void *body, size_t n, size_t *len);

/*
 * Batched checks, for a scan that verifies many bundles: one nono-sign
 * run instead of one per signature.  After nono_sig_batch_collect(),
 * nono_sig_verify() with an "spki:" key only records the check and
 * answers "valid" provisionally (a pass whose verdicts are thrown away);
 * nono_sig_batch_run() then checks every recorded signature in one run of
 * the helper, and until nono_sig_batch_end() nono_sig_verify() answers
 * those from the batch (others as usual).  Not thread-safe.  0, or -1
 * with @err (the batch is then dropped: each check runs on its own).
 */
void nono_sig_batch_collect(void);
int nono_sig_batch_run(char *err, size_t errlen);
void nono_sig_batch_end(void);

/*
 * A fresh P-256 private key from the helper, as PKCS#8 PEM ("-----BEGIN
 * PRIVATE KEY-----"), in *@pem_out (NUL-terminated; the caller wipes it
 * with explicit_bzero and frees it) and *@len.  Returns 0, or -1 with
 * @err (*@pem_out then NULL).
 */
int nono_signer_keygen(char **pem_out, size_t *len, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/*
 * The public key of @s as PEM ("-----BEGIN PUBLIC KEY-----",
 * SubjectPublicKeyInfo) in *@pem_out (NUL-terminated, free()) and *@len,
 * for `nono trust export-key --pem`.  Returns 0, or -1 with @err.
 */
int nono_signer_pem(const struct nono_signer *s, char **pem_out, size_t *len,
		    char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
