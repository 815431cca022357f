/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A session's audit record (session.json) and its entry in the ledger of
 * completed sessions.  The record is replaced atomically (a kill -9 leaves
 * the old one or the new one) and, once complete, fsync'd before its
 * digest goes into the ledger.
 */
#ifndef NONO_AUDIT_RECORD_H
#define NONO_AUDIT_RECORD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/sha256.h"

struct nono_audit_start;

struct nono_audit_rec {
	char id[17];
	bool integrity;
	bool complete;
	/* Ended, its final fields written, not yet in the ledger (state
	 * "ended"): completed by the next reader (nono_audit_settle). */
	bool ended_only;
	pid_t sup_pid;
	unsigned long long sup_start;
	char started[32], ended[32];
	char *command; /* JSON array (owned) */
	char *exe;     /* or NULL (owned) */
	char exe_sha256[NONO_SHA256_HEX];
	char *cwd, *profile; /* owned; profile may be NULL */
	char mode[8];
	char *tracked;   /* JSON array (owned) */
	char *redaction; /* JSON object or NULL (owned) */
	char policy_sha256[NONO_SHA256_HEX];
	int exit_code, signo;
	bool ran, write_error;
	uint64_t events;
	uint64_t dropped; /* events not written (ceiling, write error) */
	char chain_head[NONO_SHA256_HEX], merkle_root[NONO_SHA256_HEX];
	const char *fs_before, *fs_after; /* JSON objects, borrowed */
	long long ledger_index;           /* -1: not in the ledger */
	char ledger_root_before[NONO_SHA256_HEX];
	char ledger_error[200];
	/* --audit-sign-key: the signer (borrowed), and what it made. */
	struct nono_signer *signer;
	char att_bundle_sha256[NONO_SHA256_HEX];
	char att_error[240];
};

int nono_audit_rec_init(struct nono_audit_rec *r, const char *id,
			const struct nono_audit_start *s);
void nono_audit_rec_clear(struct nono_audit_rec *r);
/* @r from an ended record's text (state "ended"; its strings owned,
 * nono_audit_rec_clear frees them): 0, or -EINVAL (not one), -ENOMEM. */
int nono_audit_rec_load(struct nono_audit_rec *r, const char *text, size_t len);
/* The same from @j, @text (@len bytes) parsed already. */
struct nono_json;
int nono_audit_rec_from(struct nono_audit_rec *r, const struct nono_json *j,
			const char *text, size_t len);
/* session.json's text for @r into @e (empty on entry).  0 or -ENOMEM. */
struct nono_ev;
int nono_audit_rec_text(const struct nono_audit_rec *r, struct nono_ev *e);
/* Writes session.json in @dirfd (fsync'd when @sync).  0 or -errno. */
int nono_audit_rec_save(int dirfd, const struct nono_audit_rec *r, bool sync);
/* Marks @r complete, appends it to the ledger and writes the final
 * record, under the ledger's lock (@held: the caller's locked fd, or -1
 * to take it here).  @logfd (or -1): the session's log, made durable
 * (fdatasync) after the final record is staged and before the ledger
 * entry, so that its syncs overlap.  0 or -errno (the record is written
 * in any case). */
int nono_audit_rec_complete(int dirfd, struct nono_audit_rec *r, int held,
			    int logfd);
/* The ledger's lock in ~/.nono/audit (@rootfd), taken with flock @how
 * (LOCK_EX to append, LOCK_SH to read what is finished): the locked fd,
 * or -errno. */
int nono_audit_ledger_lock(int rootfd, int how);

#endif
