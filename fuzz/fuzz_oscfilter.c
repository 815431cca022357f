// SPDX-License-Identifier: Apache-2.0
/*
 * The live session's OSC 52 filter (session/oscfilter.c), fed arbitrary
 * bytes.  Properties checked, not only crashes: the output is the same
 * whole or in pieces (cut where the first byte says); it is never longer
 * than the input; filtering it again changes nothing (a sequence still
 * open at the end held, not lost); and a terminal's view of it (oracle())
 * finds no DCS and no OSC but those with a plain number off the
 * clipboard's, also as a terminal with 8-bit controls reads a 0x9d or 0x90
 * inside a valid UTF-8 character.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "session/oscfilter.h"

/* Filters @n bytes of @in, @cut at a time; what is still held at the end
 * (the start of a sequence) is appended when @tail. */
static size_t run_all(const char *in, size_t n, char *out, size_t cut, int tail)
{
	struct nono_oscf f;
	size_t o = 0;

	nono_oscf_init(&f);
	for (size_t i = 0; i < n; i += cut) {
		size_t k = n - i < cut ? n - i : cut;

		o += nono_oscf_run(&f, in + i, k, out + o);
	}
	if (tail && f.nhold) {
		memcpy(out + o, f.hold, f.nhold);
		o += f.nhold;
	}
	return o;
}

/* After an OSC introducer at @p: plain digits, then the end of the
 * number; never a clipboard's number.  (The filter holds a header until
 * it sees how it ends.) */
static void check_osc(const unsigned char *o, size_t n, size_t p)
{
	unsigned long num = 0;
	size_t d = 0;

	while (p < n && o[p] >= '0' && o[p] <= '9' && d < 12) {
		num = num * 10 + (o[p] - '0');
		p++;
		d++;
	}
	/* At the end: its terminator (an ESC) is held for the next call. */
	if (!d ||
	    (p < n && !(o[p] == ';' || o[p] == 0x07 || o[p] == 0x1b ||
			o[p] == 0x9c || o[p] == 0x18 || o[p] == 0x1a)) ||
	    num == 52 || num == 5522 || num == 1337)
		abort();
}

/* A terminal with 8-bit controls after a 0x9d that a UTF-8 terminal
 * reads inside a character, from @p: the number (C0 but BEL, ESC, CAN and
 * SUB skipped, and C1 but ST and the introducers), and never a clipboard's
 * number with its argument (a ';' after it). */
static void check_u8osc(const unsigned char *o, size_t n, size_t p)
{
	unsigned long num = 0;
	size_t d = 0;

	for (; p < n; p++) {
		unsigned char c = o[p];

		if (c >= '0' && c <= '9') {
			if (num < 1000000)
				num = num * 10 + (c - '0');
			d++;
			continue;
		}
		if ((c < 0x20 && c != 0x07 && c != 0x1b && c != 0x18 &&
		     c != 0x1a) ||
		    c == 0x7f ||
		    (c >= 0x80 && c <= 0x9f && c != 0x9c && c != 0x9d &&
		     c != 0x90))
			continue;
		if (c == ';' && d && (num == 52 || num == 5522 || num == 1337))
			abort();
		return;
	}
}

/* The same after a 0x90: no DCS header that such a terminal acts on
 * (DECUDK, tmux's passthrough, DECRQSS/DECRSTS, XTGETTCAP/XTSETTCAP). */
static void check_u8dcs(const unsigned char *o, size_t n, size_t p)
{
	unsigned flags = 0;
	size_t d = 0;

	for (; p < n; p++) {
		unsigned char c = o[p];

		if ((c < 0x20 && c != 0x1b && c != 0x18 && c != 0x1a) ||
		    c == 0x7f ||
		    (c >= 0x80 && c <= 0x9f && c != 0x9c && c != 0x9d &&
		     c != 0x90))
			continue;
		if (c >= 0x20 && c <= 0x3f) {
			d++;
			flags |= c <= 0x2f ? 2u : 0u;
			flags |= c == '$' || c == '+' ? 1u : 0u;
			continue;
		}
		if ((c == '|' && !(flags & 2)) || (c == 't' && !d) ||
		    ((flags & 1) && (c == 'p' || c == 'q')))
			abort();
		return;
	}
}

/* A UTF-8 lead byte, strictly: the continuation bytes that follow it and
 * the first one's range (0: it begins no character). */
static unsigned lead(unsigned char c, unsigned char *lo, unsigned char *hi)
{
	*lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
	*hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
	return c >= 0xc2 && c <= 0xdf   ? 1
	       : c >= 0xe0 && c <= 0xef ? 2
	       : c >= 0xf0 && c <= 0xf4 ? 3
					: 0;
}

/* What reaches the terminal: no DCS, and every OSC one of the passed
 * kind, as a terminal finds the introducers (ESC ], ESC P, the C1 bytes
 * encoded, and raw where they continue no valid UTF-8 character); and
 * where a raw one does continue a character, nothing a terminal with
 * 8-bit controls would act on after it. */
static void oracle(const unsigned char *o, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	unsigned cont = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = o[i];

		if (cont && c >= lo && c <= hi) {
			cont--;
			lo = 0x80;
			hi = 0xbf;
			if (c == 0x9d)
				check_u8osc(o, n, i + 1);
			else if (c == 0x90)
				check_u8dcs(o, n, i + 1);
			continue;
		}
		if ((c == 0x1b && i + 1 < n && o[i + 1] == 'P') || c == 0x90 ||
		    (c == 0xc2 && i + 1 < n && o[i + 1] == 0x90))
			abort();
		if (c == 0x1b && i + 1 < n && o[i + 1] == ']')
			check_osc(o, n, i + 2);
		else if (c == 0x9d)
			check_osc(o, n, i + 1);
		else if (c == 0xc2 && i + 1 < n && o[i + 1] == 0x9d)
			check_osc(o, n, i + 2);
		cont = lead(c, &lo, &hi);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cut = size ? (size_t)(data[0] % 7) + 1 : 1;
	char *a = malloc(size + NONO_OSCF_HOLD),
	     *b = malloc(size + NONO_OSCF_HOLD),
	     *c = malloc(size + NONO_OSCF_HOLD);
	size_t na, nb, nc;

	if (!a || !b || !c)
		abort();
	na = run_all((const char *)data, size, a, size ? size : 1, 0);
	nb = run_all((const char *)data, size, b, cut, 0);
	if (na != nb || memcmp(a, b, na) != 0 || na > size)
		abort();
	oracle((const unsigned char *)a, na);
	/* Again over what came out: nothing more is taken (what the first
	 * pass held is outside a, so a held start comes back as it was). */
	nc = run_all(a, na, c, na ? na : 1, 1);
	if (nc != na || memcmp(a, c, na) != 0)
		abort();
	free(a);
	free(b);
	free(c);
	return 0;
}
