// SPDX-License-Identifier: Apache-2.0
/*
 * The audit trail's reader and writer (audit/verify.c, audit/event.c), fed
 * a log as an attacker who can write ~/.nono/audit would leave it.
 * Properties checked, not only crashes:
 * - checking a log never reads past it, and the lines it accepts, checked
 *   again alone, verify to the same chain head and Merkle root;
 * - every event a line is accepted with is one JSON value that the full
 *   JSON parser accepts too (the fast validator is no looser);
 * - any bytes written as an event's string field make an event both
 *   validators accept, whose line, chained, verifies;
 * - base64 that decodes is canonical: it encodes back to itself;
 * - an ended record that loads writes back to a record that loads to the
 *   same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit/event.h"
#include "audit/log.h"
#include "audit/record.h"
#include "audit/verify.h"
#include "policy/json.h"
#include "util/base64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nono_audit_check c, c2;
	nono_hash anchor;
	const char *text = (const char *)data;
	char *copy;

	nono_audit_anchor("0123456789abcdef", &anchor);
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (nono_audit_check_log(copy, size, &anchor, false, &c) == 0 &&
	    c.lines > 0) {
		/* The accepted prefix alone gives the same result. */
		size_t cut = 0;

		for (uint64_t i = 0; i < c.lines; i++)
			cut = (size_t)((const char *)memchr(copy + cut, '\n',
							    size - cut) -
				       copy) +
			      1;
		if (nono_audit_check_log(copy, cut, &anchor, false, &c2) != 0 ||
		    !c2.ok || c2.lines != c.lines ||
		    memcmp(c2.head.b, c.head.b, 32) != 0 ||
		    memcmp(c2.root.b, c.root.b, 32) != 0)
			abort();
		/* Each accepted event is JSON for the full parser too. */
		for (const char *p = copy, *end = copy + cut; p < end;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			struct nono_audit_lineview v;
			struct nono_json *j = NULL;
			struct nono_json_error je;
			char why[160];

			if (nono_audit_parse_line(p, (size_t)(nl - p), &v, why,
						  sizeof(why)) != 0)
				abort();
			if (v.event_len < NONO_JSON_MAX_TEXT &&
			    !memchr(v.event, '\0', v.event_len)) {
				int r = nono_json_parse(v.event, v.event_len,
							&j, &je);

				/* Only its size limits (and its refusal of
				 * duplicate keys, which the bytes' hash makes
				 * moot here) may refuse what the validator
				 * took. */
				if (r < 0 && !strstr(je.msg, "too") &&
				    !strstr(je.msg, "duplicate") &&
				    !strstr(je.msg, "deep") &&
				    !strstr(je.msg, "many") &&
				    !strstr(je.msg, "long") &&
				    !strstr(je.msg, "NUL") &&
				    !strstr(je.msg, "\\u0000"))
					abort();
				nono_json_free(j);
			}
			p = nl + 1;
		}
	}
	free(copy);

	/* An ended record (what a later reader settles): one that loads
	 * writes back to text that loads again to the same text. */
	{
		struct nono_audit_rec r, r2;
		struct nono_ev t1 = {0}, t2 = {0};

		if (size < NONO_JSON_MAX_TEXT &&
		    nono_audit_rec_load(&r, text, size) == 0) {
			if (nono_audit_rec_text(&r, &t1) != 0 ||
			    nono_audit_rec_load(&r2, t1.buf, t1.len) != 0)
				abort();
			if (nono_audit_rec_text(&r2, &t2) != 0 ||
			    t1.len != t2.len || memcmp(t1.buf, t2.buf, t1.len))
				abort();
			nono_audit_rec_clear(&r);
			nono_audit_rec_clear(&r2);
			nono_ev_free(&t1);
			nono_ev_free(&t2);
		}
	}

	/* base64 (a bundle's payload and signature): what decodes
	 * encodes back to the same text (canonical form only). */
	{
		size_t n = 0;
		unsigned char *d = nono_b64_decode(text, size, &n);

		if (d) {
			char *back = nono_b64_encode(d, n);

			if (!back || strlen(back) != size ||
			    memcmp(back, text, size) != 0)
				abort();
			free(back);
			free(d);
		}
	}
	/* The input as a string field: the writer's output is valid. */
	{
		struct nono_ev e, line = {0};
		nono_hash leaf, head = anchor;
		struct nono_json *j = NULL;
		struct nono_json_error je;

		nono_ev_begin(&e, "fuzz");
		nono_ev_strn(&e, "data", text, size);
		if (nono_ev_end(&e) == 0) {
			if (nono_json_skip(e.buf, e.buf + e.len) !=
			    e.buf + e.len)
				abort();
			if (e.len < NONO_JSON_MAX_TEXT && size < 60000 &&
			    nono_json_parse(e.buf, e.len, &j, &je) < 0 &&
			    !strstr(je.msg, "\\u0000") &&
			    !strstr(je.msg, "NUL"))
				abort();
			nono_json_free(j);
			nono_merkle_leaf(e.buf, e.len, &leaf);
			nono_audit_line(&line, 1, &head, &leaf, e.buf, e.len);
			if (!line.oom &&
			    (nono_audit_check_log(line.buf, line.len, &anchor,
						  false, &c) != 0 ||
			     !c.ok || c.lines != 1 ||
			     memcmp(c.head.b, head.b, 32) != 0))
				abort();
		}
		nono_ev_free(&e);
		nono_ev_free(&line);
	}
	return 0;
}
