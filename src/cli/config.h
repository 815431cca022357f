/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bounded parser for nono's user config file (~/.config/nono/config.toml).
 * It accepts a strict TOML subset: comments, [section] headers, basic and
 * literal strings, booleans, whole numbers and arrays of strings.  Only the
 * sections and keys of struct nono_config are known; anything else is an error
 * with a line number, never a warning.
 */
#ifndef NONO_CLI_CONFIG_H
#define NONO_CLI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

/* Ceiling on the size of the whole file, in bytes. */
#define NONO_CONFIG_MAX_BYTES (256 * 1024)
/* Ceiling on the number of items of one array. */
#define NONO_CONFIG_MAX_LIST 256
/* Ceiling on one decoded string value, in bytes (without the NUL). */
#define NONO_CONFIG_MAX_STRING 4096

/*
 * The parsed config.  Every string is NUL-terminated valid UTF-8 without
 * NUL or other control characters except those written as \t or \n.  Unset
 * strings are NULL, unset arrays are NULL with a count of 0.  Owned by the
 * struct: release with nono_config_clear().
 */
struct nono_config {
	char *ui_theme;               /* [ui] theme */
	char *ui_detach_sequence;     /* [ui] detach_sequence ("ctrl-] d") */
	char **redaction_extra_flags; /* [redaction] extra_flags */
	size_t n_redaction_extra_flags;
	char **redaction_extra_headers; /* [redaction] extra_headers */
	size_t n_redaction_extra_headers;
	char **redaction_extra_query_keys; /* [redaction] extra_query_keys */
	size_t n_redaction_extra_query_keys;
	bool redaction_unsafe_overrides;   /* unsafe_redaction_overrides */
	char **redaction_allow_unredacted; /* allow_unredacted_defaults */
	size_t n_redaction_allow_unredacted;
	/* [rollback] retention, applied after each session with --rollback:
	 * keep the newest @rollback_keep sessions (when set) and none
	 * older than @rollback_older_than ("30d", "12h"; NULL: unset). */
	bool rollback_keep_set;
	long long rollback_keep;
	char *rollback_older_than;
};

/*
 * Parses the @len bytes at @buf (need not be NUL-terminated; @buf may be NULL
 * when @len is 0).  *cfg is zeroed on entry and filled only on success; the
 * caller then frees it with nono_config_clear().
 *
 * Returns 0, -NONO_EPARSE (malformed or unknown content), -NONO_ETOOBIG
 * (@len over NONO_CONFIG_MAX_BYTES), -ENOMEM, or -EINVAL (@cfg NULL).  On
 * error a one-line reason such as "line 3: unknown key 'foo' in [ui]" is
 * written to @err (@errlen bytes, truncated; may be NULL/0); on success @err
 * is set to "".  Reasons never echo raw input bytes other than key and
 * section names, which are limited to [A-Za-z0-9_-].
 *
 * Thread-safe; keeps no state between calls.
 */
int nono_config_parse(const char *buf, size_t len, struct nono_config *cfg,
		      char *err, size_t errlen)
    __attribute__((warn_unused_result));

/*
 * Reads and parses the file at @path (symlinks are followed).  *cfg is
 * zeroed on entry and filled only on success; caller frees it with
 * nono_config_clear().
 *
 * Returns 0 also when the file does not exist (ENOENT), leaving *cfg empty.
 * Otherwise returns -errno when the file cannot be opened or read, -EISDIR
 * for a directory, -EINVAL for any other non-regular file (a FIFO does not
 * block), -NONO_ETOOBIG over NONO_CONFIG_MAX_BYTES, or any code of
 * nono_config_parse().  On error @err receives "<path>: <reason>".
 */
int nono_config_load(const char *path, struct nono_config *cfg, char *err,
		     size_t errlen) __attribute__((warn_unused_result));

/* Frees everything *cfg owns and zeroes it.  Accepts NULL and a zeroed or
 * already cleared struct. */
void nono_config_clear(struct nono_config *cfg);

#endif
