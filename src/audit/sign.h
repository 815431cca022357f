/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signed audit sessions (--audit-sign-key): an in-toto Statement v1 about
 * the completed session, in a DSSE envelope signed with ECDSA P-256 /
 * SHA-256, in a Sigstore bundle v0.3 (audit-attestation.bundle) whose
 * publicKey.hint is the SHA-256 of the key's SubjectPublicKeyInfo DER, in
 * hex.  The ECDSA work is done by the nono-sign helper (OpenSSL), which
 * gets the key on its standard input; nono builds and checks the JSON.
 */
#ifndef NONO_AUDIT_SIGN_H
#define NONO_AUDIT_SIGN_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "audit/store.h"
#include "cred/secret.h"

#define NONO_AUDIT_PREDICATE "https://nono.sh/attestation/audit-session/v1"
#define NONO_INTOTO_STATEMENT "https://in-toto.io/Statement/v1"
#define NONO_DSSE_INTOTO "application/vnd.in-toto+json"
#define NONO_BUNDLE_V03 "application/vnd.dev.sigstore.bundle.v0.3+json"

struct nono_audit_rec;

/* A loaded signing key (the supervisor's only; never the sandbox's). */
struct nono_audit_signer {
	struct nono_secret key;
	char keyid[NONO_SHA256_HEX];
	char spki[256]; /* base64 DER */
	char helper[PATH_MAX];
};

/* Loads @ref (a trust key id, keystore://, file://, op://, keyring://,
 * env://) and checks it is a usable P-256 key.  0, or -1 with @err. */
int nono_audit_signer_load(const char *ref, struct nono_audit_signer *s,
			   char *err, size_t errlen);
void nono_audit_signer_clear(struct nono_audit_signer *s);

/* The bundle for completed record @r: *@out (free()), *@len.  0, or -1
 * with @err. */
int nono_audit_sign(struct nono_audit_signer *s, const struct nono_audit_rec *r,
		    char **out, size_t *len, char *err, size_t errlen);

/* Checks the session's bundle, when it has one, and adds a "signature"
 * verdict to @r: against @pubkey_file (a PEM public key) when given, else
 * against the key the record names (and says it is not pinned). */
void nono_audit_verify_signature(struct nono_audit_report *r,
				 const char *pubkey_file);

#endif
