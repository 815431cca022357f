// SPDX-License-Identifier: Apache-2.0
/*
 * Reading trust-policy.json: the JSON walked against the format strictly,
 * every error as FILE:LINE:COL: PATH: what, and the check of a publisher's
 * key (base64 of a P-256 SubjectPublicKeyInfo) with its fingerprint.
 * trust/policy.h lists where this differs from upstream nono and why.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/json.h"
#include "trust/glob.h"
#include "trust/policy.h"
#include "trust/policy_internal.h"
#include "util/base64.h"
#include "util/errbuf.h"
#include "util/sha256.h"
#include "util/suggest.h"

#define MAX_LABEL 256 /* name, key_id */
#define MAX_TEXT 1024 /* description, reason, issuer, ... */
#define MAX_ADDED 64  /* "added" dates */
#define MAX_KEY_B64 256

/* The DER of a P-256 SubjectPublicKeyInfo up to the point's 0x04:
 * SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING }. */
static const unsigned char p256_prefix[27] = {
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
    0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
    0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04,
};
/* The field prime of P-256: a coordinate is below it. */
static const unsigned char p256_p[32] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};

/* --- keys ----------------------------------------------------------------- */

static int whyf(char *why, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int whyf(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (why && len) {
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool has(const unsigned char *d, size_t n, const unsigned char *oid,
		size_t m)
{
	for (size_t i = 0; i + m <= n; i++)
		if (memcmp(d + i, oid, m) == 0)
			return true;
	return false;
}

/* Names the key type of a DER SPKI that is not P-256, for the message. */
static const char *key_kind(const unsigned char *d, size_t n)
{
	static const unsigned char ed25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
	static const unsigned char rsa[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
					    0x0d, 0x01, 0x01, 0x01};
	static const unsigned char p384[] = {0x2b, 0x81, 0x04, 0x00, 0x22};
	static const unsigned char p521[] = {0x2b, 0x81, 0x04, 0x00, 0x23};
	static const unsigned char k256[] = {0x2b, 0x81, 0x04, 0x00, 0x0a};

	if (has(d, n, ed25519, sizeof(ed25519)))
		return "an Ed25519 key";
	if (has(d, n, rsa, sizeof(rsa)))
		return "an RSA key";
	if (has(d, n, p384, sizeof(p384)))
		return "a P-384 key";
	if (has(d, n, p521, sizeof(p521)))
		return "a P-521 key";
	if (has(d, n, k256, sizeof(k256)))
		return "a secp256k1 key";
	return NULL;
}

int nono_trust_spki_fingerprint(const char *b64, size_t n,
				char fp[NONO_SHA256_HEX], char *why,
				size_t whylen)
{
	unsigned char *der;
	uint8_t md[NONO_SHA256_LEN];
	size_t len = 0;
	const char *kind;
	bool zero = true;
	int r = -EINVAL;

	fp[0] = '\0';
	if (n >= 5 && memcmp(b64, "-----", 5) == 0)
		return whyf(why, whylen,
			    "PEM; give the base64 DER line (nono trust "
			    "export-key, without --pem)");
	if (n > MAX_KEY_B64)
		return whyf(why, whylen,
			    "%zu characters; a P-256 key is 124 in base64", n);
	der = nono_b64_decode(b64, n, &len);
	if (!der)
		return whyf(why, whylen,
			    "not standard padded base64 (nono trust export-key "
			    "prints the key)");
	kind = key_kind(der, len);
	if (len != NONO_TRUST_P256_SPKI_LEN ||
	    memcmp(der, p256_prefix, sizeof(p256_prefix)) != 0) {
		whyf(why, whylen,
		     "%s; trust keys are ECDSA P-256 (nono trust keygen makes "
		     "one)",
		     kind ? kind : "not a P-256 public key (SPKI DER)");
		goto out;
	}
	/* The point: both coordinates below p, not both zero (whether it
	 * is on the curve is for OpenSSL, which verifies signatures). */
	for (size_t i = sizeof(p256_prefix); i < len; i++)
		zero &= der[i] == 0;
	if (zero || memcmp(der + 27, p256_p, 32) >= 0 ||
	    memcmp(der + 59, p256_p, 32) >= 0) {
		whyf(why, whylen, "not a valid P-256 point");
		goto out;
	}
	nono_sha256(der, len, md);
	nono_hex(md, NONO_SHA256_LEN, fp);
	r = 0;
out:
	free(der);
	return r;
}

/* --- parsing -------------------------------------------------------------- */

struct pctx {
	const char *file;
	char *err;
	size_t errlen;
};

static int at(struct pctx *c, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int at(struct pctx *c, unsigned line, unsigned col, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	nono_errf(c->err, c->errlen, "%s:%u:%u: %s", c->file, line, col, msg);
	/* Keys and values may hold escaped control characters: none of
	 * them reaches a terminal. */
	for (char *p = c->err; p && c->errlen && *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return -EINVAL;
}

static int type_err(struct pctx *c, const struct nono_json *v, const char *path,
		    const char *want)
{
	return at(c, v->line, v->col, "%s: expected %s, got %s", path, want,
		  nono_json_type_name(v->type));
}

static int unknown(struct pctx *c, const struct nono_json_member *m,
		   const char *where, const char *const *keys, size_t n)
{
	const char *near = nono_suggest(m->key, keys, n);
	char mean[96] = "";

	if (near)
		snprintf(mean, sizeof(mean), "; did you mean \"%s\"?", near);
	return at(c, m->line, m->col, "unknown key \"%.64s\" in %s%s", m->key,
		  where, mean);
}

/* The string @v (at @path, at most @max bytes, no control character)
 * copied to *@out (freed first when set). */
static int get_str(struct pctx *c, const struct nono_json *v, const char *path,
		   size_t max, char **out)
{
	if (v->type != NONO_JSON_STRING)
		return type_err(c, v, path, "a string");
	if (v->len > max)
		return at(c, v->line, v->col, "%s: longer than %zu bytes", path,
			  max);
	for (size_t i = 0; i < v->len; i++)
		if ((unsigned char)v->str[i] < 0x20 || v->str[i] == 0x7f)
			return at(c, v->line, v->col,
				  "%s: control character in the string", path);
	free(*out);
	*out = strdup(v->str);
	return *out ? 0 : -ENOMEM;
}

static int get_label(struct pctx *c, const struct nono_json *v,
		     const char *path, char **out)
{
	int r = get_str(c, v, path, MAX_LABEL, out);

	if (r == 0 && !**out)
		return at(c, v->line, v->col, "%s: empty", path);
	return r;
}

/* An array @v at @path of at most @max entries. */
static int get_array(struct pctx *c, const struct nono_json *v,
		     const char *path, size_t max)
{
	if (v->type != NONO_JSON_ARRAY)
		return type_err(c, v, path, "an array");
	if (v->len > max)
		return at(c, v->line, v->col, "%s: %zu entries (at most %zu)",
			  path, v->len, max);
	return 0;
}

static int parse_patterns(struct pctx *c, const struct nono_json *v,
			  const char *key, struct nono_trust_policy *p)
{
	int r = get_array(c, v, key, NONO_TRUST_MAX_PATTERNS);

	if (r < 0)
		return r;
	p->patterns = calloc(v->len ? v->len : 1, sizeof(*p->patterns));
	if (!p->patterns)
		return -ENOMEM;
	for (size_t i = 0; i < v->len; i++) {
		const struct nono_json *s = v->items[i];
		char path[64], why[256];

		snprintf(path, sizeof(path), "%s[%zu]", key, i);
		if (s->type != NONO_JSON_STRING)
			return type_err(c, s, path, "a string (a glob)");
		if (nono_trust_pattern_check(s->str, why, sizeof(why)) < 0)
			return at(c, s->line, s->col, "%s: \"%.64s\": %s", path,
				  s->str, why);
		for (size_t j = 0; j < p->npatterns; j++)
			if (strcmp(p->patterns[j], s->str) == 0)
				return at(c, s->line, s->col,
					  "%s: \"%.64s\" is listed twice", path,
					  s->str);
		p->patterns[p->npatterns] = strdup(s->str);
		if (!p->patterns[p->npatterns])
			return -ENOMEM;
		p->npatterns++;
	}
	return 0;
}

static const char *const pub_keys[] = {
    "name",       "key_id",   "public_key",  "fingerprint",      "issuer",
    "repository", "workflow", "ref_pattern", "build_signer_uri",
};

/* Publisher @i (@o) into @u; @p holds publishers 0..i-1 (duplicates). */
static int parse_pub(struct pctx *c, const struct nono_json *o, size_t i,
		     const struct nono_trust_policy *p,
		     struct nono_trust_publisher *u)
{
	const struct nono_json *pk = NULL, *fpv = NULL, *kl = NULL;
	char path[96], where[64], why[256];
	int r = 0;

	snprintf(where, sizeof(where), "publishers[%zu]", i);
	if (o->type != NONO_JSON_OBJECT)
		return type_err(c, o, where, "an object");
	for (size_t k = 0; k < o->len && r == 0; k++) {
		const struct nono_json_member *m = &o->members[k];
		const struct nono_json *v = m->value;
		char **dst = NULL;

		snprintf(path, sizeof(path), "%s.%s", where, m->key);
		if (strcmp(m->key, "name") == 0) {
			r = get_label(c, v, path, &u->name);
			continue;
		}
		if (strcmp(m->key, "key_id") == 0) {
			r = get_label(c, v, path, &u->key_id);
			continue;
		}
		if (strcmp(m->key, "public_key") == 0) {
			r = get_str(c, v, path, MAX_KEY_B64 * 4,
				    &u->public_key);
			pk = v;
			continue;
		}
		if (strcmp(m->key, "fingerprint") == 0) {
			if (v->type != NONO_JSON_STRING)
				return type_err(c, v, path, "a string");
			fpv = v;
			continue;
		}
		if (strcmp(m->key, "issuer") == 0)
			dst = &u->issuer;
		else if (strcmp(m->key, "repository") == 0)
			dst = &u->repository;
		else if (strcmp(m->key, "workflow") == 0)
			dst = &u->workflow;
		else if (strcmp(m->key, "ref_pattern") == 0)
			dst = &u->ref_pattern;
		else if (strcmp(m->key, "build_signer_uri") == 0)
			dst = &u->build_signer_uri;
		else
			return unknown(c, m, where, pub_keys,
				       sizeof(pub_keys) / sizeof(*pub_keys));
		if (!kl)
			kl = v;
		r = get_str(c, v, path, MAX_TEXT, dst);
		if (r == 0 && !**dst)
			r = at(c, v->line, v->col, "%s: empty", path);
	}
	if (r < 0)
		return r;
	if (!u->name)
		return at(c, o->line, o->col, "%s: \"name\" is missing", where);
	if (u->issuer) {
		/* Keyless (Sigstore OIDC): kept, never matched offline. */
		u->keyless = true;
		if (u->public_key || u->key_id || fpv)
			return at(c, o->line, o->col,
				  "%s: both keyed (public_key, key_id) and "
				  "keyless (issuer); a publisher is one or "
				  "the other",
				  where);
		if (!u->repository || !u->ref_pattern ||
		    !(u->workflow || u->build_signer_uri))
			return at(c, o->line, o->col,
				  "%s: a keyless publisher needs issuer, "
				  "repository, workflow (or build_signer_uri) "
				  "and ref_pattern",
				  where);
		for (size_t j = 0; j < i; j++)
			if (p->pub[j].keyless &&
			    nono_trust_keyless_same(&p->pub[j], u))
				return at(c, o->line, o->col,
					  "%s: the same identity as "
					  "publishers[%zu]",
					  where, j);
		return 0;
	}
	if (kl)
		return at(c, kl->line, kl->col,
			  "%s: repository, workflow, ref_pattern and "
			  "build_signer_uri are for keyless publishers, which "
			  "need an issuer",
			  where);
	if (!pk)
		return at(c, o->line, o->col,
			  "%s (\"%.64s\"): \"public_key\" is missing; nono "
			  "identifies a keyed publisher by its key, never by "
			  "its name or key_id (nono trust export-key prints "
			  "it)",
			  where, u->name);
	if (nono_trust_spki_fingerprint(pk->str, pk->len, u->fingerprint, why,
					sizeof(why)) < 0)
		return at(c, pk->line, pk->col, "%s.public_key: %s", where,
			  why);
	if (fpv && strcmp(fpv->str, u->fingerprint) != 0)
		return at(c, fpv->line, fpv->col,
			  "%s.fingerprint: \"%.64s\" is not the fingerprint of "
			  "its public_key (%s)",
			  where, fpv->str, u->fingerprint);
	for (size_t j = 0; j < i; j++)
		if (!p->pub[j].keyless &&
		    strcmp(p->pub[j].fingerprint, u->fingerprint) == 0)
			return at(c, pk->line, pk->col,
				  "%s.public_key: the same key as "
				  "publishers[%zu] (\"%.64s\")",
				  where, j, p->pub[j].name);
	return 0;
}

static int parse_pubs(struct pctx *c, const struct nono_json *v,
		      struct nono_trust_policy *p)
{
	int r = get_array(c, v, "publishers", NONO_TRUST_MAX_PUBLISHERS);

	if (r < 0)
		return r;
	p->pub = calloc(v->len ? v->len : 1, sizeof(*p->pub));
	if (!p->pub)
		return -ENOMEM;
	for (size_t i = 0; i < v->len; i++) {
		/* Counted before it is complete, so that a failure frees
		 * what it holds. */
		p->npub++;
		r = parse_pub(c, v->items[i], i, p, &p->pub[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static const char *const digest_keys[] = {"sha256", "description", "added"};

static int parse_digest(struct pctx *c, const struct nono_json *o, size_t i,
			struct nono_trust_block *b)
{
	char where[64], path[96];
	bool have = false;
	int r = 0;

	snprintf(where, sizeof(where), "blocklist.digests[%zu]", i);
	if (o->type != NONO_JSON_OBJECT)
		return type_err(c, o, where, "an object");
	for (size_t k = 0; k < o->len && r == 0; k++) {
		const struct nono_json_member *m = &o->members[k];
		const struct nono_json *v = m->value;

		snprintf(path, sizeof(path), "%s.%s", where, m->key);
		if (strcmp(m->key, "sha256") == 0) {
			if (v->type != NONO_JSON_STRING)
				return type_err(c, v, path, "a string");
			if (!nono_trust_hex64(v->str, v->len, true))
				return at(c, v->line, v->col,
					  "%s: \"%.80s\" is not 64 lowercase "
					  "hex digits (a SHA-256)",
					  path, v->str);
			memcpy(b->sha256, v->str, v->len + 1);
			have = true;
		} else if (strcmp(m->key, "description") == 0) {
			r = get_str(c, v, path, MAX_TEXT, &b->description);
		} else if (strcmp(m->key, "added") == 0) {
			r = get_str(c, v, path, MAX_ADDED, &b->added);
		} else {
			return unknown(c, m, where, digest_keys, 3);
		}
	}
	if (r == 0 && !have)
		return at(c, o->line, o->col, "%s: \"sha256\" is missing",
			  where);
	return r;
}

static const char *const bkey_keys[] = {"identity", "repository", "reason",
					"added"};

static int parse_bkey(struct pctx *c, const struct nono_json *o, size_t i,
		      const struct nono_trust_policy *p,
		      struct nono_trust_blocked_key *k)
{
	char where[64], path[96];
	int r = 0;

	snprintf(where, sizeof(where), "blocklist.publishers[%zu]", i);
	if (o->type != NONO_JSON_OBJECT)
		return type_err(c, o, where, "an object");
	for (size_t j = 0; j < o->len && r == 0; j++) {
		const struct nono_json_member *m = &o->members[j];
		const struct nono_json *v = m->value;

		snprintf(path, sizeof(path), "%s.%s", where, m->key);
		if (strcmp(m->key, "identity") == 0) {
			r = get_str(c, v, path, MAX_TEXT, &k->identity);
			if (r == 0 && !*k->identity)
				r = at(c, v->line, v->col, "%s: empty", path);
		} else if (strcmp(m->key, "repository") == 0) {
			r = get_str(c, v, path, MAX_TEXT, &k->repository);
		} else if (strcmp(m->key, "reason") == 0) {
			r = get_str(c, v, path, MAX_TEXT, &k->reason);
		} else if (strcmp(m->key, "added") == 0) {
			r = get_str(c, v, path, MAX_ADDED, &k->added);
		} else {
			return unknown(c, m, where, bkey_keys, 4);
		}
	}
	if (r < 0)
		return r;
	if (!k->identity)
		return at(c, o->line, o->col, "%s: \"identity\" is missing",
			  where);
	for (size_t j = 0; j < i; j++) {
		const struct nono_trust_blocked_key *q = &p->blocked_keys[j];

		if (strcmp(q->identity, k->identity) == 0 &&
		    (q->repository && k->repository
			 ? strcmp(q->repository, k->repository) == 0
			 : q->repository == k->repository))
			return at(c, o->line, o->col,
				  "%s: the same as blocklist.publishers[%zu]",
				  where, j);
	}
	return 0;
}

static int parse_blocklist(struct pctx *c, const struct nono_json *v,
			   struct nono_trust_policy *p)
{
	static const char *const keys[] = {"digests", "publishers"};
	const struct nono_json *d = NULL, *bp = NULL;
	struct nono_trust_order *ord = NULL;
	int r;

	if (v->type != NONO_JSON_OBJECT)
		return type_err(c, v, "blocklist", "an object");
	for (size_t i = 0; i < v->len; i++) {
		const struct nono_json_member *m = &v->members[i];

		if (strcmp(m->key, "digests") == 0)
			d = m->value;
		else if (strcmp(m->key, "publishers") == 0)
			bp = m->value;
		else
			return unknown(c, m, "blocklist", keys, 2);
	}
	if (d) {
		r = get_array(c, d, "blocklist.digests",
			      NONO_TRUST_MAX_BLOCKLIST);
		if (r < 0)
			return r;
		p->block = calloc(d->len ? d->len : 1, sizeof(*p->block));
		ord = calloc(d->len ? d->len : 1, sizeof(*ord));
		if (!p->block || !ord) {
			free(ord);
			return -ENOMEM;
		}
		for (size_t i = 0; i < d->len; i++) {
			p->nblock++;
			r = parse_digest(c, d->items[i], i, &p->block[i]);
			if (r < 0) {
				free(ord);
				return r;
			}
			ord[i].b = &p->block[i];
			ord[i].i = i;
		}
		/* Duplicates, named by their places in the file. */
		qsort(ord, d->len, sizeof(*ord), nono_trust_order_cmp);
		for (size_t i = 1; i < d->len; i++)
			if (strcmp(ord[i].b->sha256, ord[i - 1].b->sha256) ==
			    0) {
				const struct nono_json *e = d->items[ord[i].i];

				r = at(
				    c, e->line, e->col,
				    "blocklist.digests[%zu]: the same sha256 "
				    "as blocklist.digests[%zu]",
				    ord[i].i, ord[i - 1].i);
				free(ord);
				return r;
			}
		free(ord);
		qsort(p->block, p->nblock, sizeof(*p->block),
		      nono_trust_block_cmp);
	}
	if (bp) {
		r = get_array(c, bp, "blocklist.publishers",
			      NONO_TRUST_MAX_BLOCKED_KEYS);
		if (r < 0)
			return r;
		p->blocked_keys =
		    calloc(bp->len ? bp->len : 1, sizeof(*p->blocked_keys));
		if (!p->blocked_keys)
			return -ENOMEM;
		for (size_t i = 0; i < bp->len; i++) {
			p->nblocked_keys++;
			r = parse_bkey(c, bp->items[i], i, p,
				       &p->blocked_keys[i]);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int parse_enforcement(struct pctx *c, const struct nono_json *v,
			     struct nono_trust_policy *p)
{
	static const char *const names[] = {"audit", "warn", "deny"};
	const char *near;

	if (v->type != NONO_JSON_STRING)
		return type_err(c, v, "enforcement", "a string");
	for (size_t i = 0; i < 3; i++)
		if (strcmp(v->str, names[i]) == 0) {
			p->enforcement = (enum nono_trust_enforce)i;
			return 0;
		}
	near = nono_suggest(v->str, names, 3);
	return at(c, v->line, v->col,
		  "enforcement: \"%.32s\" is not \"deny\", \"warn\" or "
		  "\"audit\"%s%s%s",
		  v->str, near ? " (did you mean \"" : "", near ? near : "",
		  near ? "\"?)" : "");
}

static const char *const root_keys[] = {
    "version",   "instruction_patterns", "includes", "publishers",
    "blocklist", "enforcement",
};

static int parse_root(struct pctx *c, const struct nono_json *root,
		      struct nono_trust_policy *p)
{
	const struct nono_json_member *pat = NULL, *ver = NULL;
	int r = 0;

	if (root->type != NONO_JSON_OBJECT)
		return type_err(c, root, "trust policy", "an object");
	for (size_t i = 0; i < root->len && r == 0; i++) {
		const struct nono_json_member *m = &root->members[i];
		const struct nono_json *v = m->value;

		if (strcmp(m->key, "version") == 0) {
			ver = m;
			if (v->type != NONO_JSON_NUMBER || !v->is_int)
				r = type_err(c, v, "version", "an integer");
			else if (v->integer != NONO_TRUST_POLICY_VERSION)
				r = at(c, v->line, v->col,
				       "version: unsupported trust policy "
				       "version %lld (this nono reads version "
				       "%d)",
				       v->integer, NONO_TRUST_POLICY_VERSION);
		} else if (strcmp(m->key, "instruction_patterns") == 0 ||
			   strcmp(m->key, "includes") == 0) {
			if (pat)
				return at(c, m->line, m->col,
					  "%s: the same list as %s (includes "
					  "is its newer name); give one",
					  m->key, pat->key);
			pat = m;
			r = parse_patterns(c, v, m->key, p);
		} else if (strcmp(m->key, "publishers") == 0) {
			r = parse_pubs(c, v, p);
		} else if (strcmp(m->key, "blocklist") == 0) {
			r = parse_blocklist(c, v, p);
		} else if (strcmp(m->key, "enforcement") == 0) {
			r = parse_enforcement(c, v, p);
		} else if (strcmp(m->key, "files") == 0) {
			r = at(c, m->line, m->col,
			       "files: explicit file lists are not supported "
			       "by this nono (refused rather than ignored, "
			       "so that no file goes unverified unnoticed); "
			       "use instruction_patterns");
		} else {
			r = unknown(c, m, "the trust policy", root_keys,
				    sizeof(root_keys) / sizeof(*root_keys));
		}
	}
	if (r == 0 && !ver)
		r = at(c, root->line, root->col,
		       "\"version\" is missing (this nono reads version %d)",
		       NONO_TRUST_POLICY_VERSION);
	return r;
}

int nono_trust_policy_parse(const char *text, size_t len, const char *name,
			    struct nono_trust_policy *p, char *err,
			    size_t errlen)
{
	struct pctx c = {name ? name : "trust-policy.json", err, errlen};
	struct nono_json_error jerr;
	struct nono_json *root = NULL;
	int r;

	memset(p, 0, sizeof(*p));
	p->enforcement = NONO_TRUST_DENY;
	if (err && errlen)
		err[0] = '\0';
	r = nono_json_parse(text, len, &root, &jerr);
	if (r == -ENOMEM) {
		nono_errf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (r < 0)
		return at(&c, jerr.line, jerr.col, "%s", jerr.msg);
	r = parse_root(&c, root, p);
	nono_json_free(root);
	if (r == -ENOMEM)
		nono_errf(err, errlen, "out of memory");
	if (r < 0) {
		nono_trust_policy_free(p);
		return r;
	}
	p->enforcement_set = true;
	return 0;
}
