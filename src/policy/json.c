// SPDX-License-Identifier: Apache-2.0
/*
 * JSON (with comments) for profiles: a recursive-descent reader with a depth
 * limit, positions on every value and key, and strict input rules (see
 * json.h).  Nothing here trusts the text: every loop is bounded by the
 * input's length or by one of the limits.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/json.h"

struct parser {
	const char *p, *end;
	unsigned line, col;
	unsigned depth;
	size_t values, max_values;
	struct nono_json_error *err;
	int oom;
};

static int fail(struct parser *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;

	if (ps->err && !ps->err->msg[0]) {
		ps->err->line = ps->line;
		ps->err->col = ps->col;
		va_start(ap, fmt);
		vsnprintf(ps->err->msg, sizeof(ps->err->msg), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int nomem(struct parser *ps)
{
	ps->oom = 1;
	return -ENOMEM;
}

static void adv(struct parser *ps)
{
	if (*ps->p == '\n') {
		ps->line++;
		ps->col = 1;
	} else {
		ps->col++;
	}
	ps->p++;
}

static bool at_end(const struct parser *ps)
{
	return ps->p >= ps->end;
}

/* Whitespace and comments. */
static int skip(struct parser *ps)
{
	while (!at_end(ps)) {
		char c = *ps->p;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			adv(ps);
		} else if (c == '/' && ps->p + 1 < ps->end && ps->p[1] == '/') {
			while (!at_end(ps) && *ps->p != '\n')
				adv(ps);
		} else if (c == '/' && ps->p + 1 < ps->end && ps->p[1] == '*') {
			adv(ps);
			adv(ps);
			for (;;) {
				if (at_end(ps))
					return fail(ps, "unterminated comment");
				if (*ps->p == '*' && ps->p + 1 < ps->end &&
				    ps->p[1] == '/') {
					adv(ps);
					adv(ps);
					break;
				}
				adv(ps);
			}
		} else {
			break;
		}
	}
	return 0;
}

static struct nono_json *node(struct parser *ps, enum nono_json_type t)
{
	struct nono_json *v;

	if (++ps->values > ps->max_values) {
		fail(ps, "more than %zu values", ps->max_values);
		return NULL;
	}
	v = calloc(1, sizeof(*v));
	if (!v) {
		nomem(ps);
		return NULL;
	}
	v->type = t;
	v->line = ps->line;
	v->col = ps->col;
	return v;
}

/* Appends code point @cp as UTF-8. */
static void put_utf8(char *out, size_t *n, uint32_t cp)
{
	if (cp < 0x80) {
		out[(*n)++] = (char)cp;
	} else if (cp < 0x800) {
		out[(*n)++] = (char)(0xc0 | (cp >> 6));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		out[(*n)++] = (char)(0xe0 | (cp >> 12));
		out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else {
		out[(*n)++] = (char)(0xf0 | (cp >> 18));
		out[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	}
}

/* Length of the valid UTF-8 sequence at @s (at most @avail bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t avail)
{
	uint32_t cp;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > avail)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates, beyond U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

static int hex4(struct parser *ps, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		char c;

		if (at_end(ps))
			return fail(ps, "unterminated \\u escape");
		c = *ps->p;
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return fail(ps, "bad \\u escape");
		adv(ps);
	}
	*out = v;
	return 0;
}

/* A string at ps->p (on the opening quote); *@out is malloc'd. */
static int string(struct parser *ps, char **out, size_t *outlen)
{
	size_t cap = 64, n = 0;
	char *buf = malloc(cap);

	if (!buf)
		return nomem(ps);
	adv(ps); /* " */
	for (;;) {
		unsigned char c;
		size_t k;

		if (at_end(ps)) {
			free(buf);
			return fail(ps, "unterminated string");
		}
		/* Room for the longest thing one step appends (4 bytes). */
		if (n + 4 >= cap) {
			char *nb;

			if (cap >= NONO_JSON_MAX_STRING) {
				free(buf);
				return fail(ps, "string longer than %u bytes",
					    NONO_JSON_MAX_STRING);
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return nomem(ps);
			}
			buf = nb;
			cap *= 2;
		}
		c = (unsigned char)*ps->p;
		if (c == '"') {
			adv(ps);
			break;
		}
		if (c < 0x20) {
			free(buf);
			return fail(ps, "control character in string");
		}
		if (c == '\\') {
			uint32_t cp;

			adv(ps);
			if (at_end(ps)) {
				free(buf);
				return fail(ps, "unterminated string");
			}
			c = (unsigned char)*ps->p;
			adv(ps);
			switch (c) {
			case '"':
			case '\\':
			case '/':
				buf[n++] = (char)c;
				continue;
			case 'b':
				buf[n++] = '\b';
				continue;
			case 'f':
				buf[n++] = '\f';
				continue;
			case 'n':
				buf[n++] = '\n';
				continue;
			case 'r':
				buf[n++] = '\r';
				continue;
			case 't':
				buf[n++] = '\t';
				continue;
			case 'u':
				break;
			default:
				free(buf);
				return fail(ps, "bad escape \\%c",
					    c >= 0x20 && c < 0x7f ? c : '?');
			}
			if (hex4(ps, &cp) < 0) {
				free(buf);
				return -EINVAL;
			}
			if (cp >= 0xd800 && cp <= 0xdbff) {
				uint32_t lo;

				if (ps->end - ps->p < 2 || ps->p[0] != '\\' ||
				    ps->p[1] != 'u') {
					free(buf);
					return fail(ps, "lone surrogate");
				}
				adv(ps);
				adv(ps);
				if (hex4(ps, &lo) < 0) {
					free(buf);
					return -EINVAL;
				}
				if (lo < 0xdc00 || lo > 0xdfff) {
					free(buf);
					return fail(ps, "lone surrogate");
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				free(buf);
				return fail(ps, "lone surrogate");
			}
			if (cp == 0) {
				free(buf);
				return fail(ps, "NUL character in string");
			}
			put_utf8(buf, &n, cp);
			continue;
		}
		k = utf8_len((const unsigned char *)ps->p,
			     (size_t)(ps->end - ps->p));
		if (k == 0) {
			free(buf);
			return fail(ps, "invalid UTF-8 in string");
		}
		while (k--) {
			buf[n++] = *ps->p;
			adv(ps);
		}
	}
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	return 0;
}

static bool digit(char c)
{
	return c >= '0' && c <= '9';
}

static int number(struct parser *ps, struct nono_json *v)
{
	const char *s = ps->p;
	char buf[64];
	bool real = false;
	size_t len;
	char *e;

	if (*ps->p == '-')
		adv(ps);
	if (at_end(ps) || !digit(*ps->p))
		return fail(ps, "bad number");
	if (*ps->p == '0') {
		adv(ps);
	} else {
		while (!at_end(ps) && digit(*ps->p))
			adv(ps);
	}
	if (!at_end(ps) && *ps->p == '.') {
		real = true;
		adv(ps);
		if (at_end(ps) || !digit(*ps->p))
			return fail(ps, "bad number");
		while (!at_end(ps) && digit(*ps->p))
			adv(ps);
	}
	if (!at_end(ps) && (*ps->p == 'e' || *ps->p == 'E')) {
		real = true;
		adv(ps);
		if (!at_end(ps) && (*ps->p == '+' || *ps->p == '-'))
			adv(ps);
		if (at_end(ps) || !digit(*ps->p))
			return fail(ps, "bad number");
		while (!at_end(ps) && digit(*ps->p))
			adv(ps);
	}
	len = (size_t)(ps->p - s);
	if (len >= sizeof(buf))
		return fail(ps, "number too long");
	memcpy(buf, s, len);
	buf[len] = '\0';
	v->num = strtod(buf, NULL);
	if (!real) {
		errno = 0;
		v->integer = strtoll(buf, &e, 10);
		v->is_int = errno == 0 && *e == '\0';
	}
	return 0;
}

static int literal(struct parser *ps, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return fail(ps, "unexpected character");
	while (n--)
		adv(ps);
	return 0;
}

static int value(struct parser *ps, struct nono_json **out);

static int by_key(const void *a, const void *b)
{
	const struct nono_json_member *x =
	    *(const struct nono_json_member *const *)a;
	const struct nono_json_member *y =
	    *(const struct nono_json_member *const *)b;

	return strcmp(x->key, y->key);
}

/* A duplicate key makes a profile ambiguous: which one wins? */
static int check_duplicates(struct parser *ps, const struct nono_json *v)
{
	const struct nono_json_member **s;
	int r = 0;

	if (v->len < 2)
		return 0;
	if (v->len <= 16) {
		for (size_t i = 1; i < v->len; i++)
			for (size_t k = 0; k < i; k++)
				if (strcmp(v->members[i].key,
					   v->members[k].key) == 0) {
					ps->line = v->members[i].line;
					ps->col = v->members[i].col;
					return fail(ps,
						    "duplicate key \"%.60s\"",
						    v->members[i].key);
				}
		return 0;
	}
	s = malloc(v->len * sizeof(*s));
	if (!s)
		return nomem(ps);
	for (size_t i = 0; i < v->len; i++)
		s[i] = &v->members[i];
	qsort(s, v->len, sizeof(*s), by_key);
	for (size_t i = 1; i < v->len && r == 0; i++)
		if (strcmp(s[i]->key, s[i - 1]->key) == 0) {
			const struct nono_json_member *m =
			    s[i] > s[i - 1] ? s[i] : s[i - 1];

			ps->line = m->line;
			ps->col = m->col;
			r = fail(ps, "duplicate key \"%.60s\"", m->key);
		}
	free(s);
	return r;
}

static int object(struct parser *ps, struct nono_json *v)
{
	size_t cap = 0;
	int r;

	adv(ps); /* { */
	if ((r = skip(ps)) < 0)
		return r;
	if (!at_end(ps) && *ps->p == '}') {
		adv(ps);
		return 0;
	}
	for (;;) {
		struct nono_json_member *m;
		char *key;
		size_t klen;
		unsigned kl, kc;

		if ((r = skip(ps)) < 0)
			return r;
		if (at_end(ps) || *ps->p != '"')
			return fail(ps, "expected a key in quotes");
		kl = ps->line;
		kc = ps->col;
		if ((r = string(ps, &key, &klen)) < 0)
			return r;
		if (v->len == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct nono_json_member *nm =
			    realloc(v->members, ncap * sizeof(*nm));

			if (!nm) {
				free(key);
				return nomem(ps);
			}
			v->members = nm;
			cap = ncap;
		}
		m = &v->members[v->len++];
		m->key = key;
		m->line = kl;
		m->col = kc;
		m->value = NULL;
		if ((r = skip(ps)) < 0)
			return r;
		if (at_end(ps) || *ps->p != ':')
			return fail(ps, "expected ':' after key \"%.60s\"",
				    key);
		adv(ps);
		if ((r = value(ps, &m->value)) < 0)
			return r;
		if ((r = skip(ps)) < 0)
			return r;
		if (at_end(ps))
			return fail(ps, "unterminated object");
		if (*ps->p == ',') {
			adv(ps);
			continue;
		}
		if (*ps->p == '}') {
			adv(ps);
			return check_duplicates(ps, v);
		}
		return fail(ps, "expected ',' or '}'");
	}
}

static int array(struct parser *ps, struct nono_json *v)
{
	size_t cap = 0;
	int r;

	adv(ps); /* [ */
	if ((r = skip(ps)) < 0)
		return r;
	if (!at_end(ps) && *ps->p == ']') {
		adv(ps);
		return 0;
	}
	for (;;) {
		if (v->len == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct nono_json **ni =
			    realloc(v->items, ncap * sizeof(*ni));

			if (!ni)
				return nomem(ps);
			v->items = ni;
			cap = ncap;
		}
		v->items[v->len] = NULL;
		r = value(ps, &v->items[v->len]);
		if (v->items[v->len])
			v->len++;
		if (r < 0)
			return r;
		if ((r = skip(ps)) < 0)
			return r;
		if (at_end(ps))
			return fail(ps, "unterminated array");
		if (*ps->p == ',') {
			adv(ps);
			continue;
		}
		if (*ps->p == ']') {
			adv(ps);
			return 0;
		}
		return fail(ps, "expected ',' or ']'");
	}
}

static int value(struct parser *ps, struct nono_json **out)
{
	struct nono_json *v;
	char c;
	int r;

	*out = NULL;
	if ((r = skip(ps)) < 0)
		return r;
	if (at_end(ps))
		return fail(ps, "unexpected end of text");
	c = *ps->p;
	switch (c) {
	case '{':
	case '[':
		if (ps->depth >= NONO_JSON_MAX_DEPTH)
			return fail(ps, "nested deeper than %u",
				    NONO_JSON_MAX_DEPTH);
		v = node(ps, c == '{' ? NONO_JSON_OBJECT : NONO_JSON_ARRAY);
		if (!v)
			return ps->oom ? -ENOMEM : -EINVAL;
		*out = v;
		ps->depth++;
		r = c == '{' ? object(ps, v) : array(ps, v);
		ps->depth--;
		return r;
	case '"': {
		char *s;

		v = node(ps, NONO_JSON_STRING);
		if (!v)
			return ps->oom ? -ENOMEM : -EINVAL;
		*out = v;
		r = string(ps, &s, &v->len);
		if (r == 0)
			v->str = s;
		return r;
	}
	case 't':
	case 'f':
		v = node(ps, NONO_JSON_BOOL);
		if (!v)
			return ps->oom ? -ENOMEM : -EINVAL;
		*out = v;
		v->b = c == 't';
		return literal(ps, c == 't' ? "true" : "false");
	case 'n':
		v = node(ps, NONO_JSON_NULL);
		if (!v)
			return ps->oom ? -ENOMEM : -EINVAL;
		*out = v;
		return literal(ps, "null");
	default:
		if (c != '-' && !digit(c))
			return fail(ps, "unexpected character");
		v = node(ps, NONO_JSON_NUMBER);
		if (!v)
			return ps->oom ? -ENOMEM : -EINVAL;
		*out = v;
		return number(ps, v);
	}
}

int nono_json_parse(const char *text, size_t len, struct nono_json **out,
		    struct nono_json_error *err)
{
	return nono_json_parse_limits(text, len, NONO_JSON_MAX_TEXT,
				      NONO_JSON_MAX_VALUES, out, err);
}

int nono_json_parse_limits(const char *text, size_t len, size_t max_text,
			   size_t max_values, struct nono_json **out,
			   struct nono_json_error *err)
{
	struct parser ps = {.p = text,
			    .end = text + len,
			    .line = 1,
			    .col = 1,
			    .max_values = max_values,
			    .err = err};
	struct nono_json *v = NULL;
	int r;

	*out = NULL;
	if (err)
		memset(err, 0, sizeof(*err));
	if (len > max_text)
		return fail(&ps, "larger than %zu bytes", max_text);
	/* A UTF-8 byte order mark is tolerated. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		ps.p += 3;
	r = value(&ps, &v);
	if (r == 0)
		r = skip(&ps);
	if (r == 0 && !at_end(&ps))
		r = fail(&ps, "unexpected text after the value");
	if (r < 0) {
		nono_json_free(v);
		return ps.oom ? -ENOMEM : r;
	}
	*out = v;
	return 0;
}

void nono_json_free(struct nono_json *v)
{
	if (!v)
		return;
	if (v->type == NONO_JSON_ARRAY) {
		for (size_t i = 0; i < v->len; i++)
			nono_json_free(v->items[i]);
		free(v->items);
	} else if (v->type == NONO_JSON_OBJECT) {
		for (size_t i = 0; i < v->len; i++) {
			free((char *)v->members[i].key);
			nono_json_free(v->members[i].value);
		}
		free(v->members);
	} else if (v->type == NONO_JSON_STRING) {
		free((char *)v->str);
	}
	free(v);
}

const struct nono_json_member *nono_json_member(const struct nono_json *obj,
						const char *key)
{
	if (!obj || obj->type != NONO_JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->len; i++)
		if (strcmp(obj->members[i].key, key) == 0)
			return &obj->members[i];
	return NULL;
}

const struct nono_json *nono_json_get(const struct nono_json *obj,
				      const char *key)
{
	const struct nono_json_member *m = nono_json_member(obj, key);

	return m ? m->value : NULL;
}

const char *nono_json_type_name(enum nono_json_type t)
{
	switch (t) {
	case NONO_JSON_NULL:
		return "null";
	case NONO_JSON_BOOL:
		return "boolean";
	case NONO_JSON_NUMBER:
		return "number";
	case NONO_JSON_STRING:
		return "string";
	case NONO_JSON_ARRAY:
		return "array";
	case NONO_JSON_OBJECT:
		return "object";
	}
	return "?";
}

/* Structural equality of two JSON values (object keys in any order). */
bool nono_json_equal(const struct nono_json *a, const struct nono_json *b)
{
	if (!a || !b)
		return a == b;
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case NONO_JSON_NULL:
		return true;
	case NONO_JSON_BOOL:
		return a->b == b->b;
	case NONO_JSON_NUMBER:
		return a->is_int == b->is_int &&
		       (a->is_int ? a->integer == b->integer
				  : a->num == b->num);
	case NONO_JSON_STRING:
		return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
	case NONO_JSON_ARRAY:
		if (a->len != b->len)
			return false;
		for (size_t i = 0; i < a->len; i++)
			if (!nono_json_equal(a->items[i], b->items[i]))
				return false;
		return true;
	case NONO_JSON_OBJECT:
		if (a->len != b->len)
			return false;
		for (size_t i = 0; i < a->len; i++)
			if (!nono_json_equal(
				a->members[i].value,
				nono_json_get(b, a->members[i].key)))
				return false;
		return true;
	}
	return false;
}
