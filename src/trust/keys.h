/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Trust keys (nono trust keygen, export-key, and the key of sign and
 * init): a key reference from --id/--key NAME or --keyref URI, new P-256
 * keys in the Secret Service (service nono-trust, account NAME; the public
 * half cached as ~/.config/nono/trusted-keys/NAME.pub) or in a file (PEM
 * PKCS#8, 0600, with PATH.pub beside it), and public keys as PEM.
 */
#ifndef NONO_TRUST_KEYS_H
#define NONO_TRUST_KEYS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/sha256.h"

/* The reference of --id/--key @id or --keyref @keyref (at most one of
 * them; neither: the key "default"), checked: a name of letters, digits
 * and . _ @ + -, keystore://NAME or file:///ABSOLUTE.  @flag names the
 * option in messages ("--id" or "--key").  0 or -1 with @err. */
int nono_trust_keyref(const char *id, const char *keyref, const char *flag,
		      char *ref, size_t len, char *err, size_t errlen);

/* The public half of a key, as nono_trust_key_public or keygen found it. */
struct nono_trust_pub {
	char keyid[NONO_SHA256_HEX]; /* hex SHA-256 of the SPKI DER */
	char spki[256];              /* base64 of the SPKI DER */
	char label[128];             /* the key's name, for display */
	char pub_path[PATH_MAX];     /* where its .pub was written, or "" */
};

/* The name a key is shown by (its keystore account, or its file's name)
 * in @out. */
void nono_trust_key_label(const char *ref, char *out, size_t len);

/* A new P-256 key at @ref (from nono_trust_keyref); an existing one is
 * replaced only when @force.  0 or -1 with @err. */
int nono_trust_keygen(const char *ref, bool force, struct nono_trust_pub *out,
		      char *err, size_t errlen);

/* The public half of the key at @ref (its private key is loaded and
 * wiped).  0 or -1 with @err. */
int nono_trust_key_public(const char *ref, struct nono_trust_pub *out,
			  char *err, size_t errlen);

/* @spki (base64 DER) as a PEM "PUBLIC KEY" block into @out (@len bytes,
 * 512 suffice for P-256).  0, or -1 when it does not fit or is not
 * base64. */
int nono_trust_pem(const char *spki, char *out, size_t len);

/* $XDG_CONFIG_HOME/nono when it is absolute, else ~/.config/nono, in
 * @out: 0, or -1 without a home. */
int nono_trust_config_dir(char *out, size_t len);

#endif
