/* SPDX-License-Identifier: Apache-2.0 */
/* nono rollback: the sessions nono run --rollback recorded (list, show),
 * putting a tree back (restore), checking the store (verify), and
 * removing old sessions and the objects no one needs (cleanup). */
#ifndef NONO_CLI_CMD_ROLLBACK_H
#define NONO_CLI_CMD_ROLLBACK_H

#include <stdbool.h>

int cmd_rollback(int argc, char **argv);

/* Removes the ended sessions beyond the newest @keep or older than @older
 * seconds (-1: no such limit), then, when no session with --rollback is
 * running, the objects no kept session needs.  @quiet: no report but
 * warnings (the retention run after a session).  The number of sessions
 * removed, or -1 (said). */
int rollback_cleanup(long long keep, long long older, bool dry, bool quiet);

#endif
