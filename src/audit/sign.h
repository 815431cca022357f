/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signed audit sessions (--audit-sign-key): an in-toto Statement v1 about
 * the session, in a DSSE envelope signed with ECDSA P-256/SHA-256, in a
 * Sigstore bundle v0.3 (audit-attestation.bundle).  The ECDSA work is done
 * by the nono-sign helper (OpenSSL), which nono runs with the key on a
 * pipe; nono itself only builds and checks the JSON.
 */
#ifndef NONO_AUDIT_SIGN_H
#define NONO_AUDIT_SIGN_H

#include <stdbool.h>
#include <stddef.h>

#include "audit/store.h"

/* Checks the session's bundle, when it has one, and adds a "signature"
 * verdict to @r: against @pubkey_file (a PEM public key) when given, else
 * against the key the record names (and says it is not pinned). */
void nono_audit_verify_signature(struct nono_audit_report *r,
				 const char *pubkey_file);

#endif
