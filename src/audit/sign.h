/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signed audit sessions (--audit-sign-key): an in-toto Statement v1 about
 * the completed session, in a DSSE envelope signed with ECDSA P-256 /
 * SHA-256, in a Sigstore bundle v0.3 (audit-attestation.bundle) whose
 * publicKey.hint is the SHA-256 of the key's SubjectPublicKeyInfo DER, in
 * hex.  The key, the signature and the bundle's envelope are the trust
 * module's (trust/signer.h, trust/bundle.h); this module builds the
 * statement and checks what it says against the session.
 */
#ifndef NONO_AUDIT_SIGN_H
#define NONO_AUDIT_SIGN_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "audit/store.h"
#include "trust/bundle.h"
#include "trust/signer.h"

#define NONO_AUDIT_PREDICATE "https://nono.sh/attestation/audit-session/v1"

struct nono_audit_rec;

/* Loads @ref (a trust key id, keystore://, file://, op://, keyring://,
 * env://) for --audit-sign-key: nono_signer_load() with its messages
 * starting "--audit-sign-key".  0, or -1 with @err.  The key is the
 * supervisor's only; never the sandbox's. */
int nono_audit_signer_load(const char *ref, struct nono_signer *s, char *err,
			   size_t errlen);
/* nono_signer_clear(). */
void nono_audit_signer_clear(struct nono_signer *s);

/* The bundle for completed record @r: *@out (free()), *@len.  0, or -1
 * with @err ("audit signature: ..."). */
int nono_audit_sign(const struct nono_signer *s, const struct nono_audit_rec *r,
		    char **out, size_t *len, char *err, size_t errlen);

/* Checks the session's bundle, when it has one, and adds a "signature"
 * verdict to @r: against @pubkey_file (a PEM public key) when given, else
 * against the key the record names (and says it is not pinned). */
void nono_audit_verify_signature(struct nono_audit_report *r,
				 const char *pubkey_file);

#endif
