// SPDX-License-Identifier: Apache-2.0
/*
 * Trust policies in memory: the built-in one, merging policies without
 * letting a later one weaken an earlier one, looking up a signer's key
 * and a blocked digest, and writing a policy back (reading one is
 * policy_parse.c).  trust/policy.h lists where this differs from
 * upstream nono and which attack each difference closes.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit/event.h"
#include "trust/glob.h"
#include "trust/policy.h"
#include "trust/policy_internal.h"
#include "util/errbuf.h"

const char *const nono_trust_default_patterns[NONO_TRUST_NDEFAULT] = {
    "SKILLS*",
    "CLAUDE*",
    "AGENT*", /* AGENT.md and AGENTS.md */
    ".claude/**/*.md",
};
#define NDEFAULT NONO_TRUST_NDEFAULT
#define default_patterns nono_trust_default_patterns

const char *nono_trust_enforce_name(enum nono_trust_enforce e)
{
	switch (e) {
	case NONO_TRUST_AUDIT:
		return "audit";
	case NONO_TRUST_WARN:
		return "warn";
	case NONO_TRUST_DENY:
		return "deny";
	}
	return "deny";
}

/* --- freeing and copying -------------------------------------------------- */

static void pub_free(struct nono_trust_publisher *u)
{
	free(u->name);
	free(u->key_id);
	free(u->public_key);
	free(u->issuer);
	free(u->repository);
	free(u->workflow);
	free(u->ref_pattern);
	free(u->build_signer_uri);
	memset(u, 0, sizeof(*u));
}

static void bkey_free(struct nono_trust_blocked_key *k)
{
	free(k->identity);
	free(k->repository);
	free(k->reason);
	free(k->added);
	memset(k, 0, sizeof(*k));
}

void nono_trust_policy_free(struct nono_trust_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->npatterns; i++)
		free(p->patterns[i]);
	free(p->patterns);
	for (size_t i = 0; i < p->npub; i++)
		pub_free(&p->pub[i]);
	free(p->pub);
	for (size_t i = 0; i < p->nblock; i++) {
		free(p->block[i].description);
		free(p->block[i].added);
	}
	free(p->block);
	for (size_t i = 0; i < p->nblocked_keys; i++)
		bkey_free(&p->blocked_keys[i]);
	free(p->blocked_keys);
	memset(p, 0, sizeof(*p));
	p->enforcement = NONO_TRUST_DENY;
}

/* A copy of @s (NULL stays NULL) into *@d: 0, or -1 out of memory. */
static int dup_opt(char **d, const char *s)
{
	*d = s ? strdup(s) : NULL;
	return s && !*d ? -1 : 0;
}

static int pub_copy(struct nono_trust_publisher *d,
		    const struct nono_trust_publisher *s)
{
	int bad = 0;

	memset(d, 0, sizeof(*d));
	memcpy(d->fingerprint, s->fingerprint, sizeof(d->fingerprint));
	d->fingerprint[NONO_SHA256_HEX - 1] = '\0';
	d->keyless = s->keyless;
	bad |= dup_opt(&d->name, s->name ? s->name : "");
	bad |= dup_opt(&d->key_id, s->key_id);
	bad |= dup_opt(&d->public_key, s->public_key);
	bad |= dup_opt(&d->issuer, s->issuer);
	bad |= dup_opt(&d->repository, s->repository);
	bad |= dup_opt(&d->workflow, s->workflow);
	bad |= dup_opt(&d->ref_pattern, s->ref_pattern);
	bad |= dup_opt(&d->build_signer_uri, s->build_signer_uri);
	if (bad)
		pub_free(d);
	return bad ? -ENOMEM : 0;
}

static int bkey_copy(struct nono_trust_blocked_key *d,
		     const struct nono_trust_blocked_key *s)
{
	int bad = 0;

	memset(d, 0, sizeof(*d));
	bad |= dup_opt(&d->identity, s->identity ? s->identity : "");
	bad |= dup_opt(&d->repository, s->repository);
	bad |= dup_opt(&d->reason, s->reason);
	bad |= dup_opt(&d->added, s->added);
	if (bad)
		bkey_free(d);
	return bad ? -ENOMEM : 0;
}

static int block_copy(struct nono_trust_block *d,
		      const struct nono_trust_block *s)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->sha256, s->sha256, sizeof(d->sha256));
	d->sha256[NONO_SHA256_HEX - 1] = '\0';
	if (dup_opt(&d->description, s->description) < 0 ||
	    dup_opt(&d->added, s->added) < 0) {
		free(d->description);
		return -ENOMEM;
	}
	return 0;
}

/* Appends a copy of @s to @p's patterns unless it is there. */
static int add_pattern(struct nono_trust_policy *p, const char *s)
{
	char **v, *d;

	for (size_t i = 0; i < p->npatterns; i++)
		if (strcmp(p->patterns[i], s) == 0)
			return 0;
	d = strdup(s);
	if (!d)
		return -ENOMEM;
	v = realloc(p->patterns, (p->npatterns + 1) * sizeof(*v));
	if (!v) {
		free(d);
		return -ENOMEM;
	}
	p->patterns = v;
	p->patterns[p->npatterns++] = d;
	return 0;
}

void nono_trust_policy_init_default(struct nono_trust_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->enforcement = NONO_TRUST_DENY;
	/* Static strings would make the policy half-owned; on no memory
	 * the default is an empty list, which merging fills in (or fails
	 * there, with the error reported). */
	for (size_t i = 0; i < NDEFAULT; i++)
		if (add_pattern(p, default_patterns[i]) < 0)
			break;
}

/* --- shared with policy_parse.c ------------------------------------------- */

bool nono_trust_hex64(const char *s, size_t len, bool lower_only)
{
	if (len != 2 * NONO_SHA256_LEN)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];

		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
		      (!lower_only && ch >= 'A' && ch <= 'F')))
			return false;
	}
	return true;
}

int nono_trust_order_cmp(const void *x, const void *y)
{
	const struct nono_trust_order *a = x, *b = y;
	int d = strcmp(a->b->sha256, b->b->sha256);

	return d ? d : (a->i > b->i) - (a->i < b->i);
}

int nono_trust_block_cmp(const void *x, const void *y)
{
	return strcmp(((const struct nono_trust_block *)x)->sha256,
		      ((const struct nono_trust_block *)y)->sha256);
}

/* --- merging -------------------------------------------------------------- */

/* The message into @err; returns @code. */
static int merr(int code, char *err, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int merr(int code, char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (err && len) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return code;
}

static bool str_eq(const char *a, const char *b)
{
	return a && b ? strcmp(a, b) == 0 : a == b;
}

bool nono_trust_keyless_same(const struct nono_trust_publisher *a,
			     const struct nono_trust_publisher *b)
{
	return str_eq(a->issuer, b->issuer) &&
	       str_eq(a->repository, b->repository) &&
	       str_eq(a->workflow, b->workflow) &&
	       str_eq(a->ref_pattern, b->ref_pattern) &&
	       str_eq(a->build_signer_uri, b->build_signer_uri);
}

static int copy_policy(struct nono_trust_policy *d,
		       const struct nono_trust_policy *s)
{
	memset(d, 0, sizeof(*d));
	d->enforcement = s->enforcement;
	d->enforcement_set = s->enforcement_set;
	for (size_t i = 0; i < s->npatterns; i++)
		if (add_pattern(d, s->patterns[i]) < 0)
			return -ENOMEM;
	if (s->npub) {
		d->pub = calloc(s->npub, sizeof(*d->pub));
		if (!d->pub)
			return -ENOMEM;
		for (; d->npub < s->npub; d->npub++)
			if (pub_copy(&d->pub[d->npub], &s->pub[d->npub]) < 0)
				return -ENOMEM;
	}
	if (s->nblock) {
		d->block = calloc(s->nblock, sizeof(*d->block));
		if (!d->block)
			return -ENOMEM;
		for (; d->nblock < s->nblock; d->nblock++)
			if (block_copy(&d->block[d->nblock],
				       &s->block[d->nblock]) < 0)
				return -ENOMEM;
	}
	if (s->nblocked_keys) {
		d->blocked_keys =
		    calloc(s->nblocked_keys, sizeof(*d->blocked_keys));
		if (!d->blocked_keys)
			return -ENOMEM;
		for (; d->nblocked_keys < s->nblocked_keys; d->nblocked_keys++)
			if (bkey_copy(&d->blocked_keys[d->nblocked_keys],
				      &s->blocked_keys[d->nblocked_keys]) < 0)
				return -ENOMEM;
	}
	return 0;
}

static int merge_pubs(struct nono_trust_policy *t,
		      const struct nono_trust_policy *from, char *err,
		      size_t errlen)
{
	for (size_t i = 0; i < from->npub; i++) {
		struct nono_trust_publisher u, *v;
		const struct nono_trust_publisher *s = &from->pub[i];
		const char *label = s->name ? s->name : "?";
		char fp[NONO_SHA256_HEX] = "", why[256];
		bool dup = false;

		if (!s->keyless) {
			if (!s->public_key)
				return merr(-EINVAL, err, errlen,
					    "publisher \"%.64s\" has no "
					    "public key",
					    label);
			if (nono_trust_spki_fingerprint(
				s->public_key, strlen(s->public_key), fp, why,
				sizeof(why)) < 0)
				return merr(-EINVAL, err, errlen,
					    "publisher \"%.64s\": %s", label,
					    why);
			if (s->fingerprint[0] &&
			    strncasecmp(s->fingerprint, fp, sizeof(fp)) != 0)
				return merr(-EINVAL, err, errlen,
					    "publisher \"%.64s\": "
					    "fingerprint %.64s is not its "
					    "key's (%s)",
					    label, s->fingerprint, fp);
		}
		for (size_t j = 0; j < t->npub && !dup; j++)
			dup = s->keyless
				  ? t->pub[j].keyless &&
					nono_trust_keyless_same(&t->pub[j], s)
				  : !t->pub[j].keyless &&
					strcmp(t->pub[j].fingerprint, fp) == 0;
		if (dup)
			continue;
		if (t->npub >=
		    NONO_TRUST_MERGE_FACTOR * NONO_TRUST_MAX_PUBLISHERS)
			return merr(-E2BIG, err, errlen,
				    "merged trust policies hold more "
				    "than %d publishers",
				    NONO_TRUST_MERGE_FACTOR *
					NONO_TRUST_MAX_PUBLISHERS);
		if (pub_copy(&u, s) < 0)
			return -ENOMEM;
		memcpy(u.fingerprint, fp, sizeof(fp));
		v = realloc(t->pub, (t->npub + 1) * sizeof(*v));
		if (!v) {
			pub_free(&u);
			return -ENOMEM;
		}
		t->pub = v;
		t->pub[t->npub++] = u;
	}
	return 0;
}

/* Adds @from's blocked digests not in @t (sorted), keeping @t sorted. */
static int merge_blocks(struct nono_trust_policy *t,
			const struct nono_trust_policy *from, char *err,
			size_t errlen)
{
	struct nono_trust_order *ord;
	struct nono_trust_block *v;
	const char *prev = NULL;
	size_t n0 = t->nblock, add = 0;

	if (!from->nblock)
		return 0;
	ord = calloc(from->nblock, sizeof(*ord));
	if (!ord)
		return -ENOMEM;
	for (size_t i = 0; i < from->nblock; i++) {
		ord[i].b = &from->block[i];
		ord[i].i = i;
	}
	qsort(ord, from->nblock, sizeof(*ord), nono_trust_order_cmp);
	/* Keep the first of each digest, and only the ones @t lacks. */
	for (size_t i = 0; i < from->nblock; i++) {
		const struct nono_trust_block *b = ord[i].b;

		if (prev && strcmp(prev, b->sha256) == 0)
			continue;
		prev = b->sha256;
		if (!n0 || !bsearch(b, t->block, n0, sizeof(*t->block),
				    nono_trust_block_cmp))
			ord[add++] = ord[i];
	}
	if (n0 + add > NONO_TRUST_MERGE_FACTOR * NONO_TRUST_MAX_BLOCKLIST) {
		free(ord);
		return merr(-E2BIG, err, errlen,
			    "merged trust policies block more than %d "
			    "digests",
			    NONO_TRUST_MERGE_FACTOR * NONO_TRUST_MAX_BLOCKLIST);
	}
	v = realloc(t->block, (n0 + add ? n0 + add : 1) * sizeof(*v));
	if (!v) {
		free(ord);
		return -ENOMEM;
	}
	t->block = v;
	for (size_t i = 0; i < add; i++) {
		if (block_copy(&t->block[t->nblock], ord[i].b) < 0) {
			free(ord);
			return -ENOMEM;
		}
		t->nblock++;
	}
	free(ord);
	qsort(t->block, t->nblock, sizeof(*t->block), nono_trust_block_cmp);
	return 0;
}

static int merge_bkeys(struct nono_trust_policy *t,
		       const struct nono_trust_policy *from, char *err,
		       size_t errlen)
{
	for (size_t i = 0; i < from->nblocked_keys; i++) {
		const struct nono_trust_blocked_key *s = &from->blocked_keys[i];
		struct nono_trust_blocked_key *v;
		bool dup = false;

		for (size_t j = 0; j < t->nblocked_keys && !dup; j++)
			dup =
			    str_eq(t->blocked_keys[j].identity, s->identity) &&
			    str_eq(t->blocked_keys[j].repository,
				   s->repository);
		if (dup)
			continue;
		if (t->nblocked_keys >=
		    NONO_TRUST_MERGE_FACTOR * NONO_TRUST_MAX_BLOCKED_KEYS)
			return merr(-E2BIG, err, errlen,
				    "merged trust policies block more "
				    "than %d publishers",
				    NONO_TRUST_MERGE_FACTOR *
					NONO_TRUST_MAX_BLOCKED_KEYS);
		v = realloc(t->blocked_keys,
			    (t->nblocked_keys + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		t->blocked_keys = v;
		if (bkey_copy(&t->blocked_keys[t->nblocked_keys], s) < 0)
			return -ENOMEM;
		t->nblocked_keys++;
	}
	return 0;
}

int nono_trust_policy_merge(struct nono_trust_policy *into,
			    const struct nono_trust_policy *from, char *err,
			    size_t errlen)
{
	struct nono_trust_policy t;
	char why[256];
	int r;

	if (err && errlen)
		err[0] = '\0';
	r = copy_policy(&t, into);
	/* A publisher built in memory may carry only its key. */
	for (size_t i = 0; r == 0 && i < t.npub; i++) {
		struct nono_trust_publisher *u = &t.pub[i];

		if (u->keyless || u->fingerprint[0])
			continue;
		if (!u->public_key || nono_trust_spki_fingerprint(
					  u->public_key, strlen(u->public_key),
					  u->fingerprint, why, sizeof(why)) < 0)
			r = merr(-EINVAL, err, errlen,
				 "publisher \"%.64s\": no valid public key",
				 u->name ? u->name : "?");
	}
	for (size_t i = 0; r == 0 && i < NDEFAULT; i++)
		r = add_pattern(&t, default_patterns[i]);
	for (size_t i = 0; r == 0 && i < from->npatterns; i++) {
		if (nono_trust_pattern_check(from->patterns[i], why,
					     sizeof(why)) < 0) {
			r = merr(-EINVAL, err, errlen,
				 "instruction pattern \"%.64s\": %s",
				 from->patterns[i], why);
			break;
		}
		r = add_pattern(&t, from->patterns[i]);
		if (r == 0 && t.npatterns > NONO_TRUST_MERGE_FACTOR *
						NONO_TRUST_MAX_PATTERNS)
			r = merr(-E2BIG, err, errlen,
				 "merged trust policies hold more than "
				 "%d instruction patterns",
				 NONO_TRUST_MERGE_FACTOR *
				     NONO_TRUST_MAX_PATTERNS);
	}
	if (r == 0)
		r = merge_pubs(&t, from, err, errlen);
	if (r == 0)
		r = merge_blocks(&t, from, err, errlen);
	if (r == 0)
		r = merge_bkeys(&t, from, err, errlen);
	if (r < 0) {
		if (r == -ENOMEM)
			nono_errf(err, errlen, "out of memory");
		nono_trust_policy_free(&t);
		return r;
	}
	/* Enforcement: the strictest of what the merged policies set; the
	 * built-in default's "deny" counts only while nothing set one. */
	if (from->enforcement_set) {
		if (!t.enforcement_set || from->enforcement > t.enforcement)
			t.enforcement = from->enforcement;
		t.enforcement_set = true;
	}
	nono_trust_policy_free(into);
	*into = t;
	return 0;
}

/* --- lookups -------------------------------------------------------------- */

const struct nono_trust_blocked_key *
nono_trust_policy_key_blocked(const struct nono_trust_policy *p,
			      const char *fingerprint)
{
	if (!fingerprint ||
	    !nono_trust_hex64(fingerprint, strlen(fingerprint), false))
		return NULL;
	for (size_t i = 0; i < p->nblocked_keys; i++) {
		const struct nono_trust_blocked_key *k = &p->blocked_keys[i];

		if (strcasecmp(k->identity, fingerprint) == 0)
			return k;
		/* A label blocks every key that carries it. */
		for (size_t j = 0; j < p->npub; j++) {
			const struct nono_trust_publisher *u = &p->pub[j];

			if (u->keyless ||
			    strcasecmp(u->fingerprint, fingerprint) != 0)
				continue;
			if (str_eq(u->name, k->identity) ||
			    str_eq(u->key_id, k->identity))
				return k;
		}
	}
	return NULL;
}

const struct nono_trust_publisher *
nono_trust_policy_publisher(const struct nono_trust_policy *p,
			    const char *fingerprint)
{
	if (!fingerprint ||
	    !nono_trust_hex64(fingerprint, strlen(fingerprint), false))
		return NULL;
	for (size_t i = 0; i < p->npub; i++)
		if (!p->pub[i].keyless &&
		    strcasecmp(p->pub[i].fingerprint, fingerprint) == 0)
			return nono_trust_policy_key_blocked(p, fingerprint)
				   ? NULL
				   : &p->pub[i];
	return NULL;
}

const struct nono_trust_block *
nono_trust_policy_blocked(const struct nono_trust_policy *p, const char *sha256)
{
	struct nono_trust_block key;

	if (!sha256 || !nono_trust_hex64(sha256, strlen(sha256), false) ||
	    !p->nblock)
		return NULL;
	for (size_t i = 0; i < 2 * NONO_SHA256_LEN; i++)
		key.sha256[i] = (char)tolower((unsigned char)sha256[i]);
	key.sha256[2 * NONO_SHA256_LEN] = '\0';
	return bsearch(&key, p->block, p->nblock, sizeof(*p->block),
		       nono_trust_block_cmp);
}

/* --- writing and comparing ------------------------------------------------ */

static void put(struct nono_ev *e, const char *s)
{
	nono_ev_put(e, s, strlen(s));
}

/* ',\n' between members, then INDENT"key": "value" when @val is set. */
static void field(struct nono_ev *e, bool *first, const char *indent,
		  const char *key, const char *val)
{
	if (!val)
		return;
	put(e, *first ? "\n" : ",\n");
	*first = false;
	put(e, indent);
	nono_ev_quote(e, key, strlen(key));
	put(e, ": ");
	nono_ev_quote(e, val, strlen(val));
}

int nono_trust_policy_write(const struct nono_trust_policy *p, char **out,
			    size_t *len)
{
	struct nono_ev e = {0};
	char num[32];

	*out = NULL;
	*len = 0;
	snprintf(num, sizeof(num), "%d", NONO_TRUST_POLICY_VERSION);
	put(&e, "{\n  \"version\": ");
	put(&e, num);
	put(&e, ",\n  \"instruction_patterns\": [");
	for (size_t i = 0; i < p->npatterns; i++) {
		put(&e, i ? ",\n    " : "\n    ");
		nono_ev_quote(&e, p->patterns[i], strlen(p->patterns[i]));
	}
	put(&e, p->npatterns ? "\n  ],\n  \"publishers\": ["
			     : "],\n  \"publishers\": [");
	for (size_t i = 0; i < p->npub; i++) {
		const struct nono_trust_publisher *u = &p->pub[i];
		const char *in = "      ";
		bool first = true;

		put(&e, i ? ",\n    {" : "\n    {");
		field(&e, &first, in, "name", u->name);
		field(&e, &first, in, "key_id", u->key_id);
		field(&e, &first, in, "public_key", u->public_key);
		if (!u->keyless && u->fingerprint[0])
			field(&e, &first, in, "fingerprint", u->fingerprint);
		field(&e, &first, in, "issuer", u->issuer);
		field(&e, &first, in, "repository", u->repository);
		field(&e, &first, in, "workflow", u->workflow);
		field(&e, &first, in, "build_signer_uri", u->build_signer_uri);
		field(&e, &first, in, "ref_pattern", u->ref_pattern);
		put(&e, "\n    }");
	}
	put(&e, p->npub ? "\n  ],\n" : "],\n");
	put(&e, "  \"blocklist\": {\n    \"digests\": [");
	for (size_t i = 0; i < p->nblock; i++) {
		const struct nono_trust_block *b = &p->block[i];
		const char *in = "        ";
		bool first = true;

		put(&e, i ? ",\n      {" : "\n      {");
		field(&e, &first, in, "sha256", b->sha256);
		field(&e, &first, in, "description", b->description);
		field(&e, &first, in, "added", b->added);
		put(&e, "\n      }");
	}
	put(&e, p->nblock ? "\n    ]" : "]");
	if (p->nblocked_keys) {
		put(&e, ",\n    \"publishers\": [");
		for (size_t i = 0; i < p->nblocked_keys; i++) {
			const struct nono_trust_blocked_key *k =
			    &p->blocked_keys[i];
			const char *in = "        ";
			bool first = true;

			put(&e, i ? ",\n      {" : "\n      {");
			field(&e, &first, in, "identity", k->identity);
			field(&e, &first, in, "repository", k->repository);
			field(&e, &first, in, "reason", k->reason);
			field(&e, &first, in, "added", k->added);
			put(&e, "\n      }");
		}
		put(&e, "\n    ]");
	}
	put(&e, "\n  },\n  \"enforcement\": ");
	nono_ev_quote(&e, nono_trust_enforce_name(p->enforcement),
		      strlen(nono_trust_enforce_name(p->enforcement)));
	put(&e, "\n}\n");
	if (e.oom) {
		nono_ev_free(&e);
		return -ENOMEM;
	}
	*out = e.buf;
	*len = e.len;
	return 0;
}

bool nono_trust_policy_equal(const struct nono_trust_policy *a,
			     const struct nono_trust_policy *b)
{
	if (a->npatterns != b->npatterns || a->npub != b->npub ||
	    a->nblock != b->nblock || a->nblocked_keys != b->nblocked_keys ||
	    a->enforcement != b->enforcement)
		return false;
	for (size_t i = 0; i < a->npatterns; i++)
		if (strcmp(a->patterns[i], b->patterns[i]) != 0)
			return false;
	for (size_t i = 0; i < a->npub; i++) {
		const struct nono_trust_publisher *x = &a->pub[i],
						  *y = &b->pub[i];

		if (x->keyless != y->keyless ||
		    strcmp(x->fingerprint, y->fingerprint) != 0 ||
		    !str_eq(x->name, y->name) ||
		    !str_eq(x->key_id, y->key_id) ||
		    !str_eq(x->public_key, y->public_key) ||
		    !nono_trust_keyless_same(x, y))
			return false;
	}
	for (size_t i = 0; i < a->nblock; i++)
		if (strcmp(a->block[i].sha256, b->block[i].sha256) != 0 ||
		    !str_eq(a->block[i].description, b->block[i].description) ||
		    !str_eq(a->block[i].added, b->block[i].added))
			return false;
	for (size_t i = 0; i < a->nblocked_keys; i++) {
		const struct nono_trust_blocked_key *x = &a->blocked_keys[i];
		const struct nono_trust_blocked_key *y = &b->blocked_keys[i];

		if (!str_eq(x->identity, y->identity) ||
		    !str_eq(x->repository, y->repository) ||
		    !str_eq(x->reason, y->reason) ||
		    !str_eq(x->added, y->added))
			return false;
	}
	return true;
}
