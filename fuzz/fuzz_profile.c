// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: a profile's text through the JSON reader and the
 * schema (types, enums, ports, credential definitions), then merged into
 * an empty profile and written back out as JSON, which must parse again.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/json.h"
#include "policy/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nono_profile *p = NULL;
	char err[512];
	char *buf = NULL;
	size_t len = 0;
	FILE *m;

	if (nono_profile_parse("fuzz.json", (const char *)data, size, &p, err,
			       sizeof(err)) < 0) {
		if (!err[0])
			abort(); /* every refusal says why */
		return 0;
	}
	/* What show --json prints is valid JSON, and a valid profile. */
	m = open_memstream(&buf, &len);
	if (!m)
		abort();
	nono_profile_write_json(m, p);
	fclose(m);
	{
		struct nono_profile *q = NULL;

		if (nono_profile_parse("again.json", buf, len, &q, err,
				       sizeof(err)) < 0) {
			fprintf(stderr, "re-parse failed: %s\n%s\n", err, buf);
			abort();
		}
		nono_profile_free(q);
	}
	free(buf);
	nono_profile_free(p);
	return 0;
}
