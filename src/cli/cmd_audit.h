/* SPDX-License-Identifier: Apache-2.0 */
/* nono audit list, show, verify, cleanup (cmd_audit.c). */
#ifndef NONO_CLI_CMD_AUDIT_H
#define NONO_CLI_CMD_AUDIT_H

/* argv[0] is "audit"; the exit status. */
int cmd_audit(int argc, char **argv);

#endif
