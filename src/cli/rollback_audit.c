// SPDX-License-Identifier: Apache-2.0
/* nono rollback verify against the audit trail (see rollback_audit.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/event.h"
#include "audit/log.h"
#include "audit/store.h"
#include "audit/verify.h"
#include "cli/output.h"
#include "cli/rollback_audit.h"
#include "policy/json.h"
#include "util/sha256.h"

/* The largest trail read (the recorder caps a session's log below). */
#define TRAIL_MAX ((size_t)1 << 32)

/* The roots of snapshot @n as the run wrote them in its event. */
static int expected_roots(const struct nono_rb_session *s, size_t n,
			  struct nono_ev *e)
{
	char hex[NONO_SHA256_HEX];

	nono_ev_put(e, ",\"roots\":[", 10);
	for (size_t i = 0; i < s->nroots; i++) {
		if (i)
			nono_ev_put(e, ",", 1);
		nono_ev_put(e, "{\"path\":", 8);
		nono_ev_quote(e, s->roots[i], strlen(s->roots[i]));
		nono_hex(s->snaps[n].roots[i], NONO_SHA256_LEN, hex);
		nono_ev_put(e, ",\"merkle_root\":\"", 16);
		nono_ev_put(e, hex, strlen(hex));
		nono_ev_put(e, "\"}", 2);
	}
	nono_ev_put(e, "]", 1);
	return e->oom ? -ENOMEM : 0;
}

/* One event: a rollback_snapshot of @s, its snapshot number in *@n. */
static bool snapshot_event(const struct nono_rb_session *s, const char *ev,
			   size_t len, long long *n)
{
	struct nono_json *j = NULL;
	struct nono_json_error je;
	const struct nono_json *t, *id, *k;
	bool yes = false;

	if (nono_json_parse(ev, len, &j, &je) < 0)
		return false;
	t = nono_json_get(j, "type");
	id = nono_json_get(j, "rollback_session");
	k = nono_json_get(j, "snapshot");
	if (t && t->type == NONO_JSON_STRING &&
	    strcmp(t->str, "rollback_snapshot") == 0 && id &&
	    id->type == NONO_JSON_STRING && strcmp(id->str, s->id) == 0 && k &&
	    k->type == NONO_JSON_NUMBER && k->is_int) {
		*n = k->integer;
		yes = true;
	}
	nono_json_free(j);
	return yes;
}

static void settle_warn(void *arg, const char *msg)
{
	(void)arg;
	out_warn("%s", msg);
}

unsigned rollback_audit_check(const struct nono_rb_session *s, FILE *f)
{
	char dir[PATH_MAX], *text = NULL, why[256];
	struct nono_audit_report rep;
	bool seen[NONO_RB_MAX_SNAPS] = {false};
	unsigned bad = 0;
	size_t len = 0;
	int dfd, r;

	if (nono_audit_dir(dir, sizeof(dir)) < 0 ||
	    strlen(dir) + 2 + strlen(s->id) >= sizeof(dir)) {
		fprintf(f, "audit     FAIL  ~/.nono/audit cannot be read\n");
		return 1;
	}
	strcat(dir, "/");
	strcat(dir, s->id);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0 && errno == ENOENT) {
		fprintf(f, "audit     none  no audit trail for this session "
			   "(recorded with --no-audit, or removed): its "
			   "roots are checked against session.json only\n");
		return 0;
	}
	if (dfd < 0) {
		fprintf(f, "audit     FAIL  %s: %s\n", dir, strerror(errno));
		return 1;
	}
	/* A supervisor killed while it was making its trail leaves none to
	 * check: said for a session that did not end, failed for one that
	 * did. */
	if (faccessat(dfd, NONO_AUDIT_EVENTS, F_OK, AT_SYMLINK_NOFOLLOW) < 0 &&
	    errno == ENOENT) {
		close(dfd);
		if (s->state == NONO_RB_COMPLETE) {
			fprintf(f, "audit     FAIL  %s/%s is missing\n", dir,
				NONO_AUDIT_EVENTS);
			return 1;
		}
		fprintf(f, "audit     note  the session did not end and its "
			   "audit trail was never begun\n");
		return 0;
	}
	/* As nono audit does: sessions that ended since the last reader
	 * go in the ledger first. */
	nono_audit_settle_all(settle_warn, NULL);
	memset(&rep, 0, sizeof(rep));
	r = nono_audit_verify(s->id, &rep);
	if (r < 0 || !rep.ok) {
		fprintf(f,
			"audit     FAIL  the audit trail does not verify (see "
			"nono audit verify %s)\n",
			s->id);
		nono_audit_report_clear(&rep);
		close(dfd);
		return 1;
	}
	nono_audit_report_clear(&rep);
	r = nono_audit_read_file(dfd, NONO_AUDIT_EVENTS, TRAIL_MAX, &text,
				 &len);
	close(dfd);
	if (r < 0) {
		fprintf(f, "audit     FAIL  %s/%s: %s\n", dir,
			NONO_AUDIT_EVENTS, strerror(-r));
		return 1;
	}
	for (const char *p = text, *end = text + len; p < end && !bad;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct nono_audit_lineview v;
		long long n = -1;

		if (!nl)
			break; /* a last line cut short: verify said so */
		if (nono_audit_parse_line(p, (size_t)(nl - p), &v, why,
					  sizeof(why)) == 0 &&
		    snapshot_event(s, v.event, v.event_len, &n)) {
			struct nono_ev want = {0};

			if (n < 0 || (size_t)n >= s->nsnaps) {
				fprintf(f,
					"audit     FAIL  the trail records "
					"snapshot %lld, which the session does "
					"not have\n",
					n);
				bad++;
			} else if (expected_roots(s, (size_t)n, &want) < 0 ||
				   !memmem(v.event, v.event_len, want.buf,
					   want.len)) {
				fprintf(f,
					"audit     FAIL  snapshot %lld: the "
					"audit trail recorded other Merkle "
					"roots (the session's record or "
					"manifests were changed)\n",
					n);
				bad++;
			} else {
				seen[n] = true;
			}
			nono_ev_free(&want);
		}
		p = nl + 1;
	}
	free(text);
	for (size_t n = 0; !bad && n < s->nsnaps; n++) {
		if (seen[n])
			continue;
		/* A supervisor killed between recording a snapshot and
		 * writing its event leaves it out: said, not failed. */
		if (s->state == NONO_RB_COMPLETE) {
			fprintf(f,
				"audit     FAIL  snapshot %zu is not in the "
				"audit trail\n",
				n);
			bad++;
		} else {
			fprintf(f,
				"audit     note  snapshot %zu is not in the "
				"audit trail (the session did not end)\n",
				n);
		}
	}
	if (!bad)
		fprintf(f,
			"audit     ok    the audit trail verifies and records "
			"these roots\n");
	return bad;
}
