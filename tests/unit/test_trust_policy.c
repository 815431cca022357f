// SPDX-License-Identifier: Apache-2.0
/*
 * Trust policies and the instruction-file scan: upstream-shaped policies
 * parse, every kind of malformed one is refused with FILE:LINE:COL and
 * its reason, a policy written out reads back equal, merging never
 * weakens (strictest enforcement, built-in patterns kept, publishers one
 * per key), lookups go by key fingerprint; a table of patterns; and scans
 * of a temporary tree (heavy and --skip-dir directories, hidden ones,
 * symlinks to files inside and outside and to directories, FIFOs,
 * .gitignore for init only, the depth bound, digests and their cache).
 * The keys are real P-256 keys made once with
 *   openssl ecparam -name prime256v1 -genkey |
 *   openssl pkey -pubout -outform DER | base64 -w0
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include "trust/digestcache.h"
#include "trust/glob.h"
#include "trust/policy.h"
#include "trust/scan.h"
#include "util/sha256.h"

#define K1                                                                     \
	"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEUD9Cp/p7Gp3M/ZHhH8mp5D6rfcUzIxWi" \
	"JuB71EuA6O8xxKk1MfyFNGx8Z2a0mIYIfvw5G6Cm4OXUEcHz8ujV7Q=="
#define K1FP "795e1332bcd122676fda9c5ea92a2b974d372d40ea02445259ed2876d1bbecff"
#define K2                                                                     \
	"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEsNm9qovqrvUXf7O4Maf9WyBiZUfZQOwd" \
	"Cev0snmh5uSyj/jVWt+sNEAYxCJY2v/z3ssUWedz15WT5R9ZkIfpvA=="
#define K2FP "bc853a450c1b32b32f1fd9a2707d4e1c0d4967429347bf18c9def8767294f04a"
#define ED25519 "MCowBQYDK2VwAyEAbtPAc9jluvBzRdcmelNQoTosfLOdezSn4BNQ/kVgqxw="
#define P384                                                                   \
	"MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEzHHd79eWv64Vpov/dsqrtFABP71R6/bQ7ENz" \
	"X3pC173AM5OSUXkZSkeWXwqMhecg4Sfor+RTUSMhVRSI2CaAH4vAXX/Mhsw6ojr8kazh" \
	"JvfvyBTdpMiKn56sG2bIHqFk"
#define D1 "deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef"
#define D2 "0000000000000000000000000000000000000000000000000000000000000001"

/* --- policies ------------------------------------------------------------- */

static void parse_ok(const char *text, struct nono_trust_policy *p)
{
	char err[512] = "";
	int r = nono_trust_policy_parse(text, strlen(text), "t.json", p, err,
					sizeof(err));

	if (r != 0)
		fail_msg("parse = %d: %s\n%s", r, err, text);
}

static void parse_bad(const char *text, const char *where, const char *msg)
{
	struct nono_trust_policy p;
	char err[512] = "";
	int r = nono_trust_policy_parse(text, strlen(text), "t.json", &p, err,
					sizeof(err));

	if (r != -EINVAL)
		fail_msg("parse(%.60s) = %d, want -EINVAL", text, r);
	assert_null(p.patterns);
	assert_null(p.pub);
	if (strncmp(err, where, strlen(where)) != 0 || !strstr(err, msg))
		fail_msg("parse(%.60s):\n  got  \"%s\"\n  want \"%s...%s\"",
			 text, err, where, msg);
}

static const char upstream[] =
    "{\n"
    "  // upstream's shape, comments allowed\n"
    "  \"version\": 1,\n"
    "  \"instruction_patterns\": [\"SKILLS*\", \"CLAUDE*\", \"AGENT*\",\n"
    "                           \".claude/**/*.md\", \"docs/*.md\"],\n"
    "  \"publishers\": [\n"
    "    {\"name\": \"ci-publisher\",\n"
    "     \"issuer\": \"https://token.actions.githubusercontent.com\",\n"
    "     \"repository\": \"org/repo\",\n"
    "     \"workflow\": \".github/workflows/sign.yml\",\n"
    "     \"ref_pattern\": \"refs/tags/v*\"},\n"
    "    {\"name\": \"local-dev\", \"key_id\": \"nono-keystore:default\",\n"
    "     \"public_key\": \"" K1 "\"}\n"
    "  ],\n"
    "  \"blocklist\": {\n"
    "    \"digests\": [{\"sha256\": \"" D1 "\",\n"
    "                 \"description\": \"Known malicious SKILLS.md\",\n"
    "                 \"added\": \"2026-02-20\"}],\n"
    "    \"publishers\": [{\"identity\": \"evil\", \"reason\": \"leaked\",\n"
    "                    \"added\": \"2026-01-01\"}]\n"
    "  },\n"
    "  \"enforcement\": \"warn\"\n"
    "}\n";

static void test_parse_upstream(void **state)
{
	struct nono_trust_policy p;

	(void)state;
	parse_ok(upstream, &p);
	assert_int_equal(p.npatterns, 5);
	assert_string_equal(p.patterns[4], "docs/*.md");
	assert_int_equal(p.npub, 2);
	assert_true(p.pub[0].keyless);
	assert_string_equal(p.pub[0].issuer,
			    "https://token.actions.githubusercontent.com");
	assert_string_equal(p.pub[0].fingerprint, "");
	assert_false(p.pub[1].keyless);
	assert_string_equal(p.pub[1].key_id, "nono-keystore:default");
	assert_string_equal(p.pub[1].fingerprint, K1FP);
	assert_int_equal(p.nblock, 1);
	assert_string_equal(p.block[0].description,
			    "Known malicious SKILLS.md");
	assert_int_equal(p.nblocked_keys, 1);
	assert_string_equal(p.blocked_keys[0].identity, "evil");
	assert_int_equal(p.enforcement, NONO_TRUST_WARN);
	assert_true(p.enforcement_set);
	assert_string_equal(nono_trust_enforce_name(p.enforcement), "warn");
	nono_trust_policy_free(&p);

	/* Minimal, and upstream's later name of the pattern list. */
	parse_ok("{\"version\": 1, \"includes\": [\"X*\"]}", &p);
	assert_int_equal(p.npatterns, 1);
	assert_int_equal(p.enforcement, NONO_TRUST_DENY);
	nono_trust_policy_free(&p);
	parse_ok("{\"version\": 1, \"instruction_patterns\": [], "
		 "\"publishers\": [{\"name\": \"x\", \"public_key\": \"" K2
		 "\", \"fingerprint\": \"" K2FP "\"}], \"blocklist\": "
		 "{\"digests\": []}, \"enforcement\": \"audit\"}",
		 &p);
	assert_string_equal(p.pub[0].fingerprint, K2FP);
	assert_int_equal(p.enforcement, NONO_TRUST_AUDIT);
	nono_trust_policy_free(&p);
}

static char *many(const char *head, const char *item, size_t n,
		  const char *tail)
{
	size_t il = strlen(item),
	       len = strlen(head) + n * (il + 1) + strlen(tail) + 1;
	char *s = malloc(len), *q;

	assert_non_null(s);
	q = s + sprintf(s, "%s", head);
	for (size_t i = 0; i < n; i++)
		q += sprintf(q, "%s%s", i ? "," : "", item);
	strcpy(q, tail);
	return s;
}

static void test_parse_refusals(void **state)
{
	char *s, item[256];

	(void)state;
	/* Invalid JSON, and duplicate keys (the JSON reader). */
	parse_bad("{\"version\": 1,", "t.json:1:", "");
	parse_bad("{\"version\": 1, \"version\": 1}", "t.json:1:", "duplicate");
	/* Not an object; unknown keys, with a suggestion. */
	parse_bad("[]", "t.json:1:1:", "expected an object, got array");
	parse_bad("{\"version\": 1, \"enforcment\": \"deny\"}", "t.json:1:16:",
		  "unknown key \"enforcment\" in the trust policy; did you "
		  "mean \"enforcement\"?");
	parse_bad("{\"version\": 1, \"publishers\": [{\"name\": \"a\", "
		  "\"publik_key\": \"x\"}]}",
		  "t.json:1:45:",
		  "unknown key \"publik_key\" in publishers[0]; did you mean "
		  "\"public_key\"?");
	parse_bad("{\"version\": 1, \"blocklist\": {\"digest\": []}}",
		  "t.json:1:30:", "unknown key \"digest\" in blocklist");
	/* Version. */
	parse_bad("{}", "t.json:1:1:", "\"version\" is missing");
	parse_bad("{\"version\": 2}", "t.json:1:13:",
		  "unsupported trust policy version 2 (this nono reads "
		  "version 1)");
	parse_bad("{\"version\": \"1\"}",
		  "t.json:1:13:", "version: expected an integer, got string");
	parse_bad("{\"version\": 1.0}", "t.json:1:13:", "expected an integer");
	/* Types. */
	parse_bad("{\"version\": 1, \"instruction_patterns\": \"SKILLS*\"}",
		  "t.json:1:40:",
		  "instruction_patterns: expected an array, got string");
	parse_bad("{\"version\": 1, \"instruction_patterns\": [1]}",
		  "t.json:1:41:", "instruction_patterns[0]: expected a string");
	parse_bad("{\"version\": 1, \"publishers\": {}}",
		  "t.json:1:30:", "publishers: expected an array, got object");
	parse_bad("{\"version\": 1, \"enforcement\": 2}",
		  "t.json:1:31:", "enforcement: expected a string, got number");
	parse_bad("{\"version\": 1, \"enforcement\": \"Deny\"}", "t.json:1:31:",
		  "\"Deny\" is not \"deny\", \"warn\" or \"audit\"");
	/* Digests. */
	parse_bad("{\"version\": 1, \"blocklist\": {\"digests\": [{\"sha256\": "
		  "\"DEADBEEFDEADBEEFDEADBEEFDEADBEEFDEADBEEFDEADBEEFDEADBEEFDE"
		  "ADBEEF\"}]}}",
		  "t.json:1:53:", "is not 64 lowercase hex digits");
	parse_bad("{\"version\": 1, \"blocklist\": {\"digests\": [{\"sha256\": "
		  "\"abc\"}]}}",
		  "t.json:1:53:", "\"abc\" is not 64 lowercase hex");
	parse_bad("{\"version\": 1, \"blocklist\": {\"digests\": "
		  "[{\"description\": \"x\"}]}}",
		  "t.json:1:42:", "\"sha256\" is missing");
	parse_bad("{\"version\": 1, \"blocklist\": {\"digests\": [{\"sha256\": "
		  "\"" D1 "\"}, {\"sha256\": \"" D2 "\"}, {\"sha256\": \"" D1
		  "\"}]}}",
		  "t.json:1:",
		  "blocklist.digests[2]: the same sha256 as "
		  "blocklist.digests[0]");
	/* Keys. */
	parse_bad("{\"version\": 1, \"publishers\": [{\"name\": \"me\", "
		  "\"key_id\": \"default\"}]}",
		  "t.json:1:31:",
		  "publishers[0] (\"me\"): \"public_key\" is missing; nono "
		  "identifies a keyed publisher by its key");
	parse_bad("{\"version\": 1, \"publishers\": [{\"name\": \"me\", "
		  "\"public_key\": \"not base64!\"}]}",
		  "t.json:1:60:", "not standard padded base64");
	parse_bad("{\"version\": 1, \"publishers\": [{\"name\": \"me\", "
		  "\"public_key\": \"" ED25519 "\"}]}",
		  "t.json:1:60:",
		  "public_key: an Ed25519 key; trust keys are ECDSA P-256");
	parse_bad("{\"version\": 1, \"publishers\": [{\"name\": \"me\", "
		  "\"public_key\": \"" P384 "\"}]}",
		  "t.json:1:60:", "a P-384 key");
	parse_bad("{\"version\": 1, \"publishers\": [{\"name\": \"me\", "
		  "\"public_key\": \"-----BEGIN PUBLIC KEY-----\"}]}",
		  "t.json:1:60:", "PEM; give the base64 DER line");
	parse_bad("{\"version\": 1, \"publishers\": [{\"name\": \"me\", "
		  "\"public_key\": \"" K1 "\", \"fingerprint\": \"" K2FP
		  "\"}]}",
		  "t.json:1:",
		  "publishers[0].fingerprint: \"" K2FP
		  "\" is not the fingerprint of its public_key "
		  "(" K1FP ")");
	parse_bad("{\"version\": 1, \"publishers\": [{\"name\": \"a\", "
		  "\"public_key\": \"" K1 "\"}, {\"name\": \"b\", "
		  "\"public_key\": \"" K1 "\"}]}",
		  "t.json:1:",
		  "publishers[1].public_key: the same key as "
		  "publishers[0] (\"a\")");
	parse_bad("{\"version\": 1, \"publishers\": [{\"key_id\": \"k\", "
		  "\"public_key\": \"" K1 "\"}]}",
		  "t.json:1:31:", "publishers[0]: \"name\" is missing");
	parse_bad("{\"version\": 1, \"publishers\": [{\"name\": \"a\\u0007\", "
		  "\"public_key\": \"" K1 "\"}]}",
		  "t.json:1:40:", "publishers[0].name: control character");
	parse_bad(
	    "{\"version\": 1, \"publishers\": [{\"name\": \"a\", "
	    "\"public_key\": \"" K1 "\", \"issuer\": \"https://x\"}]}",
	    "t.json:1:31:", "both keyed (public_key, key_id) and keyless");
	parse_bad("{\"version\": 1, \"publishers\": [{\"name\": \"a\", "
		  "\"issuer\": \"https://x\", \"repository\": \"o/r\"}]}",
		  "t.json:1:31:", "a keyless publisher needs issuer");
	parse_bad("{\"version\": 1, \"publishers\": [{\"name\": \"a\", "
		  "\"public_key\": \"" K1 "\", \"workflow\": \"w\"}]}",
		  "t.json:1:", "are for keyless publishers");
	/* Patterns. */
	parse_bad(
	    "{\"version\": 1, \"instruction_patterns\": [\"[abc\"]}",
	    "t.json:1:41:", "instruction_patterns[0]: \"[abc\": unclosed");
	parse_bad(
	    "{\"version\": 1, \"instruction_patterns\": [\"/CLAUDE.md\"]}",
	    "t.json:1:41:", "a leading '/'");
	parse_bad("{\"version\": 1, \"instruction_patterns\": [\"a/**b\"]}",
		  "t.json:1:41:", "'**' must be a whole path component");
	parse_bad("{\"version\": 1, \"instruction_patterns\": [\"a/../b\"]}",
		  "t.json:1:41:", "'.' and '..' components never match");
	parse_bad("{\"version\": 1, \"instruction_patterns\": [\"\"]}",
		  "t.json:1:41:", "empty pattern");
	parse_bad(
	    "{\"version\": 1, \"instruction_patterns\": [\"X\", \"X\"]}",
	    "t.json:1:46:", "instruction_patterns[1]: \"X\" is listed twice");
	parse_bad(
	    "{\"version\": 1, \"instruction_patterns\": [], \"includes\": "
	    "[]}",
	    "t.json:1:44:",
	    "includes: the same list as "
	    "instruction_patterns");
	parse_bad("{\"version\": 1, \"files\": [\"~/.claude/CLAUDE.md\"]}",
		  "t.json:1:16:", "explicit file lists are not supported");
	/* Too many entries. */
	s = many("{\"version\": 1, \"instruction_patterns\": [", "\"P*\"", 101,
		 "]}");
	parse_bad(s, "t.json:1:40:",
		  "instruction_patterns: 101 entries (at most 100)");
	free(s);
	snprintf(item, sizeof(item), "{\"sha256\": \"%s\"}", D1);
	s = many("{\"version\": 1, \"blocklist\": {\"digests\": [", item, 10001,
		 "]}}");
	parse_bad(s, "t.json:1:41:",
		  "blocklist.digests: 10001 entries (at most 10000)");
	free(s);
	s = many("{\"version\": 1, \"publishers\": [", "{}", 1001, "]}");
	parse_bad(s, "t.json:1:30:", "publishers: 1001 entries (at most 1000)");
	free(s);
}

static void test_roundtrip(void **state)
{
	struct nono_trust_policy p, q, d;
	char *text = NULL, *text2 = NULL, err[256];
	size_t len = 0, len2 = 0;

	(void)state;
	parse_ok(upstream, &p);
	assert_int_equal(nono_trust_policy_write(&p, &text, &len), 0);
	assert_int_equal(strlen(text), len);
	parse_ok(text, &q);
	assert_true(nono_trust_policy_equal(&p, &q));
	/* Written again: the same bytes. */
	assert_int_equal(nono_trust_policy_write(&q, &text2, &len2), 0);
	assert_string_equal(text, text2);
	assert_non_null(strstr(text, "\"fingerprint\": \"" K1FP "\""));
	free(text);
	free(text2);
	nono_trust_policy_free(&q);

	/* What `trust init` writes: the default merged with one key. */
	nono_trust_policy_init_default(&d);
	assert_int_equal(nono_trust_policy_merge(&d, &p, err, sizeof(err)), 0);
	assert_int_equal(nono_trust_policy_write(&d, &text, &len), 0);
	parse_ok(text, &q);
	assert_true(nono_trust_policy_equal(&d, &q));
	free(text);
	nono_trust_policy_free(&q);
	nono_trust_policy_free(&d);
	nono_trust_policy_free(&p);

	/* The empty policy. */
	memset(&d, 0, sizeof(d));
	assert_int_equal(nono_trust_policy_write(&d, &text, &len), 0);
	parse_ok(text, &q);
	assert_true(nono_trust_policy_equal(&d, &q));
	free(text);
	nono_trust_policy_free(&q);
}

static void test_merge(void **state)
{
	struct nono_trust_policy eff, user, proj, hand, before;
	struct nono_trust_publisher one;
	char err[256] = "";

	(void)state;
	/* The built-in patterns, always; the default deny does not hide
	 * the user's warn; a project cannot lower it. */
	nono_trust_policy_init_default(&eff);
	assert_int_equal(eff.npatterns, 4);
	assert_false(eff.enforcement_set);
	parse_ok("{\"version\": 1, \"instruction_patterns\": [\"X*\"], "
		 "\"publishers\": [{\"name\": \"default\", \"public_key\": "
		 "\"" K1 "\"}], \"enforcement\": \"warn\"}",
		 &user);
	parse_ok("{\"version\": 1, \"instruction_patterns\": [\"Y*\", "
		 "\"X*\"], \"publishers\": [{\"name\": \"default\", "
		 "\"public_key\": \"" K2 "\"}, {\"name\": \"renamed\", "
		 "\"public_key\": \"" K1 "\"}], \"blocklist\": {\"digests\": "
		 "[{\"sha256\": \"" D2 "\"}, {\"sha256\": \"" D1 "\"}]}, "
		 "\"enforcement\": \"audit\"}",
		 &proj);
	assert_int_equal(nono_trust_policy_merge(&eff, &user, err, sizeof(err)),
			 0);
	assert_int_equal(eff.enforcement, NONO_TRUST_WARN);
	assert_int_equal(nono_trust_policy_merge(&eff, &proj, err, sizeof(err)),
			 0);
	assert_int_equal(eff.enforcement, NONO_TRUST_WARN);
	assert_int_equal(eff.npatterns, 6);
	assert_string_equal(eff.patterns[0], "SKILLS*");
	assert_string_equal(eff.patterns[3], ".claude/**/*.md");
	assert_string_equal(eff.patterns[4], "X*");
	assert_string_equal(eff.patterns[5], "Y*");
	/* Two publishers called "default" with different keys: both; the
	 * project's "renamed" K1 is the user's key: kept once, the user's
	 * label. */
	assert_int_equal(eff.npub, 2);
	assert_string_equal(nono_trust_policy_publisher(&eff, K1FP)->name,
			    "default");
	assert_non_null(nono_trust_policy_publisher(&eff, K2FP));
	assert_string_equal(nono_trust_policy_publisher(&eff, K2FP)->public_key,
			    K2);
	/* Upper-case hint, sorted blocklist. */
	assert_non_null(nono_trust_policy_publisher(
	    &eff, "795E1332BCD122676FDA9C5EA92A2B974D372D40EA02445259ED2876D1"
		  "BBECFF"));
	assert_int_equal(eff.nblock, 2);
	assert_string_equal(eff.block[0].sha256, D2);

	/* A project asking for deny wins over the user's warn. */
	nono_trust_policy_free(&proj);
	parse_ok("{\"version\": 1, \"enforcement\": \"deny\"}", &proj);
	assert_int_equal(nono_trust_policy_merge(&eff, &proj, err, sizeof(err)),
			 0);
	assert_int_equal(eff.enforcement, NONO_TRUST_DENY);
	nono_trust_policy_free(&proj);
	parse_ok("{\"version\": 1, \"enforcement\": \"audit\"}", &proj);
	assert_int_equal(nono_trust_policy_merge(&eff, &proj, err, sizeof(err)),
			 0);
	assert_int_equal(eff.enforcement, NONO_TRUST_DENY);

	/* The user's deny: a project's warn cannot lower it. */
	{
		struct nono_trust_policy e2, u2, p2;

		nono_trust_policy_init_default(&e2);
		parse_ok("{\"version\": 1, \"enforcement\": \"deny\"}", &u2);
		parse_ok("{\"version\": 1, \"enforcement\": \"warn\"}", &p2);
		assert_int_equal(
		    nono_trust_policy_merge(&e2, &u2, err, sizeof(err)), 0);
		assert_int_equal(
		    nono_trust_policy_merge(&e2, &p2, err, sizeof(err)), 0);
		assert_int_equal(e2.enforcement, NONO_TRUST_DENY);
		nono_trust_policy_free(&e2);
		nono_trust_policy_free(&u2);
		nono_trust_policy_free(&p2);
	}

	/* A policy built in memory (trust init): only the key; the merge
	 * computes the fingerprint.  A wrong one is refused and leaves the
	 * policy as it was. */
	memset(&hand, 0, sizeof(hand));
	memset(&one, 0, sizeof(one));
	one.name = "init";
	one.public_key = K2;
	hand.pub = &one;
	hand.npub = 1;
	hand.enforcement = NONO_TRUST_AUDIT; /* not set: ignored */
	nono_trust_policy_init_default(&before);
	assert_int_equal(
	    nono_trust_policy_merge(&before, &hand, err, sizeof(err)), 0);
	assert_int_equal(before.npub, 1);
	assert_string_equal(before.pub[0].fingerprint, K2FP);
	assert_int_equal(before.enforcement, NONO_TRUST_DENY);
	strcpy(one.fingerprint, K1FP);
	one.name = "liar";
	assert_int_equal(nono_trust_policy_merge(&eff, &hand, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "publisher \"liar\": fingerprint"));
	assert_int_equal(eff.npub, 2);
	one.fingerprint[0] = '\0';
	one.public_key = ED25519;
	assert_int_equal(nono_trust_policy_merge(&eff, &hand, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "Ed25519"));

	nono_trust_policy_free(&before);
	nono_trust_policy_free(&proj);
	nono_trust_policy_free(&user);
	nono_trust_policy_free(&eff);
}

static void test_lookups(void **state)
{
	struct nono_trust_policy p;

	(void)state;
	parse_ok("{\"version\": 1, \"publishers\": ["
		 "{\"name\": \"a\", \"key_id\": \"team\", \"public_key\": \"" K1
		 "\"}, {\"name\": \"b\", \"public_key\": \"" K2 "\"}], "
		 "\"blocklist\": {\"digests\": [{\"sha256\": \"" D1
		 "\", \"description\": \"bad\"}], \"publishers\": "
		 "[{\"identity\": \"team\"}]}}",
		 &p);
	/* Blocked by its label: never a publisher. */
	assert_null(nono_trust_policy_publisher(&p, K1FP));
	assert_non_null(nono_trust_policy_key_blocked(&p, K1FP));
	assert_non_null(nono_trust_policy_publisher(&p, K2FP));
	assert_null(nono_trust_policy_key_blocked(&p, K2FP));
	assert_null(nono_trust_policy_publisher(&p, "nope"));
	assert_null(nono_trust_policy_publisher(&p, NULL));
	assert_null(nono_trust_policy_publisher(&p, D2));
	assert_string_equal(nono_trust_policy_blocked(&p, D1)->description,
			    "bad");
	assert_non_null(nono_trust_policy_blocked(
	    &p, "DEADBEEFDEADBEEFDEADBEEFDEADBEEFDEADBEEFDEADBEEFDEADBEEFDEADBE"
		"EF"));
	assert_null(nono_trust_policy_blocked(&p, D2));
	assert_null(nono_trust_policy_blocked(&p, "dead"));
	nono_trust_policy_free(&p);

	/* Blocked by fingerprint. */
	parse_ok("{\"version\": 1, \"publishers\": [{\"name\": \"b\", "
		 "\"public_key\": \"" K2
		 "\"}], \"blocklist\": {\"publishers\": "
		 "[{\"identity\": \"" K2FP "\"}]}}",
		 &p);
	assert_null(nono_trust_policy_publisher(&p, K2FP));
	nono_trust_policy_free(&p);
}

/* --- patterns ------------------------------------------------------------- */

static void test_patterns(void **state)
{
	static const struct {
		const char *pat, *path;
		bool match;
	} t[] = {
	    {"CLAUDE*", "CLAUDE.md", true},
	    {"CLAUDE*", "sub/dir/CLAUDE.md", true},
	    {"CLAUDE*", "CLAUDE.local.md", true},
	    {"CLAUDE*", "claude.md", false},
	    {"CLAUDE*", "xCLAUDE.md", false},
	    {"CLAUDE*", "CLAUDE/x.md", false},
	    {"AGENT*", "AGENTS.md", true},
	    {"AGENT*", "a/b/c/AGENT.MD", true},
	    {"SKILLS*", "SKILLS-custom.md", true},
	    {"SKILLS*", "SKILL.md", false},
	    {".claude/**/*.md", ".claude/x.md", true},
	    {".claude/**/*.md", ".claude/commands/deploy.md", true},
	    {".claude/**/*.md", ".claude/a/b/c/d.md", true},
	    {".claude/**/*.md", "pkg/.claude/commands/x.md", true},
	    {".claude/**/*.md", ".claude/settings.json", false},
	    {".claude/**/*.md", "claude/x.md", false},
	    {".claude/**/*.md", ".claude.md", false},
	    {".claude/**/*.md", ".claude/.hidden.md", true},
	    {"docs/*.md", "docs/a.md", true},
	    {"docs/*.md", "docs/sub/a.md", false},
	    {"docs/*.md", "x/docs/a.md", true},
	    {"docs/**", "docs/a/b", true},
	    {"docs/**", "docs", false},
	    {"**", "anything/at/all", true},
	    {"**/x.md", "x.md", true},
	    {"a/**/b/**/c", "a/b/c", true},
	    {"a/**/b/**/c", "a/x/y/b/z/c", true},
	    {"a/**/b/**/c", "a/x/y/z/c", false},
	    {"?.md", "a.md", true},
	    {"?.md", "ab.md", false},
	    {"[abc].md", "b.md", true},
	    {"[!abc].md", "b.md", false},
	    {"[!abc].md", "d.md", true},
	    {"[a-c]x", "bx", true},
	    {"[a-c]x", "dx", false},
	    {"[]]x", "]x", true},
	    {"\\*.md", "*.md", true},
	    {"\\*.md", "a.md", false},
	    {"*.md", ".hidden.md", true},
	    {"*", "a/b", true},
	    {"*a*b*c*", "xxaxxbxxcxx", true},
	    {"*a*b*c*", "xxaxxcxxbxx", false},
	};
	char why[256];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++)
		if (nono_trust_pattern_match(t[i].pat, t[i].path) != t[i].match)
			fail_msg("match(%s, %s) != %d", t[i].pat, t[i].path,
				 t[i].match);
	/* Folding (a case-insensitive directory), ASCII only. */
	assert_true(
	    nono_trust_pattern_match_fold("CLAUDE*", "claude.md", true));
	assert_true(nono_trust_pattern_match_fold("[A-C]x", "bX", true));
	/* Any spelling: "dx" is not excluded by [!D] when case is folded
	 * (a fuzzer find: folding must never lose a match). */
	assert_true(nono_trust_pattern_match("[!c?D]", "d"));
	assert_true(nono_trust_pattern_match_fold("[!c?D]", "d", true));
	assert_false(nono_trust_pattern_match_fold("[!dD]x", "dx", true));
	assert_false(
	    nono_trust_pattern_match_fold("CLAUDE*", "claude.md", false));

	/* Checks. */
	assert_int_equal(nono_trust_pattern_check("SKILLS*", why, sizeof(why)),
			 0);
	assert_int_equal(nono_trust_pattern_check("a/**/b", why, sizeof(why)),
			 0);
	assert_int_equal(nono_trust_pattern_check("x[/]y", why, sizeof(why)),
			 -EINVAL);
	assert_int_equal(nono_trust_pattern_check("a//b", why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "empty path component"));
	assert_int_equal(nono_trust_pattern_check("a/", why, sizeof(why)),
			 -EINVAL);
	assert_int_equal(nono_trust_pattern_check("a\\", why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "dangling"));
	assert_int_equal(nono_trust_pattern_check("***", why, sizeof(why)),
			 -EINVAL);
	assert_int_equal(nono_trust_pattern_check("./a", why, sizeof(why)),
			 -EINVAL);
}

static void test_could_match_below(void **state)
{
	struct nono_glob g;

	(void)state;
	assert_int_equal(nono_glob_compile(&g, ".claude/**/*.md"), 0);
	assert_true(nono_glob_could_match_below(&g, ".claude", false));
	assert_true(nono_glob_could_match_below(&g, "pkg/.claude", false));
	assert_true(nono_glob_could_match_below(&g, ".claude/sub", false));
	assert_false(nono_glob_could_match_below(&g, "docs", false));
	assert_false(nono_glob_could_match_below(&g, "x/y", false));
	assert_int_equal(nono_glob_compile(&g, "CLAUDE*"), 0);
	assert_false(nono_glob_could_match_below(&g, "docs", false));
	assert_false(nono_glob_could_match_below(&g, "CLAUDE.d", false));
	assert_int_equal(nono_glob_compile(&g, "docs/agents/*.md"), 0);
	assert_true(nono_glob_could_match_below(&g, "docs", false));
	assert_true(nono_glob_could_match_below(&g, "docs/agents", false));
	assert_false(nono_glob_could_match_below(&g, "docs/agents/x", false));
}

/* --- scans ---------------------------------------------------------------- */

static char root[64];

static void mk(const char *rel, const char *content)
{
	char path[PATH_MAX], *slash;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (slash = strchr(path + strlen(root) + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	if (!content) {
		assert_int_equal(mkdir(path, 0755), 0);
		return;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)),
			 (ssize_t)strlen(content));
	close(fd);
}

static void ln(const char *target, const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(symlink(target, path), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/nono-test-trust-XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	chmod(root, 0755);
	return test_rm_tree(root);
}

static int scan(unsigned flags, char *const *skip, size_t nskip,
		struct nono_trust_list *l, char *err, size_t errlen)
{
	struct nono_trust_policy p;
	int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC), r;

	assert_true(fd >= 0);
	nono_trust_policy_init_default(&p);
	r = nono_trust_scan(fd, &p, skip, nskip, flags, l, err, errlen);
	nono_trust_policy_free(&p);
	close(fd);
	return r;
}

static const struct nono_trust_found *find(const struct nono_trust_list *l,
					   const char *path)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].path, path) == 0)
			return &l->v[i];
	return NULL;
}

static void hex_of(const char *s, char out[NONO_SHA256_HEX])
{
	uint8_t md[NONO_SHA256_LEN];

	nono_sha256(s, strlen(s), md);
	nono_hex(md, NONO_SHA256_LEN, out);
}

static void test_scan_tree(void **state)
{
	struct nono_trust_list l = {0};
	char *skip[] = {"generated"}, err[512] = "", hex[NONO_SHA256_HEX];
	const struct nono_trust_found *f;
	char fifo[PATH_MAX];
	static const char *const want[] = {
	    ".claude/commands/deploy.md",
	    ".github/CLAUDE.md",
	    "AGENT.md",
	    "AGENTS.md",
	    "CLAUDE.fifo",
	    "CLAUDE.local.md",
	    "CLAUDE.md",
	    "SKILLS.md",
	    "build/CLAUDE.md",
	    "pkg/.claude",
	    "sub/dir/AGENTS.md",
	};

	(void)state;
	mk("CLAUDE.md", "root instructions\n");
	mk("AGENTS.md", "agents\n");
	mk("README.md", "not one\n");
	mk("SKILLS.md.bundle", "{}");
	mk(".nono-trust.bundle", "{}");
	mk("trust-policy.json", "{}");
	mk("sub/dir/AGENTS.md", "nested\n");
	mk("sub/dir/notes.md", "no\n");
	mk(".claude/commands/deploy.md", "deploy\n");
	mk(".claude/settings.json", "{}");
	mk(".github/CLAUDE.md", "hidden dirs are scanned\n");
	mk("build/CLAUDE.md", "build is not skipped\n");
	mk("node_modules/pkg/CLAUDE.md", "heavy: skipped\n");
	mk("vendor/x/SKILLS.md", "heavy: skipped\n");
	mk(".git/CLAUDE.md", "heavy: skipped\n");
	mk("generated/CLAUDE.md", "--skip-dir\n");
	mk("docs/real.md", "through a link\n");
	ln("docs/real.md", "CLAUDE.local.md");
	ln("/etc/hostname", "AGENT.md");
	ln("missing.md", "SKILLS.md");
	mk("pkg/inner", NULL);
	ln("../docs", "pkg/.claude"); /* a .claude that is a link */
	ln("docs", "docs-link");      /* no pattern crosses it */
	ln("sub", "sub-link");        /* never followed */
	snprintf(fifo, sizeof(fifo), "%s/CLAUDE.fifo", root);
	assert_int_equal(mkfifo(fifo, 0644), 0);

	assert_int_equal(scan(NONO_TRUST_SCAN_RECURSIVE | NONO_TRUST_SCAN_HASH,
			      skip, 1, &l, err, sizeof(err)),
			 0);
	for (size_t i = 0; i < l.n; i++)
		if (i >= sizeof(want) / sizeof(*want) ||
		    strcmp(l.v[i].path, want[i]) != 0)
			fail_msg("entry %zu: %s, want %s", i, l.v[i].path,
				 i < sizeof(want) / sizeof(*want) ? want[i]
								  : "none");
	assert_int_equal(l.n, sizeof(want) / sizeof(*want));

	f = find(&l, "CLAUDE.md");
	hex_of("root instructions\n", hex);
	assert_string_equal(f->sha256, hex);
	assert_int_equal(f->flags, 0);
	assert_int_equal(f->size, strlen("root instructions\n"));
	assert_true(f->ino != 0);
	/* A link to a file inside: the target's content and identity. */
	f = find(&l, "CLAUDE.local.md");
	hex_of("through a link\n", hex);
	assert_string_equal(f->sha256, hex);
	assert_int_equal(f->flags, NONO_TRUST_FOUND_SYMLINK);
	/* Outside, dangling, a FIFO, a .claude link: unverifiable. */
	f = find(&l, "AGENT.md");
	assert_int_equal(f->flags,
			 NONO_TRUST_FOUND_SYMLINK | NONO_TRUST_FOUND_OUTSIDE);
	assert_string_equal(f->sha256, "");
	f = find(&l, "SKILLS.md");
	assert_int_equal(f->flags,
			 NONO_TRUST_FOUND_SYMLINK | NONO_TRUST_FOUND_BROKEN);
	f = find(&l, "CLAUDE.fifo");
	assert_int_equal(f->flags, NONO_TRUST_FOUND_SPECIAL);
	f = find(&l, "pkg/.claude");
	assert_int_equal(f->flags,
			 NONO_TRUST_FOUND_SYMLINK | NONO_TRUST_FOUND_DIRLINK);
	assert_true(f->flags & NONO_TRUST_FOUND_UNVERIFIABLE);
	nono_trust_list_free(&l);

	/* Without digests: identities only.  Root only: no subdirectory. */
	assert_int_equal(
	    scan(NONO_TRUST_SCAN_RECURSIVE, skip, 1, &l, err, sizeof(err)), 0);
	assert_string_equal(find(&l, "CLAUDE.md")->sha256, "");
	assert_true(find(&l, "CLAUDE.md")->ino != 0);
	nono_trust_list_free(&l);
	assert_int_equal(scan(0, NULL, 0, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 6);
	assert_null(find(&l, "sub/dir/AGENTS.md"));
	assert_null(find(&l, "pkg/.claude"));
	nono_trust_list_free(&l);
	/* A policy's own patterns come on top of the built-in ones, which
	 * no policy can drop. */
	{
		struct nono_trust_policy p;
		int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);

		parse_ok("{\"version\": 1, \"instruction_patterns\": "
			 "[\"docs/*.md\"]}",
			 &p);
		assert_int_equal(nono_trust_scan(fd, &p, skip, 1,
						 NONO_TRUST_SCAN_RECURSIVE, &l,
						 err, sizeof(err)),
				 0);
		close(fd);
		assert_int_equal(l.n, sizeof(want) / sizeof(*want) + 1);
		assert_non_null(find(&l, "docs/real.md"));
		assert_non_null(find(&l, "CLAUDE.md"));
		assert_true(nono_trust_policy_match(&p, "a/docs/x.md"));
		assert_true(nono_trust_policy_match(&p, "x/AGENTS.md"));
		assert_false(nono_trust_policy_match(&p, "README.md"));
		nono_trust_policy_free(&p);
		nono_trust_list_free(&l);
	}
	/* Without --skip-dir, generated/ is scanned. */
	assert_int_equal(
	    scan(NONO_TRUST_SCAN_RECURSIVE, NULL, 0, &l, err, sizeof(err)), 0);
	assert_non_null(find(&l, "generated/CLAUDE.md"));
	nono_trust_list_free(&l);
}

static void test_scan_gitignore(void **state)
{
	struct nono_trust_list l = {0};
	char err[512] = "";

	(void)state;
	mk(".gitignore", "# comment\n\nignored/\n*.tmp.md\n/CLAUDE.root.md\n"
			 "out/**\n");
	mk("CLAUDE.md", "a\n");
	mk("CLAUDE.tmp.md", "ignored by *.tmp.md\n");
	mk("CLAUDE.root.md", "anchored\n");
	mk("x/CLAUDE.root.md", "not the anchored one\n");
	mk("ignored/CLAUDE.md", "ignored dir\n");
	mk("out/deep/CLAUDE.md", "out/**\n");
	mk("sub/.gitignore", "CLAUDE.md\n");
	mk("sub/CLAUDE.md", "ignored by sub/.gitignore\n");
	mk("sub/keep/.gitignore", "!CLAUDE.md\n");
	mk("sub/keep/CLAUDE.md", "re-included\n");
	mk("sub/keep/AGENTS.md", "never ignored\n");

	assert_int_equal(
	    scan(NONO_TRUST_SCAN_RECURSIVE | NONO_TRUST_SCAN_GITIGNORE, NULL, 0,
		 &l, err, sizeof(err)),
	    0);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.v[0].path, "CLAUDE.md");
	assert_string_equal(l.v[1].path, "sub/keep/AGENTS.md");
	assert_string_equal(l.v[2].path, "sub/keep/CLAUDE.md");
	assert_string_equal(l.v[3].path, "x/CLAUDE.root.md");
	nono_trust_list_free(&l);
	/* The pre-exec scan does not read .gitignore: everything. */
	assert_int_equal(
	    scan(NONO_TRUST_SCAN_RECURSIVE, NULL, 0, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 9);
	nono_trust_list_free(&l);
}

static void test_scan_bounds(void **state)
{
	struct nono_trust_list l = {0};
	char rel[PATH_MAX] = "", err[512] = "";

	(void)state;
	/* 64 levels are fine, 65 are not. */
	for (int i = 0; i < 64; i++)
		strcat(rel, i ? "/d" : "d");
	strcat(rel, "/CLAUDE.md");
	mk(rel, "deep\n");
	assert_int_equal(
	    scan(NONO_TRUST_SCAN_RECURSIVE, NULL, 0, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 1);
	nono_trust_list_free(&l);
	*strrchr(rel, '/') = '\0';
	strcat(rel, "/d/CLAUDE.md");
	mk(rel, "too deep\n");
	assert_int_equal(
	    scan(NONO_TRUST_SCAN_RECURSIVE, NULL, 0, &l, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "deeper than 64 directories"));
	assert_non_null(strstr(err, "--skip-dir"));
	assert_int_equal(l.n, 0);
	assert_null(l.v);
	/* ... unless skipped. */
	{
		char *skip[] = {"d"};

		assert_int_equal(scan(NONO_TRUST_SCAN_RECURSIVE, skip, 1, &l,
				      err, sizeof(err)),
				 0);
		assert_int_equal(l.n, 0);
	}
}

/* In a child: a failed check exits with its line (cmocka's asserts would
 * jump back into the parent's harness). */
#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c))                                                      \
			_exit(__LINE__ & 0xff ? __LINE__ & 0xff : 1);          \
	} while (0)

/* mk() and scan() for the child: no cmocka there. */
static bool put_file(const char *rel, const char *content)
{
	char path[PATH_MAX], *slash;
	int fd;
	bool ok;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	slash = strrchr(path, '/');
	*slash = '\0';
	mkdir(path, 0755);
	*slash = '/';
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return false;
	ok = write(fd, content, strlen(content)) == (ssize_t)strlen(content);
	return close(fd) == 0 && ok;
}

static int child_scan(unsigned flags, struct nono_trust_list *l, char *err,
		      size_t errlen)
{
	struct nono_trust_policy p;
	int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC), r;

	if (fd < 0)
		return -2;
	nono_trust_policy_init_default(&p);
	r = nono_trust_scan(fd, &p, NULL, 0, flags, l, err, errlen);
	nono_trust_policy_free(&p);
	close(fd);
	return r;
}

/* What the scan does with what it cannot read, as an unprivileged user
 * (root reads everything: as root, the tree is given to nobody and the
 * checks run in a child that has become nobody). */
static void test_scan_unreadable(void **state)
{
	const uid_t nobody = 65534;
	bool as_root = geteuid() == 0;
	char path[PATH_MAX];
	int status;
	pid_t pid;

	(void)state;
	if (as_root) {
		/* Another user's unreadable directory: skipped, since the
		 * agent can neither read it nor chmod it. */
		mk("others/CLAUDE.md", "root's\n");
		snprintf(path, sizeof(path), "%s/others", root);
		assert_int_equal(chmod(path, 0700), 0);
		assert_int_equal(chown(root, nobody, nobody), 0);
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct nono_trust_list l = {0};
		char err[512] = "";

		if (as_root)
			CHECK(setgroups(0, NULL) == 0 &&
			      setresgid(nobody, nobody, nobody) == 0 &&
			      setresuid(nobody, nobody, nobody) == 0);
		CHECK(put_file("CLAUDE.md", "secret\n"));
		snprintf(path, sizeof(path), "%s/CLAUDE.md", root);
		CHECK(chmod(path, 0) == 0);
		CHECK(
		    child_scan(NONO_TRUST_SCAN_RECURSIVE | NONO_TRUST_SCAN_HASH,
			       &l, err, sizeof(err)) == 0);
		CHECK(l.n == 1);
		CHECK(l.v[0].flags == NONO_TRUST_FOUND_UNREADABLE);
		CHECK(l.v[0].sha256[0] == '\0');
		nono_trust_list_free(&l);
		/* A directory of ours that we cannot read: its owner (the
		 * agent's user) could chmod it and read on: the scan
		 * fails. */
		CHECK(put_file("locked/CLAUDE.md", "x\n"));
		snprintf(path, sizeof(path), "%s/locked", root);
		CHECK(chmod(path, 0) == 0);
		CHECK(child_scan(NONO_TRUST_SCAN_RECURSIVE, &l, err,
				 sizeof(err)) == -1);
		CHECK(strstr(err, "locked: cannot read the directory"));
		CHECK(strstr(err, "--skip-dir locked"));
		CHECK(chmod(path, 0755) == 0);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("child failed at line %d (mod 256)",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static void test_digest_cache(void **state)
{
	struct nono_trust_cache *c, *c2;
	struct nono_trust_list l = {0};
	struct nono_trust_policy p;
	struct stat st;
	char path[PATH_MAX], cpath[PATH_MAX], err[256] = "",
					      hex[NONO_SHA256_HEX];
	long long ctime_ns;
	int fd;

	(void)state;
	mk("CLAUDE.md", "cached\n");
	snprintf(path, sizeof(path), "%s/CLAUDE.md", root);
	assert_int_equal(stat(path, &st), 0);
	ctime_ns =
	    (long long)st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec;
	c = nono_trust_cache_new();
	assert_non_null(c);
	/* Racily clean: read within 2 s of the ctime. */
	assert_int_equal(
	    nono_trust_cache_put(c, &st, ctime_ns + 1000000000LL, D1), 0);
	assert_false(nono_trust_cache_get(c, &st, hex));
	assert_int_equal(
	    nono_trust_cache_put(c, &st, ctime_ns + 3000000000LL, D1), 0);
	assert_true(nono_trust_cache_get(c, &st, hex));
	assert_string_equal(hex, D1);
	assert_int_equal(nono_trust_cache_count(c), 1);
	assert_int_equal(nono_trust_cache_put(c, &st, 0, "xyz"), -EINVAL);
	/* The scan takes the cached digest (here a planted one, which is
	 * exactly why the cache must be private)... */
	fd = open(root, O_PATH | O_DIRECTORY);
	nono_trust_policy_init_default(&p);
	assert_int_equal(nono_trust_scan_cached(fd, NULL, &p, NULL, 0,
						NONO_TRUST_SCAN_HASH, c, &l,
						err, sizeof(err)),
			 0);
	assert_string_equal(l.v[0].sha256, D1);
	nono_trust_list_free(&l);
	/* ... until the file changes. */
	mk("CLAUDE.md", "changed\n");
	assert_int_equal(nono_trust_scan_cached(fd, NULL, &p, NULL, 0,
						NONO_TRUST_SCAN_HASH, c, &l,
						err, sizeof(err)),
			 0);
	hex_of("changed\n", hex);
	assert_string_equal(l.v[0].sha256, hex);
	nono_trust_list_free(&l);
	nono_trust_policy_free(&p);
	close(fd);

	/* Saved and loaded back; refused when others may write it;
	 * malformed or missing: empty. */
	snprintf(cpath, sizeof(cpath), "%s/state/digests", root);
	assert_int_equal(nono_trust_cache_save(c, cpath, err, sizeof(err)), 0);
	assert_int_equal(stat(cpath, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(nono_trust_cache_load(cpath, &c2, err, sizeof(err)),
			 0);
	assert_int_equal(nono_trust_cache_count(c2), 1); /* one inode */
	nono_trust_cache_free(c2);
	assert_int_equal(chmod(cpath, 0622), 0);
	assert_int_equal(nono_trust_cache_load(cpath, &c2, err, sizeof(err)),
			 -EPERM);
	assert_null(c2);
	assert_int_equal(chmod(cpath, 0600), 0);
	fd = open(cpath, O_WRONLY | O_APPEND);
	assert_int_equal(write(fd, "garbage\n", 8), 8);
	close(fd);
	assert_int_equal(nono_trust_cache_load(cpath, &c2, err, sizeof(err)),
			 0);
	assert_int_equal(nono_trust_cache_count(c2), 0);
	nono_trust_cache_free(c2);
	snprintf(cpath, sizeof(cpath), "%s/state/none", root);
	assert_int_equal(nono_trust_cache_load(cpath, &c2, err, sizeof(err)),
			 0);
	assert_int_equal(nono_trust_cache_count(c2), 0);
	nono_trust_cache_free(c2);
	nono_trust_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_upstream),
	    cmocka_unit_test(test_parse_refusals),
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_merge),
	    cmocka_unit_test(test_lookups),
	    cmocka_unit_test(test_patterns),
	    cmocka_unit_test(test_could_match_below),
	    cmocka_unit_test_setup_teardown(test_scan_tree, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scan_gitignore, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_scan_bounds, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scan_unreadable, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_digest_cache, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
