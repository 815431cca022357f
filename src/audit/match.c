// SPDX-License-Identifier: Apache-2.0
/* A session's record against its own log (see match.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "audit/log.h"
#include "audit/match.h"
#include "audit/verify.h"
#include "policy/json.h"

/* A value that is absent counts as @dflt's (null, 0). */
static bool same_or(const struct nono_json *a, const struct nono_json *b,
		    const struct nono_json *dflt)
{
	return nono_json_equal(a ? a : dflt, b ? b : dflt);
}

/* The event of @type in the log, parsed (*@ev, or NULL when the log has
 * none): 0, or -1 when it is there more than once or cannot be read. */
static int find_event(const char *text, size_t len, const char *type,
		      struct nono_json **ev)
{
	char pat[64], why[160];
	const char *p, *q, *ls, *le, *end = text + len;
	struct nono_audit_lineview v;
	struct nono_json_error je;
	size_t pl;

	*ev = NULL;
	/* Inside a string a quote is escaped: this can only be a line's
	 * own event member. */
	pl = (size_t)snprintf(pat, sizeof(pat), ",\"event\":{\"type\":\"%s\"",
			      type);
	p = memmem(text, len, pat, pl);
	if (!p)
		return 0;
	q = memmem(p + pl, (size_t)(end - p - (ptrdiff_t)pl), pat, pl);
	if (q)
		return -1;
	ls = p;
	while (ls > text && ls[-1] != '\n')
		ls--;
	le = memchr(p, '\n', (size_t)(end - p));
	if (!le)
		le = end;
	if (nono_audit_parse_line(ls, (size_t)(le - ls), &v, why, sizeof(why)) <
		0 ||
	    nono_json_parse(v.event, v.event_len, ev, &je) < 0)
		return -1;
	return 0;
}

bool nono_audit_record_matches(const char *text, size_t len,
			       const struct nono_json *rec, char *why,
			       size_t whylen)
{
	static const struct nono_json jnull = {.type = NONO_JSON_NULL};
	static const struct nono_json jzero = {.type = NONO_JSON_NUMBER,
					       .is_int = true};
	struct nono_json *ss = NULL, *pol = NULL, *exe = NULL, *se = NULL;
	const struct nono_json *x = nono_json_get(rec, "executable");
	const char *bad = NULL;
	bool ok = false;

	if (find_event(text, len, "session_start", &ss) < 0 || !ss)
		bad = "the log's session_start event (missing, or twice)";
	else if (find_event(text, len, "policy", &pol) < 0)
		bad = "the log's policy event (twice, or unreadable)";
	else if (find_event(text, len, "executable", &exe) < 0)
		bad = "the log's executable event (twice, or unreadable)";
	else if (find_event(text, len, "session_end", &se) < 0 || !se)
		bad = "the log's session_end event (missing, or twice)";
	else if (!x || x->type != NONO_JSON_OBJECT)
		bad = "the record's executable";
	else if (!nono_json_equal(nono_json_get(ss, "session"),
				  nono_json_get(rec, "id")))
		bad = "the record's id";
	else if (!nono_json_equal(nono_json_get(ss, "mode"),
				  nono_json_get(rec, "mode")))
		bad = "the record's mode";
	else if (!nono_json_equal(nono_json_get(ss, "command"),
				  nono_json_get(rec, "command")))
		bad = "the record's command";
	else if (!nono_json_equal(nono_json_get(ss, "executable"),
				  nono_json_get(x, "path")))
		bad = "the record's executable path";
	else if (!nono_json_equal(nono_json_get(ss, "cwd"),
				  nono_json_get(rec, "cwd")))
		bad = "the record's cwd";
	else if (!nono_json_equal(nono_json_get(ss, "profile"),
				  nono_json_get(rec, "profile")))
		bad = "the record's profile";
	else if (!nono_json_equal(nono_json_get(ss, "supervisor_pid"),
				  nono_json_get(rec, "supervisor_pid")))
		bad = "the record's supervisor_pid";
	else if (!nono_json_equal(nono_json_get(ss, "tracked_paths"),
				  nono_json_get(rec, "tracked_paths")))
		bad = "the record's tracked_paths";
	else if (!same_or(nono_json_get(ss, "redaction"),
			  nono_json_get(rec, "redaction"), &jnull))
		bad = "the record's redaction";
	else if (pol ? !nono_json_equal(nono_json_get(pol, "sha256"),
					nono_json_get(rec, "policy_sha256"))
		     : !nono_json_get(rec, "policy_sha256") ||
			   nono_json_get(rec, "policy_sha256")->len != 0)
		bad = "the record's policy_sha256";
	else if (exe ? !nono_json_equal(nono_json_get(exe, "path"),
					nono_json_get(x, "path")) ||
			   !nono_json_equal(nono_json_get(exe, "sha256"),
					    nono_json_get(x, "sha256"))
		     : !same_or(nono_json_get(x, "sha256"), NULL, &jnull))
		bad = "the record's executable digest";
	else if (!nono_json_equal(nono_json_get(se, "ran"),
				  nono_json_get(rec, "ran")))
		bad = "the record's ran";
	else if (!nono_json_equal(nono_json_get(se, "exit_code"),
				  nono_json_get(rec, "exit_code")))
		bad = "the record's exit code";
	else if (!same_or(nono_json_get(se, "signal"),
			  nono_json_get(rec, "signal"), &jnull))
		bad = "the record's signal";
	else if (!same_or(nono_json_get(se, "events_dropped"),
			  nono_json_get(rec, "events_dropped"), &jzero))
		bad = "the record's events_dropped";
	else {
		const struct nono_json *st = nono_json_get(rec, "started");
		const struct nono_json *en = nono_json_get(rec, "ended");
		const struct nono_json *t0 = nono_json_get(ss, "time");
		const struct nono_json *t1 = nono_json_get(se, "time");

		/* The session ran between its times (RFC 3339 UTC, the same
		 * width: they compare as strings). */
		if (!st || !en || !t0 || !t1 || st->type != NONO_JSON_STRING ||
		    en->type != NONO_JSON_STRING ||
		    t0->type != NONO_JSON_STRING ||
		    t1->type != NONO_JSON_STRING ||
		    strcmp(st->str, t0->str) > 0 ||
		    strcmp(en->str, t1->str) < 0)
			bad = "the record's started or ended time";
		else
			ok = true;
	}
	if (!ok)
		snprintf(why, whylen, "%s is not what the log's own events say",
			 bad);
	nono_json_free(ss);
	nono_json_free(pol);
	nono_json_free(exe);
	nono_json_free(se);
	return ok;
}
