// SPDX-License-Identifier: Apache-2.0
/*
 * Bounded parser for the user config file: a strict TOML subset read from
 * (pointer, length) with ceilings on the file, each string and each array.
 *
 * The file is user-writable, and anything that can write into $HOME (a
 * compromised tool, a malicious repository's install script) can plant one,
 * so the parser treats it as hostile input: it never reads past @len,
 * validates the whole buffer as UTF-8 before parsing, rejects control
 * characters that could smuggle terminal escapes into later diagnostics,
 * and refuses unknown or duplicate keys instead of ignoring them, so a
 * typo in a security setting (say, "unsafe_redaction_override") is reported
 * rather than silently having no effect.
 */
/* open(2) flags such as O_CLOEXEC are POSIX.1-2008, not ISO C. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/config.h"
#include "nono/error.h"
#include "util/age.h"
#include "util/cleanup.h"

/* Longest bare key or section name; the known ones are far shorter. */
#define MAX_NAME 64

enum section {
	SEC_NONE, /* before the first [section] header */
	SEC_UI,
	SEC_REDACTION,
	SEC_ROLLBACK,
	SEC_COUNT,
};

static const char *const section_names[SEC_COUNT] = {
    [SEC_NONE] = "",
    [SEC_UI] = "ui",
    [SEC_REDACTION] = "redaction",
    [SEC_ROLLBACK] = "rollback",
};

enum vtype {
	V_STRING,
	V_BOOL,
	V_LIST,
	V_INT,
};

static const char *const vtype_desc[] = {
    [V_STRING] = "a string",
    [V_BOOL] = "true or false",
    [V_LIST] = "an array of strings",
    [V_INT] = "a whole number (0 to 999999)",
};

enum key {
	K_THEME,
	K_DETACH_SEQ,
	K_EXTRA_FLAGS,
	K_EXTRA_HEADERS,
	K_EXTRA_QUERY_KEYS,
	K_UNSAFE_OVERRIDES,
	K_ALLOW_UNREDACTED,
	K_RB_KEEP,
	K_RB_OLDER,
	K_COUNT,
};

struct key_def {
	enum section sec;
	const char *name;
	enum vtype type;
};

/* clang-format off */
static const struct key_def key_defs[K_COUNT] = {
	[K_THEME]            = { SEC_UI,        "theme",                      V_STRING },
	[K_DETACH_SEQ]       = { SEC_UI,        "detach_sequence",            V_STRING },
	[K_EXTRA_FLAGS]      = { SEC_REDACTION, "extra_flags",                V_LIST },
	[K_EXTRA_HEADERS]    = { SEC_REDACTION, "extra_headers",              V_LIST },
	[K_EXTRA_QUERY_KEYS] = { SEC_REDACTION, "extra_query_keys",           V_LIST },
	[K_UNSAFE_OVERRIDES] = { SEC_REDACTION, "unsafe_redaction_overrides", V_BOOL },
	[K_ALLOW_UNREDACTED] = { SEC_REDACTION, "allow_unredacted_defaults",  V_LIST },
	[K_RB_KEEP]          = { SEC_ROLLBACK,  "keep",                       V_INT },
	[K_RB_OLDER]         = { SEC_ROLLBACK,  "older_than",                 V_STRING },
};
/* clang-format on */

struct parser {
	const char *buf;
	size_t len;
	size_t pos;
	size_t line;
	enum section sec;
	bool seen_sec[SEC_COUNT];
	bool seen_key[K_COUNT];
	char *err;
	size_t errlen;
	/* The string being decoded; its ceiling is fixed, so no growth. */
	size_t slen;
	char sbuf[NONO_CONFIG_MAX_STRING + 1];
};

NONO_PRINTF(3, 4)
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Writes "line N: <reason>" and returns -NONO_EPARSE. */
NONO_PRINTF(2, 3)
static int fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!p->err || !p->errlen)
		return -NONO_EPARSE;
	n = snprintf(p->err, p->errlen, "line %zu: ", p->line);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -NONO_EPARSE;
}

static int fail_nomem(struct parser *p)
{
	set_err(p->err, p->errlen, "line %zu: out of memory", p->line);
	return -ENOMEM;
}

/* The next byte, or -1 at the end of the buffer: the only way to look. */
static int peek(const struct parser *p)
{
	if (p->pos >= p->len)
		return -1;
	return (unsigned char)p->buf[p->pos];
}

/* Names what was found without echoing raw bytes into the message. */
static int fail_unexpected(struct parser *p, const char *where)
{
	int c = peek(p);

	if (c < 0)
		return fail(p, "unexpected end of file %s", where);
	if (c == '\n' || c == '\r')
		return fail(p, "unexpected end of line %s", where);
	if (c > 0x20 && c < 0x7f)
		return fail(p, "unexpected '%c' %s", c, where);
	return fail(p, "unexpected byte 0x%02x %s", (unsigned)c, where);
}

static bool is_bare(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/*
 * C0 controls, DEL and C1 controls.  C1 matters too: U+009B is a one-byte
 * CSI to some terminals, so it could start an escape sequence when a value
 * is later printed.
 */
static bool is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/*
 * Decodes the UTF-8 sequence at @s (at most @n bytes available).  Returns
 * its length, or 0 when it is truncated, overlong, a surrogate or above
 * U+10FFFF: ill-formed input is refused rather than passed on to consumers
 * that may decode it differently.
 */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t need;
	size_t i;
	uint32_t v;
	uint32_t min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
		v = s[0] & 0x1fu;
		min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		v = s[0] & 0x0fu;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		v = s[0] & 0x07u;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3fu);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return need;
}

/*
 * Checks the whole buffer once, so that the grammar below only ever sees
 * well-formed UTF-8 without NUL (which would silently truncate a C string)
 * or control characters other than tab, LF and CR.
 */
static int prescan(struct parser *p)
{
	const unsigned char *s = (const unsigned char *)p->buf;
	size_t i = 0;
	size_t n;
	uint32_t cp = 0;

	while (i < p->len) {
		n = utf8_decode(s + i, p->len - i, &cp);
		if (n == 0)
			return fail(p, "invalid UTF-8 (byte 0x%02x)", s[i]);
		if (cp == 0)
			return fail(p, "NUL byte");
		if (cp == '\n')
			p->line++;
		else if (cp != '\t' && cp != '\r' && is_control(cp))
			return fail(p, "control character U+%04X",
				    (unsigned)cp);
		i += n;
	}
	return 0;
}

static void skip_ws(struct parser *p)
{
	while (peek(p) == ' ' || peek(p) == '\t')
		p->pos++;
}

static void skip_comment(struct parser *p)
{
	int c;

	if (peek(p) != '#')
		return;
	/* Stop at CR as well, so that a bare CR is caught by eat_newline. */
	for (c = peek(p); c >= 0 && c != '\n' && c != '\r'; c = peek(p))
		p->pos++;
}

/* Returns 1 after consuming LF or CRLF, 0 if none is next, or an error. */
static int eat_newline(struct parser *p)
{
	int c = peek(p);

	if (c == '\n') {
		p->pos++;
		p->line++;
		return 1;
	}
	if (c != '\r')
		return 0;
	if (p->len - p->pos < 2 || p->buf[p->pos + 1] != '\n')
		return fail(p, "carriage return not followed by newline");
	p->pos += 2;
	p->line++;
	return 1;
}

/* Skips blanks, comments and newlines, as allowed between array items. */
static int skip_blank(struct parser *p)
{
	int r;

	for (;;) {
		skip_ws(p);
		skip_comment(p);
		r = eat_newline(p);
		if (r <= 0)
			return r;
	}
}

/* After a header or a value only a comment may follow on the same line. */
static int end_of_line(struct parser *p, const char *what)
{
	int r;

	skip_ws(p);
	skip_comment(p);
	if (peek(p) < 0)
		return 0;
	r = eat_newline(p);
	if (r < 0)
		return r;
	if (r == 0)
		return fail_unexpected(p, what);
	return 0;
}

/* Reads a bare key or section name into @out (MAX_NAME + 1 bytes). */
static int parse_name(struct parser *p, char *out, const char *where)
{
	size_t n = 0;

	while (is_bare(peek(p))) {
		if (n == MAX_NAME)
			return fail(p, "name longer than %d bytes", MAX_NAME);
		out[n++] = p->buf[p->pos++];
	}
	out[n] = '\0';
	if (n == 0)
		return fail_unexpected(p, where);
	return 0;
}

static int put(struct parser *p, unsigned char c)
{
	if (p->slen >= NONO_CONFIG_MAX_STRING)
		return fail(p, "string longer than %d bytes",
			    NONO_CONFIG_MAX_STRING);
	p->sbuf[p->slen++] = (char)c;
	return 0;
}

static int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes \uXXXX (p->pos is just past the 'u').  Surrogates cannot be
 * encoded as UTF-8, and \u0000 would truncate the C string, so both are
 * refused; so are the other controls, which have no use in these values and
 * could carry terminal escapes (\t and \n keep their own escapes).
 */
static int parse_unicode_escape(struct parser *p)
{
	uint32_t cp = 0;
	size_t i;
	int h;
	int r;

	if (p->len - p->pos < 4)
		return fail(p, "truncated \\u escape");
	for (i = 0; i < 4; i++) {
		h = hex_value((unsigned char)p->buf[p->pos + i]);
		if (h < 0)
			return fail(p, "invalid \\u escape");
		cp = (cp << 4) | (uint32_t)h;
	}
	p->pos += 4;
	if (cp >= 0xd800 && cp <= 0xdfff)
		return fail(p, "\\u escape of a surrogate (U+%04X)",
			    (unsigned)cp);
	if (is_control(cp))
		return fail(p, "\\u escape of a control character (U+%04X)",
			    (unsigned)cp);
	if (cp < 0x80)
		return put(p, (unsigned char)cp);
	if (cp < 0x800) {
		r = put(p, (unsigned char)(0xc0 | (cp >> 6)));
		if (r)
			return r;
		return put(p, (unsigned char)(0x80 | (cp & 0x3f)));
	}
	r = put(p, (unsigned char)(0xe0 | (cp >> 12)));
	if (r)
		return r;
	r = put(p, (unsigned char)(0x80 | ((cp >> 6) & 0x3f)));
	if (r)
		return r;
	return put(p, (unsigned char)(0x80 | (cp & 0x3f)));
}

static int parse_escape(struct parser *p)
{
	int c;

	p->pos++; /* the backslash */
	c = peek(p);
	if (c < 0)
		return fail(p, "unterminated string");
	p->pos++;
	switch (c) {
	case '"':
	case '\\':
		return put(p, (unsigned char)c);
	case 'n':
		return put(p, '\n');
	case 't':
		return put(p, '\t');
	case 'u':
		return parse_unicode_escape(p);
	default:
		break;
	}
	if (c > 0x20 && c < 0x7f)
		return fail(p, "invalid escape '\\%c'", c);
	return fail(p, "invalid escape");
}

/*
 * Decodes a basic ("...") or literal ('...') string into p->sbuf.  Multi-line
 * strings are outside the subset: the values are short names.
 */
static int parse_string_raw(struct parser *p)
{
	int quote = peek(p);
	int c;
	int r;

	if (p->len - p->pos >= 3 && p->buf[p->pos + 1] == quote &&
	    p->buf[p->pos + 2] == quote)
		return fail(p, "multi-line strings are not supported");
	p->pos++;
	p->slen = 0;
	for (;;) {
		c = peek(p);
		if (c < 0 || c == '\n' || c == '\r')
			return fail(p, "unterminated string");
		if (c == quote) {
			p->pos++;
			break;
		}
		/*
		 * prescan() already refused these; stay closed regardless.
		 * Bytes from 0x80 are parts of validated UTF-8 sequences.
		 */
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return fail(p, "control character in string");
		if (c == '\\' && quote == '"') {
			r = parse_escape(p);
		} else {
			r = put(p, (unsigned char)c);
			p->pos++;
		}
		if (r)
			return r;
	}
	p->sbuf[p->slen] = '\0';
	return 0;
}

/* Parses a string and hands a heap copy to *out (caller frees). */
static int parse_string(struct parser *p, char **out)
{
	char *s;
	int r;

	r = parse_string_raw(p);
	if (r)
		return r;
	s = malloc(p->slen + 1);
	if (!s)
		return fail_nomem(p);
	memcpy(s, p->sbuf, p->slen + 1);
	*out = s;
	return 0;
}

static int parse_bool(struct parser *p, bool *out)
{
	size_t left = p->len - p->pos;

	if (left >= 4 && memcmp(p->buf + p->pos, "true", 4) == 0) {
		p->pos += 4;
		*out = true;
	} else if (left >= 5 && memcmp(p->buf + p->pos, "false", 5) == 0) {
		p->pos += 5;
		*out = false;
	} else {
		return fail(p, "invalid value (expected true or false)");
	}
	if (is_bare(peek(p)))
		return fail(p, "invalid value (expected true or false)");
	return 0;
}

/* A whole number: decimal digits, no sign, at most 6 of them. */
static int parse_int(struct parser *p, long long *out)
{
	long long v = 0;
	size_t n = 0;

	while (p->pos < p->len && p->buf[p->pos] >= '0' &&
	       p->buf[p->pos] <= '9' && n < 7) {
		v = v * 10 + (p->buf[p->pos++] - '0');
		n++;
	}
	if (n == 0 || n > 6 || is_bare(peek(p)))
		return fail(p, "invalid value (expected a whole number, 0 to "
			       "999999)");
	*out = v;
	return 0;
}

static int fail_type(struct parser *p, const struct key_def *def)
{
	return fail(p, "'%s' in [%s] must be %s", def->name,
		    section_names[def->sec], vtype_desc[def->type]);
}

/*
 * Parses [ "a", 'b', ... ] which may span lines and end in a comma.  Items
 * are attached to *items / *n as they are made, so that on error the caller
 * frees them with the rest of the config.
 */
static int parse_list(struct parser *p, const struct key_def *def,
		      char ***items, size_t *n)
{
	size_t start = p->line;
	size_t cap = 0;
	size_t ncap;
	char **grown;
	int c;
	int r;

	p->pos++; /* the '[' */
	for (;;) {
		r = skip_blank(p);
		if (r)
			return r;
		c = peek(p);
		if (c < 0)
			break;
		if (c == ']') {
			p->pos++;
			return 0;
		}
		if (c == ',')
			return fail_unexpected(p, "in array");
		if (c != '"' && c != '\'')
			return fail_type(p, def);
		if (*n >= NONO_CONFIG_MAX_LIST)
			return fail(p, "'%s' has more than %d items", def->name,
				    NONO_CONFIG_MAX_LIST);
		if (*n == cap) {
			ncap = cap ? cap * 2 : 8;
			if (ncap > NONO_CONFIG_MAX_LIST)
				ncap = NONO_CONFIG_MAX_LIST;
			grown = realloc(*items, ncap * sizeof(*grown));
			if (!grown)
				return fail_nomem(p);
			*items = grown;
			cap = ncap;
		}
		r = parse_string(p, &(*items)[*n]);
		if (r)
			return r;
		(*n)++;
		r = skip_blank(p);
		if (r)
			return r;
		c = peek(p);
		if (c == ',') {
			p->pos++;
			continue;
		}
		if (c == ']') {
			p->pos++;
			return 0;
		}
		if (c < 0)
			break;
		return fail_unexpected(p, "in array (expected ',' or ']')");
	}
	return fail(p, "unterminated array (opened on line %zu)", start);
}

/* Which kind of value starts here, before knowing what the key wants. */
static int value_kind(struct parser *p, const struct key_def *def,
		      enum vtype *kind)
{
	int c = peek(p);

	switch (c) {
	case '"':
	case '\'':
		*kind = V_STRING;
		return 0;
	case '[':
		*kind = V_LIST;
		return 0;
	case 't':
	case 'f':
		*kind = V_BOOL;
		return 0;
	case '0':
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
	case '7':
	case '8':
	case '9':
		*kind = V_INT;
		return 0;
	case -1:
	case '\n':
	case '\r':
	case '#':
		return fail(p, "missing value for '%s'", def->name);
	default:
		break;
	}
	/* Numbers, dates and inline tables are outside the subset. */
	return fail_type(p, def);
}

static int store_value(struct parser *p, enum key k, struct nono_config *cfg)
{
	switch (k) {
	case K_THEME:
		return parse_string(p, &cfg->ui_theme);
	case K_DETACH_SEQ:
		return parse_string(p, &cfg->ui_detach_sequence);
	case K_EXTRA_FLAGS:
		return parse_list(p, &key_defs[k], &cfg->redaction_extra_flags,
				  &cfg->n_redaction_extra_flags);
	case K_EXTRA_HEADERS:
		return parse_list(p, &key_defs[k],
				  &cfg->redaction_extra_headers,
				  &cfg->n_redaction_extra_headers);
	case K_EXTRA_QUERY_KEYS:
		return parse_list(p, &key_defs[k],
				  &cfg->redaction_extra_query_keys,
				  &cfg->n_redaction_extra_query_keys);
	case K_UNSAFE_OVERRIDES:
		return parse_bool(p, &cfg->redaction_unsafe_overrides);
	case K_ALLOW_UNREDACTED:
		return parse_list(p, &key_defs[k],
				  &cfg->redaction_allow_unredacted,
				  &cfg->n_redaction_allow_unredacted);
	case K_RB_KEEP:
		cfg->rollback_keep_set = true;
		return parse_int(p, &cfg->rollback_keep);
	case K_RB_OLDER: {
		long long secs;
		int r = parse_string(p, &cfg->rollback_older_than);

		if (r == 0 &&
		    nono_parse_age(cfg->rollback_older_than, &secs) < 0)
			return fail(p,
				    "'older_than' in [rollback] must be an age "
				    "such as \"30d\", \"12h\" or \"90m\"");
		return r;
	}
	case K_COUNT:
		break;
	}
	return fail(p, "internal error: no storage for key");
}

static int parse_keyval(struct parser *p, struct nono_config *cfg)
{
	char name[MAX_NAME + 1];
	enum vtype kind = V_STRING;
	enum key k;
	int r;

	r = parse_name(p, name, "where a key was expected");
	if (r)
		return r;
	skip_ws(p);
	if (peek(p) != '=')
		return fail_unexpected(p, "after key (expected '=')");
	p->pos++;
	for (k = 0; k < K_COUNT; k++) {
		if (key_defs[k].sec == p->sec &&
		    strcmp(key_defs[k].name, name) == 0)
			break;
	}
	if (k == K_COUNT) {
		if (p->sec == SEC_NONE)
			return fail(p, "unknown key '%s' outside any section",
				    name);
		return fail(p, "unknown key '%s' in [%s]", name,
			    section_names[p->sec]);
	}
	/* A later duplicate must not quietly override an earlier setting. */
	if (p->seen_key[k])
		return fail(p, "duplicate key '%s' in [%s]", name,
			    section_names[p->sec]);
	skip_ws(p);
	r = value_kind(p, &key_defs[k], &kind);
	if (r)
		return r;
	if (kind != key_defs[k].type)
		return fail_type(p, &key_defs[k]);
	r = store_value(p, k, cfg);
	if (r)
		return r;
	p->seen_key[k] = true;
	return end_of_line(p, "after value");
}

static int parse_section(struct parser *p)
{
	char name[MAX_NAME + 1];
	enum section s;
	int r;

	p->pos++; /* the '[' */
	if (peek(p) == '[')
		return fail(p, "arrays of tables are not supported");
	skip_ws(p);
	r = parse_name(p, name, "in section header");
	if (r)
		return r;
	skip_ws(p);
	if (peek(p) != ']')
		return fail_unexpected(p, "in section header (expected ']')");
	p->pos++;
	for (s = SEC_UI; s < SEC_COUNT; s++) {
		if (strcmp(section_names[s], name) == 0)
			break;
	}
	if (s == SEC_COUNT)
		return fail(p, "unknown section [%s]", name);
	if (p->seen_sec[s])
		return fail(p, "duplicate section [%s]", name);
	p->seen_sec[s] = true;
	p->sec = s;
	return end_of_line(p, "after section header");
}

static int parse_body(struct parser *p, struct nono_config *cfg)
{
	int c;
	int r;

	/* A UTF-8 byte order mark, as some editors write, is harmless. */
	if (p->len >= 3 && memcmp(p->buf, "\xef\xbb\xbf", 3) == 0)
		p->pos = 3;
	for (;;) {
		skip_ws(p);
		skip_comment(p);
		r = eat_newline(p);
		if (r < 0)
			return r;
		if (r > 0)
			continue;
		c = peek(p);
		if (c < 0)
			return 0;
		if (c == '[')
			r = parse_section(p);
		else if (is_bare(c))
			r = parse_keyval(p, cfg);
		else if (c == '"' || c == '\'')
			r = fail(p, "quoted keys are not supported");
		else
			r = fail_unexpected(p, "at start of line");
		if (r)
			return r;
	}
}

int nono_config_parse(const char *buf, size_t len, struct nono_config *cfg,
		      char *err, size_t errlen)
{
	struct nono_config tmp = {0};
	struct parser p = {
	    .buf = buf,
	    .len = len,
	    .line = 1,
	    .sec = SEC_NONE,
	    .err = err,
	    .errlen = errlen,
	};
	int r = -EINVAL;

	set_err(err, errlen, "%s", "");
	if (!cfg)
		return -EINVAL;
	memset(cfg, 0, sizeof(*cfg));
	if (!buf && len) {
		set_err(err, errlen, "no buffer");
		return -EINVAL;
	}
	if (len > NONO_CONFIG_MAX_BYTES) {
		set_err(err, errlen, "%zu bytes, over the limit of %d", len,
			NONO_CONFIG_MAX_BYTES);
		return -NONO_ETOOBIG;
	}
	r = prescan(&p);
	if (r)
		goto out;
	p.line = 1;
	r = parse_body(&p, &tmp);
	if (r)
		goto out;
	*cfg = tmp;
	memset(&tmp, 0, sizeof(tmp));
	set_err(err, errlen, "%s", "");
	r = 0;
out:
	nono_config_clear(&tmp);
	return r;
}

int nono_config_load(const char *path, struct nono_config *cfg, char *err,
		     size_t errlen)
{
	nono_autoclose int fd = -1;
	nono_autofree char *data = NULL;
	char perr[256];
	struct stat st;
	size_t got = 0;
	ssize_t n;
	int r = -EINVAL;

	set_err(err, errlen, "%s", "");
	if (!cfg)
		return -EINVAL;
	memset(cfg, 0, sizeof(*cfg));
	if (!path) {
		set_err(err, errlen, "no config path");
		return -EINVAL;
	}
	/*
	 * O_NONBLOCK: a FIFO planted at the path must not hang every nono
	 * start-up; O_NOCTTY: a terminal device must not become ours.
	 */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		if (r == -ENOENT)
			return 0;
		set_err(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		set_err(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	if (S_ISDIR(st.st_mode)) {
		set_err(err, errlen, "%s: is a directory", path);
		return -EISDIR;
	}
	if (!S_ISREG(st.st_mode)) {
		set_err(err, errlen, "%s: not a regular file", path);
		return -EINVAL;
	}
	if (st.st_size > NONO_CONFIG_MAX_BYTES)
		goto toobig;
	/* One byte over the ceiling tells a file that grew after fstat(). */
	data = malloc(NONO_CONFIG_MAX_BYTES + 1);
	if (!data) {
		set_err(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	for (;;) {
		n = read(fd, data + got, NONO_CONFIG_MAX_BYTES + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			set_err(err, errlen, "%s: %s", path, strerror(-r));
			return r;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > NONO_CONFIG_MAX_BYTES)
			goto toobig;
	}
	r = nono_config_parse(data, got, cfg, perr, sizeof(perr));
	if (r)
		set_err(err, errlen, "%s: %s", path, perr);
	return r;
toobig:
	set_err(err, errlen, "%s: larger than %d bytes", path,
		NONO_CONFIG_MAX_BYTES);
	return -NONO_ETOOBIG;
}

static void free_list(char ***items, size_t *n)
{
	size_t i;

	for (i = 0; i < *n; i++)
		free((*items)[i]);
	free(*items);
	*items = NULL;
	*n = 0;
}

void nono_config_clear(struct nono_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->ui_theme);
	free(cfg->ui_detach_sequence);
	free(cfg->rollback_older_than);
	free_list(&cfg->redaction_extra_flags, &cfg->n_redaction_extra_flags);
	free_list(&cfg->redaction_extra_headers,
		  &cfg->n_redaction_extra_headers);
	free_list(&cfg->redaction_extra_query_keys,
		  &cfg->n_redaction_extra_query_keys);
	free_list(&cfg->redaction_allow_unredacted,
		  &cfg->n_redaction_allow_unredacted);
	memset(cfg, 0, sizeof(*cfg));
}
