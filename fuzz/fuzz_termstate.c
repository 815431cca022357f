// SPDX-License-Identifier: Apache-2.0
/*
 * The terminal mode tracker (session/termstate.c), fed arbitrary output.
 * Properties checked, not only crashes: the input fed whole, fed in
 * pieces (cut where a generator seeded by the input says) and fed a byte
 * at a time leaves the same state; the bytes of reset(), fed to a copy of the
 * state, leave every mode it undoes off; the bytes of setup(), fed to a fresh
 * state, give it the same modes; both fit 256 bytes and honour their cap.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "session/termstate.h"

static void same(const struct nono_termstate *a, const struct nono_termstate *b)
{
	if (a->alt != b->alt || a->ever_alt != b->ever_alt ||
	    a->cursor_hidden != b->cursor_hidden || a->mouse != b->mouse ||
	    a->paste != b->paste || a->focus != b->focus ||
	    a->app_cursor != b->app_cursor || a->app_keypad != b->app_keypad ||
	    a->kitty != b->kitty || a->fed != b->fed ||
	    a->last_clear != b->last_clear)
		abort();
	/* The parser's own state too: the next bytes must be read alike. */
	if (a->st != b->st || a->priv != b->priv || a->inter != b->inter ||
	    a->kother != b->kother || a->nparams != b->nparams ||
	    memcmp(a->kflags, b->kflags, sizeof(a->kflags)) != 0 ||
	    memcmp(a->params, b->params, sizeof(a->params)) != 0)
		abort();
}

/* Writes the bytes, then checks the cap: one short writes nothing. */
static size_t emit(size_t (*fn)(const struct nono_termstate *, char *, size_t),
		   const struct nono_termstate *s, char *out)
{
	char small[256];
	size_t n = fn(s, out, 256);

	if (n > 256)
		abort();
	if (n > 0) {
		memset(small, 'Z', sizeof(small));
		if (fn(s, small, n - 1) != 0)
			abort();
		for (size_t i = 0; i < sizeof(small); i++)
			if (small[i] != 'Z')
				abort();
		if (fn(s, small, n) != n || memcmp(small, out, n) != 0)
			abort();
	}
	return n;
}

static unsigned min8(unsigned d)
{
	return d < 8 ? d : 8;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	struct nono_termstate whole, cut, t;
	char out[256];
	uint64_t seed = 1469598103934665603ull;
	size_t n;

	nono_termstate_init(&whole);
	nono_termstate_feed(&whole, in, size);

	/* Pieces of 0 to 16 bytes, from an FNV hash of the input. */
	for (size_t i = 0; i < size; i++)
		seed = (seed ^ data[i]) * 1099511628211ull;
	nono_termstate_init(&cut);
	for (size_t off = 0; off < size;) {
		size_t k;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		k = (size_t)(seed % 17);
		if (k > size - off)
			k = size - off;
		nono_termstate_feed(&cut, in + off, k);
		off += k;
	}
	same(&whole, &cut);
	/* A byte at a time: none of the fast paths skips anything. */
	nono_termstate_init(&cut);
	for (size_t i = 0; i < size; i++)
		nono_termstate_feed(&cut, in + i, 1);
	same(&whole, &cut);

	/* reset() undoes it all, wherever the program stopped, and leaves
	 * the parser in ground (0, as init leaves it). */
	n = emit(nono_termstate_reset, &whole, out);
	if (n < 10) /* showing the cursor and SGR 0 always */
		abort();
	t = whole;
	nono_termstate_feed(&t, out, n);
	if (t.alt || t.mouse || t.paste || t.focus || t.app_cursor ||
	    t.app_keypad || t.kitty || t.cursor_hidden || t.st != 0)
		abort();
	if (t.last_clear != whole.last_clear)
		abort();

	/* setup() gives a fresh terminal the same modes. */
	n = emit(nono_termstate_setup, &whole, out);
	nono_termstate_init(&t);
	nono_termstate_feed(&t, out, n);
	if (t.alt != whole.alt || t.mouse != whole.mouse ||
	    t.paste != whole.paste || t.focus != whole.focus ||
	    t.app_cursor != whole.app_cursor ||
	    t.app_keypad != whole.app_keypad ||
	    t.cursor_hidden != whole.cursor_hidden || t.st != 0 ||
	    t.last_clear != 0)
		abort();
	/* The kitty levels too, up to 8 a screen, with their flags; the
	 * alternate screen's only while it is shown. */
	if (t.kitty != min8(whole.kitty) ||
	    memcmp(t.kflags[whole.alt], whole.kflags[whole.alt], t.kitty) != 0)
		abort();
	if (whole.alt && (t.kother != min8(whole.kother) ||
			  memcmp(t.kflags[0], whole.kflags[0], t.kother) != 0))
		abort();
	return 0;
}
