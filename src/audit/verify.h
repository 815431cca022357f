/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading the audit trail back: one line of the chained format, checked
 * for its exact layout (what nono writes, nothing else), and whole logs
 * and the ledger verified (chain, leaves, Merkle root, records).
 * Everything here reads untrusted bytes.
 */
#ifndef NONO_AUDIT_VERIFY_H
#define NONO_AUDIT_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/merkle.h"

/* One line, without its newline. */
struct nono_audit_lineview {
	uint64_t seq;
	bool chained; /* prev/leaf/head present */
	/* Their 64 characters in the line (checked against the values the
	 * reader computes, which are lower-case hex: anything else differs). */
	const char *prev, *leaf, *head;
	const char *event; /* the exact event bytes */
	size_t event_len;
};

/* End of the JSON value at @p (before @end), or NULL when it is not one
 * valid JSON value (strings must be valid UTF-8, depth at most 64). */
const char *nono_json_skip(const char *p, const char *end);

/* Parses one line (@n bytes, no newline).  0, or -1 with what is wrong in
 * @why. */
int nono_audit_parse_line(const char *line, size_t n,
			  struct nono_audit_lineview *v, char *why,
			  size_t whylen);

/* The result of checking one log. */
struct nono_audit_check {
	uint64_t lines;    /* complete lines that verified */
	bool partial_tail; /* a last line without its newline */
	bool chained;      /* the log has integrity fields */
	nono_hash head;    /* chain head after the last good line */
	nono_hash root;    /* Merkle root over the good lines' leaves */
	bool ok;           /* no bad line */
	uint64_t bad_line; /* 1-based, when !ok */
	char why[256];     /* when !ok */
	nono_hash *leaves; /* when asked for (caller frees) */
};

/*
 * Checks @text (@len bytes: a log of the chained or plain format) whose
 * first prev is @anchor.  @keep_leaves: fill c->leaves.  Returns 0 (see
 * c->ok), or -ENOMEM.
 */
int nono_audit_check_log(const char *text, size_t len, const nono_hash *anchor,
			 bool keep_leaves, struct nono_audit_check *c);

/* Reads a whole file of @dirfd (at most @max bytes) into *@out (NUL
 * added; free()).  0 or -errno (-EFBIG above @max). */
int nono_audit_read_file(int dirfd, const char *name, size_t max, char **out,
			 size_t *len);

/* Maps a whole file of @dirfd read-only (*@out, *@len; "" for an empty
 * one): 0 or -errno.  A file cut short while mapped raises SIGBUS on
 * access: the caller guards the reading. */
int nono_audit_map_file(int dirfd, const char *name, const char **out,
			size_t *len);
void nono_audit_unmap(const char *p, size_t len);

#endif
