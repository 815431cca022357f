// SPDX-License-Identifier: Apache-2.0
/*
 * The live session's OSC 52 filter (session/oscfilter.c), fed arbitrary
 * bytes.  Properties checked, not only crashes: the output is the same
 * whole or in pieces (cut where the first byte says); it is never longer
 * than the input; and filtering it again changes nothing (a sequence
 * still open at the end held, not lost), so no OSC 52 survived in it.
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
	if (tail && (f.st == 1 || f.st == 2)) {
		memcpy(out + o, f.hold, f.nhold);
		o += f.nhold;
	}
	return o;
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
