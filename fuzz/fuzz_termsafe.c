// SPDX-License-Identifier: Apache-2.0
/*
 * What nono logs shows of a sandbox's output on a terminal
 * (session/termsafe.c), fed arbitrary bytes.  Properties checked, not only
 * crashes: the output is the same whole or in pieces; every ESC in it
 * starts a CSI of digits and ';' ending in a colour or a cursor move; no
 * other control byte but \n \r \t \b, no DEL; no C1 control, encoded
 * (U+0080-U+009F) or raw (a byte 0x80-0xbf that continues nothing).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "session/termsafe.h"

struct sink {
	unsigned char *b;
	size_t len, cap;
};

static void put(void *arg, const char *p, size_t n)
{
	struct sink *s = arg;

	if (s->len + n > s->cap)
		abort(); /* never more out than in */
	memcpy(s->b + s->len, p, n);
	s->len += n;
}

static void check(const unsigned char *o, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = o[i];

		if (c == 0x1b) {
			size_t j = i + 1;

			if (j >= n || o[j] != '[')
				abort();
			for (j++; j < n &&
				  ((o[j] >= '0' && o[j] <= '9') || o[j] == ';');
			     j++)
				;
			if (j >= n || !strchr("mABCDEFGHJKfd", o[j]))
				abort();
			i = j;
			continue;
		}
		if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t' &&
		     c != '\b') ||
		    c == 0x7f)
			abort();
		if (c >= 0x80 && c < 0xc0) {
			/* A continuation: after a lead or a continuation, and
			 * never U+0080-U+009F. */
			if (i == 0 || o[i - 1] < 0x80 ||
			    (o[i - 1] == 0xc2 && c < 0xa0))
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nono_termsafe a = {0}, b = {0};
	struct sink whole = {malloc(size + 1), 0, size + 1};
	struct sink parts = {malloc(size + 1), 0, size + 1};
	size_t at = 0, k = 0;

	if (!whole.b || !parts.b)
		abort();
	nono_termsafe_filter(&a, (const char *)data, size, put, &whole);
	/* Pieces of sizes the input picks (1 to 8 bytes). */
	while (at < size) {
		size_t step = 1 + (data[k++ % size] & 7);

		if (step > size - at)
			step = size - at;
		nono_termsafe_filter(&b, (const char *)data + at, step, put,
				     &parts);
		at += step;
	}
	if (whole.len != parts.len || memcmp(whole.b, parts.b, whole.len))
		abort();
	check(whole.b, whole.len);
	free(whole.b);
	free(parts.b);
	return 0;
}
