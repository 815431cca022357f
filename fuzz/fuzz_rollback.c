// SPDX-License-Identifier: Apache-2.0
/*
 * Rollback manifests and scopes (rollback/manifest.c, scope.c), fed as an
 * attacker who can write ~/.nono/rollback would leave them.  Properties
 * checked, not only crashes:
 * - a manifest that parses writes back byte for byte, with the same
 *   Merkle root, and every path in it is canonical (no "..", no leading
 *   or trailing slash): a restore never leaves its root through one;
 * - percent-decoding what the encoder wrote gives the bytes back;
 * - a scope read from JSON writes back to JSON that reads the same;
 * - a delta object's header that parses (the input as the whole object)
 *   has parts that add up to its size, within the largest file stored;
 * - a delta that applies to a fixed base makes a manifest whose own
 *   delta against that base applies to the same manifest again, of the
 *   base's version (a version-1 base, a version-2 one, which records
 *   group owners, and a version-3 one, which records owners too: a delta
 *   of another version is refused).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/json.h"
#include "rollback/manifest.h"
#include "rollback/objects.h"
#include "rollback/scope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char BASE[] =
    "nono-rollback-manifest 1 /t\n"
    "d 0755 0 0 - - . - -\n"
    "f 0644 2 5 "
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 1 a - "
    "-\n"
    "d 0700 0 -3 - - b - -\n"
    "f 0600 2 5 "
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 1 b/h "
    "- -\n"
    "l 0777 0 9 - - c x%20y -\n"
    "u 0644 0 1 - - p fifo -\n";

static const char BASE2[] =
    "nono-rollback-manifest 2 /t\n"
    "d 0755 1000 0 0 - - . - -\n"
    "f 0644 27 2 5 "
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 1 a - "
    "-\n"
    "d 0700 1000 0 -3 - - b - -\n"
    "f 0600 27 2 5 "
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 1 b/h "
    "- -\n"
    "l 0777 1000 0 9 - - c x%20y -\n"
    "u 0644 - 0 1 - - p unreadable -\n";

static const char BASE3[] =
    "nono-rollback-manifest 3 /t\n"
    "d 0755 0 1000 0 0 - - . - -\n"
    "f 4755 65534 27 2 5 "
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 1 a - "
    "-\n"
    "d 0700 1000 1000 0 -3 - - b - -\n"
    "f 0600 65534 27 2 5 "
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 1 b/h "
    "- -\n"
    "l 0777 - 1000 0 9 - - c x%20y -\n"
    "u 0644 - - 0 1 - - p unreadable -\n";

static void delta_roundtrip(const char *b, size_t blen, const uint8_t *data,
			    size_t size)
{
	struct nono_rb_manifest base, m, m2;
	struct nono_ev d = {0}, t1 = {0}, t2 = {0};
	uint8_t r[NONO_SHA256_LEN], r2[NONO_SHA256_LEN];
	size_t line;
	char why[160];

	if (nono_rb_manifest_parse(b, blen, &base, NULL, &line, why,
				   sizeof(why)) != 0)
		abort();
	if (nono_rb_manifest_apply(&base, (const char *)data, size, &m, r,
				   &line, why, sizeof(why)) == 0) {
		if (m.version != base.version ||
		    nono_rb_manifest_delta(&base, &m, &d, r2) != 0 ||
		    memcmp(r, r2, sizeof(r)) != 0 ||
		    nono_rb_manifest_apply(&base, d.buf, d.len, &m2, r2, &line,
					   why, sizeof(why)) != 0 ||
		    memcmp(r, r2, sizeof(r)) != 0)
			abort();
		if (nono_rb_manifest_text(&m, &t1, NULL) != 0 ||
		    nono_rb_manifest_text(&m2, &t2, NULL) != 0 ||
		    t1.len != t2.len || memcmp(t1.buf, t2.buf, t1.len) != 0)
			abort();
		nono_rb_manifest_free(&m2);
		nono_rb_manifest_free(&m);
	}
	nono_ev_free(&d);
	nono_ev_free(&t1);
	nono_ev_free(&t2);
	nono_rb_manifest_free(&base);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nono_rb_manifest m;

	struct nono_rb_delta dh;

	if (nono_rb_delta_parse(data, size, size, &dh) == 0 &&
	    (dh.prefix + dh.suffix + dh.literal != dh.size ||
	     dh.literal != size - NONO_RB_DELTA_HDR ||
	     dh.size > NONO_RB_MAX_FILE))
		abort();
	delta_roundtrip(BASE, sizeof(BASE) - 1, data, size);
	delta_roundtrip(BASE2, sizeof(BASE2) - 1, data, size);
	delta_roundtrip(BASE3, sizeof(BASE3) - 1, data, size);
	uint8_t r1[NONO_SHA256_LEN], r2[NONO_SHA256_LEN];
	size_t line;
	char why[160];

	if (nono_rb_manifest_parse((const char *)data, size, &m, r1, &line, why,
				   sizeof(why)) == 0) {
		struct nono_ev t = {0};

		if (nono_rb_manifest_text(&m, &t, r2) == 0) {
			if (t.len != size || memcmp(t.buf, data, size) != 0 ||
			    memcmp(r1, r2, sizeof(r1)) != 0)
				abort();
		}
		for (size_t i = 0; i < m.n; i++) {
			const char *p = m.e[i].path;

			if (p[0] == '/' || strstr(p, "/../") ||
			    strncmp(p, "../", 3) == 0 || strcmp(p, "..") == 0 ||
			    (strlen(p) > 1 && p[strlen(p) - 1] == '/'))
				abort();
		}
		nono_ev_free(&t);
		nono_rb_manifest_free(&m);
	}
	{
		struct nono_ev e = {0};
		char *back = NULL;
		size_t blen = 0;

		nono_rb_pct_encode(&e, (const char *)data,
				   strnlen((const char *)data, size));
		if (!e.oom && e.buf &&
		    nono_rb_pct_decode(e.buf, e.len, &back, &blen) == 0) {
			if (blen != strnlen((const char *)data, size) ||
			    memcmp(back, data, blen) != 0)
				abort();
			free(back);
		}
		nono_ev_free(&e);
	}
	{
		struct nono_json *j = NULL;
		struct nono_json_error je;
		struct nono_rb_scope s, s2;

		if (nono_json_parse((const char *)data, size, &j, &je) == 0 &&
		    nono_rb_scope_from_json(j, &s) == 0) {
			struct nono_ev o = {0}, o2 = {0};
			struct nono_json *j2 = NULL;

			if (nono_rb_scope_json(&s, &o) == 0 &&
			    nono_json_parse(o.buf, o.len, &j2, &je) == 0 &&
			    nono_rb_scope_from_json(j2, &s2) == 0) {
				if (nono_rb_scope_json(&s2, &o2) != 0 ||
				    o.len != o2.len ||
				    memcmp(o.buf, o2.buf, o.len) != 0)
					abort();
				nono_rb_scope_free(&s2);
			}
			nono_json_free(j2);
			nono_ev_free(&o);
			nono_ev_free(&o2);
			nono_rb_scope_free(&s);
		}
		nono_json_free(j);
	}
	return 0;
}
