/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Verifying instruction files against a trust policy: where a file's
 * bundle is, what it must say, and the verdict, with the command that
 * fixes it; and the policies that apply (the user's, anchoring trust, and
 * a project's only when a publisher of the user's signed it).
 *
 * A file's bundle: its sidecar NAME.bundle (subject: NAME), else the
 * nearest .nono-trust.bundle from its directory up to the root of the
 * scan that names it (subject: its path relative to that directory).
 * The bundle's key is found by its fingerprint (publicKey.hint) among the
 * policy's publishers, never by a label.
 */
#ifndef NONO_TRUST_VERIFY_H
#define NONO_TRUST_VERIFY_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "trust/policy.h"
#include "util/sha256.h"

#define NONO_TRUST_POLICY_FILE "trust-policy.json"
#define NONO_TRUST_MULTI_BUNDLE ".nono-trust.bundle"

enum nono_trust_verdict {
	NONO_TRUST_OK,         /* a trusted publisher signed this content */
	NONO_TRUST_BLOCKED,    /* its digest is on the blocklist */
	NONO_TRUST_UNSIGNED,   /* no bundle names it */
	NONO_TRUST_INVALID,    /* a bundle, but not a valid one for it */
	NONO_TRUST_MISMATCH,   /* signed content differs from the file's */
	NONO_TRUST_UNTRUSTED,  /* signed by a key no publisher holds */
	NONO_TRUST_UNREADABLE, /* the file could not be read */
};

struct nono_trust_check {
	char path[PATH_MAX]; /* relative to the root */
	char sha256[NONO_SHA256_HEX];
	enum nono_trust_verdict verdict;
	char why[320];
	char publisher[128]; /* NONO_TRUST_OK: who signed */
	char keyid[NONO_SHA256_HEX];
	char bundle[PATH_MAX]; /* the bundle that decided, or "" */
};

/* Verifies @path (relative to @rootfd; its SHA-256 @sha256 in hex when
 * known, else NULL: read here) under @p.  Fills @out; returns 0, or -1
 * for an error outside the file (memory, the signing helper missing),
 * with out->why. */
int nono_trust_check_file(int rootfd, const char *path, const char *sha256,
			  const struct nono_trust_policy *p,
			  struct nono_trust_check *out);

/* The regular file @path beneath @dirfd (no symlink on the way, none at
 * the end), whole, when at most @max bytes, into *@out (NUL-terminated,
 * free()) and *@len: 0, or -errno (-EFBIG over @max, -EINVAL not a
 * regular file, -ELOOP a symlink, -EAGAIN it grew while read). */
int nono_trust_read_file(int dirfd, const char *path, size_t max, char **out,
			 size_t *len);

/* The SHA-256 of the regular file @path beneath @dirfd (no symlink on the
 * way, none at the end), read once, in hex: 0 or -errno (-EINVAL: not a
 * regular file, -ELOOP: a symlink). */
int nono_trust_hash_file(int dirfd, const char *path,
			 char hex[NONO_SHA256_HEX]);

/* The same for an entry of a scan: one the scan could not hash (a link
 * out of the root, dangling or to a directory, a special file, an
 * unreadable one) fails as NONO_TRUST_UNREADABLE, with why. */
struct nono_trust_found;
int nono_trust_check_found(int rootfd, const struct nono_trust_found *f,
			   const struct nono_trust_policy *p,
			   struct nono_trust_check *out);

/* Every entry of scan @l into @out (@l->n of them), with the signatures
 * checked in one run of the signing helper.  0, or -1 with @err. */
struct nono_trust_list;
int nono_trust_check_all(int rootfd, const struct nono_trust_list *l,
			 const struct nono_trust_policy *p,
			 struct nono_trust_check *out, char *err,
			 size_t errlen);

const char *nono_trust_verdict_name(enum nono_trust_verdict v);
/* What the user runs to fix a verdict about @path, in @out. */
void nono_trust_fix(const struct nono_trust_check *c, char *out, size_t len);

/* Which policies were loaded (for messages, list and the audit trail). */
struct nono_trust_sources {
	char user[PATH_MAX];      /* the user's policy, or "" */
	bool user_signed;         /* ... with a valid bundle */
	char project[PATH_MAX];   /* a project's policy used, or "" */
	char ignored[PATH_MAX];   /* a project's policy not used, or "" */
	char ignored_why[256];    /* ... why */
	char explicit_[PATH_MAX]; /* --policy FILE, or "" */
};

/*
 * The policy that applies in directory @dirfd (@dir its path, for
 * messages): the user's ($XDG_CONFIG_HOME/nono or ~/.config/nono/
 * trust-policy.json, checked against its bundle when it has one), merged
 * with @explicit_path (--policy) when given, else with @dir's
 * trust-policy.json when a publisher of the user's policy signed it.
 * Returns 1 with *@out when a policy applies, 0 when there is none (no
 * user policy and no --policy), -1 with @err when one is malformed or
 * its signature does not verify.
 */
int nono_trust_policy_load(int dirfd, const char *dir,
			   const char *explicit_path,
			   struct nono_trust_policy *out,
			   struct nono_trust_sources *src, char *err,
			   size_t errlen);

#endif
