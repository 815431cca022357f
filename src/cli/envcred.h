/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Environment credentials (--env-credential, --env-credential-map, a
 * profile's env_credentials): secrets loaded before the sandbox exists and
 * handed to the command as variables.
 */
#ifndef NONO_CLI_ENVCRED_H
#define NONO_CLI_ENVCRED_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/args.h"
#include "policy/profile.h"

struct cli_envcred;

/*
 * Collects the credentials of @p (NULL: no profile) and of @o, and checks
 * each reference's syntax and each variable name; nothing is loaded.  A
 * flag's variable replaces the profile's of the same name; two flags (or
 * two profile entries) naming one variable are an error.  @proxy_mode:
 * the proxy's variables (HTTP_PROXY...) are nono's then and refused.
 * Returns 0 with *@out (NULL when there are none; free with
 * cli_envcred_free), or -1 with one line in @err.
 */
int cli_envcred_plan(const struct run_opts *o, const struct nono_profile *p,
		     bool proxy_mode, struct cli_envcred **out, char *err,
		     size_t errlen) __attribute__((warn_unused_result));

/* --dry-run: one line per variable with its reference, never a value. */
void cli_envcred_print(const struct cli_envcred *e);

/* Whether a planned credential goes into variable @var. */
bool cli_envcred_has(struct cli_envcred *e, const char *var);

/*
 * Loads every secret into its "VAR=value" entry (locked memory; each
 * secret itself is wiped as soon as it is copied).  Returns 0, or -1 with
 * one line in @err naming the first reference that failed.
 */
int cli_envcred_load(struct cli_envcred *e, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/*
 * Puts the loaded entries into *@env (a malloc'd NULL-terminated array,
 * possibly moved), replacing variables of the same name.  The entries stay
 * owned by @e: wipe them only once the command has exec'd.  Returns 0, or
 * -ENOMEM with *@env unchanged.
 */
int cli_envcred_apply(struct cli_envcred *e, char ***env)
    __attribute__((warn_unused_result));

/* Wipes the loaded entries (explicit_bzero); idempotent, NULL is fine. */
void cli_envcred_wipe(struct cli_envcred *e);

/* Wipes and frees; NULL is fine. */
void cli_envcred_free(struct cli_envcred *e);

#endif
