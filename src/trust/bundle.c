// SPDX-License-Identifier: Apache-2.0
/*
 * Sigstore bundles of signed files (see bundle.h): made with a signer,
 * read strictly, checked against a pinned key.  The reader is the part
 * that sees hostile bytes (a bundle sits next to the file it vouches for,
 * in a repository anyone may have written), so it refuses everything it
 * does not need rather than ignoring it: one spelling of each bundle, so
 * that what nono checked is what any other verifier would read.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/json.h"
#include "trust/bundle.h"
#include "util/base64.h"
#include "util/errbuf.h"

/* A DER ECDSA P-256 signature is at most 72 bytes. */
#define SIG_MAX 72
/* Strings at least this long that are only base64 are lifted out of the
 * bundle before the JSON reader sees it (see prescan). */
#define LONG_STR 256
#define LONG_MAX_N 8

/* A growing JSON text with the bundle's ceiling. */
struct sb {
	char *p;
	size_t len, cap;
	bool oom, big;
};

static void sb_put(struct sb *b, const char *s, size_t n)
{
	if (b->oom || b->big)
		return;
	if (n > NONO_TRUST_BUNDLE_MAX - b->len) {
		b->big = true;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

#define SB_LIT(b, lit) sb_put((b), (lit), sizeof(lit) - 1)

static void sb_str(struct sb *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

/* @s as a JSON string literal.  Callers pass valid UTF-8 without
 * control bytes (names and labels are checked first), so only quotes
 * and backslashes need escapes; the rest is escaped anyway. */
static void sb_quote(struct sb *b, const char *s)
{
	char u[8];

	SB_LIT(b, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			u[0] = '\\';
			u[1] = (char)c;
			sb_put(b, u, 2);
		} else if (c < 0x20) {
			snprintf(u, sizeof(u), "\\u%04x", c);
			sb_put(b, u, 6);
		} else {
			sb_put(b, s, 1);
		}
	}
	SB_LIT(b, "\"");
}

/* Whether @n bytes at @s are valid UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF). */
static bool utf8_ok(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t k;
		uint32_t cp, min;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			return false;
		}
		if (n - i <= k)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

static bool has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static bool hex64(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return n == NONO_SHA256_HEX - 1 && s[n] == '\0';
}

int nono_trust_subject_name_check(const char *name, char *err, size_t errlen)
{
	size_t n = strlen(name);

	if (n == 0)
		return nono_errf(err, errlen, "a subject name is empty");
	if (n > NONO_TRUST_NAME_MAX)
		return nono_errf(err, errlen,
				 "a subject name is longer than %u bytes",
				 NONO_TRUST_NAME_MAX);
	if (!utf8_ok((const unsigned char *)name, n))
		return nono_errf(err, errlen,
				 "a subject name is not valid UTF-8");
	/* A control byte could rewrite the terminal it is shown on. */
	if (has_ctl(name))
		return nono_errf(err, errlen,
				 "a subject name holds a control character");
	/* Relative and inside: the name is opened under the directory the
	 * bundle covers, and must not reach outside it. */
	if (name[0] == '/')
		return nono_errf(err, errlen, "subject %.200s is absolute",
				 name);
	for (const char *c = name;;) {
		size_t k = strcspn(c, "/");

		if (k == 0 || (k == 1 && c[0] == '.') ||
		    (k == 2 && c[0] == '.' && c[1] == '.'))
			return nono_errf(
			    err, errlen,
			    "subject %.200s has an empty, \".\" or \"..\" "
			    "component",
			    name);
		if (!c[k])
			break;
		c += k + 1;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A name that two of @n subjects share, or NULL (O(n log n)); @dup
 * receives it, -ENOMEM when out of memory. */
static int find_dup(const struct nono_trust_subject *s, size_t n,
		    const char **dup)
{
	const char **v;

	*dup = NULL;
	if (n < 2)
		return 0;
	v = malloc(n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		v[i] = s[i].name;
	qsort(v, n, sizeof(*v), cmp_str);
	for (size_t i = 1; i < n && !*dup; i++)
		if (strcmp(v[i - 1], v[i]) == 0)
			*dup = v[i];
	free(v);
	return 0;
}

int nono_trust_bundle_seal(const struct nono_signer *s, const char *statement,
			   size_t n, char **out, size_t *len, char *err,
			   size_t errlen)
{
	char *pae = NULL, *b64 = NULL, sig[128];
	struct sb b = {0};
	size_t plen = 0;
	int ret = -1;

	*out = NULL;
	*len = 0;
	pae = nono_dsse_pae(NONO_DSSE_INTOTO, statement, n, &plen);
	b64 = pae ? nono_b64_encode(statement, n) : NULL;
	if (!pae || !b64) {
		nono_errf(err, errlen, "out of memory");
		goto out;
	}
	if (nono_signer_sign(s, pae, plen, sig, sizeof(sig), err, errlen) < 0)
		goto out;
	/* The shape sigstore-js and upstream nono read for a keyed bundle:
	 * no transparency log, no timestamp, the key named by its hint. */
	SB_LIT(&b, "{\"mediaType\":\"" NONO_BUNDLE_V03 "\"");
	SB_LIT(&b, ",\"verificationMaterial\":{\"publicKey\":{\"hint\":\"");
	sb_str(&b, s->keyid);
	SB_LIT(&b, "\"},\"tlogEntries\":[],\"timestampVerificationData\":"
		   "{\"rfc3161Timestamps\":[]}}");
	SB_LIT(&b, ",\"dsseEnvelope\":{\"payload\":\"");
	sb_str(&b, b64);
	SB_LIT(&b, "\",\"payloadType\":\"" NONO_DSSE_INTOTO "\"");
	SB_LIT(&b, ",\"signatures\":[{\"sig\":\"");
	sb_str(&b, sig);
	SB_LIT(&b, "\",\"keyid\":\"\"}]}}\n");
	if (b.oom || b.big) {
		nono_errf(err, errlen,
			  b.oom ? "out of memory"
				: "the bundle would be larger than 1 MiB");
		free(b.p);
		goto out;
	}
	*out = b.p;
	*len = b.len;
	ret = 0;
out:
	free(pae);
	free(b64);
	return ret;
}

/* Whether @t is a predicate type nono may write: printable ASCII, no
 * quote or backslash (it goes into JSON and into messages as is). */
static bool uri_ok(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > 256)
		return false;
	for (size_t i = 0; i < n; i++)
		if (t[i] <= 0x20 || t[i] >= 0x7f || t[i] == '"' || t[i] == '\\')
			return false;
	return true;
}

int nono_trust_bundle_make(const struct nono_signer *s,
			   const char *predicate_type, const char *signer_label,
			   const struct nono_trust_subject *subj, size_t n,
			   char **out, size_t *len, char *err, size_t errlen)
{
	struct nono_trust_bundle back = {0};
	const char *dup = NULL;
	struct sb st = {0};
	char e2[200];
	int ret = -1;

	*out = NULL;
	*len = 0;
	if (!signer_label)
		signer_label = "";
	if (!s->keyid[0])
		return nono_errf(err, errlen, "no signing key is loaded");
	if (!uri_ok(predicate_type))
		return nono_errf(err, errlen, "a predicate type must be a URI");
	if (strlen(signer_label) > NONO_TRUST_LABEL_MAX ||
	    !utf8_ok((const unsigned char *)signer_label,
		     strlen(signer_label)) ||
	    has_ctl(signer_label))
		return nono_errf(err, errlen,
				 "the key label must be at most %u bytes of "
				 "UTF-8 without control characters",
				 NONO_TRUST_LABEL_MAX);
	if (n == 0 || n > NONO_TRUST_SUBJECTS_MAX)
		return nono_errf(err, errlen,
				 "a bundle signs 1 to %u files, not %zu",
				 NONO_TRUST_SUBJECTS_MAX, n);
	for (size_t i = 0; i < n; i++) {
		if (nono_trust_subject_name_check(subj[i].name, err, errlen) <
		    0)
			return -1;
		if (!hex64(subj[i].sha256))
			return nono_errf(err, errlen,
					 "%.200s: the digest is not 64 "
					 "lowercase hex digits",
					 subj[i].name);
	}
	if (find_dup(subj, n, &dup) < 0)
		return nono_errf(err, errlen, "out of memory");
	if (dup)
		return nono_errf(err, errlen, "%.200s is named twice", dup);

	SB_LIT(&st, "{\"_type\":\"" NONO_INTOTO_STATEMENT "\",\"subject\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			SB_LIT(&st, ",");
		SB_LIT(&st, "{\"name\":");
		sb_quote(&st, subj[i].name);
		SB_LIT(&st, ",\"digest\":{\"sha256\":\"");
		sb_str(&st, subj[i].sha256);
		SB_LIT(&st, "\"}}");
	}
	SB_LIT(&st, "],\"predicateType\":\"");
	sb_str(&st, predicate_type);
	SB_LIT(&st, "\",\"predicate\":{\"version\":1,\"signer\":{\"kind\":"
		    "\"keyed\",\"key_id\":");
	sb_quote(&st, signer_label);
	SB_LIT(&st, ",\"fingerprint\":\"");
	sb_str(&st, s->keyid);
	SB_LIT(&st, "\"}}}");
	if (st.oom || st.big) {
		nono_errf(err, errlen,
			  st.oom ? "out of memory"
				 : "the statement would be larger than 1 MiB");
		goto out;
	}
	if (nono_trust_bundle_seal(s, st.p, st.len, out, len, err, errlen) < 0)
		goto out;
	/* What nono writes, nono (and so upstream) reads: a bundle that
	 * would not parse is never handed out. */
	if (nono_trust_bundle_parse(*out, *len, &back, e2, sizeof(e2)) < 0) {
		nono_errf(err, errlen, "the new bundle does not read back: %s",
			  e2);
		free(*out);
		*out = NULL;
		*len = 0;
		goto out;
	}
	ret = 0;
out:
	nono_trust_bundle_free(&back);
	free(st.p);
	return ret;
}

/* A long base64 string lifted out of the bundle text. */
struct span {
	const char *p;
	size_t n;
};

/*
 * Prepares @len bytes of @text for the JSON reader, in *@copy (free()).
 * Refuses what the reader would accept but JSON does not (profiles are
 * JSONC): a byte order mark, comments; and U+0001 written as an escape,
 * which stands for a lifted string in the copy.  With @ls, strings of
 * LONG_STR bytes or more that hold only base64 characters (the DSSE
 * payload) are lifted out: the reader caps strings at 64 KiB, a bundle
 * may carry a payload of up to 1 MiB.  Each becomes "\u0001" and its
 * index in the copy, and its bytes are read from @ls.  The scan tracks
 * strings exactly as JSON does (a quote starts one outside a string,
 * a backslash escapes the next byte inside one), and with comments
 * refused nothing else can hide a quote.
 */
static int prescan(const char *text, size_t len, struct span *ls, size_t *nls,
		   char **copy, size_t *clen, const char *what, char *err,
		   size_t errlen)
{
	char *o;
	size_t k = 0;

	*copy = NULL;
	if (nls)
		*nls = 0;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		return nono_errf(err, errlen,
				 "%s starts with a byte order mark", what);
	o = malloc(len + 1);
	if (!o)
		return nono_errf(err, errlen, "out of memory");
	for (size_t i = 0; i < len;) {
		size_t j, n;
		bool b64 = true;

		if (text[i] == '/') {
			free(o);
			return nono_errf(err, errlen,
					 "%s has a comment (not JSON)", what);
		}
		if (text[i] != '"') {
			o[k++] = text[i++];
			continue;
		}
		for (j = i + 1; j < len && text[j] != '"'; j++) {
			if (text[j] == '\\' && j + 5 < len &&
			    text[j + 1] == 'u' && text[j + 2] == '0' &&
			    text[j + 3] == '0' && text[j + 4] == '0' &&
			    text[j + 5] == '1') {
				free(o);
				return nono_errf(err, errlen,
						 "%s has U+0001 in a string",
						 what);
			}
			if (text[j] == '\\') {
				b64 = false;
				j++;
			} else if (!strchr(
				       "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijk"
				       "lmnopqrstuvwxyz0123456789+/-_=",
				       text[j]) ||
				   !text[j]) {
				b64 = false;
			}
		}
		if (j >= len) {
			/* Unterminated: the reader says so. */
			memcpy(o + k, text + i, len - i);
			k += len - i;
			break;
		}
		n = j - i - 1;
		if (ls && b64 && n >= LONG_STR && *nls < LONG_MAX_N) {
			ls[*nls].p = text + i + 1;
			ls[*nls].n = n;
			/* 9 bytes in place of at least LONG_STR + 2. */
			k += (size_t)snprintf(o + k, len + 1 - k,
					      "\"\\u0001%zu\"", *nls);
			(*nls)++;
		} else {
			memcpy(o + k, text + i, n + 2);
			k += n + 2;
		}
		i = j + 1;
	}
	o[k] = '\0';
	*copy = o;
	*clen = k;
	return 0;
}

/* The bytes of string @v: its own, or the lifted string it stands for. */
static void str_of(const struct nono_json *v, const struct span *ls, size_t nls,
		   const char **p, size_t *n)
{
	if (v->len == 2 && v->str[0] == '\x01' && v->str[1] >= '0' &&
	    (size_t)(v->str[1] - '0') < nls) {
		*p = ls[v->str[1] - '0'].p;
		*n = ls[v->str[1] - '0'].n;
		return;
	}
	*p = v->str;
	*n = v->len;
}

/* The first key of object @o that @allowed (NULL-terminated) lacks, as
 * it may be shown: "?" for one with a control character (a message must
 * not carry escape sequences from the bundle to a terminal). */
static const char *unknown_key(const struct nono_json *o,
			       const char *const *allowed)
{
	for (size_t i = 0; i < o->len; i++) {
		size_t j = 0;

		while (allowed[j] && strcmp(allowed[j], o->members[i].key) != 0)
			j++;
		if (!allowed[j])
			return has_ctl(o->members[i].key) ? "?"
							  : o->members[i].key;
	}
	return NULL;
}

static const struct nono_json *get_t(const struct nono_json *o, const char *k,
				     enum nono_json_type t)
{
	const struct nono_json *v = nono_json_get(o, k);

	return v && v->type == t ? v : NULL;
}

/* The media types read, in the order of the spec's versions. */
static const char *const media_types[] = {
    NONO_BUNDLE_V03,
    NONO_BUNDLE_V03_OLD,
    NONO_BUNDLE_V02,
    NONO_BUNDLE_V01,
};

/* The outer bundle: everything but the statement. */
static int parse_outer(const struct nono_json *root, const struct span *ls,
		       size_t nls, struct nono_trust_bundle *b, char *err,
		       size_t errlen)
{
	static const char *const top_keys[] = {
	    "mediaType", "verificationMaterial", "dsseEnvelope", NULL};
	static const char *const vm_keys[] = {
	    "publicKey", "tlogEntries", "timestampVerificationData", NULL};
	static const char *const pk_keys[] = {"hint", NULL};
	static const char *const env_keys[] = {"payload", "payloadType",
					       "signatures", NULL};
	static const char *const sig_keys[] = {"sig", "keyid", NULL};
	const struct nono_json *mt, *vm, *pk, *hint, *env, *v, *sigs, *sig;
	const char *k, *p;
	size_t n;

	if (root->type != NONO_JSON_OBJECT)
		return nono_errf(err, errlen,
				 "the bundle is not a JSON object");
	if (nono_json_get(root, "messageSignature"))
		return nono_errf(err, errlen,
				 "the bundle holds a message signature, not a "
				 "DSSE envelope");
	if ((k = unknown_key(root, top_keys)))
		return nono_errf(err, errlen,
				 "unknown key \"%.40s\" in the bundle", k);
	if (!(mt = get_t(root, "mediaType", NONO_JSON_STRING)))
		return nono_errf(err, errlen, "the bundle has no mediaType");
	for (size_t i = 0; i < sizeof(media_types) / sizeof(*media_types); i++)
		if (strcmp(mt->str, media_types[i]) == 0)
			b->media_type = media_types[i];
	if (!b->media_type)
		return nono_errf(err, errlen,
				 "media type \"%.80s\" is not a Sigstore "
				 "bundle v0.1 to v0.3",
				 has_ctl(mt->str) ? "?" : mt->str);

	if (!(vm = get_t(root, "verificationMaterial", NONO_JSON_OBJECT)))
		return nono_errf(err, errlen,
				 "the bundle has no verificationMaterial");
	if (nono_json_get(vm, "certificate") ||
	    nono_json_get(vm, "x509CertificateChain"))
		return nono_errf(err, errlen,
				 "keyless bundles (a certificate, not a "
				 "public key) are not supported");
	if ((k = unknown_key(vm, vm_keys)))
		return nono_errf(
		    err, errlen,
		    "unknown key \"%.40s\" in verificationMaterial", k);
	if (!(pk = get_t(vm, "publicKey", NONO_JSON_OBJECT)))
		return nono_errf(err, errlen,
				 "verificationMaterial has no publicKey");
	if ((k = unknown_key(pk, pk_keys)))
		return nono_errf(err, errlen,
				 "unknown key \"%.40s\" in publicKey", k);
	if ((v = nono_json_get(vm, "tlogEntries")) &&
	    v->type != NONO_JSON_ARRAY)
		return nono_errf(err, errlen, "tlogEntries is not an array");
	if ((v = nono_json_get(vm, "timestampVerificationData")) &&
	    v->type != NONO_JSON_OBJECT)
		return nono_errf(err, errlen,
				 "timestampVerificationData is not an object");
	hint = nono_json_get(pk, "hint");
	if (hint && (hint->type != NONO_JSON_STRING ||
		     (hint->len && !hex64(hint->str))))
		return nono_errf(err, errlen,
				 "the public key hint is not 64 lowercase hex "
				 "digits");
	if (hint)
		memcpy(b->hint, hint->str, hint->len + 1);

	if (!(env = get_t(root, "dsseEnvelope", NONO_JSON_OBJECT)))
		return nono_errf(err, errlen, "the bundle has no dsseEnvelope");
	if ((k = unknown_key(env, env_keys)))
		return nono_errf(err, errlen,
				 "unknown key \"%.40s\" in dsseEnvelope", k);
	if (!(v = get_t(env, "payloadType", NONO_JSON_STRING)) ||
	    strcmp(v->str, NONO_DSSE_INTOTO) != 0)
		return nono_errf(err, errlen,
				 "the payload type is not " NONO_DSSE_INTOTO);
	b->payload_type = NONO_DSSE_INTOTO;
	if (!(sigs = get_t(env, "signatures", NONO_JSON_ARRAY)) ||
	    sigs->len == 0)
		return nono_errf(err, errlen,
				 "the DSSE envelope has no signature");
	if (sigs->len != 1)
		return nono_errf(err, errlen,
				 "the DSSE envelope has %zu signatures (one "
				 "is read)",
				 sigs->len);
	sig = sigs->items[0];
	if (sig->type != NONO_JSON_OBJECT)
		return nono_errf(err, errlen, "the signature is not an object");
	if ((k = unknown_key(sig, sig_keys)))
		return nono_errf(err, errlen,
				 "unknown key \"%.40s\" in the signature", k);
	if ((v = nono_json_get(sig, "keyid")) && v->type != NONO_JSON_STRING)
		return nono_errf(err, errlen,
				 "the signature keyid is not a "
				 "string");
	if (!(v = get_t(sig, "sig", NONO_JSON_STRING)) || v->len == 0)
		return nono_errf(err, errlen, "the signature is empty");
	str_of(v, ls, nls, &p, &n);
	b->sig = nono_b64_decode_any(p, n, &b->sig_len, NULL, NULL);
	if (!b->sig || b->sig_len == 0 || b->sig_len > SIG_MAX)
		return nono_errf(err, errlen,
				 "the signature is not canonical base64 of at "
				 "most %d bytes",
				 SIG_MAX);
	b->sig_b64 = nono_b64_encode(b->sig, b->sig_len);
	if (!b->sig_b64)
		return nono_errf(err, errlen, "out of memory");
	if (!(v = get_t(env, "payload", NONO_JSON_STRING)) || v->len == 0)
		return nono_errf(err, errlen, "the DSSE payload is empty");
	str_of(v, ls, nls, &p, &n);
	b->payload = nono_b64_decode_any(p, n, &b->payload_len, NULL, NULL);
	if (!b->payload || b->payload_len == 0)
		return nono_errf(err, errlen,
				 "the DSSE payload is not canonical base64 "
				 "(one alphabet, no whitespace)");
	return 0;
}

/* One subject of the statement, into @b->subjects[@i]. */
static int parse_subject(const struct nono_json *s, size_t i,
			 struct nono_trust_bundle *b, char *err, size_t errlen)
{
	static const char *const subj_keys[] = {"name", "digest", NULL};
	static const char *const dig_keys[] = {"sha256", NULL};
	const struct nono_json *name, *dig, *sha;
	const char *k;

	if (s->type != NONO_JSON_OBJECT)
		return nono_errf(err, errlen, "subject %zu is not an object",
				 i + 1);
	if ((k = unknown_key(s, subj_keys)))
		return nono_errf(err, errlen,
				 "unknown key \"%.40s\" in subject %zu", k,
				 i + 1);
	if (!(name = get_t(s, "name", NONO_JSON_STRING)))
		return nono_errf(err, errlen, "subject %zu has no name", i + 1);
	if (nono_trust_subject_name_check(name->str, err, errlen) < 0)
		return -1;
	if (!(dig = get_t(s, "digest", NONO_JSON_OBJECT)))
		return nono_errf(err, errlen, "subject %.200s has no digest",
				 name->str);
	/* Only SHA-256: a digest nono does not compute is one it cannot
	 * check, and a second one would be a second spelling. */
	if ((k = unknown_key(dig, dig_keys)))
		return nono_errf(err, errlen,
				 "subject %.200s: digest \"%.40s\" is not read "
				 "(sha256 only)",
				 name->str, k);
	if (!(sha = get_t(dig, "sha256", NONO_JSON_STRING)) || !hex64(sha->str))
		return nono_errf(err, errlen,
				 "subject %.200s: the sha256 digest is not 64 "
				 "lowercase hex digits",
				 name->str);
	b->subjects[i].name = strdup(name->str);
	if (!b->subjects[i].name)
		return nono_errf(err, errlen, "out of memory");
	memcpy(b->subjects[i].sha256, sha->str, NONO_SHA256_HEX);
	b->nsubjects = i + 1;
	return 0;
}

/* The in-toto statement in the payload. */
static int parse_statement(const struct nono_json *st,
			   struct nono_trust_bundle *b, char *err,
			   size_t errlen)
{
	static const char *const st_keys[] = {
	    "_type", "subject", "predicateType", "predicate", NULL};
	const struct nono_json *v, *subj, *pred, *signer;
	const char *k, *dup;

	if (st->type != NONO_JSON_OBJECT)
		return nono_errf(err, errlen,
				 "the statement is not a JSON object");
	if ((k = unknown_key(st, st_keys)))
		return nono_errf(err, errlen,
				 "unknown key \"%.40s\" in the statement", k);
	if (!(v = get_t(st, "_type", NONO_JSON_STRING)) ||
	    strcmp(v->str, NONO_INTOTO_STATEMENT) != 0)
		return nono_errf(
		    err, errlen,
		    "the statement type is not " NONO_INTOTO_STATEMENT);
	if (!(v = get_t(st, "predicateType", NONO_JSON_STRING)) ||
	    !uri_ok(v->str))
		return nono_errf(err, errlen,
				 "the statement's predicateType is not a URI");
	b->predicate_type = strdup(v->str);
	if (!(pred = get_t(st, "predicate", NONO_JSON_OBJECT)))
		return nono_errf(err, errlen,
				 "the statement's predicate is not an object");
	if (!(subj = get_t(st, "subject", NONO_JSON_ARRAY)) || subj->len == 0)
		return nono_errf(err, errlen, "the statement has no subject");
	if (subj->len > NONO_TRUST_SUBJECTS_MAX)
		return nono_errf(err, errlen,
				 "the statement has more than %u subjects",
				 NONO_TRUST_SUBJECTS_MAX);
	b->subjects = calloc(subj->len, sizeof(*b->subjects));
	if (!b->subjects || !b->predicate_type)
		return nono_errf(err, errlen, "out of memory");
	for (size_t i = 0; i < subj->len; i++)
		if (parse_subject(subj->items[i], i, b, err, errlen) < 0)
			return -1;
	if (find_dup(b->subjects, b->nsubjects, &dup) < 0)
		return nono_errf(err, errlen, "out of memory");
	if (dup)
		return nono_errf(err, errlen, "subject %.200s is named twice",
				 dup);
	/* The label is shown, never trusted: bounded, and nothing that
	 * could drive a terminal. */
	signer = get_t(pred, "signer", NONO_JSON_OBJECT);
	v = signer ? get_t(signer, "key_id", NONO_JSON_STRING) : NULL;
	if (v && (v->len > NONO_TRUST_LABEL_MAX || has_ctl(v->str)))
		return nono_errf(err, errlen,
				 "the signer's key_id is longer than %u bytes "
				 "or holds a control character",
				 NONO_TRUST_LABEL_MAX);
	b->signer_label = strdup(v ? v->str : "");
	if (!b->signer_label)
		return nono_errf(err, errlen, "out of memory");
	return 0;
}

int nono_trust_bundle_parse(const char *text, size_t len,
			    struct nono_trust_bundle *b, char *err,
			    size_t errlen)
{
	struct span ls[LONG_MAX_N];
	struct nono_json *root = NULL, *st = NULL;
	struct nono_json_error je = {0};
	char *copy = NULL, *pcopy = NULL;
	size_t nls = 0, clen = 0, plen = 0;
	int ret = -1, r;

	memset(b, 0, sizeof(*b));
	if (len > NONO_TRUST_BUNDLE_MAX)
		return nono_errf(err, errlen,
				 "the bundle is larger than 1 MiB (%zu bytes)",
				 len);
	if (prescan(text, len, ls, &nls, &copy, &clen, "the bundle", err,
		    errlen) < 0)
		return -1;
	r = nono_json_parse(copy, clen, &root, &je);
	if (r < 0) {
		nono_errf(err, errlen, "the bundle is not JSON: %u:%u: %s",
			  je.line, je.col,
			  r == -ENOMEM ? "out of memory" : je.msg);
		goto out;
	}
	if (parse_outer(root, ls, nls, b, err, errlen) < 0)
		goto out;
	if (prescan((const char *)b->payload, b->payload_len, NULL, NULL,
		    &pcopy, &plen, "the statement", err, errlen) < 0)
		goto out;
	r = nono_json_parse(pcopy, plen, &st, &je);
	if (r < 0) {
		nono_errf(err, errlen, "the statement is not JSON: %u:%u: %s",
			  je.line, je.col,
			  r == -ENOMEM ? "out of memory" : je.msg);
		goto out;
	}
	if (parse_statement(st, b, err, errlen) < 0)
		goto out;
	ret = 0;
out:
	nono_json_free(root);
	nono_json_free(st);
	free(copy);
	free(pcopy);
	return ret;
}

void nono_trust_bundle_free(struct nono_trust_bundle *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nsubjects; i++)
		free(b->subjects[i].name);
	free(b->subjects);
	free(b->payload);
	free(b->sig);
	free(b->sig_b64);
	free(b->predicate_type);
	free(b->signer_label);
	memset(b, 0, sizeof(*b));
}

/* A predicate type in its current spelling (nono.dev -> nono.sh). */
static const char *pred_canon(const char *t)
{
	if (strcmp(t, NONO_TRUST_PRED_FILE_DEV) == 0)
		return NONO_TRUST_PRED_FILE;
	if (strcmp(t, NONO_TRUST_PRED_POLICY_DEV) == 0)
		return NONO_TRUST_PRED_POLICY;
	return t;
}

int nono_trust_bundle_check(const struct nono_trust_bundle *b,
			    const char *spki_b64, const char *want_predicate,
			    char *err, size_t errlen)
{
	char fp[NONO_SHA256_HEX], kid[NONO_SHA256_HEX], e2[200];
	unsigned char *der = NULL;
	char *std = NULL, *arg = NULL, *pae = NULL;
	uint8_t d[NONO_SHA256_LEN];
	size_t dl = 0, plen = 0;
	int ret = -1, r;

	if (!b->payload || !b->sig_b64 || !b->predicate_type)
		return nono_errf(err, errlen, "the bundle was not parsed");
	der = nono_b64_decode_any(spki_b64, strlen(spki_b64), &dl, NULL, NULL);
	if (!der || dl == 0) {
		nono_errf(err, errlen, "the public key is not base64");
		goto out;
	}
	nono_sha256(der, dl, d);
	nono_hex(d, sizeof(d), fp);
	/* The hint first: it is what says which key the bundle claims,
	 * so a mismatch names the real problem (another signer). */
	if (!b->hint[0]) {
		nono_errf(err, errlen,
			  "the bundle names no key (no publicKey.hint)");
		goto out;
	}
	if (strcmp(b->hint, fp) != 0) {
		nono_errf(err, errlen,
			  "the bundle's key hint %.16s... is not the key "
			  "%.16s...",
			  b->hint, fp);
		goto out;
	}
	if (strcmp(pred_canon(b->predicate_type), pred_canon(want_predicate)) !=
	    0) {
		nono_errf(err, errlen,
			  "the predicate type %.120s is not %.120s",
			  b->predicate_type, want_predicate);
		goto out;
	}
	std = nono_b64_encode(der, dl);
	arg = std ? malloc(strlen(std) + 6) : NULL;
	pae = nono_dsse_pae(b->payload_type, b->payload, b->payload_len, &plen);
	if (!arg || !pae) {
		nono_errf(err, errlen, "out of memory");
		goto out;
	}
	memcpy(arg, "spki:", 5);
	memcpy(arg + 5, std, strlen(std) + 1);
	r = nono_sig_verify(arg, pae, plen, b->sig_b64, kid, e2, sizeof(e2));
	if (r < 0) {
		nono_errf(err, errlen, "%s", e2);
		goto out;
	}
	if (r == 0 || strcmp(kid, fp) != 0) {
		nono_errf(err, errlen,
			  "the DSSE signature does not verify with the key "
			  "%.16s...",
			  fp);
		goto out;
	}
	ret = 0;
out:
	free(der);
	free(std);
	free(arg);
	free(pae);
	return ret;
}

const struct nono_trust_subject *
nono_trust_bundle_subject(const struct nono_trust_bundle *b, const char *name)
{
	for (size_t i = 0; i < b->nsubjects; i++)
		if (strcmp(b->subjects[i].name, name) == 0)
			return &b->subjects[i];
	return NULL;
}

int nono_trust_bundle_expect(const struct nono_trust_bundle *b,
			     const char *name, const char *sha256, char *err,
			     size_t errlen)
{
	const struct nono_trust_subject *s = nono_trust_bundle_subject(b, name);
	/* @name may come from a hostile directory: never shown raw. */
	const char *shown =
	    has_ctl(name) ? "(a name with control characters)" : name;

	if (!s)
		return nono_errf(err, errlen,
				 "%.200s is not a subject of the bundle",
				 shown);
	if (strcmp(s->sha256, sha256) != 0)
		return nono_errf(err, errlen,
				 "%.200s: its SHA-256 is %.64s, the bundle "
				 "signed %.64s",
				 shown, has_ctl(sha256) ? "?" : sha256,
				 s->sha256);
	return 0;
}
