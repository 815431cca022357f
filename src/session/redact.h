/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The redaction policy for what nono persists about a command (session
 * records, logs, later the audit trail): the values of secret-bearing
 * flags (--token X, --password=X), of secret headers (-H "Authorization:
 * Bearer X"), of secret URL query keys (?access_token=X) and URL passwords
 * (https://user:X@host), and of NAME=value arguments whose NAME says
 * secret (GITHUB_TOKEN=X), become "[REDACTED]".  The defaults can be
 * extended from config.toml's [redaction] section; turning a default off
 * needs unsafe_redaction_overrides = true.
 */
#ifndef NONO_SESSION_REDACT_H
#define NONO_SESSION_REDACT_H

#include <stdbool.h>
#include <stddef.h>

#define NONO_REDACTED "[REDACTED]"

struct nono_redact_policy {
	/* [redaction] extra_flags: more flag names ("--private-token"). */
	char *const *extra_flags;
	size_t n_extra_flags;
	/* extra_headers: more header names ("Private-Token"), any case. */
	char *const *extra_headers;
	size_t n_extra_headers;
	/* extra_query_keys: more URL query keys ("sig"). */
	char *const *extra_query_keys;
	size_t n_extra_query_keys;
	/* allow_unredacted_defaults: default names (flags without dashes,
	 * headers, query keys) left in clear, honoured only with
	 * unsafe_overrides. */
	char *const *allow_unredacted;
	size_t n_allow_unredacted;
	bool unsafe_overrides;
};

/*
 * A redacted copy of @argv (NULL-terminated), allocated as one block the
 * caller frees with free() (the strings live inside it); NULL only when
 * out of memory.  @p may be NULL (the defaults).  Arguments are taken as
 * opaque bytes: invalid UTF-8 and very long values are handled.
 */
char **nono_redact_argv(char *const *argv, const struct nono_redact_policy *p);

/* True when @p is the defaults (NULL, or no extras and no override that
 * takes effect): a record notes a policy that is not. */
bool nono_redact_is_default(const struct nono_redact_policy *p);

#endif
