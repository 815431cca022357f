/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small, bounded JSON reader for profiles (JSONC: // and block comments
 * are accepted).  Every value and every object key keeps its line and
 * column, so that a profile error can name file:line.  Why not jansson or
 * cJSON: neither reports where a key is, neither reads comments the same
 * way, and the shipped binary is a static musl PIE that Debian's
 * glibc-built libraries cannot be linked into.
 *
 * Limits (all errors, never truncation): 1 MiB of text, nesting depth 64,
 * 65,536 values, strings of 64 KiB; no NUL in strings, valid UTF-8 only,
 * no duplicate keys in an object.
 */
#ifndef NONO_POLICY_JSON_H
#define NONO_POLICY_JSON_H

#include <stdbool.h>
#include <stddef.h>

#define NONO_JSON_MAX_TEXT (1u << 20)
#define NONO_JSON_MAX_DEPTH 64
#define NONO_JSON_MAX_VALUES 65536
#define NONO_JSON_MAX_STRING 65536

enum nono_json_type {
	NONO_JSON_NULL,
	NONO_JSON_BOOL,
	NONO_JSON_NUMBER,
	NONO_JSON_STRING,
	NONO_JSON_ARRAY,
	NONO_JSON_OBJECT,
};

struct nono_json;

struct nono_json_member {
	const char *key;
	unsigned line, col; /* of the key */
	struct nono_json *value;
};

struct nono_json {
	enum nono_json_type type;
	unsigned line, col;
	bool b;            /* BOOL */
	double num;        /* NUMBER */
	bool is_int;       /* NUMBER without fraction or exponent, in range */
	long long integer; /* when is_int */
	const char *str;   /* STRING (NUL-terminated, no NUL inside) */
	size_t len;        /* STRING length; ARRAY/OBJECT element count */
	struct nono_json **items;         /* ARRAY */
	struct nono_json_member *members; /* OBJECT, in document order */
};

struct nono_json_error {
	unsigned line, col;
	char msg[128];
};

/*
 * Parses @len bytes of @text (need not be NUL-terminated).  Returns 0 and
 * *@out (free with nono_json_free), or -EINVAL with *@err filled (line and
 * column 1-based), or -ENOMEM.
 */
int nono_json_parse(const char *text, size_t len, struct nono_json **out,
		    struct nono_json_error *err);
/* The same with other limits on the text's size and the number of values
 * (the depth and string limits stay): for files other programs write,
 * which may be larger than a profile.  Memory is about 100 bytes per
 * value. */
int nono_json_parse_limits(const char *text, size_t len, size_t max_text,
			   size_t max_values, struct nono_json **out,
			   struct nono_json_error *err);
void nono_json_free(struct nono_json *v);

/* The member @key of object @obj, or NULL. */
const struct nono_json_member *nono_json_member(const struct nono_json *obj,
						const char *key);
/* The value of member @key of @obj, or NULL. */
const struct nono_json *nono_json_get(const struct nono_json *obj,
				      const char *key);

/* Structural equality of two values (NULL: absent, equal only to NULL;
 * object members in any order). */
bool nono_json_equal(const struct nono_json *a, const struct nono_json *b);

/* "null", "boolean", "number", "string", "array", "object". */
const char *nono_json_type_name(enum nono_json_type t);

#endif
