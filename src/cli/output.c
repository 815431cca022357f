// SPDX-License-Identifier: Apache-2.0
/*
 * nono's own messages on stderr: one line per error in the form
 * "nono: <what failed>: <object>: <reason>", an optional "hint:" line, and
 * themed status output that --silent removes.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/config.h"
#include "cli/output.h"
#include "nono/log.h"
#include "session/redact.h"

static struct {
	bool silent;
	int verbose;
	const struct nono_theme *theme;
} out = {false, 0, NULL};

static void vline(const char *color, const char *prefix, const char *fmt,
		  va_list ap) __attribute__((format(printf, 3, 0)));

static void vline(const char *color, const char *prefix, const char *fmt,
		  va_list ap)
{
	const struct nono_theme *t = out.theme;

	if (t && *color)
		fprintf(stderr, "%s%s%s", color, prefix, t->reset);
	else
		fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void log_sink(enum nono_log_level level, const char *msg, void *data)
{
	static const char *const names[] = {"error", "warning", "info", "debug",
					    "trace"};

	(void)data;
	fprintf(stderr, "nono: %s: %s\n", names[level], msg);
}

static bool env_set(const char *name)
{
	const char *v = getenv(name);

	return v && *v && strcmp(v, "0") != 0;
}

/* Colour: never against NO_COLOR (any value, https://no-color.org) or
 * for TERM=dumb; forced by FORCE_COLOR or CLICOLOR_FORCE (not "0");
 * otherwise only for a terminal. */
static bool want_colour(void)
{
	const char *term = getenv("TERM");
	const char *nc = getenv("NO_COLOR");

	if (nc && *nc)
		return false;
	if (env_set("FORCE_COLOR") || env_set("CLICOLOR_FORCE"))
		return true;
	if (term && strcmp(term, "dumb") == 0)
		return false;
	return isatty(STDERR_FILENO);
}

void out_init(bool silent, int verbose, const struct nono_theme *theme)
{
	enum nono_log_level lvl = NONO_LOG_WARN;

	out.silent = silent;
	out.verbose = verbose;
	if (!want_colour())
		theme = nono_theme_plain(theme);
	out.theme = theme;
	if (verbose >= 3)
		lvl = NONO_LOG_TRACE;
	else if (verbose == 2)
		lvl = NONO_LOG_DEBUG;
	else if (verbose == 1)
		lvl = NONO_LOG_INFO;
	nono_log_set_sink(silent && verbose == 0 ? NULL : log_sink, NULL, lvl);
}

bool out_silent(void)
{
	return out.silent;
}

int out_verbose(void)
{
	return out.verbose;
}

const struct nono_theme *out_theme(void)
{
	return out.theme;
}

#define COLOR(field) (out.theme ? out.theme->field : "")

void out_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(COLOR(error), "nono: ", fmt, ap);
	va_end(ap);
}

void out_hint(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(COLOR(accent), "hint: ", fmt, ap);
	va_end(ap);
}

void out_warn(const char *fmt, ...)
{
	va_list ap;

	if (out.silent)
		return;
	va_start(ap, fmt);
	vline(COLOR(warn), "nono: warning: ", fmt, ap);
	va_end(ap);
}

void out_security_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(COLOR(warn), "nono: warning: ", fmt, ap);
	va_end(ap);
}

void out_write_plain(FILE *f, const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if ((c >= 0x20 && c < 0x7f) || c == '\n')
			fputc(c, f);
		else
			fprintf(f, "\\x%02x", c);
	}
}

const char *out_name(const char *s)
{
	static char ring[8][4 * PATH_MAX];
	static unsigned next;
	char *o = ring[next++ % 8];
	size_t n = 0;
	const unsigned char *c = (const unsigned char *)s;

	if (!s)
		return "(null)";
	for (; *c; c++)
		if (*c < 0x20 || *c >= 0x7f || *c == '\\')
			break;
	if (!*c)
		return s;
	for (c = (const unsigned char *)s; *c && n + 5 < sizeof(ring[0]); c++) {
		if (*c >= 0x20 && *c < 0x7f && *c != '\\')
			o[n++] = (char)*c;
		else
			n += (size_t)snprintf(o + n, 5, "\\x%02x", *c);
	}
	o[n] = '\0';
	return o;
}

void out_info(const char *fmt, ...)
{
	va_list ap;

	if (out.silent)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void out_verbose_msg(int level, const char *fmt, ...)
{
	va_list ap;

	if (out.verbose < level)
		return;
	va_start(ap, fmt);
	vline(COLOR(muted), "nono: ", fmt, ap);
	va_end(ap);
}

/* The configuration, kept for the run (redaction, the detach keys). */
static struct nono_config cfg;

const struct nono_config *cli_config(void)
{
	return &cfg;
}

void cli_redact_policy(struct nono_redact_policy *p)
{
	const struct nono_config *c = cli_config();

	memset(p, 0, sizeof(*p));
	p->extra_flags = c->redaction_extra_flags;
	p->n_extra_flags = c->n_redaction_extra_flags;
	p->extra_headers = c->redaction_extra_headers;
	p->n_extra_headers = c->n_redaction_extra_headers;
	p->extra_query_keys = c->redaction_extra_query_keys;
	p->n_extra_query_keys = c->n_redaction_extra_query_keys;
	p->allow_unredacted = c->redaction_allow_unredacted;
	p->n_allow_unredacted = c->n_redaction_allow_unredacted;
	p->unsafe_overrides = c->redaction_unsafe_overrides;
}

int cli_setup_output(const struct global_opts *g, const char *config_path)
{
	const char *unknown = NULL;
	const struct nono_theme *t;
	char path[4096], err[512];
	const char *home = getenv("HOME");
	int r;

	nono_config_clear(&cfg);
	/* Plain output until the theme is known, for the errors below. */
	out_init(g->silent, g->verbose, nono_theme_find("minimal"));
	if (config_path) {
		snprintf(path, sizeof(path), "%s", config_path);
	} else if (getenv("XDG_CONFIG_HOME") && *getenv("XDG_CONFIG_HOME")) {
		snprintf(path, sizeof(path), "%s/nono/config.toml",
			 getenv("XDG_CONFIG_HOME"));
	} else if (home && *home) {
		snprintf(path, sizeof(path), "%s/.config/nono/config.toml",
			 home);
	} else {
		path[0] = '\0';
	}
	if (path[0]) {
		r = nono_config_load(path, &cfg, err, sizeof(err));
		/* Inside a sandbox nono's configuration is hidden (a nono
		 * there runs on the defaults); elsewhere an unreadable
		 * configuration is an error. */
		if (r == -EACCES && !config_path && getenv("NONO_SANDBOX"))
			r = 0;
		if (r < 0) {
			out_error("config: %s", err);
			return -1;
		}
		/* An explicit -c FILE must exist. */
		if (config_path && access(config_path, F_OK) < 0) {
			out_error("config: %s: no such file", config_path);
			nono_config_clear(&cfg);
			return -1;
		}
	}
	t = nono_theme_resolve(g->theme, getenv("NONO_THEME"), cfg.ui_theme,
			       &unknown);
	out_init(g->silent, g->verbose, t);
	if (unknown)
		out_warn("unknown theme '%s'; using mocha", unknown);
	return 0;
}
