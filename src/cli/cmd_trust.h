/* SPDX-License-Identifier: Apache-2.0 */
/* nono trust keygen, export-key, init, sign, sign-policy, verify, list
 * (cmd_trust.c). */
#ifndef NONO_CLI_CMD_TRUST_H
#define NONO_CLI_CMD_TRUST_H

int cmd_trust(int argc, char **argv);

#endif
