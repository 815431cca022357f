/* SPDX-License-Identifier: Apache-2.0 */
/* nono completions bash|zsh|fish: shell completion scripts. */
#ifndef NONO_CLI_CMD_COMPLETIONS_H
#define NONO_CLI_CMD_COMPLETIONS_H

int cmd_completions(int argc, char **argv);

#endif
