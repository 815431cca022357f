/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sessions of ~/.nono/audit: listed, found by id or unique prefix, and
 * verified whole (events, record, ledger).  Reads untrusted files only.
 */
#ifndef NONO_AUDIT_STORE_H
#define NONO_AUDIT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/log.h"

enum nono_audit_state {
	NONO_AUDIT_COMPLETE,
	NONO_AUDIT_RUNNING,
	NONO_AUDIT_INCOMPLETE, /* its supervisor died before the end */
	NONO_AUDIT_UNREADABLE, /* no readable record */
	/* Ended, not yet in the ledger (nono_audit_settle_all could not
	 * add it: see its warning). */
	NONO_AUDIT_ENDED,
};

struct nono_audit_entry {
	char id[NONO_AUDIT_ID_LEN + 1];
	enum nono_audit_state state;
	char started[32], ended[32];
	int exit_code; /* when complete */
	bool has_exit;
	uint64_t events;
	char command[256]; /* its words, for a table */
	long long mtime;   /* of the directory, for cleanup */
};

/* Every session, newest first (*@out: free()).  0 or -errno. */
int nono_audit_list(struct nono_audit_entry **out, size_t *n);
const char *nono_audit_state_name(enum nono_audit_state s);

/* The session @key names (id or unique prefix): 0 and @id; -ENOENT or
 * -EEXIST (ambiguous) with a message in @err. */
int nono_audit_find(const char *key, char id[NONO_AUDIT_ID_LEN + 1], char *err,
		    size_t errlen);

/* One check of a verification. */
struct nono_audit_verdict {
	const char *check; /* "record", "events", "root", "ledger", ... */
	bool ok;
	char detail[320];
};

#define NONO_AUDIT_MAX_VERDICTS 12

struct nono_audit_report {
	char id[NONO_AUDIT_ID_LEN + 1];
	enum nono_audit_state state;
	uint64_t events;
	char merkle_root[NONO_SHA256_HEX];
	bool ok; /* every check passed */
	struct nono_audit_verdict v[NONO_AUDIT_MAX_VERDICTS];
	size_t nv;
	/* What the signature check needs (audit-attestation.bundle). */
	char chain_head[NONO_SHA256_HEX];
	long long ledger_index;
	char ledger_root_after[NONO_SHA256_HEX];
	/* Computed from the ledger itself: the root over the entries
	 * before this session's (a signed statement must name it). */
	char ledger_root_before[NONO_SHA256_HEX];
	/* The record that was verified: session.json, or the staged final
	 * record of an interrupted end. */
	char record_name[64];
	uint64_t ledger_size;
	nono_hash *ledger_leaves; /* owned: nono_audit_report_clear() */
};

/* Verifies session @id: 0 with @r filled (r->ok), or -errno when the
 * session cannot be read at all. */
int nono_audit_verify(const char *id, struct nono_audit_report *r);
void nono_audit_report_clear(struct nono_audit_report *r);
/* Adds a verdict to @r (r->ok falls on a failed one). */
void nono_audit_report_add(struct nono_audit_report *r, const char *check,
			   bool ok, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * Completes the sessions that ended without their ledger entry (the
 * default end leaves it to the next reader, off the command's way): each
 * one's final record staged, its entry appended, the record put in place,
 * as nono_audit_finish would have.  @warn (may be NULL) hears, one line
 * each, why a session could not be added.  0 or -errno (~/.nono/audit).
 */
int nono_audit_settle_all(void (*warn)(void *arg, const char *msg), void *arg);

/* Removes session @id's directory.  0 or -errno. */
int nono_audit_remove(const char *id);

#endif
