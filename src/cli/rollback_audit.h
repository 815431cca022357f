/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nono rollback verify, against the audit trail: every snapshot's
 * manifests have the Merkle roots the trail recorded for them
 * (rollback_snapshot events), and the trail itself verifies.
 */
#ifndef NONO_CLI_ROLLBACK_AUDIT_H
#define NONO_CLI_ROLLBACK_AUDIT_H

#include <stdio.h>

#include "rollback/session.h"

/*
 * Checks session @s's snapshot roots against the audit trail of the same
 * id, a line per finding on @f ("audit     ok|FAIL|none ...").  A session
 * without a trail (--no-audit) is said, not failed; a trail that does not
 * verify, a snapshot it records with other roots, or one of a complete
 * session it lacks, fails.  Returns how many failures.
 */
unsigned rollback_audit_check(const struct nono_rb_session *s, FILE *f);

#endif
