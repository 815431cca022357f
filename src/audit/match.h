/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A session's record against its own log: what session.json says of the
 * session (command, executable, cwd, profile, tracked paths, redaction,
 * policy and executable digests, how it ended) must be what the log's
 * session_start, policy, executable and session_end events say, each of
 * which is in the log once.  The ledger binds the record once a session is
 * in it; this binds it to the log before (a session settled by a later
 * reader) and is part of every verification.
 */
#ifndef NONO_AUDIT_MATCH_H
#define NONO_AUDIT_MATCH_H

#include <stdbool.h>
#include <stddef.h>

struct nono_json;

/* Whether @rec (a parsed final record) matches the log @text (@len
 * bytes); @why names the first field that does not. */
bool nono_audit_record_matches(const char *text, size_t len,
			       const struct nono_json *rec, char *why,
			       size_t whylen);

#endif
