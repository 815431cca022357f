// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer harness for credential references: feeds arbitrary bytes (as
 * a C string) to nono_secret_ref_check() and nono_secret_ref_describe(),
 * and checks that they agree and that each message is one terminated line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cred/secret.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256], what[128];
	char *ref;
	int r, k;

	if (size > 4 * NONO_SECRET_REF_MAX)
		return 0;
	ref = malloc(size + 1);
	if (!ref)
		return 0;
	memcpy(ref, data, size);
	ref[size] = '\0';
	memset(err, 'x', sizeof(err));
	r = nono_secret_ref_check(ref, err, sizeof(err));
	k = nono_secret_ref_describe(ref, what, sizeof(what));
	if (r != 0 && r != -1)
		abort();
	/* The check and the description accept the same references. */
	if ((r == 0) != (k >= 0))
		abort();
	if (r < 0 && (!memchr(err, '\0', sizeof(err)) || strchr(err, '\n')))
		abort();
	if (k >= 0 &&
	    (k > NONO_SECRET_FILE || !memchr(what, '\0', sizeof(what))))
		abort();
	free(ref);
	return 0;
}
