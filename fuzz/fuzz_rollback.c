// SPDX-License-Identifier: Apache-2.0
/*
 * Rollback manifests and scopes (rollback/manifest.c, scope.c), fed as an
 * attacker who can write ~/.nono/rollback would leave them.  Properties
 * checked, not only crashes:
 * - a manifest that parses writes back byte for byte, with the same
 *   Merkle root, and every path in it is canonical (no "..", no leading
 *   or trailing slash): a restore never leaves its root through one;
 * - percent-decoding what the encoder wrote gives the bytes back;
 * - a scope read from JSON writes back to JSON that reads the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/json.h"
#include "rollback/manifest.h"
#include "rollback/scope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nono_rb_manifest m;
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
