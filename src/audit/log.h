/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit trail of one supervised session, under ~/.nono/audit/<id>/
 * (0700): audit-events.ndjson, one event a line, and session.json, the
 * session's record.  With integrity (the default) each line carries its
 * sequence number, the previous chain head, the event's RFC 9162 leaf hash
 * and the new chain head, and the record the final head and the Merkle
 * root over the same leaves.  A completed session is appended to the
 * ledger (~/.nono/audit/ledger.ndjson), a chain and Merkle tree of
 * sessions in the same line format.  The formats: docs/audit.md.
 *
 * Durability: every event is written (one write(2), O_APPEND) before
 * nono_audit_emit() returns, so it survives the supervisor being killed;
 * a flusher thread fdatasync()s whatever was written since its last pass
 * (group commit), so a power cut loses at most the events of one pass.
 */
#ifndef NONO_AUDIT_LOG_H
#define NONO_AUDIT_LOG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "audit/event.h"
#include "audit/merkle.h"

#define NONO_AUDIT_EVENTS "audit-events.ndjson"
#define NONO_AUDIT_RECORD "session.json"
#define NONO_AUDIT_BUNDLE "audit-attestation.bundle"
#define NONO_AUDIT_LEDGER "ledger.ndjson"
#define NONO_AUDIT_LEDGER_LOCK "ledger.lock"
#define NONO_AUDIT_ID_LEN 16

/* What a session's record says at the start. */
struct nono_audit_start {
	const char *id; /* a session's id (16 hex digits), or NULL: a new one */
	bool integrity; /* hash chain and Merkle root (default on) */
	char *const *command; /* redacted argv, NULL-terminated */
	/* The executable: @exe when resolved already, else argv[0] looked
	 * up in @path (the command's PATH) off the start-up path. */
	const char *exe;
	const char *argv0, *path;
	const char *cwd;
	const char *profile;  /* or NULL */
	const char *mode;     /* "run", "shell" */
	char *const *tracked; /* writable paths */
	size_t ntracked;
	const char *redaction; /* JSON of a non-default policy, or NULL */
	/* JSON of the effective policy (required with @sync; otherwise it
	 * may come with nono_audit_set_policy). */
	const char *policy;
	size_t policy_len;
	/* Make the trail here, before the command runs, and fail if it
	 * cannot be made (a trail asked for by name).  Otherwise nothing
	 * is written before nono_audit_launch. */
	bool sync;
	/* The log's ceiling in bytes (0: 512 MiB); past it, and when the
	 * disk has less than 256 MiB free, events are counted, not
	 * written (an events_dropped marker says where). */
	unsigned long long max_bytes;
};

struct nono_audit;

/* ~/.nono/audit made if missing and checked (owner, no group or other
 * write); its path in @out.  0 or -errno (-EPERM: not private). */
int nono_audit_dir(char *out, size_t len);

/*
 * Starts the trail.  With @s->sync, the directory, the log, the record
 * (state running), the session_start and policy events and the flusher
 * thread are made here; otherwise by nono_audit_launch.  The executable's
 * digest (an event, and the final record) is taken by the flusher after
 * its first pass, or at the end.  0 and *@out, or -1 with a message in
 * @err.
 */
int nono_audit_begin(const struct nono_audit_start *s, struct nono_audit **out,
		     char *err, size_t errlen);
const char *nono_audit_id(const struct nono_audit *a);
const char *nono_audit_path(const struct nono_audit *a); /* its directory */

/* Records @e (ended with nono_ev_end; freed here in every case) at
 * priority NORMAL.  Thread safe.  0, or -errno when it could not be written
 * (remembered: the record then says the trail is incomplete). */
int nono_audit_emit(struct nono_audit *a, struct nono_ev *e);
/*
 * The default trail (not nono_audit_start.sync) is made off the command's
 * way: nono_audit_set_policy gives it the plan as JSON (@policy, @len,
 * taken over; nothing is written yet), nono_audit_launch starts the
 * flusher thread, which makes the directory, the log, the record and the
 * start events.  An event that comes first makes them in line; a session
 * that ends first has them made by nono_audit_finish.
 * nono_audit_launch: 0 or -errno (no thread: the events reach the disk at
 * the end).
 */
void nono_audit_set_policy(struct nono_audit *a, char *policy, size_t len);
/* The running record (supervisor pid and start time, command, state
 * running): for a default trail, written while the sandbox is being built
 * (nono_audit_begin makes and locks the directory only). */
void nono_audit_record(struct nono_audit *a);
int nono_audit_launch(struct nono_audit *a);

/* Priorities under the ceiling (NONO_AUDIT_MAX_MB): refusals, which the
 * command can make at will, are counted only past it; allowed network
 * decisions a quarter further; the session's own events always. */
enum {
	NONO_AUDIT_REFUSAL = 0,
	NONO_AUDIT_NORMAL = 1,
	NONO_AUDIT_ALWAYS = 2,
};
int nono_audit_emit_prio(struct nono_audit *a, struct nono_ev *e, int prio);
/* nono_audit_emit_prio(ALWAYS): its end, the trees' state... */
int nono_audit_emit_always(struct nono_audit *a, struct nono_ev *e);

/* Signs the session when it completes (--audit-sign-key); @s is
 * borrowed until nono_audit_finish. */
struct nono_signer;
void nono_audit_set_signer(struct nono_audit *a, struct nono_signer *s);

/* Filesystem-state roots (--audit-integrity), as JSON objects, for the
 * record; borrowed until nono_audit_finish. */
void nono_audit_set_fs(struct nono_audit *a, const char *before,
		       const char *after);

/*
 * Ends the trail: the session_end event (@status, @signo, @ran), the final
 * record, the ledger entry, everything fdatasync'd.  @err gets a message
 * when something could not be written (the return is then -1).  Frees @a.
 */
int nono_audit_finish(struct nono_audit *a, int status, int signo, bool ran,
		      char *err, size_t errlen);

/* What the writer measured (bench/bench-audit.sh). */
struct nono_audit_stats {
	uint64_t events;
	uint64_t flushes;     /* fdatasync passes */
	long long lag_max_us; /* longest wait of an event for its pass */
	long long lag_sum_us; /* over the passes, of their oldest event */
};
void nono_audit_get_stats(struct nono_audit *a, struct nono_audit_stats *s);

/* Chain anchors: the "prev" of a session's first event, and of the
 * ledger's first entry. */
void nono_audit_anchor(const char *id, nono_hash *out);
void nono_audit_ledger_anchor(nono_hash *out);

/* One line of the chained format into @e's buffer: ({"seq":N,"prev":..,
 * "leaf":..,"head":..,"event":EVENT}\n); updates *@head. */
void nono_audit_line(struct nono_ev *out, uint64_t seq, nono_hash *head,
		     const nono_hash *leaf, const char *event, size_t n);

#endif
