/* SPDX-License-Identifier: Apache-2.0 */
/* nono rollback: the sessions nono run --rollback recorded (list, show),
 * putting a tree back (restore), checking the store (verify), and
 * removing old sessions and the objects no one needs (cleanup). */
#ifndef NONO_CLI_CMD_ROLLBACK_H
#define NONO_CLI_CMD_ROLLBACK_H

int cmd_rollback(int argc, char **argv);

#endif
