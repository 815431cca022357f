// SPDX-License-Identifier: Apache-2.0
/*
 * The signed-file bundle reader (trust/bundle.c) and the base64 it reads,
 * fed a bundle as anyone who can write a repository would leave it next
 * to an instruction file.  Properties checked, not only crashes:
 * - a refusal always says why;
 * - an accepted bundle holds only what the reader promises: a known media
 *   type, the in-toto payload type, a hint of 64 lowercase hex or none,
 *   one signature of 1 to 72 bytes whose standard base64 decodes back to
 *   it, 1 to NONO_TRUST_SUBJECTS_MAX subjects with safe and different
 *   names and 64-hex digests, each found by name, a printable label;
 * - reading the same bytes twice gives the same bundle;
 * - the input is also read as a statement, wrapped in a bundle (base64
 *   hides it from byte mutations of a whole bundle), with the same
 *   properties;
 * - base64 that decodes (either alphabet) is canonical: encoded again in
 *   the spelling it was read in, it is the input byte for byte;
 * - a subject name that passes the check has no absolute, empty, "." or
 *   ".." component and no control byte.
 * Signatures are not checked here (that runs the helper); the unit test
 * does.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trust/bundle.h"
#include "util/base64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool hex64(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

static void check_bundle(const struct nono_trust_bundle *b)
{
	unsigned char *sig;
	size_t n = 0;
	char err[200];

	if (strcmp(b->media_type, NONO_BUNDLE_V03) != 0 &&
	    strcmp(b->media_type, NONO_BUNDLE_V03_OLD) != 0 &&
	    strcmp(b->media_type, NONO_BUNDLE_V02) != 0 &&
	    strcmp(b->media_type, NONO_BUNDLE_V01) != 0)
		abort();
	if (strcmp(b->payload_type, NONO_DSSE_INTOTO) != 0)
		abort();
	if (b->hint[0] && !hex64(b->hint))
		abort();
	if (!b->payload || b->payload_len == 0 || !b->sig || b->sig_len == 0 ||
	    b->sig_len > 72 || !b->sig_b64)
		abort();
	sig = nono_b64_decode(b->sig_b64, strlen(b->sig_b64), &n);
	if (!sig || n != b->sig_len || memcmp(sig, b->sig, n) != 0)
		abort();
	free(sig);
	if (!b->predicate_type || !b->predicate_type[0] || !b->signer_label)
		abort();
	for (const char *p = b->signer_label; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			abort();
	if (b->nsubjects == 0 || b->nsubjects > NONO_TRUST_SUBJECTS_MAX)
		abort();
	for (size_t i = 0; i < b->nsubjects; i++) {
		const struct nono_trust_subject *s = &b->subjects[i];

		if (nono_trust_subject_name_check(s->name, err, sizeof(err)) !=
			0 ||
		    !hex64(s->sha256))
			abort();
		/* Names are unique: the lookup finds this one. */
		if (nono_trust_bundle_subject(b, s->name) != s)
			abort();
	}
}

static bool same(const struct nono_trust_bundle *a,
		 const struct nono_trust_bundle *b)
{
	if (a->media_type != b->media_type || strcmp(a->hint, b->hint) ||
	    a->payload_len != b->payload_len ||
	    memcmp(a->payload, b->payload, a->payload_len) ||
	    strcmp(a->sig_b64, b->sig_b64) ||
	    strcmp(a->predicate_type, b->predicate_type) ||
	    strcmp(a->signer_label, b->signer_label) ||
	    a->nsubjects != b->nsubjects)
		return false;
	for (size_t i = 0; i < a->nsubjects; i++)
		if (strcmp(a->subjects[i].name, b->subjects[i].name) ||
		    strcmp(a->subjects[i].sha256, b->subjects[i].sha256))
			return false;
	return true;
}

/* Decoded base64 is canonical: re-encoded as read, it is the input. */
static void check_b64(const char *in, size_t n)
{
	bool url = false, pad = false;
	size_t len = 0;
	unsigned char *d = nono_b64_decode_any(in, n, &len, &url, &pad);
	char *e;
	size_t el;

	if (!d)
		return;
	e = url ? nono_b64url_encode(d, len) : nono_b64_encode(d, len);
	if (!e)
		abort();
	el = strlen(e);
	if (!url && !pad)
		while (el && e[el - 1] == '=')
			el--;
	if (url && pad) {
		/* URL-safe and padded: the unpadded encoding, then '='. */
		if (n < el || memcmp(in, e, el) != 0 || (n % 4) != 0)
			abort();
		for (size_t i = el; i < n; i++)
			if (in[i] != '=')
				abort();
	} else if (el != n || memcmp(in, e, n) != 0) {
		abort();
	}
	free(e);
	free(d);
}

static void check_name(const char *name)
{
	char err[200];
	size_t n = strlen(name);

	if (nono_trust_subject_name_check(name, err, sizeof(err)) != 0) {
		if (!err[0])
			abort();
		return;
	}
	if (n == 0 || name[0] == '/' || name[n - 1] == '/' ||
	    strstr(name, "//") || strstr(name, "/./") || strstr(name, "/../") ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    strncmp(name, "./", 2) == 0 || strncmp(name, "../", 3) == 0 ||
	    (n >= 3 && strcmp(name + n - 3, "/..") == 0) ||
	    (n >= 2 && strcmp(name + n - 2, "/.") == 0))
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			abort();
}

/* Parses @size bytes at @data and checks the properties above. */
static void one(const char *data, size_t size)
{
	struct nono_trust_bundle b, b2;
	char err[300] = "";

	if (nono_trust_bundle_parse(data, size, &b, err, sizeof(err)) == 0) {
		check_bundle(&b);
		if (nono_trust_bundle_parse((const char *)data, size, &b2, err,
					    sizeof(err)) != 0 ||
		    !same(&b, &b2))
			abort();
		nono_trust_bundle_free(&b2);
	} else if (!err[0]) {
		abort();
	}
	nono_trust_bundle_free(&b);
	nono_trust_bundle_free(&b); /* idempotent */
}

/* @size bytes at @data as the statement of a bundle (a signature that
 * parses; the reader does not check it). */
static void as_statement(const uint8_t *data, size_t size)
{
	static const char head[] =
	    "{\"mediaType\":\"" NONO_BUNDLE_V03 "\",\"verificationMaterial\":"
	    "{\"publicKey\":{\"hint\":\"\"}},\"dsseEnvelope\":{\"payload\":\"";
	static const char tail[] =
	    "\",\"payloadType\":\"" NONO_DSSE_INTOTO "\",\"signatures\":"
	    "[{\"sig\":\"MEUCIQ==\"}]}}";
	char *b64 = nono_b64_encode(data, size), *text;
	size_t n;

	if (!b64)
		return;
	n = strlen(b64);
	text = malloc(sizeof(head) + n + sizeof(tail));
	if (text) {
		memcpy(text, head, sizeof(head) - 1);
		memcpy(text + sizeof(head) - 1, b64, n);
		memcpy(text + sizeof(head) - 1 + n, tail, sizeof(tail));
		one(text, strlen(text));
		free(text);
	}
	free(b64);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *str;

	one((const char *)data, size);
	if (size > 0 && size <= 65536)
		as_statement(data, size);
	if (size <= 4096) {
		check_b64((const char *)data, size);
		str = malloc(size + 1);
		if (!str)
			return 0;
		memcpy(str, data, size);
		str[size] = '\0';
		check_name(str);
		free(str);
	}
	return 0;
}
