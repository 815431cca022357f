/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Everything nono itself prints goes through here: errors, warnings, hints,
 * the banner, with the theme's colours when stderr is a terminal.
 */
#ifndef NONO_CLI_OUTPUT_H
#define NONO_CLI_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "cli/theme.h"

struct global_opts;

/*
 * Resolves the theme (--theme, then NONO_THEME, then [ui] theme of the
 * config file @config_path or ~/.config/nono/config.toml, then mocha) and
 * calls out_init().  Returns 0, or -1 after printing an error when the
 * config file cannot be read or parsed.
 */
int cli_setup_output(const struct global_opts *g, const char *config_path);
/* The configuration cli_setup_output() read (empty without a file). */
struct nono_config;
const struct nono_config *cli_config(void);
/* Its [redaction] policy, for nono_redact_argv() (strings borrowed). */
struct nono_redact_policy;
void cli_redact_policy(struct nono_redact_policy *p);

/* Sets up output: @silent hides everything but errors and security
 * warnings; @verbose 0..3 selects the libnono log level. */
void out_init(bool silent, int verbose, const struct nono_theme *theme);

bool out_silent(void);
int out_verbose(void);
const struct nono_theme *out_theme(void);

/* "nono: <msg>" on stderr, always shown. */
void out_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "hint: <msg>" on stderr after an error, always shown. */
void out_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "nono: warning: <msg>", hidden by --silent. */
void out_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A warning about a relaxed protection: shown even with --silent, so that
 * logs always record it. */
void out_security_warn(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
/* Status text on stderr, hidden by --silent. */
void out_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes @len bytes of text that holds names the sandbox chose (paths,
 * hosts) to @f as a terminal may show it: printable ASCII and newlines as
 * they are, every other byte as \xHH (review of elevation: a file named
 * with escape sequences rewrote the lines after a run).  A newline inside
 * a name would still start a line of its own: names go through
 * out_name(). */
void out_write_plain(FILE *f, const char *buf, size_t len);
/* A name the sandbox chose, made one line for such text: @s itself when it
 * is printable ASCII without a backslash, else a copy (one of eight kept in
 * turn) with every other byte, newlines included, as \xHH. */
const char *out_name(const char *s);
/* Shown only at -v (level 1) and above. */
void out_verbose_msg(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
