// SPDX-License-Identifier: Apache-2.0
/*
 * Signed-file bundles (trust/bundle.c) and their signer (trust/signer.c):
 * keys made by the nono-sign helper (a copy sits next to this test, where
 * nono_helper_find looks), bundles made, read and checked; upstream's
 * spellings (URL-safe unpadded base64, older media types, nono.dev
 * predicate types) read; and every mutation of a bundle refused with the
 * error that names it, each forged as an attacker would (re-signed with
 * the right key where the signature is not the point).  Keys and files
 * live in a scratch directory under /tmp.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include "sys/helper.h"
#include "sys/spawn.h"
#include "trust/bundle.h"
#include "trust/signer.h"
#include "util/base64.h"

/* sha256("hello"), sha256("world") */
#define D1 "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
#define D2 "486ea46224d1bb4fb680f34f7c9ad96a8f24ec88be73ea8e5a6c65260e9cb8a7"

static char dir[PATH_MAX];
static struct nono_signer A, B;

/* A new key in @dir/@name, loaded into @s. */
static int new_key(const char *name, struct nono_signer *s)
{
	char path[PATH_MAX + 16], ref[PATH_MAX + 32], err[300];
	char *pem = NULL;
	size_t len = 0;
	int fd;

	if (nono_signer_keygen(&pem, &len, err, sizeof(err)) < 0) {
		fprintf(stderr, "keygen: %s\n", err);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, pem, len) != (ssize_t)len) {
		explicit_bzero(pem, len);
		free(pem);
		return -1;
	}
	close(fd);
	explicit_bzero(pem, len);
	free(pem);
	snprintf(ref, sizeof(ref), "file://%s", path);
	if (nono_signer_load(ref, "test", s, err, sizeof(err)) < 0) {
		fprintf(stderr, "load: %s\n", err);
		return -1;
	}
	return 0;
}

static int setup(void **state)
{
	char tmp[] = "/tmp/nono-test-trust-XXXXXX";
	char helper[PATH_MAX];

	(void)state;
	if (nono_helper_find(NONO_SIGN_HELPER, helper, sizeof(helper)) < 0) {
		fprintf(stderr, "no %s next to the test\n", NONO_SIGN_HELPER);
		return -1;
	}
	if (!mkdtemp(tmp))
		return -1;
	snprintf(dir, sizeof(dir), "%s", tmp);
	return new_key("a.pem", &A) < 0 || new_key("b.pem", &B) < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	nono_signer_clear(&A);
	nono_signer_clear(&B);
	return test_rm_tree(dir);
}

/* printf into a new string. */
static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	va_list ap;
	char *s = NULL;
	int r;

	va_start(ap, f);
	r = vasprintf(&s, f, ap);
	va_end(ap);
	assert_true(r >= 0);
	return s;
}

/* @s with its first @old replaced by @new (a new string; @s freed). */
static char *swap(char *s, const char *old, const char *new)
{
	char *at = strstr(s, old), *r;

	if (!at)
		fail_msg("\"%s\" is not in %.200s", old, s);
	r = fmt("%.*s%s%s", (int)(at - s), s, new, at + strlen(old));
	free(s);
	return r;
}

/* A statement with subjects @subj (JSON) and predicate type @pt. */
static char *stmt(const char *subj, const char *pt)
{
	return fmt("{\"_type\":\"" NONO_INTOTO_STATEMENT "\",\"subject\":[%s],"
		   "\"predicateType\":\"%s\",\"predicate\":{\"version\":1,"
		   "\"signer\":{\"kind\":\"keyed\",\"key_id\":\"test\"}}}",
		   subj, pt);
}

#define SUBJ(name, d)                                                          \
	"{\"name\":\"" name "\",\"digest\":{\"sha256\":\"" d "\"}}"

/* How to wrap a statement into a bundle (defaults: what nono writes). */
struct wrap {
	const struct nono_signer *by; /* who signs (A) */
	const char *media;            /* NONO_BUNDLE_V03 */
	const char *hint;             /* by's keyid */
	const char *ptype;            /* NONO_DSSE_INTOTO (signed and shown) */
	bool url;                     /* URL-safe, unpadded */
	bool url_padded;              /* URL-safe, padded */
	const char *sigs; /* the "signatures" value, SIG for the sig */
};

/* @tmpl with every "SIG" replaced by @sig (a new string). */
static char *subst(const char *tmpl, const char *sig)
{
	char *out = fmt("%s", ""), *t;
	const char *at;

	while ((at = strstr(tmpl, "SIG"))) {
		t = fmt("%s%.*s%s", out, (int)(at - tmpl), tmpl, sig);
		free(out);
		out = t;
		tmpl = at + 3;
	}
	t = fmt("%s%s", out, tmpl);
	free(out);
	return t;
}

static char *wrap(const char *st, const struct wrap *w)
{
	const struct nono_signer *by = w->by ? w->by : &A;
	const char *pt = w->ptype ? w->ptype : NONO_DSSE_INTOTO;
	char sig[128], err[300], *pae, *pl, *sg, *out, *sigs;
	size_t plen = 0, slen = 0;
	unsigned char *raw;

	pae = nono_dsse_pae(pt, st, strlen(st), &plen);
	assert_non_null(pae);
	if (nono_signer_sign(by, pae, plen, sig, sizeof(sig), err,
			     sizeof(err)) < 0)
		fail_msg("sign: %s", err);
	free(pae);
	if (w->url || w->url_padded) {
		raw = nono_b64_decode(sig, strlen(sig), &slen);
		assert_non_null(raw);
		sg = nono_b64url_encode(raw, slen);
		free(raw);
		pl = nono_b64url_encode(st, strlen(st));
		if (w->url_padded) {
			char *p2 = fmt("%s%.*s", pl,
				       (int)((4 - strlen(pl) % 4) % 4), "==");
			free(pl);
			pl = p2;
		}
	} else {
		sg = fmt("%s", sig);
		pl = nono_b64_encode(st, strlen(st));
	}
	sigs =
	    subst(w->sigs ? w->sigs : "[{\"sig\":\"SIG\",\"keyid\":\"\"}]", sg);
	out = fmt("{\"mediaType\":\"%s\",\"verificationMaterial\":{"
		  "\"publicKey\":{\"hint\":\"%s\"},\"tlogEntries\":[]},"
		  "\"dsseEnvelope\":{\"payload\":\"%s\",\"payloadType\":\"%s\","
		  "\"signatures\":%s}}\n",
		  w->media ? w->media : NONO_BUNDLE_V03,
		  w->hint ? w->hint : by->keyid, pl, pt, sigs);
	free(pl);
	free(sg);
	free(sigs);
	return out;
}

/* A standard bundle of @st by A. */
static char *wrap_a(const char *st)
{
	struct wrap w = {0};

	return wrap(st, &w);
}

/* Parses @text, which must fail with an error that contains @want. */
static void refuse(const char *text, size_t len, const char *want)
{
	struct nono_trust_bundle b;
	char err[300] = "";

	if (nono_trust_bundle_parse(text, len, &b, err, sizeof(err)) == 0)
		fail_msg("accepted (wanted \"%s\"): %.300s", want, text);
	nono_trust_bundle_free(&b);
	if (!strstr(err, want))
		fail_msg("error \"%s\" does not say \"%s\"", err, want);
}

/* refuse() for a string it frees. */
static void refuse_s(char *text, const char *want)
{
	refuse(text, strlen(text), want);
	free(text);
}

/* Parses @text (it must parse) and checks it against @key for @pred:
 * the check's error must contain @want ("" when it must pass). */
static void check_s(char *text, const struct nono_signer *key, const char *pred,
		    const char *want)
{
	struct nono_trust_bundle b;
	char err[300] = "";
	int r;

	if (nono_trust_bundle_parse(text, strlen(text), &b, err, sizeof(err)))
		fail_msg("parse: %s", err);
	r = nono_trust_bundle_check(&b, key->spki, pred, err, sizeof(err));
	nono_trust_bundle_free(&b);
	free(text);
	if (!*want && r != 0)
		fail_msg("check failed: %s", err);
	if (*want && (r == 0 || !strstr(err, want)))
		fail_msg("check %s, error \"%s\" (wanted \"%s\")",
			 r ? "failed" : "passed", err, want);
}

/* The DSSE payload of bundle @text, in place (its quotes excluded). */
static char *payload_of(char *text, size_t *n)
{
	char *p = strstr(text, "\"payload\":\"");

	assert_non_null(p);
	p += strlen("\"payload\":\"");
	*n = strcspn(p, "\"");
	return p;
}

static void test_pae_and_base64(void **state)
{
	size_t n = 0;
	char *p = nono_dsse_pae("http://example.com/HelloWorld", "hello world",
				11, &n);
	unsigned char *d;
	bool url = false, pad = false;

	(void)state;
	/* The DSSE specification's vector. */
	assert_non_null(p);
	assert_int_equal(n, 54);
	assert_memory_equal(
	    p, "DSSEv1 29 http://example.com/HelloWorld 11 hello world", n);
	free(p);
	p = nono_dsse_pae("t", "", 0, &n);
	assert_memory_equal(p, "DSSEv1 1 t 0 ", n);
	free(p);

	/* Both alphabets, padded or not; one alphabet per string. */
	d = nono_b64_decode_any("-_8", 3, &n, &url, &pad);
	assert_non_null(d);
	assert_true(url && !pad);
	assert_int_equal(n, 2);
	assert_memory_equal(d, "\xfb\xff", 2);
	free(d);
	d = nono_b64_decode_any("+/8=", 4, &n, &url, &pad);
	assert_non_null(d);
	assert_true(!url && pad);
	free(d);
	d = nono_b64_decode_any("-_8=", 4, &n, NULL, NULL);
	assert_non_null(d);
	free(d);
	assert_null(nono_b64_decode_any("+_8=", 4, &n, NULL, NULL));
	assert_null(nono_b64_decode_any("-/8", 3, &n, NULL, NULL));
	/* Non-canonical trailing bits, bad padding, whitespace, a lone
	 * character, padding inside. */
	assert_null(nono_b64_decode_any("aGVsbG9=", 8, &n, NULL, NULL));
	assert_null(nono_b64_decode_any("aGVsbG9", 7, &n, NULL, NULL));
	assert_null(nono_b64_decode_any("aGVsbG8==", 9, &n, NULL, NULL));
	assert_null(nono_b64_decode_any("aGVsbG8", 6, &n, NULL, NULL));
	assert_null(nono_b64_decode_any("aGVs bG8", 8, &n, NULL, NULL));
	assert_null(nono_b64_decode_any("aGVsb", 5, &n, NULL, NULL));
	assert_null(nono_b64_decode_any("aG=sbG8=", 8, &n, NULL, NULL));
	d = nono_b64_decode_any("aGVsbG8", 7, &n, NULL, NULL);
	assert_non_null(d);
	assert_int_equal(n, 5);
	assert_memory_equal(d, "hello", 5);
	free(d);
	p = nono_b64url_encode("\xfb\xff\xfe", 3);
	assert_string_equal(p, "-__-");
	free(p);
	p = nono_b64url_encode("hello", 5);
	assert_string_equal(p, "aGVsbG8");
	free(p);
}

static void test_names(void **state)
{
	static const struct {
		const char *name;
		bool ok;
	} t[] = {
	    {"CLAUDE.md", true},
	    {"skills/a/SKILL.md", true},
	    {".claude/x.md", true},
	    {"..md", true},
	    {"a..b", true},
	    {"nono-audit-session:0123456789abcdef", true},
	    {"caf\xc3\xa9.md", true},
	    {"", false},
	    {"/etc/passwd", false},
	    {"../x", false},
	    {"a/../x", false},
	    {"a/..", false},
	    {"./a", false},
	    {"a/./b", false},
	    {"a//b", false},
	    {"a/", false},
	    {"a\nb", false},
	    {"a\x1b[2Jb", false},
	    {"a\x7f", false},
	    {"\xc3", false},
	    {"\xed\xa0\x80", false},
	};
	char err[200];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if ((nono_trust_subject_name_check(
			 t[i].name, err, sizeof(err)) == 0) != t[i].ok)
			fail_msg("name \"%s\": expected %s", t[i].name,
				 t[i].ok ? "accepted" : "refused");
}

static void test_signer(void **state)
{
	char sig[128], err[300], kid[NONO_SHA256_HEX], pub[PATH_MAX + 16];
	char *pem = NULL, out[1024];
	char *const argv[] = {(char *)NONO_SIGN_HELPER, (char *)"pubkey",
			      (char *)"--pem", NULL};
	char helper[PATH_MAX];
	struct nono_spawn_result res;
	size_t len = 0, olen = 0;
	int fd;
	FILE *f;

	(void)state;
	assert_int_equal(strlen(A.keyid), 64);
	assert_string_not_equal(A.keyid, B.keyid);
	assert_int_equal(
	    nono_signer_sign(&A, "msg", 3, sig, sizeof(sig), err, sizeof(err)),
	    0);
	/* The PEM nono derives is the helper's (and OpenSSL's). */
	assert_int_equal(nono_signer_pem(&A, &pem, &len, err, sizeof(err)), 0);
	assert_int_equal(
	    nono_helper_find(NONO_SIGN_HELPER, helper, sizeof(helper)), 0);
	fd = memfd_create("k", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, A.key.data, A.key.len), (ssize_t)A.key.len);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(nono_spawn_capture_in(helper, argv, fd, 20000, out,
					       sizeof(out) - 1, &olen, &res),
			 0);
	close(fd);
	out[olen] = '\0';
	assert_int_equal(res.status, 0);
	assert_string_equal(out, pem);
	snprintf(pub, sizeof(pub), "%s/a.pub", dir);
	f = fopen(pub, "w");
	assert_non_null(f);
	fputs(pem, f);
	fclose(f);
	free(pem);

	/* Valid with the PEM file and with the SPKI; invalid with the
	 * other key, or over other bytes; unusable keys are errors. */
	assert_int_equal(
	    nono_sig_verify(pub, "msg", 3, sig, kid, err, sizeof(err)), 1);
	assert_string_equal(kid, A.keyid);
	snprintf(out, sizeof(out), "spki:%s", A.spki);
	assert_int_equal(
	    nono_sig_verify(out, "msg", 3, sig, kid, err, sizeof(err)), 1);
	assert_int_equal(
	    nono_sig_verify(out, "msG", 3, sig, kid, err, sizeof(err)), 0);
	snprintf(out, sizeof(out), "spki:%s", B.spki);
	assert_int_equal(
	    nono_sig_verify(out, "msg", 3, sig, kid, err, sizeof(err)), 0);
	assert_string_equal(kid, B.keyid);
	assert_int_equal(
	    nono_sig_verify("spki:AAAA", "msg", 3, sig, kid, err, sizeof(err)),
	    -1);
	assert_string_equal(kid, "");
	assert_int_equal(nono_sig_verify("/nonexistent.pem", "msg", 3, sig, kid,
					 err, sizeof(err)),
			 -1);
	assert_int_equal(nono_sig_verify(out, "msg", 3, "-not base64", kid, err,
					 sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "not base64"));
	{
		/* A key file that is not P-256: refused at load. */
		struct nono_signer s;
		char ref[PATH_MAX + 32];

		snprintf(pub, sizeof(pub), "%s/junk.pem", dir);
		f = fopen(pub, "w");
		assert_non_null(f);
		fputs("not a key\n", f);
		fclose(f);
		chmod(pub, 0600);
		snprintf(ref, sizeof(ref), "file://%s", pub);
		assert_int_equal(
		    nono_signer_load(ref, "--what", &s, err, sizeof(err)), -1);
		assert_true(strncmp(err, "--what ", 7) == 0);
		assert_null(s.key.data);
	}
}

static void test_make_parse_check(void **state)
{
	struct nono_trust_subject one = {(char *)"CLAUDE.md", D1};
	struct nono_trust_subject three[] = {
	    {(char *)"SKILL.md", D1},
	    {(char *)"lib/helper.py", D2},
	    {(char *)"lib/\"quoted\\name\".md", D2},
	};
	struct nono_trust_bundle b;
	char *text = NULL, err[300];
	size_t len = 0;

	(void)state;
	assert_int_equal(nono_trust_bundle_make(
			     &A, NONO_TRUST_PRED_FILE, "nono-keystore:default",
			     &one, 1, &text, &len, err, sizeof(err)),
			 0);
	assert_int_equal(strlen(text), len);
	assert_true(text[len - 1] == '\n');
	assert_int_equal(
	    nono_trust_bundle_parse(text, len, &b, err, sizeof(err)), 0);
	assert_string_equal(b.media_type, NONO_BUNDLE_V03);
	assert_string_equal(b.hint, A.keyid);
	assert_string_equal(b.payload_type, NONO_DSSE_INTOTO);
	assert_string_equal(b.predicate_type, NONO_TRUST_PRED_FILE);
	assert_string_equal(b.signer_label, "nono-keystore:default");
	assert_int_equal(b.nsubjects, 1);
	assert_non_null(strstr((const char *)b.payload,
			       "\"signer\":{\"kind\":\"keyed\",\"key_id\":"
			       "\"nono-keystore:default\",\"fingerprint\":"));
	assert_non_null(nono_trust_bundle_subject(&b, "CLAUDE.md"));
	assert_null(nono_trust_bundle_subject(&b, "AGENTS.md"));
	assert_int_equal(nono_trust_bundle_check(&b, A.spki,
						 NONO_TRUST_PRED_FILE, err,
						 sizeof(err)),
			 0);
	/* nono.dev is upstream's older spelling of the same kind. */
	assert_int_equal(nono_trust_bundle_check(&b, A.spki,
						 NONO_TRUST_PRED_FILE_DEV, err,
						 sizeof(err)),
			 0);
	/* Subject name mismatch and digest mismatch. */
	assert_int_equal(
	    nono_trust_bundle_expect(&b, "CLAUDE.md", D1, err, sizeof(err)), 0);
	assert_int_equal(
	    nono_trust_bundle_expect(&b, "AGENTS.md", D1, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "not a subject"));
	assert_int_equal(
	    nono_trust_bundle_expect(&b, "CLAUDE.md", D2, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "the bundle signed " D1));
	nono_trust_bundle_free(&b);
	nono_trust_bundle_free(&b); /* idempotent */
	free(text);

	assert_int_equal(nono_trust_bundle_make(&A, NONO_TRUST_PRED_MULTI, NULL,
						three, 3, &text, &len, err,
						sizeof(err)),
			 0);
	assert_int_equal(
	    nono_trust_bundle_parse(text, len, &b, err, sizeof(err)), 0);
	assert_int_equal(b.nsubjects, 3);
	assert_string_equal(b.signer_label, "");
	assert_string_equal(
	    nono_trust_bundle_subject(&b, "lib/\"quoted\\name\".md")->sha256,
	    D2);
	assert_int_equal(nono_trust_bundle_check(&b, A.spki,
						 NONO_TRUST_PRED_MULTI, err,
						 sizeof(err)),
			 0);
	nono_trust_bundle_free(&b);
	free(text);

	/* What make refuses. */
	three[1].name = (char *)"SKILL.md";
	assert_int_equal(nono_trust_bundle_make(&A, NONO_TRUST_PRED_MULTI, "",
						three, 3, &text, &len, err,
						sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "named twice"));
	assert_null(text);
	three[1].name = (char *)"../escape";
	assert_int_equal(nono_trust_bundle_make(&A, NONO_TRUST_PRED_MULTI, "",
						three, 3, &text, &len, err,
						sizeof(err)),
			 -1);
	one.sha256[0] = 'A';
	assert_int_equal(nono_trust_bundle_make(&A, NONO_TRUST_PRED_FILE, "",
						&one, 1, &text, &len, err,
						sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "lowercase hex"));
	assert_int_equal(nono_trust_bundle_make(&A, NONO_TRUST_PRED_FILE,
						"bad\nlabel", three, 1, &text,
						&len, err, sizeof(err)),
			 -1);
	assert_int_equal(nono_trust_bundle_make(&A, NONO_TRUST_PRED_FILE, "",
						three, 0, &text, &len, err,
						sizeof(err)),
			 -1);
}

/* Many subjects: a payload beyond the JSON reader's 64 KiB string. */
static void test_large(void **state)
{
	struct nono_trust_subject *s;
	struct nono_trust_bundle b;
	char *text = NULL, err[300];
	size_t len = 0, n = 1500;

	(void)state;
	s = calloc(NONO_TRUST_SUBJECTS_MAX + 1, sizeof(*s));
	assert_non_null(s);
	for (size_t i = 0; i <= NONO_TRUST_SUBJECTS_MAX; i++) {
		s[i].name = fmt("dir%zu/file-%zu.md", i % 7, i);
		memcpy(s[i].sha256, i % 2 ? D1 : D2, NONO_SHA256_HEX);
	}
	assert_int_equal(nono_trust_bundle_make(&A, NONO_TRUST_PRED_MULTI, "k",
						s, n, &text, &len, err,
						sizeof(err)),
			 0);
	assert_true(len > 100000);
	assert_int_equal(
	    nono_trust_bundle_parse(text, len, &b, err, sizeof(err)), 0);
	assert_int_equal(b.nsubjects, n);
	assert_string_equal(
	    nono_trust_bundle_subject(&b, "dir1/file-1499.md")->sha256, D1);
	assert_int_equal(nono_trust_bundle_check(&b, A.spki,
						 NONO_TRUST_PRED_MULTI, err,
						 sizeof(err)),
			 0);
	nono_trust_bundle_free(&b);
	free(text);
	/* More subjects than a bundle holds; more than fits in 1 MiB. */
	assert_int_equal(nono_trust_bundle_make(&A, NONO_TRUST_PRED_MULTI, "k",
						s, NONO_TRUST_SUBJECTS_MAX + 1,
						&text, &len, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "1 to 10000"));
	assert_int_equal(nono_trust_bundle_make(&A, NONO_TRUST_PRED_MULTI, "k",
						s, NONO_TRUST_SUBJECTS_MAX,
						&text, &len, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "larger than 1 MiB"));
	for (size_t i = 0; i <= NONO_TRUST_SUBJECTS_MAX; i++)
		free(s[i].name);
	free(s);
}

/* Upstream's spellings: URL-safe unpadded base64 (its DSSE writer), the
 * older media types, padded URL-safe. */
static void test_upstream_spellings(void **state)
{
	char *st = stmt(SUBJ("SKILLS.md", D1) "," SUBJ("lib/x.py", D2),
			NONO_TRUST_PRED_MULTI);
	struct wrap w = {.url = true};
	struct nono_trust_bundle b;
	char *text, err[300];
	size_t n = 0;

	(void)state;
	text = wrap(st, &w);
	/* The sidecar really is spelled URL-safe and unpadded. */
	assert_null(strchr(payload_of(text, &n), '='));
	check_s(text, &A, NONO_TRUST_PRED_MULTI, "");
	w.media = NONO_BUNDLE_V02;
	check_s(wrap(st, &w), &A, NONO_TRUST_PRED_MULTI, "");
	w.media = NONO_BUNDLE_V01;
	check_s(wrap(st, &w), &A, NONO_TRUST_PRED_MULTI, "");
	w = (struct wrap){.url_padded = true, .media = NONO_BUNDLE_V03_OLD};
	check_s(wrap(st, &w), &A, NONO_TRUST_PRED_MULTI, "");
	free(st);
	st = stmt(SUBJ("CLAUDE.md", D1), NONO_TRUST_PRED_FILE_DEV);
	check_s(wrap_a(st), &A, NONO_TRUST_PRED_FILE, "");
	/* The parsed signature is re-spelled standard. */
	text = wrap(st, &(struct wrap){.url = true});
	assert_int_equal(
	    nono_trust_bundle_parse(text, strlen(text), &b, err, sizeof(err)),
	    0);
	assert_true(strlen(b.sig_b64) % 4 == 0);
	assert_null(strpbrk(b.sig_b64, "-_"));
	nono_trust_bundle_free(&b);
	free(text);
	free(st);
}

/* The envelope and the bundle around it. */
static void test_refuse_envelope(void **state)
{
	char *st = stmt(SUBJ("CLAUDE.md", D1), NONO_TRUST_PRED_FILE), *t;
	char *big;
	size_t n = 0;

	(void)state;
	/* 1. payload type */
	refuse_s(wrap(st, &(struct wrap){.ptype = "text/plain"}),
		 "payload type is not");
	/* 2. media type */
	refuse_s(wrap(st, &(struct wrap){.media = "application/vnd.dev."
						  "sigstore.bundle.v0.4+json"}),
		 "media type");
	/* 3. extra signature */
	refuse_s(wrap(st, &(struct wrap){.sigs = "[{\"sig\":\"SIG\"},"
						 "{\"sig\":\"SIG\"}]"}),
		 "2 signatures");
	/* 4. missing signatures, empty signatures */
	t = wrap_a(st);
	refuse_s(fmt("%.*s}}\n", (int)(strstr(t, ",\"signatures\":") - t), t),
		 "no signature");
	free(t);
	refuse_s(wrap(st, &(struct wrap){.sigs = "[]"}), "no signature");
	/* 5. an empty signature */
	refuse_s(wrap(st, &(struct wrap){.sigs = "[{\"sig\":\"\"}]"}),
		 "signature is empty");
	/* 6. truncated base64 */
	t = wrap_a(st);
	{
		char *p = payload_of(t, &n);

		memmove(p + n - 1, p + n, strlen(p + n) + 1);
	}
	refuse_s(t, "payload is not canonical base64");
	/* 7. whitespace inside base64 */
	t = wrap_a(st);
	{
		char *p = payload_of(t, &n);
		char *t2 = fmt("%.*s %s", (int)(p + 8 - t), t, p + 8);

		free(t);
		refuse_s(t2, "payload is not canonical base64");
	}
	/* 8. signature that is not base64 */
	refuse_s(wrap(st, &(struct wrap){.sigs = "[{\"sig\":\"SIG!\"}]"}),
		 "signature is not canonical base64");
	/* 9. hint that is not lowercase hex */
	refuse_s(wrap(st, &(struct wrap){.hint = "ABCDEF"}), "hint");
	/* 10. duplicate JSON keys in the bundle */
	refuse_s(swap(wrap_a(st),
		      "{\"mediaType\":", "{\"mediaType\":\"x\",\"mediaType\":"),
		 "duplicate");
	/* 11. an unknown key, a certificate, a message signature */
	refuse_s(
	    swap(wrap_a(st), "{\"mediaType\":", "{\"extra\":1,\"mediaType\":"),
	    "unknown key \"extra\"");
	refuse_s(swap(wrap_a(st), "\"publicKey\":",
		      "\"certificate\":{\"rawBytes\":\"AA==\"},\"publicKey\":"),
		 "keyless");
	refuse_s(swap(wrap_a(st), "\"dsseEnvelope\":",
		      "\"messageSignature\":{},\"dsseEnvelope\":"),
		 "message signature");
	/* 12. comments and a byte order mark (JSONC is not JSON) */
	refuse_s(swap(wrap_a(st), "{\"mediaType\":", "{/* c */\"mediaType\":"),
		 "comment");
	t = wrap_a(st);
	refuse_s(fmt("\xef\xbb\xbf%s", t), "byte order mark");
	free(t);
	/* 13. the escape that stands for a lifted string */
	refuse_s(swap(wrap_a(st), "\"keyid\":\"\"", "\"keyid\":\"\\u0001\""),
		 "U+0001");
	/* 14. over the size limit */
	big = malloc(NONO_TRUST_BUNDLE_MAX + 2);
	assert_non_null(big);
	t = wrap_a(st);
	memset(big, ' ', NONO_TRUST_BUNDLE_MAX + 1);
	memcpy(big, t, strlen(t));
	refuse(big, NONO_TRUST_BUNDLE_MAX + 1, "larger than 1 MiB");
	/* ... while the same bundle padded to the limit is read. */
	{
		struct nono_trust_bundle b;
		char err[300];

		assert_int_equal(nono_trust_bundle_parse(big,
							 NONO_TRUST_BUNDLE_MAX,
							 &b, err, sizeof(err)),
				 0);
		nono_trust_bundle_free(&b);
	}
	free(big);
	free(t);
	/* 15. not JSON at all; not an object */
	refuse("{\"mediaType\":", 13, "not JSON");
	refuse("[]", 2, "not a JSON object");
	free(st);
}

/* Mixed alphabets and non-canonical trailing bits in the payload. */
static void test_refuse_base64(void **state)
{
	/* The predicate note makes the payload's base64 hold both '/' and
	 * '+' ("???" is "Pz8/", "~~~" is "fn5+"); the trailing spaces make
	 * its length 1 mod 3 (two padding characters). */
	char *st = fmt(
	    "{\"_type\":\"" NONO_INTOTO_STATEMENT "\",\"subject\":"
	    "[" SUBJ("A.md",
		     D1) "],\"predicateType\":\"" NONO_TRUST_PRED_FILE
			 "\",\"predicate\":{\"n\":\"?????????~~~~~~~~~\"}}");
	char *t, *p, *c;
	size_t n = 0;

	(void)state;
	while (strlen(st) % 3 != 1) {
		t = fmt("%s ", st);
		free(st);
		st = t;
	}
	/* Control: it parses and checks. */
	check_s(wrap_a(st), &A, NONO_TRUST_PRED_FILE, "");
	/* 16. mixed alphabets: one '/' becomes '_' */
	t = wrap_a(st);
	p = payload_of(t, &n);
	c = memchr(p, '/', n);
	assert_non_null(c);
	assert_non_null(memchr(p, '+', n));
	*c = '_';
	refuse_s(t, "payload is not canonical base64");
	/* 17. non-canonical: a low bit set before "==" */
	t = wrap_a(st);
	p = payload_of(t, &n);
	assert_true(n > 3 && p[n - 1] == '=' && p[n - 2] == '=');
	assert_non_null(strchr("AQgw", p[n - 3]));
	p[n - 3] = (char)(p[n - 3] + 1);
	refuse_s(t, "payload is not canonical base64");
	/* 18. padding on URL-safe unpadded length that is wrong */
	t = wrap(st, &(struct wrap){.url = true});
	t = swap(t, "\",\"payloadType\"", "=\",\"payloadType\"");
	refuse_s(t, "payload is not canonical base64");
	free(st);
}

/* The statement inside (each re-signed by A: the form is the point). */
static void test_refuse_statement(void **state)
{
	char *st;

	(void)state;
	/* 19. statement _type */
	st = stmt(SUBJ("A.md", D1), NONO_TRUST_PRED_FILE);
	st = swap(st, "Statement/v1", "Statement/v0.1");
	refuse_s(wrap_a(st), "statement type is not");
	free(st);
	/* 20. payload not JSON */
	refuse_s(wrap_a("this is not json"), "statement is not JSON");
	/* 21. duplicate keys in the statement */
	st = stmt(SUBJ("A.md", D1), NONO_TRUST_PRED_FILE);
	st = swap(st, "\"predicateType\":",
		  "\"predicateType\":\"x:y\",\"predicateType\":");
	refuse_s(wrap_a(st), "duplicate");
	free(st);
	/* 22. duplicate subject names */
	st = stmt(SUBJ("A.md", D1) "," SUBJ("A.md", D2), NONO_TRUST_PRED_MULTI);
	refuse_s(wrap_a(st), "named twice");
	free(st);
	/* 23. a subject with '..', an absolute one, a control byte */
	st = stmt(SUBJ("lib/../../etc/passwd", D1), NONO_TRUST_PRED_MULTI);
	refuse_s(wrap_a(st), "component");
	free(st);
	st = stmt(SUBJ("/etc/passwd", D1), NONO_TRUST_PRED_MULTI);
	refuse_s(wrap_a(st), "absolute");
	free(st);
	st = stmt(SUBJ("a\\u001b[2Jb", D1), NONO_TRUST_PRED_MULTI);
	refuse_s(wrap_a(st), "control character");
	free(st);
	/* 24. uppercase, short, non-hex digests */
	st = stmt(SUBJ("A.md", "2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425"
			       "E73043362938B9824"),
		  NONO_TRUST_PRED_FILE);
	refuse_s(wrap_a(st), "lowercase hex");
	free(st);
	st = stmt(SUBJ("A.md", "2cf24dba"), NONO_TRUST_PRED_FILE);
	refuse_s(wrap_a(st), "lowercase hex");
	free(st);
	/* 25. a second digest algorithm */
	st = stmt(SUBJ("A.md", D1), NONO_TRUST_PRED_FILE);
	st = swap(st, "{\"sha256\":", "{\"sha512\":\"00\",\"sha256\":");
	refuse_s(wrap_a(st), "sha256 only");
	free(st);
	/* 26. no subject */
	st = stmt("", NONO_TRUST_PRED_FILE);
	refuse_s(wrap_a(st), "no subject");
	free(st);
	/* 27. predicate not an object; unknown statement key */
	st = stmt(SUBJ("A.md", D1), NONO_TRUST_PRED_FILE);
	st = swap(st, "\"predicate\":{", "\"predicate\":[{");
	st = swap(st, "}}}", "}}]}");
	refuse_s(wrap_a(st), "predicate is not an object");
	free(st);
	st = stmt(SUBJ("A.md", D1), NONO_TRUST_PRED_FILE);
	st = swap(st, "{\"_type\"", "{\"x\":0,\"_type\"");
	refuse_s(wrap_a(st), "unknown key \"x\" in the statement");
	free(st);
	/* 28. a label that would drive a terminal */
	st = stmt(SUBJ("A.md", D1), NONO_TRUST_PRED_FILE);
	st = swap(st, "\"key_id\":\"test\"",
		  "\"key_id\":\"\\u001b]0;x\\u0007\"");
	refuse_s(wrap_a(st), "key_id");
	free(st);
}

/* What only the check sees: keys, hints, predicate types, signatures. */
static void test_check(void **state)
{
	char *st = stmt(SUBJ("CLAUDE.md", D1), NONO_TRUST_PRED_FILE), *t;
	struct nono_trust_bundle b;
	char err[300];
	size_t n = 0;

	(void)state;
	/* Control. */
	check_s(wrap_a(st), &A, NONO_TRUST_PRED_FILE, "");
	/* 29. hint mismatch: A's bundle checked against B */
	check_s(wrap_a(st), &B, NONO_TRUST_PRED_FILE, "key hint");
	/* 30. a signature from another key under the right hint */
	check_s(wrap(st, &(struct wrap){.by = &B, .hint = A.keyid}), &A,
		NONO_TRUST_PRED_FILE, "does not verify");
	/* 31. the hint of another key over a valid signature */
	check_s(wrap(st, &(struct wrap){.hint = B.keyid}), &A,
		NONO_TRUST_PRED_FILE, "key hint");
	/* 32. predicate type: an instruction file is not a policy */
	check_s(wrap_a(st), &A, NONO_TRUST_PRED_POLICY, "predicate type");
	check_s(wrap_a(st), &A, NONO_TRUST_PRED_MULTI, "predicate type");
	/* 33. a digest changed after signing (payload re-encoded, the old
	 * signature kept) */
	t = wrap_a(st);
	{
		char *p = payload_of(t, &n), *pl, *st2, *t2;

		st2 = swap(fmt("%s", st), D1, D2);
		pl = nono_b64_encode(st2, strlen(st2));
		t2 = fmt("%.*s%s%s", (int)(p - t), t, pl, p + n);
		free(pl);
		free(st2);
		free(t);
		t = t2;
	}
	check_s(t, &A, NONO_TRUST_PRED_FILE, "does not verify");
	/* 34. the payload type changed after signing cannot even parse; a
	 * payload signed under another type does not verify as in-toto */
	t = wrap_a(st);
	assert_int_equal(
	    nono_trust_bundle_parse(t, strlen(t), &b, err, sizeof(err)), 0);
	{
		char sig[128], *pae = nono_dsse_pae("x/y", st, strlen(st), &n);

		assert_non_null(pae);
		assert_int_equal(nono_signer_sign(&A, pae, n, sig, sizeof(sig),
						  err, sizeof(err)),
				 0);
		free(pae);
		free(b.sig_b64);
		b.sig_b64 = strdup(sig);
	}
	assert_int_equal(nono_trust_bundle_check(&b, A.spki,
						 NONO_TRUST_PRED_FILE, err,
						 sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "does not verify"));
	nono_trust_bundle_free(&b);
	free(t);
	/* 35. no hint at all */
	check_s(wrap(st, &(struct wrap){.hint = ""}), &A, NONO_TRUST_PRED_FILE,
		"names no key");
	/* 36. a public key that is not base64, or not a key */
	check_s(wrap_a(st), &(struct nono_signer){.spki = "%%%"},
		NONO_TRUST_PRED_FILE, "not base64");
	t = wrap_a(st);
	assert_int_equal(
	    nono_trust_bundle_parse(t, strlen(t), &b, err, sizeof(err)), 0);
	{
		/* The hint of three zero bytes, which are no key. */
		uint8_t d[NONO_SHA256_LEN];

		nono_sha256("\0\0\0", 3, d);
		nono_hex(d, sizeof(d), b.hint);
	}
	assert_int_equal(nono_trust_bundle_check(&b, "AAAA",
						 NONO_TRUST_PRED_FILE, err,
						 sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "public key"));
	nono_trust_bundle_free(&b);
	free(t);
	free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pae_and_base64),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_signer),
	    cmocka_unit_test(test_make_parse_check),
	    cmocka_unit_test(test_large),
	    cmocka_unit_test(test_upstream_spellings),
	    cmocka_unit_test(test_refuse_envelope),
	    cmocka_unit_test(test_refuse_base64),
	    cmocka_unit_test(test_refuse_statement),
	    cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
