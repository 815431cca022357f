// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: the profile JSON(C) reader.  Any input either parses
 * into a tree that is walked in full, or fails with a position inside the
 * text; nothing crashes, leaks or reads past the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t walk(const struct nono_json *v, unsigned depth)
{
	size_t n = 1;

	if (depth > NONO_JSON_MAX_DEPTH + 1)
		abort();
	if (v->type == NONO_JSON_STRING && strlen(v->str) != v->len)
		abort(); /* a NUL inside a string */
	if (v->type == NONO_JSON_ARRAY)
		for (size_t i = 0; i < v->len; i++)
			n += walk(v->items[i], depth + 1);
	if (v->type == NONO_JSON_OBJECT)
		for (size_t i = 0; i < v->len; i++) {
			if (nono_json_get(v, v->members[i].key) !=
			    v->members[i].value)
				abort(); /* duplicate keys got through */
			n += walk(v->members[i].value, depth + 1);
		}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nono_json_error err;
	struct nono_json *v = NULL;
	int r = nono_json_parse((const char *)data, size, &v, &err);

	if (r == 0) {
		if (walk(v, 0) > NONO_JSON_MAX_VALUES)
			abort();
		nono_json_free(v);
	} else if (r == -22 /* EINVAL */) {
		if (!err.msg[0] || err.line == 0 || err.line > size + 1)
			abort();
	}
	return 0;
}
