/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Credential references (`NAME`, `keyring://S/A`, `op://...`, `env://VAR`,
 * `file:///path`) resolved to their secrets, in locked memory that is wiped
 * when released.
 */
#ifndef NONO_CRED_SECRET_H
#define NONO_CRED_SECRET_H

#include <stddef.h>

/* The largest secret accepted from any source, in bytes. */
#define NONO_SECRET_MAX (64 * 1024)
/* The longest reference accepted, in bytes. */
#define NONO_SECRET_REF_MAX 1024

/*
 * A secret: @len bytes at @data, followed by a NUL that is not counted.
 * Owned by whoever holds the struct; release with nono_secret_wipe().
 * Loaded secrets never contain NUL, CR or LF and are never empty.
 */
struct nono_secret {
	char *data;
	size_t len;
};

/* Where a reference points. */
enum nono_secret_kind {
	NONO_SECRET_KEYSTORE, /* `NAME`, `keystore://NAME`, `keyring://S/A` */
	NONO_SECRET_OP,       /* `op://vault/item/field` (1Password CLI) */
	NONO_SECRET_ENV,      /* `env://VAR` */
	NONO_SECRET_FILE,     /* `file:///abs/path` */
};

/*
 * Loads @ref (borrowed for the call) into @out, which is reset on entry
 * and written only on success (the caller then owns it).  On error returns
 * -1 with a one-line message in @err (@errlen bytes) that names the
 * reference (never the secret) and what to do next.  Runs nono-keystore
 * for the keystore and `op` for op://, each under a time limit
 * (NONO_KEYSTORE_TIMEOUT seconds, default 10; op 60 s).  A file:// secret
 * readable by group or others is loaded with a warning (nono_warn).  Not
 * thread-safe (it reaps its own children).
 */
int nono_secret_load(const char *ref, struct nono_secret *out, char *err,
		     size_t errlen) __attribute__((warn_unused_result));

/* The keystore service of trust (signing) keys. */
#define NONO_TRUST_KEY_SERVICE "nono-trust"

/*
 * A signing key: @ref as for nono_secret_load, except that a bare NAME or
 * keystore://NAME is a trust key id (keystore service nono-trust, account
 * NAME), and line breaks are kept (PEM).
 */
int nono_secret_load_key(const char *ref, struct nono_secret *out, char *err,
			 size_t errlen) __attribute__((warn_unused_result));

/*
 * Checks the reference's syntax only (no lookup, no file access): 0 or -1
 * with @err.  apple-password:// is refused here (macOS only).  Safe on any
 * NUL-terminated input.
 */
int nono_secret_ref_check(const char *ref, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/*
 * The kind of a reference that nono_secret_ref_check() accepts, and a short
 * description of its source for messages and --dry-run ("system keystore,
 * service nono, account NAME", "1Password, op read", "environment variable
 * VAR", "file PATH") in @what (@whatlen bytes).  Returns the kind, or -1 for a
 * reference that the check refuses.
 */
int nono_secret_ref_describe(const char *ref, char *what, size_t whatlen);

/*
 * Allocates a zeroed secret of @len bytes (plus the NUL) in page-aligned
 * memory of its own, locked against swapping where RLIMIT_MEMLOCK allows
 * and left out of core dumps.  For secrets built from others (an
 * environment entry "VAR=value").  Returns 0, -EINVAL above
 * NONO_SECRET_MAX + 4096, or -ENOMEM.
 */
int nono_secret_alloc(struct nono_secret *s, size_t len)
    __attribute__((warn_unused_result));

/* explicit_bzero + free; safe on a zeroed struct, and idempotent. */
void nono_secret_wipe(struct nono_secret *s);

#endif
